"""Session behaviour over the wire: multi-statement cells, SET/UNSET (streamsProperties /
properties), DEFINE (sessionVariables or client-side substitution), SHOW PROPERTIES /
VARIABLES, RUN SCRIPT, and %connect with credentials (env var, password prompt, bearer)
whose secrets never reach an output; a failed %connect leaves the session unconnected."""
import base64
import contextlib

import pytest

import faultkit
from harness import texts
from ksql_helpers import (all_text, body, error_text, fail, fake, free_port, kernel_env, ok, one_result,
                          query_requests, run, strip_ansi, with_defaults)
from test_editor import matches

SHOW_PROPERTIES = {"match": "SHOW PROPERTIES", "entities": [{
    "@type": "properties", "properties": [
        {"name": "ksql.streams.auto.offset.reset", "scope": "KSQL", "value": "latest"}],
    "overwrittenProperties": [], "defaultProperties": []}]}


def ksql_bodies(server):
    return [body(r) for r in server.requests() if r["path"] == "/ksql"]


@pytest.fixture(scope="module")
def current():
    with fake("current", scenario=with_defaults(statements=[SHOW_PROPERTIES])) as server:
        yield server


@pytest.fixture
def kc(current):
    current.reset()
    with kernel_env(current.url) as kc:
        ok(kc, "SHOW STREAMS;")  # connect
        current.reset()
        yield kc


def test_multi_statement_cell_stops_at_the_first_error(current, kc):
    code = ("CREATE STREAM one (ID INT) WITH (kafka_topic='one', value_format='JSON');\n"
            "CREATE STREAM BAD (ID INT) WITH (kafka_topic='bad', value_format='JSON');\n"
            "CREATE STREAM three (ID INT) WITH (kafka_topic='three', value_format='JSON');")
    reply, outputs, err = fail(kc, code)
    # The first statement has its own output; the error names the second.
    shown = [m for m in outputs if m["msg_type"] in ("display_data", "execute_result")]
    assert len(shown) == 1 and "Stream created" in strip_ansi(texts(shown))
    text = error_text(err)
    assert "already exists" in text
    assert "CREATE STREAM BAD" in text
    assert "statement 2 of 3 (line 2)" in text
    # One statement per request, and the third was never sent.
    sent = [b["ksql"] for b in ksql_bodies(current)]
    assert len(sent) == 2 and sent[0].startswith("CREATE STREAM one") and sent[1].startswith("CREATE STREAM BAD")
    assert not any("three" in s for s in sent)


def test_each_statement_gets_its_own_output(current, kc):
    outputs = ok(kc, "SHOW STREAMS; SHOW TABLES;\nSELECT * FROM RIDERS LIMIT 1;")
    kinds = [m["msg_type"] for m in outputs if m["msg_type"] in ("display_data", "execute_result")]
    assert kinds == ["display_data", "display_data", "execute_result"]
    assert one_result(outputs)["rows"][0][0] == "r1"


def test_set_is_sent_with_every_request_and_unset_removes_it(current, kc):
    ok(kc, "SET 'auto.offset.reset' = 'earliest';")
    assert ksql_bodies(current) == []  # kept client-side
    ok(kc, "SELECT * FROM RIDERS LIMIT 1;")
    ok(kc, "SHOW STREAMS;")
    (q,) = query_requests(current)
    assert q["path"] == "/query-stream" and body(q)["properties"] == {"auto.offset.reset": "earliest"}
    (k,) = ksql_bodies(current)
    assert k["streamsProperties"] == {"auto.offset.reset": "earliest"}
    # SHOW PROPERTIES shows the server's and the local ones.
    props = strip_ansi(texts(ok(kc, "SHOW PROPERTIES;")))
    assert "ksql.streams.auto.offset.reset" in props and "auto.offset.reset" in props and "earliest" in props
    ok(kc, "UNSET 'auto.offset.reset';")
    current.reset()
    ok(kc, "SELECT * FROM RIDERS LIMIT 1;")
    (q,) = query_requests(current)
    assert body(q)["properties"] == {}


def test_set_on_query_endpoint_uses_streams_properties():
    with fake("http2", "0.15.0") as server, kernel_env(server.url) as kc:
        ok(kc, "SET 'auto.offset.reset' = 'earliest';\nSELECT * FROM RIDERS LIMIT 1;")
        (q,) = query_requests(server)
        assert q["path"] == "/query"
        assert body(q)["streamsProperties"] == {"auto.offset.reset": "earliest"}
        assert "sessionVariables" not in body(q)


