//! The CI gate's rules: what "resolved" means, one verdict per action item, and the exit code.
//! Pure: the `check` command (`commands::check`) loads the reports and reads Jira.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::exit;

use crate::jira::model::{FetchedIssues, Issue, IssueKey, StatusCategory};
use crate::report::model::ActionItem;
use crate::settings::StatusRules;
use crate::sync::workspace::LoadedReport;

/// Status names read as resolved by `check --offline` when `[status] resolved` is not set:
/// offline there is no status category to go by, only the name written in the report, so these
/// are the statuses Jira's own workflows put in the Done category — the ones a live check
/// calls resolved — so that a report reads the same offline as live.
pub const OFFLINE_DONE_NAMES: [&str; 9] = [
    "Done",
    "Closed",
    "Resolved",
    "Won't Do",
    "Won't Fix",
    "Cancelled",
    "Canceled",
    "Declined",
    "Duplicate",
];

/// What `check` concludes about one action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The ticket is in a resolved status.
    Resolved,
    /// The ticket is in a `[status] waived` status: it counts as resolved, but the item was
    /// dropped rather than fixed, so it is shown apart.
    Waived,
    /// The ticket is not resolved yet.
    Unresolved,
    /// The row has no ticket (run `pm-sync sync`).
    NoTicket,
    /// The row links a key Jira does not know (deleted, or not visible to this user).
    Missing,
}

impl Verdict {
    /// Whether this verdict lets the gate pass.
    pub fn passes(self) -> bool {
        matches!(self, Self::Resolved | Self::Waived)
    }

    /// The word used in every output format (`no_ticket`, …), as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::Waived => "waived",
            Self::Unresolved => "unresolved",
            Self::NoTicket => "no_ticket",
            Self::Missing => "missing",
        }
    }

    /// Words for people (`no ticket` rather than `no_ticket`).
    pub fn label(self) -> &'static str {
        match self {
            Self::NoTicket => "no ticket",
            other => other.as_str(),
        }
    }
}

/// Judges a status by the `[status]` rules of the config.
///
/// Waived names win over everything, so listing `Won't Do` in both `resolved` and `waived`
/// still shows it apart. Then, when `[status] resolved` lists names, those names (compared
/// without case) are the resolved ones; otherwise the status category decides (`done`). With no
/// category (offline), the common done names of [`OFFLINE_DONE_NAMES`] stand in for it.
pub fn judge_status(rules: &StatusRules, name: &str, category: Option<StatusCategory>) -> Verdict {
    let name = name.trim();
    if contains_name(&rules.waived, name) {
        return Verdict::Waived;
    }
    let resolved = if !rules.resolved.is_empty() {
        contains_name(&rules.resolved, name)
    } else {
        match category {
            Some(category) => category == StatusCategory::Done,
            None => OFFLINE_DONE_NAMES
                .iter()
                .any(|done| done.eq_ignore_ascii_case(name)),
        }
    };
    if resolved {
        Verdict::Resolved
    } else {
        Verdict::Unresolved
    }
}

/// Case-insensitive (Unicode lowercase) membership, ignoring surrounding whitespace: status
/// names are typed by people in both the config and the report.
fn contains_name(names: &[String], name: &str) -> bool {
    let wanted = name.trim().to_lowercase();
    names
        .iter()
        .any(|candidate| candidate.trim().to_lowercase() == wanted)
}

/// Whether statuses were read from Jira or from the reports' own status cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Live from Jira.
    Jira,
    /// `--offline`: the status cells as written in the reports.
    Report,
}

/// One action item's result. A check holds one per item (100,000 for a long report), so its
/// texts are boxed rather than growable, and the browse URL is shared with the [`Lookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemCheck {
    /// Body row of the table (1-based, template rows counted).
    pub row: usize,
    /// Line of the row in the report (1-based).
    pub line: usize,
    /// The ticket's current key; after a move, the new one.
    pub key: Option<Box<str>>,
    /// The key the report links, when the issue has since moved to [`ItemCheck::key`].
    pub moved_from: Option<Box<str>>,
    /// `{url}/browse/{key}`, when known (not offline).
    pub url: Option<Arc<str>>,
    /// The item's summary as pm-sync sends it to Jira.
    pub summary: Box<str>,
    /// The status the verdict was made from (Jira's, or the report's cell offline); `None`
    /// when there is none (no ticket, missing key).
    pub status: Option<Box<str>>,
    /// The verdict.
    pub verdict: Verdict,
    /// The item's task box is ticked in the report. On an unresolved ticket that is a
    /// disagreement to settle (close the ticket, or untick the box), never a resolution.
    pub ticked: bool,
}

