"""What a user sees in JupyterLab (and Notebook 7), checked in the DOM of headless Chromium
driven by Playwright: live push queries update one output in place, the stop button ends a
blocking push query (and, during Run All, the cells queued below it), a quiet push query ticks
and hints at auto.offset.reset, %chart draws a Vega-Lite chart, completion and Shift+Tab use
the live catalog. The quickstart, completion and Shift+Tab run on the kernel's embedded sandbox (a
JupyterLab started without KSQLDB_URL); the stop button, charts and Notebook 7 on the fake
server (scripted timing). Screenshots go to test-output/."""
import json
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
def sandbox_lab():
    """JupyterLab whose kernels see no KSQLDB_URL / KSQLDB_PROFILE: they use the embedded sandbox."""
    home = Path(tempfile.mkdtemp(prefix="ksqldb-lab-sandbox-"))
    root = home / "notebooks"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQLDB_") or k.startswith("KSQLDB_KERNEL_")}
    server = browser.JupyterServer(root, {}, home, base_env=env)
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


def quickstart_cells():
    """The quickstart notebook, its code cells up to the INSERT cell below the background push
    query, with that INSERT cell split one statement per cell (so the live table can be seen
    between two INSERTs); plus the expected final rows of the push query."""
    nb = nbformat.read(harness.ROOT / "notebooks" / "02-quickstart.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    push = next(i for i, c in enumerate(code) if c.startswith("%push --background"))
    inserts = [line.strip() for line in code[push + 1].splitlines() if line.strip()]
    assert inserts and all(i.startswith("INSERT INTO riderLocations") for i in inserts), inserts
    # The query's condition: GEO_DISTANCE(latitude, longitude, 37.4133, -122.1162) <= 5 (km).
    lat0, lon0, limit = map(float, re.search(
        r"GEO_DISTANCE\(latitude, longitude, ([-\d.]+), ([-\d.]+)\) <= ([\d.]+)", code[push]).groups())
    expected = []
    for insert in inserts:
        pid, lat, lon = re.search(r"VALUES \('(\w+)', ([-\d.]+), ([-\d.]+)\)", insert).groups()
        if geo_distance_km(float(lat), float(lon), lat0, lon0) <= limit:
            expected.append([pid, lat, lon])
    return code[:push + 1], inserts, expected


def geo_distance_km(lat1, lon1, lat2, lon2):
    """ksqlDB's GEO_DISTANCE (haversine, earth radius 6371 km)."""
    import math
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


def run_and_wait(page, index, timeout=30_000):
    """Shift+Enter on cell `index`, then waits until it is done ([n], not [*])."""
    browser.run_cell(page, index)
    expect(browser.cell(page, index).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=timeout)


def test_quickstart_live_push_query_updates_one_output_in_place(sandbox_lab, page):
    """The quickstart in JupyterLab on the embedded sandbox: the CREATE cells, the background
    push query, then the INSERTs below it one cell at a time; the push query's output stays one
    node whose table grows in place to the riders near Mountain View."""
    setup, inserts, expected = quickstart_cells()
    assert 0 < len(expected) < len(inserts), expected  # some riders are near, some are not
    browser.write_notebook(sandbox_lab.root, "quickstart-live.ipynb", setup + inserts)
    page.goto(sandbox_lab.lab_url("quickstart-live.ipynb"))
    browser.wait_kernel_idle(page)
    push = len(setup) - 1
    for i in range(len(setup)):
        run_and_wait(page, i)
    assert "embedded sandbox" in browser.cell(page, 0).inner_text()
    out = browser.outputs(page, push)
    expect(out.first.locator(".ksql-result")).to_be_visible(timeout=20_000)
    seen_counts, states = {out.count()}, [browser.table_rows(out.first)]
    near = 0
    for k, insert in enumerate(inserts):
        run_and_wait(page, push + 1 + k)
        if any(insert.find(f"'{row[0]}'") >= 0 for row in expected):
            near += 1
        # The live table has caught up with this INSERT (rows arrive within the %push interval).
        # "(no rows)" is a placeholder row with a colspan.
        expect(out.first.locator(".ksql-result tbody tr:not(:has(td[colspan]))")).to_have_count(near, timeout=15_000)
        seen_counts.add(out.count())
        rows = browser.table_rows(out.first)
        if rows != states[-1]:
            states.append(rows)
        if near == 2 and len(states) == 3:
            browser.screenshot(page, "lab-quickstart-live-push-running.png", browser.cell(page, push))
    page.wait_for_timeout(300)
    browser.screenshot(page, "lab-quickstart-live-push.png", browser.cell(page, push))
    assert seen_counts == {1}, f"one output node, never more: {seen_counts}"
    assert out.count() == 1
    final = browser.table_rows(out.first)
    assert [r[:3] for r in final] == expected, final
    assert states[0] == [["(no rows)"]], states[0]
    assert len(states) == len(expected) + 1, f"the table changed in place as riders arrived: {states}"
    assert "running" in browser.status_line(out.first)
    # The push query is still running in the background; the page shows nothing failed.
    assert page.locator(".jp-Notebook [data-mime-type='application/vnd.jupyter.error']").count() == 0


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


def run_all(page):
    """JupyterLab's Run menu, Run All Cells: every cell's execute request is queued at once."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def test_stop_during_run_all_keeps_the_rows_and_aborts_the_queued_cells(lab, fake_server, page):
    """Run All into a blocking push query: its status line ticks while no row comes; the stop
    button ends it with its rows kept, and the cells queued below it are not run (as ipykernel
    aborts them), so Run All does not go on into the next statement."""
    set_scenario(fake_server, default_scenario())  # RIDERS: 3 rows, then the query hangs
    fake_server.reset()  # the request log: this test counts the statements sent
    open_notebook(page, lab, "run-all.ipynb", ["SELECT * FROM RIDERS EMIT CHANGES;", "SHOW STREAMS;", "SHOW QUERIES;"])
    run_all(page)
    out = browser.outputs(page, 1)
    expect(out.locator(".ksql-result tbody tr")).to_have_count(3, timeout=20_000)
    first = browser.status_line(out.first)
    page.wait_for_timeout(2_500)
    later = browser.status_line(out.first)
    assert "running" in later and later != first, f"the status line ticks while no row comes: {first!r} {later!r}"
    page.locator(".jp-NotebookPanel-toolbar [data-command='notebook:interrupt-kernel']").click()
    expect(out.first.locator(".ksql-result > div").first).to_contain_text("stopped by user", timeout=15_000)
    expect(browser.cell(page, 1).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=15_000)
    browser.wait_kernel_idle(page)
    page.wait_for_timeout(1_000)
    assert len(browser.table_rows(out.first)) == 3
    for queued in (2, 3):
        assert browser.outputs(page, queued).count() == 0, f"cell {queued} ran after the stop"
        prompt = browser.cell(page, queued).locator(".jp-InputPrompt").inner_text()
        assert not re.search(r"\d", prompt), f"cell {queued} has an execution count: {prompt!r}"
    sent = [json.loads(r["body"])["ksql"] for r in fake_server.requests() if r["path"] == "/ksql" and r["body"]]
    assert "SHOW TOPICS;" in sent, sent  # Run All ran the first cell again
    assert not any(s in ("SHOW STREAMS;", "SHOW QUERIES;") for s in sent), f"queued statements were sent: {sent}"
    browser.screenshot(page, "lab-run-all-stopped.png")


def test_quiet_push_query_hints_at_auto_offset_reset(sandbox_lab, page):
    """On the sandbox, a push query over a stream that already has a record, read from the
    latest offset: the live view says it is waiting for rows, then hints at the SET statement."""
    cells = ["CREATE STREAM hinted (id INT) WITH (kafka_topic='hinted', value_format='JSON', partitions=1);",
             "INSERT INTO hinted (id) VALUES (1);",
             "%push --timeout 6\nSELECT * FROM hinted EMIT CHANGES;"]
    browser.write_notebook(sandbox_lab.root, "hint.ipynb", cells)
    page.goto(sandbox_lab.lab_url("hint.ipynb"))
    browser.wait_kernel_idle(page)
    run_and_wait(page, 0)
    run_and_wait(page, 1)
    browser.run_cell(page, 2)
    out = browser.outputs(page, 2)
    expect(out.first.locator(".ksql-result")).to_contain_text("waiting for rows", timeout=20_000)
    expect(out.first.locator(".ksql-result")).to_contain_text("auto.offset.reset", timeout=15_000)
    expect(out.first.locator(".ksql-result")).to_contain_text("'earliest'")
    browser.screenshot(page, "lab-offset-hint.png", browser.cell(page, 2))
    expect(browser.cell(page, 2).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=20_000)
    assert "auto.offset.reset" in out.first.inner_text(), "the hint stays in the final frame"


def test_chart_renders_vega_lite(lab, fake_server, page):
    per_minute = {"match": "SELECT * FROM per_minute", "push": False, "table": True,
                  "columns": [{"name": "WINDOWSTART", "type": "BIGINT"}, {"name": "N", "type": "BIGINT"}],
                  "rows": [[1700000000000 + i * 60000, i * 3] for i in range(6)]}
    set_scenario(fake_server, with_defaults(queries=[clicks_query(interval_ms=150), per_minute]))
    open_notebook(page, lab, "chart.ipynb", [
        '%chart bar x=ID y=TOTAL title="Riders by total"\nSELECT * FROM RIDER_COUNTS;',
        "%chart bar x=ID y=N\n" + CLICKS_SQL,
        "%chart line x=WINDOWSTART y=N\nSELECT * FROM per_minute;",
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
    # A time axis: Vega-Lite accepts the 24-hour UTC tick formats (22:13 ... 22:18, not "10 PM").
    browser.run_cell(page, 3)
    timed = browser.cell(page, 3).locator(".jp-RenderedVegaLite")
    expect(timed.locator("svg, canvas").first).to_be_visible(timeout=30_000)
    assert "error" not in browser.outputs(page, 3).first.inner_text().lower()
    labels = timed.locator("svg text").all_inner_texts()
    if labels:  # Vega draws SVG (with a canvas renderer the labels are pixels)
        assert any(re.fullmatch(r"22:1[3-9](:\d\d)?", t.strip()) for t in labels), labels
        assert not any(re.search(r"\b(AM|PM)\b", t) for t in labels), labels
    browser.screenshot(page, "lab-chart-time.png", browser.cell(page, 3))


CREATE_RIDERS = ("CREATE STREAM riderLocations (profileId VARCHAR, latitude DOUBLE, longitude DOUBLE)\n"
                 "  WITH (kafka_topic='locations', value_format='json', partitions=1);")


def open_sandbox_notebook(page, sandbox_lab, name, cells):
    """A notebook on the sandbox whose first cell creates the quickstart's stream; runs it."""
    browser.write_notebook(sandbox_lab.root, name, [CREATE_RIDERS] + cells)
    page.goto(sandbox_lab.lab_url(name))
    browser.wait_kernel_idle(page)
    run_and_wait(page, 0)


def test_completion_shows_stream_and_column_names(sandbox_lab, page):
    """Names from the sandbox's catalog, after the CREATE cell ran."""
    open_sandbox_notebook(page, sandbox_lab, "complete.ipynb", [""])
    editor = browser.cell(page, 1).locator(".jp-InputArea-editor")
    editor.click()
    page.keyboard.type("SELECT * FROM RIDERL")
    page.keyboard.press("Tab")
    completer = page.locator(".jp-Completer")
    expect(completer).to_contain_text("RIDERLOCATIONS", timeout=10_000)
    page.keyboard.press("Enter")
    page.keyboard.type(" WHERE L")
    page.keyboard.press("Tab")
    expect(page.locator(".jp-Completer")).to_contain_text("LATITUDE", timeout=10_000)
    expect(page.locator(".jp-Completer")).to_contain_text("LONGITUDE")
    browser.screenshot(page, "lab-completion.png")


def test_shift_tab_shows_describe(sandbox_lab, page):
    open_sandbox_notebook(page, sandbox_lab, "inspect.ipynb", ["DESCRIBE riderLocations"])
    browser.cell(page, 1).locator(".jp-InputArea-editor").click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Tab")
    tooltip = page.locator(".jp-Tooltip")
    expect(tooltip).to_contain_text("LATITUDE", timeout=10_000)
    expect(tooltip).to_contain_text("PROFILEID", timeout=10_000)
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


def test_slow_statement_status_line_is_cleared(lab, fake_server, page):
    """A statement slower than 1 s shows "Waiting for the server… n s" in place; once the
    answer arrived the line is gone and only the result is left."""
    set_scenario(fake_server, with_defaults(statements=[
        {"match": "LIST STREAMS", "delay_ms": 2200, "entities": [{"@type": "streams", "streams": []}]}]))
    open_notebook(page, lab, "slow.ipynb", ["LIST STREAMS;"])
    browser.run_cell(page, 1)
    area = browser.cell(page, 1).locator(".jp-OutputArea")
    expect(area).to_contain_text("Waiting for the server… 1 s", timeout=10_000)
    browser.screenshot(page, "lab-waiting-for-server.png", browser.cell(page, 1))
    expect(browser.cell(page, 1).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=15_000)
    expect(area).not_to_contain_text("Waiting for the server")
    assert "No renderer" not in area.inner_text()
    assert browser.outputs(page, 1).filter(has_text=re.compile(r"\S")).count() == 1


def saved_and_converted(tmp_path, cells, monkeypatch):
    """Runs `cells` headless on the embedded sandbox (nbclient), saves the notebook and
    converts it with `jupyter nbconvert --to html`: what a reader gets with no kernel."""
    import subprocess
    import sys

    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    for k in list(os.environ):
        if k.startswith("KSQLDB_") and k not in ("KSQLDB_KERNEL_CONFIG", "KSQLDB_KERNEL_HISTORY"):
            monkeypatch.delenv(k)
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": harness.KERNEL_NAME, "display_name": "ksqlDB", "language": "ksql"}
    NotebookClient(nb, kernel_name=harness.KERNEL_NAME, timeout=60, startup_timeout=30).execute()
    path = tmp_path / "shared.ipynb"
    nbformat.write(nb, path)
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    subprocess.run([jupyter, "nbconvert", "--to", "html", str(path)], check=True, capture_output=True)
    return nbformat.read(path, as_version=4), tmp_path / "shared.html"


def test_saved_chart_and_lineage_show_as_pictures_in_nbconvert_html(tmp_path, page, monkeypatch):
    nb, html = saved_and_converted(tmp_path, [
        "SET 'auto.offset.reset' = 'earliest';",
        "CREATE STREAM sales (region VARCHAR, amount INT) WITH (kafka_topic='sales', value_format='JSON', partitions=1);",
        "\n".join(f"INSERT INTO sales (region, amount) VALUES ('{r}', {a});"
                  for r, a in [("north", 5), ("south", 9), ("north", 7), ("east", 3)]),
        "CREATE TABLE totals AS SELECT region, SUM(amount) AS total FROM sales GROUP BY region;",
        '%chart bar x=region y=total title="Sales by region"\nSELECT * FROM totals;',
        "%lineage",
    ], monkeypatch)
    chart = nb.cells[-2].outputs[-1]
    assert "image/svg+xml" in chart.data and "application/vnd.vegalite.v5+json" in chart.data
    page.goto(html.as_uri())
    # nbconvert embeds the picture as an image (a data: URL of the SVG); it must load and
    # have the chart's size.
    picture = page.locator(".jp-OutputArea-output img").nth(0)
    expect(picture).to_be_visible()
    size = picture.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert size == [True, 640, 360], size
    source = picture.get_attribute("src")
    assert source.startswith("data:image/svg+xml"), source[:60]
    browser.screenshot(page, "nbconvert-chart.png", picture)
    # The lineage picture: loads, and is the one with the pipeline's nodes (the text twin
    # is not shown: the picture outranks it).
    lineage = page.locator(".jp-OutputArea-output img").nth(1)
    expect(lineage).to_be_visible()
    loaded = lineage.evaluate("img => img.complete && img.naturalWidth > 100 && img.naturalHeight > 100")
    assert loaded
    assert "image/svg+xml" in nb.cells[-1].outputs[-1].data
    assert "TABLE TOTALS" in nb.cells[-1].outputs[-1].data["text/plain"]
    browser.screenshot(page, "nbconvert-lineage.png", lineage)
