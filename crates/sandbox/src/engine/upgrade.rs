//! Which running queries CREATE OR REPLACE ... AS SELECT may upgrade in place, by ksqlDB's
//! rule (`ExecutionStep.validateUpgrade`): a query plan reduced to its *enforcing* steps
//! (sink, PARTITION BY, aggregation, grouping, source) must keep each of them as it was;
//! filters and projections are *passive* and may change freely. Joins, table functions,
//! windowed and table aggregations cannot be upgraded at all ("Upgrades not yet supported").
//! The sink's own schema rule (`canUpgradeTo`) is in `replace.rs`.

use super::plan::logical::LogicalPlan;
use super::plan::Plan;
use super::replace::upgrade_error;
use super::{EResult, Engine, EngineError, Persistent, SinkSpec};
use crate::catalog::{QueryInfo, Source};
use crate::expr::format_expr;
use crate::sql::ast::{Expr, SourceKind};

impl Engine {
    /// The query that CREATE OR REPLACE ... AS SELECT into `name` upgrades in place: the one
    /// query writing into it. None: no query writes into it, so the statement replaces the
    /// source and starts a new query.
    pub(super) fn query_to_upgrade(&self, name: &str, kind: SourceKind) -> EResult<Option<String>> {
        let Some(existing) = self.catalog.get(name) else { return Ok(None) };
        if existing.read_only {
            let (one, many) = if kind == SourceKind::Stream { ("stream", "streams") } else { ("table", "tables") };
            return Err(EngineError::statement(format!(
                "Cannot add {one} '{name}': CREATE OR REPLACE is not supported on source {many}."
            )));
        }
        let mut writers: Vec<&str> = self
            .queries
            .values()
            .filter(|q| q.info.sink.as_deref() == Some(name))
            .map(|q| q.info.id.as_str())
            .collect();
        writers.sort_unstable();
        match writers[..] {
            [] => Ok(None),
            [one] => Ok(Some(one.to_string())),
            _ => Err(EngineError::statement(format!(
                "REPLACE for sink {name} is not supported because there are multiple queries writing into it: [{}]",
                writers.join(", ")
            ))),
        }
    }

    /// Whether `new` may replace the source of the same name, and `plan` the query `upgrading`
    /// (when one writes into it), in place: ksqlDB checks the source first, then the plan.
    pub(super) fn check_replacement(&self, new: &Source, plan: &Plan, upgrading: Option<&str>) -> EResult<()> {
        if let Some(old) = self.catalog.get(&new.name) {
            if let Some(reason) = upgrade_error(old, new) {
                return Err(EngineError::statement(reason));
            }
        }
        let Some(old) = upgrading.and_then(|id| self.queries.get(id)) else { return Ok(()) };
        match old.shape.upgrade_error(&UpgradeShape::of(&plan.logical)) {
            Some(reason) => Err(EngineError::statement(reason)),
            None => Ok(()),
        }
    }

    /// Replaces running query `id` by `plan` where the old one stopped: no record is read
    /// again; the aggregation's groups and the stream time carry over, and table inputs know
    /// their keys' latest rows (ksqlDB's upgraded query keeps its state stores and offsets).
    pub(super) fn upgrade_persistent(&mut self, id: &str, text: &str, sink_name: &str, plan: Plan, sink: SinkSpec) {
        let Some(old) = self.queries.remove(id) else { return };
        let shape = UpgradeShape::of(&plan.logical);
        let mut executor = plan.executor;
        executor.keep_table_keys_only();
        executor.adopt_state_of(old.executor);
        for input in executor.inputs.iter_mut().filter(|i| i.is_table) {
            if let Some(topic) = self.topics.get(&input.topic) {
                for r in &topic.log {
                    // A record the old query could not read is no row of the table either.
                    let _ = input.change(r);
                }
            }
        }
        let info = QueryInfo {
            id: id.to_string(),
            sql: text.to_string(),
            sink: Some(sink_name.to_string()),
            sink_topic: Some(sink.topic.to_string()),
            sources: plan.sources,
            state: "RUNNING".into(),
            errors: vec![],
        };
        self.queries.insert(id.to_string(), Persistent { info, executor, sink, shape });
    }
}

