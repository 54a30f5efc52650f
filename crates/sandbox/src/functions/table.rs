//! Table functions: one input row becomes zero or more output rows.

use std::sync::OnceLock;

use super::described::described;
use super::extras::Extras;
use crate::types::*;
use ksql_syntax::functions::FunctionKind;

/// Argument types -> the type of the values produced; an empty error means "no signature
/// fits" (the engine words it with the function's alternatives).
pub type TableTyper = fn(&[SqlType]) -> Result<SqlType, String>;
/// Argument values -> the values produced, one output row each; an error (the function threw)
/// drops the input row, as ksqlDB does.
pub type TableApply = fn(&[Value]) -> Result<Vec<Value>, String>;

/// A table function as the engine sees it: the catalog's description joined with the
/// sandbox's implementation.
pub struct TableFn {
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    /// ksqlDB's DESCRIBE FUNCTION form, `NAME(arg TYPE) => RETURNS`.
    pub signatures: &'static [&'static str],
    pub result_type: TableTyper,
    pub apply: TableApply,
}

/// The table functions implemented here.
const IMPLEMENTED: [(&str, TableTyper, TableApply); 2] =
    [("CUBE_EXPLODE", cube_explode_type, cube_explode), ("EXPLODE", explode_type, explode)];

/// Every implemented table function, with its catalog entry.
pub fn registry() -> &'static [TableFn] {
    static REG: OnceLock<Vec<TableFn>> = OnceLock::new();
    REG.get_or_init(|| {
        IMPLEMENTED
            .iter()
            .map(|&(name, result_type, apply)| {
                let about = described(FunctionKind::Table, name);
                let (category, description, signatures) = (about.category, about.description, about.signatures);
                TableFn { name, category, description, signatures, result_type, apply }
            })
            .collect()
    })
}

/// A built-in or registered table function.
pub fn lookup(name: &str) -> Option<&'static TableFn> {
    registry().iter().find(|f| f.name == name).or_else(|| REGISTERED.find(|f| f.name == name))
}

/// The table functions an embedder registered ([`super::registered`]).
pub(super) static REGISTERED: Extras<TableFn> = Extras::new();

pub fn is_table_function(name: &str) -> bool {
    lookup(name).is_some()
}

/// Element type produced by a table function for its argument types.
pub fn result_type(f: &TableFn, args: &[SqlType]) -> Result<SqlType, String> {
    (f.result_type)(args).map_err(|m| {
        if !m.is_empty() {
            return m;
        }
        let mut valid = alternatives(f.name);
        if valid.is_empty() {
            valid = f.signatures.iter().map(|s| s.to_string()).collect();
        }
        let types: Vec<String> = args.iter().map(SqlType::to_string).collect();
        format!(
            "Function '{}' does not accept parameters ({}).\nValid alternatives are:\n{}",
            super::declared_name(f.name),
            types.join(", "),
            valid.join("\n")
        )
    })
}

fn explode_type(args: &[SqlType]) -> Result<SqlType, String> {
    match args {
        [SqlType::Array(e)] => Ok((**e).clone()),
        _ => Err(String::new()),
    }
}

fn cube_explode_type(args: &[SqlType]) -> Result<SqlType, String> {
    match args {
        [a @ SqlType::Array(_)] => Ok(a.clone()),
        _ => Err(String::new()),
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

fn explode(args: &[Value]) -> Result<Vec<Value>, String> {
    Ok(match args {
        [Value::Array(a)] => a.clone(),
        _ => vec![],
    })
}

/// ksqlDB's order: bit masks counting up from all-NULL, position p kept when bit n-1-p is
/// set; a mask that keeps a NULL element would repeat a row, so it is skipped. At most 16
/// elements (65,536 rows) are combined.
fn cube_explode(args: &[Value]) -> Result<Vec<Value>, String> {
    let [Value::Array(a)] = args else { return Ok(vec![]) };
    let n = a.len().min(16);
    let bit = |p: usize| 1u32 << (n - 1 - p);
    let non_null: u32 = (0..n).filter(|&p| !a[p].is_null()).map(bit).fold(0, |m, b| m | b);
    Ok((0..(1u32 << n))
        .filter(|mask| mask & non_null == *mask)
        .map(|mask| Value::Array((0..n).map(|p| if mask & bit(p) != 0 { a[p].clone() } else { Value::Null }).collect()))
        .collect())
}
