//! Hand-written recursive-descent parser for ksqlDB's statement grammar.
//!
//! Errors read like ksqlDB's: `line 1:8: Syntax Error\nmismatched input 'X' expecting ...`.

use super::ast::*;
use super::lexer::{tokenize, Tok, Token};
use crate::types::{time_unit_ms, SqlType};

#[derive(Debug, Clone)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}:{}: {}", self.line, self.col + 1, self.message)
    }
}

type PResult<T> = Result<T, ParseError>;

/// How deeply expressions and types may nest: parentheses, function calls, NOT, unary
/// minus, CASE, CAST, constructors, subscripts, `->`, comparisons, lambdas,
/// `ARRAY<ARRAY<...>>`. The parser and every later pass over the tree (planning, type
/// checking, compiling, evaluation, formatting, serialising) recurse once per level; a
/// stack overflow aborts the process (the kernel, with the sandbox inside it).
/// The heavy passes (~20 KiB of stack per level in a debug build) go on in heap segments
/// when the stack runs low ([`crate::with_stack`]); the rest (drop, JSON, walks
/// over types) takes under 300 KiB at 200 levels in a debug build (measured with
/// `depth_tests::measure_stack`), and `depth_tests` runs every shape at the limit on a
/// 1 MiB thread, half a tokio worker's stack. Flat chains (`a OR b OR ...`, `x + y + ...`,
/// IN lists) are not nesting.
pub const MAX_NESTING: usize = 200;

/// Parses one statement (with or without its trailing `;`).
pub fn parse_statement(text: &str) -> PResult<Statement> {
    let tokens = tokenize(text).map_err(|e| ParseError {
        line: e.line,
        col: e.col,
        message: format!("Syntax Error\n{}", e.message),
    })?;
    let mut p = Parser { toks: tokens, i: 0, text, depth: 0, deepest: 0 };
    let stmt = p.statement()?;
    p.eat_sym(";");
    if !p.at_eof() {
        return Err(p.err_here(&format!("Syntax Error\nmismatched input '{}' expecting ';'", p.peek().tok)));
    }
    Ok(stmt)
}

/// Parses a standalone expression (used by tests and by the runner).
pub fn parse_expression(text: &str) -> PResult<Expr> {
    parse_whole(text, Parser::expr, "Syntax Error\nextraneous input after expression")
}

/// Parses a type as written in DDL (`ARRAY<STRUCT<a INT>>`, `DECIMAL(4,2)`, a custom type name).
pub fn parse_type_text(text: &str) -> PResult<SqlType> {
    parse_whole(text, Parser::sql_type, "Syntax Error\nextraneous input after type")
}

/// Runs `rule` over all of `text`; `leftover` is the error when tokens remain after it.
fn parse_whole<'a, T>(text: &'a str, rule: impl FnOnce(&mut Parser<'a>) -> PResult<T>, leftover: &str) -> PResult<T> {
    let tokens = tokenize(text).map_err(|e| ParseError { line: e.line, col: e.col, message: e.message })?;
    let mut p = Parser { toks: tokens, i: 0, text, depth: 0, deepest: 0 };
    let parsed = rule(&mut p)?;
    if !p.at_eof() {
        return Err(p.err_here(leftover));
    }
    Ok(parsed)
}

struct Parser<'a> {
    toks: Vec<Token>,
    i: usize,
    text: &'a str,
    /// Current nesting level (see [`MAX_NESTING`]).
    depth: usize,
    /// The deepest level reached by the operand being parsed (see `deepest_within`).
    deepest: usize,
}

