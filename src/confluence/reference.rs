//! Turning what a user gives for a page into a page id: `confluence:ID`, a Cloud page URL
//! (`/wiki/spaces/KEY/pages/ID/…`, `/wiki/x/TINY`), a Data Center URL
//! (`…/pages/viewpage.action?pageId=ID`, `…/display/KEY/Title`, `…/x/TINY`).

use url::Url;

/// A page as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRef {
    /// The page id.
    Id(u64),
    /// A Data Center `/display/SPACE/Title` address: found by an exact, space-scoped title
    /// lookup.
    Title { space: String, title: String },
}

/// Whether `text` is meant as a page rather than a file: `confluence:…` or an `http(s)://` URL.
pub fn looks_like_page(text: &str) -> bool {
    text.starts_with("confluence:") || text.starts_with("https://") || text.starts_with("http://")
}

/// Reads a page reference, with the URL's host (`None` for `confluence:ID`). The error says
/// which forms are understood.
pub fn parse(text: &str) -> Result<(PageRef, Option<Url>), String> {
    let forms = "use `confluence:PAGE_ID`, a page URL (…/wiki/spaces/KEY/pages/ID/…, \
                 …/pages/viewpage.action?pageId=ID, …/display/KEY/Title) or a tiny link (…/x/…)";
    if let Some(id) = text.strip_prefix("confluence:") {
        return id
            .trim()
            .parse::<u64>()
            .map(|id| (PageRef::Id(id), None))
            .map_err(|_| format!("`{text}` is not a page id: {forms}"));
    }
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a URL ({e}): {forms}"))?;
    if let Some((_, id)) = url.query_pairs().find(|(k, _)| k == "pageId") {
        return id
            .parse::<u64>()
            .map(|id| (PageRef::Id(id), Some(url.clone())))
            .map_err(|_| format!("`{text}`: pageId is not a number"));
    }
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(decode).collect())
        .unwrap_or_default();
    let found = segments.iter().enumerate().find_map(|(i, seg)| {
        let next = segments.get(i + 1)?;
        match seg.as_str() {
            "pages" => {
                let id = if next == "edit-v2" || next == "edit" {
                    segments.get(i + 2)?
                } else {
                    next
                };
                id.parse::<u64>().ok().map(PageRef::Id)
            }
            "x" => decode_tiny(next).map(PageRef::Id),
            "display" => {
                let title = segments.get(i + 2)?;
                Some(PageRef::Title {
                    space: next.clone(),
                    title: title.replace('+', " "),
                })
            }
            _ => None,
        }
    });
    match found {
        Some(page) => Ok((page, Some(url))),
        None => Err(format!(
            "`{text}` is not a Confluence page address: {forms}"
        )),
    }
}

/// A path segment, percent-decoded.
fn decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("s={segment}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| segment.to_owned())
        // form decoding turned `+` into spaces; titles keep them as spaces, ids have none.
        .replace(' ', "+")
}

/// Decodes a tiny link: the page id's bytes, little-endian, base64 with `+`→`_` and `/`→`-`,
/// trailing `A`s dropped. Padded to 12 characters (8 bytes), so ids above 2³² decode too.
pub fn decode_tiny(tiny: &str) -> Option<u64> {
    if tiny.is_empty() || tiny.len() > 12 {
        return None;
    }
    let mut value: u64 = 0;
    let mut bits = 0u32;
    let mut bytes = Vec::with_capacity(9);
    for c in tiny.chars().chain(std::iter::repeat('A')).take(12) {
        let digit = match c {
            'A'..='Z' => c as u64 - 'A' as u64,
            'a'..='z' => c as u64 - 'a' as u64 + 26,
            '0'..='9' => c as u64 - '0' as u64 + 52,
            '_' => 62,
            '-' => 63,
            _ => return None,
        };
        value = (value << 6) | digit;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    let mut id: u64 = 0;
    for (i, byte) in bytes.iter().take(8).enumerate() {
        id |= u64::from(*byte) << (8 * i);
    }
    (id != 0).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_links_decode_to_page_ids() {
        assert_eq!(decode_tiny("3YE5C"), Some(137_986_525));
        assert_eq!(decode_tiny("2oEBfw"), Some(2_130_805_210));
        assert_eq!(decode_tiny("LIQHD"), Some(201_819_180));
        assert_eq!(decode_tiny("!!"), None);
    }

    #[test]
    fn every_documented_form_names_its_page() {
        let id = |text: &str| parse(text).map(|(page, _)| page);
        assert_eq!(id("confluence:42"), Ok(PageRef::Id(42)));
        assert_eq!(
            id(
                "https://acme.atlassian.net/wiki/spaces/OPS/pages/3226730497/2026-03-14+Checkout+outage"
            ),
            Ok(PageRef::Id(3_226_730_497))
        );
        assert_eq!(
            id("https://acme.atlassian.net/wiki/spaces/OPS/pages/edit-v2/77"),
            Ok(PageRef::Id(77))
        );
        assert_eq!(
            id("https://wiki.corp.example/confluence/pages/viewpage.action?pageId=1234"),
            Ok(PageRef::Id(1234))
        );
        assert_eq!(
            id("https://acme.atlassian.net/wiki/x/3YE5C"),
            Ok(PageRef::Id(137_986_525))
        );
        assert_eq!(
            id("https://wiki.corp.example/display/OPS/2026-03-14+Checkout+outage"),
            Ok(PageRef::Title {
                space: "OPS".into(),
                title: "2026-03-14 Checkout outage".into()
            })
        );
        assert!(id("https://acme.atlassian.net/wiki/spaces/OPS/overview").is_err());
        assert!(id("confluence:abc").is_err());
    }
}
