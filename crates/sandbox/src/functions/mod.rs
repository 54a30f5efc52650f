//! Built-in functions: [`scalar`] (one value per row), [`aggregate`] (GROUP BY), [`table`]
//! (EXPLODE: several rows per row). These modules hold the implementations (type checking
//! and evaluation) keyed by name; names, categories, descriptions and signatures come from
//! the shared catalog, `ksql_syntax::functions`, through [`described`]. An embedder adds
//! its own functions (ksqlDB's UDFs) through [`registered`]; they resolve after the built-ins.

pub mod aggregate;
pub mod described;
mod extras;
pub mod registered;
pub mod scalar;
pub mod table;

/// Lambda functions, which the expression compiler (`sandbox::expr`) evaluates itself
/// because their arguments are lambdas, not values.
pub const LAMBDA_FUNCTIONS: [&str; 3] = ["FILTER", "REDUCE", "TRANSFORM"];

/// The functions ksqlDB declares in upper case; it declares the others in lower case.
const DECLARED_UPPER: [&str; 31] = [
    "ARRAY_CONTAINS",
    "ARRAY_JOIN",
    "ARRAY_LENGTH",
    "AS_MAP",
    "AS_VALUE",
    "ATTR",
    "COALESCE",
    "COUNT",
    "COUNT_DISTINCT",
    "EARLIEST_BY_OFFSET",
    "ENTRIES",
    "GENERATE_SERIES",
    "IFNULL",
    "IS_JSON_STRING",
    "JSON_ARRAY_CONTAINS",
    "JSON_ARRAY_LENGTH",
    "JSON_CONCAT",
    "JSON_ITEMS",
    "JSON_KEYS",
    "JSON_RECORDS",
    "LATEST_BY_OFFSET",
    "MAX",
    "MIN",
    "NULLIF",
    "STDDEV_SAMP",
    "STDDEV_SAMPLE",
    "SUM",
    "TOPK",
    "TOPKDISTINCT",
    "TO_JSON_STRING",
    "UUID",
];

/// A function's name as ksqlDB declares it, which its error messages quote
/// (`Function 'greatest' does not accept parameters (...)`).
pub fn declared_name(name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    if let Some(declared) = registered::declared_name(&upper) {
        declared.to_string()
    } else if DECLARED_UPPER.contains(&upper.as_str()) {
        upper
    } else {
        name.to_ascii_lowercase()
    }
}

/// One row of SHOW FUNCTIONS: name, type, category; the built-ins, then any registered.
pub fn list_all() -> Vec<(String, &'static str, &'static str)> {
    let mut v: Vec<(String, &'static str, &'static str)> = Vec::new();
    for f in scalar::registry() {
        v.push((f.name.to_string(), "SCALAR", f.category));
    }
    for f in aggregate::registry() {
        v.push((f.name.to_string(), "AGGREGATE", f.category));
    }
    for f in table::registry() {
        v.push((f.name.to_string(), "TABLE", f.category));
    }
    for name in LAMBDA_FUNCTIONS {
        let category = described::described(ksql_syntax::functions::FunctionKind::Scalar, name).category;
        v.push((name.to_string(), "SCALAR", category));
    }
    v.extend(registered::listed());
    v.sort();
    v
}

#[cfg(test)]
mod catalog_tests;
