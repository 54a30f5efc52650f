//! The one lexer of ksqlDB text, used by the cell splitter, completion, inspection, live-mode
//! detection, statement classification, `${var}` substitution and the sandbox's parser.
//!
//! Tolerant and lossless: it never fails (an open string or comment runs to the end and is
//! marked `closed: false`, a character no rule knows becomes [`TokenKind::Unknown`]), and the
//! tokens' byte spans cover the input end to end, whitespace included, so any piece of the
//! text can be cut out or rebuilt from them. Offsets come in bytes (for slicing) and in code
//! points (the Jupyter protocol's cursor unit).
//!
//! The token rules are a `logos` state machine; the cell-only rule (a `%` line between
//! statements is a magic) needs the statement context, so it sits in [`lex_cell`]'s loop.

use std::ops::Range;

use logos::Logos;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Whitespace, newlines included.
    Space,
    /// `-- ...` to the end of the line, or `/* ... */`.
    Comment,
    /// An unquoted word: keyword or identifier, as written.
    Word,
    /// `` `name` `` or `"name"`: case kept.
    Quoted,
    /// `'text'`.
    Str,
    /// A numeric literal as written.
    Num,
    Sym,
    /// `${name}`.
    Var,
    /// A `%` line between statements ([`lex_cell`] only).
    Magic,
    /// A character that no rule matches (ksqlDB: "token recognition error").
    Unknown,
}

/// One token of ksqlDB text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// Code point offsets into the lexed text; `end` is exclusive.
    pub start: usize,
    pub end: usize,
    /// Byte offsets into the lexed text.
    pub bytes: Range<usize>,
    /// 1-based line and 0-based code point column of the token's first character.
    pub line: usize,
    pub column: usize,
    /// Quoted identifier and string: the inside, unescaped. Var: the name. Magic: the line
    /// after `%`. Everything else: as written.
    pub text: String,
    /// False for a string, quoted identifier, block comment or `${` the text leaves open.
    pub closed: bool,
}

impl Token {
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, TokenKind::Space | TokenKind::Comment)
    }
    /// An unquoted word, upper-cased.
    pub fn upper(&self) -> Option<String> {
        (self.kind == TokenKind::Word).then(|| self.text.to_uppercase())
    }
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(word)
    }
    pub fn is_sym(&self, sym: &str) -> bool {
        self.kind == TokenKind::Sym && self.text == sym
    }
    /// A name: an unquoted word (upper-cased, as ksqlDB resolves it) or a quoted identifier.
    pub fn name(&self) -> Option<String> {
        match self.kind {
            TokenKind::Word => Some(self.text.to_uppercase()),
            TokenKind::Quoted => Some(self.text.clone()),
            _ => None,
        }
    }
    pub fn is_line_comment(&self, src: &str) -> bool {
        self.kind == TokenKind::Comment && src[self.bytes.clone()].starts_with("--")
    }
}

/// The token rules. Longest match wins, so `1a` is a word, `.5` a number and `${x}` a
/// variable rather than the word `$`.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    #[regex(r"\s+")]
    Space,
    // Greedy on purpose: a line comment is the rest of its line.
    #[regex(r"--[^\n]*", allow_greedy = true)]
    LineComment,
    #[token("/*", block_comment_end)]
    BlockComment,
    #[regex(r"'([^']|'')*'?")]
    Str,
    #[regex(r"`([^`]|``)*`?")]
    #[regex(r#""([^"]|"")*"?"#)]
    Quoted,
    // Above the digit-led word below, which also matches `2e3`.
    #[regex(r"[0-9][0-9.]*([eE][+-]?[0-9]+)?", priority = 20)]
    #[regex(r"\.[0-9][0-9.]*([eE][+-]?[0-9]+)?", priority = 20)]
    Num,
    // Identifiers may not start with a digit, but ksqlDB lexes `1a` as one (bad) token.
    #[regex(r"[A-Za-z_$]|[^\x00-\x7F\s]", word_rest)]
    #[regex(r"[0-9][0-9.]*([eE][+-]?[0-9]+)?[A-Za-z_][A-Za-z0-9_]*")]
    Word,
    #[token("${", variable_rest)]
    Var,
    #[token("=>")]
    #[token("->")]
    #[token("<=")]
    #[token(">=")]
    #[token("<>")]
    #[token("!=")]
    #[token("||")]
    #[token(":=")]
    #[token("(")]
    #[token(")")]
    #[token(",")]
    #[token(";")]
    #[token(".")]
    #[token("*")]
    #[token("+")]
    #[token("-")]
    #[token("/")]
    #[token("%")]
    #[token("=")]
    #[token("<")]
    #[token(">")]
    #[token("[")]
    #[token("]")]
    #[token(":")]
    #[token("{")]
    #[token("}")]
    Sym,
}

/// Runs a block comment to its `*/`, or to the end of the text when it stays open.
fn block_comment_end(lex: &mut logos::Lexer<Rule>) {
    let rest = lex.remainder();
    lex.bump(rest.find("*/").map_or(rest.len(), |p| p + 2));
}

