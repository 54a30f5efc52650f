"""Editor help against a fake server, over the wire: completion from the live catalog
(sources, columns, aliases, STRUCT fields, topics, queries, functions, properties, variables,
magics) with JupyterLab's type metadata, inspection (DESCRIBE, columns, DESCRIBE FUNCTION,
keywords), is_complete with an indent, and the input history across a kernel restart."""
import os
import tempfile
import time

import pytest

from harness import execute
from ksql_helpers import fake, free_port, kernel_env, ok, set_scenario, with_defaults


def schema(t, fields=None):
    return {"type": t, "fields": fields, "memberSchema": None}


def field(name, t, kind=None, fields=None):
    f = {"name": name, "schema": schema(t, fields)}
    if kind:
        f["type"] = kind
    return f


def description(name, kind, topic, fields, read=(), write=()):
    return {"name": name, "type": kind, "topic": topic, "keyFormat": "KAFKA", "valueFormat": "JSON",
            "windowType": None, "readQueries": list(read), "writeQueries": list(write), "fields": fields,
            "timestamp": "", "statistics": "", "errorStats": "", "extended": True, "partitions": 1,
            "replication": 1, "statement": "", "queryOffsetSummaries": [], "sourceConstraints": [],
            "clusterStatistics": [], "clusterErrorStats": []}


ADDRESS = [field("STREET", "STRING"), field("CITY", "STRING"),
           field("GEO", "STRUCT", fields=[field("LAT", "DOUBLE"), field("LON", "DOUBLE")])]
RIDERS = description("RIDERS", "STREAM", "riders", [
    field("ID", "STRING", "KEY"), field("LAT", "DOUBLE"), field("LON", "DOUBLE"), field("SPEED", "INTEGER")])
CTAS = {"queryString": "CREATE TABLE ORDERS_BY_CITY AS SELECT ...", "sinks": ["ORDERS_BY_CITY"],
        "sinkKafkaTopics": ["ORDERS_BY_CITY"], "id": "CTAS_ORDERS_BY_CITY_7", "statusCount": {"RUNNING": 1},
        "queryType": "PERSISTENT", "state": "RUNNING"}
ORDERS = description("ORDERS", "TABLE", "orders-v1", [
    field("ORDER_ID", "BIGINT", "KEY"), field("AMOUNT", "DOUBLE"), field("ADDRESS", "STRUCT", fields=ADDRESS)],
    read=[CTAS])


def catalog_statements(streams=(RIDERS,), tables=(ORDERS,)):
    return [
        {"match": "SHOW STREAMS EXTENDED", "entities": [
            {"@type": "source_descriptions", "sourceDescriptions": list(streams)}]},
        {"match": "SHOW TABLES EXTENDED", "entities": [
            {"@type": "source_descriptions", "sourceDescriptions": list(tables)}]},
        {"match": "SHOW TOPICS", "entities": [{"@type": "kafka_topics", "topics": [
            {"name": "riders", "replicaInfo": [1]}, {"name": "orders-v1", "replicaInfo": [1]}]}]},
        {"match": "SHOW QUERIES", "entities": [{"@type": "queries", "queries": [CTAS]}]},
        {"match": "SHOW FUNCTIONS", "entities": [{"@type": "function_names", "functions": [
            {"name": "ABS", "type": "SCALAR", "category": "MATHEMATICAL"},
            {"name": "MY_GEOHASH", "type": "SCALAR", "category": "OTHER"}]}]},
        {"match": "DESCRIBE FUNCTION MY_GEOHASH", "entities": [{
            "@type": "describe_function", "name": "MY_GEOHASH", "description": "Geohash of a point.",
            "author": "me", "version": "1.0", "path": "ext/geo.jar", "type": "SCALAR", "functions": [{
                "arguments": [{"name": "lat", "type": "DOUBLE", "description": "", "isVariadic": False},
                              {"name": "lon", "type": "DOUBLE", "description": "", "isVariadic": False}],
                "returnType": "STRING", "description": "Geohash of a point.", "argumentTypes": ["DOUBLE", "DOUBLE"]}]}]},
    ]


@pytest.fixture(scope="module")
def server():
    with fake("current", scenario=with_defaults(statements=catalog_statements())) as s:
        yield s


