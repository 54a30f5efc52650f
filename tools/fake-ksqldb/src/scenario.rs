//! The scenario: what the fake server knows (statements for /ksql, queries for /query and
//! /query-stream, an optional synthetic row generator).

use anyhow::{bail, Context, Result};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

/// Statement text as matched: trimmed, trailing `;` removed, whitespace collapsed, upper case.
pub fn normalize(sql: &str) -> String {
    let mut s = sql.trim();
    while let Some(t) = s.strip_suffix(';') {
        s = t.trim_end();
    }
    let collapsed: Vec<&str> = s.split_whitespace().collect();
    collapsed.join(" ").to_uppercase()
}

/// Like `normalize` but keeps the case (for regex matching with `(?i)`).
fn collapse(sql: &str) -> String {
    let mut s = sql.trim();
    while let Some(t) = s.strip_suffix(';') {
        s = t.trim_end();
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug)]
pub enum Matcher {
    Exact(String),
    Regex(Regex),
}

impl Matcher {
    fn new(pattern: &str, regex: bool) -> Result<Matcher> {
        if regex {
            let re =
                Regex::new(&format!("(?is)^(?:{})$", pattern)).with_context(|| format!("bad regex {pattern:?}"))?;
            Ok(Matcher::Regex(re))
        } else {
            Ok(Matcher::Exact(normalize(pattern)))
        }
    }
    pub fn matches(&self, sql: &str) -> bool {
        match self {
            Matcher::Exact(n) => *n == normalize(sql),
            Matcher::Regex(re) => re.is_match(&collapse(sql)),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub key: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Cut,
    Malformed,
    Error,
    Stall,
    BadHeader,
}

#[derive(Debug, Clone, Deserialize)]
struct RawFault {
    #[serde(default)]
    after_rows: u64,
    kind: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error_code: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub after_rows: u64,
    pub kind: FaultKind,
    pub message: String,
    pub error_code: u64,
}

#[derive(Debug, Deserialize)]
struct RawStatement {
    #[serde(rename = "match")]
    pattern: String,
    #[serde(default)]
    regex: bool,
    #[serde(default)]
    entities: Option<Vec<Value>>,
    #[serde(default)]
    error: Option<RawError>,
    #[serde(default)]
    delay_ms: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RawError {
    pub status: u16,
    pub body: Value,
}

#[derive(Debug)]
pub struct Statement {
    pub matcher: Matcher,
    pub entities: Vec<Value>,
    pub error: Option<RawError>,
    pub delay_ms: u64,
}

#[derive(Debug, Deserialize)]
struct RawQuery {
    #[serde(rename = "match")]
    pattern: String,
    #[serde(default)]
    regex: bool,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    push: Option<bool>,
    #[serde(default)]
    table: bool,
    #[serde(default)]
    columns: Vec<Column>,
    #[serde(default)]
    rows: Vec<Value>,
    #[serde(default)]
    row_interval_ms: u64,
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    fault: Option<RawFault>,
    #[serde(default)]
    print_lines: Option<Vec<String>>,
    #[serde(default)]
    idle_newline_ms: Option<u64>,
    #[serde(default)]
    delay_ms: Option<u64>,
    #[serde(default)]
    query_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawGenerator {
    #[serde(rename = "match")]
    pattern: String,
    #[serde(default)]
    regex: bool,
    count: u64,
    columns: Vec<Column>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    push: Option<bool>,
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default)]
    end: Option<String>,
    /// Key columns cycle through this many values (a table-shaped stream of updates).
    #[serde(default)]
    keys: Option<u64>,
    /// Every n-th row is a tombstone (formats that carry them).
    #[serde(default)]
    tombstone_every: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default)]
    statements: Vec<RawStatement>,
    #[serde(default)]
    queries: Vec<RawQuery>,
    #[serde(default)]
    rows_generator: Option<OneOrMany<RawGenerator>>,
    #[serde(default)]
    idle_newline_ms: Option<u64>,
    #[serde(default)]
    comment: Option<Value>,
}

/// One row, its column array already serialized.
#[derive(Debug, Clone)]
pub struct Row {
    pub columns_json: String,
    pub tombstone: bool,
}

/// How a rows_generator shapes its rows.
#[derive(Debug, Default, Clone, Copy)]
pub struct GenShape {
    pub keys: Option<u64>,
    pub tombstone_every: Option<u64>,
}

