"""Sharing a notebook's work, through real Jupyter clients on the embedded sandbox: %save (the last
result for other tools), %export and `ksqldb-kernel export` (deployable SQL that reruns), %lineage
(a static picture of the topology), and background views that can be shown again after a reload."""
import json
import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

import harness
from ksql_helpers import JSON_MIME, fail, ok, texts


@pytest.fixture(scope="module")
def kc(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQLDB_") or k.startswith("KSQLDB_KERNEL_")}
    folder = tmp_path_factory.mktemp("notebook-folder")
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30, cwd=str(folder))
    kc.folder = folder
    ok(kc, "SET 'auto.offset.reset' = 'earliest';")
    ok(kc, "CREATE STREAM pay (id VARCHAR KEY, amount DECIMAL(20, 2), note VARCHAR, at TIMESTAMP) "
           "WITH (kafka_topic='pay', value_format='JSON', partitions=1);")
    ok(kc, "INSERT INTO pay (id, amount, note, at) VALUES ('a', 12345678901234567.10, '', '2024-01-02T03:04:05.678');\n"
           "INSERT INTO pay (id, amount, note, at) VALUES ('b', 0.50, NULL, NULL);\n"
           "INSERT INTO pay (id, amount, note, at) VALUES ('c', 7.00, 'größe, \"x\"', '2024-01-02T03:04:06');")
    ok(kc, "CREATE TABLE pay_by_id AS SELECT id, LATEST_BY_OFFSET(amount) AS amount, LATEST_BY_OFFSET(note) AS note, "
           "LATEST_BY_OFFSET(at) AS at FROM pay GROUP BY id;")
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_save_writes_the_last_pull_result_exactly(kc):
    ok(kc, "SELECT * FROM pay_by_id;")
    out = texts(ok(kc, "%save pay.csv"))
    assert "Wrote 3 rows" in out and "pay.csv" in out, out
    text = (kc.folder / "pay.csv").read_bytes().decode()
    lines = text.split("\r\n")
    assert lines[0] == "ID,AMOUNT,NOTE,AT"
    assert sorted(lines[1:4]) == [
        'a,12345678901234567.10,"",2024-01-02T03:04:05.678Z',  # empty text is "" ...
        "b,0.50,,",  # ... NULL is an empty field
        'c,7.00,"größe, ""x""",2024-01-02T03:04:06.000Z',
    ], lines
    ok(kc, "%save pay.jsonl")
    rows = [json.loads(line) for line in (kc.folder / "pay.jsonl").read_text().splitlines()]
    assert {r["ID"]: r["NOTE"] for r in rows} == {"a": "", "b": None, "c": 'größe, "x"'}
    assert '"AMOUNT":12345678901234567.10' in (kc.folder / "pay.jsonl").read_text()


def test_save_refuses_to_overwrite_and_saves_a_push_views_rows(kc):
    before = (kc.folder / "pay.csv").read_bytes()
    reply, outputs, err = fail(kc, "%save pay.csv")
    assert "--force" in err["evalue"] and (kc.folder / "pay.csv").read_bytes() == before
    ok(kc, "SELECT id, amount FROM pay EMIT CHANGES LIMIT 2;", timeout=30)
    ok(kc, "%save pay.csv --force")
    assert (kc.folder / "pay.csv").read_text().splitlines() == ["ID,AMOUNT", "a,12345678901234567.10", "b,0.50"]
    reply, outputs, err = fail(kc, "%save no/such/folder/x.csv")
    assert "nothing was written" in err["evalue"]
    assert not [p for p in os.listdir(kc.folder) if p.startswith(".")], "no partial file left behind"


PIPELINE = [
    "SET 'auto.offset.reset' = 'earliest';",
    "DEFINE src = 'orders_topic';",
    "CREATE STREAM orders (id VARCHAR KEY, amount INT) WITH (kafka_topic='${src}', value_format='JSON', partitions=1);",
    "INSERT INTO orders (id, amount) VALUES ('a', 5);\nINSERT INTO orders (id, amount) VALUES ('b', 7);",
    "CREATE STREAM big AS SELECT * FROM orders WHERE amount > 6 EMIT CHANGES;",
    "CREATE STREAM broken AS SELEC nothing;",
    "SELECT * FROM big EMIT CHANGES LIMIT 1;",
    "CREATE TABLE totals AS SELECT id, SUM(amount) AS total FROM orders GROUP BY id;\nSHOW STREAMS;",
    "CREATE STREAM scratch (id INT) WITH (kafka_topic='scratch', value_format='JSON', partitions=1);",
    "DROP STREAM scratch;",
]


