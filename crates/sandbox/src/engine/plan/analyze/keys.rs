//! Analyzer, key columns: which projected columns form the output key, and the errors for a
//! persistent query that does not project them.

use super::grouping::Grouping;
use super::projection::Projection;
use super::{err, Relation};
use crate::engine::plan::logical::{ColumnValue, SinkKey};
use crate::engine::plan::PlanOptions;
use crate::expr::{compile, format_expr};
use crate::sql::ast::*;
use crate::types::*;

/// One key expression, to be found among the projected columns.
struct KeyExpr<'a> {
    index: usize,
    expr: &'a Expr,
    /// Its text (ROWKEY for the synthetic join key).
    text: String,
    /// The name of the key column it gives, when it has one.
    name: Option<String>,
    /// It is the synthetic join key ROWKEY.
    synthetic: bool,
}

/// Key columns: which projected columns form the key; a persistent query must project them
/// (SELECT * adds them implicitly).
pub(super) fn analyze_key_columns(
    q: &Query,
    rel: &Relation,
    g: &Grouping,
    p: &mut Projection,
    opts: &PlanOptions,
) -> Result<Vec<SinkKey>, String> {
    let mut keys = Vec::new();
    let mut missing_keys: Vec<String> = Vec::new();
    for (ki, ke) in g.key_exprs.iter().enumerate() {
        let synthetic_name =
            rel.synthetic_key.as_ref().filter(|_| ki == 0 && !g.aggregating && q.partition_by.is_empty());
        let synthetic = synthetic_name.is_some();
        let k = KeyExpr {
            index: ki,
            expr: ke,
            text: synthetic_name.cloned().unwrap_or_else(|| format_expr(ke)),
            name: match ke {
                _ if synthetic => synthetic_name.cloned(),
                Expr::Column { name, .. } => Some(name.clone()),
                _ => None,
            },
            synthetic,
        };
        let positions = key_item_positions(rel, &p.item_exprs, &k);
        if positions.len() > 1 {
            return err(key_projected_twice(rel, g, p, &k, &positions));
        }
        let pos = positions.first().copied();
        let (value, ty) = check_key(q, rel, g, &k)?;
        let implicit = |k: &KeyExpr| k.name.clone().unwrap_or_else(|| format!("KSQL_COL_{ki}"));
        match pos {
            Some(pos) => {
                if rel.keyed_by_join() && ki == 0 && !g.aggregating && q.partition_by.is_empty() {
                    p.columns[pos].value = value.clone();
                }
                let col = &mut p.columns[pos];
                col.key = true;
                keys.push(SinkKey { name: col.name.clone(), ty: col.ty.clone(), position: Some(pos), value });
            }
            // SELECT * with a new key (PARTITION BY / GROUP BY an expression): the key column
            // is added implicitly.
            None if opts.persistent && q.select.iter().any(|i| matches!(i, SelectItem::Star)) => {
                keys.push(SinkKey { name: implicit(&k), ty: ty.unwrap_or(SqlType::String), position: None, value });
            }
            None if opts.persistent && rel.foreign_key && !g.aggregating && q.partition_by.is_empty() => {
                missing_keys.push(k.name.clone().unwrap_or_else(|| k.text.clone()));
            }
            None if opts.persistent => {
                check_join_key_projected(q, rel, g, k.synthetic, opts)?;
                // Partitioning expressions are named with their columns qualified: ABS(INPUT.ID).
                missing_keys.push(if q.partition_by.is_empty() {
                    k.name.clone().unwrap_or_else(|| k.text.clone())
                } else {
                    super::join::qualified(k.expr, &rel.scope)
                });
            }
            None => {
                keys.push(SinkKey { name: implicit(&k), ty: ty.unwrap_or(SqlType::String), position: None, value });
            }
        }
    }
    if !missing_keys.is_empty() && rel.foreign_key && !g.aggregating && q.partition_by.is_empty() {
        let listed = missing_keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
        let what = if missing_keys.len() == 1 { "column" } else { "columns" };
        return err(format!(
            "Primary key {what} missing in projection. For foreign-key table-table joins, the projection must \
             include all primary key columns from the left input table (`{}`). Missing {what}: {listed}.",
            rel.left_alias
        ));
    }
    if !missing_keys.is_empty() && !q.partition_by.is_empty() {
        // ksqlDB names every partitioning expression when any is missing.
        let all: Vec<String> = g.key_exprs.iter().map(|e| super::join::qualified(e, &rel.scope)).collect();
        return err(missing_keys_error(q, g, opts, &all));
    }
    if !missing_keys.is_empty() && !g.aggregating && !rel.has_join() {
        // ksqlDB names every key column of the source when any is missing.
        let all: Vec<String> = g.key_exprs.iter().map(format_expr).collect();
        return err(missing_keys_error(q, g, opts, &all));
    }
    if !missing_keys.is_empty() {
        return err(missing_keys_error(q, g, opts, &missing_keys));
    }
    Ok(keys)
}

