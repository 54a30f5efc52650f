//! What the main keywords mean, in a line each, and where ksqlDB's reference documents them
//! and the built-in functions: data for editor help, shared like the function catalog.

/// One-line explanations of the main keywords and keyword pairs.
const KEYWORD_DOCS: &[(&str, &str)] = &[
    (
        "SELECT",
        "Reads rows from a stream or table. With EMIT CHANGES it is a push query that keeps streaming results; \
         without it, against a table, a pull query that returns the current state and finishes.",
    ),
    ("FROM", "Names the stream or table a query reads from (several, with JOIN)."),
    ("WHERE", "Keeps only the rows for which the condition is true."),
    (
        "GROUP BY",
        "Groups rows by one or more expressions so that aggregate functions compute one result per group; the result \
         is a table.",
    ),
    ("GROUP", "Starts GROUP BY: groups rows so that aggregate functions compute one result per group."),
    ("HAVING", "Filters groups after aggregation, using aggregate expressions."),
    (
        "EMIT CHANGES",
        "Makes the query a push query: results keep arriving as new data comes in, until the query is cancelled or \
         reaches its LIMIT.",
    ),
    (
        "EMIT FINAL",
        "For windowed aggregations: outputs one final row per window once the window closes, instead of every \
         intermediate update.",
    ),
    (
        "EMIT",
        "Chooses how a query outputs results: EMIT CHANGES (every update, continuously) or EMIT FINAL (once per \
         closed window).",
    ),
    ("LIMIT", "Ends the query after it has returned the given number of rows."),
    (
        "CREATE STREAM",
        "Declares a stream, an unbounded append-only sequence of events, over a Kafka topic; with AS SELECT, starts \
         a persistent query that fills a new topic.",
    ),
    (
        "CREATE TABLE",
        "Declares a table holding the latest value for each PRIMARY KEY, over a Kafka topic; with AS SELECT, starts \
         a persistent query that materializes the result.",
    ),
    ("CREATE TYPE", "Registers a named alias for a type, typically a STRUCT, for use in later schemas."),
    (
        "CREATE",
        "Creates an object: CREATE STREAM, CREATE TABLE, CREATE SOURCE/SINK CONNECTOR or CREATE TYPE (OR REPLACE to \
         update an existing one).",
    ),
    ("OR REPLACE", "Replaces an existing object or persistent query of the same name instead of failing."),
    ("SOURCE CONNECTOR", "A Kafka Connect connector that imports data from an external system into Kafka topics."),
    ("SINK CONNECTOR", "A Kafka Connect connector that exports data from Kafka topics to an external system."),
    (
        "CONNECTOR",
        "A Kafka Connect connector managed through ksqlDB (CREATE/DROP/DESCRIBE CONNECTOR, SHOW CONNECTORS).",
    ),
    ("INSERT INTO", "Adds rows to an existing stream: a single row with VALUES, or continuously with a SELECT query."),
    ("INSERT", "Starts INSERT INTO: writes rows into an existing stream."),
    ("VALUES", "The literal values of the row written by INSERT INTO ... VALUES."),
    ("DROP", "Removes a stream, table, connector or type; DELETE TOPIC also deletes the backing Kafka topic."),
    ("TERMINATE", "Stops a persistent query, given its id, or every persistent query with TERMINATE ALL."),
    ("PAUSE", "Pauses a persistent query (or all of them) without removing it."),
    ("RESUME", "Resumes a paused persistent query."),
    ("ALTER", "Adds columns to an existing stream or table."),
    ("SHOW", "Lists objects: STREAMS, TABLES, TOPICS, QUERIES, PROPERTIES, FUNCTIONS, TYPES, VARIABLES or CONNECTORS."),
    (
        "LIST",
        "Same as SHOW: lists STREAMS, TABLES, TOPICS, QUERIES, PROPERTIES, FUNCTIONS, TYPES, VARIABLES or \
         CONNECTORS.",
    ),
    (
        "DESCRIBE",
        "Shows the columns of a stream or table (EXTENDED adds statistics and queries), or details of a FUNCTION or \
         CONNECTOR.",
    ),
    ("EXPLAIN", "Shows the execution plan of a query, by id or for a statement."),
    (
        "PRINT",
        "Prints the records of a Kafka topic as they arrive; FROM BEGINNING starts at the earliest offset, INTERVAL \
         samples, LIMIT stops.",
    ),
    ("SET", "Sets a property for the rest of the session, e.g. SET 'auto.offset.reset'='earliest';"),
    ("UNSET", "Removes a property set earlier with SET."),
    ("DEFINE", "Defines a session variable, substituted for ${name} in later statements."),
    ("UNDEFINE", "Removes a session variable created with DEFINE."),
    ("RUN SCRIPT", "Runs the statements of a SQL file."),
    (
        "ASSERT",
        "Checks that a topic or schema exists (or, with NOT EXISTS, does not), waiting up to an optional TIMEOUT.",
    ),
    ("PARTITION BY", "Re-keys a stream by the given expressions, repartitioning the data by the new key."),
    ("WINDOW", "Splits an aggregation into time windows: TUMBLING, HOPPING or SESSION."),
    ("TUMBLING", "Fixed-size, non-overlapping time windows: WINDOW TUMBLING (SIZE 1 HOUR)."),
    (
        "HOPPING",
        "Fixed-size windows that overlap, starting every ADVANCE BY interval: WINDOW HOPPING (SIZE 1 HOUR, ADVANCE \
         BY 10 MINUTES).",
    ),
    ("SESSION", "Windows of activity per key that close after a gap without events: WINDOW SESSION (30 MINUTES)."),
    ("GRACE PERIOD", "How long a window still accepts out-of-order events after it ends."),
    ("RETENTION", "How long the results of windows are kept for pull queries."),
    (
        "JOIN",
        "Combines rows of two sources that match the ON condition; joins between two streams need a WITHIN window.",
    ),
    ("WITHIN", "The time range within which events of two joined streams must fall to match."),
    (
        "WITH",
        "Sets properties of the object being created, such as KAFKA_TOPIC, KEY_FORMAT, VALUE_FORMAT, PARTITIONS or \
         TIMESTAMP.",
    ),
    ("CAST", "Converts a value to another type: CAST(expression AS type)."),
    ("CASE", "Chooses a value by conditions: CASE WHEN condition THEN value ... ELSE value END."),
    ("PRIMARY KEY", "Marks the key column of a table: each key holds only its latest value."),
    ("KEY", "Marks a column as stored in the Kafka record key (PRIMARY KEY for tables)."),
    ("HEADERS", "Makes a column hold all the Kafka record headers, as an array of key/value structs."),
    ("ROWTIME", "Pseudo-column: the record's timestamp, in milliseconds since the epoch."),
    ("ROWPARTITION", "Pseudo-column: the Kafka partition the record came from."),
    ("ROWOFFSET", "Pseudo-column: the Kafka offset of the record."),
    ("WINDOWSTART", "Pseudo-column of windowed results: when the window starts, in milliseconds since the epoch."),
    ("WINDOWEND", "Pseudo-column of windowed results: when the window ends, in milliseconds since the epoch."),
];

