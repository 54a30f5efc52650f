"""Faults: a refused connection, 401, 500, a stream cut mid-row, malformed JSON, a mid-stream
error and a stalled server. Each ends in a clear Jupyter error (no hang, no Rust backtrace)
and the next cell works."""
import time

import pytest

from ksql_helpers import (all_text, error_text, fail, fake, free_port, kernel_env, ok, one_result,
                          query_requests, results, with_defaults, no_backtrace)

COLUMNS = [{"name": "ID", "type": "STRING"}, {"name": "N", "type": "INTEGER"}]
ROWS = [["a", 1], ["b", 2], ["c", 3]]


def faulty(name, kind, after_rows=1, push=False, **fault):
    return {"match": f"SELECT * FROM {name}" + (" EMIT CHANGES" if push else ""), "source": name, "push": push,
            "columns": COLUMNS, "rows": ROWS, "end": "hang" if push else "complete",
            "fault": dict(after_rows=after_rows, kind=kind, **fault)}


QUERIES = [
    faulty("CUT", "cut", after_rows=2),
    faulty("BAD", "malformed"),
    faulty("ERR", "error", message="boom <in the stream>", error_code=50000),
    faulty("STALL", "stall"),
    faulty("CUT", "cut", after_rows=2, push=True),
    faulty("BAD", "malformed", push=True),
    faulty("STALL", "stall", push=True, after_rows=0),
]
STATEMENTS = [
    {"match": "SHOW BOOM", "error": {"status": 500, "body": {"@type": "generic_error", "error_code": 50000,
                                                             "message": "Internal <b>server</b> error"}}},
    {"match": "SHOW SLOWER", "delay_ms": 8000, "entities": []},
]
SERVERS = [("jetty", "0.7.1"), ("http2", "0.14.0"), ("http2", "0.15.0"), ("current", "0.29.0")]


@pytest.fixture(scope="module", params=SERVERS, ids=[f"{g}-{v}" for g, v in SERVERS])
def faulty_kernel(request):
    """One kernel per server generation for all fault tests: each test also checks that the
    kernel goes on working after its fault."""
    generation, version = request.param
    with fake(generation, version, with_defaults(QUERIES, STATEMENTS)) as server, kernel_env() as kc:
        ok(kc, f"%connect {server.url} --timeout 1")
        yield server, kc


def works_afterwards(kc):
    out = ok(kc, "SELECT * FROM RIDERS LIMIT 1;")
    assert one_result(out)["rows"][0][0] == "r1"


def timed_fail(kc, code, within):
    started = time.monotonic()
    reply, outputs, err = fail(kc, code, timeout=within + 10)
    elapsed = time.monotonic() - started
    assert elapsed < within, f"{code} took {elapsed:.1f} s"
    text = error_text(err)
    no_backtrace(all_text(outputs))
    return outputs, err, text


def test_cut_pull_stream(faulty_kernel):
    server, kc = faulty_kernel
    outputs, err, text = timed_fail(kc, "SELECT * FROM CUT;", 5)
    assert err["ename"].startswith("KsqlError")
    assert "cut" in text or "ended in the middle of a row" in text
    assert "SELECT * FROM CUT;" in text  # the failing statement
    assert "Received:" in text  # what arrived of the cut row
    # The rows that arrived before the cut are shown.
    (partial,) = results(outputs)
    assert partial["rows"] == [["a", 1], ["b", 2]]
    works_afterwards(kc)


def test_cut_push_stream(faulty_kernel):
    server, kc = faulty_kernel
    outputs, err, text = timed_fail(kc, "SELECT * FROM CUT EMIT CHANGES;", 5)
    assert "ended in the middle of a row" in text or "cut" in text
    assert results(outputs)[0]["rows"] == [["a", 1], ["b", 2]]
    works_afterwards(kc)


def test_malformed_pull_stream_shows_what_arrived(faulty_kernel):
    server, kc = faulty_kernel
    outputs, err, text = timed_fail(kc, "SELECT * FROM BAD;", 5)
    assert "malformed" in text.lower(), text
    assert "garbage" in text, "the error should show what arrived"
    works_afterwards(kc)


