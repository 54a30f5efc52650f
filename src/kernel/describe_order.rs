//! `DESCRIBE … EXTENDED` in the order the connected server takes. ksqlDB before 0.16 (CP 6.1
//! and older) parses only `DESCRIBE EXTENDED name`; 0.16 (confluentinc/ksql#6827, first
//! released in 0.17 / CP 6.2) changed SqlBase.g4 to `DESCRIBE name EXTENDED` and dropped the
//! old order. The kernel writes its own DESCRIBEs in the server's order and turns a user's
//! statement written for the other generation into the server's order.

use ksql_syntax::lexer::{lex_sql, significant, Token, TokenKind};
use ksqldb_client::ServerCapabilities;

/// `DESCRIBE <name> EXTENDED;` in the server's order; `name` is SQL (quoted as needed).
pub fn describe_extended(name: &str, caps: &ServerCapabilities) -> String {
    if caps.describe_extended_after_name {
        format!("DESCRIBE {name} EXTENDED;")
    } else {
        format!("DESCRIBE EXTENDED {name};")
    }
}

/// A statement turned into the server's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reordered {
    pub text: String,
    /// One line for the user: what was sent, and why.
    pub note: String,
}

/// `statement` in the server's order when it is a `DESCRIBE [EXTENDED] name [EXTENDED]` in
/// the other one; `None` when it needs no change (or is anything else). Spacing, case and
/// comments are kept: the name and EXTENDED swap places.
pub fn fit_to_server(statement: &str, caps: &ServerCapabilities) -> Option<Reordered> {
    let tokens = lex_sql(statement);
    let code: Vec<&Token> = significant(&tokens).collect();
    let code = match code.split_last() {
        Some((last, rest)) if last.is_sym(";") => rest,
        _ => &code[..],
    };
    let [describe, first, second] = code else { return None };
    if !describe.is_word("DESCRIBE") {
        return None;
    }
    let name = match (first.is_word("EXTENDED"), second.is_word("EXTENDED")) {
        (true, false) if caps.describe_extended_after_name => second,
        (false, true) if !caps.describe_extended_after_name => first,
        _ => return None,
    };
    if !is_source_name(name) {
        return None;
    }
    // Swap the two tokens' text; what lies between them (spaces, comments) stays.
    let text = format!(
        "{}{}{}{}{}",
        &statement[..first.bytes.start],
        &statement[second.bytes.clone()],
        &statement[first.bytes.end..second.bytes.start],
        &statement[first.bytes.clone()],
        &statement[second.bytes.end..]
    );
    let server = caps.version.describe();
    let sent = text.trim().trim_end_matches(';').split_whitespace().collect::<Vec<_>>().join(" ");
    let note = if caps.describe_extended_after_name {
        format!("Sent as {sent}: this server ({server}) takes EXTENDED after the name, as ksqlDB does since 0.16.")
    } else {
        format!("Sent as {sent}: this server ({server}) takes EXTENDED before the name, as ksqlDB did before 0.16.")
    };
    Some(Reordered { text, note })
}

/// A stream or table name; not a keyword of another DESCRIBE form.
fn is_source_name(token: &Token) -> bool {
    match token.kind {
        TokenKind::Quoted | TokenKind::Var => true,
        TokenKind::Word => {
            !["STREAMS", "TABLES", "FUNCTION", "CONNECTOR", "EXTENDED"].iter().any(|keyword| token.is_word(keyword))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksqldb_client::version::ServerVersion;

    fn caps(version: &str) -> ServerCapabilities {
        ServerCapabilities::for_version(ServerVersion::parse(version))
    }

    #[test]
    fn each_generation_gets_its_own_order() {
        assert_eq!(describe_extended("`a b`", &caps("0.29.0")), "DESCRIBE `a b` EXTENDED;");
        assert_eq!(describe_extended("RIDERS", &caps("0.15.0")), "DESCRIBE EXTENDED RIDERS;");
        assert_eq!(describe_extended("RIDERS", &caps("6.1.0")), "DESCRIBE EXTENDED RIDERS;");
        assert_eq!(describe_extended("RIDERS", &caps("6.2.0")), "DESCRIBE RIDERS EXTENDED;");
    }

    #[test]
    fn the_other_order_is_turned_around_keeping_case_spacing_and_comments() {
        let new = caps("0.29.0");
        let old = caps("0.7.1");
        let fit = |s: &str, c: &ServerCapabilities| fit_to_server(s, c).map(|r| r.text);
        assert_eq!(fit("describe extended riders;", &new).as_deref(), Some("describe riders extended;"));
        assert_eq!(fit("DESCRIBE  Riders\n EXTENDED", &old).as_deref(), Some("DESCRIBE  EXTENDED\n Riders"));
        assert_eq!(
            fit("DESCRIBE /* x */ EXTENDED `my src`;", &new).as_deref(),
            Some("DESCRIBE /* x */ `my src` EXTENDED;")
        );
        assert_eq!(fit("DESCRIBE EXTENDED ${src};", &new).as_deref(), Some("DESCRIBE ${src} EXTENDED;"));
        let note = fit_to_server("DESCRIBE EXTENDED riders;", &new).map(|r| r.note).unwrap_or_default();
        assert!(note.starts_with("Sent as DESCRIBE riders EXTENDED: ") && note.contains("0.29.0"), "{note}");
    }

    #[test]
    fn what_the_server_takes_or_other_statements_are_left_alone() {
        let new = caps("0.29.0");
        let old = caps("0.15.0");
        for (statement, c) in [
            ("DESCRIBE riders EXTENDED;", &new),
            ("DESCRIBE EXTENDED riders;", &old),
            ("DESCRIBE riders;", &new),
            ("DESCRIBE STREAMS EXTENDED;", &old),
            ("DESCRIBE EXTENDED STREAMS;", &new),
            ("DESCRIBE FUNCTION EXTENDED;", &old),
            ("DESCRIBE EXTENDED a b;", &new),
            ("SELECT extended FROM riders;", &new),
            ("EXPLAIN EXTENDED riders;", &new),
            ("DESCRIBE 'riders' EXTENDED;", &old),
        ] {
            assert_eq!(fit_to_server(statement, c), None, "{statement}");
        }
    }
}
