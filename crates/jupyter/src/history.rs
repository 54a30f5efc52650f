//! The input history behind `history_request` (tail, range, search), like IPython's:
//! cells numbered within sessions, every run of the kernel a new session, and the cells of
//! earlier sessions kept in a JSON-lines file (given by the language side) so that
//! `jupyter console` finds them after a restart. The file is bounded: on start it is cut
//! back to the newest [`MAX_ENTRIES`] cells.

use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

/// Cells kept across sessions.
pub const MAX_ENTRIES: usize = 10_000;
/// Cells longer than this (bytes) are answered from memory but not written to the file.
const MAX_STORED_INPUT: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    session: u32,
    line: u32,
    input: String,
}

#[derive(Debug)]
pub struct History {
    /// This run's session number (1 more than the highest in the file).
    session: u32,
    /// Every session's cells, oldest first.
    entries: Vec<Entry>,
    file: Option<PathBuf>,
}

impl History {
    /// Memory only.
    pub fn in_memory() -> History {
        History { session: 1, entries: Vec::new(), file: None }
    }

    /// Reads the earlier sessions from `file` (if any), trims it, and starts a new session.
    /// Problems with the file are logged and leave the history in memory.
    pub fn open(file: Option<PathBuf>) -> History {
        let Some(path) = file else { return History::in_memory() };
        let mut entries = Vec::new();
        let mut max_session = 0;
        let mut lines = 0;
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                lines += 1;
                let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
                let Some(session) = v.get("session").and_then(Value::as_u64).and_then(|s| u32::try_from(s).ok()) else {
                    continue;
                };
                max_session = max_session.max(session);
                if let (Some(n), Some(input)) =
                    (v.get("line").and_then(Value::as_u64), v.get("input").and_then(Value::as_str))
                {
                    entries.push(Entry { session, line: n as u32, input: input.to_string() });
                }
            }
        }
        let session = max_session + 1;
        if entries.len() > MAX_ENTRIES {
            entries.drain(..entries.len() - MAX_ENTRIES);
        }
        let mut history = History { session, entries, file: Some(path.clone()) };
        let marker = json!({"session": session, "start": unix_time()}).to_string();
        let result =
            if lines > MAX_ENTRIES + MAX_ENTRIES / 10 { history.rewrite(&marker) } else { history.append(&marker) };
        if let Err(e) = result {
            eprintln!("[ksqldb-kernel] history is kept in memory only: cannot write {}: {e}", path.display());
            history.file = None;
        }
        history
    }

    pub fn session(&self) -> u32 {
        self.session
    }

    fn append(&self, line: &str) -> std::io::Result<()> {
        let Some(path) = &self.file else { return Ok(()) };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = private_file(std::fs::OpenOptions::new().create(true).append(true)).open(path)?;
        // One write per line, so that concurrent kernels never interleave inside a line.
        f.write_all(format!("{line}\n").as_bytes())
    }

    /// Writes the kept cells (and this session's marker) to a new file that replaces the old.
    fn rewrite(&self, marker: &str) -> std::io::Result<()> {
        let Some(path) = &self.file else { return Ok(()) };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut text = String::new();
        for e in &self.entries {
            text.push_str(&json!({"session": e.session, "line": e.line, "input": e.input}).to_string());
            text.push('\n');
        }
        text.push_str(marker);
        text.push('\n');
        private_file(std::fs::OpenOptions::new().create(true).write(true).truncate(true))
            .open(&tmp)?
            .write_all(text.as_bytes())?;
        std::fs::rename(&tmp, path)
    }

    /// Records an executed cell of this session.
    pub fn record(&mut self, line: u32, input: &str) {
        self.entries.push(Entry { session: self.session, line, input: input.to_string() });
        if input.len() <= MAX_STORED_INPUT {
            let record = json!({"session": self.session, "line": line, "input": input}).to_string();
            if let Err(e) = self.append(&record) {
                eprintln!("[ksqldb-kernel] cannot write the history: {e}");
                self.file = None;
            }
        }
        if self.entries.len() > MAX_ENTRIES + MAX_ENTRIES / 10 {
            self.entries.drain(..self.entries.len() - MAX_ENTRIES);
        }
    }

    /// The content of a history_reply for a history_request's content.
    pub fn reply(&self, request: &Value) -> Value {
        let get_bool = |k: &str| request.get(k).and_then(Value::as_bool).unwrap_or(false);
        let get_int = |k: &str| request.get(k).and_then(Value::as_i64);
        let output = get_bool("output");
        let item = |e: &Entry| {
            if output {
                json!([e.session, e.line, [e.input, Value::Null]])
            } else {
                json!([e.session, e.line, e.input])
            }
        };
        let items: Vec<Value> = match request.get("hist_access_type").and_then(Value::as_str).unwrap_or("tail") {
            "range" => {
                // 0 (or none) is this session, negative counts back from it, positive is absolute.
                let session = match get_int("session").unwrap_or(0) {
                    s if s <= 0 => i64::from(self.session) + s,
                    s => s,
                };
                let start = get_int("start").unwrap_or(0);
                let stop = get_int("stop");
                self.entries
                    .iter()
                    .filter(|e| i64::from(e.session) == session)
                    .filter(|e| i64::from(e.line) >= start && stop.is_none_or(|s| i64::from(e.line) < s))
                    .map(item)
                    .collect()
            }
            "search" => {
                let pattern = request.get("pattern").and_then(Value::as_str).unwrap_or("*");
                let n = get_int("n").map(|n| n.max(0) as usize).unwrap_or(usize::MAX);
                let unique = get_bool("unique");
                let mut seen = std::collections::HashSet::new();
                let mut found: Vec<&Entry> = self
                    .entries
                    .iter()
                    .rev()
                    .filter(|e| glob_match(pattern, &e.input))
                    .filter(|e| !unique || seen.insert(e.input.as_str()))
                    .take(n)
                    .collect();
                found.reverse();
                found.into_iter().map(item).collect()
            }
            _ => {
                let n = get_int("n").map(|n| n.max(0) as usize).unwrap_or(10);
                let skip = self.entries.len().saturating_sub(n);
                self.entries.iter().skip(skip).map(item).collect()
            }
        };
        json!({"status": "ok", "history": items})
    }
}

