//! Glue between the kernel's session and editor help: which client the catalog uses, what
//! completion draws from the session, and where the input history is kept.

use super::catalog::CatalogClient;
use super::completion::{self, Completion, Sources};
use super::context::{self, Want};
use super::{connect, magic_list, KsqlKernel};
use ksqldb_client::KsqlClient;
use ksqldb_render::messages::{render_status, Kind};
use ksqldb_render::MimeBundle;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest a completion waits for the catalog (a first load, a refresh after a
/// statement changed it, the DESCRIBE of a source named in the statement). Below the
/// 200 ms a user notices.
const COMPLETION_BUDGET: Duration = Duration::from_millis(150);

/// The client for the catalog: the session's connection; before the first statement, one
/// for the server the first statement would connect to.
pub fn catalog_client(kernel: &KsqlKernel) -> Option<CatalogClient> {
    {
        let state = kernel.state();
        if let Some(c) = &state.connection {
            return Some(CatalogClient {
                key: format!("connection:{:p}", Arc::as_ptr(&c.client)),
                client: c.client.clone(),
            });
        }
        // After a failed %connect, no server's names: not the previous one's, not the default's.
        if state.failed_connect.is_some() {
            return None;
        }
    }
    // Nothing configured: the sandbox starts with the first statement; no catalog until then.
    let target = connect::default_target_for(kernel).ok()??;
    let key = format!("default:{}", target.url);
    let client = match kernel.catalog.client_for(&key) {
        Some(client) => client,
        None => Arc::new(KsqlClient::new(target.to_settings()).ok()?),
    };
    Some(CatalogClient { key, client })
}

/// Completion with the catalog and the session.
pub async fn complete(kernel: &KsqlKernel, code: &str, cursor: usize) -> Completion {
    let deadline = Instant::now() + COMPLETION_BUDGET;
    let client = catalog_client(kernel);
    let connected = client.is_some();
    let (variables, local_properties, profiles) = {
        let state = kernel.state();
        let profiles = state.config.as_ref().map(|c| c.profiles.keys().cloned().collect()).unwrap_or_default();
        (state.variables.keys().cloned().collect(), state.properties.keys().cloned().collect(), profiles)
    };
    let mut view = kernel.catalog.view(client, COMPLETION_BUDGET).await;
    let ctx = context::analyze(code, cursor);
    let wants_columns = ctx.wants.iter().any(|w| matches!(w, Want::Columns | Want::ColumnsOf(_) | Want::Fields { .. }));
    if connected && wants_columns {
        let missing: Vec<String> =
            ctx.sources.iter().filter(|s| view.detail(&s.name).is_none()).map(|s| s.name.clone()).collect();
        if !missing.is_empty() {
            view = kernel.catalog.ensure_details(&missing, deadline.saturating_duration_since(Instant::now())).await;
        }
    }
    let sources = Sources {
        catalog: view,
        variables,
        local_properties,
        magics: magic_list::MAGICS.iter().map(|(name, args, _)| (*name, *args)).collect(),
        profiles,
    };
    completion::complete(code, cursor, &sources)
}

/// Where executed cells are kept across restarts: `$KSQLDB_KERNEL_HISTORY` (empty or `off`
/// keeps none), else `ksqldb-kernel/history.jsonl` in the user's Jupyter data directory.
pub fn history_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KSQLDB_KERNEL_HISTORY") {
        if path.is_empty() || path == "off" || path == "none" {
            return None;
        }
        return Some(PathBuf::from(path));
    }
    crate::paths::kernel_data_dir().ok().map(|d| d.join("history.jsonl"))
}

/// `%refresh`: forgets the cached catalog and reads it again (waiting for it, briefly).
pub async fn refresh(kernel: &KsqlKernel) -> MimeBundle {
    kernel.catalog.reset();
    let Some(client) = catalog_client(kernel) else {
        return render_status("No server to read the catalog from: %connect first.", Kind::Warning);
    };
    let _ = kernel.catalog.view(Some(client), Duration::from_secs(10)).await;
    render_status(&format!("Catalog: {}.", kernel.catalog.status()), Kind::Success)
}
