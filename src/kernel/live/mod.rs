//! Live push queries (`SELECT … EMIT CHANGES`): one display that is updated in place while
//! rows arrive (at most one update per interval, none when nothing changed, a final one when
//! the query ends for any reason), in the foreground or in the background.

pub mod offset_hint;
pub mod options;
pub mod query_shape;
pub mod registry;
pub mod source;
pub mod view;

use super::request::{open_stream, report_ksql_error, request_context};
use super::scope::StatementScope;
use futures_util::FutureExt;
use jupyter_kernel::ExecuteContext;
use ksql_wire::entity::Entity;
use ksql_wire::schema::{Column, ColumnKind};
use ksqldb_client::QueryEvent;
use ksqldb_render::chart::{vega_lite, with_chart};
use ksqldb_render::chart_svg::chart_svg;
use ksqldb_render::error::ErrorReport;
use ksqldb_render::live::{live_limits, render_live_frame, LiveFrame};
use ksqldb_render::results::{format_duration, group_thousands};
use ksqldb_render::MimeBundle;
use offset_hint::QuietQueryCheck;
use options::PushOptions;
use query_shape::{from_source, group_by_key_names, unbounded_rows_of_source};
use registry::{LiveQueries, Registration};
use source::{LiveSource, ParsedAhead};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use view::{LiveView, ViewMode};

/// How often the status line of a quiet live view is refreshed.
const STATUS_TICK: Duration = Duration::from_secs(1);
/// Rows applied in one go before stop requests and display ticks are looked at again.
const DRAIN_BUDGET: u64 = 65_536;
/// Nor for longer than this: a display tick waits at most about this long.
const DRAIN_TIME: Duration = Duration::from_millis(2);

/// Why a live query ended.
#[derive(Debug)]
pub enum LiveEnding {
    /// The server ended the stream: LIMIT reached or query completed.
    Completed(Option<String>),
    StoppedByUser,
    TimedOut(Duration),
    Idle(Duration),
    Failed(ksqldb_client::KsqlError),
}

impl LiveEnding {
    fn describe(&self) -> String {
        match self {
            LiveEnding::Completed(Some(m)) => format!("✓ {m}"),
            LiveEnding::Completed(None) => "✓ completed".into(),
            LiveEnding::StoppedByUser => "■ stopped by user".into(),
            LiveEnding::TimedOut(d) => format!("■ timed out after {}", setting(*d)),
            LiveEnding::Idle(d) => format!("■ stopped: no row for {}", setting(*d)),
            LiveEnding::Failed(e) => format!("✗ failed: {}", e.short_message()),
        }
    }
}

/// Runs a push query as a live view. In the foreground the cell ends with the query; in the
/// background the cell ends at once and the view keeps updating.
pub async fn run_push(
    live: &LiveQueries,
    scope: &StatementScope,
    sql: &str,
    mut options: PushOptions,
    ctx: &ExecuteContext,
    cell_id: Option<String>,
) -> Result<Vec<MimeBundle>, ErrorReport> {
    let client = scope.connection.client.clone();
    let described = match options.mode {
        None | Some(ViewMode::Tail) if unbounded_rows_of_source(sql) => describe_from_source(scope, sql).await,
        _ => None,
    };
    // The compact format has no tombstones and no key marks: only for a STREAM whose view
    // needs neither (its keys, if any, are marked below from DESCRIBE).
    let rows_only =
        described.as_ref().is_some_and(|d| !d.is_table && (d.keys.is_empty() || options.mode == Some(ViewMode::Tail)));
    let context = request_context(scope);
    let open = async {
        if rows_only {
            client.query_rows_only(sql, &context).await
        } else {
            client.query(sql, &context).await
        }
    };
    let mut stream = open_stream(ctx, sql, open).await?;
    // The view parses only the rows it shows.
    stream.set_raw_rows(true);
    let mut columns = stream.header().columns.clone();
    if let Some(d) = described.as_ref().filter(|_| rows_only) {
        if !columns.iter().any(|c| c.kind == ColumnKind::Key) {
            for c in columns.iter_mut().filter(|c| d.keys.iter().any(|k| k.eq_ignore_ascii_case(&c.name))) {
                c.kind = ColumnKind::Key;
            }
        }
    }
    if let Some(chart) = &options.chart {
        if let Err(message) = vega_lite(chart, &columns, &[], None) {
            ctx.stream("stderr", &format!("%chart: {message}; showing the table\n")).await;
            options.chart = None;
        }
    }
    let (mode, keys, source_is_table, mode_note) = decide_mode(scope, sql, &columns, options.mode, described).await;
    let view = LiveView::new(mode, columns, keys, options.rows, options.newest_first, source_is_table);

    let query_id = stream.header().closeable_id().map(str::to_string);
    let mut notes: Vec<String> = stream.notes().to_vec();
    notes.extend(mode_note);
    let mut runner = LiveRunner::new(
        live,
        LiveSource::Query(ParsedAhead::new(stream)),
        view,
        options,
        notes,
        ctx,
        cell_id,
        sql,
        "Push query",
    );
    runner.quiet_check = QuietQueryCheck::for_push_query(scope, sql);
    if let Ok(mut id) = runner.registration.stats.query_id.lock() {
        *id = query_id;
    }
    run_live(runner, sql).await
}

