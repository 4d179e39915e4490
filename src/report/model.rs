//! The report's data model: action items with byte spans, independent of the table kind.

use std::ops::Range;

use chrono::NaiveDate;

/// A byte range into the report's original bytes.
pub type Span = Range<usize>;

/// How the Action Items table is written in the file; decides how values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    /// A raw `<table>` block, as pandoc and the seed template write it.
    Html,
    /// A GFM pipe table.
    Pipe,
}

/// One cell of a row: where its content sits in the file, and its text as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cell {
    /// Bytes of the cell's content (inside `<td>…</td>`, or between the pipes without padding).
    /// An edit replaces exactly these bytes.
    pub span: Span,
    /// The content with tags stripped, entities decoded, whitespace collapsed.
    pub text: String,
}

/// One non-template row of the Action Items table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActionItem {
    /// 1-based index among the table's body rows (template rows included), stable across edits.
    pub row: usize,
    /// 1-based line of the row's start in the file.
    pub line: usize,
    /// The item cell.
    pub item: Cell,
    /// The status cell.
    pub status: Cell,
    /// The ticket cell, when the table has a ticket column.
    pub ticket: Option<Cell>,
    /// The Jira key linked to this row (ticket column, or the start of the item cell), if any.
    pub key: Option<String>,
    /// The summary Jira would get: item text without the key prefix, cut to 255 characters.
    pub summary: String,
    /// Other columns by header text (e.g. `Owner`, `Due Date`), for later use.
    pub extra: Vec<(String, Cell)>,
}

/// A change to one row, applied by splicing the bytes of the affected cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Link the row to `key`, written as a link to `url`; replaces any key already there.
    Link {
        row: usize,
        key: String,
        url: String,
    },
    /// Set the status cell to `status` (plain text; escaped for the table kind).
    Status { row: usize, status: String },
}

/// What the front matter says about the incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FrontMatter {
    /// `incident_date`, else `date`.
    pub incident_date: Option<NaiveDate>,
    /// Normalised severity (`SEV-2`, `Sev2`, `sev2` → `sev2`).
    pub severity: Option<String>,
    /// `title`, when present.
    pub title: Option<String>,
    /// `jira:` — create-screen fields for this report's tickets, e.g.
    /// `jira: {components: [Auth], priority: High}`; they override `[jira.fields]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jira_fields: Vec<FrontMatterField>,
    /// `jira_parent:` — the issue this report's tickets become children of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jira_parent: Option<String>,
}

/// One field of the front matter's `jira:` mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FrontMatterField {
    /// Field name or id as written, e.g. `components`.
    pub name: String,
    /// The value, or the values of a list, as text.
    pub values: Vec<String>,
    /// 1-based line of the `jira:` key's value in the file.
    pub line: usize,
}
