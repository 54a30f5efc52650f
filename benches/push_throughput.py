"""Push-query ingest: the fake server streams N rows (default 10 M) as fast as it can into a live
push query, once for the tail view (a STREAM: the compact delimited format) and once for the
table view (a GROUP BY with repeating keys and tombstones: the StreamedRow format, which carries
tombstones). Prints the kernel's rows/s, display updates, RSS at 1 M and 10 M rows, and, in the
same run on the same server, the best Python client (httpx reading raw chunks of the delimited
format, orjson per row) and curl's byte rate on the response the kernel read, with ratios.

    cargo build --release --workspace && .venv/bin/python benches/push_throughput.py
    .venv/bin/python benches/push_throughput.py --smoke   # tiny N, checks results, no timing

Binaries: KSQLDB_KERNEL_BIN and FAKE_KSQLDB_BIN when set, else target/release.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "target" / "release"
KERNEL = Path(os.environ.get("KSQLDB_KERNEL_BIN") or RELEASE / "ksqldb-kernel")
FAKE = Path(os.environ.get("FAKE_KSQLDB_BIN") or RELEASE / "fake-ksqldb")
DELIMITED = "application/vnd.ksqlapi.delimited.v1"
V1_JSON = "application/vnd.ksql.v1+json"
INTERVAL_MS = 250
KEYS = 1000
TOMBSTONE_EVERY = 100

TAIL_SQL = "SELECT * FROM BENCH EMIT CHANGES"
TABLE_SQL = "SELECT ID, LATEST_BY_OFFSET(NAME) AS NAME, COUNT(*) AS N, SUM(V) AS V FROM BENCH GROUP BY ID EMIT CHANGES"
STREAM_COLUMNS = [{"name": "ID", "type": "BIGINT"}, {"name": "NAME", "type": "STRING"},
                  {"name": "V", "type": "DOUBLE"}, {"name": "OK", "type": "BOOLEAN"}]
TABLE_COLUMNS = [{"name": "ID", "type": "BIGINT", "key": True}, {"name": "NAME", "type": "STRING"},
                 {"name": "N", "type": "BIGINT"}, {"name": "V", "type": "DOUBLE"}]


def scenario(rows):
    describe = {"@type": "sourceDescription", "sourceDescription": {
        "name": "BENCH", "type": "STREAM", "windowType": None, "readQueries": [], "writeQueries": [],
        "fields": [{"name": c["name"], "schema": {"type": c["type"], "fields": None, "memberSchema": None}}
                   for c in STREAM_COLUMNS],
        "timestamp": "", "statistics": "", "errorStats": "", "extended": False, "keyFormat": "KAFKA",
        "valueFormat": "JSON", "topic": "bench", "partitions": 1, "replication": 1, "statement": ""}}
    return {
        "statements": [{"match": "DESCRIBE BENCH", "entities": [describe]}],
        "rows_generator": [
            {"match": TAIL_SQL, "source": "BENCH", "push": True, "count": rows, "end": "complete",
             "columns": STREAM_COLUMNS},
            {"match": TABLE_SQL, "source": "BENCH", "push": True, "count": rows, "end": "complete",
             "columns": TABLE_COLUMNS, "keys": KEYS, "tombstone_every": TOMBSTONE_EVERY},
        ],
    }


def start_fake(rows):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(scenario(rows), f)
    f.close()
    proc = subprocess.Popen([str(FAKE), "--scenario", f.name], stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip().split("listening on ", 1)[1]
    return proc, url


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rows_in(status_line):
    m = re.search(r"· ([\d ]+) rows ·", status_line)
    return int(m.group(1).replace(" ", "")) if m else 0


def kernel_run(url, sql, view):
    from jupyter_client import KernelManager
    prefix = Path(tempfile.mkdtemp())
    subprocess.run([str(KERNEL), "install", "--prefix", str(prefix), "--name", "ksqldb-bench"], check=True,
                   capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    km = KernelManager(kernel_name="ksqldb-bench")
    km.start_kernel(env=dict(os.environ, KSQLDB_URL=url, KSQLDB_KERNEL_CONFIG=str(prefix / "none.toml")))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        pid = km.provisioner.process.pid
        kc.execute("%rows 5", store_history=False)  # connect first, outside the measurement
        kc.get_shell_msg(timeout=60)
        base_rss = rss_mb(pid)
        cpu_before = cpu_seconds(pid)
        msg_id = kc.execute(f"%push --interval {INTERVAL_MS} --mode {view} --timeout 600\n{sql};")
        samples, started, final = [], None, None
        rss_at = {}
        while True:
            msg = kc.get_iopub_msg(timeout=600)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "display_data" and started is None:
                started = time.perf_counter()
            elif kind in ("update_display_data", "display_data"):
                data = msg["content"]["data"]
                if "text/plain" not in data:
                    continue
                now = time.perf_counter()
                rows = rows_in(data["text/plain"].splitlines()[0])
                rss = rss_mb(pid)
                samples.append((now - started, rows, rss))
                for mark in (1_000_000, 10_000_000):
                    if rows >= mark and mark not in rss_at:
                        rss_at[mark] = rss
                if "application/vnd.ksqldb+json" in data:
                    final = data["application/vnd.ksqldb+json"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        cpu = cpu_seconds(pid) - cpu_before
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    if final is None:
        sys.exit(f"the kernel showed no final frame for the {view} view")
    # The frames while rows streamed in (the last one or two are the end and the final table).
    gaps = [b[0] - a[0] for a, b in zip(samples, samples[1:]) if b[1] < final["total_rows"]]
    return {"rows": final["total_rows"], "shown": len(final.get("rows", [])), "elapsed": samples[-1][0],
            "updates": len(samples), "max_gap": max(gaps, default=0), "rss_base": base_rss, "rss_at": rss_at,
            "rss_peak": max(s[2] for s in samples), "cpu": cpu}


def query_body(sql):
    return {"sql": sql + ";", "properties": {}}


def python_run(url, sql, table):
    """httpx reading raw chunks of the delimited format, orjson per row: the best Python client."""
    import httpx
    import orjson
    rows, kept, pending = 0, collections.deque(maxlen=100), b""
    current = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    with httpx.Client(http1=True, timeout=None) as client:
        with client.stream("POST", url + "/query-stream", json=query_body(sql), headers={"Accept": DELIMITED}) as resp:
            for chunk in resp.iter_raw():
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    if line.startswith(b"["):
                        row = orjson.loads(line)
                        rows += 1
                        if table:
                            current[row[0]] = row
                        else:
                            kept.append(row)
    return rows, time.perf_counter() - started, time.process_time() - cpu_started


def curl_run(url, sql, accept):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{size_download} %{time_total}", "-X", "POST",
                          url + "/query-stream", "-H", f"Accept: {accept}", "-H", f"Content-Type: {V1_JSON}",
                          "--data", json.dumps(query_body(sql))], check=True, capture_output=True, text=True).stdout
    size, seconds = out.split()
    return int(size), float(seconds)


def kernel_accept(url):
    """The Accept header of the kernel's last query request (the fake server logs requests)."""
    import httpx
    queries = [r for r in httpx.get(url + "/__fake/requests").json() if r["path"] in ("/query", "/query-stream")]
    headers = queries[-1]["headers"] if queries else {}
    return next((v for k, v in headers.items() if k.lower() == "accept"), None)


