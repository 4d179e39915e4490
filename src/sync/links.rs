//! The remote link from each ticket to its report (when `[report] url` is set): one per ticket,
//! titled `Post-mortem: {title}` (the title alone when it already says it is one), upserted by a
//! `globalId` within Jira's 255 characters, and moved along with the report.
//!
//! New tickets (created or adopted this run) get their link. A report that moved (its tickets
//! carry another report's mark and not this one's: see [`crate::sync::marks`]) has its tickets'
//! pm-sync link updated in place — found with one `GET /issue/{key}/remotelink`, whatever
//! `globalId` an earlier version gave it — and the plan adds the new mark, so the next run
//! does nothing. A failure is a warning: the ticket and the report are right already.

use crate::jira::model::IssueKey;
use crate::sync::engine::Engine;
use crate::sync::marks;
use crate::sync::outcome::RowAction;
use crate::sync::plan::{ItemAt, Plan, RowPlan, Ticket};
use crate::sync::workspace::LoadedReport;

/// What every pm-sync `globalId` starts with.
const GLOBAL_ID_PREFIX: &str = "pm-sync:";
/// Jira's limit on a remote link's `globalId`, in characters.
const GLOBAL_ID_MAX: usize = 255;
/// Characters of a long URL kept in its `globalId`, before the hash of the whole.
const GLOBAL_ID_HEAD: usize = 200;

/// The `globalId` of the link to `url`: `pm-sync:{url}`, or, when that would pass Jira's 255
/// characters, the URL's first 200 characters, `…` and 16 hex digits of a stable hash (FNV-1a)
/// of the whole URL.
pub fn global_id(url: &str) -> String {
    let whole = format!("{GLOBAL_ID_PREFIX}{url}");
    if whole.chars().count() <= GLOBAL_ID_MAX {
        return whole;
    }
    let head: String = url.chars().take(GLOBAL_ID_HEAD).collect();
    format!(
        "{GLOBAL_ID_PREFIX}{head}…{:016x}",
        marks::fnv1a(url.as_bytes())
    )
}

/// The link's title: `Post-mortem: {title}`, or the title alone when it already names itself a
/// post-mortem (`Post-mortem: …`, `Postmortem – …`, `Post mortem of …`, `Post-incident review`,
/// `Incident report …`), so it never reads "Post-mortem: Post-mortem: …".
pub fn title(report_title: &str) -> String {
    let letters: String = report_title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let names_itself = [
        "postmortem",
        "postincident",
        "incidentreport",
        "incidentreview",
    ]
    .iter()
    .any(|word| letters.starts_with(word));
    if names_itself {
        report_title.trim().to_owned()
    } else {
        format!("Post-mortem: {}", report_title.trim())
    }
}

/// The report's URL from `[report] url` (`{path}` replaced by its path, `/`-separated).
fn report_url(template: &str, loaded: &LoadedReport) -> String {
    let path = loaded.report.path().to_string_lossy().replace('\\', "/");
    template.replace("{path}", path.trim_start_matches("./"))
}

/// Links every ticket this run created or adopted to its report, and moves the links of a
/// report that moved (rows whose planned update adds this report's mark to a ticket carrying
/// another one).
pub async fn link_back(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
    plan: &Plan,
    rows: &crate::sync::outcome::Rows,
) {
    let Some(template) = engine.report_url else {
        return;
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (at, row) in rows.iter() {
        let Some(key) = reports
            .get(at.report)
            .and_then(|loaded| row.key_in(&loaded.report))
            .and_then(|key| IssueKey::parse(&key))
        else {
            continue;
        };
        let new_link = matches!(row.action, RowAction::Created | RowAction::Adopted);
        let moved = !new_link && moved_here(plan, at);
        if !new_link && !moved {
            continue;
        }
        let loaded = &reports[at.report];
        let url = report_url(template, loaded);
        let title = title(&loaded.title);
        let client = engine.client.clone();
        tasks.spawn(async move {
            let result = async {
                // The link an earlier run made, under whatever globalId it was given.
                let existing = if moved {
                    client
                        .remote_links(&key)
                        .await?
                        .into_iter()
                        .filter_map(|link| link.global_id)
                        .find(|id| id.starts_with(GLOBAL_ID_PREFIX))
                } else {
                    None
                };
                let id = existing.unwrap_or_else(|| global_id(&url));
                client.upsert_remote_link(&key, &id, &url, &title).await
            }
            .await;
            (key, result)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((key, Err(error))) = joined {
            tracing::warn!("could not link {key} back to its report: {error}");
        }
    }
}

/// Whether the row at `at` links a ticket of a report that moved here (see [`moves_link`]):
/// looked up, not scanned (a scan per row was rows × rows).
fn moved_here(plan: &Plan, at: ItemAt) -> bool {
    plan.row(&at).is_some_and(moves_link)
}

/// Whether `row` links a ticket of a report that moved here: its planned update adds a pm-sync
/// mark. The plan rows [`link_back`] reads.
pub fn moves_link(row: &RowPlan) -> bool {
    matches!(row.ticket, Ticket::Linked(_))
        && row
            .update
            .as_ref()
            .is_some_and(|update| update.add_labels.iter().any(|l| marks::is_mark(l)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_that_names_itself_is_not_prefixed_again() {
        assert_eq!(title("Queue backlog"), "Post-mortem: Queue backlog");
        for named in [
            "Post-mortem: Queue backlog",
            "POSTMORTEM - queue backlog",
            "Post mortem of the queue backlog",
            "Post-incident review: queue",
        ] {
            assert_eq!(title(named), named);
        }
        assert_eq!(
            title("Postponed migration"),
            "Post-mortem: Postponed migration"
        );
    }

    #[test]
    fn global_ids_stay_within_jiras_limit_and_apart() {
        let short = "https://git.example.com/pm.md";
        assert_eq!(global_id(short), format!("pm-sync:{short}"));
        let long = format!("https://git.example.com/{}/pm.md", "deep/".repeat(80));
        let other = long.replace("pm.md", "pm2.md");
        assert!(global_id(&long).chars().count() <= 255);
        assert_ne!(global_id(&long), global_id(&other));
        assert_eq!(global_id(&long), global_id(&long));
        assert!(global_id(&long).starts_with("pm-sync:https://git.example.com/deep/"));
        let wide = format!("https://git.example.com/{}.md", "é".repeat(250));
        assert!(global_id(&wide).chars().count() <= 255);
    }
}
