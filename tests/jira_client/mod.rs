//! The Jira client against the stateful fake Jira, Cloud and Data Center.

mod basics;
mod create;
mod fake_contract;
mod fields;
mod read;
mod retry;
mod secrets;

use std::time::Duration;

use pm_sync::jira::{Auth, Deployment, IssueKey, JiraClient, JiraConfig, NewIssue};
use secrecy::SecretString;
use url::Url;

use crate::support::fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Flavor};

/// The credentials the fake accepts for its flavour.
pub fn good_auth(flavor: Flavor) -> Auth {
    match flavor {
        Flavor::Cloud => Auth::Basic {
            email: FAKE_EMAIL.into(),
            token: SecretString::from(FAKE_TOKEN),
        },
        Flavor::DataCenter => Auth::Bearer {
            token: SecretString::from(FAKE_TOKEN),
        },
    }
}

/// Test config: auto-detected deployment, millisecond retry delays, 3 retries.
pub fn config(fake: &FakeJira) -> JiraConfig {
    let mut c = JiraConfig::new(
        Url::parse(&fake.url()).expect("fake URL"),
        good_auth(fake.flavor()),
    );
    c.deployment = Deployment::Auto;
    c.max_retries = 3;
    c.min_retry_delay = Duration::from_millis(1);
    c.max_retry_delay = Duration::from_millis(20);
    c.request_timeout = Duration::from_secs(5);
    c.connect_timeout = Duration::from_secs(2);
    c
}

/// A client for the fake with [`config`].
pub fn client(fake: &FakeJira) -> JiraClient {
    JiraClient::new(config(fake)).expect("client")
}

/// Both flavours, for tests that apply to both.
pub const FLAVORS: [Flavor; 2] = [Flavor::Cloud, Flavor::DataCenter];

/// A key from a literal.
pub fn key(s: &str) -> IssueKey {
    IssueKey::parse(s).unwrap_or_else(|| panic!("bad key {s}"))
}

/// A new Task in OPS.
pub fn new_issue(summary: &str, labels: &[&str]) -> NewIssue {
    NewIssue {
        project: "OPS".into(),
        issue_type: "Task".into(),
        summary: summary.into(),
        description: Some(format!("From post-mortem PM-42.\n\n{summary}")),
        labels: std::sync::Arc::new(labels.iter().map(|l| (*l).to_owned()).collect()),
        ..NewIssue::default()
    }
}
