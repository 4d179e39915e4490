//! The shapes real post-mortems write their action items in (`shared/realworld-shapes.md`), read
//! by `items` as a person reading the report would list them. Fixtures are our own text.

use std::path::Path;

use pm_sync::report::render::{items_text, items_view};
use pm_sync::report::{Report, ReportOptions, resolve_labels};

use super::fixture;

fn load(name: &str, projects: &[&str]) -> Report {
    let path = fixture(&format!("realworld/{name}"));
    let bytes = std::fs::read(&path).expect("fixture");
    let options = ReportOptions {
        ticket_projects: projects.iter().map(|p| (*p).to_owned()).collect(),
        ..ReportOptions::default()
    };
    Report::parse(Path::new(name), bytes, &options).expect("parses")
}

fn listing(report: &Report) -> String {
    let labels = resolve_labels(report.front_matter(), None, None, "sev1", report.path());
    items_text(report, labels.as_ref())
}

#[test]
fn lists_bullets_numbers_tasks_subheadings_and_blockquotes() {
    let report = load("lists.md", &["OPS"]);
    insta::assert_snapshot!(listing(&report));
    let view = serde_json::to_value(items_view(
        &report,
        Err(&pm_sync::report::ReportError::UnknownRow {
            path: "x".into(),
            row: 0,
        }),
    ))
    .expect("json");
    // The sub-bullet's ticket is shown as related, never synced.
    assert_eq!(view["items"][1]["key"], "ING-88");
    assert_eq!(view["items"][1]["related"], serde_json::json!(["ING-90"]));
    assert_eq!(view["items"][4]["checked"], true);
    assert_eq!(view["items"][3]["checked"], false);
    assert_eq!(view["items"][0]["checked"], serde_json::Value::Null);
}

#[test]
fn tickets_written_in_status_cells_and_at_the_end_of_items_link_their_rows() {
    insta::assert_snapshot!(listing(&load("seed-status-links.md", &["OPS"])));
}

#[test]
fn a_bug_column_holds_the_key_and_a_bold_status() {
    insta::assert_snapshot!(listing(&load("bug-column.md", &["OPS"])));
}

#[test]
fn look_alikes_never_link_and_keys_of_listed_projects_do_anywhere() {
    let report = load("no-ticket-column.md", &["OPS"]);
    assert_eq!(
        report.items()[1].key,
        None,
        "CVE-2021-29492 is not a ticket"
    );
    let text = "## Action Items\n\n| Action Item | Notes |\n|---|---|\n| Fix the SEV-1 page per RFC-7231 over HTTP-2 | see OPS-4 and UTF-8 P0-1 |\n| Rotate keys | tracked as SEC-9 |\n";
    let listed = Report::parse(
        "r.md".as_ref(),
        text.as_bytes().to_vec(),
        &ReportOptions {
            ticket_projects: vec!["OPS".into(), "SEC".into()],
            ..ReportOptions::default()
        },
    )
    .expect("parses");
    let keys: Vec<Option<&str>> = listed.items().iter().map(|i| i.key.as_deref()).collect();
    assert_eq!(keys, [Some("OPS-4"), Some("SEC-9")]);
    let unlisted = super::parse_ok(text);
    let keys: Vec<Option<&str>> = unlisted.items().iter().map(|i| i.key.as_deref()).collect();
    assert_eq!(
        keys,
        [None, None],
        "a bare key of an unlisted project in a note is not a link"
    );
}
