//! A sidecar record of creates in flight, so that a run that dies, or loses a create's
//! response, never files the same item twice.
//!
//! Before a create batch is sent, its items are written here (atomically). After the keys are
//! in the report, they are removed; the file is deleted when empty. An entry still present on
//! the next run means "this item may exist in Jira already": the run searches for it (Cloud
//! search lags behind writes) before it would create it again.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One item whose create was sent but whose key is not yet in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCreate {
    /// The incident date label the issue carries, e.g. `sev1_20200414`.
    pub date_label: String,
    /// The summary it was created with.
    pub summary: String,
    /// When the create was sent.
    pub sent_at: DateTime<Utc>,
}

/// The journal of one report.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    entries: Vec<PendingCreate>,
}

#[derive(Serialize, Deserialize)]
struct JournalFile {
    /// Explains the file to whoever finds it in a working tree.
    #[serde(default)]
    about: String,
    pending: Vec<PendingCreate>,
}

impl Journal {
    /// The sidecar path for `report`: `.NAME.pm-sync-journal.json` beside the real file
    /// (symlinks resolved, like the lock), so every name of one report shares one journal.
    pub fn path_for(report: &Path) -> PathBuf {
        let real = std::fs::canonicalize(report).unwrap_or_else(|_| report.to_path_buf());
        let report = real.as_path();
        let name = report
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        report.with_file_name(format!(".{name}.pm-sync-journal.json"))
    }

    /// Reads the journal of `report` (empty when there is none).
    pub fn load(report: &Path) -> io::Result<Self> {
        let path = Self::path_for(report);
        let entries = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: JournalFile = serde_json::from_slice(&bytes).map_err(|error| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{} is not a pm-sync journal ({error}); if no pm-sync run is \
                             active, check Jira for duplicates of its items, then delete it",
                            path.display()
                        ),
                    )
                })?;
                file.pending
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(error),
        };
        Ok(Self { path, entries })
    }

    /// Entries still pending.
    pub fn pending(&self) -> &[PendingCreate] {
        &self.entries
    }

    /// Records creates about to be sent; durable before this returns.
    pub fn record(&mut self, entries: impl IntoIterator<Item = PendingCreate>) -> io::Result<()> {
        self.entries.extend(entries);
        self.write()
    }

    /// Removes one entry per `(date_label, summary)` given: those items now have their key in
    /// the report (or are known not to exist).
    pub fn settle<'a>(
        &mut self,
        done: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> io::Result<()> {
        let mut changed = false;
        for (label, summary) in done {
            if let Some(index) = self
                .entries
                .iter()
                .position(|e| e.date_label == label && e.summary == summary)
            {
                self.entries.remove(index);
                changed = true;
            }
        }
        if changed { self.write() } else { Ok(()) }
    }

    fn write(&self) -> io::Result<()> {
        if self.entries.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            };
        }
        let file = JournalFile {
            about: "pm-sync: creates sent whose keys are not yet in the report. \
                    Deleted automatically once they are."
                .to_owned(),
            pending: self.entries.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
        let mut out = atomic_write_file::AtomicWriteFile::open(&self.path)?;
        io::Write::write_all(&mut out, &bytes)?;
        out.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(summary: &str) -> PendingCreate {
        PendingCreate {
            date_label: "sev1_20200414".into(),
            summary: summary.into(),
            sent_at: Utc::now(),
        }
    }

    #[test]
    fn survives_a_reload_and_disappears_when_settled() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("pm.md");
        let mut journal = Journal::load(&report).unwrap();
        journal
            .record([entry("a"), entry("a"), entry("b")])
            .unwrap();
        let mut again = Journal::load(&report).unwrap();
        assert_eq!(again.pending().len(), 3);
        again.settle([("sev1_20200414", "a")]).unwrap();
        assert_eq!(Journal::load(&report).unwrap().pending().len(), 2);
        again
            .settle([("sev1_20200414", "a"), ("sev1_20200414", "b")])
            .unwrap();
        assert!(!Journal::path_for(&report).exists());
    }
}
