//! Real-world shapes of the incident date, the severity and the section heading
//! (`realworld-shapes.md` §2 and §3), read through `pm-sync items` as a user runs it, and the
//! refusals `sync` gives for what pm-sync will not guess.

use std::path::Path;

use crate::support::cli::{Output, PmSync};
use crate::support::fake_jira::{FakeJira, Flavor};

/// The text of `tests/fixtures/reports/realworld/<name>`.
fn realworld(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reports/realworld")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A session holding the fixture `name` under its own name (the file name is a date source).
fn session_with(name: &str) -> PmSync {
    let pm = PmSync::new();
    pm.write(name, realworld(name));
    pm
}

/// `items --format json` of the fixture `name`, parsed.
async fn items_json(pm: &PmSync, name: &str) -> serde_json::Value {
    let out = pm.run(&["items", "--format", "json", name]).await;
    assert_eq!(out.code, 0, "{out}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Every date shape of §2: (fixture, date, where it was read, line).
const DATE_SHAPES: &[(&str, &str, &str, Option<u64>)] = &[
    ("dates-bold-field.md", "2024-05-07", "field", Some(3)),
    (
        "dates-plain-field-month-name.md",
        "2024-05-07",
        "field",
        Some(3),
    ),
    ("dates-date-section.md", "2024-05-07", "section", Some(5)),
    (
        "dates-summary-table-pipe.md",
        "2024-05-07",
        "table_row",
        Some(5),
    ),
    (
        "dates-summary-table-html.md",
        "2024-05-07",
        "table_row",
        Some(5),
    ),
    ("dates-title-only.md", "2024-05-07", "title", Some(1)),
    (
        "dates-front-matter-title.md",
        "2024-05-07",
        "front_matter",
        Some(2),
    ),
    ("dates-2019-03-26.md", "2019-03-26", "file_name", None),
    (
        "dates-2019-03-26-db-outage.md",
        "2019-03-26",
        "file_name",
        None,
    ),
    (
        "dates-incident-vs-report-date.md",
        "2024-05-07",
        "field",
        Some(5),
    ),
    (
        "dates-ambiguous-not-used.md",
        "2024-05-06",
        "field",
        Some(4),
    ),
    ("dates-severity-body-p1.md", "2024-05-07", "field", Some(3)),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_date_shape_gives_the_date_and_where_it_was_read() {
    for &(name, date, kind, line) in DATE_SHAPES {
        let pm = session_with(name);
        let json = items_json(&pm, name).await;
        assert_eq!(json["incident_date"], date, "{name}: {json:#}");
        let source = &json["incident_date_source"];
        assert_eq!(source["kind"], kind, "{name}: {json:#}");
        assert_eq!(source["line"].as_u64(), line, "{name}: {json:#}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn items_shows_the_date_the_severity_and_their_sources() {
    let mut shown = String::new();
    for name in [
        "dates-bold-field.md",
        "dates-plain-field-month-name.md",
        "dates-date-section.md",
        "dates-summary-table-pipe.md",
        "dates-summary-table-html.md",
        "dates-title-only.md",
        "dates-front-matter-title.md",
        "dates-2019-03-26-db-outage.md",
        "dates-incident-vs-report-date.md",
    ] {
        let pm = session_with(name);
        let out = pm.run(&["items", name]).await;
        assert_eq!(out.code, 0, "{out}");
        // The header lines only: the item rows are the other tests' business.
        for line in out
            .stdout
            .lines()
            .take_while(|l| !l.trim_start().starts_with("ROW"))
        {
            shown.push_str(line);
            shown.push('\n');
        }
        shown.push('\n');
    }
    insta::assert_snapshot!(shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn report_dates_and_last_updated_never_beat_the_incident_date() {
    let name = "dates-incident-vs-report-date.md";
    let pm = session_with(name);
    let json = items_json(&pm, name).await;
    assert_eq!(json["incident_date"], "2024-05-07");
    assert_eq!(json["labels"][0], "sev2_20240507");
    assert_eq!(
        json["incident_date_source"]["text"],
        "**Incident date**: 2024-05-07"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn placeholders_and_last_updated_are_not_a_date() {
    let name = "dates-none.md";
    let pm = session_with(name);
    let out = pm.run(&["items", name]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains("warning: dates-none.md:1:1: no incident date"),
        "{out}"
    );
    assert!(!out.stdout.contains("2024-06-02"), "{out}");
}

/// A fake Jira, a session for it, and the fixture `name` in its folder.
async fn sync_session(name: &str) -> (FakeJira, PmSync) {
    let fake = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&fake, Flavor::Cloud);
    pm.write(name, realworld(name));
    (fake, pm)
}

/// Each ticket's labels, sorted.
/// Each ticket's incident labels, sorted (pm-sync's `pmsync_…` report mark left out).
fn sorted_labels(fake: &FakeJira) -> Vec<Vec<String>> {
    fake.issues()
        .into_iter()
        .map(|issue| {
            let mut labels = issue.labels;
            labels.retain(|label| !label.starts_with("pmsync_"));
            labels.sort();
            labels
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_date_is_a_warning_for_items_and_refused_by_sync() {
    let name = "dates-ambiguous.md";
    let (fake, pm) = sync_session(name).await;

    let items = pm.run(&["items", name]).await;
    assert_eq!(items.code, 0, "{items}");
    assert!(
        items.stdout.contains(
            "warning: dates-ambiguous.md:3:11: the incident date `05/07/2024` could be 2024-05-07 or 2024-07-05"
        ),
        "{items}"
    );

    let out = pm.run(&["sync", name]).await;
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(fake.requests().total, 0, "nothing sent to Jira");
    assert_eq!(pm.read(name), realworld(name), "nothing written");
    insta::assert_snapshot!(out.stderr);

    // The command line settles it.
    let out = pm
        .run(&["sync", "--incident-date", "2024-07-05", name])
        .await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(sorted_labels(&fake), [["sev2", "sev2_20240705"]]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unmapped_severity_never_fails_items_or_check_offline_and_sync_names_both_fixes() {
    let name = "dates-severity-unmapped.md";
    let (fake, pm) = sync_session(name).await;

    let items = pm.run(&["items", name]).await;
    assert_eq!(items.code, 0, "{items}");
    assert!(
        items.stdout.contains(
            "warning: dates-severity-unmapped.md:3:11: severity `amber` is not one pm-sync can read"
        ),
        "{items}"
    );

    let check = pm.run(&["check", "--offline", name]).await;
    assert_eq!(
        check.code, 1,
        "the one item has no ticket yet, nothing worse: {check}"
    );

    let out = pm.run(&["sync", name]).await;
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(fake.requests().total, 0, "nothing sent to Jira");
    insta::assert_snapshot!(out.stderr);

    // Mapped in the config, it is a severity like any other.
    pm.write("pm-sync.toml", "[labels.severity_map]\nAmber = \"sev2\"\n");
    let json = items_json(&pm, name).await;
    assert_eq!(json["severity"], "sev2", "{json:#}");
    assert_eq!(json["severity_source"]["text"], "severity: amber");
    assert_eq!(json["labels"], serde_json::json!(["sev2_20240507", "sev2"]));
    let out = pm.run(&["sync", name]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(sorted_labels(&fake), [["sev2", "sev2_20240507"]]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_severity_in_the_body_is_read_and_mapped_like_the_front_matter_one() {
    let name = "dates-severity-body-p1.md";
    let pm = session_with(name);
    // P1 is on the built-in scale: sev1.
    let json = items_json(&pm, name).await;
    assert_eq!(json["severity"], "sev1", "{json:#}");
    assert_eq!(json["labels"], serde_json::json!(["sev1_20240507", "sev1"]));

    // The config's map overrides the built-in scale.
    pm.write("pm-sync.toml", "[labels.severity_map]\np1 = \"sev0\"\n");
    let json = items_json(&pm, name).await;
    assert_eq!(json["severity"], "sev0", "{json:#}");
    assert_eq!(json["severity_source"]["kind"], "field");
    assert_eq!(json["severity_source"]["line"], 4);
    assert_eq!(json["labels"], serde_json::json!(["sev0_20240507", "sev0"]));

    for (name, severity) in [
        ("dates-bold-field.md", "sev2"),
        ("dates-plain-field-month-name.md", "sev3"),
        ("dates-date-section.md", "sev1"),
        ("dates-summary-table-pipe.md", "sev3"),
        ("dates-summary-table-html.md", "sev2"),
    ] {
        let pm = session_with(name);
        assert_eq!(items_json(&pm, name).await["severity"], severity, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_severity_map_is_a_config_error() {
    let pm = session_with("dates-bold-field.md");
    pm.write("pm-sync.toml", "[labels.severity_map]\nhigh = \"major\"\n");
    let out = pm.run(&["items", "dates-bold-field.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("[labels.severity_map] \"high\" = \"major\" is not a severity"),
        "{out}"
    );
}

/// Every heading shape of §3: (fixture, the heading `items` names, items found).
const HEADING_SHAPES: &[(&str, &str, usize)] = &[
    (
        "headings-action-items-and-followups.md",
        "Action Items & Followups",
        2,
    ),
    ("headings-required-fullwidth.md", "Action items（必需）", 2),
    ("headings-follow-ups.md", "Follow-ups:", 2),
    ("headings-follow-up-actions.md", "Follow-up Actions", 2),
    ("headings-corrective-actions.md", "Corrective Actions", 2),
    (
        "headings-corrective-preventative-measures.md",
        "Corrective and Preventative Measures",
        2,
    ),
    ("headings-remediation.md", "Remediation steps", 2),
    ("headings-next-steps.md", "Next Steps", 2),
    ("headings-numbered.md", "6. Action Items", 2),
    ("headings-setext.md", "Corrective and preventive actions", 2),
    ("headings-remediation-narrative-first.md", "Action Items", 1),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_heading_shape_is_the_section_and_items_names_it() {
    let mut shown = String::new();
    for &(name, heading, count) in HEADING_SHAPES {
        let pm = session_with(name);
        let json = items_json(&pm, name).await;
        assert_eq!(json["section"], heading, "{name}: {json:#}");
        assert_eq!(
            json["items"].as_array().map(Vec::len),
            Some(count),
            "{name}: {json:#}"
        );
        let out = pm.run(&["items", name]).await;
        shown.push_str(out.stdout.lines().next().unwrap_or_default());
        shown.push('\n');
    }
    insta::assert_snapshot!(shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_section_setting_takes_one_name_or_a_list() {
    let name = "headings-next-steps.md";
    let pm = session_with(name);

    // One name replaces the defaults.
    pm.write("pm-sync.toml", "[report]\nsection = \"Action Items\"\n");
    let out: Output = pm.run(&["items", name]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("no heading named \"Action Items\" in the report"),
        "{out}"
    );

    // A list: any of them.
    pm.write(
        "pm-sync.toml",
        "[report]\nsection = [\"Action Items\", \"Next steps\"]\n",
    );
    let json = items_json(&pm, name).await;
    assert_eq!(json["section"], "Next Steps", "{json:#}");

    let other = "headings-remediation.md";
    pm.write(other, realworld(other));
    let out = pm.run(&["items", other]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("no heading named any of \"Action Items\", \"Next steps\""),
        "{out}"
    );

    pm.write("pm-sync.toml", "[report]\nsection = []\n");
    let out = pm.run(&["items", name]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("[report] section is empty"), "{out}");
}
