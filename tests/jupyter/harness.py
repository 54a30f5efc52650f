"""Helpers shared by the Python tests: paths to the built binaries, a fake ksqlDB server
process, a Jupyter data dir with the kernelspec installed, and an execute helper that
collects every IOPub message of one request."""
import json
import os
import queue
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PROFILE = os.environ.get("KSQLDB_TEST_PROFILE", "debug")
KERNEL_BIN = Path(os.environ.get("KSQLDB_KERNEL_BIN", TARGET / PROFILE / "ksqldb-kernel"))
FAKE_BIN = Path(os.environ.get("FAKE_KSQLDB_BIN", TARGET / PROFILE / "fake-ksqldb"))
SHARED = ROOT.parent / "shared"
KERNEL_NAME = "ksqldb-test"
# (title, callable returning lines) printed at the end of the session by conftest.py.
TERMINAL_SUMMARIES = []


def install_kernelspec() -> Path:
    """Installs the kernelspec under a fresh prefix and points JUPYTER_PATH at it, so that
    jupyter_client (and jupyter_kernel_test) start the binary under test."""
    prefix = Path(tempfile.mkdtemp(prefix="ksqldb-kernel-test-"))
    subprocess.run([str(KERNEL_BIN), "install", "--prefix", str(prefix), "--name", KERNEL_NAME],
                   check=True, capture_output=True)
    data = prefix / "share" / "jupyter"
    os.environ["JUPYTER_PATH"] = str(data)
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str(prefix / "runtime"))
    # Keep the tests from reading the developer's own profiles.
    os.environ["KSQLDB_KERNEL_CONFIG"] = str(prefix / "no-config.toml")
    # ... and from writing to the developer's input history.
    os.environ["KSQLDB_KERNEL_HISTORY"] = str(prefix / "history.jsonl")
    return data


class FakeServer:
    """A fake-ksqldb process. `generation` is jetty, http2 or current."""

    def __init__(self, generation="current", version=None, scenario=None, extra=()):
        args = [str(FAKE_BIN), "--listen", "127.0.0.1:0", "--generation", generation]
        if version:
            args += ["--version", version]
        self._scenario_file = None
        if scenario is not None:
            f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
            json.dump(scenario, f)
            f.close()
            self._scenario_file = f.name
            args += ["--scenario", f.name]
        args += list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            raise RuntimeError(f"fake-ksqldb did not start: {line!r} {err}")
        self.url = line.strip().split("listening on ", 1)[1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        # The control endpoints are the test's own: no need to verify the test certificate.
        context = ssl._create_unverified_context() if self.url.startswith("https") else None
        with urllib.request.urlopen(req, timeout=10, context=context) as resp:
            text = resp.read().decode()
            return json.loads(text) if text.strip() else None

    def requests(self):
        return [r for r in self._call("GET", "/__fake/requests") if not r["path"].startswith("/__fake")]

    def reset(self):
        self._call("POST", "/__fake/reset", {})

    def set_scenario(self, scenario):
        self._call("POST", "/__fake/scenario", scenario)

    def active_queries(self):
        return self._call("GET", "/__fake/active-queries")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self._scenario_file:
            os.unlink(self._scenario_file)


def collect(kc, msg_id, timeout=15.0):
    """All IOPub messages parented to msg_id, up to and including status idle."""
    messages = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no idle for {msg_id}; got {[m['msg_type'] for m in messages]}")
        try:
            msg = kc.get_iopub_msg(timeout=remaining)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def execute(kc, code, timeout=15.0, **kwargs):
    """Runs code; returns (reply, outputs) where outputs are the IOPub messages between
    busy and idle other than status and execute_input."""
    msg_id = kc.execute(code, **kwargs)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    messages = collect(kc, msg_id, timeout)
    outputs = [m for m in messages if m["msg_type"] not in ("status", "execute_input")]
    return reply, outputs


def texts(outputs, mime="text/plain"):
    """The given MIME text of every display/result output, plus stream and error text."""
    result = []
    for m in outputs:
        c = m["content"]
        if m["msg_type"] in ("display_data", "execute_result", "update_display_data"):
            if mime in c["data"]:
                result.append(c["data"][mime])
        elif m["msg_type"] == "stream":
            result.append(c["text"])
        elif m["msg_type"] == "error":
            result.append(c["ename"] + ": " + c["evalue"] + "\n" + "\n".join(c["traceback"]))
    return "\n".join(result)
