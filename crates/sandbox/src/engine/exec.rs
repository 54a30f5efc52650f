//! The runtime of a query: records in, output rows out, incrementally.
//!
//! One [`Executor`] runs one query (persistent or transient). Its stages are fixed by the
//! planner: decode inputs -> join -> filter -> table function -> project or aggregate.
//! Rows are `Vec<Value>` in the layout of the stage's scope. Table inputs keep their
//! latest row per key so that updates become (old, new) changes, which aggregations undo
//! and re-apply.

use std::ops::Range;

mod carry_over;
mod groups;
mod table_state;

pub use table_state::TableEntry;

use super::fk_join::{ForeignKeyJoin, ForeignKeyShape};
pub use super::rows::{combine_join_rows, combine_join_rows_owned, Change, Row, StateKey, StateMap, StateSet};
use super::window_join::WindowJoin;
use crate::catalog::{ColKind, Source};
use crate::expr::EvalFn;
use crate::functions::aggregate::{Accumulator, AggFn};
use crate::functions::table::TableFn;
use crate::sql::ast::{JoinKind, WindowKind, WindowSpec};
use crate::topics::{deserialize, deserialize_into, Format, Record};
use crate::types::*;

/// One result of a query: the key, the projected row (None: a tombstone), the timestamp
/// and the window of a windowed key.
#[derive(Debug, Clone)]
pub struct Output {
    pub key: Vec<Value>,
    pub row: Option<Row>,
    pub ts: i64,
    pub window: Option<(i64, i64)>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Reads records of one source into rows of the source scope:
/// `[key columns.., WINDOWSTART, WINDOWEND (windowed only), value/header columns.., ROWTIME, ROWPARTITION, ROWOFFSET]`.
pub struct Decoder {
    pub source: Source,
    key_cols: Vec<(String, SqlType)>,
    value_cols: Vec<(String, SqlType)>,
    /// For each non-key column in source order: Some(i) = value column i, None = header.
    layout: Vec<Slot>,
    ts_col: Option<usize>,
    pub width: usize,
    /// Per value column: a STRING column no expression of the query reads, left NULL in the
    /// rows of a JSON object (see [`Decoder::leave_unread`]). Empty: every column is read.
    unread: Vec<bool>,
}

enum Slot {
    Value(usize),
    Header(Option<String>),
}

pub const PSEUDO: [&str; 3] = ["ROWTIME", "ROWPARTITION", "ROWOFFSET"];

impl Decoder {
    pub fn new(source: &Source) -> Decoder {
        let key_cols = source.key_columns();
        let value_cols = source.value_columns();
        let mut layout = Vec::new();
        let mut vi = 0;
        for c in source.columns.iter().filter(|c| c.kind != ColKind::Key) {
            match &c.kind {
                ColKind::Value => {
                    layout.push(Slot::Value(vi));
                    vi += 1;
                }
                ColKind::Header(k) => layout.push(Slot::Header(k.clone())),
                ColKind::Key => {}
            }
        }
        let win = if source.is_windowed() { 2 } else { 0 };
        let ts_col =
            source.timestamp_column.as_ref().and_then(|t| source.columns.iter().position(|c| &c.name == t)).map(
                |pos| {
                    // Position in the row layout.
                    let nkeys = key_cols.len();
                    let col = &source.columns[pos];
                    if col.kind == ColKind::Key {
                        source.columns.iter().take(pos).filter(|c| c.kind == ColKind::Key).count()
                    } else {
                        nkeys + win + source.columns.iter().take(pos).filter(|c| c.kind != ColKind::Key).count()
                    }
                },
            );
        let width = key_cols.len() + win + layout.len() + 3;
        Decoder { source: source.clone(), key_cols, value_cols, layout, ts_col, width, unread: Vec::new() }
    }

    pub fn key_len(&self) -> usize {
        self.key_cols.len()
    }

    /// The value columns [`Decoder::leave_unread`] left unread.
    #[cfg(test)]
    pub fn unread_columns(&self) -> Vec<&str> {
        self.value_cols.iter().zip(&self.unread).filter(|(_, u)| **u).map(|((n, _), _)| n.as_str()).collect()
    }

    /// Leaves NULL in decoded rows the STRING value columns whose names are not in `read`
    /// (the names a query's expressions mention, see `plan::columns_read`), but for the
    /// source's timestamp column. Such a column is read only to be dropped: a wide record
    /// then costs no `String` per text field the query ignores. Only STRING columns, since
    /// a string reads as STRING without fail: whether a record reads does not change.
    pub fn leave_unread(&mut self, read: &[String]) {
        let ts = self.source.timestamp_column.as_deref();
        let is_read = |name: &str| Some(name) == ts || read.iter().any(|r| r.eq_ignore_ascii_case(name));
        self.unread = self.value_cols.iter().map(|(name, ty)| *ty == SqlType::String && !is_read(name)).collect();
        if !self.unread.contains(&true) {
            self.unread.clear();
        }
    }

    pub fn decode(&self, rec: &Record) -> Result<Option<Row>, String> {
        let s = &self.source;
        let mut row = Vec::with_capacity(self.width);
        deserialize_into(&s.key_format, &self.key_cols, rec.key(), false, &[], &mut row)?;
        if s.is_windowed() {
            let (ws, we) = rec.window().unwrap_or((0, 0));
            row.push(Value::Bigint(ws));
            row.push(Value::Bigint(we));
        }
        if rec.value().is_none() {
            return Ok(None);
        }
        if self.layout.len() == self.value_cols.len() {
            // Value columns only (no headers), in order: read straight into the row.
            let (cols, wrap) = (&self.value_cols, s.value_wrapped());
            deserialize_into(&s.value_format, cols, rec.value(), wrap, &self.unread, &mut row)?;
            return self.finish(rec, row).map(Some);
        }
        let mut values = deserialize(&s.value_format, &self.value_cols, rec.value(), s.value_wrapped())?;
        for slot in &self.layout {
            match slot {
                Slot::Value(i) => row.push(std::mem::take(&mut values[*i])),
                Slot::Header(None) => row.push(Value::Array(
                    rec.headers()
                        .iter()
                        .map(|(k, v)| {
                            Value::Struct(vec![
                                ("KEY".into(), Value::String(k.clone())),
                                ("VALUE".into(), v.clone().map(Value::Bytes).unwrap_or(Value::Null)),
                            ])
                        })
                        .collect(),
                )),
                Slot::Header(Some(k)) => row.push(
                    rec.headers()
                        .iter()
                        .rev()
                        .find(|(hk, _)| hk == k)
                        .and_then(|(_, v)| v.clone())
                        .map(Value::Bytes)
                        .unwrap_or(Value::Null),
                ),
            }
        }
        self.finish(rec, row).map(Some)
    }

