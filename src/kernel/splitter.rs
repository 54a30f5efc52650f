//! Splits a cell into magic lines and ksqlDB statements, over the tokens of the one lexer.
//!
//! A statement ends at a `;` outside single-quoted strings (with `''` escapes), backtick or
//! double-quoted identifiers, `--` line comments and `/* */` block comments. A line starting
//! with `%` between statements is a magic. The last statement of a cell may omit its `;`.

use ksql_syntax::lexer::{lex_cell, lex_cell_from, lex_sql, significant, Token, TokenKind};
use ksql_syntax::split::StatementCollector;

/// One piece of a cell, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellItem {
    Magic(MagicLine),
    Statement(Statement),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MagicLine {
    /// The magic's name without `%`, lower-cased (`connect`, `help`, ...).
    pub name: String,
    /// Everything after the name, trimmed.
    pub args: String,
    /// 1-based line number in the cell.
    pub line: usize,
    /// Lines that belong to the magic after its own line: `%expect`'s table of expected rows.
    pub body: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement as written (comments inside it kept), trimmed, ending with `;`.
    pub text: String,
    /// 1-based line number where the statement starts.
    pub line: usize,
    /// Whether the user wrote the final `;` (false for a last statement without one).
    pub terminated: bool,
}

/// The result of scanning a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitCell {
    pub items: Vec<CellItem>,
    /// True when the text ends inside a string, identifier or block comment.
    pub unterminated_literal: bool,
}

pub fn split_cell(cell: &str) -> SplitCell {
    let mut items = Vec::new();
    let mut statements = StatementCollector::new(0);
    let mut tokens = lex_cell(cell);
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        i += 1;
        if token.kind == TokenKind::Magic {
            let text = token.text.trim();
            let (name, args) = match text.find(char::is_whitespace) {
                Some(pos) => (&text[..pos], text[pos..].trim()),
                None => (text, ""),
            };
            let name = name.to_lowercase();
            let (body, body_end) = magic_body(&name, args, cell, token.bytes.end);
            let magic = MagicLine { name, args: args.to_string(), line: token.line, body };
            statements.restart_at(body_end);
            if !magic.body.is_empty() {
                // The body's lines are no SQL: lex again after them.
                tokens = lex_cell_from(cell, body_end);
                i = 0;
            }
            items.push(CellItem::Magic(magic));
            continue;
        }
        if let Some(s) = statements.push(cell, token) {
            items.push(CellItem::Statement(Statement { text: s.text, line: s.line, terminated: true }));
        }
    }
    let unterminated_literal = tokens.last().is_some_and(|t| !t.closed);
    if let Some(s) = statements.finish(cell) {
        let mut text = s.text;
        if s.ends_in_line_comment {
            // `SELECT 1 -- note` without `;`: end the comment before adding the terminator.
            text.push_str("\n;");
        } else if !unterminated_literal {
            text.push(';');
        }
        items.push(CellItem::Statement(Statement { text, line: s.line, terminated: false }));
    }
    SplitCell { items, unterminated_literal }
}

/// Words that start a statement, so a CSV body of `%expect` ends before them.
const STATEMENT_STARTS: &[&str] = &[
    "SELECT",
    "PRINT",
    "INSERT",
    "CREATE",
    "DROP",
    "SHOW",
    "LIST",
    "DESCRIBE",
    "EXPLAIN",
    "SET",
    "DEFINE",
    "TERMINATE",
];

/// The lines after a magic's own line that belong to it, and where they end. Only `%expect`
/// has a body: its expected rows, as Markdown table lines (starting with `|`), or with `--csv`
/// the non-blank lines up to the query (a line starting with SELECT).
fn magic_body(name: &str, args: &str, cell: &str, line_end: usize) -> (Vec<String>, usize) {
    if name != "expect" {
        return (Vec::new(), line_end);
    }
    let csv = args.split_whitespace().any(|a| a == "--csv");
    let mut body = Vec::new();
    let mut end = line_end;
    while end < cell.len() {
        let next_end = cell[end + 1..].find('\n').map_or(cell.len(), |p| end + 1 + p);
        let trimmed = cell[end + 1..next_end].trim();
        let belongs = if csv {
            // Up to the query: a blank line, a magic, a comment or a line starting a statement.
            let first_word: String = trimmed.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            !trimmed.is_empty()
                && !trimmed.starts_with('%')
                && !trimmed.starts_with("--")
                && !trimmed.starts_with("/*")
                && !STATEMENT_STARTS.iter().any(|k| first_word.eq_ignore_ascii_case(k))
        } else {
            trimmed.starts_with('|')
        };
        if !belongs {
            break;
        }
        body.push(trimmed.to_string());
        end = next_end;
    }
    (body, end)
}

/// For is_complete_request: a cell is complete when every statement ends with `;` (magic
/// lines are complete on their own).
pub fn is_complete(cell: &str) -> bool {
    let split = split_cell(cell);
    !split.unterminated_literal
        && split.items.iter().all(|item| match item {
            CellItem::Magic(_) => true,
            CellItem::Statement(s) => s.terminated,
        })
}

