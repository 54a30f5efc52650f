//! The sandbox and the shared catalog agree: every function the sandbox implements is in
//! the catalog, everything SHOW FUNCTIONS lists has an implementation, and DESCRIBE FUNCTION
//! shows the catalog's text.

use std::collections::{BTreeSet, HashSet};

use serde_json::json;

use super::{aggregate, list_all, scalar, table, LAMBDA_FUNCTIONS};
use crate::engine::{Engine, Session};
use ksql_syntax::functions::{self, FunctionKind};

/// Every implementation's name with its kind.
fn implemented() -> Vec<(FunctionKind, &'static str)> {
    let mut all: Vec<(FunctionKind, &'static str)> = Vec::new();
    all.extend(scalar::implementations().iter().map(|f| (FunctionKind::Scalar, f.name)));
    all.extend(LAMBDA_FUNCTIONS.iter().map(|&n| (FunctionKind::Scalar, n)));
    all.extend(aggregate::registry().iter().map(|f| (FunctionKind::Aggregate, f.name)));
    all.extend(table::registry().iter().map(|f| (FunctionKind::Table, f.name)));
    all
}

#[test]
fn every_implemented_function_is_in_the_catalog() {
    let mut seen = HashSet::new();
    for (kind, name) in implemented() {
        assert!(seen.insert(name), "{name} is implemented twice");
        let f = functions::find_kind(kind, name).unwrap_or_else(|| panic!("{name} is not in the catalog"));
        assert!(!f.signatures.is_empty(), "{name} has no signature");
    }
    for f in scalar::registry() {
        assert!(!f.signatures.is_empty() && !f.description.is_empty() && !f.category.is_empty(), "{}", f.name);
    }
    for f in aggregate::registry() {
        assert!(!f.signatures.is_empty() && !f.description.is_empty(), "{}", f.name);
    }
}

#[test]
fn everything_show_functions_lists_has_an_implementation() {
    let listed = list_all();
    assert!(listed.len() >= 130, "{}", listed.len());
    for (name, kind, category) in &listed {
        let found = match *kind {
            "SCALAR" => scalar::lookup(name).is_some() || LAMBDA_FUNCTIONS.contains(&name.as_str()),
            "AGGREGATE" => aggregate::lookup(name).is_some(),
            "TABLE" => table::is_table_function(name),
            other => panic!("unknown type {other}"),
        };
        assert!(found, "{name} is listed but not implemented");
        let f = functions::find(name).unwrap();
        assert_eq!(*category, f.category, "{name}");
    }
}

#[test]
fn describe_function_shows_the_catalog() {
    let mut engine = Engine::new();
    let reply = engine.execute("DESCRIBE FUNCTION lpad;", &mut Session::default()).unwrap().unwrap();
    let lpad = functions::find("LPAD").unwrap();
    assert_eq!(reply["name"], "LPAD");
    assert_eq!(reply["type"], "SCALAR");
    assert_eq!(reply["description"], lpad.description);
    let variants = reply["functions"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    let types = |i: usize| variants[i]["argumentTypes"].clone();
    assert_eq!(types(0), json!(["STRING", "INT", "STRING"]));
    assert_eq!(variants[0]["returnType"], "STRING");
    assert_eq!(types(1), json!(["BYTES", "INT", "BYTES"]));
    assert_eq!(variants[1]["returnType"], "BYTES");
    assert_eq!(variants[1]["arguments"][1]["name"], "targetLen");
}

#[test]
fn show_functions_uses_the_catalogs_categories() {
    let listed = list_all();
    let category = |n: &str| listed.iter().find(|(name, _, _)| name == n).map(|(_, _, c)| *c);
    assert_eq!(category("LPAD"), Some("STRING"));
    assert_eq!(category("TRANSFORM"), Some("LAMBDA"));
    assert_eq!(category("SUM"), Some("AGGREGATE"));
    assert_eq!(category("EXPLODE"), Some("TABLE"));
}

/// The functions ksqlDB 0.29's SHOW FUNCTIONS lists: the names of its UDF, UDAF and UDTF
/// annotations in ksqldb-engine at tag v0.29.0.
const KSQLDB_0_29_FUNCTIONS: &[&str] = &[
    "ABS",
    "ACOS",
    "ARRAY_CONCAT",
    "ARRAY_CONTAINS",
    "ARRAY_DISTINCT",
    "ARRAY_EXCEPT",
    "ARRAY_INTERSECT",
    "ARRAY_JOIN",
    "ARRAY_LENGTH",
    "ARRAY_MAX",
    "ARRAY_MIN",
    "ARRAY_REMOVE",
    "ARRAY_SORT",
    "ARRAY_UNION",
    "ASIN",
    "AS_MAP",
    "AS_VALUE",
    "ATAN",
    "ATAN2",
    "ATTR",
    "AVG",
    "BIGINT_FROM_BYTES",
    "CBRT",
    "CEIL",
    "CHR",
    "COALESCE",
    "COLLECT_LIST",
    "COLLECT_SET",
    "CONCAT",
    "CONCAT_WS",
    "CONVERT_TZ",
    "CORRELATION",
    "COS",
    "COSH",
    "COT",
    "COUNT",
    "COUNT_DISTINCT",
    "CUBE_EXPLODE",
    "DATEADD",
    "DATESUB",
    "DATETOSTRING",
    "DEGREES",
    "DOUBLE_FROM_BYTES",
    "EARLIEST_BY_OFFSET",
    "ELT",
    "ENCODE",
    "ENTRIES",
    "EXP",
    "EXPLODE",
    "EXTRACTJSONFIELD",
    "FIELD",
    "FILTER",
    "FLOOR",
    "FORMAT_DATE",
    "FORMAT_TIME",
    "FORMAT_TIMESTAMP",
    "FROM_BYTES",
    "FROM_DAYS",
    "FROM_UNIXTIME",
    "GENERATE_SERIES",
    "GEO_DISTANCE",
    "GREATEST",
    "HISTOGRAM",
    "IFNULL",
    "INITCAP",
    "INSTR",
    "INT_FROM_BYTES",
    "IS_JSON_STRING",
    "JSON_ARRAY_CONTAINS",
    "JSON_ARRAY_LENGTH",
    "JSON_CONCAT",
    "JSON_ITEMS",
    "JSON_KEYS",
    "JSON_RECORDS",
    "LATEST_BY_OFFSET",
    "LCASE",
    "LEAST",
    "LEN",
    "LN",
    "LOG",
    "LPAD",
    "MAP_KEYS",
    "MAP_UNION",
    "MAP_VALUES",
    "MASK",
    "MASK_KEEP_LEFT",
    "MASK_KEEP_RIGHT",
    "MASK_LEFT",
    "MASK_RIGHT",
    "MAX",
    "MIN",
    "NULLIF",
    "PARSE_DATE",
    "PARSE_TIME",
    "PARSE_TIMESTAMP",
    "PI",
    "POWER",
    "RADIANS",
    "RANDOM",
    "REDUCE",
    "REGEXP_EXTRACT",
    "REGEXP_EXTRACT_ALL",
    "REGEXP_REPLACE",
    "REGEXP_SPLIT_TO_ARRAY",
    "REPLACE",
    "ROUND",
    "RPAD",
    "SIGN",
    "SIN",
    "SINH",
    "SLICE",
    "SPLIT",
    "SPLIT_TO_MAP",
    "SQRT",
    "STDDEV_SAMP",
    "STDDEV_SAMPLE",
    "STRINGTODATE",
    "STRINGTOTIMESTAMP",
    "SUBSTRING",
    "SUM",
    "SUM_LIST",
    "TAN",
    "TANH",
    "TIMEADD",
    "TIMESTAMPADD",
    "TIMESTAMPSUB",
    "TIMESTAMPTOSTRING",
    "TIMESUB",
    "TOPK",
    "TOPKDISTINCT",
    "TO_BYTES",
    "TO_JSON_STRING",
    "TRANSFORM",
    "TRIM",
    "TRUNC",
    "UCASE",
    "UNIX_DATE",
    "UNIX_TIMESTAMP",
    "URL_DECODE_PARAM",
    "URL_ENCODE_PARAM",
    "URL_EXTRACT_FRAGMENT",
    "URL_EXTRACT_HOST",
    "URL_EXTRACT_PARAMETER",
    "URL_EXTRACT_PATH",
    "URL_EXTRACT_PORT",
    "URL_EXTRACT_PROTOCOL",
    "URL_EXTRACT_QUERY",
    "UUID",
];

/// Functions of later ksqlDB releases that the sandbox has too.
const LATER_FUNCTIONS: &[&str] = &["MD5"]; // CP 7.5

#[test]
fn show_functions_lists_what_ksqldb_lists() {
    let all = list_all();
    let listed: BTreeSet<&str> = all.iter().map(|(name, _, _)| name.as_str()).collect();
    let expected: BTreeSet<&str> = KSQLDB_0_29_FUNCTIONS.iter().chain(LATER_FUNCTIONS).copied().collect();
    let missing: Vec<_> = expected.difference(&listed).collect();
    let invented: Vec<_> = listed.difference(&expected).collect();
    assert!(missing.is_empty(), "ksqlDB has these and the sandbox does not: {missing:?}");
    assert!(invented.is_empty(), "the sandbox lists functions ksqlDB does not have: {invented:?}");
}