def test_define_sends_session_variables_on_current(current, kc):
    ok(kc, "DEFINE topic = 'orders';")
    assert ksql_bodies(current) == []
    ok(kc, "CREATE STREAM s_${topic} (ID INT) WITH (kafka_topic='${topic}', value_format='JSON');")
    (k,) = ksql_bodies(current)
    assert k["ksql"] == "CREATE STREAM s_${topic} (ID INT) WITH (kafka_topic='${topic}', value_format='JSON');"
    assert k["sessionVariables"] == {"topic": "orders"}
    ok(kc, "SELECT * FROM RIDERS LIMIT 1;")
    (q,) = query_requests(current)
    assert body(q)["sessionVariables"] == {"topic": "orders"}
    variables = strip_ansi(texts(ok(kc, "SHOW VARIABLES;")))
    assert "topic" in variables and "orders" in variables
    ok(kc, "UNDEFINE topic;")
    current.reset()
    ok(kc, "SHOW STREAMS;")
    assert "sessionVariables" not in ksql_bodies(current)[0]


def test_define_is_substituted_client_side_before_0_18():
    with fake("http2", "0.15.0") as server, kernel_env(server.url) as kc:
        ok(kc, "DEFINE topic = 'orders';\n"
               "CREATE STREAM s (ID INT) WITH (kafka_topic='${topic}', value_format='JSON');")
        (k,) = [b for b in ksql_bodies(server) if b["ksql"].startswith("CREATE")]
        assert k["ksql"] == "CREATE STREAM s (ID INT) WITH (kafka_topic='orders', value_format='JSON');"
        assert "sessionVariables" not in k
        ok(kc, "DEFINE src = 'RIDERS';\nSELECT * FROM ${src} LIMIT 1;")
        (q,) = query_requests(server)
        assert body(q)["ksql"] == "SELECT * FROM RIDERS LIMIT 1;"


def test_run_script(current, kc, tmp_path):
    script = tmp_path / "setup.sql"
    script.write_text("-- a comment\nCREATE STREAM a1 (ID INT) WITH (kafka_topic='a1', value_format='JSON');\n\n"
                      "SET 'auto.offset.reset'='earliest';\n"
                      "CREATE STREAM a2 (ID INT)\n  WITH (kafka_topic='a2', value_format='JSON');\n")
    outputs = ok(kc, f"RUN SCRIPT '{script}';")
    text = strip_ansi(texts(outputs))
    assert "3 statements" in text and text.count("Stream created") == 2
    sent = ksql_bodies(current)
    assert len(sent) == 2
    assert "CREATE STREAM a1 (" in sent[0]["ksql"] and sent[0]["streamsProperties"] == {}
    assert sent[1]["ksql"].startswith("CREATE STREAM a2 (ID INT)\n  WITH")
    assert sent[1]["streamsProperties"] == {"auto.offset.reset": "earliest"}


def test_run_script_failure_names_the_file_and_statement(current, kc, tmp_path):
    script = tmp_path / "broken.sql"
    script.write_text("SHOW STREAMS;\nCREATE STREAM BAD (ID INT) WITH (kafka_topic='b', value_format='JSON');\nSHOW TABLES;\n")
    reply, outputs, err = fail(kc, f"RUN SCRIPT '{script}';")
    text = error_text(err)
    assert "broken.sql" in text and "statement 2 of 3" in text and "already exists" in text
    assert not any(b["ksql"].startswith("SHOW TABLES") for b in ksql_bodies(current))
    reply, outputs, err = fail(kc, f"RUN SCRIPT '{tmp_path}/missing.sql';")
    assert "missing.sql" in err["evalue"]


@pytest.fixture(scope="module")
def secured():
    with fake("current", extra=["--basic", "APIKEY123:s3cr3t-Secret"]) as server:
        yield server


def assert_basic(request, user, password):
    header = request["headers"]["authorization"]
    assert header == "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_connect_with_password_env_and_session_masks_it(current, secured):
    secured.reset()
    with kernel_env(current.url, KSQL_SECRET="s3cr3t-Secret") as kc:
        outputs = ok(kc, f"%connect {secured.url} --api-key APIKEY123 --api-secret-env KSQL_SECRET")
        outputs += ok(kc, "SHOW STREAMS;\nSELECT * FROM RIDERS LIMIT 1;")
        outputs += ok(kc, "%session")
        log = secured.requests()
        assert {r["path"] for r in log} >= {"/info", "/ksql", "/query-stream"}
        for r in log:
            if r["path"] != "/healthcheck":
                assert_basic(r, "APIKEY123", "s3cr3t-Secret")
        text = all_text(outputs)
        assert "s3cr3t-Secret" not in text
        assert base64.b64encode(b"APIKEY123:s3cr3t-Secret").decode() not in text
        session = strip_ansi(texts(outputs[-3:]))
        assert "APIKEY123" in session and "********" in session and secured.url in session
        # The first server was never asked anything after the switch.
        assert all("authorization" not in r["headers"] for r in current.requests())


