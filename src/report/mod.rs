//! The post-mortem document: find the Action Items table, read its rows, splice edits back.
//! No HTTP in here, ever, and no Jira types: `sync` is where the two meet.
//!
//! [`Report`] holds the file's bytes and the items parsed from them. Edits are splices into those
//! bytes followed by a fresh parse, so what [`Report::items`] says always matches
//! [`Report::bytes`], and nothing outside an edited cell ever changes.

mod columns;
pub mod disk;
mod edit;
pub mod error;
mod front_matter;
mod html_table;
mod items;
mod key;
pub mod labels;
mod lock;
pub mod model;
mod pipe_table;
pub mod render;
mod section;
mod table;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::ReportError;
pub use labels::{IncidentLabels, normalise_severity, resolve_labels};
pub use lock::{LOCK_WAIT, ReportLock, lock, lock_path, lock_with_timeout};
pub use model::{ActionItem, Cell, Edit, FrontMatter, Span, TableKind};

use error::{ITEM_NAMES, Origin, STATUS_NAMES};
use section::{LocatedTable, SectionError};

/// How to read reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// The heading that introduces the action items table (`[report] section`).
    pub section: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            section: "Action Items".to_owned(),
        }
    }
}

/// What a parse found.
#[derive(Debug)]
struct Parsed {
    kind: TableKind,
    table_line: usize,
    front_matter: FrontMatter,
    items: Vec<ActionItem>,
}

/// A post-mortem report: its bytes, its front matter and the action items of its table.
pub struct Report {
    path: PathBuf,
    options: ReportOptions,
    /// The bytes as they are now, edits included.
    text: Arc<String>,
    /// The bytes last loaded or saved; shares `text`'s allocation until an edit changes it.
    saved: Arc<String>,
    parsed: Parsed,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("path", &self.path)
            .field("kind", &self.parsed.kind)
            .field("items", &self.parsed.items.len())
            .field("modified", &self.is_modified())
            .finish_non_exhaustive()
    }
}

/// Parses `text` (the whole file at `path`).
fn parse_text(path: &Path, text: &str, options: &ReportOptions) -> Result<Parsed, ReportError> {
    // The BOM stays in the bytes; the Markdown parser must not see it, or the front matter's
    // opening `---` would not be at the start.
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let scan = section::scan(text, base, &options.section);
    let front_matter = match scan.front_matter {
        Some(yaml) => front_matter::parse(path, text, yaml)?,
        None => FrontMatter::default(),
    };
    let table = match scan.table {
        Ok(LocatedTable::Pipe(table)) => table,
        Ok(LocatedTable::Html(start)) => html_table::read(text, start).map_err(|unclosed| {
            let origin = Origin::new(path, text, unclosed.tag);
            ReportError::UnclosedTable {
                at: origin.at,
                src: origin.src,
                span: origin.span,
            }
        })?,
        Err(SectionError::NoSection) => {
            let origin = Origin::new(path, text, base..base);
            return Err(ReportError::NoSection {
                at: origin.at,
                section: options.section.clone(),
                src: origin.src,
                span: origin.span,
            });
        }
        Err(SectionError::NoTable(heading)) => {
            let origin = Origin::new(path, text, trim_span(text, heading));
            return Err(ReportError::NoTable {
                at: origin.at,
                section: options.section.clone(),
                src: origin.src,
                span: origin.span,
            });
        }
    };
    let header_span = table
        .header
        .as_ref()
        .map_or(table.start..table.start, |row| row.span.clone());
    let columns = columns::map(table.header.as_ref()).map_err(|error| {
        let origin = Origin::new(path, text, header_span.clone());
        match error {
            columns::ColumnError::NoItem(found) => ReportError::NoItemColumn {
                at: origin.at,
                found,
                accepted: ITEM_NAMES,
                src: origin.src,
                span: origin.span,
            },
            columns::ColumnError::NoStatus(found) => ReportError::NoStatusColumn {
                at: origin.at,
                found,
                accepted: STATUS_NAMES,
                src: origin.src,
                span: origin.span,
            },
        }
    })?;
    let mut lines = items::LineCounter::new(text);
    let table_line = lines.line_of(table.start);
    let kind = table.kind;
    let items = items::build(text, table.body, &columns, &mut lines).map_err(|ragged| {
        let origin = Origin::new(path, text, ragged.span);
        ReportError::RaggedRow {
            at: origin.at,
            row: ragged.row,
            found: ragged.found,
            column: ragged.column,
            needed: ragged.needed,
            src: origin.src,
            span: origin.span,
        }
    })?;
    Ok(Parsed {
        kind,
        table_line,
        front_matter,
        items,
    })
}

