//! Expression type checking and compilation.
//!
//! An [`Expr`] is compiled once per query against a [`Scope`] (the row layout) into a tree
//! of closures; evaluating a row then never looks at names or strings again. Runtime errors
//! (division by zero, a failing function) give NULL for that expression, as ksqlDB logs
//! the error and carries on.

use std::sync::Arc;

mod integer_arithmetic;
mod numeric;

use super::functions::{self, scalar::ScalarFn};
use super::sql::ast::{BinOp, Expr, Literal};
use super::types::*;

pub type EvalFn = Arc<dyn Fn(&[Value]) -> Value + Send + Sync>;

/// A binary operator on two evaluated operands (left, right).
type CombineFn = Arc<dyn Fn(Value, Value) -> Value + Send + Sync>;

thread_local! {
    /// Set when a lambda body "throws" (see `Compiler::in_lambda_body`): evaluators return
    /// values, not results, so the call that runs the lambda reads this flag instead.
    static LAMBDA_THREW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How one operator of a chain folds its right operand into the value so far.
enum Step {
    /// AND / OR: three-valued, and the right operand is not evaluated when the left decides.
    Logic {
        is_and: bool,
    },
    Combine(CombineFn),
}

/// A compiled expression: its SQL type (None for a bare NULL) and its evaluator.
#[derive(Clone)]
pub struct Compiled {
    pub ty: Option<SqlType>,
    pub eval: EvalFn,
}

impl Compiled {
    pub fn ty_or_string(&self) -> SqlType {
        self.ty.clone().unwrap_or(SqlType::String)
    }
}

#[derive(Debug, Clone)]
pub struct ScopeCol {
    pub qualifier: Option<String>,
    pub name: String,
    pub ty: SqlType,
}

/// The layout of the rows an expression sees.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub cols: Vec<ScopeCol>,
    /// Whole sub-expressions already computed into a column (GROUP BY keys and aggregates
    /// after an aggregation), by their canonical text.
    pub subst: Vec<(String, usize)>,
    /// When set, column references that are not substitutions are errors with this message.
    pub only_subst: Option<String>,
}

impl Scope {
    pub fn push(&mut self, qualifier: Option<&str>, name: &str, ty: SqlType) -> usize {
        self.cols.push(ScopeCol { qualifier: qualifier.map(str::to_string), name: name.to_string(), ty });
        self.cols.len() - 1
    }

    /// The column that already holds expression `e` (see [`Scope::subst`]): what it
    /// compiles to.
    pub fn substituted(&self, e: &Expr) -> Option<usize> {
        if self.subst.is_empty() {
            return None;
        }
        let key = format_expr(e);
        self.subst.iter().find(|(k, _)| *k == key).map(|(_, idx)| *idx)
    }

    pub fn resolve(&self, qualifier: Option<&str>, name: &str) -> Result<usize, String> {
        if qualifier.is_none() {
            // An unqualified column of the scope itself (e.g. a join's ROWTIME) wins.
            if let Some(i) = self.cols.iter().position(|c| c.qualifier.is_none() && c.name == name) {
                return Ok(i);
            }
        }
        let matches: Vec<usize> = self
            .cols
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == name && (qualifier.is_none() || c.qualifier.as_deref() == qualifier))
            .map(|(i, _)| i)
            .collect();
        match matches.len() {
            0 => {
                if let Some(q) = qualifier {
                    if self.cols.iter().any(|c| c.qualifier.is_some())
                        && !self.cols.iter().any(|c| c.qualifier.as_deref() == Some(q))
                    {
                        return Err(format!("'{q}' is not a valid stream/table name or alias."));
                    }
                }
                let full = match qualifier {
                    Some(q) => format!("{q}.{name}"),
                    None => name.to_string(),
                };
                Err(format!("Column '{full}' cannot be resolved."))
            }
            1 => Ok(matches[0]),
            _ => {
                // Same column seen through two qualifiers (e.g. a join key): take the first.
                let first = &self.cols[matches[0]];
                if qualifier.is_none() && matches.iter().any(|&i| self.cols[i].qualifier != first.qualifier) {
                    let all: Vec<String> = matches
                        .iter()
                        .map(|&i| format!("{}.{}", self.cols[i].qualifier.clone().unwrap_or_default(), name))
                        .collect();
                    return Err(format!(
                        "Column '{name}' is ambiguous. Could be {} or {}.",
                        all[..all.len() - 1].join(", "),
                        all[all.len() - 1]
                    ));
                }
                Ok(matches[0])
            }
        }
    }
}

pub fn compile(e: &Expr, scope: &Scope) -> Result<Compiled, String> {
    Compiler { scope, lambda: Vec::new(), depth: 0 }.compile(e)
}

struct Compiler<'a> {
    scope: &'a Scope,
    /// Lambda variables in scope: name, row index, type.
    lambda: Vec<(String, usize, SqlType)>,
    /// Depth of the node being compiled in the expression tree.
    depth: usize,
}

/// Every this many levels of an expression tree, evaluation checks it has stack enough
/// (see [`crate::with_stack`]); shallower expressions never pay for the check.
const EVAL_STACK_CHECK_EVERY: usize = 16;

fn konst(v: Value, ty: Option<SqlType>) -> Compiled {
    Compiled { ty, eval: Arc::new(move |_| v.clone()) }
}

impl<'a> Compiler<'a> {
    /// The column that already holds a computed expression (see [`Scope::subst`]).
    fn subst_col(&self, idx: usize) -> Compiled {
        Compiled { ty: Some(self.scope.cols[idx].ty.clone()), eval: Arc::new(move |r| r[idx].clone()) }
    }

    fn compile(&mut self, e: &Expr) -> Result<Compiled, String> {
        self.depth += 1;
        let compiled = crate::with_stack(|| self.compile_node(e));
        self.depth -= 1;
        let mut compiled = compiled?;
        if self.depth % EVAL_STACK_CHECK_EVERY == EVAL_STACK_CHECK_EVERY - 1 {
            let f = compiled.eval;
            compiled.eval = Arc::new(move |r| crate::with_stack(|| f(r)));
        }
        Ok(compiled)
    }

    fn compile_node(&mut self, e: &Expr) -> Result<Compiled, String> {
        if let Some(idx) = self.scope.substituted(e) {
            return Ok(self.subst_col(idx));
        }
        match e {
            Expr::Lit(l) => Ok(literal(l)?),
            Expr::TypedLit(t, s) => {
                let v = cast(&Value::String(s.clone()), t)?;
                Ok(konst(v, Some(t.clone())))
            }
            Expr::Column { qualifier, name } => self.compile_column(qualifier, name, e),
            Expr::Deref(inner, field) => self.compile_deref(inner, field),
            Expr::Subscript(base, idx) => self.compile_subscript(base, idx, e),
            Expr::Neg(inner) => {
                let c = self.compile(inner)?;
                let f = c.eval;
                match &c.ty {
                    Some(t) if t.is_numeric() => Ok(Compiled {
                        ty: c.ty.clone(),
                        eval: Arc::new(move |r| match f(r) {
                            Value::Int(i) => Value::Int(i.wrapping_neg()),
                            Value::Bigint(i) => Value::Bigint(i.wrapping_neg()),
                            Value::Double(d) => Value::Double(-d),
                            Value::Decimal(d) => Value::Decimal(Decimal::new(-d.unscaled(), d.scale)),
                            _ => Value::Null,
                        }),
                    }),
                    None => Ok(konst(Value::Null, None)),
                    Some(t) => Err(format!("Unsupported arithmetic types. - {t}")),
                }
            }
            Expr::Not(inner) => {
                let c = self.compile(inner)?;
                expect_bool(&c.ty, "NOT")?;
                let f = c.eval;
                Ok(Compiled {
                    ty: Some(SqlType::Boolean),
                    eval: Arc::new(move |r| match f(r) {
                        Value::Boolean(b) => Value::Boolean(!b),
                        _ => Value::Null,
                    }),
                })
            }
            Expr::Binary(op, l, r) => self.compile_binary(*op, l, r, e),
            Expr::Chain { first, rest } => self.chain(first, rest),
            Expr::IsNull { expr, negated } => {
                let c = self.compile(expr)?;
                let (f, neg) = (c.eval, *negated);
                Ok(Compiled {
                    ty: Some(SqlType::Boolean),
                    eval: Arc::new(move |r| Value::Boolean(f(r).is_null() != neg)),
                })
            }
            Expr::IsDistinct { left, right, negated } => {
                let (l, r) = (self.compile(left)?, self.compile(right)?);
                let (lf, rf, neg) = (l.eval, r.eval, *negated);
                Ok(Compiled {
                    ty: Some(SqlType::Boolean),
                    eval: Arc::new(move |row| {
                        let (a, b) = (lf(row), rf(row));
                        let same = match (a.is_null(), b.is_null()) {
                            (true, true) => true,
                            (false, false) => sql_equals(&a, &b),
                            _ => false,
                        };
                        Value::Boolean(same == neg)
                    }),
                })
            }
            Expr::Like { expr, pattern, escape, negated } => {
                let c = self.compile(expr)?;
                let p = self.compile(pattern)?;
                for (x, what) in [(&c, "LIKE operand"), (&p, "LIKE pattern")] {
                    if !matches!(x.ty, Some(SqlType::String) | None) {
                        return Err(format!("Unsupported type for {what}: {}", type_name(&x.ty)));
                    }
                }
                let (cf, pf, esc, neg) = (c.eval, p.eval, *escape, *negated);
                Ok(Compiled {
                    ty: Some(SqlType::Boolean),
                    eval: Arc::new(move |r| match (cf(r), pf(r)) {
                        (Value::String(s), Value::String(p)) => Value::Boolean(like(&s, &p, esc) != neg),
                        _ => Value::Null,
                    }),
                })
            }
            Expr::Between { expr, low, high, negated } => {
                let c = self.compile(expr)?;
                let lo = self.compile_beside(low, expr)?;
                let hi = self.compile_beside(high, expr)?;
                check_comparable(&c.ty, &lo.ty, BinOp::Ge)?;
                check_comparable(&c.ty, &hi.ty, BinOp::Le)?;
                let (cf, lf, hf, neg) = (c.eval, lo.eval, hi.eval, *negated);
                Ok(Compiled {
                    ty: Some(SqlType::Boolean),
                    eval: Arc::new(move |r| {
                        let (v, l, h) = (cf(r), lf(r), hf(r));
                        // ksqlDB: a comparison with a null operand is false, not null.
                        if v.is_null() || l.is_null() || h.is_null() {
                            return Value::Boolean(false);
                        }
                        let inside = compare_mixed(&v, &l).is_ge() && compare_mixed(&v, &h).is_le();
                        Value::Boolean(inside != neg)
                    }),
                })
            }
            Expr::InList { expr, list, negated } => self.compile_in_list(expr, list, *negated),
            Expr::Case { operand, whens, else_ } => self.compile_case(operand, whens, else_, e),
            Expr::Cast(inner, to) => {
                let c = self.compile(inner)?;
                if let Some(from) = &c.ty {
                    check_cast(from, to)?;
                }
                let (f, to2) = (c.eval, to.clone());
                Ok(Compiled { ty: Some(to.clone()), eval: Arc::new(move |r| cast(&f(r), &to2).unwrap_or(Value::Null)) })
            }
            Expr::Array(items) => self.compile_array(items, e),
            Expr::Map(items) => self.compile_map(items),
            Expr::Struct(items) => self.compile_structure(items),
            Expr::Lambda { .. } => {
                Err("Lambda expressions are only allowed as arguments of lambda functions (TRANSFORM, FILTER, REDUCE)"
                    .into())
            }
            Expr::Call { name, args, star, distinct } => self.call(name, args, *star, *distinct, e),
        }
    }

