//! Finding and loading the reports of a run: paths expanded, files locked, tables parsed,
//! labels resolved — all before anything is sent to Jira, so bad input changes nothing.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::report::labels::{IncidentLabels, resolve_labels};
use crate::report::{Report, ReportError, ReportLock, ReportOptions};

/// A report ready to be worked on.
#[derive(Debug)]
pub struct LoadedReport {
    pub report: Report,
    /// The labels its tickets carry (`None` when not needed, e.g. for refresh).
    pub labels: Option<IncidentLabels>,
    /// A title for ticket descriptions.
    pub title: String,
    /// Whether this run rewrote the file.
    written: bool,
    /// Whether a save of this run has not had its folder synced yet.
    unsynced: bool,
    /// Held for the whole run so no second pm-sync interleaves writes.
    _lock: Option<ReportLock>,
}

impl LoadedReport {
    /// Saves the report if it changed (atomically); remembers that it was written.
    pub fn save(&mut self) -> Result<bool, ReportError> {
        let written = self.report.save()?;
        self.written |= written;
        Ok(written)
    }

    /// Saves like [`LoadedReport::save`], leaving the folder sync to a later durable save or to
    /// whoever calls [`LoadedReport::take_unsynced`] (after a power loss the file holds its old
    /// or its new bytes, both whole).
    pub fn save_deferred(&mut self) -> Result<bool, ReportError> {
        let written = self
            .report
            .save_with(crate::report::disk::FolderSync::Deferred)?;
        self.written |= written;
        self.unsynced |= written;
        Ok(written)
    }

    /// Whether a deferred save awaits its folder sync; the caller syncs it now.
    pub fn take_unsynced(&mut self) -> bool {
        std::mem::take(&mut self.unsynced)
    }

    /// Whether any save of this run rewrote the file.
    pub fn written_this_run(&self) -> bool {
        self.written
    }
}

/// Saves every changed report at once (see [`Report::save_all`]); one result per report.
pub fn save_all(reports: &mut [LoadedReport]) -> Vec<Result<bool, ReportError>> {
    let mut all: Vec<&mut Report> = reports.iter_mut().map(|l| &mut l.report).collect();
    let results = Report::save_all(&mut all);
    for (loaded, result) in reports.iter_mut().zip(&results) {
        loaded.written |= matches!(result, Ok(true));
    }
    results
}

/// Where labels come from besides the report itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabelSources<'a> {
    pub incident_date: Option<NaiveDate>,
    pub severity: Option<&'a str>,
    pub default_severity: &'a str,
}

/// Expands `paths` (files, or directories searched for `*.md` with an Action Items table) and
/// loads every report. A file named explicitly must be a valid report; a Markdown file found in
/// a directory without the section is skipped.
pub fn load_reports(
    paths: &[PathBuf],
    options: &ReportOptions,
    lock: bool,
    labels: Option<LabelSources<'_>>,
) -> Result<Vec<LoadedReport>, ReportError> {
    // Expand and de-duplicate first: the same file named twice (or via a directory and by
    // name, or through a symlink) is one report, locked once.
    let mut seen = std::collections::HashSet::new();
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for path in paths {
        let found = if path.is_dir() {
            markdown_files(path)?
                .into_iter()
                .map(|f| (f, false))
                .collect()
        } else {
            vec![(path.clone(), true)]
        };
        for (file, explicit) in found {
            let identity = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if seen.insert(identity) {
                files.push((file, explicit));
            }
        }
    }
    let mut reports = Vec::new();
    for (file, explicit) in files {
        match load_one(&file, options, lock, labels) {
            Ok(loaded) => reports.push(loaded),
            Err(error @ (ReportError::NoSection { .. } | ReportError::NoTable { .. }))
                if !explicit =>
            {
                tracing::debug!("skipping {}: {error}", file.display());
            }
            Err(error) => return Err(error),
        }
    }
    Ok(reports)
}

fn load_one(
    path: &Path,
    options: &ReportOptions,
    lock: bool,
    labels: Option<LabelSources<'_>>,
) -> Result<LoadedReport, ReportError> {
    let lock = if lock {
        Some(crate::report::lock(path)?)
    } else {
        None
    };
    let report = Report::load(path, options)?;
    let labels = match labels {
        Some(sources) => Some(resolve_labels(
            report.front_matter(),
            sources.incident_date,
            sources.severity,
            sources.default_severity,
            path,
        )?),
        None => None,
    };
    let title = report.front_matter().title.clone().unwrap_or_else(|| {
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    });
    Ok(LoadedReport {
        report,
        labels,
        title,
        written: false,
        unsynced: false,
        _lock: lock,
    })
}

/// Every `*.md` below `dir`, sorted, skipping hidden directories (`.git`) and build output.
fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current).map_err(|source| read_error(&current, source))?;
        for entry in entries {
            let entry = entry.map_err(|source| read_error(&current, source))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let file_type = entry
                .file_type()
                .map_err(|source| read_error(&path, source))?;
            if file_type.is_dir() {
                if !name.starts_with('.') && name != "node_modules" && name != "target" {
                    pending.push(path);
                }
            } else if name.ends_with(".md") && !name.starts_with('.') {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn read_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Read {
        path: path.to_path_buf(),
        cause: source,
    }
}

/// Every distinct key linked by the reports, parsed. A key the report engine accepted always
/// parses; one that would not is left out and so comes back as missing.
pub fn linked_keys(reports: &[LoadedReport]) -> Vec<crate::jira::model::IssueKey> {
    let mut keys: Vec<crate::jira::model::IssueKey> = reports
        .iter()
        .flat_map(|loaded| loaded.report.items())
        .filter_map(|item| {
            item.key
                .as_deref()
                .and_then(crate::jira::model::IssueKey::parse)
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}
