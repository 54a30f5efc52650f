//! ksqlDB language knowledge shared by the kernel and the sandbox: the one lexer, statement
//! splitting and `${var}` substitution. Imports nothing else of the crate.

pub mod lexer;
pub mod split;
pub mod variables;
