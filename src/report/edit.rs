//! The one edit engine for every kind of item container: each [`Edit`] becomes splices into the
//! places the item's reader worked out ([`KeyPlace`], [`StatusSlot`], the checkbox), values
//! escaped for the markup; nothing else is ever re-serialised. What may be overwritten is decided
//! here, once: a person's text is never replaced, only written beside.

use std::path::Path;

use super::error::ReportError;
use super::key;
use super::marker;
use super::model::{ActionItem, ContainerKind, Edit, KeyPlace, KnownStatuses, Span, StatusForm};

/// Replace `span` of the current text with `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    /// The replaced bytes (empty for an insertion).
    pub(crate) span: Span,
    /// What is written.
    pub(crate) value: String,
    /// Order among splices at the same place: the key before the status before the checkbox.
    order: u8,
    /// The body row whose cells it writes.
    row: usize,
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
    splices: Vec<Splice>,
    /// Per item: whether a link edit and a status edit have been planned.
    seen: Vec<bool>,
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
/// items and keys that are not keys; on error `pending` is as it was.
pub(crate) fn add(
    target: &Target<'_>,
    pending: &mut Pending,
    edits: &[Edit],
) -> Result<bool, ReportError> {
    let before = pending.splices.len();
    let mut claimed: Vec<usize> = Vec::new();
    let result = add_claiming(target, pending, edits, &mut claimed);
    if result.is_err() {
        pending.splices.truncate(before);
        for flag in claimed {
            pending.seen[flag] = false;
        }
    }
    result.map(|()| pending.splices.len() > before)
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
        known,
        storage,
    } = target;
    if pending.seen.is_empty() {
        pending.seen = vec![false; items.len() * 2];
    }
    let splices = &mut pending.splices;
    let unknown_row = |row: usize| ReportError::UnknownRow {
        path: path.to_owned(),
        row,
    };
    let mut cells_seen: std::collections::HashSet<(usize, &str)> = std::collections::HashSet::new();
    // The item last looked up: a row's edits come together, so each is decoded once.
    let mut last: Option<(usize, usize, ActionItem)> = None;
    for edit in edits.iter().rev() {
        let row = match edit {
            Edit::Link { row, .. } | Edit::Status { row, .. } | Edit::Cell { row, .. } => *row,
        };
        if last.as_ref().is_none_or(|(at, _, _)| *at != row) {
            let index = items.find_row(row).ok_or_else(|| unknown_row(row))?;
            last = Some((row, index, items.get(text, index)));
        }
        let Some((_, index, item)) = last.as_ref() else {
            continue;
        };
        let planned = splices.len();
        let is_link = match edit {
            Edit::Link { .. } => true,
            Edit::Status { .. } => false,
            Edit::Cell { column, value, .. } => {
                if cells_seen.insert((row, column.as_str())) {
                    cell_splice(text, kind, item, column, value, splices);
                }
                set_row(&mut splices[planned..], row);
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
                link_splice(text, kind, item, key, url, splices);
            }
            Edit::Status { status, .. } => {
                status_splices(text, kind, item, status, known, storage, splices);
            }
            Edit::Cell { .. } => {}
        }
        set_row(&mut splices[planned..], row);
    }
    Ok(())
}

fn set_row(splices: &mut [Splice], row: usize) {
    for splice in splices {
        splice.row = row;
    }
}

