//! Records flowing: an appended record runs every persistent query that reads its topic
//! (breadth-first through sink topics), and push queries and PRINT read their topics as their
//! clients take rows.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::exec::Output;
use super::push::{self, End, Next, Signal};
use super::{Engine, Materialized, PushMsg, SinkSpec, PUMP_RECORDS};
use crate::schema_registry::WireSchemas;
use crate::topics::{self, Record, Topics};
use crate::types::{drop_row, Value};

/// Appended records still to run: topic, log position, record.
pub(super) type Work = VecDeque<(Arc<str>, u64, Record)>;

/// An output's record, and the key and value columns it was encoded from (no values: a
/// tombstone).
struct Encoded {
    record: Record,
    key: Vec<Value>,
    values: Option<ValueColumns>,
}

/// An output's value columns, `row[from..]`: the projected row when they are its tail (most
/// sinks: the key columns lead), read in place; otherwise just them, cut out of it.
struct ValueColumns {
    row: Vec<Value>,
    from: usize,
}

impl ValueColumns {
    fn of(sink: &SinkSpec, row: Vec<Value>) -> ValueColumns {
        match sink.value_tail(&row) {
            Some(tail) => ValueColumns { from: row.len() - tail.len(), row },
            None => ValueColumns { row: sink.values_of(row), from: 0 },
        }
    }

    fn values(&self) -> &[Value] {
        &self.row[self.from..]
    }

    /// The value columns alone (the row's head cut).
    fn into_values(mut self) -> Vec<Value> {
        self.row.drain(..self.from);
        self.row
    }
}

/// Outputs and queued records whose room [`Engine::run`] keeps between records.
const KEPT_OUTPUTS: usize = 1024;

impl Engine {
    /// Appends a record to a topic and runs everything downstream of it.
    pub fn produce(&mut self, topic: &str, rec: Record, partition: Option<u32>) -> Record {
        let (topic, position, r) = self.topics.append_named(topic, rec, partition);
        // The queue is the engine's, kept between records: producing one allocates no queue.
        let mut work = std::mem::take(&mut self.work);
        work.push_back((topic, position, r.clone()));
        self.run(&mut work);
        self.work = work;
        r
    }

    /// Runs everything downstream of the appended records in `work` (topic, log position,
    /// record), breadth-first through sink topics.
    pub(super) fn run(&mut self, work: &mut Work) {
        let mut guard = 0usize;
        // Kept between records: a record's outputs allocate no list of their own.
        let mut outputs = std::mem::take(&mut self.outputs);
        while let Some((topic, position, rec)) = work.pop_front() {
            guard += 1;
            if guard > 10_000_000 {
                work.clear();
                break; // a query feeding itself (INSERT INTO its own source)
            }
            let topic_name: &str = &topic;
            self.deliver_to_subscribers(topic_name, position);
            for m in self.materialized.values_mut() {
                if m.input.topic == topic_name && !m.applied_before(position) {
                    m.apply(&rec);
                }
            }
            // Each query beside what writing its outputs touches: its sink and id are
            // borrowed, not shared, per record.
            let Engine { queries, topics, materialized, record_bytes, transients, prints, .. } = self;
            // A push query or PRINT of a sink is told of its records through the queue.
            let subscribed = |topic: &str| {
                transients.iter().any(|t| t.feed.topic_index(topic).is_some())
                    || prints.iter().any(|p| p.feed.topic_index(topic).is_some())
            };
            queries.each_reader(&topic, |q, sink_read| {
                q.executor.process_topic(topic_name, &rec, &mut outputs);
                if !q.executor.errors.is_empty() {
                    let errs = std::mem::take(&mut q.executor.errors);
                    for e in errs {
                        note_error(&mut q.info.errors, e);
                    }
                }
                if outputs.is_empty() {
                    return;
                }
                let mut writer = SinkWriter {
                    topics: &mut *topics,
                    materialized: &mut *materialized,
                    record_bytes: &mut *record_bytes,
                    errors: &mut q.info.errors,
                    sink_read: sink_read || subscribed(&q.sink.topic),
                };
                for o in outputs.drain(..) {
                    writer.write(&q.sink, o, &q.info.id, work, true);
                }
            });
        }
        // A burst (EMIT FINAL closing many windows, a table function's rows) does not keep
        // its room for the engine's lifetime.
        outputs.shrink_to(KEPT_OUTPUTS);
        work.shrink_to(KEPT_OUTPUTS);
        self.outputs = outputs;
        self.close_lost_subscribers();
    }

    /// Tells the push queries and PRINTs reading `topic` that `position` arrived; drops
    /// those whose server task has gone.
    fn deliver_to_subscribers(&mut self, topic: &str, position: u64) {
        if self.transients.is_empty() && self.prints.is_empty() {
            return;
        }
        let feeds = self
            .transients
            .iter_mut()
            .filter(|t| t.closing.is_none())
            .map(|t| (&t.id, &mut t.feed, &t.signal))
            .chain(self.prints.iter_mut().map(|p| (&p.id, &mut p.feed, &p.signal)));
        for (id, feed, signal) in feeds {
            let Some(i) = feed.topic_index(topic) else { continue };
            if !feed.push_live(i, position) {
                let why = format!("it fell behind on too many interleaved records ({} runs)", push::MAX_LIVE_RUNS);
                signal.end(End::Error(too_slow(id, &why)));
            }
            signal.notify.notify_one();
        }
        // Ended ones, and those nobody serves any more (only the engine holds the signal).
        let live = |s: &Arc<Signal>| s.ended().is_none() && Arc::strong_count(s) > 1;
        self.transients.retain(|t| live(&t.signal));
        self.prints.retain(|p| live(&p.signal));
    }

