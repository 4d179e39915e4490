//! A Priority cell as people write it, matched to the project's priority scheme (the
//! priorities the create screen lists, highest first, as Jira's createmeta gives them on Cloud
//! and Data Center alike).
//!
//! In order: one of the scheme's names (any case); then `P0`–`P5` (also `P-1`, `Prio 2`,
//! `Priority 3`): the scheme priority whose own name carries that number (`P1 - Critical`), else
//! the one at that position — `P1` the highest, unless the report writes a `P0` somewhere, in
//! which case `P0` is the highest (a report uses one scale; a number past the end is the
//! lowest); then a common priority word (Critical, Urgent, Highest, High, Medium, Normal, Low,
//! Lowest, Trivial…, also in German, French, Spanish, Portuguese, Italian, Dutch, Japanese,
//! Chinese and Korean) placed on a five-step scale: the scheme priority whose name is a word of
//! the same step, else the one at the same relative position. Nothing else is guessed: the
//! caller warns and creates the ticket without a priority.

use crate::jira::model::AllowedValue;

/// The scheme priority `written` means, if any. `zero_based`: the report numbers priorities
/// from `P0` (see [`reads_p0`]).
pub fn resolve<'a>(
    written: &str,
    scheme: &'a [AllowedValue],
    zero_based: bool,
) -> Option<&'a AllowedValue> {
    let enabled: Vec<&AllowedValue> = scheme.iter().filter(|p| !p.disabled).collect();
    if enabled.is_empty() {
        return None;
    }
    candidates(written).into_iter().find_map(|candidate| {
        by_name(&enabled, candidate)
            .or_else(|| by_number(&enabled, candidate, zero_based))
            .or_else(|| by_word(&enabled, candidate))
    })
}

/// Whether `written` is `P0` (or `Prio 0`…): the report's P-numbers then start at zero.
pub fn reads_p0(written: &str) -> bool {
    candidates(written)
        .into_iter()
        .any(|candidate| p_number(candidate) == Some(0))
}

/// The text as written, then its head before a separator (`P1 - urgent`, `High (customer)`),
/// each without surrounding punctuation or emoji.
fn candidates(written: &str) -> Vec<&str> {
    fn trim(s: &str) -> &str {
        s.trim_matches(|c: char| !c.is_alphanumeric())
    }
    let whole = trim(written);
    let mut out = vec![whole];
    let end = [" - ", " – ", " — ", "(", ",", "/", ":", ";"]
        .iter()
        .filter_map(|stop| whole.find(stop))
        .min();
    if let Some(end) = end {
        let head = trim(&whole[..end]);
        if !head.is_empty() && head != whole {
            out.push(head);
        }
    }
    out
}

fn by_name<'a>(scheme: &[&'a AllowedValue], written: &str) -> Option<&'a AllowedValue> {
    scheme
        .iter()
        .find(|p| p.label().trim().eq_ignore_ascii_case(written) || p.label() == written)
        .copied()
}

/// `P1`, `p 2`, `P-3`, `Prio 1`, `Priority 4`, or a lone digit: the number.
fn p_number(written: &str) -> Option<u32> {
    let lower = written.trim().to_lowercase();
    ["priority", "prio", "p", ""].iter().find_map(|prefix| {
        let rest = lower.strip_prefix(prefix)?;
        let rest = rest.trim_start_matches([' ', '-', '_', '.', ':', '#']);
        let digit = rest.chars().next()?.to_digit(10)?;
        let after = &rest[1..];
        let whole = after.chars().next().is_none_or(|c| !c.is_alphanumeric());
        (whole && digit <= 5).then_some(digit)
    })
}

fn by_number<'a>(
    scheme: &[&'a AllowedValue],
    written: &str,
    zero_based: bool,
) -> Option<&'a AllowedValue> {
    let number = p_number(written)?;
    // The scheme's own P-names first (`P1 - Critical`, `P2`).
    let named = scheme.iter().find(|p| {
        candidates(p.label())
            .into_iter()
            .any(|c| c.to_lowercase().starts_with('p') && p_number(c) == Some(number))
    });
    if let Some(named) = named {
        return Some(named);
    }
    let position = if zero_based {
        number as usize
    } else {
        (number as usize).saturating_sub(1)
    };
    scheme.get(position.min(scheme.len() - 1)).copied()
}

fn by_word<'a>(scheme: &[&'a AllowedValue], written: &str) -> Option<&'a AllowedValue> {
    let step = word_step(written)?;
    if let Some(same) = scheme.iter().find(|p| word_step(p.label()) == Some(step)) {
        return Some(same);
    }
    // Steps 1..=5 spread over the scheme's positions, rounded.
    let last = scheme.len() - 1;
    let position = ((step - 1) * last + 2) / 4;
    scheme.get(position.min(last)).copied()
}

/// The step (1 highest … 5 lowest) of a common priority word.
fn word_step(written: &str) -> Option<usize> {
    let words = written
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    PRIORITY_WORDS
        .iter()
        .position(|names| names.contains(&words.as_str()))
        .map(|index| index + 1)
}

