//! Finding and loading the reports of a run: paths expanded, files locked, tables parsed,
//! labels resolved — all before anything is sent to Jira, so bad input changes nothing.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::home::Home;
use crate::report::labels::{IncidentLabels, resolve_labels};
use crate::report::{FileHome, Report, ReportError, ReportOptions};

/// A report ready to be worked on, with its home.
#[derive(Debug)]
pub struct LoadedReport {
    pub report: Report,
    /// Where it lives. A locked home is held for the whole run so no second pm-sync
    /// interleaves writes; saves go through it so the new file is locked before anyone else
    /// can open it.
    pub home: Home,
    /// The labels its tickets carry (`None` when not needed, e.g. for refresh).
    pub labels: Option<IncidentLabels>,
    /// A title for ticket descriptions.
    pub title: String,
    /// Whether the labels' severity is the default one: neither `--severity` nor the report
    /// names one.
    pub severity_defaulted: bool,
    /// Whether this run rewrote the report.
    written: bool,
    /// Whether a save of this run has not been made durable yet.
    unsynced: bool,
}

impl LoadedReport {
    /// Applies `edits` to the report (see [`Report::apply`]); returns whether its bytes changed.
    /// The home notes them first (a page applies them again after someone else's save).
    pub fn apply(&mut self, edits: &[crate::report::Edit]) -> Result<bool, ReportError> {
        self.home.record(&self.report, edits);
        self.report.apply(edits)
    }

    /// The report's path as ticket descriptions show it: `/` separators, no leading `./`.
    pub fn shown_path(&self) -> String {
        self.report
            .path()
            .to_string_lossy()
            .replace('\\', "/")
            .trim_start_matches("./")
            .to_owned()
    }

    /// Applies `edits` as [`LoadedReport::apply`] does; returns the body rows whose bytes
    /// changed.
    pub fn apply_rows(&mut self, edits: &[crate::report::Edit]) -> Result<Vec<usize>, ReportError> {
        self.home.record(&self.report, edits);
        self.report.apply_rows(edits)
    }

    /// Plans `edits` against the report (see [`Report::plan_edits`]), the home noting them as
    /// [`LoadedReport::apply`] does; returns whether they change any byte.
    pub fn plan_edits(
        &mut self,
        plan: &mut crate::report::EditPlan,
        edits: &[crate::report::Edit],
    ) -> Result<bool, ReportError> {
        self.home.record(&self.report, edits);
        self.report.plan_edits(plan, edits)
    }

    /// What applying `plan` would make of the report, as a diff written when shown; the
    /// report is left as it is (see [`crate::report::Report::preview_plan`]).
    pub fn preview_plan(&self, plan: crate::report::EditPlan) -> Option<crate::report::Change> {
        self.report.preview_plan(plan, &self.home.diff_name())
    }

    /// Writes a preview's new text up to row `row` (see
    /// [`crate::report::Report::write_preview_before`]).
    pub fn write_preview_before(&self, plan: &mut crate::report::EditPlan, row: usize) {
        self.report.write_preview_before(plan, row);
    }

    /// Applies what [`LoadedReport::plan_edits`] planned; returns whether the bytes changed.
    pub fn apply_plan(&mut self, plan: crate::report::EditPlan) -> Result<bool, ReportError> {
        self.report.apply_plan(plan)
    }

    /// Saves the report if it changed, leaving what makes it durable to [`make_durable`] (a
    /// file is replaced now and holds its old or its new bytes after a crash, both whole; a
    /// page gets the run's one `PUT` there).
    pub fn save_deferred(&mut self) -> Result<bool, ReportError> {
        let pending = self.home.save_deferred(&mut self.report)?;
        if matches!(self.home, Home::File(_)) {
            self.written |= pending;
        }
        self.unsynced |= pending;
        Ok(pending)
    }

    /// Saves a file report with the edits of `calls` made (each call one row's edits, rows in
    /// order), written as they are planned, never held whole (see
    /// [`FileHome::save_edited`]: without `read_back` the file is ahead of the report until a
    /// save that reads back). The folder sync is left to [`make_durable`]. `None` for a page,
    /// whose edits are applied and saved as usual.
    pub fn save_edited(
        &mut self,
        calls: &mut dyn Iterator<Item = Vec<crate::report::Edit>>,
        read_back: bool,
        changed_row: &mut dyn FnMut(usize),
    ) -> Option<Result<bool, ReportError>> {
        let Home::File(home) = &mut self.home else {
            return None;
        };
        let saved = home.save_edited(
            &mut self.report,
            calls,
            read_back,
            crate::report::disk::FolderSync::Deferred,
            changed_row,
        );
        if let Ok(true) = saved {
            self.written = true;
            self.unsynced = true;
        }
        Some(saved)
    }

