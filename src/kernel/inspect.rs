//! Documentation of the word under the cursor (`inspect_request`, Shift+Tab in JupyterLab,
//! and `%doc`): a stream or table's DESCRIBE, a column's type and source, a function's
//! DESCRIBE FUNCTION (from the server when connected, else the built-in table), a query,
//! or a short explanation of a keyword with a link to the ksqlDB reference.
//!
//! Cursor positions are Unicode code point offsets into the cell; the work is done on a
//! `Vec<char>`, so offsets never need converting to bytes.

use super::builtins::{self, BuiltinFunction, FUNCTIONS};
use super::catalog::{field_type, CatalogCache, CatalogClient, CatalogView, ColumnEntry};
use super::context::{self, SourceRef, Want};
use crate::render::entities::{render_entity, NO_ROW_CAP};
use crate::render::html::escape;
use crate::render::MimeBundle;
use crate::wire::entity::Entity;
use std::time::Duration;

/// Documentation for the word under the cursor, as plain text and as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub plain: String,
    pub html: String,
}

/// Where the cursor sits, lexically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Ordinary ksqlDB code.
    Code,
    /// Inside a string literal, a quoted identifier or a comment.
    Quoted,
    /// On a magic line; the value is the index of its `%`.
    Magic(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    Code,
    SingleQuote,
    Backtick,
    DoubleQuote,
    LineComment,
    BlockComment,
}

/// What the text before the cursor looks like.
struct Scan {
    context: Context,
    /// Indices of `(` opened in code and not yet closed, in the current statement.
    open_parens: Vec<usize>,
}

/// Scans `chars[..cursor]` with the same rules as the statement splitter: `'...'` strings with
/// `''` escapes, backtick and double-quoted identifiers, `--` and `/* */` comments, and magic
/// lines (a `%` first on a line, between statements).
fn scan(chars: &[char], cursor: usize) -> Scan {
    let mut state = Lex::Code;
    let mut at_line_start = true;
    let mut blank_so_far = true;
    let mut open_parens = Vec::new();
    let mut i = 0;
    while i < cursor {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if state == Lex::Code && at_line_start && blank_so_far && c == '%' {
            let end = chars[i..].iter().position(|&ch| ch == '\n').map_or(chars.len(), |p| i + p);
            if cursor <= end {
                return Scan { context: Context::Magic(i), open_parens: Vec::new() };
            }
            i = end;
            continue;
        }
        if c == '\n' {
            at_line_start = true;
        } else if !c.is_whitespace() {
            at_line_start = false;
        }
        // Two-character tokens only count when both characters are before the cursor.
        let next_before_cursor = if i + 1 < cursor { next } else { None };
        match state {
            Lex::Code => match c {
                ';' => {
                    blank_so_far = true;
                    open_parens.clear();
                    i += 1;
                    continue;
                }
                '(' => open_parens.push(i),
                ')' => {
                    open_parens.pop();
                }
                '\'' => state = Lex::SingleQuote,
                '`' => state = Lex::Backtick,
                '"' => state = Lex::DoubleQuote,
                '-' if next_before_cursor == Some('-') => state = Lex::LineComment,
                '/' if next_before_cursor == Some('*') => {
                    state = Lex::BlockComment;
                    i += 2;
                    continue;
                }
                _ => {}
            },
            Lex::SingleQuote => {
                if c == '\'' {
                    if next_before_cursor == Some('\'') {
                        i += 2;
                        continue;
                    }
                    state = Lex::Code;
                }
            }
            Lex::Backtick => {
                if c == '`' {
                    state = Lex::Code;
                }
            }
            Lex::DoubleQuote => {
                if c == '"' {
                    state = Lex::Code;
                }
            }
            Lex::LineComment => {
                if c == '\n' {
                    state = Lex::Code;
                }
            }
            Lex::BlockComment => {
                if c == '*' && next_before_cursor == Some('/') {
                    state = Lex::Code;
                    i += 2;
                    continue;
                }
            }
        }
        if !c.is_whitespace() && matches!(state, Lex::Code | Lex::SingleQuote | Lex::Backtick | Lex::DoubleQuote) {
            blank_so_far = false;
        }
        i += 1;
    }
    let context = if state == Lex::Code { Context::Code } else { Context::Quoted };
    Scan { context, open_parens }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Start of the identifier characters that end at `end`.
fn ident_start(chars: &[char], end: usize) -> usize {
    let mut start = end;
    while start > 0 && is_ident_char(chars[start - 1]) {
        start -= 1;
    }
    start
}

/// End of the identifier characters that start at `start`.
fn ident_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    while end < chars.len() && is_ident_char(chars[end]) {
        end += 1;
    }
    end
}

