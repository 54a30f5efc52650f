//! INSERT: INSERT INTO ... SELECT (a persistent query into an existing stream) and
//! INSERT INTO ... VALUES (one record, encoded in the target's formats).

use std::sync::Arc;

use serde_json::Value as J;

use super::exec;
use super::lifecycle::sink_spec;
use super::plan::{plan_query, Plan, PlanOptions};
use super::status::status_entity;
use super::{EResult, Engine, EngineError, Session};
use crate::catalog::{ColKind, Source};
use crate::expr::{compile, Scope};
use crate::sql::ast::{Expr, Query, SourceKind};

use crate::types::{cast, implicitly_castable, to_sql_string, SqlType, Value};

impl Engine {
    pub(super) fn insert_into(
        &mut self,
        text: &str,
        target: &str,
        query: &Query,
        session: &Session,
    ) -> EResult<Option<J>> {
        let sink = self
            .catalog
            .get(target)
            .cloned()
            .ok_or_else(|| EngineError::statement(format!("{target} does not exist.")))?;
        // A table refuses INSERT INTO ... SELECT before any read-only check, as in ksqlDB.
        if sink.kind == SourceKind::Table {
            return Err(EngineError::statement(format!(
                "INSERT INTO can only be used to insert into a stream. {target} is a table."
            )));
        }
        if sink.read_only {
            return Err(EngineError::statement(format!(
                "Cannot insert into read-only {}: {}",
                sink.kind.lower(),
                target
            )));
        }
        if sink.columns.iter().any(|c| matches!(c.kind, ColKind::Header(_))) {
            return Err(EngineError::statement(format!("Cannot insert into {target} because it has header columns")));
        }
        let mut plan = plan_query(
            query,
            &self.catalog,
            &PlanOptions { persistent: true, sink_name: Some(target.to_string()), sink_timestamp: None },
        )
        .map_err(EngineError::statement)?;
        if plan.output_is_table {
            return Err(EngineError::statement(
                "INSERT INTO can only be used to insert into a stream. Your query produces a table.".to_string(),
            ));
        }
        // The result schema must match the sink's.
        let mut result_cols: Vec<(String, SqlType, bool)> =
            plan.key_cols.iter().map(|(n, t)| (n.clone(), t.clone(), true)).collect();
        for (i, c) in plan.columns.iter().enumerate() {
            if !plan.key_positions.contains(&i) {
                result_cols.push((c.name.clone(), c.ty.clone(), false));
            }
        }
        let sink_cols: Vec<(String, SqlType, bool)> =
            sink.columns.iter().map(|c| (c.name.clone(), c.ty.clone(), c.kind == ColKind::Key)).collect();
        // Same names and keys; each type the sink's or one that casts to it implicitly.
        let fits = result_cols.len() == sink_cols.len()
            && result_cols
                .iter()
                .zip(&sink_cols)
                .all(|((rn, rt, rk), (sn, st, sk))| rn == sn && rk == sk && implicitly_castable(rt, st));
        if !fits {
            let fmt = |cols: &[(String, SqlType, bool)]| {
                cols.iter()
                    .map(|(n, t, k)| format!("`{n}` {t}{}", if *k { " KEY" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(EngineError::statement(format!(
                "Incompatible schema between results and sink.\nResult schema is {}\nSink schema is {}",
                fmt(&result_cols),
                fmt(&sink_cols)
            )));
        }
        cast_to_sink(&mut plan, &sink);
        let id = self.next_id("INSERTQUERY", "");
        let spec = sink_spec(&sink, &plan);
        self.start_persistent(id.clone(), text, Some(target.to_string()), plan, spec, session);
        self.command_seq += 1;
        Ok(Some(status_entity(
            text,
            format!("stream/`{target}`/create"),
            format!("Created query with ID {id}"),
            Some(id),
            self.command_seq,
        )))
    }

    /// The source INSERT ... VALUES and /inserts-stream may write to.
    pub fn insertable(&self, target: &str) -> EResult<&Source> {
        let src = self.catalog.get(target).ok_or_else(|| {
            // A source of the same name in another case: ksqlDB's hint about quoting.
            let other = self.catalog.sources.keys().find(|n| n.eq_ignore_ascii_case(target) && *n != target);
            let hint = match other {
                Some(n) if *n == n.to_ascii_uppercase() => {
                    format!("\nDid you mean {n}? Hint: try removing double quotes from the source name.")
                }
                Some(n) => format!(
                    "\nDid you mean \"{n}\"? Hint: wrap the source name in double quotes to make it \
                     case-sensitive."
                ),
                None => String::new(),
            };
            EngineError::statement(format!("Cannot insert values into an unknown stream/table: `{target}`{hint}"))
        })?;
        if src.read_only {
            return Err(EngineError::statement(format!(
                "Cannot insert values into read-only {}: {target}",
                src.kind.lower()
            )));
        }
        if src.writer_query.is_some() && src.kind == SourceKind::Table {
            return Err(EngineError::statement(format!(
                "Cannot insert values into a table created by a query: {target}"
            )));
        }
        Ok(src)
    }

    /// INSERT INTO ... VALUES.
    pub fn insert_values(&mut self, target: &str, columns: Option<&[String]>, values: &[Expr]) -> EResult<()> {
        let src = self.insertable(target)?;
        let headers: Vec<&str> =
            src.columns.iter().filter(|c| matches!(c.kind, ColKind::Header(_))).map(|c| c.name.as_str()).collect();
        let names: Vec<String> = match columns {
            Some(c) => c.to_vec(),
            None => {
                src.columns.iter().filter(|c| !matches!(c.kind, ColKind::Header(_))).map(|c| c.name.clone()).collect()
            }
        };
        // Headers come from the record, never from values (all columns: the values cover them).
        let named: Vec<&str> = match columns {
            Some(c) => headers.iter().copied().filter(|h| c.iter().any(|n| n == h)).collect(),
            None if values.len() == src.columns.len() && !headers.is_empty() => headers.clone(),
            None => vec![],
        };
        if !named.is_empty() {
            return Err(EngineError::statement(format!("Cannot insert into HEADER columns: {}", named.join(", "))));
        }
        if names.len() != values.len() {
            return Err(EngineError::statement(format!(
                "Failed to prepare statement: Expected number columns and values to match: {}, {}",
                names.len(),
                values.len()
            )));
        }
        let mut row_ts: Option<i64> = None;
        let mut by_name: Vec<(String, Value)> = Vec::new();
        for (n, e) in names.iter().zip(values) {
            let c = compile(e, &Scope::default()).map_err(EngineError::statement)?;
            let v = (c.eval)(&[]);
            if n == "ROWTIME" {
                row_ts = Some(v.as_i64().ok_or_else(|| EngineError::statement("ROWTIME must be a BIGINT"))?);
                continue;
            }
            if n == "ROWPARTITION" || n == "ROWOFFSET" {
                return Err(EngineError::statement(format!("Inserting into column `{n}` is not allowed.")));
            }
            let col = src
                .columns
                .iter()
                .find(|c| c.name == *n)
                .ok_or_else(|| EngineError::statement(format!("Column name `{n}` does not exist.")))?;
            if matches!(col.kind, ColKind::Header(_)) {
                return Err(EngineError::statement(format!("Cannot insert into HEADER columns: {n}")));
            }
            let v = insert_coerce(&v, &col.ty, c.ty.as_ref())
                .map_err(|m| EngineError::statement(format!("Failed to insert values into '{target}'. {m}")))?;
            by_name.push((n.clone(), v));
        }
        self.insert_row(target, &by_name, row_ts)
    }

    /// Writes one row of typed values, by column name, into `target` (after
    /// [`Engine::insertable`]'s checks).
    pub fn insert_row(&mut self, target: &str, by_name: &[(String, Value)], row_ts: Option<i64>) -> EResult<()> {
        let w = self.row_writer(target, None)?;
        let mut row = w.empty_row();
        for (name, v) in by_name {
            w.set(&mut row, name, v.clone()).map_err(EngineError::statement)?;
        }
        self.write_row(&w, &row, row_ts, crate::topics::now_ms())
    }
}

/// Coerces an INSERT VALUES literal to its column type (ksqlDB's rules: numbers widen,
/// strings parse into TIMESTAMP/DATE/TIME, everything else must match).
fn insert_coerce(v: &Value, to: &SqlType, from: Option<&SqlType>) -> Result<Value, String> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let Some(from) = from else { return Ok(Value::Null) };
    let ok = implicitly_castable(from, to)
        || matches!((from, to), (SqlType::String, SqlType::Timestamp | SqlType::Date | SqlType::Time))
        || matches!((from, to), (SqlType::Decimal { .. }, SqlType::Decimal { .. }));
    if !ok {
        return Err(format!("Expected type {to} for field, but got {} ({})", to_sql_string(v), from));
    }
    cast(v, to)
}

/// Values of a type the sink's column casts from implicitly are cast as they are written.
fn cast_to_sink(plan: &mut Plan, sink: &Source) {
    let exec::Body::Project(p) = &mut plan.executor.body else { return };
    for (i, c) in plan.columns.iter().enumerate() {
        let Some(target) = sink.columns.iter().find(|s| s.name == c.name).map(|s| s.ty.clone()) else { continue };
        if c.ty != target {
            let value = p.items[i].clone();
            p.items[i] = Arc::new(move |row: &[Value]| cast(&value(row), &target).unwrap_or(Value::Null));
        }
    }
}
