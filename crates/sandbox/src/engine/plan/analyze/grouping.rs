//! Analyzer, grouping: GROUP BY, WINDOW, the aggregate calls and HAVING, or (without
//! aggregation) the key the output has.

use super::{collect_aggs, err, window_bound_misuse, Relation, NON_AGG};
use crate::engine::plan::logical::{AggregateCall, AggregateNode, GroupKey};
use crate::engine::plan::PlanOptions;
use crate::expr::{compile, format_expr, Scope};
use crate::functions::aggregate;
use crate::sql::ast::*;
use crate::types::*;

fn const_value(e: &Expr) -> Result<Value, String> {
    let c = compile(e, &Scope::default())
        .map_err(|_| format!("Aggregate function parameters must be literals: {}", format_expr(e)))?;
    Ok((c.eval)(&[]))
}

/// What the projection is evaluated over: the aggregation's output, or the relation itself.
pub(super) struct Grouping {
    pub(super) aggregating: bool,
    /// The scope SELECT, HAVING and the key expressions compile against.
    pub(super) out_scope: Scope,
    /// The expressions the output is keyed by.
    pub(super) key_exprs: Vec<Expr>,
    /// The aggregation (HAVING is added once the output is checked), when aggregating.
    pub(super) aggregate: Option<AggregateNode>,
    pub(super) output_is_table: bool,
}

/// Aggregation: checks the GROUP BY / WINDOW / HAVING / PARTITION BY combination, then builds
/// the aggregation's output scope, or else keeps the relation's scope and picks its key.
pub(super) fn analyze_grouping(q: &Query, rel: &Relation, opts: &PlanOptions) -> Result<Grouping, String> {
    let mut agg_exprs = Vec::new();
    for item in &q.select {
        if let SelectItem::Expr { expr, .. } = item {
            collect_aggs(expr, &mut agg_exprs);
        }
    }
    if let Some(h) = &q.having {
        collect_aggs(h, &mut agg_exprs);
    }
    let aggregating = !q.group_by.is_empty() || !agg_exprs.is_empty();
    if !q.group_by.is_empty() && agg_exprs.is_empty() {
        // An unknown function is reported first (it may be the aggregate).
        if let Some(name) = q.select.iter().find_map(|i| match i {
            SelectItem::Expr { expr, .. } => unknown_function(expr),
            _ => None,
        }) {
            return err(format!("Can't find any functions with the name '{name}'"));
        }
        return err("GROUP BY requires aggregate functions in either the SELECT or HAVING clause.");
    }
    check_grouping_clauses(q, rel, opts, aggregating)?;
    if aggregating {
        let aggregate = plan_aggregation(q, rel, opts, &agg_exprs)?;
        Ok(Grouping {
            aggregating,
            out_scope: aggregate.output.clone(),
            key_exprs: q.group_by.clone(),
            aggregate: Some(aggregate),
            output_is_table: true,
        })
    } else {
        let key_exprs = plan_key_exprs(q, rel)?;
        Ok(Grouping {
            aggregating,
            out_scope: rel.scope.clone(),
            key_exprs,
            aggregate: None,
            output_is_table: rel.is_table,
        })
    }
}

/// Aggregation: the clauses that require (or exclude) aggregation, and what it supports.
fn check_grouping_clauses(q: &Query, rel: &Relation, opts: &PlanOptions, aggregating: bool) -> Result<(), String> {
    if q.window.is_some() && !aggregating {
        return err("WINDOW clause requires a GROUP BY clause.");
    }
    if q.having.is_some() && !aggregating {
        return err("HAVING requires GROUP BY clause.");
    }
    // A push query may aggregate without GROUP BY (all rows form one group); a persistent
    // query may not.
    if aggregating && q.group_by.is_empty() {
        if let Some(message) = aggregate_without_group_by(q, opts) {
            return err(message);
        }
    }
    if !q.group_by.is_empty()
        && !rel.has_join()
        && rel.from().value_format == crate::topics::Format::Kafka
        && opts.persistent
    {
        return err(format!(
            "Source(s) {} are using the 'KAFKA' value format. This format does not yet support GROUP BY.",
            rel.from().name
        ));
    }
    if !q.partition_by.is_empty() && aggregating {
        return err("PARTITION BY and GROUP BY in the same query is not supported.");
    }
    if q.window.is_some() && rel.is_table {
        return err("Windowing not supported for table aggregations.");
    }
    Ok(())
}

