//! ksqldb-kernel: a Jupyter kernel for ksqlDB.
//!
//! The binary's crate: the interpreter ([`kernel`]), the kernelspec installer and Jupyter's
//! data folder. The layers below are crates of their own (crates/), so the compiler keeps
//! data flowing down:
//! - `ksql-syntax`, `ksql-wire`, `ksqldb-units`: the language (one lexer, the function
//!   catalog), the REST wire model, numbers as people read them; they import nothing else.
//! - `jupyter-kernel`: the Jupyter messaging protocol over ZeroMQ; knows nothing about ksqlDB.
//! - `ksqldb-client`: the ksqlDB REST client; knows nothing about Jupyter.
//! - `ksqldb-render`: pure functions from ksqlDB results to MIME bundles.
//! - `ksqldb-sandbox`: an in-memory ksqlDB-compatible server (SQL engine + REST API), used when
//!   no real server is configured.
//! - [`kernel`]: the interpreter: cells, statements, session state, magics; the only layer
//!   that knows both sides.
//! - [`paths`]: Jupyter's per-user data folder (kernelspec, history, cleanup records).

pub mod kernel;
pub mod kernelspec;
pub mod paths;