    /// After retention dropped records: closes the subscribers that had not read them yet.
    fn close_lost_subscribers(&mut self) {
        if self.topics.evictions() == self.evictions_seen {
            return;
        }
        self.evictions_seen = self.topics.evictions();
        let topics = &self.topics;
        self.transients.retain(|t| match t.feed.lost(topics) {
            Some(why) => {
                t.signal.end(End::Error(too_slow(&t.id, &why)));
                false
            }
            None => true,
        });
        self.prints.retain(|p| match p.feed.lost(topics) {
            Some(why) => {
                p.signal.end(End::Error(too_slow(&p.id, &why)));
                false
            }
            None => true,
        });
    }

    /// Up to about `max` messages of push query or PRINT `id`, read from its topics now.
    /// Empty when there is nothing new, or when it has ended (see its [`Signal`]). Reads at
    /// most [`PUMP_RECORDS`] records, so a selective query does not hold the engine for a
    /// whole topic; when it stops there it leaves a wake-up on the signal to come back.
    pub fn pump(&mut self, id: &str, max: usize) -> Vec<PushMsg> {
        self.pump_records(id, max, PUMP_RECORDS)
    }

    /// Everything push query or PRINT `id` can read now (the QTT runner and tests).
    pub fn drain(&mut self, id: &str) -> Vec<PushMsg> {
        self.pump_records(id, usize::MAX, u64::MAX)
    }

    fn pump_records(&mut self, id: &str, max: usize, max_records: u64) -> Vec<PushMsg> {
        let mut msgs = Vec::new();
        let mut records = 0u64;
        let mut budget_left = || {
            records += 1;
            records <= max_records
        };
        if let Some(n) = self.transients.iter().position(|t| t.id == id) {
            let t = &mut self.transients[n];
            let mut outputs = Vec::new();
            while msgs.len() < max {
                if !budget_left() {
                    t.signal.notify.notify_one();
                    break;
                }
                if t.closing == Some(0) {
                    t.signal.end(End::Closed);
                    self.transients.remove(n);
                    break;
                }
                match t.feed.next(&self.topics) {
                    Next::Record(i, rec) => {
                        if let Some(left) = t.closing.as_mut() {
                            *left -= 1;
                        }
                        t.executor.process_topic(&t.feed.topics[i], &rec, &mut outputs);
                        msgs.extend(outputs.drain(..).map(|o| match o.row {
                            Some(r) => PushMsg::Row(r),
                            None => {
                                let mut row = tombstone_row(&o.key, &t.key_positions, t.width);
                                // A windowed key's tombstone shows its window's bounds.
                                if let Some((start, end)) = o.window {
                                    for (position, bound) in
                                        [(t.window_positions.0, start), (t.window_positions.1, end)]
                                    {
                                        if let Some(p) = position.filter(|p| *p < row.len()) {
                                            row[p] = Value::Bigint(bound);
                                        }
                                    }
                                }
                                PushMsg::Tombstone(row)
                            }
                        }));
                    }
                    Next::Empty if t.closing.is_some() => {
                        t.signal.end(End::Closed);
                        self.transients.remove(n);
                        break;
                    }
                    Next::Empty => break,
                    Next::Lost(why) => {
                        t.signal.end(End::Error(too_slow(id, &why)));
                        self.transients.remove(n);
                        break;
                    }
                }
            }
        } else if let Some(n) = self.prints.iter().position(|p| p.id == id) {
            let p = &mut self.prints[n];
            while msgs.len() < max {
                if !budget_left() {
                    p.signal.notify.notify_one();
                    break;
                }
                match p.feed.next(&self.topics) {
                    Next::Record(_, rec) => {
                        msgs.push(PushMsg::Line(print_line(&rec, self.schema_registry.wire_schemas())))
                    }
                    Next::Empty => break,
                    Next::Lost(why) => {
                        p.signal.end(End::Error(too_slow(id, &why)));
                        self.prints.remove(n);
                        break;
                    }
                }
            }
        }
        msgs
    }

    /// Transient push queries running.
    pub fn push_query_count(&self) -> usize {
        self.transients.len()
    }

    /// Records push query or PRINT `id` has read from its topics (tests).
    pub fn records_read(&self, id: &str) -> Option<u64> {
        let feeds =
            self.transients.iter().map(|t| (&t.id, &t.feed)).chain(self.prints.iter().map(|p| (&p.id, &p.feed)));
        feeds.into_iter().find(|(i, _)| *i == id).map(|(_, f)| f.records_read)
    }
}