    /// Appends the pseudocolumns to a decoded row, its time read from its timestamp column.
    fn finish(&self, rec: &Record, mut row: Row) -> Result<Row, String> {
        let s = &self.source;
        let ts = match self.ts_col {
            Some(i) => match &row[i] {
                Value::Timestamp(t) | Value::Bigint(t) => *t,
                Value::String(st) => match &s.timestamp_format {
                    Some(f) => crate::functions::scalar::parse_ts(st, f, None)
                        .ok_or_else(|| format!("Failed to parse timestamp '{st}' with formatter '{f}'"))?,
                    None => parse_timestamp(st).ok_or_else(|| format!("Failed to parse timestamp '{st}'"))?,
                },
                Value::Null => return Err("Timestamp column is null".into()),
                other => other.as_i64().unwrap_or(rec.timestamp),
            },
            None => rec.timestamp,
        };
        if ts < 0 {
            return Err(format!("Invalid timestamp {ts}: a record's time cannot be before 1970"));
        }
        row.push(Value::Bigint(ts));
        row.push(Value::Int(rec.partition as i32));
        row.push(Value::Bigint(rec.offset as i64));
        Ok(row)
    }

    /// The row [`Decoder::decode`] reads from `rec`, built from the key and value columns it
    /// was encoded from, without decoding it. None when a round trip through the formats
    /// could change a value (other formats or types, a timestamp or header column): the
    /// caller decodes then.
    pub fn row_of(&self, rec: &Record, key: Vec<Value>, values: Vec<Value>) -> Option<Row> {
        if !self.reads_back(&key, &values) {
            return None;
        }
        Some(self.row_from_parts(key, values, rec.window(), rec.timestamp, (rec.partition, rec.offset)))
    }

    /// The row of a record made of these parts, when [`Decoder::reads_back`] holds for its key
    /// and values (no record needs to be built: pull queries read thousands of such rows).
    pub fn row_from_parts(
        &self,
        key: impl IntoIterator<Item = Value>,
        values: impl IntoIterator<Item = Value>,
        window: Option<(i64, i64)>,
        timestamp: i64,
        (partition, offset): (u32, u64),
    ) -> Row {
        self.lay_out(key, values, window, timestamp, (partition, offset)).0
    }

    /// [`Decoder::row_from_parts`] at partition 0 and offset 0, the columns taken straight
    /// into the row (one allocation); Err with the key and value columns when they would not
    /// read back unchanged from a record (see [`Decoder::reads_back`]).
    pub fn row_from_columns(
        &self,
        key: impl IntoIterator<Item = Value>,
        values: impl IntoIterator<Item = Value>,
        window: Option<(i64, i64)>,
        timestamp: i64,
    ) -> Result<Row, (Vec<Value>, Vec<Value>)> {
        let (mut row, keys, vals) = self.lay_out(key, values, window, timestamp, (0, 0));
        if self.reads_back(&row[keys.clone()], &row[vals.clone()]) {
            return Ok(row);
        }
        row.truncate(vals.end);
        let values = row.split_off(vals.start);
        row.truncate(keys.end);
        Err((row, values))
    }

    /// A record's row laid out from its parts: the key columns, a windowed source's bounds,
    /// the value columns, the pseudocolumns; with where the key and value columns sit.
    fn lay_out(
        &self,
        key: impl IntoIterator<Item = Value>,
        values: impl IntoIterator<Item = Value>,
        window: Option<(i64, i64)>,
        timestamp: i64,
        (partition, offset): (u32, u64),
    ) -> (Row, Range<usize>, Range<usize>) {
        let mut row = Vec::with_capacity(self.width);
        row.extend(key);
        let keys = 0..row.len();
        if self.source.is_windowed() {
            let (ws, we) = window.unwrap_or((0, 0));
            row.extend([Value::Bigint(ws), Value::Bigint(we)]);
        }
        let values_start = row.len();
        row.extend(values);
        let vals = values_start..row.len();
        row.extend([Value::Bigint(timestamp), Value::Int(partition as i32), Value::Bigint(offset as i64)]);
        (row, keys, vals)
    }

    /// Whether a record written from these key and value values decodes to them unchanged
    /// (what [`Decoder::row_of`] needs to build the row without the record's bytes).
    pub fn reads_back(&self, key: &[Value], values: &[Value]) -> bool {
        let s = &self.source;
        let plain_format = |f: &Format| matches!(f, Format::Json | Format::Kafka | Format::None);
        let plain = self.ts_col.is_none()
            && self.layout.len() == self.value_cols.len()
            && plain_format(&s.key_format)
            && plain_format(&s.value_format)
            && key.len() == self.key_cols.len()
            && values.len() == self.value_cols.len();
        let cols = self.key_cols.iter().zip(key).chain(self.value_cols.iter().zip(values));
        plain && cols.into_iter().all(|((_, t), v)| round_trips(v, t))
    }

    /// The key part of a row (plus the window for windowed sources) as a hashable key.
    pub fn state_key(&self, row: &[Value]) -> Vec<KeyPart> {
        let n = self.key_cols.len() + if self.source.is_windowed() { 2 } else { 0 };
        row[..n].iter().map(key_part).collect()
    }

    /// A row holding only the key (and window) of a deleted table row.
    pub fn key_only_row(&self, rec: &Record) -> Result<Row, String> {
        let s = &self.source;
        let mut row = deserialize(&s.key_format, &self.key_cols, rec.key(), false)?;
        if s.is_windowed() {
            let (ws, we) = rec.window().unwrap_or((0, 0));
            row.push(Value::Bigint(ws));
            row.push(Value::Bigint(we));
        }
        row.resize(self.width - 3, Value::Null);
        row.push(Value::Bigint(rec.timestamp));
        row.push(Value::Int(rec.partition as i32));
        row.push(Value::Bigint(rec.offset as i64));
        Ok(row)
    }
}

/// Whether a value of a column of type `t` reads back as itself from JSON or KAFKA: plain
/// scalars of exactly the column's type (a DOUBLE that JSON can write).
fn round_trips(v: &Value, t: &SqlType) -> bool {
    match (v, t) {
        (Value::Double(d), SqlType::Double) => d.is_finite(),
        (Value::Null, _)
        | (Value::Boolean(_), SqlType::Boolean)
        | (Value::Int(_), SqlType::Integer)
        | (Value::Bigint(_), SqlType::Bigint)
        | (Value::String(_), SqlType::String) => true,
        _ => false,
    }
}

pub struct Input {
    pub topic: String,
    pub decoder: Decoder,
    pub is_table: bool,
    pub state: StateMap<Vec<KeyPart>, Row>,
    /// A table input whose old rows only give their keys (a plain projection: an update
    /// replaces its row, a delete's tombstone needs only the key): `keys` holds its keys,
    /// `state` nothing (a table of a million keys then costs half the memory).
    pub keys_only: bool,
    pub keys: StateSet<StateKey>,
}

impl Input {
    /// A table record's state key and timestamp (None: a null key, which tables ignore).
    pub fn table_key(&self, rec: &Record, new: Option<&Row>) -> Result<Option<(Vec<KeyPart>, i64)>, String> {
        let key_only;
        let key_row = match new {
            Some(r) => r,
            None => {
                key_only = self.decoder.key_only_row(rec)?;
                &key_only
            }
        };
        let k = self.decoder.state_key(key_row);
        let nkeys = self.decoder.key_len();
        // A table drops records without a key: one key column null, or every column of a
        // multi-column key null (a partly null multi-column key is a key, as in ksqlDB).
        if nkeys > 0 && k[..nkeys].iter().all(|p| *p == KeyPart::Null) {
            return Ok(None);
        }
        Ok(Some((k, key_row[key_row.len() - 3].as_i64().unwrap_or(rec.timestamp))))
    }

