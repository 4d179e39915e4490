//! The report's data model: action items with byte spans, independent of how they are written
//! (an HTML table, a pipe table or a Markdown list). Every container reader produces the same
//! [`ActionItem`], with the places pm-sync may write ([`KeyPlace`], [`StatusSlot`]) already
//! worked out, so one edit engine serves them all.

use std::ops::Range;

use chrono::NaiveDate;

use super::incident_date::{Refusal, Source};

/// A byte range into the report's original bytes.
pub type Span = Range<usize>;

/// How the action items are written in the file; decides how values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerKind {
    /// A raw `<table>` block, as pandoc and the seed template write it.
    Html,
    /// A GFM pipe table.
    Pipe,
    /// Markdown lists (bullets, numbers, task lists) under the section.
    List,
}

impl ContainerKind {
    /// Whether values are written as HTML (else as Markdown).
    pub fn is_html(self) -> bool {
        self == ContainerKind::Html
    }
}

/// One cell of a row (or a part of one): where its content sits in the file, and its text as a
/// reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cell {
    /// Bytes of the content. An edit replaces exactly these bytes.
    pub span: Span,
    /// The content with markup stripped, entities decoded, whitespace collapsed.
    pub text: String,
}

/// Where pm-sync writes an item's key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPlace {
    /// Replace these bytes (pm-sync's own key link, a key typed where pm-sync writes keys, or an
    /// empty ticket cell) with the link.
    Replace(Span),
    /// Insert the link here, followed by a space (start of the item text or of a ticket cell that
    /// holds a note, after a task list's checkbox).
    Insert(usize),
    /// The item is linked by a reference a person wrote elsewhere (the status cell, the end of
    /// the text, a sub-bullet): pm-sync writes no key and changes none of it.
    Fixed,
}

/// How the status an item shows is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusForm {
    /// The whole content of a Status column's cell.
    Cell,
    /// pm-sync's marker after a text: ` · *In Progress*` (`<em>` in HTML).
    Marker,
    /// A bold word beside the key in a ticket cell (`**TODO** [OPS-1](…)`), as people write it
    /// in tables without a Status column.
    Bold,
    /// A Confluence status lozenge (`ac:structured-macro ac:name="status"`): `current` spans
    /// the whole macro (or the empty cell or the item's end where one goes), and a new status
    /// is written as a whole lozenge coloured by its category.
    Lozenge,
}

/// The status an item shows, and where pm-sync writes a new one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusSlot {
    /// The status as written now (its text and the bytes a replacement overwrites); `None` when
    /// the item shows none.
    pub current: Option<Cell>,
    /// How `current` is written.
    pub form: StatusForm,
    /// Where a marker goes when nothing can be overwritten: the end of the text pm-sync writes
    /// beside (a note in the status cell, the item text, the ticket cell).
    pub append_at: usize,
}

impl StatusSlot {
    /// The status text as written now; empty when none.
    pub fn text(&self) -> &str {
        self.current.as_ref().map_or("", |cell| cell.text.as_str())
    }
}

/// A task list's checkbox (`- [ ]` / `- [x]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Checkbox {
    /// The byte between the brackets.
    pub at: usize,
    /// Whether it is ticked.
    pub checked: bool,
}

/// One action item: a table row or a top-level list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionItem {
    /// 1-based position among the container's rows or list items (template rows and skipped
    /// list items counted), stable across edits.
    pub row: usize,
    /// 1-based line of the item's start in the file.
    pub line: usize,
    /// The item text: the item cell, or a list item's first paragraph (sub-bullets excluded).
    pub item: Cell,
    /// The bytes of the Status column's cell, when the table has one (its text is in
    /// `status`).
    pub status_cell: Option<Span>,
    /// The bytes of the ticket column's cell, when the table has one.
    pub ticket: Option<Span>,
    /// The Jira key the item is linked to: its first ticket reference, if any.
    pub key: Option<String>,
    /// Other ticket references the item holds, in order (shown, never synced).
    pub related: Vec<String>,
    /// Where pm-sync writes the key.
    pub key_place: KeyPlace,
    /// Whether the key is written as pm-sync writes it (a link to `…/browse/KEY` where pm-sync
    /// puts keys). Only such items get their text as the ticket's summary: a key typed by hand
    /// links an existing ticket without renaming it.
    pub key_managed: bool,
    /// The status the item shows and where a new one goes.
    pub status: StatusSlot,
    /// The task list checkbox, for list items that have one.
    pub checkbox: Option<Checkbox>,
    /// Where the summary sits in `item.text` (see [`ActionItem::summary`]): every step that
    /// makes it only trims, so it is kept as a range rather than a second copy of the text.
    pub(super) summary_span: Span,
    /// Other columns by header text (e.g. `Owner`, `Due Date`).
    pub extra: Vec<(std::sync::Arc<str>, Cell)>,
}

impl ActionItem {
    /// The status text the item shows now; empty when none.
    pub fn status_text(&self) -> &str {
        self.status.text()
    }

    /// The summary Jira would get: the item text without the key, pm-sync's status marker and
    /// status emoji, cut to Jira's limit.
    pub fn summary(&self) -> &str {
        self.item
            .text
            .get(self.summary_span.clone())
            .unwrap_or_default()
    }

