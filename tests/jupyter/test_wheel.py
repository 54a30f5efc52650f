"""The wheel, installed the way Jupyter users install a kernel: `pip install` into a fresh
virtualenv, then that environment's `jupyter kernelspec list`, jupyter_client and papermill,
run by path with the environment not activated (its bin/ not on PATH)."""
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

import harness

# The versions the test tools run (tests/requirements.txt), so pip's cache serves them.
CLIENT_PACKAGES = [f"{name}=={importlib.metadata.version(name)}" for name in ("jupyter_client", "papermill")]
# A PATH without any virtualenv: the kernel must be found through kernel.json alone.
BARE_PATH = os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin") if os.path.isdir(p))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """`maturin build` of the repository, in the workspace's target dir and the test profile
    (a dev build: the wheel's packaging is under test, not the optimizer)."""
    out = tmp_path_factory.mktemp("wheels")
    profile = "dev" if harness.PROFILE == "debug" else harness.PROFILE
    build = subprocess.run([sys.executable, "-m", "maturin", "build", "--profile", profile, "--out", str(out)],
                           cwd=harness.ROOT, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr[-3000:]
    wheels = list(out.glob("ksqldb_kernel-*.whl"))
    assert len(wheels) == 1, build.stderr[-3000:]
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory):
    """A fresh virtualenv with the wheel, jupyter_client and papermill pip-installed."""
    root = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, capture_output=True, timeout=120)
    pip = subprocess.run([str(_bin(root, "python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          str(wheel), *CLIENT_PACKAGES], capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return root


def _bin(root, name):
    return root / ("Scripts" if os.name == "nt" else "bin") / name


def _env(tmp_path):
    """The test process's environment without the virtualenv, Jupyter paths or ksqlDB
    settings (no KSQLDB_URL: the kernel starts its embedded sandbox), and an empty user data
    dir, so only the virtualenv's kernelspec can be found."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "JUPYTER_PATH", "PYTHONPATH", "PYTHONHOME")
           and (not k.startswith("KSQLDB_") or k in ("KSQLDB_KERNEL_CONFIG", "KSQLDB_KERNEL_HISTORY"))}
    env.update(PATH=BARE_PATH, JUPYTER_DATA_DIR=str(tmp_path / "user-data"))
    return env


def test_pip_install_puts_the_kernelspec_where_jupyter_lists_it(venv, tmp_path):
    listing = subprocess.run([str(_bin(venv, "jupyter")), "kernelspec", "list", "--json"], env=_env(tmp_path),
                             capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    specs = json.loads(listing.stdout)["kernelspecs"]
    assert "ksqldb" in specs, list(specs)
    resource_dir = Path(specs["ksqldb"]["resource_dir"])
    assert resource_dir == venv / "share" / "jupyter" / "kernels" / "ksqldb"
    spec = specs["ksqldb"]["spec"]
    assert spec["argv"] == ["python", "-m", "ksqldb_kernel", "run", "--connection-file", "{connection_file}"]
    # The rest as in kernelspec/kernel.json (what `ksqldb-kernel install` writes).
    source = json.loads((harness.ROOT / "kernelspec" / "kernel.json").read_text())
    for key in ("display_name", "language", "interrupt_mode", "metadata"):
        assert spec[key] == source[key], key
    for logo in ("logo-32x32.png", "logo-64x64.png"):
        assert (resource_dir / logo).read_bytes() == (harness.ROOT / "kernelspec" / logo).read_bytes()
    # The version is Cargo.toml's.
    version = subprocess.run([str(_bin(venv, "python")), "-c",
                              "import importlib.metadata as m; print(m.version('ksqldb-kernel'))"],
                             env=_env(tmp_path), capture_output=True, text=True, check=True).stdout.strip()
    cargo = (harness.ROOT / "Cargo.toml").read_text()
    assert f'\nversion = "{version}"\n' in cargo



def test_install_sys_prefix_lands_where_the_virtualenvs_jupyter_looks(venv, tmp_path):
    """`ksqldb-kernel install --sys-prefix` in an activated virtualenv (VIRTUAL_ENV set, as
    `activate` does) goes where that environment's own `jupyter kernelspec install
    --sys-prefix` goes, and its `jupyter kernelspec list` finds it there without JUPYTER_PATH."""
    env = _env(tmp_path)
    source = tmp_path / "spec"
    source.mkdir()
    (source / "kernel.json").write_text('{"argv": ["x", "{connection_file}"], "display_name": "x", "language": "x"}')
    subprocess.run([str(_bin(venv, "jupyter")), "kernelspec", "install", str(source), "--sys-prefix",
                    "--name", "ref"], env=env, capture_output=True, check=True, timeout=60)
    install = subprocess.run([str(_bin(venv, "ksqldb-kernel")), "install", "--sys-prefix", "--name", "ksqldb-sys"],
                             env=dict(env, VIRTUAL_ENV=str(venv)), capture_output=True, text=True, timeout=60)
    assert install.returncode == 0, install.stderr
    listing = subprocess.run([str(_bin(venv, "jupyter")), "kernelspec", "list", "--json"], env=env,
                             capture_output=True, text=True, check=True, timeout=60)
    specs = json.loads(listing.stdout)["kernelspecs"]
    ours, ref = Path(specs["ksqldb-sys"]["resource_dir"]), Path(specs["ref"]["resource_dir"])
    assert ours.parent == ref.parent == venv / "share" / "jupyter" / "kernels"
    assert Path(specs["ksqldb-sys"]["spec"]["argv"][0]) == _bin(venv, "ksqldb-kernel").resolve()

CLIENT = textwrap.dedent("""
    import json, os, queue, sys
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="ksqldb", startup_timeout=60)
    try:
        pid = km.provisioner.process.pid
        exe = os.path.realpath(f"/proc/{pid}/exe") if os.path.exists(f"/proc/{pid}/exe") else None
        msg_id = kc.execute("SHOW STREAMS;")
        reply = kc.get_shell_msg(timeout=60)
        outputs = []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            if msg["msg_type"] not in ("status", "execute_input"):
                outputs.append({"type": msg["msg_type"], "content": msg["content"]})
        print(json.dumps({"status": reply["content"]["status"], "exe": exe, "outputs": outputs}))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
""")


def test_a_cell_runs_through_jupyter_client_of_the_virtualenv(venv, tmp_path):
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    run = subprocess.run([str(_bin(venv, "python")), str(script)], env=_env(tmp_path), cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["status"] == "ok", result["outputs"]
    displays = [o for o in result["outputs"] if o["type"] in ("display_data", "execute_result")]
    plain = "\n".join(o["content"]["data"].get("text/plain", "") for o in displays)
    assert "embedded sandbox" in plain, plain
    assert "Stream Name" in plain, plain
    if result["exe"]:
        # python -m ksqldb_kernel exec'd the virtualenv's binary: the kernel kept the pid
        # jupyter_client started, so its signals reach the kernel itself.
        assert Path(result["exe"]) == _bin(venv, "ksqldb-kernel").resolve()


def _parameters_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ksqldb", "display_name": "ksqlDB", "language": "ksql"}
    defaults = nbformat.v4.new_code_cell("DEFINE region = 'us';\nDEFINE limit = '2';\nDEFINE note = 'none';")
    defaults.metadata["tags"] = ["parameters"]
    rows = [(i, "us") for i in range(3)] + [(i, "${region}") for i in range(3, 10)]
    nb.cells = [
        defaults,
        nbformat.v4.new_code_cell("CREATE STREAM orders (id INT, region STRING)\n"
                                  "  WITH (kafka_topic='orders_${region}', value_format='json', partitions=1);"),
        nbformat.v4.new_code_cell("\n".join(f"INSERT INTO orders (id, region) VALUES ({i}, '{r}');" for i, r in rows)),
        nbformat.v4.new_code_cell("SET 'auto.offset.reset' = 'earliest';\n"
                                  "SELECT id, region FROM orders WHERE region = '${region}'\n"
                                  "  EMIT CHANGES LIMIT ${limit};"),
        nbformat.v4.new_code_cell("SHOW VARIABLES;\nSHOW TOPICS;"),
    ]
    nbformat.write(nb, path)


def _plain(cell):
    return "\n".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_papermill_parameters_become_defines(venv, tmp_path):
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    _parameters_notebook(src)
    run = subprocess.run([str(_bin(venv, "papermill")), str(src), str(out), "-k", "ksqldb",
                          "-p", "region", "eu", "-p", "limit", "5", "-p", "note", "it's grüß 東京",
                          "--start-timeout", "60", "--execution-timeout", "60", "--cwd", str(tmp_path)],
                         env=_env(tmp_path), capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert injected[0].source == ("-- Parameters\nDEFINE region = 'eu';\nDEFINE limit = '5';\n"
                                  "DEFINE note = 'it''s grüß 東京';\n")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(o.output_type == "error" for c in code for o in c.outputs), [_plain(c) for c in code]
    create, push, shows = _plain(code[2]), _plain(code[4]), _plain(code[5])
    assert "Stream created" in create, create
    # `${region}` in the INSERTs and the WHERE picked the rows, `${limit}` ended the query
    # after 5 of the 7 'eu' rows.
    assert re.findall(r"\|\s*(\d+)\s*\|\s*(\w+)\s*\|", push) == [(str(i), "eu") for i in range(3, 8)], push
    assert "Limit Reached" in push, push
    assert "it's grüß 東京" in shows and "orders_eu" in shows, shows
    # The parameters cell's DEFINEs, as `papermill --help-notebook` lists them.
    helped = subprocess.run([str(_bin(venv, "papermill")), "--help-notebook", str(src)], env=_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert "region: str (default 'us')" in helped.stdout and "limit: str (default '2')" in helped.stdout, helped