    /// Turns a record into a change (tables: against the latest row of its key).
    pub fn change(&mut self, rec: &Record) -> Result<Option<Change>, String> {
        let new = self.decoder.decode(rec)?;
        if !self.is_table {
            return Ok(new.map(|r| {
                let ts = r[r.len() - 3].as_i64().unwrap_or(rec.timestamp);
                Change { old: None, new: Some(r), ts }
            }));
        }
        let Some((k, ts)) = self.table_key(rec, new.as_ref())? else { return Ok(None) };
        let old = if self.keys_only {
            let had = match &new {
                Some(_) => !self.keys.insert(k.into_boxed_slice()),
                None => self.keys.remove(k.as_slice()),
            };
            if had {
                Some(self.decoder.key_only_row(rec)?)
            } else {
                None
            }
        } else {
            match &new {
                Some(r) => self.state.insert(k, r.clone()),
                None => self.state.remove(&k),
            }
        };
        if old.is_none() && new.is_none() {
            return Ok(None);
        }
        Ok(Some(Change { old, new, ts }))
    }
}

/// Projection: the select list (in order) and the key expressions.
pub struct Projector {
    pub key: Vec<EvalFn>,
    pub items: Vec<EvalFn>,
    /// The key columns that come from PARTITION BY expressions reading value columns (null
    /// in a null-value record's key).
    pub key_reads_values: Vec<bool>,
    /// When every item is a column of the input row as it is: their positions.
    pub fields: Option<Vec<usize>>,
}

impl Projector {
    pub fn project(&self, row: &[Value]) -> Row {
        self.items.iter().map(|f| f(row)).collect()
    }

    /// [`Projector::project`] of a row the caller gives up: plain columns are moved, not
    /// cloned, and a select list that is the row's first columns (a pull's `SELECT *`) is
    /// the row cut short.
    pub fn project_owned(&self, mut row: Row) -> Row {
        if self.is_head_of(&row) {
            return self.head(row);
        }
        let out = self.project_moving(&mut row);
        drop_row(row);
        out
    }

    /// A row whose first columns are the select list ([`Projector::is_head_of`]), cut to them.
    fn head(&self, mut row: Row) -> Row {
        truncate_row(&mut row, self.items.len());
        row
    }

    /// Whether the select list is `row`'s first columns as they are.
    fn is_head_of(&self, row: &[Value]) -> bool {
        self.fields.as_ref().is_some_and(|f| f.len() <= row.len() && f.iter().enumerate().all(|(i, &c)| i == c))
    }

    /// [`Projector::project`] of a row whose plain columns may be moved out (NULL left in
    /// their place) rather than cloned.
    fn project_moving(&self, row: &mut [Value]) -> Row {
        let Some(fields) = &self.fields else { return self.project(row) };
        let mut out = Vec::with_capacity(fields.len());
        for (i, &f) in fields.iter().enumerate() {
            let used_again = fields[i + 1..].contains(&f);
            out.push(if used_again { row[f].clone() } else { std::mem::take(&mut row[f]) });
        }
        out
    }
    pub fn key(&self, row: &[Value]) -> Vec<Value> {
        self.key.iter().map(|f| f(row)).collect()
    }
}

pub struct AggCall {
    pub func: &'static AggFn,
    pub args: Vec<EvalFn>,
    pub arg_types: Vec<SqlType>,
    pub literals: Vec<Value>,
    pub ret: SqlType,
}

impl AggCall {
    fn make(&self) -> Accumulator {
        (self.func.make)(&self.arg_types, &self.literals, &self.ret)
    }
}

/// A session's input rows: each one's aggregate arguments and time.
type SessionRows = Vec<(Vec<Value>, i64)>;

/// A group's key values are its key's, held once for all its windows (see [`groups`]).
struct Group {
    window: Option<(i64, i64)>,
    /// Boxed slices, not Vecs: a windowed aggregation holds a group per window, and each
    /// byte of one counts a million times.
    accs: Box<[Accumulator]>,
    /// Input rows of a session window (to rebuild accumulators when sessions merge); None
    /// for other groups.
    #[allow(clippy::box_collection)]
    rows: Option<Box<SessionRows>>,
    last_ts: i64,
    /// Whether the sink holds a row for this group (HAVING: a failing group is deleted with
    /// a tombstone only when it was visible).
    visible: std::cell::Cell<bool>,
}

impl Group {
    /// The post-aggregation row: `[group keys.., aggregates.., WINDOWSTART, WINDOWEND, ROWTIME]`.
    /// Fills `post` (the caller's, reused) with the row of the group of key values `key`.
    fn post_row_into(&self, key: &[Value], ts: i64, post: &mut Row) {
        clear_row(post);
        post.extend_from_slice(key);
        for a in &self.accs {
            post.push(a.result());
        }
        let (ws, we) = self.window.unwrap_or((0, 0));
        post.push(Value::Bigint(ws));
        post.push(Value::Bigint(we));
        post.push(Value::Bigint(ts));
    }

