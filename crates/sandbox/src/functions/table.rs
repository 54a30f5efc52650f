//! Table functions: one input row becomes zero or more output rows.

use std::sync::OnceLock;

use super::described::described;
use crate::types::*;
use ksql_syntax::functions::FunctionKind;

/// A table function as the engine sees it, from the catalog; [`result_type`] and [`apply`]
/// are its implementation.
pub struct TableFn {
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    /// ksqlDB's DESCRIBE FUNCTION form, `NAME(arg TYPE) => RETURNS`.
    pub signatures: &'static [&'static str],
}

/// The table functions [`apply`] implements.
const IMPLEMENTED: [&str; 2] = ["CUBE_EXPLODE", "EXPLODE"];

/// Every implemented table function, with its catalog entry.
pub fn registry() -> &'static [TableFn] {
    static REG: OnceLock<Vec<TableFn>> = OnceLock::new();
    REG.get_or_init(|| {
        IMPLEMENTED
            .iter()
            .map(|&name| {
                let about = described(FunctionKind::Table, name);
                let (category, description, signatures) = (about.category, about.description, about.signatures);
                TableFn { name, category, description, signatures }
            })
            .collect()
    })
}

pub fn is_table_function(name: &str) -> bool {
    registry().iter().any(|f| f.name == name)
}

/// Element type produced by a table function for its argument type.
pub fn result_type(name: &str, arg: &SqlType) -> Result<SqlType, String> {
    match (name, arg) {
        ("EXPLODE", SqlType::Array(e)) => Ok((**e).clone()),
        ("CUBE_EXPLODE", SqlType::Array(_)) => Ok(arg.clone()),
        _ => Err(format!("Function '{}' does not accept parameters ({arg}).", super::declared_name(name))),
    }
}

/// The values a table function produces for one input value.
pub fn apply(name: &str, v: &Value) -> Vec<Value> {
    match (name, v) {
        ("EXPLODE", Value::Array(a)) => a.clone(),
        ("CUBE_EXPLODE", Value::Array(a)) => {
            let n = a.len().min(16);
            let mut out = Vec::new();
            for mask in (0..(1u32 << n)).rev() {
                out.push(Value::Array(
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| if i < n && mask & (1 << (n - 1 - i)) != 0 { x.clone() } else { Value::Null })
                        .collect(),
                ));
            }
            // Duplicate combinations (when an element is already NULL) appear once.
            let mut dedup: Vec<Value> = Vec::new();
            for x in out {
                if !dedup.contains(&x) {
                    dedup.push(x);
                }
            }
            dedup
        }
        _ => vec![],
    }
}
