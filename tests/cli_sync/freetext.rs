//! Free text never stops a sync (issue 17 §5, §6), both flavours: Due and Priority cells as
//! people write them, severities on the built-in scale, and a person's status on a row without
//! a ticket honoured by one transition.

use std::time::Duration;

use super::*;
use crate::support::fake_jira::{Endpoint, Fault};

fn company_config() -> &'static str {
    "[jira.fields]\nComponents = [\"Database\"]\nTeam = \"SRE\"\n"
}

/// Rows whose Due and Priority cells hold dates in other forms, P-numbers, common words and
/// text nobody can read as a date or a priority.
const FREE_TEXT: &str = "---\ndate: 2026-03-04\nseverity: SEV-2\n---\n# Queue backlog\n\n## Action Items\n\n\
| Action Item | Due | Priority | Status |\n|---|---|---|---|\n\
| Alert on queue depth | July 1, 2024 | P1 | |\n\
| Cap the retry storm | 1 July 2024 | critical | |\n\
| Document the drain procedure | Q3 | whenever | |\n\
| Rewrite the consumer | next sprint | Normal | |\n\
| Add a canary | +7d | low | |\n\
| Review the pager rota | TBD | P3 | |\n";

#[tokio::test(flavor = "multi_thread")]
async fn free_text_in_due_and_priority_cells_warns_and_the_sync_goes_on() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write("pm-sync.toml", company_config());
        pm.write("pm.md", FREE_TEXT);

        // A dry run warns the same, on the same rows, and files nothing.
        let dry = pm.run(&["sync", "--dry-run", "pm.md"]).await;
        assert_eq!(dry.code, 0, "{flavor:?}: {dry}");
        assert!(fake.issues().is_empty(), "{flavor:?}: {dry}");
        for needle in [
            "line 13: warning: due date \"Q3\" is not a date: created without a due date",
            "due date \"TBD\" is not a date",
        ] {
            assert!(dry.stdout.contains(needle), "{flavor:?}: {needle}: {dry}");
        }

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(
            fake.issues().len(),
            6,
            "{flavor:?}: every row got its ticket"
        );
        let fields = |text: &str| {
            let issue = fake
                .issues()
                .into_iter()
                .find(|i| i.summary.starts_with(text))
                .unwrap_or_else(|| panic!("{text}"));
            fake.issue_fields(&issue.key).0
        };
        let id = |id: &str| serde_json::json!({ "id": id });
        let alert = fields("Alert on queue depth");
        assert_eq!(alert["duedate"], "2024-07-01", "{flavor:?}");
        assert_eq!(alert["priority"], id("1"), "{flavor:?}: P1 is Highest");
        let retry = fields("Cap the retry storm");
        assert_eq!(retry["duedate"], "2024-07-01", "{flavor:?}");
        assert_eq!(
            retry["priority"],
            id("1"),
            "{flavor:?}: critical is Highest"
        );
        let drain = fields("Document the drain");
        assert!(!drain.contains_key("duedate"), "{flavor:?}: {drain:?}");
        assert!(!drain.contains_key("priority"), "{flavor:?}: {drain:?}");
        assert_eq!(
            fields("Rewrite the consumer")["priority"],
            id("3"),
            "{flavor:?}"
        );
        assert_eq!(fields("Add a canary")["priority"], id("4"), "{flavor:?}");
        assert_eq!(
            fields("Review the pager rota")["priority"],
            id("3"),
            "{flavor:?}"
        );
        for needle in [
            "line 13: warning: due date \"Q3\" is not a date: created without a due date",
            "priority \"whenever\" is none of the project's priorities (Highest, High, Medium, Low, Lowest)",
            "created without a priority",
            "due date \"next sprint\" is not a date",
            "due date \"+7d\" is not a date",
            "due date \"TBD\" is not a date",
        ] {
            assert!(out.stdout.contains(needle), "{flavor:?}: {needle}: {out}");
        }
        assert!(!out.stdout.contains("July 1, 2024\" is not"), "{out}");
        // The cells are the person's: nothing of them changed.
        for cell in ["| Q3 | whenever |", "| July 1, 2024 | P1 |", "| TBD | P3 |"] {
            assert!(pm.read("pm.md").contains(cell), "{flavor:?}: {cell}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn p_numbers_map_by_position_in_the_projects_priority_scheme() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        fake.set_priorities(&["Blocker", "Critical", "Major", "Minor", "Trivial"]);
        pm.write("pm-sync.toml", company_config());
        pm.write(
            "pm.md",
            "---\ndate: 2026-03-04\n---\n## Action Items\n\n\
             | Action Item | Priority |\n|---|---|\n\
             | First | P1 |\n| Second | p3 |\n| Third | urgent |\n| Fourth | minor |\n",
        );

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let priority_of = |summary: &str| {
            let issue = fake
                .issues()
                .into_iter()
                .find(|i| i.summary == summary)
                .unwrap();
            fake.issue_fields(&issue.key).0["priority"].clone()
        };
        let id = |id: &str| serde_json::json!({ "id": id });
        assert_eq!(priority_of("First"), id("1"), "{flavor:?}: Blocker");
        assert_eq!(priority_of("Second"), id("3"), "{flavor:?}: Major");
        assert_eq!(priority_of("Third"), id("1"), "{flavor:?}: Blocker");
        assert_eq!(priority_of("Fourth"), id("4"), "{flavor:?}: Minor");
        assert!(!out.stdout.contains("warning"), "{flavor:?}: {out}");

        // A report that writes P0 counts from zero: P0 is the highest, P1 the next.
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write("pm-sync.toml", company_config());
        pm.write(
            "pm.md",
            "---\ndate: 2026-03-04\n---\n## Action Items\n\n\
             | Action Item | Priority |\n|---|---|\n| Zero | P0 |\n| One | P1 |\n",
        );
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let priority_of = |summary: &str| {
            let issue = fake
                .issues()
                .into_iter()
                .find(|i| i.summary == summary)
                .unwrap();
            fake.issue_fields(&issue.key).0["priority"].clone()
        };
        assert_eq!(priority_of("Zero"), id("1"), "{flavor:?}");
        assert_eq!(priority_of("One"), id("2"), "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_free_text_cell_on_a_linked_ticket_leaves_its_field_as_is() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write("pm-sync.toml", company_config());
        pm.write(
            "pm.md",
            "---\ndate: 2026-03-04\n---\n## Action Items\n\n\
             | Action Item | Due | Priority |\n|---|---|---|\n| Alert on lag | 2024-07-01 | High |\n",
        );
        assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0, "{flavor:?}");
        let text = pm
            .read("pm.md")
            .replace("| 2024-07-01 | High |", "| next sprint | P2 |");
        pm.write("pm.md", &text);

        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert!(
            out.stdout
                .contains("due date \"next sprint\" is not a date; the ticket's is left as is"),
            "{flavor:?}: {out}"
        );
        // P2 is High, which the ticket has already: nothing to send.
        assert_eq!(fake.requests().writes, 0, "{flavor:?}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn severities_in_any_spelling_and_language_make_the_labels() {
    for (front_matter, body, labels) in [
        ("", "**Severity**: Critical\n", "sev1_20240507"),
        ("Schweregrad: SEV 2\n", "", "sev2_20240507"),
        ("", "| Gravedad | Sev 3 |\n|---|---|\n", "sev3_20240507"),
        ("", "重大度: P1\n", "sev1_20240507"),
        ("Severity: major\n", "", "sev2_20240507"),
        ("", "심각도: S4\n", "sev4_20240507"),
        ("", "Gravité : mineure\n", "sev3_20240507"),
    ] {
        let pm = crate::support::cli::PmSync::new();
        pm.write(
            "pm.md",
            format!(
                "---\ndate: 2024-05-07\n{front_matter}---\n# Outage\n\n{body}\n## Action Items\n\n\
                 - [ ] Add an alert\n"
            ),
        );
        let out = pm.run(&["items", "pm.md"]).await;
        assert_eq!(out.code, 0, "{front_matter}{body}: {out}");
        assert!(
            out.stdout.contains(labels),
            "{front_matter}{body}: {labels}: {out}"
        );
        assert!(!out.stdout.contains("default: none found"), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_without_severity_says_it_falls_back_to_the_default() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write(
            "pm.md",
            "---\ndate: 2024-05-07\n---\n## Action Items\n\n- [ ] Add an alert\n",
        );

        let items = pm.run(&["items", "pm.md"]).await;
        assert!(
            items.stdout.contains("severity sev1 (default: none found)"),
            "{items}"
        );
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert!(
            out.stdout.contains("severity sev1 (default: none found)"),
            "{flavor:?}: {out}"
        );
        assert_eq!(fake.issues()[0].labels[..2], ["sev1_20240507", "sev1"]);

        // Named on the command line, it is no fallback.
        let out = pm.run(&["sync", "--severity", "sev2", "pm.md"]).await;
        assert!(!out.stdout.contains("default: none found"), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_severity_stops_sync_naming_the_line_and_the_map_entry_to_add() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write(
            "pm.md",
            "---\ndate: 2024-05-07\n---\n# Outage\n\n**Severity**: purple\n\n## Action Items\n\n- [ ] Add an alert\n",
        );

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        for needle in [
            "pm.md:6:15",
            "severity `purple`",
            "purple = \"sev2\"",
            "[labels.severity_map]",
        ] {
            assert!(out.stderr.contains(needle), "{flavor:?}: {needle}: {out}");
        }
        assert_eq!(fake.requests().total, 0, "{flavor:?}: nothing sent");

        pm.write("pm-sync.toml", "[labels.severity_map]\npurple = \"sev3\"\n");
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.issues()[0].labels[..2], ["sev3_20240507", "sev3"]);
    }
}

/// Rows a person marked before any ticket existed, in their words.
const MARKED: &str = "---\ndate: 2024-05-07\nseverity: sev2\n---\n# Outage\n\n## Action Items\n\n\
| Action Item | Status |\n|---|---|\n\
| Add an alert | Done |\n\
| Cap the retries | In progress |\n\
| Rewrite the cache | Won't do |\n\
| Fix the runbook | Erledigt |\n\
| Drain the queue | To Do |\n\
| Load-test the pipeline | |\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_persons_status_on_a_new_row_is_honoured_by_one_transition_and_their_words_stay() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", MARKED);

        // A dry run shows where each ticket will go, and moves nothing.
        let dry = pm.run(&["sync", "--dry-run", "pm.md"]).await;
        assert_eq!(dry.code, 0, "{flavor:?}: {dry}");
        assert!(
            dry.stdout.lines().any(|l| !l.contains('|')
                && l.contains("Erledigt")
                && l.contains("Fix the runbook")),
            "{flavor:?}: {dry}"
        );
        assert_eq!(fake.requests().count(Endpoint::GetTransitions), 0);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let status_of = |summary: &str| {
            fake.issues()
                .into_iter()
                .find(|i| i.summary == summary)
                .unwrap()
                .status
        };
        assert_eq!(status_of("Add an alert"), "Done", "{flavor:?}");
        assert_eq!(status_of("Cap the retries"), "In Progress", "{flavor:?}");
        assert_eq!(status_of("Rewrite the cache"), "Won't Do", "{flavor:?}");
        assert_eq!(status_of("Fix the runbook"), "Done", "{flavor:?}");
        assert_eq!(status_of("Drain the queue"), "To Do", "{flavor:?}");
        assert_eq!(status_of("Load-test the pipeline"), "To Do", "{flavor:?}");
        // One GET and one POST per marked row, nothing for the others.
        let log = fake.requests();
        assert_eq!(log.count(Endpoint::GetTransitions), 4, "{flavor:?}");
        assert_eq!(log.count(Endpoint::DoTransition), 4, "{flavor:?}");
        // The person's words are kept byte for byte; only keys were added.
        let text = pm.read("pm.md");
        for (summary, words) in [
            ("Add an alert", "Done"),
            ("Cap the retries", "In progress"),
            ("Rewrite the cache", "Won't do"),
            ("Fix the runbook", "Erledigt"),
        ] {
            let line = text
                .lines()
                .find(|l| l.contains(summary))
                .unwrap_or_else(|| panic!("{summary}: {text}"));
            assert!(
                line.ends_with(&format!(" {summary} | {words} |")),
                "{flavor:?}: {line}"
            );
        }
        let empty = text.lines().find(|l| l.contains("Load-test")).unwrap();
        assert!(empty.ends_with("| To Do |"), "{flavor:?}: {empty}");

        // The next sync moves nothing, even where a person reopened the ticket since.
        let alert = fake
            .issues()
            .into_iter()
            .find(|i| i.summary == "Add an alert")
            .unwrap();
        fake.transition(&alert.key, "To Do");
        fake.reset_request_log();
        let again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(again.code, 0, "{flavor:?}: {again}");
        let log = fake.requests();
        assert_eq!(log.count(Endpoint::GetTransitions), 0, "{flavor:?}");
        assert_eq!(log.count(Endpoint::DoTransition), 0, "{flavor:?}");
        assert_eq!(status_of("Add an alert"), "To Do", "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticked_box_without_a_ticket_becomes_a_done_ticket() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write(
            "pm.md",
            "---\ndate: 2024-05-07\n---\n## Action Items\n\n- [x] Add an alert\n- [ ] Cap the retries\n",
        );

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let status_of = |summary: &str| {
            fake.issues()
                .into_iter()
                .find(|i| i.summary == summary)
                .unwrap()
                .status
        };
        assert_eq!(status_of("Add an alert"), "Done", "{flavor:?}");
        assert_eq!(status_of("Cap the retries"), "To Do", "{flavor:?}");
        let text = pm.read("pm.md");
        assert!(text.contains("- [x] "), "{flavor:?}: {text}");
        assert_eq!(fake.requests().count(Endpoint::DoTransition), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_between_create_and_move_is_finished_by_the_next_without_a_second_ticket() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", MARKED);
        // The transitions list answers slowly: the run is killed while it waits.
        fake.inject(Fault::Latency {
            endpoint: Some(Endpoint::GetTransitions),
            delay: Duration::from_secs(30),
            times: 4,
        });

        let mut child = pm.spawn(&["sync", "pm.md"]);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while fake.requests().count(Endpoint::GetTransitions) < 4
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().expect("kill pm-sync");
        let _ = child.wait();
        assert_eq!(
            fake.issues().len(),
            6,
            "{flavor:?}: created before the kill"
        );
        assert!(
            fake.issues().iter().all(|i| i.status == "To Do"),
            "{flavor:?}: not moved yet"
        );
        assert!(
            pm.dir().join(".pm.md.pm-sync-journal.json").exists(),
            "{flavor:?}: the journal remembers the moves owed"
        );

        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.issues().len(), 6, "{flavor:?}: no second ticket");
        let status_of = |summary: &str| {
            fake.issues()
                .into_iter()
                .find(|i| i.summary == summary)
                .unwrap()
                .status
        };
        assert_eq!(status_of("Add an alert"), "Done", "{flavor:?}");
        assert_eq!(status_of("Rewrite the cache"), "Won't Do", "{flavor:?}");
        assert_eq!(status_of("Drain the queue"), "To Do", "{flavor:?}");
        assert_eq!(
            fake.requests().count(Endpoint::DoTransition),
            4,
            "{flavor:?}"
        );
        let text = pm.read("pm.md");
        assert!(
            text.lines().any(|l| l.ends_with(" Add an alert | Done |")),
            "{flavor:?}: {text}"
        );
        assert!(!pm.dir().join(".pm.md.pm-sync-journal.json").exists());

        // Settled: a third run moves nothing.
        fake.reset_request_log();
        assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0);
        assert_eq!(fake.requests().count(Endpoint::GetTransitions), 0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_jira_would_refuse_is_a_row_warning_before_any_write() {
    for flavor in FLAVORS {
        // A plain project: Priority is on its screen, Due Date is not.
        let (fake, pm) = setup(flavor).await;
        pm.write(
            "pm.md",
            "---\ndate: 2026-03-04\n---\n## Action Items\n\n\
             | Action Item | Due | Priority |\n|---|---|---|\n| Alert on lag | | Medium |\n",
        );
        assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0, "{flavor:?}");
        let key = fake.issues()[0].key.clone();
        let text = pm
            .read("pm.md")
            .replace("| | Medium |", "| 2026-05-01 | Whenever |");
        pm.write("pm.md", &text);

        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: the row is not failed: {out}");
        assert!(
            out.stdout
                .contains("has no duedate field: the ticket's due date is left as is"),
            "{flavor:?}: {out}"
        );
        assert!(
            out.stdout.contains("priority \"Whenever\""),
            "{flavor:?}: {out}"
        );
        assert_eq!(
            fake.requests().writes,
            0,
            "{flavor:?}: nothing half-applied: {out}"
        );

        // What Jira accepts is still sent: the priority, without the due date.
        pm.write("pm.md", text.replace("Whenever", "Low"));
        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.requests().writes, 1, "{flavor:?}: {out}");
        assert_eq!(
            fake.issue_fields(&key).0["priority"],
            serde_json::json!({"id": "4"}),
            "{flavor:?}"
        );
        assert!(
            out.stdout.contains("has no duedate field"),
            "{flavor:?}: {out}"
        );
    }
}
