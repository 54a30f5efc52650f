"""Sharing a notebook's work, through a real Jupyter client on the embedded sandbox: %save
writes the last result for other tools."""
import json
import os

import pytest
from jupyter_client.manager import start_new_kernel

import harness
from ksql_helpers import fail, ok, texts


@pytest.fixture(scope="module")
def kc(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQLDB_") or k.startswith("KSQLDB_KERNEL_")}
    folder = tmp_path_factory.mktemp("notebook-folder")
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30, cwd=str(folder))
    kc.folder = folder
    ok(kc, "SET 'auto.offset.reset' = 'earliest';")
    ok(kc, "CREATE STREAM pay (id VARCHAR KEY, amount DECIMAL(20, 2), note VARCHAR, at TIMESTAMP) "
           "WITH (kafka_topic='pay', value_format='JSON', partitions=1);")
    ok(kc, "INSERT INTO pay (id, amount, note, at) VALUES ('a', 12345678901234567.10, '', '2024-01-02T03:04:05.678');\n"
           "INSERT INTO pay (id, amount, note, at) VALUES ('b', 0.50, NULL, NULL);\n"
           "INSERT INTO pay (id, amount, note, at) VALUES ('c', 7.00, 'größe, \"x\"', '2024-01-02T03:04:06');")
    ok(kc, "CREATE TABLE pay_by_id AS SELECT id, LATEST_BY_OFFSET(amount) AS amount, LATEST_BY_OFFSET(note) AS note, "
           "LATEST_BY_OFFSET(at) AS at FROM pay GROUP BY id;")
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_save_writes_the_last_pull_result_exactly(kc):
    ok(kc, "SELECT * FROM pay_by_id;")
    out = texts(ok(kc, "%save pay.csv"))
    assert "Wrote 3 rows" in out and "pay.csv" in out, out
    text = (kc.folder / "pay.csv").read_bytes().decode()
    lines = text.split("\r\n")
    assert lines[0] == "ID,AMOUNT,NOTE,AT"
    assert sorted(lines[1:4]) == [
        'a,12345678901234567.10,"",2024-01-02T03:04:05.678Z',  # empty text is "" ...
        "b,0.50,,",  # ... NULL is an empty field
        'c,7.00,"größe, ""x""",2024-01-02T03:04:06.000Z',
    ], lines
    ok(kc, "%save pay.jsonl")
    rows = [json.loads(line) for line in (kc.folder / "pay.jsonl").read_text().splitlines()]
    assert {r["ID"]: r["NOTE"] for r in rows} == {"a": "", "b": None, "c": 'größe, "x"'}
    assert '"AMOUNT":12345678901234567.10' in (kc.folder / "pay.jsonl").read_text()


def test_save_refuses_to_overwrite_and_saves_a_push_views_rows(kc):
    before = (kc.folder / "pay.csv").read_bytes()
    reply, outputs, err = fail(kc, "%save pay.csv")
    assert "--force" in err["evalue"] and (kc.folder / "pay.csv").read_bytes() == before
    ok(kc, "SELECT id, amount FROM pay EMIT CHANGES LIMIT 2;", timeout=30)
    ok(kc, "%save pay.csv --force")
    assert (kc.folder / "pay.csv").read_text().splitlines() == ["ID,AMOUNT", "a,12345678901234567.10", "b,0.50"]
    reply, outputs, err = fail(kc, "%save no/such/folder/x.csv")
    assert "nothing was written" in err["evalue"]
    assert not [p for p in os.listdir(kc.folder) if p.startswith(".")], "no partial file left behind"
