//! A Confluence page through the whole life of its action items, on both flavours.

use super::*;
use crate::support::fake_confluence::Endpoint;

/// `confluence:ID`.
fn page_ref(id: u64) -> String {
    format!("confluence:{id}")
}

/// The part of `body` before its action items: a person's words pm-sync never touches.
fn before_items(body: &str) -> &str {
    &body[..body.find("<h2>Action Items</h2>").expect("the section")]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_page_syncs_resyncs_without_a_put_refreshes_and_gates_ci() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &["postmortem"]);

        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let issues = jira.issues();
        assert_eq!(issues.len(), 2, "{flavor:?}");
        for issue in &issues {
            // The page's Date row (a date picker) and Severity row give the labels.
            assert_eq!(issue.labels[..2], ["sev1_20260314", "sev1"], "{flavor:?}");
        }
        // One read and one write of the page on top of Jira's requests.
        assert_eq!(confluence.count(Endpoint::GetPage), 1, "{flavor:?}");
        assert_eq!(confluence.count(Endpoint::PutPage), 1, "{flavor:?}");
        let page = confluence.page(id);
        assert_eq!(page.history.len(), 2, "{flavor:?}");
        let version = page.current();
        assert!(version.message.contains("pm-sync"), "{flavor:?}");
        assert!(version.minor_edit, "{flavor:?}: watchers are not mailed");
        let body = &version.body;
        for issue in &issues {
            let link = format!(
                "<p><a href=\"{}/browse/{}\">{}</a> {}</p>",
                jira.url(),
                issue.key,
                issue.key,
                issue.summary
            );
            assert!(body.contains(&link), "{flavor:?}: {link} not in\n{body}");
        }
        assert!(
            body.contains(
                "<td><p><ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\">\
                 <ac:parameter ac:name=\"colour\">Grey</ac:parameter><ac:parameter \
                 ac:name=\"title\">To Do</ac:parameter></ac:structured-macro></p></td>"
            ),
            "{flavor:?}: an empty Status cell gets a lozenge:\n{body}"
        );
        // A person's words stay: the status goes beside them.
        assert!(
            body.contains("<p>waiting on vendor · <em>To Do</em></p>"),
            "{body}"
        );
        assert_eq!(before_items(body), before_items(TABLE_PAGE), "{flavor:?}");
        assert!(
            body.ends_with("<p>Deploys need a canary.</p>\n"),
            "{flavor:?}"
        );

        // Nothing changed: no PUT, and no version for watchers to see.
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(confluence.count(Endpoint::PutPage), 1, "{flavor:?}");
        assert_eq!(confluence.page(id).history.len(), 2, "{flavor:?}");
        assert_eq!(jira.issues().len(), 2, "{flavor:?}: nothing created twice");

        // A transition in Jira: refresh rewrites pm-sync's lozenge, one PUT.
        let cap = issues
            .iter()
            .find(|i| i.summary == "Cap upload retries")
            .expect("created");
        jira.transition(&cap.key, "Done");
        let out = pm.run(&["refresh", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(confluence.count(Endpoint::PutPage), 2, "{flavor:?}");
        let body = confluence.body(id);
        assert!(
            body.contains(
                "<ac:parameter ac:name=\"colour\">Green</ac:parameter><ac:parameter \
                 ac:name=\"title\">Done</ac:parameter>"
            ),
            "{flavor:?}: {body}"
        );

        // The CI gate: one item still open.
        let out = pm.run(&["check", &page_ref(id)]).await;
        assert_eq!(out.code, 1, "{flavor:?}: {out}");
        let other = issues.iter().find(|i| i.key != cap.key).expect("two");
        jira.transition(&other.key, "Done");
        let out = pm.run(&["check", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_atlassian_task_page_keeps_its_jira_macro_and_ticks_done_tasks() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let existing = jira.seed_issue("OPS", "Page the on-call on 5xx bursts", &[]);
        jira.transition(&existing, "Done");
        let body = TASKS_PAGE.replace("OPS-412", &existing);
        let id = confluence.add_page("OPS", "2026-05-02 Payment API outage (SEV-2)", &body, &[]);

        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let created: Vec<_> = jira
            .issues()
            .into_iter()
            .filter(|i| i.key != existing)
            .collect();
        assert_eq!(created.len(), 2, "{flavor:?}");
        assert_eq!(
            created[0].labels[..2],
            ["sev2_20260502", "sev2"],
            "{flavor:?}"
        );
        let after = confluence.body(id);
        // The macro is the person's: unchanged, and its task is ticked (its ticket is done).
        assert!(after.contains(&format!(
            "<ac:parameter ac:name=\"key\">{existing}</ac:parameter>"
        )));
        assert!(
            after
                .contains("<ac:task-id>10</ac:task-id>\n<ac:task-status>complete</ac:task-status>"),
            "{flavor:?}: {after}"
        );
        assert!(
            after.contains("<ac:parameter ac:name=\"title\">Done</ac:parameter>"),
            "{flavor:?}: the IN PROGRESS lozenge shows the ticket's status:\n{after}"
        );
        // New keys go first in the task body, inside Cloud's inline-task span.
        let rotate = created
            .iter()
            .find(|i| i.summary.starts_with("Rotate the payment API keys"))
            .expect("created");
        assert!(
            after.contains(&format!(
                "<span class=\"placeholder-inline-tasks\"><a href=\"{}/browse/{}\">{}</a> Rotate",
                jira.url(),
                rotate.key,
                rotate.key
            )),
            "{flavor:?}: {after}"
        );
        // The task ids, uuids and the person's mention are all still there.
        for kept in [
            "<ac:task-uuid>3491aa</ac:task-uuid>",
            "ri:account-id=\"5b12\"",
            "<ac:task-id>11</ac:task-id>",
        ] {
            assert!(after.contains(kept), "{flavor:?}: {kept}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persons_edit_between_read_and_write_survives() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
        confluence.edit_before_next_put(id, |body| {
            body.replace(
                "<p>Deploys need a canary.</p>",
                "<p>Deploys need a canary and a rollback plan.</p>",
            )
            .replace(
                "<tr><td><p>Cap upload retries</p>",
                "<tr><td><p>Write the runbook</p></td><td><p>Ann</p></td><td><p /></td></tr>\n\
                 <tr><td><p>Cap upload retries</p>",
            )
        });
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        // 409, read again, the run's edits applied to what the person saved, written.
        assert_eq!(confluence.count(Endpoint::PutPage), 2, "{flavor:?}");
        assert_eq!(confluence.count(Endpoint::GetPage), 2, "{flavor:?}");
        let page = confluence.page(id);
        assert_eq!(
            page.history.len(),
            3,
            "{flavor:?}: read, the person's, pm-sync's"
        );
        assert_eq!(page.history[1].by, "person");
        let body = &page.current().body;
        assert!(body.contains("a rollback plan"), "{flavor:?}: {body}");
        assert!(
            body.contains("<tr><td><p>Write the runbook</p>"),
            "{flavor:?}: {body}"
        );
        for issue in jira.issues() {
            assert!(
                body.contains(&format!(">{}</a> {}", issue.key, issue.summary)),
                "{body}"
            );
        }
        // The row the person added was not there when the run read the page: next run.
        assert_eq!(jira.issues().len(), 2, "{flavor:?}");
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(jira.issues().len(), 3, "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_edit_permission_nothing_is_created_and_the_page_is_named() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
        confluence.set_editable(id, false);
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        assert!(out.stderr.contains(&format!("confluence:{id}")), "{out}");
        assert!(out.stderr.contains("may not edit"), "{out}");
        assert!(
            jira.issues().is_empty(),
            "{flavor:?}: no ticket before the check"
        );
        assert_eq!(confluence.count(Endpoint::PutPage), 0);
        // Reading needs no edit permission.
        let out = pm.run(&["items", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert!(out.stdout.contains("2 action items"), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_dies_after_its_creates_is_adopted_never_created_twice() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
        // Every write of the page fails: the run ends after its creates with the keys only in
        // the journal (the state directory), as a kill between create and PUT would leave it.
        confluence.inject_status(Endpoint::PutPage, 503, 50);
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 3, "{flavor:?}: {out}");
        assert_eq!(jira.issues().len(), 2, "{flavor:?}");
        assert_eq!(confluence.page(id).history.len(), 1, "{flavor:?}");
        let journals: Vec<_> = walk(&pm.dir().join("state"));
        assert_eq!(journals.len(), 1, "{flavor:?}: {journals:?}");

        confluence.reset_log();
        confluence.clear_faults();
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(
            jira.issues().len(),
            2,
            "{flavor:?}: adopted, not created again"
        );
        let body = confluence.body(id);
        for issue in jira.issues() {
            assert!(
                body.contains(&format!(">{}</a>", issue.key)),
                "{flavor:?}: {body}"
            );
        }
        assert!(
            walk(&pm.dir().join("state")).is_empty(),
            "{flavor:?}: journal settled"
        );
    }
}

/// Every file below `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A post-mortem page whose items are linked to `keys`, each showing `To Do` as text.
fn linked_page(jira_url: &str, keys: &[String]) -> String {
    let mut body = String::from(
        "<h2>Action Items</h2><table><tbody><tr><th><p>Action</p></th><th><p>Status</p></th></tr>",
    );
    for key in keys {
        body.push_str(&format!(
            "<tr><td><p><a href=\"{jira_url}/browse/{key}\">{key}</a> Fix {key}</p></td>\
             <td><p>To Do</p></td></tr>"
        ));
    }
    body.push_str("</tbody></table>");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_by_cql_reads_every_selected_page_once_and_writes_only_changed_ones() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let parent = confluence.add_page("OPS", "Post-mortems", "<p>Index</p>", &[]);
        let mut keys = Vec::new();
        let mut pages = Vec::new();
        for n in 0..60 {
            let page_keys: Vec<String> = (0..2)
                .map(|i| jira.seed_issue("OPS", &format!("Item {n}.{i}"), &[]))
                .collect();
            let id = confluence.add_page_under(
                "OPS",
                &format!("2026-01-{:02} Incident {n}", n % 28 + 1),
                &linked_page(&jira.url(), &page_keys),
                &["postmortem"],
                Some(parent),
            );
            keys.extend(page_keys);
            pages.push(id);
        }
        // Not selected: another space, a blog post; selected but no action items: skipped.
        confluence.add_page(
            "ENG",
            "Elsewhere",
            &linked_page(&jira.url(), &keys[..1]),
            &["postmortem"],
        );
        let blog = confluence.add_page(
            "OPS",
            "Blog",
            &linked_page(&jira.url(), &keys[..1]),
            &["postmortem"],
        );
        confluence.make_blog_post(blog);
        confluence.add_page(
            "OPS",
            "Retro notes",
            "<p>No items here.</p>",
            &["postmortem"],
        );
        // Ten pages see a transition.
        for key in keys.iter().step_by(12) {
            jira.transition(key, "Done");
        }
        jira.reset_request_log();
        let cql = "label = \"postmortem\" and space = \"OPS\" and ancestor = ".to_owned()
            + &parent.to_string();
        let out = pm.run(&["refresh", "--cql", &cql]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        // The one page without items is skipped like a file without the section.
        assert_eq!(
            confluence.count(Endpoint::Search),
            2,
            "{flavor:?}: two result pages"
        );
        assert_eq!(confluence.count(Endpoint::GetPage), 60, "{flavor:?}");
        assert_eq!(confluence.count(Endpoint::PutPage), 10, "{flavor:?}");
        // 120 items: two batched Jira reads.
        let jira_requests = jira.requests().total;
        assert!(
            jira_requests <= 2,
            "{flavor:?}: {jira_requests} Jira requests"
        );
        for (n, id) in pages.iter().enumerate() {
            let body = confluence.body(*id);
            let expect_done = keys[n * 2..n * 2 + 2]
                .iter()
                .any(|k| keys.iter().step_by(12).any(|d| d == k));
            assert_eq!(
                body.contains("<p>Done</p>"),
                expect_done,
                "{flavor:?}: page {n}"
            );
        }

        // The gate over the same selection: 110 items still open.
        let out = pm.run(&["check", "--cql", &cql]).await;
        assert_eq!(out.code, 1, "{flavor:?}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn page_addresses_in_every_documented_form_name_the_same_page() {
    let (_jira, confluence, pm) = setup(Flavor::DataCenter).await;
    let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
    let base = confluence.url();
    for address in [
        format!("{base}/pages/viewpage.action?pageId={id}"),
        format!("{base}/display/OPS/Checkout+outage"),
        format!("confluence:{id}"),
    ] {
        let out = pm.run(&["items", &address]).await;
        assert_eq!(out.code, 0, "{address}: {out}");
        assert!(out.stdout.contains("2 action items"), "{address}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_data_center_pat_confluence_does_not_accept_is_a_clear_error() {
    let (jira, confluence, pm) = setup(Flavor::DataCenter).await;
    let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
    let pm = pm.env("CONFLUENCE_PAT", "jira-pat-by-mistake");
    let out = pm.run(&["sync", &page_ref(id)]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains(&format!("confluence:{id}")), "{out}");
    assert!(jira.issues().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_on_a_page_shows_the_storage_diff_and_writes_nothing() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
        let out = pm.run(&["sync", "--dry-run", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert!(
            out.stdout.contains("+<tr><td><p><a href="),
            "{flavor:?}: {out}"
        );
        assert!(
            out.stdout.contains("-<tr><td><p>Cap upload retries</p>"),
            "{out}"
        );
        assert!(jira.issues().is_empty(), "{flavor:?}");
        assert_eq!(confluence.count(Endpoint::PutPage), 0, "{flavor:?}");
        assert!(
            !pm.dir().join("state").exists(),
            "{flavor:?}: a dry run leaves no state"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_checks_confluence_credentials_a_page_read_and_edit_permission() {
    for flavor in FLAVORS {
        let (_jira, confluence, pm) = setup(flavor).await;
        let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
        let out = pm.run(&["doctor", "--page", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert!(
            out.stdout.contains("Confluence credentials: logged in as"),
            "{out}"
        );
        assert!(
            out.stdout.contains("\"Checkout outage\" read (version 1)"),
            "{out}"
        );
        assert!(out.stdout.contains("may be edited"), "{out}");
        confluence.set_editable(id, false);
        let out = pm.run(&["doctor", "--page", &page_ref(id)]).await;
        assert_eq!(out.code, 3, "{flavor:?}: {out}");
        assert!(
            out.stdout.contains("may not edit \"Checkout outage\""),
            "{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_lists_pages_selected_by_cql_with_their_links() {
    let (jira, confluence, pm) = setup(Flavor::Cloud).await;
    let key = jira.seed_issue("OPS", "Fix it", &[]);
    let id = confluence.add_page(
        "OPS",
        "2026-02-03 Login outage",
        &linked_page(&jira.url(), &[key]),
        &["postmortem"],
    );
    let out = pm
        .run(&[
            "dashboard",
            "--cql",
            "label = postmortem",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains(&format!("/wiki/spaces/OPS/pages/{id}/")),
        "the page's link: {out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_five_thousand_row_page_refreshes_with_one_get_and_one_put() {
    let (jira, confluence, pm) = setup(Flavor::Cloud).await;
    let keys: Vec<String> = (0..5000)
        .map(|n| jira.seed_issue("OPS", &format!("Item {n}"), &[]))
        .collect();
    let id = confluence.add_page(
        "OPS",
        "2026-01-05 Big outage",
        &linked_page(&jira.url(), &keys),
        &[],
    );
    for key in keys.iter().step_by(7) {
        jira.transition(key, "Done");
    }
    jira.reset_request_log();
    let out = pm.run(&["refresh", &page_ref(id)]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(confluence.count(Endpoint::GetPage), 1);
    assert_eq!(confluence.count(Endpoint::PutPage), 1);
    // 5,000 keys: 50 batched reads of 100.
    assert!(
        jira.requests().total <= 50,
        "{} Jira requests",
        jira.requests().total
    );
    let body = confluence.body(id);
    assert_eq!(
        body.matches("<p>Done</p>").count(),
        keys.iter().step_by(7).count()
    );
    assert_eq!(
        body.matches("<p>To Do</p>").count(),
        5000 - keys.iter().step_by(7).count()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_read_and_write_are_retried() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
        confluence.inject_status(Endpoint::GetPage, 429, 1);
        confluence.inject_status(Endpoint::PutPage, 503, 1);
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(confluence.count(Endpoint::GetPage), 2, "{flavor:?}");
        assert_eq!(confluence.count(Endpoint::PutPage), 2, "{flavor:?}");
        assert_eq!(
            confluence.page(id).history.len(),
            2,
            "{flavor:?}: one version"
        );
        assert_eq!(jira.issues().len(), 2, "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn parent_create_on_a_page_is_refused_before_any_ticket_with_what_to_do_instead() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let id = confluence.add_page("OPS", "Checkout outage", TABLE_PAGE, &[]);
        pm.write("pm-sync.toml", "[jira]\nparent = \"create\"\n");
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        assert!(out.stderr.contains("not supported"), "{flavor:?}: {out}");
        assert!(
            !out.stderr.contains("not an issue key"),
            "{flavor:?}: {out}"
        );
        assert!(jira.issues().is_empty(), "{flavor:?}: no ticket");
        assert_eq!(confluence.count(Endpoint::PutPage), 0, "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_whose_pages_never_move_on_ends_with_an_error_not_a_hang() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let keys = vec![jira.seed_issue("OPS", "Item", &[])];
        confluence.add_page(
            "OPS",
            "2026-01-02 Incident",
            &linked_page(&jira.url(), &keys),
            &["postmortem"],
        );
        confluence.break_search_paging();
        let out = pm.run(&["check", "--cql", "label = \"postmortem\""]).await;
        assert_ne!(out.code, 0, "{flavor:?}: {out}");
        assert!(out.stderr.contains("do not move on"), "{flavor:?}: {out}");
        assert!(confluence.count(Endpoint::Search) <= 4, "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_smart_link_names_the_ticket_and_is_not_part_of_its_summary() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let key = jira.seed_issue("OPS", "Cap upload retries", &[]);
        let url = format!("{}/browse/{key}", jira.url());
        // As Confluence Cloud stores a pasted smart link: the URL is the link's text.
        let body = format!(
            "<h2>Action Items</h2><table><tbody><tr><th><p>Action</p></th><th><p>Status</p></th></tr>\
             <tr><td><p><a href=\"{url}\" data-card-appearance=\"inline\">{url}</a> Cap upload \
             retries</p></td><td><p /></td></tr></tbody></table>"
        );
        let id = confluence.add_page("OPS", "2026-03-04 Incident", &body, &[]);
        for _ in 0..2 {
            let out = pm.run(&["sync", &page_ref(id)]).await;
            assert_eq!(out.code, 0, "{flavor:?}: {out}");
            assert!(!out.stdout.contains("summary updated"), "{flavor:?}: {out}");
        }
        assert_eq!(jira.issue(&key).unwrap().summary, "Cap upload retries");
        assert_eq!(jira.issues().len(), 1, "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_answered_in_another_representation_is_never_written_back_as_the_source() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let key = jira.seed_issue("OPS", "Cap upload retries", &[]);
        let id = confluence.add_page(
            "OPS",
            "2026-03-04 Incident",
            &linked_page(&jira.url(), &[key]),
            &[],
        );
        let before = confluence.page(id).current().number;
        confluence.answer_bodies_as_view();
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_ne!(out.code, 0, "{flavor:?}: {out}");
        assert!(
            out.stderr.contains("no storage-format body"),
            "{flavor:?}: {out}"
        );
        assert_eq!(
            confluence.page(id).current().number,
            before,
            "{flavor:?}: saved"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_answered_with_the_old_version_is_not_taken_for_done() {
    for flavor in FLAVORS {
        let (jira, confluence, pm) = setup(flavor).await;
        let body = "<h2>Action Items</h2><table><tbody><tr><th><p>Action</p></th><th><p>Status</p>\
                    </th></tr><tr><td><p>Cap upload retries</p></td><td><p /></td></tr></tbody>\
                    </table>";
        let id = confluence.add_page("OPS", "2026-03-04 Incident", body, &[]);
        confluence.drop_saves();
        let out = pm.run(&["sync", &page_ref(id)]).await;
        assert_eq!(out.code, 3, "{flavor:?}: {out}");
        assert!(out.stderr.contains("may not be saved"), "{flavor:?}: {out}");
        // The ticket it made is found again, never filed twice.
        assert_eq!(jira.issues().len(), 1, "{flavor:?}");
    }
}
