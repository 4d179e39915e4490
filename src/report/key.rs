//! Recognising Jira issue keys (`[A-Z][A-Z0-9_]+-[0-9]+`) in text, look-alikes and browse
//! links. The grammar of a key is the crate's one ([`crate::key`]), shared with the Jira client.

pub(crate) use crate::key::key_len_at;

/// Project parts of key-shaped words that name standards, versions, severities and the like,
/// never Jira projects: `SEV-1`, `CVE-2021-29492`, `UTF-8`, `ISO-8601`, `RFC-7231`, `HTTP-2`.
const LOOK_ALIKE_PROJECTS: &[&str] = &[
    "AES", "ANSI", "CAPEC", "CVE", "CWE", "DES", "ECMA", "GHSA", "GMT", "HTTP", "HTTPS", "IEC",
    "IEEE", "IETF", "IPV", "ISO", "JEP", "JSR", "KEP", "MD", "NIST", "PCI", "PEP", "RFC", "RSA",
    "SEV", "SHA", "SSL", "TLS", "UCS", "UTC", "UTF", "WCAG",
];

/// Whether the key-shaped word of `len` bytes at the start of `s` is a look-alike: a project
/// from [`LOOK_ALIKE_PROJECTS`], a letter with digits (`P0-1`, `S1-2`), or a number that goes on
/// (`CVE-2021-29492`, `APP-1.2`).
pub(crate) fn is_look_alike(s: &str, len: usize) -> bool {
    let word = &s[..len];
    let project = word.split('-').next().unwrap_or(word);
    if LOOK_ALIKE_PROJECTS.contains(&project) {
        return true;
    }
    if project.len() >= 2 && project[1..].bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let rest = &s.as_bytes()[len..];
    matches!(rest, [b'-' | b'.', d, ..] if d.is_ascii_digit())
}

/// The project part of `key` (`OPS` of `OPS-12`).
pub(crate) fn project_of(key: &str) -> &str {
    key.rsplit_once('-').map_or(key, |(project, _)| project)
}

/// The key a Jira browse link points at: `…/browse/KEY` on any host, followed by nothing, a
/// query, a fragment or a slash.
pub(crate) fn browse_key(url: &str) -> Option<&str> {
    let at = url.find("/browse/")? + "/browse/".len();
    let rest = &url[at..];
    let len = key_len_at(rest)?;
    match rest.as_bytes().get(len) {
        None | Some(b'?' | b'#' | b'/') => Some(&rest[..len]),
        _ => None,
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

/// `text` without a leading key and the separator (`—`, `–`, `-`, `:`) that follows it.
pub(crate) fn strip_key_prefix(text: &str) -> &str {
    let Some(len) = key_len_at(text).or_else(|| browse_url_len_at(text)) else {
        return text;
    };
    let rest = text[len..].trim_start();
    let rest = ["—", "–", "-", ":"]
        .iter()
        .find_map(|separator| rest.strip_prefix(separator))
        .unwrap_or(rest);
    rest.trim_start()
}

/// The length of a link to a ticket's page (`https://…/browse/OPS-1`) written out at the start
/// of `text`: how a bare URL, an autolink or a pasted smart link (Confluence stores its URL as
/// its text) reads once its markup is gone. It names the item's ticket, like a key.
fn browse_url_len_at(text: &str) -> Option<usize> {
    if !(text.starts_with("https://") || text.starts_with("http://")) {
        return None;
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let (_, tail) = text[..end].rsplit_once("/browse/")?;
    let tail = tail.trim_end_matches(['/', '.', ',', ';', ':', ')', '>']);
    (key_len_at(tail) == Some(tail.len())).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_to_the_tickets_page_at_the_start_goes_like_a_key() {
        assert_eq!(
            strip_key_prefix("https://acme.atlassian.net/browse/OPS-1 Cap upload retries"),
            "Cap upload retries"
        );
        assert_eq!(
            strip_key_prefix("http://127.0.0.1:9/jira/browse/OPS-12 — Cap retries"),
            "Cap retries"
        );
        // Any other link stays the person's words.
        for kept in [
            "https://wiki.example/pages/OPS-1 notes",
            "https://acme.atlassian.net/browse/OPS-1x more",
            "see https://acme.atlassian.net/browse/OPS-1",
        ] {
            assert_eq!(strip_key_prefix(kept), kept);
        }
    }

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
    fn look_alikes_are_not_keys() {
        for word in [
            "SEV-1",
            "CVE-2021-29492",
            "UTF-8",
            "ISO-8601",
            "RFC-7231",
            "HTTP-2",
            "P0-1",
        ] {
            let len = key_len_at(word).unwrap_or(word.len());
            assert!(is_look_alike(word, len), "{word}");
        }
        assert!(!is_look_alike("OPS-12 x", 6));
        assert!(!is_look_alike("AUTH-7192", 9));
        assert!(is_look_alike("APP-1.2", 5));
    }

    #[test]
    fn browse_links_name_their_key_on_any_host() {
        assert_eq!(
            browse_key("https://t.example.com/browse/ING-88"),
            Some("ING-88")
        );
        assert_eq!(
            browse_key("https://j/jira/browse/OPS-1?focused=1"),
            Some("OPS-1")
        );
        assert_eq!(browse_key("https://j/browse/OPS-1x"), None);
        assert_eq!(browse_key("https://j/issues/?jql=labels%3Dsev1"), None);
        assert_eq!(project_of("A_B-12"), "A_B");
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
