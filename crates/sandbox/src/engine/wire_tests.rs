//! AVRO and JSON_SR sources through SQL: INSERT VALUES and persistent queries write records
//! in Confluent's wire format with the subject's schema id, apache-avro reads them with the
//! schema fetched by that id, PRINT shows them decoded, and a record that is not in the
//! wire format is a query's deserialization error.

use apache_avro::types::Value as A;

use super::*;
use crate::schema_registry::wire;

fn run(e: &mut Engine, s: &mut Session, sql: &str) {
    e.execute(sql, s).unwrap_or_else(|err| panic!("{sql}: {err}"));
}

/// A record's value as apache-avro reads it with the schema its header names.
fn read_with_fetched_schema(e: &Engine, bytes: &[u8]) -> A {
    let id = wire::schema_id(bytes).unwrap();
    let schema = apache_avro::Schema::parse_str(&e.schema_registry.by_id(id).unwrap().text).unwrap();
    apache_avro::reader::datum::GenericDatumReader::builder(&schema)
        .build()
        .unwrap()
        .read_value(&mut &bytes[5..])
        .unwrap()
}

#[test]
fn inserts_and_sinks_are_in_the_wire_format_with_the_subjects_schema_id() {
    let mut e = Engine::new();
    let mut s = Session::default();
    run(
        &mut e,
        &mut s,
        "CREATE STREAM S (ID INT KEY, NAME STRING, PRICE DECIMAL(4, 2)) \
         WITH (KAFKA_TOPIC='s', KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO', PARTITIONS=1);",
    );
    run(&mut e, &mut s, "CREATE STREAM OUT WITH (VALUE_FORMAT='JSON_SR') AS SELECT ID, UCASE(NAME) AS N FROM S;");
    run(&mut e, &mut s, "INSERT INTO S (ID, NAME, PRICE) VALUES (7, 'pen', 1.50);");
    let value_id = e.schema_registry.topic_schema("s", false).unwrap().id;
    let key_id = e.schema_registry.topic_schema("s", true).unwrap().id;
    let rec = e.topic_records("s").pop().unwrap();
    let (key, value) = (rec.key().unwrap(), rec.value().unwrap());
    assert_eq!((wire::schema_id(key).unwrap(), wire::schema_id(value).unwrap()), (key_id, value_id));
    assert_eq!(read_with_fetched_schema(&e, key), A::Int(7));
    assert_eq!(
        read_with_fetched_schema(&e, value),
        A::Record(vec![
            ("NAME".into(), A::Union(1, Box::new(A::String("pen".into())))),
            ("PRICE".into(), A::Union(1, Box::new(A::Decimal(apache_avro::Decimal::from(vec![0u8, 150]))))),
        ])
    );
    // The JSON_SR sink: header with its subject's id, then JSON text.
    let out = e.topic_records("OUT").pop().unwrap();
    let out_value = out.value().unwrap();
    assert_eq!(wire::schema_id(out_value).unwrap(), e.schema_registry.topic_schema("OUT", false).unwrap().id);
    assert_eq!(std::str::from_utf8(&out_value[5..]).unwrap(), r#"{"N":"PEN"}"#);
    // PRINT decodes both, with the formats' names.
    let line = print_line(&rec, e.schema_registry.wire_schemas());
    assert!(line.contains(r#"key: 7, value: {"NAME": "pen", "PRICE": 1.50}"#), "{line}");
    assert!(print_line(&out, e.schema_registry.wire_schemas()).contains(r#"value: {"N":"PEN"}"#));
    let QueryResult::Print { formats, .. } = e.query("PRINT 's' FROM BEGINNING;", &mut s).unwrap() else { panic!() };
    assert_eq!(formats, ["Key format: AVRO\n", "Value format: AVRO\n"]);
}

#[test]
fn a_record_not_in_the_wire_format_is_a_deserialization_error() {
    let mut e = Engine::new();
    let mut s = Session::default();
    run(&mut e, &mut s, "CREATE STREAM S (A INT, B STRING) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='AVRO', PARTITIONS=1);");
    run(&mut e, &mut s, "CREATE STREAM OUT AS SELECT A FROM S;");
    e.produce("s", Record::new(None, Some(br#"{"A":1,"B":"x"}"#.to_vec()), 1), None);
    let errors = e.query_errors();
    assert!(errors.iter().any(|(_, es)| es.iter().any(|m| m.contains("Unknown magic byte"))), "{errors:?}");
    // The query keeps going: a record in the wire format goes through.
    run(&mut e, &mut s, "INSERT INTO S (A, B) VALUES (2, 'y');");
    assert_eq!(e.topic_records("OUT").len(), 1);
}
