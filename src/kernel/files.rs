//! Writing files the user asked for (`%save`, `%export`): whole or not at all.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to a hidden file in the target's folder, flushes it to disk, then renames
/// it over the target: a failure leaves no partial file under the target's name.
pub fn write_whole(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
