//! The status pm-sync writes beside text a person owns: a marker ` · *In Progress*` (Markdown)
//! or ` · <em>In Progress</em>` (HTML) at the end of the text, read back as pm-sync's own on the
//! next run so the item text and summary never grow; and the bold status words (`**TODO**`)
//! people put beside a key in tables without a Status column.

use std::ops::Range;

use super::model::ContainerKind;

/// The character that introduces a marker.
const DOT: char = '·';

/// Where appended text goes in `raw`: after the content, before trailing whitespace and closing
/// block tags (`</p>`, `</div>`), so it renders as part of the last paragraph.
pub(crate) fn text_end(raw: &str) -> usize {
    let mut end = raw.trim_end().len();
    loop {
        let head = &raw[..end];
        let lower_tail = head
            .get(head.len().saturating_sub(6)..)
            .map(str::to_ascii_lowercase);
        let Some(tail) = lower_tail else { break };
        let cut = if tail.ends_with("</p>") {
            4
        } else if tail.ends_with("</div>") {
            6
        } else {
            break;
        };
        end = raw[..end - cut].trim_end().len();
    }
    end
}

/// Whether a cell's text only holds its place: a dash, `n/a`, `TBD`, `none`, `?`, `TODO`.
/// pm-sync writes its value over a placeholder in a ticket or status cell rather than beside it.
pub(crate) fn is_placeholder(text: &str) -> bool {
    let text = text
        .trim()
        .trim_matches(|c: char| matches!(c, '*' | '_' | '`'));
    matches!(text, "-" | "--" | "---" | "—" | "–" | "?" | "…" | "...")
        || [
            "n/a", "n.a.", "na", "tbd", "tba", "none", "todo", "to do", "nil",
        ]
        .iter()
        .any(|word| text.eq_ignore_ascii_case(word))
}

/// Whether a status cell's text only holds its place: a dash, `?`, `TBD`, `TODO`. Unlike in a
/// ticket cell, `N/A` and `none` in a status cell are a person's decision (the item does not
/// apply) and stay.
pub(crate) fn is_status_placeholder(text: &str) -> bool {
    let text = text
        .trim()
        .trim_matches(|c: char| matches!(c, '*' | '_' | '`'));
    is_placeholder(text)
        && !["n/a", "n.a.", "na", "none", "nil"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word))
}

/// A status written in `raw` with its inner bytes (relative) and reader text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The whole written form (for a marker: from the space before `·`).
    pub(crate) whole: Range<usize>,
    /// The status text's bytes, which a new status replaces.
    pub(crate) inner: Range<usize>,
    /// The status as a reader sees it.
    pub(crate) text: String,
}

/// pm-sync's marker ending `raw` (trailing whitespace allowed).
pub(crate) fn trailing(raw: &str) -> Option<Found> {
    let end = raw.trim_end().len();
    let head = &raw[..end];
    let dot = head.rfind(DOT)?;
    let after = &head[dot + DOT.len_utf8()..];
    let lead = after.len() - after.trim_start().len();
    if lead == 0 {
        return None;
    }
    let open_at = dot + DOT.len_utf8() + lead;
    let (inner, html) = emphasis(&head[open_at..])?;
    let inner = open_at + inner.start..open_at + inner.end;
    let whole_start = head[..dot].trim_end().len();
    let text = decode(&head[inner.clone()], html);
    if text.is_empty() {
        return None;
    }
    Some(Found {
        whole: whole_start..end,
        inner,
        text,
    })
}

/// `s` is exactly one emphasis (`*x*`, `_x_`, `<em>x</em>`, `<i>x</i>`): its inner range and
/// whether it is HTML.
fn emphasis(s: &str) -> Option<(Range<usize>, bool)> {
    for (open, close) in [("<em>", "</em>"), ("<i>", "</i>")] {
        if s.len() > open.len() + close.len() && starts_ci(s, open) && ends_ci(s, close) {
            let inner = open.len()..s.len() - close.len();
            return (!s[inner.clone()].contains('<')).then_some((inner, true));
        }
    }
    for mark in ['*', '_'] {
        if s.len() > 2
            && s.starts_with(mark)
            && s.ends_with(mark)
            && !s.ends_with(&format!("\\{mark}"))
        {
            let inner = 1..s.len() - 1;
            let body = &s[inner.clone()];
            let unescaped = body
                .match_indices(mark)
                .any(|(at, _)| !body[..at].ends_with('\\'));
            if unescaped || body.starts_with(' ') || body.ends_with(' ') {
                return None;
            }
            return Some((inner, false));
        }
    }
    None
}

/// A bold word at the very start or end of `raw` (`**TODO**`, `__DONE__`, `<strong>…</strong>`,
/// `<b>…</b>`): short, on one line, holding no link.
pub(crate) fn bold_at_edge(raw: &str) -> Option<Found> {
    let start = raw.len() - raw.trim_start().len();
    let end = raw.trim_end().len();
    let body = &raw[start..end];
    let candidates = [
        bold_prefix(body).map(|(whole, inner, html)| {
            (
                start + whole.start..start + whole.end,
                start + inner.start..start + inner.end,
                html,
            )
        }),
        bold_suffix(body).map(|(whole, inner, html)| {
            (
                start + whole.start..start + whole.end,
                start + inner.start..start + inner.end,
                html,
            )
        }),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|(whole, inner, html)| {
            let text = decode(&raw[inner.clone()], html);
            let plain = !text.is_empty()
                && text.chars().count() <= 40
                && !raw[inner.clone()].contains('\n')
                && !raw[inner.clone()].contains("](")
                && !holds_link_tag(&raw[inner.clone()])
                && super::key::find_key(&text).is_none();
            plain.then_some(Found { whole, inner, text })
        })
}

