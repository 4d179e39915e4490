//! Giving the table's columns meaning by their header text (tags stripped, trimmed, any case).

use super::table::RawRow;

const ITEM: &[&str] = &[
    "action item",
    "action items",
    "action",
    "item",
    "task",
    "description",
];
const STATUS: &[&str] = &["status", "state"];
const TICKET: &[&str] = &["ticket", "jira", "issue", "key"];

/// Which cell of a row holds what; indexes into a row's cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Columns {
    pub(crate) item: usize,
    pub(crate) status: usize,
    pub(crate) ticket: Option<usize>,
    /// Other columns: index and header text.
    pub(crate) extra: Vec<(usize, String)>,
    /// Every header's text, for messages.
    pub(crate) headers: Vec<String>,
}

/// A required column is missing; carries the headers found, quoted, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ColumnError {
    NoItem(String),
    NoStatus(String),
}

/// Maps the header row's cells to columns; the first header matching a role takes it.
pub(crate) fn map(header: Option<&RawRow>) -> Result<Columns, ColumnError> {
    let headers: Vec<String> = header
        .map(|row| row.cells.iter().map(|c| c.text.clone()).collect())
        .unwrap_or_default();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&h.to_lowercase().as_str()))
    };
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
    let status = find(STATUS).ok_or_else(|| ColumnError::NoStatus(found()))?;
    let ticket = find(TICKET);
    let extra = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != item && *i != status && Some(*i) != ticket)
        .map(|(i, h)| {
            let name = if h.is_empty() {
                format!("column {}", i + 1)
            } else {
                h.clone()
            };
            (i, name)
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
