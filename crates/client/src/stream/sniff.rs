//! Picks the row parser from what the server actually sent. The request's `Accept` says what
//! the client asked for, but a server or proxy may answer another format (`*/*` on 0.24+
//! gives the delimited format on `/query`; old servers label everything `application/json`),
//! so the response's first bytes decide; the route's usual parser is the fallback.

use super::{DelimitedRowParser, JsonArrayRowParser, JsonQueryStreamParser, QueryEvent, RowParser};
use crate::error::KsqlError;

/// How many bytes may arrive before a decision; then the route's usual parser takes over.
const SNIFF_LIMIT: usize = 64 * 1024;

/// The formats a query response can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    /// The StreamedRow JSON array (`/query`, `/query-stream` with v1+json), or bare row objects.
    StreamedRows,
    /// `application/vnd.ksqlapi.delimited.v1`: a metadata line, then one array per line.
    Delimited,
    /// `/query-stream` with `application/json`: one array of metadata then row arrays.
    JsonArray,
}

impl RowFormat {
    fn parser(self, max_row: usize) -> Box<dyn RowParser> {
        match self {
            RowFormat::StreamedRows => Box::new(JsonArrayRowParser::with_max_row(max_row)),
            RowFormat::Delimited => Box::new(DelimitedRowParser::with_max_row(max_row)),
            RowFormat::JsonArray => Box::new(JsonQueryStreamParser::with_max_row(max_row)),
        }
    }
}

/// What the first bytes say.
#[derive(Debug, PartialEq, Eq)]
enum Sniffed {
    Format(RowFormat),
    /// Not JSON at all (HTML, plain text): no parser reads it.
    NotJson,
    /// Need more bytes.
    Undecided,
}

/// Buffers the first bytes until they show the format, then hands everything to that parser.
pub struct SniffingRowParser {
    content_type: String,
    fallback: RowFormat,
    max_row: usize,
    buffered: Vec<u8>,
    chosen: Option<Box<dyn RowParser>>,
    failed: bool,
    raw: bool,
}

impl SniffingRowParser {
    pub fn new(content_type: &str, fallback: RowFormat, max_row: usize) -> Self {
        Self {
            content_type: content_type.to_string(),
            fallback,
            max_row,
            buffered: Vec::new(),
            chosen: None,
            failed: false,
            raw: false,
        }
    }

    /// Decides on the buffered bytes (`at_end`: no more will come); false when they are unusable.
    fn decide(&mut self, at_end: bool, out: &mut Vec<QueryEvent>) -> bool {
        let format = match sniff(&self.buffered) {
            Sniffed::Format(format) => format,
            Sniffed::NotJson => {
                let shown = if self.content_type.is_empty() { "no Content-Type" } else { &self.content_type };
                out.push(QueryEvent::Error(KsqlError::protocol(
                    format!("the server answered with something that is not a ksqlDB query response ({shown})"),
                    &self.buffered,
                )));
                self.failed = true;
                return false;
            }
            Sniffed::Undecided if at_end || self.buffered.len() >= SNIFF_LIMIT => self.fallback,
            Sniffed::Undecided => return false,
        };
        let mut parser = format.parser(self.max_row);
        parser.set_raw_rows(self.raw);
        parser.feed(&std::mem::take(&mut self.buffered), out);
        self.chosen = Some(parser);
        true
    }
}

impl RowParser for SniffingRowParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<QueryEvent>) {
        if self.failed {
            return;
        }
        if let Some(parser) = self.chosen.as_mut() {
            return parser.feed(chunk, out);
        }
        self.buffered.extend_from_slice(chunk);
        self.decide(false, out);
    }

    fn finish(&mut self, out: &mut Vec<QueryEvent>) {
        if self.failed {
            return;
        }
        if self.chosen.is_none() && !self.decide(true, out) {
            return;
        }
        if let Some(parser) = self.chosen.as_mut() {
            parser.finish(out);
        }
    }

    fn set_raw_rows(&mut self, raw: bool) {
        self.raw = raw;
        if let Some(parser) = self.chosen.as_mut() {
            parser.set_raw_rows(raw);
        }
    }
}