    /// A group seen for the first time: fresh accumulators, not yet in the sink.
    fn new(window: Option<(i64, i64)>, aggs: &[AggCall], ts: i64) -> Group {
        Group {
            window,
            accs: aggs.iter().map(|a| a.make()).collect(),
            rows: None,
            last_ts: ts,
            visible: Default::default(),
        }
    }
}

pub struct Aggregator {
    pub group_by: Vec<EvalFn>,
    pub aggs: Vec<AggCall>,
    pub window: Option<WindowSpec>,
    /// Projection and HAVING over the post-aggregation row:
    /// `[group keys.., aggregates.., WINDOWSTART, WINDOWEND, ROWTIME]`.
    pub post: Projector,
    pub having: Option<EvalFn>,
    pub emit_final: bool,
    groups: groups::Groups,
    sessions: StateMap<Vec<KeyPart>, Vec<i64>>,
    /// Windows waiting for their close (EMIT FINAL), by the stream time they close at.
    pending_final: Vec<((Vec<KeyPart>, i64), i64)>,
    /// The latest window start aggregated into: ksqlDB's window store keeps windows for their
    /// size plus grace behind it, and EMIT FINAL can only emit a window still kept.
    max_window_start: i64,
    /// The earliest stream time at which a held window closes, and when closed windows were
    /// last swept ([`Aggregator::evict_closed`]).
    earliest_close: i64,
    last_sweep: i64,
    /// Pull queries on the table this aggregation writes read its groups (see
    /// [`table_state`]): closed windows then keep their final row.
    pub serves_table: bool,
    table: table_state::TableState,
    /// The aggregate calls' arguments of the record being added, kept between records.
    arg_buf: Vec<Value>,
    /// An unwindowed change's group key values, and its old and new rows' key parts (see
    /// [`Aggregator::change_group`]), kept between records.
    key_buf: Vec<Value>,
    old_key: Vec<KeyPart>,
    new_key: Vec<KeyPart>,
    /// A windowed record's group key parts, kept between records.
    window_key: Vec<KeyPart>,
    /// A group's post-aggregation row (`[group keys.., aggregates.., WINDOWSTART, WINDOWEND,
    /// ROWTIME]`), filled for each output and kept between them.
    post_buf: Row,
}

/// A group's output after a change: its projected row under the query's HAVING (None when
/// HAVING keeps a group out that the sink never saw); `table`, when the aggregation serves
/// its table's pull queries, notes whether output keys are group keys.
fn group_output(
    post: &Projector,
    having: Option<&EvalFn>,
    table: Option<&table_state::TableState>,
    (group_key, key, g): (&[KeyPart], &[Value], &Group),
    (ts, row): (i64, &mut Row),
) -> Option<Output> {
    g.post_row_into(key, ts, row);
    let keep = having.is_none_or(|h| h(row) == Value::Boolean(true));
    if having.is_some() {
        if !keep && !g.visible.get() {
            return None;
        }
        g.visible.set(keep);
    }
    let key = post.key(row);
    if let Some(table) = table {
        table.check_key(&key, group_key);
    }
    // Plain columns of the post-aggregation row are moved, not cloned. When they are its
    // head (`SELECT ID, COUNT(*) ..`) the row itself is handed over, and the next output
    // fills a new one; otherwise they are moved out and the buffer kept.
    let row = keep.then(|| {
        if post.is_head_of(row) {
            let width = row.len();
            post.head(std::mem::replace(row, Vec::with_capacity(width)))
        } else {
            post.project_moving(row)
        }
    });
    Some(Output { key, row, ts, window: g.window, headers: vec![] })
}

/// Each aggregate call's arguments of `row`, one call's after another's, into `out` (cleared
/// first): the layout [`feed`] reads.
fn eval_args(aggs: &[AggCall], row: &[Value], out: &mut Vec<Value>) {
    clear_row(out);
    for a in aggs {
        out.extend(a.args.iter().map(|f| f(row)));
    }
}

/// One row's arguments, laid out by [`eval_args`], added to the accumulators of `aggs` (or,
/// `add` false, retracted from them).
fn feed(accs: &mut [Accumulator], aggs: &[AggCall], args: &[Value], add: bool) {
    let mut at = 0;
    for (acc, call) in accs.iter_mut().zip(aggs) {
        let a = &args[at..at + call.args.len()];
        if add {
            acc.add(a)
        } else {
            acc.undo(a)
        }
        at += call.args.len();
    }
}

const DEFAULT_GRACE_MS: i64 = 24 * 3_600_000;

impl Aggregator {
    pub fn new(
        group_by: Vec<EvalFn>,
        aggs: Vec<AggCall>,
        window: Option<WindowSpec>,
        post: Projector,
        having: Option<EvalFn>,
        emit_final: bool,
    ) -> Self {
        Aggregator {
            group_by,
            aggs,
            window,
            post,
            having,
            emit_final,
            groups: Default::default(),
            sessions: StateMap::default(),
            pending_final: Vec::new(),
            max_window_start: i64::MIN,
            earliest_close: i64::MAX,
            last_sweep: i64::MIN,
            serves_table: false,
            table: Default::default(),
            arg_buf: Vec::new(),
            key_buf: Vec::new(),
            old_key: Vec::new(),
            new_key: Vec::new(),
            window_key: Vec::new(),
            post_buf: Vec::new(),
        }
    }

    /// The window's grace period; without a GRACE PERIOD clause, ksqlDB's 24 hours, or none
    /// under EMIT FINAL (ksqlDB rewrites an EMIT FINAL window to a zero grace).
    fn grace(&self) -> i64 {
        let default = if self.emit_final { 0 } else { DEFAULT_GRACE_MS };
        self.window.as_ref().and_then(|w| w.grace).map_or(default, |g| g as i64)
    }

    fn output(&mut self, gk: &(Vec<KeyPart>, i64), ts: i64) -> Option<Output> {
        let table = self.serves_table.then_some(&self.table);
        let (key, group) = self.groups.get(&gk.0, gk.1)?;
        group_output(&self.post, self.having.as_ref(), table, (&gk.0, key, group), (ts, &mut self.post_buf))
    }

    fn tombstone(&self, key: Vec<Value>, window: Option<(i64, i64)>, ts: i64) -> Output {
        let mut post: Row = key;
        for a in &self.aggs {
            let _ = a;
            post.push(Value::Null);
        }
        let (ws, we) = window.unwrap_or((0, 0));
        post.push(Value::Bigint(ws));
        post.push(Value::Bigint(we));
        post.push(Value::Bigint(ts));
        Output { key: self.post.key(&post), row: None, ts, window, headers: vec![] }
    }

    pub fn process(&mut self, ch: Change, stream_time: i64, out: &mut Vec<Output>) {
        let ts = ch.ts;
        match &self.window {
            None => self.change_group(&ch, ts, out),
            Some(w) => {
                let Some(new) = &ch.new else { return };
                // The key values in a buffer kept between records: a group holds its key's
                // values only when the key is new.
                let mut key = std::mem::take(&mut self.key_buf);
                clear_row(&mut key);
                key.extend(self.group_by.iter().map(|f| f(new)));
                if key.iter().any(|k| k.is_null()) {
                    self.key_buf = key;
                    return;
                }
                let grace = self.grace();
                let (size, kind) = (w.size as i64, w.kind);
                if kind == WindowKind::Session {
                    let kparts: Vec<KeyPart> = key.iter().map(key_part).collect();
                    let mut args = Vec::new();
                    eval_args(&self.aggs, new, &mut args);
                    self.session(kparts, &key, args, ts, size, grace, stream_time, out);
                    self.key_buf = key;
                    return;
                }
                let advance = match kind {
                    WindowKind::Hopping => w.advance.unwrap_or(w.size) as i64,
                    _ => size,
                };
                // The key parts in a buffer kept between records: most windows exist, or
                // belong to a key that does, and copy no key.
                let mut kparts = std::mem::take(&mut self.window_key);
                kparts.clear();
                kparts.extend(key.iter().map(key_part));
                self.time_windows(new, (&key, &kparts), ts, (size, advance, grace), stream_time, out);
                self.window_key = kparts;
                self.key_buf = key;
            }
        }
    }

