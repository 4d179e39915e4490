//! Everything that can go wrong reading, editing or saving a report, with the span to underline.
//!
//! Report-content errors carry the whole file as `#[source_code]` and a `#[label]` span, so miette
//! draws the offending line; their `Display` text starts with `path:line:col` too, because JSON and
//! plain-text output never show the snippet.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use miette::{Diagnostic, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::model::Span;

/// The whole report as miette shows it; shared so that errors stay small.
pub type SharedSource = std::sync::Arc<Snippet>;

/// How many characters of a long line an error snippet shows around the span.
pub const SNIPPET_WIDTH: usize = 200;

/// A report's text as error snippets show it: the lines around the span, and on a line longer
/// than [`SNIPPET_WIDTH`] only a window of it around the span, so a minified or hostile file
/// never floods the terminal.
#[derive(Debug)]
pub struct Snippet {
    name: String,
    text: String,
    /// Byte range of the one line (part) shown, when the line is too long to show whole.
    window: Option<(usize, usize)>,
    /// Whether the lines before and after may be shown (all short enough).
    context: bool,
}

impl Snippet {
    /// The report's name and whole text, showing `span`.
    fn new(
        name: String,
        text: String,
        span: &std::ops::Range<usize>,
    ) -> (Snippet, std::ops::Range<usize>) {
        let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[span.start..]
            .find('\n')
            .map_or(text.len(), |i| span.start + i);
        let long = |range: &str| range.chars().count() > SNIPPET_WIDTH;
        if !long(&text[line_start..line_end]) {
            let before = text[..line_start.saturating_sub(1)]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let after_end = text[line_end.saturating_add(1).min(text.len())..]
                .find('\n')
                .map_or(text.len(), |i| line_end + 1 + i);
            let context = !long(&text[before..line_start]) && !long(&text[line_end..after_end]);
            return (
                Snippet {
                    name,
                    text,
                    window: None,
                    context,
                },
                span.clone(),
            );
        }
        // A window of the line: a little before the span, the rest after it.
        let lead = SNIPPET_WIDTH / 4;
        let start = text[line_start..span.start]
            .char_indices()
            .rev()
            .nth(lead.saturating_sub(1))
            .map_or(line_start, |(i, _)| line_start + i);
        let end = text[start..line_end]
            .char_indices()
            .nth(SNIPPET_WIDTH)
            .map_or(line_end, |(i, _)| start + i);
        let span = span.start.min(end)..span.end.clamp(span.start.min(end), end);
        (
            Snippet {
                name,
                text,
                window: Some((start, end)),
                context: false,
            },
            span,
        )
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if let Some((start, end)) = self.window {
            let line = self.text[..start].matches('\n').count();
            let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
            let column = self.text[line_start..start].chars().count();
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[start..end],
                SourceSpan::new(start.into(), end - start),
                line,
                column,
                1,
            )));
        }
        let (before, after) = if self.context {
            (context_lines_before, context_lines_after)
        } else {
            (0, 0)
        };
        let contents = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

/// Column names accepted for the item column, as listed in messages.
pub(crate) const ITEM_NAMES: &str = "\"Action Item\", \"Action\", \"Item\", \"Task\", \"Description\" (or Tarea, Aufgabe, Tâche, Ação, Azione, Actie, 対策, 措施, 조치…)";

