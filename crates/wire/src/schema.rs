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
    Decimal {
        precision: Option<u32>,
        scale: Option<u32>,
    },
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

/// Parses the `schema` string of a `/query` header, e.g.
/// `` `ID` STRING KEY, `WINDOWSTART` BIGINT KEY, `V` DECIMAL(4, 2), `H` BYTES HEADER('k') ``.
///
/// An empty string gives no columns (a header with no value columns is legal).
pub fn parse_schema(s: &str) -> Result<Vec<Column>, String> {
    let mut p = TypeParser::new(s);
    let mut columns = Vec::new();
    p.skip_ws();
    if p.at_end() {
        return Ok(columns);
    }
    loop {
        p.skip_ws();
        let name = p.name()?;
        p.skip_ws();
        let sql_type = p.sql_type()?;
        p.skip_ws();
        let kind = p.column_suffix()?;
        columns.push(Column { name, sql_type, kind });
        p.skip_ws();
        if p.at_end() {
            return Ok(columns);
        }
        p.expect(b',')?;
    }
}

/// Parses one type as written in `/query-stream` `columnTypes` (`"DECIMAL(4, 2)"`,
/// ``"STRUCT<`F1` ARRAY<STRING>>"``). Also accepts the aliases users and old docs write
/// (VARCHAR, INT, bare DECIMAL); unknown names become [`SqlType::Other`].
pub fn parse_type(s: &str) -> Result<SqlType, String> {
    let mut p = TypeParser::new(s);
    p.skip_ws();
    let t = p.sql_type()?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.error("unexpected text after the type"));
    }
    Ok(t)
}

