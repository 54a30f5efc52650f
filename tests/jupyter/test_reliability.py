"""Reliability (issue 9): no input wedges or kills the kernel. A panic in one request's
handler answers that request with an InternalError and every socket keeps serving; push
queries with non-ASCII text outside strings run; a replayed signed message does not run
twice."""
import os

from jupyter_client.manager import start_new_kernel

import harness
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
    with kernel_env(KSQLDB_KERNEL_TEST_PANIC="0") as kc:
        reply, outputs = run(kc, "%__panic")
        assert reply.get("ename") != "InternalError", texts(outputs)


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
                     "%connect http://u:SECRET-VALUE-4@127.0.0.1:9"):
            reply, outputs, err = fail(kc, cell)
            shown = texts(outputs) + err["evalue"] + "".join(err["traceback"])
            assert "SECRET-VALUE" not in shown, shown
            assert "secrets never go in cell text" in shown
        ok(kc, "%rows 5")
    stored = history.read_text()
    assert "SECRET-VALUE" not in stored and "--password=***" in stored and "%rows 5" in stored, stored
    assert (history.stat().st_mode & 0o777) == 0o600
