//! Avro values to and from the JSON form the sandbox's records hold, guided by the schema:
//! unions pick their branch by the value, DECIMAL is bytes with the schema's scale, DATE,
//! TIME and TIMESTAMP use Avro's logical types (micros become millis, the sandbox's unit),
//! record fields match by name (exactly, else ignoring case, as ksqlDB matches columns), and
//! an array of Connect's `MapEntry` records stands for a map, as Connect's AvroData writes
//! maps whose keys are not strings.

use std::cell::OnceCell;

use apache_avro::schema::{NamesRef, ResolvedSchema};
use apache_avro::types::Value as A;
use apache_avro::Schema;
use serde_json::Value as J;

use crate::types::{base64_decode, base64_encode, double_json, to_record_json, Decimal, Value};

/// Connect's name for the records of a map written as an array.
const MAP_ENTRY: &str = "MapEntry";

/// Named types, to follow a schema's references to types it defined earlier; collected
/// only when a reference is met (most schemas have none, and collecting costs per record).
struct Names<'s> {
    root: &'s Schema,
    named: OnceCell<Result<NamesRef<'s>, String>>,
}

impl<'s> Names<'s> {
    fn of(root: &'s Schema) -> Self {
        Names { root, named: OnceCell::new() }
    }

    /// The schema itself, or the named type a reference stands for.
    fn deref<'a>(&'a self, s: &'a Schema) -> Result<&'a Schema, String> {
        let Schema::Ref { name } = s else { return Ok(s) };
        let named = self.named.get_or_init(|| {
            ResolvedSchema::try_from(self.root).map(|r| r.get_names().clone()).map_err(|e| e.to_string())
        });
        named.as_ref().map_err(Clone::clone)?.get(name).copied().ok_or_else(|| format!("unknown type {name}"))
    }
}

/// The Avro value of `j` under `schema`.
pub fn json_to_avro(j: &J, schema: &Schema) -> Result<A, String> {
    to_avro(j, schema, &Names::of(schema))
}

/// The JSON form of an Avro value written with `schema`.
pub fn avro_to_json(v: &A, schema: &Schema) -> Result<J, String> {
    to_json(v, schema, &Names::of(schema))
}

fn to_avro(j: &J, schema: &Schema, names: &Names) -> Result<A, String> {
    let schema = names.deref(schema)?;
    let mismatch = || Err(format!("{} does not fit Avro type {}", short(j), kind(schema)));
    Ok(match (schema, j) {
        (Schema::Union(u), J::Null) => {
            let i = u.variants().iter().position(|v| matches!(v, Schema::Null));
            let i = i.ok_or_else(|| format!("null does not fit non-nullable union {}", kind(schema)))?;
            A::Union(i as u32, Box::new(A::Null))
        }
        (Schema::Union(u), j) => {
            let mut last = String::from("empty union");
            for (i, v) in u.variants().iter().enumerate().filter(|(_, v)| !matches!(v, Schema::Null)) {
                match to_avro(j, v, names) {
                    Ok(a) => return Ok(A::Union(i as u32, Box::new(a))),
                    Err(e) => last = e,
                }
            }
            return Err(last);
        }
        (Schema::Null, J::Null) => A::Null,
        (Schema::Boolean, J::Bool(b)) => A::Boolean(*b),
        (Schema::Int, J::Number(_)) => A::Int(int(j)?),
        (Schema::Date, J::Number(_)) => A::Date(int(j)?),
        (Schema::TimeMillis, J::Number(_)) => A::TimeMillis(int(j)?),
        (Schema::TimeMicros, J::Number(_)) => A::TimeMicros(long(j)?.saturating_mul(1000)),
        (Schema::Long, J::Number(_)) => A::Long(long(j)?),
        (Schema::TimestampMillis, J::Number(_)) => A::TimestampMillis(long(j)?),
        (Schema::TimestampMicros, J::Number(_)) => A::TimestampMicros(long(j)?.saturating_mul(1000)),
        (Schema::LocalTimestampMillis, J::Number(_)) => A::LocalTimestampMillis(long(j)?),
        (Schema::LocalTimestampMicros, J::Number(_)) => A::LocalTimestampMicros(long(j)?.saturating_mul(1000)),
        (Schema::Float, j) => A::Float(double(j).ok_or_else(|| mismatch().unwrap_err())? as f32),
        (Schema::Double, j) => A::Double(double(j).ok_or_else(|| mismatch().unwrap_err())?),
        (Schema::String, J::String(s)) => A::String(s.clone()),
        (Schema::Uuid(_), J::String(s)) => A::Uuid(s.parse().map_err(|_| format!("{s:?} is not a UUID"))?),
        (Schema::Enum(e), J::String(s)) => match e.symbols.iter().position(|x| x == s) {
            Some(i) => A::Enum(i as u32, s.clone()),
            None => return Err(format!("{s:?} is not a symbol of enum {}", e.name)),
        },
        (Schema::Bytes, J::String(s)) => A::Bytes(base64_decode(s).ok_or("BYTES not in base64")?),
        (Schema::Fixed(f), J::String(s)) => {
            let b = base64_decode(s).ok_or("BYTES not in base64")?;
            if b.len() != f.size {
                return Err(format!("{} bytes do not fit fixed {} of {} bytes", b.len(), f.name, f.size));
            }
            A::Fixed(f.size, b)
        }
        (Schema::Decimal(d), J::Number(_) | J::String(_)) => {
            let text = j.as_str().map(str::to_string).unwrap_or_else(|| j.to_string());
            let parsed = Decimal::parse(&text).ok_or_else(|| format!("{text} is not a decimal"))?;
            let scaled =
                parsed.rescale(d.scale as u32).ok_or_else(|| format!("{text} does not fit scale {}", d.scale))?;
            A::Decimal(apache_avro::Decimal::from(signed_bytes(scaled.unscaled())))
        }
        (Schema::Array(a), J::Array(items)) => {
            A::Array(items.iter().map(|x| to_avro(x, &a.items, names)).collect::<Result<_, _>>()?)
        }
        (Schema::Array(a), J::Object(entries)) if is_map_entry(names.deref(&a.items)?) => A::Array(
            entries
                .iter()
                .map(|(k, v)| to_avro(&serde_json::json!({"key": k, "value": v}), &a.items, names))
                .collect::<Result<_, _>>()?,
        ),
        (Schema::Map(m), J::Object(entries)) => A::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_avro(v, &m.types, names)?)))
                .collect::<Result<_, String>>()?,
        ),
        (Schema::Record(r), J::Object(fields)) => {
            let mut out = Vec::with_capacity(r.fields.len());
            for f in &r.fields {
                let given = fields
                    .get(&f.name)
                    .or_else(|| fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(&f.name)).map(|(_, v)| v));
                // A field the record lacks, or a null for a field that cannot hold one: its
                // default, else null (as Connect's AvroData converts).
                let value = match (given, &f.default) {
                    (Some(J::Null), Some(default)) if !nullable(&f.schema) => default_value(default, &f.schema, names),
                    (Some(v), _) => to_avro(v, &f.schema, names),
                    (None, Some(default)) => default_value(default, &f.schema, names),
                    (None, None) => to_avro(&J::Null, &f.schema, names),
                }
                .map_err(|e| format!("field {}: {e}", f.name))?;
                out.push((f.name.clone(), value));
            }
            A::Record(out)
        }
        _ => return mismatch(),
    })
}

