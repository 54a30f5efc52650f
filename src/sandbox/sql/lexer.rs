//! Tokens of ksqlDB SQL with their line:column, for error messages in ksqlDB's style.

use std::fmt;

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

pub fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line, mut line_start) = (0usize, 1usize, 0usize);
    while i < b.len() {
        let c = b[i];
        let col = i - line_start;
        if c == b'\n' {
            i += 1;
            line += 1;
            line_start = i;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] == b'\n' {
                    line += 1;
                    line_start = i + 1;
                }
                i += 1;
            }
            i = (i + 2).min(b.len());
            continue;
        }
        let start = i;
        let tok = if c == b'\'' {
            let mut s = String::new();
            i += 1;
            loop {
                if i >= b.len() {
                    return Err(LexError { line, col, message: "unterminated string literal".into() });
                }
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                let ch = src[i..].chars().next().unwrap();
                if ch == '\n' {
                    line += 1;
                    line_start = i + 1;
                }
                s.push(ch);
                i += ch.len_utf8();
            }
            Tok::Str(s)
        } else if c == b'`' || c == b'"' {
            let q = c;
            let mut s = String::new();
            i += 1;
            loop {
                if i >= b.len() {
                    return Err(LexError { line, col, message: "unterminated quoted identifier".into() });
                }
                if b[i] == q {
                    if b.get(i + 1) == Some(&q) {
                        s.push(q as char);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                let ch = src[i..].chars().next().unwrap();
                s.push(ch);
                i += ch.len_utf8();
            }
            Tok::Quoted(s)
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    i = j;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            // An identifier may not start with digits, but `1a` lexes as a bad number.
            if i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_') {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Tok::Word(src[start..i].to_string())
            } else {
                Tok::Number(src[start..i].to_string())
            }
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] == b'@' || b[i] >= 0x80)
            {
                i += 1;
            }
            Tok::Word(src[start..i].to_string())
        } else {
            let Some(sym) = SYMBOLS.iter().find(|s| src[i..].starts_with(**s)) else {
                let ch = src[i..].chars().next().unwrap();
                return Err(LexError { line, col, message: format!("token recognition error at: '{ch}'") });
            };
            i += sym.len();
            Tok::Sym(sym)
        };
        out.push(Token { tok, line, col, pos: start });
    }
    out.push(Token { tok: Tok::Eof, line, col: i - line_start, pos: b.len() });
    Ok(out)
}

/// Splits a request into statements at top-level `;` (quotes and comments respected).
/// Returns each statement's text including its `;`.
pub fn split_statements(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'`' | b'"') => {
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b';' => {
                let stmt = src[start..=i].trim();
                if stmt != ";" {
                    out.push(stmt.to_string());
                }
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    let rest = src.get(start..).unwrap_or("").trim();
    if !rest.is_empty() && !is_only_comments(rest) {
        out.push(rest.to_string());
    }
    out
}

fn is_only_comments(s: &str) -> bool {
    tokenize(s).map(|t| t.len() == 1).unwrap_or(false)
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
