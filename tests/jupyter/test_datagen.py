"""The sandbox's Datagen connector through a real Jupyter client: every quickstart writes its
documented fields and key, a connector fills its topic and stops after `iterations`, paces
itself by `max.interval`, repeats itself with a seed, registers an Avro schema, and %cleanup
drops it; against a real server the statement goes out unchanged."""
import json
import os
import re
import time

import pytest
from jupyter_client.manager import start_new_kernel

import harness
from ksql_helpers import fake, kernel_env, ok, results, run, standalone_sandbox, texts

DATAGEN = "io.confluent.kafka.connect.datagen.DatagenConnector"

# The quickstarts' top-level fields and key field, as Datagen's documentation and schemas
# list them (written here independently of the kernel's table).
DOCUMENTED = {
    "orders": (["ordertime", "orderid", "itemid", "orderunits", "address"], "orderid"),
    "users": (["registertime", "userid", "regionid", "gender"], "userid"),
    "pageviews": (["viewtime", "userid", "pageid"], "viewtime"),
    "ratings": (["rating_id", "user_id", "stars", "route_id", "rating_time", "channel", "message"], "rating_id"),
    "clickstream": (["ip", "userid", "remote_user", "time", "_time", "request", "status", "bytes", "referrer",
                     "agent"], "ip"),
    "stock_trades": (["side", "quantity", "symbol", "price", "account", "userid"], "symbol"),
    "transactions": (["transaction_id", "card_id", "user_id", "purchase_id", "store_id"], "transaction_id"),
    "purchases": (["id", "item_type", "quantity", "price_per_unit"], "id"),
    "inventory": (["id", "quantity", "productid"], "id"),
    "stores": (["store_id", "city", "state"], "store_id"),
    "shoes": (["id", "brand", "name", "sale_price", "rating"], "id"),
    "shoe_customers": (["id", "first_name", "last_name", "email", "phone", "street_address", "state", "zip_code",
                        "country", "country_code"], "id"),
    "shoe_orders": (["order_id", "product_id", "customer_id", "ts"], "order_id"),
}


@pytest.fixture(scope="module")
def kc():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQLDB_") or k.startswith("KSQLDB_KERNEL_")}
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30)
    ok(kc, "SET 'auto.offset.reset'='earliest';")
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def connector(name, quickstart, topic, **config):
    options = {"connector.class": DATAGEN, "kafka.topic": topic, "quickstart": quickstart, **config}
    body = ", ".join(f"'{k}'='{v}'" for k, v in options.items())
    return f"CREATE SOURCE CONNECTOR {name} WITH ({body});"


def printed(kc, topic, n):
    """(key, value as JSON, headers text) of the first `n` records PRINT shows."""
    doc = results(ok(kc, f"PRINT {topic} FROM BEGINNING LIMIT {n};", timeout=30))[-1]
    names = [c["name"] for c in doc["columns"]]
    rows = [dict(zip(names, row)) for row in doc["rows"]]
    assert len(rows) == n, doc
    return [(r["KEY"], json.loads(r["VALUE"]), r["HEADERS"]) for r in rows]


def records_produced(kc, name):
    text = texts(ok(kc, f"DESCRIBE CONNECTOR {name};"))
    found = re.search(r"Records produced\s*:\s*([\d ,]+)", text)
    assert found, text
    return int(re.sub(r"\D", "", found.group(1)))


@pytest.mark.parametrize("quickstart", sorted(DOCUMENTED))
def test_each_quickstart_writes_its_documented_fields_and_key(kc, quickstart):
    fields, key_field = DOCUMENTED[quickstart]
    ok(kc, connector(f"qs_{quickstart}", quickstart, f"qs_{quickstart}", **{"iterations": 3, "max.interval": 0}))
    for key, value, headers in printed(kc, f"qs_{quickstart}", 3):
        assert list(value) == fields, value
        assert key == str(value[key_field]), (key, value)
        assert "current.iteration=" in headers, headers