    /// A column: a lambda parameter, a GROUP BY substitution, or a source column.
    fn compile_column(&mut self, qualifier: &Option<String>, name: &str, e: &Expr) -> Result<Compiled, String> {
        if qualifier.is_none() {
            if let Some((_, idx, ty)) = self.lambda.iter().rev().find(|(n, _, _)| n == name) {
                let idx = *idx;
                return Ok(Compiled { ty: Some(ty.clone()), eval: Arc::new(move |r| r[idx].clone()) });
            }
        }
        if let Some(msg) = &self.scope.only_subst {
            // A qualified column may match an unqualified group-by key.
            if let Some(q) = qualifier {
                let _ = q;
                let key = name.to_string();
                if let Some((_, idx)) = self.scope.subst.iter().find(|(k, _)| *k == key) {
                    return Ok(self.subst_col(*idx));
                }
            }
            return Err(msg.replace("{}", &format_expr(e)));
        }
        let idx = self.scope.resolve(qualifier.as_deref(), name)?;
        let ty = self.scope.cols[idx].ty.clone();
        Ok(Compiled { ty: Some(ty), eval: Arc::new(move |r| r[idx].clone()) })
    }

    /// `expr->field` on a STRUCT.
    fn compile_deref(&mut self, inner: &Expr, field: &str) -> Result<Compiled, String> {
        let c = self.compile(inner)?;
        let Some(SqlType::Struct(fields)) = &c.ty else {
            return Err(format!(
                "Expected STRUCT type for dereference of {}, got {}",
                format_expr(inner),
                type_name(&c.ty)
            ));
        };
        let Some(pos) = fields
            .iter()
            .position(|(n, _)| n == field)
            .or_else(|| fields.iter().position(|(n, _)| n.eq_ignore_ascii_case(field)))
        else {
            return Err(format!("Could not find field '{field}' in '{}'.", format_expr(inner)));
        };
        let ty = fields[pos].1.clone();
        let f = c.eval;
        Ok(Compiled {
            ty: Some(ty),
            eval: Arc::new(move |r| match f(r) {
                Value::Struct(mut fs) if pos < fs.len() => std::mem::take(&mut fs[pos].1),
                _ => Value::Null,
            }),
        })
    }

    /// `expr[index]` on an ARRAY (1-based, negative from the end) or a MAP.
    fn compile_subscript(&mut self, base: &Expr, idx: &Expr, e: &Expr) -> Result<Compiled, String> {
        let b = self.compile(base)?;
        let i = self.compile(idx)?;
        match &b.ty {
            Some(SqlType::Array(et)) => {
                if !matches!(i.ty, Some(SqlType::Integer) | Some(SqlType::Bigint) | None) {
                    return Err(format!("Array index must be INTEGER, got {}", type_name(&i.ty)));
                }
                let (bf, ifn) = (b.eval, i.eval);
                Ok(Compiled {
                    ty: Some((**et).clone()),
                    eval: Arc::new(move |r| {
                        let (Value::Array(mut a), Some(i)) = (bf(r), ifn(r).as_i64()) else {
                            return Value::Null;
                        };
                        // ksqlDB arrays are 1-based; negative indexes count from the end.
                        let len = a.len() as i64;
                        let pos = if i > 0 {
                            i - 1
                        } else if i < 0 {
                            len + i
                        } else {
                            return Value::Null;
                        };
                        if pos < 0 || pos >= len {
                            Value::Null
                        } else {
                            std::mem::take(&mut a[pos as usize])
                        }
                    }),
                })
            }
            Some(SqlType::Map(kt, vt)) => {
                let kt = (**kt).clone();
                let (bf, ifn) = (b.eval, i.eval);
                Ok(Compiled {
                    ty: Some((**vt).clone()),
                    eval: Arc::new(move |r| {
                        let Value::Map(m) = bf(r) else { return Value::Null };
                        let k = coerce(ifn(r), &kt);
                        m.into_iter().find(|(mk, _)| sql_equals(mk, &k)).map(|(_, v)| v).unwrap_or(Value::Null)
                    }),
                })
            }
            other => {
                Err(format!("Subscript expression ({}) not supported on type {}", format_expr(e), type_name(other)))
            }
        }
    }

    /// `expr [NOT] IN (…)`.
    fn compile_in_list(&mut self, expr: &Expr, list: &[Expr], negated: bool) -> Result<Compiled, String> {
        let c = self.compile(expr)?;
        // ksqlDB coerces string literals in the list to the tested type and rejects
        // other mismatches with "operator does not exist".
        let mut items: Vec<Compiled> = Vec::new();
        // The numeric type the list widens to so far (DECIMAL(4, 2) and 10: DECIMAL(12, 2)),
        // which ksqlDB's messages name.
        let mut widened = c.ty.clone();
        for x in list {
            if let (Some(SqlType::String), Expr::Lit(lit)) = (&c.ty, x) {
                // Against a STRING, other literals are compared as the text they are written as.
                if !matches!(lit, Literal::Null | Literal::Str(_)) {
                    items.push(konst(Value::String(format_expr(x)), Some(SqlType::String)));
                    continue;
                }
            }
            if let (Expr::Lit(Literal::Str(lit)), Some(t)) = (x, &c.ty) {
                if let Some(coerced) = coerce_in_literal(lit, t) {
                    items.push(konst(
                        coerced.map_err(|_| {
                            let base = base_type_name(&Some(t.clone()));
                            format!("Invalid Predicate: invalid input syntax for type {base}: \"{lit}\".")
                        })?,
                        Some(t.clone()),
                    ));
                    continue;
                }
            }
            let it = self.compile(x)?;
            let complex = matches!(
                (&c.ty, &it.ty),
                (Some(SqlType::Array(_)), Some(SqlType::Array(_)))
                    | (Some(SqlType::Map(..)), Some(SqlType::Map(..)))
                    | (Some(SqlType::Struct(_)), Some(SqlType::Struct(_)))
            );
            if let (true, Some(t)) = (complex && it.ty != c.ty && is_constant(x), &c.ty) {
                // A constructor of literals is converted once, to the tested type, as ksqlDB does.
                let value = in_list_value(&(it.eval)(&[]), t).map_err(|m| format!("Invalid Predicate: {m}"))?;
                items.push(konst(value.unwrap_or(Value::Null), Some(t.clone())));
                continue;
            }
            if let Some(coerced) = complex_in_list_item(&c.ty, it.ty.as_ref(), &it.eval) {
                items.push(coerced);
                continue;
            }
            check_comparable(&c.ty, &it.ty, BinOp::Eq).map_err(|_| {
                format!(
                    "Invalid Predicate: operator does not exist: {} = {} ({})\n\
                     Hint: You might need to add explicit type casts.",
                    type_name(&widened),
                    type_name(&it.ty),
                    format_expr(x)
                )
            })?;
            let wider = match (&widened, &it.ty) {
                (Some(w), Some(t)) if w.is_numeric() && t.is_numeric() => common_type(w, t),
                _ => None,
            };
            widened = wider.or(widened);
            items.push(it);
        }
        let cf = c.eval;
        let fs: Vec<EvalFn> = items.into_iter().map(|c| c.eval).collect();
        let neg = negated;
        Ok(Compiled {
            ty: Some(SqlType::Boolean),
            eval: Arc::new(move |r| {
                let v = cf(r);
                if v.is_null() {
                    return Value::Null;
                }
                let mut saw_null = false;
                for f in &fs {
                    let x = f(r);
                    if x.is_null() {
                        saw_null = true;
                    } else if values_equal_mixed(&v, &x) {
                        return Value::Boolean(!neg);
                    }
                }
                if saw_null && !neg {
                    return Value::Boolean(false);
                }
                Value::Boolean(neg)
            }),
        })
    }

    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    fn compile_case(
        &mut self,
        operand: &Option<Box<Expr>>,
        whens: &[(Expr, Expr)],
        else_: &Option<Box<Expr>>,
        e: &Expr,
    ) -> Result<Compiled, String> {
        let op = operand.as_ref().map(|o| self.compile(o)).transpose()?;
        let mut conds = Vec::new();
        let mut results = Vec::new();
        for (c, v) in whens {
            let cc = self.compile(c)?;
            if op.is_none() {
                expect_bool(&cc.ty, "WHEN")?;
            }
            conds.push(cc);
            results.push(self.compile(v)?);
        }
        let els = else_.as_ref().map(|x| self.compile(x)).transpose()?;
        let is_null = |x: &Expr| matches!(x, Expr::Lit(Literal::Null));
        if whens.iter().all(|(_, v)| is_null(v)) && else_.as_deref().is_none_or(is_null) {
            return Err("Invalid Case expression. All case branches have NULL type".into());
        }
        let mut ty: Option<SqlType> = None;
        for r in results.iter().chain(els.iter()) {
            ty = match (&ty, &r.ty) {
                (None, t) => t.clone(),
                (Some(a), Some(b)) => Some(common_type(a, b).ok_or_else(|| {
                    format!(
                        "Invalid Case expression. Type for all 'THEN' clauses should be the same.\n\
                         THEN expression '{}' has type: {}.",
                        format_expr(e),
                        b
                    )
                })?),
                (Some(a), None) => Some(a.clone()),
            };
        }
        let out_ty = ty.clone();
        let opf = op.map(|o| o.eval);
        let conds: Vec<EvalFn> = conds.into_iter().map(|c| c.eval).collect();
        let results: Vec<EvalFn> = results.into_iter().map(|c| c.eval).collect();
        let els = els.map(|c| c.eval);
        Ok(Compiled {
            ty: out_ty,
            eval: Arc::new(move |r| {
                let opv = opf.as_ref().map(|f| f(r));
                for (c, v) in conds.iter().zip(&results) {
                    let hit = match &opv {
                        Some(o) => {
                            let x = c(r);
                            !o.is_null() && !x.is_null() && values_equal_mixed(o, &x)
                        }
                        None => c(r) == Value::Boolean(true),
                    };
                    if hit {
                        let out = v(r);
                        return match &ty {
                            Some(t) => coerce(out, t),
                            None => out,
                        };
                    }
                }
                match &els {
                    Some(f) => match &ty {
                        Some(t) => coerce(f(r), t),
                        None => f(r),
                    },
                    None => Value::Null,
                }
            }),
        })
    }

