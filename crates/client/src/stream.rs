//! Incremental parsers for query responses. They do no I/O: the client feeds them the bytes of
//! each HTTP chunk, split anywhere, and they produce [`QueryEvent`]s.
//!
//! Every byte is looked at once (no re-scanning of a growing buffer) and every element is
//! parsed once with serde_json, so throughput stays linear in the body size.
//!
//! Formats (reference §4, §5):
//! - [`JsonArrayRowParser`]: the StreamedRow JSON array of `/query`, and of `/query-stream` with
//!   `Accept: application/vnd.ksql.v1+json`, in every framing from KSQL 5.x to ksqlDB 0.29.
//! - [`DelimitedRowParser`]: `/query-stream` `application/vnd.ksqlapi.delimited.v1`.
//! - [`JsonQueryStreamParser`]: `/query-stream` with `Accept: application/json`.
//! - [`PrintLineParser`]: the plain text lines of PRINT.

use serde::Deserialize;
use serde_json::Value;

use flat::flat_array_len;
use raw::{is_json_array, push_raw};
pub use raw::{parse_row_values, row_key_text, row_values_at, values_key_text, RawRow, RowBatch};

use crate::error::KsqlError;
use ksql_wire::schema::{parse_schema, parse_type, Column, ColumnKind, SqlType};
use ksqldb_units::{group_thousands, human_bytes};

/// The start of a query result: its id (when the server gives a usable one) and columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryHeader {
    /// `None` when absent or null. Servers up to 0.14 send `"none"` on `/query`; it is kept as
    /// sent (see [`QueryHeader::closeable_id`]).
    pub query_id: Option<String>,
    pub columns: Vec<Column>,
}

impl QueryHeader {
    /// The id, unless it is the placeholder `"none"` of old servers.
    pub fn closeable_id(&self) -> Option<&str> {
        self.query_id.as_deref().filter(|id| !id.is_empty() && *id != "none")
    }
}

/// One result row. Values are kept exactly as the server wrote them (DECIMAL scale, BIGINT).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub values: Vec<Value>,
    /// A table deletion (0.15+): only key columns carry values.
    pub tombstone: bool,
}

/// What a query response parser produces.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryEvent {
    Header(QueryHeader),
    Row(Row),
    /// Rows kept as their bytes, from a parser in raw mode ([`RowParser::set_raw_rows`]).
    Rows(RowBatch),
    /// `finalMessage`: `Limit Reached`, `Query Completed`.
    Final(String),
    /// A mid-stream error or an unreadable response; nothing follows it.
    Error(KsqlError),
}

/// The default bound on one row (or PRINT line): a server that never ends a row cannot make
/// the kernel buffer without limit.
pub const DEFAULT_MAX_ROW_BYTES: usize = 16 * 1024 * 1024;

/// The error for a row that outgrew the bound: says how much arrived and how to raise it.
fn row_too_large(limit: usize, arrived: usize, partial: &[u8]) -> KsqlError {
    KsqlError::protocol(
        format!(
            "a row of the query response is larger than the limit of {}: {} bytes arrived without its end; stopped \
reading (KSQLDB_MAX_ROW_BYTES raises the limit)",
            human_bytes(limit),
            group_thousands(arrived as u64)
        ),
        &partial[..partial.len().min(crate::error::SNIPPET_LIMIT)],
    )
}

/// Past this size a row's buffer grows straight to the row limit instead of doubling.
const LARGE_ROW_BYTES: usize = 1024 * 1024;

/// The most a row's buffer takes at once: a limit raised past it (`KSQLDB_MAX_ROW_BYTES`
/// can be any size) is approached by doubling again, not reserved whole up front.
const MAX_UPFRONT_ROW_BYTES: usize = 64 * 1024 * 1024;

/// Appends `bytes` to the buffer of a row in progress. A doubling buffer leaves each smaller copy
/// freed behind it, and the allocator returns freed memory to the system only after a delay (see
/// the sandbox's allocator), so an endless row would hold twice the limit. Past
/// [`LARGE_ROW_BYTES`] the buffer is sized for the whole limit once (up to
/// [`MAX_UPFRONT_ROW_BYTES`]): its pages are only touched as bytes arrive. Callers check the
/// limit before appending, so a row that outgrows it is never copied again.
fn extend_row(buf: &mut Vec<u8>, bytes: &[u8], limit: usize) {
    let needed = buf.len() + bytes.len();
    let upfront = limit.min(MAX_UPFRONT_ROW_BYTES);
    if needed > buf.capacity() && needed > LARGE_ROW_BYTES && needed <= upfront {
        buf.reserve_exact(upfront - buf.len());
    }
    buf.extend_from_slice(bytes);
}

