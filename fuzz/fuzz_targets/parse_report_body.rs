//! The body of the `parse_report` fuzz target, a plain function so that a stable test
//! (`tests/report_engine/fuzz_body.rs`) compiles and runs it too.

use std::path::Path;

use pm_sync::report::{Edit, KnownStatuses, Report, ReportOptions};

/// Values edits write: plain, empty, and everything that needs escaping in either table kind.
const VALUES: &[&str] = &[
    "Done",
    "",
    "In Progress",
    "a | b",
    "<td>&amp;</td>",
    "\\|`*_[x](y)",
    "line\nbreak\r\n",
    "é—✓",
    "OPS-1 — x",
    "</table>",
];

/// Keys link edits use, valid and invalid.
const KEYS: &[&str] = &["OPS-1", "AB_9-123456", "ops-1", "X-1", "OPS-", ""];

/// Reads `data` as: one byte for the number of edits (mod 8), three bytes per edit, then the
/// report's bytes (any container: tables, lists, task lists). Parses, applies with every value a
/// known status, and checks that a successful edit re-parses to the same items and that applying
/// the same edits again changes nothing (a second sync is a no-op).
pub fn run(data: &[u8]) {
    let Some((&count, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from(count % 8);
    let Some((edit_bytes, report_bytes)) = rest.split_at_checked(count * 3) else {
        return;
    };
    let options = ReportOptions::default();
    let path = Path::new("fuzz.md");
    let Ok(mut report) = Report::parse(path, report_bytes.to_vec(), &options) else {
        return;
    };
    let mut known = KnownStatuses::default();
    for value in VALUES {
        known.insert(value, value.starts_with('D'));
    }
    report.set_known_statuses(known.clone());
    let edits: Vec<Edit> = edit_bytes
        .chunks_exact(3)
        .map(|chunk| {
            let row = usize::from(chunk[0] % 16);
            if chunk[1] % 2 == 0 {
                Edit::Status {
                    row,
                    status: VALUES[usize::from(chunk[2]) % VALUES.len()].to_owned(),
                }
            } else {
                let key = KEYS[usize::from(chunk[2]) % KEYS.len()];
                Edit::Link {
                    row,
                    key: key.to_owned(),
                    url: format!("https://jira.example/browse/{key}?q=\"<|>\""),
                }
            }
        })
        .collect();
    let before = report.bytes().to_vec();
    match report.apply(&edits) {
        Ok(changed) => {
            assert_eq!(changed, report.bytes() != before.as_slice());
            let mut again = Report::parse(path, report.bytes().to_vec(), &options)
                .expect("edited bytes parse again");
            assert_eq!(again.items(), report.items());
            let _ = report.diff();
            again.set_known_statuses(known);
            let edited = report.bytes().to_vec();
            assert!(
                !again.apply(&edits).expect("the same edits apply again"),
                "a second run changed the report:\n{}\n---\n{}",
                String::from_utf8_lossy(&edited),
                String::from_utf8_lossy(again.bytes())
            );
        }
        Err(_) => assert_eq!(report.bytes(), before.as_slice()),
    }
}
