//! A `%chart` as a static SVG picture (`image/svg+xml`), drawn with plotters' SVG backend:
//! what a saved notebook shows where Vega-Lite is not rendered (GitHub, nbviewer, nbconvert).
//! Same marks, axes and colours as the Vega-Lite spec; times on a 24-hour UTC axis like the
//! tables; a legend for `color=`. Text is SVG `<text>` (escaped by the backend), with no
//! script, font file or outside resource.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;

use super::chart::{field_type, find_column, ChartMark, ChartSpec};
use ksql_wire::schema::Column;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 360;
const FONT: &str = "sans-serif";
/// Vega-Lite's default category colours (the `tableau10` scheme), so both pictures agree.
const PALETTE: [(u8, u8, u8); 10] = [
    (0x4c, 0x78, 0xa8),
    (0xf5, 0x85, 0x18),
    (0xe4, 0x57, 0x56),
    (0x72, 0xb7, 0xb2),
    (0x54, 0xa2, 0x4b),
    (0xee, 0xca, 0x3b),
    (0xb2, 0x79, 0xa2),
    (0xff, 0x9d, 0xa6),
    (0x9d, 0x75, 0x5d),
    (0xba, 0xb0, 0xac),
];
/// Series drawn at most; the rest are left out and the legend says so.
const MAX_SERIES: usize = 20;
/// Category labels written at most under the x axis (every k-th when there are more).
const MAX_CATEGORY_LABELS: usize = 24;
/// Values beyond this magnitude are not drawn (left out like NULLs): plotters' tick search
/// does not end on ranges near f64's limits.
const MAX_MAGNITUDE: f64 = 1e100;

/// How the x values are placed.
enum XAxis {
    /// Epoch milliseconds, labelled as UTC times.
    Time,
    Number,
    /// Categories in the order the rows have them, placed at 0, 1, 2, ...
    Categories(Vec<String>),
}

struct Series {
    name: String,
    points: Vec<(f64, f64)>,
}

/// The picture of `rows` (each row's values in column order) as SVG text; `subtitle` goes
/// under the title. Errors say why there is no picture (the Vega-Lite chart stays).
pub fn chart_svg(
    spec: &ChartSpec,
    columns: &[Column],
    rows: &[&[Value]],
    subtitle: Option<&str>,
) -> Result<String, String> {
    let (xi, xc) = find_column(columns, &spec.x)?;
    let (yi, yc) = find_column(columns, &spec.y)?;
    if field_type(yc) != "quantitative" {
        return Err(format!("the picture needs a numeric y ({} is {})", yc.name, yc.sql_type));
    }
    let color = match &spec.color {
        Some(c) => Some(find_column(columns, c)?.0),
        None => None,
    };
    let mut axis = match field_type(xc) {
        "temporal" => XAxis::Time,
        "quantitative" => XAxis::Number,
        _ => XAxis::Categories(Vec::new()),
    };
    let mut series: Vec<Series> = Vec::new();
    let mut left_out = 0usize;
    for row in rows {
        let (Some(x), Some(y)) = (row.get(xi).and_then(|v| x_position(v, &mut axis)), row.get(yi).and_then(number))
        else {
            continue;
        };
        let name = color.and_then(|c| row.get(c)).map(label).unwrap_or_default();
        match series.iter().position(|s| s.name == name) {
            Some(i) => series[i].points.push((x, y)),
            None if series.len() < MAX_SERIES => series.push(Series { name, points: vec![(x, y)] }),
            None => left_out += 1,
        }
    }
    let title = spec.title.clone().unwrap_or_else(|| format!("{} by {}", yc.name, xc.name));
    let x_title = match axis {
        XAxis::Time => format!("{} (UTC)", xc.name),
        _ => xc.name.clone(),
    };
    let color_name = color.map(|c| columns[c].name.clone()).unwrap_or_default();
    let titles = Titles { title: &title, subtitle, x: &x_title, y: &yc.name, color: &color_name };
    let mut svg = String::new();
    draw(&mut svg, spec, &axis, &series, titles, color.is_some(), left_out)
        .map_err(|e| format!("the picture could not be drawn: {e}"))?;
    Ok(svg)
}

