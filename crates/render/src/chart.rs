//! Charts: a query result as a Vega-Lite v5 spec (`application/vnd.vegalite.v5+json`), which
//! JupyterLab, Notebook 7 and VS Code render natively. Pure functions: a [`ChartSpec`] (from
//! a `%chart` line) plus columns and rows give the spec; [`with_chart`] puts it into a
//! result's MIME bundle.
//!
//! JupyterLab picks the richest MIME type by rank, and ranks `text/html` (50) above
//! Vega-Lite (57): a bundle with both would show the table, never the chart. So a chart's
//! bundle keeps `text/plain` (the aligned text table, with the status line of a live view)
//! and `application/vnd.ksqldb+json` as its fallbacks and drops `text/html`.

use super::MimeBundle;
use crate::value::{is_epoch_millis_column, timestamp_has_offset};
use ksql_wire::schema::{Column, SqlType};
use serde_json::{json, Map, Value};

pub const VEGA_LITE_MIME: &str = "application/vnd.vegalite.v5+json";
pub const VEGA_LITE_SCHEMA: &str = "https://vega.github.io/schema/vega-lite/v5.json";
pub const CHART_USAGE: &str = "%chart line|bar|area|point x=COLUMN y=COLUMN [color=COLUMN] [title=\"TEXT\"]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartMark {
    Line,
    Bar,
    Area,
    Point,
}

impl ChartMark {
    pub fn name(self) -> &'static str {
        match self {
            ChartMark::Line => "line",
            ChartMark::Bar => "bar",
            ChartMark::Area => "area",
            ChartMark::Point => "point",
        }
    }

    fn parse(s: &str) -> Option<ChartMark> {
        match s.to_ascii_lowercase().as_str() {
            "line" => Some(ChartMark::Line),
            "bar" => Some(ChartMark::Bar),
            "area" => Some(ChartMark::Area),
            "point" | "scatter" => Some(ChartMark::Point),
            _ => None,
        }
    }
}

/// What a `%chart` line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSpec {
    pub mark: ChartMark,
    pub x: String,
    pub y: String,
    pub color: Option<String>,
    pub title: Option<String>,
}

impl ChartSpec {
    /// Reads the words of a `%chart` line (split like a shell line, quotes removed, so
    /// `title="Rides per minute"` is one word): a mark, then `x=`, `y=`, `color=`, `title=`.
    pub fn from_words(words: Vec<String>) -> Result<ChartSpec, String> {
        let mut mark = None;
        let (mut x, mut y, mut color, mut title) = (None, None, None, None);
        for word in words {
            match word.split_once('=') {
                Some((key, value)) => {
                    let value = value.trim().to_string();
                    if value.is_empty() {
                        return Err(format!("{key}= needs a value\nusage: {CHART_USAGE}"));
                    }
                    match key.trim().to_ascii_lowercase().as_str() {
                        "x" => x = Some(value),
                        "y" => y = Some(value),
                        "color" | "colour" => color = Some(value),
                        "title" => title = Some(value),
                        other => return Err(format!("unknown chart option {other}=\nusage: {CHART_USAGE}")),
                    }
                }
                None if mark.is_none() => {
                    mark = Some(ChartMark::parse(&word).ok_or_else(|| {
                        format!("unknown chart type {word:?}: line, bar, area or point\nusage: {CHART_USAGE}")
                    })?)
                }
                None => return Err(format!("unexpected {word:?}\nusage: {CHART_USAGE}")),
            }
        }
        let missing = |what: &str| format!("%chart needs {what}\nusage: {CHART_USAGE}");
        Ok(ChartSpec {
            mark: mark.ok_or_else(|| missing("a chart type"))?,
            x: x.ok_or_else(|| missing("x=COLUMN"))?,
            y: y.ok_or_else(|| missing("y=COLUMN"))?,
            color,
            title,
        })
    }
}

/// The Vega-Lite type of a column: numbers are quantitative, timestamps (and the epoch
/// milliseconds of ROWTIME/WINDOWSTART/WINDOWEND) temporal, TIME ordinal, the rest nominal.
pub fn field_type(column: &Column) -> &'static str {
    if is_epoch_millis_column(&column.name, &column.sql_type) {
        return "temporal";
    }
    match column.sql_type {
        SqlType::Integer | SqlType::Bigint | SqlType::Double | SqlType::Decimal { .. } => "quantitative",
        SqlType::Timestamp | SqlType::Date => "temporal",
        SqlType::Time => "ordinal",
        _ => "nominal",
    }
}

