//! Finding ticket references in the raw bytes of a cell or a list item: bare keys, links whose
//! text is a key, and links to `…/browse/KEY` on any host (HTML `<a>`, Markdown `[…](…)`,
//! autolinks and bare URLs), each with the bytes it covers. Which of them link an item is
//! decided by the item builder ([`super::items`]), which knows where each one sits.

use std::ops::Range;

use super::key;

/// One key-shaped reference found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The key.
    pub(crate) key: String,
    /// The bytes of the whole reference (the link, or the bare key), relative to the text.
    pub(crate) span: Range<usize>,
    /// A link to `…/browse/KEY`: a reference whatever the project.
    pub(crate) browse_link: bool,
    /// A word like `SEV-1` or `CVE-2021-29492` that only looks like a key.
    pub(crate) look_alike: bool,
}

/// Every reference in `raw`, in order. Other tags are skipped whole, so attribute values are
/// never read as keys; link texts that are not a key are not searched.
#[cfg(test)]
pub(crate) fn scan(raw: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    scan_each(raw, |reference| found.push(reference));
    found
}

/// [`scan`], handing each reference to `found` as it is found (no list is built).
pub(crate) fn scan_each(raw: &str, mut found: impl FnMut(Reference)) {
    let bytes = raw.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // Only these ASCII bytes can start a reference; skipping the others byte by byte never
        // lands inside a reference, and never slices inside a character.
        if !matches!(bytes[at], b'<' | b'[' | b'h' | b'A'..=b'Z') {
            at += 1;
            continue;
        }
        let rest = &raw[at..];
        let step = match bytes[at] {
            b'<' => html_link(rest)
                .or_else(|| autolink(rest))
                .map(|(len, reference)| {
                    if let Some(r) = reference {
                        found(r.shifted(at));
                    }
                    len
                })
                .or_else(|| tag_len(rest)),
            b'[' => markdown_link(rest).map(|(len, reference)| {
                if let Some(r) = reference {
                    found(r.shifted(at));
                }
                len
            }),
            b'h' if boundary_before(raw, at) => bare_url(rest).map(|(len, reference)| {
                if let Some(r) = reference {
                    found(r.shifted(at));
                }
                len
            }),
            b'A'..=b'Z' if boundary_before(raw, at) => key::key_len_at(rest).inspect(|&len| {
                found(Reference {
                    key: rest[..len].to_owned(),
                    span: at..at + len,
                    browse_link: false,
                    look_alike: key::is_look_alike(rest, len),
                });
            }),
            _ => None,
        };
        at += step.unwrap_or(1);
    }
}

impl Reference {
    fn shifted(mut self, by: usize) -> Self {
        self.span = self.span.start + by..self.span.end + by;
        self
    }
}

/// Whether a word may start at `at`: not inside another word, key or path.
fn boundary_before(raw: &str, at: usize) -> bool {
    raw[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | '.' | '=' | '&')))
}

/// The reference a link with `text` and `target` makes: the browse key of the target, else the
/// text when it is exactly a key.
fn link_reference(text: &str, target: &str, len: usize) -> Option<Reference> {
    if let Some(reference) = browse_reference(target, len) {
        return Some(reference);
    }
    let text = strip_markup(text);
    let text = text.trim();
    key::is_key(text).then(|| Reference {
        key: text.to_owned(),
        span: 0..len,
        browse_link: false,
        look_alike: key::is_look_alike(text, text.len()),
    })
}

/// The reference a URL of `len` bytes makes when it is a Jira browse link.
fn browse_reference(url: &str, len: usize) -> Option<Reference> {
    key::browse_key(url).map(|found| Reference {
        key: found.to_owned(),
        span: 0..len,
        browse_link: true,
        look_alike: false,
    })
}

/// Link text without tags and emphasis marks.
fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '*' | '_' | '`' if !in_tag => {}
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// `<a …>text</a>` at the start of `s`: its length and reference.
fn html_link(s: &str) -> Option<(usize, Option<Reference>)> {
    let name_end = s.as_bytes().get(2)?;
    if !s.as_bytes()[1].eq_ignore_ascii_case(&b'a')
        || !(name_end.is_ascii_whitespace() || *name_end == b'>')
    {
        return None;
    }
    let open_len = tag_len(s)?;
    let open = &s[..open_len];
    let href = attribute(open, "href").unwrap_or_default();
    let close = find_ci(&s[open_len..], "</a>")?;
    let len = open_len + close + 4;
    let decoded = html_escape::decode_html_entities(href);
    Some((
        len,
        link_reference(&s[open_len..open_len + close], &decoded, len),
    ))
}

/// The value of attribute `name` (ASCII, lower case) in a start tag, as written.
fn attribute<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let mut from = 0;
    while let Some(found) = find_ci(&tag[from..], name) {
        let at = from + found;
        from = at + name.len();
        let before_ok = tag[..at].ends_with(|c: char| c.is_ascii_whitespace());
        let rest = tag[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value = rest[1..].trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value
                .split(|c: char| c.is_ascii_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        });
    }
    None
}

/// `<https://…>` at the start of `s`.
fn autolink(s: &str) -> Option<(usize, Option<Reference>)> {
    let inner = s.strip_prefix('<')?;
    if !(inner.starts_with("http://") || inner.starts_with("https://")) {
        return None;
    }
    let end = inner.find(|c: char| c == '>' || c.is_whitespace())?;
    if inner.as_bytes()[end] != b'>' {
        return None;
    }
    let len = end + 2;
    Some((len, browse_reference(&inner[..end], len)))
}

