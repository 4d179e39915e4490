//! Recognising Jira issue keys (`[A-Z][A-Z0-9_]+-[0-9]+`) in cell text and at the start of a cell.
//!
//! A private matcher rather than `jira::model::IssueKey`: the report module never imports Jira.

/// Length in bytes of the key starting exactly at the start of `s`, if one does.
///
/// The key must end at a word boundary, so `OPS-12a` and `OPS-12_x` are not keys.
pub(crate) fn key_len_at(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if !bytes.first()?.is_ascii_uppercase() {
        return None;
    }
    let project = 1 + bytes[1..]
        .iter()
        .take_while(|&&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        .count();
    if project < 2 || bytes.get(project) != Some(&b'-') {
        return None;
    }
    let digits = bytes[project + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let end = project + 1 + digits;
    match s[end..].chars().next() {
        Some(c) if c.is_alphanumeric() || c == '_' => None,
        _ => Some(end),
    }
}

/// Whether `s` is exactly one issue key.
pub(crate) fn is_key(s: &str) -> bool {
    key_len_at(s) == Some(s.len())
}

/// The first key in `text` that starts at a word boundary.
pub(crate) fn find_key(text: &str) -> Option<&str> {
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        let boundary = previous.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '-'));
        if boundary
            && c.is_ascii_uppercase()
            && let Some(len) = key_len_at(&text[at..])
        {
            return Some(&text[at..at + len]);
        }
        previous = Some(c);
    }
    None
}

/// A key written at the start of a cell's raw content: bare (`OPS-12`), as an HTML link
/// (`<a href="…">OPS-12</a>`) or as a Markdown link (`[OPS-12](…)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyPrefix {
    /// Bytes of the whole prefix (link included) relative to the raw content.
    pub(crate) range: std::ops::Range<usize>,
    /// The key.
    pub(crate) key: String,
}

/// Finds a key written at the start of `raw` (leading whitespace allowed).
pub(crate) fn key_prefix(raw: &str) -> Option<KeyPrefix> {
    let start = raw.len() - raw.trim_start().len();
    let rest = &raw[start..];
    let found = if let Some(len) = key_len_at(rest) {
        Some((len, &rest[..len]))
    } else if rest.starts_with('[') {
        markdown_link_key(rest)
    } else if rest.len() > 2 && rest.as_bytes()[..2].eq_ignore_ascii_case(b"<a") {
        html_link_key(rest)
    } else {
        None
    };
    found.map(|(len, key)| KeyPrefix {
        range: start..start + len,
        key: key.to_owned(),
    })
}

/// `[KEY](destination)` at the start of `s`: (length, key).
fn markdown_link_key(s: &str) -> Option<(usize, &str)> {
    let inner = &s[1..];
    let len = key_len_at(inner)?;
    let after = &inner[len..];
    let destination = after.strip_prefix("](")?;
    let close = destination.find(')')?;
    Some((1 + len + 2 + close + 1, &inner[..len]))
}

/// `<a …>KEY</a>` at the start of `s` (tag names in any case): (length, key).
fn html_link_key(s: &str) -> Option<(usize, &str)> {
    let after_name = s.as_bytes().get(2)?;
    if !(after_name.is_ascii_whitespace() || *after_name == b'>') {
        return None;
    }
    let open_end = s.find('>')? + 1;
    let text = &s[open_end..];
    let len = key_len_at(text)?;
    let close = &text[len..];
    if close.len() >= 4 && close.as_bytes()[..4].eq_ignore_ascii_case(b"</a>") {
        Some((open_end + len + 4, &text[..len]))
    } else {
        None
    }
}

/// `text` without a leading key and the separator (`—`, `–`, `-`, `:`) that follows it.
pub(crate) fn strip_key_prefix(text: &str) -> &str {
    let Some(len) = key_len_at(text) else {
        return text;
    };
    let rest = text[len..].trim_start();
    let rest = ["—", "–", "-", ":"]
        .iter()
        .find_map(|separator| rest.strip_prefix(separator))
        .unwrap_or(rest);
    rest.trim_start()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_need_a_two_character_project_and_a_word_boundary() {
        assert_eq!(key_len_at("OPS-12 x"), Some(6));
        assert_eq!(key_len_at("O-12"), None);
        assert_eq!(key_len_at("OPS-12a"), None);
        assert_eq!(key_len_at("A_1-9"), Some(5));
        assert_eq!(key_len_at("ops-12"), None);
        assert_eq!(find_key("see OPS-3."), Some("OPS-3"));
        assert_eq!(find_key("XOPS-3"), Some("XOPS-3"));
        assert_eq!(find_key("x-OPS-3"), None);
    }

    #[test]
    fn prefixes_are_bare_keys_or_links_whose_text_is_a_key() {
        assert_eq!(key_prefix(" OPS-1 — a").map(|p| p.range), Some(1..6));
        let link = "[OPS-1](https://x/browse/OPS-1) a";
        assert_eq!(key_prefix(link).map(|p| p.range), Some(0..31));
        let html = "<A HREF=\"u\">OPS-1</A> a";
        assert_eq!(key_prefix(html).map(|p| p.range), Some(0..21));
        assert_eq!(key_prefix("<abbr>OPS-1</abbr>"), None);
        assert_eq!(key_prefix("Fix OPS-1"), None);
    }

    #[test]
    fn the_separator_after_a_key_goes_with_it() {
        assert_eq!(strip_key_prefix("OPS-1 — Add"), "Add");
        assert_eq!(strip_key_prefix("OPS-1: Add"), "Add");
        assert_eq!(strip_key_prefix("OPS-1 - Add"), "Add");
        assert_eq!(strip_key_prefix("OPS-1 Add"), "Add");
        assert_eq!(strip_key_prefix("Add OPS-1"), "Add OPS-1");
    }
}
