"""`jupyter console --kernel …` in a pseudo-terminal: a statement prints its table as text,
an error prints readably, and Ctrl-D (answering the exit question) exits cleanly."""
import os
import sys
import time
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



def spawn_console(tmp_path):
    """The console as users run it (prompt_toolkit, multi-line input), on the sandbox."""
    jupyter = Path(sys.executable).with_name("jupyter")
    env = {k: v for k, v in os.environ.items() if k not in ("KSQLDB_URL", "KSQLDB_PROFILE")}
    env.update(TERM="xterm", JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), PYTHONUNBUFFERED="1")
    return pexpect.spawn(str(jupyter), ["console", "--kernel", harness.KERNEL_NAME],
                         env=env, encoding="utf-8", timeout=60, dimensions=(50, 200))


def prompt(number):
    """The input prompt `In [N]: ` with the colours prompt_toolkit puts around the number."""
    colour = r"(?:\x1b\[[0-9;]*m)*"
    return rf"In \[{colour}{number}{colour}\]: "


def run_in_console(child, number, lines, timeout=60):
    """Types `lines` (the console asks the kernel whether the input is complete, and shows
    `...:` for the next line until it is) and returns what was printed up to prompt N+1."""
    for line in lines:
        child.send(line + "\r")
        time.sleep(0.3)
    child.expect(prompt(number + 1), timeout=timeout)
    return strip_ansi(child.before)


def test_jupyter_console_shows_push_query_results(tmp_path):
    """jupyter console ignores display updates: a push query's final table (LIMIT reached,
    timed out, interrupted) is printed there, once, with its rows (on the sandbox)."""
    child = spawn_console(tmp_path)
    log = []
    try:
        child.expect(prompt(1))
        setup = ("CREATE STREAM ticks (id INT KEY, label VARCHAR) WITH (kafka_topic='ticks', partitions=1, "
                 "value_format='JSON'); " + " ".join(f"INSERT INTO ticks (id, label) VALUES ({i}, 'row-{i}');"
                                                     for i in range(5)) + " SET 'auto.offset.reset'='earliest';")
        log.append(run_in_console(child, 1, [setup]))
        # LIMIT: the query ends by itself; its rows are printed.
        out = run_in_console(child, 2, ["SELECT id, label FROM ticks EMIT CHANGES LIMIT 3;"])
        log.append(out)
        assert all(f"row-{i}" in out for i in range(3)) and "row-3" not in out, out
        assert "Limit Reached" in out, out
        # A timeout ends a query with no end: the rows so far and the ending are printed. The
        # %push line alone is incomplete (its statement follows), so the console asks for more.
        out = run_in_console(child, 3, ["%push --timeout 2", "SELECT id, label FROM ticks EMIT CHANGES;"])
        log.append(out)
        assert "...:" in out, "the %push line asked for its statement"
        assert all(f"row-{i}" in out for i in range(5)), out
        assert "timed out after 2 s" in out, out
        assert out.count("row-4") == 1, "the final table once, not a frame per update"
        # Ctrl-C: the console interrupts the kernel; the rows so far and the ending are printed.
        child.send("SELECT label FROM ticks EMIT CHANGES;\r")
        child.expect("waiting for rows|row-0", timeout=30)
        time.sleep(1.5)
        child.sendintr()
        child.expect(prompt(5), timeout=30)
        out = strip_ansi(child.before)
        log.append(out)
        assert "stopped by user" in out and "row-4" in out, out
        # The next statement works.
        out = run_in_console(child, 5, ["SHOW STREAMS;"])
        log.append(out)
        assert "TICKS" in out, out
        child.sendeof()
        if child.expect([pexpect.EOF, r"really want to exit"], timeout=30) == 1:
            child.sendline("y")
            child.expect(pexpect.EOF, timeout=30)
    finally:
        if child.isalive():
            child.terminate(force=True)
        (harness.ROOT / "test-output").mkdir(exist_ok=True)
        (harness.ROOT / "test-output" / "jupyter-console-push.txt").write_text("\n".join(log))
