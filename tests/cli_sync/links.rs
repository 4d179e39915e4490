//! The remote link from each ticket to its report (issue 21 §4), both flavours: the title never
//! doubled, a `globalId` within Jira's 255 characters for any path, and a report that moves
//! carries its links along instead of adding new ones.

use super::*;
use crate::support::fake_jira::Endpoint;

const TEMPLATE: &str = "https://git.example.com/sre/blob/main/{path}";

fn report(title: &str) -> String {
    format!(
        "---\ndate: 2024-05-07\ntitle: \"{title}\"\n---\n## Action Items\n\n\
         - [ ] Add an alert on queue depth\n- [ ] Cap the retry storm\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_title_that_says_post_mortem_is_not_said_twice() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", report("Post-mortem: Queue backlog"));
        let out = pm
            .run_env(
                &[("PM_SYNC_REPORT_URL", Some(TEMPLATE))],
                &["sync", "pm.md"],
            )
            .await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        for issue in fake.issues() {
            let links = fake.remote_links(&issue.key);
            assert_eq!(links.len(), 1, "{flavor:?}");
            assert_eq!(links[0].title, "Post-mortem: Queue backlog", "{flavor:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_deep_in_the_tree_gets_a_link_id_jira_accepts() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let deep = format!("{}pm.md", "incidents-by-quarter-and-team/".repeat(9));
        pm.write(&deep, report("Queue backlog"));

        let out = pm
            .run_env(&[("PM_SYNC_REPORT_URL", Some(TEMPLATE))], &["sync", &deep])
            .await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert!(!out.stderr.contains("could not link"), "{flavor:?}: {out}");
        for issue in fake.issues() {
            let links = fake.remote_links(&issue.key);
            assert_eq!(links.len(), 1, "{flavor:?}: {links:?}");
            let id = links[0].global_id.clone().unwrap_or_default();
            assert!(id.chars().count() <= 255, "{flavor:?}: {id}");
            assert!(links[0].url.ends_with("/pm.md"), "{flavor:?}");
            assert!(links[0].url.chars().count() > 255, "the URL itself is long");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_that_moves_moves_its_links_and_adds_none() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        // A repository: the report's id (and mark) is its path below the root.
        std::fs::create_dir_all(pm.dir().join(".git")).unwrap();
        pm.write("postmortems/pm.md", report("Queue backlog"));
        let url = [("PM_SYNC_REPORT_URL", Some(TEMPLATE))];
        let out = pm.run_env(&url, &["sync", "postmortems/pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");

        std::fs::create_dir_all(pm.dir().join("archive/2024")).unwrap();
        std::fs::rename(
            pm.dir().join("postmortems/pm.md"),
            pm.dir().join("archive/2024/pm.md"),
        )
        .unwrap();
        let before = pm.read("archive/2024/pm.md");
        fake.reset_request_log();

        let out = pm.run_env(&url, &["sync", "archive/2024/pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.issues().len(), 2, "{flavor:?}: no new ticket");
        for issue in fake.issues() {
            let links = fake.remote_links(&issue.key);
            assert_eq!(links.len(), 1, "{flavor:?}: {}: {links:?}", issue.key);
            assert_eq!(
                links[0].url, "https://git.example.com/sre/blob/main/archive/2024/pm.md",
                "{flavor:?}"
            );
        }
        let log = fake.requests();
        assert_eq!(log.count(Endpoint::GetRemoteLinks), 2, "{flavor:?}");
        assert_eq!(log.count(Endpoint::UpsertRemoteLink), 2, "{flavor:?}");
        assert_eq!(pm.read("archive/2024/pm.md"), before, "{flavor:?}");

        // Settled: the next run sends nothing.
        fake.reset_request_log();
        let out = pm.run_env(&url, &["sync", "archive/2024/pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}: {out}");
    }
}
