//! Turning table rows and list items into action items: template rows skipped, ticket
//! references found wherever people write them, the places pm-sync may write worked out, and
//! summaries made. Every container reader ends here, so every kind of container follows the
//! same rules.

use std::sync::Arc;

use super::columns::Columns;
use super::key;
use super::marker;
use super::model::{
    ActionItem, Cell, Checkbox, ContainerKind, KeyPlace, Span, StatusForm, StatusSlot,
};
use super::packed::ItemStore;
use super::refs::{self, Reference};
use super::table::{RawCell, RawRow};

/// Longest summary Jira accepts, in UTF-16 code units (how Jira counts).
const SUMMARY_LIMIT: usize = 255;

/// A row that has an item but lacks a cell pm-sync needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ragged {
    pub(crate) row: usize,
    pub(crate) span: Span,
    pub(crate) found: usize,
    pub(crate) column: String,
    pub(crate) needed: usize,
}

impl Ragged {
    /// The report error for this row of the report `name` (text `text`), pointing at the row.
    pub(crate) fn into_error(
        self,
        name: &std::path::Path,
        text: &str,
    ) -> super::error::ReportError {
        let origin = super::error::Origin::new(name, text, self.span);
        super::error::ReportError::RaggedRow {
            at: origin.at,
            row: self.row,
            found: self.found,
            column: self.column,
            needed: self.needed,
            src: origin.src,
            span: origin.span,
        }
    }
}

/// Counts lines forward through the text as items come in order, so numbering every item of a
/// large container costs one pass.
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

/// What every item builder needs to know about the report.
pub(crate) struct Context<'a> {
    /// The whole report.
    pub(crate) text: &'a str,
    /// How values are written.
    pub(crate) kind: ContainerKind,
    /// Projects whose keys are references wherever they are written (the configured project and
    /// `[report] ticket_projects`).
    pub(crate) projects: &'a [String],
    /// The references of the item being built; one list lent to every item in turn.
    linked: std::cell::RefCell<Vec<Linked>>,
}

/// Where a reference sits, which decides whether it links the item and whether pm-sync may
/// rewrite it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// At the start of the item text: where pm-sync writes keys.
    ItemStart,
    /// At the end of the item text (`…, tracked in AUTH-1964`).
    ItemEnd,
    /// In the ticket column: where pm-sync writes keys.
    Ticket,
    /// Any other cell, another paragraph, a sub-bullet.
    Elsewhere,
}

/// A reference that links the item.
#[derive(Debug, Clone)]
struct Linked {
    key: String,
    /// Absolute bytes of the reference.
    span: Span,
    browse_link: bool,
    place: Place,
}

impl<'a> Context<'a> {
    /// What builders of items of `kind` in `text` need.
    pub(crate) fn new(text: &'a str, kind: ContainerKind, projects: &'a [String]) -> Self {
        Context {
            text,
            kind,
            projects,
            linked: std::cell::RefCell::default(),
        }
    }

    /// Whether `reference` at `place` links the item: a browse link always does; a key of a
    /// listed project always does; any other key only where pm-sync writes keys, and never a
    /// look-alike.
    fn accepts(&self, reference: &Reference, place: Place) -> bool {
        if reference.browse_link {
            return true;
        }
        let project = key::project_of(&reference.key);
        if self.projects.iter().any(|p| p == project) {
            return true;
        }
        matches!(place, Place::ItemStart | Place::Ticket) && !reference.look_alike
    }

    /// References anywhere in `region`, all at `place`.
    fn anywhere(&self, region: Span, place: Place, out: &mut Vec<Linked>) {
        if region.is_empty() {
            return;
        }
        refs::scan_each(&self.text[region.clone()], |reference| {
            if self.accepts(&reference, place) {
                out.push(Linked {
                    key: reference.key,
                    span: region.start + reference.span.start..region.start + reference.span.end,
                    browse_link: reference.browse_link,
                    place,
                });
            }
        });
    }

    /// References at the start or the end of the item text `head` (a mention in the middle is
    /// not the item's ticket).
    fn in_item_text(&self, head: Span, out: &mut Vec<Linked>) {
        let text = self.text;
        refs::scan_each(&text[head.clone()], |reference| {
            let span = head.start + reference.span.start..head.start + reference.span.end;
            let place = if refs::is_decoration(&text[head.start..span.start]) {
                Place::ItemStart
            } else if refs::is_trailing(&text[span.end..head.end]) {
                Place::ItemEnd
            } else {
                return;
            };
            if self.accepts(&reference, place) {
                out.push(Linked {
                    key: reference.key,
                    span,
                    browse_link: reference.browse_link,
                    place,
                });
            }
        });
    }
}

