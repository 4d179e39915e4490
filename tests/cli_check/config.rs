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
