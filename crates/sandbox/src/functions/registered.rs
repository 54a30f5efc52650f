//! Functions an embedder registers at run time, as ksqlDB loads UDFs, UDAFs and UDTFs from
//! its extension directory. They take the built-ins' own shape ([`ScalarFn`], [`AggFn`],
//! [`TableFn`]: typers do the overload resolution, signature strings feed DESCRIBE FUNCTION
//! and the "Valid alternatives" of type errors) and are resolved after the built-ins, but are
//! kept apart from them: a process that registers nothing lists exactly ksqlDB's functions.
//!
//! The set is process-wide, like ksqlDB's function registry of one server: register before
//! starting engines, and register a name once. Each kind's list lives with its kind
//! (`scalar::REGISTERED`, ...), so that resolving a call does not depend on this module.

use std::sync::RwLock;

use super::aggregate::{self, AggFn};
use super::scalar::{self, ScalarFn};
use super::table::{self, TableFn};

/// Registered names: upper case (what calls are matched against) and as declared (what
/// ksqlDB's error messages quote).
static NAMES: RwLock<Vec<(&'static str, &'static str)>> = RwLock::new(Vec::new());

/// Registers a scalar function under `f.name` (any case; calls match it upper-cased).
pub fn register_scalar(mut f: ScalarFn) -> Result<(), String> {
    f.name = claim_name(f.name)?;
    scalar::REGISTERED.push(f);
    Ok(())
}

/// Registers an aggregate function under `f.name` (any case).
pub fn register_aggregate(mut f: AggFn) -> Result<(), String> {
    f.name = claim_name(f.name)?;
    aggregate::REGISTERED.push(f);
    Ok(())
}

/// Registers a table function under `f.name` (any case).
pub fn register_table(mut f: TableFn) -> Result<(), String> {
    f.name = claim_name(f.name)?;
    table::REGISTERED.push(f);
    Ok(())
}

/// Checks that `declared` is a free, well-formed function name and records its spelling;
/// returns the upper-case name the engine matches calls against.
fn claim_name(declared: &'static str) -> Result<&'static str, String> {
    let valid = declared.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && declared.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!("Invalid function name '{declared}': letters, digits and '_' only"));
    }
    let upper = declared.to_ascii_uppercase();
    let builtin = scalar::builtin(&upper).is_some()
        || aggregate::registry().iter().any(|f| f.name == upper)
        || table::registry().iter().any(|f| f.name == upper)
        || super::LAMBDA_FUNCTIONS.contains(&upper.as_str());
    if builtin {
        return Err(format!("Function '{declared}' is a built-in function and cannot be replaced"));
    }
    // A panic while the lock was held cannot leave the list half-written (a write is one
    // push), so a poisoned lock is still sound to use.
    let mut names = NAMES.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    if names.iter().any(|(name, _)| *name == upper) {
        return Err(format!("Function '{declared}' is already registered"));
    }
    let upper: &'static str = Box::leak(upper.into_boxed_str());
    names.push((upper, declared));
    Ok(upper)
}

/// The name as its registration declared it, for a registered function's upper-case name.
pub(super) fn declared_name(upper: &str) -> Option<&'static str> {
    let names = NAMES.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    names.iter().find(|(name, _)| *name == upper).map(|(_, declared)| *declared)
}

/// SHOW FUNCTIONS rows of the registered functions: name, type, category.
pub(super) fn listed() -> Vec<(String, &'static str, &'static str)> {
    let scalar = scalar::REGISTERED.all().into_iter().map(|f| (f.name.to_string(), "SCALAR", f.category));
    let aggregate = aggregate::REGISTERED.all().into_iter().map(|f| (f.name.to_string(), "AGGREGATE", f.category));
    let table = table::REGISTERED.all().into_iter().map(|f| (f.name.to_string(), "TABLE", f.category));
    scalar.chain(aggregate).chain(table).collect()
}
