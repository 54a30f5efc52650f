//! Confluent's wire format: records written and read back for every SQL type, records from
//! apache-avro's own writer, fields the registered schema adds, and refused headers.

use apache_avro::types::Value as A;

use super::generate::schema_for;
use super::*;
use crate::topics::{deserialize, print_bytes, serialize, Format, SchemaFormat};
use crate::types::{Decimal, SqlType, Value};

pub(super) fn col(name: &str, t: SqlType) -> (String, SqlType) {
    (name.to_string(), t)
}

/// Every SQL type, nested ones included (the PROTOBUF tests add a field of their own).
pub(super) fn all_types() -> Vec<(String, SqlType)> {
    let inner = SqlType::Struct(vec![col("C", SqlType::String)]);
    vec![
        col("BOOL", SqlType::Boolean),
        col("I", SqlType::Integer),
        col("BIG", SqlType::Bigint),
        col("D", SqlType::Double),
        col("DEC", SqlType::Decimal { precision: Some(10), scale: Some(2) }),
        col("S", SqlType::String),
        col("B", SqlType::Bytes),
        col("TS", SqlType::Timestamp),
        col("DT", SqlType::Date),
        col("T", SqlType::Time),
        col("ARR", SqlType::Array(Box::new(SqlType::Integer))),
        col("M", SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Double))),
        col("ST", SqlType::Struct(vec![col("A", SqlType::Integer), col("NESTED", inner)])),
    ]
}

fn full_row() -> Vec<Value> {
    vec![
        Value::Boolean(true),
        Value::Int(-7),
        Value::Bigint(1 << 40),
        Value::Double(2.5),
        Value::Decimal(Decimal::new(-12345, 2)),
        Value::String("é \"x\"".into()),
        Value::Bytes(vec![0, 1, 255]),
        Value::Timestamp(1_700_000_000_123),
        Value::Date(19_000),
        Value::Time(3_600_123),
        Value::Array(vec![Value::Int(1), Value::Null, Value::Int(3)]),
        Value::Map(vec![(Value::String("a".into()), Value::Double(1.5)), (Value::String("b".into()), Value::Null)]),
        Value::Struct(vec![
            ("A".into(), Value::Int(4)),
            ("NESTED".into(), Value::Struct(vec![("C".into(), Value::String("deep".into()))])),
        ]),
    ]
}

/// A format bound to the schema ksqlDB would register for `cols`, as a source on topic `t`.
fn bound(r: &mut SchemaRegistry, sf: SchemaFormat, cols: &[(String, SqlType)], unwrapped: bool) -> (Format, u32) {
    let (t, text) = schema_for(sf, cols, unwrapped, "KsqlDataSourceSchema").unwrap();
    let id = r.register("t-value", t, &text, vec![], None).unwrap();
    (Format::Schema(sf, r.wire_schemas().bind(id)), id)
}

