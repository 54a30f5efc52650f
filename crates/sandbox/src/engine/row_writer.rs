//! Rows written into a stream or table by INSERT ... VALUES and `/inserts-stream`: what a
//! source's columns mean for a row (key or value, type, timestamp column) is worked out once
//! per source, not per row, and a JSON row is read straight into its typed columns. An
//! `/inserts-stream` request writes millions of rows into one source; rebuilding its column
//! lists and a JSON tree for each row once took a third of the time per row.

use std::fmt;

use jiter::Jiter;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::error::Category;

use super::{EResult, Engine, EngineError};
use crate::catalog::ColKind;
use crate::json_fields::{field_value, flat_value, Typed};
use crate::json_flat::{FlatObject, Unsupported};
use crate::record_json::ObjectNames;
use crate::sql::ast::SourceKind;
use crate::topics::{serialize_into, Format, Record};
use crate::types::{SqlType, Value};

/// Where a column's value goes in a written record.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Key(usize),
    Value(usize),
    Header,
}

struct Column {
    name: String,
    ty: SqlType,
    slot: Slot,
}

/// A source's columns laid out for writing rows into it; valid while the source is the one
/// it was made for ([`Engine::row_writer`] checks).
pub struct RowWriter {
    target: String,
    /// The source's statement when this was made: a changed source (ALTER, CREATE OR
    /// REPLACE, DROP and CREATE) has another statement.
    statement: String,
    columns: Vec<Column>,
    key_cols: Vec<(String, SqlType)>,
    value_cols: Vec<(String, SqlType)>,
    /// The value columns' names as a JSON object writes them.
    value_names: ObjectNames,
    timestamp: Option<Slot>,
    is_table: bool,
    topic: String,
    key_format: Format,
    value_format: Format,
    wrap: bool,
}

/// A row's values in the writer's key and value order (missing columns are null).
pub struct TypedRow {
    pub keys: Vec<Value>,
    pub values: Vec<Value>,
}

impl RowWriter {
    pub fn target(&self) -> &str {
        &self.target
    }

    /// An empty row (every column null), to fill by column name.
    pub fn empty_row(&self) -> TypedRow {
        TypedRow { keys: vec![Value::Null; self.key_cols.len()], values: vec![Value::Null; self.value_cols.len()] }
    }

