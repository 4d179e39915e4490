//! Honouring a status a person gave a row before any ticket existed ("Done", "in progress",
//! "Won't do" in their words, or a ticked box): the new ticket is created, then moved there
//! with one transition, and the cell keeps the person's words.
//!
//! A move costs one `GET /issue/{key}/transitions` and one `POST` per such row, nothing for
//! other rows; all moves of a run are in flight together (the client caps requests in flight).
//!
//! "First sync of the row" — the only time pm-sync moves a ticket on a person's word — is the
//! run that creates the ticket. A run that dies between the create and the move (or loses the
//! create's answer) leaves the create's journal entry, which records the words too (see
//! [`crate::sync::journal::PendingCreate::then_move`]); the next run that finds that ticket (linked by the key the
//! first run saved, or adopted by search) moves it if the report still says the same and Jira
//! still shows the ticket in its first (To Do) category. Any later run leaves Jira's status
//! alone: a person who reopens a ticket in Jira is never overruled by an old cell.

use std::collections::{HashMap, HashSet};

use crate::jira::model::{IssueKey, Status, StatusCategory};
use crate::report::model::Edit;
use crate::sync::engine::Engine;
use crate::sync::intent::{self, Intent};
use crate::sync::journal::Journal;
use crate::sync::plan::{ItemAt, Plan, Ticket};
use crate::sync::workspace::LoadedReport;

/// A ticket to move to what its row says.
#[derive(Debug, Clone)]
pub struct Move {
    /// (report index, row).
    pub at: ItemAt,
    pub key: IssueKey,
    pub intent: Intent,
    /// The person's words (`[x]` for a ticked box).
    pub words: String,
}

/// The words to record with the create of `row` of `loaded` (for
/// [`crate::sync::journal::PendingCreate::then_move`]): its status when it means an intent.
pub fn words_to_move(loaded: &LoadedReport, row: usize) -> Option<String> {
    let item = loaded.report.item(row)?;
    intent::of_item(&item).map(|(_, words)| words)
}

/// The move `row` of `loaded` asks for, once its ticket is `key`.
pub fn wanted(loaded: &LoadedReport, at: ItemAt, key: &IssueKey) -> Option<Move> {
    let item = loaded.report.item(at.row)?;
    let (intent, words) = intent::of_item(&item)?;
    Some(Move {
        at,
        key: key.clone(),
        intent,
        words,
    })
}

/// The edits of a row whose lost create was just found (adopted): when the row asks for a move,
/// the move is added to `moves` and the status edit held back (the words stay until then).
pub fn hold_status(
    loaded: &LoadedReport,
    at: ItemAt,
    key: &IssueKey,
    edits: &[Edit],
    moves: &mut Vec<Move>,
) -> Vec<Edit> {
    let mut edits = edits.to_vec();
    if let Some(wanted) = wanted(loaded, at, key) {
        edits.retain(|edit| !matches!(edit, Edit::Status { .. }));
        moves.push(wanted);
    }
    edits
}

/// A dry run's row: a ticket to create that its row's words will move shows the status it is
/// moved to, as the person wrote it.
pub fn preview(
    reports: &[LoadedReport],
    row_plan: &crate::sync::plan::RowPlan,
    held: &HashSet<ItemAt>,
    outcome: &mut crate::sync::outcome::RowOutcome,
) {
    let at = row_plan.at();
    if !matches!(row_plan.ticket, Ticket::Create(_)) || held.contains(&at) {
        return;
    }
    let item = reports[at.report].report.item(at.row);
    if let Some((_, words)) = item.as_ref().and_then(intent::of_item) {
        outcome.status = Some(words.into());
    }
}

