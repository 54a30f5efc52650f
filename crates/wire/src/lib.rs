//! The ksqlDB REST wire model: SQL type strings, response entities, error bodies. No I/O, and
//! it imports nothing else of the crate, so the client (which reads these shapes) and the
//! sandbox (which writes them) agree by construction.
//!
//! - [`schema`]: SQL types and the header schema grammar.
//! - [`entity`]: typed `/ksql` entities, read tolerantly and written as ksqlDB writes them.
//! - [`error`]: the `generic_error` / `statement_error` bodies.

pub mod entity;
pub mod error;
pub mod schema;

#[cfg(test)]
mod entity_write_tests;
