//! Protobuf messages to and from the JSON form the sandbox's records hold, guided by the
//! message's descriptor, as Confluent's Protobuf converter maps them to Connect's types:
//! fields match by name (exactly, else ignoring case); a field without presence reads back
//! as its proto3 default (a null is written as the default); a message field, an `optional`
//! field or a wrapper (`google.protobuf.Int32Value`, ...) absent reads as null; DECIMAL is
//! `confluent.type.Decimal` (big-endian two's complement unscaled value and its scale),
//! TIMESTAMP `google.protobuf.Timestamp`, DATE `google.type.Date`, TIME `google.type.TimeOfDay`;
//! maps are repeated key/value entries (proto's `map<,>`); enums read as their names.

use prost::bytes::Bytes;
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage, Value as P};
use serde_json::Value as J;

use super::avro_json::{double, from_signed_bytes, signed_bytes};
use crate::types::{base64_decode, base64_encode, double_json, to_record_json, Decimal, Value};

const TIMESTAMP: &str = "google.protobuf.Timestamp";
const DATE: &str = "google.type.Date";
const TIME_OF_DAY: &str = "google.type.TimeOfDay";
const DECIMAL: &str = "confluent.type.Decimal";
/// Messages nested deeper than this are refused (a decoder's recursion has a bound).
const MAX_DEPTH: usize = 64;

/// The message `j` (an object of fields) stands for under `desc`.
pub fn json_to_message(j: &J, desc: &MessageDescriptor) -> Result<DynamicMessage, String> {
    to_message(j, desc, 0)
}

/// The JSON form of a decoded message.
pub fn message_to_json(m: &DynamicMessage) -> Result<J, String> {
    from_message(m, 0)
}

fn to_message(j: &J, desc: &MessageDescriptor, depth: usize) -> Result<DynamicMessage, String> {
    if depth > MAX_DEPTH {
        return Err(format!("messages nested deeper than {MAX_DEPTH}"));
    }
    let mut m = DynamicMessage::new(desc.clone());
    if let Some(special) = to_special(j, desc)? {
        return Ok(special);
    }
    if is_wrapper(desc) {
        let field = desc.get_field(1).ok_or("wrapper without field 1")?;
        m.set_field(&field, to_value(j, &field, depth)?);
        return Ok(m);
    }
    let J::Object(fields) = j else {
        return Err(format!("{} does not fit message {}", short(j), desc.full_name()));
    };
    for field in desc.fields() {
        let name = field.name();
        let given = fields.get(name).or_else(|| fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|x| x.1));
        match given {
            None | Some(J::Null) => {}
            Some(v) => {
                let value = to_value(v, &field, depth).map_err(|e| format!("field {name}: {e}"))?;
                m.set_field(&field, value);
            }
        }
    }
    Ok(m)
}

/// A field's value: a list, a map, or one value of the field's kind.
fn to_value(j: &J, field: &FieldDescriptor, depth: usize) -> Result<P, String> {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else { return Err("map field without entry".into()) };
        let (key_field, value_field) = (entry.map_entry_key_field(), entry.map_entry_value_field());
        let J::Object(entries) = j else { return Err(format!("{} is not a map", short(j))) };
        let mut out = std::collections::HashMap::with_capacity(entries.len());
        for (k, v) in entries {
            let value = one_or_default(v, &value_field.kind(), depth)?;
            out.insert(map_key(k, &key_field.kind())?, value);
        }
        return Ok(P::Map(out));
    }
    if field.is_list() {
        let J::Array(items) = j else { return Err(format!("{} is not an array", short(j))) };
        return items.iter().map(|x| one_or_default(x, &field.kind(), depth)).collect::<Result<_, _>>().map(P::List);
    }
    one(j, &field.kind(), depth)
}

/// A null inside a list or map cannot be written: it becomes the kind's default.
fn one_or_default(j: &J, kind: &Kind, depth: usize) -> Result<P, String> {
    match (j, kind) {
        (J::Null, Kind::Message(m)) => Ok(P::Message(DynamicMessage::new(m.clone()))),
        (J::Null, Kind::Enum(e)) => Ok(P::EnumNumber(e.default_value().number())),
        (J::Null, k) => Ok(P::default_value(k)),
        (j, k) => one(j, k, depth),
    }
}

