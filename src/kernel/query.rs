//! Pull queries (SELECT without EMIT CHANGES): read the row stream to its end, counting rows
//! past the row cap, or until the user interrupts, then show the result as one table. (Push
//! queries and PRINT are live views: see `live`.)

use super::request::{open_stream, report_ksql_error, request_context};
use super::save::{LastResult, SavedRows};
use super::scope::StatementScope;
use jupyter_kernel::ExecuteContext;
use ksqldb_client::QueryEvent;
use ksqldb_render::chart::{vega_lite, with_chart, ChartSpec};
use ksqldb_render::chart_svg::chart_svg;
use ksqldb_render::error::ErrorReport;
use ksqldb_render::results::{render_query_result, ResultSummary};
use ksqldb_render::MimeBundle;
use std::time::{Duration, Instant};

/// Why reading stopped.
enum Ending {
    Completed,
    Interrupted,
    Failed(ErrorReport),
}

/// A pull query (push queries are live views: see `live`).
pub async fn run_select(
    scope: &StatementScope,
    sql: &str,
    chart: Option<&ChartSpec>,
    last_result: &LastResult,
    ctx: &ExecuteContext,
) -> Result<Vec<MimeBundle>, ErrorReport> {
    let started = Instant::now();
    let client = &scope.connection.client;
    let mut stream = open_stream(ctx, sql, client.query(sql, &request_context(scope))).await?;
    let columns = stream.header().columns.clone();
    // Old servers send the placeholder "none": not an id to show.
    let query_id = stream.header().closeable_id().map(str::to_string);
    let notes: Vec<String> = stream.notes().to_vec();
    // A pull query whose server sends no byte for the request timeout is a stalled server
    // (bytes, not rows: a slow, huge row is not a stall).
    stream.set_stall_timeout(scope.connection.target.request_timeout);

    let mut rows = Vec::new();
    let mut tombstones = Vec::new();
    let mut total: u64 = 0;
    let mut final_message = None;
    let ending = loop {
        let next = tokio::select! {
            event = stream.next() => event,
            _ = ctx.cancellation().cancelled() => break Ending::Interrupted,
        };
        match next {
            None => break Ending::Completed,
            Some(Ok(QueryEvent::Row(row))) => {
                total += 1;
                if rows.len() < scope.row_cap {
                    rows.push(row.values);
                    tombstones.push(row.tombstone);
                }
            }
            Some(Ok(QueryEvent::Final(message))) => final_message = Some(message),
            Some(Ok(_)) => {}
            Some(Err(e)) => break Ending::Failed(report_ksql_error(&e, Some(sql))),
        }
    };
    let mut summary = ResultSummary {
        total_rows: total,
        row_cap: scope.row_cap,
        elapsed: Some(started.elapsed()),
        query_id,
        final_message,
        notes,
        tombstones,
        ..Default::default()
    };
    // A pull query reads to its end: rows past the cap are counted, not kept.
    match &ending {
        Ending::Interrupted => summary.notes.push("Stopped by the user.".into()),
        Ending::Failed(_) => {
            summary.notes.push("The query failed; the rows received before the error are shown.".into())
        }
        Ending::Completed => {}
    }
    if !matches!(ending, Ending::Completed) {
        // Free the server-side query (an interrupted or failed read).
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.close()).await;
    }
    let mut table = render_query_result(&columns, &rows, &summary);
    let kept: Vec<Vec<serde_json::Value>> = rows
        .iter()
        .zip(summary.tombstones.iter().chain(std::iter::repeat(&false)))
        .filter(|(_, t)| !**t)
        .map(|(r, _)| r.clone())
        .collect();
    last_result.set(SavedRows { columns: columns.clone(), rows: kept, query: sql.to_string(), total });
    if let Some(chart) = chart {
        let charted: Vec<&[serde_json::Value]> = rows
            .iter()
            .zip(summary.tombstones.iter().chain(std::iter::repeat(&false)))
            .filter(|(_, t)| !**t)
            .map(|(r, _)| r.as_slice())
            .collect();
        match vega_lite(chart, &columns, &charted, None) {
            Ok(spec) => table = with_chart(table, spec, picture(chart, &columns, &charted, None, ctx).await),
            Err(message) => ctx.stream("stderr", &format!("%chart: {message}; showing the table\n")).await,
        }
    }
    match ending {
        Ending::Completed => Ok(vec![table]),
        Ending::Interrupted => {
            ctx.display(table.data, table.metadata, None).await;
            Err(ErrorReport::interrupted(&format!("query stopped after {total} rows")))
        }
        Ending::Failed(report) => {
            if total > 0 {
                ctx.display(table.data, table.metadata, None).await;
            }
            Err(report)
        }
    }
}

/// The chart's static picture, or None with a note on stderr saying why (the interactive
/// chart is shown either way).
pub(super) async fn picture(
    chart: &ChartSpec,
    columns: &[ksql_wire::schema::Column],
    rows: &[&[serde_json::Value]],
    subtitle: Option<&str>,
    ctx: &ExecuteContext,
) -> Option<String> {
    match chart_svg(chart, columns, rows, subtitle) {
        Ok(svg) => Some(svg),
        Err(message) => {
            ctx.stream("stderr", &format!("%chart: no static picture for saved copies: {message}\n")).await;
            None
        }
    }
}