@pytest.fixture
def kc(server):
    set_scenario(server, with_defaults(statements=catalog_statements()))
    with kernel_env(server.url) as kc:
        yield kc


def complete(kc, code, cursor=None):
    """(content of the complete_reply, seconds it took)."""
    started = time.monotonic()
    msg_id = kc.complete(code, len(code) if cursor is None else cursor)
    reply = kc.get_shell_msg(timeout=10)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=10)
    return reply["content"], time.monotonic() - started


def matches(kc, code, want=None, timeout=5.0, cursor=None):
    """The completion at the end of `code` (or `cursor`); with `want`, retried until it is
    among the matches (the catalog loads in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        content, _ = complete(kc, code, cursor)
        if want is None or want in content["matches"] or time.monotonic() > deadline:
            return content
        time.sleep(0.05)


def types(content):
    return {i["text"]: i["type"] for i in content["metadata"]["_jupyter_types_experimental"]}


def inspect(kc, code, cursor=None):
    msg_id = kc.inspect(code, len(code) if cursor is None else cursor)
    reply = kc.get_shell_msg(timeout=10)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=10)
    return reply["content"]


def test_sources_columns_aliases_and_struct_fields(kc):
    c = matches(kc, "SELECT * FROM ", "RIDERS")
    assert c["status"] == "ok"
    assert types(c)["RIDERS"] == "stream" and types(c)["ORDERS"] == "table"
    assert (c["cursor_start"], c["cursor_end"]) == (14, 14)
    # Case follows the user.
    assert matches(kc, "select * from or")["matches"] == ["orders"]
    c = matches(kc, "SELECT  FROM orders o", cursor=7)
    assert c["matches"][:3] == ["ORDER_ID", "AMOUNT", "ADDRESS"]
    assert types(c)["AMOUNT"] == "column"
    sig = {i["text"]: i.get("signature") for i in c["metadata"]["_jupyter_types_experimental"]}
    assert sig["ORDER_ID"] == "BIGINT KEY"
    assert types(c)["ABS"] == "function"
    c = matches(kc, "select o. from orders o join riders r on o.x = r.id", cursor=9)
    assert c["matches"] == ["order_id", "amount", "address"]
    c = matches(kc, "SELECT r.s FROM orders o JOIN riders r ON o.x = r.id", cursor=10)
    assert c["matches"] == ["speed"]
    assert matches(kc, "SELECT o.ADDRESS-> FROM orders o", cursor=18)["matches"] == ["STREET", "CITY", "GEO"]
    assert matches(kc, "SELECT address->geo->l FROM orders", cursor=22)["matches"] == ["lat", "lon"]
    # Only streams after DROP STREAM; only what is valid after SHOW.
    assert matches(kc, "DROP STREAM ")["matches"] == ["RIDERS", "IF"]
    assert matches(kc, "SHOW ST")["matches"] == ["STREAMS"]
    c = matches(kc, "SELECT * FROM orders ")
    assert {"WHERE", "EMIT", "JOIN", "LIMIT"} <= set(c["matches"]) and "SELECT" not in c["matches"]


def test_topics_queries_functions_properties_variables_magics(kc):
    c = matches(kc, "PRINT ", "riders")
    assert c["matches"] == ["'orders-v1'", "riders"] and set(types(c).values()) == {"topic"}
    assert matches(kc, "PRINT 'ord")["matches"] == ["orders-v1'"]
    c = matches(kc, "TERMINATE ")
    assert c["matches"] == ["CTAS_ORDERS_BY_CITY_7", "ALL"] and types(c)["CTAS_ORDERS_BY_CITY_7"] == "query"
    # A user-defined function, with the signature from DESCRIBE FUNCTION (fetched in the background).
    deadline = time.monotonic() + 5
    while True:
        c = matches(kc, "SELECT my_g", "my_geohash")
        item = next(i for i in c["metadata"]["_jupyter_types_experimental"] if i["text"] == "my_geohash")
        if item.get("signature") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert item["type"] == "function" and item["signature"] == "MY_GEOHASH(lat DOUBLE, lon DOUBLE) -> STRING"
    c = matches(kc, "SET 'auto.off")
    assert c["matches"] == ["auto.offset.reset'"] and types(c)["auto.offset.reset'"] == "property"
    ok(kc, "DEFINE home = 'h1';")
    c = matches(kc, "SELECT * FROM riders WHERE id = '${ho")
    assert c["matches"] == ["home}"] and types(c)["home}"] == "variable"
    c = matches(kc, "%pu")
    assert c["matches"] == ["%push"] and types(c)["%push"] == "magic"
    assert "--background" in matches(kc, "%push --")["matches"]
    assert matches(kc, "%push --mode c")["matches"] == ["changelog"]
    assert "%refresh" in matches(kc, "%re")["matches"]


def test_nothing_inside_strings_and_comments(kc):
    matches(kc, "SELECT * FROM ", "RIDERS")
    for code in ["SELECT * FROM riders WHERE id = 'RI", "SELECT * FROM riders -- RI", "SELECT /* FROM RI"]:
        c, _ = complete(kc, code)
        n = len(code)
        assert c["status"] == "ok" and c["matches"] == [] and c["cursor_end"] == n, code


def test_catalog_refreshes_after_a_statement_that_changes_it(server, kc):
    assert "ORDERS" in matches(kc, "SELECT * FROM ", "ORDERS")["matches"]
    new = description("NEW_ONE", "STREAM", "new", [field("X", "INTEGER")])
    set_scenario(server, with_defaults(statements=catalog_statements(streams=(RIDERS, new))))
    ok(kc, "CREATE STREAM NEW_ONE (X INT) WITH (KAFKA_TOPIC='new', VALUE_FORMAT='JSON');")
    assert matches(kc, "SELECT * FROM NEW", "NEW_ONE", timeout=3)["matches"] == ["NEW_ONE"]
    # %refresh reloads on demand.
    set_scenario(server, with_defaults(statements=catalog_statements(streams=(RIDERS,), tables=())))
    outputs = ok(kc, "%refresh")
    assert "1 streams, 0 tables" in outputs[0]["content"]["data"]["text/plain"]
    assert matches(kc, "SELECT * FROM ")["matches"][0] == "RIDERS"
    assert "ORDERS" not in matches(kc, "SELECT * FROM ")["matches"]


def test_servers_without_extended_lists_describe_on_demand():
    # The default scenario has no SHOW STREAMS EXTENDED: the statement's sources get a DESCRIBE.
    with fake("current") as server, kernel_env(server.url) as kc:
        deadline = time.monotonic() + 5
        while True:
            c, _ = complete(kc, "SELECT  FROM riders", cursor=7)
            if "LAT" in c["matches"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert c["matches"][:4] == ["ID", "LAT", "LON", "SPEED"]
        assert "RIDER_COUNTS" in matches(kc, "SELECT * FROM R")["matches"]


def test_completion_is_fast_and_works_while_a_push_query_runs(server, kc):
    matches(kc, "SELECT * FROM ", "RIDERS")
    msg_id = kc.execute("SELECT * FROM RIDERS EMIT CHANGES;")
    time.sleep(0.5)
    timings = []
    for _ in range(10):
        c, took = complete(kc, "SELECT * FROM ")
        assert "RIDERS" in c["matches"]
        timings.append(took)
    assert max(timings) < 0.2, timings
    # The query is still running; stop it.
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    assert kc.get_control_msg(timeout=10)["msg_type"] == "interrupt_reply"
    reply = kc.get_shell_msg(timeout=10)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "ok"


def test_completion_without_a_reachable_server_answers_at_once():
    with kernel_env(f"http://127.0.0.1:{free_port()}") as kc:
        for _ in range(3):
            c, took = complete(kc, "SELECT * FROM riders WHERE sp")
            assert c["status"] == "ok" and took < 0.5
        assert complete(kc, "SEL")[0]["matches"] == ["SELECT"]


def test_inspect_sources_columns_functions_keywords(kc):
    matches(kc, "SELECT * FROM ", "ORDERS")
    r = inspect(kc, "SELECT * FROM orders", 17)
    assert r["found"]
    plain, html = r["data"]["text/plain"], r["data"]["text/html"]
    for text in ["ORDER_ID", "BIGINT", "AMOUNT", "orders-v1", "JSON", "CTAS_ORDERS_BY_CITY_7"]:
        assert text in plain, (text, plain)
    assert "<table" in html
    r = inspect(kc, "SELECT o.amount FROM orders o", 12)
    assert r["found"] and r["data"]["text/plain"].startswith("AMOUNT DOUBLE")
    assert "table ORDERS" in r["data"]["text/plain"]
    r = inspect(kc, "SELECT address->geo->lat FROM orders", 23)
    assert r["data"]["text/plain"].startswith("ADDRESS->GEO->LAT DOUBLE")
    # Functions: DESCRIBE FUNCTION from the server.
    r = inspect(kc, "SELECT my_geohash(lat, lon) FROM riders", 10)
    assert r["found"] and "Geohash of a point." in r["data"]["text/plain"]
    assert "MY_GEOHASH" in r["data"]["text/plain"]
    r = inspect(kc, "SELECT ABS(speed) FROM riders", 9)
    assert "Returns the absolute value of its argument." in r["data"]["text/plain"]
    # A function the server does not describe falls back to the built-in table.
    r = inspect(kc, "SELECT LATEST_BY_OFFSET(x) FROM riders", 10)
    assert r["found"] and "aggregate function" in r["data"]["text/plain"]
    r = inspect(kc, "SELECT * FROM riders EMIT CHANGES", 23)
    assert r["found"] and "push query" in r["data"]["text/plain"]
    assert "docs.ksqldb.io" in r["data"]["text/html"]
    r = inspect(kc, "TERMINATE CTAS_ORDERS_BY_CITY_7;", 14)
    assert r["found"] and "CREATE TABLE ORDERS_BY_CITY" in r["data"]["text/plain"]
    assert inspect(kc, "SELECT 'riders'", 10)["found"] is False


def test_is_complete_with_indent(kc):
    def check(code):
        kc.is_complete(code)
        return kc.get_shell_msg(timeout=10)["content"]
    assert check("SHOW STREAMS;") == {"status": "complete"}
    assert check("SELECT *\nFROM riders") == {"status": "incomplete", "indent": "    "}
    assert check("CREATE STREAM s (\n    id INT,") == {"status": "incomplete", "indent": "    "}
    assert check("SELECT ROUND(ABS((x") == {"status": "incomplete", "indent": " " * 12}
    assert check("SELECT 'it''s") == {"status": "incomplete", "indent": ""}
    assert check("/* open") == {"status": "incomplete", "indent": ""}
    assert check("%help") == {"status": "complete"}


def test_history_across_a_restart(server):
    path = os.path.join(tempfile.mkdtemp(prefix="ksqldb-history-"), "history.jsonl")

    def history(kc, **kwargs):
        kc.history(raw=True, output=False, **kwargs)
        return kc.get_shell_msg(timeout=10)["content"]["history"]

    with kernel_env(server.url, KSQLDB_KERNEL_HISTORY=path) as kc:
        execute(kc, "%echo first")
        execute(kc, "SHOW STREAMS;")
        first = history(kc, hist_access_type="tail", n=10)
        assert [h[2] for h in first] == ["%echo first", "SHOW STREAMS;"]
        session = first[0][0]
    with kernel_env(server.url, KSQLDB_KERNEL_HISTORY=path) as kc:
        execute(kc, "%echo second")
        tail = history(kc, hist_access_type="tail", n=10)
        assert [(h[0], h[1], h[2]) for h in tail] == [
            (session, 1, "%echo first"), (session, 2, "SHOW STREAMS;"), (session + 1, 1, "%echo second")]
        # The previous session by relative or absolute number, this one by 0.
        assert [h[2] for h in history(kc, hist_access_type="range", session=-1, start=1)] == [
            "%echo first", "SHOW STREAMS;"]
        assert len(history(kc, hist_access_type="range", session=session, start=1, stop=2)) == 1
        assert [h[2] for h in history(kc, hist_access_type="range", session=0, start=1)] == ["%echo second"]
        assert [h[2] for h in history(kc, hist_access_type="search", pattern="%echo*")] == [
            "%echo first", "%echo second"]
