//! Runs a cell: its magics and statements in order, each with its own output. The first
//! error stops the cell and names the statement that failed.

use super::describe_order::fit_to_server;
use super::request::{report_ksql_error, request_context, with_interrupt, with_wait_status};
use super::scope::StatementScope;
use super::splitter::{split_cell, CellItem};
use super::statement::{classify, insert_values_target, StatementKind};
use super::status_line::StatusLine;
use super::{connect, live, magics, query, KsqlKernel};
use jupyter_kernel::{ExecuteContext, ExecuteOutcome, ExecuteRequest};
use ksql_syntax::variables::substitute;
use ksqldb_render::entities::render_entities;
use ksqldb_render::error::ErrorReport;
use ksqldb_render::messages::{render_status, Kind};
use ksqldb_render::table::simple_table;
use ksqldb_render::MimeBundle;
use std::collections::BTreeMap;

/// RUN SCRIPT may include other scripts, up to this depth.
const MAX_SCRIPT_DEPTH: usize = 8;

pub async fn run_cell(kernel: &KsqlKernel, request: &ExecuteRequest, ctx: &ExecuteContext) -> ExecuteOutcome {
    let split = split_cell(&request.code);
    if split.unterminated_literal {
        return outcome(ErrorReport::usage(
            "SyntaxError",
            "the cell ends inside a string, a quoted identifier or a /* comment */",
        ));
    }
    {
        let mut state = kernel.state();
        state.cell_push_options = Default::default();
        state.cell_chart = None;
        state.cell_expect = None;
    }
    let count = split.items.len();
    let statements = split.items.iter().filter(|i| matches!(i, CellItem::Statement(_))).count();
    let mut statement_number = 0;
    // Errors say how many of the cell's statements ran ("2 of 3 statements ran …", or the
    // failing "statement 3 of 3"): `ksqldb-kernel export` reads it from the saved notebook.
    let ran_before = |report: ErrorReport, ran: usize| {
        if statements > 1 {
            report.with_context(format!("{ran} of {statements} statements ran before this; the rest did not run"))
        } else {
            report
        }
    };
    // Consecutive INSERT … VALUES into one stream show one line when the run ends.
    let mut inserts: Option<InsertRun> = None;
    for (index, item) in split.items.iter().enumerate() {
        if ctx.is_cancelled() {
            InsertRun::flush(&mut inserts, ctx, false).await;
            let report = ErrorReport::interrupted("interrupted before the next statement ran");
            return outcome(ran_before(report, statement_number));
        }
        let mut insert_target = None;
        let result = match item {
            CellItem::Magic(magic) => {
                InsertRun::flush(&mut inserts, ctx, false).await;
                magics::run(kernel, magic, ctx).await.map_err(|r| ran_before(r, statement_number))
            }
            CellItem::Statement(statement) => {
                statement_number += 1;
                insert_target = insert_values_target(&statement.text);
                if insert_target.is_none()
                    || inserts.as_ref().is_some_and(|r| Some(&r.target) != insert_target.as_ref())
                {
                    InsertRun::flush(&mut inserts, ctx, false).await;
                }
                let result = run_statement(kernel, &statement.text, ctx, 0).await;
                kernel.state().record_executed(&statement.text, result.is_ok());
                result.map_err(|report| {
                    if statements > 1 {
                        report.with_context(format!(
                            "statement {statement_number} of {statements} (line {}) failed; the statements after it \
                             did not run",
                            statement.line
                        ))
                    } else {
                        report
                    }
                })
            }
        };
        match result {
            Ok(bundles) if insert_target.is_some() && bundles == [done()] => {
                let target = insert_target.unwrap_or_default();
                inserts.get_or_insert(InsertRun { target, rows: 0 }).rows += 1;
            }
            Ok(bundles) => {
                InsertRun::flush(&mut inserts, ctx, false).await;
                emit(ctx, bundles, index + 1 == count).await
            }
            Err(report) => {
                InsertRun::flush(&mut inserts, ctx, false).await;
                return outcome(report);
            }
        }
    }
    let expect_left = kernel.state().cell_expect.is_some();
    InsertRun::flush(&mut inserts, ctx, !expect_left).await;
    if kernel.state().cell_expect.take().is_some() {
        // An exercise whose check never ran must not pass silently.
        let report =
            ErrorReport::usage("UsageError", "%expect needs a query (SELECT …) after its rows in the same cell");
        return outcome(ran_before(report, statement_number));
    }
    ExecuteOutcome::Ok
}