/// The part of a cell that is its first paragraph (inside `<p>…</p>` in HTML), whitespace and
/// block tags trimmed: where the key goes and where a marker is appended.
pub(crate) fn first_paragraph(text: &str, span: &Span, kind: ContainerKind) -> Span {
    let raw = &text[span.clone()];
    let lead = raw.len() - raw.trim_start().len();
    let mut start = span.start + lead;
    let mut end = span.end;
    if kind.is_html() {
        let rest = &text[start..end];
        let opens_p = rest.len() > 2
            && rest.as_bytes()[..2].eq_ignore_ascii_case(b"<p")
            && matches!(rest.as_bytes()[2], b'>' | b' ' | b'\t' | b'\n' | b'\r');
        if opens_p && let Some(open_end) = rest.find('>') {
            let inner = &rest[open_end + 1..];
            let close = inner
                .as_bytes()
                .windows(4)
                .position(|w| w.eq_ignore_ascii_case(b"</p>"))
                .unwrap_or(inner.len());
            let body = &inner[..close];
            start += open_end + 1 + (body.len() - body.trim_start().len());
            end = start + body.trim().len();
            return start..end.max(start);
        }
    }
    end = start + marker::text_end(&text[start..end]);
    start..end
}

/// The parts of an item common to every container, before its cells are known.
pub(crate) struct ItemParts {
    /// 1-based position in the container.
    pub(crate) row: usize,
    /// 1-based line.
    pub(crate) line: usize,
    /// The item text cell (a list item's first paragraph).
    pub(crate) item: Cell,
    /// The bytes of the item text's first paragraph.
    pub(crate) head: Span,
    /// Bytes of the item outside `head` that may hold references (other paragraphs, sub-bullets).
    pub(crate) rest: [Span; 2],
    /// A task list's checkbox.
    pub(crate) checkbox: Option<Checkbox>,
}

/// Builds a list item, or a row of a table with neither a Status nor a ticket column: the key
/// goes before the item text and the status after it, as a marker.
pub(crate) fn text_item(
    cx: &Context<'_>,
    parts: ItemParts,
    extra: Vec<(Arc<str>, Cell)>,
) -> ActionItem {
    let found = marker::trailing(&cx.text[parts.head.clone()]);
    // The status is the last marker; the text ends before every marker chained before it (a
    // person's ` · *urgent*` and pm-sync's status after it), and a new status goes after the
    // last: the text, and so the summary, stay the same whatever statuses are written.
    let mut text_end = found
        .as_ref()
        .map_or(parts.head.end, |m| parts.head.start + m.whole.start);
    // The chain's texts, last first, as the summary is cut from the item's text.
    let mut chain: Vec<String> = found.iter().map(|m| m.text.clone()).collect();
    while let Some(before) = marker::trailing(&cx.text[parts.head.start..text_end]) {
        text_end = parts.head.start + before.whole.start;
        chain.push(before.text);
    }
    let append_at = found
        .as_ref()
        .map_or(text_end, |m| parts.head.start + m.whole.end);
    let mut linked = cx.linked.take();
    cx.in_item_text(parts.head.start..text_end, &mut linked);
    for region in &parts.rest {
        cx.anywhere(region.clone(), Place::Elsewhere, &mut linked);
    }
    for (_, cell) in &extra {
        cx.anywhere(cell.span.clone(), Place::Elsewhere, &mut linked);
    }
    let status = StatusSlot {
        current: found.as_ref().map(|m| Cell {
            span: parts.head.start + m.inner.start..parts.head.start + m.inner.end,
            text: m.text.clone(),
        }),
        form: StatusForm::Marker,
        append_at,
    };
    let item = finish(parts, None, None, &mut linked, status, &chain, extra);
    cx.linked.replace(linked);
    item
}