    /// `ARRAY[…]`: the items' common type (STRUCTs of other fields merge into one); string
    /// literals among other types are read as that type, as ksqlDB coerces them.
    fn compile_array(&mut self, items: &[Expr], e: &Expr) -> Result<Compiled, String> {
        let mut cs: Vec<Compiled> = items.iter().map(|x| self.compile(x)).collect::<Result<_, _>>()?;
        let text_of = |x: &Expr| match x {
            Expr::Lit(Literal::Str(t)) => Some(t.clone()),
            _ => None,
        };
        let mut ty: Option<SqlType> = None;
        for (x, c) in items.iter().zip(&cs) {
            let Some(t) = c.ty.as_ref().filter(|_| text_of(x).is_none()) else { continue };
            ty = Some(match &ty {
                None => t.clone(),
                Some(a) => merged_type(a, t)
                    .ok_or_else(|| format!("invalid input syntax for type {a}: \"{}\"", format_expr(e)))?,
            });
        }
        // A numeric string literal beside numbers widens them as its value's own type does
        // ('2e1' is a DECIMAL, so INT and BIGINT items become DECIMAL(19, 0)), as ksqlDB's
        // CoercionUtil resolves it.
        if let Some(t) = ty.as_ref().filter(|t| t.is_numeric() && **t != SqlType::Double) {
            let mut widened = t.clone();
            for text in items.iter().filter_map(text_of) {
                if let Some(d) = string_literal_decimal(&text) {
                    widened = common_type(&widened, &d).unwrap_or(widened);
                }
            }
            ty = Some(widened);
        }
        match &ty {
            None if items.iter().any(|x| text_of(x).is_some()) => ty = Some(SqlType::String),
            Some(t) if *t != SqlType::String => {
                for (x, c) in items.iter().zip(cs.iter_mut()) {
                    let Some(text) = text_of(x) else { continue };
                    let v =
                        literal_as(&text, t).ok_or_else(|| format!("invalid input syntax for type {t}: \"{text}\""))?;
                    *c = Compiled { ty: Some(t.clone()), eval: Arc::new(move |_| v.clone()) };
                }
            }
            _ => {}
        }
        let Some(et) = ty else {
            if cs.is_empty() {
                return Err("Array constructor cannot be empty. Please supply at least one element (see \
                            https://github.com/confluentinc/ksql/issues/4239)."
                    .into());
            }
            return Err("Cannot construct an array with all NULL elements (see \
                        https://github.com/confluentinc/ksql/issues/4239). As a workaround, \
                        you may cast a NULL value to the desired type."
                .into());
        };
        let fs: Vec<EvalFn> = cs.into_iter().map(|c| c.eval).collect();
        let et2 = et.clone();
        Ok(Compiled {
            ty: Some(SqlType::Array(Box::new(et))),
            eval: Arc::new(move |r| Value::Array(fs.iter().map(|f| coerce(f(r), &et2)).collect())),
        })
    }

    /// `MAP(k := v, …)`: the keys' and values' common types.
    fn compile_map(&mut self, items: &[(Expr, Expr)]) -> Result<Compiled, String> {
        if items.is_empty() {
            return Err("Map constructor cannot be empty. Please supply at least one key value pair (see \
                        https://github.com/confluentinc/ksql/issues/4239)."
                .into());
        }
        let mut ks = Vec::new();
        let mut vs = Vec::new();
        for (k, v) in items {
            ks.push(self.compile(k)?);
            vs.push(self.compile(v)?);
        }
        let (kx, vx): (Vec<&Expr>, Vec<&Expr>) = items.iter().map(|(k, v)| (k, v)).unzip();
        if kx.iter().all(|k| matches!(k, Expr::Lit(Literal::Null))) {
            return Err("Cannot construct a map with all NULL keys".into());
        }
        let kt = unify_literals(&kx, &mut ks, "key")?.unwrap_or(SqlType::String);
        let Some(vt) = unify_literals(&vx, &mut vs, "value")? else {
            return Err("Cannot construct a map with all NULL values (see \
                        https://github.com/confluentinc/ksql/issues/4239). As a workaround, \
                        you may cast a NULL value to the desired type."
                .into());
        };
        let kf: Vec<EvalFn> = ks.into_iter().map(|c| c.eval).collect();
        let vf: Vec<EvalFn> = vs.into_iter().map(|c| c.eval).collect();
        let (kt2, vt2) = (kt.clone(), vt.clone());
        Ok(Compiled {
            ty: Some(SqlType::Map(Box::new(kt), Box::new(vt))),
            eval: Arc::new(move |r| {
                let mut m: Vec<(Value, Value)> = Vec::new();
                for (k, v) in kf.iter().zip(&vf) {
                    let k = coerce(k(r), &kt2);
                    let v = coerce(v(r), &vt2);
                    if let Some(slot) = m.iter_mut().find(|(x, _)| sql_equals(x, &k)) {
                        slot.1 = v;
                    } else {
                        m.push((k, v));
                    }
                }
                Value::Map(m)
            }),
        })
    }

    /// `STRUCT(name := value, …)`.
    fn compile_structure(&mut self, items: &[(String, Expr)]) -> Result<Compiled, String> {
        for (i, (n, _)) in items.iter().enumerate() {
            if items[..i].iter().any(|(m, _)| m == n) {
                return Err("Duplicate field names found in STRUCT".into());
            }
        }
        let mut fields = Vec::new();
        let mut fs = Vec::new();
        for (n, x) in items {
            let c = self.compile(x)?;
            fields.push((n.clone(), c.ty.clone().unwrap_or(SqlType::String)));
            fs.push((n.clone(), c.eval));
        }
        Ok(Compiled {
            ty: Some(SqlType::Struct(fields)),
            eval: Arc::new(move |r| Value::Struct(fs.iter().map(|(n, f)| (n.clone(), f(r))).collect())),
        })
    }

    /// `l op r` (the whole of `e`, for messages); a comparison of columns and literals reads
    /// them in place (see [`Compiler::operand`]).
    fn compile_binary(&mut self, op: BinOp, l: &Expr, r: &Expr, e: &Expr) -> Result<Compiled, String> {
        let lc = self.compile_beside(l, r)?;
        let rc = self.compile_beside(r, l)?;
        if op.is_comparison() && (lc.ty.is_none() || rc.ty.is_none()) {
            return Err(format!(
                "Comparison with NULL not supported: {} {} {}\nUse 'IS NULL' or 'IS NOT NULL' instead.",
                base_type_name(&lc.ty),
                op.symbol(),
                base_type_name(&rc.ty)
            ));
        }
        if op.is_comparison() && check_comparable(&lc.ty, &rc.ty, op).is_err() {
            return Err(comparison_error(l, &lc.ty, r, &rc.ty, op));
        }
        let (ty, step) = binary(op, &lc.ty, &rc.ty, || format_expr(e))?;
        if op.is_comparison() {
            if let (Some(a), Some(b)) = (self.operand(l, &lc), self.operand(r, &rc)) {
                return Ok(Compiled { ty, eval: numeric::comparison(op, (a, &lc.ty), (b, &rc.ty)) });
            }
        }
        let step = self.in_lambda_body(op, &ty, step);
        Ok(Compiled { ty, eval: fold(lc.eval, vec![(step, rc.eval)]) })
    }

    /// `e` (compiled as `c`) as an [`Operand`] when it is a plain column read or a literal:
    /// a comparison or a one-argument function then reads it in place, not through a copy
    /// (a string column's copy is an allocation). None inside lambdas and under GROUP BY
    /// substitution, where a name may read something else.
    fn operand(&self, e: &Expr, c: &Compiled) -> Option<Operand> {
        if !self.lambda.is_empty() || !self.scope.subst.is_empty() || self.scope.only_subst.is_some() {
            return None;
        }
        match e {
            Expr::Column { qualifier, name } => {
                self.scope.resolve(qualifier.as_deref(), name).ok().map(Operand::Column)
            }
            // A literal's evaluation reads no row.
            Expr::Lit(_) => Some(Operand::Constant((c.eval)(&[]))),
            _ => None,
        }
    }

    /// An operand of a comparison with `other`: a string literal compared with ROWTIME,
    /// WINDOWSTART or WINDOWEND is the instant it writes, as ksqlDB reads it
    /// (`ROWTIME > '2019-01-01T00:00:00+0445'`, `ROWTIME >= '2018'`).
    fn compile_beside(&mut self, e: &Expr, other: &Expr) -> Result<Compiled, String> {
        let (Expr::Lit(Literal::Str(text)), Expr::Column { name, .. }) = (e, other) else {
            return self.compile(e);
        };
        if !["ROWTIME", "WINDOWSTART", "WINDOWEND"].iter().any(|c| name.eq_ignore_ascii_case(c)) {
            return self.compile(e);
        }
        let ms = timestamp_text_ms(text)
            .ok_or_else(|| format!("Failed to parse timestamp '{text}': expected yyyy-MM-ddTHH:mm:ss.SSS[TZ]"))?;
        Ok(Compiled { ty: Some(SqlType::Bigint), eval: Arc::new(move |_| Value::Bigint(ms)) })
    }

    /// `first op1 x1 op2 x2 ...` as one loop over the operands (at compile and at run time),
    /// with the types and semantics of the nested binary operations `((first op1 x1) op2 x2)`.
    fn chain(&mut self, first: &Expr, rest: &[(BinOp, Expr)]) -> Result<Compiled, String> {
        let (head, done) = match self.subst_prefix(first, rest) {
            Some((idx, k)) => (self.subst_col(idx), k),
            None => (self.compile(first)?, 0),
        };
        let mut ty = head.ty.clone();
        let mut steps = Vec::with_capacity(rest.len() - done);
        for (k, (op, x)) in rest.iter().enumerate().skip(done) {
            let c = self.compile(x)?;
            let (t, step) = binary(*op, &ty, &c.ty, || chain_text(first, &rest[..=k]))?;
            // `a op b` of columns and literals (`V * 2`): its operands read in place, in one
            // call instead of a fold over their evaluations.
            if let ([(_, last)], 0, Step::Combine(f)) = (rest, done, &step) {
                if let (Some(a), Some(b)) = (self.operand(first, &head), self.operand(last, &c)) {
                    let eval = numeric::arithmetic(*op, (a, &head.ty), (b, &c.ty), &t, f.clone());
                    return Ok(Compiled { ty: t, eval });
                }
            }
            steps.push((self.in_lambda_body(*op, &t, step), c.eval));
            ty = t;
        }
        Ok(Compiled { ty, eval: fold(head.eval, steps) })
    }

    /// The longest proper prefix `first op1 x1 ... op_k x_k` (k >= 1) of a chain that is an
    /// already computed expression (a GROUP BY `a + b` inside `a + b + c`), as (column, k).
    /// Only prefixes of the right length are formatted, so a long chain stays linear.
    fn subst_prefix(&self, first: &Expr, rest: &[(BinOp, Expr)]) -> Option<(usize, usize)> {
        if self.scope.subst.is_empty() || rest.len() < 2 {
            return None;
        }
        // Length of the text of each prefix: "(" + prefix + " op " + operand + ")".
        let mut lens = Vec::with_capacity(rest.len());
        let mut len = format_expr(first).len();
        for (op, x) in rest {
            len += op.symbol().len() + format_expr(x).len() + 4;
            lens.push(len);
        }
        (1..rest.len()).rev().find_map(|k| {
            let mut keys = self.scope.subst.iter().filter(|(key, _)| key.len() == lens[k - 1]).peekable();
            keys.peek()?;
            let text = chain_text(first, &rest[..k]);
            keys.find(|(key, _)| *key == text).map(|(_, idx)| (*idx, k))
        })
    }

