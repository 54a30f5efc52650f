//! An aggregation's groups as the rows of the table it writes, so that pull queries on a
//! CREATE TABLE AS SELECT ... GROUP BY read the aggregation's own state (kept once) rather
//! than a decoded copy of its sink topic.
//!
//! Open groups answer from their accumulators; a window evicted after its grace period
//! leaves its final row behind (the table still holds it, as its topic does); each key's
//! windows are indexed so a pull by key reads only that key's rows, in window order.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::VecDeque;

use super::groups::GroupKey;
use super::{Aggregator, Group, Output, StateMap};
use crate::types::{key_part, KeyPart, Value};

/// A row of the table an aggregation writes, as a pull by key reads it.
pub enum TableEntry<'a> {
    /// An open window's (or an unwindowed) group: its post-aggregation row
    /// (`[group keys.., aggregates.., WINDOWSTART, WINDOWEND, ROWTIME]`), window and time.
    Open { post: &'a [Value], window: Option<(i64, i64)>, ts: i64 },
    /// A closed window's final row.
    Closed(&'a Output),
}

#[derive(Default)]
pub(super) struct TableState {
    /// Windowed aggregations: each key's windows evicted from the groups, by start, with
    /// their final rows (open windows are the groups'). Kept per key so that a pull of one
    /// key walks its windows in order without hashing each of them.
    windows: StateMap<Vec<KeyPart>, KeyWindows>,
    /// Set when an output key differs from its group key (a computed key): pull lookups by
    /// key then scan instead of addressing groups.
    keys_differ: Cell<bool>,
}

/// One key's closed windows in start order, with their final rows. Windows close in time
/// order, so closing one is a push at the back: a BTreeMap holding rows inline cost ~560
/// instructions an event and ~190 bytes a window.
#[derive(Default)]
pub(super) struct KeyWindows(VecDeque<(i64, Box<Output>)>);

impl KeyWindows {
    /// Window `start` closed with its final row (replacing one of the same start).
    fn close(&mut self, start: i64, row: Output) {
        match self.0.back() {
            Some(&(last, _)) if last >= start => match self.0.binary_search_by_key(&start, |(s, _)| *s) {
                Ok(at) => *self.0[at].1 = row,
                Err(at) => self.0.insert(at, (start, Box::new(row))),
            },
            _ => self.0.push_back((start, Box::new(row))),
        }
    }

    /// Each window's start and final row, in start order.
    fn iter(&self) -> impl Iterator<Item = (i64, &Output)> {
        self.0.iter().map(|(start, row)| (*start, &**row))
    }
}

impl TableState {
    /// A window evicted from the groups, with its final row (None: HAVING keeps it out of
    /// the table, so nothing is kept).
    pub(super) fn close(&mut self, gk: GroupKey, row: Option<Output>) {
        if let Some(o) = row {
            self.windows.entry(gk.0).or_default().close(gk.1, o);
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
    /// `post` is the caller's buffer for the group's post-aggregation row.
    pub(super) fn table_output(&self, key: &[Value], g: &Group, post: &mut Vec<Value>) -> Option<Output> {
        if !self.in_table(g) {
            return None;
        }
        g.post_row_into(key, g.last_ts, post);
        Some(Output {
            key: self.post.key(post),
            row: Some(self.post.project(post)),
            ts: g.last_ts,
            window: g.window,
            headers: vec![],
        })
    }

    /// Whether a group is a row of the table: HAVING keeps out those its last output failed.
    fn in_table(&self, g: &Group) -> bool {
        self.having.is_none() || g.visible.get()
    }

    /// The rows of `keys` (each key's windows in order), each handed to `visit` as it is
    /// held: an open group's post-aggregation row (in a buffer reused from row to row, so
    /// a pull builds each row once), or a closed window's final row, lent. False, and
    /// nothing visited, when output keys are not group keys: [`Aggregator::table_rows`]
    /// then scans.
    pub fn table_rows_by_key(&self, keys: &[Vec<KeyPart>], mut visit: impl FnMut(TableEntry<'_>)) -> bool {
        if self.table.keys_differ.get() {
            return false;
        }
        let mut post = Vec::new();
        let mut open = |(key, g): (&[Value], &Group), visit: &mut dyn FnMut(TableEntry<'_>)| {
            if self.in_table(g) {
                g.post_row_into(key, g.last_ts, &mut post);
                visit(TableEntry::Open { post: &post, window: g.window, ts: g.last_ts });
            }
        };
        for k in keys {
            // The key's closed windows and its open ones (its groups), merged by start; an
            // unwindowed key has one group and none closed.
            let mut closed = self.table.windows.get(k).into_iter().flat_map(KeyWindows::iter).peekable();
            if let Some((values, groups)) = self.groups.of_key(k) {
                for (start, g) in groups {
                    while let Some((_, o)) = closed.next_if(|(s, _)| *s < start) {
                        visit(TableEntry::Closed(o));
                    }
                    open((values, g), &mut visit);
                }
            }
            closed.for_each(|(_, o)| visit(TableEntry::Closed(o)));
        }
        true
    }

    /// The table's rows, in key and window order (those of `keys` only, when given: the way
    /// to read keys when output keys are not group keys, see [`Aggregator::table_rows_by_key`]).
    /// Closed windows' rows are lent, not copied.
    pub fn table_rows(&self, keys: Option<&[Vec<KeyPart>]>) -> Vec<Cow<'_, Output>> {
        let mut post = Vec::new();
        let open = self.groups.values().filter_map(|(key, g)| self.table_output(key, g, &mut post)).map(Cow::Owned);
        let closed = self.table.windows.values().flat_map(|w| w.iter().map(|(_, row)| row)).map(Cow::Borrowed);
        let mut rows: Vec<(Vec<KeyPart>, Cow<'_, Output>)> =
            open.chain(closed).map(|o| (o.key.iter().map(key_part).collect(), o)).collect();
        if let Some(keys) = keys {
            rows.retain(|(k, _)| keys.contains(k));
        }
        rows.sort_by(|a, b| (&a.0, a.1.window).cmp(&(&b.0, b.1.window)));
        rows.into_iter().map(|(_, o)| o).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn row(start: i64) -> Output {
        Output {
            key: vec![Value::Bigint(start)],
            row: None,
            ts: start,
            window: Some((start, start + 1)),
            headers: vec![],
        }
    }

    /// Closes (mostly in time order, some late or repeated) keep each key's closed windows
    /// as a sorted map would: same starts, same rows.
    #[test]
    fn key_windows_behave_as_a_sorted_map() {
        let (mut windows, mut model) = (KeyWindows::default(), BTreeMap::<i64, i64>::new());
        let mut x: u64 = 7;
        for step in 0..5_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Mostly the next window in time, sometimes a late or repeated one.
            let start = if x.is_multiple_of(5) { ((x >> 33) % 400) as i64 } else { step / 10 };
            let mut r = row(start);
            r.ts = step;
            windows.close(start, r);
            model.insert(start, step);
        }
        let got: Vec<(i64, i64)> = windows.iter().map(|(s, r)| (s, r.ts)).collect();
        let want: Vec<(i64, i64)> = model.into_iter().collect();
        assert!(got.len() > 100, "{}", got.len());
        assert_eq!(got, want);
    }
}
