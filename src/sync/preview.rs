//! The dry run's preview in time linear in rows: each report's edits applied in one go, and the
//! stand-in keys of tickets to come swapped for their placeholders in one pass over the diff.

use std::collections::HashMap;

use crate::error::Error;
use crate::report::model::Edit;

/// Applies every row's `edits` to `loaded` (report `index`) with one call of `apply` (one parse
/// of the report). Should that fail — a bug of ours, as the edits are of rows just parsed — the
/// rows are applied one by one instead, so only the failing row's edits are missing from the
/// preview.
pub(crate) fn apply_all<R, F>(
    loaded: &mut R,
    index: usize,
    rows: Vec<(usize, Vec<Edit>)>,
    apply: &mut F,
) where
    F: FnMut(&mut R, usize, Vec<Edit>) -> Result<(), Error>,
{
    let all: Vec<Edit> = rows.iter().flat_map(|(_, e)| e.iter().cloned()).collect();
    if apply(loaded, index, all).is_ok() {
        return;
    }
    for (_, edits) in rows {
        let _ = apply(loaded, index, edits);
    }
}

/// `diff` with every stand-in key replaced by its placeholder (`(stand-in, placeholder)`
/// pairs), in one pass: stand-ins are `PROJECT-` and a number of one fixed length, so each
/// occurrence of such a key is looked up rather than every stand-in searched for in turn
/// (which was rows × diff length).
pub(crate) fn swap_stand_ins(diff: &str, placeholders: &[(String, String)]) -> String {
    if placeholders.is_empty() {
        return diff.to_owned();
    }
    let swaps: HashMap<&str, &str> = placeholders
        .iter()
        .map(|(stand_in, placeholder)| (stand_in.as_str(), placeholder.as_str()))
        .collect();
    let bytes = diff.as_bytes();
    let mut out = String::with_capacity(diff.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'-', &bytes[at..]) {
        let dash = at + found;
        at = dash + 1;
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
        let rows: Vec<(usize, Vec<Edit>)> = (1..=10_000).map(|r| (r, vec![status(r)])).collect();
        let mut calls = Vec::new();
        apply_all(&mut calls, 0, rows, &mut |calls, _, edits| {
            calls.push(edits.len());
            Ok(())
        });
        assert_eq!(calls, [10_000], "one application with every row's edits");
    }

    #[test]
    fn a_failing_batch_falls_back_to_rows_one_by_one() {
        let rows: Vec<(usize, Vec<Edit>)> = (1..=3).map(|r| (r, vec![status(r)])).collect();
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
        let diff = "-| Item | |\n+| [OPS-900000000000001](https://x/browse/OPS-900000000000001) Item | |\n\
                    +| SEC-900000000000003 x-y OPS-12 NOPS-900000000000002 |\n--- a/pm-1.md\n";
        assert_eq!(
            swap_stand_ins(diff, &placeholders),
            "-| Item | |\n+| [OPS-?1](https://x/browse/OPS-?1) Item | |\n\
             +| SEC-?3 x-y OPS-12 NOPS-900000000000002 |\n--- a/pm-1.md\n"
        );
    }
}
