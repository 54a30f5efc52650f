//! Stream-stream joins within a window (`WITHIN before, after [GRACE PERIOD g]`), as Kafka
//! Streams runs them for ksqlDB 0.29:
//!
//! - Each side keeps its records for `before + after + grace` behind the latest time it has
//!   seen; an older record is not kept (it still looks up the other side), and kept records
//!   past that are evicted, so the state is bounded by time.
//! - With an explicit GRACE PERIOD, a LEFT/RIGHT/FULL join holds a record without a match
//!   until its window closes (its time plus the window after it plus the grace, behind the
//!   stream time of both sides) and emits it with nulls then, or never if a match comes:
//!   no spurious null-joined row first. A record whose window is already over (out of order)
//!   is emitted at once. Without GRACE PERIOD (the older syntax) an unmatched record is
//!   emitted at once, as ksqlDB did before.

use std::collections::BTreeMap;

use super::rows::{combine_join_rows, Change, Row, StateMap};
use crate::sql::ast::JoinKind;
use crate::types::KeyPart;

/// A kept record: its row, time and sequence number (which names it in the held set).
struct Kept {
    row: Row,
    ts: i64,
    seq: u64,
}

pub struct WindowJoin {
    kind: JoinKind,
    before: i64,
    after: i64,
    grace: i64,
    /// GRACE PERIOD was given: unmatched records wait for their window to close.
    hold_unmatched: bool,
    left_width: usize,
    right_width: usize,
    kept: [StateMap<KeyPart, Vec<Kept>>; 2],
    /// The latest record time each side has seen, and of both.
    side_time: [i64; 2],
    stream_time: i64,
    /// Unmatched records waiting for their window to close, by (time, sequence).
    held: BTreeMap<(i64, u64), (usize, Row)>,
    next_seq: u64,
    /// Side time at the last full eviction sweep.
    swept_at: [i64; 2],
}

impl WindowJoin {
    pub fn new(kind: JoinKind, within: (i64, i64, i64), hold_unmatched: bool, widths: (usize, usize)) -> Self {
        let (before, after, grace) = within;
        WindowJoin {
            kind,
            before,
            after,
            grace,
            hold_unmatched,
            left_width: widths.0,
            right_width: widths.1,
            kept: [StateMap::default(), StateMap::default()],
            side_time: [i64::MIN; 2],
            stream_time: i64::MIN,
            held: BTreeMap::new(),
            next_seq: 0,
            swept_at: [i64::MIN; 2],
        }
    }

    fn retention(&self) -> i64 {
        self.before.saturating_add(self.after).saturating_add(self.grace)
    }

    /// How far after a record of `side` its window reaches: a left record at t matches right
    /// records in [t - before, t + after], a right one left records in [t - after, t + before].
    fn reach(&self, side: usize) -> i64 {
        if side == 0 {
            self.after
        } else {
            self.before
        }
    }

    fn emits_unmatched(&self, side: usize) -> bool {
        match self.kind {
            JoinKind::Left => side == 0,
            JoinKind::Right => side == 1,
            JoinKind::Full => true,
            JoinKind::Inner => false,
        }
    }

    fn unmatched(&self, side: usize, row: &Row) -> Row {
        let (lw, rw) = (self.left_width, self.right_width);
        if side == 0 {
            combine_join_rows(lw, rw, Some(row), None)
        } else {
            combine_join_rows(lw, rw, None, Some(row))
        }
    }

    /// A record of `side` (0 = left) with key `key` (None: a null key, which joins nothing).
    pub fn process(&mut self, side: usize, key: Option<KeyPart>, row: Row, ts: i64, out: &mut Vec<Change>) {
        self.side_time[side] = self.side_time[side].max(ts);
        self.stream_time = self.stream_time.max(ts);
        if ts == self.stream_time {
            self.emit_closed(out);
        }
        let Some(key) = key else {
            if self.emits_unmatched(side) {
                out.push(Change { old: None, new: Some(self.unmatched(side, &row)), ts });
            }
            return;
        };
        let mut matched = false;
        let other = 1 - side;
        if let Some(rows) = self.kept[other].get(&key) {
            for o in rows {
                let in_window = if side == 0 {
                    o.ts >= ts - self.before && o.ts <= ts + self.after
                } else {
                    ts >= o.ts - self.before && ts <= o.ts + self.after
                };
                if !in_window {
                    continue;
                }
                matched = true;
                let (lw, rw) = (self.left_width, self.right_width);
                let joined = if side == 0 {
                    combine_join_rows(lw, rw, Some(&row), Some(&o.row))
                } else {
                    combine_join_rows(lw, rw, Some(&o.row), Some(&row))
                };
                // The joined record's time is the later of the two.
                out.push(Change { old: None, new: Some(joined), ts: ts.max(o.ts) });
                // The other record found its match: it is no longer waiting.
                self.held.remove(&(o.ts, o.seq));
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        if !matched && self.emits_unmatched(side) {
            let window_over = ts.saturating_add(self.reach(side)) < self.stream_time;
            if self.hold_unmatched && !window_over {
                self.held.insert((ts, seq), (side, row.clone()));
            } else {
                out.push(Change { old: None, new: Some(self.unmatched(side, &row)), ts });
            }
        }
        self.keep(side, key, Kept { row, ts, seq });
    }

    /// Keeps a record unless it is older than this side's retention; evicts expired ones.
    fn keep(&mut self, side: usize, key: KeyPart, record: Kept) {
        let oldest = self.side_time[side].saturating_sub(self.retention());
        if record.ts < oldest {
            return;
        }
        let rows = self.kept[side].entry(key).or_default();
        rows.retain(|k| k.ts >= oldest);
        rows.push(record);
        // A full sweep once the side's time has moved on by a retention period bounds the
        // keys that are never seen again.
        if self.side_time[side].saturating_sub(self.swept_at[side]) > self.retention() {
            self.kept[side].retain(|_, rows| {
                rows.retain(|k| k.ts >= oldest);
                !rows.is_empty()
            });
            self.swept_at[side] = self.side_time[side];
        }
    }

    /// Emits, in time order, the held records whose window has closed.
    fn emit_closed(&mut self, out: &mut Vec<Change>) {
        while let Some((&(ts, seq), (side, _))) = self.held.first_key_value() {
            if ts.saturating_add(self.reach(*side)).saturating_add(self.grace) >= self.stream_time {
                break;
            }
            let (side, row) = self.held.remove(&(ts, seq)).expect("the first key is present");
            out.push(Change { old: None, new: Some(self.unmatched(side, &row)), ts });
        }
    }

    /// Records kept and held (tests).
    #[cfg(test)]
    pub fn state_size(&self) -> (usize, usize) {
        (self.kept.iter().map(|m| m.values().map(Vec::len).sum::<usize>()).sum(), self.held.len())
    }
}
