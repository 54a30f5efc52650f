//! The state of a live push-query view, bounded whatever the number of rows received:
//! `tail` keeps the last N rows, `changelog` the last N changes with their operation,
//! `table` the current row per key (updates replace, tombstones delete), in key order.
//!
//! Rows arrive faster than anyone reads them, so they are kept as their JSON text and parsed
//! when a frame shows them: a tail parses its N visible rows per frame whatever the rate, a
//! table parses the key columns of each row to find its slot.

use ksql_wire::schema::Column;
use ksqldb_client::{
    parse_row_values, row_key_text, row_values_at, values_key_text, QueryEvent, RawRow, Row, RowBatch,
};
use ksqldb_render::live::LiveRow;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMode {
    Tail,
    Table,
    Changelog,
}

impl ViewMode {
    pub fn parse(s: &str) -> Option<ViewMode> {
        match s.to_ascii_lowercase().as_str() {
            "tail" | "stream" | "append" => Some(ViewMode::Tail),
            "table" | "keyed" | "materialized" | "upsert" => Some(ViewMode::Table),
            "changelog" | "changes" | "log" => Some(ViewMode::Changelog),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ViewMode::Tail => "tail",
            ViewMode::Table => "table",
            ViewMode::Changelog => "changelog",
        }
    }
}

/// A key's values in an order that sorts numbers as numbers and strings as strings. Each
/// number's value is read once here, not in every comparison of a lookup.
#[derive(Debug, Clone)]
struct SortKey(Vec<(Value, f64)>);

impl SortKey {
    fn new(values: Vec<Value>) -> SortKey {
        let number = |v: &Value| if v.is_number() { v.as_f64().unwrap_or(f64::NAN) } else { f64::NAN };
        SortKey(values.into_iter().map(|v| (number(&v), v)).map(|(f, v)| (v, f)).collect())
    }
}

