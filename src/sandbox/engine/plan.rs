//! The query planner: resolves sources, checks the query the way ksqlDB does, and builds
//! an [`Executor`] plus the output schema (columns, key, windowing).

use std::sync::Arc;

use super::exec::*;
use crate::sandbox::catalog::{Catalog, ColKind, Source, WindowType};
use crate::sandbox::expr::{compile, format_expr, Compiled, EvalFn, Scope};
use crate::sandbox::functions::{aggregate, table};
use crate::sandbox::sql::ast::*;
use crate::sandbox::types::*;

#[derive(Debug, Clone)]
pub struct OutCol {
    pub name: String,
    pub ty: SqlType,
    pub key: bool,
}

pub struct Plan {
    pub executor: Executor,
    /// The projection, in SELECT order (`key` marks the columns that form the key).
    pub columns: Vec<OutCol>,
    /// The key columns of a sink, in key order.
    pub key_cols: Vec<(String, SqlType)>,
    /// Positions in `columns` of the key columns (same order as `key_cols`).
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
    pub sink_timestamp: Option<String>,
}

fn err<T>(m: impl Into<String>) -> Result<T, String> {
    Err(m.into())
}

/// Adds a source's columns to a scope; returns (width, star columns as (scope index, name)).
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
    crate::sandbox::with_stack(|| e.for_each_child(&mut |c| collect_aggs(c, out)));
}

/// Collects the column references (qualifier, name) of an expression. Lambda parameters
/// count as columns: a rough approximation that is fine for join criteria.
fn column_refs(e: &Expr, out: &mut Vec<(Option<String>, String)>) {
    match e {
        Expr::Column { qualifier, name } => out.push((qualifier.clone(), name.clone())),
        _ => crate::sandbox::with_stack(|| e.for_each_child(&mut |c| column_refs(c, out))),
    }
}

/// The default name of an unaliased select expression.
fn default_name(e: &Expr, gen: &mut usize, taken: &[String]) -> String {
    match e {
        Expr::Column { name, .. } => name.clone(),
        Expr::Deref(_, f) => f.clone(),
        _ => loop {
            let n = format!("KSQL_COL_{}", *gen);
            *gen += 1;
            if !taken.contains(&n) {
                break n;
            }
        },
    }
}

fn const_value(e: &Expr) -> Result<Value, String> {
    let c = compile(e, &Scope::default())
        .map_err(|_| format!("Aggregate function parameters must be literals: {}", format_expr(e)))?;
    Ok((c.eval)(&[]))
}

/// The relation a query reads, built up phase by phase: the FROM source, then each JOIN.
struct Relation {
    from: Source,
    left_alias: String,
    /// The columns of a row of the relation (each source's, then the table functions' results).
    scope: Scope,
    inputs: Vec<Input>,
    sources: Vec<String>,
    /// The columns `SELECT *` expands to, as (scope index, output name).
    star: Vec<(usize, String)>,
    join_stages: Vec<JoinStage>,
    /// The expressions the join result is keyed by, in join order (empty without a join).
    join_key_exprs: Vec<Expr>,
    is_table: bool,
    /// The join result is keyed by a synthetic ROWKEY column.
    synthetic_key: bool,
}

impl Relation {
    /// FROM: the first source, with its columns in scope and its topic as the first input.
    fn from_source(q: &Query, catalog: &Catalog) -> Result<Relation, String> {
        let from = lookup(catalog, &q.from.name)?.clone();
        let left_alias = q.from.alias.clone().unwrap_or_else(|| from.name.clone());
        let mut scope = Scope::default();
        let star = add_source(&mut scope, &from, &left_alias);
        let inputs = vec![Input {
            topic: from.topic.clone(),
            decoder: Decoder::new(&from),
            is_table: from.kind == SourceKind::Table,
            state: Default::default(),
        }];
        Ok(Relation {
            sources: vec![from.name.clone()],
            is_table: from.kind == SourceKind::Table,
            from,
            left_alias,
            scope,
            inputs,
            star,
            join_stages: Vec::new(),
            join_key_exprs: Vec::new(),
            synthetic_key: false,
        })
    }

    /// Whether the relation is a join (it has join stages).
    fn has_join(&self) -> bool {
        !self.join_stages.is_empty()
    }

    /// Whether `e` names the synthetic join key column ROWKEY.
    fn is_rowkey_ref(&self, e: &Expr) -> bool {
        self.synthetic_key && matches!(e, Expr::Column { qualifier: None, name } if name == "ROWKEY")
    }
}

