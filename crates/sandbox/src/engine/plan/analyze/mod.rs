//! Phase 1 of planning: AST + catalog -> [`LogicalPlan`]. Resolves every name and type and
//! makes ksqlDB's semantic checks, with its error messages. Expressions are compiled here
//! only to type-check them; the closures are thrown away (the physical phase compiles again).
//!
//! One file per part of the query: [`join`] (the join chain), [`grouping`] (GROUP BY,
//! aggregates, HAVING), [`projection`] (the SELECT list), [`keys`] (the output key).

mod aliases;
mod grouping;
mod join;
mod keys;
mod projection;

use self::projection::Projection;
use super::logical::*;
use super::PlanOptions;
use crate::catalog::{Catalog, ColKind, Source, WindowType};
use crate::expr::{compile, format_expr, Scope};
use crate::functions::{aggregate, table};
use crate::sql::ast::*;
use crate::types::*;

fn err<T>(m: impl Into<String>) -> Result<T, String> {
    Err(m.into())
}

const NON_AGG: &str = "Non-aggregate SELECT expression(s) not part of GROUP BY:";

/// A source's row: its columns in a scope; returns the star columns as (scope index, name).
fn add_source(scope: &mut Scope, src: &Source, qual: &str) -> Vec<(usize, String)> {
    let mut star = Vec::new();
    for c in src.columns.iter().filter(|c| c.kind == ColKind::Key) {
        star.push((scope.push(Some(qual), &c.name, c.ty.clone()), c.name.clone()));
    }
    if src.is_windowed() {
        star.push((scope.push(Some(qual), "WINDOWSTART", SqlType::Bigint), "WINDOWSTART".into()));
        star.push((scope.push(Some(qual), "WINDOWEND", SqlType::Bigint), "WINDOWEND".into()));
    }
    for c in src.columns.iter().filter(|c| c.kind != ColKind::Key) {
        star.push((scope.push(Some(qual), &c.name, c.ty.clone()), c.name.clone()));
    }
    scope.push(Some(qual), "ROWTIME", SqlType::Bigint);
    scope.push(Some(qual), "ROWPARTITION", SqlType::Integer);
    scope.push(Some(qual), "ROWOFFSET", SqlType::Bigint);
    star
}

/// A source scan with its row schema; returns the star columns too.
fn scan(src: &Source, alias: &str) -> (Scan, Vec<(usize, String)>) {
    let mut schema = Scope::default();
    let star = add_source(&mut schema, src, alias);
    (Scan { source: src.clone(), alias: alias.to_string(), schema }, star)
}

fn lookup<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a Source, String> {
    catalog.get(name).ok_or_else(|| format!("{name} does not exist."))
}

/// Collects aggregate calls (outermost only) in evaluation order.
fn collect_aggs(e: &Expr, out: &mut Vec<Expr>) {
    if let Expr::Call { name, .. } = e {
        if aggregate::lookup(name).is_some() {
            let f = format_expr(e);
            if !out.iter().any(|x| format_expr(x) == f) {
                out.push(e.clone());
            }
            return;
        }
    }
    crate::with_stack(|| e.for_each_child(&mut |c| collect_aggs(c, out)));
}

/// The relation a query reads, built up phase by phase: the FROM source, then each JOIN.
struct Relation {
    scans: Vec<Scan>,
    left_alias: String,
    /// The columns of a row of the relation (each source's, then the table functions' results).
    scope: Scope,
    /// The columns `SELECT *` expands to, as (scope index, output name).
    star: Vec<(usize, String)>,
    joins: Vec<JoinNode>,
    /// The expressions the join result is keyed by, in join order (empty without a join).
    join_key_exprs: Vec<Expr>,
    is_table: bool,
    /// The join result is keyed by a synthetic ROWKEY column.
    /// The synthetic join key column's name (ROWKEY, numbered apart from the sources' columns),
    /// when the join is keyed by one.
    synthetic_key: Option<String>,
    /// A foreign-key table-table join: the result is keyed by the left table's primary key.
    foreign_key: bool,
}

