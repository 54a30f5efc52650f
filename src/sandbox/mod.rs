//! The embedded ksqlDB sandbox: an in-memory, ksqlDB-compatible server (SQL engine + REST API)
//! so that notebooks run on a machine with no Kafka and no ksqlDB.
//!
//! Layout (data flows top to bottom):
//! - [`sql`]: lexer, AST and parser of ksqlDB statements and expressions.
//! - [`types`]: SQL values, casts, comparisons, JSON forms.
//! - [`expr`]: type checking and compilation of expressions into closures (once per query).
//! - [`functions`]: scalar, aggregate and table functions, with signatures for DESCRIBE FUNCTION.
//! - [`topics`]: in-memory partitioned logs and the record formats (JSON, KAFKA, DELIMITED).
//! - [`catalog`]: streams, tables, types and queries metadata.
//! - [`engine`]: statements, persistent queries (incremental dataflow), push and pull queries.
//! - [`server`]: the REST API on hyper (HTTP/1.1 and h2c).
//! - [`qtt`]: runners for ksqlDB's own query-validation and REST test suites.

pub mod catalog;
pub mod engine;
pub mod expr;
pub mod functions;
pub mod registry;
pub mod server;
pub mod sql;
pub mod topics;
pub mod types;

pub use server::{Options, SandboxHandle};

/// Starts the sandbox server (`ksqldb-kernel sandbox`).
pub async fn start(options: Options) -> anyhow::Result<SandboxHandle> {
    server::serve(options).await
}

/// Starts the sandbox in this process on a free loopback port with default limits (what
/// the kernel does when no server is configured). The server stops when the handle is dropped.
pub async fn start_in_process() -> anyhow::Result<SandboxHandle> {
    server::serve(Options::default()).await
}
pub mod qtt;
