//! Giving the table's columns meaning by their header text, in any of the vocabulary's ten
//! languages (tags stripped, case, accents and full-width forms ignored).

use super::table::RawRow;
use super::vocabulary::{self, Column};

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

/// [`map`] for a table of the report `name` (text `text`), its error as the report error that
/// points at the header row (or at `start`, the table's first byte, when it has none).
pub(crate) fn map_or_report(
    name: &std::path::Path,
    text: &str,
    header: Option<&RawRow>,
    start: usize,
) -> Result<Columns, super::error::ReportError> {
    map(header).map_err(|error| {
        let span = header.map_or(start..start, |row| row.span.clone());
        let origin = super::error::Origin::new(name, text, span);
        match error {
            ColumnError::NoItem(found) => super::error::ReportError::NoItemColumn {
                at: origin.at,
                found,
                accepted: super::error::ITEM_NAMES,
                src: origin.src,
                span: origin.span,
            },
        }
    })
}

/// Maps the header row's cells to columns; the first header matching a role takes it.
pub(crate) fn map(header: Option<&RawRow>) -> Result<Columns, ColumnError> {
    let headers: Vec<String> = header
        .map(|row| row.cells.iter().map(|c| c.text.clone()).collect())
        .unwrap_or_default();
    let roles: Vec<Option<Column>> = headers.iter().map(|h| vocabulary::column(h)).collect();
    let find = |role: Column| roles.iter().position(|r| *r == Some(role));
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
    let item = find(Column::Item).ok_or_else(|| ColumnError::NoItem(found()))?;
    let status = find(Column::Status);
    let ticket = find(Column::Ticket);
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

/// Each column's header and what pm-sync does with it, for `items --explain`.
pub(crate) fn roles(columns: &Columns) -> Vec<(String, String)> {
    columns
        .headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let role = if i == columns.item {
                "the action item"
            } else if Some(i) == columns.status {
                "the status"
            } else if Some(i) == columns.ticket {
                "the ticket"
            } else {
                match vocabulary::column(header) {
                    Some(Column::Owner) => "the owner (assignee)",
                    Some(Column::Due) => "the due date",
                    Some(Column::Priority) => "the priority",
                    _ => "a note (not synced)",
                }
            };
            (header.clone(), role.to_owned())
        })
        .collect()
}
