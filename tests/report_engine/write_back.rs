//! What a sync writes back: keys as links, statuses escaped, nothing else changed.

use pm_sync::report::{ContainerKind, Edit};
use pretty_assertions::assert_eq;

use super::{fixture, parse_ok, text};

fn link(row: usize, key: &str) -> Edit {
    Edit::Link {
        row,
        key: key.to_owned(),
        url: format!("https://example.atlassian.net/browse/{key}"),
    }
}

fn status(row: usize, status: &str) -> Edit {
    Edit::Status {
        row,
        status: status.to_owned(),
    }
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture")
}

#[test]
fn html_keys_go_to_the_start_of_the_item_cell_and_statuses_are_escaped() {
    let mut report = parse_ok(&fixture_text("notification-delays-html.md"));
    let changed = report
        .apply(&[
            link(1, "OPS-101"),
            status(1, "In Progress"),
            link(2, "OPS-102"),
            status(2, "Won't <do> & co"),
        ])
        .expect("applies");
    assert!(changed);
    assert_eq!(report.items()[0].key.as_deref(), Some("OPS-101"));
    assert_eq!(report.items()[1].status_text(), "Won't <do> & co");
    assert_eq!(
        report.items()[0].summary(),
        "Add an alert on replication lag above 30 s for every primary database"
    );
    insta::assert_snapshot!(report.diff());
}

#[test]
fn pipe_keys_go_to_the_ticket_column_and_statuses_escape_pipes() {
    let mut report = parse_ok(&fixture_text("cache-outage-gfm.md"));
    assert_eq!(report.kind(), ContainerKind::Pipe);
    report
        .apply(&[
            link(1, "OPS-13"),
            status(1, "To Do"),
            link(2, "OPS-12"),
            status(2, "Done | verified"),
            status(3, "Blocked"),
        ])
        .expect("applies");
    let keys: Vec<Option<&str>> = report.items().iter().map(|i| i.key.as_deref()).collect();
    assert_eq!(keys, vec![Some("OPS-13"), Some("OPS-12"), None]);
    assert_eq!(report.items()[1].status_text(), "Done | verified");
    insta::assert_snapshot!(report.diff());
}

#[test]
fn an_existing_key_prefix_is_replaced_not_doubled() {
    let original = "## Action Items\n\n| Action Item | Status |\n|---|---|\n| OPS-1 — Add an alert | |\n| [OPS-2](old) Fix | |\n| Plain | |\n";
    let mut report = parse_ok(original);
    report
        .apply(&[link(1, "OPS-1"), link(2, "OPS-9"), link(3, "OPS-3")])
        .expect("applies");
    assert_eq!(
        text(&report),
        "## Action Items\n\n| Action Item | Status |\n|---|---|\n| [OPS-1](https://example.atlassian.net/browse/OPS-1) — Add an alert | |\n| [OPS-9](https://example.atlassian.net/browse/OPS-9) Fix | |\n| [OPS-3](https://example.atlassian.net/browse/OPS-3) Plain | |\n"
    );
    let summaries: Vec<&str> = report.items().iter().map(|i| i.summary()).collect();
    assert_eq!(summaries, vec!["Add an alert", "Fix", "Plain"]);
    // Writing the same again changes nothing.
    let again = report
        .apply(&[link(1, "OPS-1"), link(2, "OPS-9"), link(3, "OPS-3")])
        .expect("applies");
    assert!(!again);
}

#[test]
fn empty_pipe_cells_without_padding_keep_the_compact_style() {
    let mut report =
        parse_ok("## Action Items\n\n|Action Item|Status|Ticket|\n|-|-|-|\n|Do it|||\n");
    report
        .apply(&[link(1, "OPS-1"), status(1, "Open")])
        .expect("applies");
    assert_eq!(
        text(&report),
        "## Action Items\n\n|Action Item|Status|Ticket|\n|-|-|-|\n|Do it|Open|[OPS-1](https://example.atlassian.net/browse/OPS-1)|\n"
    );
}

#[test]
fn a_status_the_cell_already_shows_leaves_its_markup_alone() {
    let original = "## Action Items\n\n<table><tr><th>Item</th><th>Status</th></tr>\n<tr><td>X</td><td><strong>Won&#39;t Do</strong></td></tr></table>\n";
    let mut report = parse_ok(original);
    assert!(!report.apply(&[status(1, "Won't Do")]).expect("applies"));
    assert_eq!(text(&report), original);
    assert!(!report.is_modified());
    assert_eq!(report.diff(), "");
}

#[test]
fn crlf_line_endings_survive_a_write() {
    let original = "## Action Items\r\n\r\n<table>\r\n<tr><th>Item</th><th>Status</th></tr>\r\n<tr>\r\n<td>X</td>\r\n<td></td>\r\n</tr>\r\n</table>\r\n";
    let mut report = parse_ok(original);
    report
        .apply(&[link(1, "OPS-7"), status(1, "Done")])
        .expect("applies");
    assert_eq!(
        text(&report),
        original
            .replace(
                "<td>X",
                "<td><a href=\"https://example.atlassian.net/browse/OPS-7\">OPS-7</a> X"
            )
            .replace("<td></td>", "<td>Done</td>")
    );
}

#[test]
fn edits_for_rows_that_are_not_items_or_keys_that_are_not_keys_are_refused() {
    let mut report = parse_ok(&fixture_text("cache-outage-gfm.md"));
    let before = text(&report);
    let error = report
        .apply(&[status(1, "Done"), status(4, "Done")])
        .expect_err("row 4 is a template row");
    assert_eq!(
        error.to_string(),
        "report.md: row 4 of the action items table is not an action item"
    );
    let error = report.apply(&[link(1, "ops-1")]).expect_err("not a key");
    assert_eq!(
        error.to_string(),
        "report.md: \"ops-1\" is not a Jira issue key"
    );
    assert_eq!(text(&report), before);
}

