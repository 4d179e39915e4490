//! The table as both readers hand it over: rows of cells with content spans and reader-visible text.

use super::model::{ContainerKind, Span};

/// One cell: where its content is, and its text with markup stripped and whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawCell {
    /// The content bytes an edit replaces.
    pub(crate) span: Span,
    /// Text as a reader sees it.
    pub(crate) text: String,
}

/// One row: where it starts (for line numbers and messages) and its cells in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRow {
    /// Bytes of the row, from its first byte to the end of its last cell.
    pub(crate) span: Span,
    /// Cells present in the file; rows may be ragged.
    pub(crate) cells: Vec<RawCell>,
}

/// A table read from the file, before its columns are given meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawTable {
    /// HTML or pipe.
    pub(crate) kind: ContainerKind,
    /// Byte offset of `<table` or of the pipe table's first line.
    pub(crate) start: usize,
    /// The header row, if the table has one.
    pub(crate) header: Option<RawRow>,
    /// Body rows in order (header, `<thead>` and `<tfoot>` rows excluded).
    pub(crate) body: Vec<RawRow>,
}

/// Collapses runs of whitespace (including non-breaking spaces) into one space and trims.
pub(crate) fn collapse_whitespace(raw: &str) -> String {
    collapse_whitespace_cow(raw).into_owned()
}

/// [`collapse_whitespace`], borrowing `raw` when it is already collapsed.
pub(crate) fn collapse_whitespace_cow(raw: &str) -> std::borrow::Cow<'_, str> {
    if is_collapsed(raw) {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    for word in raw.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `text` has no leading, trailing or repeated whitespace and no whitespace but spaces.
fn is_collapsed(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    // Most cells are printable ASCII: one pass with no branch per byte, then a search for two
    // spaces in a row.
    let unusual = bytes
        .iter()
        .fold(0u8, |seen, &b| seen | u8::from(b < b' ') | (b & 0x80));
    if unusual == 0 {
        return memchr::memmem::find(bytes, b"  ").is_none();
    }
    let mut previous_space = false;
    for (at, &b) in bytes.iter().enumerate() {
        match b {
            b' ' if previous_space => return false,
            b' ' => previous_space = true,
            b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => return false,
            // The lead bytes of non-ASCII whitespace (no-break space and friends); most
            // characters they start are not (`·`, `—`, `’`), so the character decides.
            0xc2 | 0xe1 | 0xe2 | 0xe3
                if text
                    .get(at..)
                    .and_then(|rest| rest.chars().next())
                    .is_none_or(char::is_whitespace) =>
            {
                return false;
            }
            _ => previous_space = false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn whitespace_is_collapsed_and_collapsed_text_is_borrowed() {
        for (raw, collapsed) in [
            ("a  b", "a b"),
            (" a b", "a b"),
            ("a\tb\n", "a b"),
            ("a\u{a0}\u{a0}b", "a b"),
            ("x\u{3000}y", "x y"),
        ] {
            assert_eq!(collapse_whitespace(raw), collapsed, "{raw:?}");
        }
        for already in ["a b", "OPS-1 · *To Do*", "naïve — done", ""] {
            assert!(
                matches!(collapse_whitespace_cow(already), Cow::Borrowed(_)),
                "{already:?}"
            );
        }
    }
}
