"""`./run.sh lab`, run for real on a stand-in project: run.sh and tests/requirements.txt are
copied next to a tiny `ksqldb-kernel` crate (built by the real cargo, into the target dir that
CARGO_TARGET_DIR or a cargo config names), a .venv whose python and jupyter only say how
they were called, and a notebooks/ folder. No release build of the kernel, no browser."""
import os
import shutil
import subprocess
import textwrap

import pytest

import harness

STAND_IN_KERNEL = textwrap.dedent("""
    fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let exe = std::env::current_exe().unwrap();
        let venv = std::env::var("VIRTUAL_ENV").unwrap_or_default();
        println!("stand-in kernel {} at {} VIRTUAL_ENV={venv}", args.join(" "), exe.display());
    }
""")


def _stand_in_project(root):
    shutil.copy(harness.ROOT / "run.sh", root / "run.sh")
    (root / "tests").mkdir()
    shutil.copy(harness.ROOT / "tests" / "requirements.txt", root / "tests" / "requirements.txt")
    (root / "Cargo.toml").write_text('[package]\nname = "ksqldb-kernel"\nversion = "0.0.0"\nedition = "2021"\n'
                                     "[workspace]\n")
    (root / "src").mkdir()
    (root / "src" / "main.rs").write_text(STAND_IN_KERNEL)
    (root / "notebooks").mkdir()
    for name in ("01-getting-started.ipynb", "02-quickstart.ipynb"):
        (root / "notebooks" / name).write_text("{}")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("python", "jupyter"):
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "stand-in {tool} $*"\n')
        (bin_dir / tool).chmod(0o755)


def _id_saying(uid, folder):
    """An `id` that answers `id -u` with uid (the only way to be root or not in a test)."""
    folder.mkdir()
    (folder / "id").write_text(f'#!/bin/sh\n[ "$1" = -u ] && echo {uid} && exit 0\nexec /usr/bin/id "$@"\n')
    (folder / "id").chmod(0o755)
    return folder


@pytest.mark.parametrize("uid, where", [(0, "CARGO_TARGET_DIR"), (1000, "cargo config")])
def test_run_sh_lab_uses_the_binary_cargo_built_and_allows_root(tmp_path, uid, where):
    root = tmp_path / "project"
    root.mkdir()
    _stand_in_project(root)
    elsewhere = tmp_path / "elsewhere"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO_TARGET_DIR", "KSQLDB_"))}
    env["PATH"] = os.pathsep.join([str(_id_saying(uid, tmp_path / "stubs")), env["PATH"]])
    if where == "CARGO_TARGET_DIR":
        env["CARGO_TARGET_DIR"] = str(elsewhere)
    else:
        (root / ".cargo").mkdir()
        (root / ".cargo" / "config.toml").write_text(f'[build]\ntarget-dir = "{elsewhere}"\n')
    run = subprocess.run(["bash", str(root / "run.sh"), "lab", "--no-browser"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    built = elsewhere / "release" / "ksqldb-kernel"
    assert not (root / "target").exists()
    # The kernel registered itself into .venv from where cargo put it.
    assert f"stand-in kernel install --sys-prefix at {built} VIRTUAL_ENV={root / '.venv'}" in out, out
    # .venv gets what the README says to run from it, pinned as the tests pin them.
    pip = next(line for line in out.splitlines() if line.startswith("stand-in python -m pip install"))
    pins = {req.split("==")[0]: req for req in pip.split() if "==" in req}
    assert set(pins) == {"jupyterlab", "jupyter-console", "papermill"}, pip
    assert all(req in (root / "tests" / "requirements.txt").read_text().splitlines() for req in pins.values())
    jupyter = next(line for line in out.splitlines() if line.startswith("stand-in jupyter"))
    args = jupyter.split()[2:]
    assert args[0] == "lab" and f"--notebook-dir={root / 'notebooks'}" in args and args[-1] == "--no-browser"
    assert ("--allow-root" in args) == (uid == 0), jupyter
    assert ("running as root" in out) == (uid == 0), out
    assert "open 01-getting-started.ipynb first" in out, out
