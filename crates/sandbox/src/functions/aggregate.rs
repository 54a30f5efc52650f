//! Aggregate functions. An [`AggFn`] types its call and makes an accumulator per group;
//! accumulators that can `undo` serve table aggregations (a table row's old value is
//! retracted before its new value is added).

use std::collections::BTreeMap;

use super::described::described;
use super::extras::Extras;
use crate::types::*;
use ksql_syntax::functions::FunctionKind;

pub trait Acc: AccClone + Send {
    fn add(&mut self, args: &[Value]);
    /// Retracts a previously added row. Only called when [`AggFn::undo`] is true.
    fn undo(&mut self, _args: &[Value]) {}
    fn result(&self) -> Value;
}

/// Cloning behind a `Box<dyn Acc>`: every `Clone` accumulator has it from the blanket impl,
/// so no accumulator writes it out.
pub trait AccClone {
    fn boxed_clone(&self) -> Box<dyn Acc>;
}

impl<T: Acc + Clone + 'static> AccClone for T {
    fn boxed_clone(&self) -> Box<dyn Acc> {
        Box::new(self.clone())
    }
}

/// A group's running state for one aggregate call. COUNT, SUM, MIN and MAX, the aggregates
/// most queries use, are held inline: a new group's accumulators are then one allocation, not
/// one box each, and reading a group's row (a windowed pull reads thousands) follows no
/// pointer per aggregate. Every other aggregate, an embedder's too, is boxed.
pub struct Accumulator(Inline);

enum Inline {
    Count(Count),
    Sum(Sum),
    MinMax(MinMax),
    Boxed(Box<dyn Acc>),
}

impl Accumulator {
    /// Any accumulator, kept behind a box.
    pub fn boxed(acc: impl Acc + 'static) -> Accumulator {
        Accumulator(Inline::Boxed(Box::new(acc)))
    }

    pub fn add(&mut self, args: &[Value]) {
        match &mut self.0 {
            Inline::Count(a) => a.add(args),
            Inline::Sum(a) => a.add(args),
            Inline::MinMax(a) => a.add(args),
            Inline::Boxed(a) => a.add(args),
        }
    }

    pub fn undo(&mut self, args: &[Value]) {
        match &mut self.0 {
            Inline::Count(a) => a.undo(args),
            Inline::Sum(a) => a.undo(args),
            Inline::MinMax(a) => a.undo(args),
            Inline::Boxed(a) => a.undo(args),
        }
    }

    pub fn result(&self) -> Value {
        match &self.0 {
            Inline::Count(a) => a.result(),
            Inline::Sum(a) => a.result(),
            Inline::MinMax(a) => a.result(),
            Inline::Boxed(a) => a.result(),
        }
    }
}

/// An aggregate function as the engine sees it: the catalog's description joined with the
/// sandbox's implementation.
pub struct AggFn {
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    /// ksqlDB's DESCRIBE FUNCTION form, `NAME(arg TYPE, ...) => RETURNS`.
    pub signatures: &'static [&'static str],
    /// Which leading arguments are per-row columns; the rest must be literals.
    pub col_args: ColArgs,
    pub undo: bool,
    /// (column argument types, literal arguments) -> result type.
    pub typer: fn(&[SqlType], &[Value]) -> Result<SqlType, String>,
    pub make: MakeAcc,
}

/// The sandbox's implementation of one aggregate function, keyed by its catalog name.
struct AggImpl {
    name: &'static str,
    col_args: ColArgs,
    undo: bool,
    typer: fn(&[SqlType], &[Value]) -> Result<SqlType, String>,
    make: MakeAcc,
}

/// How a call's arguments divide into per-row columns and trailing literals (ksqlDB's
/// "initial arguments", which configure the accumulator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColArgs {
    /// The first n arguments are columns.
    Fixed(usize),
    /// All arguments but the last n are columns (a variadic column argument), and at least
    /// the first.
    AllBut(usize),
}

