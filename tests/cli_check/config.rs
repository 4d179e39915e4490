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