/// The first function `e` calls that is not a built-in (scalar, aggregate, table or lambda).
fn unknown_function(e: &Expr) -> Option<String> {
    if let Expr::Call { name, .. } = e {
        let known = crate::functions::scalar::lookup(name).is_some()
            || aggregate::lookup(name).is_some()
            || crate::functions::table::is_table_function(name)
            || crate::functions::LAMBDA_FUNCTIONS.contains(&name.as_str());
        if !known {
            return Some(name.clone());
        }
    }
    let mut found = None;
    crate::with_stack(|| {
        e.for_each_child(&mut |c| {
            if found.is_none() {
                found = unknown_function(c);
            }
        })
    });
    found
}

/// Aggregation without GROUP BY: the error, if any. ksqlDB names the select expressions that
/// are not aggregates, else (persistent queries) the first aggregate (COUNT(*) counts ROWTIME).
fn aggregate_without_group_by(q: &Query, opts: &PlanOptions) -> Option<String> {
    fn reads_columns_outside_aggregates(e: &Expr) -> bool {
        match e {
            Expr::Column { .. } => true,
            Expr::Call { name, .. } if aggregate::lookup(name).is_some() => false,
            _ => {
                let mut found = false;
                crate::with_stack(|| e.for_each_child(&mut |c| found |= reads_columns_outside_aggregates(c)));
                found
            }
        }
    }
    let non_aggregate: Vec<String> = q
        .select
        .iter()
        .filter_map(|item| match item {
            SelectItem::Expr { expr, .. } if reads_columns_outside_aggregates(expr) => Some(format_expr(expr)),
            _ => None,
        })
        .collect();
    if !non_aggregate.is_empty() {
        return Some(format!("{NON_AGG} {}", non_aggregate.join(", ")));
    }
    if !opts.persistent {
        return None;
    }
    let mut aggs = Vec::new();
    for item in &q.select {
        if let SelectItem::Expr { expr, .. } = item {
            collect_aggs(expr, &mut aggs);
        }
    }
    let call = match aggs.first() {
        Some(Expr::Call { name, args, .. }) if args.is_empty() => format!("{name}(ROWTIME)"),
        Some(e) => format_expr(e),
        None => String::new(),
    };
    Some(format!(
        "CREATE TABLE AS SELECT statement does not support aggregate function [{call}] without a GROUP BY clause."
    ))
}

/// Aggregation: the grouping keys, the aggregate calls and the output scope of the
/// aggregation (grouping columns, one column per aggregate call, window bounds).
fn plan_aggregation(
    q: &Query,
    rel: &Relation,
    opts: &PlanOptions,
    agg_exprs: &[Expr],
) -> Result<AggregateNode, String> {
    let mut post = Scope::default();
    let group_by = plan_group_by(q, &rel.scope, &mut post)?;
    let mut calls = Vec::new();
    for (i, a) in agg_exprs.iter().enumerate() {
        let call = plan_aggregate_call(q, rel, opts, a)?;
        let idx = post.push(None, &format!("KSQL_AGG_VARIABLE_{i}"), call.ret.clone());
        post.subst.push((format_expr(a), idx));
        calls.push(call);
    }
    for (n, t) in [("WINDOWSTART", SqlType::Bigint), ("WINDOWEND", SqlType::Bigint), ("ROWTIME", SqlType::Bigint)] {
        let idx = post.push(None, n, t);
        post.subst.push((n.to_string(), idx));
    }
    post.only_subst = Some(format!("{NON_AGG} {{}}"));
    Ok(AggregateNode {
        group_by,
        calls,
        window: q.window.clone(),
        having: None,
        emit_final: q.emit_final,
        output: post,
    })
}

