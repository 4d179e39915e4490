//! HTML tables as pandoc and the seed template write them, read with html5gum's spanned tokens.
//!
//! A blank line inside `<table>` splits CommonMark's HTML block, so the table is scanned here from
//! `<table` to its matching `</table>` in the raw text. End tags HTML lets authors leave out
//! (`</td>`, `</th>`, `</tr>`) are implied the way browsers imply them; nested tables are content.

use std::ops::ControlFlow;

use html5gum::emitters::callback::{Callback, CallbackEmitter, CallbackEvent};
use html5gum::{DefaultEmitter, Emitter, ForwardingEmitter, Token, Tokenizer};

use super::model::{ContainerKind, Span};
use super::table::{RawCell, RawRow, RawTable, collapse_whitespace_cow};

/// The table starting at `start` never reaches its `</table>`.
#[derive(Debug)]
pub(crate) struct Unclosed {
    /// The `<table …>` start tag.
    pub(crate) tag: Span,
}

/// Where a row is: `<thead>`, `<tbody>` (or no section) or `<tfoot>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Head,
    Body,
    Foot,
}

/// A cell whose end has not been seen yet (its text is in [`Builder::cell_text`]).
struct OpenCell {
    content_start: usize,
}

/// A row whose end has not been seen yet.
struct OpenRow {
    start: usize,
    section: Section,
    cells: Vec<RawCell>,
}

/// The cell and row still open; each row is handed over as it ends.
struct Builder<'a, F> {
    text: &'a str,
    section: Section,
    row: Option<OpenRow>,
    cell: Option<OpenCell>,
    /// The open cell's text so far (one buffer for every cell: each cell's text is copied out
    /// once, at its exact size).
    cell_text: String,
    /// Takes each row as it ends; `Break` stops the reading.
    each: F,
    stopped: bool,
}

impl<F: FnMut(Section, RawRow) -> ControlFlow<()>> Builder<'_, F> {
    /// Ends the open cell at `end`. An implied end (the next tag closes it) gives the trailing
    /// whitespace back to the markup, so `<td>a\n<td>b` keeps its line break when `a` is replaced.
    fn close_cell(&mut self, end: usize, implied: bool) {
        let Some(cell) = self.cell.take() else {
            return;
        };
        let mut end = end.max(cell.content_start);
        if implied {
            let content = &self.text[cell.content_start..end];
            end = cell.content_start + content.trim_end().len();
        }
        let text = collapse_whitespace_cow(&self.cell_text).into_owned();
        if let Some(row) = self.row.as_mut() {
            row.cells.push(RawCell {
                span: cell.content_start..end,
                text,
            });
        }
    }

    /// Ends the open row (and its open cell) at `end`.
    fn close_row(&mut self, end: usize, implied: bool) {
        self.close_cell(end, implied);
        if let Some(row) = self.row.take()
            && !self.stopped
        {
            let end = row.cells.last().map_or(row.start, |c| c.span.end);
            let row_read = RawRow {
                span: row.start..end,
                cells: row.cells,
            };
            self.stopped = (self.each)(row.section, row_read).is_break();
        }
    }

    /// A tag that separates words, inside the open cell, reads as a space.
    fn word_break(&mut self, name: Name) {
        if name == Name::Break && self.cell.is_some() {
            self.cell_text.push(' ');
        }
    }

    fn open_row(&mut self, start: usize) {
        self.row = Some(OpenRow {
            start,
            section: self.section,
            cells: Vec::new(),
        });
    }
}

/// The tags the table reader cares about; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    Table,
    Thead,
    Tbody,
    Tfoot,
    Tr,
    Cell,
    /// Tags that separate words when stripped (`a<br>b` reads as `a b`).
    Break,
    Other,
}

impl Name {
    fn of(name: &[u8]) -> Name {
        match name {
            b"table" => Name::Table,
            b"thead" => Name::Thead,
            b"tbody" => Name::Tbody,
            b"tfoot" => Name::Tfoot,
            b"tr" => Name::Tr,
            b"td" | b"th" => Name::Cell,
            b"br" | b"p" | b"div" | b"li" | b"ul" | b"ol" | b"hr" => Name::Break,
            _ => Name::Other,
        }
    }
}

