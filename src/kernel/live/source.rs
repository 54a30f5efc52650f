//! What a live view reads: the rows of a push query, or the records of a PRINT as rows of
//! ROWTIME, KEY, VALUE (pretty-printed when it is JSON), PARTITION and HEADERS, so that PRINT
//! gets the same live table, stop button, endings and final snapshot as a push query.
//! (ksqlDB's PRINT lines carry no offset, so there is no OFFSET column.)

use futures_util::FutureExt;
use ksql_wire::schema::{Column, ColumnKind, SqlType};
use ksqldb_client::{KsqlError, PrintStream, QueryEvent, QueryStream, Row};
use ksqldb_render::results::parse_print_line;
use serde_json::Value;
use std::collections::VecDeque;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

/// Messages parsed but not yet applied to the view, each of at most [`EVENTS_PER_MESSAGE`]
/// events (an event holds at most one chunk's rows).
const MESSAGES_AHEAD: usize = 4;
/// Events already parsed go over together: one hand-over between the tasks for all of them.
const EVENTS_PER_MESSAGE: usize = 8;

type Event = Option<Result<QueryEvent, KsqlError>>;

/// A push query's events, parsed by a task of their own while the view applies the previous
/// ones (two cores at work instead of one taking turns).
pub struct ParsedAhead {
    messages: mpsc::Receiver<Vec<Event>>,
    ready: VecDeque<Event>,
    /// Stops the task when this is dropped (or closed): an idle stream would keep it waiting.
    stop: DropGuard,
    /// Gives the stream back, to close it.
    task: JoinHandle<QueryStream>,
}

impl ParsedAhead {
    pub fn new(mut stream: QueryStream) -> ParsedAhead {
        let (tx, messages) = mpsc::channel(MESSAGES_AHEAD);
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            loop {
                // `QueryStream::next` loses nothing when dropped: it waits on the body only.
                let event = tokio::select! {
                    biased;
                    _ = stopped.cancelled() => break,
                    event = stream.next() => event,
                };
                let mut events = vec![event];
                while events.len() < EVENTS_PER_MESSAGE && matches!(events.last(), Some(Some(Ok(_)))) {
                    match stream.next().now_or_never() {
                        Some(event) => events.push(event),
                        None => break,
                    }
                }
                let last = !matches!(events.last(), Some(Some(Ok(_))));
                let sent = tokio::select! {
                    biased;
                    _ = stopped.cancelled() => false,
                    sent = tx.send(events) => sent.is_ok(),
                };
                if last || !sent {
                    break;
                }
            }
            stream
        });
        ParsedAhead { messages, ready: VecDeque::new(), stop: stop.drop_guard(), task }
    }

    async fn next(&mut self) -> Event {
        if self.ready.is_empty() {
            self.ready.extend(self.messages.recv().await?);
        }
        self.ready.pop_front().flatten()
    }

    async fn close(self) {
        drop(self.stop);
        if let Ok(stream) = self.task.await {
            let _ = stream.close().await;
        }
    }
}

pub enum LiveSource {
    Query(ParsedAhead),
    Print {
        stream: Box<PrintStream>,
        /// Format lines ([`is_format_line`]) not yet shown.
        new_notes: Vec<String>,
    },
}

impl LiveSource {
    /// The next row or final message; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<QueryEvent, KsqlError>> {
        match self {
            LiveSource::Query(events) => events.next().await,
            LiveSource::Print { stream, new_notes } => loop {
                match stream.next_line().await? {
                    Ok(line) if is_format_line(&line) => {
                        new_notes.push(line);
                    }
                    Ok(line) => return Some(Ok(QueryEvent::Row(print_row(&line)))),
                    Err(e) => return Some(Err(e)),
                }
            },
        }
    }

    /// Notes that arrived with the data (PRINT's key and value formats), once.
    pub fn take_notes(&mut self) -> Vec<String> {
        match self {
            LiveSource::Query(_) => Vec::new(),
            LiveSource::Print { new_notes, .. } => std::mem::take(new_notes),
        }
    }

    /// Stops reading: closes the query on the server, or the PRINT's connection.
    pub async fn close(self) {
        match self {
            LiveSource::Query(events) => events.close().await,
            LiveSource::Print { stream, .. } => stream.close().await,
        }
    }
}

