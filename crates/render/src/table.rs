//! The one table renderer: pull results, SHOW lists, DESCRIBE fields and every frame of a live
//! push query all become a [`Table`] and go through [`Table::to_html`] / [`Table::to_text`].
//!
//! Cells arrive already formatted (see [`super::value`]); this file only lays them out.
//! HTML uses inline styles only (no `<style>`, no scripts, no external resources) and colours
//! that work in light and dark themes: `inherit`, opacity and semi-transparent grey backgrounds.

use super::html::{escape, escape_into};
use super::MimeBundle;
use serde_json::Value;

/// Horizontal alignment of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Right,
}

/// A column header: its name, an optional type line shown under it, and key marking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableColumn {
    pub name: String,
    /// Shown under the name in a smaller, dim font (e.g. `DECIMAL(4, 2)`).
    pub type_label: Option<String>,
    pub align: Align,
    /// Key columns get a `KEY` marker.
    pub key: bool,
}

impl TableColumn {
    /// A plain left-aligned column without a type line (SHOW lists, key/value blocks).
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }
}

/// Class for cells that changed since the previous push-query frame; gets a highlight.
pub const CHANGED_CLASS: &str = "ksql-changed";
/// Class for the null cells of a tombstone (deleted) row.
pub const TOMBSTONE_CLASS: &str = "ksql-tombstone";

/// One formatted cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    /// For text/plain; may be long, [`Table::to_text`] truncates it.
    pub text: String,
    /// For text/html; must already be escaped.
    pub html: String,
    pub is_null: bool,
    /// An extra CSS class (e.g. [`CHANGED_CLASS`]); known classes also get an inline style.
    pub class: Option<&'static str>,
    /// A tooltip (e.g. the raw epoch value behind a readable timestamp); escaped on output.
    pub title: Option<String>,
}

impl Cell {
    /// A cell from plain text (escaped here).
    pub fn text(s: impl Into<String>) -> Self {
        let text = s.into();
        let html = escape(&text).replace('\n', "<br>");
        Self { text, html, ..Self::default() }
    }

    /// The visible NULL marker.
    pub fn null() -> Self {
        Self { text: "NULL".into(), html: super::html::NULL_HTML.into(), is_null: true, ..Self::default() }
    }
}

/// A table with an optional caption (above) and footer lines (below).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<TableColumn>,
    pub rows: Vec<Vec<Cell>>,
    /// One summary line above the table, e.g. `3 rows · 12 ms · query id …`.
    pub caption: Option<String>,
    /// Lines below the table, e.g. `showing 1000 of 25 000 rows`.
    pub footer: Vec<String>,
}

/// Size and layout limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableLimits {
    /// Rows that would push the HTML beyond this many bytes are dropped (and the footer says so):
    /// outputs are stored in the notebook and re-parsed by the browser on every update.
    pub max_html_bytes: usize,
    /// The same for text/plain.
    pub max_text_bytes: usize,
    /// Cells wider than this (in chars) are cut with `…` in text/plain.
    pub max_text_col_width: usize,
    /// Height of the scrollable HTML box.
    pub max_height_px: u32,
}

impl Default for TableLimits {
    fn default() -> Self {
        Self {
            max_html_bytes: 2 * 1024 * 1024,
            max_text_bytes: 1024 * 1024,
            max_text_col_width: 60,
            max_height_px: 480,
        }
    }
}

// Semi-transparent greys read well on white and on dark backgrounds alike.
const BORDER: &str = "1px solid rgba(128,128,128,0.35)";
const ZEBRA: &str = "rgba(128,128,128,0.08)";

impl Table {
    pub fn new(columns: Vec<TableColumn>) -> Self {
        Self { columns, ..Self::default() }
    }

    /// Renders text/html and text/plain with the given limits.
    pub fn to_bundle(&self, limits: &TableLimits) -> MimeBundle {
        MimeBundle::new()
            .with("text/html", Value::String(self.to_html(limits)))
            .with("text/plain", Value::String(self.to_text(limits)))
    }

