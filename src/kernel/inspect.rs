//! Documentation of the word under the cursor (`inspect_request`, Shift+Tab in JupyterLab,
//! and `%doc`): a stream or table's DESCRIBE, a column's type and source, a function's
//! DESCRIBE FUNCTION (from the server when connected, else the built-in table), a query,
//! or a short explanation of a keyword with a link to the ksqlDB reference.
//!
//! Cursor positions are Unicode code point offsets into the cell, as the one lexer's tokens
//! carry them.

use super::catalog::{field_type, CatalogCache, CatalogClient, CatalogView, ColumnEntry};
use super::context::{self, SourceRef, Want};
use ksql_syntax::functions::{self, Function};
use ksql_syntax::keyword_docs::{function_page, keyword_doc, keyword_page, REFERENCE};
use ksql_syntax::keywords;
use ksql_syntax::lexer::{lex_cell, Token, TokenKind};
use ksql_wire::entity::Entity;
use ksqldb_render::entities::{render_entity, NO_ROW_CAP};
use ksqldb_render::help::{column_help, function_help, keyword_help, query_help, source_help, with_reference, Help};
use std::time::Duration;

/// Documentation for the word under the cursor, as plain text and as HTML.
pub type Inspection = Help;

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
    let cursor = cursor_pos.min(code.chars().count());
    let tokens: Vec<Token> = lex_cell(code).into_iter().filter(|t| t.kind != TokenKind::Space).collect();
    if tokens.iter().any(|t| encloses(t, cursor)) {
        return None;
    }
    let word_at = tokens.iter().position(|t| t.kind == TokenKind::Word && t.start <= cursor && cursor <= t.end);
    if let Some(at) = word_at.filter(|&at| !tokens[at].text.starts_with(|c: char| c.is_ascii_digit())) {
        if let Some(target) = word_target(&tokens, at) {
            return Some(target);
        }
    }
    // Inside the parentheses of a call: document the called function.
    let open = open_call(&tokens, cursor)?;
    let name = tokens[..open].iter().rev().find(|t| t.kind != TokenKind::Comment)?.upper()?;
    if name == "CAST" || keywords::is_keyword(&name) && functions::find(&name).is_none() {
        return None;
    }
    Some(BuiltinTarget::Function { name, called: true })
}

/// Whether the cursor is inside a string, quoted identifier, comment or magic line (an open
/// one runs to the end; a line comment or magic up to its line's end).
fn encloses(t: &Token, cursor: usize) -> bool {
    match t.kind {
        TokenKind::Str | TokenKind::Quoted => t.start < cursor && (cursor < t.end || !t.closed),
        TokenKind::Comment if t.text.starts_with("/*") => t.start < cursor && (cursor < t.end || !t.closed),
        TokenKind::Comment | TokenKind::Magic => t.start < cursor && cursor <= t.end,
        _ => false,
    }
}

/// What the word `tokens[at]` is: a called function, a keyword (alone or with its neighbour,
/// `GROUP BY`), or a function named without a call. None for a member (`s.col`, `x->f`).
fn word_target(tokens: &[Token], at: usize) -> Option<BuiltinTarget> {
    let word = tokens[at].text.to_uppercase();
    let code_before = tokens[..at].iter().rev().find(|t| t.kind != TokenKind::Comment);
    let code_after = tokens[at + 1..].iter().find(|t| t.kind != TokenKind::Comment);
    let member =
        tokens.get(at.wrapping_sub(1)).is_some_and(|p| p.end == tokens[at].start && (p.is_sym(".") || p.is_sym("->")));
    if member {
        return None;
    }
    let called = code_after.is_some_and(|t| t.is_sym("(") || t.is_sym("["));
    if called && !matches!(word.as_str(), "IN" | "VALUES" | "WITH" | "AS" | "TUMBLING" | "HOPPING" | "SESSION") {
        return Some(BuiltinTarget::Function { name: word, called: true });
    }
    let prev = code_before.and_then(Token::upper).map(|p| format!("{p} {word}"));
    let next = code_after.and_then(Token::upper).map(|n| format!("{word} {n}"));
    let doc = prev
        .as_deref()
        .and_then(keyword_doc)
        .or_else(|| next.as_deref().and_then(keyword_doc))
        .or_else(|| keyword_doc(&word));
    if let Some((phrase, text)) = doc {
        return Some(BuiltinTarget::Keyword(phrase, text));
    }
    functions::find(&word).map(|_| BuiltinTarget::Function { name: word, called: false })
}

