//! Every quickstart's drawn values follow their field's rule: options come from the list,
//! ranges stay in bounds, regexes match, iterations count, nulls only where allowed.

use serde_json::Value as J;

use super::generator::Generator;
use super::quickstarts::QUICKSTARTS;
use super::schema::{Field, Kind, Num, Prim};

/// Checks `v` against `kind`; `path` names the value in the error.
fn conforms(path: &str, kind: &Kind, v: &J) -> Result<(), String> {
    let fail = |why: &str| Err(format!("{path}: {v} {why}"));
    let int = |v: &J, num: Num| -> Option<i64> {
        let n = v.as_i64()?;
        (num != Num::Int || i32::try_from(n).is_ok()).then_some(n)
    };
    match kind {
        Kind::Iteration { num, .. } => int(v, *num).map(|_| ()).ok_or(()).or_else(|_| fail("is not an integer")),
        Kind::IntRange { num, min, max } => match int(v, *num) {
            Some(n) if n >= *min && (n < *max || min == max) => Ok(()),
            _ => fail(&format!("is outside [{min}, {max})")),
        },
        Kind::FloatRange { min, max, .. } => match v.as_f64() {
            // A float draw rounds to f32, which may land on the bound.
            Some(x) if x >= *min - 1e-3 && x <= *max + 1e-3 => Ok(()),
            _ => fail(&format!("is outside [{min}, {max})")),
        },
        Kind::IntOptions { options, num } => match int(v, *num) {
            Some(n) if options.contains(&n) => Ok(()),
            _ => fail("is not one of the options"),
        },
        Kind::FloatOptions { options, .. } => match v.as_f64() {
            Some(x) if options.iter().any(|o| (o - x).abs() < 1e-3) => Ok(()),
            _ => fail("is not one of the options"),
        },
        Kind::StrOptions(options) => match v.as_str() {
            Some(s) if options.contains(&s) => Ok(()),
            _ => fail("is not one of the options"),
        },
        Kind::Regex(p) => {
            let re = regex::Regex::new(&format!("^(?:{p})$")).unwrap();
            match v.as_str() {
                Some(s) if re.is_match(s) => Ok(()),
                _ => fail(&format!("does not match {p}")),
            }
        }
        Kind::RandomString { min, max } => match v.as_str() {
            Some(s) if (*min..=*max).contains(&s.chars().count()) => Ok(()),
            _ => fail("has the wrong length"),
        },
        Kind::Boolean(options) => match v.as_bool() {
            Some(b) if options.is_empty() || options.contains(&b) => Ok(()),
            _ => fail("is not an allowed boolean"),
        },
        Kind::TimestampMillis(inner) | Kind::Date(inner) => conforms(path, inner, v),
        Kind::StrIteration { .. } => match v.as_str().map(str::parse::<i64>) {
            Some(Ok(_)) => Ok(()),
            _ => fail("is not a counter written as text"),
        },
        // JsonConverter's default: base64 of the unscaled value, here at most 4 digits.
        Kind::Decimal { min, max, scale, .. } => {
            use base64::Engine as _;
            let bytes = v.as_str().and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok());
            match bytes {
                Some(b) if !b.is_empty() && b.len() <= 8 => {
                    let mut full = [if b[0] & 0x80 != 0 { 0xff } else { 0 }; 8];
                    full[8 - b.len()..].copy_from_slice(&b);
                    let x = i64::from_be_bytes(full) as f64 / 10f64.powi(i32::from(*scale));
                    if x >= *min && x <= *max {
                        Ok(())
                    } else {
                        fail(&format!("decodes to {x}, outside [{min}, {max})"))
                    }
                }
                _ => fail("is not base64 of a decimal"),
            }
        }
        Kind::FromCatalog(prim) => match (prim, v) {
            (Prim::String, J::String(_)) => Ok(()),
            (Prim::Int | Prim::Long, J::Number(n)) if n.is_i64() => Ok(()),
            (Prim::Double, J::Number(_)) => Ok(()),
            _ => fail(&format!("is not a {prim:?}")),
        },
        Kind::CatalogId(c) => match v.as_str() {
            Some(id) if super::catalogs::records(*c).iter().any(|r| r["id"] == id) => Ok(()),
            _ => fail("is no id of its catalog"),
        },
        Kind::Record { fields, .. } => record(path, fields, v),
        Kind::Array { items, min, max } => match v.as_array() {
            Some(a) if (*min..=*max).contains(&a.len()) => {
                a.iter().enumerate().try_for_each(|(i, x)| conforms(&format!("{path}[{i}]"), items, x))
            }
            _ => fail("is not an array of the right length"),
        },
        Kind::Nullable { inner, .. } => {
            if v.is_null() {
                Ok(())
            } else {
                conforms(path, inner, v)
            }
        }
    }
}

