//! The connection file Jupyter writes before starting a kernel (ports, key, transport).

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::Path;

/// Parsed leniently: unknown keys are ignored (jupyter_client may add some).
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionInfo {
    #[serde(default = "default_transport")]
    pub transport: String,
    #[serde(default = "default_ip")]
    pub ip: String,
    pub shell_port: u16,
    pub iopub_port: u16,
    pub stdin_port: u16,
    pub control_port: u16,
    pub hb_port: u16,
    #[serde(default)]
    pub key: String,
    #[serde(default = "default_scheme")]
    pub signature_scheme: String,
    #[serde(default)]
    pub kernel_name: Option<String>,
}

fn default_transport() -> String {
    "tcp".into()
}
fn default_ip() -> String {
    "127.0.0.1".into()
}
fn default_scheme() -> String {
    "hmac-sha256".into()
}

impl ConnectionInfo {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read connection file {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("invalid connection file {}", path.display()))
    }

    /// The ZeroMQ endpoint for a port, as jupyter_client builds it:
    /// `tcp://ip:port`, or `ipc://ip-port` where `ip` is a path prefix.
    pub fn endpoint(&self, port: u16) -> String {
        if self.transport == "tcp" {
            format!("tcp://{}:{}", self.ip, port)
        } else {
            format!("{}://{}-{}", self.transport, self.ip, port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_jupyter_client_file_with_extra_keys() {
        let info: ConnectionInfo = serde_json::from_str(
            r#"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
                "ip": "127.0.0.1", "key": "abc", "transport": "tcp",
                "signature_scheme": "hmac-sha256", "kernel_name": "ksqldb", "jupyter_session": "x"}"#,
        )
        .unwrap();
        assert_eq!(info.endpoint(info.shell_port), "tcp://127.0.0.1:1");
        assert_eq!(info.key, "abc");
    }

    #[test]
    fn ipc_endpoints_use_dash() {
        let info: ConnectionInfo = serde_json::from_str(
            r#"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
                "ip": "/tmp/kernel-abc", "transport": "ipc"}"#,
        )
        .unwrap();
        assert_eq!(info.endpoint(2), "ipc:///tmp/kernel-abc-2");
        assert_eq!(info.key, "");
    }
}