def test_a_connector_fills_its_topic_and_stops_after_its_iterations(kc):
    ok(kc, connector("views", "pageviews", "views", **{"iterations": 40, "max.interval": 0, "random.seed": 3}))
    listing = texts(ok(kc, "SHOW CONNECTORS;"))
    assert "| VIEWS " in listing and DATAGEN in listing, listing
    ok(kc, "CREATE STREAM views (viewtime BIGINT, userid VARCHAR, pageid VARCHAR) "
           "WITH (kafka_topic='views', value_format='JSON');")
    ok(kc, "CREATE TABLE views_per_user AS SELECT userid, COUNT(*) AS n FROM views GROUP BY userid;")
    deadline, total = time.monotonic() + 15, 0
    while time.monotonic() < deadline and total != 40:
        doc = results(ok(kc, "SELECT * FROM views_per_user;"))[-1]
        total = sum(row[1] for row in doc["rows"])
        time.sleep(0.2)
    assert total == 40, doc
    time.sleep(0.5)
    assert records_produced(kc, "views") == 40, "no record after the last iteration"
    described = texts(ok(kc, "DESCRIBE CONNECTOR views;"), "text/html")
    assert "FAILED" in described and "generated the configured 40 number of messages" in described, described
    # Pretty JSON values and Datagen's headers in PRINT; keys are the key field as text.
    first = printed(kc, "views", 2)
    assert [k for k, _, _ in first] == ["1", "11"] and first[1][1]["viewtime"] == 11
    assert "current.iteration=1" in first[1][2]
    # IF NOT EXISTS over an existing connector warns; a plain duplicate is an error.
    assert "already exists" in texts(ok(kc, connector("IF NOT EXISTS views", "pageviews", "other")))
    reply, outputs = run(kc, connector("views", "pageviews", "other"))
    assert reply["status"] == "error" and "already exists" in texts(outputs)
    ok(kc, "DROP CONNECTOR views;")
    assert "| VIEWS " not in texts(ok(kc, "SHOW CONNECTORS;"))
    ok(kc, "DROP CONNECTOR IF EXISTS views;")
    ok(kc, "DROP TABLE views_per_user DELETE TOPIC;\nDROP STREAM views;")


def test_max_interval_paces_the_records_and_drop_stops_them(kc):
    ok(kc, connector("paced", "users", "paced", **{"max.interval": 200, "random.seed": 5}))
    time.sleep(0.5)
    first, started = records_produced(kc, "paced"), time.monotonic()
    time.sleep(3.0)
    produced, elapsed = records_produced(kc, "paced") - first, time.monotonic() - started
    # Uniform pauses below 200 ms: about 10 records a second.
    rate = produced / elapsed
    assert 5 <= rate <= 16, f"{produced} records in {elapsed:.1f} s"
    assert "unbounded" in texts(ok(kc, "DESCRIBE CONNECTOR paced;"))
    ok(kc, "DROP CONNECTOR paced;")
    after_drop = texts(ok(kc, "SHOW CONNECTORS;"))
    assert "| PACED " not in after_drop, after_drop


def test_a_seed_repeats_the_output_and_avro_registers_the_schema(kc):
    for name in ("seed_a", "seed_b"):
        ok(kc, connector(name, "orders", name, **{"iterations": 5, "max.interval": 0, "random.seed": 42}))
    a, b = printed(kc, "seed_a", 5), printed(kc, "seed_b", 5)
    assert [v for _, v, _ in a] == [v for _, v, _ in b]
    # Confluent Cloud's class name and output format: the value schema is registered, so a
    # stream over the topic needs no columns.
    ok(kc, "CREATE SOURCE CONNECTOR av WITH ('connector.class'='DatagenSource', 'kafka.topic'='av', "
           "'quickstart'='pageviews', 'output.data.format'='AVRO', 'iterations'='3', 'max.interval'='0');")
    ok(kc, "CREATE STREAM av WITH (kafka_topic='av', value_format='AVRO');")
    described = texts(ok(kc, "DESCRIBE av;"))
    for column in ("VIEWTIME", "USERID", "PAGEID"):
        assert column in described, described


