//! Query lifecycle: persistent queries (started by CREATE ... AS SELECT and INSERT INTO),
//! transient push queries and PRINT subscriptions, and their ends (TERMINATE, close, release).

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value as J;

use super::delivery::{too_slow, SinkWriter};
use super::plan::{plan_query, OutCol, Plan, PlanOptions};
use super::push::{End, Feed, Signal};
use super::status::status_entity;
use super::upgrade::UpgradeShape;
use super::{
    plan_error, EResult, Engine, EngineError, Persistent, PrintSub, QueryHeader, QueryResult, Session, SinkSpec,
    Transient, CLOSE_DRAIN_RECORDS,
};
use crate::catalog::{QueryInfo, Source};
use crate::record_json::ObjectNames;
use crate::sql::ast::Query;
use crate::topics::{Format, Record};
use ksql_wire::entity::{Envelope, TerminateQueryEntity};

impl Engine {
    pub(super) fn next_id(&mut self, prefix: &str, name: &str) -> String {
        let n = self.next_query;
        self.next_query += 1;
        if name.is_empty() {
            format!("{prefix}_{n}")
        } else {
            format!("{prefix}_{}_{n}", name.to_ascii_uppercase())
        }
    }

    pub(super) fn start_persistent(
        &mut self,
        id: String,
        text: &str,
        sink_name: Option<String>,
        plan: Plan,
        sink: SinkSpec,
        session: &Session,
    ) {
        let info = QueryInfo {
            id: id.clone(),
            sql: text.to_string(),
            sink: sink_name,
            sink_topic: Some(sink.topic.to_string()),
            sources: plan.sources.clone(),
            state: "RUNNING".into(),
            errors: vec![],
        };
        let shape = UpgradeShape::of(&plan.logical);
        let mut executor = plan.executor;
        executor.keep_table_keys_only();
        let topics: Vec<String> = executor.inputs.iter().map(|i| i.topic.clone()).collect();
        self.queries.insert(id.clone(), Persistent { info, executor, sink, shape });
        let mut work = VecDeque::new();
        if session.earliest() {
            // Replay what the inputs already hold, in append order across topics.
            let mut replay: Vec<(usize, Record)> = Vec::new();
            for (idx, t) in topics.iter().enumerate() {
                if topics[..idx].contains(t) {
                    continue;
                }
                if let Some(topic) = self.topics.get(t) {
                    for r in &topic.log {
                        replay.push((idx, r.clone()));
                    }
                }
            }
            // Across topics, records go in timestamp order (as Kafka Streams chooses the
            // next record); a stable sort keeps each topic's own order for ties.
            replay.sort_by_key(|(_, r)| r.timestamp);
            // Each record's outputs go to the sink as they come: a replay of millions of
            // records does not hold all their result rows at once.
            let mut outputs = Vec::new();
            for (idx, r) in replay {
                let Engine { queries, topics: topic_store, materialized, record_bytes, .. } = self;
                let Some(q) = queries.get_mut(&id) else { break };
                q.executor.process_topic(&topics[idx], &r, &mut outputs);
                // A replay queues every output (see `SinkWriter::write`): its readers are not asked.
                let mut writer = SinkWriter {
                    topics: topic_store,
                    materialized,
                    record_bytes,
                    errors: &mut q.info.errors,
                    sink_read: true,
                };
                for o in outputs.drain(..) {
                    writer.write(&q.sink, o, &q.info.id, &mut work, false);
                }
            }
        }
        self.run(&mut work);
    }

