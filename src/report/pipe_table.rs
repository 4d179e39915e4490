//! GFM pipe tables: cells from pulldown-cmark's table events, content spans without the padding.
//!
//! pulldown-cmark gives each cell the bytes between its pipes (padding included), has already
//! split on unescaped `|` only, and decodes escapes and entities in the text events. A row with
//! fewer cells than the header gets empty padding cells at the row's end; those are dropped here so
//! a row's cell count is what the file holds.

use std::ops::{ControlFlow, Range};

use pulldown_cmark::{Event, Tag, TagEnd};

use super::model::{ContainerKind, Span};
use super::table::{RawCell, RawRow, RawTable, collapse_whitespace_cow};

/// The content span of a cell whose bytes between the pipes are `raw` (at `range`): the padding
/// trimmed. An empty cell `|  |` gets the empty span right after its first padding space, so a
/// value written there keeps one space on each side.
pub(crate) fn content_span(text: &str, range: &Range<usize>) -> Span {
    let raw = &text[range.clone()];
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        let at = range.start + usize::from(raw.starts_with([' ', '\t']));
        return at..at;
    }
    let start = range.start + (raw.len() - raw.trim_start().len());
    start..start + trimmed.len()
}

/// Reads the table whose `Start(Table)` event covered `table`, consuming events up to its end.
/// `base` is added to every event offset (the BOM the parser did not see).
pub(crate) fn read<'a>(
    text: &str,
    base: usize,
    table: Range<usize>,
    events: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>,
) -> RawTable {
    let mut header = None;
    let mut body = Vec::new();
    read_each(text, base, events, |is_header, row| {
        if is_header {
            header = Some(row);
        } else {
            body.push(row);
        }
        ControlFlow::Continue(())
    });
    RawTable {
        kind: ContainerKind::Pipe,
        start: table.start,
        header,
        body,
    }
}

/// Reads the rows of the table whose `Start(Table)` event came last, consuming events up to its
/// end, and hands each to `each` as it ends (`true` for the header row), so that no more than
/// one row is held; `each` returns `Break` to stop reading.
pub(crate) fn read_each<'a>(
    text: &str,
    base: usize,
    events: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>,
    mut each: impl FnMut(bool, RawRow) -> ControlFlow<()>,
) {
    let mut row: Option<(Range<usize>, Vec<RawCell>)> = None;
    // The open cell's bytes, and its text so far (one buffer for every cell: each cell's text
    // is copied out once, at its exact size).
    let mut cell: Option<Range<usize>> = None;
    let mut cell_text = String::new();
    for (event, range) in events {
        let range = range.start + base..range.end + base;
        match event {
            Event::Start(Tag::TableHead | Tag::TableRow) => row = Some((range, Vec::new())),
            Event::Start(Tag::TableCell) => {
                cell = Some(range);
                cell_text.clear();
            }
            Event::Text(t) | Event::Code(t) if cell.is_some() => cell_text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if cell.is_some() => cell_text.push(' '),
            Event::InlineHtml(html) => {
                let tag = html.trim_start_matches(['<', '/']).to_ascii_lowercase();
                if tag.starts_with("br") && cell.is_some() {
                    cell_text.push(' ');
                }
            }
            Event::End(TagEnd::TableCell) => {
                if let (Some(cell_range), Some((row_range, cells))) = (cell.take(), row.as_mut()) {
                    let row_content_end =
                        row_range.start + text[row_range.clone()].trim_end().len();
                    let padding_cell = cell_range.is_empty() && cell_range.start >= row_content_end;
                    if !padding_cell {
                        cells.push(RawCell {
                            span: content_span(text, &cell_range),
                            text: collapse_whitespace_cow(&cell_text).into_owned(),
                        });
                    }
                }
            }
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                let is_header = matches!(event, Event::End(TagEnd::TableHead));
                if let Some((range, cells)) = row.take()
                    && each(is_header, finish_row(text, range, cells)).is_break()
                {
                    return;
                }
            }
            Event::End(TagEnd::Table) => return,
            _ => {}
        }
    }
}

fn finish_row(text: &str, range: Range<usize>, cells: Vec<RawCell>) -> RawRow {
    let end = range.start + text[range.clone()].trim_end().len();
    RawRow {
        span: range.start..end,
        cells,
    }
}
