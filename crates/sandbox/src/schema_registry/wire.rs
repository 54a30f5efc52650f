//! Confluent's wire format, as Confluent's serializers write AVRO, JSON_SR and PROTOBUF
//! records: byte 0 (the magic byte), the schema's global id as 4 big-endian bytes, then the
//! Avro binary encoding of the record against that schema, its JSON text, or the message
//! indexes and the protobuf binary encoding of the message (`proto_schema`).
//!
//! A source bound to a schema ([`WireBinding`]) writes with that schema and reads each record
//! by the id the record carries (the writer's schema), looked up in the registry's schemas.
//!
//! Records go through JSON as the JSON format holds values (TIMESTAMP as epoch millis, BYTES
//! as base64, DECIMAL as an exact number), so the JSON format's lenient reading of columns
//! applies alike to every format.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::Value as J;

use super::avro_json::{avro_to_json, json_to_avro};
use super::proto_json::{json_to_message, message_to_json};
use super::proto_schema::{read_indexes, write_indexes, ProtoSchema};
use super::SchemaType;

/// Byte 0 of every record in the wire format.
pub const MAGIC_BYTE: u8 = 0;
/// Magic byte and schema id.
const HEADER_LEN: usize = 5;

/// A registered schema, parsed once for the records that use it.
#[derive(Debug)]
pub enum WireSchema {
    Avro(apache_avro::Schema),
    /// JSON Schema: records are JSON text; the schema's `properties` name the fields.
    Json(J),
    Protobuf(ProtoSchema),
    /// A schema that cannot be read here (e.g. one with references to other subjects).
    Unusable(String),
}

impl WireSchema {
    fn parse(t: SchemaType, text: &str, references: &[(String, String)]) -> WireSchema {
        match t {
            SchemaType::Avro => match apache_avro::Schema::parse_str(text) {
                Ok(s) => WireSchema::Avro(s),
                Err(e) => WireSchema::Unusable(format!("its AVRO schema cannot be read here: {e}")),
            },
            SchemaType::Json => WireSchema::Json(serde_json::from_str(text).unwrap_or(J::Null)),
            SchemaType::Protobuf => match ProtoSchema::compile(text, references) {
                Ok(s) => WireSchema::Protobuf(s),
                Err(e) => WireSchema::Unusable(format!("its PROTOBUF schema cannot be read here: {e}")),
            },
        }
    }
}

/// The registry's schemas by id, shared with the sources bound to them: schemas are never
/// changed once registered, and an id stays readable after its subject versions are deleted.
#[derive(Debug, Clone, Default)]
pub struct WireSchemas(Arc<RwLock<BTreeMap<u32, Arc<WireSchema>>>>);

impl WireSchemas {
    /// `references`: the (import name, text) of the schemas this one imports.
    pub(super) fn insert(&self, id: u32, t: SchemaType, text: &str, references: &[(String, String)]) {
        let parsed = Arc::new(WireSchema::parse(t, text, references));
        self.0.write().unwrap_or_else(|e| e.into_inner()).insert(id, parsed);
    }

    pub fn get(&self, id: u32) -> Option<Arc<WireSchema>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }

    /// A binding to schema `id`, if registered.
    pub fn bind(&self, id: u32) -> Option<WireBinding> {
        self.bind_message(id, None)
    }

    /// A binding to schema `id` that writes its message `full_name` (PROTOBUF; None: the first).
    pub fn bind_message(&self, id: u32, full_name: Option<&str>) -> Option<WireBinding> {
        let schema = self.get(id)?;
        let message = full_name.map(str::to_string);
        Some(WireBinding(Arc::new(Binding { id, schema, message, schemas: self.clone() })))
    }
}

/// Where a source's key or value records find their schemas: the one it writes with (the
/// subject's schema the source uses) and the registry's schemas, to read by a record's id.
#[derive(Clone)]
pub struct WireBinding(Arc<Binding>);

