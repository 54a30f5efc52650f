//! Connecting: resolving the target, the connectivity test (server version, cluster id,
//! status, health) and the connection banner.

use super::request::report_ksql_error;
use super::scope::{Connection, StatementScope};
use super::session::FailedConnect;
use super::settings::{self, ConnectionTarget, Credentials, Secret};
use super::status_line::StatusLine;
use super::KsqlKernel;
use jupyter_kernel::ExecuteContext;
use ksqldb_client::{KsqlClient, KsqlError};
use ksqldb_render::error::ErrorReport;
use ksqldb_render::messages::{render_key_values, render_status, Kind};
use ksqldb_render::MimeBundle;
use std::sync::Arc;
use std::time::Duration;

/// The connection and session values for one statement. Connects first if needed, showing
/// the connection banner as an output of its own.
pub async fn scope(kernel: &KsqlKernel, ctx: &ExecuteContext) -> Result<StatementScope, ErrorReport> {
    let existing = {
        let state = kernel.state();
        if let Some(failed) = &state.failed_connect {
            return Err(not_connected(failed));
        }
        state.connection.clone().map(|connection| {
            let mut properties = connection.target.properties.clone();
            properties.extend(state.properties.clone());
            StatementScope { connection, properties, variables: state.variables.clone(), row_cap: state.row_cap }
        })
    };
    if let Some(scope) = existing {
        return Ok(scope);
    }
    let target = match default_target_for(kernel)? {
        Some(target) => target,
        None => sandbox_target(kernel).await?,
    };
    let (connection, banner) = connect(target, ctx).await?;
    ctx.display(banner.data, banner.metadata, None).await;
    let state_connection = connection.clone();
    let mut state = kernel.state();
    state.connection = Some(state_connection);
    let mut properties = connection.target.properties.clone();
    properties.extend(state.properties.clone());
    Ok(StatementScope { connection, properties, variables: state.variables.clone(), row_cap: state.row_cap })
}

/// Where to connect when the user has not said: profile or environment; `None` when
/// nothing is configured (the kernel then uses its embedded sandbox).
pub fn default_target_for(kernel: &KsqlKernel) -> Result<Option<ConnectionTarget>, ErrorReport> {
    let state = kernel.state();
    if let Some(error) = &state.config_error {
        return Err(ErrorReport::usage("ConfigError", error));
    }
    settings::default_target(state.config.as_ref()).map_err(|e| ErrorReport::usage("ConfigError", &format!("{e:#}")))
}

pub const SANDBOX_SOURCE: &str = "embedded sandbox (no server configured)";

/// The embedded sandbox, started in this process on first use. The kernel reaches it over
/// HTTP like any server.
pub async fn sandbox_target(kernel: &KsqlKernel) -> Result<ConnectionTarget, ErrorReport> {
    let mut sandbox = kernel.sandbox.lock().await;
    if sandbox.is_none() {
        let handle = ksqldb_sandbox::start_in_process()
            .await
            .map_err(|e| ErrorReport::usage("SandboxError", &format!("cannot start the embedded sandbox: {e:#}")))?;
        *sandbox = Some(handle);
    }
    let url = sandbox.as_ref().map(|h| h.url().to_string()).unwrap_or_default();
    Ok(ConnectionTarget::new(&url, SANDBOX_SOURCE))
}

/// Connects to `target` and runs the connectivity test. Returns the connection and a
/// banner describing the server. The user can interrupt a slow attempt.
pub async fn connect(target: ConnectionTarget, ctx: &ExecuteContext) -> Result<(Connection, MimeBundle), ErrorReport> {
    let url = target.url.clone();
    let (connection, rows) = with_progress(ctx, &url, test_connection(target)).await??;
    Ok((connection, render_key_values(Some("Connected to ksqlDB"), &rows)))
}

