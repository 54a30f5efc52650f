"""%expect against the embedded sandbox, through a real Jupyter client: matches, mismatches
(error output with a diff), order, subsets, comparison by type, push queries with --within."""
import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

import harness
from ksql_helpers import JSON_MIME, fail, final_frame, kernel_env, ok, standalone_sandbox, texts


@pytest.fixture(scope="module")
def kc():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQLDB_") or k.startswith("KSQLDB_KERNEL_")}
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30)
    ok(kc, "CREATE STREAM riders (id VARCHAR KEY, la DOUBLE, fare DECIMAL(5, 2), note VARCHAR, at TIMESTAMP) "
           "WITH (kafka_topic='riders', value_format='json', partitions=1);", timeout=30)
    ok(kc, "CREATE TABLE rides AS SELECT id, COUNT(*) AS n, LATEST_BY_OFFSET(fare) AS fare FROM riders "
           "GROUP BY id EMIT CHANGES;", timeout=30)
    ok(kc, "INSERT INTO riders (id, la, fare, note, at) VALUES ('c2309eec', 37.7877, 12.50, 'null', '2024-01-02T03:04:05');\n"
           "INSERT INTO riders (id, la, fare, note, at) VALUES ('18f4ea86', 37.3903, 7.05, NULL, '2024-01-02T03:04:06');\n"
           "INSERT INTO riders (id, la, fare, note, at) VALUES ('c2309eec', 37.7800, 3.00, 'x', '2024-01-02T03:04:07');")
    ok(kc, "SET 'auto.offset.reset'='earliest';")
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def wait_for_table(kc):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if "2 rows" in texts(ok(kc, "SELECT * FROM rides;")):
            return
        time.sleep(0.2)


def test_a_matching_pull_query_says_so_with_its_rows(kc):
    wait_for_table(kc)
    out = ok(kc, """%expect
| ID       | N | FARE |
|----------|---|------|
| 18f4ea86 | 1 | 7.05 |
| c2309eec | 2 | 3.0  |
SELECT * FROM rides;""")
    text = texts(out)
    assert "✔ matches (2 rows)" in text and "18f4ea86" in text, text
    doc = [m["content"]["data"][JSON_MIME] for m in out if JSON_MIME in m["content"].get("data", {})][-1]
    assert doc["matches"] is True


def test_a_mismatch_is_an_error_with_a_diff(kc):
    reply, outputs, err = fail(kc, """%expect
| ID       | N |
| c2309eec | 1 |
| ffffffff | 1 |
SELECT id, n FROM rides;""")
    assert err["ename"] == "ExpectationError"
    assert "1 missing, 1 differing, 1 unexpected" in err["evalue"], err["evalue"]
    diff = texts(outputs)
    for needle in ("expected", "got", "*1", "*2", "missing", "ffffffff", "unexpected", "18f4ea86"):
        assert needle in diff, (needle, diff)
    html = texts(outputs, "text/html")
    assert "ksql-changed" in html
    # The next cell works.
    assert "✔ matches" in texts(ok(kc, "%expect --subset\n| ID |\n| 18f4ea86 |\nSELECT id FROM rides;"))


def test_order_matters_only_when_asked(kc):
    wait_for_table(kc)
    cell = "%expect {}\n| ID |\n| c2309eec |\n| 18f4ea86 |\nSELECT id FROM riders WHERE la > 37.5 OR la < 37.5;"
    # riders in offset order: c2309eec, 18f4ea86, c2309eec.
    fail(kc, cell.format("--ordered"))
    ok(kc, cell.format("--ordered --subset"))
    ok(kc, cell.format("--subset"))
    reply, outputs, err = fail(kc, cell.format(""))
    assert "1 unexpected" in err["evalue"], err["evalue"]


def test_values_compare_by_type_and_csv(kc):
    out = ok(kc, """%expect --csv
ID,LA,FARE,NOTE,AT
c2309eec,37.7877,12.5,'null',2024-01-02T03:04:05.000Z
18f4ea86,37.3903,7.050,NULL,2024-01-02 03:04:06
c2309eec,37.78,3,x,2024-01-02 03:04:07
SELECT * FROM riders;""")
    assert "✔ matches (3 rows)" in texts(out)
    # DECIMAL is exact and the string 'null' is not NULL.
    reply, outputs, err = fail(kc, "%expect\n| ID | FARE | NOTE |\n| 18f4ea86 | 7.06 | 'null' |\nSELECT id, fare, note FROM riders WHERE id = '18f4ea86';")
    assert "1 differing" in err["evalue"] and "*7.06" in texts(outputs)


def test_unknown_columns_and_bad_tables_are_clear_errors(kc):
    reply, outputs, err = fail(kc, "%expect\n| NOPE |\n| 1 |\nSELECT id FROM riders;")
    assert "column NOPE is not in the result" in err["evalue"] and "ID" in err["evalue"]
    reply, outputs, err = fail(kc, "%expect\n| ID | N |\n| 1 |\nSELECT id FROM riders;")
    assert "row 1 has 1 values for 2 columns" in err["evalue"]


