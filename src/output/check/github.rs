//! `check --format github`: GitHub Actions workflow commands. One `::error` annotation per
//! failing item, on its report's line, so the pull request shows it in the diff; one
//! `::warning` per report without items; then a plain total line for the log.
//!
//! Escaping follows GitHub's toolkit (`@actions/core` `command.ts`): in the message, `%`,
//! `\r` and `\n` are percent-encoded; in properties (`file`, `title`), `:` and `,` too.

use std::fmt::Write;

use super::{display_path, failure_message, totals_sentence};
use crate::gate::{CheckOutcome, Verdict};

/// Renders `outcome` as workflow commands.
pub fn render(outcome: &CheckOutcome) -> String {
    let mut out = String::new();
    for (report, item) in outcome.items() {
        let title = match item.verdict {
            Verdict::Resolved | Verdict::Waived => continue,
            Verdict::Unresolved => "Unresolved action item",
            Verdict::NoTicket => "Action item without a Jira ticket",
            Verdict::Missing => "Action item with an unknown Jira key",
        };
        let mut message = failure_message(&item);
        if let Some(url) = &item.url {
            let _ = write!(message, "\n{url}");
        }
        let _ = writeln!(
            out,
            "::error file={},line={},title={}::{}",
            escape_property(&display_path(&report.path)),
            item.line,
            escape_property(title),
            escape_data(&message)
        );
    }
    for (path, warning) in outcome.warnings() {
        let command = if outcome.require_items {
            "error"
        } else {
            "warning"
        };
        match path {
            Some(path) => {
                let _ = writeln!(
                    out,
                    "::{command} file={},title={}::{}",
                    escape_property(&display_path(path)),
                    escape_property("Post-mortem without action items"),
                    escape_data(&warning)
                );
            }
            None => {
                let _ = writeln!(out, "::{command}::{}", escape_data(&warning));
            }
        }
    }
    let verdict = if outcome.passed() { "passed" } else { "failed" };
    let _ = writeln!(
        out,
        "pm-sync check {verdict}: {}",
        totals_sentence(&outcome.totals())
    );
    out
}

/// The message part of a workflow command.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value (`file=…`, `title=…`): the message escapes plus `:` and `,`, which would
/// otherwise end the property list or the property.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn one_error_per_failing_item_with_file_and_line() {
        let text = render(&super::super::sample::outcome());
        insta::assert_snapshot!(text, @r#"
            ::error file=postmortems/2020-04-14-api.md,line=13,title=Unresolved action item::OPS-2 is "In Progress", not resolved: "Fix retries: use <backoff>"%0Ahttps://jira.example.com/browse/OPS-2
            ::error file=postmortems/2021-01-02-db.md,line=20,title=Action item without a Jira ticket::no Jira ticket for "Document the failover" (run `pm-sync sync` to file one)
            ::error file=postmortems/2021-01-02-db.md,line=21,title=Action item with an unknown Jira key::Jira does not know OPS-404 (deleted, or not visible to this user): "Old item"; fix or remove the key in the report%0Ahttps://jira.example.com/browse/OPS-404
            ::warning file=postmortems/draft.md,title=Post-mortem without action items::the action items table has no action items (passes; --require-items makes this fail)
            pm-sync check failed: 6 items in 3 reports: 2 resolved, 1 waived, 1 unresolved, 1 without a ticket, 1 missing
            "#);
    }

    #[test]
    fn empty_report_is_an_error_with_require_items() {
        let mut outcome = super::super::sample::outcome();
        outcome.require_items = true;
        let text = render(&outcome);
        assert!(
            text.contains(
                "::error file=postmortems/draft.md,title=Post-mortem without action items::"
            ),
            "{text}"
        );
    }
}
