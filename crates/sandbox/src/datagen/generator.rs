//! Draws records for a quickstart, the way Datagen's Avro random generator does: one JSON
//! object per record (what Kafka Connect's JsonConverter writes with schemas off) and its
//! key, the key field's value as a string.
//!
//! The draws come from a seeded PCG generator, so a seed makes the output reproducible.

use std::collections::HashMap;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde_json::{Map, Number, Value as J};

use super::catalogs;
use super::schema::{Catalog, Field, Kind, Num, Prim, Quickstart};

/// Longest run a regex's `*`, `+` or `{n,}` draws: Datagen's regexes are short patterns.
const MAX_REGEX_REPEAT: u32 = 8;

pub struct Generator {
    pub quickstart: &'static Quickstart,
    key_field: String,
    rng: Pcg64Mcg,
    /// Next value of each `iteration` field, by the address of its (static) field: nested
    /// kinds are promoted constants the compiler may merge, fields are distinct.
    iterations: HashMap<usize, i64>,
    regexes: HashMap<&'static str, rand_regex::Regex>,
    /// The records a catalog quickstart picks from (parsed once).
    catalog: Vec<J>,
    decimals: DecimalFormat,
}

/// How a DECIMAL value is written: Kafka Connect's JsonConverter writes base64 of the
/// unscaled bytes unless `decimal.format` is NUMERIC; Avro values carry the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalFormat {
    Base64,
    Numeric,
}

impl Generator {
    /// A generator for `quickstart`; `key_field` overrides its key field (`schema.keyfield`).
    /// Fails when the key field is not a top-level field.
    pub fn new(quickstart: &'static Quickstart, key_field: Option<&str>, seed: u64) -> Result<Generator, String> {
        let key_field = key_field.unwrap_or(quickstart.key_field).to_string();
        if !quickstart.fields.iter().any(|f| f.name == key_field) {
            let names: Vec<&str> = quickstart.fields.iter().map(|f| f.name).collect();
            return Err(format!(
                "schema.keyfield '{key_field}' is not a field of quickstart '{}' (its fields: {})",
                quickstart.name,
                names.join(", ")
            ));
        }
        let mut regexes = HashMap::new();
        collect_regexes(quickstart.fields, &mut regexes)?;
        let catalog = match quickstart.catalog {
            None => Vec::new(),
            Some(Catalog::Generated(c)) => catalogs::records(c).to_vec(),
            Some(Catalog::Fixed(texts)) => texts
                .iter()
                .map(|t| {
                    serde_json::from_str(t)
                        .map_err(|e| format!("quickstart '{}': bad catalog record {t}: {e}", quickstart.name))
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Generator {
            quickstart,
            key_field,
            rng: Pcg64Mcg::seed_from_u64(seed),
            iterations: HashMap::new(),
            regexes,
            catalog,
            decimals: DecimalFormat::Base64,
        })
    }

    /// Writes DECIMAL fields in `format` (base64 unless told otherwise, as JsonConverter).
    pub fn with_decimals(mut self, format: DecimalFormat) -> Generator {
        self.decimals = format;
        self
    }

    /// The next record's key (the key field's value; null when the record has none) and value.
    pub fn next_record(&mut self) -> (J, J) {
        let value = if self.catalog.is_empty() {
            self.record(self.quickstart.fields)
        } else {
            // A catalog quickstart draws a whole record, written in its schema's field order.
            let entry = self.catalog[self.rng.random_range(0..self.catalog.len())].clone();
            let fields = self
                .quickstart
                .fields
                .iter()
                .map(|f| (f.name.to_string(), entry.get(f.name).cloned().unwrap_or(J::Null)));
            J::Object(fields.collect())
        };
        let key = value.get(&self.key_field).cloned().unwrap_or(J::Null);
        (key, value)
    }

    /// A random number below `bound` (for the interval between records).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.rng.random_range(0..bound)
        }
    }

    fn record(&mut self, fields: &'static [Field]) -> J {
        let mut obj = Map::new();
        for f in fields {
            let v = self.value(&f.kind, f as *const Field as usize);
            obj.insert(f.name.to_string(), v);
        }
        J::Object(obj)
    }

