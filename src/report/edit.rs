//! The one edit engine for every kind of item container: each [`Edit`] becomes splices into the
//! places the item's reader worked out ([`KeyPlace`], [`StatusSlot`], the checkbox), values
//! escaped for the markup; nothing else is ever re-serialised. What may be overwritten is decided
//! here, once: a person's text is never replaced, only written beside. A plan's values are
//! written into one buffer and each splice is a few offsets into it: a big report's pending
//! edits cost about their new bytes.

use std::path::Path;

use super::error::ReportError;
use super::key;
use super::marker;
use super::model::{ActionItem, ContainerKind, Edit, KeyPlace, KnownStatuses, Span, StatusForm};
use super::values::Values;

/// Replace `start..end` of the current text with a value written in its [`Splices`]' buffer.
///
/// Offsets are `u32`: a report is under 4 GiB (it is refused when read) and [`add`] refuses a
/// plan whose new text would not be, so no offset of the old text, the buffer or the new text
/// can overflow. A splice is 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Splice {
    /// Where the replaced bytes start in the text.
    start: u32,
    /// Where they end (`start` for an insertion).
    end: u32,
    /// Where the value starts in the buffer.
    value_start: u32,
    /// Where it ends.
    value_end: u32,
    /// The body row whose cells it writes.
    row: u32,
    /// Order among splices at the same place: the key before the status before the checkbox.
    order: u8,
    /// What is written after the value (see [`pad_pipe_cells`]).
    after: After,
}

impl Splice {
    /// The replaced bytes.
    fn span(&self) -> Span {
        self.start as usize..self.end as usize
    }
}

/// Splices planned or finished, and the one buffer their values are written in.
#[derive(Debug, Default)]
pub(crate) struct Splices {
    values: Values,
    list: Vec<Splice>,
}

impl Splices {
    /// Whether no splice is planned.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// What `s` writes from the buffer (its padding comes after it).
    fn value(&self, s: &Splice) -> &str {
        self.values
            .get(s.value_start as usize..s.value_end as usize)
    }

    /// How many bytes `s` writes, padding included.
    fn written_len(&self, s: &Splice) -> usize {
        (s.value_end - s.value_start) as usize + s.after.as_str().len()
    }

    /// Keeps what was written to the buffer from `from` on as the value of a splice over `span`.
    fn push(&mut self, span: &Span, from: usize, order: u8) {
        self.list.push(Splice {
            start: offset(span.start),
            end: offset(span.end),
            value_start: offset(from),
            value_end: offset(self.values.len()),
            row: 0,
            order,
            after: After::Nothing,
        });
    }

    /// As [`Splices::push`], unless the value is what `text` already holds over `span`: then it
    /// is dropped from the buffer.
    fn push_if_changed(&mut self, text: &str, span: &Span, from: usize, order: u8) {
        if text.get(span.clone()) == Some(self.values.get(from..self.values.len())) {
            self.values.truncate(from);
        } else {
            self.push(span, from, order);
        }
    }
}

/// `n` as a splice offset. Saturates rather than wraps: [`add`] refuses a plan that reaches
/// `u32::MAX` before any of its offsets is used.
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What is written after a value in a pipe cell, to keep the row what it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    Nothing,
    /// A space: the value went into a `| |` cell and would otherwise touch the closing pipe.
    Space,
    /// A pipe: the row's last cell had no closing pipe and is emptied; without one the row
    /// would lose that cell.
    Pipe,
}

impl After {
    /// The bytes written.
    fn as_str(self) -> &'static str {
        match self {
            After::Nothing => "",
            After::Space => " ",
            After::Pipe => "|",
        }
    }
}

/// Text for one line of a cell: whitespace collapsed (a pipe cell cannot hold a line break).
fn one_line(value: &str) -> std::borrow::Cow<'_, str> {
    super::table::collapse_whitespace_cow(value)
}

/// Writes `value` escaped for a cell of `kind` to `out`.
fn escape_text_into(out: &mut String, value: &str, kind: ContainerKind) {
    let value = one_line(value);
    match kind {
        ContainerKind::Html => {
            html_escape::encode_text_to_string(&value, out);
        }
        ContainerKind::Pipe | ContainerKind::List => {
            for c in value.chars() {
                match c {
                    // GFM splits cells before anything else and counts any `|` after a
                    // backslash as escaped, so a literal backslash becomes an entity: `\\|`
                    // would swallow the cell's closing pipe.
                    '\\' => out.push_str("&#92;"),
                    // `|` would split the cell; the rest would turn into Markdown markup.
                    '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
        }
    }
}

/// Writes the link for `key` to `out`: `<a href="URL">KEY</a>` or `[KEY](URL)`.
fn link_into(out: &mut String, key: &str, url: &str, kind: ContainerKind) {
    match kind {
        ContainerKind::Html => {
            out.push_str("<a href=\"");
            html_escape::encode_double_quoted_attribute_to_string(url, out);
            out.push_str("\">");
            out.push_str(key);
            out.push_str("</a>");
        }
        ContainerKind::Pipe | ContainerKind::List => {
            out.push('[');
            out.push_str(key);
            out.push_str("](");
            for c in url.chars() {
                // Characters that would end the destination or split the cell, percent-encoded.
                match c {
                    ' ' => out.push_str("%20"),
                    '(' => out.push_str("%28"),
                    ')' => out.push_str("%29"),
                    '<' => out.push_str("%3C"),
                    '>' => out.push_str("%3E"),
                    '|' => out.push_str("%7C"),
                    c if c.is_control() => {}
                    c => out.push(c),
                }
            }
            out.push(')');
        }
    }
}

/// What a value written over `span` needs after it.
///
/// An empty pipe cell's span sits after its first padding space. With a single space (`| |`) the
/// value would touch the closing pipe, so it gets a space after it; a cell without padding (`||`,
/// the compact style) gets none, matching its row. Emptying a row's last cell when the row has no
/// closing pipe (`| a | b`) needs one, or the row would have a cell fewer.
fn after_value(text: &str, span: &Span, kind: ContainerKind, value_is_empty: bool) -> After {
    if kind != ContainerKind::Pipe {
        return After::Nothing;
    }
    let bytes = text.as_bytes();
    let next = bytes[span.end.min(bytes.len())..]
        .iter()
        .find(|&&b| b != b' ' && b != b'\t');
    if value_is_empty && !span.is_empty() && next != Some(&b'|') {
        return After::Pipe;
    }
    if span.is_empty()
        && !value_is_empty
        && bytes.get(span.start.wrapping_sub(1)) == Some(&b' ')
        && bytes.get(span.end) == Some(&b'|')
    {
        After::Space
    } else {
        After::Nothing
    }
}

/// Splices planned so far, a call of [`add`] at a time, and which item's link and status an
/// edit has claimed (two bits per item: a big report's edits are planned a row at a time and
/// only the splices that change bytes are kept, not the edits).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    splices: Splices,
    /// Per item: whether a link edit and a status edit have been planned.
    seen: Vec<bool>,
    /// A status escaped, before it goes into a marker or a lozenge (one buffer for every row).
    escaped: String,
}

/// The report a [`Pending`] plan is made against. Its items are its compact records, an edited
/// row's decoded when its edits are planned (a report's edits never decode all its items).
pub(crate) struct Target<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
    pub(crate) kind: ContainerKind,
    pub(crate) items: &'a super::packed::ItemStore,
    pub(crate) known: &'a KnownStatuses,
    /// Whether the text is Confluence storage format.
    pub(crate) storage: bool,
}

