//! ksqlDB REST client: endpoints, streaming row parsers, typed entities, errors, server
//! versions and capabilities. Knows nothing about Jupyter.

pub mod schema;