/// What the table reader needs from the tokenizer: tags by kind with their spans, and text.
#[derive(Debug)]
enum Piece {
    Start(Name, Span),
    End(Name, Span),
    /// Text that is not only whitespace, as written at these bytes (relative to the table).
    TextAt(Span),
    /// Text that is not only whitespace, decoded (it had entities).
    Text(String),
    /// Text that is only whitespace: a word break inside a cell.
    Space,
}

/// Turns html5gum's callback events into [`Piece`]s. html5gum's default emitter allocates each
/// tag's name and attribute map; tables are mostly tags, so this is where the time went.
struct Pieces<'a> {
    /// The text being tokenized: text written as is is handed over as its bytes, not copied.
    source: &'a [u8],
    tag_start: usize,
    name: Option<Name>,
}

impl Callback<Piece, usize> for Pieces<'_> {
    fn handle_event(
        &mut self,
        event: CallbackEvent<'_>,
        span: html5gum::Span<usize>,
    ) -> Option<Piece> {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                self.tag_start = span.start;
                self.name = Some(Name::of(name));
                None
            }
            CallbackEvent::CloseStartTag { .. } => self
                .name
                .take()
                .map(|name| Piece::Start(name, self.tag_start..span.end)),
            CallbackEvent::EndTag { name } => {
                Some(Piece::End(Name::of(name), span.start..span.end))
            }
            CallbackEvent::String { value } => {
                if value.iter().all(u8::is_ascii_whitespace) {
                    Some(Piece::Space)
                } else if self.source.get(span.start..span.end) == Some(value) {
                    Some(Piece::TextAt(span.start..span.end))
                } else {
                    Some(Piece::Text(String::from_utf8_lossy(value).into_owned()))
                }
            }
            _ => None,
        }
    }
}

/// An emitter that reports no parse errors: the table reader never looks at them, and checking
/// every character for them (html5gum's default) was a fifth of the time spent reading a table.
struct Quiet<E>(E);

impl<E: Emitter> ForwardingEmitter for Quiet<E> {
    type Token = E::Token;

    fn inner(&mut self) -> &mut impl Emitter<Token = Self::Token> {
        &mut self.0
    }

    fn should_emit_errors(&mut self) -> bool {
        false
    }
}

/// Reads the table whose `<table` tag starts at byte `start` of `text`, all of it.
pub(crate) fn read(text: &str, start: usize) -> Result<RawTable, Unclosed> {
    let mut rows = Vec::new();
    read_each(text, start, |section, row| {
        rows.push((section, row));
        ControlFlow::Continue(())
    })?;
    let header_index = header_index(&rows);
    let mut header = None;
    let mut body = Vec::with_capacity(rows.len());
    for (index, (section, row)) in rows.into_iter().enumerate() {
        if Some(index) == header_index {
            header = Some(row);
        } else if section == Section::Body {
            body.push(row);
        }
    }
    Ok(RawTable {
        kind: ContainerKind::Html,
        start,
        header,
        body,
    })
}

/// Which row is the header: the first in `<thead>`, else the first.
fn header_index(rows: &[(Section, RawRow)]) -> Option<usize> {
    rows.iter()
        .position(|(section, _)| *section == Section::Head)
        .or(if rows.is_empty() { None } else { Some(0) })
}

