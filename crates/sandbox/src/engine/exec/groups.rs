//! An aggregation's groups, by group key and then window start.
//!
//! A windowed aggregation's events mostly open a window (each key has one per window size
//! of stream time), so its groups outnumber its keys by far. Held in one map by (key,
//! window start), each new window cost a copy of its key, a probe into a table as large as
//! every window held (a cache miss, and a rehash of all of it as it grew), and ~100 more
//! bytes a window than here, where the map holds each key once and the key's windows sit
//! in start order behind it: finding the latest window is a look at the back, opening one a
//! push there, and evicting the oldest a pop at the front.

use std::collections::VecDeque;

use super::Group;
use crate::types::KeyPart;

/// A group's key and window start (0 when not windowed).
pub(super) type GroupKey = (Vec<KeyPart>, i64);

#[derive(Default)]
pub(super) struct Groups {
    by_key: hashbrown::HashMap<Vec<KeyPart>, KeyGroups, foldhash::fast::RandomState>,
    len: usize,
}

/// One key's groups in window start order (unwindowed: one, at start 0).
struct KeyGroups(VecDeque<(i64, Group)>);

impl KeyGroups {
    /// Where window `start` is (Ok) or would go (Err); most lookups are of the latest.
    fn find(&self, start: i64) -> Result<usize, usize> {
        match self.0.back() {
            Some(&(last, _)) if last == start => Ok(self.0.len() - 1),
            Some(&(last, _)) if last < start => Err(self.0.len()),
            _ => self.0.binary_search_by_key(&start, |(s, _)| *s),
        }
    }
}

impl Groups {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn get(&self, key: &[KeyPart], start: i64) -> Option<&Group> {
        let groups = self.by_key.get(key)?;
        groups.find(start).ok().map(|at| &groups.0[at].1)
    }

    pub fn get_mut(&mut self, key: &[KeyPart], start: i64) -> Option<&mut Group> {
        let groups = self.by_key.get_mut(key)?;
        groups.find(start).ok().map(|at| &mut groups.0[at].1)
    }

    /// The group of `key` and window `start`, made by `make` when there is none (true: it is
    /// new). The key is copied only when it is new to the aggregation.
    pub fn get_or_insert_with(
        &mut self,
        key: &[KeyPart],
        start: i64,
        make: impl FnOnce() -> Group,
    ) -> (&mut Group, bool) {
        // Room for one group: an unwindowed aggregation holds one a key (a first push would
        // make room for four).
        let groups = self.by_key.entry_ref(key).or_insert_with(|| KeyGroups(VecDeque::with_capacity(1)));
        match groups.find(start) {
            Ok(at) => (&mut groups.0[at].1, false),
            Err(at) => {
                if at == groups.0.len() {
                    groups.0.push_back((start, make()));
                } else {
                    groups.0.insert(at, (start, make()));
                }
                self.len += 1;
                (&mut groups.0[at].1, true)
            }
        }
    }

    /// Sets the group of `key` and window `start`, replacing any there.
    pub fn insert(&mut self, key: &[KeyPart], start: i64, group: Group) {
        match self.get_mut(key, start) {
            Some(held) => *held = group,
            None => _ = self.get_or_insert_with(key, start, || group),
        }
    }

    pub fn remove(&mut self, key: &[KeyPart], start: i64) -> Option<Group> {
        let groups = self.by_key.get_mut(key)?;
        let at = groups.find(start).ok()?;
        let (_, group) = groups.0.remove(at)?;
        if groups.0.is_empty() {
            self.by_key.remove(key);
        }
        self.len -= 1;
        Some(group)
    }

    /// Keeps the groups for which `keep` (given each one's key and window start) is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&[KeyPart], i64, &mut Group) -> bool) {
        let mut removed = 0;
        self.by_key.retain(|key, groups| {
            let before = groups.0.len();
            groups.0.retain_mut(|(start, g)| keep(key, *start, g));
            removed += before - groups.0.len();
            !groups.0.is_empty()
        });
        self.len -= removed;
    }

    pub fn values(&self) -> impl Iterator<Item = &Group> {
        self.by_key.values().flat_map(|groups| groups.0.iter().map(|(_, g)| g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(ts: i64) -> Group {
        Group::new(vec![], None, &[], ts)
    }

    fn key(k: i64) -> Vec<KeyPart> {
        vec![KeyPart::Int(k)]
    }

    /// A group is held once per window: its size is what a window costs beyond its
    /// accumulators (key, window bounds, accumulators and session rows boxed).
    #[test]
    fn a_group_takes_80_bytes() {
        assert_eq!(std::mem::size_of::<Group>(), 80);
    }

    /// Windows opened in any order are found by key and start, counted, replaced, removed
    /// and retained as one map by (key, start) would hold them.
    #[test]
    fn groups_behave_as_one_map_by_key_and_window() {
        let mut groups = Groups::default();
        let mut model = std::collections::BTreeMap::new();
        // Starts in order, out of order, repeated; keys interleaved.
        for (k, start) in [(1, 0), (1, 10), (2, 10), (1, 5), (1, 10), (2, 0), (1, 20), (3, 7), (1, -5)] {
            let (g, new) = groups.get_or_insert_with(&key(k), start, || group(start * 100 + k));
            assert_eq!(new, !model.contains_key(&(k, start)), "({k}, {start})");
            g.last_ts += 1;
            *model.entry((k, start)).or_insert(start * 100 + k) += 1;
        }
        let check = |groups: &Groups, model: &std::collections::BTreeMap<(i64, i64), i64>| {
            assert_eq!(groups.len(), model.len());
            for (&(k, start), &ts) in model {
                assert_eq!(groups.get(&key(k), start).map(|g| g.last_ts), Some(ts), "({k}, {start})");
            }
            let mut held: Vec<i64> = groups.values().map(|g| g.last_ts).collect();
            let mut expected: Vec<i64> = model.values().copied().collect();
            held.sort_unstable();
            expected.sort_unstable();
            assert_eq!(held, expected);
        };
        check(&groups, &model);
        assert!(groups.get(&key(1), 7).is_none() && groups.get(&key(9), 0).is_none());
        groups.insert(&key(2), 10, group(-1));
        model.insert((2, 10), -1);
        groups.insert(&key(4), 1, group(41));
        model.insert((4, 1), 41);
        check(&groups, &model);
        assert_eq!(groups.remove(&key(3), 7).map(|g| g.last_ts), Some(model.remove(&(3, 7)).unwrap()));
        assert!(groups.remove(&key(3), 7).is_none());
        groups.get_mut(&key(1), 5).unwrap().last_ts = 55;
        model.insert((1, 5), 55);
        check(&groups, &model);
        groups.retain(|k, start, _| k != key(1).as_slice() || start >= 10);
        model.retain(|&(k, start), _| k != 1 || start >= 10);
        check(&groups, &model);
        // A key whose windows are all gone is gone too: it opens afresh.
        groups.retain(|k, _, _| k != key(2).as_slice());
        model.retain(|&(k, _), _| k != 2);
        check(&groups, &model);
        assert!(groups.get_or_insert_with(&key(2), 10, || group(0)).1);
    }
}
