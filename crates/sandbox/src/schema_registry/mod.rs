//! The sandbox's Schema Registry: what Confluent Schema Registry holds for a real deployment
//! (subjects, their versions, schemas by global id, compatibility levels), in memory. The
//! engine reads it to infer the columns of AVRO, PROTOBUF and JSON_SR sources and registers
//! the schemas of the sources it creates; `server::schema_registry` serves its REST API.
//! Records of AVRO, JSON_SR and PROTOBUF sources are written and read by these schemas (`wire`).
//!
//! Subjects follow the TopicNameStrategy ksqlDB uses: `<topic>-key` and `<topic>-value`.

mod avro_json;
mod compat;
pub mod generate;
mod proto_json;
pub mod proto_schema;
mod proto_types;
pub mod wire;

use std::collections::BTreeMap;

use serde_json::Value as J;

pub use compat::Compatibility;
pub use wire::{WireBinding, WireSchemas};

/// The schema languages Schema Registry knows (`schemaType`; AVRO when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaType {
    Avro,
    Protobuf,
    Json,
}

impl SchemaType {
    pub fn parse(s: &str) -> Option<SchemaType> {
        match s.to_ascii_uppercase().as_str() {
            "AVRO" => Some(SchemaType::Avro),
            "PROTOBUF" => Some(SchemaType::Protobuf),
            "JSON" => Some(SchemaType::Json),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SchemaType::Avro => "AVRO",
            SchemaType::Protobuf => "PROTOBUF",
            SchemaType::Json => "JSON",
        }
    }
}

/// One schema, under its global id.
#[derive(Debug, Clone)]
pub struct StoredSchema {
    pub id: u32,
    pub schema_type: SchemaType,
    /// The schema as registered (Schema Registry returns the text it was given).
    pub text: String,
    /// Its identity: the Parsing Canonical Form for AVRO, compact JSON for JSON Schema, the
    /// trimmed text for PROTOBUF. Registering an equal schema again gives the same id.
    canonical: String,
    /// References (name, subject, version) to schemas it imports.
    pub references: Vec<SchemaReference>,
}

impl StoredSchema {
    /// The schema as the engine's type mapping reads it: JSON for AVRO and JSON Schema,
    /// the text for PROTOBUF.
    pub fn document(&self) -> J {
        match self.schema_type {
            SchemaType::Protobuf => J::String(self.text.clone()),
            _ => serde_json::from_str(&self.text).unwrap_or(J::String(self.text.clone())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaReference {
    pub name: String,
    pub subject: String,
    pub version: u32,
}

/// A subject's versions: version `n` is `ids[n - 1]`; deleted versions are `None`.
#[derive(Debug, Clone, Default)]
struct Subject {
    ids: Vec<Option<u32>>,
    compatibility: Option<Compatibility>,
}

impl Subject {
    fn live(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.ids.iter().enumerate().filter_map(|(i, id)| id.map(|id| (i as u32 + 1, id)))
    }
}

/// An error as Schema Registry reports it: an error code whose first three digits are the
/// HTTP status, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    pub code: u32,
    pub message: String,
}

impl RegistryError {
    fn new(code: u32, message: impl Into<String>) -> Self {
        RegistryError { code, message: message.into() }
    }

    pub fn subject_not_found(subject: &str) -> Self {
        RegistryError::new(40401, format!("Subject '{subject}' not found."))
    }

    pub fn status(&self) -> u16 {
        let status = if self.code >= 10_000 { self.code / 100 } else { self.code };
        status as u16
    }
}

/// At most this many schemas (every buffer has a bound).
const MAX_SCHEMAS: usize = 100_000;
/// At most this many bytes of schema text per schema.
pub const MAX_SCHEMA_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Default)]
pub struct SchemaRegistry {
    schemas: BTreeMap<u32, StoredSchema>,
    subjects: BTreeMap<String, Subject>,
    compatibility: Compatibility,
    /// The schemas parsed for records in the wire format, shared with the sources using them.
    wire: WireSchemas,
}

impl SchemaRegistry {
    /// The subject of a topic's key or value schema.
    pub fn subject_for(topic: &str, is_key: bool) -> String {
        format!("{topic}-{}", if is_key { "key" } else { "value" })
    }

