//! `pm-sync check`: verdicts and exit codes (0 resolved, 1 not, 2 bad input, 3 Jira down).

use std::time::SystemTime;

use super::{fixture, seeded, session};
use crate::support::cli::PmSync;
use crate::support::fake_jira::{Endpoint, FakeJira, Fault, Flavor};

const WAIVE_WONT_DO: &str = "[status]\nwaived = [\"Won't Do\"]\n";

#[tokio::test(flavor = "multi_thread")]
async fn every_item_resolved_exits_0() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "Done"]);
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[("pm.md", fixture("resolved-html.md"))],
    );

    let out = pm.run(&["check", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("OPS-1"), "{out}");
    assert!(
        out.stdout.ends_with(
            "passed: 2 items in 1 report: 2 resolved, 0 waived, 0 unresolved, 0 without a ticket, 0 missing\n"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unresolved_and_unticketed_items_exit_1_with_a_table() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    // The report's cells say Done / In Progress / Won't Do; Jira's live statuses win.
    seeded(&jira, &["Done", "To Do", "Won't Do"]);
    let pm = session(&jira, Flavor::Cloud, &[("pm.md", fixture("mixed.md"))]);

    let out = pm.run(&["check", "pm.md"]).await;

    insta::assert_snapshot!(out, @r"
        REPORT  LINE  KEY    SUMMARY                                           STATUS    VERDICT
        pm.md     12  OPS-1  Alert on queue depth above 10k for 5 minutes      Done      resolved
        pm.md     13  OPS-2  Cap the retry storm: 50% jitter, at most 3 tries  To Do     unresolved
        pm.md     14  OPS-3  Rewrite the consumer in a new language            Won't Do  resolved
        pm.md     15  -      Document the manual drain procedure               -         no ticket

        hint: run `pm-sync sync` to file tickets for the items without one
        FAILED: 4 items in 1 report: 2 resolved, 0 waived, 1 unresolved, 1 without a ticket, 0 missing
        ------- stderr -------
        [exit status: 1]
        ");
}

#[tokio::test(flavor = "multi_thread")]
async fn waived_status_passes_but_is_shown_apart() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "Done", "Won't Do"]);
    let mut report = fixture("mixed.md");
    report = report.replace("| Document the manual drain procedure | @ana | | |\n", "");
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[
            ("pm.md", report),
            ("pm-sync.toml", WAIVE_WONT_DO.to_owned()),
        ],
    );

    let out = pm.run(&["check", "--format", "json", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["totals"]["resolved"], 2, "{out}");
    assert_eq!(json["totals"]["waived"], 1, "{out}");
    assert_eq!(json["reports"][0]["items"][2]["verdict"], "waived");
    assert_eq!(json["reports"][0]["items"][2]["status"], "Won't Do");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_won_t_do_ticket_is_resolved_by_category_unless_listed() {
    // Without [status] rules, Won't Do (category done) counts as plainly resolved.
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "Won't Do"]);
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[("pm.md", fixture("resolved-html.md"))],
    );
    let out = pm.run(&["check", "--format", "json", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()["totals"]["resolved"],
        2
    );

    // With `[status] resolved = ["Done"]`, only Done resolves.
    pm.write("pm-sync.toml", "[status]\nresolved = [\"done\"]\n");
    let out = pm.run(&["check", "pm.md"]).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.contains("Won't Do"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_ticket_is_missing_after_the_credentials_are_verified() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "Done"]);
    jira.delete_issue("OPS-2");
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[("pm.md", fixture("resolved-html.md"))],
    );

    let out = pm.run(&["check", "--format", "json", "pm.md"]).await;

    assert_eq!(out.code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["reports"][0]["items"][1]["verdict"], "missing",
        "{out}"
    );
    // "Missing" is only believed once /myself proves the token is not served as anonymous.
    assert_eq!(jira.requests().count(Endpoint::Myself), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_fallback_is_a_jira_error_not_missing_tickets() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "Done"]);
    jira.set_anonymous_fallback(true);
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[("pm.md", fixture("resolved-html.md"))],
    )
    .env("JIRA_API_TOKEN", "expired-token");

    let out = pm.run(&["check", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("credentials"), "{out}");
    assert!(
        !out.stderr.contains("expired-token"),
        "the token leaked: {out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moved_ticket_is_judged_and_shown_by_its_new_key() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    jira.add_project("NEW", &["Task"]);
    seeded(&jira, &["Done", "To Do"]);
    let new_key = jira.move_issue("OPS-2", "NEW");
    jira.transition(&new_key, "Done");
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[("pm.md", fixture("resolved-html.md"))],
    );

    let out = pm.run(&["check", "--format", "json", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let item = &json["reports"][0]["items"][1];
    assert_eq!(item["key"], new_key.as_str(), "{out}");
    assert_eq!(item["moved_from"], "OPS-2", "{out}");
    assert!(
        item["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/browse/{new_key}"))
    );

    let text = pm.run(&["check", "pm.md"]).await;
    assert!(
        text.stdout.contains(&format!("OPS-2 moved to {new_key}")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn data_center_reads_statuses_too() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    seeded(&jira, &["Done", "In Progress"]);
    let pm = session(
        &jira,
        Flavor::DataCenter,
        &[("pm.md", fixture("resolved-html.md"))],
    );

    let out = pm.run(&["check", "pm.md"]).await;

    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.contains("In Progress"), "{out}");
    assert!(out.stdout.contains("unresolved"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_needs_no_config_and_trusts_the_cells() {
    // No Jira settings at all: a laptop or a fork's pull request.
    let pm = PmSync::new();
    pm.write("done.md", fixture("resolved-html.md"));
    pm.write("mixed.md", fixture("mixed.md"));

    let out = pm.run(&["check", "--offline", "done.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("--offline"), "{out}");

    let out = pm
        .run(&["check", "--offline", "--format", "json", "mixed.md"])
        .await;
    assert_eq!(out.code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["source"], "report");
    let verdicts: Vec<&str> = json["reports"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["verdict"].as_str().unwrap())
        .collect();
    // "Won't Do" is a done-category status in Jira's own workflows: resolved, as live.
    assert_eq!(
        verdicts,
        ["resolved", "unresolved", "resolved", "no_ticket"]
    );

    // Offline honours [status] rules too.
    pm.write("pm-sync.toml", WAIVE_WONT_DO);
    let out = pm
        .run(&["check", "--offline", "--format", "json", "mixed.md"])
        .await;
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["reports"][0]["items"][2]["verdict"], "waived", "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn directories_are_walked_and_other_markdown_skipped() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "Done", "Won't Do"]);
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[
            (
                "postmortems/2020/notifications.md",
                fixture("resolved-html.md"),
            ),
            ("postmortems/2026/queue.md", fixture("mixed.md")),
            ("postmortems/README.md", fixture("notes.md")),
        ],
    );

    let out = pm.run(&["check", "--format", "json", "postmortems/"]).await;

    assert_eq!(out.code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let paths: Vec<&str> = json["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "postmortems/2020/notifications.md",
            "postmortems/2026/queue.md"
        ]
    );
    assert_eq!(json["reports"][0]["passed"], true);
    assert_eq!(json["totals"]["items"], 6);
    // One batched read for both reports.
    assert_eq!(jira.requests().count(Endpoint::BulkFetch), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_without_items_warns_unless_items_are_required() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = session(&jira, Flavor::Cloud, &[("pm.md", fixture("no-items.md"))]);

    let out = pm.run(&["check", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains("warning: pm.md: the action items table has no action items"),
        "{out}"
    );

    let out = pm.run(&["check", "--require-items", "pm.md"]).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.contains("--require-items"), "{out}");
    assert!(out.stdout.contains("FAILED"), "{out}");
    // Nothing to look up, so nothing was asked.
    assert_eq!(jira.requests().total, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_report_exits_2_naming_the_file() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[("pm.md", fixture("no-item-column.md"))],
    );

    let out = pm.run(&["check", "pm.md"]).await;

    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("pm.md"), "{out}");
    assert!(out.stderr.contains("item column"), "{out}");
    assert_eq!(out.stdout, "");
    assert_eq!(jira.requests().total, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_jira_settings_exit_2_but_offline_works() {
    let pm = PmSync::new();
    pm.write("pm.md", fixture("resolved-html.md"));

    let out = pm.run(&["check", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("JIRA_URL"), "{out}");

    let out = pm.run(&["check", "--offline", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn jira_that_cannot_answer_exits_3() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "Done"]);
    jira.inject(Fault::Status {
        endpoint: Some(Endpoint::BulkFetch),
        status: 503,
        retry_after: None,
        times: 100,
    });
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[("pm.md", fixture("resolved-html.md"))],
    );

    let out = pm.run(&["check", "--format", "github", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("503"), "{out}");
    // A failed check prints no verdict that a CI could mistake for a result: one annotation
    // saying it could not decide, and the total line.
    assert!(
        out.stdout
            .starts_with("::error title=pm-sync check could not run (exit 3)::"),
        "{out}"
    );
    assert!(!out.stdout.contains("resolved"), "{out}");
    assert_eq!(out.stdout.lines().count(), 2, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_exits_3_and_never_prints_it() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "Done"]);
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[("pm.md", fixture("resolved-html.md"))],
    )
    .env("JIRA_API_TOKEN", "wrong-secret-value");

    let out = pm.run(&["check", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("401"), "{out}");
    assert!(!out.to_string().contains("wrong-secret-value"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_fifty_keys_take_three_requests_on_cloud() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let mut rows = String::new();
    for n in 1..=250 {
        let key = jira.seed_issue("OPS", &format!("Item {n}"), &["sev1"]);
        jira.transition(&key, "Done");
        rows.push_str(&format!("| {key} Item {n} | Done |\n"));
    }
    let report = format!(
        "---\nincident_date: 2026-01-01\n---\n# Big\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n{rows}"
    );
    let pm = session(&jira, Flavor::Cloud, &[("big.md", report)]);

    let out = pm.run(&["check", "--format", "json", "big.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    let log = jira.requests();
    assert_eq!(log.count(Endpoint::BulkFetch), 3, "{:?}", log.entries);
    assert_eq!(log.total, 3, "{:?}", log.entries);
}

#[tokio::test(flavor = "multi_thread")]
async fn check_writes_nothing_to_the_report_or_to_jira() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["In Progress", "Done", "To Do"]);
    let pm = session(&jira, Flavor::Cloud, &[("pm.md", fixture("mixed.md"))]);
    let before = std::fs::metadata(pm.dir().join("pm.md"))
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH);

    let out = pm.run(&["check", "pm.md"]).await;

    assert_eq!(out.code, 1, "{out}");
    assert_eq!(pm.read("pm.md"), fixture("mixed.md"));
    let after = std::fs::metadata(pm.dir().join("pm.md"))
        .and_then(|m| m.modified())
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(jira.requests().writes, 0);
    let leftovers: Vec<_> = std::fs::read_dir(pm.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "pm.md")
        .collect();
    assert!(
        leftovers.is_empty(),
        "check left files behind: {leftovers:?}"
    );
}
