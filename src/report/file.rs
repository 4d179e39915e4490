//! A report that lives in a file: read with size and kind checks, locked for the run, saved
//! atomically only while the file still holds what was read, diffed against the file.

use std::path::{Path, PathBuf};

use super::disk::{self, FolderSync};
use super::{Edit, Report, ReportError, ReportLock, ReportOptions, Saved};

/// The file a report lives in, and the lock held on it for a run (if any).
#[derive(Debug)]
pub struct FileHome {
    path: PathBuf,
    lock: Option<ReportLock>,
}

impl FileHome {
    /// The file at `path`, not locked.
    pub fn new(path: &Path) -> FileHome {
        FileHome {
            path: path.to_owned(),
            lock: None,
        }
    }

    /// The file at `path`, locked until the home is dropped (waits up to
    /// [`super::LOCK_WAIT`] for another process to finish).
    pub fn locked(path: &Path) -> Result<FileHome, ReportError> {
        Ok(FileHome {
            path: path.to_owned(),
            lock: Some(super::lock(path)?),
        })
    }

    /// The path the report was named by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file's bytes. Only a regular file of at most `options.max_size` bytes is
    /// read: a FIFO would block forever, `/dev/zero` would fill the memory, and neither is a
    /// report whose bytes belong in an error message.
    pub fn read(&self, options: &ReportOptions) -> Result<Vec<u8>, ReportError> {
        use std::io::Read;
        let path = self.path.as_path();
        let refuse = |cause: std::io::Error| ReportError::Read {
            path: path.to_owned(),
            cause,
        };
        let too_large = |size: u64| {
            refuse(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!(
                    "the file is {size} bytes, more than the {} allowed; raise [report] max_size \
                     if this really is a report",
                    options.max_size
                ),
            ))
        };
        // Non-blocking and checked on the opened handle (`fstat`): a FIFO, socket or device is
        // refused at once, whatever the path named a moment before.
        let file = disk::open_regular(path, disk::Access::Read).map_err(refuse)?;
        let opened = file.metadata().map_err(refuse)?;
        if opened.len() > options.max_size {
            return Err(too_large(opened.len()));
        }
        let capacity = usize::try_from(opened.len().min(options.max_size)).unwrap_or(0);
        let mut bytes = Vec::with_capacity(capacity);
        // Bounded, so a file that grows while it is read cannot exceed the cap either.
        file.take(options.max_size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(refuse)?;
        if bytes.len() as u64 > options.max_size {
            return Err(too_large(bytes.len() as u64));
        }
        Ok(bytes)
    }

    /// Writes `report`'s bytes back atomically (a temporary file renamed over the report,
    /// permissions kept), under the lock when one is held. Does nothing, not even touch the
    /// file, when unmodified; returns whether it wrote. Fails without writing if the file no
    /// longer holds the bytes last loaded or saved.
    pub fn save(&mut self, report: &mut Report) -> Result<bool, ReportError> {
        self.save_with(report, FolderSync::Now)
    }

    /// [`FileHome::save`], choosing when the folder is synced: [`FolderSync::Deferred`] for a
    /// save that a later durable one (or [`FileHome::sync_folder`]) makes durable.
    pub fn save_with(
        &mut self,
        report: &mut Report,
        folder: FolderSync,
    ) -> Result<bool, ReportError> {
        let path = self.path.clone();
        let mut save = || {
            let Some(target) = save_target(&path, report)? else {
                return Ok(false);
            };
            disk::replace(&target, report.bytes(), folder).map_err(|cause| ReportError::Write {
                path: path.clone(),
                cause,
            })?;
            report.mark_saved();
            Ok(true)
        };
        match &mut self.lock {
            Some(lock) => lock.saving(save),
            None => save(),
        }
    }

