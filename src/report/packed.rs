//! Action items kept compact: one short byte record per item, decoded into an [`ActionItem`]
//! when asked for. A report of 100,000 rows would otherwise hold 100,000 structs of ~300 bytes
//! plus their strings; here an item costs its record (about 15 bytes when its texts are the
//! source's bytes, as they nearly always are) and a 4-byte index.
//!
//! The encoding is lossless by construction: every field is written, and a text is written
//! only when it differs from the source bytes its span covers (entities decoded, `<br>`,
//! CRLF, collapsed whitespace…). Debug builds decode every record as it is written and compare
//! it with the item, so every test that parses a report checks the round trip.

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

// Flag bits of a record.
const STATUS_CELL: u64 = 1;
const TICKET: u64 = 1 << 1;
const KEY: u64 = 1 << 2;
const RELATED: u64 = 1 << 3;
const KEY_MANAGED: u64 = 1 << 4;
const CURRENT: u64 = 1 << 5;
const CHECKBOX: u64 = 1 << 6;
const CHECKED: u64 = 1 << 7;
const EXTRA: u64 = 1 << 8;
const PLACE_SHIFT: u32 = 9;
const FORM_SHIFT: u32 = 11;

// How a cell's text is written: the source bytes, the source bytes trimmed, or its own bytes
// (the length plus this).
const TEXT_SOURCE: u64 = 0;
const TEXT_TRIMMED: u64 = 1;
const TEXT_OWN: u64 = 2;

impl ItemStore {
    /// An empty store with room for `count` items.
    pub(crate) fn with_capacity(count: usize) -> ItemStore {
        ItemStore {
            // Most records take 15 to 24 bytes.
            bytes: Vec::with_capacity(count.saturating_mul(24)),
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
        self.starts.push(start);
        self.encode(text, item);
        #[cfg(debug_assertions)]
        {
            let index = self.starts.len() - 1;
            debug_assert_eq!(self.get(text, index), *item, "item record round trip");
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
        let start = *self.starts.last()?;
        Some(self.reader(start).number())
    }

    /// The index of the item in row `row`, if one is.
    pub(crate) fn find_row(&self, row: usize) -> Option<usize> {
        self.starts
            .binary_search_by_key(&row, |&start| self.reader(start).number())
            .ok()
    }

    /// Item `index`, decoded (debug builds check every record with it as it is written).
    pub(crate) fn get(&self, text: &str, index: usize) -> ActionItem {
        self.decode(text, self.starts[index])
    }

    /// Every item, decoded one at a time.
    pub(crate) fn iter<'a>(
        &'a self,
        text: &'a str,
    ) -> impl ExactSizeIterator<Item = ActionItem> + 'a {
        self.starts
            .iter()
            .map(move |&start| self.decode(text, start))
    }