/// The buffer of a finished row, emptied for the next one; one sized for a large row is dropped
/// so that a single large row does not keep its memory for the rest of the query.
fn reuse_row_buffer(mut buf: Vec<u8>) -> Vec<u8> {
    if buf.capacity() > LARGE_ROW_BYTES {
        return Vec::new();
    }
    buf.clear();
    buf
}

/// A byte-fed parser of one query response body.
pub trait RowParser: Send {
    /// Feeds the next chunk of the body; events are appended to `out`.
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<QueryEvent>);
    /// Signals the end of the body; reports a cut or empty stream as an error event.
    fn finish(&mut self, out: &mut Vec<QueryEvent>);
    /// Raw mode: rows come as [`QueryEvent::Rows`] batches of checked but unparsed rows.
    fn set_raw_rows(&mut self, raw: bool);
}

// ---------------------------------------------------------------------------------------------
// Splitting a stream of JSON values

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    NotStarted,
    Open,
    Closed,
}

/// What [`ElementSplitter`] finds between and around top-level elements.
enum Piece<'a> {
    /// The outer array's `[`.
    Open,
    /// The outer array's `]`.
    Close,
    /// One complete top-level object or array (an element of the outer array, or a bare value).
    Element(&'a [u8]),
    /// An element already known to be valid JSON.
    Checked(&'a [u8]),
    /// A checked StreamedRow row element in its usual shape (see [`row_at`]): the element, its
    /// columns array and whether it is a tombstone.
    Row(&'a [u8], &'a [u8], bool),
    /// Bytes that cannot start an element (HTML, plain text, a scalar): the rest of the chunk.
    Stray(&'a [u8]),
    /// The element in progress outgrew the row limit: its size so far and its first bytes.
    TooLarge(usize, &'a [u8]),
}

/// Finds complete JSON elements in a byte stream by tracking string and nesting state, so
/// element boundaries do not depend on newlines or on chunk boundaries. Validation is left
/// to serde_json, which parses each element once.
struct ElementSplitter {
    /// Bytes of the element in progress that arrived in earlier chunks.
    partial: Vec<u8>,
    depth: u32,
    in_string: bool,
    escaped: bool,
    array: ArrayState,
    stopped: bool,
    /// The largest element kept in `partial`.
    max_element: usize,
}

impl ElementSplitter {
    fn new(max_element: usize) -> Self {
        ElementSplitter {
            partial: Vec::new(),
            depth: 0,
            in_string: false,
            escaped: false,
            array: ArrayState::NotStarted,
            stopped: false,
            max_element,
        }
    }

    /// True when the stream stopped inside an element.
    fn in_element(&self) -> bool {
        self.depth > 0
    }

    /// Calls `f` for each piece; `f` returns false to stop (all later bytes are ignored).
    fn feed(&mut self, chunk: &[u8], f: &mut dyn FnMut(Piece<'_>) -> bool) {
        if self.stopped {
            return;
        }
        let mut start = 0usize;
        let mut i = 0usize;
        let n = chunk.len();
        while i < n {
            let b = chunk[i];
            if self.depth == 0 {
                match b {
                    b' ' | b'\n' | b'\r' | b'\t' | b',' => {}
                    b'[' if self.array == ArrayState::NotStarted => {
                        self.array = ArrayState::Open;
                        if !f(Piece::Open) {
                            self.stopped = true;
                            return;
                        }
                    }
                    b']' if self.array == ArrayState::Open => {
                        self.array = ArrayState::Closed;
                        if !f(Piece::Close) {
                            self.stopped = true;
                            return;
                        }
                    }
                    b'{' | b'[' => {
                        if let Some((len, array, tombstone)) = row_at(&chunk[i..]) {
                            if !f(Piece::Row(&chunk[i..i + len], array, tombstone)) {
                                self.stopped = true;
                                return;
                            }
                            i += len;
                            continue;
                        }
                        if let Some(len) = flat_array_len(&chunk[i..]).or_else(|| whole_value_at(&chunk[i..])) {
                            // The common case: the whole element is in this chunk and valid.
                            if !f(Piece::Checked(&chunk[i..i + len])) {
                                self.stopped = true;
                                return;
                            }
                            i += len;
                            continue;
                        }
                        self.depth = 1;
                        self.in_string = false;
                        self.escaped = false;
                        start = i;
                    }
                    _ => {
                        self.stopped = true;
                        f(Piece::Stray(&chunk[i..]));
                        return;
                    }
                }
                i += 1;
                continue;
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                i += 1;
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'\n' => {
                    // ksqlDB writes each element on one line, so a line break inside an
                    // unfinished element is rare: pretty-printed JSON (valid so far) or garbage.
                    // Garbage is reported now; waiting for its closing bracket could hang for
                    // ever on a push query.
                    let mut so_far = self.partial.clone();
                    so_far.extend_from_slice(&chunk[start..i]);
                    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&so_far) {
                        if !e.is_eof() {
                            // The receiver's own parse reports it, with the bytes.
                            f(Piece::Element(&so_far));
                            self.stopped = true;
                            return;
                        }
                    }
                }
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        let element = &chunk[start..=i];
                        let keep_going = if self.partial.is_empty() {
                            f(Piece::Element(element))
                        } else {
                            extend_row(&mut self.partial, element, self.max_element);
                            let buf = std::mem::take(&mut self.partial);
                            let keep_going = f(Piece::Element(&buf));
                            self.partial = reuse_row_buffer(buf);
                            keep_going
                        };
                        if !keep_going {
                            self.stopped = true;
                            return;
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if self.depth > 0 {
            let rest = &chunk[start..];
            let arrived = self.partial.len() + rest.len();
            if arrived > self.max_element {
                // Refused before it is copied: its first bytes are the row's start.
                self.stopped = true;
                let partial = std::mem::take(&mut self.partial);
                f(Piece::TooLarge(arrived, if partial.is_empty() { rest } else { &partial }));
                return;
            }
            extend_row(&mut self.partial, rest, self.max_element);
        }
    }
}

/// The length of the valid JSON value at the start of `bytes`, if it is complete there: one
/// allocation-free pass that finds the element's end and validates it.
fn whole_value_at(bytes: &[u8]) -> Option<usize> {
    let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<serde::de::IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => Some(values.byte_offset()),
        _ => None,
    }
}

/// The row element at the start of `bytes` when it has the shape ksqlDB writes (see
/// [`fast_row`]) and is complete: its length, its columns array and whether it is a
/// tombstone. Only the array needs checking: the rest is fixed text. `None` for anything else.
fn row_at(bytes: &[u8]) -> Option<(usize, &[u8], bool)> {
    let rest = bytes.strip_prefix(ROW_PREFIX)?;
    if rest.first() != Some(&b'[') {
        return None;
    }
    let (array, after) = rest.split_at(flat_array_len(rest).or_else(|| whole_value_at(rest))?);
    let (suffix, tombstone) = if after.starts_with(b"}}") {
        (2, false)
    } else if after.starts_with(TOMBSTONE_SUFFIX) {
        (TOMBSTONE_SUFFIX.len(), true)
    } else {
        return None;
    };
    Some((ROW_PREFIX.len() + array.len() + suffix, array, tombstone))
}

/// Keeps the first bytes of a body, to show them when it turns out to be unusable.
#[derive(Default)]
struct Prefix(Vec<u8>);

impl Prefix {
    fn keep(&mut self, chunk: &[u8]) {
        let room = crate::error::SNIPPET_LIMIT.saturating_sub(self.0.len());
        self.0.extend_from_slice(&chunk[..room.min(chunk.len())]);
    }
}

/// What the two JSON-array parsers ([`JsonArrayRowParser`], [`JsonQueryStreamParser`]) keep
/// besides their own element handling.
struct ArrayFrame {
    splitter: ElementSplitter,
    max_row: usize,
    header_seen: bool,
    /// A final message, an error or the closing `]` was seen: the result is complete.
    done: bool,
    prefix: Prefix,
    /// Rows as [`QueryEvent::Rows`] batches.
    raw: bool,
}

impl ArrayFrame {
    fn new(max_row: usize) -> Self {
        ArrayFrame {
            splitter: ElementSplitter::new(max_row),
            max_row,
            header_seen: false,
            done: false,
            prefix: Prefix::default(),
            raw: false,
        }
    }
}

/// A parser of one JSON array of elements: the framing (`[`, `]`, oversized rows, stray text,
/// a body cut short) is [`feed_array`] and [`finish_array`]; the parser reads the elements.
trait ArrayParser {
    /// What the first element is called in error messages.
    const HEADER: &'static str;
    /// Whether a body that never opened its array still needs a closing `]` (KSQL ≤ 5.3's bare
    /// rows do not).
    const ARRAY_REQUIRED: bool;
    fn frame(&mut self) -> &mut ArrayFrame;
    /// Handles one element (`checked`: known to be valid JSON); returns false when the stream is over.
    fn element(&mut self, bytes: &[u8], checked: bool, out: &mut Vec<QueryEvent>) -> bool;
    /// Handles a checked row element `bytes` of columns `array` (see [`Piece::Row`]).
    fn row(&mut self, bytes: &[u8], array: &[u8], tombstone: bool, out: &mut Vec<QueryEvent>) -> bool {
        let _ = (array, tombstone);
        self.element(bytes, true, out)
    }
}

fn feed_array<P: ArrayParser>(parser: &mut P, chunk: &[u8], out: &mut Vec<QueryEvent>) {
    let frame = parser.frame();
    if !frame.header_seen {
        frame.prefix.keep(chunk);
    }
    let mut splitter = std::mem::replace(&mut frame.splitter, ElementSplitter::new(0));
    splitter.feed(chunk, &mut |piece| {
        let keep_going = match piece {
            Piece::Open => true,
            Piece::Element(bytes) => parser.element(bytes, false, out),
            Piece::Checked(bytes) => parser.element(bytes, true, out),
            Piece::Row(bytes, array, tombstone) => parser.row(bytes, array, tombstone, out),
            Piece::TooLarge(size, bytes) => {
                out.push(QueryEvent::Error(row_too_large(parser.frame().max_row, size, bytes)));
                false
            }
            Piece::Close => {
                let frame = parser.frame();
                if !frame.header_seen {
                    let message = format!("the query response has no {}", P::HEADER);
                    out.push(QueryEvent::Error(KsqlError::protocol(message, &frame.prefix.0)));
                }
                false
            }
            Piece::Stray(bytes) => {
                out.push(QueryEvent::Error(KsqlError::protocol("unexpected text in the query response", bytes)));
                false
            }
        };
        if !keep_going {
            parser.frame().done = true;
        }
        keep_going
    });
    parser.frame().splitter = splitter;
}

fn finish_array<P: ArrayParser>(parser: &mut P, out: &mut Vec<QueryEvent>) {
    let frame = parser.frame();
    if frame.done {
        return;
    }
    frame.done = true;
    if frame.splitter.in_element() {
        out.push(QueryEvent::Error(KsqlError::protocol(
            "the query response ended in the middle of a row",
            &frame.splitter.partial,
        )));
    } else if !frame.header_seen {
        let message = format!("the query response ended before its {}", P::HEADER);
        out.push(QueryEvent::Error(KsqlError::protocol(message, &frame.prefix.0)));
    } else if P::ARRAY_REQUIRED || frame.splitter.array == ArrayState::Open {
        out.push(QueryEvent::Error(KsqlError::protocol(
            "the query response ended before its closing `]` (connection lost?)",
            b"",
        )));
    }
}

// ---------------------------------------------------------------------------------------------
// StreamedRow JSON array (/query)

/// One element of the StreamedRow array. Deserialized directly (no intermediate map) so row
/// values keep their exact number text.
#[derive(Deserialize)]
struct StreamedRowWire {
    header: Option<HeaderWire>,
    row: Option<RowWire>,
    tombstone: Option<bool>,
    #[serde(rename = "finalMessage")]
    final_message: Option<String>,
    #[serde(rename = "errorMessage")]
    error_message: Option<Value>,
}

#[derive(Deserialize)]
struct HeaderWire {
    #[serde(rename = "queryId")]
    query_id: Option<Value>,
    schema: Option<String>,
}

#[derive(Deserialize)]
struct RowWire {
    columns: Option<Vec<Value>>,
    /// 0.15+: `{"row":{"columns":[..],"tombstone":true}}`.
    tombstone: Option<bool>,
}

const ROW_PREFIX: &[u8] = br#"{"row":{"columns":"#;
const TOMBSTONE_SUFFIX: &[u8] = br#","tombstone":true}}"#;

/// The common row shapes, `{"row":{"columns":[…]}}` and `{"row":{"columns":[…],"tombstone":true}}`,
/// exactly as ksqlDB writes them: only the columns array is parsed. Anything else (other
/// fields, other spacing) returns `None` and takes the general path.
fn fast_row(bytes: &[u8]) -> Option<(&[u8], bool)> {
    let inner = bytes.strip_prefix(ROW_PREFIX)?.strip_suffix(b"}}")?;
    let (array, tombstone) = match inner.strip_suffix(br#","tombstone":true"#) {
        Some(array) => (array, true),
        None => (inner, false),
    };
    if array.first() != Some(&b'[') || array.last() != Some(&b']') {
        return None;
    }
    Some((array, tombstone))
}

/// A row event: a raw row in raw mode, else parsed values.
fn push_row(out: &mut Vec<QueryEvent>, raw: bool, values: Vec<Value>, tombstone: bool) {
    if raw {
        let bytes = serde_json::to_vec(&values).unwrap_or_default();
        push_raw(out, &bytes, tombstone);
    } else {
        out.push(QueryEvent::Row(Row { values, tombstone }));
    }
}

fn id_text(v: Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

/// Parser for the StreamedRow JSON array (`/query`; `/query-stream` with v1+json).
///
/// Handles: `[`, `,` and `]` framing with or without newlines; idle `\n` lines (before 0.24);
/// the header, rows, tombstones, `finalMessage`, `errorMessage` (also the pre-0.24 mid-stream
/// form with no closing `]`); token and `sourceHost` fields (ignored); and the KSQL ≤ 5.3 form
/// of bare row objects without an array or header.
pub struct JsonArrayRowParser {
    frame: ArrayFrame,
}

impl Default for JsonArrayRowParser {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonArrayRowParser {
    pub fn new() -> Self {
        Self::with_max_row(DEFAULT_MAX_ROW_BYTES)
    }

    /// A parser that fails a row larger than `max_row` bytes instead of buffering it.
    pub fn with_max_row(max_row: usize) -> Self {
        JsonArrayRowParser { frame: ArrayFrame::new(max_row) }
    }
}

impl ArrayParser for JsonArrayRowParser {
    const HEADER: &'static str = "header";
    const ARRAY_REQUIRED: bool = false;
    fn frame(&mut self) -> &mut ArrayFrame {
        &mut self.frame
    }
    fn row(&mut self, bytes: &[u8], array: &[u8], tombstone: bool, out: &mut Vec<QueryEvent>) -> bool {
        if self.frame.raw && self.frame.header_seen {
            push_raw(out, array, tombstone);
            return true;
        }
        self.element(bytes, true, out)
    }
    fn element(&mut self, bytes: &[u8], checked: bool, out: &mut Vec<QueryEvent>) -> bool {
        if self.frame.header_seen {
            if let Some((array, tombstone)) = fast_row(bytes) {
                if self.frame.raw && (checked || is_json_array(array).is_ok()) {
                    push_raw(out, array, tombstone);
                    return true;
                }
                if let Ok(values) = serde_json::from_slice::<Vec<Value>>(array) {
                    out.push(QueryEvent::Row(Row { values, tombstone }));
                    return true;
                }
            }
        }
        let wire: StreamedRowWire = match serde_json::from_slice(bytes) {
            Ok(w) => w,
            Err(e) => {
                out.push(QueryEvent::Error(KsqlError::protocol(
                    format!("malformed JSON in the query response: {e}"),
                    bytes,
                )));
                self.frame.done = true;
                return false;
            }
        };
        if let Some(err) = wire.error_message.filter(|e| !e.is_null()) {
            let error = match &err {
                Value::String(s) => KsqlError::Server {
                    http_status: 200,
                    error_code: None,
                    message: s.clone(),
                    statement_text: None,
                    entities: Vec::new(),
                    stack_trace: Vec::new(),
                },
                other => KsqlError::from_error_json(200, other),
            };
            out.push(QueryEvent::Error(error));
            self.frame.done = true;
            return false;
        }
        if let Some(header) = wire.header {
            let columns = match header.schema.as_deref().map(parse_schema).transpose() {
                Ok(columns) => columns.unwrap_or_default(),
                Err(e) => {
                    out.push(QueryEvent::Error(KsqlError::protocol(
                        format!("cannot read the header schema: {e}"),
                        bytes,
                    )));
                    self.frame.done = true;
                    return false;
                }
            };
            self.frame.header_seen = true;
            out.push(QueryEvent::Header(QueryHeader { query_id: id_text(header.query_id), columns }));
        }
        if let Some(row) = wire.row {
            let Some(values) = row.columns else {
                out.push(QueryEvent::Error(KsqlError::protocol(
                    "a row without columns (an unsupported row format)",
                    bytes,
                )));
                self.frame.done = true;
                return false;
            };
            if !self.frame.header_seen {
                // KSQL ≤ 5.3 sends bare rows with no header; give callers an empty one.
                self.frame.header_seen = true;
                out.push(QueryEvent::Header(QueryHeader::default()));
            }
            let tombstone = row.tombstone.or(wire.tombstone).unwrap_or(false);
            push_row(out, self.frame.raw, values, tombstone);
        }
        if let Some(message) = wire.final_message {
            out.push(QueryEvent::Final(message));
            self.frame.done = true;
            return false;
        }
        true
    }
}

impl RowParser for JsonArrayRowParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<QueryEvent>) {
        feed_array(self, chunk, out)
    }

    fn finish(&mut self, out: &mut Vec<QueryEvent>) {
        finish_array(self, out)
    }

    fn set_raw_rows(&mut self, raw: bool) {
        self.frame.raw = raw;
    }
}

// ---------------------------------------------------------------------------------------------
// Lines

/// Splits a byte stream into lines without re-scanning: each byte is checked once.
struct LineSplitter {
    partial: Vec<u8>,
    stopped: bool,
    max_line: usize,
    /// Set when a line outgrew `max_line`: its size so far (the splitter then stops).
    overflow: Option<usize>,
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_ROW_BYTES)
    }
}

impl LineSplitter {
    fn new(max_line: usize) -> Self {
        LineSplitter { partial: Vec::new(), stopped: false, max_line, overflow: None }
    }

    /// The size and first bytes of a line that outgrew the limit (once).
    fn take_overflow(&mut self) -> Option<(usize, Vec<u8>)> {
        let size = self.overflow.take()?;
        let partial = std::mem::take(&mut self.partial);
        Some((size, partial))
    }

    fn feed(&mut self, chunk: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) {
        if self.stopped {
            return;
        }
        let mut rest = chunk;
        while let Some(pos) = memchr::memchr(b'\n', rest) {
            let line = &rest[..pos];
            rest = &rest[pos + 1..];
            let keep_going = if self.partial.is_empty() {
                f(line)
            } else {
                extend_row(&mut self.partial, line, self.max_line);
                let buf = std::mem::take(&mut self.partial);
                let keep_going = f(&buf);
                self.partial = reuse_row_buffer(buf);
                keep_going
            };
            if !keep_going {
                self.stopped = true;
                return;
            }
        }
        let arrived = self.partial.len() + rest.len();
        if arrived > self.max_line {
            // Refused before it is copied: only the line's first bytes are kept, for the error.
            self.stopped = true;
            self.overflow = Some(arrived);
            if self.partial.is_empty() {
                self.partial.extend_from_slice(&rest[..rest.len().min(crate::error::SNIPPET_LIMIT)]);
            }
            self.partial.truncate(crate::error::SNIPPET_LIMIT);
            return;
        }
        extend_row(&mut self.partial, rest, self.max_line);
    }

    /// The unterminated last line, if any.
    fn take_rest(&mut self) -> Vec<u8> {
        if self.stopped {
            return Vec::new();
        }
        std::mem::take(&mut self.partial)
    }
}

fn trim_ascii(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = b {
        if last.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

/// Reads `/query-stream` metadata `{"queryId":..,"columnNames":[..],"columnTypes":[..]}`.
fn metadata_header(v: &Value) -> QueryHeader {
    let strings = |key: &str| -> Vec<String> {
        v.get(key)
            .and_then(|a| a.as_array())
            .map(|a| a.iter().map(|s| s.as_str().map(str::to_string).unwrap_or_else(|| s.to_string())).collect())
            .unwrap_or_default()
    };
    let names = strings("columnNames");
    let types = strings("columnTypes");
    let columns = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let sql_type = match types.get(i) {
                Some(t) => parse_type(t).unwrap_or_else(|_| SqlType::Other(t.clone())),
                None => SqlType::Other(String::new()),
            };
            // The metadata does not mark key columns.
            Column { name, sql_type, kind: ColumnKind::Value }
        })
        .collect();
    QueryHeader { query_id: id_text(v.get("queryId").cloned()), columns }
}

// ---------------------------------------------------------------------------------------------
// Delimited (/query-stream default)

/// Parser for `application/vnd.ksqlapi.delimited.v1`: a metadata line, then one JSON array per
/// row; an error object line ends the stream; token lines are ignored.
pub struct DelimitedRowParser {
    lines: LineSplitter,
    max_row: usize,
    header_seen: bool,
    done: bool,
    prefix: Prefix,
    /// Rows as [`QueryEvent::Rows`] batches.
    raw: bool,
}

impl Default for DelimitedRowParser {
    fn default() -> Self {
        Self::new()
    }
}

impl DelimitedRowParser {
    pub fn new() -> Self {
        Self::with_max_row(DEFAULT_MAX_ROW_BYTES)
    }

    /// A parser that fails a row larger than `max_row` bytes instead of buffering it.
    pub fn with_max_row(max_row: usize) -> Self {
        DelimitedRowParser {
            lines: LineSplitter::new(max_row),
            max_row,
            header_seen: false,
            done: false,
            prefix: Prefix::default(),
            raw: false,
        }
    }

    fn line(&mut self, raw: &[u8], out: &mut Vec<QueryEvent>) -> bool {
        let line = trim_ascii(raw);
        match line.first() {
            None => true,
            Some(b'[') if self.raw && self.header_seen => match is_json_array(line) {
                Ok(()) => {
                    push_raw(out, line, false);
                    true
                }
                Err(e) => self.fail(out, &format!("malformed JSON row in the query response: {e}"), line),
            },
            Some(b'[') => match serde_json::from_slice::<Vec<Value>>(line) {
                Ok(values) if self.header_seen => {
                    out.push(QueryEvent::Row(Row { values, tombstone: false }));
                    true
                }
                Ok(_) => self.fail(out, "a row arrived before the query metadata", line),
                Err(e) => self.fail(out, &format!("malformed JSON row in the query response: {e}"), line),
            },
            Some(b'{') => match serde_json::from_slice::<Value>(line) {
                Ok(v) if v.get("columnNames").is_some() => {
                    self.header_seen = true;
                    out.push(QueryEvent::Header(metadata_header(&v)));
                    true
                }
                Ok(v) if v.get("error_code").is_some() => {
                    out.push(QueryEvent::Error(KsqlError::from_error_json(200, &v)));
                    self.done = true;
                    false
                }
                // consistencyToken / continuationToken lines.
                Ok(_) => true,
                Err(e) => self.fail(out, &format!("malformed JSON in the query response: {e}"), line),
            },
            Some(_) => self.fail(out, "unexpected text in the query response", line),
        }
    }

    fn fail(&mut self, out: &mut Vec<QueryEvent>, message: &str, received: &[u8]) -> bool {
        out.push(QueryEvent::Error(KsqlError::protocol(message, received)));
        self.done = true;
        false
    }
}

impl RowParser for DelimitedRowParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<QueryEvent>) {
        if !self.header_seen {
            self.prefix.keep(chunk);
        }
        let mut lines = std::mem::take(&mut self.lines);
        lines.feed(chunk, &mut |line| self.line(line, out));
        if let Some((size, partial)) = lines.take_overflow() {
            out.push(QueryEvent::Error(row_too_large(self.max_row, size, &partial)));
            self.done = true;
        }
        self.lines = lines;
    }

    fn finish(&mut self, out: &mut Vec<QueryEvent>) {
        if self.done {
            return;
        }
        let rest = self.lines.take_rest();
        if !trim_ascii(&rest).is_empty() {
            // A last line without its newline is fine if it is complete; a cut one is not.
            let complete = match trim_ascii(&rest).first() {
                Some(b'[') => serde_json::from_slice::<Vec<Value>>(trim_ascii(&rest)).is_ok(),
                Some(b'{') => serde_json::from_slice::<Value>(trim_ascii(&rest)).is_ok(),
                _ => false,
            };
            if !complete {
                self.done = true;
                out.push(QueryEvent::Error(KsqlError::protocol(
                    "the query response ended in the middle of a row",
                    &rest,
                )));
                return;
            }
            if !self.line(&rest, out) {
                return;
            }
        }
        self.done = true;
        if !self.header_seen {
            out.push(QueryEvent::Error(KsqlError::protocol(
                "the query response ended before its metadata",
                &self.prefix.0,
            )));
        }
    }

    fn set_raw_rows(&mut self, raw: bool) {
        self.raw = raw;
    }
}

// ---------------------------------------------------------------------------------------------
// JSON (/query-stream with Accept: application/json)

/// Parser for `/query-stream` with `Accept: application/json`: one JSON array whose first
/// element is the metadata object and the rest are row arrays (no newlines). Streams element
/// by element; never buffers the whole body.
pub struct JsonQueryStreamParser {
    frame: ArrayFrame,
}

impl Default for JsonQueryStreamParser {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonQueryStreamParser {
    pub fn new() -> Self {
        Self::with_max_row(DEFAULT_MAX_ROW_BYTES)
    }

    /// A parser that fails a row larger than `max_row` bytes instead of buffering it.
    pub fn with_max_row(max_row: usize) -> Self {
        JsonQueryStreamParser { frame: ArrayFrame::new(max_row) }
    }
}

impl ArrayParser for JsonQueryStreamParser {
    const HEADER: &'static str = "metadata";
    const ARRAY_REQUIRED: bool = true;
    fn frame(&mut self) -> &mut ArrayFrame {
        &mut self.frame
    }
    fn element(&mut self, bytes: &[u8], checked: bool, out: &mut Vec<QueryEvent>) -> bool {
        let fail = |out: &mut Vec<QueryEvent>, message: String| {
            out.push(QueryEvent::Error(KsqlError::protocol(message, bytes)));
            false
        };
        if bytes.first() == Some(&b'[') && self.frame.raw && self.frame.header_seen {
            return match if checked { Ok(()) } else { is_json_array(bytes) } {
                Ok(()) => {
                    push_raw(out, bytes, false);
                    true
                }
                Err(e) => fail(out, format!("malformed JSON row in the query response: {e}")),
            };
        }
        if bytes.first() == Some(&b'[') {
            return match serde_json::from_slice::<Vec<Value>>(bytes) {
                Ok(values) if self.frame.header_seen => {
                    out.push(QueryEvent::Row(Row { values, tombstone: false }));
                    true
                }
                Ok(_) => fail(out, "a row arrived before the query metadata".into()),
                Err(e) => fail(out, format!("malformed JSON row in the query response: {e}")),
            };
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v) if v.get("columnNames").is_some() => {
                self.frame.header_seen = true;
                out.push(QueryEvent::Header(metadata_header(&v)));
                true
            }
            Ok(v) if v.get("error_code").is_some() => {
                out.push(QueryEvent::Error(KsqlError::from_error_json(200, &v)));
                false
            }
            Ok(_) => true,
            Err(e) => fail(out, format!("malformed JSON in the query response: {e}")),
        }
    }
}

impl RowParser for JsonQueryStreamParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<QueryEvent>) {
        feed_array(self, chunk, out)
    }

    fn finish(&mut self, out: &mut Vec<QueryEvent>) {
        finish_array(self, out)
    }

    fn set_raw_rows(&mut self, raw: bool) {
        self.frame.raw = raw;
    }
}

