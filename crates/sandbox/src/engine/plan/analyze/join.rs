//! Analyzer, joins: checks the join criteria, then plans the join chain (each join's
//! sources, ON keys and WITHIN) and the key the join result has.

use super::aliases::ColumnAliases;
use super::{add_source, err, lookup, scan, Relation};
use crate::catalog::{Catalog, Source, WindowType};
use crate::engine::plan::logical::JoinNode;
use crate::expr::{compile, format_expr, Scope};
use crate::sql::ast::*;
use crate::topics::Format;
use crate::types::*;

/// Collects the column references (qualifier, name) of an expression. Lambda parameters
/// count as columns: a rough approximation that is fine for join criteria.
fn column_refs(e: &Expr, out: &mut Vec<(Option<String>, String)>) {
    match e {
        Expr::Column { qualifier, name } => out.push((qualifier.clone(), name.clone())),
        _ => crate::with_stack(|| e.for_each_child(&mut |c| column_refs(c, out))),
    }
}

/// Join checks: the join criteria are checked (as ksqlDB's analyzer does) before any join is
/// planned. (Binary joins only get the literal-side check; the others are n-way checks.)
pub(super) fn check_join_criteria(q: &Query, catalog: &Catalog, rel: &Relation) -> Result<(), String> {
    let nway = q.joins.len() > 1;
    if q.joins.is_empty() {
        return Ok(());
    }
    let from = rel.from();
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
            if !cols.iter().any(|(a, _)| a == q) {
                return Err(format!("Failed to prepare statement: '{q}' is not a valid stream/table name or alias."));
            }
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

/// The ON equality of a join: the side read from the left input, the side read from the right.
struct JoinOn<'a> {
    left_expr: Expr,
    right_expr: Expr,
    /// The two sides as written (a = b).
    written: (&'a Expr, &'a Expr),
}