    /// A change to an unwindowed aggregation: the old row retracted from its group, the new
    /// row added to its group, then each group touched output once (the old row's first when
    /// the two differ). Most changes find their groups: the keys are built in buffers the
    /// aggregator keeps, so finding a group allocates nothing.
    fn change_group(&mut self, ch: &Change, ts: i64, out: &mut Vec<Output>) {
        let (old_parts, new_parts) = (std::mem::take(&mut self.old_key), std::mem::take(&mut self.new_key));
        let old = self.change_one(ch.old.as_deref(), old_parts, ts, false).map_err(|p| self.old_key = p).ok();
        // ksqlDB drops rows whose GROUP BY key is NULL.
        let new = self.change_one(ch.new.as_deref(), new_parts, ts, true).map_err(|p| self.new_key = p).ok();
        if let Some(gk) = old {
            if new.as_ref() != Some(&gk) {
                out.extend(self.output(&gk, ts));
            }
            self.old_key = gk.0;
        }
        if let Some(gk) = new {
            out.extend(self.output(&gk, ts));
            self.new_key = gk.0;
        }
    }

    /// `row`, when there is one, added to (or retracted from) its group: the group's key, or
    /// Err with the key buffer `parts` back (no row, or a NULL key).
    fn change_one(
        &mut self,
        row: Option<&[Value]>,
        parts: Vec<KeyPart>,
        ts: i64,
        add: bool,
    ) -> Result<(Vec<KeyPart>, i64), Vec<KeyPart>> {
        let Some(row) = row else { return Err(parts) };
        let gk = self.group_key(row, parts)?;
        self.apply_to_group(row, &gk, ts, add);
        Ok(gk)
    }

    /// The group key of `row` (unwindowed), built in `parts`, a buffer of the caller's (Err:
    /// a key column is NULL, and the buffer back); its values are left in `key_buf`.
    fn group_key(&mut self, row: &[Value], mut parts: Vec<KeyPart>) -> Result<(Vec<KeyPart>, i64), Vec<KeyPart>> {
        clear_row(&mut self.key_buf);
        self.key_buf.extend(self.group_by.iter().map(|f| f(row)));
        if self.key_buf.iter().any(|k| k.is_null()) {
            return Err(parts);
        }
        parts.clear();
        parts.extend(self.key_buf.iter().map(key_part));
        Ok((parts, 0))
    }

    /// Adds (or, `add` false, retracts) `row`'s arguments to group `gk`; a group first seen
    /// is created for an addition (its key from `key_buf`), a retraction from no group does
    /// nothing.
    fn apply_to_group(&mut self, row: &[Value], gk: &(Vec<KeyPart>, i64), ts: i64, add: bool) {
        let mut args = std::mem::take(&mut self.arg_buf);
        eval_args(&self.aggs, row, &mut args);
        let group = if add {
            let (key, aggs) = (&self.key_buf, &self.aggs);
            Some(self.groups.get_or_insert_with(&gk.0, key, gk.1, || Group::new(None, aggs, ts)).1)
        } else {
            self.groups.get_mut(&gk.0, gk.1)
        };
        if let Some(g) = group {
            feed(&mut g.accs, &self.aggs, &args, add);
            g.last_ts = ts;
        }
        self.arg_buf = args;
    }

    /// Adds a record to each tumbling or hopping window holding `ts`, earliest first. A
    /// stream event commonly opens a window (one record per key and window): its key values
    /// are held once per key, and the arguments are evaluated into a buffer the aggregator
    /// keeps.
    fn time_windows(
        &mut self,
        row: &[Value],
        (key, kparts): (&[Value], &[KeyPart]),
        ts: i64,
        (size, advance, grace): (i64, i64, i64),
        stream_time: i64,
        out: &mut Vec<Output>,
    ) {
        if size <= 0 || advance <= 0 {
            return;
        }
        // Windows [s, s+size) holding ts: s a non-negative multiple of advance above ts - size.
        let latest = ts - ts.rem_euclid(advance);
        if latest < 0 || latest <= ts - size {
            return;
        }
        let mut earliest = latest;
        while earliest - advance > ts - size && earliest - advance >= 0 {
            earliest -= advance;
        }
        let mut args = std::mem::take(&mut self.arg_buf);
        eval_args(&self.aggs, row, &mut args);
        let windows = (latest - earliest) / advance + 1;
        for i in 0..windows {
            let start = earliest + i * advance;
            let end = start + size;
            if end + grace <= stream_time {
                continue; // window closed: late record dropped
            }
            self.max_window_start = self.max_window_start.max(start);
            self.earliest_close = self.earliest_close.min(end.saturating_add(grace));
            let aggs = &self.aggs;
            let (key, g, _) =
                self.groups.get_or_insert_with(kparts, key, start, || Group::new(Some((start, end)), aggs, ts));
            feed(&mut g.accs, aggs, &args, true);
            g.last_ts = g.last_ts.max(ts);
            // A window's row carries the latest timestamp of its records.
            let latest_ts = g.last_ts;
            if self.emit_final {
                if !self.pending_final.iter().any(|((k, s), _)| *s == start && k == kparts) {
                    self.pending_final.push(((kparts.to_vec(), start), end + grace));
                }
            } else if let Some(o) = group_output(
                &self.post,
                self.having.as_ref(),
                self.serves_table.then_some(&self.table),
                (kparts, key, g),
                (latest_ts, &mut self.post_buf),
            ) {
                out.push(o);
            }
        }
        self.arg_buf = args;
    }

    #[allow(clippy::too_many_arguments)]
    fn session(
        &mut self,
        kparts: Vec<KeyPart>,
        key: &[Value],
        args: Vec<Value>,
        ts: i64,
        gap: i64,
        grace: i64,
        stream_time: i64,
        out: &mut Vec<Output>,
    ) {
        let mut starts = self.sessions.entry(kparts.clone()).or_default().clone();
        starts.sort_unstable();
        // Sessions overlapping [ts - gap, ts + gap] merge with the new record. As in Kafka
        // Streams, the merged sessions' aggregates come in start order and the new record
        // last, so offset-ordered aggregates (LATEST_BY_OFFSET) see the records' arrival order.
        let mut merged_rows: Vec<(Vec<Value>, i64)> = Vec::new();
        let mut start = ts;
        let mut end = ts;
        let mut removed = Vec::new();
        // The key's values as its groups hold them (the first spelling of the key: -0.0 and
        // 0.0 are one key), for the merged sessions' tombstones and the new one's row alike.
        let mut held_key: Option<Vec<Value>> = None;
        for s in starts {
            let Some((values, g)) = self.groups.get(&kparts, s) else { continue };
            held_key.get_or_insert_with(|| values.to_vec());
            let (gs, ge) = g.window.unwrap();
            if gs - gap <= ts && ts <= ge + gap {
                start = start.min(gs);
                end = end.max(ge);
                merged_rows.extend(g.rows.iter().flat_map(|rows| rows.iter()).cloned());
                removed.push((kparts.clone(), s));
            }
        }
        // As Kafka Streams: a record is late, and dropped, when the session it would make has
        // closed (its end plus gap plus grace before stream time); merging into a later open
        // session keeps it.
        if end.saturating_add(gap).saturating_add(grace) < stream_time {
            return;
        }
        let key = held_key.as_deref().unwrap_or(key);
        for gk in &removed {
            let g = self.groups.remove(&gk.0, gk.1).unwrap();
            if self.emit_final {
                self.pending_final.retain(|(pending, _)| pending != gk);
            } else if g.window != Some((start, end)) {
                // The merged-away session's tombstone carries that session's own time.
                let old_ts = g.window.map(|w| w.1).unwrap_or(ts);
                out.push(self.tombstone(key.to_vec(), g.window, old_ts));
            }
        }
        let list = self.sessions.get_mut(&kparts).unwrap();
        list.retain(|s| !removed.iter().any(|(_, r)| r == s));
        list.push(start);
        merged_rows.push((args, ts));
        let mut accs: Box<[Accumulator]> = self.aggs.iter().map(|a| a.make()).collect();
        for (flat, _) in &merged_rows {
            feed(&mut accs, &self.aggs, flat, true);
        }
        let close = end.saturating_add(gap).saturating_add(1).saturating_add(grace);
        self.earliest_close = self.earliest_close.min(close);
        let gk = (kparts, start);
        // A session's row carries the latest timestamp of its records.
        let latest = merged_rows.iter().map(|(_, t)| *t).max().unwrap_or(ts).max(ts);
        self.groups.insert(
            &gk.0,
            key,
            gk.1,
            Group {
                window: Some((start, end)),
                accs,
                rows: Some(Box::new(merged_rows)),
                last_ts: latest,
                visible: Default::default(),
            },
        );
        if self.emit_final {
            self.pending_final.push((gk, close));
        } else if let Some(o) = self.output(&gk, latest) {
            out.push(o);
        }
    }

