//! Splicing edits into the original bytes: each edit replaces one cell's content (or the key at
//! the start of the item cell); nothing else is ever re-serialised.

use std::path::Path;

use super::error::ReportError;
use super::key;
use super::model::{ActionItem, Edit, Span, TableKind};

/// Replace `span` of the current text with the value of `edits[edit]`, written for `target`.
///
/// Splices hold no text: the value is written straight into the new bytes, so editing every
/// row of a large report does not hold a second copy of every value.
///
/// Positions and counts are `u32` (reports over 4 GiB are refused at load): one splice per
/// edited cell is live during an apply, so its size is a visible share of the peak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    /// Start of the replaced bytes.
    pub(crate) start: u32,
    /// End of the replaced bytes.
    pub(crate) end: u32,
    /// Index of the edit in the caller's list.
    pub(crate) edit: u32,
    /// Index of the edited item in the item list.
    pub(crate) item: u32,
    /// Length in bytes of what is written.
    pub(crate) len: u32,
    /// Line breaks in the replaced bytes (a cell may span lines; values never do).
    pub(crate) line_breaks: u32,
    /// Which cell changes and how.
    pub(crate) target: Target,
    /// What follows the value.
    pub(crate) after: After,
}

impl Splice {
    /// The replaced bytes.
    pub(crate) fn span(&self) -> Span {
        self.start as usize..self.end as usize
    }

    fn value_len(&self) -> usize {
        self.len as usize
    }
}

/// The cell a splice changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The status cell's content.
    Status,
    /// The ticket cell's content.
    Ticket,
    /// The key goes in front of the item text, with a space after it.
    ItemInsert,
    /// The key replaces the key (`old_len` bytes of text) at the start of the item cell.
    ItemReplace { old_len: u32 },
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
fn one_line(value: &str) -> String {
    super::table::collapse_whitespace(value)
}

