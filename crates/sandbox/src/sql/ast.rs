//! The syntax tree of ksqlDB statements. Identifiers are already normalised: unquoted ones
//! upper-cased, quoted ones kept as written.

use crate::types::{time_unit_ms, SqlType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Stream,
    Table,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Stream => "STREAM",
            SourceKind::Table => "TABLE",
        }
    }
    pub fn lower(self) -> &'static str {
        match self {
            SourceKind::Stream => "stream",
            SourceKind::Table => "table",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnConstraint {
    None,
    Key,
    PrimaryKey,
    /// `HEADERS` (all headers) or `HEADER('k')`.
    Headers(Option<String>),
}

#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: String,
    pub ty: SqlType,
    pub constraint: ColumnConstraint,
}

/// A WITH-clause value.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue {
    Str(String),
    Number(String),
    Bool(bool),
}

impl PropValue {
    pub fn as_string(&self) -> String {
        match self {
            PropValue::Str(s) | PropValue::Number(s) => s.clone(),
            PropValue::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Props(pub Vec<(String, PropValue)>);

/// A source's WINDOW_TYPE (upper case) and WINDOW_SIZE in milliseconds, checked as ksqlDB
/// checks them while parsing; None when the source is not windowed.
pub fn source_window_props(props: &Props) -> Result<Option<(String, Option<u64>)>, String> {
    let Some(kind) = props.get_str("WINDOW_TYPE").map(|w| w.to_ascii_uppercase()) else {
        return match props.get_str("WINDOW_SIZE") {
            Some(size) => window_size_ms(&size).map(|_| None),
            None => Ok(None),
        };
    };
    if !matches!(kind.as_str(), "TUMBLING" | "HOPPING" | "SESSION") {
        return Err(format!("Unknown WINDOW_TYPE: {kind}"));
    }
    let size = props.get_str("WINDOW_SIZE").map(|s| window_size_ms(&s)).transpose()?;
    match (kind.as_str(), size) {
        ("SESSION", Some(_)) => Err("'WINDOW_SIZE' should not be set for SESSION windows.".into()),
        ("TUMBLING" | "HOPPING", None) => Err(format!("'WINDOW_SIZE' must be set for {kind} windows.")),
        _ => Ok(Some((kind, size))),
    }
}

/// A WITH clause's WINDOW_SIZE ('30 SECONDS'; a bare number is milliseconds) in milliseconds,
/// or ksqlDB's message for it.
pub fn window_size_ms(text: &str) -> Result<u64, String> {
    let mut parts = text.split_whitespace();
    let n: u64 = parts
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("Configuration WINDOW_SIZE is invalid: Invalid duration: '{text}'. Not a number"))?;
    let unit = parts.next().unwrap_or("MILLISECONDS").to_ascii_uppercase();
    let Some(ms) = time_unit_ms(&unit) else {
        return Err(format!(
            "Configuration WINDOW_SIZE is invalid: Invalid duration: '{text}'. Unknown time unit: '{unit}'"
        ));
    };
    Ok(n * ms as u64)
}

impl Props {
    /// Property by upper-case name.
    pub fn get(&self, name: &str) -> Option<&PropValue> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    pub fn get_str(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.as_string())
    }
}

#[derive(Debug, Clone)]
pub enum Statement {
    CreateSource {
        kind: SourceKind,
        or_replace: bool,
        if_not_exists: bool,
        source: bool,
        name: String,
        columns: Vec<ColumnDef>,
        props: Props,
    },
    CreateAsSelect {
        kind: SourceKind,
        or_replace: bool,
        if_not_exists: bool,
        name: String,
        props: Props,
        query: Box<Query>,
    },
    InsertInto {
        target: String,
        props: Props,
        query: Box<Query>,
    },
    InsertValues {
        target: String,
        columns: Option<Vec<String>>,
        values: Vec<Expr>,
    },
    Drop {
        kind: SourceKind,
        if_exists: bool,
        name: String,
        delete_topic: bool,
    },
    /// `ASSERT [NOT EXISTS] TOPIC name [WITH (PARTITIONS=n, REPLICAS=n)] [TIMEOUT n unit]`.
    AssertTopic {
        exists: bool,
        topic: String,
        props: Props,
        timeout_ms: Option<u64>,
    },
    /// `ASSERT [NOT EXISTS] SCHEMA [SUBJECT name] [ID n] [TIMEOUT n unit]` (at least one of
    /// SUBJECT and ID).
    AssertSchema {
        exists: bool,
        subject: Option<String>,
        id: Option<i32>,
        timeout_ms: Option<u64>,
    },
    /// `ALTER STREAM|TABLE name ADD [COLUMN] col type, ...`: value columns appended.
    Alter {
        kind: SourceKind,
        name: String,
        columns: Vec<(String, SqlType)>,
    },
    DropType {
        if_exists: bool,
        name: String,
    },
    /// CREATE SOURCE|SINK CONNECTOR: `config` keeps keys and values as written.
    CreateConnector {
        source: bool,
        if_not_exists: bool,
        name: String,
        config: Vec<(String, String)>,
    },
    DropConnector {
        if_exists: bool,
        name: String,
    },
    DescribeConnector(String),
    CreateType {
        if_not_exists: bool,
        name: String,
        ty: SqlType,
    },
    Terminate {
        /// None for TERMINATE ALL.
        id: Option<String>,
    },
    Show(Show),
    Describe {
        name: String,
        extended: bool,
    },
    DescribeSources {
        kind: SourceKind,
        extended: bool,
    },
    DescribeFunction(String),
    ExplainQueryId(String),
    Explain(Box<Query>),
    Print {
        topic: String,
        from_beginning: bool,
        interval: Option<u64>,
        limit: Option<u64>,
    },
    Set(String, String),
    Unset(String),
    Define(String, String),
    Undefine(String),
    Query(Box<Query>),
    /// Statements the sandbox recognises but does not run (connectors, ASSERT, ALTER, ...).
    Unsupported(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Streams {
        extended: bool,
    },
    Tables {
        extended: bool,
    },
    Topics {
        extended: bool,
        all: bool,
    },
    Queries {
        extended: bool,
    },
    Properties,
    Functions,
    Types,
    Variables,
    /// SHOW [SOURCE | SINK] CONNECTORS: `source` picks one kind.
    Connectors {
        source: Option<bool>,
    },
}

#[derive(Debug, Clone)]
pub struct Query {
    pub select: Vec<SelectItem>,
    pub from: FromSource,
    pub joins: Vec<Join>,
    pub window: Option<WindowSpec>,
    pub where_: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub partition_by: Vec<Expr>,
    pub having: Option<Expr>,
    /// EMIT CHANGES: a push query.
    pub emit_changes: bool,
    /// EMIT FINAL (suppression of intermediate window results).
    pub emit_final: bool,
    pub limit: Option<u64>,
    /// The text of the whole statement (for SHOW QUERIES, DESCRIBE).
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct FromSource {
    pub name: String,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

#[derive(Debug, Clone)]
pub struct Join {
    pub kind: JoinKind,
    pub source: FromSource,
    /// WITHIN (before, after) in ms, and the GRACE PERIOD if any.
    pub within: Option<(u64, u64, Option<u64>)>,
    pub on: Expr,
}

#[derive(Debug, Clone)]
pub enum SelectItem {
    Star,
    QualifiedStar(String),
    /// `expr->*`: every field of a STRUCT, each a column named after it.
    StructStar(Expr),
    Expr {
        expr: Expr,
        alias: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    Tumbling,
    Hopping,
    Session,
}

#[derive(Debug, Clone)]
pub struct WindowSpec {
    pub kind: WindowKind,
    /// SIZE (tumbling/hopping) or the inactivity gap (session), ms.
    pub size: u64,
    pub advance: Option<u64>,
    pub retention: Option<u64>,
    pub grace: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i32),
    Bigint(i64),
    /// Written with a decimal point and no exponent: DECIMAL, as in ksqlDB.
    Decimal(String),
    Double(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Concat => "||",
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "AND",
            BinOp::Or => "OR",
        }
    }
    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

#[derive(Debug)]
pub enum Expr {
    Lit(Literal),
    Column {
        qualifier: Option<String>,
        name: String,
    },
    /// `expr->field`
    Deref(Box<Expr>, String),
    /// `expr[index]`
    Subscript(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    /// A comparison (`=`, `<>`, `<`, ...). The other operators form [`Expr::Chain`]s.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `first op1 x1 op2 x2 ...`, left-associative: `((first op1 x1) op2 x2)`. The operators
    /// are of one precedence level (OR; AND; `||`; `+ -`; `* / %`). Kept flat, not as nested
    /// binary nodes, so that a 10,000-term `a OR b OR ...` takes no stack frame per term in
    /// the parser, the planner, the compiler or at evaluation. `rest` is never empty.
    Chain {
        first: Box<Expr>,
        rest: Vec<(BinOp, Expr)>,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    IsDistinct {
        left: Box<Expr>,
        right: Box<Expr>,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        escape: Option<char>,
        negated: bool,
    },
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        else_: Option<Box<Expr>>,
    },
    Cast(Box<Expr>, SqlType),
    /// Function call; `star` for COUNT(*).
    Call {
        name: String,
        args: Vec<Expr>,
        star: bool,
        distinct: bool,
    },
    Lambda {
        params: Vec<String>,
        body: Box<Expr>,
    },
    Array(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Struct(Vec<(String, Expr)>),
    /// `INTERVAL`-free time literals are not in ksqlDB; TIMESTAMP/DATE/TIME 'x' literals are.
    TypedLit(SqlType, String),
}

/// Clone as derived, but with stack enough for deep trees: the derived clone takes ~1 KiB
/// of stack per level in a debug build (see [`crate::with_stack`]).
impl Clone for Expr {
    fn clone(&self) -> Self {
        crate::with_stack(|| match self {
            Expr::Lit(l) => Expr::Lit(l.clone()),
            Expr::Column { qualifier, name } => Expr::Column { qualifier: qualifier.clone(), name: name.clone() },
            Expr::Deref(e, f) => Expr::Deref(e.clone(), f.clone()),
            Expr::Subscript(a, b) => Expr::Subscript(a.clone(), b.clone()),
            Expr::Neg(e) => Expr::Neg(e.clone()),
            Expr::Not(e) => Expr::Not(e.clone()),
            Expr::Binary(op, a, b) => Expr::Binary(*op, a.clone(), b.clone()),
            Expr::Chain { first, rest } => Expr::Chain { first: first.clone(), rest: rest.clone() },
            Expr::IsNull { expr, negated } => Expr::IsNull { expr: expr.clone(), negated: *negated },
            Expr::IsDistinct { left, right, negated } => {
                Expr::IsDistinct { left: left.clone(), right: right.clone(), negated: *negated }
            }
            Expr::Like { expr, pattern, escape, negated } => {
                Expr::Like { expr: expr.clone(), pattern: pattern.clone(), escape: *escape, negated: *negated }
            }
            Expr::Between { expr, low, high, negated } => {
                Expr::Between { expr: expr.clone(), low: low.clone(), high: high.clone(), negated: *negated }
            }
            Expr::InList { expr, list, negated } => {
                Expr::InList { expr: expr.clone(), list: list.clone(), negated: *negated }
            }
            Expr::Case { operand, whens, else_ } => {
                Expr::Case { operand: operand.clone(), whens: whens.clone(), else_: else_.clone() }
            }
            Expr::Cast(e, t) => Expr::Cast(e.clone(), t.clone()),
            Expr::Call { name, args, star, distinct } => {
                Expr::Call { name: name.clone(), args: args.clone(), star: *star, distinct: *distinct }
            }
            Expr::Lambda { params, body } => Expr::Lambda { params: params.clone(), body: body.clone() },
            Expr::Array(items) => Expr::Array(items.clone()),
            Expr::Map(items) => Expr::Map(items.clone()),
            Expr::Struct(items) => Expr::Struct(items.clone()),
            Expr::TypedLit(t, s) => Expr::TypedLit(t.clone(), s.clone()),
        })
    }
}

/// The one list of an expression's direct sub-expressions, for both borrow kinds (`iter` for
/// [`Expr::for_each_child`], `iter_mut` for [`Expr::for_each_child_mut`]): match ergonomics give
/// `&` or `&mut` bindings from the same arms.
macro_rules! each_child {
    ($expr:expr, $f:ident, $iter:ident) => {
        match $expr {
            Expr::Lit(_) | Expr::TypedLit(..) | Expr::Column { .. } => {}
            Expr::Deref(b, _) | Expr::Neg(b) | Expr::Not(b) | Expr::Cast(b, _) | Expr::IsNull { expr: b, .. } => $f(b),
            Expr::Subscript(a, b) | Expr::Binary(_, a, b) | Expr::IsDistinct { left: a, right: b, .. } => {
                $f(a);
                $f(b);
            }
            Expr::Chain { first, rest } => {
                $f(first);
                rest.$iter().for_each(|(_, x)| $f(x));
            }
            Expr::Like { expr, pattern, .. } => {
                $f(expr);
                $f(pattern);
            }
            Expr::Between { expr, low, high, .. } => {
                $f(expr);
                $f(low);
                $f(high);
            }
            Expr::InList { expr, list, .. } => {
                $f(expr);
                list.$iter().for_each(&mut *$f);
            }
            Expr::Case { operand, whens, else_ } => {
                if let Some(o) = operand {
                    $f(o);
                }
                for (c, v) in whens {
                    $f(c);
                    $f(v);
                }
                if let Some(x) = else_ {
                    $f(x);
                }
            }
            Expr::Call { args, .. } | Expr::Array(args) => args.$iter().for_each(&mut *$f),
            Expr::Map(items) => items.$iter().for_each(|(k, v)| {
                $f(k);
                $f(v);
            }),
            Expr::Struct(items) => items.$iter().for_each(|(_, v)| $f(v)),
            Expr::Lambda { body, .. } => $f(body),
        }
    };
}

impl Expr {
    pub fn col(name: &str) -> Expr {
        Expr::Column { qualifier: None, name: name.to_string() }
    }

    /// True for `a AND b AND ...`.
    pub fn is_and_chain(&self) -> bool {
        matches!(self, Expr::Chain { rest, .. } if rest.iter().all(|(op, _)| *op == BinOp::And))
    }

    /// Calls `f` on each direct sub-expression, in evaluation (left-to-right) order.
    pub fn for_each_child<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        each_child!(self, f, iter)
    }

    /// Calls `f` with the name of each column the expression reads, at any depth, in order
    /// (a lambda's parameters too, which read like columns).
    pub fn for_each_column<'a>(&'a self, f: &mut dyn FnMut(&'a str)) {
        match self {
            Expr::Column { name, .. } => f(name),
            _ => crate::with_stack(|| self.for_each_child(&mut |c| c.for_each_column(f))),
        }
    }

    /// [`Expr::for_each_child`], with each sub-expression mutable (rewrites in place).
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        each_child!(self, f, iter_mut)
    }
}
