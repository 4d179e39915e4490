//! The dashboard as a short Markdown summary: the headline numbers, follow-through by severity
//! and the overdue items most in need of attention. Fits a pull request, a merge-request note or
//! a chat message.

use std::fmt::Write;

use super::model::Dashboard;
use crate::gate::Source;

/// Overdue items listed at most (oldest first); the page lists all.
const OVERDUE_LISTED: usize = 10;

/// Renders the summary. `site` is where the full dashboard is published, when known.
pub fn render(d: &Dashboard, site: Option<&str>) -> String {
    let t = &d.totals;
    let mut out = String::new();
    let icon = if t.overdue > 0 {
        "🔴"
    } else if t.not_closed() > 0 {
        "🟠"
    } else {
        "✅"
    };
    let _ = writeln!(out, "### {icon} Post-mortem follow-ups as of {}\n", d.as_of);
    let _ = writeln!(
        out,
        "**{} of {} action items not closed** ({} overdue) in {} of {} post-mortems: \
         {} resolved, {} waived, {} open, {} without a ticket, {} missing in Jira.",
        t.not_closed(),
        t.items,
        t.overdue,
        t.post_mortems_with_open_items,
        t.post_mortems,
        t.resolved,
        t.waived,
        t.open,
        t.no_ticket,
        t.missing
    );
    let _ = writeln!(out);
    if d.source == Source::Jira {
        let _ = writeln!(
            out,
            "| Severity | Post-mortems | Items | Not closed | Closed ≤ 30 d | ≤ 60 d | ≤ 90 d | Median days to close |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|");
        for s in &d.by_severity {
            let cells: Vec<String> = s
                .closed_within
                .iter()
                .map(|w| match w.share {
                    Some(share) => format!("{:.0}% ({}/{})", share * 100.0, w.closed, w.eligible),
                    None => "—".to_owned(),
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                if s.severity == "all" {
                    "**All**".to_owned()
                } else {
                    crate::output::markdown_cell(&s.severity)
                },
                s.post_mortems,
                s.items,
                s.not_closed,
                cells[0],
                cells[1],
                cells[2],
                s.days_to_close
                    .median
                    .map_or_else(|| "—".to_owned(), |m| m.to_string())
            );
        }
        let _ = writeln!(out);
    }
    // Where each overdue item is (post-mortem, item) and its age: the few listed are made
    // again, not all of them held.
    let mut overdue: Vec<(usize, usize, Option<i64>)> = Vec::new();
    for (n, pm) in d.post_mortems.iter().enumerate() {
        for (index, item) in pm.items.iter().enumerate() {
            if item.overdue {
                overdue.push((n, index, item.age_days));
            }
        }
    }
    overdue.sort_by_key(|&(_, _, age)| std::cmp::Reverse(age));
    if !overdue.is_empty() {
        let listed = overdue.len().min(OVERDUE_LISTED);
        let _ = writeln!(
            out,
            "**Oldest overdue items** ({listed} of {}):\n",
            overdue.len()
        );
        let _ = writeln!(
            out,
            "| Ticket | Item | Post-mortem | Assignee | Due | Age |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|--:|");
        for &(n, index, _) in overdue.iter().take(OVERDUE_LISTED) {
            let pm = &d.post_mortems[n];
            let Some(item) = pm.items.get(index) else {
                continue;
            };
            let ticket = match (&item.key, &item.url) {
                (Some(key), Some(url)) => format!("[{key}]({url})"),
                (Some(key), None) => key.clone(),
                (None, _) => "no ticket".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {ticket} | {} | {} | {} | {} | {} d |",
                crate::output::markdown_cell(&item.summary),
                crate::output::markdown_cell(&pm.title),
                item.assignee
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), crate::output::markdown_cell),
                item.due.map_or_else(|| "—".to_owned(), |d| d.to_string()),
                item.age_days.unwrap_or(0)
            );
        }
        let _ = writeln!(out);
    }
    let source = match d.source {
        Source::Jira => "statuses read from Jira",
        Source::Report => "statuses as written in the reports (offline)",
    };
    match site {
        Some(site) => {
            let _ = writeln!(out, "_{source}; the full dashboard: {site}_");
        }
        None => {
            let _ = writeln!(out, "_{source}._");
        }
    }
    out
}
