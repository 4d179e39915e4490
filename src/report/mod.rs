//! The post-mortem document: find the Action Items (a table or lists), read them, splice edits
//! back. No HTTP in here, ever, and no Jira types: `sync` is where the two meet.
//!
//! [`Report`] holds the file's bytes and the items parsed from them. Every container reader
//! (HTML table, pipe table, list) yields the same [`ActionItem`] with the places pm-sync may write;
//! one edit engine splices edits into those places and parses again, so what [`Report::items`]
//! says always matches [`Report::bytes`], and nothing pm-sync does not own ever changes.

mod cell_lines;
mod columns;
mod diff;
pub mod disk;
mod edit;
mod edit_log;
pub mod error;
pub mod explain;
pub mod file;
mod front_matter;
pub mod heading;
mod html_table;
mod incident_date;
mod items;
mod key;
pub mod labels;
mod list;
mod lock;
mod marker;
pub mod model;
mod packed;
mod pipe_table;
mod refs;
pub mod render;
pub mod roles;
mod section;
mod storage;
mod table;
mod values;
mod vocabulary;
mod windowed;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use diff::Change;
pub use error::ReportError;
pub use file::FileHome;
pub use incident_date::{Refusal, Source, SourceKind};
pub use incident_date::{WrittenDate, written_date};
pub use labels::{IncidentLabels, normalise_severity, resolve_labels};
pub use lock::{LOCK_WAIT, ReportLock, lock, lock_path, lock_with_timeout};
pub use model::{
    ActionItem, Cell, Checkbox, ContainerKind, Edit, FrontMatter, KeyPlace, KnownStatuses, Span,
    StatusForm, StatusSlot,
};

use error::Origin;
use packed::ItemStore;
use section::{LocatedTable, SectionError};

pub use explain::Explanation;

/// How to read reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// The names of the heading that introduces the action items (`[report] section`): the
    /// first heading that starts with one of them ([`heading::heading_matches`]). Empty: the
    /// built-in vocabulary of action-item headings in ten languages, then the fallbacks (see
    /// `section.rs`).
    pub section: Vec<String>,
    /// Severities that are not `sevN`, mapped (`[labels.severity_map]`): the written value
    /// (lower case, whitespace collapsed) and its `sevN`.
    pub severity_map: Vec<(String, String)>,
    /// Projects whose keys link an item wherever they are written: the configured Jira project
    /// and `[report] ticket_projects`. Other keys link only where pm-sync writes keys (the
    /// ticket column, the start of the item) or as links to `…/browse/KEY`.
    pub ticket_projects: Vec<String>,
    /// Larger files are refused before they are read (`[report] max_size`, in bytes).
    pub max_size: u64,
    /// Keep the bytes as read beside the edited ones, for [`Report::diff`] (a dry run shows
    /// it). Off, an edited report holds one copy of its bytes rather than two, and `diff`
    /// reads the file back.
    pub keep_original: bool,
    /// Globs (`[report] exclude`, relative to the folder walked) of Markdown files a folder run
    /// leaves out without a word: templates, READMEs, drafts.
    pub exclude: Vec<String>,
    /// Bytes of Markdown parsed at a time (see `windowed.rs`): what bounds the parser's memory
    /// on a long section. Tests set it small to check that reading in windows reads the same.
    #[doc(hidden)]
    pub parse_window: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            section: Vec::new(),
            severity_map: Vec::new(),
            ticket_projects: Vec::new(),
            max_size: 64 * 1024 * 1024,
            keep_original: true,
            exclude: Vec::new(),
            parse_window: windowed::WINDOW,
        }
    }
}

/// What a parse found.
#[derive(Debug)]
struct Parsed {
    kind: ContainerKind,
    table_line: usize,
    /// The heading that introduced the table, as written (whitespace collapsed).
    heading: Option<String>,
    front_matter: FrontMatter,
    items: Items,
    /// Why this section and container, for `items --explain` (without the skipped lines:
    /// [`Report::explanation`] finds them again when asked).
    explanation: Explanation,
}

/// A report's items: compact records (see `packed.rs`), and the structs decoded from them once
/// a caller asks for them all as a slice ([`Report::items`]). Callers that go through them once
/// ([`Report::iter_items`]) never hold more than one struct.
#[derive(Debug, Default)]
struct Items {
    /// Shared with [`ItemTexts`] handed out (never changed: an edit parses new items).
    store: Arc<ItemStore>,
    all: OnceLock<Vec<ActionItem>>,
}

impl Items {
    fn new(store: ItemStore) -> Items {
        Items {
            store: Arc::new(store),
            all: OnceLock::new(),
        }
    }
}

/// A report's items as they stand now, shared with the report rather than copied: whoever
/// shows a run's rows long after reads each item's text from these (a run of 100,000 rows
/// holds no copy of every summary until it prints them). Later edits of the report make it
/// new items; these stay as they were.
#[derive(Clone)]
pub struct ItemTexts {
    text: Arc<String>,
    store: Arc<ItemStore>,
}

impl std::fmt::Debug for ItemTexts {
    /// How much it shares, not the report's text.
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        out.debug_struct("ItemTexts")
            .field("bytes", &self.text.len())
            .field("items", &self.store.len())
            .finish()
    }
}

impl ItemTexts {
    /// The summary of the item in body row `row` (`None`: no item there).
    pub fn summary(&self, row: usize) -> Option<String> {
        let index = self.store.find_row(row)?;
        Some(self.store.get(&self.text, index).summary().to_owned())
    }

    /// The key the item in body row `row` links (`None`: no item there, or no key).
    pub fn key(&self, row: usize) -> Option<String> {
        let index = self.store.find_row(row)?;
        self.store.get(&self.text, index).key
    }
}

