//! What a statement is, decided from its leading keywords: client-side session statements
//! (SET, UNSET, DEFINE, UNDEFINE, SHOW VARIABLES, RUN SCRIPT), queries (SELECT, PRINT) or
//! statements for `/ksql`.

use super::splitter::{leading_keywords, normalized};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementKind {
    Set {
        name: String,
        value: String,
    },
    Unset {
        name: String,
    },
    Define {
        name: String,
        value: String,
    },
    Undefine {
        name: String,
    },
    ShowVariables,
    RunScript {
        path: String,
    },
    /// SELECT; `push` when it has EMIT CHANGES (or EMIT FINAL).
    Select {
        push: bool,
    },
    Print,
    /// SHOW PROPERTIES: sent to the server, then merged with the local SET properties.
    ShowProperties,
    /// Everything else goes to POST /ksql.
    Server,
}

/// Classifies a statement; a malformed client-side statement is an error message.
pub fn classify(statement: &str) -> Result<StatementKind, String> {
    let words = leading_keywords(statement, 2);
    let first = words.first().map(String::as_str).unwrap_or("");
    let second = words.get(1).map(String::as_str).unwrap_or("");
    let body = normalized(statement);
    let body = body.trim_end_matches(';').trim();
    Ok(match (first, second) {
        ("SET", _) => {
            let (name, value) = parse_assignment(strip_keyword(body, 1), true)
                .ok_or("SET needs a quoted property and value: SET 'auto.offset.reset'='earliest';")?;
            StatementKind::Set { name, value }
        }
        ("UNSET", _) => {
            let name = parse_string_literal(strip_keyword(body, 1))
                .ok_or("UNSET needs a quoted property name: UNSET 'auto.offset.reset';")?;
            StatementKind::Unset { name }
        }
        ("DEFINE", _) => {
            let (name, value) = parse_assignment(strip_keyword(body, 1), false)
                .ok_or("DEFINE needs a name and a quoted value: DEFINE topic = 'orders';")?;
            StatementKind::Define { name: name.to_lowercase(), value }
        }
        ("UNDEFINE", _) => {
            let name = strip_keyword(body, 1).trim();
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err("UNDEFINE needs a variable name: UNDEFINE topic;".into());
            }
            StatementKind::Undefine { name: name.to_lowercase() }
        }
        ("SHOW" | "LIST", "VARIABLES") => StatementKind::ShowVariables,
        ("SHOW" | "LIST", "PROPERTIES") => StatementKind::ShowProperties,
        ("RUN", "SCRIPT") => {
            let path = parse_string_literal(strip_keyword(body, 2))
                .ok_or("RUN SCRIPT needs a quoted file name: RUN SCRIPT '/path/to/file.sql';")?;
            StatementKind::RunScript { path }
        }
        ("SELECT", _) => {
            let upper = without_string_literals(body).to_uppercase();
            StatementKind::Select { push: upper.contains(" EMIT CHANGES") || upper.contains(" EMIT FINAL") }
        }
        ("PRINT", _) => StatementKind::Print,
        _ => StatementKind::Server,
    })
}

/// The text with the contents of '…' literals removed, so keywords inside strings don't count.
fn without_string_literals(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_string = false;
    for c in s.chars() {
        if c == '\'' {
            in_string = !in_string;
            out.push(c);
        } else if !in_string {
            out.push(c);
        }
    }
    out
}

/// `body` without its first `n` words.
fn strip_keyword(body: &str, n: usize) -> &str {
    let mut rest = body.trim_start();
    for _ in 0..n {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    rest.trim()
}

/// `'text'` with `''` escapes → `text`; the whole input must be one literal.
fn parse_string_literal(s: &str) -> Option<String> {
    let s = s.trim();
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some(inner.replace("''", "'"))
}

/// `'name' = 'value'` (quoted name) or `name = 'value'`.
fn parse_assignment(s: &str, quoted_name: bool) -> Option<(String, String)> {
    let s = s.trim();
    let (name, rest) = if quoted_name {
        let inner = s.strip_prefix('\'')?;
        let end = inner.find('\'')?;
        (inner[..end].to_string(), &inner[end + 1..])
    } else {
        let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        (s[..end].to_string(), &s[end..])
    };
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start().strip_prefix('=')?;
    Some((name, parse_string_literal(rest)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_side_statements() {
        assert_eq!(
            classify("SET 'auto.offset.reset' = 'earliest';").unwrap(),
            StatementKind::Set { name: "auto.offset.reset".into(), value: "earliest".into() }
        );
        assert_eq!(classify("unset 'a.b';").unwrap(), StatementKind::Unset { name: "a.b".into() });
        assert_eq!(
            classify("DEFINE Topic = 'it''s';").unwrap(),
            StatementKind::Define { name: "topic".into(), value: "it's".into() }
        );
        assert_eq!(classify("UNDEFINE topic;").unwrap(), StatementKind::Undefine { name: "topic".into() });
        assert_eq!(classify("SHOW VARIABLES;").unwrap(), StatementKind::ShowVariables);
        assert_eq!(classify("list properties;").unwrap(), StatementKind::ShowProperties);
        assert_eq!(
            classify("RUN SCRIPT '/tmp/a.sql';").unwrap(),
            StatementKind::RunScript { path: "/tmp/a.sql".into() }
        );
        assert!(classify("SET auto = 'x';").is_err());
        assert!(classify("DEFINE x 'y';").is_err());
    }

    #[test]
    fn queries() {
        assert_eq!(classify("SELECT * FROM s\nEMIT   CHANGES LIMIT 3;").unwrap(), StatementKind::Select { push: true });
        assert_eq!(
            classify("select * from t where id = 'x EMIT CHANGES';").unwrap(),
            StatementKind::Select { push: false }
        );
        assert_eq!(classify("PRINT 'topic' FROM BEGINNING;").unwrap(), StatementKind::Print);
        assert_eq!(classify("CREATE STREAM s AS SELECT * FROM t EMIT CHANGES;").unwrap(), StatementKind::Server);
    }
}
