//! The sandbox's Datagen: records like Confluent's Datagen source connector makes, for the
//! connectors CREATE SOURCE CONNECTOR starts in the sandbox (see `engine::connectors`).
//!
//! - [`schema`]: the shape of a quickstart (fields and how each value is drawn).
//! - [`quickstarts`]: the connector's quickstarts in that shape.
//! - [`catalogs`]: the long record lists the `shoes` quickstarts pick from.
//! - [`generator`]: draws records (seeded) and writes a quickstart's Avro schema.

pub mod catalogs;
pub mod generator;
pub mod quickstarts;
pub mod schema;

pub use generator::{avro_schema, DecimalFormat, Generator};
pub use quickstarts::find;

/// The quickstart names, for error messages and completion.
pub fn quickstart_names() -> Vec<&'static str> {
    quickstarts::QUICKSTARTS.iter().map(|q| q.name).collect()
}

#[cfg(test)]
mod tests;