/// Assembles the item from what was found: the first reference is its ticket.
fn finish(
    parts: ItemParts,
    status_cell: Option<Span>,
    ticket: Option<(Cell, Span)>,
    linked: &mut Vec<Linked>,
    status: StatusSlot,
    markers: &[String],
    extra: Vec<(Arc<str>, Cell)>,
) -> ActionItem {
    linked.sort_by_key(|l| l.span.start);
    let mut linked = linked.drain(..);
    let primary = linked.next();
    let mut related: Vec<String> = Vec::new();
    for l in linked {
        if Some(&l.key) != primary.as_ref().map(|p| &p.key) && !related.contains(&l.key) {
            related.push(l.key);
        }
    }
    let (key_place, key_managed) = match &primary {
        Some(p) if matches!(p.place, Place::ItemStart | Place::Ticket) => {
            (KeyPlace::Replace(p.span.clone()), p.browse_link)
        }
        Some(_) => (KeyPlace::Fixed, false),
        None => match &ticket {
            Some((cell, _)) if cell.text.is_empty() => {
                (KeyPlace::Replace(cell.span.clone()), false)
            }
            // "—", "n/a", "TBD": a placeholder for the ticket, replaced by it (unless it is the
            // bold status word of a table without a Status column).
            Some((cell, head))
                if marker::is_placeholder(&cell.text) && status.form != StatusForm::Bold =>
            {
                (KeyPlace::Replace(head.clone()), false)
            }
            Some((_, head)) => (KeyPlace::Insert(head.start), false),
            None => (KeyPlace::Insert(parts.head.start), false),
        },
    };
    let summary_span = summary_of(&parts.item.text, markers);
    ActionItem {
        row: parts.row,
        line: parts.line,
        item: parts.item,
        status_cell,
        ticket: ticket.map(|(cell, _)| cell.span),
        key: primary.map(|p| p.key),
        related,
        key_place,
        key_managed,
        status,
        checkbox: parts.checkbox,
        summary_span,
        extra,
    }
}

/// Where the summary Jira gets sits in an item's text: status emoji, the key prefix and its
/// separator, and the trailing markers (`markers`' texts, last first: pm-sync's status and
/// any a person chained before it) removed; cut to 255 UTF-16 units (never inside a
/// character). Every step only trims, so the summary is a range of `text`.
pub(crate) fn summary_of(text: &str, markers: &[String]) -> Span {
    let mut summary = text.trim();
    for status in markers {
        match summary
            .strip_suffix(status.as_str())
            .and_then(|before| before.trim_end().strip_suffix('·'))
        {
            Some(before) => summary = before.trim_end(),
            None => break,
        }
    }
    let emoji = |c: char| refs::is_status_emoji(c) || c.is_whitespace();
    // The key pm-sync writes goes before any status emoji a person put there.
    let summary = key::strip_key_prefix(summary.trim_start_matches(emoji));
    let summary = summary.trim_start_matches(emoji);
    // A TODO/DONE marker is the person's note on the item, not its summary.
    let summary = match super::list::todo_marker_len(summary) {
        Some(len) if len < summary.len() => &summary[len..],
        _ => summary,
    };
    let summary = cut_utf16(summary, SUMMARY_LIMIT);
    // `summary` is a slice of `text`, so its place is where its first byte is.
    let start = (summary.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    debug_assert!(
        start
            .checked_add(summary.len())
            .is_some_and(|end| end <= text.len())
    );
    start..start + summary.len()
}

/// `text` cut to at most `limit` UTF-16 code units at a character boundary, trailing space
/// trimmed after a cut.
pub(crate) fn cut_utf16(text: &str, limit: usize) -> &str {
    // A character takes no more UTF-16 units than UTF-8 bytes.
    if text.len() <= limit {
        return text;
    }
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > limit {
            return text[..at].trim_end();
        }
    }
    text
}

fn into_cell(cell: RawCell) -> Cell {
    Cell {
        span: cell.span,
        text: cell.text,
    }
}

/// Builds the action items of `body` (the table's body rows).
pub(crate) fn build(
    cx: &Context<'_>,
    body: Vec<RawRow>,
    columns: &Columns,
    lines_counter: &mut LineCounter<'_>,
) -> Result<ItemStore, Ragged> {
    let mut items = TableItems::with_capacity(body.len());
    for row in body {
        items.row(cx, row, columns, lines_counter)?;
    }
    Ok(items.finish())
}

