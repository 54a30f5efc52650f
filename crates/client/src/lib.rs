//! ksqlDB REST client: endpoints, streaming row parsers, errors, server versions and
//! capabilities. Knows nothing about Jupyter. The entities and SQL types it reads are the
//! wire model's ([`ksql_wire`]).
//!
//! - [`client`]: [`KsqlClient`] over reqwest (HTTP/1.1 and HTTP/2), fallbacks between endpoints.
//! - [`stream`]: byte-fed parsers of query responses, one per wire format.
//! - `read_ahead`: a query body read by its own task while the parser works.
//! - [`error`]: [`KsqlError`] with hints for the user.
//! - [`version`]: `/info`, version mapping, [`ServerCapabilities`].

pub mod client;
pub mod error;
mod read_ahead;
pub mod stream;
pub mod version;

pub use client::{Auth, ConnectionSettings, KsqlClient, PrintStream, QueryStream, RequestContext, TlsSettings};
pub use error::KsqlError;
pub use stream::{
    parse_row_values, row_key_text, row_values_at, values_key_text, QueryEvent, QueryHeader, RawRow, Row, RowBatch,
};
pub use version::{QueryEndpointPolicy, ServerCapabilities, ServerInfo, ServerVersion};
