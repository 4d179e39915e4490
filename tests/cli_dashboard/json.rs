//! Golden tests of `dashboard.json` (the documented schema) and of the Markdown summary.

use super::{dashboard, quickstart};
use crate::support::cli::PmSync;
use crate::support::fake_jira::Flavor;

#[tokio::test(flavor = "multi_thread")]
async fn json_of_the_quickstart_live_from_jira() {
    let (jira, pm) = quickstart(Flavor::Cloud).await;

    dashboard(&pm, &["postmortems", "--out", "site"]).await;

    let json = pm
        .read("site/dashboard.json")
        .replace(&jira.url(), "https://jira.example.com");
    insta::assert_snapshot!(json);
    // stdout in JSON is the same document.
    let out = dashboard(&pm, &["postmortems", "--format", "json"]).await;
    assert_eq!(
        out.stdout.replace(&jira.url(), "https://jira.example.com"),
        json.replace("\"link\": \"../postmortems/", "\"link\": \"postmortems/")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_offline_without_any_config() {
    let pm = PmSync::new();
    pm.write(
        "pm/2026-03-04-queue.md",
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/check/mixed.md",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    );

    let out = pm
        .run(&[
            "dashboard",
            "--offline",
            "--as-of",
            "2026-05-01",
            "pm",
            "--format",
            "json",
        ])
        .await;

    assert_eq!(out.code, 0, "{out}");
    insta::assert_snapshot!(out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn markdown_summary_lists_overdue_items_and_follow_through() {
    let (jira, pm) = quickstart(Flavor::DataCenter).await;

    let out = dashboard(
        &pm,
        &[
            "postmortems",
            "--format",
            "markdown",
            "--site-url",
            "https://sre.example.com/pm/",
        ],
    )
    .await;

    let text = out.stdout.replace(&jira.url(), "https://jira.example.com");
    insta::assert_snapshot!(text, @r"
    ### 🔴 Post-mortem follow-ups as of 2020-07-15

    **2 of 4 action items not closed** (1 overdue) in 1 of 1 post-mortems: 1 resolved, 1 waived, 2 open, 0 without a ticket, 0 missing in Jira.

    | Severity | Post-mortems | Items | Not closed | Closed ≤ 30 d | ≤ 60 d | ≤ 90 d | Median days to close |
    |---|--:|--:|--:|--:|--:|--:|--:|
    | **All** | 1 | 4 | 2 | 25% (1/4) | 25% (1/4) | 50% (2/4) | 18 |
    | sev1 | 1 | 4 | 2 | 25% (1/4) | 25% (1/4) | 50% (2/4) | 18 |

    **Oldest overdue items** (1 of 1):

    | Ticket | Item | Post-mortem | Assignee | Due | Age |
    |---|---|---|---|---|--:|
    | [OPS-2](https://jira.example.com/browse/OPS-2) | Make the failover runbook name the on-call DBA rotation &amp; its pager | Post Mortem Incident Report - Notification delays 04-14-20 (pm-sync quickstart) | Li Wei | 2020-06-30 | 90 d |

    _statuses read from Jira; the full dashboard: https://sre.example.com/pm/_
    ");
}
