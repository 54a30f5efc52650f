//! Where transient push queries and PRINT read from. Like a Kafka consumer, a subscriber
//! keeps positions in its input topics' logs, not copies of records: the engine records
//! which positions arrived ([`Feed::push_live`]) and the subscriber's server task turns
//! them into rows only when its client has room for more ([`Engine::pump`]). So a client
//! that stops reading costs a few positions, not a growing queue, and `LIMIT 1` from the
//! beginning reads one record, not the whole topic.
//!
//! A subscriber that has not read records that arrived while it ran before retention drops
//! them has fallen a whole topic behind: it is closed with an error (ksqlDB closes push
//! queries whose clients are too slow). A replay skips records dropped before it got to them.
//!
//! [`Engine::pump`]: super::Engine::pump

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::topics::{Record, Topics};

/// At most this many separate runs of live positions; more means the client is far
/// behind on several interleaved topics (a join), and it is closed as too slow.
pub const MAX_LIVE_RUNS: usize = 65_536;

/// Shared between the engine and the subscriber's server task: wake-ups when records
/// arrive, and why the subscription ended.
#[derive(Debug, Default)]
pub struct Signal {
    pub notify: Notify,
    ended: Mutex<Option<End>>,
}

/// Why a subscription ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Closed by /close-query, TERMINATE or the client going away.
    Closed,
    /// Closed by the sandbox, with the message to send to the client.
    Error(String),
}

impl Signal {
    pub fn end(&self, why: End) {
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        if ended.is_none() {
            *ended = Some(why);
        }
        drop(ended);
        self.notify.notify_one();
    }