/// Works out the splices for `edits` against `target`'s text and adds them to `pending`:
/// edits that would write what is already there are dropped. Within one call the later of two edits of an
/// item's link or status wins; across calls the first planned stays (give each row's edits in
/// one call). Returns whether any of them changes bytes. Errors name rows that are not action
/// items, keys that are not keys and edits that would make the report 4 GiB or more; on error
/// `pending` is as it was.
pub(crate) fn add(
    target: &Target<'_>,
    pending: &mut Pending,
    edits: &[Edit],
) -> Result<bool, ReportError> {
    let before = (pending.splices.list.len(), pending.splices.values.len());
    let mut claimed: Vec<usize> = Vec::new();
    let result = add_claiming(target, pending, edits, &mut claimed)
        .and_then(|()| fits_u32(target, &pending.splices));
    if result.is_err() {
        pending.splices.list.truncate(before.0);
        pending.splices.values.truncate(before.1);
        for flag in claimed {
            pending.seen[flag] = false;
        }
    }
    result.map(|()| pending.splices.list.len() > before.0)
}

/// Refuses splices whose offsets might not fit a `u32`: the new text is at most the old one,
/// every value and a padding byte per splice long, and the old text and the buffer are shorter.
fn fits_u32(target: &Target<'_>, splices: &Splices) -> Result<(), ReportError> {
    let longest = target
        .text
        .len()
        .saturating_add(splices.values.len())
        .saturating_add(splices.list.len());
    if longest < u32::MAX as usize {
        return Ok(());
    }
    Err(ReportError::Write {
        path: target.path.to_owned(),
        cause: std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            "the edits would make the report 4 GiB or more, which is not supported",
        ),
    })
}

fn add_claiming(
    target: &Target<'_>,
    pending: &mut Pending,
    edits: &[Edit],
    claimed: &mut Vec<usize>,
) -> Result<(), ReportError> {
    let &Target {
        path,
        text,
        kind,
        items,
        ..
    } = target;
    if pending.seen.is_empty() {
        pending.seen = vec![false; items.len() * 2];
    }
    let out = &mut pending.splices;
    let unknown_row = |row: usize| ReportError::UnknownRow {
        path: path.to_owned(),
        row,
    };
    let mut cells_seen: std::collections::HashSet<(usize, &str)> = std::collections::HashSet::new();
    // The item last looked up: a row's edits come together, so each is decoded once.
    let mut last: Option<(usize, usize, ActionItem)> = None;
    for edit in edits.iter().rev() {
        let row = edit.row();
        if last.as_ref().is_none_or(|(at, _, _)| *at != row) {
            let index = items.find_row(row).ok_or_else(|| unknown_row(row))?;
            last = Some((row, index, items.get(text, index)));
        }
        let Some((_, index, item)) = last.as_ref() else {
            continue;
        };
        let planned = out.list.len();
        let is_link = match edit {
            Edit::Link { .. } => true,
            Edit::Status { .. } => false,
            Edit::Cell { column, value, .. } => {
                if cells_seen.insert((row, column.as_str())) {
                    cell_splice(text, kind, item, column, value, out);
                }
                set_row(&mut out.list[planned..], row);
                continue;
            }
        };
        let flag = index * 2 + usize::from(is_link);
        if std::mem::replace(&mut pending.seen[flag], true) {
            continue;
        }
        claimed.push(flag);
        match edit {
            Edit::Link { key, url, .. } => {
                if !key::is_key(key) {
                    return Err(ReportError::InvalidKey {
                        path: path.to_owned(),
                        key: key.clone(),
                    });
                }
                link_splice(text, kind, item, key, url, out);
            }
            Edit::Status { status, .. } => {
                status_splices(target, item, status, &mut pending.escaped, out);
            }
            Edit::Cell { .. } => {}
        }
        set_row(&mut out.list[planned..], row);
    }
    Ok(())
}

/// A found row is a row of the text, so its number is below the text's length (a `u32`).
fn set_row(splices: &mut [Splice], row: usize) {
    for splice in splices {
        splice.row = offset(row);
    }
}

