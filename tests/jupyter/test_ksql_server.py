"""The kernel against fake ksqlDB servers of every generation: which endpoint and HTTP
version it picks after reading /info, what it sends (Accept, bodies), and the exact values
of pull and push results (DECIMAL spelling, NULL vs 'null', tombstones, HTML escaping)."""
import json
import urllib.error
import urllib.request

import pytest

from harness import texts
from ksql_helpers import (all_text, body, fake, final_frame, kernel_env, num, ok, one_result, query_requests,
                          result_bundle, strip_ansi, with_defaults, no_backtrace)

V1 = "application/vnd.ksql.v1+json"
DELIMITED = "application/vnd.ksqlapi.delimited.v1"

COLUMNS = [{"name": "ID", "type": "STRING", "key": True}, {"name": "PRICE", "type": "DECIMAL(10, 2)"},
           {"name": "NOTE", "type": "STRING"}]
ROWS = [["a<b>&", num("4.50"), None], ["k2", num("0.10"), "null"], ["k3", num("100.00"), "<i>x</i>"]]
PUSH_ROWS = [ROWS[0], {"columns": ["k2", None, None], "tombstone": True}, ROWS[2], ["k4", num("1.00"), "four"]]
QUERIES = [
    {"match": "SELECT * FROM PRICES", "source": "PRICES", "push": False, "table": True,
     "columns": COLUMNS, "rows": ROWS},
    {"match": "SELECT * FROM PRICES EMIT CHANGES LIMIT 3", "source": "PRICES", "push": True, "table": True,
     "columns": COLUMNS, "rows": PUSH_ROWS},
]
PULL = "SELECT * FROM PRICES;"
PUSH = "SELECT * FROM PRICES EMIT CHANGES LIMIT 3;"

# (generation, version) → (query path, HTTP version, Accept, tombstones sent, "Limit Reached" sent)
GENERATIONS = {
    ("jetty", "0.7.1"): ("/query", "HTTP/1.1", V1, False, True),
    ("http2", "0.10.0"): ("/query-stream", "HTTP/2.0", DELIMITED, False, False),
    ("http2", "0.14.0"): ("/query-stream", "HTTP/2.0", DELIMITED, False, False),
    ("http2", "6.0.0"): ("/query-stream", "HTTP/2.0", DELIMITED, False, False),
    ("http2", "0.15.0"): ("/query", "HTTP/1.1", V1, True, True),
    ("http2", "0.23.1"): ("/query", "HTTP/1.1", V1, True, True),
    ("current", "0.29.0"): ("/query-stream", "HTTP/1.1", V1, True, True),
    ("current", "7.5.0"): ("/query-stream", "HTTP/1.1", V1, True, True),
}


@pytest.mark.parametrize("generation,version", list(GENERATIONS), ids=[f"{g}-{v}" for g, v in GENERATIONS])
def test_generation_routes_and_results(generation, version):
    path, http, accept, tombstones, limit_message = GENERATIONS[(generation, version)]
    with fake(generation, version, with_defaults(QUERIES)) as server, kernel_env(server.url) as kc:
        pull = ok(kc, PULL)
        # The tail view keeps every row in arrival order, tombstones included.
        push = ok(kc, "%push --mode tail\n" + PUSH)

        # The connection test runs first: GET /info, then /healthcheck; the banner shows the version.
        log = server.requests()
        assert [(r["method"], r["path"]) for r in log[:2]] == [("GET", "/info"), ("GET", "/healthcheck")]
        banner = strip_ansi(texts(pull))
        assert "Connected to ksqlDB" in banner and version in banner
        assert path in banner  # "Queries via: /query-stream over HTTP/2 ..."

        # Both queries took the route this version needs, with an explicit Accept.
        queries = query_requests(server)
        assert [(r["path"], r["http_version"]) for r in queries] == [(path, http)] * 2, queries
        assert all(r["headers"].get("accept") == accept for r in queries)
        for r, sql in zip(queries, [PULL, PUSH]):
            sent = body(r)
            if path == "/query":
                assert sent == {"ksql": sql, "streamsProperties": {}}
            else:
                assert sent == {"sql": sql, "properties": {}}

        # Pull: exact values; DECIMAL keeps its scale, NULL differs from 'null'.
        result = one_result(pull)
        assert result["rows"] == [["a<b>&", 4.5, None], ["k2", 0.1, "null"], ["k3", 100.0, "<i>x</i>"]]
        assert result["total_rows"] == 3
        assert [c["name"] for c in result["columns"]] == ["ID", "PRICE", "NOTE"]
        assert result["columns"][1]["type"] == "DECIMAL(10, 2)"
        plain = result_bundle(pull)["text/plain"]
        assert "4.50" in plain and "0.10" in plain and "100.00" in plain
        assert "| NULL " in plain and "| null " in plain

        # Push with LIMIT: tombstones where this server sends them.
        result = one_result(push)
        if tombstones:
            assert result["rows"] == [["a<b>&", 4.5, None], ["k2", None, None], ["k3", 100.0, "<i>x</i>"]]
            assert result["tombstones"] == [1]
            assert "<TOMBSTONE>" in result_bundle(push)["text/plain"]
        else:
            # Dropped by the server; it still counts toward the LIMIT.
            assert result["rows"] == [["a<b>&", 4.5, None], ["k3", 100.0, "<i>x</i>"]]
            assert "tombstones" not in result
        assert result.get("final_message") == ("Limit Reached" if limit_message else None)
        # Old servers' placeholder id "none" is not shown as a query id.
        assert result.get("query_id") != "none"
        assert "query id none" not in all_text(pull + push)
        assert server.active_queries() == []


