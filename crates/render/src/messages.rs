//! Small bundles: one-line statuses (command results, warnings, info), key/value blocks
//! (DESCRIBE metadata, session info) and pretty JSON for entities we have no renderer for.

use super::html::{escape_into, push_title};
use super::MimeBundle;
use serde_json::Value;

/// The flavour of a status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Success,
    Info,
    Warning,
}

/// Short alias used by callers: `render_status(msg, Kind::Success)`.
pub use StatusKind as Kind;

impl StatusKind {
    /// Mid-tone accents that stay readable on light and dark backgrounds; the text itself
    /// inherits the theme colour, only the left bar and a faint tint carry the hue.
    fn accent(self) -> (&'static str, &'static str) {
        match self {
            StatusKind::Success => ("rgb(46,160,67)", "rgba(46,160,67,0.08)"),
            StatusKind::Info => ("rgb(56,132,244)", "rgba(56,132,244,0.08)"),
            StatusKind::Warning => ("rgb(210,153,34)", "rgba(210,153,34,0.12)"),
        }
    }

    fn icon(self) -> &'static str {
        match self {
            StatusKind::Success => "✔",
            StatusKind::Info => "ℹ",
            StatusKind::Warning => "⚠",
        }
    }
}

/// A short styled status line. Text form follows the CLI: the message, `WARNING: ` prefixed
/// for warnings. Multi-line messages keep their line breaks.
pub fn render_status(message: &str, kind: StatusKind) -> MimeBundle {
    let (bar, tint) = kind.accent();
    let mut html = format!(
        "<div style=\"border-left:3px solid {bar};background:{tint};padding:4px 10px;margin:2px 0;\
         white-space:pre-wrap;color:inherit\"><span style=\"color:{bar};margin-right:6px\">{}</span>",
        kind.icon()
    );
    if kind == StatusKind::Warning {
        html.push_str("<b>Warning:</b> ");
    }
    escape_into(&mut html, message);
    html.push_str("</div>");
    let text = match kind {
        StatusKind::Warning => format!("WARNING: {message}"),
        _ => message.to_string(),
    };
    MimeBundle::plain(text).with("text/html", Value::String(html))
}

/// A titled block of `label: value` lines, like the CLI's DESCRIBE header
/// (`Name                 : TestSource`). Values may span lines (statements).
pub fn render_key_values<L: AsRef<str>, V: AsRef<str>>(title: Option<&str>, items: &[(L, V)]) -> MimeBundle {
    let mut html = String::from("<div style=\"margin:2px 0\">");
    let mut text = String::new();
    if let Some(t) = title {
        push_title(&mut html, t);
        text.push_str(t);
        text.push('\n');
        text.push_str(&"-".repeat(t.chars().count()));
        text.push('\n');
    }
    html.push_str("<table style=\"border-collapse:collapse;margin:0;color:inherit;background:transparent\"><tbody>");
    // Same minimum label width as the CLI (20), wider when a label needs it.
    let width = items.iter().map(|(l, _)| l.as_ref().chars().count()).max().unwrap_or(0).max(20);
    for (label, value) in items {
        let (label, value) = (label.as_ref(), value.as_ref());
        html.push_str(
            "<tr style=\"vertical-align:top;background:transparent\"><th style=\"text-align:left;\
             padding:1px 12px 1px 0;font-weight:normal;opacity:0.7;white-space:nowrap\">",
        );
        escape_into(&mut html, label);
        html.push_str("</th><td style=\"text-align:left;padding:1px 0;white-space:pre-wrap\">");
        escape_into(&mut html, value);
        html.push_str("</td></tr>");
        let pad = width.saturating_sub(label.chars().count());
        // Continuation lines of a multi-line value line up under the first.
        let indent = " ".repeat(width + 3);
        let value = value.replace('\n', &format!("\n{indent}"));
        text.push_str(&format!("{label}{} : {value}\n", " ".repeat(pad)));
    }
    html.push_str("</tbody></table></div>");
    while text.ends_with('\n') {
        text.pop();
    }
    MimeBundle::plain(text).with("text/html", Value::String(html))
}

