//! Pull queries: a table's maintained state (a key lookup or a scan in key order), or a
//! stream's records read once, with ksqlDB's restrictions and messages.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::plan::{plan_query, OutCol, PlanOptions};
use super::pull_where::{and_terms, check_key_in_lists, check_scan_allowed};
use super::{
    exec, plan_error, EResult, Engine, EngineError, Materialized, QueryHeader, QueryResult, Session, SinkSpec,
};
use crate::catalog::Source;
use crate::expr::format_expr;
use crate::sql::ast::{BinOp, Expr, Literal, Query, SelectItem, SourceKind};
use crate::topics::{serialize, Record};
use crate::types::{cast, key_part, KeyPart, Value};

impl Engine {
    /// Clauses pull queries reject (the caller appends ksqlDB's hint).
    fn pull_checks(&self, q: &Query, _src: &Source) -> Result<(), String> {
        let clause = if !q.joins.is_empty() {
            "JOIN"
        } else if q.window.is_some() {
            "WINDOW"
        } else if !q.group_by.is_empty() {
            "GROUP BY"
        } else if !q.partition_by.is_empty() {
            "PARTITION BY"
        } else if q.having.is_some() {
            "HAVING"
        } else {
            return Ok(());
        };
        Err(format!("Pull queries don't support {clause} clauses."))
    }

    /// Builds a table's state from what its topic holds; [`Engine::run`] keeps it up to date.
    pub(super) fn materialize(&mut self, src: &Source) {
        let input = exec::Input {
            topic: src.topic.clone(),
            decoder: exec::Decoder::new(src),
            is_table: true,
            state: Default::default(),
            keys_only: false,
            keys: Default::default(),
        };
        let windows = src.is_windowed().then(Default::default);
        let mut m = Materialized {
            statement: src.statement.clone(),
            input,
            windows,
            writer: src.writer_query.clone(),
            applied: Default::default(),
            rows: Default::default(),
        };
        if let Some(t) = self.topics.get(&src.topic) {
            for r in &t.log {
                m.apply(r);
            }
        }
        self.materialized.insert(src.name.clone(), m);
    }