    /// The table as HTML: caption, scrollable box with the table, footer.
    pub fn to_html(&self, limits: &TableLimits) -> String {
        let mut head = String::new();
        head.push_str("<div class=\"ksql-result\" style=\"max-width:100%\">");
        if let Some(c) = &self.caption {
            head.push_str("<div style=\"opacity:0.75;font-size:0.9em;margin:0 0 4px 0\">");
            escape_into(&mut head, c);
            head.push_str("</div>");
        }
        head.push_str(&format!(
            "<div style=\"max-height:{}px;overflow:auto;border:{BORDER};border-radius:3px;display:inline-block;\
             max-width:100%\">",
            limits.max_height_px
        ));
        head.push_str(
            "<table style=\"border-collapse:collapse;margin:0;font-size:0.9em;color:inherit;background:transparent;\
             font-variant-numeric:tabular-nums\"><thead><tr>",
        );
        for col in &self.columns {
            let align = match col.align {
                Align::Left => "left",
                Align::Right => "right",
            };
            // Sticky header needs an opaque background: JupyterLab's theme variable, else Canvas.
            head.push_str(&format!(
                "<th style=\"text-align:{align};vertical-align:bottom;padding:3px 8px;border-bottom:{BORDER};\
                 position:sticky;top:0;background:var(--jp-layout-color1,Canvas);white-space:nowrap\">"
            ));
            escape_into(&mut head, &col.name);
            if col.type_label.is_some() || col.key {
                head.push_str("<br><span style=\"font-weight:normal;font-size:0.8em;opacity:0.6\">");
                if let Some(t) = &col.type_label {
                    escape_into(&mut head, t);
                }
                if col.key {
                    if col.type_label.is_some() {
                        head.push(' ');
                    }
                    head.push_str("<span title=\"key column\" style=\"font-weight:bold\">KEY</span>");
                }
                head.push_str("</span>");
            }
            head.push_str("</th>");
        }
        head.push_str("</tr></thead><tbody>");

        let tail_base = "</tbody></table></div>";
        let mut body = String::new();
        let mut shown = 0usize;
        // Room for the fixed parts and the footer text we may add.
        let footer_len: usize = self.footer.iter().map(|f| f.len() * 2 + 64).sum::<usize>() + 256;
        let budget = limits.max_html_bytes.saturating_sub(head.len() + tail_base.len() + footer_len);
        for (i, row) in self.rows.iter().enumerate() {
            let r = self.row_html(i, row);
            if body.len() + r.len() > budget {
                break;
            }
            body.push_str(&r);
            shown += 1;
        }
        if self.rows.is_empty() {
            body.push_str(&format!(
                "<tr><td colspan=\"{}\" style=\"text-align:left;padding:3px 8px;opacity:0.6;\
                 font-style:italic\">(no rows)</td></tr>",
                self.columns.len().max(1)
            ));
        }

        let mut out = head;
        out.push_str(&body);
        out.push_str(tail_base);
        let mut footer = self.footer.clone();
        if shown < self.rows.len() {
            footer.push(format!(
                "HTML output limited to {}: showing {} of {} rows (all rows are in text/plain and \
                 application/vnd.ksqldb+json)",
                human_bytes(limits.max_html_bytes),
                shown,
                self.rows.len()
            ));
        }
        for f in &footer {
            out.push_str("<div style=\"opacity:0.75;font-size:0.9em;margin:4px 0 0 0\">");
            escape_into(&mut out, f);
            out.push_str("</div>");
        }
        out.push_str("</div>");
        out
    }