fn record(path: &str, fields: &[Field], v: &J) -> Result<(), String> {
    let Some(obj) = v.as_object() else { return Err(format!("{path}: {v} is not a record")) };
    let names: Vec<&str> = obj.keys().map(String::as_str).collect();
    let expected: Vec<&str> = fields.iter().map(|f| f.name).collect();
    if names != expected {
        return Err(format!("{path}: fields {names:?}, expected {expected:?}"));
    }
    fields.iter().try_for_each(|f| conforms(&format!("{path}.{}", f.name), &f.kind, &obj[f.name]))
}

#[test]
fn every_drawn_value_follows_its_rule() {
    for q in QUICKSTARTS {
        let mut g = Generator::new(q, None, 11).unwrap();
        for i in 0..300 {
            let (_, v) = g.next_record();
            record(q.name, q.fields, &v).unwrap_or_else(|e| panic!("record {i}: {e}"));
        }
    }
}

#[test]
fn iterations_count_from_start_by_step_and_restart() {
    static FIELDS: [Field; 1] =
        [Field { name: "n", kind: Kind::Iteration { num: Num::Long, start: 5, step: 10, restart: Some(35) } }];
    static Q: super::schema::Quickstart =
        super::schema::Quickstart { name: "t", record_name: "t", key_field: "n", fields: &FIELDS, catalog: None };
    let mut g = Generator::new(&Q, None, 0).unwrap();
    let drawn: Vec<i64> = (0..7).map(|_| g.next_record().1["n"].as_i64().unwrap()).collect();
    assert_eq!(drawn, [5, 15, 25, 5, 15, 25, 5]);
    assert_eq!(g.next_record().0, 15, "the key is the key field's value");
}

#[test]
fn options_and_nullable_draws_cover_their_choices() {
    // Over many draws every option appears and a 50 % nullable field is sometimes null.
    static OPTIONS: [&str; 3] = ["MALE", "FEMALE", "OTHER"];
    static FIELDS: [Field; 2] = [
        Field { name: "g", kind: Kind::StrOptions(&OPTIONS) },
        Field {
            name: "x",
            kind: Kind::Nullable { inner: &Kind::IntRange { num: Num::Int, min: 0, max: 3 }, null_percent: 50 },
        },
    ];
    static Q: super::schema::Quickstart =
        super::schema::Quickstart { name: "t", record_name: "t", key_field: "g", fields: &FIELDS, catalog: None };
    let mut g = Generator::new(&Q, None, 9).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut nulls = 0;
    for _ in 0..400 {
        let (_, v) = g.next_record();
        seen.insert(v["g"].as_str().unwrap().to_string());
        nulls += v["x"].is_null() as usize;
    }
    assert_eq!(seen.len(), 3);
    assert!((120..=280).contains(&nulls), "{nulls} nulls of 400 at 50 %");
}

