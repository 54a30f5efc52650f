//! ksqlDB REST client: endpoints, streaming row parsers, typed entities, errors, server
//! versions and capabilities. Knows nothing about Jupyter.
//!
//! - [`client`]: [`KsqlClient`] over reqwest (HTTP/1.1 and HTTP/2), fallbacks between endpoints.
//! - [`stream`]: byte-fed parsers of query responses, one per wire format.
//! - [`entity`]: typed `/ksql` entities.
//! - [`error`]: [`KsqlError`] with hints for the user.
//! - [`version`]: `/info`, version mapping, [`ServerCapabilities`].
//! - [`schema`]: SQL types and the header schema grammar.

pub mod client;
pub mod entity;
pub mod error;
pub mod schema;
pub mod stream;
pub mod version;

pub use client::{Auth, ConnectionSettings, KsqlClient, PrintStream, QueryStream, RequestContext, TlsSettings};
pub use entity::Entity;
pub use error::KsqlError;
pub use stream::{QueryEvent, QueryHeader, Row};
pub use version::{QueryEndpointPolicy, ServerCapabilities, ServerInfo, ServerVersion};
