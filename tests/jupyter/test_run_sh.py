"""`./run.sh lab`, run for real on a stand-in project: run.sh, pyproject.toml, python/ and
tests/requirements.txt are copied next to a tiny `ksqldb-kernel` crate, which the real maturin
and cargo build into the target dir that CARGO_TARGET_DIR or a cargo config names; its .venv's
python and jupyter only say how they were called (and keep the wheel pip was given). No
release build of the kernel, no browser."""
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

import harness

MATURIN = os.path.join(os.path.dirname(sys.executable), "maturin")


def _stand_in_project(root):
    for name in ("run.sh", "pyproject.toml"):
        shutil.copy(harness.ROOT / name, root / name)
    shutil.copytree(harness.ROOT / "python", root / "python", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "README.md").write_text("# stand-in\n")
    (root / "tests").mkdir()
    shutil.copy(harness.ROOT / "tests" / "requirements.txt", root / "tests" / "requirements.txt")
    (root / "Cargo.toml").write_text('[package]\nname = "ksqldb-kernel"\nversion = "0.0.0"\nedition = "2021"\n'
                                     "[workspace]\n")
    (root / "src").mkdir()
    (root / "src" / "main.rs").write_text('fn main() {\n    println!("stand-in kernel");\n}\n')
    (root / "notebooks").mkdir()
    for name in ("01-getting-started.ipynb", "02-quickstart.ipynb"):
        (root / "notebooks" / name).write_text("{}")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    kept = root / "pip-got"
    stubs = {
        # pip keeps a copy of each wheel it is given (run.sh removes its own).
        "python": f'#!/bin/sh\necho "stand-in python $*"\nfor a in "$@"; do case "$a" in *.whl) mkdir -p {kept}; '
                  f'cp "$a" {kept}/;; esac; done\n',
        "jupyter": '#!/bin/sh\necho "stand-in jupyter $*"\n',
        "maturin": f'#!/bin/sh\nexec {MATURIN} "$@"\n',
    }
    for tool, script in stubs.items():
        (bin_dir / tool).write_text(script)
        (bin_dir / tool).chmod(0o755)
    return kept


def _id_saying(uid, folder):
    """An `id` that answers `id -u` with uid (the only way to be root or not in a test)."""
    folder.mkdir()
    (folder / "id").write_text(f'#!/bin/sh\n[ "$1" = -u ] && echo {uid} && exit 0\nexec /usr/bin/id "$@"\n')
    (folder / "id").chmod(0o755)
    return folder


@pytest.mark.parametrize("uid, where", [(0, "CARGO_TARGET_DIR"), (1000, "cargo config")])
def test_run_sh_lab_installs_the_wheel_cargo_built_and_allows_root(tmp_path, uid, where):
    root = tmp_path / "project"
    root.mkdir()
    kept = _stand_in_project(root)
    elsewhere = tmp_path / "elsewhere"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO_TARGET_DIR", "KSQLDB_", "VIRTUAL_ENV"))}
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
    assert built.exists() and not (root / "target").exists()
    # .venv gets what the README says to run from it (and maturin), pinned as the tests pin them.
    pip = [line.split() for line in out.splitlines() if line.startswith("stand-in python -m pip install")]
    pins = {req.split("==")[0]: req for req in pip[0] if "==" in req}
    assert set(pins) == {"jupyterlab", "jupyter-console", "papermill", "maturin"}, pip
    assert all(req in (root / "tests" / "requirements.txt").read_text().splitlines() for req in pins.values())
    # ... and the kernel the pip way: the wheel of what cargo built, with its kernelspec.
    assert "--force-reinstall" in pip[1] and pip[1][-1].endswith(".whl"), pip
    [wheel] = kept.glob("ksqldb_kernel-0.0.0-*.whl")
    with zipfile.ZipFile(wheel) as z:
        assert z.read("ksqldb_kernel-0.0.0.data/scripts/ksqldb-kernel") == built.read_bytes()
        assert "ksqldb_kernel-0.0.0.data/data/share/jupyter/kernels/ksqldb/kernel.json" in z.namelist()
        assert "ksqldb_kernel/__main__.py" in z.namelist()
    assert not os.path.exists(pip[1][-1]), "run.sh leaves no wheel folder behind"
    jupyter = next(line for line in out.splitlines() if line.startswith("stand-in jupyter"))
    args = jupyter.split()[2:]
    assert args[0] == "lab" and f"--notebook-dir={root / 'notebooks'}" in args and args[-1] == "--no-browser"
    assert ("--allow-root" in args) == (uid == 0), jupyter
    assert ("running as root" in out) == (uid == 0), out
    assert "open 01-getting-started.ipynb first" in out, out
