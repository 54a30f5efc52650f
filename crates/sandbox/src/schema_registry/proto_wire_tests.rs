//! PROTOBUF records in Confluent's wire format: every SQL type written and read back (nulls
//! becoming proto3's defaults where a field has no presence), a record encoded by
//! prost-reflect from a schema the sandbox did not generate, and refused input.

use prost_reflect::{DynamicMessage, Value as P};

use super::generate::schema_for;
use super::proto_schema::ProtoSchema;
use super::wire::WireSchema;
use super::wire_tests::col;
use super::*;
use crate::topics::{deserialize, print_bytes, serialize, Format, SchemaFormat};
use crate::types::{Decimal, SqlType, Value};

/// Every SQL type as ksqlDB maps it to proto3 (imported messages for DECIMAL and temporal types).
const ALL_TYPES: &str = r#"syntax = "proto3";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";

message ConnectDefault1 {
  message ConnectDefault2 { string C = 1; }
  message ConnectDefault3 { int32 A = 1; ConnectDefault2 NESTED = 2; }
  bool BOOL = 1;
  int32 I = 2;
  int64 BIG = 3;
  double D = 4;
  confluent.type.Decimal DEC = 5;
  string S = 6;
  bytes B = 7;
  google.protobuf.Timestamp TS = 8;
  google.type.Date DT = 9;
  google.type.TimeOfDay T = 10;
  repeated int32 ARR = 11;
  map<string, double> M = 12;
  ConnectDefault3 ST = 13;
  optional int32 OPT = 14;
}
"#;

fn all_types() -> Vec<(String, SqlType)> {
    let mut cols = super::wire_tests::all_types();
    cols.push(col("OPT", SqlType::Integer));
    cols
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
        Value::Array(vec![Value::Int(1), Value::Int(3)]),
        Value::Map(vec![(Value::String("a".into()), Value::Double(1.5))]),
        Value::Struct(vec![
            ("A".into(), Value::Int(4)),
            ("NESTED".into(), Value::Struct(vec![("C".into(), Value::String("deep".into()))])),
        ]),
        Value::Int(0),
    ]
}

fn bound_to(r: &mut SchemaRegistry, text: &str) -> (Format, u32) {
    let id = r.register("t-value", SchemaType::Protobuf, text, vec![], None).unwrap();
    (Format::Schema(SchemaFormat::Protobuf, r.wire_schemas().bind(id)), id)
}

#[test]
fn every_type_round_trips_with_header_and_first_message_index() {
    let cols = all_types();
    let mut r = SchemaRegistry::default();
    let (format, id) = bound_to(&mut r, ALL_TYPES);
    let bytes = serialize(&format, &cols, &full_row(), true).unwrap().unwrap();
    assert_eq!(bytes[0], 0);
    assert_eq!(u32::from_be_bytes(bytes[1..5].try_into().unwrap()), id);
    assert_eq!(bytes[5], 0, "the first message's indexes: one zero byte");
    assert_eq!(deserialize(&format, &cols, Some(&bytes), true).unwrap(), full_row());
}

#[test]
fn nulls_read_back_as_proto3_defaults_or_null_where_fields_have_presence() {
    let cols = all_types();
    let mut r = SchemaRegistry::default();
    let (format, _) = bound_to(&mut r, ALL_TYPES);
    let bytes = serialize(&format, &cols, &vec![Value::Null; cols.len()], true).unwrap().unwrap();
    assert_eq!(bytes.len(), 6, "nothing but the header and index: every field absent");
    let expected = vec![
        Value::Boolean(false),
        Value::Int(0),
        Value::Bigint(0),
        Value::Double(0.0),
        Value::Null,
        Value::String(String::new()),
        Value::Bytes(vec![]),
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Array(vec![]),
        Value::Map(vec![]),
        Value::Null,
        Value::Null,
    ];
    assert_eq!(deserialize(&format, &cols, Some(&bytes), true).unwrap(), expected);
    // Nulls inside a list or a map are written as the element's default.
    let mut row = full_row();
    row[10] = Value::Array(vec![Value::Null, Value::Int(2)]);
    row[11] = Value::Map(vec![(Value::String("k".into()), Value::Null)]);
    let bytes = serialize(&format, &cols, &row, true).unwrap().unwrap();
    let back = deserialize(&format, &cols, Some(&bytes), true).unwrap();
    assert_eq!(back[10], Value::Array(vec![Value::Int(0), Value::Int(2)]));
    assert_eq!(back[11], Value::Map(vec![(Value::String("k".into()), Value::Double(0.0))]));
}