impl SqlType {
    /// Builds a type from a DESCRIBE `SchemaInfo` object:
    /// `{"type":"ARRAY","fields":null,"memberSchema":{...},"parameters":{...}}`.
    /// Never fails: anything it cannot read becomes [`SqlType::Other`].
    pub fn from_schema_info(v: &serde_json::Value) -> SqlType {
        let Some(type_name) = v.get("type").and_then(|t| t.as_str()) else {
            return SqlType::Other(v.to_string());
        };
        match type_name.to_ascii_uppercase().as_str() {
            "ARRAY" => SqlType::Array(Box::new(member_schema(v))),
            // DESCRIBE only serializes the value schema; MAP keys are always strings.
            "MAP" => SqlType::Map(Box::new(SqlType::String), Box::new(member_schema(v))),
            "STRUCT" => {
                let fields = v
                    .get("fields")
                    .and_then(|f| f.as_array())
                    .map(|fields| {
                        fields
                            .iter()
                            .map(|f| {
                                let name = f.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string();
                                let t = f
                                    .get("schema")
                                    .map(SqlType::from_schema_info)
                                    .unwrap_or(SqlType::Other(String::new()));
                                (name, t)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                SqlType::Struct(fields)
            }
            "DECIMAL" => {
                let param = |k: &str| {
                    v.get("parameters")
                        .and_then(|p| p.get(k))
                        .and_then(|n| n.as_u64())
                        .and_then(|n| u32::try_from(n).ok())
                };
                SqlType::Decimal { precision: param("precision"), scale: param("scale") }
            }
            other => simple_type(other).unwrap_or_else(|| SqlType::Other(type_name.to_string())),
        }
    }

    /// The DESCRIBE `SchemaInfo` object of a type, as ksqlDB writes it (the inverse of
    /// [`SqlType::from_schema_info`]): MAP gives only its value type, as ksqlDB does, and a
    /// DECIMAL without parameters ksqlDB's defaults (38, 0).
    pub fn to_schema_info(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            SqlType::Array(e) => json!({"type":"ARRAY","fields":null,"memberSchema":e.to_schema_info()}),
            SqlType::Map(_, v) => json!({"type":"MAP","fields":null,"memberSchema":v.to_schema_info()}),
            SqlType::Struct(f) => {
                let fields: Vec<serde_json::Value> =
                    f.iter().map(|(n, t)| json!({"name":n,"schema":t.to_schema_info()})).collect();
                json!({"type":"STRUCT","fields":fields,"memberSchema":null})
            }
            SqlType::Decimal { precision, scale } => json!({
                "type":"DECIMAL","fields":null,"memberSchema":null,
                "parameters":{"precision":precision.unwrap_or(38),"scale":scale.unwrap_or(0)}
            }),
            other => json!({"type":other.to_string(),"fields":null,"memberSchema":null}),
        }
    }

    /// True for the types whose JSON values are numbers.
    pub fn is_numeric(&self) -> bool {
        matches!(self, SqlType::Integer | SqlType::Bigint | SqlType::Double | SqlType::Decimal { .. })
    }
}

fn member_schema(v: &serde_json::Value) -> SqlType {
    match v.get("memberSchema") {
        Some(m) if !m.is_null() => SqlType::from_schema_info(m),
        _ => SqlType::Other("UNKNOWN".to_string()),
    }
}

/// Types without parameters, by their upper-case name (aliases included).
fn simple_type(upper: &str) -> Option<SqlType> {
    Some(match upper {
        "BOOLEAN" | "BOOL" => SqlType::Boolean,
        "INTEGER" | "INT" => SqlType::Integer,
        "BIGINT" => SqlType::Bigint,
        "DOUBLE" => SqlType::Double,
        "STRING" | "VARCHAR" => SqlType::String,
        "BYTES" => SqlType::Bytes,
        "TIMESTAMP" => SqlType::Timestamp,
        "DATE" => SqlType::Date,
        "TIME" => SqlType::Time,
        _ => return None,
    })
}

/// A small recursive-descent parser over the type grammar of `LogicalSchema.toString`.
struct TypeParser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> TypeParser<'a> {
    fn new(s: &'a str) -> Self {
        TypeParser { s, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn error(&self, what: &str) -> String {
        format!("{what} at position {} in `{}`", self.pos, self.s)
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", b as char)))
        }
    }

    /// A word of letters, digits and underscores.
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// A column or field name: backtick-quoted (a doubled backtick escapes one), or a bare word.
    fn name(&mut self) -> Result<String, String> {
        if self.peek() == Some(b'`') {
            self.pos += 1;
            let mut out = String::new();
            loop {
                let rest = &self.s[self.pos..];
                let Some(i) = rest.find('`') else {
                    return Err(self.error("unterminated backtick name"));
                };
                out.push_str(&rest[..i]);
                self.pos += i + 1;
                if self.peek() == Some(b'`') {
                    out.push('`');
                    self.pos += 1;
                } else {
                    return Ok(out);
                }
            }
        }
        let w = self.word();
        if w.is_empty() {
            Err(self.error("expected a column name"))
        } else {
            Ok(w.to_string())
        }
    }

    fn number(&mut self) -> Result<u32, String> {
        self.skip_ws();
        let w = self.word();
        w.parse::<u32>().map_err(|_| self.error("expected a number"))
    }

    fn sql_type(&mut self) -> Result<SqlType, String> {
        self.skip_ws();
        let word = self.word();
        if word.is_empty() {
            return Err(self.error("expected a type"));
        }
        let upper = word.to_ascii_uppercase();
        match upper.as_str() {
            "ARRAY" => {
                self.expect(b'<')?;
                let t = self.sql_type()?;
                self.expect(b'>')?;
                Ok(SqlType::Array(Box::new(t)))
            }
            "MAP" => {
                self.expect(b'<')?;
                let k = self.sql_type()?;
                self.expect(b',')?;
                let v = self.sql_type()?;
                self.expect(b'>')?;
                Ok(SqlType::Map(Box::new(k), Box::new(v)))
            }
            "STRUCT" => {
                self.expect(b'<')?;
                let mut fields = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'>') {
                    self.pos += 1;
                    return Ok(SqlType::Struct(fields));
                }
                loop {
                    self.skip_ws();
                    let name = self.name()?;
                    let t = self.sql_type()?;
                    fields.push((name, t));
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'>') => {
                            self.pos += 1;
                            return Ok(SqlType::Struct(fields));
                        }
                        _ => return Err(self.error("expected ',' or '>' in STRUCT")),
                    }
                }
            }
            "DECIMAL" => {
                let save = self.pos;
                self.skip_ws();
                if self.peek() == Some(b'(') {
                    self.pos += 1;
                    let precision = self.number()?;
                    self.expect(b',')?;
                    let scale = self.number()?;
                    self.expect(b')')?;
                    Ok(SqlType::Decimal { precision: Some(precision), scale: Some(scale) })
                } else {
                    self.pos = save;
                    Ok(SqlType::Decimal { precision: None, scale: None })
                }
            }
            _ => {
                if let Some(t) = simple_type(&upper) {
                    // `VARCHAR(STRING)` is how the CLI prints strings; accept the decoration.
                    return Ok(t);
                }
                Ok(SqlType::Other(word.to_string()))
            }
        }
    }

