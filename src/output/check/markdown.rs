//! `check --format markdown`: a summary for `$GITHUB_STEP_SUMMARY` or a merge-request note. A
//! heading with the verdict, one table row per item (✅ resolved, ⚠️ waived, ❌ failing), the
//! warnings, and a total line.

use std::fmt::Write;

use super::{display_path, totals_sentence};
use crate::gate::{CheckOutcome, Source, Verdict};

/// Renders `outcome` as GitHub-flavoured Markdown.
pub fn render(outcome: &CheckOutcome) -> String {
    let totals = outcome.totals();
    let failing = totals.unresolved + totals.no_ticket + totals.missing;
    let mut out = String::new();
    let heading = if outcome.passed() {
        "✅ Post-mortem action items: all resolved".to_owned()
    } else if failing > 0 {
        format!(
            "❌ Post-mortem action items: {} of {} not resolved",
            failing, totals.items
        )
    } else {
        "❌ Post-mortem action items: a report has no action items".to_owned()
    };
    let _ = writeln!(out, "### {heading}\n");
    if totals.items > 0 {
        out.push_str("| | Report | Item | Ticket | Status | Verdict |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for (report, item) in outcome.items() {
            let icon = match item.verdict {
                Verdict::Resolved => "✅",
                Verdict::Waived => "⚠️",
                Verdict::Unresolved | Verdict::NoTicket | Verdict::Missing => "❌",
            };
            let ticket = match (&item.key, &item.url) {
                (Some(key), Some(url)) => format!("[{key}]({url})"),
                (Some(key), None) => key.to_string(),
                (None, _) => "—".to_owned(),
            };
            let ticket = match &item.moved_from {
                Some(old) => format!("{ticket} (was {old})"),
                None => ticket,
            };
            let verdict = match item.verdict {
                Verdict::Waived => "waived (dropped, not fixed)",
                other => other.label(),
            };
            let _ = writeln!(
                out,
                "| {icon} | `{}:{}` | {} | {ticket} | {} | {verdict} |",
                display_path(&report.path).replace('`', "'"),
                item.line,
                crate::output::markdown_cell(&item.summary),
                item.status
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), crate::output::markdown_cell),
            );
        }
        out.push('\n');
    }
    for (path, warning) in outcome.warnings() {
        match path {
            Some(path) => {
                let _ = writeln!(
                    out,
                    "> ⚠️ `{}`: {}\n",
                    display_path(path).replace('`', "'"),
                    crate::output::markdown_cell(&warning)
                );
            }
            None => {
                let _ = writeln!(out, "> ⚠️ {}\n", crate::output::markdown_cell(&warning));
            }
        }
    }
    let source = match outcome.source {
        Source::Jira => "statuses read from Jira",
        Source::Report => "statuses as written in the reports (`--offline`)",
    };
    let _ = writeln!(out, "**Total:** {}; {source}.", totals_sentence(&totals));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_table_with_icons_and_total() {
        let text = render(&super::super::sample::outcome());
        insta::assert_snapshot!(text, @r"
            ### ❌ Post-mortem action items: 3 of 6 not resolved

            | | Report | Item | Ticket | Status | Verdict |
            |---|---|---|---|---|---|
            | ✅ | `postmortems/2020-04-14-api.md:12` | Add an alert on queue depth | [OPS-1](https://jira.example.com/browse/OPS-1) | Done | resolved |
            | ❌ | `postmortems/2020-04-14-api.md:13` | Fix retries: use &lt;backoff&gt; | [OPS-2](https://jira.example.com/browse/OPS-2) | In Progress | unresolved |
            | ⚠️ | `postmortems/2020-04-14-api.md:14` | Rewrite the cache | [OPS-3](https://jira.example.com/browse/OPS-3) | Won't Do | waived (dropped, not fixed) |
            | ✅ | `postmortems/2020-04-14-api.md:15` | Rotate the on-call, 50% less \| paging | [NEW-9](https://jira.example.com/browse/NEW-9) (was OPS-7) | Closed | resolved |
            | ❌ | `postmortems/2021-01-02-db.md:20` | Document the failover | — | — | no ticket |
            | ❌ | `postmortems/2021-01-02-db.md:21` | Old item | [OPS-404](https://jira.example.com/browse/OPS-404) | — | missing |

            > ⚠️ `postmortems/draft.md`: the action items table has no action items (passes; --require-items makes this fail)

            **Total:** 6 items in 3 reports: 2 resolved, 1 waived, 1 unresolved, 1 without a ticket, 1 missing; statuses read from Jira.
            ");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(
            crate::output::markdown_cell("a | b <i>*x*</i>\nc"),
            r"a \| b &lt;i&gt;\*x\*&lt;/i&gt; c"
        );
    }
}
