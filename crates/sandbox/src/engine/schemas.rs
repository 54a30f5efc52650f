//! The schemas of the sources the engine creates, registered in the Schema Registry as
//! ksqlDB registers them: a CREATE ... AS SELECT registers its sink's key and value schemas
//! (refused when incompatible with the subject's earlier versions); a CREATE with declared
//! columns registers them when the topic's subject has none yet. A source named by
//! KEY_SCHEMA_ID / VALUE_SCHEMA_ID uses that schema and registers nothing.

use super::{EResult, Engine, EngineError};
use crate::catalog::Source;
use crate::schema_registry::generate::{avro_record_name, named_schema_for, ProtoNullable};
use crate::schema_registry::{SchemaRegistry, SchemaType, WireBinding};
use crate::sql::ast::Props;
use crate::topics::{Format, SchemaFormat};
use crate::types::SqlType;

/// How a source's schemas are registered.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Registration {
    /// A sink of a persistent query: always, checked for compatibility.
    Sink,
    /// A declared source: only where the subject has no schema yet.
    IfAbsent,
}

impl Engine {
    /// Registers the source's key and value schemas (per `how`) and binds its AVRO, JSON_SR and
    /// PROTOBUF formats to the schema its records use, so they are written in the wire format.
    pub(super) fn register_source_schemas(
        &mut self,
        src: &mut Source,
        props: &Props,
        how: Registration,
    ) -> EResult<()> {
        for is_key in [true, false] {
            let (format, id_prop) =
                if is_key { (&src.key_format, "KEY_SCHEMA_ID") } else { (&src.value_format, "VALUE_SCHEMA_ID") };
            let Format::Schema(sf, _) = format else { continue };
            let sf = *sf;
            let columns = if is_key { src.key_columns() } else { src.value_columns() };
            let full_name = props.get_str(if is_key { "KEY_SCHEMA_FULL_NAME" } else { "VALUE_SCHEMA_FULL_NAME" });
            let given_id = props.get(id_prop).and_then(|v| v.as_string().trim().parse::<u32>().ok());
            let id = match given_id {
                Some(id) => Some(id),
                None if columns.is_empty() => None,
                None => {
                    let part = if is_key { "KEY" } else { "VALUE" };
                    let nullable = props.get_str(&format!("{part}_PROTOBUF_NULLABLE_REPRESENTATION"));
                    let naming = (sf, full_name.as_deref(), ProtoNullable::parse(nullable.as_deref()));
                    self.register_columns(src, naming, &columns, is_key, how)?
                }
            };
            let binding = id.filter(|_| wire_format(sf)).and_then(|id| self.bind(id, sf, full_name.as_deref()));
            let format = if is_key { &mut src.key_format } else { &mut src.value_format };
            *format = Format::Schema(sf, binding);
        }
        Ok(())
    }

    /// Registers a key's or value's columns as their subject's schema (per `how`); the id of
    /// the schema the source then uses (its subject's latest when one was there already).
    fn register_columns(
        &mut self,
        src: &Source,
        (sf, full_name, nullable): (SchemaFormat, Option<&str>, ProtoNullable),
        columns: &[(String, SqlType)],
        is_key: bool,
        how: Registration,
    ) -> EResult<Option<u32>> {
        // An unwrapped single value is registered as its column's type.
        let single = is_key || !src.value_wrapped();
        if sf == SchemaFormat::Avro {
            check_avro_names(columns)?;
        }
        let record = avro_record_name(&src.name, is_key);
        let Some((schema_type, text)) = named_schema_for(sf, columns, single, &record, full_name, nullable) else {
            return Ok(None);
        };
        if how == Registration::IfAbsent {
            if let Some(existing) = self.schema_registry.topic_schema(&src.topic, is_key) {
                return Ok(Some(existing.id));
            }
        }
        let subject = SchemaRegistry::subject_for(&src.topic, is_key);
        self.schema_registry
            .register(&subject, schema_type, &text, vec![], None)
            .map(Some)
            .map_err(|e| EngineError::statement(format!("Could not register schema for topic: {}", e.message)))
    }

    /// A binding to schema `id` when it is in the format's schema language.
    /// `full_name`: the PROTOBUF message its records are (None: the schema's first).
    fn bind(&self, id: u32, sf: SchemaFormat, full_name: Option<&str>) -> Option<WireBinding> {
        let stored = self.schema_registry.by_id(id).ok()?;
        let language = match sf {
            SchemaFormat::Avro => SchemaType::Avro,
            SchemaFormat::Protobuf | SchemaFormat::ProtobufNoSr => SchemaType::Protobuf,
            SchemaFormat::JsonSr => SchemaType::Json,
        };
        (stored.schema_type == language)
            .then(|| self.schema_registry.wire_schemas().bind_message(id, full_name))
            .flatten()
    }
}

/// The formats whose records are in Confluent's wire format here. PROTOBUF_NOSR records have
/// no header and their schema is not registered: they stay in the JSON form for now.
fn wire_format(sf: SchemaFormat) -> bool {
    matches!(sf, SchemaFormat::Avro | SchemaFormat::JsonSr | SchemaFormat::Protobuf)
}

/// AVRO names start with a letter or `_` and go on with letters, digits and `_` (Avro's
/// rule, in the words of its Java library, which ksqlDB reports).
fn check_avro_names(columns: &[(String, SqlType)]) -> EResult<()> {
    for (name, ty) in columns {
        let mut chars = name.chars();
        let refused = match chars.next() {
            Some(c) if !(c.is_ascii_alphabetic() || c == '_') => Some("Illegal initial character"),
            _ if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') => Some("Illegal character in"),
            _ => None,
        };
        if let Some(what) = refused {
            return Err(EngineError::statement(format!("Schema is not compatible with Avro: {what}: {name}")));
        }
        match ty {
            SqlType::Struct(fields) => check_avro_names(fields)?,
            SqlType::Array(e) | SqlType::Map(_, e) => check_avro_names(&[(String::from("_"), (**e).clone())])?,
            _ => {}
        }
    }
    Ok(())
}
