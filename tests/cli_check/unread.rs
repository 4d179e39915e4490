//! Issue 17 §7–§8: no report is skipped in silence, and `items --explain` says why pm-sync read
//! what it read. A folder run names every Markdown file it skipped and why at default
//! verbosity; `check` fails on a file that looks like a post-mortem whose items it cannot read,
//! unless `[report] exclude` leaves it out.

use crate::support::cli::PmSync;
use crate::support::fake_jira::{FakeJira, Flavor};

use super::fixture;

/// A post-mortem (front matter, incident title) whose action items are written in a way
/// pm-sync does not read: a heading naming them, nothing under it.
const UNREADABLE: &str = "---\nincident_date: 2026-03-04\n---\n# Outage of the queue\n\n## Action Items\n\nSee the meeting notes.\n";

#[tokio::test(flavor = "multi_thread")]
async fn check_fails_on_a_post_mortem_it_cannot_read_and_names_other_skipped_files() {
    let pm = PmSync::new();
    pm.write("pms/good.md", fixture("resolved-html.md"));
    pm.write("pms/notes.md", fixture("notes.md"));
    pm.write("pms/2026-03-04-queue.md", UNREADABLE);

    let out = pm.run(&["check", "--offline", "pms"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("2026-03-04-queue.md"), "{out}");
    assert!(out.stderr.contains("[report] exclude"), "{out}");

    // Excluded by a glob, the post-mortem is left out; the meeting notes are still named.
    pm.write("pm-sync.toml", "[report]\nexclude = [\"2026-*.md\"]\n");
    let out = pm.run(&["check", "--offline", "pms"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.stderr.contains("2026-03-04-queue.md"), "{out}");
    assert!(
        out.stderr
            .contains("skipped pms/notes.md: no action items found"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_names_each_skipped_file_and_why_at_default_verbosity() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pms/notes.md", fixture("notes.md"));
    pm.write("pms/queue.md", UNREADABLE);
    pm.write("pms/good.md", fixture("resolved-html.md"));
    let out = pm.run(&["sync", "--dry-run", "pms"]).await;
    assert!(out.stderr.contains("skipped pms/notes.md"), "{out}");
    assert!(
        out.stderr
            .contains("skipped pms/queue.md: it looks like a post-mortem but pm-sync found no action items in it"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn items_explain_names_the_section_the_reason_and_every_skipped_line() {
    let pm = PmSync::new();
    pm.write(
        "pm.md",
        "# Incident: cache outage\n\n## 6. Prevention (Action Items)\n\n- Add an alert on cache misses\n  - owner: sre\n- Queries:\n  - Add an index on orders.created_at\n- How do we test failover?\n- [Open follow-ups](https://tracker.example.com/issues/?jql=labels%3Dx)\n\n| Tarea | Dueño | Prioridad |\n|---|---|---|\n| not read: the list came first | x | y |\n",
    );
    let out = pm.run(&["items", "--explain", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    insta::assert_snapshot!(out.stdout);

    pm.write(
        "table.md",
        "# Incidente\n\n## Acciones correctivas\n\n| Tarea | Dueño | Prioridad | Estado | Ticket |\n|---|---|---|---|---|\n| Renovar el certificado | Ana | Alta | — | n/a |\n",
    );
    let out = pm
        .run(&["items", "--explain", "--format", "json", "table.md"])
        .await;
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["explanation"]["columns"],
        serde_json::json!([
            ["Tarea", "the action item"],
            ["Dueño", "the owner (assignee)"],
            ["Prioridad", "the priority"],
            ["Estado", "the status"],
            ["Ticket", "the ticket"]
        ])
    );
    assert_eq!(json["items"][0]["extra"]["Dueño"], "Ana");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_dangling_link_named_like_a_report_in_a_folder_fails_check_not_skipped() {
    let pm = PmSync::new();
    pm.write("pms/good.md", fixture("resolved-html.md"));
    let out = pm.run(&["check", "--offline", "pms"]).await;
    assert_eq!(out.code, 0, "{out}");
    // The report it named was deleted or renamed: unreadable, as when its path is given.
    std::os::unix::fs::symlink("2026-03-04-queue.md", pm.dir().join("pms/queue.md")).unwrap();
    for args in [
        &["check", "--offline", "pms"][..],
        &["check", "--offline", "pms", "--format", "json"],
        &["check", "--offline", "pms", "--format", "junit"],
    ] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}: {out}");
        assert!(out.to_string().contains("pms/queue.md"), "{args:?}: {out}");
    }
}
