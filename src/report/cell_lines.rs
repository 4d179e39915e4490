//! Several action items in one table cell, one per line: lines separated by `<br>` (a
//! "Field | Value" table's `Follow-up tasks` cell, or an `Actions` cell grouping items per
//! area). Each line is an item of its own, with its own key place and status marker, written
//! as in a list item: the key before the line's text, the status after it.

use super::list;
use super::model::{Checkbox, ContainerKind, Span};
use super::table::collapse_whitespace;

/// One line of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// The line's text bytes (after any bullet or typed box).
    pub(crate) head: Span,
    /// As a reader sees it.
    pub(crate) text: String,
    /// A box typed as text (`[ ]`, `[x]`) before it.
    pub(crate) checkbox: Option<Checkbox>,
}

/// Where `<br>` tags are in `raw`: (start, end) of each.
fn breaks(raw: &str) -> Vec<(usize, usize)> {
    let bytes = raw.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = raw[at..].find('<') {
        let start = at + i;
        let is_br = bytes.len() >= start + 3
            && bytes[start + 1..start + 3].eq_ignore_ascii_case(b"br")
            && bytes
                .get(start + 3)
                .is_some_and(|&b| matches!(b, b'>' | b'/' | b' ' | b'\t'));
        if is_br && let Some(close) = raw[start..].find('>') {
            found.push((start, start + close + 1));
            at = start + close + 1;
        } else {
            at = start + 1;
        }
    }
    found
}

/// The lines of the cell at `span` when it holds at least two separated by `<br>`; none
/// otherwise.
pub(crate) fn split(text: &str, span: &Span, kind: ContainerKind) -> Vec<Line> {
    let raw = &text[span.clone()];
    let tags = breaks(raw);
    if tags.is_empty() {
        return Vec::new();
    }
    let mut pieces = Vec::with_capacity(tags.len() + 1);
    let mut from = 0;
    for (start, end) in &tags {
        pieces.push(from..*start);
        from = *end;
    }
    pieces.push(from..raw.len());
    let lines: Vec<Line> = pieces
        .into_iter()
        .filter_map(|piece| line(text, span.start + piece.start..span.start + piece.end, kind))
        .collect();
    if lines.len() < 2 { Vec::new() } else { lines }
}

/// The cell at `span` as items: its lines, or the whole cell as one line.
pub(crate) fn lines_or_whole(text: &str, span: &Span, kind: ContainerKind) -> Vec<Line> {
    let lines = split(text, span, kind);
    if !lines.is_empty() {
        return lines;
    }
    line(text, span.clone(), kind).into_iter().collect()
}

/// One piece between breaks as a line, unless it is empty, a label, a question or a
/// placeholder.
fn line(text: &str, piece: Span, kind: ContainerKind) -> Option<Line> {
    let raw = &text[piece.clone()];
    let lead = raw.len() - raw.trim_start().len();
    let mut start = piece.start + lead;
    let mut end = piece.start + raw.trim_end().len();
    // Block tags at the start (`<p>`, `<li>`) are not the line's text; a link is.
    while kind.is_html() {
        let rest = text[start..end].to_ascii_lowercase();
        let block = [
            "<p", "</p", "<div", "</div", "<li", "</li", "<ul", "</ul", "<ol", "</ol",
        ]
        .iter()
        .any(|tag| {
            rest.starts_with(tag)
                && rest[tag.len()..].starts_with(|c: char| c == '>' || c.is_whitespace())
        });
        match rest.find('>') {
            Some(close) if block => {
                start += close + 1;
                start += text[start..end].len() - text[start..end].trim_start().len();
            }
            _ => break,
        }
    }
    end = start + super::marker::text_end(&text[start..end]);
    for bullet in ["- ", "* ", "• ", "· "] {
        if text[start..end].starts_with(bullet) {
            start += bullet.len();
        }
    }
    let mut checkbox = None;
    let body = &text[start..end];
    if body.len() > 3
        && body.starts_with('[')
        && matches!(&body[1..3], " ]" | "x]" | "X]")
        && body[3..].starts_with(char::is_whitespace)
    {
        checkbox = Some(Checkbox {
            at: start + 1,
            checked: &body[1..2] != " ",
        });
        start += 3;
        start += text[start..end].len() - text[start..end].trim_start().len();
    }
    let reader = reader_text(&text[start..end]);
    if reader.is_empty() || list::is_label(&reader) || list::is_question(&reader) {
        return None;
    }
    if checkbox.is_none() && list::is_filler(&reader) {
        return None;
    }
    Some(Line {
        head: start..end,
        text: reader,
        checkbox,
    })
}

/// The text of a line as a reader sees it: tags and emphasis markers dropped, a link's text
/// kept, entities decoded, whitespace collapsed.
fn reader_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(close) = rest.find('>')
        {
            rest = &rest[close + 1..];
            continue;
        }
        if c == ']'
            && rest[1..].starts_with('(')
            && let Some(close) = rest.find(')')
        {
            rest = &rest[close + 1..];
            continue;
        }
        if c == '\\' && rest.len() > 1 {
            let next = rest[1..].chars().next().unwrap_or(' ');
            out.push(next);
            rest = &rest[1 + next.len_utf8()..];
            continue;
        }
        if !matches!(c, '*' | '`' | '[') && !(c == '_' && (out.is_empty() || out.ends_with(' '))) {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    collapse_whitespace(&html_escape::decode_html_entities(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_a_cell() {
        let text = "| a | [x] Restore **it**<br>[ ] Alert on [spikes](http://x)<br/>Notes: |";
        let span = 6..text.len() - 2;
        let lines = split(text, &span, ContainerKind::Pipe);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Restore it", "Alert on spikes"]);
        assert_eq!(lines[0].checkbox.map(|c| c.checked), Some(true));
        assert_eq!(&text[lines[1].head.clone()], "Alert on [spikes](http://x)");
        assert!(split("| one line |", &(2..10), ContainerKind::Pipe).is_empty());
    }
}
