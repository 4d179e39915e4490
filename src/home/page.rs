//! A report that lives in a Confluence page: read in storage format with its version, written
//! back with one `PUT` per run (version + 1), and, when someone saved the page in between,
//! read again with this run's edits applied anew to what they saved — their edit survives.

use std::path::{Path, PathBuf};

use crate::confluence::{ConfluenceClient, ConfluenceError, Page};
use crate::report::{ActionItem, Edit, Report, ReportOptions};

/// How often a write is tried against a page others keep saving.
pub const MAX_PUT_ATTEMPTS: u32 = 4;

/// An edit of this run, with what identified its item when it was made, so that it can be
/// made again on a page someone else changed (rows may have moved).
#[derive(Debug, Clone)]
struct Logged {
    edit: Edit,
    key: Option<String>,
    summary: String,
}

/// The page a report lives in.
#[derive(Debug)]
pub struct PageHome {
    client: ConfluenceClient,
    /// The page as last read or written (its body is the report's bytes, not kept here).
    page: Page,
    /// The name messages give the page.
    name: PathBuf,
    /// Where the journal of creates in flight for this page lives.
    journal: PathBuf,
    /// The run's edits since the last write.
    edits: Vec<Logged>,
    /// How the page was parsed (kept so a re-read parses the same way).
    options: ReportOptions,
}

impl PageHome {
    /// Reads page `id` and parses it. With `for_writing`, a page this user may not edit is
    /// refused now, before any ticket is created.
    pub async fn load(
        client: &ConfluenceClient,
        id: u64,
        options: &ReportOptions,
        for_writing: bool,
        state_dir: &Path,
    ) -> Result<(PageHome, Report), crate::error::Error> {
        let mut page = client.page(id).await?;
        if for_writing && page.can_edit == Some(false) {
            return Err(ConfluenceError::NoEditPermission {
                page: format!("{} ({})", ConfluenceClient::name_of(id), page.web_url),
            }
            .into());
        }
        let name = PathBuf::from(page.web_url.clone());
        // A page's bytes are kept as read: a dry run diffs against them, and they are small.
        let options = ReportOptions {
            keep_original: true,
            ..options.clone()
        };
        let body = std::mem::take(&mut page.body);
        let report = Report::parse_storage(&name, body, &page.title, &options)?;
        let host = client.base().host_str().unwrap_or("confluence").to_owned();
        let folder = state_dir.join("confluence").join(sanitise(&host));
        if for_writing {
            std::fs::create_dir_all(&folder)
                .map_err(|source| crate::error::Error::io(&folder, source))?;
        }
        let journal = folder.join(format!("{id}.pm-sync-journal.json"));
        Ok((
            PageHome {
                client: client.clone(),
                page,
                name,
                journal,
                edits: Vec::new(),
                options,
            },
            report,
        ))
    }

    /// The page's address.
    pub fn name(&self) -> &Path {
        &self.name
    }

    /// Where the journal of this page's creates in flight lives (the state directory).
    pub fn journal_path(&self) -> PathBuf {
        self.journal.clone()
    }

    /// Notes `edits`, about to be applied to `report`, for a re-apply after a conflict.
    pub fn record(&mut self, report: &Report, edits: &[Edit]) {
        for edit in edits {
            let row = edit.row();
            if let Some(item) = report.item(row) {
                self.edits.push(Logged {
                    edit: edit.clone(),
                    key: item.key.clone(),
                    summary: item.summary().to_owned(),
                });
            }
        }
    }

