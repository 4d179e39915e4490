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

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_of_thousands_of_tickets_reads_them_in_batches_as_one_read_would() {
    // 2,150 linked rows: more than one batch (1,200 keys: 3 rounds of 4 requests), so the
    // tickets are read and let go a batch at a time; the requests are those of one read of
    // every key (100 keys each).
    const ROWS: usize = 2_150;
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let keys: Vec<String> = (1..=ROWS)
            .map(|n| fake.seed_issue("OPS", &format!("Item {n}"), &["sev1_20200414", "sev1"]))
            .collect();
        let mut report = String::from(
            "---\ndate: 2020-04-14\n---\n# Big\n\n## Action Items\n\n| Action Item | Ticket | Status |\n|---|---|---|\n",
        );
        for (n, key) in keys.iter().enumerate() {
            let url = format!("{}/browse/{key}", fake.url());
            // Row 2 says Done: a status only a ticket of the second batch has. It is still
            // judged as with every ticket read first: a status Jira knows, so pm-sync's.
            let status = if n == 1 { "Done" } else { "To Do" };
            report.push_str(&format!("| Item {} | [{key}]({url}) | {status} |\n", n + 1));
        }
        pm.write("pm.md", &report);
        fake.transition(&keys[0], "In Progress");
        fake.transition(&keys[ROWS - 1], "Done");
        fake.reset_request_log();

        let out = pm.run(&["refresh", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let log = fake.requests();
        let reads = match flavor {
            Flavor::Cloud => log.count(Endpoint::BulkFetch),
            Flavor::DataCenter => log.count(Endpoint::Search),
        };
        assert_eq!(reads, ROWS.div_ceil(100), "{flavor:?}");
        assert_eq!(log.writes, 0, "{flavor:?}");
        let text = pm.read("pm.md");
        let status_of = |n: usize| {
            let item = format!("| Item {n} |");
            let line = text.lines().find(|l| l.starts_with(&item)).unwrap();
            line.rsplit('|').nth(1).unwrap().trim().to_owned()
        };
        assert_eq!(status_of(1), "In Progress", "{flavor:?}");
        assert_eq!(status_of(ROWS), "Done", "{flavor:?}");
        assert_eq!(status_of(2), "To Do", "{flavor:?}");
        assert_eq!(status_of(3), "To Do", "{flavor:?}");
        assert!(out.stdout.contains("3 rows changed"), "{flavor:?}: {out}");
    }
}
