//! `${name}` substitution, done client-side for servers without `sessionVariables` (before
//! 0.18), as the ksqlDB CLI does. Names are case-insensitive; unknown names are left as
//! written so the server reports them.

use std::collections::BTreeMap;

pub fn substitute(text: &str, variables: &BTreeMap<String, String>) -> String {
    if variables.is_empty() || !text.contains("${") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = after[..end].trim().to_lowercase();
                match variables.get(&name) {
                    Some(value) => out.push_str(value),
                    None => out.push_str(&rest[start..start + 2 + end + 1]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_known_names_case_insensitively() {
        let vars = BTreeMap::from([("topic".to_string(), "orders".to_string())]);
        assert_eq!(
            substitute("CREATE STREAM s WITH (kafka_topic='${TOPIC}', x='${other}');", &vars),
            "CREATE STREAM s WITH (kafka_topic='orders', x='${other}');"
        );
        assert_eq!(substitute("a ${unclosed", &vars), "a ${unclosed");
    }
}
