//! Table functions: zero or more output rows per input row.

use super::*;

/// Sorted by name (a unit test checks).
pub(super) const FUNCTIONS: &[Function] = &[
    table(
        "CUBE_EXPLODE",
        "Takes as argument a list of columns and outputs all possible combinations of them. It produces 2^d new \
         rows where d is the number of columns given as parameter. Duplicate entries for columns with null value \
         are skipped.",
        &[sig(&[arg("columns", "ARRAY<T>")], "ARRAY<T>")],
    ),
    table(
        "EXPLODE",
        "Explodes an array. This function outputs one value for each element of the array.",
        &[sig(&[arg("list", "ARRAY<T>")], "T"), sig(&[arg("input", "ARRAY<DECIMAL>")], "DECIMAL")],
    ),
];