/// `span` without its trailing whitespace, so an underline does not run onto the next line.
fn trim_span(text: &str, span: Span) -> Span {
    let trimmed = text.get(span.clone()).map_or(0, |s| s.trim_end().len());
    span.start..span.start + trimmed
}

impl Report {
    /// Reads and parses the report at `path`.
    pub fn load(path: &Path, options: &ReportOptions) -> Result<Report, ReportError> {
        let bytes = std::fs::read(path).map_err(|cause| ReportError::Read {
            path: path.to_owned(),
            cause,
        })?;
        Report::parse(path, bytes, options)
    }

    /// Parses `bytes` as the report at `path` (which is only read again by [`Report::save`]).
    pub fn parse(
        path: &Path,
        bytes: Vec<u8>,
        options: &ReportOptions,
    ) -> Result<Report, ReportError> {
        // Edits keep byte positions as `u32`.
        if u32::try_from(bytes.len()).is_err() {
            return Err(ReportError::Read {
                path: path.to_owned(),
                cause: std::io::Error::new(
                    std::io::ErrorKind::FileTooLarge,
                    "reports over 4 GiB are not supported",
                ),
            });
        }
        let text = String::from_utf8(bytes).map_err(|error| {
            let valid = error.utf8_error().valid_up_to();
            let bad = error.utf8_error().error_len().unwrap_or(1);
            let lossy = String::from_utf8_lossy(error.as_bytes());
            // Everything before the first bad byte is unchanged by the lossy conversion.
            let origin = Origin::new(path, &lossy, valid..valid + bad.min(1));
            ReportError::InvalidUtf8 {
                at: origin.at,
                src: origin.src,
                span: origin.span,
            }
        })?;
        let parsed = parse_text(path, &text, options)?;
        let text = Arc::new(text);
        Ok(Report {
            path: path.to_owned(),
            options: options.clone(),
            saved: Arc::clone(&text),
            text,
            parsed,
        })
    }

    /// The report's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How the action items table is written.
    pub fn kind(&self) -> TableKind {
        self.parsed.kind
    }

    /// The action items, in table order; template rows (empty item cell) are not included.
    pub fn items(&self) -> &[ActionItem] {
        &self.parsed.items
    }

    /// The action item in body row `row` (1-based, template rows counted), if that row is one.
    pub fn item(&self, row: usize) -> Option<&ActionItem> {
        let items = &self.parsed.items;
        items
            .binary_search_by_key(&row, |item| item.row)
            .ok()
            .and_then(|i| items.get(i))
    }

    /// What the front matter says about the incident.
    pub fn front_matter(&self) -> &FrontMatter {
        &self.parsed.front_matter
    }

    /// The 1-based line where the action items table starts.
    pub fn table_line(&self) -> usize {
        self.parsed.table_line
    }

    /// The report's bytes as they are now, edits included.
    pub fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// Applies `edits` to the bytes and parses them again. Returns whether the bytes changed
    /// (edits that write what a cell already holds change nothing). On error nothing is applied.
    pub fn apply(&mut self, edits: &[Edit]) -> Result<bool, ReportError> {
        let splices = edit::plan(
            &self.path,
            &self.text,
            self.parsed.kind,
            &self.parsed.items,
            edits,
        )?;
        if splices.is_empty() {
            return Ok(false);
        }
        let text = edit::splice(&self.text, &splices, edits, self.parsed.kind);
        // Splices replace cell contents only, with escaped text, so the table keeps its shape:
        // the items can follow the edits without a second parse. Tests and the fuzz target
        // check that this agrees with parsing the new bytes afresh.
        if edit::follow(
            &mut self.parsed.items,
            &splices,
            edits,
            &text,
            self.parsed.kind,
        ) {
            self.text = Arc::new(text);
            return Ok(true);
        }
        drop(splices);
        // The old items go before the new parse so two sets never sit in memory together.
        self.parsed.items = Vec::new();
        match parse_text(&self.path, &text, &self.options) {
            Ok(parsed) => {
                self.parsed = parsed;
                self.text = Arc::new(text);
                Ok(true)
            }
            Err(error) => {
                // Splices only replace cell contents with escaped text, so this is not expected;
                // should it happen, the report stays as it was.
                drop(text);
                if let Ok(parsed) = parse_text(&self.path, &self.text, &self.options) {
                    self.parsed = parsed;
                }
                Err(error)
            }
        }
    }

