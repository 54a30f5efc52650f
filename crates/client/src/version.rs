//! Server identity (`GET /info`), version mapping (CP → ksqlDB level, reference §10) and the
//! capabilities the client derives from it.

use serde_json::Value;

use crate::error::KsqlError;

/// The body of `GET /info`: `{"KsqlServerInfo":{...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerInfo {
    pub version: String,
    pub kafka_cluster_id: Option<String>,
    pub ksql_service_id: Option<String>,
    /// 0.12 / CP 6.1+: RUNNING, ERROR or DEGRADED.
    pub server_status: Option<String>,
}

impl ServerInfo {
    pub fn from_json(v: &Value) -> Result<ServerInfo, KsqlError> {
        // Some proxies and old servers could drop the wrapper; accept the bare object too.
        let inner = v.get("KsqlServerInfo").unwrap_or(v);
        let text = |k: &str| inner.get(k).and_then(|s| s.as_str()).map(str::to_string);
        match text("version") {
            Some(version) => Ok(ServerInfo {
                version,
                kafka_cluster_id: text("kafkaClusterId"),
                ksql_service_id: text("ksqlServiceId"),
                server_status: text("serverStatus"),
            }),
            None => Err(KsqlError::protocol(
                "GET /info did not return a KsqlServerInfo object; is this a ksqlDB server?",
                v.to_string().as_bytes(),
            )),
        }
    }

    pub fn server_version(&self) -> ServerVersion {
        ServerVersion::parse(&self.version)
    }
}

/// A server version, with its ksqlDB feature level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    /// As reported, e.g. `7.5.0-ccs`, `0.29.0-rc1`.
    pub raw: String,
    /// Numeric part, if any could be read.
    pub numbers: Option<(u32, u32, u32)>,
    /// True when the number is a Confluent Platform version (major ≥ 4).
    pub confluent_platform: bool,
    /// The ksqlDB level as (0, minor), e.g. (0, 29); `None` when unknown.
    /// Pre-ksqlDB KSQL (CP < 5.4) is reported as (0, 5).
    pub ksql_level: Option<(u32, u32)>,
}

impl ServerVersion {
    pub fn parse(raw: &str) -> ServerVersion {
        let numbers = leading_numbers(raw);
        let (confluent_platform, ksql_level) = match numbers {
            None => (false, None),
            Some((major, minor, _)) if major >= 4 => (true, Some(cp_to_ksql(major, minor))),
            // ksqlDB 0.x; a future standalone 1.x+ is at least as capable as the last 0.x.
            Some((0, minor, _)) => (false, Some((0, minor))),
            Some((major, minor, _)) => (false, Some((major, minor))),
        };
        ServerVersion { raw: raw.to_string(), numbers, confluent_platform, ksql_level }
    }

    /// The unknown version: before `/info` was read, or when it could not be parsed.
    pub fn unknown() -> ServerVersion {
        ServerVersion { raw: String::new(), numbers: None, confluent_platform: false, ksql_level: None }
    }

    /// True when the ksqlDB level is known and at least `0.minor`.
    pub fn at_least(&self, minor: u32) -> bool {
        match self.ksql_level {
            Some((0, m)) => m >= minor,
            Some(_) => true,
            None => false,
        }
    }

    /// True for a Confluent Platform version at least `major.minor`.
    fn cp_at_least(&self, major: u32, minor: u32) -> bool {
        match (self.confluent_platform, self.numbers) {
            (true, Some((ma, mi, _))) => (ma, mi) >= (major, minor),
            _ => false,
        }
    }

    /// e.g. `ksqlDB 0.29` or `CP 7.5 (ksqlDB 0.29)`, for status lines.
    pub fn describe(&self) -> String {
        match (self.confluent_platform, self.ksql_level) {
            (_, None) => format!("unknown version {:?}", self.raw),
            (true, Some((a, b))) => format!("CP {} (ksqlDB level {a}.{b})", self.raw),
            (false, Some(_)) => format!("ksqlDB {}", self.raw),
        }
    }
}

/// Reads `x.y.z` (missing parts are 0) from the start of a version string, after an optional `v`.
fn leading_numbers(raw: &str) -> Option<(u32, u32, u32)> {
    let s = raw.trim();
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let numeric: &str = &s[..s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len())];
    let mut parts = numeric.split('.').filter(|p| !p.is_empty()).map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// CP release → ksqlDB level (reference §10).
fn cp_to_ksql(major: u32, minor: u32) -> (u32, u32) {
    match (major, minor) {
        (m, _) if m < 5 => (0, 5),
        (5, mi) if mi < 4 => (0, 5),
        (5, 4) => (0, 6),
        (5, _) => (0, 7),
        (6, 0) => (0, 10),
        (6, 1) => (0, 14),
        (6, _) => (0, 17),
        (7, 0) => (0, 21),
        (7, 1) => (0, 23),
        (7, 2) => (0, 26),
        (7, 3) | (7, 4) => (0, 28),
        _ => (0, 29),
    }
}

