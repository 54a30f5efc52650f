//! Schemas registered for topics (what Schema Registry holds for a real server): the QTT
//! runner registers the schemas a test supplies, and CREATE STREAM/TABLE without columns in
//! a schema format (AVRO, PROTOBUF, JSON_SR) infers its columns from them.
//!
//! Conversion follows ksqlDB's rules: a value record/object/message schema gives one column
//! per field (names upper-cased unless the schema is named by *_SCHEMA_ID), any other value
//! schema a single unwrapped column ROWVAL; a key schema gives one column ROWKEY of the whole
//! schema's type; nullable unions are the inner type; enums are STRING.

use serde_json::Value as J;

use super::topics::SchemaFormat;
use super::types::SqlType;

/// The columns a schema gives a source's key (`is_key`: one column ROWKEY of the schema's
/// type) or value (a column per field of a record, else one column ROWVAL, unwrapped).
/// `full_name` picks a PROTOBUF message; field names are upper-cased unless `keep_names`
/// (a schema named by *_SCHEMA_ID keeps them as they are).
pub fn columns_from_schema(
    format: SchemaFormat,
    schema: &J,
    is_key: bool,
    full_name: Option<&str>,
    keep_names: bool,
) -> Result<(Vec<(String, SqlType)>, bool), String> {
    Ok(columns_from_type(schema_type(format, schema, full_name)?, is_key, keep_names))
}

/// [`columns_from_schema`] for a schema's type already known.
pub fn columns_from_type(ty: SqlType, is_key: bool, keep_names: bool) -> (Vec<(String, SqlType)>, bool) {
    let ty = if keep_names { ty } else { upper_names(ty) };
    match ty {
        other if is_key => (vec![("ROWKEY".to_string(), other)], false),
        SqlType::Struct(fields) => (fields, true),
        other => (vec![("ROWVAL".to_string(), other)], false),
    }
}

/// The SQL type of a whole schema.
pub fn schema_type(format: SchemaFormat, schema: &J, full_name: Option<&str>) -> Result<SqlType, String> {
    match format {
        SchemaFormat::Avro => avro_type(schema),
        SchemaFormat::JsonSr => json_schema_type(schema),
        SchemaFormat::Protobuf | SchemaFormat::ProtobufNoSr => match schema {
            J::String(s) => protobuf_type(s, full_name),
            _ => Err("a PROTOBUF schema must be text".into()),
        },
    }
}

fn upper_names(t: SqlType) -> SqlType {
    match t {
        SqlType::Struct(f) => {
            SqlType::Struct(f.into_iter().map(|(n, t)| (n.to_ascii_uppercase(), upper_names(t))).collect())
        }
        SqlType::Array(e) => SqlType::Array(Box::new(upper_names(*e))),
        SqlType::Map(k, v) => SqlType::Map(k, Box::new(upper_names(*v))),
        other => other,
    }
}

// ---------------------------------------------------------------------------------------
// AVRO

fn avro_type(s: &J) -> Result<SqlType, String> {
    match s {
        J::String(name) => avro_primitive(name, None),
        J::Array(union) => {
            let non_null: Vec<&J> = union.iter().filter(|t| t.as_str() != Some("null")).collect();
            match non_null.as_slice() {
                [one] => avro_type(one),
                _ => Err("AVRO unions of several non-null types are not supported in the ksqlDB sandbox".into()),
            }
        }
        J::Object(o) => {
            let t = o.get("type").ok_or("AVRO schema without a type")?;
            if let Some(lt) = o.get("logicalType").and_then(|l| l.as_str()) {
                match lt {
                    "decimal" => {
                        let p = o.get("precision").and_then(|p| p.as_u64()).unwrap_or(64) as u32;
                        let sc = o.get("scale").and_then(|p| p.as_u64()).unwrap_or(0) as u32;
                        return Ok(SqlType::Decimal { precision: Some(p), scale: Some(sc) });
                    }
                    "date" => return Ok(SqlType::Date),
                    "time-millis" => return Ok(SqlType::Time),
                    "timestamp-millis" => return Ok(SqlType::Timestamp),
                    _ => {}
                }
            }
            match t {
                J::String(k) => match k.as_str() {
                    "record" => {
                        let fields = o.get("fields").and_then(|f| f.as_array()).ok_or("AVRO record without fields")?;
                        let mut out = Vec::new();
                        for f in fields {
                            let n = f.get("name").and_then(|n| n.as_str()).ok_or("AVRO field without a name")?;
                            out.push((n.to_string(), avro_type(f.get("type").ok_or("AVRO field without a type")?)?));
                        }
                        Ok(SqlType::Struct(out))
                    }
                    "array" => {
                        Ok(SqlType::Array(Box::new(avro_type(o.get("items").ok_or("AVRO array without items")?)?)))
                    }
                    "map" => Ok(SqlType::Map(
                        Box::new(SqlType::String),
                        Box::new(avro_type(o.get("values").ok_or("AVRO map without values")?)?),
                    )),
                    "enum" => Ok(SqlType::String),
                    "fixed" => Ok(SqlType::Bytes),
                    other => avro_primitive(other, Some(o)),
                },
                other => avro_type(other),
            }
        }
        _ => Err(format!("unrecognized AVRO schema {s}")),
    }
}

