"""The command line: `install` into each kind of destination (seen by `jupyter kernelspec
list`), and `check`, the connectivity test from a shell."""
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

JUPYTER_KERNELSPEC = [sys.executable, "-m", "jupyter_client.kernelspecapp"]


def _kernelspecs(env):
    out = subprocess.run(JUPYTER_KERNELSPEC + ["list", "--json"], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["kernelspecs"]


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_PATH", "JUPYTER_DATA_DIR", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def test_install_prefix_user_and_sys_prefix_are_listed_by_jupyter():
    tmp = Path(tempfile.mkdtemp())
    cases = [
        (["--prefix", str(tmp / "prefix")], _clean_env(JUPYTER_PATH=str(tmp / "prefix" / "share" / "jupyter")),
         tmp / "prefix" / "share" / "jupyter" / "kernels"),
        (["--user"], _clean_env(JUPYTER_DATA_DIR=str(tmp / "data")), tmp / "data" / "kernels"),
        (["--sys-prefix"], _clean_env(VIRTUAL_ENV=str(tmp / "venv"), JUPYTER_PATH=str(tmp / "venv" / "share" / "jupyter")),
         tmp / "venv" / "share" / "jupyter" / "kernels"),
    ]
    for flags, env, kernels_dir in cases:
        name = "ksqldb-cli-" + flags[0].strip("-")
        proc = subprocess.run([str(harness.KERNEL_BIN), "install", *flags, "--name", name, "--env", "KSQLDB_URL=http://x:1"],
                              env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        spec_dir = kernels_dir / name
        spec = json.loads((spec_dir / "kernel.json").read_text())
        assert Path(spec["argv"][0]).resolve() == harness.KERNEL_BIN.resolve()
        assert spec["argv"][1:] == ["run", "--connection-file", "{connection_file}"]
        assert spec["interrupt_mode"] == "message"
        assert spec["env"] == {"KSQLDB_URL": "http://x:1"}
        assert (spec_dir / "logo-32x32.png").read_bytes().startswith(b"\x89PNG")
        assert (spec_dir / "logo-64x64.png").read_bytes().startswith(b"\x89PNG")
        specs = _kernelspecs(env)
        assert name in specs, f"{flags}: {list(specs)}"
        assert Path(specs[name]["resource_dir"]) == spec_dir


def test_install_rejects_bad_names():
    proc = subprocess.run([str(harness.KERNEL_BIN), "install", "--prefix", tempfile.mkdtemp(), "--name", "Bad Name"],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "must match" in proc.stderr


def test_check_reports_the_server(fake_server):
    proc = subprocess.run([str(harness.KERNEL_BIN), "check", "--url", fake_server.url],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "0.29.0" in proc.stdout
    assert "RUNNING" in proc.stdout
    assert "healthy" in proc.stdout


def test_check_fails_clearly_when_nothing_listens():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.run([str(harness.KERNEL_BIN), "check", "--url", f"http://127.0.0.1:{port}"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert f"127.0.0.1:{port}" in proc.stderr
    assert "\x1b[" not in proc.stderr  # no terminal colour codes in a plain log


def test_install_refuses_secrets_in_kernel_json_unless_forced():
    prefix = tempfile.mkdtemp()
    spec = os.path.join(prefix, "share", "jupyter", "kernels", "sec", "kernel.json")
    for env in ("KSQLDB_PASSWORD=hunter2-secret", "KSQLDB_API_SECRET=hunter2-secret", "KSQLDB_TOKEN=hunter2-secret",
                "KSQLDB_URL=https://key:hunter2-secret@h:443", "BROKEN-hunter2-secret"):
        proc = subprocess.run([str(harness.KERNEL_BIN), "install", "--prefix", prefix, "--name", "sec", "--env", env],
                              capture_output=True, text=True)
        assert proc.returncode != 0, env
        assert "hunter2" not in proc.stdout + proc.stderr, proc.stderr
        assert not os.path.exists(spec), env
    assert "config.toml" in proc.stderr or "NAME=VALUE" in proc.stderr
    proc = subprocess.run([str(harness.KERNEL_BIN), "install", "--prefix", prefix, "--name", "sec",
                           "--env", "KSQLDB_PASSWORD=hunter2-secret", "--allow-secrets-in-kernelspec"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "warning" in proc.stderr and "KSQLDB_PASSWORD" in proc.stderr and "hunter2" not in proc.stderr
    with open(spec) as f:
        assert json.load(f)["env"]["KSQLDB_PASSWORD"] == "hunter2-secret"