/// Compiles a [`Query`] into an executable plan, phase by phase.
pub fn plan_query(q: &Query, catalog: &Catalog, opts: &PlanOptions) -> Result<Plan, String> {
    let mut rel = Relation::from_source(q, catalog)?;
    check_join_criteria(q, catalog, &rel)?;
    plan_join_chain(q, catalog, &mut rel)?;
    let filter = plan_where(q, &rel.scope)?;
    let flatmap = plan_table_functions(q, &mut rel)?;
    let grouping = plan_grouping(q, &rel, opts)?;
    let mut projection = plan_projection(q, &rel, &grouping)?;
    check_output_names(&projection.columns, opts)?;
    let keys = plan_key_columns(q, &rel, &grouping, &mut projection, opts)?;
    let out_ts = plan_sink_timestamp(opts, &projection)?;
    // A null-value record's key: PARTITION BY expressions over value columns give null.
    let partitioned = !q.partition_by.is_empty() && partition_by_reads_values(q, &rel);
    let projector = Projector { key: keys.evals, items: projection.items, partitioned };
    let Grouping { aggregating, out_scope, aggregator_parts, output_is_table, .. } = grouping;
    let (body, window) = plan_body(q, &rel, aggregator_parts, &out_scope, projector)?;

    let has_join = rel.has_join();
    let executor = Executor {
        inputs: rel.inputs,
        joins: rel.join_stages,
        filter,
        flatmap,
        body,
        output_is_table,
        relation_is_table: rel.is_table,
        out_ts,
        stream_time: i64::MIN,
        errors: vec![],
        pass_null_values: opts.persistent,
    };
    Ok(Plan {
        executor,
        columns: projection.columns,
        key_cols: keys.cols,
        key_positions: keys.positions,
        output_is_table,
        window,
        sources: rel.sources,
        from: rel.from,
        has_aggregation: aggregating,
        has_join,
    })
}

/// Join checks: the join criteria are checked (as ksqlDB's analyzer does) before any join is
/// planned. (Binary joins only get the literal-side check; the others are n-way checks.)
fn check_join_criteria(q: &Query, catalog: &Catalog, rel: &Relation) -> Result<(), String> {
    let nway = q.joins.len() > 1;
    if q.joins.is_empty() {
        return Ok(());
    }
    let from = &rel.from;
    let mut seen = vec![from.name.clone()];
    let mut cols: Vec<(String, Vec<String>)> =
        vec![(rel.left_alias.clone(), from.columns.iter().map(|c| c.name.clone()).collect())];
    for j in &q.joins {
        let src = lookup(catalog, &j.source.name)?;
        if nway && seen.contains(&src.name) {
            return err(format!(
                "N-way joins do not support multiple occurrences of the same source. Source: '{}'",
                src.name
            ));
        }
        seen.push(src.name.clone());
        let alias = j.source.alias.clone().unwrap_or_else(|| src.name.clone());
        cols.push((alias.clone(), src.columns.iter().map(|c| c.name.clone()).collect()));
        let Expr::Binary(BinOp::Eq, a, b) = &j.on else { continue };
        let (ra, rb) = (join_side_sources(a, &cols)?, join_side_sources(b, &cols)?);
        for (side, r) in [(a, &ra), (b, &rb)] {
            if r.is_empty() {
                return err(format!(
                    "Invalid comparison expression '{}' in join '{}'. Each side of the join comparision must \
                     contain references from exactly one source.",
                    format_expr(side),
                    format_expr(&j.on)
                ));
            }
        }
        if nway && ra.len() == 1 && rb.len() == 1 && ra[0] != "?" && rb[0] != "?" {
            if ra[0] == rb[0] {
                return err(format!(
                    "Each side of the join must reference exactly one source and not the same source. Left \
                     side references `{}` and right references `{}`",
                    ra[0], rb[0]
                ));
            }
            if ra[0] != alias && rb[0] != alias {
                return err(format!(
                    "A join criteria is expected to reference the source (`{alias}`) in the FROM clause, \
                     instead the right source references `{}` and the left source references `{}`",
                    rb[0], ra[0]
                ));
            }
        }
    }
    Ok(())
}

/// Join checks: the aliases of the sources one side of an ON equality references ("?" for
/// pseudocolumns and unknown names), given each source's (alias, column names) so far.
fn join_side_sources(e: &Expr, cols: &[(String, Vec<String>)]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    column_refs(e, &mut names);
    let mut out: Vec<String> = Vec::new();
    for (qual, name) in names {
        if let Some(q) = &qual {
            let pseudo = ["ROWTIME", "ROWPARTITION", "ROWOFFSET", "WINDOWSTART", "WINDOWEND"];
            if cols.iter().any(|(a, cs)| a == q && !cs.contains(&name)) && !pseudo.contains(&name.as_str()) {
                return Err(format!("JOIN ON column '{q}.{name}' cannot be resolved."));
            }
        }
        let found: Vec<String> = match qual {
            Some(q) => vec![q],
            None => {
                let f: Vec<String> = cols.iter().filter(|(_, cs)| cs.contains(&name)).map(|(a, _)| a.clone()).collect();
                // Pseudocolumns and unknown names: some reference, of no known source.
                if f.is_empty() {
                    vec!["?".to_string()]
                } else {
                    f
                }
            }
        };
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// One JOIN of the chain: the source it adds and the relation joined so far (its left side).
struct JoinStep<'a> {
    index: usize,
    join: &'a Join,
    right: Source,
    right_alias: String,
    /// The scope of the relation joined so far.
    left_scope: Scope,
    left_is_table: bool,
    right_is_table: bool,
}

/// The ON equality of a join: each side compiled against its own input.
struct JoinOn<'a> {
    left: Compiled,
    right: Compiled,
    left_expr: Expr,
    right_expr: Expr,
    /// The two sides as written (a = b).
    written: (&'a Expr, &'a Expr),
}

