//! What `pm-sync items` shows.

use std::path::Path;

use pm_sync::report::render::{items_text, items_view};
use pm_sync::report::{Report, ReportOptions, resolve_labels};

use super::fixture;

fn load(name: &str) -> Report {
    let path = fixture(name);
    let bytes = std::fs::read(&path).expect("fixture");
    Report::parse(Path::new(name), bytes, &ReportOptions::default()).expect("parses")
}

#[test]
fn items_are_listed_with_their_labels() {
    let report = load("cache-outage-gfm.md");
    let labels = resolve_labels(report.front_matter(), None, None, "sev1", report.path());
    insta::assert_snapshot!(items_text(&report, labels.as_ref()));
}

#[test]
fn a_missing_incident_date_is_a_warning_not_a_failure() {
    let report = super::parse_ok("## Action Items\n\n| Item | Status |\n|-|-|\n| Do it | Open |\n");
    let labels = resolve_labels(report.front_matter(), None, None, "sev1", report.path());
    insta::assert_snapshot!(items_text(&report, labels.as_ref()));
}

#[test]
fn the_json_view_names_rows_lines_keys_and_labels() {
    let report = load("cache-outage-gfm.md");
    let labels = resolve_labels(report.front_matter(), None, None, "sev1", report.path());
    let json = serde_json::to_string_pretty(&items_view(&report, labels.as_ref())).expect("json");
    insta::assert_snapshot!(json);
}