/// A column name as a Vega-Lite `field`: `.`, `[` and `]` would otherwise mean nested
/// access, so they are escaped with a backslash.
fn field_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '.' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) fn find_column<'a>(columns: &'a [Column], name: &str) -> Result<(usize, &'a Column), String> {
    let wanted = name.trim_matches('`');
    columns
        .iter()
        .enumerate()
        .find(|(_, c)| c.name == wanted)
        .or_else(|| columns.iter().enumerate().find(|(_, c)| c.name.eq_ignore_ascii_case(wanted)))
        .ok_or_else(|| {
            let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            format!("the result has no column {name} (its columns: {})", names.join(", "))
        })
}

/// A value as the chart's data holds it. Numbers keep their exact spelling; TIMESTAMP
/// strings without an offset are UTC in ksqlDB, so they get a `Z` (JavaScript would read
/// them as local time).
fn chart_value(value: &Value, column: &Column) -> Value {
    match (value, &column.sql_type) {
        (Value::String(s), SqlType::Timestamp) if !timestamp_has_offset(s) => Value::String(format!("{s}Z")),
        _ => value.clone(),
    }
}

/// The Vega-Lite spec for `rows` (each row's values in column order). `subtitle` is shown
/// under the title (a live view's status line). Errors name a missing column.
pub fn vega_lite(
    spec: &ChartSpec,
    columns: &[Column],
    rows: &[&[Value]],
    subtitle: Option<&str>,
) -> Result<Value, String> {
    let mut channels: Vec<(&str, usize, &Column)> = Vec::new();
    let (xi, xc) = find_column(columns, &spec.x)?;
    channels.push(("x", xi, xc));
    let (yi, yc) = find_column(columns, &spec.y)?;
    channels.push(("y", yi, yc));
    if let Some(color) = &spec.color {
        let (ci, cc) = find_column(columns, color)?;
        channels.push(("color", ci, cc));
    }
    let values: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut o = Map::new();
            for (_, i, column) in &channels {
                let v = row.get(*i).map(|v| chart_value(v, column)).unwrap_or(Value::Null);
                o.insert(column.name.clone(), v);
            }
            Value::Object(o)
        })
        .collect();
    let mut encoding = Map::new();
    for (channel, _, column) in &channels {
        let ty = field_type(column);
        let mut enc = json!({"field": field_name(&column.name), "type": ty, "title": column.name});
        if ty == "temporal" {
            // Like the tables: timestamps read as UTC, hours on a 24-hour clock (Vega's
            // default labels say "03 PM"), as precise as each tick needs.
            enc["scale"] = json!({"type": "utc"});
            if *channel != "color" {
                enc["title"] = Value::String(format!("{} (UTC)", column.name));
                enc["axis"] = json!({"format": {
                    "year": "%Y", "quarter": "%Y-%m", "month": "%Y-%m", "week": "%Y-%m-%d", "date": "%Y-%m-%d",
                    "hours": "%H:%M", "minutes": "%H:%M", "seconds": "%H:%M:%S", "milliseconds": "%H:%M:%S.%L"
                }});
            }
        }
        if *channel == "y" && spec.mark == ChartMark::Area && spec.color.is_some() {
            // Areas overlap (as the static picture draws them) rather than stack.
            enc["stack"] = Value::Null;
        }
        if *channel == "x" && ty == "nominal" {
            // Categories in the order the rows have them, not sorted by name.
            enc["sort"] = Value::Null;
        }
        encoding.insert((*channel).to_string(), enc);
    }
    let mut mark = json!({"type": spec.mark.name(), "tooltip": true});
    if spec.mark == ChartMark::Line {
        mark["point"] = Value::Bool(true);
    }
    let mut doc = json!({
        "$schema": VEGA_LITE_SCHEMA,
        "width": 480,
        "height": 240,
        "mark": mark,
        "encoding": encoding,
        "data": {"values": values},
    });
    let title = spec.title.clone().unwrap_or_else(|| format!("{} by {}", yc.name, xc.name));
    let mut t = json!({"text": title, "anchor": "start"});
    if let Some(subtitle) = subtitle {
        t["subtitle"] = Value::String(subtitle.to_string());
    }
    doc["title"] = t;
    Ok(doc)
}