def test_every_request_has_an_explicit_accept_header():
    with fake("current") as server, kernel_env(server.url) as kc:
        ok(kc, "SHOW STREAMS;")
        ok(kc, "SELECT * FROM RIDERS LIMIT 2;")
        ok(kc, "PRINT 'riders' LIMIT 2;")
        ok(kc, "SELECT * FROM RIDERS EMIT CHANGES LIMIT 2;")
        log = server.requests()
        assert {r["path"] for r in log} >= {"/info", "/healthcheck", "/ksql", "/query", "/query-stream"}
        for r in log:
            accept = r["headers"].get("accept")
            assert accept and "*/*" not in accept, r


def test_jetty_server_claiming_a_new_version_falls_back_from_query_stream_with_a_note():
    """A server whose /info says 0.29 but that has no /query-stream (answers 404 40400): the
    kernel explains, uses /query, and remembers."""
    with fake("jetty", "0.29.0", with_defaults(QUERIES)) as server, kernel_env(server.url) as kc:
        first = ok(kc, PULL)
        assert one_result(first)["rows"][0] == ["a<b>&", 4.5, None]
        note = all_text(first)
        assert "no /query-stream" in note and "/query over HTTP/1.1" in note
        second = ok(kc, PULL)
        assert "no /query-stream" not in all_text(second)
        assert [r["path"] for r in query_requests(server)] == ["/query-stream", "/query", "/query"]


def test_print_over_query_on_every_generation():
    for generation in ("jetty", "http2", "current"):
        with fake(generation) as server, kernel_env(server.url) as kc:
            out = ok(kc, "PRINT 'riders' FROM BEGINNING LIMIT 2;")
            # A live table like a push query's: its final frame has the two records.
            final = strip_ansi(final_frame(out)["text/plain"])
            assert "✓ completed" in final and "2 rows" in final, final
            assert "| ROWTIME" in final and "PARTITION |" in final
            assert "| r1 " in final and "| r2 " in final
            assert "Key format: KAFKA_STRING" in final  # shown, but not counted as a record
            (r,) = [r for r in server.requests() if r["path"] == "/query"]
            assert r["http_version"] == "HTTP/1.1"
            assert body(r)["ksql"] == "PRINT 'riders' FROM BEGINNING LIMIT 2;"


def test_html_escapes_every_value_and_marks_null():
    with fake("current", scenario=with_defaults(QUERIES)) as server, kernel_env(server.url) as kc:
        out = ok(kc, PULL)
        html = result_bundle(out)["text/html"]
        assert "<i>x</i>" not in html and "&lt;i&gt;x&lt;/i&gt;" in html
        assert "a<b>&" not in html and "a&lt;b&gt;&amp;" in html
        assert ">NULL</span>" in html  # the styled NULL marker...
        assert html.count(">NULL</span>") == 1  # ...only for the real NULL, not for 'null'
        assert ">4.50<" in html or "4.50" in html
        no_backtrace(all_text(out))


def test_statement_entities_and_show_streams():
    with fake("current") as server, kernel_env(server.url) as kc:
        out = ok(kc, "SHOW STREAMS;")
        assert "RIDERS" in strip_ansi(texts(out))
        out = ok(kc, "CREATE STREAM s1 (ID INT) WITH (kafka_topic='t', value_format='JSON');")
        assert "Stream created" in strip_ansi(texts(out))
        (r,) = [r for r in server.requests() if r["path"] == "/ksql" and "CREATE" in r["body"]]
        assert r["headers"]["accept"] == V1 and r["http_version"] == "HTTP/1.1"
        assert body(r)["ksql"].startswith("CREATE STREAM s1")
        assert body(r)["streamsProperties"] == {}


# (generation, version) → whether the server's grammar has EXTENDED after the name: ksqlDB 0.16
# (first released in 0.17 / CP 6.2) moved it there and refuses the old order.
DESCRIBE_ORDER = {("jetty", "0.7.1"): False, ("http2", "0.15.0"): False, ("http2", "6.1.0"): False,
                  ("http2", "0.17.0"): True, ("current", "7.3.0"): True, ("current", "0.29.0"): True}


@pytest.mark.parametrize("generation,version", list(DESCRIBE_ORDER), ids=[f"{g}-{v}" for g, v in DESCRIBE_ORDER])
def test_describe_extended_works_in_either_order_on_every_generation(generation, version):
    after = DESCRIBE_ORDER[(generation, version)]
    servers_order, other_order = "DESCRIBE RIDERS EXTENDED;", "DESCRIBE EXTENDED RIDERS;"
    if not after:
        servers_order, other_order = other_order, servers_order
    with fake(generation, version) as server, kernel_env(server.url) as kc:
        # The server itself refuses the other order, with its version's parse error.
        refused = _post_ksql(server, other_order)
        assert refused["error_code"] == 40001 and refused["message"].startswith("line 1:"), refused
        for written in (servers_order, other_order):
            server.reset()
            out = ok(kc, written)
            sent = [body(r)["ksql"] for r in server.requests() if r["path"] == "/ksql"]
            assert sent == [servers_order], sent
            shown = strip_ansi(texts(out))
            assert "messages-per-sec" in shown, shown  # the extended description
            note = f"Sent as {servers_order.rstrip(';')}: this server"
            assert (note in shown) == (written == other_order), shown


def _post_ksql(server, sql):
    req = urllib.request.Request(server.url + "/ksql", data=json.dumps({"ksql": sql}).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Accept": V1})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())
