//! `%save FILE.csv|FILE.jsonl [--force]`: writes the last query result this kernel showed (a
//! pull query's rows, or the rows a live view held when it ended) to a file for other tools.
//! The file appears whole or not at all: it is written next to its target and renamed.

use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::files::write_whole;
use super::settings::shell_words;
use ksql_wire::schema::Column;
use ksqldb_render::error::ErrorReport;
use ksqldb_render::messages::{render_status, Kind};
use ksqldb_render::row_files::{write_rows, RowFormat};
use ksqldb_render::MimeBundle;
use ksqldb_units::{group_thousands, human_bytes};

pub const SAVE_USAGE: &str = "%save FILE.csv|FILE.jsonl [--force]";

/// The rows of one result, as shown (a pull query's rows up to the row cap, a view's rows).
#[derive(Debug, Clone)]
pub struct SavedRows {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// The query, for messages.
    pub query: String,
    /// Rows the result had (more than `rows` when a pull query passed the row cap).
    pub total: u64,
}

/// The last result, shared by the pull and live paths that set it and `%save` that reads it.
#[derive(Clone, Default)]
pub struct LastResult(Arc<Mutex<Option<Arc<SavedRows>>>>);

impl LastResult {
    pub fn set(&self, rows: SavedRows) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(rows));
    }

    pub fn get(&self) -> Option<Arc<SavedRows>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub fn run_save(last: &LastResult, args: &str) -> Result<Vec<MimeBundle>, ErrorReport> {
    let usage = |why: &str| ErrorReport::usage("UsageError", &format!("{why}\nusage: {SAVE_USAGE}"));
    let words = shell_words(args).map_err(|e| usage(&e.to_string()))?;
    let force = words.iter().any(|w| w == "--force");
    let paths: Vec<&String> = words.iter().filter(|w| *w != "--force").collect();
    let [path] = paths.as_slice() else { return Err(usage("%save needs one file name")) };
    if let Some(other) = path.strip_prefix("--") {
        return Err(usage(&format!("unknown option --{other}")));
    }
    let format = RowFormat::from_path(path).ok_or_else(|| usage("the file name must end in .csv or .jsonl"))?;
    let result = last.get().ok_or_else(|| usage("no query result to save yet: run a query first"))?;
    let target = Path::new(path.as_str());
    if target.exists() && !force {
        return Err(ErrorReport::usage("FileExistsError", &format!("{path} exists; %save {path} --force replaces it")));
    }
    let text = write_rows(format, &result.columns, &result.rows);
    write_whole(target, text.as_bytes())
        .map_err(|e| ErrorReport::usage("OSError", &format!("could not write {path}: {e} (nothing was written)")))?;
    let mut out = vec![render_status(
        &format!(
            "Wrote {} rows of `{}` to {path} ({}).",
            group_thousands(result.rows.len() as u64),
            first_line(&result.query),
            human_bytes(text.len())
        ),
        Kind::Success,
    )];
    if result.total > result.rows.len() as u64 {
        out.push(render_status(
            &format!(
                "The result had {} rows; the kernel kept the first {} (the row cap: %rows N keeps more).",
                group_thousands(result.total),
                group_thousands(result.rows.len() as u64)
            ),
            Kind::Warning,
        ));
    }
    Ok(out)
}

fn first_line(query: &str) -> String {
    let line = query.trim().lines().next().unwrap_or("").trim();
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(59).collect::<String>())
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksql_wire::schema::{ColumnKind, SqlType};

    fn result() -> LastResult {
        let last = LastResult::default();
        last.set(SavedRows {
            columns: vec![Column { name: "ID".into(), sql_type: SqlType::String, kind: ColumnKind::Value }],
            rows: vec![vec![Value::String("a".into())], vec![Value::Null]],
            query: "SELECT id FROM t;".into(),
            total: 2,
        });
        last
    }

    #[test]
    fn writes_whole_files_and_refuses_to_overwrite() {
        let dir = std::env::temp_dir().join(format!("ksqldb-save-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        let arg = path.to_string_lossy().to_string();
        let out = run_save(&result(), &format!("'{arg}'")).unwrap();
        assert!(out[0].data["text/plain"].as_str().unwrap().contains("Wrote 2 rows"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "ID\r\na\r\n\r\n");
        let again = run_save(&result(), &format!("'{arg}'")).unwrap_err();
        assert!(again.evalue.contains("--force"), "{}", again.evalue);
        run_save(&result(), &format!("'{arg}' --force")).unwrap();
        // A folder that does not exist: an error, and no file.
        let missing = dir.join("nope").join("out.jsonl");
        let e = run_save(&result(), &format!("'{}'", missing.to_string_lossy())).unwrap_err();
        assert!(e.evalue.contains("nothing was written"), "{}", e.evalue);
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_result_cut_at_the_row_cap_says_so() {
        let last = result();
        let mut cut = (*last.get().unwrap()).clone();
        cut.total = 5_000;
        last.set(cut);
        let dir = std::env::temp_dir().join(format!("ksqldb-save-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = run_save(&last, &format!("'{}'", dir.join("x.csv").to_string_lossy())).unwrap();
        assert!(out[1].data["text/plain"].as_str().unwrap().contains("had 5 000 rows; the kernel kept the first 2"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn usage_errors_are_clear() {
        assert!(run_save(&LastResult::default(), "a.csv").unwrap_err().evalue.contains("run a query first"));
        assert!(run_save(&result(), "a.txt").unwrap_err().evalue.contains(".csv or .jsonl"));
        assert!(run_save(&result(), "").unwrap_err().evalue.contains("one file name"));
        assert!(run_save(&result(), "a.csv b.csv").unwrap_err().evalue.contains("one file name"));
    }
}