    /// The items from index `start` on, decoded one at a time.
    pub(crate) fn iter_from<'a>(
        &'a self,
        text: &'a str,
        start: usize,
    ) -> impl ExactSizeIterator<Item = ActionItem> + 'a {
        self.starts
            .get(start..)
            .unwrap_or_default()
            .iter()
            .map(move |&start| self.decode(text, start))
    }

    fn reader(&self, start: u32) -> Reader<'_> {
        Reader {
            bytes: &self.bytes,
            at: start as usize,
        }
    }

    fn encode(&mut self, text: &str, item: &ActionItem) {
        let base = item.item.span.start;
        let mut flags = 0;
        let mut set = |on: bool, bit: u64| {
            if on {
                flags |= bit;
            }
        };
        set(item.status_cell.is_some(), STATUS_CELL);
        set(item.ticket.is_some(), TICKET);
        set(item.key.is_some(), KEY);
        set(!item.related.is_empty(), RELATED);
        set(item.key_managed, KEY_MANAGED);
        set(item.status.current.is_some(), CURRENT);
        set(item.checkbox.is_some(), CHECKBOX);
        set(item.checkbox.is_some_and(|c| c.checked), CHECKED);
        set(!item.extra.is_empty(), EXTRA);
        let place = match item.key_place {
            KeyPlace::Replace(_) => 0,
            KeyPlace::Insert(_) => 1,
            KeyPlace::Fixed => 2,
        };
        let form = match item.status.form {
            StatusForm::Cell => 0,
            StatusForm::Marker => 1,
            StatusForm::Bold => 2,
            StatusForm::Lozenge => 3,
        };
        flags |= (place << PLACE_SHIFT) | (form << FORM_SHIFT);
        let headers = &mut self.headers;
        let out = &mut self.bytes;
        put(out, item.row as u64);
        put(out, item.line as u64);
        put(out, base as u64);
        put(out, flags);
        put_signed(out, item.item.span.end, item.item.span.start);
        put_text(out, text, &item.item);
        if let Some(span) = &item.status_cell {
            put_span(out, base, span);
        }
        if let Some(span) = &item.ticket {
            put_span(out, base, span);
        }
        if let Some(key) = &item.key {
            put_str(out, key);
        }
        if !item.related.is_empty() {
            put(out, item.related.len() as u64);
            for key in &item.related {
                put_str(out, key);
            }
        }
        match &item.key_place {
            KeyPlace::Replace(span) => put_span(out, base, span),
            KeyPlace::Insert(at) => put_signed(out, *at, base),
            KeyPlace::Fixed => {}
        }
        if let Some(cell) = &item.status.current {
            put_cell(out, text, base, cell);
        }
        put_signed(out, item.status.append_at, base);
        if let Some(checkbox) = &item.checkbox {
            put_signed(out, checkbox.at, base);
        }
        put(out, item.summary_span.start as u64);
        put_signed(out, item.summary_span.end, item.summary_span.start);
        if !item.extra.is_empty() {
            put(out, item.extra.len() as u64);
            for (name, cell) in &item.extra {
                let index = headers.iter().position(|h| h == name).unwrap_or_else(|| {
                    headers.push(Arc::clone(name));
                    headers.len() - 1
                });
                put(out, index as u64);
                put_cell(out, text, base, cell);
            }
        }
    }

    fn decode(&self, text: &str, start: u32) -> ActionItem {
        let mut r = self.reader(start);
        let row = r.number();
        let line = r.number();
        let base = r.number();
        let flags = r.get();
        let end = r.offset(base);
        let item = r.text(text, base..end);
        let status_cell = (flags & STATUS_CELL != 0).then(|| r.span(base));
        let ticket = (flags & TICKET != 0).then(|| r.span(base));
        let key = (flags & KEY != 0).then(|| r.string());
        let related = if flags & RELATED != 0 {
            (0..r.number()).map(|_| r.string()).collect()
        } else {
            Vec::new()
        };
        let key_place = match (flags >> PLACE_SHIFT) & 3 {
            0 => KeyPlace::Replace(r.span(base)),
            1 => KeyPlace::Insert(r.offset(base)),
            _ => KeyPlace::Fixed,
        };
        let current = (flags & CURRENT != 0).then(|| r.cell(text, base));
        let append_at = r.offset(base);
        let checkbox = (flags & CHECKBOX != 0).then(|| Checkbox {
            at: r.offset(base),
            checked: flags & CHECKED != 0,
        });
        let summary_start = r.number();
        let summary_end = r.offset(summary_start);
        let extra = if flags & EXTRA != 0 {
            (0..r.number())
                .map(|_| {
                    let name = Arc::clone(&self.headers[r.number()]);
                    (name, r.cell(text, base))
                })
                .collect()
        } else {
            Vec::new()
        };
        let form = match (flags >> FORM_SHIFT) & 3 {
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

fn put(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// `value - base`, which may be negative (a marker before the item's text), zigzag-encoded.
fn put_signed(out: &mut Vec<u8>, value: usize, base: usize) {
    let delta = value as i64 - base as i64;
    put(out, ((delta << 1) ^ (delta >> 63)) as u64);
}

fn put_span(out: &mut Vec<u8>, base: usize, span: &Span) {
    put_signed(out, span.start, base);
    put_signed(out, span.end, span.start);
}

fn put_str(out: &mut Vec<u8>, value: &str) {
    put(out, value.len() as u64);
    out.extend_from_slice(value.as_bytes());
}

fn put_cell(out: &mut Vec<u8>, text: &str, base: usize, cell: &Cell) {
    put_span(out, base, &cell.span);
    put_text(out, text, cell);
}

/// The cell's text: nothing when it is its bytes in `text` (or those trimmed), else itself.
fn put_text(out: &mut Vec<u8>, text: &str, cell: &Cell) {
    match text.get(cell.span.clone()) {
        Some(source) if source == cell.text => put(out, TEXT_SOURCE),
        Some(source) if source.trim() == cell.text => put(out, TEXT_TRIMMED),
        _ => {
            put(out, TEXT_OWN + cell.text.len() as u64);
            out.extend_from_slice(cell.text.as_bytes());
        }
    }
}

/// Reads a record.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
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

    fn offset(&mut self, base: usize) -> usize {
        let zigzag = self.get();
        let delta = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        (base as i64 + delta) as usize
    }

    fn span(&mut self, base: usize) -> Span {
        let start = self.offset(base);
        start..self.offset(start)
    }

    fn str(&mut self, len: usize) -> String {
        let bytes = &self.bytes[self.at..self.at + len];
        self.at += len;
        String::from_utf8(bytes.to_vec()).expect("records hold whole strings")
    }

    fn string(&mut self) -> String {
        let len = self.number();
        self.str(len)
    }

    fn text(&mut self, text: &str, span: Span) -> Cell {
        let how = self.get();
        let value = match how {
            TEXT_SOURCE => text[span.clone()].to_owned(),
            TEXT_TRIMMED => text[span.clone()].trim().to_owned(),
            own => self.str((own - TEXT_OWN) as usize),
        };
        Cell { span, text: value }
    }

    fn cell(&mut self, text: &str, base: usize) -> Cell {
        let span = self.span(base);
        self.text(text, span)
    }
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
}