/// A field's default: Avro gives a union's default for its first branch.
fn default_value(default: &J, schema: &Schema, names: &Names) -> Result<A, String> {
    match names.deref(schema)? {
        Schema::Union(u) if !u.variants().is_empty() => {
            Ok(A::Union(0, Box::new(to_avro(default, &u.variants()[0], names)?)))
        }
        _ => to_avro(default, schema, names),
    }
}

fn nullable(s: &Schema) -> bool {
    match s {
        Schema::Null => true,
        Schema::Union(u) => u.variants().iter().any(|v| matches!(v, Schema::Null)),
        _ => false,
    }
}

fn to_json(v: &A, schema: &Schema, names: &Names) -> Result<J, String> {
    let schema = names.deref(schema)?;
    Ok(match (v, schema) {
        (A::Union(i, inner), Schema::Union(u)) => {
            let branch = u.variants().get(*i as usize).ok_or_else(|| format!("union branch {i} out of range"))?;
            return to_json(inner, branch, names);
        }
        (A::Null, _) => J::Null,
        (A::Boolean(b), _) => J::Bool(*b),
        (A::Int(i) | A::Date(i) | A::TimeMillis(i), _) => J::from(*i),
        (A::Long(i) | A::TimestampMillis(i) | A::LocalTimestampMillis(i), _) => J::from(*i),
        (A::TimeMicros(i) | A::TimestampMicros(i) | A::LocalTimestampMicros(i), _) => J::from(i.div_euclid(1000)),
        (A::TimestampNanos(i) | A::LocalTimestampNanos(i), _) => J::from(i.div_euclid(1_000_000)),
        (A::Float(f), _) => double_json(*f as f64),
        (A::Double(f), _) => double_json(*f),
        (A::Bytes(b) | A::Fixed(_, b), _) => J::String(base64_encode(b)),
        (A::String(s) | A::Enum(_, s), _) => J::String(s.clone()),
        (A::Uuid(u), _) => J::String(u.to_string()),
        (A::Decimal(d), Schema::Decimal(ds)) => {
            let bytes = <Vec<u8>>::try_from(d).map_err(|e| e.to_string())?;
            let unscaled = from_signed_bytes(&bytes).ok_or("DECIMAL wider than 38 digits")?;
            to_record_json(&Value::Decimal(Decimal::new(unscaled, ds.scale as u32)))
        }
        (A::Array(items), Schema::Array(a)) => {
            if let Schema::Record(entry) = names.deref(&a.items)? {
                if is_map_entry(&Schema::Record(entry.clone())) {
                    return map_from_entries(items, &a.items, names);
                }
            }
            J::Array(items.iter().map(|x| to_json(x, &a.items, names)).collect::<Result<_, _>>()?)
        }
        (A::Map(m), Schema::Map(ms)) => {
            // Avro maps are unordered; sorted keys give one text for one map.
            let sorted: std::collections::BTreeMap<&String, &A> = m.iter().collect();
            J::Object(
                sorted
                    .into_iter()
                    .map(|(k, x)| Ok((k.clone(), to_json(x, &ms.types, names)?)))
                    .collect::<Result<_, String>>()?,
            )
        }
        (A::Record(fields), Schema::Record(r)) => {
            let mut out = serde_json::Map::new();
            for ((name, x), f) in fields.iter().zip(&r.fields) {
                out.insert(name.clone(), to_json(x, &f.schema, names)?);
            }
            J::Object(out)
        }
        (v, s) => return Err(format!("cannot read Avro {v:?} as {}", kind(s))),
    })
}