    fn call(
        &mut self,
        name: &str,
        args: &[Expr],
        star: bool,
        distinct: bool,
        whole: &Expr,
    ) -> Result<Compiled, String> {
        if functions::aggregate::lookup(name).is_some() {
            return Err(format!("Aggregate functions can not be used here: {}", format_expr(whole)));
        }
        if functions::table::is_table_function(name) {
            return Err(format!(
                "Table functions can only be used in the SELECT list of a stream query: {}",
                format_expr(whole)
            ));
        }
        if star && functions::scalar::lookup(name).is_some() {
            // ksqlDB reads `F(*)` of a scalar function as a call with no arguments.
            return Err(format!("Function '{}' does not accept parameters ().", functions::declared_name(name)));
        }
        if star || distinct {
            return Err(format!("Function {name} does not take * or DISTINCT"));
        }
        if functions::LAMBDA_FUNCTIONS.contains(&name) {
            return self.lambda_call(name, args);
        }
        let Some(f) = functions::scalar::lookup(name) else {
            return Err(format!("Can't find any functions with the name '{name}'"));
        };
        // An interval unit (DAYS, MILLISECONDS, ...) is a keyword, not a column.
        let unit_arg: Option<Expr> = match (name, args.first()) {
            (
                "TIMESTAMPADD" | "TIMESTAMPSUB" | "DATEADD" | "DATESUB" | "TIMEADD" | "TIMESUB",
                Some(Expr::Column { qualifier: None, name: u }),
            ) if time_unit_ms(u).is_some() => Some(Expr::Lit(Literal::Str(u.to_ascii_uppercase()))),
            _ => None,
        };
        let cs: Vec<Compiled> = args
            .iter()
            .enumerate()
            .map(|(i, a)| match (i, &unit_arg) {
                (0, Some(u)) => self.compile(u),
                _ => self.compile(a),
            })
            .collect::<Result<_, _>>()?;
        let types: Vec<Option<SqlType>> = cs.iter().map(|c| c.ty.clone()).collect();
        let ret = (f.typer)(&types).map_err(|m| {
            if m == functions::scalar::AMBIGUOUS {
                let names: Vec<String> =
                    types.iter().map(|t| t.as_ref().map_or("null".into(), |t| t.to_string())).collect();
                format!(
                    "Function '{}' cannot be resolved due to ambiguous method parameters ({}).",
                    functions::declared_name(f.name),
                    names.join(", ")
                )
            } else if m.is_empty() {
                format!(
                    "Function '{}' does not accept parameters ({}).\nValid alternatives are:\n{}",
                    crate::functions::declared_name(f.name),
                    types.iter().map(type_name).collect::<Vec<_>>().join(", "),
                    f.signatures.join("\n")
                )
            } else {
                m
            }
        })?;
        let func: &'static ScalarFn = f;
        // Constant folding is not needed: evaluation is cheap and deterministic per row.
        let ret_ty = ret.clone();
        if let ([arg], [c], None) = (args, cs.as_slice(), &unit_arg) {
            if let Some(Operand::Column(i)) = self.operand(arg, c) {
                let eval: EvalFn = Arc::new(move |r| (func.eval)(std::slice::from_ref(&r[i]), &ret_ty));
                return Ok(Compiled { ty: ret, eval });
            }
        }
        let evals: Vec<EvalFn> = cs.into_iter().map(|c| c.eval).collect();
        Ok(Compiled {
            ty: ret,
            eval: match evals.len() {
                0 => Arc::new(move |_| (func.eval)(&[], &ret_ty)),
                1 => {
                    let a = evals[0].clone();
                    Arc::new(move |r| (func.eval)(&[a(r)], &ret_ty))
                }
                2 => {
                    let (a, b) = (evals[0].clone(), evals[1].clone());
                    Arc::new(move |r| (func.eval)(&[a(r), b(r)], &ret_ty))
                }
                _ => Arc::new(move |r| {
                    let vals: Vec<Value> = evals.iter().map(|f| f(r)).collect();
                    (func.eval)(&vals, &ret_ty)
                }),
            },
        })
    }

    fn compile_lambda(&mut self, e: &Expr, param_types: &[SqlType], base: usize) -> Result<(Compiled, usize), String> {
        let Expr::Lambda { params, body } = e else {
            return Err("Expected a lambda expression".into());
        };
        if params.len() != param_types.len() {
            return Err(format!(
                "Was expecting {} arguments to lambda function, got {}",
                param_types.len(),
                params.len()
            ));
        }
        let saved = self.lambda.len();
        for (i, (p, t)) in params.iter().zip(param_types).enumerate() {
            self.lambda.push((p.clone(), base + i, t.clone()));
        }
        let c = self.compile(body);
        self.lambda.truncate(saved);
        Ok((c?, base + params.len()))
    }

    /// Numeric arithmetic inside a lambda body as ksqlDB's generated Java runs it: a NULL
    /// operand is unboxed and throws, which makes the whole TRANSFORM/FILTER/REDUCE call NULL
    /// (see [`LAMBDA_THREW`]); outside lambdas arithmetic on NULL is NULL.
    fn in_lambda_body(&self, op: BinOp, ty: &Option<SqlType>, step: Step) -> Step {
        let arithmetic = matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod);
        match step {
            Step::Combine(f)
                if !self.lambda.is_empty() && arithmetic && ty.as_ref().is_some_and(|t| t.is_numeric()) =>
            {
                Step::Combine(Arc::new(move |a, b| {
                    if a.is_null() || b.is_null() {
                        LAMBDA_THREW.set(true);
                        return Value::Null;
                    }
                    f(a, b)
                }))
            }
            other => other,
        }
    }

    /// A TRANSFORM, FILTER or REDUCE call: NULL when its lambda threw (an exception goes on
    /// through the lambdas around it, as in Java).
    fn lambda_call(&mut self, name: &str, args: &[Expr]) -> Result<Compiled, String> {
        let call = self.lambda_call_of(name, args)?;
        let f = call.eval;
        Ok(Compiled {
            ty: call.ty,
            eval: Arc::new(move |r| {
                let outer = LAMBDA_THREW.replace(false);
                let v = f(r);
                let threw = LAMBDA_THREW.get();
                LAMBDA_THREW.set(outer || threw);
                if threw {
                    Value::Null
                } else {
                    v
                }
            }),
        })
    }

    fn lambda_call_of(&mut self, name: &str, args: &[Expr]) -> Result<Compiled, String> {
        let base = self.scope.cols.len()
            + self.lambda.iter().map(|(_, i, _)| i + 1).max().unwrap_or(0).saturating_sub(self.scope.cols.len());
        let coll = self.compile(args.first().ok_or("missing argument")?)?;
        match (name, &coll.ty, args.len()) {
            ("TRANSFORM", Some(SqlType::Array(et)), 2) => {
                let (body, _) = self.compile_lambda(&args[1], &[(**et).clone()], base)?;
                let (cf, bf) = (coll.eval, body.eval);
                Ok(Compiled {
                    ty: Some(SqlType::Array(Box::new(body.ty.unwrap_or(SqlType::String)))),
                    eval: Arc::new(move |r| match cf(r) {
                        Value::Array(a) => {
                            let mut row = extend_row(r, base, 1);
                            Value::Array(
                                a.into_iter()
                                    .map(|x| {
                                        row[base] = x;
                                        bf(&row)
                                    })
                                    .collect(),
                            )
                        }
                        _ => Value::Null,
                    }),
                })
            }
            ("TRANSFORM", Some(SqlType::Map(kt, vt)), 3) => {
                let pts = [(**kt).clone(), (**vt).clone()];
                let (kb, _) = self.compile_lambda(&args[1], &pts, base)?;
                let (vb, _) = self.compile_lambda(&args[2], &pts, base)?;
                let (cf, kf, vf) = (coll.eval, kb.eval, vb.eval);
                Ok(Compiled {
                    ty: Some(SqlType::Map(
                        Box::new(kb.ty.unwrap_or(SqlType::String)),
                        Box::new(vb.ty.unwrap_or(SqlType::String)),
                    )),
                    eval: Arc::new(move |r| match cf(r) {
                        Value::Map(m) => {
                            let mut row = extend_row(r, base, 2);
                            let out: Vec<(Value, Value)> = m
                                .into_iter()
                                .map(|(k, v)| {
                                    row[base] = k;
                                    row[base + 1] = v;
                                    (kf(&row), vf(&row))
                                })
                                .collect();
                            // Two entries mapped to one key throw in ksqlDB (Collectors.toMap):
                            // the call is NULL.
                            let mut keys: Vec<&Value> = out.iter().map(|(k, _)| k).collect();
                            keys.sort_by(|a, b| compare(a, b));
                            if keys.windows(2).any(|w| compare(w[0], w[1]).is_eq()) {
                                return Value::Null;
                            }
                            Value::Map(out)
                        }
                        _ => Value::Null,
                    }),
                })
            }
            ("FILTER", Some(SqlType::Array(et)), 2) => {
                let (body, _) = self.compile_lambda(&args[1], &[(**et).clone()], base)?;
                let (cf, bf) = (coll.eval, body.eval);
                Ok(Compiled {
                    ty: coll.ty.clone(),
                    eval: Arc::new(move |r| match cf(r) {
                        Value::Array(a) => {
                            let mut row = extend_row(r, base, 1);
                            Value::Array(
                                a.into_iter()
                                    .filter(|x| {
                                        row[base] = x.clone();
                                        bf(&row) == Value::Boolean(true)
                                    })
                                    .collect(),
                            )
                        }
                        _ => Value::Null,
                    }),
                })
            }
            ("FILTER", Some(SqlType::Map(kt, vt)), 2) => {
                let (body, _) = self.compile_lambda(&args[1], &[(**kt).clone(), (**vt).clone()], base)?;
                let (cf, bf) = (coll.eval, body.eval);
                Ok(Compiled {
                    ty: coll.ty.clone(),
                    eval: Arc::new(move |r| match cf(r) {
                        Value::Map(m) => {
                            let mut row = extend_row(r, base, 2);
                            Value::Map(
                                m.into_iter()
                                    .filter(|(k, v)| {
                                        row[base] = k.clone();
                                        row[base + 1] = v.clone();
                                        bf(&row) == Value::Boolean(true)
                                    })
                                    .collect(),
                            )
                        }
                        _ => Value::Null,
                    }),
                })
            }
            ("REDUCE", Some(t @ (SqlType::Array(_) | SqlType::Map(_, _))), 3) => {
                let init = self.compile(&args[1])?;
                let st = init.ty.clone().ok_or("REDUCE needs a typed initial state")?;
                let is_map = matches!(t, SqlType::Map(..));
                let pts = match t {
                    SqlType::Array(et) => vec![st.clone(), (**et).clone()],
                    SqlType::Map(kt, vt) => vec![st.clone(), (**kt).clone(), (**vt).clone()],
                    _ => unreachable!(),
                };
                let (body, _) = self.compile_lambda(&args[2], &pts, base)?;
                let (cf, inf, bf, st2) = (coll.eval, init.eval, body.eval, st.clone());
                Ok(Compiled {
                    ty: Some(st),
                    eval: Arc::new(move |r| {
                        let mut acc = inf(r);
                        let mut row = extend_row(r, base, if is_map { 3 } else { 2 });
                        match cf(r) {
                            Value::Array(a) => {
                                for x in a {
                                    row[base] = acc;
                                    row[base + 1] = x;
                                    acc = coerce(bf(&row), &st2);
                                }
                            }
                            Value::Map(m) => {
                                for (k, v) in m {
                                    row[base] = acc;
                                    row[base + 1] = k;
                                    row[base + 2] = v;
                                    acc = coerce(bf(&row), &st2);
                                }
                            }
                            // A NULL collection reduces to the initial state, as in ksqlDB.
                            _ => {}
                        }
                        acc
                    }),
                })
            }
            _ => Err(format!(
                "Function '{}' does not accept parameters ({})",
                crate::functions::declared_name(name),
                type_name(&coll.ty)
            )),
        }
    }
}