/// Key columns: the positions of the projected columns that are key `k` (the left join
/// expression wins over the right one when both are projected; more than one is an error).
fn key_item_positions(rel: &Relation, item_exprs: &[Option<Expr>], k: &KeyExpr) -> Vec<usize> {
    let has_join = rel.has_join();
    let other_join_keys: Vec<String> = if rel.keyed_by_join() && k.index == 0 && !k.synthetic {
        rel.join_key_exprs[1..].iter().map(format_expr).collect()
    } else {
        vec![]
    };
    let is_key_item = |ie: &Expr, other: bool| {
        let f = format_expr(ie);
        if k.synthetic {
            return rel.is_rowkey_ref(ie);
        }
        f == k.text
            || (other && other_join_keys.contains(&f))
            || matches!(
                (ie, &k.name),
                (Expr::Column { name, qualifier }, Some(kn))
                    if name == kn && (qualifier.is_none() || !has_join)
            )
    };
    let positions = |other: bool| {
        let found =
            item_exprs.iter().enumerate().filter(|(_, ie)| ie.as_ref().is_some_and(|ie| is_key_item(ie, other)));
        found.map(|(i, _)| i).collect::<Vec<_>>()
    };
    let direct = positions(false);
    if direct.is_empty() {
        positions(true).into_iter().take(1).collect()
    } else {
        direct
    }
}

/// Key columns: the error for a key column projected more than once (under each alias).
fn key_projected_twice(rel: &Relation, g: &Grouping, p: &Projection, k: &KeyExpr, positions: &[usize]) -> String {
    let mut names: Vec<String> = positions.iter().map(|&i| p.columns[i].name.clone()).collect();
    names.sort_unstable();
    if g.aggregating {
        let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        return format!("The projection contains a key column more than once: {}.", and_list(&quoted));
    }
    // A join's key column is named after its source: L_A.
    let key_name = match k.expr {
        Expr::Column { qualifier, name } if rel.has_join() => {
            let q = qualifier
                .clone()
                .or_else(|| rel.scope.resolve(None, name).ok().and_then(|i| rel.scope.cols[i].qualifier.clone()));
            q.map_or_else(|| name.clone(), |q| format!("{q}_{name}"))
        }
        _ => k.name.clone().unwrap_or_else(|| k.text.clone()),
    };
    format!("The projection contains a key column (`{key_name}`) more than once, aliased as: {}.", and_list(&names))
}

/// `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

/// Key columns: key `k`'s value and type over the output scope. The join key is the left
/// side's when present, else the right side's (RIGHT and FULL OUTER rows without a left side
/// still carry the key they joined on).
fn check_key(q: &Query, rel: &Relation, g: &Grouping, k: &KeyExpr) -> Result<(ColumnValue, Option<SqlType>), String> {
    let ty = compile(k.expr, &g.out_scope)?.ty;
    if rel.keyed_by_join() && k.index == 0 && !g.aggregating && q.partition_by.is_empty() {
        let mut alternatives = vec![k.expr.clone()];
        for e in &rel.join_key_exprs[1..] {
            compile(e, &g.out_scope)?;
            alternatives.push(e.clone());
        }
        return Ok((ColumnValue::FirstNonNull(alternatives), ty));
    }
    Ok((ColumnValue::Expr(k.expr.clone()), ty))
}

