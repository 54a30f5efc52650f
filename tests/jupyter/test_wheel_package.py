"""The wheel's Python package from source (python/ksqldb_kernel): the papermill translator's
DEFINE lines, and the launcher that kernel.json starts."""
import os
import subprocess
import sys

import nbformat
import pytest

import harness

# The source, ahead of a wheel that ./run.sh lab may have installed in this environment (which
# papermill would load through its entry point on import).
sys.path.insert(0, str(harness.ROOT / "python"))
from ksqldb_kernel.papermill_translator import KsqlTranslator  # noqa: E402  (registers "ksql")
from papermill.exceptions import PapermillException  # noqa: E402
from papermill.translators import translate_parameters  # noqa: E402


def define_lines(**parameters):
    return translate_parameters("ksqldb", "ksql", parameters, "Parameters")


def test_parameters_become_quoted_defines():
    assert define_lines(region="eu", limit=5) == "-- Parameters\nDEFINE region = 'eu';\nDEFINE limit = '5';\n"


def test_quotes_are_doubled_and_text_is_kept_as_written():
    assert KsqlTranslator.translate("it's") == "'it''s'"
    assert KsqlTranslator.translate("''") == "''''''"
    assert KsqlTranslator.translate("grüß 東京 🚀") == "'grüß 東京 🚀'"
    # No escapes of other languages: backslashes, newlines and ${...} pass through.
    assert KsqlTranslator.translate("a\\b\nc ${x}") == "'a\\b\nc ${x}'"


def test_numbers_booleans_and_none_are_their_text():
    assert KsqlTranslator.translate(True) == "'true'"
    assert KsqlTranslator.translate(False) == "'false'"
    assert KsqlTranslator.translate(-7) == "'-7'"
    assert KsqlTranslator.translate(0.1) == "'0.1'"
    assert KsqlTranslator.translate(float("inf")) == "'Infinity'"
    assert KsqlTranslator.translate(float("nan")) == "'NaN'"
    assert KsqlTranslator.translate(None) == "''"


def test_bad_names_and_values_fail_clearly():
    for name in ("bad-name", "1st", "with space", "région", ""):
        with pytest.raises(PapermillException, match="not a ksqlDB variable name"):
            define_lines(**{name: "x"})
    with pytest.raises(PapermillException, match="list parameter"):
        define_lines(regions=["eu", "us"])
    with pytest.raises(PapermillException, match="dict parameter"):
        define_lines(opts={"a": 1})


def test_the_parameters_cell_is_inspected():
    cell = nbformat.v4.new_code_cell("-- defaults\nDEFINE region = 'us';  -- where\n"
                                     "define Note = 'it''s';\nSHOW STREAMS;")
    params = KsqlTranslator.inspect(cell)
    assert [(p.name, p.default, p.help) for p in params] == [("region", "'us'", "where"), ("Note", "'it''s'", "")]



@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A virtualenv with nothing installed (no pip even): the launcher's scripts folder and
    sys.executable's folder hold no ksqldb-kernel, whatever the test environment has."""
    root = tmp_path_factory.mktemp("bare") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=60)
    return root / "bin" / "python"


def launcher(python, path_dirs, *args):
    env = dict(os.environ, PYTHONPATH=str(harness.ROOT / "python"), PATH=os.pathsep.join(map(str, path_dirs)))
    return subprocess.run([str(python), "-m", "ksqldb_kernel", *args], env=env, capture_output=True, text=True,
                          timeout=30)


def test_launcher_runs_the_binary_it_finds(bare_python, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ksqldb-kernel").symlink_to(harness.KERNEL_BIN.resolve())
    run = launcher(bare_python, [bin_dir, "/usr/bin", "/bin"], "--version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ksqldb-kernel ")


def test_launcher_says_where_it_looked_when_the_binary_is_missing(bare_python, tmp_path):
    run = launcher(bare_python, [tmp_path], "run", "--connection-file", "x.json")
    assert run.returncode == 127
    assert "cannot find the ksqldb-kernel binary" in run.stderr
    assert str(bare_python.parent) in run.stderr
