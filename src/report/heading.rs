//! Which heading introduces the action items: the names people give that section, matched the
//! way a reader would (case, punctuation, numbering and full-width forms ignored; a heading that
//! starts with a name counts).

use std::cell::OnceCell;

/// The section names pm-sync looks for when `[report] section` is not set, in the order the
/// book's report rules (docs/src/report-rules.md) list them. Any heading that starts with one of
/// them is the action items section.
pub const DEFAULT_SECTIONS: &[&str] = &[
    "Action Items",
    "Action Items & Follow-ups",
    "Follow-ups",
    "Follow-up Actions",
    "Follow-up Tasks",
    "Corrective Actions",
    "Corrective and Preventative Measures",
    "Corrective and Preventative Actions",
    "Corrective and Preventive Measures",
    "Corrective and Preventive Actions",
    "Remediation",
    "Next Steps",
];

/// A heading or a name reduced to what the comparison sees: its letters and digits, lower case,
/// full-width forms folded to ASCII, and where each word ends.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Words {
    /// Letters and digits only, lower case.
    chars: Vec<char>,
    /// `ends[i]`: a word ends after `chars[i]` (punctuation or space follows, or the end).
    ends: Vec<bool>,
}

/// Full-width ASCII forms (`Ａ`, `：`, `（`) as their ASCII counterparts; the ideographic space as
/// a space.
fn fold_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Scripts written without spaces between words, where any character may end a word.
fn unspaced(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // Hiragana, Katakana
        | '\u{3400}'..='\u{4dbf}' // CJK extension A
        | '\u{4e00}'..='\u{9fff}' // CJK unified ideographs
        | '\u{f900}'..='\u{faff}' // CJK compatibility ideographs
    )
}

impl Words {
    fn of(text: &str) -> Words {
        let mut chars = Vec::with_capacity(text.len());
        let mut ends: Vec<bool> = Vec::with_capacity(text.len());
        let mut previous_joins = false;
        let mut iter = text.chars().map(fold_width).peekable();
        while let Some(c) = iter.next() {
            if c.is_alphanumeric() {
                for lower in c.to_lowercase() {
                    chars.push(lower);
                    ends.push(false);
                }
                previous_joins = false;
                continue;
            }
            // A hyphen or apostrophe between two letters joins them: "Follow-ups" and
            // "Followups" are the same word. Anything else ends the word.
            let joiner = matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\'' | '\u{2019}');
            let next_is_alnum = iter.peek().is_some_and(|n| n.is_alphanumeric());
            if joiner && !previous_joins && !chars.is_empty() && next_is_alnum {
                previous_joins = true;
                continue;
            }
            if let Some(last) = ends.last_mut() {
                *last = true;
            }
            previous_joins = false;
        }
        if let Some(last) = ends.last_mut() {
            *last = true;
        }
        let mut words = Words { chars, ends };
        words.strip_numbering();
        words
    }

    /// The first word, as a string.
    fn first_word(&self) -> Option<(String, usize)> {
        let end = self.ends.iter().position(|&e| e)?;
        Some((self.chars[..=end].iter().collect(), end + 1))
    }

    /// Drops leading section numbers: `3.`, `3.2`, `IV.`. Only digits and roman numerals up to
    /// twelve count, and only before at least one more word.
    fn strip_numbering(&mut self) {
        while let Some((word, len)) = self.first_word() {
            if len == self.chars.len() {
                return;
            }
            let numeral = word.chars().all(|c| c.is_ascii_digit())
                || matches!(
                    word.as_str(),
                    "i" | "ii"
                        | "iii"
                        | "iv"
                        | "v"
                        | "vi"
                        | "vii"
                        | "viii"
                        | "ix"
                        | "x"
                        | "xi"
                        | "xii"
                );
            if !numeral {
                return;
            }
            self.chars.drain(..len);
            self.ends.drain(..len);
        }
    }

    /// Whether `self` (a heading) starts with `name`, ending at a word boundary.
    fn starts_with(&self, name: &Words) -> bool {
        let n = name.chars.len();
        if n == 0 || self.chars.len() < n || self.chars[..n] != name.chars[..] {
            return false;
        }
        self.ends[n - 1]
            || unspaced(self.chars[n - 1])
            || self.chars.get(n).copied().is_some_and(unspaced)
    }
}

/// Whether `heading` (its text as a reader sees it, markup removed) is introduced by `name`:
/// the heading's words, after any section number, start with the name's words. Case,
/// punctuation, spacing and full-width forms do not matter; a hyphen inside a word does not
/// either ("Follow-ups" = "Followups"); a final `s` of the name is optional ("Action Item"),
/// but a longer last word is another word ("Remediations" is not "Remediation").
pub fn heading_matches(heading: &str, name: &str) -> bool {
    let heading = Words::of(heading);
    let name = Words::of(name);
    if heading.starts_with(&name) {
        return true;
    }
    // "Action Item" for "Action Items", "Follow-up" for "Follow-ups".
    if name.chars.len() > 1 && name.chars.last() == Some(&'s') {
        let mut singular = name;
        singular.chars.pop();
        singular.ends.pop();
        if let Some(last) = singular.ends.last_mut() {
            *last = true;
        }
        return heading.starts_with(&singular);
    }
    false
}

