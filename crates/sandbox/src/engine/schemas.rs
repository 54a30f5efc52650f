//! The schemas of the sources the engine creates, registered in the Schema Registry as
//! ksqlDB registers them: a CREATE ... AS SELECT registers its sink's key and value schemas
//! (refused when incompatible with the subject's earlier versions); a CREATE with declared
//! columns registers them when the topic's subject has none yet. A source named by
//! KEY_SCHEMA_ID / VALUE_SCHEMA_ID uses that schema and registers nothing.

use super::{EResult, Engine, EngineError};
use crate::catalog::Source;
use crate::schema_registry::generate::schema_for;
use crate::schema_registry::SchemaRegistry;
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
    pub(super) fn register_source_schemas(&mut self, src: &Source, props: &Props, how: Registration) -> EResult<()> {
        for is_key in [true, false] {
            let (format, id_prop) =
                if is_key { (&src.key_format, "KEY_SCHEMA_ID") } else { (&src.value_format, "VALUE_SCHEMA_ID") };
            let Format::Schema(sf) = format else { continue };
            if props.get(id_prop).is_some() {
                continue;
            }
            let columns = if is_key { src.key_columns() } else { src.value_columns() };
            if columns.is_empty() {
                continue;
            }
            // An unwrapped single value is registered as its column's type.
            let single = is_key || !src.value_wrapped();
            if *sf == SchemaFormat::Avro {
                check_avro_names(&columns)?;
            }
            let Some((schema_type, text)) = schema_for(*sf, &columns, single) else { continue };
            let subject = SchemaRegistry::subject_for(&src.topic, is_key);
            if how == Registration::IfAbsent && self.schema_registry.topic_schema(&src.topic, is_key).is_some() {
                continue;
            }
            self.schema_registry
                .register(&subject, schema_type, &text, vec![], None)
                .map_err(|e| EngineError::statement(format!("Could not register schema for topic: {}", e.message)))?;
        }
        Ok(())
    }
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
