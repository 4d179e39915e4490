//! The dry run's preview in time linear in rows: the stand-in keys of tickets to come swapped
//! for their placeholders in one pass over the diff (each report's edits are planned a row at a
//! time and applied in one go by `sync::apply::finish_dry_run`).

use std::collections::HashMap;

/// `diff` with every stand-in key replaced by its placeholder (`(stand-in, placeholder)`
/// pairs) and every `word.0` by `word.1`, in one pass and one copy: stand-ins are `PROJECT-`
/// and a number of one fixed length, so each occurrence of such a key is looked up rather than
/// every stand-in searched for in turn (which was rows × diff length).
pub(crate) fn swap_stand_ins(
    diff: &str,
    placeholders: &[(String, String)],
    word: (&str, &str),
) -> String {
    let swaps: HashMap<&str, &str> = placeholders
        .iter()
        .map(|(stand_in, placeholder)| (stand_in.as_str(), placeholder.as_str()))
        .collect();
    let (word, replacement) = word;
    let first = word.as_bytes().first().copied().unwrap_or(b'-');
    let bytes = diff.as_bytes();
    let mut out = String::with_capacity(diff.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = memchr::memchr2(b'-', first, &bytes[at..]) {
        let here = at + found;
        if !word.is_empty() && here >= copied && diff[here..].starts_with(word) {
            out.push_str(&diff[copied..here]);
            out.push_str(replacement);
            copied = here + word.len();
            at = copied;
            continue;
        }
        at = here + 1;
        if bytes[here] != b'-' || swaps.is_empty() {
            continue;
        }
        let dash = here;
        // The key around this dash: project characters before it, digits after it.
        let start = bytes[..dash]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .map_or(0, |p| p + 1);
        let end = bytes[at..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |p| at + p);
        if start == dash || end == at || start < copied {
            continue;
        }
        if let Some(placeholder) = swaps.get(&diff[start..end]) {
            out.push_str(&diff[copied..start]);
            out.push_str(placeholder);
            copied = end;
            at = end;
        }
    }
    out.push_str(&diff[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_are_swapped_in_one_pass_and_nothing_else_changes() {
        let placeholders = vec![
            ("OPS-900000000000001".to_owned(), "OPS-?1".to_owned()),
            ("OPS-900000000000002".to_owned(), "OPS-?2".to_owned()),
            ("SEC-900000000000003".to_owned(), "SEC-?3".to_owned()),
        ];
        let diff = "-| Item | |\n+| [OPS-900000000000001](https://x/browse/OPS-900000000000001) Item | Stand |\n\
                    +| SEC-900000000000003 x-y OPS-12 NOPS-900000000000002 Stan StandStand|\n--- a/pm-1.md\n";
        assert_eq!(
            swap_stand_ins(diff, &placeholders, ("Stand", "(status)")),
            "-| Item | |\n+| [OPS-?1](https://x/browse/OPS-?1) Item | (status) |\n\
             +| SEC-?3 x-y OPS-12 NOPS-900000000000002 Stan (status)(status)|\n--- a/pm-1.md\n"
        );
        assert_eq!(swap_stand_ins("a-b Stand", &[], ("Stand", "x")), "a-b x");
    }
}