impl Relation {
    /// FROM: the first source, with its columns in scope.
    fn from_source(q: &Query, catalog: &Catalog) -> Result<Relation, String> {
        let from = lookup(catalog, &q.from.name)?;
        let left_alias = q.from.alias.clone().unwrap_or_else(|| from.name.clone());
        let (scan, star) = scan(from, &left_alias);
        Ok(Relation {
            is_table: from.kind == SourceKind::Table,
            scope: scan.schema.clone(),
            scans: vec![scan],
            left_alias,
            star,
            joins: Vec::new(),
            join_key_exprs: Vec::new(),
            synthetic_key: None,
            foreign_key: false,
        })
    }

    fn from(&self) -> &Source {
        &self.scans[0].source
    }

    fn has_join(&self) -> bool {
        !self.joins.is_empty()
    }

    /// The result is keyed by the join expression (any join but a foreign-key one).
    fn keyed_by_join(&self) -> bool {
        self.has_join() && !self.foreign_key
    }

    /// The FROM table's primary-key columns, qualified by its alias.
    fn left_primary_key(&self) -> Vec<Expr> {
        let qualifier = Some(self.left_alias.clone());
        self.from()
            .key_columns()
            .iter()
            .map(|(n, _)| Expr::Column { qualifier: qualifier.clone(), name: n.clone() })
            .collect()
    }

    /// Whether `e` names the synthetic join key column ROWKEY.
    fn is_rowkey_ref(&self, e: &Expr) -> bool {
        matches!((e, &self.synthetic_key), (Expr::Column { qualifier: None, name }, Some(key)) if name == key)
    }
}

/// Builds the logical plan of a [`Query`], checking it clause by clause (in ksqlDB's order,
/// so that the first error is the one ksqlDB reports).
pub fn analyze(q: &Query, catalog: &Catalog, opts: &PlanOptions) -> Result<LogicalPlan, String> {
    let mut rel = Relation::from_source(q, catalog)?;
    join::check_join_criteria(q, catalog, &rel)?;
    join::plan_join_chain(q, catalog, &mut rel)?;
    let windowed_table = |scan: &Scan| scan.source.kind == SourceKind::Table && scan.source.is_windowed();
    if opts.persistent && rel.scans.iter().any(windowed_table) {
        return err("KSQL does not support persistent queries on windowed tables.");
    }
    let joined = rel.scope.clone();
    // Window bounds are the output's columns: WHERE and HAVING cannot read them (checked
    // first, as ksqlDB resolves columns before it looks at aggregates).
    if q.window.is_some() {
        if let Some(b) = q.where_.as_ref().and_then(first_window_bound) {
            return err(format!("Error in WHERE expression: Unknown column {b}."));
        }
        if let Some(b) = q.having.as_ref().and_then(first_window_bound) {
            return err(format!(
                "Window bounds column {b} can only be used in the SELECT clause of windowed aggregations"
            ));
        }
    }
    let filter = analyze_where(q, &rel.scope)?;
    let flat_map = analyze_table_functions(q, &mut rel)?;
    let grouping = grouping::analyze_grouping(q, &rel, opts)?;
    let mut projection = projection::analyze_projection(q, &rel, &grouping, opts.persistent)?;
    check_output_names(q, &projection, opts)?;
    let timestamp = sink_timestamp(opts, &projection)?;
    let key = keys::analyze_key_columns(q, &rel, &grouping, &mut projection, opts)?;
    let partition_reads_values = partition_by_reads_values(q, &rel);
    let (aggregate, window) = finish_output(q, &rel, grouping.aggregate)?;
    Ok(LogicalPlan {
        scans: rel.scans,
        joins: rel.joins,
        joined,
        relation_is_table: rel.is_table,
        filter,
        flat_map,
        aggregate,
        project: ProjectNode { columns: projection.columns, input: grouping.out_scope },
        sink: SinkNode {
            name: opts.sink_name.clone(),
            key,
            is_table: grouping.output_is_table,
            window,
            timestamp,
            timestamp_format: opts.sink_timestamp.as_ref().and_then(|t| t.format.clone()),
            partition_by: q.partition_by.clone(),
            partition_reads_values,
            persistent: opts.persistent,
        },
    })
}