    /// The optional ` KEY`, ` HEADERS` or ` HEADER('k')` after a column's type.
    fn column_suffix(&mut self) -> Result<ColumnKind, String> {
        let save = self.pos;
        let word = self.word().to_ascii_uppercase();
        match word.as_str() {
            "" => Ok(ColumnKind::Value),
            "KEY" => Ok(ColumnKind::Key),
            "HEADERS" => Ok(ColumnKind::Header(None)),
            "HEADER" => {
                self.expect(b'(')?;
                self.skip_ws();
                if self.peek() != Some(b'\'') {
                    return Err(self.error("expected a quoted header key"));
                }
                self.pos += 1;
                let mut key = String::new();
                loop {
                    let rest = &self.s[self.pos..];
                    let Some(i) = rest.find('\'') else {
                        return Err(self.error("unterminated header key"));
                    };
                    key.push_str(&rest[..i]);
                    self.pos += i + 1;
                    if self.peek() == Some(b'\'') {
                        key.push('\'');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                self.expect(b')')?;
                Ok(ColumnKind::Header(Some(key)))
            }
            _ => {
                self.pos = save;
                Err(self.error("unexpected text after a column type"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn col(name: &str, t: SqlType, kind: ColumnKind) -> Column {
        Column { name: name.into(), sql_type: t, kind }
    }

    #[test]
    fn parses_key_and_window_columns() {
        let cols = parse_schema("`ID` STRING KEY, `WINDOWSTART` BIGINT KEY, `COUNT` BIGINT").unwrap();
        assert_eq!(
            cols,
            vec![
                col("ID", SqlType::String, ColumnKind::Key),
                col("WINDOWSTART", SqlType::Bigint, ColumnKind::Key),
                col("COUNT", SqlType::Bigint, ColumnKind::Value),
            ]
        );
    }

    #[test]
    fn parses_nested_types_and_headers() {
        let cols = parse_schema(
            "`ID` STRUCT<`F1` STRING, `F2` STRING> KEY, `MYHEADERS` ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>, \
             `HEADER` BYTES HEADER('abc'), `H` ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>> HEADERS, \
             `M` MAP<STRING, ARRAY<INTEGER>>, `D` DECIMAL(10, 2)",
        )
        .unwrap();
        assert_eq!(cols.len(), 6);
        assert_eq!(cols[0].kind, ColumnKind::Key);
        assert_eq!(
            cols[0].sql_type,
            SqlType::Struct(vec![("F1".into(), SqlType::String), ("F2".into(), SqlType::String)])
        );
        assert_eq!(cols[2].kind, ColumnKind::Header(Some("abc".into())));
        assert_eq!(cols[3].kind, ColumnKind::Header(None));
        assert_eq!(
            cols[4].sql_type,
            SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Array(Box::new(SqlType::Integer))))
        );
        assert_eq!(cols[5].sql_type, SqlType::Decimal { precision: Some(10), scale: Some(2) });
        // Display round-trips the nested types.
        assert_eq!(cols[1].sql_type.to_string(), "ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>");
    }

    #[test]
    fn parses_odd_names_and_empty_schema() {
        assert!(parse_schema("").unwrap().is_empty());
        let cols = parse_schema("`a b``c` INTEGER, `KSQL_COL_0` ARRAY<STRING>").unwrap();
        assert_eq!(cols[0].name, "a b`c");
    }

    #[test]
    fn rejects_malformed_schemas_without_panicking() {
        for bad in [
            "`A",
            "`A` ARRAY<",
            "`A` STRUCT<`B`",
            "`A` INTEGER FOO",
            "`A` DECIMAL(1",
            "`A` BIGINT,",
            "`A` BYTES HEADER('x",
        ] {
            assert!(parse_schema(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_column_types() {
        assert_eq!(parse_type("DECIMAL(4, 2)").unwrap(), SqlType::Decimal { precision: Some(4), scale: Some(2) });
        assert_eq!(parse_type("DECIMAL").unwrap(), SqlType::Decimal { precision: None, scale: None });
        assert_eq!(parse_type("VARCHAR").unwrap(), SqlType::String);
        assert_eq!(parse_type("int").unwrap(), SqlType::Integer);
        assert_eq!(parse_type("INTEGER").unwrap(), SqlType::Integer);
        assert_eq!(parse_type("MY_TYPE").unwrap(), SqlType::Other("MY_TYPE".into()));
        assert_eq!(
            parse_type("STRUCT<`F1` ARRAY<STRING>>").unwrap(),
            SqlType::Struct(vec![("F1".into(), SqlType::Array(Box::new(SqlType::String)))])
        );
        assert_eq!(parse_type("STRUCT<>").unwrap(), SqlType::Struct(vec![]));
        assert!(parse_type("ARRAY<STRING").is_err());
        assert!(parse_type("").is_err());
    }

    #[test]
    fn reads_schema_info() {
        let v = json!({
            "type":"STRUCT","fields":[{"name":"a","schema":{"type":"DOUBLE","fields":null,"memberSchema":null}}],
            "memberSchema":null
        });
        assert_eq!(SqlType::from_schema_info(&v), SqlType::Struct(vec![("a".into(), SqlType::Double)]));
        let v = json!({"type":"MAP","fields":null,"memberSchema":{"type":"BIGINT","fields":null,"memberSchema":null}});
        assert_eq!(SqlType::from_schema_info(&v), SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Bigint)));
        let v = json!({"type":"DECIMAL","fields":null,"memberSchema":null,"parameters":{"precision":10,"scale":9}});
        assert_eq!(SqlType::from_schema_info(&v), SqlType::Decimal { precision: Some(10), scale: Some(9) });
        let v = json!({"type":"DECIMAL","fields":null,"memberSchema":null});
        assert_eq!(SqlType::from_schema_info(&v), SqlType::Decimal { precision: None, scale: None });
        assert_eq!(SqlType::from_schema_info(&json!({"type":"GEOMETRY"})), SqlType::Other("GEOMETRY".into()));
        assert!(matches!(SqlType::from_schema_info(&json!(42)), SqlType::Other(_)));
    }

    #[test]
    fn schema_info_round_trips() {
        let nested = SqlType::Struct(vec![
            ("a".into(), SqlType::Array(Box::new(SqlType::Decimal { precision: Some(4), scale: Some(2) }))),
            ("m".into(), SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Timestamp))),
        ]);
        for t in [SqlType::Boolean, SqlType::Bytes, SqlType::Date, SqlType::Time, nested] {
            assert_eq!(SqlType::from_schema_info(&t.to_schema_info()), t);
        }
        let v = json!({"type":"MAP","fields":null,"memberSchema":{"type":"BIGINT","fields":null,"memberSchema":null}});
        assert_eq!(SqlType::from_schema_info(&v).to_schema_info(), v);
        // ksqlDB's defaults stand in for missing DECIMAL parameters.
        let d = SqlType::Decimal { precision: None, scale: None }.to_schema_info();
        assert_eq!(d["parameters"], json!({"precision":38,"scale":0}));
    }
}
