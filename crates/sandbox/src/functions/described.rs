//! The catalog's facts about a function (`ksql_syntax::functions`) in the shape the engine
//! reads: category, description and signature strings as ksqlDB's DESCRIBE FUNCTION writes
//! them, `NAME(arg TYPE, rest TYPE...) => RETURNS`.

use std::collections::HashMap;
use std::sync::OnceLock;

use ksql_syntax::functions::{self, Function, FunctionKind, Signature};

/// What the catalog says about one function.
#[derive(Debug, Clone, Copy)]
pub struct Described {
    pub category: &'static str,
    pub description: &'static str,
    pub signatures: &'static [&'static str],
}

/// The catalog's entry for an implemented function. A name missing from the catalog (a unit
/// test keeps that from happening) gets empty text rather than a panic inside the server.
pub fn described(kind: FunctionKind, name: &str) -> Described {
    let missing = Described { category: "", description: "", signatures: &[] };
    let Some(f) = functions::find_kind(kind, name) else { return missing };
    Described { category: f.category, description: f.description, signatures: signature_text(f) }
}

/// The signature strings of `f`, rendered once for the whole catalog. The engine keeps
/// `&'static` references, so the rendered table lives as long as the process.
fn signature_text(f: &'static Function) -> &'static [&'static str] {
    static TEXT: OnceLock<HashMap<(FunctionKind, &'static str), &'static [&'static str]>> = OnceLock::new();
    let text = TEXT.get_or_init(|| {
        functions::all()
            .iter()
            .map(|f| {
                let lines: Vec<&'static str> =
                    f.signatures.iter().map(|s| &*Box::leak(describe_signature(f.name, s).into_boxed_str())).collect();
                ((f.kind, f.name), &*Box::leak(lines.into_boxed_slice()))
            })
            .collect()
    });
    text.get(&(f.kind, f.name)).copied().unwrap_or(&[])
}

/// One signature as DESCRIBE FUNCTION text. The engine splits the arguments at ", ", so a
/// comma inside a type (`MAP<STRING, T>`) is written without its space.
fn describe_signature(name: &str, s: &Signature) -> String {
    let rendered = s.render(name, "=>");
    let mut out = String::with_capacity(rendered.len());
    let mut depth = 0usize;
    let mut chars = rendered.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(c);
        if c == ',' && depth > 0 && chars.peek() == Some(&' ') {
            chars.next();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_in_describe_function_form() {
        let lpad = described(FunctionKind::Scalar, "LPAD");
        assert_eq!(lpad.category, "STRING");
        assert_eq!(
            lpad.signatures,
            [
                "LPAD(input STRING, targetLen INT, padding STRING) => STRING",
                "LPAD(input BYTES, targetLen INT, padding BYTES) => BYTES"
            ]
        );
        let keys = described(FunctionKind::Scalar, "MAP_KEYS");
        assert_eq!(keys.signatures, ["MAP_KEYS(input MAP<STRING,T>) => ARRAY<STRING>"]);
        let concat = described(FunctionKind::Scalar, "CONCAT");
        assert_eq!(concat.signatures[0], "CONCAT(inputs STRING...) => STRING");
        assert!(described(FunctionKind::Aggregate, "LPAD").signatures.is_empty());
    }
}
