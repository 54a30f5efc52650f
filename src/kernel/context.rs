//! What the cursor is in, for editor help: the one lexer's tokens of the whole cell and a
//! reading of the statement around the cursor that says what
//! may be typed there (keywords valid at that point, a stream or table, a column of the
//! statement's sources, a struct field, a topic, a property, a variable, a query id, a
//! magic or one of its options).
//!
//! Pure functions over code point offsets (the Jupyter protocol's unit); no catalog, no I/O.

use ksql_syntax::lexer::{lex_cell, Token, TokenKind};

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The cell's tokens from the one lexer, whitespace left out (comments stay: the cursor may
/// be in one).
fn tokenize(code: &str) -> Vec<Token> {
    lex_cell(code).into_iter().filter(|t| t.kind != TokenKind::Space).collect()
}

/// What may be typed at the cursor, most relevant first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    Keywords(Vec<&'static str>),
    /// Streams and/or tables of the catalog.
    Sources {
        streams: bool,
        tables: bool,
    },
    /// Columns of the sources the statement names.
    Columns,
    /// Columns of one source, named by its alias or name (`r.`).
    ColumnsOf(String),
    /// Fields of a STRUCT: the column (with its qualifier, if any), then the path below it;
    /// `[]` stands for an array element or map value.
    Fields {
        qualifier: Option<String>,
        column: String,
        path: Vec<String>,
    },
    Functions,
    Queries,
    Topics,
    /// Server and session properties (SET / UNSET).
    Properties,
    /// `DEFINE`d variables, by name (UNDEFINE).
    Variables,
    /// A `${name` reference; `closed` when its `}` is there.
    VariableRef {
        closed: bool,
    },
    Types,
    /// Properties of `WITH (...)` in CREATE.
    WithProperties,
    /// Serialization formats (`VALUE_FORMAT='...'`).
    Formats,
    Magics,
    /// Options and values of a magic's arguments: the magic and the previous argument.
    MagicArgs {
        magic: String,
        previous: Option<String>,
    },
}

/// How the text being completed is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    /// Inside `'...'`; `closed` when the closing quote is already there.
    Single {
        closed: bool,
    },
    /// Inside `` `...` ``.
    Backtick {
        closed: bool,
    },
}

/// A stream or table named in the statement, with its alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    /// As ksqlDB resolves it: upper-cased unless quoted.
    pub name: String,
    pub alias: Option<String>,
}

/// The reading of the cursor position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorContext {
    /// The replaced text: `start..end` (code points); `end` is the cursor.
    pub start: usize,
    pub end: usize,
    /// What the user typed of the current word (inside quotes: after the quote).
    pub prefix: String,
    pub wants: Vec<Want>,
    pub quote: Quote,
    /// Matches in lower case (the user writes lower-case SQL).
    pub lower: bool,
    /// The sources named in the statement (FROM/JOIN, else INTO/DESCRIBE/...).
    pub sources: Vec<SourceRef>,
}

impl CursorContext {
    fn nothing(cursor: usize) -> Self {
        CursorContext {
            start: cursor,
            end: cursor,
            prefix: String::new(),
            wants: Vec::new(),
            quote: Quote::None,
            lower: false,
            sources: Vec::new(),
        }
    }
}

pub const STATEMENT_START: &[&str] = &[
    "ALTER",
    "ASSERT",
    "CREATE",
    "DEFINE",
    "DESCRIBE",
    "DROP",
    "EXPLAIN",
    "INSERT",
    "LIST",
    "PAUSE",
    "PRINT",
    "RESUME",
    "RUN",
    "SELECT",
    "SET",
    "SHOW",
    "TERMINATE",
    "UNDEFINE",
    "UNSET",
];

/// Keywords that may start an expression (besides columns and functions).
const EXPRESSION_START: &[&str] = &[
    "CASE",
    "CAST",
    "FALSE",
    "INTERVAL",
    "NOT",
    "NULL",
    "ROWOFFSET",
    "ROWPARTITION",
    "ROWTIME",
    "TRUE",
    "WINDOWEND",
    "WINDOWSTART",
];

/// Words after which an operand is expected (not a complete term).
const OPERAND_BEFORE: &[&str] = &[
    "SELECT", "WHERE", "ON", "AND", "OR", "NOT", "BY", "HAVING", "WHEN", "THEN", "ELSE", "CASE", "BETWEEN", "LIKE",
    "IN", "DISTINCT", "RETURN", "EXPLODE",
];

/// Words that end a FROM/JOIN item, so they are not an alias.
const NOT_ALIAS: &[&str] = &[
    "WHERE",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "INNER",
    "OUTER",
    "CROSS",
    "ON",
    "WINDOW",
    "GROUP",
    "PARTITION",
    "HAVING",
    "EMIT",
    "LIMIT",
    "WITHIN",
    "GRACE",
    "AS",
    "SELECT",
    "FROM",
    "INTO",
    "VALUES",
    "WITH",
    "EXTENDED",
    "DELETE",
];

pub const SQL_TYPES: &[&str] = &[
    "ARRAY",
    "BIGINT",
    "BOOLEAN",
    "BYTES",
    "DATE",
    "DECIMAL",
    "DOUBLE",
    "INT",
    "INTEGER",
    "MAP",
    "STRING",
    "STRUCT",
    "TIME",
    "TIMESTAMP",
    "VARCHAR",
];

pub const TIME_UNITS: &[&str] =
    &["DAY", "DAYS", "HOUR", "HOURS", "MILLISECOND", "MILLISECONDS", "MINUTE", "MINUTES", "SECOND", "SECONDS"];

