//! Confluence pages in storage format: the same rules find the action items (a table, a task
//! list), Jira macros and lozenges are read, and a sync's edits splice only pm-sync's places.

use std::path::Path;

use pm_sync::report::{Edit, KnownStatuses, Report, ReportOptions, StatusForm};

fn page(name: &str, title: &str) -> (String, Report) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/confluence")
        .join(name);
    let body = std::fs::read_to_string(path).expect("fixture");
    let report = Report::parse_storage(
        Path::new("confluence:42"),
        body.clone(),
        title,
        &ReportOptions::default(),
    )
    .unwrap_or_else(|e| panic!("parses: {e}"));
    (body, report)
}

fn known() -> KnownStatuses {
    let mut known = KnownStatuses::default();
    known.insert("To Do", false);
    known.insert("In Progress", false);
    known.set_colour("In Progress", "Blue");
    known.insert("Done", true);
    known
}

/// The bytes of `after` that are not in `before`, as (removed, added) around the common
/// prefix and suffix: everything else is byte for byte what was read.
fn changed<'a>(before: &'a str, after: &'a str) -> (&'a str, &'a str) {
    let prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = before[prefix..]
        .bytes()
        .rev()
        .zip(after[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    (
        &before[prefix..before.len() - suffix],
        &after[prefix..after.len() - suffix],
    )
}

const BROWSE: &str = "https://jira.example.com/browse/";

fn link(row: usize, key: &str) -> Edit {
    Edit::Link {
        row,
        key: key.to_owned(),
        url: format!("{BROWSE}{key}"),
    }
}

fn status(row: usize, status: &str) -> Edit {
    Edit::Status {
        row,
        status: status.to_owned(),
    }
}

/// Applies one edit and returns what it changed (removed, added).
fn apply_one(report: &mut Report, edit: Edit) -> (String, String) {
    let before = String::from_utf8(report.bytes().to_vec()).unwrap();
    report.apply(&[edit]).expect("applies");
    let after = String::from_utf8(report.bytes().to_vec()).unwrap();
    let (removed, added) = changed(&before, &after);
    (removed.to_owned(), added.to_owned())
}

#[test]
fn a_table_page_reads_like_the_seed_template() {
    let (_, report) = page("table-page.xhtml", "Checkout outage");
    let summaries: Vec<&str> = report.items().iter().map(|i| i.summary()).collect();
    assert_eq!(
        summaries,
        ["Cap upload retries", "Add an alert on checkout errors"]
    );
    let fm = report.front_matter();
    assert_eq!(
        fm.incident_date.map(|d| d.to_string()).as_deref(),
        Some("2026-03-14")
    );
    assert_eq!(fm.severity.as_deref(), Some("sev1"));
    assert_eq!(report.items()[1].extra[0].1.text, "Bob");
}

#[test]
fn a_table_page_gets_keys_as_links_and_statuses_as_lozenges_and_nothing_else() {
    let (original, mut report) = page("table-page.xhtml", "Checkout outage");
    report.set_known_statuses(known());
    let (removed, added) = apply_one(&mut report, link(1, "OPS-1"));
    assert_eq!(removed, "");
    assert_eq!(added, format!("<a href=\"{BROWSE}OPS-1\">OPS-1</a> "));
    let before = String::from_utf8(report.bytes().to_vec()).unwrap();
    report.apply(&[status(1, "In Progress")]).expect("applies");
    let lozenge = "<ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\"><ac:parameter \
                   ac:name=\"colour\">Blue</ac:parameter><ac:parameter ac:name=\"title\">In Progress\
                   </ac:parameter></ac:structured-macro>";
    assert_eq!(
        report.bytes(),
        before
            .replacen("<td><p /></td>", &format!("<td><p>{lozenge}</p></td>"), 1)
            .as_bytes()
    );
    // A person's words in the Status cell stay; the status goes beside them.
    let (removed, added) = apply_one(&mut report, status(2, "Done"));
    assert_eq!(removed, "");
    assert_eq!(added, " · <em>Done</em>");
    let item = &report.items()[0];
    assert_eq!(item.key.as_deref(), Some("OPS-1"));
    assert!(item.key_managed);
    assert_eq!(item.status_text(), "In Progress");
    assert_eq!(item.status.form, StatusForm::Lozenge);
    assert_eq!(item.summary(), "Cap upload retries");
    // The same edits again change nothing (a resync sends no PUT).
    let edited = report.bytes().to_vec();
    let again = [
        link(1, "OPS-1"),
        status(1, "In Progress"),
        status(2, "Done"),
    ];
    assert!(!report.apply(&again).expect("applies"));
    assert_eq!(report.bytes(), edited.as_slice());
    // Refresh after a transition rewrites pm-sync's own lozenge.
    let (removed, added) = apply_one(&mut report, status(1, "Done"));
    assert_eq!(
        removed,
        "Blue</ac:parameter><ac:parameter ac:name=\"title\">In Progress"
    );
    assert_eq!(
        added,
        "Green</ac:parameter><ac:parameter ac:name=\"title\">Done"
    );
    assert!(original.len() < report.bytes().len());
}

#[test]
fn an_atlassian_task_list_reads_jira_macros_lozenges_and_ticks() {
    let (_, report) = page("tasks-page.xhtml", "2026-05-02 Payment API outage (SEV-2)");
    let items = report.items();
    assert_eq!(items.len(), 3);
    assert_eq!(items[1].key.as_deref(), Some("OPS-412"));
    assert_eq!(items[1].summary(), "Page the on-call on 5xx bursts");
    assert_eq!(items[1].status_text(), "IN PROGRESS");
    assert_eq!(items[2].checkbox.map(|c| c.checked), Some(true));
    let fm = report.front_matter();
    assert_eq!(
        fm.incident_date.map(|d| d.to_string()).as_deref(),
        Some("2026-05-02")
    );
    assert_eq!(fm.severity.as_deref(), Some("sev2"));
}

#[test]
fn a_task_is_ticked_when_done_and_a_jira_macro_is_never_rewritten() {
    let (_, mut report) = page("tasks-page.xhtml", "Payment API outage");
    report.set_known_statuses(known());
    // The macro's key links the item: another key changes nothing.
    let (removed, added) = apply_one(&mut report, link(2, "OPS-999"));
    assert_eq!((removed.as_str(), added.as_str()), ("", ""));
    let before = String::from_utf8(report.bytes().to_vec()).unwrap();
    report.apply(&[status(2, "Done")]).expect("applies");
    let after = String::from_utf8(report.bytes().to_vec()).unwrap();
    assert!(
        after.contains("<ac:task-id>10</ac:task-id>\n<ac:task-status>complete</ac:task-status>")
    );
    assert!(after.contains(
        "<ac:parameter ac:name=\"colour\">Green</ac:parameter><ac:parameter ac:name=\"title\">Done"
    ));
    assert!(after.contains("<ac:parameter ac:name=\"key\">OPS-412</ac:parameter>"));
    assert_eq!(
        after.len() as isize - before.len() as isize,
        ("complete".len() as isize - "incomplete".len() as isize)
            + ("Green".len() as isize - "Blue".len() as isize)
            + (r#"<ac:structured-macro ac:name="status" ac:schema-version="1"><ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">Done</ac:parameter></ac:structured-macro>"#.len() as isize
                - r#"<ac:structured-macro ac:name="status" ac:schema-version="1" ac:macro-id="m2"><ac:parameter ac:name="colour">Blue</ac:parameter><ac:parameter ac:name="title">IN PROGRESS</ac:parameter></ac:structured-macro>"#.len() as isize)
            - ("Green".len() as isize - "Blue".len() as isize)
    );
    // A new key goes first in the task body, the status after it as a lozenge.
    let (removed, added) = apply_one(&mut report, link(1, "OPS-7"));
    assert_eq!(removed, "");
    assert_eq!(added, format!("<a href=\"{BROWSE}OPS-7\">OPS-7</a> "));
    let (_, added) = apply_one(&mut report, status(1, "To Do"));
    assert!(
        added.starts_with(" <ac:structured-macro ac:name=\"status\""),
        "{added}"
    );
    assert!(added.contains("Grey"), "{added}");
    let item = &report.items()[0];
    assert_eq!(item.key.as_deref(), Some("OPS-7"));
    assert_eq!(item.status_text(), "To Do");
    assert_eq!(item.summary(), "Rotate the payment API keys 2026-06-01");
    assert!(
        !report
            .apply(&[link(1, "OPS-7"), status(1, "To Do")])
            .unwrap()
    );
}
