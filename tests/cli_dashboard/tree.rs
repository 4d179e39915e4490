//! A generated tree of 200 post-mortems (pipe and HTML tables, every state, due dates, owners,
//! one deleted ticket): the whole dashboard in one batched pass, live and offline.

use std::fmt::Write;

use chrono::{Duration, NaiveDate};

use super::site::{assert_loads_nothing, rows};
use super::{AS_OF, dashboard, keep_for_browser};
use crate::support::cli::PmSync;
use crate::support::fake_jira::{Endpoint, FakeJira, Flavor};

const SERVICES: [&str; 10] = [
    "checkout",
    "search",
    "payments",
    "auth",
    "notifications",
    "ingest",
    "billing",
    "cdn",
    "queue",
    "database",
];
const FIXES: [&str; 8] = [
    "Alert on error rate above 1% for 5 minutes",
    "Add a runbook for failing over",
    "Cap retries at 3 with jitter",
    "Load-test at 3x peak before each release",
    "Add a readiness gate to the deployment",
    "Page the owning team, not the platform rotation",
    "Remove the manual step from the rollback",
    "Dashboard the saturation signals",
];
const PEOPLE: [&str; 6] = [
    "Mara Ortiz",
    "Li Wei",
    "Sam Okafor",
    "Ana Lima",
    "Jo Berg",
    "Ravi Rao",
];

/// What one generated item should come out as.
pub struct Expected {
    pub path: String,
    pub key: Option<String>,
    pub closed: bool,
    /// The status written in the report's cell ("" without a ticket).
    pub status: String,
}

