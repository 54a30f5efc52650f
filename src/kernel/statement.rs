//! What a statement is, decided from its leading keywords: client-side session statements
//! (SET, UNSET, DEFINE, UNDEFINE, SHOW VARIABLES, RUN SCRIPT), queries (SELECT, PRINT) or
//! statements for `/ksql`. Read from the one lexer's tokens, so words inside strings and
//! comments never count.

use ksql_syntax::lexer::{lex_sql, significant, Token, TokenKind};

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
    let tokens: Vec<Token> = significant(&lex_sql(statement)).cloned().collect();
    let code = match tokens.split_last() {
        Some((last, rest)) if last.is_sym(";") => rest,
        _ => &tokens[..],
    };
    let word = |i: usize| code.get(i).and_then(Token::upper).unwrap_or_default();
    Ok(match (word(0).as_str(), word(1).as_str()) {
        ("SET", _) => {
            let (name, value) = match &code[1..] {
                [name, eq, value] if is_str(name) && eq.is_sym("=") && is_str(value) => {
                    (name.text.clone(), value.text.clone())
                }
                _ => return Err("SET needs a quoted property and value: SET 'auto.offset.reset'='earliest';".into()),
            };
            StatementKind::Set { name, value }
        }
        ("UNSET", _) => match &code[1..] {
            [name] if is_str(name) => StatementKind::Unset { name: name.text.clone() },
            _ => return Err("UNSET needs a quoted property name: UNSET 'auto.offset.reset';".into()),
        },
        ("DEFINE", _) => match &code[1..] {
            [name, eq, value] if is_variable_name(name) && eq.is_sym("=") && is_str(value) => {
                StatementKind::Define { name: name.text.to_lowercase(), value: value.text.clone() }
            }
            _ => return Err("DEFINE needs a name and a quoted value: DEFINE topic = 'orders';".into()),
        },
        ("UNDEFINE", _) => match &code[1..] {
            [name] if is_variable_name(name) => StatementKind::Undefine { name: name.text.to_lowercase() },
            _ => return Err("UNDEFINE needs a variable name: UNDEFINE topic;".into()),
        },
        ("SHOW" | "LIST", "VARIABLES") => StatementKind::ShowVariables,
        ("SHOW" | "LIST", "PROPERTIES") => StatementKind::ShowProperties,
        ("RUN", "SCRIPT") => match &code[2..] {
            [path] if is_str(path) => StatementKind::RunScript { path: path.text.clone() },
            _ => return Err("RUN SCRIPT needs a quoted file name: RUN SCRIPT '/path/to/file.sql';".into()),
        },
        ("SELECT", _) => StatementKind::Select {
            push: code.windows(2).any(|w| w[0].is_word("EMIT") && (w[1].is_word("CHANGES") || w[1].is_word("FINAL"))),
        },
        ("PRINT", _) => StatementKind::Print,
        _ => StatementKind::Server,
    })
}

/// The stream an `INSERT INTO … VALUES` writes to, named as ksqlDB resolves it (upper-cased
/// unless quoted); None for any other statement, `INSERT INTO … SELECT` included.
pub fn insert_values_target(statement: &str) -> Option<String> {
    let tokens: Vec<Token> = significant(&lex_sql(statement)).cloned().collect();
    let [insert, into, name, rest @ ..] = tokens.as_slice() else { return None };
    if !(insert.is_word("INSERT") && into.is_word("INTO")) {
        return None;
    }
    let mut depth = 0usize;
    for t in rest {
        if t.is_sym("(") {
            depth += 1;
        } else if t.is_sym(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && t.is_word("VALUES") {
            return name.name();
        } else if depth == 0 && t.is_word("SELECT") {
            return None;
        }
    }
    None
}

/// A closed `'…'` literal.
fn is_str(token: &Token) -> bool {
    token.kind == TokenKind::Str && token.closed
}

/// A DEFINE name: letters, digits and `_`.
fn is_variable_name(token: &Token) -> bool {
    token.kind == TokenKind::Word && token.text.chars().all(|c| c.is_alphanumeric() || c == '_')
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
        assert!(classify("SET 'a' = 'open;").is_err());
        assert!(classify("DEFINE x = 'y' /* note */;").is_ok());
    }

    #[test]
    fn insert_values_targets() {
        assert_eq!(insert_values_target("INSERT INTO orders (id) VALUES (1);").as_deref(), Some("ORDERS"));
        assert_eq!(insert_values_target("-- c\ninsert into `Orders` VALUES ('a');").as_deref(), Some("Orders"));
        assert_eq!(insert_values_target("INSERT INTO o SELECT * FROM s EMIT CHANGES;"), None);
        assert_eq!(insert_values_target("INSERT INTO o WITH (QUERY_ID='q') SELECT * FROM s;"), None);
        assert_eq!(insert_values_target("SELECT 'INSERT INTO x VALUES' FROM s;"), None);
    }

    #[test]
    fn queries() {
        assert_eq!(classify("SELECT * FROM s\nEMIT   CHANGES LIMIT 3;").unwrap(), StatementKind::Select { push: true });
        assert_eq!(
            classify("select * from t where id = 'x EMIT CHANGES';").unwrap(),
            StatementKind::Select { push: false }
        );
        assert_eq!(classify("PRINT 'topic' FROM BEGINNING;").unwrap(), StatementKind::Print);
        let commented = "SELECT * FROM s -- EMIT CHANGES\n;";
        assert_eq!(classify(commented).unwrap(), StatementKind::Select { push: false });
        assert_eq!(classify("SELECT * FROM s EMIT/* c */FINAL;").unwrap(), StatementKind::Select { push: true });
        assert_eq!(classify("CREATE STREAM s AS SELECT * FROM t EMIT CHANGES;").unwrap(), StatementKind::Server);
    }
}
