//! One output's byte budget. Outputs are kept in the notebook, sent to every front end and
//! re-parsed by the browser, so none may grow with the data: long values are cut with a
//! visible marker, and a bundle over its budget loses rows of its JSON twin first, then its
//! text, never silently.

use super::html::escape;
use super::table::human_bytes;
use super::JSON_MIME;
use serde_json::{Map, Value};

/// The default budget of one output (all its MIME parts together).
pub const DEFAULT_OUTPUT_BYTES: usize = 4 * 1024 * 1024;
/// The smallest budget that may be set: room for a table of a few rows and its notes.
pub const MIN_OUTPUT_BYTES: usize = 64 * 1024;
/// Strings in the JSON twin longer than this many chars are cut.
pub const MAX_JSON_STRING_CHARS: usize = 64 * 1024;

/// Cuts `data` (a bundle's MIME parts) to `budget` bytes in all.
pub fn fit_output(data: &mut Map<String, Value>, budget: usize) {
    let budget = budget.max(MIN_OUTPUT_BYTES);
    if let Some(json) = data.get_mut(JSON_MIME) {
        cut_long_strings(json, 0);
    }
    let sizes: Vec<(String, usize)> = data.iter().map(|(m, v)| (m.clone(), json_len(v))).collect();
    if sizes.iter().map(|(_, n)| n).sum::<usize>() <= budget {
        return;
    }
    for (mime, room) in fair_shares(&sizes, budget) {
        let Some(value) = data.get_mut(&mime) else { continue };
        if json_len(value) <= room {
            continue;
        }
        match value {
            Value::String(text) if mime == "text/html" => {
                // Cutting HTML could break its markup: its escaped head as text stands in.
                // Escaping (HTML, then JSON) can grow text up to 12 times: cut to what fits.
                let total_chars = text.chars().count();
                let mut head = cut_chars(text, room.saturating_sub(400) / 2);
                while json_len(&Value::String(escape(&head))) > room.saturating_sub(400) {
                    head = cut_chars(&head, head.len() / 2);
                }
                *text = format!(
                    "<pre style=\"white-space:pre-wrap\">{}</pre><div style=\"opacity:0.75\">HTML output over the \
                     output limit of {}: its first {} of {} characters as text (%output SIZE raises the limit)</div>",
                    escape(&head),
                    human_bytes(budget),
                    head.chars().count(),
                    total_chars
                );
            }
            Value::String(text) => {
                let total_chars = text.chars().count();
                let mut head = cut_chars(text, room.saturating_sub(200));
                // JSON escaping can grow text up to 6 times (control characters as \u00XX).
                while json_len(&Value::String(head.clone())) > room.saturating_sub(200) {
                    head = cut_chars(&head, head.len() / 2);
                }
                let more = total_chars - head.chars().count();
                *text = format!(
                    "{head}\n… {more} more characters (output limit {}; %output SIZE raises it)",
                    human_bytes(budget)
                );
            }
            json => shrink_json(json, room),
        }
    }
}

/// Splits `budget` among the parts: parts smaller than an even share keep their size and
/// leave the rest to the larger ones.
fn fair_shares(sizes: &[(String, usize)], budget: usize) -> Vec<(String, usize)> {
    let mut order: Vec<&(String, usize)> = sizes.iter().collect();
    order.sort_by_key(|(_, n)| *n);
    let mut left = budget;
    let mut shares = Vec::new();
    for (i, (mime, size)) in order.iter().enumerate() {
        let even = left / (order.len() - i);
        let share = (*size).min(even);
        left -= share;
        shares.push((mime.clone(), share));
    }
    shares
}

/// The serialized size of a JSON value, escapes included.
fn json_len(v: &Value) -> usize {
    /// Counts bytes without building the text.
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    let _ = serde_json::to_writer(&mut counter, v);
    counter.0
}

