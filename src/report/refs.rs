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

/// [`scan`], handing each reference to `found` as it is found (no list is built). Linear in
/// the text: what a start would look for far ahead (the `]` or `)` that closes it, the end of
/// a comment or of an `<a>`) is found once for the whole text ([`Closers`]), so thousands of
/// unclosed `[`, `[a](` or `<!--` in a pasted log cost one pass, not one pass each.
pub(crate) fn scan_each(raw: &str, mut found: impl FnMut(Reference)) {
    let bytes = raw.as_bytes();
    let mut closers = Closers::new(raw);
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
            b'<' => html_link(rest, at, &mut closers)
                .or_else(|| autolink(rest))
                .map(|(len, reference)| {
                    if let Some(r) = reference {
                        found(r.shifted(at));
                    }
                    len
                })
                .or_else(|| tag_len(rest, at, &mut closers)),
            b'[' => markdown_link(rest, at, &mut closers).map(|(len, reference)| {
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

/// Where the constructs a scan meets end, found once per text: the `]` closing each `[` and
/// the `)` closing each `(` (one pass with a stack, as Markdown pairs them: a backslash escapes
/// the byte after it, a blank line ends every open `[`, a line end every open `(`), and the
/// next `-->` and `</a>` after a place (starts only move forward, so each is searched for
/// once per occurrence).
struct Closers<'t> {
    raw: &'t str,
    /// (opening, closing) byte offsets, by opening; built when the first `[` is met.
    pairs: Option<Vec<(u32, u32)>>,
    comment_end: NextFound,
    anchor_end: NextFound,
}

/// The first place of a needle at or after the last place asked, remembered.
#[derive(Default)]
enum NextFound {
    #[default]
    Unknown,
    At(usize),
    Nowhere,
}

impl<'t> Closers<'t> {
    fn new(raw: &'t str) -> Self {
        Closers {
            raw,
            pairs: None,
            comment_end: NextFound::Unknown,
            anchor_end: NextFound::Unknown,
        }
    }

    /// Where the `[` or `(` at `open` closes, if it does.
    fn closing(&mut self, open: usize) -> Option<usize> {
        let raw = self.raw;
        let pairs = self.pairs.get_or_insert_with(|| pair_brackets(raw));
        let open = u32::try_from(open).ok()?;
        let at = pairs.binary_search_by_key(&open, |&(o, _)| o).ok()?;
        Some(pairs[at].1 as usize)
    }

    /// The first `-->` at or after `from`.
    fn comment_end(&mut self, from: usize) -> Option<usize> {
        let raw = self.raw;
        next_found(&mut self.comment_end, from, |from| {
            raw[from..].find("-->").map(|i| from + i)
        })
    }

    /// The first `</a>` (any case) at or after `from`.
    fn anchor_end(&mut self, from: usize) -> Option<usize> {
        let raw = self.raw;
        next_found(&mut self.anchor_end, from, |from| {
            find_ci(&raw[from..], "</a>").map(|i| from + i)
        })
    }
}

/// `cache`'s place when it is at or after `from`, else `search(from)`, remembered.
fn next_found(
    cache: &mut NextFound,
    from: usize,
    search: impl FnOnce(usize) -> Option<usize>,
) -> Option<usize> {
    match *cache {
        NextFound::At(at) if at >= from => return Some(at),
        NextFound::Nowhere => return None,
        _ => {}
    }
    let found = search(from);
    *cache = found.map_or(NextFound::Nowhere, NextFound::At);
    found
}

/// Every `[` … `]` and `(` … `)` pair of `raw`, by opening offset.
fn pair_brackets(raw: &str) -> Vec<(u32, u32)> {
    let bytes = raw.as_bytes();
    let (mut square, mut round): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at = u32::try_from(i).unwrap_or(u32::MAX);
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => square.push(at),
            b'(' => round.push(at),
            b']' => pairs.extend(square.pop().map(|open| (open, at))),
            b')' => pairs.extend(round.pop().map(|open| (open, at))),
            b'\n' => {
                round.clear();
                if bytes.get(i + 1) == Some(&b'\n') {
                    square.clear();
                }
            }
            _ => {}
        }
        i += 1;
    }
    pairs.sort_unstable();
    pairs
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

/// `<a …>text</a>` at the start of `s` (at `at` in the scanned text): its length and
/// reference.
fn html_link(s: &str, at: usize, closers: &mut Closers<'_>) -> Option<(usize, Option<Reference>)> {
    let name_end = s.as_bytes().get(2)?;
    if !s.as_bytes()[1].eq_ignore_ascii_case(&b'a')
        || !(name_end.is_ascii_whitespace() || *name_end == b'>')
    {
        return None;
    }
    let open_len = tag_len(s, at, closers)?;
    let open = &s[..open_len];
    let href = attribute(open, "href").unwrap_or_default();
    let close = closers.anchor_end(at + open_len)? - (at + open_len);
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
    // An autolink holds no `<`: stopping there keeps a run of `<https://` linear.
    let end = inner.find(|c: char| c == '>' || c == '<' || c.is_whitespace())?;
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

/// `[text](target)` at the start of `s` (at `at` in the scanned text; an image's `![` is
/// read the same way).
fn markdown_link(
    s: &str,
    at: usize,
    closers: &mut Closers<'_>,
) -> Option<(usize, Option<Reference>)> {
    let close = closers.closing(at)? - at;
    if s.as_bytes().get(close + 1) != Some(&b'(') {
        return None;
    }
    let target_start = close + 2;
    let j = closers.closing(at + close + 1)? - at;
    let len = j + 1;
    let target = s[target_start..j].trim();
    let target = target
        .strip_prefix('<')
        .and_then(|t| t.split('>').next())
        .unwrap_or_else(|| target.split_whitespace().next().unwrap_or(""));
    Some((len, link_reference(&s[1..close], target, len)))
}

/// Length of the tag (or comment) at the start of `s` (at `at` in the scanned text), if `s`
/// starts with one.
fn tag_len(s: &str, at: usize, closers: &mut Closers<'_>) -> Option<usize> {
    let next = *s.as_bytes().get(1)?;
    if s.starts_with("<!--") {
        return closers.comment_end(at + 4).map(|end| end - at + 3);
    }
    if !(next.is_ascii_alphabetic() || next == b'/' || next == b'!') {
        return None;
    }
    // Only ASCII bytes matter here, and no byte of a multi-byte character is ASCII.
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'') => {
                // A quoted value ends at its quote, within a bound: a run of `<a '` never
                // closed would otherwise read to the end of the text from each `<`.
                let window = &bytes[i + 1..bytes.len().min(i + 1 + MAX_QUOTED)];
                i += 1 + memchr::memchr(quote, window)?;
            }
            b'>' => return Some(i + 1),
            b'<' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The longest quoted attribute value read in a tag (a long URL is a few kilobytes).
const MAX_QUOTED: usize = 64 << 10;

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
    let mut closers = Closers::new(s);
    let mut at = 0;
    while let Some(c) = s[at..].chars().next() {
        if c == '<'
            && let Some(len) = tag_len(&s[at..], at, &mut closers)
        {
            at += len;
            continue;
        }
        if !allowed(c) {
            return false;
        }
        at += c.len_utf8();
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
    fn links_after_unclosed_brackets_comments_and_quotes_are_still_found() {
        // Each construct that never closes is skipped, and what follows it still reads.
        let md = "[[ [a]( ![ <!-- (x [OPS-4](https://t/browse/OPS-4) -->";
        assert!(keys(md).is_empty(), "inside a comment: {:?}", keys(md));
        let md = "[[ [a]( ![ (x [OPS-4](https://t/browse/OPS-4)";
        assert_eq!(keys(md), vec![("OPS-4".to_owned(), &md[14..], true)]);
        let md = "[see [OPS-5](https://t/browse/OPS-5)](https://t/browse/OPS-6)";
        assert_eq!(keys(md)[0].0, "OPS-6", "the outer link is the reference");
        let md = "a [x](y) [OPS-7](https://t/browse/OPS-7 \"title (1)\")";
        assert_eq!(keys(md)[0].0, "OPS-7");
        let html = r#"<a title='never closed <a href="https://t/browse/OPS-8">OPS-8</a>"#;
        assert_eq!(keys(html)[0].0, "OPS-8");
        // A blank line ends a link text; a line end ends a target.
        assert!(!keys("[OPS-1\n\n](https://t/browse/OPS-1)")[0].2);
        assert!(!keys("[x](https://t/browse/\nOPS-2)")[0].2);
        // An escaped bracket opens no link: its key reads as a bare key.
        assert_eq!(keys("\\[OPS-3] x")[0], ("OPS-3".to_owned(), "OPS-3", false));
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