    /// Writes `report` to the page if it changed: one `PUT`. When someone saved the page since
    /// it was read (409), reads it again, applies this run's edits to what they saved, and
    /// tries again, a few times. Returns whether a version was written.
    pub async fn publish(&mut self, report: &mut Report) -> Result<bool, ConfluenceError> {
        for attempt in 1..=MAX_PUT_ATTEMPTS {
            if !report.is_modified() {
                return Ok(false);
            }
            let body = String::from_utf8_lossy(report.bytes()).into_owned();
            match self.client.update(&self.page, &body).await {
                Ok(version) => {
                    self.page.version = version;
                    report.mark_saved();
                    self.edits.clear();
                    return Ok(true);
                }
                Err(ConfluenceError::KeptChanging { .. }) if attempt < MAX_PUT_ATTEMPTS => {
                    tracing::info!(
                        "{}: saved by someone else since it was read; reading it again",
                        self.name.display()
                    );
                    self.reapply(report).await?;
                }
                Err(ConfluenceError::KeptChanging { page, .. }) => {
                    return Err(ConfluenceError::KeptChanging {
                        page,
                        attempts: MAX_PUT_ATTEMPTS,
                    });
                }
                Err(other) => return Err(other),
            }
        }
        Ok(false)
    }

    /// Reads the page again and applies this run's edits to it, each to the item that has the
    /// same key (or, without one, the same summary); an item someone deleted gets none.
    async fn reapply(&mut self, report: &mut Report) -> Result<(), ConfluenceError> {
        let mut fresh = self.client.page(self.page.id).await?;
        let body = std::mem::take(&mut fresh.body);
        let mut again = match Report::parse_storage(&self.name, body, &fresh.title, &self.options) {
            Ok(report) => report,
            Err(error) => {
                return Err(ConfluenceError::Protocol {
                    request: format!("re-read of {}", self.name.display()),
                    message: format!("the page no longer reads as a post-mortem: {error}"),
                });
            }
        };
        again.set_known_statuses(report.known_statuses().clone());
        // Each item of the first read maps to one item of this one, found once.
        let mut used = vec![false; again.items().len()];
        let mut mapped: std::collections::HashMap<usize, Option<usize>> =
            std::collections::HashMap::new();
        let mut edits = Vec::with_capacity(self.edits.len());
        for logged in &self.edits {
            let old_row = logged.edit.row();
            let index = *mapped.entry(old_row).or_insert_with(|| {
                let found = find(again.items(), logged, &used);
                if let Some(i) = found {
                    used[i] = true;
                }
                found
            });
            let Some(index) = index else { continue };
            let row = again.items()[index].row;
            edits.push(match &logged.edit {
                Edit::Link { key, url, .. } => Edit::Link {
                    row,
                    key: key.clone(),
                    url: url.clone(),
                },
                Edit::Status { status, .. } => Edit::Status {
                    row,
                    status: status.clone(),
                },
                Edit::Cell { column, value, .. } => Edit::Cell {
                    row,
                    column: column.clone(),
                    value: value.clone(),
                },
            });
        }
        let logged = std::mem::take(&mut self.edits);
        let _ = again.apply(&edits);
        self.edits = logged;
        self.page = fresh;
        *report = again;
        Ok(())
    }

    /// Whether `report` differs from the page as read.
    pub fn pending(&self, report: &Report) -> bool {
        report.is_modified()
    }
}

/// The item of `items` a logged edit belongs to: the same key, else the same summary.
fn find(items: &[ActionItem], logged: &Logged, taken: &[bool]) -> Option<usize> {
    let free = |i: &usize| !taken[*i];
    if let Some(key) = &logged.key
        && let Some(i) = (0..items.len())
            .filter(free)
            .find(|&i| items[i].key.as_deref() == Some(key.as_str()))
    {
        return Some(i);
    }
    (0..items.len())
        .filter(free)
        .find(|&i| items[i].summary() == logged.summary)
}

/// A host name as a folder name.
fn sanitise(host: &str) -> String {
    host.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The state directory: `$XDG_STATE_HOME/pm-sync`, else `~/.local/state/pm-sync`.
pub fn state_dir(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match env("XDG_STATE_HOME") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir).join("pm-sync"),
        _ => env("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join(".local/state/pm-sync"),
    }
}
