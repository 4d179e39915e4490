//! Action items kept compact: one short byte record per item, decoded into an [`ActionItem`]
//! when asked for. A report of 100,000 rows would otherwise hold 100,000 structs of ~300 bytes
//! plus their strings; here an item costs its record (15 to 30 bytes, a linked row with a
//! status included) and a 4-byte index.
//!
//! The encoding is lossless by construction: every field is written. Offsets are written as
//! the distance from the previous offset of the record (fields follow the row's order in the
//! file, so distances are short), the row and line from the item's index. A text is written
//! as the source bytes its span covers when it is them (or them trimmed), else as pieces of
//! those bytes (a link's text and the words after it, entities decoded but for the `&`…),
//! else as its own bytes, whichever is shortest; a key is written as where it sits in the row
//! when it is spelled there as it is. Debug builds decode every record as it is written and
//! compare it with the item, so every test that parses a report checks the round trip.

use std::sync::Arc;

use super::model::{ActionItem, Cell, Checkbox, KeyPlace, Span, StatusForm, StatusSlot};

/// The items of one report, in order, as compact records over the report's text.
#[derive(Debug, Default)]
pub(crate) struct ItemStore {
    /// The records, one after another.
    bytes: Vec<u8>,
    /// Where each record starts in `bytes`.
    starts: Vec<u32>,
    /// Column names of extra cells, shared by every item (records hold their index).
    headers: Vec<Arc<str>>,
}

// Flag bits of a record; the ones every common row sets come first, so most flags take a byte.
const FORM_MASK: u64 = 3;
const STATUS_CELL: u64 = 1 << 2;
const KEY_MANAGED: u64 = 1 << 3;
const CURRENT: u64 = 1 << 4;
/// The current status spans the whole status cell: its span is not written again.
const CURRENT_IS_CELL: u64 = 1 << 5;
const CHECKBOX: u64 = 1 << 6;
const CHECKED: u64 = 1 << 7;
const TICKET: u64 = 1 << 8;
const RELATED: u64 = 1 << 9;
const EXTRA: u64 = 1 << 10;
/// Some span ends before it starts (never from a parse; items made by hand may): lengths are
/// then written signed.
const BACKWARD: u64 = 1 << 11;
const PLACE_SHIFT: u32 = 12;

// How a cell's text is written (the low two bits of its first number): the source bytes, the
// source bytes trimmed, its own bytes (the length above the two bits), or pieces (their count
// above the two bits).
const TEXT_SOURCE: u64 = 0;
const TEXT_TRIMMED: u64 = 1;
const TEXT_OWN: u64 = 2;
const TEXT_PIECES: u64 = 3;

/// More pieces than this (or more literal bytes) and a text is written as its own bytes: the
/// search for pieces stays linear in the cell and the record no longer than the text.
const MAX_PIECES: usize = 16;

/// The records' first room, at most: 64 KiB.
const START_ROOM: usize = 64 << 10;

impl ItemStore {
    /// An empty store with room for `count` items.
    pub(crate) fn with_capacity(count: usize) -> ItemStore {
        ItemStore {
            // The records grow as they come (see `make_room`): room for all of them at once
            // (most take 15 to 30 bytes) was taken while what they are made of, a list's raw
            // items say, was still whole.
            bytes: Vec::with_capacity(count.saturating_mul(24).min(START_ROOM)),
            starts: Vec::with_capacity(count),
            headers: Vec::new(),
        }
    }

    /// The items of `items` (over `text`).
    pub(crate) fn from_items(text: &str, items: &[ActionItem]) -> ItemStore {
        let mut store = ItemStore::with_capacity(items.len());
        for item in items {
            store.push(text, item);
        }
        store.shrink();
        store
    }

