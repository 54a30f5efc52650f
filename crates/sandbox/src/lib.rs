//! The embedded ksqlDB sandbox: an in-memory, ksqlDB-compatible server (SQL engine + REST API)
//! so that notebooks run on a machine with no Kafka and no ksqlDB.
//!
//! Layout (data flows top to bottom):
//! - [`sql`]: lexer, AST and parser of ksqlDB statements and expressions.
//! - [`types`]: SQL values, casts, comparisons, JSON forms.
//! - [`expr`]: type checking and compilation of expressions into closures (once per query).
//! - [`functions`]: scalar, aggregate and table function implementations; their names,
//!   descriptions and signatures (SHOW/DESCRIBE FUNCTION) come from `ksql_syntax::functions`.
//! - [`topics`]: in-memory partitioned logs and the record formats (JSON, KAFKA, DELIMITED).
//! - [`catalog`]: streams, tables, types and queries metadata.
//! - [`schema_registry`]: subjects, versions and schemas by id (Schema Registry's data);
//!   [`registry`] maps a schema to the columns it gives a source.
//! - [`datagen`]: records like Confluent's Datagen connector makes (its quickstarts).
//! - [`engine`]: statements, persistent queries (incremental dataflow), push and pull queries.
//! - [`server`]: the REST API on hyper (HTTP/1.1 and h2c).
//! - [`allocator`]: the process allocator the kernel (and the bench) runs the sandbox with.

pub mod allocator;
pub mod catalog;
pub mod datagen;
#[cfg(test)]
mod depth_tests;
pub mod engine;
#[cfg(test)]
mod engine_props;
pub mod expr;
pub mod functions;
mod json_fields;
mod json_flat;
#[cfg(test)]
mod quickstart_fixture;
mod record_json;
pub mod registry;
pub mod schema_registry;
pub mod server;
pub mod sql;
pub mod topics;
pub mod types;

pub use server::{Options, SandboxHandle};

/// Runs one level of a recursion over an expression or a type (parsing, compiling,
/// formatting, evaluating) with enough stack: when less than 256 KiB is left, it goes on
/// in a fresh 2 MiB segment on the heap. Debug builds take up to ~20 KiB of stack per
/// level; with the parser's nesting limit this keeps the sandbox within any thread's
/// stack (a tokio worker has 2 MiB), where a stack overflow would abort the process.
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(256 << 10, 2 << 20, f)
}

/// Starts the sandbox server (`ksqldb-kernel sandbox`).
pub async fn start(options: Options) -> anyhow::Result<SandboxHandle> {
    server::serve(options).await
}

/// Starts the sandbox in this process on a free loopback port with default limits (what
/// the kernel does when no server is configured). The server stops when the handle is dropped.
pub async fn start_in_process() -> anyhow::Result<SandboxHandle> {
    server::serve(Options::default()).await
}