/// What a statement that answers nothing shows.
fn done() -> MimeBundle {
    render_status("Done.", Kind::Success)
}

/// A run of `INSERT … VALUES` into one stream, each of which answered nothing: one line
/// ("✔ 30 rows inserted into ORDERS") instead of a "Done." per statement.
struct InsertRun {
    target: String,
    rows: usize,
}

impl InsertRun {
    /// Shows the run that ended (as the cell's result when `last`).
    async fn flush(run: &mut Option<InsertRun>, ctx: &ExecuteContext, last: bool) {
        let Some(run) = run.take() else { return };
        let rows = if run.rows == 1 { "1 row".to_string() } else { format!("{} rows", run.rows) };
        emit(ctx, vec![render_status(&format!("{rows} inserted into {}.", run.target), Kind::Success)], last).await;
    }
}

fn outcome(report: ErrorReport) -> ExecuteOutcome {
    ExecuteOutcome::Error { ename: report.ename, evalue: report.evalue, traceback: report.traceback }
}

/// Shows outputs: the last output of the cell is its execute_result (numbered like the
/// cell), everything before it is display_data.
async fn emit(ctx: &ExecuteContext, bundles: Vec<MimeBundle>, last_item: bool) {
    let n = bundles.len();
    for (i, bundle) in bundles.into_iter().enumerate() {
        if last_item && i + 1 == n {
            ctx.execute_result(bundle.data, bundle.metadata).await;
        } else {
            ctx.display(bundle.data, bundle.metadata, None).await;
        }
    }
}

