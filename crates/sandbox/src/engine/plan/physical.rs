//! Phase 2 of planning: [`LogicalPlan`] -> [`Executor`]. Each operator's expressions are
//! compiled into closures over the row it reads. The analyzer already checked them against
//! the same scopes, so an error here would be a planner bug; it is passed on, not unwrapped.

use std::sync::Arc;

use super::logical::*;
use crate::catalog::WindowType;
use crate::engine::exec::*;
use crate::expr::{compile, EvalFn, Scope};
use crate::functions::{aggregate, table};
use crate::sql::ast::SourceKind;
use crate::types::Value;

/// Builds the executor that runs `plan`.
pub fn build_executor(plan: &LogicalPlan) -> Result<Executor, String> {
    let inputs = plan.scans.iter().map(input).collect();
    let joins = plan.joins.iter().map(join_stage).collect::<Result<_, _>>()?;
    let filter = match &plan.filter {
        Some(f) => Some(compile(&f.predicate, &plan.joined)?.eval),
        None => None,
    };
    let flatmap = plan.flat_map.as_ref().map(|f| flat_map(f, &plan.joined)).transpose()?;
    let projector = projector(plan)?;
    let out_ts =
        plan.sink.timestamp.map(|pos| record_time(projector.items[pos].clone(), plan.sink.timestamp_format.clone()));
    let body = match &plan.aggregate {
        Some(a) => Body::Aggregate(Box::new(aggregator(a, plan.relation(), projector)?)),
        None => Body::Project(projector),
    };
    Ok(Executor {
        inputs,
        joins,
        filter,
        flatmap,
        body,
        output_is_table: plan.sink.is_table,
        relation_is_table: plan.relation_is_table,
        out_ts,
        stream_time: i64::MIN,
        errors: vec![],
        pass_null_values: plan.sink.persistent,
    })
}

/// The sink's record time from its TIMESTAMP column: milliseconds, or null when the column
/// holds none (a STRING that does not parse with its format).
fn record_time(column: EvalFn, format: Option<String>) -> EvalFn {
    let Some(format) = format else { return column };
    Arc::new(move |row: &[Value]| match column(row) {
        Value::String(s) => {
            crate::functions::scalar::parse_ts(&s, &format, None).map(Value::Bigint).unwrap_or(Value::Null)
        }
        other => other,
    })
}

/// A scan: the source's topic, decoded into rows of its schema.
fn input(scan: &Scan) -> Input {
    Input {
        topic: scan.source.topic.clone(),
        decoder: Decoder::new(&scan.source),
        is_table: scan.source.kind == SourceKind::Table,
        state: Default::default(),
        keys_only: false,
        keys: Default::default(),
    }
}

/// A join: each side of ON compiled over its own input's row.
fn join_stage(j: &JoinNode) -> Result<JoinStage, String> {
    let (mut left, mut right) = (compile(&j.left_key, &j.left)?, compile(&j.right_key, &j.right)?);
    if let Some(window) = j.windowed {
        let session = window == WindowType::Session;
        left.eval = with_window(left.eval, &j.left, session)?;
        right.eval = with_window(right.eval, &j.right, session)?;
    }
    let (lw, rw) = (j.left.cols.len(), j.right.cols.len());
    let mut stage = JoinStage::new(j.kind, left.eval, right.eval, lw, rw, j.left_is_table, j.right_is_table, j.within);
    if j.grace_given {
        stage = stage.with_grace_period();
    }
    if j.left_primary_key.is_empty() {
        return Ok(stage);
    }
    let primary_key =
        j.left_primary_key.iter().map(|e| compile(e, &j.left).map(|c| c.eval)).collect::<Result<_, _>>()?;
    Ok(stage.with_foreign_key(primary_key))
}

