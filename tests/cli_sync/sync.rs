//! `pm-sync sync`: first run, idempotent re-run, adoption, hand-typed keys, dry run, bad input.

use super::*;
use crate::support::fake_jira::Endpoint;

#[tokio::test(flavor = "multi_thread")]
async fn first_sync_files_one_labelled_ticket_per_item_and_writes_keys_and_statuses_back() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let report = pm.write("pm.md", HTML_REPORT);

        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");

        let mut summaries: Vec<String> = fake.issues().into_iter().map(|i| i.summary).collect();
        summaries.sort();
        let mut expected = HTML_SUMMARIES.map(str::to_owned).to_vec();
        expected.sort();
        assert_eq!(summaries, expected, "{flavor:?}");
        for issue in fake.issues() {
            // The two labels of the report, then the mark of the report it was created for.
            assert_eq!(issue.labels[..2], ["sev1_20200414", "sev1"], "{flavor:?}");
            assert!(issue.labels[2].starts_with("pmsync_"), "{flavor:?}");
            let link = format!(
                "<a href=\"{}/browse/{}\">{}</a> ",
                fake.url(),
                issue.key,
                issue.key
            );
            let text = pm.read("pm.md");
            assert!(
                text.contains(&link),
                "{flavor:?}: no link for {}:\n{text}",
                issue.key
            );
            assert!(out.stdout.contains(&issue.key), "{flavor:?}: {out}");
        }
        // Exactly the four item cells and the four status cells changed, nothing else.
        let changes = changed_lines(HTML_REPORT, &std::fs::read_to_string(&report).unwrap());
        assert_eq!(changes.len(), 8, "{flavor:?}: {changes:#?}");
        assert_eq!(
            changes
                .iter()
                .filter(|(_, new)| new == "<td>To Do</td>\n")
                .count(),
            4,
            "{flavor:?}: {changes:#?}"
        );
        assert!(out.stdout.contains("4 created"), "{flavor:?}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_sync_changes_nothing_in_jira_or_on_disk() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let report = pm.write("pm.md", HTML_REPORT);
        assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0);
        let bytes = std::fs::read(&report).unwrap();
        let modified = mtime(&report);
        fake.reset_request_log();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let log = fake.requests();
        assert_eq!(log.writes, 0, "{flavor:?}: {:?}", log.entries);
        assert!(log.total <= 3, "{flavor:?}: {:?}", log.entries);
        assert_eq!(std::fs::read(&report).unwrap(), bytes, "{flavor:?}");
        assert_eq!(
            mtime(&report),
            modified,
            "{flavor:?}: the report was rewritten"
        );
        assert_eq!(fake.issues().len(), 4);
        assert!(
            out.stdout
                .contains("pm.md (unchanged, labels sev1_20200414 + sev1)"),
            "{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_existing_ticket_with_the_same_summary_and_date_label_is_adopted_not_duplicated() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let existing = fake.seed_issue("OPS", HTML_SUMMARIES[0], &["sev1_20200414", "team-db"]);
        pm.write("pm.md", HTML_REPORT);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{out}");
        assert_eq!(fake.issues().len(), 4, "{flavor:?}: a duplicate was filed");
        let adopted = fake.issue(&existing).unwrap();
        assert_eq!(
            adopted.labels,
            ["sev1_20200414", "team-db", "sev1"],
            "labels are only added"
        );
        assert!(
            pm.read("pm.md")
                .contains(&format!(">{existing}</a> Add an alert"))
        );
        assert!(out.stdout.contains("adopted"), "{out}");
        assert!(out.stdout.contains("3 created, 1 adopted"), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hand_typed_key_links_its_ticket_which_gets_the_labels_but_keeps_its_summary() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        for n in 1..12 {
            fake.seed_issue("OPS", &format!("Unrelated work {n}"), &[]);
        }
        let typed = fake.seed_issue("OPS", "eviction alert (draft)", &["cache"]);
        assert_eq!(typed, "OPS-12");
        pm.write("pm.md", GFM_REPORT);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let linked = fake.issue("OPS-12").unwrap();
        assert_eq!(linked.labels, ["cache", "sev2_20260902", "sev2"]);
        assert_eq!(
            linked.summary, "eviction alert (draft)",
            "linking is not renaming"
        );
        assert_eq!(
            fake.issues().len(),
            12 + 2,
            "{flavor:?}: two new tickets, no more"
        );
        let text = pm.read("pm.md");
        assert!(
            text.contains(&format!("| [OPS-12]({}/browse/OPS-12) |", fake.url())),
            "{text}"
        );
        // The pipe in the third item survives as `\|`; its summary has a plain `|`.
        assert!(
            fake.issues()
                .iter()
                .any(|i| i.summary.contains("runbook | link it"))
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_jira_does_not_know_is_reported_and_never_refiled() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", GFM_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stdout.contains("missing"), "{out}");
    assert!(out.stdout.contains("OPS-12"), "{out}");
    assert_eq!(
        fake.issues().len(),
        2,
        "the row with OPS-12 was filed again"
    );
    // The other items' keys are saved despite the warning.
    assert!(pm.read("pm.md").contains("[OPS-1]("));
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_the_plan_and_diff_and_changes_nothing() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    let existing = fake.seed_issue("OPS", HTML_SUMMARIES[1], &["sev1_20200414", "sev1"]);
    let report = pm.write("pm.md", HTML_REPORT);
    let modified = mtime(&report);

    let out = pm.run(&["sync", "--dry-run", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.requests().writes, 0);
    assert_eq!(fake.issues().len(), 1);
    assert_eq!(pm.read("pm.md"), HTML_REPORT);
    assert_eq!(mtime(&report), modified);
    assert!(
        out.stdout
            .contains("3 would be created, 1 would be adopted"),
        "{out}"
    );
    assert!(
        out.stdout.contains(&format!(
            "+<td><a href=\"{}/browse/{existing}\">",
            fake.url()
        )),
        "the diff shows the adopted key: {out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_lists_every_item_with_its_action_and_key() {
    let (_fake, pm) = setup(Flavor::DataCenter).await;
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "--format", "json", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let items = json["reports"][0]["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(
        items
            .iter()
            .all(|i| i["action"] == "created" && i["key"].is_string())
    );
    assert_eq!(json["reports"][0]["written"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_config_exits_2_and_sends_nothing() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    pm.write(
        "bad.toml",
        "[jira]\nurl = \"http://127.0.0.1:1\"\nprojet = \"OPS\"\n",
    );

    let out = pm.run(&["-c", "bad.toml", "sync", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("projet"),
        "names the unknown key: {out}"
    );
    assert!(out.stderr.contains("bad.toml"), "{out}");

    let out = pm
        .run_env(&[("JIRA_API_TOKEN", None)], &["sync", "pm.md"])
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("JIRA_API_TOKEN"), "{out}");

    let out = pm
        .run_env(
            &[("JIRA_URL", Some("http://jira.example.com"))],
            &["sync", "pm.md"],
        )
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("https://"), "{out}");

    assert_eq!(fake.requests().total, 0);
    assert_eq!(pm.read("pm.md"), HTML_REPORT);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_report_exits_2_naming_file_and_line_and_nothing_is_created_for_any_report() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("good.md", HTML_REPORT);
    let undated = HTML_REPORT.replace("date: 2020-04-14 19:38:22.561000\n", "");
    pm.write("undated.md", &undated);

    let out = pm.run(&["sync", "good.md", "undated.md"]).await;

    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("undated.md"), "{out}");
    assert!(
        out.stderr.contains("incident_date"),
        "says how to give a date: {out}"
    );
    assert_eq!(fake.requests().total, 0);
    assert_eq!(pm.read("good.md"), HTML_REPORT);

    let broken = HTML_REPORT.replace("<th><strong>Action Item</strong></th>", "<th>Remarks</th>");
    pm.write("broken.md", &broken);
    let out = pm.run(&["sync", "broken.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("broken.md:"), "{out}");
    assert_eq!(fake.requests().total, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn incident_date_and_severity_flags_win_over_the_report() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);

    let out = pm
        .run(&[
            "sync",
            "--incident-date",
            "2020-04-15",
            "--severity",
            "SEV-2",
            "pm.md",
        ])
        .await;

    assert_eq!(out.code, 0, "{out}");
    assert!(
        fake.issues()
            .iter()
            .all(|i| i.labels[..2] == ["sev2_20200415", "sev2"])
    );
    assert_eq!(fake.requests().count(Endpoint::BulkCreate), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn config_is_found_in_the_working_directory_then_the_user_config_and_env_wins() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    // The user config names a project that does not exist; ./pm-sync.toml wins over it.
    pm.write(
        ".config/pm-sync/config.toml",
        "[jira]\nproject = \"NOPE\"\n",
    );
    pm.write(
        "pm-sync.toml",
        "[jira]\nproject = \"OPS\"\nissue_type = \"Bug\"\n",
    );
    let unset_project = [("JIRA_PROJECT", None)];

    let out = pm.run_env(&unset_project, &["sync", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(fake.issues().iter().all(|i| i.issue_type == "Bug"));

    // Without ./pm-sync.toml the user config applies (and its unknown project fails clearly).
    std::fs::remove_file(pm.dir().join("pm-sync.toml")).unwrap();
    pm.write("other.md", generated_report(1, "2022-02-02"));
    let out = pm.run_env(&unset_project, &["sync", "other.md"]).await;
    assert_eq!(out.code, 2, "a wrong project is a config error: {out}");
    assert!(out.stderr.contains("NOPE"), "{out}");
    assert_eq!(
        fake.issues().len(),
        4,
        "nothing created in an unknown project"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_only_problems_and_the_totals() {
    let (_fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["-q", "sync", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stdout,
        "sync: 4 created, 0 adopted, 0 updated in Jira, 4 rows changed in reports across 1 report\n"
    );
    assert_eq!(out.stderr, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_never_appears_in_output_even_at_trace_level_or_on_errors() {
    use crate::support::fake_jira::{FAKE_EMAIL, FAKE_TOKEN, base64};
    let (_fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    let basic = base64(&format!("{FAKE_EMAIL}:{FAKE_TOKEN}"));

    let ok = pm.run(&["-vvv", "sync", "pm.md"]).await;
    let refused = pm
        .run_env(
            &[("JIRA_API_TOKEN", Some("wrong-secret-value"))],
            &["-vvv", "refresh", "pm.md"],
        )
        .await;

    assert_eq!(ok.code, 0, "{ok}");
    assert!(
        ok.stderr.contains("TRACE") || ok.stderr.contains("DEBUG"),
        "{ok}"
    );
    assert_eq!(refused.code, 3, "{refused}");
    assert!(refused.stderr.contains("401"), "{refused}");
    for out in [&ok, &refused] {
        let all = format!("{out}");
        for secret in [FAKE_TOKEN, basic.as_str(), "wrong-secret-value"] {
            assert!(!all.contains(secret), "a secret leaked: {all}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn editing_an_item_after_sync_updates_its_ticket_summary() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", HTML_REPORT);
        assert_eq!(pm.run(&["sync", "pm.md"]).await.code, 0);
        let edited = pm
            .read("pm.md")
            .replace("at 200</td>", "at 150 (load-tested)</td>");
        pm.write("pm.md", &edited);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert!(out.stdout.contains("[summary updated]"), "{out}");
        assert!(
            fake.issues().iter().any(|i| i.summary
                == "Cap max_connections on the notification workers at 150 (load-tested)"),
            "{flavor:?}"
        );
        assert_eq!(fake.issues().len(), 4);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_report_named_twice_is_synced_once() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pms/pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pms/pm.md", "pms", "./pms/pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4);
    assert!(out.stdout.contains("across 1 report\n"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_report_url_each_new_ticket_links_back_to_its_report_once() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let existing = fake.seed_issue("OPS", HTML_SUMMARIES[0], &["sev1_20200414", "sev1"]);
        pm.write("postmortems/pm.md", HTML_REPORT);
        let url = [(
            "PM_SYNC_REPORT_URL",
            Some("https://git.example.com/sre/blob/main/{path}"),
        )];

        let out = pm.run_env(&url, &["sync", "postmortems/pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        for issue in fake.issues() {
            let links = fake.remote_links(&issue.key);
            assert_eq!(links.len(), 1, "{flavor:?}: {}: {links:?}", issue.key);
            assert_eq!(
                links[0].url,
                "https://git.example.com/sre/blob/main/postmortems/pm.md"
            );
            assert!(links[0].title.contains("Notification delays"), "{links:?}");
        }
        assert_eq!(
            fake.remote_links(&existing).len(),
            1,
            "the adopted ticket is linked too"
        );

        // A second run has nothing to do: no link is sent again.
        fake.reset_request_log();
        let out = pm.run_env(&url, &["sync", "postmortems/pm.md"]).await;
        assert_eq!(out.code, 0, "{out}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}");
    }
}