    fn row_html(&self, index: usize, row: &[Cell]) -> String {
        // Styles are repeated per cell (no <style> allowed), so keep them short: vertical-align
        // is inherited from the row, tabular digits from the table.
        let mut r = String::new();
        if index % 2 == 1 {
            r.push_str(&format!("<tr style=\"background:{ZEBRA};vertical-align:top\">"));
        } else {
            r.push_str("<tr style=\"vertical-align:top\">");
        }
        for (c, col) in self.columns.iter().enumerate() {
            let empty = Cell::default();
            let cell = row.get(c).unwrap_or(&empty);
            let mut style = String::from(match col.align {
                Align::Left => "padding:2px 8px;text-align:left",
                Align::Right => "padding:2px 8px;text-align:right",
            });
            if cell.text.len() > 48 {
                style.push_str(";max-width:48em;overflow-wrap:anywhere");
            }
            if cell.class == Some(CHANGED_CLASS) {
                style.push_str(";background:rgba(255,193,7,0.3)");
            }
            r.push_str("<td");
            if let Some(class) = cell.class {
                r.push_str(" class=\"");
                escape_into(&mut r, class);
                r.push('"');
            }
            if let Some(t) = &cell.title {
                r.push_str(" title=\"");
                escape_into(&mut r, t);
                r.push('"');
            }
            r.push_str(" style=\"");
            r.push_str(&style);
            r.push_str("\">");
            r.push_str(&cell.html);
            r.push_str("</td>");
        }
        r.push_str("</tr>");
        r
    }

    /// The table as text: a boxed table like the ksqlDB CLI's, types under the names,
    /// numbers right-aligned, widths counted in chars.
    pub fn to_text(&self, limits: &TableLimits) -> String {
        let maxw = limits.max_text_col_width.max(5);
        let header_types: Vec<String> = self
            .columns
            .iter()
            .map(|c| match (&c.type_label, c.key) {
                (Some(t), true) => format!("{t} KEY"),
                (Some(t), false) => t.clone(),
                (None, true) => "KEY".into(),
                (None, false) => String::new(),
            })
            .collect();
        let has_types = header_types.iter().any(|t| !t.is_empty());
        let names: Vec<String> = self.columns.iter().map(|c| fit(&one_line(&c.name), maxw)).collect();
        let types: Vec<String> = header_types.iter().map(|t| fit(&one_line(t), maxw)).collect();
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                (0..self.columns.len())
                    .map(|c| row.get(c).map(|cell| fit(&one_line(&cell.text), maxw)).unwrap_or_default())
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = names.iter().zip(&types).map(|(n, t)| width(n).max(width(t))).collect();
        for row in &cells {
            for (w, s) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(s));
            }
        }

        let mut out = String::new();
        if let Some(c) = &self.caption {
            out.push_str(&one_line(c));
            out.push('\n');
        }
        if self.columns.is_empty() {
            out.push_str("(no columns)\n");
        } else {
            let rule = {
                let mut s = String::from("+");
                for w in &widths {
                    s.push_str(&"-".repeat(w + 2));
                    s.push('+');
                }
                s.push('\n');
                s
            };
            let line = |vals: &[String], aligns: &dyn Fn(usize) -> Align| {
                let mut s = String::from("|");
                for (i, w) in widths.iter().enumerate() {
                    let v = vals.get(i).map(String::as_str).unwrap_or("");
                    s.push(' ');
                    s.push_str(&pad(v, *w, aligns(i)));
                    s.push_str(" |");
                }
                s.push('\n');
                s
            };
            let col_align = |i: usize| self.columns.get(i).map(|c| c.align).unwrap_or_default();
            out.push_str(&rule);
            out.push_str(&line(&names, &col_align));
            if has_types {
                out.push_str(&line(&types, &col_align));
            }
            out.push_str(&rule);
            let mut shown = 0usize;
            for row in &cells {
                let l = line(row, &col_align);
                if out.len() + l.len() + rule.len() > limits.max_text_bytes {
                    break;
                }
                out.push_str(&l);
                shown += 1;
            }
            if cells.is_empty() {
                out.push_str("(no rows)\n");
            } else {
                out.push_str(&rule);
            }
            if shown < cells.len() {
                out.push_str(&format!(
                    "text output limited to {}: showing {} of {} rows\n",
                    human_bytes(limits.max_text_bytes),
                    shown,
                    cells.len()
                ));
            }
        }
        for f in &self.footer {
            out.push_str(&one_line(f));
            out.push('\n');
        }
        // Jupyter adds its own line break after an output.
        while out.ends_with('\n') {
            out.pop();
        }
        out
    }
}

/// Display width in chars: good enough for a notebook's monospace text (wide CJK is rare here).
pub fn width(s: &str) -> usize {
    s.chars().count()
}

