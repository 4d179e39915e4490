//! `check --format junit`: JUnit XML for CI test dashboards (GitLab's `artifacts:reports:junit`,
//! Jenkins, Azure). One testsuite per report, one testcase per action item; unresolved items,
//! items without a ticket and unknown keys are failures; waived items are skipped, so they show
//! apart from fixed ones without failing the run.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{display_path, failure_message};
use crate::gate::{CheckOutcome, Verdict};

/// Renders `outcome` as a JUnit XML document.
pub fn render(outcome: &CheckOutcome) -> String {
    let mut report = Report::new("pm-sync check");
    for checked in &outcome.reports {
        let path = display_path(&checked.path);
        let mut suite = TestSuite::new(path.clone());
        for item in checked.items() {
            let mut status = match item.verdict {
                Verdict::Resolved => TestCaseStatus::success(),
                Verdict::Waived => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(format!(
                        "waived: {} (dropped, not fixed)",
                        failure_message(&item)
                    ));
                    status
                }
                Verdict::Unresolved | Verdict::NoTicket | Verdict::Missing => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status
                        .set_message(failure_message(&item))
                        .set_type(item.verdict.as_str());
                    status
                }
            };
            if let (Some(url), TestCaseStatus::NonSuccess { .. }) = (&item.url, &status) {
                status.set_description(format!("{path}:{}\n{url}", item.line));
            }
            let name = match &item.key {
                Some(key) => format!("line {} {key}: {}", item.line, item.summary),
                None => format!("line {}: {}", item.line, item.summary),
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(path.clone());
            case.add_property(Property::new("file", path.clone()));
            case.add_property(Property::new("line", item.line.to_string()));
            if let Some(status) = &item.status {
                case.add_property(Property::new("status", status.clone()));
            }
            suite.add_test_case(case);
        }
        if checked.is_empty() {
            // An empty suite is easy to miss in a dashboard: say why it is empty.
            let status = if outcome.require_items {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message("the action items table has no action items (--require-items)")
                    .set_type("no_items");
                status
            } else {
                let mut status = TestCaseStatus::skipped();
                status.set_message("the action items table has no action items");
                status
            };
            let mut case = TestCase::new("has action items", status);
            case.set_classname(path.clone());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_else(|error| {
        // Serialising to a String only fails on I/O, which a String never has.
        format!("<!-- pm-sync could not write JUnit XML: {error} -->\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_round_trips_with_a_failure_per_failing_item() {
        let xml = render(&super::super::sample::outcome());
        let parsed = Report::deserialize_from_str(&xml).expect("valid JUnit XML");
        assert_eq!(parsed.test_suites.len(), 3);
        assert_eq!(parsed.tests, 7);
        assert_eq!(parsed.failures, 3);
        let first = &parsed.test_suites[0];
        assert_eq!(first.name.as_str(), "postmortems/2020-04-14-api.md");
        assert_eq!((first.tests, first.failures, first.skipped), (4, 1, 1));
        assert!(xml.contains("&lt;backoff&gt;"), "{xml}");
        assert!(xml.contains(r#"type="no_ticket""#), "{xml}");
    }
}
