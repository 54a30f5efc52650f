//! The built-in function catalog as data: for every function its name, kind, category,
//! description and signatures. The kernel's editor help and the sandbox's SHOW FUNCTIONS /
//! DESCRIBE FUNCTION both read it, so the two can no longer disagree. Facts follow ksqlDB's
//! own UDF annotations (`ksqldb-engine/.../function/udf`, `udaf`, `udtf`).
//!
//! The tables are split by category (one file each); every table is sorted by name.

use std::sync::OnceLock;

mod aggregate;
mod collections;
mod datetime;
mod json;
mod math;
mod other;
mod string;
mod table;

/// How a function is used in a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FunctionKind {
    /// One output value per input row.
    Scalar,
    /// Folds many rows into one value per group (used with GROUP BY).
    Aggregate,
    /// Turns one input row into zero or more output rows.
    Table,
}

impl FunctionKind {
    /// Lower case, for prose: "scalar", "aggregate", "table".
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionKind::Scalar => "scalar",
            FunctionKind::Aggregate => "aggregate",
            FunctionKind::Table => "table",
        }
    }
}

/// ksqlDB's function categories, spelled as SHOW FUNCTIONS lists them.
pub mod category {
    pub const AGGREGATE: &str = "AGGREGATE";
    pub const ARRAY: &str = "ARRAY";
    pub const CONDITIONAL: &str = "CONDITIONAL";
    pub const CONVERSIONS: &str = "CONVERSIONS";
    pub const DATE_TIME: &str = "DATE / TIME";
    pub const JSON: &str = "JSON";
    pub const LAMBDA: &str = "LAMBDA";
    pub const MAP: &str = "MAP";
    pub const MATHEMATICAL: &str = "MATHEMATICAL";
    pub const OTHER: &str = "OTHER";
    pub const REGULAR_EXPRESSION: &str = "REGULAR EXPRESSION";
    pub const STRING: &str = "STRING";
    pub const TABLE: &str = "TABLE";
    pub const URL: &str = "URL";
}

/// One built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// Upper case, as ksqlDB lists it.
    pub name: &'static str,
    pub kind: FunctionKind,
    /// One of [`category`].
    pub category: &'static str,
    pub description: &'static str,
    /// The call forms, in ksqlDB's order.
    pub signatures: &'static [Signature],
}

/// One call form: arguments and return type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub args: &'static [Arg],
    /// A ksqlDB type; `T`, `K`, `V`, ... stand for any type (the same letter for the same type).
    pub returns: &'static str,
}

/// One argument of a [`Signature`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    pub name: &'static str,
    /// A ksqlDB type such as `STRING` or `ARRAY<T>`; empty for `COUNT(*)`'s star.
    pub ty: &'static str,
    /// Takes any number of values of `ty` (a Java varargs parameter in ksqlDB).
    pub variadic: bool,
}

impl Signature {
    /// `NAME(arg TYPE, rest TYPE...) <arrow> RETURNS`. The kernel shows `->`, ksqlDB's
    /// DESCRIBE FUNCTION text `=>`.
    pub fn render(&self, name: &str, arrow: &str) -> String {
        let args: Vec<String> = self.args.iter().map(Arg::render).collect();
        format!("{name}({}) {arrow} {}", args.join(", "), self.returns)
    }
}

impl Arg {
    /// `name TYPE`, `name TYPE...` when variadic, just the name when it has no type (`*`).
    pub fn render(&self) -> String {
        match (self.ty, self.variadic) {
            ("", _) => self.name.to_string(),
            (ty, false) => format!("{} {ty}", self.name),
            (ty, true) => format!("{} {ty}...", self.name),
        }
    }
}

/// Every built-in function, sorted by kind (scalar, aggregate, table) and then by name.
pub fn all() -> &'static [Function] {
    static ALL: OnceLock<Vec<Function>> = OnceLock::new();
    ALL.get_or_init(|| {
        let tables = [math::FUNCTIONS, string::FUNCTIONS, datetime::FUNCTIONS, json::FUNCTIONS, collections::FUNCTIONS];
        let tables = tables.into_iter().chain([other::FUNCTIONS, aggregate::FUNCTIONS, table::FUNCTIONS]);
        let mut all: Vec<Function> = tables.flatten().copied().collect();
        all.sort_by_key(|f| (f.kind, f.name));
        all
    })
}

/// A built-in function by name, ignoring case.
pub fn find(name: &str) -> Option<&'static Function> {
    all().iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// A built-in function of the given kind by its upper-case name.
pub fn find_kind(kind: FunctionKind, name: &str) -> Option<&'static Function> {
    all().iter().find(|f| f.kind == kind && f.name == name)
}

