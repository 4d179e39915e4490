//! What `pm-sync items` prints: a plain-text listing and a serialisable view for `--format json`.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use super::error::ReportError;
use super::incident_date::Source;
use super::labels::IncidentLabels;
use super::model::{Cell, ContainerKind};

/// One action item as `items --format json` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemView<'a> {
    /// 1-based body row (template rows counted).
    pub row: usize,
    /// 1-based line of the row.
    pub line: usize,
    /// The item cell's text.
    pub item: &'a str,
    /// The summary Jira gets.
    pub summary: &'a str,
    /// The linked Jira key, if any: the item's first ticket reference.
    pub key: Option<&'a str>,
    /// Other ticket references the item holds (shown, never synced).
    pub related: &'a [String],
    /// A task list item's box: `true` ticked, `false` not, `null` for items without one.
    pub checked: Option<bool>,
    /// The status cell's text.
    pub status: &'a str,
    /// Other columns by header text, in table order (a JSON object).
    pub extra: Extra<'a>,
}

/// Other columns of an item, serialised as an object keeping the table's column order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra<'a>(pub &'a [(std::sync::Arc<str>, Cell)]);

impl Serialize for Extra<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, cell) in self.0 {
            map.serialize_entry(&**name, &cell.text)?;
        }
        map.end()
    }
}

/// A report's items as `items --format json` shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemsView<'a> {
    /// The report's path, as given.
    pub path: String,
    /// `html`, `pipe` or `list`.
    pub table_kind: ContainerKind,
    /// 1-based line of the table.
    pub table_line: usize,
    /// The heading that introduced the action items, as written.
    pub section: Option<&'a str>,
    /// The incident date the report gives (`YYYY-MM-DD`).
    pub incident_date: Option<String>,
    /// Where it was read: `kind` (`front_matter`, `field`, `section`, `table_row`, `title`,
    /// `file_name`), `line` and `text`.
    pub incident_date_source: Option<&'a Source>,
    /// The severity the report gives, as `sevN`.
    pub severity: Option<&'a str>,
    /// Where it was read.
    pub severity_source: Option<&'a Source>,
    /// The labels tickets get, when they can be worked out.
    pub labels: Option<Vec<String>>,
    /// Why the labels cannot be worked out, when they cannot.
    pub label_error: Option<String>,
    /// The action items (a JSON array), decoded one at a time as they are written.
    pub items: ItemList<'a>,
    /// Why these items (`items --explain`): absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<super::Explanation>,
}

/// A report's items, serialised as an array of [`ItemView`]s without holding them all.
#[derive(Debug, Clone, Copy)]
pub struct ItemList<'a>(&'a Report);

impl PartialEq for ItemList<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for ItemList<'_> {}

impl Serialize for ItemList<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.0.item_count()))?;
        for item in self.0.iter_items() {
            seq.serialize_element(&ItemView {
                row: item.row,
                line: item.line,
                item: &item.item.text,
                summary: item.summary(),
                key: item.key.as_deref(),
                related: &item.related,
                checked: item.checkbox.map(|checkbox| checkbox.checked),
                status: item.status_text(),
                extra: Extra(&item.extra),
            })?;
        }
        seq.end()
    }
}