fn extend_row(r: &[Value], base: usize, extra: usize) -> Vec<Value> {
    let mut row = Vec::with_capacity(base + extra);
    row.extend_from_slice(&r[..base.min(r.len())]);
    row.resize(base + extra, Value::Null);
    row
}

pub fn type_name(t: &Option<SqlType>) -> String {
    t.as_ref().map(|t| t.to_string()).unwrap_or_else(|| "NULL".into())
}

/// The DECIMAL type a numeric string literal has in ksqlDB's coercion when it is written with
/// a point or an exponent, or is too big for a BIGINT; None otherwise (or when not a number).
fn string_literal_decimal(text: &str) -> Option<SqlType> {
    let d = Decimal::parse_literal(text)?;
    let written_as_decimal = text.contains(['.', 'e', 'E']);
    if !written_as_decimal && text.trim().parse::<i64>().is_ok() {
        return None;
    }
    Some(decimal_type(d.precision().max(d.scale).max(1), d.scale))
}

/// A type's base name as ksqlDB's messages give it: DECIMAL for DECIMAL(4, 2), ARRAY for
/// ARRAY<INT>, NULL for a bare NULL.
pub fn base_type_name(t: &Option<SqlType>) -> String {
    type_name(t).split(['(', '<']).next().unwrap_or_default().to_string()
}

fn expect_bool(ty: &Option<SqlType>, what: &str) -> Result<(), String> {
    match ty {
        Some(SqlType::Boolean) | None => Ok(()),
        Some(t) => Err(format!("{what} expects a BOOLEAN operand, got {t}")),
    }
}

fn literal(l: &Literal) -> Result<Compiled, String> {
    Ok(match l {
        Literal::Null => konst(Value::Null, None),
        Literal::Bool(b) => konst(Value::Boolean(*b), Some(SqlType::Boolean)),
        Literal::Int(i) => konst(Value::Int(*i), Some(SqlType::Integer)),
        Literal::Bigint(i) => konst(Value::Bigint(*i), Some(SqlType::Bigint)),
        Literal::Double(d) => konst(Value::Double(*d), Some(SqlType::Double)),
        Literal::Str(s) => konst(Value::String(s.clone()), Some(SqlType::String)),
        Literal::Decimal(s) => {
            let d = Decimal::parse_literal(s).ok_or_else(|| format!("Invalid decimal literal {s}"))?;
            konst(Value::Decimal(d), Some(decimal_type(d.precision(), d.scale)))
        }
    })
}

/// Which CASTs ksqlDB accepts (at compile time).
fn check_cast(from: &SqlType, to: &SqlType) -> Result<(), String> {
    use SqlType::*;
    let ok = match (from, to) {
        (a, b) if a == b => true,
        (_, String) => true,
        (String, _) => !matches!(to, Array(_) | Map(..) | Struct(_) | Bytes),
        (a, b) if a.is_numeric() && b.is_numeric() => true,
        (Boolean, Boolean) => true,
        (Timestamp, Date | Time) | (Date, Timestamp) => true,
        (Array(a), Array(b)) => check_cast(a, b).is_ok(),
        (Map(k1, v1), Map(k2, v2)) => check_cast(k1, k2).is_ok() && check_cast(v1, v2).is_ok(),
        (Struct(_), Struct(_)) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("Cast of {from} to {to} is not supported"))
    }
}

/// A timestamp written as text in a comparison with ROWTIME: `yyyy-MM-ddTHH:mm:ss.SSS`, any
/// prefix of it (the rest taken from `0000-01-01T00:00:00.000`), then an optional zone (`Z`,
/// `+hhmm`, `+hh:mm`; UTC without one), as epoch milliseconds.
fn timestamp_text_ms(text: &str) -> Option<i64> {
    const TEMPLATE: &str = "0000-01-01T00:00:00.000";
    let text = text.trim();
    let zone_at =
        text.char_indices().skip(10).find(|&(_, c)| c == 'Z' || c == '+' || c == '-').map_or(text.len(), |(i, _)| i);
    let (local, zone) = text.split_at(zone_at);
    if local.len() > TEMPLATE.len() || !local.is_ascii() {
        return None;
    }
    let mut full = format!("{local}{}", &TEMPLATE[local.len()..]);
    // Hour 24 with nothing after it is the end of the day (the next midnight), as Java's
    // SMART resolver reads it.
    let end_of_day = full.get(11..) == Some("24:00:00.000");
    if end_of_day {
        full.replace_range(11..13, "00");
    }
    let naive = chrono::NaiveDateTime::parse_from_str(&full, "%Y-%m-%dT%H:%M:%S%.3f").ok()?;
    let naive = if end_of_day { naive.checked_add_signed(chrono::TimeDelta::days(1))? } else { naive };
    let offset_ms = match zone {
        "" | "Z" => 0,
        _ => crate::functions::scalar::Zone::parse(zone)?.offset_ms_at(0)?,
    };
    Some(naive.and_utc().timestamp_millis() - offset_ms)
}

/// ksqlDB's message for operands that cannot be compared: each with its type, and the
/// comparison's name.
fn comparison_error(l: &Expr, lt: &Option<SqlType>, r: &Expr, rt: &Option<SqlType>, op: BinOp) -> String {
    let name = match op {
        BinOp::Eq => "EQUAL",
        BinOp::Ne => "NOT_EQUAL",
        BinOp::Lt => "LESS_THAN",
        BinOp::Le => "LESS_THAN_OR_EQUAL",
        BinOp::Gt => "GREATER_THAN",
        _ => "GREATER_THAN_OR_EQUAL",
    };
    let typed = |e: &Expr, t: &Option<SqlType>| match t {
        Some(t) => format!("{} ({t})", format_expr(e)),
        None => format_expr(e),
    };
    format!("Cannot compare {} to {} with {name}.", typed(l, lt), typed(r, rt))
}

fn check_comparable(a: &Option<SqlType>, b: &Option<SqlType>, op: BinOp) -> Result<(), String> {
    let (Some(a), Some(b)) = (a, b) else { return Ok(()) };
    use SqlType::*;
    let ok = match (a, b) {
        (x, y) if x.is_numeric() && y.is_numeric() => true,
        (String, String) | (Boolean, Boolean) | (Bytes, Bytes) => true,
        (Timestamp | Date | Time, String) | (String, Timestamp | Date | Time) => true,
        (Timestamp | Date, Timestamp | Date) | (Time, Time) => true,
        (Array(_), Array(_)) | (Map(..), Map(..)) | (Struct(_), Struct(_)) => {
            matches!(op, BinOp::Eq | BinOp::Ne) && a == b
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("Cannot compare {a} to {b} with {}.", op.symbol()))
    }
}

/// An IN-list item of an ARRAY, MAP or STRUCT type other than the tested one, coerced as ksqlDB
/// coerces list items: arrays and maps to the wider of the two types, structs to the tested
/// type (fields matched by exact name, missing ones NULL; an item with a field the tested type
/// lacks never matches). None when this does not apply.
fn complex_in_list_item(tested: &Option<SqlType>, item: Option<&SqlType>, eval: &EvalFn) -> Option<Compiled> {
    let (Some(tested), Some(item)) = (tested, item) else { return None };
    let target = match (tested, item) {
        (a, b) if a == b => return None,
        (SqlType::Array(_), SqlType::Array(_)) | (SqlType::Map(..), SqlType::Map(..)) => common_type(tested, item)?,
        (SqlType::Struct(want), SqlType::Struct(have)) => {
            // The tested type's fields, each widened to the item's field of that name.
            let widened = want.iter().map(|(name, ty)| match have.iter().find(|(h, _)| h == name) {
                Some((_, other)) => common_type(ty, other).map(|t| (name.clone(), t)),
                None => Some((name.clone(), ty.clone())),
            });
            SqlType::Struct(widened.collect::<Option<Vec<_>>>()?)
        }
        _ => return None,
    };
    let f = eval.clone();
    let to = target.clone();
    let eval: EvalFn = Arc::new(move |r| in_list_value(&f(r), &to).ok().flatten().unwrap_or(Value::Null));
    Some(Compiled { ty: Some(target), eval })
}

/// `v` as `to` for an IN-list comparison: None for a STRUCT with a field `to` lacks (it
/// matches nothing), an error for a value that does not convert.
fn in_list_value(v: &Value, to: &SqlType) -> Result<Option<Value>, String> {
    Ok(Some(match (v, to) {
        (Value::Struct(fields), SqlType::Struct(want)) => {
            if fields.iter().any(|(name, _)| !want.iter().any(|(w, _)| w == name)) {
                return Ok(None);
            }
            let mut coerced = Vec::with_capacity(want.len());
            for (name, ty) in want {
                let value = match fields.iter().find(|(f, _)| f == name) {
                    Some((_, x)) => match in_list_value(x, ty)? {
                        Some(x) => x,
                        None => return Ok(None),
                    },
                    None => Value::Null,
                };
                coerced.push((name.clone(), value));
            }
            Value::Struct(coerced)
        }
        (Value::Array(items), SqlType::Array(ty)) => {
            let mut coerced = Vec::with_capacity(items.len());
            for x in items {
                match in_list_value(x, ty)? {
                    Some(x) => coerced.push(x),
                    None => return Ok(None),
                }
            }
            Value::Array(coerced)
        }
        (Value::Map(entries), SqlType::Map(kt, vt)) => {
            let mut coerced = Vec::with_capacity(entries.len());
            for (k, x) in entries {
                match (in_list_value(k, kt)?, in_list_value(x, vt)?) {
                    (Some(k), Some(x)) => coerced.push((k, x)),
                    _ => return Ok(None),
                }
            }
            Value::Map(coerced)
        }
        (Value::String(text), _) => {
            cast(v, to).map_err(|_| format!("invalid input syntax for type {to}: \"{text}\""))?
        }
        _ => cast(v, to)?,
    }))
}

