"""Soak: one kernel connected to the fake server for a long time, with a background push query
streaming rows as fast as the server can send them, a pull query every second and a
completion request every second. Samples the kernel's RSS (/proc/PID/status VmRSS), open file
descriptors (/proc/PID/fd) and threads (/proc/PID/status Threads) after a warm-up and at the
end, prints them with the deltas, and exits non-zero when they grew (RSS by more than
max(20 MB, 25 %), fds by more than 4, threads by more than 2) or when the load stopped
working (a pull failed, a completion went unanswered, the push query stopped receiving).

    .venv/bin/python benches/soak.py                      # 120 s (CI)
    SOAK_SECONDS=7200 .venv/bin/python benches/soak.py    # the documented 2-hour run
    .venv/bin/python benches/soak.py --smoke              # 6 s: checks the bench itself works

The binaries are target/$KSQLDB_BENCH_PROFILE (default release, else debug), or
KSQLDB_KERNEL_BIN and FAKE_KSQLDB_BIN.
"""
import argparse
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PUSH_SQL = "SELECT * FROM BENCH EMIT CHANGES"
PULL_SQL = "SELECT * FROM RIDERS LIMIT 1;"
COMPLETE = "SELECT * FROM RI"
FD_MARGIN, THREAD_MARGIN = 4, 2


def binaries():
    profile = os.environ.get("KSQLDB_BENCH_PROFILE")
    if profile is None:
        profile = "release" if (TARGET / "release" / "ksqldb-kernel").exists() else "debug"
    kernel = Path(os.environ.get("KSQLDB_KERNEL_BIN", TARGET / profile / "ksqldb-kernel"))
    fake = Path(os.environ.get("FAKE_KSQLDB_BIN", TARGET / profile / "fake-ksqldb"))
    for b in (kernel, fake):
        if not b.exists():
            sys.exit(f"build first: cargo build --workspace (missing {b})")
    return kernel, fake


