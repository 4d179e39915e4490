//! Two copies of one report (two clones, two CI jobs) synced at the same moment: each files
//! its own tickets; a later `sync --close-duplicates` converges both copies on the lowest keys
//! and closes the extra tickets.

use std::collections::HashMap;
use std::time::Duration;

use crate::cli_sync::{FLAVORS, generated_report, setup};
use crate::support::fake_jira::FakeJira;

const ITEMS: usize = 3;

/// The keys a report links, in row order.
fn keys_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let start = line.find("/browse/")? + "/browse/".len();
            let rest = &line[start..];
            let end = rest.find('"')?;
            Some(rest[..end].to_owned())
        })
        .collect()
}

/// Open tickets per summary.
fn open_per_item(fake: &FakeJira) -> HashMap<String, usize> {
    let mut open = HashMap::new();
    for issue in fake.issues() {
        if issue.status == "To Do" || issue.status == "In Progress" {
            *open.entry(issue.summary).or_insert(0) += 1;
        }
    }
    open
}

#[tokio::test(flavor = "multi_thread")]
async fn two_copies_synced_at_once_converge_on_one_open_ticket_per_item() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let text = generated_report(ITEMS, "2020-04-14");
        // Two clones of one repository: the same report at the same path in each.
        pm.write("clone-a/report.md", &text);
        pm.write("clone-b/report.md", &text);

        // Every request takes a while, so both runs search before either creates.
        fake.set_latency(Duration::from_millis(300));
        let (a, b) = tokio::join!(
            pm.run(&["sync", "clone-a/report.md"]),
            pm.run(&["sync", "clone-b/report.md"])
        );
        fake.set_latency(Duration::ZERO);
        assert_eq!(a.code, 0, "{flavor:?}: {a}");
        assert_eq!(b.code, 0, "{flavor:?}: {b}");
        assert_eq!(
            fake.issues().len(),
            2 * ITEMS,
            "{flavor:?}: the race this test is about did not happen"
        );
        assert_ne!(
            keys_in(&pm.read("clone-a/report.md")),
            keys_in(&pm.read("clone-b/report.md"))
        );

        let out = pm
            .run(&[
                "sync",
                "--close-duplicates",
                "clone-a/report.md",
                "clone-b/report.md",
            ])
            .await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let keys_a = keys_in(&pm.read("clone-a/report.md"));
        let keys_b = keys_in(&pm.read("clone-b/report.md"));
        assert_eq!(
            keys_a, keys_b,
            "{flavor:?}: both copies carry the same keys"
        );
        assert_eq!(
            keys_a,
            ["OPS-1", "OPS-2", "OPS-3"],
            "{flavor:?}: the lowest keys win"
        );
        let open = open_per_item(&fake);
        assert_eq!(open.len(), ITEMS, "{flavor:?}: {open:?}");
        assert!(open.values().all(|n| *n == 1), "{flavor:?}: {open:?}");
        for issue in fake.issues() {
            let duplicate = !keys_a.contains(&issue.key);
            assert_eq!(
                issue.labels.iter().any(|l| l == "pm-sync-duplicate"),
                duplicate,
                "{flavor:?}: {issue:?}"
            );
        }
        assert!(out.stderr.contains("duplicates OPS-"), "{flavor:?}: {out}");

        // Converged: one more run finds nothing to do.
        fake.reset_request_log();
        let again = pm
            .run(&[
                "sync",
                "--close-duplicates",
                "clone-a/report.md",
                "clone-b/report.md",
            ])
            .await;
        assert_eq!(again.code, 0, "{flavor:?}: {again}");
        assert_eq!(
            fake.requests().writes,
            0,
            "{flavor:?}: {:?}",
            fake.requests().entries
        );
    }
}