/// Whether an expression reads no column (its value is known when the query is planned).
fn is_constant(e: &Expr) -> bool {
    if matches!(e, Expr::Column { .. }) {
        return false;
    }
    let mut constant = true;
    e.for_each_child(&mut |child| constant &= is_constant(child));
    constant
}

/// A string literal in an IN list tested against a numeric or boolean value: Some(Ok) when
/// it converts, Some(Err) when it cannot, None when no conversion applies.
/// The common type of a MAP constructor's keys or values, as ksqlDB coerces them: literals
/// take the type of the other items (a string literal read as it, a number written as text
/// among strings); the compiled literals are replaced by their coerced constants.
fn unify_literals(items: &[&Expr], cs: &mut [Compiled], what: &str) -> Result<Option<SqlType>, String> {
    let literal = |x: &Expr| matches!(x, Expr::Lit(Literal::Str(_) | Literal::Int(_) | Literal::Bigint(_)));
    let mut ty: Option<SqlType> = None;
    for (x, c) in items.iter().zip(cs.iter()) {
        let Some(t) = c.ty.as_ref().filter(|_| !literal(x)) else { continue };
        ty = Some(match &ty {
            None => t.clone(),
            Some(a) => common_type(a, t)
                .ok_or_else(|| format!("Cannot construct a map with mismatched {what} types ({a}, {t})"))?,
        });
    }
    let Some(t) = ty else {
        // Literals only: their own common type.
        let mut ty: Option<SqlType> = None;
        for c in cs.iter() {
            if let Some(t) = &c.ty {
                ty = Some(match &ty {
                    None => t.clone(),
                    Some(a) => common_type(a, t)
                        .ok_or_else(|| format!("Cannot construct a map with mismatched {what} types ({a}, {t})"))?,
                });
            }
        }
        return Ok(ty);
    };
    for (x, c) in items.iter().zip(cs.iter_mut()) {
        if !literal(x) || c.ty.as_ref().is_some_and(|ct| common_type(ct, &t).as_ref() == Some(&t)) {
            continue;
        }
        let text = match x {
            Expr::Lit(Literal::Str(s)) => s.clone(),
            other => format_expr(other),
        };
        let v = match t {
            SqlType::String => Value::String(text.clone()),
            _ => literal_as(&text, &t).ok_or_else(|| format!("invalid input syntax for type {t}: \"{text}\"."))?,
        };
        *c = Compiled { ty: Some(t.clone()), eval: Arc::new(move |_| v.clone()) };
    }
    Ok(Some(t))
}

/// The common type of two items of an ARRAY constructor: STRUCTs merge their fields.
fn merged_type(a: &SqlType, b: &SqlType) -> Option<SqlType> {
    let (SqlType::Struct(fa), SqlType::Struct(fb)) = (a, b) else { return common_type(a, b) };
    let mut fields = fa.clone();
    for (n, t) in fb {
        match fields.iter_mut().find(|(m, _)| m == n) {
            Some((_, existing)) => *existing = merged_type(existing, t)?,
            None => fields.push((n.clone(), t.clone())),
        }
    }
    Some(SqlType::Struct(fields))
}

/// A string literal read as a value of type `t` (numbers in any notation, `2e1` too).
fn literal_as(text: &str, t: &SqlType) -> Option<Value> {
    let parsed = match t {
        SqlType::Integer | SqlType::Bigint | SqlType::Double => Value::Double(text.trim().parse::<f64>().ok()?),
        _ => match coerce_in_literal(text, t)? {
            Ok(v) => v,
            Err(()) => return None,
        },
    };
    cast(&parsed, t).ok()
}

fn coerce_in_literal(lit: &str, t: &SqlType) -> Option<Result<Value, ()>> {
    let s = lit.trim();
    Some(match t {
        SqlType::Integer | SqlType::Bigint | SqlType::Decimal { .. } => Decimal::parse(s).map(Value::Decimal).ok_or(()),
        SqlType::Double => s.parse::<f64>().map(Value::Double).map_err(|_| ()),
        SqlType::Boolean => {
            let l = s.to_ascii_lowercase();
            if !l.is_empty() && ("true".starts_with(&l) || "yes".starts_with(&l)) {
                Ok(Value::Boolean(true))
            } else if !l.is_empty() && ("false".starts_with(&l) || "no".starts_with(&l)) {
                Ok(Value::Boolean(false))
            } else {
                Err(())
            }
        }
        _ => return None,
    })
}

/// Comparison that also handles TIMESTAMP/DATE/TIME against a string.
fn compare_mixed(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Timestamp(_), Value::String(s)) => {
            compare(a, &parse_timestamp(s).map(Value::Timestamp).unwrap_or(Value::Null))
        }
        (Value::String(s), Value::Timestamp(_)) => {
            compare(&parse_timestamp(s).map(Value::Timestamp).unwrap_or(Value::Null), b)
        }
        (Value::Date(_), Value::String(s)) => compare(a, &parse_date(s).map(Value::Date).unwrap_or(Value::Null)),
        (Value::String(s), Value::Date(_)) => compare(&parse_date(s).map(Value::Date).unwrap_or(Value::Null), b),
        (Value::Time(_), Value::String(s)) => compare(a, &parse_time(s).map(Value::Time).unwrap_or(Value::Null)),
        (Value::String(s), Value::Time(_)) => compare(&parse_time(s).map(Value::Time).unwrap_or(Value::Null), b),
        _ => compare(a, b),
    }
}

/// `a = b` as SQL compares them (a string against a temporal value parses the string).
pub(crate) fn values_equal_mixed(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(_), Value::String(_)) => a == b,
        (Value::Timestamp(_) | Value::Date(_) | Value::Time(_), Value::String(_))
        | (Value::String(_), Value::Timestamp(_) | Value::Date(_) | Value::Time(_)) => compare_mixed(a, b).is_eq(),
        _ => sql_equals(a, b),
    }
}

/// `a op b` for a comparison `op`.
fn compare_op(op: BinOp, a: &Value, b: &Value) -> Value {
    // ksqlDB: a comparison with a null operand is false, not null.
    if a.is_null() || b.is_null() {
        return Value::Boolean(false);
    }
    let res = match op {
        BinOp::Eq => values_equal_mixed(a, b),
        BinOp::Ne => !values_equal_mixed(a, b),
        _ => {
            let c = compare_mixed(a, b);
            match op {
                BinOp::Lt => c.is_lt(),
                BinOp::Le => c.is_le(),
                BinOp::Gt => c.is_gt(),
                _ => c.is_ge(),
            }
        }
    };
    Value::Boolean(res)
}

/// An operand read without being evaluated into a value of its own: a row's column in
/// place, or a literal's value made once.
#[derive(Clone)]
enum Operand {
    Column(usize),
    Constant(Value),
}

impl Operand {
    fn of<'r>(&'r self, row: &'r [Value]) -> &'r Value {
        match self {
            Operand::Column(i) => &row[*i],
            Operand::Constant(v) => v,
        }
    }
}

/// Evaluates `first`, then folds in each step's operand, left to right, in one loop.
fn fold(first: EvalFn, steps: Vec<(Step, EvalFn)>) -> EvalFn {
    Arc::new(move |row| {
        let mut acc = first(row);
        for (step, operand) in &steps {
            acc = match step {
                // Short-circuit like Java: FALSE AND x, TRUE OR x.
                Step::Logic { is_and } if acc == Value::Boolean(!is_and) => acc,
                Step::Logic { is_and } => match (acc.as_bool(), operand(row).as_bool()) {
                    (Some(x), Some(y)) => Value::Boolean(if *is_and { x && y } else { x || y }),
                    (_, Some(y)) if y != *is_and => Value::Boolean(y),
                    _ => Value::Null,
                },
                Step::Combine(f) => f(acc, operand(row)),
            };
        }
        acc
    })
}

/// Type-checks `l op r`: its result type and how it computes. `whole` gives the text of
/// the expression for error messages.
fn binary(
    op: BinOp,
    l: &Option<SqlType>,
    r: &Option<SqlType>,
    whole: impl Fn() -> String,
) -> Result<(Option<SqlType>, Step), String> {
    match op {
        BinOp::And | BinOp::Or => {
            expect_bool(l, op.symbol())?;
            expect_bool(r, op.symbol())?;
            Ok((Some(SqlType::Boolean), Step::Logic { is_and: op == BinOp::And }))
        }
        op if op.is_comparison() => {
            check_comparable(l, r, op)?;
            let f: CombineFn = Arc::new(move |a, b| compare_op(op, &a, &b));
            Ok((Some(SqlType::Boolean), Step::Combine(f)))
        }
        BinOp::Concat => {
            for t in [l, r] {
                if !matches!(t, Some(SqlType::String) | None) {
                    return Err(format!("Unsupported arithmetic types. {} || {}", type_name(l), type_name(r)));
                }
            }
            Ok((Some(SqlType::String), Step::Combine(Arc::new(concat))))
        }
        _ if l.is_none() || r.is_none() => {
            // ksqlDB rejects arithmetic on an untyped null.
            let tn = |t: &Option<SqlType>| t.as_ref().map(|t| t.to_string()).unwrap_or_else(|| "null".into());
            Err(format!(
                "Error processing expression: {}. Arithmetic on types {} and {} are not supported.",
                whole(),
                tn(l),
                tn(r)
            ))
        }
        _ => arithmetic(op, l, r)
            .map(|(ty, f)| (Some(ty), Step::Combine(f)))
            .map_err(|m| format!("Error processing expression: {}. {m}", whole())),
    }
}

fn concat(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::String(mut a), Value::String(b)) => {
            a.push_str(&b);
            Value::String(a)
        }
        _ => Value::Null,
    }
}