    /// Subjects with at least one live version, in name order.
    pub fn subjects(&self) -> Vec<String> {
        self.subjects.iter().filter(|(_, s)| s.live().next().is_some()).map(|(n, _)| n.clone()).collect()
    }

    pub fn versions(&self, subject: &str) -> Result<Vec<u32>, RegistryError> {
        let versions: Vec<u32> = self.subject(subject)?.live().map(|(v, _)| v).collect();
        Ok(versions)
    }

    fn subject(&self, subject: &str) -> Result<&Subject, RegistryError> {
        self.subjects
            .get(subject)
            .filter(|s| s.live().next().is_some())
            .ok_or_else(|| RegistryError::subject_not_found(subject))
    }

    /// A version of a subject (`None`: the latest), as (version, schema).
    pub fn version(&self, subject: &str, version: Option<u32>) -> Result<(u32, &StoredSchema), RegistryError> {
        let s = self.subject(subject)?;
        let found = match version {
            None => s.live().last(),
            Some(v) => s.live().find(|(n, _)| *n == v),
        };
        let (v, id) = found.ok_or_else(|| {
            RegistryError::new(
                40402,
                format!("Version {} not found.", version.map_or("latest".into(), |v| v.to_string())),
            )
        })?;
        Ok((v, &self.schemas[&id]))
    }

    /// The latest schema of a topic's key or value subject, if one is registered.
    pub fn topic_schema(&self, topic: &str, is_key: bool) -> Option<&StoredSchema> {
        self.version(&Self::subject_for(topic, is_key), None).ok().map(|(_, s)| s)
    }

    /// The schemas by id as records in the wire format read them.
    pub fn wire_schemas(&self) -> &WireSchemas {
        &self.wire
    }

    pub fn by_id(&self, id: u32) -> Result<&StoredSchema, RegistryError> {
        self.schemas.get(&id).ok_or_else(|| RegistryError::new(40403, format!("Schema {id} not found")))
    }

    /// The (subject, version) pairs that use schema `id`.
    pub fn usages(&self, id: u32) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        for (name, s) in &self.subjects {
            out.extend(s.live().filter(|(_, i)| *i == id).map(|(v, _)| (name.clone(), v)));
        }
        out
    }

    /// The id the next new schema gets when none is asked for.
    pub fn next_id(&self) -> u32 {
        self.schemas.keys().next_back().map_or(1, |n| n + 1)
    }

    /// Checks and canonicalizes a schema text of type `t`.
    fn canonical(t: SchemaType, text: &str) -> Result<String, RegistryError> {
        if text.len() > MAX_SCHEMA_BYTES {
            return Err(RegistryError::new(
                42201,
                format!("Invalid schema: larger than the sandbox's limit of {MAX_SCHEMA_BYTES} bytes"),
            ));
        }
        let invalid = |e: String| RegistryError::new(42201, format!("Invalid schema {text}, details: {e}"));
        match t {
            SchemaType::Avro => {
                apache_avro::Schema::parse_str(text).map(|s| s.canonical_form()).map_err(|e| invalid(e.to_string()))
            }
            SchemaType::Json => {
                serde_json::from_str::<J>(text).map(|j| j.to_string()).map_err(|e| invalid(e.to_string()))
            }
            SchemaType::Protobuf => {
                if text.trim().is_empty() {
                    return Err(invalid("empty PROTOBUF schema".into()));
                }
                Ok(text.trim().to_string())
            }
        }
    }

    /// The subject's version holding this schema, if registered there (POST /subjects/{s}).
    pub fn lookup(&self, subject: &str, t: SchemaType, text: &str) -> Result<(u32, &StoredSchema), RegistryError> {
        let canonical = Self::canonical(t, text)?;
        let s = self.subject(subject)?;
        s.live()
            .find(|(_, id)| self.schemas[id].canonical == canonical && self.schemas[id].schema_type == t)
            .map(|(v, id)| (v, &self.schemas[&id]))
            .ok_or_else(|| RegistryError::new(40403, "Schema not found"))
    }

    /// The (import name, text) of the schemas `references` name.
    fn reference_texts(&self, references: &[SchemaReference]) -> Vec<(String, String)> {
        let text = |r: &SchemaReference| self.version(&r.subject, Some(r.version)).ok().map(|(_, s)| s.text.clone());
        references.iter().filter_map(|r| Some((r.name.clone(), text(r)?))).collect()
    }