/// The rows whose cells `pending`'s splices write, in order, each once.
pub(crate) fn rows_written(pending: &Pending) -> Vec<usize> {
    let mut rows: Vec<usize> = pending
        .splices
        .list
        .iter()
        .map(|s| s.row as usize)
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// The splices of `pending` in the order [`splice`] takes them, overlaps dropped, pipe cells
/// padded, their buffers no larger than they hold.
pub(crate) fn finish(text: &str, kind: ContainerKind, pending: Pending) -> Splices {
    let mut splices = pending.splices;
    let list = &mut splices.list;
    // In place (a stable sort takes a scratch list of half the splices): the value's offset,
    // which grows in the order the splices were planned, settles ties as a stable sort would.
    list.sort_unstable_by_key(|s| (s.start, s.end, s.order, s.value_start));
    // Slots never overlap; should two splices ever do, the later one is dropped rather than
    // writing into bytes another splice replaces.
    let mut end = 0;
    list.retain(|s| {
        let keep = s.start >= end;
        if keep {
            end = s.end;
        }
        keep
    });
    pad_pipe_cells(text, kind, list);
    // They are held with the old text and the new one while the report is rewritten.
    list.shrink_to_fit();
    splices.values.shrink_to_fit();
    splices
}

/// The splice that makes `item`'s cell under `column` hold `value`, if its bytes change.
fn cell_splice(
    text: &str,
    kind: ContainerKind,
    item: &ActionItem,
    column: &str,
    value: &str,
    out: &mut Splices,
) {
    let Some((_, cell)) = item.extra.iter().find(|(header, _)| &**header == column) else {
        return;
    };
    if cell.text == one_line(value) {
        return;
    }
    let from = out.values.start();
    escape_text_into(out.values.text(), value, kind);
    out.push_if_changed(text, &cell.span, from, 3);
}

/// The splice that links `item` to `key`, if its bytes change.
fn link_splice(
    text: &str,
    kind: ContainerKind,
    item: &ActionItem,
    key: &str,
    url: &str,
    out: &mut Splices,
) {
    let bare_key_here = match &item.key_place {
        KeyPlace::Replace(span) => text.get(span.clone()) == Some(key),
        _ => false,
    };
    if item.key.as_deref() == Some(key) && !bare_key_here {
        // Already linked to this key by a link someone wrote: its bytes stay as they are. A
        // bare key typed where pm-sync writes keys becomes a link to the ticket.
        return;
    }
    let (span, space) = match &item.key_place {
        KeyPlace::Replace(span) => (span.clone(), false),
        KeyPlace::Insert(at) => (*at..*at, true),
        // A reference a person wrote elsewhere is theirs: pm-sync rewrites none of it.
        KeyPlace::Fixed => return,
    };
    let from = out.values.start();
    link_into(out.values.text(), key, url, kind);
    if space {
        out.values.text().push(' ');
    }
    out.push_if_changed(text, &span, from, 0);
}

/// The splices that make `item` show `status`, and tick or untick its box. `escaped` is
/// scratch space.
fn status_splices(
    target: &Target<'_>,
    item: &ActionItem,
    status: &str,
    escaped: &mut String,
    out: &mut Splices,
) {
    let &Target {
        text,
        kind,
        known,
        storage,
        ..
    } = target;
    let status = one_line(status);
    let slot = &item.status;
    if status.is_empty() && slot.form != StatusForm::Cell {
        // Only a Status cell can be emptied; a marker or bold word without text is no form.
        return;
    }
    let current = slot.current.as_ref();
    escaped.clear();
    escape_text_into(escaped, &status, kind);
    if slot.form == StatusForm::Lozenge {
        lozenge_splices(text, item, &status, escaped, known, out);
    } else {
        match current {
            Some(cell) if cell.text == status => {}
            Some(cell)
                if cell.text.is_empty()
                    || known.knows(&cell.text)
                    || slot.form == StatusForm::Bold
                    || (slot.form == StatusForm::Cell
                        && marker::is_status_placeholder(&cell.text)) =>
            {
                let from = out.values.start();
                out.values.text().push_str(escaped);
                out.push_if_changed(text, &cell.span, from, 1);
            }
            // An empty status has no marker form: a person's words stay as they are.
            _ if status.is_empty() => {}
            // No status yet, or a person's words: the status goes beside them as pm-sync's
            // marker.
            _ => {
                let from = out.values.start();
                marker::write(out.values.text(), escaped, kind);
                out.push(&(slot.append_at..slot.append_at), from, 1);
            }
        }
    }
    if let Some(checkbox) = item.checkbox {
        let was_done = current.and_then(|cell| known.is_done(&cell.text)) == Some(true);
        let tick = match known.is_done(&status) {
            Some(true) if !checkbox.checked => Some("x"),
            // Unticked only when pm-sync's own status said done: a box a person ticked stays.
            Some(false) if checkbox.checked && was_done => Some(" "),
            _ => None,
        };
        if let Some(tick) = tick {
            // A Confluence task's box is its `ac:task-status` word.
            let (span, value) = if storage {
                let old = if checkbox.checked {
                    "complete"
                } else {
                    "incomplete"
                };
                let new = if tick == "x" {
                    "complete"
                } else {
                    "incomplete"
                };
                (checkbox.at..checkbox.at + old.len(), new)
            } else {
                (checkbox.at..checkbox.at + 1, tick)
            };
            let from = out.values.start();
            out.values.text().push_str(value);
            out.push(&span, from, 2);
        }
    }
}

/// The splice that makes a lozenge slot show `status`: the lozenge (or the empty cell) is
/// replaced when it shows nothing or a status Jira knows; a lozenge a person wrote with other
/// words stays, and pm-sync's goes beside it.
fn lozenge_splices(
    text: &str,
    item: &ActionItem,
    status: &str,
    escaped: &str,
    known: &KnownStatuses,
    out: &mut Splices,
) {
    let slot = &item.status;
    let from = out.values.start();
    let lozenge = |values: &mut String| {
        super::storage::lozenge(values, escaped, known.colour(status));
    };
    match slot.current.as_ref() {
        Some(cell) if cell.text == status => {}
        Some(cell) if cell.text.is_empty() || known.knows(&cell.text) => {
            let replaced = text.get(cell.span.clone()).unwrap_or_default();
            // An empty `<p />` cell gets its paragraph back around the lozenge.
            if replaced.starts_with("<p") {
                out.values.text().push_str("<p>");
                lozenge(out.values.text());
                out.values.text().push_str("</p>");
            } else {
                lozenge(out.values.text());
            }
            out.push(&cell.span, from, 1);
        }
        _ if status.is_empty() => {}
        _ => {
            out.values.text().push(' ');
            lozenge(out.values.text());
            out.push(&(slot.append_at..slot.append_at), from, 1);
        }
    }
}

/// Gives the last value written at a place in a pipe table what keeps its row intact (see
/// [`after_value`]).
fn pad_pipe_cells(text: &str, kind: ContainerKind, splices: &mut [Splice]) {
    if kind != ContainerKind::Pipe {
        return;
    }
    for i in 0..splices.len() {
        let last_here = splices
            .get(i + 1)
            .is_none_or(|next| next.start != splices[i].end);
        if !last_here {
            continue;
        }
        // An insertion into an empty cell pads like a value written there.
        let first = (0..=i)
            .rev()
            .take_while(|&k| k == i || splices[k].end == splices[i].start)
            .last()
            .unwrap_or(i);
        let span = splices[first].start as usize..splices[i].end as usize;
        let empty = splices[first..=i]
            .iter()
            .all(|s| s.value_start == s.value_end);
        splices[i].after = after_value(text, &span, kind, empty);
    }
}

/// What [`splice`] replaced, to give the old text back: the replaced bytes in one buffer and,
/// per splice, where its value sits in the new text and how long each side is. Small (the
/// replaced keys and statuses), so an edit can let go of the old text before the new one is
/// parsed.
pub(crate) struct Undo {
    replaced: String,
    /// (start of the value in the new text, the value's length, the replaced bytes' length):
    /// `u32`s, as the new text is under 4 GiB (see [`Splice`]).
    places: Vec<(u32, u32, u32)>,
}

impl Undo {
    /// What undoes `splice(text, splices)`.
    pub(crate) fn of(text: &str, splices: &Splices) -> Undo {
        let mut replaced = String::new();
        let mut places = Vec::with_capacity(splices.list.len());
        let mut shift: isize = 0;
        for s in &splices.list {
            let start = (s.start as usize).saturating_add_signed(shift);
            let written = splices.written_len(s);
            shift += written as isize - s.span().len() as isize;
            replaced.push_str(&text[s.span()]);
            places.push((offset(start), offset(written), s.end - s.start));
        }
        Undo { replaced, places }
    }

    /// The old text, from the new one.
    pub(crate) fn apply(&self, new: &str) -> String {
        let mut out = String::with_capacity(new.len());
        let (mut at, mut from) = (0, 0);
        for &(start, new_len, old_len) in &self.places {
            let (start, new_len, old_len) = (start as usize, new_len as usize, old_len as usize);
            out.push_str(&new[at..start]);
            out.push_str(&self.replaced[from..from + old_len]);
            at = start + new_len;
            from += old_len;
        }
        out.push_str(&new[at..]);
        out
    }
}

/// A new text written front to back while its edits are still being planned: a dry run's
/// preview of 100,000 rows writes the rows planned so far and lets their values go, so the
/// preview's new text and every row's value are never held at once (they were ~1.4 times the
/// file each on short rows).
#[derive(Debug, Default)]
pub(crate) struct Written {
    /// The new text so far.
    out: String,
    /// How much of the old text is written (the end of the last splice written).
    at: usize,
    /// Whether any splice was written: if none was, no byte changes.
    changed: bool,
    /// Whether the new text is thrown away as it is written (only whether bytes change, and
    /// how lines do, is kept): a preview kept as its edits ([`Replay`]).
    discard: bool,
    /// Whether a splice written adds, removes or joins lines (a value or replaced bytes
    /// holding a line break, or an insertion inside a `\r\n`): then the new text's lines are
    /// not the old text's lines edited in place.
    reshapes_lines: bool,
    /// How much the buffer grows by at least (0: an eighth of the old text, 4 KiB to 1 MiB).
    step: usize,
}

impl Written {
    /// Writes the old text before `upto` with the splices of `pending` that start there, and
    /// lets their values go. `upto` must be at or before the first byte of every edit still to
    /// be planned (the first byte of the next item to plan, see [`first_byte`]): a splice
    /// planned later that starts before what is written is dropped, as overlapping splices
    /// are.
    pub(crate) fn write_before(
        &mut self,
        text: &str,
        kind: ContainerKind,
        pending: &mut Pending,
        upto: usize,
    ) {
        if self.step == 0 {
            self.step = (text.len() / 8).clamp(4 << 10, 1 << 20);
        }
        let splices = &mut pending.splices;
        let list = &mut splices.list;
        // Ties settled by the value's offset, which grows in the order the splices were
        // planned, as a stable sort would (see [`finish`]).
        list.sort_unstable_by_key(|s| (s.start, s.end, s.order, s.value_start));
        // Written: the splices before the first that reaches `upto` (whose padding depends on
        // what is written after it, and which would take the written text past `upto`).
        let ready = list.iter().take_while(|s| (s.end as usize) < upto).count();
        pad_pipe_cells(text, kind, &mut list[..ready]);
        for s in &list[..ready] {
            // Overlapping splices: the later one is dropped (see [`finish`]).
            if (s.start as usize) < self.at {
                continue;
            }
            let value = splices
                .values
                .get(s.value_start as usize..s.value_end as usize);
            let replaced = &text[s.span()];
            let breaks = |t: &str| t.contains(['\n', '\r']);
            let in_crlf = text.as_bytes().get(s.start as usize) == Some(&b'\n')
                && text.as_bytes().get((s.start as usize).wrapping_sub(1)) == Some(&b'\r');
            // A value written after the text's last line break would be a line of its own.
            let after_last =
                s.start as usize == text.len() && (text.is_empty() || text.ends_with(['\n', '\r']));
            self.reshapes_lines |= breaks(value) || breaks(replaced) || in_crlf || after_last;
            self.push(&text[self.at..s.start as usize]);
            self.push(value);
            self.push(s.after.as_str());
            self.at = s.end as usize;
            self.changed = true;
        }
        list.drain(..ready);
        let still_needed = list
            .iter()
            .map(|s| s.value_start as usize)
            .min()
            .unwrap_or(splices.values.len());
        splices.values.release_before(still_needed);
    }

    /// A writer that keeps nothing it writes (see [`Written::discard`]).
    pub(crate) fn discarding() -> Written {
        Written {
            discard: true,
            ..Written::default()
        }
    }

    /// Appends `part` to the new text (unless discarded). Grown a step at a time, exactly: a
    /// doubled buffer would hold most of a second copy.
    fn push(&mut self, part: &str) {
        if self.discard {
            return;
        }
        let out = &mut self.out;
        if out.capacity() - out.len() < part.len() {
            out.reserve_exact(part.len().max(self.step));
        }
        out.push_str(part);
    }

    /// Whether any byte changed so far.
    pub(crate) fn changed(&self) -> bool {
        self.changed
    }

    /// Whether a splice written so far changed the text's lines (see
    /// [`Written::reshapes_lines`]).
    pub(crate) fn reshapes_lines(&self) -> bool {
        self.reshapes_lines
    }

    /// The whole new text: every splice of `pending` written and the old text after the last;
    /// `None` when no byte changes.
    pub(crate) fn finish(
        mut self,
        text: &str,
        kind: ContainerKind,
        mut pending: Pending,
    ) -> Option<String> {
        self.write_before(text, kind, &mut pending, usize::MAX);
        if !self.changed {
            return None;
        }
        self.out.reserve_exact(text.len() - self.at);
        self.out.push_str(&text[self.at..]);
        Some(self.out)
    }
}

/// A preview's new text made again from the old text and its logged edits ([`EditLog`]),
/// front to back, a piece at a time: each call planned as the preview planned it, its values
/// let go once written. Nothing of it is kept but the piece asked for.
///
/// [`EditLog`]: super::edit_log::EditLog
pub(crate) struct Replay<'a> {
    target: Target<'a>,
    calls: Box<dyn Iterator<Item = Vec<Edit>> + 'a>,
    /// The next call to plan, with the first byte its edits may change.
    next: Option<(usize, Vec<Edit>)>,
    pending: Pending,
    written: Written,
    /// The first call that could not be planned (a preview's calls never fail: they were
    /// planned once already).
    error: Option<ReportError>,
    /// Rows whose edits changed bytes, since [`Replay::take_changed_rows`]: noted only when
    /// asked for ([`Replay::noting_changed_rows`]; a diff's replay of 100,000 rows never asks).
    changed_rows: Option<Vec<usize>>,
}