    /// Whether the bytes differ from those last loaded or saved.
    pub fn is_modified(&self) -> bool {
        !Arc::ptr_eq(&self.text, &self.saved) && self.text != self.saved
    }

    /// Writes the bytes back atomically (a temporary file renamed over the report, permissions
    /// kept). Does nothing, not even touch the file, when unmodified; returns whether it wrote.
    /// Fails without writing if the file on disk no longer holds the bytes last loaded or saved.
    pub fn save(&mut self) -> Result<bool, ReportError> {
        self.save_with(disk::FolderSync::Now)
    }

    /// [`Report::save`], choosing when the folder is synced: [`disk::FolderSync::Deferred`]
    /// for a save that a later durable one (or [`disk::sync_folder`]) makes durable.
    pub fn save_with(&mut self, folder: disk::FolderSync) -> Result<bool, ReportError> {
        let Some(target) = self.save_target()? else {
            return Ok(false);
        };
        disk::replace(&target, self.text.as_bytes(), folder).map_err(|cause| {
            ReportError::Write {
                path: self.path.clone(),
                cause,
            }
        })?;
        self.saved = Arc::clone(&self.text);
        Ok(true)
    }

    /// Saves many reports at once, their temporary files written and flushed in parallel and
    /// one folder sync per folder. One result per report, in order (as [`Report::save`]).
    pub fn save_all(reports: &mut [&mut Report]) -> Vec<Result<bool, ReportError>> {
        let targets: Vec<Result<Option<PathBuf>, ReportError>> =
            reports.iter().map(|r| r.save_target()).collect();
        let files: Vec<(&Path, &[u8])> = reports
            .iter()
            .zip(&targets)
            .filter_map(|(r, t)| match t {
                Ok(Some(target)) => Some((target.as_path(), r.text.as_bytes())),
                _ => None,
            })
            .collect();
        let mut written = disk::replace_many(&files).into_iter();
        let mut results = Vec::with_capacity(reports.len());
        for (report, target) in reports.iter_mut().zip(targets) {
            results.push(match target {
                Err(error) => Err(error),
                Ok(None) => Ok(false),
                Ok(Some(_)) => match written.next() {
                    Some(Ok(())) => {
                        report.saved = Arc::clone(&report.text);
                        Ok(true)
                    }
                    Some(Err(cause)) => Err(ReportError::Write {
                        path: report.path.clone(),
                        cause,
                    }),
                    None => Err(ReportError::Write {
                        path: report.path.clone(),
                        cause: std::io::Error::other("not saved"),
                    }),
                },
            });
        }
        results
    }

    /// The file a save would replace, or `None` when there is nothing to save; fails when the
    /// file on disk no longer holds the bytes last loaded or saved.
    fn save_target(&self) -> Result<Option<PathBuf>, ReportError> {
        if !self.is_modified() {
            return Ok(None);
        }
        let target = disk::target(&self.path);
        match disk::holds(&target, self.saved.as_bytes()) {
            Ok(true) => Ok(Some(target)),
            Ok(false) | Err(_) => Err(ReportError::ChangedOnDisk {
                path: self.path.clone(),
            }),
        }
    }

    /// A unified diff from the bytes last loaded or saved (what is on disk) to the current
    /// bytes, with `a/<path>` and `b/<path>` headers; empty when unmodified.
    pub fn diff(&self) -> String {
        if !self.is_modified() {
            return String::new();
        }
        let name = self.path.display().to_string();
        let name = name.trim_start_matches('/');
        similar::TextDiff::from_lines(self.saved.as_str(), self.text.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}