/// N-way join chain: an n-way join is a left-deep chain of binary joins; join `ji` joins the
/// result of the previous ones (its scope: every source so far) with the next source.
pub(super) fn plan_join_chain(q: &Query, catalog: &Catalog, rel: &mut Relation) -> Result<(), String> {
    let mut aliases = vec![rel.left_alias.clone()];
    // The expressions the join result is keyed by (any of them may be projected as the key),
    // as written and in canonical (qualified) form.
    let mut viable: Vec<(Expr, String)> = Vec::new();
    for (ji, j) in q.joins.iter().enumerate() {
        let right = lookup(catalog, &j.source.name)?.clone();
        let right_alias = j.source.alias.clone().unwrap_or_else(|| right.name.clone());
        // A source joined to itself, under any alias.
        let mut earlier =
            std::iter::once(q.from.name.as_str()).chain(q.joins[..ji].iter().map(|j| j.source.name.as_str()));
        let joined_before = earlier.any(|n| lookup(catalog, n).is_ok_and(|src| src.name == right.name));
        if aliases.contains(&right_alias) || joined_before {
            return err(format!(
                "Can not join '{}' to '{}': self joins are not yet supported.",
                rel.from().name,
                right.name
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
    // ROWKEY, numbered apart from the sources' columns (the join key: the left side's, else
    // the right side's).
    let synthetic = rel.keyed_by_join()
        && (q.joins.last().is_some_and(|j| j.kind == JoinKind::Full)
            || !rel.join_key_exprs.iter().any(|e| matches!(e, Expr::Column { .. })));
    rel.synthetic_key =
        synthetic.then(|| ColumnAliases::new(rel.scope.cols.iter().map(|c| c.name.as_str())).next("ROWKEY"));
    Ok(())
}

/// N-way join chain: one binary join, checked, then added to the relation (the right source's
/// columns, input and star columns, the join stage and the join key).
fn plan_join(q: &Query, rel: &mut Relation, step: &JoinStep, viable: &mut Vec<(Expr, String)>) -> Result<(), String> {
    let (right_scan, right_star) = scan(&step.right, &step.right_alias);
    let left_width = step.left_scope.cols.len();
    rel.scope.cols.extend(right_scan.schema.cols.iter().cloned());
    rel.scope.push(None, "ROWTIME", SqlType::Bigint);
    rel.scope.push(None, "ROWPARTITION", SqlType::Integer);
    rel.scope.push(None, "ROWOFFSET", SqlType::Bigint);
    check_join_sources(rel.from(), step)?;
    let on = plan_join_on(step, &right_scan.schema)?;
    let foreign_key = check_join_on_keys(rel, step, &on)?;
    check_join_key_type(step, &on)?;
    let windowed = check_windowed_join(rel, step, &on, foreign_key)?;
    let (j, lt, rt) = (step.join, step.left_is_table, step.right_is_table);
    let within = j.within.map(|(b, a, g)| (b as i64, a as i64, g.map(|g| g as i64).unwrap_or(24 * 3_600_000)));
    rel.joins.push(JoinNode {
        kind: j.kind,
        left: step.left_scope.clone(),
        right: right_scan.schema.clone(),
        left_key: on.left_expr.clone(),
        right_key: on.right_expr.clone(),
        left_is_table: lt,
        right_is_table: rt,
        within,
        grace_given: j.within.is_some_and(|(_, _, g)| g.is_some()),
        left_primary_key: if foreign_key { rel.left_primary_key() } else { vec![] },
        windowed,
    });
    rel.foreign_key = foreign_key;
    rel.scans.push(right_scan);
    // Star columns of a join are prefixed with the source alias: A_ID, B_NAME.
    if step.index == 0 {
        rel.star = rel.star.iter().map(|(i, n)| (*i, format!("{}_{n}", rel.left_alias))).collect();
    }
    rel.star.extend(right_star.iter().map(|(i, n)| (*i + left_width, format!("{}_{n}", step.right_alias))));
    if foreign_key {
        // The result is keyed by the left table's primary key, which a next join may use.
        *viable = rel.left_primary_key().into_iter().map(|e| (e.clone(), format_expr(&e))).collect();
        rel.join_key_exprs = viable.iter().map(|(e, _)| e.clone()).collect();
    } else {
        update_join_keys(q, rel, step, on.left_expr, on.right_expr, viable);
    }
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
        .filter(|s| s.value_format == crate::topics::Format::Kafka)
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
    Ok(())
}

/// A join key may not be (or contain) a MAP: its serialized form is not stable.
fn check_join_key_type(step: &JoinStep, on: &JoinOn) -> Result<(), String> {
    let Ok(key) = compile(&on.left_expr, &step.left_scope) else { return Ok(()) };
    let Some(ty) = key.ty.filter(crate::engine::formats::contains_map) else { return Ok(()) };
    // The join's key column is named after its source: L_L0.
    let name = qualified(&on.left_expr, &step.left_scope).replace('.', "_");
    err(format!(
        "Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior \
         due to inconsistent serialization. Key column name: `{name}`. Column type: {ty}. See \
         https://github.com/confluentinc/ksql/issues/6621 for more."
    ))
}

/// Windowed sources join only windowed sources with the same windows, on their keys (the
/// window is part of the key); returns the window type when this join is one.
fn check_windowed_join(
    rel: &Relation,
    step: &JoinStep,
    on: &JoinOn,
    foreign_key: bool,
) -> Result<Option<WindowType>, String> {
    let left = rel.from();
    let (lw, rw) = (step.index == 0 && left.is_windowed(), step.right.is_windowed());
    if !lw && !rw {
        return Ok(None);
    }
    if foreign_key {
        return err("Foreign-key table-table joins are not supported on windowed tables.");
    }
    if step.index > 0 {
        return err("Joins of windowed sources in n-way joins are not supported in the ksqlDB sandbox yet");
    }
    let describe = |s: &Source| match s.window {
        Some((t, _)) => format!("`{}` is {} windowed", s.name, t.name()),
        None => format!("`{}` is not windowed", s.name),
    };
    if lw != rw {
        return err(format!(
            "Can not join windowed source to non-windowed source.\n{}\n{}",
            describe(left),
            describe(&step.right)
        ));
    }
    let is_session = |s: &Source| matches!(s.window, Some((WindowType::Session, _)));
    if is_session(left) != is_session(&step.right) {
        let kind = |s: &Source| s.window.map_or("", |(t, _)| t.name());
        return err(format!(
            "Incompatible windowed sources.\nLeft source: {}\nRight source: {}\nSession windowed sources can only \
             be joined to other session windowed sources, and may still not result in expected behaviour as session \
             bounds must be an exact match for the join to work\nHopping and tumbling windowed sources can only be \
             joined to other hopping and tumbling windowed sources",
            kind(left),
            kind(&step.right)
        ));
    }
    let on_key = |e: &Expr, s: &Source| {
        let keys = s.key_columns();
        matches!(e, Expr::Column { name, .. } if keys.len() == 1 && keys[0].0 == *name)
    };
    // Time windows of other sizes join by window start, but a KAFKA-format windowed key
    // differs with the window size, so such sources would need repartitioning.
    let kafka_keys = left.key_format == Format::Kafka || step.right.key_format == Format::Kafka;
    if (left.window != step.right.window && kafka_keys)
        || !on_key(&on.left_expr, left)
        || !on_key(&on.right_expr, &step.right)
    {
        return err("Implicit repartitioning of windowed sources is not supported. See \
                    https://github.com/confluentinc/ksql/issues/4385.");
    }
    Ok(left.window.map(|(t, _)| t))
}

/// Join keys: ON must be an equality between one side and the other; each side is checked
/// against its own input (`right` is the right source's row) and their types must be compatible.
fn plan_join_on<'a>(step: &JoinStep<'a>, right: &Scope) -> Result<JoinOn<'a>, String> {
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
    let (lk, rk, lexpr) = match (compile(a, lscope), compile(b, right)) {
        (Ok(l), Ok(r)) => (l, r, (**a).clone()),
        _ => match (compile(b, lscope), compile(a, right)) {
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
                qualified(&lexpr, lscope),
                qualified(&rexpr, right)
            ));
        }
    }
    Ok(JoinOn { left_expr: lexpr, right_expr: rexpr, written: (a, b) })
}

