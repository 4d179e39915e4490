//! Reading back: fetch by key (bulkfetch / DC search), search by label with paging,
//! eventual consistency and reconcile, request budgets.

use std::time::{Duration, Instant};

use pm_sync::jira::{IssueKey, JiraClient, StatusCategory};

use super::{FLAVORS, client, config, key, new_issue};
use crate::support::fake_jira::{Endpoint, FakeJira, Flavor};

fn seed(jira: &FakeJira, n: usize, labels: &[&str]) -> Vec<IssueKey> {
    (0..n)
        .map(|i| key(&jira.seed_issue("OPS", &format!("Item {i}"), labels)))
        .collect()
}

#[tokio::test]
async fn fetch_250_keys_on_cloud_costs_3_requests() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let keys = seed(&jira, 250, &["sev1"]);
    let c = client(&jira);
    c.deployment().await.unwrap();
    jira.reset_request_log();
    let got = c.fetch_issues(&keys).await.unwrap();
    assert_eq!(got.found_count(), 250);
    assert!(got.missing.is_empty());
    let log = jira.requests();
    assert_eq!(log.total, 3, "{:?}", log.entries);
    assert_eq!(log.count(Endpoint::BulkFetch), 3);
    assert_eq!(log.writes, 0);
}

#[tokio::test]
async fn each_key_is_asked_once_and_answered_in_the_order_asked() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let keys = seed(&jira, 120, &["sev1"]);
        let c = client(&jira);
        c.deployment().await.unwrap();
        jira.reset_request_log();
        // Asked backwards, each key twice (two rows of a report linking one ticket).
        let mut asked: Vec<IssueKey> = keys.iter().rev().cloned().collect();
        asked.extend(keys.iter().cloned());
        let got = c.fetch_issues(&asked).await.unwrap();
        let order: Vec<&str> = got.found().map(|(k, _)| k.as_str()).collect();
        let expected: Vec<&str> = keys.iter().rev().map(IssueKey::as_str).collect();
        assert_eq!(order, expected, "{flavor:?}: in the order first asked");
        assert!(got.missing.is_empty(), "{flavor:?}");
        assert!(got.found().all(|(k, issue)| issue.key == *k), "{flavor:?}");
        // 120 distinct keys: two reads of at most 100, nothing asked twice.
        assert_eq!(jira.requests().total, 2, "{flavor:?}");
        // Dates are kept for the gate, and let go on arrival for a sync.
        assert!(
            got.found().next().unwrap().1.tracking.created.is_some(),
            "{flavor:?}"
        );
        let undated = c.fetch_issues_undated(&keys[..3]).await.unwrap();
        assert_eq!(undated.found_count(), 3);
        assert!(undated.found().all(|(_, i)| i.tracking.created.is_none()));
    }
}

#[tokio::test]
async fn fetch_on_data_center_uses_key_in_search() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    let keys = seed(&jira, 150, &[]);
    let c = client(&jira);
    c.deployment().await.unwrap();
    jira.reset_request_log();
    let got = c.fetch_issues(&keys).await.unwrap();
    assert_eq!(got.found_count(), 150);
    assert_eq!(jira.requests().count(Endpoint::Search), 2);
    assert_eq!(jira.requests().total, 2);
}

#[tokio::test]
async fn statuses_deleted_and_moved_keys() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        jira.add_project("NEW", &["Task"]);
        let keys = seed(&jira, 4, &["sev1"]);
        jira.transition(keys[0].as_str(), "In Progress");
        jira.transition(keys[1].as_str(), "Won't Do");
        jira.delete_issue(keys[2].as_str());
        let moved_to = jira.move_issue(keys[3].as_str(), "NEW");
        assert_eq!(moved_to, "NEW-1");
        let c = client(&jira);
        let mut asked = keys.clone();
        asked.push(key("OPS-404"));
        let got = c.fetch_issues(&asked).await.unwrap();
        assert_eq!(
            got.missing,
            vec![key("OPS-3"), key("OPS-404")],
            "{flavor:?}"
        );
        let find = |k: &str| {
            got.found()
                .find(|(a, _)| a.as_str() == k)
                .map(|(_, i)| i.clone())
        };
        let a = find("OPS-1").unwrap();
        assert_eq!(
            (&*a.status.name, a.status.category),
            ("In Progress", StatusCategory::Indeterminate)
        );
        let b = find("OPS-2").unwrap();
        assert_eq!(b.status.category, StatusCategory::Done);
        assert_eq!(b.resolution.as_deref(), Some("Won't Do"));
        let m = find("OPS-4").unwrap();
        assert_eq!(
            m.key.as_str(),
            "NEW-1",
            "moved issue is found under the asked key"
        );
        assert_eq!(&*m.summary, "Item 3");
        // A sync's read lets the dates go, the moved ticket's too (read by its old key).
        assert!(m.tracking.created.is_some(), "{flavor:?}");
        let undated = c.fetch_issues_undated(&keys[3..]).await.unwrap();
        assert_eq!(undated.found().next().unwrap().1.key.as_str(), "NEW-1");
        assert!(
            undated.found().next().unwrap().1.tracking.created.is_none(),
            "{flavor:?}"
        );
    }
}

