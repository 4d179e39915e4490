//! `pm-sync dashboard`: the site, the JSON and the summaries, built from the quickstart's report
//! and from a generated tree of 200 reports, live against the fake Jira and `--offline`.
//!
//! Each site is also copied to `target/tmp/dashboard-sites/` so `tests/browser/dashboard.sh`
//! can render exactly what these tests checked in a real browser.

mod fields;
mod json;
mod recipes;
mod site;
mod tree;

use std::path::{Path, PathBuf};

use crate::support::cli::{Output, PmSync};
use crate::support::fake_jira::{FakeJira, Flavor};

/// The day every test computes ages for.
pub const AS_OF: &str = "2020-07-15";

/// The quickstart's report after `sync` and a few weeks of work in Jira: OPS-1 done, OPS-2 in
/// progress (assigned, overdue), OPS-3 untouched, OPS-4 won't do; fixed dates.
pub async fn quickstart(flavor: Flavor) -> (FakeJira, PmSync) {
    let jira = FakeJira::start(flavor).await;
    let pm =
        PmSync::against(&jira, flavor).env("JIRA_API_TOKEN", crate::support::fake_jira::FAKE_TOKEN);
    pm.write("pm-sync.toml", "[status]\nwaived = [\"Won't Do\"]\n");
    pm.write(
        "postmortems/2020-04-14-notification-delays.md",
        include_str!("../../examples/postmortem.md"),
    );
    let out = pm.run(&["sync", "postmortems"]).await;
    assert_eq!(out.code, 0, "{out}");
    let created = "2020-04-16T09:30:00.000+0000";
    jira.transition("OPS-1", "Done");
    jira.set_dates("OPS-1", created, Some("2020-05-02T16:05:00.000+0000"));
    jira.assign("OPS-1", Some("Mara Ortiz"));
    jira.transition("OPS-2", "In Progress");
    jira.set_dates("OPS-2", created, None);
    jira.assign("OPS-2", Some("Li Wei"));
    jira.set_due_date("OPS-2", Some("2020-06-30"));
    jira.set_dates("OPS-3", created, None);
    jira.set_due_date("OPS-3", Some("2020-09-30"));
    jira.transition("OPS-4", "Won't Do");
    jira.set_dates("OPS-4", created, Some("2020-06-20T11:00:00.000+0000"));
    (jira, pm)
}

/// Runs `pm-sync dashboard` and asserts it succeeded.
pub async fn dashboard(pm: &PmSync, args: &[&str]) -> Output {
    let mut all = vec!["dashboard", "--as-of", AS_OF];
    all.extend_from_slice(args);
    let out = pm.run(&all).await;
    assert_eq!(out.code, 0, "{out}");
    out
}

/// Copies the session's folder (reports and site) to `target/tmp/dashboard-sites/{name}` for
/// the browser test, replacing what an earlier run left there.
pub fn keep_for_browser(pm: &PmSync, name: &str) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("dashboard-sites")
        .join(name);
    let _ = std::fs::remove_dir_all(&target);
    copy_dir(pm.dir(), &target);
    target
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy file");
        }
    }
}