/// Edits planned against a report by [`Report::plan_edits`], to apply in one rewrite with
/// [`Report::apply_plan`].
#[derive(Debug, Default)]
pub struct EditPlan {
    pending: edit::Pending,
    /// A preview's new text, written as far as [`Report::write_preview_before`] was asked to.
    written: Option<edit::Written>,
    /// A preview's edits, each call's that changes bytes (see [`EditPlan::preview`]).
    log: Option<edit_log::EditLog>,
    /// The text planned against (its address and length: a text rewritten in place keeps its
    /// address), checked when applied.
    against: Option<(usize, usize)>,
}

impl EditPlan {
    /// A plan for [`Report::preview_plan`] alone: its new text is never held whole, only its
    /// edits (a few bytes a row), made again as its diff is written. Written up to each row
    /// with [`Report::write_preview_before`], it holds only the rows planned since.
    pub fn preview() -> EditPlan {
        EditPlan {
            written: Some(edit::Written::discarding()),
            log: Some(edit_log::EditLog::default()),
            ..EditPlan::default()
        }
    }

    /// The body rows whose bytes the planned edits change, in order.
    pub fn rows(&self) -> Vec<usize> {
        debug_assert!(
            self.written.is_none(),
            "a preview's rows already written are no longer listed"
        );
        edit::rows_written(&self.pending)
    }
}

/// A report's text and the edits a preview planned against it, its diff written by planning
/// them again (see [`EditPlan::preview`]): the new text is never held whole.
pub struct Edited {
    path: PathBuf,
    /// The name the diff's headers give the report.
    name: String,
    text: Arc<String>,
    store: Arc<ItemStore>,
    kind: ContainerKind,
    known: KnownStatuses,
    storage: bool,
    log: edit_log::EditLog,
}

impl fmt::Debug for Edited {
    /// What it holds, not the report's text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Edited")
            .field("name", &self.name)
            .field("bytes", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl Edited {
    /// Writes the unified diff from the text to the edited text.
    fn write_diff(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let make = || -> diff::Producer<'_> {
            let target = edit::Target {
                path: &self.path,
                text: &self.text,
                kind: self.kind,
                items: &self.store,
                known: &self.known,
                storage: self.storage,
            };
            let mut replay = edit::Replay::new(target, self.log.calls());
            Box::new(move |end, out| replay.write_to(end, out))
        };
        diff::write_edited(
            out,
            &self.text,
            &make,
            3,
            (&format!("a/{}", self.name), &format!("b/{}", self.name)),
        )
    }
}

/// The bytes last loaded or saved, or only their fingerprint.
#[derive(Debug)]
enum SavedText {
    /// The bytes; shares `text`'s allocation until an edit changes it.
    Bytes(Arc<String>),
    /// Their length and hash, once an edit has been made and the options do not keep the
    /// original: the largest thing a rewrite held was this second copy.
    Fingerprint(disk::Fingerprint),
}

/// What a report's home held when it was last read or saved, as a home checks it before a save.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Saved<'a> {
    /// The bytes themselves.
    Bytes(&'a str),
    /// Only their length and hash.
    Fingerprint(disk::Fingerprint),
}

/// A post-mortem report: its bytes, its front matter and the action items of its table. Where
/// the bytes live (a file, a wiki page) is its home's business, not the report's: see
/// [`FileHome`] and `crate::home`.
pub struct Report {
    /// The name messages give it: its file's path, or its page's address.
    path: PathBuf,
    options: ReportOptions,
    /// The bytes as they are now, edits included.
    text: Arc<String>,
    /// What its home held when last loaded or saved.
    saved: SavedText,
    parsed: Parsed,
    /// Status names the tracker knows: decides which status texts pm-sync may overwrite.
    known: KnownStatuses,
    /// For a Confluence page (storage format), its title; `None` for Markdown and HTML files.
    page_title: Option<String>,
    /// Whether its home holds edits these bytes lack (saved by [`FileHome::save_edited`]
    /// without reading them back): its bytes may not be saved, nor edited, until they are.
    behind: bool,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("path", &self.path)
            .field("kind", &self.parsed.kind)
            .field("items", &self.parsed.items.store.len())
            .field("modified", &self.is_modified())
            .finish_non_exhaustive()
    }
}

/// Where the Markdown of `text` starts: after a byte order mark, which stays in the bytes but
/// must not reach the parser (the front matter's opening `---` would not be at the start).
/// Refuses text that would read wrongly rather than fail: UTF-16 without a byte order mark
/// (its NUL bytes make no UTF-8 error, only a report with no heading) and lines ended by a
/// carriage return alone (classic Mac OS: the whole file one line, front matter unseen).
fn refuse_text_form(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let head = &bytes[..bytes.len().min(1024) & !1];
    let nul_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|byte| **byte == 0)
            .count()
    };
    let pairs = head.len() / 2;
    // Text in UTF-16 has a NUL in nearly every pair, on one side (ASCII's high bytes).
    if pairs >= 8 && nul_at(0).max(nul_at(1)) * 4 >= pairs * 3 {
        return Err(ReportError::TextForm {
            path: path.to_owned(),
            what: "the report is UTF-16 text, not UTF-8",
            fix: "save the file as UTF-8 (Markdown reports are UTF-8)",
        });
    }
    if memchr::memchr(b'\n', bytes).is_none() && memchr::memchr(b'\r', bytes).is_some() {
        return Err(ReportError::TextForm {
            path: path.to_owned(),
            what: "the report's lines end with a carriage return alone (classic Mac OS)",
            fix: "save the file with LF (or CRLF) line ends; pm-sync keeps whichever it finds",
        });
    }
    Ok(())
}

fn markdown_start(text: &str) -> usize {
    if text.starts_with('\u{feff}') { 3 } else { 0 }
}

