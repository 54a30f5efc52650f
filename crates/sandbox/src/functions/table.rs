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
        _ => Err(format!(
            "Function '{}' does not accept parameters ({arg}).\nValid alternatives are:\n{}",
            super::declared_name(name),
            alternatives(name).join("\n")
        )),
    }
}

/// A table function's signatures as ksqlDB lists them when none fits: `explode(ARRAY<T> list)`,
/// in name order.
fn alternatives(name: &str) -> Vec<String> {
    let Some(f) = ksql_syntax::functions::find_kind(FunctionKind::Table, name) else { return vec![] };
    let lower = name.to_ascii_lowercase();
    let mut out: Vec<String> = f
        .signatures
        .iter()
        .map(|s| {
            let args: Vec<String> = s.args.iter().map(|a| format!("{} {}", a.ty, a.name)).collect();
            format!("{lower}({})", args.join(", "))
        })
        .collect();
    out.sort();
    out
}

/// The values a table function produces for one input value.
pub fn apply(name: &str, v: &Value) -> Vec<Value> {
    match (name, v) {
        ("EXPLODE", Value::Array(a)) => a.clone(),
        ("CUBE_EXPLODE", Value::Array(a)) => {
            // ksqlDB's order: bit masks counting up from all-NULL, position p kept when bit
            // n-1-p is set; a mask that keeps a NULL element would repeat a row, so it is
            // skipped. At most 16 elements (65,536 rows) are combined.
            let n = a.len().min(16);
            let bit = |p: usize| 1u32 << (n - 1 - p);
            let non_null: u32 = (0..n).filter(|&p| !a[p].is_null()).map(bit).fold(0, |m, b| m | b);
            (0..(1u32 << n))
                .filter(|mask| mask & non_null == *mask)
                .map(|mask| {
                    Value::Array((0..n).map(|p| if mask & bit(p) != 0 { a[p].clone() } else { Value::Null }).collect())
                })
                .collect()
        }
        _ => vec![],
    }
}
