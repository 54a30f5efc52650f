"""Completion latency with a large catalog: 1 000 sources of 50 columns each (some STRUCT),
served by the fake ksqlDB server, measured through jupyter_client like a front end sees it.

    .venv/bin/python benches/completion_latency.py [--requests 400]

Prints the median and p99 of complete_request -> complete_reply for several cursor contexts
(sources after FROM, columns of a join with aliases, STRUCT fields, functions and keywords),
next to two baselines measured in the same run: this kernel's kernel_info round trip (the
cost of any request over the wire, no work) and ipykernel's completion of a Python name.
Target: p99 under 20 ms."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
PROFILE = os.environ.get("KSQLDB_BENCH_PROFILE", "release")
BIN = Path(os.environ.get("KSQLDB_KERNEL_BIN", ROOT / "target" / PROFILE / "ksqldb-kernel"))
FAKE = Path(os.environ.get("FAKE_KSQLDB_BIN", ROOT / "target" / PROFILE / "fake-ksqldb"))

SOURCES, COLUMNS = 1000, 50


def schema(t, fields=None):
    return {"type": t, "fields": fields, "memberSchema": None}


def source(i):
    kind = "STREAM" if i % 2 == 0 else "TABLE"
    name = f"{kind[0]}_{i:04d}_EVENTS"
    fields = [{"name": "ID", "schema": schema("STRING"), "type": "KEY"}]
    for c in range(1, COLUMNS):
        if c % 10 == 0:
            fields.append({"name": f"ADDR_{c}", "schema": schema("STRUCT", [
                {"name": "STREET", "schema": schema("STRING")}, {"name": "CITY", "schema": schema("STRING")},
                {"name": "GEO", "schema": schema("STRUCT", [{"name": "LAT", "schema": schema("DOUBLE")},
                                                            {"name": "LON", "schema": schema("DOUBLE")}])}])})
        else:
            fields.append({"name": f"COL_{c:02d}", "schema": schema("BIGINT" if c % 2 else "STRING")})
    return {"name": name, "type": kind, "topic": name.lower(), "keyFormat": "KAFKA", "valueFormat": "JSON",
            "windowType": None, "readQueries": [], "writeQueries": [], "fields": fields, "extended": True}


def scenario():
    descriptions = [source(i) for i in range(SOURCES)]
    streams = [d for d in descriptions if d["type"] == "STREAM"]
    tables = [d for d in descriptions if d["type"] == "TABLE"]
    return {"statements": [
        {"match": "SHOW STREAMS EXTENDED", "entities": [{"@type": "source_descriptions", "sourceDescriptions": streams}]},
        {"match": "SHOW TABLES EXTENDED", "entities": [{"@type": "source_descriptions", "sourceDescriptions": tables}]},
        {"match": "SHOW TOPICS", "entities": [{"@type": "kafka_topics", "topics": [
            {"name": d["topic"], "replicaInfo": [1]} for d in descriptions]}]},
        {"match": "SHOW QUERIES", "entities": [{"@type": "queries", "queries": []}]},
        {"match": "SHOW FUNCTIONS", "entities": [{"@type": "function_names", "functions": [
            {"name": "ABS", "type": "SCALAR", "category": "MATHEMATICAL"}]}]},
        {"match": "SHOW PROPERTIES", "entities": [{"@type": "properties", "properties": []}]},
    ]}


# (label, code, cursor) — `|` marks the cursor.
CASES = [
    ("sources after FROM (1 000)", "SELECT * FROM |"),
    ("sources by prefix", "SELECT * FROM s_01|"),
    ("columns of a join", "SELECT | FROM S_0420_EVENTS s JOIN T_0421_EVENTS t ON s.ID = t.ID EMIT CHANGES;"),
    ("columns by alias", "SELECT t.COL_1| FROM S_0420_EVENTS s JOIN T_0421_EVENTS t ON s.ID = t.ID;"),
    ("STRUCT fields", "SELECT s.ADDR_20->GEO->| FROM S_0420_EVENTS s;"),
    ("functions and keywords", "SELECT * FROM S_0002_EVENTS WHERE COL_01 > 5 AND ab|"),
    ("statement start", "SHOW STREAMS;\nSE|"),
]


def split(marked):
    cursor = marked.index("|")
    return marked.replace("|", ""), cursor


def drain_until_idle(kc, msg_id):
    """Reads IOPub up to the request's idle, as a front end does (untimed)."""
    while True:
        m = kc.get_iopub_msg(timeout=10)
        if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                and m["content"]["execution_state"] == "idle"):
            return