/// The enforcing steps of a query, from its sink down to its source (as ksqlDB walks them).
#[derive(Debug, Clone, PartialEq)]
pub struct UpgradeShape {
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// A step no upgrade may keep or change: ksqlDB's step class name.
    Unsupported(&'static str),
    /// PARTITION BY.
    SelectKey {
        key_expressions: Vec<String>,
    },
    /// A (non-windowed) stream aggregation: the input columns it keeps in its state and
    /// its functions.
    Aggregate {
        non_aggregate_columns: Vec<String>,
        functions: Vec<String>,
    },
    /// GROUP BY: by expressions (`StreamGroupBy`), or by the source's key (`StreamGroupByKey`).
    GroupBy {
        by_key: bool,
        expressions: Vec<String>,
    },
    Source {
        table: bool,
        topic: String,
        formats: String,
        timestamp_column: Option<String>,
    },
}

impl Step {
    /// ksqlDB's class name of the step.
    fn class(&self) -> &'static str {
        match self {
            Step::Unsupported(class) => class,
            Step::SelectKey { .. } => "StreamSelectKey",
            Step::Aggregate { .. } => "StreamAggregate",
            Step::GroupBy { by_key: true, .. } => "StreamGroupByKey",
            Step::GroupBy { by_key: false, .. } => "StreamGroupBy",
            Step::Source { table: true, .. } => "TableSource",
            Step::Source { table: false, .. } => "StreamSource",
        }
    }
}

impl UpgradeShape {
    pub fn of(plan: &LogicalPlan) -> UpgradeShape {
        let mut steps = Vec::new();
        if !plan.sink.partition_by.is_empty() {
            steps.push(Step::SelectKey { key_expressions: plan.sink.partition_by.iter().map(format_expr).collect() });
        }
        if let Some(agg) = &plan.aggregate {
            if agg.window.is_some() {
                steps.push(Step::Unsupported("StreamWindowedAggregate"));
            } else if plan.relation_is_table {
                steps.push(Step::Unsupported("TableAggregate"));
            } else {
                steps.push(Step::Aggregate {
                    non_aggregate_columns: non_aggregate_columns(plan),
                    functions: agg.calls.iter().map(|c| format_expr(&c.call)).collect(),
                });
                let by_key = agg.group_by.len() == plan.from().key_columns().len()
                    && agg
                        .group_by
                        .iter()
                        .zip(plan.from().key_columns())
                        .all(|(g, (name, _))| matches!(&g.expr, Expr::Column { name: n, .. } if *n == name));
                let expressions = agg.group_by.iter().map(|g| format_expr(&g.expr)).collect();
                steps.push(Step::GroupBy { by_key, expressions });
            }
        }
        if plan.flat_map.is_some() {
            steps.push(Step::Unsupported(if plan.relation_is_table { "TableFlatMap" } else { "StreamFlatMap" }));
        }
        if plan.has_join() {
            steps.push(Step::Unsupported(join_class(plan)));
        } else {
            let source = plan.from();
            steps.push(Step::Source {
                table: plan.relation_is_table,
                topic: source.topic.clone(),
                formats: format!("{}/{}", source.key_format.name(), source.value_format.name()),
                timestamp_column: source.timestamp_column.clone(),
            });
        }
        UpgradeShape { steps }
    }

    /// None when a query of shape `self` may become one of shape `new` in place; else
    /// ksqlDB's reason.
    pub fn upgrade_error(&self, new: &UpgradeShape) -> Option<String> {
        let mut theirs = new.steps.iter();
        for old in &self.steps {
            if let Step::Unsupported(class) = old {
                return Some(format!("Upgrades not yet supported for {class}"));
            }
            let to = theirs.next()?;
            if let (Step::Source { .. }, false) = (old, old.class() == to.class()) {
                return Some(match to {
                    Step::Source { .. } => format!(
                        "Query is not upgradeable. The root source node of the upgrade tree must be {}, but was {}",
                        old.class(),
                        java_class(to.class())
                    ),
                    _ => added_step(to),
                });
            }
            if old.class() != to.class() {
                return Some(mismatch(old.class(), "class", &java_class(old.class()), &java_class(to.class())));
            }
            if let Some(e) = properties_error(old, to) {
                return Some(e);
            }
        }
        None
    }
}