/// A bare `http(s)://…` URL at the start of `s` (GFM autolinks), trailing punctuation excluded.
fn bare_url(s: &str) -> Option<(usize, Option<Reference>)> {
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return None;
    }
    let end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '|' | '"' | '\''))
        .unwrap_or(s.len());
    let url = s[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '*', '_']);
    Some((url.len(), browse_reference(url, url.len())))
}

/// `[text](target)` at the start of `s` (an image's `![` is read the same way).
fn markdown_link(s: &str) -> Option<(usize, Option<Reference>)> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut close = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            b'\n' if bytes.get(i + 1) == Some(&b'\n') => return None,
            _ => {}
        }
        i += 1;
    }
    let close = close?;
    if bytes.get(close + 1) != Some(&b'(') {
        return None;
    }
    let target_start = close + 2;
    let mut depth = 1usize;
    let mut j = target_start;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b'\n' => return None,
            _ => {}
        }
        j += 1;
    }
    if j >= bytes.len() {
        return None;
    }
    let len = j + 1;
    let target = s[target_start..j].trim();
    let target = target
        .strip_prefix('<')
        .and_then(|t| t.split('>').next())
        .unwrap_or_else(|| target.split_whitespace().next().unwrap_or(""));
    Some((len, link_reference(&s[1..close], target, len)))
}

/// Length of the tag (or comment) at the start of `s`, if `s` starts with one.
fn tag_len(s: &str) -> Option<usize> {
    let next = *s.as_bytes().get(1)?;
    if s.starts_with("<!--") {
        return s.find("-->").map(|end| end + 3);
    }
    if !(next.is_ascii_alphabetic() || next == b'/' || next == b'!') {
        return None;
    }
    // Only ASCII bytes matter here, and no byte of a multi-byte character is ASCII.
    let mut quote = None;
    for (i, &b) in s.as_bytes().iter().enumerate().skip(1) {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(i + 1),
            (None, b'<') => return None,
            _ => {}
        }
    }
    None
}

/// The first place of ASCII `needle` in `haystack`, in any case.
pub(crate) fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Whether `s` holds nothing a reader would call text: whitespace, tags, emphasis marks, a
/// task box, status emoji.
pub(crate) fn is_decoration(s: &str) -> bool {
    only_tags_and(s, |c| {
        c.is_whitespace() || matches!(c, '*' | '_' | '~') || is_status_emoji(c)
    })
}

/// Whether `s` (what follows a reference) holds only closing punctuation and decoration.
pub(crate) fn is_trailing(s: &str) -> bool {
    only_tags_and(s, |c| {
        c.is_whitespace()
            || matches!(
                c,
                '*' | '_' | '~' | '.' | ',' | ';' | ':' | '!' | ')' | ']' | '}'
            )
    })
}

/// Whether `s` holds nothing but tags and characters `allowed` accepts.
fn only_tags_and(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(len) = tag_len(rest)
        {
            rest = &rest[len..];
            continue;
        }
        if !allowed(c) {
            return false;
        }
        rest = &rest[c.len_utf8()..];
    }
    true
}

/// Emoji people put before an item to say how it stands (✅ done, ❌ dropped, …).
pub(crate) fn is_status_emoji(c: char) -> bool {
    matches!(
        c,
        '✅' | '✔'
            | '☑'
            | '✓'
            | '❌'
            | '✖'
            | '✗'
            | '❎'
            | '⬜'
            | '🔲'
            | '🟢'
            | '🟡'
            | '🔴'
            | '⏳'
            | '🚧'
            | '\u{fe0f}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(raw: &str) -> Vec<(String, &str, bool)> {
        scan(raw)
            .into_iter()
            .filter(|r| !r.look_alike)
            .map(|r| (r.key, &raw[r.span], r.browse_link))
            .collect()
    }

    #[test]
    fn links_to_browse_pages_name_their_key_whatever_the_text() {
        let html = r#"tracked in <a href="https://t.example.com/browse/AUTH-1964">this ticket</a>"#;
        assert_eq!(
            keys(html),
            vec![("AUTH-1964".to_owned(), &html[11..], true)]
        );
        let md = "see [ING-88](https://t/browse/ING-88).";
        assert_eq!(keys(md)[0].0, "ING-88");
        assert!(keys(md)[0].2);
        let bare = "see https://tracker.example.com/browse/ING-88";
        assert_eq!(keys(bare), vec![("ING-88".to_owned(), &bare[4..], true)]);
        assert_eq!(keys("<https://t/browse/OPS-9>")[0].0, "OPS-9");
    }

    #[test]
    fn bare_keys_and_key_texts_are_found_and_look_alikes_flagged() {
        assert_eq!(
            keys("OPS-12 — add"),
            vec![("OPS-12".to_owned(), "OPS-12", false)]
        );
        assert_eq!(keys("[OPS-3](https://github.com/x/pull/3)")[0].0, "OPS-3");
        let all = scan("SEV-1 on UTF-8 per CVE-2021-29492 and RFC-7231 over HTTP-2, P0-1");
        assert!(all.iter().all(|r| r.look_alike), "{all:?}");
    }

    #[test]
    fn attributes_urls_and_other_links_are_not_searched() {
        assert!(keys(r#"<td class="OPS-1">x</td>"#).is_empty());
        assert!(keys("[see the PR](https://github.com/a/OPS-1/pull/2)").is_empty());
        assert!(keys("https://x/y/OPS-1/z").is_empty());
        assert!(keys("[all items](https://t/issues/?jql=labels%3DOPS-1)").is_empty());
    }

    #[test]
    fn positions_are_judged_by_what_surrounds_them() {
        assert!(is_decoration("  <p>**"));
        assert!(is_decoration("✅ "));
        assert!(!is_decoration("see "));
        assert!(is_trailing(").</p>"));
        assert!(!is_trailing(" and more"));
    }
}
