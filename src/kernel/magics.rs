//! `%` magic lines: connecting, the session, the row cap, help.

use super::connect::connect_magic;
use super::live::options::PushOptions;
use super::magic_list::MAGICS;
use super::session::DEFAULT_ROW_CAP;
use super::settings::{config_path, shell_words, CONNECT_USAGE};
use super::splitter::MagicLine;
use super::KsqlKernel;
use jupyter_kernel::ExecuteContext;
use ksqldb_render::chart::{ChartSpec, CHART_USAGE};
use ksqldb_render::error::ErrorReport;
use ksqldb_render::messages::{render_key_values, render_status, Kind};
use ksqldb_render::table::simple_table;
use ksqldb_render::MimeBundle;

pub async fn run(kernel: &KsqlKernel, magic: &MagicLine, ctx: &ExecuteContext) -> Result<Vec<MimeBundle>, ErrorReport> {
    match magic.name.as_str() {
        "help" => Ok(vec![help()]),
        "connect" => {
            if magic.args.is_empty() {
                return Err(ErrorReport::usage("UsageError", &format!("usage: {CONNECT_USAGE}")));
            }
            connect_magic(kernel, &magic.args, ctx).await
        }
        "session" | "info" => Ok(session(kernel)),
        "push" | "live" => {
            let options = PushOptions::parse(&magic.args).map_err(|e| ErrorReport::usage("UsageError", &e))?;
            kernel.state().cell_push_options = options;
            Ok(vec![])
        }
        "chart" => {
            let words = shell_words(&magic.args)
                .map_err(|e| ErrorReport::usage("UsageError", &format!("{e}\nusage: {CHART_USAGE}")))?;
            let chart = ChartSpec::from_words(words).map_err(|e| ErrorReport::usage("UsageError", &e))?;
            kernel.state().cell_chart = Some(chart);
            Ok(vec![])
        }
        "cleanup" => {
            let scope = super::connect::scope(kernel, ctx).await?;
            super::cleanup::run_cleanup(kernel, &scope, &magic.args, ctx).await
        }
        "expect" => {
            let expectation = super::expect::Expectation::parse(&magic.args, &magic.body)
                .map_err(|e| ErrorReport::usage("UsageError", &e))?;
            kernel.state().cell_expect = Some(expectation);
            Ok(vec![])
        }
        "save" => super::save::run_save(&kernel.live.last_result, &magic.args),
        "export" => export(kernel, &magic.args),
        "lineage" => {
            let scope = super::connect::scope(kernel, ctx).await?;
            super::lineage::run_lineage(kernel, &scope, &magic.args).await
        }
        "queries" => queries_magic(kernel, &magic.args, ctx).await,
        "refresh" => Ok(vec![super::editor::refresh(kernel).await]),
        "stop" => stop(kernel, &magic.args, ctx).await,
        "rows" => rows(kernel, &magic.args),
        "output" => output_limit(kernel, &magic.args),
        "doc" => {
            let name = magic.args.trim();
            let found = (!name.is_empty())
                .then(|| super::completion::inspect_builtin(name, name.chars().count(), 1))
                .flatten()
                .ok_or_else(|| {
                    ErrorReport::usage(
                        "UsageError",
                        &format!("no documentation for '{name}'; usage: %doc FUNCTION_OR_KEYWORD"),
                    )
                })?;
            let mut data = serde_json::Map::new();
            data.insert("text/plain".into(), found.plain.into());
            data.insert("text/html".into(), found.html.into());
            ctx.page(data);
            Ok(vec![])
        }
        "clear" => {
            ctx.clear_output(false).await;
            Ok(vec![])
        }
        "echo" => {
            ctx.stream("stdout", &format!("{}\n", magic.args)).await;
            Ok(vec![])
        }
        other => Err(ErrorReport::usage("UsageError", &format!("unknown magic %{other}; %help lists the magics"))),
    }
}

