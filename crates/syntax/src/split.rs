//! Statements of ksqlDB text: a statement ends at a `;` token, so never inside a string, a
//! quoted identifier or a comment. The cell splitter feeds the same collector with magic
//! lines in between; the sandbox splits request bodies with [`split_statements`].

use std::ops::Range;

use super::lexer::{lex_sql, Token, TokenKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementSpan {
    /// The statement as written, trimmed (comments kept), with its `;` when it has one.
    pub text: String,
    pub bytes: Range<usize>,
    /// 1-based line of the statement's first code token.
    pub line: usize,
    /// Whether the text wrote the final `;`.
    pub terminated: bool,
    /// The last token is a `--` comment (a `;` added after it must go on a new line).
    pub ends_in_line_comment: bool,
}

/// Groups tokens into statements as they come.
#[derive(Debug, Clone)]
pub struct StatementCollector {
    /// Byte offset where the statement being collected starts (after the last `;`).
    start: usize,
    end: usize,
    /// Line of the first code token since `start`; None while only trivia came.
    first_code_line: Option<usize>,
    ends_in_line_comment: bool,
}

impl StatementCollector {
    pub fn new(start: usize) -> Self {
        StatementCollector { start, end: start, first_code_line: None, ends_in_line_comment: false }
    }

    /// Forgets what came since the last statement (comments before a magic line) and goes on
    /// from byte `at`.
    pub fn restart_at(&mut self, at: usize) {
        *self = StatementCollector::new(at);
    }

    /// Takes the next token; returns the statement a `;` ends.
    pub fn push(&mut self, src: &str, token: &Token) -> Option<StatementSpan> {
        self.end = token.bytes.end;
        if token.kind != TokenKind::Space {
            self.ends_in_line_comment = token.is_line_comment(src);
        }
        if token.is_sym(";") {
            let statement = self.first_code_line.map(|line| self.span(src, line, true));
            self.restart_at(token.bytes.end);
            return statement;
        }
        if !token.is_trivia() {
            self.first_code_line.get_or_insert(token.line);
        }
        None
    }

    /// The statement the text ends with, without its `;`, if it has any code.
    pub fn finish(self, src: &str) -> Option<StatementSpan> {
        self.first_code_line.map(|line| self.span(src, line, false))
    }

    fn span(&self, src: &str, line: usize, terminated: bool) -> StatementSpan {
        let raw = &src[self.start..self.end];
        let trimmed_start = self.start + (raw.len() - raw.trim_start().len());
        let text = raw.trim();
        StatementSpan {
            text: text.to_string(),
            bytes: trimmed_start..trimmed_start + text.len(),
            line,
            terminated,
            ends_in_line_comment: self.ends_in_line_comment,
        }
    }
}

/// Splits a request body into statements (each with its `;` when written); text that holds
/// only comments and whitespace is no statement.
pub fn split_statements(src: &str) -> Vec<StatementSpan> {
    let mut collector = StatementCollector::new(0);
    let mut out: Vec<StatementSpan> = lex_sql(src).iter().filter_map(|t| collector.push(src, t)).collect();
    out.extend(collector.finish(src));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<String> {
        split_statements(src).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn splits_at_semicolons_outside_literals_and_comments() {
        assert_eq!(texts("a 'x;y'; b `c;`; -- d;\n e /* ; */ f;"), ["a 'x;y';", "b `c;`;", "-- d;\n e /* ; */ f;"]);
        assert_eq!(texts("a; b; -- c"), ["a;", "b;"]);
        assert_eq!(texts(";; -- only\n;"), Vec::<String>::new());
    }

    #[test]
    fn the_last_statement_may_lack_its_semicolon() {
        let spans = split_statements("SHOW STREAMS;\n\n  SHOW TABLES -- all");
        assert_eq!(spans.len(), 2);
        let last = &spans[1];
        assert_eq!((last.text.as_str(), last.line, last.terminated), ("SHOW TABLES -- all", 3, false));
        assert!(last.ends_in_line_comment);
        assert!(!spans[0].ends_in_line_comment && spans[0].terminated);
        assert_eq!(&"SHOW STREAMS;\n\n  SHOW TABLES -- all"[last.bytes.clone()], last.text);
    }

    #[test]
    fn an_open_string_keeps_the_rest() {
        assert_eq!(texts("SELECT 'a; b; c"), ["SELECT 'a; b; c"]);
    }
}