/// The action items of a table's body rows, made a row at a time (a row is dropped once read,
/// so a reader that hands rows over as it reads them never holds the whole table).
pub(crate) struct TableItems {
    /// Each item goes into the compact store as it is made: no full-size `Vec<ActionItem>`.
    items: ItemStore,
    /// Rows are numbered in order; a cell holding several items on lines of their own gives
    /// each line a number (so numbers stay unique and stable: edits never add lines).
    number: usize,
}

impl TableItems {
    /// Room for `rows` items.
    pub(crate) fn with_capacity(rows: usize) -> Self {
        TableItems {
            items: ItemStore::with_capacity(rows),
            number: 0,
        }
    }

    /// Reads the next body row.
    pub(crate) fn row(
        &mut self,
        cx: &Context<'_>,
        row: RawRow,
        columns: &Columns,
        lines_counter: &mut LineCounter<'_>,
    ) -> Result<(), Ragged> {
        self.number += 1;
        let has_item = row
            .cells
            .get(columns.item)
            .is_some_and(|c| !c.text.is_empty());
        if !has_item {
            return Ok(());
        }
        let cell_span = row.cells[columns.item].span.clone();
        let lines = super::cell_lines::split(cx.text, &cell_span, cx.kind);
        if !lines.is_empty() {
            let line = lines_counter.line_of(row.span.start);
            let extra: Vec<(Arc<str>, Cell)> = columns
                .extra
                .iter()
                .filter_map(|(i, name)| {
                    row.cells
                        .get(*i)
                        .map(|cell| (Arc::clone(name), into_cell(cell.clone())))
                })
                .collect();
            for (k, found) in lines.into_iter().enumerate() {
                if k > 0 {
                    self.number += 1;
                }
                let item = line_item(cx, self.number, line, found, extra.clone());
                self.items.push(cx.text, &item);
            }
            return Ok(());
        }
        let needed = [columns.status, columns.ticket];
        if let Some(index) = needed.into_iter().flatten().find(|&i| i >= row.cells.len()) {
            return Err(Ragged {
                row: self.number,
                span: row.span.clone(),
                found: row.cells.len(),
                column: columns.headers.get(index).cloned().unwrap_or_default(),
                needed: index + 1,
            });
        }
        let line = lines_counter.line_of(row.span.start);
        let mut cells: Vec<Option<RawCell>> = row.cells.into_iter().map(Some).collect();
        let mut take = |i: usize| cells.get_mut(i).and_then(Option::take);
        let Some(item) = take(columns.item).map(into_cell) else {
            return Ok(());
        };
        let status_cell = columns.status.and_then(&mut take).map(into_cell);
        let ticket = columns.ticket.and_then(&mut take).map(into_cell);
        // Column names are shared by every row (one count each, no copy).
        let mut extra: Vec<(Arc<str>, Cell)> = Vec::with_capacity(columns.extra.len());
        for (i, name) in &columns.extra {
            if let Some(cell) = take(*i) {
                extra.push((Arc::clone(name), into_cell(cell)));
            }
        }
        extra.shrink_to_fit();
        let head = first_paragraph(cx.text, &item.span, cx.kind);
        let rest = [item.span.start..head.start, head.end..item.span.end];
        let parts = ItemParts {
            row: self.number,
            line,
            item,
            head,
            rest,
            checkbox: None,
        };
        let built = match (status_cell, ticket) {
            (None, None) => text_item(cx, parts, extra),
            (status_cell, ticket) => table_item(cx, parts, status_cell, ticket, extra),
        };
        self.items.push(cx.text, &built);
        Ok(())
    }

    /// The items, their store trimmed to size.
    pub(crate) fn finish(mut self) -> ItemStore {
        self.items.shrink();
        self.items
    }
}

/// One line of a cell holding several items (see `cell_lines.rs`): written as a list item.
pub(crate) fn line_item(
    cx: &Context<'_>,
    row: usize,
    line: usize,
    found: super::cell_lines::Line,
    extra: Vec<(Arc<str>, Cell)>,
) -> ActionItem {
    let parts = ItemParts {
        row,
        line,
        item: Cell {
            span: found.head.clone(),
            text: found.text,
        },
        rest: [0..0, 0..0],
        head: found.head,
        checkbox: found.checkbox,
    };
    text_item(cx, parts, extra)
}

