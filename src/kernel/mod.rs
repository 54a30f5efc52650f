//! The interpreter: a cell becomes statements and magics, run against a ksqlDB server.

pub mod builtins;
pub mod completion;
pub mod splitter;