def catalog(kc):
    """Streams and tables (name, topic) and persistent queries (their sinks and SQL)."""
    def entity(sql):
        docs = [m["content"]["data"][JSON_MIME] for m in ok(kc, sql)
                if m["msg_type"] in ("display_data", "execute_result") and JSON_MIME in m["content"]["data"]]
        return docs[-1]
    streams = {(s["name"], s["topic"]) for s in entity("SHOW STREAMS;")["streams"]}
    tables = {(t["name"], t["topic"]) for t in entity("SHOW TABLES;")["tables"]}
    queries = {(tuple(q["sinks"]), q["queryString"]) for q in entity("SHOW QUERIES;")["queries"]}
    return streams, tables, queries


def fresh_kernel(folder):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQLDB_") or k.startswith("KSQLDB_KERNEL_")}
    return start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30, cwd=str(folder))


def test_export_from_the_kernel_reruns_on_a_fresh_sandbox(tmp_path):
    km, kc = fresh_kernel(tmp_path)
    try:
        for cell in PIPELINE:
            harness.execute(kc, cell, timeout=30)
        shown = texts(ok(kc, "%export"))
        assert "CREATE STREAM orders" in shown and "DEFINE src = 'orders_topic';" in shown
        assert "SET 'auto.offset.reset' = 'earliest';" in shown
        assert "SELEC nothing" not in shown and "VALUES (" not in shown and "SHOW STREAMS" not in shown
        assert shown.index("CREATE STREAM scratch") < shown.index("DROP STREAM scratch")
        ok(kc, "%export pipeline.sql")
        before = catalog(kc)
        assert {n for n, _ in before[0]} == {"ORDERS", "BIG"} and {n for n, _ in before[1]} == {"TOTALS"}, before
        assert ("ORDERS", "orders_topic") in before[0] and len(before[2]) == 2, before
        reply, outputs, err = fail(kc, "%export pipeline.sql")
        assert "--force" in err["evalue"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    km, kc = fresh_kernel(tmp_path)
    try:
        ok(kc, "RUN SCRIPT 'pipeline.sql';", timeout=60)
        assert catalog(kc) == before, (catalog(kc), before)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_export_from_a_saved_notebook_from_the_shell(tmp_path):
    import subprocess

    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(c) for c in PIPELINE])
    nb.metadata["kernelspec"] = {"name": harness.KERNEL_NAME, "display_name": "ksqlDB", "language": "ksql"}
    env_before = dict(os.environ)
    for k in list(os.environ):
        if k.startswith("KSQLDB_") and not k.startswith("KSQLDB_KERNEL_"):
            del os.environ[k]
    try:
        NotebookClient(nb, kernel_name=harness.KERNEL_NAME, timeout=60, allow_errors=True,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    path = tmp_path / "pipeline.ipynb"
    nbformat.write(nb, path)
    out = subprocess.run([str(harness.KERNEL_BIN), "export", str(path)], capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if line and not line.startswith("--")]
    assert lines == [
        "SET 'auto.offset.reset' = 'earliest';",
        "DEFINE src = 'orders_topic';",
        PIPELINE[2],
        PIPELINE[4],
        "CREATE TABLE totals AS SELECT id, SUM(amount) AS total FROM orders GROUP BY id;",
        PIPELINE[8],
        PIPELINE[9],
    ], out
    assert f"from {path}" in out and "-- Server: 0." in out and "at http://127.0.0.1:" in out, out
    with_inserts = subprocess.run([str(harness.KERNEL_BIN), "export", str(path), "--with-inserts"],
                                  capture_output=True, text=True, check=True).stdout
    assert "INSERT INTO orders (id, amount) VALUES ('b', 7);" in with_inserts
    subprocess.run([str(harness.KERNEL_BIN), "export", str(path), "--migrations", str(tmp_path / "migrations")],
                   capture_output=True, text=True, check=True)
    names = sorted(os.listdir(tmp_path / "migrations"))
    assert names == ["V000001__create_stream_orders.sql", "V000002__create_stream_big.sql",
                     "V000003__create_table_totals.sql", "V000004__create_stream_scratch.sql",
                     "V000005__drop_stream_scratch.sql"], names
    second = (tmp_path / "migrations" / names[1]).read_text()
    assert "SET 'auto.offset.reset' = 'earliest';\nDEFINE src = 'orders_topic';\nCREATE STREAM big" in second
    bad = subprocess.run([str(harness.KERNEL_BIN), "export", str(tmp_path / "nope.ipynb")], capture_output=True, text=True)
    assert bad.returncode != 0 and "cannot read" in bad.stderr


def test_lineage_draws_every_object_and_edge_of_a_pipeline(tmp_path):
    import re
    import xml.etree.ElementTree as ET

    km, kc = fresh_kernel(tmp_path)
    try:
        ok(kc, "CREATE SOURCE CONNECTOR gen WITH ('connector.class'='DatagenSource', 'kafka.topic'='pv', "
               "'quickstart'='pageviews', 'iterations'='10', 'max.interval'='0');")
        ok(kc, "CREATE STREAM pv (viewtime BIGINT, userid VARCHAR, pageid VARCHAR) WITH (kafka_topic='pv', value_format='JSON');")
        ok(kc, "CREATE TABLE views AS SELECT userid, COUNT(*) AS n FROM pv GROUP BY userid;")
        ok(kc, "CREATE STREAM lonely (id INT) WITH (kafka_topic='lonely', value_format='JSON', partitions=1);")
        out = ok(kc, "%lineage")
        (bundle,) = [m["content"]["data"] for m in out if "image/svg+xml" in m["content"].get("data", {})]
        text = bundle["text/plain"]
        for edge in ("CONNECTOR GEN * --writes--> TOPIC pv", "TOPIC pv --feeds--> STREAM PV *",
                     "STREAM PV * --feeds--> QUERY CTAS_VIEWS_", "--writes--> TABLE VIEWS *",
                     "TOPIC lonely --feeds--> STREAM LONELY *"):
            assert edge in text, (edge, text)
        svg = bundle["image/svg+xml"]
        ET.fromstring(svg.split("?>", 1)[-1])  # well-formed
        assert not re.search(r"<script|href=\"[^#]|@import", svg, re.I)
        for name in ("GEN", "pv", "PV", "CTAS_VIEWS_", "VIEWS", "LONELY", "made by this notebook"):
            assert name in svg, name
        near = texts(ok(kc, "%lineage views"))
        assert "TABLE VIEWS" in near and "CONNECTOR GEN" in near and "LONELY" not in near, near
        reply, outputs, err = fail(kc, "%lineage nosuch")
        assert "no stream, table, topic, connector or query named nosuch" in err["evalue"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_background_view_can_be_shown_again_and_its_saved_state_is_dated(tmp_path):
    """After a page reload the first output of a background query no longer updates:
    %queries --show N shows it live in the asking cell, %stop N shows its final state there,
    and a running frame says when it was drawn."""
    import re

    km, kc = fresh_kernel(tmp_path)
    try:
        ok(kc, "SET 'auto.offset.reset' = 'earliest';")
        ok(kc, "CREATE STREAM ticks (id INT KEY, v VARCHAR) WITH (kafka_topic='ticks', value_format='JSON', partitions=1);")
        first = ok(kc, "%push --background --interval 100\nSELECT * FROM ticks EMIT CHANGES;")
        (view,) = [m for m in first if m["msg_type"] == "display_data" and m["content"].get("transient", {}).get("display_id")]
        display_id = view["content"]["transient"]["display_id"]
        assert re.search(r"● running \(as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)", view["content"]["data"]["text/plain"])
        shown = ok(kc, "%queries --show 1")
        again = [m for m in shown if m["msg_type"] == "display_data"]
        assert [m["content"]["transient"]["display_id"] for m in again] == [display_id]
        assert "running (as of" in again[0]["content"]["data"]["text/plain"]
        ok(kc, "INSERT INTO ticks (id, v) VALUES (1, 'one');")
        wait_for_rows(kc, 1)
        stopped = ok(kc, "%stop 1")
        views = [m for m in stopped if m["msg_type"] in ("display_data", "update_display_data")
                 and m["content"].get("transient", {}).get("display_id") == display_id]
        final = views[-1]["content"]["data"]["text/plain"]
        assert "stopped by user" in final and "one" in final and "running" not in final, final
        assert "Stopped 1 push query." in texts(stopped)
        reply, outputs, err = fail(kc, "%queries --show 1")
        assert "no push query #1 is running" in err["evalue"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def wait_for_rows(kc, rows, number=1, timeout=20):
    """Waits until background query `number` has received `rows` rows (%queries says so)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in texts(ok(kc, "%queries")).splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] == f"#{number}" and int(cells[3].replace(" ", "")) >= rows:
                return
        time.sleep(0.1)
    raise AssertionError(f"query #{number} did not receive {rows} rows in {timeout} s")


def test_a_notebook_run_by_nbclient_saves_what_a_reader_needs(tmp_path, monkeypatch):
    """Run headless and saved: the chart's picture, the lineage picture and its edges, and a
    background view shown again and stopped elsewhere, all in the .ipynb."""
    import re
    import xml.etree.ElementTree as ET

    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    for k in list(os.environ):
        if k.startswith("KSQLDB_") and not k.startswith("KSQLDB_KERNEL_"):
            monkeypatch.delenv(k)
    cells = [
        "SET 'auto.offset.reset' = 'earliest';",
        "CREATE STREAM clicks (id VARCHAR KEY, n INT) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);",
        "INSERT INTO clicks (id, n) VALUES ('a', 1);\nINSERT INTO clicks (id, n) VALUES ('b', 4);",
        "CREATE TABLE per_id AS SELECT id, SUM(n) AS total FROM clicks GROUP BY id;",
        "%chart bar x=id y=total\nSELECT * FROM per_id;",
        "%lineage",
        "%push --background --interval 100\nSELECT * FROM clicks EMIT CHANGES;",
        "%queries --show 1",
        "INSERT INTO clicks (id, n) VALUES ('c', 9);",
        "%stop 1",
    ]
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": harness.KERNEL_NAME, "display_name": "ksqlDB", "language": "ksql"}
    NotebookClient(nb, kernel_name=harness.KERNEL_NAME, timeout=60, startup_timeout=30).execute()
    nbformat.write(nb, tmp_path / "shared.ipynb")
    saved = nbformat.read(tmp_path / "shared.ipynb", as_version=4)

    chart = saved.cells[4].outputs[-1]["data"]
    root = ET.fromstring(chart["image/svg+xml"])
    labels = [t.text.strip() for t in root.iter() if t.tag.endswith("text") and t.text]
    assert {"a", "b", "ID", "TOTAL", "TOTAL by ID"} <= set(labels), labels
    assert "<script" not in chart["image/svg+xml"].lower()

    lineage = saved.cells[5].outputs[-1]["data"]
    for edge in ("TOPIC clicks --feeds--> STREAM CLICKS *", "STREAM CLICKS * --feeds--> QUERY CTAS_PER_ID_",
                 "--writes--> TABLE PER_ID *"):
        assert edge in lineage["text/plain"], lineage["text/plain"]
    assert all(name in lineage["image/svg+xml"] for name in ("clicks", "CLICKS", "CTAS_PER_ID_", "PER_ID"))

    def final_text(cell):
        views = [o for o in cell.outputs if o["output_type"] == "display_data" and "application/vnd.ksqldb+json" in o["data"]]
        return views[-1]["data"]["text/plain"]

    # The first output, the --show cell and the %stop cell all end with the final state.
    for index in (6, 7, 9):
        text = final_text(saved.cells[index])
        assert "stopped by user" in text and "| b " in text, (index, text)
        assert not re.search(r"● running", text)


@pytest.mark.parametrize("generation, describe", [
    ("current", "DESCRIBE RIDERS EXTENDED;"), ("jetty", "DESCRIBE EXTENDED RIDERS;")])
def test_lineage_on_a_server_without_show_extended_describes_each_source(generation, describe):
    """Each source's DESCRIBE … EXTENDED is in the order the server's version takes."""
    from ksql_helpers import fake, kernel_env

    with fake(generation) as server, kernel_env(server.url) as kc:
        text = texts(ok(kc, "%lineage"))
        assert "TOPIC riders --feeds--> STREAM RIDERS" in text, text
        sent = [json.loads(r["body"])["ksql"] for r in server.requests() if r["path"] == "/ksql" and r["body"]]
        assert "SHOW STREAMS EXTENDED;" in sent and describe in sent, sent