fn map_from_entries(items: &[A], entry_schema: &Schema, names: &Names) -> Result<J, String> {
    let mut out = serde_json::Map::new();
    for item in items {
        let J::Object(mut entry) = to_json(item, entry_schema, names)? else { continue };
        let key = match entry.remove("key") {
            Some(J::String(s)) => s,
            Some(other) => other.to_string(),
            None => continue,
        };
        out.insert(key, entry.remove("value").unwrap_or(J::Null));
    }
    Ok(J::Object(out))
}

fn is_map_entry(s: &Schema) -> bool {
    match s {
        Schema::Record(r) => {
            r.name.name() == MAP_ENTRY
                && r.fields.len() == 2
                && r.fields[0].name == "key"
                && r.fields[1].name == "value"
        }
        _ => false,
    }
}

fn int(j: &J) -> Result<i32, String> {
    let i = long(j)?;
    i32::try_from(i).map_err(|_| format!("{i} does not fit Avro int"))
}

fn long(j: &J) -> Result<i64, String> {
    j.as_i64().ok_or_else(|| format!("{} is not an integer", short(j)))
}

/// A number, or the names Java gives the non-finite doubles (as the JSON form holds them).
pub(super) fn double(j: &J) -> Option<f64> {
    match j {
        J::Number(n) => n.as_f64(),
        J::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// The shortest big-endian two's complement bytes of `n` (Avro's decimal bytes).
pub(super) fn signed_bytes(n: i128) -> Vec<u8> {
    let all = n.to_be_bytes();
    let fill = if n < 0 { 0xFF } else { 0x00 };
    let mut start = 0;
    // Drop a leading fill byte while the next byte still carries the sign.
    while start < 15 && all[start] == fill && (all[start + 1] & 0x80 == fill & 0x80) {
        start += 1;
    }
    all[start..].to_vec()
}

pub(super) fn from_signed_bytes(b: &[u8]) -> Option<i128> {
    if b.is_empty() {
        return Some(0);
    }
    if b.len() > 16 {
        return None;
    }
    let fill = if b[0] & 0x80 != 0 { 0xFF } else { 0x00 };
    let mut all = [fill; 16];
    all[16 - b.len()..].copy_from_slice(b);
    Some(i128::from_be_bytes(all))
}

fn kind(s: &Schema) -> String {
    let text = serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
    short(&J::String(text)).trim_matches('"').to_string()
}

/// A value in an error, cut to a readable length.
fn short(j: &J) -> String {
    let text = j.to_string();
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn decimal_bytes_are_minimal_twos_complement() {
        for (n, bytes) in
            [(0i128, vec![0u8]), (1, vec![1]), (-1, vec![0xFF]), (128, vec![0, 128]), (-129, vec![0xFF, 0x7F])]
        {
            assert_eq!(signed_bytes(n), bytes, "{n}");
            assert_eq!(from_signed_bytes(&bytes), Some(n));
        }
        assert_eq!(from_signed_bytes(&signed_bytes(i128::MIN)), Some(i128::MIN));
        assert_eq!(from_signed_bytes(&[1; 17]), None);
    }

    #[test]
    fn unordered_avro_maps_read_in_key_order() {
        let schema = Schema::parse_str(r#"{"type": "map", "values": "int"}"#).unwrap();
        let m: HashMap<String, A> = [("b".to_string(), A::Int(2)), ("a".to_string(), A::Int(1))].into();
        assert_eq!(avro_to_json(&A::Map(m), &schema).unwrap().to_string(), r#"{"a":1,"b":2}"#);
    }
}