const RESERVED: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "HAVING",
    "EMIT",
    "LIMIT",
    "WINDOW",
    "PARTITION",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "INNER",
    "OUTER",
    "ON",
    "WITHIN",
    "AND",
    "OR",
    "NOT",
    "AS",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "IN",
    "WITH",
    "VALUES",
    "CAST",
    "TRUE",
    "FALSE",
    "CREATE",
    "INSERT",
    "INTO",
    "DROP",
    "EXISTS",
    "IF",
    "GRACE",
];

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }
    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.i + n).min(self.toks.len() - 1)].tok
    }
    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn at_eof(&self) -> bool {
        matches!(self.peek().tok, Tok::Eof)
    }
    fn err_here(&self, msg: &str) -> ParseError {
        let t = self.peek();
        ParseError { line: t.line, col: t.col, message: msg.to_string() }
    }
    fn too_deep(&self) -> ParseError {
        self.err_here(&format!(
            "Syntax Error\nExpression nesting is deeper than the sandbox's limit of {MAX_NESTING} levels"
        ))
    }
    /// Runs `f` one nesting level deeper; fails past [`MAX_NESTING`] instead of recursing on.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_NESTING {
            return Err(self.too_deep());
        }
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        let result = crate::with_stack(|| f(self));
        self.depth -= 1;
        result
    }
    /// A type within a type (`ARRAY<...>`, `MAP<..., ...>`, a STRUCT field): a level deeper.
    fn inner_type(&mut self) -> PResult<SqlType> {
        if self.depth >= MAX_NESTING {
            return Err(self.err_here(&format!(
                "Syntax Error\nType nesting is deeper than the sandbox's limit of {MAX_NESTING} levels"
            )));
        }
        self.nested(Self::sql_type)
    }
    /// Runs `f`, tracking in `self.deepest` the deepest level reached by what it parses, so
    /// that nodes wrapping it afterwards (`x[1]`, `x->f`, `x = y = z`) can count their levels
    /// on top of it. Without this, `((x[1][1]...)[1]...)` would nest far past the limit.
    fn deepest_within<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let outer = std::mem::replace(&mut self.deepest, self.depth);
        let result = f(self);
        self.deepest = self.deepest.max(outer);
        result
    }
    /// A new node wraps everything parsed within `deepest_within`: all of it is a level deeper.
    fn wrap_level(&mut self) -> PResult<()> {
        self.deepest += 1;
        if self.deepest > MAX_NESTING {
            return Err(self.too_deep());
        }
        Ok(())
    }
    fn mismatch(&self, expecting: &str) -> ParseError {
        let t = &self.peek().tok;
        if matches!(t, Tok::Eof) {
            return self.err_here(&format!("Syntax Error\nmismatched input '<EOF>' expecting {expecting}"));
        }
        self.err_here(&format!("Syntax Error\nmismatched input '{t}' expecting {expecting}"))
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }
    fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        matches!(self.peek_at(n), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.advance();
            true
        } else {
            false
        }
    }
    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.mismatch(&format!("'{kw}'")))
        }
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(&self.peek().tok, Tok::Sym(x) if *x == s)
    }
    fn eat_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.advance();
            true
        } else {
            false
        }
    }
    fn expect_sym(&mut self, s: &str) -> PResult<()> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            let t = &self.peek().tok;
            Err(self.err_here(&format!("Syntax Error\nmissing '{s}' at '{t}'")))
        }
    }

    /// `item (, item)*`: one or more comma-separated items.
    fn comma_list<T>(&mut self, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut items = vec![item(self)?];
        while self.eat_sym(",") {
            items.push(item(self)?);
        }
        Ok(items)
    }

    /// `[item (, item)*] close`: a comma-separated list, possibly empty, and its closing symbol.
    fn list_until<T>(&mut self, close: &str, item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let items = if self.is_sym(close) { Vec::new() } else { self.comma_list(item)? };
        self.expect_sym(close)?;
        Ok(items)
    }

    /// `( item (, item)* )` when the next symbol is `(`; empty otherwise.
    fn optional_paren_list<T>(&mut self, item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Option<Vec<T>>> {
        if !self.eat_sym("(") {
            return Ok(None);
        }
        let items = self.comma_list(item)?;
        self.expect_sym(")")?;
        Ok(Some(items))
    }

    /// An identifier: unquoted words are upper-cased, quoted ones kept.
    fn ident(&mut self) -> PResult<String> {
        match self.peek().tok.clone() {
            Tok::Word(w) if !RESERVED.iter().any(|r| w.eq_ignore_ascii_case(r)) => {
                self.advance();
                Ok(w.to_ascii_uppercase())
            }
            Tok::Quoted(q) => {
                self.advance();
                Ok(q)
            }
            _ => Err(self.mismatch("an identifier")),
        }
    }

    /// Identifier that may be a reserved word (after `->`, in WITH keys, property names).
    fn any_ident(&mut self) -> PResult<String> {
        match self.peek().tok.clone() {
            Tok::Word(w) => {
                self.advance();
                Ok(w.to_ascii_uppercase())
            }
            Tok::Quoted(q) => {
                self.advance();
                Ok(q)
            }
            _ => Err(self.mismatch("an identifier")),
        }
    }

    fn statement_text_from(&self, start_tok: usize) -> String {
        let start = self.toks[start_tok].pos;
        self.text[start..].trim().to_string()
    }

    fn statement(&mut self) -> PResult<Statement> {
        let first = match &self.peek().tok {
            Tok::Word(w) => w.to_ascii_uppercase(),
            Tok::Eof => return Err(self.err_here("Syntax Error\nempty statement")),
            other => return Err(self.err_here(&format!("Syntax Error\nmismatched input '{other}'"))),
        };
        match first.as_str() {
            "SELECT" => Ok(Statement::Query(Box::new(self.query()?))),
            "CREATE" => self.create(),
            "INSERT" => self.insert(),
            "DROP" => self.drop(),
            "TERMINATE" => {
                self.advance();
                if self.eat_kw("ALL") {
                    Ok(Statement::Terminate { id: None })
                } else {
                    Ok(Statement::Terminate { id: Some(self.any_ident_raw()?) })
                }
            }
            "SHOW" | "LIST" => self.show(),
            "DESCRIBE" => self.describe(),
            "EXPLAIN" => {
                self.advance();
                if self.is_kw("SELECT") {
                    Ok(Statement::Explain(Box::new(self.query()?)))
                } else {
                    Ok(Statement::ExplainQueryId(self.any_ident_raw()?))
                }
            }
            "PRINT" => self.print(),
            "SET" => {
                self.advance();
                let k = self.string_lit()?;
                self.expect_sym("=")?;
                let v = self.string_lit()?;
                Ok(Statement::Set(k, v))
            }
            "UNSET" => {
                self.advance();
                Ok(Statement::Unset(self.string_lit()?))
            }
            "DEFINE" => {
                self.advance();
                let name = self.any_ident_raw()?;
                self.expect_sym("=")?;
                let v = self.string_lit()?;
                Ok(Statement::Define(name, v))
            }
            "UNDEFINE" => {
                self.advance();
                Ok(Statement::Undefine(self.any_ident_raw()?))
            }
            "ALTER" if self.is_kw_at(1, "STREAM") || self.is_kw_at(1, "TABLE") => self.alter(),
            "ASSERT" => self.assert(),
            "ALTER" | "PAUSE" | "RESUME" => {
                let what = format!("{first} statements");
                self.i = self.toks.len() - 1;
                Ok(Statement::Unsupported(what))
            }
            _ => Err(self.err_here(&format!("Syntax Error\nUnknown statement '{}'", first_word(&self.peek().tok)))),
        }
    }

    /// Identifier whose case is kept when unquoted (query ids, variable names, topics).
    fn any_ident_raw(&mut self) -> PResult<String> {
        match self.peek().tok.clone() {
            Tok::Word(w) | Tok::Quoted(w) => {
                self.advance();
                Ok(w)
            }
            _ => Err(self.mismatch("an identifier")),
        }
    }

    fn string_lit(&mut self) -> PResult<String> {
        match self.peek().tok.clone() {
            Tok::Str(s) => {
                self.advance();
                Ok(s)
            }
            _ => Err(self.mismatch("STRING")),
        }
    }

    fn create(&mut self) -> PResult<Statement> {
        self.expect_kw("CREATE")?;
        let or_replace = if self.eat_kw("OR") {
            self.expect_kw("REPLACE")?;
            true
        } else {
            false
        };
        let source = self.eat_kw("SOURCE");
        if self.is_kw("TYPE") {
            self.advance();
            let if_not_exists = self.if_not_exists()?;
            let name = self.ident()?;
            self.expect_kw("AS")?;
            let ty = self.sql_type()?;
            return Ok(Statement::CreateType { if_not_exists, name, ty });
        }
        let sink = !source && self.eat_kw("SINK");
        if self.is_kw("CONNECTOR") {
            if !source && !sink {
                return Err(self.mismatch("{'SOURCE', 'SINK'}"));
            }
            self.advance();
            let if_not_exists = self.if_not_exists()?;
            let name = self.ident()?;
            let config = self.connector_config()?;
            return Ok(Statement::CreateConnector { source, if_not_exists, name, config });
        }
        if sink {
            return Err(self.mismatch("'CONNECTOR'"));
        }
        let kind = if self.eat_kw("STREAM") {
            SourceKind::Stream
        } else if self.eat_kw("TABLE") {
            SourceKind::Table
        } else {
            return Err(self.mismatch("{'STREAM', 'TABLE', 'TYPE'}"));
        };
        let if_not_exists = self.if_not_exists()?;
        let name = self.ident()?;
        let columns = self.optional_paren_list(Self::column_def)?.unwrap_or_default();
        let with_at = self.err_here("");
        let props = if self.is_kw("WITH") { self.with_props()? } else { Props::default() };
        // ksqlDB reads a source's window properties while parsing: bad ones are a parse error.
        source_window_props(&props).map_err(|message| ParseError { message, ..with_at })?;
        if self.eat_kw("AS") {
            let query = self.query()?;
            return Ok(Statement::CreateAsSelect {
                kind,
                or_replace,
                if_not_exists,
                name,
                props,
                query: Box::new(query),
            });
        }
        Ok(Statement::CreateSource { kind, or_replace, if_not_exists, source, name, columns, props })
    }

    fn if_not_exists(&mut self) -> PResult<bool> {
        if self.is_kw("IF") {
            self.advance();
            self.expect_kw("NOT")?;
            self.expect_kw("EXISTS")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn column_def(&mut self) -> PResult<ColumnDef> {
        let name = self.any_ident()?;
        let ty = self.sql_type()?;
        let constraint = if self.eat_kw("PRIMARY") {
            self.expect_kw("KEY")?;
            ColumnConstraint::PrimaryKey
        } else if self.eat_kw("KEY") {
            ColumnConstraint::Key
        } else if self.eat_kw("HEADERS") {
            ColumnConstraint::Headers(None)
        } else if self.eat_kw("HEADER") {
            self.expect_sym("(")?;
            let k = self.string_lit()?;
            self.expect_sym(")")?;
            ColumnConstraint::Headers(Some(k))
        } else {
            ColumnConstraint::None
        };
        if !matches!(self.peek().tok, Tok::Sym(",") | Tok::Sym(")")) {
            return Err(self.expecting("',', ')'"));
        }
        Ok(ColumnDef { name, ty, constraint })
    }

    /// `WITH ( entry (, entry)* )`, shared by source properties and connector configs.
    fn with_list<T>(&mut self, entry: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        self.expect_kw("WITH")?;
        self.expect_sym("(")?;
        let entries = self.comma_list(entry)?;
        self.expect_sym(")")?;
        Ok(entries)
    }

    fn with_props(&mut self) -> PResult<Props> {
        Ok(Props(self.with_list(Self::with_prop)?))
    }

    fn with_prop(&mut self) -> PResult<(String, PropValue)> {
        let key = self.any_ident()?;
        self.expect_sym("=")?;
        let v = match self.peek().tok.clone() {
            Tok::Str(s) => PropValue::Str(s),
            Tok::Number(n) => PropValue::Number(n),
            Tok::Sym("-") => {
                self.advance();
                match self.peek().tok.clone() {
                    Tok::Number(n) => PropValue::Number(format!("-{n}")),
                    _ => return Err(self.mismatch("a number")),
                }
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => PropValue::Bool(true),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => PropValue::Bool(false),
            _ => return Err(self.mismatch("a literal")),
        };
        self.advance();
        Ok((key, v))
    }

    /// A connector's WITH list: keys are quoted strings ('connector.class') or identifiers,
    /// kept as written because Kafka Connect's config keys are case-sensitive.
    fn connector_config(&mut self) -> PResult<Vec<(String, String)>> {
        self.with_list(Self::connector_setting)
    }

    fn connector_setting(&mut self) -> PResult<(String, String)> {
        let key = match self.peek().tok.clone() {
            Tok::Str(s) | Tok::Quoted(s) | Tok::Word(s) => s,
            _ => return Err(self.mismatch("a property name")),
        };
        self.advance();
        self.expect_sym("=")?;
        let negative = self.eat_sym("-");
        let value = match self.peek().tok.clone() {
            Tok::Str(s) | Tok::Number(s) if !negative => s,
            Tok::Number(n) => format!("-{n}"),
            Tok::Word(w) if !negative && (w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false")) => {
                w.to_ascii_lowercase()
            }
            _ => return Err(self.mismatch("a literal")),
        };
        self.advance();
        Ok((key, value))
    }

    fn insert(&mut self) -> PResult<Statement> {
        self.expect_kw("INSERT")?;
        self.expect_kw("INTO")?;
        let target = self.ident()?;
        if self.is_kw("WITH") || self.is_kw("SELECT") {
            let props = if self.is_kw("WITH") { self.with_props()? } else { Props::default() };
            let query = self.query()?;
            return Ok(Statement::InsertInto { target, props, query: Box::new(query) });
        }
        let columns = self.optional_paren_list(Self::any_ident)?;
        if !self.eat_kw("VALUES") {
            return Err(self.mismatch("{'VALUES', 'SELECT', 'WITH', '('}"));
        }
        self.expect_sym("(")?;
        let values = self.list_until(")", Self::expr)?;
        Ok(Statement::InsertValues { target, columns, values })
    }

    fn drop(&mut self) -> PResult<Statement> {
        self.expect_kw("DROP")?;
        if self.eat_kw("TYPE") {
            let if_exists = self.if_exists()?;
            return Ok(Statement::DropType { if_exists, name: self.ident()? });
        }
        if self.eat_kw("CONNECTOR") {
            let if_exists = self.if_exists()?;
            return Ok(Statement::DropConnector { if_exists, name: self.ident()? });
        }
        let kind = if self.eat_kw("STREAM") {
            SourceKind::Stream
        } else if self.eat_kw("TABLE") {
            SourceKind::Table
        } else {
            return Err(self.mismatch("{'STREAM', 'TABLE', 'TYPE'}"));
        };
        let if_exists = self.if_exists()?;
        let name = self.ident()?;
        let delete_topic = if self.eat_kw("DELETE") {
            self.expect_kw("TOPIC")?;
            true
        } else {
            false
        };
        Ok(Statement::Drop { kind, if_exists, name, delete_topic })
    }

    /// `ASSERT [NOT EXISTS] TOPIC name [WITH (...)] [TIMEOUT n unit]` and
    /// `ASSERT [NOT EXISTS] SCHEMA [SUBJECT name] [ID n] [TIMEOUT n unit]`.
    fn assert(&mut self) -> PResult<Statement> {
        self.expect_kw("ASSERT")?;
        let exists = if self.eat_kw("NOT") {
            self.expect_kw("EXISTS")?;
            false
        } else {
            true
        };
        if self.eat_kw("SCHEMA") {
            return self.assert_schema(exists);
        }
        if !self.eat_kw("TOPIC") {
            return Err(self.mismatch("{'TOPIC', 'SCHEMA', 'NOT'}"));
        }
        let topic = self.topic_name()?;
        let props = if self.is_kw("WITH") { self.with_props()? } else { Props(Vec::new()) };
        let timeout_ms = if self.eat_kw("TIMEOUT") { Some(self.duration()?) } else { None };
        Ok(Statement::AssertTopic { exists, topic, props, timeout_ms })
    }

    /// The rest of ASSERT SCHEMA, with ksqlDB's AstBuilder messages (its "much" included).
    fn assert_schema(&mut self, exists: bool) -> PResult<Statement> {
        let start = self.err_here("ASSERT SCHEMA statements much include a subject name or an id");
        let subject = if self.eat_kw("SUBJECT") { Some(self.topic_name()?) } else { None };
        let id = if self.eat_kw("ID") {
            let not_integer = self.err_here("ID must be an integer");
            let negative = self.eat_sym("-");
            let Tok::Number(n) = self.peek().tok.clone() else { return Err(not_integer) };
            self.advance();
            let text = if negative { format!("-{n}") } else { n };
            Some(text.parse::<i32>().map_err(|_| not_integer)?)
        } else {
            None
        };
        if subject.is_none() && id.is_none() {
            return Err(start);
        }
        let timeout_ms = if self.eat_kw("TIMEOUT") { Some(self.duration()?) } else { None };
        Ok(Statement::AssertSchema { exists, subject, id, timeout_ms })
    }

    fn alter(&mut self) -> PResult<Statement> {
        self.expect_kw("ALTER")?;
        let kind = if self.eat_kw("STREAM") { SourceKind::Stream } else { SourceKind::Table };
        self.eat_kw("TABLE");
        let name = self.ident()?;
        let mut columns = Vec::new();
        loop {
            self.expect_kw("ADD")?;
            self.eat_kw("COLUMN");
            let column = self.ident()?;
            columns.push((column, self.sql_type()?));
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(Statement::Alter { kind, name, columns })
    }

    fn if_exists(&mut self) -> PResult<bool> {
        if self.is_kw("IF") {
            self.advance();
            self.expect_kw("EXISTS")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn show(&mut self) -> PResult<Statement> {
        self.advance();
        let all = self.eat_kw("ALL");
        let what = match &self.peek().tok {
            Tok::Word(w) => w.to_ascii_uppercase(),
            _ => return Err(self.mismatch("{'STREAMS', 'TABLES', 'TOPICS', 'QUERIES', ...}")),
        };
        self.advance();
        let extended = self.eat_kw("EXTENDED");
        let show = match what.as_str() {
            "STREAMS" => Show::Streams { extended },
            "TABLES" => Show::Tables { extended },
            "TOPICS" => Show::Topics { extended, all },
            "QUERIES" => Show::Queries { extended },
            "PROPERTIES" => Show::Properties,
            "FUNCTIONS" => Show::Functions,
            "TYPES" => Show::Types,
            "VARIABLES" => Show::Variables,
            "CONNECTORS" => Show::Connectors { source: None },
            "SOURCE" | "SINK" if self.eat_kw("CONNECTORS") => Show::Connectors { source: Some(what == "SOURCE") },
            other => {
                return Err(self.err_here(&format!(
                    "Syntax Error\nmismatched input '{other}' expecting {{'STREAMS', 'TABLES', 'TOPICS', \
                     'QUERIES', 'PROPERTIES', 'FUNCTIONS', 'TYPES', 'VARIABLES'}}"
                )))
            }
        };
        Ok(Statement::Show(show))
    }

    fn describe(&mut self) -> PResult<Statement> {
        self.advance();
        if self.is_kw("FUNCTION") && !matches!(self.peek_at(1), Tok::Eof | Tok::Sym(";")) {
            self.advance();
            return Ok(Statement::DescribeFunction(self.any_ident()?));
        }
        if self.is_kw("CONNECTOR") && !matches!(self.peek_at(1), Tok::Eof | Tok::Sym(";")) {
            self.advance();
            return Ok(Statement::DescribeConnector(self.ident()?));
        }
        if (self.is_kw("STREAMS") || self.is_kw("TABLES"))
            && matches!(self.peek_at(1), Tok::Eof | Tok::Sym(";") | Tok::Word(_))
        {
            let kind = if self.is_kw("STREAMS") { SourceKind::Stream } else { SourceKind::Table };
            if !matches!(self.peek_at(1), Tok::Word(w) if !w.eq_ignore_ascii_case("EXTENDED")) {
                self.advance();
                let extended = self.eat_kw("EXTENDED");
                return Ok(Statement::DescribeSources { kind, extended });
            }
        }
        // Both orders: `DESCRIBE EXTENDED name` (ksqlDB before 0.16) and `DESCRIBE name
        // EXTENDED` (0.16 on), so notebooks written for either generation run here.
        let before = self.is_kw("EXTENDED") && !matches!(self.peek_at(1), Tok::Eof | Tok::Sym(";"));
        if before {
            self.advance();
        }
        let name = self.ident()?;
        let extended = before || self.eat_kw("EXTENDED");
        Ok(Statement::Describe { name, extended })
    }

    /// A topic's name as written: quoted, or unquoted with its `-` and `.` (case kept).
    fn topic_name(&mut self) -> PResult<String> {
        let topic = match self.peek().tok.clone() {
            Tok::Str(s) | Tok::Quoted(s) | Tok::Word(s) => {
                self.advance();
                s
            }
            _ => return Err(self.mismatch("a topic name")),
        };
        // Unquoted topic names may contain '-' and '.': glue the pieces back together.
        let mut topic = topic;
        while let Tok::Sym(s @ ("-" | ".")) = self.peek().tok.clone() {
            if let Tok::Word(w) | Tok::Number(w) = self.peek_at(1).clone() {
                self.advance();
                self.advance();
                topic.push_str(s);
                topic.push_str(&w);
            } else {
                break;
            }
        }
        Ok(topic)
    }

    fn print(&mut self) -> PResult<Statement> {
        self.advance();
        let topic = self.topic_name()?;
        let mut from_beginning = false;
        let mut interval = None;
        let mut limit = None;
        loop {
            if self.eat_kw("FROM") {
                self.expect_kw("BEGINNING")?;
                from_beginning = true;
            } else if self.eat_kw("INTERVAL") || self.eat_kw("SAMPLE") {
                interval = Some(self.unsigned()?);
            } else if self.eat_kw("LIMIT") {
                limit = Some(self.unsigned()?);
            } else {
                break;
            }
        }
        Ok(Statement::Print { topic, from_beginning, interval, limit })
    }

    fn unsigned(&mut self) -> PResult<u64> {
        match self.peek().tok.clone() {
            Tok::Number(n) => {
                let v = n.parse::<u64>().map_err(|_| self.err_here(&format!("Syntax Error\nInvalid integer: {n}")))?;
                self.advance();
                Ok(v)
            }
            _ => Err(self.mismatch("INTEGER_VALUE")),
        }
    }

    /// LIMIT's count, with ksqlDB's messages for a negative or fractional one.
    fn limit_count(&mut self) -> PResult<u64> {
        match &self.peek().tok {
            Tok::Sym("-") => Err(self.err_here(
                "Pull queries don't support negative integers in the LIMIT clause. See https://cnfl.io/queries for \
                 more info.",
            )),
            Tok::Number(n) if !n.bytes().all(|b| b.is_ascii_digit()) => {
                Err(self.err_here("Failed to prepare statement: Value must be integer for command: LIMIT"))
            }
            _ => self.unsigned(),
        }
    }

    // ------------------------------------------------------------------ queries

    fn query(&mut self) -> PResult<Query> {
        let start = self.i;
        self.expect_kw("SELECT")?;
        let select = self.comma_list(Self::select_item)?;
        self.expect_kw("FROM")?;
        let from = self.source_ref()?;
        let mut joins = Vec::new();
        loop {
            let kind = if self.is_kw("JOIN") || self.is_kw("INNER") {
                self.eat_kw("INNER");
                JoinKind::Inner
            } else if self.is_kw("LEFT") {
                self.advance();
                self.eat_kw("OUTER");
                JoinKind::Left
            } else if self.is_kw("RIGHT") {
                self.advance();
                self.eat_kw("OUTER");
                JoinKind::Right
            } else if self.is_kw("FULL") || self.is_kw("OUTER") {
                self.eat_kw("FULL");
                self.eat_kw("OUTER");
                JoinKind::Full
            } else {
                break;
            };
            self.expect_kw("JOIN")?;
            let source = self.source_ref()?;
            let within = if self.eat_kw("WITHIN") {
                let (before, after) = if self.eat_sym("(") {
                    let b = self.duration()?;
                    self.expect_sym(",")?;
                    let a = self.duration()?;
                    self.expect_sym(")")?;
                    (b, a)
                } else {
                    let d = self.duration()?;
                    (d, d)
                };
                let grace = if self.eat_kw("GRACE") {
                    self.expect_kw("PERIOD")?;
                    Some(self.duration()?)
                } else {
                    None
                };
                Some((before, after, grace))
            } else {
                None
            };
            self.expect_kw("ON")?;
            let on = self.expr()?;
            joins.push(Join { kind, source, within, on });
        }
        let window = if self.eat_kw("WINDOW") { Some(self.window()?) } else { None };
        let where_ = if self.eat_kw("WHERE") { Some(self.expr()?) } else { None };
        let mut group_by = Vec::new();
        let mut partition_by = Vec::new();
        if self.eat_kw("GROUP") {
            self.expect_kw("BY")?;
            group_by = self.expr_list_maybe_paren()?;
        }
        if self.eat_kw("PARTITION") {
            self.expect_kw("BY")?;
            if matches!(self.peek().tok, Tok::Sym("(")) && matches!(self.peek_at(1), Tok::Sym(")")) {
                return Err(self.err_here("PARTITION BY requires at least one expression"));
            }
            partition_by = self.expr_list_maybe_paren()?;
        }
        let having = if self.eat_kw("HAVING") { Some(self.expr()?) } else { None };
        let mut emit_changes = false;
        let mut emit_final = false;
        if self.eat_kw("EMIT") {
            if self.eat_kw("CHANGES") {
                emit_changes = true;
            } else if self.eat_kw("FINAL") {
                emit_final = true;
            } else {
                return Err(self.mismatch("{'CHANGES', 'FINAL'}"));
            }
        }
        let limit = if self.eat_kw("LIMIT") { Some(self.limit_count()?) } else { None };
        let text = self.statement_text_from(start);
        Ok(Query {
            select,
            from,
            joins,
            window,
            where_,
            group_by,
            partition_by,
            having,
            emit_changes,
            emit_final,
            limit,
            text,
        })
    }

    /// GROUP BY's and PARTITION BY's list: value expressions, as ksqlDB's grammar has them (a
    /// comparison or AND there is a syntax error).
    fn expr_list_maybe_paren(&mut self) -> PResult<Vec<Expr>> {
        // `GROUP BY (a, b)`: a parenthesised list of several expressions (a grouping set) is
        // that list; anything else in parentheses is one expression.
        let start = self.i;
        if self.eat_sym("(") {
            if let Ok(list) = self.comma_list(Self::value_expr) {
                if list.len() > 1 && self.eat_sym(")") {
                    return Ok(list);
                }
            }
            self.i = start;
        }
        self.comma_list(Self::value_expr)
    }

    /// A value expression: arithmetic, concatenation and what they combine, without the
    /// predicates and boolean operators of a full expression.
    fn value_expr(&mut self) -> PResult<Expr> {
        self.nested(Self::concat_expr)
    }

    fn source_ref(&mut self) -> PResult<FromSource> {
        let name = self.ident()?;
        // `AS alias`, or a bare alias that is not the next clause's keyword.
        let has_alias = self.eat_kw("AS")
            || (matches!(self.peek().tok, Tok::Word(_) | Tok::Quoted(_)) && !self.is_clause_keyword());
        let alias = if has_alias { Some(self.ident()?) } else { None };
        Ok(FromSource { name, alias })
    }

    fn is_clause_keyword(&self) -> bool {
        [
            "WHERE",
            "GROUP",
            "PARTITION",
            "HAVING",
            "EMIT",
            "LIMIT",
            "WINDOW",
            "JOIN",
            "LEFT",
            "RIGHT",
            "FULL",
            "INNER",
            "OUTER",
            "ON",
            "WITHIN",
        ]
        .iter()
        .any(|k| self.is_kw(k))
    }

    fn select_item(&mut self) -> PResult<SelectItem> {
        if self.eat_sym("*") {
            return Ok(SelectItem::Star);
        }
        if matches!(self.peek().tok, Tok::Word(_) | Tok::Quoted(_))
            && matches!(self.peek_at(1), Tok::Sym("."))
            && matches!(self.peek_at(2), Tok::Sym("*"))
        {
            let q = self.ident()?;
            self.advance();
            self.advance();
            return Ok(SelectItem::QualifiedStar(q));
        }
        let expr = self.expr()?;
        if matches!(self.peek().tok, Tok::Sym("->")) && matches!(self.peek_at(1), Tok::Sym("*")) {
            self.advance();
            self.advance();
            return Ok(SelectItem::StructStar(expr));
        }
        let alias = if self.eat_kw("AS") {
            Some(self.any_ident()?)
        } else if matches!(self.peek().tok, Tok::Word(_) | Tok::Quoted(_)) && !self.is_kw("FROM") {
            Some(self.ident()?)
        } else {
            None
        };
        Ok(SelectItem::Expr { expr, alias })
    }

    fn window(&mut self) -> PResult<WindowSpec> {
        // ksqlDB's grammar lets a name come before the window kind (`WINDOW w SESSION (...)`).
        let kinds = ["TUMBLING", "HOPPING", "SESSION"];
        let named = matches!(self.peek().tok, Tok::Word(_)) && !kinds.iter().any(|k| self.is_kw(k));
        if named && kinds.iter().any(|k| self.is_kw_at(1, k)) {
            self.advance();
        }
        let kind = if self.eat_kw("TUMBLING") {
            WindowKind::Tumbling
        } else if self.eat_kw("HOPPING") {
            WindowKind::Hopping
        } else if self.eat_kw("SESSION") {
            WindowKind::Session
        } else {
            return Err(self.mismatch("{'TUMBLING', 'HOPPING', 'SESSION'}"));
        };
        self.expect_sym("(")?;
        let mut spec = WindowSpec { kind, size: 0, advance: None, retention: None, grace: None };
        let mut first = true;
        loop {
            if self.eat_kw("SIZE") {
                spec.size = self.duration()?;
            } else if self.eat_kw("ADVANCE") {
                self.expect_kw("BY")?;
                spec.advance = Some(self.duration()?);
            } else if self.eat_kw("RETENTION") {
                spec.retention = Some(self.duration()?);
            } else if self.eat_kw("GRACE") {
                self.expect_kw("PERIOD")?;
                spec.grace = Some(self.duration()?);
            } else if first && kind == WindowKind::Session {
                spec.size = self.duration()?;
            } else {
                return Err(self.mismatch("{'SIZE', 'ADVANCE', 'RETENTION', 'GRACE'}"));
            }
            first = false;
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_sym(")")?;
        if kind == WindowKind::Hopping && spec.advance.is_none() {
            return Err(self.err_here("Syntax Error\nHOPPING windows need ADVANCE BY"));
        }
        Ok(spec)
    }

    /// `n UNIT` in milliseconds.
    fn duration(&mut self) -> PResult<u64> {
        let n = self.unsigned()?;
        let unit = match &self.peek().tok {
            Tok::Word(w) => w.to_ascii_uppercase(),
            _ => return Err(self.mismatch("a time unit")),
        };
        let Some(ms) = time_unit_ms(&unit) else {
            return Err(self.err_here(&format!("Syntax Error\nUnknown time unit: '{unit}'")));
        };
        self.advance();
        Ok(n.saturating_mul(ms as u64))
    }

    // ------------------------------------------------------------------ types

    /// ksqlDB's type parameters after a base type, `( STRING | n [, ...] )`: whether there were
    /// some.
    fn type_parameters(&mut self) -> PResult<bool> {
        if !matches!(self.peek().tok, Tok::Sym("(")) {
            return Ok(false);
        }
        self.advance();
        loop {
            let is_parameter = matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case("STRING"))
                || matches!(&self.peek().tok, Tok::Number(n) if n.bytes().all(|b| b.is_ascii_digit()));
            if !is_parameter {
                return Err(self.expecting("'STRING', INTEGER_VALUE"));
            }
            self.advance();
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_sym(")")?;
        Ok(true)
    }

    /// ksqlDB's parse error naming the tokens it expected, with the statement.
    fn expecting(&self, tokens: &str) -> ParseError {
        self.err_here(&format!("Syntax Error\nExpecting {{{tokens}}}\nStatement: {}", self.text.trim()))
    }

    pub fn sql_type(&mut self) -> PResult<SqlType> {
        let name = match self.peek().tok.clone() {
            // A reserved word (NULL, say) names no type: a syntax error, as in ksqlDB's grammar.
            Tok::Word(w) if !RESERVED.iter().any(|r| w.eq_ignore_ascii_case(r)) => w.to_ascii_uppercase(),
            Tok::Quoted(q) => {
                self.advance();
                return Ok(SqlType::Other(q));
            }
            _ => return Err(self.mismatch("a type")),
        };
        self.advance();
        Ok(match name.as_str() {
            "BOOLEAN" | "BOOL" | "INT" | "INTEGER" | "BIGINT" | "DOUBLE" | "BYTES" | "TIMESTAMP" | "DATE" | "TIME"
                if self.type_parameters()? =>
            {
                return Err(self.err_here(&format!("Syntax Error\nType {name} takes no parameters")));
            }
            "BOOLEAN" | "BOOL" => SqlType::Boolean,
            "INT" | "INTEGER" => SqlType::Integer,
            "BIGINT" => SqlType::Bigint,
            "DOUBLE" => SqlType::Double,
            // ksqlDB's grammar takes type parameters after any base type (`VARCHAR(STRING)`).
            "VARCHAR" | "STRING" if self.type_parameters()? => SqlType::String,
            "VARCHAR" | "STRING" => SqlType::String,
            "BYTES" => SqlType::Bytes,
            "TIMESTAMP" => SqlType::Timestamp,
            "DATE" => SqlType::Date,
            "TIME" => SqlType::Time,
            "DECIMAL" => {
                self.expect_sym("(")?;
                let p = self.unsigned()? as u32;
                let s = if self.eat_sym(",") { self.unsigned()? as u32 } else { 0 };
                self.expect_sym(")")?;
                SqlType::Decimal { precision: Some(p), scale: Some(s) }
            }
            "ARRAY" => {
                self.expect_sym("<")?;
                let t = self.inner_type()?;
                self.expect_sym(">")?;
                SqlType::Array(Box::new(t))
            }
            "MAP" => {
                self.expect_sym("<")?;
                let k = self.inner_type()?;
                self.expect_sym(",")?;
                let v = self.inner_type()?;
                self.expect_sym(">")?;
                SqlType::Map(Box::new(k), Box::new(v))
            }
            "STRUCT" => {
                self.expect_sym("<")?;
                let fields = self.list_until(">", |p| Ok((p.any_ident()?, p.inner_type()?)))?;
                SqlType::Struct(fields)
            }
            _ => SqlType::Other(name),
        })
    }

    // ------------------------------------------------------------------ expressions

    pub fn expr(&mut self) -> PResult<Expr> {
        self.nested(Self::or_expr)
    }

    /// `operand (op operand)*` as one flat [`Expr::Chain`] (or the operand alone): a long
    /// chain is a loop here, not one stack frame per term.
    fn chain(
        &mut self,
        operand: fn(&mut Self) -> PResult<Expr>,
        operator: fn(&Self) -> Option<BinOp>,
    ) -> PResult<Expr> {
        let first = operand(self)?;
        let mut rest = Vec::new();
        while let Some(op) = operator(self) {
            self.advance();
            rest.push((op, operand(self)?));
        }
        Ok(if rest.is_empty() { first } else { Expr::Chain { first: Box::new(first), rest } })
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        self.chain(Self::and_expr, |p| p.is_kw("OR").then_some(BinOp::Or))
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        self.chain(Self::not_expr, |p| p.is_kw("AND").then_some(BinOp::And))
    }

    fn not_expr(&mut self) -> PResult<Expr> {
        if self.eat_kw("NOT") {
            return Ok(Expr::Not(Box::new(self.nested(Self::not_expr)?)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> PResult<Expr> {
        self.deepest_within(|p| {
            let l = p.concat_expr()?;
            p.predicate_tail(l)
        })
    }

    fn predicate_tail(&mut self, mut l: Expr) -> PResult<Expr> {
        // `a = b = c` is `(a = b) = c`: each comparison wraps all that is left of it.
        loop {
            let op = match &self.peek().tok {
                Tok::Sym("=") => BinOp::Eq,
                Tok::Sym("<>") | Tok::Sym("!=") => BinOp::Ne,
                Tok::Sym("<") => BinOp::Lt,
                Tok::Sym("<=") => BinOp::Le,
                Tok::Sym(">") => BinOp::Gt,
                Tok::Sym(">=") => BinOp::Ge,
                _ => break,
            };
            self.advance();
            let r = self.concat_expr()?;
            l = Expr::Binary(op, Box::new(l), Box::new(r));
            self.wrap_level()?;
        }
        if self.eat_kw("IS") {
            let negated = self.eat_kw("NOT");
            if self.eat_kw("NULL") {
                return Ok(Expr::IsNull { expr: Box::new(l), negated });
            }
            if self.eat_kw("DISTINCT") {
                self.expect_kw("FROM")?;
                let r = self.concat_expr()?;
                return Ok(Expr::IsDistinct { left: Box::new(l), right: Box::new(r), negated });
            }
            return Err(self.mismatch("{'NULL', 'DISTINCT'}"));
        }
        let negated = if self.is_kw("NOT")
            && (self.is_kw_at(1, "LIKE") || self.is_kw_at(1, "BETWEEN") || self.is_kw_at(1, "IN"))
        {
            self.advance();
            true
        } else {
            false
        };
        if self.eat_kw("LIKE") {
            let pattern = self.concat_expr()?;
            let escape = if self.eat_kw("ESCAPE") {
                let s = self.string_lit()?;
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Some(c),
                    _ => return Err(self.err_here("Syntax Error\nESCAPE must be a single character")),
                }
            } else {
                None
            };
            return Ok(Expr::Like { expr: Box::new(l), pattern: Box::new(pattern), escape, negated });
        }
        if self.eat_kw("BETWEEN") {
            let low = self.concat_expr()?;
            self.expect_kw("AND")?;
            let high = self.concat_expr()?;
            return Ok(Expr::Between { expr: Box::new(l), low: Box::new(low), high: Box::new(high), negated });
        }
        if self.eat_kw("IN") {
            self.expect_sym("(")?;
            if matches!(self.peek().tok, Tok::Sym(")")) {
                return Err(self.err_here("Syntax Error\nIN needs at least one value"));
            }
            let list = self.list_until(")", Self::expr)?;
            return Ok(Expr::InList { expr: Box::new(l), list, negated });
        }
        Ok(l)
    }

    fn concat_expr(&mut self) -> PResult<Expr> {
        self.chain(Self::additive, |p| p.is_sym("||").then_some(BinOp::Concat))
    }

    fn additive(&mut self) -> PResult<Expr> {
        self.chain(Self::multiplicative, |p| match &p.peek().tok {
            Tok::Sym("+") => Some(BinOp::Add),
            Tok::Sym("-") => Some(BinOp::Sub),
            _ => None,
        })
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        self.chain(Self::unary, |p| match &p.peek().tok {
            Tok::Sym("*") => Some(BinOp::Mul),
            Tok::Sym("/") => Some(BinOp::Div),
            Tok::Sym("%") => Some(BinOp::Mod),
            _ => None,
        })
    }

    fn unary(&mut self) -> PResult<Expr> {
        if self.is_sym("-") {
            let tok = self.advance();
            // Fold `-literal` so that -2147483648 and -9223372036854775808 are literals.
            if let Tok::Number(n) = self.peek().tok.clone() {
                self.advance();
                let lit = self.number_literal(&format!("-{n}"), &tok)?;
                return self.with_postfix(|_| Ok(Expr::Lit(lit)));
            }
            return Ok(Expr::Neg(Box::new(self.nested(Self::unary)?)));
        }
        if self.eat_sym("+") {
            return self.nested(Self::unary);
        }
        self.with_postfix(Self::primary)
    }

    /// An operand parsed by `base`, then the subscripts and `->` after it.
    fn with_postfix(&mut self, base: impl FnOnce(&mut Self) -> PResult<Expr>) -> PResult<Expr> {
        self.deepest_within(|p| {
            let mut e = base(p)?;
            loop {
                e = if p.eat_sym("[") {
                    let idx = p.expr()?;
                    p.expect_sym("]")?;
                    Expr::Subscript(Box::new(e), Box::new(idx))
                } else if matches!(p.peek_at(1), Tok::Sym("*")) && matches!(p.peek().tok, Tok::Sym("->")) {
                    return Ok(e); // `->*`: the SELECT item reads it
                } else if p.eat_sym("->") {
                    Expr::Deref(Box::new(e), p.any_ident()?)
                } else {
                    return Ok(e);
                };
                p.wrap_level()?;
            }
        })
    }

    fn number_literal(&self, n: &str, tok: &Token) -> PResult<Literal> {
        let err = |m: String| ParseError { line: tok.line, col: tok.col, message: m };
        if n.contains(['e', 'E']) {
            let v: f64 = n.parse().map_err(|_| err(format!("Invalid numeric literal: {n}")))?;
            if v.is_infinite() {
                return Err(err(format!("Number overflows DOUBLE: {n}")));
            }
            return Ok(Literal::Double(v));
        }
        if n.contains('.') {
            return Ok(Literal::Decimal(n.to_string()));
        }
        match n.parse::<i64>() {
            Ok(v) if i32::try_from(v).is_ok() => Ok(Literal::Int(v as i32)),
            Ok(v) => Ok(Literal::Bigint(v)),
            Err(_) => Err(err(format!("Invalid numeric literal: {n}"))),
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let tok = self.peek().clone();
        match tok.tok.clone() {
            Tok::Number(n) => {
                self.advance();
                Ok(Expr::Lit(self.number_literal(&n, &tok)?))
            }
            Tok::Str(s) => {
                self.advance();
                Ok(Expr::Lit(Literal::Str(s)))
            }
            Tok::Sym("(") => {
                // Lambda with a parameter list: (x, y) => ...
                if self.lambda_params_ahead() {
                    return self.lambda();
                }
                self.advance();
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Quoted(q) => {
                self.advance();
                self.column_rest(q)
            }
            Tok::Word(w) => {
                let up = w.to_ascii_uppercase();
                match up.as_str() {
                    "NULL" => {
                        self.advance();
                        return Ok(Expr::Lit(Literal::Null));
                    }
                    "TRUE" | "FALSE" => {
                        self.advance();
                        return Ok(Expr::Lit(Literal::Bool(up == "TRUE")));
                    }
                    "CASE" => return self.case(),
                    "CAST" => {
                        self.advance();
                        self.expect_sym("(")?;
                        let e = self.expr()?;
                        self.expect_kw("AS")?;
                        let t = self.sql_type()?;
                        self.expect_sym(")")?;
                        return Ok(Expr::Cast(Box::new(e), t));
                    }
                    "ARRAY" if matches!(self.peek_at(1), Tok::Sym("[")) => {
                        self.advance();
                        self.advance();
                        return Ok(Expr::Array(self.list_until("]", Self::expr)?));
                    }
                    "MAP" if matches!(self.peek_at(1), Tok::Sym("(")) => {
                        self.advance();
                        self.advance();
                        return Ok(Expr::Map(self.list_until(")", |p| p.assignment(Self::expr))?));
                    }
                    "STRUCT" if matches!(self.peek_at(1), Tok::Sym("(")) => {
                        self.advance();
                        self.advance();
                        return Ok(Expr::Struct(self.list_until(")", |p| p.assignment(Self::any_ident))?));
                    }
                    _ => {}
                }
                if matches!(self.peek_at(1), Tok::Sym("=>")) {
                    return self.lambda();
                }
                if matches!(self.peek_at(1), Tok::Sym("(")) && !RESERVED.iter().any(|r| *r == up) {
                    return self.call(up);
                }
                let name = self.ident()?;
                self.column_rest(name)
            }
            _ => Err(self.mismatch("an expression")),
        }
    }

    /// `key := value` inside a MAP or STRUCT constructor.
    fn assignment<K>(&mut self, key: impl FnOnce(&mut Self) -> PResult<K>) -> PResult<(K, Expr)> {
        let k = key(self)?;
        self.expect_sym(":=")?;
        Ok((k, self.expr()?))
    }

    fn column_rest(&mut self, first: String) -> PResult<Expr> {
        if self.is_sym(".") && matches!(self.peek_at(1), Tok::Word(_) | Tok::Quoted(_)) {
            self.advance();
            let name = self.any_ident()?;
            return Ok(Expr::Column { qualifier: Some(first), name });
        }
        Ok(Expr::Column { qualifier: None, name: first })
    }

    fn lambda_params_ahead(&self) -> bool {
        // ( ident [, ident]* ) =>
        let mut n = 1;
        loop {
            match self.peek_at(n) {
                Tok::Word(_) | Tok::Quoted(_) => n += 1,
                _ => return false,
            }
            match self.peek_at(n) {
                Tok::Sym(",") => n += 1,
                Tok::Sym(")") => return matches!(self.peek_at(n + 1), Tok::Sym("=>")),
                _ => return false,
            }
        }
    }

    fn lambda(&mut self) -> PResult<Expr> {
        let params = match self.optional_paren_list(Self::any_ident)? {
            Some(params) => params,
            None => vec![self.any_ident()?],
        };
        self.expect_sym("=>")?;
        let body = self.expr()?;
        Ok(Expr::Lambda { params, body: Box::new(body) })
    }

    fn call(&mut self, name: String) -> PResult<Expr> {
        self.advance();
        self.expect_sym("(")?;
        if self.eat_sym("*") {
            self.expect_sym(")")?;
            return Ok(Expr::Call { name, args: vec![], star: true, distinct: false });
        }
        let distinct = self.eat_kw("DISTINCT");
        let args = self.list_until(")", Self::expr)?;
        Ok(Expr::Call { name, args, star: false, distinct })
    }

    fn case(&mut self) -> PResult<Expr> {
        self.expect_kw("CASE")?;
        let operand = if self.is_kw("WHEN") { None } else { Some(Box::new(self.expr()?)) };
        let mut whens = Vec::new();
        while self.eat_kw("WHEN") {
            let c = self.expr()?;
            self.expect_kw("THEN")?;
            let v = self.expr()?;
            whens.push((c, v));
        }
        if whens.is_empty() {
            return Err(self.mismatch("'WHEN'"));
        }
        let else_ = if self.eat_kw("ELSE") { Some(Box::new(self.expr()?)) } else { None };
        self.expect_kw("END")?;
        Ok(Expr::Case { operand, whens, else_ })
    }
}

fn first_word(t: &Tok) -> String {
    match t {
        Tok::Word(w) => w.clone(),
        other => other.to_string(),
    }
}

/// Replaces `${name}` with session variables (ksqlDB substitutes before parsing).
pub fn substitute_variables(text: &str, vars: &[(String, String)]) -> Result<String, String> {
    let lookup = |name: &str| vars.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    match ksql_syntax::variables::substitute(text, lookup) {
        (text, unknown) if unknown.is_empty() => Ok(text),
        (_, unknown) => Err(format!("Cannot substitute variable '{}' which was never defined", unknown[0])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICKSTART: &[&str] = &[
        "CREATE STREAM riderLocations (profileId VARCHAR, latitude DOUBLE, longitude DOUBLE) WITH \
         (kafka_topic='locations', value_format='json', partitions=1);",
        "CREATE TABLE currentLocation AS SELECT profileId, LATEST_BY_OFFSET(latitude) AS la, \
         LATEST_BY_OFFSET(longitude) AS lo FROM riderlocations GROUP BY profileId EMIT CHANGES;",
        "CREATE TABLE ridersNearMountainView AS SELECT ROUND(GEO_DISTANCE(la, lo, 37.4133, -122.1162), -1) \
         AS distanceInMiles, COLLECT_LIST(profileId) AS riders, COUNT(*) AS count FROM currentLocation \
         GROUP BY ROUND(GEO_DISTANCE(la, lo, 37.4133, -122.1162), -1);",
        "SELECT * FROM riderLocations WHERE GEO_DISTANCE(latitude, longitude, 37.4133, -122.1162) <= 5 EMIT CHANGES;",
        "INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('c2309eec', 37.7877, -122.4205);",
        "SELECT * from ridersNearMountainView WHERE distanceInMiles <= 10;",
        "SELECT a->b[1], CASE WHEN x IN (1,2) THEN 'a' ELSE 'b' END, CAST(y AS DECIMAL(4,2)) FROM s s1 \
         LEFT JOIN t ON s1.id = t.id WINDOW TUMBLING (SIZE 1 HOUR, GRACE PERIOD 10 MINUTES) \
         WHERE z LIKE 'a%' AND q BETWEEN 1 AND 3 GROUP BY a EMIT CHANGES LIMIT 3;",
        "SELECT TRANSFORM(arr, x => x + 1), REDUCE(m, 0, (s, k, v) => s + v) FROM s;",
        "DROP STREAM IF EXISTS s DELETE TOPIC;",
        "SHOW STREAMS;",
        "DESCRIBE s EXTENDED;",
        "PRINT 'locations' FROM BEGINNING LIMIT 2;",
        "SET 'auto.offset.reset'='earliest';",
        "CREATE TYPE address AS STRUCT<street STRING, num INT>;",
        "TERMINATE CTAS_X_1;",
    ];

    #[test]
    fn parses_quickstart() {
        for s in QUICKSTART {
            parse_statement(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }

    #[test]
    fn describe_extended_in_either_order() {
        for s in ["DESCRIBE s EXTENDED;", "describe extended s;", "DESCRIBE EXTENDED `s`"] {
            let parsed = parse_statement(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert!(matches!(parsed, Statement::Describe { ref name, extended: true } if name == "S" || name == "s"));
        }
        assert!(matches!(parse_statement("DESCRIBE s;"), Ok(Statement::Describe { extended: false, .. })));
        assert!(parse_statement("DESCRIBE EXTENDED s EXTENDED;").is_err());
    }

    #[test]
    fn errors() {
        let e = parse_statement("SLECT * FROM s;").unwrap_err();
        assert_eq!(e.to_string(), "line 1:1: Syntax Error\nUnknown statement 'SLECT'");
        assert!(parse_statement("SELECT FROM;").is_err());
    }

    #[test]
    fn variables() {
        let v = vec![("topic".to_string(), "t1".to_string())];
        assert_eq!(substitute_variables("PRINT '${topic}';", &v).unwrap(), "PRINT 't1';");
    }

    /// What ksqlDB refuses while parsing (ParseFailedException) is a parse error here too: a
    /// reserved word as a type, bad window properties of a source, and a predicate in GROUP BY
    /// or PARTITION BY (value expressions only).
    #[test]
    fn parse_stage_errors_as_in_ksqldb() {
        for (sql, message) in [
            ("CREATE STREAM S (K INT KEY, C NULL) WITH (kafka_topic='t', value_format='JSON');", "Syntax Error"),
            ("CREATE STREAM S (K INT KEY, C ARRAY<NULL>) WITH (kafka_topic='t', value_format='JSON');", "Syntax Error"),
            (
                "CREATE TABLE T (K STRING PRIMARY KEY, V INT) WITH (kafka_topic='t', value_format='JSON', \
                 WINDOW_TYPE='Hopping', WINDOW_SIZE='30 bobs');",
                "Configuration WINDOW_SIZE is invalid: Invalid duration: '30 bobs'. Unknown time unit: 'BOBS'",
            ),
            (
                "CREATE TABLE T (K STRING PRIMARY KEY, V INT) WITH (kafka_topic='t', value_format='JSON', \
                 WINDOW_TYPE='Session', WINDOW_SIZE='30 seconds');",
                "'WINDOW_SIZE' should not be set for SESSION windows.",
            ),
            (
                "CREATE TABLE T (K STRING PRIMARY KEY, V INT) WITH (kafka_topic='t', value_format='JSON', \
                 WINDOW_TYPE='Tumbling');",
                "'WINDOW_SIZE' must be set for TUMBLING windows.",
            ),
        ] {
            let err = parse_statement(sql).expect_err(sql);
            assert!(err.message.contains(message), "{sql}: {}", err.message);
        }
        for sql in [
            "CREATE TABLE O AS SELECT COUNT(*) FROM S GROUP BY DATA AND ID;",
            "CREATE STREAM O AS SELECT * FROM S PARTITION BY NAME = 'x';",
        ] {
            let err = parse_statement(sql).expect_err(sql);
            assert!(err.message.contains("Syntax Error"), "{sql}: {}", err.message);
        }
        assert!(parse_statement("CREATE TABLE O AS SELECT COUNT(*) FROM S GROUP BY (A + 1) || B, (C = 2);").is_ok());
        let ok = "CREATE TABLE T (K STRING PRIMARY KEY, V INT) WITH (kafka_topic='t', value_format='JSON', \
                  WINDOW_TYPE='Hopping', WINDOW_SIZE='30 SECONDS');";
        assert!(parse_statement(ok).is_ok());
    }
}