    /// How many items.
    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    /// Gives back spare capacity, once every item is in.
    pub(crate) fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
        self.starts.shrink_to_fit();
    }

    /// Adds `item` (whose spans are over `text`) at the end.
    pub(crate) fn push(&mut self, text: &str, item: &ActionItem) {
        let start = u32::try_from(self.bytes.len()).expect("item records over 4 GiB");
        let index = self.starts.len();
        self.make_room();
        crate::freeing::push_gently(&mut self.starts, start);
        self.encode(text, index, item);
        #[cfg(debug_assertions)]
        {
            debug_assert_eq!(self.get(text, index), *item, "item record round trip");
        }
    }

    /// Before a record: when the records are about to outgrow their room, an eighth more;
    /// never double (100,000 long items, their texts copied, ~60 bytes a record, doubled past
    /// a first guess held up to three times their size), nor room for the rest at once (a
    /// list's raw items are let go as their records are made, and a report read back after a
    /// save holds its records beside its new text).
    fn make_room(&mut self) {
        const MARGIN: usize = 4 << 10;
        let (len, room) = (self.bytes.len(), self.bytes.capacity() - self.bytes.len());
        if room < MARGIN {
            self.bytes.reserve_exact((len / 8).max(MARGIN));
        }
    }

    /// Adds the items of `other` (over the same `text`), their rows moved on by `offset`.
    pub(crate) fn append(&mut self, text: &str, other: &ItemStore, offset: usize) {
        for mut item in other.iter(text) {
            item.row += offset;
            self.push(text, &item);
        }
    }

    /// The row of the last item.
    pub(crate) fn last_row(&self) -> Option<usize> {
        let index = self.starts.len().checked_sub(1)?;
        Some(self.row_of(index))
    }

    /// The index of the item in row `row`, if one is.
    pub(crate) fn find_row(&self, row: usize) -> Option<usize> {
        let (mut low, mut high) = (0, self.starts.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.row_of(middle).cmp(&row) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// Item `index`, decoded (debug builds check every record with it as it is written).
    pub(crate) fn get(&self, text: &str, index: usize) -> ActionItem {
        self.decode(text, index)
    }

    /// Every item, decoded one at a time.
    pub(crate) fn iter<'a>(
        &'a self,
        text: &'a str,
    ) -> impl ExactSizeIterator<Item = ActionItem> + 'a {
        self.iter_from(text, 0)
    }

    /// The items from index `start` on, decoded one at a time.
    pub(crate) fn iter_from<'a>(
        &'a self,
        text: &'a str,
        start: usize,
    ) -> impl ExactSizeIterator<Item = ActionItem> + 'a {
        (start.min(self.len())..self.len()).map(move |index| self.decode(text, index))
    }

    /// The row of item `index` (the first number of its record).
    fn row_of(&self, index: usize) -> usize {
        let mut r = self.reader(index);
        from_index(index, r.get())
    }

    fn reader(&self, index: usize) -> Reader<'_> {
        Reader {
            bytes: &self.bytes,
            at: self.starts[index] as usize,
            cursor: 0,
            backward: false,
        }
    }

    fn encode(&mut self, text: &str, index: usize, item: &ActionItem) {
        let base = item.item.span.start;
        let current_is_cell = item
            .status
            .current
            .as_ref()
            .is_some_and(|cell| item.status_cell.as_ref() == Some(&cell.span));
        let backward = spans(item).any(|span| span.end < span.start)
            || item.summary_span.end < item.summary_span.start;
        let mut flags = match item.status.form {
            StatusForm::Cell => 0,
            StatusForm::Marker => 1,
            StatusForm::Bold => 2,
            StatusForm::Lozenge => 3,
        };
        let mut set = |on: bool, bit: u64| {
            if on {
                flags |= bit;
            }
        };
        set(item.status_cell.is_some(), STATUS_CELL);
        set(item.key_managed, KEY_MANAGED);
        set(item.status.current.is_some(), CURRENT);
        set(current_is_cell, CURRENT_IS_CELL);
        set(item.checkbox.is_some(), CHECKBOX);
        set(item.checkbox.is_some_and(|c| c.checked), CHECKED);
        set(item.ticket.is_some(), TICKET);
        set(!item.related.is_empty(), RELATED);
        set(!item.extra.is_empty(), EXTRA);
        set(backward, BACKWARD);
        let place = match item.key_place {
            KeyPlace::Replace(_) => 0,
            KeyPlace::Insert(_) => 1,
            KeyPlace::Fixed => 2,
        };
        flags |= place << PLACE_SHIFT;
        // Keys are looked for where the row is: from its first span to its last.
        let extent = spans(item).fold(base..item.item.span.end, |all, span| {
            all.start.min(span.start)..all.end.max(span.end)
        });
        let mut w = Writer {
            out: &mut self.bytes,
            text,
            cursor: base,
            backward,
            extent,
        };
        w.put(to_index(index, item.row));
        w.put(zigzag(item.line as i64 - item.row as i64));
        w.put(base as u64);
        w.put(flags);
        w.len(&item.item.span);
        w.text(&item.item);
        match &item.key_place {
            KeyPlace::Replace(span) => w.span(span),
            KeyPlace::Insert(at) => w.offset(*at),
            KeyPlace::Fixed => {}
        }
        w.key(item.key.as_deref());
        if !item.related.is_empty() {
            w.put(item.related.len() as u64);
            for key in &item.related {
                w.key(Some(key));
            }
        }
        if let Some(checkbox) = &item.checkbox {
            w.offset(checkbox.at);
        }
        if let Some(span) = &item.status_cell {
            w.span(span);
        }
        if let Some(cell) = &item.status.current {
            if current_is_cell {
                w.text(cell);
            } else {
                w.cell(cell);
            }
        }
        w.offset(item.status.append_at);
        if let Some(span) = &item.ticket {
            w.span(span);
        }
        w.put(item.summary_span.start as u64);
        w.len(&item.summary_span);
        if !item.extra.is_empty() {
            w.put(item.extra.len() as u64);
            for (name, cell) in &item.extra {
                let headers = &mut self.headers;
                let index = headers.iter().position(|h| h == name).unwrap_or_else(|| {
                    headers.push(Arc::clone(name));
                    headers.len() - 1
                });
                w.put(index as u64);
                w.cell(cell);
            }
        }
    }

    fn decode(&self, text: &str, index: usize) -> ActionItem {
        let mut r = self.reader(index);
        let row = from_index(index, r.get());
        let line = (row as i64 + unzigzag(r.get())) as usize;
        let base = r.number();
        r.cursor = base;
        let flags = r.get();
        r.backward = flags & BACKWARD != 0;
        let item_span = base..r.end(base);
        let item = r.text(text, item_span);
        let key_place = match (flags >> PLACE_SHIFT) & 3 {
            0 => KeyPlace::Replace(r.span()),
            1 => KeyPlace::Insert(r.offset()),
            _ => KeyPlace::Fixed,
        };
        let key = r.key(text);
        let related = if flags & RELATED != 0 {
            (0..r.number())
                .map(|_| r.key(text).unwrap_or_default())
                .collect()
        } else {
            Vec::new()
        };
        let checkbox = (flags & CHECKBOX != 0).then(|| Checkbox {
            at: r.offset(),
            checked: flags & CHECKED != 0,
        });
        let status_cell = (flags & STATUS_CELL != 0).then(|| r.span());
        let current = (flags & CURRENT != 0).then(|| match &status_cell {
            Some(span) if flags & CURRENT_IS_CELL != 0 => r.text(text, span.clone()),
            _ => r.cell(text),
        });
        let append_at = r.offset();
        let ticket = (flags & TICKET != 0).then(|| r.span());
        let summary_start = r.number();
        let summary_end = r.end(summary_start);
        let extra = if flags & EXTRA != 0 {
            (0..r.number())
                .map(|_| {
                    let name = Arc::clone(&self.headers[r.number()]);
                    (name, r.cell(text))
                })
                .collect()
        } else {
            Vec::new()
        };
        let form = match flags & FORM_MASK {
            0 => StatusForm::Cell,
            1 => StatusForm::Marker,
            2 => StatusForm::Bold,
            _ => StatusForm::Lozenge,
        };
        ActionItem {
            row,
            line,
            item,
            status_cell,
            ticket,
            key,
            related,
            key_place,
            key_managed: flags & KEY_MANAGED != 0,
            status: StatusSlot {
                current,
                form,
                append_at,
            },
            checkbox,
            summary_span: summary_start..summary_end,
            extra,
        }
    }
}