    /// Drops the windows no record can reach any more (past their end plus grace; sessions:
    /// past their end plus gap plus grace), as ksqlDB's window stores do. EMIT FINAL has
    /// emitted them by then ([`Aggregator::flush_final`] runs first). A sweep runs when the
    /// earliest window has closed, at most once per window size of stream time, so its cost
    /// spreads over the events of that time.
    pub fn evict_closed(&mut self, stream_time: i64) {
        let Some(w) = &self.window else { return };
        let (session, step) = match w.kind {
            WindowKind::Session => (true, w.size as i64),
            WindowKind::Hopping => (false, w.advance.unwrap_or(w.size) as i64),
            _ => (false, w.size as i64),
        };
        if stream_time < self.earliest_close || stream_time < self.last_sweep.saturating_add(step.max(1)) {
            return;
        }
        let grace = self.grace();
        // The stream time at which a window closes: no record reaches it from then on.
        let close = |(_, end): (i64, i64)| {
            let reach = if session { end.saturating_add(step).saturating_add(1) } else { end };
            reach.saturating_add(grace)
        };
        let mut earliest = i64::MAX;
        let mut closed = Vec::new();
        let mut evicted = Vec::new();
        let serves_table = self.serves_table;
        self.groups.retain(|key, values, start, g| {
            let c = g.window.map_or(i64::MAX, close);
            if c <= stream_time {
                if session {
                    closed.push((key.to_vec(), start));
                }
                if serves_table {
                    let g = std::mem::replace(g, Group::new(None, &[], 0));
                    evicted.push(((key.to_vec(), start), values.to_vec(), g));
                }
                return false;
            }
            earliest = earliest.min(c);
            true
        });
        // The table keeps the evicted windows' final rows.
        let mut post = Vec::new();
        for (gk, values, g) in evicted {
            let row = self.table_output(&values, &g, &mut post);
            self.table.close(gk, row);
        }
        for (kparts, start) in closed {
            if let Some(list) = self.sessions.get_mut(&kparts) {
                list.retain(|s| *s != start);
                if list.is_empty() {
                    self.sessions.remove(&kparts);
                }
            }
        }
        self.earliest_close = earliest;
        self.last_sweep = stream_time;
    }

    /// Windows held (tests, benchmarks).
    pub fn window_count(&self) -> usize {
        self.groups.len()
    }

    /// EMIT FINAL: emits the windows that have closed (end + grace reached; sessions: end +
    /// gap + grace passed). A time window is emitted only if ksqlDB's window store still
    /// keeps it, `size + grace` behind the latest window start: as in ksqlDB 0.29, a jump of
    /// stream time past that drops windows unemitted.
    pub fn flush_final(&mut self, stream_time: i64, out: &mut Vec<Output>) {
        let Some(w) = self.window.as_ref().filter(|_| self.emit_final) else { return };
        let kept_from = match w.kind {
            WindowKind::Session => i64::MIN,
            _ => self.max_window_start.saturating_sub(w.size as i64).saturating_sub(self.grace()),
        };
        let mut due: Vec<(Vec<KeyPart>, i64)> = Vec::new();
        self.pending_final.retain(|(gk, close)| {
            if *close <= stream_time {
                due.push(gk.clone());
                false
            } else {
                true
            }
        });
        due.retain(|(_, start)| *start >= kept_from);
        due.sort_by_key(|(_, s)| *s);
        for gk in due {
            let ts = self.groups.get(&gk.0, gk.1).map_or(stream_time, |(_, g)| g.last_ts);
            if let Some(o) = self.output(&gk, ts) {
                out.push(o);
            }
        }
    }
}

pub enum Body {
    Project(Projector),
    Aggregate(Box<Aggregator>),
}

/// A table function stage: the input row is repeated once per produced value, with the
/// value appended at the end of the row (the planner's scope matches).
pub struct FlatMap {
    /// Each function with its arguments' evaluators.
    pub funcs: Vec<(&'static TableFn, Vec<EvalFn>)>,
}

pub struct JoinStage {
    pub kind: JoinKind,
    /// Join key expressions over each side's scope.
    pub left_key: EvalFn,
    pub right_key: EvalFn,
    pub left_width: usize,
    pub right_width: usize,
    pub left_table: bool,
    pub right_table: bool,
    /// Stream-stream window (before, after) and grace.
    pub within: Option<(i64, i64, i64)>,
    left_state: StateMap<KeyPart, Vec<Row>>,
    right_state: StateMap<KeyPart, Vec<Row>>,
    /// A foreign-key table-table join keeps its own state.
    foreign_key: Option<ForeignKeyJoin>,
    /// So does a stream-stream join within a window.
    window: Option<WindowJoin>,
}

impl JoinStage {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: JoinKind,
        left_key: EvalFn,
        right_key: EvalFn,
        left_width: usize,
        right_width: usize,
        left_table: bool,
        right_table: bool,
        within: Option<(i64, i64, i64)>,
    ) -> Self {
        JoinStage {
            kind,
            left_key,
            right_key,
            left_width,
            right_width,
            left_table,
            right_table,
            within,
            left_state: StateMap::default(),
            right_state: StateMap::default(),
            foreign_key: None,
            window: match (left_table, right_table, within) {
                (false, false, Some(w)) => Some(WindowJoin::new(kind, w, false, (left_width, right_width))),
                _ => None,
            },
        }
    }

    fn combine(&self, l: Option<&Row>, r: Option<&Row>) -> Row {
        combine_join_rows(self.left_width, self.right_width, l, r)
    }

    /// [`JoinStage::combine`] of a left row given up: its values are moved.
    fn combine_owned(&self, l: Row, r: Option<&Row>) -> Row {
        combine_join_rows_owned(self.left_width, self.right_width, l, r)
    }

