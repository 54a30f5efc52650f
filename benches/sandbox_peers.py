"""The sandbox engine against its peers on the same events and queries, in one run: the cargo
bench (crates/sandbox/benches/sandbox.rs: filter/projection, tumbling-window aggregation,
running GROUP BY, stream-table join, and rows/s into POST /inserts-stream), DuckDB on one thread (SET
threads=1; batch over a table, so an upper bound for a streaming engine) and bytewax (a
streaming dataflow in Python, one worker), twice: on Python tuples (the events made for it,
no decoding: its upper bound) and on the bytes the sandbox reads and writes (each event's
key and JSON value decoded with orjson, each result encoded, as a dataflow between Kafka
topics does). Prints each figure with the ratio sandbox/peer.

    .venv/bin/python benches/sandbox_peers.py            # 1 M events, release build
    .venv/bin/python benches/sandbox_peers.py --quick    # smoke mode: 2 000 events, debug build

The events, as the cargo bench makes them: event i has key ID = i (the join: i % 20 000, the
aggregation and the GROUP BY: i % 1 000), NAME = 'name' || i % 977, V = i % 100, timestamp i ms. The join's
table has 10 000 keys, LABEL = 'label' || ID.
"""
import argparse
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The cargo bench's lines: "<name>: <rate> events/s (<n> events, <outputs> outputs)".
BENCH_LINES = {
    "filter": re.compile(r"^filter/projection:\s+(\d+) events/s \((\d+) events, (\d+) outputs\)"),
    "aggregate": re.compile(r"^tumbling-window aggregation:\s*(\d+) events/s \((\d+) events, (\d+) outputs\)"),
    "groupby": re.compile(r"^running GROUP BY:\s+(\d+) events/s \((\d+) events, (\d+) outputs\)"),
    "join": re.compile(r"^stream-table join:\s+(\d+) events/s \((\d+) events, (\d+) outputs\)"),
    "inserts": re.compile(r"^HTTP /inserts-stream:\s+(\d+) rows/s \((\d+) rows, (\d+) acks\)"),
}


def key_of(query, i):
    return {"filter": i, "aggregate": i % 1000, "groupby": i % 1000, "join": i % 20_000}[query]


def run_sandbox(n, quick):
    """Runs the cargo bench (release, `cargo bench`; debug with --quick, as `cargo test`
    runs it) and returns {query: (rate, outputs)} parsed from its output."""
    if quick:
        cmd = ["cargo", "test", "-q", "-p", "ksqldb-sandbox", "--bench", "sandbox"]
    else:
        cmd = ["cargo", "bench", "-q", "-p", "ksqldb-sandbox", "--bench", "sandbox"]
    env = dict(os.environ, SANDBOX_BENCH_EVENTS=str(n))
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    print(out.stdout.rstrip())
    results = {}
    for line in out.stdout.splitlines():
        for name, pattern in BENCH_LINES.items():
            m = pattern.match(line.strip())
            if m:
                results[name] = (float(m.group(1)), int(m.group(3)))
    missing = set(BENCH_LINES) - set(results)
    if missing:
        sys.exit(f"the cargo bench printed no figure for {sorted(missing)}:\n{out.stdout}")
    return results


