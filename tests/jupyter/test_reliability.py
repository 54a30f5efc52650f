"""Reliability (issue 9): no input wedges or kills the kernel. A panic in one request's
handler answers that request with an InternalError and every socket keeps serving; push
queries with non-ASCII text outside strings run; a replayed signed message does not run
twice."""
import os

from jupyter_client.manager import start_new_kernel

import harness
from faultkit import rss_mb
from ksql_helpers import fail, kernel_env, ok, run, texts


def sandbox_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQLDB_") or k.startswith("KSQLDB_KERNEL_")}
    env.update(extra)
    return env


def test_a_panic_answers_its_request_and_the_kernel_keeps_serving():
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=sandbox_env(KSQLDB_KERNEL_TEST_PANIC="1"),
                              startup_timeout=30)
    try:
        reply, outputs, err = fail(kc, "%__panic")
        assert err["ename"] == "InternalError"
        assert "report" in err["evalue"] and "keeps running" in err["evalue"]
        assert reply["ename"] == "InternalError"
        # The next cell, a completion and a panic in the completion handler: all answered.
        assert "10" in texts(ok(kc, "%rows 10\n%rows"))
        msg_id = kc.complete("%__panic", 8)
        reply = kc.get_shell_msg(timeout=10)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["msg_type"] == "complete_reply" and reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "InternalError"
        kc.complete("SEL", 3)
        reply = kc.get_shell_msg(timeout=10)
        assert reply["content"]["status"] == "ok" and "SELECT" in reply["content"]["matches"]
        assert kc.is_alive()
        assert "10" in texts(ok(kc, "%rows"))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_the_trigger_is_off_without_the_test_variable():
    os.environ.pop("KSQLDB_KERNEL_TEST_PANIC", None)
    with kernel_env() as kc:
        reply, outputs, err = fail(kc, "%__panic")
        assert err["ename"] != "InternalError" and "__panic" in err["evalue"], err


