//! Editor help that needs no server: tab completion of keywords, built-in functions and
//! magics (`complete_request`) and documentation of the word under the cursor
//! (`inspect_request`).
//!
//! Cursor positions are Unicode code point offsets into the cell, as the Jupyter protocol
//! (version 5.2 and later) defines them. All the work here is done on a `Vec<char>`, so
//! offsets never need converting to bytes.

use serde_json::{Map, Value};

use super::builtins::{self, BuiltinFunction, FUNCTIONS, KEYWORDS};

/// The answer to a completion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Candidate replacements for the text between `cursor_start` and `cursor_end`.
    pub matches: Vec<String>,
    /// Code point offset where the replaced text starts.
    pub cursor_start: usize,
    /// Code point offset where the replaced text ends (the cursor).
    pub cursor_end: usize,
    /// Parallel to `matches`: `"keyword"`, `"function"` or `"magic"`.
    pub kinds: Vec<&'static str>,
}

impl Completion {
    fn empty(cursor: usize) -> Self {
        Completion { matches: Vec::new(), cursor_start: cursor, cursor_end: cursor, kinds: Vec::new() }
    }
}

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

/// Lower-case matches when the user typed letters and all of them are lower-case.
fn wants_lower_case(prefix: &str) -> bool {
    prefix.chars().any(char::is_alphabetic) && !prefix.chars().any(char::is_uppercase)
}

/// Completes the identifier before `cursor_pos` (a code point offset) with ksqlDB keywords
/// and built-in function names, or the magic name on a `%` line with the given `magics`
/// (names with or without their `%`). No matches inside strings, quoted identifiers or
/// comments, after a `.` or `->`, or for numbers.
pub fn complete_builtin(code: &str, cursor_pos: usize, magics: &[&str]) -> Completion {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor_pos.min(chars.len());
    match scan(&chars, cursor).context {
        Context::Quoted => Completion::empty(cursor),
        Context::Magic(percent) => complete_magic(&chars, percent, cursor, magics),
        Context::Code => complete_code(&chars, cursor),
    }
}

fn complete_magic(chars: &[char], percent: usize, cursor: usize, magics: &[&str]) -> Completion {
    let typed = &chars[percent + 1..cursor];
    if typed.iter().any(|c| c.is_whitespace()) {
        // The cursor is in the magic's arguments.
        return Completion::empty(cursor);
    }
    let prefix: String = typed.iter().collect::<String>().to_lowercase();
    let mut names: Vec<String> = magics
        .iter()
        .map(|m| m.trim_start_matches('%'))
        .filter(|m| !m.is_empty() && m.to_lowercase().starts_with(&prefix))
        .map(|m| format!("%{m}"))
        .collect();
    names.sort();
    names.dedup();
    let kinds = vec!["magic"; names.len()];
    Completion { matches: names, cursor_start: percent, cursor_end: cursor, kinds }
}

fn complete_code(chars: &[char], cursor: usize) -> Completion {
    let start = ident_start(chars, cursor);
    if start < cursor && chars[start].is_ascii_digit() {
        return Completion::empty(cursor);
    }
    if is_member_or_variable(chars, start) {
        return Completion::empty(cursor);
    }
    let prefix: String = chars[start..cursor].iter().collect();
    let upper = prefix.to_uppercase();
    let lower = wants_lower_case(&prefix);
    let cased = |name: &str| if lower { name.to_lowercase() } else { name.to_string() };

    let mut keywords: Vec<&str> = KEYWORDS.iter().copied().filter(|k| k.starts_with(&upper)).collect();
    keywords.sort_unstable();
    keywords.dedup();
    let mut functions: Vec<&str> = FUNCTIONS
        .iter()
        .map(|f| f.name)
        .filter(|name| name.starts_with(&upper) && !keywords.contains(name))
        .collect();
    functions.sort_unstable();
    functions.dedup();

    let mut matches = Vec::with_capacity(keywords.len() + functions.len());
    let mut kinds = Vec::with_capacity(keywords.len() + functions.len());
    for k in keywords {
        matches.push(cased(k));
        kinds.push("keyword");
    }
    for f in functions {
        matches.push(cased(f));
        kinds.push("function");
    }
    Completion { matches, cursor_start: start, cursor_end: cursor, kinds }
}