    pub(super) fn terminate(&mut self, text: &str, id: Option<String>) -> EResult<Option<J>> {
        match id {
            None => {
                self.queries.clear();
                let ids: Vec<String> = self.transients.iter().map(|t| t.id.clone()).collect();
                for id in ids {
                    self.close_transient(&id);
                }
            }
            Some(id) => {
                let upper = id.to_ascii_uppercase();
                if self.queries.remove(&upper).is_none() && self.queries.remove(&id).is_none() {
                    if self.close_transient(&id) {
                        let body = TerminateQueryEntity { query_id: Some(id), was_terminated: Some(true) };
                        return Ok(Some(Envelope::new(text, body).to_json()));
                    }
                    return Err(EngineError::statement(format!("Unknown queryId: {id}")));
                }
                for s in self.catalog.sources.values_mut() {
                    if s.writer_query.as_deref() == Some(upper.as_str()) {
                        s.writer_query = None;
                    }
                }
            }
        }
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            "terminate/query/execute".into(),
            "Query terminated.".into(),
            None,
            self.command_seq,
        )))
    }

    pub(super) fn push_query(&mut self, q: &Query, session: &Session) -> EResult<QueryResult> {
        let plan =
            plan_query(q, &self.catalog, &PlanOptions { persistent: false, sink_name: None, sink_timestamp: None })
                .map_err(plan_error)?;
        // Scalable push queries (push v2): simple queries on a persistent query's output,
        // reading from latest, get their own id prefix as in ksqlDB.
        let scalable = session.property("ksql.query.push.v2.enabled").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            && !session.earliest()
            && !plan.has_aggregation
            && !plan.has_join
            && q.partition_by.is_empty()
            && q.window.is_none()
            && self.catalog.get(&plan.from.name).is_some_and(|s| s.writer_query.is_some());
        let id = if scalable {
            format!("SCALABLE_PUSH_QUERY_{}", uuid::Uuid::new_v4().as_u64_pair().0 >> 1)
        } else {
            format!("transient_{}_{}", plan.from.name, uuid::Uuid::new_v4().as_u64_pair().0 >> 1)
        };
        let header = QueryHeader {
            query_id: id.clone(),
            columns: plan.columns.iter().map(|c| OutCol { key: false, ..c.clone() }).collect(),
        };
        let mut topics: Vec<String> = Vec::new();
        for i in &plan.executor.inputs {
            if !topics.contains(&i.topic) {
                topics.push(i.topic.clone());
            }
        }
        // Replays go in timestamp order across topics (as Kafka Streams picks the next record).
        let feed = Feed::new(topics, session.earliest(), &self.topics);
        let signal = Arc::new(Signal::default());
        self.transients.push(Transient {
            id,
            executor: plan.executor,
            key_positions: plan.key_positions.clone(),
            window_positions: (
                plan.columns.iter().position(|c| c.name == "WINDOWSTART"),
                plan.columns.iter().position(|c| c.name == "WINDOWEND"),
            ),
            width: plan.columns.len(),
            feed,
            signal: signal.clone(),
            sql: q.text.clone(),
            closing: None,
        });
        Ok(QueryResult::Push { header, signal, limit: q.limit })
    }

    /// PRINT: subscribes to `topic` (from its start or from now).
    pub(super) fn start_print(
        &mut self,
        topic: &str,
        from_beginning: bool,
        limit: Option<u64>,
    ) -> EResult<QueryResult> {
        let t = self.topics.get(topic).ok_or_else(|| {
            let hint = self
                .topics
                .map
                .keys()
                .find(|k| k.eq_ignore_ascii_case(topic))
                .map(|k| format!("\nDid you mean:\n\tprint {k};"))
                .unwrap_or_default();
            EngineError::statement(format!(
                "Could not find topic '{topic}', or the KSQL user does not have permissions to list the \
                 topic. Topic names are case-sensitive.{hint}"
            ))
        })?;
        let feed = Feed::new(vec![t.name.to_string()], from_beginning, &self.topics);
        let (kf, vf) = self.formats_of_topic(topic);
        let formats = vec![format!("Key format: {kf}\n"), format!("Value format: {vf}\n")];
        let id = format!("print_{topic}_{}", uuid::Uuid::new_v4().as_u64_pair().0 >> 1);
        let signal = Arc::new(Signal::default());
        self.prints.push(PrintSub { id: id.clone(), feed, signal: signal.clone() });
        Ok(QueryResult::Print { id, formats, signal, limit })
    }

    fn formats_of_topic(&self, topic: &str) -> (String, String) {
        match self.catalog.sources.values().find(|s| s.topic == topic) {
            Some(s) => (
                match s.key_format {
                    Format::Kafka => "KAFKA_STRING".into(),
                    ref f => f.name().to_string(),
                },
                match s.value_format {
                    Format::Kafka => "KAFKA_STRING".into(),
                    ref f => f.name().to_string(),
                },
            ),
            None => ("KAFKA_STRING".into(), "JSON or KAFKA_STRING".into()),
        }
    }

    /// Stops a transient push query (POST /close-query, TERMINATE). Its client still gets
    /// the rows of records that arrived before; then the response ends.
    pub fn close_transient(&mut self, id: &str) -> bool {
        let Some(n) = self.transients.iter().position(|t| t.id == id) else { return false };
        let t = &mut self.transients[n];
        t.closing = Some(CLOSE_DRAIN_RECORDS);
        t.signal.notify.notify_one();
        if Arc::strong_count(&t.signal) == 1 {
            // Nobody serves it: nothing to finish.
            self.release(id);
        }
        true
    }

    /// Drops push query or PRINT `id` now (its server task is done with it).
    pub fn release(&mut self, id: &str) {
        for t in self.transients.iter().filter(|t| t.id == id) {
            t.signal.end(End::Closed);
        }
        for p in self.prints.iter().filter(|p| p.id == id) {
            p.signal.end(End::Closed);
        }
        self.transients.retain(|t| t.id != id);
        self.prints.retain(|p| p.id != id);
    }

    /// Ends push query or PRINT `id` with an error (its client stopped reading).
    pub fn close_with_error(&mut self, id: &str, why: &str) {
        let message = too_slow(id, why);
        for t in self.transients.iter().filter(|t| t.id == id) {
            t.signal.end(End::Error(message.clone()));
        }
        for p in self.prints.iter().filter(|p| p.id == id) {
            p.signal.end(End::Error(message.clone()));
        }
        self.transients.retain(|t| t.id != id);
        self.prints.retain(|p| p.id != id);
    }
}

pub(super) fn sink_spec(src: &Source, plan: &Plan) -> SinkSpec {
    let value_positions: Vec<usize> = (0..plan.columns.len()).filter(|i| !plan.key_positions.contains(i)).collect();
    let value_cols = src.value_columns();
    SinkSpec {
        topic: Arc::from(src.topic.as_str()),
        key_format: src.key_format.clone(),
        value_format: src.value_format.clone(),
        wrap: src.value_wrapped(),
        key_cols: src.key_columns(),
        value_names: ObjectNames::of_columns(&value_cols),
        value_cols,
        value_positions,
    }
}