#[test]
fn generated_schemas_bind_and_unwrapped_values_are_their_single_field() {
    let cols = vec![col("NAME", SqlType::String)];
    let (t, text) = schema_for(SchemaFormat::Protobuf, &cols, true, "KsqlDataSourceSchema").unwrap();
    let mut r = SchemaRegistry::default();
    let id = r.register("t-key", t, &text, vec![], None).unwrap();
    let format = Format::Schema(SchemaFormat::Protobuf, r.wire_schemas().bind(id));
    let row = vec![Value::String("ann".into())];
    let bytes = serialize(&format, &cols, &row, false).unwrap().unwrap();
    assert_eq!(&bytes[5..], [0, 0x0A, 3, b'a', b'n', b'n'], "index 0, then field 1 (length-delimited)");
    assert_eq!(deserialize(&format, &cols, Some(&bytes), false).unwrap(), row);
    assert_eq!(print_bytes(Some(&bytes), r.wire_schemas()), r#"{"NAME":"ann"}"#);
}

#[test]
fn records_of_a_foreign_schema_read_by_their_message_indexes() {
    let text = "syntax = \"proto3\";\npackage shop;\n\
                message Other { string x = 1; }\n\
                message Order { message Line { string sku = 1; uint32 qty = 2; } \
                enum State { NEW = 0; PAID = 1; } \
                int64 id = 1; repeated Line lines = 2; State state = 3; map<int32, string> tags = 4; }";
    let mut r = SchemaRegistry::default();
    let (format, id) = bound_to(&mut r, text);
    let schema = ProtoSchema::compile(text, &[]).unwrap();
    let order = schema.message_at(&[1]).unwrap();
    let line_desc = schema.message_at(&[1, 0]).unwrap();
    let mut line = DynamicMessage::new(line_desc);
    line.set_field_by_name("sku", P::String("A-1".into()));
    line.set_field_by_name("qty", P::U32(2));
    let mut m = DynamicMessage::new(order);
    m.set_field_by_name("id", P::I64(42));
    m.set_field_by_name("lines", P::List(vec![P::Message(line)]));
    m.set_field_by_name("state", P::EnumNumber(1));
    m.set_field_by_name("tags", P::Map([(prost_reflect::MapKey::I32(7), P::String("gift".into()))].into()));
    let mut bytes = vec![0];
    bytes.extend_from_slice(&id.to_be_bytes());
    bytes.extend_from_slice(&[2, 2]); // one index: 1 (zig-zag 2)
    bytes.extend_from_slice(&prost::Message::encode_to_vec(&m));
    let line_type = SqlType::Struct(vec![col("SKU", SqlType::String), col("QTY", SqlType::Bigint)]);
    let cols = vec![
        col("ID", SqlType::Bigint),
        col("LINES", SqlType::Array(Box::new(line_type))),
        col("STATE", SqlType::String),
        col("TAGS", SqlType::Map(Box::new(SqlType::Integer), Box::new(SqlType::String))),
    ];
    let row = deserialize(&format, &cols, Some(&bytes), true).unwrap();
    let line = Value::Struct(vec![("SKU".into(), Value::String("A-1".into())), ("QTY".into(), Value::Bigint(2))]);
    assert_eq!(row[..3], [Value::Bigint(42), Value::Array(vec![line]), Value::String("PAID".into())]);
    assert_eq!(row[3], Value::Map(vec![(Value::Int(7), Value::String("gift".into()))]));
}

#[test]
fn bad_headers_indexes_and_bodies_are_refused() {
    let cols = vec![col("X", SqlType::Integer)];
    let mut r = SchemaRegistry::default();
    let (format, id) = bound_to(&mut r, "syntax = \"proto3\"; message M { int32 X = 1; }");
    let header = |rest: &[u8]| [&[0], &id.to_be_bytes()[..], rest].concat();
    let cases: Vec<Vec<u8>> = vec![
        b"{\"X\":1}".to_vec(),
        header(&[]),
        header(&[2, 4, 0x08, 1]),     // message index 2: no such message
        header(&[0, 0x08]),           // field 1 varint cut short
        header(&[0, 0x0A, 5, 1]),     // field 1 as length-delimited, cut short
        vec![0, 0, 0, 0x7F, 0x7F, 0], // unknown schema id
    ];
    for bytes in cases {
        let err = deserialize(&format, &cols, Some(&bytes), true).unwrap_err();
        assert!(err.contains("Failed to deserialize"), "{bytes:?}: {err}");
    }
    assert!(r.register("u-value", SchemaType::Protobuf, "message {", vec![], None).is_ok_and(|id| {
        let bound = r.wire_schemas().bind(id).unwrap();
        bound.encode(&serde_json::json!({"X": 1})).is_err()
    }));
    let too_big = vec![Value::Bigint(1 << 40)];
    assert!(serialize(&format, &[col("X", SqlType::Bigint)], &too_big, true).is_err());
}

#[test]
fn schemas_importing_other_subjects_compile_with_their_references() {
    let mut r = SchemaRegistry::default();
    let event = "syntax = \"proto3\";\nmessage Event { int64 timestamp = 1; }";
    r.register("event", SchemaType::Protobuf, event, vec![], None).unwrap();
    let text = "syntax = \"proto3\";\nimport \"event.proto\";\nmessage Logistics { Event event = 1; }";
    let reference = SchemaReference { name: "event.proto".into(), subject: "event".into(), version: 1 };
    let id = r.register("t-value", SchemaType::Protobuf, text, vec![reference], None).unwrap();
    let format = Format::Schema(SchemaFormat::Protobuf, r.wire_schemas().bind(id));
    let cols = vec![col("EVENT", SqlType::Struct(vec![col("TIMESTAMP", SqlType::Bigint)]))];
    let row = vec![Value::Struct(vec![("TIMESTAMP".into(), Value::Bigint(5))])];
    let bytes = serialize(&format, &cols, &row, true).unwrap().unwrap();
    assert_eq!(deserialize(&format, &cols, Some(&bytes), true).unwrap(), row);
}

#[test]
fn a_single_struct_key_is_its_own_message() {
    let cols = vec![col("ROWKEY", SqlType::Struct(vec![col("F1", SqlType::Boolean), col("F2", SqlType::Integer)]))];
    let (t, text) = schema_for(SchemaFormat::Protobuf, &cols, true, "KsqlDataSourceSchema").unwrap();
    assert!(text.contains("bool F1 = 1;") && !text.contains("ROWKEY"), "{text}");
    let mut r = SchemaRegistry::default();
    let id = r.register("t-key", t, &text, vec![], None).unwrap();
    let format = Format::Schema(SchemaFormat::Protobuf, r.wire_schemas().bind(id));
    let row = vec![Value::Struct(vec![("F1".into(), Value::Boolean(true)), ("F2".into(), Value::Int(3))])];
    let bytes = serialize(&format, &cols, &row, false).unwrap().unwrap();
    assert_eq!(&bytes[5..], [0, 0x08, 1, 0x10, 3], "index 0, then F1 and F2 as varints");
    assert_eq!(deserialize(&format, &cols, Some(&bytes), false).unwrap(), row);
}

#[test]
fn a_binding_to_a_named_message_writes_its_indexes() {
    let text = "syntax = \"proto3\";\nmessage Other { string x = 1; }\nmessage Outer { message In { int32 X = 1; } }";
    let mut r = SchemaRegistry::default();
    let id = r.register("t-value", SchemaType::Protobuf, text, vec![], None).unwrap();
    let format = Format::Schema(SchemaFormat::Protobuf, r.wire_schemas().bind_message(id, Some("Outer.In")));
    let cols = vec![col("X", SqlType::Integer)];
    let bytes = serialize(&format, &cols, &[Value::Int(9)], true).unwrap().unwrap();
    assert_eq!(&bytes[5..], [4, 2, 0, 0x08, 9], "two indexes (1, 0), then X");
    assert_eq!(deserialize(&format, &cols, Some(&bytes), true).unwrap(), [Value::Int(9)]);
    let missing = Format::Schema(SchemaFormat::Protobuf, r.wire_schemas().bind_message(id, Some("Nope")));
    assert!(serialize(&missing, &cols, &[Value::Int(9)], true).unwrap_err().contains("no message Nope"));
}

#[test]
fn nullable_representations_keep_nulls_of_primitive_fields() {
    use super::generate::{named_schema_for, ProtoNullable};
    let cols = vec![col("I", SqlType::Integer), col("S", SqlType::String)];
    let expected = [
        (
            ProtoNullable::Optional,
            "syntax = \"proto3\";\n\nmessage ConnectDefault1 {\n  optional int32 I = 1;\n  optional string S = 2;\n}\n",
        ),
        (
            ProtoNullable::Wrapper,
            "syntax = \"proto3\";\n\nimport \"google/protobuf/wrappers.proto\";\n\nmessage ConnectDefault1 {\n  \
             google.protobuf.Int32Value I = 1;\n  google.protobuf.StringValue S = 2;\n}\n",
        ),
    ];
    for (nullable, text) in expected {
        let (t, generated) =
            named_schema_for(SchemaFormat::Protobuf, &cols, false, "KsqlDataSourceSchema", None, nullable).unwrap();
        assert_eq!(generated, text);
        let mut r = SchemaRegistry::default();
        let id = r.register("t-value", t, &generated, vec![], None).unwrap();
        let format = Format::Schema(SchemaFormat::Protobuf, r.wire_schemas().bind(id));
        for row in [vec![Value::Null, Value::String(String::new())], vec![Value::Int(0), Value::Null]] {
            let bytes = serialize(&format, &cols, &row, true).unwrap().unwrap();
            assert_eq!(deserialize(&format, &cols, Some(&bytes), true).unwrap(), row, "{nullable:?}");
        }
    }
}

#[test]
fn generated_schemas_hold_every_type() {
    let mut cols = all_types();
    cols.pop();
    let (t, text) = schema_for(SchemaFormat::Protobuf, &cols, false, "KsqlDataSourceSchema").unwrap();
    assert!(text.contains("import \"confluent/type/decimal.proto\";\nimport \"google/protobuf/timestamp.proto\";"));
    assert!(text.contains("confluent.type.Decimal DEC = 5 [(confluent.field_meta) = { params: [{ key: \"precision\""));
    let mut r = SchemaRegistry::default();
    let (format, _) = bound_to(&mut r, &text);
    assert_eq!(t, SchemaType::Protobuf);
    let mut row = full_row();
    row.pop();
    let bytes = serialize(&format, &cols, &row, true).unwrap().unwrap();
    assert_eq!(deserialize(&format, &cols, Some(&bytes), true).unwrap(), row);
    let inferred = r.wire_schemas().get(1).map(|s| match &*s {
        WireSchema::Protobuf(p) => p.sql_type(None).unwrap(),
        _ => panic!("not compiled as PROTOBUF"),
    });
    assert_eq!(inferred, Some(SqlType::Struct(cols)), "the schema reads back as the columns it was made of");
    // Types inside a map's values are imported too.
    let map = vec![col("M", SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Time)))];
    let (_, text) = schema_for(SchemaFormat::Protobuf, &map, false, "KsqlDataSourceSchema").unwrap();
    assert!(ProtoSchema::compile(&text, &[]).is_ok(), "{text}");
}
