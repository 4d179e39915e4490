//! The client's transition calls against the fake (and so the fake's model of Jira's
//! `GET`/`POST /issue/{key}/transitions`): listed from the current status with their target
//! status, made by id (204), refused for an id the issue does not offer (400).

use pm_sync::jira::JiraError;

use crate::jira_client::{FLAVORS, client, key};
use crate::support::fake_jira::FakeJira;

#[tokio::test]
async fn transitions_are_listed_with_their_targets_and_made_by_id() {
    for flavor in FLAVORS {
        let fake = FakeJira::start(flavor).await;
        let issue = key(&fake.seed_issue("OPS", "Close me", &["sev1"]));
        let jira = client(&fake);

        let offered = jira.transitions(&issue).await.expect("listed");
        let names: Vec<&str> = offered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["In Progress", "Done", "Won't Do"], "{flavor:?}");
        let wont_do = offered.iter().find(|t| t.name == "Won't Do").unwrap();
        assert!(
            wont_do.to.as_ref().is_some_and(|to| to.is_done()),
            "{flavor:?}"
        );
        let in_progress = offered.iter().find(|t| t.name == "In Progress").unwrap();
        assert!(!in_progress.to.as_ref().unwrap().is_done(), "{flavor:?}");

        jira.transition_issue(&issue, &wont_do.id)
            .await
            .expect("made");
        let now = fake.issue(issue.as_str()).unwrap();
        assert_eq!(now.status, "Won't Do", "{flavor:?}");
        assert_eq!(now.resolution.as_deref(), Some("Won't Do"), "{flavor:?}");

        // The same transition again is not offered from the new status: Jira's 400.
        let error = jira
            .transition_issue(&issue, &wont_do.id)
            .await
            .expect_err("not valid from Won't Do");
        assert!(
            !matches!(error, JiraError::NotFound { .. }),
            "{flavor:?}: {error}"
        );
        assert!(
            error.to_string().contains("is not valid for this issue"),
            "{error}"
        );
    }
}