/// Reads the cursor position in `code` (`cursor` a code point offset, clamped).
pub fn analyze(code: &str, cursor: usize) -> CursorContext {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    let tokens = tokenize(code);

    // The token the cursor is in or at the end of.
    let at = tokens.iter().position(|t| match t.kind {
        TokenKind::Word | TokenKind::Num => t.start < cursor && cursor <= t.end,
        TokenKind::Magic => t.start < cursor && cursor <= t.end,
        TokenKind::Comment if t.text.starts_with("/*") => t.start < cursor && (cursor < t.end || !t.closed),
        TokenKind::Comment => t.start < cursor && cursor <= t.end,
        TokenKind::Str | TokenKind::Quoted => t.start < cursor && (cursor < t.end || !t.closed),
        TokenKind::Var => t.start + 1 < cursor && (cursor < t.end || !t.closed),
        TokenKind::Sym | TokenKind::Unknown | TokenKind::Space => false,
    });

    // The statement around the cursor: between `;`s and magic lines.
    let boundary = |t: &Token| t.is_sym(";") || t.kind == TokenKind::Magic;
    let first = tokens
        .iter()
        .rposition(|t| t.end <= cursor && boundary(t) && Some(t) != at.map(|a| &tokens[a]))
        .map_or(0, |p| p + 1);
    let last =
        tokens[first..].iter().position(|t| t.start >= cursor && boundary(t)).map_or(tokens.len(), |p| first + p);
    let statement: Vec<&Token> = tokens[first..last].iter().filter(|t| t.kind != TokenKind::Comment).collect();
    let sources = statement_sources(&statement);

    let mut ctx = CursorContext::nothing(cursor);
    ctx.sources = sources;
    let before: Vec<&Token>;
    if let Some(a) = at {
        let t = &tokens[a];
        match t.kind {
            TokenKind::Comment | TokenKind::Num => return CursorContext::nothing(cursor),
            TokenKind::Magic => return analyze_magic(&chars, t, cursor),
            TokenKind::Var => {
                ctx.start = t.start + 2;
                ctx.prefix = chars[ctx.start..cursor].iter().collect();
                ctx.wants = vec![Want::VariableRef { closed: t.closed }];
                // Inside `${...}` only identifier characters count.
                if !ctx.prefix.chars().all(is_ident_char) {
                    return CursorContext::nothing(cursor);
                }
                return ctx;
            }
            TokenKind::Word => {
                ctx.start = t.start;
                ctx.prefix = chars[t.start..cursor].iter().collect();
            }
            TokenKind::Str | TokenKind::Quoted => {
                ctx.start = t.start + 1;
                ctx.prefix = chars[t.start + 1..cursor].iter().collect();
                if t.kind == TokenKind::Str {
                    // `'${name` inside a string: ksqlDB substitutes variables there too.
                    let inner = &chars[t.start + 1..cursor];
                    if let Some(p) =
                        (0..inner.len().saturating_sub(1)).rev().find(|&p| inner[p] == '$' && inner[p + 1] == '{')
                    {
                        if inner[p + 2..].iter().all(|&c| is_ident_char(c)) {
                            ctx.start = t.start + 1 + p + 2;
                            ctx.prefix = inner[p + 2..].iter().collect();
                            let closed = chars[cursor..].iter().find(|&&c| !is_ident_char(c)) == Some(&'}');
                            ctx.wants = vec![Want::VariableRef { closed }];
                            return ctx;
                        }
                    }
                }
                ctx.quote = if t.kind == TokenKind::Str {
                    Quote::Single { closed: t.closed }
                } else if chars[t.start] == '`' {
                    Quote::Backtick { closed: t.closed }
                } else {
                    // Double-quoted identifiers: left alone.
                    return CursorContext::nothing(cursor);
                };
            }
            TokenKind::Sym | TokenKind::Unknown | TokenKind::Space => unreachable!(),
        }
        before = statement.iter().copied().filter(|x| x.end <= t.start).collect();
    } else {
        before = statement.iter().copied().filter(|x| x.end <= cursor).collect();
    }
    ctx.lower = wants_lower(&ctx.prefix, &before);
    ctx.wants = match ctx.quote {
        Quote::Single { .. } => string_wants(&before),
        _ => code_wants(&before),
    };
    if matches!(ctx.quote, Quote::Backtick { .. }) {
        // Only names can be quoted identifiers.
        ctx.wants
            .retain(|w| matches!(w, Want::Sources { .. } | Want::Columns | Want::ColumnsOf(_) | Want::Fields { .. }));
    }
    ctx
}

/// Lower-case matches when the user typed lower-case letters (or, before typing anything,
/// wrote the statement's last keyword in lower case).
fn wants_lower(prefix: &str, before: &[&Token]) -> bool {
    if prefix.chars().any(char::is_alphabetic) {
        return !prefix.chars().any(char::is_uppercase);
    }
    before
        .iter()
        .rev()
        .find(|t| {
            t.kind == TokenKind::Word
                && t.text.chars().any(char::is_alphabetic)
                && ksql_syntax::keywords::is_keyword(&t.text)
        })
        .is_some_and(|t| !t.text.chars().any(char::is_uppercase))
}

fn analyze_magic(chars: &[char], t: &Token, cursor: usize) -> CursorContext {
    let mut ctx = CursorContext::nothing(cursor);
    let typed: String = chars[t.start + 1..cursor].iter().collect();
    match typed.find(char::is_whitespace) {
        None => {
            ctx.start = t.start;
            ctx.prefix = format!("%{typed}");
            ctx.wants = vec![Want::Magics];
        }
        Some(pos) => {
            let name = typed[..pos].to_lowercase();
            let args = &typed[pos..];
            let (done, current) = match args.rfind(char::is_whitespace) {
                Some(p) => (&args[..p], args[p..].trim_start()),
                None => ("", args),
            };
            let current = current.trim_start();
            ctx.start = cursor - current.chars().count();
            ctx.prefix = current.to_string();
            let previous = done.split_whitespace().last().map(str::to_string);
            ctx.wants = vec![Want::MagicArgs { magic: name, previous }];
        }
    }
    ctx
}

/// Inside a string literal: property names after SET/UNSET, topics after PRINT or
/// KAFKA_TOPIC=, formats after *FORMAT=.
fn string_wants(before: &[&Token]) -> Vec<Want> {
    let first = before.first().and_then(|t| t.upper());
    match (first.as_deref(), before.len()) {
        (Some("SET" | "UNSET"), 1) => return vec![Want::Properties],
        (Some("PRINT"), 1) => return vec![Want::Topics],
        _ => {}
    }
    let n = before.len();
    if n >= 2 && before[n - 1].is_sym("=") {
        if let Some(key) = before[n - 2].upper() {
            if key == "KAFKA_TOPIC" {
                return vec![Want::Topics];
            }
            if key.ends_with("FORMAT") && key != "TIMESTAMP_FORMAT" {
                return vec![Want::Formats];
            }
        }
    }
    if n >= 2 && before[n - 1].is_word("TOPIC") && before[0].is_word("ASSERT") {
        return vec![Want::Topics];
    }
    Vec::new()
}

