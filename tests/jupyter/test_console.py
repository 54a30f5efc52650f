"""`jupyter console --kernel …` in a pseudo-terminal: a statement prints its table as text,
an error prints readably, and Ctrl-D (answering the exit question) exits cleanly."""
import os
import sys
from pathlib import Path

import pexpect

import harness
from ksql_helpers import strip_ansi


def test_jupyter_console_prints_tables(fake_server, tmp_path):
    jupyter = Path(sys.executable).with_name("jupyter")
    env = dict(os.environ, KSQLDB_URL=fake_server.url, TERM="xterm", JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), PYTHONUNBUFFERED="1")
    child = pexpect.spawn(str(jupyter), ["console", "--kernel", harness.KERNEL_NAME,
                                         "--ZMQTerminalInteractiveShell.simple_prompt=True"],
                          env=env, encoding="utf-8", timeout=60, dimensions=(50, 200))
    log = []
    try:
        child.expect(r"In \[1\]: ")
        log.append(child.before)
        child.sendline("SHOW STREAMS;")
        child.expect(r"In \[2\]: ")
        out = strip_ansi(child.before)
        log.append(out)
        # The text/plain twin of the HTML table: column names and the stream, aligned.
        assert "Stream Name" in out and "RIDERS" in out and "Kafka Topic" in out, out
        assert "<table" not in out
        child.sendline("SELECT * FROM NOWHERE;")
        child.expect(r"In \[3\]: ")
        out = strip_ansi(child.before)
        log.append(out)
        assert "NOWHERE" in out and "Metastore" in out, out
        child.sendeof()
        if child.expect([pexpect.EOF, r"really want to exit"], timeout=30) == 1:
            child.sendline("y")
            child.expect(pexpect.EOF, timeout=30)
        child.close()
        assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)
    finally:
        if child.isalive():
            child.terminate(force=True)
        (harness.ROOT / "test-output").mkdir(exist_ok=True)
        (harness.ROOT / "test-output" / "jupyter-console.txt").write_text("\n".join(log))