def complete_once(kc, code, cursor):
    """Seconds from complete_request to complete_reply, and the reply content."""
    t0 = time.perf_counter()
    msg_id = kc.complete(code, cursor)
    while True:
        reply = kc.get_shell_msg(timeout=10)
        if reply["parent_header"].get("msg_id") == msg_id:
            took = time.perf_counter() - t0
            drain_until_idle(kc, msg_id)
            return took, reply["content"]


def kernel_info_once(kc):
    t0 = time.perf_counter()
    msg_id = kc.kernel_info()
    while True:
        reply = kc.get_shell_msg(timeout=10)
        if reply["parent_header"].get("msg_id") == msg_id:
            took = time.perf_counter() - t0
            drain_until_idle(kc, msg_id)
            return took


def stats(samples):
    s = sorted(samples)
    return statistics.median(s), s[max(0, int(len(s) * 0.99) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="completion requests per case")
    args = parser.parse_args()
    for b in (BIN, FAKE):
        if not b.exists():
            sys.exit(f"build first: cargo build --release --workspace ({b} is missing)")

    prefix = Path(tempfile.mkdtemp(prefix="ksqldb-bench-"))
    subprocess.run([str(BIN), "install", "--prefix", str(prefix), "--name", "ksqldb-bench"], check=True,
                   capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    scenario_file = prefix / "scenario.json"
    scenario_file.write_text(json.dumps(scenario()))
    fake = subprocess.Popen([str(FAKE), "--listen", "127.0.0.1:0", "--scenario", str(scenario_file)],
                            stdout=subprocess.PIPE, text=True)
    url = fake.stdout.readline().strip().split("listening on ", 1)[1]
    env = dict(os.environ, KSQLDB_URL=url, KSQLDB_KERNEL_CONFIG=str(prefix / "none.toml"),
               KSQLDB_KERNEL_HISTORY="off")
    km, kc = start_new_kernel(kernel_name="ksqldb-bench", env=env, startup_timeout=30)
    try:
        # The first request starts the catalog load; wait until it is there.
        t0 = time.perf_counter()
        while True:
            _, content = complete_once(kc, "SELECT * FROM T_0999", 20)
            if content["matches"]:
                break
            if time.perf_counter() - t0 > 60:
                sys.exit("the catalog did not load in 60 s")
            time.sleep(0.01)
        load = time.perf_counter() - t0
        print(f"catalog: {SOURCES} sources x {COLUMNS} columns, loaded in {load * 1000:.0f} ms "
              f"(SHOW STREAMS/TABLES EXTENDED, in the background)\n")

        print(f"{'context':32}{'matches':>8}{'median':>11}{'p99':>11}")
        everything = []
        for label, marked in CASES:
            code, cursor = split(marked)
            for _ in range(20):
                complete_once(kc, code, cursor)
            samples = []
            n = 0
            for _ in range(args.requests):
                took, content = complete_once(kc, code, cursor)
                samples.append(took)
                n = len(content["matches"])
            everything += samples
            med, p99 = stats(samples)
            print(f"{label:32}{n:>8}{med * 1000:>9.2f} ms{p99 * 1000:>8.2f} ms")
        med, p99 = stats(everything)
        print(f"{'all completions':32}{'':>8}{med * 1000:>9.2f} ms{p99 * 1000:>8.2f} ms")

        info = [kernel_info_once(kc) for _ in range(args.requests)]
        imed, ip99 = stats(info)
        print(f"\nbaseline: kernel_info round trip (same kernel, same client): median {imed * 1000:.2f} ms, "
              f"p99 {ip99 * 1000:.2f} ms")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        fake.terminate()

    try:
        ikm, ikc = start_new_kernel(kernel_name="python3", startup_timeout=60)
    except Exception as e:  # no ipykernel here
        print(f"baseline: ipykernel not available ({e})")
    else:
        try:
            code = "import os\nos.pa"
            for _ in range(20):
                complete_once(ikc, code, len(code))
            samples = [complete_once(ikc, code, len(code))[0] for _ in range(args.requests)]
            pmed, pp99 = stats(samples)
            print(f"baseline: ipykernel completing `os.pa`: median {pmed * 1000:.2f} ms, p99 {pp99 * 1000:.2f} ms")
        finally:
            ikc.stop_channels()
            ikm.shutdown_kernel(now=True)
    verdict = "meets" if p99 < 0.020 else "MISSES"
    print(f"\np99 over all contexts {p99 * 1000:.2f} ms: {verdict} the 20 ms target")


if __name__ == "__main__":
    main()