impl ColArgs {
    /// How many of `args` arguments are columns.
    pub fn count(self, args: usize) -> usize {
        match self {
            ColArgs::Fixed(n) => n.min(args),
            ColArgs::AllBut(n) => args.saturating_sub(n).max(1).min(args),
        }
    }
}

/// (column argument types, literal arguments, result type) -> a fresh accumulator.
pub type MakeAcc = fn(&[SqlType], &[Value], &SqlType) -> Accumulator;

pub fn lookup(name: &str) -> Option<&'static AggFn> {
    registry().iter().find(|f| f.name == name).or_else(|| REGISTERED.find(|f| f.name == name))
}

/// The aggregate functions an embedder registered ([`super::registered`]).
pub(super) static REGISTERED: Extras<AggFn> = Extras::new();

fn num(t: &SqlType) -> Result<(), String> {
    if t.is_numeric() {
        Ok(())
    } else {
        Err(String::new())
    }
}

#[derive(Clone)]
struct Count(i64, bool);
impl Count {
    /// COUNT(*) (`self.1`) counts every row, COUNT(col) the non-null ones.
    fn apply(&mut self, a: &[Value], sign: i64) {
        if self.1 || !a[0].is_null() {
            self.0 += sign;
        }
    }
}
impl Acc for Count {
    fn add(&mut self, a: &[Value]) {
        self.apply(a, 1)
    }
    fn undo(&mut self, a: &[Value]) {
        self.apply(a, -1)
    }
    fn result(&self) -> Value {
        Value::Bigint(self.0)
    }
}

#[derive(Clone)]
struct Sum {
    /// The result's precision and scale when it is a DECIMAL.
    decimal: Option<(u32, u32)>,
    acc: Value,
}
impl Sum {
    fn apply(&mut self, v: &Value, sign: i64) {
        if v.is_null() {
            return;
        }
        self.acc = match (&self.acc, v) {
            (Value::Int(a), b) => Value::Int(a.wrapping_add((b.as_i64().unwrap_or(0) * sign) as i32)),
            (Value::Bigint(a), b) => Value::Bigint(a.wrapping_add(b.as_i64().unwrap_or(0) * sign)),
            (Value::Double(a), b) => Value::Double(a + b.as_f64().unwrap_or(0.0) * sign as f64),
            (Value::Decimal(a), b) => {
                let b = b.as_decimal().unwrap_or(Decimal::new(0, 0));
                let b = Decimal::new(b.unscaled() * sign as i128, b.scale);
                let s = a.scale.max(b.scale);
                match (a.rescale(s), b.rescale(s)) {
                    (Some(x), Some(y)) => {
                        let r = Decimal::new(x.unscaled() + y.unscaled(), s);
                        let (p, sc) = self.decimal.unwrap_or((38, s));
                        Value::Decimal(r.fit(p, sc).unwrap_or(r))
                    }
                    _ => self.acc.clone(),
                }
            }
            (other, _) => other.clone(),
        };
    }
}
impl Acc for Sum {
    fn add(&mut self, a: &[Value]) {
        self.apply(&a[0], 1)
    }
    fn undo(&mut self, a: &[Value]) {
        self.apply(&a[0], -1)
    }
    fn result(&self) -> Value {
        self.acc.clone()
    }
}

/// SUM_LIST: every element of each row's array added (NULL arrays and elements skipped).
#[derive(Clone)]
struct SumList(Sum);
impl Acc for SumList {
    fn add(&mut self, a: &[Value]) {
        if let Value::Array(items) = &a[0] {
            items.iter().for_each(|item| self.0.apply(item, 1));
        }
    }
    fn undo(&mut self, a: &[Value]) {
        if let Value::Array(items) = &a[0] {
            items.iter().for_each(|item| self.0.apply(item, -1));
        }
    }
    fn result(&self) -> Value {
        self.0.result()
    }
}