/// Replaces line breaks and other control characters so a value stays on one text line.
pub fn one_line(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '\n' => '↵',
            '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Cuts `s` to at most `max` chars, ending with `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn pad(s: &str, w: usize, align: Align) -> String {
    let fill = w.saturating_sub(width(s));
    match align {
        Align::Left => format!("{s}{}", " ".repeat(fill)),
        Align::Right => format!("{}{s}", " ".repeat(fill)),
    }
}

pub use ksqldb_units::human_bytes;

/// A table of plain strings (SHOW lists, session listings): the one table renderer with
/// left-aligned text columns and an optional caption above.
pub fn simple_table(headers: &[&str], rows: Vec<Vec<String>>, caption: Option<&str>) -> MimeBundle {
    let columns = headers.iter().map(|h| TableColumn::new(*h)).collect();
    let mut table = Table::new(columns);
    table.caption = caption.map(str::to_string);
    table.rows = rows.into_iter().map(|row| row.into_iter().map(Cell::text).collect()).collect();
    table.to_bundle(&TableLimits::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(vec![
            TableColumn { name: "ID".into(), type_label: Some("STRING".into()), align: Align::Left, key: true },
            TableColumn {
                name: "AMOUNT".into(),
                type_label: Some("DECIMAL(4, 2)".into()),
                align: Align::Right,
                key: false,
            },
        ]);
        t.rows.push(vec![Cell::text("a"), Cell::text("4.50")]);
        t.rows.push(vec![Cell::text("longer id"), Cell::text("10.00")]);
        t.rows.push(vec![Cell::text("c"), Cell::null()]);
        t
    }

    #[test]
    fn text_table_is_boxed_and_aligned() {
        let txt = sample().to_text(&TableLimits::default());
        let expected = "\
+------------+---------------+
| ID         |        AMOUNT |
| STRING KEY | DECIMAL(4, 2) |
+------------+---------------+
| a          |          4.50 |
| longer id  |         10.00 |
| c          |          NULL |
+------------+---------------+";
        assert_eq!(txt, expected);
        let lens: Vec<usize> = txt.lines().map(width).collect();
        assert!(lens.iter().all(|l| *l == lens[0]), "all lines equally wide: {txt}");
    }

    #[test]
    fn text_widths_count_chars_not_bytes() {
        let mut t = Table::new(vec![TableColumn::new("N")]);
        t.rows.push(vec![Cell::text("héllo wörld")]);
        t.rows.push(vec![Cell::text("x")]);
        let txt = t.to_text(&TableLimits::default());
        let lens: Vec<usize> = txt.lines().map(width).collect();
        assert!(lens.iter().all(|l| *l == lens[0]), "{txt}");
    }

    #[test]
    fn text_truncates_long_cells_with_ellipsis() {
        let mut t = Table::new(vec![TableColumn::new("S")]);
        t.rows.push(vec![Cell::text("x".repeat(100))]);
        let limits = TableLimits { max_text_col_width: 10, ..TableLimits::default() };
        let txt = t.to_text(&limits);
        assert!(txt.contains("| xxxxxxxxx… |"), "{txt}");
    }

    #[test]
    fn text_keeps_rows_on_one_line() {
        let mut t = Table::new(vec![TableColumn::new("S")]);
        t.rows.push(vec![Cell::text("a\nb\tc\u{1b}[31m")]);
        let txt = t.to_text(&TableLimits::default());
        assert_eq!(txt.lines().count(), 5);
        assert!(!txt.contains('\u{1b}'));
    }

    #[test]
    fn caption_above_and_footer_below() {
        let mut t = sample();
        t.caption = Some("3 rows · 12 ms".into());
        t.footer.push("showing 3 of 10 rows".into());
        let txt = t.to_text(&TableLimits::default());
        assert!(txt.starts_with("3 rows · 12 ms\n+"));
        assert!(txt.ends_with("+\nshowing 3 of 10 rows"));
        let html = t.to_html(&TableLimits::default());
        let cap = html.find("3 rows").unwrap();
        let table = html.find("<table").unwrap();
        let foot = html.find("showing 3 of 10").unwrap();
        assert!(cap < table && table < foot);
    }

    #[test]
    fn html_has_types_keys_alignment_zebra_and_scroll_box() {
        let html = sample().to_html(&TableLimits::default());
        assert!(html.contains("max-height:480px;overflow:auto"));
        assert!(html.contains("DECIMAL(4, 2)"));
        assert!(html.contains(">KEY</span>"));
        assert!(html.contains("text-align:right"));
        assert!(html.contains(ZEBRA));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<style"));
        assert!(!html.contains("color:#") && !html.contains("background:#") && !html.contains("background:white"));
    }

    #[test]
    fn html_escapes_names_titles_and_captions() {
        let mut t = Table::new(vec![TableColumn {
            name: "<script>x</script>".into(),
            type_label: Some("\"><img onerror=alert(1)>".into()),
            ..TableColumn::default()
        }]);
        t.caption = Some("<b>cap</b>".into());
        t.footer.push("<i>foot</i>".into());
        t.rows.push(vec![Cell {
            text: "v".into(),
            html: "v".into(),
            title: Some("\" onmouseover=\"x".into()),
            ..Cell::default()
        }]);
        let html = t.to_html(&TableLimits::default());
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>cap"));
        assert!(!html.contains("<i>foot"));
        assert!(html.contains("title=\"&quot; onmouseover=&quot;x\""));
    }

    #[test]
    fn html_cap_drops_rows_and_says_so() {
        let mut t = Table::new(vec![TableColumn::new("S")]);
        for _ in 0..1000 {
            t.rows.push(vec![Cell::text("y".repeat(1000))]);
        }
        let limits = TableLimits { max_html_bytes: 100_000, ..TableLimits::default() };
        let html = t.to_html(&limits);
        assert!(html.len() <= 100_000, "{}", html.len());
        assert!(html.contains("HTML output limited to 97 KB: showing"));
        assert!(html.contains("of 1000 rows"));
        assert!(html.ends_with("</div>"));
    }

    #[test]
    fn text_cap_drops_rows_and_says_so() {
        let mut t = Table::new(vec![TableColumn::new("S")]);
        for _ in 0..1000 {
            t.rows.push(vec![Cell::text("z".repeat(50))]);
        }
        let limits = TableLimits { max_text_bytes: 10_000, ..TableLimits::default() };
        let txt = t.to_text(&limits);
        assert!(txt.len() < 10_200);
        assert!(txt.contains("of 1000 rows"));
    }

    #[test]
    fn ragged_rows_and_empty_tables_do_not_panic() {
        let mut t = sample();
        t.rows.push(vec![]);
        t.rows.push(vec![Cell::text("a"), Cell::text("b"), Cell::text("extra")]);
        let _ = t.to_html(&TableLimits::default());
        let _ = t.to_text(&TableLimits::default());
        let empty = Table::new(vec![TableColumn::new("A")]);
        assert!(empty.to_text(&TableLimits::default()).contains("(no rows)"));
        assert!(empty.to_html(&TableLimits::default()).contains("(no rows)"));
        let none = Table::default();
        let _ = none.to_html(&TableLimits::default());
        assert!(none.to_text(&TableLimits::default()).contains("(no columns)"));
        let tiny = TableLimits { max_html_bytes: 0, max_text_bytes: 0, max_text_col_width: 0, max_height_px: 0 };
        let _ = sample().to_html(&tiny);
        let _ = sample().to_text(&tiny);
    }

    #[test]
    fn changed_cells_get_highlight() {
        let mut t = Table::new(vec![TableColumn::new("S")]);
        t.rows.push(vec![Cell { class: Some(CHANGED_CLASS), ..Cell::text("v") }]);
        let html = t.to_html(&TableLimits::default());
        assert!(html.contains("class=\"ksql-changed\""));
        assert!(html.contains("rgba(255,193,7,0.3)"));
    }

    #[test]
    fn bundle_has_both_mimes() {
        let b = sample().to_bundle(&TableLimits::default());
        assert!(b.text_html().is_some() && b.text_plain().is_some());
    }
}