struct Titles<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    x: &'a str,
    y: &'a str,
    color: &'a str,
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(
    out: &mut String,
    spec: &ChartSpec,
    axis: &XAxis,
    series: &[Series],
    titles: Titles,
    legend: bool,
    left_out: usize,
) -> DrawResult {
    let stacked = spec.mark == ChartMark::Bar;
    let from_zero = spec.mark != ChartMark::Line && spec.mark != ChartMark::Point;
    let (x_range, y_range) = ranges(axis, series, stacked, from_zero);
    if ![x_range.start, x_range.end, y_range.start, y_range.end].iter().all(|v| v.is_finite()) {
        return Err("the values span no drawable range".into());
    }
    let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.margin(8, 8, 12, 12);
    let (header, body) = root.split_vertically(if titles.subtitle.is_some() { 44 } else { 28 });
    header.draw(&Text::new(printable(titles.title), (0, 0), (FONT, 17).into_font().color(&BLACK)))?;
    if let Some(subtitle) = titles.subtitle {
        header.draw(&Text::new(
            printable(subtitle),
            (0, 22),
            (FONT, 12).into_font().color(&RGBColor(110, 110, 110)),
        ))?;
    }
    let mut chart = ChartBuilder::on(&body)
        .margin_right(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range.clone(), y_range)?;
    let time_format = time_format(x_range.end - x_range.start);
    // Categories and times get their own labels (below): plotters' ticks are round numbers,
    // and round milliseconds are not round times.
    let x_labels = match axis {
        XAxis::Number => 7,
        _ => 0,
    };
    chart
        .configure_mesh()
        .x_desc(printable(titles.x))
        .y_desc(printable(titles.y))
        .x_labels(x_labels)
        .y_labels(6)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(220, 220, 220))
        .x_label_formatter(&|v: &f64| number_label(*v))
        .y_label_formatter(&|v: &f64| number_label(*v))
        .draw()?;
    if let XAxis::Time = axis {
        let (base, top) = (chart.y_range().start, chart.y_range().end);
        let ticks = time_ticks(x_range.start, x_range.end);
        let grid = RGBColor(236, 236, 236);
        chart.draw_series(ticks.iter().map(|&t| PathElement::new(vec![(t, base), (t, top)], grid)))?;
        let style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        chart.draw_series(ticks.iter().map(|&t| {
            EmptyElement::at((t, base))
                + PathElement::new(vec![(0, 0), (0, 5)], BLACK)
                + Text::new(utc_label(t, time_format), (0, 8), style.clone())
        }))?;
    }
    if let XAxis::Categories(names) = axis {
        let step = names.len().div_ceil(MAX_CATEGORY_LABELS).max(1);
        let base = chart.y_range().start;
        let style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        chart.draw_series(names.iter().enumerate().step_by(step).map(|(i, name)| {
            EmptyElement::at((i as f64, base)) + Text::new(printable(&shorten(name, 16)), (0, 6), style.clone())
        }))?;
    }
    let bar_width = bar_width(axis, series);
    // Stacked bars: each x's running totals above and below zero, by x position (like
    // Vega-Lite, negative values stack downwards from zero).
    let mut stack: Vec<(f64, f64, f64)> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        let color = RGBColor(r, g, b);
        let mut points = s.points.clone();
        if !matches!(axis, XAxis::Categories(_)) {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let drawn = match spec.mark {
            ChartMark::Line => {
                chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?;
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?
            }
            ChartMark::Point => chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.stroke_width(2))))?,
            ChartMark::Area => {
                chart.draw_series(AreaSeries::new(points.iter().copied(), 0.0, color.mix(0.35)).border_style(color))?
            }
            ChartMark::Bar => chart.draw_series(points.iter().map(|&(x, y)| {
                let i = match stack.iter().position(|(sx, _, _)| *sx == x) {
                    Some(i) => i,
                    None => {
                        stack.push((x, 0.0, 0.0));
                        stack.len() - 1
                    }
                };
                let total = if y >= 0.0 { &mut stack[i].1 } else { &mut stack[i].2 };
                let base = *total;
                *total += y;
                Rectangle::new([(x - bar_width / 2.0, base), (x + bar_width / 2.0, base + y)], color.filled())
            }))?,
        };
        if legend {
            drawn
                .label(printable(&shorten(&s.name, 24)))
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
        }
    }
    if legend && !series.is_empty() {
        chart
            .configure_series_labels()
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
    }
    if left_out > 0 {
        body.draw(&Text::new(
            format!("{left_out} rows of further {} series not drawn", printable(titles.color)),
            (70, 0),
            (FONT, 11).into_font().color(&RGBColor(110, 110, 110)),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// The x and y ranges: the data's, padded; bars and areas start at zero; stacked bars
/// reach their highest total.
fn ranges(
    axis: &XAxis,
    series: &[Series],
    stacked: bool,
    from_zero: bool,
) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let points = || series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (mut y0, mut y1) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
    if stacked {
        // Positive and negative values stack apart (see `draw`).
        let mut totals: Vec<(f64, f64, f64)> = Vec::new();
        for &(x, y) in points() {
            let i = match totals.iter().position(|t| t.0 == x) {
                Some(i) => i,
                None => {
                    totals.push((x, 0.0, 0.0));
                    totals.len() - 1
                }
            };
            if y >= 0.0 {
                totals[i].1 += y;
            } else {
                totals[i].2 += y;
            }
        }
        y1 = totals.iter().map(|t| t.1).fold(y1, f64::max);
        y0 = totals.iter().map(|t| t.2).fold(y0, f64::min);
    }
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if from_zero {
        y0 = y0.min(0.0);
        y1 = y1.max(0.0);
    }
    let x_pad = match axis {
        XAxis::Categories(_) => 0.5,
        _ if x1 > x0 => (x1 - x0) * 0.03,
        _ => 1.0,
    };
    let x_pad = if matches!(axis, XAxis::Categories(_)) { x_pad } else { x_pad.max(bar_width(axis, series)) };
    let y_pad = if y1 > y0 { (y1 - y0) * 0.06 } else { 1.0 };
    let y_low = if from_zero && y0 == 0.0 { 0.0 } else { y0 - y_pad };
    (widened(x0 - x_pad, x1 + x_pad), widened(y_low, y1 + y_pad))
}

/// A range wide enough to tell its ends apart in f64 (a pad of 1 vanishes at 1e20).
fn widened(start: f64, end: f64) -> std::ops::Range<f64> {
    let magnitude = start.abs().max(end.abs());
    let least = (magnitude * 1e-9).max(1e-9);
    if end - start >= least {
        start..end
    } else {
        let middle = start / 2.0 + end / 2.0;
        (middle - magnitude * 1e-6 - 1.0)..(middle + magnitude * 1e-6 + 1.0)
    }
}

/// Bars are 80% of a category's slot, or of the closest two x values.
fn bar_width(axis: &XAxis, series: &[Series]) -> f64 {
    if matches!(axis, XAxis::Categories(_)) {
        return 0.8;
    }
    let mut xs: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let gap = xs.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
    if gap.is_finite() && gap > 0.0 {
        gap * 0.8
    } else {
        1.0
    }
}

/// Where a value goes on the x axis (None: null or unreadable).
fn x_position(v: &Value, axis: &mut XAxis) -> Option<f64> {
    match axis {
        XAxis::Time => epoch_millis(v),
        XAxis::Number => number(v),
        XAxis::Categories(names) => {
            if v.is_null() {
                return None;
            }
            let name = label(v);
            Some(match names.iter().position(|n| *n == name) {
                Some(i) => i as f64,
                None => {
                    names.push(name);
                    (names.len() - 1) as f64
                }
            })
        }
    }
}

/// A drawable number: finite and within [`MAX_MAGNITUDE`] (NaN, infinities and DOUBLEs
/// near f64's limits are left out).
fn number(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    (x.is_finite() && x.abs() <= MAX_MAGNITUDE).then_some(x)
}

/// Text without control characters (other than tab and line breaks), which XML forbids: a
/// picture holding one would not load at all.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')).collect()
}

/// A time as epoch milliseconds: a number (ROWTIME, WINDOWSTART) or a TIMESTAMP/DATE string
/// (UTC unless it says otherwise).
fn epoch_millis(v: &Value) -> Option<f64> {
    match v {
        Value::Number(_) => number(v),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Some(t.timestamp_millis() as f64);
            }
            if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
                return Some(t.and_utc().timestamp_millis() as f64);
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis() as f64)
        }
        _ => None,
    }
}

fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "NULL".to_string(),
        other => other.to_string(),
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// The time labels' pattern for an axis spanning `span_ms`: 24-hour UTC, as precise as the
/// span needs.
fn time_format(span_ms: f64) -> &'static str {
    const MINUTE: f64 = 60_000.0;
    const DAY: f64 = 86_400_000.0;
    if span_ms >= 3.0 * DAY {
        "%Y-%m-%d"
    } else if span_ms >= DAY / 2.0 {
        "%m-%d %H:%M"
    } else if span_ms >= 3.0 * MINUTE {
        "%H:%M"
    } else if span_ms >= 5_000.0 {
        "%H:%M:%S"
    } else {
        "%H:%M:%S%.3f"
    }
}

/// Tick positions for a time axis: multiples of the round step (1 s, 5 s, ... 1 h, 6 h,
/// 1 day, ...) that gives at most 7 ticks, aligned on UTC.
fn time_ticks(start: f64, end: f64) -> Vec<f64> {
    const SECOND: f64 = 1000.0;
    const MINUTE: f64 = 60.0 * SECOND;
    const HOUR: f64 = 60.0 * MINUTE;
    const DAY: f64 = 24.0 * HOUR;
    const STEPS: [f64; 24] = [
        1.0,
        10.0,
        100.0,
        250.0,
        500.0,
        SECOND,
        2.0 * SECOND,
        5.0 * SECOND,
        10.0 * SECOND,
        15.0 * SECOND,
        30.0 * SECOND,
        MINUTE,
        5.0 * MINUTE,
        10.0 * MINUTE,
        15.0 * MINUTE,
        30.0 * MINUTE,
        HOUR,
        3.0 * HOUR,
        6.0 * HOUR,
        12.0 * HOUR,
        DAY,
        7.0 * DAY,
        30.0 * DAY,
        365.0 * DAY,
    ];
    let span = end - start;
    if !(span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let step = STEPS.iter().copied().find(|s| span / s <= 7.0).unwrap_or(span / 7.0);
    let mut t = (start / step).ceil() * step;
    let mut ticks = Vec::new();
    while t <= end && ticks.len() < 10 {
        ticks.push(t);
        t += step;
    }
    ticks
}

fn utc_label(ms: f64, format: &str) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms.round() as i64) {
        Some(t) => t.format(format).to_string(),
        None => String::new(),
    }
}