def test_push_queries_with_non_ascii_text_outside_strings():
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=sandbox_env(), startup_timeout=30)
    try:
        ok(kc, "CREATE STREAM `数据` (`größe` INT, `numéro` VARCHAR) WITH (kafka_topic='t_unicode', "
               "value_format='json', partitions=1);", timeout=30)
        ok(kc, "INSERT INTO `数据` (`größe`, `numéro`) VALUES (1, 'ü');\n"
               "INSERT INTO `数据` (`größe`, `numéro`) VALUES (2, '列');")
        cells = [
            "SET 'auto.offset.reset'='earliest';\n"
            "SELECT `größe` AS `größe2`, `numéro` FROM `数据` EMIT CHANGES LIMIT 2;",
            "SELECT `numéro`, COUNT(*) AS `zählung` FROM `数据` GROUP BY `numéro` EMIT CHANGES LIMIT 2;",
            # `ß` upper-cases to "SS": byte offsets of the upper-cased text differ.
            "SELECT `größe` AS straße FROM `数据` /* 注释 */ EMIT CHANGES LIMIT 1;",
        ]
        expected = [["2", "列"], ["列", "1"], ["1 rows"]]
        for cell, words in zip(cells, expected):
            text = texts(ok(kc, cell, timeout=30))
            assert "✓ Limit Reached" in text, text
            assert all(w in text for w in words), text
        # The grouped query was read as a table view keyed by `numéro`.
        assert "table view" in texts(ok(kc, cells[1], timeout=30))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_replayed_signed_request_runs_once():
    """The exact frames of a signed execute_request, sent twice: the second is dropped."""
    import zmq
    from jupyter_client.session import Session

    with kernel_env() as kc:
        info = kc.get_connection_info()
        key = info["key"].encode() if isinstance(info["key"], str) else info["key"]
        session = Session(key=key)
        msg = session.msg("execute_request", {"code": "%echo once", "silent": False, "store_history": True,
                                              "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        frames = session.serialize(msg)
        dealer = zmq.Context.instance().socket(zmq.DEALER)
        dealer.connect(f"tcp://{info['ip']}:{info['shell_port']}")
        try:
            dealer.send_multipart(frames)
            assert dealer.poll(10000), "no reply to the first request"
            _, reply = session.recv(dealer)
            assert reply["msg_type"] == "execute_reply" and reply["content"]["status"] == "ok"
            first_count = reply["content"]["execution_count"]
            dealer.send_multipart(frames)
            assert dealer.poll(1500) == 0, "the kernel answered a replayed message"
            # The kernel still serves, and ran the cell once: the next count follows the first.
            reply, _ = harness.execute(kc, "%echo after")
            assert reply["content"]["execution_count"] == first_count + 1
        finally:
            dealer.close(0)


def test_a_refused_secret_is_neither_echoed_nor_stored(tmp_path):
    history = tmp_path / "history.jsonl"
    with kernel_env(KSQLDB_KERNEL_HISTORY=str(history)) as kc:
        for cell in ("%connect http://127.0.0.1:9 --password=SECRET-VALUE-1",
                     "%connect http://127.0.0.1:9 --user u --api-secret SECRET-VALUE-2",
                     "%connect http://127.0.0.1:9 --token=SECRET-VALUE-3",
                     "%connect http://u:SECRET-VALUE-4@127.0.0.1:9",
                     "%connect u:SECRET-VALUE-5@127.0.0.1:9",
                     "%connect 127.0.0.1:9 --user u --password 'SECRET-VALUE-6 and more'"):
            reply, outputs, err = fail(kc, cell)
            shown = texts(outputs) + err["evalue"] + "".join(err["traceback"])
            assert "SECRET-VALUE" not in shown, shown
            assert "secrets never go in cell text" in shown
        ok(kc, "%rows 5")
    stored = history.read_text()
    assert "SECRET-VALUE" not in stored and "--password=***" in stored and "%rows 5" in stored, stored
    assert (history.stat().st_mode & 0o777) == 0o600



def output_bytes(outputs):
    import json as _json
    return max(len(_json.dumps(m["content"].get("data", {}))) for m in outputs if "data" in m["content"])


def test_outputs_are_bounded_and_memory_returns(tmp_path):
    """A 50 MB value (rows up to 64 MB allowed) and a SHOW STREAMS of 100 000 entries give outputs within the budget,
    with visible markers, and the kernel's memory comes back down afterwards."""
    from ksql_helpers import fake, with_defaults
    from jupyter_client.manager import start_new_kernel as start

    huge = "v" * (50 * 1024 * 1024)
    streams = [{"type": "STREAM", "name": f"S{i}", "topic": f"t{i}", "keyFormat": "KAFKA", "valueFormat": "JSON",
                "isWindowed": False} for i in range(100_000)]
    queries = [{"match": "SELECT * FROM HUGE", "source": "HUGE", "columns": [{"name": "V", "type": "STRING"}],
                "rows": [[huge]], "end": "complete"}]
    statements = [{"match": "SHOW STREAMS", "entities": [
        {"@type": "streams", "statementText": "SHOW STREAMS;", "streams": streams, "warnings": []}]}]
    with fake("current", scenario=with_defaults(queries, statements)) as server:
        env = dict(os.environ, KSQLDB_URL=server.url, KSQLDB_MAX_ROW_BYTES=str(64 * 1024 * 1024))
        km, kc = start(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30)
        try:
            ok(kc, "SHOW TABLES;")
            pid = km.provisioner.pid
            baseline = rss_mb(pid)
            out = ok(kc, "SELECT * FROM HUGE;", timeout=60)
            assert output_bytes(out) <= 4 * 1024 * 1024 + 64 * 1024, output_bytes(out)
            text = texts(out) + texts(out, "text/html")
            assert "more characters" in text, text[:300]
            out = ok(kc, "SHOW STREAMS;", timeout=60)
            assert output_bytes(out) <= 4 * 1024 * 1024 + 64 * 1024, output_bytes(out)
            assert "Showing 1000 of 100 000 rows" in texts(out)
            ok(kc, "%output 64KB")
            out = ok(kc, "SHOW STREAMS;", timeout=60)
            assert output_bytes(out) <= 64 * 1024 + 4096, output_bytes(out)
            ok(kc, "%output default")
            ok(kc, "SELECT * FROM HUGE;", timeout=60)
            after = rss_mb(pid)
            print(f"kernel RSS: baseline {baseline:.1f} MB, after 5 huge outputs {after:.1f} MB")
            assert after < baseline + 120, (baseline, after)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


def test_deep_expressions_get_an_error_and_long_chains_work_in_the_embedded_sandbox():
    """The sandbox runs inside the kernel: a stack overflow there would kill the kernel."""
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=sandbox_env(), startup_timeout=30)
    try:
        ok(kc, "CREATE STREAM deep (id INT, s VARCHAR) WITH (kafka_topic='deep', value_format='json', partitions=1);",
           timeout=30)
        ok(kc, "INSERT INTO deep (id, s) VALUES (7, 'x');")
        for expr in ("(" * 10_000 + "id" + ")" * 10_000, "NOT " * 10_000 + "true", "ABS(" * 1_000 + "id" + ")" * 1_000):
            reply, outputs, err = fail(kc, f"SELECT {expr} AS v FROM deep EMIT CHANGES LIMIT 1;", timeout=30)
            assert "limit of 200 levels" in err["evalue"] + "".join(err["traceback"]), err["evalue"]
        chain = " OR ".join(f"id = {i}" for i in range(10_000))
        text = texts(ok(kc, "SET 'auto.offset.reset'='earliest';\n"
                            f"SELECT id FROM deep WHERE {chain} EMIT CHANGES LIMIT 1;", timeout=60))
        assert "✓ Limit Reached" in text and "7" in text, text
        assert kc.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