/// Runs one statement and returns its outputs.
pub fn run_statement<'a>(
    kernel: &'a KsqlKernel,
    text: &'a str,
    ctx: &'a ExecuteContext,
    depth: usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<MimeBundle>, ErrorReport>> + Send + 'a>> {
    // Boxed because RUN SCRIPT recurses.
    Box::pin(async move {
        let kind =
            classify(text).map_err(|message| ErrorReport::usage("SyntaxError", &message).with_statement(text))?;
        match kind {
            StatementKind::Set { name, value } => {
                kernel.state().properties.insert(name.clone(), value.clone());
                Ok(vec![render_status(
                    &format!("Successfully changed local property '{name}' to '{value}'. Use UNSET to revert it."),
                    Kind::Success,
                )])
            }
            StatementKind::Unset { name } => match kernel.state().properties.remove(&name) {
                Some(old) => Ok(vec![render_status(
                    &format!("Successfully unset local property '{name}' (it was '{old}')."),
                    Kind::Success,
                )]),
                None => Ok(vec![render_status(&format!("Property '{name}' was not set locally."), Kind::Warning)]),
            },
            StatementKind::Define { name, value } => {
                kernel.state().variables.insert(name.clone(), value.clone());
                Ok(vec![render_status(&format!("Defined variable {name} = '{value}'."), Kind::Success)])
            }
            StatementKind::Undefine { name } => {
                if kernel.state().variables.remove(&name).is_none() {
                    ctx.stream(
                        "stderr",
                        &format!("WARNING: Cannot undefine variable '{name}' which was never defined\n"),
                    )
                    .await;
                    return Ok(vec![]);
                }
                Ok(vec![render_status(&format!("Undefined variable {name}."), Kind::Success)])
            }
            StatementKind::ShowVariables => {
                let variables = kernel.state().variables.clone();
                Ok(vec![variables_table(&variables)])
            }
            StatementKind::RunScript { path } => run_script(kernel, &path, ctx, depth).await,
            StatementKind::Select { push } if kernel.state().cell_expect.is_some() => {
                // `%expect` applies to the next query only.
                let expectation = kernel.state().cell_expect.take();
                let scope = connect::scope(kernel, ctx).await?;
                let sql = prepare(&scope, text);
                match expectation {
                    Some(expectation) => {
                        with_wait_status(ctx, super::expect::run_expect(&scope, &sql, push, &expectation, ctx)).await
                    }
                    None => Ok(vec![]),
                }
            }
            StatementKind::Select { push: true } => {
                let scope = connect::scope(kernel, ctx).await?;
                let sql = prepare(&scope, text);
                let mut options = kernel.state().cell_push_options.clone().for_front_end(ctx.allows_input());
                options.chart = kernel.state().cell_chart.clone();
                let cell_id = ctx.cell_id().map(str::to_string);
                live::run_push(&kernel.live, &scope, &sql, options, ctx, cell_id).await
            }
            StatementKind::Select { push: false } => {
                let scope = connect::scope(kernel, ctx).await?;
                let sql = prepare(&scope, text);
                let chart = kernel.state().cell_chart.clone();
                with_wait_status(ctx, query::run_select(&scope, &sql, chart.as_ref(), &kernel.live.last_result, ctx))
                    .await
            }
            StatementKind::Print => {
                let scope = connect::scope(kernel, ctx).await?;
                let sql = prepare(&scope, text);
                let options = kernel.state().cell_push_options.clone().for_front_end(ctx.allows_input());
                let cell_id = ctx.cell_id().map(str::to_string);
                live::run_print(&kernel.live, &scope, &sql, options, ctx, cell_id).await
            }
            StatementKind::ShowProperties | StatementKind::Server => {
                let scope = connect::scope(kernel, ctx).await?;
                let mut sql = prepare(&scope, text);
                // A DESCRIBE … EXTENDED written for the other ksqlDB generation: sent in this
                // server's order, with a note saying so.
                if let Some(reordered) = fit_to_server(&sql, &scope.connection.client.capabilities()) {
                    let note = render_status(&reordered.note, Kind::Info);
                    ctx.display(note.data, note.metadata, None).await;
                    sql = reordered.text;
                }
                let entities = with_wait_status(
                    ctx,
                    with_interrupt(ctx, async { scope.connection.client.ksql(&sql, &request_context(&scope)).await }),
                )
                .await?
                .map_err(|e| report_ksql_error(&e, Some(&sql)))?;
                // Like the CLI: a command status of ERROR is a failure of the statement.
                if let Some(failed) = entities.iter().find(|e| e.is_error_status()) {
                    let bundles = render_entities(&entities, scope.row_cap);
                    for bundle in bundles.into_iter().filter(|_| entities.len() > 1) {
                        ctx.display(bundle.data, bundle.metadata, None).await;
                    }
                    let message =
                        failed.raw_json()["commandStatus"]["message"].as_str().unwrap_or("the command failed");
                    return Err(ErrorReport::ksql(None, message, Some(&sql), None));
                }
                for entity in &entities {
                    for warning in entity.warnings() {
                        ctx.stream("stderr", &format!("WARNING: {warning}\n")).await;
                    }
                }
                kernel.catalog.after_statement(&sql);
                super::cleanup::record(kernel, scope.connection.client.url(), &sql, &entities);
                let mut bundles = render_entities(&entities, scope.row_cap);
                if matches!(kind, StatementKind::ShowProperties) && !scope.properties.is_empty() {
                    bundles.push(local_properties_table(&scope.properties));
                }
                if bundles.is_empty() {
                    bundles.push(done());
                }
                Ok(bundles)
            }
        }
    })
}

/// Substitutes `${var}` client-side when the server cannot take `sessionVariables`.
fn prepare(scope: &StatementScope, text: &str) -> String {
    if scope.connection.client.capabilities().session_variables {
        text.to_string()
    } else {
        substitute(text, |name| scope.variables.get(&name.to_lowercase()).cloned()).0
    }
}