/// STDDEV_SAMPLE: the sample standard deviation (Youngs-Cramer update of count, sum and M2,
/// as ksqlDB); fewer than two values give 0.0. STDDEV_SAMP is the same but, as in ksqlDB 0.29
/// (its suite expects it), gives the sample variance: no square root.
#[derive(Clone)]
struct StdDev {
    count: i64,
    sum: f64,
    m2: f64,
    variance: bool,
}
impl StdDev {
    fn step(&mut self, x: f64, sign: i64) {
        if sign > 0 {
            let n = self.count + 1;
            let s = self.sum + x;
            if self.count > 0 {
                let d = x * n as f64 - s;
                self.m2 += d * d / (n as f64 * self.count as f64);
            }
            self.count = n;
            self.sum = s;
        } else {
            let n = self.count - 1;
            if n <= 0 {
                *self = StdDev { count: 0, sum: 0.0, m2: 0.0, variance: self.variance };
                return;
            }
            let s = self.sum - x;
            let d = x * self.count as f64 - self.sum;
            self.m2 -= d * d / (self.count as f64 * n as f64);
            self.count = n;
            self.sum = s;
        }
    }
}
impl Acc for StdDev {
    fn add(&mut self, a: &[Value]) {
        if let Some(x) = a[0].as_f64() {
            self.step(x, 1);
        }
    }
    fn undo(&mut self, a: &[Value]) {
        if let Some(x) = a[0].as_f64() {
            self.step(x, -1);
        }
    }
    fn result(&self) -> Value {
        if self.count < 2 {
            return Value::Double(0.0);
        }
        let variance = self.m2 / (self.count - 1) as f64;
        Value::Double(if self.variance { variance } else { variance.sqrt() })
    }
}

#[derive(Clone)]
struct Avg {
    sum: f64,
    dsum: Option<Decimal>,
    count: i64,
    decimal: Option<(u32, u32)>,
}
impl Acc for Avg {
    fn add(&mut self, a: &[Value]) {
        if a[0].is_null() {
            return;
        }
        self.count += 1;
        self.sum += a[0].as_f64().unwrap_or(0.0);
        if self.decimal.is_some() {
            let d = a[0].as_decimal().unwrap_or(Decimal::new(0, 0));
            self.dsum = Some(match self.dsum {
                None => d,
                Some(x) => {
                    let s = x.scale.max(d.scale);
                    Decimal::new(x.rescale(s).unwrap().unscaled() + d.rescale(s).unwrap().unscaled(), s)
                }
            });
        }
    }
    fn undo(&mut self, a: &[Value]) {
        if a[0].is_null() {
            return;
        }
        self.count -= 1;
        self.sum -= a[0].as_f64().unwrap_or(0.0);
        if let (Some(x), Some(d)) = (self.dsum, a[0].as_decimal()) {
            let s = x.scale.max(d.scale);
            self.dsum = Some(Decimal::new(x.rescale(s).unwrap().unscaled() - d.rescale(s).unwrap().unscaled(), s));
        }
    }
    fn result(&self) -> Value {
        if self.count == 0 {
            return Value::Null;
        }
        match (self.decimal, self.dsum) {
            (Some((p, s)), Some(d)) => {
                let q = crate::expr::decimal_op(crate::sql::ast::BinOp::Div, d, Decimal::from_i64(self.count), 38, s);
                q.and_then(|q| q.fit(p, s)).map(Value::Decimal).unwrap_or(Value::Null)
            }
            _ => Value::Double(self.sum / self.count as f64),
        }
    }
}

#[derive(Clone)]
struct MinMax {
    best: Value,
    max: bool,
}
impl Acc for MinMax {
    fn add(&mut self, a: &[Value]) {
        if a[0].is_null() {
            return;
        }
        if self.best.is_null() {
            self.best = a[0].clone();
            return;
        }
        let c = compare(&a[0], &self.best);
        if (self.max && c.is_gt()) || (!self.max && c.is_lt()) {
            self.best = a[0].clone();
        }
    }
    fn result(&self) -> Value {
        self.best.clone()
    }
}

