//! Where Jupyter keeps per-user data, by jupyter_core's rules, so the kernelspec, the
//! editor's history and the cleanup records land where Jupyter users look for them.

use anyhow::{Context, Result};
use std::path::PathBuf;

/// `$JUPYTER_DATA_DIR`, else the platform's folder: `~/Library/Jupyter` on macOS,
/// `%APPDATA%\jupyter` on Windows, `$XDG_DATA_HOME/jupyter` or `~/.local/share/jupyter`
/// elsewhere.
pub fn user_data_dir() -> Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|d| !d.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("JUPYTER_DATA_DIR") {
        return Ok(dir);
    }
    if cfg!(windows) {
        return var("APPDATA").map(|d| d.join("jupyter")).context("APPDATA is not set; use --prefix");
    }
    let home = var("HOME").context("HOME is not set; use --prefix");
    if cfg!(target_os = "macos") {
        return Ok(home?.join("Library").join("Jupyter"));
    }
    if let Some(dir) = var("XDG_DATA_HOME") {
        return Ok(dir.join("jupyter"));
    }
    Ok(home?.join(".local").join("share").join("jupyter"))
}

/// This kernel's own folder of per-user data.
pub fn kernel_data_dir() -> Result<PathBuf> {
    Ok(user_data_dir()?.join("ksqldb-kernel"))
}