impl<'a> Replay<'a> {
    /// Replays `calls` (as logged, in order) against `target`.
    pub(crate) fn new(
        target: Target<'a>,
        calls: impl Iterator<Item = Vec<Edit>> + 'a,
    ) -> Replay<'a> {
        let mut replay = Replay {
            target,
            calls: Box::new(calls),
            next: None,
            pending: Pending::default(),
            written: Written {
                // Pieces are small (a line, or what is left): no big steps.
                step: 256,
                ..Written::default()
            },
            error: None,
            changed_rows: None,
        };
        replay.next = replay.next_call();
        replay
    }

    /// This replay, noting the rows whose edits change bytes (see
    /// [`Replay::take_changed_rows`]).
    pub(crate) fn noting_changed_rows(mut self) -> Self {
        self.changed_rows = Some(Vec::new());
        self
    }

    /// The next logged call and the first byte its rows' items start at (calls whose rows are
    /// not items cannot have been logged: they were refused when planned).
    fn next_call(&mut self) -> Option<(usize, Vec<Edit>)> {
        let items = self.target.items;
        let edits = self.calls.next()?;
        let first = edits
            .iter()
            .filter_map(|edit| {
                let index = items.find_row(edit.row())?;
                Some(first_byte(&items.get(self.target.text, index)))
            })
            .min()
            .unwrap_or(0);
        Some((first, edits))
    }

    /// Appends to `out` the new text of the old text up to `end`, which must be a place no
    /// splice spans (the start of a line, when no splice reshapes lines) and after the last
    /// `end` asked for.
    pub(crate) fn write_to(&mut self, end: usize, out: &mut String) {
        let Target { text, kind, .. } = self.target;
        // At the end of the text: every call left, and an insertion at the very end.
        let upto = if end >= text.len() { usize::MAX } else { end };
        std::mem::swap(out, &mut self.written.out);
        while let Some((first, _)) = &self.next
            && *first < upto
        {
            let first = *first;
            let Some((_, edits)) = self.next.take() else {
                break;
            };
            self.written
                .write_before(text, kind, &mut self.pending, first);
            if first < self.written.at {
                // Its bytes are written already: calls must come in order of row (a bug of
                // the caller's, said rather than leaving the edits out unseen).
                self.error.get_or_insert(ReportError::Write {
                    path: self.target.path.to_owned(),
                    cause: std::io::Error::other(format!(
                        "edits of row {} came after a later row's",
                        edits.first().map_or(0, Edit::row)
                    )),
                });
            }
            match add(&self.target, &mut self.pending, &edits) {
                Ok(true) => {
                    if let Some(changed) = self.changed_rows.as_mut() {
                        changed.extend(edits.first().map(Edit::row));
                    }
                }
                Ok(false) => {}
                Err(error) => {
                    self.error.get_or_insert(error);
                }
            }
            self.next = self.next_call();
        }
        self.written
            .write_before(text, kind, &mut self.pending, upto);
        // Never past a splice still to write (none, when `end` is where no splice is).
        let end = (self.pending.splices.list.iter())
            .map(|s| s.start as usize)
            .fold(end.min(text.len()), usize::min);
        let from = self.written.at.min(end);
        self.written.push(&text[from..end]);
        self.written.at = self.written.at.max(end);
        std::mem::swap(out, &mut self.written.out);
    }

    /// Whether any byte changed so far.
    pub(crate) fn changed(&self) -> bool {
        self.written.changed()
    }

    /// The rows whose edits changed bytes since the last call, in order (none unless
    /// [`Replay::noting_changed_rows`]).
    pub(crate) fn take_changed_rows(&mut self) -> Vec<usize> {
        self.changed_rows
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// The first error planning a call met, if any (the call's edits were left out).
    pub(crate) fn take_error(&mut self) -> Option<ReportError> {
        self.error.take()
    }
}