/// Aggregation: checks the GROUP BY expressions and names them in the output scope `post`.
fn plan_group_by(q: &Query, scope: &Scope, post: &mut Scope) -> Result<Vec<GroupKey>, String> {
    let mut seen: Vec<String> = Vec::new();
    for g in &q.group_by {
        let canonical = super::join::qualified(g, scope);
        if seen.contains(&canonical) {
            return err(format!("Duplicate GROUP BY expression: {canonical}"));
        }
        seen.push(canonical);
    }
    let mut keys = Vec::new();
    for (i, g) in q.group_by.iter().enumerate() {
        let c = compile(g, scope).map_err(|m| {
            if let Some(b) = window_bound_misuse(&m, q) {
                return b;
            }
            let mut inner = Vec::new();
            collect_aggs(g, &mut inner);
            match inner.first() {
                Some(Expr::Call { name, .. }) => {
                    format!("GROUP BY does not support aggregate functions: {name} is an aggregate function.")
                }
                _ => format!("Error in GROUP BY: {m}"),
            }
        })?;
        let ty = c.ty.clone().ok_or("GROUP BY NULL is not supported")?;
        let name = match g {
            Expr::Column { name, .. } => name.clone(),
            _ => format!("KSQL_COL_{i}"),
        };
        let idx = post.push(None, &name, ty.clone());
        post.subst.push((format_expr(g), idx));
        if let Expr::Column { qualifier: Some(_), name } = g {
            post.subst.push((name.clone(), idx));
        }
        keys.push(GroupKey { expr: g.clone(), name, ty });
    }
    Ok(keys)
}

/// Aggregates on a table: ksqlDB names every aggregate that cannot undo (only streams have them).
fn stream_only_aggregates(q: &Query) -> String {
    let mut aggs = Vec::new();
    for item in &q.select {
        if let SelectItem::Expr { expr, .. } = item {
            collect_aggs(expr, &mut aggs);
        }
    }
    let mut names: Vec<String> = Vec::new();
    for a in &aggs {
        if let Expr::Call { name, .. } = a {
            if aggregate::lookup(name).is_some_and(|f| !f.undo) && !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    let listed = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    format!("The aggregation functions {listed} cannot be applied to a table source, only to a stream source.")
}

/// Aggregation: one aggregate call, its column arguments typed over the relation and its
/// trailing literal arguments evaluated, checked against the function and the source.
fn plan_aggregate_call(q: &Query, rel: &Relation, opts: &PlanOptions, a: &Expr) -> Result<AggregateCall, String> {
    let Expr::Call { name, args, star, distinct } = a else { unreachable!() };
    let f = aggregate::lookup(name).unwrap();
    // Aggregates whose intermediate state is a STRUCT or ARRAY cannot be kept in a
    // DELIMITED state store.
    if opts.persistent
        && matches!(rel.from().value_format, crate::topics::Format::Delimited(_))
        && matches!(f.name, "AVG" | "CORRELATION" | "STDDEV_SAMPLE" | "STDDEV_SAMP" | "TOPK")
    {
        return err("One of the functions used in the statement has an intermediate type that the value \
                    format can not handle. Please remove the function or change the format.");
    }
    if *distinct {
        return err(format!("DISTINCT in aggregate {name} is not supported"));
    }
    if rel.is_table && !f.undo {
        return err(stream_only_aggregates(q));
    }
    // COUNT() is COUNT(*).
    let star = &(*star || (name == "COUNT" && args.is_empty()));
    let ncols = if *star { 0 } else { f.col_args.count(args.len()) };
    let mut types = Vec::new();
    for x in &args[..ncols] {
        let c = compile(x, &rel.scope).map_err(|m| {
            if let Some(b) = window_bound_misuse(&m, q) {
                b
            } else if m.starts_with("Aggregate functions can not be used here") {
                format!("Aggregate functions can not be nested: {}", format_expr(a))
            } else {
                m
            }
        })?;
        types.push(c.ty.clone().unwrap_or(SqlType::String));
    }
    let (lits, not_literal) = literal_args(&args[ncols..], ncols, rel)?;
    if !*star && args.is_empty() {
        return err(format!("Function '{name}' requires an argument"));
    }
    let ret = (f.typer)(&types, &lits).map_err(|m| {
        if m.is_empty() {
            // Every argument's type, the literals' too, as ksqlDB lists them.
            let literal_types = lits.iter().map(|v| type_of(v).map_or("null".into(), |t| t.to_string()));
            let all: Vec<String> = types.iter().map(|t| t.to_string()).chain(literal_types).collect();
            format!(
                "Function '{}' does not accept parameters ({}).",
                crate::functions::declared_name(name),
                all.join(", ")
            )
        } else {
            m
        }
    })?;
    if let Some((position, expr)) = not_literal {
        return err(format!(
            "Parameter {position} passed to function {} must be a literal constant, but was expression: '{}'",
            crate::functions::declared_name(name),
            format_expr(expr)
        ));
    }
    Ok(AggregateCall {
        function: f.name,
        call: a.clone(),
        args: args[..ncols].to_vec(),
        arg_types: types,
        literals: lits,
        ret,
    })
}

/// An argument given where a literal belongs: its 1-based position and the expression.
type NotLiteral<'a> = (usize, &'a Expr);

/// The values of an aggregate call's literal arguments (`first` is the position of the first).
/// ksqlDB picks the function by every argument's type before it asks for literals, so an
/// expression where a literal belongs stands in as a value of its type, and is returned to be
/// refused once the call is known to type-check.
fn literal_args<'a>(
    args: &'a [Expr],
    first: usize,
    rel: &Relation,
) -> Result<(Vec<Value>, Option<NotLiteral<'a>>), String> {
    let mut not_literal = None;
    let mut values = Vec::with_capacity(args.len());
    for (i, x) in args.iter().enumerate() {
        match const_value(x) {
            Ok(v) => values.push(v),
            Err(m) => {
                let ty = compile(x, &rel.scope).map_err(|_| m)?.ty_or_string();
                values.push(stand_in(&ty));
                not_literal.get_or_insert((first + i + 1, x));
            }
        }
    }
    Ok((values, not_literal))
}

