//! Comparisons and arithmetic of a numeric column and a literal or another column
//! (`V > 10`, `V * 2`), with what the general evaluators work out for every row settled
//! when the query is compiled: a literal converted to the kind the operation reads it as,
//! the operator chosen. The general evaluators dispatch on each operand's kind (nulls,
//! temporal strings, decimals) and call the operator through a pointer, several times the
//! cost of the operation itself. A value of a kind these evaluators do not expect (a NULL,
//! a column's value of another kind) goes the general way with the operands as written, so
//! every result is the general evaluator's.

use std::cmp::Ordering;
use std::sync::Arc;

use super::integer_arithmetic::integer_arithmetic;
use super::{compare_op, CombineFn, EvalFn, Operand};
use crate::sql::ast::BinOp;
use crate::types::{double_order, SqlType, Value};

/// INT, BIGINT and DOUBLE: the types whose values these evaluators read directly.
fn is_plain_number(t: &Option<SqlType>) -> bool {
    matches!(t, Some(SqlType::Integer | SqlType::Bigint | SqlType::Double))
}

/// An operand as the fast arms read it beside a DOUBLE: an INT or BIGINT literal as its
/// double, the conversion the general evaluators make with `as f64` for every row.
fn as_double(operand: &Operand) -> Operand {
    match operand {
        Operand::Constant(Value::Int(i)) => Operand::Constant(Value::Double(f64::from(*i))),
        Operand::Constant(Value::Bigint(i)) => Operand::Constant(Value::Double(*i as f64)),
        other => other.clone(),
    }
}

/// Whether comparison `op` holds for operands in `order`; `equal` is SQL's `=` of them,
/// which for doubles is not `order == Equal` (NaN = NaN is false, NaN >= NaN true).
fn holds(op: BinOp, order: Ordering, equal: bool) -> bool {
    match op {
        BinOp::Eq => equal,
        BinOp::Ne => !equal,
        BinOp::Lt => order.is_lt(),
        BinOp::Le => order.is_le(),
        BinOp::Gt => order.is_gt(),
        _ => order.is_ge(),
    }
}

/// An INT or BIGINT value as an i64.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        Value::Bigint(i) => Some(*i),
        _ => None,
    }
}

/// Comparison `a op b` of operands of types `ta` and `tb` (read in place: see
/// [`Operand`]), as [`compare_op`] decides it.
pub(super) fn comparison(
    op: BinOp,
    (a, ta): (Operand, &Option<SqlType>),
    (b, tb): (Operand, &Option<SqlType>),
) -> EvalFn {
    if !(is_plain_number(ta) && is_plain_number(tb)) {
        return Arc::new(move |r| compare_op(op, a.of(r), b.of(r)));
    }
    if ta == &Some(SqlType::Double) || tb == &Some(SqlType::Double) {
        let (da, db) = (as_double(&a), as_double(&b));
        return Arc::new(move |r| match (da.of(r), db.of(r)) {
            (Value::Double(x), Value::Double(y)) => Value::Boolean(holds(op, double_order(*x, *y), x == y)),
            _ => compare_op(op, a.of(r), b.of(r)),
        });
    }
    // Two integer types.
    Arc::new(move |r| {
        let (x, y) = (a.of(r), b.of(r));
        match (integer(x), integer(y)) {
            (Some(i), Some(j)) => Value::Boolean(holds(op, i.cmp(&j), i == j)),
            _ => compare_op(op, x, y),
        }
    })
}

