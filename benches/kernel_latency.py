"""Startup and round-trip latency of this kernel next to ipykernel, measured in the same run
with the same client (jupyter_client).

    .venv/bin/python benches/kernel_latency.py [--runs 5] [--executes 200]

Prints, for each kernel: spawn -> first kernel_info_reply, spawn -> ready (reply plus the
IOPub idle that jupyter_client waits for), and execute -> reply / -> idle for a trivial cell
that needs no ksqlDB server (a magic; for ipykernel `pass`). Then the ratios."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client import KernelManager

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("KSQLDB_KERNEL_BIN", ROOT / "target" / "release" / "ksqldb-kernel"))


def install_spec():
    prefix = Path(tempfile.mkdtemp(prefix="ksqldb-bench-"))
    subprocess.run([str(BIN), "install", "--prefix", str(prefix), "--name", "ksqldb-bench"], check=True,
                   capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    os.environ["KSQLDB_KERNEL_CONFIG"] = str(prefix / "none.toml")


def startup(kernel_name):
    """Seconds from spawn to the first kernel_info_reply, and to the following idle."""
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    first_reply = None
    while True:
        msg_id = kc.kernel_info()
        try:
            reply = kc.get_shell_msg(timeout=1)
        except Exception:
            continue
        if reply["parent_header"].get("msg_id") != msg_id:
            continue
        first_reply = first_reply or time.perf_counter() - t0
        try:
            while True:
                m = kc.get_iopub_msg(timeout=0.5)
                if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                        and m["content"]["execution_state"] == "idle"):
                    ready = time.perf_counter() - t0
                    return km, kc, first_reply, ready
        except Exception:
            continue  # missed idle (slow joiner): ask again, as wait_for_ready does


def roundtrips(kc, code, n):
    to_reply, to_idle = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        msg_id = kc.execute(code)
        while True:
            r = kc.get_shell_msg(timeout=10)
            if r["parent_header"].get("msg_id") == msg_id:
                break
        to_reply.append(time.perf_counter() - t0)
        while True:
            m = kc.get_iopub_msg(timeout=10)
            if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                    and m["content"]["execution_state"] == "idle"):
                break
        to_idle.append(time.perf_counter() - t0)
    return to_reply, to_idle


def measure(kernel_name, code, runs, executes):
    firsts, readies = [], []
    replies, idles = [], []
    for i in range(runs):
        km, kc, first, ready = startup(kernel_name)
        firsts.append(first)
        readies.append(ready)
        if i == 0:
            roundtrips(kc, code, 20)  # warm up
            replies, idles = roundtrips(kc, code, executes)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {
        "first_reply": statistics.median(firsts),
        "ready": statistics.median(readies),
        "exec_reply": statistics.median(replies),
        "exec_idle": statistics.median(idles),
        "exec_idle_p99": sorted(idles)[int(len(idles) * 0.99) - 1],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--executes", type=int, default=200)
    args = parser.parse_args()
    if not BIN.exists():
        sys.exit(f"build first: cargo build --release ({BIN} is missing)")
    install_spec()
    ours = measure("ksqldb-bench", "%rows", args.runs, args.executes)
    theirs = measure("python3", "pass", args.runs, args.executes)
    ms = lambda s: f"{s * 1000:8.2f} ms"
    print(f"{'':28}{'ksqldb-kernel':>14}{'ipykernel':>14}{'ratio':>10}")
    for key, label in [("first_reply", "spawn -> kernel_info_reply"), ("ready", "spawn -> ready (idle)"),
                       ("exec_reply", "execute -> reply (median)"), ("exec_idle", "execute -> idle (median)"),
                       ("exec_idle_p99", "execute -> idle (p99)")]:
        print(f"{label:28}{ms(ours[key]):>14}{ms(theirs[key]):>14}{theirs[key] / ours[key]:>9.1f}x")
    print(f"ready: ksqldb-kernel takes 1/{theirs['ready'] / ours['ready']:.0f} of ipykernel's time (target: under 1/20)")
    print(f"execute round trip median: {ours['exec_idle'] * 1000:.2f} ms (target: under 2 ms)")


if __name__ == "__main__":
    main()
