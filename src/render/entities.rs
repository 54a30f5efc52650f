//! One renderer per `/ksql` entity type (SHOW lists, DESCRIBE, EXPLAIN, command status...).

use super::messages::render_json_value;
use super::MimeBundle;
use crate::ksql::Entity;

/// The outputs for a `/ksql` response, in order.
pub fn render_entities(entities: &[Entity]) -> Vec<MimeBundle> {
    entities.iter().map(|e| render_json_value(Some(e.type_name()), e.raw_json())).collect()
}