/// Whether the identifier starting at `start` is a member access (`s.col`, `x->field`) or a
/// variable reference (`${name}`), where keywords and functions make no sense.
fn is_member_or_variable(chars: &[char], start: usize) -> bool {
    let before = |n: usize| if start >= n { Some(chars[start - n]) } else { None };
    match before(1) {
        Some('.') => true,
        Some('>') => before(2) == Some('-'),
        Some('{') => before(2) == Some('$'),
        _ => false,
    }
}

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

fn keyword_doc(phrase: &str) -> Option<(&'static str, &'static str)> {
    KEYWORD_DOCS.iter().find(|(k, _)| *k == phrase).copied()
}

/// The word before `pos` (skipping whitespace), if any.
fn word_before(chars: &[char], pos: usize) -> Option<String> {
    let mut end = pos;
    while end > 0 && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    let start = ident_start(chars, end);
    (start < end).then(|| chars[start..end].iter().collect::<String>().to_uppercase())
}

/// The word after `pos` (skipping whitespace), if any.
fn word_after(chars: &[char], pos: usize) -> Option<String> {
    let mut start = pos;
    while start < chars.len() && chars[start].is_whitespace() {
        start += 1;
    }
    let end = ident_end(chars, start);
    (start < end).then(|| chars[start..end].iter().collect::<String>().to_uppercase())
}

/// Whether the next non-blank character after `pos` opens a call (`(`) or an array (`[`).
fn followed_by_call(chars: &[char], pos: usize) -> bool {
    chars[pos..].iter().find(|c| !c.is_whitespace()).is_some_and(|&c| c == '(' || c == '[')
}

/// What the built-in tables can document at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuiltinTarget {
    /// A function name (upper-cased), called or named; known to the built-in table or not.
    Function {
        name: String,
        called: bool,
    },
    Keyword(&'static str, &'static str),
}

/// The keyword or function under or just before `cursor` (a code point offset), or the
/// function whose call's parentheses enclose it. None inside strings, comments, magic lines.
pub fn builtin_target(code: &str, cursor_pos: usize) -> Option<BuiltinTarget> {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor_pos.min(chars.len());
    let scanned = scan(&chars, cursor);
    if scanned.context != Context::Code {
        return None;
    }
    let start = ident_start(&chars, cursor);
    let end = ident_end(&chars, cursor);
    if start < end && !chars[start].is_ascii_digit() && !is_member_or_variable(&chars, start) {
        let word: String = chars[start..end].iter().collect::<String>().to_uppercase();
        let called = followed_by_call(&chars, end);
        if called && !matches!(word.as_str(), "IN" | "VALUES" | "WITH" | "AS" | "TUMBLING" | "HOPPING" | "SESSION") {
            return Some(BuiltinTarget::Function { name: word, called: true });
        }
        let prev = word_before(&chars, start).map(|p| format!("{p} {word}"));
        let next = word_after(&chars, end).map(|n| format!("{word} {n}"));
        let doc = prev
            .as_deref()
            .and_then(keyword_doc)
            .or_else(|| next.as_deref().and_then(keyword_doc))
            .or_else(|| keyword_doc(&word));
        if let Some((phrase, text)) = doc {
            return Some(BuiltinTarget::Keyword(phrase, text));
        }
        if builtins::find_function(&word).is_some() {
            return Some(BuiltinTarget::Function { name: word, called: false });
        }
    }
    // Inside the parentheses of a call: document the called function.
    let open = *scanned.open_parens.last()?;
    let name_end = {
        let mut e = open;
        while e > 0 && chars[e - 1].is_whitespace() {
            e -= 1;
        }
        e
    };
    let name_start = ident_start(&chars, name_end);
    if name_start == name_end {
        return None;
    }
    let name: String = chars[name_start..name_end].iter().collect::<String>().to_uppercase();
    if name == "CAST" || builtins::is_keyword(&name) && builtins::find_function(&name).is_none() {
        return None;
    }
    Some(BuiltinTarget::Function { name, called: true })
}

