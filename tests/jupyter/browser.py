"""Helpers for the browser tests: a Jupyter server (JupyterLab, with Notebook 7 served by the
same server) on 127.0.0.1 with isolated JUPYTER_* folders, and Debian's Chromium driven by
Playwright (never a downloaded browser)."""
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

import harness

CHROMIUM = os.environ.get("KSQLDB_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = harness.ROOT / "test-output"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class JupyterServer:
    """`jupyter lab` on 127.0.0.1 serving `root`; kernels it starts see `env`."""

    def __init__(self, root: Path, env: dict, home: Path, base_env: dict = None):
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        full = dict(os.environ if base_env is None else base_env)
        full.update(env)
        # Isolated config, data and runtime folders; JUPYTER_PATH (set by harness) holds the
        # kernelspec under test.
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
            folder = home / name.lower()
            folder.mkdir(parents=True, exist_ok=True)
            full[name] = str(folder)
        full["JUPYTERLAB_SETTINGS_DIR"] = str(home / "lab-settings")
        # No "Would you like to get notified about official Jupyter news?" toast over the cells.
        notification = home / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        notification.parent.mkdir(parents=True, exist_ok=True)
        notification.write_text('{"fetchNews": "false", "checkForUpdates": false}')
        full["JUPYTERLAB_WORKSPACES_DIR"] = str(home / "lab-workspaces")
        self.log = open(home / "jupyter-server.log", "w")
        jupyter = Path(sys.executable).with_name("jupyter")
        self.proc = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=None",
             "--ServerApp.allow_root=True", "--ServerApp.open_browser=False"],
            env=full, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("jupyter lab did not start: " + (home / "jupyter-server.log").read_text()[-3000:])
                time.sleep(0.2)

    def lab_url(self, path):
        # A fresh workspace per page, or JupyterLab restores the previous one.
        return f"{self.url}/lab/workspaces/t{uuid.uuid4().hex[:8]}/tree/{path}?reset&token={self.token}"

    def notebook7_url(self, path):
        return f"{self.url}/notebooks/{path}?token={self.token}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


def write_notebook(root: Path, name: str, cells) -> str:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": harness.KERNEL_NAME, "display_name": "ksqlDB", "language": "ksql"}
    nbformat.write(nb, root / name)
    return name


def wait_kernel_idle(page, timeout=60_000, notebook7=False):
    """The notebook's kernel is connected and idle (JupyterLab's status bar says `… | Idle`;
    Notebook 7 has no status bar: its toolbar's execution indicator), plus a moment: right
    after that, Shift+Enter can still be lost."""
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=timeout)
    if notebook7:
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)
        page.wait_for_timeout(1500)
    else:
        page.get_by_text(re.compile(r"\| Idle$")).first.wait_for(timeout=timeout)
        page.wait_for_timeout(800)


def cell(page, index):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def run_cell(page, index):
    """Selects cell `index` and runs it with Shift+Enter; waits until it has started."""
    c = cell(page, index)
    c.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    # The prompt becomes [*] (running) or [n] (done).
    c.locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[(\*|\d+)\]")).wait_for(timeout=20_000)


def outputs(page, index):
    return cell(page, index).locator(".jp-OutputArea-output")


def table_rows(output):
    """The body rows of the result table in an output node, as lists of cell texts."""
    return output.evaluate(
        """el => Array.from(el.querySelectorAll('.ksql-result tbody tr')).map(
               tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()))""")


def status_line(output):
    return output.evaluate("el => { const d = el.querySelector('.ksql-result > div'); return d ? d.innerText : ''; }")


def screenshot(page, name, locator=None):
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / name
    (locator or page).screenshot(path=str(path))
    return path


def chromium_available():
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None
