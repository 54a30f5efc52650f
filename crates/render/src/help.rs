//! Editor help pages (inspection, `%doc`): a function, a keyword, a stream or table, a query,
//! a column, or a server's answer with a link to the reference. Plain text and HTML from the
//! same facts; every value escaped.

use super::html::escape;
use super::MimeBundle;
use ksql_syntax::functions::Function;

/// Documentation of a word, as plain text and as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    pub plain: String,
    pub html: String,
}

fn reference_link(url: &str) -> String {
    format!("<p><a href=\"{}\" target=\"_blank\">ksqlDB reference</a></p>", escape(url))
}

/// A built-in function: signatures, description, and the other functions of its category
/// when `related` names them.
pub fn function_help(f: &Function, related: &[&str], url: &str) -> Help {
    let kind = format!("{} function", f.kind.as_str());
    // ksqlDB spells categories in capitals ("DATE / TIME"); prose reads better in lower case.
    let category = f.category.to_lowercase();
    let signatures: Vec<String> = f.signatures.iter().map(|s| s.render(f.name, "->")).collect();
    let mut plain = format!("{} - {} ({})\n\n", f.name, kind, category);
    for sig in &signatures {
        plain.push_str(&format!("  {sig}\n"));
    }
    plain.push_str(&format!("\n{}\n", f.description));
    let mut html = format!(
        "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>{}</i> ({})</p><pre>{}</pre><p>{}</p>",
        escape(f.name),
        escape(&kind),
        escape(&category),
        signatures.iter().map(|s| escape(s)).collect::<Vec<_>>().join("\n"),
        escape(f.description)
    );
    if !related.is_empty() {
        plain.push_str(&format!("\nOther {} functions: {}\n", category, related.join(", ")));
        html.push_str(&format!("<p>Other {} functions: {}</p>", escape(&category), escape(&related.join(", "))));
    }
    plain.push_str(&format!("\nReference: {url}\n"));
    html.push_str(&reference_link(url));
    html.push_str("</div>");
    Help { plain, html }
}

pub fn keyword_help(phrase: &str, text: &str, url: &str) -> Help {
    Help {
        plain: format!("{phrase} - keyword\n\n{text}\n\nReference: {url}\n"),
        html: format!(
            "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>keyword</i></p><p>{}</p>{}</div>",
            escape(phrase),
            escape(text),
            reference_link(url)
        ),
    }
}

/// A stream or table known from the catalog lists only (no DESCRIBE at hand).
pub fn source_help(name: &str, kind: &str, topic: &str) -> Help {
    Help {
        plain: format!("{name} - {kind}\n\nTopic: {topic}\n"),
        html: format!(
            "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>{}</i></p><p>Topic: {}</p></div>",
            escape(name),
            escape(kind),
            escape(topic)
        ),
    }
}

/// A query of the catalog: id, type, state, SQL and the sinks it writes to.
pub fn query_help(id: &str, query_type: &str, state: Option<&str>, sql: &str, sinks: &[String]) -> Help {
    let mut plain = format!("{id} - {} query", query_type.to_lowercase());
    if let Some(state) = state {
        plain.push_str(&format!(" ({state})"));
    }
    plain.push_str(&format!("\n\n{sql}"));
    if !sinks.is_empty() {
        plain.push_str(&format!("\n\nWrites to: {}", sinks.join(", ")));
    }
    plain.push('\n');
    let html = format!(
        "<div class=\"ksql-help\"><p><b>{}</b> &mdash; <i>query</i>{}</p><pre>{}</pre>{}</div>",
        escape(id),
        state.map(|s| format!(" ({})", escape(s))).unwrap_or_default(),
        escape(sql),
        if sinks.is_empty() { String::new() } else { format!("<p>Writes to: {}</p>", escape(&sinks.join(", "))) }
    );
    Help { plain, html }
}

/// A column (or STRUCT field) with its type and what it is of which source.
pub fn column_help(name: &str, sql_type: &str, role: &str, source_kind: &str, source: &str) -> Help {
    Help {
        plain: format!("{name} {sql_type}\n\n{role} of {source_kind} {source}\n"),
        html: format!(
            "<div class=\"ksql-help\"><p><b>{}</b> <code>{}</code></p><p>{} of {} <b>{}</b></p></div>",
            escape(name),
            escape(sql_type),
            escape(role),
            escape(source_kind),
            escape(source)
        ),
    }
}

/// A rendered server answer (DESCRIBE, DESCRIBE FUNCTION) with a link to the reference.
pub fn with_reference(bundle: &MimeBundle, url: &str) -> Help {
    Help {
        plain: format!("{}\n\nReference: {url}\n", bundle.text_plain().unwrap_or("").trim_end()),
        html: format!("{}{}", bundle.text_html().unwrap_or(""), reference_link(url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped() {
        let q = query_help("<q>", "PUSH", Some("<s>"), "SELECT '<x>' & 1", &["<t>".into()]);
        let c = column_help("<c>", "STRUCT<a INT>", "value column", "<k>", "<src>");
        let s = source_help("<n>", "stream", "<topic>");
        let k = keyword_help("<kw>", "a & b", "https://x/?a=1&b=\"2\"");
        for help in [q, c, s, k] {
            assert!(!help.html.contains("<q>") && !help.html.contains("<x>") && !help.html.contains("<c>"));
            assert!(!help.html.contains("<n>") && !help.html.contains("<kw>") && !help.html.contains("\"2\""));
            assert!(help.html.starts_with("<div class=\"ksql-help\">"), "{}", help.html);
        }
    }

    #[test]
    fn query_help_reads_in_both_forms() {
        let h = query_help("CSAS_X_1", "PERSISTENT", Some("RUNNING"), "CREATE STREAM x AS SELECT 1;", &["X".into()]);
        assert!(h.plain.starts_with("CSAS_X_1 - persistent query (RUNNING)\n\nCREATE STREAM"), "{}", h.plain);
        assert!(h.plain.contains("Writes to: X"));
        assert!(h.html.contains("<pre>CREATE STREAM x AS SELECT 1;</pre>"));
    }
}
