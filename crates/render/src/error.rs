//! Error outputs: what goes into a Jupyter `error` reply / IOPub message (ename, evalue,
//! traceback). JupyterLab renders ANSI colours in traceback lines; we keep them subtle (a red
//! title, a dim statement) and never include Rust backtraces.

use super::html::escape_into;
use super::MimeBundle;
use serde_json::Value;

const RED_BOLD: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// An error for the notebook: `ename`/`evalue` as Jupyter shows them, and traceback lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    pub ename: String,
    pub evalue: String,
    pub traceback: Vec<String>,
}

/// The short meaning of a ksqlDB `error_code` (`Errors.java`), when known.
pub fn error_code_meaning(code: i64) -> Option<&'static str> {
    Some(match code {
        40000 => "bad request",
        40001 => "bad statement",
        40002 => "query endpoint required",
        40003 => "too many push queries",
        40004 => "HTTP/2 only",
        40005 => "internal endpoint",
        40100 => "unauthorized",
        40300 => "forbidden",
        40301 => "Kafka access denied",
        40400 => "not found",
        41700 => "assertion failed",
        42100 => "misdirected request",
        42801 => "Schema Registry not configured",
        42900 => "too many requests",
        50000 => "server error",
        50301 => "timed out waiting for prior commands",
        50302 => "server not ready",
        50303 => "server shutting down",
        50304 => "server shut down",
        _ => return None,
    })
}

/// Server text is untrusted: drop escape and other control characters so it cannot inject
/// its own ANSI sequences (keep line breaks and tabs).
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}

fn first_line(s: &str) -> String {
    s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string()
}

/// `http://user:secret@host:8088/path?token=x` → `http://host:8088/path`: no secret may reach
/// an output.
pub fn redact_url(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or("");
    match url.find("://") {
        Some(i) => {
            let (scheme, rest) = url.split_at(i + 3);
            let host_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(host_end);
            let host = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
            format!("{scheme}{host}{path}")
        }
        None => url.rsplit_once('@').map(|(_, h)| h.to_string()).unwrap_or_else(|| url.to_string()),
    }
}

impl ErrorReport {
    /// A mistake in the cell itself (bad magic, bad client-side statement).
    pub fn usage(ename: &str, message: &str) -> Self {
        Self::new(ename, message, None)
    }

    /// The user interrupted the execution; Jupyter front ends know this name.
    pub fn interrupted(message: &str) -> Self {
        Self::new("KeyboardInterrupt", message, None)
    }

    /// Adds a dim line saying where the error happened (which statement of the cell).
    pub fn with_context(mut self, context: String) -> Self {
        self.traceback.push(format!("{DIM}{}{RESET}", clean(&context)));
        self
    }

    /// Adds the statement that failed, when the report does not show it yet.
    pub fn with_statement(mut self, statement: &str) -> Self {
        let statement = clean(statement.trim());
        if !self.traceback.iter().any(|l| l.contains(&statement)) {
            for line in statement.lines() {
                self.traceback.push(format!("{DIM}    {line}{RESET}"));
            }
        }
        self
    }

    /// A generic report: red title line, the message, an optional hint.
    pub fn new(ename: impl Into<String>, message: &str, hint: Option<&str>) -> Self {
        let ename = clean(&ename.into());
        let message = clean(message);
        let evalue = first_line(&message);
        let mut tb = vec![format!("{RED_BOLD}{ename}{RESET}: {evalue}")];
        push_rest_of_message(&mut tb, &message);
        push_hint(&mut tb, hint);
        Self { ename, evalue, traceback: tb }
    }

    /// A ksqlDB error response: ename `KsqlError 40001`, evalue the message's first line,
    /// traceback with the full message, the failing statement (indented, dim) and a hint.
    pub fn ksql(error_code: Option<i64>, message: &str, statement: Option<&str>, hint: Option<&str>) -> Self {
        let ename = match error_code {
            Some(c) => format!("KsqlError {c}"),
            None => "KsqlError".to_string(),
        };
        let message = clean(message);
        let evalue = first_line(&message);
        let meaning = error_code.and_then(error_code_meaning).map(|m| format!(" ({m})")).unwrap_or_default();
        let mut tb = vec![format!("{RED_BOLD}{ename}{meaning}{RESET}: {evalue}")];
        push_rest_of_message(&mut tb, &message);
        if let Some(st) = statement.map(clean).filter(|s| !s.trim().is_empty()) {
            tb.push(String::new());
            tb.push(format!("{DIM}Statement:{RESET}"));
            for line in st.trim_end().lines() {
                tb.push(format!("{DIM}    {line}{RESET}"));
            }
        }
        push_hint(&mut tb, hint);
        Self { ename, evalue, traceback: tb }
    }

    /// The server could not be reached (or answered something that is not ksqlDB).
    pub fn connection(url: &str, detail: &str, hint: Option<&str>) -> Self {
        let url = clean(&redact_url(url));
        let detail = clean(detail);
        let d = first_line(&detail);
        let evalue = if d.is_empty() {
            format!("cannot reach ksqlDB at {url}")
        } else {
            format!("cannot reach ksqlDB at {url}: {d}")
        };
        let mut tb = vec![format!("{RED_BOLD}ConnectionError{RESET}: {evalue}")];
        push_rest_of_message(&mut tb, &detail);
        push_hint(&mut tb, hint);
        Self { ename: "ConnectionError".into(), evalue, traceback: tb }
    }

