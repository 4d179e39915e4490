//! The report engine as a user meets it: which items a report has, what a sync writes back,
//! what a broken report says, and how saving and locking behave.

mod corpus;
mod errors;
mod fixtures;
mod fuzz_body;
mod progressive;
mod properties;
mod reading;
mod realworld;
mod realworld_dates;
mod render;
mod saving;
mod storage;
mod write_back;

use std::path::{Path, PathBuf};

use pm_sync::report::{Report, ReportError, ReportOptions};

/// The fixture report `name` under `tests/fixtures/reports/`.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reports")
        .join(name)
}

/// Parses `text` as a report named `report.md`, with the default section.
fn parse(text: &str) -> Result<Report, ReportError> {
    Report::parse(
        Path::new("report.md"),
        text.as_bytes().to_vec(),
        &ReportOptions::default(),
    )
}

/// Parses `text` and fails the test with the error's message if it does not parse.
#[track_caller]
fn parse_ok(text: &str) -> Report {
    match parse(text) {
        Ok(report) => report,
        Err(error) => panic!("expected the report to parse, got: {error}"),
    }
}

/// Parses `text`, expecting an error.
#[track_caller]
fn parse_err(text: &str) -> ReportError {
    match parse(text) {
        Ok(report) => panic!("expected an error, got {} items", report.items().len()),
        Err(error) => error,
    }
}

/// `(row, key, summary, status)` of every item, for compact assertions.
fn rows(report: &Report) -> Vec<(usize, Option<String>, String, String)> {
    report
        .items()
        .iter()
        .map(|i| {
            (
                i.row,
                i.key.clone(),
                i.summary().to_owned(),
                i.status_text().to_owned(),
            )
        })
        .collect()
}

/// The report's bytes as text.
/// Tells `report` that Jira knows `names` (none of them done), as sync does before writing.
fn knowing(report: &mut Report, names: &[&str]) {
    let mut known = pm_sync::report::KnownStatuses::default();
    for name in names {
        known.insert(name, *name == "Done");
    }
    report.set_known_statuses(known);
}

fn text(report: &Report) -> String {
    String::from_utf8(report.bytes().to_vec()).expect("reports stay UTF-8")
}
