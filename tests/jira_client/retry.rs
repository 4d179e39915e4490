//! Retries: Retry-After, storms, caps, dropped connections, timeouts.

use std::time::{Duration, Instant};

use pm_sync::jira::{JiraClient, JiraError};

use super::{client, config};
use crate::support::fake_jira::{Endpoint, FakeJira, Fault, Flavor};

/// The one test that waits in real time: Retry-After: 1 is honoured (not treated as a cap).
#[tokio::test]
async fn retry_after_is_honoured_in_real_time() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let mut cfg = config(&jira);
    cfg.max_retry_delay = Duration::from_secs(5);
    let c = JiraClient::new(cfg).unwrap();
    c.deployment().await.unwrap();
    jira.inject(Fault::Status {
        endpoint: Some(Endpoint::Myself),
        status: 429,
        retry_after: Some("1".into()),
        times: 1,
    });
    let started = Instant::now();
    c.myself().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(jira.requests().count(Endpoint::Myself), 2);
}

#[tokio::test]
async fn retry_after_zero_uses_the_floor_and_succeeds() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    let c = client(&jira);
    jira.inject(Fault::Status {
        endpoint: Some(Endpoint::Search),
        status: 429,
        retry_after: Some("0".into()),
        times: 2,
    });
    jira.seed_issue("OPS", "A", &["sev1"]);
    let found = c.search_by_label("OPS", "sev1", &[]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(jira.requests().count(Endpoint::Search), 3);
}

#[tokio::test]
async fn rate_limit_reset_header_is_read() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    c.deployment().await.unwrap();
    // A reset an hour away is more than max_retry_delay: give up at once, and say so.
    let reset = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%MZ")
        .to_string();
    jira.inject(Fault::Response {
        endpoint: Some(Endpoint::Myself),
        status: 429,
        headers: vec![("X-RateLimit-Reset".into(), reset)],
        body: r#"{"errorMessages":["Rate limit exceeded."],"errors":{}}"#.into(),
        times: 5,
    });
    let err = c.myself().await.unwrap_err();
    assert!(
        matches!(err, JiraError::RetryAfterTooLong { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("GET /rest/api/3/myself"), "{err}");
    assert_eq!(jira.requests().count(Endpoint::Myself), 1);
}

#[tokio::test]
async fn a_503_storm_gives_up_at_the_cap_naming_the_request() {
    for flavor in [Flavor::Cloud, Flavor::DataCenter] {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        c.deployment().await.unwrap();
        jira.inject(Fault::Status {
            endpoint: None,
            status: 503,
            retry_after: None,
            times: 100,
        });
        let err = c.project("OPS").await.unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, JiraError::RetriesExhausted { attempts: 4, .. }),
            "{err:?}"
        );
        assert!(err.is_retryable() || err.status() == Some(503));
        assert!(
            text.contains("/project/OPS") && text.contains("GET") && text.contains("HTTP 503"),
            "{text}"
        );
        assert_eq!(
            jira.requests().count(Endpoint::Project),
            4,
            "1 try + 3 retries"
        );
    }
}

#[tokio::test]
async fn dropped_connections_on_reads_are_retried() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    c.deployment().await.unwrap();
    jira.inject(Fault::DropConnection {
        endpoint: Some(Endpoint::Project),
        times: 2,
    });
    c.project("OPS").await.unwrap();
    assert_eq!(jira.requests().count(Endpoint::Project), 3);
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let mut cfg = config(&jira);
    cfg.request_timeout = Duration::from_millis(200);
    let c = JiraClient::new(cfg).unwrap();
    c.deployment().await.unwrap();
    jira.inject(Fault::Latency {
        endpoint: Some(Endpoint::Myself),
        delay: Duration::from_millis(500),
        times: 1,
    });
    c.myself().await.unwrap();
    assert_eq!(jira.requests().count(Endpoint::Myself), 2);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    c.deployment().await.unwrap();
    jira.inject(Fault::Status {
        endpoint: Some(Endpoint::Myself),
        status: 400,
        retry_after: None,
        times: 5,
    });
    let err = c.myself().await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_retryable() && !err.is_ambiguous());
    assert_eq!(jira.requests().count(Endpoint::Myself), 1);
}

#[tokio::test]
async fn a_redirect_to_another_address_is_named_not_followed_and_one_within_the_site_is() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let other = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    c.deployment().await.unwrap();
    let redirect = |to: String| Fault::Response {
        endpoint: Some(Endpoint::Myself),
        status: 307,
        headers: vec![("Location".into(), to)],
        body: String::new(),
        times: 1,
    };
    // Within the site: followed.
    jira.inject(redirect(format!("{}/rest/api/3/myself", jira.url())));
    assert!(c.myself().await.is_ok());
    // Elsewhere: the request stops there, named, and is not tried again.
    jira.reset_request_log();
    jira.inject(redirect(format!("{}/rest/api/3/myself", other.url())));
    let err = c.myself().await.unwrap_err();
    assert!(matches!(err, JiraError::Redirected { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&other.url()) && text.contains("set [jira] url"),
        "{text}"
    );
    assert_eq!(jira.requests().count(Endpoint::Myself), 1);
    assert_eq!(other.requests().total, 0, "followed to the other address");
    // A loop within the site ends after a few hops, not retried.
    jira.reset_request_log();
    for _ in 0..20 {
        jira.inject(redirect(format!("{}/rest/api/3/myself", jira.url())));
    }
    let err = c.myself().await.unwrap_err();
    assert!(matches!(err, JiraError::Redirected { .. }), "{err:?}");
    assert!(jira.requests().count(Endpoint::Myself) <= 6);
}

#[tokio::test]
async fn a_login_page_answered_with_200_is_named_as_such() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    c.deployment().await.unwrap();
    jira.inject(Fault::Response {
        endpoint: Some(Endpoint::Myself),
        status: 200,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: "\n<!DOCTYPE html><html><body><form>Sign in with SSO</form></body></html>".into(),
        times: 1,
    });
    let err = c.myself().await.unwrap_err().to_string();
    assert!(
        err.contains("HTML page") && err.contains("single sign-on proxy"),
        "{err}"
    );
}

#[tokio::test]
async fn a_deployment_type_neither_cloud_nor_server_is_not_guessed() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    let c = client(&jira);
    jira.inject(Fault::Response {
        endpoint: Some(Endpoint::ServerInfo),
        status: 200,
        headers: Vec::new(),
        body: r#"{"baseUrl":"http://x","version":"1.0","deploymentType":"Martian"}"#.into(),
        times: 1,
    });
    let err = c.deployment().await.unwrap_err().to_string();
    assert!(
        err.contains("\"Martian\"") && err.contains("set [jira] deployment"),
        "{err}"
    );
}