/// `%export`: what this session ran, as deployable SQL (shown, or written).
fn export(kernel: &KsqlKernel, args: &str) -> Result<Vec<MimeBundle>, ErrorReport> {
    use super::export_files::{export, ExportRequest, Exported, EXPORT_USAGE};
    let usage = |why: &str| ErrorReport::usage("UsageError", &format!("{why}\nusage: {EXPORT_USAGE}"));
    let words = shell_words(args).map_err(|e| usage(&e.to_string()))?;
    let request = ExportRequest::parse(&words).map_err(|e| usage(&e))?;
    let (statements, provenance, dropped) = {
        let state = kernel.state();
        let server = state.connection.as_ref().map(|c| match &c.info {
            Some(info) => format!("ksqlDB {} at {}", info.version, c.target.url),
            None => c.target.url.clone(),
        });
        let source = match std::env::var("JPY_SESSION_NAME") {
            Ok(path) if !path.is_empty() => path,
            _ => "a kernel session".to_string(),
        };
        let statements: Vec<_> = state.executed.iter().cloned().collect();
        (statements, super::export::Provenance { source, server }, state.executed_dropped)
    };
    let mut bundles = Vec::new();
    if dropped > 0 {
        bundles.push(render_status(
            &format!(
                "{dropped} statements of this session are not kept (the kernel keeps {} statements and {} of text, \
                 letting INSERT … VALUES go first, then the oldest).",
                super::session::EXECUTED_KEPT,
                ksqldb_units::human_bytes(super::session::EXECUTED_BYTES)
            ),
            Kind::Warning,
        ));
    }
    match export(&statements, &provenance, &request).map_err(|e| ErrorReport::usage("ExportError", &e))? {
        Exported::Shown(script) => bundles.push(ksqldb_render::messages::render_code(&script, "sql")),
        Exported::Written(message) => bundles.push(render_status(&message, Kind::Success)),
    }
    Ok(bundles)
}

fn help() -> MimeBundle {
    let mut rows: Vec<Vec<String>> = MAGICS
        .iter()
        .map(|(name, args, what)| vec![format!("%{name} {args}").trim().to_string(), what.to_string()])
        .collect();
    for (statement, what) in [
        (
            "SET 'property'='value';",
            "Set a property for the statements that follow (kept by the kernel, sent with every request).",
        ),
        ("UNSET 'property';", "Remove a property set with SET."),
        ("DEFINE name = 'value';", "Define a variable, used as ${name} in later statements."),
        ("UNDEFINE name;", "Remove a variable."),
        ("SHOW VARIABLES; SHOW PROPERTIES;", "Show the variables; the server's properties with the ones set here."),
        ("RUN SCRIPT 'file.sql';", "Run the statements of a file."),
    ] {
        rows.push(vec![statement.to_string(), what.to_string()]);
    }
    let config = config_path().map(|p| p.display().to_string()).unwrap_or_else(|| "(no HOME)".into());
    simple_table(
        &["Command", "What it does"],
        rows,
        Some(&format!(
            "Cells hold ksqlDB statements separated by ';' and magic lines. Connection profiles live in {config}; \
             KSQLDB_URL and related environment variables work too."
        )),
    )
}

fn session(kernel: &KsqlKernel) -> Vec<MimeBundle> {
    let state = kernel.state();
    let mut rows = Vec::new();
    match &state.connection {
        Some(connection) => {
            rows.push(("Server".to_string(), connection.target.url.clone()));
            if let Some(info) = &connection.info {
                rows.push(("Server version".into(), info.version.clone()));
                rows.push(("Kafka cluster id".into(), info.kafka_cluster_id.clone().unwrap_or_else(|| "—".into())));
                rows.push(("Server status".into(), info.server_status.clone().unwrap_or_else(|| "—".into())));
            }
            rows.push(("Queries via".into(), connection.client.capabilities().describe()));
            rows.push(("Authentication".into(), connection.target.describe_auth()));
            rows.push(("TLS".into(), connection.target.describe_tls()));
            rows.push(("Configured by".into(), connection.target.source.clone()));
        }
        None => match &state.failed_connect {
            Some(failed) => {
                rows.push(("Server".to_string(), format!("not connected: %connect {} failed", failed.target)));
                rows.push(("Why".to_string(), failed.reason.clone()));
            }
            None => rows.push(("Server".to_string(), "not connected yet (the first statement connects)".to_string())),
        },
    }
    rows.push(("Row cap".into(), state.row_cap.to_string()));
    rows.push(("Catalog (editor help)".into(), kernel.catalog.status()));
    let mut bundles = vec![render_key_values(Some("Session"), &rows)];
    let properties: Vec<Vec<String>> = state.properties.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    bundles.push(simple_table(&["Property", "Value"], properties, Some("Properties (SET)")));
    let variables: Vec<Vec<String>> = state.variables.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    bundles.push(simple_table(&["Variable Name", "Value"], variables, Some("Variables (DEFINE)")));
    bundles
}

fn queries(kernel: &KsqlKernel) -> MimeBundle {
    let rows: Vec<Vec<String>> = kernel
        .live
        .list()
        .into_iter()
        .map(|q| {
            vec![
                format!("#{}", q.number),
                q.query_id.unwrap_or_else(|| "—".into()),
                if q.background { "background".into() } else { "foreground".into() },
                q.rows.to_string(),
                ksqldb_render::results::format_duration(q.elapsed),
                q.sql,
            ]
        })
        .collect();
    simple_table(
        &["#", "Query ID", "Runs in", "Rows", "Running for", "Statement"],
        rows,
        Some("Push queries running in this kernel (%stop N stops one)"),
    )
}

