//! What a sync or refresh did, row by row: the data every output format renders.

use std::path::PathBuf;

use serde::Serialize;

/// What happened to one action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    /// A ticket was created (or would be, in a dry run).
    Created,
    /// An existing ticket with the same summary and incident label was linked.
    Adopted,
    /// The row already linked its ticket.
    Linked,
    /// The row has no ticket yet (refresh and check only report it).
    Unlinked,
    /// The row links a key Jira does not know; it is not re-filed. Exit code 3.
    Missing,
    /// Jira refused the create or edit. Exit code 3.
    Failed,
    /// A create was sent but its outcome is unknown, and search does not show it yet. Nothing
    /// was created again; the next run settles it. Exit code 3.
    Pending,
}

impl RowAction {
    /// Whether this row makes the run exit with code 3.
    pub fn is_problem(self) -> bool {
        matches!(self, Self::Missing | Self::Failed | Self::Pending)
    }
}

/// One action item's result.
#[derive(Debug, Clone, Serialize)]
pub struct RowOutcome {
    /// Body row number within the table (1-based, template rows counted).
    pub row: usize,
    /// Line of the row in the file (1-based).
    pub line: usize,
    pub summary: String,
    pub action: RowAction,
    /// The ticket, when the row has one.
    pub key: Option<String>,
    /// `{url}/browse/{key}`.
    pub url: Option<String>,
    /// The ticket's status as written into the report.
    pub status: Option<String>,
    /// What was changed on an existing ticket: `"labels"`, `"summary"`.
    pub updated: Vec<&'static str>,
    /// Whether the report's cells for this row changed (status refreshed, key written).
    pub report_changed: bool,
    /// Why the row failed or is pending.
    pub error: Option<String>,
    /// Something the user should know about a row that did not fail: why its new ticket is
    /// unassigned, that Jira refused to label a ticket of another team's project. Only in JSON
    /// when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// One report's result.
#[derive(Debug, Clone, Serialize)]
pub struct ReportOutcome {
    pub path: PathBuf,
    /// Whether the file was rewritten (false when nothing changed, and in dry runs).
    pub written: bool,
    /// The labels its tickets carry (`sync` only), e.g. `["sev1_20200414", "sev1"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// The severity the labels use when the report names none (`[labels] severity`, `sev1`
    /// unless set): said at default verbosity, never a silent fallback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_severity: Option<String>,
    /// Unified diff of the report (dry runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    pub items: Vec<RowOutcome>,
}

/// The result of a whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    /// `sync` or `refresh`.
    pub command: &'static str,
    pub dry_run: bool,
    pub reports: Vec<ReportOutcome>,
}

impl RunOutcome {
    /// Whether any row failed, is pending, or links a missing key (exit code 3).
    pub fn has_problems(&self) -> bool {
        self.rows().any(|row| row.action.is_problem())
    }

    /// Every row of every report.
    pub fn rows(&self) -> impl Iterator<Item = &RowOutcome> {
        self.reports.iter().flat_map(|report| report.items.iter())
    }

    /// Number of rows with `action`.
    pub fn count(&self, action: RowAction) -> usize {
        self.rows().filter(|row| row.action == action).count()
    }
}