fn one(j: &J, kind: &Kind, depth: usize) -> Result<P, String> {
    let mismatch = || format!("{} does not fit protobuf type {kind:?}", short(j));
    let int = || j.as_i64().ok_or_else(mismatch);
    Ok(match kind {
        Kind::Bool => P::Bool(j.as_bool().ok_or_else(mismatch)?),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => P::I32(i32::try_from(int()?).map_err(|_| mismatch())?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => P::I64(int()?),
        Kind::Uint32 | Kind::Fixed32 => P::U32(u32::try_from(int()?).map_err(|_| mismatch())?),
        Kind::Uint64 | Kind::Fixed64 => P::U64(j.as_u64().ok_or_else(mismatch)?),
        Kind::Float => P::F32(double(j).ok_or_else(mismatch)? as f32),
        Kind::Double => P::F64(double(j).ok_or_else(mismatch)?),
        Kind::String => P::String(j.as_str().ok_or_else(mismatch)?.to_string()),
        Kind::Bytes => {
            P::Bytes(Bytes::from(base64_decode(j.as_str().ok_or_else(mismatch)?).ok_or("BYTES not in base64")?))
        }
        Kind::Enum(e) => {
            let named = j.as_str().and_then(|s| e.get_value_by_name(s));
            let value = named.or_else(|| j.as_i64().and_then(|n| e.get_value(i32::try_from(n).ok()?)));
            P::EnumNumber(value.ok_or_else(mismatch)?.number())
        }
        Kind::Message(m) => P::Message(to_message(j, m, depth + 1)?),
    })
}

fn map_key(k: &str, kind: &Kind) -> Result<MapKey, String> {
    let bad = || format!("map key {k:?} does not fit protobuf type {kind:?}");
    Ok(match kind {
        Kind::String => MapKey::String(k.to_string()),
        Kind::Bool => MapKey::Bool(k.parse().map_err(|_| bad())?),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => MapKey::I32(k.parse().map_err(|_| bad())?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => MapKey::I64(k.parse().map_err(|_| bad())?),
        Kind::Uint32 | Kind::Fixed32 => MapKey::U32(k.parse().map_err(|_| bad())?),
        Kind::Uint64 | Kind::Fixed64 => MapKey::U64(k.parse().map_err(|_| bad())?),
        _ => return Err(bad()),
    })
}

/// The messages that stand for a SQL type of their own (see the module's notes).
fn to_special(j: &J, desc: &MessageDescriptor) -> Result<Option<DynamicMessage>, String> {
    let mut m = DynamicMessage::new(desc.clone());
    let mut set = |name: &str, v: P| -> Result<(), String> {
        let field = desc.get_field_by_name(name).ok_or_else(|| format!("{} without field {name}", desc.full_name()))?;
        m.set_field(&field, v);
        Ok(())
    };
    let whole = |j: &J| j.as_i64().ok_or_else(|| format!("{} is not an integer", short(j)));
    match desc.full_name() {
        TIMESTAMP => {
            let millis = whole(j)?;
            set("seconds", P::I64(millis.div_euclid(1000)))?;
            set("nanos", P::I32((millis.rem_euclid(1000) * 1_000_000) as i32))?;
        }
        DATE => {
            let day = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::try_days(whole(j).ok()?)?));
            let day = day.ok_or_else(|| format!("{} is not a date", short(j)))?;
            use chrono::Datelike;
            set("year", P::I32(day.year()))?;
            set("month", P::I32(day.month() as i32))?;
            set("day", P::I32(day.day() as i32))?;
        }
        TIME_OF_DAY => {
            let millis = whole(j)?;
            let secs = millis.div_euclid(1000);
            set("hours", P::I32((secs / 3600) as i32))?;
            set("minutes", P::I32((secs / 60 % 60) as i32))?;
            set("seconds", P::I32((secs % 60) as i32))?;
            set("nanos", P::I32((millis.rem_euclid(1000) * 1_000_000) as i32))?;
        }
        DECIMAL => {
            let text = j.as_str().map(str::to_string).unwrap_or_else(|| j.to_string());
            let d = Decimal::parse(&text).ok_or_else(|| format!("{text} is not a decimal"))?;
            set("value", P::Bytes(Bytes::from(signed_bytes(d.unscaled()))))?;
            set("precision", P::U32(text.chars().filter(char::is_ascii_digit).count().max(1) as u32))?;
            set("scale", P::I32(d.scale as i32))?;
        }
        _ => return Ok(None),
    }
    Ok(Some(m))
}

