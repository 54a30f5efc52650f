//! The data every query stage passes on: rows in the layout of the stage's scope, changes to a
//! relation, and the maps per-key state lives in.

use std::collections::{HashMap, HashSet};

use crate::types::Value;

/// Maps of the per-key state: foldhash, seeded per process, is several times faster than
/// the default SipHash on the short keys every event looks up.
pub type StateMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub type StateSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// A state key as the maps of a million keys hold it: a boxed slice is 8 bytes smaller than a
/// `Vec` in every slot of the table (which has up to twice as many slots as keys).
pub type StateKey = Box<[crate::types::KeyPart]>;

pub type Row = Vec<Value>;

/// A change to a relation: a stream event has only `new`; a table update has both, a
/// table delete only `old`.
#[derive(Debug, Clone)]
pub struct Change {
    pub old: Option<Row>,
    pub new: Option<Row>,
    pub ts: i64,
}

impl Drop for Change {
    /// Every record's rows end here: emptied by [`crate::types::clear_row`], which lets the
    /// numbers go without `Value`'s drop glue.
    fn drop(&mut self) {
        for row in [&mut self.old, &mut self.new].into_iter().flatten() {
            crate::types::clear_row(row);
        }
    }
}

/// A joined row: the left row (nulls without one), the right row (nulls without one), then
/// the join's own pseudocolumns.
pub fn combine_join_rows(left_width: usize, right_width: usize, l: Option<&Row>, r: Option<&Row>) -> Row {
    let mut row = Vec::with_capacity(left_width + right_width + 3);
    match l {
        Some(l) => row.extend_from_slice(l),
        None => row.resize(left_width, Value::Null),
    }
    let lt = l.map(|x| x[left_width - 3].as_i64().unwrap_or(0));
    add_right_side(row, (left_width, right_width), lt, r)
}

/// [`combine_join_rows`] of a left row the caller gives up (a stream record's): its values
/// are moved, not cloned.
pub fn combine_join_rows_owned(left_width: usize, right_width: usize, mut l: Row, r: Option<&Row>) -> Row {
    let mut row = Vec::with_capacity(left_width + right_width + 3);
    let lt = l[left_width - 3].as_i64().unwrap_or(0);
    row.append(&mut l);
    add_right_side(row, (left_width, right_width), Some(lt), r)
}

/// The right row (nulls without one) and the pseudocolumns after a joined row's left side;
/// `lt`: the left row's time.
fn add_right_side(mut row: Row, (left_width, right_width): (usize, usize), lt: Option<i64>, r: Option<&Row>) -> Row {
    match r {
        Some(r) => row.extend_from_slice(r),
        None => row.resize(left_width + right_width, Value::Null),
    }
    // The joined row's own ROWTIME: the later of both sides.
    let rt = r.map(|x| x[right_width - 3].as_i64().unwrap_or(0));
    row.push(Value::Bigint(lt.max(rt).unwrap_or(0)));
    row.push(Value::Int(0));
    row.push(Value::Bigint(0));
    row
}