    pub(super) fn pull_query(&mut self, q: &Query, session: &Session) -> EResult<QueryResult> {
        let src = self
            .catalog
            .get(&q.from.name)
            .cloned()
            .ok_or_else(|| EngineError::statement(format!("{} does not exist.", q.from.name)))?;
        let limit_disabled =
            session.property("ksql.query.pull.limit.clause.enabled").is_some_and(|v| v.eq_ignore_ascii_case("false"));
        if limit_disabled && q.limit.is_some() {
            return Err(EngineError::statement(
                "LIMIT clause in pull queries is currently disabled. You can enable them by setting \
                 ksql.query.pull.limit.clause.enabled=true. See https://cnfl.io/queries for more info.\n\
                 Add EMIT CHANGES if you intended to issue a push query.",
            ));
        }
        self.pull_checks(q, &src).map_err(|m| {
            EngineError::statement(format!(
                "{m} See https://cnfl.io/queries for more info.\n\
                 Add EMIT CHANGES if you intended to issue a push query."
            ))
        })?;
        pull_clause_checks(q)?;
        let mut plan =
            plan_query(q, &self.catalog, &PlanOptions { persistent: false, sink_name: None, sink_timestamp: None })
                .map_err(|m| match &q.where_ {
                    // ksqlDB names the WHERE clause of a pull query it cannot type.
                    Some(w)
                        if ["Cannot compare", "Comparison with NULL"]
                            .iter()
                            .any(|p| m.starts_with(&format!("Error in WHERE expression: {p}"))) =>
                    {
                        plan_error(format!("{m}\nStatement: {}", format_expr(w)))
                    }
                    _ => plan_error(m),
                })?;
        // Whether the table can answer comes after the query checks, as in ksqlDB.
        check_queryable(&src)?;
        if let (Some(w), SourceKind::Table) = (&q.where_, src.kind) {
            check_key_in_lists(w, &src).map_err(EngineError::statement)?;
        }
        if plan.has_aggregation {
            return Err(EngineError::statement("Pull queries don't support aggregate functions in the SELECT clause."));
        }
        let is_table = src.kind == SourceKind::Table;
        // Key columns of a table are marked KEY in pull headers.
        let key_names: Vec<String> = if is_table {
            let mut k: Vec<String> = src.key_columns().into_iter().map(|(n, _)| n).collect();
            if src.is_windowed() {
                k.push("WINDOWSTART".into());
                k.push("WINDOWEND".into());
            }
            k
        } else {
            vec![]
        };
        let columns: Vec<OutCol> = plan
            .columns
            .iter()
            .zip(&q.select)
            .map(|(c, _)| c.clone())
            .collect::<Vec<_>>()
            .into_iter()
            .chain(plan.columns.iter().skip(q.select.len()).cloned())
            .map(|c| OutCol { key: is_table && key_names.contains(&c.name), ..c })
            .collect();
        let columns = if columns.len() == plan.columns.len() {
            columns
        } else {
            plan.columns.iter().map(|c| OutCol { key: is_table && key_names.contains(&c.name), ..c.clone() }).collect()
        };
        let header = QueryHeader { query_id: format!("query_{}", crate::topics::now_ms()), columns };
        let mut rows = Vec::new();
        if is_table {
            // The table's maintained state (no replay of its topic): a key lookup when the
            // WHERE clause fixes every key column, otherwise a scan in key order.
            let filter = plan.executor.filter.clone();
            let exec::Body::Project(p) = &plan.executor.body else {
                return Err(EngineError::statement(
                    "Pull queries don't support aggregate functions in the SELECT clause.",
                ));
            };
            // With table scans disabled the WHERE must bind each key once, even when it also
            // gives a lookup (`ID = 10 AND ID IN (...)` is refused then, as in ksqlDB).
            let lookup = q.where_.as_ref().and_then(|w| key_lookup(w, &src));
            check_scan_allowed(q.where_.as_ref(), &src, session).map_err(EngineError::statement)?;
            // Rows a lookup found by the whole WHERE are not filtered again.
            let filter = filter.filter(|_| !lookup.as_ref().is_some_and(|l| l.whole_where));
            let keep = |row: &Vec<Value>| filter.as_ref().is_none_or(|f| f(row) == Value::Boolean(true));
            let lookup = lookup.map(|l| l.keys);
            if let Some(state) = self.aggregation_rows(&src, lookup.as_deref()) {
                rows.extend(state.into_iter().filter(|r| keep(r)).map(|r| p.project_owned(r)));
                if let Some(l) = q.limit {
                    rows.truncate(l as usize);
                }
                let n = rows.len();
                return Ok(QueryResult::Pull { header, rows, tombstones: vec![false; n], completion: None });
            }
            let fresh = self.materialized.get(&src.name).is_none_or(|m| m.statement != src.statement);
            if fresh {
                self.materialize(&src);
            }
            let m = &self.materialized[&src.name];
            match lookup {
                Some(keys) => {
                    for k in keys.iter().flat_map(|k| m.state_keys(k)) {
                        if let Some(row) = m.rows.get(k.as_slice()).and_then(|r| m.row(r)) {
                            if keep(&row) {
                                rows.push(p.project_owned(row));
                            }
                        }
                    }
                }
                None => {
                    // Sorted by key first: the rows are decoded once each, and not moved.
                    let mut records: Vec<(&exec::StateKey, &Record)> = m.rows.iter().collect();
                    records.sort_unstable_by(|a, b| a.0.cmp(b.0));
                    let live = records.into_iter().filter_map(|(_, r)| m.row(r)).filter(keep);
                    rows.extend(live.map(|r| p.project_owned(r)));
                }
            }
            if let Some(l) = q.limit {
                rows.truncate(l as usize);
            }
            let n = rows.len();
            return Ok(QueryResult::Pull { header, rows, tombstones: vec![false; n], completion: None });
        }
        let topic = self.topics.get(&src.topic).map(|t| t.log.clone()).unwrap_or_default();
        let mut outputs = Vec::new();
        for r in &topic {
            plan.executor.process(0, r, &mut outputs);
        }
        let mut completion = "Query Completed";
        for o in outputs {
            if let Some(r) = o.row {
                if q.limit.is_some_and(|l| rows.len() as u64 >= l) {
                    completion = "Limit Reached";
                    break;
                }
                rows.push(r);
            }
        }
        if q.limit.is_some_and(|l| rows.len() as u64 >= l) {
            completion = "Limit Reached";
        }
        let n = rows.len();
        Ok(QueryResult::Pull { header, rows, tombstones: vec![false; n], completion: Some(completion) })
    }
}

