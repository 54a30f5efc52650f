//! ksqlDB language knowledge shared by the kernel and the sandbox: the one lexer, statement
//! splitting, `${var}` substitution, the keywords and the built-in function catalog. Imports
//! nothing of the other crates: both sides build on it, so it must not depend on either.

pub mod functions;
pub mod keyword_docs;
pub mod keywords;
pub mod lexer;
pub mod split;
pub mod variables;