/// The header row of the table at `start` ([`read`]'s) and its number among the rows: read
/// only as far as it takes (the first row, when it is in `<thead>`).
pub(crate) fn header(text: &str, start: usize) -> Result<Option<(usize, RawRow)>, Unclosed> {
    let mut first: Option<(usize, RawRow)> = None;
    let mut index = 0;
    read_each(text, start, |section, row| {
        let found = section == Section::Head;
        if found || first.is_none() {
            first = Some((index, row));
        }
        index += 1;
        if found {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(first)
}

/// Reads the table whose `<table` tag starts at byte `start` of `text`, handing each row (with
/// its section) to `each` as it ends, so that no more than one row is held; `each` returns
/// `Break` to stop reading (the table is then not checked for its `</table>`).
pub(crate) fn read_each(
    text: &str,
    start: usize,
    each: impl FnMut(Section, RawRow) -> ControlFlow<()>,
) -> Result<(), Unclosed> {
    let emitter = Quiet(CallbackEmitter::new(Pieces {
        source: &text.as_bytes()[start..],
        tag_start: 0,
        name: None,
    }));
    let pieces = Tokenizer::new_with_emitter(&text[start..], emitter);
    let mut builder = Builder {
        text,
        section: Section::Body,
        row: None,
        cell: None,
        cell_text: String::new(),
        each,
        stopped: false,
    };
    let mut depth = 0usize;
    let mut tag = start..start;
    for piece in pieces {
        if builder.stopped {
            return Ok(());
        }
        let Ok(piece) = piece;
        match piece {
            Piece::Start(name, span) => {
                let span = start + span.start..start + span.end;
                if depth == 0 {
                    // The first tag is the `<table` the caller found.
                    depth = 1;
                    tag = span;
                    continue;
                }
                if name == Name::Table {
                    depth += 1;
                    continue;
                }
                if depth > 1 {
                    builder.word_break(name);
                    continue;
                }
                match name {
                    Name::Thead | Name::Tbody | Name::Tfoot => {
                        builder.close_row(span.start, true);
                        builder.section = match name {
                            Name::Thead => Section::Head,
                            Name::Tfoot => Section::Foot,
                            _ => Section::Body,
                        };
                    }
                    Name::Tr => {
                        builder.close_row(span.start, true);
                        builder.open_row(span.start);
                    }
                    Name::Cell => {
                        builder.close_cell(span.start, true);
                        if builder.row.is_none() {
                            builder.open_row(span.start);
                        }
                        builder.cell = Some(OpenCell {
                            content_start: span.end,
                        });
                        builder.cell_text.clear();
                    }
                    _ => builder.word_break(name),
                }
            }
            Piece::End(name, span) => {
                let span = start + span.start..start + span.end;
                if depth > 1 {
                    if name == Name::Table {
                        depth -= 1;
                    } else {
                        builder.word_break(name);
                    }
                    continue;
                }
                match name {
                    Name::Cell => builder.close_cell(span.start, false),
                    Name::Tr => builder.close_row(span.start, true),
                    Name::Thead | Name::Tbody | Name::Tfoot => {
                        builder.close_row(span.start, true);
                        builder.section = Section::Body;
                    }
                    Name::Table => {
                        builder.close_row(span.start, true);
                        return Ok(());
                    }
                    _ => builder.word_break(name),
                }
            }
            Piece::TextAt(span) if builder.cell.is_some() => {
                builder
                    .cell_text
                    .push_str(&text[start + span.start..start + span.end]);
            }
            Piece::Text(value) if builder.cell.is_some() => builder.cell_text.push_str(&value),
            Piece::Space if builder.cell.is_some() => builder.cell_text.push(' '),
            Piece::TextAt(_) | Piece::Text(_) | Piece::Space => {}
        }
    }
    Err(Unclosed { tag })
}

/// Finds the first `<table` start tag in `html` (an HTML block), ignoring comments.
pub(crate) fn find_table_tag(html: &str) -> Option<usize> {
    let tokens = Tokenizer::new_with_emitter(html, DefaultEmitter::<usize>::new_with_span());
    tokens.filter_map(Result::ok).find_map(|token| match token {
        Token::StartTag(tag) if tag.name.as_slice() == b"table" => Some(tag.span.start),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<(String, String)>> {
        let table = read(text, 0).expect("closed");
        table
            .body
            .iter()
            .map(|row| {
                row.cells
                    .iter()
                    .map(|c| (text[c.span.clone()].to_owned(), c.text.clone()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn implied_end_tags_close_cells_and_rows() {
        let text = "<TABLE><TR><TH>A<TH>B\n<TR><TD ALIGN=left>x &amp; y\n<TD>z</TD></TR></TABLE>";
        let rows = cells(text);
        assert_eq!(
            rows,
            vec![vec![
                ("x &amp; y".to_owned(), "x & y".to_owned()),
                ("z".to_owned(), "z".to_owned())
            ]]
        );
    }

    #[test]
    fn nested_tables_are_cell_content() {
        let text = "<table><tr><th>A</th></tr><tr><td><table><tr><td>in</td></tr></table></td></tr></table>";
        let rows = cells(text);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][0].1, "in");
    }

    #[test]
    fn a_table_without_its_end_tag_is_unclosed() {
        assert!(read("<table><tr><td>a</td></tr>", 0).is_err());
    }
}