/// Axis numbers: whole numbers with thousands grouped, others with up to 3 decimals.
fn number_label(v: f64) -> String {
    if v.fract().abs() < 1e-9 && v.abs() < 1e15 {
        let n = v.round() as i64;
        let grouped = ksqldb_units::group_thousands(n.unsigned_abs());
        if n < 0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksql_wire::schema::{ColumnKind, SqlType};
    use serde_json::json;

    fn col(name: &str, t: SqlType) -> Column {
        Column { name: name.into(), sql_type: t, kind: ColumnKind::Value }
    }

    fn spec(words: &str) -> ChartSpec {
        ChartSpec::from_words(words.split_whitespace().map(str::to_string).collect()).unwrap()
    }

    fn texts(svg: &str) -> Vec<String> {
        let re = regex::Regex::new(r"(?s)<text[^>]*>(.*?)</text>").unwrap();
        re.captures_iter(svg).map(|c| c[1].trim().to_string()).collect()
    }

    #[test]
    fn a_time_series_has_utc_axis_labels_a_legend_and_its_title() {
        let columns = vec![col("WINDOWSTART", SqlType::Bigint), col("N", SqlType::Bigint), col("ID", SqlType::String)];
        let hour = 3_600_000i64;
        let base = 1_700_000_000_000i64; // 2023-11-14 22:13:20 UTC
        let rows: Vec<Vec<Value>> = (0..6)
            .flat_map(|i| {
                [
                    vec![json!(base + i * hour), json!(i * 10), json!("a")],
                    vec![json!(base + i * hour), json!(i), json!("b")],
                ]
            })
            .collect();
        let refs: Vec<&[Value]> = rows.iter().map(|r| r.as_slice()).collect();
        let svg = chart_svg(&spec("line x=windowstart y=n color=id"), &columns, &refs, Some("✓ completed · 12 rows"))
            .unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
        assert!(!svg.to_ascii_lowercase().contains("<script") && !svg.contains("href"));
        let labels = texts(&svg);
        assert!(labels.contains(&"N by WINDOWSTART".to_string()), "{labels:?}");
        assert!(labels.contains(&"✓ completed · 12 rows".to_string()));
        assert!(labels.contains(&"WINDOWSTART (UTC)".to_string()) && labels.contains(&"N".to_string()));
        // 24-hour UTC times over a 5-hour span: 22:00 ... 03:00 (the next day).
        assert!(labels.iter().any(|l| l == "23:00" || l == "00:00"), "{labels:?}");
        assert!(labels.contains(&"a".to_string()) && labels.contains(&"b".to_string()), "legend: {labels:?}");
        // Two series: two polylines in two colours.
        let lines: Vec<&str> =
            svg.lines().filter(|l| l.starts_with("<polyline") && l.contains("stroke-width=\"2\"")).collect();
        assert_eq!(lines.len(), 2, "{svg}");
        assert!(lines[0].contains("#4C78A8") && lines[1].contains("#F58518"), "{lines:?}");
    }

    #[test]
    fn bars_over_categories_stack_and_label_every_category() {
        let columns = vec![col("REGION", SqlType::String), col("VIEWS", SqlType::Bigint)];
        let rows =
            [vec![json!("Region_2"), json!(123)], vec![json!("Region_9"), json!(137)], vec![json!("<b>&"), json!(5)]];
        let refs: Vec<&[Value]> = rows.iter().map(|r| r.as_slice()).collect();
        let svg = chart_svg(&spec("bar x=region y=views title=Views"), &columns, &refs, None).unwrap();
        let labels = texts(&svg);
        for l in ["Views", "Region_2", "Region_9", "&lt;b&gt;&amp;"] {
            assert!(labels.contains(&l.to_string()), "{l} in {labels:?}");
        }
        assert!(!svg.contains("<b>&"), "values are escaped");
        // Three bars (rects beyond the background and the plot frame).
        assert!(svg.matches("<rect").count() >= 3);
    }

    #[test]
    fn timestamps_and_empty_results_and_non_numbers() {
        let columns = vec![col("TS", SqlType::Timestamp), col("N", SqlType::Double), col("S", SqlType::String)];
        let rows =
            [vec![json!("2024-01-02T03:04:05.678"), json!(1.5), json!("x")], vec![json!(null), json!(2), json!("y")]];
        let refs: Vec<&[Value]> = rows.iter().map(|r| r.as_slice()).collect();
        assert!(chart_svg(&spec("point x=ts y=n"), &columns, &refs, None).is_ok());
        assert!(chart_svg(&spec("area x=ts y=n"), &columns, &[], None).is_ok(), "an empty result draws empty axes");
        let e = chart_svg(&spec("bar x=ts y=s"), &columns, &refs, None).unwrap_err();
        assert!(e.contains("numeric y"), "{e}");
        assert!(chart_svg(&spec("bar x=nope y=n"), &columns, &refs, None).unwrap_err().contains("no column nope"));
    }

    #[test]
    fn extreme_and_negative_values_draw_or_fail_but_never_hang() {
        let columns = vec![col("K", SqlType::String), col("N", SqlType::Double), col("C", SqlType::String)];
        let cases: Vec<Vec<Value>> = vec![
            vec![json!("a"), json!("NaN"), json!("x")],
            vec![json!("b"), json!("Infinity"), json!("x")],
            vec![json!("c"), json!(1e308), json!("x")],
            vec![json!("d"), json!(-1e308), json!("x")],
            vec![json!("e"), json!(1e20), json!("x")],
            vec![json!("f"), json!(1e20), json!("x")],
            vec![json!("g"), json!(9.9e99), json!("y")],
            vec![json!("h"), json!(-9.9e99), json!("y")],
            vec![json!("i"), json!(5e-324), json!("y")],
        ];
        for mark in ["line", "bar", "area", "point"] {
            for n in 1..=cases.len() {
                let refs: Vec<&[Value]> = cases[..n].iter().map(|r| r.as_slice()).collect();
                let started = std::time::Instant::now();
                let _ = chart_svg(&spec(&format!("{mark} x=k y=n color=c")), &columns, &refs, None);
                assert!(started.elapsed() < std::time::Duration::from_secs(5), "{mark} with {n} rows");
            }
        }
        // Negative bars stack downwards: the axis reaches the lowest total.
        let rows = [
            vec![json!("a"), json!(-5), json!("x")],
            vec![json!("a"), json!(-7), json!("y")],
            vec![json!("a"), json!(3), json!("x")],
        ];
        let refs: Vec<&[Value]> = rows.iter().map(|r| r.as_slice()).collect();
        let svg = chart_svg(&spec("bar x=k y=n color=c"), &columns, &refs, None).unwrap();
        assert!(texts(&svg).iter().any(|l| l == "-10"), "{:?}", texts(&svg));
        let series = [
            Series { name: "x".into(), points: vec![(0.0, -5.0), (0.0, 3.0)] },
            Series { name: "y".into(), points: vec![(0.0, -7.0)] },
        ];
        let (_, y) = ranges(&XAxis::Categories(vec!["a".into()]), &series, true, true);
        assert!(y.start <= -12.0 && y.end >= 3.0, "{y:?}");
        // Control characters would make the XML invalid.
        let rows = [vec![json!("a\u{1}b"), json!(1), json!("x\u{7}")]];
        let refs: Vec<&[Value]> = rows.iter().map(|r| r.as_slice()).collect();
        let svg = chart_svg(&spec("bar x=k y=n color=c"), &columns, &refs, None).unwrap();
        assert!(!svg.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')));
    }

    #[test]
    fn time_labels_fit_the_span() {
        assert_eq!(utc_label(0.0, time_format(10.0 * 86_400_000.0)), "1970-01-01");
        assert_eq!(utc_label(3_600_000.0 * 13.0, time_format(3_600_000.0)), "13:00");
        assert_eq!(utc_label(1500.0, time_format(2000.0)), "00:00:01.500");
        assert_eq!(number_label(1234567.0), "1 234 567");
        assert_eq!(number_label(0.25), "0.25");
    }
}