/// Every span of `item` over the file.
pub(super) fn spans(item: &ActionItem) -> impl Iterator<Item = &Span> {
    let place = match &item.key_place {
        KeyPlace::Replace(span) => Some(span),
        _ => None,
    };
    std::iter::once(&item.item.span)
        .chain(place)
        .chain(&item.status_cell)
        .chain(item.status.current.as_ref().map(|cell| &cell.span))
        .chain(&item.ticket)
        .chain(item.extra.iter().map(|(_, cell)| &cell.span))
}

/// A row as written: its distance from the row its index would have (rows count from 1, one
/// per item, unless template rows or lines of one cell are skipped).
fn to_index(index: usize, row: usize) -> u64 {
    zigzag(row as i64 - (index as i64 + 1))
}

fn from_index(index: usize, written: u64) -> usize {
    (index as i64 + 1 + unzigzag(written)) as usize
}

fn zigzag(delta: i64) -> u64 {
    ((delta << 1) ^ (delta >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

fn put(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// How many bytes `put` takes for `value`.
fn put_size(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

/// `text` as a few bytes over `document[span]`, the bytes it was read from (a list item's
/// head, its markup and entities read away), the way a record writes a cell's text: pieces of
/// those bytes where it can, its own bytes where it must. A list's items are held this way
/// until its whole section is read: a copy of each item's text was ~190 bytes an item.
pub(crate) fn pack_text(document: &str, span: Span, text: &str) -> Box<[u8]> {
    let mut out = Vec::new();
    Writer {
        out: &mut out,
        text: document,
        cursor: 0,
        backward: false,
        extent: 0..0,
    }
    .text(&Cell {
        span,
        text: text.to_owned(),
    });
    out.into_boxed_slice()
}

/// The text [`pack_text`] packed over `document[span]`.
pub(crate) fn unpack_text(document: &str, span: Span, packed: &[u8]) -> String {
    Reader {
        bytes: packed,
        at: 0,
        cursor: 0,
        backward: false,
    }
    .text(document, span)
    .text
}

/// A piece of a text: bytes of its source (after skipping some), or bytes of its own.
#[derive(Debug, Clone, Copy)]
enum Piece {
    Source { skip: usize, len: usize },
    Own { from: usize, len: usize },
}

/// Splits `text` into pieces of `source`, in order, greedily (each piece starts at the first
/// place in what is left of the source where the text's next byte is, and runs as long as
/// they agree; a byte found nowhere further on is the text's own). `None` when that takes
/// more than [`MAX_PIECES`] pieces or own bytes. Linear in the source and text.
fn split(source: &[u8], text: &[u8], mut each: impl FnMut(Piece)) -> Option<usize> {
    let (mut s, mut t, mut count, mut own) = (0, 0, 0, 0);
    let mut own_from: Option<usize> = None;
    while t < text.len() {
        if count >= MAX_PIECES || own > MAX_PIECES {
            return None;
        }
        match source[s..].iter().position(|&b| b == text[t]) {
            Some(skip) => {
                if let Some(from) = own_from.take() {
                    each(Piece::Own {
                        from,
                        len: t - from,
                    });
                    count += 1;
                }
                let from = s + skip;
                let len = source[from..]
                    .iter()
                    .zip(&text[t..])
                    .take_while(|(a, b)| a == b)
                    .count();
                each(Piece::Source { skip, len });
                count += 1;
                s = from + len;
                t += len;
            }
            None => {
                own_from.get_or_insert(t);
                own += 1;
                t += 1;
            }
        }
    }
    if let Some(from) = own_from {
        each(Piece::Own {
            from,
            len: t - from,
        });
        count += 1;
    }
    (count <= MAX_PIECES).then_some(count)
}

/// Writes one record.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    text: &'a str,
    /// The last offset written: the next is written as its distance from this.
    cursor: usize,
    /// Lengths are written signed.
    backward: bool,
    /// Where the row's keys are looked for.
    extent: Span,
}

impl Writer<'_> {
    fn put(&mut self, value: u64) {
        put(self.out, value);
    }

    fn offset(&mut self, at: usize) {
        self.put(zigzag(at as i64 - self.cursor as i64));
        self.cursor = at;
    }

    /// `span`'s length (its start is known to the reader).
    fn len(&mut self, span: &Span) {
        let len = span.end as i64 - span.start as i64;
        self.put(if self.backward {
            zigzag(len)
        } else {
            len as u64
        });
    }

    fn span(&mut self, span: &Span) {
        self.offset(span.start);
        self.len(span);
        self.cursor = span.end;
    }

    fn cell(&mut self, cell: &Cell) {
        self.span(&cell.span);
        self.text(cell);
    }

    /// The cell's text: nothing when it is its bytes in the source (or those trimmed), else
    /// pieces of those bytes or its own bytes, whichever is shorter.
    fn text(&mut self, cell: &Cell) {
        let source = match self.text.get(cell.span.clone()) {
            Some(source) if source == cell.text => return self.put(TEXT_SOURCE),
            Some(source) if source.trim() == cell.text => return self.put(TEXT_TRIMMED),
            Some(source) => source,
            None => "",
        };
        let own_size = put_size(cell.text.len() as u64) + cell.text.len();
        let mut size = 0;
        let pieces = split(source.as_bytes(), cell.text.as_bytes(), |piece| {
            size += match piece {
                Piece::Source { skip, len } => put_size(skip as u64 * 2) + put_size(len as u64),
                Piece::Own { len, .. } => put_size(len as u64 * 2 + 1) + len,
            }
        });
        match pieces {
            Some(count) if put_size(count as u64) + size < own_size => {
                self.put(TEXT_PIECES + ((count as u64) << 2));
                let out = &mut *self.out;
                let text = cell.text.as_bytes();
                split(source.as_bytes(), text, |piece| match piece {
                    Piece::Source { skip, len } => {
                        put(out, skip as u64 * 2);
                        put(out, len as u64);
                    }
                    Piece::Own { from, len } => {
                        put(out, len as u64 * 2 + 1);
                        out.extend_from_slice(&text[from..from + len]);
                    }
                });
            }
            _ => {
                self.put(TEXT_OWN + ((cell.text.len() as u64) << 2));
                self.out.extend_from_slice(cell.text.as_bytes());
            }
        }
    }

    /// A key (`None` as 0): where the row spells it, or its own bytes.
    fn key(&mut self, key: Option<&str>) {
        let Some(key) = key else {
            return self.put(0);
        };
        let len = key.len() as u64;
        let found = self
            .text
            .get(self.extent.clone())
            .and_then(|row| row.find(key))
            .filter(|_| !key.is_empty());
        match found {
            Some(at) => {
                self.put(1 + (len << 1 | 1));
                self.offset(self.extent.start + at);
            }
            None => {
                self.put(1 + (len << 1));
                self.out.extend_from_slice(key.as_bytes());
            }
        }
    }
}

/// Reads a record.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    cursor: usize,
    backward: bool,
}

impl Reader<'_> {
    fn get(&mut self) -> u64 {
        let mut value = 0;
        let mut shift = 0;
        loop {
            let byte = self.bytes[self.at];
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return value;
            }
            shift += 7;
        }
    }

    fn number(&mut self) -> usize {
        self.get() as usize
    }

    fn offset(&mut self) -> usize {
        let at = (self.cursor as i64 + unzigzag(self.get())) as usize;
        self.cursor = at;
        at
    }

    /// The end of a span starting at `start`.
    fn end(&mut self, start: usize) -> usize {
        let written = self.get();
        let len = if self.backward {
            unzigzag(written)
        } else {
            written as i64
        };
        (start as i64 + len) as usize
    }

    fn span(&mut self) -> Span {
        let start = self.offset();
        let end = self.end(start);
        self.cursor = end;
        start..end
    }

    fn own(&mut self, len: usize) -> &[u8] {
        let bytes = &self.bytes[self.at..self.at + len];
        self.at += len;
        bytes
    }

    fn text(&mut self, text: &str, span: Span) -> Cell {
        let how = self.get();
        let value = match how & 3 {
            TEXT_SOURCE => text[span.clone()].to_owned(),
            TEXT_TRIMMED => text[span.clone()].trim().to_owned(),
            TEXT_OWN => own_string(self.own((how >> 2) as usize).to_vec()),
            _ => {
                let source = &text.as_bytes()[span.clone()];
                let (mut value, mut s) = (Vec::new(), 0);
                for _ in 0..how >> 2 {
                    let head = self.number();
                    if head & 1 == 0 {
                        let len = self.number();
                        s += head >> 1;
                        value.extend_from_slice(&source[s..s + len]);
                        s += len;
                    } else {
                        value.extend_from_slice(self.own(head >> 1));
                    }
                }
                own_string(value)
            }
        };
        Cell { span, text: value }
    }

    fn cell(&mut self, text: &str) -> Cell {
        let span = self.span();
        self.text(text, span)
    }

    fn key(&mut self, text: &str) -> Option<String> {
        let head = self.number().checked_sub(1)?;
        let len = head >> 1;
        Some(if head & 1 == 1 {
            let at = self.offset();
            text[at..at + len].to_owned()
        } else {
            own_string(self.own(len).to_vec())
        })
    }
}