/// A connection attempt that takes longer than this shows a status line.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// Awaits a connection attempt (unless the user interrupts). After [`PROGRESS_AFTER`] it
/// shows "Connecting to URL… (n s)", updated in place every second, and at the end says how
/// the attempt went.
async fn with_progress<T>(
    ctx: &ExecuteContext,
    url: &str,
    work: impl std::future::Future<Output = Result<T, ErrorReport>>,
) -> Result<Result<T, ErrorReport>, ErrorReport> {
    let started = tokio::time::Instant::now();
    let mut ticker = tokio::time::interval_at(started + PROGRESS_AFTER, Duration::from_secs(1));
    let mut status = StatusLine::new();
    tokio::pin!(work);
    let result = loop {
        tokio::select! {
            result = &mut work => break Ok(result),
            _ = ctx.cancellation().cancelled() => break Err(ErrorReport::interrupted("the statement was interrupted")),
            _ = ticker.tick() => {
                let message = format!("Connecting to {url}… ({} s)", started.elapsed().as_secs());
                status.show(ctx, render_status(&message, Kind::Info)).await;
            }
        }
    };
    if status.is_shown() {
        let took = ksqldb_render::results::format_duration(started.elapsed());
        let bundle = match &result {
            Ok(Ok(_)) => render_status(&format!("Connected to {url} after {took}."), Kind::Success),
            Ok(Err(_)) => render_status(&format!("Could not connect to {url} (gave up after {took})."), Kind::Warning),
            Err(_) => render_status(&format!("Connecting to {url}: stopped by the user after {took}."), Kind::Warning),
        };
        status.show(ctx, bundle).await;
    }
    result
}

/// The connectivity test: GET /info (version, cluster id, status) and /healthcheck.
pub async fn test_connection(target: ConnectionTarget) -> Result<(Connection, Vec<(String, String)>), ErrorReport> {
    let client = KsqlClient::new(target.to_settings()).map_err(|e| report_ksql_error(&e, None))?;
    let info = client.connect().await.map_err(|e| connect_error(&e, &target))?;
    // /healthcheck skips authentication on real servers and may be missing on proxies:
    // report it, never fail on it.
    let health = match client.healthcheck().await {
        Ok(value) => match value.get("isHealthy").and_then(|v| v.as_bool()) {
            Some(true) => "healthy".to_string(),
            Some(false) => format!("UNHEALTHY: {}", compact(&value)),
            None => "unknown".to_string(),
        },
        Err(e) => format!("unknown ({})", first_line(&e.to_string())),
    };
    let caps = client.capabilities();
    let mut rows = vec![
        ("Server".to_string(), target.url.clone()),
        ("Server version".to_string(), describe_version(&info.version)),
        ("Kafka cluster id".to_string(), info.kafka_cluster_id.clone().unwrap_or_else(|| "—".into())),
        ("ksqlDB service id".to_string(), info.ksql_service_id.clone().unwrap_or_else(|| "—".into())),
        (
            "Server status".to_string(),
            info.server_status.clone().unwrap_or_else(|| "not reported (server before 0.12)".into()),
        ),
        ("Health".to_string(), health),
        ("Queries via".to_string(), caps.describe()),
        ("Authentication".to_string(), target.describe_auth()),
        ("TLS".to_string(), target.describe_tls()),
        ("Configured by".to_string(), target.source.clone()),
    ];
    if target.source == SANDBOX_SOURCE {
        rows.push((
            "Note".into(),
            "This is the kernel's embedded sandbox: an in-memory ksqlDB-compatible server, not a Kafka cluster. \
             Nothing is persisted; it ends with the kernel. To use a real server: %connect URL, the KSQLDB_URL \
             environment variable, or a profile in the config file."
                .into(),
        ));
    }
    if target.url.contains(".confluent.cloud") && matches!(target.credentials, Credentials::None) {
        rows.push((
            "Note".into(),
            "Confluent Cloud needs a ksqlDB API key and secret (%connect URL --api-key KEY --prompt)".into(),
        ));
    }
    Ok((Connection { client: Arc::new(client), target, info: Some(info) }, rows))
}

fn describe_version(version: &str) -> String {
    let major: u32 = version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major >= 4 {
        format!("{version} (Confluent Platform)")
    } else {
        format!("{version} (ksqlDB)")
    }
}

fn connect_error(error: &KsqlError, target: &ConnectionTarget) -> ErrorReport {
    match error {
        KsqlError::Unauthorized { message } => ErrorReport::connection(
            &target.url,
            &format!("401 Unauthorized: {message}"),
            Some(if matches!(target.credentials, Credentials::None) {
                "the server requires credentials: %connect URL --user NAME --prompt (Confluent Cloud: --api-key KEY \
                 --prompt with a ksqlDB API key)"
            } else {
                "the user/API key or the password/secret is wrong, or the key is not active yet (new Confluent Cloud \
                 API keys take a few minutes)"
            }),
        ),
        _ => {
            let report = report_ksql_error(error, None);
            if target.source.starts_with("default") {
                report.with_context(
                    "no server is configured: use %connect URL, set KSQLDB_URL, or add a profile to the config file"
                        .to_string(),
                )
            } else {
                report
            }
        }
    }
}