    /// Saves `report` with the edits of `calls` made (each call one row's edits, rows in
    /// order, as [`Report::plan_edits`] takes them), written to the file a piece at a time as
    /// they are planned (see `Report::write_edited`): a big report's new bytes are never
    /// held whole, nor its edits. Checked and replaced as [`FileHome::save_with`] does, even
    /// when the report's own bytes are unchanged. With `read_back`, the report then takes the
    /// saved bytes as its own (its old bytes let go first); without, it stays as it was, its
    /// file ahead of it, and may be neither saved nor edited until a save that reads back
    /// (every edit of such saves is written again from the report's bytes each time).
    /// `changed_row` hears of each row whose bytes change. Returns whether any byte changed:
    /// if none did, the file is not rewritten.
    pub fn save_edited(
        &mut self,
        report: &mut Report,
        calls: &mut dyn Iterator<Item = Vec<Edit>>,
        read_back: bool,
        folder: FolderSync,
        changed_row: &mut dyn FnMut(usize),
    ) -> Result<bool, ReportError> {
        let path = self.path.clone();
        let mut save = || {
            let target = checked_target(&path, report)?;
            let before = report.saved_fingerprint();
            let mut planned: Option<Result<(disk::Fingerprint, bool), ReportError>> = None;
            let beside = disk::write_beside(&target, &mut |sink| {
                let result = report.write_edited(calls, sink, changed_row);
                let failed = result.is_err();
                planned = Some(result);
                if failed {
                    return Err(std::io::Error::other("the edits could not be written"));
                }
                Ok(())
            });
            // The new file is dropped (the report's file stays as it was) when the edits
            // fail or change nothing.
            let (fingerprint, changed) = match planned {
                Some(Err(error)) => return Err(error),
                Some(Ok(done)) => done,
                None => (before, false),
            };
            let beside = beside.map_err(|cause| ReportError::Write {
                path: path.clone(),
                cause,
            })?;
            if !changed {
                return Ok(false);
            }
            if read_back {
                // Parsed before it replaces the file: edits that leave a report pm-sync cannot
                // read are refused, the file kept as it was (as an edit applied in memory is).
                if let Err(error) =
                    report.read_back(|| disk::read_regular(beside.temp_path()), fingerprint)
                {
                    drop(beside);
                    let _ = report.read_back(|| disk::read_regular(&target), before);
                    return Err(error);
                }
            }
            beside.commit(folder).map_err(|cause| ReportError::Write {
                path: path.clone(),
                cause,
            })?;
            if !read_back {
                report.mark_saved_ahead(fingerprint);
            }
            Ok(changed)
        };
        match &mut self.lock {
            Some(lock) => lock.saving(save),
            None => save(),
        }
    }

    /// Saves many reports at once, each with its home: temporary files written and flushed in
    /// parallel, one folder sync per folder, under every held lock. One result per report, in
    /// order (as [`FileHome::save`]); a lock that cannot be taken fails every report.
    pub fn save_many(pairs: &mut [(&mut FileHome, &mut Report)]) -> Vec<Result<bool, ReportError>> {
        let mut locks: Vec<&mut ReportLock> = Vec::new();
        let mut reports: Vec<&mut Report> = Vec::with_capacity(pairs.len());
        let mut paths: Vec<PathBuf> = Vec::with_capacity(pairs.len());
        for (home, report) in pairs.iter_mut() {
            locks.extend(home.lock.as_mut());
            paths.push(home.path.clone());
            reports.push(&mut **report);
        }
        match ReportLock::saving_many(&mut locks, || save_paths(&paths, &mut reports)) {
            Ok(results) => results,
            Err(error) => {
                let message = error.to_string();
                paths
                    .iter()
                    .map(|path| {
                        Err(ReportError::Write {
                            path: path.clone(),
                            cause: std::io::Error::other(message.clone()),
                        })
                    })
                    .collect()
            }
        }
    }

    /// Syncs the folder of the file, making a deferred save durable.
    pub fn sync_folder(&self) -> std::io::Result<()> {
        disk::sync_folder(&self.folder())
    }

    /// The folder whose entries a deferred save of this file changed.
    pub fn folder(&self) -> PathBuf {
        disk::folder_of(&disk::target(&self.path))
    }

    /// Where the journal of creates in flight for this report lives:
    /// `.NAME.pm-sync-journal.json` beside the real file (symlinks resolved, like the lock), so
    /// every name of one report shares one journal.
    pub fn journal_path(&self) -> PathBuf {
        let real = std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        real.with_file_name(format!(".{name}.pm-sync-journal.json"))
    }

    /// A unified diff from the bytes last loaded or saved (what is on disk) to `report`'s
    /// current bytes, with `a/<path>` and `b/<path>` headers; empty when unmodified. Without
    /// [`ReportOptions::keep_original`] those bytes are read back from the file, and a file
    /// that no longer holds them gets a one-line note instead.
    pub fn diff(&self, report: &Report) -> String {
        self.change(report)
            .map(|change| change.to_string())
            .unwrap_or_default()
    }

