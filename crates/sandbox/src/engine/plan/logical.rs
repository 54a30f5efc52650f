//! The logical plan: what a query computes, as plain data (resolved sources, row schemas,
//! types, AST expressions; no closures). The analyzer builds it and checks it; the physical
//! phase compiles it into an executor; EXPLAIN and the tests read it.
//!
//! A ksqlDB query always has the same shape, so the plan is one struct with a field per
//! operator, in data-flow order: scans, a left-deep join chain, filter, table functions,
//! aggregation, projection, sink.

use crate::catalog::{Source, WindowType};
use crate::expr::{format_expr, Scope};
use crate::sql::ast::{Expr, JoinKind, WindowSpec};
use crate::types::{SqlType, Value};

#[derive(Debug, Clone)]
pub struct LogicalPlan {
    /// FROM, then each JOIN's source, in query order.
    pub scans: Vec<Scan>,
    /// Join `i` joins the result of the previous ones with `scans[i + 1]`.
    pub joins: Vec<JoinNode>,
    /// The row after the join chain (what WHERE and the table functions read).
    pub joined: Scope,
    /// The joined relation is a table (every source is).
    pub relation_is_table: bool,
    pub filter: Option<Filter>,
    pub flat_map: Option<FlatMapNode>,
    pub aggregate: Option<AggregateNode>,
    pub project: ProjectNode,
    pub sink: SinkNode,
}

/// A source read from its topic.
#[derive(Debug, Clone)]
pub struct Scan {
    pub source: Source,
    pub alias: String,
    /// The columns a row of this source has (keys, window bounds, values, pseudocolumns).
    pub schema: Scope,
}

/// One binary join of the chain, keyed by an equality (`left_key = right_key`).
#[derive(Debug, Clone)]
pub struct JoinNode {
    pub kind: JoinKind,
    /// The row joined so far, and the right source's row.
    pub left: Scope,
    pub right: Scope,
    pub left_key: Expr,
    pub right_key: Expr,
    pub left_is_table: bool,
    pub right_is_table: bool,
    /// WITHIN (before, after, grace) in ms, for stream-stream joins.
    pub within: Option<(i64, i64, i64)>,
    /// WITHIN gave a GRACE PERIOD (then unmatched rows wait for their window to close).
    pub grace_given: bool,
    /// A foreign-key table-table join: the left table's primary-key columns (the result's
    /// key); empty for a join on both primary keys.
    pub left_primary_key: Vec<Expr>,
    /// Both sides are windowed: records join within the same window of the same key (time
    /// windows by their start, sessions by both bounds).
    pub windowed: Option<WindowType>,
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub predicate: Expr,
}

/// Table functions of the select list: each adds a column `KSQL_SYNTH_i` to the row.
#[derive(Debug, Clone)]
pub struct FlatMapNode {
    pub functions: Vec<TableFunctionCall>,
    /// The row with the table functions' columns (what grouping and projection read).
    pub output: Scope,
}

#[derive(Debug, Clone)]
pub struct TableFunctionCall {
    pub name: String,
    /// The call as written: the select expressions read its column in its place.
    pub call: Expr,
    pub args: Vec<Expr>,
    pub ty: SqlType,
}

#[derive(Debug, Clone)]
pub struct AggregateNode {
    pub group_by: Vec<GroupKey>,
    pub calls: Vec<AggregateCall>,
    pub window: Option<WindowSpec>,
    pub having: Option<Expr>,
    pub emit_final: bool,
    /// The aggregation's row: grouping columns, one column per call, window bounds, ROWTIME.
    pub output: Scope,
}

#[derive(Debug, Clone)]
pub struct GroupKey {
    pub expr: Expr,
    pub name: String,
    pub ty: SqlType,
}

#[derive(Debug, Clone)]
pub struct AggregateCall {
    /// The function's catalog name.
    pub function: &'static str,
    /// The call as written (for EXPLAIN).
    pub call: Expr,
    /// The per-row column arguments and their types; the literal arguments, evaluated.
    pub args: Vec<Expr>,
    pub arg_types: Vec<SqlType>,
    pub literals: Vec<Value>,
    pub ret: SqlType,
}

impl TableFunctionCall {
    /// Adds table function `i`'s result column to `scope`: the select expressions read it in
    /// the call's place. (Each argument is compiled in the scope before its own column.)
    pub fn add_column(scope: &mut Scope, i: usize, call: &Expr, ty: SqlType) {
        let idx = scope.push(None, &format!("KSQL_SYNTH_{i}"), ty);
        scope.subst.push((format_expr(call), idx));
    }
}

/// The message for a HAVING expression that is neither a grouping nor an aggregate.
pub const HAVING_NON_AGG: &str = "Non-aggregate HAVING expression not part of GROUP BY: {}";

impl AggregateNode {
    /// The scope HAVING compiles against: the output row, with its own error message.
    pub fn having_scope(&self) -> Scope {
        let mut scope = self.output.clone();
        scope.only_subst = Some(HAVING_NON_AGG.into());
        scope
    }
}

/// The SELECT list, evaluated over `input` (the aggregation's row, or the relation's).
#[derive(Debug, Clone)]
pub struct ProjectNode {
    pub columns: Vec<ProjectedColumn>,
    pub input: Scope,
}

#[derive(Debug, Clone)]
pub struct ProjectedColumn {
    pub name: String,
    pub ty: SqlType,
    pub key: bool,
    pub value: ColumnValue,
}

/// How a projected (or key) column gets its value from the input row.
#[derive(Debug, Clone)]
pub enum ColumnValue {
    /// An expression over the input scope.
    Expr(Expr),
    /// The input row's column at this position (`SELECT *` without aggregation).
    Field(usize),
    /// The first non-null of these expressions: a join key, which RIGHT and FULL OUTER rows
    /// without a left side still carry from the other side.
    FirstNonNull(Vec<Expr>),
}

/// Where the output goes: its key, its kind and window, its record time.
#[derive(Debug, Clone)]
pub struct SinkNode {
    /// The sink's name (none for a transient query).
    pub name: Option<String>,
    pub key: Vec<SinkKey>,
    pub is_table: bool,
    pub window: Option<(WindowType, Option<u64>)>,
    /// The projected column (position) whose value is the record time (WITH TIMESTAMP).
    pub timestamp: Option<usize>,
    /// TIMESTAMP_FORMAT of a STRING timestamp column.
    pub timestamp_format: Option<String>,
    pub partition_by: Vec<Expr>,
    /// Which PARTITION BY expressions read value columns: in a null-value record (only key
    /// columns) those key columns are null, the others are computed from the key.
    pub partition_reads_values: Vec<bool>,
    /// A persistent query (CREATE ... AS SELECT, INSERT INTO), which passes tombstones on.
    pub persistent: bool,
}

#[derive(Debug, Clone)]
pub struct SinkKey {
    pub name: String,
    pub ty: SqlType,
    /// The projected column that is this key, when projected.
    pub position: Option<usize>,
    pub value: ColumnValue,
}

impl LogicalPlan {
    pub fn from(&self) -> &Source {
        &self.scans[0].source
    }

    pub fn has_join(&self) -> bool {
        !self.joins.is_empty()
    }

    /// The row grouping and projection read: with the table functions' columns, if any.
    pub fn relation(&self) -> &Scope {
        self.flat_map.as_ref().map(|f| &f.output).unwrap_or(&self.joined)
    }
}
