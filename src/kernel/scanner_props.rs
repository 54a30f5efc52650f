//! Property tests: every scanner of cell text takes any text (multi-byte identifiers, strings
//! and comments, unterminated quotes) and any cursor without panicking. `PROPTEST_CASES=N`
//! runs more cases than the default 256.

use super::context::{analyze, completeness, word_at};
use super::inspect::{builtin_target, inspect_builtin};
use super::live::options::PushOptions;
use super::live::query_shape::{from_source, group_by_key_names, select_items};
use super::splitter::{is_complete, leading_keywords, split_cell};
use super::statement::classify;
use ksqldb_render::chart::ChartSpec;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Pieces that steer the scanners into their states, mixed with multi-byte text: letters that
/// change length when upper-cased (ß, ŉ, ﬁ), combining marks, CJK, emoji.
const PIECES: &[&str] = &[
    "SELECT ",
    "FROM ",
    " GROUP BY ",
    " EMIT CHANGES",
    " LIMIT 3",
    " WHERE ",
    " AS ",
    " JOIN ",
    "CREATE STREAM ",
    "PRINT ",
    "SET ",
    "DEFINE ",
    "INSERT INTO ",
    " WINDOW TUMBLING (SIZE 1 MINUTE)",
    "'",
    "''",
    "`",
    "\"",
    "--",
    "/*",
    "*/",
    "\n",
    "\r\n",
    ";",
    "(",
    ")",
    ",",
    "->",
    "${",
    "}",
    "%connect ",
    "%push --rows ",
    "%chart line x=",
    "größe",
    "numéro",
    "数据",
    "列",
    "😀",
    "ß",
    "ŉ",
    "ﬁ",
    "İ",
    "e\u{301}",
    "\u{200b}",
    "Ω",
    "a",
    "x1",
    " ",
    "\t",
    "=",
    "*",
    "'größe'",
    "`numéro`",
    "-- 注释\n",
    "/* ü */",
];

fn cell_text() -> impl Strategy<Value = String> {
    prop_oneof![prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.concat()), any::<String>(),]
}

proptest! {
    /// The one lexer is lossless: its tokens cut the text end to end, with byte, code point
    /// and line offsets that agree.
    #[test]
    fn lexer_tokens_cover_any_text_exactly(text in cell_text()) {
        let chars: Vec<char> = text.chars().collect();
        for tokens in [ksql_syntax::lexer::lex_cell(&text), ksql_syntax::lexer::lex_sql(&text)] {
            let (mut byte, mut char) = (0, 0);
            for t in &tokens {
                prop_assert_eq!((t.bytes.start, t.start), (byte, char));
                prop_assert!(t.bytes.end > t.bytes.start);
                let raw = &text[t.bytes.clone()];
                prop_assert_eq!(chars[t.start..t.end].iter().collect::<String>(), raw);
                prop_assert_eq!(t.line, text[..t.bytes.start].matches('\n').count() + 1);
                (byte, char) = (t.bytes.end, t.end);
            }
            prop_assert_eq!((byte, char), (text.len(), chars.len()));
        }
    }

    #[test]
    fn splitter_and_classifier_take_any_text(text in cell_text()) {
        let split = split_cell(&text);
        for item in &split.items {
            match item {
                super::splitter::CellItem::Statement(s) => {
                    let _ = classify(&s.text);
                    let _ = leading_keywords(&s.text, 3);
                }
                super::splitter::CellItem::Magic(m) => {
                    let _ = super::expect::Expectation::parse(&m.args, &m.body);
                }
            }
        }
        let _ = is_complete(&text);
        let _ = completeness(&text);
    }

    #[test]
    fn cursor_scanners_take_any_text_and_cursor(text in cell_text(), cursor in 0usize..80) {
        let chars = text.chars().count();
        for pos in [cursor, cursor.min(chars), chars, chars + 3] {
            let _ = analyze(&text, pos);
            let _ = word_at(&text, pos);
            let _ = builtin_target(&text, pos);
            let _ = inspect_builtin(&text, pos, 0);
            let _ = inspect_builtin(&text, pos, 1);
            let _ = super::completion::complete_builtin(&text, pos, &["connect", "push"]);
        }
    }

    #[test]
    fn push_query_readers_take_any_text(text in cell_text()) {
        let _ = group_by_key_names(&text);
        let _ = select_items(&text);
        let _ = from_source(&text);
    }

    #[test]
    fn magic_and_variable_parsers_take_any_text(text in cell_text()) {
        let vars = BTreeMap::from([("größe".to_string(), "1".to_string()), ("x".to_string(), "数".to_string())]);
        let _ = ksql_syntax::variables::substitute(&text, |name| vars.get(name).cloned());
        let _ = PushOptions::parse(&text);
        let _ = ChartSpec::from_words(text.split_whitespace().map(str::to_string).collect());
        let _ = super::settings::parse_connect(&text, None);
    }

    #[test]
    fn schema_parsers_take_any_text(text in cell_text()) {
        let _ = ksql_wire::schema::parse_schema(&text);
        let _ = ksql_wire::schema::parse_type(&text);
    }

    #[test]
    fn sandbox_lexer_and_parser_take_any_text(text in cell_text()) {
        let _ = ksqldb_sandbox::sql::lexer::tokenize(&text);
        for statement in ksqldb_sandbox::sql::lexer::split_statements(&text) {
            let _ = ksqldb_sandbox::sql::parser::parse_statement(&statement);
        }
        let _ = ksqldb_sandbox::sql::parser::parse_expression(&text);
    }
}

/// Found by the properties above (or by users) and kept.
#[test]
fn push_queries_with_multibyte_text_are_read() {
    let sql = "SELECT `größe`, COUNT(*) AS `numéro` FROM `数据` GROUP BY `größe` EMIT CHANGES;";
    assert_eq!(group_by_key_names(sql), Some(vec!["größe".to_string()]));
    assert_eq!(from_source(sql).as_deref(), Some("数据"));
    // `ß` upper-cases to "SS": offsets must not shift.
    let sql = "SELECT straße AS s, COUNT(*) FROM t GROUP BY straße EMIT CHANGES;";
    assert_eq!(group_by_key_names(sql), Some(vec!["s".to_string()]));
    assert_eq!(select_items(sql)[0], ("straße".to_string(), Some("s".to_string())));
}
