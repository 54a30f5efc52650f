//! What the WHERE clause of a pull query may be when table scans are disabled
//! (`ksql.query.pull.table.scan.enabled=false`), with ksqlDB's messages: every key column
//! bound once, by `=` or `IN` against expressions without columns, or a single STRING key
//! of an unwindowed table bounded by one range (`<`, `<=`, `>`, `>=`) when range scans are
//! enabled (the default).
//! Window bounds and value columns may be compared too: they filter what the keys give.

use super::Session;
use crate::catalog::Source;
use crate::expr::format_expr;
use crate::sql::ast::{BinOp, Expr, Literal};
use crate::types::SqlType;

/// How a conjunct bounds a key column.
#[derive(PartialEq)]
enum Bound {
    Equal,
    Range,
}

/// A pull query that is no key lookup scans the table: Ok unless table scans are disabled
/// and its WHERE is no range scan either.
pub(super) fn check_scan_allowed(w: Option<&Expr>, src: &Source, session: &Session) -> Result<(), String> {
    let off = |p: &str| session.property(p).is_some_and(|v| v.eq_ignore_ascii_case("false"));
    if !off("ksql.query.pull.table.scan.enabled") {
        return Ok(());
    }
    match w {
        Some(w) => check_without_table_scan(w, src, !off("ksql.query.pull.range.scan.enabled")),
        None => Err("Query requires table scan to be enabled. Table scans can be enabled by setting \
                     ksql.query.pull.table.scan.enabled=true"
            .into()),
    }
}

/// Ok when the pull query can run without a table scan (a key lookup or a range scan).
fn check_without_table_scan(w: &Expr, src: &Source, range_scans: bool) -> Result<(), String> {
    let keys: Vec<String> = src.key_columns().into_iter().map(|(n, _)| n).collect();
    let multi = keys.len() > 1;
    let needs_table_scan = || {
        "Query requires table scan to be enabled. Table scans can be enabled by setting \
         ksql.query.pull.table.scan.enabled=true"
            .to_string()
    };
    if matches!(w, Expr::Chain { rest, .. } if rest.iter().any(|(op, _)| *op == BinOp::Or)) {
        return Err(if multi {
            "Multi-column sources must specify every key in the WHERE clause.".into()
        } else if mentions_any(w, &keys) {
            needs_table_scan()
        } else {
            format!("WHERE clause missing key column for disjunct: {}", format_expr(w))
        });
    }
    let mut conjuncts = Vec::new();
    and_terms(w, &mut conjuncts);
    // A key column compared with `=` and tested with IN in the same AND (a table scan would
    // take it): refused as ksqlDB does.
    let key_of = |e: &Expr| match e {
        Expr::Column { name, .. } if keys.contains(name) => Some(name.clone()),
        _ => None,
    };
    let equal_keys: Vec<String> = conjuncts
        .iter()
        .filter_map(|c| match c {
            Expr::Binary(BinOp::Eq, l, r) => key_of(l).or_else(|| key_of(r)),
            _ => None,
        })
        .collect();
    let in_keys = conjuncts.iter().filter_map(|c| match c {
        Expr::InList { expr, negated: false, .. } => key_of(expr),
        _ => None,
    });
    if in_keys.into_iter().any(|k| equal_keys.contains(&k)) {
        return Err("A comparison condition on the key column cannot be combined with other comparisons such as \
                    an IN predicate"
            .into());
    }
    let is_key = |e: &Expr| matches!(e, Expr::Column { name, .. } if keys.contains(name));
    let mut bounds: Vec<(String, Bound)> = Vec::new();
    for c in conjuncts {
        let bound = match c {
            Expr::Binary(op, a, b) if is_key(a) || is_key(b) => {
                let (key, other) = if is_key(a) { (a, b) } else { (b, a) };
                if reads_columns(other) {
                    return Err("A comparison must be between a key column and a resolvable expression.".into());
                }
                let bound = match op {
                    BinOp::Eq => Bound::Equal,
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => Bound::Range,
                    _ => {
                        let described: Vec<String> =
                            src.key_columns().iter().map(|(n, t)| format!("`{n}` {t} KEY")).collect();
                        return Err(format!(
                            "Bound on key columns '[{}]' must currently be '='. ",
                            described.join(", ")
                        ));
                    }
                };
                (column_name(key), bound)
            }
            Expr::InList { expr, list, negated: false } if is_key(expr) => {
                if list.iter().any(reads_columns) {
                    return Err("A comparison must be between a key column and a resolvable expression.".into());
                }
                (column_name(expr), Bound::Equal)
            }
            other if mentions_any(other, &keys) => {
                return Err("A comparison must directly reference a key column.".into());
            }
            _ => continue,
        };
        if bounds.iter().any(|(k, _)| *k == bound.0) {
            return Err("A comparison condition on the key column cannot be combined with other comparisons such \
                        as an IN predicate"
                .into());
        }
        bounds.push(bound);
    }
    if bounds.is_empty() {
        return Err(format!("WHERE clause missing key column for disjunct: {}", format_expr(w)));
    }
    let ranged = bounds.iter().any(|(_, b)| *b == Bound::Range);
    if multi && bounds.len() < keys.len() {
        return Err("Multi-column sources must specify every key in the WHERE clause.".into());
    }
    // Range scans read the state in key order: single STRING keys of unwindowed tables.
    let string_key = matches!(src.key_columns().as_slice(), [(_, SqlType::String)]);
    if ranged && (!range_scans || multi || !string_key || src.is_windowed()) {
        return Err(needs_table_scan());
    }
    Ok(())
}

/// The values of an IN on a key column must be of its type and not null (ksqlDB's messages).
pub(super) fn check_key_in_lists(w: &Expr, src: &Source) -> Result<(), String> {
    let mut conjuncts = Vec::new();
    and_terms(w, &mut conjuncts);
    let keys = src.key_columns();
    for c in conjuncts {
        let Expr::InList { expr, list, negated: false } = c else { continue };
        let Expr::Column { name, .. } = expr.as_ref() else { continue };
        let Some((_, ty)) = keys.iter().find(|(k, _)| k == name) else { continue };
        for item in list {
            match item {
                Expr::Lit(Literal::Null) => {
                    return Err(format!("Primary key columns can not be NULL: ({name} = null)"));
                }
                Expr::Lit(Literal::Str(s)) if *ty != SqlType::String => {
                    return Err(format!("'{s}' can not be converted to the type of the key column: {name} {ty} KEY"));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The terms of `a AND b AND ...` (one term for anything else).
pub(super) fn and_terms<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::Chain { first, rest } if e.is_and_chain() => {
            and_terms(first, out);
            rest.iter().for_each(|(_, x)| and_terms(x, out));
        }
        other => out.push(other),
    }
}

fn column_name(e: &Expr) -> String {
    match e {
        Expr::Column { name, .. } => name.clone(),
        other => format_expr(other),
    }
}

fn reads_columns(e: &Expr) -> bool {
    if matches!(e, Expr::Column { .. }) {
        return true;
    }
    let mut found = false;
    crate::with_stack(|| e.for_each_child(&mut |c| found |= reads_columns(c)));
    found
}

fn mentions_any(e: &Expr, names: &[String]) -> bool {
    if let Expr::Column { name, .. } = e {
        return names.contains(name);
    }
    let mut found = false;
    crate::with_stack(|| e.for_each_child(&mut |c| found |= mentions_any(c, names)));
    found
}