/// Join keys: a table side must be joined on its primary key; a table-table join whose left
/// side is not its primary key is a foreign-key join (INNER or LEFT only, and not in an n-way
/// join in the sandbox). Returns whether it is one.
fn check_join_on_keys(rel: &Relation, step: &JoinStep, on: &JoinOn) -> Result<bool, String> {
    let (lt, rt) = (step.left_is_table, step.right_is_table);
    let (lexpr, rexpr) = (&on.left_expr, &on.right_expr);
    let mut foreign_key = false;
    if lt && rt {
        let lkeys = rel.from().key_columns();
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
        if !l_is_pk && step.index > 0 {
            let right_scope = scan(&step.right, &step.right_alias).0.schema;
            return err(format!(
                "Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. \
                 Got {} = {}.",
                qualified(lexpr, &step.left_scope),
                qualified(rexpr, &right_scope)
            ));
        }
        foreign_key = !l_is_pk;
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
    if foreign_key && matches!(step.join.kind, JoinKind::Right | JoinKind::Full) {
        let kind = if step.join.kind == JoinKind::Right { "RIGHT" } else { "FULL" };
        return err(format!("{kind} OUTER JOIN on a foreign key is not supported"));
    }
    Ok(foreign_key)
}

/// An expression as ksqlDB writes it in join messages: its columns qualified by the source
/// they resolve to in `scope`.
pub(super) fn qualified(e: &Expr, scope: &Scope) -> String {
    fn qualify(e: &mut Expr, scope: &Scope) {
        if let Expr::Column { qualifier: q @ None, name } = e {
            if let Ok(i) = scope.resolve(None, name) {
                q.clone_from(&scope.cols[i].qualifier);
            }
            return;
        }
        crate::with_stack(|| e.for_each_child_mut(&mut |c| qualify(c, scope)));
    }
    let mut e = e.clone();
    qualify(&mut e, scope);
    format_expr(&e)
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

fn join_word(k: JoinKind) -> &'static str {
    match k {
        JoinKind::Inner => "[INNER]",
        JoinKind::Left => "LEFT [OUTER]",
        JoinKind::Right => "RIGHT [OUTER]",
        JoinKind::Full => "[FULL] OUTER",
    }
}