/// Where and how SELECT and PRINT are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryEndpointPolicy {
    /// `POST /query` over HTTP/1.1, `Accept: application/vnd.ksql.v1+json`; works on every version.
    QueryHttp1,
    /// `POST /query-stream` over HTTP/2, delimited: gives a closeable query id (0.10 to 0.14).
    QueryStreamHttp2Delimited,
    /// `POST /query-stream` over HTTP/1.1 with `Accept: application/vnd.ksql.v1+json` (0.24+, CP 7.1+).
    QueryStreamHttp1Json,
}

/// What the connected server supports, derived from its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCapabilities {
    pub version: ServerVersion,
    pub query_endpoint: QueryEndpointPolicy,
    /// `sessionVariables` in requests (0.18+).
    pub session_variables: bool,
    /// `/close-query` for `/query-stream` ids (0.10+).
    pub close_query: bool,
    /// `/close-query` also for the ids of `/query` headers (0.24+).
    pub close_query_on_query: bool,
    /// Table push queries send tombstone rows (0.15+).
    pub tombstones: bool,
    /// Pull queries on streams enabled by default (0.23+).
    pub pull_on_streams: bool,
    /// PRINT over `/query-stream` (0.29+, CP 7.4+).
    pub print_on_query_stream: bool,
    /// DEFINE / UNDEFINE / SHOW VARIABLES syntax (0.14+).
    pub variables_syntax: bool,
    /// `DESCRIBE name EXTENDED`: ksqlDB 0.16 (CP 6.2) moved EXTENDED after the name, and each
    /// side takes only its own order (confluentinc/ksql#6827, SqlBase.g4 `#showColumns`).
    /// An unknown version is taken as a current one.
    pub describe_extended_after_name: bool,
}

impl ServerCapabilities {
    /// What to assume before `/info` has been read: only what works everywhere.
    pub fn unknown() -> ServerCapabilities {
        ServerCapabilities::for_version(ServerVersion::unknown())
    }

    pub fn for_version(version: ServerVersion) -> ServerCapabilities {
        let v = &version;
        let query_stream_http1 = v.at_least(24) || v.cp_at_least(7, 1);
        let query_endpoint = if v.ksql_level.is_none() || !v.at_least(10) {
            QueryEndpointPolicy::QueryHttp1
        } else if query_stream_http1 {
            QueryEndpointPolicy::QueryStreamHttp1Json
        } else if !v.at_least(15) {
            QueryEndpointPolicy::QueryStreamHttp2Delimited
        } else {
            // 0.15 to 0.23: /query gives tombstones and the transient id over plain HTTP/1.1.
            QueryEndpointPolicy::QueryHttp1
        };
        ServerCapabilities {
            query_endpoint,
            session_variables: v.at_least(18),
            close_query: v.at_least(10),
            close_query_on_query: v.at_least(24) || v.cp_at_least(7, 2),
            tombstones: v.at_least(15),
            pull_on_streams: v.at_least(23),
            print_on_query_stream: v.at_least(29) || v.cp_at_least(7, 4),
            variables_syntax: v.at_least(14),
            describe_extended_after_name: v.ksql_level.is_none() || v.at_least(16),
            version,
        }
    }

    /// One line for the user: the endpoint and HTTP version used for queries, and why.
    pub fn describe(&self) -> String {
        let endpoint = match self.query_endpoint {
            QueryEndpointPolicy::QueryHttp1 => "/query over HTTP/1.1",
            QueryEndpointPolicy::QueryStreamHttp2Delimited => {
                "/query-stream over HTTP/2 (this server has it only on HTTP/2)"
            }
            QueryEndpointPolicy::QueryStreamHttp1Json => "/query-stream over HTTP/1.1",
        };
        let mut extras = Vec::new();
        if self.session_variables {
            extras.push("server-side variables");
        } else if self.is_known() {
            extras.push("variables substituted by the kernel");
        }
        if self.is_known() && !self.tombstones {
            extras.push("no tombstones (server before 0.15)");
        }
        if extras.is_empty() {
            endpoint.to_string()
        } else {
            format!("{endpoint}; {}", extras.join(", "))
        }
    }

    /// True once a version is known.
    pub fn is_known(&self) -> bool {
        self.version.ksql_level.is_some()
    }
}

