//! Bulk create (chunks, partial failure, ambiguity), edit, remote links.

use pm_sync::jira::{BULK_CREATE_LIMIT, CreateOutcome, JiraClient, NewIssue};

use super::{FLAVORS, client, config, key, new_issue};
use crate::support::fake_jira::{Endpoint, FakeJira, Fault, Flavor};

fn created_keys(outcomes: &[CreateOutcome]) -> Vec<String> {
    outcomes
        .iter()
        .map(|o| match o {
            CreateOutcome::Created { key, .. } => key.to_string(),
            other => panic!("not created: {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn creates_in_request_order_with_descriptions_per_flavour() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        let out = c
            .create_issues(&[
                new_issue("Add an alert", &["sev1_20200414", "sev1"]),
                new_issue("Fix the runbook", &["sev1_20200414", "sev1"]),
            ])
            .await;
        assert_eq!(created_keys(&out), vec!["OPS-1", "OPS-2"]);
        let issue = jira.issue("OPS-2").unwrap();
        assert_eq!(issue.summary, "Fix the runbook");
        assert_eq!(issue.labels, vec!["sev1_20200414", "sev1"]);
        assert_eq!(issue.status, "To Do");
        // Cloud got ADF (the fake flattens it), DC got the string; both read back the same text.
        assert_eq!(
            issue.description.as_deref(),
            Some(match flavor {
                Flavor::Cloud => "From post-mortem PM-42.\nFix the runbook",
                Flavor::DataCenter => "From post-mortem PM-42.\n\nFix the runbook",
            })
        );
        assert_eq!(jira.requests().count(Endpoint::BulkCreate), 1);
    }
}

#[tokio::test]
async fn more_than_fifty_are_chunked() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    let items: Vec<NewIssue> = (0..120)
        .map(|i| new_issue(&format!("Item {i}"), &["sev1"]))
        .collect();
    let out = c.create_issues(&items).await;
    assert_eq!(out.len(), 120);
    let keys = created_keys(&out);
    // Outcomes follow request order; the fake numbers keys in arrival order per chunk.
    for (i, k) in keys.iter().enumerate() {
        let issue = jira.issue(k).unwrap();
        assert_eq!(issue.summary, format!("Item {i}"));
    }
    assert_eq!(
        jira.requests().count(Endpoint::BulkCreate),
        120usize.div_ceil(BULK_CREATE_LIMIT)
    );
    assert_eq!(jira.issues().len(), 120);
}

#[tokio::test]
async fn partial_failure_maps_errors_to_their_items() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        let mut long = new_issue(&"x".repeat(300), &[]);
        long.description = None;
        let out = c
            .create_issues(&[
                new_issue("Good one", &["sev1"]),
                new_issue("Bad label", &["has space"]),
                long,
                new_issue("Good two", &["sev1"]),
            ])
            .await;
        assert!(
            matches!(&out[0], CreateOutcome::Created { key, .. } if key.as_str() == "OPS-1"),
            "{out:?}"
        );
        assert!(
            matches!(&out[1], CreateOutcome::Rejected { message } if message.contains("The label 'has space' contains spaces")),
            "{out:?}"
        );
        assert!(
            matches!(&out[2], CreateOutcome::Rejected { message } if message.contains("Summary must be less than 255 characters")),
            "{out:?}"
        );
        assert!(
            matches!(&out[3], CreateOutcome::Created { key, .. } if key.as_str() == "OPS-2"),
            "{out:?}"
        );
        assert_eq!(jira.issues().len(), 2);
    }
}

#[tokio::test]
async fn all_invalid_is_rejected_per_item() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    jira.require_required_field("customfield_10010");
    let out = client(&jira)
        .create_issues(&[new_issue("A", &[]), new_issue("B", &[])])
        .await;
    for o in &out {
        assert!(
            matches!(o, CreateOutcome::Rejected { message } if message.contains("customfield_10010 is required")),
            "{o:?}"
        );
    }
    assert!(jira.issues().is_empty());
}

#[tokio::test]
async fn lost_create_response_is_ambiguous_and_the_issue_exists() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        c.deployment().await.unwrap();
        jira.inject(Fault::LoseCreateResponse { times: 1 });
        let out = c
            .create_issues(&[new_issue("Add an alert", &["sev1"])])
            .await;
        assert!(
            matches!(&out[0], CreateOutcome::Ambiguous { message } if message.contains("POST /rest/api/")),
            "{out:?}"
        );
        // Never resent: exactly one create request, and the issue exists once.
        assert_eq!(jira.requests().count(Endpoint::BulkCreate), 1);
        assert_eq!(jira.issues().len(), 1);
        assert_eq!(jira.issues()[0].summary, "Add an alert");
    }
}

#[tokio::test]
async fn server_errors_after_send_are_ambiguous_and_not_retried() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    for status in [500, 502, 503] {
        jira.reset_request_log();
        jira.inject(Fault::Status {
            endpoint: Some(Endpoint::BulkCreate),
            status,
            retry_after: None,
            times: 1,
        });
        let out = c
            .create_issues(&[new_issue("A", &[]), new_issue("B", &[])])
            .await;
        assert!(
            out.iter()
                .all(|o| matches!(o, CreateOutcome::Ambiguous { .. })),
            "{status}: {out:?}"
        );
        assert_eq!(jira.requests().count(Endpoint::BulkCreate), 1, "{status}");
    }
}

#[tokio::test]
async fn rate_limited_creates_are_retried() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    jira.inject(Fault::Status {
        endpoint: Some(Endpoint::BulkCreate),
        status: 429,
        retry_after: Some("0".into()),
        times: 2,
    });
    let out = c.create_issues(&[new_issue("A", &[])]).await;
    assert_eq!(created_keys(&out), vec!["OPS-1"]);
    assert_eq!(jira.requests().count(Endpoint::BulkCreate), 3);
    assert_eq!(jira.issues().len(), 1);
}

