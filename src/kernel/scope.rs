//! A connection to a server and what one statement needs from the session (copied, so no
//! lock is held while it runs).

use super::settings::ConnectionTarget;
use ksqldb_client::{KsqlClient, ServerInfo};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A live connection to a server.
#[derive(Clone)]
pub struct Connection {
    pub client: Arc<KsqlClient>,
    pub target: ConnectionTarget,
    pub info: Option<ServerInfo>,
}

/// What one statement needs from the session, copied so that no lock is held while it runs.
#[derive(Clone)]
pub struct StatementScope {
    pub connection: Connection,
    pub properties: BTreeMap<String, String>,
    pub variables: BTreeMap<String, String>,
    pub row_cap: usize,
}
