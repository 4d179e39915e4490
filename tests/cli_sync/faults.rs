//! Sync under failure: lost responses, search lag, a killed process, rate limits, outages and
//! partial bulk failure. The rule in every case: never a duplicate ticket, nothing lost.

use std::collections::HashSet;
use std::time::Duration;

use super::*;
use crate::support::fake_jira::{Endpoint, Fault};

/// Keys linked in an HTML report, in row order.
fn linked_keys(text: &str) -> Vec<String> {
    text.split("\">")
        .filter_map(|part| part.split_once("</a>").map(|(key, _)| key.to_owned()))
        .filter(|key| key.starts_with("OPS-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_create_response_is_reconciled_by_search_not_created_again() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.inject(Fault::LoseCreateResponse { times: 1 });
    fake.set_search_lag(2);
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4, "a lost response led to a duplicate");
    assert_eq!(
        linked_keys(&pm.read("pm.md")).len(),
        4,
        "{}",
        pm.read("pm.md")
    );
    assert_eq!(
        fake.requests().count(Endpoint::BulkCreate),
        1,
        "the create was resent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn when_search_lags_longer_than_the_run_the_next_run_adopts_instead_of_recreating() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.inject(Fault::LoseCreateResponse { times: 1 });
    // Invisible to the next 40 searches: more than the first run makes in its 200 ms wait
    // (one every 20 ms), fewer than the second run makes in its 2 s.
    fake.set_search_lag(40);
    pm.write("pm.md", HTML_REPORT);

    let out = pm
        .run_env(
            &[("PM_SYNC_TEST_RECONCILE_WAIT_MS", Some("200"))],
            &["sync", "pm.md"],
        )
        .await;
    assert_eq!(
        out.code, 3,
        "the outcome is unknown, so the run says so: {out}"
    );
    assert!(out.stdout.contains("pending"), "{out}");
    assert_eq!(fake.issues().len(), 4);
    assert_eq!(pm.read("pm.md"), HTML_REPORT, "no key is known yet");

    // Search still lags on the next run: the journal makes it wait, find them, create nothing.
    let out = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4, "the next run filed duplicates");
    assert_eq!(linked_keys(&pm.read("pm.md")).len(), 4);
    assert!(!pm.dir().join(".pm.md.pm-sync-journal.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_mid_create_and_run_again_ends_with_one_ticket_per_item() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let items = 120;
        pm.write("pm.md", generated_report(items, "2021-03-04"));
        fake.set_latency(Duration::from_millis(150));
        fake.set_search_lag(2);

        let mut child = pm.spawn(&["sync", "pm.md"]);
        // Kill it while Jira has created the first batch but before the answer arrives.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while fake.issues().is_empty() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().expect("kill pm-sync");
        let _ = child.wait();
        assert!(
            !fake.issues().is_empty(),
            "{flavor:?}: nothing was created before the kill"
        );

        fake.set_latency(Duration::ZERO);
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");

        let issues = fake.issues();
        assert_eq!(issues.len(), items, "{flavor:?}: duplicates or gaps");
        let summaries: HashSet<&str> = issues.iter().map(|i| i.summary.as_str()).collect();
        assert_eq!(
            summaries.len(),
            items,
            "{flavor:?}: an item got two tickets"
        );
        let keys = linked_keys(&pm.read("pm.md"));
        assert_eq!(keys.len(), items, "{flavor:?}");
        assert_eq!(
            keys.iter().collect::<HashSet<_>>().len(),
            items,
            "{flavor:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_waited_out_and_the_run_succeeds() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.inject(Fault::Status {
        endpoint: Some(Endpoint::BulkCreate),
        status: 429,
        retry_after: Some("0".into()),
        times: 3,
    });
    fake.inject(Fault::Status {
        endpoint: Some(Endpoint::SearchJql),
        status: 503,
        retry_after: Some("0".into()),
        times: 2,
    });
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4);
    assert_eq!(
        fake.requests().count(Endpoint::BulkCreate),
        4,
        "3 refused + 1 accepted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outage_beyond_the_retry_cap_exits_3_naming_the_request_and_changes_nothing() {
    let (fake, pm) = setup(Flavor::DataCenter).await;
    fake.inject(Fault::Status {
        endpoint: None,
        status: 503,
        retry_after: None,
        times: 1_000,
    });
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("503"), "{out}");
    assert!(
        out.stderr.contains("error: GET /rest/api/2/project/OPS"),
        "names the request: {out}"
    );
    assert!(fake.issues().is_empty());
    assert_eq!(pm.read("pm.md"), HTML_REPORT);
}

#[tokio::test(flavor = "multi_thread")]
async fn partial_bulk_failure_exits_3_and_saves_every_success() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.reject_summaries_containing("failover runbook");
        pm.write("pm.md", HTML_REPORT);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 3, "{flavor:?}: {out}");
        assert!(out.stdout.contains("failed"), "{out}");
        assert!(
            out.stdout.contains("create validator"),
            "shows Jira's reason: {out}"
        );
        assert_eq!(fake.issues().len(), 3);
        let text = pm.read("pm.md");
        assert_eq!(linked_keys(&text).len(), 3, "{flavor:?}: {text}");

        // Once the validator is fixed, a rerun files only the missing one.
        let fake_issues_before = fake.issues().len();
        let pm_again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(pm_again.code, 3, "still refused: {pm_again}");
        assert_eq!(fake.issues().len(), fake_issues_before);
    }
}

