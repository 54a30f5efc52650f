//! An aggregation's groups as the rows of the table it writes, so that pull queries on a
//! CREATE TABLE AS SELECT ... GROUP BY read the aggregation's own state (kept once) rather
//! than a decoded copy of its sink topic.
//!
//! Open groups answer from their accumulators; a window evicted after its grace period
//! leaves its final row behind (the table still holds it, as its topic does); each key's
//! windows are indexed so a pull by key reads only that key's rows, in window order.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;

use super::{Aggregator, Group, Output, StateMap};
use crate::types::{key_part, KeyPart, Value};

/// A group's key and window start (0 when not windowed).
pub(super) type GroupKey = (Vec<KeyPart>, i64);

#[derive(Default)]
pub(super) struct TableState {
    /// Windowed aggregations: each key's windows by start, with the final row of those
    /// evicted from the groups (None: the window is open, its group answers). Kept per key so
    /// that a pull of one key walks its windows in order without hashing each of them.
    windows: StateMap<Vec<KeyPart>, BTreeMap<i64, Option<Output>>>,
    /// Set when an output key differs from its group key (a computed key): pull lookups by
    /// key then scan instead of addressing groups.
    keys_differ: Cell<bool>,
}

impl TableState {
    pub(super) fn add_window(&mut self, key: &[KeyPart], start: i64) {
        match self.windows.get_mut(key) {
            Some(windows) => {
                windows.entry(start).or_insert(None);
            }
            None => {
                self.windows.insert(key.to_vec(), BTreeMap::from([(start, None)]));
            }
        }
    }

    pub(super) fn remove_window(&mut self, key: &[KeyPart], start: i64) {
        if let Some(windows) = self.windows.get_mut(key) {
            windows.remove(&start);
            if windows.is_empty() {
                self.windows.remove(key);
            }
        }
    }

    pub(super) fn close(&mut self, gk: GroupKey, row: Option<Output>) {
        match row {
            Some(o) => {
                self.windows.entry(gk.0).or_default().insert(gk.1, Some(o));
            }
            // Not in the table (HAVING): nothing to keep.
            None => self.remove_window(&gk.0, gk.1),
        }
    }

    /// Notes whether an output's key is its group's key (checked without allocating).
    pub(super) fn check_key(&self, out_key: &[Value], group: &[KeyPart]) {
        if self.keys_differ.get() {
            return;
        }
        let same = out_key.len() == group.len()
            && out_key.iter().zip(group).all(|(v, k)| match (v, k) {
                (Value::Int(a), KeyPart::Int(b)) => *a as i64 == *b,
                (Value::Bigint(a), KeyPart::Int(b)) => a == b,
                (Value::String(a), KeyPart::Str(b)) => a == b,
                _ => key_part(v) == *k,
            });
        if !same {
            self.keys_differ.set(true);
        }
    }
}

impl Aggregator {
    /// A group's row in the table (None: HAVING keeps it out), as its last output wrote it.
    pub(super) fn table_output(&self, g: &Group) -> Option<Output> {
        if self.having.is_some() && !g.visible.get() {
            return None;
        }
        let post = self.post_row(g, g.last_ts);
        Some(Output {
            key: self.post.key(&post),
            row: Some(self.post.project(&post)),
            ts: g.last_ts,
            window: g.window,
            headers: vec![],
        })
    }

    /// The table's rows: those of `keys` (each key's windows in order), or all of them in key
    /// and window order. Closed windows' rows are lent, not copied: a pull of one key of a
    /// long-running windowed table reads thousands of them.
    pub fn table_rows(&self, keys: Option<&[Vec<KeyPart>]>) -> Vec<Cow<'_, Output>> {
        match keys {
            Some(keys) if !self.table.keys_differ.get() => {
                let mut rows = Vec::new();
                for k in keys {
                    // One group key per key, its window start set for each open window.
                    let mut gk = (k.clone(), 0);
                    if self.window.is_none() {
                        rows.extend(self.groups.get(&gk).and_then(|g| self.table_output(g)).map(Cow::Owned));
                        continue;
                    }
                    for (&start, closed) in self.table.windows.get(k).into_iter().flatten() {
                        gk.1 = start;
                        rows.extend(match closed {
                            Some(o) => Some(Cow::Borrowed(o)),
                            None => self.groups.get(&gk).and_then(|g| self.table_output(g)).map(Cow::Owned),
                        });
                    }
                }
                rows
            }
            _ => {
                let open = self.groups.values().filter_map(|g| self.table_output(g)).map(Cow::Owned);
                let closed = self.table.windows.values().flat_map(|w| w.values().flatten()).map(Cow::Borrowed);
                let mut rows: Vec<(Vec<KeyPart>, Cow<'_, Output>)> =
                    open.chain(closed).map(|o| (o.key.iter().map(key_part).collect(), o)).collect();
                if let Some(keys) = keys {
                    rows.retain(|(k, _)| keys.contains(k));
                }
                rows.sort_by(|a, b| (&a.0, a.1.window).cmp(&(&b.0, b.1.window)));
                rows.into_iter().map(|(_, o)| o).collect()
            }
        }
    }
}