struct Binding {
    id: u32,
    schema: Arc<WireSchema>,
    /// The PROTOBUF message records are written as, by full name (None: the file's first).
    message: Option<String>,
    schemas: WireSchemas,
}

impl std::fmt::Debug for WireBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WireBinding(schema id {})", self.0.id)
    }
}

/// A binding says where records find their schema, not what the format is: two sources in
/// one format compare equal whatever schemas they are bound to (CREATE OR REPLACE compares
/// a new, not yet bound source with the old one).
impl PartialEq for WireBinding {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for WireBinding {}

impl WireBinding {
    pub fn schema_id(&self) -> u32 {
        self.0.id
    }

    /// A record holding `payload` (a bare value, or an object of fields when the schema is a
    /// record), written with the bound schema.
    pub fn encode(&self, payload: &J) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(64);
        out.push(MAGIC_BYTE);
        out.extend_from_slice(&self.0.id.to_be_bytes());
        match &*self.0.schema {
            WireSchema::Avro(schema) => {
                let value = json_to_avro(payload, schema)
                    .map_err(|e| format!("Failed to serialize AVRO record (schema id {}): {e}", self.0.id))?;
                // The value was built from the schema, branch by branch: validating it again
                // would double the cost of every record.
                let writer = apache_avro::writer::datum::GenericDatumWriter::builder(schema)
                    .validate(false)
                    .build()
                    .and_then(|w| w.write_value_to_vec(value))
                    .map_err(|e| format!("Failed to serialize AVRO record (schema id {}): {e}", self.0.id))?;
                out.extend_from_slice(&writer);
            }
            WireSchema::Json(schema) => {
                let filled = with_absent_properties(payload, schema);
                serde_json::to_writer(&mut out, filled.as_ref().unwrap_or(payload)).map_err(|e| e.to_string())?;
            }
            WireSchema::Protobuf(schema) => {
                encode_protobuf(schema, self.0.message.as_deref(), payload, &mut out)
                    .map_err(|e| format!("Failed to serialize PROTOBUF record (schema id {}): {e}", self.0.id))?;
            }
            WireSchema::Unusable(why) => {
                return Err(format!("Failed to serialize record: schema id {} unusable: {why}", self.0.id))
            }
        }
        Ok(out)
    }

    /// A record's content as JSON, decoded with the schema its header names.
    pub fn decode(&self, bytes: &[u8]) -> Result<J, String> {
        decode(&self.0.schemas, bytes)
    }
}

/// The schema id a wire-format record names, or why it is not one.
pub fn schema_id(bytes: &[u8]) -> Result<u32, String> {
    if bytes.len() < HEADER_LEN || bytes[0] != MAGIC_BYTE {
        return Err(format!(
            "Failed to deserialize record: Unknown magic byte! (a Schema Registry record starts with byte 0 and a \
             4-byte schema id; got {} bytes starting 0x{})",
            bytes.len(),
            hex::encode(&bytes[..bytes.len().min(HEADER_LEN)])
        ));
    }
    Ok(u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]))
}

/// Decodes a wire-format record by the schema its header names into JSON.
pub fn decode(schemas: &WireSchemas, bytes: &[u8]) -> Result<J, String> {
    let id = schema_id(bytes)?;
    let schema = schemas
        .get(id)
        .ok_or_else(|| format!("Failed to deserialize record: Schema {id} not found; error code: 40403"))?;
    let mut body = &bytes[HEADER_LEN..];
    match &*schema {
        WireSchema::Avro(s) => {
            let fail = |e: String| format!("Failed to deserialize AVRO record (schema id {id}): {e}");
            let reader =
                apache_avro::reader::datum::GenericDatumReader::builder(s).build().map_err(|e| fail(e.to_string()))?;
            let value = reader.read_value(&mut body).map_err(|e| fail(e.to_string()))?;
            avro_to_json(&value, s).map_err(fail)
        }
        WireSchema::Json(_) => serde_json::from_slice(body)
            .map_err(|e| format!("Failed to deserialize JSON_SR record (schema id {id}): Invalid JSON: {e}")),
        WireSchema::Protobuf(s) => {
            decode_protobuf(s, body).map_err(|e| format!("Failed to deserialize PROTOBUF record (schema id {id}): {e}"))
        }
        WireSchema::Unusable(why) => Err(format!("Failed to deserialize record: schema id {id} unusable: {why}")),
    }
}

