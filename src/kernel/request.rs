//! What every request to the server needs: the scope's properties and variables, an
//! interrupt that ends the wait, a status line while a slow answer is awaited, and the
//! report a failed request shows. Used by every statement path (so none imports another).

use super::scope::StatementScope;
use super::status_line::StatusLine;
use jupyter_kernel::ExecuteContext;
use ksqldb_client::{KsqlError, RequestContext};
use ksqldb_render::error::ErrorReport;
use ksqldb_render::messages::{render_status, Kind};

pub fn request_context(scope: &StatementScope) -> RequestContext<'_> {
    RequestContext { properties: &scope.properties, session_variables: &scope.variables }
}

/// Awaits a query or PRINT request (`request`, the client's call) unless the user interrupts
/// first; the server's refusal becomes the cell's error report, naming `sql`.
pub async fn open_stream<T>(
    ctx: &ExecuteContext,
    sql: &str,
    request: impl std::future::Future<Output = Result<T, KsqlError>>,
) -> Result<T, ErrorReport> {
    with_interrupt(ctx, request).await?.map_err(|e| report_ksql_error(&e, Some(sql)))
}

/// Awaits `work` unless the user interrupts first.
pub async fn with_interrupt<T>(
    ctx: &ExecuteContext,
    work: impl std::future::Future<Output = T>,
) -> Result<T, ErrorReport> {
    tokio::select! {
        result = work => Ok(result),
        _ = ctx.cancellation().cancelled() => Err(ErrorReport::interrupted("the statement was interrupted")),
    }
}

/// A statement that takes longer than this shows a status line while it waits.
const WAIT_STATUS_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Awaits a statement's request to the server (a /ksql request, a pull query). The kernel
/// reaches servers (the embedded sandbox too) only over HTTP, so it cannot see their internal
/// progress: after [`WAIT_STATUS_AFTER`] it shows "Waiting for the server… n s", updated in
/// place every second, and clears that line when the answer has arrived (the result follows as
/// the statement's own output). Interrupts are the caller's (see [`with_interrupt`]).
pub async fn with_wait_status<T>(ctx: &ExecuteContext, work: impl std::future::Future<Output = T>) -> T {
    let started = tokio::time::Instant::now();
    let mut ticker = tokio::time::interval_at(started + WAIT_STATUS_AFTER, std::time::Duration::from_secs(1));
    let mut status = StatusLine::new();
    tokio::pin!(work);
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = ticker.tick() => {
                let message = format!("Waiting for the server… {} s", started.elapsed().as_secs());
                status.show(ctx, render_status(&message, Kind::Info)).await;
            }
        }
    };
    status.clear(ctx).await;
    result
}

pub fn report_ksql_error(error: &KsqlError, statement: Option<&str>) -> ErrorReport {
    let hint = error.hint();
    match error {
        KsqlError::Connect { url, detail } => ErrorReport::connection(url, detail, hint.as_deref()),
        KsqlError::Server { message, statement_text, .. } => {
            ErrorReport::ksql(error.error_code(), message, statement_text.as_deref().or(statement), hint.as_deref())
        }
        // Show what arrived: the reason a stream could not be read is in those bytes.
        KsqlError::Protocol { message, received } if !received.trim().is_empty() => {
            ErrorReport::ksql(None, &format!("{message}\nReceived: {}", received.trim()), statement, hint.as_deref())
        }
        other => ErrorReport::ksql(error.error_code(), &other.to_string(), statement, hint.as_deref()),
    }
}
