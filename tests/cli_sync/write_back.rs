//! `[report] write_back = ["status", "assignee", "due"]`, both flavours: Jira's assignee and
//! due date go into the Owner and Due cells pm-sync owns (empty, or written by pm-sync); a
//! person's different value is kept with a row warning; a cell changed in the report is sent
//! to Jira; a rerun writes nothing.

use super::*;

const REPORT: &str = "---\ndate: 2026-03-04\n---\n## Action Items\n\n\
| Action Item | Owner | Due | Status |\n|---|---|---|---|\n\
| Alert on queue depth | | | |\n\
| Cap the retry storm | alice@example.com | 2026-04-15 | |\n";

const CONFIG: &str = "[report]\nwrite_back = [\"status\", \"assignee\", \"due\"]\n\n\
[jira.fields]\nComponents = [\"Database\"]\nTeam = \"SRE\"\n";

/// The Owner and Due cells of the row whose item starts with `item`.
fn cells(text: &str, item: &str) -> (String, String) {
    let line = text
        .lines()
        .find(|l| l.starts_with("| ") && l.contains(item))
        .unwrap_or_else(|| panic!("no row {item}: {text}"));
    let parts: Vec<&str> = line.split('|').map(str::trim).collect();
    (parts[2].to_owned(), parts[3].to_owned())
}

fn key_of(fake: &FakeJira, summary: &str) -> String {
    fake.issues()
        .into_iter()
        .find(|i| i.summary.starts_with(summary))
        .unwrap()
        .key
}

#[tokio::test(flavor = "multi_thread")]
async fn jiras_assignee_and_due_date_fill_the_cells_pm_sync_owns_and_a_persons_value_stays() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write("pm-sync.toml", CONFIG);
        pm.write("pm.md", REPORT);
        assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0, "{flavor:?}");
        let alert = key_of(&fake, "Alert on queue depth");
        let cap = key_of(&fake, "Cap the retry storm");

        // People re-assign and re-date in Jira.
        fake.assign(&alert, Some("Bob Jones"));
        fake.set_due_date(&alert, Some("2026-05-01"));
        fake.assign(&cap, Some("Bob Jones"));
        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(
            fake.requests().writes,
            0,
            "{flavor:?}: Jira wins here: {out}"
        );
        let text = pm.read("pm.md");
        assert_eq!(
            cells(&text, "Alert on queue depth"),
            ("Bob Jones".to_owned(), "2026-05-01".to_owned()),
            "{flavor:?}: empty cells get Jira's values: {text}"
        );
        assert_eq!(
            cells(&text, "Cap the retry storm"),
            ("alice@example.com".to_owned(), "2026-04-15".to_owned()),
            "{flavor:?}: a person's value is kept: {text}"
        );
        assert!(
            out.stdout.contains(
                "the Owner cell says \"alice@example.com\" but Jira's assignee is \"Bob Jones\""
            ),
            "{flavor:?}: {out}"
        );

        // Jira changes again: the cell pm-sync wrote follows (refresh does it too).
        fake.assign(&alert, Some("Alice Smith"));
        let out = pm.run(&["refresh", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let text = pm.read("pm.md");
        assert_eq!(
            cells(&text, "Alert on queue depth").0,
            "Alice Smith",
            "{flavor:?}"
        );

        // Nothing changed since: no write anywhere.
        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}: {out}");
        assert_eq!(pm.read("pm.md"), text, "{flavor:?}");

        // A person changes a cell in the report: the report wins, Jira is updated.
        pm.write(
            "pm.md",
            text.replace("| Alice Smith |", "| bob@example.com |"),
        );
        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.requests().writes, 1, "{flavor:?}: {out}");
        let assignee = &fake.issue_fields(&alert).0["assignee"];
        assert!(
            assignee.to_string().contains("bob"),
            "{flavor:?}: {assignee}"
        );
        assert_eq!(
            cells(&pm.read("pm.md"), "Alert on queue depth").0,
            "bob@example.com"
        );

        fake.reset_request_log();
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_write_back_the_cells_are_left_alone() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.use_company_screen();
    pm.write(
        "pm-sync.toml",
        &CONFIG[CONFIG.find("[jira.fields]").unwrap()..],
    );
    pm.write("pm.md", REPORT);
    assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0);
    let alert = key_of(&fake, "Alert on queue depth");
    fake.assign(&alert, Some("Bob Jones"));
    let before = pm.read("pm.md");
    let out = pm.run(&["refresh", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(pm.read("pm.md"), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_write_back_field_is_a_config_error() {
    let (_fake, pm) = setup(Flavor::Cloud).await;
    pm.write(
        "pm-sync.toml",
        "[report]\nwrite_back = [\"status\", \"sprint\"]\n",
    );
    pm.write("pm.md", REPORT);
    let out = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("sprint"), "{out}");
}