/// Whether a PRINT line says a format instead of carrying a record: `Key format: …` and
/// `Value format: …` (ksqlDB), `Format:JSON` (KSQL 5.x wrote one such line first).
pub fn is_format_line(line: &str) -> bool {
    ["Key format:", "Value format:", "Format:"].iter().any(|prefix| line.starts_with(prefix))
}

/// The columns of a PRINT as a live table.
pub fn print_columns() -> Vec<Column> {
    let column = |name: &str, sql_type: SqlType| Column { name: name.into(), sql_type, kind: ColumnKind::Value };
    vec![
        column("ROWTIME", SqlType::String),
        column("KEY", SqlType::String),
        column("VALUE", SqlType::String),
        column("PARTITION", SqlType::Integer),
        column("HEADERS", SqlType::String),
    ]
}

/// One PRINT record as a row; a line of another shape goes whole into VALUE.
fn print_row(line: &str) -> Row {
    let values = match parse_print_line(line) {
        Some(record) => {
            let value = match serde_json::from_str::<Value>(&record.value) {
                Ok(json @ (Value::Object(_) | Value::Array(_))) => {
                    serde_json::to_string_pretty(&json).unwrap_or(record.value)
                }
                _ => record.value,
            };
            let partition = record.partition.parse::<u64>().map_or(Value::Null, Value::from);
            // PRINT writes `<null>` for a missing key or value.
            let text = |s: String| if s == "<null>" { Value::Null } else { Value::String(s) };
            let headers = record.headers.map_or(Value::Null, Value::String);
            vec![Value::String(record.rowtime), text(record.key), text(value), partition, headers]
        }
        None => vec![Value::Null, Value::Null, Value::String(line.to_string()), Value::Null, Value::Null],
    };
    Row { values, tombstone: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_lines_become_rows() {
        let row = print_row(r#"rowtime: 2022/12/02 17:22:02.556 Z, key: 18, value: {"a":1,"b":"größe"}, partition: 3"#);
        assert_eq!(row.values[0], "2022/12/02 17:22:02.556 Z");
        assert_eq!(row.values[1], "18");
        assert_eq!(row.values[2], "{\n  \"a\": 1,\n  \"b\": \"größe\"\n}");
        assert_eq!(row.values[3], 3);
        assert_eq!(row.values[4], Value::Null);
        let row =
            print_row(r#"rowtime: x, key: k, value: {"a":1}, partition: 0, headers: [task.id=0, current.iteration=7]"#);
        assert_eq!(row.values[4], "[task.id=0, current.iteration=7]");
        assert_eq!(row.values[2], "{\n  \"a\": 1\n}");
        let row = print_row("rowtime: x, key: k, value: plain, text, partition: 0");
        assert_eq!(row.values[2], "plain, text");
        let row = print_row("rowtime: x, key: <null>, value: <null>, partition: 1");
        assert_eq!((row.values[1].clone(), row.values[2].clone()), (Value::Null, Value::Null));
        let row = print_row("something else");
        assert_eq!((row.values[0].clone(), row.values[2].clone()), (Value::Null, Value::from("something else")));
    }

    #[test]
    fn format_lines_of_every_generation_are_notes_not_records() {
        for line in ["Key format: KAFKA_STRING", "Value format: JSON or KAFKA_STRING", "Format:JSON"] {
            assert!(is_format_line(line), "{line}");
        }
        assert!(!is_format_line(r#"rowtime: x, key: k, value: {"Format:":1}, partition: 0"#));
    }
}
