//! The report's file: checking it still holds what was read, and replacing it atomically.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use atomic_write_file::AtomicWriteFile;

/// Whether the file at `path` holds exactly `expected`, compared in chunks so a large report is
/// not read into memory a second time.
pub(crate) fn holds(path: &Path, expected: &[u8]) -> io::Result<bool> {
    let mut file = File::open(path)?;
    if file.metadata()?.len() != expected.len() as u64 {
        return Ok(false);
    }
    let mut buffer = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(at == expected.len());
        }
        if expected.get(at..at + read) != Some(&buffer[..read]) {
            return Ok(false);
        }
        at += read;
    }
}

/// The file to write: symlinks resolved, so saving replaces the target rather than the link.
pub(crate) fn target(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Replaces the file at `path` with `bytes`: a temporary file in the same folder, flushed and
/// renamed over it, the folder synced. The file's permissions are kept.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicWriteFile::options().open(path)?;
    file.write_all(bytes)?;
    file.commit()
}