    /// A stream-stream join with an explicit GRACE PERIOD holds unmatched records until their
    /// window closes.
    pub fn with_grace_period(mut self) -> Self {
        if let (Some(w), Some(within)) = (&mut self.window, self.within) {
            *w = WindowJoin::new(self.kind, within, true, (self.left_width, self.right_width));
        }
        self
    }

    /// Makes this a foreign-key table-table join, the left table keyed by `left_primary_key`.
    pub fn with_foreign_key(mut self, left_primary_key: Vec<EvalFn>) -> Self {
        self.foreign_key = Some(ForeignKeyJoin::new(left_primary_key));
        self
    }

    /// Processes a change from one side (0 = left, 1 = right).
    pub fn process(&mut self, side: usize, mut ch: Change, out: &mut Vec<Change>) {
        if let Some(fk) = &mut self.foreign_key {
            let shape = ForeignKeyShape {
                kind: self.kind,
                foreign_key: &self.left_key,
                right_key: &self.right_key,
                left_width: self.left_width,
                right_width: self.right_width,
            };
            return if side == 0 { fk.process_left(&shape, ch, out) } else { fk.process_right(&shape, ch, out) };
        }
        if let Some(window) = &mut self.window {
            let Some(row) = ch.new.take() else { return };
            let key_fn = if side == 0 { &self.left_key } else { &self.right_key };
            let key = Some(key_fn(&row)).filter(|k| !k.is_null()).map(|k| key_part(&k));
            window.process(side, key, row, ch.ts, out);
            return;
        }
        let ts = ch.ts;
        let (key_fn, is_table) =
            if side == 0 { (&self.left_key, self.left_table) } else { (&self.right_key, self.right_table) };
        let new_key = ch.new.as_ref().map(|r| key_fn(r));
        let old_key = ch.old.as_ref().map(|r| key_fn(r));
        match (self.left_table, self.right_table) {
            // Stream-table: only stream records trigger output; table changes update state.
            (false, true) => {
                if side == 1 {
                    if let Some(k) = old_key.filter(|k| !k.is_null()) {
                        self.right_state.remove(&key_part(&k));
                    }
                    if let (Some(k), Some(r)) = (new_key, ch.new.take()) {
                        if !k.is_null() {
                            self.right_state.insert(key_part(&k), vec![r]);
                        }
                    }
                    return;
                }
                let Some(l) = ch.new.take() else { return };
                let k = new_key.unwrap_or(Value::Null);
                // The table's row is borrowed: the joined row is its only copy.
                let m = if k.is_null() { None } else { self.right_state.get(&key_part(&k)).and_then(|v| v.first()) };
                discard(k);
                match (m, self.kind) {
                    (Some(r), _) => out.push(Change { old: None, new: Some(self.combine_owned(l, Some(r))), ts }),
                    (None, JoinKind::Left) | (None, JoinKind::Full) => {
                        out.push(Change { old: None, new: Some(self.combine_owned(l, None)), ts })
                    }
                    _ => drop_row(l),
                }
            }
            // Table-table: both sides keep state; every change re-joins its key.
            (true, true) => {
                let k = new_key.clone().or(old_key.clone()).unwrap_or(Value::Null);
                if k.is_null() {
                    return;
                }
                let kp = key_part(&k);
                let before = self.table_join_row(&kp);
                let state = if side == 0 { &mut self.left_state } else { &mut self.right_state };
                match ch.new.take() {
                    Some(r) => {
                        state.insert(kp.clone(), vec![r]);
                    }
                    None => {
                        state.remove(&kp);
                    }
                }
                let after = self.table_join_row(&kp);
                let _ = is_table;
                if before.is_none() && after.is_none() {
                    return;
                }
                out.push(Change { old: before, new: after, ts });
            }
            // Stream-stream joins (always WITHIN a window) are WindowJoin's, above.
            _ => {}
        }
    }

    fn table_join_row(&self, kp: &KeyPart) -> Option<Row> {
        let l = self.left_state.get(kp).and_then(|v| v.first());
        let r = self.right_state.get(kp).and_then(|v| v.first());
        match (l, r, self.kind) {
            (Some(l), Some(r), _) => Some(self.combine(Some(l), Some(r))),
            (Some(l), None, JoinKind::Left | JoinKind::Full) => Some(self.combine(Some(l), None)),
            (None, Some(r), JoinKind::Right | JoinKind::Full) => Some(self.combine(None, Some(r))),
            _ => None,
        }
    }
}

/// A compiled query, ready to process records.
pub struct Executor {
    pub inputs: Vec<Input>,
    /// The joins, a left-deep chain: stage 0 joins inputs 0 and 1, stage i joins the output
    /// of stage i - 1 with input i + 1.
    pub joins: Vec<JoinStage>,
    pub filter: Option<EvalFn>,
    pub flatmap: Option<FlatMap>,
    pub body: Body,
    /// Is the result a table (changes with tombstones) or a stream?
    pub output_is_table: bool,
    /// Is the relation the filter/projection sees a table?
    pub relation_is_table: bool,
    /// Expression giving the output timestamp (WITH TIMESTAMP on the sink), if any.
    pub out_ts: Option<EvalFn>,
    pub stream_time: i64,
    pub errors: Vec<String>,
    /// Persistent queries pass a stream's null-value records through a plain projection as
    /// null-value records (ksqlDB does; WHERE, joins, table functions and aggregations drop them).
    pub pass_null_values: bool,
}

impl Executor {
    /// COLLECT_LIST / COLLECT_SET limits from the session (`ksql.functions.collect_list.limit`).
    pub fn set_collect_limits(&mut self, property: impl Fn(&str) -> Option<i64>) {
        let Body::Aggregate(a) = &mut self.body else { return };
        for call in a.aggs.iter_mut() {
            let setting = match call.func.name {
                "COLLECT_LIST" => "ksql.functions.collect_list.limit",
                "COLLECT_SET" => "ksql.functions.collect_set.limit",
                _ => continue,
            };
            if let Some(limit) = property(setting) {
                call.literals = vec![Value::Bigint(limit)];
            }
        }
    }

    /// A persistent plain projection of a table keeps only its input's keys: its outputs
    /// need no old rows (updates replace, deletes need the key), and its sink table holds them.
    pub fn keep_table_keys_only(&mut self) {
        let plain = self.joins.is_empty() && self.filter.is_none() && self.flatmap.is_none();
        if let (true, Body::Project(p)) = (plain && self.output_is_table, &self.body) {
            if !p.key_reads_values.iter().any(|&reads| reads) {
                self.inputs.iter_mut().filter(|i| i.is_table).for_each(|i| i.keys_only = true);
            }
        }
    }

    /// Processes a record of `topic` once for each input reading it (a self-join reads a
    /// topic twice), without collecting the inputs' indexes first: this runs for every record.
    pub fn process_topic(&mut self, topic: &str, rec: &Record, out: &mut Vec<Output>) {
        for idx in 0..self.inputs.len() {
            if self.inputs[idx].topic == topic {
                self.process(idx, rec, out);
            }
        }
    }