fn avro_primitive(name: &str, _o: Option<&serde_json::Map<String, J>>) -> Result<SqlType, String> {
    Ok(match name {
        "boolean" => SqlType::Boolean,
        "int" => SqlType::Integer,
        "long" => SqlType::Bigint,
        "float" | "double" => SqlType::Double,
        "string" => SqlType::String,
        "bytes" => SqlType::Bytes,
        other => return Err(format!("AVRO type {other} is not supported in the ksqlDB sandbox")),
    })
}

// ---------------------------------------------------------------------------------------
// JSON schema (JSON_SR)

fn json_schema_type(s: &J) -> Result<SqlType, String> {
    let J::Object(o) = s else { return Err(format!("unrecognized JSON schema {s}")) };
    for alt in ["oneOf", "anyOf"] {
        if let Some(J::Array(opts)) = o.get(alt) {
            let non_null: Vec<&J> =
                opts.iter().filter(|t| t.get("type").and_then(|t| t.as_str()) != Some("null")).collect();
            return match non_null.as_slice() {
                [one] => json_schema_type(one),
                _ => Err("JSON schema unions of several non-null types are not supported in the ksqlDB sandbox".into()),
            };
        }
    }
    let ty = match o.get("type") {
        Some(J::String(t)) => t.clone(),
        Some(J::Array(ts)) => {
            let non_null: Vec<&str> = ts.iter().filter_map(|t| t.as_str()).filter(|t| *t != "null").collect();
            match non_null.as_slice() {
                [one] => one.to_string(),
                _ => return Err("JSON schema with several types is not supported in the ksqlDB sandbox".into()),
            }
        }
        _ if o.contains_key("properties") => "object".into(),
        _ => return Err(format!("JSON schema without a type: {s}")),
    };
    let connect = o.get("connect.type").and_then(|c| c.as_str());
    let title = o.get("title").and_then(|c| c.as_str()).unwrap_or("");
    Ok(match ty.as_str() {
        "boolean" => SqlType::Boolean,
        "integer" => match (connect, title) {
            (_, "org.apache.kafka.connect.data.Timestamp") => SqlType::Timestamp,
            (_, "org.apache.kafka.connect.data.Date") => SqlType::Date,
            (_, "org.apache.kafka.connect.data.Time") => SqlType::Time,
            (Some("int8" | "int16" | "int32"), _) => SqlType::Integer,
            _ => SqlType::Bigint,
        },
        "number" => match (connect, title) {
            (Some("bytes"), _) | (_, "org.apache.kafka.connect.data.Decimal") => {
                let params = o.get("connect.parameters");
                let num = |k: &str| {
                    params
                        .and_then(|p| p.get(k))
                        .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string())))
                        .and_then(|v| v.parse::<u32>().ok())
                };
                SqlType::Decimal {
                    precision: Some(num("connect.decimal.precision").unwrap_or(64)),
                    scale: Some(num("scale").unwrap_or(0)),
                }
            }
            _ => SqlType::Double,
        },
        "string" => match connect {
            Some("bytes") => SqlType::Bytes,
            _ => SqlType::String,
        },
        "array" => {
            SqlType::Array(Box::new(json_schema_type(o.get("items").ok_or("JSON schema array without items")?)?))
        }
        "object" => {
            if let Some(J::Object(props)) = o.get("properties") {
                let mut out = Vec::new();
                for (n, p) in props {
                    out.push((n.clone(), json_schema_type(p)?));
                }
                SqlType::Struct(out)
            } else if let Some(ap @ J::Object(_)) = o.get("additionalProperties") {
                SqlType::Map(Box::new(SqlType::String), Box::new(json_schema_type(ap)?))
            } else {
                SqlType::Struct(vec![])
            }
        }
        other => return Err(format!("JSON schema type {other} is not supported in the ksqlDB sandbox")),
    })
}

