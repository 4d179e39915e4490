//! Where a report lives — a file or a Confluence page — behind one interface: hold it for the
//! run, save it only if it still holds what was read, make saves durable, and say where the
//! journal of creates in flight is kept. The sync engine works with a [`Home`] and never asks
//! which kind it has.
//!
//! An enum rather than a trait object: making a page's save durable is asynchronous (an HTTP
//! `PUT`), and the set of homes is small and closed; each variant's type carries the same
//! methods.

pub mod page;

use std::path::PathBuf;

use crate::report::disk::FolderSync;
use crate::report::{Edit, FileHome, Report, ReportError};

pub use page::PageHome;

/// Where one report lives.
#[derive(Debug)]
pub enum Home {
    /// A Markdown or HTML file on disk.
    File(FileHome),
    /// A Confluence page.
    Page(Box<PageHome>),
}

/// What a deferred save left to do (see [`Home::save_deferred`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Nothing: the save was durable, or nothing was saved.
    Nothing,
    /// The folder holding a replaced file needs syncing (once, however many files it holds).
    Folder(PathBuf),
    /// The page needs its `PUT`.
    Publish,
}

impl Home {
    /// Where the journal of this report's creates in flight is kept: beside a file, in the
    /// state directory for a page.
    pub fn journal_path(&self) -> PathBuf {
        match self {
            Home::File(file) => file.journal_path(),
            Home::Page(page) => page.journal_path(),
        }
    }

    /// Notes `edits` about to be applied to `report` (a page re-applies them after a
    /// concurrent save).
    pub fn record(&mut self, report: &Report, edits: &[Edit]) {
        if let Home::Page(page) = self {
            page.record(report, edits);
        }
    }

    /// Saves `report` if it changed, leaving what makes the save durable to [`make_durable`]:
    /// a file is replaced now (after a crash it holds the old or the new bytes, both whole),
    /// a page is written by the one `PUT` of the run. Returns whether something is to be
    /// made durable.
    pub fn save_deferred(&mut self, report: &mut Report) -> Result<bool, ReportError> {
        match self {
            Home::File(file) => file.save_with(report, FolderSync::Deferred),
            Home::Page(page) => Ok(page.pending(report)),
        }
    }

    /// What a deferred save of this home leaves to do.
    pub fn pending(&self) -> Pending {
        match self {
            Home::File(file) => Pending::Folder(file.folder()),
            Home::Page(_) => Pending::Publish,
        }
    }

    /// What changed from what the home holds to `report`'s bytes, as a unified diff written
    /// when shown (`None` when unmodified).
    pub fn change(&self, report: &Report) -> Option<crate::report::Change> {
        match self {
            Home::File(file) => file.change(report),
            Home::Page(_) => report.change_from(&self.diff_name(), report.saved_shared()?),
        }
    }

    /// The name a diff of its report shows (`a/NAME`, `b/NAME`).
    pub fn diff_name(&self) -> String {
        match self {
            Home::File(file) => file.diff_name(),
            Home::Page(page) => page.name().display().to_string(),
        }
    }
}

/// Saves every changed report at once: files written and flushed in parallel, one folder sync
/// per folder; pages are left to [`make_durable`] (`Ok(false)` here). One result per report.
pub fn save_all(pairs: &mut [(&mut Home, &mut Report)]) -> Vec<Result<bool, ReportError>> {
    let mut files: Vec<(&mut FileHome, &mut Report)> = Vec::new();
    let mut is_file = Vec::with_capacity(pairs.len());
    for (home, report) in pairs.iter_mut() {
        match home {
            Home::File(file) => {
                files.push((file, &mut **report));
                is_file.push(true);
            }
            Home::Page(_) => is_file.push(false),
        }
    }
    let mut saved = FileHome::save_many(&mut files).into_iter();
    is_file
        .into_iter()
        .map(|file| {
            if file {
                saved.next().unwrap_or(Ok(false))
            } else {
                Ok(false)
            }
        })
        .collect()
}

/// Why making a save durable failed.
#[derive(Debug)]
pub enum DurableError {
    /// A folder sync.
    Io(std::io::Error),
    /// A page's `PUT`.
    Page(crate::confluence::ConfluenceError),
}

/// Makes the deferred saves of `pairs` durable: each folder synced once, each changed page
/// written with one `PUT` (pages concurrently). Returns, per pair, whether a page version was
/// written; on failure the index of the pair whose step failed with the error.
pub async fn make_durable(
    pairs: &mut [(&mut Home, &mut Report)],
) -> Result<Vec<bool>, (usize, DurableError)> {
    let mut folders: Vec<(PathBuf, usize)> = Vec::new();
    for (index, (home, _)) in pairs.iter().enumerate() {
        if let Pending::Folder(folder) = home.pending()
            && !folders.iter().any(|(f, _)| *f == folder)
        {
            folders.push((folder, index));
        }
    }
    for (folder, index) in folders {
        crate::report::disk::sync_folder(&folder).map_err(|e| (index, DurableError::Io(e)))?;
    }
    let mut written = vec![false; pairs.len()];
    let publishes = pairs
        .iter_mut()
        .enumerate()
        .filter_map(|(index, (home, report))| match home {
            Home::Page(page) => Some(async move { (index, page.publish(report).await) }),
            Home::File(_) => None,
        });
    let mut first_error = None;
    for (index, result) in join_in_order(publishes).await {
        match result {
            Ok(put) => written[index] = put,
            Err(error) => {
                first_error.get_or_insert((index, DurableError::Page(error)));
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(written),
    }
}

/// Runs `futures` concurrently on the current task and gathers their outputs in order (the
/// client caps requests in flight).
pub(crate) async fn join_in_order<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (slot, future) in outputs.iter_mut().zip(pending.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => *slot = Some(output),
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    pending.clear();
    outputs.into_iter().flatten().collect()
}
