//! `pm-sync doctor`: each check failing in turn, with the message and exit code a user sees.

use crate::support::cli::PmSync;
use crate::support::fake_jira::{Endpoint, FAKE_TOKEN, FakeJira, Flavor};

/// The doctor's lines, with the fake's address (a random port) replaced by `$JIRA`.
async fn doctor(pm: &PmSync, jira: Option<&FakeJira>) -> (i32, String) {
    let out = pm.run(&["doctor"]).await;
    let mut text = out.to_string();
    if let Some(jira) = jira {
        text = text.replace(&jira.url(), "$JIRA");
    }
    text = text.replace(&pm.dir().display().to_string(), "$DIR");
    (out.code, text)
}

#[tokio::test(flavor = "multi_thread")]
async fn everything_passes_on_cloud() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 0, "{text}");
    insta::assert_snapshot!(text, @r#"
        ✓ config file: none found (looked for pm-sync.toml and $DIR/.config/pm-sync/config.toml); using environment variables and defaults
        ✓ Jira settings: $JIRA/, project OPS, issue type "Task"
        ✓ token: JIRA_API_TOKEN is set (basic auth as sre-bot@example.com, for Jira Cloud)
        ✓ Jira reachable: $JIRA/ answers
        ✓ deployment: Jira Cloud (configured, and serverInfo agrees)
        ✓ credentials accepted: signed in as SRE Bot <sre-bot@example.com>
        ✓ project OPS exists: "OPS project"
        ✓ issue type "Task" exists in project OPS
        ✓ create screen of Task in OPS: takes labels; every required field is one pm-sync fills (project, issuetype, summary, description, labels)
        all 9 checks passed; pm-sync is ready (nothing was created)
        ------- stderr -------
        [exit status: 0]
        "#);
    // Nothing was created.
    assert_eq!(jira.requests().writes, 0);
    assert!(jira.issues().is_empty());
    // The project read named the issue type's id, so the screen is one createmeta read.
    assert_eq!(jira.requests().count(Endpoint::CreateMetaIssueTypes), 0);
    assert_eq!(jira.requests().count(Endpoint::CreateMetaFields), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn everything_passes_on_data_center_with_auto_detection() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    let pm = PmSync::against(&jira, Flavor::DataCenter).without_env("JIRA_DEPLOYMENT");

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("✓ deployment: Jira Data Center / Server (detected)"),
        "{text}"
    );
    assert!(text.contains("bearer token"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_fails_credentials_with_the_401_and_a_fix() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud).env("JIRA_API_TOKEN", "not-the-token");

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 3, "{text}");
    assert!(text.contains("✗ credentials:"), "{text}");
    assert!(text.contains("401"), "{text}");
    assert!(text.contains("fix: put a current API token"), "{text}");
    assert!(text.contains("- project: skipped"), "{text}");
    assert!(!text.contains("not-the-token"), "the token leaked: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_fallback_is_caught() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    jira.set_anonymous_fallback(true);
    let pm = PmSync::against(&jira, Flavor::DataCenter).env("JIRA_API_TOKEN", "stale");

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 3, "{text}");
    assert!(text.contains("✗ credentials:"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_project_is_a_config_problem() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud).env("JIRA_PROJECT", "NOPE");

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 2, "{text}");
    assert!(text.contains("✗ project NOPE not found"), "{text}");
    assert!(text.contains("fix: set [jira] project"), "{text}");
    assert!(text.contains("- issue type: skipped"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_issue_type_lists_the_project_s_types() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm-sync.toml", "[jira]\nissue_type = \"Incident Action\"\n");

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("✗ issue type \"Incident Action\" does not exist in project OPS"),
        "{text}"
    );
    assert!(
        text.contains("fix: set [jira] issue_type to one of: Task, Bug"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_required_field_pm_sync_does_not_fill_fails_the_create_screen() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    jira.require_required_field("components");
    let pm = PmSync::against(&jira, Flavor::Cloud);

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("✗ create screen of Task in OPS: required field"),
        "{text}"
    );
    assert!(text.contains("(components)"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_screen_without_labels_fails() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    jira.hide_create_field("labels");
    let pm = PmSync::against(&jira, Flavor::DataCenter);

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 3, "{text}");
    assert!(text.contains("no Labels field"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_on_a_non_loopback_host_is_refused_before_any_request() {
    let pm = PmSync::new()
        .env("JIRA_URL", "http://jira.example.com")
        .env("JIRA_PROJECT", "OPS")
        .env("JIRA_API_TOKEN", FAKE_TOKEN);

    let (code, text) = doctor(&pm, None).await;

    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("✗ Jira settings: Jira URL \"http://jira.example.com\" uses http://"),
        "{text}"
    );
    assert!(text.contains("fix: use https://"), "{text}");
    assert!(text.contains("- Jira reachable: skipped"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_variable_is_named_and_its_value_never_shown() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud).without_env("JIRA_API_TOKEN");

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("✗ token: the environment variable JIRA_API_TOKEN"),
        "{text}"
    );
    assert_eq!(jira.requests().total, 0);

    let pm = PmSync::against(&jira, Flavor::Cloud);
    let (_, text) = doctor(&pm, Some(&jira)).await;
    assert!(text.contains("✓ token: JIRA_API_TOKEN is set"), "{text}");
    assert!(!text.contains(FAKE_TOKEN), "the token leaked: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_url_fails_reachability() {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    let pm = PmSync::new()
        .env("JIRA_URL", "http://127.0.0.1:1")
        .env("JIRA_PROJECT", "OPS")
        .env("JIRA_API_TOKEN", FAKE_TOKEN);

    let (code, text) = doctor(&pm, None).await;

    assert_eq!(code, 3, "{text}");
    assert!(text.contains("✗ Jira reachable:"), "{text}");
    assert!(
        text.contains("fix: check the URL (http://127.0.0.1:1/)"),
        "{text}"
    );
    assert!(text.contains("- credentials: skipped"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_that_contradicts_the_server_is_named() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    let pm = PmSync::against(&jira, Flavor::DataCenter).env("JIRA_DEPLOYMENT", "cloud");

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("configured as Jira Cloud but the server says it is Jira Data Center"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_lists_every_check() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud).env("JIRA_PROJECT", "NOPE");

    let out = pm.run(&["doctor", "--format", "json"]).await;

    assert_eq!(out.code, 2, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["passed"], false);
    let states: Vec<(&str, &str)> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["check"].as_str().unwrap(), c["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("config_file", "ok"),
            ("jira_settings", "ok"),
            ("token", "ok"),
            ("reachable", "ok"),
            ("deployment", "ok"),
            ("credentials", "ok"),
            ("project", "failed"),
            ("issue_type", "skipped"),
            ("create_screen", "skipped"),
        ]
    );
    assert_eq!(json["checks"][6]["blame"], "config");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_config_file_in_use_is_named() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm-sync.toml", "[jira]\nissue_type = \"Task\"\n");

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("✓ config file: pm-sync.toml (valid)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_config_file_is_the_first_failed_step() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write(
        "pm-sync.toml",
        "[jira]\nurll = \"https://typo.example.net\"\n",
    );

    let (code, text) = doctor(&pm, Some(&jira)).await;

    assert_eq!(code, 2, "{text}");
    assert!(
        text.starts_with("✗ config file: invalid config file pm-sync.toml: line 2:"),
        "{text}"
    );
    assert!(text.contains("urll"), "{text}");
    assert!(
        text.contains("- Jira reachable: skipped (needs a valid config file)"),
        "{text}"
    );
    assert_eq!(jira.requests().total, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn right_after_init_without_a_url_or_token_the_placeholder_url_is_named_first() {
    let pm = PmSync::new();
    let out = pm.run(&["init", "--project", "OPS"]).await;
    assert!(
        out.stdout.contains(
            "✗ Jira settings: the URL https://example.atlassian.net is still the placeholder"
        ),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("✗ token: the environment variable JIRA_API_TOKEN"),
        "{out}"
    );
    assert!(!out.stdout.contains("✓ Jira settings"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cloud_without_an_email_gets_cloud_advice_before_signing_in() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::new().env("JIRA_API_TOKEN", FAKE_TOKEN);
    let out = pm
        .run(&["init", "--url", &jira.url(), "--project", "OPS"])
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stdout.contains(
            "✗ credentials: Jira Cloud signs in with the Atlassian account's email and an API token, and no email is configured"
        ),
        "{out}"
    );
    assert!(out.stdout.contains("pm-sync init --email"), "{out}");
    assert!(
        !out.stdout.contains("personal access token"),
        "no Data Center advice: {out}"
    );
    // The token was never sent to sign in (/myself).
    assert_eq!(jira.requests().count(Endpoint::Myself), 0, "{out}");
}