#[test]
fn the_avro_schema_names_every_field_with_its_type() {
    let q = super::find("orders").unwrap();
    let s = super::avro_schema(q);
    assert_eq!(s["type"], "record");
    let names: Vec<&str> = s["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, q.fields.iter().map(|f| f.name).collect::<Vec<_>>());
}

#[test]
fn the_quickstart_table_is_consistent() {
    let mut names = std::collections::BTreeSet::new();
    for q in QUICKSTARTS {
        assert!(names.insert(q.name), "{} twice", q.name);
        assert!(q.fields.iter().any(|f| f.name == q.key_field), "{}: no key field {}", q.name, q.key_field);
        fn ranges_ok(kind: &Kind) -> bool {
            match kind {
                Kind::IntRange { min, max, .. } => min < max,
                Kind::FloatRange { min, max, .. } | Kind::Decimal { min, max, .. } => min < max,
                Kind::TimestampMillis(k) | Kind::Date(k) | Kind::Nullable { inner: k, .. } => ranges_ok(k),
                Kind::Record { fields, .. } => fields.iter().all(|f| ranges_ok(&f.kind)),
                _ => true,
            }
        }
        assert!(q.fields.iter().all(|f| ranges_ok(&f.kind)), "{}: a range is empty", q.name);
        // A catalog quickstart's fields all come from the catalog, and each record has them.
        if q.catalog.is_some() {
            assert!(q.fields.iter().all(|f| matches!(f.kind, Kind::FromCatalog(_))), "{}", q.name);
        }
        Generator::new(q, None, 1).unwrap_or_else(|e| panic!("{}: {e}", q.name));
    }
    for required in [
        "orders",
        "users",
        "pageviews",
        "ratings",
        "clickstream",
        "stock_trades",
        "transactions",
        "purchases",
        "inventory",
        "stores",
        "shoes",
        "shoe_customers",
        "shoe_orders",
    ] {
        assert!(super::find(required).is_some(), "{required} missing");
    }
    assert_eq!(super::find(" PageViews ").map(|q| q.name), Some("pageviews"));
    assert!(super::find("nope").is_none());
}

#[test]
fn generated_catalogs_have_unique_ids_and_stay_the_same() {
    use super::schema::GeneratedCatalog::*;
    let uuid = regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$").unwrap();
    for (c, n) in [(ShoeProducts, 643), (ShoeCustomers, 301)] {
        let records = super::catalogs::records(c);
        assert_eq!(records.len(), n);
        let ids: std::collections::BTreeSet<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), n, "{c:?}: ids repeat");
        assert!(ids.iter().all(|id| uuid.is_match(id)));
    }
    // Made from a fixed seed: generators with any seed draw the catalog's records unchanged.
    let shoes = super::find("shoes").unwrap();
    let products = super::catalogs::records(super::schema::GeneratedCatalog::ShoeProducts);
    for seed in [1, 2] {
        let mut g = Generator::new(shoes, None, seed).unwrap();
        for _ in 0..300 {
            let (key, v) = g.next_record();
            let entry = products.iter().find(|r| r["id"] == key).expect("a catalog id");
            assert_eq!(&v, entry);
        }
    }
}

#[test]
fn decimals_are_base64_of_the_unscaled_bytes_or_numbers() {
    use super::generator::DecimalFormat;
    let purchases = super::find("purchases").unwrap();
    let mut g = Generator::new(purchases, None, 5).unwrap();
    let v = g.next_record().1;
    assert!(v["price_per_unit"].is_string(), "JsonConverter's default is base64: {v}");
    let mut g = Generator::new(purchases, None, 5).unwrap().with_decimals(DecimalFormat::Numeric);
    let v = g.next_record().1;
    let text = v["price_per_unit"].to_string();
    assert!(regex::Regex::new(r"^[1-4][0-9]\.[0-9]{2}$|^50\.00$").unwrap().is_match(&text), "two decimals: {text}");
}

#[test]
fn decimal_bytes_are_minimal_twos_complement_like_javas_biginteger() {
    use super::generator::{decimal, DecimalFormat::*};
    assert_eq!(decimal(12.34, 2, Base64), "BNI="); // 1234 = 0x04D2
    assert_eq!(decimal(1.28, 2, Base64), "AIA="); // 128 needs a 0x00 before 0x80
    assert_eq!(decimal(-0.01, 2, Base64), "/w=="); // -1 = 0xFF
    assert_eq!(decimal(-1.28, 2, Base64), "gA=="); // -128 = 0x80
    assert_eq!(decimal(0.0, 2, Base64), "AA==");
    assert_eq!(decimal(10.5, 2, Numeric).to_string(), "10.50");
}
