//! The query planner, in two phases:
//!
//! 1. [`analyze`]: AST + catalog -> [`LogicalPlan`] ([`logical`]): names and types resolved,
//!    ksqlDB's semantic checks made (every planning error comes from here);
//! 2. [`physical`]: [`LogicalPlan`] -> [`Executor`]: expressions compiled into closures.
//!
//! [`explain`] prints the logical plan as EXPLAIN's operator tree.

mod analyze;
mod columns_read;
pub mod explain;
pub mod logical;
mod physical;

use self::logical::LogicalPlan;
use super::exec::Executor;
use crate::catalog::{Catalog, Source, WindowType};
use crate::sql::ast::Query;
use crate::types::SqlType;

#[derive(Debug, Clone)]
pub struct OutCol {
    pub name: String,
    pub ty: SqlType,
    pub key: bool,
}

pub struct Plan {
    pub executor: Executor,
    /// The plan the executor was built from (EXPLAIN prints it).
    pub logical: LogicalPlan,
    /// The projection, in SELECT order (`key` marks the columns that form the key).
    pub columns: Vec<OutCol>,
    /// The key columns of a sink, in key order.
    pub key_cols: Vec<(String, SqlType)>,
    /// Positions in `columns` of the key columns that are projected (in key order).
    pub key_positions: Vec<usize>,
    pub output_is_table: bool,
    pub window: Option<(WindowType, Option<u64>)>,
    pub sources: Vec<String>,
    /// The source the query reads first (for transient ids and formats).
    pub from: Source,
    pub has_aggregation: bool,
    pub has_join: bool,
}

pub struct PlanOptions {
    /// Persistent queries must project their key columns.
    pub persistent: bool,
    pub sink_name: Option<String>,
    /// Sink TIMESTAMP column (WITH on the CSAS).
    pub sink_timestamp: Option<SinkTimestamp>,
}

/// The sink's TIMESTAMP column and, for a STRING column, its TIMESTAMP_FORMAT.
pub struct SinkTimestamp {
    pub column: String,
    pub format: Option<String>,
}

/// Plans a [`Query`]: its logical plan, then the executor that runs it.
pub fn plan_query(q: &Query, catalog: &Catalog, opts: &PlanOptions) -> Result<Plan, String> {
    let logical = analyze::analyze(q, catalog, opts)?;
    let mut executor = physical::build_executor(&logical)?;
    if let Some(read) = columns_read::columns_read(q) {
        executor.inputs.iter_mut().for_each(|input| input.decoder.leave_unread(&read));
    }
    let sink = &logical.sink;
    Ok(Plan {
        executor,
        columns: logical
            .project
            .columns
            .iter()
            .map(|c| OutCol { name: c.name.clone(), ty: c.ty.clone(), key: c.key })
            .collect(),
        key_cols: sink.key.iter().map(|k| (k.name.clone(), k.ty.clone())).collect(),
        key_positions: sink.key.iter().filter_map(|k| k.position).collect(),
        output_is_table: sink.is_table,
        window: sink.window,
        sources: logical.scans.iter().map(|s| s.source.name.clone()).collect(),
        from: logical.from().clone(),
        has_aggregation: logical.aggregate.is_some(),
        has_join: logical.has_join(),
        logical,
    })
}

#[cfg(test)]
mod tests;