impl GenShape {
    pub fn is_tombstone(&self, i: u64) -> bool {
        self.tombstone_every.is_some_and(|n| i % n == n - 1)
    }
}

#[derive(Debug)]
pub struct Query {
    pub matcher: Matcher,
    pub source: String,
    pub push: bool,
    pub table: bool,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// Synthetic rows instead of `rows` (rows_generator).
    pub generated: Option<u64>,
    /// The generator's shape: key cycle and tombstone period.
    pub shape: GenShape,
    pub row_interval_ms: u64,
    pub limit: Option<u64>,
    /// After the rows: hang until closed (push default) or complete.
    pub hang: bool,
    pub fault: Option<Fault>,
    pub print_lines: Option<Vec<String>>,
    pub idle_newline_ms: Option<u64>,
    pub delay_ms: u64,
    pub query_id: Option<String>,
}

impl Query {
    pub fn row_count(&self) -> u64 {
        match self.generated {
            Some(n) => n,
            None => match &self.print_lines {
                Some(l) => l.len() as u64,
                None => self.rows.len() as u64,
            },
        }
    }
}

#[derive(Debug)]
pub struct Scenario {
    pub statements: Vec<Statement>,
    pub queries: Vec<std::sync::Arc<Query>>,
    pub idle_newline_ms: u64,
}

impl Scenario {
    pub fn find_statement(&self, sql: &str) -> Option<&Statement> {
        self.statements.iter().find(|s| s.matcher.matches(sql))
    }
}

/// Word after FROM (SELECT) or after PRINT, upper-cased unless quoted.
pub fn source_of(sql: &str) -> Option<String> {
    let toks: Vec<&str> = sql.split_whitespace().collect();
    let first = toks.first()?.to_uppercase();
    let tok = if first == "PRINT" {
        toks.get(1)?
    } else {
        let i = toks.iter().position(|t| t.eq_ignore_ascii_case("FROM"))?;
        toks.get(i + 1)?
    };
    Some(ident(tok))
}

/// `foo;` → `FOO`, `` `foo` `` → `foo`, `'foo'` → `foo`.
pub fn ident(tok: &str) -> String {
    let t = tok.trim_end_matches(';').trim_end_matches(',');
    let t = t.split('(').next().unwrap_or(t);
    if t.len() >= 2
        && ((t.starts_with('`') && t.ends_with('`'))
            || (t.starts_with('"') && t.ends_with('"'))
            || (t.starts_with('\'') && t.ends_with('\'')))
    {
        t[1..t.len() - 1].to_string()
    } else {
        t.to_uppercase()
    }
}

fn limit_of(sql: &str) -> Option<u64> {
    let n = normalize(sql);
    let toks: Vec<&str> = n.split(' ').collect();
    let i = toks.iter().rposition(|t| *t == "LIMIT")?;
    toks.get(i + 1)?.parse().ok()
}

fn parse_end(end: &Option<String>, default_hang: bool) -> Result<bool> {
    Ok(match end.as_deref() {
        None => default_hang,
        Some("hang") => true,
        Some("complete") => false,
        Some(o) => bail!("end must be \"hang\" or \"complete\", not {o:?}"),
    })
}

fn parse_row(v: &Value) -> Result<Row> {
    match v {
        Value::Array(_) => Ok(Row { columns_json: serde_json::to_string(v)?, tombstone: false }),
        Value::Object(m) => {
            let cols = m.get("columns").context("row object needs \"columns\"")?;
            if !cols.is_array() {
                bail!("row \"columns\" must be an array");
            }
            let tombstone = m.get("tombstone").and_then(Value::as_bool).unwrap_or(false);
            Ok(Row { columns_json: serde_json::to_string(cols)?, tombstone })
        }
        _ => bail!("a row is an array or {{\"columns\":[..],\"tombstone\":bool}}"),
    }
}

