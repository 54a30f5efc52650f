//! Scalar functions that ksqlDB's suites do not cover (or cover only in part), checked against
//! what ksqlDB's implementations give.

use super::*;

fn call(name: &str, args: &[Value]) -> Value {
    let f = lookup(name).unwrap_or_else(|| panic!("{name} is not implemented"));
    (f.eval)(args, &None)
}

fn text(x: &str) -> Value {
    Value::String(x.to_string())
}

#[test]
fn mask_family_by_ksqldb_rules() {
    let input = text("Ab1 dé-É9");
    assert_eq!(call("MASK", std::slice::from_ref(&input)), text("Xxn-xx-Xn"));
    // Own mask characters; NULL keeps that class as it is.
    let own = [input.clone(), text("U"), Value::Null, text("#"), text("_")];
    assert_eq!(call("MASK", &own), text("Ub#_dé_U#"));
    assert_eq!(call("MASK_LEFT", &[input.clone(), Value::Int(3)]), text("Xxn dé-É9"));
    assert_eq!(call("MASK_KEEP_LEFT", &[input.clone(), Value::Int(3)]), text("Ab1-xx-Xn"));
    assert_eq!(call("MASK_RIGHT", &[input.clone(), Value::Int(2)]), text("Ab1 dé-Xn"));
    assert_eq!(call("MASK_KEEP_RIGHT", &[input.clone(), Value::Int(2)]), text("Xxn-xx-É9"));
    assert_eq!(call("MASK_LEFT", &[input.clone(), Value::Int(50)]), text("Xxn-xx-Xn"));
    let own_left = [input.clone(), Value::Int(2), text("*"), text("*"), text("*"), text("*")];
    assert_eq!(call("MASK_LEFT", &own_left), text("**1 dé-É9"));
    // Errors in ksqlDB (a negative count, a mask of two characters): NULL.
    assert_eq!(call("MASK_LEFT", &[input.clone(), Value::Int(-1)]), Value::Null);
    assert_eq!(call("MASK", &[input, text("UU"), Value::Null, Value::Null, Value::Null]), Value::Null);
    assert_eq!(call("MASK_RIGHT", &[Value::Null, Value::Int(1)]), Value::Null);
}

