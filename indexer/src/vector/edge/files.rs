//! The files of the embedded store: atomic writes, sparse copies of published snapshots, the
//! `CURRENT` pointer, the model record, and the clean-up of copies left by readers that died.

use std::fs::{self, File};
use std::path::Path;

use super::{CURRENT, MODEL_FILE};
use crate::vector::StoredModel;
use crate::IndexError;

/// Readers' private copies are `TEMP/cited-vectors-PID-*`.
pub(super) const READER_PREFIX: &str = "cited-vectors-";

/// Removes the copies of readers that died without cleaning up (killed, say), where the process
/// table can tell (Linux `/proc`).
pub(super) fn remove_orphan_copies() {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(READER_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !proc.join(pid.to_string()).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

pub(super) fn read_model(dir: &Path) -> Result<Option<StoredModel>, IndexError> {
    match fs::read(dir.join(MODEL_FILE)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| IndexError::Corrupt(format!("{}: {e}", dir.join(MODEL_FILE).display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes `bytes` to `path` so that readers see the old or the new file, never a part.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes)?;
    File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, path)?;
    Ok(())
}

pub(super) fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            copy_sparse(&entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Copies a file, leaving holes where it has blocks of zeros: Qdrant preallocates its segment files
/// and write-ahead log, and a plain copy would turn ~4 KB a passage into ~26 KB.
pub(super) fn copy_sparse(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    const BLOCK: usize = 64 * 1024;
    let mut src = File::open(from)?;
    let mut dst = File::create(to)?;
    let mut buf = vec![0u8; BLOCK];
    let mut len = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().all(|&b| b == 0) {
            dst.seek(SeekFrom::Current(n as i64))?;
        } else {
            dst.write_all(&buf[..n])?;
        }
        len += n as u64;
    }
    dst.set_len(len)?;
    Ok(())
}

pub(super) fn current_snapshot(root: &Path) -> Result<Option<u64>, IndexError> {
    match fs::read_to_string(root.join(CURRENT)) {
        Ok(s) => s.trim().parse().map(Some).map_err(|_| {
            IndexError::Corrupt(format!("{}: not a number", root.join(CURRENT).display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}