/// N-way join chain: an n-way join is a left-deep chain of binary joins; join `ji` joins the
/// result of the previous ones (its scope: every source so far) with the next source.
fn plan_join_chain(q: &Query, catalog: &Catalog, rel: &mut Relation) -> Result<(), String> {
    let mut aliases = vec![rel.left_alias.clone()];
    // The expressions the join result is keyed by (any of them may be projected as the key),
    // as written and in canonical (qualified) form.
    let mut viable: Vec<(Expr, String)> = Vec::new();
    for (ji, j) in q.joins.iter().enumerate() {
        let right = lookup(catalog, &j.source.name)?.clone();
        let right_alias = j.source.alias.clone().unwrap_or_else(|| right.name.clone());
        if aliases.contains(&right_alias) {
            return err(format!(
                "Can not join '{}' to '{}': self joins are not yet supported.",
                rel.from.name, right.name
            ));
        }
        if ji > 0 {
            // The previous join's own pseudocolumns are no longer addressable.
            for c in rel.scope.cols.iter_mut().filter(|c| c.qualifier.is_none()) {
                c.qualifier = Some(format!("$JOIN{ji}"));
            }
        }
        let step = JoinStep {
            index: ji,
            join: j,
            left_scope: rel.scope.clone(),
            left_is_table: rel.is_table,
            right_is_table: right.kind == SourceKind::Table,
            right,
            right_alias,
        };
        plan_join(q, rel, &step, &mut viable)?;
        aliases.push(step.right_alias);
    }
    // FULL OUTER joins and joins whose both sides are expressions get a synthetic key column
    // ROWKEY (the join key: the left side's, else the right side's).
    rel.synthetic_key = rel.has_join()
        && (q.joins.last().is_some_and(|j| j.kind == JoinKind::Full)
            || !rel.join_key_exprs.iter().any(|e| matches!(e, Expr::Column { .. })));
    Ok(())
}

/// N-way join chain: one binary join, checked, then added to the relation (the right source's
/// columns, input and star columns, the join stage and the join key).
fn plan_join(q: &Query, rel: &mut Relation, step: &JoinStep, viable: &mut Vec<(Expr, String)>) -> Result<(), String> {
    let left_width = step.left_scope.cols.len();
    let mut rscope = Scope::default();
    let right_star = add_source(&mut rscope, &step.right, &step.right_alias);
    let right_width = rscope.cols.len();
    for c in rscope.cols.clone() {
        rel.scope.cols.push(c);
    }
    rel.scope.push(None, "ROWTIME", SqlType::Bigint);
    rel.scope.push(None, "ROWPARTITION", SqlType::Integer);
    rel.scope.push(None, "ROWOFFSET", SqlType::Bigint);
    check_join_sources(&rel.from, step)?;
    let on = plan_join_on(step)?;
    check_join_on_keys(rel, step, &on)?;
    let JoinOn { left, right, left_expr, right_expr, .. } = on;
    let (j, lt, rt) = (step.join, step.left_is_table, step.right_is_table);
    let within = j.within.map(|(b, a, g)| (b as i64, a as i64, g.map(|g| g as i64).unwrap_or(24 * 3_600_000)));
    rel.join_stages.push(JoinStage::new(j.kind, left.eval, right.eval, left_width, right_width, lt, rt, within));
    rel.inputs.push(Input {
        topic: step.right.topic.clone(),
        decoder: Decoder::new(&step.right),
        is_table: rt,
        state: Default::default(),
    });
    rel.sources.push(step.right.name.clone());
    // Star columns of a join are prefixed with the source alias: A_ID, B_NAME.
    if step.index == 0 {
        rel.star = rel.star.iter().map(|(i, n)| (*i, format!("{}_{n}", rel.left_alias))).collect();
    }
    rel.star.extend(right_star.iter().map(|(i, n)| (*i + left_width, format!("{}_{n}", step.right_alias))));
    update_join_keys(q, rel, step, left_expr, right_expr, viable);
    rel.is_table = lt && rt;
    Ok(())
}

/// N-way join chain: the source kinds, formats, WITHIN clause and windowing a join allows.
fn check_join_sources(from: &Source, step: &JoinStep) -> Result<(), String> {
    let (j, right, ji) = (step.join, &step.right, step.index);
    let (lt, rt) = (step.left_is_table, step.right_is_table);
    let kafka: Vec<&str> = [from, right]
        .iter()
        .skip(if ji == 0 { 0 } else { 1 })
        .filter(|s| s.value_format == crate::sandbox::topics::Format::Kafka)
        .map(|s| s.name.as_str())
        .collect();
    if !kafka.is_empty() {
        return err(format!(
            "Source(s) {} are using the 'KAFKA' value format. This format does not yet support JOIN.",
            kafka.join(", ")
        ));
    }
    if lt && !rt {
        return err(format!(
            "Invalid join order: table-stream joins are not supported; only stream-table joins. Got {} {} JOIN {}.",
            from.name,
            join_word(j.kind),
            right.name
        ));
    }
    if !lt && !rt && j.within.is_none() {
        return err("Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about \
                    how to specify a WITHIN clause with a stream-stream join, \
                    please visit: https://docs.confluent.io/current/ksql/docs/\
                    syntax-reference.html#create-stream-as-select");
    }
    if (lt || rt) && j.within.is_some() {
        return err("A window definition was provided for a Stream-Table join. These joins are not windowed. \
                    Please drop the window definition (i.e. the WITHIN clause) and try to execute your join \
                    again.");
    }
    if !lt && rt && matches!(j.kind, JoinKind::Full | JoinKind::Right) {
        return err(format!(
            "Invalid join type: full-outer join not supported for stream-table join. Got {} {} JOIN {}.",
            from.name,
            join_word(j.kind),
            right.name
        ));
    }
    if (ji == 0 && from.is_windowed()) || right.is_windowed() {
        return err("Joins on windowed sources are not supported in the ksqlDB sandbox yet");
    }
    Ok(())
}

