//! Where an export goes: shown in the notebook, one `.sql` file, or a folder of
//! ksql-migrations files. Shared by `%export` and `ksqldb-kernel export`.

use std::path::{Path, PathBuf};

use super::export::{as_migrations, as_script, steps, Executed, ExportOptions, Provenance};
use super::files::write_whole;

pub const EXPORT_USAGE: &str = "%export [FILE.sql] [--migrations DIR] [--with-inserts] [--force]";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExportRequest {
    pub file: Option<PathBuf>,
    pub migrations: Option<PathBuf>,
    pub with_inserts: bool,
    pub force: bool,
}

impl ExportRequest {
    pub fn parse(words: &[String]) -> Result<ExportRequest, String> {
        let mut request = ExportRequest::default();
        let mut words = words.iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "--with-inserts" => request.with_inserts = true,
                "--force" => request.force = true,
                "--migrations" => {
                    let dir = words.next().ok_or("--migrations needs a folder")?;
                    request.migrations = Some(PathBuf::from(dir));
                }
                "-o" | "--output" => {
                    let file = words.next().ok_or("-o needs a file name")?;
                    request.file = Some(PathBuf::from(file));
                }
                other if other.starts_with('-') => return Err(format!("unknown option {other}")),
                file if request.file.is_none() => request.file = Some(PathBuf::from(file)),
                extra => return Err(format!("unexpected {extra:?}")),
            }
        }
        if request.file.is_some() && request.migrations.is_some() {
            return Err("write either a FILE.sql or --migrations DIR, not both".into());
        }
        Ok(request)
    }
}

/// What the export produced: the script to show (nothing was written), or what was written.
#[derive(Debug)]
pub enum Exported {
    Shown(String),
    Written(String),
}

pub fn export(statements: &[Executed], provenance: &Provenance, request: &ExportRequest) -> Result<Exported, String> {
    let options = ExportOptions { with_inserts: request.with_inserts };
    let steps = steps(statements, &options);
    if let Some(dir) = &request.migrations {
        return write_migrations(dir, &as_migrations(&steps, provenance), request.force).map(Exported::Written);
    }
    let script = as_script(&steps, provenance, &options);
    let Some(file) = &request.file else { return Ok(Exported::Shown(script)) };
    if file.exists() && !request.force {
        return Err(format!("{} exists; add --force to replace it", file.display()));
    }
    write_whole(file, script.as_bytes())
        .map_err(|e| format!("could not write {}: {e} (nothing was written)", file.display()))?;
    Ok(Exported::Written(format!("Wrote {} statements to {}.", steps.len(), file.display())))
}

fn write_migrations(dir: &Path, files: &[(String, String)], force: bool) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    let existing: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("could not read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .filter(|name| name.starts_with('V') && name.ends_with(".sql"))
        .collect();
    if !existing.is_empty() && !force {
        return Err(format!(
            "{} already holds {} migration files; add --force to replace them",
            dir.display(),
            existing.len()
        ));
    }
    // Replacing: an old V000007 next to a new V000006 would be applied as if it belonged.
    for name in &existing {
        std::fs::remove_file(dir.join(name)).map_err(|e| format!("could not remove {name}: {e}"))?;
    }
    for (name, text) in files {
        write_whole(&dir.join(name), text.as_bytes())
            .map_err(|e| format!("could not write {}: {e}", dir.join(name).display()))?;
    }
    Ok(format!("Wrote {} migration files to {}.", files.len(), dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_the_options() {
        let r = ExportRequest::parse(&words("out.sql --with-inserts --force")).unwrap();
        assert_eq!(
            r,
            ExportRequest { file: Some("out.sql".into()), migrations: None, with_inserts: true, force: true }
        );
        assert_eq!(ExportRequest::parse(&words("--migrations m")).unwrap().migrations, Some(PathBuf::from("m")));
        assert_eq!(ExportRequest::parse(&words("-o x.sql")).unwrap().file, Some(PathBuf::from("x.sql")));
        for bad in ["--nope", "a.sql b.sql", "--migrations", "a.sql --migrations m"] {
            assert!(ExportRequest::parse(&words(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn writes_a_script_or_migrations_and_refuses_to_overwrite() {
        let dir = std::env::temp_dir().join(format!("ksqldb-export-{}", uuid::Uuid::new_v4().simple()));
        let ran = vec![Executed { text: "CREATE TYPE t AS INT;".into(), ok: true }];
        let provenance = Provenance { source: "n.ipynb".into(), server: None };
        let file = dir.join("out.sql");
        std::fs::create_dir_all(&dir).unwrap();
        let request = ExportRequest { file: Some(file.clone()), ..Default::default() };
        assert!(matches!(export(&ran, &provenance, &request), Ok(Exported::Written(_))));
        assert!(std::fs::read_to_string(&file).unwrap().ends_with("CREATE TYPE t AS INT;\n"));
        assert!(export(&ran, &provenance, &request).unwrap_err().contains("--force"));
        let request = ExportRequest { migrations: Some(dir.join("m")), ..Default::default() };
        assert!(matches!(export(&ran, &provenance, &request), Ok(Exported::Written(_))));
        assert!(dir.join("m").join("V000001__create_type_t.sql").exists());
        assert!(export(&ran, &provenance, &request).unwrap_err().contains("--force"));
        std::fs::write(dir.join("m").join("V000009__stale.sql"), "DROP STREAM x;").unwrap();
        let forced = ExportRequest { migrations: Some(dir.join("m")), force: true, ..Default::default() };
        export(&ran, &provenance, &forced).unwrap();
        assert!(!dir.join("m").join("V000009__stale.sql").exists(), "--force replaces the old set");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