pub fn parse(text: &str) -> Result<Scenario> {
    let raw: RawScenario = serde_json::from_str(text).context("scenario JSON")?;
    let _ = raw.comment;
    let mut statements = Vec::new();
    for s in raw.statements {
        statements.push(Statement {
            matcher: Matcher::new(&s.pattern, s.regex)?,
            entities: s.entities.unwrap_or_default(),
            error: s.error,
            delay_ms: s.delay_ms.unwrap_or(0),
        });
    }
    let mut queries = Vec::new();
    for q in raw.queries {
        let push = q.push.unwrap_or_else(|| normalize(&q.pattern).contains("EMIT CHANGES"));
        let limit = match q.limit {
            Some(l) => Some(l),
            None if !q.regex => limit_of(&q.pattern),
            None => None,
        };
        let fault = match q.fault {
            None => None,
            Some(f) => Some(Fault {
                after_rows: f.after_rows,
                kind: match f.kind.as_str() {
                    "cut" => FaultKind::Cut,
                    "malformed" => FaultKind::Malformed,
                    "error" => FaultKind::Error,
                    "stall" => FaultKind::Stall,
                    "bad_header" => FaultKind::BadHeader,
                    o => bail!("unknown fault kind {o:?}"),
                },
                message: f.message.unwrap_or_else(|| "java.lang.RuntimeException: Failure in processing".to_string()),
                error_code: f.error_code.unwrap_or(50000),
            }),
        };
        let source = q
            .source
            .or_else(|| if q.regex { None } else { source_of(&q.pattern) })
            .unwrap_or_else(|| "QUERY".to_string());
        let rows = q.rows.iter().map(parse_row).collect::<Result<Vec<_>>>()?;
        queries.push(std::sync::Arc::new(Query {
            matcher: Matcher::new(&q.pattern, q.regex)?,
            source,
            push,
            table: q.table,
            columns: q.columns,
            rows,
            generated: None,
            shape: GenShape::default(),
            row_interval_ms: q.row_interval_ms,
            limit,
            hang: parse_end(&q.end, push)?,
            fault,
            print_lines: q.print_lines,
            idle_newline_ms: q.idle_newline_ms,
            delay_ms: q.delay_ms.unwrap_or(0),
            query_id: q.query_id,
        }));
    }
    let gens = match raw.rows_generator {
        None => vec![],
        Some(OneOrMany::One(g)) => vec![g],
        Some(OneOrMany::Many(v)) => v,
    };
    for g in gens {
        let push = g.push.unwrap_or_else(|| normalize(&g.pattern).contains("EMIT CHANGES"));
        let source = g
            .source
            .or_else(|| if g.regex { None } else { source_of(&g.pattern) })
            .unwrap_or_else(|| "GENERATED".to_string());
        queries.push(std::sync::Arc::new(Query {
            matcher: Matcher::new(&g.pattern, g.regex)?,
            source,
            push,
            table: false,
            columns: g.columns,
            rows: vec![],
            generated: Some(g.count),
            shape: GenShape { keys: g.keys.filter(|&k| k > 0), tombstone_every: g.tombstone_every.filter(|&n| n > 0) },
            row_interval_ms: 0,
            limit: g.limit,
            hang: parse_end(&g.end, false)?,
            fault: None,
            print_lines: None,
            idle_newline_ms: None,
            delay_ms: 0,
            query_id: None,
        }));
    }
    Ok(Scenario { statements, queries, idle_newline_ms: raw.idle_newline_ms.unwrap_or(1000) })
}