async fn run_script(
    kernel: &KsqlKernel,
    path: &str,
    ctx: &ExecuteContext,
    depth: usize,
) -> Result<Vec<MimeBundle>, ErrorReport> {
    if depth >= MAX_SCRIPT_DEPTH {
        return Err(ErrorReport::usage(
            "ScriptError",
            &format!("RUN SCRIPT is nested more than {MAX_SCRIPT_DEPTH} deep"),
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| ErrorReport::usage("ScriptError", &format!("cannot read script '{path}': {e}")))?;
    let split = split_cell(&text);
    if split.unterminated_literal {
        return Err(ErrorReport::usage("ScriptError", &format!("'{path}' ends inside a string or comment")));
    }
    let statements: Vec<_> = split
        .items
        .into_iter()
        .filter_map(|i| match i {
            CellItem::Statement(s) => Some(s),
            CellItem::Magic(_) => None,
        })
        .collect();
    let total = statements.len();
    // One status line that updates in place while the statements run.
    let mut progress = ScriptProgress::start(ctx, path, total).await;
    let mut bundles = Vec::new();
    for (i, statement) in statements.iter().enumerate() {
        if ctx.is_cancelled() {
            progress
                .finish(ctx, &format!("RUN SCRIPT '{path}': stopped after {i} of {total} statements"), Kind::Warning)
                .await;
            return Err(ErrorReport::interrupted(&format!(
                "RUN SCRIPT '{path}' stopped after {i} of {total} statements"
            )));
        }
        progress.step(ctx, i, &statement.text).await;
        let result = run_statement(kernel, &statement.text, ctx, depth + 1).await;
        kernel.state().record_executed(&statement.text, result.is_ok());
        match result {
            Ok(mut out) => bundles.append(&mut out),
            Err(report) => {
                progress
                    .finish(ctx, &format!("RUN SCRIPT '{path}': statement {} of {total} failed", i + 1), Kind::Warning)
                    .await;
                // Show what ran before the failure, then the failure.
                for bundle in bundles {
                    ctx.display(bundle.data, bundle.metadata, None).await;
                }
                return Err(report.with_context(format!(
                    "RUN SCRIPT '{path}': statement {} of {total} (line {}) failed",
                    i + 1,
                    statement.line
                )));
            }
        }
    }
    let elapsed = ksqldb_render::results::format_duration(progress.started.elapsed());
    progress.finish(ctx, &format!("RUN SCRIPT '{path}': ran {total} statements in {elapsed}."), Kind::Success).await;
    Ok(bundles)
}

/// The status line of a RUN SCRIPT: shown at the start, updated as statements start (at
/// most one update per 200 ms) and at the end.
struct ScriptProgress {
    status: StatusLine,
    path: String,
    total: usize,
    started: std::time::Instant,
    last_update: std::time::Instant,
}

impl ScriptProgress {
    const MIN_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

    async fn start(ctx: &ExecuteContext, path: &str, total: usize) -> ScriptProgress {
        let mut progress = ScriptProgress {
            status: StatusLine::new(),
            path: path.to_string(),
            total,
            started: std::time::Instant::now(),
            last_update: std::time::Instant::now(),
        };
        let bundle = render_status(&format!("RUN SCRIPT '{path}': {total} statements to run…"), Kind::Info);
        progress.status.show(ctx, bundle).await;
        progress
    }

    /// Statement `index` (0-based) is starting.
    async fn step(&mut self, ctx: &ExecuteContext, index: usize, text: &str) {
        if index > 0 && self.last_update.elapsed() < Self::MIN_INTERVAL {
            return;
        }
        self.last_update = std::time::Instant::now();
        let first_line: String = text.lines().next().unwrap_or("").chars().take(80).collect();
        let elapsed = ksqldb_render::results::format_duration(self.started.elapsed());
        let message =
            format!("RUN SCRIPT '{}': statement {} of {} ({elapsed}): {first_line}", self.path, index + 1, self.total);
        self.status.show(ctx, render_status(&message, Kind::Info)).await;
    }

    async fn finish(&mut self, ctx: &ExecuteContext, message: &str, kind: Kind) {
        self.status.show(ctx, render_status(message, kind)).await;
    }
}

fn variables_table(variables: &BTreeMap<String, String>) -> MimeBundle {
    let rows: Vec<Vec<String>> = variables.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    simple_table(&["Variable Name", "Value"], rows, Some("Variables defined in this session (DEFINE)"))
}

fn local_properties_table(properties: &BTreeMap<String, String>) -> MimeBundle {
    let rows: Vec<Vec<String>> = properties.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    simple_table(&["Property", "Value"], rows, Some("Properties set in this session (SET), sent with every request"))
}
