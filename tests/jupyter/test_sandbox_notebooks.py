"""Every shipped notebook runs headless with nbclient against the embedded sandbox (no
KSQLDB_URL in the kernel's environment), and no cell shows an error."""
import os

import nbformat
import pytest
from nbclient import NotebookClient

import harness

NOTEBOOKS = sorted((harness.ROOT / "notebooks").glob("*.ipynb"))


def outputs_text(cell):
    parts = []
    for o in cell.outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        for key in ("text/plain", "text/html"):
            parts.append(str(o.get("data", {}).get(key, "")))
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_in_the_sandbox(path, monkeypatch):
    for k in list(os.environ):
        if k.startswith("KSQLDB_") and k != "KSQLDB_KERNEL_CONFIG":
            monkeypatch.delenv(k)
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == "ksqldb"
    NotebookClient(nb, kernel_name=harness.KERNEL_NAME, timeout=60, startup_timeout=30).execute()
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code_cells:
        assert not any(o.output_type == "error" for o in cell.outputs), (cell.source, cell.outputs)
        text = outputs_text(cell)
        assert "Error" not in text and "error_code" not in text, (cell.source, text)
    text = "\n".join(outputs_text(c) for c in code_cells)
    assert "embedded sandbox" in text
    if path.name.startswith("01-"):
        counts = next(c for c in code_cells if c.source.startswith("SELECT * FROM RIDER_COUNTS"))
        assert "r1" in outputs_text(counts) and "13" in outputs_text(counts)  # AVG(12, 14)
    if path.name.startswith("02-"):
        pull = next(c for c in code_cells if c.source.startswith("SELECT * FROM currentLocation"))
        assert "4ab5cbad" in outputs_text(pull) and "37.3952" in outputs_text(pull)
    if path.name.startswith("03-"):
        views = next(c for c in code_cells if c.source.startswith("SELECT * FROM views_per_user WHERE"))
        assert "u1" in outputs_text(views)
        enriched = next(c for c in code_cells if c.source.startswith("SELECT * FROM enriched_views"))
        assert "Limit Reached" in outputs_text(enriched) and "Ada" in outputs_text(enriched)