/// Join keys: ON must be an equality between one side and the other; each side is compiled
/// against its own input and their types must be compatible.
fn plan_join_on<'a>(step: &JoinStep<'a>) -> Result<JoinOn<'a>, String> {
    let j = step.join;
    if j.on.is_and_chain() {
        return err(format!(
            "Invalid join condition: joins on multiple conditions are not yet supported. Got {}.",
            format_expr(&j.on)
        ));
    }
    let Expr::Binary(BinOp::Eq, a, b) = &j.on else {
        return err(format!(
            "Unsupported join expression: {}. Only equality joins (a = b) are supported.",
            format_expr(&j.on)
        ));
    };
    let lscope = &step.left_scope;
    let mut rscope2 = Scope::default();
    add_source(&mut rscope2, &step.right, &step.right_alias);
    let (lk, rk, lexpr) = match (compile(a, lscope), compile(b, &rscope2)) {
        (Ok(l), Ok(r)) => (l, r, (**a).clone()),
        _ => match (compile(b, lscope), compile(a, &rscope2)) {
            (Ok(l), Ok(r)) => (l, r, (**b).clone()),
            _ => {
                return err(format!(
                    "Invalid comparison expression '{}' in join '{}'. Each side of the join comparision must \
                     contain references from exactly one source.",
                    format_expr(&j.on),
                    format_expr(&j.on)
                ))
            }
        },
    };
    let rexpr = if format_expr(&lexpr) == format_expr(a) { (**b).clone() } else { (**a).clone() };
    if let (Some(x), Some(y)) = (&lk.ty, &rk.ty) {
        if common_type(x, y).is_none() {
            return err(format!(
                "Invalid join condition: types don't match. Got {}{{{x}}} = {}{{{y}}}.",
                format_expr(&lexpr),
                format_expr(&rexpr)
            ));
        }
    }
    Ok(JoinOn { left: lk, right: rk, left_expr: lexpr, right_expr: rexpr, written: (a, b) })
}

/// Join keys: a table side must be joined on its primary key (foreign-key table-table joins
/// are not supported).
fn check_join_on_keys(rel: &Relation, step: &JoinStep, on: &JoinOn) -> Result<(), String> {
    let (lt, rt) = (step.left_is_table, step.right_is_table);
    let (lexpr, rexpr) = (&on.left_expr, &on.right_expr);
    if lt && rt {
        let lkeys = rel.from.key_columns();
        let l_is_pk = if step.index == 0 {
            matches!(lexpr, Expr::Column { name, .. } if lkeys.len() == 1 && lkeys[0].0 == *name)
        } else {
            // The previous join's result is keyed by its join expressions.
            let idx = |e: &Expr| match e {
                Expr::Column { qualifier, name } => step.left_scope.resolve(qualifier.as_deref(), name).ok(),
                _ => None,
            };
            idx(lexpr).is_some() && rel.join_key_exprs.iter().any(|k| idx(k) == idx(lexpr))
        };
        if !l_is_pk {
            return err("Foreign-key table-table joins are not supported in the ksqlDB sandbox yet");
        }
    }
    if rt {
        // A table side must be joined on its primary key.
        let rkeys = step.right.key_columns();
        let is_pk = matches!(rexpr, Expr::Column { name, .. } if rkeys.len() == 1 && rkeys[0].0 == *name);
        if !is_pk {
            // The ON sides as written, columns qualified by their source.
            let side = |e: &Expr| {
                let alias = if format_expr(e) == format_expr(lexpr) { &rel.left_alias } else { &step.right_alias };
                match e {
                    Expr::Column { qualifier, name } => format!("{}.{name}", qualifier.as_deref().unwrap_or(alias)),
                    other => format_expr(other),
                }
            };
            let (a, b) = on.written;
            return err(format!(
                "Invalid join condition: {}. Got {} = {}.",
                if lt {
                    "table-table joins require to join on the primary key of the right input table"
                } else {
                    "stream-table joins require to join on the table's primary key"
                },
                side(a),
                side(b)
            ));
        }
    }
    Ok(())
}

/// Join keys: the expressions the join result is keyed by after this join. The previous key
/// carries over when this join is on it (and is not FULL OUTER).
fn update_join_keys(
    q: &Query,
    rel: &mut Relation,
    step: &JoinStep,
    lexpr: Expr,
    rexpr: Expr,
    viable: &mut Vec<(Expr, String)>,
) {
    let canon = |e: &Expr, sc: &Scope| match e {
        Expr::Column { qualifier: None, name } => match sc.resolve(None, name) {
            Ok(i) => format!("{}.{name}", sc.cols[i].qualifier.clone().unwrap_or_default()),
            Err(_) => format_expr(e),
        },
        _ => format_expr(e),
    };
    let mut rs = Scope::default();
    add_source(&mut rs, &step.right, &step.right_alias);
    let (lc, rc) = (canon(&lexpr, &step.left_scope), canon(&rexpr, &rs));
    let ji = step.index;
    let carries =
        ji > 0 && viable.iter().any(|(_, c)| *c == lc) && !q.joins[ji - 1..].iter().any(|j| j.kind == JoinKind::Full);
    if !carries {
        *viable = vec![(lexpr, lc)];
    }
    viable.push((rexpr, rc));
    rel.join_key_exprs = viable.iter().map(|(e, _)| e.clone()).collect();
}