/// `%queries`, or `%queries --show N`: query N's view, live, in this cell.
async fn queries_magic(kernel: &KsqlKernel, args: &str, ctx: &ExecuteContext) -> Result<Vec<MimeBundle>, ErrorReport> {
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        [] => Ok(vec![queries(kernel)]),
        ["--show", n] => {
            let number = query_number(n, "usage: %queries --show N (N from %queries)")?;
            if kernel.live.show_in(number, ctx).await {
                Ok(vec![])
            } else {
                Err(ErrorReport::usage("UsageError", &format!("no push query #{number} is running (see %queries)")))
            }
        }
        _ => Err(ErrorReport::usage("UsageError", "usage: %queries [--show N]")),
    }
}

fn query_number(word: &str, usage: &str) -> Result<u64, ErrorReport> {
    word.trim_start_matches('#').parse().map_err(|_| ErrorReport::usage("UsageError", usage))
}

/// `%stop N|all`: the stopped queries' final state is shown in this cell too, where the user
/// asked (their first output may be gone from the page after a reload).
async fn stop(kernel: &KsqlKernel, args: &str, ctx: &ExecuteContext) -> Result<Vec<MimeBundle>, ErrorReport> {
    let args = args.trim();
    let numbers = match args {
        "" | "all" => kernel.live.numbers(),
        n => vec![query_number(n, "usage: %stop N (see %queries) or %stop all")?],
    };
    for &number in &numbers {
        kernel.live.show_in(number, ctx).await;
    }
    let stopped = match args {
        "" | "all" => kernel.live.stop_all(std::time::Duration::from_secs(5)).await,
        _ => kernel.live.stop_number(numbers[0]).await,
    };
    let message = match stopped {
        0 => "No push query was running.".to_string(),
        1 => "Stopped 1 push query.".to_string(),
        n => format!("Stopped {n} push queries."),
    };
    Ok(vec![render_status(&message, if stopped == 0 { Kind::Info } else { Kind::Success })])
}

fn output_limit(kernel: &KsqlKernel, args: &str) -> Result<Vec<MimeBundle>, ErrorReport> {
    use ksqldb_render::budget::{DEFAULT_OUTPUT_BYTES, MIN_OUTPUT_BYTES};
    use ksqldb_render::table::human_bytes;
    let args = args.trim();
    if args.is_empty() {
        let limit = human_bytes(kernel.state().output_budget);
        return Ok(vec![render_status(&format!("One output holds at most {limit}."), Kind::Info)]);
    }
    const MAX: usize = 256 * 1024 * 1024;
    let bytes = match args.to_ascii_lowercase().as_str() {
        "default" | "reset" => Some(DEFAULT_OUTPUT_BYTES),
        size => parse_size(size).filter(|n| (MIN_OUTPUT_BYTES..=MAX).contains(n)),
    }
    .ok_or_else(|| {
        ErrorReport::usage("UsageError", "usage: %output SIZE (64KB to 256MB, e.g. 8MB) or %output default")
    })?;
    kernel.state().output_budget = bytes;
    Ok(vec![render_status(&format!("One output now holds at most {}.", human_bytes(bytes)), Kind::Success)])
}

/// `8MB`, `512KB`, `1048576`, `2 mb`.
fn parse_size(text: &str) -> Option<usize> {
    let text = text.replace(' ', "");
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len()));
    let scale = match unit {
        "" | "b" => 1.0,
        "k" | "kb" => 1024.0,
        "m" | "mb" => 1024.0 * 1024.0,
        "g" | "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let n: f64 = number.parse().ok()?;
    (n.is_finite() && n >= 0.0).then_some((n * scale) as usize)
}

fn rows(kernel: &KsqlKernel, args: &str) -> Result<Vec<MimeBundle>, ErrorReport> {
    let args = args.trim();
    if args.is_empty() {
        let cap = kernel.state().row_cap;
        return Ok(vec![render_status(&format!("Query results show at most {cap} rows."), Kind::Info)]);
    }
    let cap: usize = match args {
        "default" | "reset" => DEFAULT_ROW_CAP,
        n => n
            .parse()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| ErrorReport::usage("UsageError", "usage: %rows N (1 to 1000000) or %rows default"))?,
    };
    kernel.state().row_cap = cap;
    Ok(vec![render_status(&format!("Query results now show at most {cap} rows."), Kind::Success)])
}
