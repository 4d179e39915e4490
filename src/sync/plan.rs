//! The pure half of sync: from what the reports say and what Jira says, decide what to do.
//! No I/O here, so every decision is unit-tested without HTTP.

use std::collections::{HashMap, HashSet};

use crate::jira::model::{Issue, IssueKey, NewIssue};
use crate::report::labels::IncidentLabels;
use crate::report::model::{ActionItem, Edit};

/// One report as the planner sees it.
#[derive(Debug)]
pub struct ReportInput<'a> {
    /// Index of the report in the run, echoed in the plan.
    pub report: usize,
    /// A title for descriptions (front matter `title`, else the file name).
    pub title: &'a str,
    pub items: &'a [ActionItem],
    pub labels: &'a IncidentLabels,
    /// Rows whose key is written as pm-sync writes it (a link to `/browse/KEY`). Only their
    /// tickets get the item text as summary: a key typed by hand links an existing ticket
    /// without renaming it.
    pub managed_rows: HashSet<usize>,
}

/// What Jira said, read in batches before planning.
#[derive(Debug, Default)]
pub struct TrackerState {
    /// Linked keys as written in reports → the issue they resolve to (`None`: Jira does not
    /// know the key).
    pub linked: HashMap<String, Option<Issue>>,
    /// Incident date label → every issue in the project carrying it (adoption candidates).
    pub by_label: HashMap<String, Vec<Issue>>,
}

/// Project-wide facts the planner needs.
pub struct PlanContext<'a> {
    pub project: &'a str,
    pub issue_type: &'a str,
    /// `{url}/browse/{KEY}` for a key.
    pub browse_url: Box<dyn Fn(&IssueKey) -> String + 'a>,
}

/// The ticket a row ends up with, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ticket {
    /// The row already links this issue (hand-typed or from an earlier run).
    Linked(Issue),
    /// An existing issue with the same summary and the incident label; the row will link it.
    Adopt(Issue),
    /// Nothing exists yet: create this.
    Create(NewIssue),
    /// The row links a key Jira does not know (deleted, or not visible). Never re-filed.
    Missing(String),
}

/// Changes to an existing issue: only ever additions of labels and a new summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueUpdate {
    pub key: IssueKey,
    /// New summary, when the item text changed.
    pub summary: Option<String>,
    /// Labels to add; labels already on the issue are never removed.
    pub add_labels: Vec<String>,
}

/// What to do for one action item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPlan {
    pub report: usize,
    pub row: usize,
    pub line: usize,
    pub summary: String,
    pub ticket: Ticket,
    /// An edit to the Jira issue, when it lacks a label or its summary is stale.
    pub update: Option<IssueUpdate>,
    /// Report edits known now (link and status for existing issues). A created issue's edits
    /// come after its create succeeds.
    pub edits: Vec<Edit>,
}

/// The whole run's plan, rows in report order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    pub rows: Vec<RowPlan>,
}

impl Plan {
    /// Rows that need a new issue.
    pub fn creates(&self) -> impl Iterator<Item = (&RowPlan, &NewIssue)> {
        self.rows.iter().filter_map(|row| match &row.ticket {
            Ticket::Create(new) => Some((row, new)),
            _ => None,
        })
    }

    /// Issues that need an edit in Jira.
    pub fn updates(&self) -> impl Iterator<Item = &IssueUpdate> {
        self.rows.iter().filter_map(|row| row.update.as_ref())
    }

    /// Whether applying the plan would change anything in Jira.
    pub fn changes_jira(&self) -> bool {
        self.creates().next().is_some() || self.updates().next().is_some()
    }
}