    /// Whether the report's items stay in the rows they were read from for the whole run, so
    /// that what a row shows can be read back from the report when the run ends: a file,
    /// locked for the run, does; a page may be read again before it is written and this run's
    /// edits moved to wherever someone moved its items.
    pub fn rows_stay(&self) -> bool {
        matches!(self.home, Home::File(_))
    }

    /// Whether a deferred save awaits being made durable; the caller does it now.
    pub fn take_unsynced(&mut self) -> bool {
        std::mem::take(&mut self.unsynced)
    }

    /// Whether any save of this run rewrote the report.
    pub fn written_this_run(&self) -> bool {
        self.written
    }

    /// What changed from what the home holds to the report's bytes, as a diff written when
    /// shown (for dry runs; `None` when unmodified).
    pub fn change(&self) -> Option<crate::report::Change> {
        self.home.change(&self.report)
    }
}

/// Makes every deferred save of `reports` durable: one folder sync per folder, one `PUT` per
/// changed page.
pub async fn make_durable(reports: &mut [LoadedReport]) -> Result<(), crate::error::Error> {
    let mut waiting: Vec<usize> = Vec::new();
    for (index, loaded) in reports.iter_mut().enumerate() {
        if loaded.take_unsynced()
            || (matches!(loaded.home, Home::Page(_)) && loaded.report.is_modified())
        {
            waiting.push(index);
        }
    }
    let names: Vec<std::path::PathBuf> = waiting
        .iter()
        .map(|&i| reports[i].report.path().to_owned())
        .collect();
    let mut pairs: Vec<(&mut Home, &mut Report)> = reports
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| waiting.contains(i))
        .map(|(_, loaded)| (&mut loaded.home, &mut loaded.report))
        .collect();
    let result = crate::home::make_durable(&mut pairs).await;
    drop(pairs);
    match result {
        Ok(written) => {
            for (&index, put) in waiting.iter().zip(written) {
                reports[index].written |= put;
            }
            Ok(())
        }
        Err((at, crate::home::DurableError::Io(source))) => {
            Err(crate::error::Error::io(&names[at], source))
        }
        Err((_, crate::home::DurableError::Page(error))) => Err(error.into()),
    }
}

/// Saves every changed report at once (see [`crate::home::save_all`]); one result per report.
/// Pages are written by [`make_durable`].
pub fn save_all(reports: &mut [LoadedReport]) -> Vec<Result<bool, ReportError>> {
    let mut pairs: Vec<(&mut Home, &mut Report)> = reports
        .iter_mut()
        .map(|loaded| (&mut loaded.home, &mut loaded.report))
        .collect();
    let results = crate::home::save_all(&mut pairs);
    drop(pairs);
    for (loaded, result) in reports.iter_mut().zip(&results) {
        loaded.written |= matches!(result, Ok(true));
    }
    results
}

/// Reads the Confluence pages `ids` (concurrently: the client caps requests in flight) as
/// reports. With `for_writing`, a page this user may not edit fails the run now, before any
/// ticket exists. A page selected by a query (`explicit` false) without action items is
/// skipped and named at debug level, like a file found in a folder.
pub async fn load_pages(
    client: &crate::confluence::ConfluenceClient,
    pages: &[(u64, bool)],
    options: &ReportOptions,
    for_writing: bool,
    labels: Option<LabelSources<'_>>,
    state_dir: &Path,
) -> Result<Vec<LoadedReport>, crate::error::Error> {
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<(u64, bool)> = pages
        .iter()
        .copied()
        .filter(|(id, _)| seen.insert(*id))
        .collect();
    let reads = unique
        .iter()
        .map(|&(id, _)| crate::home::PageHome::load(client, id, options, for_writing, state_dir));
    let read = crate::home::join_in_order(reads).await;
    let severity_given = labels.is_some_and(|sources| sources.severity.is_some());
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for ((id, explicit), result) in unique.into_iter().zip(read) {
        match result {
            Ok((home, report)) => {
                let name = home.name().to_owned();
                let labels = match labels {
                    Some(sources) => match resolve_labels(
                        report.front_matter(),
                        sources.incident_date,
                        sources.severity,
                        sources.default_severity,
                        &name,
                    ) {
                        Ok(labels) => Some(labels),
                        Err(error) => {
                            errors.push(error);
                            continue;
                        }
                    },
                    None => None,
                };
                let title = report
                    .page_title()
                    .map(str::to_owned)
                    .unwrap_or_else(|| crate::confluence::ConfluenceClient::name_of(id));
                let fm = report.front_matter();
                let severity_defaulted = labels.is_some()
                    && fm.severity.is_none()
                    && fm.severity_refusal.is_none()
                    && !severity_given;
                reports.push(LoadedReport {
                    report,
                    home: Home::Page(Box::new(home)),
                    labels,
                    title,
                    severity_defaulted,
                    written: false,
                    unsynced: false,
                });
            }
            Err(crate::error::Error::Report(
                error @ (ReportError::NoSection { .. } | ReportError::NoTable { .. }),
            )) if !explicit => {
                tracing::info!("skipping confluence:{id}: {error}");
            }
            Err(crate::error::Error::Report(error)) => errors.push(error),
            Err(other) => return Err(other),
        }
    }
    match ReportError::several(errors) {
        Some(error) => Err(error.into()),
        None => Ok(reports),
    }
}

