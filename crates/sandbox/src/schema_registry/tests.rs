//! The Schema Registry store: ids, versions, identity of equal schemas, compatibility.

use super::*;

const V1: &str = r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}"#;
/// V1 plus a field with a default: BACKWARD compatible.
const V2: &str = r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},
    {"name":"note","type":"string","default":""}]}"#;
/// V1 plus a field without a default: not BACKWARD compatible.
const V3: &str =
    r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"qty","type":"int"}]}"#;

#[test]
fn equal_schemas_share_an_id_and_versions_count_up() {
    let mut r = SchemaRegistry::default();
    let id1 = r.register("orders-value", SchemaType::Avro, V1, vec![], None).unwrap();
    // The same schema written differently (spacing, attribute order) is the same schema.
    let spaced = r#"{ "name": "Order", "type": "record", "fields": [ {"type": "long", "name": "id"} ] }"#;
    assert_eq!(r.register("orders-value", SchemaType::Avro, spaced, vec![], None).unwrap(), id1);
    assert_eq!(r.versions("orders-value").unwrap(), vec![1]);
    // Under another subject it keeps its global id.
    assert_eq!(r.register("copy-value", SchemaType::Avro, V1, vec![], None).unwrap(), id1);
    let id2 = r.register("orders-value", SchemaType::Avro, V2, vec![], None).unwrap();
    assert_ne!(id1, id2);
    assert_eq!(r.versions("orders-value").unwrap(), vec![1, 2]);
    assert_eq!(r.version("orders-value", None).unwrap().0, 2);
    assert_eq!(r.topic_schema("orders", false).unwrap().id, id2);
    assert_eq!(r.usages(id1), vec![("copy-value".to_string(), 1), ("orders-value".to_string(), 1)]);
}

#[test]
fn an_incompatible_schema_is_refused_under_backward_and_taken_under_none() {
    let mut r = SchemaRegistry::default();
    r.register("orders-value", SchemaType::Avro, V1, vec![], None).unwrap();
    let refused = r.register("orders-value", SchemaType::Avro, V3, vec![], None).unwrap_err();
    assert_eq!(refused.code, 409);
    assert!(refused.message.contains("incompatible with an earlier schema"), "{}", refused.message);
    assert_eq!(r.versions("orders-value").unwrap(), vec![1]);
    r.set_subject_compatibility("orders-value", Compatibility::None);
    assert!(r.register("orders-value", SchemaType::Avro, V3, vec![], None).is_ok());
}

#[test]
fn forward_compatibility_checks_the_other_way() {
    let mut r = SchemaRegistry::default();
    r.set_global_compatibility(Compatibility::Forward);
    r.register("orders-value", SchemaType::Avro, V1, vec![], None).unwrap();
    // Old readers ignore a new field: FORWARD compatible even without a default.
    assert!(r.check_compatibility("orders-value", SchemaType::Avro, V3, None).is_ok());
    let dropped = r#"{"type":"record","name":"Order","fields":[{"name":"other","type":"long"}]}"#;
    assert!(r.check_compatibility("orders-value", SchemaType::Avro, dropped, None).is_err());
}

#[test]
fn bad_input_gets_registry_errors() {
    let mut r = SchemaRegistry::default();
    let invalid = r.register("x-value", SchemaType::Avro, r#"{"type":"recrd"}"#, vec![], None).unwrap_err();
    assert_eq!((invalid.code, invalid.status()), (42201, 422));
    let missing = r.version("nope-value", None).unwrap_err();
    assert_eq!(
        (missing.code, missing.status(), missing.message.as_str()),
        (40401, 404, "Subject 'nope-value' not found.")
    );
    assert_eq!(r.by_id(77).unwrap_err().code, 40403);
    r.register("x-value", SchemaType::Json, r#"{"type":"object"}"#, vec![], None).unwrap();
    assert_eq!(r.version("x-value", Some(9)).unwrap_err().code, 40402);
    // A JSON Schema change is refused with a reason, never accepted unchecked.
    let change = r.register("x-value", SchemaType::Json, r#"{"type":"string"}"#, vec![], None).unwrap_err();
    assert!(change.message.contains("AVRO schemas only"), "{}", change.message);
    assert_eq!(r.delete("x-value", None).unwrap(), vec![1]);
    assert!(r.subjects().is_empty());
}

/// The schemas registered for a source's key and value are named as ksqlDB names them: the
/// key's record after the source (`OrdersByIdKey`), the value's `KsqlDataSourceSchema`, each
/// record with its `connect.name`; a single STRUCT key in JSON Schema is nullable at the top.
#[test]
fn generated_schemas_named_as_ksqldb_names_them() {
    use super::generate::{avro_record_name, schema_for};
    use crate::topics::SchemaFormat;
    use crate::types::SqlType;
    assert_eq!(avro_record_name("ORDERS_BY_ID", true), "OrdersByIdKey");
    assert_eq!(avro_record_name("OUTPUT", true), "OutputKey");
    assert_eq!(avro_record_name("OUTPUT", false), "KsqlDataSourceSchema");
    let key = vec![("F1".to_string(), SqlType::Struct(vec![("A".to_string(), SqlType::Integer)]))];
    let (_, text) = schema_for(SchemaFormat::Avro, &key, true, "OutputKey").unwrap();
    let avro: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(avro["name"], "OutputKey");
    assert_eq!(avro["namespace"], "io.confluent.ksql.avro_schemas");
    assert_eq!(avro["connect.name"], "io.confluent.ksql.avro_schemas.OutputKey");
    assert_eq!(avro["fields"][0]["name"], "A");
    let (_, text) = schema_for(SchemaFormat::JsonSr, &key, true, "OutputKey").unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["oneOf"][0], serde_json::json!({"type": "null"}));
    assert_eq!(json["oneOf"][1]["type"], "object");
}
