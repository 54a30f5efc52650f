//! Errors of the ksqlDB client, typed so the kernel can branch on them and explain them.
//!
//! Messages never contain credentials: URLs are stored without user info, and auth headers
//! are never echoed.

use std::time::Duration;

use ksql_wire::entity::Entity;

/// Longest server body kept in an error, so a stray HTML page cannot flood a notebook.
pub(crate) const SNIPPET_LIMIT: usize = 2048;

/// Everything that can go wrong talking to ksqlDB.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KsqlError {
    /// The server answered with a ksqlDB error body (`generic_error` / `statement_error`),
    /// either as an HTTP error or in the middle of a stream (then `http_status` is 200).
    #[error("{}", server_display(error_code, message))]
    Server {
        http_status: u16,
        error_code: Option<i64>,
        message: String,
        statement_text: Option<String>,
        /// Entities produced before a failing statement (statement_error only).
        entities: Vec<Entity>,
        /// Java stack frames sent by servers up to 0.9 (CP ≤ 5.5).
        stack_trace: Vec<String>,
    },
    /// The TCP/TLS connection could not be made (refused, DNS, TLS handshake).
    #[error("cannot connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    /// No answer in time.
    #[error("timed out after {} s {what} ({url})", after.as_secs_f64())]
    Timeout { url: String, after: Duration, what: String },
    /// HTTP 401: credentials missing or wrong.
    #[error("unauthorized: {message}")]
    Unauthorized { message: String },
    /// HTTP 403: authenticated, but not allowed.
    #[error("forbidden: {message}")]
    Forbidden { error_code: Option<i64>, message: String },
    /// The server sent something this client cannot read (cut stream, malformed JSON, ...).
    #[error("{message}")]
    Protocol {
        message: String,
        /// What arrived, trimmed to about 2 KB.
        received: String,
    },
    /// The server is too old (or configured) for a feature.
    #[error("{feature} is not supported by this server: {detail}")]
    Unsupported { feature: String, detail: String },
    /// An HTTP error status without a ksqlDB error body (404 HTML page, 405, 406, proxy page).
    #[error("HTTP {status}{}", if body_snippet.is_empty() { String::new() } else { format!(": {body_snippet}") })]
    Http { status: u16, body_snippet: String },
    /// The connection settings cannot be used (unreadable certificate file, bad URL).
    #[error("invalid connection settings: {message}")]
    InvalidSettings { message: String },
}

fn server_display(code: &Option<i64>, message: &String) -> String {
    match code {
        Some(c) => format!("{message} (error {c})"),
        None => message.to_string(),
    }
}

impl KsqlError {
    /// Builds the error for a non-success HTTP answer from its status and body.
    /// Accepts JSON error bodies, non-JSON pages and empty bodies.
    pub fn from_response(http_status: u16, body: &[u8]) -> KsqlError {
        let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let json = json.filter(|v| v.get("message").is_some() || v.get("error_code").is_some());
        match (http_status, json) {
            (401, json) => KsqlError::Unauthorized {
                message: json
                    .as_ref()
                    .and_then(|v| v.get("message"))
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
                    // Jetty-era servers may answer 401 with no JSON at all.
                    .unwrap_or_else(|| {
                        "Could not authenticate successfully with the supplied credentials.".to_string()
                    }),
            },
            (403, Some(v)) => KsqlError::Forbidden {
                error_code: v.get("error_code").and_then(|c| c.as_i64()),
                message: v.get("message").and_then(|m| m.as_str()).unwrap_or("Forbidden").to_string(),
            },
            (403, None) => KsqlError::Forbidden { error_code: None, message: non_empty_or(snippet(body), "Forbidden") },
            (status, Some(v)) => KsqlError::from_error_json(status, &v),
            (status, None) => KsqlError::Http { status, body_snippet: snippet(body) },
        }
    }