/// LATEST_BY_OFFSET / EARLIEST_BY_OFFSET, with an optional count (returns an array) and
/// ignoreNulls flag.
#[derive(Clone)]
struct ByOffset {
    latest: bool,
    n: Option<usize>,
    ignore_nulls: bool,
    vals: Vec<Value>,
}
impl Acc for ByOffset {
    fn add(&mut self, a: &[Value]) {
        if self.ignore_nulls && a[0].is_null() {
            return;
        }
        let cap = self.n.unwrap_or(1);
        if self.latest {
            self.vals.push(a[0].clone());
            if self.vals.len() > cap {
                self.vals.remove(0);
            }
        } else if self.vals.len() < cap {
            self.vals.push(a[0].clone());
        }
    }
    fn result(&self) -> Value {
        match self.n {
            Some(_) => Value::Array(self.vals.clone()),
            None => self.vals.last().cloned().unwrap_or(Value::Null),
        }
    }
}

/// COLLECT_LIST/COLLECT_SET keep at most 1 000 values, or the limit the engine passes as a
/// literal from `ksql.functions.collect_list.limit` / `collect_set.limit`.
fn collect_limit(lits: &[Value]) -> usize {
    lits.first().and_then(Value::as_i64).map_or(1000, |n| n.clamp(0, 1_000_000) as usize)
}

#[derive(Clone)]
struct Collect {
    set: bool,
    limit: usize,
    vals: Vec<Value>,
}
impl Acc for Collect {
    fn add(&mut self, a: &[Value]) {
        if self.set && self.vals.iter().any(|v| sql_equals(v, &a[0])) {
            return;
        }
        if self.vals.len() < self.limit {
            self.vals.push(a[0].clone());
        }
    }
    fn undo(&mut self, a: &[Value]) {
        if let Some(i) = self.vals.iter().position(|v| *v == a[0]) {
            self.vals.remove(i);
        }
    }
    fn result(&self) -> Value {
        Value::Array(self.vals.clone())
    }
}

#[derive(Clone)]
struct CountDistinct(BTreeMap<KeyPart, ()>);
impl Acc for CountDistinct {
    fn add(&mut self, a: &[Value]) {
        if !a[0].is_null() {
            self.0.insert(key_part(&a[0]), ());
        }
    }
    fn result(&self) -> Value {
        Value::Bigint(self.0.len() as i64)
    }
}

#[derive(Clone)]
struct TopK {
    k: usize,
    distinct: bool,
    vals: Vec<Value>,
}
impl Acc for TopK {
    fn add(&mut self, a: &[Value]) {
        if a[0].is_null() || (self.distinct && self.vals.contains(&a[0])) {
            return;
        }
        if a.len() > 1 {
            // TOPK with other columns: structs ordered by their sort_col (ties keep arrival order).
            let mut fields = vec![("sort_col".to_string(), a[0].clone())];
            fields.extend(a[1..].iter().enumerate().map(|(i, v)| (format!("col{i}"), v.clone())));
            self.vals.push(Value::Struct(fields));
        } else {
            self.vals.push(a[0].clone());
        }
        let sort_key = |v: &Value| match v {
            Value::Struct(f) if a.len() > 1 => f[0].1.clone(),
            other => other.clone(),
        };
        self.vals.sort_by(|p, q| compare(&sort_key(q), &sort_key(p)));
        self.vals.truncate(self.k);
    }
    fn result(&self) -> Value {
        Value::Array(self.vals.clone())
    }
}