    /// A value of `kind`; `slot` names the field it is for (the key of its iteration counter).
    fn value(&mut self, kind: &'static Kind, slot: usize) -> J {
        match kind {
            Kind::Iteration { num, start, step, restart } => {
                let current = *self.iterations.get(&slot).unwrap_or(start);
                let mut next = current.saturating_add(*step);
                if let Some(r) = restart {
                    if (*step >= 0 && next >= *r) || (*step < 0 && next <= *r) {
                        next = *start;
                    }
                }
                self.iterations.insert(slot, next);
                number(*num, current as f64, current)
            }
            Kind::StrIteration { start, step } => {
                let current = *self.iterations.get(&slot).unwrap_or(start);
                self.iterations.insert(slot, current.saturating_add(*step));
                J::String(current.to_string())
            }
            Kind::IntRange { num, min, max } => {
                let v = if max > min { self.rng.random_range(*min..*max) } else { *min };
                number(*num, v as f64, v)
            }
            Kind::FloatRange { num, min, max } => {
                let v = if max > min { self.rng.random_range(*min..*max) } else { *min };
                number(*num, v, v as i64)
            }
            Kind::IntOptions { num, options } => {
                let v = self.pick(options).copied().unwrap_or(0);
                number(*num, v as f64, v)
            }
            Kind::FloatOptions { num, options } => {
                let v = self.pick(options).copied().unwrap_or(0.0);
                number(*num, v, v as i64)
            }
            Kind::StrOptions(options) => J::String(self.pick(options).copied().unwrap_or("").to_string()),
            Kind::Regex(pattern) => {
                // Compiled in `new`; a pattern missing here would be a bug, not bad input.
                let s: String = match self.regexes.get(pattern) {
                    Some(re) => self.rng.sample(re),
                    None => String::new(),
                };
                J::String(s)
            }
            Kind::RandomString { min, max } => {
                const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                let len = self.rng.random_range(*min..=(*max).max(*min));
                let s: String = (0..len).map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char).collect();
                J::String(s)
            }
            Kind::Boolean(options) => match self.pick(options) {
                Some(b) => J::Bool(*b),
                None => J::Bool(self.rng.random_bool(0.5)),
            },
            Kind::TimestampMillis(inner) | Kind::Date(inner) => self.value(inner, slot),
            Kind::Decimal { scale, min, max, .. } => {
                let x = if max > min { self.rng.random_range(*min..*max) } else { *min };
                decimal(x, *scale, self.decimals)
            }
            // Only a catalog quickstart has these fields, and `next_record` fills them.
            Kind::FromCatalog(_) => J::Null,
            Kind::CatalogId(c) => {
                let records = catalogs::records(*c);
                match records.get(self.rng.random_range(0..records.len().max(1))) {
                    Some(r) => r.get("id").cloned().unwrap_or(J::Null),
                    None => J::Null,
                }
            }
            Kind::Record { fields, .. } => self.record(fields),
            Kind::Array { items, min, max } => {
                let len = self.rng.random_range(*min..=(*max).max(*min));
                J::Array((0..len).map(|_| self.value(items, slot)).collect())
            }
            Kind::Nullable { inner, null_percent } => {
                if self.rng.random_range(0..100u8) < *null_percent {
                    J::Null
                } else {
                    self.value(inner, slot)
                }
            }
        }
    }

    fn pick<'a, T>(&mut self, options: &'a [T]) -> Option<&'a T> {
        if options.is_empty() {
            None
        } else {
            options.get(self.rng.random_range(0..options.len()))
        }
    }
}

/// A JSON number of an Avro numeric type: ints and longs as integers, floats and doubles
/// as floating point (a non-finite draw cannot happen from finite ranges; it becomes 0).
fn number(num: Num, float: f64, int: i64) -> J {
    match num {
        Num::Int => J::Number(Number::from(int.clamp(i32::MIN as i64, i32::MAX as i64))),
        Num::Long => J::Number(Number::from(int)),
        Num::Float => J::Number(Number::from_f64((float as f32) as f64).unwrap_or_else(|| Number::from(0))),
        Num::Double => J::Number(Number::from_f64(float).unwrap_or_else(|| Number::from(0))),
    }
}

