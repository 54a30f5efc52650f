//! Compatibility levels and checks, as Schema Registry applies them when a new version of a
//! subject is registered. AVRO schemas are checked by Avro's schema resolution (the
//! apache-avro crate's reader/writer check); JSON Schema and PROTOBUF rules are not
//! implemented, so a change of those under a level other than NONE is refused with a
//! message saying so, never accepted unchecked.

use super::{SchemaType, StoredSchema};

/// Schema Registry's compatibility levels (BACKWARD by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compatibility {
    #[default]
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
    None,
}

impl Compatibility {
    pub fn parse(s: &str) -> Option<Compatibility> {
        Some(match s.to_ascii_uppercase().as_str() {
            "BACKWARD" => Compatibility::Backward,
            "BACKWARD_TRANSITIVE" => Compatibility::BackwardTransitive,
            "FORWARD" => Compatibility::Forward,
            "FORWARD_TRANSITIVE" => Compatibility::ForwardTransitive,
            "FULL" => Compatibility::Full,
            "FULL_TRANSITIVE" => Compatibility::FullTransitive,
            "NONE" => Compatibility::None,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Compatibility::Backward => "BACKWARD",
            Compatibility::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Compatibility::Forward => "FORWARD",
            Compatibility::ForwardTransitive => "FORWARD_TRANSITIVE",
            Compatibility::Full => "FULL",
            Compatibility::FullTransitive => "FULL_TRANSITIVE",
            Compatibility::None => "NONE",
        }
    }

    /// Checked against every earlier version, not only the latest.
    pub fn transitive(self) -> bool {
        matches!(
            self,
            Compatibility::BackwardTransitive | Compatibility::ForwardTransitive | Compatibility::FullTransitive
        )
    }

    /// The new schema must read data the old one wrote.
    fn backward(self) -> bool {
        !matches!(self, Compatibility::Forward | Compatibility::ForwardTransitive | Compatibility::None)
    }

    /// The old schema must read data the new one writes.
    fn forward(self) -> bool {
        !matches!(self, Compatibility::Backward | Compatibility::BackwardTransitive | Compatibility::None)
    }
}

/// Whether schema `text` (type `t`) may follow `old` under `level`; the reason when not.
pub(super) fn check(level: Compatibility, t: SchemaType, text: &str, old: &StoredSchema) -> Result<(), String> {
    if level == Compatibility::None {
        return Ok(());
    }
    if t != old.schema_type {
        return Err(format!(
            "Incompatible because of different schema type: {} and {}",
            old.schema_type.name(),
            t.name()
        ));
    }
    if t != SchemaType::Avro {
        return Err(format!(
            "the sandbox checks the compatibility of AVRO schemas only: set the subject's compatibility to NONE \
             to register this {} schema",
            t.name()
        ));
    }
    let parse = |s: &str| apache_avro::Schema::parse_str(s).map_err(|e| e.to_string());
    let (new, old) = (parse(text)?, parse(&old.text)?);
    let can_read = |writer: &apache_avro::Schema, reader: &apache_avro::Schema, what: &str| {
        apache_avro::schema_compatibility::SchemaCompatibility::can_read(writer, reader)
            .map(|_| ())
            .map_err(|e| format!("{what}: {e}"))
    };
    if level.backward() {
        can_read(&old, &new, "the new schema cannot read data written with the old one")?;
    }
    if level.forward() {
        can_read(&new, &old, "the old schema cannot read data written with the new one")?;
    }
    Ok(())
}