#[tokio::test]
async fn a_503_with_retry_after_is_not_a_promise_that_nothing_was_created() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    jira.inject(Fault::StatusAfterCreate {
        status: 503,
        retry_after: Some("0".into()),
        times: 1,
    });
    let out = c.create_issues(&[new_issue("A", &[])]).await;
    assert!(
        matches!(&out[0], CreateOutcome::Ambiguous { .. }),
        "{out:?}"
    );
    assert_eq!(jira.requests().count(Endpoint::BulkCreate), 1, "sent again");
    assert_eq!(jira.issues().len(), 1);
}

#[tokio::test]
async fn dropped_create_is_ambiguous_but_connect_failure_is_not() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    c.deployment().await.unwrap();
    jira.inject(Fault::DropConnection {
        endpoint: Some(Endpoint::BulkCreate),
        times: 1,
    });
    let out = c.create_issues(&[new_issue("A", &[])]).await;
    assert!(
        matches!(&out[0], CreateOutcome::Ambiguous { .. }),
        "{out:?}"
    );
    assert_eq!(jira.requests().count(Endpoint::BulkCreate), 1);

    // Nothing listens there: the request never left, so nothing can have been created.
    let mut cfg = config(&jira);
    cfg.deployment = pm_sync::jira::Deployment::Cloud;
    cfg.base_url = url::Url::parse("http://127.0.0.1:9").unwrap();
    cfg.max_retries = 1;
    let out = JiraClient::new(cfg)
        .unwrap()
        .create_issues(&[new_issue("A", &[])])
        .await;
    assert!(
        matches!(&out[0], CreateOutcome::Rejected { message } if message.contains("Connect")),
        "{out:?}"
    );
}

#[tokio::test]
async fn edit_adds_labels_and_keeps_existing_ones() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        let k = jira.seed_issue("OPS", "Old summary", &["team-x", "sev1"]);
        c.edit_issue(
            &key(&k),
            Some("New summary"),
            &["sev1".into(), "sev1_20200414".into()],
        )
        .await
        .unwrap();
        let issue = jira.issue(&k).unwrap();
        assert_eq!(issue.summary, "New summary");
        assert_eq!(issue.labels, vec!["team-x", "sev1", "sev1_20200414"]);
        // Nothing to change: no request at all.
        jira.reset_request_log();
        c.edit_issue(&key(&k), None, &[]).await.unwrap();
        assert_eq!(jira.requests().total, 0);
        // Jira's validation comes back as a typed error with the field.
        let err = c
            .edit_issue(&key(&k), Some("two\nlines"), &[])
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(400));
        assert!(
            err.to_string().contains("summary: The summary is invalid"),
            "{err}"
        );
        let err = c
            .edit_issue(&key("OPS-99"), Some("x"), &[])
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("issue `OPS-99` not found"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn remote_links_upsert_by_global_id() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        let k = key(&jira.seed_issue("OPS", "Existing", &[]));
        c.upsert_remote_link(&k, "pm-sync:pm=42:item=1", "https://pm.example/42", "PM-42")
            .await
            .unwrap();
        c.upsert_remote_link(
            &k,
            "pm-sync:pm=42:item=1",
            "https://pm.example/42#v2",
            "PM-42 (moved)",
        )
        .await
        .unwrap();
        let links = jira.remote_links(k.as_str());
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].url, "https://pm.example/42#v2");
        assert_eq!(links[0].title, "PM-42 (moved)");
    }
}

#[tokio::test]
async fn one_key_answered_for_several_items_is_written_into_none_of_them() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    let issue = |key: &str| {
        format!(
            r#"{{"id":"10001","key":"{key}","self":"{}/rest/api/3/issue/10001"}}"#,
            jira.url()
        )
    };
    jira.inject(Fault::Response {
        endpoint: Some(Endpoint::BulkCreate),
        status: 201,
        headers: Vec::new(),
        body: format!(
            r#"{{"issues":[{},{},{}],"errors":[]}}"#,
            issue("OPS-1"),
            issue("OPS-1"),
            issue("OPS-2")
        ),
        times: 1,
    });
    let out = c
        .create_issues(&[
            new_issue("A", &[]),
            new_issue("B", &[]),
            new_issue("C", &[]),
        ])
        .await;
    assert!(
        matches!(&out[0], CreateOutcome::Ambiguous { message } if message.contains("more than one item")),
        "{out:?}"
    );
    assert!(
        matches!(&out[1], CreateOutcome::Ambiguous { .. }),
        "{out:?}"
    );
    assert!(
        matches!(&out[2], CreateOutcome::Created { key, .. } if key.as_str() == "OPS-2"),
        "{out:?}"
    );
}

#[tokio::test]
async fn a_503_from_the_rate_limiter_is_waited_out_and_sent_again() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    // Cloud's load shedding names the limit it hit: the create never ran.
    jira.inject(Fault::Response {
        endpoint: Some(Endpoint::BulkCreate),
        status: 503,
        headers: vec![
            ("Retry-After".into(), "0".into()),
            ("RateLimit-Reason".into(), "jira-burst-based".into()),
        ],
        body: r#"{"errorMessages":["Rate limit exceeded."],"errors":{}}"#.into(),
        times: 1,
    });
    let out = c.create_issues(&[new_issue("A", &[])]).await;
    assert_eq!(created_keys(&out), vec!["OPS-1"]);
    assert_eq!(jira.requests().count(Endpoint::BulkCreate), 2);
    assert_eq!(jira.issues().len(), 1);
}