/// Documentation for the word under or just before `cursor_pos` (a code point offset) from
/// the built-in tables: a function's signatures and description, or a short explanation of
/// a main keyword. Inside a call's parentheses (`ABS(x|`), the called function.
/// `detail_level` 1 or more also lists related functions. None for anything else, and
/// inside strings, comments and magic lines.
pub fn inspect_builtin(code: &str, cursor_pos: usize, detail_level: u8) -> Option<Inspection> {
    match builtin_target(code, cursor_pos)? {
        BuiltinTarget::Function { name, .. } => {
            builtins::find_function(&name).map(|f| inspect_function(f, detail_level))
        }
        BuiltinTarget::Keyword(phrase, text) => Some(inspect_keyword(phrase, text)),
    }
}

fn inspect_function(f: &BuiltinFunction, detail_level: u8) -> Inspection {
    let kind = format!("{} function", f.kind.as_str());
    let related: Vec<&str> = if detail_level >= 1 {
        FUNCTIONS.iter().filter(|g| g.category == f.category && g.name != f.name).map(|g| g.name).collect()
    } else {
        Vec::new()
    };

    let mut plain = format!("{} - {} ({})\n\n", f.name, kind, f.category);
    for sig in f.signatures {
        plain.push_str("  ");
        plain.push_str(sig);
        plain.push('\n');
    }
    plain.push('\n');
    plain.push_str(f.description);
    plain.push('\n');
    if !related.is_empty() {
        plain.push_str(&format!("\nOther {} functions: {}\n", f.category, related.join(", ")));
    }

    let mut html = format!(
        "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>{}</i> ({})</p><pre>",
        escape(f.name),
        escape(&kind),
        escape(f.category)
    );
    let sigs: Vec<String> = f.signatures.iter().map(|s| escape(s)).collect();
    html.push_str(&sigs.join("\n"));
    html.push_str("</pre><p>");
    html.push_str(&escape(f.description));
    html.push_str("</p>");
    if !related.is_empty() {
        html.push_str(&format!("<p>Other {} functions: {}</p>", escape(f.category), escape(&related.join(", "))));
    }
    let url = function_page(f.kind.as_str());
    plain.push_str(&format!("\nReference: {url}\n"));
    html.push_str(&format!("<p><a href=\"{}\" target=\"_blank\">ksqlDB reference</a></p></div>", escape(&url)));
    Inspection { plain, html }
}

const REFERENCE: &str = "https://docs.ksqldb.io/en/latest/developer-guide/ksqldb-reference/";