/// Index of the innermost `(` of the current statement still open at the cursor.
fn open_call(tokens: &[Token], cursor: usize) -> Option<usize> {
    let mut open = Vec::new();
    for (i, t) in tokens.iter().enumerate().take_while(|(_, t)| t.end <= cursor) {
        match t.text.as_str() {
            _ if t.kind == TokenKind::Magic => open.clear(),
            _ if t.kind != TokenKind::Sym => {}
            ";" => open.clear(),
            "(" => open.push(i),
            ")" => {
                open.pop();
            }
            _ => {}
        }
    }
    open.last().copied()
}

/// Documentation for the word under or just before `cursor_pos` (a code point offset) from
/// the built-in tables: a function's signatures and description, or a short explanation of
/// a main keyword. Inside a call's parentheses (`ABS(x|`), the called function.
/// `detail_level` 1 or more also lists related functions. None for anything else, and
/// inside strings, comments and magic lines.
pub fn inspect_builtin(code: &str, cursor_pos: usize, detail_level: u8) -> Option<Inspection> {
    match builtin_target(code, cursor_pos)? {
        BuiltinTarget::Function { name, .. } => functions::find(&name).map(|f| inspect_function(f, detail_level)),
        BuiltinTarget::Keyword(phrase, text) => Some(inspect_keyword(phrase, text)),
    }
}

fn inspect_function(f: &Function, detail_level: u8) -> Inspection {
    let related: Vec<&str> = if detail_level >= 1 {
        functions::all().iter().filter(|g| g.category == f.category && g.name != f.name).map(|g| g.name).collect()
    } else {
        Vec::new()
    };
    function_help(f, &related, &function_page(f.kind.as_str()))
}

fn inspect_keyword(phrase: &str, text: &str) -> Inspection {
    keyword_help(phrase, text, &keyword_page(phrase))
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
            let known = functions::find(&name).is_some() || view.catalog.functions.iter().any(|f| f.name == name);
            if known || called {
                if let Some(doc) = cache.function_doc(&name, INSPECT_BUDGET).await {
                    return Some(with_reference(
                        &render_entity(&doc.entity, None, NO_ROW_CAP),
                        &function_page(&function_kind(&doc.entity)),
                    ));
                }
            }
            functions::find(&name).map(|f| inspect_function(f, detail_level))
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
            return Some(with_reference(
                &render_entity(&detail.description, None, NO_ROW_CAP),
                &format!("{REFERENCE}describe/"),
            ));
        }
        if let Some(s) = catalog.source(&name) {
            return Some(source_help(&s.name, s.kind.as_str(), s.topic.as_deref().unwrap_or("")));
        }
    }
    if let Some(q) = catalog.query(&word.name) {
        let query_type = q.query_type.as_deref().unwrap_or("persistent");
        return Some(query_help(&q.id, query_type, q.state.as_deref(), &q.sql, &q.sinks));
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
    column_help(name, sql_type, role_text, kind, source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksqldb_render::html::escape;

    #[test]
    fn inspects_function_name_and_call() {
        for cursor in [0, 1, 2, 3, 4] {
            let i = inspect_builtin("ABS(", cursor, 0).unwrap_or_else(|| panic!("cursor {cursor}"));
            assert!(i.plain.contains("ABS(val DOUBLE) -> DOUBLE"), "{}", i.plain);
            assert!(i.plain.contains("scalar function"));
            assert!(i.plain.contains("(mathematical)"));
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
    fn shows_the_catalogs_description_and_signatures() {
        let lpad = functions::find("LPAD").unwrap();
        let i = inspect_builtin("SELECT LPAD(", 12, 0).unwrap();
        assert!(i.plain.contains(lpad.description), "{}", i.plain);
        assert!(i.plain.contains("LPAD(input STRING, targetLen INT, padding STRING) -> STRING"), "{}", i.plain);
        assert!(i.plain.contains("LPAD(input BYTES, targetLen INT, padding BYTES) -> BYTES"), "{}", i.plain);
        assert!(i.html.contains(&escape(lpad.description)));
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
        assert!(i.plain.contains("Other mathematical functions"));
        assert!(i.plain.contains("CEIL"));
        assert!(!inspect_builtin("FLOOR", 2, 0).unwrap().plain.contains("Other mathematical functions"));
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
        assert!(i.plain.contains("REPLACE(str STRING"));
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
