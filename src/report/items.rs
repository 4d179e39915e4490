//! Turning table rows into action items: template rows skipped, keys found, summaries made.

use super::columns::Columns;
use super::key;
use super::model::{ActionItem, Cell};
use super::table::{RawCell, RawRow};

/// Longest summary Jira accepts, in characters.
const SUMMARY_LIMIT: usize = 255;

/// A row that has an item but lacks a cell pm-sync needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ragged {
    pub(crate) row: usize,
    pub(crate) span: super::model::Span,
    pub(crate) found: usize,
    pub(crate) column: String,
    pub(crate) needed: usize,
}

/// Counts lines forward through the text as rows come in order, so numbering every row of a
/// large table costs one pass.
pub(crate) struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of `offset`; offsets must not go backwards.
    pub(crate) fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text.as_bytes()[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

/// The summary Jira gets from an item's text: key prefix and its separator removed, cut to 255
/// characters (never inside a character).
pub(crate) fn summary(text: &str) -> String {
    let rest = key::strip_key_prefix(text);
    if rest.len() <= SUMMARY_LIMIT {
        // No more bytes than the limit: no more characters either.
        return rest.to_owned();
    }
    match rest.char_indices().nth(SUMMARY_LIMIT) {
        Some((cut, _)) => rest[..cut].trim_end().to_owned(),
        None => rest.to_owned(),
    }
}

fn into_cell(cell: RawCell) -> Cell {
    Cell {
        span: cell.span,
        text: cell.text,
    }
}

/// Builds the action items of `body` (the table's body rows in `text`).
pub(crate) fn build(
    text: &str,
    body: Vec<RawRow>,
    columns: &Columns,
    lines: &mut LineCounter<'_>,
) -> Result<Vec<ActionItem>, Ragged> {
    let mut items = Vec::with_capacity(body.len());
    for (index, row) in body.into_iter().enumerate() {
        let number = index + 1;
        let has_item = row
            .cells
            .get(columns.item)
            .is_some_and(|c| !c.text.is_empty());
        if !has_item {
            continue;
        }
        let needed = [Some(columns.status), columns.ticket];
        if let Some(index) = needed.into_iter().flatten().find(|&i| i >= row.cells.len()) {
            return Err(Ragged {
                row: number,
                span: row.span.clone(),
                found: row.cells.len(),
                column: columns.headers.get(index).cloned().unwrap_or_default(),
                needed: index + 1,
            });
        }
        let line = lines.line_of(row.span.start);
        let mut cells: Vec<Option<RawCell>> = row.cells.into_iter().map(Some).collect();
        let mut take = |i: usize| cells.get_mut(i).and_then(Option::take);
        let (Some(item), Some(status)) = (take(columns.item), take(columns.status)) else {
            continue;
        };
        let ticket = columns.ticket.and_then(&mut take);
        let mut extra: Vec<(String, Cell)> = columns
            .extra
            .iter()
            .filter_map(|(i, name)| take(*i).map(|c| (name.clone(), into_cell(c))))
            .collect();
        extra.shrink_to_fit();
        let ticket_key = ticket
            .as_ref()
            .and_then(|c| key::find_key(&c.text))
            .map(str::to_owned);
        let key = ticket_key.or_else(|| key::key_prefix(&text[item.span.clone()]).map(|p| p.key));
        let summary = summary(&item.text);
        items.push(ActionItem {
            row: number,
            line,
            item: into_cell(item),
            status: into_cell(status),
            ticket: ticket.map(into_cell),
            key,
            summary,
            extra,
        });
    }
    items.shrink_to_fit();
    Ok(items)
}
