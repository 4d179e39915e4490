//! Two copies of one report (two clones, two CI jobs) synced at the same moment: each files
//! its own tickets; a later `sync --close-duplicates` converges both copies on the lowest keys
//! and closes the extra tickets.

use std::collections::HashMap;
use std::time::Duration;

use crate::cli_sync::{FLAVORS, generated_report, setup};
use crate::support::cli::PmSync;
use crate::support::fake_jira::{Endpoint, FakeJira, Fault, Flavor};

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

/// Two clones of one repository (the same report at the same path in each) synced by two
/// processes at the same moment: each files its own `items` tickets.
async fn race(fake: &FakeJira, pm: &PmSync, items: usize) {
    let text = generated_report(items, "2020-04-14");
    pm.write("clone-a/report.md", &text);
    pm.write("clone-b/report.md", &text);
    // Each run's search answers late (as a loaded Jira would), so both runs have searched before
    // either creates, however the two processes happen to be scheduled.
    let search = match fake.flavor() {
        Flavor::Cloud => Endpoint::SearchJql,
        Flavor::DataCenter => Endpoint::Search,
    };
    fake.inject(Fault::Latency {
        endpoint: Some(search),
        delay: Duration::from_secs(2),
        times: 2,
    });
    let (a, b) = tokio::join!(
        pm.run(&["sync", "clone-a/report.md"]),
        pm.run(&["sync", "clone-b/report.md"])
    );
    assert_eq!(a.code, 0, "{a}");
    assert_eq!(b.code, 0, "{b}");
    assert_eq!(
        fake.issues().len(),
        2 * items,
        "the race this test is about did not happen"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_copies_synced_at_once_converge_on_one_open_ticket_per_item() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        race(&fake, &pm, ITEMS).await;
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

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_sync_that_searches_converges_and_names_the_duplicate_without_closing_it() {
    let (fake, pm) = setup(Flavor::DataCenter).await;
    race(&fake, &pm, 1).await;
    // Copy B gets a new item, so its next sync searches the date label.
    pm.write("clone-b/report.md", {
        let text = pm.read("clone-b/report.md");
        text.replace(
            "</tbody>",
            "<tr class=\"odd\">\n<td>A new item</td>\n<td></td>\n</tr>\n</tbody>",
        )
    });

    let out = pm.run(&["sync", "clone-b/report.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        keys_in(&pm.read("clone-b/report.md")),
        ["OPS-1", "OPS-3"],
        "{out}"
    );
    assert!(out.stderr.contains("OPS-2 duplicates OPS-1"), "{out}");
    assert!(out.stderr.contains("--close-duplicates"), "{out}");
    // Named, not closed: closing is asked for with --close-duplicates.
    assert_eq!(fake.issue("OPS-2").unwrap().status, "To Do");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_of_duplicates_that_fails_ends_with_exit_3_saying_why() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    race(&fake, &pm, 1).await;
    // A workflow that offers no transition from the duplicate's status.
    fake.inject(Fault::Response {
        endpoint: Some(Endpoint::GetTransitions),
        status: 200,
        headers: Vec::new(),
        body: r#"{"transitions":[]}"#.into(),
        times: 10,
    });

    let out = pm
        .run(&[
            "sync",
            "--close-duplicates",
            "clone-b/report.md",
            "--format",
            "json",
        ])
        .await;

    assert_eq!(out.code, 3, "asked for, not done: {out}");
    assert!(
        out.stderr.contains("could not close duplicate OPS-2: no transition to a done status is offered (offered: none)"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert!(
        json["unfinished"][0]
            .as_str()
            .unwrap_or_default()
            .contains("OPS-2"),
        "{json}"
    );
    assert_eq!(fake.issue("OPS-2").unwrap().status, "To Do");
}

fn search_endpoint(flavor: Flavor) -> Endpoint {
    match flavor {
        Flavor::Cloud => Endpoint::SearchJql,
        Flavor::DataCenter => Endpoint::Search,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_race_a_plain_sync_of_either_copy_converges_and_names_the_duplicates() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        race(&fake, &pm, ITEMS).await;
        let b_before = keys_in(&pm.read("clone-b/report.md"));

        // Nothing new in the copy: before, this run read its keys and said "ok".
        let out = pm.run(&["sync", "clone-b/report.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let keys_b = keys_in(&pm.read("clone-b/report.md"));
        assert_eq!(keys_b, ["OPS-1", "OPS-2", "OPS-3"], "{flavor:?}: {out}");
        for extra in b_before.iter().filter(|k| !keys_b.contains(k)) {
            assert!(
                out.stderr.contains(&format!("{extra} duplicates OPS-")),
                "{flavor:?}: {extra} named: {out}"
            );
        }
        assert!(
            out.stderr.contains("--close-duplicates"),
            "{flavor:?}: {out}"
        );

        // Both copies converged: a run over both that changes nothing asks one search for both.
        pm.run(&["sync", "clone-a/report.md"]).await;
        fake.reset_request_log();
        let out = pm
            .run(&["sync", "clone-a/report.md", "clone-b/report.md"])
            .await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let log = fake.requests();
        assert_eq!(log.writes, 0, "{flavor:?}: {:?}", log.entries);
        // One labels search for both reports; Data Center also reads the linked keys by search
        // (`key in (…)`, one request), where Cloud uses bulkfetch.
        let reads_by_search = usize::from(flavor == Flavor::DataCenter);
        assert_eq!(
            log.count(search_endpoint(flavor)),
            1 + reads_by_search,
            "{flavor:?}: one search for both reports: {:?}",
            log.entries
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_files_with_the_same_items_in_one_folder_name_each_other() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    let text = generated_report(2, "2020-04-14");
    pm.write("postmortems/first.md", &text);
    pm.write("postmortems/second.md", &text);
    let out = pm.run(&["sync", "postmortems/first.md"]).await;
    assert_eq!(out.code, 0, "{out}");

    for _ in 0..2 {
        // The second file's own tickets are filed once; every sync of it names the first.
        let out = pm.run(&["sync", "postmortems/second.md"]).await;
        assert_eq!(out.code, 0, "{out}");
        assert!(
            out.stderr.contains(
                "items match tickets pm-sync created for postmortems/first.md: OPS-1, OPS-2"
            ),
            "{out}"
        );
        assert!(out.stderr.contains("If it is a copy"), "{out}");
        assert!(out.stderr.contains("`| OPS-1 … |`"), "how to adopt: {out}");
    }
    assert_eq!(
        fake.issues().len(),
        4,
        "second.md never takes first.md's tickets"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_in_another_folder_of_the_repository_is_named_by_its_path() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    std::fs::create_dir(pm.dir().join(".git")).unwrap();
    let text = generated_report(2, "2020-04-14");
    pm.write("postmortems/2020/outage.md", &text);
    pm.write("drafts/outage-copy.md", &text);
    let out = pm.run(&["sync", "postmortems/2020/outage.md"]).await;
    assert_eq!(out.code, 0, "{out}");

    let out = pm.run(&["sync", "drafts/outage-copy.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains(
            "items match tickets pm-sync created for postmortems/2020/outage.md: OPS-1, OPS-2"
        ),
        "names the copy, not only its label: {out}"
    );
    assert_eq!(
        fake.issues().len(),
        4,
        "the copy never takes the other's tickets"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_made_from_a_synced_one_keeping_its_keys_names_it_and_a_moved_one_does_not() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    std::fs::create_dir(pm.dir().join(".git")).unwrap();
    pm.write("postmortems/march.md", generated_report(2, "2020-03-01"));
    let out = pm.run(&["sync", "postmortems/march.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    // April's report starts as a copy of March's, keys and all.
    let april = pm
        .read("postmortems/march.md")
        .replace("2020-03-01", "2020-04-14");
    pm.write("postmortems/april.md", &april);

    for (report, other) in [("april.md", "march.md"), ("march.md", "april.md")] {
        let out = pm.run(&["sync", &format!("postmortems/{report}")]).await;
        assert_eq!(out.code, 0, "{out}");
        assert!(
            out.stderr.contains(&format!(
                "postmortems/{report} and postmortems/{other} both link OPS-1, OPS-2"
            )),
            "{report}: {out}"
        );
        assert!(out.stderr.contains("remove these keys"), "the fix: {out}");
    }
    assert_eq!(fake.issues().len(), 2, "nothing filed twice");

    // A report that was moved leaves nothing at its old path: no warning.
    std::fs::remove_file(pm.dir().join("postmortems/april.md")).unwrap();
    std::fs::rename(
        pm.dir().join("postmortems/march.md"),
        pm.dir().join("postmortems/2020-03.md"),
    )
    .unwrap();
    let out = pm.run(&["sync", "postmortems/2020-03.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.stderr.contains("both link"), "{out}");
}