/// Runs `%connect`: parses the line, asks for the password when needed, connects, and on
/// success makes it the session's connection. When it fails after naming a server, the
/// session is left with no connection (see [`FailedConnect`]).
pub async fn connect_magic(
    kernel: &KsqlKernel,
    args: &str,
    ctx: &ExecuteContext,
) -> Result<Vec<MimeBundle>, ErrorReport> {
    match attempt(kernel, args, ctx).await {
        Ok((connection, banner)) => {
            let mut state = kernel.state();
            state.connection = Some(connection);
            state.failed_connect = None;
            Ok(vec![banner])
        }
        // A line naming no server (a typo in an option): nothing was asked, nothing changes.
        Err((None, report)) => Err(report),
        Err((Some(target), report)) => Err(disconnect(kernel, target, report)),
    }
}

/// A `%connect` attempt; a failure comes with the server it named, if any (no credentials).
async fn attempt(
    kernel: &KsqlKernel,
    args: &str,
    ctx: &ExecuteContext,
) -> Result<(Connection, MimeBundle), (Option<String>, ErrorReport)> {
    if args.trim().eq_ignore_ascii_case("sandbox") {
        let named = || Some("sandbox".to_string());
        let target = sandbox_target(kernel).await.map_err(|e| (named(), e))?;
        return connect(target, ctx).await.map_err(|e| (named(), e));
    }
    let parsed = {
        let state = kernel.state();
        settings::parse_connect(args, state.config.as_ref()).map_err(|e| {
            let report = ErrorReport::usage("UsageError", &format!("{e:#}"));
            (settings::named_target(args, state.config.as_ref()), report)
        })
    };
    let request = parsed?;
    let mut target = request.target;
    let name = describe_target(&target);
    let named = || Some(name.clone());
    if request.prompt_for_password {
        if let Credentials::Basic { username, .. } = &target.credentials {
            let username = username.clone();
            let prompt = format!("Password (or API secret) for {username} at {}: ", target.url);
            let Some(secret) = ctx.input(&prompt, true).await else {
                let report = ErrorReport::usage(
                    "UsageError",
                    "this front end cannot prompt for a password; use --password-env VAR or a config profile",
                );
                return Err((named(), report));
            };
            target.credentials = Credentials::Basic { username, password: Secret::new(secret) };
        }
    }
    connect(target, ctx).await.map_err(|e| (named(), e))
}

/// The target as the user knows it, without credentials: its URL, or its profile and URL.
fn describe_target(target: &ConnectionTarget) -> String {
    let url = ksqldb_render::error::redact_url(&target.url);
    if target.source.starts_with("profile") {
        format!("{} ({url})", target.source)
    } else {
        url
    }
}

/// After a failed `%connect`: the session drops its connection (statements then fail with
/// [`not_connected`]), and the error says so under the reason.
fn disconnect(kernel: &KsqlKernel, target: String, report: ErrorReport) -> ErrorReport {
    let previous = {
        let mut state = kernel.state();
        state.failed_connect = Some(FailedConnect { target: target.clone(), reason: report.evalue.clone() });
        state.connection.take().map(|c| c.target.url)
    };
    let dropped = previous.map(|url| format!(", and the session no longer uses {url}")).unwrap_or_default();
    report.with_context(format!(
        "Not connected: %connect {target} failed{dropped}. Statements fail until a %connect succeeds: retry with \
         %connect URL, or %connect sandbox for the embedded sandbox."
    ))
}

/// What a statement that needs the server says after a failed `%connect`.
fn not_connected(failed: &FailedConnect) -> ErrorReport {
    let message = format!(
        "no connection (%connect {} failed), so this statement was not sent\n%connect {} failed with: {}",
        failed.target, failed.target, failed.reason
    );
    ErrorReport::new(
        "NotConnected",
        &message,
        Some("retry with %connect URL (or a profile name), or use the embedded sandbox with %connect sandbox"),
    )
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(200).collect()
}

fn compact(value: &serde_json::Value) -> String {
    serde_json::to_string(value).unwrap_or_default().chars().take(300).collect()
}
