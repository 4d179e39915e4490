//! The post-mortem's own ticket (`[jira] parent = "create"`), both flavours: created once
//! before the items — also when its create's response is lost or the run is killed — its key
//! written into the front matter byte-exact, every item created as its child.

use std::time::Duration;

use super::*;
use crate::support::fake_jira::{Endpoint, FakeIssue, Fault};

/// Two items, front matter with date and severity.
const REPORT: &str = "---\ndate: 2026-03-04\nseverity: SEV-2\n---\n# Queue backlog\n\n## Action Items\n\n\
| Action Item | Owner | Status |\n|---|---|---|\n\
| Alert on queue depth above 10k | alice@example.com | |\n\
| Cap the retry storm | | |\n";

/// The same items without front matter (the date is in the title).
const BARE_REPORT: &str = "# 2026-03-04 Queue backlog\n\n## Action Items\n\n\
| Action Item | Status |\n|---|---|\n\
| Alert on queue depth above 10k | |\n\
| Cap the retry storm | |\n";

const COMPANY: &str = "[jira.fields]\nComponents = [\"Database\"]\nTeam = \"SRE\"\n";

fn parents(fake: &FakeJira, issue_type: &str) -> Vec<FakeIssue> {
    fake.issues()
        .into_iter()
        .filter(|i| i.issue_type == issue_type)
        .collect()
}

/// The parent each item was created under (Cloud and sub-tasks: `parent`; Data Center under
/// an Epic: the Epic Link field).
fn parent_of(fake: &FakeJira, key: &str) -> Option<String> {
    let fields = fake.issue_fields(key).0;
    fields
        .get("parent")
        .and_then(|p| p["key"].as_str())
        .or_else(|| fields.get("customfield_10100").and_then(|p| p.as_str()))
        .map(str::to_owned)
}

