//! The dry run's preview in time linear in rows: each report's edits applied in one go, and the
//! stand-in keys of tickets to come swapped for their placeholders in one pass over the diff.

use std::collections::HashMap;

use crate::error::Error;
use crate::report::model::Edit;

/// Every row's edits of one report in one list, with where each row's edits start (a row's
/// edits are `edits[starts[i]..starts[i + 1]]`): one copy of the edits, not one per row and
/// one for all.
#[derive(Debug, Default)]
pub(crate) struct RowEdits {
    pub(crate) edits: Vec<Edit>,
    starts: Vec<usize>,
}

impl RowEdits {
    /// Starts the next row: edits pushed from now on are its.
    pub(crate) fn start_row(&mut self) {
        self.starts.push(self.edits.len());
    }

    /// Each row's edits, in order.
    fn rows(&self) -> impl Iterator<Item = &[Edit]> {
        let ends = self
            .starts
            .iter()
            .skip(1)
            .copied()
            .chain([self.edits.len()]);
        self.starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| &self.edits[start..end])
    }
}

/// Applies every row's edits to `loaded` (report `index`) with one call of `apply` (one parse
/// of the report). Should that fail — a bug of ours, as the edits are of rows just parsed — the
/// rows are applied one by one instead, so only the failing row's edits are missing from the
/// preview.
pub(crate) fn apply_all<R, F>(loaded: &mut R, index: usize, rows: RowEdits, apply: &mut F)
where
    F: FnMut(&mut R, usize, &[Edit]) -> Result<(), Error>,
{
    if rows.edits.is_empty() || apply(loaded, index, &rows.edits).is_ok() {
        return;
    }
    for edits in rows.rows().filter(|edits| !edits.is_empty()) {
        let _ = apply(loaded, index, edits);
    }
}

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

    fn status(row: usize) -> Edit {
        Edit::Status {
            row,
            status: "Open".into(),
        }
    }

    #[test]
    fn a_report_is_edited_once_whatever_its_number_of_rows() {
        // Applying row by row parsed the whole report once per row: quadratic in rows.
        let mut rows = RowEdits::default();
        for r in 1..=10_000 {
            rows.start_row();
            rows.edits.push(status(r));
        }
        let mut calls = Vec::new();
        apply_all(&mut calls, 0, rows, &mut |calls, _, edits| {
            calls.push(edits.len());
            Ok(())
        });
        assert_eq!(calls, [10_000], "one application with every row's edits");
    }

    #[test]
    fn a_failing_batch_falls_back_to_rows_one_by_one() {
        let mut rows = RowEdits::default();
        for r in 1..=3 {
            rows.start_row();
            rows.edits.push(status(r));
        }
        rows.start_row();
        let mut applied: Vec<usize> = Vec::new();
        apply_all(&mut applied, 0, rows, &mut |applied, _, edits| {
            if edits.len() > 1 || matches!(edits[0], Edit::Status { row: 2, .. }) {
                return Err(Error::config("bad row", "none"));
            }
            if let Edit::Status { row, .. } = edits[0] {
                applied.push(row);
            }
            Ok(())
        });
        assert_eq!(applied, [1, 3]);
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
            swap_stand_ins(diff, &placeholders, ("Stand", "(status)")),
            "-| Item | |\n+| [OPS-?1](https://x/browse/OPS-?1) Item | (status) |\n\
             +| SEC-?3 x-y OPS-12 NOPS-900000000000002 Stan (status)(status)|\n--- a/pm-1.md\n"
        );
        assert_eq!(swap_stand_ins("a-b Stand", &[], ("Stand", "x")), "a-b x");
    }
}