/// The built-in scenario used without --scenario. `level` is the ksqlDB version level, so
/// that list entities have the shape of that version.
pub fn default_scenario(level: (u32, u32, u32)) -> String {
    use serde_json::json;
    let new_formats = level >= (0, 14, 0);
    let src = |name: &str, topic: &str, ty: &str| {
        if new_formats {
            json!({"type":ty,"name":name,"topic":topic,"keyFormat":"KAFKA","valueFormat":"JSON","isWindowed":false})
        } else {
            json!({"type":ty,"name":name,"topic":topic,"format":"JSON","isWindowed":false})
        }
    };
    let schema = |t: &str| json!({"type":t,"fields":null,"memberSchema":null});
    let describe = |extended: bool| {
        let mut d = json!({
            "name":"RIDERS","windowType":null,"readQueries":[],"writeQueries":[],
            "fields":[
                {"name":"ID","schema":schema("STRING"),"type":"KEY"},
                {"name":"LAT","schema":schema("DOUBLE")},
                {"name":"LON","schema":schema("DOUBLE")},
                {"name":"SPEED","schema":schema("INTEGER")}
            ],
            "type":"STREAM","timestamp":"",
            "statistics": if extended {
                "The statistics field is deprecated and will be removed in a future version of ksql. Please update \
                 your client to the latest version and use statisticsMap instead.\n\
                 messages-per-sec:      0.10   total-messages:         5     last-message: 2024-01-01T00:00:00.000Z"
            } else {""},
            "errorStats": if extended {
                "The errorStats field is deprecated and will be removed in a future version of ksql. Please update \
                 your client to the latest version and use errorStatsMap instead.\n"
            } else {""},
            "extended":extended,"keyFormat":"KAFKA","valueFormat":"JSON","topic":"riders",
            "partitions":1,"replication":1,
            "statement":"CREATE STREAM RIDERS (ID STRING KEY, LAT DOUBLE, LON DOUBLE, SPEED INTEGER) \
                         WITH (KAFKA_TOPIC='riders', KEY_FORMAT='KAFKA', PARTITIONS=1, VALUE_FORMAT='JSON');",
            "queryOffsetSummaries":[],"sourceConstraints":[],"clusterStatistics":[],"clusterErrorStats":[]
        });
        if level < (0, 18, 0) {
            let m = d.as_object_mut().unwrap();
            m.remove("clusterStatistics");
            m.remove("clusterErrorStats");
        }
        json!({"@type":"sourceDescription","sourceDescription":d})
    };
    let props = if level >= (0, 24, 0) {
        json!([
            {"name":"ksql.extension.dir","scope":"KSQL","value":"ext","editable":false,"level":"SERVER"},
            {"name":"ksql.streams.auto.offset.reset","scope":"KSQL","value":"latest","editable":true,"level":"QUERY"},
            {"name":"ksql.service.id","scope":"KSQL","value":"default_","editable":false,"level":"SERVER"}
        ])
    } else {
        json!([
            {"name":"ksql.extension.dir","scope":"KSQL","value":"ext"},
            {"name":"ksql.streams.auto.offset.reset","scope":"KSQL","value":"latest"},
            {"name":"ksql.service.id","scope":"KSQL","value":"default_"}
        ])
    };
    let riders_cols = json!([
        {"name":"ID","type":"STRING","key":true},
        {"name":"LAT","type":"DOUBLE"},
        {"name":"LON","type":"DOUBLE"},
        {"name":"SPEED","type":"INTEGER"}
    ]);
    // Parsed from text so that numbers keep their exact spelling (DECIMAL scale).
    let raw = |t: &str| -> Value { serde_json::from_str(t).unwrap() };
    let riders_rows = raw(r#"[["r1",37.7877,-122.4205,12],["r2",37.3903,-122.0643,0],["r3",37.4049,-122.0822,25]]"#);
    let counts_rows = raw(r#"[["r1",3,12.50],["r2",1,0.00],["r3",2,25.10]]"#);
    let counts_push_rows = raw(r#"[["r1",3,12.50],{"columns":["r2",null,null],"tombstone":true},["r3",2,25.10]]"#);
    let counts_cols = json!([
        {"name":"ID","type":"STRING","key":true},
        {"name":"TOTAL","type":"BIGINT"},
        {"name":"AVG_SPEED","type":"DECIMAL(10, 2)"}
    ]);
    let s = json!({
      "statements": [
        {"match":"(SHOW|LIST) STREAMS","regex":true,"entities":[{"@type":"streams","streams":[
            src("RIDERS","riders","STREAM"), src("KSQL_PROCESSING_LOG","default_ksql_processing_log","STREAM")]}]},
        {"match":"(SHOW|LIST) TABLES","regex":true,"entities":[{"@type":"tables","tables":[
            src("RIDER_COUNTS","RIDER_COUNTS","TABLE")]}]},
        {"match":"(SHOW|LIST) (ALL )?TOPICS","regex":true,"entities":[{"@type":"kafka_topics","topics":[
            {"name":"RIDER_COUNTS","replicaInfo":[1]},{"name":"riders","replicaInfo":[1]}]}]},
        {"match":"(SHOW|LIST) QUERIES","regex":true,"entities":[{"@type":"queries","queries":[
            {"queryString":"CREATE TABLE RIDER_COUNTS AS SELECT ID, COUNT(*) AS TOTAL, \
                            CAST(AVG(SPEED) AS DECIMAL(10, 2)) AS AVG_SPEED FROM RIDERS GROUP BY ID EMIT CHANGES;",
             "sinks":["RIDER_COUNTS"],"sinkKafkaTopics":["RIDER_COUNTS"],"id":"CTAS_RIDER_COUNTS_1",
             "statusCount":{"RUNNING":1},"queryType":"PERSISTENT","state":"RUNNING"}]}]},
        {"match":"(SHOW|LIST) PROPERTIES","regex":true,"entities":[{"@type":"properties","properties":props,
            "overwrittenProperties":[],"defaultProperties":["ksql.extension.dir"]}]},
        {"match":"(SHOW|LIST) FUNCTIONS","regex":true,"entities":[{"@type":"function_names","functions":[
            {"name":"ABS","type":"SCALAR","category":"MATHEMATICAL"},
            {"name":"COUNT","type":"AGGREGATE","category":"AGGREGATE"},
            {"name":"EXPLODE","type":"TABLE","category":"TABLE"},
            {"name":"UCASE","type":"SCALAR","category":"STRING"}]}]},
        {"match":"(SHOW|LIST) VARIABLES","regex":true,"entities":[{"@type":"variables","variables":[]}]},
        {"match":"(SHOW|LIST) TYPES","regex":true,"entities":[{"@type":"type_list","types":{
            "ADDRESS":{"type":"STRUCT","fields":[
                {"name":"STREET","schema":schema("STRING")},{"name":"NUMBER","schema":schema("INTEGER")}],
                "memberSchema":null}}}]},
        {"match":"DESCRIBE RIDERS","entities":[describe(false)]},
        {"match":"DESCRIBE RIDERS EXTENDED","entities":[describe(true)]},
        {"match":"DESCRIBE EXTENDED RIDERS","entities":[describe(true)]},
        {"match":"DESCRIBE FUNCTION ABS","entities":[{"@type":"describe_function","name":"ABS",
            "description":"Returns the absolute value of its argument.","author":"Confluent","version":"",
            "path":"internal",
            "functions":[{"arguments":[{"name":"arg1","type":"INT","description":"","isVariadic":false}],
                "returnType":"INT","description":"Returns the absolute value of its argument.",
                "argumentTypes":["INT"]}],
            "type":"SCALAR"}]},
        {"match":"CREATE STREAM BAD.*","regex":true,"error":{"status":400,"body":{"@type":"statement_error",
            "error_code":40001,"message":"Cannot add stream 'BAD': A stream with the same name already exists",
            "entities":[]}}},
        {"match":"SHOW SLOW","delay_ms":3000,"entities":[{"@type":"streams","streams":[]}]}
      ],
      "queries": [
        {"match":"SELECT \\* FROM RIDERS EMIT CHANGES( LIMIT \\d+)?","regex":true,"source":"RIDERS","push":true,
         "columns":riders_cols,"rows":riders_rows},
        {"match":"SELECT \\* FROM RIDERS( LIMIT \\d+)?","regex":true,"source":"RIDERS","push":false,
         "columns":riders_cols,"rows":riders_rows},
        {"match":"SELECT * FROM RIDER_COUNTS","push":false,"table":true,"columns":counts_cols,"rows":counts_rows},
        {"match":"SELECT \\* FROM RIDER_COUNTS WHERE ID ?= ?'r1'","regex":true,"source":"RIDER_COUNTS","push":false,
         "table":true,"columns":counts_cols,"rows":[counts_rows[0].clone()]},
        {"match":"SELECT \\* FROM RIDER_COUNTS EMIT CHANGES( LIMIT \\d+)?","regex":true,"source":"RIDER_COUNTS",
         "push":true,"table":true,"columns":counts_cols,"rows":counts_push_rows},
        {"match":"PRINT 'riders'( FROM BEGINNING)?( LIMIT \\d+)?","regex":true,"source":"riders","push":true,
         "print_lines":[
            "Key format: KAFKA_STRING",
            "Value format: JSON or KAFKA_STRING",
            "rowtime: 2024/01/01 00:00:00.000 Z, key: r1, \
             value: {\"LAT\":37.7877,\"LON\":-122.4205,\"SPEED\":12}, partition: 0",
            "rowtime: 2024/01/01 00:00:01.000 Z, key: r2, \
             value: {\"LAT\":37.3903,\"LON\":-122.0643,\"SPEED\":0}, partition: 0"
         ]}
      ],
      "rows_generator": {"match":"SELECT \\* FROM BENCH( EMIT CHANGES)?( LIMIT \\d+)?","regex":true,"source":"BENCH",
         "push":true,"count":1000000,"end":"complete",
         "columns":[{"name":"ID","type":"BIGINT","key":true},{"name":"NAME","type":"STRING"},
            {"name":"V","type":"DOUBLE"},{"name":"OK","type":"BOOLEAN"}]}
    });
    serde_json::to_string_pretty(&s).unwrap()
}
