//! Company Jira projects end to end, both flavours: required fields from `[jira.fields]` and
//! front matter, Owner / Due / Priority columns, a parent or a link per incident, and
//! validation that stops the run (exit 2) before the first ticket is created.

use super::*;
use crate::support::fake_jira::{Endpoint, Fault};

/// Four items with Owner, Due and Priority columns: Alice by e-mail, Bob by e-mail (hidden on
/// Cloud), Alice again by display name, and a team.
const REPORT: &str = "---\ndate: 2026-03-04\nseverity: SEV-2\n---\n# Queue backlog\n\n## Action Items\n\n\
| Action Item | Owner | Due | Priority | Status |\n|---|---|---|---|---|\n\
| Alert on queue depth above 10k | alice@example.com | 2026-04-01 | High | |\n\
| Cap the retry storm | bob@example.com | 2026-04-15 | low | |\n\
| Document the drain procedure | Alice Smith | | | |\n\
| Rewrite the consumer | platform team | | | |\n";

fn config(extra: &str) -> String {
    format!("[jira.fields]\nComponents = [\"Database\"]\nTeam = \"SRE\"\n{extra}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_project_gets_fields_owners_due_dates_priorities_and_a_parent() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        let parent = fake.seed_issue("OPS", "Incident: queue backlog", &[]);
        pm.write(
            "pm-sync.toml",
            format!("[jira]\nparent = \"{parent}\"\n\n{}", config("")),
        );
        pm.write("pm.md", REPORT);
        fake.reset_request_log();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let log = fake.requests();
        assert_eq!(
            log.count(Endpoint::BulkCreate),
            1,
            "{flavor:?}: one bulk create"
        );
        // alice@example.com, bob@example.com, Alice Smith, platform team: one search each.
        assert_eq!(log.count(Endpoint::AssignableUsers), 4, "{flavor:?}");
        let created: Vec<_> = fake
            .issues()
            .into_iter()
            .filter(|i| i.key != parent)
            .collect();
        assert_eq!(created.len(), 4, "{flavor:?}");
        let by_summary = |text: &str| {
            let issue = created
                .iter()
                .find(|i| i.summary.starts_with(text))
                .unwrap();
            fake.issue_fields(&issue.key).0
        };
        let alert = by_summary("Alert on queue depth");
        assert_eq!(alert["components"], serde_json::json!([{"id": "10001"}]));
        assert_eq!(
            alert["customfield_10010"],
            serde_json::json!({"id": "20002"})
        );
        assert_eq!(alert["duedate"], serde_json::json!("2026-04-01"));
        assert_eq!(alert["priority"], serde_json::json!({"id": "2"}));
        let (alice, bob) = match flavor {
            Flavor::Cloud => (
                serde_json::json!({"accountId": "5b10ac8d82e05b22cc7d-alice"}),
                serde_json::json!({"accountId": "5b10ac8d82e05b22cc7d-bob"}),
            ),
            Flavor::DataCenter => (
                serde_json::json!({"name": "alice"}),
                serde_json::json!({"name": "bob"}),
            ),
        };
        assert_eq!(alert["assignee"], alice, "{flavor:?}");
        assert_eq!(by_summary("Cap the retry")["assignee"], bob, "{flavor:?}");
        assert_eq!(
            by_summary("Cap the retry")["priority"],
            serde_json::json!({"id": "4"})
        );
        assert_eq!(
            by_summary("Document the drain")["assignee"],
            alice,
            "{flavor:?}"
        );
        let team_row = by_summary("Rewrite the consumer");
        assert!(
            !team_row.contains_key("assignee"),
            "{flavor:?}: {team_row:?}"
        );
        let parent_value = match flavor {
            Flavor::Cloud => team_row["parent"].clone(),
            Flavor::DataCenter => team_row["customfield_10100"].clone(),
        };
        assert!(
            parent_value.to_string().contains(&parent),
            "{flavor:?}: {team_row:?}"
        );
        assert!(
            out.stdout
                .contains("warning: created unassigned: owner \"platform team\""),
            "{flavor:?}: {out}"
        );

        // Nothing changed: no write. Owners Jira shows as written are not looked up again;
        // the team (unassigned) is, and so is Bob on Cloud, whose e-mail Jira hides.
        fake.reset_request_log();
        let again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(again.code, 0, "{flavor:?}: {again}");
        let log = fake.requests();
        assert_eq!(log.writes, 0, "{flavor:?}: {:?}", log.entries);
        let lookups = if flavor == Flavor::Cloud { 2 } else { 1 };
        assert_eq!(log.count(Endpoint::AssignableUsers), lookups, "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_maps_a_team_to_a_person_and_one_person_is_searched_once() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write(
            "pm-sync.toml",
            format!(
                "{}\n[owners]\n\"Platform Team\" = \"alice@example.com\"\n",
                config("")
            ),
        );
        pm.write("pm.md", REPORT);
        fake.reset_request_log();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert!(!out.stdout.contains("warning"), "{flavor:?}: {out}");
        // alice@example.com (row 1 and the team), bob@example.com, Alice Smith.
        assert_eq!(
            fake.requests().count(Endpoint::AssignableUsers),
            3,
            "{flavor:?}"
        );
        let team = fake
            .issues()
            .into_iter()
            .find(|i| i.summary == "Rewrite the consumer")
            .unwrap();
        assert!(
            fake.issue_fields(&team.key).0.contains_key("assignee"),
            "{flavor:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_option_stops_the_sync_before_anything_is_created() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write(
            "pm-sync.toml",
            "[jira.fields]\nComponents = [\"Database\"]\nTeam = \"Growth\"\n",
        );
        pm.write("pm.md", REPORT);
        let before = pm.read("pm.md");

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        for needle in [
            "Team",
            "Growth",
            "pm-sync.toml line 3",
            "Platform, Payments, SRE",
        ] {
            assert!(out.stderr.contains(needle), "{flavor:?}: {needle}: {out}");
        }
        assert!(fake.issues().is_empty(), "{flavor:?}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}");
        assert_eq!(pm.read("pm.md"), before);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_required_field_without_a_value_is_named_with_its_allowed_values() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write("pm-sync.toml", "[jira.fields]\nComponents = \"Auth\"\n");
        pm.write("pm.md", REPORT);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        for needle in [
            "Team (customfield_10010) is required",
            "pm.md line 11",
            "Platform, Payments, SRE",
        ] {
            assert!(out.stderr.contains(needle), "{flavor:?}: {needle}: {out}");
        }
        assert!(fake.issues().is_empty(), "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_priority_cell_nobody_can_read_names_its_line_and_the_priorities_and_the_run_goes_on() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write("pm-sync.toml", config(""));
        pm.write("pm.md", REPORT.replace("| High |", "| someday |"));

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        for needle in [
            "line 11: warning: ",
            "\"someday\"",
            "Highest, High, Medium, Low, Lowest",
            "created without a priority",
        ] {
            assert!(out.stdout.contains(needle), "{flavor:?}: {needle}: {out}");
        }
        assert_eq!(fake.issues().len(), 4, "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn front_matter_overrides_the_config_and_a_link_replaces_the_parent() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        let incident = fake.seed_issue("OPS", "Incident: queue backlog", &[]);
        pm.write(
            "pm-sync.toml",
            format!(
                "[jira]\nlink = {{ type = \"Relates\", to = \"{incident}\" }}\n\n{}",
                config("")
            ),
        );
        pm.write(
            "pm.md",
            REPORT.replace(
                "severity: SEV-2\n",
                "severity: SEV-2\njira:\n  components: [Auth, Network]\n  Story Points: 2\n",
            ),
        );

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        for issue in fake.issues().into_iter().filter(|i| i.key != incident) {
            let (fields, links) = fake.issue_fields(&issue.key);
            assert_eq!(
                fields["components"],
                serde_json::json!([{"id": "10000"}, {"id": "10002"}]),
                "{flavor:?}"
            );
            assert_eq!(fields["customfield_10030"], serde_json::json!(2.0));
            assert_eq!(
                links,
                [("Relates".to_owned(), incident.clone())],
                "{flavor:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unassignable_fail_stops_before_the_first_create() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write(
            "pm-sync.toml",
            format!("[jira]\nunassignable = \"fail\"\n\n{}", config("")),
        );
        // Carol is inactive: Jira does not offer her for assignment.
        pm.write(
            "pm.md",
            REPORT.replace("bob@example.com", "carol@example.com"),
        );

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        assert!(
            out.stderr.contains("carol@example.com"),
            "{flavor:?}: {out}"
        );
        assert!(fake.issues().is_empty(), "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_shows_the_resolved_mapping_and_what_is_still_missing() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        let parent = fake.seed_issue("OPS", "Incident", &[]);
        pm.write(
            "pm-sync.toml",
            format!("[jira]\nparent = \"{parent}\"\n\n{}", config("")),
        );
        let out = pm.run(&["doctor"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let parent_field = match flavor {
            Flavor::Cloud => "parent",
            Flavor::DataCenter => "customfield_10100",
        };
        for needle in [
            "Team (customfield_10010) ← SRE = {\"id\":\"20002\"}",
            &format!("parent {parent} → {parent_field}"),
            "Owner column → Assignee (assignee)",
        ] {
            assert!(out.stdout.contains(needle), "{flavor:?}: {needle}: {out}");
        }

        pm.write("pm-sync.toml", "[jira.fields]\nComponents = \"Auth\"\n");
        let out = pm.run(&["doctor"]).await;
        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        assert!(
            out.stdout
                .contains("\"Team\" (customfield_10010; one of Platform, Payments, SRE)"),
            "{flavor:?}: {out}"
        );
        assert!(fake.issues().len() == 1, "doctor creates nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn changed_cells_update_the_ticket_and_empty_cells_clear_nothing() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.use_company_screen();
        pm.write("pm-sync.toml", config(""));
        pm.write("pm.md", REPORT);
        assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0, "{flavor:?}");
        let text = pm.read("pm.md");
        let edited = text
            .replace(
                "| alice@example.com | 2026-04-01 | High |",
                "| bob@example.com | 2026-05-01 | Highest |",
            )
            .replace(
                "| bob@example.com | 2026-04-15 | low |",
                "| bob@example.com | | |",
            );
        assert_ne!(edited, text);
        pm.write("pm.md", &edited);
        fake.reset_request_log();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(
            fake.requests().count(Endpoint::EditIssue),
            1,
            "{flavor:?}: {out}"
        );
        let issue = |text: &str| {
            let issue = fake
                .issues()
                .into_iter()
                .find(|i| i.summary.starts_with(text))
                .unwrap();
            fake.issue_fields(&issue.key).0
        };
        let alert = issue("Alert on queue depth");
        assert_eq!(
            alert["duedate"],
            serde_json::json!("2026-05-01"),
            "{flavor:?}"
        );
        // Read against the project's scheme, set by id as on create.
        assert_eq!(alert["priority"], serde_json::json!({"id": "1"}));
        assert!(
            alert["assignee"].to_string().contains("bob"),
            "{flavor:?}: {alert:?}"
        );
        assert!(
            out.stdout.contains("assignee") && out.stdout.contains("due date"),
            "{flavor:?}: {out}"
        );
        // Emptied cells leave Jira's values alone.
        let retry = issue("Cap the retry storm");
        assert_eq!(
            retry["duedate"],
            serde_json::json!("2026-04-15"),
            "{flavor:?}"
        );
        assert_eq!(
            retry["priority"],
            serde_json::json!({"id": "4"}),
            "{flavor:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn descriptions_say_where_the_item_came_from_and_follow_the_template() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", HTML_REPORT);
        assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0, "{flavor:?}");
        let description = fake.issues()[0].description.clone().unwrap_or_default();
        for needle in ["pm.md", "incident of 2020-04-14", "sev1"] {
            assert!(
                description.contains(needle),
                "{flavor:?}: {needle}: {description}"
            );
        }

        let (fake, pm) = setup(flavor).await;
        pm.write(
            "pm-sync.toml",
            "[jira]\ndescription = \"{item} (owner {owner}), from {report} row {row}\"\n",
        );
        pm.write("pm.md", REPORT);
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let alert = fake
            .issues()
            .into_iter()
            .find(|i| i.summary.starts_with("Alert"))
            .unwrap();
        assert_eq!(
            alert.description.as_deref(),
            Some("Alert on queue depth above 10k (owner alice@example.com), from pm.md row 1"),
            "{flavor:?}"
        );

        pm.write("pm-sync.toml", "[jira]\ndescription = \"{summary}\"\n");
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        assert!(out.stderr.contains("{summary}"), "{flavor:?}: {out}");
    }
}

/// Two new items with an Owner column, no company config.
const OWNERS_ONLY: &str = "---\ndate: 2026-03-04\n---\n## Action Items\n\n\
| Action Item | Owner | Status |\n|---|---|---|\n\
| Alert on queue depth | sre | |\n| Cap the retry storm | sre | |\n";

/// The budget of a sync with an Owner column: the project check and the label search, one
/// create-screen read (the project check already named the issue type's id, so createmeta's
/// list of issue types is not read), one bulk create, one read of the new tickets' statuses —
/// and a run that creates nothing reads no create screen at all.
#[tokio::test(flavor = "multi_thread")]
async fn an_owner_column_costs_one_create_screen_read_and_none_when_nothing_is_created() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", OWNERS_ONLY);
        fake.reset_request_log();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let log = fake.requests();
        // Cloud: the label search and the status read are two endpoints; Data Center: both
        // are `search`.
        let reads = match flavor {
            Flavor::Cloud => log.count(Endpoint::SearchJql) + log.count(Endpoint::BulkFetch),
            Flavor::DataCenter => log.count(Endpoint::Search),
        };
        let counts = |endpoints: &[Endpoint]| -> Vec<(Endpoint, usize)> {
            endpoints.iter().map(|&e| (e, log.count(e))).collect()
        };
        assert_eq!(
            counts(&[
                Endpoint::Project,
                Endpoint::CreateMetaIssueTypes,
                Endpoint::CreateMetaFields,
                Endpoint::BulkCreate,
            ]),
            vec![
                (Endpoint::Project, 1),
                (Endpoint::CreateMetaIssueTypes, 0),
                (Endpoint::CreateMetaFields, 1),
                (Endpoint::BulkCreate, 1),
            ],
            "{flavor:?}: {:?}",
            log.entries
        );
        assert_eq!(reads, 2, "{flavor:?}: {:?}", log.entries);
        assert_eq!(log.total, 5, "{flavor:?}: {:?}", log.entries);
        // The default screen has no Assignee: the run says so and creates the tickets anyway.
        assert!(
            out.stderr.contains("Assignee column is not used"),
            "{flavor:?}: {out}"
        );
        assert_eq!(fake.issues().len(), 2, "{flavor:?}");

        fake.reset_request_log();
        let again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(again.code, 0, "{flavor:?}: {again}");
        let log = fake.requests();
        assert_eq!(
            (
                log.count(Endpoint::CreateMetaFields),
                log.count(Endpoint::Project)
            ),
            (0, 0),
            "{flavor:?}: {:?}",
            log.entries
        );
    }
}

/// The create screen is read as soon as the project check names the issue type, not after the
/// label search: on a site whose search is slow, the screen read waits on no search.
#[tokio::test(flavor = "multi_thread")]
async fn the_create_screen_is_read_while_the_label_search_is_still_out() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", OWNERS_ONLY);
        let search = match flavor {
            Flavor::Cloud => Endpoint::SearchJql,
            Flavor::DataCenter => Endpoint::Search,
        };
        fake.inject(Fault::Latency {
            endpoint: Some(search),
            delay: std::time::Duration::from_millis(1500),
            times: 1,
        });
        fake.reset_request_log();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let log = fake.requests();
        let screen = log
            .entries
            .iter()
            .position(|entry| entry.contains("/createmeta/"))
            .unwrap_or_else(|| panic!("{flavor:?}: no create-screen read: {:?}", log.entries));
        assert!(
            log.unanswered[screen].contains(&search),
            "{flavor:?}: the screen was read after the search answered: {:?} {:?}",
            log.entries,
            log.unanswered
        );
        assert_eq!(fake.issues().len(), 2, "{flavor:?}");
    }
}
