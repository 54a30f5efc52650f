//! ksqlDB SQL types and result columns, as they appear in query headers
//! (`` `ID` STRING KEY, `V` DECIMAL(4, 2) ``) and in `columnTypes` of /query-stream.

use std::fmt;

/// A ksqlDB SQL type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlType {
    Boolean,
    Integer,
    Bigint,
    Double,
    /// Precision and scale are absent on servers before 0.17 in DESCRIBE output.
    Decimal { precision: Option<u32>, scale: Option<u32> },
    String,
    Bytes,
    Timestamp,
    Date,
    Time,
    Array(Box<SqlType>),
    /// Key type, value type. DESCRIBE only gives the value type; the key is then STRING.
    Map(Box<SqlType>, Box<SqlType>),
    Struct(Vec<(String, SqlType)>),
    /// A type name this client does not know (a future type, or a custom type alias).
    Other(String),
}

/// What role a column plays in its source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ColumnKind {
    #[default]
    Value,
    Key,
    /// `HEADERS` (all headers) when the key is `None`, `HEADER('k')` otherwise.
    Header(Option<String>),
}

/// One column of a query result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub sql_type: SqlType,
    pub kind: ColumnKind,
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Boolean => f.write_str("BOOLEAN"),
            SqlType::Integer => f.write_str("INTEGER"),
            SqlType::Bigint => f.write_str("BIGINT"),
            SqlType::Double => f.write_str("DOUBLE"),
            SqlType::Decimal { precision: Some(p), scale: Some(s) } => write!(f, "DECIMAL({p}, {s})"),
            SqlType::Decimal { .. } => f.write_str("DECIMAL"),
            SqlType::String => f.write_str("STRING"),
            SqlType::Bytes => f.write_str("BYTES"),
            SqlType::Timestamp => f.write_str("TIMESTAMP"),
            SqlType::Date => f.write_str("DATE"),
            SqlType::Time => f.write_str("TIME"),
            SqlType::Array(t) => write!(f, "ARRAY<{t}>"),
            SqlType::Map(k, v) => write!(f, "MAP<{k}, {v}>"),
            SqlType::Struct(fields) => {
                f.write_str("STRUCT<")?;
                for (i, (name, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{name}` {t}")?;
                }
                f.write_str(">")
            }
            SqlType::Other(name) => f.write_str(name),
        }
    }
}