/// The rows whose cells `pending`'s splices write, in order, each once.
pub(crate) fn rows_written(pending: &Pending) -> Vec<usize> {
    let mut rows: Vec<usize> = pending.splices.iter().map(|s| s.row).collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// The splices of `pending` in the order [`splice`] takes them, overlaps dropped, pipe cells
/// padded.
pub(crate) fn finish(text: &str, kind: ContainerKind, pending: Pending) -> Vec<Splice> {
    let mut splices = pending.splices;
    splices.sort_by(|a, b| {
        (a.span.start, a.span.end, a.order).cmp(&(b.span.start, b.span.end, b.order))
    });
    // Slots never overlap; should two splices ever do, the later one is dropped rather than
    // writing into bytes another splice replaces.
    let mut end = 0;
    splices.retain(|s| {
        let keep = s.span.start >= end;
        if keep {
            end = s.span.end;
        }
        keep
    });
    pad_pipe_cells(text, kind, &mut splices);
    splices
}

/// The splice that makes `item`'s cell under `column` hold `value`, if its bytes change.
fn cell_splice(
    text: &str,
    kind: ContainerKind,
    item: &ActionItem,
    column: &str,
    value: &str,
    out: &mut Vec<Splice>,
) {
    let Some((_, cell)) = item.extra.iter().find(|(header, _)| &**header == column) else {
        return;
    };
    let mut escaped = String::new();
    escape_text_into(&mut escaped, value, kind);
    if cell.text == one_line(value) || text.get(cell.span.clone()) == Some(escaped.as_str()) {
        return;
    }
    out.push(Splice {
        span: cell.span.clone(),
        value: escaped,
        order: 3,
        row: 0,
    });
}

/// The splice that links `item` to `key`, if its bytes change.
fn link_splice(
    text: &str,
    kind: ContainerKind,
    item: &ActionItem,
    key: &str,
    url: &str,
    out: &mut Vec<Splice>,
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
    let mut value = String::new();
    link_into(&mut value, key, url, kind);
    let span = match &item.key_place {
        KeyPlace::Replace(span) => span.clone(),
        KeyPlace::Insert(at) => {
            value.push(' ');
            *at..*at
        }
        // A reference a person wrote elsewhere is theirs: pm-sync rewrites none of it.
        KeyPlace::Fixed => return,
    };
    if text.get(span.clone()) != Some(value.as_str()) {
        out.push(Splice {
            span,
            value,
            order: 0,
            row: 0,
        });
    }
}

/// The splices that make `item` show `status`, and tick or untick its box.
fn status_splices(
    text: &str,
    kind: ContainerKind,
    item: &ActionItem,
    status: &str,
    known: &KnownStatuses,
    storage: bool,
    out: &mut Vec<Splice>,
) {
    let status = one_line(status);
    let slot = &item.status;
    if status.is_empty() && slot.form != StatusForm::Cell {
        // Only a Status cell can be emptied; a marker or bold word without text is no form.
        return;
    }
    let current = slot.current.as_ref();
    let mut escaped = String::new();
    escape_text_into(&mut escaped, &status, kind);
    if slot.form == StatusForm::Lozenge {
        lozenge_splices(text, item, &status, &escaped, known, out);
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
                if text.get(cell.span.clone()) != Some(escaped.as_str()) {
                    out.push(Splice {
                        span: cell.span.clone(),
                        value: escaped,
                        order: 1,
                        row: 0,
                    });
                }
            }
            // An empty status has no marker form: a person's words stay as they are.
            _ if status.is_empty() => {}
            // No status yet, or a person's words: the status goes beside them as pm-sync's marker.
            _ => {
                let mut value = String::new();
                marker::write(&mut value, &escaped, kind);
                out.push(Splice {
                    span: slot.append_at..slot.append_at,
                    value,
                    order: 1,
                    row: 0,
                });
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
            out.push(Splice {
                span,
                value: value.to_owned(),
                order: 2,
                row: 0,
            });
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
    out: &mut Vec<Splice>,
) {
    let slot = &item.status;
    let mut value = String::new();
    super::storage::lozenge(&mut value, escaped, known.colour(status));
    match slot.current.as_ref() {
        Some(cell) if cell.text == status => {}
        Some(cell) if cell.text.is_empty() || known.knows(&cell.text) => {
            let replaced = text.get(cell.span.clone()).unwrap_or_default();
            // An empty `<p />` cell gets its paragraph back around the lozenge.
            if replaced.starts_with("<p") {
                value = format!("<p>{value}</p>");
            }
            out.push(Splice {
                span: cell.span.clone(),
                value,
                order: 1,
                row: 0,
            });
        }
        _ if status.is_empty() => {}
        _ => {
            out.push(Splice {
                span: slot.append_at..slot.append_at,
                value: format!(" {value}"),
                order: 1,
                row: 0,
            });
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
            .is_none_or(|next| next.span.start != splices[i].span.end);
        if !last_here {
            continue;
        }
        // An insertion into an empty cell pads like a value written there.
        let first = (0..=i)
            .rev()
            .take_while(|&k| k == i || splices[k].span.end == splices[i].span.start)
            .last()
            .unwrap_or(i);
        let span = splices[first].span.start..splices[i].span.end;
        let empty = splices[first..=i].iter().all(|s| s.value.is_empty());
        match after_value(text, &span, kind, empty) {
            After::Nothing => {}
            After::Space => splices[i].value.push(' '),
            After::Pipe => splices[i].value.push('|'),
        }
    }
}

/// What [`splice`] replaced, to give the old text back: the replaced bytes in one buffer and,
/// per splice, where its value sits in the new text and how long each side is. Small (the
/// replaced keys and statuses), so an edit can let go of the old text before the new one is
/// parsed.
pub(crate) struct Undo {
    replaced: String,
    /// (start of the value in the new text, the value's length, the replaced bytes' length).
    places: Vec<(usize, usize, usize)>,
}

impl Undo {
    /// What undoes `splice(text, splices)`.
    pub(crate) fn of(text: &str, splices: &[Splice]) -> Undo {
        let mut replaced = String::new();
        let mut places = Vec::with_capacity(splices.len());
        let mut shift: isize = 0;
        for s in splices {
            let start = s.span.start.saturating_add_signed(shift);
            shift += s.value.len() as isize - s.span.len() as isize;
            replaced.push_str(&text[s.span.clone()]);
            places.push((start, s.value.len(), s.span.len()));
        }
        Undo { replaced, places }
    }

    /// The old text, from the new one.
    pub(crate) fn apply(&self, new: &str) -> String {
        let mut out = String::with_capacity(new.len());
        let (mut at, mut from) = (0, 0);
        for &(start, new_len, old_len) in &self.places {
            out.push_str(&new[at..start]);
            out.push_str(&self.replaced[from..from + old_len]);
            at = start + new_len;
            from += old_len;
        }
        out.push_str(&new[at..]);
        out
    }
}

/// Writes `text` with `splices` (sorted, not overlapping) applied, in one pass from the front.
pub(crate) fn splice(text: &str, splices: &[Splice]) -> String {
    let grown: usize = splices.iter().map(|s| s.value.len()).sum();
    let shrunk: usize = splices.iter().map(|s| s.span.len()).sum();
    let mut out = String::with_capacity((text.len() + grown).saturating_sub(shrunk));
    let mut at = 0;
    for s in splices {
        out.push_str(&text[at..s.span.start]);
        out.push_str(&s.value);
        at = s.span.end;
    }
    out.push_str(&text[at..]);
    out
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

    #[test]
    fn undoing_splices_gives_back_the_text() {
        let text = "| a | b |\n| c |  |\n";
        let splices = vec![
            Splice {
                span: 2..3,
                value: "[OPS-1](u) a".to_owned(),
                order: 0,
                row: 0,
            },
            Splice {
                span: 6..7,
                value: String::new(),
                order: 1,
                row: 0,
            },
            Splice {
                span: 16..16,
                value: "Done".to_owned(),
                order: 1,
                row: 0,
            },
        ];
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