def proc_status(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def sample(pid):
    return {"rss_mb": proc_status(pid, "VmRSS") / 1024, "fds": len(os.listdir(f"/proc/{pid}/fd")),
            "threads": proc_status(pid, "Threads")}


def start_fake(fake_bin):
    scenario = json.loads(subprocess.run([str(fake_bin), "--print-default-scenario"], check=True,
                                         capture_output=True, text=True).stdout)
    # Rows without end: at 1.5 M rows/s a release build would use up 2 billion in 23 minutes.
    scenario["rows_generator"] = {"match": PUSH_SQL, "source": "BENCH", "push": True, "count": 10**15,
                                  "end": "complete",
                                  "columns": [{"name": "ID", "type": "BIGINT"}, {"name": "NAME", "type": "STRING"},
                                              {"name": "V", "type": "DOUBLE"}, {"name": "OK", "type": "BOOLEAN"}]}
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(scenario, f)
    f.close()
    proc = subprocess.Popen([str(fake_bin), "--listen", "127.0.0.1:0", "--scenario", f.name],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if "listening on " not in line:
        proc.kill()
        sys.exit(f"fake-ksqldb did not start: {line!r}")
    return proc, line.strip().split("listening on ", 1)[1], f.name


def start_kernel(kernel_bin, url):
    from jupyter_client import KernelManager
    prefix = Path(tempfile.mkdtemp(prefix="ksqldb-soak-"))
    subprocess.run([str(kernel_bin), "install", "--prefix", str(prefix), "--name", "ksqldb-soak"], check=True,
                   capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    km = KernelManager(kernel_name="ksqldb-soak")
    env = dict(os.environ, KSQLDB_URL=url, KSQLDB_KERNEL_CONFIG=str(prefix / "none.toml"),
               KSQLDB_KERNEL_HISTORY=str(prefix / "history.jsonl"))
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=30)
    return km, kc


def rows_in(text):
    m = re.search(r"· ([\d ]+) rows", text.splitlines()[0] if text else "")
    return int(m.group(1).replace(" ", "")) if m else None


class Load:
    """Drives the kernel: the background push query, then a pull query and a completion every
    second, reading every reply and IOPub message as they come (one thread, bounded waits)."""

    def __init__(self, kc):
        self.kc = kc
        self.push_rows = 0
        self.push_errors = []
        self.pending = {}  # msg_id -> (kind, sent at)
        self.done = {"pull": 0, "complete": 0}
        self.failed = {"pull": [], "complete": []}
        # Set after the warm-up: before it, a completion may come before the catalog has
        # loaded (the kernel waits 150 ms for it), which is not what the soak measures.
        self.measuring = False
        self.latency = {"pull": [], "complete": []}
        self.push_id = None

    def start_push(self):
        self.push_id = self.kc.execute(f"%push --background --interval 250 --rows 20\n{PUSH_SQL};")
        self.pending[self.push_id] = ("push", time.monotonic())

    def tick(self):
        """Sends the next pull and completion unless the previous ones are still pending."""
        kinds = {k for k, _ in self.pending.values()}
        now = time.monotonic()
        if "pull" not in kinds:
            self.pending[self.kc.execute(PULL_SQL, store_history=False)] = ("pull", now)
        if "complete" not in kinds:
            self.pending[self.kc.complete(COMPLETE, len(COMPLETE))] = ("complete", now)

    def pump(self, seconds):
        """Reads shell replies and IOPub messages for `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            busy = False
            try:
                reply = self.kc.get_shell_msg(timeout=0)
                busy = True
                self._reply(reply)
            except queue.Empty:
                pass
            try:
                msg = self.kc.get_iopub_msg(timeout=0.01)
                busy = True
                self._iopub(msg)
            except queue.Empty:
                pass
            now = time.monotonic()
            if (now >= deadline and not busy) or now >= deadline + 1.0:
                return

    def _reply(self, reply):
        parent = reply["parent_header"].get("msg_id")
        if parent not in self.pending:
            return
        kind, sent = self.pending.pop(parent)
        c = reply["content"]
        if kind == "push":
            if c.get("status") != "ok":
                self.push_errors.append(f"push cell: {c.get('ename')}: {c.get('evalue')}")
            return
        if kind == "pull":
            good = c.get("status") == "ok"
            why = f"{c.get('ename')}: {c.get('evalue')}"
        else:
            good = c.get("status") == "ok" and any(m.upper().startswith("RIDERS") for m in c.get("matches", []))
            why = f"matches {c.get('matches', [])[:5]}"
        if not self.measuring:
            return
        self.latency[kind].append(time.monotonic() - sent)
        if good:
            self.done[kind] += 1
        else:
            self.failed[kind].append(why)

    def _iopub(self, msg):
        if msg["parent_header"].get("msg_id") != self.push_id:
            return
        if msg["msg_type"] in ("display_data", "update_display_data"):
            rows = rows_in(msg["content"]["data"].get("text/plain", ""))
            if rows is not None:
                self.push_rows = max(self.push_rows, rows)
        elif msg["msg_type"] == "error":
            self.push_errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

    def overdue(self, limit=10.0):
        now = time.monotonic()
        return [k for k, sent in self.pending.values() if k != "push" and now - sent > limit]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 120)))
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--smoke", action="store_true", help="6 s with a 2 s warm-up: checks the load works, not growth")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.warmup = 6.0, 2.0
    kernel_bin, fake_bin = binaries()
    fake, url, scenario_file = start_fake(fake_bin)
    km = kc = None
    problems = []
    try:
        km, kc = start_kernel(kernel_bin, url)
        pid = km.provisioner.process.pid
        load = Load(kc)
        load.start_push()
        started = time.monotonic()
        next_tick = started
        start = end = None
        rows_at_start = 0
        peak_rss = 0.0
        last_report = started
        while True:
            now = time.monotonic()
            if start is None and now - started >= args.warmup:
                start, rows_at_start = sample(pid), load.push_rows
                load.measuring = True
            if now - started >= args.warmup + args.seconds:
                break
            if now >= next_tick:
                load.tick()
                next_tick += 1.0
                peak_rss = max(peak_rss, sample(pid)["rss_mb"])
            load.pump(max(0.0, min(next_tick, started + args.warmup + args.seconds) - time.monotonic()))
            if time.monotonic() - last_report >= 600:  # a progress line every 10 minutes on long runs
                last_report = time.monotonic()
                s = sample(pid)
                print(f"  {last_report - started:7.0f} s: RSS {s['rss_mb']:.1f} MB, fds {s['fds']}, threads {s['threads']}, "
                      f"push rows {load.push_rows:,}", flush=True)
        end = sample(pid)
        rows_at_end = load.push_rows
        load.pump(1.0)  # let the last requests finish
        elapsed = args.seconds
        pulls = load.done["pull"] + len(load.failed["pull"])
        completes = load.done["complete"] + len(load.failed["complete"])

        def median_ms(xs):
            return sorted(xs)[len(xs) // 2] * 1000 if xs else float("nan")

        print(f"soak: {elapsed:.0f} s after a {args.warmup:.0f} s warm-up ({'smoke' if args.smoke else 'full'} run), "
              f"kernel {kernel_bin}")
        print(f"  push (background): {rows_at_end - rows_at_start:,} rows during the run "
              f"({(rows_at_end - rows_at_start) / elapsed:,.0f} rows/s), {rows_at_end:,} in all")
        print(f"  pull every 1 s: {load.done['pull']}/{pulls} ok, median {median_ms(load.latency['pull']):.1f} ms")
        print(f"  completion every 1 s: {load.done['complete']}/{completes} ok, "
              f"median {median_ms(load.latency['complete']):.1f} ms")
        print(f"  {'':10} {'start':>9} {'end':>9} {'delta':>9}")
        rss_limit = max(20.0, start["rss_mb"] * 0.25)
        for key, label, fmt, limit in (("rss_mb", "RSS MB", "{:.1f}", rss_limit), ("fds", "open fds", "{}", FD_MARGIN),
                                       ("threads", "threads", "{}", THREAD_MARGIN)):
            delta = end[key] - start[key]
            print(f"  {label:10} {fmt.format(start[key]):>9} {fmt.format(end[key]):>9} {('+' if delta >= 0 else '') + fmt.format(delta):>9}"
                  f"   (limit +{fmt.format(limit)})")
            if not args.smoke and delta > limit:
                problems.append(f"{label} grew by {fmt.format(delta)} (limit {fmt.format(limit)})")
        print(f"  peak RSS {peak_rss:.1f} MB")
        # The load itself must have worked, in smoke runs too.
        if rows_at_end <= rows_at_start:
            problems.append("the push query received no rows during the run")
        if load.push_errors:
            problems.append(f"push query errors: {load.push_errors[:3]}")
        for kind in ("pull", "complete"):
            if load.failed[kind]:
                problems.append(f"{len(load.failed[kind])} {kind} requests failed: {load.failed[kind][:3]}")
            if load.done[kind] < max(1, int(elapsed * 0.8)):
                problems.append(f"only {load.done[kind]} {kind} requests answered in {elapsed:.0f} s")
        if load.overdue():
            problems.append(f"requests unanswered for over 10 s: {load.overdue()}")
        kc.execute("%stop all")
        load.pump(1.0)
    finally:
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            km.shutdown_kernel(now=False)
        fake.terminate()
        fake.wait(5)
        os.unlink(scenario_file)
    if problems:
        print("soak: FAIL: " + "; ".join(problems))
        return 1
    print("soak: PASS (flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
