//! Whether a source's key and value formats can hold its columns (ksqlDB's rules and
//! messages), and the formats a WITH clause names.

use super::{EResult, Engine, EngineError, Session};
use crate::catalog::{ColKind, Column};
use crate::sql::ast::Props;
use crate::topics::{Format, SchemaFormat};
use crate::types::SqlType;

impl Engine {
    pub(super) fn formats(
        &self,
        props: &Props,
        default_key: Option<&Format>,
        default_value: Option<&Format>,
    ) -> EResult<(Format, Format)> {
        let delim = props.get_str("VALUE_DELIMITER");
        let kdelim = props.get_str("KEY_DELIMITER");
        if let Some(f) = props.get_str("FORMAT") {
            for both in ["KEY_FORMAT", "VALUE_FORMAT"] {
                if props.get(both).is_some() {
                    return Err(EngineError::statement(format!(
                        "Cannot supply both '{both}' and 'FORMAT' properties, as 'FORMAT' sets both key and value \
                         formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'."
                    )));
                }
            }
            let k = Format::parse(&f, kdelim.as_deref()).map_err(EngineError::statement)?;
            let v = Format::parse(&f, delim.as_deref()).map_err(EngineError::statement)?;
            return Ok((k, v));
        }
        let missing = "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or \
                       set a default via the 'ksql.persistence.default.format.value' config.";
        let value = match (props.get_str("VALUE_FORMAT"), default_value) {
            (Some(f), _) => Format::parse(&f, delim.as_deref()).map_err(EngineError::statement)?,
            // A CREATE ... AS SELECT may change only the inherited format's delimiter.
            (None, Some(Format::Delimited(_))) if delim.is_some() => {
                Format::parse("DELIMITED", delim.as_deref()).map_err(EngineError::statement)?
            }
            (None, Some(f)) => f.clone(),
            (None, None) => return Err(EngineError::statement(missing)),
        };
        if delim.is_some() && !matches!(value, Format::Delimited(_)) {
            return Err(EngineError::statement(format!(
                "{} does not support the following configs: [delimiter]",
                value.name()
            )));
        }
        let key = match props.get_str("KEY_FORMAT") {
            Some(f) => Format::parse(&f, kdelim.as_deref()).map_err(EngineError::statement)?,
            None => default_key.cloned().unwrap_or(Format::Kafka),
        };
        Ok((key, value))
    }
}

fn non_string_map_key(t: &SqlType) -> bool {
    match t {
        SqlType::Map(k, v) => **k != SqlType::String || non_string_map_key(v),
        SqlType::Array(e) => non_string_map_key(e),
        SqlType::Struct(f) => f.iter().any(|(_, t)| non_string_map_key(t)),
        _ => false,
    }
}

pub(crate) fn contains_map(t: &SqlType) -> bool {
    match t {
        SqlType::Map(..) => true,
        SqlType::Array(e) => contains_map(e),
        SqlType::Struct(f) => f.iter().any(|(_, t)| contains_map(t)),
        _ => false,
    }
}