fn arithmetic(op: BinOp, l: &Option<SqlType>, r: &Option<SqlType>) -> Result<(SqlType, CombineFn), String> {
    // ksqlDB's Operator names the operands' base types (DECIMAL, not DECIMAL(2, 1)).
    let err = || Err(format!("Unsupported arithmetic types. {} {}", base_type_name(l), base_type_name(r)));
    let (lt, rt) = match (l, r) {
        (Some(a), Some(b)) => (a.clone(), b.clone()),
        (Some(a), None) | (None, Some(a)) if a.is_numeric() || *a == SqlType::String => (a.clone(), a.clone()),
        (None, None) => return Ok((SqlType::Integer, Arc::new(|_, _| Value::Null))),
        _ => return err(),
    };
    if lt == SqlType::String && rt == SqlType::String && op == BinOp::Add {
        return Ok((SqlType::String, Arc::new(concat)));
    }
    let (Some(ra), Some(rb)) = (numeric_rank(&lt), numeric_rank(&rt)) else { return err() };
    let rank = ra.max(rb);
    match rank {
        1 | 2 => {
            let big = rank == 2;
            let f: CombineFn = Arc::new(move |x, y| {
                let (a, b) = (x.as_i64(), y.as_i64());
                // Numbers or NULL: dropped without the drop glue.
                discard(x);
                discard(y);
                let (Some(a), Some(b)) = (a, b) else { return Value::Null };
                if big {
                    integer_arithmetic::integer_arithmetic(op, a, b).map_or(Value::Null, Value::Bigint)
                } else {
                    integer_arithmetic::integer_arithmetic(op, a as i32, b as i32).map_or(Value::Null, Value::Int)
                }
            });
            Ok((if big { SqlType::Bigint } else { SqlType::Integer }, f))
        }
        4 => {
            let f: CombineFn = Arc::new(move |x, y| {
                let (a, b) = (x.as_f64(), y.as_f64());
                discard(x);
                discard(y);
                let (Some(a), Some(b)) = (a, b) else { return Value::Null };
                Value::Double(match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                })
            });
            Ok((SqlType::Double, f))
        }
        _ => {
            let (p1, s1) = decimal_params(&lt).unwrap();
            let (p2, s2) = decimal_params(&rt).unwrap();
            let (p, s) = match op {
                BinOp::Add | BinOp::Sub => {
                    let s = s1.max(s2);
                    ((p1 - s1).max(p2 - s2) + s + 1, s)
                }
                BinOp::Mul => (p1 + p2 + 1, s1 + s2),
                BinOp::Div => {
                    let s = 6.max(s1 + p2 + 1);
                    (p1 - s1 + s2 + s, s)
                }
                _ => ((p1 - s1).min(p2 - s2) + s1.max(s2), s1.max(s2)),
            };
            let (p, s) = (p.min(38), s.min(38));
            let f: CombineFn = Arc::new(move |a, b| {
                let (Some(a), Some(b)) = (a.as_decimal(), b.as_decimal()) else { return Value::Null };
                decimal_op(op, a, b, p, s).map(Value::Decimal).unwrap_or(Value::Null)
            });
            Ok((decimal_type(p, s), f))
        }
    }
}

/// a × 10^shift / b (b not zero), truncated toward zero; None when the quotient passes an
/// i128. When a × 10^shift itself does (a divisor of many decimal places: 1 / 0.5 at scale 21
/// shifts by 42), the quotient is worked out a digit at a time, as long division does.
fn div_scaled(a: i128, b: i128, shift: u32) -> Option<i128> {
    match times_pow10(a, shift) {
        Some(num) => Some(num / b),
        None => long_division(a, b, shift),
    }
}

/// [`div_scaled`] a digit at a time.
fn long_division(a: i128, b: i128, shift: u32) -> Option<i128> {
    let (n, d) = (a.unsigned_abs(), b.unsigned_abs());
    let (mut q, mut r) = (n / d, n % d);
    for _ in 0..shift {
        // The next digit is 10r / d, with r < d <= 2^127: added up ten times, less d each
        // time it passes d, r never overflows a u128.
        let (mut digit, mut next) = (0u128, 0u128);
        for _ in 0..10 {
            next += r;
            if next >= d {
                next -= d;
                digit += 1;
            }
        }
        q = q.checked_mul(10)?.checked_add(digit)?;
        r = next;
    }
    let q = i128::try_from(q).ok()?;
    Some(if (a < 0) != (b < 0) { -q } else { q })
}

pub fn decimal_op(op: BinOp, a: Decimal, b: Decimal, p: u32, s: u32) -> Option<Decimal> {
    let res = match op {
        BinOp::Add | BinOp::Sub => {
            let sc = a.scale.max(b.scale);
            let (x, y) = (a.rescale(sc)?, b.rescale(sc)?);
            let u = if op == BinOp::Add {
                x.unscaled().checked_add(y.unscaled())?
            } else {
                x.unscaled().checked_sub(y.unscaled())?
            };
            Decimal::new(u, sc)
        }
        BinOp::Mul => Decimal::new(a.unscaled().checked_mul(b.unscaled())?, a.scale + b.scale),
        BinOp::Div => {
            if b.unscaled() == 0 {
                return None;
            }
            // a / b at scale s (+1 digit for HALF_UP rounding).
            let shift = (s + 1 + b.scale) as i64 - a.scale as i64;
            let q = if shift >= 0 {
                div_scaled(a.unscaled(), b.unscaled(), shift as u32)?
            } else {
                div_pow10(a.unscaled(), (-shift) as u32) / b.unscaled()
            };
            Decimal::new(q, s + 1).rescale(s)?
        }
        _ => {
            if b.unscaled() == 0 {
                return None;
            }
            let sc = a.scale.max(b.scale);
            let (x, y) = (a.rescale(sc)?, b.rescale(sc)?);
            Decimal::new(x.unscaled() % y.unscaled(), sc)
        }
    };
    res.fit(p, s)
}

/// SQL LIKE with `%` and `_` and an optional escape character.
pub fn like(s: &str, pattern: &str, escape: Option<char>) -> bool {
    let s: Vec<char> = s.chars().collect();
    // Tokenise the pattern: Some(c) literal, None for %, '\0' sentinel for _.
    enum P {
        Lit(char),
        Any,
        One,
    }
    let mut ps = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        if Some(c) == escape {
            if let Some(n) = it.next() {
                ps.push(P::Lit(n));
            }
        } else if c == '%' {
            ps.push(P::Any);
        } else if c == '_' {
            ps.push(P::One);
        } else {
            ps.push(P::Lit(c));
        }
    }
    // Classic wildcard matching with backtracking on the last '%'.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match ps.get(pi) {
            Some(P::Lit(c)) if *c == s[si] => {
                si += 1;
                pi += 1;
            }
            Some(P::One) => {
                si += 1;
                pi += 1;
            }
            Some(P::Any) => {
                star = Some((pi, si));
                pi += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    while let Some(P::Any) = ps.get(pi) {
        pi += 1;
    }
    pi == ps.len()
}

/// Canonical text of an expression, as ksqlDB's formatter writes it (used for generated
/// column names, matching GROUP BY expressions, EXPLAIN).
pub fn format_expr(e: &Expr) -> String {
    crate::with_stack(|| format_node(e))
}