// ---------------------------------------------------------------------------------------
// PROTOBUF (proto3 text; the first top-level message)

fn proto_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                let mut lit = String::from(c);
                for d in chars.by_ref() {
                    lit.push(d);
                    if d == c {
                        break;
                    }
                }
                out.push(lit);
            }
            '{' | '}' | ';' | '=' | '<' | '>' | ',' | '[' | ']' | '(' | ')' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[derive(Debug, Default)]
struct ProtoMessage {
    name: String,
    fields: Vec<(String, ProtoFieldType)>,
    nested: Vec<ProtoMessage>,
    enums: Vec<String>,
}

#[derive(Debug)]
enum ProtoFieldType {
    Named(String, bool),
    Map(String, String),
}

fn parse_message(toks: &[String], i: &mut usize) -> Result<ProtoMessage, String> {
    // at: message NAME {
    let mut m = ProtoMessage { name: toks.get(*i + 1).cloned().unwrap_or_default(), ..Default::default() };
    *i += 3;
    while *i < toks.len() && toks[*i] != "}" {
        match toks[*i].as_str() {
            "message" => m.nested.push(parse_message(toks, i)?),
            "enum" => {
                m.enums.push(toks.get(*i + 1).cloned().unwrap_or_default());
                skip_block(toks, i);
            }
            "oneof" => return Err("PROTOBUF oneof is not supported in the ksqlDB sandbox".into()),
            "option" | "reserved" => skip_statement(toks, i),
            ";" => *i += 1,
            "map" => {
                // map < K , V > name = n ;
                let k = toks.get(*i + 2).cloned().unwrap_or_default();
                let v = toks.get(*i + 4).cloned().unwrap_or_default();
                let name = toks.get(*i + 6).cloned().unwrap_or_default();
                m.fields.push((name, ProtoFieldType::Map(k, v)));
                skip_statement(toks, i);
            }
            _ => {
                let mut repeated = false;
                if matches!(toks[*i].as_str(), "repeated" | "optional" | "required") {
                    repeated = toks[*i] == "repeated";
                    *i += 1;
                }
                let ty = toks.get(*i).cloned().unwrap_or_default();
                let name = toks.get(*i + 1).cloned().unwrap_or_default();
                m.fields.push((name, ProtoFieldType::Named(ty, repeated)));
                skip_statement(toks, i);
            }
        }
    }
    *i += 1;
    Ok(m)
}

fn skip_statement(toks: &[String], i: &mut usize) {
    while *i < toks.len() && toks[*i] != ";" {
        *i += 1;
    }
    *i += 1;
}

fn skip_block(toks: &[String], i: &mut usize) {
    while *i < toks.len() && toks[*i] != "{" {
        *i += 1;
    }
    let mut depth = 0;
    while *i < toks.len() {
        match toks[*i].as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    *i += 1;
                    return;
                }
            }
            _ => {}
        }
        *i += 1;
    }
}

fn protobuf_type(text: &str, full_name: Option<&str>) -> Result<SqlType, String> {
    let toks = proto_tokens(text);
    let mut i = 0;
    let mut messages = Vec::new();
    while i < toks.len() {
        match toks[i].as_str() {
            "message" => messages.push(parse_message(&toks, &mut i)?),
            "enum" => skip_block(&toks, &mut i),
            _ => skip_statement(&toks, &mut i),
        }
    }
    let first = match full_name {
        Some(n) => {
            let short = n.rsplit('.').next().unwrap_or(n);
            messages
                .iter()
                .find(|m| m.name == short)
                .ok_or_else(|| format!("Schema with name {n} not found in the PROTOBUF schema"))?
        }
        None => messages.first().ok_or("PROTOBUF schema without a message")?,
    };
    proto_message_type(first, &[first], &messages)
}

