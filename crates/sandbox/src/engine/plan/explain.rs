//! EXPLAIN's operator tree, printed from the logical plan in ksqlDB's shape: one
//! ` > [ OPERATOR ] | Schema: ... | Logger: ...` line per operator, each input indented
//! one level (two tabs) below the operator that reads it.

use super::logical::*;
use crate::catalog::ColKind;
use crate::expr::Scope;

/// The operator tree of `plan`, sink first.
pub fn explain(plan: &LogicalPlan) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut line = |op: &str, schema: String, logger: &str| {
        out.push_str(&format!("{} > [ {op} ] | Schema: {schema} | Logger: {logger}\n", "\t\t".repeat(depth)));
        depth += 1;
    };
    let columns = projected_schema(plan);
    let sink = plan.sink.name.as_deref().unwrap_or("Sink");
    line("SINK", columns.clone(), sink);
    line("PROJECT", columns, "Project");
    if let Some(a) = &plan.aggregate {
        if a.having.is_some() {
            line("FILTER", scope_schema(&a.output), "Aggregate.HavingFilter");
        }
        line("AGGREGATE", scope_schema(&a.output), "Aggregate.Aggregate");
        line("GROUP_BY", scope_schema(plan.relation()), "Aggregate.GroupBy");
    }
    if let Some(f) = &plan.flat_map {
        line("FLAT_MAP", scope_schema(&f.output), "FlatMap");
    }
    if plan.filter.is_some() {
        line("FILTER", scope_schema(&plan.joined), "WhereFilter");
    }
    let mut text = out;
    explain_relation(plan, plan.joins.len(), depth, &mut text);
    text
}

/// The join chain below join `n` (the FROM source when `n` is 0): a join reads the joins
/// before it (or the FROM source) and its right source.
fn explain_relation(plan: &LogicalPlan, n: usize, depth: usize, out: &mut String) {
    let indent = "\t\t".repeat(depth);
    if n == 0 {
        let scan = &plan.scans[0];
        out.push_str(&format!(
            "{indent} > [ SOURCE ] | Schema: {} | Logger: {}\n",
            scan_schema(scan),
            scan.source.name
        ));
        return;
    }
    let j = &plan.joins[n - 1];
    let schema = format!("{} | Kind: {:?}", scope_schema(&j.left), j.kind);
    out.push_str(&format!("{indent} > [ JOIN ] | Schema: {schema} | Logger: Join\n"));
    explain_relation(plan, n - 1, depth + 1, out);
    let right = &plan.scans[n];
    let indent = "\t\t".repeat(depth + 1);
    out.push_str(&format!("{indent} > [ SOURCE ] | Schema: {} | Logger: {}\n", scan_schema(right), right.source.name));
}

/// The output columns, key columns first marked KEY (implicit key columns included).
fn projected_schema(plan: &LogicalPlan) -> String {
    let mut cols: Vec<String> =
        plan.sink.key.iter().filter(|k| k.position.is_none()).map(|k| format!("{} {} KEY", k.name, k.ty)).collect();
    for c in &plan.project.columns {
        cols.push(format!("{} {}{}", c.name, c.ty, if c.key { " KEY" } else { "" }));
    }
    cols.join(", ")
}

/// A source's columns as declared (keys marked KEY).
fn scan_schema(scan: &Scan) -> String {
    let col =
        |c: &crate::catalog::Column| format!("{} {}{}", c.name, c.ty, if c.kind == ColKind::Key { " KEY" } else { "" });
    scan.source.columns.iter().map(col).collect::<Vec<_>>().join(", ")
}

/// The columns of an intermediate row (pseudocolumns left out), qualified by their source.
fn scope_schema(scope: &Scope) -> String {
    let pseudo = ["ROWTIME", "ROWPARTITION", "ROWOFFSET"];
    let cols = scope.cols.iter().filter(|c| !pseudo.contains(&c.name.as_str()));
    cols.map(|c| match &c.qualifier {
        Some(q) if !q.starts_with('$') => format!("{q}.{} {}", c.name, c.ty),
        _ => format!("{} {}", c.name, c.ty),
    })
    .collect::<Vec<_>>()
    .join(", ")
}