def test_bad_connector_statements_are_clear_errors_and_the_next_cell_works(kc):
    cases = [
        (connector("bad1", "nosuch", "t"), "quickstart"),
        ("CREATE SOURCE CONNECTOR bad2 WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSourceConnector');",
         "needs Kafka Connect"),
        (connector("bad3", "users", "t", **{"max.interval": "soon"}), "max.interval"),
        ("CREATE SOURCE CONNECTOR bad4 WITH ('connector.class'='DatagenSource', 'quickstart'='users');", "kafka.topic"),
    ]
    for cell, needle in cases:
        reply, outputs = run(kc, cell)
        assert reply["status"] == "error" and needle in texts(outputs), (cell, texts(outputs))
    assert "| BAD" not in texts(ok(kc, "SHOW CONNECTORS;"))


def test_a_secret_in_the_config_is_never_shown(kc):
    out = ok(kc, connector("sec", "users", "sec", **{"iterations": 1, "kafka.api.secret": "hunter2-xyz"}))
    everything = texts(out) + texts(out, "text/html") + json.dumps([m["content"] for m in out])
    assert "hunter2-xyz" not in everything and "*****" in texts(out)
    ok(kc, "DROP CONNECTOR sec;")
    # Nor when the statement fails: the error shows the statement with the value masked.
    reply, out = run(kc, "CREATE SOURCE CONNECTOR jdbc WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSourceConnector', "
                         "'connection.url'='jdbc:postgresql://db/x', 'connection.password'='hunter2-xyz');")
    everything = texts(out) + texts(out, "text/html") + json.dumps([m["content"] for m in out]) + json.dumps(reply)
    assert reply["status"] == "error" and "needs Kafka Connect" in texts(out), texts(out)
    assert "hunter2-xyz" not in everything, everything


def test_against_a_real_server_the_statement_goes_out_unchanged():
    statement = connector("remote", "orders", "orders", **{"max.interval": 100})
    with fake() as server, kernel_env(server.url) as kc:
        run(kc, statement)
        sent = [json.loads(r["body"])["ksql"] for r in server.requests() if r["path"] == "/ksql" and r["body"]]
        assert any(s.strip() == statement for s in sent), sent


def test_cleanup_drops_the_connector_and_skips_what_someone_else_re_created():
    with standalone_sandbox() as (url, other_client), kernel_env(url) as kc:
        ok(kc, connector("gen", "pageviews", "pv", **{"max.interval": 50}))
        ok(kc, "CREATE STREAM pv (viewtime BIGINT, userid VARCHAR, pageid VARCHAR) "
               "WITH (kafka_topic='pv', value_format='JSON');")
        ok(kc, "CREATE STREAM pv_user1 AS SELECT * FROM pv WHERE userid = 'User_1' EMIT CHANGES;")
        ok(kc, "CREATE STREAM scratch (id INT) WITH (kafka_topic='scratch', value_format='JSON', partitions=1);")
        # Another client replaces SCRATCH with a stream over another topic.
        other_client("DROP STREAM scratch;")
        other_client("CREATE STREAM scratch (id INT) WITH (kafka_topic='theirs', value_format='JSON', "
                     "partitions=1);")
        plan = texts(ok(kc, "%cleanup"))
        steps = [line for line in plan.splitlines() if "TERMINATE" in line or "DROP" in line]
        assert len(steps) == 4, plan
        # The queries end first, then the data stops flowing, then the streams go, newest first.
        assert "TERMINATE `CSAS_PV_USER1" in steps[0] and "DROP CONNECTOR `GEN`" in steps[1], plan
        assert "DROP STREAM `PV_USER1`" in steps[2] and "DROP STREAM `PV`" in steps[3], plan
        assert "STREAM SCRATCH was changed by someone else" in plan and "'theirs'" in plan, plan
        done = texts(ok(kc, "%cleanup --yes"))
        assert done.count("✔ done") == 4, done
        assert "| GEN " not in texts(ok(kc, "SHOW CONNECTORS;"))
        streams = texts(ok(kc, "SHOW STREAMS;"))
        assert "| SCRATCH " in streams and "| PV" not in streams, streams
        assert "created nothing" in texts(ok(kc, "%cleanup"))
