"""With no server configured the kernel uses its embedded sandbox: the ksqlDB quickstart
runs in a fresh kernel, with the same client code as against real servers."""
import os
import re
import time

import pytest
from jupyter_client.manager import start_new_kernel

import harness
from harness import collect, execute, texts
from ksql_helpers import JSON_MIME, settled


@pytest.fixture
def sandbox_kernel():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQLDB_") or k == "KSQLDB_KERNEL_CONFIG"}
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=env, startup_timeout=30)
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def ok(kc, code, timeout=30):
    reply, outputs = execute(kc, code, timeout=timeout)
    assert reply["content"]["status"] == "ok", texts(outputs)
    return outputs


def test_quickstart_runs_in_the_sandbox(sandbox_kernel):
    kc = sandbox_kernel
    banner = texts(ok(kc, "SHOW STREAMS;"))
    assert "embedded sandbox" in banner and "not a Kafka cluster" in banner
    ok(kc, """CREATE STREAM riderLocations (profileId VARCHAR, latitude DOUBLE, longitude DOUBLE)
              WITH (kafka_topic='locations', value_format='json', partitions=1);""")
    ok(kc, """CREATE TABLE currentLocation AS
                SELECT profileId, LATEST_BY_OFFSET(latitude) AS la, LATEST_BY_OFFSET(longitude) AS lo
                FROM riderlocations GROUP BY profileId EMIT CHANGES;""")
    # A background push query, then inserts below it: the live table fills in place.
    push_id = kc.execute("%push --background --interval 100\n"
                         "SELECT * FROM riderLocations WHERE GEO_DISTANCE(latitude, longitude, 37.4133, -122.1162) <= 5 EMIT CHANGES;")
    assert kc.get_shell_msg(timeout=30)["content"]["status"] == "ok"
    first = collect(kc, push_id)
    ok(kc, """INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('c2309eec', 37.7877, -122.4205);
              INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('18f4ea86', 37.3903, -122.0643);
              INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('4ab5cbad', 37.3952, -122.0813);
              INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('8b6eae59', 37.3944, -122.0813);
              INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('4a7c7b41', 37.4049, -122.0822);
              INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('4ddad000', 37.7857, -122.4011);""")
    # Rows reach the push query a moment after INSERT returns (as on a real server): wait for
    # the three riders within 5 miles before stopping.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        listing = texts(ok(kc, "%queries"))
        received = re.search(r"\|\s*#1\s*\|[^|\n]*\|[^|\n]*\|\s*(\d+)\s*\|", listing)
        if received and int(received.group(1)) >= 3:
            break
        time.sleep(0.1)
    # Stopping shows the view's final frame; it also reaches the running cell (same display id).
    stop_outputs = ok(kc, "%stop all")
    display_id = [m for m in first if m["msg_type"] == "display_data"][-1]["content"]["transient"]["display_id"]
    frames = [m for m in stop_outputs if m["msg_type"] == "update_display_data"
              and m["content"]["transient"]["display_id"] == display_id]
    last = frames[-1]["content"]["data"]["text/plain"]
    assert "stopped by user" in last
    assert all(p in last for p in ("4ab5cbad", "8b6eae59", "4a7c7b41")), last
    assert "c2309eec" not in last  # more than 5 miles away
    pull = ok(kc, "SELECT * FROM currentLocation WHERE profileId = '4ab5cbad';")
    doc = [m["content"]["data"][JSON_MIME] for m in settled(pull) if JSON_MIME in m["content"].get("data", {})][0]
    assert doc["rows"] == [["4ab5cbad", 37.3952, -122.0813]]


def test_consecutive_inserts_show_one_line_per_stream(sandbox_kernel):
    """30 INSERT VALUES into one stream answer with one line, not 30 "Done." boxes; a run ends
    at another stream or statement, and an error still names its statement."""
    kc = sandbox_kernel
    ok(kc, "CREATE STREAM orders (id INT, item STRING) WITH (kafka_topic='orders', value_format='json', partitions=1);"
           "\nCREATE STREAM `Returns` (id INT) WITH (kafka_topic='returns', value_format='json', partitions=1);")
    cell = "\n".join(f"INSERT INTO orders (id, item) VALUES ({i}, 'thing {i}');" for i in range(30))
    cell += "\nINSERT INTO `Returns` (id) VALUES (1);\nINSERT INTO `Returns` (id) VALUES (2);"
    outputs = ok(kc, cell)
    shown = [t for t in (texts([m]) for m in settled(outputs)) if t.strip()]
    assert len(shown) == 2, shown
    assert "30 rows inserted into ORDERS." in shown[0] and "2 rows inserted into Returns." in shown[1], shown
    assert "Done." not in texts(outputs)
    # The rows are all there.
    read = ok(kc, "SET 'auto.offset.reset'='earliest';\nSELECT * FROM orders EMIT CHANGES LIMIT 30;")
    results = [m["content"]["data"][JSON_MIME] for m in settled(read) if JSON_MIME in m["content"].get("data", {})]
    assert results and results[-1]["total_rows"] == 30, results[-1:]
    # A failing insert in the middle: the rows before it are counted, the error names it.
    reply, outputs = execute(kc, "INSERT INTO orders (id) VALUES (100);\nINSERT INTO orders (id) VALUES ('x');\n"
                                 "INSERT INTO orders (id) VALUES (101);")
    assert reply["content"]["status"] == "error"
    assert "1 row inserted into ORDERS." in texts(outputs)
    assert "statement 2 of 3" in "\n".join(reply["content"]["traceback"]), reply["content"]["traceback"]


def test_quiet_query_on_a_source_with_records_hints_at_auto_offset_reset(sandbox_kernel):
    """A push query reads only new records by default: on a source that already has some it
    stays empty, and the view says why and which SET statement reads them."""
    kc = sandbox_kernel
    hint = "SET 'auto.offset.reset' = 'earliest';"
    ok(kc, "CREATE STREAM quiet (id INT KEY, v VARCHAR) WITH (kafka_topic='quiet', value_format='json', partitions=1);\n"
           "CREATE STREAM filled (id INT KEY, v VARCHAR) WITH (kafka_topic='filled', value_format='json', partitions=1);\n"
           "INSERT INTO filled (id, v) VALUES (1, 'one');\nINSERT INTO filled (id, v) VALUES (2, 'two');")
    outputs = ok(kc, "%push --timeout 3.5 --interval 250\nSELECT * FROM filled EMIT CHANGES;")
    frames = [m["content"]["data"]["text/plain"] for m in outputs
              if m["msg_type"] in ("display_data", "update_display_data") and m["content"]["data"]]
    final = frames[-1]
    assert "0 rows" in final and hint in final and "FILLED already holds records" in final, final
    # Said while the query still runs (after about two quiet seconds), not only at its end.
    assert any(hint in f and "running" in f for f in frames[:-1]), frames
    # An empty source: nothing to hint at.
    outputs = ok(kc, "%push --timeout 2.5\nSELECT * FROM quiet EMIT CHANGES;")
    quiet = [m for m in outputs if m["msg_type"] == "display_data"][-1]["content"]["data"]["text/plain"]
    assert "0 rows" in quiet and "auto.offset.reset" not in quiet, quiet
    # With the SET, the rows come and the hint goes.
    ok(kc, hint)
    outputs = ok(kc, "%push --timeout 2.5\nSELECT * FROM filled EMIT CHANGES;")
    read = [m for m in outputs if m["msg_type"] == "display_data"][-1]["content"]["data"]["text/plain"]
    assert "2 rows" in read and "two" in read and "auto.offset.reset" not in read, read
