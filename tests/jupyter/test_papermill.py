"""papermill runs the getting-started notebook with this kernel (the CLI, as a user would),
and the docker-compose.yml for a real ksqlDB + Kafka pair is valid."""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

import harness


def test_papermill_runs_the_getting_started_notebook(fake_server, tmp_path):
    papermill = Path(sys.executable).with_name("papermill")
    out = tmp_path / "out.ipynb"
    env = dict(os.environ, KSQLDB_URL=fake_server.url)
    run = subprocess.run([str(papermill), str(harness.ROOT / "notebooks" / "01-getting-started.ipynb"), str(out),
                          "-k", harness.KERNEL_NAME, "--start-timeout", "30", "--execution-timeout", "60",
                          "--cwd", str(tmp_path)],
                         env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    assert not nb.metadata.papermill.get("exception")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert all(c.outputs for c in code)
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    html = "".join(o.get("data", {}).get("text/html", "") for c in code for o in c.outputs)
    assert "RIDERS" in html and "Limit Reached" in html


def test_docker_compose_file_is_valid():
    compose = yaml.safe_load((harness.ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    broker, ksqldb = services["broker"], services["ksqldb-server"]
    assert broker["image"].startswith("confluentinc/cp-kafka:")
    assert ksqldb["image"].startswith("confluentinc/ksqldb-server:")
    assert "latest" not in broker["image"] + ksqldb["image"], "pinned versions"
    assert "8088:8088" in ksqldb["ports"]
    env = ksqldb["environment"]
    assert env["KSQL_BOOTSTRAP_SERVERS"].split(":")[0] == "broker"
    assert env["KSQL_LISTENERS"] == "http://0.0.0.0:8088"
    # KRaft, one node that is broker and controller.
    benv = broker["environment"]
    assert set(benv["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert benv["CLUSTER_ID"]
    assert "broker" in ksqldb["depends_on"]
    listeners = benv["KAFKA_ADVERTISED_LISTENERS"]
    assert "broker:29092" in listeners, "the in-network listener ksqlDB uses"