    /// Sets column `name` (exact name) of `row`. Err: no such column, or a header column.
    pub fn set(&self, row: &mut TypedRow, name: &str, value: Value) -> Result<(), String> {
        let c = self
            .columns
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("Column name `{name}` does not exist."))?;
        match c.slot {
            Slot::Key(i) => row.keys[i] = value,
            Slot::Value(i) => row.values[i] = value,
            Slot::Header => return Err(format!("Cannot insert into HEADER columns: {name}")),
        }
        Ok(())
    }

    /// The type of column `name`, if the source has it.
    pub fn column_type(&self, name: &str) -> Option<&SqlType> {
        self.columns.iter().find(|c| c.name == name).map(|c| &c.ty)
    }

    /// Reads one JSON object into a row: its fields by column name (any case; a name in
    /// backquotes exactly), converted to the columns' types; other fields are ignored.
    pub fn parse_json(&self, line: &str) -> Result<TypedRow, String> {
        let mut row = self.empty_row();
        self.parse_json_bytes_into(line.as_bytes(), &mut row)?;
        Ok(row)
    }

    /// [`RowWriter::parse_json`] from a line's bytes into `row`, a row of this writer's kept
    /// from line to line (an insert stream's rows then allocate no lists of values). jiter
    /// checks the UTF-8 of what it reads, so the usual line is not checked twice; a line
    /// that is not UTF-8 is read as Java's decoder reads it (a bad byte becomes U+FFFD).
    pub fn parse_json_bytes_into(&self, line: &[u8], row: &mut TypedRow) -> Result<(), String> {
        if self.read_plain_json(line, row).is_none() {
            *row = self.parse_json_with_errors(&String::from_utf8_lossy(line))?;
        }
        Ok(())
    }

    /// [`RowWriter::parse_json`] for the rows nearly every client sends, read with jiter in
    /// one pass (a third of serde_json's cost through a seed here). None: anything else (a
    /// backquoted name, a header column, a value that does not convert, text that is not
    /// one JSON object), which [`RowWriter::parse_json_with_errors`] reads and answers with
    /// ksqlDB's error.
    fn read_plain_json(&self, line: &[u8], row: &mut TypedRow) -> Option<()> {
        // A flat object of plain values in one tight loop; the rest with jiter, from the start.
        if self.read_flat_json(line, row).is_ok() {
            return Some(());
        }
        self.reset(row);
        let mut json = Jiter::new(line);
        let mut field = json.next_object().ok()?;
        while let Some(name) = field {
            match self.plain_slot(row, name).ok()? {
                None => json.next_skip().ok()?,
                Some((slot, ty)) => *slot = field_value(&mut json, ty)?,
            }
            field = json.next_key().ok()?;
        }
        json.finish().ok()
    }

    /// [`RowWriter::read_plain_json`] of a flat object of plain values (see
    /// [`crate::json_flat`]); Unsupported, and the row partly set, for anything more.
    fn read_flat_json(&self, line: &[u8], row: &mut TypedRow) -> Result<(), Unsupported> {
        self.reset(row);
        let mut object = FlatObject::open(line)?;
        while let Some((name, value)) = object.next_field()? {
            if let Some((slot, ty)) = self.plain_slot(row, name)? {
                *slot = flat_value(value, ty, false)?;
            }
        }
        Ok(())
    }

    /// Where the one-pass readers put field `name` of a row, and its column's type (None: no
    /// column has the name, the field is skipped). A name twice: the last value stands, as
    /// in serde_json's reading. Unsupported: a backquoted name or a header column, which
    /// [`RowWriter::parse_json_with_errors`] reads.
    fn plain_slot<'r>(
        &self,
        row: &'r mut TypedRow,
        name: &str,
    ) -> Result<Option<(&'r mut Value, &SqlType)>, Unsupported> {
        if name.starts_with('`') {
            return Err(Unsupported);
        }
        let Some(c) = self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)) else { return Ok(None) };
        let slot = match c.slot {
            Slot::Key(k) => &mut row.keys[k],
            Slot::Value(v) => &mut row.values[v],
            Slot::Header => return Err(Unsupported),
        };
        Ok(Some((slot, &c.ty)))
    }

    /// Every key and value column of `row` NULL (its lists kept: a row is reused line to line).
    fn reset(&self, row: &mut TypedRow) {
        for (values, n) in [(&mut row.keys, self.key_cols.len()), (&mut row.values, self.value_cols.len())] {
            values.truncate(n);
            values.iter_mut().for_each(|v| *v = Value::Null);
            values.resize(n, Value::Null);
        }
    }

    /// [`RowWriter::parse_json`] through serde_json, which names what is wrong with a row.
    fn parse_json_with_errors(&self, line: &str) -> Result<TypedRow, String> {
        if !line.trim_start().starts_with('{') {
            return Err("Invalid JSON in inserts stream".into());
        }
        let mut de = serde_json::Deserializer::from_str(line);
        let parsed = RowSeed { writer: self }.deserialize(&mut de).and_then(|r| de.end().map(|_| r));
        match parsed {
            Ok(row) => row,
            Err(e) if e.classify() == Category::Data => Err(conversion_message(&e)),
            Err(_) => Err("Invalid JSON in inserts stream".into()),
        }
    }

    fn column_for(&self, field: &str) -> Option<&Column> {
        match field.strip_prefix('`').and_then(|f| f.strip_suffix('`')) {
            Some(exact) => self.columns.iter().find(|c| c.name == exact),
            None => self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(field)),
        }
    }
}

/// Deserializes a JSON object into a [`TypedRow`] for a writer (Err inside: a field no row may
/// set; a value that does not convert to its column's type is a serde data error).
struct RowSeed<'w> {
    writer: &'w RowWriter,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Result<TypedRow, String>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Result<TypedRow, String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let w = self.writer;
        let mut row = w.empty_row();
        let mut header: Option<&str> = None;
        while let Some(column) = map.next_key_seed(FieldName { writer: w })? {
            let Some(c) = column else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            // Typed straight from the JSON text, as records are read (no Value tree).
            let slot = match c.slot {
                Slot::Key(i) => &mut row.keys[i],
                Slot::Value(i) => &mut row.values[i],
                Slot::Header => {
                    header.get_or_insert(&c.name);
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value_seed(Typed(&c.ty))?;
        }
        Ok(match header {
            Some(name) => Err(format!("Cannot insert into HEADER columns: {name}")),
            None => Ok(row),
        })
    }
}

/// A field's name as the column it names (None: no column), read without copying it.
struct FieldName<'w> {
    writer: &'w RowWriter,
}

impl<'de, 'w> DeserializeSeed<'de> for FieldName<'w> {
    type Value = Option<&'w Column>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'w> Visitor<'_> for FieldName<'w> {
    type Value = Option<&'w Column>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, field: &str) -> Result<Self::Value, E> {
        Ok(self.writer.column_for(field))
    }
}

/// A conversion error's own message: serde_json adds where in the text it happened, which
/// for a one-line row says nothing the message does not.
fn conversion_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

