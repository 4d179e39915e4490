//! `pm-sync refresh`: statuses only, batched reads, only changed reports rewritten.

use super::*;
use crate::support::fake_jira::Endpoint;

#[tokio::test(flavor = "multi_thread")]
async fn refresh_writes_new_statuses_in_batches_and_never_changes_jira() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("postmortems/a.md", HTML_REPORT);
        pm.write("postmortems/b.md", generated_report(3, "2021-05-06"));
        pm.write("postmortems/notes/readme.md", "# Not a post-mortem\n");
        let out = pm
            .run(&["sync", "postmortems/a.md", "postmortems/b.md"])
            .await;
        assert_eq!(out.code, 0, "{out}");
        let key = fake
            .issues()
            .into_iter()
            .find(|i| i.summary == HTML_SUMMARIES[2])
            .unwrap()
            .key;
        fake.transition(&key, "Done");
        let untouched = pm.dir().join("postmortems/b.md");
        let b_modified = mtime(&untouched);
        fake.reset_request_log();

        let out = pm.run(&["refresh", "postmortems"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let log = fake.requests();
        assert_eq!(
            log.writes, 0,
            "{flavor:?}: refresh changed Jira: {:?}",
            log.entries
        );
        let reads = match flavor {
            Flavor::Cloud => log.count(Endpoint::BulkFetch),
            Flavor::DataCenter => log.count(Endpoint::Search),
        };
        assert_eq!(
            reads, 1,
            "{flavor:?}: one batched read for 7 keys: {:?}",
            log.entries
        );
        let text = pm.read("postmortems/a.md");
        let line = text
            .lines()
            .skip_while(|l| !l.contains(&format!(">{key}</a>")))
            .nth(1)
            .unwrap();
        assert_eq!(line, "<td>Done</td>", "{flavor:?}");
        assert_eq!(
            mtime(&untouched),
            b_modified,
            "an unchanged report was rewritten"
        );
        assert!(out.stdout.contains("1 rows changed"), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_reports_rows_without_tickets_and_deleted_keys() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0);
    let gone = fake.issues()[0].key.clone();
    fake.delete_issue(&gone);
    pm.write("new.md", generated_report(1, "2022-01-01"));

    let out = pm.run(&["refresh", "pm.md", "new.md"]).await;

    assert_eq!(out.code, 3, "a deleted key is a warning: {out}");
    assert!(out.stdout.contains("missing"), "{out}");
    assert!(out.stdout.contains(&gone), "{out}");
    assert!(out.stdout.contains("no ticket"), "{out}");
    assert_eq!(fake.issues().len(), 3, "refresh never creates");
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_dry_run_shows_the_diff_and_writes_nothing() {
    let (fake, pm) = setup(Flavor::DataCenter).await;
    let report = pm.write("pm.md", HTML_REPORT);
    assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0);
    let key = fake.issues()[0].key.clone();
    fake.transition(&key, "In Progress");
    let before = std::fs::read(&report).unwrap();

    let out = pm.run(&["refresh", "--dry-run", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("+<td>In Progress</td>"), "{out}");
    assert_eq!(std::fs::read(&report).unwrap(), before);
}