def test_malformed_push_stream_does_not_hang(faulty_kernel):
    """The push query stays open after the garbage: the kernel must still end the cell."""
    server, kc = faulty_kernel
    outputs, err, text = timed_fail(kc, "SELECT * FROM BAD EMIT CHANGES;", 5)
    assert "malformed" in text.lower(), text
    assert "garbage" in text
    deadline = time.monotonic() + 5
    while server.active_queries() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.active_queries() == []  # the kernel let go of the query
    works_afterwards(kc)


def test_mid_stream_error(faulty_kernel):
    server, kc = faulty_kernel
    outputs, err, text = timed_fail(kc, "SELECT * FROM ERR;", 5)
    assert err["ename"] == "KsqlError 50000"
    assert "boom <in the stream>" in err["evalue"]
    assert results(outputs)[0]["rows"] == [["a", 1]]
    works_afterwards(kc)


def test_stalled_pull_query_times_out(faulty_kernel):
    server, kc = faulty_kernel
    outputs, err, text = timed_fail(kc, "SELECT * FROM STALL;", 4)
    assert "Timeout" in err["ename"] or "timed out" in text
    works_afterwards(kc)


def test_stalled_statement_times_out(faulty_kernel):
    server, kc = faulty_kernel
    outputs, err, text = timed_fail(kc, "SHOW SLOWER;", 4)
    assert "timed out after 1 s" in text
    assert "SHOW SLOWER;" in text
    works_afterwards(kc)


def test_server_error_500(faulty_kernel):
    server, kc = faulty_kernel
    outputs, err, text = timed_fail(kc, "SHOW BOOM;", 5)
    assert err["ename"] == "KsqlError 50000"
    assert err["evalue"] == "Internal <b>server</b> error"
    assert "SHOW BOOM;" in text
    works_afterwards(kc)


def test_stalled_push_query_header_times_out():
    """A push query whose header never comes: the request timeout ends it."""
    with fake("current", scenario=with_defaults([{"match": "SELECT * FROM SLOWHDR EMIT CHANGES", "push": True,
                                                   "columns": COLUMNS, "rows": ROWS, "delay_ms": 20000}])) as server, \
            kernel_env() as kc:
        ok(kc, f"%connect {server.url} --timeout 2")
        outputs, err, text = timed_fail(kc, "SELECT * FROM SLOWHDR EMIT CHANGES;", 6)
        assert "timed out" in text
        works_afterwards(kc)


def test_refused_connection_names_the_url_and_then_recovers():
    port = free_port()
    with kernel_env(f"http://127.0.0.1:{port}") as kc:
        outputs, err, text = timed_fail(kc, "SHOW STREAMS;", 10)
        assert err["ename"] == "ConnectionError"
        assert f"127.0.0.1:{port}" in err["evalue"]
        assert "Hint" in text or "hint" in text.lower()
        # %connect to a refused port, with a short timeout: the same clear error.
        outputs, err, text = timed_fail(kc, f"%connect http://127.0.0.1:{port} --timeout 2", 10)
        assert err["ename"] == "ConnectionError" and f"127.0.0.1:{port}" in err["evalue"]
        with fake("current") as server:
            ok(kc, f"%connect {server.url} --timeout 2")
            works_afterwards(kc)


def test_unauthorized_without_credentials_says_how_to_log_in():
    with fake("current", extra=["--basic", "KEY:SECRET"]) as server, kernel_env(server.url) as kc:
        outputs, err, text = timed_fail(kc, "SHOW STREAMS;", 10)
        assert err["ename"] == "ConnectionError"
        assert "401" in text
        assert "--prompt" in text  # how to give credentials
        assert [r["path"] for r in server.requests()] == ["/info"]


def test_unauthorized_with_wrong_secret_says_wrong_or_not_active():
    with fake("current", extra=["--basic", "KEY:SECRET"]) as server, \
            kernel_env(WRONG="not-the-secret", RIGHT="SECRET") as kc:
        outputs, err, text = timed_fail(kc, f"%connect {server.url} --api-key KEY --api-secret-env WRONG --timeout 2", 10)
        assert "401" in text
        assert "wrong" in text and "not active yet" in text
        assert "not-the-secret" not in all_text(outputs)
        (r,) = server.requests()
        assert r["headers"]["authorization"].startswith("Basic ")
        # The next cell works once the secret is right.
        ok(kc, f"%connect {server.url} --api-key KEY --api-secret-env RIGHT --timeout 2")
        works_afterwards(kc)