/// A windowed source's join key: its key with its window (a time window's start, a session's
/// bounds), so that records join only within the same window.
fn with_window(key: EvalFn, scope: &Scope, session: bool) -> Result<EvalFn, String> {
    let position = |name: &str| {
        scope.cols.iter().position(|c| c.name == name).ok_or_else(|| format!("no {name} in a windowed join side"))
    };
    let (start, end) = (position("WINDOWSTART")?, position("WINDOWEND")?);
    Ok(Arc::new(move |row: &[Value]| match key(row) {
        Value::Null => Value::Null,
        k if session => Value::Array(vec![k, row[start].clone(), row[end].clone()]),
        k => Value::Array(vec![k, row[start].clone()]),
    }))
}

/// Table functions: each argument sees the row with the earlier functions' columns.
fn flat_map(f: &FlatMapNode, joined: &Scope) -> Result<FlatMap, String> {
    let mut scope = joined.clone();
    let mut funcs = Vec::new();
    for (i, call) in f.functions.iter().enumerate() {
        let f = table::lookup(&call.name).ok_or_else(|| format!("unknown table function {}", call.name))?;
        let args = call.args.iter().map(|a| compile(a, &scope).map(|c| c.eval)).collect::<Result<_, _>>()?;
        funcs.push((f, args));
        TableFunctionCall::add_column(&mut scope, i, &call.call, call.ty.clone());
    }
    Ok(FlatMap { funcs })
}

/// A column's (or key's) value over the row `scope` describes.
fn column_value(value: &ColumnValue, scope: &Scope) -> Result<EvalFn, String> {
    Ok(match value {
        ColumnValue::Expr(e) => compile(e, scope)?.eval,
        ColumnValue::Field(i) => {
            let i = *i;
            Arc::new(move |row: &[Value]| row[i].clone())
        }
        ColumnValue::FirstNonNull(exprs) => {
            let evals = exprs.iter().map(|e| compile(e, scope).map(|c| c.eval)).collect::<Result<Vec<_>, _>>()?;
            Arc::new(move |row: &[Value]| evals.iter().map(|f| f(row)).find(|v| !v.is_null()).unwrap_or(Value::Null))
        }
    })
}

/// Projection and output key, over the projection's input row.
fn projector(plan: &LogicalPlan) -> Result<Projector, String> {
    let input = &plan.project.input;
    let items = plan.project.columns.iter().map(|c| column_value(&c.value, input)).collect::<Result<_, _>>()?;
    let key = plan.sink.key.iter().map(|k| column_value(&k.value, input)).collect::<Result<_, _>>()?;
    let fields = plan
        .project
        .columns
        .iter()
        .map(|c| match &c.value {
            ColumnValue::Field(i) => Some(*i),
            // A GROUP BY key or an aggregate over the post-aggregation row: one of its columns.
            ColumnValue::Expr(e) => input.substituted(e),
            ColumnValue::FirstNonNull(_) => None,
        })
        .collect();
    Ok(Projector { key, items, key_reads_values: plan.sink.partition_reads_values.clone(), fields })
}

/// Aggregation: grouping keys and call arguments over the relation's row, HAVING over the
/// aggregation's row; the projection runs on each aggregated row.
fn aggregator(a: &AggregateNode, relation: &Scope, post: Projector) -> Result<Aggregator, String> {
    let group_by = a.group_by.iter().map(|g| compile(&g.expr, relation).map(|c| c.eval)).collect::<Result<_, _>>()?;
    let mut calls = Vec::new();
    for call in &a.calls {
        let func = aggregate::lookup(call.function).ok_or_else(|| format!("unknown aggregate {}", call.function))?;
        let args = call.args.iter().map(|e| compile(e, relation).map(|c| c.eval)).collect::<Result<_, _>>()?;
        let (arg_types, literals, ret) = (call.arg_types.clone(), call.literals.clone(), call.ret.clone());
        calls.push(AggCall { func, args, arg_types, literals, ret });
    }
    let having = match &a.having {
        Some(h) => Some(compile(h, &a.having_scope())?.eval),
        None => None,
    };
    Ok(Aggregator::new(group_by, calls, a.window.clone(), post, having, a.emit_final))
}