/// A small deterministic generator (an LCG): the same tree on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Writes 200 reports below `postmortems/`, seeds their tickets in `jira` with statuses and
/// dates, and returns what each item should show.
pub fn generate(pm: &PmSync, jira: &FakeJira) -> Vec<Expected> {
    let as_of = NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    let first = NaiveDate::from_ymd_opt(2019, 1, 7).unwrap();
    let mut rng = Rng(42);
    let mut expected = Vec::new();
    let mut deleted_one = false;
    for i in 0..200u64 {
        let incident = first + Duration::days((i * 11 / 4) as i64);
        let service = SERVICES[rng.next(10) as usize];
        let severity = match rng.next(10) {
            0 => "sev1",
            1..=3 => "sev2",
            _ => "sev3",
        };
        let path = format!(
            "postmortems/{}/{incident}-{service}-{i}.md",
            incident.format("%Y")
        );
        let html = i % 2 == 1;
        let mut rows_text = String::new();
        for n in 0..(1 + rng.next(6)) {
            let summary = format!("{} ({service} #{i}.{n})", FIXES[rng.next(8) as usize]);
            let person = PEOPLE[rng.next(6) as usize];
            let age = (as_of - incident).num_days() as u64;
            // Older incidents have had more time: most of their items are closed.
            let closes_after = 3 + rng.next(150) as i64;
            let closed_on = incident + Duration::days(closes_after);
            let waived = rng.next(20) == 0;
            let closed = closed_on < as_of && (rng.next(100) < 40 + age.min(500) / 10);
            let unticketed = !closed && rng.next(20) == 0;
            let due =
                (rng.next(5) < 2).then(|| incident + Duration::days(30 + 30 * rng.next(3) as i64));
            let (key, status) = if unticketed {
                (None, String::new())
            } else if !deleted_one && i >= 77 && !closed {
                deleted_one = true;
                let key = jira.seed_issue("OPS", &summary, &[severity]);
                jira.delete_issue(&key);
                (Some(key), "To Do".to_owned())
            } else {
                let key = jira.seed_issue("OPS", &summary, &[severity]);
                let created = incident + Duration::days(rng.next(4) as i64);
                let stamp = |d: NaiveDate| format!("{d}T10:00:00.000+0000");
                let status = if closed {
                    if waived { "Won't Do" } else { "Done" }
                } else if rng.next(2) == 0 {
                    "In Progress"
                } else {
                    "To Do"
                };
                if status != "To Do" {
                    jira.transition(&key, status);
                }
                jira.set_dates(
                    &key,
                    &stamp(created),
                    closed.then(|| stamp(closed_on)).as_deref(),
                );
                jira.assign(&key, Some(person));
                jira.set_due_date(&key, due.map(|d| d.to_string()).as_deref());
                (Some(key), status.to_owned())
            };
            expected.push(Expected {
                path: path.clone(),
                key: key.clone(),
                closed,
                status: status.clone(),
            });
            let key_text = key.clone().unwrap_or_default();
            if html {
                let linked = key
                    .as_ref()
                    .map(|k| format!("<a href=\"https://jira.example.com/browse/{k}\">{k}</a> "))
                    .unwrap_or_default();
                let _ = write!(
                    rows_text,
                    "<tr>\n<td>{linked}{summary}</td>\n<td>{status}</td>\n</tr>\n"
                );
            } else {
                let due = due.map(|d| d.to_string()).unwrap_or_default();
                let _ = writeln!(
                    rows_text,
                    "| {summary} | {person} | {due} | {key_text} | {status} |"
                );
            }
        }
        let table = if html {
            format!(
                "<table>\n<thead>\n<tr><th>Action Item</th><th>Status</th></tr>\n</thead>\n<tbody>\n{rows_text}</tbody>\n</table>\n"
            )
        } else {
            format!(
                "| Action Item | Owner | Due | Ticket | Status |\n|---|---|---|---|---|\n{rows_text}"
            )
        };
        pm.write(
            &path,
            format!(
                "---\ntitle: \"{} {service} incident #{i}\"\ndate: {incident}\nseverity: {severity}\n---\n\
                 ## Summary\n\nGenerated for the dashboard tests.\n\n## Action Items\n\n{table}",
                ["Slow", "Failing", "Degraded", "Partial outage of"][i as usize % 4]
            ),
        );
    }
    expected
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_reports_in_one_batched_pass() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    let expected = generate(&pm, &jira);
    jira.reset_request_log();

    let out = dashboard(&pm, &["postmortems", "--out", "site"]).await;

    // One bulkfetch per 100 keys; for the one deleted key, a GET (did it move?) and /myself
    // (are the credentials good?).
    let keys = expected.iter().filter(|e| e.key.is_some()).count();
    let requests = jira.requests();
    assert_eq!(
        requests.count(Endpoint::BulkFetch),
        keys.div_ceil(100),
        "{requests:?}"
    );
    assert_eq!(requests.total, keys.div_ceil(100) + 2, "{requests:?}");
    assert_eq!(requests.writes, 0);

    let html = pm.read("site/index.html");
    assert_loads_nothing(&html, &jira.url());
    // Every post-mortem, linked to its report.
    let pms = rows(&html, "pm-table");
    assert_eq!(pms.len(), 200, "{out}");
    let mut paths: Vec<String> = expected.iter().map(|e| format!("../{}", e.path)).collect();
    paths.dedup();
    let mut linked: Vec<String> = pms.iter().map(|(_, links)| links[0].clone()).collect();
    linked.sort();
    paths.sort();
    assert_eq!(linked, paths);
    // Every item that is not closed, with its ticket linked to Jira (the deleted one is shown
    // as missing, unlinked).
    let open = rows(&html, "open-table");
    let want_open: Vec<&Expected> = expected.iter().filter(|e| !e.closed).collect();
    assert_eq!(open.len(), want_open.len());
    let mut shown: Vec<String> = open
        .iter()
        .map(|(attrs, links)| match attrs["data-state"].as_str() {
            "no_ticket" | "missing" => format!("- {}", links[0]),
            _ => format!("{} {}", links[0].rsplit('/').next().unwrap(), links[1]),
        })
        .collect();
    let mut wanted: Vec<String> = want_open
        .iter()
        .map(|e| match &e.key {
            Some(k)
                if open.iter().any(|(a, l)| {
                    a["data-state"] == "unresolved" && l[0].ends_with(&format!("/browse/{k}"))
                }) =>
            {
                format!("{k} ../{}", e.path)
            }
            _ => format!("- ../{}", e.path),
        })
        .collect();
    shown.sort();
    wanted.sort();
    assert_eq!(shown, wanted);
    assert_eq!(
        open.iter()
            .filter(|(a, _)| a["data-state"] == "missing")
            .count(),
        1
    );
    assert!(open.iter().any(|(a, _)| a.contains_key("data-overdue")));
    for (attrs, links) in &open {
        if attrs["data-state"] == "unresolved" {
            assert!(links[0].starts_with(&format!("{}/browse/OPS-", jira.url())));
        }
    }
    keep_for_browser(&pm, "tree-200");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_reports_offline_without_config_or_jira() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::new();
    let expected = generate(&pm, &jira);

    let out = pm
        .run(&[
            "dashboard",
            "--offline",
            "--as-of",
            AS_OF,
            "postmortems",
            "--out",
            "site",
            "--format",
            "json",
        ])
        .await;

    assert_eq!(out.code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["source"], "report");
    assert_eq!(json["totals"]["post_mortems"], 200);
    assert_eq!(json["totals"]["items"], expected.len());
    // Offline, without config, the done-category names Jira's workflows use are resolved —
    // "Done" and "Won't Do", as a live check calls them — and the deleted ticket's "To Do" cell
    // is open.
    let done = expected
        .iter()
        .filter(|e| e.status == "Done" || e.status == "Won't Do")
        .count();
    assert_eq!(json["totals"]["resolved"], done);
    assert_eq!(json["totals"]["waived"], 0);
    let html = pm.read("site/index.html");
    assert_eq!(rows(&html, "pm-table").len(), 200);
    assert_eq!(rows(&html, "open-table").len(), expected.len() - done);
}
