"""The embedded sandbox driven by the ksqlDB client libraries people use, through their typical
flows (create, insert, push and pull queries, errors): the PyPI `ksql` (ksql-python) and
`ksqldb` packages, each in a virtualenv of its own (their HTTP/2 libraries conflict), and the
npm `ksqldb-client`. The flows are scripts in clients/ that print what each step gave; the
tests check it against what a real ksqlDB 0.29 answers the same calls."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ksql_helpers import standalone_sandbox

CLIENTS = Path(__file__).parent / "clients"
# Pinned: the flows follow these versions' APIs.
KSQL_PYTHON = "ksql==0.10.2"
KSQLDB_PYTHON = "ksqldb==1.0.1"
KSQLDB_NODE = "ksqldb-client@1.0.5"


def virtualenv(root, *install, no_build_isolation=False):
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, capture_output=True, timeout=120)
    python = root / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if no_build_isolation:
        # ksql 0.10.2's setup.py imports pip: it builds only in the environment it goes to.
        subprocess.run(pip + ["setuptools", "wheel"], check=True, capture_output=True, timeout=300)
        pip.append("--no-build-isolation")
    done = subprocess.run(pip + list(install), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return python


def run_flow(command, timeout=90):
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ksql_python_flows(tmp_path):
    python = virtualenv(tmp_path / "ksql", KSQL_PYTHON, no_build_isolation=True)
    with standalone_sandbox() as (url, _):
        out = run_flow([str(python), str(CLIENTS / "ksql_python_flow.py"), url])
    assert out["version"] == "0.29.0"
    assert out["create"] is True
    # Its inserts_stream speaks HTTP/1.1 offering `Upgrade: h2c`.
    assert out["insert"] == [{"status": "ok", "seq": 0}, {"status": "ok", "seq": 1}]
    names = [s["name"] for s in out["streams"][0]["streams"]]
    assert sorted(names) == ["PAGEVIEWS", "PAGEVIEWS_RAW"]
    assert {"name", "value"} <= set(out["properties"][0])
    # /query with no Accept header: the StreamedRow array, one element a line, no newline at the end.
    lines = out["rows"]
    assert lines[0].startswith('[{"header":{"queryId":"transient_PAGEVIEWS_') and lines[0].endswith("},\n"), lines
    assert lines[1:] == ['{"row":{"columns":[1,"u1","p1"]}},\n', '{"row":{"columns":[2,"u2","p2"]}},\n',
                         '{"finalMessage":"Limit Reached"}]'], lines
    # query(use_http2=True): /query-stream, delimited.
    http2 = out["rows_http2"]
    assert json.loads(http2[0])["columnNames"] == ["VIEWTIME", "USERID", "PAGEID"], http2
    assert http2[1:] == ['[1,"u1","p1"]\n', '[2,"u2","p2"]\n'], http2
    assert out["error"]["type"] == "KSQLError" and "Syntax Error" in out["error"]["text"], out["error"]


def test_ksqldb_python_flows(tmp_path):
    python = virtualenv(tmp_path / "ksqldb", KSQLDB_PYTHON)
    with standalone_sandbox() as (url, _):
        out = run_flow([str(python), str(CLIENTS / "ksqldb_python_flow.py"), url])
    assert out["create"][0]["commandStatus"]["status"] == "SUCCESS"
    assert out["table"][0]["commandStatus"]["queryId"] == "CTAS_TOTALS_0"
    assert out["inserts"] == [{"status": "ok", "seq": n} for n in range(3)]
    # /query-stream over HTTP/2 with httpx's `Accept: */*`: delimited, parsed line by line.
    assert out["pull"][0]["columnNames"] == ["ITEM", "QTY"] and out["pull"][1:] == [["tea", 5]], out["pull"]
    assert out["push"][0]["queryId"].startswith("transient_ORDERS_")
    assert out["push"][1:] == [[1, "tea", 2], [2, "tea", 3], [3, "jam", 1]], out["push"]
    assert out["close_after_end"] is False  # the query ended with its LIMIT


def test_npm_ksqldb_client_flows(tmp_path):
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        if os.environ.get("CI"):
            raise RuntimeError("node and npm are needed for the npm ksqldb-client test")
        pytest.skip("no node/npm: the npm ksqldb-client test needs them")
    install = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(tmp_path),
                              KSQLDB_NODE], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    script = tmp_path / "flow.js"
    shutil.copy(CLIENTS / "ksqldb_client_flow.js", script)  # next to its node_modules
    with standalone_sandbox() as (url, _):
        host, port = url.rsplit(":", 1)
        out = run_flow([node, str(script), host, port])
    assert out["create"]["status"] == 200 and out["table"]["status"] == 200, out
    assert out["insert1"]["status"] == 200 and out["insert2"]["data"]["rows"] == [{"status": "ok", "seq": 0}]
    assert [s["name"] for s in out["streams"]] == ["RIDERS"]
    assert out["describe"]["name"] == "RIDERS" and out["describe"]["readQueries"][0]["id"] == "CTAS_FASTEST_0"
    # The client parses every HTTP/2 DATA frame as one element: the header, then a row a frame.
    rows = [r for p in out["pushed"] for r in p.get("rows", [])]
    assert rows == [{"ID": "r1", "SPEED": 12}, {"ID": "r2", "SPEED": 30}], out["pushed"]
    assert out["pushed"][0]["metadata"]["columnNames"] == ["ID", "SPEED"]
    assert out["pull"]["data"]["rows"] == [{"ID": "r2", "TOP": 30}], out["pull"]
    assert out["bad"]["status"] == 400 and out["bad"]["error"]["error_code"] == 40001, out["bad"]


CONFLUENT_KAFKA = "confluent-kafka[schemaregistry]==2.6.1"


def test_confluent_schema_registry_client_flows(tmp_path):
    python = virtualenv(tmp_path / "confluent", CONFLUENT_KAFKA)
    with standalone_sandbox() as (url, _):
        out = run_flow([str(python), str(CLIENTS / "schema_registry_flow.py"), url])
    assert out["id1"] == out["id1_again"] and out["id2"] != out["id1"], out
    assert out["latest"] == {"subject": "orders-value", "version": 2, "id": out["id2"]}
    assert out["by_id"]["fields"] == [{"name": "id", "type": "long"}], out["by_id"]
    assert out["versions"] == [1, 2]
    # A field without a default cannot read older data: not BACKWARD compatible.
    assert out["compatible_v3"] is False
    assert out["incompatible"] == {"status": 409, "code": 409}, out["incompatible"]
    assert out["missing"] == {"status": 404, "code": 40401, "message": "Subject 'nobody-value' not found."}
    assert (out["global_level"], out["subject_level"]) == ("BACKWARD", "FULL")
    assert out["lookup_version"] == 2
    # ksqlDB infers the stream's columns from the latest schema, upper-casing the names.
    assert out["inferred"] == [["ID", "BIGINT"], ["NOTE", "STRING"]], out["inferred"]
    # The CSAS registered its sink's schema as ksqlDB does.
    assert out["sink_schema"] == {
        "name": "KsqlDataSourceSchema", "namespace": "io.confluent.ksql.avro_schemas",
        "fields": [["ID", ["null", "long"]], ["NOTE", ["null", "string"]]]}, out["sink_schema"]
    assert out["subjects"] == ["BIG_ORDERS-value", "orders-value"]
    assert out["deleted"] == [1]