#[test]
fn every_type_round_trips_in_avro_and_json_sr_with_the_header() {
    let cols = all_types();
    for sf in [SchemaFormat::Avro, SchemaFormat::JsonSr] {
        let mut r = SchemaRegistry::default();
        let (format, id) = bound(&mut r, sf, &cols, false);
        for row in [full_row(), vec![Value::Null; cols.len()]] {
            let bytes = serialize(&format, &cols, &row, true).unwrap().unwrap();
            assert_eq!(bytes[0], wire::MAGIC_BYTE, "{sf:?}");
            assert_eq!(wire::schema_id(&bytes).unwrap(), id);
            assert_eq!(deserialize(&format, &cols, Some(&bytes), true).unwrap(), row, "{sf:?}");
        }
        if sf == SchemaFormat::JsonSr {
            let bytes = serialize(&format, &cols, &full_row(), true).unwrap().unwrap();
            let text = std::str::from_utf8(&bytes[5..]).unwrap();
            assert!(text.starts_with(r#"{"BOOL":true,"I":-7,"#), "{text}");
        }
    }
}

#[test]
fn an_unwrapped_key_is_the_bare_value_and_null_is_a_null_record() {
    let cols = vec![col("K", SqlType::Decimal { precision: Some(4), scale: Some(1) })];
    let mut r = SchemaRegistry::default();
    let (format, _) = bound(&mut r, SchemaFormat::Avro, &cols, true);
    let row = vec![Value::Decimal(Decimal::new(15, 1))];
    let bytes = serialize(&format, &cols, &row, false).unwrap().unwrap();
    // Avro bytes: length 1 (zigzag 2), then 15 as one two's complement byte.
    assert_eq!(&bytes[5..], &[2, 15]);
    assert_eq!(deserialize(&format, &cols, Some(&bytes), false).unwrap(), row);
    assert_eq!(serialize(&format, &cols, &[Value::Null], false).unwrap(), None);
}

#[test]
fn a_record_from_apache_avros_writer_reads_by_name_and_writer_schema() {
    // Not ksqlDB's schema: required fields, lower-case names, micros, an enum, a map.
    let text = r#"{"type": "record", "name": "Foreign", "namespace": "x.y", "fields": [
        {"name": "id", "type": "long"},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 3}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "suit", "type": {"type": "enum", "name": "Suit", "symbols": ["HEARTS", "SPADES"]}},
        {"name": "tags", "type": {"type": "map", "values": "int"}},
        {"name": "extra", "type": "string"}]}"#;
    let mut r = SchemaRegistry::default();
    // The subject's next version, ksqlDB's schema for the source, is another record.
    r.set_global_compatibility(Compatibility::None);
    let id = r.register("t-value", SchemaType::Avro, text, vec![], Some(41)).unwrap();
    let schema = apache_avro::Schema::parse_str(text).unwrap();
    let record = A::Record(vec![
        ("id".into(), A::Long(7)),
        ("amount".into(), A::Decimal(apache_avro::Decimal::from(vec![0x30, 0x39]))),
        ("at".into(), A::TimestampMicros(1_700_000_000_123_456)),
        ("suit".into(), A::Enum(1, "SPADES".into())),
        ("tags".into(), A::Map([("k".to_string(), A::Int(3))].into())),
        ("extra".into(), A::String("ignored".into())),
    ]);
    let body = apache_avro::writer::datum::GenericDatumWriter::builder(&schema)
        .build()
        .unwrap()
        .write_value_to_vec(record)
        .unwrap();
    let mut bytes = vec![0];
    bytes.extend_from_slice(&id.to_be_bytes());
    bytes.extend_from_slice(&body);
    // The source's columns: upper-case names, a subset, a wider type (BIGINT from long).
    let cols = vec![
        col("ID", SqlType::Bigint),
        col("AMOUNT", SqlType::Decimal { precision: Some(9), scale: Some(3) }),
        col("AT", SqlType::Timestamp),
        col("SUIT", SqlType::String),
        col("TAGS", SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Integer))),
        col("MISSING", SqlType::String),
    ];
    // Bound to another schema of the subject: reading goes by the record's own id.
    let (format, other) = bound(&mut r, SchemaFormat::Avro, &cols, false);
    assert_ne!(other, id);
    let row = deserialize(&format, &cols, Some(&bytes), true).unwrap();
    assert_eq!(
        row,
        vec![
            Value::Bigint(7),
            Value::Decimal(Decimal::new(12345, 3)),
            Value::Timestamp(1_700_000_000_123),
            Value::String("SPADES".into()),
            Value::Map(vec![(Value::String("k".into()), Value::Int(3))]),
            Value::Null,
        ]
    );
    let shown = print_bytes(Some(&bytes), r.wire_schemas());
    assert!(shown.starts_with(r#"{"id": 7, "amount": 12.345, "at": 1700000000123, "suit": "SPADES""#), "{shown}");
}

#[test]
fn fields_the_source_lacks_are_written_with_defaults_as_a_serializer_writes_them() {
    let text = r#"{"type": "record", "name": "R", "fields": [
        {"name": "ID", "type": ["null", "int"], "default": null},
        {"name": "note", "type": "string", "default": "n/a"},
        {"name": "qty", "type": "int", "default": 1},
        {"name": "opt", "type": ["null", "string"], "default": null}]}"#;
    let mut r = SchemaRegistry::default();
    let id = r.register("t-value", SchemaType::Avro, text, vec![], None).unwrap();
    let format = Format::Schema(SchemaFormat::Avro, r.wire_schemas().bind(id));
    let cols = vec![col("ID", SqlType::Integer), col("QTY", SqlType::Integer)];
    let bytes = serialize(&format, &cols, &[Value::Int(5), Value::Null], true).unwrap().unwrap();
    // Read back with apache-avro's own reader and the schema fetched by the record's id.
    let fetched = apache_avro::Schema::parse_str(&r.by_id(wire::schema_id(&bytes).unwrap()).unwrap().text).unwrap();
    let read = apache_avro::reader::datum::GenericDatumReader::builder(&fetched)
        .build()
        .unwrap()
        .read_value(&mut &bytes[5..])
        .unwrap();
    assert_eq!(
        read,
        A::Record(vec![
            ("ID".into(), A::Union(1, Box::new(A::Int(5)))),
            ("note".into(), A::String("n/a".into())),
            // A null for a field that cannot hold one takes its default.
            ("qty".into(), A::Int(1)),
            ("opt".into(), A::Union(0, Box::new(A::Null))),
        ])
    );
    // A value that fits no branch is an error, not a panic.
    let e = serialize(&format, &[col("NOTE", SqlType::Integer)], &[Value::Int(1)], true).unwrap_err();
    assert!(e.contains("field note"), "{e}");
}