/// Common priority words by step, highest first, lower case.
const PRIORITY_WORDS: [&[&str]; 5] = [
    &[
        "critical",
        "urgent",
        "highest",
        "blocker",
        "emergency",
        "asap",
        "immediate",
        "kritisch",
        "dringend",
        "sehr hoch",
        "höchste",
        "critique",
        "urgente",
        "très haute",
        "très urgent",
        "crítica",
        "crítico",
        "muy alta",
        "altíssima",
        "critica",
        "critico",
        "kritiek",
        "zeer hoog",
        "緊急",
        "最高",
        "至急",
        "紧急",
        "긴급",
        "최고",
        "치명적",
    ],
    &[
        "high",
        "major",
        "important",
        "hoch",
        "wichtig",
        "haute",
        "élevée",
        "elevée",
        "alta",
        "alto",
        "elevata",
        "hoog",
        "高",
        "重要",
        "높음",
        "중요",
    ],
    &[
        "medium",
        "normal",
        "moderate",
        "mittel",
        "moyenne",
        "normale",
        "media",
        "medio",
        "média",
        "médio",
        "gemiddeld",
        "normaal",
        "中",
        "普通",
        "一般",
        "보통",
        "중간",
    ],
    &[
        "low", "minor", "niedrig", "gering", "basse", "faible", "baja", "bajo", "baixa", "baixo",
        "bassa", "basso", "laag", "低", "낮음",
    ],
    &[
        "lowest",
        "trivial",
        "sehr niedrig",
        "très basse",
        "muy baja",
        "baixíssima",
        "最低",
        "최저",
    ],
];

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme(names: &[&str]) -> Vec<AllowedValue> {
        names
            .iter()
            .enumerate()
            .map(|(n, name)| AllowedValue {
                id: Some((n + 1).to_string()),
                name: Some((*name).to_owned()),
                ..AllowedValue::default()
            })
            .collect()
    }

    fn pick(written: &str, names: &[&str], zero_based: bool) -> Option<String> {
        let scheme = scheme(names);
        resolve(written, &scheme, zero_based).map(|p| p.label().to_owned())
    }

    const DEFAULT: &[&str] = &["Highest", "High", "Medium", "Low", "Lowest"];

    #[test]
    fn names_of_the_scheme_win_in_any_case() {
        assert_eq!(pick("high", DEFAULT, false).as_deref(), Some("High"));
        assert_eq!(pick("LOWEST", DEFAULT, false).as_deref(), Some("Lowest"));
        assert_eq!(
            pick("Critical", &["Blocker", "Critical", "Major"], false).as_deref(),
            Some("Critical")
        );
    }

    #[test]
    fn p_numbers_go_by_position_unless_the_scheme_names_them() {
        assert_eq!(pick("P1", DEFAULT, false).as_deref(), Some("Highest"));
        assert_eq!(pick("p2", DEFAULT, false).as_deref(), Some("High"));
        assert_eq!(pick("P-5", DEFAULT, false).as_deref(), Some("Lowest"));
        assert_eq!(
            pick("P1 - urgent", DEFAULT, false).as_deref(),
            Some("Highest")
        );
        // A report that writes P0 counts from zero.
        assert_eq!(pick("P0", DEFAULT, true).as_deref(), Some("Highest"));
        assert_eq!(pick("P1", DEFAULT, true).as_deref(), Some("High"));
        // Past the end: the lowest.
        assert_eq!(pick("P5", &["High", "Low"], false).as_deref(), Some("Low"));
        let named = &["P0 - Emergency", "P1 - Critical", "P2 - Normal"];
        assert_eq!(pick("P1", named, false).as_deref(), Some("P1 - Critical"));
        assert!(reads_p0("P0 (now)"));
        assert!(!reads_p0("Medium"));
    }

    #[test]
    fn common_words_land_on_the_same_step_or_the_same_place() {
        assert_eq!(pick("Critical", DEFAULT, false).as_deref(), Some("Highest"));
        assert_eq!(pick("urgent", DEFAULT, false).as_deref(), Some("Highest"));
        assert_eq!(pick("Normal", DEFAULT, false).as_deref(), Some("Medium"));
        assert_eq!(pick("Trivial", DEFAULT, false).as_deref(), Some("Lowest"));
        assert_eq!(pick("Hoch", DEFAULT, false).as_deref(), Some("High"));
        assert_eq!(pick("baja", DEFAULT, false).as_deref(), Some("Low"));
        assert_eq!(pick("緊急", DEFAULT, false).as_deref(), Some("Highest"));
        let three = &["High", "Medium", "Low"];
        assert_eq!(pick("Critical", three, false).as_deref(), Some("High"));
        assert_eq!(pick("Trivial", three, false).as_deref(), Some("Low"));
        assert_eq!(pick("🔴 High", three, false).as_deref(), Some("High"));
    }

    #[test]
    fn anything_else_is_not_guessed() {
        for written in ["whenever", "P9", "soon-ish", "", "TBD"] {
            assert_eq!(pick(written, DEFAULT, false), None, "{written}");
        }
        assert_eq!(pick("High", &[], false), None);
    }
}