/// Arithmetic `a op b` of operands of types `ta` and `tb` with result type `t`; `general`
/// is the operation as [`super::arithmetic`] made it, which decides every result.
pub(super) fn arithmetic(
    op: BinOp,
    (a, ta): (Operand, &Option<SqlType>),
    (b, tb): (Operand, &Option<SqlType>),
    t: &Option<SqlType>,
    general: CombineFn,
) -> EvalFn {
    let is_arithmetic = matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod);
    if !(is_arithmetic && is_plain_number(ta) && is_plain_number(tb)) {
        return Arc::new(move |r| general(a.of(r).clone(), b.of(r).clone()));
    }
    if t == &Some(SqlType::Double) {
        let (da, db) = (as_double(&a), as_double(&b));
        return Arc::new(move |r| match (da.of(r), db.of(r)) {
            (Value::Double(x), Value::Double(y)) => Value::Double(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                _ => x % y,
            }),
            _ => general(a.of(r).clone(), b.of(r).clone()),
        });
    }
    // Two integer types give INT or BIGINT.
    let big = t == &Some(SqlType::Bigint);
    Arc::new(move |r| {
        let (x, y) = (a.of(r), b.of(r));
        let (Some(i), Some(j)) = (integer(x), integer(y)) else { return general(x.clone(), y.clone()) };
        if big {
            integer_arithmetic(op, i, j).map_or(Value::Null, Value::Bigint)
        } else {
            integer_arithmetic(op, i as i32, j as i32).map_or(Value::Null, Value::Int)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPS: [BinOp; 6] = [BinOp::Eq, BinOp::Ne, BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge];
    const ARITHMETIC: [BinOp; 5] = [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div, BinOp::Mod];

    /// Values of each type, with the kinds a column of it may still hold (NULL; another
    /// number kind, which the fast evaluators leave to the general ones).
    fn values(t: &SqlType) -> Vec<Value> {
        let mut v = match t {
            SqlType::Integer => [0, 1, -1, 10, 11, i32::MAX, i32::MIN].map(Value::Int).to_vec(),
            SqlType::Bigint => [0, 10, -7, 1 << 53, (1 << 53) + 1, i64::MAX, i64::MIN].map(Value::Bigint).to_vec(),
            _ => [0.0, -0.0, 10.0, 10.5, -3.25, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 9007199254740993.0]
                .map(Value::Double)
                .to_vec(),
        };
        // Kinds a column of another type could hold, where the fast arms must step aside: an
        // integer a double cannot hold exactly, a decimal a double rounds.
        let decimal = Value::Decimal(crate::types::Decimal::parse("10.00000000000000001").unwrap());
        v.extend([Value::Null, Value::Int(10), Value::Bigint((1 << 53) + 1), Value::Double(2.5), decimal]);
        v
    }

    const TYPES: [SqlType; 3] = [SqlType::Integer, SqlType::Bigint, SqlType::Double];

    /// Each pair of values, as two columns and with either one (of its type) as a literal:
    /// (left, right, which of them are literals).
    fn cases(ta: &SqlType, tb: &SqlType) -> Vec<(Value, Value, [bool; 2])> {
        let of_its_type = |t: &SqlType, v: &Value| {
            matches!(
                (t, v),
                (SqlType::Integer, Value::Int(_))
                    | (SqlType::Bigint, Value::Bigint(_))
                    | (SqlType::Double, Value::Double(_))
            )
        };
        let mut out = Vec::new();
        for x in values(ta) {
            for y in values(tb) {
                for literals in [[false, false], [false, true], [true, false], [true, true]] {
                    if (!literals[0] || of_its_type(ta, &x)) && (!literals[1] || of_its_type(tb, &y)) {
                        out.push((x.clone(), y.clone(), literals));
                    }
                }
            }
        }
        out
    }

    /// The operands of a case: columns 0 and 1 of the row, or the literals.
    fn operands(x: &Value, y: &Value, literals: [bool; 2]) -> (Operand, Operand) {
        let of = |v: &Value, literal: bool, col: usize| {
            if literal {
                Operand::Constant(v.clone())
            } else {
                Operand::Column(col)
            }
        };
        (of(x, literals[0], 0), of(y, literals[1], 1))
    }

    #[test]
    fn comparisons_decide_as_the_general_evaluator() {
        let mut checked = 0;
        for ta in &TYPES {
            for tb in &TYPES {
                for (x, y, literals) in cases(ta, tb) {
                    for op in OPS {
                        let (a, b) = operands(&x, &y, literals);
                        let fast = comparison(op, (a, &Some(ta.clone())), (b, &Some(tb.clone())));
                        let got = fast(&[x.clone(), y.clone()]);
                        assert_eq!(got, compare_op(op, &x, &y), "{x:?} {op:?} {y:?} (literals: {literals:?})");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 5_000, "{checked}");
    }

    #[test]
    fn arithmetic_computes_as_the_general_evaluator() {
        let mut checked = 0;
        for ta in &TYPES {
            for tb in &TYPES {
                for op in ARITHMETIC {
                    let (t, general) = super::super::arithmetic(op, &Some(ta.clone()), &Some(tb.clone())).unwrap();
                    for (x, y, literals) in cases(ta, tb) {
                        let (a, b) = operands(&x, &y, literals);
                        let fast = arithmetic(
                            op,
                            (a, &Some(ta.clone())),
                            (b, &Some(tb.clone())),
                            &Some(t.clone()),
                            general.clone(),
                        );
                        let got = fast(&[x.clone(), y.clone()]);
                        let want = general(x.clone(), y.clone());
                        // Debug text tells -0.0 from 0.0 and shows NaN, which `==` cannot.
                        assert_eq!(
                            format!("{got:?}"),
                            format!("{want:?}"),
                            "{x:?} {op:?} {y:?} (literals: {literals:?})"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 5_000, "{checked}");
    }
}
