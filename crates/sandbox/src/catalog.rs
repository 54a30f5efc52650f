//! The metastore: streams and tables (schema, topic, formats), custom types, and the
//! metadata of persistent queries.

use std::collections::BTreeMap;

use super::sql::ast::SourceKind;
use super::sql::parser::MAX_NESTING;
use super::topics::Format;
use super::types::SqlType;

#[derive(Debug, Clone, PartialEq)]
pub enum ColKind {
    Key,
    Value,
    Header(Option<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub kind: ColKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowType {
    Tumbling,
    Hopping,
    Session,
}

impl WindowType {
    pub fn name(self) -> &'static str {
        match self {
            WindowType::Tumbling => "TUMBLING",
            WindowType::Hopping => "HOPPING",
            WindowType::Session => "SESSION",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub kind: SourceKind,
    /// Key columns first, then value and header columns, in declaration order.
    pub columns: Vec<Column>,
    pub topic: String,
    pub key_format: Format,
    pub value_format: Format,
    /// WRAP_SINGLE_VALUE; None = default (wrapped, except KAFKA).
    pub wrap_single_value: Option<bool>,
    pub timestamp_column: Option<String>,
    pub timestamp_format: Option<String>,
    pub window: Option<(WindowType, Option<u64>)>,
    /// CREATE SOURCE: read-only.
    pub read_only: bool,
    pub statement: String,
    /// The persistent query that writes this source (CSAS/CTAS).
    pub writer_query: Option<String>,
}

impl Source {
    pub fn key_columns(&self) -> Vec<(String, SqlType)> {
        self.columns.iter().filter(|c| c.kind == ColKind::Key).map(|c| (c.name.clone(), c.ty.clone())).collect()
    }
    pub fn value_columns(&self) -> Vec<(String, SqlType)> {
        self.columns.iter().filter(|c| c.kind == ColKind::Value).map(|c| (c.name.clone(), c.ty.clone())).collect()
    }
    pub fn value_wrapped(&self) -> bool {
        match self.wrap_single_value {
            Some(w) => w || self.value_columns().len() != 1,
            None => self.value_format != Format::Kafka,
        }
    }
    pub fn is_windowed(&self) -> bool {
        self.window.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct QueryInfo {
    pub id: String,
    pub sql: String,
    pub sink: Option<String>,
    pub sink_topic: Option<String>,
    pub sources: Vec<String>,
    pub state: String,
    pub errors: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Catalog {
    pub sources: BTreeMap<String, Source>,
    pub types: BTreeMap<String, SqlType>,
}

impl Catalog {
    pub fn get(&self, name: &str) -> Option<&Source> {
        self.sources.get(name)
    }

    /// Resolves custom type names (CREATE TYPE) inside a type. Types that nest deeper than
    /// expressions may (custom types within custom types) are refused: later passes recurse
    /// once per level.
    pub fn resolve_type(&self, t: &SqlType) -> Result<SqlType, String> {
        let resolved = self.resolve_names(t)?;
        if type_depth(&resolved) > MAX_NESTING {
            return Err(format!("Type nesting is deeper than the sandbox's limit of {MAX_NESTING} levels"));
        }
        Ok(resolved)
    }

    fn resolve_names(&self, t: &SqlType) -> Result<SqlType, String> {
        Ok(match t {
            SqlType::Other(n) => match self.types.get(&n.to_ascii_uppercase()).or_else(|| self.types.get(n)) {
                Some(t) => t.clone(),
                None if n.eq_ignore_ascii_case("NULL") => return Err("Syntax Error: NULL is not a type".into()),
                None => return Err(format!("Can't find type {n}")),
            },
            SqlType::Array(e) => SqlType::Array(Box::new(self.resolve_names(e)?)),
            SqlType::Map(k, v) => SqlType::Map(Box::new(self.resolve_names(k)?), Box::new(self.resolve_names(v)?)),
            SqlType::Struct(f) => SqlType::Struct(
                f.iter().map(|(n, t)| Ok((n.clone(), self.resolve_names(t)?))).collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// Levels of a type: 1 for a primitive, 2 for ARRAY<INT>, ...
fn type_depth(t: &SqlType) -> usize {
    1 + match t {
        SqlType::Array(e) => type_depth(e),
        SqlType::Map(k, v) => type_depth(k).max(type_depth(v)),
        SqlType::Struct(fields) => fields.iter().map(|(_, t)| type_depth(t)).max().unwrap_or(0),
        _ => 0,
    }
}
