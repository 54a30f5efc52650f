"""The Jupyter protocol as real clients use it (jupyter_client over ZeroMQ): status
messages, signatures, counters, stop_on_error, interrupt, restart, transports, exits."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
import zmq
from jupyter_client import KernelManager
from jupyter_client.session import Session

import harness
from harness import execute, texts
from ksql_helpers import final_frame


def test_kernel_info_on_shell_and_control_is_wrapped_in_busy_idle(kernel):
    for channel in ("shell", "control"):
        msg = kernel.session.msg("kernel_info_request", {})
        getattr(kernel, f"{channel}_channel").send(msg)
        reply = (kernel.get_shell_msg if channel == "shell" else kernel.get_control_msg)(timeout=10)
        assert reply["msg_type"] == "kernel_info_reply"
        assert reply["parent_header"]["msg_id"] == msg["header"]["msg_id"]
        c = reply["content"]
        assert c["implementation"] == "ksqldb-kernel"
        assert c["protocol_version"] == "5.4"
        assert c["language_info"]["codemirror_mode"] == "sql"
        assert c["language_info"]["pygments_lexer"] == "sql"
        assert any("ksqldb" in link["url"] for link in c["help_links"])
        states = [m["content"]["execution_state"] for m in harness.collect(kernel, msg["header"]["msg_id"])
                  if m["msg_type"] == "status"]
        assert states == ["busy", "idle"]


def test_reply_headers(kernel):
    reply, _ = execute(kernel, "%rows")
    header = reply["header"]
    assert header["version"] == "5.4"
    assert header["username"] == "kernel"
    assert header["session"] != kernel.session.session  # the kernel's own session id
    uuid.UUID(header["msg_id"])
    assert header["date"].tzinfo is not None  # jupyter_client parsed an ISO 8601 date


def test_execution_count_rules(kernel):
    r1, _ = execute(kernel, "%rows")
    n = r1["content"]["execution_count"]
    r2, out = execute(kernel, "%rows", silent=True)
    assert r2["content"]["execution_count"] == n
    assert out == []  # silent: no output at all
    r3, _ = execute(kernel, "%rows", store_history=False)
    assert r3["content"]["execution_count"] == n
    r4, _ = execute(kernel, "%rows")
    assert r4["content"]["execution_count"] == n + 1


def test_error_reply_and_single_error_output(kernel):
    reply, outputs = execute(kernel, "%no_such_magic")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "UsageError"
    assert [m["msg_type"] for m in outputs] == ["error"]
    assert "no_such_magic" in outputs[0]["content"]["evalue"]


def test_stop_on_error_aborts_queued_requests(kernel):
    # Like "Run All": the requests go out together. The first fails at the server (a real cell
    # takes a round trip), so the others are queued at the kernel when it fails.
    ids = [kernel.execute("DESCRIBE NO_SUCH_STREAM;"), kernel.execute("%echo second"), kernel.execute("%echo third")]
    replies = {}
    while len(replies) < 3:
        r = kernel.get_shell_msg(timeout=10)
        replies[r["parent_header"]["msg_id"]] = r["content"]["status"]
    assert [replies[i] for i in ids] == ["error", "aborted", "aborted"]
    # The kernel goes on normally afterwards.
    reply, outputs = execute(kernel, "%echo after")
    assert reply["content"]["status"] == "ok"
    assert "after" in texts(outputs)


def test_stop_on_error_false_runs_the_rest(kernel):
    ids = [kernel.execute("%no_such_magic", stop_on_error=False), kernel.execute("%echo second")]
    replies = {}
    while len(replies) < 2:
        r = kernel.get_shell_msg(timeout=10)
        replies[r["parent_header"]["msg_id"]] = r["content"]["status"]
    assert [replies[i] for i in ids] == ["error", "ok"]


def test_messages_with_bad_signatures_are_dropped(kernel):
    """A message signed with another key gets no reply, and the kernel keeps serving."""
    info = kernel.get_connection_info()
    ctx = zmq.Context.instance()
    dealer = ctx.socket(zmq.DEALER)
    dealer.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    try:
        for key in (b"wrong-key", b""):
            bad = Session(key=key)
            bad.send(dealer, "kernel_info_request", {})
            assert dealer.poll(1000) == 0, "the kernel answered a badly signed message"
        good = Session(key=info["key"].encode() if isinstance(info["key"], str) else info["key"])
        good.send(dealer, "kernel_info_request", {})
        assert dealer.poll(5000), "the kernel stopped answering after a bad message"
        _, reply = good.recv(dealer)
        assert reply["msg_type"] == "kernel_info_reply"
    finally:
        dealer.close(0)


def test_garbage_frames_do_not_crash_the_kernel(kernel):
    info = kernel.get_connection_info()
    dealer = zmq.Context.instance().socket(zmq.DEALER)
    dealer.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    try:
        dealer.send_multipart([b"not", b"a", b"jupyter", b"message"])
        dealer.send_multipart([b"<IDS|MSG>", b"", b"{", b"}", b"x", b"y"])
        time.sleep(0.3)
        reply, _ = execute(kernel, "%echo alive")
        assert reply["content"]["status"] == "ok"
    finally:
        dealer.close(0)


def test_is_complete(kernel):
    for code, status in [("SHOW STREAMS;", "complete"), ("SELECT * FROM s", "incomplete"),
                         ("%help", "complete"), ("SELECT ';", "incomplete"),
                         # Options whose statement is still to come: a console asks for it.
                         ("%push --timeout 2", "incomplete"), ("%push --timeout 2\nSELECT 1;", "complete")]:
        kernel.is_complete(code)
        reply = kernel.get_shell_msg(timeout=10)
        assert reply["content"]["status"] == status, code


def test_comm_info_and_history(kernel):
    kernel.comm_info()
    reply = kernel.get_shell_msg(timeout=10)
    assert reply["content"] == {"status": "ok", "comms": {}}
    execute(kernel, "%echo one")
    execute(kernel, "%echo two")
    kernel.history(hist_access_type="tail", n=2, output=False, raw=True)
    reply = kernel.get_shell_msg(timeout=10)
    assert [h[2] for h in reply["content"]["history"]] == ["%echo one", "%echo two"]


def test_interrupt_stops_a_hanging_push_query_and_closes_it(fake_server, kernel):
    fake_server.set_scenario({"queries": [{
        "match": "SELECT * FROM endless EMIT CHANGES", "source": "ENDLESS", "push": True,
        "columns": [{"name": "ID", "type": "INTEGER"}], "rows": [[1], [2]], "end": "hang"}]})
    fake_server.reset()
    msg_id = kernel.execute("SELECT * FROM endless EMIT CHANGES;")
    time.sleep(1.0)
    kernel.control_channel.send(kernel.session.msg("interrupt_request", {}))
    assert kernel.get_control_msg(timeout=10)["msg_type"] == "interrupt_reply"
    reply = kernel.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    # Stopping a live push query is the normal way to end it: the view keeps its rows and
    # says so, and the cell succeeds (no traceback).
    assert reply["content"]["status"] == "ok"
    outputs = harness.collect(kernel, msg_id)
    assert "stopped by user" in final_frame(outputs)["text/plain"]
    deadline = time.time() + 5
    while fake_server.active_queries() and time.time() < deadline:
        time.sleep(0.1)
    assert fake_server.active_queries() == []
    assert any(r["path"] == "/close-query" for r in fake_server.requests())


def test_restart_gives_a_working_kernel():
    km = KernelManager(kernel_name=harness.KERNEL_NAME)
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        execute(kc, "%rows 5")
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=30)
        reply, outputs = execute(kc, "%rows")
        assert "1000" in texts(outputs)  # fresh session state after the restart
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=False)
    assert not km.is_alive()


def test_ipc_transport():
    km = KernelManager(kernel_name=harness.KERNEL_NAME, transport="ipc")
    km.ip = os.path.join(tempfile.mkdtemp(), "kernel-ipc")
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        reply, outputs = execute(kc, "%echo over ipc")
        assert "over ipc" in texts(outputs)
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=False)


def _connection_file(ports, key="k"):
    names = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]
    info = dict(zip(names, ports), ip="127.0.0.1", transport="tcp", key=key, signature_scheme="hmac-sha256")
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(info, f)
    f.close()
    return f.name


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_bind_failure_exits_non_zero():
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    ports = _free_ports(4)
    path = _connection_file([busy.getsockname()[1]] + ports)
    try:
        proc = subprocess.run([str(harness.KERNEL_BIN), "run", "--connection-file", path],
                              capture_output=True, text=True, timeout=20)
        assert proc.returncode != 0
        assert "cannot bind" in proc.stderr
    finally:
        busy.close()
        os.unlink(path)


def test_exits_when_the_parent_process_dies():
    path = _connection_file(_free_ports(5))
    # A middle process starts the kernel with JPY_PARENT_PID set to itself, prints the
    # kernel's pid, then exits.
    launcher = (
        "import os, subprocess, sys\n"
        "env = dict(os.environ, JPY_PARENT_PID=str(os.getpid()))\n"
        f"p = subprocess.Popen([{str(harness.KERNEL_BIN)!r}, 'run', '--connection-file', {path!r}], env=env)\n"
        "print(p.pid, flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True, timeout=20)
    pid = int(out.stdout.strip())
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, 9)
        pytest.fail("the kernel outlived its parent")
    os.unlink(path)


def test_lenient_parsing_of_minimal_and_extended_requests(kernel):
    """An execute_request with only `code` (no silent, store_history, allow_stdin,
    stop_on_error), and one with unknown fields and a subshell_id, are both served."""
    info = kernel.get_connection_info()
    key = info["key"].encode() if isinstance(info["key"], str) else info["key"]
    session = Session(key=key)
    dealer = zmq.Context.instance().socket(zmq.DEALER)
    dealer.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    try:
        minimal = session.msg("execute_request", {"code": "%echo minimal"})
        session.send(dealer, minimal)
        assert dealer.poll(5000)
        _, reply = session.recv(dealer)
        assert reply["content"]["status"] == "ok"
        extended = session.msg("execute_request", {"code": "%echo extended", "silent": False, "future_field": [1, 2]})
        extended["header"]["subshell_id"] = None
        extended["header"]["some_new_header_field"] = "x"
        session.send(dealer, extended)
        assert dealer.poll(5000)
        _, reply = session.recv(dealer)
        assert reply["content"]["status"] == "ok"
        assert reply["parent_header"]["some_new_header_field"] == "x"  # parent copied verbatim
    finally:
        dealer.close(0)


def test_request_sent_after_seeing_an_error_is_not_aborted(kernel):
    """nbclient with allow_errors sends the next cell right after the error reply: it runs."""
    first = kernel.execute("%no_such_magic")
    reply = kernel.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == first and reply["content"]["status"] == "error"
    reply, outputs = execute(kernel, "%echo next")
    assert reply["content"]["status"] == "ok"
    assert "next" in texts(outputs)