/// Moves an earlier run owed: journal entries that recorded a person's status, whose row now
/// links (or adopts) a ticket still in Jira's first category, and whose row still says the
/// same. Their status edits are taken out of `plan`: the move comes first, and the words stay.
pub fn owed_by_journal(
    plan: &mut Plan,
    journals: &[Journal],
    reports: &[LoadedReport],
) -> Vec<Move> {
    let mut owed = Vec::new();
    let mut used: HashSet<ItemAt> = HashSet::new();
    if journals
        .iter()
        .all(|journal| journal.pending().iter().all(|e| e.then_move.is_none()))
    {
        return owed;
    }
    // Rows with a ticket still in the first category, by report and summary (whitespace
    // collapsed), in plan order: looked up per entry, not scanned (entries × rows).
    let mut candidates: HashMap<(usize, String), Vec<usize>> = HashMap::new();
    for (n, row) in plan.rows.iter().enumerate() {
        if let Ticket::Linked(issue) | Ticket::Adopt(issue) = &row.ticket
            && issue.status.category == StatusCategory::New
            && let Some(loaded) = reports.get(row.report())
        {
            candidates
                .entry((row.report(), collapsed(&row.summary_in(&loaded.report))))
                .or_default()
                .push(n);
        }
    }
    for (index, journal) in journals.iter().enumerate() {
        for entry in journal.pending() {
            let Some(recorded) = entry.then_move.as_deref().and_then(intent::of_words) else {
                continue;
            };
            let found = candidates
                .get(&(index, collapsed(&entry.summary)))
                .into_iter()
                .flatten()
                .copied()
                .find(|&n| !used.contains(&plan.rows[n].at()));
            let Some(row) = found.map(|n| &mut plan.rows[n]) else {
                continue;
            };
            let (Ticket::Linked(issue) | Ticket::Adopt(issue)) = &row.ticket else {
                continue;
            };
            let at = ItemAt::new(row.report(), row.row());
            let Some(owed_move) = wanted(&reports[index], at, &issue.key) else {
                continue;
            };
            if owed_move.intent != recorded {
                continue;
            }
            used.insert(at);
            row.edits
                .retain(|edit| !matches!(edit, Edit::Status { .. }));
            owed.push(owed_move);
        }
    }
    owed
}

/// `text` with its whitespace collapsed to single spaces: two summaries are the same item's
/// when these are equal.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Makes every move at once. Returns the status each moved ticket is in now; a row whose move
/// failed (or whose workflow offers no fitting transition) keeps the person's words and gets a
/// warning, and is left out.
async fn make(
    engine: &Engine<'_>,
    moves: Vec<Move>,
    rows: &mut crate::sync::outcome::Rows,
) -> HashMap<ItemAt, Status> {
    let mut tasks = tokio::task::JoinSet::new();
    for planned in moves {
        let client = engine.client.clone();
        tasks.spawn(async move {
            let result = async {
                let offered = client.transitions(&planned.key).await?;
                let Some(chosen) =
                    intent::choose_transition(&offered, planned.intent, &planned.words)
                else {
                    let targets: Vec<String> = offered
                        .iter()
                        .filter_map(|t| t.to.as_ref().map(|to| to.name.clone()))
                        .collect();
                    return Ok(Err(format!(
                        "its workflow offers no transition to a status meaning {:?} (offered: {})",
                        planned.words,
                        if targets.is_empty() {
                            "none".to_owned()
                        } else {
                            targets.join(", ")
                        }
                    )));
                };
                client.transition_issue(&planned.key, &chosen.id).await?;
                let to = chosen.to.as_ref().map(|to| Status {
                    name: to.name.as_str().into(),
                    category: to.category(),
                });
                Ok::<_, crate::jira::JiraError>(Ok(to))
            }
            .await;
            (planned, result)
        });
    }
    let mut moved = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((planned, result)) = joined else {
            continue;
        };
        let why = match result {
            Ok(Ok(to)) => {
                if let Some(row) = rows.get_mut(&planned.at) {
                    row.updated.push("status");
                }
                if let Some(to) = to {
                    moved.insert(planned.at, to);
                }
                continue;
            }
            Ok(Err(why)) => why,
            Err(error) => error.to_string(),
        };
        if let Some(row) = rows.get_mut(&planned.at) {
            let warning = format!(
                "could not move {} to {:?}: {why}; the row keeps {:?}",
                planned.key, planned.words, planned.words
            );
            row.add_warning(warning);
        }
    }
    moved
}

/// After the creates: moves every created ticket whose row asks for it, and `more` (found lost
/// creates, moves an earlier run owed). Returns the moved tickets that were not among
/// `created` (their status is written into the reports besides the created ones'), and the
/// rows that keep the person's words because their move failed.
pub async fn after_creates(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
    created: &crate::sync::created::CreatedKeys,
    more: Vec<Move>,
    rows: &mut crate::sync::outcome::Rows,
) -> (Vec<(ItemAt, IssueKey)>, HashSet<ItemAt>) {
    let mut moves: Vec<Move> = created
        .iter()
        .filter_map(|(at, key)| wanted(&reports[at.report], at, &key))
        .collect();
    moves.extend(more);
    if moves.is_empty() {
        return (Vec::new(), HashSet::new());
    }
    let moved = make(engine, moves.clone(), rows).await;
    let keep_words: HashSet<ItemAt> = moves
        .iter()
        .filter(|m| !moved.contains_key(&m.at))
        .map(|m| m.at)
        .collect();
    // Looked up, not scanned (moves × creates), and the created list is not copied.
    let created_at: HashSet<ItemAt> = created.rows().collect();
    let moved_only = moves
        .iter()
        .filter(|m| !created_at.contains(&m.at))
        .map(|m| (m.at, m.key.clone()))
        .collect();
    (moved_only, keep_words)
}