def measure(url, view, sql, kernel_format, rows):
    k = kernel_run(url, sql, view)
    k["accept"] = kernel_accept(url)
    py_rows, py_elapsed, py_cpu = python_run(url, sql, view == "table")
    curl_bytes, curl_elapsed = curl_run(url, sql, kernel_format)
    return {"view": view, "kernel": k, "py_rows": py_rows, "py_elapsed": py_elapsed, "py_cpu": py_cpu,
            "curl_bytes": curl_bytes,
            "curl_elapsed": curl_elapsed, "format": kernel_format, "expected_rows": rows}


def report(m):
    k = m["kernel"]
    k_rate = k["rows"] / k["elapsed"]
    py_rate = m["py_rows"] / m["py_elapsed"]
    curl_rate = m["curl_bytes"] / m["curl_elapsed"]
    kernel_byte_rate = m["curl_bytes"] / k["elapsed"]
    r1, r10 = k["rss_at"].get(1_000_000), k["rss_at"].get(10_000_000)
    growth = (r10 - r1) if r1 and r10 else float("nan")
    floor = 5 if m["view"] == "tail" else 3
    k_per_cpu = k["rows"] / max(k["cpu"], 1e-9)
    py_per_cpu = m["py_rows"] / max(m["py_cpu"], 1e-9)
    print(f"{m['view']} view ({m['format']}):")
    print(f"  kernel: {k['rows']:,} rows in {k['elapsed']:.2f} s = {k_rate:,.0f} rows/s; {k['updates']} display "
          f"updates, longest gap {k['max_gap'] * 1000:.0f} ms (interval {INTERVAL_MS} ms)")
    print(f"          RSS before {k['rss_base']:.1f} MB, at 1 M rows {r1 or float('nan'):.1f} MB, at 10 M "
          f"{r10 or float('nan'):.1f} MB, peak {k['rss_peak']:.1f} MB; growth 1 M -> 10 M {growth:.1f} MB")
    print(f"          CPU {k['cpu']:.2f} s = {k_per_cpu:,.0f} rows per CPU second")
    print(f"  python (httpx raw chunks + orjson, delimited): {m['py_rows']:,} rows in {m['py_elapsed']:.2f} s = "
          f"{py_rate:,.0f} rows/s; CPU {m['py_cpu']:.2f} s = {py_per_cpu:,.0f} rows per CPU second")
    print(f"  curl, same response as the kernel: {m['curl_bytes'] / 1e6:,.0f} MB in {m['curl_elapsed']:.2f} s = "
          f"{curl_rate / 1e6:,.0f} MB/s; kernel {kernel_byte_rate / 1e6:,.0f} MB/s")
    print(f"  ratio kernel / python: {k_rate / py_rate:.2f}x (floor {floor}x); kernel / curl bytes: "
          f"{kernel_byte_rate / curl_rate:.0%} (floor 30%); rows per CPU second kernel / python: "
          f"{k_per_cpu / py_per_cpu:.2f}x")