// ---------------------------------------------------------------------------------------------
// PRINT

/// Splits PRINT output into text lines: strips `\r`, skips blank lines.
#[derive(Default)]
pub struct PrintLineParser {
    lines: LineSplitter,
}

impl PrintLineParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser that fails a line larger than `max_line` bytes instead of buffering it.
    pub fn with_max_line(max_line: usize) -> Self {
        PrintLineParser { lines: LineSplitter::new(max_line) }
    }

    /// The error for a line that outgrew the limit, once it has happened.
    pub fn overflow(&mut self) -> Option<KsqlError> {
        let limit = self.lines.max_line;
        self.lines.take_overflow().map(|(size, partial)| row_too_large(limit, size, &partial))
    }

    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<String>) {
        self.lines.feed(chunk, &mut |line| {
            push_print_line(line, out);
            true
        });
    }

    pub fn finish(&mut self, out: &mut Vec<String>) {
        let rest = self.lines.take_rest();
        push_print_line(&rest, out);
    }
}

fn push_print_line(line: &[u8], out: &mut Vec<String>) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !trim_ascii(line).is_empty() {
        out.push(String::from_utf8_lossy(line).into_owned());
    }
}

mod flat;
pub mod raw;
pub mod sniff;

#[cfg(test)]
mod tests;
