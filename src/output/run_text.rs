//! Text output of `sync` and `refresh`: one block per report, one line per item, totals.

use crate::output::one_line;
use std::fmt::Write;

use super::paint;
use crate::sync::outcome::{RowAction, RowOutcome, RunOutcome};

/// Writes `outcome` for people to `out`, a line at a time (a run of 100,000 rows is never one
/// string).
pub fn write(
    out: &mut impl Write,
    outcome: &RunOutcome,
    color: bool,
    quiet: bool,
) -> std::fmt::Result {
    for report in &outcome.reports {
        let rows: Vec<&RowOutcome> = report
            .items
            .iter()
            .filter(|row| !quiet || row.action.is_problem())
            .collect();
        if !quiet || !rows.is_empty() {
            let state = match (outcome.dry_run, report.written) {
                (true, _) => "dry run, not written",
                (false, true) => "updated",
                (false, false) => "unchanged",
            };
            let labels = report
                .labels
                .as_ref()
                .map(|labels| format!(", labels {}", labels.join(" + ")))
                .unwrap_or_default();
            writeln!(
                out,
                "{} ({state}{labels})",
                one_line(&report.path.display().to_string())
            )?;
            if let Some(severity) = &report.default_severity {
                writeln!(out, "  severity {severity} (default: none found)")?;
            }
        }
        let key_width = rows
            .iter()
            .map(|row| report.key(row).map_or(1, |key| key.len()))
            .max()
            .unwrap_or(1);
        let status_width = rows
            .iter()
            .map(|row| row.status.as_deref().map_or(1, |s| s.chars().count()))
            .max()
            .unwrap_or(1);
        for row in rows {
            let (word, code) = action_word(row, outcome.dry_run);
            let key = report.key(row);
            let mut line = format!(
                "  {}  {:<key_width$}  {:<status_width$}  {}",
                paint(&format!("{word:<10}"), code, color),
                key.as_deref().unwrap_or("-"),
                one_line(row.status.as_deref().unwrap_or("-")),
                one_line(&report.summary(row)),
            );
            if !row.updated.is_empty() {
                let _ = write!(line, "  [{} updated]", row.updated.join(" and "));
            }
            if matches!(row.action, RowAction::Created | RowAction::Adopted)
                && let Some(url) = report.url(row)
            {
                let _ = write!(line, "  {url}");
            }
            writeln!(out, "{}", line.trim_end())?;
            if let Some(error) = row.error() {
                writeln!(out, "      line {}: {}", row.line, one_line(error))?;
            }
            if let Some(warning) = row.warning() {
                writeln!(
                    out,
                    "      line {}: warning: {}",
                    row.line,
                    one_line(warning)
                )?;
            }
        }
        if let Some(diff) = &report.diff {
            // Written as it is made; it ends with a line end.
            write!(out, "{diff}")?;
        }
    }
    out.write_str(&totals(outcome))
}

fn action_word(row: &RowOutcome, dry_run: bool) -> (&'static str, &'static str) {
    match (row.action, dry_run) {
        (RowAction::Linked, false) if row.report_changed => ("refreshed", "34"),
        (RowAction::Linked, true) if row.report_changed => ("refresh", "34"),
        (RowAction::Created, false) => ("created", "32"),
        (RowAction::Created, true) => ("create", "32"),
        (RowAction::Adopted, false) => ("adopted", "36"),
        (RowAction::Adopted, true) => ("adopt", "36"),
        (RowAction::Linked, _) => ("ok", "2"),
        (RowAction::Unlinked, _) => ("no ticket", "33"),
        (RowAction::Missing, _) => ("missing", "31"),
        (RowAction::Failed, _) => ("failed", "31"),
        (RowAction::Pending, _) => ("pending", "33"),
    }
}

fn totals(outcome: &RunOutcome) -> String {
    let updated = outcome.rows().filter(|row| !row.updated.is_empty()).count();
    let changed = outcome.rows().filter(|row| row.report_changed).count();
    let verb = if outcome.dry_run { "would be " } else { "" };
    let mut parts = Vec::new();
    if outcome.command == "sync" {
        parts.push(format!(
            "{} {verb}created",
            outcome.count(RowAction::Created)
        ));
        parts.push(format!(
            "{} {verb}adopted",
            outcome.count(RowAction::Adopted)
        ));
        parts.push(format!("{updated} {verb}updated in Jira"));
    }
    parts.push(format!("{changed} rows {verb}changed in reports"));
    for (action, name) in [
        (RowAction::Unlinked, "without a ticket"),
        (RowAction::Missing, "missing in Jira"),
        (RowAction::Failed, "failed"),
        (RowAction::Pending, "pending"),
    ] {
        let count = outcome.count(action);
        if count > 0 {
            parts.push(format!("{count} {name}"));
        }
    }
    let reports = outcome.reports.len();
    // Say it in words when nothing changed: an all-zero line is easy to misread as a failure
    // to do anything.
    let nothing = match (super::changes_anything(outcome), outcome.dry_run) {
        (true, _) => "",
        (false, true) => "nothing would change in Jira or in the reports; ",
        (false, false) => "nothing changed in Jira or in the reports; ",
    };
    format!(
        "{}: {nothing}{} across {reports} report{}\n",
        outcome.command,
        parts.join(", "),
        if reports == 1 { "" } else { "s" }
    )
}
