//! Giving the table's columns meaning by their header text (tags stripped, trimmed, any case).

use super::table::RawRow;

const ITEM: &[&str] = &[
    "action item",
    "action items",
    "action",
    "item",
    "task",
    "tasks",
    "description",
    "follow-up",
    "follow-ups",
    "followup",
    "corrective action",
    "remediation",
    "todo",
    "to do",
];
const STATUS: &[&str] = &["status", "state"];
const TICKET: &[&str] = &[
    "ticket",
    "tickets",
    "jira",
    "jira ticket",
    "issue",
    "key",
    "bug",
    "bug #",
    "bug#",
    "bugs",
    "tracking",
    "tracked in",
    "link",
    "links",
];

/// Whether `header` (lower case) names a ticket column: one of [`TICKET`], or any `… card`
/// (`Trello Card`), as teams rename the last column of the well-known example post-mortem.
fn is_ticket_header(header: &str) -> bool {
    TICKET.contains(&header) || header.ends_with(" card") || header == "card"
}

/// Which cell of a row holds what; indexes into a row's cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Columns {
    pub(crate) item: usize,
    /// The Status column; tables without one keep the status beside the key or the item text.
    pub(crate) status: Option<usize>,
    pub(crate) ticket: Option<usize>,
    /// Other columns: index and header text.
    pub(crate) extra: Vec<(usize, std::sync::Arc<str>)>,
    /// Every header's text, for messages.
    pub(crate) headers: Vec<String>,
}

/// The item column is missing; carries the headers found, quoted, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ColumnError {
    NoItem(String),
}

/// Maps the header row's cells to columns; the first header matching a role takes it.
pub(crate) fn map(header: Option<&RawRow>) -> Result<Columns, ColumnError> {
    let headers: Vec<String> = header
        .map(|row| row.cells.iter().map(|c| c.text.clone()).collect())
        .unwrap_or_default();
    let lower: Vec<String> = headers.iter().map(|h| h.to_lowercase()).collect();
    let find = |names: &[&str]| lower.iter().position(|h| names.contains(&h.as_str()));
    let found = || {
        if headers.is_empty() {
            "none".to_owned()
        } else {
            headers
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let item = find(ITEM).ok_or_else(|| ColumnError::NoItem(found()))?;
    let status = find(STATUS);
    let ticket = lower.iter().position(|h| is_ticket_header(h));
    let extra = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != item && Some(*i) != status && Some(*i) != ticket)
        .map(|(i, h)| {
            let name = if h.is_empty() {
                format!("column {}", i + 1)
            } else {
                h.clone()
            };
            (i, std::sync::Arc::from(name))
        })
        .collect();
    Ok(Columns {
        item,
        status,
        ticket,
        extra,
        headers,
    })
}
