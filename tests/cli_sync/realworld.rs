//! Real-world report shapes end to end (`tests/fixtures/reports/realworld/`, written for these
//! tests in the shapes of `shared/realworld-shapes.md`): tickets people linked anywhere are never
//! filed twice, their words are never lost, lists and tables without a Status column sync and
//! refresh, and a task box follows its ticket.

use super::*;
use crate::support::fake_jira::{Endpoint, Fault};

const SEED_STATUS_LINKS: &str = include_str!("../fixtures/reports/realworld/seed-status-links.md");
const LISTS: &str = include_str!("../fixtures/reports/realworld/lists.md");
const BUG_COLUMN: &str = include_str!("../fixtures/reports/realworld/bug-column.md");

/// Whether every character of `old` is still in `new`, in order: nothing a person wrote was
/// lost (pm-sync only ever adds its keys and statuses, or overwrites statuses it owns).
fn keeps_every_character(old: &str, new: &str) -> bool {
    let mut rest = new.chars();
    old.chars().all(|c| rest.any(|n| n == c))
}

/// `text` with the fixture's made-up keys replaced by keys the fake really has.
fn with_keys(text: &str, keys: &[(&str, &str)]) -> String {
    keys.iter()
        .fold(text.to_owned(), |text, (from, to)| text.replace(from, to))
}