/// The statement's leading keywords, upper-cased, skipping comments: `["CREATE", "STREAM"]`.
pub fn leading_keywords(statement: &str, count: usize) -> Vec<String> {
    significant(&lex_sql(statement)).map_while(Token::upper).take(count).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements(cell: &str) -> Vec<String> {
        split_cell(cell)
            .items
            .into_iter()
            .filter_map(|i| match i {
                CellItem::Statement(s) => Some(s.text),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_strings_and_comments() {
        let cell = "CREATE STREAM s (v STRING) WITH (kafka_topic='a;b', value_format='JSON');\n\
                    -- a comment; with a semicolon\n\
                    INSERT INTO s (v) VALUES ('it''s; fine');\n\
                    /* block; comment */ SELECT `we;ird` FROM s EMIT CHANGES;";
        let s = statements(cell);
        assert_eq!(s.len(), 3, "{s:?}");
        assert!(s[0].ends_with("value_format='JSON');"));
        assert!(s[1].contains("'it''s; fine'"));
        assert!(s[2].contains("`we;ird`"));
    }

    #[test]
    fn last_statement_may_omit_semicolon() {
        let split = split_cell("SHOW STREAMS;\nSHOW TABLES");
        assert_eq!(statements("SHOW STREAMS;\nSHOW TABLES"), vec!["SHOW STREAMS;", "SHOW TABLES;"]);
        match &split.items[1] {
            CellItem::Statement(s) => {
                assert!(!s.terminated);
                assert_eq!(s.line, 2);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn magic_lines_between_statements() {
        let split = split_cell("%connect http://localhost:8088\nSHOW STREAMS;\n  %rows 10\nSELECT 1;");
        assert_eq!(split.items.len(), 4);
        assert_eq!(
            split.items[0],
            CellItem::Magic(MagicLine {
                name: "connect".into(),
                args: "http://localhost:8088".into(),
                line: 1,
                body: vec![]
            })
        );
        assert!(matches!(&split.items[2], CellItem::Magic(m) if m.name == "rows" && m.args == "10" && m.line == 3));
    }

    #[test]
    fn percent_inside_statement_is_not_magic() {
        let s = statements("SELECT *\nFROM s WHERE name LIKE\n'%abc' EMIT CHANGES;");
        assert_eq!(s.len(), 1);
        assert!(s[0].contains("'%abc'"));
    }

    #[test]
    fn comments_only_is_no_statement() {
        assert!(statements("-- nothing here\n/* nor here */\n").is_empty());
        assert!(is_complete("-- nothing here\n"));
    }

    #[test]
    fn completeness() {
        assert!(is_complete("SHOW STREAMS;"));
        assert!(is_complete("%help"));
        assert!(is_complete(""));
        assert!(!is_complete("SELECT * FROM s"));
        assert!(!is_complete("SELECT 'a;"));
        assert!(!is_complete("SELECT 1; /* open"));
        assert!(is_complete("SELECT ';' FROM s; -- trailing comment"));
    }

    #[test]
    fn trailing_line_comment_without_semicolon() {
        assert_eq!(statements("SHOW STREAMS -- list"), vec!["SHOW STREAMS -- list\n;"]);
        // A newline after the comment must not let the `;` land inside it.
        assert_eq!(statements("SHOW STREAMS -- list\n\n"), vec!["SHOW STREAMS -- list\n;"]);
    }

    #[test]
    fn doubled_quotes_inside_identifiers() {
        assert_eq!(
            statements("SELECT `a``;b` FROM s; SELECT \"c\"\";\" FROM t"),
            ["SELECT `a``;b` FROM s;", "SELECT \"c\"\";\" FROM t;"]
        );
    }

    #[test]
    fn keywords_and_normalization() {
        assert_eq!(leading_keywords("  -- c\n/* x */ create   stream s", 2), vec!["CREATE", "STREAM"]);
    }

    #[test]
    fn expect_takes_its_table_or_csv_lines() {
        let split = split_cell(
            "%expect\n| A | B |\n|---|---|\n| 1 | x |\nSELECT a, b\nFROM t;\n%expect --csv\nA\n1\nselect a from t;",
        );
        let CellItem::Magic(m) = &split.items[0] else { panic!("{:?}", split.items) };
        assert_eq!(m.body, ["| A | B |", "|---|---|", "| 1 | x |"]);
        assert_eq!(m.line, 1);
        let CellItem::Statement(s) = &split.items[1] else { panic!() };
        assert_eq!((s.text.as_str(), s.line), ("SELECT a, b\nFROM t;", 5));
        let CellItem::Magic(m) = &split.items[2] else { panic!() };
        assert_eq!((m.body.clone(), m.line), (vec!["A".to_string(), "1".to_string()], 7));
        let CellItem::Statement(s) = &split.items[3] else { panic!() };
        assert_eq!(s.line, 10);
        // A CSV body ends at a comment too.
        let split = split_cell("%expect --csv\nA\n-1\n-- the answer\nSELECT a FROM t;");
        let CellItem::Magic(m) = &split.items[0] else { panic!() };
        assert_eq!(m.body, ["A", "-1"]);
    }
}