/// Turns a result's bundle into a chart's: the Vega-Lite spec, with `text/plain` and
/// `application/vnd.ksqldb+json` kept as fallbacks and `text/html` dropped (see the module
/// docs); a final state also carries the static picture (`image/svg+xml`), which front ends
/// without Vega-Lite show (GitHub, nbviewer, nbconvert). JupyterLab ranks Vega-Lite (57)
/// above SVG (80), so it keeps drawing the interactive chart.
pub fn with_chart(mut bundle: MimeBundle, chart: Value, picture: Option<String>) -> MimeBundle {
    bundle.data.remove("text/html");
    bundle.data.insert(VEGA_LITE_MIME.to_string(), chart);
    if let Some(svg) = picture {
        bundle.data.insert(SVG_MIME.to_string(), Value::String(svg));
    }
    bundle
}

pub const SVG_MIME: &str = "image/svg+xml";

#[cfg(test)]
mod tests {
    use super::*;
    use ksql_wire::schema::ColumnKind;

    fn col(name: &str, t: SqlType) -> Column {
        Column { name: name.into(), sql_type: t, kind: ColumnKind::Value }
    }

    /// Whitespace-split words (the kernel splits like a shell, with quotes).
    impl ChartSpec {
        fn parse(s: &str) -> Result<ChartSpec, String> {
            ChartSpec::from_words(s.split_whitespace().map(str::to_string).collect())
        }
    }

