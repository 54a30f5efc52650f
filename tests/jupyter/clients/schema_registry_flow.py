"""The Schema Registry flow of Confluent's Python client (confluent-kafka's
SchemaRegistryClient) against the sandbox's registry, then ksqlDB statements that use it: a
stream that infers its columns from the registered schema and a CREATE STREAM AS SELECT
that registers its sink's. Prints what each step gave, as one JSON line."""
import json
import sys
import urllib.request

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

url = sys.argv[1]
sr = SchemaRegistryClient({"url": url})
out = {}


def record(*fields):
    return json.dumps({"type": "record", "name": "Order", "namespace": "shop", "fields": list(fields)})


ID = {"name": "id", "type": "long"}
v1 = record(ID)
v2 = record(ID, {"name": "note", "type": "string", "default": ""})
v3 = record(ID, {"name": "qty", "type": "int"})

out["id1"] = sr.register_schema("orders-value", Schema(v1, "AVRO"))
# The same schema written differently is the same schema.
spaced = json.dumps(json.loads(v1), indent=2, sort_keys=True)
out["id1_again"] = sr.register_schema("orders-value", Schema(spaced, "AVRO"))
out["id2"] = sr.register_schema("orders-value", Schema(v2, "AVRO"))
latest = sr.get_latest_version("orders-value")
out["latest"] = {"subject": latest.subject, "version": latest.version, "id": latest.schema_id}
out["by_id"] = json.loads(sr.get_schema(out["id1"]).schema_str)
out["versions"] = sr.get_versions("orders-value")
out["compatible_v3"] = sr.test_compatibility("orders-value", Schema(v3, "AVRO"))
try:
    sr.register_schema("orders-value", Schema(v3, "AVRO"))
    out["incompatible"] = "registered"
except SchemaRegistryError as e:
    out["incompatible"] = {"status": e.http_status_code, "code": e.error_code}
try:
    sr.get_latest_version("nobody-value")
except SchemaRegistryError as e:
    out["missing"] = {"status": e.http_status_code, "code": e.error_code, "message": e.error_message}
out["global_level"] = sr.get_compatibility()
sr.set_compatibility("orders-value", "FULL")
out["subject_level"] = sr.get_compatibility("orders-value")
out["lookup_version"] = sr.lookup_schema("orders-value", Schema(v2, "AVRO")).version


def ksql(sql):
    req = urllib.request.Request(url + "/ksql", data=json.dumps({"ksql": sql}).encode(),
                                 headers={"Content-Type": "application/vnd.ksql.v1+json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


ksql("CREATE STREAM orders WITH (kafka_topic='orders', value_format='AVRO', partitions=1);")
described = ksql("DESCRIBE orders;")[0]["sourceDescription"]["fields"]
out["inferred"] = [(f["name"], f["schema"]["type"]) for f in described]
ksql("CREATE STREAM big_orders AS SELECT * FROM orders WHERE id > 10;")
sink = json.loads(sr.get_latest_version("BIG_ORDERS-value").schema.schema_str)
out["sink_schema"] = {"name": sink["name"], "namespace": sink.get("namespace"),
                      "fields": [(f["name"], f["type"]) for f in sink["fields"]]}
out["subjects"] = sorted(sr.get_subjects())
out["deleted"] = sr.delete_subject("BIG_ORDERS-value")
print(json.dumps(out))