/// Runs a PRINT as a live table of its records (tail view), like a push query.
pub async fn run_print(
    live: &LiveQueries,
    scope: &StatementScope,
    sql: &str,
    mut options: PushOptions,
    ctx: &ExecuteContext,
    cell_id: Option<String>,
) -> Result<Vec<MimeBundle>, ErrorReport> {
    let client = scope.connection.client.clone();
    let stream = open_stream(ctx, sql, client.print(sql, &request_context(scope))).await?;
    // A table of PRINT records has no key: tail (or changelog) only, and no chart.
    let mode = match options.mode {
        Some(ViewMode::Changelog) => ViewMode::Changelog,
        _ => ViewMode::Tail,
    };
    options.chart = None;
    let view = LiveView::new(mode, source::print_columns(), vec![], options.rows, options.newest_first, false);
    let source = LiveSource::Print { stream: Box::new(stream), new_notes: Vec::new() };
    let runner = LiveRunner::new(live, source, view, options, Vec::new(), ctx, cell_id, sql, "PRINT");
    run_live(runner, sql).await
}

/// Shows the first frame, then drives the view: in the background (the cell ends now) or in
/// the foreground (the cell ends with it).
async fn run_live(mut runner: LiveRunner, sql: &str) -> Result<Vec<MimeBundle>, ErrorReport> {
    if runner.options.background {
        let (number, what) = (runner.registration.number, runner.what);
        // Said under the table while it runs: the cell keeps one output, updated in place.
        runner.background_note = Some(format!(
            "{what} #{number} runs in the background: this table updates in place. %queries lists the running \
             queries; %stop {number} stops it."
        ));
        runner.show_first_frame().await;
        tokio::spawn(runner.drive(None));
        return Ok(vec![]);
    }
    runner.show_first_frame().await;
    let ctx = runner.ctx.clone();
    let cancel = ctx.cancellation().clone();
    match runner.drive(Some(cancel)).await {
        LiveEnding::Failed(error) => Err(report_ksql_error(&error, Some(sql))),
        _ => Ok(vec![]),
    }
}

/// The state of a running view: when it was last drawn, so a copy saved mid-query (the
/// notebook file, an export) does not claim to be running now.
fn running() -> String {
    format!("● running (as of {} UTC)", chrono::Utc::now().format("%Y-%m-%d %H:%M:%S"))
}

struct LiveRunner {
    registry: LiveQueries,
    /// `None` once closed.
    stream: Option<LiveSource>,
    view: LiveView,
    ctx: ExecuteContext,
    display_id: String,
    options: PushOptions,
    notes: Vec<String>,
    /// With --background: how to list and stop it, under the table while it runs.
    background_note: Option<String>,
    registration: Registration,
    started: Instant,
    /// When the display last got a frame (the status line ticks once a [`STATUS_TICK`]).
    last_shown: Instant,
    /// "Push query" or "PRINT", for messages.
    what: &'static str,
    /// The statement, for `%save`'s message.
    sql: String,
    /// Other cells showing this view (`%queries --show`, `%stop`), updated like the first.
    attached: Vec<ExecuteContext>,
    /// Whether a query with no rows reads only new records from a source that has some.
    quiet_check: QuietQueryCheck,
    /// That check's finding, shown while no row has come.
    quiet_hint: Option<String>,
}

