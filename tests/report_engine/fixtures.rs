//! The seed template and the shared sample reports read as a person reading them would.

use chrono::NaiveDate;
use pm_sync::report::{ContainerKind, Report, ReportOptions};
use pretty_assertions::assert_eq;

use super::{fixture, rows};

#[test]
fn the_seed_template_has_no_action_items() {
    let report = Report::load(&fixture("seed-template.md"), &ReportOptions::default())
        .expect("the seed parses");
    assert_eq!(report.kind(), ContainerKind::Html);
    assert_eq!(report.items(), &[]);
    assert_eq!(
        report.front_matter().incident_date,
        NaiveDate::from_ymd_opt(2020, 4, 14)
    );
    let lines: Vec<&str> = std::str::from_utf8(report.bytes())
        .expect("utf-8")
        .lines()
        .collect();
    assert_eq!(lines[report.table_line() - 1], "<table>");
    assert!(lines[report.table_line() - 2].is_empty());
    assert!(lines[report.table_line() + 2].contains("Action Item"));
}

#[test]
fn the_html_sample_lists_its_four_items() {
    let report = Report::load(
        &fixture("notification-delays-html.md"),
        &ReportOptions::default(),
    )
    .expect("parses");
    assert_eq!(report.kind(), ContainerKind::Html);
    let s = |s: &str| s.to_owned();
    assert_eq!(
        rows(&report),
        vec![
            (
                1,
                None,
                s("Add an alert on replication lag above 30 s for every primary database"),
                s("")
            ),
            (
                2,
                None,
                s("Make the failover runbook name the on-call DBA rotation & its pager"),
                s("")
            ),
            (
                3,
                None,
                s("Cap max_connections on the notification workers at 200"),
                s("")
            ),
            (
                4,
                None,
                s("Load-test the alert pipeline at 3× peak before each quarterly release"),
                s("")
            ),
        ]
    );
    assert_eq!(
        report.front_matter().title.as_deref(),
        Some("Post Mortem Incident Report - Notification delays 04-14-20")
    );
    assert_eq!(report.front_matter().severity, None);
    let first = &report.items()[0];
    let line = std::str::from_utf8(report.bytes())
        .expect("utf-8")
        .lines()
        .nth(first.line - 1)
        .expect("line exists");
    assert_eq!(line, "<tr class=\"odd\">");
}

#[test]
fn the_pipe_sample_lists_its_three_items_and_its_linked_ticket() {
    let report =
        Report::load(&fixture("cache-outage-gfm.md"), &ReportOptions::default()).expect("parses");
    assert_eq!(report.kind(), ContainerKind::Pipe);
    let s = |s: &str| s.to_owned();
    assert_eq!(
        rows(&report),
        vec![
            (
                1,
                None,
                s(
                    "Validate cache memory limits in the config linter (reject a drop of more than 25%)"
                ),
                s("")
            ),
            (
                2,
                Some(s("OPS-12")),
                s("Alert when the eviction rate exceeds 500/s for 2 minutes"),
                s("")
            ),
            (
                3,
                None,
                s("Document the cache-ctl resize rollback in the runbook | link it from the alert"),
                s("")
            ),
        ]
    );
    let fm = report.front_matter();
    assert_eq!(fm.incident_date, NaiveDate::from_ymd_opt(2026, 9, 2));
    assert_eq!(fm.severity.as_deref(), Some("sev2"));
    let owners: Vec<(&str, &str)> = report
        .items()
        .iter()
        .flat_map(|i| i.extra.iter().map(|(k, c)| (&**k, c.text.as_str())))
        .collect();
    assert_eq!(
        owners,
        vec![("Owner", "@mara"), ("Owner", "@li"), ("Owner", "@sam")]
    );
    assert_eq!(report.table_line(), 17);
}