/// Parses `text` (the whole file at `path`).
fn parse_text(path: &Path, text: &str, options: &ReportOptions) -> Result<Parsed, ReportError> {
    let base = markdown_start(text);
    let scan = section::scan(
        text,
        base,
        &options.section,
        options.parse_window,
        section::Skips::Drop,
    );
    let front_matter = |items: Option<Span>| {
        front_matter::read(
            path,
            text,
            scan.front_matter.clone(),
            base,
            items,
            &options.severity_map,
        )
    };
    let mut explanation = Explanation {
        section: scan.heading.clone(),
        choice: scan.choice.as_ref().map(explain::describe_choice),
        guessed: matches!(
            scan.choice,
            Some(section::Choice::Label(_) | section::Choice::Fallback(_))
        ),
        siblings: Vec::new(),
        container: String::new(),
        columns: Vec::new(),
        skipped: Vec::new(),
    };
    let section_heading = scan.heading.clone();
    let located = match scan.table {
        Ok(located) => located,
        Err(SectionError::NoSection) => {
            front_matter(None)?;
            let origin = Origin::new(path, text, base..base);
            let (section, first) = if options.section.is_empty() {
                (
                    "for action items (\"Action Items\", \"Follow-ups\", \"Next Steps\", \"Corrective actions\"… in ten languages), no label line such as \"**Follow-up actions:**\" and no section holding a task list, TODO-marked entries or an action items table".to_owned(),
                    "Action Items".to_owned(),
                )
            } else {
                (
                    heading::describe(&options.section),
                    options.section.first().cloned().unwrap_or_default(),
                )
            };
            return Err(ReportError::NoSection {
                at: origin.at,
                section,
                first,
                post_mortem: scan.looks_like_post_mortem,
                src: origin.src,
                span: origin.span,
            });
        }
        Err(SectionError::NoTable(heading)) => {
            front_matter(None)?;
            let origin = Origin::new(path, text, trim_span(text, heading));
            return Err(ReportError::NoTable {
                at: origin.at,
                section: section_heading.unwrap_or_default(),
                post_mortem: scan.looks_like_post_mortem,
                src: origin.src,
                span: origin.span,
            });
        }
        Err(SectionError::Several(candidates)) => {
            front_matter(None)?;
            let first = candidates
                .first()
                .map(|(span, _)| span.clone())
                .unwrap_or(base..base);
            let origin = Origin::new(path, text, trim_span(text, first));
            let mut lines = items::LineCounter::new(text);
            let listed = candidates
                .iter()
                .map(|(span, heading)| {
                    format!(
                        "line {}: \"{heading}\" (to use it: [report] section = \"{}\")",
                        lines.line_of(span.start),
                        heading.replace('\\', "\\\\").replace('"', "\\\"")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ReportError::SeveralSections {
                at: origin.at,
                candidates: listed,
                src: origin.src,
                span: origin.span,
            });
        }
    };
    let first = match read_part(path, text, options, &scan.refdefs, located) {
        Ok(part) => part,
        Err(error) => {
            // A broken front matter is named first, as for every other report.
            front_matter(None)?;
            return Err(error);
        }
    };
    let front_matter = front_matter(first.span.clone())?;
    explanation.container = first.container.clone();
    explanation.columns = first.columns.clone();
    let Part {
        mut kind,
        table_line,
        mut items,
        ..
    } = first;
    // Sibling sections: their items follow, numbered after the ones before them. A sibling
    // whose items cannot be read, or are written in another markup (HTML beside Markdown), is
    // left out rather than failing the report.
    for (heading, located) in scan.siblings {
        let Ok(part) = read_part(path, text, options, &scan.refdefs, located) else {
            continue;
        };
        let combined = match (kind, part.kind) {
            (a, b) if a == b => a,
            (ContainerKind::List, ContainerKind::Pipe)
            | (ContainerKind::Pipe, ContainerKind::List) => ContainerKind::Pipe,
            _ => continue,
        };
        kind = combined;
        let offset = items.last_row().unwrap_or(0);
        items.append(text, &part.items, offset);
        explanation.siblings.push(heading);
        if !part.columns.is_empty() {
            explanation.columns.extend(part.columns);
        }
    }
    Ok(Parsed {
        kind,
        table_line,
        heading: section_heading,
        front_matter,
        items: Items::new(items),
        explanation,
    })
}

/// The items of one section's container.
struct Part {
    kind: ContainerKind,
    table_line: usize,
    items: ItemStore,
    /// The bytes of the container, when it has items.
    span: Option<Span>,
    container: String,
    columns: Vec<(String, String)>,
}

/// Reads the items of `located`.
fn read_part(
    path: &Path,
    text: &str,
    options: &ReportOptions,
    refdefs: &windowed::RefDefs,
    located: LocatedTable,
) -> Result<Part, ReportError> {
    let unclosed = |unclosed: html_table::Unclosed| {
        let origin = Origin::new(path, text, unclosed.tag);
        ReportError::UnclosedTable {
            at: origin.at,
            src: origin.src,
            span: origin.span,
        }
    };
    match located {
        LocatedTable::Pipe(table) => {
            let table::RawTable {
                kind,
                start,
                header,
                body,
            } = table;
            table_part(path, text, options, kind, start, |each| {
                let rows = header.map(|row| (true, row));
                for (is_header, row) in rows
                    .into_iter()
                    .chain(body.into_iter().map(|row| (false, row)))
                {
                    if each(is_header, row).is_break() {
                        break;
                    }
                }
                Ok(())
            })
        }
        LocatedTable::PipeAt(start) => {
            table_part(path, text, options, ContainerKind::Pipe, start, |each| {
                section::read_pipe_table(text, start, refdefs, options.parse_window, each);
                Ok(())
            })
        }
        LocatedTable::Html(start) => {
            table_part(path, text, options, ContainerKind::Html, start, |each| {
                // The header first (it may not be the first row), then the body rows as read.
                let header = html_table::header(text, start).map_err(unclosed)?;
                let header_index = header.as_ref().map(|(index, _)| *index);
                if let Some((_, row)) = header
                    && each(true, row).is_break()
                {
                    return Ok(());
                }
                let mut index = 0;
                html_table::read_each(text, start, |section, row| {
                    let is_header = Some(index) == header_index;
                    index += 1;
                    if is_header || section != html_table::Section::Body {
                        return std::ops::ControlFlow::Continue(());
                    }
                    each(false, row)
                })
                .map_err(unclosed)
            })
        }
        LocatedTable::Cell(span, kind) => {
            let cx = items::Context::new(text, kind, &options.ticket_projects);
            let mut lines = items::LineCounter::new(text);
            let line = lines.line_of(span.start);
            let found = cell_lines::lines_or_whole(text, &span, kind);
            let mut items = ItemStore::with_capacity(found.len());
            for (i, found) in found.into_iter().enumerate() {
                items.push(text, &items::line_item(&cx, i + 1, line, found, Vec::new()));
            }
            Ok(Part {
                kind,
                table_line: line,
                items,
                span: Some(span),
                container: "lines of one table cell".to_owned(),
                columns: Vec::new(),
            })
        }
        LocatedTable::List(raw_items, shape) => {
            let span = raw_items
                .first()
                .zip(raw_items.last())
                .map(|(first, last)| first.span().start..last.span().end);
            let (table_line, items) = list_items(text, raw_items, options);
            Ok(Part {
                kind: ContainerKind::List,
                table_line,
                items,
                span,
                container: shape.describe().to_owned(),
                columns: Vec::new(),
            })
        }
    }
}

/// Reads the items of a table whose rows `read` hands over one at a time (`true` for the header
/// row, which comes first), so that the whole table is never held: each row becomes items
/// before the next is read.
fn table_part(
    path: &Path,
    text: &str,
    options: &ReportOptions,
    kind: ContainerKind,
    start: usize,
    read: impl FnOnce(
        &mut dyn FnMut(bool, table::RawRow) -> std::ops::ControlFlow<()>,
    ) -> Result<(), ReportError>,
) -> Result<Part, ReportError> {
    use std::ops::ControlFlow;
    let container = match kind {
        ContainerKind::Html => "an HTML table",
        _ => "a pipe table",
    };
    let mut lines = items::LineCounter::new(text);
    let table_line = lines.line_of(start);
    let cx = items::Context::new(text, kind, &options.ticket_projects);
    let mut columns: Option<columns::Columns> = None;
    let mut items = items::TableItems::with_capacity(0);
    let mut end = start;
    let mut failure: Option<ReportError> = None;
    read(&mut |is_header, row| {
        if columns.is_none() {
            // The first row is the header; a table without one has no item column.
            let header = is_header.then_some(&row);
            match columns::map_or_report(path, text, header, start) {
                Ok(mapped) => columns = Some(mapped),
                Err(error) => {
                    failure = Some(error);
                    return ControlFlow::Break(());
                }
            }
            if is_header {
                end = row.span.end;
                return ControlFlow::Continue(());
            }
        }
        end = row.span.end;
        let Some(columns) = columns.as_ref() else {
            return ControlFlow::Break(());
        };
        match items.row(&cx, row, columns, &mut lines) {
            Ok(()) => ControlFlow::Continue(()),
            Err(ragged) => {
                failure = Some(ragged.into_error(path, text));
                ControlFlow::Break(())
            }
        }
    })?;
    if let Some(error) = failure {
        return Err(error);
    }
    let columns = match columns {
        Some(columns) => columns,
        None => columns::map_or_report(path, text, None, start)?,
    };
    Ok(Part {
        kind,
        table_line,
        items: items.finish(),
        span: Some(start..end.max(start)),
        container: container.to_owned(),
        columns: columns::roles(&columns),
    })
}

/// The action items of a section written as text (lists, paragraphs, sub-headings): the line
/// of the first and the items.
fn list_items(
    text: &str,
    raw_items: list::RawItems,
    options: &ReportOptions,
) -> (usize, ItemStore) {
    let cx = items::Context::new(text, ContainerKind::List, &options.ticket_projects);
    let mut lines = items::LineCounter::new(text);
    let table_line = raw_items
        .first()
        .map_or(1, |item| lines.line_of(item.span().start));
    let mut items = ItemStore::with_capacity(raw_items.len());
    // The raw items go as their records are made: a list of 100,000 items never holds both.
    for (raw, raw_text) in raw_items.into_texts(text) {
        let item = {
            let parts = items::ItemParts {
                row: raw.position(),
                line: lines.line_of(raw.span().start),
                item: Cell {
                    span: raw.head(),
                    text: raw_text.into_owned(),
                },
                rest: [raw.head().end..raw.span().end, 0..0],
                head: raw.head(),
                checkbox: raw.checkbox(),
            };
            items::text_item(&cx, parts, Vec::new())
        };
        items.push(text, &item);
    }
    items.shrink();
    (table_line, items)
}

/// `span` without its trailing whitespace, so an underline does not run onto the next line.
fn trim_span(text: &str, span: Span) -> Span {
    let trimmed = text.get(span.clone()).map_or(0, |s| s.trim_end().len());
    span.start..span.start + trimmed
}

impl Report {
    /// Reads and parses the report at `path` (see [`FileHome::read`]): a shorthand for callers
    /// that hold no home, such as `items` and tests.
    pub fn load(path: &Path, options: &ReportOptions) -> Result<Report, ReportError> {
        Report::parse(path, FileHome::new(path).read(options)?, options)
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
        // A name holding the token would reach the tickets' descriptions (`{path}`) and links.
        if crate::redact::find(path.as_os_str().as_encoded_bytes()).is_some() {
            return Err(ReportError::NameHoldsSecret {
                path: path.to_owned(),
            });
        }
        // A file holding the token (a report that is a link to `/proc/self/environ`, a token
        // pasted into the text) is never parsed: its lines would reach error snippets, ticket
        // summaries and saves.
        if let Some(at) = crate::redact::find(&bytes) {
            return Err(ReportError::HoldsSecret {
                path: path.to_owned(),
                line: 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count(),
            });
        }
        refuse_text_form(path, &bytes)?;
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
        let report = Report {
            path: path.to_owned(),
            options: options.clone(),
            saved: SavedText::Bytes(Arc::clone(&text)),
            text,
            parsed,
            known: KnownStatuses::default(),
            page_title: None,
            behind: false,
        };
        report.refuse_secret_in_items()?;
        Ok(report)
    }

    /// Refuses a report whose items hold a secret that its bytes do not: the token split by
    /// emphasis, an HTML tag or comment, an entity or a Markdown escape, which parsing removes.
    /// An item's text is what Jira gets as a summary (its other cells as fields), so it is
    /// refused as a file holding the token is, naming only the item's line.
    fn refuse_secret_in_items(&self) -> Result<(), ReportError> {
        if !crate::redact::any_registered() {
            return Ok(());
        }
        for item in self.iter_items() {
            let mut cells = std::iter::once(&item.item).chain(item.extra.iter().map(|(_, c)| c));
            if cells.any(|cell| crate::redact::find(cell.text.as_bytes()).is_some()) {
                return Err(ReportError::HoldsSecret {
                    path: self.path.clone(),
                    line: item.line,
                });
            }
        }
        Ok(())
    }

    /// Parses `body`, a Confluence page's storage format, as the report named `name` (its page
    /// address), with the page's `title` (which may give the incident date and severity).
    pub fn parse_storage(
        name: &Path,
        body: String,
        title: &str,
        options: &ReportOptions,
    ) -> Result<Report, ReportError> {
        if u32::try_from(body.len()).is_err() {
            return Err(ReportError::Read {
                path: name.to_owned(),
                cause: std::io::Error::new(
                    std::io::ErrorKind::FileTooLarge,
                    "pages over 4 GiB are not supported",
                ),
            });
        }
        let parsed = storage::parse(name, &body, title, options)?;
        let text = Arc::new(body);
        let report = Report {
            path: name.to_owned(),
            options: options.clone(),
            saved: SavedText::Bytes(Arc::clone(&text)),
            text,
            parsed,
            known: KnownStatuses::default(),
            page_title: Some(title.to_owned()),
            behind: false,
        };
        report.refuse_secret_in_items()?;
        Ok(report)
    }

    /// Parses `text` the way this report was first parsed (Markdown/HTML, or storage).
    fn reparse(&self, text: &str) -> Result<Parsed, ReportError> {
        match &self.page_title {
            Some(title) => storage::parse(&self.path, text, title, &self.options),
            None => parse_text(&self.path, text, &self.options),
        }
    }

    /// The page title, for a report read from a Confluence page.
    pub fn page_title(&self) -> Option<&str> {
        self.page_title.as_deref()
    }

    /// The name the report goes by in messages: its file's path, or its page's address.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How the action items are written.
    pub fn kind(&self) -> ContainerKind {
        self.parsed.kind
    }

    /// The action items, in table order; template rows (empty item cell) are not included.
    /// The first call decodes them all and keeps them while the report is unchanged: a caller
    /// that goes through them once holds less with [`Report::iter_items`].
    pub fn items(&self) -> &[ActionItem] {
        self.parsed
            .items
            .all
            .get_or_init(|| self.parsed.items.store.iter(&self.text).collect())
    }

    /// The action items, as [`Report::items`] gives them, decoded one at a time: at most one
    /// is held at once (a report of 100,000 rows holds its items in about 20 bytes each).
    pub fn iter_items(&self) -> impl ExactSizeIterator<Item = ActionItem> + '_ {
        self.parsed.items.store.iter(&self.text)
    }

    /// [`Report::iter_items`] from the item at index `start` on (none before it is decoded).
    pub fn iter_items_from(&self, start: usize) -> impl ExactSizeIterator<Item = ActionItem> + '_ {
        self.parsed.items.store.iter_from(&self.text, start)
    }

    /// How many action items [`Report::items`] holds.
    pub fn item_count(&self) -> usize {
        self.parsed.items.store.len()
    }

    /// The items as they stand now, shared: see [`ItemTexts`].
    pub fn item_texts(&self) -> ItemTexts {
        ItemTexts {
            text: Arc::clone(&self.text),
            store: Arc::clone(&self.parsed.items.store),
        }
    }

    /// The action item in body row `row` (1-based, template rows counted), if that row is one.
    /// Decoded on its own: no other item is decoded or kept.
    pub fn item(&self, row: usize) -> Option<ActionItem> {
        let index = self.parsed.items.store.find_row(row)?;
        Some(self.parsed.items.store.get(&self.text, index))
    }

    /// The heading that introduced the action items, as written (whitespace collapsed).
    pub fn section_heading(&self) -> Option<&str> {
        self.parsed.heading.as_deref()
    }

    /// Why pm-sync read the items it did: the section chosen and why, the container, each
    /// column's role and every line of the section skipped with the reason (made when asked).
    pub fn explanation(&self) -> Explanation {
        let mut explanation = self.parsed.explanation.clone();
        if self.page_title.is_some() {
            // A page's section is read from its storage format, which skips nothing it tells.
            return explanation;
        }
        // Scanned again, keeping what is skipped this time: every other command's parse lets
        // those lines go (a list whose every item has a sub-bullet skips a line per item).
        let base = markdown_start(&self.text);
        let scan = section::scan(
            &self.text,
            base,
            &self.options.section,
            self.options.parse_window,
            section::Skips::Keep,
        );
        let mut lines = items::LineCounter::new(&self.text);
        explanation.skipped = scan
            .skipped
            .iter()
            .map(|skipped| {
                explain::skipped_line(&self.text, &skipped.span, skipped.reason, &mut lines)
            })
            .collect();
        explanation
    }

    /// Why the section was chosen, when no heading named it (a label line, a field row or the
    /// fallback chose it): `items` says so even without `--explain`.
    pub fn guessed_section(&self) -> Option<&str> {
        let explanation = &self.parsed.explanation;
        explanation
            .choice
            .as_deref()
            .filter(|_| explanation.guessed)
    }

    /// What the report says about the incident: the front matter, and for what it does not
    /// give, the body, title and file name (with where each value was read).
    pub fn front_matter(&self) -> &FrontMatter {
        &self.parsed.front_matter
    }

    /// The 1-based line where the action items start (the table, or the first list item).
    pub fn table_line(&self) -> usize {
        self.parsed.table_line
    }

    /// The report's bytes as they are now, edits included.
    pub fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// Tells the report which status names the tracker knows (and which mean done): a status
    /// text pm-sync may overwrite must be one of them (or empty), see [`Edit::Status`].
    pub fn set_known_statuses(&mut self, known: KnownStatuses) {
        self.known = known;
    }

    /// The status names the tracker knows, as last set ([`Report::set_known_statuses`]).
    pub fn known_statuses(&self) -> &KnownStatuses {
        &self.known
    }

    /// Applies `edits` to the bytes and parses them again. Returns whether the bytes changed
    /// (edits that write what is already there change nothing). On error nothing is applied.
    pub fn apply(&mut self, edits: &[Edit]) -> Result<bool, ReportError> {
        let mut plan = EditPlan::default();
        self.plan_edits(&mut plan, edits)?;
        self.apply_plan(plan)
    }

    /// Applies `edits` as [`Report::apply`] does; returns the body rows whose bytes changed.
    pub fn apply_rows(&mut self, edits: &[Edit]) -> Result<Vec<usize>, ReportError> {
        let mut plan = EditPlan::default();
        self.plan_edits(&mut plan, edits)?;
        let rows = plan.rows();
        Ok(if self.apply_plan(plan)? {
            rows
        } else {
            Vec::new()
        })
    }

    /// Plans `edits` into `plan` without changing the report: one row's edits at a time, so a
    /// big report's edits need not all be held (only the splices that change bytes are). Within
    /// one call the later of two edits of an item's link or status wins; across calls the first
    /// stays. Returns whether these edits change any byte. On error `plan` is as it was.
    pub fn plan_edits(&self, plan: &mut EditPlan, edits: &[Edit]) -> Result<bool, ReportError> {
        debug_assert!(
            !self.behind,
            "edits planned against bytes their file is ahead of"
        );
        let against = (Arc::as_ptr(&self.text) as usize, self.text.len());
        debug_assert!(plan.against.is_none_or(|text| text == against));
        plan.against = Some(against);
        let target = self.edit_target();
        let changed = edit::add(&target, &mut plan.pending, edits)?;
        if changed && let Some(log) = &mut plan.log {
            log.push(edits);
        }
        Ok(changed)
    }

    /// What its edits are planned against.
    fn edit_target(&self) -> edit::Target<'_> {
        edit::Target {
            path: &self.path,
            text: &self.text,
            kind: self.parsed.kind,
            items: &self.parsed.items.store,
            known: &self.known,
            storage: self.page_title.is_some(),
        }
    }

    /// Whether `edits` would change any byte of the report (an edit that cannot be planned
    /// counts as a change, so whoever applies it hears of the error).
    pub fn edits_change(&self, edits: &[Edit]) -> bool {
        self.plan_edits(&mut EditPlan::default(), edits)
            .unwrap_or(true)
    }

    /// What applying `plan` would make of the report, without changing it: the change from
    /// what its home holds to the spliced bytes, named `name`, shown as a diff when written;
    /// `None` when no byte would change. Nothing is parsed again (a dry run of 100,000 rows
    /// never holds the items of its preview).
    pub fn preview_plan(&self, plan: EditPlan, name: &str) -> Option<Change> {
        let name = name.trim_start_matches('/').to_owned();
        let before = self
            .saved_shared()
            .unwrap_or_else(|| Arc::clone(&self.text));
        let written = plan.written.unwrap_or_default();
        let Some(mut log) = plan.log else {
            let after = Arc::new(written.finish(&self.text, self.parsed.kind, plan.pending)?);
            return Some(Change::Texts {
                before,
                after,
                name,
            });
        };
        // A preview plan: its new text was never kept, its edits were.
        let mut written = written;
        let mut pending = plan.pending;
        written.write_before(&self.text, self.parsed.kind, &mut pending, usize::MAX);
        drop(pending);
        if !written.changed() {
            return None;
        }
        log.shrink_to_fit();
        if written.reshapes_lines() || !Arc::ptr_eq(&before, &self.text) {
            // Not lines edited in place (or not from these bytes): the diff needs the new
            // text whole, made once here.
            let mut after = String::new();
            edit::Replay::new(self.edit_target(), log.calls())
                .write_to(self.text.len(), &mut after);
            return Some(Change::Texts {
                before,
                after: Arc::new(after),
                name,
            });
        }
        Some(Change::Edits(Arc::new(Edited {
            path: self.path.clone(),
            name,
            text: Arc::clone(&self.text),
            store: Arc::clone(&self.parsed.items.store),
            kind: self.parsed.kind,
            known: self.known.clone(),
            storage: self.page_title.is_some(),
            log,
        })))
    }

    /// Writes the preview of `plan` (see [`Report::preview_plan`]) up to the item in body row
    /// `row`, letting go of the values written: call it before planning row `row`'s edits when
    /// rows are planned in order, and a preview of 100,000 rows never holds every row's value
    /// beside its new text. Rows planned afterwards must be `row` or later.
    pub fn write_preview_before(&self, plan: &mut EditPlan, row: usize) {
        let store = &self.parsed.items.store;
        let Some(index) = store.find_row(row) else {
            return;
        };
        let upto = edit::first_byte(&store.get(&self.text, index));
        plan.written.get_or_insert_default().write_before(
            &self.text,
            self.parsed.kind,
            &mut plan.pending,
            upto,
        );
    }

    /// Applies what [`Report::plan_edits`] planned (against these bytes) and parses the report
    /// again. Returns whether the bytes changed. On error nothing is applied.
    pub fn apply_plan(&mut self, plan: EditPlan) -> Result<bool, ReportError> {
        debug_assert!(plan.written.is_none(), "a preview's plan applied");
        debug_assert!(
            plan.against
                .is_none_or(|text| text == (Arc::as_ptr(&self.text) as usize, self.text.len())),
            "an edit plan applied to bytes it was not planned against"
        );
        let splices = edit::finish(&self.text, self.parsed.kind, plan.pending);
        if splices.is_empty() {
            return Ok(false);
        }
        // Only one text and one set of items at a time: the old items go once the splices are
        // planned, the old text before the new one is parsed (it stays only while it is what
        // was saved, or kept for a diff). Should the new text not parse, `undo` gives the old
        // one back.
        self.parsed.items = Items::default();
        if !self.options.keep_original
            && let SavedText::Bytes(bytes) = &self.saved
        {
            self.saved = SavedText::Fingerprint(disk::Fingerprint::of(bytes.as_bytes()));
        }
        let undo = edit::Undo::of(&self.text, &splices);
        match Arc::get_mut(&mut self.text) {
            // Nobody else holds these bytes (no diff keeps them, they are not what was saved):
            // rewritten where they are, never held twice.
            Some(text) => edit::splice_in_place(text, &splices),
            None => self.text = Arc::new(edit::splice(&self.text, &splices)),
        }
        drop(splices);
        match self.reparse(&self.text) {
            Ok(parsed) => {
                self.parsed = parsed;
                Ok(true)
            }
            Err(error) => {
                // Splices only write escaped values into owned places, so this is not expected;
                // should it happen, the report stays as it was (its bytes parsed before).
                self.text = Arc::new(undo.apply(&self.text));
                self.parsed = self.reparse(&self.text)?;
                Err(error)
            }
        }
    }

    /// Makes the front matter say `jira_parent: value` (the key of the post-mortem's own
    /// ticket): one splice, the value replaced where it is written, else a line added to the
    /// front matter, else a front matter added at the top; every other byte stays. Returns
    /// whether the bytes changed. On error nothing is applied.
    pub fn set_jira_parent(&mut self, value: &str) -> Result<bool, ReportError> {
        if !key::is_key(value) {
            return Err(ReportError::InvalidKey {
                path: self.path.clone(),
                key: value.to_owned(),
            });
        }
        if self.parsed.front_matter.jira_parent.as_deref() == Some(value) {
            return Ok(false);
        }
        let base = markdown_start(&self.text);
        let (span, written) =
            front_matter::parent_splice(&self.text, base, &self.parsed.front_matter, value);
        let mut text = String::with_capacity(self.text.len() + written.len());
        text.push_str(&self.text[..span.start]);
        text.push_str(&written);
        text.push_str(&self.text[span.end..]);
        let parsed = parse_text(&self.path, &text, &self.options)?;
        if !self.options.keep_original
            && let SavedText::Bytes(bytes) = &self.saved
        {
            self.saved = SavedText::Fingerprint(disk::Fingerprint::of(bytes.as_bytes()));
        }
        self.text = Arc::new(text);
        self.parsed = parsed;
        Ok(true)
    }

    /// Whether the bytes differ from those last loaded or saved.
    pub fn is_modified(&self) -> bool {
        match &self.saved {
            SavedText::Bytes(bytes) => !Arc::ptr_eq(&self.text, bytes) && self.text != *bytes,
            SavedText::Fingerprint(fingerprint) => {
                disk::Fingerprint::of(self.text.as_bytes()) != *fingerprint
            }
        }
    }

    /// Writes the bytes back to the report's file: [`FileHome::save`] for a report read
    /// with [`Report::load`].
    pub fn save(&mut self) -> Result<bool, ReportError> {
        FileHome::new(&self.path.clone()).save(self)
    }

    /// [`Report::save`], choosing when the folder is synced ([`FileHome::save_with`]).
    pub fn save_with(&mut self, folder: disk::FolderSync) -> Result<bool, ReportError> {
        FileHome::new(&self.path.clone()).save_with(self, folder)
    }

    /// Saves many file reports at once ([`file::save_all`]).
    pub fn save_all(reports: &mut [&mut Report]) -> Vec<Result<bool, ReportError>> {
        file::save_all(reports)
    }

    /// The diff of a report read from a file ([`FileHome::diff`]).
    pub fn diff(&self) -> String {
        FileHome::new(&self.path).diff(self)
    }

    /// What its home held when it was last read or saved: the bytes, or only their
    /// fingerprint (see [`ReportOptions::keep_original`]).
    pub(crate) fn saved(&self) -> Saved<'_> {
        match &self.saved {
            SavedText::Bytes(bytes) => Saved::Bytes(bytes.as_str()),
            SavedText::Fingerprint(fingerprint) => Saved::Fingerprint(*fingerprint),
        }
    }

    /// The bytes its home held when last read or saved, when kept (see
    /// [`ReportOptions::keep_original`]).
    pub fn saved_text(&self) -> Option<&str> {
        match &self.saved {
            SavedText::Bytes(bytes) => Some(bytes.as_str()),
            SavedText::Fingerprint(_) => None,
        }
    }

    /// Records that its home now holds the current bytes (after a save).
    pub fn mark_saved(&mut self) {
        self.saved = SavedText::Bytes(Arc::clone(&self.text));
        self.behind = false;
    }

    /// The fingerprint of what its home held when last read or saved.
    pub(crate) fn saved_fingerprint(&self) -> disk::Fingerprint {
        match &self.saved {
            SavedText::Bytes(bytes) => disk::Fingerprint::of(bytes.as_bytes()),
            SavedText::Fingerprint(fingerprint) => *fingerprint,
        }
    }

    /// Whether its home holds edits its bytes lack (see [`FileHome::save_edited`]).
    pub fn is_behind(&self) -> bool {
        self.behind
    }

    /// Writes the bytes with the edits of `calls` made (each call one row's edits, as
    /// [`Report::plan_edits`] takes them, rows in order) to `sink`, a piece at a time: the
    /// report is left as it is, and its new bytes are never held whole (a big report's edits
    /// are planned again as they are written, each row's values let go once written).
    /// `changed_row` hears of each row whose bytes change. Returns the fingerprint of what
    /// was written and whether any byte changed; a call that cannot be planned fails the whole
    /// write (the caller drops what was written).
    pub(crate) fn write_edited(
        &self,
        calls: &mut dyn Iterator<Item = Vec<Edit>>,
        sink: &mut dyn std::io::Write,
        changed_row: &mut dyn FnMut(usize),
    ) -> Result<(disk::Fingerprint, bool), ReportError> {
        /// About how much old text each piece covers (pieces end at a line's start).
        const PIECE: usize = 64 << 10;
        let text = self.text.as_str();
        let write_error = |cause| ReportError::Write {
            path: self.path.clone(),
            cause,
        };
        let mut replay = edit::Replay::new(self.edit_target(), calls).noting_changed_rows();
        let mut hasher = disk::FingerprintHasher::new();
        let mut piece = String::new();
        let mut at = 0;
        loop {
            let end = match text.as_bytes().get(at + PIECE..) {
                Some(rest) => {
                    memchr::memchr(b'\n', rest).map_or(text.len(), |i| at + PIECE + i + 1)
                }
                None => text.len(),
            };
            replay.write_to(end, &mut piece);
            if let Some(error) = replay.take_error() {
                return Err(error);
            }
            for row in replay.take_changed_rows() {
                changed_row(row);
            }
            hasher.write(piece.as_bytes());
            sink.write_all(piece.as_bytes()).map_err(write_error)?;
            piece.clear();
            at = end;
            if end >= text.len() {
                break;
            }
        }
        Ok((hasher.finish(), replay.changed()))
    }

    /// Records that its home holds what [`Report::write_edited`] wrote (`fingerprint`), which
    /// these bytes lack: until [`Report::read_back`], the report may be neither saved nor
    /// edited (its items still read as they were, their summaries unchanged).
    pub(crate) fn mark_saved_ahead(&mut self, fingerprint: disk::Fingerprint) {
        self.saved = SavedText::Fingerprint(fingerprint);
        self.behind = true;
    }

    /// Takes `bytes`, what its home holds after [`Report::write_edited`] (`fingerprint`), as
    /// its bytes, parsed again; the old bytes and items go first, so a big report is never
    /// held twice. Bytes that are not what was written are refused as changed on disk.
    pub(crate) fn read_back(
        &mut self,
        read: impl FnOnce() -> std::io::Result<Vec<u8>>,
        fingerprint: disk::Fingerprint,
    ) -> Result<(), ReportError> {
        self.parsed.items = Items::default();
        self.text = Arc::new(String::new());
        self.saved = SavedText::Fingerprint(fingerprint);
        self.behind = true;
        let bytes = read().map_err(|cause| ReportError::Read {
            path: self.path.clone(),
            cause,
        })?;
        if disk::Fingerprint::of(&bytes) != fingerprint {
            return Err(ReportError::ChangedOnDisk {
                path: self.path.clone(),
            });
        }
        // Written from this report's text and escaped values: UTF-8.
        let text = String::from_utf8(bytes).map_err(|error| ReportError::Read {
            path: self.path.clone(),
            cause: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
        })?;
        self.parsed = self.reparse(&text)?;
        self.text = Arc::new(text);
        self.mark_saved();
        Ok(())
    }

    /// A unified diff from `before` (what its home holds) to the current bytes, with
    /// `a/<name>` and `b/<name>` headers; empty when unmodified.
    pub fn diff_from(&self, name: &str, before: &str) -> String {
        self.change_from(name, Arc::new(before.to_owned()))
            .map(|change| change.to_string())
            .unwrap_or_default()
    }

    /// The change from `before` (what its home holds) to the current bytes, shown as a diff
    /// with `a/<name>` and `b/<name>` headers when written; `None` when unmodified. Linear in
    /// lines, where `similar`'s optimal diff is quadratic in changed lines.
    pub fn change_from(&self, name: &str, before: Arc<String>) -> Option<Change> {
        self.is_modified().then(|| Change::Texts {
            before,
            after: Arc::clone(&self.text),
            name: name.trim_start_matches('/').to_owned(),
        })
    }

    /// The bytes its home held when last read or saved, shared, when kept.
    pub(crate) fn saved_shared(&self) -> Option<Arc<String>> {
        match &self.saved {
            SavedText::Bytes(bytes) => Some(Arc::clone(bytes)),
            SavedText::Fingerprint(_) => None,
        }
    }
}