/// WHERE: type-checked over the relation (aggregates are not allowed in it).
fn analyze_where(q: &Query, scope: &Scope) -> Result<Option<Filter>, String> {
    let Some(w) = &q.where_ else { return Ok(None) };
    let mut aggs = Vec::new();
    collect_aggs(w, &mut aggs);
    if !aggs.is_empty() {
        return err(format!("Aggregate functions can not be used in WHERE: {}", format_expr(w)));
    }
    let c = compile(w, scope).map_err(|m| {
        if m.starts_with("Invalid Predicate:") {
            m
        } else if let Some(rest) = m.strip_prefix("Column '").filter(|r| r.ends_with("cannot be resolved.")) {
            format!("Error in WHERE expression: WHERE column '{rest}")
        } else {
            format!("Error in WHERE expression: {m}")
        }
    })?;
    if !matches!(c.ty, Some(SqlType::Boolean) | None) {
        return err(format!(
            "Type error in WHERE expression: Should evaluate to boolean but is {} ({}) instead.",
            format_expr(w),
            c.ty.unwrap()
        ));
    }
    Ok(Some(Filter { predicate: w.clone() }))
}

/// Table function calls in `e`, in order, each text once (their arguments are not searched:
/// a table function's argument cannot be one).
fn collect_table_calls(e: &Expr, out: &mut Vec<Expr>) {
    if let Expr::Call { name, .. } = e {
        if table::is_table_function(name) {
            let f = format_expr(e);
            if !out.iter().any(|x| format_expr(x) == f) {
                out.push(e.clone());
            }
            return;
        }
    }
    crate::with_stack(|| e.for_each_child(&mut |c| collect_table_calls(c, out)));
}

/// Table functions in the select list, at the top of an item or inside one
/// (`EXPLODE(arr)->F1`): computed into extra columns of the relation, which the select
/// expressions read in the calls' place.
fn analyze_table_functions(q: &Query, rel: &mut Relation) -> Result<Option<FlatMapNode>, String> {
    let mut calls = Vec::new();
    for item in &q.select {
        if let SelectItem::Expr { expr, .. } = item {
            collect_table_calls(expr, &mut calls);
        }
    }
    if calls.is_empty() {
        return Ok(None);
    }
    if rel.is_table {
        return err("Table source is not supported with table functions");
    }
    let mut aggs = Vec::new();
    for item in &q.select {
        if let SelectItem::Expr { expr, .. } = item {
            collect_aggs(expr, &mut aggs)
        }
    }
    if !q.group_by.is_empty() || !aggs.is_empty() {
        return err("Table functions cannot be used with aggregations.");
    }
    let mut functions = Vec::new();
    for e in calls {
        let Expr::Call { name, args, .. } = &e else { continue };
        let f = table::lookup(name).ok_or_else(|| format!("unknown table function {name}"))?;
        let compiled = args.iter().map(|a| compile(a, &rel.scope)).collect::<Result<Vec<_>, _>>()?;
        let types: Vec<SqlType> = compiled.iter().map(|c| c.ty_or_string()).collect();
        let ty = table::result_type(f, &types)?;
        TableFunctionCall::add_column(&mut rel.scope, functions.len(), &e, ty.clone());
        functions.push(TableFunctionCall { name: name.clone(), call: e.clone(), args: args.clone(), ty });
    }
    Ok(Some(FlatMapNode { functions, output: rel.scope.clone() }))
}

/// Projection: output column names must be unique, and a persistent query cannot name one
/// after a pseudocolumn or window bound.
fn check_output_names(q: &Query, p: &Projection, opts: &PlanOptions) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    for c in &p.columns {
        if seen.contains(&c.name.as_str()) {
            return err(format!("Duplicate value columns found in schema: `{}` {}", c.name, c.ty));
        }
        seen.push(&c.name);
    }
    for c in &p.columns {
        if matches!(c.name.as_str(), "ROWTIME" | "ROWPARTITION" | "ROWOFFSET" | "WINDOWSTART" | "WINDOWEND")
            && opts.persistent
        {
            // Another expression aliased with the name (a pseudocolumn aliased as itself is
            // the pseudocolumn).
            let aliased = q.select.iter().any(|i| {
                matches!(i, SelectItem::Expr { alias: Some(a), expr } if *a == c.name
                    && !matches!(expr, Expr::Column { name, .. } if *name == c.name))
            });
            return err(if aliased {
                format!("`{}` is a reserved column name. You cannot use it as an alias for a column.", c.name)
            } else {
                format!("Reserved column name in select: `{}`. Please remove or alias the column.", c.name)
            });
        }
    }
    Ok(())
}