impl Engine {
    /// The rows of a table an aggregation writes, read from the aggregation's own state in
    /// the layout of the table's decoded records (None: the table has no such aggregation;
    /// its materialized state answers).
    fn aggregation_rows(&self, src: &Source, keys: Option<&[Vec<KeyPart>]>) -> Option<Vec<Vec<Value>>> {
        if !self.pulls_read_aggregations {
            return None;
        }
        let q = self.queries.get(src.writer_query.as_deref()?)?;
        let exec::Body::Aggregate(a) = &q.executor.body else { return None };
        if !a.serves_table {
            return None;
        }
        let sink = &q.sink;
        let decoder = exec::Decoder::new(src);
        if let Some(keys) = keys {
            // By key: an open group's row is evaluated straight into the table's row layout.
            let mut rows = Vec::new();
            let by_key = a.table_rows_by_key(keys, |entry| match entry {
                exec::TableEntry::Open { post, window, ts } => {
                    let key = a.post.key.iter().map(|f| f(post));
                    let values = sink.value_positions.iter().map(|&i| a.post.items[i](post));
                    rows.extend(row_of_columns(sink, &decoder, key, values, window, ts));
                }
                exec::TableEntry::Closed(o) => rows.extend(table_row(sink, &decoder, Cow::Borrowed(o))),
            });
            if by_key {
                return Some(rows);
            }
        }
        Some(a.table_rows(keys).into_iter().filter_map(|o| table_row(sink, &decoder, o)).collect())
    }
}

/// An aggregation's output as the table's record would decode: built from its values when
/// they read back unchanged, else encoded and decoded as its sink record is. An output the
/// aggregation lends (a closed window's) is copied; one made for the pull is taken apart.
fn table_row(sink: &SinkSpec, decoder: &exec::Decoder, o: Cow<'_, exec::Output>) -> Option<Vec<Value>> {
    let exec::Output { key, row, ts, window, .. } = o.into_owned();
    row_of_columns(sink, decoder, key, sink.values_of(row?), window, ts)
}

/// The table's row of these key and value columns: built from them when they read back
/// unchanged, else the row a record written from them decodes to.
fn row_of_columns(
    sink: &SinkSpec,
    decoder: &exec::Decoder,
    key: impl IntoIterator<Item = Value>,
    values: impl IntoIterator<Item = Value>,
    window: Option<(i64, i64)>,
    ts: i64,
) -> Option<Vec<Value>> {
    let (key, values) = match decoder.row_from_columns(key, values, window, ts) {
        Ok(row) => return Some(row),
        Err(columns) => columns,
    };
    let key = serialize(&sink.key_format, &sink.key_cols, &key, false).ok()?;
    let value = serialize(&sink.value_format, &sink.value_cols, &values, sink.wrap).ok()?;
    decoder.decode(&Record::windowed(key.as_deref(), value.as_deref(), ts, window)).ok().flatten()
}

impl Materialized {
    /// A stored record's row (its decoding was checked when it was applied).
    fn row(&self, rec: &Record) -> Option<Vec<Value>> {
        self.input.decoder.decode(rec).ok().flatten()
    }

    /// Applies a record of the table's topic to the state (and the window index).
    pub(super) fn apply(&mut self, rec: &Record) {
        if let Ok(new) = self.input.decoder.decode(rec) {
            self.put(rec, new);
        }
    }