    /// The traceback without ANSI codes, for logs and text/plain.
    pub fn plain_text(&self) -> String {
        self.traceback.iter().map(|l| strip_ansi(l)).collect::<Vec<_>>().join("\n")
    }

    /// The error as a display bundle (e.g. an error inside a live push-query view, which must
    /// not end the cell): a red-bordered block in HTML, the plain traceback in text.
    pub fn to_bundle(&self) -> MimeBundle {
        let text = self.plain_text();
        let mut html = String::from(
            "<div style=\"border-left:3px solid rgb(218,54,51);background:rgba(218,54,51,0.08);padding:4px 10px;\
             margin:2px 0;white-space:pre-wrap;color:inherit;font-family:var(--jp-code-font-family,monospace)\">",
        );
        escape_into(&mut html, &text);
        html.push_str("</div>");
        MimeBundle::plain(text).with("text/html", Value::String(html))
    }
}

fn push_rest_of_message(tb: &mut Vec<String>, message: &str) {
    // The first non-empty line is already in the title.
    let mut lines = message.lines().skip_while(|l| l.trim().is_empty());
    lines.next();
    let rest: Vec<&str> = lines.collect();
    let end = rest.iter().rposition(|l| !l.trim().is_empty()).map(|i| i + 1).unwrap_or(0);
    tb.extend(rest[..end].iter().map(|l| l.to_string()));
}

fn push_hint(tb: &mut Vec<String>, hint: Option<&str>) {
    if let Some(h) = hint.map(clean).filter(|h| !h.trim().is_empty()) {
        tb.push(String::new());
        let mut lines = h.trim_end().lines();
        tb.push(format!("{CYAN}Hint:{RESET} {}", lines.next().unwrap_or("")));
        tb.extend(lines.map(|l| format!("      {l}")));
    }
}

/// Removes `ESC [ … letter` sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ksql_error_has_code_first_line_statement_and_hint() {
        let e = ErrorReport::ksql(
            Some(40001),
            "line 1:1: Syntax Error\nUnknown statement 'SLECTT'\nDid you mean 'SELECT'?",
            Some("SLECTT * FROM x;"),
            Some("Check the spelling."),
        );
        assert_eq!(e.ename, "KsqlError 40001");
        assert_eq!(e.evalue, "line 1:1: Syntax Error");
        assert_eq!(
            e.plain_text(),
            "KsqlError 40001 (bad statement): line 1:1: Syntax Error\nUnknown statement 'SLECTT'\n\
             Did you mean 'SELECT'?\n\nStatement:\n    SLECTT * FROM x;\n\nHint: Check the spelling."
        );
        assert!(e.traceback[0].starts_with(RED_BOLD));
        assert!(e.traceback.iter().any(|l| l.starts_with(DIM) && l.contains("SLECTT *")));
    }

    #[test]
    fn ksql_error_without_code_or_extras() {
        let e = ErrorReport::ksql(None, "boom", None, None);
        assert_eq!(e.ename, "KsqlError");
        assert_eq!(e.evalue, "boom");
        assert_eq!(e.traceback.len(), 1);
        let empty = ErrorReport::ksql(Some(1), "", Some("  "), Some(""));
        assert_eq!(empty.evalue, "");
        assert_eq!(empty.traceback.len(), 1);
    }

    #[test]
    fn server_text_cannot_inject_ansi() {
        let e = ErrorReport::ksql(Some(40000), "bad \x1b[8mhidden\x1b[0m", Some("x\x1b[2J"), None);
        assert!(!e.evalue.contains('\x1b'));
        assert!(e.traceback.iter().all(|l| !l.contains("\x1b[8m") && !l.contains("\x1b[2J")));
    }

    #[test]
    fn connection_error_redacts_secrets() {
        let e = ErrorReport::connection(
            "https://key:secret@pksqlc.example:443/?token=abc",
            "connection refused (os error 111)",
            Some("Is the server running?"),
        );
        assert_eq!(e.ename, "ConnectionError");
        assert_eq!(e.evalue, "cannot reach ksqlDB at https://pksqlc.example:443/: connection refused (os error 111)");
        let all = e.traceback.join("\n");
        assert!(!all.contains("secret") && !all.contains("abc"));
        assert_eq!(redact_url("localhost:8088"), "localhost:8088");
        assert_eq!(redact_url("u:p@localhost:8088"), "localhost:8088");
        assert_eq!(redact_url("http://h:1/a@b"), "http://h:1/a@b");
    }

    #[test]
    fn bundle_is_escaped_and_ansi_free() {
        let e = ErrorReport::new("QueryError", "<script>alert(1)</script>", None);
        let b = e.to_bundle();
        assert!(!b.text_html().unwrap().contains("<script>"));
        assert!(!b.text_plain().unwrap().contains('\x1b'));
        assert_eq!(strip_ansi("\x1b[1;31mX\x1b[0m"), "X");
    }
}