impl LiveRunner {
    /// A live view of `source`, registered (for %queries, %stop and re-runs of the cell).
    #[allow(clippy::too_many_arguments)]
    fn new(
        live: &LiveQueries,
        source: LiveSource,
        view: LiveView,
        options: PushOptions,
        notes: Vec<String>,
        ctx: &ExecuteContext,
        cell_id: Option<String>,
        sql: &str,
        what: &'static str,
    ) -> LiveRunner {
        LiveRunner {
            registration: live.register(cell_id, sql, options.background),
            registry: live.clone(),
            stream: Some(source),
            view,
            ctx: ctx.clone(),
            display_id: uuid::Uuid::new_v4().to_string(),
            options,
            notes,
            background_note: None,
            started: Instant::now(),
            last_shown: Instant::now(),
            what,
            sql: sql.to_string(),
            attached: Vec::new(),
            quiet_check: QuietQueryCheck::None,
            quiet_hint: None,
        }
    }

    /// Adds the notes the source brought since last time (PRINT's formats), each once.
    fn take_source_notes(&mut self) {
        let Some(source) = self.stream.as_mut() else { return };
        for note in source.take_notes() {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
    }

    // `&mut self`: a `&self` held across an await would need the stream to be Sync.
    async fn show_first_frame(&mut self) {
        // The next frames are due one interval after this one was drawn.
        self.last_shown = Instant::now();
        let bundle = self.frame(&running(), true, false);
        self.ctx.display(bundle.data, bundle.metadata, Some(&self.display_id)).await;
    }

    /// Shows the view in another cell (same display id, so a page that still has the first
    /// output updates both) and keeps that cell updated to the end.
    async fn attach(&mut self, ctx: ExecuteContext) {
        let bundle = self.frame(&running(), false, false);
        ctx.display(bundle.data, bundle.metadata, Some(&self.display_id)).await;
        // A few at most: each is one more message per frame.
        if self.attached.len() == 4 {
            self.attached.remove(0);
        }
        self.attached.push(ctx);
    }

    async fn update_attached(&mut self, bundle: &MimeBundle) {
        for ctx in &self.attached {
            ctx.update_display(bundle.data.clone(), bundle.metadata.clone(), &self.display_id).await;
        }
    }

    /// Reads the stream until it ends, is stopped, times out or fails, updating the display
    /// at most once per interval; then closes the query and shows the final frame.
    async fn drive(mut self, foreground: Option<CancellationToken>) -> LiveEnding {
        let foreground = foreground.unwrap_or_default();
        let stop = self.registration.stop.clone();
        let deadline = self.options.timeout.map(|t| tokio::time::Instant::now() + t);
        let interval = self.options.interval;
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::from_std(self.last_shown) + interval, interval);
        // Ticks keep their schedule: a frame drawn late does not push the next ones later.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut last_row = Instant::now();
        // Created once: a new timer per row would cost more than the row itself.
        let timeout = sleep_until(deadline);
        tokio::pin!(timeout);
        // An event read ahead while draining rows, handled on the next turn.
        let mut pending: Option<Option<Result<QueryEvent, ksqldb_client::KsqlError>>> = None;
        let ending = loop {
            let event = match pending.take() {
                Some(event) => event,
                None => tokio::select! {
                    biased;
                    _ = stop.cancelled() => break LiveEnding::StoppedByUser,
                    _ = foreground.cancelled() => break LiveEnding::StoppedByUser,
                    _ = &mut timeout => break LiveEnding::TimedOut(self.options.timeout.unwrap_or_default()),
                    _ = ticker.tick() => {
                        if let Some(idle) = self.options.idle {
                            if last_row.elapsed() >= idle {
                                break LiveEnding::Idle(idle);
                            }
                        }
                        if let Some(hint) = self.quiet_check.poll(self.view.rows_received, self.started.elapsed()) {
                            self.quiet_hint = Some(hint);
                        }
                        // Without new rows the status line still ticks (elapsed, rate, "waiting
                        // for rows") about once a second, so a quiet query does not look hung.
                        if self.view.is_dirty() || self.last_shown.elapsed() >= STATUS_TICK {
                            self.update(&running()).await;
                        }
                        continue;
                    }
                    Some(done) = self.registration.flush.recv() => {
                        self.update(&running()).await;
                        let _ = done.send(());
                        continue;
                    }
                    Some((ctx, done)) = self.registration.attach.recv() => {
                        // A request its asker gave up on (it said "no such query") is dropped.
                        if !done.is_closed() {
                            self.attach(ctx).await;
                            let _ = done.send(());
                        }
                        continue;
                    }
                    event = next_event(&mut self.stream) => event,
                },
            };
            match event {
                Some(Ok(event @ (QueryEvent::Row(_) | QueryEvent::Rows(_)))) => {
                    self.view.apply_event(event);
                    // Rows already received are applied without a select! per row, which
                    // would cost more than the row; the budgets keep stop and ticks prompt.
                    let budget_end = self.view.rows_received + DRAIN_BUDGET;
                    let drain_started = Instant::now();
                    while self.view.rows_received < budget_end && drain_started.elapsed() < DRAIN_TIME {
                        match next_event(&mut self.stream).now_or_never() {
                            Some(Some(Ok(event @ (QueryEvent::Row(_) | QueryEvent::Rows(_))))) => {
                                self.view.apply_event(event)
                            }
                            Some(other) => {
                                pending = Some(other);
                                break;
                            }
                            None => break,
                        }
                    }
                    self.registration.stats.rows.store(self.view.rows_received, Ordering::Relaxed);
                    last_row = Instant::now();
                    self.take_source_notes();
                }
                Some(Ok(QueryEvent::Final(message))) => {
                    // The stream ends right after its final message.
                    let _ = next_event(&mut self.stream).await;
                    break LiveEnding::Completed(Some(message));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => break LiveEnding::Failed(e),
                None => break LiveEnding::Completed(None),
            }
        };
        if let Ok(mut state) = self.registration.stats.state.lock() {
            *state = ending.describe();
        }
        self.take_source_notes();
        if let Some(stream) = self.stream.take() {
            if !matches!(ending, LiveEnding::Completed(_)) {
                // Frees the transient query on the server (/close-query or dropping the stream).
                let _ = tokio::time::timeout(Duration::from_secs(5), stream.close()).await;
            }
        }
        if !matches!(ending, LiveEnding::Failed(_)) {
            if let Some(hint) = self.quiet_check.finish(self.view.rows_received).await {
                self.quiet_hint = Some(hint);
            }
        }
        let mut frame = self.frame_spec(&ending.describe(), true);
        if let Some(note) = &self.background_note {
            frame.footer.retain(|n| n != note);
        }
        frame.final_message = match &ending {
            LiveEnding::Completed(m) => m.clone(),
            _ => None,
        };
        frame.state = Some(ending.describe());
        let bundle = render_live_frame(self.view.columns(), &self.view.rows(), &frame, &live_limits());
        let bundle = self.charted(bundle, &frame.status, true);
        if self.what != "PRINT" {
            let rows: Vec<_> = self.view.rows().iter().filter(|r| !r.tombstone).map(|r| r.values.clone()).collect();
            let columns = self.view.columns().to_vec();
            // A view holds what it shows: that is its result.
            let total = rows.len() as u64;
            self.registry.last_result.set(crate::kernel::save::SavedRows {
                columns,
                rows,
                query: self.sql.clone(),
                total,
            });
        }
        self.show_final_frame(bundle).await;
        if let LiveEnding::Failed(error) = &ending {
            if self.options.background {
                let message = error.short_message();
                self.ctx
                    .stream("stderr", &format!("{} #{} failed: {message}\n", self.what, self.registration.number))
                    .await;
            }
        }
        ending
    }

    /// The last frame. A foreground view watched by a person ends as a new output and its live
    /// output is emptied: front ends that ignore display updates (jupyter console) then show
    /// the final table too, and a notebook still shows one table. Headless runs (nbclient,
    /// papermill) keep one output updated in place; so do a background view (its cell ended
    /// long ago) and one that other cells show (they hold the same display).
    async fn show_final_frame(&mut self, bundle: MimeBundle) {
        if self.options.background || !self.attached.is_empty() || !self.options.interactive {
            self.mirror(&bundle).await;
            self.update_attached(&bundle).await;
            self.ctx.update_display(bundle.data, bundle.metadata, &self.display_id).await;
        } else {
            self.ctx.update_display(Default::default(), Default::default(), &self.display_id).await;
            self.ctx.display(bundle.data, bundle.metadata, None).await;
        }
        self.view.frame_rendered();
    }

    async fn update(&mut self, state: &str) {
        let bundle = self.frame(state, true, false);
        self.mirror(&bundle).await;
        self.update_attached(&bundle).await;
        self.ctx.update_display(bundle.data, bundle.metadata, &self.display_id).await;
        self.view.frame_rendered();
        self.last_shown = Instant::now();
    }

    /// Also sends the frame parented to the cell running now (if another one), so clients
    /// that only listen to the running cell (nbclient) keep this display current.
    async fn mirror(&mut self, bundle: &MimeBundle) {
        let Some(current) = self.registry.current() else { return };
        if current.parent_msg_id() != self.ctx.parent_msg_id() {
            current.update_display(bundle.data.clone(), bundle.metadata.clone(), &self.display_id).await;
        }
    }

    fn frame(&self, state: &str, highlight: bool, include_json: bool) -> MimeBundle {
        let mut frame = self.frame_spec(state, include_json);
        frame.highlight_changes = highlight;
        let bundle = render_live_frame(self.view.columns(), &self.view.rows(), &frame, &live_limits());
        self.charted(bundle, &frame.status, false)
    }

    /// With `%chart`: the frame as a Vega-Lite chart (the status line as its subtitle); the
    /// final frame also carries the static picture (updates stay light).
    fn charted(&self, bundle: MimeBundle, status: &str, last: bool) -> MimeBundle {
        let Some(chart) = &self.options.chart else { return bundle };
        let rows = self.view.rows();
        let values: Vec<&[serde_json::Value]> =
            rows.iter().filter(|r| !r.tombstone).map(|r| r.values.as_slice()).collect();
        match vega_lite(chart, self.view.columns(), &values, Some(status)) {
            Ok(spec) => {
                let picture =
                    if last { chart_svg(chart, self.view.columns(), &values, Some(status)).ok() } else { None };
                with_chart(bundle, spec, picture)
            }
            Err(_) => bundle,
        }
    }

    fn frame_spec(&self, state: &str, include_json: bool) -> LiveFrame {
        let elapsed = self.started.elapsed();
        let rows = self.view.rows_received;
        let rate = if elapsed.as_secs_f64() > 0.0 { rows as f64 / elapsed.as_secs_f64() } else { 0.0 };
        let mut status = vec![state.to_string()];
        status.push(format!("#{}", self.registration.number));
        if let Some(id) = self.stream_id() {
            status.push(id);
        }
        // `include_json` marks the final frame: a running query with no row yet is waiting.
        if rows == 0 && !include_json {
            status.push("waiting for rows".to_string());
        } else {
            status.push(format!("{} rows", group_thousands(rows)));
        }
        if self.view.tombstones > 0 {
            status.push(format!("{} deletes", group_thousands(self.view.tombstones)));
        }
        status.push(format!("{}/s", format_rate(rate)));
        status.push(format_duration(elapsed));
        status.push(format!("{} view", self.view.mode.name()));
        let mut footer = self.view.footer();
        footer.extend(self.notes.iter().cloned());
        footer.extend(self.background_note.iter().cloned());
        if rows == 0 {
            footer.extend(self.quiet_hint.iter().cloned());
        }
        LiveFrame {
            status: status.join(" · "),
            footer,
            op_column: self.view.mode == ViewMode::Changelog,
            arrival_column: self.view.mode == ViewMode::Changelog,
            include_json,
            highlight_changes: false,
            total_rows: rows,
            query_id: self.stream_id(),
            final_message: None,
            state: None,
        }
    }

    fn stream_id(&self) -> Option<String> {
        self.registration.stats.query_id.lock().ok().and_then(|q| q.clone())
    }
}

/// A duration the user set, as they would write it: `10 s`, `1.5 s`, `500 ms`.
fn setting(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} s", d.as_secs_f64())
    }
}

