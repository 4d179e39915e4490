//! The dry run's preview in time linear in rows: the stand-in keys of tickets to come swapped
//! for their placeholders in one pass over the diff (each report's edits are planned a row at a
//! time and applied in one go by `sync::apply::finish_dry_run`).

use std::collections::HashMap;

/// `diff` with every stand-in key replaced by its placeholder (`(stand-in, placeholder)`
/// pairs) and every `word.0` by `word.1`, in one pass and one copy: stand-ins are `PROJECT-`
/// and a number of one fixed length, so each occurrence of such a key is looked up rather than
/// every stand-in searched for in turn (which was rows × diff length).
pub(crate) fn swap_stand_ins(
    diff: &mut String,
    placeholders: &[(String, String)],
    word: (&str, &str),
) {
    let swaps: HashMap<&str, &str> = placeholders
        .iter()
        .map(|(stand_in, placeholder)| (stand_in.as_str(), placeholder.as_str()))
        .collect();
    let (word, replacement) = word;
    // Every replacement is shorter than what it replaces (stand-ins are long on purpose), so
    // the diff is rewritten in place: a big dry run's diff is never held twice.
    let shorter = replacement.len() <= word.len()
        && swaps
            .iter()
            .all(|(stand_in, placeholder)| placeholder.len() <= stand_in.len());
    let mut bytes = std::mem::take(diff).into_bytes();
    let mut spare = (!shorter).then(|| Vec::with_capacity(bytes.len()));
    // Bytes before `copied` are done; the first `written` bytes of the result are in place.
    let (mut copied, mut written, mut at) = (0, 0, 0);
    let mut emit =
        |bytes: &mut Vec<u8>, upto: usize, value: &[u8], copied: usize| match spare.as_mut() {
            Some(out) => {
                out.extend_from_slice(&bytes[copied..upto]);
                out.extend_from_slice(value);
            }
            None => {
                bytes.copy_within(copied..upto, written);
                written += upto - copied;
                bytes[written..written + value.len()].copy_from_slice(value);
                written += value.len();
            }
        };
    let first = word.as_bytes().first().copied().unwrap_or(b'-');
    while let Some(found) = memchr::memchr2(b'-', first, &bytes[at..]) {
        let here = at + found;
        if !word.is_empty() && here >= copied && bytes[here..].starts_with(word.as_bytes()) {
            emit(&mut bytes, here, replacement.as_bytes(), copied);
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
        let found = std::str::from_utf8(&bytes[start..end])
            .ok()
            .and_then(|key| swaps.get(key));
        if let Some(placeholder) = found {
            emit(&mut bytes, start, placeholder.as_bytes(), copied);
            copied = end;
            at = end;
        }
    }
    let end = bytes.len();
    emit(&mut bytes, end, b"", copied);
    let result = match spare {
        Some(out) => out,
        None => {
            bytes.truncate(written);
            bytes
        }
    };
    // Only whole ASCII keys and words were replaced by UTF-8 text: still UTF-8.
    *diff = String::from_utf8(result)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swapped(diff: &str, placeholders: &[(String, String)], word: (&str, &str)) -> String {
        let mut diff = diff.to_owned();
        swap_stand_ins(&mut diff, placeholders, word);
        diff
    }

    #[test]
    fn a_longer_replacement_is_written_to_a_new_diff() {
        let placeholders = vec![("OPS-9".to_owned(), "OPS-(new ticket)".to_owned())];
        assert_eq!(
            swapped(
                "+| OPS-9 | Stand |\n+| ÉS-9 x |\n",
                &placeholders,
                ("Stand", "(a new status)")
            ),
            "+| OPS-(new ticket) | (a new status) |\n+| ÉS-9 x |\n"
        );
    }

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
            swapped(diff, &placeholders, ("Stand", "(status)")),
            "-| Item | |\n+| [OPS-?1](https://x/browse/OPS-?1) Item | (status) |\n\
             +| SEC-?3 x-y OPS-12 NOPS-900000000000002 Stan (status)(status)|\n--- a/pm-1.md\n"
        );
        assert_eq!(swapped("a-b Stand", &[], ("Stand", "x")), "a-b x");
        assert_eq!(swapped("é-b Stand é", &[], ("Stand", "x")), "é-b x é");
    }
}