#[tokio::test(flavor = "multi_thread")]
async fn tickets_linked_in_status_cells_or_at_the_end_are_never_filed_again_and_notes_stay() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.add_project("AUTH", &["Task"]);
        let first = fake.seed_issue("AUTH", "Page on cache hit rate", &[]);
        let second = fake.seed_issue("AUTH", "Load-test token refresh", &[]);
        fake.transition(&first, "In Progress");
        let text = with_keys(
            SEED_STATUS_LINKS,
            &[("AUTH-7192", &first), ("AUTH-1964", &second)],
        );
        pm.write("pm.md", &text);

        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let after = pm.read("pm.md");
        // Only the two rows without a ticket got one.
        assert_eq!(fake.requests().count(Endpoint::BulkCreate), 1, "{flavor:?}");
        let created: Vec<String> = fake
            .issues()
            .into_iter()
            .filter(|i| i.key.starts_with("OPS-"))
            .map(|i| i.summary)
            .collect();
        assert_eq!(
            created,
            [
                "Rotate the cache credentials quarterly",
                "Document the cache warm-up. Include the SEV-1 timeline and the UTF-8 key issue."
            ],
            "{flavor:?}"
        );
        assert!(
            keeps_every_character(&text, &after),
            "{flavor:?}: lost text:\n{after}"
        );
        // The person's links and notes are all there; statuses went beside them.
        assert!(after.contains(&format!(
            "<td><a href=\"https://tracker.example.com/browse/{first}\">{first}</a> · <em>In Progress</em></td>"
        )), "{flavor:?}:\n{after}");
        assert!(
            after.contains("<td>In progress - Advisor team · <em>To Do</em></td>"),
            "{flavor:?}:\n{after}"
        );
        assert!(
            after.contains("<td>N/A · <em>To Do</em></td>"),
            "{flavor:?}:\n{after}"
        );
        // The key goes inside the first paragraph of a multi-paragraph cell.
        assert!(after.contains("<td><p><a href=\""), "{flavor:?}:\n{after}");
        // Tickets of other projects get the labels like any other.
        for key in [&first, &second] {
            let labels = fake.issue(key).expect("issue").labels;
            assert!(
                labels.contains(&"sev1_20200414".to_owned()),
                "{flavor:?}: {labels:?}"
            );
        }

        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}: {out}");
        assert_eq!(
            pm.read("pm.md"),
            after,
            "{flavor:?}: a second sync changed the report"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_items_get_a_key_and_a_status_and_their_box_follows_the_ticket() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.add_project("ING", &["Task"]);
        let ingest = fake.seed_issue("ING", "Readiness gate", &[]);
        let text = with_keys(LISTS, &[("ING-88", &ingest)]);
        pm.write("pm.md", &text);

        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let after = pm.read("pm.md");
        assert!(
            keeps_every_character(&text, &after),
            "{flavor:?}: lost text:\n{after}"
        );
        let created = fake
            .issues()
            .into_iter()
            .filter(|i| i.key.starts_with("OPS-"))
            .count();
        assert_eq!(
            created, 6,
            "{flavor:?}: one per item without a ticket:\n{after}"
        );
        let key_of = |summary: &str| {
            fake.issues()
                .into_iter()
                .find(|i| i.summary == summary)
                .unwrap_or_else(|| panic!("no ticket for {summary}"))
                .key
        };
        let retries = key_of("Cap retries in the upload client at 5");
        let url = format!("{}/browse/{retries}", fake.url());
        assert!(
            after.contains(&format!(
                "- [ ] [{retries}]({url}) Cap retries in the upload client at 5 · *To Do*\n"
            )),
            "{flavor:?}:\n{after}"
        );
        // A continuation line stays with its item; the status goes after it.
        assert!(
            after.contains("hides it for 20 minutes). · *To Do*\n  - owner: platform team"),
            "{flavor:?}:\n{after}"
        );
        // The search link and the list under the next heading are not items.
        assert!(after.contains("- [Every open follow-up]("), "{flavor:?}");
        assert!(after.contains("- Not an action item\n"), "{flavor:?}");

        fake.transition(&retries, "Done");
        let out = pm.run(&["refresh", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let done = pm.read("pm.md");
        assert!(
            done.contains(&format!(
                "- [x] [{retries}]({url}) Cap retries in the upload client at 5 · *Done*\n"
            )),
            "{flavor:?}:\n{done}"
        );

        fake.transition(&retries, "In Progress");
        assert_eq!(pm.run(&["refresh", "pm.md"]).await.code, 0);
        let reopened = pm.read("pm.md");
        assert!(
            reopened.contains(&format!(
                "- [ ] [{retries}]({url}) Cap retries in the upload client at 5 · *In Progress*\n"
            )),
            "{flavor:?}:\n{reopened}"
        );
        // The box a person ticked before any ticket existed is honoured: its new ticket was
        // moved to Done, and the box stays ticked...
        let rollback = key_of("Roll back the kernel change on the build fleet");
        assert_eq!(fake.issue(&rollback).unwrap().status, "Done", "{flavor:?}");
        assert!(
            reopened.contains(&format!("- [x] [{rollback}](")),
            "{flavor:?}:\n{reopened}"
        );
        // ...so the gate counts it resolved, and only the open items fail it.
        let out = pm.run(&["check", "pm.md", "--format", "github"]).await;
        assert_eq!(out.code, 1, "{flavor:?}: {out}");
        assert!(
            !out.stdout.contains(&format!("::{rollback} ")),
            "{flavor:?}: {out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bug_column_holds_the_key_and_the_status_and_a_hand_written_done_is_honoured() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.add_project("SEARCH", &["Task"]);
    let search = fake.seed_issue("SEARCH", "Load shedding", &[]);
    fake.transition(&search, "In Progress");
    let text = with_keys(BUG_COLUMN, &[("SEARCH-51", &search)]);
    pm.write("pm.md", &text);
    // Another team's project does not let the bot edit: Jira's 403 for an edit without the
    // permission. The ticket is still linked and its status read.
    fake.inject(Fault::Response {
        endpoint: Some(Endpoint::EditIssue),
        status: 403,
        headers: Vec::new(),
        body: r#"{"errorMessages":["You do not have permission to edit issues in this project."],"errors":{}}"#.to_owned(),
        times: 1,
    });

    let out = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(
        out.code, 0,
        "a refused label on another project's ticket is a warning: {out}"
    );
    // Said beside what the row was already warned of (its owner nobody can assign).
    let warned = out
        .stdout
        .lines()
        .find(|line| line.contains("warning:") && line.contains("updating SEARCH-1"))
        .unwrap_or_else(|| panic!("no warning about the refused update: {out}"));
    assert!(warned.contains("owner \"jdoe\""), "{out}");
    let after = pm.read("pm.md");
    // The person's link stays as written; only the status word beside it changes.
    assert!(
        after.contains(&format!(
            "| **In Progress** [{search}](https://tracker.example.com/browse/{search}) |"
        )),
        "{after}"
    );
    let page = fake
        .issues()
        .into_iter()
        .find(|i| i.summary == "Page on sustained 5xx above 1%")
        .expect("created")
        .key;
    let url = format!("{}/browse/{page}", fake.url());
    // The person's **DONE** is honoured (the new ticket moved to Done) and kept as written.
    assert!(
        after.contains(&format!("| prevent | asmith | [{page}]({url}) **DONE** |")),
        "{after}"
    );
    assert_eq!(fake.issue(&page).unwrap().status, "Done");
    let write_up = fake
        .issues()
        .into_iter()
        .find(|i| i.summary == "Publish the public write-up")
        .expect("created")
        .key;
    assert!(
        after.contains(&format!(
            "| process | kim | [{write_up}]({}/browse/{write_up}) · *To Do* |",
            fake.url()
        )),
        "{after}"
    );

    let out = pm.run(&["items", "pm.md", "--format", "json"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains(&format!("\"key\": \"{page}\"")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_item_that_starts_with_an_escaped_character_gets_its_key_before_the_backslash() {
    const ESCAPED: &str = "---\nincident_date: 2026-03-04\n---\n# Disk full on the build farm\n\n\
        ## Action Items\n\n\
        - \\*nix hosts: rotate the SSH host keys\n\
        - [ ] \\#build-farm channel: pin the runbook\n\
        - \\_\\_init\\_\\_ hook: stop swallowing errors\n\
        - \\\\\\\\fs01\\backups: move off the shared drive\n\
        - Cap retries at 5\n";
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", ESCAPED);

        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let after = pm.read("pm.md");
        assert!(
            keeps_every_character(ESCAPED, &after),
            "{flavor:?}:\n{after}"
        );
        for (written, summary) in [
            (
                "- [KEY](URL) \\*nix hosts",
                "*nix hosts: rotate the SSH host keys",
            ),
            (
                "- [ ] [KEY](URL) \\#build-farm",
                "#build-farm channel: pin the runbook",
            ),
            (
                "- [KEY](URL) \\_\\_init",
                "__init__ hook: stop swallowing errors",
            ),
            (
                "- [KEY](URL) \\\\\\\\fs01",
                "\\\\fs01\\backups: move off the shared drive",
            ),
        ] {
            let key = fake
                .issues()
                .into_iter()
                .find(|issue| issue.summary == summary)
                .unwrap_or_else(|| panic!("{flavor:?}: no ticket {summary:?}: {:?}", fake.issues()))
                .key;
            let url = format!("{}/browse/{key}", fake.url());
            let line = written.replace("KEY", &key).replace("URL", &url);
            assert!(after.contains(&line), "{flavor:?}: {line}\n{after}");
        }

        // The next run reads the same summaries: nothing to change in Jira or the report.
        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(pm.read("pm.md"), after, "{flavor:?}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_item_that_starts_with_its_tickets_url_keeps_the_tickets_summary() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let bare = fake.seed_issue("OPS", "Cap upload retries", &[]);
        let auto = fake.seed_issue("OPS", "Rotate the SSH host keys", &[]);
        let url = |key: &str| format!("{}/browse/{key}", fake.url());
        let text = format!(
            "---\nincident_date: 2026-03-04\n---\n# PM\n\n## Action Items\n\n\
             - {} Cap upload retries\n- <{}> Rotate the SSH host keys\n",
            url(&bare),
            url(&auto)
        );
        pm.write("pm.md", &text);

        for _ in 0..2 {
            let out = pm.run(&["sync", "pm.md"]).await;
            assert_eq!(out.code, 0, "{flavor:?}: {out}");
            assert!(!out.stdout.contains("summary updated"), "{flavor:?}: {out}");
        }
        assert_eq!(fake.issue(&bare).unwrap().summary, "Cap upload retries");
        assert_eq!(
            fake.issue(&auto).unwrap().summary,
            "Rotate the SSH host keys"
        );
        assert_eq!(fake.issues().len(), 2, "{flavor:?}: nothing filed again");
    }
}