fn format_rate(rate: f64) -> String {
    if rate >= 1000.0 {
        group_thousands(rate.round() as u64)
    } else if rate >= 10.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.1}")
    }
}

async fn next_event(stream: &mut Option<LiveSource>) -> Option<Result<QueryEvent, ksqldb_client::KsqlError>> {
    match stream.as_mut() {
        Some(s) => s.next().await,
        None => None,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Chooses the view: the user's choice, else a keyed table when the result has a key
/// (key columns in the header, a GROUP BY, or a TABLE source), else a tail of rows.
pub(crate) async fn decide_mode(
    scope: &StatementScope,
    sql: &str,
    columns: &[Column],
    requested: Option<ViewMode>,
    described: Option<DescribedSource>,
) -> (ViewMode, Vec<usize>, bool, Option<String>) {
    let index_of = |name: &str| columns.iter().position(|c| c.name.eq_ignore_ascii_case(name));
    let mut keys: Vec<usize> =
        columns.iter().enumerate().filter(|(_, c)| c.kind == ColumnKind::Key).map(|(i, _)| i).collect();
    let mut source_is_table = !keys.is_empty();
    if keys.is_empty() {
        if let Some(names) = group_by_key_names(sql) {
            let found: Vec<Option<usize>> = names.iter().map(|n| index_of(n)).collect();
            if !found.is_empty() && found.iter().all(Option::is_some) {
                keys = found.into_iter().flatten().collect();
                source_is_table = true;
            }
        }
    }
    if keys.is_empty() && requested != Some(ViewMode::Tail) {
        let described = match described {
            Some(d) => Some(d),
            None => describe_from_source(scope, sql).await,
        };
        if let Some(key_names) = described.filter(|d| d.is_table).map(|d| d.keys) {
            source_is_table = true;
            let found: Vec<Option<usize>> = key_names.iter().map(|n| index_of(n)).collect();
            if !found.is_empty() && found.iter().all(Option::is_some) {
                keys = found.into_iter().flatten().collect();
            }
        }
    }
    if !keys.is_empty() {
        // Windowed results are keyed by key and window.
        for bound in ["WINDOWSTART", "WINDOWEND"] {
            if let Some(i) = index_of(bound) {
                if !keys.contains(&i) {
                    keys.push(i);
                }
            }
        }
    }
    match requested {
        Some(ViewMode::Table) if keys.is_empty() => (
            ViewMode::Tail,
            keys,
            source_is_table,
            Some(
                "Table view needs the result's key columns, which are not among the selected columns: showing the \
                 last rows instead."
                    .into(),
            ),
        ),
        Some(mode) => (mode, keys, source_is_table, None),
        None if !keys.is_empty() => (ViewMode::Table, keys, source_is_table, None),
        None => (ViewMode::Tail, keys, source_is_table, None),
    }
}

/// What DESCRIBE says of a query's FROM source.
pub(crate) struct DescribedSource {
    is_table: bool,
    keys: Vec<String>,
}

/// DESCRIBE of the query's FROM source; `None` when there is none or it cannot be described.
async fn describe_from_source(scope: &StatementScope, sql: &str) -> Option<DescribedSource> {
    let source = from_source(sql)?;
    let client = &scope.connection.client;
    let describe = format!("DESCRIBE {source};");
    let entities = tokio::time::timeout(Duration::from_secs(3), client.ksql(&describe, &request_context(scope)))
        .await
        .ok()?
        .ok()?;
    let Some(Entity::SourceDescription(described)) = entities.first() else { return None };
    let description = &described.source_description;
    Some(DescribedSource {
        is_table: description.source_type.as_deref()?.eq_ignore_ascii_case("TABLE"),
        keys: description.fields.iter().filter(|f| f.is_key()).map(|f| f.name.clone()).collect(),
    })
}
