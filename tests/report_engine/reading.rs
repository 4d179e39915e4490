//! Which table is the Action Items table, and what its rows say.

use chrono::NaiveDate;
use pm_sync::report::{ContainerKind, Report, ReportOptions};
use pretty_assertions::assert_eq;

use super::{parse_ok, rows};

fn s(text: &str) -> String {
    text.to_owned()
}

const PIPE: &str = "| Action Item | Status |\n|---|---|\n| Add an alert | Open |\n";

#[test]
fn the_heading_is_found_in_any_case_and_as_setext() {
    for heading in [
        "## action items",
        "#   Action Items  ",
        "Action Items\n============",
        "ACTION ITEMS\n---",
    ] {
        let report = parse_ok(&format!("Intro\n\n{heading}\n\n{PIPE}"));
        assert_eq!(
            rows(&report),
            vec![(1, None, s("Add an alert"), s("Open"))],
            "{heading}"
        );
    }
}

#[test]
fn a_heading_inside_a_code_block_is_not_the_section() {
    let text = format!(
        "```\n## Action Items\n```\n\n| Action Item | Status |\n|---|---|\n| Wrong | x |\n\n## Action Items\n\n{PIPE}"
    );
    assert_eq!(rows(&parse_ok(&text))[0].2, "Add an alert");
}

#[test]
fn the_section_name_comes_from_the_options() {
    let text = format!("## Follow-ups\n\n{PIPE}");
    let options = ReportOptions {
        section: vec![s("follow-ups")],
        ..ReportOptions::default()
    };
    let report = Report::parse("r.md".as_ref(), text.into_bytes(), &options).expect("parses");
    assert_eq!(report.items().len(), 1);
}

#[test]
fn a_deeper_heading_between_the_section_and_its_table_is_fine() {
    let text = format!("## Action Items\n\n### Open ones\n\n{PIPE}");
    assert_eq!(parse_ok(&text).items().len(), 1);
}

#[test]
fn tables_under_later_headings_are_not_the_action_items_table() {
    let text = format!("## Action Items\n\nNone yet.\n\n## Later\n\n{PIPE}");
    let error = super::parse_err(&text);
    assert!(
        error
            .to_string()
            .starts_with("report.md:1:1: no action items (a table or a list) under"),
        "{error}"
    );
}

#[test]
fn pandoc_html_with_blank_lines_upper_case_tags_and_implied_end_tags_is_read() {
    let text = "## Action Items\n\n<TABLE class=\"x\">\n<THEAD>\n<TR class=\"header\">\n<TH><STRONG>Action Item</STRONG></TH>\n<TH ALIGN=left>Status\n</THEAD>\n<TBODY>\n<TR class=\"odd\">\n<TD><p>First paragraph</p>\n\n<p>second &amp; last</p></TD>\n<TD>Open\n<TR>\n<TD title='a > b'>Fix <a href=\"https://x\">the <em>thing</em></a>\n<TD>Done</TD>\n</TBODY>\n</TABLE>\n";
    let report = parse_ok(text);
    assert_eq!(report.kind(), ContainerKind::Html);
    assert_eq!(
        rows(&report),
        vec![
            (1, None, s("First paragraph second & last"), s("Open")),
            (2, None, s("Fix the thing"), s("Done")),
        ]
    );
    assert_eq!(report.items()[1].line, 15);
}

#[test]
fn template_rows_are_skipped_but_counted() {
    let text = "## Action Items\n\n| Action Item | Status |\n|---|---|\n| | |\n|  <br> | x |\n| Real | |\n";
    assert_eq!(rows(&parse_ok(text)), vec![(3, None, s("Real"), s(""))]);
}