def test_connect_prompts_for_the_password(secured):
    secured.reset()
    with kernel_env() as kc:
        msg_id = kc.execute(f"%connect {secured.url} --user APIKEY123 --prompt", allow_stdin=True)
        request = kc.get_stdin_msg(timeout=10)
        assert request["msg_type"] == "input_request"
        assert request["content"]["password"] is True
        assert "APIKEY123" in request["content"]["prompt"]
        kc.input("s3cr3t-Secret")
        reply = kc.get_shell_msg(timeout=15)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["status"] == "ok"
        outputs = ok(kc, "SELECT * FROM RIDERS LIMIT 1;")
        assert one_result(outputs)["rows"][0][0] == "r1"
        assert_basic(query_requests(secured)[0], "APIKEY123", "s3cr3t-Secret")
        assert "s3cr3t-Secret" not in all_text(outputs + ok(kc, "%session"))


def test_connect_prompt_without_stdin_is_a_clear_error(secured):
    with kernel_env() as kc:
        reply, outputs = run(kc, f"%connect {secured.url} --user APIKEY123 --prompt", allow_stdin=False)
        assert reply["status"] == "error"
        assert "--password-env" in texts(outputs)


def test_inline_secret_is_refused():
    with kernel_env() as kc:
        reply, outputs, err = fail(kc, "%connect http://127.0.0.1:1 --user u --password hunter2")
        assert "never go in cell text" in err["evalue"] or "never go in cell text" in error_text(err)


def test_bearer_token_from_env():
    with fake("current", extra=["--bearer", "tok-XYZ-123"]) as server, kernel_env(TOKEN_VAR="tok-XYZ-123") as kc:
        outputs = ok(kc, f"%connect {server.url} --token-env TOKEN_VAR")
        outputs += ok(kc, "SELECT * FROM RIDERS LIMIT 1;")
        outputs += ok(kc, "%session")
        assert query_requests(server)[0]["headers"]["authorization"] == "Bearer tok-XYZ-123"
        assert "tok-XYZ-123" not in all_text(outputs)


def _web_page(server, conn, request):
    faultkit.respond(conn, 200, "<html><body>Welcome</body></html>", "text/html")


@pytest.mark.parametrize("failure, restore", [
    ("unreachable", "previous"), ("auth", "sandbox"), ("not ksqlDB", "previous")])
def test_a_failed_connect_leaves_the_session_unconnected_until_a_connect_succeeds(current, secured, failure, restore):
    """A failed %connect never leaves the session silently on the previous server: statements
    fail, naming the URL that failed and how to retry, until a %connect succeeds."""
    secret = "Wr0ng-Secret-Value"
    with contextlib.ExitStack() as stack:
        kc = stack.enter_context(kernel_env(current.url, WRONG_SECRET=secret))
        ok(kc, "SHOW STREAMS;")  # connected to the first server
        if failure == "unreachable":
            url, options = f"http://127.0.0.1:{free_port()}", " --connect-timeout 2"
        elif failure == "auth":
            url, options = secured.url, " --api-key APIKEY123 --api-secret-env WRONG_SECRET"
        else:
            url, options = stack.enter_context(faultkit.RawServer(_web_page, info=False)).url, ""
        _, shown, err = fail(kc, f"%connect {url}{options}")
        said = error_text(err)
        assert f"Not connected: %connect {url} failed" in said and "%connect sandbox" in said, said
        current.reset()
        for statement in ("SHOW STREAMS;", "SELECT * FROM RIDERS LIMIT 1;", "SELECT * FROM RIDERS EMIT CHANGES;"):
            _, outputs, err = fail(kc, statement)
            said = error_text(err)
            assert err["ename"] == "NotConnected", said
            assert f"%connect {url} failed" in said and "%connect URL" in said and "%connect sandbox" in said, said
            shown += outputs
        assert current.requests() == [], "a statement went to the previous server"
        assert "RIDERS" not in matches(kc, "SELECT * FROM R")["matches"], "completion from the previous server"
        # What needs no server still works.
        shown += ok(kc, "%echo still here\nSET 'auto.offset.reset'='earliest';")
        session = ok(kc, "%session")
        assert f"not connected: %connect {url} failed" in strip_ansi(texts(session))
        shown += session
        assert secret not in all_text(shown)
        # A %connect that works restores the session.
        if restore == "sandbox":
            ok(kc, "%connect sandbox", timeout=60)
            ok(kc, "CREATE STREAM s (id INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
        else:
            ok(kc, f"%connect {current.url}")
            assert one_result(ok(kc, "SELECT * FROM RIDERS LIMIT 1;"))["rows"][0][0] == "r1"
        assert "not connected" not in strip_ansi(texts(ok(kc, "%session")))
