//! The layering the README's architecture section describes, checked on the source.
//!
//! Between layers the compiler holds the line: each layer is a crate (crates/), and
//! [`crates_depend_only_downwards`] reads their manifests so that no dependency can be added
//! upwards (syntax/ and wire/ at the bottom know nothing else; the protocol knows nothing of
//! ksqlDB; the client knows neither the renderers nor the sandbox; ...). Inside each crate, no
//! module imports a sibling that (directly or not) imports it back.
//!
//! Imports are read from `crate::`, `super::` and `self::` paths (use trees expanded), test
//! modules left out: a regex reading of Rust, enough for the paths this project writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The source folders of the workspace's crates: the kernel's and each one under crates/.
fn crate_sources() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.push(root().join("src"));
    dirs
}

/// Module path (`kernel::live`) of each file under one crate's `src`.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut files = Vec::new();
    source_files(src, &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap().with_extension("");
        let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().to_string()).collect();
        if parts.last().map(String::as_str) == Some("mod") {
            parts.pop();
        }
        if parts == ["lib"] || parts == ["main"] {
            continue;
        }
        out.insert(parts.join("::"), file);
    }
    out
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(path: &str) -> Vec<String> {
    let Some(open) = path.find("::{") else { return vec![path.to_string()] };
    let (prefix, inner) = (&path[..open], &path[open + 3..path.rfind('}').unwrap_or(path.len())]);
    let (mut items, mut depth, mut current) = (Vec::new(), 0, String::new());
    for ch in inner.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    items.push(current);
    items
        .iter()
        .map(|i| i.trim().split(" as ").next().unwrap_or("").to_string())
        .filter(|i| !i.is_empty())
        .flat_map(|i| expand(&format!("{prefix}::{i}")))
        .collect()
}

/// The modules `module` imports (by their longest known prefix).
fn imports(module: &str, file: &Path, known: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    let comment = Regex::new(r"//[^\n]*").unwrap();
    let text = comment.replace_all(text, "");
    let path = Regex::new(r"\b(?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)*(?:::\{[^;]*?\}+)?").unwrap();
    let here: Vec<&str> = module.split("::").collect();
    let mut out = BTreeSet::new();
    for found in path.find_iter(&text) {
        for full in expand(found.as_str()) {
            let mut segs: Vec<&str> = full.split("::").collect();
            let mut base: Vec<&str> = match segs[0] {
                "crate" => Vec::new(),
                "self" => here.clone(),
                _ => here[..here.len() - 1].to_vec(),
            };
            segs.remove(0);
            while segs.first() == Some(&"super") {
                base.pop();
                segs.remove(0);
            }
            for n in (1..=segs.len()).rev() {
                let candidate = [&base[..], &segs[..n]].concat().join("::");
                if known.contains_key(&candidate) {
                    let own_ancestor = module.starts_with(&format!("{candidate}::"));
                    if candidate != module && !own_ancestor {
                        out.insert(candidate);
                    }
                    break;
                }
            }
        }
    }
    out
}

/// The import graph of one crate.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let known = modules(src);
    known.iter().map(|(m, f)| (m.clone(), imports(m, f, &known))).collect()
}

fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let reaches = |from: &str, to: &str| {
        let (mut seen, mut todo) = (BTreeSet::new(), vec![from.to_string()]);
        while let Some(m) = todo.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        false
    };
    graph
        .iter()
        .flat_map(|(m, deps)| deps.iter().filter(|d| reaches(d, m)).map(move |d| format!("{m} -> {d}")))
        .collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut modules = 0;
    let mut found = Vec::new();
    for src in crate_sources() {
        let graph = graph(&src);
        modules += graph.len();
        found.extend(circles(&graph).into_iter().map(|c| format!("{}: {c}", src.display())));
    }
    assert!(modules > 50, "the module graphs were read ({modules} modules)");
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