impl Engine {
    /// A writer for rows into `target` (after [`Engine::insertable`]'s checks). `reuse` is
    /// returned as it is while the source is unchanged.
    pub fn row_writer(&self, target: &str, reuse: Option<RowWriter>) -> EResult<RowWriter> {
        let src = self.insertable(target)?;
        if let Some(w) = reuse.filter(|w| w.target == target && w.statement == src.statement) {
            return Ok(w);
        }
        let (mut keys, mut values) = (0, 0);
        let mut columns = Vec::with_capacity(src.columns.len());
        for c in &src.columns {
            let slot = match c.kind {
                ColKind::Key => {
                    keys += 1;
                    Slot::Key(keys - 1)
                }
                ColKind::Value => {
                    values += 1;
                    Slot::Value(values - 1)
                }
                ColKind::Header(_) => Slot::Header,
            };
            columns.push(Column { name: c.name.clone(), ty: c.ty.clone(), slot });
        }
        let timestamp =
            src.timestamp_column.as_ref().and_then(|t| columns.iter().find(|c| &c.name == t)).map(|c| c.slot);
        let value_cols = src.value_columns();
        Ok(RowWriter {
            target: target.to_string(),
            statement: src.statement.clone(),
            columns,
            key_cols: src.key_columns(),
            value_names: ObjectNames::of_columns(&value_cols),
            value_cols,
            timestamp,
            is_table: src.kind == SourceKind::Table,
            topic: src.topic.clone(),
            key_format: src.key_format.clone(),
            value_format: src.value_format.clone(),
            wrap: src.value_wrapped(),
        })
    }

