"""The push-ingest bench (benches/push_throughput.py) in its smoke mode against this build, so it
cannot rot: every row the fake server sent is counted by the kernel (tail and table views) and by
the Python peer, the kernel asked for the delimited format for the stream and for the StreamedRow
format (which carries tombstones) for the table. No timing is asserted."""
import os
import subprocess
import sys

import harness

BENCH = harness.ROOT / "benches" / "push_throughput.py"


def test_push_throughput_smoke():
    env = dict(os.environ, KSQLDB_KERNEL_BIN=str(harness.KERNEL_BIN), FAKE_KSQLDB_BIN=str(harness.FAKE_BIN))
    env.pop("KSQLDB_URL", None)
    proc = subprocess.run([sys.executable, str(BENCH), "--smoke"], env=env, capture_output=True, text=True,
                          timeout=300)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "smoke: ok" in proc.stdout
    for line in ("tail view (application/vnd.ksqlapi.delimited.v1):", "table view (application/vnd.ksql.v1+json):",
                 "kernel: 20,000 rows", "ratio kernel / python:"):
        assert line in proc.stdout, proc.stdout
