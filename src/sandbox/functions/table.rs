//! Table functions: one input row becomes zero or more output rows.

use crate::sandbox::types::*;

pub struct TableFn {
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    pub signatures: &'static [&'static str],
}

pub fn registry() -> &'static [TableFn] {
    &[
        TableFn {
            name: "EXPLODE",
            category: "TABLE",
            description: "One row per element of an array.",
            signatures: &["EXPLODE(list ARRAY<T>) => T"],
        },
        TableFn {
            name: "CUBE_EXPLODE",
            category: "TABLE",
            description: "One row per combination of NULLed-out elements (a cube).",
            signatures: &["CUBE_EXPLODE(cubeCols ARRAY<T>) => ARRAY<T>"],
        },
    ]
}

pub fn is_table_function(name: &str) -> bool {
    registry().iter().any(|f| f.name == name)
}

/// Element type produced by a table function for its argument type.
pub fn result_type(name: &str, arg: &SqlType) -> Result<SqlType, String> {
    match (name, arg) {
        ("EXPLODE", SqlType::Array(e)) => Ok((**e).clone()),
        ("CUBE_EXPLODE", SqlType::Array(_)) => Ok(arg.clone()),
        _ => Err(format!("Function '{name}' does not accept parameters ({arg}).")),
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
