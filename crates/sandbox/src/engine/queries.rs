//! The persistent queries by id, and for each topic the queries that read it: every
//! appended record looks its readers up, which a scan of all queries (comparing each
//! input's topic name) made cost a few hundred instructions per record.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::Persistent;

#[derive(Default)]
pub(super) struct Queries {
    by_id: BTreeMap<String, Persistent>,
    /// Per topic, the ids of the queries reading it in id order; filled as topics are looked
    /// up, emptied when a query comes or goes. A query's inputs never change while it runs
    /// (CREATE OR REPLACE removes it and inserts its replacement).
    readers: HashMap<Box<str>, Arc<[Arc<str>]>, foldhash::fast::RandomState>,
}

impl Queries {
    /// The ids of the queries that read `topic`, in id order.
    pub(super) fn readers_of(&mut self, topic: &str) -> Arc<[Arc<str>]> {
        if let Some(ids) = self.readers.get(topic) {
            return ids.clone();
        }
        let reads = |q: &&Persistent| q.executor.inputs.iter().any(|i| i.topic == topic);
        let ids: Arc<[Arc<str>]> = self.by_id.values().filter(reads).map(|q| q.id.clone()).collect();
        self.readers.insert(topic.into(), ids.clone());
        ids
    }

    pub(super) fn insert(&mut self, id: String, query: Persistent) {
        self.readers.clear();
        self.by_id.insert(id, query);
    }

    pub(super) fn remove(&mut self, id: &str) -> Option<Persistent> {
        self.readers.clear();
        self.by_id.remove(id)
    }

    pub(super) fn clear(&mut self) {
        self.readers.clear();
        self.by_id.clear();
    }

    pub(super) fn get(&self, id: &str) -> Option<&Persistent> {
        self.by_id.get(id)
    }

    /// A query to run or update (its inputs stay as they are: see `readers`).
    pub(super) fn get_mut(&mut self, id: &str) -> Option<&mut Persistent> {
        self.by_id.get_mut(id)
    }

    #[cfg(test)]
    pub(super) fn contains_key(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub(super) fn keys(&self) -> impl Iterator<Item = &String> {
        self.by_id.keys()
    }

    pub(super) fn values(&self) -> impl Iterator<Item = &Persistent> {
        self.by_id.values()
    }
}

#[cfg(test)]
impl std::ops::Index<&str> for Queries {
    type Output = Persistent;
    fn index(&self, id: &str) -> &Persistent {
        &self.by_id[id]
    }
}
