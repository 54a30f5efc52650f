"""Push-query throughput and memory: the fake server streams rows as fast as it can to a
live push query for --seconds (default 30); prints the rows per second the kernel consumed,
display updates per second, the kernel's RSS when 1 M and 10 M rows had arrived, and, in the
same run, a Python client (httpx) reading the same stream, with the ratio.

    cargo build --release --workspace && .venv/bin/python benches/push_throughput.py
"""
import argparse
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
SQL = "SELECT * FROM BENCH EMIT CHANGES"
SCENARIO = {"rows_generator": {"match": SQL, "source": "BENCH", "push": True, "count": 2_000_000_000, "end": "complete",
                               "columns": [{"name": "ID", "type": "BIGINT"}, {"name": "NAME", "type": "STRING"},
                                           {"name": "V", "type": "DOUBLE"}, {"name": "OK", "type": "BOOLEAN"}]}}


def start_fake():
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(SCENARIO, f)
    f.close()
    proc = subprocess.Popen([str(RELEASE / "fake-ksqldb"), "--scenario", f.name], stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip().split("listening on ", 1)[1]
    return proc, url


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rows_in(status_line):
    m = re.search(r"· ([\d ]+) rows ·", status_line)
    return int(m.group(1).replace(" ", "")) if m else 0


def kernel_run(url, seconds):
    from jupyter_client import KernelManager
    prefix = Path(tempfile.mkdtemp())
    subprocess.run([str(RELEASE / "ksqldb-kernel"), "install", "--prefix", str(prefix), "--name", "ksqldb-bench"], check=True,
                   capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    km = KernelManager(kernel_name="ksqldb-bench")
    km.start_kernel(env=dict(os.environ, KSQLDB_URL=url, KSQLDB_KERNEL_CONFIG=str(prefix / "none.toml")))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=30)
    pid = km.provisioner.process.pid
    kc.execute("%rows 5", store_history=False)  # connect first, outside the measurement
    kc.get_shell_msg(timeout=30)
    base_rss = rss_mb(pid)
    msg_id = kc.execute(f"%push --interval 250 --timeout {seconds}\n{SQL};")
    samples, updates, started = [], 0, None
    rss_at = {}
    final = None
    while True:
        msg = kc.get_iopub_msg(timeout=seconds + 30)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "display_data":
            started = time.perf_counter()
        elif kind == "update_display_data":
            updates += 1
            now = time.perf_counter()
            text = msg["content"]["data"]["text/plain"]
            rows = rows_in(text.splitlines()[0])
            rss = rss_mb(pid)
            samples.append((now - started, rows, rss))
            for mark in (1_000_000, 10_000_000):
                if rows >= mark and mark not in rss_at:
                    rss_at[mark] = rss
            if "application/vnd.ksqldb+json" in msg["content"]["data"]:
                final = msg["content"]["data"]["application/vnd.ksqldb+json"]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            break
    elapsed = samples[-1][0]
    gaps = [b[0] - a[0] for a, b in zip(samples, samples[1:])]
    peak = max(s[2] for s in samples)
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return {"rows": final["total_rows"], "elapsed": elapsed, "updates": updates, "max_gap": max(gaps) if gaps else 0,
            "rss_base": base_rss, "rss_at": rss_at, "rss_peak": peak}


def python_run(url, seconds):
    import httpx
    rows = 0
    started = time.perf_counter()
    with httpx.Client(http1=True, timeout=None) as client:
        with client.stream("POST", url + "/query-stream", json={"sql": SQL + ";", "properties": {}},
                           headers={"Accept": "application/vnd.ksql.v1+json"}) as resp:
            for line in resp.iter_lines():
                line = line.strip().lstrip("[").rstrip(",").rstrip("]")
                if not line:
                    continue
                obj = json.loads(line)
                if "row" in obj:
                    rows += 1
                if time.perf_counter() - started >= seconds:
                    break
    return rows, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--python-seconds", type=float, default=10)
    args = parser.parse_args()
    for binary in ("ksqldb-kernel", "fake-ksqldb"):
        if not (RELEASE / binary).exists():
            sys.exit("build first: cargo build --release --workspace")
    try:
        import httpx  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "httpx"], check=True)
    fake, url = start_fake()
    try:
        k = kernel_run(url, args.seconds)
        py_rows, py_elapsed = python_run(url, args.python_seconds)
    finally:
        fake.terminate()
    k_rate = k["rows"] / k["elapsed"]
    py_rate = py_rows / py_elapsed
    print(f"kernel: {k['rows']:,} rows in {k['elapsed']:.1f} s = {k_rate:,.0f} rows/s (target >= 500,000)")
    print(f"        {k['updates']} display updates = {k['updates'] / k['elapsed']:.2f}/s, longest gap {k['max_gap'] * 1000:.0f} ms (interval 250 ms)")
    r1, r10 = k["rss_at"].get(1_000_000), k["rss_at"].get(10_000_000)
    print(f"        RSS before {k['rss_base']:.1f} MB, at 1 M rows {r1 or float('nan'):.1f} MB, at 10 M rows {r10 or float('nan'):.1f} MB, "
          f"peak {k['rss_peak']:.1f} MB; growth 1 M -> 10 M: {(r10 - r1) if r1 and r10 else float('nan'):.1f} MB (target < 20 MB)")
    print(f"python (httpx + json.loads, same stream): {py_rows:,} rows in {py_elapsed:.1f} s = {py_rate:,.0f} rows/s")
    print(f"ratio kernel / python: {k_rate / py_rate:.1f}x")


if __name__ == "__main__":
    main()