    /// Registers a schema under a subject: the id of an equal schema already there, else a
    /// new version after the compatibility check. `id` asks for a given global id (what a
    /// schema carries when it is imported, as ksqlDB's tests do).
    pub fn register(
        &mut self,
        subject: &str,
        t: SchemaType,
        text: &str,
        references: Vec<SchemaReference>,
        id: Option<u32>,
    ) -> Result<u32, RegistryError> {
        let canonical = Self::canonical(t, text)?;
        for r in &references {
            self.version(&r.subject, Some(r.version))
                .map_err(|_| RegistryError::new(42201, format!("Invalid schema: reference {} not found", r.subject)))?;
        }
        if let Ok(s) = self.subject(subject) {
            if let Some((_, existing)) =
                s.live().find(|(_, i)| self.schemas[i].canonical == canonical && self.schemas[i].schema_type == t)
            {
                return Ok(existing);
            }
            self.check_compatibility(subject, t, text, None)?;
        }
        let id = match id {
            Some(id) => id,
            None => match self.schemas.values().find(|s| s.canonical == canonical && s.schema_type == t) {
                Some(s) => s.id,
                None => self.next_id(),
            },
        };
        if !self.schemas.contains_key(&id) {
            if self.schemas.len() >= MAX_SCHEMAS {
                return Err(RegistryError::new(50001, format!("The sandbox holds at most {MAX_SCHEMAS} schemas")));
            }
            self.wire.insert(id, t, text, &self.reference_texts(&references));
            let stored = StoredSchema { id, schema_type: t, text: text.to_string(), canonical, references };
            self.schemas.insert(id, stored);
        }
        self.subjects.entry(subject.to_string()).or_default().ids.push(Some(id));
        Ok(id)
    }

    /// Whether `text` may follow the subject's versions under its compatibility level;
    /// `version` (None: per the level, the latest or all) is the one to check against.
    pub fn check_compatibility(
        &self,
        subject: &str,
        t: SchemaType,
        text: &str,
        version: Option<u32>,
    ) -> Result<(), RegistryError> {
        let level = self.compatibility_of(subject);
        let s = self.subject(subject)?;
        let previous: Vec<&StoredSchema> = match version {
            Some(v) => vec![self.version(subject, Some(v))?.1],
            None if level.transitive() => s.live().map(|(_, id)| &self.schemas[&id]).collect(),
            None => s.live().last().map(|(_, id)| &self.schemas[&id]).into_iter().collect(),
        };
        for old in previous {
            compat::check(level, t, text, old).map_err(|reason| {
                RegistryError::new(
                    409,
                    format!(
                        "Schema being registered is incompatible with an earlier schema for subject \"{subject}\", \
                         details: [{reason}]"
                    ),
                )
            })?;
        }
        Ok(())
    }

    /// Deletes a subject's versions (all, or one); returns the versions deleted.
    pub fn delete(&mut self, subject: &str, version: Option<u32>) -> Result<Vec<u32>, RegistryError> {
        let versions = match version {
            Some(v) => vec![self.version(subject, Some(v))?.0],
            None => self.versions(subject)?,
        };
        let s = self.subjects.get_mut(subject).ok_or_else(|| RegistryError::subject_not_found(subject))?;
        for v in &versions {
            s.ids[*v as usize - 1] = None;
        }
        Ok(versions)
    }

    pub fn global_compatibility(&self) -> Compatibility {
        self.compatibility
    }

    pub fn set_global_compatibility(&mut self, c: Compatibility) {
        self.compatibility = c;
    }

    /// A subject's own level, if it has one.
    pub fn subject_compatibility(&self, subject: &str) -> Option<Compatibility> {
        self.subjects.get(subject).and_then(|s| s.compatibility)
    }

    pub fn set_subject_compatibility(&mut self, subject: &str, c: Compatibility) {
        self.subjects.entry(subject.to_string()).or_default().compatibility = Some(c);
    }

    fn compatibility_of(&self, subject: &str) -> Compatibility {
        self.subject_compatibility(subject).unwrap_or(self.compatibility)
    }
}

#[cfg(test)]
mod proto_wire_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;