/// WHERE: the filter, compiled over the relation (aggregates are not allowed in it).
fn plan_where(q: &Query, scope: &Scope) -> Result<Option<EvalFn>, String> {
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
    Ok(Some(c.eval))
}

/// Table functions in the select list: computed into extra columns of the relation, which the
/// select expressions then read in their place.
fn plan_table_functions(q: &Query, rel: &mut Relation) -> Result<Option<FlatMap>, String> {
    let mut flat_funcs: Vec<(String, EvalFn)> = Vec::new();
    for item in &q.select {
        if let SelectItem::Expr { expr: e @ Expr::Call { name, args, .. }, .. } = item {
            if table::is_table_function(name) {
                if rel.is_table {
                    return err("Table functions are not supported on tables");
                }
                if args.len() != 1 {
                    return err(format!("Function '{name}' takes one argument"));
                }
                let c = compile(&args[0], &rel.scope)?;
                let ty = table::result_type(name, &c.ty_or_string())?;
                let idx = rel.scope.push(None, &format!("KSQL_SYNTH_{}", flat_funcs.len()), ty);
                rel.scope.subst.push((format_expr(e), idx));
                flat_funcs.push((name.clone(), c.eval));
            }
        }
    }
    Ok(if flat_funcs.is_empty() { None } else { Some(FlatMap { funcs: flat_funcs }) })
}

/// What the projection is evaluated over: the aggregation's output, or the relation itself.
struct Grouping {
    aggregating: bool,
    /// The scope SELECT, HAVING and the key expressions compile against.
    out_scope: Scope,
    /// The expressions the output is keyed by.
    key_exprs: Vec<Expr>,
    /// The GROUP BY evaluators and the aggregate calls, when aggregating.
    aggregator_parts: Option<(Vec<EvalFn>, Vec<AggCall>)>,
    output_is_table: bool,
}

