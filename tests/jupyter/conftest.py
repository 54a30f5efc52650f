import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

if not harness.KERNEL_BIN.exists() or not harness.FAKE_BIN.exists():
    raise pytest.UsageError(
        f"build first: cargo build --workspace (missing {harness.KERNEL_BIN} or {harness.FAKE_BIN})")

harness.install_kernelspec()


@pytest.fixture(scope="module")
def fake_server():
    server = harness.FakeServer("current")
    yield server
    server.stop()


@pytest.fixture
def kernel(fake_server):
    """A fresh kernel connected (through KSQLDB_URL) to the module's fake server."""
    from jupyter_client.manager import start_new_kernel

    env = dict(os.environ, KSQLDB_URL=fake_server.url)
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30)
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item (the browser tests screenshot failures)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def pytest_terminal_summary(terminalreporter):
    """Summaries that test modules register (the fault matrix's one line per case), shown
    with -q too."""
    for title, lines in harness.TERMINAL_SUMMARIES:
        got = lines()
        if got:
            terminalreporter.section(title)
            for line in got:
                terminalreporter.write_line(line)