/// The section names to look for, and the first heading that matched one of them. Scanning
/// stops at that heading, so the first match is the section.
#[derive(Debug)]
pub(crate) struct SectionMatcher<'a> {
    names: &'a [String],
    /// Matching headings to pass over before one counts (a heading with no table under it
    /// makes the parse look again, past it).
    skip: std::cell::Cell<usize>,
    matched: OnceCell<String>,
}

impl<'a> SectionMatcher<'a> {
    /// Looks for `names`, passing over the first `skip` headings that match.
    pub(crate) fn new(names: &'a [String], skip: usize) -> SectionMatcher<'a> {
        SectionMatcher {
            names,
            skip: std::cell::Cell::new(skip),
            matched: OnceCell::new(),
        }
    }

    /// Whether `heading` is the section; the first heading for which this says yes is kept.
    pub(crate) fn matches(&self, heading: &str) -> bool {
        if self.matched.get().is_some() {
            return false;
        }
        if !self.names.iter().any(|name| heading_matches(heading, name)) {
            return false;
        }
        if self.skip.get() > 0 {
            self.skip.set(self.skip.get() - 1);
            return false;
        }
        let shown = heading.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = self.matched.set(shown);
        true
    }

    /// The heading that matched, whitespace collapsed.
    pub(crate) fn matched(self) -> Option<String> {
        self.matched.into_inner()
    }
}

/// The names as messages list them: `"Action Items"`, or `any of "Action Items", "Next Steps"`.
pub(crate) fn describe(names: &[String]) -> String {
    let quoted = names
        .iter()
        .map(|name| format!("\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 1 {
        format!("any of {quoted}")
    } else {
        quoted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_default(heading: &str) -> bool {
        DEFAULT_SECTIONS
            .iter()
            .any(|name| heading_matches(heading, name))
    }

    #[test]
    fn every_default_name_matches_itself() {
        for name in DEFAULT_SECTIONS {
            assert!(heading_matches(name, name), "{name}");
        }
    }

    #[test]
    fn headings_people_write_are_found() {
        for heading in [
            "Action Items",
            "ACTION ITEMS",
            "action items",
            "Action items:",
            "Action Items & Followups",
            "Action Items & Follow-ups",
            "Action items (required)",
            "Action items（必需）",
            "Action items：",
            "Ａｃｔｉｏｎ Ｉｔｅｍｓ",
            "Action Item",
            "Action-Items",
            "  Action   Items  ",
            "🛠️ Action Items",
            "3. Action Items",
            "5.2 Action items",
            "IV. Action Items",
            "Follow-ups",
            "Follow-ups:",
            "Followups",
            "Follow ups",
            "Follow-up",
            "Follow-up Actions",
            "Follow-up actions and owners",
            "Follow-up Tasks",
            "Corrective Actions",
            "Corrective action",
            "Corrective and Preventative Measures",
            "Corrective and preventive actions",
            "Remediation",
            "Remediation steps",
            "Remediation:",
            "Next Steps",
            "Next steps.",
            "NEXT STEPS!",
        ] {
            assert!(by_default(heading), "{heading:?} should be the section");
        }
    }

    #[test]
    fn other_headings_are_not() {
        for heading in [
            "Next",
            "Action",
            "Actions",
            "Items",
            "Remediations",
            "Remediated issues",
            "Follow",
            "Timeline",
            "Resolution",
            "What went well",
            "Summary of action items",
            "後续 Action Items",
            "Corrective",
            "",
            "3.",
            "Action Itemsxyz",
            "Preventative Measures",
        ] {
            assert!(
                !by_default(heading),
                "{heading:?} should not be the section"
            );
        }
    }

    #[test]
    fn numbering_is_only_stripped_before_words() {
        assert!(heading_matches("1", "1"));
        assert!(heading_matches("2. Remediation", "Remediation"));
        assert!(!heading_matches("2. Remediation", "2 Remediation plan"));
    }

    #[test]
    fn configured_names_follow_the_same_rules() {
        assert!(!heading_matches("Lessons & To-dos", "Lessons and To-dos"));
        assert!(heading_matches("To-dos (owners)", "Todos"));
        assert!(heading_matches("改进措施（必需）", "改进措施"));
        assert!(heading_matches("改进措施清单", "改进措施"));
        assert!(heading_matches("后续行动", "后续行动"));
        assert!(!heading_matches("改进", "改进措施"));
    }

    #[test]
    fn the_matcher_keeps_the_first_heading_and_can_pass_some_over() {
        let names = vec!["Action Items".to_owned(), "Next Steps".to_owned()];
        let matcher = SectionMatcher::new(&names, 0);
        assert!(!matcher.matches("Summary"));
        assert!(matcher.matches("Next  steps (owners)"));
        assert!(!matcher.matches("Action Items"));
        assert_eq!(matcher.matched().as_deref(), Some("Next steps (owners)"));

        let matcher = SectionMatcher::new(&names, 1);
        assert!(!matcher.matches("Next Steps"));
        assert!(matcher.matches("Action items"));
        assert_eq!(matcher.matched().as_deref(), Some("Action items"));
    }

    #[test]
    fn names_are_listed_quoted() {
        let names = vec!["Action Items".to_owned(), "Next Steps".to_owned()];
        assert_eq!(describe(&names), "any of \"Action Items\", \"Next Steps\"");
        assert_eq!(describe(&names[..1]), "\"Action Items\"");
    }
}
