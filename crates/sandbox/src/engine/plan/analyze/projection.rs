//! Analyzer, projection: the SELECT list's columns (names, types, values), `*` expanded.

use super::aliases::ColumnAliases;
use super::grouping::Grouping;
use super::{err, Relation, NON_AGG};
use crate::engine::plan::logical::{ColumnValue, ProjectedColumn};
use crate::expr::{compile, format_expr};
use crate::sql::ast::*;
use crate::types::*;

/// The SELECT list checked: the output columns and the expressions they come from.
pub(super) struct Projection {
    pub(super) columns: Vec<ProjectedColumn>,
    /// The expression each column was read from (to find the key columns among them).
    pub(super) item_exprs: Vec<Option<Expr>>,
}

/// Projection: checks the SELECT list over the grouping's scope; under GROUP BY, every
/// non-aggregate expression must be a grouping expression.
pub(super) fn analyze_projection(
    q: &Query,
    rel: &Relation,
    g: &Grouping,
    persistent: bool,
) -> Result<Projection, String> {
    let mut p = Projection { columns: Vec::new(), item_exprs: Vec::new() };
    let mut aliases = ColumnAliases::new(rel.scope.cols.iter().map(|c| c.name.as_str()));
    let mut non_aggregate: Vec<String> = Vec::new();
    let explicit_names: Vec<String> = q
        .select
        .iter()
        .filter_map(|i| if let SelectItem::Expr { alias: Some(a), .. } = i { Some(a.clone()) } else { None })
        .collect();
    for item in &q.select {
        match item {
            SelectItem::Star | SelectItem::QualifiedStar(_) => {
                let mut list = star_columns(q, rel, item, g.aggregating)?;
                // A persistent query's sink keeps a windowed source's windows in its key, so
                // `*` does not copy the window bounds into its values.
                if persistent && !rel.has_join() && rel.from().is_windowed() {
                    list.retain(|(_, name)| name != "WINDOWSTART" && name != "WINDOWEND");
                }
                project_star(rel, g, list, &mut p, &mut non_aggregate)?;
            }
            SelectItem::StructStar(expr) => {
                let Some((_, ty)) = check_select_expr(rel, g, expr)? else {
                    non_aggregate.push(format_expr(expr));
                    continue;
                };
                let Some(SqlType::Struct(fields)) = ty else {
                    return err(format!("Can't expand {}->*: it is not a STRUCT", format_expr(expr)));
                };
                for (field, _) in fields {
                    let deref = Expr::Deref(Box::new(expr.clone()), field.clone());
                    if let Some((value, Some(ty))) = check_select_expr(rel, g, &deref)? {
                        p.item_exprs.push(Some(deref));
                        p.columns.push(ProjectedColumn { name: field, ty, key: false, value });
                    }
                }
            }
            SelectItem::Expr { expr, alias } => {
                let Some((value, ty)) = check_select_expr(rel, g, expr)? else {
                    non_aggregate.push(format_expr(expr));
                    continue;
                };
                let taken: Vec<String> =
                    p.columns.iter().map(|c| c.name.clone()).chain(explicit_names.iter().cloned()).collect();
                let name = match (alias, expr) {
                    (Some(a), _) => a.clone(),
                    (None, Expr::Deref(_, field)) => aliases.next(field),
                    (None, _) => select_expr_name(rel, expr, &mut aliases, &taken),
                };
                let Some(ty) = ty else {
                    return err(format!(
                        "Can't infer a type of null. Please explicitly cast it to a required type, \
                         e.g. CAST(null AS VARCHAR). ({})",
                        format_expr(expr)
                    ));
                };
                p.item_exprs.push(Some(expr.clone()));
                p.columns.push(ProjectedColumn { name, ty, key: false, value });
            }
        }
    }
    if !non_aggregate.is_empty() {
        return err(format!(
            "{NON_AGG} {}\nEither add the column(s) to the GROUP BY or remove them from the SELECT.",
            non_aggregate.join(", ")
        ));
    }
    Ok(p)
}

