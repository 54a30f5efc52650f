//! The layering the README's architecture section describes, checked on the source: no
//! module imports a sibling that (directly or not) imports it back, and the lower layers
//! import nothing above them (jupyter/ and ksql/ know neither the kernel, the renderers nor
//! the sandbox; render/ does not know the kernel).
//!
//! Imports are read from `crate::`, `super::` and `self::` paths (use trees expanded), test
//! modules left out: a regex reading of Rust, enough for the paths this crate writes.

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

/// Module path (`kernel::live`) of each file under src/.
fn modules() -> BTreeMap<String, PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap().with_extension("");
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

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let known = modules();
    known.iter().map(|(m, f)| (m.clone(), imports(m, f, &known))).collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = graph();
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
    let circles: Vec<String> = graph
        .iter()
        .flat_map(|(m, deps)| deps.iter().filter(|d| reaches(d, m)).map(move |d| format!("{m} -> {d}")))
        .collect();
    assert!(graph.len() > 50, "the module graph was read ({} modules)", graph.len());
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

#[test]
fn lower_layers_import_nothing_above_them() {
    let rules = [
        ("jupyter", &["kernel", "render", "sandbox", "ksql"][..]),
        ("ksql", &["kernel", "render", "sandbox", "jupyter"][..]),
        ("render", &["kernel", "sandbox", "jupyter"][..]),
    ];
    let mut broken = Vec::new();
    for (module, deps) in graph() {
        for (layer, forbidden) in rules {
            if module == layer || module.starts_with(&format!("{layer}::")) {
                for dep in &deps {
                    if forbidden.iter().any(|f| dep == f || dep.starts_with(&format!("{f}::"))) {
                        broken.push(format!("{module} imports {dep}"));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}
