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