/// Reads the format from the first bytes: the opening bracket and the first object's first key.
fn sniff(bytes: &[u8]) -> Sniffed {
    let mut rest = skip_space(bytes);
    let Some(&first) = rest.first() else { return Sniffed::Undecided };
    let in_array = first == b'[';
    if in_array {
        rest = skip_space(&rest[1..]);
        match rest.first() {
            None => return Sniffed::Undecided,
            Some(b']') => return Sniffed::Format(RowFormat::StreamedRows),
            Some(b'[') => return Sniffed::Format(RowFormat::JsonArray),
            Some(b'{') => {}
            Some(_) => return Sniffed::NotJson,
        }
    } else if first != b'{' {
        return Sniffed::NotJson;
    }
    let Some(key) = first_key(&rest[1..]) else { return Sniffed::Undecided };
    let streamed_row = matches!(key, b"header" | b"row" | b"finalMessage" | b"errorMessage");
    Sniffed::Format(match (in_array, streamed_row) {
        (_, true) => RowFormat::StreamedRows,
        (true, false) => RowFormat::JsonArray,
        (false, false) => RowFormat::Delimited,
    })
}

fn skip_space(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    &b[start..]
}

/// The first key of an object whose `{` was just passed; `None` until it has fully arrived.
fn first_key(after_brace: &[u8]) -> Option<&[u8]> {
    let rest = skip_space(after_brace);
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&c| c == b'"')?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(body: &[u8], fallback: RowFormat, split: usize) -> Vec<QueryEvent> {
        let mut parser = SniffingRowParser::new("application/json", fallback, 1 << 20);
        let mut out = Vec::new();
        for piece in body.chunks(split.max(1)) {
            parser.feed(piece, &mut out);
        }
        parser.finish(&mut out);
        out
    }

    fn rows(events: &[QueryEvent]) -> Vec<Vec<serde_json::Value>> {
        events
            .iter()
            .filter_map(|e| match e {
                QueryEvent::Row(r) => Some(r.values.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_format_is_read_whatever_was_asked() {
        let bodies: [&[u8]; 4] = [
            b"[{\"header\":{\"queryId\":\"q1\",\"schema\":\"`A` INTEGER\"}},\n{\"row\":{\"columns\":[1]}},\n\
              {\"finalMessage\":\"Limit Reached\"}]\n",
            b"{\"queryId\":\"q1\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}\n[1]\n",
            b"[{\"queryId\":\"q1\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]},[1]]",
            b"{\"row\":{\"columns\":[1]}}\n",
        ];
        for body in bodies {
            for fallback in [RowFormat::StreamedRows, RowFormat::Delimited, RowFormat::JsonArray] {
                for split in [1, 2, 7, body.len()] {
                    let events = parse_all(body, fallback, split);
                    assert_eq!(rows(&events), vec![vec![serde_json::json!(1)]], "{}", String::from_utf8_lossy(body));
                    assert!(!events.iter().any(|e| matches!(e, QueryEvent::Error(_))), "{events:?}");
                }
            }
        }
    }

    #[test]
    fn what_no_parser_reads_is_a_clear_error() {
        let events = parse_all(b"<html><body>Bad gateway</body></html>", RowFormat::StreamedRows, 5);
        let [QueryEvent::Error(e)] = events.as_slice() else { panic!("{events:?}") };
        let text = format!("{e}");
        assert!(text.contains("not a ksqlDB query response (application/json)"), "{text}");
    }

    #[test]
    fn an_error_object_is_reported() {
        let body = br#"{"@type":"generic_error","error_code":40001,"message":"boom"}"#;
        let events = parse_all(body, RowFormat::StreamedRows, 3);
        assert!(
            events.iter().any(|e| matches!(e, QueryEvent::Error(e) if e.to_string().contains("boom"))),
            "{events:?}"
        );
    }
}
