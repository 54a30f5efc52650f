//! Scalar functions: MASK and its left/right forms, by ksqlDB's rules: upper-case letters
//! become 'X', lower-case 'x', digits 'n' and anything else '-', unless the call gives its
//! own mask characters (one character each; NULL keeps that class of characters as it is).

use super::*;

pub(super) fn functions() -> Vec<ScalarImpl> {
    vec![
        f!("MASK", |a| if a.len() == 1 || a.len() == 5 { strs(a, 1..=5, SqlType::String) } else { no() }, |a, _| {
            masked(a, 1, |_| (0, usize::MAX))
        }),
        f!("MASK_LEFT", ranged_type, |a, _| masked(a, 2, |n| (0, n))),
        f!("MASK_KEEP_LEFT", ranged_type, |a, _| masked(a, 2, |n| (n, usize::MAX))),
        f!("MASK_RIGHT", ranged_type, |a, _| masked_from_end(a, false)),
        f!("MASK_KEEP_RIGHT", ranged_type, |a, _| masked_from_end(a, true)),
    ]
}

/// `(input, count)` or `(input, count, upper, lower, digit, other)`.
fn ranged_type(a: Types) -> Result<Option<SqlType>, String> {
    if (a.len() == 2 || a.len() == 6) && is_str(a, 0) && is_int(a, 1) && (2..a.len()).all(|i| is_str(a, i)) {
        ok(SqlType::String)
    } else {
        no()
    }
}

/// The four mask characters, from the arguments after `first` (all defaults when absent).
/// None for a mask that is not one character (ksqlDB raises an error: the value is NULL).
fn masks(a: &[Value], first: usize) -> Option<[Option<char>; 4]> {
    if a.len() <= first {
        return Some([Some('X'), Some('x'), Some('n'), Some('-')]);
    }
    let mut out = [None; 4];
    for (slot, value) in out.iter_mut().zip(&a[first..]) {
        *slot = match value.as_str() {
            None => None,
            Some(text) => {
                let mut chars = text.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                Some(c)
            }
        };
    }
    Some(out)
}

/// One character masked. (Java's letter and digit categories; `is_numeric` is a little
/// wider than Java's decimal digits.)
fn mask_char(c: char, masks: &[Option<char>; 4]) -> char {
    let class = if c.is_uppercase() {
        0
    } else if c.is_lowercase() {
        1
    } else if c.is_numeric() {
        2
    } else {
        3
    };
    masks[class].unwrap_or(c)
}

/// Masks the characters whose index is in the range `span(count)` (the count argument, when
/// `masks_from` is 2).
fn masked(a: &[Value], masks_from: usize, span: impl Fn(usize) -> (usize, usize)) -> Value {
    let Some(input) = a[0].as_str() else { return Value::Null };
    let count = match masks_from {
        2 => match a[1].as_i64() {
            Some(n) if n >= 0 => n as usize,
            _ => return Value::Null, // a negative count is an error in ksqlDB
        },
        _ => 0,
    };
    let Some(masks) = masks(a, masks_from) else { return Value::Null };
    let (start, end) = span(count);
    Value::String(
        input.chars().enumerate().map(|(i, c)| if i >= start && i < end { mask_char(c, &masks) } else { c }).collect(),
    )
}

/// MASK_RIGHT (the last n characters) and MASK_KEEP_RIGHT (all but the last n).
fn masked_from_end(a: &[Value], keep: bool) -> Value {
    let Some(length) = a[0].as_str().map(|x| x.chars().count()) else { return Value::Null };
    masked(a, 2, |n| {
        let boundary = length.saturating_sub(n);
        if keep {
            (0, boundary)
        } else {
            (boundary, usize::MAX)
        }
    })
}