/// Decides, for every item of every report, which ticket it gets and what to change.
///
/// Adoption: an unlinked item takes an issue carrying its date label whose summary equals the
/// item's summary and that no other row links or adopts. Two items with the same text take two
/// distinct issues (or create the missing ones), never one.
pub fn plan(reports: &[ReportInput<'_>], state: &TrackerState, context: &PlanContext<'_>) -> Plan {
    // Issues already linked by some row, as read at the start or written during this run
    // (created or adopted): never adopted a second time.
    let linked_now: HashSet<&str> = reports
        .iter()
        .flat_map(|input| input.items)
        .filter_map(|item| item.key.as_deref())
        .collect();
    let mut taken: HashSet<String> = state
        .by_label
        .values()
        .flatten()
        .filter(|issue| linked_now.contains(issue.key.as_str()))
        .chain(state.linked.values().flatten())
        .map(|issue| issue.id.clone())
        .collect();
    let mut rows = Vec::new();
    for input in reports {
        for item in input.items {
            let ticket = choose_ticket(input, item, state, context, &mut taken);
            let update = match &ticket {
                Ticket::Linked(issue) => issue_update(
                    issue,
                    item,
                    input.labels,
                    input.managed_rows.contains(&item.row),
                ),
                Ticket::Adopt(issue) => issue_update(issue, item, input.labels, false),
                Ticket::Create(_) | Ticket::Missing(_) => None,
            };
            let edits = match &ticket {
                Ticket::Linked(issue) | Ticket::Adopt(issue) => {
                    row_edits(item.row, &issue.key, &issue.status.name, context)
                }
                Ticket::Create(_) | Ticket::Missing(_) => Vec::new(),
            };
            rows.push(RowPlan {
                report: input.report,
                row: item.row,
                line: item.line,
                summary: item.summary.clone(),
                ticket,
                update,
                edits,
            });
        }
    }
    Plan { rows }
}

/// The link and status edits that make a row show `key` and `status`. Splicing identical text
/// leaves the file byte-identical, so these are safe to apply on every run.
pub fn row_edits(row: usize, key: &IssueKey, status: &str, context: &PlanContext<'_>) -> Vec<Edit> {
    vec![
        Edit::Link {
            row,
            key: key.to_string(),
            url: (context.browse_url)(key),
        },
        Edit::Status {
            row,
            status: status.to_owned(),
        },
    ]
}

fn choose_ticket(
    input: &ReportInput<'_>,
    item: &ActionItem,
    state: &TrackerState,
    context: &PlanContext<'_>,
    taken: &mut HashSet<String>,
) -> Ticket {
    if let Some(key) = &item.key {
        return match state.linked.get(key) {
            Some(Some(issue)) => Ticket::Linked(issue.clone()),
            _ => Ticket::Missing(key.clone()),
        };
    }
    let wanted = comparable(&item.summary);
    let matching = state
        .by_label
        .get(&input.labels.date_label())
        .into_iter()
        .flatten()
        .filter(|issue| !taken.contains(&issue.id) && comparable(&issue.summary) == wanted)
        .min_by_key(|issue| key_order(&issue.key));
    if let Some(issue) = matching {
        taken.insert(issue.id.clone());
        return Ticket::Adopt(issue.clone());
    }
    Ticket::Create(NewIssue {
        project: context.project.to_owned(),
        issue_type: context.issue_type.to_owned(),
        summary: item.summary.clone(),
        description: Some(format!(
            "Action item from the post-mortem \"{}\" (row {}).\nCreated by pm-sync.",
            input.title, item.row
        )),
        labels: input.labels.labels().to_vec(),
    })
}

/// Labels the issue lacks, and the item's summary when the issue's differs. `allow_summary`
/// is false for adopted issues, which match by summary already, and for keys typed by hand.
fn issue_update(
    issue: &Issue,
    item: &ActionItem,
    labels: &IncidentLabels,
    allow_summary: bool,
) -> Option<IssueUpdate> {
    let add_labels: Vec<String> = labels
        .labels()
        .iter()
        .filter(|label| !issue.labels.contains(label))
        .cloned()
        .collect();
    // A row holding only a key (hand-typed) has no text to impose on the ticket.
    let summary = (allow_summary
        && !item.summary.is_empty()
        && comparable(&issue.summary) != comparable(&item.summary))
    .then(|| item.summary.clone());
    (summary.is_some() || !add_labels.is_empty()).then(|| IssueUpdate {
        key: issue.key.clone(),
        summary,
        add_labels,
    })
}

/// Summaries compare with whitespace collapsed: Jira trims them, people re-wrap table cells.
fn comparable(summary: &str) -> String {
    summary.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Orders `OPS-9` before `OPS-10`.
fn key_order(key: &IssueKey) -> (String, u64) {
    let number = key
        .as_str()
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(u64::MAX);
    (key.project().to_owned(), number)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::jira::model::{Status, StatusCategory};
    use crate::report::model::Cell;

    fn labels() -> IncidentLabels {
        IncidentLabels {
            severity: "sev1".into(),
            date: NaiveDate::from_ymd_opt(2020, 4, 14).unwrap(),
        }
    }

    fn item(row: usize, summary: &str, key: Option<&str>) -> ActionItem {
        let cell = |text: &str| Cell {
            span: 0..0,
            text: text.to_owned(),
        };
        ActionItem {
            row,
            line: 10 + row,
            item: cell(summary),
            status: cell(""),
            ticket: None,
            key: key.map(str::to_owned),
            summary: summary.to_owned(),
            extra: Vec::new(),
        }
    }

    fn issue(id: &str, key: &str, summary: &str, labels: &[&str]) -> Issue {
        Issue {
            id: id.into(),
            key: IssueKey::parse(key).unwrap(),
            summary: summary.into(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            status: Status {
                name: "To Do".into(),
                category: StatusCategory::New,
            },
            resolution: None,
            tracking: Default::default(),
        }
    }

    fn run(items: &[ActionItem], state: &TrackerState) -> Plan {
        let labels = labels();
        let input = ReportInput {
            report: 0,
            title: "PM",
            items,
            labels: &labels,
            managed_rows: items
                .iter()
                .map(|i| i.row)
                .filter(|row| *row != 99)
                .collect(),
        };
        let context = PlanContext {
            project: "OPS",
            issue_type: "Task",
            browse_url: Box::new(|key| format!("https://jira.test/browse/{key}")),
        };
        plan(&[input], state, &context)
    }

    #[test]
    fn new_items_are_created_with_both_labels() {
        let plan = run(&[item(1, "Add alert", None)], &TrackerState::default());
        let (_, new) = plan.creates().next().expect("a create");
        assert_eq!(new.labels, ["sev1_20200414", "sev1"]);
        assert_eq!(new.summary, "Add alert");
        assert!(plan.rows[0].edits.is_empty());
    }

    #[test]
    fn an_existing_ticket_with_the_same_summary_is_adopted_not_duplicated() {
        let mut state = TrackerState::default();
        state.by_label.insert(
            "sev1_20200414".into(),
            vec![issue("1", "OPS-4", "Add  alert", &["sev1_20200414"])],
        );
        let plan = run(&[item(1, "Add alert", None)], &state);
        assert!(matches!(&plan.rows[0].ticket, Ticket::Adopt(i) if i.key.as_str() == "OPS-4"));
        assert_eq!(plan.creates().count(), 0);
        // The adopted ticket lacks `sev1`: it is added, the other label kept.
        let update = plan.rows[0].update.as_ref().unwrap();
        assert_eq!(update.add_labels, ["sev1"]);
        assert_eq!(update.summary, None);
    }

    #[test]
    fn two_items_with_the_same_text_get_two_tickets() {
        let mut state = TrackerState::default();
        state.by_label.insert(
            "sev1_20200414".into(),
            vec![issue("1", "OPS-4", "Same", &["sev1_20200414", "sev1"])],
        );
        let plan = run(&[item(1, "Same", None), item(2, "Same", None)], &state);
        assert!(matches!(plan.rows[0].ticket, Ticket::Adopt(_)));
        assert!(matches!(plan.rows[1].ticket, Ticket::Create(_)));
    }

    #[test]
    fn a_ticket_linked_by_another_row_is_not_adopted_again() {
        let mut state = TrackerState::default();
        let linked = issue("1", "OPS-4", "Same", &["sev1_20200414", "sev1"]);
        state.linked.insert("OPS-4".into(), Some(linked.clone()));
        state.by_label.insert("sev1_20200414".into(), vec![linked]);
        let plan = run(
            &[item(1, "Same", Some("OPS-4")), item(2, "Same", None)],
            &state,
        );
        assert!(matches!(plan.rows[0].ticket, Ticket::Linked(_)));
        assert!(matches!(plan.rows[1].ticket, Ticket::Create(_)));
    }

    #[test]
    fn a_linked_ticket_gets_the_new_summary_and_missing_labels() {
        let mut state = TrackerState::default();
        state.linked.insert(
            "OPS-4".into(),
            Some(issue("1", "OPS-4", "Old text", &["team-x"])),
        );
        let plan = run(&[item(1, "New text", Some("OPS-4"))], &state);
        let update = plan.rows[0].update.as_ref().unwrap();
        assert_eq!(update.summary.as_deref(), Some("New text"));
        assert_eq!(update.add_labels, ["sev1_20200414", "sev1"]);
        assert!(plan.changes_jira());
    }

    #[test]
    fn an_up_to_date_ticket_needs_no_request() {
        let mut state = TrackerState::default();
        state.linked.insert(
            "OPS-4".into(),
            Some(issue(
                "1",
                "OPS-4",
                "Text",
                &["sev1", "sev1_20200414", "other"],
            )),
        );
        let plan = run(&[item(1, "Text", Some("OPS-4"))], &state);
        assert!(!plan.changes_jira());
        assert_eq!(plan.rows[0].edits.len(), 2);
    }

    #[test]
    fn an_unknown_key_is_missing_and_never_refiled() {
        let mut state = TrackerState::default();
        state.linked.insert("OPS-9".into(), None);
        state.by_label.insert(
            "sev1_20200414".into(),
            vec![issue("1", "OPS-4", "Text", &["sev1_20200414"])],
        );
        let plan = run(&[item(1, "Text", Some("OPS-9"))], &state);
        assert_eq!(plan.rows[0].ticket, Ticket::Missing("OPS-9".into()));
        assert!(!plan.changes_jira());
    }

    #[test]
    fn a_key_typed_by_hand_links_its_ticket_without_renaming_it() {
        let mut state = TrackerState::default();
        state.linked.insert(
            "OPS-4".into(),
            Some(issue(
                "1",
                "OPS-4",
                "Jira's title",
                &["sev1", "sev1_20200414"],
            )),
        );
        // Row 99 is not in `managed_rows`: its key is bare, as a person typed it.
        let plan = run(&[item(99, "Report text", Some("OPS-4"))], &state);
        assert_eq!(plan.rows[0].update, None);
    }

    #[test]
    fn a_ticket_adopted_earlier_in_the_run_is_not_adopted_again() {
        let mut state = TrackerState::default();
        state.by_label.insert(
            "sev1_20200414".into(),
            vec![issue("1", "OPS-4", "Same", &["sev1_20200414", "sev1"])],
        );
        // Row 1 adopted OPS-4 and its key is in the report now; row 2 has the same text.
        let plan = run(
            &[item(1, "Same", Some("OPS-4")), item(2, "Same", None)],
            &state,
        );
        assert!(matches!(plan.rows[1].ticket, Ticket::Create(_)));
    }

    #[test]
    fn a_hand_typed_key_alone_does_not_blank_the_summary() {
        let mut state = TrackerState::default();
        state.linked.insert(
            "OPS-4".into(),
            Some(issue(
                "1",
                "OPS-4",
                "Real summary",
                &["sev1", "sev1_20200414"],
            )),
        );
        let plan = run(&[item(1, "", Some("OPS-4"))], &state);
        assert_eq!(plan.rows[0].update, None);
    }
}
