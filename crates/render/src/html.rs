//! HTML escaping and the few shared inline styles.
//!
//! Every value and name that reaches an HTML output goes through [`escape`]: server data is
//! untrusted (a STRING column can hold `<script>`), and outputs are saved into notebooks that
//! other people open.

/// Escapes `&`, `<`, `>`, `"` and `'` so the result is safe both as element text and inside a
/// quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    escape_into(&mut out, s);
    out
}

/// Like [`escape`], appending to `out` (saves an allocation per cell in big tables).
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// A block's bold title line (escaped), as titled result blocks start.
pub(crate) fn push_title(out: &mut String, title: &str) {
    out.push_str("<div style=\"font-weight:bold;margin-bottom:4px\">");
    escape_into(out, title);
    out.push_str("</div>");
}

/// Muted text that still follows the theme's foreground colour (light and dark themes,
/// GitHub's notebook view): opacity instead of a fixed grey.
pub const DIM_STYLE: &str = "opacity:0.6";

/// The visible NULL marker: italic and dim, so it never looks like the string `'null'`.
pub const NULL_HTML: &str = "<span style=\"font-style:italic;opacity:0.55\">NULL</span>";

/// A `<span>` with an optional (escaped) title and style around already-escaped HTML.
pub(crate) fn span(inner_html: &str, title: Option<&str>, style: Option<&str>) -> String {
    let mut out = String::with_capacity(inner_html.len() + 32);
    out.push_str("<span");
    if let Some(t) = title {
        out.push_str(" title=\"");
        escape_into(&mut out, t);
        out.push('"');
    }
    if let Some(s) = style {
        out.push_str(" style=\"");
        escape_into(&mut out, s);
        out.push('"');
    }
    out.push('>');
    out.push_str(inner_html);
    out.push_str("</span>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five_characters() {
        assert_eq!(escape(r#"&<>"'"#), "&amp;&lt;&gt;&quot;&#39;");
        assert_eq!(escape("plain text é"), "plain text é");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn script_tag_is_inert() {
        let e = escape("<script>alert(1)</script>");
        assert!(!e.contains('<') && !e.contains('>'));
        assert_eq!(e, "&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    #[test]
    fn attribute_breakout_is_inert() {
        let hostile = r#""><img src=x onerror="alert(1)">"#;
        let e = escape(hostile);
        assert!(!e.contains('"') && !e.contains('<') && !e.contains('>'));
        let single = escape("' onmouseover='alert(1)");
        assert!(!single.contains('\''));
    }

    #[test]
    fn already_escaped_text_is_escaped_again() {
        // Values are data, never markup: "&lt;" typed by a user must show as "&lt;".
        assert_eq!(escape("&lt;"), "&amp;lt;");
    }

    #[test]
    fn span_escapes_title_and_style() {
        let s = span("x", Some("\"><script>"), Some("color:red\""));
        assert_eq!(s, "<span title=\"&quot;&gt;&lt;script&gt;\" style=\"color:red&quot;\">x</span>");
    }
}