/// Projection: the (scope index, output name) columns a `*` or `T.*` stands for.
fn star_columns(
    q: &Query,
    rel: &Relation,
    item: &SelectItem,
    aggregating: bool,
) -> Result<Vec<(usize, String)>, String> {
    let has_join = rel.has_join();
    Ok(match item {
        SelectItem::QualifiedStar(qual) => {
            let cols: Vec<(usize, String)> = rel
                .scope
                .cols
                .iter()
                .enumerate()
                .filter(|(i, c)| {
                    c.qualifier.as_deref() == Some(qual.as_str()) && rel.star.iter().any(|(si, _)| si == i)
                })
                .map(|(i, c)| (i, if has_join { format!("{qual}_{}", c.name) } else { c.name.clone() }))
                .collect();
            if cols.is_empty() {
                return err(format!("'{qual}' is not a valid stream/table name or alias."));
            }
            cols
        }
        // PARTITION BY moves the source's key columns after its value columns.
        _ if !q.partition_by.is_empty() && !has_join && !aggregating => {
            let nk = rel.from().key_columns().len();
            rel.star.iter().filter(|(i, _)| *i >= nk).chain(rel.star.iter().filter(|(i, _)| *i < nk)).cloned().collect()
        }
        _ => rel.star.clone(),
    })
}

/// Projection: adds the columns of a `*` (under GROUP BY, each must be a grouping expression;
/// the others are listed in `non_aggregate`).
fn project_star(
    rel: &Relation,
    g: &Grouping,
    list: Vec<(usize, String)>,
    p: &mut Projection,
    non_aggregate: &mut Vec<String>,
) -> Result<(), String> {
    for (idx, name) in list {
        if g.aggregating {
            // Under GROUP BY, each column of * must be a grouping expression.
            let c = &rel.scope.cols[idx];
            let e = Expr::Column { qualifier: c.qualifier.clone(), name: c.name.clone() };
            match compile(&e, &g.out_scope) {
                Ok(k) => {
                    let ty = k.ty.unwrap_or(SqlType::String);
                    p.item_exprs.push(Some(e.clone()));
                    p.columns.push(ProjectedColumn { name, ty, key: false, value: ColumnValue::Expr(e) });
                }
                Err(m) if m.starts_with(NON_AGG) => non_aggregate.push(c.name.clone()),
                Err(m) => return Err(m),
            }
            continue;
        }
        let ty = rel.scope.cols[idx].ty.clone();
        let c = &rel.scope.cols[idx];
        p.item_exprs.push(Some(Expr::Column { qualifier: c.qualifier.clone(), name: c.name.clone() }));
        p.columns.push(ProjectedColumn { name, ty, key: false, value: ColumnValue::Field(idx) });
    }
    Ok(())
}

/// Projection: one select expression's value and type (the synthetic ROWKEY is the join key);
/// `None` for a non-aggregate expression under GROUP BY.
fn check_select_expr(
    rel: &Relation,
    g: &Grouping,
    expr: &Expr,
) -> Result<Option<(ColumnValue, Option<SqlType>)>, String> {
    let checked = if rel.is_rowkey_ref(expr) && !g.aggregating {
        let sides = rel.join_key_exprs[..2].to_vec();
        let (l, r) = (compile(&sides[0], &g.out_scope)?, compile(&sides[1], &g.out_scope)?);
        Ok((ColumnValue::FirstNonNull(sides), l.ty.or(r.ty)))
    } else {
        compile(expr, &g.out_scope).map(|c| (ColumnValue::Expr(expr.clone()), c.ty))
    };
    match checked {
        Ok(c) => Ok(Some(c)),
        Err(e) if g.aggregating && e.starts_with(NON_AGG) => Ok(None),
        Err(e) => Err(match e.strip_prefix("Column '") {
            Some(rest) if rest.ends_with("cannot be resolved.") => format!("SELECT column '{rest}"),
            _ if e.starts_with("Cast of") => format!("Invalid Select: {e}"),
            _ => e,
        }),
    }
}

/// Projection: the name of an unaliased select expression.
fn select_expr_name(rel: &Relation, expr: &Expr, aliases: &mut ColumnAliases, taken: &[String]) -> String {
    match expr {
        // In a join, a qualified column whose name more than one source has is
        // named after its source: T_ID.
        Expr::Column { qualifier: Some(q), name }
            if rel.has_join() && {
                let mut quals: Vec<&str> =
                    rel.scope.cols.iter().filter(|c| c.name == *name).filter_map(|c| c.qualifier.as_deref()).collect();
                quals.dedup();
                quals.len() > 1
            } =>
        {
            format!("{q}_{name}")
        }
        Expr::Column { name, .. } => name.clone(),
        _ => aliases.next_generated(taken),
    }
}