/// The rest of an unquoted word: ASCII letters, digits, `_`, `$`, `@` and any non-ASCII
/// character that is not whitespace (written by hand: a regex for it would make `logos`
/// build a large table of UTF-8 ranges for every word start).
fn word_rest(lex: &mut logos::Lexer<Rule>) {
    let rest = lex.remainder();
    let len = rest.char_indices().find(|&(_, c)| !is_word_char(c)).map_or(rest.len(), |(i, _)| i);
    lex.bump(len);
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '@')
    } else {
        !c.is_whitespace()
    }
}

/// A variable's name (letters, digits, `_` in any script) and its `}` when written.
fn variable_rest(lex: &mut logos::Lexer<Rule>) {
    let rest = lex.remainder();
    let name = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    lex.bump(name + usize::from(rest[name..].starts_with('}')));
}

/// The inside of a quoted token with doubled quotes unescaped, and whether it is closed.
fn unquote(raw: &str, quote: char) -> (String, bool) {
    let inner = &raw[quote.len_utf8()..];
    let mut text = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == quote {
            if chars.peek() == Some(&quote) {
                chars.next();
                text.push(quote);
                continue;
            }
            return (text, true);
        }
        text.push(c);
    }
    (text, false)
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Where the lexer stands: offsets of the next token.
#[derive(Debug, Clone, Copy)]
struct Position {
    byte: usize,
    char: usize,
    line: usize,
    column: usize,
}

impl Position {
    fn start() -> Self {
        Position { byte: 0, char: 0, line: 1, column: 0 }
    }
    fn advance(&mut self, piece: &str) {
        self.byte += piece.len();
        self.char += char_count(piece);
        match piece.rfind('\n') {
            Some(last) => {
                self.line += piece.matches('\n').count();
                self.column = char_count(&piece[last + 1..]);
            }
            None => self.column += char_count(piece),
        }
    }
}

fn token(kind: TokenKind, raw: &str, at: Position) -> Token {
    let (text, closed) = match kind {
        TokenKind::Str => unquote(raw, '\''),
        TokenKind::Quoted => unquote(raw, raw.chars().next().unwrap_or('`')),
        TokenKind::Var => {
            let closed = raw.ends_with('}');
            (raw[2..raw.len() - usize::from(closed)].to_string(), closed)
        }
        TokenKind::Comment => (raw.to_string(), raw.starts_with("--") || raw.len() >= 4 && raw.ends_with("*/")),
        TokenKind::Magic => (raw[1..].to_string(), true),
        _ => (raw.to_string(), true),
    };
    Token {
        kind,
        start: at.char,
        end: at.char + char_count(raw),
        bytes: at.byte..at.byte + raw.len(),
        line: at.line,
        column: at.column,
        text,
        closed,
    }
}

/// Lexes SQL text (a request body, one statement): every token, trivia included.
pub fn lex_sql(src: &str) -> Vec<Token> {
    lex(src, Position::start(), false)
}

/// Lexes a notebook cell: like [`lex_sql`], but a `%` first on its line between statements
/// (nothing but comments since the last `;` or magic) starts a [`TokenKind::Magic`] line.
pub fn lex_cell(src: &str) -> Vec<Token> {
    lex(src, Position::start(), true)
}

/// [`lex_cell`] from byte `offset` on (a char boundary), offsets still counted from the
/// start of `src`; lexing starts between statements, as at the start of a line.
pub fn lex_cell_from(src: &str, offset: usize) -> Vec<Token> {
    let mut at = Position::start();
    at.advance(&src[..offset]);
    let mut tokens = lex(&src[offset..], Position { byte: 0, ..at }, true);
    for t in &mut tokens {
        t.bytes = t.bytes.start + offset..t.bytes.end + offset;
    }
    tokens
}

fn lex(src: &str, mut at: Position, cell: bool) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rules = Rule::lexer(src);
    let mut line_start = true;
    let mut between_statements = true;
    while let Some(rule) = rules.next() {
        let mut kind = match rule {
            Ok(Rule::Space) => TokenKind::Space,
            Ok(Rule::LineComment | Rule::BlockComment) => TokenKind::Comment,
            Ok(Rule::Str) => TokenKind::Str,
            Ok(Rule::Quoted) => TokenKind::Quoted,
            Ok(Rule::Num) => TokenKind::Num,
            Ok(Rule::Word) => TokenKind::Word,
            Ok(Rule::Var) => TokenKind::Var,
            Ok(Rule::Sym) => TokenKind::Sym,
            Err(()) => TokenKind::Unknown,
        };
        if cell && kind == TokenKind::Sym && rules.slice() == "%" && line_start && between_statements {
            let rest = rules.remainder();
            rules.bump(rest.find('\n').unwrap_or(rest.len()));
            kind = TokenKind::Magic;
        }
        let raw = rules.slice();
        let t = token(kind, raw, at);
        at.advance(raw);
        match kind {
            TokenKind::Space => line_start = line_start || raw.contains('\n'),
            // A line comment stops before its newline; the Space after it starts the next line.
            TokenKind::Comment => line_start = false,
            TokenKind::Magic => (line_start, between_statements) = (false, true),
            _ => (line_start, between_statements) = (false, t.text == ";" && kind == TokenKind::Sym),
        }
        tokens.push(t);
    }
    tokens
}