fn kw(list: &[&'static str]) -> Want {
    Want::Keywords(list.to_vec())
}

/// In code: what the tokens before the cursor (in its statement) allow next.
fn code_wants(before: &[&Token]) -> Vec<Want> {
    let n = before.len();
    if n == 0 {
        return vec![kw(STATEMENT_START)];
    }
    let last = before[n - 1];
    // Member access: `alias.col`, `col->field`.
    if last.is_sym("->") {
        return struct_path(before).into_iter().collect();
    }
    if last.is_sym(".") && n >= 2 {
        if let Some(q) = before[n - 2].name() {
            return vec![Want::ColumnsOf(q)];
        }
        return Vec::new();
    }
    let words: Vec<Option<String>> = before.iter().map(|t| t.upper()).collect();
    let w = |i: usize| words.get(i).and_then(|x| x.as_deref());
    let first = w(0).unwrap_or("");
    match first {
        "SET" | "UNSET" => return if n == 1 { vec![Want::Properties] } else { Vec::new() },
        "DEFINE" | "UNDEFINE" => return if n == 1 { vec![Want::Variables] } else { Vec::new() },
        "RUN" => return if n == 1 { vec![kw(&["SCRIPT"])] } else { Vec::new() },
        "PRINT" => {
            return match (n, w(n - 1)) {
                (1, _) => vec![Want::Topics],
                (_, Some("FROM")) => vec![kw(&["BEGINNING"])],
                (_, Some("INTERVAL" | "LIMIT")) => Vec::new(),
                _ => vec![kw(&["FROM", "INTERVAL", "LIMIT"])],
            }
        }
        "TERMINATE" | "PAUSE" | "RESUME" => {
            return if n == 1 { vec![Want::Queries, kw(&["ALL"])] } else { Vec::new() };
        }
        "EXPLAIN" => {
            if n == 1 {
                return vec![Want::Queries, kw(&["SELECT"])];
            }
            if w(1) != Some("SELECT") {
                return Vec::new();
            }
        }
        "SHOW" | "LIST" => {
            return match (n, w(n - 1)) {
                (1, _) => vec![kw(&[
                    "ALL",
                    "CONNECTORS",
                    "FUNCTIONS",
                    "PROPERTIES",
                    "QUERIES",
                    "STREAMS",
                    "TABLES",
                    "TOPICS",
                    "TYPES",
                    "VARIABLES",
                    "CONNECTOR",
                ])],
                (2, Some("ALL")) => vec![kw(&["TOPICS"])],
                (2, Some("CONNECTOR")) => vec![kw(&["PLUGINS"])],
                (_, Some("STREAMS" | "TABLES" | "TOPICS" | "QUERIES")) => vec![kw(&["EXTENDED"])],
                _ => Vec::new(),
            }
        }
        "DESCRIBE" => {
            return match (n, w(1)) {
                (1, _) => vec![
                    Want::Sources { streams: true, tables: true },
                    kw(&["CONNECTOR", "EXTENDED", "FUNCTION", "STREAMS", "TABLES"]),
                ],
                (2, Some("FUNCTION")) => vec![Want::Functions],
                (2, Some("EXTENDED")) => vec![Want::Sources { streams: true, tables: true }],
                (2, Some("CONNECTOR")) => Vec::new(),
                (2, _) => vec![kw(&["EXTENDED"])],
                _ => Vec::new(),
            }
        }
        "DROP" => return drop_wants(before),
        "ALTER" => return alter_wants(before),
        "ASSERT" => {
            return match (n, w(n - 1)) {
                (1, _) => vec![kw(&["NOT", "SCHEMA", "TOPIC"])],
                (2, Some("NOT")) => vec![kw(&["EXISTS"])],
                (_, Some("EXISTS")) => vec![kw(&["SCHEMA", "TOPIC"])],
                (_, Some("TOPIC")) => vec![Want::Topics],
                _ => vec![kw(&["TIMEOUT", "WITH"])],
            }
        }
        "INSERT" => return insert_wants(before),
        "CREATE" => return create_wants(before),
        "SELECT" => {}
        "EMIT" | "WITH" => {}
        _ => {
            // A statement this reading does not know: anything goes.
            let mut all: Vec<&'static str> = ksql_syntax::keywords::KEYWORDS.to_vec();
            all.sort_unstable();
            return vec![Want::Columns, Want::Functions, Want::Keywords(all)];
        }
    }
    let s = find_word(before, "SELECT").unwrap_or(0);
    query_wants(&before[s..])
}

/// After DROP: what is dropped, IF EXISTS, DELETE TOPIC.
fn drop_wants(before: &[&Token]) -> Vec<Want> {
    let n = before.len();
    let words: Vec<Option<String>> = before.iter().map(|t| t.upper()).collect();
    let w = |i: usize| words.get(i).and_then(|x| x.as_deref());
    if n == 1 {
        return vec![kw(&["CONNECTOR", "STREAM", "TABLE", "TYPE"])];
    }
    let (streams, tables) = match w(1) {
        Some("STREAM") => (true, false),
        Some("TABLE") => (false, true),
        _ => return Vec::new(),
    };
    let rest: Vec<Option<&str>> = (2..n).map(w).collect();
    match rest.as_slice() {
        [] => vec![Want::Sources { streams, tables }, kw(&["IF"])],
        [Some("IF")] => vec![kw(&["EXISTS"])],
        [Some("IF"), Some("EXISTS")] => vec![Want::Sources { streams, tables }],
        [.., Some("DELETE")] => vec![kw(&["TOPIC"])],
        [.., Some("TOPIC")] => Vec::new(),
        _ => vec![kw(&["DELETE"])],
    }
}

/// After ALTER STREAM|TABLE: the source, ADD COLUMN, a type.
fn alter_wants(before: &[&Token]) -> Vec<Want> {
    let n = before.len();
    let words: Vec<Option<String>> = before.iter().map(|t| t.upper()).collect();
    let w = |i: usize| words.get(i).and_then(|x| x.as_deref());
    let (streams, tables) = match w(1) {
        Some("STREAM") => (true, false),
        Some("TABLE") => (false, true),
        _ => return if n == 1 { vec![kw(&["STREAM", "TABLE"])] } else { Vec::new() },
    };
    match (n, w(n - 1)) {
        (2, _) => vec![Want::Sources { streams, tables }],
        (_, Some("ADD")) => vec![kw(&["COLUMN"])],
        (_, Some("COLUMN")) => Vec::new(),
        _ if before[n - 2].is_word("COLUMN") || before[n - 1].is_sym(",") => {
            if before[n - 1].is_sym(",") {
                vec![kw(&["ADD"])]
            } else {
                vec![Want::Types]
            }
        }
        (3, _) => vec![kw(&["ADD"])],
        _ => Vec::new(),
    }
}

/// After INSERT: INTO, the target, its columns, VALUES or a query.
fn insert_wants(before: &[&Token]) -> Vec<Want> {
    let n = before.len();
    let last = before[n - 1];
    let words: Vec<Option<String>> = before.iter().map(|t| t.upper()).collect();
    let w = |i: usize| words.get(i).and_then(|x| x.as_deref());
    if n == 1 {
        return vec![kw(&["INTO"])];
    }
    if n == 2 && w(1) == Some("INTO") {
        return vec![Want::Sources { streams: true, tables: true }];
    }
    if let Some(s) = find_word(before, "SELECT") {
        return query_wants(&before[s..]);
    }
    let depth = paren_depth(before);
    if depth > 0 {
        // `INSERT INTO s (a, b` lists columns of s; `VALUES (` takes literals.
        if before.iter().any(|t| t.is_word("VALUES")) {
            return if last.is_sym("(") || last.is_sym(",") {
                vec![Want::Functions, kw(&["NULL", "TRUE", "FALSE"])]
            } else {
                Vec::new()
            };
        }
        return if last.is_sym("(") || last.is_sym(",") { vec![Want::Columns] } else { Vec::new() };
    }
    if last.is_sym(")") && !before.iter().any(|t| t.is_word("VALUES")) {
        return vec![kw(&["SELECT", "VALUES"])];
    }
    if n == 3 {
        return vec![kw(&["SELECT", "VALUES", "WITH"])];
    }
    Vec::new()
}

fn find_word(tokens: &[&Token], word: &str) -> Option<usize> {
    tokens.iter().position(|t| t.is_word(word))
}

fn paren_depth(tokens: &[&Token]) -> usize {
    let mut depth: usize = 0;
    for t in tokens {
        if t.is_sym("(") {
            depth += 1;
        } else if t.is_sym(")") {
            depth = depth.saturating_sub(1);
        }
    }
    depth
}

/// CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name [(columns)] [WITH (...)] [AS SELECT ...].
fn create_wants(before: &[&Token]) -> Vec<Want> {
    let n = before.len();
    let w = |i: usize| before.get(i).and_then(|t| t.upper());
    if let Some(s) = find_word(before, "SELECT") {
        return query_wants(&before[s..]);
    }
    // The words up to the object kind.
    let mut i = 1;
    let mut words = Vec::new();
    while i < n {
        match w(i).as_deref() {
            Some(word @ ("OR" | "REPLACE" | "SOURCE" | "SINK")) => words.push(word.to_string()),
            _ => break,
        }
        i += 1;
    }
    if i == n {
        return match words.last().map(String::as_str) {
            None => vec![kw(&["OR", "SINK", "SOURCE", "STREAM", "TABLE", "TYPE"])],
            Some("OR") => vec![kw(&["REPLACE"])],
            Some("REPLACE") => vec![kw(&["SINK", "SOURCE", "STREAM", "TABLE"])],
            Some("SOURCE") => vec![kw(&["CONNECTOR", "STREAM", "TABLE"])],
            Some("SINK") => vec![kw(&["CONNECTOR"])],
            _ => Vec::new(),
        };
    }
    let object = w(i).unwrap_or_default();
    if !matches!(object.as_str(), "STREAM" | "TABLE" | "CONNECTOR" | "TYPE") {
        return Vec::new();
    }
    i += 1;
    let rest = &before[i..];
    // IF NOT EXISTS, then the new name: nothing to offer for a new name.
    let names: Vec<Option<String>> = rest.iter().map(|t| t.upper()).collect();
    match names.as_slice() {
        [] => return vec![kw(&["IF"])],
        [Some(a)] if a == "IF" => return vec![kw(&["NOT"])],
        [Some(a), Some(b)] if a == "IF" && b == "NOT" => return vec![kw(&["EXISTS"])],
        [Some(a), Some(b), Some(c)] if a == "IF" && b == "NOT" && c == "EXISTS" => return Vec::new(),
        _ => {}
    }
    if object == "TYPE" {
        return if rest.last().is_some_and(|t| t.is_word("AS")) {
            vec![Want::Types]
        } else if rest.len() == 1 {
            vec![kw(&["AS"])]
        } else {
            Vec::new()
        };
    }
    let last = before[n - 1];
    // Inside WITH ( ... ).
    let with = before.iter().rposition(|t| t.is_word("WITH"));
    let depth = paren_depth(before);
    if let Some(wi) = with {
        if depth > 0 && before.get(wi + 1).is_some_and(|t| t.is_sym("(")) {
            return if last.is_sym("(") || last.is_sym(",") { vec![Want::WithProperties] } else { Vec::new() };
        }
    }
    if depth > 0 {
        // The column list: `name TYPE [KEY|PRIMARY KEY|HEADERS|HEADER('k')], ...`.
        if last.is_sym("(") || last.is_sym(",") {
            // Either a new column name or a nested type's argument.
            let prev_word = before[..n - 1].iter().rev().find(|t| !t.is_sym("(") && !t.is_sym(","));
            if prev_word.is_some_and(|t| t.is_word("DECIMAL")) {
                return Vec::new();
            }
            return Vec::new();
        }
        if last.is_sym("<") {
            return vec![Want::Types];
        }
        if last.is_word("PRIMARY") {
            return vec![kw(&["KEY"])];
        }
        let prev = before[n - 2];
        if prev.is_sym("(") || prev.is_sym(",") || prev.is_sym("<") {
            // After a column name.
            return vec![Want::Types];
        }
        if last.kind == TokenKind::Word && SQL_TYPES.contains(&last.text.to_uppercase().as_str()) {
            return vec![kw(&["HEADER", "HEADERS", "KEY", "PRIMARY"])];
        }
        return Vec::new();
    }
    if last.is_word("AS") {
        return vec![kw(&["SELECT"])];
    }
    if last.is_word("WITH") {
        return Vec::new();
    }
    vec![kw(&["AS", "WITH"])]
}

/// The clauses of a SELECT, in the order they come.
const CLAUSES: &[&str] =
    &["SELECT", "FROM", "JOIN", "WINDOW", "WHERE", "GROUP", "HAVING", "PARTITION", "EMIT", "LIMIT"];

/// What may follow a complete term in the given clause.
fn after_term(clause: &str, last: &Token, before: &[&Token]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let order = |c: &str| CLAUSES.iter().position(|x| *x == c).unwrap_or(0);
    let later = |from: &str| -> Vec<&'static str> {
        let mut v = Vec::new();
        let start = order(from);
        for c in &CLAUSES[start + 1..] {
            match *c {
                "JOIN" => v.extend(["FULL", "INNER", "JOIN", "LEFT", "RIGHT"]),
                c => v.push(c),
            }
        }
        v
    };
    let operators = ["AND", "BETWEEN", "IN", "IS", "LIKE", "NOT", "OR"];
    match clause {
        "SELECT" => {
            out.extend(["AS", "FROM"]);
            if open_case(before) {
                out.extend(["ELSE", "END", "THEN", "WHEN"]);
            }
        }
        "FROM" | "JOIN" => {
            // After the source (or its alias).
            let alias_typed = last.kind == TokenKind::Word
                && before.len() >= 2
                && before[before.len() - 2].kind != TokenKind::Sym
                && !before[before.len() - 2].is_word("FROM")
                && !before[before.len() - 2].is_word("JOIN");
            if !alias_typed {
                out.push("AS");
            }
            if clause == "JOIN" {
                out.push("ON");
                out.push("WITHIN");
            }
            out.extend(later("FROM"));
        }
        "ON" => {
            out.extend(operators);
            out.extend(later("JOIN"));
        }
        "WHERE" | "HAVING" => {
            out.extend(operators);
            out.extend(later(clause));
        }
        "GROUP" | "PARTITION" => out.extend(later(clause)),
        "WINDOW" => out.extend(later("WINDOW")),
        "EMIT" => out.push("LIMIT"),
        _ => {}
    }
    if clause != "SELECT" && open_case(before) {
        out.extend(["ELSE", "END", "THEN", "WHEN"]);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether a CASE is open (more CASE than END) among the tokens.
fn open_case(tokens: &[&Token]) -> bool {
    let cases = tokens.iter().filter(|t| t.is_word("CASE")).count();
    let ends = tokens.iter().filter(|t| t.is_word("END")).count();
    cases > ends
}

/// Inside a SELECT (the tokens start at SELECT).
fn query_wants(q: &[&Token]) -> Vec<Want> {
    let n = q.len();
    let last = q[n - 1];
    let word = last.upper();
    let word = word.as_deref();
    // The clause at the cursor: the last clause keyword outside parentheses.
    let mut depth = 0usize;
    let mut clause = "SELECT";
    let mut opens: Vec<usize> = Vec::new();
    for (i, t) in q.iter().enumerate() {
        if t.is_sym("(") {
            depth += 1;
            opens.push(i);
        } else if t.is_sym(")") {
            depth = depth.saturating_sub(1);
            opens.pop();
        } else if depth == 0 {
            if let Some(u) = t.upper() {
                if let Some(c) = CLAUSES.iter().find(|c| **c == u) {
                    clause = c;
                } else if u == "ON" {
                    clause = "ON";
                }
            }
        }
    }
    let expression = vec![Want::Columns, Want::Functions, kw(EXPRESSION_START)];
    // Inside parentheses: window specs, CAST(x AS type), or a call's arguments.
    if let Some(&open) = opens.last() {
        let before_open = open.checked_sub(1).map(|i| q[i]);
        let is_window =
            before_open.is_some_and(|t| t.is_word("TUMBLING") || t.is_word("HOPPING") || t.is_word("SESSION"));
        if is_window {
            return match word {
                Some("ADVANCE") => vec![kw(&["BY"])],
                Some("GRACE") => vec![kw(&["PERIOD"])],
                _ if last.kind == TokenKind::Num => vec![kw(TIME_UNITS)],
                _ if last.is_sym("(") || last.is_sym(",") => vec![kw(&["ADVANCE", "GRACE", "RETENTION", "SIZE"])],
                Some(u) if TIME_UNITS.contains(&u) => Vec::new(),
                _ => Vec::new(),
            };
        }
        if word == Some("AS") && before_open.is_some_and(|t| t.is_word("CAST")) {
            return vec![Want::Types];
        }
        if last.is_sym("<")
            || (last.is_sym(",") && q[..n - 1].iter().rev().take_while(|t| !t.is_sym("(")).any(|t| t.is_sym("<")))
        {
            return vec![Want::Types];
        }
    }
    match word {
        Some("FROM" | "JOIN") if depth == 0 => return vec![Want::Sources { streams: true, tables: true }],
        Some("LEFT" | "RIGHT" | "FULL") => return vec![kw(&["JOIN", "OUTER"])],
        Some("INNER" | "OUTER") => return vec![kw(&["JOIN"])],
        Some("GROUP" | "PARTITION") => return vec![kw(&["BY"])],
        Some("EMIT") => return vec![kw(&["CHANGES", "FINAL"])],
        Some("WINDOW") => return vec![kw(&["HOPPING", "SESSION", "TUMBLING"])],
        Some("TUMBLING" | "HOPPING" | "SESSION") if clause == "WINDOW" => return Vec::new(),
        Some("LIMIT" | "WITHIN") => return Vec::new(),
        Some("IS") => return vec![kw(&["DISTINCT", "NOT", "NULL"])],
        Some("AS") => return Vec::new(),
        Some("CHANGES" | "FINAL") if clause == "EMIT" => return vec![kw(&["LIMIT"])],
        Some("GRACE") => return vec![kw(&["PERIOD"])],
        _ => {}
    }
    if clause == "WINDOW" && depth == 0 && last.is_sym(")") {
        return vec![kw(&after_term("WINDOW", last, q))];
    }
    if clause == "JOIN" && last.kind == TokenKind::Num {
        return vec![kw(TIME_UNITS)];
    }
    let operand_expected = match last.kind {
        TokenKind::Sym => !matches!(last.text.as_str(), ")" | "]" | "*") || is_star_operand(q),
        TokenKind::Word => word.is_some_and(|u| OPERAND_BEFORE.contains(&u)),
        _ => false,
    };
    if operand_expected {
        if last.is_sym("*") {
            // `SELECT *` is complete: what follows a term.
            return vec![kw(&after_term(clause, last, q))];
        }
        return expression;
    }
    let mut wants = vec![kw(&after_term(clause, last, q))];
    if depth > 0 {
        // A call's arguments: another term may not follow without a comma, but operators may.
        wants = vec![kw(&["AND", "AS", "BETWEEN", "IN", "IS", "LIKE", "NOT", "OR"])];
    }
    wants
}

/// `*` right after SELECT or `,`, or `alias.*`: a complete term, not multiplication.
fn is_star_operand(q: &[&Token]) -> bool {
    let n = q.len();
    q[n - 1].is_sym("*") && n >= 2 && (q[n - 2].is_word("SELECT") || q[n - 2].is_sym(",") || q[n - 2].is_sym("."))
}

/// `[alias.]col[->f]...->`: the fields wanted after the last `->`.
fn struct_path(before: &[&Token]) -> Option<Want> {
    let mut i = before.len() - 1; // at "->"
    let mut path = Vec::new();
    loop {
        // Before `->`: a name, or `]` of an index.
        if i == 0 {
            return None;
        }
        i -= 1;
        let t = before[i];
        if t.is_sym("]") {
            let mut depth = 0;
            loop {
                let u = before[i];
                if u.is_sym("]") {
                    depth += 1;
                } else if u.is_sym("[") {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                if i == 0 {
                    return None;
                }
                i -= 1;
            }
            path.push("[]".to_string());
            continue;
        }
        let name = t.name()?;
        if i >= 1 && before[i - 1].is_sym("->") {
            path.push(name);
            i -= 1;
            continue;
        }
        let qualifier = (i >= 2 && before[i - 1].is_sym(".")).then(|| before[i - 2].name()).flatten();
        path.reverse();
        return Some(Want::Fields { qualifier, column: name, path });
    }
}

/// The sources a statement names: after FROM and JOIN (with their aliases); else the target
/// of INSERT INTO, DESCRIBE, ALTER, DROP.
pub fn statement_sources(tokens: &[&Token]) -> Vec<SourceRef> {
    let mut from = Vec::new();
    let mut other = Vec::new();
    let n = tokens.len();
    for i in 0..n {
        let t = tokens[i];
        let Some(u) = t.upper() else { continue };
        let target = i + 1;
        let Some(name) = tokens.get(target).and_then(|x| x.name()) else { continue };
        if tokens[target].kind == TokenKind::Word && NOT_ALIAS.contains(&name.as_str()) {
            continue;
        }
        match u.as_str() {
            "FROM" | "JOIN" => {
                // PRINT topic FROM BEGINNING is no source.
                if tokens.first().is_some_and(|f| f.is_word("PRINT")) {
                    continue;
                }
                let mut alias = None;
                let mut j = target + 1;
                if tokens.get(j).is_some_and(|x| x.is_word("AS")) {
                    j += 1;
                }
                if let Some(a) = tokens.get(j) {
                    if let Some(an) = a.name() {
                        if !(a.kind == TokenKind::Word && NOT_ALIAS.contains(&an.as_str())) {
                            alias = Some(an);
                        }
                    }
                }
                from.push(SourceRef { name, alias });
            }
            "INTO" | "DESCRIBE" | "EXTENDED" => other.push(SourceRef { name, alias: None }),
            "STREAM" | "TABLE" if (tokens[0].is_word("ALTER") || tokens[0].is_word("DROP")) && name != "IF" => {
                other.push(SourceRef { name, alias: None });
            }
            "EXISTS" if tokens[0].is_word("DROP") => other.push(SourceRef { name, alias: None }),
            _ => {}
        }
    }
    if from.is_empty() {
        other
    } else {
        from
    }
}

/// The name under the cursor, for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordAt {
    /// As ksqlDB resolves it: upper-cased unless quoted.
    pub name: String,
    pub start: usize,
    pub end: usize,
    /// Followed by `(`.
    pub called: bool,
    /// After `->` ([`Want::Fields`], the path up to this name) or `q.` ([`Want::ColumnsOf`]).
    pub member: Option<Want>,
    /// After FROM, JOIN, INTO, DESCRIBE, STREAM, TABLE...: a stream or table.
    pub after_source_keyword: bool,
    /// The sources the statement names.
    pub sources: Vec<SourceRef>,
}

/// The word (identifier or quoted identifier) under or just before `cursor`.
pub fn word_at(code: &str, cursor: usize) -> Option<WordAt> {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    let tokens = tokenize(code);
    let is_name = |t: &Token| matches!(t.kind, TokenKind::Word | TokenKind::Quoted);
    let index = tokens
        .iter()
        .position(|t| is_name(t) && t.start < cursor && cursor <= t.end)
        .or_else(|| tokens.iter().position(|t| is_name(t) && t.start == cursor))?;
    let token = &tokens[index];
    if token.kind == TokenKind::Quoted && chars[token.start] == '"' {
        return None;
    }
    let boundary = |t: &Token| t.is_sym(";") || t.kind == TokenKind::Magic;
    let first = tokens[..index].iter().rposition(boundary).map_or(0, |p| p + 1);
    let last = tokens[index..].iter().position(boundary).map_or(tokens.len(), |p| index + p);
    let statement: Vec<&Token> = tokens[first..last].iter().filter(|t| t.kind != TokenKind::Comment).collect();
    let before: Vec<&Token> = statement.iter().copied().filter(|t| t.end <= token.start).collect();
    let member = match before.last() {
        Some(t) if t.is_sym("->") => struct_path(&before),
        Some(t) if t.is_sym(".") && before.len() >= 2 => before[before.len() - 2].name().map(Want::ColumnsOf),
        _ => None,
    };
    let after_source_keyword = before.last().and_then(|t| t.upper()).is_some_and(|u| {
        matches!(u.as_str(), "FROM" | "JOIN" | "INTO" | "DESCRIBE" | "STREAM" | "TABLE" | "EXISTS" | "EXTENDED")
    }) && !statement.first().is_some_and(|t| t.is_word("PRINT"));
    let called = tokens.get(index + 1).is_some_and(|t| t.is_sym("("));
    Some(WordAt {
        name: token.name()?,
        start: token.start,
        end: token.end,
        called,
        member,
        after_source_keyword,
        sources: statement_sources(&statement),
    })
}

/// Whether a cell is complete (every statement ends with `;`, nothing left open), and if
/// not, the indent for its next line: none inside a string or comment, else the
/// statement's first-line indent plus 4 spaces per open parenthesis (at least 4).
pub fn completeness(code: &str) -> Result<(), String> {
    let chars: Vec<char> = code.chars().collect();
    let tokens = tokenize(code);
    if let Some(t) = tokens.last() {
        if !t.closed && matches!(t.kind, TokenKind::Str | TokenKind::Quoted | TokenKind::Comment) {
            return Err(String::new());
        }
    }
    // A cell that ends with `%push` or `%chart` lacks the statement they apply to (a console
    // asks for the next line).
    if let Some(last) = tokens.iter().rfind(|t| t.kind != TokenKind::Comment) {
        let magic = last.text.split_whitespace().next().unwrap_or("");
        if last.kind == TokenKind::Magic && matches!(magic, "push" | "chart") {
            return Err(String::new());
        }
    }
    // The last statement: the code tokens after the last `;` or magic line.
    let start = tokens.iter().rposition(|t| t.is_sym(";") || t.kind == TokenKind::Magic).map_or(0, |p| p + 1);
    let open: Vec<&Token> = tokens[start..].iter().filter(|t| t.kind != TokenKind::Comment).collect();
    let Some(first) = open.first() else { return Ok(()) };
    let line_start = chars[..first.start].iter().rposition(|&c| c == '\n').map_or(0, |p| p + 1);
    let base: String = chars[line_start..first.start].iter().take_while(|c| c.is_whitespace()).collect();
    let depth = paren_depth(&open).max(1);
    Err(format!("{base}{}", "    ".repeat(depth)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `|` marks the cursor.
    fn at(marked: &str) -> CursorContext {
        let cursor = marked.chars().position(|c| c == '|').expect("a | marks the cursor");
        let code: String = marked.chars().filter(|&c| c != '|').collect();
        analyze(&code, cursor)
    }

    fn has_keyword(c: &CursorContext, k: &str) -> bool {
        c.wants.iter().any(|w| matches!(w, Want::Keywords(ks) if ks.contains(&k)))
    }

    fn sources(streams: bool, tables: bool) -> Want {
        Want::Sources { streams, tables }
    }

    #[test]
    fn table_of_cursor_positions() {
        use Want::*;
        // (code with cursor, wanted groups that must be present, prefix)
        let cases: Vec<(&str, Vec<Want>, &str)> = vec![
            ("|", vec![kw(STATEMENT_START)], ""),
            ("SEL|", vec![kw(STATEMENT_START)], "SEL"),
            ("SELECT * FROM |", vec![sources(true, true)], ""),
            ("select * from ri|", vec![sources(true, true)], "ri"),
            ("SELECT * FROM a JOIN |", vec![sources(true, true)], ""),
            ("INSERT INTO |", vec![sources(true, true)], ""),
            ("DESCRIBE |", vec![sources(true, true)], ""),
            ("DESCRIBE EXTENDED r|", vec![sources(true, true)], "r"),
            ("DESCRIBE FUNCTION ab|", vec![Functions], "ab"),
            ("DROP STREAM |", vec![sources(true, false)], ""),
            ("DROP TABLE IF EXISTS |", vec![sources(false, true)], ""),
            ("ALTER TABLE |", vec![sources(false, true)], ""),
            ("PRINT |", vec![Topics], ""),
            ("PRINT 'rid|", vec![Topics], "rid"),
            ("TERMINATE |", vec![Queries], ""),
            ("EXPLAIN CT|", vec![Queries], "CT"),
            ("SET |", vec![Properties], ""),
            ("SET 'auto.off|", vec![Properties], "auto.off"),
            ("UNSET 'ksql.|'", vec![Properties], "ksql."),
            ("SELECT ${ho|", vec![VariableRef { closed: false }], "ho"),
            ("SELECT * FROM s WHERE x = '${|}'", vec![VariableRef { closed: true }], ""),
            ("SELECT * FROM s WHERE x = 'a ${ab|", vec![VariableRef { closed: false }], "ab"),
            ("UNDEFINE |", vec![Variables], ""),
            ("SELECT | FROM riders", vec![Columns, Functions], ""),
            ("SELECT id, | FROM riders", vec![Columns, Functions], ""),
            ("SELECT * FROM riders WHERE sp|", vec![Columns, Functions], "sp"),
            ("SELECT * FROM riders WHERE speed > |", vec![Columns, Functions], ""),
            ("SELECT r.| FROM riders r", vec![ColumnsOf("R".into())], ""),
            ("SELECT `r`.la| FROM riders r", vec![ColumnsOf("r".into())], "la"),
            ("SELECT addr->| FROM s", vec![Fields { qualifier: None, column: "ADDR".into(), path: vec![] }], ""),
            (
                "SELECT s.addr->geo->la| FROM s",
                vec![Fields { qualifier: Some("S".into()), column: "ADDR".into(), path: vec!["GEO".into()] }],
                "la",
            ),
            (
                "SELECT xs[1]->| FROM s",
                vec![Fields { qualifier: None, column: "XS".into(), path: vec!["[]".into()] }],
                "",
            ),
            ("SELECT CAST(x AS |", vec![Types], ""),
            ("CREATE STREAM s (id |", vec![Types], ""),
            ("CREATE STREAM s (id INT, v |", vec![Types], ""),
            ("CREATE TABLE t (id STRING PRIMARY |", vec![kw(&["KEY"])], ""),
            ("CREATE STREAM s (id INT) WITH (|", vec![WithProperties], ""),
            ("CREATE STREAM s (id INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='J|", vec![Formats], "J"),
            ("CREATE STREAM s WITH (KAFKA_TOPIC='|", vec![Topics], ""),
            ("CREATE STREAM s AS SELECT * FROM |", vec![sources(true, true)], ""),
            ("INSERT INTO riders (|", vec![Columns], ""),
            ("%|", vec![Magics], "%"),
            ("%con|", vec![Magics], "%con"),
            ("%push --mo|", vec![MagicArgs { magic: "push".into(), previous: None }], "--mo"),
            ("%push --mode |", vec![MagicArgs { magic: "push".into(), previous: Some("--mode".into()) }], ""),
            ("SELECT 1;\n%ro|", vec![Magics], "%ro"),
        ];
        for (code, wants, prefix) in cases {
            let c = at(code);
            for w in &wants {
                assert!(c.wants.contains(w), "{code:?}: wanted {w:?} in {:?}", c.wants);
            }
            if wants.is_empty() {
                assert!(c.wants.is_empty(), "{code:?}: {:?}", c.wants);
            }
            assert_eq!(c.prefix, prefix, "{code:?}");
        }
    }

    #[test]
    fn keywords_valid_at_the_cursor() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            // (code, present, absent)
            ("SHOW |", &["STREAMS", "TABLES", "TOPICS", "QUERIES"], &["STREAM", "SELECT"]),
            ("SHOW STREA|", &["STREAMS"], &["STREAM"]),
            ("CREATE |", &["STREAM", "TABLE", "OR", "SOURCE"], &["SELECT"]),
            ("CREATE OR |", &["REPLACE"], &["STREAM"]),
            ("SELECT * FROM riders |", &["WHERE", "EMIT", "JOIN", "LEFT", "AS", "GROUP", "LIMIT"], &["SELECT", "FROM"]),
            ("SELECT * FROM riders r |", &["WHERE", "EMIT"], &["AS"]),
            ("SELECT * FROM a JOIN b |", &["ON", "WITHIN"], &[]),
            ("SELECT * FROM riders WHERE id = 'x' |", &["AND", "OR", "EMIT", "GROUP"], &["WHERE", "JOIN"]),
            ("SELECT * FROM riders EMIT |", &["CHANGES", "FINAL"], &["WHERE"]),
            ("SELECT id |", &["FROM", "AS"], &["WHERE"]),
            ("SELECT * |", &["FROM"], &[]),
            ("SELECT a FROM s GROUP |", &["BY"], &[]),
            ("SELECT a FROM s WINDOW |", &["TUMBLING", "HOPPING", "SESSION"], &[]),
            ("SELECT a FROM s WINDOW TUMBLING (|", &["SIZE"], &[]),
            ("SELECT a FROM s WINDOW TUMBLING (SIZE 1 |", &["HOUR", "MINUTES"], &[]),
            ("SELECT * FROM s WHERE x IS |", &["NULL", "NOT"], &["SELECT"]),
            ("SELECT CASE WHEN a THEN 1 |", &["ELSE", "END", "WHEN"], &[]),
            ("DROP |", &["STREAM", "TABLE"], &["SELECT"]),
            ("DROP STREAM s |", &["DELETE"], &[]),
            ("PRINT 'riders' |", &["FROM", "LIMIT", "INTERVAL"], &[]),
            ("PRINT riders FROM |", &["BEGINNING"], &[]),
            ("INSERT |", &["INTO"], &[]),
            ("INSERT INTO s |", &["VALUES", "SELECT"], &[]),
            ("CREATE STREAM s (id INT) |", &["WITH", "AS"], &[]),
            ("CREATE TABLE t AS |", &["SELECT"], &[]),
            ("TERMINATE |", &["ALL"], &[]),
        ];
        for (code, present, absent) in cases {
            let c = at(code);
            for k in *present {
                assert!(has_keyword(&c, k), "{code:?}: {k} missing from {:?}", c.wants);
            }
            for k in *absent {
                assert!(!has_keyword(&c, k), "{code:?}: {k} should not be in {:?}", c.wants);
            }
        }
    }

    #[test]
    fn nothing_inside_strings_comments_and_numbers() {
        for code in [
            "SELECT 'ab|",
            "SELECT * FROM s WHERE a = 'x|'",
            "SELECT 'it''s a|",
            "SELECT 1 -- ab|",
            "SELECT /* ab|",
            "SELECT /* one\n two ab|",
            "SELECT \"ab|",
            "LIMIT 10|",
            "SELECT 12|",
        ] {
            let c = at(code);
            assert!(c.wants.is_empty(), "{code:?}: {:?}", c.wants);
        }
        // After a closed comment or string, code again.
        assert!(!at("/* c */ SEL|").wants.is_empty());
        assert!(!at("SELECT 'x', ab|").wants.is_empty());
        assert!(!at("SELECT 1 -- c\nSEL|").wants.is_empty());
    }

    #[test]
    fn cursor_offsets_are_code_points() {
        let c = at("SELECT '😀', ucas|");
        assert_eq!((c.start, c.end), (12, 16));
        let c = at("SELECT * FROM 'ünï' JOIN ri|");
        assert_eq!(c.prefix, "ri");
        assert_eq!(c.end - c.start, 2);
    }

    #[test]
    fn case_follows_the_user() {
        assert!(at("select * from |").lower);
        assert!(!at("SELECT * FROM |").lower);
        assert!(at("SELECT * FROM ri|").lower);
        assert!(!at("select * from RI|").lower);
        assert!(!at("select * from Ri|").lower);
    }

    #[test]
    fn sources_and_aliases_of_the_statement() {
        let c = at("SELECT r.id, | FROM riders AS r JOIN rider_counts c ON r.id = c.id EMIT CHANGES;");
        assert_eq!(
            c.sources,
            vec![
                SourceRef { name: "RIDERS".into(), alias: Some("R".into()) },
                SourceRef { name: "RIDER_COUNTS".into(), alias: Some("C".into()) },
            ]
        );
        let c = at("SELECT | FROM `MixedCase` WHERE x");
        assert_eq!(c.sources, vec![SourceRef { name: "MixedCase".into(), alias: None }]);
        // Only the statement at the cursor.
        let c = at("SELECT * FROM a; SELECT | FROM b; SELECT * FROM c");
        assert_eq!(c.sources, vec![SourceRef { name: "B".into(), alias: None }]);
        let c = at("INSERT INTO riders (|");
        assert_eq!(c.sources, vec![SourceRef { name: "RIDERS".into(), alias: None }]);
        let c = at("SELECT * FROM riders WHERE |");
        assert_eq!(c.sources[0].alias, None);
    }

    #[test]
    fn quoted_identifiers_and_backticks() {
        let c = at("SELECT * FROM `ri|");
        assert_eq!(c.quote, Quote::Backtick { closed: false });
        assert_eq!(c.wants, vec![sources(true, true)]);
        let c = at("SET 'auto|'");
        assert_eq!(c.quote, Quote::Single { closed: true });
    }

    #[test]
    fn completeness_and_indent() {
        assert_eq!(completeness("SHOW STREAMS;"), Ok(()));
        assert_eq!(completeness(""), Ok(()));
        assert_eq!(completeness("%help"), Ok(()));
        // Options for a statement not typed yet: a console asks for it.
        assert_eq!(completeness("%push --timeout 2"), Err(String::new()));
        assert_eq!(completeness("%chart line x=A y=B\n"), Err(String::new()));
        assert_eq!(completeness("%push --timeout 2\nSELECT * FROM s EMIT CHANGES;"), Ok(()));
        assert_eq!(completeness("SELECT 1; -- done"), Ok(()));
        assert_eq!(completeness("SELECT * FROM s"), Err("    ".into()));
        assert_eq!(completeness("CREATE STREAM s (\n    id INT,"), Err("    ".into()));
        assert_eq!(completeness("SELECT ROUND(ABS((x"), Err("            ".into()));
        assert_eq!(completeness("  SELECT *\n"), Err("      ".into()));
        assert_eq!(completeness("SELECT 'abc;"), Err(String::new()));
        assert_eq!(completeness("SHOW STREAMS; /* open"), Err(String::new()));
        assert_eq!(completeness("SELECT 1;\nSELECT"), Err("    ".into()));
    }
}