#[test]
fn json_array_contains_matches_kind_and_value() {
    let array = text(r#"[1, 2.5, "x", true, null, {"a": 1}, [1]]"#);
    for (wanted, found) in [
        (Value::Int(1), true),
        (Value::Bigint(1), true),
        (Value::Double(1.0), false), // a JSON integer is not a DOUBLE
        (Value::Double(2.5), true),
        (text("x"), true),
        (text("1"), false),
        (Value::Boolean(true), true),
        (Value::Boolean(false), false),
        (Value::Null, true),
    ] {
        assert_eq!(call("JSON_ARRAY_CONTAINS", &[array.clone(), wanted.clone()]), Value::Boolean(found), "{wanted:?}");
    }
    assert_eq!(call("JSON_ARRAY_CONTAINS", &[text(r#"{"a": 1}"#), Value::Int(1)]), Value::Boolean(false));
    assert_eq!(call("JSON_ARRAY_CONTAINS", &[text("[1,"), Value::Int(1)]), Value::Boolean(false));
}

#[test]
fn json_items_records_and_concat_keep_exact_numbers() {
    let items = call("JSON_ITEMS", &[text(r#"[{"b": 1.50, "a": 2}, "s", 12345678901234567890]"#)]);
    assert_eq!(items, Value::Array(vec![text(r#"{"b":1.50,"a":2}"#), text(r#""s""#), text("12345678901234567890")]));
    assert_eq!(call("JSON_ITEMS", &[text(r#"{"a": 1}"#)]), Value::Null);
    let records = call("JSON_RECORDS", &[text(r#"{"n": 1.0, "s": "t", "o": {"x": null}}"#)]);
    let expected = [("n", "1.0"), ("s", "t"), ("o", r#"{"x":null}"#)];
    assert_eq!(records, Value::Map(expected.iter().map(|(k, v)| (text(k), text(v))).collect()));
    assert_eq!(call("JSON_CONCAT", &[text(r#"{"a": 1, "b": 2}"#), text(r#"{"a": 3}"#)]), text(r#"{"a":3,"b":2}"#));
    assert_eq!(call("JSON_CONCAT", &[text(r#"{"a": 1}"#), text("2")]), text(r#"[{"a":1},2]"#));
    assert_eq!(call("JSON_CONCAT", &[text("[1]"), Value::Null]), Value::Null);
}

#[test]
fn numbers_from_bytes_in_both_orders() {
    let four = Value::Bytes(vec![0, 0, 1, 2]);
    assert_eq!(call("INT_FROM_BYTES", std::slice::from_ref(&four)), Value::Int(258));
    assert_eq!(call("INT_FROM_BYTES", &[four.clone(), text("little_endian")]), Value::Int(0x0201_0000));
    assert_eq!(call("INT_FROM_BYTES", &[four.clone(), text("MIDDLE_ENDIAN")]), Value::Null);
    assert_eq!(call("BIGINT_FROM_BYTES", &[four]), Value::Null); // not 8 bytes
    let eight = Value::Bytes(1.5f64.to_be_bytes().to_vec());
    assert_eq!(call("DOUBLE_FROM_BYTES", std::slice::from_ref(&eight)), Value::Double(1.5));
    assert_eq!(call("BIGINT_FROM_BYTES", &[eight]), Value::Bigint(1.5f64.to_bits() as i64));
}

#[test]
fn convert_tz_follows_daylight_saving_time() {
    // 2021-07-15 12:00 UTC: Los Angeles is -7, Berlin +2 in summer; in January -8 and +1.
    let summer = Value::Timestamp(1_626_350_400_000);
    let moved = call("CONVERT_TZ", &[summer, text("America/Los_Angeles"), text("Europe/Berlin")]);
    assert_eq!(moved, Value::Timestamp(1_626_350_400_000 + 9 * 3_600_000));
    let winter = Value::Timestamp(1_610_712_000_000);
    let moved = call("CONVERT_TZ", &[winter.clone(), text("UTC"), text("Asia/Kolkata")]);
    assert_eq!(moved, Value::Timestamp(1_610_712_000_000 + 330 * 60_000));
    assert_eq!(call("CONVERT_TZ", &[winter, text("UTC"), text("Nowhere/Atlantis")]), Value::Null);
}

#[test]
fn named_zones_in_formatting_and_parsing() {
    let pattern = text("yyyy-MM-dd HH:mm z");
    let formatted = call("TIMESTAMPTOSTRING", &[Value::Bigint(1_626_350_400_000), pattern, text("America/New_York")]);
    assert_eq!(formatted, text("2021-07-15 08:00 EDT"));
    let parsed =
        call("STRINGTOTIMESTAMP", &[text("2021-01-15 07:00"), text("yyyy-MM-dd HH:mm"), text("America/New_York")]);
    assert_eq!(parsed, Value::Bigint(1_610_712_000_000));
}

#[test]
fn md5_and_decoded_url_parts() {
    assert_eq!(call("MD5", &[text("")]), text("d41d8cd98f00b204e9800998ecf8427e"));
    assert_eq!(call("MD5", &[text("größe")]), text("fdbb3a56280acfa9031707622c599ccb"));
    let url = text("https://h.example/a%20b?q=x%26y+z#frag%C3%A9");
    assert_eq!(call("URL_EXTRACT_FRAGMENT", std::slice::from_ref(&url)), text("fragé"));
    assert_eq!(call("URL_EXTRACT_QUERY", std::slice::from_ref(&url)), text("q=x&y+z"));
    assert_eq!(call("URL_EXTRACT_PATH", &[url]), text("/a b"));
}

#[test]
fn parsing_reads_offsets_and_short_fractions_as_java_does() {
    let parse = |text: &str, pattern: &str| parse_ts(text, pattern, None);
    assert_eq!(parse("2018-05-11T21:58:33Z", "yyyy-MM-dd'T'HH:mm:ssX"), Some(1_526_075_913_000));
    assert_eq!(parse("2019-08-27T13:31:09.2+0000", "yyyy-MM-dd'T'HH:mm:ss.SX"), Some(1_566_912_669_200));
    assert_eq!(parse("2019-08-27T15:31:09.250+0200", "yyyy-MM-dd'T'HH:mm:ss.SSSX"), Some(1_566_912_669_250));
    assert_eq!(parse("2019-08-27 13:31:09.25", "yyyy-MM-dd HH:mm:ss.SS"), Some(1_566_912_669_250));
}

#[test]
fn split_on_an_empty_delimiter_gives_characters_and_one_empty_part_for_empty_input() {
    let parts = |v: &[&str]| Value::Array(v.iter().map(|p| text(p)).collect());
    assert_eq!(call("SPLIT", &[text("a.b"), text("")]), parts(&["a", ".", "b"]));
    assert_eq!(call("SPLIT", &[text(""), text("")]), parts(&[""]));
    assert_eq!(call("SPLIT", &[Value::Bytes(vec![]), Value::Bytes(vec![])]), Value::Array(vec![Value::Bytes(vec![])]));
    let bytes = call("SPLIT", &[Value::Bytes(b"ab".to_vec()), Value::Bytes(vec![])]);
    assert_eq!(bytes, Value::Array(vec![Value::Bytes(b"a".to_vec()), Value::Bytes(b"b".to_vec())]));
}

#[test]
fn split_to_map_keeps_an_entrys_first_two_parts() {
    let map = |entries: &[(&str, &str)]| Value::Map(entries.iter().map(|(k, v)| (text(k), text(v))).collect());
    let args = [text("a:b:c/d:e"), text("/"), text(":")];
    assert_eq!(call("SPLIT_TO_MAP", &args), map(&[("a", "b"), ("d", "e")]));
    assert_eq!(call("SPLIT_TO_MAP", &[text("a=b"), text("/"), text(":")]), map(&[]));
}

/// Parsing as ksqlDB's parsers read text: a zone name at the end (`z`) places the wall-clock
/// time in that zone, with its summer time; `X` takes `z` as `Z`; PARSE_DATE (SimpleDateFormat)
/// ignores what follows the date. ARRAY_JOIN with a NULL delimiter joins with none.
#[test]
fn parsing_as_java_reads_text() {
    let pst = [text("2018-05-11T21:58:33 PST"), text("yyyy-MM-dd'T'HH:mm:ss zzz")];
    assert_eq!(call("PARSE_TIMESTAMP", &pst), Value::Timestamp(1_526_101_113_000), "PST in May is UTC-7");
    let berlin = [text("2018-01-11 10:00 Europe/Berlin"), text("yyyy-MM-dd HH:mm z")];
    assert_eq!(call("PARSE_TIMESTAMP", &berlin), Value::Timestamp(1_515_661_200_000));
    let unknown = [text("2018-01-11 10:00 Nowhere"), text("yyyy-MM-dd HH:mm z")];
    assert_eq!(call("PARSE_TIMESTAMP", &unknown), Value::Null);
    let lower_z = [text("2020-05-11T21:58:33z"), text("yyyy-MM-dd'T'HH:mm:ssX")];
    assert_eq!(call("STRINGTOTIMESTAMP", &lower_z), Value::Bigint(1_589_234_313_000));
    let trailing = [text("2003-12-24-01-01"), text("yyyy-MM-dd")];
    assert_eq!(call("PARSE_DATE", &trailing), Value::Date(12_410));
    assert_eq!(call("PARSE_DATE", &[text("2004"), text("yyyy-MM-dd")]), Value::Null);
    let ints = Value::Array(vec![Value::Int(1), Value::Int(-2)]);
    assert_eq!(call("ARRAY_JOIN", &[ints.clone(), Value::Null]), text("1-2"));
    assert_eq!(call("ARRAY_JOIN", std::slice::from_ref(&ints)), text("1,-2"));
}

/// ROUND and TRUNC to places past what an i128 or a 64-bit integer holds: zero where the
/// value rounds away, Java's low bits where it overflows a BIGINT, never a clamped power.
#[test]
fn rounding_to_places_past_38_digits() {
    let dec = |u: i128, scale: u32| Value::Decimal(Decimal::new(u, scale));
    let typed = |name: &str, args: &[Value], ret: SqlType| (lookup(name).unwrap().eval)(args, &Some(ret));
    let ret = SqlType::Decimal { precision: Some(10), scale: Some(3) };
    let d = dec(12_345_678, 3); // 12345.678
    assert_eq!(typed("ROUND", &[d.clone(), Value::Int(-2)], ret.clone()), dec(12_300_000, 3));
    assert_eq!(typed("ROUND", &[d.clone(), Value::Int(-50)], ret.clone()), dec(0, 3));
    assert_eq!(typed("ROUND", &[d.clone(), Value::Int(i32::MIN)], ret.clone()), dec(0, 3));
    assert_eq!(typed("TRUNC", &[d.clone(), Value::Int(-3)], ret.clone()), dec(12_000_000, 3));
    assert_eq!(typed("TRUNC", &[d.clone(), Value::Int(-50)], ret.clone()), dec(0, 3));
    assert_eq!(typed("TRUNC", &[d, Value::Int(i32::MIN)], ret), dec(0, 3));
    // 38 nines rounded to tens: 10^38 (an i128 holds it; writing it to the column refuses it).
    let wide = SqlType::Decimal { precision: Some(38), scale: Some(0) };
    let nines = dec(10i128.pow(38) - 1, 0);
    assert_eq!(typed("ROUND", &[nines.clone(), Value::Int(-1)], wide.clone()), dec(10i128.pow(38), 0));
    assert_eq!(typed("ROUND", &[nines, Value::Int(-39)], wide), dec(0, 0));

    assert_eq!(call("ROUND", &[Value::Bigint(15), Value::Int(-1)]), Value::Bigint(20));
    assert_eq!(call("ROUND", &[Value::Bigint(1_234), Value::Int(-40)]), Value::Bigint(0));
    assert_eq!(call("ROUND", &[Value::Int(1_234), Value::Int(-40)]), Value::Int(0));
    assert_eq!(call("ROUND", &[Value::Int(1_234), Value::Int(i32::MIN)]), Value::Int(0));
    // 9.2 * 10^18 to 10^19 places: 10^19, past a BIGINT, keeps its low 64 bits (longValue).
    let to_19 = call("ROUND", &[Value::Bigint(9_200_000_000_000_000_000), Value::Int(-19)]);
    assert_eq!(to_19, Value::Bigint((10_000_000_000_000_000_000u128 as u64) as i64));
    assert_eq!(call("ROUND", &[Value::Double(1234.5), Value::Int(-50)]), Value::Double(0.0));
    assert_eq!(call("ROUND", &[Value::Double(1.65e38), Value::Int(-1)]), Value::Double(1.65e38));
}

/// ROUND of a DOUBLE works on its shortest digits as BigDecimal.valueOf does, halves toward
/// positive infinity, at any magnitude and any number of places.
#[test]
fn rounding_doubles_at_any_magnitude() {
    let round = |x: f64, places: i32| match call("ROUND", &[Value::Double(x), Value::Int(places)]) {
        Value::Double(d) => d,
        other => panic!("{other:?}"),
    };
    let cases = [
        (1.25, 1, 1.3),
        (-1.25, 1, -1.2),
        (-1.26, 1, -1.3),
        (2.675, 2, 2.68), // its shortest digits are 2.675 (the double is just below)
        (9.96, 1, 10.0),
        (123.456, -1, 120.0),
        (-5.0, -1, 0.0),
        (5.0, -1, 10.0),
        (0.4, -1, 0.0),
        (1.5e38, -38, 2e38),
        (1.5e39, -39, 2e39),
        (4e40, -41, 0.0),
        (1.2345e308, -306, 1.23e308),
        (5e-324, 400, 5e-324),
        (1.2, i32::MAX, 1.2),
        (1.2, i32::MIN, 0.0),
    ];
    for (x, places, expected) in cases {
        assert_eq!(round(x, places), expected, "ROUND({x:e}, {places})");
    }
    // No negative zero: BigDecimal has none.
    for (x, places) in [(-0.0, 0), (-0.0, -1), (-0.4, 0), (-0.04, -1)] {
        assert!(round(x, places).is_sign_positive(), "ROUND({x}, {places})");
    }
    assert_eq!(round(1.7976931348623157e308, -308), f64::INFINITY, "2E+308 is past a double");
    // ROUND(x) is Java's Math.round.
    let typed_round = |x: f64| (lookup("ROUND").unwrap().eval)(&[Value::Double(x)], &Some(SqlType::Bigint));
    for (x, expected) in [
        (0.49999999999999994, 0),
        (0.5, 1),
        (-0.5, 0),
        (-1.5, -1),
        (-1.6, -2),
        (4_503_599_627_370_497.0, 4_503_599_627_370_497), // 2^52 + 1
        (f64::NAN, 0),
        (f64::INFINITY, i64::MAX),
        (-1e300, i64::MIN),
    ] {
        assert_eq!(typed_round(x), Value::Bigint(expected), "ROUND({x})");
    }
}