/// The view of `report` for JSON output; `labels` is what [`super::resolve_labels`] said.
pub fn items_view<'a>(
    report: &'a Report,
    labels: Result<&IncidentLabels, &ReportError>,
) -> ItemsView<'a> {
    let (labels, label_error) = match labels {
        Ok(labels) => (Some(labels.labels()), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let fm = report.front_matter();
    ItemsView {
        path: report.path().display().to_string(),
        table_kind: report.kind(),
        table_line: report.table_line(),
        section: report.section_heading(),
        incident_date: fm.incident_date.map(|d| d.format("%Y-%m-%d").to_string()),
        incident_date_source: fm.incident_date_source.as_ref(),
        severity: fm.severity.as_deref(),
        severity_source: fm.severity_source.as_ref(),
        labels,
        label_error,
        items: ItemList(report),
        explanation: None,
    }
}

/// The plain-text listing of `report`'s items. A label problem (no incident date, say) is shown
/// as a warning line, not a failure: the items can still be read.
pub fn items_text(report: &Report, labels: Result<&IncidentLabels, &ReportError>) -> String {
    let mut out = Vec::new();
    // Writing to a `Vec` cannot fail.
    let _ = write_items_text(&mut out, report, labels);
    String::from_utf8(out).unwrap_or_default()
}

/// [`items_text`], written to `out` as it is made: a report of 100,000 rows is never held as
/// one string.
pub fn write_items_text(
    out: &mut impl Write,
    report: &Report,
    labels: Result<&IncidentLabels, &ReportError>,
) -> io::Result<()> {
    let count = report.item_count();
    let noun = if count == 1 {
        "action item"
    } else {
        "action items"
    };
    let container = match report.kind() {
        _ if report.page_title().is_some() => "in the page, starting",
        ContainerKind::Html => "in the HTML table",
        ContainerKind::Pipe => "in the pipe table",
        ContainerKind::List => "in lists starting",
    };
    let under = report
        .section_heading()
        .map(|heading| format!(" under \"{heading}\""))
        .unwrap_or_default();
    writeln!(
        out,
        "{}: {count} {noun} {container} at line {}{under}",
        report.path().display(),
        report.table_line()
    )?;
    if let Some(choice) = report.guessed_section() {
        writeln!(out, "section chosen because {choice}")?;
    }
    let fm = report.front_matter();
    if let (Some(date), Some(source)) = (fm.incident_date, &fm.incident_date_source) {
        writeln!(out, "incident date: {date} (from {source})")?;
    }
    if let (Some(severity), Some(source)) = (&fm.severity, &fm.severity_source) {
        writeln!(out, "severity: {severity} (from {source})")?;
    }
    // No silent fallback: a report naming no severity gets the default, and says so.
    if let (None, None, Ok(labels)) = (&fm.severity, &fm.severity_refusal, labels) {
        writeln!(out, "severity {} (default: none found)", labels.severity)?;
    }
    match labels {
        Ok(labels) => {
            writeln!(out, "labels: {}", labels.labels().join(", "))?;
        }
        Err(error) => {
            writeln!(out, "warning: {error}")?;
        }
    }
    // The labels stop at the first problem; a refused severity behind a date problem is
    // worth knowing before sync too.
    if let Some(refusal) = &fm.severity_refusal {
        let message = refusal.error().to_string();
        if labels.err().map(ToString::to_string).as_deref() != Some(message.as_str()) {
            writeln!(out, "warning: {message}")?;
        }
    }
    if count == 0 {
        return Ok(());
    }
    // One pass for both widths, one to write: items are decoded as they are needed.
    let (key_width, status_width) = report.iter_items().fold((3, 6), |(key, status), i| {
        (
            key.max(i.key.as_deref().map_or(1, str::len)),
            status.max(i.status_text().chars().count().max(1)),
        )
    });
    writeln!(
        out,
        "{:>4}  {:>5}  {:<key_width$}  {:<status_width$}  SUMMARY",
        "ROW", "LINE", "KEY", "STATUS"
    )?;
    for item in report.iter_items() {
        let status = match (item.status_text(), item.checkbox) {
            ("", Some(checkbox)) if checkbox.checked => "[x]",
            ("", _) => "-",
            (status, _) => status,
        };
        writeln!(
            out,
            "{:>4}  {:>5}  {:<key_width$}  {:<status_width$}  {}",
            item.row,
            item.line,
            item.key.as_deref().unwrap_or("-"),
            status,
            item.summary()
        )?;
        if !item.related.is_empty() {
            writeln!(out, "{:>13}related: {}", "", item.related.join(", "))?;
        }
    }
    Ok(())
}