    /// Writes a row into the writer's source (its time: `row_ts`, its ROWTIME, else the
    /// source's timestamp column, else `arrived_ms`, when it arrived). The writer comes from
    /// [`Engine::row_writer`] under the same engine lock, so its source is current.
    pub fn write_row(&mut self, w: &RowWriter, row: &TypedRow, row_ts: Option<i64>, arrived_ms: i64) -> EResult<()> {
        let target = &w.target;
        let failed = |m: String| EngineError::statement(format!("Failed to insert values into '{target}'. {m}"));
        if w.is_table && row.keys.iter().any(Value::is_null) {
            let names: Vec<String> = w.key_cols.iter().map(|(n, _)| format!("`{n}`")).collect();
            return Err(failed(format!("Value for primary key column(s) {} is required for tables", names.join(", "))));
        }
        let column_ts = match w.timestamp {
            Some(Slot::Key(i)) => row.keys[i].as_i64(),
            Some(Slot::Value(i)) => row.values[i].as_i64(),
            _ => None,
        };
        let ts = row_ts.or(column_ts).unwrap_or(arrived_ms);
        // A null unwrapped value: JSON writes `null`; a Schema Registry serializer writes no bytes.
        let wire = matches!(w.value_format, Format::Schema(_, Some(_)));
        let null_is_written = !(w.value_cols.is_empty() || wire);
        // Key and value are serialized into the engine's reused buffer, then copied once.
        let record = Record::assemble(
            &mut self.record_bytes,
            ts,
            None,
            |out| serialize_into(&w.key_format, &w.key_cols, None, &row.keys, false, out),
            |out| {
                let written =
                    serialize_into(&w.value_format, &w.value_cols, Some(&w.value_names), &row.values, w.wrap, out)?;
                if !written && null_is_written {
                    out.extend_from_slice(b"null");
                }
                Ok(written || null_is_written)
            },
        );
        self.produce(&w.topic, record.map_err(failed)?, None);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Session;
    use super::*;

    #[test]
    fn json_rows_are_read_into_typed_columns_with_clear_errors() {
        let (mut e, mut s) = (Engine::new(), Session::default());
        let create =
            "CREATE STREAM S (ID INT KEY, NAME STRING, `Mixed` BIGINT, AMOUNT DECIMAL(6, 2), H BYTES HEADER('h')) \
                      WITH (kafka_topic='s', value_format='JSON', partitions=1);";
        e.execute(create, &mut s).unwrap();
        let w = e.row_writer("S", None).unwrap();
        let row =
            w.parse_json(r#" {"id": 7, "name": "é", "`Mixed`": 12, "amount": "3.14159", "other": [1, {"x": 2}]}"#);
        let row = row.unwrap();
        assert_eq!(row.keys, vec![Value::Int(7)]);
        assert_eq!(row.values[0], Value::String("é".into()));
        assert_eq!(row.values[1], Value::Bigint(12));
        assert_eq!(crate::types::to_sql_string(&row.values[2]), "3.14");
        // A backquoted name must match exactly; missing columns are null.
        let row = w.parse_json(r#"{"`MIXED`": 1, "ID": 1}"#).unwrap();
        assert_eq!((row.keys[0].clone(), row.values[1].clone()), (Value::Int(1), Value::Null));
        for (line, want) in [
            (r#"{"ID": "x"}"#, "Can't coerce string to type. targetType: INTEGER"),
            (r#"{"ID": 1, "H": "aGk="}"#, "Cannot insert into HEADER columns: H"),
            (r#"{"ID": 1"#, "Invalid JSON in inserts stream"),
            ("[1]", "Invalid JSON in inserts stream"),
            ("null", "Invalid JSON in inserts stream"),
            (r#"{"ID": 1} x"#, "Invalid JSON in inserts stream"),
        ] {
            let err = w.parse_json(line).err().unwrap_or_else(|| panic!("{line}: parsed"));
            assert!(err.starts_with(want) && !err.contains(" at line "), "{line}: {err}");
        }
        // Bytes that are not UTF-8 read as Java's decoder reads them, in a column or not.
        let mut row = w.empty_row();
        w.parse_json_bytes_into(b"{\"ID\": 3, \"NAME\": \"a\xffb\", \"x\xfe\": \"\xff\"}", &mut row).unwrap();
        assert_eq!((&row.keys[0], &row.values[0]), (&Value::Int(3), &Value::String("a\u{fffd}b".into())));
        // The writer is kept while its source is unchanged, and made again after a change.
        let w = e.row_writer("S", Some(w)).unwrap();
        e.execute(
            "CREATE OR REPLACE STREAM S (ID INT KEY, NAME STRING, `Mixed` BIGINT, AMOUNT DECIMAL(6, 2), \
                   H BYTES HEADER('h'), EXTRA INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
            &mut s,
        )
        .unwrap();
        let w = e.row_writer("S", Some(w)).unwrap();
        assert_eq!(w.parse_json(r#"{"ID": 2, "EXTRA": 5}"#).unwrap().values[3], Value::Int(5));
    }

    /// The fields, values and texts of the rows the property below writes: names in any
    /// case, backquoted, twice, of a header or of no column; values that convert, that do
    /// not, nested, escaped, huge; text around and inside the object that is not JSON.
    const NAMES: [&str; 10] = ["ID", "id", "Name", "V", "`Mixed`", "`MIXED`", "mixed", "AMOUNT", "H", "other"];
    const VALUES: [&str; 18] = [
        "7",
        "-0",
        "1e400",
        "3.14159",
        "99999999999999999999",
        "\"12\"",
        "\"x\"",
        "null",
        "true",
        "[1, {\"a\": 2}]",
        "{\"a\": [1]}",
        "\"\\u00e9\\n\"",
        "\"\\ud800\"",
        "\"日本\"",
        "NaN",
        "01",
        "1.",
        "\"true\"",
    ];
    const AROUND: [&str; 5] = ["", " ", " x", ",", "}"];

    proptest::proptest! {
        /// Whatever a row line holds, the one-pass reader and serde_json's agree: the same
        /// row, or the one-pass reader leaves it to serde_json (which gives the error).
        #[test]
        fn rows_read_in_one_pass_are_the_rows_serde_json_reads(
            fields in proptest::collection::vec((0..NAMES.len(), 0..VALUES.len()), 0..6),
            before in 0..AROUND.len(),
            after in 0..AROUND.len(),
        ) {
            let (mut e, mut s) = (Engine::new(), Session::default());
            let create = "CREATE STREAM S (ID INT KEY, NAME STRING, `Mixed` BIGINT, MIXED DOUBLE, \
                          AMOUNT DECIMAL(6, 2), H BYTES HEADER('h')) \
                          WITH (kafka_topic='s', value_format='JSON', partitions=1);";
            e.execute(create, &mut s).unwrap();
            let w = e.row_writer("S", None).unwrap();
            let body: Vec<String> = fields.iter().map(|&(n, v)| format!("\"{}\": {}", NAMES[n], VALUES[v])).collect();
            let line = format!("{}{{{}}}{}", AROUND[before], body.join(", "), AROUND[after]);
            let shown = |r: Result<TypedRow, String>| r.map(|r| format!("{:?} {:?}", r.keys, r.values));
            let general = shown(w.parse_json_with_errors(&line));
            let mut row = w.empty_row();
            if w.read_plain_json(line.as_bytes(), &mut row).is_some() {
                proptest::prop_assert_eq!(shown(Ok(row)), general.clone(), "{}", line);
            }
            proptest::prop_assert_eq!(shown(w.parse_json(&line)), general.clone(), "{}", line);
            // A row kept from an earlier line holds nothing of it after the next.
            let mut kept = w.parse_json(r#"{"ID": 1, "NAME": "earlier", "MIXED": 2.5, "AMOUNT": 3}"#).unwrap();
            let reused = w.parse_json_bytes_into(line.as_bytes(), &mut kept).map(|()| kept);
            proptest::prop_assert_eq!(shown(reused), general, "{}", line);
        }
    }
}