/// A value of type `ty`, for typing a call; NULL for the types no typer reads literals of.
fn stand_in(ty: &SqlType) -> Value {
    match ty {
        SqlType::Boolean => Value::Boolean(true),
        SqlType::Integer => Value::Int(1),
        SqlType::Bigint => Value::Bigint(1),
        SqlType::Double => Value::Double(1.0),
        SqlType::String => Value::String(String::new()),
        _ => Value::Null,
    }
}

/// Aggregation (none): the output key is PARTITION BY's expressions, else the join key (a
/// foreign-key join's: the left table's primary key), else the source's key columns.
fn plan_key_exprs(q: &Query, rel: &Relation) -> Result<Vec<Expr>, String> {
    Ok(if !q.partition_by.is_empty() {
        if rel.is_table {
            return err("Cannot repartition a TABLE source. If this is a join, make sure that the criteria uses \
                        the TABLE's key column.");
        }
        let is_null = |e: &Expr| matches!(e, Expr::Lit(Literal::Null));
        if q.partition_by.len() > 1 && q.partition_by.iter().any(is_null) {
            return err("Cannot PARTITION BY multiple columns including NULL");
        }
        for e in &q.partition_by {
            compile(e, &rel.scope).map_err(|m| partition_by_error(q, m))?;
        }
        if q.partition_by.len() == 1 && is_null(&q.partition_by[0]) {
            vec![]
        } else {
            q.partition_by.clone()
        }
    } else if rel.foreign_key {
        rel.left_primary_key()
    } else if rel.has_join() {
        vec![rel.join_key_exprs[0].clone()]
    } else {
        rel.from().key_columns().iter().map(|(n, _)| Expr::Column { qualifier: None, name: n.clone() }).collect()
    })
}

/// PARTITION BY: ksqlDB's message for a column it cannot resolve, which says so when the
/// name is a select alias (PARTITION BY is applied to the input).
fn partition_by_error(q: &Query, message: String) -> String {
    let Some(name) = message.strip_prefix("Column '").and_then(|r| r.strip_suffix("' cannot be resolved.")) else {
        return message;
    };
    let is_alias = q.select.iter().any(|i| matches!(i, SelectItem::Expr { alias: Some(a), .. } if a == name));
    let mut text = format!("PARTITION BY column '{name}' cannot be resolved.");
    if is_alias {
        text.push_str(&format!(
            " '{name}' must be a column in the source schema since PARTITION BY is applied on the input."
        ));
    }
    text
}

/// HAVING: checked over the aggregation's output scope (window bounds were refused before).
pub(super) fn analyze_having(q: &Query, aggregate: &AggregateNode) -> Result<Option<Expr>, String> {
    let Some(h) = &q.having else { return Ok(None) };
    compile(h, &aggregate.having_scope()).map_err(|m| {
        if m.starts_with("Cannot compare") {
            format!("Error in HAVING expression: {m}")
        } else {
            m
        }
    })?;
    Ok(Some(h.clone()))
}