/// The tokens without whitespace and comments.
pub fn significant(tokens: &[Token]) -> impl Iterator<Item = &Token> {
    tokens.iter().filter(|t| !t.is_trivia())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String)> {
        significant(&lex_sql(src)).map(|t| (t.kind, t.text.clone())).collect()
    }

    #[test]
    fn every_kind() {
        use TokenKind::*;
        let got = kinds("SELECT `a``b`, \"C\", 'it''s', 1.5, 2e3, .5, 1a, ${v}, x->y >= 3 # -- c\n/* d */;");
        let want = [
            (Word, "SELECT"),
            (Quoted, "a`b"),
            (Sym, ","),
            (Quoted, "C"),
            (Sym, ","),
            (Str, "it's"),
            (Sym, ","),
            (Num, "1.5"),
            (Sym, ","),
            (Num, "2e3"),
            (Sym, ","),
            (Num, ".5"),
            (Sym, ","),
            (Word, "1a"),
            (Sym, ","),
            (Var, "v"),
            (Sym, ","),
            (Word, "x"),
            (Sym, "->"),
            (Word, "y"),
            (Sym, ">="),
            (Num, "3"),
            (Unknown, "#"),
            (Sym, ";"),
        ];
        assert_eq!(got, want.map(|(k, t)| (k, t.to_string())));
    }

    #[test]
    fn lossless_with_offsets_in_bytes_chars_and_lines() {
        let src = "SELECT 'é😀' AS ü,\n  `名前` -- ok\nFROM s;";
        let tokens = lex_sql(src);
        let rebuilt: String = tokens.iter().map(|t| &src[t.bytes.clone()]).collect();
        assert_eq!(rebuilt, src);
        let chars: Vec<char> = src.chars().collect();
        for t in &tokens {
            assert_eq!(chars[t.start..t.end].iter().collect::<String>(), src[t.bytes.clone()]);
        }
        let name = tokens.iter().find(|t| t.kind == TokenKind::Quoted).unwrap();
        assert_eq!((name.text.as_str(), name.line, name.column), ("名前", 2, 2));
        let from = tokens.iter().find(|t| t.is_word("from")).unwrap();
        assert_eq!((from.line, from.column), (3, 0));
        assert!(tokens.iter().any(|t| t.is_word("ü")));
        let var = lex_sql("${größe}").remove(0);
        assert_eq!((var.kind, var.text.as_str(), var.closed), (TokenKind::Var, "größe", true));
    }

    #[test]
    fn open_literals_run_to_the_end() {
        for (src, kind) in [
            ("SELECT 'abc", TokenKind::Str),
            ("SELECT '''", TokenKind::Str),
            ("SELECT `a", TokenKind::Quoted),
            ("x /* open", TokenKind::Comment),
            ("${name", TokenKind::Var),
        ] {
            let last = lex_sql(src).pop().unwrap();
            assert_eq!((last.kind, last.closed), (kind, false), "{src}");
        }
        assert!(lex_sql("'a''b'").iter().all(|t| t.closed));
        assert!(lex_sql("/**/").iter().all(|t| t.closed));
    }

    #[test]
    fn unicode_whitespace_separates_words() {
        let words: Vec<String> = kinds("a\u{a0}b\u{3000}c").into_iter().map(|(_, t)| t).collect();
        assert_eq!(words, ["a", "b", "c"]);
    }

    #[test]
    fn magic_lines_only_between_statements_at_line_start() {
        let src = "%connect x\n  %rows 10\nSELECT 5 %\n2;\n-- c\n%help\nSELECT '%no'";
        let magics: Vec<String> =
            lex_cell(src).into_iter().filter(|t| t.kind == TokenKind::Magic).map(|t| t.text).collect();
        assert_eq!(magics, ["connect x", "rows 10", "help"]);
        assert!(lex_sql("%x").iter().all(|t| t.kind != TokenKind::Magic));
        assert!(lex_cell("SELECT 1\n%2;").iter().all(|t| t.kind != TokenKind::Magic));
    }

    #[test]
    fn lexing_from_an_offset_keeps_offsets_of_the_whole_text() {
        let src = "%expect\n| 'a |\nSELECT ü;";
        let offset = src.find("SELECT").unwrap();
        let tokens = lex_cell_from(src, offset);
        assert_eq!(tokens[0].bytes.start, offset);
        assert_eq!((tokens[0].line, tokens[0].column, tokens[0].start), (3, 0, 15));
        assert_eq!(&src[tokens[2].bytes.clone()], "ü");
    }
}
