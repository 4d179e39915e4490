//! An advisory lock against a second pm-sync working on the same report at the same time.
//!
//! The lock is taken on a sidecar file next to the report (`.<name>.pm-sync.lock`), never on the
//! report itself: saving renames a new file over the report, so a lock on the report's old inode
//! would not exclude a process that opens the new one. The sidecar is never deleted: a process
//! waiting on it could otherwise lock an unlinked file while a newcomer creates and locks a fresh
//! one, and both would believe they hold the lock. An empty file left behind is the price.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::error::ReportError;

/// How long [`lock`] waits for another process to let go.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Holds the report's lock until dropped.
#[derive(Debug)]
pub struct ReportLock {
    file: File,
    path: PathBuf,
}

impl ReportLock {
    /// The sidecar lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ReportLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first says so explicitly.
        let _ = self.file.unlock();
    }
}

/// The sidecar lock file for the report at `path` (symlinks resolved, so every name of one file
/// shares one lock).
pub fn lock_path(path: &Path) -> Result<PathBuf, ReportError> {
    let real = std::fs::canonicalize(path).map_err(|cause| ReportError::Read {
        path: path.to_owned(),
        cause,
    })?;
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(real.with_file_name(format!(".{name}.pm-sync.lock")))
}

/// Locks the report at `path`, waiting up to [`LOCK_WAIT`] for another process to finish.
pub fn lock(path: &Path) -> Result<ReportLock, ReportError> {
    lock_with_timeout(path, LOCK_WAIT)
}

/// Locks the report at `path`, waiting up to `wait` for another holder to let go.
pub fn lock_with_timeout(path: &Path, wait: Duration) -> Result<ReportLock, ReportError> {
    let lock_path = lock_path(path)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|cause| ReportError::Write {
            path: lock_path.clone(),
            cause,
        })?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => {
                return Ok(ReportLock {
                    file,
                    path: lock_path,
                });
            }
            Err(TryLockError::WouldBlock) => {
                let waited = started.elapsed();
                if waited >= wait {
                    return Err(ReportError::Locked {
                        path: path.to_owned(),
                        lock_path,
                        waited,
                    });
                }
                thread::sleep((wait - waited).min(Duration::from_millis(50)));
            }
            Err(TryLockError::Error(cause)) => {
                return Err(ReportError::Write {
                    path: lock_path,
                    cause,
                });
            }
        }
    }
}