type Bold = (Range<usize>, Range<usize>, bool);

/// Whether `raw` holds an `<a …>` tag (an escaped `\<a` is text, not a tag).
fn holds_link_tag(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    (0..bytes.len().saturating_sub(2)).any(|at| {
        bytes[at] == b'<'
            && bytes[at + 1].eq_ignore_ascii_case(&b'a')
            && matches!(bytes[at + 2], b' ' | b'>' | b'\n' | b'\t')
            && (at == 0 || bytes[at - 1] != b'\\')
    })
}

fn bold_prefix(s: &str) -> Option<Bold> {
    for (open, close, html) in [
        ("**", "**", false),
        ("__", "__", false),
        ("<strong>", "</strong>", true),
        ("<b>", "</b>", true),
    ] {
        if s.len() > open.len() && starts_ci(s, open) {
            let rest = &s[open.len()..];
            let close_at = if html {
                super::refs::find_ci(rest, close)?
            } else {
                find_delimiter(rest, close)?
            };
            let inner = open.len()..open.len() + close_at;
            return Some((0..inner.end + close.len(), inner, html));
        }
    }
    None
}

fn bold_suffix(s: &str) -> Option<Bold> {
    for (open, close, html) in [
        ("**", "**", false),
        ("__", "__", false),
        ("<strong>", "</strong>", true),
        ("<b>", "</b>", true),
    ] {
        if s.len() > close.len() + open.len() && ends_ci(s, close) {
            let body = &s[..s.len() - close.len()];
            let open_at = if html {
                rfind_ci(body, open)?
            } else {
                (0..body.len()).rev().find(|&at| {
                    body.is_char_boundary(at) && find_delimiter(&body[at..], open) == Some(0)
                })?
            };
            let inner = open_at + open.len()..body.len();
            return Some((open_at..s.len(), inner, html));
        }
    }
    None
}

/// The first `delimiter` (`**`, `__`) in Markdown `s` that is not escaped and not followed by
/// another delimiter character (`**\***` closes at the last two stars).
fn find_delimiter(s: &str, delimiter: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mark = delimiter.as_bytes()[0];
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'\\' {
            at += 2;
            continue;
        }
        if bytes[at..].starts_with(delimiter.as_bytes())
            && bytes.get(at + delimiter.len()) != Some(&mark)
        {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// Whether `s` starts with the ASCII `prefix`, in any case (never slicing inside a character).
fn starts_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether `s` ends with the ASCII `suffix`, in any case.
fn ends_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn rfind_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Reader text of a marker's or bold word's inner bytes.
fn decode(raw: &str, html: bool) -> String {
    let text = if html {
        html_escape::decode_html_entities(raw).into_owned()
    } else {
        unescape_markdown(raw)
    };
    super::table::collapse_whitespace(&text)
}

/// Markdown backslash escapes and the entities pm-sync writes, decoded.
pub(crate) fn unescape_markdown(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&next)) if next.is_ascii_punctuation() => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    if out.contains('&') {
        html_escape::decode_html_entities(&out).into_owned()
    } else {
        out
    }
}

/// Writes the marker for an (already escaped) status: ` · *…*` or ` · <em>…</em>`.
pub(crate) fn write(out: &mut String, escaped_status: &str, kind: ContainerKind) {
    out.push(' ');
    out.push(DOT);
    out.push(' ');
    if kind.is_html() {
        out.push_str("<em>");
        out.push_str(escaped_status);
        out.push_str("</em>");
    } else {
        out.push('*');
        out.push_str(escaped_status);
        out.push('*');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_read_back_in_both_markups() {
        let md = "Cap retries at 5 · *In Progress*  ";
        let found = trailing(md).expect("marker");
        assert_eq!(found.text, "In Progress");
        assert_eq!(&md[found.whole.clone()], " · *In Progress*");
        assert_eq!(&md[found.inner], "In Progress");
        let html = "Page the on-call · <em>Won&#39;t Do</em>";
        assert_eq!(trailing(html).map(|f| f.text), Some("Won't Do".to_owned()));
        assert_eq!(
            trailing("a · *\\*x\\**").map(|f| f.text),
            Some("*x*".to_owned())
        );
    }

    #[test]
    fn text_that_only_looks_like_a_marker_is_not_one() {
        assert_eq!(trailing("Add alerts *now*"), None);
        assert_eq!(trailing("a ·*x*"), None);
        assert_eq!(trailing("a · *x* more"), None);
        assert_eq!(trailing("a · **x**"), None);
        assert_eq!(trailing("a · * x *"), None);
    }

    #[test]
    fn appended_text_goes_inside_the_last_paragraph() {
        assert_eq!(text_end("<p>a</p>\n<p>b</p>\n"), "<p>a</p>\n<p>b".len());
        assert_eq!(text_end("note  "), 4);
        assert_eq!(text_end("<div><p>x</p></div>"), "<div><p>x".len());
    }

    #[test]
    fn bold_status_words_beside_a_key() {
        let cell = "**TODO** [SEARCH-51](https://t/browse/SEARCH-51)";
        let found = bold_at_edge(cell).expect("bold");
        assert_eq!(found.text, "TODO");
        assert_eq!(&cell[found.inner], "TODO");
        assert_eq!(
            bold_at_edge("**DONE**").map(|f| f.text),
            Some("DONE".to_owned())
        );
        assert_eq!(
            bold_at_edge("[OPS-1](u) <strong>Done</strong>").map(|f| f.text),
            Some("Done".to_owned())
        );
        assert_eq!(bold_at_edge("**see [x](y)**"), None);
        assert_eq!(bold_at_edge("plain"), None);
    }
}