/// TIMESTAMP column: the sink's record time is the projected column its WITH names (a
/// BIGINT or TIMESTAMP, or a STRING read with TIMESTAMP_FORMAT).
fn sink_timestamp(opts: &PlanOptions, p: &Projection) -> Result<Option<usize>, String> {
    let Some(ts) = &opts.sink_timestamp else { return Ok(None) };
    let col = &ts.column;
    let pos =
        p.columns.iter().position(|c| c.name == *col).ok_or_else(|| {
            format!("The TIMESTAMP column set in the WITH clause does not exist in the schema: '{col}'")
        })?;
    let readable = match p.columns[pos].ty {
        SqlType::Bigint | SqlType::Timestamp => true,
        SqlType::String => ts.format.is_some(),
        _ => false,
    };
    if !readable {
        return err(format!(
            "Timestamp column, `{col}`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format \
             specified."
        ));
    }
    Ok(Some(pos))
}

/// Tombstone keys: which PARTITION BY expressions read value columns (a null-value record
/// has only its key columns, so those key columns are null).
fn partition_by_reads_values(q: &Query, rel: &Relation) -> Vec<bool> {
    let from = rel.from();
    let key_only =
        Source { columns: from.columns.iter().filter(|c| c.kind == ColKind::Key).cloned().collect(), ..from.clone() };
    let mut kscope = Scope::default();
    add_source(&mut kscope, &key_only, &rel.left_alias);
    let key_exprs = q.partition_by.iter().filter(|e| !matches!(e, Expr::Lit(Literal::Null)));
    // Pseudocolumns are the record's, which a null-value record has none of in ksqlDB.
    let reads_pseudocolumns = |e: &Expr| {
        let text = format_expr(e);
        ["ROWTIME", "ROWPARTITION", "ROWOFFSET"].iter().any(|p| text.contains(p))
    };
    key_exprs.map(|e| compile(e, &kscope).is_err() || reads_pseudocolumns(e)).collect()
}

/// The output's window: its type and size (none for session windows).
type OutputWindow = Option<(WindowType, Option<u64>)>;

/// Output: the aggregation (with HAVING and its window) when aggregating, else the relation's
/// window (EMIT FINAL needs a windowed aggregation).
fn finish_output(
    q: &Query,
    rel: &Relation,
    aggregate: Option<AggregateNode>,
) -> Result<(Option<AggregateNode>, OutputWindow), String> {
    let Some(mut aggregate) = aggregate else {
        if q.emit_final {
            return err("EMIT FINAL is only supported for windowed aggregations.");
        }
        // A join of windowed sources keeps their windows.
        let windowed_join = rel.joins.first().is_some_and(|j| j.windowed.is_some());
        return Ok((None, if rel.has_join() && !windowed_join { None } else { rel.from().window }));
    };
    aggregate.having = grouping::analyze_having(q, &aggregate)?;
    let window = q.window.as_ref().map(|w| {
        (
            match w.kind {
                WindowKind::Tumbling => WindowType::Tumbling,
                WindowKind::Hopping => WindowType::Hopping,
                WindowKind::Session => WindowType::Session,
            },
            if w.kind == WindowKind::Session { None } else { Some(w.size) },
        )
    });
    if q.emit_final && q.window.is_none() {
        return err("EMIT FINAL is only supported for windowed aggregations.");
    }
    Ok((Some(aggregate), window))
}

/// The window bound (WINDOWSTART or WINDOWEND) `e` names first, as written.
/// Columns only: a column that merely contains the word (`PREV_WINDOWSTART`) is no bound.
fn first_window_bound(e: &Expr) -> Option<&'static str> {
    if let Expr::Column { name, .. } = e {
        return ["WINDOWSTART", "WINDOWEND"].into_iter().find(|b| name == b);
    }
    let mut found = None;
    e.for_each_child(&mut |child| {
        if found.is_none() {
            found = first_window_bound(child);
        }
    });
    found
}

/// A window bound used outside the SELECT of a windowed aggregation (GROUP BY, aggregate
/// arguments): ksqlDB's message instead of "cannot be resolved".
fn window_bound_misuse(msg: &str, q: &Query) -> Option<String> {
    q.window.as_ref()?;
    ["WINDOWSTART", "WINDOWEND"]
        .iter()
        .find(|b| msg.contains(&format!("Column '{b}' cannot be resolved")))
        .map(|b| format!("Window bounds column {b} can only be used in the SELECT clause of windowed aggregations"))
}
