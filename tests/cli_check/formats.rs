//! `check --format json|github|junit|markdown`: what CI tools read.

use super::{fixture, seeded, session};
use crate::support::cli::PmSync;
use crate::support::fake_jira::{FakeJira, Flavor};

/// A fake with mixed.md's tickets: OPS-1 Done, OPS-2 In Progress, OPS-3 Won't Do (waived by
/// the config), and one item without a ticket.
async fn mixed() -> (FakeJira, PmSync) {
    let jira = FakeJira::start(Flavor::Cloud).await;
    seeded(&jira, &["Done", "In Progress", "Won't Do"]);
    let pm = session(
        &jira,
        Flavor::Cloud,
        &[
            ("postmortems/queue.md", fixture("mixed.md")),
            ("postmortems/near-miss.md", fixture("no-items.md")),
            (
                "pm-sync.toml",
                "[status]\nwaived = [\"Won't Do\"]\n".to_owned(),
            ),
        ],
    );
    (jira, pm)
}

#[tokio::test(flavor = "multi_thread")]
async fn json_is_the_documented_document() {
    let (jira, pm) = mixed().await;

    let out = pm.run(&["check", "--format", "json", "postmortems"]).await;

    assert_eq!(out.code, 1, "{out}");
    let stdout = out.stdout.replace(&jira.url(), "$JIRA");
    insta::assert_snapshot!(stdout, @r#"
        {
          "passed": false,
          "source": "jira",
          "require_items": false,
          "totals": {
            "reports": 2,
            "reports_without_items": 1,
            "items": 4,
            "resolved": 1,
            "waived": 1,
            "unresolved": 1,
            "no_ticket": 1,
            "missing": 0
          },
          "reports": [
            {
              "path": "postmortems/near-miss.md",
              "passed": true,
              "items": []
            },
            {
              "path": "postmortems/queue.md",
              "passed": false,
              "items": [
                {
                  "line": 12,
                  "row": 1,
                  "key": "OPS-1",
                  "moved_from": null,
                  "url": "$JIRA/browse/OPS-1",
                  "summary": "Alert on queue depth above 10k for 5 minutes",
                  "status": "Done",
                  "verdict": "resolved",
                  "ticked": false
                },
                {
                  "line": 13,
                  "row": 2,
                  "key": "OPS-2",
                  "moved_from": null,
                  "url": "$JIRA/browse/OPS-2",
                  "summary": "Cap the retry storm: 50% jitter, at most 3 tries",
                  "status": "In Progress",
                  "verdict": "unresolved",
                  "ticked": false
                },
                {
                  "line": 14,
                  "row": 3,
                  "key": "OPS-3",
                  "moved_from": null,
                  "url": "$JIRA/browse/OPS-3",
                  "summary": "Rewrite the consumer in a new language",
                  "status": "Won't Do",
                  "verdict": "waived",
                  "ticked": false
                },
                {
                  "line": 15,
                  "row": 4,
                  "key": null,
                  "moved_from": null,
                  "url": null,
                  "summary": "Document the manual drain procedure",
                  "status": null,
                  "verdict": "no_ticket",
                  "ticked": false
                }
              ]
            }
          ],
          "warnings": [
            {
              "path": "postmortems/near-miss.md",
              "message": "the action items table has no action items (passes; --require-items makes this fail)"
            }
          ]
        }
        "#);
}

#[tokio::test(flavor = "multi_thread")]
async fn github_annotations_carry_file_and_line() {
    let (_jira, pm) = mixed().await;

    let out = pm
        .run(&["check", "--format", "github", "postmortems/"])
        .await;

    assert_eq!(out.code, 1, "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    // OPS-2 (line 13) is unresolved; the unticketed item (line 15) has no ticket.
    assert!(
        lines[0].starts_with(
            "::error file=postmortems/queue.md,line=13,title=Unresolved action item::OPS-2 is \"In Progress\""
        ),
        "{out}"
    );
    assert!(
        lines[1].starts_with(
            "::error file=postmortems/queue.md,line=15,title=Action item without a Jira ticket::"
        ),
        "{out}"
    );
    assert!(
        lines[2].starts_with(
            "::warning file=postmortems/near-miss.md,title=Post-mortem without action items::"
        ),
        "{out}"
    );
    // The message's `%` is escaped so GitHub shows it as written.
    assert!(out.stdout.contains("50%25 jitter"), "{out}");
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[3].starts_with("pm-sync check failed: 4 items in 2 reports"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn junit_is_valid_xml_with_a_failure_per_failing_item() {
    let (_jira, pm) = mixed().await;

    let out = pm
        .run(&["check", "--format", "junit", "postmortems/"])
        .await;

    assert_eq!(out.code, 1, "{out}");
    let report = quick_junit::Report::deserialize_from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JUnit XML: {e}\n{out}"));
    // One suite per report, sorted by path; one case per item (plus the empty report's marker).
    let suites: Vec<(&str, usize, usize, usize)> = report
        .test_suites
        .iter()
        .map(|s| (s.name.as_str(), s.tests, s.failures, s.skipped))
        .collect();
    assert_eq!(
        suites,
        [
            ("postmortems/near-miss.md", 1, 0, 1),
            ("postmortems/queue.md", 4, 2, 1),
        ]
    );
    assert_eq!(report.failures, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn markdown_summary_has_icons_links_and_a_total() {
    let (jira, pm) = mixed().await;

    let out = pm
        .run(&["check", "--format", "markdown", "postmortems/"])
        .await;

    assert_eq!(out.code, 1, "{out}");
    let stdout = out.stdout.replace(&jira.url(), "$JIRA");
    insta::assert_snapshot!(stdout, @r"
        ### ❌ Post-mortem action items: 2 of 4 not resolved

        | | Report | Item | Ticket | Status | Verdict |
        |---|---|---|---|---|---|
        | ✅ | `postmortems/queue.md:12` | Alert on queue depth above 10k for 5 minutes | [OPS-1]($JIRA/browse/OPS-1) | Done | resolved |
        | ❌ | `postmortems/queue.md:13` | Cap the retry storm: 50% jitter, at most 3 tries | [OPS-2]($JIRA/browse/OPS-2) | In Progress | unresolved |
        | ⚠️ | `postmortems/queue.md:14` | Rewrite the consumer in a new language | [OPS-3]($JIRA/browse/OPS-3) | Won't Do | waived (dropped, not fixed) |
        | ❌ | `postmortems/queue.md:15` | Document the manual drain procedure | — | — | no ticket |

        > ⚠️ `postmortems/near-miss.md`: the action items table has no action items (passes; --require-items makes this fail)

        **Total:** 4 items in 2 reports: 1 resolved, 1 waived, 1 unresolved, 1 without a ticket, 0 missing; statuses read from Jira.
        ");
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_formats_work_without_jira() {
    let pm = PmSync::new();
    pm.write("pm.md", fixture("resolved-html.md"));
    for format in ["text", "json", "github", "junit", "markdown"] {
        let out = pm
            .run(&["check", "--offline", "--format", format, "pm.md"])
            .await;
        assert_eq!(out.code, 0, "{format}: {out}");
        assert!(!out.stdout.is_empty(), "{format}: {out}");
    }
}