#[derive(Clone)]
struct Histogram(Vec<(String, i64)>);
impl Acc for Histogram {
    fn add(&mut self, a: &[Value]) {
        let Value::String(s) = &a[0] else { return };
        if let Some(e) = self.0.iter_mut().find(|(k, _)| k == s) {
            e.1 += 1;
        } else if self.0.len() < 1000 {
            self.0.push((s.clone(), 1));
        }
    }
    fn undo(&mut self, a: &[Value]) {
        let Value::String(s) = &a[0] else { return };
        if let Some(e) = self.0.iter_mut().find(|(k, _)| k == s) {
            e.1 -= 1;
        }
        self.0.retain(|(_, c)| *c > 0);
    }
    fn result(&self) -> Value {
        Value::Map(self.0.iter().map(|(k, c)| (Value::String(k.clone()), Value::Bigint(*c))).collect())
    }
}

/// CORRELATION: count, sum x, sum y, sum x², sum y², sum xy.
#[derive(Clone)]
struct Correlation([f64; 6]);

impl Correlation {
    fn update(&mut self, args: &[Value], sign: f64) {
        let (Some(x), Some(y)) = (args.first().and_then(|v| v.as_f64()), args.get(1).and_then(|v| v.as_f64())) else {
            return;
        };
        let s = &mut self.0;
        s[0] += sign;
        s[1] += sign * x;
        s[2] += sign * y;
        s[3] += sign * x * x;
        s[4] += sign * y * y;
        s[5] += sign * x * y;
    }
}

impl Acc for Correlation {
    fn add(&mut self, args: &[Value]) {
        self.update(args, 1.0);
    }
    fn undo(&mut self, args: &[Value]) {
        self.update(args, -1.0);
    }
    fn result(&self) -> Value {
        let [n, sx, sy, sxx, syy, sxy] = self.0;
        let num = n * sxy - sx * sy;
        let den = (n * sxx - sx * sx).sqrt() * (n * syy - sy * sy).sqrt();
        Value::Double(num / den)
    }
}

/// ATTR: the distinct values seen (with counts, so table retractions can undo them).
#[derive(Clone)]
struct Attr(Vec<(Value, usize)>);

impl Acc for Attr {
    fn add(&mut self, args: &[Value]) {
        let v = args.first().cloned().unwrap_or(Value::Null);
        match self.0.iter_mut().find(|(x, _)| *x == v) {
            Some((_, n)) => *n += 1,
            None => self.0.push((v, 1)),
        }
    }
    fn undo(&mut self, args: &[Value]) {
        let v = args.first().cloned().unwrap_or(Value::Null);
        if let Some(i) = self.0.iter().position(|(x, _)| *x == v) {
            self.0[i].1 -= 1;
            if self.0[i].1 == 0 {
                self.0.remove(i);
            }
        }
    }
    fn result(&self) -> Value {
        match self.0.as_slice() {
            [(v, _)] => v.clone(),
            _ => Value::Null,
        }
    }
}

fn int_lit(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64())
}

/// Every implemented aggregate function, with its catalog entry.
pub fn registry() -> &'static [AggFn] {
    static REG: std::sync::OnceLock<Vec<AggFn>> = std::sync::OnceLock::new();
    REG.get_or_init(|| {
        implementations()
            .into_iter()
            .map(|i| {
                let about = described(FunctionKind::Aggregate, i.name);
                let (category, description, signatures) = (about.category, about.description, about.signatures);
                let (col_args, undo, typer, make) = (i.col_args, i.undo, i.typer, i.make);
                AggFn { name: i.name, category, description, signatures, col_args, undo, typer, make }
            })
            .collect()
    })
}

