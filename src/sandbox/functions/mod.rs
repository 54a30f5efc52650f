//! Built-in functions: [`scalar`] (one value per row), [`aggregate`] (GROUP BY), [`table`]
//! (EXPLODE: several rows per row). Each has a name, category, description and signature
//! strings, used by SHOW FUNCTIONS and DESCRIBE FUNCTION too.

pub mod aggregate;
pub mod scalar;
pub mod table;

/// One row of SHOW FUNCTIONS: name, type, category.
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
    v.push(("TRANSFORM".into(), "SCALAR", "LAMBDA"));
    v.push(("FILTER".into(), "SCALAR", "LAMBDA"));
    v.push(("REDUCE".into(), "SCALAR", "LAMBDA"));
    v.sort();
    v
}
