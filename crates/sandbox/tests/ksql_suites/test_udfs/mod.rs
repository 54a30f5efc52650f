//! ksqlDB's test-only functions (the UDFs, UDAFs and UDTFs ksqlDB's engine tests put on its
//! class path), re-implemented from their documented behaviour and registered through the
//! sandbox's function hook, so the QTT cases that call them run. They live with the test
//! runner: a sandbox built for users never has them.
//!
//! Where a Java UDF throws (on purpose, or because a NULL reaches a primitive parameter),
//! ksqlDB logs the error and carries on: a scalar call gives NULL, a table function call
//! drops the row. The re-implementations return exactly that.

mod aggregate;
mod scalar;
mod table;

use std::sync::Once;

use ksqldb_sandbox::types::SqlType;

/// Registers every test function, once per process.
pub fn register() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        let registered = scalar::register().and_then(|()| table::register()).and_then(|()| aggregate::register());
        if let Err(e) = registered {
            panic!("the test UDFs cannot be registered: {e}");
        }
    });
}

/// Resets the functions' per-query state (BAD_UDF's call counter): ksqlDB makes fresh UDF
/// instances for each query, and each case starts a fresh engine.
pub fn reset() {
    scalar::reset();
}

/// Whether an argument of type `arg` (None: a NULL literal) can be passed where `want` is
/// declared, with ksqlDB's implicit widening of INT to BIGINT.
fn fits(arg: Option<&SqlType>, want: &SqlType) -> bool {
    match arg {
        None => true,
        Some(t) => t == want || (*t == SqlType::Integer && *want == SqlType::Bigint),
    }
}

/// `STRUCT<A VARCHAR>`, the struct several test functions take or return.
fn struct_a() -> SqlType {
    SqlType::Struct(vec![("A".into(), SqlType::String)])
}