    /// Applies an output of the table's query, appended at `position` of its topic as `rec`,
    /// from the values it was encoded from: the aggregation's rows are not decoded again.
    /// `queued`: the record also goes through [`Engine::run`], which must not apply it again.
    pub(super) fn apply_output(
        &mut self,
        position: u64,
        rec: &Record,
        key: Vec<Value>,
        values: Option<Vec<Value>>,
        queued: bool,
    ) {
        if queued {
            self.applied.push_back(position);
        }
        match values.and_then(|v| self.input.decoder.row_of(rec, key, v)) {
            Some(row) => self.put(rec, Some(row)),
            None => self.apply(rec),
        }
    }

    /// Whether the record at `position` of the topic was applied by [`Materialized::apply_output`]
    /// (forgets it, and the positions before it, which will not come again).
    pub(super) fn applied_before(&mut self, position: u64) -> bool {
        while self.applied.front().is_some_and(|&p| p < position) {
            self.applied.pop_front();
        }
        let hit = self.applied.front() == Some(&position);
        if hit {
            self.applied.pop_front();
        }
        hit
    }

    /// Sets a record's key to the record, shared with the topic's log, of its decoded row
    /// `new` (None: deletes it).
    fn put(&mut self, rec: &Record, new: Option<Vec<Value>>) {
        // As `Input::change` does, without the change's copies of the rows.
        let Ok(Some((key, _))) = self.input.table_key(rec, new.as_ref()) else { return };
        match new {
            Some(_) => {
                self.index_window(&key, true);
                self.rows.insert(key.into_boxed_slice(), rec.clone());
            }
            None => {
                if self.rows.remove(key.as_slice()).is_some() {
                    self.index_window(&key, false);
                }
            }
        }
    }

    /// Windowed tables: adds or removes a state key's window in its key's windows. The key's
    /// entry is looked up by slice: only a key seen for the first time allocates.
    fn index_window(&mut self, key: &[KeyPart], added: bool) {
        let Some(windows) = &mut self.windows else { return };
        let [base @ .., KeyPart::Int(start), KeyPart::Int(end)] = key else { return };
        let window = (*start, *end);
        if added {
            match windows.get_mut(base) {
                Some(set) => {
                    set.insert(window);
                }
                None => {
                    windows.insert(base.to_vec(), BTreeSet::from([window]));
                }
            }
        } else if let Some(set) = windows.get_mut(base) {
            set.remove(&window);
            if set.is_empty() {
                windows.remove(base);
            }
        }
    }

    /// The state keys of a key's rows: the key itself, or with each of its windows in order.
    fn state_keys(&self, key: &[KeyPart]) -> Vec<Vec<KeyPart>> {
        let Some(windows) = &self.windows else { return vec![key.to_vec()] };
        let Some(set) = windows.get(key) else { return vec![] };
        set.iter()
            .map(|&(start, end)| {
                let mut k = key.to_vec();
                k.extend([KeyPart::Int(start), KeyPart::Int(end)]);
                k
            })
            .collect()
    }
}

/// The state keys a WHERE clause pins down (a conjunction fixing every key column with `=`
/// or `IN` literals; windowed tables add each key's windows), and whether that is all the
/// clause says, so the rows looked up need no filtering.
pub(super) struct KeyLookup {
    pub(super) keys: Vec<Vec<KeyPart>>,
    /// Every term fixes a key column, once, with literals its type holds as they are.
    pub(super) whole_where: bool,
}

