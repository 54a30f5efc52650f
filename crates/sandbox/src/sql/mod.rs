//! ksqlDB SQL front end: [`lexer`] (tokens with positions), [`ast`] (the statement tree),
//! [`parser`] (hand-written recursive descent, ksqlDB-style error messages).

pub mod ast;
pub mod lexer;
pub mod parser;

pub use parser::{parse_statement, substitute_variables, ParseError};