    fn num(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn parses_the_magic_line() {
        let words = ["line", "x=ts", "y=total", "color=id", "title=Rides per minute"];
        let s = ChartSpec::from_words(words.iter().map(|w| w.to_string()).collect()).unwrap();
        assert_eq!(s.mark, ChartMark::Line);
        assert_eq!((s.x.as_str(), s.y.as_str()), ("ts", "total"));
        assert_eq!(s.color.as_deref(), Some("id"));
        assert_eq!(s.title.as_deref(), Some("Rides per minute"));
        assert_eq!(ChartSpec::parse("BAR y=n x=k").unwrap().mark, ChartMark::Bar);
        assert_eq!(ChartSpec::parse("area x=a y=b").unwrap().mark, ChartMark::Area);
        assert_eq!(ChartSpec::parse("point x=a y=b").unwrap().color, None);
        for bad in ["", "line", "line x=a", "pie x=a y=b", "line x=a y=b z=c", "line x= y=b", "line bar x=a y=b"] {
            let e = ChartSpec::parse(bad).unwrap_err();
            assert!(e.contains("usage: %chart"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn field_types_follow_sql_types() {
        assert_eq!(field_type(&col("N", SqlType::Integer)), "quantitative");
        assert_eq!(field_type(&col("N", SqlType::Bigint)), "quantitative");
        assert_eq!(field_type(&col("N", SqlType::Double)), "quantitative");
        assert_eq!(field_type(&col("N", SqlType::Decimal { precision: Some(10), scale: Some(2) })), "quantitative");
        assert_eq!(field_type(&col("TS", SqlType::Timestamp)), "temporal");
        assert_eq!(field_type(&col("D", SqlType::Date)), "temporal");
        assert_eq!(field_type(&col("ROWTIME", SqlType::Bigint)), "temporal");
        assert_eq!(field_type(&col("WINDOWSTART", SqlType::Bigint)), "temporal");
        assert_eq!(field_type(&col("windowend", SqlType::Bigint)), "temporal");
        assert_eq!(field_type(&col("T", SqlType::Time)), "ordinal");
        assert_eq!(field_type(&col("ID", SqlType::String)), "nominal");
        assert_eq!(field_type(&col("B", SqlType::Boolean)), "nominal");
    }

    #[test]
    fn spec_has_exact_values_and_encodings() {
        let columns = vec![
            col("ID", SqlType::String),
            col("WINDOWSTART", SqlType::Bigint),
            col("TOTAL", SqlType::Decimal { precision: Some(20), scale: Some(2) }),
            col("IGNORED", SqlType::String),
        ];
        let r1 = vec![json!("a"), num("1700000000000"), num("12.50"), json!("x")];
        let r2 = vec![json!("b"), num("1700000060000"), num("12345678901234567.89"), json!("y")];
        let r3 = vec![json!("c"), Value::Null, Value::Null];
        let rows: Vec<&[Value]> = vec![&r1, &r2, &r3];
        let spec = ChartSpec::parse("line x=windowstart y=total color=id").unwrap();
        let v = vega_lite(&spec, &columns, &rows, Some("● running · 3 rows")).unwrap();
        assert_eq!(v["$schema"], VEGA_LITE_SCHEMA);
        assert_eq!(v["mark"]["type"], "line");
        assert_eq!(
            v["encoding"]["x"],
            json!({"field": "WINDOWSTART", "type": "temporal", "title": "WINDOWSTART (UTC)", "scale": {"type": "utc"},
                "axis": {"format": {"year": "%Y", "quarter": "%Y-%m", "month": "%Y-%m", "week": "%Y-%m-%d",
                    "date": "%Y-%m-%d", "hours": "%H:%M", "minutes": "%H:%M", "seconds": "%H:%M:%S",
                    "milliseconds": "%H:%M:%S.%L"}}})
        );
        assert_eq!(v["encoding"]["y"]["type"], "quantitative");
        assert_eq!(v["encoding"]["color"]["type"], "nominal");
        assert_eq!(v["title"]["text"], "TOTAL by WINDOWSTART");
        assert_eq!(v["title"]["subtitle"], "● running · 3 rows");
        let values = v["data"]["values"].as_array().unwrap();
        assert_eq!(values.len(), 3);
        // Exact spellings survive (serde_json keeps them with arbitrary_precision).
        let text = serde_json::to_string(&v["data"]).unwrap();
        assert!(text.contains("12.50"), "{text}");
        assert!(text.contains("12345678901234567.89"), "{text}");
        assert!(text.contains("1700000060000"), "{text}");
        assert!(!text.contains("IGNORED"), "only the charted columns");
        assert_eq!(values[2]["TOTAL"], Value::Null);
        assert_eq!(values[2]["WINDOWSTART"], Value::Null);
    }

    #[test]
    fn titles_are_plain_strings_and_fields_escaped() {
        let columns = vec![col("a.b", SqlType::String), col("N", SqlType::Integer)];
        let r = vec![json!("<b>x</b>"), json!(1)];
        let rows: Vec<&[Value]> = vec![&r];
        let words = ["bar", "x=`a.b`", "y=n", "title=<i>Top</i> & \"more\""];
        let spec = ChartSpec::from_words(words.iter().map(|w| w.to_string()).collect()).unwrap();
        let v = vega_lite(&spec, &columns, &rows, None).unwrap();
        assert_eq!(v["title"]["text"], "<i>Top</i> & \"more\"");
        assert!(v["title"].get("subtitle").is_none());
        assert_eq!(v["encoding"]["x"]["field"], "a\\.b");
        assert_eq!(v["encoding"]["x"]["title"], "a.b");
        assert_eq!(v["encoding"]["x"]["sort"], Value::Null);
        assert_eq!(v["data"]["values"][0]["a.b"], "<b>x</b>");
    }

    #[test]
    fn timestamps_read_as_utc() {
        let columns = vec![col("TS", SqlType::Timestamp), col("N", SqlType::Integer)];
        let r1 = vec![json!("2024-01-02T03:04:05.678"), json!(1)];
        let r2 = vec![json!("2024-01-02T03:04:05.678+01:00"), json!(2)];
        let rows: Vec<&[Value]> = vec![&r1, &r2];
        let v = vega_lite(&ChartSpec::parse("point x=ts y=n").unwrap(), &columns, &rows, None).unwrap();
        assert_eq!(v["data"]["values"][0]["TS"], "2024-01-02T03:04:05.678Z");
        assert_eq!(v["data"]["values"][1]["TS"], "2024-01-02T03:04:05.678+01:00");
        assert!(v["mark"].get("point").is_none());
        let columns = vec![col("TS", SqlType::Timestamp), col("N", SqlType::Integer), col("C", SqlType::String)];
        let area = vega_lite(&ChartSpec::parse("area x=ts y=n color=c").unwrap(), &columns, &rows, None).unwrap();
        assert_eq!(area["encoding"]["y"]["stack"], Value::Null);
        assert!(area["encoding"]["y"].as_object().unwrap().contains_key("stack"));
    }

    #[test]
    fn missing_columns_are_named() {
        let columns = vec![col("ID", SqlType::String)];
        let e = vega_lite(&ChartSpec::parse("bar x=id y=nope").unwrap(), &columns, &[], None).unwrap_err();
        assert!(e.contains("no column nope") && e.contains("ID"), "{e}");
    }

    #[test]
    fn chart_bundle_keeps_text_fallbacks() {
        let b = MimeBundle::plain("table")
            .with("text/html", json!("<table></table>"))
            .with(crate::JSON_MIME, json!({"rows": []}));
        let b = with_chart(b, json!({"mark": "bar"}), Some("<svg/>".into()));
        assert_eq!(b.data[SVG_MIME], "<svg/>");
        assert!(b.data.contains_key(VEGA_LITE_MIME));
        assert!(b.data.contains_key("text/plain"));
        assert!(b.data.contains_key("application/vnd.ksqldb+json"));
        assert!(!b.data.contains_key("text/html"));
    }
}