fn items(fake: &FakeJira, parent: &str) -> Vec<FakeIssue> {
    fake.issues()
        .into_iter()
        .filter(|i| i.key != parent)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn parent_create_files_one_epic_and_every_item_is_its_child() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        fake.add_issue_type("OPS", "Epic");
        pm.write(
            "pm-sync.toml",
            format!("[jira]\nparent = \"create\"\n\n{COMPANY}"),
        );
        pm.write("pm.md", REPORT);
        fake.reset_request_log();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let epics = parents(&fake, "Epic");
        assert_eq!(epics.len(), 1, "{flavor:?}: {epics:?}");
        let epic = &epics[0];
        assert_eq!(epic.summary, "Post-mortem: Queue backlog", "{flavor:?}");
        for label in ["sev2", "sev2_20260304"] {
            assert!(
                epic.labels.iter().any(|l| l == label),
                "{flavor:?}: {epic:?}"
            );
        }
        assert!(
            epic.labels.iter().any(|l| l.starts_with("pmsync_")),
            "{flavor:?}: the parent carries the report's mark: {epic:?}"
        );
        assert!(
            epic.description
                .as_deref()
                .is_some_and(|d| d.contains("pm.md")),
            "{flavor:?}: the description names the report: {epic:?}"
        );
        // The company's required fields go to the parent too.
        assert_eq!(
            fake.issue_fields(&epic.key).0["customfield_10010"],
            serde_json::json!({"id": "20002"}),
            "{flavor:?}"
        );
        let children = items(&fake, &epic.key);
        assert_eq!(children.len(), 2, "{flavor:?}");
        for child in &children {
            assert_eq!(child.issue_type, "Task", "{flavor:?}");
            assert_eq!(
                parent_of(&fake, &child.key).as_deref(),
                Some(epic.key.as_str()),
                "{flavor:?}: {child:?}"
            );
        }
        // The parent costs one create; the items go in one bulk create as before.
        let log = fake.requests();
        assert_eq!(log.writes, 2, "{flavor:?}: {:?}", log.entries);
        assert_eq!(
            log.count(Endpoint::BulkCreate) + log.count(Endpoint::CreateIssue),
            2,
            "{flavor:?}"
        );
        // The key goes into the front matter; every other byte of it is kept.
        let text = pm.read("pm.md");
        assert!(
            text.starts_with(&format!(
                "---\ndate: 2026-03-04\nseverity: SEV-2\njira_parent: {}\n---\n# Queue backlog\n",
                epic.key
            )),
            "{flavor:?}: {text}"
        );

        // A rerun changes nothing, here or in Jira.
        fake.reset_request_log();
        let again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(again.code, 0, "{flavor:?}: {again}");
        assert_eq!(
            fake.requests().writes,
            0,
            "{flavor:?}: {:?}",
            fake.requests().entries
        );
        assert_eq!(pm.read("pm.md"), text, "{flavor:?}");
        assert_eq!(fake.issues().len(), 3, "{flavor:?}");
        assert!(
            !pm.dir().join(".pm.md.pm-sync-journal.json").exists(),
            "{flavor:?}: the journal is settled"
        );

        // `check` counts the items; the post-mortem's own ticket only when asked to.
        for child in &children {
            fake.transition(&child.key, "Done");
        }
        let check = pm.run(&["check", "pm.md"]).await;
        assert_eq!(check.code, 0, "{flavor:?}: {check}");
        pm.write(
            "pm-sync.toml",
            format!("[jira]\nparent = \"create\"\ncheck_parent = true\n\n{COMPANY}"),
        );
        let check = pm.run(&["check", "pm.md"]).await;
        assert_eq!(check.code, 1, "{flavor:?}: the parent is open: {check}");
        assert!(check.stdout.contains(&epic.key), "{flavor:?}: {check}");
        fake.transition(&epic.key, "Done");
        let check = pm.run(&["check", "pm.md"]).await;
        assert_eq!(check.code, 0, "{flavor:?}: {check}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_without_front_matter_gets_one_and_sub_tasks_where_there_are_no_epics() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.add_issue_type("OPS", "Sub-task");
        pm.write("pm-sync.toml", "[jira]\nparent = \"create\"\n");
        pm.write("pm.md", BARE_REPORT);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let tasks = parents(&fake, "Task");
        assert_eq!(
            tasks.len(),
            1,
            "{flavor:?}: no Epic type, so a Task: {tasks:?}"
        );
        let parent = &tasks[0].key;
        let subtasks = parents(&fake, "Sub-task");
        assert_eq!(subtasks.len(), 2, "{flavor:?}");
        for child in &subtasks {
            assert_eq!(
                parent_of(&fake, &child.key).as_deref(),
                Some(parent.as_str())
            );
        }
        let text = pm.read("pm.md");
        let added = format!("---\njira_parent: {parent}\n---\n");
        assert!(text.starts_with(&added), "{flavor:?}: {text}");
        // Below the added front matter the report is what it was, keys and statuses aside.
        let body = &text[added.len()..];
        assert_eq!(
            body.lines().count(),
            BARE_REPORT.lines().count(),
            "{flavor:?}"
        );
        assert!(body.starts_with("# 2026-03-04 Queue backlog\n\n## Action Items\n"));

        fake.reset_request_log();
        let again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(again.code, 0, "{flavor:?}: {again}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}");
        assert_eq!(pm.read("pm.md"), text);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn jira_parent_create_in_the_front_matter_is_replaced_by_the_key_in_place() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        fake.add_issue_type("OPS", "Epic");
        pm.write("pm-sync.toml", COMPANY);
        let written = REPORT.replace(
            "severity: SEV-2\n",
            "severity: SEV-2\njira_parent: create  # ours\n",
        );
        pm.write("pm.md", &written);

        let dry = pm.run(&["sync", "--dry-run", "pm.md"]).await;
        assert_eq!(dry.code, 0, "{flavor:?}: {dry}");
        assert!(
            dry.stderr.contains(
                "would create the post-mortem's own ticket \"Post-mortem: Queue backlog\""
            ),
            "{flavor:?}: {dry}"
        );
        assert!(fake.issues().is_empty(), "{flavor:?}");
        assert_eq!(pm.read("pm.md"), written, "{flavor:?}");

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let epics = parents(&fake, "Epic");
        assert_eq!(epics.len(), 1, "{flavor:?}");
        let text = pm.read("pm.md");
        assert!(
            text.starts_with(&format!(
                "---\ndate: 2026-03-04\nseverity: SEV-2\njira_parent: {}  # ours\n---\n",
                epics[0].key
            )),
            "{flavor:?}: {text}"
        );
        for child in items(&fake, &epics[0].key) {
            assert_eq!(parent_of(&fake, &child.key), Some(epics[0].key.clone()));
        }
        fake.reset_request_log();
        let again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(again.code, 0, "{flavor:?}: {again}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_response_to_the_parents_create_never_files_a_second_parent() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        fake.add_issue_type("OPS", "Epic");
        pm.write(
            "pm-sync.toml",
            format!("[jira]\nparent = \"create\"\n\n{COMPANY}"),
        );
        pm.write("pm.md", REPORT);
        // The parent's create is the first: Jira makes it, the answer never arrives.
        fake.inject(Fault::LoseCreateResponse { times: 1 });
        fake.set_search_lag(2);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let epics = parents(&fake, "Epic");
        assert_eq!(epics.len(), 1, "{flavor:?}: {epics:?}");
        let children = items(&fake, &epics[0].key);
        assert_eq!(children.len(), 2, "{flavor:?}");
        for child in &children {
            assert_eq!(parent_of(&fake, &child.key), Some(epics[0].key.clone()));
        }
        assert!(
            pm.read("pm.md")
                .contains(&format!("jira_parent: {}\n", epics[0].key))
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parent_search_cannot_show_yet_holds_the_items_and_the_next_run_adopts_it() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.use_company_screen();
    fake.add_issue_type("OPS", "Epic");
    pm.write(
        "pm-sync.toml",
        format!("[jira]\nparent = \"create\"\n\n{COMPANY}"),
    );
    pm.write("pm.md", REPORT);
    fake.inject(Fault::LoseCreateResponse { times: 1 });
    fake.set_search_lag(40);

    let out = pm
        .run_env(
            &[("PM_SYNC_TEST_RECONCILE_WAIT_MS", Some("200"))],
            &["sync", "pm.md"],
        )
        .await;

    assert_eq!(out.code, 3, "the parent's fate is unknown: {out}");
    assert!(out.stdout.contains("pending"), "{out}");
    assert_eq!(
        fake.issues().len(),
        1,
        "no item is created outside its parent"
    );
    assert_eq!(pm.read("pm.md"), REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    let epics = parents(&fake, "Epic");
    assert_eq!(
        epics.len(),
        1,
        "the next run filed a second parent: {epics:?}"
    );
    let children = items(&fake, &epics[0].key);
    assert_eq!(children.len(), 2);
    for child in &children {
        assert_eq!(parent_of(&fake, &child.key), Some(epics[0].key.clone()));
    }
    assert!(!pm.dir().join(".pm.md.pm-sync-journal.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_after_the_parents_create_leaves_one_parent_and_the_rerun_hangs_the_items_under_it()
 {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        fake.add_issue_type("OPS", "Epic");
        pm.write(
            "pm-sync.toml",
            format!("[jira]\nparent = \"create\"\n\n{COMPANY}"),
        );
        pm.write("pm.md", REPORT);
        fake.set_latency(Duration::from_millis(300));
        fake.set_search_lag(2);

        let mut child = pm.spawn(&["sync", "pm.md"]);
        // Killed once Jira has made the parent, before its answer arrives.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while fake.issues().is_empty() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().expect("kill pm-sync");
        let _ = child.wait();
        assert_eq!(fake.issues().len(), 1, "{flavor:?}: the parent only");
        assert_eq!(pm.read("pm.md"), REPORT, "{flavor:?}");

        fake.set_latency(Duration::ZERO);
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let epics = parents(&fake, "Epic");
        assert_eq!(epics.len(), 1, "{flavor:?}: {epics:?}");
        for child in items(&fake, &epics[0].key) {
            assert_eq!(parent_of(&fake, &child.key), Some(epics[0].key.clone()));
        }
        assert!(
            pm.read("pm.md")
                .contains(&format!("jira_parent: {}\n", epics[0].key))
        );
        assert!(
            !pm.dir().join(".pm.md.pm-sync-journal.json").exists(),
            "{flavor:?}: the parent's journal entry is settled"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_after_the_key_was_saved_creates_the_items_under_that_parent() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        fake.add_issue_type("OPS", "Epic");
        let epic = fake.seed_issue_of_type("OPS", "Epic", "Post-mortem: Queue backlog", &[]);
        pm.write(
            "pm-sync.toml",
            format!("[jira]\nparent = \"create\"\n\n{COMPANY}"),
        );
        let saved = REPORT.replace("SEV-2\n", &format!("SEV-2\njira_parent: {epic}\n"));
        pm.write("pm.md", &saved);
        fake.reset_request_log();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(parents(&fake, "Epic").len(), 1, "{flavor:?}");
        // The items' one bulk create, nothing for the parent.
        assert_eq!(fake.requests().writes, 1, "{flavor:?}");
        for child in items(&fake, &epic) {
            assert_eq!(parent_of(&fake, &child.key), Some(epic.clone()));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parent_type_the_project_lacks_stops_the_run_before_any_write() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write(
            "pm-sync.toml",
            "[jira]\nparent = \"create\"\nparent_type = \"Initiative\"\n",
        );
        pm.write("pm.md", REPORT);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        assert!(out.stderr.contains("Initiative"), "{flavor:?}: {out}");
        assert!(fake.issues().is_empty(), "{flavor:?}");
        assert_eq!(pm.read("pm.md"), REPORT);
    }
}
