//! The schemas ksqlDB registers for the sources it creates: a source's key or value columns
//! as an AVRO record (`io.confluent.ksql.avro_schemas.KsqlDataSourceSchema`, every field an
//! optional union with a null default), a JSON Schema object (`oneOf` null or the type), or
//! a proto3 message (`ConnectDefault1`). A single key column is registered unwrapped.
//!
//! PROTOBUF's DECIMAL and temporal types import Confluent's and Google's messages
//! (`confluent.type.Decimal` with its precision and scale as `confluent.field_meta` params,
//! `google.protobuf.Timestamp`, `google.type.Date`, `google.type.TimeOfDay`). Types proto3
//! cannot hold (nested lists, maps of lists, other map keys) give no schema: nothing is
//! registered rather than a schema that would differ from ksqlDB's.

use serde_json::{json, Value as J};

use super::SchemaType;
use crate::topics::SchemaFormat;
use crate::types::SqlType;

/// The namespace of the AVRO records ksqlDB registers.
const AVRO_NAMESPACE: &str = "io.confluent.ksql.avro_schemas";

/// The AVRO record name ksqlDB gives a source's key (`ORDERS_BY_ID`: `OrdersByIdKey`, its
/// UPPER_UNDERSCORE name in UpperCamel) or value (`KsqlDataSourceSchema`), without namespace.
pub fn avro_record_name(source: &str, is_key: bool) -> String {
    if !is_key {
        return "KsqlDataSourceSchema".into();
    }
    let camel: String = source
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_lowercase();
            let mut c = lower.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect();
    format!("{camel}Key")
}

/// The schema for `columns` in `format`, as (type, text); None when it has none here.
/// `unwrapped`: a single column is registered as its own type (keys, unwrapped values).
/// `record`: the name of the top AVRO record ([`avro_record_name`]).
pub fn schema_for(
    format: SchemaFormat,
    columns: &[(String, SqlType)],
    unwrapped: bool,
    record: &str,
) -> Option<(SchemaType, String)> {
    named_schema_for(format, columns, unwrapped, record, None, ProtoNullable::No)
}

/// [`schema_for`] with the PROTOBUF message named `full_name` (a `package` for its dotted
/// prefix), as ksqlDB names it after KEY_/VALUE_SCHEMA_FULL_NAME; None: `ConnectDefault1`.
pub fn named_schema_for(
    format: SchemaFormat,
    columns: &[(String, SqlType)],
    unwrapped: bool,
    record: &str,
    full_name: Option<&str>,
    nullable: ProtoNullable,
) -> Option<(SchemaType, String)> {
    let single = unwrapped && columns.len() == 1;
    match format {
        SchemaFormat::Avro => {
            let mut schema = if single { avro_type(&columns[0].1, record) } else { avro_record(record, columns) };
            if schema.get("type") == Some(&json!("record")) {
                schema["namespace"] = json!(AVRO_NAMESPACE);
            }
            Some((SchemaType::Avro, schema.to_string()))
        }
        SchemaFormat::JsonSr => {
            // A single STRUCT is nullable at the top, as ksqlDB's JSON Schema translator writes it.
            let schema = match (single, columns.first().map(|c| &c.1)) {
                (true, Some(t @ SqlType::Struct(_))) => json!({"oneOf": [{"type": "null"}, json_type(t)]}),
                (true, Some(t)) => json_type(t),
                _ => json_object(columns),
            };
            Some((SchemaType::Json, schema.to_string()))
        }
        SchemaFormat::Protobuf => {
            // Protobuf records are messages: a single STRUCT column is its own message, any
            // other single column the one field of a message.
            let fields: Vec<(String, SqlType)> = match &columns[0].1 {
                SqlType::Struct(fields) if single => fields.clone(),
                _ if single => vec![(columns[0].0.clone(), columns[0].1.clone())],
                _ => columns.to_vec(),
            };
            let (package, name) = match full_name.map(|n| n.rsplit_once('.').unwrap_or(("", n))) {
                Some((package, name)) => (package, name),
                None => ("", "ConnectDefault1"),
            };
            let body = proto_message(name, &fields, nullable)?;
            let mut text = String::from("syntax = \"proto3\";\n");
            let imports = proto_imports(&body);
            if !imports.is_empty() {
                text.push('\n');
                for import in imports {
                    text.push_str(&format!("import \"{import}\";\n"));
                }
            }
            if !package.is_empty() {
                text.push_str(&format!("package {package};\n"));
            }
            text.push('\n');
            text.push_str(&body);
            Some((SchemaType::Protobuf, text))
        }
        // PROTOBUF_NOSR does not use the registry.
        SchemaFormat::ProtobufNoSr => None,
    }
}

