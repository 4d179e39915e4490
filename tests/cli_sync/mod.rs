//! End-to-end: the `pm-sync sync` and `refresh` binaries against the fake Jira, both flavours.

mod company;
mod faults;
mod freetext;
mod hostile_probe;
mod links;
mod outcomes;
mod parent;
mod realworld;
mod refresh;
mod sync;
mod write_back;

use std::path::Path;
use std::time::SystemTime;

use crate::support::cli::PmSync;
use crate::support::fake_jira::{FakeJira, Flavor};

/// The seed template filled with four action items (HTML table, `date:` front matter).
pub const HTML_REPORT: &str = include_str!("../fixtures/reports/notification-delays-html.md");
/// A GFM pipe table with a ticket column and a hand-typed `OPS-12` (severity SEV-2).
pub const GFM_REPORT: &str = include_str!("../fixtures/reports/cache-outage-gfm.md");

/// The four summaries of [`HTML_REPORT`].
pub const HTML_SUMMARIES: [&str; 4] = [
    "Add an alert on replication lag above 30 s for every primary database",
    "Make the failover runbook name the on-call DBA rotation & its pager",
    "Cap max_connections on the notification workers at 200",
    "Load-test the alert pipeline at 3× peak before each quarterly release",
];

/// A fake Jira and a session configured for it.
pub async fn setup(flavor: Flavor) -> (FakeJira, PmSync) {
    let fake = FakeJira::start(flavor).await;
    let session = PmSync::against(&fake, flavor);
    (fake, session)
}

/// Both flavours, for tests that must hold on Cloud and Data Center alike.
pub const FLAVORS: [Flavor; 2] = [Flavor::Cloud, Flavor::DataCenter];

/// The modification time of a file.
pub fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

/// Lines that differ between two texts of the same line count (panics otherwise: write-back
/// never adds or removes lines).
pub fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    assert_eq!(
        old.len(),
        new.len(),
        "write-back changed the number of lines"
    );
    old.iter()
        .zip(&new)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// A report in the seed's HTML form with `count` generated items.
pub fn generated_report(count: usize, date: &str) -> String {
    use std::fmt::Write;
    let mut text = format!(
        "---\ndate: {date}\n---\n## Action Items\n\n<table>\n<thead>\n<tr class=\"header\">\n\
         <th><strong>Action Item</strong></th>\n<th><strong>Status</strong></th>\n</tr>\n</thead>\n<tbody>\n"
    );
    for n in 0..count {
        let _ = write!(
            text,
            "<tr class=\"odd\">\n<td>Generated item {n}</td>\n<td></td>\n</tr>\n"
        );
    }
    text.push_str("</tbody>\n</table>\n");
    text
}
