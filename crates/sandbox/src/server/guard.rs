//! Who may talk to the sandbox. It has no authentication, so it must not be drivable by a
//! web page the user happens to visit:
//! - a browser page can send a "simple" cross-site POST without a CORS preflight only with
//!   `text/plain`, form or multipart bodies, so bodies must be JSON / `application/vnd.ksql*`;
//! - a browser always sends `Origin` on a POST, so requests with an `Origin` are refused
//!   unless that origin was allowed (`--allow-origin`);
//! - DNS rebinding makes a page's own host name resolve to 127.0.0.1, so on a loopback
//!   listener the `Host` must be a loopback name.
//!
//! Each check returns the reason to put in a ksqlDB-style JSON error (403 or 415).

use std::net::IpAddr;

use hyper::header::{HeaderMap, CONTENT_TYPE, HOST, ORIGIN};
use hyper::Uri;

/// The request checks the server applies before routing.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Only loopback `Host` names are accepted (the server listens on loopback only).
    pub loopback_only: bool,
    /// Browser origins allowed to call the API, e.g. `http://localhost:8888`.
    pub allowed_origins: Vec<String>,
}

/// Why a request was refused: HTTP status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Guard {
    /// Host and Origin checks, for every request.
    pub fn check_caller(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), Refusal> {
        if self.loopback_only {
            // HTTP/2 carries the host in `:authority` (the URI); HTTP/1.1 in `Host`. A Host
            // header that is not text is refused, not skipped.
            let host = match headers.get(HOST) {
                Some(h) => {
                    Some(h.to_str().map_err(|_| forbidden("a Host header that is not text is not allowed".into()))?)
                }
                None => uri.authority().map(|a| a.as_str()),
            };
            if let Some(host) = host {
                if !is_loopback_host(host) {
                    return Err(forbidden(format!(
                        "Host '{host}' is not allowed: the sandbox listens on loopback and accepts only \
                         localhost, 127.x.x.x or [::1] (this blocks DNS-rebinding attacks from web pages)"
                    )));
                }
            }
        }
        if let Some(origin) = headers.get(ORIGIN) {
            let origin = origin.to_str().unwrap_or("(not text)");
            if !self.allowed_origins.iter().any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
                return Err(forbidden(format!(
                    "Origin '{origin}' is not allowed: the sandbox has no authentication, so browser requests \
                     are refused unless started with --allow-origin {origin}"
                )));
            }
        }
        Ok(())
    }

    /// Content-Type check, for requests with a body (POST). A missing Content-Type is
    /// accepted: non-browser tools sometimes send none, and a browser's POST always carries
    /// an `Origin`, which [`Guard::check_caller`] refuses.
    pub fn check_content_type(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let Some(ct) = headers.get(CONTENT_TYPE) else { return Ok(()) };
        let ct = ct.to_str().unwrap_or("");
        if is_json_content_type(ct) {
            return Ok(());
        }
        Err(Refusal {
            status: 415,
            message: format!("Unsupported Content-Type '{ct}': send application/json or application/vnd.ksql.v1+json"),
        })
    }
}

fn forbidden(message: String) -> Refusal {
    Refusal { status: 403, message }
}

/// `application/json`, `application/vnd.ksql.v1+json`, `application/vnd.ksqlapi.delimited.v1`,
/// Schema Registry's `application/vnd.schemaregistry.v1+json`, with any parameters
/// (`; charset=utf-8`).
pub fn is_json_content_type(ct: &str) -> bool {
    let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media == "application/json"
        || media.starts_with("application/vnd.ksql")
        || media.starts_with("application/vnd.schemaregistry")
}

/// `localhost`, `127.x.x.x` or `[::1]`, each with or without a port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [::1]:8088
        match rest.split_once(']') {
            Some((ip, port)) if port.is_empty() || port.starts_with(':') => ip,
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            Some(_) => return false,
            None => host,
        }
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn loopback_host_names() {
        for ok in ["localhost", "localhost:8088", "127.0.0.1", "127.0.0.1:1", "127.8.9.10:80", "[::1]", "[::1]:8088"] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in
            ["evil.com", "evil.com:8088", "localhost.evil.com", "10.0.0.1:8088", "[::2]:80", "127.0.0.1:x", "[::1]x"]
        {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn host_checked_only_on_loopback_listeners() {
        let uri: Uri = "/ksql".parse().unwrap();
        let g = Guard { loopback_only: true, allowed_origins: vec![] };
        assert!(g.check_caller(&headers(&[("host", "127.0.0.1:8088")]), &uri).is_ok());
        let r = g.check_caller(&headers(&[("host", "attacker.example:8088")]), &uri).unwrap_err();
        assert_eq!(r.status, 403);
        assert!(r.message.contains("attacker.example"), "{r:?}");
        let remote = Guard { loopback_only: false, allowed_origins: vec![] };
        assert!(remote.check_caller(&headers(&[("host", "sandbox.lan:8088")]), &uri).is_ok());
        // A Host that is not text is refused, not skipped.
        let mut binary = HeaderMap::new();
        binary.insert(HOST, HeaderValue::from_bytes(b"evil\xff.example").unwrap());
        assert_eq!(g.check_caller(&binary, &uri).unwrap_err().status, 403);
    }

    #[test]
    fn origins_refused_unless_allowed() {
        let uri: Uri = "/ksql".parse().unwrap();
        let g = Guard { loopback_only: true, allowed_origins: vec!["http://localhost:8888/".into()] };
        let h = |o: &str| headers(&[("host", "localhost:8088"), ("origin", o)]);
        assert!(g.check_caller(&h("http://localhost:8888"), &uri).is_ok());
        let r = g.check_caller(&h("https://attacker.example"), &uri).unwrap_err();
        assert_eq!(r.status, 403);
        assert!(r.message.contains("--allow-origin"), "{r:?}");
        assert_eq!(g.check_caller(&h("null"), &uri).unwrap_err().status, 403);
    }

    #[test]
    fn only_json_bodies() {
        let g = Guard::default();
        for ok in
            ["application/json", "application/json; charset=utf-8", "application/vnd.ksql.v1+json", "Application/JSON"]
        {
            assert!(g.check_content_type(&headers(&[("content-type", ok)])).is_ok(), "{ok}");
        }
        assert!(g.check_content_type(&headers(&[("content-type", "application/vnd.ksqlapi.delimited.v1")])).is_ok());
        assert!(g.check_content_type(&HeaderMap::new()).is_ok());
        for bad in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json"] {
            let r = g.check_content_type(&headers(&[("content-type", bad)])).unwrap_err();
            assert_eq!(r.status, 415, "{bad}");
            assert!(r.message.contains(bad), "{r:?}");
        }
    }
}
