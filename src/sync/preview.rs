//! The dry run's preview in time linear in rows: the stand-in keys of tickets to come swapped
//! for their placeholders in one pass over the diff (each report's edits are planned a row at a
//! time and applied in one go by `sync::apply::finish_dry_run`).

use crate::jira::model::IssueKey;

/// Numbers of the stand-in keys of a dry run: all of one length (so none is a prefix of
/// another), far beyond any real issue number.
/// Ten digits: a dry run of 100,000 creates writes each twice (link text and URL), into its
/// preview's values and new text, so every digit is ~400 KB at its peak; no Jira site numbers
/// an issue past a billion.
const STAND_IN: u64 = 9_000_000_000;

/// The stand-in keys of a dry run's tickets to come: `PROJECT-` and a number past
/// [`STAND_IN`], the n-th shown as `PROJECT-?n` (not a key: no digits right after the dash,
/// so nobody mistakes one for a ticket). Worked out from the key, not listed: a dry run of
/// 100,000 creates keeps its projects and a count.
#[derive(Debug, Default)]
pub(crate) struct StandIns {
    projects: Vec<String>,
    count: u64,
}

impl StandIns {
    /// The stand-in key for the next ticket to come in `project`.
    pub(crate) fn next(&mut self, project: &str) -> Option<IssueKey> {
        let key = IssueKey::parse(&format!("{project}-{}", STAND_IN + self.count + 1))?;
        self.count += 1;
        if !self.projects.iter().any(|known| known == project) {
            self.projects.push(project.to_owned());
        }
        Some(key)
    }

    /// What the diff shows for `key`: its placeholder, if it is one of these stand-ins.
    fn placeholder(&self, key: &str) -> Option<String> {
        let (project, number) = key.rsplit_once('-')?;
        let n = number.parse::<u64>().ok()?.checked_sub(STAND_IN)?;
        ((1..=self.count).contains(&n) && self.projects.iter().any(|p| p == project))
            .then(|| format!("{project}-?{n}"))
    }
}

/// The status a dry run writes for a ticket still to be created (a word no report holds),
/// shown in the diff as [`NEW_STATUS`].
pub(crate) const STAND_IN_STATUS: &str = "PmSyncNewTicketStatus";

/// What a dry run's diff shows where the new ticket's status will be written.
const NEW_STATUS: &str = "(status)";

/// A writer that passes on a diff a line at a time, each line's stand-ins swapped for their
/// placeholders and the stand-in status for [`NEW_STATUS`] (a key or a status never spans
/// lines): a dry run's diff is swapped as it is written, never held whole.
pub(crate) struct SwapLines<'w, 's> {
    out: &'w mut dyn std::fmt::Write,
    stand_ins: &'s StandIns,
    line: String,
}

impl<'w, 's> SwapLines<'w, 's> {
    /// Swaps what is written before passing it to `out`.
    pub(crate) fn new(out: &'w mut dyn std::fmt::Write, stand_ins: &'s StandIns) -> Self {
        Self {
            out,
            stand_ins,
            line: String::new(),
        }
    }

    fn pass_line(&mut self) -> std::fmt::Result {
        swap_stand_ins(
            &mut self.line,
            self.stand_ins,
            (STAND_IN_STATUS, NEW_STATUS),
        );
        self.out.write_str(&self.line)?;
        self.line.clear();
        Ok(())
    }

    /// Passes on a last line without a line end.
    pub(crate) fn finish(mut self) -> std::fmt::Result {
        self.pass_line()
    }
}

impl std::fmt::Write for SwapLines<'_, '_> {
    fn write_str(&mut self, mut text: &str) -> std::fmt::Result {
        while let Some(end) = text.find('\n') {
            self.line.push_str(&text[..=end]);
            self.pass_line()?;
            text = &text[end + 1..];
        }
        self.line.push_str(text);
        Ok(())
    }
}

