//! Splicing edits into the original bytes: each edit replaces one cell's content (or the key at
//! the start of the item cell); nothing else is ever re-serialised.

use std::collections::HashSet;
use std::path::Path;

use super::error::ReportError;
use super::key;
use super::model::{ActionItem, Edit, Span, TableKind};

/// Replace `span` of the current text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    pub(crate) span: Span,
    pub(crate) text: String,
}

/// Text for one line of a cell: whitespace collapsed (a pipe cell cannot hold a line break).
fn one_line(value: &str) -> String {
    super::table::collapse_whitespace(value)
}

/// `value` escaped for a cell of `kind`.
fn escape_text(value: &str, kind: TableKind) -> String {
    let value = one_line(value);
    match kind {
        TableKind::Html => html_escape::encode_text(&value).into_owned(),
        TableKind::Pipe => {
            let mut out = String::with_capacity(value.len() + 4);
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
            out
        }
    }
}

/// The link written for `key`: `<a href="URL">KEY</a>` or `[KEY](URL)`.
pub(crate) fn link(key: &str, url: &str, kind: TableKind) -> String {
    match kind {
        TableKind::Html => format!(
            "<a href=\"{}\">{key}</a>",
            html_escape::encode_double_quoted_attribute(url)
        ),
        TableKind::Pipe => {
            let mut destination = String::with_capacity(url.len());
            for c in url.chars() {
                // Characters that would end the destination or split the cell, percent-encoded.
                match c {
                    ' ' => destination.push_str("%20"),
                    '(' => destination.push_str("%28"),
                    ')' => destination.push_str("%29"),
                    '<' => destination.push_str("%3C"),
                    '>' => destination.push_str("%3E"),
                    '|' => destination.push_str("%7C"),
                    c if c.is_control() => {}
                    c => destination.push(c),
                }
            }
            format!("[{key}]({destination})")
        }
    }
}

/// An empty pipe cell's span sits after its first padding space. With a single space (`| |`) the
/// value would touch the closing pipe, so it gets a space after it; a cell without padding (`||`,
/// the compact style) gets none, matching its row.
fn pad_empty_pipe_cell(text: &str, span: &Span, value: String) -> String {
    if !span.is_empty() || value.is_empty() {
        return value;
    }
    let before = text.as_bytes().get(span.start.wrapping_sub(1)).copied();
    let after = text.as_bytes().get(span.end).copied();
    if before == Some(b' ') && after == Some(b'|') {
        value + " "
    } else {
        value
    }
}

/// Works out the splices for `edits` against `text`. For a row edited twice the same way, the
/// later edit wins. Errors name rows that are not action items and keys that are not keys.
pub(crate) fn plan(
    path: &Path,
    text: &str,
    kind: TableKind,
    items: &[ActionItem],
    edits: &[Edit],
) -> Result<Vec<Splice>, ReportError> {
    let mut seen = HashSet::with_capacity(edits.len());
    let mut splices = Vec::with_capacity(edits.len());
    for edit in edits.iter().rev() {
        let (row, is_link) = match edit {
            Edit::Link { row, .. } => (*row, true),
            Edit::Status { row, .. } => (*row, false),
        };
        if !seen.insert((row, is_link)) {
            continue;
        }
        let item = items
            .binary_search_by_key(&row, |item| item.row)
            .ok()
            .and_then(|i| items.get(i))
            .ok_or_else(|| ReportError::UnknownRow {
                path: path.to_owned(),
                row,
            })?;
        let splice = match edit {
            Edit::Status { status, .. } => {
                if item.status.text == one_line(status) {
                    // The cell already says it; leave its markup alone.
                    continue;
                }
                let span = item.status.span.clone();
                let value = escape_text(status, kind);
                Splice {
                    text: match kind {
                        TableKind::Pipe => pad_empty_pipe_cell(text, &span, value),
                        TableKind::Html => value,
                    },
                    span,
                }
            }
            Edit::Link { key, url, .. } => {
                if !key::is_key(key) {
                    return Err(ReportError::InvalidKey {
                        path: path.to_owned(),
                        key: key.clone(),
                    });
                }
                let written = link(key, url, kind);
                match &item.ticket {
                    Some(ticket) => {
                        let span = ticket.span.clone();
                        Splice {
                            text: match kind {
                                TableKind::Pipe => pad_empty_pipe_cell(text, &span, written),
                                TableKind::Html => written,
                            },
                            span,
                        }
                    }
                    None => {
                        let cell = item.item.span.clone();
                        let raw = &text[cell.clone()];
                        match key::key_prefix(raw) {
                            Some(prefix) => Splice {
                                span: cell.start + prefix.range.start
                                    ..cell.start + prefix.range.end,
                                text: written,
                            },
                            None => {
                                let at = cell.start + (raw.len() - raw.trim_start().len());
                                Splice {
                                    span: at..at,
                                    text: written + " ",
                                }
                            }
                        }
                    }
                }
            }
        };
        splices.push(splice);
    }
    splices.retain(|s| text.get(s.span.clone()) != Some(s.text.as_str()));
    splices.sort_by_key(|s| s.span.start);
    Ok(splices)
}

/// Writes `text` with `splices` (sorted, not overlapping) applied, in one pass from the front;
/// equivalent to applying them from the end, without moving the tail once per edit.
pub(crate) fn splice(text: &str, splices: &[Splice]) -> String {
    let grown: usize = splices.iter().map(|s| s.text.len()).sum();
    let shrunk: usize = splices.iter().map(|s| s.span.len()).sum();
    let mut out = String::with_capacity((text.len() + grown).saturating_sub(shrunk));
    let mut at = 0;
    for s in splices {
        out.push_str(&text[at..s.span.start]);
        out.push_str(&s.text);
        at = s.span.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_values_escape_what_markdown_would_read() {
        assert_eq!(escape_text("a | b", TableKind::Pipe), "a \\| b");
        assert_eq!(escape_text("In\nProgress", TableKind::Pipe), "In Progress");
        assert_eq!(escape_text("R&D <x>", TableKind::Html), "R&amp;D &lt;x&gt;");
    }

    #[test]
    fn empty_pipe_cells_get_padding() {
        let text = "|a||";
        assert_eq!(pad_empty_pipe_cell(text, &(3..3), "x".into()), "x");
        let text = "| a |  |";
        assert_eq!(pad_empty_pipe_cell(text, &(6..6), "x".into()), "x");
        let text = "| a | |";
        assert_eq!(pad_empty_pipe_cell(text, &(6..6), "x".into()), "x ");
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
