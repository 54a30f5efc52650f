//! Session state kept by the kernel across cells, like the ksqlDB CLI does over REST:
//! the connection, properties from SET, variables from DEFINE, and display settings.

use super::settings::{ConfigFile, ConnectionTarget};
use crate::ksql::{KsqlClient, ServerInfo};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const DEFAULT_ROW_CAP: usize = 1000;

/// A live connection to a server.
#[derive(Clone)]
pub struct Connection {
    pub client: Arc<KsqlClient>,
    pub target: ConnectionTarget,
    pub info: Option<ServerInfo>,
}

pub struct SessionState {
    pub connection: Option<Connection>,
    /// Properties from SET, sent with every request.
    pub properties: BTreeMap<String, String>,
    /// Variables from DEFINE, keyed by lower-cased name.
    pub variables: BTreeMap<String, String>,
    /// Most rows shown for a query result.
    pub row_cap: usize,
    /// Most bytes of one output (`%output`).
    pub output_budget: usize,
    pub config: Option<ConfigFile>,
    /// `%push` options for the rest of the running cell.
    pub cell_push_options: super::live::options::PushOptions,
    /// `%chart` for the query results of the rest of the running cell.
    pub cell_chart: Option<crate::render::chart::ChartSpec>,
    /// What this notebook created, per server URL (for `%cleanup`).
    pub created: super::cleanup::Ledger,
    /// `%expect`: the expected rows of the next query of the running cell.
    pub cell_expect: Option<super::expect::Expectation>,
    /// Why the config file could not be read, shown when it matters.
    pub config_error: Option<String>,
    /// The statements this session ran, in order, for `%export` (the newest
    /// [`EXECUTED_KEPT`]; `executed_dropped` counts the older ones let go).
    pub executed: std::collections::VecDeque<super::export::Executed>,
    pub executed_dropped: usize,
}

/// Statements kept for `%export`.
pub const EXECUTED_KEPT: usize = 10_000;

impl SessionState {
    /// Remembers a statement that ran (and whether it succeeded) for `%export`.
    pub fn record_executed(&mut self, text: &str, ok: bool) {
        if self.executed.len() == EXECUTED_KEPT {
            self.executed.pop_front();
            self.executed_dropped += 1;
        }
        self.executed.push_back(super::export::Executed { text: text.to_string(), ok });
    }
}

impl SessionState {
    pub fn new(config: Option<ConfigFile>, config_error: Option<String>) -> Self {
        Self {
            connection: None,
            properties: BTreeMap::new(),
            variables: BTreeMap::new(),
            row_cap: DEFAULT_ROW_CAP,
            output_budget: crate::render::budget::DEFAULT_OUTPUT_BYTES,
            config,
            config_error,
            cell_push_options: Default::default(),
            cell_chart: None,
            cell_expect: None,
            created: super::cleanup::load(),
            executed: Default::default(),
            executed_dropped: 0,
        }
    }
}

/// What one statement needs from the session, copied so that no lock is held while it runs.
#[derive(Clone)]
pub struct StatementScope {
    pub connection: Connection,
    pub properties: BTreeMap<String, String>,
    pub variables: BTreeMap<String, String>,
    pub row_cap: usize,
}