// Short constructors that keep the tables readable.

const fn scalar(
    name: &'static str,
    category: &'static str,
    description: &'static str,
    signatures: &'static [Signature],
) -> Function {
    Function { name, kind: FunctionKind::Scalar, category, description, signatures }
}

const fn aggregate(name: &'static str, description: &'static str, signatures: &'static [Signature]) -> Function {
    Function { name, kind: FunctionKind::Aggregate, category: category::AGGREGATE, description, signatures }
}

const fn table(name: &'static str, description: &'static str, signatures: &'static [Signature]) -> Function {
    Function { name, kind: FunctionKind::Table, category: category::TABLE, description, signatures }
}

const fn sig(args: &'static [Arg], returns: &'static str) -> Signature {
    Signature { args, returns }
}

const fn arg(name: &'static str, ty: &'static str) -> Arg {
    Arg { name, ty, variadic: false }
}

const fn variadic(name: &'static str, ty: &'static str) -> Arg {
    Arg { name, ty, variadic: true }
}

/// `COUNT(*)`: the star is written as an argument without a type.
const fn star() -> Arg {
    Arg { name: "*", ty: "", variadic: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_table_is_sorted_by_name() {
        let tables = [
            math::FUNCTIONS,
            string::FUNCTIONS,
            datetime::FUNCTIONS,
            json::FUNCTIONS,
            collections::FUNCTIONS,
            other::FUNCTIONS,
            aggregate::FUNCTIONS,
            table::FUNCTIONS,
        ];
        for t in tables {
            for pair in t.windows(2) {
                assert!(pair[0].name < pair[1].name, "{} / {}", pair[0].name, pair[1].name);
            }
        }
    }

    #[test]
    fn names_unique_and_sorted_per_kind() {
        let mut seen = HashSet::new();
        for f in all() {
            assert!(seen.insert(f.name), "duplicate {}", f.name);
        }
        for pair in all().windows(2) {
            assert!((pair[0].kind, pair[0].name) < (pair[1].kind, pair[1].name), "{} / {}", pair[0].name, pair[1].name);
        }
    }

    #[test]
    fn every_entry_is_complete() {
        let categories = [
            category::AGGREGATE,
            category::ARRAY,
            category::CONDITIONAL,
            category::CONVERSIONS,
            category::DATE_TIME,
            category::JSON,
            category::LAMBDA,
            category::MAP,
            category::MATHEMATICAL,
            category::OTHER,
            category::REGULAR_EXPRESSION,
            category::STRING,
            category::TABLE,
            category::URL,
        ];
        for f in all() {
            assert_eq!(f.name, f.name.to_uppercase());
            assert!(categories.contains(&f.category), "{}: {}", f.name, f.category);
            assert!(!f.description.is_empty(), "{}", f.name);
            assert!(!f.signatures.is_empty(), "{}", f.name);
            for s in f.signatures {
                assert!(!s.returns.is_empty(), "{}", f.name);
                assert!(s.args.iter().all(|a| !a.name.is_empty()), "{}", f.name);
            }
        }
    }

    #[test]
    fn catalog_size_per_kind() {
        let count = |k| all().iter().filter(|f| f.kind == k).count();
        assert!(count(FunctionKind::Scalar) >= 130, "{}", count(FunctionKind::Scalar));
        assert!(count(FunctionKind::Aggregate) >= 18);
        assert_eq!(count(FunctionKind::Table), 2);
    }

    #[test]
    fn lpad_takes_strings_and_bytes() {
        let lpad = find("lpad").unwrap();
        assert_eq!(lpad.category, category::STRING);
        let sigs: Vec<String> = lpad.signatures.iter().map(|s| s.render(lpad.name, "=>")).collect();
        assert_eq!(
            sigs,
            [
                "LPAD(input STRING, targetLen INT, padding STRING) => STRING",
                "LPAD(input BYTES, targetLen INT, padding BYTES) => BYTES"
            ]
        );
    }

    #[test]
    fn renders_variadic_and_star_arguments() {
        let concat = find("CONCAT").unwrap();
        assert_eq!(concat.signatures[0].render(concat.name, "->"), "CONCAT(inputs STRING...) -> STRING");
        let count = find("count").unwrap();
        assert_eq!(count.kind, FunctionKind::Aggregate);
        assert_eq!(count.signatures[0].render(count.name, "->"), "COUNT(*) -> BIGINT");
        assert_eq!(find("explode").unwrap().kind, FunctionKind::Table);
        assert!(find("nope").is_none());
        assert!(find_kind(FunctionKind::Scalar, "COUNT").is_none());
    }
}