def run_duckdb(n):
    """DuckDB on one thread: each query over a table of the same events, timed without the
    load. Returns {query: (rows/s, result rows)}."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads=1")
    results = {}

    def load(key):
        con.execute("DROP TABLE IF EXISTS s")
        con.execute(f"CREATE TABLE s AS SELECT ({key})::INT AS ID, 'name' || (i % 977) AS NAME, (i % 100)::DOUBLE AS V,"
                    f" i::BIGINT AS TS FROM range({n}) t(i)")

    def timed(query, sql):
        con.execute("DROP TABLE IF EXISTS out")
        start = time.perf_counter()
        con.execute(f"CREATE TABLE out AS {sql}")
        secs = time.perf_counter() - start
        results[query] = (n / secs, con.execute("SELECT count(*) FROM out").fetchone()[0])

    load("i")
    timed("filter", "SELECT ID, upper(NAME) AS N, V * 2 AS V2 FROM s WHERE V > 10")
    load("i % 1000")
    timed("aggregate", "SELECT ID, TS // 1000 * 1000 AS WINDOWSTART, count(*) AS C, sum(V) AS SV FROM s "
                       "GROUP BY ID, WINDOWSTART")
    timed("groupby", "SELECT ID, count(*) AS C, sum(V) AS SV FROM s GROUP BY ID")
    load("i % 20000")
    con.execute("CREATE TABLE t AS SELECT i::INT AS ID, 'label' || i AS LABEL FROM range(10000) r(i)")
    timed("join", "SELECT s.ID, s.V, t.LABEL FROM s JOIN t ON s.ID = t.ID")
    return results


def run_bytewax_on_bytes(n):
    """[`run_bytewax`] with records as the sandbox has them: a 4-byte key and a JSON value in,
    a key and a JSON value out (orjson both ways)."""
    return run_bytewax(n, as_bytes=True)


def run_bytewax(n, as_bytes=False):
    """bytewax (one worker, in this process): the same queries as dataflows over an in-memory
    source. Returns {query: (events/s, outputs)}."""
    import orjson
    import bytewax.operators as op
    import bytewax.operators.windowing as win
    from bytewax.dataflow import Dataflow
    from bytewax.testing import TestingSink, TestingSource, run_main

    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    results = {}

    def events(query):
        if as_bytes:
            # The cargo bench's records: the key a big-endian INT, the value its JSON text.
            value = '{{"NAME":"name{}","V":{}}}'
            return [(key_of(query, i).to_bytes(4, "big"), value.format(i % 977, i % 100).encode(), i) for i in range(n)]
        return [(key_of(query, i), f"name{i % 977}", float(i % 100), i) for i in range(n)]

    def decode(record):
        value = orjson.loads(record[1])
        return (int.from_bytes(record[0], "big"), value["NAME"], float(value["V"]), record[2])

    # Each query's results as records: (key bytes, JSON value).
    encoders = {
        "filter": lambda r: (r[0].to_bytes(4, "big"), orjson.dumps({"N": r[1], "V2": r[2]})),
        "aggregate": lambda r: (r[0].encode(), orjson.dumps({"C": r[1][1][0], "SV": r[1][1][1]})),
        "groupby": lambda r: (r[0].encode(), orjson.dumps({"C": r[1][0], "SV": r[1][1]})),
        "join": lambda r: (r[0].to_bytes(4, "big"), orjson.dumps({"V": r[1], "LABEL": r[2]})),
    }

    def timed(query, build):
        flow = Dataflow(query)
        out = []
        up = op.input("in", flow, TestingSource(events(query), batch_size=10_000))
        if as_bytes:
            up = op.map("decode", up, decode)
        down = build(up)
        if as_bytes:
            down = op.map("encode", down, encoders[query])
        op.output("out", down, TestingSink(out))
        start = time.perf_counter()
        run_main(flow)
        results[query] = (n / (time.perf_counter() - start), len(out))

    def filter_flow(up):
        kept = op.filter("where", up, lambda e: e[2] > 10)
        return op.map("select", kept, lambda e: (e[0], e[1].upper(), e[2] * 2))

    def aggregate_flow(up):
        keyed = op.key_on("key", up, lambda e: str(e[0]))
        # On bytes, decoding slows the flow enough that the clock's system-time watermark
        # overtakes event time and drops windows as late: wait for them (the sandbox keeps
        # windows open for ksqlDB's 24-hour grace period).
        wait = timedelta(hours=24) if as_bytes else timedelta(0)
        clock = win.EventClock(lambda e: epoch + timedelta(milliseconds=e[3]), wait_for_system_duration=wait)
        windower = win.TumblingWindower(length=timedelta(seconds=1), align_to=epoch)
        folded = win.fold_window("window", keyed, clock, windower, lambda: (0, 0.0),
                                 lambda acc, e: (acc[0] + 1, acc[1] + e[2]), lambda a, b: (a[0] + b[0], a[1] + b[1]))
        return folded.down

    def groupby_flow(up):
        # A running aggregate per key, a change out for every event (as the sandbox's table).
        keyed = op.key_on("key", up, lambda e: str(e[0]))

        def step(acc, e):
            acc = (acc[0] + 1, acc[1] + e[2]) if acc else (1, e[2])
            return acc, acc

        return op.stateful_map("running", keyed, step)

    labels = {k: f"label{k}" for k in range(10_000)}

    def join_flow(up):
        # A stream-table join: the table is a lookup the stream's records probe.
        matched = op.filter("match", up, lambda e: e[0] in labels)
        return op.map("join", matched, lambda e: (e[0], e[2], labels[e[0]]))

    timed("filter", filter_flow)
    timed("aggregate", aggregate_flow)
    timed("groupby", groupby_flow)
    timed("join", join_flow)
    return results


def expected(n):
    """Result sizes every engine must produce."""
    return {
        "filter": sum(1 for i in range(n) if i % 100 > 10),
        # Every (key, second) pair: one window each (the sandbox emits one change per event).
        "aggregate": len({(i % 1000, i // 1000) for i in range(n)}),
        # DuckDB's final groups; the sandbox and bytewax emit a change per event (checked below).
        "groupby": len({i % 1000 for i in range(n)}),
        "join": sum(1 for i in range(n) if i % 20_000 < 10_000),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, help="events per query (default 1 000 000; 2 000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: few events, debug build, results checked")
    args = parser.parse_args()
    n = args.events or (2_000 if args.quick else 1_000_000)

    sandbox = run_sandbox(n, args.quick)
    peers = {}
    runs = (("DuckDB (1 thread)", run_duckdb), ("bytewax", run_bytewax), ("bytewax, bytes", run_bytewax_on_bytes))
    for name, run in runs:
        try:
            peers[name] = run(n)
        except ImportError as e:
            print(f"{name}: not installed ({e}); skipped")

    want = expected(n)
    problems = []
    for query, size in want.items():
        if query not in ("aggregate", "groupby") and sandbox[query][1] != size:
            problems.append(f"sandbox {query}: {sandbox[query][1]} outputs, expected {size}")
        for peer, res in peers.items():
            want_peer = n if peer.startswith("bytewax") and query == "groupby" else size
            if res[query][1] != want_peer:
                problems.append(f"{peer} {query}: {res[query][1]} results, expected {want_peer}")
    for query in ("aggregate", "groupby"):
        if sandbox[query][1] != n:
            problems.append(f"sandbox {query}: {sandbox[query][1]} changes, expected {n} (one per event)")

    print(f"\n{n} events per query; ratio = sandbox / peer")
    print(f"{'query':<12} {'sandbox':>12}  " + "  ".join(f"{p:>18} {'ratio':>6}" for p in peers))
    for query in want:
        line = f"{query:<12} {sandbox[query][0]:>12,.0f}  "
        rate = sandbox[query][0]
        line += "  ".join(f"{res[query][0]:>18,.0f} {rate / res[query][0]:>6.2f}" for res in peers.values())
        print(line)
    print(f"{'inserts':<12} {sandbox['inserts'][0]:>12,.0f}  rows/s over HTTP/2 POST /inserts-stream (no peer)")
    if problems:
        sys.exit("wrong results:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