/// Key columns: a persistent join query must project its join key; the error names the
/// join expressions it may project (ROWKEY when the key is synthetic).
fn check_join_key_projected(
    q: &Query,
    rel: &Relation,
    g: &Grouping,
    synthetic: bool,
    opts: &PlanOptions,
) -> Result<(), String> {
    let sink = opts.sink_name.clone().unwrap_or_default();
    if let Some(key) = rel.synthetic_key.as_ref().filter(|_| synthetic) {
        return err(format!(
            "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n\
             The query used to build `{sink}` must include the join expression {key} in its \
             projection (eg, SELECT {key}...).\n\
             {key} was added as a synthetic key column because the join criteria did not match any \
             source column. This expression must be included in the projection and may be aliased."
        ));
    }
    if !(rel.has_join() && !g.aggregating && q.partition_by.is_empty()) {
        return Ok(());
    }
    // The ON sides, columns qualified by their source.
    let qual = |e: &Expr, alias: &str| match e {
        Expr::Column { qualifier, name } => format!("{}.{name}", qualifier.as_deref().unwrap_or(alias)),
        other => format_expr(other),
    };
    let right_alias =
        q.joins.last().map(|j| j.source.alias.clone().unwrap_or_else(|| j.source.name.clone())).unwrap_or_default();
    let join_key_exprs = &rel.join_key_exprs;
    if q.joins.len() > 1 {
        // n-way: the viable key columns, in join order.
        let cols: Vec<String> = join_key_exprs
            .iter()
            .filter(|e| matches!(e, Expr::Column { .. }))
            .map(|e| super::join::qualified(e, &rel.scope))
            .collect();
        let list = match cols.len() {
            0 | 1 => format!("expression {}", cols.first().cloned().unwrap_or_default()),
            n => format!("expressions {} or {}", cols[..n - 1].join(", "), cols[n - 1]),
        };
        let first = cols.first().cloned().unwrap_or_default();
        return err(format!(
            "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n\
             The query used to build `{sink}` must include the join {list} in its projection (eg, \
             SELECT {first}...)."
        ));
    }
    // Only the sides that are columns can be projected as the key.
    let sides = [(&join_key_exprs[0], &rel.left_alias), (&join_key_exprs[1], &right_alias)];
    let columns: Vec<String> =
        sides.iter().filter(|(e, _)| matches!(e, Expr::Column { .. })).map(|(e, alias)| qual(e, alias)).collect();
    let list = match columns.as_slice() {
        [one] => format!("expression {one}"),
        _ => format!("expressions {}", columns.join(" or ")),
    };
    err(format!(
        "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n\
         The query used to build `{sink}` must include the join {list} in its projection (eg, SELECT {}...).",
        columns.first().cloned().unwrap_or_default()
    ))
}

/// Key columns: the error for key columns a persistent query does not project.
fn missing_keys_error(q: &Query, g: &Grouping, opts: &PlanOptions, missing_keys: &[String]) -> String {
    let sink = opts.sink_name.clone().unwrap_or_default();
    let what = if g.aggregating {
        "grouping expression"
    } else if q.partition_by.is_empty() {
        "key column"
    } else {
        "partitioning expression"
    };
    let n = missing_keys.len();
    let (what, listed) = if n == 1 {
        (what.to_string(), missing_keys[0].clone())
    } else {
        (format!("{what}s"), format!("{} and {}", missing_keys[..n - 1].join(", "), missing_keys[n - 1]))
    };
    format!(
        "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n\
         The query used to build `{sink}` must include the {what} {listed} in its projection (eg, SELECT {}...).",
        missing_keys.join(", ")
    )
}