/// Aggregation: checks the GROUP BY / WINDOW / HAVING / PARTITION BY combination, then builds
/// the aggregation's output scope, or else keeps the relation's scope and picks its key.
fn plan_grouping(q: &Query, rel: &Relation, opts: &PlanOptions) -> Result<Grouping, String> {
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
    check_grouping_clauses(q, rel, opts, aggregating)?;
    if aggregating {
        let (out_scope, group_evals, calls) = plan_aggregation(q, rel, opts, &agg_exprs)?;
        Ok(Grouping {
            aggregating,
            out_scope,
            key_exprs: q.group_by.clone(),
            aggregator_parts: Some((group_evals, calls)),
            output_is_table: true,
        })
    } else {
        let key_exprs = plan_key_exprs(q, rel)?;
        Ok(Grouping {
            aggregating,
            out_scope: rel.scope.clone(),
            key_exprs,
            aggregator_parts: None,
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
    if aggregating && q.group_by.is_empty() {
        return err("Aggregate functions require a GROUP BY clause in the sandbox (as in ksqlDB: use GROUP BY on a \
                    constant-free expression)");
    }
    if !q.group_by.is_empty()
        && !rel.has_join()
        && rel.from.value_format == crate::sandbox::topics::Format::Kafka
        && opts.persistent
    {
        return err(format!(
            "Source(s) {} are using the 'KAFKA' value format. This format does not yet support GROUP BY.",
            rel.from.name
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

/// Aggregation: the output scope of the aggregation (grouping columns, one column per
/// aggregate call, window bounds), with the GROUP BY evaluators and the aggregate calls.
fn plan_aggregation(
    q: &Query,
    rel: &Relation,
    opts: &PlanOptions,
    agg_exprs: &[Expr],
) -> Result<(Scope, Vec<EvalFn>, Vec<AggCall>), String> {
    let mut post = Scope::default();
    let group_evals = plan_group_by(q, &rel.scope, &mut post)?;
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
    Ok((post, group_evals, calls))
}

/// Aggregation: compiles the GROUP BY expressions and names them in the output scope `post`.
fn plan_group_by(q: &Query, scope: &Scope, post: &mut Scope) -> Result<Vec<EvalFn>, String> {
    let mut group_evals = Vec::new();
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
        let idx = post.push(None, &name, ty);
        post.subst.push((format_expr(g), idx));
        if let Expr::Column { qualifier: Some(_), name } = g {
            post.subst.push((name.clone(), idx));
        }
        group_evals.push(c.eval);
    }
    Ok(group_evals)
}

/// Aggregation: one aggregate call, its column arguments compiled over the relation and its
/// trailing literal arguments evaluated, checked against the function and the source.
fn plan_aggregate_call(q: &Query, rel: &Relation, opts: &PlanOptions, a: &Expr) -> Result<AggCall, String> {
    let Expr::Call { name, args, star, distinct } = a else { unreachable!() };
    let f = aggregate::lookup(name).unwrap();
    // Aggregates whose intermediate state is a STRUCT or ARRAY cannot be kept in a
    // DELIMITED state store.
    if opts.persistent
        && matches!(rel.from.value_format, crate::sandbox::topics::Format::Delimited(_))
        && matches!(f.name, "AVG" | "CORRELATION" | "STDDEV_SAMPLE" | "TOPK")
    {
        return err("One of the functions used in the statement has an intermediate type that the value \
                    format can not handle. Please remove the function or change the format.");
    }
    if *distinct {
        return err(format!("DISTINCT in aggregate {name} is not supported"));
    }
    if rel.is_table && !f.undo {
        return err(format!(
            "The aggregation functions {name} cannot be applied to a table source, only to a stream source."
        ));
    }
    // COUNT() is COUNT(*).
    let star = &(*star || (name == "COUNT" && args.is_empty()));
    // TOPK takes any number of columns before its literal k.
    let col_args = if f.name == "TOPK" { args.len().saturating_sub(1).max(1) } else { f.col_args };
    let ncols = if *star { 0 } else { col_args.min(args.len()) };
    let mut evals = Vec::new();
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
        evals.push(c.eval);
    }
    let lits: Vec<Value> = args[ncols..].iter().map(const_value).collect::<Result<_, _>>()?;
    if !*star && args.is_empty() {
        return err(format!("Function '{name}' requires an argument"));
    }
    let ret = (f.typer)(&types, &lits).map_err(|m| {
        if m.is_empty() {
            format!(
                "Function '{}' does not accept parameters ({}).",
                name,
                types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
            )
        } else {
            m
        }
    })?;
    Ok(AggCall { func: f, args: evals, arg_types: types, literals: lits, ret })
}

/// Aggregation (none): the output key is PARTITION BY's expressions, else the join key, else
/// the source's key columns.
fn plan_key_exprs(q: &Query, rel: &Relation) -> Result<Vec<Expr>, String> {
    Ok(if !q.partition_by.is_empty() {
        if rel.is_table {
            return err("Cannot repartition a TABLE source. If this is a join, make sure that the criteria uses \
                        the TABLE's key column.");
        }
        if q.partition_by.len() == 1 && matches!(q.partition_by[0], Expr::Lit(Literal::Null)) {
            vec![]
        } else {
            q.partition_by.clone()
        }
    } else if rel.has_join() {
        vec![rel.join_key_exprs[0].clone()]
    } else {
        rel.from.key_columns().iter().map(|(n, _)| Expr::Column { qualifier: None, name: n.clone() }).collect()
    })
}

/// The SELECT list compiled: the output columns, their evaluators and source expressions.
struct Projection {
    columns: Vec<OutCol>,
    items: Vec<EvalFn>,
    /// The expression each item was compiled from (to find the key columns among them).
    item_exprs: Vec<Option<Expr>>,
}

/// Projection: compiles the SELECT list over the grouping's scope; under GROUP BY, every
/// non-aggregate expression must be a grouping expression.
fn plan_projection(q: &Query, rel: &Relation, g: &Grouping) -> Result<Projection, String> {
    let mut p = Projection { columns: Vec::new(), items: Vec::new(), item_exprs: Vec::new() };
    let mut gen = 0usize;
    let mut non_aggregate: Vec<String> = Vec::new();
    let explicit_names: Vec<String> = q
        .select
        .iter()
        .filter_map(|i| if let SelectItem::Expr { alias: Some(a), .. } = i { Some(a.clone()) } else { None })
        .collect();
    for item in &q.select {
        match item {
            SelectItem::Star | SelectItem::QualifiedStar(_) => {
                let list = star_columns(q, rel, item, g.aggregating)?;
                project_star(rel, g, list, &mut p, &mut non_aggregate)?;
            }
            SelectItem::Expr { expr, alias } => {
                let Some(c) = compile_select_expr(rel, g, expr)? else {
                    non_aggregate.push(format_expr(expr));
                    continue;
                };
                let taken: Vec<String> =
                    p.columns.iter().map(|c| c.name.clone()).chain(explicit_names.iter().cloned()).collect();
                let name = alias.clone().unwrap_or_else(|| select_expr_name(rel, expr, &mut gen, &taken));
                let Some(ty) = c.ty.clone() else {
                    return err(format!(
                        "Can't infer a type of null. Please explicitly cast it to a required type, \
                         e.g. CAST(null AS VARCHAR). ({})",
                        format_expr(expr)
                    ));
                };
                p.items.push(c.eval);
                p.item_exprs.push(Some(expr.clone()));
                p.columns.push(OutCol { name, ty, key: false });
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
            let nk = rel.from.key_columns().len();
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
                    p.items.push(k.eval);
                    p.item_exprs.push(Some(e));
                    p.columns.push(OutCol { name, ty: k.ty.unwrap_or(SqlType::String), key: false });
                }
                Err(m) if m.starts_with(NON_AGG) => non_aggregate.push(c.name.clone()),
                Err(m) => return Err(m),
            }
            continue;
        }
        let ty = rel.scope.cols[idx].ty.clone();
        let c = &rel.scope.cols[idx];
        p.items.push(Arc::new(move |r: &[Value]| r[idx].clone()));
        p.item_exprs.push(Some(Expr::Column { qualifier: c.qualifier.clone(), name: c.name.clone() }));
        p.columns.push(OutCol { name, ty, key: false });
    }
    Ok(())
}

/// Projection: compiles one select expression (the synthetic ROWKEY is the join key); `None`
/// for a non-aggregate expression under GROUP BY.
fn compile_select_expr(rel: &Relation, g: &Grouping, expr: &Expr) -> Result<Option<Compiled>, String> {
    let compiled = if rel.is_rowkey_ref(expr) && !g.aggregating {
        let (l, r) = (compile(&rel.join_key_exprs[0], &g.out_scope)?, compile(&rel.join_key_exprs[1], &g.out_scope)?);
        let (lf, rf) = (l.eval, r.eval);
        Ok(Compiled {
            ty: l.ty.or(r.ty),
            eval: Arc::new(move |row: &[Value]| match lf(row) {
                Value::Null => rf(row),
                v => v,
            }),
        })
    } else {
        compile(expr, &g.out_scope)
    };
    match compiled {
        Ok(c) => Ok(Some(c)),
        Err(e) if g.aggregating && e.starts_with(NON_AGG) => Ok(None),
        Err(e) => Err(match e.strip_prefix("Column '") {
            Some(rest) if rest.ends_with("cannot be resolved.") => format!("SELECT column '{rest}"),
            _ => e,
        }),
    }
}

/// Projection: the name of an unaliased select expression.
fn select_expr_name(rel: &Relation, expr: &Expr, gen: &mut usize, taken: &[String]) -> String {
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
        _ => default_name(expr, gen, taken),
    }
}

/// Projection: output column names must be unique, and a persistent query cannot name one
/// after a pseudocolumn or window bound.
fn check_output_names(columns: &[OutCol], opts: &PlanOptions) -> Result<(), String> {
    {
        let mut seen: Vec<&str> = Vec::new();
        for c in columns {
            if seen.contains(&c.name.as_str()) {
                return err(format!("Duplicate value columns found in schema: `{}` {}", c.name, c.ty));
            }
            seen.push(&c.name);
        }
    }
    for c in columns {
        if matches!(c.name.as_str(), "ROWTIME" | "ROWPARTITION" | "ROWOFFSET" | "WINDOWSTART" | "WINDOWEND")
            && opts.persistent
        {
            let what = if c.name.starts_with("WINDOW") { "window bounds column" } else { "pseudocolumn" };
            let _ = what;
            return err(format!("Reserved column name in select: `{}`. Please remove or alias the column.", c.name));
        }
    }
    Ok(())
}

/// The output key: the sink's key columns, their positions in the projection, their evaluators.
#[derive(Default)]
struct KeyColumns {
    positions: Vec<usize>,
    cols: Vec<(String, SqlType)>,
    evals: Vec<EvalFn>,
}

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
fn plan_key_columns(
    q: &Query,
    rel: &Relation,
    g: &Grouping,
    p: &mut Projection,
    opts: &PlanOptions,
) -> Result<KeyColumns, String> {
    let mut keys = KeyColumns::default();
    let mut missing_keys: Vec<String> = Vec::new();
    for (ki, ke) in g.key_exprs.iter().enumerate() {
        let synthetic = rel.synthetic_key && ki == 0 && !g.aggregating && q.partition_by.is_empty();
        let k = KeyExpr {
            index: ki,
            expr: ke,
            text: if synthetic { "ROWKEY".to_string() } else { format_expr(ke) },
            name: match ke {
                _ if synthetic => Some("ROWKEY".to_string()),
                Expr::Column { name, .. } => Some(name.clone()),
                _ => None,
            },
            synthetic,
        };
        let pos = key_item_position(rel, g, &p.item_exprs, &k);
        let key_eval = compile_key(q, rel, g, &k)?;
        match pos {
            Some(pos) => {
                if rel.has_join() && ki == 0 && !g.aggregating && q.partition_by.is_empty() {
                    p.items[pos] = key_eval.eval.clone();
                }
                p.columns[pos].key = true;
                keys.positions.push(pos);
                keys.cols.push((p.columns[pos].name.clone(), p.columns[pos].ty.clone()));
            }
            // SELECT * with a new key (PARTITION BY / GROUP BY an expression): the key column
            // is added implicitly.
            None if opts.persistent && q.select.iter().any(|i| matches!(i, SelectItem::Star)) => {
                keys.cols.push((
                    k.name.clone().unwrap_or_else(|| format!("KSQL_COL_{ki}")),
                    key_eval.ty.clone().unwrap_or(SqlType::String),
                ));
            }
            None if opts.persistent => {
                check_join_key_projected(q, rel, g, k.synthetic, opts)?;
                missing_keys.push(k.name.clone().unwrap_or_else(|| k.text.clone()));
            }
            None => {
                keys.cols.push((
                    k.name.unwrap_or_else(|| format!("KSQL_COL_{ki}")),
                    key_eval.ty.clone().unwrap_or(SqlType::String),
                ));
            }
        }
        keys.evals.push(key_eval.eval);
    }
    if !missing_keys.is_empty() {
        return err(missing_keys_error(q, g, opts, &missing_keys));
    }
    Ok(keys)
}

/// Key columns: the position of the projected column that is key `k` (the left join
/// expression wins over the right one when both are projected).
fn key_item_position(rel: &Relation, g: &Grouping, item_exprs: &[Option<Expr>], k: &KeyExpr) -> Option<usize> {
    let has_join = rel.has_join();
    let other_join_keys: Vec<String> = if has_join && k.index == 0 && !k.synthetic {
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
                    if name == kn && (qualifier.is_none() || !has_join && !g.aggregating)
            )
    };
    item_exprs
        .iter()
        .position(|ie| ie.as_ref().is_some_and(|ie| is_key_item(ie, false)))
        .or_else(|| item_exprs.iter().position(|ie| ie.as_ref().is_some_and(|ie| is_key_item(ie, true))))
}

/// Key columns: key `k` compiled over the output scope. The join key is the left side's when
/// present, else the right side's (RIGHT and FULL OUTER rows without a left side still carry
/// the key they joined on).
fn compile_key(q: &Query, rel: &Relation, g: &Grouping, k: &KeyExpr) -> Result<Compiled, String> {
    let mut key_eval = compile(k.expr, &g.out_scope)?;
    if rel.has_join() && k.index == 0 && !g.aggregating && q.partition_by.is_empty() {
        let mut evals = vec![key_eval.eval.clone()];
        for e in &rel.join_key_exprs[1..] {
            evals.push(compile(e, &g.out_scope)?.eval);
        }
        key_eval.eval =
            Arc::new(move |row: &[Value]| evals.iter().map(|f| f(row)).find(|v| !v.is_null()).unwrap_or(Value::Null));
    }
    Ok(key_eval)
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
    if synthetic {
        return err(format!(
            "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n\
             The query used to build `{sink}` must include the join expression ROWKEY in its \
             projection (eg, SELECT ROWKEY...).\n\
             ROWKEY was added as a synthetic key column because the join criteria did not match any \
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
            .map(|e| qual(e, &rel.left_alias))
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
    let (l, r) = (qual(&join_key_exprs[0], &rel.left_alias), qual(&join_key_exprs[1], &right_alias));
    err(format!(
        "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n\
         The query used to build `{sink}` must include the join expressions {l} or {r} in its \
         projection (eg, SELECT {l}...)."
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

/// TIMESTAMP column: the sink's record time is the projected column its WITH names.
fn plan_sink_timestamp(opts: &PlanOptions, p: &Projection) -> Result<Option<EvalFn>, String> {
    let Some(col) = &opts.sink_timestamp else { return Ok(None) };
    let pos =
        p.columns.iter().position(|c| c.name == *col).ok_or_else(|| {
            format!("The TIMESTAMP column set in the WITH clause does not exist in the schema: '{col}'")
        })?;
    Ok(Some(p.items[pos].clone()))
}

/// Tombstone keys: whether PARTITION BY reads value columns (then a null-value record, which
/// has only its key columns, gets a null key).
fn partition_by_reads_values(q: &Query, rel: &Relation) -> bool {
    let from = &rel.from;
    let key_only =
        Source { columns: from.columns.iter().filter(|c| c.kind == ColKind::Key).cloned().collect(), ..from.clone() };
    let mut kscope = Scope::default();
    add_source(&mut kscope, &key_only, &rel.left_alias);
    q.partition_by.iter().any(|e| compile(e, &kscope).is_err())
}

/// The output's window: its type and size (none for session windows).
type OutputWindow = Option<(WindowType, Option<u64>)>;

/// Output body: the aggregator (with HAVING and its window) when aggregating, else the
/// projection alone (EMIT FINAL needs a windowed aggregation).
fn plan_body(
    q: &Query,
    rel: &Relation,
    aggregator_parts: Option<(Vec<EvalFn>, Vec<AggCall>)>,
    out_scope: &Scope,
    projector: Projector,
) -> Result<(Body, OutputWindow), String> {
    let Some((group_evals, calls)) = aggregator_parts else {
        if q.emit_final {
            return err("EMIT FINAL is only supported for windowed aggregations.");
        }
        return Ok((Body::Project(projector), if rel.has_join() { None } else { rel.from.window }));
    };
    let having = plan_having(q, out_scope)?;
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
    let aggregator = Aggregator::new(group_evals, calls, q.window.clone(), projector, having, q.emit_final);
    Ok((Body::Aggregate(Box::new(aggregator)), window))
}

/// HAVING: compiled over the aggregation's output scope (window bounds are not allowed in it).
fn plan_having(q: &Query, out_scope: &Scope) -> Result<Option<EvalFn>, String> {
    let Some(h) = &q.having else { return Ok(None) };
    if q.window.is_some() {
        let text = format_expr(h);
        if let Some(b) =
            ["WINDOWSTART", "WINDOWEND"].iter().filter_map(|b| text.find(b).map(|p| (p, *b))).min().map(|(_, b)| b)
        {
            return err(format!(
                "Window bounds column {b} can only be used in the SELECT clause of windowed aggregations"
            ));
        }
    }
    let mut hscope = out_scope.clone();
    hscope.only_subst = Some("Non-aggregate HAVING expression not part of GROUP BY: {}".into());
    let c = compile(h, &hscope)?;
    Ok(Some(c.eval))
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

const NON_AGG: &str = "Non-aggregate SELECT expression(s) not part of GROUP BY:";

fn join_word(k: JoinKind) -> &'static str {
    match k {
        JoinKind::Inner => "[INNER]",
        JoinKind::Left => "LEFT [OUTER]",
        JoinKind::Right => "RIGHT [OUTER]",
        JoinKind::Full => "[FULL] OUTER",
    }
}