/// One report's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCheck {
    /// The report, as found from the command line (relative when given relative).
    pub path: PathBuf,
    /// Its action items, in table order.
    pub items: Vec<ItemCheck>,
}

impl ReportCheck {
    /// Whether every item of this report passes (and, with `require_items`, it has some).
    pub fn passed(&self, require_items: bool) -> bool {
        !(require_items && self.items.is_empty()) && self.items.iter().all(|i| i.verdict.passes())
    }
}

/// Counts of a check, by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    /// Reports checked.
    pub reports: usize,
    /// Reports without any action item.
    pub reports_without_items: usize,
    /// Action items checked.
    pub items: usize,
    /// Items whose ticket is resolved.
    pub resolved: usize,
    /// Items whose ticket is in a waived status.
    pub waived: usize,
    /// Items whose ticket is open.
    pub unresolved: usize,
    /// Items without a ticket.
    pub no_ticket: usize,
    /// Items linking a key Jira does not know.
    pub missing: usize,
}

/// The result of a whole `check`: the data every output format renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Where statuses came from.
    pub source: Source,
    /// `--require-items`: a report without action items fails.
    pub require_items: bool,
    /// The names `[status] resolved` lists; empty means the status category decides (or, offline,
    /// the common done names of [`OFFLINE_DONE_NAMES`]).
    pub resolved_names: Vec<String>,
    /// The reports, in the order they were found.
    pub reports: Vec<ReportCheck>,
}

impl CheckOutcome {
    /// Every item of every report.
    pub fn items(&self) -> impl Iterator<Item = (&ReportCheck, &ItemCheck)> {
        self.reports
            .iter()
            .flat_map(|report| report.items.iter().map(move |item| (report, item)))
    }

    /// Counts by verdict.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals {
            reports: self.reports.len(),
            reports_without_items: self.reports.iter().filter(|r| r.items.is_empty()).count(),
            ..Totals::default()
        };
        for (_, item) in self.items() {
            totals.items += 1;
            match item.verdict {
                Verdict::Resolved => totals.resolved += 1,
                Verdict::Waived => totals.waived += 1,
                Verdict::Unresolved => totals.unresolved += 1,
                Verdict::NoTicket => totals.no_ticket += 1,
                Verdict::Missing => totals.missing += 1,
            }
        }
        totals
    }

    /// Whether the gate passes: every item of every report resolved or waived, and, with
    /// `--require-items`, at least one report and no report without items.
    pub fn passed(&self) -> bool {
        let items_present = !self.require_items || !self.reports.is_empty();
        items_present && self.reports.iter().all(|r| r.passed(self.require_items))
    }

    /// The exit code of the contract: 0 passed, 1 not.
    pub fn exit_code(&self) -> u8 {
        if self.passed() {
            exit::OK
        } else {
            exit::UNRESOLVED
        }
    }

    /// Things worth saying that are not failures of an item: reports without items, no
    /// report found at all. One line each, without a trailing newline.
    pub fn warnings(&self) -> Vec<(Option<&Path>, String)> {
        let mut warnings = Vec::new();
        if self.reports.is_empty() {
            let effect = if self.require_items {
                "fails because of --require-items"
            } else {
                "nothing to check"
            };
            warnings.push((
                None,
                format!("no post-mortem report with an action items table was found ({effect})"),
            ));
        }
        for report in self.reports.iter().filter(|r| r.items.is_empty()) {
            let effect = if self.require_items {
                "fails because of --require-items"
            } else {
                "passes; --require-items makes this fail"
            };
            warnings.push((
                Some(report.path.as_path()),
                format!("the action items table has no action items ({effect})"),
            ));
        }
        warnings
    }
}

/// What Jira said about the keys of a check.
#[derive(Debug, Default)]
pub struct Lookup {
    /// Tickets by the key the report links (the ticket's own key differs when it moved).
    pub found: HashMap<String, Found>,
}

/// What a check or the dashboard reads of one ticket: the rest of what Jira sent (labels,
/// planning fields, ids) is dropped as it is indexed, so a check holds ~5 short strings per
/// ticket rather than a whole issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its current key.
    pub key: IssueKey,
    /// Its browse URL (`{url}/browse/{key}`), shared by every check of the ticket.
    pub url: Arc<str>,
    pub summary: String,
    pub status: crate::jira::model::Status,
    /// Dates and assignee, for the dashboard.
    pub tracking: crate::jira::model::Tracking,
}

