//! Foreign-key table-table joins (ksqlDB 0.29, Kafka Streams' KIP-213): each left row joins
//! the right row whose primary key equals the left row's foreign-key expression. The result
//! is keyed by the left table's primary key, and a right change re-joins every left row that
//! refers to it. Only INNER and LEFT joins exist (the analyzer refuses the others).

use std::collections::BTreeSet;

use super::rows::{combine_join_rows, Change, Row, StateMap};
use crate::expr::EvalFn;
use crate::sql::ast::JoinKind;
use crate::types::{key_part, KeyPart};

/// What a foreign-key join reads from its join stage: the kind, each side's ON expression
/// and row widths.
pub struct ForeignKeyShape<'a> {
    pub kind: JoinKind,
    pub foreign_key: &'a EvalFn,
    pub right_key: &'a EvalFn,
    pub left_width: usize,
    pub right_width: usize,
}

impl ForeignKeyShape<'_> {
    /// The join result of left row `l` with right row `r` (None: no result for this key).
    fn join(&self, l: &Row, r: Option<&Row>) -> Option<Row> {
        match (r, self.kind) {
            (Some(r), _) => Some(combine_join_rows(self.left_width, self.right_width, Some(l), Some(r))),
            (None, JoinKind::Left) => Some(combine_join_rows(self.left_width, self.right_width, Some(l), None)),
            (None, _) => None,
        }
    }
}

/// The state of one foreign-key join: both tables, and which left rows refer to each right key.
pub struct ForeignKeyJoin {
    /// The left table's primary-key columns, over its row.
    left_primary_key: Vec<EvalFn>,
    /// Left rows by primary key, each with its foreign key.
    left: StateMap<KeyPart, (Row, KeyPart)>,
    /// Foreign key -> the primary keys of the left rows that refer to it, ordered so that a
    /// right change re-joins them in key order.
    referrers: StateMap<KeyPart, BTreeSet<KeyPart>>,
    right: StateMap<KeyPart, Row>,
}

impl ForeignKeyJoin {
    pub fn new(left_primary_key: Vec<EvalFn>) -> Self {
        ForeignKeyJoin {
            left_primary_key,
            left: StateMap::default(),
            referrers: StateMap::default(),
            right: StateMap::default(),
        }
    }

    fn primary_key(&self, row: &Row) -> KeyPart {
        match self.left_primary_key.as_slice() {
            [one] => key_part(&one(row)),
            many => KeyPart::List(many.iter().map(|f| key_part(&f(row))).collect()),
        }
    }

    fn right_row(&self, foreign_key: &KeyPart) -> Option<&Row> {
        if *foreign_key == KeyPart::Null {
            return None;
        }
        self.right.get(foreign_key)
    }

    /// A left change: the row's result before and after. As in Kafka Streams, an update or
    /// delete of a left row that had a result, or that an inner join now drops, sends a
    /// tombstone; a new left row with no match in an inner join sends nothing.
    pub fn process_left(&mut self, shape: &ForeignKeyShape, mut ch: Change, out: &mut Vec<Change>) {
        let Some(any) = ch.new.as_ref().or(ch.old.as_ref()) else { return };
        let pk = self.primary_key(any);
        let previous = self.left.remove(&pk);
        if let Some((_, fk)) = &previous {
            if let Some(set) = self.referrers.get_mut(fk) {
                set.remove(&pk);
                if set.is_empty() {
                    self.referrers.remove(fk);
                }
            }
        }
        let before = previous.as_ref().and_then(|(row, fk)| shape.join(row, self.right_row(fk)));
        let after = ch.new.take().and_then(|row| {
            let fk = key_part(&(shape.foreign_key)(&row));
            let result = shape.join(&row, self.right_row(&fk));
            if fk != KeyPart::Null {
                self.referrers.entry(fk.clone()).or_default().insert(pk.clone());
            }
            self.left.insert(pk, (row, fk));
            result
        });
        let ts = ch.ts;
        match (before, after, previous) {
            (old, Some(new), _) => out.push(Change { old, new: Some(new), ts }),
            (Some(old), None, _) => out.push(Change { old: Some(old), new: None, ts }),
            // The left row had no result (inner join, no match) but changed: a tombstone for
            // its key all the same; the old row carries the key.
            (None, None, Some((row, _))) => {
                let old = combine_join_rows(shape.left_width, shape.right_width, Some(&row), None);
                out.push(Change { old: Some(old), new: None, ts })
            }
            (None, None, None) => {}
        }
    }

    /// A right change: every left row that refers to its key is joined again.
    pub fn process_right(&mut self, shape: &ForeignKeyShape, mut ch: Change, out: &mut Vec<Change>) {
        let Some(any) = ch.new.as_ref().or(ch.old.as_ref()) else { return };
        let key = key_part(&(shape.right_key)(any));
        if key == KeyPart::Null {
            return;
        }
        let previous = match ch.new.take() {
            Some(row) => self.right.insert(key.clone(), row),
            None => self.right.remove(&key),
        };
        let Some(referrers) = self.referrers.get(&key) else { return };
        let current = self.right.get(&key);
        for pk in referrers {
            let Some((row, _)) = self.left.get(pk) else { continue };
            let before = shape.join(row, previous.as_ref());
            let after = shape.join(row, current);
            if before.is_some() || after.is_some() {
                out.push(Change { old: before, new: after, ts: ch.ts });
            }
        }
    }
}
