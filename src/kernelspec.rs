//! Installs the kernelspec (kernel.json and logos) into a Jupyter kernels folder, pointing at
//! this binary, with the same destinations as `jupyter kernelspec install`.

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const KERNEL_NAME: &str = "ksqldb";
const KERNEL_JSON: &str = include_str!("../kernelspec/kernel.json");
const LOGO_32: &[u8] = include_bytes!("../kernelspec/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../kernelspec/logo-64x64.png");

/// Where to install, as in `jupyter kernelspec install`.
#[derive(Debug, Clone)]
pub enum Destination {
    /// Jupyter's per-user data folder ([`crate::paths::user_data_dir`]).
    User,
    /// The active virtualenv or conda environment (`sys.prefix`).
    SysPrefix,
    Prefix(PathBuf),
}

pub fn kernels_dir(destination: &Destination) -> Result<PathBuf> {
    let data_dir = match destination {
        Destination::User => crate::paths::user_data_dir()?,
        Destination::SysPrefix => sys_prefix()?.join("share").join("jupyter"),
        Destination::Prefix(prefix) => prefix.join("share").join("jupyter"),
    };
    Ok(data_dir.join("kernels"))
}

/// The Python environment Jupyter runs in: the active virtualenv or conda env, else what
/// `python3` reports.
fn sys_prefix() -> Result<PathBuf> {
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(dir) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
    }
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .context("--sys-prefix needs an active virtualenv or python3 on PATH")?;
    if !output.status.success() {
        bail!("python3 could not report sys.prefix");
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

/// The names of the variables that carry a secret: a secret-like name (password, secret,
/// token, credentials) or a URL with a password in it.
pub fn secret_names(env: &[(String, String)]) -> Vec<String> {
    const SECRET_WORDS: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL"];
    env.iter()
        .filter(|(name, value)| {
            let upper = name.to_ascii_uppercase();
            SECRET_WORDS.iter().any(|w| upper.contains(w)) || ksqldb_client::client::url_password(value).is_some()
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The kernel.json content for a binary at `binary`.
pub fn kernel_json(binary: &Path, display_name: Option<&str>, env: &[(String, String)]) -> Result<Value> {
    let mut spec: Value = serde_json::from_str(KERNEL_JSON).context("built-in kernel.json")?;
    spec["argv"][0] = Value::String(binary.to_string_lossy().into_owned());
    if let Some(name) = display_name {
        spec["display_name"] = Value::String(name.to_string());
    }
    if !env.is_empty() {
        let map: serde_json::Map<String, Value> =
            env.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        spec["env"] = Value::Object(map);
    }
    Ok(spec)
}

/// Writes the kernelspec folder and returns its path. An existing spec is replaced.
pub fn install(
    destination: &Destination,
    name: &str,
    display_name: Option<&str>,
    env: &[(String, String)],
) -> Result<PathBuf> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)) {
        bail!("kernel name {name:?} must match [a-z0-9._-]+");
    }
    let binary = std::env::current_exe().context("cannot locate this binary")?;
    let binary = binary.canonicalize().unwrap_or(binary);
    let dir = kernels_dir(destination)?.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let spec = kernel_json(&binary, display_name, env)?;
    std::fs::write(dir.join("kernel.json"), serde_json::to_string_pretty(&spec)? + "\n")
        .with_context(|| format!("cannot write {}", dir.display()))?;
    std::fs::write(dir.join("logo-32x32.png"), LOGO_32)?;
    std::fs::write(dir.join("logo-64x64.png"), LOGO_64)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_json_points_at_binary_and_uses_message_interrupts() {
        let spec = kernel_json(Path::new("/opt/bin/ksqldb-kernel"), None, &[]).unwrap();
        assert_eq!(spec["argv"][0], "/opt/bin/ksqldb-kernel");
        assert_eq!(spec["argv"][3], "{connection_file}");
        assert_eq!(spec["interrupt_mode"], "message");
        assert_eq!(spec["language"], "ksql");
    }

    #[test]
    fn prefix_destination() {
        let dir = kernels_dir(&Destination::Prefix(PathBuf::from("/p"))).unwrap();
        assert_eq!(dir, PathBuf::from("/p/share/jupyter/kernels"));
    }
}
