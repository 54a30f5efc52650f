//! The parser's view of the one lexer's tokens, with line:column for error messages in
//! ksqlDB's style.

use std::fmt;

use ksql_syntax::lexer::{self, TokenKind};
use ksql_syntax::split;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An unquoted word (keyword or identifier), as written.
    Word(String),
    /// A backtick- or double-quoted identifier: case kept.
    Quoted(String),
    Str(String),
    /// A numeric literal as written (the parser decides INT/BIGINT/DECIMAL/DOUBLE).
    Number(String),
    Sym(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub line: usize,
    pub col: usize,
    /// Byte offset of the token in the statement text.
    pub pos: usize,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => f.write_str(w),
            Tok::Quoted(w) => write!(f, "`{w}`"),
            Tok::Str(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Tok::Number(n) => f.write_str(n),
            Tok::Sym(s) => f.write_str(s),
            Tok::Eof => f.write_str("<EOF>"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct LexError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

const SYMBOLS: [&str; 26] = [
    "=>", "->", "<=", ">=", "<>", "!=", "||", ":=", "(", ")", ",", ";", ".", "*", "+", "-", "/", "%", "=", "<", ">",
    "[", "]", ":", "{", "}",
];

/// The parser's tokens (no whitespace, comments or variables: those are substituted before
/// parsing), from the one lexer; what ksqlDB's lexer rejects becomes its error.
pub fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let mut out = Vec::new();
    let error = |t: &lexer::Token, message: String| LexError { line: t.line, col: t.column, message };
    for t in lexer::lex_sql(src) {
        let tok = match t.kind {
            TokenKind::Space if t.text.chars().all(|c| c.is_ascii_whitespace()) => continue,
            TokenKind::Comment => continue,
            TokenKind::Str if !t.closed => return Err(error(&t, "unterminated string literal".into())),
            TokenKind::Quoted if !t.closed => return Err(error(&t, "unterminated quoted identifier".into())),
            TokenKind::Str => Tok::Str(t.text),
            TokenKind::Quoted => Tok::Quoted(t.text),
            TokenKind::Num => Tok::Number(t.text),
            TokenKind::Word => Tok::Word(t.text),
            TokenKind::Sym => Tok::Sym(SYMBOLS.iter().find(|s| **s == t.text).copied().unwrap_or("?")),
            // Non-ASCII whitespace, `${…}` left over, a character no rule knows.
            TokenKind::Space | TokenKind::Var | TokenKind::Magic | TokenKind::Unknown => {
                let ch = src[t.bytes.clone()].chars().next().unwrap_or(' ');
                return Err(error(&t, format!("token recognition error at: '{ch}'")));
            }
        };
        out.push(Token { tok, line: t.line, col: t.column, pos: t.bytes.start });
    }
    let (line, col) = src
        .rfind('\n')
        .map_or((1, src.chars().count()), |nl| (src.matches('\n').count() + 1, src[nl + 1..].chars().count()));
    out.push(Token { tok: Tok::Eof, line, col, pos: src.len() });
    Ok(out)
}

/// Splits a request into statements at top-level `;` (quotes and comments respected).
/// Returns each statement's text including its `;`.
pub fn split_statements(src: &str) -> Vec<String> {
    split::split_statements(src).into_iter().map(|s| s.text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes() {
        let t = tokenize("SELECT `a`, 'it''s', 1.5, 2e3 FROM s -- c\n WHERE x->y >= 3;").unwrap();
        assert_eq!(t[1].tok, Tok::Quoted("a".into()));
        assert_eq!(t[3].tok, Tok::Str("it's".into()));
        assert_eq!(t[5].tok, Tok::Number("1.5".into()));
        assert_eq!(t[7].tok, Tok::Number("2e3".into()));
        assert_eq!(t[10].line, 2);
        assert!(t.iter().any(|x| x.tok == Tok::Sym("->")));
        assert_eq!(split_statements("a 'x;y'; b; -- c"), vec!["a 'x;y';", "b;"]);
    }
}