/// Writes `value` escaped for a cell of `kind` to `out`.
fn escape_text_into(out: &mut String, value: &str, kind: TableKind) {
    let value = one_line(value);
    match kind {
        TableKind::Html => {
            html_escape::encode_text_to_string(&value, out);
        }
        TableKind::Pipe => {
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
fn link_into(out: &mut String, key: &str, url: &str, kind: TableKind) {
    match kind {
        TableKind::Html => {
            out.push_str("<a href=\"");
            html_escape::encode_double_quoted_attribute_to_string(url, out);
            out.push_str("\">");
            out.push_str(key);
            out.push_str("</a>");
        }
        TableKind::Pipe => {
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

/// Writes what `edit` puts into `target` to `out`.
fn write_value(out: &mut String, edit: &Edit, target: Target, after: After, kind: TableKind) {
    match edit {
        Edit::Status { status, .. } => escape_text_into(out, status, kind),
        Edit::Link { key, url, .. } => {
            link_into(out, key, url, kind);
            if target == Target::ItemInsert {
                out.push(' ');
            }
        }
    }
    write_value_after(out, after);
}

fn write_value_after(out: &mut String, after: After) {
    match after {
        After::Nothing => {}
        After::Space => out.push(' '),
        After::Pipe => out.push('|'),
    }
}

/// What a value written over `span` needs after it.
///
/// An empty pipe cell's span sits after its first padding space. With a single space (`| |`) the
/// value would touch the closing pipe, so it gets a space after it; a cell without padding (`||`,
/// the compact style) gets none, matching its row. Emptying a row's last cell when the row has no
/// closing pipe (`| a | b`) needs one, or the row would have a cell fewer.
fn after_value(text: &str, span: &Span, kind: TableKind, value_is_empty: bool) -> After {
    if kind != TableKind::Pipe {
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

/// Works out the splices for `edits` against `text`. For a row edited twice the same way, the
/// later edit wins; edits that would write what is already there are dropped. Errors name rows
/// that are not action items and keys that are not keys.
pub(crate) fn plan(
    path: &Path,
    text: &str,
    kind: TableKind,
    items: &[ActionItem],
    edits: &[Edit],
) -> Result<Vec<Splice>, ReportError> {
    // Per item: whether a link edit and a status edit have been seen (walking from the end).
    let mut seen = vec![false; items.len() * 2];
    let mut splices = Vec::with_capacity(edits.len());
    let mut scratch = String::new();
    for (edit_index, edit) in edits.iter().enumerate().rev() {
        let (row, is_link) = match edit {
            Edit::Link { row, .. } => (*row, true),
            Edit::Status { row, .. } => (*row, false),
        };
        let index = items
            .binary_search_by_key(&row, |item| item.row)
            .map_err(|_| ReportError::UnknownRow {
                path: path.to_owned(),
                row,
            })?;
        if std::mem::replace(&mut seen[index * 2 + usize::from(is_link)], true) {
            continue;
        }
        let item = &items[index];
        let (span, target) = match edit {
            Edit::Status { status, .. } => {
                if item.status.text == one_line(status) {
                    // The cell already says it; leave its markup alone.
                    continue;
                }
                (item.status.span.clone(), Target::Status)
            }
            Edit::Link { key, .. } => {
                if !key::is_key(key) {
                    return Err(ReportError::InvalidKey {
                        path: path.to_owned(),
                        key: key.clone(),
                    });
                }
                match &item.ticket {
                    Some(ticket) => (ticket.span.clone(), Target::Ticket),
                    None => {
                        let cell = item.item.span.clone();
                        let raw = &text[cell.clone()];
                        match key::key_prefix(raw) {
                            Some(prefix) => (
                                cell.start + prefix.range.start..cell.start + prefix.range.end,
                                Target::ItemReplace {
                                    old_len: narrow(path, prefix.key.len())?,
                                },
                            ),
                            None => {
                                let at = cell.start + (raw.len() - raw.trim_start().len());
                                (at..at, Target::ItemInsert)
                            }
                        }
                    }
                }
            }
        };
        scratch.clear();
        write_value(&mut scratch, edit, target, After::Nothing, kind);
        let after = after_value(text, &span, kind, scratch.is_empty());
        write_value_after(&mut scratch, after);
        if text.get(span.clone()) == Some(scratch.as_str()) {
            continue;
        }
        let line_breaks = text[span.clone()].bytes().filter(|&b| b == b'\n').count();
        splices.push(Splice {
            start: narrow(path, span.start)?,
            end: narrow(path, span.end)?,
            edit: narrow(path, edit_index)?,
            item: narrow(path, index)?,
            len: narrow(path, scratch.len())?,
            line_breaks: narrow(path, line_breaks)?,
            target,
            after,
        });
    }
    splices.sort_by_key(|s| s.start);
    Ok(splices)
}

/// `n` as a `u32`; reports over 4 GiB are refused at load, so only an absurd value fails.
fn narrow(path: &Path, n: usize) -> Result<u32, ReportError> {
    u32::try_from(n).map_err(|_| too_large(path))
}

/// The error for a report, or an edited report, over 4 GiB.
pub(crate) fn too_large(path: &Path) -> ReportError {
    ReportError::Write {
        path: path.to_owned(),
        cause: std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            "reports over 4 GiB are not supported",
        ),
    }
}

/// Writes `text` with `splices` (sorted, not overlapping) applied, in one pass from the front;
/// equivalent to applying them from the end, without moving the tail once per edit.
pub(crate) fn splice(text: &str, splices: &[Splice], edits: &[Edit], kind: TableKind) -> String {
    let grown: usize = splices.iter().map(Splice::value_len).sum();
    let shrunk: usize = splices.iter().map(|s| s.span().len()).sum();
    let mut out = String::with_capacity((text.len() + grown).saturating_sub(shrunk));
    let mut at = 0;
    for s in splices {
        out.push_str(&text[at..s.span().start]);
        write_value(&mut out, &edits[s.edit as usize], s.target, s.after, kind);
        at = s.span().end;
    }
    out.push_str(&text[at..]);
    out
}

/// Moves byte positions of the old text to the new one, given the splices (sorted, disjoint).
struct Shift<'a> {
    splices: &'a [Splice],
    /// `growth[k]`: how many bytes the first `k` splices add (or, negative, remove).
    growth: Vec<isize>,
    /// `lines[k]`: how many line breaks the first `k` splices remove.
    lines: Vec<usize>,
}

impl<'a> Shift<'a> {
    fn new(splices: &'a [Splice]) -> Self {
        let mut growth = Vec::with_capacity(splices.len() + 1);
        let mut lines = Vec::with_capacity(splices.len() + 1);
        let (mut total, mut removed) = (0isize, 0usize);
        growth.push(0);
        lines.push(0);
        for s in splices {
            total += s.value_len() as isize - s.span().len() as isize;
            removed += s.line_breaks as usize;
            growth.push(total);
            lines.push(removed);
        }
        Shift {
            splices,
            growth,
            lines,
        }
    }

    /// Line breaks removed before byte `p` of the old text.
    fn lines_removed_before(&self, p: usize) -> usize {
        self.lines[self.splices.partition_point(|s| s.span().end <= p)]
    }

    fn moved(p: usize, by: isize) -> usize {
        p.saturating_add_signed(by)
    }

    /// Where a cell starting at `p` starts now: text inserted exactly at `p` is inside the cell.
    fn start(&self, p: usize) -> usize {
        let mut k = self.splices.partition_point(|s| s.span().end <= p);
        if k > 0 && self.splices[k - 1].span().start == p {
            k -= 1;
        }
        Self::moved(p, self.growth[k])
    }

    /// Where a cell ending at `p` ends now: text inserted exactly at `p` is inside the cell.
    fn end(&self, p: usize) -> usize {
        let k = self.splices.partition_point(|s| s.span().end <= p);
        Self::moved(p, self.growth[k])
    }

    fn span(&self, span: &Span) -> Span {
        self.start(span.start)..self.end(span.end)
    }
}

/// Brings `items` in line with `new_text`, the old text with `splices` applied, without parsing
/// again: spans move by what the splices before them added, and edited cells get the text the
/// written value reads as. Returns `false`, changing nothing, when an item does not look the way
/// the splice expected; the caller then parses `new_text` instead.
pub(crate) fn follow(
    items: &mut [ActionItem],
    splices: &[Splice],
    edits: &[Edit],
    new_text: &str,
    kind: TableKind,
) -> bool {
    // A pipe added to close a row is rare enough to leave to a fresh parse.
    let consistent = splices
        .iter()
        .all(|s| match (s.target, items.get(s.item as usize)) {
            _ if s.after == After::Pipe => false,
            (Target::ItemReplace { old_len }, Some(item)) => item
                .item
                .text
                .get(..old_len as usize)
                .is_some_and(key::is_key),
            (_, item) => item.is_some(),
        });
    if !consistent {
        return false;
    }
    let shift = Shift::new(splices);
    for item in items.iter_mut() {
        // The row starts before its first cell; only splices before that move its line.
        let first_cell = [Some(&item.item), Some(&item.status), item.ticket.as_ref()]
            .into_iter()
            .flatten()
            .chain(item.extra.iter().map(|(_, cell)| cell))
            .map(|cell| cell.span.start)
            .min()
            .unwrap_or(0);
        item.line -= shift.lines_removed_before(first_cell);
        item.item.span = shift.span(&item.item.span);
        item.status.span = shift.span(&item.status.span);
        if let Some(ticket) = item.ticket.as_mut() {
            ticket.span = shift.span(&ticket.span);
        }
        for (_, cell) in &mut item.extra {
            cell.span = shift.span(&cell.span);
        }
    }
    for s in splices {
        let item = &mut items[s.item as usize];
        match (&edits[s.edit as usize], s.target) {
            (Edit::Status { status, .. }, _) => {
                item.status.text = one_line(status);
                if kind == TableKind::Pipe {
                    item.status.span = pipe_content(new_text, &item.status.span);
                }
            }
            (Edit::Link { key, .. }, target) => {
                match target {
                    Target::Ticket => {
                        if let Some(ticket) = item.ticket.as_mut() {
                            ticket.text.clone_from(key);
                            if kind == TableKind::Pipe {
                                ticket.span = pipe_content(new_text, &ticket.span);
                            }
                        }
                    }
                    Target::ItemInsert => {
                        item.item.text = format!("{key} {}", item.item.text);
                        item.summary = super::items::summary(&item.item.text);
                    }
                    Target::ItemReplace { old_len } => {
                        item.item.text.replace_range(..old_len as usize, key);
                        item.summary = super::items::summary(&item.item.text);
                    }
                    Target::Status => {}
                }
                item.key = Some(key.clone());
            }
        }
    }
    true
}

/// The content span of the pipe cell around `span` in `text`, by the same rule the reader uses:
/// padding trimmed, an empty cell's span after its first padding space.
fn pipe_content(text: &str, span: &Span) -> Span {
    let bytes = text.as_bytes();
    let mut start = span.start;
    while start > 0 && matches!(bytes[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    let mut end = span.end;
    while end < bytes.len() && matches!(bytes[end], b' ' | b'\t') {
        end += 1;
    }
    super::pipe_table::content_span(text, &(start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str, kind: TableKind) -> String {
        let mut out = String::new();
        escape_text_into(&mut out, value, kind);
        out
    }

    fn link(key: &str, url: &str, kind: TableKind) -> String {
        let mut out = String::new();
        link_into(&mut out, key, url, kind);
        out
    }

    #[test]
    fn pipe_values_escape_what_markdown_would_read() {
        assert_eq!(escaped("a | b", TableKind::Pipe), "a \\| b");
        assert_eq!(escaped("a\\", TableKind::Pipe), "a&#92;");
        assert_eq!(escaped("In\nProgress", TableKind::Pipe), "In Progress");
        assert_eq!(escaped("R&D <x>", TableKind::Html), "R&amp;D &lt;x&gt;");
    }

    #[test]
    fn only_single_space_pipe_cells_get_padding() {
        let after = |text: &str, span: Span| after_value(text, &span, TableKind::Pipe, false);
        assert_eq!(after("|a||", 3..3), After::Nothing);
        assert_eq!(after("| a |  |", 6..6), After::Nothing);
        assert_eq!(after("| a | |", 6..6), After::Space);
        assert_eq!(
            after_value("| a | |", &(6..6), TableKind::Html, false),
            After::Nothing
        );
    }

    #[test]
    fn emptying_a_last_cell_without_a_closing_pipe_adds_one() {
        assert_eq!(
            after_value("| a | b", &(6..7), TableKind::Pipe, true),
            After::Pipe
        );
        assert_eq!(
            after_value("| a | b |", &(6..7), TableKind::Pipe, true),
            After::Nothing
        );
        assert_eq!(
            after_value("| a | b", &(6..7), TableKind::Pipe, false),
            After::Nothing
        );
    }

    #[test]
    fn links_quote_what_would_break_them() {
        assert_eq!(
            link("OPS-1", "https://x/browse/OPS-1?a=1&b=\"", TableKind::Html),
            "<a href=\"https://x/browse/OPS-1?a=1&amp;b=&quot;\">OPS-1</a>"
        );
        assert_eq!(
            link("OPS-1", "https://x/a b|(c)", TableKind::Pipe),
            "[OPS-1](https://x/a%20b%7C%28c%29)"
        );
    }
}
