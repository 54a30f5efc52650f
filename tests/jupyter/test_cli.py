"""The command line: `install` into each kind of destination (seen by `jupyter kernelspec
list`), and `check`, the connectivity test from a shell."""
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

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


def _jupyter_install_dir(flags, env, tmp):
    """Where `jupyter kernelspec install` itself puts a kernelspec with these flags."""
    source = tmp / "source-spec"
    source.mkdir(exist_ok=True)
    (source / "kernel.json").write_text(json.dumps({"argv": ["x", "{connection_file}"], "display_name": "x",
                                                    "language": "ksql"}))
    proc = subprocess.run(JUPYTER_KERNELSPEC + ["install", str(source), "--name", "ksqldb-ref", *flags],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return Path(_kernelspecs(env)["ksqldb-ref"]["resource_dir"]).parent


@pytest.mark.parametrize("flags, env_vars", [
    (["--user"], {"JUPYTER_DATA_DIR": "data"}),
    # JUPYTER_PATH is where Jupyter looks first, never where it installs.
    (["--user"], {"JUPYTER_DATA_DIR": "data", "JUPYTER_PATH": "path-a" + os.pathsep + "path-b"}),
    (["--user"], {"XDG_DATA_HOME": "xdg", "JUPYTER_PATH": "path-a"}),
    (["--user"], {"XDG_DATA_HOME": "xdg", "JUPYTER_PLATFORM_DIRS": "1"}),
    (["--user"], {"HOME": "home"}),
    (["--prefix", "prefix"], {"JUPYTER_PATH": "prefix/share/jupyter", "JUPYTER_DATA_DIR": "data"}),
])
def test_install_goes_where_jupyter_kernelspec_install_goes(tmp_path, flags, env_vars):
    """Each destination flag under each Jupyter folder variable: the same kernels folder as
    `jupyter kernelspec install` with the same flags, and listed from there."""
    absolute = {k: os.pathsep.join(str(tmp_path / p) for p in v.split(os.pathsep)) if k != "JUPYTER_PLATFORM_DIRS"
                else v for k, v in env_vars.items()}
    env = {k: v for k, v in _clean_env(**absolute).items() if k in absolute or k not in ("XDG_DATA_HOME", "HOME")}
    env.setdefault("HOME", str(tmp_path / "home"))
    flags = [str(tmp_path / f) if f == "prefix" else f for f in flags]
    expected = _jupyter_install_dir(flags, env, tmp_path)
    proc = subprocess.run([str(harness.KERNEL_BIN), "install", "--name", "ksqldb-dest", *flags], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    listed = Path(_kernelspecs(env)["ksqldb-dest"]["resource_dir"])
    assert listed == expected / "ksqldb-dest", proc.stdout
    assert str(listed) in proc.stdout
    assert str(tmp_path) in str(listed)  # never the developer's own folders