    /// [`FileHome::diff`], written only when shown: `None` when unmodified.
    pub fn change(&self, report: &Report) -> Option<crate::report::Change> {
        if !report.is_modified() {
            return None;
        }
        let before = match report.saved() {
            Saved::Bytes(_) => report.saved_shared()?,
            Saved::Fingerprint(fingerprint) => {
                let read_back = std::fs::read_to_string(disk::target(&self.path))
                    .ok()
                    .filter(|text| disk::Fingerprint::of(text.as_bytes()) == fingerprint);
                match read_back {
                    Some(text) => std::sync::Arc::new(text),
                    None => {
                        return Some(crate::report::Change::Note(format!(
                            "{}: no diff: the file changed on disk since pm-sync read it",
                            self.path.display()
                        )));
                    }
                }
            }
        };
        report.change_from(&self.diff_name(), before)
    }

    /// The name a diff of this file shows (`a/NAME`, `b/NAME`).
    pub fn diff_name(&self) -> String {
        self.path.display().to_string()
    }
}

/// Saves many reports, each to the file it names, at once (no locks taken): see
/// [`FileHome::save_many`].
pub fn save_all(reports: &mut [&mut Report]) -> Vec<Result<bool, ReportError>> {
    let paths: Vec<PathBuf> = reports.iter().map(|r| r.path().to_owned()).collect();
    save_paths(&paths, reports)
}

/// Saves `reports[i]` to `paths[i]`, flushes overlapped.
fn save_paths(paths: &[PathBuf], reports: &mut [&mut Report]) -> Vec<Result<bool, ReportError>> {
    let targets: Vec<Result<Option<PathBuf>, ReportError>> = paths
        .iter()
        .zip(reports.iter())
        .map(|(path, report)| save_target(path, report))
        .collect();
    let files: Vec<(&Path, &[u8])> = reports
        .iter()
        .zip(&targets)
        .filter_map(|(r, t)| match t {
            Ok(Some(target)) => Some((target.as_path(), r.bytes())),
            _ => None,
        })
        .collect();
    let mut written = disk::replace_many(&files).into_iter();
    let mut results = Vec::with_capacity(reports.len());
    for ((report, target), path) in reports.iter_mut().zip(targets).zip(paths) {
        results.push(match target {
            Err(error) => Err(error),
            Ok(None) => Ok(false),
            Ok(Some(_)) => match written.next() {
                Some(Ok(())) => {
                    report.mark_saved();
                    Ok(true)
                }
                Some(Err(cause)) => Err(ReportError::Write {
                    path: path.clone(),
                    cause,
                }),
                None => Err(ReportError::Write {
                    path: path.clone(),
                    cause: std::io::Error::other("not saved"),
                }),
            },
        });
    }
    results
}

/// The file a save of `report` to `path` would replace, or `None` when there is nothing to
/// save; fails when the file no longer holds the bytes last loaded or saved.
fn save_target(path: &Path, report: &Report) -> Result<Option<PathBuf>, ReportError> {
    if report.is_behind() {
        // Saving these bytes would drop edits the file holds (a bug of ours, said so).
        return Err(ReportError::Write {
            path: path.to_owned(),
            cause: std::io::Error::other(
                "pm-sync saved edits to this file that its copy in memory lacks; not saved",
            ),
        });
    }
    if !report.is_modified() {
        return Ok(None);
    }
    checked_target(path, report).map(Some)
}

/// The file a save of `report` to `path` replaces, once it is checked to hold what the
/// report was read from or last saved as (else it changed on disk, and is not replaced).
fn checked_target(path: &Path, report: &Report) -> Result<PathBuf, ReportError> {
    let target = disk::target(path);
    let holds = match report.saved() {
        Saved::Bytes(bytes) => disk::holds(&target, bytes.as_bytes()),
        Saved::Fingerprint(fingerprint) => disk::has_fingerprint(&target, fingerprint),
    };
    match holds {
        Ok(true) => Ok(target),
        Ok(false) | Err(_) => Err(ReportError::ChangedOnDisk {
            path: path.to_owned(),
        }),
    }
}