    /// An item of a Status-column table, detached from any file: for unit tests of the code
    /// that consumes items.
    #[doc(hidden)]
    pub fn detached(row: usize, text: &str, key: Option<&str>, status: &str) -> ActionItem {
        let cell = |text: &str| Cell {
            span: 0..0,
            text: text.to_owned(),
        };
        ActionItem {
            row,
            line: 10 + row,
            item: cell(text),
            status_cell: Some(0..0),
            ticket: None,
            key: key.map(str::to_owned),
            related: Vec::new(),
            key_place: KeyPlace::Insert(0),
            key_managed: key.is_some(),
            status: StatusSlot {
                current: Some(cell(status)),
                form: StatusForm::Cell,
                append_at: 0,
            },
            checkbox: None,
            summary_span: 0..text.len(),
            extra: Vec::new(),
        }
    }
}

/// A change to one item, spliced into the bytes where the item's slots say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Link the item to `key`, written as a link to `url` where [`ActionItem::key_place`] says.
    /// An item linked by a reference a person wrote elsewhere keeps it unchanged.
    Link {
        row: usize,
        key: String,
        url: String,
    },
    /// Make the item show `status`. The current status is overwritten only when it is empty, a
    /// status name Jira knows (see [`KnownStatuses`]) or a bold status word in a ticket cell;
    /// anything else a person wrote stays, and the status goes beside it as a marker. A task
    /// list's box is ticked when the status is done, and unticked only when pm-sync's previous
    /// status was done (a box a person ticked stays ticked).
    Status { row: usize, status: String },
    /// Make the item's cell under `column` (a header as written, e.g. `Owner`) hold `value`,
    /// replacing the cell's bytes. Only for cells pm-sync owns (empty, or what it wrote
    /// before): the caller decides that; an item without that column is left alone.
    Cell {
        row: usize,
        column: String,
        value: String,
    },
}

impl Edit {
    /// The body row of the item it changes.
    pub fn row(&self) -> usize {
        match self {
            Edit::Link { row, .. } | Edit::Status { row, .. } | Edit::Cell { row, .. } => *row,
        }
    }
}

/// Status names the tracker knows, and whether each means done. The report engine takes them
/// as plain names: it never talks to Jira.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownStatuses {
    /// Lower-cased name → whether the status is done.
    by_name: std::collections::HashMap<String, bool>,
    /// Lower-cased name → the colour of its lozenge (`Grey`, `Blue`, `Green`), by category.
    colours: std::collections::HashMap<String, &'static str>,
}

impl KnownStatuses {
    /// Adds `name` (compared without case).
    pub fn insert(&mut self, name: &str, done: bool) {
        self.by_name.insert(name.trim().to_lowercase(), done);
    }

    /// Whether `name` is a known status.
    pub fn knows(&self, name: &str) -> bool {
        self.by_name.contains_key(&name.trim().to_lowercase())
    }

    /// `Some(done)` for a known status.
    pub fn is_done(&self, name: &str) -> Option<bool> {
        self.by_name.get(&name.trim().to_lowercase()).copied()
    }

    /// Sets the colour a lozenge for `name` gets (Confluence's lozenge colours: `Grey`,
    /// `Blue`, `Green`, `Yellow`, `Red`, `Purple`).
    pub fn set_colour(&mut self, name: &str, colour: &'static str) {
        self.colours.insert(name.trim().to_lowercase(), colour);
    }

    /// The colour of a lozenge for `name`: as set, else green when done, else grey.
    pub fn colour(&self, name: &str) -> &'static str {
        let lower = name.trim().to_lowercase();
        match self.colours.get(&lower) {
            Some(colour) => colour,
            None if self.by_name.get(&lower) == Some(&true) => "Green",
            None => "Grey",
        }
    }

    /// Whether no status is known.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// What the report says about the incident: the front matter, and for what it does not give,
/// the body, the title and the file name (see `incident_date.rs` for the order).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FrontMatter {
    /// `incident_date`, else `date`, else a date from the body, title or file name.
    pub incident_date: Option<NaiveDate>,
    /// Normalised severity (`SEV-2`, `Sev2`, `sev2` → `sev2`; others through
    /// `[labels.severity_map]`), from the front matter, else a `Severity` field of the body.
    pub severity: Option<String>,
    /// `title`, when present.
    pub title: Option<String>,
    /// Where `incident_date` was read.
    pub incident_date_source: Option<Source>,
    /// Where `severity` was read.
    pub severity_source: Option<Source>,
    /// The date the labels would use but that pm-sync refuses to guess (`05/07/2024`).
    #[serde(skip)]
    pub date_refusal: Option<Refusal>,
    /// The severity the labels would use but that is neither `sevN` nor mapped (`high`).
    #[serde(skip)]
    pub severity_refusal: Option<Refusal>,
    /// `jira:` — create-screen fields for this report's tickets, e.g.
    /// `jira: {components: [Auth], priority: High}`; they override `[jira.fields]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jira_fields: Vec<FrontMatterField>,
    /// `jira_parent:` — the issue this report's tickets become children of (or `create`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jira_parent: Option<String>,
    /// Where the front matter and its `jira_parent` value are written.
    #[serde(skip)]
    pub places: FrontMatterPlaces,
}

/// Where the front matter is written: so that pm-sync can replace `jira_parent: create` with
/// the key of the ticket it created, or add the line. Places, not content: two front matters
/// that say the same are equal wherever they sit (a BOM or CRLF moves every offset).
#[derive(Debug, Clone, Default)]
pub struct FrontMatterPlaces {
    /// The YAML text between the fences, when the report has front matter.
    pub yaml: Option<Span>,
    /// `jira_parent`'s value.
    pub jira_parent: Option<Span>,
}

impl PartialEq for FrontMatterPlaces {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for FrontMatterPlaces {}

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
