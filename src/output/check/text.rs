//! `check --format text`: an aligned table (report, line, key, summary, status, verdict), the
//! warnings and hints, then one total line. Colour only on a terminal.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use super::{display_path, totals_sentence};
use crate::gate::{CheckOutcome, Source, Verdict};

/// Summaries longer than this are cut with `…`: the table is for scanning, the report has the
/// full text.
const SUMMARY_WIDTH: usize = 60;

/// Renders `outcome` for people.
#[cfg(test)]
pub fn render(outcome: &CheckOutcome, color: bool) -> String {
    render_with(outcome, color, false)
}

/// [`render`]; with `quiet` (`-q`), only the rows that fail, the warnings and the total line.
pub fn render_with(outcome: &CheckOutcome, color: bool, quiet: bool) -> String {
    let mut out = Vec::new();
    // Writing to a `Vec` cannot fail.
    let _ = write_with(&mut out, outcome, color, quiet);
    String::from_utf8(out).unwrap_or_default()
}

/// [`render_with`], written to `out` as it is made: a table of 100,000 rows is never one
/// string.
pub fn write_with(
    out: &mut impl Write,
    outcome: &CheckOutcome,
    color: bool,
    quiet: bool,
) -> io::Result<()> {
    let shown = |item: &crate::gate::ItemCheck| !quiet || !item.verdict.passes();
    if outcome.items().any(|(_, item)| shown(&item)) {
        table(out, outcome, color, &shown)?;
        // A blank line between the table and the footer, so the totals stand out in a log.
        out.write_all(b"\n\n")?;
    }
    // With --require-items an empty report fails the gate, so it is an error, not a warning.
    let level = if outcome.require_items {
        "error"
    } else {
        "warning"
    };
    for (path, warning) in outcome.warnings() {
        match path {
            Some(path) => {
                writeln!(out, "{level}: {}: {warning}", display_path(path))?;
            }
            None => {
                writeln!(out, "{level}: {warning}")?;
            }
        }
    }
    for (report, item) in outcome.items().filter(|_| !quiet) {
        if let (Some(old), Some(new)) = (&item.moved_from, &item.key) {
            writeln!(
                out,
                "note: {}:{}: {old} moved to {new}; `pm-sync refresh` writes the new key into the report",
                display_path(&report.path),
                item.line
            )?;
        }
    }
    let totals = outcome.totals();
    if totals.no_ticket > 0 && !quiet {
        writeln!(
            out,
            "hint: run `pm-sync sync` to file tickets for the items without one"
        )?;
    }
    if outcome.source == Source::Report && !quiet {
        let rule = if outcome.resolved_names.is_empty() {
            format!(
                "{} count as resolved",
                crate::gate::OFFLINE_DONE_NAMES.join(", ")
            )
        } else {
            format!("resolved: {}", outcome.resolved_names.join(", "))
        };
        writeln!(
            out,
            "note: --offline: statuses as written in the reports, not read from Jira ({rule})"
        )?;
    }
    let verdict = if outcome.passed() { "passed" } else { "FAILED" };
    writeln!(out, "{verdict}: {}", totals_sentence(&totals))?;
    Ok(())
}

/// Rows are laid out this many at a time: comfy-table holds a few hundred bytes per cell, so a
/// check of 100,000 items as one table held ~50 times the report.
const CHUNK: usize = 1024;

/// Writes the table to `out`.
fn table(
    out: &mut impl Write,
    outcome: &CheckOutcome,
    color: bool,
    shown: &dyn Fn(&crate::gate::ItemCheck) -> bool,
) -> io::Result<()> {
    const HEADER: [&str; 6] = ["REPORT", "LINE", "KEY", "SUMMARY", "STATUS", "VERDICT"];
    let new_table = || {
        let mut table = Table::new();
        table
            .load_style(presets::NOTHING)
            // No wrapping: CI logs are wide, and a wrapped row is harder to grep.
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(HEADER);
        if color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table
    };
    let rows = || {
        outcome
            .items()
            .filter(|(_, item)| shown(item))
            .map(|(report, item)| row(report, &item, color))
    };
    // First the widths every chunk must share: each column as wide as its widest cell.
    let mut widths: Vec<u16> = vec![0; HEADER.len()];
    let mut chunk = new_table();
    let mut measure = |chunk: &Table| {
        for (width, max) in widths.iter_mut().zip(chunk.column_max_content_widths()) {
            *width = (*width).max(max);
        }
    };
    for (i, cells) in rows().enumerate() {
        chunk.add_row(cells);
        if (i + 1) % CHUNK == 0 {
            measure(&chunk);
            chunk = new_table();
        }
    }
    measure(&chunk);
    // Then each chunk laid out with a first row as wide as those widths (its line dropped),
    // the header kept only once: the lines are those of one table of every row.
    let widest: Vec<Cell> = widths
        .iter()
        .map(|&width| Cell::new("x".repeat(usize::from(width))))
        .collect();
    let mut flush = |chunk: &Table, first: bool| -> io::Result<()> {
        // The NOTHING preset still pads the first and last column with a space.
        for (n, line) in chunk.lines().enumerate() {
            if n == 1 || (n == 0 && !first) {
                continue;
            }
            // Lines are joined by newlines: none before the header.
            if n > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(line.trim().as_bytes())?;
        }
        Ok(())
    };
    let mut chunk = new_table();
    chunk.add_row(widest.clone());
    let mut first = true;
    for (i, cells) in rows().enumerate() {
        chunk.add_row(cells);
        if (i + 1) % CHUNK == 0 {
            flush(&chunk, first)?;
            first = false;
            chunk = new_table();
            chunk.add_row(widest.clone());
        }
    }
    if first || chunk.row_count() > 1 {
        flush(&chunk, first)?;
    }
    Ok(())
}

