"""The sandbox-vs-peers bench (benches/sandbox_peers.py) in its smoke mode: the cargo bench at
2 000 events (debug build, as `cargo test` runs it), DuckDB and bytewax on the same events;
the bench itself checks every engine's result sizes, this checks that it ran and printed its
ratios. No timing is asserted. The figures are printed at the end of the session."""
import re
import subprocess
import sys

import pytest

import harness

BENCH = harness.ROOT / "benches" / "sandbox_peers.py"
FIGURES = []
harness.TERMINAL_SUMMARIES.append(("sandbox vs DuckDB and bytewax (smoke, 2 000 events)", lambda: FIGURES))


def test_sandbox_peers_smoke():
    pytest.importorskip("duckdb", reason="duckdb is not installed (pip install -r tests/requirements.txt)")
    pytest.importorskip("bytewax", reason="bytewax is not installed (pip install -r tests/requirements.txt)")
    proc = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=900)
    FIGURES.extend(proc.stdout.splitlines()[-6:])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for query in ("filter", "aggregate", "groupby", "join"):
        # The sandbox's rate, then each peer's rate and the ratio (DuckDB, bytewax on tuples,
        # bytewax on the same bytes).
        peer = r"\s+([\d,]+)\s+([\d.]+)"
        row = re.search(rf"^{query}\s+([\d,]+){peer}{peer}{peer}$", proc.stdout, re.M)
        assert row, f"no {query} row with every peer:\n{proc.stdout}"
        assert all(float(g.replace(",", "")) > 0 for g in row.groups()), row.group(0)
    inserts = re.search(r"^inserts\s+([\d,]+)\s+rows/s", proc.stdout, re.M)
    assert inserts and int(inserts.group(1).replace(",", "")) > 0, proc.stdout