fn unix_time() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// IPython-style history search pattern: `*` any run of characters, `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// History holds what users typed: readable by its owner only (0600), like shell histories.
fn private_file(options: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600)
    }
    #[cfg(not(unix))]
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ksqldb-history-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("sub").join("history.jsonl")
    }

    fn inputs(reply: &Value) -> Vec<(u64, u64, String)> {
        reply["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_u64().unwrap(), h[1].as_u64().unwrap(), h[2].as_str().unwrap_or("").to_string()))
            .collect()
    }

    #[test]
    fn glob_patterns() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("SHOW*", "SHOW STREAMS;"));
        assert!(glob_match("*STREAMS?", "SHOW STREAMS;"));
        assert!(!glob_match("SELECT*", "SHOW STREAMS;"));
        assert!(glob_match("", ""));
    }

    #[test]
    fn sessions_persist_across_restarts() {
        let path = temp_file("persist");
        let mut first = History::open(Some(path.clone()));
        assert_eq!(first.session(), 1);
        first.record(1, "SHOW STREAMS;");
        first.record(2, "SELECT 1;\nSELECT 2;");
        drop(first);
        let mut second = History::open(Some(path.clone()));
        assert_eq!(second.session(), 2);
        second.record(1, "SHOW TABLES;");
        let tail = inputs(&second.reply(&json!({"hist_access_type": "tail", "n": 10})));
        assert_eq!(
            tail,
            vec![(1, 1, "SHOW STREAMS;".into()), (1, 2, "SELECT 1;\nSELECT 2;".into()), (2, 1, "SHOW TABLES;".into())]
        );
        // Range: this session (0), the one before (-1), or by number.
        let r =
            |session: i64| inputs(&second.reply(&json!({"hist_access_type": "range", "session": session, "start": 1})));
        assert_eq!(r(0), vec![(2, 1, "SHOW TABLES;".into())]);
        assert_eq!(r(-1).len(), 2);
        assert_eq!(r(1).len(), 2);
        let search = inputs(&second.reply(&json!({"hist_access_type": "search", "pattern": "SHOW*"})));
        assert_eq!(search.len(), 2);
        let out = second.reply(&json!({"hist_access_type": "tail", "n": 1, "output": true}));
        assert_eq!(out["history"][0][2], json!(["SHOW TABLES;", null]));
        // A session that ran nothing still takes its number.
        drop(second);
        let _third = History::open(Some(path.clone()));
        assert_eq!(History::open(Some(path.clone())).session(), 4);
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn the_file_is_bounded() {
        let path = temp_file("bounded");
        let mut h = History::open(Some(path.clone()));
        for i in 0..(MAX_ENTRIES + MAX_ENTRIES / 10 + 5) {
            h.record(i as u32 + 1, &format!("SELECT {i};"));
        }
        drop(h);
        let h = History::open(Some(path.clone()));
        assert_eq!(h.entries.len(), MAX_ENTRIES);
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert_eq!(lines, MAX_ENTRIES + 1);
        assert_eq!(h.session(), 2);
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn unwritable_file_keeps_memory_history() {
        let mut h = History::open(Some(PathBuf::from("/proc/no/such/dir/history.jsonl")));
        h.record(1, "SHOW STREAMS;");
        assert_eq!(inputs(&h.reply(&json!({"hist_access_type": "tail", "n": 5}))).len(), 1);
    }
}