/// `x` rounded to `scale` digits, as a JSON number written with exactly `scale` decimals, or
/// as base64 of the unscaled value's big-endian two's-complement bytes (Java's
/// BigInteger.toByteArray, what JsonConverter encodes).
pub(super) fn decimal(x: f64, scale: u8, format: DecimalFormat) -> J {
    let unscaled = (x * 10f64.powi(i32::from(scale))).round() as i64;
    match format {
        DecimalFormat::Numeric => {
            let text = format!("{:.*}", usize::from(scale), unscaled as f64 / 10f64.powi(i32::from(scale)));
            serde_json::from_str::<Number>(&text).map(J::Number).unwrap_or(J::Null)
        }
        DecimalFormat::Base64 => {
            use base64::Engine as _;
            let bytes = unscaled.to_be_bytes();
            // Drop leading bytes that only repeat the sign, keeping the sign bit right.
            let mut start = 0;
            while start < 7 {
                let (b, next) = (bytes[start], bytes[start + 1]);
                if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
                    start += 1;
                } else {
                    break;
                }
            }
            J::String(base64::engine::general_purpose::STANDARD.encode(&bytes[start..]))
        }
    }
}

fn collect_regexes(fields: &'static [Field], out: &mut HashMap<&'static str, rand_regex::Regex>) -> Result<(), String> {
    fn walk(kind: &'static Kind, out: &mut HashMap<&'static str, rand_regex::Regex>) -> Result<(), String> {
        match kind {
            Kind::Regex(p) => {
                if !out.contains_key(p) {
                    let re = rand_regex::Regex::compile(p, MAX_REGEX_REPEAT)
                        .map_err(|e| format!("the pattern '{p}' cannot be generated: {e}"))?;
                    out.insert(p, re);
                }
                Ok(())
            }
            Kind::TimestampMillis(inner)
            | Kind::Date(inner)
            | Kind::Array { items: inner, .. }
            | Kind::Nullable { inner, .. } => walk(inner, out),
            Kind::Record { fields, .. } => collect_regexes(fields, out),
            _ => Ok(()),
        }
    }
    for f in fields {
        walk(&f.kind, out)?;
    }
    Ok(())
}

/// The Avro schema of a quickstart's value, as the connector registers it with Schema
/// Registry when its value converter is Avro (`arg.properties` left out: they only steer
/// the generator).
pub fn avro_schema(q: &Quickstart) -> J {
    let (namespace, name) = match q.record_name.rsplit_once('.') {
        Some((ns, n)) => (Some(ns), n),
        None => (None, q.record_name),
    };
    let mut schema = serde_json::json!({"type": "record", "name": name, "fields": avro_fields(q.fields)});
    if let Some(ns) = namespace {
        schema["namespace"] = J::String(ns.to_string());
    }
    schema
}

fn avro_fields(fields: &[Field]) -> Vec<J> {
    fields.iter().map(|f| serde_json::json!({"name": f.name, "type": avro_type(&f.kind)})).collect()
}

fn avro_type(kind: &Kind) -> J {
    let num = |n: &Num| {
        J::String(
            match n {
                Num::Int => "int",
                Num::Long => "long",
                Num::Float => "float",
                Num::Double => "double",
            }
            .into(),
        )
    };
    match kind {
        Kind::Iteration { num: n, .. }
        | Kind::IntRange { num: n, .. }
        | Kind::FloatRange { num: n, .. }
        | Kind::IntOptions { num: n, .. }
        | Kind::FloatOptions { num: n, .. } => num(n),
        Kind::StrOptions(_) | Kind::Regex(_) | Kind::RandomString { .. } | Kind::StrIteration { .. } => {
            J::String("string".into())
        }
        Kind::CatalogId(_) | Kind::FromCatalog(Prim::String) => J::String("string".into()),
        Kind::FromCatalog(Prim::Int) => J::String("int".into()),
        Kind::FromCatalog(Prim::Long) => J::String("long".into()),
        Kind::FromCatalog(Prim::Double) => J::String("double".into()),
        Kind::Date(_) => serde_json::json!({"type": "int", "logicalType": "date"}),
        Kind::Decimal { precision, scale, .. } => {
            serde_json::json!({"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale})
        }
        Kind::Boolean(_) => J::String("boolean".into()),
        Kind::TimestampMillis(_) => serde_json::json!({"type": "long", "logicalType": "timestamp-millis"}),
        Kind::Record { name, fields } => {
            serde_json::json!({"type": "record", "name": name, "fields": avro_fields(fields)})
        }
        Kind::Array { items, .. } => serde_json::json!({"type": "array", "items": avro_type(items)}),
        Kind::Nullable { inner, .. } => serde_json::json!(["null", avro_type(inner)]),
    }
}