#[test]
fn keys_are_read_from_the_ticket_column_or_the_start_of_the_item() {
    let text = "## Action Items\n\n| Task | Jira | State |\n|---|---|---|\n| One | [OPS-1](https://j/browse/OPS-1) | Done |\n| OPS-2 — Two | | |\n| [OPS-3](https://j/browse/OPS-3): Three | | |\n| <a href=\"u\">OPS-4</a> - Four | | |\n| Five mentions OPS-5 | | |\n";
    let keys: Vec<(Option<String>, String)> = parse_ok(text)
        .items()
        .iter()
        .map(|i| (i.key.clone(), i.summary().to_owned()))
        .collect();
    assert_eq!(
        keys,
        vec![
            (Some(s("OPS-1")), s("One")),
            (Some(s("OPS-2")), s("Two")),
            (Some(s("OPS-3")), s("Three")),
            (Some(s("OPS-4")), s("Four")),
            (None, s("Five mentions OPS-5")),
        ]
    );
}

#[test]
fn pipe_cells_read_escapes_code_spans_links_and_entities_as_text() {
    let text = "## Action Items\n\nAction | Status\n:-- | --:\n`a \\| b` and **bold** [link](u) &amp; x\\*y | In&nbsp;Progress\n";
    let report = parse_ok(text);
    assert_eq!(
        rows(&report),
        vec![(1, None, s("a | b and bold link & x*y"), s("In Progress"))]
    );
}

#[test]
fn summaries_are_cut_to_255_characters_without_splitting_one() {
    let long = "é".repeat(300);
    let report = parse_ok(&format!(
        "## Action Items\n\n| Item | Status |\n|-|-|\n| {long} | |\n"
    ));
    let summary = report.items()[0].summary();
    assert_eq!(summary.chars().count(), 255);
    assert_eq!(report.items()[0].item.text.chars().count(), 300);
}

#[test]
fn other_columns_are_kept_as_extra_fields_and_extra_cells_are_tolerated() {
    let text = "## Action Items\n\n| Owner | Action | Due Date | Status |\n|-|-|-|-|\n| @a | Do it | 2026-10-01 | Open | stray |\n";
    let report = parse_ok(text);
    let extra: Vec<(String, String)> = report.items()[0]
        .extra
        .iter()
        .map(|(k, c)| (k.to_string(), c.text.clone()))
        .collect();
    assert_eq!(
        extra,
        vec![(s("Owner"), s("@a")), (s("Due Date"), s("2026-10-01"))]
    );
}

#[test]
fn crlf_and_a_byte_order_mark_are_read_like_lf() {
    let lf = "---\nincident_date: 2026-09-02\nseverity: Sev 3\n---\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| Add an alert | Open |\n";
    let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
    let a = parse_ok(lf);
    let b = parse_ok(&crlf);
    assert_eq!(rows(&a), rows(&b));
    assert_eq!(a.front_matter(), b.front_matter());
    assert_eq!(b.front_matter().severity.as_deref(), Some("sev3"));
    assert_eq!(
        b.front_matter().incident_date,
        NaiveDate::from_ymd_opt(2026, 9, 2)
    );
    assert_eq!(b.items()[0].line, 9);
    let html = "\u{feff}## Action Items\r\n\r\n<table>\r\n<tr><th>Item</th><th>Status</th></tr>\r\n<tr><td>X</td><td>Y</td></tr>\r\n</table>\r\n";
    assert_eq!(rows(&parse_ok(html)), vec![(1, None, s("X"), s("Y"))]);
}

#[test]
fn incident_date_wins_over_date_and_dates_come_in_several_forms() {
    for (front, day) in [
        ("date: 2020-04-14 19:38:22.561000", (2020, 4, 14)),
        ("date: 2020-04-14", (2020, 4, 14)),
        ("date: 2020-04-14T23:30:00-05:00", (2020, 4, 14)),
        (
            "date: \"2020-04-14\"\nincident_date: 2020-04-13",
            (2020, 4, 13),
        ),
        ("date: whenever\nincident_date: 2020-04-13", (2020, 4, 13)),
    ] {
        let report = parse_ok(&format!("---\n{front}\n---\n## Action Items\n\n{PIPE}"));
        assert_eq!(
            report.front_matter().incident_date,
            NaiveDate::from_ymd_opt(day.0, day.1, day.2),
            "{front}"
        );
    }
}