/// A report could not be read, understood, edited or saved. Every variant means exit code 2.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum ReportError {
    /// The report file could not be read.
    #[error("{}: cannot read the report: {cause}", path.display())]
    #[diagnostic(
        code(pm_sync::report::read),
        help("check the path, and that the file is readable")
    )]
    Read {
        /// The report.
        path: PathBuf,
        /// What the operating system said (in the message, so not repeated as a cause).
        cause: io::Error,
    },

    /// The report holds the Jira token (or the credentials made from it). Shown without a
    /// snippet: only the line number, never the line.
    #[error("{}:{line}: the report holds the Jira API token (or the credentials made from it)", path.display())]
    #[diagnostic(
        code(pm_sync::report::secret),
        help(
            "remove it from the file (and from git history, if it was committed) and revoke the \
             token; pm-sync never reads, sends or rewrites a file holding it"
        )
    )]
    HoldsSecret {
        /// The report.
        path: PathBuf,
        /// 1-based line of the secret.
        line: usize,
    },

    /// The report is text pm-sync does not read as it stands: UTF-16 without a byte order
    /// mark, or lines that end with a carriage return alone.
    #[error("{}: {what}", path.display())]
    #[diagnostic(code(pm_sync::report::text_form), help("{fix}"))]
    TextForm {
        /// The report.
        path: PathBuf,
        /// What the file holds.
        what: &'static str,
        /// How to save it.
        fix: &'static str,
    },

    /// The report's path holds the Jira token: it would reach the tickets' descriptions and
    /// links. Shown masked.
    #[error("{}: the report's name holds the Jira API token", path.display())]
    #[diagnostic(
        code(pm_sync::report::secret_name),
        help(
            "rename the file or its folder (pm-sync writes a report's path into its tickets) and \
             revoke the token"
        )
    )]
    NameHoldsSecret {
        /// The report.
        path: PathBuf,
    },

    /// The report (or its lock file) could not be written.
    #[error("{}: cannot write: {cause}", path.display())]
    #[diagnostic(
        code(pm_sync::report::write),
        help(
            "check that the folder is writable and the disk is not full; the report was left as it was"
        )
    )]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// What the operating system said (in the message, so not repeated as a cause).
        cause: io::Error,
    },

    /// The file is not UTF-8.
    #[error("{at}: the report is not valid UTF-8")]
    #[diagnostic(
        code(pm_sync::report::invalid_utf8),
        help("save the file as UTF-8 (Markdown reports are UTF-8)")
    )]
    InvalidUtf8 {
        /// `path:line:col` of the first invalid byte.
        at: String,
        #[source_code]
        src: SharedSource,
        #[label("not UTF-8")]
        span: SourceSpan,
    },

    /// No heading with the configured section name.
    #[error("{at}: no heading named {section} in the report")]
    #[diagnostic(
        code(pm_sync::report::no_section),
        help(
            "add a heading `## {first}` above the action items table, or set `[report] section` in the config to the heading your reports use; a file of a folder that is no post-mortem (a template, a README) goes in `[report] exclude`"
        )
    )]
    NoSection {
        /// `path:1:1`: the whole file was searched.
        at: String,
        /// The section names looked for, quoted: `"Action Items"`, or `any of "A", "B"`.
        section: String,
        /// The first of them, for the hint.
        first: String,
        /// Whether the file looks like a post-mortem (a folder run may not skip it silently).
        post_mortem: bool,
        #[source_code]
        src: SharedSource,
        #[label("searched from here")]
        span: SourceSpan,
    },

    /// The section has no table and no list before the next heading of its level.
    #[error("{at}: no action items (a table or a list) under the heading \"{section}\"")]
    #[diagnostic(
        code(pm_sync::report::no_table),
        help(
            "put the action items under this heading, before the next heading of the same level: a table (HTML `<table>` or a Markdown pipe table) or a list (`- item`, `1. item`, `- [ ] item`)"
        )
    )]
    NoTable {
        /// `path:line:col` of the heading.
        at: String,
        /// The configured section name.
        section: String,
        /// Whether the file looks like a post-mortem (a folder run may not skip it silently).
        post_mortem: bool,
        #[source_code]
        src: SharedSource,
        #[label("no table or list under this heading")]
        span: SourceSpan,
    },

    /// Nothing names the action items and several sections could hold them.
    #[error(
        "{at}: no heading names the action items and several sections could hold them: {candidates}"
    )]
    #[diagnostic(
        code(pm_sync::report::several_sections),
        help(
            "add the `[report] section = \"…\"` line of the right one to the config, or rename its heading to \"Action Items\""
        )
    )]
    SeveralSections {
        /// `path:line:col` of the first candidate.
        at: String,
        /// The candidates: line, heading and the config line to add.
        candidates: String,
        #[source_code]
        src: SharedSource,
        #[label("one of the candidates")]
        span: SourceSpan,
    },

    /// The table has no item column.
    #[error(
        "{at}: the action items table has no item column (headers found: {found}; accepted: {accepted})"
    )]
    #[diagnostic(
        code(pm_sync::report::no_item_column),
        help("name the column that holds the action items \"Action Item\"")
    )]
    NoItemColumn {
        /// `path:line:col` of the header row.
        at: String,
        /// The header texts found, quoted and comma-separated.
        found: String,
        /// The accepted names.
        accepted: &'static str,
        #[source_code]
        src: SharedSource,
        #[label("header row")]
        span: SourceSpan,
    },

    /// An HTML table without its matching `</table>`.
    #[error("{at}: the action items table is not closed (no matching `</table>`)")]
    #[diagnostic(
        code(pm_sync::report::unclosed_table),
        help("add `</table>` after the table's last row")
    )]
    UnclosedTable {
        /// `path:line:col` of `<table`.
        at: String,
        #[source_code]
        src: SharedSource,
        #[label("this table is never closed")]
        span: SourceSpan,
    },

    /// An action item row lacks a cell pm-sync needs (rows with extra cells, or lacking only
    /// columns pm-sync does not use, are tolerated).
    #[error(
        "{at}: row {row} of the action items table has {found} cells but the {column} column is cell {needed}"
    )]
    #[diagnostic(
        code(pm_sync::report::ragged_row),
        help("give every row one cell per header column (an empty cell is fine)")
    )]
    RaggedRow {
        /// `path:line:col` of the row.
        at: String,
        /// 1-based body row.
        row: usize,
        /// Cells in the row.
        found: usize,
        /// The missing column's header text.
        column: String,
        /// 1-based position of that column.
        needed: usize,
        #[source_code]
        src: SharedSource,
        #[label("missing the {column} cell")]
        span: SourceSpan,
    },

    /// The front matter is not valid YAML (or not a mapping).
    #[error("{at}: the front matter is not valid: {message}")]
    #[diagnostic(
        code(pm_sync::report::bad_front_matter),
        help(
            "the front matter is YAML between `---` lines at the top of the file, e.g. `incident_date: 2020-04-14`"
        )
    )]
    BadFrontMatter {
        /// `path:line:col` of the problem.
        at: String,
        /// What is wrong.
        message: String,
        #[source_code]
        src: SharedSource,
        #[label("here")]
        span: SourceSpan,
    },

    /// A date in the front matter that is not a date.
    #[error("{at}: `{field}: {value}` is not a date")]
    #[diagnostic(
        code(pm_sync::report::bad_date),
        help("write the date as YYYY-MM-DD, e.g. `{field}: 2020-04-14`")
    )]
    BadDate {
        /// `path:line:col` of the value.
        at: String,
        /// `incident_date` or `date`.
        field: &'static str,
        /// The value as written.
        value: String,
        #[source_code]
        src: SharedSource,
        #[label("not a date")]
        span: SourceSpan,
    },

    /// A severity in the front matter that is not `sevN`.
    #[error("{at}: `severity: {value}` is not a severity")]
    #[diagnostic(
        code(pm_sync::report::bad_severity),
        help(
            "write the severity as sevN, e.g. `severity: sev2` (SEV-2 and Sev2 are read as sev2)"
        )
    )]
    BadSeverity {
        /// `path:line:col` of the value.
        at: String,
        /// The value as written.
        value: String,
        #[source_code]
        src: SharedSource,
        #[label("expected sevN")]
        span: SourceSpan,
    },

    /// A severity given on the command line or in the config that is not `sevN`.
    #[error("{}: severity \"{value}\" from {origin} is not a severity", path.display())]
    #[diagnostic(
        code(pm_sync::report::bad_severity),
        help("give the severity as sevN, e.g. sev2")
    )]
    BadSeverityOption {
        /// The report the labels were for.
        path: PathBuf,
        /// The value given.
        value: String,
        /// Where it came from (`--severity`, `[labels] severity`).
        origin: &'static str,
    },

    /// Neither the command line nor the front matter gives an incident date.
    #[error(
        "{}:1:1: no incident date: add `incident_date: YYYY-MM-DD` to the front matter or pass `--incident-date YYYY-MM-DD`",
        path.display()
    )]
    #[diagnostic(
        code(pm_sync::report::no_incident_date),
        help(
            "the labels ({{severity}}_YYYYMMDD) need the incident date; the front matter is YAML between `---` lines at the top of the file"
        )
    )]
    NoIncidentDate {
        /// The report.
        path: PathBuf,
    },

    /// The date the labels would use is written so that day and month could be either.
    #[error(
        "{at}: the incident date `{value}` could be {month_first} or {day_first}; pm-sync does not guess whether the month or the day comes first"
    )]
    #[diagnostic(
        code(pm_sync::report::ambiguous_date),
        help(
            "write it year first, {month_first} or {day_first} (YYYY-MM-DD; `May 7, 2024` and `7 May 2024` work too), or give `incident_date: YYYY-MM-DD` in the front matter, or pass --incident-date YYYY-MM-DD"
        )
    )]
    AmbiguousDate {
        /// `path:line:col` of the date.
        at: String,
        /// The date as written.
        value: String,
        /// The month-first reading.
        month_first: chrono::NaiveDate,
        /// The day-first reading.
        day_first: chrono::NaiveDate,
        #[source_code]
        src: SharedSource,
        #[label("month/day or day/month?")]
        span: SourceSpan,
    },

    /// The severity the labels would use is neither `sevN` nor mapped by the config.
    #[error(
        "{at}: severity `{value}` is not one pm-sync can read (sevN, SN, P0-P4, or a level name such as Critical, Major, Minor), and `[labels.severity_map]` in the config does not map it"
    )]
    #[diagnostic(
        code(pm_sync::report::unmapped_severity),
        help(
            "map it in the config: add `{key} = \"sev2\"` (the sevN it means) under `[labels.severity_map]` in pm-sync.toml, or write the severity as sevN in the report ({example}); `--severity sevN` also works for one run"
        )
    )]
    UnmappedSeverity {
        /// `path:line:col` of the severity.
        at: String,
        /// The severity as written.
        value: String,
        /// `value` as a TOML key.
        key: String,
        /// How to write it as sevN where it is written.
        example: &'static str,
        #[source_code]
        src: SharedSource,
        #[label("not a severity pm-sync knows")]
        span: SourceSpan,
    },

    /// An edit names a row that is not an action item.
    #[error("{}: row {row} of the action items table is not an action item", path.display())]
    #[diagnostic(
        code(pm_sync::report::unknown_row),
        help("the report changed since it was read; run again")
    )]
    UnknownRow {
        /// The report.
        path: PathBuf,
        /// The row asked for.
        row: usize,
    },

    /// A link edit with something that is not a Jira key.
    #[error("{}: \"{key}\" is not a Jira issue key", path.display())]
    #[diagnostic(
        code(pm_sync::report::invalid_key),
        help("issue keys look like OPS-12")
    )]
    InvalidKey {
        /// The report.
        path: PathBuf,
        /// The key given.
        key: String,
    },

    /// Another process holds the report's lock.
    #[error(
        "{}: another pm-sync is working on this report (lock file {} still held after {}s)",
        path.display(),
        lock_path.display(),
        waited.as_secs()
    )]
    #[diagnostic(
        code(pm_sync::report::locked),
        help("wait for the other run to finish, then run again")
    )]
    Locked {
        /// The report.
        path: PathBuf,
        /// The sidecar lock file.
        lock_path: PathBuf,
        /// How long pm-sync waited.
        waited: Duration,
    },

    /// Several reports are bad; each error is shown. Nothing was sent or written.
    #[error("{} reports have problems (above); nothing was sent to Jira and no file was written", errors.len())]
    #[diagnostic(help("fix every report named above, then run again"))]
    Several {
        /// One error per bad report, in the order given.
        errors: Vec<ReportError>,
    },

    /// The file on disk is no longer what was read, so writing would lose someone's change.
    #[error(
        "{}: the file changed on disk since pm-sync read it; nothing was written",
        path.display()
    )]
    #[diagnostic(
        code(pm_sync::report::changed_on_disk),
        help("run again: pm-sync will start from the new contents")
    )]
    ChangedOnDisk {
        /// The report.
        path: PathBuf,
    },
}

impl ReportError {
    /// One error for many bad reports, or the only one.
    pub fn several(mut errors: Vec<ReportError>) -> Option<ReportError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(ReportError::Several { errors }),
        }
    }

    /// The process exit code for this error: a bad report is bad input, always 2.
    pub fn exit_code(&self) -> u8 {
        2
    }
}

/// Where in the report an error points: what report-content variants need.
pub(crate) struct Origin {
    /// `path:line:col`.
    pub(crate) at: String,
    /// The whole file, named after its path.
    pub(crate) src: SharedSource,
    /// The span to underline.
    pub(crate) span: SourceSpan,
}

impl Origin {
    /// Points at `span` in `text` (the whole file) of the report at `path`.
    pub(crate) fn new(path: &Path, text: &str, span: Span) -> Origin {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let (line, col) = line_col(text, start);
        let (snippet, shown) =
            Snippet::new(path.display().to_string(), text.to_owned(), &(start..end));
        Origin {
            at: format!("{}:{line}:{col}", path.display()),
            src: std::sync::Arc::new(snippet),
            span: SourceSpan::new(shown.start.into(), shown.end - shown.start),
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// The largest char boundary at or below `offset`.
pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