/// A record of optional fields; nested records are named `{name}_{field}`. Each carries the
/// `connect.name` (its full name) that ksqlDB's Connect translation writes.
fn avro_record(name: &str, columns: &[(String, SqlType)]) -> J {
    let fields: Vec<J> = columns
        .iter()
        .map(|(n, t)| json!({"name": n, "type": ["null", avro_type(t, &format!("{name}_{n}"))], "default": null}))
        .collect();
    json!({"type": "record", "name": name, "fields": fields, "connect.name": format!("{AVRO_NAMESPACE}.{name}")})
}

/// A column type in AVRO; `name` names a nested record.
fn avro_type(t: &SqlType, name: &str) -> J {
    match t {
        SqlType::Boolean => json!("boolean"),
        SqlType::Integer => json!("int"),
        SqlType::Bigint => json!("long"),
        SqlType::Double => json!("double"),
        SqlType::String | SqlType::Other(_) => json!("string"),
        SqlType::Bytes => json!("bytes"),
        SqlType::Decimal { precision, scale } => json!({
            "type": "bytes", "logicalType": "decimal",
            "precision": precision.unwrap_or(10), "scale": scale.unwrap_or(0)
        }),
        SqlType::Date => json!({"type": "int", "logicalType": "date"}),
        SqlType::Time => json!({"type": "int", "logicalType": "time-millis"}),
        SqlType::Timestamp => json!({"type": "long", "logicalType": "timestamp-millis"}),
        SqlType::Array(e) => json!({"type": "array", "items": ["null", avro_type(e, name)]}),
        // AVRO maps have string keys.
        SqlType::Map(_, v) => json!({"type": "map", "values": ["null", avro_type(v, &format!("{name}_MapValue"))]}),
        SqlType::Struct(fields) => avro_record(name, fields),
    }
}

fn json_object(columns: &[(String, SqlType)]) -> J {
    let mut properties = serde_json::Map::new();
    for (i, (n, t)) in columns.iter().enumerate() {
        properties.insert(n.clone(), json!({"connect.index": i, "oneOf": [{"type": "null"}, json_type(t)]}));
    }
    json!({"type": "object", "properties": properties})
}

fn json_type(t: &SqlType) -> J {
    match t {
        SqlType::Boolean => json!({"type": "boolean"}),
        SqlType::Integer => json!({"type": "integer", "connect.type": "int32"}),
        SqlType::Bigint => json!({"type": "integer", "connect.type": "int64"}),
        SqlType::Double => json!({"type": "number", "connect.type": "float64"}),
        SqlType::String | SqlType::Other(_) => json!({"type": "string"}),
        SqlType::Bytes => json!({"type": "string", "connect.type": "bytes"}),
        SqlType::Decimal { precision, scale } => json!({
            "type": "number", "title": "org.apache.kafka.connect.data.Decimal", "connect.type": "bytes",
            "connect.parameters": {
                "connect.decimal.precision": precision.unwrap_or(10).to_string(),
                "scale": scale.unwrap_or(0).to_string()
            }
        }),
        SqlType::Date => {
            json!({"type": "integer", "title": "org.apache.kafka.connect.data.Date", "connect.type": "int32"})
        }
        SqlType::Time => {
            json!({"type": "integer", "title": "org.apache.kafka.connect.data.Time", "connect.type": "int32"})
        }
        SqlType::Timestamp => {
            json!({"type": "integer", "title": "org.apache.kafka.connect.data.Timestamp", "connect.type": "int64"})
        }
        SqlType::Array(e) => json!({"type": "array", "items": {"oneOf": [{"type": "null"}, json_type(e)]}}),
        SqlType::Map(_, v) => json!({
            "type": "object", "connect.type": "map",
            "additionalProperties": {"oneOf": [{"type": "null"}, json_type(v)]}
        }),
        SqlType::Struct(fields) => json_object(fields),
    }
}

