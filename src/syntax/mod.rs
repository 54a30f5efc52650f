//! ksqlDB language knowledge shared by the kernel and the sandbox. Imports nothing else of
//! the crate: both sides build on it, so it must not depend on either.

pub mod functions;
pub mod keywords;
