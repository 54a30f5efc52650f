//! Java's integer arithmetic on INT (i32) and BIGINT (i64), as ksqlDB's generated code runs
//! it: +, -, * and / wrap around (`Integer.MIN_VALUE / -1` is `MIN_VALUE`, `% -1` is 0);
//! / and % by zero throw, which ksqlDB logs, and the expression is NULL (`None`).

use crate::sql::ast::BinOp;

/// `a op b` for an arithmetic operator `op`.
pub fn integer_arithmetic<N: JavaInteger>(op: BinOp, a: N, b: N) -> Option<N> {
    match op {
        BinOp::Add => Some(a.wrapping_add(b)),
        BinOp::Sub => Some(a.wrapping_sub(b)),
        BinOp::Mul => Some(a.wrapping_mul(b)),
        BinOp::Div => (!b.is_zero()).then(|| a.wrapping_div(b)),
        _ => (!b.is_zero()).then(|| a.wrapping_rem(b)),
    }
}

/// i32 and i64's wrapping operations (std has no trait for them).
pub trait JavaInteger: Copy {
    fn is_zero(self) -> bool;
    fn wrapping_add(self, b: Self) -> Self;
    fn wrapping_sub(self, b: Self) -> Self;
    fn wrapping_mul(self, b: Self) -> Self;
    fn wrapping_div(self, b: Self) -> Self;
    fn wrapping_rem(self, b: Self) -> Self;
}

macro_rules! java_integer {
    ($t:ty) => {
        impl JavaInteger for $t {
            fn is_zero(self) -> bool {
                self == 0
            }
            fn wrapping_add(self, b: Self) -> Self {
                <$t>::wrapping_add(self, b)
            }
            fn wrapping_sub(self, b: Self) -> Self {
                <$t>::wrapping_sub(self, b)
            }
            fn wrapping_mul(self, b: Self) -> Self {
                <$t>::wrapping_mul(self, b)
            }
            fn wrapping_div(self, b: Self) -> Self {
                <$t>::wrapping_div(self, b)
            }
            fn wrapping_rem(self, b: Self) -> Self {
                <$t>::wrapping_rem(self, b)
            }
        }
    };
}

java_integer!(i32);
java_integer!(i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_wrap_as_java_and_a_division_by_zero_is_null() {
        assert_eq!(integer_arithmetic(BinOp::Add, i32::MAX, 1), Some(i32::MIN));
        assert_eq!(integer_arithmetic(BinOp::Mul, i64::MAX, 2), Some(-2));
        assert_eq!(integer_arithmetic(BinOp::Sub, i32::MIN, 1), Some(i32::MAX));
        assert_eq!(integer_arithmetic(BinOp::Div, i32::MIN, -1), Some(i32::MIN));
        assert_eq!(integer_arithmetic(BinOp::Mod, i64::MIN, -1), Some(0));
        assert_eq!(integer_arithmetic(BinOp::Div, -7, 2), Some(-3), "truncated toward zero");
        assert_eq!(integer_arithmetic(BinOp::Mod, -7, 2), Some(-1), "the dividend's sign");
        assert_eq!(integer_arithmetic(BinOp::Div, 5, 0), None);
        assert_eq!(integer_arithmetic(BinOp::Mod, 5i64, 0), None);
    }
}