/// One item's cells.
fn row(report: &crate::gate::ReportCheck, item: &crate::gate::ItemCheck, color: bool) -> Vec<Cell> {
    let key = match (&item.key, &item.moved_from) {
        (Some(key), Some(old)) => format!("{key} (was {old})"),
        (Some(key), None) => key.to_string(),
        (None, _) => "-".to_owned(),
    };
    let verdict = Cell::new(item.verdict.label());
    let verdict = if color {
        verdict.fg(verdict_color(item.verdict))
    } else {
        verdict
    };
    let one_line = crate::output::one_line;
    vec![
        Cell::new(one_line(&display_path(&report.path))),
        Cell::new(item.line).set_alignment(CellAlignment::Right),
        Cell::new(one_line(&key)),
        Cell::new(shorten(&one_line(&item.summary), SUMMARY_WIDTH)),
        Cell::new(one_line(item.status.as_deref().unwrap_or("-"))),
        verdict,
    ]
}

fn verdict_color(verdict: Verdict) -> Color {
    match verdict {
        Verdict::Resolved => Color::Green,
        Verdict::Waived => Color::Yellow,
        Verdict::Unresolved | Verdict::NoTicket | Verdict::Missing => Color::Red,
    }
}

/// `text` cut to `width` characters, the last one an ellipsis. Masked first: a summary read
/// from Jira may hold the token, and once cut, the filter at the exit would no longer know
/// its head.
fn shorten(text: &str, width: usize) -> String {
    let text = crate::redact::text(text);
    if text.chars().count() <= width {
        text.into_owned()
    } else {
        let mut short: String = text.chars().take(width - 1).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_warnings_notes_and_total() {
        let text = render(&super::super::sample::outcome(), false);
        insta::assert_snapshot!(text, @r"
            REPORT                         LINE  KEY                SUMMARY                                STATUS       VERDICT
            postmortems/2020-04-14-api.md    12  OPS-1              Add an alert on queue depth            Done         resolved
            postmortems/2020-04-14-api.md    13  OPS-2              Fix retries: use <backoff>             In Progress  unresolved
            postmortems/2020-04-14-api.md    14  OPS-3              Rewrite the cache                      Won't Do     waived
            postmortems/2020-04-14-api.md    15  NEW-9 (was OPS-7)  Rotate the on-call, 50% less | paging  Closed       resolved
            postmortems/2021-01-02-db.md     20  -                  Document the failover                  -            no ticket
            postmortems/2021-01-02-db.md     21  OPS-404            Old item                               -            missing

            warning: postmortems/draft.md: the action items table has no action items (passes; --require-items makes this fail)
            note: postmortems/2020-04-14-api.md:15: OPS-7 moved to NEW-9; `pm-sync refresh` writes the new key into the report
            hint: run `pm-sync sync` to file tickets for the items without one
            FAILED: 6 items in 3 reports: 2 resolved, 1 waived, 1 unresolved, 1 without a ticket, 1 missing
            ");
    }

    #[test]
    fn offline_pass_says_where_statuses_came_from() {
        let mut outcome = super::super::sample::outcome();
        outcome.source = Source::Report;
        outcome.reports.truncate(1);
        let kept = outcome.reports[0]
            .items()
            .filter(|item| item.verdict.passes())
            .collect();
        outcome.reports[0] = crate::gate::ReportCheck::new(outcome.reports[0].path.clone(), kept);
        let text = render(&outcome, false);
        assert!(
            text.contains("--offline: statuses as written in the reports"),
            "{text}"
        );
        assert!(text.ends_with("passed: 3 items in 1 report: 2 resolved, 1 waived, 0 unresolved, 0 without a ticket, 0 missing\n"), "{text}");
    }

    #[test]
    fn long_summaries_are_cut() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abcd", 4), "abcd");
    }
}
