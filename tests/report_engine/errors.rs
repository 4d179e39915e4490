//! What a broken report says: each message names the file, the line and the fix, and miette
//! underlines the offending line.

use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme};
use pm_sync::report::{FrontMatter, Report, ReportError, ReportOptions, resolve_labels};

use super::parse_err;

/// The error as the CLI draws it: no colour, 100 columns, then the exit code.
fn render(error: &ReportError) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, error)
        .expect("renders");
    format!("{out}\nexit code: {}", error.exit_code())
}

const TABLE: &str = "| Action Item | Status |\n|---|---|\n| Add an alert | Open |\n";

#[test]
fn invalid_utf8() {
    let mut bytes = b"## Action Items\n\nfine\nbroken \xff here\n".to_vec();
    bytes.extend_from_slice(TABLE.as_bytes());
    let error = Report::parse(Path::new("report.md"), bytes, &ReportOptions::default())
        .expect_err("not UTF-8");
    insta::assert_snapshot!(render(&error));
}

#[test]
fn no_section() {
    insta::assert_snapshot!(render(&parse_err(
        "# Post-mortem\n\n## Lessons\n\nNothing.\n"
    )));
}

#[test]
fn no_table_under_the_section() {
    let error = parse_err(&format!(
        "# PM\n\n## Action Items\n\nTo do.\n\n## Messaging\n\n{TABLE}"
    ));
    insta::assert_snapshot!(render(&error));
}

#[test]
fn no_item_column() {
    let error = parse_err(
        "## Action Items\n\n<table>\n<thead>\n<tr class=\"header\">\n<th><strong>Time (EST)</strong></th>\n<th><strong>Notes</strong></th>\n</tr>\n</thead>\n</table>\n",
    );
    insta::assert_snapshot!(render(&error));
}

#[test]
fn unclosed_table() {
    let error = parse_err(
        "## Action Items\n\n<table>\n<tr><th>Item</th><th>Status</th></tr>\n<tr><td>X</td><td></td></tr>\n\n## Messaging\n",
    );
    insta::assert_snapshot!(render(&error));
}

#[test]
fn ragged_row_missing_the_status_cell() {
    let error = parse_err(
        "## Action Items\n\n| Action Item | Owner | Status |\n|---|---|---|\n| Add an alert | @li | Open |\n| Fix the runbook | @sam |\n",
    );
    insta::assert_snapshot!(render(&error));
}

#[test]
fn malformed_front_matter() {
    let error = parse_err(&format!(
        "---\ntitle: [unclosed\nseverity: sev1\n---\n## Action Items\n\n{TABLE}"
    ));
    insta::assert_snapshot!(render(&error));
}

#[test]
fn bad_date_in_front_matter() {
    let error = parse_err(&format!(
        "---\ntitle: PM\nincident_date: last Tuesday\n---\n## Action Items\n\n{TABLE}"
    ));
    insta::assert_snapshot!(render(&error));
}

#[test]
fn bad_severity_in_front_matter() {
    // The report reads (items, check --offline); only the labels refuse it.
    let report = super::parse_ok(&format!(
        "---\ntitle: PM\nincident_date: 2020-04-14\nseverity: ultraviolet\n---\n## Action Items\n\n{TABLE}"
    ));
    let error = resolve_labels(
        report.front_matter(),
        None,
        None,
        "sev1",
        Path::new("report.md"),
    )
    .expect_err("ultraviolet is neither on the scale nor mapped");
    insta::assert_snapshot!(render(&error));
}

#[test]
fn no_incident_date() {
    let error = resolve_labels(
        &FrontMatter::default(),
        None,
        None,
        "sev1",
        Path::new("report.md"),
    )
    .expect_err("no date");
    insta::assert_snapshot!(render(&error));
}

#[test]
fn bad_severity_option() {
    let fm = FrontMatter {
        incident_date: chrono::NaiveDate::from_ymd_opt(2020, 4, 14),
        ..FrontMatter::default()
    };
    let error = resolve_labels(&fm, None, Some("high"), "sev1", Path::new("report.md"))
        .expect_err("bad severity");
    insta::assert_snapshot!(render(&error));
}

#[test]
fn unreadable_report() {
    let error = Report::load(Path::new("does/not/exist.md"), &ReportOptions::default())
        .expect_err("missing");
    assert_eq!(error.exit_code(), 2);
    assert!(
        error
            .to_string()
            .starts_with("does/not/exist.md: cannot read the report: "),
        "{error}"
    );
}

#[test]
fn every_report_content_error_names_path_line_and_column() {
    let error = parse_err("---\nincident_date: soon\n---\n## Action Items\n");
    assert!(error.to_string().starts_with("report.md:2:16: "), "{error}");
}

#[test]
fn operational_errors() {
    use std::path::PathBuf;
    use std::time::Duration;

    let report = PathBuf::from("reports/pm.md");
    let errors = [
        ReportError::Locked {
            path: report.clone(),
            lock_path: PathBuf::from("reports/.pm.md.pm-sync.lock"),
            waited: Duration::from_secs(10),
        },
        ReportError::ChangedOnDisk {
            path: report.clone(),
        },
        ReportError::UnknownRow {
            path: report.clone(),
            row: 7,
        },
        ReportError::InvalidKey {
            path: report.clone(),
            key: "ops-1".to_owned(),
        },
        ReportError::Write {
            path: report,
            cause: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied"),
        },
    ];
    let rendered: Vec<String> = errors.iter().map(render).collect();
    insta::assert_snapshot!(rendered.join("\n---\n"));
}
