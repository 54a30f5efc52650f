"""The getting-started notebook also runs against a (fake) real server, where the stream and
table it creates already exist with other data: every cell succeeds. All notebooks run against
the sandbox in test_sandbox_notebooks.py."""
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import harness

NOTEBOOKS = sorted((harness.ROOT / "notebooks").glob("01-*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_headless(path, fake_server, monkeypatch):
    monkeypatch.setenv("KSQLDB_URL", fake_server.url)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name=harness.KERNEL_NAME, timeout=60, startup_timeout=30).execute()
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code_cells:
        assert not any(o.output_type == "error" for o in cell.outputs), cell.source
        assert cell.outputs, f"no output for {cell.source!r}"
    # The query with a variable got its rows (the variable was applied).
    query = next(c for c in code_cells if "${source}" in c.source)
    html = "".join(o.get("data", {}).get("text/html", "") for o in query.outputs)
    assert "r1" in html and "Limit Reached" in html