/// The path dependencies in a manifest's `[dependencies]` (dev-dependencies may reach
/// further: tests drive the sandbox with the real client).
fn path_dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let deps = text.split("[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
    let line = Regex::new(r#"(?m)^([A-Za-z0-9_-]+)\s*=\s*\{[^}]*\bpath\s*="#).unwrap();
    line.captures_iter(deps).map(|c| c[1].to_string()).collect()
}

#[test]
fn crates_depend_only_downwards() {
    let allowed: &[(&str, &[&str])] = &[
        ("syntax", &[]),
        ("wire", &[]),
        ("units", &[]),
        ("jupyter", &[]),
        ("client", &["ksql-wire", "ksqldb-units"]),
        ("render", &["ksql-wire", "ksql-syntax", "ksqldb-units"]),
        ("sandbox", &["ksql-wire", "ksql-syntax"]),
    ];
    let mut seen = 0;
    let mut broken = Vec::new();
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let Some((_, may)) = allowed.iter().find(|(n, _)| *n == name) else {
            broken.push(format!("crates/{name}: a crate the layering does not know yet (add it here)"));
            continue;
        };
        seen += 1;
        for dep in path_dependencies(&dir.join("Cargo.toml")) {
            if !may.contains(&dep.as_str()) {
                broken.push(format!("crates/{name} depends on {dep}"));
            }
        }
    }
    assert_eq!(seen, allowed.len(), "every layer's crate was read");
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn paths_imports_nothing_of_the_kernel() {
    let graph = graph(&root().join("src"));
    assert!(graph["paths"].is_empty(), "paths imports {:?}", graph["paths"]);
}

/// The source with comments, strings and character literals blanked (line breaks kept), so
/// that braces are code braces.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let raw_string = Regex::new(r#"^b?r(#*)""#).unwrap();
    let char_literal = Regex::new(r"^b?'(\\.|\\u\{[0-9a-fA-F]+\}|[^\\'])'").unwrap();
    let mut out = String::with_capacity(src.len());
    let blank = |s: &str| s.chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect::<String>();
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        let end = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if let Some(after) = rest.strip_prefix("/*") {
            after.find("*/").map_or(rest.len(), |e| e + 4)
        } else if let Some(raw) = raw_string.captures(rest) {
            let close = format!("\"{}", &raw[1]);
            rest[raw[0].len()..].find(&close).map_or(rest.len(), |e| raw[0].len() + e + close.len())
        } else if rest.starts_with('"') || rest.starts_with("b\"") {
            let mut j = if rest.starts_with('b') { 2 } else { 1 };
            let rb = rest.as_bytes();
            while j < rb.len() && rb[j] != b'"' {
                j += if rb[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1).min(rest.len())
        } else if let Some(c) = char_literal.find(rest) {
            c.end()
        } else {
            let ch = rest.chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
            continue;
        };
        out.push_str(&blank(&rest[..end]));
        i += end;
    }
    out
}

#[test]
fn no_function_is_over_150_lines_without_a_reason() {
    let mut long = Vec::new();
    let roots = ["src", "crates", "tests", "tools/fake-ksqldb/src", "benches"];
    let mut files = Vec::new();
    for root in roots {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
        if dir.exists() {
            source_files(&dir, &mut files);
        }
    }
    let function = Regex::new(r"\bfn\s+(\w+)").unwrap();
    for file in &files {
        let src = std::fs::read_to_string(file).unwrap();
        let code = code_only(&src);
        let lines: Vec<&str> = src.lines().collect();
        for f in function.captures_iter(&code) {
            let start = f.get(0).unwrap().start();
            let Some(open) = code[start..].find(['{', ';']).map(|o| start + o) else { continue };
            if code.as_bytes()[open] == b';' {
                continue;
            }
            let mut depth = 0;
            let mut close = open;
            for (k, c) in code[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = open + k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let first = code[..start].matches('\n').count();
            let last = code[..close].matches('\n').count();
            if last - first < 150 {
                continue;
            }
            // A `// long: <reason>` among the comments and attributes right above it.
            let reasoned = lines[..first]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("//") || l.trim_start().starts_with("#["))
                .any(|l| l.trim_start().starts_with("// long:"));
            if !reasoned {
                long.push(format!("{}:{} {} ({} lines)", file.display(), first + 1, &f[1], last - first + 1));
            }
        }
    }
    assert!(long.is_empty(), "functions over 150 lines without a `// long: <reason>` comment:\n{}", long.join("\n"));
}
