//! ksqlDB REST client: endpoints, streaming row parsers, typed entities, errors, server
//! versions and capabilities. Knows nothing about Jupyter.

pub mod entity;
pub mod error;
pub mod schema;
pub mod version;

pub use entity::Entity;
pub use error::KsqlError;
pub use version::{QueryEndpointPolicy, ServerCapabilities, ServerInfo, ServerVersion};
pub mod stream;
pub use stream::{QueryEvent, QueryHeader, Row};
