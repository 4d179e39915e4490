//! A dry run's preview is written as its rows are planned (`Report::write_preview_before`):
//! written early, every few rows, it is byte for byte the preview written once at the end,
//! in every fixture (Markdown, HTML, Confluence storage) and in shapes made to be hard where
//! one item's bytes end and the next's begin (compact pipe cells, a last cell without its
//! pipe, sub-bullets and second paragraphs, nested Confluence tasks, empty `<p />` cells).

use std::path::{Path, PathBuf};

use pm_sync::report::{Change, Edit, EditPlan, KnownStatuses, Report, ReportOptions};

/// Every report fixture under `dir` (Markdown, HTML, Confluence storage), into `out`.
pub(super) fn reports_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a fixtures folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            reports_under(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "html" | "xhtml")
        ) {
            out.push(path);
        }
    }
}

fn load(path: &Path) -> Option<Report> {
    let options = ReportOptions::default();
    if path.extension().and_then(|e| e.to_str()) == Some("xhtml") {
        let body = std::fs::read_to_string(path).ok()?;
        Report::parse_storage(
            Path::new("confluence:1"),
            body,
            "2024-01-02 outage",
            &options,
        )
        .ok()
    } else {
        Report::load(path, &options).ok()
    }
}

fn written(change: Option<Change>) -> Option<String> {
    match change? {
        Change::Texts { after, .. } => Some((*after).clone()),
        Change::Note(note) => Some(format!("note: {note}")),
        Change::Edits(_) => panic!("only a preview plan keeps its edits"),
    }
}

fn row_of(edits: &[Edit]) -> usize {
    edits[0].row()
}

/// Sets the statuses `report` knows for `scenario`: To Do, In Progress and Done, and in odd
/// scenarios the report's own words too (rewritten, where otherwise they are kept with
/// pm-sync's marker beside them).
pub(super) fn know_statuses(report: &mut Report, scenario: usize) {
    let mut known = KnownStatuses::default();
    for (name, done) in [("To Do", false), ("In Progress", false), ("Done", true)] {
        known.insert(name, done);
    }
    if scenario % 2 == 1 {
        for item in report.items() {
            if !item.status_text().is_empty() {
                known.insert(item.status_text(), false);
            }
        }
    }
    report.set_known_statuses(known);
}

/// Each item's edits: its key (unless `scenario` 4), a status, and every extra cell.
pub(super) fn edits_of(report: &Report, scenario: usize) -> Vec<Vec<Edit>> {
    let status = ["Done", "In Progress", "", "To Do", "Done", "x | y"][scenario];
    report
        .items()
        .iter()
        .map(|item| {
            let mut edits = Vec::new();
            if scenario != 4 {
                edits.push(Edit::Link {
                    row: item.row,
                    key: format!("OPS-{}", item.row),
                    url: format!("https://jira.example/browse/OPS-{}", item.row),
                });
            }
            edits.push(Edit::Status {
                row: item.row,
                status: status.to_owned(),
            });
            for (column, _) in &item.extra {
                let value = if scenario == 2 {
                    String::new()
                } else {
                    format!("v{}", item.row)
                };
                edits.push(Edit::Cell {
                    row: item.row,
                    column: column.to_string(),
                    value,
                });
            }
            edits
        })
        .collect()
}

#[test]
fn a_preview_written_as_its_rows_are_planned_is_the_preview_written_at_the_end() {
    let mut paths = Vec::new();
    reports_under(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut paths,
    );
    let (mut checked, mut replayed) = (0, 0);
    for path in paths {
        for scenario in 0..6 {
            let Some(mut report) = load(&path) else {
                continue;
            };
            know_statuses(&mut report, scenario);
            let rows = edits_of(&report, scenario);
            let mut at_the_end = EditPlan::default();
            for edits in &rows {
                let _ = report.plan_edits(&mut at_the_end, edits);
            }
            let whole = report.preview_plan(at_the_end, "x");
            let expected_diff = whole.as_ref().map(Change::to_string);
            let expected = written(whole);
            for every in [1, 2, 3, usize::MAX] {
                // A preview plan keeps its edits, not its text: its diff is the same.
                let mut preview = EditPlan::preview();
                for (n, edits) in rows.iter().enumerate() {
                    if (n + 1) % every == 0 {
                        report.write_preview_before(&mut preview, row_of(edits));
                    }
                    let _ = report.plan_edits(&mut preview, edits);
                }
                let change = report.preview_plan(preview, "x");
                replayed += usize::from(matches!(change, Some(Change::Edits(_))));
                assert_eq!(
                    change.as_ref().map(Change::to_string),
                    expected_diff,
                    "{} scenario {scenario}, a preview plan written every {every}",
                    path.display()
                );
                if every == usize::MAX {
                    continue;
                }
                let mut as_planned = EditPlan::default();
                for (n, edits) in rows.iter().enumerate() {
                    if (n + 1) % every == 0 {
                        report.write_preview_before(&mut as_planned, row_of(edits));
                    }
                    let _ = report.plan_edits(&mut as_planned, edits);
                }
                let got = written(report.preview_plan(as_planned, "x"));
                assert_eq!(
                    got,
                    expected,
                    "{} scenario {scenario}, every {every}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} reports and scenarios");
    // Most previews are lines edited in place, their diff made from their edits.
    assert!(replayed > checked, "{replayed} of {checked}");
}