/// A journal as a run leaves it when killed after recording a batch but before sending it.
fn journal_of_unsent_batch(summaries: &[&str]) -> String {
    let pending: Vec<serde_json::Value> = summaries
        .iter()
        .map(|s| {
            serde_json::json!({
                "date_label": "sev1_20200414",
                "summary": s,
                "sent_at": chrono::Utc::now().to_rfc3339(),
            })
        })
        .collect();
    serde_json::json!({ "pending": pending }).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_recorded_but_never_sent_is_created_at_once_on_data_center() {
    let (fake, pm) = setup(Flavor::DataCenter).await;
    pm.write("pm.md", HTML_REPORT);
    pm.write(
        ".pm.md.pm-sync-journal.json",
        journal_of_unsent_batch(&HTML_SUMMARIES),
    );

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4);
    assert_eq!(linked_keys(&pm.read("pm.md")).len(), 4);
    assert!(!pm.dir().join(".pm.md.pm-sync-journal.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn on_cloud_a_recent_unanswered_batch_is_held_not_recreated() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    pm.write(
        ".pm.md.pm-sync-journal.json",
        journal_of_unsent_batch(&HTML_SUMMARIES[..1]),
    );

    let out = pm
        .run_env(
            &[("PM_SYNC_TEST_RECONCILE_WAIT_MS", Some("100"))],
            &["sync", "pm.md"],
        )
        .await;

    // Search cannot prove the first item absent yet (Cloud search lags), so it waits for a
    // later run; the other three are created.
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(fake.issues().len(), 3);
    assert!(out.stdout.contains("pending"), "{out}");
    assert!(pm.dir().join(".pm.md.pm-sync-journal.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_leaves_the_journal_alone() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    let journal = journal_of_unsent_batch(&["an item no longer in the report"]);
    pm.write(".pm.md.pm-sync-journal.json", &journal);

    let out = pm.run(&["sync", "--dry-run", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(pm.read(".pm.md.pm-sync-journal.json"), journal);
    assert_eq!(fake.requests().writes, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_label_update_fails_its_row_and_the_rest_is_saved() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    let existing = fake.seed_issue("OPS", HTML_SUMMARIES[0], &["sev1_20200414"]);
    fake.inject(Fault::Status {
        endpoint: Some(Endpoint::EditIssue),
        status: 403,
        retry_after: None,
        times: 1,
    });
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stdout.contains("failed"), "{out}");
    assert!(
        out.stdout.contains(&format!("updating {existing}")),
        "{out}"
    );
    assert_eq!(fake.issues().len(), 4, "the other items are still filed");
    assert_eq!(
        linked_keys(&pm.read("pm.md")).len(),
        4,
        "and every key is saved"
    );
}