/// The explanation of a keyword or keyword pair (`GROUP BY`), with its phrase.
pub fn keyword_doc(phrase: &str) -> Option<(&'static str, &'static str)> {
    KEYWORD_DOCS.iter().find(|(k, _)| *k == phrase).copied()
}

pub const REFERENCE: &str = "https://docs.ksqldb.io/en/latest/developer-guide/ksqldb-reference/";

/// The page of the ksqlDB reference that documents a keyword.
pub fn keyword_page(phrase: &str) -> String {
    let first = phrase.split(' ').next().unwrap_or("");
    let page =
        match phrase {
            "CREATE STREAM" => "create-stream/",
            "CREATE TABLE" => "create-table/",
            "CREATE TYPE" => "create-type/",
            "INSERT INTO" | "INSERT" => "insert-into/",
            "VALUES" => "insert-values/",
            "SOURCE CONNECTOR" | "SINK CONNECTOR" | "CONNECTOR" => "create-connector/",
            "RUN SCRIPT" => "run-script/",
            "WINDOW" | "TUMBLING" | "HOPPING" | "SESSION" | "GRACE PERIOD" | "RETENTION" => {
                return "https://docs.ksqldb.io/en/latest/concepts/time-and-windows-in-ksqldb-queries/".into()
            }
            "CAST" | "CASE" => "operators/",
            "ROWTIME" | "ROWPARTITION" | "ROWOFFSET" | "WINDOWSTART" | "WINDOWEND" | "KEY" | "PRIMARY KEY"
            | "HEADERS" => return "https://docs.ksqldb.io/en/latest/reference/sql/data-definition/".into(),
            _ => match first {
                "SELECT" | "FROM" | "WHERE" | "GROUP" | "HAVING" | "EMIT" | "LIMIT" | "PARTITION" | "JOIN"
                | "WITHIN" => "select-push-query/",
                "CREATE" | "OR" | "WITH" => "create-stream/",
                "DROP" => "drop-stream/",
                "TERMINATE" => "terminate/",
                "PAUSE" => "pause/",
                "RESUME" => "resume/",
                "ALTER" => "alter-stream/",
                "SHOW" | "LIST" => "show-streams/",
                "DESCRIBE" => "describe/",
                "EXPLAIN" => "explain/",
                "PRINT" => "print/",
                "SET" => "set-property/",
                "UNSET" => "unset-property/",
                "DEFINE" => "define/",
                "UNDEFINE" => "undefine/",
                "ASSERT" => "assert-topic/",
                _ => "",
            },
        };
    format!("{REFERENCE}{page}")
}

/// The reference page of a function's kind.
pub fn function_page(kind: &str) -> String {
    let page = match kind.to_ascii_lowercase().as_str() {
        "aggregate" => "aggregate-functions/",
        "table" => "table-functions/",
        _ => "scalar-functions/",
    };
    format!("{REFERENCE}{page}")
}
