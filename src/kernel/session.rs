//! Session state kept by the kernel across cells, like the ksqlDB CLI does over REST:
//! the connection, properties from SET, variables from DEFINE, and display settings.

use super::scope::Connection;
use super::settings::ConfigFile;
use std::collections::BTreeMap;

pub const DEFAULT_ROW_CAP: usize = 1000;

pub struct SessionState {
    pub connection: Option<Connection>,
    /// The last `%connect` failed: no connection until one succeeds (see [`FailedConnect`]).
    pub failed_connect: Option<FailedConnect>,
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
    pub cell_chart: Option<ksqldb_render::chart::ChartSpec>,
    /// What this notebook created, per server URL (for `%cleanup`).
    pub created: super::cleanup::Ledger,
    /// `%expect`: the expected rows of the next query of the running cell.
    pub cell_expect: Option<super::expect::Expectation>,
    /// Why the config file could not be read, shown when it matters.
    pub config_error: Option<String>,
    /// The statements this session ran that `%export` can use, in order (at most
    /// [`EXECUTED_KEPT`] of them and [`EXECUTED_BYTES`] of text; `executed_dropped` counts
    /// those let go, INSERT … VALUES first).
    pub executed: std::collections::VecDeque<super::export::Executed>,
    pub executed_bytes: usize,
    pub executed_dropped: usize,
}

/// A `%connect` that failed. The session then has no connection: its statements fail and
/// name this, rather than going on, unnoticed, with the previous server or the sandbox.
#[derive(Debug, Clone)]
pub struct FailedConnect {
    /// The server asked for, without credentials: a URL, `profile 'NAME'`, or `sandbox`.
    pub target: String,
    /// Why (the first line of the error shown under the `%connect`).
    pub reason: String,
}

/// Statements kept for `%export`, and their text at most.
pub const EXECUTED_KEPT: usize = 20_000;
pub const EXECUTED_BYTES: usize = 16 * 1024 * 1024;

impl SessionState {
    /// Remembers a statement that ran (and whether it succeeded) for `%export`.
    pub fn record_executed(&mut self, text: &str, ok: bool) {
        if !super::export::worth_keeping(text) {
            return;
        }
        self.executed.push_back(super::export::Executed { text: text.to_string(), ok });
        self.executed_bytes += text.len();
        while self.executed.len() > EXECUTED_KEPT || self.executed_bytes > EXECUTED_BYTES {
            // Test data goes first: the CREATEs are what a deployment needs.
            let at = self.executed.iter().position(|e| super::export::is_insert_values_statement(&e.text)).unwrap_or(0);
            if let Some(gone) = self.executed.remove(at) {
                self.executed_bytes -= gone.text.len();
                self.executed_dropped += 1;
            }
        }
    }
}

impl SessionState {
    pub fn new(config: Option<ConfigFile>, config_error: Option<String>) -> Self {
        Self {
            connection: None,
            failed_connect: None,
            properties: BTreeMap::new(),
            variables: BTreeMap::new(),
            row_cap: DEFAULT_ROW_CAP,
            output_budget: ksqldb_render::budget::DEFAULT_OUTPUT_BYTES,
            config,
            config_error,
            cell_push_options: Default::default(),
            cell_chart: None,
            cell_expect: None,
            created: super::cleanup::load(),
            executed: Default::default(),
            executed_bytes: 0,
            executed_dropped: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_record_keeps_deployments_and_drops_inserts_first() {
        let mut state = SessionState::new(None, None);
        state.record_executed("SHOW STREAMS;", true);
        state.record_executed("SELECT * FROM x EMIT CHANGES;", true);
        state.record_executed("CREATE STREAM a (id INT) WITH (kafka_topic='a', value_format='JSON');", true);
        assert_eq!(state.executed.len(), 1, "queries and SHOW are not kept");
        for i in 0..EXECUTED_KEPT {
            state.record_executed(&format!("INSERT INTO a (id) VALUES ({i});"), true);
        }
        assert_eq!(state.executed.len(), EXECUTED_KEPT);
        assert!(state.executed[0].text.starts_with("CREATE STREAM a"), "the CREATE outlives the inserts");
        assert_eq!(state.executed_dropped, 1);
        let big =
            format!("CREATE STREAM b (s VARCHAR) WITH (kafka_topic='{}', value_format='JSON');", "x".repeat(1 << 20));
        for _ in 0..20 {
            state.record_executed(&big, true);
        }
        assert!(state.executed_bytes <= EXECUTED_BYTES);
    }
}