def test_push_queries_stop_when_the_rows_arrived_or_within_runs_out(kc):
    started = time.monotonic()
    out = ok(kc, "%expect --within 20\n| ID | N |\n| c2309eec | 2 |\n| 18f4ea86 | 1 |\n"
                 "SELECT id, COUNT(*) AS n FROM riders GROUP BY id EMIT CHANGES;", timeout=40)
    assert "✔ matches (2 rows)" in texts(out)
    assert time.monotonic() - started < 10, "stopped as soon as the rows arrived"
    started = time.monotonic()
    reply, outputs, err = fail(kc, "%expect --within 2\n| ID |\n| nobody |\nSELECT id FROM riders EMIT CHANGES;",
                               timeout=30)
    assert 1.5 < time.monotonic() - started < 10
    assert "ran for 2 s (--within)" in err["evalue"] and "1 missing" in err["evalue"], err["evalue"]
    # Both push queries were closed on the server.
    listing = texts(ok(kc, "SHOW QUERIES;"))
    assert "transient" not in listing.lower(), listing


def test_print_is_a_live_table_on_the_sandbox(kc):
    ok(kc, "CREATE STREAM notes (id INT KEY, msg VARCHAR) WITH (kafka_topic='notes', value_format='json', partitions=1);")
    ok(kc, "INSERT INTO notes (id, msg) VALUES (1, '<b>größe</b>');\nINSERT INTO notes (id, msg) VALUES (2, 'x');")
    out = ok(kc, "PRINT notes FROM BEGINNING LIMIT 2;", timeout=30)
    live = [m for m in out if m["content"].get("transient", {}).get("display_id")]
    assert len({m["content"]["transient"]["display_id"] for m in live}) == 1, "one display, updated in place"
    final = final_frame(out)
    assert "2 rows" in final["text/plain"] and "größe" in final["text/plain"], final["text/plain"]
    assert "<b>größe</b>" not in final["text/html"] and "&lt;b&gt;größe&lt;/b&gt;" in final["text/html"]
    assert '"MSG": "x"' in final["text/plain"] or '"MSG": "x"' in final["text/html"], "JSON values pretty-printed"
    # Without LIMIT: in the background, stopped by %stop like a push query.
    ok(kc, "%push --background\nPRINT notes FROM BEGINNING;")
    stopped = texts(ok(kc, "%stop all"))
    assert "Stopped 1 push query." in stopped, stopped


def test_cleanup_removes_only_what_the_notebook_made_in_order():
    """On a standalone sandbox shared with another client: %cleanup plans and runs the drops of
    what this notebook created, newest first, and leaves the other client's stream."""
    with standalone_sandbox() as (url, other_client), kernel_env(url) as kc:
        ok(kc, "CREATE TYPE addr AS STRUCT<city VARCHAR>;")
        ok(kc, "CREATE STREAM a (id INT KEY, home addr) WITH (kafka_topic='a', value_format='json', partitions=1);")
        ok(kc, "CREATE STREAM b AS SELECT * FROM a WHERE id > 1 EMIT CHANGES;")
        other_client("CREATE STREAM c (id INT) WITH (kafka_topic='c', value_format='json', partitions=1);")
        # IF NOT EXISTS over the other client's stream: not the notebook's to drop.
        ok(kc, "CREATE STREAM IF NOT EXISTS c (id INT) WITH (kafka_topic='c', value_format='json', partitions=1);")
        plan = texts(ok(kc, "%cleanup --delete-topics"))
        lines = [line for line in plan.splitlines() if "TERMINATE" in line or "DROP" in line]
        assert len(lines) == 4, plan
        assert "TERMINATE `CSAS_B" in lines[0] and "DROP STREAM `B` DELETE TOPIC" in lines[1], plan
        # A's topic was named in its CREATE (it may be shared): it is not deleted.
        assert "DROP STREAM `A`;" in lines[2] and "DROP TYPE `ADDR`" in lines[3], plan
        assert "`C`" not in plan
        done = texts(ok(kc, "%cleanup --yes --delete-topics"))
        assert done.count("✔ done") == 4, done
        streams = texts(ok(kc, "SHOW STREAMS;"))
        assert "| C " in streams and "| A " not in streams and "| B " not in streams, streams
        topics = texts(ok(kc, "SHOW TOPICS;"))
        assert "| a " in topics and "| c " in topics and "| B " not in topics, topics
        assert "created nothing" in texts(ok(kc, "%cleanup"))


def test_the_cleanup_record_survives_a_restart_of_the_notebooks_kernel(tmp_path):
    env = dict(JPY_SESSION_NAME=str(tmp_path / "course.ipynb"), JUPYTER_DATA_DIR=str(tmp_path / "data"))
    with standalone_sandbox() as (url, _):
        with kernel_env(url, **env) as kc:
            ok(kc, "CREATE STREAM kept (id INT) WITH (kafka_topic='kept', value_format='json', partitions=1);")
        with kernel_env(url, **env) as kc:
            assert "DROP STREAM `KEPT`" in texts(ok(kc, "%cleanup"))
        # Another notebook's kernel has its own record.
        with kernel_env(url, JPY_SESSION_NAME=str(tmp_path / "other.ipynb"), JUPYTER_DATA_DIR=str(tmp_path / "data")) as kc:
            assert "created nothing" in texts(ok(kc, "%cleanup"))


def test_an_expectation_without_a_query_is_an_error(kc):
    reply, outputs, err = fail(kc, "%expect\n| ID |\n| 1 |\nSHOW STREAMS;")
    assert "needs a query" in err["evalue"]
    assert "✔" not in texts(ok(kc, "SHOW STREAMS;"))