    /// Processes one record from input `idx`. Deserialization and evaluation problems are
    /// recorded (like ksqlDB's processing log) and the record is skipped.
    pub fn process(&mut self, idx: usize, rec: &Record, out: &mut Vec<Output>) {
        if rec.value().is_none()
            && self.pass_null_values
            && !self.inputs[idx].is_table
            && self.joins.is_empty()
            && self.filter.is_none()
            && self.flatmap.is_none()
            && !self.relation_is_table
        {
            if let Body::Project(p) = &self.body {
                match self.inputs[idx].decoder.key_only_row(rec) {
                    Ok(row) => {
                        let mut key = p.key(&row);
                        for (k, _) in key.iter_mut().zip(&p.key_reads_values).filter(|(_, reads)| **reads) {
                            *k = Value::Null;
                        }
                        out.push(Output {
                            key,
                            row: None,
                            ts: rec.timestamp,
                            window: window_of(&self.inputs, &row),
                            headers: rec.headers().to_vec(),
                        });
                    }
                    Err(e) => {
                        if self.errors.len() < 100 {
                            self.errors.push(e);
                        }
                    }
                }
                return;
            }
        }
        let ch = match self.inputs[idx].change(rec) {
            Ok(Some(c)) => c,
            Ok(None) => return,
            Err(e) => {
                if self.errors.len() < 100 {
                    self.errors.push(e);
                }
                return;
            }
        };
        self.stream_time = self.stream_time.max(ch.ts);
        if self.joins.is_empty() {
            // Most queries: the change goes on as it is, with no list of changes allocated.
            self.after_join(ch, rec, out);
        } else {
            let mut changes = Vec::with_capacity(1);
            let (first, side) = if idx == 0 { (0, 0) } else { (idx - 1, 1) };
            self.joins[first].process(side, ch, &mut changes);
            for j in self.joins.iter_mut().skip(first + 1) {
                let mut next = Vec::with_capacity(changes.len());
                for c in changes.drain(..) {
                    j.process(0, c, &mut next);
                }
                changes = next;
            }
            for ch in changes {
                self.after_join(ch, rec, out);
            }
        }
        if let Body::Aggregate(a) = &mut self.body {
            a.flush_final(self.stream_time, out);
            a.evict_closed(self.stream_time);
        }
    }

    fn after_join(&mut self, mut ch: Change, rec: &Record, out: &mut Vec<Output>) {
        if let Some(f) = &self.filter {
            let pass = |r: Option<Row>| {
                r.filter(|r| {
                    let v = f(r);
                    let true_ = matches!(v, Value::Boolean(true));
                    discard(v);
                    true_
                })
            };
            ch.new = pass(ch.new.take());
            ch.old = pass(ch.old.take());
            if ch.new.is_none() && ch.old.is_none() {
                return;
            }
            if !self.relation_is_table && ch.new.is_none() {
                return;
            }
        }
        if let Some(fm) = &self.flatmap {
            let Some(row) = ch.new.take() else { return };
            // A function that throws drops the row, as ksqlDB does (its processing log records why).
            let lists: Result<Vec<Vec<Value>>, String> =
                fm.funcs.iter().map(|(f, args)| (f.apply)(&args.iter().map(|a| a(&row)).collect::<Vec<_>>())).collect();
            let Ok(lists) = lists else { return };
            let n = lists.iter().map(|l| l.len()).max().unwrap_or(0);
            for i in 0..n {
                let mut r = row.clone();
                for l in &lists {
                    r.push(l.get(i).cloned().unwrap_or(Value::Null));
                }
                self.body_step(Change { old: None, new: Some(r), ts: ch.ts }, rec, out);
            }
            return;
        }
        self.body_step(ch, rec, out);
    }

    fn body_step(&mut self, mut ch: Change, rec: &Record, out: &mut Vec<Output>) {
        match &mut self.body {
            Body::Project(p) => {
                let ts = ch.ts;
                match (ch.new.take(), &ch.old) {
                    (Some(new), _) => {
                        let mut o = Output {
                            key: p.key(&new),
                            row: None,
                            ts,
                            window: window_of(&self.inputs, &new),
                            headers: rec.headers().to_vec(),
                        };
                        if let Some(f) = &self.out_ts {
                            // Kafka takes no record without a time or before 1970: ksqlDB
                            // logs and skips it.
                            match f(&new).as_i64() {
                                Some(t) if t >= 0 => o.ts = t,
                                bad => {
                                    if self.errors.len() < 100 {
                                        self.errors.push(format!("Invalid timestamp of the output record: {bad:?}"));
                                    }
                                    drop_row(new);
                                    return;
                                }
                            }
                        }
                        // Last: the row's plain columns move into the projection.
                        o.row = Some(p.project_owned(new));
                        out.push(o);
                    }
                    (None, Some(old)) if self.output_is_table => {
                        out.push(Output {
                            key: p.key(old),
                            row: None,
                            ts,
                            window: window_of(&self.inputs, old),
                            headers: vec![],
                        });
                    }
                    _ => {}
                }
            }
            Body::Aggregate(a) => {
                // Kafka Streams forwards the triggering record's headers with what it causes.
                let first = out.len();
                a.process(ch, self.stream_time, out);
                if !rec.headers().is_empty() {
                    out[first..].iter_mut().for_each(|o| o.headers = rec.headers().to_vec());
                }
            }
        }
    }
}

fn window_of(inputs: &[Input], row: &[Value]) -> Option<(i64, i64)> {
    // A join's row starts with its first input's columns, whose windows are those joined.
    let d = &inputs.first()?.decoder;
    if d.source.is_windowed() {
        let k = d.key_len();
        return Some((row.get(k)?.as_i64()?, row.get(k + 1)?.as_i64()?));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn projector(fields: &[usize], computed: bool) -> Projector {
        let mut items: Vec<EvalFn> = fields
            .iter()
            .map(|&i| {
                let f: EvalFn = Arc::new(move |r: &[Value]| r[i].clone());
                f
            })
            .collect();
        if computed {
            items.push(Arc::new(|r: &[Value]| Value::Int(r.len() as i32)));
        }
        let fields = (!computed).then(|| fields.to_vec());
        Projector { key: vec![], items, key_reads_values: vec![], fields }
    }

    /// Moving the columns out gives what cloning them gives: the row's first columns, a
    /// reordering, a column selected twice, and a select list with a computed item.
    #[test]
    fn owned_projection_equals_the_cloning_one() {
        let row: Row = vec![Value::Int(1), Value::String("two".into()), Value::Bigint(3), Value::String("four".into())];
        for (fields, computed) in
            [(&[0, 1, 2][..], false), (&[3, 1, 0], false), (&[1, 3, 1], false), (&[0, 1, 2, 3], false), (&[2, 0], true)]
        {
            let p = projector(fields, computed);
            assert_eq!(p.project_owned(row.clone()), p.project(&row), "{fields:?} {computed}");
        }
    }
}