    /// Builds a [`KsqlError::Server`] from a ksqlDB error object (also used for mid-stream errors).
    pub fn from_error_json(http_status: u16, v: &serde_json::Value) -> KsqlError {
        let message = match v.get("message") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) if !other.is_null() => other.to_string(),
            _ => trim_snippet(&v.to_string()),
        };
        let strings = |key: &str| -> Vec<String> {
            v.get(key)
                .and_then(|a| a.as_array())
                .map(|a| a.iter().map(|s| s.as_str().map(str::to_string).unwrap_or_else(|| s.to_string())).collect())
                .unwrap_or_default()
        };
        KsqlError::Server {
            http_status,
            error_code: v.get("error_code").and_then(|c| c.as_i64()),
            message,
            statement_text: v.get("statementText").and_then(|s| s.as_str()).map(str::to_string),
            entities: v
                .get("entities")
                .and_then(|e| e.as_array())
                .map(|a| a.iter().cloned().map(Entity::from_json).collect())
                .unwrap_or_default(),
            stack_trace: strings("stackTrace"),
        }
    }

    /// A protocol error showing (a trimmed copy of) what arrived.
    pub fn protocol(message: impl Into<String>, received: &[u8]) -> KsqlError {
        KsqlError::Protocol { message: message.into(), received: snippet(received) }
    }

    /// The ksqlDB error code (`error_code`), when the server sent one.
    pub fn error_code(&self) -> Option<i64> {
        match self {
            KsqlError::Server { error_code, .. } => *error_code,
            KsqlError::Forbidden { error_code, .. } => *error_code,
            KsqlError::Unauthorized { .. } => Some(40100),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            KsqlError::Server { http_status, .. } => Some(*http_status),
            KsqlError::Http { status, .. } => Some(*status),
            KsqlError::Unauthorized { .. } => Some(401),
            KsqlError::Forbidden { .. } => Some(403),
            _ => None,
        }
    }

    /// The first line of the message: what the CLI shows as the short error.
    pub fn short_message(&self) -> String {
        let full = self.to_string();
        full.lines().next().unwrap_or("").to_string()
    }

    /// Advice for the user, for the errors people commonly hit.
    pub fn hint(&self) -> Option<String> {
        match self {
            // Said for whatever endpoint answered: a /query-stream 404 is handled by falling back
            // to /query (with its own note), so this one reaches the user only for other paths.
            KsqlError::Server { error_code: Some(40400), message, .. } if message.contains("HTTP 404") => Some(
                "The server does not know this endpoint: is the URL that of a ksqlDB server, \
                 and is its version recent enough for this statement?"
                    .into(),
            ),
            KsqlError::Server { error_code: Some(40004), .. } => Some(
                "This server (ksqlDB 0.10 to 0.23, CP 6.0 to 7.0) serves /query-stream only over HTTP/2; \
                 queries go over HTTP/2 or through /query instead."
                    .into(),
            ),
            KsqlError::Server { error_code: Some(40002), .. } => {
                Some("SELECT and PRINT must be run on their own; they are sent to /query, not /ksql.".into())
            }
            KsqlError::Server { error_code: Some(40003), .. } => {
                Some("The server limits concurrent push queries; stop a running push query and try again.".into())
            }
            KsqlError::Server { error_code: Some(42801), .. } => Some(
                "This statement needs Schema Registry, but the server has no ksql.schema.registry.url configured."
                    .into(),
            ),
            KsqlError::Server { error_code: Some(42900), .. } => {
                Some("The server is rate-limiting requests; wait a moment and retry.".into())
            }
            KsqlError::Server { error_code: Some(50301), .. } => Some(
                "The server timed out waiting for earlier commands to finish executing; the statement was not run. \
                 Retry in a moment."
                    .into(),
            ),
            KsqlError::Server { error_code: Some(50302), .. } => {
                Some("The ksqlDB server is still starting up; retry in about 10 seconds.".into())
            }
            KsqlError::Server { error_code: Some(50300 | 50303 | 50304), .. } => {
                Some("The ksqlDB server is shutting down or shut down.".into())
            }
            KsqlError::Server { error_code: Some(40301), .. } => Some(
                "Kafka denied the ksqlDB server access (ACLs); ask an administrator to grant the topic permissions."
                    .into(),
            ),
            KsqlError::Connect { url, detail } => {
                let lower = detail.to_ascii_lowercase();
                if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
                    Some(format!(
                        "The TLS handshake with {url} failed; check the CA file (or use https vs http correctly)."
                    ))
                } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("lookup") {
                    Some(format!("The host name in {url} could not be resolved; check the URL."))
                } else {
                    Some(format!("Is ksqlDB running at {url}?"))
                }
            }
            KsqlError::Unauthorized { .. } => Some(
                "The server rejected the credentials. Check the API key and secret (or user and password); \
                 for Confluent Cloud use a ksqlDB-cluster API key. New Confluent Cloud keys can take a few \
                 minutes to become active."
                    .into(),
            ),
            KsqlError::Forbidden { .. } => {
                Some("The credentials are valid, but this user is not allowed to do that.".into())
            }
            KsqlError::Timeout { .. } => {
                Some("The server did not answer in time; is it overloaded or unreachable?".into())
            }
            KsqlError::Http { status: 404, .. } => Some(
                "The server does not know this endpoint; is the URL that of a ksqlDB server (and its version \
                 recent enough)?"
                    .into(),
            ),
            KsqlError::Http { status: 300..=399, .. } => Some(
                "The server redirected the request to another address. The kernel follows redirects only to the \
                 same scheme, host and port, so that your credentials never go elsewhere: if you trust the new \
                 address, %connect to it directly."
                    .into(),
            ),
            KsqlError::Http { status: 405, .. } => {
                Some("The server refused the HTTP method or protocol version for this endpoint.".into())
            }
            KsqlError::Http { status: 406, .. } => {
                Some("The server cannot produce the requested response format for this endpoint.".into())
            }
            _ => None,
        }
    }
}