/// Every implemented aggregate function, one entry each (name, category, description and
/// signatures are in the catalog, `ksql_syntax::functions`).
// long: a table of implementations (name, argument counts, typer, state constructor), one
// entry per function; splitting it would split the table, not the logic.
fn implementations() -> Vec<AggImpl> {
    vec![
        AggImpl {
            name: "COUNT",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |_, _| Ok(SqlType::Bigint),
            make: |t, _, _| Accumulator(Inline::Count(Count(0, t.is_empty()))),
        },
        AggImpl {
            name: "ATTR",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| Ok(t[0].clone()),
            make: |_, _, _| Accumulator::boxed(Attr(Vec::new())),
        },
        AggImpl {
            name: "CORRELATION",
            col_args: ColArgs::Fixed(2),
            undo: true,
            typer: |t, _| {
                if t.len() != 2 || !t.iter().all(|x| matches!(x, SqlType::Integer | SqlType::Bigint | SqlType::Double))
                {
                    return Err(String::new());
                }
                Ok(SqlType::Double)
            },
            make: |_, _, _| Accumulator::boxed(Correlation([0.0; 6])),
        },
        AggImpl {
            name: "SUM",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| {
                num(&t[0])?;
                Ok(t[0].clone())
            },
            make: |t, _, ret| {
                let zero = match &t[0] {
                    SqlType::Integer => Value::Int(0),
                    SqlType::Bigint => Value::Bigint(0),
                    SqlType::Double => Value::Double(0.0),
                    _ => Value::Decimal(Decimal::new(0, decimal_params(ret).map(|p| p.1).unwrap_or(0))),
                };
                Accumulator(Inline::Sum(Sum { decimal: decimal_params(ret), acc: zero }))
            },
        },
        AggImpl {
            name: "STDDEV_SAMPLE",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| {
                if matches!(t[0], SqlType::Integer | SqlType::Bigint | SqlType::Double) {
                    Ok(SqlType::Double)
                } else {
                    Err(String::new())
                }
            },
            make: |_, _, _| Accumulator::boxed(StdDev { count: 0, sum: 0.0, m2: 0.0, variance: false }),
        },
        AggImpl {
            name: "AVG",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| {
                num(&t[0])?;
                Ok(match &t[0] {
                    SqlType::Decimal { .. } => t[0].clone(),
                    _ => SqlType::Double,
                })
            },
            make: |t, _, _| {
                Accumulator::boxed(Avg {
                    sum: 0.0,
                    dsum: None,
                    count: 0,
                    decimal: match &t[0] {
                        SqlType::Decimal { .. } => decimal_params(&t[0]),
                        _ => None,
                    },
                })
            },
        },
        AggImpl {
            name: "MIN",
            col_args: ColArgs::Fixed(1),
            undo: false,
            typer: min_max_type,
            make: |_, _, _| Accumulator(Inline::MinMax(MinMax { best: Value::Null, max: false })),
        },
        AggImpl {
            name: "MAX",
            col_args: ColArgs::Fixed(1),
            undo: false,
            typer: min_max_type,
            make: |_, _, _| Accumulator(Inline::MinMax(MinMax { best: Value::Null, max: true })),
        },
        AggImpl {
            name: "LATEST_BY_OFFSET",
            col_args: ColArgs::Fixed(1),
            undo: false,
            typer: by_offset_type,
            make: |_, lits, _| by_offset(true, lits),
        },
        AggImpl {
            name: "EARLIEST_BY_OFFSET",
            col_args: ColArgs::Fixed(1),
            undo: false,
            typer: by_offset_type,
            make: |_, lits, _| by_offset(false, lits),
        },
        AggImpl {
            name: "COLLECT_LIST",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| Ok(SqlType::Array(Box::new(t[0].clone()))),
            make: |_, lits, _| Accumulator::boxed(Collect { set: false, limit: collect_limit(lits), vals: vec![] }),
        },
        AggImpl {
            name: "COLLECT_SET",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| Ok(SqlType::Array(Box::new(t[0].clone()))),
            make: |_, lits, _| Accumulator::boxed(Collect { set: true, limit: collect_limit(lits), vals: vec![] }),
        },
        AggImpl {
            name: "COUNT_DISTINCT",
            col_args: ColArgs::Fixed(1),
            undo: false,
            typer: |_, _| Ok(SqlType::Bigint),
            make: |_, _, _| Accumulator::boxed(CountDistinct(BTreeMap::new())),
        },
        AggImpl {
            name: "TOPK",
            col_args: ColArgs::AllBut(1),
            undo: false,
            typer: |t, l| {
                if int_lit(l.first()).is_none() {
                    return Err(String::new());
                }
                if t.len() > 1 {
                    let mut fields = vec![("sort_col".to_string(), t[0].clone())];
                    fields.extend(t[1..].iter().enumerate().map(|(i, x)| (format!("col{i}"), x.clone())));
                    return Ok(SqlType::Array(Box::new(SqlType::Struct(fields))));
                }
                Ok(SqlType::Array(Box::new(t[0].clone())))
            },
            make: |_, l, _| top_k(l, false),
        },
        AggImpl {
            name: "TOPKDISTINCT",
            col_args: ColArgs::Fixed(1),
            undo: false,
            typer: |t, l| {
                if int_lit(l.first()).is_some() {
                    Ok(SqlType::Array(Box::new(t[0].clone())))
                } else {
                    Err(String::new())
                }
            },
            make: |_, l, _| top_k(l, true),
        },
        AggImpl {
            name: "HISTOGRAM",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| {
                if t[0] == SqlType::String {
                    Ok(SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Bigint)))
                } else {
                    Err(String::new())
                }
            },
            make: |_, _, _| Accumulator::boxed(Histogram(vec![])),
        },
        AggImpl {
            name: "STDDEV_SAMP",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| num(&t[0]).map(|_| SqlType::Double),
            make: |_, _, _| Accumulator::boxed(StdDev { count: 0, sum: 0.0, m2: 0.0, variance: true }),
        },
        AggImpl {
            name: "SUM_LIST",
            col_args: ColArgs::Fixed(1),
            undo: true,
            typer: |t, _| match &t[0] {
                SqlType::Array(item) if matches!(**item, SqlType::Integer | SqlType::Bigint | SqlType::Double) => {
                    Ok((**item).clone())
                }
                _ => Err(String::new()),
            },
            make: |_, _, ret| {
                let zero = match ret {
                    SqlType::Integer => Value::Int(0),
                    SqlType::Bigint => Value::Bigint(0),
                    _ => Value::Double(0.0),
                };
                Accumulator::boxed(SumList(Sum { decimal: decimal_params(ret), acc: zero }))
            },
        },
    ]
}