#[tokio::test]
async fn old_data_center_rejecting_missing_keys_is_split() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    jira.set_strict_key_validation(true);
    let keys = seed(&jira, 6, &[]);
    jira.delete_issue(keys[1].as_str());
    jira.delete_issue(keys[4].as_str());
    let got = client(&jira).fetch_issues(&keys).await.unwrap();
    assert_eq!(got.found_count(), 4);
    assert_eq!(got.missing, vec![key("OPS-2"), key("OPS-5")]);
}

#[tokio::test]
async fn search_by_label_pages_to_the_end() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        jira.set_max_results_cap(10);
        seed(&jira, 25, &["sev1_20200414", "sev1"]);
        seed(&jira, 3, &["sev2_20200101"]);
        let c = client(&jira);
        c.deployment().await.unwrap();
        jira.reset_request_log();
        let found = c
            .search_by_label("OPS", "sev1_20200414", &[])
            .await
            .unwrap();
        assert_eq!(found.len(), 25, "{flavor:?}");
        let summaries: Vec<String> = found.iter().map(|i| i.summary.to_string()).collect();
        assert_eq!(summaries[0], "Item 0");
        assert!(
            found
                .iter()
                .all(|i| i.labels.contains(&"sev1_20200414".to_owned()))
        );
        let ep = match flavor {
            Flavor::Cloud => Endpoint::SearchJql,
            Flavor::DataCenter => Endpoint::Search,
        };
        assert_eq!(jira.requests().count(ep), 3, "{flavor:?}");
    }
}

#[tokio::test]
async fn reserved_word_project_keys_are_quoted() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        jira.add_project("IS", &["Task"]);
        jira.seed_issue("IS", "In a reserved project", &["sev1"]);
        let found = client(&jira)
            .search_by_label("IS", "sev1", &[])
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
    }
}

#[tokio::test]
async fn cloud_search_lag_is_beaten_by_reconcile() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    jira.set_search_lag(5);
    let out = c
        .create_issues(&[new_issue("Fresh", &["sev1_20200414"])])
        .await;
    let id = match &out[0] {
        pm_sync::jira::CreateOutcome::Created { id, .. } => id.clone(),
        other => panic!("{other:?}"),
    };
    // Not reconciled: the new issue is invisible (a naive client would create a duplicate).
    assert!(
        c.search_by_label("OPS", "sev1_20200414", &[])
            .await
            .unwrap()
            .is_empty()
    );
    let found = c
        .search_by_label("OPS", "sev1_20200414", &[id])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(&*found[0].summary, "Fresh");
}

#[tokio::test]
async fn batches_run_in_parallel_up_to_the_cap() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let keys = seed(&jira, 800, &[]);
    let mut cfg = config(&jira);
    cfg.concurrency = 2;
    let c = JiraClient::new(cfg).unwrap();
    c.deployment().await.unwrap();
    jira.set_latency(Duration::from_millis(100));
    let started = Instant::now();
    let got = c.fetch_issues(&keys).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(got.found_count(), 800);
    // 8 batches, 2 at a time, 100 ms each: at least 4 rounds, so the cap holds. How much they
    // overlap is a speed, measured by the benchmarks (sequential request periods), not here:
    // an upper bound on wall time fails on a loaded machine.
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
}

#[tokio::test]
async fn a_search_whose_fresh_tokens_bring_nothing_new_stops_instead_of_paging_forever() {
    use crate::support::fake_jira::Fault;
    let jira = FakeJira::start(Flavor::Cloud).await;
    seed(&jira, 2, &["sev1_20260304"]);
    let c = client(&jira);
    c.deployment().await.unwrap();
    // Empty pages, then the same page again and again: each with a token never seen before.
    for (n, issues) in ["[]", "[]", "[]", "[]"].iter().enumerate() {
        jira.inject(Fault::Response {
            endpoint: Some(Endpoint::SearchJql),
            status: 200,
            headers: Vec::new(),
            body: format!(r#"{{"issues":{issues},"nextPageToken":"fresh-{n}","isLast":false}}"#),
            times: 1,
        });
    }
    jira.reset_request_log();
    let err = c
        .search_by_labels("OPS", &["sev1_20260304".to_owned()], &mut |i| {
            std::sync::Arc::new(i)
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no new issue"), "{err}");
    assert_eq!(jira.requests().count(Endpoint::SearchJql), 3);
}