fn non_empty_or(s: String, default: &str) -> String {
    if s.is_empty() {
        default.to_string()
    } else {
        s
    }
}

/// A trimmed, printable copy of a server body.
pub(crate) fn snippet(body: &[u8]) -> String {
    trim_snippet(String::from_utf8_lossy(body).trim())
}

/// Keeps the head and tail of a long text, cut on character boundaries.
pub(crate) fn trim_snippet(s: &str) -> String {
    if s.len() <= SNIPPET_LIMIT {
        return s.to_string();
    }
    let half = SNIPPET_LIMIT / 2;
    let mut head_end = half;
    while !s.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let mut tail_start = s.len() - half;
    while !s.is_char_boundary(tail_start) {
        tail_start += 1;
    }
    format!("{} [... {} bytes omitted ...] {}", &s[..head_end], tail_start - head_end, &s[tail_start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_error_body() {
        let body = concat!(
            r#"{"@type":"statement_error","error_code":40001,"message":"line 1:1: Syntax Error\nUnknown statement","#,
            r#""statementText":"noi;","entities":[]}"#,
        )
        .as_bytes();
        let e = KsqlError::from_response(400, body);
        assert_eq!(e.error_code(), Some(40001));
        assert_eq!(e.http_status(), Some(400));
        assert_eq!(e.short_message(), "line 1:1: Syntax Error");
        match e {
            KsqlError::Server { statement_text, .. } => assert_eq!(statement_text.as_deref(), Some("noi;")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn old_server_stack_trace_and_jetty_404() {
        let body = concat!(
            r#"{"@type":"generic_error","error_code":40400,"message":"HTTP 404 Not Found","#,
            r#""stackTrace":["a.b(C.java:1)","d"]}"#,
        )
        .as_bytes();
        let e = KsqlError::from_response(404, body);
        match &e {
            KsqlError::Server { stack_trace, .. } => assert_eq!(stack_trace.len(), 2),
            other => panic!("{other:?}"),
        }
        let hint = e.hint().unwrap();
        assert!(hint.contains("does not know this endpoint") && !hint.contains("/query"), "{hint}");
    }

    #[test]
    fn non_json_bodies() {
        let e = KsqlError::from_response(404, b"<html><body><h1>Resource not found</h1></body></html>");
        assert!(
            matches!(&e, KsqlError::Http { status: 404, body_snippet } if body_snippet.contains("Resource not found"))
        );
        let e = KsqlError::from_response(404, b"Not Found");
        assert_eq!(e.to_string(), "HTTP 404: Not Found");
        let e = KsqlError::from_response(502, b"");
        assert_eq!(e.to_string(), "HTTP 502");
        let big = vec![b'x'; 100_000];
        match KsqlError::from_response(500, &big) {
            KsqlError::Http { body_snippet, .. } => assert!(body_snippet.len() < 2200),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn auth_errors() {
        let e =
            KsqlError::from_response(401, br#"{"@type":"generic_error","error_code":40100,"message":"Unauthorized"}"#);
        assert!(matches!(&e, KsqlError::Unauthorized { message } if message == "Unauthorized"));
        assert!(e.hint().unwrap().contains("few minutes"));
        let e = KsqlError::from_response(401, b"<html>401</html>");
        assert!(matches!(e, KsqlError::Unauthorized { .. }));
        let e = KsqlError::from_response(403, br#"{"@type":"generic_error","error_code":40300,"message":"Forbidden"}"#);
        assert_eq!(e.error_code(), Some(40300));
    }

    #[test]
    fn hints() {
        let e = KsqlError::from_response(503, br#"{"@type":"generic_error","error_code":50301,"message":"Timed out"}"#);
        assert!(e.hint().unwrap().contains("earlier commands"));
        let e = KsqlError::from_response(
            400,
            concat!(
                r#"{"@type":"generic_error","error_code":40004,"#,
                r#""message":"This endpoint is only available when using HTTP2"}"#,
            )
            .as_bytes(),
        );
        assert!(e.hint().unwrap().contains("HTTP/2"));
        let e = KsqlError::Connect { url: "http://localhost:8088".into(), detail: "Connection refused".into() };
        assert_eq!(e.hint().unwrap(), "Is ksqlDB running at http://localhost:8088?");
    }

    #[test]
    fn trims_on_char_boundaries() {
        let s = "é".repeat(3000);
        let t = trim_snippet(&s);
        assert!(t.len() < 2200);
    }
}
