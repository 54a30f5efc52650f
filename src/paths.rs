//! Where Jupyter keeps per-user data, by jupyter_core's rules, so the kernelspec, the
//! editor's history and the cleanup records land where Jupyter users look for them.

use anyhow::{Context, Result};
use std::path::PathBuf;

/// `$JUPYTER_DATA_DIR`, else the platform's folder: `~/Library/Jupyter` on macOS,
/// `%APPDATA%\jupyter` on Windows, `$XDG_DATA_HOME/jupyter` or `~/.local/share/jupyter`
/// elsewhere. With `JUPYTER_PLATFORM_DIRS` set (jupyter_core's opt-in to platformdirs, the
/// announced default of jupyter_core 6), `~/Library/Application Support/jupyter` on macOS and
/// `%LOCALAPPDATA%\jupyter` on Windows.
pub fn user_data_dir() -> Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|d| !d.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("JUPYTER_DATA_DIR") {
        return Ok(dir);
    }
    let platform_dirs = env_flag(std::env::var("JUPYTER_PLATFORM_DIRS").ok().as_deref());
    if cfg!(windows) {
        let base = if platform_dirs { "LOCALAPPDATA" } else { "APPDATA" };
        return var(base).map(|d| d.join("jupyter")).with_context(|| format!("{base} is not set; use --prefix"));
    }
    let home = var("HOME").context("HOME is not set; use --prefix");
    if cfg!(target_os = "macos") {
        return Ok(if platform_dirs {
            home?.join("Library").join("Application Support").join("jupyter")
        } else {
            home?.join("Library").join("Jupyter")
        });
    }
    if let Some(dir) = var("XDG_DATA_HOME") {
        return Ok(dir.join("jupyter"));
    }
    Ok(home?.join(".local").join("share").join("jupyter"))
}

/// jupyter_core's `envset`: set to anything but no, n, false, off, 0 or 0.0 (any case).
fn env_flag(value: Option<&str>) -> bool {
    value.is_some_and(|v| !["no", "n", "false", "off", "0", "0.0"].contains(&v.to_ascii_lowercase().as_str()))
}

/// This kernel's own folder of per-user data.
pub fn kernel_data_dir() -> Result<PathBuf> {
    Ok(user_data_dir()?.join("ksqldb-kernel"))
}

#[cfg(test)]
mod tests {
    use super::env_flag;

    #[test]
    fn env_flags_read_as_jupyter_core_reads_them() {
        for on in ["1", "yes", "true", "TRUE", "anything", ""] {
            assert!(env_flag(Some(on)), "{on:?}");
        }
        for off in ["0", "no", "N", "false", "Off", "0.0"] {
            assert!(!env_flag(Some(off)), "{off:?}");
        }
        assert!(!env_flag(None));
    }
}
