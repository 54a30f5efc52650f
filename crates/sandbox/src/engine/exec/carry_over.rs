//! What a query upgraded in place (CREATE OR REPLACE ... AS SELECT) keeps of the query it
//! replaces: its stream time and its aggregation's groups, as ksqlDB's upgraded query resumes
//! from the old one's state stores. The upgrade rule (`engine::upgrade`) has made sure the
//! groups mean the same in both: same grouping, same aggregate functions and input columns.

use super::{Aggregator, Body, Executor};

impl Executor {
    pub fn adopt_state_of(&mut self, old: Executor) {
        self.stream_time = old.stream_time;
        if let (Body::Aggregate(new), Body::Aggregate(mut old)) = (&mut self.body, old.body) {
            new.adopt_groups_of(&mut old);
        }
    }
}

impl Aggregator {
    fn adopt_groups_of(&mut self, old: &mut Aggregator) {
        std::mem::swap(&mut self.groups, &mut old.groups);
        std::mem::swap(&mut self.sessions, &mut old.sessions);
        std::mem::swap(&mut self.pending_final, &mut old.pending_final);
        std::mem::swap(&mut self.table, &mut old.table);
        self.max_window_start = old.max_window_start;
        self.earliest_close = old.earliest_close;
        self.last_sweep = old.last_sweep;
        // Pull queries on the table keep reading the groups where they read them before.
        self.serves_table = old.serves_table;
    }
}
