"""The wheel's Python package from source (python/ksqldb_kernel): the launcher that
kernel.json starts."""
import os
import subprocess
import sys

import harness


def launcher(path_dirs, *args):
    env = dict(os.environ, PYTHONPATH=str(harness.ROOT / "python"), PATH=os.pathsep.join(map(str, path_dirs)))
    return subprocess.run([sys.executable, "-m", "ksqldb_kernel", *args], env=env, capture_output=True, text=True,
                          timeout=30)


def test_launcher_runs_the_binary_it_finds(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ksqldb-kernel").symlink_to(harness.KERNEL_BIN.resolve())
    run = launcher([bin_dir, "/usr/bin", "/bin"], "--version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ksqldb-kernel ")


def test_launcher_says_where_it_looked_when_the_binary_is_missing(tmp_path):
    run = launcher([tmp_path], "run", "--connection-file", "x.json")
    assert run.returncode == 127
    assert "cannot find the ksqldb-kernel binary" in run.stderr
    assert str(os.path.dirname(sys.executable)) in run.stderr