/// Where labels come from besides the report itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabelSources<'a> {
    pub incident_date: Option<NaiveDate>,
    pub severity: Option<&'a str>,
    pub default_severity: &'a str,
}

/// What a folder run does with a Markdown file whose action items it cannot find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// Skip it, naming it and why (a warning, shown at default verbosity).
    Skip,
    /// Skip it with a warning when it does not look like a post-mortem; fail on it when it does
    /// (front matter, an incident title, a heading half naming action items): `check` must
    /// not pass over a post-mortem it could not read.
    FailPostMortems,
}

/// Expands `paths` (files, or directories searched for Markdown files with an Action Items
/// table) and loads every report. A file named explicitly must be a valid report; a Markdown
/// file found in a directory without the section is skipped with a warning naming it and why
/// (or, per `unread`, fails the run), unless `[report] exclude` leaves it out. Every bad report
/// is reported, not only the first: the error then holds them all, and nothing was loaded.
pub fn load_reports(
    paths: &[PathBuf],
    options: &ReportOptions,
    lock: bool,
    labels: Option<LabelSources<'_>>,
    unread: Unread,
) -> Result<Vec<LoadedReport>, ReportError> {
    load_reports_where(paths, options, lock, labels, unread, |_| true)
}

/// [`load_reports`] of only the files `keep` accepts (e.g. the files changed since a git base),
/// decided before a file is read: the others are neither loaded nor able to fail the run.
pub fn load_reports_where(
    paths: &[PathBuf],
    options: &ReportOptions,
    lock: bool,
    labels: Option<LabelSources<'_>>,
    unread: Unread,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<LoadedReport>, ReportError> {
    let mut errors = Vec::new();
    // Expand and de-duplicate first: the same file named twice (or via a directory and by
    // name, or through a symlink) is one report, locked once.
    let mut seen = std::collections::HashSet::new();
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for path in paths {
        let found = if path.is_dir() {
            let (found, walk_errors) = markdown_files(path, &options.exclude);
            errors.extend(walk_errors);
            found.into_iter().map(|f| (f, false)).collect()
        } else {
            vec![(path.clone(), true)]
        };
        for (file, explicit) in found {
            let identity = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if keep(&identity) && seen.insert(identity) {
                files.push((file, explicit));
            }
        }
    }
    let mut reports = Vec::new();
    for (file, explicit) in files {
        match load_one(&file, options, lock, labels) {
            Ok(loaded) => reports.push(loaded),
            Err(
                error @ (ReportError::NoSection { post_mortem, .. }
                | ReportError::NoTable { post_mortem, .. }),
            ) if !explicit => {
                if post_mortem && unread == Unread::FailPostMortems {
                    errors.push(error);
                } else {
                    let why = if post_mortem {
                        "it looks like a post-mortem but pm-sync found no action items in it"
                    } else {
                        "no action items found"
                    };
                    tracing::warn!(
                        "skipped {}: {why} ({}); add its heading to [report] section, or its path to [report] exclude",
                        file.display(),
                        first_line(&error.to_string())
                    );
                }
            }
            Err(error) => errors.push(error),
        }
    }
    match ReportError::several(errors) {
        Some(error) => Err(error),
        None => Ok(reports),
    }
}

fn load_one(
    path: &Path,
    options: &ReportOptions,
    lock: bool,
    labels: Option<LabelSources<'_>>,
) -> Result<LoadedReport, ReportError> {
    let file = if lock {
        FileHome::locked(path)?
    } else {
        FileHome::new(path)
    };
    let report = Report::parse(path, file.read(options)?, options)?;
    let home = Home::File(file);
    let severity_given = labels.is_some_and(|sources| sources.severity.is_some());
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
    let fm = report.front_matter();
    let severity_defaulted = labels.is_some()
        && fm.severity.is_none()
        && fm.severity_refusal.is_none()
        && !severity_given;
    let title = report.front_matter().title.clone().unwrap_or_else(|| {
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    });
    Ok(LoadedReport {
        report,
        labels,
        title,
        severity_defaulted,
        home,
        written: false,
        unsynced: false,
    })
}

/// Every Markdown file (`.md`, `.markdown`, any case) below `dir`, sorted, as ripgrep would
/// walk it: `.gitignore`d and hidden files skipped, `node_modules` and `target` too, and no
/// symlink followed out of the tree (a symlinked file that stays inside it is kept; a dangling
/// one, or a loop, is an error like an unreadable file). A FIFO, socket or device named like
/// a report (or a link to one inside the tree) is an error too, found by its type alone: it
/// is never opened, so it never blocks the walk.
pub(crate) fn markdown_files(dir: &Path, exclude: &[String]) -> (Vec<PathBuf>, Vec<ReportError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    // `[report] exclude`: ignore globs relative to the folder walked.
    let mut overrides = ignore::overrides::OverrideBuilder::new(dir);
    for glob in exclude {
        if let Err(error) = overrides.add(&format!("!{glob}")) {
            errors.push(read_error(
                dir,
                std::io::Error::other(format!("[report] exclude glob {glob:?}: {error}")),
            ));
        }
    }
    let overrides = overrides
        .build()
        .unwrap_or_else(|_| ignore::overrides::Override::empty());
    // The walk opens each folder's ignore files blocking: one that is a FIFO (or a device)
    // would hang the run. The walked folder's and its parents' are checked now, each
    // subfolder's before it is entered (a folder with one is not walked, and is an error).
    if let Some(bad) = root.ancestors().find_map(unreadable_ignore_file) {
        errors.push(read_error(&bad, ignore_file_not_regular()));
        return (found, errors);
    }
    let skipped = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let skipping = std::sync::Arc::clone(&skipped);
    let walker = ignore::WalkBuilder::new(dir)
        .overrides(overrides)
        .hidden(true)
        .follow_links(false)
        .git_global(false)
        // A .gitignore counts even in a folder that is not (yet) a git checkout.
        .require_git(false)
        .filter_entry(move |entry| {
            let name = entry.file_name();
            if entry.depth() > 0 && (name == "node_modules" || name == "target") {
                return false;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir && let Some(bad) = unreadable_ignore_file(entry.path()) {
                skipping.lock().unwrap_or_else(|e| e.into_inner()).push(bad);
                return false;
            }
            true
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = match &error {
                    ignore::Error::WithPath { path, .. } => path.clone(),
                    _ => dir.to_path_buf(),
                };
                errors.push(read_error(&path, std::io::Error::other(error.to_string())));
                continue;
            }
        };
        let path = entry.path();
        if !is_markdown(path) {
            continue;
        }
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_symlink() {
            // Kept only when it points at a regular file inside the tree.
            match std::fs::canonicalize(path) {
                Ok(target) if target.starts_with(&root) && target.is_file() => {}
                // A FIFO, socket or device inside the tree, named like a report.
                Ok(target) if target.starts_with(&root) && !target.is_dir() => {
                    errors.push(read_error(path, crate::report::disk::not_regular()));
                    continue;
                }
                // Dangling, or a loop: a report that cannot be read, never skipped in silence
                // (`check` must not pass on it), as when its path is given.
                Err(error) => {
                    errors.push(read_error(path, error));
                    continue;
                }
                Ok(_) => {
                    tracing::debug!(
                        "skipping {}: a symlink out of {}",
                        path.display(),
                        dir.display()
                    );
                    continue;
                }
            }
        } else if !file_type.is_file() {
            // A FIFO, socket or device named like a report is never opened (a FIFO would
            // block) and never skipped in silence: `check` must not pass without reading it.
            // A folder named `*.md` holds reports of its own and is walked.
            if !file_type.is_dir() {
                errors.push(read_error(path, crate::report::disk::not_regular()));
            }
            continue;
        }
        found.push(path.to_path_buf());
    }
    for bad in std::mem::take(&mut *skipped.lock().unwrap_or_else(|e| e.into_inner())) {
        errors.push(read_error(&bad, ignore_file_not_regular()));
    }
    found.sort();
    (found, errors)
}

/// The error for an ignore file that is not a regular file.
fn ignore_file_not_regular() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "not a regular file (a folder, FIFO, socket or device); a folder run reads its ignore \
         files, so the folder holding this one is not read: make it a plain file or remove it",
    )
}

/// The ignore files a folder walk reads in each folder (`.gitignore`, `.ignore`, a checkout's
/// `.git/info/exclude`): the first in `dir` that exists but is not a regular file.
fn unreadable_ignore_file(dir: &Path) -> Option<PathBuf> {
    [".gitignore", ".ignore", ".git/info/exclude"]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| std::fs::metadata(path).is_ok_and(|meta| !meta.is_file()))
}

/// The first line of a message (the error without its source excerpt).
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

/// `.md` or `.markdown`, in any case.
fn is_markdown(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("markdown"))
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
        // One item decoded at a time: `check` and `dashboard` never hold them all decoded.
        .flat_map(|loaded| loaded.report.iter_items())
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