/// The first byte of `item` an edit can change: a preview written up to here before the
/// item's edits are planned has written only what earlier items' edits change.
pub(crate) fn first_byte(item: &ActionItem) -> usize {
    let insert_key = match item.key_place {
        KeyPlace::Insert(at) => Some(at),
        _ => None,
    };
    super::packed::spans(item)
        .map(|span| span.start)
        .chain(insert_key)
        .chain([item.status.append_at])
        .chain(item.checkbox.map(|checkbox| checkbox.at))
        .min()
        .unwrap_or(0)
}

/// Writes `text` with `splices` (sorted, not overlapping) applied, in one pass from the front.
pub(crate) fn splice(text: &str, splices: &Splices) -> String {
    let grown: usize = splices.list.iter().map(|s| splices.written_len(s)).sum();
    let shrunk: usize = splices.list.iter().map(|s| s.span().len()).sum();
    let mut out = String::with_capacity((text.len() + grown).saturating_sub(shrunk));
    let mut at = 0;
    for s in &splices.list {
        out.push_str(&text[at..s.start as usize]);
        out.push_str(splices.value(s));
        out.push_str(s.after.as_str());
        at = s.end as usize;
    }
    out.push_str(&text[at..]);
    out
}

/// Applies `splices` (sorted, not overlapping) to `text` where it is, as [`splice`] would: the
/// bytes between splices are moved within the one buffer (grown once, when the text grows),
/// so a big report is never held twice while it is rewritten.
pub(crate) fn splice_in_place(text: &mut String, splices: &Splices) {
    let growth = |s: &Splice| splices.written_len(s) as isize - s.span().len() as isize;
    let moved = |at: usize, by: isize| at.checked_add_signed(by).expect("within the text");
    let old_len = text.len();
    let total: isize = splices.list.iter().map(growth).sum();
    let new_len = moved(old_len, total);
    let mut bytes = std::mem::take(text).into_bytes();
    if new_len > old_len {
        // Exactly: a doubled buffer would hold most of a second copy after all.
        bytes.reserve_exact(new_len - old_len);
        bytes.resize(new_len, 0);
    }
    // Kept segment k is the text between splice k-1 and splice k (the last one runs to the
    // end); it moves by the growth of the splices before it. Destinations keep the segments'
    // order, so a destination never overlaps the source of a segment still to move when the
    // segments moving left go first, front to back, and those moving right next, back to
    // front. The values are written once every segment is in place.
    let segment = |k: usize| {
        let start = k.checked_sub(1).map_or(0, |p| splices.list[p].end as usize);
        let end = splices.list.get(k).map_or(old_len, |s| s.start as usize);
        start..end
    };
    let count = splices.list.len() + 1;
    let mut shift = 0;
    for k in 0..count {
        if shift < 0 {
            let from = segment(k);
            let to = moved(from.start, shift);
            bytes.copy_within(from, to);
        }
        if let Some(s) = splices.list.get(k) {
            shift += growth(s);
        }
    }
    for k in (0..count).rev() {
        if shift > 0 {
            let from = segment(k);
            let to = moved(from.start, shift);
            bytes.copy_within(from, to);
        }
        if let Some(before) = k.checked_sub(1) {
            shift -= growth(&splices.list[before]);
        }
    }
    for s in &splices.list {
        // The value goes where the segment before it ends, moved as that segment was.
        let mut to = moved(s.start as usize, shift);
        for part in [splices.value(s), s.after.as_str()] {
            bytes[to..to + part.len()].copy_from_slice(part.as_bytes());
            to += part.len();
        }
        shift += growth(s);
    }
    bytes.truncate(new_len);
    // Whole values replaced whole spans, at character boundaries: still UTF-8.
    *text = String::from_utf8(bytes).expect("splices keep UTF-8");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str, kind: ContainerKind) -> String {
        let mut out = String::new();
        escape_text_into(&mut out, value, kind);
        out
    }

    fn link(key: &str, url: &str, kind: ContainerKind) -> String {
        let mut out = String::new();
        link_into(&mut out, key, url, kind);
        out
    }

    /// Splices writing each value over its span, in the order given.
    fn planned(values: &[(Span, &str)]) -> Splices {
        let mut splices = Splices::default();
        for (span, value) in values {
            let from = splices.values.start();
            splices.values.text().push_str(value);
            splices.push(span, from, 0);
        }
        splices
    }

    #[test]
    fn splicing_in_place_or_consuming_writes_what_a_copy_writes_whatever_way_the_bytes_move() {
        // Splices that grow, shrink, insert, delete and keep the length, in every mix: each
        // combination of four places a text is cut at, each given each kind of value.
        let text = "| Item one | |\n| Ünïcode two | Open |\n| Three | Done |\n";
        let cuts = [
            (2, 10),
            (13, 13),
            (16, 29),
            (32, 36),
            (39, 39),
            (41, 46),
            (49, 53),
        ];
        let values = [
            "",
            "X",
            "[OPS-1](https://jira.example/browse/OPS-1)",
            "ab",
            "é",
        ];
        let mut checked = 0;
        for mask in 0u32..(1 << cuts.len()) {
            for choice in 0..values.len() {
                let chosen: Vec<(Span, &str)> = cuts
                    .iter()
                    .enumerate()
                    .filter(|(n, _)| mask & (1 << n) != 0)
                    .map(|(n, &(start, end))| (start..end, values[(choice + n) % values.len()]))
                    .collect();
                if chosen.iter().any(|(span, _)| {
                    !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end)
                }) {
                    continue;
                }
                let mut splices = planned(&chosen);
                // Some values padded after, as pipe cells are.
                for (n, s) in splices.list.iter_mut().enumerate() {
                    s.after = match (n + choice) % 3 {
                        0 => After::Nothing,
                        1 => After::Space,
                        _ => After::Pipe,
                    };
                }
                let mut in_place = text.to_owned();
                splice_in_place(&mut in_place, &splices);
                let copied = splice(text, &splices);
                assert_eq!(in_place, copied, "{chosen:?}");
                // Written front to back with a cut anywhere: what is before it first.
                for upto in [0, 14, 30, 41, text.len()] {
                    let mut pending = Pending {
                        splices: planned(&chosen),
                        ..Pending::default()
                    };
                    for (n, s) in pending.splices.list.iter_mut().enumerate() {
                        s.after = splices.list[n].after;
                    }
                    let mut written = Written::default();
                    written.write_before(text, ContainerKind::Html, &mut pending, upto);
                    let whole = written.finish(text, ContainerKind::Html, pending);
                    assert_eq!(
                        whole.as_deref(),
                        Some(&*copied).filter(|_| !chosen.is_empty()),
                        "{chosen:?} cut at {upto}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 300, "{checked}");
    }

    #[test]
    fn a_pending_splice_is_a_few_offsets() {
        // Each row of a big report holds two or three of them until the rewrite: their values
        // live in one buffer, not in a `String` each.
        assert!(std::mem::size_of::<Splice>() <= 24);
    }

    #[test]
    fn undoing_splices_gives_back_the_text() {
        let text = "| a | b |\n| c |  |\n";
        let splices = planned(&[(2..3, "[OPS-1](u) a"), (6..7, ""), (16..16, "Done")]);
        let edited = splice(text, &splices);
        assert_eq!(edited, "| [OPS-1](u) a |  |\n| c | Done |\n");
        assert_eq!(Undo::of(text, &splices).apply(&edited), text);
    }

    #[test]
    fn pipe_values_escape_what_markdown_would_read() {
        assert_eq!(escaped("a | b", ContainerKind::Pipe), "a \\| b");
        assert_eq!(escaped("a\\", ContainerKind::Pipe), "a&#92;");
        assert_eq!(escaped("In\nProgress", ContainerKind::Pipe), "In Progress");
        assert_eq!(escaped("R&D <x>", ContainerKind::Html), "R&amp;D &lt;x&gt;");
    }

    #[test]
    fn only_single_space_pipe_cells_get_padding() {
        let after = |text: &str, span: Span| after_value(text, &span, ContainerKind::Pipe, false);
        assert_eq!(after("|a||", 3..3), After::Nothing);
        assert_eq!(after("| a |  |", 6..6), After::Nothing);
        assert_eq!(after("| a | |", 6..6), After::Space);
        assert_eq!(
            after_value("| a | |", &(6..6), ContainerKind::Html, false),
            After::Nothing
        );
    }

    #[test]
    fn emptying_a_last_cell_without_a_closing_pipe_adds_one() {
        assert_eq!(
            after_value("| a | b", &(6..7), ContainerKind::Pipe, true),
            After::Pipe
        );
        assert_eq!(
            after_value("| a | b |", &(6..7), ContainerKind::Pipe, true),
            After::Nothing
        );
        assert_eq!(
            after_value("| a | b", &(6..7), ContainerKind::Pipe, false),
            After::Nothing
        );
    }

    #[test]
    fn links_quote_what_would_break_them() {
        assert_eq!(
            link(
                "OPS-1",
                "https://x/browse/OPS-1?a=1&b=\"",
                ContainerKind::Html
            ),
            "<a href=\"https://x/browse/OPS-1?a=1&amp;b=&quot;\">OPS-1</a>"
        );
        assert_eq!(
            link("OPS-1", "https://x/a b|(c)", ContainerKind::Pipe),
            "[OPS-1](https://x/a%20b%7C%28c%29)"
        );
    }
}

/// Many rows' edits planned into one buffer write what the engine always wrote.
#[cfg(test)]
mod many_rows {
    use std::path::Path;

    use crate::report::{Edit, EditPlan, KnownStatuses, Report, ReportError, ReportOptions};

    fn link(row: usize, key: &str, url: &str) -> Edit {
        Edit::Link {
            row,
            key: key.to_owned(),
            url: url.to_owned(),
        }
    }

    fn status(row: usize, status: &str) -> Edit {
        Edit::Status {
            row,
            status: status.to_owned(),
        }
    }

    fn owner(row: usize, value: &str) -> Edit {
        Edit::Cell {
            row,
            column: "Owner".to_owned(),
            value: value.to_owned(),
        }
    }

    /// `doc` as a file, or as a Confluence page's storage format when `page` is set.
    fn parse(doc: &str, page: bool) -> Report {
        let options = ReportOptions::default();
        let mut report = if page {
            Report::parse_storage(
                Path::new("confluence:1"),
                doc.to_owned(),
                "Outage",
                &options,
            )
        } else {
            Report::parse(Path::new("pm.md"), doc.as_bytes().to_vec(), &options)
        }
        .expect("parses");
        let mut known = KnownStatuses::default();
        known.insert("To Do", false);
        known.insert("In Progress", false);
        known.insert("Done", true);
        known.set_colour("In Progress", "Blue");
        report.set_known_statuses(known);
        report
    }

    /// `rows`' edits planned into one plan (last row first) and applied in one rewrite, and
    /// applied a row at a time: both texts.
    fn rewrites(doc: &str, page: bool, rows: &[Vec<Edit>]) -> (String, String) {
        let mut together = parse(doc, page);
        let mut plan = EditPlan::default();
        for edits in rows.iter().rev() {
            together.plan_edits(&mut plan, edits).expect("plans");
        }
        together.apply_plan(plan).expect("applies");
        let mut one_by_one = parse(doc, page);
        for edits in rows {
            one_by_one.apply(edits).expect("applies");
        }
        let text = |r: &Report| String::from_utf8(r.bytes().to_vec()).expect("UTF-8");
        (text(&together), text(&one_by_one))
    }

    fn rows_of(kind_url: &str) -> Vec<Vec<Edit>> {
        vec![
            vec![
                link(1, "OPS-1", kind_url),
                status(1, "In Progress"),
                owner(1, "a | b"),
            ],
            vec![status(2, "Done"), owner(2, "back\\slash & <tag>")],
            vec![
                link(3, "OPS-333", "https://x/a b|(c)"),
                status(3, "R&D *review*"),
            ],
            vec![link(4, "OPS-4", kind_url), status(4, "To Do"), owner(4, "")],
            vec![status(5, ""), owner(5, "Ann"), link(5, "OPS-5", kind_url)],
        ]
    }

    const PIPE: &str = "## Action Items\n\n| Action Item | Owner | Status | Ticket |\n|---|---|---|---|\n| One | | | |\n| Two | Bo | In Progress | |\n| Three | | Custom words | |\n| Four | Cy | | |\n| Five |  | Done | OPS-5\n";

    const HTML: &str = "## Action Items\n\n<table>\n<tr><th>Action Item</th><th>Owner</th><th>Status</th></tr>\n<tr><td>One</td><td></td><td></td></tr>\n<tr><td>Two</td><td>Bo</td><td>To Do</td></tr>\n<tr><td>Three</td><td></td><td>Custom</td></tr>\n<tr><td>Four</td><td>Cy</td><td></td></tr>\n<tr><td>Five</td><td></td><td>Done</td></tr>\n</table>\n";

    const LIST: &str = "## Action Items\n\n- [ ] One\n- [ ] Two · *In Progress*\n- [x] Three\n- [ ] Four\n- [x] Five · *Done*\n";

    #[test]
    fn many_rows_planned_together_write_what_each_row_alone_writes() {
        // What the engine wrote when each value was a `String` of its own.
        let pipe_written = "## Action Items\n\n| Action Item | Owner | Status | Ticket |\n|---|---|---|---|\n| One | a \\| b | In Progress | [OPS-1](https://x/browse/OPS-1) |\n| Two | back&#92;slash \\& \\<tag\\> | Done | |\n| Three | | Custom words · *R\\&D \\*review\\** | [OPS-333](https://x/a%20b%7C%28c%29) |\n| Four |  | To Do | [OPS-4](https://x/browse/OPS-1) |\n| Five | Ann |  | [OPS-5](https://x/browse/OPS-1)\n";
        let html_written = "## Action Items\n\n<table>\n<tr><th>Action Item</th><th>Owner</th><th>Status</th></tr>\n<tr><td><a href=\"https://x/browse/OPS-1?a=1&amp;b=&quot;\">OPS-1</a> One</td><td>a | b</td><td>In Progress</td></tr>\n<tr><td>Two</td><td>back\\slash &amp; &lt;tag&gt;</td><td>Done</td></tr>\n<tr><td><a href=\"https://x/a b|(c)\">OPS-333</a> Three</td><td></td><td>Custom · <em>R&amp;D *review*</em></td></tr>\n<tr><td><a href=\"https://x/browse/OPS-1?a=1&amp;b=&quot;\">OPS-4</a> Four</td><td></td><td>To Do</td></tr>\n<tr><td><a href=\"https://x/browse/OPS-1?a=1&amp;b=&quot;\">OPS-5</a> Five</td><td>Ann</td><td></td></tr>\n</table>\n";
        let list_written = "## Action Items\n\n- [ ] [OPS-1](https://x/browse/OPS-1) One · *In Progress*\n- [x] Two · *Done*\n- [x] [OPS-333](https://x/a%20b%7C%28c%29) Three · *R\\&D \\*review\\**\n- [ ] [OPS-4](https://x/browse/OPS-1) Four · *To Do*\n- [x] [OPS-5](https://x/browse/OPS-1) Five · *Done*\n";
        let tasks = include_str!("../../tests/fixtures/confluence/tasks-page.xhtml");
        let table = include_str!("../../tests/fixtures/confluence/table-page.xhtml");
        for (doc, page, rows, url, written) in [
            (PIPE, false, 5, "https://x/browse/OPS-1", Some(pipe_written)),
            (
                HTML,
                false,
                5,
                "https://x/browse/OPS-1?a=1&b=\"",
                Some(html_written),
            ),
            (LIST, false, 5, "https://x/browse/OPS-1", Some(list_written)),
            (tasks, true, 3, "https://x/browse/OPS-1", None),
            (table, true, 2, "https://x/browse/OPS-1", None),
        ] {
            let edits: Vec<Vec<Edit>> = rows_of(url).into_iter().take(rows).collect();
            let (together, one_by_one) = rewrites(doc, page, &edits);
            assert_eq!(together, one_by_one);
            assert_ne!(together, doc);
            if let Some(written) = written {
                assert_eq!(together, written);
            }
        }
    }

    #[test]
    fn a_refused_row_leaves_the_plan_as_it_was() {
        let report = parse(PIPE, false);
        let url = "https://x/browse/OPS-1";
        let mut plan = EditPlan::default();
        let first = [link(1, "OPS-1", url), status(1, "In Progress")];
        assert!(report.plan_edits(&mut plan, &first).expect("plans"));
        let list = plan.pending.splices.list.clone();
        let values = plan.pending.splices.values.clone();
        // Planned last to first: the cell and the status are written into the buffer before
        // the key is refused.
        let refused = [
            link(2, "not a key", url),
            status(2, "Blocked | x"),
            owner(2, "Zed"),
        ];
        let error = report.plan_edits(&mut plan, &refused);
        assert!(
            matches!(error, Err(ReportError::InvalidKey { .. })),
            "{error:?}"
        );
        assert_eq!(plan.pending.splices.list, list);
        assert_eq!(plan.pending.splices.values, values);
        // Row 2's status was not claimed by the refused edits.
        assert!(
            report
                .plan_edits(&mut plan, &[status(2, "Done")])
                .expect("plans")
        );
        let mut planned = report;
        planned.apply_plan(plan).expect("applies");
        let mut applied = parse(PIPE, false);
        applied.apply(&first).expect("applies");
        applied.apply(&[status(2, "Done")]).expect("applies");
        assert_eq!(planned.bytes(), applied.bytes());
    }
}