impl Lookup {
    /// Indexes a `fetch_issues` answer; keys in `missing` are simply absent.
    pub fn from_fetched(fetched: FetchedIssues, browse_url: impl Fn(&IssueKey) -> String) -> Self {
        let mut lookup = Self::default();
        lookup.add_fetched(fetched, browse_url);
        lookup
    }

    /// Adds what Jira answered for more keys (keeping only what a check reads of each).
    pub fn add_fetched(
        &mut self,
        fetched: FetchedIssues,
        browse_url: impl Fn(&IssueKey) -> String,
    ) {
        let lookup = self;
        lookup.found.reserve(fetched.found.len());
        for (asked, issue) in fetched.found {
            let Issue {
                key,
                summary,
                status,
                tracking,
                ..
            } = issue;
            let found = Found {
                url: browse_url(&key).into(),
                key,
                summary,
                status,
                tracking,
            };
            lookup.found.insert(asked.to_string(), found);
        }
    }
}

/// Judges one item against what Jira said (`lookup`), or, offline (`None`), against its own
/// status cell.
pub fn check_item(item: &ActionItem, rules: &StatusRules, lookup: Option<&Lookup>) -> ItemCheck {
    let mut check = ItemCheck {
        row: item.row,
        line: item.line,
        key: item.key.as_deref().map(Box::from),
        moved_from: None,
        url: None,
        summary: item.summary().into(),
        status: None,
        verdict: Verdict::NoTicket,
        ticked: item.checkbox.is_some_and(|checkbox| checkbox.checked),
    };
    let Some(key) = &item.key else {
        return check;
    };
    match lookup {
        None => {
            let status = item.status_text().trim();
            check.verdict = judge_status(rules, status, None);
            check.status = (!status.is_empty()).then(|| status.into());
        }
        Some(lookup) => match lookup.found.get(key) {
            None => check.verdict = Verdict::Missing,
            Some(issue) => {
                let current = issue.key.to_string();
                if &current != key {
                    check.moved_from = Some(key.as_str().into());
                }
                check.url = Some(issue.url.clone());
                check.key = Some(current.into());
                check.status = Some(issue.status.name.as_str().into());
                check.verdict =
                    judge_status(rules, &issue.status.name, Some(issue.status.category));
            }
        },
    }
    check
}

/// Judges every item of every report.
pub fn check_reports(
    reports: &[LoadedReport],
    rules: &StatusRules,
    lookup: Option<&Lookup>,
    require_items: bool,
) -> CheckOutcome {
    CheckOutcome {
        source: if lookup.is_some() {
            Source::Jira
        } else {
            Source::Report
        },
        require_items,
        resolved_names: rules.resolved.clone(),
        reports: reports
            .iter()
            .map(|loaded| ReportCheck {
                path: loaded.report.path().to_path_buf(),
                // Decoded one at a time: only the verdicts are kept.
                items: loaded
                    .report
                    .iter_items()
                    .map(|item| check_item(&item, rules, lookup))
                    .collect(),
            })
            .collect(),
    }
}

/// The key of each report's own ticket (front matter `jira_parent`), when it is a key.
pub fn parent_keys(reports: &[LoadedReport]) -> Vec<IssueKey> {
    reports
        .iter()
        .filter_map(|loaded| IssueKey::parse(loaded.report.front_matter().jira_parent.as_deref()?))
        .collect()
}

