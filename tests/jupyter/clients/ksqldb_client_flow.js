// Typical ksqldb-client flows against a ksqlDB server given as argv[2] (host) and argv[3] (port).
const KsqldbClient = require("ksqldb-client");
const out = {};
(async () => {
  const client = new KsqldbClient({ host: process.argv[2], port: Number(process.argv[3]) });
  await client.connect();
  out.create = await client.executeStatement(
    "CREATE STREAM riders (id VARCHAR KEY, speed INT) WITH (kafka_topic='riders', value_format='json', partitions=1);");
  out.table = await client.executeStatement(
    "CREATE TABLE fastest AS SELECT id, MAX(speed) AS top FROM riders GROUP BY id EMIT CHANGES;");
  out.insert1 = await client.insertInto("RIDERS", { ID: "r1", SPEED: 12 });
  out.insert2 = await client.insertInto("RIDERS", { ID: "r2", SPEED: 30 });
  out.streams = await client.listStreams();
  out.describe = await client.describeSource("RIDERS");
  const pushed = [];
  out.push = await client.streamQuery(
    "SELECT * FROM riders EMIT CHANGES LIMIT 2;", (data) => pushed.push(data), { properties: { "auto.offset.reset": "earliest" } });
  out.pushed = pushed;
  out.pull = await client.query("SELECT * FROM fastest WHERE id = 'r2';");
  out.bad = await client.executeStatement("SELECT FROM nowhere;");
  await client.disconnect();
  console.log(JSON.stringify(out));
})().catch((e) => { console.log(JSON.stringify({ thrown: String(e && e.stack || e), out })); process.exit(1); });
