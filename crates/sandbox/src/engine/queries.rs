//! The persistent queries by id, and for each topic the queries that read it: every
//! appended record looks its readers up, which a scan of all queries (comparing each
//! input's topic name) made cost a few hundred instructions per record.
//!
//! Each query sits in a slot of its own while it runs, so a record reaches its readers by
//! their slots, not by a search of the ids for each one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::Persistent;

#[derive(Default)]
pub(super) struct Queries {
    /// The queries in their slots; a removed query's slot is free for the next one.
    slots: Vec<Option<Persistent>>,
    /// Each query's slot by its id (in id order).
    by_id: BTreeMap<String, usize>,
    /// Per topic, the slots of the queries reading it in id order; filled as topics are
    /// looked up, emptied when a query comes or goes. A query's inputs never change while it
    /// runs (CREATE OR REPLACE removes it and inserts its replacement).
    readers: HashMap<Box<str>, Arc<[usize]>, foldhash::fast::RandomState>,
    /// The last topics looked up, by their shared name (the topic's own `Arc`, which this
    /// list keeps alive, so the pointer names that topic alone): most records go to a topic
    /// just looked up, found here without hashing its name.
    recent: Vec<(Arc<str>, Arc<[usize]>)>,
    /// Per slot, whether any query (that one included) reads that query's sink topic, found
    /// again as queries come and go (a running query's sink, like its inputs, never changes):
    /// the records of a sink no query reads need no trip through the engine's work queue
    /// (see `SinkWriter`).
    sink_read: Vec<bool>,
}

/// Topics [`Queries::recent`] remembers.
const RECENT_TOPICS: usize = 4;

impl Queries {
    /// Runs `each` on the queries that read `topic`, in id order. The list of their slots is
    /// borrowed beside the slots themselves, not shared: no reference count changes per record.
    /// `each` also learns whether any query (that one included) reads that query's sink topic.
    pub(super) fn each_reader(&mut self, topic: &Arc<str>, mut each: impl FnMut(&mut Persistent, bool)) {
        let at = match self.recent.iter().position(|(t, _)| Arc::ptr_eq(t, topic)) {
            Some(at) => at,
            None => {
                let slots = self.readers_by_name(topic);
                if self.recent.len() == RECENT_TOPICS {
                    self.recent.remove(0);
                }
                self.recent.push((topic.clone(), slots));
                self.recent.len() - 1
            }
        };
        let (recent, slots, sink_read) = (&self.recent, &mut self.slots, &self.sink_read);
        for &slot in recent[at].1.iter() {
            if let Some(Some(query)) = slots.get_mut(slot) {
                each(query, sink_read.get(slot).copied().unwrap_or(true));
            }
        }
    }

    fn readers_by_name(&mut self, topic: &str) -> Arc<[usize]> {
        if let Some(slots) = self.readers.get(topic) {
            return slots.clone();
        }
        let slots: Arc<[usize]> =
            self.by_id.values().copied().filter(|&s| self.slots[s].as_ref().is_some_and(|q| q.reads(topic))).collect();
        self.readers.insert(topic.into(), slots.clone());
        slots
    }

    /// Forgets every topic's readers (a query came or went).
    fn forget_readers(&mut self) {
        self.readers.clear();
        self.recent.clear();
    }

    /// Finds again which queries' sinks a query reads (a query came or went).
    fn find_sink_readers(&mut self) {
        let slots = &self.slots;
        let read = |topic: &str| slots.iter().flatten().any(|r| r.reads(topic));
        self.sink_read = slots.iter().map(|q| q.as_ref().is_some_and(|q| read(&q.sink.topic))).collect();
    }

    /// The query in `slot`.
    pub(super) fn at_mut(&mut self, slot: usize) -> Option<&mut Persistent> {
        self.slots.get_mut(slot)?.as_mut()
    }

    /// Adds a query (replacing one of the same id), in the first free slot.
    pub(super) fn insert(&mut self, id: String, query: Persistent) {
        self.forget_readers();
        let slot = match self.by_id.get(&id) {
            Some(&slot) => slot,
            None => {
                let slot = self.slots.iter().position(Option::is_none).unwrap_or(self.slots.len());
                if slot == self.slots.len() {
                    self.slots.push(None);
                }
                self.by_id.insert(id, slot);
                slot
            }
        };
        self.slots[slot] = Some(query);
        self.find_sink_readers();
    }

    pub(super) fn remove(&mut self, id: &str) -> Option<Persistent> {
        self.forget_readers();
        let slot = self.by_id.remove(id)?;
        let query = self.slots[slot].take();
        // Free slots at the end go: the list is as long as the most queries run at once.
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        self.find_sink_readers();
        query
    }

    pub(super) fn clear(&mut self) {
        self.forget_readers();
        self.by_id.clear();
        self.slots.clear();
        self.sink_read.clear();
    }

    pub(super) fn get(&self, id: &str) -> Option<&Persistent> {
        self.slots.get(*self.by_id.get(id)?)?.as_ref()
    }

    /// A query to run or update (its inputs stay as they are: see `readers`).
    pub(super) fn get_mut(&mut self, id: &str) -> Option<&mut Persistent> {
        self.at_mut(*self.by_id.get(id)?)
    }

    #[cfg(test)]
    pub(super) fn contains_key(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// The ids, in order.
    pub(super) fn keys(&self) -> impl Iterator<Item = &String> {
        self.by_id.keys()
    }

    /// The queries, in id order.
    pub(super) fn values(&self) -> impl Iterator<Item = &Persistent> {
        self.by_id.values().filter_map(|&slot| self.slots[slot].as_ref())
    }
}

#[cfg(test)]
impl std::ops::Index<&str> for Queries {
    type Output = Persistent;
    fn index(&self, id: &str) -> &Persistent {
        self.get(id).expect("a query of this id")
    }
}
