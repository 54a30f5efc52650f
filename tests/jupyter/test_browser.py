"""What a user sees in JupyterLab (and Notebook 7), checked in the DOM of headless Chromium
driven by Playwright: live push queries update one output in place, the stop button ends a
blocking push query, %chart draws a Vega-Lite chart. Against the fake server (the embedded
sandbox will replace it). Screenshots go to test-output/."""
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

import browser
import harness
from ksql_helpers import default_scenario, set_scenario, with_defaults

if not browser.chromium_available():
    if os.environ.get("CI"):
        raise RuntimeError(f"{browser.CHROMIUM} is missing: .ci/run installs Debian's chromium with apt-get")
    pytest.skip(f"no Chromium at {browser.CHROMIUM} (apt-get install chromium; .ci/run does)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

# Clicks arrive over a few seconds; GROUP BY makes the live view a table keyed by ID.
CLICKS_SQL = "SELECT ID, COUNT(*) AS N FROM clicks GROUP BY ID EMIT CHANGES;"
CLICKS_ROWS = [["alice", 1], ["bob", 1], ["alice", 2], ["carol", 1], ["bob", 2], ["alice", 3], ["dave", 1], ["alice", 4]]
CLICKS_FINAL = {"alice": "4", "bob": "2", "carol": "1", "dave": "1"}


def clicks_query(interval_ms=450):
    return {"match": CLICKS_SQL, "push": True, "rows": CLICKS_ROWS, "row_interval_ms": interval_ms, "end": "complete",
            "columns": [{"name": "ID", "type": "STRING"}, {"name": "N", "type": "BIGINT"}]}


@pytest.fixture(scope="module")
def lab(fake_server):
    home = Path(tempfile.mkdtemp(prefix="ksqldb-lab-"))
    root = home / "notebooks"
    root.mkdir()
    nb = nbformat.read(harness.ROOT / "notebooks" / "01-getting-started.ipynb", as_version=4)
    nb.metadata.kernelspec.name = harness.KERNEL_NAME  # the kernelspec under test
    nbformat.write(nb, root / "01-getting-started.ipynb")
    server = browser.JupyterServer(root, {"KSQLDB_URL": fake_server.url}, home)
    yield server
    server.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    yield p
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        browser.screenshot(p, f"FAILED-{request.node.name}.png")
    context.close()


def open_notebook(page, lab, name, cells):
    """Opens a notebook whose first cell connects (a fresh kernel's first statement shows the
    connection banner as an output of its own), runs that cell, then the test's cells follow."""
    browser.write_notebook(lab.root, name, ["SHOW TOPICS;"] + cells)
    page.goto(lab.lab_url(name))
    browser.wait_kernel_idle(page)
    browser.run_cell(page, 0)
    expect(browser.cell(page, 0).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=20_000)


def test_live_push_query_updates_one_output_in_place(lab, fake_server, page):
    set_scenario(fake_server, with_defaults(queries=[clicks_query()]))
    open_notebook(page, lab, "live.ipynb", ["%push --interval 200\n" + CLICKS_SQL])
    browser.run_cell(page, 1)
    out = browser.outputs(page, 1)
    seen_counts, states = set(), []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        n = out.count()
        seen_counts.add(n)
        if n == 1:
            try:
                rows = browser.table_rows(out.first)
                status = browser.status_line(out.first)
            except Exception:  # the node was being replaced; poll again
                continue
            if not states or states[-1] != rows:
                states.append(rows)
            if len(states) == 5:
                browser.screenshot(page, "lab-live-push-running.png", browser.cell(page, 1))
            if "Query Completed" in status:
                break
        page.wait_for_timeout(50)
    browser.screenshot(page, "lab-live-push-final.png", browser.cell(page, 1))
    assert seen_counts <= {0, 1}, f"one output node, never more: {seen_counts}"
    assert out.count() == 1
    final = browser.table_rows(out.first)
    assert {r[0]: r[1] for r in final} == CLICKS_FINAL, final
    assert len(final) == 4, "keyed: one row per ID"
    assert len(states) >= 3, f"the table changed in place while rows arrived: {states}"
    assert "Query Completed" in browser.status_line(out.first)
    assert "8 rows" in browser.status_line(out.first)


def test_stop_button_ends_a_blocking_push_query(lab, fake_server, page):
    set_scenario(fake_server, default_scenario())  # RIDERS: 3 rows, then the query hangs
    open_notebook(page, lab, "stop.ipynb", ["SELECT * FROM RIDERS EMIT CHANGES;", "SHOW STREAMS;"])
    browser.run_cell(page, 1)
    out = browser.outputs(page, 1)
    expect(out.locator(".ksql-result tbody tr")).to_have_count(3, timeout=20_000)
    assert "running" in browser.status_line(out.first)
    assert len(fake_server.active_queries()) == 1
    # The toolbar's stop button (Interrupt the kernel).
    page.locator(".jp-NotebookPanel-toolbar [data-command='notebook:interrupt-kernel']").click()
    expect(out.first.locator(".ksql-result > div").first).to_contain_text("stopped by user", timeout=15_000)
    assert out.count() >= 1
    # The cell is done ([n], not [*]) and the query is closed on the server.
    expect(browser.cell(page, 1).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=15_000)
    deadline = time.monotonic() + 10
    while fake_server.active_queries() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fake_server.active_queries() == []
    assert len(browser.table_rows(out.first)) == 3
    browser.screenshot(page, "lab-stopped.png", browser.cell(page, 1))


def test_chart_renders_vega_lite(lab, fake_server, page):
    set_scenario(fake_server, with_defaults(queries=[clicks_query(interval_ms=150)]))
    open_notebook(page, lab, "chart.ipynb", [
        '%chart bar x=ID y=TOTAL title="Riders by total"\nSELECT * FROM RIDER_COUNTS;',
        "%chart bar x=ID y=N\n" + CLICKS_SQL,
    ])
    browser.run_cell(page, 1)
    chart = browser.cell(page, 1).locator(".jp-OutputArea-output.jp-RenderedVegaLite")
    expect(chart.locator("svg, canvas").first).to_be_visible(timeout=30_000)
    browser.screenshot(page, "lab-chart-pull.png", browser.cell(page, 1))
    browser.run_cell(page, 2)
    out = browser.outputs(page, 2)
    expect(browser.cell(page, 2).locator(".jp-RenderedVegaLite").locator("svg, canvas").first).to_be_visible(timeout=30_000)
    # The live chart updates in place: still one output once the query completed.
    expect(browser.cell(page, 2).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=30_000)
    assert out.count() == 1
    page.wait_for_timeout(500)
    browser.screenshot(page, "lab-chart-live.png", browser.cell(page, 2))


def kernel_completes_names(kc):
    from ksql_helpers import ok
    ok(kc, "SHOW STREAMS;")
    msg_id = kc.complete("SELECT * FROM RID", 17)
    reply = kc.get_shell_msg(timeout=10)
    matches = reply["content"]["matches"] if reply["parent_header"]["msg_id"] == msg_id else []
    return any(m.upper() == "RIDERS" for m in matches)


def kernel_inspects_sources(kc):
    msg_id = kc.inspect("DESCRIBE RIDERS", 12, 0)
    reply = kc.get_shell_msg(timeout=10)
    if reply["parent_header"]["msg_id"] != msg_id or not reply["content"].get("found"):
        return False
    return "LAT" in reply["content"]["data"].get("text/plain", "")


def test_completion_shows_stream_and_column_names(lab, fake_server, page, kernel):
    set_scenario(fake_server, default_scenario())
    if not kernel_completes_names(kernel):
        pytest.skip("the kernel does not complete stream names yet (catalog work in progress: src/kernel/completion.rs)")
    open_notebook(page, lab, "complete.ipynb", [""])
    editor = browser.cell(page, 1).locator(".jp-InputArea-editor")
    editor.click()
    page.keyboard.type("SELECT * FROM RID")
    page.keyboard.press("Tab")
    completer = page.locator(".jp-Completer")
    expect(completer).to_contain_text("RIDERS", timeout=10_000)
    page.keyboard.press("Enter")
    page.keyboard.type(" WHERE L")
    page.keyboard.press("Tab")
    expect(page.locator(".jp-Completer")).to_contain_text("LAT", timeout=10_000)
    browser.screenshot(page, "lab-completion.png")


def test_shift_tab_shows_describe(lab, fake_server, page, kernel):
    set_scenario(fake_server, default_scenario())
    if not kernel_inspects_sources(kernel):
        pytest.skip("the kernel does not inspect streams (DESCRIBE) yet (catalog work in progress: src/kernel/completion.rs)")
    open_notebook(page, lab, "inspect.ipynb", ["DESCRIBE RIDERS"])
    browser.cell(page, 1).locator(".jp-InputArea-editor").click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Tab")
    tooltip = page.locator(".jp-Tooltip")
    expect(tooltip).to_contain_text("LAT", timeout=10_000)
    browser.screenshot(page, "lab-inspect.png")


def test_getting_started_runs_in_notebook7(lab, fake_server, page):
    """Notebook 7 (served by the same Jupyter server): Run All on the getting-started
    notebook; every code cell gets an execution count and output, and none fails."""
    set_scenario(fake_server, default_scenario())
    page.goto(lab.notebook7_url("01-getting-started.ipynb"))
    browser.wait_kernel_idle(page, notebook7=True)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    code_cells = page.locator(".jp-Notebook .jp-CodeCell")
    n = code_cells.count()
    assert n >= 5
    for i in range(n):
        expect(code_cells.nth(i).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=30_000)
        assert code_cells.nth(i).locator(".jp-OutputArea-output").count() >= 1, i
    assert page.locator(".jp-Notebook .jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert page.locator(".jp-Notebook [data-mime-type='application/vnd.jupyter.error']").count() == 0
    assert "RIDERS" in code_cells.nth(1).inner_text()
    browser.screenshot(page, "notebook7-getting-started.png")
