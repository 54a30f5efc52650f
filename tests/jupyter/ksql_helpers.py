"""Helpers for the end-to-end tests that drive the kernel against fake ksqlDB servers:
starting kernels with a given environment, scenarios with exact number spellings, and
inspecting what the kernel sent."""
import contextlib
import json
import os
import re
import socket
import subprocess
import urllib.request

# The machine-readable twin of query results (render::JSON_MIME).
JSON_MIME = "application/vnd.ksqldb+json"

from jupyter_client.manager import start_new_kernel

import harness
from harness import execute, texts

# Sentinels for numbers whose exact spelling matters (json.dumps would turn 4.50 into 4.5).
_NUM = re.compile(r'"@num:([-0-9.eE+]+)"')


def num(spelling):
    """A JSON number written exactly as `spelling` in the scenario (e.g. num("4.50"))."""
    return f"@num:{spelling}"


def dump_scenario(scenario):
    return _NUM.sub(r"\1", json.dumps(scenario))


_DEFAULT = None


def default_scenario():
    """The fake server's built-in scenario (a fresh copy)."""
    global _DEFAULT
    if _DEFAULT is None:
        out = subprocess.run([str(harness.FAKE_BIN), "--print-default-scenario"], check=True,
                             capture_output=True, text=True).stdout
        _DEFAULT = out
    return json.loads(_DEFAULT)


def with_defaults(queries=(), statements=()):
    """The default scenario with `queries` and `statements` tried first."""
    s = default_scenario()
    s["queries"] = list(queries) + s.get("queries", [])
    s["statements"] = list(statements) + s.get("statements", [])
    return s


def set_scenario(server, scenario):
    req = urllib.request.Request(server.url + "/__fake/scenario", data=dump_scenario(scenario).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


@contextlib.contextmanager
def fake(generation="current", version=None, scenario=None, extra=()):
    server = harness.FakeServer(generation, version, extra=extra)
    try:
        if scenario is not None:
            set_scenario(server, scenario)
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def kernel_env(url=None, **env):
    """A kernel whose environment has KSQLDB_URL=url (when given) plus `env`."""
    full = dict(os.environ)
    full.pop("KSQLDB_URL", None)
    if url:
        full["KSQLDB_URL"] = url
    full.update(env)
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=full, startup_timeout=30)
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run(kc, code, timeout=20.0, **kwargs):
    """(reply content, outputs) of one cell."""
    reply, outputs = execute(kc, code, timeout=timeout, **kwargs)
    return reply["content"], outputs


def ok(kc, code, timeout=20.0):
    """Runs a cell that must succeed; returns its outputs."""
    reply, outputs = run(kc, code, timeout)
    assert reply["status"] == "ok", f"{code!r} failed: {texts(outputs)}"
    return outputs


def fail(kc, code, timeout=20.0):
    """Runs a cell that must fail; returns (reply content, outputs, the error output's content)."""
    reply, outputs = run(kc, code, timeout)
    assert reply["status"] == "error", f"{code!r} did not fail: {texts(outputs)}"
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1, [m["msg_type"] for m in outputs]
    return reply, outputs, errors[0]


def error_text(err):
    return strip_ansi(err["ename"] + ": " + err["evalue"] + "\n" + "\n".join(err["traceback"]))


def strip_ansi(s):
    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def all_text(outputs):
    """Every text/plain, text/html and application/vnd.ksqldb+json payload, stream and error text."""
    parts = [strip_ansi(texts(outputs)), texts(outputs, "text/html")]
    for m in outputs:
        if m["msg_type"] in ("display_data", "execute_result") and "application/vnd.ksqldb+json" in m["content"]["data"]:
            parts.append(json.dumps(m["content"]["data"]["application/vnd.ksqldb+json"]))
    return "\n".join(parts)


def settled(outputs):
    """The outputs as a notebook keeps them: each display replaced by its last update
    (what nbclient and JupyterLab do with update_display_data), updates themselves dropped."""
    latest = {}
    for m in outputs:
        if m["msg_type"] == "update_display_data":
            latest[m["content"]["transient"]["display_id"]] = m["content"]["data"]
    result = []
    for m in outputs:
        if m["msg_type"] == "update_display_data":
            continue
        display_id = m["content"].get("transient", {}).get("display_id") if m["msg_type"] == "display_data" else None
        if display_id in latest:
            m = dict(m, content=dict(m["content"], data=latest[display_id]))
        result.append(m)
    return result


def results(outputs):
    """The application/vnd.ksqldb+json documents of the query results among the outputs (live views
    in their final state)."""
    return [m["content"]["data"]["application/vnd.ksqldb+json"] for m in settled(outputs)
            if m["msg_type"] in ("display_data", "execute_result")
            and "application/vnd.ksqldb+json" in m["content"]["data"]
            and "rows" in m["content"]["data"]["application/vnd.ksqldb+json"]]


def one_result(outputs):
    found = results(outputs)
    assert len(found) == 1, texts(settled(outputs))
    return found[0]


def result_bundle(outputs):
    """The data of the one output that carries a query result."""
    found = [m["content"]["data"] for m in settled(outputs)
             if m["msg_type"] in ("display_data", "execute_result")
             and "rows" in m["content"]["data"].get("application/vnd.ksqldb+json", {})]
    assert len(found) == 1, texts(outputs)
    return found[0]


def query_requests(server):
    return [r for r in server.requests() if r["path"] in ("/query", "/query-stream")]


def body(request):
    return json.loads(request["body"]) if request["body"] else None


def no_backtrace(text):
    for marker in ("panicked at", "RUST_BACKTRACE", "stack backtrace", "crates/client/src/", "src/kernel/"):
        assert marker not in text, f"{marker!r} in output:\n{text}"


def free_port():
    """A port with nothing listening on it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@contextlib.contextmanager
def standalone_sandbox():
    """A standalone sandbox (`ksqldb-kernel sandbox --listen`) that several clients share:
    yields (its URL, a function that runs a statement on it as another client would)."""
    port = free_port()
    sandbox = subprocess.Popen([str(harness.KERNEL_BIN), "sandbox", "--listen", f"127.0.0.1:{port}"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert "listening" in sandbox.stdout.readline()
        url = f"http://127.0.0.1:{port}"

        def other_client(sql):
            req = urllib.request.Request(url + "/ksql", data=json.dumps({"ksql": sql}).encode(),
                                         headers={"Content-Type": "application/vnd.ksql.v1+json"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read())

        yield url, other_client
    finally:
        sandbox.terminate()
        sandbox.wait(5)


def live_frames(outputs):
    """The frames a live view drew, in order: its first display, its updates and its final
    frame. (In front ends that can interact, the final frame is a new output and the live one
    is emptied, so that front ends without display updates, jupyter console, show it too.)"""
    return [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data") and m["content"]["data"]]


def final_frame(outputs):
    """The data of a live view's last frame."""
    return live_frames(outputs)[-1]["content"]["data"]