/// The message indexes and protobuf binary encoding of `payload` as the schema's message
/// `full_name` (None: its first); a bare value is the single field of a one-field message
/// (an unwrapped key or value).
fn encode_protobuf(
    schema: &ProtoSchema,
    full_name: Option<&str>,
    payload: &J,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let message = match full_name {
        Some(n) => schema.find_message(n).ok_or_else(|| format!("no message {n} in the schema"))?,
        None => schema.first_message().ok_or("the schema defines no message")?,
    };
    write_indexes(&schema.indexes_of(&message).ok_or("message outside the schema")?, out);
    let wrapped;
    let payload = match (payload, message.fields().next()) {
        (J::Object(_), _) | (J::Null, _) => payload,
        (bare, Some(only)) if message.fields().len() == 1 => {
            wrapped = J::Object([(only.name().to_string(), bare.clone())].into_iter().collect());
            &wrapped
        }
        _ => return Err(format!("a bare value does not fit message {}", message.full_name())),
    };
    prost::Message::encode(&json_to_message(payload, &message)?, out).map_err(|e| e.to_string())
}

/// A record's body after the header: its message indexes, then the message.
fn decode_protobuf(schema: &ProtoSchema, body: &[u8]) -> Result<J, String> {
    let (indexes, message_bytes) = read_indexes(body)?;
    let message =
        schema.message_at(&indexes).ok_or_else(|| format!("no message at indexes {indexes:?} in the schema"))?;
    decode_protobuf_message(&message, message_bytes)
}

/// A message's protobuf binary encoding as JSON (PROTOBUF_NOSR records are this alone).
pub fn decode_protobuf_message(message: &prost_reflect::MessageDescriptor, bytes: &[u8]) -> Result<J, String> {
    let decoded = prost_reflect::DynamicMessage::decode(message.clone(), bytes).map_err(|e| e.to_string())?;
    message_to_json(&decoded)
}

/// PRINT's text of a wire-format record: the decoded record as the format's deserializer
/// shows it (Avro's `{"A": 1, "B": "x"}`, compact JSON for JSON_SR); None when the bytes
/// are not such a record.
pub fn print_text(schemas: &WireSchemas, bytes: &[u8]) -> Option<String> {
    let id = schema_id(bytes).ok()?;
    let schema = schemas.get(id)?;
    let j = decode(schemas, bytes).ok()?;
    Some(match &*schema {
        WireSchema::Avro(_) => avro_text(&j),
        _ => j.to_string(),
    })
}

/// Avro's GenericRecord text: JSON with a space after `:` and `,`.
fn avro_text(j: &J) -> String {
    match j {
        J::Object(o) => {
            let fields: Vec<String> =
                o.iter().map(|(k, v)| format!("{}: {}", J::from(k.as_str()), avro_text(v))).collect();
            format!("{{{}}}", fields.join(", "))
        }
        J::Array(a) => format!("[{}]", a.iter().map(avro_text).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// The object with the schema's properties it lacks added as null (their default when the
/// schema gives one), as a serializer writing the registered schema does; None: unchanged.
fn with_absent_properties(payload: &J, schema: &J) -> Option<J> {
    let (J::Object(fields), Some(J::Object(props))) = (payload, schema.get("properties")) else { return None };
    let absent: Vec<(&String, &J)> =
        props.iter().filter(|(name, _)| !fields.keys().any(|f| f.eq_ignore_ascii_case(name))).collect();
    if absent.is_empty() {
        return None;
    }
    let mut filled = fields.clone();
    for (name, prop) in absent {
        filled.insert(name.clone(), prop.get("default").cloned().unwrap_or(J::Null));
    }
    Some(J::Object(filled))
}
