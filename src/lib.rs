//! ksqldb-kernel: a Jupyter kernel for ksqlDB.
//!
//! Layers (data flows down, never back up):
//! - [`jupyter`]: the Jupyter messaging protocol over ZeroMQ; knows nothing about ksqlDB.
//! - [`kernel`]: the interpreter: cells, statements, session state, magics.
//! - [`ksql`]: the ksqlDB REST client; knows nothing about Jupyter.
//! - [`render`]: pure functions from ksqlDB results to MIME bundles.
//! - [`sandbox`]: an in-memory ksqlDB-compatible server (SQL engine + REST API), used when no
//!   real server is configured.
//! - [`syntax`]: ksqlDB language knowledge shared by the kernel and the sandbox: the one
//!   lexer, statement splitting, `${var}` substitution, keywords, the built-in function
//!   catalog; imports nothing else of the crate.
//! - [`units`]: numbers and sizes as people read them (used by every layer).
//! - [`paths`]: Jupyter's per-user data folder (kernelspec, history, cleanup records).
//! - [`wire`]: the ksqlDB REST wire model (SQL types, entities, error bodies) that the client
//!   reads and the sandbox writes; imports nothing else of the crate.

pub mod jupyter;
pub mod kernel;
pub mod kernelspec;
pub mod ksql;
pub mod paths;
pub mod render;
pub mod sandbox;
pub mod syntax;
pub mod units;
pub mod wire;
