"""Long work shows a status line that updates in place (display_data with a display_id, then
update_display_data): RUN SCRIPT over many statements, and a slow connection attempt."""
import http.server
import socket
import threading
import time
import urllib.request


from harness import execute, texts
from ksql_helpers import kernel_env, set_scenario, strip_ansi, with_defaults


def progress_messages(outputs):
    """(display_id, [text/plain of the display, then of each update]) of the one display
    that carries a display_id."""
    shown = [m for m in outputs if m["msg_type"] == "display_data" and m["content"]["transient"].get("display_id")]
    assert len(shown) == 1, [m["msg_type"] for m in outputs]
    display_id = shown[0]["content"]["transient"]["display_id"]
    msgs = [shown[0]] + [m for m in outputs if m["msg_type"] == "update_display_data"
                         and m["content"]["transient"]["display_id"] == display_id]
    return display_id, [strip_ansi(m["content"]["data"]["text/plain"]) for m in msgs]


def test_run_script_progress_updates_in_place(fake_server, tmp_path):
    set_scenario(fake_server, with_defaults(statements=[
        {"match": "LIST STREAMS", "delay_ms": 60, "entities": [{"@type": "streams", "streams": []}]}]))
    script = tmp_path / "many.sql"
    script.write_text("".join("LIST STREAMS;\n" for _ in range(25)))
    with kernel_env(fake_server.url) as kc:
        execute(kc, "SHOW TOPICS;")  # connect first: the banner is not part of this test
        reply, outputs = execute(kc, f"RUN SCRIPT '{script}';", timeout=30)
        assert reply["content"]["status"] == "ok", texts(outputs)
        _, lines = progress_messages(outputs)
        assert "25 statements to run" in lines[0]
        steps = [line for line in lines if "statement " in line and " of 25" in line]
        assert len(steps) >= 3, lines  # 25 x 60 ms, at most one update per 200 ms
        assert len(lines) < 25, "updates are throttled"
        assert "ran 25 statements in" in lines[-1]
        # The progress display comes before the statements' own outputs.
        first = next(i for i, m in enumerate(outputs) if m["msg_type"] == "display_data")
        assert outputs[first]["content"]["transient"].get("display_id")


class _SlowProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True


def slow_proxy(target, delay):
    """An HTTP proxy to `target` whose answers to GET /info arrive after `delay` seconds."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _forward(self, method):
            if self.path.startswith("/info"):
                time.sleep(delay)
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type", "authorization")}
            req = urllib.request.Request(target + self.path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    status, body, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "application/json")
            except urllib.error.HTTPError as e:
                status, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "application/json")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self._forward("GET")

        def do_POST(self):
            self._forward("POST")

    server = _SlowProxy(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_slow_connection_shows_progress(fake_server):
    proxy = slow_proxy(fake_server.url, 2.4)
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    try:
        with kernel_env() as kc:
            reply, outputs = execute(kc, f"%connect {url}", timeout=30)
            assert reply["content"]["status"] == "ok", texts(outputs)
            _, lines = progress_messages(outputs)
            assert lines[0] == f"Connecting to {url}… (1 s)", lines
            assert f"Connecting to {url}… (2 s)" in lines
            assert lines[-1].startswith(f"Connected to {url} after 2."), lines
            assert "Connected to ksqlDB" in texts(outputs)  # the banner follows
            # A fast connection shows no progress line.
            reply, outputs = execute(kc, f"%connect {fake_server.url}")
            assert not [m for m in outputs if m["msg_type"] == "update_display_data"]
    finally:
        proxy.shutdown()


def test_failed_slow_connection_says_so(fake_server):
    # A server that accepts connections and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        with kernel_env() as kc:
            reply, outputs = execute(kc, f"%connect {url} --timeout 2", timeout=60)
            assert reply["content"]["status"] == "error"
            _, lines = progress_messages(outputs)
            assert lines[0] == f"Connecting to {url}… (1 s)"
            assert lines[-1].startswith(f"WARNING: Could not connect to {url} (gave up after"), lines
    finally:
        silent.close()


def wait_status_messages(outputs):
    """The one display with a display_id and its updates: [(data of each message)]."""
    shown = [m for m in outputs if m["msg_type"] == "display_data" and m["content"]["transient"].get("display_id")]
    assert len(shown) == 1, [m["msg_type"] for m in outputs]
    display_id = shown[0]["content"]["transient"]["display_id"]
    return [shown[0]["content"]["data"]] + [m["content"]["data"] for m in outputs if m["msg_type"] == "update_display_data"
                                            and m["content"]["transient"]["display_id"] == display_id]


def test_slow_statement_shows_waiting_status_then_clears_it(fake_server):
    set_scenario(fake_server, with_defaults(
        statements=[{"match": "LIST STREAMS", "delay_ms": 2400, "entities": [{"@type": "streams", "streams": []}]}],
        queries=[{"match": "SELECT * FROM SLOW_TABLE", "delay_ms": 1600, "table": True,
                  "columns": [{"name": "ID", "type": "STRING"}], "rows": [["a"]]}]))
    with kernel_env(fake_server.url) as kc:
        execute(kc, "SHOW TOPICS;")  # connect first: the banner is not part of this test
        # A /ksql request.
        reply, outputs = execute(kc, "LIST STREAMS;", timeout=30)
        assert reply["content"]["status"] == "ok", texts(outputs)
        frames = wait_status_messages(outputs)
        lines = [strip_ansi(d.get("text/plain", "")) for d in frames]
        assert lines[0] == "Waiting for the server… 1 s", lines
        assert "Waiting for the server… 2 s" in lines, lines
        assert frames[-1] == {}, "cleared once the answer arrived"
        # The result follows as the statement's own output.
        assert outputs[-1]["msg_type"] == "execute_result"
        # A pull query.
        reply, outputs = execute(kc, "SELECT * FROM SLOW_TABLE;", timeout=30)
        assert reply["content"]["status"] == "ok", texts(outputs)
        frames = wait_status_messages(outputs)
        assert strip_ansi(frames[0]["text/plain"]) == "Waiting for the server… 1 s"
        assert frames[-1] == {}
        assert "a" in texts([outputs[-1]])
        # A fast statement shows no status line.
        reply, outputs = execute(kc, "SHOW TOPICS;")
        assert not [m for m in outputs if m["msg_type"] in ("update_display_data",)
                    or m["content"].get("transient", {}).get("display_id")]