def check(m):
    """What the smoke run asserts: every row arrived everywhere, the view shows rows."""
    k, n = m["kernel"], m["expected_rows"]
    assert k["rows"] == n, f"{m['view']}: the kernel counted {k['rows']} rows, the server sent {n}"
    sent = n if m["view"] == "tail" else n - n // TOMBSTONE_EVERY  # no tombstones in the delimited format
    assert m["py_rows"] == sent, f"{m['view']}: python read {m['py_rows']} rows, expected {sent}"
    assert k["shown"] > 0 and m["curl_bytes"] > 0, m
    assert k["accept"] == m["format"], f"{m['view']}: the kernel asked for {k['accept']}, expected {m['format']}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--smoke", action="store_true", help="a few rows, results checked, no timing claims")
    parser.add_argument("--view", choices=["tail", "table", "both"], default="both")
    args = parser.parse_args()
    rows = 20_000 if args.smoke else args.rows
    for binary in (KERNEL, FAKE):
        if not binary.exists():
            sys.exit(f"{binary} is missing: cargo build --release --workspace")
    fake, url = start_fake(rows)
    try:
        runs = []
        if args.view in ("tail", "both"):
            runs.append(measure(url, "tail", TAIL_SQL, DELIMITED, rows))
        if args.view in ("table", "both"):
            runs.append(measure(url, "table", TABLE_SQL, V1_JSON, rows))
    finally:
        fake.terminate()
    for m in runs:
        report(m)
        check(m)
    if args.smoke:
        print("smoke: ok")


if __name__ == "__main__":
    main()
