//! Where a report lives — a file, or (later) a wiki page — behind one interface: read its
//! bytes, hold it for the run, save it only if it still holds what was read, make saves
//! durable, and say where the journal of creates in flight is kept. The sync engine works
//! with a [`Home`] and never asks which kind it has.
//!
//! An enum rather than a trait object: saving a page is asynchronous (an HTTP `PUT`), and the
//! set of homes is small and closed; each variant's type carries the same methods.

use std::path::PathBuf;

use crate::report::disk::FolderSync;
use crate::report::{FileHome, Report, ReportError, ReportOptions};

/// Where one report lives.
#[derive(Debug)]
pub enum Home {
    /// A Markdown or HTML file on disk.
    File(FileHome),
}

/// What a save left to make durable (see [`Home::save_deferred`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Nothing: the save was durable, or nothing was saved.
    Nothing,
    /// The folder holding a replaced file needs syncing (once, however many files it holds).
    Folder(PathBuf),
}

impl Home {
    /// Reads the report's bytes and parses them.
    pub fn read(&self, options: &ReportOptions) -> Result<Report, ReportError> {
        match self {
            Home::File(file) => Report::parse(file.path(), file.read(options)?, options),
        }
    }

    /// Where the journal of this report's creates in flight is kept.
    pub fn journal_path(&self) -> PathBuf {
        match self {
            Home::File(file) => file.journal_path(),
        }
    }

    /// Saves `report` if it changed, durably; returns whether it wrote. Fails without writing
    /// when the home no longer holds what was read.
    pub fn save(&mut self, report: &mut Report) -> Result<bool, ReportError> {
        match self {
            Home::File(file) => file.save(report),
        }
    }

    /// Saves `report` if it changed, leaving what makes the save durable to
    /// [`Home::pending`] and [`make_durable`] (after a crash the home holds the old or the new
    /// bytes, both whole).
    pub fn save_deferred(&mut self, report: &mut Report) -> Result<bool, ReportError> {
        match self {
            Home::File(file) => file.save_with(report, FolderSync::Deferred),
        }
    }

    /// What a deferred save of this home leaves to do.
    pub fn pending(&self) -> Pending {
        match self {
            Home::File(file) => Pending::Folder(file.folder()),
        }
    }

    /// A unified diff from what the home holds to `report`'s bytes (empty when unmodified).
    pub fn diff(&self, report: &Report) -> String {
        match self {
            Home::File(file) => file.diff(report),
        }
    }
}

/// Saves every changed report at once: files written and flushed in parallel, one folder sync
/// per folder. One result per report, in order.
pub fn save_all(pairs: &mut [(&mut Home, &mut Report)]) -> Vec<Result<bool, ReportError>> {
    let mut files: Vec<(&mut FileHome, &mut Report)> = pairs
        .iter_mut()
        .map(|(home, report)| match home {
            Home::File(file) => (file, &mut **report),
        })
        .collect();
    FileHome::save_many(&mut files)
}

/// Makes the deferred saves of `homes` durable: each folder synced once. Returns the index of
/// the home whose step failed with the error.
pub async fn make_durable(homes: &[&Home]) -> Result<(), (usize, std::io::Error)> {
    let mut folders: Vec<(PathBuf, usize)> = Vec::new();
    for (index, home) in homes.iter().enumerate() {
        match home.pending() {
            Pending::Nothing => {}
            Pending::Folder(folder) => {
                if !folders.iter().any(|(f, _)| *f == folder) {
                    folders.push((folder, index));
                }
            }
        }
    }
    for (folder, index) in folders {
        crate::report::disk::sync_folder(&folder).map_err(|error| (index, error))?;
    }
    Ok(())
}