fn is_wrapper(desc: &MessageDescriptor) -> bool {
    desc.full_name().starts_with("google.protobuf.") && desc.full_name().ends_with("Value") && desc.fields().len() == 1
}

fn from_message(m: &DynamicMessage, depth: usize) -> Result<J, String> {
    if depth > MAX_DEPTH {
        return Err(format!("messages nested deeper than {MAX_DEPTH}"));
    }
    let desc = m.descriptor();
    let field_int = |name: &str| -> i64 {
        match m.get_field_by_name(name).as_deref() {
            Some(P::I32(i)) => *i as i64,
            Some(P::I64(i)) => *i,
            Some(P::U32(i)) => *i as i64,
            _ => 0,
        }
    };
    match desc.full_name() {
        TIMESTAMP => return Ok(J::from(field_int("seconds") * 1000 + field_int("nanos") / 1_000_000)),
        DATE => {
            let (y, mo, d) = (field_int("year"), field_int("month"), field_int("day"));
            let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)
                .ok_or_else(|| format!("{y}-{mo}-{d} is not a date"))?;
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).ok_or("no epoch")?;
            return Ok(J::from((date - epoch).num_days()));
        }
        TIME_OF_DAY => {
            let secs = field_int("hours") * 3600 + field_int("minutes") * 60 + field_int("seconds");
            return Ok(J::from(secs * 1000 + field_int("nanos") / 1_000_000));
        }
        DECIMAL => {
            let bytes = match m.get_field_by_name("value").as_deref() {
                Some(P::Bytes(b)) => b.to_vec(),
                _ => Vec::new(),
            };
            let unscaled = from_signed_bytes(&bytes).ok_or("DECIMAL wider than 38 digits")?;
            let scale = u32::try_from(field_int("scale")).map_err(|_| "negative DECIMAL scale")?;
            return Ok(to_record_json(&Value::Decimal(Decimal::new(unscaled, scale))));
        }
        _ => {}
    }
    if is_wrapper(&desc) {
        let field = desc.get_field(1).ok_or("wrapper without field 1")?;
        return from_value(&m.get_field(&field), &field.kind(), depth);
    }
    let mut out = serde_json::Map::new();
    for field in desc.fields() {
        let value = if field.supports_presence() && !m.has_field(&field) {
            J::Null
        } else {
            from_value(&m.get_field(&field), &field.kind(), depth)?
        };
        out.insert(field.name().to_string(), value);
    }
    Ok(J::Object(out))
}

fn from_value(v: &P, kind: &Kind, depth: usize) -> Result<J, String> {
    Ok(match v {
        P::Bool(b) => J::Bool(*b),
        P::I32(i) => J::from(*i),
        P::I64(i) => J::from(*i),
        P::U32(i) => J::from(*i),
        P::U64(i) => J::from(*i),
        P::F32(f) => double_json(*f as f64),
        P::F64(f) => double_json(*f),
        P::String(s) => J::String(s.clone()),
        P::Bytes(b) => J::String(base64_encode(b)),
        P::EnumNumber(n) => match kind {
            Kind::Enum(e) => e.get_value(*n).map_or_else(|| J::from(*n), |x| J::String(x.name().to_string())),
            _ => J::from(*n),
        },
        P::Message(m) => from_message(m, depth + 1)?,
        P::List(items) => J::Array(items.iter().map(|x| from_value(x, kind, depth)).collect::<Result<_, _>>()?),
        P::Map(entries) => {
            let value_kind = match kind {
                Kind::Message(entry) => entry.map_entry_value_field().kind(),
                other => other.clone(),
            };
            // Protobuf maps are unordered; sorted keys give one text for one map.
            let mut sorted: Vec<(String, &P)> = entries.iter().map(|(k, v)| (map_key_text(k), v)).collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            let fields = sorted.into_iter().map(|(k, v)| Ok((k, from_value(v, &value_kind, depth)?)));
            J::Object(fields.collect::<Result<_, String>>()?)
        }
    })
}

fn map_key_text(k: &MapKey) -> String {
    match k {
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(i) => i.to_string(),
        MapKey::I64(i) => i.to_string(),
        MapKey::U32(i) => i.to_string(),
        MapKey::U64(i) => i.to_string(),
        MapKey::String(s) => s.clone(),
    }
}

/// A value in an error, cut to a readable length.
fn short(j: &J) -> String {
    let text = j.to_string();
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}