/// `diff` with every stand-in key of `stand_ins` replaced by its placeholder and every
/// `word.0` by `word.1`, in one pass and one copy: each `PROJECT-digits` of the diff is
/// checked, rather than every stand-in searched for in turn (which was rows × diff length).
pub(crate) fn swap_stand_ins(diff: &mut String, stand_ins: &StandIns, word: (&str, &str)) {
    let (word, replacement) = word;
    // Every replacement is no longer than what it replaces (stand-ins are long on purpose:
    // `?n` is never longer than the 10 digits it stands for, n being under a billion), so the
    // diff is rewritten in place: a big dry run's diff is never held twice.
    let shorter = replacement.len() <= word.len();
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
        if bytes[here] != b'-' || stand_ins.count == 0 {
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
            .and_then(|key| stand_ins.placeholder(key));
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

    fn swapped(diff: &str, stand_ins: &StandIns, word: (&str, &str)) -> String {
        let mut diff = diff.to_owned();
        swap_stand_ins(&mut diff, stand_ins, word);
        diff
    }

    #[test]
    fn a_longer_replacement_is_written_to_a_new_diff() {
        let mut stand_ins = StandIns::default();
        let key = stand_ins.next("OPS").unwrap();
        assert_eq!(
            swapped(
                &format!("+| {key} | Stand |\n+| ÉS-9 x |\n"),
                &stand_ins,
                ("Stand", "(a new status)")
            ),
            "+| OPS-?1 | (a new status) |\n+| ÉS-9 x |\n"
        );
    }

    #[test]
    fn stand_ins_are_swapped_in_one_pass_and_nothing_else_changes() {
        let mut stand_ins = StandIns::default();
        let keys: Vec<IssueKey> = ["OPS", "OPS", "SEC"]
            .iter()
            .map(|project| stand_ins.next(project).unwrap())
            .collect();
        assert_eq!(keys[0].as_str(), "OPS-9000000001");
        let diff = "-| Item | |\n+| [OPS-9000000001](https://x/browse/OPS-9000000001) Item | Stand |\n\
                    +| SEC-9000000003 x-y OPS-12 NOPS-9000000002 Stan StandStand|\n\
                    +| OPS-9000000004 SEC-9000000000 ABC-9000000002 |\n--- a/pm-1.md\n";
        assert_eq!(
            swapped(diff, &stand_ins, ("Stand", "(status)")),
            "-| Item | |\n+| [OPS-?1](https://x/browse/OPS-?1) Item | (status) |\n\
             +| SEC-?3 x-y OPS-12 NOPS-9000000002 Stan (status)(status)|\n\
             +| OPS-9000000004 SEC-9000000000 ABC-9000000002 |\n--- a/pm-1.md\n"
        );
        let none = StandIns::default();
        assert_eq!(swapped("a-b Stand", &none, ("Stand", "x")), "a-b x");
        assert_eq!(swapped("é-b Stand é", &none, ("Stand", "x")), "é-b x é");
    }

    #[test]
    fn a_diff_written_in_pieces_is_swapped_line_by_line_as_a_whole_would_be() {
        use std::fmt::Write;
        let mut stand_ins = StandIns::default();
        let keys: Vec<IssueKey> = (0..40).map(|_| stand_ins.next("OPS").unwrap()).collect();
        let mut diff = String::new();
        for key in &keys {
            diff.push_str(&format!(
                "+| [{key}](https://x/browse/{key}) | {STAND_IN_STATUS} |\n"
            ));
        }
        diff.push_str("\\ no line end OPS-9000000040");
        let mut whole = diff.clone();
        swap_stand_ins(&mut whole, &stand_ins, (STAND_IN_STATUS, NEW_STATUS));
        assert!(whole.contains("[OPS-?40](https://x/browse/OPS-?40) | (status) |"));
        for piece in [1, 5, 17, 64, diff.len()] {
            let mut out = String::new();
            let mut swapping = SwapLines::new(&mut out, &stand_ins);
            let mut rest = diff.as_str();
            while !rest.is_empty() {
                let mut cut = piece.min(rest.len());
                while !rest.is_char_boundary(cut) {
                    cut += 1;
                }
                swapping.write_str(&rest[..cut]).unwrap();
                rest = &rest[cut..];
            }
            swapping.finish().unwrap();
            assert_eq!(out, whole, "pieces of {piece}");
        }
    }
}
