//! An aggregation's groups, by group key and then window start.
//!
//! A windowed aggregation's events mostly open a window (each key has one per window size
//! of stream time), so its groups outnumber its keys by far. Held in one map by (key,
//! window start), each new window cost a copy of its key, a probe into a table as large as
//! every window held (a cache miss, and a rehash of all of it as it grew), and ~100 more
//! bytes a window than here, where each key is held once and the key's windows sit in start
//! order behind it: finding the latest window is a look at the back, opening one a push
//! there, and evicting the oldest a pop at the front.
//!
//! The keys and their groups sit in one dense list; the hash table holds only their places
//! in it (4 bytes a slot), and a key with one group (every key of an unwindowed aggregation)
//! holds it inline. A map from key to a list of groups cost an unwindowed GROUP BY over
//! 1 M keys 404 bytes a group (303 here): 56-byte slots in a table kept at most 7/8 full
//! (2 M slots for 1 M keys) and an allocation per key for its one-group list. A key's values
//! (what its groups' rows start with) are held once for all its windows: a copy per window
//! cost 48 bytes and an allocation.

use std::collections::VecDeque;
use std::hash::BuildHasher;

use super::Group;
use crate::types::{KeyPart, Value};

/// A group's key and window start (0 when not windowed).
pub(super) type GroupKey = (Vec<KeyPart>, i64);

#[derive(Default)]
pub(super) struct Groups {
    /// Each key's place in `keys`, found by the key's hash.
    index: hashbrown::HashTable<u32>,
    keys: Vec<KeyEntry>,
    hasher: foldhash::fast::RandomState,
    len: usize,
}

struct KeyEntry {
    key: Box<[KeyPart]>,
    /// The key's values as the record that made the key had them (-0.0 and 0.0 are one
    /// key part, and one key).
    values: Box<[Value]>,
    groups: KeyGroups,
}

/// One key's groups in window start order (unwindowed: one, at start 0). Never empty. A key
/// whose second window opened keeps its list when it is down to one again (a windowed key
/// soon opens another).
enum KeyGroups {
    One(i64, Group),
    Many(VecDeque<(i64, Group)>),
}

impl KeyGroups {
    fn len(&self) -> usize {
        match self {
            KeyGroups::One(..) => 1,
            KeyGroups::Many(list) => list.len(),
        }
    }

    /// Where window `start` is (Ok) or would go (Err); most lookups are of the latest.
    fn find(&self, start: i64) -> Result<usize, usize> {
        match self {
            KeyGroups::One(only, _) => match start.cmp(only) {
                std::cmp::Ordering::Equal => Ok(0),
                std::cmp::Ordering::Greater => Err(1),
                std::cmp::Ordering::Less => Err(0),
            },
            KeyGroups::Many(list) => match list.back() {
                Some(&(last, _)) if last == start => Ok(list.len() - 1),
                Some(&(last, _)) if last < start => Err(list.len()),
                _ => list.binary_search_by_key(&start, |(s, _)| *s),
            },
        }
    }

    fn at(&self, at: usize) -> &Group {
        match self {
            KeyGroups::One(_, g) => g,
            KeyGroups::Many(list) => &list[at].1,
        }
    }

    fn at_mut(&mut self, at: usize) -> &mut Group {
        match self {
            KeyGroups::One(_, g) => g,
            KeyGroups::Many(list) => &mut list[at].1,
        }
    }

    /// Puts a group at `at` (from [`KeyGroups::find`]'s Err): a second group makes a list.
    fn insert(&mut self, at: usize, start: i64, group: Group) -> &mut Group {
        if let KeyGroups::One(..) = self {
            let KeyGroups::One(only_start, only) = std::mem::replace(self, KeyGroups::Many(VecDeque::new())) else {
                unreachable!("matched One above")
            };
            *self = KeyGroups::Many(VecDeque::from([(only_start, only)]));
        }
        let KeyGroups::Many(list) = self else { unreachable!("a list since the lines above") };
        list.insert(at, (start, group));
        &mut list[at].1
    }

