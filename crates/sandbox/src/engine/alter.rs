//! ALTER STREAM/TABLE ... ADD COLUMN, by ksqlDB's rules: only sources made by CREATE ... WITH
//! (not read-only SOURCE ones, not the sinks of CREATE ... AS SELECT); the new columns are
//! value columns, appended; queries already running keep the schema they started with.

use serde_json::Value as J;

use super::status::status_entity;
use super::{EResult, Engine, EngineError};
use crate::catalog::{ColKind, Column};
use crate::sql::ast::SourceKind;
use crate::types::SqlType;

impl Engine {
    pub(super) fn alter_source(
        &mut self,
        text: &str,
        kind: SourceKind,
        name: &str,
        columns: &[(String, SqlType)],
    ) -> EResult<Option<J>> {
        let Some(source) = self.catalog.sources.get_mut(name) else {
            return Err(EngineError::statement(format!("Source {name} does not exist.")));
        };
        if source.read_only {
            let word = kind.lower();
            return Err(EngineError::statement(format!(
                "Cannot alter {word} '{name}': ALTER operations are not supported on source {word}s."
            )));
        }
        if source.kind != kind {
            return Err(EngineError::statement(format!(
                "Incompatible data source type is {}, but statement was ALTER {}",
                source.kind.name(),
                kind.name()
            )));
        }
        if source.writer_query.is_some() {
            return Err(EngineError::statement("ALTER command is not supported for CREATE ... AS statements."));
        }
        for (i, (column, _)) in columns.iter().enumerate() {
            let taken =
                source.columns.iter().any(|c| c.name == *column) || columns[..i].iter().any(|(c, _)| c == column);
            if taken {
                return Err(EngineError::statement(format!(
                    "Cannot add column `{column}` to schema. A column with the same name already exists."
                )));
            }
        }
        // As ksqlDB: the source's statement becomes the ALTER (DESCRIBE shows it).
        source.statement = text.to_string();
        source.columns.extend(columns.iter().map(|(n, ty)| Column {
            name: n.clone(),
            ty: ty.clone(),
            kind: ColKind::Value,
        }));
        let message = format!("{} {name} altered.", if kind == SourceKind::Stream { "Stream" } else { "Table" });
        self.command_seq += 1;
        Ok(Some(status_entity(text, format!("{}/`{name}`/alter", kind.lower()), message, None, self.command_seq)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{QueryResult, Session};
    use super::*;

    fn run(e: &mut Engine, s: &mut Session, sql: &str) -> Result<Option<J>, String> {
        e.execute(sql, s).map_err(|err| err.message)
    }

    #[test]
    fn add_columns_to_a_stream_then_read_them() {
        let (mut e, mut s) = (Engine::new(), Session::default());
        run(
            &mut e,
            &mut s,
            "CREATE STREAM S (K INT KEY, A STRING) WITH (kafka_topic='s', value_format='json', partitions=1);",
        )
        .unwrap();
        run(&mut e, &mut s, "INSERT INTO S (K, A) VALUES (1, 'old');").unwrap();
        let altered = run(&mut e, &mut s, "ALTER STREAM S ADD COLUMN B INT, ADD C ARRAY<STRING>;").unwrap().unwrap();
        assert_eq!(altered["commandStatus"]["message"], "Stream S altered.");
        assert_eq!(altered["commandId"], "stream/`S`/alter");
        run(&mut e, &mut s, "INSERT INTO S (K, A, B, C) VALUES (2, 'new', 7, ARRAY['x']);").unwrap();
        s.properties.push(("auto.offset.reset".into(), "earliest".into()));
        let QueryResult::Push { header, .. } = e.query("SELECT * FROM S EMIT CHANGES LIMIT 2;", &mut s).unwrap() else {
            panic!("not a push query")
        };
        let names: Vec<&str> = header.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["K", "A", "B", "C"]);
        let rows: Vec<_> = e.drain(&header.query_id);
        let text = format!("{rows:?}");
        assert!(text.contains("Null") && text.contains("Int(7)"), "{text}");
        let described = run(&mut e, &mut s, "DESCRIBE S;").unwrap().unwrap();
        assert_eq!(described["sourceDescription"]["fields"].as_array().unwrap().len(), 4);
        assert!(matches!(e.catalog.get("S").unwrap().columns[3].ty, SqlType::Array(_)));
    }

    #[test]
    fn what_ksqldb_refuses_to_alter() {
        let (mut e, mut s) = (Engine::new(), Session::default());
        for sql in [
            "CREATE STREAM S (K INT KEY, A STRING) WITH (kafka_topic='s', value_format='json', partitions=1);",
            "CREATE SOURCE STREAM R (A STRING) WITH (kafka_topic='s', value_format='json');",
            "CREATE STREAM D AS SELECT * FROM S;",
        ] {
            run(&mut e, &mut s, sql).unwrap();
        }
        for (sql, message) in [
            ("ALTER STREAM NOPE ADD COLUMN X INT;", "Source NOPE does not exist."),
            (
                "ALTER TABLE S ADD COLUMN X INT;",
                "Incompatible data source type is STREAM, but statement was ALTER TABLE",
            ),
            (
                "ALTER STREAM R ADD COLUMN X INT;",
                "Cannot alter stream 'R': ALTER operations are not supported on source streams.",
            ),
            ("ALTER STREAM D ADD COLUMN X INT;", "ALTER command is not supported for CREATE ... AS statements."),
            (
                "ALTER STREAM S ADD COLUMN A INT;",
                "Cannot add column `A` to schema. A column with the same name already exists.",
            ),
            (
                "ALTER STREAM S ADD X INT, ADD X STRING;",
                "Cannot add column `X` to schema. A column with the same name already exists.",
            ),
        ] {
            assert_eq!(run(&mut e, &mut s, sql).unwrap_err(), message, "{sql}");
        }
        assert_eq!(e.catalog.get("S").unwrap().columns.len(), 2, "a refused ALTER changes nothing");
    }
}