    pub fn ended(&self) -> Option<End> {
        self.ended.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A run of consecutive log positions `start..end` of one of the feed's topics.
#[derive(Debug, Clone, Copy)]
struct Run {
    topic: usize,
    start: u64,
    end: u64,
}

/// The replay of what the topics held when the subscription started (`earliest`).
#[derive(Debug)]
enum Replay {
    Done,
    /// Each topic's retained records are in timestamp order: merge them lazily by
    /// timestamp (ties to the earlier topic), as a stable sort of all of them would.
    Merge {
        next: Vec<u64>,
        end: Vec<u64>,
    },
    /// Some topic is out of timestamp order: positions sorted up front.
    Sorted(VecDeque<(usize, u64)>),
}

/// What comes next for a subscriber.
pub enum Next {
    Record(usize, Record),
    /// Nothing to read yet.
    Empty,
    /// Unread records were dropped by retention: the subscriber fell too far behind.
    Lost(String),
}

/// Unread positions of one subscriber.
#[derive(Debug)]
pub struct Feed {
    /// Distinct input topics; runs and cursors refer to them by index.
    pub topics: Vec<String>,
    replay: Replay,
    live: VecDeque<Run>,
    /// Records handed out so far (tests check that LIMIT stops reading early).
    pub records_read: u64,
}

impl Feed {
    /// A feed of `topics` from now on, or from their retained beginning.
    pub fn new(topics: Vec<String>, from_beginning: bool, all: &Topics) -> Feed {
        let replay = if !from_beginning {
            Replay::Done
        } else if topics.iter().all(|t| all.get(t).is_none_or(|t| t.timestamps_ordered)) {
            let bounds = |f: fn(&crate::topics::Topic) -> u64| {
                topics.iter().map(|t| all.get(t).map_or(0, f)).collect::<Vec<u64>>()
            };
            Replay::Merge { next: bounds(|t| t.log_start), end: bounds(|t| t.log_end()) }
        } else {
            let mut positions: Vec<(usize, u64, i64)> = Vec::new();
            for (i, name) in topics.iter().enumerate() {
                if let Some(t) = all.get(name) {
                    positions.extend(t.log.iter().enumerate().map(|(n, r)| (i, t.log_start + n as u64, r.timestamp)));
                }
            }
            positions.sort_by_key(|&(_, _, ts)| ts);
            Replay::Sorted(positions.into_iter().map(|(i, p, _)| (i, p)).collect())
        };
        Feed { topics, replay, live: VecDeque::new(), records_read: 0 }
    }

    /// Index of `topic` among the feed's topics.
    pub fn topic_index(&self, topic: &str) -> Option<usize> {
        self.topics.iter().position(|t| t == topic)
    }

    /// Records that `position` of topic `topic` arrived. False when the feed already holds
    /// too many runs (the caller closes the subscription).
    pub fn push_live(&mut self, topic: usize, position: u64) -> bool {
        if let Some(last) = self.live.back_mut() {
            if last.topic == topic && last.end == position {
                last.end += 1;
                return true;
            }
        }
        if self.live.len() >= MAX_LIVE_RUNS {
            return false;
        }
        self.live.push_back(Run { topic, start: position, end: position + 1 });
        true
    }

    /// Why the feed can no longer be served: retention dropped records that arrived while
    /// it was running and that it has not read. (Replayed records dropped before they
    /// were read are skipped instead, as a Kafka consumer resets to the log start: a replay
    /// from the beginning of a full topic always races its oldest records.)
    pub fn lost(&self, all: &Topics) -> Option<String> {
        for (i, name) in self.topics.iter().enumerate() {
            let Some(t) = all.get(name) else { continue };
            if let Some(p) = self.live.iter().find(|r| r.topic == i).map(|r| r.start) {
                if p < t.log_start {
                    return Some(format!(
                        "the client fell {} records behind topic '{name}', whose oldest records were dropped by \
                         retention ({})",
                        t.log_end() - p,
                        t.retention_summary()
                    ));
                }
            }
        }
        None
    }

    /// The next record to process, in order.
    pub fn next(&mut self, all: &Topics) -> Next {
        loop {
            let (topic, position, replayed) = match &mut self.replay {
                Replay::Merge { next, end } => {
                    let mut best: Option<(usize, i64)> = None;
                    for i in 0..next.len() {
                        let Some(t) = all.get(&self.topics[i]) else {
                            next[i] = end[i]; // the topic was deleted
                            continue;
                        };
                        // Records dropped before the replay reached them are skipped, as a
                        // Kafka consumer resets to the log start.
                        next[i] = next[i].max(t.log_start);
                        if next[i] >= end[i] {
                            continue;
                        }
                        if let Some(r) = t.at(next[i]) {
                            if best.is_none_or(|(_, ts)| r.timestamp < ts) {
                                best = Some((i, r.timestamp));
                            }
                        }
                    }
                    let Some((i, _)) = best else {
                        self.replay = Replay::Done;
                        continue;
                    };
                    next[i] += 1;
                    (i, next[i] - 1, true)
                }
                Replay::Sorted(q) => match q.pop_front() {
                    Some((topic, position)) => (topic, position, true),
                    None => {
                        self.replay = Replay::Done;
                        continue;
                    }
                },
                Replay::Done => {
                    let Some(run) = self.live.front_mut() else { return Next::Empty };
                    let p = (run.topic, run.start, false);
                    run.start += 1;
                    if run.start == run.end {
                        self.live.pop_front();
                    }
                    p
                }
            };
            // A deleted topic (DROP ... DELETE TOPIC) has nothing more to give.
            let Some(t) = all.get(&self.topics[topic]) else { continue };
            match t.at(position) {
                Some(r) => {
                    self.records_read += 1;
                    return Next::Record(topic, r.clone());
                }
                // Skipped like the merge's (Sorted replays).
                None if replayed => continue,
                None => return lost_at(&self.topics[topic], position),
            }
        }
    }
}

fn lost_at(topic: &str, position: u64) -> Next {
    Next::Lost(format!(
        "the client fell behind topic '{topic}': record {position} was dropped by retention before it was read"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topics::Retention;

    fn rec(ts: i64) -> Record {
        Record::new(None, Some(b"{}".to_vec()), ts)
    }

    fn drain(f: &mut Feed, all: &Topics) -> Vec<(usize, i64)> {
        let mut out = Vec::new();
        while let Next::Record(t, r) = f.next(all) {
            out.push((t, r.timestamp));
        }
        out
    }

    #[test]
    fn replay_merges_topics_by_timestamp_then_reads_live_positions() {
        let mut all = Topics::default();
        for ts in [1, 5, 9] {
            all.append("a", rec(ts), None);
        }
        for ts in [2, 5, 7] {
            all.append("b", rec(ts), None);
        }
        let mut f = Feed::new(vec!["a".into(), "b".into()], true, &all);
        assert_eq!(drain(&mut f, &all), vec![(0, 1), (1, 2), (0, 5), (1, 5), (1, 7), (0, 9)]);
        let (p, _) = all.append_at("b", rec(3), None);
        assert!(f.push_live(1, p));
        let (p, _) = all.append_at("a", rec(4), None);
        assert!(f.push_live(0, p));
        assert_eq!(drain(&mut f, &all), vec![(1, 3), (0, 4)]);
        assert_eq!(f.records_read, 8);
    }

    #[test]
    fn out_of_order_topics_replay_sorted() {
        let mut all = Topics::default();
        for ts in [3, 1, 2] {
            all.append("a", rec(ts), None);
        }
        let mut f = Feed::new(vec!["a".into()], true, &all);
        assert_eq!(drain(&mut f, &all), vec![(0, 1), (0, 2), (0, 3)]);
    }

    #[test]
    fn a_replay_skips_records_dropped_before_it_reads_them() {
        let mut all = Topics::default();
        all.default_retention = Retention { records: 3, ..Retention::default() };
        for ts in 0..3 {
            all.append("a", rec(ts), None);
        }
        let mut f = Feed::new(vec!["a".into()], true, &all);
        // Two more arrive (and two of the replay's records go) before the client reads.
        for ts in 3..5 {
            let (p, _) = all.append_at("a", rec(ts), None);
            assert!(f.push_live(0, p));
        }
        assert!(f.lost(&all).is_none());
        assert_eq!(drain(&mut f, &all), vec![(0, 2), (0, 3), (0, 4)]);
    }

    #[test]
    fn a_feed_behind_retention_is_lost() {
        let mut all = Topics::default();
        all.default_retention = Retention { records: 3, ..Retention::default() };
        let mut f = Feed::new(vec!["a".into()], false, &all);
        for ts in 0..10 {
            let (p, _) = all.append_at("a", rec(ts), None);
            assert!(f.push_live(0, p));
        }
        // One run of ten positions, the first seven of them gone.
        assert_eq!(f.live.len(), 1);
        assert!(f.lost(&all).unwrap().contains("fell 10 records behind topic 'a'"), "{:?}", f.lost(&all));
        assert!(matches!(f.next(&all), Next::Lost(_)));
    }
}