impl Default for ServerCapabilities {
    fn default() -> Self {
        ServerCapabilities::unknown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(s: &str) -> Option<(u32, u32)> {
        ServerVersion::parse(s).ksql_level
    }

    #[test]
    fn maps_versions() {
        assert_eq!(level("0.10.1"), Some((0, 10)));
        assert_eq!(level("0.29.0-rc1"), Some((0, 29)));
        assert_eq!(level("v0.6.0"), Some((0, 6)));
        assert_eq!(level("5.4.1"), Some((0, 6)));
        assert_eq!(level("5.5.1"), Some((0, 7)));
        assert_eq!(level("5.3.0"), Some((0, 5)));
        assert_eq!(level("4.1.0"), Some((0, 5)));
        assert_eq!(level("6.0.0"), Some((0, 10)));
        assert_eq!(level("6.1.2"), Some((0, 14)));
        assert_eq!(level("6.2.0"), Some((0, 17)));
        assert_eq!(level("7.0.1"), Some((0, 21)));
        assert_eq!(level("7.1.0"), Some((0, 23)));
        assert_eq!(level("7.2.2"), Some((0, 26)));
        assert_eq!(level("7.3.0"), Some((0, 28)));
        assert_eq!(level("7.4.0"), Some((0, 28)));
        assert_eq!(level("7.5.0-ccs"), Some((0, 29)));
        assert_eq!(level("8.0.0"), Some((0, 29)));
        assert_eq!(level("7.9.0-1234-ce"), Some((0, 29)));
        assert_eq!(level(""), None);
        assert_eq!(level("unknown"), None);
        assert!(ServerVersion::parse("7.5.0").confluent_platform);
    }

    #[test]
    fn query_endpoint_policy() {
        let policy = |s: &str| ServerCapabilities::for_version(ServerVersion::parse(s)).query_endpoint;
        use QueryEndpointPolicy::*;
        assert_eq!(ServerCapabilities::unknown().query_endpoint, QueryHttp1);
        assert_eq!(policy("0.6.0"), QueryHttp1);
        assert_eq!(policy("5.5.0"), QueryHttp1);
        assert_eq!(policy("0.10.1"), QueryStreamHttp2Delimited);
        assert_eq!(policy("6.1.0"), QueryStreamHttp2Delimited);
        assert_eq!(policy("0.15.0"), QueryHttp1);
        assert_eq!(policy("7.0.0"), QueryHttp1);
        assert_eq!(policy("0.23.1"), QueryHttp1);
        assert_eq!(policy("7.1.0"), QueryStreamHttp1Json);
        assert_eq!(policy("0.24.0"), QueryStreamHttp1Json);
        assert_eq!(policy("7.5.0"), QueryStreamHttp1Json);
    }

    #[test]
    fn flags() {
        let caps = |s: &str| ServerCapabilities::for_version(ServerVersion::parse(s));
        assert!(!caps("0.17.0").session_variables);
        assert!(caps("0.18.0").session_variables);
        assert!(caps("7.0.0").session_variables);
        assert!(!caps("6.2.0").session_variables);
        assert!(caps("0.15.0").tombstones && !caps("0.14.0").tombstones);
        assert!(caps("0.14.0").variables_syntax && !caps("0.13.0").variables_syntax);
        assert!(caps("0.23.1").pull_on_streams && !caps("0.22.0").pull_on_streams);
        assert!(caps("0.29.0").print_on_query_stream && caps("7.4.0").print_on_query_stream);
        assert!(!caps("7.3.0").print_on_query_stream);
        assert!(caps("0.10.0").close_query && !caps("0.10.0").close_query_on_query);
        assert!(caps("7.2.0").close_query_on_query && !caps("7.1.0").close_query_on_query);
        assert!(caps("0.16.0").describe_extended_after_name && caps("6.2.0").describe_extended_after_name);
        assert!(!caps("0.15.0").describe_extended_after_name && !caps("6.1.9").describe_extended_after_name);
        assert!(!caps("0.7.1").describe_extended_after_name && !caps("5.5.1").describe_extended_after_name);
        let unknown = ServerCapabilities::unknown();
        assert!(!unknown.session_variables && !unknown.close_query && !unknown.is_known());
        assert!(unknown.describe_extended_after_name);
    }

    #[test]
    fn server_info() {
        let v: Value = serde_json::from_str(concat!(
            r#"{"KsqlServerInfo":{"version":"0.10.1","kafkaClusterId":"DkvN9zaxSjO5NxYIkhjKCQ","#,
            r#""ksqlServiceId":"default_"}}"#,
        ))
        .unwrap();
        let info = ServerInfo::from_json(&v).unwrap();
        assert_eq!(info.version, "0.10.1");
        assert_eq!(info.ksql_service_id.as_deref(), Some("default_"));
        assert_eq!(info.server_status, None);
        let v: Value = serde_json::from_str(concat!(
            r#"{"KsqlServerInfo":{"version":"7.5.0","kafkaClusterId":"x","ksqlServiceId":"pksqlc-1","#,
            r#""serverStatus":"RUNNING"}}"#,
        ))
        .unwrap();
        assert_eq!(ServerInfo::from_json(&v).unwrap().server_status.as_deref(), Some("RUNNING"));
        assert!(ServerInfo::from_json(&serde_json::json!({"hello": 1})).is_err());
    }
}
