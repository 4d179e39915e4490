//! Renderers of `pm-sync check`: one module per `--format`, all from the same
//! [`crate::gate::CheckOutcome`].

pub(crate) mod github;
mod json;
mod junit;
mod markdown;
mod text;

use std::path::Path;

use crate::cli::CheckFormat;
use crate::gate::{CheckOutcome, Totals};

/// Renders `outcome` in `format`; the text ends with a newline.
pub fn render(outcome: &CheckOutcome, format: CheckFormat) -> String {
    render_quiet(outcome, format, false)
}

/// [`render`]; with `quiet` (`-q`), the text table lists only the problems, then the totals.
/// Machine formats are the same either way.
pub fn render_quiet(outcome: &CheckOutcome, format: CheckFormat, quiet: bool) -> String {
    match format {
        CheckFormat::Text => text::render_with(outcome, super::use_color(), quiet),
        CheckFormat::Json => json::render(outcome),
        CheckFormat::Github => github::render(outcome),
        CheckFormat::Junit => junit::render(outcome),
        CheckFormat::Markdown => markdown::render(outcome),
    }
}

/// [`render_quiet`], written to `out` as it is made: the text table and the JSON document of
/// a check of 100,000 items are never held as one string.
pub fn write_quiet(
    out: &mut impl std::io::Write,
    outcome: &CheckOutcome,
    format: CheckFormat,
    quiet: bool,
) -> std::io::Result<()> {
    match format {
        CheckFormat::Text => text::write_with(out, outcome, super::use_color(), quiet),
        CheckFormat::Json => json::write(out, outcome),
        _ => out.write_all(render_quiet(outcome, format, quiet).as_bytes()),
    }
}

/// A path as CI tools expect it: forward slashes, no leading `./`, so GitHub can match the
/// annotation to the file in the pull request.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    text.to_owned()
}

/// `5 items in 2 reports: 2 resolved, 1 waived, 1 unresolved, 1 without a ticket, 0 missing`.
pub(crate) fn totals_sentence(totals: &Totals) -> String {
    format!(
        "{} in {}: {} resolved, {} waived, {} unresolved, {} without a ticket, {} missing",
        plural(totals.items, "item"),
        plural(totals.reports, "report"),
        totals.resolved,
        totals.waived,
        totals.unresolved,
        totals.no_ticket,
        totals.missing,
    )
}

/// `1 item`, `2 items`.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Why an item fails, for people: one sentence, no trailing period.
pub(crate) fn failure_message(item: &crate::gate::ItemCheck) -> String {
    use crate::gate::Verdict;
    let key = item.key.as_deref().unwrap_or("?");
    let message = verdict_message(item, key);
    if item.ticked && item.verdict != Verdict::Resolved && item.verdict != Verdict::Waived {
        // A ticked box is a person's claim; the gate goes by the ticket.
        format!("{message} (its box is ticked in the report: close the ticket or untick the box)")
    } else {
        message
    }
}

fn verdict_message(item: &crate::gate::ItemCheck, key: &str) -> String {
    use crate::gate::Verdict;
    match item.verdict {
        Verdict::Unresolved => match item.status.as_deref() {
            Some(status) => format!("{key} is \"{status}\", not resolved: \"{}\"", item.summary),
            None => format!("{key} has no status, not resolved: \"{}\"", item.summary),
        },
        Verdict::NoTicket => format!(
            "no Jira ticket for \"{}\" (run `pm-sync sync` to file one)",
            item.summary
        ),
        Verdict::Missing => format!(
            "Jira does not know {key} (deleted, or not visible to this user): \"{}\"; fix or remove the key in the report",
            item.summary
        ),
        Verdict::Resolved | Verdict::Waived => match item.status.as_deref() {
            Some(status) => format!("{key} is \"{status}\": \"{}\"", item.summary),
            None => format!("{key}: \"{}\"", item.summary),
        },
    }
}

#[cfg(test)]
pub(crate) mod sample {
    //! One outcome with every verdict, shared by the renderers' tests.

    use std::path::PathBuf;

    use crate::gate::{CheckOutcome, ItemCheck, ReportCheck, Source, Verdict};

    fn item(
        line: usize,
        key: Option<&str>,
        summary: &str,
        status: Option<&str>,
        verdict: Verdict,
    ) -> ItemCheck {
        ItemCheck {
            row: line - 10,
            line,
            key: key.map(Box::from),
            moved_from: None,
            url: key.map(|k| format!("https://jira.example.com/browse/{k}").into()),
            summary: summary.into(),
            status: status.map(Box::from),
            verdict,
            ticked: false,
        }
    }

    /// Two reports with items (one of each verdict, one moved key) and one without items.
    pub(crate) fn outcome() -> CheckOutcome<'static> {
        let mut moved = item(
            15,
            Some("NEW-9"),
            "Rotate the on-call, 50% less | paging",
            Some("Closed"),
            Verdict::Resolved,
        );
        moved.moved_from = Some("OPS-7".into());
        CheckOutcome {
            source: Source::Jira,
            require_items: false,
            resolved_names: Vec::new(),
            reports: vec![
                ReportCheck::new(
                    PathBuf::from("./postmortems/2020-04-14-api.md"),
                    vec![
                        item(
                            12,
                            Some("OPS-1"),
                            "Add an alert on queue depth",
                            Some("Done"),
                            Verdict::Resolved,
                        ),
                        item(
                            13,
                            Some("OPS-2"),
                            "Fix retries: use <backoff>",
                            Some("In Progress"),
                            Verdict::Unresolved,
                        ),
                        item(
                            14,
                            Some("OPS-3"),
                            "Rewrite the cache",
                            Some("Won't Do"),
                            Verdict::Waived,
                        ),
                        moved,
                    ],
                ),
                ReportCheck::new(
                    PathBuf::from("postmortems/2021-01-02-db.md"),
                    vec![
                        item(20, None, "Document the failover", None, Verdict::NoTicket),
                        item(21, Some("OPS-404"), "Old item", None, Verdict::Missing),
                    ],
                ),
                ReportCheck::new(PathBuf::from("postmortems/draft.md"), vec![]),
            ],
        }
    }
}