/// A row of a table with a Status column, a ticket column, or both.
fn table_item(
    cx: &Context<'_>,
    parts: ItemParts,
    status_cell: Option<Cell>,
    ticket: Option<Cell>,
    extra: Vec<(Arc<str>, Cell)>,
) -> ActionItem {
    let text = cx.text;
    let mut linked = cx.linked.take();
    cx.in_item_text(parts.head.clone(), &mut linked);
    for region in &parts.rest {
        cx.anywhere(region.clone(), Place::Elsewhere, &mut linked);
    }
    let ticket = ticket.map(|cell| {
        let head = first_paragraph(text, &cell.span, cx.kind);
        (cell, head)
    });
    if let Some((cell, _)) = &ticket {
        cx.anywhere(cell.span.clone(), Place::Ticket, &mut linked);
    }
    if let Some(cell) = &status_cell {
        cx.anywhere(cell.span.clone(), Place::Elsewhere, &mut linked);
    }
    for (_, cell) in &extra {
        cx.anywhere(cell.span.clone(), Place::Elsewhere, &mut linked);
    }
    let status_span = status_cell.as_ref().map(|cell| cell.span.clone());
    let status = match (status_cell, &ticket) {
        (Some(cell), _) => status_in_cell(text, cell),
        (None, Some((cell, head))) => status_in_ticket(text, cell, head),
        (None, None) => unreachable!("rows without either column are text items"),
    };
    let item = finish(parts, status_span, ticket, &mut linked, status, &[], extra);
    cx.linked.replace(linked);
    item
}

/// The status of a Status column's cell: pm-sync's marker after a note, else the whole cell.
fn status_in_cell(text: &str, cell: Cell) -> StatusSlot {
    let raw = &text[cell.span.clone()];
    let append_at = cell.span.start + marker::text_end(raw);
    match marker::trailing(&text[cell.span.start..append_at]) {
        Some(found) => StatusSlot {
            current: Some(Cell {
                span: cell.span.start + found.inner.start..cell.span.start + found.inner.end,
                text: found.text,
            }),
            form: StatusForm::Marker,
            append_at,
        },
        None => StatusSlot {
            current: Some(cell),
            form: StatusForm::Cell,
            append_at,
        },
    }
}

/// The status in a ticket cell of a table without a Status column: a bold word beside the key
/// (`**TODO** [SEARCH-51](…)`), pm-sync's marker, or none yet.
fn status_in_ticket(text: &str, cell: &Cell, head: &Span) -> StatusSlot {
    let raw = &text[head.clone()];
    let shift = |r: std::ops::Range<usize>| head.start + r.start..head.start + r.end;
    if let Some(found) = marker::trailing(raw) {
        return StatusSlot {
            current: Some(Cell {
                span: shift(found.inner),
                text: found.text,
            }),
            form: StatusForm::Marker,
            append_at: head.end,
        };
    }
    if let Some(found) = marker::bold_at_edge(raw) {
        return StatusSlot {
            current: Some(Cell {
                span: shift(found.inner),
                text: found.text,
            }),
            form: StatusForm::Bold,
            append_at: head.end,
        };
    }
    let append_at = if cell.text.is_empty() {
        cell.span.start
    } else {
        head.end
    };
    StatusSlot {
        current: None,
        form: StatusForm::Marker,
        append_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary<'t>(text: &'t str, marker_text: Option<&str>) -> &'t str {
        let markers: Vec<String> = marker_text.map(str::to_owned).into_iter().collect();
        &text[summary_of(text, &markers)]
    }

    #[test]
    fn summaries_drop_the_key_the_marker_and_status_emoji() {
        assert_eq!(
            summary("OPS-1 — Add an alert · In Progress", Some("In Progress")),
            "Add an alert"
        );
        assert_eq!(
            summary("✅ Roll back the kernel", None),
            "Roll back the kernel"
        );
        assert_eq!(summary("Add · x", Some("y")), "Add · x");
        // A chain of markers, last first: pm-sync's status after a person's word.
        let chain = ["To Do".to_owned(), "urgent".to_owned()];
        let text = "Review docs · urgent · To Do";
        assert_eq!(&text[summary_of(text, &chain)], "Review docs");
    }

    #[test]
    fn summaries_are_cut_by_utf16_units() {
        let long = format!("{}😀 tail", "a".repeat(254));
        // The emoji is two UTF-16 units: 254 + 2 > 255, so the cut falls before it.
        assert_eq!(summary(&long, None), "a".repeat(254));
        assert_eq!(cut_utf16("ab", 255), "ab");
    }
}