/// Checks that the key and value formats can hold the columns (ksqlDB's rules and messages):
/// no maps in keys, KAFKA one field of a primitive type, DELIMITED no nested types, NONE no
/// columns, WRAP_SINGLE_VALUE only where the format can wrap.
pub(super) fn check_formats(
    key_format: &Format,
    value_format: &Format,
    columns: &[Column],
    wrap: Option<bool>,
) -> EResult<()> {
    for c in columns.iter().filter(|c| c.kind == ColKind::Key) {
        if contains_map(&c.ty) {
            return Err(EngineError::statement(format!(
                "Map keys, including types that contain maps, are not supported as they may lead to unexpected \
                 behavior due to inconsistent serialization. Key column name: `{}`. Column type: {}. See \
                 https://github.com/confluentinc/ksql/issues/6621 for more.",
                c.name, c.ty
            )));
        }
    }
    for (is_key, format) in [(true, key_format), (false, value_format)] {
        let msg = match format {
            Format::Json | Format::Schema(SchemaFormat::JsonSr, _) => "JSON only supports MAP types with STRING keys",
            Format::Schema(SchemaFormat::Avro, _) => "Avro only supports MAPs with STRING keys",
            Format::Schema(..) => "PROTOBUF format only supports MAP types with STRING keys",
            _ => continue,
        };
        if columns
            .iter()
            .filter(|c| (c.kind == ColKind::Key) == is_key && !matches!(c.kind, ColKind::Header(_)))
            .any(|c| non_string_map_key(&c.ty))
        {
            return Err(EngineError::statement(msg));
        }
    }
    if wrap.is_some() && columns.iter().filter(|c| c.kind == ColKind::Value).count() > 1 {
        return Err(EngineError::statement("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"));
    }
    if let Some(w) = wrap {
        match value_format {
            Format::Kafka | Format::Delimited(_) | Format::None if w => {
                return Err(EngineError::statement(format!(
                    "Format '{}' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
                    value_format.name()
                )))
            }
            Format::Schema(SchemaFormat::Protobuf | SchemaFormat::ProtobufNoSr, _) if !w => {
                return Err(EngineError::statement(format!(
                    "Format '{}' does not support 'WRAP_SINGLE_VALUE' set to 'false'.",
                    value_format.name()
                )))
            }
            _ => {}
        }
    }
    for (is_key, format) in [(true, key_format), (false, value_format)] {
        let cols: Vec<&Column> =
            columns.iter().filter(|c| if is_key { c.kind == ColKind::Key } else { c.kind == ColKind::Value }).collect();
        let listed = cols
            .iter()
            .map(|c| format!("`{}` {}{}", c.name, c.ty, if is_key { " KEY" } else { "" }))
            .collect::<Vec<_>>()
            .join(", ");
        let reason = match format {
            Format::None if !cols.is_empty() => {
                return Err(EngineError::statement(format!(
                    "The 'NONE' format can only be used when no columns are defined. Got: [{listed}]"
                )));
            }
            Format::Kafka if cols.len() > 1 => {
                Some(format!("The 'KAFKA' format only supports a single field. Got: [{listed}]"))
            }
            Format::Kafka => cols
                .iter()
                .find(|c| {
                    matches!(
                        c.ty,
                        SqlType::Boolean
                            | SqlType::Decimal { .. }
                            | SqlType::Array(_)
                            | SqlType::Map(..)
                            | SqlType::Struct(_)
                    )
                })
                .map(|c| format!("The 'KAFKA' format does not support type '{}'", type_kind(&c.ty))),
            Format::Delimited(_) => cols
                .iter()
                .find(|c| matches!(c.ty, SqlType::Array(_) | SqlType::Map(..) | SqlType::Struct(_)))
                .map(|c| {
                    format!("The 'DELIMITED' format does not support type '{}', column: `{}`", type_kind(&c.ty), c.name)
                }),
            _ => None,
        };
        if let Some(r) = reason {
            return Err(EngineError::statement(format!(
                "{} format does not support schema.\nformat: {}\n\
                 schema: Persistence{{columns=[{listed}], features=[]}}\nreason: {r}",
                if is_key { "Key" } else { "Value" },
                format.name()
            )));
        }
    }
    Ok(())
}

fn type_kind(t: &SqlType) -> &'static str {
    match t {
        SqlType::Boolean => "BOOLEAN",
        SqlType::Decimal { .. } => "DECIMAL",
        SqlType::Array(_) => "ARRAY",
        SqlType::Map(..) => "MAP",
        SqlType::Struct(_) => "STRUCT",
        _ => "OTHER",
    }
}

/// WRAP_SINGLE_VALUE when a statement leaves it out, as ksqlDB's default value wrapping: the
/// session's `ksql.persistence.wrap.single.values`, for a single value column in a format that
/// supports that wrapping; None (the format's own default) otherwise.
pub(super) fn default_value_wrapping(session: &Session, format: &Format, columns: &[Column]) -> Option<bool> {
    let wrap = session.property("ksql.persistence.wrap.single.values")?.trim().to_ascii_lowercase().parse().ok()?;
    let single = columns.iter().filter(|c| c.kind == ColKind::Value).count() == 1;
    let supported = match format {
        Format::Json | Format::Schema(SchemaFormat::Avro | SchemaFormat::JsonSr, _) => true,
        Format::Schema(SchemaFormat::Protobuf | SchemaFormat::ProtobufNoSr, _) => wrap,
        Format::Kafka | Format::Delimited(_) => !wrap,
        Format::None => false,
    };
    (single && supported).then_some(wrap)
}
