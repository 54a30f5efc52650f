//! Why a push query shows no rows: with `auto.offset.reset` at `latest` (ksqlDB's default) a
//! query reads only records that arrive after it starts, so a query on a source that already
//! holds records stays empty. New users take that for a hung query; this finds the case (the
//! source's topic has a record from the beginning) and says which SET statement reads them.

use super::query_shape::from_source;
use super::source::is_format_line;
use crate::kernel::request::request_context;
use crate::kernel::scope::StatementScope;
use ksql_wire::entity::Entity;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a quiet query runs before the check is made (a query that just started may
/// simply not have had its first row yet).
pub const QUIET_BEFORE_CHECK: Duration = Duration::from_secs(2);
/// The check's bound: DESCRIBE, then the first record of a PRINT from the beginning.
const CHECK_BOUND: Duration = Duration::from_secs(3);

/// The statement the hint offers.
pub const READ_FROM_START: &str = "SET 'auto.offset.reset' = 'earliest';";

/// The session's offset reset for queries, as the server will apply it: `None` when the
/// session reads from the beginning (no hint to give), else how it came to be latest.
pub fn latest_reason(properties: &BTreeMap<String, String>) -> Option<&'static str> {
    let set = ["auto.offset.reset", "ksql.streams.auto.offset.reset"].iter().find_map(|name| properties.get(*name));
    match set.map(|v| v.trim().to_ascii_lowercase()) {
        Some(v) if v == "earliest" => None,
        Some(_) => Some("'auto.offset.reset' is 'latest'"),
        None => Some("'auto.offset.reset' is 'latest', ksqlDB's default"),
    }
}

/// The hint for a push query that shows no rows, when the session reads only new records and
/// the query's source already holds some; `None` otherwise or when that cannot be told in time.
pub async fn quiet_query_hint(scope: StatementScope, sql: String) -> Option<String> {
    let reason = latest_reason(&scope.properties)?;
    let source = from_source(&sql)?;
    tokio::time::timeout(CHECK_BOUND, async {
        let (name, topic) = source_topic(&scope, &source).await?;
        has_a_record(&scope, &topic).await.then(|| {
            format!(
                "No rows: this query reads only records that arrive after it starts ({reason}), and {name} \
                 already holds records. To read them from the beginning, run {READ_FROM_START} and then the \
                 query again."
            )
        })
    })
    .await
    .ok()
    .flatten()
}

/// The source's name as the server spells it and the Kafka topic behind it, from DESCRIBE.
async fn source_topic(scope: &StatementScope, source: &str) -> Option<(String, String)> {
    let describe = format!("DESCRIBE {source};");
    let entities = scope.connection.client.ksql(&describe, &request_context(scope)).await.ok()?;
    match entities.first() {
        Some(Entity::SourceDescription(d)) => {
            let described = &d.source_description;
            let topic = described.topic.clone().filter(|t| !t.is_empty())?;
            Some((described.name.clone(), topic))
        }
        _ => None,
    }
}

/// Whether `topic` holds a record: the first line of a PRINT from the beginning that is not
/// one of its format lines. (No LIMIT: servers before 0.7 do not know it; the stream is closed
/// after the first record instead.)
async fn has_a_record(scope: &StatementScope, topic: &str) -> bool {
    let print = format!("PRINT '{}' FROM BEGINNING;", topic.replace('\'', "''"));
    let Ok(mut stream) = scope.connection.client.print(&print, &request_context(scope)).await else {
        return false;
    };
    let mut found = false;
    while let Some(Ok(line)) = stream.next_line().await {
        if !is_format_line(&line) {
            found = true;
            break;
        }
    }
    stream.close().await;
    found
}

/// The check for one live view: made once, in the background, when the view has been quiet
/// for [`QUIET_BEFORE_CHECK`] (or at its end if it ended sooner), never once a row came.
pub enum QuietQueryCheck {
    /// Nothing to check (PRINT, or a session that reads from the beginning).
    None,
    Waiting(Box<(StatementScope, String)>),
    Running(tokio::task::JoinHandle<Option<String>>),
    Done,
}

impl QuietQueryCheck {
    pub fn for_push_query(scope: &StatementScope, sql: &str) -> QuietQueryCheck {
        match latest_reason(&scope.properties) {
            Some(_) => QuietQueryCheck::Waiting(Box::new((scope.clone(), sql.to_string()))),
            None => QuietQueryCheck::None,
        }
    }

    /// Called on the view's ticks: starts the check when due; the hint once it is known.
    pub fn poll(&mut self, rows_received: u64, running_for: Duration) -> Option<String> {
        if rows_received > 0 {
            self.stop();
            return None;
        }
        match std::mem::replace(self, QuietQueryCheck::Done) {
            QuietQueryCheck::Waiting(args) if running_for >= QUIET_BEFORE_CHECK => {
                let (scope, sql) = *args;
                *self = QuietQueryCheck::Running(tokio::spawn(quiet_query_hint(scope, sql)));
                None
            }
            QuietQueryCheck::Running(handle) if handle.is_finished() => {
                use futures_util::FutureExt;
                handle.now_or_never().and_then(Result::ok).flatten()
            }
            other => {
                *self = other;
                None
            }
        }
    }

    /// At the view's end: the hint if it showed no row (waiting for a check under way, or
    /// making it now when the view ended before it was due).
    pub async fn finish(&mut self, rows_received: u64) -> Option<String> {
        if rows_received > 0 {
            self.stop();
            return None;
        }
        match std::mem::replace(self, QuietQueryCheck::Done) {
            QuietQueryCheck::Waiting(args) => quiet_query_hint(args.0, args.1).await,
            QuietQueryCheck::Running(handle) => handle.await.ok().flatten(),
            _ => None,
        }
    }

    fn stop(&mut self) {
        if let QuietQueryCheck::Running(handle) = std::mem::replace(self, QuietQueryCheck::Done) {
            handle.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sessions_reading_new_records_get_the_hint() {
        let props = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert!(latest_reason(&props(&[])).unwrap().contains("default"));
        assert!(latest_reason(&props(&[("auto.offset.reset", "latest")])).is_some());
        assert_eq!(latest_reason(&props(&[("auto.offset.reset", "Earliest ")])), None);
        assert_eq!(latest_reason(&props(&[("ksql.streams.auto.offset.reset", "earliest")])), None);
    }
}