/// The error a push query gets when the sandbox closes it because its client is too slow.
pub(super) fn too_slow(id: &str, why: &str) -> String {
    format!("Query {id} was closed because its client is too slow: {why}")
}

/// A tombstone as a push query shows it: key columns filled, everything else NULL.
fn tombstone_row(key: &[Value], key_positions: &[usize], width: usize) -> Vec<Value> {
    let mut row = vec![Value::Null; width];
    for (k, &p) in key.iter().zip(key_positions) {
        if p < width {
            row[p] = k.clone();
        }
    }
    row
}

/// One PRINT line, as ksqlDB's RecordFormatter writes it; `schemas` decode records in the
/// Schema Registry wire format.
pub fn print_line(r: &Record, schemas: &WireSchemas) -> String {
    let ts = chrono::DateTime::from_timestamp_millis(r.timestamp)
        .map(|d| d.format("%Y/%m/%d %H:%M:%S%.3f Z").to_string())
        .unwrap_or_default();
    let key = match r.window() {
        Some((s, e)) => format!("[{}@{}/{}]", topics::print_bytes(r.key(), schemas), s, e),
        None => topics::print_bytes(r.key(), schemas),
    };
    let mut line = format!(
        "rowtime: {ts}, key: {key}, value: {}, partition: {}",
        topics::print_bytes(r.value(), schemas),
        r.partition
    );
    if !r.headers().is_empty() {
        // Header values are shown as text, never decoded by a schema.
        let no_schemas = WireSchemas::default();
        let hs: Vec<String> = r
            .headers()
            .iter()
            .map(|(k, v)| {
                format!("{k}={}", v.as_deref().map(|b| topics::print_bytes(Some(b), &no_schemas)).unwrap_or_default())
            })
            .collect();
        line.push_str(&format!(", headers: [{}]", hs.join(", ")));
    }
    line.push('\n');
    line
}

/// Keeps a query's error (like ksqlDB's processing log), up to a hundred.
fn note_error(errors: &mut Vec<String>, e: String) {
    if errors.len() < 100 {
        errors.push(e);
    }
}

/// What writing a query's outputs touches, borrowed from the engine beside the query.
pub(super) struct SinkWriter<'a> {
    pub(super) topics: &'a mut Topics,
    pub(super) materialized: &'a mut HashMap<String, Materialized>,
    /// Where records are assembled, reused from output to output.
    pub(super) record_bytes: &'a mut Vec<u8>,
    /// The query's errors.
    pub(super) errors: &'a mut Vec<String>,
    /// Whether a query, push query or PRINT reads the sink topic (tables reading it are
    /// found by [`SinkWriter::write`] itself).
    pub(super) sink_read: bool,
}

impl SinkWriter<'_> {
    /// Appends an output of query `qid` to its sink topic and queues the record for what
    /// reads that topic. With `to_table`, the table the query writes takes the output's
    /// values as they are (a replay leaves them to [`Engine::run`]: its table's state is then
    /// built in one pass, not interleaved with the query's own, which keeps it compact in
    /// memory).
    ///
    /// A record nothing else reads is not queued: the queue's trip (shared handles to the
    /// record and its topic's name, the look-ups of its readers) was ~100 instructions of
    /// each output (callgrind), for nothing at the end of a pipeline.
    pub(super) fn write(&mut self, sink: &SinkSpec, o: Output, qid: &str, work: &mut Work, to_table: bool) {
        let Some(Encoded { record, key, values }) = self.encode(sink, o) else { return };
        let (position, r) = self.topics.append_at(&sink.topic, record, None);
        let mut own_table = None;
        let mut other_tables = false;
        for m in self.materialized.values_mut() {
            if to_table && own_table.is_none() && m.writer.as_deref() == Some(qid) {
                own_table = Some(m);
            } else if m.input.topic == *sink.topic {
                other_tables = true;
            }
        }
        // A replay (not `to_table`) leaves the query's own table to the queue.
        let queued = self.sink_read || other_tables || !to_table;
        match own_table {
            Some(m) => m.apply_output(position, &r, key, values.map(ValueColumns::into_values), queued),
            None => {
                drop_row(key);
                if let Some(v) = values {
                    drop_row(v.row);
                }
            }
        }
        if queued {
            work.push_back((sink.topic.clone(), position, r));
        }
    }

    fn encode(&mut self, sink: &SinkSpec, o: Output) -> Option<Encoded> {
        let values = o.row.map(|row| ValueColumns::of(sink, row));
        let record = Record::assemble(
            self.record_bytes,
            o.ts,
            o.window,
            |out| topics::serialize_into(&sink.key_format, &sink.key_cols, None, &o.key, false, out),
            |out| match &values {
                Some(v) => {
                    let (format, cols, names) = (&sink.value_format, &sink.value_cols, Some(&sink.value_names));
                    topics::serialize_into(format, cols, names, v.values(), sink.wrap, out)
                }
                None => Ok(false),
            },
        );
        let mut record = match record {
            Ok(r) => r,
            Err(e) => {
                note_error(self.errors, e);
                return None;
            }
        };
        record.set_headers(o.headers);
        Some(Encoded { record, key: o.key, values })
    }
}