impl PartialEq for SortKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SortKey {}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        for ((a, fa), (b, fb)) in self.0.iter().zip(&other.0) {
            let ord = compare_values(a, *fa, b, *fb);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// `fa`, `fb`: the values of numbers.
fn compare_values(a: &Value, fa: f64, b: &Value, fb: f64) -> Ordering {
    match (a, b) {
        // The exact text breaks ties (4.5 vs 4.50) without allocating.
        (Value::Number(x), Value::Number(y)) => fa.total_cmp(&fb).then_with(|| x.as_str().cmp(y.as_str())),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ if rank(a) != rank(b) => rank(a).cmp(&rank(b)),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Upper bound on the keys a table view remembers; past it the least recently updated key
/// is forgotten (and the footer says so), so memory stays bounded.
pub const MAX_TABLE_KEYS: usize = 100_000;

/// A row of the tail or changelog ring, parsed when first shown.
struct Slot {
    raw: Option<RawRow>,
    shown: OnceLock<LiveRow>,
}

impl Slot {
    fn parsed(row: LiveRow) -> Slot {
        Slot { raw: None, shown: OnceLock::from(row) }
    }

    fn row(&self) -> &LiveRow {
        self.shown.get_or_init(|| {
            let (values, tombstone) = self.raw.as_ref().map_or((Vec::new(), false), |r| (r.values(), r.tombstone));
            LiveRow { values, changed: Vec::new(), op: None, arrived: None, tombstone }
        })
    }
}

/// The current row of one key, as its JSON array text. What every row updates is kept in the
/// map's own memory; what only frames use is boxed, so that a row touches few cache lines.
struct KeyedRow {
    latest: Vec<u8>,
    /// Updated since the last frame (its changed cells are highlighted).
    updated: bool,
    seq: u64,
    shown: OnceLock<Box<LiveRow>>,
    drawn: Box<Drawn>,
}

/// What a frame needs of a key besides its latest row.
struct Drawn {
    /// The key's values, for the display order.
    key: SortKey,
    /// The row when the last frame was drawn; `None` for a key new since then.
    previous: Option<Vec<u8>>,
}

impl KeyedRow {
    fn row(&self) -> &LiveRow {
        self.shown.get_or_init(|| {
            let values = parse_row_values(&self.latest);
            let changed = match (&self.drawn.previous, self.updated) {
                (_, false) => Vec::new(),
                (None, true) => vec![true; values.len()],
                (Some(previous), true) => {
                    let before = parse_row_values(previous);
                    (0..values.len()).map(|i| before.get(i) != values.get(i)).collect()
                }
            };
            Box::new(LiveRow { values, changed, op: None, arrived: None, tombstone: false })
        })
    }
}

pub struct LiveView {
    pub mode: ViewMode,
    columns: Vec<Column>,
    key_indexes: Vec<usize>,
    /// Rows shown.
    capacity: usize,
    newest_first: bool,
    source_is_table: bool,
    ring: VecDeque<Slot>,
    /// By the key columns' JSON text, hashed: a row finds its slot without building values;
    /// frames sort the keys they show.
    table: HashMap<Box<[u8]>, KeyedRow, foldhash::fast::RandomState>,
    /// Keys updated since the last frame; `None` when there were too many to list.
    touched: Option<Vec<Box<[u8]>>>,
    /// Reused for each row's key text.
    key_text: Vec<u8>,
    seq: u64,
    max_keys: usize,
    pub rows_received: u64,
    pub tombstones: u64,
    pub evicted_keys: u64,
    dirty: bool,
}

impl LiveView {
    pub fn new(
        mode: ViewMode,
        columns: Vec<Column>,
        key_indexes: Vec<usize>,
        capacity: usize,
        newest_first: bool,
        source_is_table: bool,
    ) -> Self {
        Self {
            mode,
            columns,
            key_indexes,
            capacity: capacity.max(1),
            newest_first,
            source_is_table,
            ring: VecDeque::new(),
            table: HashMap::default(),
            touched: Some(Vec::new()),
            key_text: Vec::new(),
            seq: 0,
            max_keys: MAX_TABLE_KEYS.max(capacity),
            rows_received: 0,
            tombstones: 0,
            evicted_keys: 0,
            dirty: true,
        }
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    #[cfg(test)]
    fn with_max_keys(mut self, max: usize) -> Self {
        self.max_keys = max;
        self
    }

    /// Applies the rows of a stream event (others are not for the view).
    pub fn apply_event(&mut self, event: QueryEvent) {
        match event {
            QueryEvent::Row(row) => self.apply(row),
            QueryEvent::Rows(batch) => self.apply_batch(batch),
            _ => {}
        }
    }

    pub fn apply(&mut self, row: Row) {
        self.rows_received += 1;
        if row.tombstone {
            self.tombstones += 1;
        }
        self.dirty = true;
        match self.mode {
            ViewMode::Tail => self.push_ring(Slot::parsed(LiveRow {
                values: row.values,
                changed: Vec::new(),
                op: None,
                arrived: None,
                tombstone: row.tombstone,
            })),
            ViewMode::Changelog => self.push_change(row.values, row.tombstone),
            ViewMode::Table => {
                let mut key_text = std::mem::take(&mut self.key_text);
                key_text.clear();
                values_key_text(&row.values, &self.key_indexes, &mut key_text);
                let bytes = serde_json::to_vec(&row.values).unwrap_or_default();
                let sort_key = self.key_of(&row.values);
                self.upsert(&key_text, &|| sort_key.clone(), &bytes, row.tombstone);
                self.key_text = key_text;
            }
        }
    }

    /// Applies a batch of raw rows: a ring keeps only the rows it can show, unparsed.
    pub fn apply_batch(&mut self, batch: RowBatch) {
        if batch.is_empty() {
            return;
        }
        self.rows_received += batch.len() as u64;
        self.tombstones += batch.tombstones() as u64;
        self.dirty = true;
        match self.mode {
            ViewMode::Tail => {
                for raw in batch.last_rows(self.capacity) {
                    self.push_ring(Slot { raw: Some(raw), shown: OnceLock::new() });
                }
            }
            ViewMode::Changelog => {
                for raw in batch.last_rows(self.capacity) {
                    self.push_change(raw.values(), raw.tombstone);
                }
            }
            ViewMode::Table => {
                // Known keys are found by their text: no values are built for them.
                let mut scratch = std::mem::take(&mut self.key_text);
                let indexes = std::mem::take(&mut self.key_indexes);
                for (bytes, tombstone) in batch.iter() {
                    let key = row_key_text(bytes, &indexes, &mut scratch);
                    self.upsert(key, &|| SortKey::new(row_values_at(bytes, &indexes)), bytes, tombstone);
                }
                self.key_text = scratch;
                self.key_indexes = indexes;
            }
        }
    }

    fn push_change(&mut self, values: Vec<Value>, tombstone: bool) {
        let op = if tombstone {
            "DELETE"
        } else if self.source_is_table {
            "UPSERT"
        } else {
            "INSERT"
        };
        let arrived = chrono::Utc::now().format("%H:%M:%S%.3f").to_string();
        self.push_ring(Slot::parsed(LiveRow {
            values,
            changed: Vec::new(),
            op: Some(op),
            arrived: Some(arrived),
            tombstone,
        }))
    }

    fn push_ring(&mut self, slot: Slot) {
        if self.ring.len() == self.capacity {
            self.ring.pop_front();
        }
        self.ring.push_back(slot);
    }

    fn key_of(&self, values: &[Value]) -> SortKey {
        SortKey::new(self.key_indexes.iter().map(|&i| values.get(i).cloned().unwrap_or(Value::Null)).collect())
    }

    /// Sets the row of `key` to `bytes` (its JSON array text), or deletes it (tombstone).
    /// `key`: the key columns' text; `sort_key`: their values, needed for a new key only.
    fn upsert(&mut self, key: &[u8], sort_key: &dyn Fn() -> SortKey, bytes: &[u8], tombstone: bool) {
        if tombstone {
            self.table.remove(key);
            return;
        }
        self.seq += 1;
        if let Some(existing) = self.table.get_mut(key) {
            // The buffer is reused: an update of a known key allocates nothing.
            existing.latest.clear();
            existing.latest.extend_from_slice(bytes);
            existing.seq = self.seq;
            existing.shown = OnceLock::new();
            if !std::mem::replace(&mut existing.updated, true) {
                self.touch(key);
            }
            return;
        }
        self.touch(key);
        let row = KeyedRow {
            latest: bytes.to_vec(),
            updated: true,
            seq: self.seq,
            shown: OnceLock::new(),
            drawn: Box::new(Drawn { key: sort_key(), previous: None }),
        };
        self.table.insert(key.into(), row);
        if self.table.len() > self.max_keys {
            self.evict_least_recent();
        }
    }

    /// Drops the least recently updated keys, one in a hundred of them at once: finding them
    /// is a pass over all keys, paid once per many new keys rather than an ordered index
    /// updated on every row.
    fn evict_least_recent(&mut self) {
        let count = (self.max_keys / 100).max(1).min(self.table.len());
        let mut seqs: Vec<u64> = self.table.values().map(|row| row.seq).collect();
        let (_, &mut cutoff, _) = seqs.select_nth_unstable(count - 1);
        let before = self.table.len();
        self.table.retain(|_, row| row.seq > cutoff);
        self.evicted_keys += (before - self.table.len()) as u64;
    }

    /// Remembers a key to reset at the next frame; past `max_keys` of them, all keys are.
    fn touch(&mut self, key: &[u8]) {
        if let Some(touched) = self.touched.as_mut() {
            if touched.len() < self.max_keys {
                touched.push(key.into());
            } else {
                self.touched = None;
            }
        }
    }

    /// True when something changed since the last frame.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Call after rendering a frame: changes are highlighted in one frame only.
    pub fn frame_rendered(&mut self) {
        self.dirty = false;
        if self.mode != ViewMode::Table {
            return;
        }
        let reset = |entry: &mut KeyedRow| {
            if entry.updated {
                entry.updated = false;
                let previous = entry.drawn.previous.get_or_insert_with(Vec::new);
                previous.clone_from(&entry.latest);
                entry.shown = OnceLock::new();
            }
        };
        match self.touched.replace(Vec::new()) {
            Some(keys) => {
                for key in &keys {
                    if let Some(entry) = self.table.get_mut(&**key) {
                        reset(entry);
                    }
                }
            }
            None => self.table.values_mut().for_each(reset),
        }
    }

    /// The rows to show now, in display order.
    pub fn rows(&self) -> Vec<&LiveRow> {
        match self.mode {
            ViewMode::Table => {
                let mut first: Vec<&KeyedRow> = self.table.values().collect();
                if first.len() > self.capacity {
                    first.select_nth_unstable_by(self.capacity, |a, b| a.drawn.key.cmp(&b.drawn.key));
                    first.truncate(self.capacity);
                }
                first.sort_unstable_by(|a, b| a.drawn.key.cmp(&b.drawn.key));
                first.into_iter().map(KeyedRow::row).collect()
            }
            _ if self.newest_first => self.ring.iter().rev().map(Slot::row).collect(),
            _ => self.ring.iter().map(Slot::row).collect(),
        }
    }

    /// Rows currently held (keys in table mode).
    pub fn len(&self) -> usize {
        match self.mode {
            ViewMode::Table => self.table.len(),
            _ => self.ring.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Footer lines: what is shown out of what.
    pub fn footer(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match self.mode {
            ViewMode::Table => {
                if self.table.len() > self.capacity {
                    lines.push(format!(
                        "showing the first {} of {} keys (in key order)",
                        self.capacity,
                        self.table.len()
                    ));
                }
                if self.evicted_keys > 0 {
                    lines.push(format!(
                        "{} least recently updated keys were dropped to bound memory",
                        self.evicted_keys
                    ));
                }
            }
            _ => {
                if self.rows_received > self.ring.len() as u64 {
                    let which = if self.newest_first { "newest first" } else { "oldest first" };
                    lines.push(format!(
                        "showing the last {} of {} rows ({which})",
                        self.ring.len(),
                        self.rows_received
                    ));
                }
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksql_wire::schema::{ColumnKind, SqlType};
    use serde_json::json;

    fn columns() -> Vec<Column> {
        ["K", "V"]
            .iter()
            .map(|n| Column { name: n.to_string(), sql_type: SqlType::Bigint, kind: ColumnKind::Value })
            .collect()
    }

    fn row(k: i64, v: Option<i64>, tombstone: bool) -> Row {
        Row { values: vec![json!(k), v.map_or(Value::Null, |v| json!(v))], tombstone }
    }

    fn values(view: &LiveView) -> Vec<Vec<Value>> {
        view.rows().iter().map(|r| r.values.clone()).collect()
    }

    #[test]
    fn tail_keeps_the_last_n_rows() {
        let mut view = LiveView::new(ViewMode::Tail, columns(), vec![], 3, false, false);
        for i in 0..10 {
            view.apply(row(i, Some(i), false));
        }
        assert_eq!(values(&view), vec![vec![json!(7), json!(7)], vec![json!(8), json!(8)], vec![json!(9), json!(9)]]);
        assert_eq!(view.rows_received, 10);
        assert!(view.footer()[0].contains("last 3 of 10"));
        let mut newest = LiveView::new(ViewMode::Tail, columns(), vec![], 2, true, false);
        newest.apply(row(1, Some(1), false));
        newest.apply(row(2, Some(2), false));
        assert_eq!(values(&newest)[0][0], json!(2));
    }

    #[test]
    fn table_applies_upserts_and_tombstones_by_key_in_key_order() {
        let mut view = LiveView::new(ViewMode::Table, columns(), vec![0], 100, false, true);
        for (k, v, t) in
            [(10, Some(1), false), (2, Some(1), false), (10, Some(5), false), (2, None, true), (7, Some(3), false)]
        {
            view.apply(row(k, v, t));
        }
        assert_eq!(values(&view), vec![vec![json!(7), json!(3)], vec![json!(10), json!(5)]]);
        // The update of key 10 changed V only.
        let r10 = view.rows()[1];
        assert_eq!(r10.changed, vec![true, true]); // new since the last frame: all highlighted
        view.frame_rendered();
        view.apply(row(10, Some(6), false));
        assert_eq!(view.rows()[1].changed, vec![false, true]);
        view.frame_rendered();
        assert!(view.rows()[1].changed.is_empty());
    }

    #[test]
    fn table_memory_is_bounded() {
        let mut view = LiveView::new(ViewMode::Table, columns(), vec![0], 5, false, true).with_max_keys(10);
        for k in 0..1000 {
            view.apply(row(k, Some(k), false));
        }
        assert_eq!(view.len(), 10);
        assert_eq!(view.evicted_keys, 990);
        assert_eq!(values(&view)[0][0], json!(990)); // the most recent keys survive
    }

    /// One batch of raw rows, as a parser in raw mode gives it.
    fn batch(rows: &[(i64, Option<i64>, bool)]) -> RowBatch {
        use ksqldb_client::stream::{JsonArrayRowParser, RowParser};
        let mut body = String::from(r#"[{"header":{"queryId":"q","schema":"`K` BIGINT KEY, `V` BIGINT"}},"#);
        for (k, v, tombstone) in rows {
            let v = v.map_or("null".to_string(), |v| v.to_string());
            let flag = if *tombstone { r#","tombstone":true"# } else { "" };
            body.push_str(&format!("\n{{\"row\":{{\"columns\":[{k},{v}]{flag}}}}},"));
        }
        let mut parser = JsonArrayRowParser::new();
        parser.set_raw_rows(true);
        let mut out = Vec::new();
        parser.feed(body.as_bytes(), &mut out);
        match out.pop() {
            Some(QueryEvent::Rows(batch)) if batch.len() == rows.len() => batch,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn raw_batches_give_the_views_of_parsed_rows() {
        let rows: Vec<(i64, Option<i64>, bool)> =
            (0..50).map(|i| (i % 7, if i % 5 == 4 { None } else { Some(i) }, i % 5 == 4)).collect();
        for mode in [ViewMode::Tail, ViewMode::Table, ViewMode::Changelog] {
            let mut parsed = LiveView::new(mode, columns(), vec![0], 4, false, true);
            let mut raw = LiveView::new(mode, columns(), vec![0], 4, false, true);
            for chunk in rows.chunks(9) {
                for &(k, v, t) in chunk {
                    parsed.apply(row(k, v, t));
                }
                raw.apply_event(QueryEvent::Rows(batch(chunk)));
                assert_eq!(values(&raw), values(&parsed), "{mode:?}");
                let changed = |v: &LiveView| v.rows().iter().map(|r| r.changed.clone()).collect::<Vec<_>>();
                assert_eq!(changed(&raw), changed(&parsed), "{mode:?}");
                raw.frame_rendered();
                parsed.frame_rendered();
            }
            assert_eq!((raw.rows_received, raw.tombstones), (50, 10));
            assert_eq!(raw.footer(), parsed.footer());
        }
    }

    /// Rows read before raw mode come parsed, later ones raw: both find the same slot, with one
    /// key column or several.
    #[test]
    fn parsed_and_raw_rows_of_a_key_share_its_slot() {
        for keys in [vec![0], vec![1, 0]] {
            let mut view = LiveView::new(ViewMode::Table, columns(), keys.clone(), 10, false, true);
            view.apply(row(1, Some(5), false));
            view.apply_event(QueryEvent::Rows(batch(&[(1, Some(5), false), (2, Some(5), false)])));
            assert_eq!(view.len(), 2, "{keys:?}");
            view.apply(row(2, Some(5), true));
            view.apply_event(QueryEvent::Rows(batch(&[(1, Some(5), true)])));
            assert!(view.is_empty(), "{keys:?}");
        }
    }

    #[test]
    fn table_evicts_the_least_recently_updated_keys_in_bulk() {
        let mut view = LiveView::new(ViewMode::Table, columns(), vec![0], 5, false, true).with_max_keys(1000);
        for k in 0..5000 {
            view.apply(row(k, Some(k), false));
            // Key 0 stays recent: it is never the least recently updated.
            view.apply(row(0, Some(k), false));
            assert!(view.len() <= 1000);
        }
        assert!(view.len() > 990, "{}", view.len());
        assert_eq!(view.evicted_keys, 5000 - view.len() as u64);
        let keys: Vec<Value> = values(&view).iter().map(|r| r[0].clone()).collect();
        assert_eq!(keys[0], json!(0));
        assert!(keys[1].as_i64().unwrap() > 3900, "{keys:?}");
    }

    #[test]
    fn changelog_records_operations() {
        let mut view = LiveView::new(ViewMode::Changelog, columns(), vec![0], 10, false, true);
        view.apply(row(1, Some(1), false));
        view.apply(row(1, None, true));
        let ops: Vec<_> = view.rows().iter().map(|r| r.op.unwrap()).collect();
        assert_eq!(ops, vec!["UPSERT", "DELETE"]);
        assert!(view.rows()[0].arrived.is_some());
    }

    #[test]
    fn numbers_sort_numerically_and_strings_lexically() {
        let mut view = LiveView::new(ViewMode::Table, columns(), vec![0], 10, false, true);
        for k in [100, 9, 20] {
            view.apply(row(k, Some(0), false));
        }
        let keys: Vec<_> = values(&view).iter().map(|r| r[0].clone()).collect();
        assert_eq!(keys, vec![json!(9), json!(20), json!(100)]);
    }
}
