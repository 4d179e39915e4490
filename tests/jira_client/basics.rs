//! Deployment detection, auth checks, project and create-screen discovery, URL rules.

use pm_sync::jira::{Auth, Deployment, JiraClient, JiraError};
use secrecy::SecretString;
use url::Url;

use super::{FLAVORS, client, config, key};
use crate::support::fake_jira::{Endpoint, FAKE_EMAIL, FakeJira, Fault, Flavor};

#[tokio::test]
async fn deployment_is_detected_once_and_cached() {
    for (flavor, expected) in [
        (Flavor::Cloud, Deployment::Cloud),
        (Flavor::DataCenter, Deployment::Datacenter),
    ] {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        assert_eq!(c.deployment().await.unwrap(), expected);
        assert_eq!(c.clone().deployment().await.unwrap(), expected);
        c.myself().await.unwrap();
        assert_eq!(jira.requests().count(Endpoint::ServerInfo), 1);
    }
}

#[tokio::test]
async fn myself_and_project_with_issue_types() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        let me = c.myself().await.unwrap();
        assert_eq!(me.email_address.as_deref(), Some(FAKE_EMAIL));
        match flavor {
            Flavor::Cloud => assert!(me.account_id.is_some()),
            Flavor::DataCenter => assert_eq!(me.name.as_deref(), Some("sre-bot")),
        }
        let p = c.project("OPS").await.unwrap();
        assert_eq!(p.key, "OPS");
        assert!(p.issue_type("task").is_some() && p.issue_type("Bug").is_some());
        let err = c.project("NOPE").await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, JiraError::NotFound { .. }), "{err:?}");
        assert!(
            text.contains("project `NOPE`") && text.contains("No project could be found"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn create_fields_reports_required_and_missing_fields() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        let f = c.create_fields("OPS", "Task").await.unwrap();
        assert_eq!(f.issue_type.name, "Task");
        assert!(f.has("labels") && f.has("summary"));
        assert!(
            f.required_unfilled().is_empty(),
            "{:?}",
            f.required_unfilled()
        );

        jira.require_required_field("customfield_10010");
        jira.hide_create_field("labels");
        let f = c.create_fields("OPS", "Task").await.unwrap();
        assert!(!f.has("labels"));
        let missing: Vec<&str> = f
            .required_unfilled()
            .iter()
            .map(|m| m.field_id.as_str())
            .collect();
        assert_eq!(missing, vec!["customfield_10010"]);

        let err = c
            .create_fields("OPS", "Epic")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("issue type `Epic`") && err.contains("Task, Bug"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn wrong_credentials_name_what_to_check() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let mut cfg = config(&jira);
    cfg.deployment = Deployment::Cloud;
    cfg.auth = Auth::Basic {
        email: FAKE_EMAIL.into(),
        token: SecretString::from("wrong"),
    };
    let err = JiraClient::new(cfg).unwrap().myself().await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Some(401));
    assert!(text.contains("GET /rest/api/3/myself"), "{text}");
    assert!(text.contains("Client must be authenticated"), "{text}");
    assert!(
        text.contains("email and API token")
            && text.contains("api.atlassian.com/ex/jira/{cloudId}"),
        "{text}"
    );

    let jira = FakeJira::start(Flavor::DataCenter).await;
    let mut cfg = config(&jira);
    cfg.deployment = Deployment::Datacenter;
    cfg.auth = Auth::Bearer {
        token: SecretString::from("expired"),
    };
    let text = JiraClient::new(cfg)
        .unwrap()
        .myself()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("GET /rest/api/2/myself") && text.contains("personal access token"),
        "{text}"
    );
}

#[tokio::test]
async fn anonymous_fallback_is_caught() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        jira.set_anonymous_fallback(true);
        jira.seed_issue("OPS", "Existing", &["sev1_20200414"]);
        let mut cfg = config(&jira);
        cfg.auth = match flavor {
            Flavor::Cloud => Auth::Basic {
                email: FAKE_EMAIL.into(),
                token: SecretString::from("wrong"),
            },
            Flavor::DataCenter => Auth::Bearer {
                token: SecretString::from("wrong"),
            },
        };
        let c = JiraClient::new(cfg).unwrap();
        let err = c.myself().await.unwrap_err();
        assert!(matches!(err, JiraError::Unauthorized { .. }), "{err:?}");
        assert!(err.to_string().contains("anonymous"), "{err}");
        // A search would have answered 200 with nothing: the client refuses to trust it.
        let err = c
            .search_by_label("OPS", "sev1_20200414", &[])
            .await
            .unwrap_err();
        assert!(matches!(err, JiraError::Unauthorized { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn forbidden_names_the_permission() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let c = client(&jira);
    let k = jira.seed_issue("OPS", "Existing", &[]);
    jira.inject(Fault::Response {
        endpoint: Some(Endpoint::EditIssue),
        status: 403,
        headers: vec![],
        body: r#"{"errorMessages":["You do not have permission to edit issues in this project."],"errors":{}}"#.into(),
        times: 1,
    });
    let err = c.edit_issue(&key(&k), Some("New"), &[]).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, JiraError::Forbidden { .. }), "{err:?}");
    assert!(
        text.contains("'Edit issues' permission") && text.contains("PUT /rest/api/3/issue/OPS-1"),
        "{text}"
    );
}

#[tokio::test]
async fn http_is_only_for_loopback() {
    let mut cfg = config(&FakeJira::start(Flavor::Cloud).await);
    for bad in ["http://jira.example.com", "ftp://jira.example.com"] {
        cfg.base_url = Url::parse(bad).unwrap();
        let err = JiraClient::new(cfg.clone()).unwrap_err();
        assert!(matches!(err, JiraError::Config(_)), "{err:?}");
        assert!(err.to_string().contains("https://"), "{err}");
    }
    for ok in [
        "http://localhost:8080",
        "http://127.0.0.1:1",
        "https://x.atlassian.net",
    ] {
        cfg.base_url = Url::parse(ok).unwrap();
        JiraClient::new(cfg.clone()).unwrap();
    }
}

#[tokio::test]
async fn ca_file_must_hold_certificates() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let mut cfg = config(&jira);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.pem");
    std::fs::write(&path, "not a certificate\n").unwrap();
    cfg.ca_file = Some(path);
    let err = JiraClient::new(cfg).unwrap_err().to_string();
    assert!(
        err.contains("ca_file") && err.contains("empty.pem"),
        "{err}"
    );
}

#[tokio::test]
async fn browse_url_keeps_the_base_path() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let mut cfg = config(&jira);
    cfg.base_url = Url::parse("https://jira.example.com/jira/").unwrap();
    let c = JiraClient::new(cfg).unwrap();
    assert_eq!(
        c.browse_url(&key("OPS-12")).as_str(),
        "https://jira.example.com/jira/browse/OPS-12"
    );
}