/// The page of the ksqlDB reference that documents a keyword.
fn keyword_page(phrase: &str) -> String {
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

fn inspect_keyword(phrase: &str, text: &str) -> Inspection {
    let url = keyword_page(phrase);
    Inspection {
        plain: format!("{phrase} - keyword\n\n{text}\n\nReference: {url}\n"),
        html: format!(
            "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>keyword</i></p><p>{}</p><p><a href=\"{}\" \
             target=\"_blank\">ksqlDB reference</a></p></div>",
            escape(phrase),
            escape(text),
            escape(&url)
        ),
    }
}

/// How long an inspection waits for the server (DESCRIBE, DESCRIBE FUNCTION).
const INSPECT_BUDGET: Duration = Duration::from_millis(2000);
/// How long it waits for the catalog lists.
const CATALOG_BUDGET: Duration = Duration::from_millis(300);

/// Documentation for the word at `cursor_pos`, using the server's catalog when there is a
/// connection: a stream or table's DESCRIBE, a column's type and source, a STRUCT field, a
/// query, a function's DESCRIBE FUNCTION; keywords and, without a server, built-in functions
/// from the built-in tables.
pub async fn inspect(
    cache: &CatalogCache,
    client: Option<CatalogClient>,
    code: &str,
    cursor_pos: usize,
    detail_level: u8,
) -> Option<Inspection> {
    let Some(client) = client else { return inspect_builtin(code, cursor_pos, detail_level) };
    let view = cache.view(Some(client), CATALOG_BUDGET).await;
    if let Some(word) = context::word_at(code, cursor_pos) {
        if let Some(found) = inspect_name(cache, &view, code, &word).await {
            return Some(found);
        }
    }
    match builtin_target(code, cursor_pos)? {
        BuiltinTarget::Keyword(phrase, text) => Some(inspect_keyword(phrase, text)),
        BuiltinTarget::Function { name, called } => {
            let known =
                builtins::find_function(&name).is_some() || view.catalog.functions.iter().any(|f| f.name == name);
            if known || called {
                if let Some(doc) = cache.function_doc(&name, INSPECT_BUDGET).await {
                    return Some(from_bundle(
                        &render_entity(&doc.entity, None, NO_ROW_CAP),
                        &function_page(&function_kind(&doc.entity)),
                    ));
                }
            }
            builtins::find_function(&name).map(|f| inspect_function(f, detail_level))
        }
    }
}

fn function_kind(entity: &Entity) -> String {
    match entity {
        Entity::DescribeFunction(p) => p.function_type.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// A catalog name at the cursor: source, alias, column, STRUCT field or query.
async fn inspect_name(
    cache: &CatalogCache,
    view: &CatalogView,
    code: &str,
    word: &context::WordAt,
) -> Option<Inspection> {
    let catalog = &view.catalog;
    // `x->field`: the field's type.
    if let Some(Want::Fields { qualifier, column, path }) = &word.member {
        let (source, col) = find_column(view, &word.sources, qualifier.as_deref(), column)?;
        let mut full = path.clone();
        full.push(word.name.clone());
        let t = field_type(&col.sql_type, &full)?;
        let shown: Vec<&str> = std::iter::once(col.name.as_str()).chain(full.iter().map(String::as_str)).collect();
        return Some(describe_column(&shown.join("->"), &t.to_string(), "field", &source, view));
    }
    if let Some(Want::ColumnsOf(q)) = &word.member {
        let (source, col) = find_column(view, &word.sources, Some(q), &word.name)?;
        return Some(describe_column(&col.name, &col.sql_type.to_string(), &col.role, &source, view));
    }
    if word.called {
        return None;
    }
    let source_slot = word.after_source_keyword;
    if !source_slot {
        if let Some((source, col)) = find_column(view, &word.sources, None, &word.name) {
            return Some(describe_column(&col.name, &col.sql_type.to_string(), &col.role, &source, view));
        }
    }
    // An alias stands for its source.
    let aliased = word.sources.iter().find(|s| s.alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(&word.name)));
    let name = aliased.map_or(word.name.clone(), |s| s.name.clone());
    if catalog.source(&name).is_some() || (source_slot && !catalog.loaded) {
        let _ = code;
        if let Some(detail) = cache.source_detail(&name, INSPECT_BUDGET).await {
            return Some(from_bundle(
                &render_entity(&detail.description, None, NO_ROW_CAP),
                &format!("{REFERENCE}describe/"),
            ));
        }
        if let Some(s) = catalog.source(&name) {
            let plain = format!("{} - {}\n\nTopic: {}\n", s.name, s.kind.as_str(), s.topic.clone().unwrap_or_default());
            let html = format!(
                "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>{}</i></p><p>Topic: {}</p></div>",
                escape(&s.name),
                s.kind.as_str(),
                escape(s.topic.as_deref().unwrap_or(""))
            );
            return Some(Inspection { plain, html });
        }
    }
    if let Some(q) = catalog.query(&word.name) {
        let mut plain = format!("{} - {} query", q.id, q.query_type.as_deref().unwrap_or("persistent").to_lowercase());
        if let Some(state) = &q.state {
            plain.push_str(&format!(" ({state})"));
        }
        plain.push_str("\n\n");
        plain.push_str(&q.sql);
        if !q.sinks.is_empty() {
            plain.push_str(&format!("\n\nWrites to: {}", q.sinks.join(", ")));
        }
        plain.push('\n');
        let html = format!(
            "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>query</i>{}</p><pre>{}</pre>{}</div>",
            escape(&q.id),
            q.state.as_deref().map(|s| format!(" ({})", escape(s))).unwrap_or_default(),
            escape(&q.sql),
            if q.sinks.is_empty() {
                String::new()
            } else {
                format!("<p>Writes to: {}</p>", escape(&q.sinks.join(", ")))
            }
        );
        return Some(Inspection { plain, html });
    }
    None
}

/// A column of the statement's sources (or of the one a qualifier names).
fn find_column(
    view: &CatalogView,
    sources: &[SourceRef],
    qualifier: Option<&str>,
    column: &str,
) -> Option<(String, ColumnEntry)> {
    let candidates: Vec<String> = match qualifier {
        Some(q) => {
            let s = sources.iter().find(|s| s.alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(q)));
            vec![s.map_or(q.to_string(), |s| s.name.clone())]
        }
        None => sources.iter().map(|s| s.name.clone()).collect(),
    };
    candidates.into_iter().find_map(|name| {
        let detail = view.detail(&name)?;
        let col = detail.column(column)?.clone();
        let real = view.catalog.source(&name).map_or(name, |s| s.name.clone());
        Some((real, col))
    })
}

fn describe_column(name: &str, sql_type: &str, role: &str, source: &str, view: &CatalogView) -> Inspection {
    let kind = view.catalog.source(source).map_or("source", |s| s.kind.as_str());
    let role_text = match role {
        "KEY" => {
            if kind == "table" {
                "primary key column"
            } else {
                "key column"
            }
        }
        "HEADER" => "header column",
        "field" => "STRUCT field",
        _ => "value column",
    };
    Inspection {
        plain: format!("{name} {sql_type}\n\n{role_text} of {kind} {source}\n"),
        html: format!(
            "<div class=\"ksql-help\"><p><b>{}</b> <code>{}</code></p><p>{} of {} <b>{}</b></p></div>",
            escape(name),
            escape(sql_type),
            role_text,
            kind,
            escape(source)
        ),
    }
}

fn from_bundle(bundle: &MimeBundle, url: &str) -> Inspection {
    let plain = format!("{}\n\nReference: {url}\n", bundle.text_plain().unwrap_or("").trim_end());
    let html = format!(
        "{}<p><a href=\"{}\" target=\"_blank\">ksqlDB reference</a></p>",
        bundle.text_html().unwrap_or(""),
        escape(url)
    );
    Inspection { plain, html }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspects_function_name_and_call() {
        for cursor in [0, 1, 2, 3, 4] {
            let i = inspect_builtin("ABS(", cursor, 0).unwrap_or_else(|| panic!("cursor {cursor}"));
            assert!(i.plain.contains("ABS(col1 DOUBLE) -> DOUBLE"), "{}", i.plain);
            assert!(i.plain.contains("scalar function"));
            assert!(i.plain.contains("math"));
        }
        let code = "SELECT abs(price) FROM t";
        let i = inspect_builtin(code, 13, 0).unwrap();
        assert!(i.plain.starts_with("ABS"));
        // Nested calls: the innermost one.
        let code = "SELECT ROUND(SQRT(x), 2";
        assert!(inspect_builtin(code, 19, 0).unwrap().plain.starts_with("SQRT"));
        assert!(inspect_builtin(code, code.chars().count(), 0).unwrap().plain.starts_with("ROUND"));
    }

    #[test]
    fn inspect_with_non_ascii_text_before() {
        let code = "SELECT 'ünïcödé 😀', count(";
        let i = inspect_builtin(code, code.chars().count(), 0).unwrap();
        assert!(i.plain.starts_with("COUNT"));
        assert!(i.plain.contains("aggregate function"));
        assert!(inspect_builtin(code, code.chars().count() - 3, 0).unwrap().plain.starts_with("COUNT"));
    }

    #[test]
    fn inspect_detail_level_lists_related() {
        let i = inspect_builtin("FLOOR", 2, 1).unwrap();
        assert!(i.plain.contains("Other math functions"));
        assert!(i.plain.contains("CEIL"));
        assert!(!inspect_builtin("FLOOR", 2, 0).unwrap().plain.contains("Other math functions"));
    }

    #[test]
    fn inspects_keywords() {
        let i = inspect_builtin("SELECT * FROM s", 3, 0).unwrap();
        assert!(i.plain.starts_with("SELECT - keyword"));
        let code = "SELECT * FROM s EMIT CHANGES;";
        let i = inspect_builtin(code, 24, 0).unwrap();
        assert!(i.plain.starts_with("EMIT CHANGES"), "{}", i.plain);
        assert!(i.plain.contains("push query"));
        let i = inspect_builtin("create stream s (a INT)", 2, 0).unwrap();
        assert!(i.plain.starts_with("CREATE STREAM"));
        // REPLACE: a keyword after OR, a function when called.
        let i = inspect_builtin("CREATE OR REPLACE STREAM", 12, 0).unwrap();
        assert!(i.plain.starts_with("OR REPLACE"));
        let i = inspect_builtin("SELECT REPLACE(a, 'x', 'y')", 10, 0).unwrap();
        assert!(i.plain.contains("REPLACE(col1 STRING"));
    }

    #[test]
    fn inspect_unknown_is_none() {
        assert_eq!(inspect_builtin("SELECT foo FROM t", 9, 0), None);
        assert_eq!(inspect_builtin("SELECT my_udf(x", 15, 0), None);
        assert_eq!(inspect_builtin("", 0, 0), None);
        assert_eq!(inspect_builtin("   ", 2, 0), None);
        // Inside a string or comment, and on a magic line.
        assert_eq!(inspect_builtin("SELECT 'ABS(", 12, 0), None);
        assert_eq!(inspect_builtin("-- ABS", 5, 0), None);
        assert_eq!(inspect_builtin("%help abs", 8, 0), None);
        // After a closed call, nothing encloses the cursor.
        assert_eq!(inspect_builtin("SELECT ABS(x) ", 14, 0), None);
    }

    #[test]
    fn html_is_escaped() {
        let i = inspect_builtin("ARRAY_LENGTH(", 3, 0).unwrap();
        assert!(i.html.contains("ARRAY_LENGTH(array ARRAY&lt;T&gt;) -&gt; INT"), "{}", i.html);
        assert!(!i.html.contains("<T>"));
        assert!(i.plain.contains("ARRAY<T>"));
        let i = inspect_builtin("SET", 1, 0).unwrap();
        assert!(i.html.contains("&#39;auto.offset.reset&#39;"), "{}", i.html);
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