/// A WHERE clause's [`KeyLookup`] (None: not a key lookup).
pub(super) fn key_lookup(w: &Expr, src: &Source) -> Option<KeyLookup> {
    let keys = src.key_columns();
    let mut per_col: Vec<Option<Vec<Value>>> = vec![None; keys.len()];
    let mut cs = Vec::new();
    and_terms(w, &mut cs);
    // A literal or any expression without columns (`11 - 1`), evaluated once.
    let lit = |e: &Expr| match e {
        Expr::Lit(Literal::Null) => None,
        _ => crate::expr::compile(e, &crate::expr::Scope::default()).ok().map(|c| (c.eval)(&[])),
    };
    let mut whole_where = true;
    for c in cs {
        let (col, vals) = match c {
            Expr::Binary(BinOp::Eq, a, b) => match (a.as_ref(), b.as_ref()) {
                (Expr::Column { name, .. }, v) | (v, Expr::Column { name, .. }) => (Some(name), vec![lit(v)?]),
                _ => (None, vec![]),
            },
            Expr::InList { expr, list, negated: false } => match expr.as_ref() {
                Expr::Column { name, .. } => (Some(name), list.iter().map(lit).collect::<Option<Vec<_>>>()?),
                _ => (None, vec![]),
            },
            _ => (None, vec![]),
        };
        let Some(i) = keys.iter().position(|(n, _)| Some(n) == col) else {
            whole_where = false;
            continue;
        };
        let typed: Vec<Value> = vals.iter().map(|v| cast(v, &keys[i].1).ok()).collect::<Option<_>>()?;
        // A literal the cast changed (`ID = 1.5` on an INT key) leaves the WHERE to decide.
        whole_where &=
            per_col[i].is_none() && typed.iter().zip(&vals).all(|(t, v)| crate::expr::values_equal_mixed(t, v));
        per_col[i] = Some(typed);
    }
    let mut out: Vec<Vec<KeyPart>> = vec![vec![]];
    for vals in per_col {
        let vals = vals?;
        out = out
            .into_iter()
            .flat_map(|prefix| {
                vals.iter().map(move |v| {
                    let mut k = prefix.clone();
                    k.push(key_part(v));
                    k
                })
            })
            .collect();
    }
    Some(KeyLookup { keys: out, whole_where })
}

/// A SELECT item's expression and alias, as words to look for.
fn select_item_text(item: &SelectItem) -> String {
    match item {
        SelectItem::Star => String::new(),
        SelectItem::QualifiedStar(q) => q.clone(),
        SelectItem::StructStar(e) => format_expr(e),
        SelectItem::Expr { expr, alias } => {
            format!("{} {}", format_expr(expr), alias.as_deref().unwrap_or(""))
        }
    }
}

/// The clauses and columns a pull query cannot have, with ksqlDB's messages.
fn pull_clause_checks(q: &Query) -> EResult<()> {
    for (clause, texts) in [
        ("SELECT", q.select.iter().map(select_item_text).collect::<Vec<_>>()),
        ("WHERE", q.where_.iter().map(format_expr).collect()),
    ] {
        let bad: Vec<&str> = ["ROWPARTITION", "ROWOFFSET"]
            .into_iter()
            .filter(|p| texts.iter().any(|t| t.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == *p)))
            .collect();
        if !bad.is_empty() {
            return Err(EngineError::statement(format!(
                "Pull queries don't support the following columns in {clause} clauses: {}",
                bad.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    if !q.joins.is_empty() {
        return Err(EngineError::statement("Pull queries don't support JOIN clauses."));
    }
    if q.window.is_some() {
        return Err(EngineError::statement("Pull queries don't support WINDOW clauses."));
    }
    if !q.group_by.is_empty() {
        return Err(EngineError::statement("Pull queries don't support GROUP BY clauses."));
    }
    if !q.partition_by.is_empty() {
        return Err(EngineError::statement("Pull queries don't support PARTITION BY clauses."));
    }
    if q.having.is_some() {
        return Err(EngineError::statement("Pull queries don't support HAVING clauses."));
    }
    Ok(())
}

/// A table answers pull queries when a query writes it or it is a read-only source table.
fn check_queryable(src: &Source) -> EResult<()> {
    if src.kind == SourceKind::Table && src.writer_query.is_none() && !src.read_only {
        return Err(EngineError::statement(format!(
            "The `{0}` table isn't queryable. To derive a queryable table, \
             you can do 'CREATE TABLE QUERYABLE_{0} AS SELECT * FROM {0}'. See https://cnfl.io/queries for \
             more info.",
            src.name
        )));
    }
    Ok(())
}