/// The first `max_bytes` bytes of `s`, cut at a char boundary.
fn cut_chars(s: &str, max_bytes: usize) -> String {
    let mut end = max_bytes.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Cuts strings longer than [`MAX_JSON_STRING_CHARS`], saying how much was cut.
fn cut_long_strings(v: &mut Value, depth: usize) {
    match v {
        Value::String(s) if s.len() > MAX_JSON_STRING_CHARS => {
            let chars = s.chars().count();
            if chars > MAX_JSON_STRING_CHARS {
                let head: String = s.chars().take(MAX_JSON_STRING_CHARS).collect();
                *s = format!("{head}… ({} more characters)", chars - MAX_JSON_STRING_CHARS);
            }
        }
        // serde_json parses at most 128 levels; the bound keeps this walk safe on any value.
        Value::Array(items) if depth < 256 => items.iter_mut().for_each(|i| cut_long_strings(i, depth + 1)),
        Value::Object(map) if depth < 256 => map.values_mut().for_each(|i| cut_long_strings(i, depth + 1)),
        _ => {}
    }
}

/// Shrinks the JSON twin to `room` bytes: a result's `rows` lose their tail (the count of
/// dropped rows is noted); any other document is replaced by a note with its size.
fn shrink_json(json: &mut Value, room: usize) {
    let size = json_len(json);
    if size <= room {
        return;
    }
    if let Some(rows) = json.get_mut("rows").and_then(Value::as_array_mut) {
        let mut kept_bytes = 0;
        let fixed = size - rows.iter().map(|r| json_len(r) + 1).sum::<usize>();
        let keep = rows
            .iter()
            .take_while(|r| {
                kept_bytes += json_len(r) + 1;
                fixed + kept_bytes + 128 <= room
            })
            .count();
        let dropped = rows.len() - keep;
        rows.truncate(keep);
        if let Some(doc) = json.as_object_mut() {
            doc.insert("rows_dropped_by_output_limit".into(), Value::from(dropped));
        }
        if json_len(json) <= room {
            return;
        }
    }
    *json = serde_json::json!({
        "truncated_by_output_limit": true,
        "original_bytes": size,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn size(data: &Map<String, Value>) -> usize {
        data.values().map(json_len).sum()
    }

    #[test]
    fn a_huge_value_is_cut_with_a_marker_and_the_bundle_fits() {
        let huge = "v".repeat(50 * 1024 * 1024);
        let mut data = Map::new();
        data.insert("text/plain".into(), Value::String(huge.clone()));
        data.insert("text/html".into(), Value::String(format!("<b>{huge}</b>")));
        data.insert(JSON_MIME.into(), json!({"columns": ["A"], "rows": [[huge]]}));
        fit_output(&mut data, DEFAULT_OUTPUT_BYTES);
        assert!(size(&data) <= DEFAULT_OUTPUT_BYTES, "{}", size(&data));
        let row = data[JSON_MIME]["rows"][0][0].as_str().unwrap();
        assert!(row.ends_with(&format!("… ({} more characters)", 50 * 1024 * 1024 - MAX_JSON_STRING_CHARS)));
        assert!(data["text/plain"].as_str().unwrap().contains("more characters (output limit 4 MB"));
        let html = data["text/html"].as_str().unwrap();
        assert!(html.starts_with("<pre") && html.contains("over the output limit") && !html.contains("<b>"));
    }

    #[test]
    fn rows_of_the_json_twin_give_way_first() {
        let rows: Vec<Value> = (0..200_000).map(|i| json!([i, "some text"])).collect();
        let mut data = Map::new();
        data.insert("text/plain".into(), Value::String("table".into()));
        data.insert(JSON_MIME.into(), json!({"columns": ["A", "B"], "rows": rows}));
        fit_output(&mut data, 1024 * 1024);
        assert!(size(&data) <= 1024 * 1024);
        let kept = data[JSON_MIME]["rows"].as_array().unwrap().len();
        assert!(kept > 1000 && kept < 200_000, "{kept}");
        assert_eq!(data[JSON_MIME]["rows_dropped_by_output_limit"], json!(200_000 - kept));
        assert_eq!(data["text/plain"], "table", "text untouched when the twin gave way");
    }

    #[test]
    fn escaping_counts_against_the_budget() {
        let mut data = Map::new();
        data.insert("text/plain".into(), Value::String("\"\u{1}".repeat(500_000)));
        data.insert("text/html".into(), Value::String("<\"&".repeat(400_000)));
        fit_output(&mut data, MIN_OUTPUT_BYTES);
        assert!(size(&data) <= MIN_OUTPUT_BYTES, "{}", size(&data));
        assert!(data["text/html"].as_str().unwrap().contains("&lt;&quot;&amp;"));
    }

    #[test]
    fn small_outputs_are_untouched_and_multibyte_text_is_cut_on_boundaries() {
        let mut data = Map::new();
        data.insert("text/plain".into(), Value::String("größe".into()));
        let before = data.clone();
        fit_output(&mut data, DEFAULT_OUTPUT_BYTES);
        assert_eq!(data, before);
        data.insert("text/plain".into(), Value::String("数".repeat(100_000)));
        fit_output(&mut data, MIN_OUTPUT_BYTES);
        assert!(size(&data) <= MIN_OUTPUT_BYTES);
    }
}