/// The source's plan gained a step of class `to` below where the old plan read its source.
fn added_step(to: &Step) -> String {
    match to {
        Step::Unsupported(class) if class.contains("Join") => {
            "Query is not upgradeable. Cannot change a non-join source into a join source.".to_string()
        }
        _ => format!(
            "Query is not upgradeable. Cannot add a {} step that is not in the original query plan.",
            java_class(to.class())
        ),
    }
}

fn properties_error(old: &Step, to: &Step) -> Option<String> {
    let class = old.class();
    let differ = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
        Some(mismatch(class, what, &format!("{a:?}"), &format!("{b:?}")))
    };
    match (old, to) {
        (Step::SelectKey { key_expressions: a }, Step::SelectKey { key_expressions: b }) if a != b => {
            Some(mismatch(class, "keyExpressions", &list(a), &list(b)))
        }
        (
            Step::Aggregate { non_aggregate_columns: a, functions: fa },
            Step::Aggregate { non_aggregate_columns: b, functions: fb },
        ) => {
            if a != b {
                let quoted = |cols: &[String]| list(&cols.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>());
                return Some(mismatch(class, "columns not part of aggregate", &quoted(a), &quoted(b)));
            }
            (fa != fb).then(|| mismatch(class, "aggregate functions", &list(fa), &list(fb)))
        }
        (Step::GroupBy { expressions: a, .. }, Step::GroupBy { expressions: b, .. }) if a != b => {
            Some(mismatch(class, "group by clause", &list(a), &list(b)))
        }
        (
            Step::Source { topic: ta, formats: fa, timestamp_column: sa, .. },
            Step::Source { topic: tb, formats: fb, timestamp_column: sb, .. },
        ) => {
            if ta != tb {
                return differ("topicName", ta, tb);
            }
            if fa != fb {
                return differ("formats", fa, fb);
            }
            (sa != sb).then(|| mismatch(class, "timestampColumn", &format!("{sa:?}"), &format!("{sb:?}")))
        }
        _ => None,
    }
}

fn mismatch(class: &str, property: &str, a: &str, b: &str) -> String {
    format!(
        "Query is not upgradeable. Plan step of type {class} must have matching {property}. Values differ: {a} vs. {b}"
    )
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn java_class(simple: &str) -> String {
    format!("class io.confluent.ksql.execution.plan.{simple}")
}

/// ksqlDB's class of the last join of a chain (a table-stream join is refused when planned).
fn join_class(plan: &LogicalPlan) -> &'static str {
    let Some(join) = plan.joins.last() else { return "StreamStreamJoin" };
    match (join.left_is_table, join.right_is_table) {
        (true, true) if !join.left_primary_key.is_empty() => "ForeignKeyTableTableJoin",
        (true, true) => "TableTableJoin",
        (_, true) => "StreamTableJoin",
        _ => "StreamStreamJoin",
    }
}

/// The input columns an aggregation keeps: those of the grouping, the aggregate calls'
/// arguments (`COUNT(*)` counts ROWTIME) and the filter, in that order, each once (what
/// ksqlDB's aggregation step lists as "columns not part of aggregate").
fn non_aggregate_columns(plan: &LogicalPlan) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |e: &Expr| column_names(e, &mut names);
    let Some(agg) = &plan.aggregate else { return Vec::new() };
    agg.group_by.iter().for_each(|g| add(&g.expr));
    for call in &agg.calls {
        if call.args.is_empty() {
            add(&Expr::Column { qualifier: None, name: "ROWTIME".into() });
        }
        call.args.iter().for_each(&mut add);
    }
    if let Some(f) = &plan.filter {
        add(&f.predicate);
    }
    names
}

fn column_names(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Column { name, .. } if !out.contains(name) => out.push(name.clone()),
        Expr::Column { .. } => {}
        _ => crate::with_stack(|| e.for_each_child(&mut |c| column_names(c, out))),
    }
}
