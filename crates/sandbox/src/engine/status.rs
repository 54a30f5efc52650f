//! The answers of statements that change something: ksqlDB's `currentStatus`, and the
//! `warning_entity` of an IF [NOT] EXISTS statement that had nothing to do.

use serde_json::Value as J;

use ksql_wire::entity::{CommandStatus, CommandStatusEntity, Envelope, WarningEntity};

/// A command's `currentStatus`: always SUCCESS, as sandbox commands finish before the answer.
pub(super) fn status_entity(text: &str, command_id: String, message: String, query_id: Option<String>, seq: i64) -> J {
    let body = CommandStatusEntity {
        // The envelope writes the statement text.
        statement_text: None,
        command_id: Some(command_id),
        command_status: CommandStatus { status: "SUCCESS".into(), message, query_id },
        command_sequence_number: Some(seq),
    };
    Envelope::new(text, body).to_json()
}

pub(super) fn warning(text: &str, message: impl Into<String>) -> J {
    Envelope::new(text, WarningEntity { message: message.into() }).to_json()
}