/// Pretty JSON in a `<pre>` (escaped), for entities without a dedicated renderer. The value
/// also goes out as application/vnd.ksqldb+json, exact (arbitrary precision is kept by serde_json).
pub fn render_json_value(title: Option<&str>, value: &Value) -> MimeBundle {
    // Serializing a Value cannot fail; fall back to the compact form just in case.
    let pretty = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    let mut html = String::from("<div>");
    let mut text = String::new();
    if let Some(t) = title {
        push_title(&mut html, t);
        text.push_str(t);
        text.push('\n');
    }
    html.push_str(
        "<pre style=\"margin:0;padding:6px 8px;background:rgba(128,128,128,0.08);color:inherit;max-height:480px;\
         overflow:auto\">",
    );
    escape_into(&mut html, &pretty);
    html.push_str("</pre></div>");
    text.push_str(&pretty);
    MimeBundle::plain(text).with("text/html", Value::String(html)).with(super::JSON_MIME, value.clone())
}

/// Source code (an exported script) in a `<pre>` (escaped), and as text.
pub fn render_code(code: &str, language: &str) -> MimeBundle {
    let mut html = format!(
        "<pre class=\"language-{language}\" style=\"margin:0;padding:6px 8px;background:rgba(128,128,128,0.08);\
         color:inherit;max-height:640px;overflow:auto\"><code>"
    );
    escape_into(&mut html, code);
    html.push_str("</code></pre>");
    MimeBundle::plain(code.trim_end().to_string()).with("text/html", Value::String(html))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn code_is_escaped() {
        let b = render_code("SELECT '<b>' FROM x;", "sql");
        assert_eq!(b.text_plain(), Some("SELECT '<b>' FROM x;"));
        assert!(b.data["text/html"].as_str().unwrap().contains("&lt;b&gt;"));
    }

    #[test]
    fn status_lines() {
        let ok = render_status("Stream created", Kind::Success);
        assert_eq!(ok.text_plain(), Some("Stream created"));
        assert!(ok.text_html().unwrap().contains("Stream created"));
        let w = render_status("oops", StatusKind::Warning);
        assert_eq!(w.text_plain(), Some("WARNING: oops"));
        let i = render_status("<script>x</script>", StatusKind::Info);
        assert!(!i.text_html().unwrap().contains("<script>"));
        assert_eq!(i.text_plain(), Some("<script>x</script>"));
    }

    #[test]
    fn key_values_align_like_the_cli() {
        let items = vec![
            ("Name".to_string(), "TestSource".to_string()),
            ("Statement".to_string(), "CREATE STREAM s\n  AS SELECT 1;".to_string()),
        ];
        let b = render_key_values(None, &items);
        assert_eq!(
            b.text_plain().unwrap(),
            "Name                 : TestSource\n\
             Statement            : CREATE STREAM s\n                         AS SELECT 1;"
        );
        let t = render_key_values(Some("Session"), &[("a\"<", "<img onerror=x>")]);
        let html = t.text_html().unwrap();
        assert!(!html.contains("<img") && !html.contains("a\"<"));
        assert!(t.text_plain().unwrap().starts_with("Session\n-------\n"));
    }

    #[test]
    fn json_value_is_pretty_exact_and_escaped() {
        let v: Value = serde_json::from_str(r#"{"x":"</pre><script>","n":4.50}"#).unwrap();
        let b = render_json_value(Some("Unknown entity"), &v);
        let html = b.text_html().unwrap();
        assert!(!html.contains("<script>") && html.contains("&lt;/pre&gt;"));
        assert!(b.text_plain().unwrap().contains("\"n\": 4.50"));
        assert_eq!(b.data["application/vnd.ksqldb+json"], v);
        let _ = render_json_value(None, &json!(null));
    }
}