/// The files a generated message's types come from, in name order.
fn proto_imports(body: &str) -> Vec<&'static str> {
    let wrapper = ["Bool", "Int32", "Int64", "Double", "String", "Bytes"]
        .iter()
        .any(|w| body.contains(&format!("google.protobuf.{w}Value")));
    let uses = [
        ("confluent/meta.proto", body.contains("confluent.field_meta")),
        ("confluent/type/decimal.proto", body.contains("confluent.type.Decimal")),
        ("google/protobuf/timestamp.proto", body.contains("google.protobuf.Timestamp")),
        ("google/protobuf/wrappers.proto", wrapper),
        ("google/type/date.proto", body.contains("google.type.Date")),
        ("google/type/timeofday.proto", body.contains("google.type.TimeOfDay")),
    ];
    uses.into_iter().filter(|(_, used)| *used).map(|(file, _)| file).collect()
}

/// How a proto3 schema ksqlDB generates lets a primitive field be null: not at all (the
/// default: it reads back as its default), as an `optional` field, or as a wrapper message
/// (PROTOBUF_NULLABLE_REPRESENTATION 'OPTIONAL' or 'WRAPPER').
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtoNullable {
    No,
    Optional,
    Wrapper,
}

impl ProtoNullable {
    /// The representation a PROTOBUF_NULLABLE_REPRESENTATION value names.
    pub fn parse(value: Option<&str>) -> ProtoNullable {
        match value.map(str::to_ascii_uppercase).as_deref() {
            Some("OPTIONAL") => ProtoNullable::Optional,
            Some("WRAPPER") => ProtoNullable::Wrapper,
            _ => ProtoNullable::No,
        }
    }

    /// A primitive field's type written so it may hold null.
    fn field_type(self, ty: String) -> String {
        let wrapper = match ty.as_str() {
            "bool" => "BoolValue",
            "int32" => "Int32Value",
            "int64" => "Int64Value",
            "double" => "DoubleValue",
            "string" => "StringValue",
            "bytes" => "BytesValue",
            _ => return ty,
        };
        match self {
            ProtoNullable::No => ty,
            ProtoNullable::Optional => format!("optional {ty}"),
            ProtoNullable::Wrapper => format!("google.protobuf.{wrapper}"),
        }
    }
}

/// A proto3 message of `fields`, with its nested messages (structs) inside it.
fn proto_message(name: &str, fields: &[(String, SqlType)], nullable: ProtoNullable) -> Option<String> {
    let mut inner = Vec::new();
    let mut lines = Vec::new();
    for (i, (n, t)) in fields.iter().enumerate() {
        let ty = nullable.field_type(proto_field_type(n, t, &mut inner, nullable)?);
        let options = match t {
            SqlType::Decimal { precision, scale } => format!(
                " [(confluent.field_meta) = {{ params: [{{ key: \"precision\", value: \"{}\" }}, \
                 {{ key: \"scale\", value: \"{}\" }}] }}]",
                precision.unwrap_or(10),
                scale.unwrap_or(0)
            ),
            _ => String::new(),
        };
        lines.push(format!("  {ty} {n} = {}{options};", i + 1));
    }
    let mut text = format!("message {name} {{\n");
    for m in inner {
        for l in m.lines() {
            text.push_str(&format!("  {l}\n"));
        }
    }
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    text.push_str("}\n");
    Some(text)
}

fn proto_field_type(name: &str, t: &SqlType, inner: &mut Vec<String>, nullable: ProtoNullable) -> Option<String> {
    Some(match t {
        SqlType::Boolean => "bool".into(),
        SqlType::Integer => "int32".into(),
        SqlType::Bigint => "int64".into(),
        SqlType::Double => "double".into(),
        SqlType::String => "string".into(),
        SqlType::Bytes => "bytes".into(),
        SqlType::Decimal { .. } => "confluent.type.Decimal".into(),
        SqlType::Timestamp => "google.protobuf.Timestamp".into(),
        SqlType::Date => "google.type.Date".into(),
        SqlType::Time => "google.type.TimeOfDay".into(),
        SqlType::Array(e) if !matches!(**e, SqlType::Array(_) | SqlType::Map(..)) => {
            format!("repeated {}", proto_field_type(name, e, inner, nullable)?)
        }
        SqlType::Map(k, v) if matches!(**k, SqlType::String | SqlType::Integer | SqlType::Bigint) => {
            let k = proto_field_type(name, k, inner, nullable)?;
            let v = proto_field_type(&format!("{name}Value"), v, inner, nullable)?;
            if v.starts_with("repeated") {
                return None;
            }
            format!("map<{k}, {v}>")
        }
        SqlType::Struct(fields) => {
            let message = format!("ConnectDefault{}", inner.len() + 2);
            inner.push(proto_message(&message, fields, nullable)?);
            message
        }
        _ => return None,
    })
}