/// With `[jira] check_parent = true`: each report's own ticket (its front matter's
/// `jira_parent`) is judged like an item and listed first (row 0, the front matter's line).
pub fn check_parents(
    outcome: &mut CheckOutcome,
    reports: &[LoadedReport],
    rules: &StatusRules,
    lookup: &Lookup,
) {
    for (loaded, report) in reports.iter().zip(outcome.reports.iter_mut()) {
        let Some(key) = loaded.report.front_matter().jira_parent.as_deref() else {
            continue;
        };
        if IssueKey::parse(key).is_none() {
            continue;
        }
        let mut check = ItemCheck {
            row: 0,
            line: 1,
            key: Some(key.into()),
            moved_from: None,
            url: None,
            summary: "the post-mortem's own ticket".into(),
            status: None,
            verdict: Verdict::Missing,
            ticked: false,
        };
        if let Some(issue) = lookup.found.get(key) {
            let current = issue.key.to_string();
            if current != key {
                check.moved_from = Some(key.into());
            }
            check.url = Some(issue.url.clone());
            check.key = Some(current.into());
            check.summary = issue.summary.as_str().into();
            check.status = Some(issue.status.name.as_str().into());
            check.verdict = judge_status(rules, &issue.status.name, Some(issue.status.category));
        }
        report.items.insert(0, check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jira::model::Status;

    fn rules(resolved: &[&str], waived: &[&str]) -> StatusRules {
        StatusRules {
            resolved: resolved.iter().map(|s| (*s).to_owned()).collect(),
            waived: waived.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn item(row: usize, key: Option<&str>, status: &str) -> ActionItem {
        ActionItem::detached(row, &format!("item {row}"), key, status)
    }

    fn issue(key: &str, status: &str, category: StatusCategory) -> Issue {
        Issue {
            id: "1".into(),
            key: IssueKey::parse(key).unwrap(),
            summary: "s".into(),
            labels: Vec::new(),
            status: Status {
                name: status.into(),
                category,
            },
            resolution: None,
            planning: Default::default(),
            tracking: Default::default(),
        }
    }

    #[test]
    fn done_category_resolves_by_default() {
        let r = rules(&[], &[]);
        use StatusCategory::*;
        assert_eq!(judge_status(&r, "Done", Some(Done)), Verdict::Resolved);
        // A custom status name in the done category is resolved: the category decides.
        assert_eq!(judge_status(&r, "Shipped", Some(Done)), Verdict::Resolved);
        assert_eq!(
            judge_status(&r, "Done", Some(Indeterminate)),
            Verdict::Unresolved
        );
        assert_eq!(judge_status(&r, "To Do", Some(New)), Verdict::Unresolved);
        assert_eq!(
            judge_status(&r, "Odd", Some(Undefined)),
            Verdict::Unresolved
        );
    }

    #[test]
    fn listed_resolved_names_replace_the_category_and_ignore_case() {
        let r = rules(&["Done", "Won't Do"], &[]);
        use StatusCategory::*;
        assert_eq!(judge_status(&r, "done", Some(Done)), Verdict::Resolved);
        assert_eq!(judge_status(&r, "WON'T DO", Some(Done)), Verdict::Resolved);
        // In the done category but not listed: not resolved.
        assert_eq!(judge_status(&r, "Closed", Some(Done)), Verdict::Unresolved);
        // Listed, whatever its category.
        assert_eq!(judge_status(&r, " Done ", Some(New)), Verdict::Resolved);
    }

    #[test]
    fn waived_wins_and_is_shown_apart() {
        let r = rules(&["Done", "Won't Do"], &["won't do"]);
        assert_eq!(
            judge_status(&r, "Won't Do", Some(StatusCategory::Done)),
            Verdict::Waived
        );
        let r = rules(&[], &["Won't Do"]);
        assert_eq!(
            judge_status(&r, "Won't Do", Some(StatusCategory::New)),
            Verdict::Waived
        );
        assert!(Verdict::Waived.passes());
    }

    #[test]
    fn offline_without_rules_reads_common_done_names() {
        let r = rules(&[], &[]);
        for name in [
            "Done",
            "closed",
            "RESOLVED",
            "Won't Do",
            "won't fix",
            "Cancelled",
        ] {
            assert_eq!(judge_status(&r, name, None), Verdict::Resolved, "{name}");
        }
        for name in ["", "In Progress", "Done-ish", "To Do", "Blocked"] {
            assert_eq!(judge_status(&r, name, None), Verdict::Unresolved, "{name}");
        }
        // Configured names replace the defaults offline too.
        let r = rules(&["Shipped"], &[]);
        assert_eq!(judge_status(&r, "Done", None), Verdict::Unresolved);
        assert_eq!(judge_status(&r, "shipped", None), Verdict::Resolved);
    }

    #[test]
    fn items_get_each_verdict_live() {
        let r = rules(&[], &["Won't Do"]);
        let fetched = FetchedIssues {
            found: vec![
                (
                    IssueKey::parse("OPS-1").unwrap(),
                    issue("OPS-1", "Done", StatusCategory::Done),
                ),
                (
                    IssueKey::parse("OPS-2").unwrap(),
                    issue("OPS-2", "In Progress", StatusCategory::Indeterminate),
                ),
                (
                    IssueKey::parse("OPS-3").unwrap(),
                    issue("OPS-3", "Won't Do", StatusCategory::Done),
                ),
                // Moved: asked for OLD-7, Jira answered with NEW-9.
                (
                    IssueKey::parse("OLD-7").unwrap(),
                    issue("NEW-9", "Closed", StatusCategory::Done),
                ),
            ],
            missing: vec![IssueKey::parse("OPS-4").unwrap()],
        };
        let lookup = Lookup::from_fetched(fetched, |key| format!("https://j/browse/{key}"));
        let verdict = |it: ActionItem| check_item(&it, &r, Some(&lookup));

        let done = verdict(item(1, Some("OPS-1"), "stale cell"));
        assert_eq!(done.verdict, Verdict::Resolved);
        // The live status wins over what the report says.
        assert_eq!(done.status.as_deref(), Some("Done"));
        assert_eq!(done.url.as_deref(), Some("https://j/browse/OPS-1"));
        assert_eq!(
            verdict(item(2, Some("OPS-2"), "Done")).verdict,
            Verdict::Unresolved
        );
        assert_eq!(verdict(item(3, Some("OPS-3"), "")).verdict, Verdict::Waived);
        let missing = verdict(item(4, Some("OPS-4"), "Done"));
        assert_eq!(missing.verdict, Verdict::Missing);
        assert_eq!(missing.status, None);
        assert_eq!(verdict(item(5, None, "Done")).verdict, Verdict::NoTicket);

        let moved = verdict(item(6, Some("OLD-7"), "To Do"));
        assert_eq!(moved.verdict, Verdict::Resolved);
        assert_eq!(moved.key.as_deref(), Some("NEW-9"));
        assert_eq!(moved.moved_from.as_deref(), Some("OLD-7"));
        assert_eq!(moved.url.as_deref(), Some("https://j/browse/NEW-9"));
    }

    #[test]
    fn offline_items_use_their_own_cells_and_still_need_a_ticket() {
        let r = rules(&[], &[]);
        let done = check_item(&item(1, Some("OPS-1"), " Done "), &r, None);
        assert_eq!(done.verdict, Verdict::Resolved);
        assert_eq!(done.status.as_deref(), Some("Done"));
        assert_eq!(done.url, None);
        let empty = check_item(&item(2, Some("OPS-2"), ""), &r, None);
        assert_eq!((empty.verdict, empty.status), (Verdict::Unresolved, None));
        // A "Done" cell without a ticket is still an item without a ticket.
        let unlinked = check_item(&item(3, None, "Done"), &r, None);
        assert_eq!(unlinked.verdict, Verdict::NoTicket);
    }

    fn outcome(reports: Vec<Vec<Verdict>>, require_items: bool) -> CheckOutcome {
        CheckOutcome {
            source: Source::Jira,
            require_items,
            resolved_names: Vec::new(),
            reports: reports
                .into_iter()
                .enumerate()
                .map(|(n, verdicts)| ReportCheck {
                    path: PathBuf::from(format!("pm{n}.md")),
                    items: verdicts
                        .into_iter()
                        .enumerate()
                        .map(|(row, verdict)| ItemCheck {
                            row: row + 1,
                            line: row + 1,
                            key: None,
                            moved_from: None,
                            url: None,
                            summary: "".into(),
                            status: None,
                            verdict,
                            ticked: false,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn exit_code_is_zero_only_when_every_item_passes() {
        use Verdict::*;
        assert_eq!(outcome(vec![vec![Resolved, Waived]], false).exit_code(), 0);
        for bad in [Unresolved, NoTicket, Missing] {
            let o = outcome(vec![vec![Resolved], vec![Resolved, bad]], false);
            assert_eq!(o.exit_code(), 1, "{bad:?}");
            assert!(o.reports[0].passed(false));
            assert!(!o.reports[1].passed(false));
        }
    }

    #[test]
    fn empty_reports_warn_and_fail_only_with_require_items() {
        use Verdict::*;
        let o = outcome(vec![vec![Resolved], vec![]], false);
        assert!(o.passed());
        assert_eq!(o.warnings().len(), 1);
        assert!(o.warnings()[0].1.contains("passes"));
        let o = outcome(vec![vec![Resolved], vec![]], true);
        assert!(!o.passed());
        assert!(o.warnings()[0].1.contains("--require-items"));
        // No report at all: nothing to check, unless items are required.
        assert!(outcome(vec![], false).passed());
        assert!(!outcome(vec![], true).passed());
    }

    #[test]
    fn totals_count_each_verdict() {
        use Verdict::*;
        let o = outcome(
            vec![
                vec![Resolved, Waived, Unresolved],
                vec![NoTicket, Missing, Resolved],
                vec![],
            ],
            false,
        );
        let t = o.totals();
        assert_eq!((t.reports, t.reports_without_items, t.items), (3, 1, 6));
        assert_eq!(
            (t.resolved, t.waived, t.unresolved, t.no_ticket, t.missing),
            (2, 1, 1, 1, 1)
        );
    }
}