#[test]
fn bad_headers_and_bodies_are_clear_errors() {
    let cols = vec![col("A", SqlType::Integer), col("B", SqlType::String)];
    let mut r = SchemaRegistry::default();
    let (format, id) = bound(&mut r, SchemaFormat::Avro, &cols, false);
    let read = |b: &[u8]| deserialize(&format, &cols, Some(b), true).unwrap_err();
    // JSON where the wire format is expected.
    assert!(read(br#"{"A":1}"#).contains("Unknown magic byte"), "{}", read(br#"{"A":1}"#));
    assert!(read(&[0, 0]).contains("Unknown magic byte"));
    assert!(read(&[0, 0, 0, 0, 99, 2]).contains("Schema 99 not found"));
    // A truncated body: the union index promises an int that is not there.
    let mut truncated = vec![0];
    truncated.extend_from_slice(&id.to_be_bytes());
    truncated.push(2);
    assert!(read(&truncated).contains(&format!("schema id {id}")), "{}", read(&truncated));
    // A huge length prefix is refused, not allocated.
    let mut huge = vec![0];
    huge.extend_from_slice(&id.to_be_bytes());
    huge.extend_from_slice(&[0, 2, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F]);
    assert!(read(&huge).starts_with("Failed to deserialize"));
}

#[test]
fn a_named_type_used_twice_is_followed_by_reference() {
    let text = r#"{"type": "record", "name": "R", "fields": [
        {"name": "A", "type": {"type": "record", "name": "P", "fields": [{"name": "X", "type": "int"}]}},
        {"name": "B", "type": ["null", "P"]}]}"#;
    let mut r = SchemaRegistry::default();
    let id = r.register("t-value", SchemaType::Avro, text, vec![], None).unwrap();
    let format = Format::Schema(SchemaFormat::Avro, r.wire_schemas().bind(id));
    let point = SqlType::Struct(vec![col("X", SqlType::Integer)]);
    let cols = vec![col("A", point.clone()), col("B", point)];
    let row = vec![Value::Struct(vec![("X".into(), Value::Int(1))]), Value::Struct(vec![("X".into(), Value::Int(2))])];
    let bytes = serialize(&format, &cols, &row, true).unwrap().unwrap();
    // A's X, B's union branch 1, B's X (zigzag varints).
    assert_eq!(&bytes[5..], &[2, 2, 4]);
    assert_eq!(deserialize(&format, &cols, Some(&bytes), true).unwrap(), row);
}