#[test]
fn items_after_an_edit_match_a_fresh_read_of_the_new_bytes() {
    let documents = [
        "## Action Items\n\n| Action Item | Status |\n|---|---|\n| **OPS-1** Fix | |\n|OPS-2: x|A |\n",
        "## Action Items\n\n<table><tr><th>Item<th>Status\n<tr><td> <a href=\"u\">OPS-3</a> — y\n<td>Open\n<tr><td>z<td></table>\n",
        // A status cell spanning lines: writing it moves the rows below up.
        "## Action Items\n\n<table><tr><th>Item</th><th>Status</th></tr>\n<tr><td>a</td><td>\n\n</td></tr>\n<tr><td>b</td><td></td></tr></table>\n",
    ];
    for original in documents {
        let mut report = parse_ok(original);
        let rows: Vec<usize> = report.items().iter().map(|i| i.row).collect();
        let edits: Vec<Edit> = rows
            .iter()
            .flat_map(|&row| [link(row, "NEW-1"), status(row, "Done")])
            .collect();
        report.apply(&edits).expect("applies");
        let fresh = parse_ok(&text(&report));
        assert_eq!(report.items(), fresh.items(), "{}", text(&report));
    }
}

#[test]
fn emptying_the_last_cell_of_a_row_without_a_closing_pipe_closes_the_row() {
    let mut report =
        parse_ok("## Action Items\n\n| Action Item | Status\n|---|---\n| Fix | Open\n");
    super::knowing(&mut report, &["Open"]);
    report.apply(&[status(1, "")]).expect("applies");
    assert_eq!(
        text(&report),
        "## Action Items\n\n| Action Item | Status\n|---|---\n| Fix | |\n"
    );
    assert_eq!(report.items()[0].status_text(), "");
}

/// Issue 17: keys and statuses go into every new shape where a person would put them, and a
/// placeholder in a ticket or status cell is replaced rather than kept beside the value.
#[test]
fn new_shapes_get_their_keys_and_statuses_where_people_write_them() {
    let text = "# Incident: payroll ran twice\n\n## Lessons learned\n\nRetries hid the outage.\n\n**TODO** Add an idempotency key per pay period\n\nDONE: Page on duplicate runs\n\n## Messaging\n\nNothing.\n";
    let mut report = parse_ok(text);
    let rows: Vec<usize> = report.items().iter().map(|i| i.row).collect();
    assert_eq!(rows.len(), 2, "the lesson is not an item");
    report
        .apply(&[
            link(rows[0], "OPS-1"),
            status(rows[0], "In Progress"),
            link(rows[1], "OPS-2"),
        ])
        .expect("applies");
    assert_eq!(
        report.items()[0].summary(),
        "Add an idempotency key per pay period"
    );

    let cells = "## Corrective actions\n\n| Area | Actions | Owner | Status | Ticket |\n|---|---|---|---|---|\n| Batch | Add a key<br>Refuse a second run | ana | — | |\n| Alerts | Page on duplicates | bo | TBD | n/a |\n";
    let mut cells_report = parse_ok(cells);
    let mut known = pm_sync::report::KnownStatuses::default();
    known.insert("To Do", false);
    cells_report.set_known_statuses(known);
    cells_report
        .apply(&[
            link(1, "OPS-3"),
            link(2, "OPS-4"),
            status(2, "To Do"),
            link(3, "OPS-5"),
            status(3, "To Do"),
        ])
        .expect("applies");

    let headings = "## Remediations\n\n### Share fork test vectors\n\nSo every client can test the first epoch.\n\n### Run a shadow fork before each upgrade\n\nWith all clients.\n";
    let mut headings_report = parse_ok(headings);
    let rows: Vec<usize> = headings_report.items().iter().map(|i| i.row).collect();
    headings_report
        .apply(&[link(rows[0], "OPS-6"), status(rows[1], "Done")])
        .expect("applies");
    insta::assert_snapshot!(format!(
        "{}\n{}\n{}",
        report.diff(),
        cells_report.diff(),
        headings_report.diff()
    ));
}

#[test]
fn edits_planned_a_row_at_a_time_write_what_one_batch_writes_and_a_bad_row_costs_only_itself() {
    let original = fixture_text("cache-outage-gfm.md");
    let rows = [
        vec![link(1, "OPS-13"), status(1, "To Do")],
        // Row 4 is a template row: refused, and nothing of this call is kept.
        vec![status(4, "Done")],
        vec![link(2, "OPS-12"), status(2, "Done | verified")],
        // Already what the cell shows after the edits above: no byte would change.
        vec![status(3, "")],
    ];
    let mut batch = parse_ok(&original);
    batch
        .apply(&[rows[0].clone(), rows[2].clone()].concat())
        .expect("applies");

    let mut by_row = parse_ok(&original);
    let mut plan = pm_sync::report::EditPlan::default();
    let changed: Vec<Option<bool>> = rows
        .iter()
        .map(|edits| by_row.plan_edits(&mut plan, edits).ok())
        .collect();
    assert_eq!(changed, [Some(true), None, Some(true), Some(false)]);
    assert_eq!(plan.rows(), [1, 2], "the rows whose bytes change");
    assert!(by_row.apply_plan(plan).expect("applies"));
    assert_eq!(text(&by_row), text(&batch));
    assert_eq!(
        by_row
            .apply_rows(&[status(1, "To Do"), status(2, "In Progress")])
            .expect("applies"),
        vec![2],
        "a status already shown changes no row"
    );
}
