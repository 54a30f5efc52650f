"""The soak bench (benches/soak.py) against this build: a smoke run (the bench itself works:
push rows arrive, pulls and completions are answered), and the soak proper for SOAK_SECONDS
(default 120; `SOAK_SECONDS=20` locally for speed, 7200 for the documented 2-hour run), which
fails when RSS, open fds or threads grew. Its figures are printed at the end of the session."""
import os
import subprocess
import sys

import harness

BENCH = harness.ROOT / "benches" / "soak.py"
FIGURES = []
harness.TERMINAL_SUMMARIES.append(("soak", lambda: FIGURES))


def run_soak(*args, seconds):
    env = dict(os.environ, KSQLDB_KERNEL_BIN=str(harness.KERNEL_BIN), FAKE_KSQLDB_BIN=str(harness.FAKE_BIN))
    env.pop("KSQLDB_URL", None)
    proc = subprocess.run([sys.executable, str(BENCH), *args], env=env, capture_output=True, text=True,
                          timeout=seconds + 120)
    FIGURES.extend(proc.stdout.splitlines())
    print(proc.stdout, proc.stderr)
    return proc


def test_soak_smoke():
    proc = run_soak("--smoke", seconds=10)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pull every 1 s:" in proc.stdout and "soak: PASS" in proc.stdout


def test_soak():
    seconds = float(os.environ.get("SOAK_SECONDS", 120))
    proc = run_soak("--seconds", str(seconds), seconds=seconds + 15)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RSS MB" in proc.stdout and "soak: PASS (flat)" in proc.stdout
