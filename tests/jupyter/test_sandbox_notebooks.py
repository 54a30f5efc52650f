"""Every shipped notebook runs headless with nbclient against the embedded sandbox (no
KSQLDB_URL in the kernel's environment), and no cell shows an error."""
import os
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

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
    if path.name.startswith("04-"):
        checks = [c for c in code_cells if c.source.startswith("%expect")]
        assert len(checks) == 8
        for cell in checks:
            assert "✔ matches" in outputs_text(cell), (cell.source, outputs_text(cell))
        cleanup = code_cells[-1]
        assert cleanup.source == "%cleanup --yes"
        # 2 connectors, 8 streams and tables, 5 queries.
        plain = "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in cleanup.outputs)
        assert plain.count("✔ done") == 15, plain


def test_the_course_student_copy_has_no_solutions_and_its_checks_fail(tmp_path, monkeypatch):
    """The README's nbconvert command makes the student copy: no solution cells, every check
    kept, and run as it is (nothing answered) the first check fails."""
    import subprocess

    for k in list(os.environ):
        if k.startswith("KSQLDB_") and k != "KSQLDB_KERNEL_CONFIG":
            monkeypatch.delenv(k)
    course = harness.ROOT / "notebooks" / "04-course-ksqldb-basics.ipynb"
    teacher = nbformat.read(course, as_version=4)
    solutions = [c for c in teacher.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == 7
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    subprocess.run([jupyter, "nbconvert", "--to", "notebook", "--TagRemovePreprocessor.enabled=True",
                    "--TagRemovePreprocessor.remove_cell_tags", "solution", "--output-dir", str(tmp_path),
                    "--output", "04-course-student.ipynb", str(course)], check=True, capture_output=True)
    student = nbformat.read(tmp_path / "04-course-student.ipynb", as_version=4)
    assert not [c for c in student.cells if "solution" in c.metadata.get("tags", [])]
    assert len(student.cells) == len(teacher.cells) - len(solutions)
    checks = [c for c in student.cells if c.cell_type == "code" and c.source.startswith("%expect")]
    assert len(checks) == 8
    with pytest.raises(CellExecutionError):
        NotebookClient(student, kernel_name=harness.KERNEL_NAME, timeout=60, startup_timeout=30).execute()
    # Run All stops at the first check: the stream it reads was never declared.
    errors = [o for o in checks[0].outputs if o.output_type == "error"]
    assert len(errors) == 1 and "PAGEVIEWS" in (errors[0].evalue + "".join(errors[0].traceback)).upper(), errors
    assert all(not c.outputs for c in checks[1:]), "nothing ran after the failing check"