/// MIN and MAX: any orderable column type (not containers, not BOOLEAN).
fn min_max_type(t: &[SqlType], _: &[Value]) -> Result<SqlType, String> {
    if matches!(t[0], SqlType::Array(_) | SqlType::Map(..) | SqlType::Struct(_) | SqlType::Boolean) {
        Err(String::new())
    } else {
        Ok(t[0].clone())
    }
}

/// TOPK / TOPKDISTINCT: the first literal is k.
fn top_k(l: &[Value], distinct: bool) -> Accumulator {
    Accumulator::boxed(TopK { k: int_lit(l.first()).unwrap_or(1).max(0) as usize, distinct, vals: vec![] })
}

fn by_offset_type(t: &[SqlType], l: &[Value]) -> Result<SqlType, String> {
    match l.first() {
        None | Some(Value::Boolean(_)) => Ok(t[0].clone()),
        Some(Value::Int(_)) | Some(Value::Bigint(_)) => Ok(SqlType::Array(Box::new(t[0].clone()))),
        _ => Err(String::new()),
    }
}

fn by_offset(latest: bool, l: &[Value]) -> Accumulator {
    let (n, ignore) = match (l.first(), l.get(1)) {
        (Some(Value::Boolean(b)), _) => (None, *b),
        (Some(n @ (Value::Int(_) | Value::Bigint(_))), b) => {
            (n.as_i64().map(|x| x.max(1) as usize), b.and_then(|b| b.as_bool()).unwrap_or(true))
        }
        _ => (None, true),
    };
    Accumulator::boxed(ByOffset { latest, n, ignore_nulls: ignore, vals: vec![] })
}
