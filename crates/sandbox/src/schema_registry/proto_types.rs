//! The SQL types of a compiled PROTOBUF schema's messages, as ksqlDB infers a source's
//! columns: a message is a STRUCT of its fields; repeated fields ARRAYs, maps MAPs; unsigned
//! and 64-bit integers BIGINT; enums STRING; wrappers their value's type;
//! `google.protobuf.Timestamp` TIMESTAMP, `google.type.Date` DATE, `google.type.TimeOfDay`
//! TIME, `confluent.type.Decimal` DECIMAL with the precision and scale its field's
//! `confluent.field_meta` params give.

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor, Value as P};

use super::proto_schema::ProtoSchema;
use crate::types::SqlType;

/// Messages nested deeper than this (e.g. a message that holds itself) are refused.
const MAX_DEPTH: usize = 32;

impl ProtoSchema {
    /// The type of the message named `full_name` (fully, or by its simple name), else of
    /// the file's first message.
    pub fn sql_type(&self, full_name: Option<&str>) -> Result<SqlType, String> {
        let message = match full_name {
            Some(n) => {
                self.find_message(n).ok_or_else(|| format!("Schema with name {n} not found in the PROTOBUF schema"))?
            }
            None => self.first_message().ok_or("PROTOBUF schema without a message")?,
        };
        message_type(&message, 0)
    }
}

fn message_type(m: &MessageDescriptor, depth: usize) -> Result<SqlType, String> {
    if depth > MAX_DEPTH {
        return Err(format!("PROTOBUF messages nested deeper than {MAX_DEPTH} are not supported"));
    }
    let fields = m.fields().map(|f| Ok((f.name().to_string(), field_type(&f, depth)?)));
    Ok(SqlType::Struct(fields.collect::<Result<_, String>>()?))
}

fn field_type(f: &FieldDescriptor, depth: usize) -> Result<SqlType, String> {
    if f.is_map() {
        let Kind::Message(entry) = f.kind() else { return Err("map field without entry".into()) };
        let key = kind_type(&entry.map_entry_key_field(), depth)?;
        return Ok(SqlType::Map(Box::new(key), Box::new(kind_type(&entry.map_entry_value_field(), depth)?)));
    }
    let t = kind_type(f, depth)?;
    Ok(if f.is_list() { SqlType::Array(Box::new(t)) } else { t })
}

fn kind_type(f: &FieldDescriptor, depth: usize) -> Result<SqlType, String> {
    Ok(match f.kind() {
        Kind::Bool => SqlType::Boolean,
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => SqlType::Integer,
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 | Kind::Uint32 | Kind::Uint64 | Kind::Fixed32 | Kind::Fixed64 => {
            SqlType::Bigint
        }
        Kind::Float | Kind::Double => SqlType::Double,
        Kind::String | Kind::Enum(_) => SqlType::String,
        Kind::Bytes => SqlType::Bytes,
        Kind::Message(m) => match m.full_name() {
            "google.protobuf.Timestamp" => SqlType::Timestamp,
            "google.type.Date" => SqlType::Date,
            "google.type.TimeOfDay" => SqlType::Time,
            "confluent.type.Decimal" => decimal_type(f)?,
            "google.protobuf.BoolValue" => SqlType::Boolean,
            "google.protobuf.Int32Value" => SqlType::Integer,
            "google.protobuf.Int64Value" | "google.protobuf.UInt32Value" | "google.protobuf.UInt64Value" => {
                SqlType::Bigint
            }
            "google.protobuf.DoubleValue" | "google.protobuf.FloatValue" => SqlType::Double,
            "google.protobuf.StringValue" => SqlType::String,
            "google.protobuf.BytesValue" => SqlType::Bytes,
            _ => message_type(&m, depth + 1)?,
        },
    })
}

/// DECIMAL(precision, scale) from the field's `confluent.field_meta` params.
fn decimal_type(f: &FieldDescriptor) -> Result<SqlType, String> {
    let param = |key: &str| -> Option<u32> {
        let ext = f.parent_pool().get_extension_by_name("confluent.field_meta")?;
        let options = f.options();
        let P::Message(meta) = &*options.get_extension(&ext) else { return None };
        let params = meta.get_field_by_name("params")?;
        let P::Map(entries) = &*params else { return None };
        entries.get(&prost_reflect::MapKey::String(key.into()))?.as_str()?.trim().parse().ok()
    };
    match (param("precision"), param("scale")) {
        (Some(precision), scale) => {
            Ok(SqlType::Decimal { precision: Some(precision), scale: Some(scale.unwrap_or(0)) })
        }
        (None, _) => Err(format!("PROTOBUF field {} of type confluent.type.Decimal has no precision", f.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, t: SqlType) -> (String, SqlType) {
        (name.to_string(), t)
    }

    #[test]
    fn messages_map_to_ksqldbs_types() {
        let text = "syntax = \"proto3\";\nimport \"confluent/type/decimal.proto\";\nimport \"confluent/meta.proto\";\n\
                    import \"google/protobuf/wrappers.proto\";\nimport \"google/protobuf/timestamp.proto\";\n\
                    message M { enum Suit { SPADES = 0; } message In { uint32 u = 1; } \
                    confluent.type.Decimal d = 1 [(confluent.field_meta) = \
                    { params: [{ value: \"4\", key: \"precision\" }, { value: \"2\", key: \"scale\" }]}]; \
                    google.protobuf.Int32Value w = 2; Suit s = 3; \
                    repeated In ins = 4; map<int64, google.protobuf.Timestamp> m = 5; optional float f = 6; }";
        let schema = ProtoSchema::compile(text, &[]).unwrap();
        let inner = SqlType::Struct(vec![col("u", SqlType::Bigint)]);
        let expected = SqlType::Struct(vec![
            col("d", SqlType::Decimal { precision: Some(4), scale: Some(2) }),
            col("w", SqlType::Integer),
            col("s", SqlType::String),
            col("ins", SqlType::Array(Box::new(inner.clone()))),
            col("m", SqlType::Map(Box::new(SqlType::Bigint), Box::new(SqlType::Timestamp))),
            col("f", SqlType::Double),
        ]);
        assert_eq!(schema.sql_type(None).unwrap(), expected);
        assert_eq!(schema.sql_type(Some("M.In")).unwrap(), inner);
        assert!(schema.sql_type(Some("Nope")).is_err());
    }

    #[test]
    fn self_nesting_messages_and_decimals_without_precision_are_refused() {
        let text = "syntax = \"proto3\"; import \"confluent/type/decimal.proto\";\n\
                    message Node { Node next = 1; }\nmessage D { confluent.type.Decimal d = 1; }";
        let schema = ProtoSchema::compile(text, &[]).unwrap();
        assert!(schema.sql_type(None).unwrap_err().contains("deeper"));
        assert!(schema.sql_type(Some("D")).unwrap_err().contains("precision"));
    }
}