fn own_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("records hold whole texts")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that differ from their source bytes are kept as written, and texts that are the
    /// source bytes come back from them.
    #[test]
    fn texts_round_trip_whether_or_not_they_are_their_bytes() {
        let text = "| Fix &amp; ship<br>now | Done |\r\n";
        let mut item = ActionItem::detached(3, "Fix & ship\nnow", Some("OPS-1"), "Done");
        item.item.span = 2..22;
        item.status.current = Some(Cell {
            span: 24..30,
            text: "Done".to_owned(),
        });
        item.related = vec!["OPS-2".to_owned()];
        item.checkbox = Some(Checkbox {
            at: 1,
            checked: true,
        });
        item.extra = vec![(
            Arc::from("Owner"),
            Cell {
                span: 0..1,
                text: "|".to_owned(),
            },
        )];
        let mut next = item.clone();
        next.row = 4;
        let store = ItemStore::from_items(text, &[item.clone(), next.clone()]);
        assert_eq!(store.len(), 2);
        assert_eq!(store.get(text, 1), next);
        assert_eq!(
            store.iter(text).collect::<Vec<_>>(),
            vec![item, next.clone()]
        );
        assert_eq!(store.find_row(4), Some(1));
        assert_eq!(store.last_row(), Some(4));
    }

    /// A report whose texts are not their bytes (CRLF, entities, `<br>`, collapsed spaces)
    /// reads the same texts whether its items are decoded all at once or one at a time.
    #[test]
    fn texts_that_are_not_their_bytes_survive_the_records() {
        let text = "# PM\r\n\r\n## Action Items\r\n\r\n| Item | Status | Owner |\r\n|---|---|---|\r\n\
                    | Fix &amp; ship | In  Progress | Ana&nbsp;B |\r\n\
                    | Roll back<br>then fix | | |\r\n";
        let report = crate::report::Report::parse(
            std::path::Path::new("pm.md"),
            text.as_bytes().to_vec(),
            &crate::report::ReportOptions::default(),
        )
        .expect("parses");
        let texts: Vec<_> = report
            .iter_items()
            .map(|item| (item.item.text, item.status.current.map(|c| c.text)))
            .collect();
        assert_eq!(texts[0].0, "Fix & ship");
        assert_eq!(texts[0].1.as_deref(), Some("In Progress"));
        assert_eq!(report.items()[0].extra[0].1.text, "Ana B");
        assert!(texts[1].0.starts_with("Roll back"), "{texts:?}");
        assert_eq!(report.iter_items().collect::<Vec<_>>(), report.items());
    }

    /// A row pm-sync has linked and given a status, in each kind of container, takes a short
    /// record: its texts and key are read back from the row's bytes (the link's text and the
    /// words after it as pieces, the key where the link spells it), not kept as copies.
    #[test]
    fn linked_rows_take_a_short_record() {
        use crate::report::{Edit, Report, ReportOptions};
        let head = "---\ndate: 2020-04-14\n---\n# S\n\n## Action Items\n\n";
        let bodies = [
            "<table>\n<thead>\n<tr>\n<th>Action Item</th>\n<th>Status</th>\n</tr>\n</thead>\n\
             <tbody>\n<tr>\n<td>Action item number 12345</td>\n<td></td>\n</tr>\n</tbody>\n</table>\n",
            "| Action Item | Status |\n|---|---|\n| Action item number 12345 | |\n",
            "- [ ] Action item number 12345\n",
        ];
        for body in bodies {
            let text = format!("{head}{body}\n## Timeline\n\nx\n");
            let path = std::path::Path::new("pm.md");
            let options = ReportOptions::default();
            let mut report = Report::parse(path, text.into_bytes(), &options).expect("parses");
            let edits = [
                Edit::Link {
                    row: 1,
                    key: "OPS-12345".into(),
                    url: "https://jira.example/browse/OPS-12345".into(),
                },
                Edit::Status {
                    row: 1,
                    status: "To Do".into(),
                },
            ];
            assert!(report.apply(&edits).expect("applies"));
            let item = report.item(1).expect("the row");
            assert_eq!(item.key.as_deref(), Some("OPS-12345"));
            assert_eq!(item.summary(), "Action item number 12345");
            assert_eq!(item.status_text(), "To Do");
            let store = &report.parsed.items.store;
            assert_eq!(store.len(), 1);
            assert!(store.bytes.len() <= 24, "{body}: {:?}", store.bytes);
        }
    }
}
