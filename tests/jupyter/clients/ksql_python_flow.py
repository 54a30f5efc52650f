"""The typical flows of the PyPI `ksql` package (ksql-python) against a ksqlDB server given as
argv[1]; prints what each step gave as one JSON object (run in a virtualenv holding ksql)."""
import collections
import collections.abc
import json
import sys

# ksql 0.10.2 needs `hyper` 0.7, which imports collections.Iterable & co., gone since Python
# 3.10: users of it on a current Python restore the aliases before importing it, as here.
for name in ("Iterable", "Mapping", "MutableMapping", "MutableSet", "Callable"):
    setattr(collections, name, getattr(collections.abc, name))

from ksql import KSQLAPI  # noqa: E402

url = sys.argv[1]
out = {}
client = KSQLAPI(url)  # reads /info for the version
out["version"] = client.get_ksql_version()
# create_stream writes no PARTITIONS, so its topic must exist (as on a real server).
out["topic"] = client.ksql("CREATE STREAM pageviews_raw (viewtime BIGINT) WITH (kafka_topic='pageviews', "
                           "value_format='JSON', partitions=1);")
out["create"] = client.create_stream("pageviews", ["viewtime bigint", "userid varchar", "pageid varchar"],
                                     "pageviews", "JSON")
# (Its ksql() cannot read the empty entity list a real server answers to INSERT VALUES.)
out["insert"] = client.inserts_stream("PAGEVIEWS", [{"VIEWTIME": 1, "USERID": "u1", "PAGEID": "p1"},
                                                    {"VIEWTIME": 2, "USERID": "u2", "PAGEID": "p2"}])
out["streams"] = client.ksql("SHOW STREAMS;")
out["properties"] = client.get_properties()[:3]


def lines_of(query, **kwargs):
    """The raw lines of a query. (Its return_objects=True cannot read the last line of ksqlDB
    0.24+, `...}]` with no newline after it, and without it the generator raises
    RuntimeError once the lines are read: the same on a real server as here.)"""
    lines = []
    try:
        for line in client.query(query, **kwargs):
            lines.append(line)
    except RuntimeError:
        pass
    return lines


out["rows"] = lines_of("SELECT * FROM pageviews EMIT CHANGES LIMIT 2;",
                       stream_properties={"ksql.streams.auto.offset.reset": "earliest"})
out["rows_http2"] = lines_of("SELECT * FROM pageviews EMIT CHANGES LIMIT 2;", use_http2=True,
                             stream_properties={"auto.offset.reset": "earliest"})
try:
    client.ksql("SELECT FROM nowhere;")
    out["error"] = None
except Exception as e:  # ksql.errors.KSQLError
    out["error"] = {"type": type(e).__name__, "text": str(e)}
print(json.dumps(out))
