//! A list of functions added at run time, one per kind of function (see [`super::registered`],
//! which adds them). Entries are leaked: the engine keeps `&'static` references to functions,
//! and a registration lives as long as the process.

use std::sync::RwLock;

pub struct Extras<T: 'static>(RwLock<Vec<&'static T>>);

impl<T: Sync> Extras<T> {
    pub const fn new() -> Self {
        Extras(RwLock::new(Vec::new()))
    }

    pub fn push(&self, f: T) {
        // A panic while the lock was held cannot leave the list half-written (a write is one
        // push), so a poisoned lock is still sound to use.
        self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Box::leak(Box::new(f)));
    }

    pub fn find(&self, matches: impl Fn(&T) -> bool) -> Option<&'static T> {
        self.read().iter().copied().find(|f| matches(f))
    }

    pub fn all(&self) -> Vec<&'static T> {
        self.read().clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<&'static T>> {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