/// The `metadata` of a `complete_reply` for JupyterLab's typed completer:
/// `{"_jupyter_types_experimental": [{"text", "type", "start", "end", "signature"?}, ...]}`.
/// Functions carry their first signature.
pub fn jupyter_types_metadata(c: &Completion) -> Map<String, Value> {
    let items: Vec<Value> = c
        .matches
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let kind = c.kinds.get(i).copied().unwrap_or("keyword");
            let mut item = Map::new();
            item.insert("text".into(), Value::from(text.as_str()));
            item.insert("type".into(), Value::from(kind));
            item.insert("start".into(), Value::from(c.cursor_start));
            item.insert("end".into(), Value::from(c.cursor_end));
            if kind == "function" {
                if let Some(sig) = builtins::find_function(text).and_then(|f| f.signatures.first()) {
                    item.insert("signature".into(), Value::from(*sig));
                }
            }
            Value::Object(item)
        })
        .collect();
    let mut meta = Map::new();
    meta.insert("_jupyter_types_experimental".into(), Value::Array(items));
    meta
}

/// One-line explanations of the main keywords and keyword pairs.
const KEYWORD_DOCS: &[(&str, &str)] = &[
    ("SELECT", "Reads rows from a stream or table. With EMIT CHANGES it is a push query that keeps streaming results; without it, against a table, a pull query that returns the current state and finishes."),
    ("FROM", "Names the stream or table a query reads from (several, with JOIN)."),
    ("WHERE", "Keeps only the rows for which the condition is true."),
    ("GROUP BY", "Groups rows by one or more expressions so that aggregate functions compute one result per group; the result is a table."),
    ("GROUP", "Starts GROUP BY: groups rows so that aggregate functions compute one result per group."),
    ("HAVING", "Filters groups after aggregation, using aggregate expressions."),
    ("EMIT CHANGES", "Makes the query a push query: results keep arriving as new data comes in, until the query is cancelled or reaches its LIMIT."),
    ("EMIT FINAL", "For windowed aggregations: outputs one final row per window once the window closes, instead of every intermediate update."),
    ("EMIT", "Chooses how a query outputs results: EMIT CHANGES (every update, continuously) or EMIT FINAL (once per closed window)."),
    ("LIMIT", "Ends the query after it has returned the given number of rows."),
    ("CREATE STREAM", "Declares a stream, an unbounded append-only sequence of events, over a Kafka topic; with AS SELECT, starts a persistent query that fills a new topic."),
    ("CREATE TABLE", "Declares a table holding the latest value for each PRIMARY KEY, over a Kafka topic; with AS SELECT, starts a persistent query that materializes the result."),
    ("CREATE TYPE", "Registers a named alias for a type, typically a STRUCT, for use in later schemas."),
    ("CREATE", "Creates an object: CREATE STREAM, CREATE TABLE, CREATE SOURCE/SINK CONNECTOR or CREATE TYPE (OR REPLACE to update an existing one)."),
    ("OR REPLACE", "Replaces an existing object or persistent query of the same name instead of failing."),
    ("SOURCE CONNECTOR", "A Kafka Connect connector that imports data from an external system into Kafka topics."),
    ("SINK CONNECTOR", "A Kafka Connect connector that exports data from Kafka topics to an external system."),
    ("CONNECTOR", "A Kafka Connect connector managed through ksqlDB (CREATE/DROP/DESCRIBE CONNECTOR, SHOW CONNECTORS)."),
    ("INSERT INTO", "Adds rows to an existing stream: a single row with VALUES, or continuously with a SELECT query."),
    ("INSERT", "Starts INSERT INTO: writes rows into an existing stream."),
    ("VALUES", "The literal values of the row written by INSERT INTO ... VALUES."),
    ("DROP", "Removes a stream, table, connector or type; DELETE TOPIC also deletes the backing Kafka topic."),
    ("TERMINATE", "Stops a persistent query, given its id, or every persistent query with TERMINATE ALL."),
    ("PAUSE", "Pauses a persistent query (or all of them) without removing it."),
    ("RESUME", "Resumes a paused persistent query."),
    ("ALTER", "Adds columns to an existing stream or table."),
    ("SHOW", "Lists objects: STREAMS, TABLES, TOPICS, QUERIES, PROPERTIES, FUNCTIONS, TYPES, VARIABLES or CONNECTORS."),
    ("LIST", "Same as SHOW: lists STREAMS, TABLES, TOPICS, QUERIES, PROPERTIES, FUNCTIONS, TYPES, VARIABLES or CONNECTORS."),
    ("DESCRIBE", "Shows the columns of a stream or table (EXTENDED adds statistics and queries), or details of a FUNCTION or CONNECTOR."),
    ("EXPLAIN", "Shows the execution plan of a query, by id or for a statement."),
    ("PRINT", "Prints the records of a Kafka topic as they arrive; FROM BEGINNING starts at the earliest offset, INTERVAL samples, LIMIT stops."),
    ("SET", "Sets a property for the rest of the session, e.g. SET 'auto.offset.reset'='earliest';"),
    ("UNSET", "Removes a property set earlier with SET."),
    ("DEFINE", "Defines a session variable, substituted for ${name} in later statements."),
    ("UNDEFINE", "Removes a session variable created with DEFINE."),
    ("RUN SCRIPT", "Runs the statements of a SQL file."),
    ("ASSERT", "Checks that a topic or schema exists (or, with NOT EXISTS, does not), waiting up to an optional TIMEOUT."),
    ("PARTITION BY", "Re-keys a stream by the given expressions, repartitioning the data by the new key."),
    ("WINDOW", "Splits an aggregation into time windows: TUMBLING, HOPPING or SESSION."),
    ("TUMBLING", "Fixed-size, non-overlapping time windows: WINDOW TUMBLING (SIZE 1 HOUR)."),
    ("HOPPING", "Fixed-size windows that overlap, starting every ADVANCE BY interval: WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 10 MINUTES)."),
    ("SESSION", "Windows of activity per key that close after a gap without events: WINDOW SESSION (30 MINUTES)."),
    ("GRACE PERIOD", "How long a window still accepts out-of-order events after it ends."),
    ("RETENTION", "How long the results of windows are kept for pull queries."),
    ("JOIN", "Combines rows of two sources that match the ON condition; joins between two streams need a WITHIN window."),
    ("WITHIN", "The time range within which events of two joined streams must fall to match."),
    ("WITH", "Sets properties of the object being created, such as KAFKA_TOPIC, KEY_FORMAT, VALUE_FORMAT, PARTITIONS or TIMESTAMP."),
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

/// Documentation for the word under or just before `cursor_pos` (a code point offset): a
/// built-in function's signatures and description, or a short explanation of a main
/// keyword. Inside a call's parentheses (`ABS(x|`), the called function. `detail_level` 1
/// or more also lists related functions. None for anything else, and inside strings,
/// comments and magic lines.
pub fn inspect_builtin(code: &str, cursor_pos: usize, detail_level: u8) -> Option<Inspection> {
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
        let function = builtins::find_function(&word);
        if let Some(f) = function.filter(|_| followed_by_call(&chars, end)) {
            return Some(inspect_function(f, detail_level));
        }
        let prev = word_before(&chars, start).map(|p| format!("{p} {word}"));
        let next = word_after(&chars, end).map(|n| format!("{word} {n}"));
        let doc = prev
            .as_deref()
            .and_then(keyword_doc)
            .or_else(|| next.as_deref().and_then(keyword_doc))
            .or_else(|| keyword_doc(&word));
        if let Some((phrase, text)) = doc {
            return Some(inspect_keyword(phrase, text));
        }
        if let Some(f) = function {
            return Some(inspect_function(f, detail_level));
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
    let name: String = chars[name_start..name_end].iter().collect();
    builtins::find_function(&name).map(|f| inspect_function(f, detail_level))
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
        html.push_str(&format!(
            "<p>Other {} functions: {}</p>",
            escape(f.category),
            escape(&related.join(", "))
        ));
    }
    html.push_str("</div>");
    Inspection { plain, html }
}

fn inspect_keyword(phrase: &str, text: &str) -> Inspection {
    Inspection {
        plain: format!("{phrase} - keyword\n\n{text}\n"),
        html: format!(
            "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>keyword</i></p><p>{}</p></div>",
            escape(phrase),
            escape(text)
        ),
    }
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGICS: &[&str] = &["connect", "config", "help", "%properties"];

    fn complete(code: &str) -> Completion {
        complete_builtin(code, code.chars().count(), MAGICS)
    }

    #[test]
    fn completes_keyword_prefix() {
        let c = complete("SEL");
        assert_eq!(c.matches, vec!["SELECT"]);
        assert_eq!(c.kinds, vec!["keyword"]);
        assert_eq!((c.cursor_start, c.cursor_end), (0, 3));
    }

    #[test]
    fn case_follows_the_user() {
        assert_eq!(complete("sel").matches, vec!["select"]);
        assert_eq!(complete("Sel").matches, vec!["SELECT"]);
        let c = complete("select ab");
        assert!(c.matches.contains(&"abs".to_string()), "{:?}", c.matches);
        let i = c.matches.iter().position(|m| m == "abs").unwrap();
        assert_eq!(c.kinds[i], "function");
        assert_eq!((c.cursor_start, c.cursor_end), (7, 9));
        // Digits and underscores carry no case.
        assert_eq!(complete("array_").matches.first().map(String::as_str), Some("array_concat"));
    }

    #[test]
    fn keywords_then_functions_without_duplicates() {
        let c = complete("SELECT MA");
        assert!(c.matches.contains(&"MAP".to_string()));
        assert!(c.matches.contains(&"MAP_KEYS".to_string()));
        assert!(c.matches.contains(&"MASK".to_string()));
        let mut seen = std::collections::HashSet::new();
        assert!(c.matches.iter().all(|m| seen.insert(m.clone())), "{:?}", c.matches);
        let first_function = c.kinds.iter().position(|k| *k == "function").unwrap();
        assert!(c.kinds[first_function..].iter().all(|k| *k == "function"));
        assert!(c.kinds[..first_function].iter().all(|k| *k == "keyword"));
        assert_eq!(c.kinds.len(), c.matches.len());
        // Sorted within each group.
        let kw = &c.matches[..first_function];
        assert!(kw.windows(2).all(|w| w[0] < w[1]));
        let fns = &c.matches[first_function..];
        assert!(fns.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn cursor_in_the_middle_of_the_text() {
        let code = "SELECT latest_b FROM t";
        let c = complete_builtin(code, 15, MAGICS);
        assert_eq!(c.matches, vec!["latest_by_offset"]);
        assert_eq!((c.cursor_start, c.cursor_end), (7, 15));
    }

    #[test]
    fn code_point_offsets_with_non_ascii_text() {
        let code = "SELECT 'héllo', ab";
        let cursor = code.chars().count();
        assert_eq!(cursor, 18);
        assert_ne!(cursor, code.len());
        let c = complete_builtin(code, cursor, MAGICS);
        assert_eq!((c.cursor_start, c.cursor_end), (16, 18));
        assert!(c.matches.contains(&"abs".to_string()));

        // Outside the Basic Multilingual Plane: one code point, two UTF-16 units, four bytes.
        let code = "SELECT '😀', ucas";
        let c = complete_builtin(code, code.chars().count(), MAGICS);
        assert_eq!(c.matches, vec!["ucase"]);
        assert_eq!((c.cursor_start, c.cursor_end), (12, 16));

        // Non-ASCII letters are part of the identifier.
        let c = complete("SELECT éab");
        assert!(c.matches.is_empty());
        assert_eq!(c.cursor_start, 7);
    }

    #[test]
    fn cursor_past_the_end_is_clamped() {
        let c = complete_builtin("SEL", 99, MAGICS);
        assert_eq!(c.matches, vec!["SELECT"]);
        assert_eq!((c.cursor_start, c.cursor_end), (0, 3));
    }

    #[test]
    fn no_matches_inside_strings_and_comments() {
        for code in [
            "SELECT 'ab",
            "SELECT 'it''s ab",
            "SELECT `ab",
            "SELECT \"ab",
            "SELECT 1 -- ab",
            "SELECT /* ab",
            "SELECT /* one\n two ab",
        ] {
            let c = complete(code);
            assert!(c.matches.is_empty(), "{code}: {:?}", c.matches);
            let n = code.chars().count();
            assert_eq!((c.cursor_start, c.cursor_end), (n, n), "{code}");
        }
        for code in ["SELECT 'x', ab", "SELECT 'it''s', ab", "/* c */ SELECT ab", "SELECT 1 -- c\nab", "SELECT `a`, ab"] {
            assert!(complete(code).matches.iter().any(|m| m.eq_ignore_ascii_case("ABS")), "{code}");
        }
    }

    #[test]
    fn no_matches_for_members_variables_and_numbers() {
        assert!(complete("SELECT s.ab").matches.is_empty());
        assert!(complete("SELECT s->ab").matches.is_empty());
        assert!(complete("SELECT ${ab").matches.is_empty());
        assert!(complete("LIMIT 10").matches.is_empty());
    }

    #[test]
    fn completes_magics() {
        let c = complete("%con");
        assert_eq!(c.matches, vec!["%config", "%connect"]);
        assert_eq!(c.kinds, vec!["magic", "magic"]);
        assert_eq!((c.cursor_start, c.cursor_end), (0, 4));

        let c = complete("%");
        assert_eq!(c.matches, vec!["%config", "%connect", "%help", "%properties"]);

        let c = complete("SELECT 1;\n  %HE");
        assert_eq!(c.matches, vec!["%help"]);
        assert_eq!((c.cursor_start, c.cursor_end), (12, 15));

        // In the magic's arguments: nothing.
        assert!(complete("%connect http://loc").matches.is_empty());
        // A later line after a magic is code again.
        assert_eq!(complete("%connect 'x\nSEL").matches, vec!["SELECT"]);
        // Inside a statement, `%` is the modulo operator, not a magic.
        let c = complete("SELECT a\n%he");
        assert!(!c.matches.iter().any(|m| m.starts_with('%')));
    }

    #[test]
    fn jupyter_types_metadata_shape() {
        let c = complete("select ab");
        let meta = jupyter_types_metadata(&c);
        let items = meta["_jupyter_types_experimental"].as_array().unwrap();
        assert_eq!(items.len(), c.matches.len());
        let abs = items.iter().find(|i| i["text"] == "abs").unwrap();
        assert_eq!(abs["type"], "function");
        assert_eq!(abs["start"], 7);
        assert_eq!(abs["end"], 9);
        assert!(abs["signature"].as_str().unwrap().starts_with("ABS("));

        let c = complete("%he");
        let meta = jupyter_types_metadata(&c);
        let items = meta["_jupyter_types_experimental"].as_array().unwrap();
        assert_eq!(items[0]["text"], "%help");
        assert_eq!(items[0]["type"], "magic");
        assert!(items[0].get("signature").is_none());
    }

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
