"""The typical flows of the PyPI `ksqldb` package against a ksqlDB server given as argv[1];
prints what each step gave as one JSON object (run in a virtualenv holding ksqldb)."""
import asyncio
import json
import sys

from ksqldb import KSQLdbClient

url = sys.argv[1]
out = {}
client = KSQLdbClient(url)
out["create"] = client.ksql("CREATE STREAM orders (id INT KEY, item VARCHAR, qty INT) "
                            "WITH (kafka_topic='orders', value_format='json', partitions=1);")
out["table"] = client.ksql("CREATE TABLE totals AS SELECT item, SUM(qty) AS qty FROM orders GROUP BY item;")
orders = [{"ID": 1, "ITEM": "tea", "QTY": 2}, {"ID": 2, "ITEM": "tea", "QTY": 3}, {"ID": 3, "ITEM": "jam", "QTY": 1}]
out["inserts"] = client.inserts_stream("ORDERS", orders)
out["properties"] = client.get_properties()[:3]
out["pull"] = client.query_sync("SELECT * FROM totals WHERE item = 'tea';")


async def push():
    rows = []
    async for element in client.query_async("SELECT * FROM orders EMIT CHANGES LIMIT 3;",
                                            stream_properties={"auto.offset.reset": "earliest"}):
        rows.append(element)
    return rows

out["push"] = asyncio.run(push())
query_id = out["push"][0].get("queryId")
out["close_after_end"] = client.close_query(query_id) if query_id else None
print(json.dumps(out))
