//! Config mistakes a new user makes, and what pm-sync says about them.

use super::fixture;
use crate::support::cli::PmSync;

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_key_or_section_gets_a_did_you_mean() {
    let pm = PmSync::new();
    pm.write("pm.md", fixture("mixed.md"));
    pm.write(
        "pm-sync.toml",
        "[jira]\nurll = \"https://acme.atlassian.net\"\n",
    );
    let out = pm.run(&["items", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("line 2: unknown field `urll`"), "{out}");
    assert!(out.stderr.contains("did you mean `url`?"), "{out}");

    pm.write("pm-sync.toml", "[stauts]\nwaived = [\"Won't Do\"]\n");
    let out = pm.run(&["items", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("did you mean `status`?"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_statuses_get_the_same_verdicts_live_and_offline() {
    use super::{seeded, session};
    use crate::support::fake_jira::{FakeJira, Flavor};
    // mixed.md's cells say Done / In Progress / Won't Do, as Jira does for OPS-1..3.
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "In Progress", "Won't Do"]);
    let pm = session(&jira, Flavor::Cloud, &[("pm.md", fixture("mixed.md"))]);
    let verdicts = |stdout: &str| -> Vec<String> {
        let json: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
        json["reports"][0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["verdict"].as_str().unwrap().to_owned())
            .collect()
    };
    let live = pm.run(&["check", "--format", "json", "pm.md"]).await;
    let offline = pm
        .run(&["check", "--offline", "--format", "json", "pm.md"])
        .await;
    assert_eq!(
        verdicts(&live.stdout),
        verdicts(&offline.stdout),
        "{live}\n{offline}"
    );
    assert_eq!(verdicts(&live.stdout)[2], "resolved");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_count_that_would_never_end_is_refused_before_any_request() {
    use crate::support::fake_jira::{FakeJira, Flavor};
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", fixture("mixed.md"));
    pm.write("pm-sync.toml", "[jira]\nmax_retries = 4294967295\n");
    for args in [&["sync", "pm.md"][..], &["doctor"]] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(
            said.contains("max_retries = 4294967295 is out of range")
                && said.contains("from 0 to 10"),
            "{args:?}\n{out}"
        );
    }
    assert_eq!(jira.requests().total, 0);
    pm.write("pm-sync.toml", "[jira]\nmax_retries = 10\n");
    assert_eq!(pm.run(&["doctor"]).await.code, 0);
}
