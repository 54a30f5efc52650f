//! Stream-stream joins within a window: no spurious null-joined row with a GRACE PERIOD, and
//! state bounded by time.

use super::rows::Change;
use super::window_join::WindowJoin;
use crate::sql::ast::JoinKind;
use crate::types::{KeyPart, Value};

/// Rows of one value column plus the three pseudocolumns (ROWTIME, ROWPARTITION, ROWOFFSET).
fn row(v: i32, ts: i64) -> Vec<Value> {
    vec![Value::Int(v), Value::Bigint(ts), Value::Int(0), Value::Bigint(0)]
}

fn values(out: &[Change]) -> Vec<(Value, Value, i64)> {
    out.iter().map(|c| c.new.as_ref().map(|r| (r[0].clone(), r[4].clone(), c.ts)).unwrap()).collect()
}

const SECOND: i64 = 1000;

#[test]
fn a_left_join_with_grace_emits_the_unmatched_row_only_when_its_window_closes() {
    let mut j = WindowJoin::new(JoinKind::Left, (10 * SECOND, 10 * SECOND, 5 * SECOND), true, (4, 4));
    let mut out = Vec::new();
    let k = || Some(KeyPart::Int(1));
    j.process(0, k(), row(1, 0), 0, &mut out);
    assert!(out.is_empty(), "no null-joined row while a match may still come");
    j.process(1, k(), row(2, 8 * SECOND), 8 * SECOND, &mut out);
    assert_eq!(values(&out), vec![(Value::Int(1), Value::Int(2), 8 * SECOND)]);
    out.clear();
    // A left record with no match: held until its time + 10 s + 5 s grace is behind the stream.
    j.process(0, Some(KeyPart::Int(7)), row(3, 20 * SECOND), 20 * SECOND, &mut out);
    j.process(1, Some(KeyPart::Int(9)), row(4, 35 * SECOND), 35 * SECOND, &mut out);
    assert!(out.is_empty(), "{out:?}");
    j.process(1, Some(KeyPart::Int(9)), row(5, 36 * SECOND), 36 * SECOND, &mut out);
    assert_eq!(values(&out), vec![(Value::Int(3), Value::Null, 20 * SECOND)]);
}

#[test]
fn without_grace_the_unmatched_row_comes_at_once_and_old_records_are_evicted() {
    let mut j = WindowJoin::new(JoinKind::Left, (SECOND, SECOND, 0), false, (4, 4));
    let mut out = Vec::new();
    for i in 0..10_000i64 {
        j.process(0, Some(KeyPart::Int(i)), row(i as i32, i * SECOND), i * SECOND, &mut out);
    }
    assert_eq!(out.len(), 10_000);
    let (kept, held) = j.state_size();
    assert!(kept <= 4 && held == 0, "kept {kept}, held {held}: state must be bounded by time");
}
