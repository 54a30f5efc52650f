//! The sandbox and the shared catalog agree: every function the sandbox implements is in
//! the catalog, everything SHOW FUNCTIONS lists has an implementation, and DESCRIBE FUNCTION
//! shows the catalog's text.

use std::collections::HashSet;

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