fn proto_message_type(m: &ProtoMessage, scope: &[&ProtoMessage], top: &[ProtoMessage]) -> Result<SqlType, String> {
    let mut inner: Vec<&ProtoMessage> = scope.to_vec();
    inner.push(m);
    let mut out = Vec::new();
    for (name, ft) in &m.fields {
        let t = match ft {
            ProtoFieldType::Map(k, v) => {
                SqlType::Map(Box::new(proto_scalar(k, &inner, top)?), Box::new(proto_scalar(v, &inner, top)?))
            }
            ProtoFieldType::Named(t, repeated) => {
                let t = proto_scalar(t, &inner, top)?;
                if *repeated {
                    SqlType::Array(Box::new(t))
                } else {
                    t
                }
            }
        };
        out.push((name.clone(), t));
    }
    Ok(SqlType::Struct(out))
}

fn proto_scalar(t: &str, scope: &[&ProtoMessage], top: &[ProtoMessage]) -> Result<SqlType, String> {
    Ok(match t {
        "bool" => SqlType::Boolean,
        "int32" | "sint32" | "sfixed32" => SqlType::Integer,
        "int64" | "sint64" | "sfixed64" | "uint32" | "uint64" | "fixed32" | "fixed64" => SqlType::Bigint,
        "float" | "double" => SqlType::Double,
        "string" => SqlType::String,
        "bytes" => SqlType::Bytes,
        "google.protobuf.BoolValue" => SqlType::Boolean,
        "google.protobuf.Int32Value" => SqlType::Integer,
        "google.protobuf.Int64Value" | "google.protobuf.UInt32Value" | "google.protobuf.UInt64Value" => SqlType::Bigint,
        "google.protobuf.DoubleValue" | "google.protobuf.FloatValue" => SqlType::Double,
        "google.protobuf.StringValue" => SqlType::String,
        "google.protobuf.BytesValue" => SqlType::Bytes,
        "google.protobuf.Timestamp" => SqlType::Timestamp,
        "google.type.Date" => SqlType::Date,
        "google.type.TimeOfDay" => SqlType::Time,
        other => {
            let short = other.rsplit('.').next().unwrap_or(other);
            for m in scope.iter().rev() {
                if m.enums.iter().any(|e| e == short) {
                    return Ok(SqlType::String);
                }
                if let Some(n) = m.nested.iter().find(|n| n.name == short) {
                    return proto_message_type(n, scope, top);
                }
            }
            if let Some(n) = top.iter().find(|n| n.name == short) {
                return proto_message_type(n, &[], top);
            }
            return Err(format!("PROTOBUF type {other} is not supported in the ksqlDB sandbox"));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_schemas() {
        let avro: J = serde_json::json!({"type":"record","name":"x","fields":[
            {"name":"c1","type":["null","int"]},
            {"name":"s","type":{"type":"record","name":"y","fields":[{"name":"f1","type":"long"}]}}
        ]});
        assert_eq!(
            columns_from_schema(SchemaFormat::Avro, &avro, false, None, false).unwrap().0,
            vec![("C1".into(), SqlType::Integer), ("S".into(), SqlType::Struct(vec![("F1".into(), SqlType::Bigint)]))]
        );
        let js: J = serde_json::json!({"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int32"}]});
        assert_eq!(
            columns_from_schema(SchemaFormat::JsonSr, &js, true, None, false).unwrap().0,
            vec![("ROWKEY".into(), SqlType::Integer)]
        );
        let pb = J::String(
            "syntax = \"proto3\"; message M {message S {int32 f1 = 1;} S c1 = 1; repeated string c2 = 2; \
             uint32 c3 = 3;}"
                .into(),
        );
        assert_eq!(
            columns_from_schema(SchemaFormat::Protobuf, &pb, false, None, false).unwrap().0,
            vec![
                ("C1".into(), SqlType::Struct(vec![("F1".into(), SqlType::Integer)])),
                ("C2".into(), SqlType::Array(Box::new(SqlType::String))),
                ("C3".into(), SqlType::Bigint)
            ]
        );
    }
}