    /// Removes the group at `at` of a key with more than one (the caller removes a key's
    /// last group with the key).
    fn remove(&mut self, at: usize) -> Option<Group> {
        match self {
            KeyGroups::One(..) => None,
            KeyGroups::Many(list) => list.remove(at).map(|(_, g)| g),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (i64, &Group)> {
        let (one, many) = match self {
            KeyGroups::One(start, g) => (Some((*start, g)), None),
            KeyGroups::Many(list) => (None, Some(list.iter().map(|(s, g)| (*s, g)))),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

impl Groups {
    pub fn len(&self) -> usize {
        self.len
    }

    fn hash(&self, key: &[KeyPart]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The place of `key` in `keys`.
    fn place(&self, key: &[KeyPart]) -> Option<usize> {
        let keys = &self.keys;
        self.index.find(self.hash(key), |&i| *keys[i as usize].key == *key).map(|&i| i as usize)
    }

    /// The group of `key` and window `start`, with the key's values.
    pub fn get(&self, key: &[KeyPart], start: i64) -> Option<(&[Value], &Group)> {
        let KeyEntry { values, groups, .. } = &self.keys[self.place(key)?];
        groups.find(start).ok().map(|at| (&**values, groups.at(at)))
    }

    pub fn get_mut(&mut self, key: &[KeyPart], start: i64) -> Option<&mut Group> {
        let place = self.place(key)?;
        let groups = &mut self.keys[place].groups;
        groups.find(start).ok().map(|at| groups.at_mut(at))
    }

    /// The group of `key` (of values `values`) and window `start`, made by `make` when there
    /// is none (true: it is new), with the key's values. The key and its values are copied
    /// only when the key is new to the aggregation.
    pub fn get_or_insert_with(
        &mut self,
        key: &[KeyPart],
        values: &[Value],
        start: i64,
        make: impl FnOnce() -> Group,
    ) -> (&[Value], &mut Group, bool) {
        let hash = self.hash(key);
        let Groups { index, keys, hasher, len } = self;
        let found = index.find(hash, |&i| *keys[i as usize].key == *key).map(|&i| i as usize);
        let Some(place) = found else {
            let place = u32::try_from(keys.len()).expect("fewer than 4 G keys");
            index.insert_unique(hash, place, |&i| hasher.hash_one(&*keys[i as usize].key));
            keys.push(KeyEntry { key: key.into(), values: values.into(), groups: KeyGroups::One(start, make()) });
            *len += 1;
            let KeyEntry { values, groups, .. } = keys.last_mut().expect("pushed");
            return (values, groups.at_mut(0), true);
        };
        let KeyEntry { values, groups, .. } = &mut keys[place];
        match groups.find(start) {
            Ok(at) => (values, groups.at_mut(at), false),
            Err(at) => {
                *len += 1;
                (values, groups.insert(at, start, make()), true)
            }
        }
    }

    /// Sets the group of `key` (of values `values`) and window `start`, replacing any there.
    pub fn insert(&mut self, key: &[KeyPart], values: &[Value], start: i64, group: Group) {
        match self.get_mut(key, start) {
            Some(held) => *held = group,
            None => _ = self.get_or_insert_with(key, values, start, || group),
        }
    }

    pub fn remove(&mut self, key: &[KeyPart], start: i64) -> Option<Group> {
        let place = self.place(key)?;
        let groups = &mut self.keys[place].groups;
        let at = groups.find(start).ok()?;
        self.len -= 1;
        if groups.len() > 1 {
            return groups.remove(at);
        }
        // The key's last group: the key goes with it.
        match self.remove_key(place).groups {
            KeyGroups::One(_, group) => Some(group),
            KeyGroups::Many(mut list) => list.pop_front().map(|(_, group)| group),
        }
    }

    /// Takes the key at `place` out: the last key moves into its place, and the index follows.
    fn remove_key(&mut self, place: usize) -> KeyEntry {
        let hash = self.hash(&self.keys[place].key);
        let slot = self.index.find_entry(hash, |&i| i as usize == place);
        slot.expect("every held key is indexed").remove();
        let last = self.keys.len() - 1;
        if place != last {
            let hash = self.hash(&self.keys[last].key);
            let moved = self.index.find_mut(hash, |&i| i as usize == last);
            *moved.expect("every held key is indexed") = place as u32;
        }
        self.keys.swap_remove(place)
    }

    /// Keeps the groups for which `keep` (given each one's key, key values and window start)
    /// is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&[KeyPart], &[Value], i64, &mut Group) -> bool) {
        // From the end: a key removed takes the last one's place, which was already seen.
        for place in (0..self.keys.len()).rev() {
            let KeyEntry { key, values, groups } = &mut self.keys[place];
            let before = groups.len();
            let emptied = match groups {
                KeyGroups::One(start, g) => !keep(key, values, *start, g),
                KeyGroups::Many(list) => {
                    list.retain_mut(|(start, g)| keep(key, values, *start, g));
                    list.is_empty()
                }
            };
            if emptied {
                self.len -= before;
                self.remove_key(place);
            } else {
                self.len -= before - self.keys[place].groups.len();
            }
        }
    }

    /// Key `key`'s values and its groups with their window starts, in start order.
    pub fn of_key(&self, key: &[KeyPart]) -> Option<(&[Value], impl Iterator<Item = (i64, &Group)>)> {
        let KeyEntry { values, groups, .. } = &self.keys[self.place(key)?];
        Some((&**values, groups.iter()))
    }

    /// Every group, with its key's values.
    pub fn values(&self) -> impl Iterator<Item = (&[Value], &Group)> {
        self.keys.iter().flat_map(|k| k.groups.iter().map(|(_, g)| (&*k.values, g)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(ts: i64) -> Group {
        Group::new(None, &[], ts)
    }

    fn key(k: i64) -> Vec<KeyPart> {
        vec![KeyPart::Int(k)]
    }

    /// The values of key `k`.
    fn values(k: i64) -> [Value; 1] {
        [Value::Bigint(k)]
    }

    /// A group is held once per window: its size is what a window costs beyond its
    /// accumulators (window bounds, accumulators and session rows boxed; the key's values
    /// are its key's). A key holds its one group inline (16 bytes each for the key and its
    /// values, 8 for the start: no tag).
    #[test]
    fn a_group_takes_64_bytes() {
        assert_eq!(std::mem::size_of::<Group>(), 64);
        assert_eq!(std::mem::size_of::<KeyEntry>(), 104);
    }

    /// Windows opened in any order are found by key and start, counted, replaced, removed
    /// and retained as one map by (key, start) would hold them.
    #[test]
    fn groups_behave_as_one_map_by_key_and_window() {
        let mut groups = Groups::default();
        let mut model = std::collections::BTreeMap::new();
        // Starts in order, out of order, repeated; keys interleaved.
        for (k, start) in [(1, 0), (1, 10), (2, 10), (1, 5), (1, 10), (2, 0), (1, 20), (3, 7), (1, -5)] {
            let (_, g, new) = groups.get_or_insert_with(&key(k), &values(k), start, || group(start * 100 + k));
            assert_eq!(new, !model.contains_key(&(k, start)), "({k}, {start})");
            g.last_ts += 1;
            *model.entry((k, start)).or_insert(start * 100 + k) += 1;
        }
        let check = |groups: &Groups, model: &std::collections::BTreeMap<(i64, i64), i64>| {
            assert_eq!(groups.len(), model.len());
            for (&(k, start), &ts) in model {
                let (held_values, g) = groups.get(&key(k), start).unwrap_or_else(|| panic!("({k}, {start})"));
                assert_eq!((held_values, g.last_ts), (&values(k)[..], ts), "({k}, {start})");
            }
            let bigint = |v: &[Value]| match v {
                [Value::Bigint(k)] => *k,
                other => panic!("{other:?}"),
            };
            let mut held: Vec<(i64, i64)> = groups.values().map(|(v, g)| (bigint(v), g.last_ts)).collect();
            let mut expected: Vec<(i64, i64)> = model.iter().map(|(&(k, _), &ts)| (k, ts)).collect();
            held.sort_unstable();
            expected.sort_unstable();
            assert_eq!(held, expected);
        };
        check(&groups, &model);
        assert!(groups.get(&key(1), 7).is_none() && groups.get(&key(9), 0).is_none());
        groups.insert(&key(2), &values(2), 10, group(-1));
        model.insert((2, 10), -1);
        groups.insert(&key(4), &values(4), 1, group(41));
        model.insert((4, 1), 41);
        check(&groups, &model);
        assert_eq!(groups.remove(&key(3), 7).map(|g| g.last_ts), Some(model.remove(&(3, 7)).unwrap()));
        assert!(groups.remove(&key(3), 7).is_none());
        groups.get_mut(&key(1), 5).unwrap().last_ts = 55;
        model.insert((1, 5), 55);
        check(&groups, &model);
        groups.retain(|k, _, start, _| k != key(1).as_slice() || start >= 10);
        model.retain(|&(k, start), _| k != 1 || start >= 10);
        check(&groups, &model);
        // A key whose windows are all gone is gone too: it opens afresh.
        groups.retain(|k, _, _, _| k != key(2).as_slice());
        model.retain(|&(k, _), _| k != 2);
        check(&groups, &model);
        assert!(groups.get_or_insert_with(&key(2), &values(2), 10, || group(0)).2);
        // A key's windows removed one by one: the key goes with its last.
        for start in [10, 20, 5] {
            assert_eq!(groups.remove(&key(1), start).map(|g| g.last_ts), model.remove(&(1, start)), "(1, {start})");
        }
        assert!(model.keys().all(|&(k, _)| k != 1));
        model.insert((2, 10), 0);
        check(&groups, &model);
        assert!(groups.get_or_insert_with(&key(1), &values(1), 10, || group(0)).2);
    }

    proptest::proptest! {
        /// Any sequence of opens, replacements, removals and retains leaves the groups a
        /// map by (key, start) holds: the index follows the keys that move when one goes.
        #[test]
        fn groups_follow_a_model_map(ops in proptest::collection::vec((0u8..4, 0i64..6, -3i64..4), 0..200)) {
            let mut groups = Groups::default();
            let mut model = std::collections::BTreeMap::new();
            for (i, (op, k, start)) in ops.into_iter().enumerate() {
                let ts = i as i64;
                match op {
                    0 => {
                        let (_, g, new) = groups.get_or_insert_with(&key(k), &values(k), start, || group(ts));
                        proptest::prop_assert_eq!(new, !model.contains_key(&(k, start)));
                        g.last_ts += 1000;
                        *model.entry((k, start)).or_insert(ts) += 1000;
                    }
                    1 => {
                        groups.insert(&key(k), &values(k), start, group(ts));
                        model.insert((k, start), ts);
                    }
                    2 => {
                        let removed = groups.remove(&key(k), start).map(|g| g.last_ts);
                        proptest::prop_assert_eq!(removed, model.remove(&(k, start)));
                    }
                    _ => {
                        // Drops the windows of key k before `start`, and every group of an odd time.
                        let keep = |kk: i64, s: i64, t: i64| (kk != k || s >= start) && t % 2 == 0;
                        groups.retain(|kp, _, s, g| keep(match kp { [KeyPart::Int(x)] => *x, _ => -1 }, s, g.last_ts));
                        model.retain(|&(kk, s), t| keep(kk, s, *t));
                    }
                }
                proptest::prop_assert_eq!(groups.len(), model.len());
                for (&(k, start), &ts) in &model {
                    proptest::prop_assert_eq!(groups.get(&key(k), start).map(|(_, g)| g.last_ts), Some(ts));
                }
                proptest::prop_assert_eq!(groups.values().count(), model.len());
                let keys: std::collections::BTreeSet<i64> = model.keys().map(|&(k, _)| k).collect();
                proptest::prop_assert_eq!(groups.keys.len(), keys.len());
            }
        }
    }
}
