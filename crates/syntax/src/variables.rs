//! `${name}` substitution as ksqlDB does it: in code and inside string literals and quoted
//! identifiers, never inside comments; inside those, `$${name}` is the escape, written as
//! `${name}` (in code ksqlDB's lexer refuses a `$`). The kernel substitutes for servers without session
//! variables (before 0.18); the sandbox substitutes as a server does.

use super::lexer::{lex_sql, TokenKind};

/// The text with every `${name}` that `lookup` knows replaced by its value, and the names it
/// did not know (left as written, in order of appearance).
pub fn substitute(src: &str, lookup: impl Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    let mut unknown = Vec::new();
    if !src.contains("${") {
        return (src.to_string(), unknown);
    }
    let mut out = String::with_capacity(src.len());
    for token in lex_sql(src) {
        let raw = &src[token.bytes.clone()];
        match token.kind {
            TokenKind::Var if token.closed => match lookup(&token.text) {
                Some(value) => out.push_str(&value),
                None => {
                    unknown.push(token.text.clone());
                    out.push_str(raw);
                }
            },
            TokenKind::Str | TokenKind::Quoted => out.push_str(&substitute_inside(raw, &lookup, &mut unknown)),
            _ => out.push_str(raw),
        }
    }
    (out, unknown)
}

/// Substitution inside one literal's text, quotes included.
fn substitute_inside(raw: &str, lookup: &impl Fn(&str) -> Option<String>, unknown: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        if rest[..start].ends_with('$') {
            // `$${name}`: the escape, written as `${name}`.
            out.push_str(&rest[..start - 1]);
            out.push_str("${");
            rest = after;
            continue;
        }
        out.push_str(&rest[..start]);
        let name_len = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
        let name = &after[..name_len];
        if after[name_len..].starts_with('}') {
            match lookup(name) {
                Some(value) => out.push_str(&value),
                None => {
                    unknown.push(name.to_string());
                    out.push_str(&rest[start..start + 3 + name_len]);
                }
            }
            rest = &after[name_len + 1..];
        } else {
            out.push_str("${");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        name.eq_ignore_ascii_case("topic").then(|| "orders".to_string())
    }

    #[test]
    fn in_code_strings_and_identifiers_not_in_comments() {
        let (text, unknown) =
            substitute("CREATE STREAM `s_${topic}` WITH (kafka_topic='${TOPIC}', p=${topic}) -- ${topic}", lookup);
        assert_eq!(text, "CREATE STREAM `s_orders` WITH (kafka_topic='orders', p=orders) -- ${topic}");
        assert!(unknown.is_empty());
    }

    #[test]
    fn unknown_and_unclosed_names_stay_as_written() {
        let (text, unknown) = substitute("x='${other}', ${nope} ${topic ${unclosed", lookup);
        assert_eq!(text, "x='${other}', ${nope} ${topic ${unclosed");
        assert_eq!(unknown, ["other", "nope"]);
    }

    #[test]
    fn a_doubled_dollar_escapes_the_reference() {
        let (text, unknown) = substitute("SELECT '$${topic} ${topic}' AS `$${topic}`, ${topic};", lookup);
        assert_eq!(text, "SELECT '${topic} orders' AS `${topic}`, orders;");
        assert!(unknown.is_empty());
    }

    #[test]
    fn non_ascii_text_around_variables() {
        let (text, _) = substitute("SELECT 'ünï ${topic} 😀' AS `名${topic}`;", lookup);
        assert_eq!(text, "SELECT 'ünï orders 😀' AS `名orders`;");
    }
}
