//! The interpreter: a cell becomes magics and ksqlDB statements, run in order against a
//! ksqlDB server. The only layer that knows both Jupyter ([`jupyter_kernel`]) and ksqlDB
//! ([`ksqldb_client`], [`ksqldb_render`]).

pub mod catalog;
pub mod check;
pub mod cleanup;
pub mod completion;
pub mod connect;
pub mod context;
pub mod describe_order;
mod editor;
pub mod execute;
pub mod expect;
pub mod export;
pub mod export_files;
pub mod files;
pub mod inspect;
pub mod lineage;
pub mod live;
pub mod magic_list;
pub mod magics;
mod memory;
pub mod notebook_file;
pub mod query;
pub mod request;
pub mod save;
pub mod scope;
pub mod session;
pub mod settings;
pub mod splitter;
pub mod statement;
pub mod status_line;

#[cfg(test)]
mod scanner_props;

use futures_util::FutureExt;
use jupyter_kernel::{
    CompleteReply, ExecuteContext, ExecuteOutcome, ExecuteRequest, InspectReply, IsComplete, KernelInfo, LanguageKernel,
};
use serde_json::json;
use session::SessionState;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The ksqlDB kernel. Cheap to clone: the session state is shared.
#[derive(Clone)]
pub struct KsqlKernel {
    state: Arc<Mutex<SessionState>>,
    /// The push queries this kernel runs, foreground and background.
    pub(crate) live: live::registry::LiveQueries,
    /// The embedded sandbox, started on first use when no server is configured.
    pub(crate) sandbox: Arc<tokio::sync::Mutex<Option<ksqldb_sandbox::SandboxHandle>>>,
    /// The server's catalog, for completion and inspection.
    pub(crate) catalog: catalog::CatalogCache,
}

impl Default for KsqlKernel {
    fn default() -> Self {
        Self::new()
    }
}

impl KsqlKernel {
    /// Reads the config file (if any); connects lazily, on the first statement.
    pub fn new() -> Self {
        let (config, config_error) = match settings::load_config() {
            Ok(config) => (config, None),
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        Self {
            state: Arc::new(Mutex::new(SessionState::new(config, config_error))),
            live: live::registry::LiveQueries::default(),
            sandbox: Arc::new(tokio::sync::Mutex::new(None)),
            catalog: catalog::CatalogCache::default(),
        }
    }

    /// The session state. Held only for short, non-async sections.
    pub(crate) fn state(&self) -> MutexGuard<'_, SessionState> {
        // A panic while holding the lock would poison it; the state is still usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A test-only way to make a request's handler panic: the cell text `%__panic` when the
/// environment has KSQLDB_KERNEL_TEST_PANIC=1 (tests check that a panic answers that request
/// with an InternalError and the kernel keeps serving).
fn panic_if_test_trigger(code: &str) {
    if code.trim() == "%__panic" && std::env::var("KSQLDB_KERNEL_TEST_PANIC").is_ok_and(|v| v == "1") {
        panic!("test-only panic trigger");
    }
}

impl LanguageKernel for KsqlKernel {
    fn kernel_info(&self) -> KernelInfo {
        KernelInfo {
            implementation: "ksqldb-kernel".into(),
            implementation_version: VERSION.into(),
            language_info: json!({
                "name": "ksql",
                "version": "ksqlDB",
                "mimetype": "text/x-sql",
                "file_extension": ".sql",
                "pygments_lexer": "sql",
                "codemirror_mode": "sql",
                "nbconvert_exporter": "script",
            }),
            banner: format!(
                "ksqlDB kernel {VERSION}: cells are ksqlDB statements; %help lists the magics, %connect picks a server."
            ),
            help_links: vec![
                ("ksqlDB documentation".into(), "https://docs.ksqldb.io/".into()),
                (
                    "ksqlDB SQL reference".into(),
                    "https://docs.ksqldb.io/en/latest/developer-guide/ksqldb-reference/".into(),
                ),
                (
                    "ksqlDB functions".into(),
                    "https://docs.ksqldb.io/en/latest/developer-guide/ksqldb-reference/functions/".into(),
                ),
                ("ksqlDB REST API".into(), "https://docs.ksqldb.io/en/latest/developer-guide/api/".into()),
            ],
        }
    }

    async fn execute(&self, request: ExecuteRequest, ctx: ExecuteContext) -> ExecuteOutcome {
        panic_if_test_trigger(&request.code);
        // Re-running a cell replaces the push query its previous run left in the background.
        if let Some(cell_id) = ctx.cell_id() {
            self.live.stop_cell(cell_id).await;
        }
        self.live.set_current(Some(ctx.clone()));
        // A panic still gets the cleanup below; the protocol side then answers InternalError.
        let outcome = AssertUnwindSafe(execute::run_cell(self, &request, &ctx)).catch_unwind().await;
        // Background views show their latest frame to this cell before it goes idle.
        self.live.flush_background().await;
        self.live.set_current(None);
        {
            let mut state = self.state();
            state.cell_push_options = Default::default();
            state.cell_chart = None;
            state.cell_expect = None;
        }
        memory::release_free_memory();
        outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    async fn interrupt(&self, execution_running: bool) {
        // The stop button with no cell running stops the background push queries.
        if !execution_running {
            self.live.stop_background().await;
        }
    }

    async fn complete(&self, code: String, cursor_pos: usize) -> CompleteReply {
        panic_if_test_trigger(&code);
        let completion = editor::complete(self, &code, cursor_pos).await;
        CompleteReply {
            metadata: completion::jupyter_types_metadata(&completion),
            matches: completion.matches,
            cursor_start: completion.cursor_start,
            cursor_end: completion.cursor_end,
        }
    }

    async fn inspect(&self, code: String, cursor_pos: usize, detail_level: u8) -> InspectReply {
        let client = editor::catalog_client(self);
        match inspect::inspect(&self.catalog, client, &code, cursor_pos, detail_level).await {
            Some(found) => {
                let mut data = serde_json::Map::new();
                data.insert("text/plain".into(), found.plain.into());
                data.insert("text/html".into(), found.html.into());
                InspectReply { found: true, data, metadata: serde_json::Map::new() }
            }
            None => InspectReply::default(),
        }
    }

    fn is_complete(&self, code: &str) -> IsComplete {
        match context::completeness(code) {
            Ok(()) => IsComplete::Complete,
            Err(indent) => IsComplete::Incomplete { indent },
        }
    }

    fn shape_output(&self, data: &mut serde_json::Map<String, serde_json::Value>) {
        let budget = self.state().output_budget;
        ksqldb_render::budget::fit_output(data, budget);
    }

    fn history_input(&self, code: &str) -> String {
        settings::mask_secrets(code)
    }

    fn history_file(&self) -> Option<std::path::PathBuf> {
        editor::history_file()
    }

    async fn shutdown(&self, _restart: bool) {
        // No push query outlives its kernel: close them all on the server.
        self.live.stop_all(std::time::Duration::from_millis(1500)).await;
    }
}