fn format_node(e: &Expr) -> String {
    match e {
        Expr::Lit(l) => match l {
            Literal::Null => "null".into(),
            Literal::Bool(b) => b.to_string(), // ksqlDB writes `true` in its messages
            Literal::Int(i) => i.to_string(),
            Literal::Bigint(i) => i.to_string(),
            Literal::Decimal(s) => s.clone(),
            Literal::Double(d) => java_double(*d),
            Literal::Str(s) => format!("'{}'", s.replace('\'', "''")),
        },
        Expr::TypedLit(t, s) => format!("{t} '{s}'"),
        Expr::Column { qualifier: Some(q), name } => format!("{q}.{name}"),
        Expr::Column { qualifier: None, name } => name.clone(),
        Expr::Deref(b, f) => format!("{}->{}", format_expr(b), f),
        Expr::Subscript(b, i) => format!("{}[{}]", format_expr(b), format_expr(i)),
        Expr::Neg(x) => format!("-{}", format_expr(x)),
        Expr::Not(x) => format!("(NOT {})", format_expr(x)),
        Expr::Binary(op, a, b) => format!("({} {} {})", format_expr(a), op.symbol(), format_expr(b)),
        Expr::Chain { first, rest } => chain_text(first, rest),
        Expr::IsNull { expr, negated } => {
            format!("({} IS {}NULL)", format_expr(expr), if *negated { "NOT " } else { "" })
        }
        Expr::IsDistinct { left, right, negated } => {
            format!(
                "({} IS {}DISTINCT FROM {})",
                format_expr(left),
                if *negated { "NOT " } else { "" },
                format_expr(right)
            )
        }
        Expr::Like { expr, pattern, negated, .. } => {
            format!("({} {}LIKE {})", format_expr(expr), if *negated { "NOT " } else { "" }, format_expr(pattern))
        }
        Expr::Between { expr, low, high, negated } => format!(
            "({} {}BETWEEN {} AND {})",
            format_expr(expr),
            if *negated { "NOT " } else { "" },
            format_expr(low),
            format_expr(high)
        ),
        Expr::InList { expr, list, negated } => format!(
            "({} {}IN ({}))",
            format_expr(expr),
            if *negated { "NOT " } else { "" },
            list.iter().map(format_expr).collect::<Vec<_>>().join(", ")
        ),
        Expr::Case { operand, whens, else_ } => {
            let mut s = String::from("(CASE");
            if let Some(o) = operand {
                s.push(' ');
                s.push_str(&format_expr(o));
            }
            for (c, v) in whens {
                s.push_str(&format!(" WHEN {} THEN {}", format_expr(c), format_expr(v)));
            }
            if let Some(x) = else_ {
                s.push_str(&format!(" ELSE {}", format_expr(x)));
            }
            s.push_str(" END)");
            s
        }
        Expr::Cast(x, t) => format!("CAST({} AS {})", format_expr(x), t),
        Expr::Call { name, args, star, distinct } => {
            if *star {
                format!("{name}(*)")
            } else {
                format!(
                    "{name}({}{})",
                    if *distinct { "DISTINCT " } else { "" },
                    args.iter().map(format_expr).collect::<Vec<_>>().join(", ")
                )
            }
        }
        Expr::Lambda { params, body } => {
            if params.len() == 1 {
                format!("{} => {}", params[0], format_expr(body))
            } else {
                format!("({}) => {}", params.join(", "), format_expr(body))
            }
        }
        Expr::Array(items) => format!("ARRAY[{}]", items.iter().map(format_expr).collect::<Vec<_>>().join(", ")),
        Expr::Map(items) => format!(
            "MAP({})",
            items.iter().map(|(k, v)| format!("{}:={}", format_expr(k), format_expr(v))).collect::<Vec<_>>().join(", ")
        ),
        Expr::Struct(items) => format!(
            "STRUCT({})",
            items.iter().map(|(k, v)| format!("{k}:={}", format_expr(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The text of a chain as ksqlDB prints the nested binary operations: `((a + b) + c)`.
fn chain_text(first: &Expr, rest: &[(BinOp, Expr)]) -> String {
    let mut s = "(".repeat(rest.len());
    s.push_str(&format_expr(first));
    for (op, x) in rest {
        s.push(' ');
        s.push_str(op.symbol());
        s.push(' ');
        s.push_str(&format_expr(x));
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parser::parse_expression;

    fn eval(text: &str) -> Value {
        let mut scope = Scope::default();
        scope.push(None, "A", SqlType::Integer);
        scope.push(None, "S", SqlType::String);
        scope.push(None, "ARR", SqlType::Array(Box::new(SqlType::Integer)));
        let e = parse_expression(text).unwrap();
        let c = compile(&e, &scope).unwrap_or_else(|m| panic!("{text}: {m}"));
        (c.eval)(&[Value::Int(7), Value::String("hello".into()), Value::Array(vec![Value::Int(1), Value::Int(2)])])
    }

    #[test]
    fn evaluates() {
        assert_eq!(eval("a + 1"), Value::Int(8));
        assert_eq!(eval("a / 0"), Value::Null);
        assert_eq!(eval("a * 2.5"), Value::Decimal(Decimal::new(175, 1)));
        assert_eq!(eval("a > 5 AND s LIKE 'he%'"), Value::Boolean(true));
        assert_eq!(eval("CASE WHEN a IN (1, 7) THEN 'x' ELSE 'y' END"), Value::String("x".into()));
        assert_eq!(eval("arr[2]"), Value::Int(2));
        assert_eq!(eval("arr[-1]"), Value::Int(2));
        assert_eq!(eval("arr[5]"), Value::Null);
        assert_eq!(eval("CAST(a AS STRING) || s"), Value::String("7hello".into()));
        assert_eq!(eval("a BETWEEN 1 AND 10"), Value::Boolean(true));
        assert_eq!(eval("TRANSFORM(arr, x => x * 10)"), Value::Array(vec![Value::Int(10), Value::Int(20)]));
        assert_eq!(eval("REDUCE(arr, 0, (acc, x) => acc + x)"), Value::Int(3));
        // A NULL collection reduces to the initial state.
        assert_eq!(eval("REDUCE(CAST(NULL AS ARRAY<INT>), 4, (acc, x) => acc + x)"), Value::Int(4));
        assert_eq!(eval("NULL IS NULL"), Value::Boolean(true));
        assert_eq!(eval("UCASE(s)"), Value::String("HELLO".into()));
    }

    /// A comparison of columns and literals, and a one-argument function of a column, read
    /// the row in place: the same values as through the general path (an operand that is
    /// an expression), NULLs and both operand orders included.
    #[test]
    fn operands_read_in_place_evaluate_as_expressions_do() {
        let mut scope = Scope::default();
        scope.push(None, "A", SqlType::Integer);
        scope.push(None, "S", SqlType::String);
        scope.push(None, "B", SqlType::Integer);
        scope.push(None, "D", SqlType::Double);
        scope.push(None, "L", SqlType::Bigint);
        let run = |text: &str, row: &[Value]| {
            let c = compile(&parse_expression(text).unwrap(), &scope).unwrap_or_else(|m| panic!("{text}: {m}"));
            (c.eval)(row)
        };
        let rows = [
            [Value::Int(7), Value::String("hello".into()), Value::Int(7), Value::Double(10.0), Value::Bigint(10)],
            [
                Value::Int(-3),
                Value::String("héllo wörld".into()),
                Value::Int(9),
                Value::Double(f64::NAN),
                Value::Bigint(i64::MAX),
            ],
            [Value::Null, Value::Null, Value::Int(1), Value::Null, Value::Null],
            [Value::Int(i32::MIN), Value::String("x".into()), Value::Int(-1), Value::Double(-0.0), Value::Bigint(-1)],
        ];
        // `(A + 0)` and `(D * 1)` are the same values through the general evaluators.
        let pairs = [
            ("A", "5", "(A + 0)", "5"),
            ("5", "A", "5", "(A + 0)"),
            ("A", "B", "(A + 0)", "(B + 0)"),
            ("D", "10", "(D * 1)", "10"),
            ("10", "D", "10", "(D * 1)"),
            ("D", "A", "(D * 1)", "(A + 0)"),
            ("L", "D", "(L + 0)", "(D * 1)"),
            ("L", "10", "(L + 0)", "10"),
        ];
        let strings = [("S", "'hello'", "SUBSTRING(S, 1)", "'hello'"), ("'m'", "S", "'m'", "SUBSTRING(S, 1)")];
        for row in &rows {
            for (l, r, general_l, general_r) in pairs.iter().chain(&strings) {
                for op in ["=", "<>", "<", "<=", ">", ">="] {
                    let (fast, general) = (format!("{l} {op} {r}"), format!("{general_l} {op} {general_r}"));
                    assert_eq!(run(&fast, row), run(&general, row), "{fast} on {row:?}");
                }
            }
            for (l, r, general_l, general_r) in &pairs {
                for op in ["+", "-", "*", "/", "%"] {
                    let (fast, general) = (format!("{l} {op} {r}"), format!("{general_l} {op} {general_r}"));
                    // Debug text tells -0.0 from 0.0 and shows NaN, which `==` cannot.
                    let (got, want) = (format!("{:?}", run(&fast, row)), format!("{:?}", run(&general, row)));
                    assert_eq!(got, want, "{fast} on {row:?}");
                }
            }
            assert_eq!(run("UCASE(S)", row), run("UCASE(SUBSTRING(S, 1))", row), "{row:?}");
            assert_eq!(run("ABS(A)", row), run("ABS(A + 0)", row), "{row:?}");
        }
        assert_eq!(run("S = 'hello'", &rows[0]), Value::Boolean(true));
        assert_eq!(run("A > 5", &rows[2]), Value::Boolean(false), "a NULL operand compares false");
        assert_eq!(run("D = D", &rows[1]), Value::Boolean(false), "NaN = NaN is false");
        assert_eq!(run("D >= D", &rows[1]), Value::Boolean(true), "NaN >= NaN is true");
        assert_eq!(run("A / B", &rows[3]), Value::Int(i32::MIN), "Java's Integer.MIN_VALUE / -1");
    }

    /// Array constructors type a numeric string literal as ksqlDB's coercion does.
    #[test]
    fn array_literals_widen_as_ksqldb() {
        // A string literal written as a decimal widens integer items to DECIMAL.
        let widened = eval("ARRAY[NULL, 10, '2e1', a]");
        assert_eq!(
            widened,
            Value::Array(vec![
                Value::Null,
                Value::Decimal(Decimal::new(10, 0)),
                Value::Decimal(Decimal::new(20, 0)),
                Value::Decimal(Decimal::new(7, 0))
            ])
        );
        assert_eq!(eval("ARRAY[1, '2', a]"), Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(7)]));
    }

    /// A comparison with a bare NULL is refused as ksqlDB refuses it, with the base types.
    #[test]
    fn comparison_with_null_refused() {
        let mut scope = Scope::default();
        scope.push(None, "A", SqlType::Decimal { precision: Some(4), scale: Some(2) });
        for (text, message) in [
            ("a = NULL", "Comparison with NULL not supported: DECIMAL = NULL"),
            ("NULL < a", "Comparison with NULL not supported: NULL < DECIMAL"),
            ("NULL = NULL", "Comparison with NULL not supported: NULL = NULL"),
        ] {
            let e = parse_expression(text).unwrap();
            let err = compile(&e, &scope).err().unwrap_or_else(|| panic!("{text} compiled"));
            assert_eq!(err, format!("{message}\nUse 'IS NULL' or 'IS NOT NULL' instead."), "{text}");
        }
        assert!(compile(&parse_expression("a IS NULL").unwrap(), &scope).is_ok());
    }

    /// Arithmetic on a NULL inside a lambda throws in ksqlDB's generated Java, so the whole
    /// call is NULL; outside lambdas, and in a lambda that does no arithmetic on it, NULL flows.
    #[test]
    fn null_arithmetic_in_a_lambda_nulls_the_call() {
        assert_eq!(eval("TRANSFORM(ARRAY[1, NULL], x => x + 5)"), Value::Null);
        assert_eq!(eval("FILTER(ARRAY[1, NULL], x => x % 2 = 1)"), Value::Null);
        assert_eq!(eval("REDUCE(ARRAY[1, NULL], 0, (s, x) => s + x)"), Value::Null);
        assert_eq!(
            eval("TRANSFORM(ARRAY[1, NULL], x => x IS NULL)"),
            Value::Array(vec![Value::Boolean(false), Value::Boolean(true)])
        );
        assert_eq!(eval("CAST(NULL AS INT) + a"), Value::Null);
        // An inner call that throws nulls the calls around it too, and nothing after them.
        assert_eq!(eval("TRANSFORM(arr, x => REDUCE(ARRAY[x, NULL], 0, (s, y) => s + y))"), Value::Null);
        assert_eq!(eval("TRANSFORM(arr, x => x * 10)"), Value::Array(vec![Value::Int(10), Value::Int(20)]));
        // Two entries mapped to one key: NULL, as Java's toMap throws.
        assert_eq!(eval("TRANSFORM(MAP('a' := 1, 'b' := 2), (k, v) => 'same', (k, v) => v)"), Value::Null);
        let one = eval("TRANSFORM(MAP('a' := 1), (k, v) => UCASE(k), (k, v) => v + 1)");
        assert_eq!(one, Value::Map(vec![(Value::String("A".into()), Value::Int(2))]));
    }

    #[test]
    fn like_patterns() {
        assert!(like("hello", "h%o", None));
        assert!(like("hello", "h_llo", None));
        assert!(!like("hello", "h_lo", None));
        assert!(like("a%b", "a!%b", Some('!')));
    }

    #[test]
    fn timestamps_written_as_text_for_rowtime() {
        assert_eq!(timestamp_text_ms("2018"), Some(1_514_764_800_000));
        assert_eq!(timestamp_text_ms("2018-01-01T00:00:00.001"), Some(1_514_764_800_001));
        assert_eq!(timestamp_text_ms("2017-12-31T24"), Some(1_514_764_800_000));
        assert_eq!(timestamp_text_ms("2017-12-31T24:00:01"), None);
        assert_eq!(timestamp_text_ms("2019-01-01T00:00:00+0445"), Some(1_546_300_800_000 - 17_100_000));
        assert_eq!(timestamp_text_ms("2019-01-01T04:45:00+04:45"), Some(1_546_300_800_000));
        assert_eq!(timestamp_text_ms("2019-01-01T00:00:00Z"), Some(1_546_300_800_000));
        for bad in ["yesterday", "2019-13", "2019-01-01T00:00:00.0000", "2019-01-01T00:00:00+99"] {
            assert_eq!(timestamp_text_ms(bad), None, "{bad}");
        }
    }

    /// Dividing by a decimal of many places shifts the dividend past 10^38: the quotient
    /// still comes out when it fits (1 / 0.5 as DECIMAL(20, 20) at scale 21 is 2).
    #[test]
    fn decimal_division_past_38_digits_of_shift() {
        let half = Decimal::new(5 * 10i128.pow(19), 20);
        let two = decimal_op(BinOp::Div, Decimal::new(1, 0), half, 38, 21);
        assert_eq!(two, Some(Decimal::new(2 * 10i128.pow(21), 21)));
        let minus = decimal_op(BinOp::Div, Decimal::new(-3, 0), half, 38, 21);
        assert_eq!(minus, Some(Decimal::new(-6 * 10i128.pow(21), 21)));
        // 10^38 / 3 at 21 places: 39 digits, no DECIMAL.
        assert_eq!(decimal_op(BinOp::Div, Decimal::new(10i128.pow(37), 0), half, 38, 21), None);
    }

    proptest::proptest! {
        /// Long division gives what dividing a × 10^shift does, wherever that fits.
        #[test]
        fn long_division_divides(
            a in -10i128.pow(20)..10i128.pow(20),
            b in -10i128.pow(19)..10i128.pow(19),
            shift in 0u32..18,
        ) {
            proptest::prop_assume!(b != 0);
            let direct = times_pow10(a, shift).map(|n| n / b);
            proptest::prop_assert_eq!(long_division(a, b, shift), direct);
        }
    }
}
