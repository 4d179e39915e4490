//! The effectful half of sync and refresh: batched reads, edits, creates in journaled batches,
//! write-back after every batch, saves. The sync run's phases are in `sync::run`; these are
//! the steps they and refresh share.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::error::Error;
use crate::jira::JiraError;
use crate::jira::model::{
    CreateOutcome, Deployment, Issue, IssueKey, IssueType, NewIssue, StatusCategory,
};
use crate::report::model::{Edit, KnownStatuses};
use crate::sync::journal::{Journal, PendingCreate};
use crate::sync::outcome::{
    Diff, ReportOutcome, RowAction, RowOutcome, RunOutcome, ThinText, row_number,
};
use crate::sync::plan::{
    self, ItemAt, NewTicket, Plan, PlanContext, ReportInput, Ticket, TrackerState,
};
use crate::sync::workspace::LoadedReport;

pub use crate::sync::engine::{Engine, ReconcileTiming};

/// Row results being collected, by (report index, row).
pub(super) use crate::sync::outcome::Rows;

/// Notes that Jira knows `status`: whether it means done, and its lozenge colour.
pub(super) fn learn_status(known: &mut KnownStatuses, status: &crate::jira::model::Status) {
    known.insert(&status.name, status.category == StatusCategory::Done);
    known.set_colour(&status.name, lozenge_colour(status.category));
}

/// The colour Jira shows a status category in, as a Confluence lozenge colour.
fn lozenge_colour(category: StatusCategory) -> &'static str {
    match category {
        StatusCategory::Done => "Green",
        StatusCategory::Indeterminate => "Blue",
        _ => "Grey",
    }
}

/// Tells every report which status names Jira knows, so that a status a person wrote (a note, a
/// link, `N/A`) is never taken for one pm-sync may overwrite. The statuses of the tickets just
/// read usually explain every status text in the reports; the site's list is read (one request)
/// only when some text is not one of them.
pub(super) async fn learn_statuses(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    state: &TrackerState,
) -> Result<(), Error> {
    let mut known = KnownStatuses::default();
    let issues = state.linked.issues().map(|issue| &**issue);
    for issue in issues.chain(state.by_label.values().flatten().map(|issue| &**issue)) {
        learn_status(&mut known, &issue.status);
    }
    let unexplained = reports
        .iter()
        .flat_map(|loaded| loaded.report.iter_items())
        .any(|item| !item.status_text().is_empty() && !known.knows(item.status_text()));
    if unexplained {
        for status in engine.client.statuses().await? {
            learn_status(&mut known, &status);
        }
    }
    for loaded in reports.iter_mut() {
        loaded.report.set_known_statuses(known.clone());
    }
    Ok(())
}

/// Reads every linked key of every report in batches.
pub(super) async fn read_linked(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
) -> Result<TrackerState, Error> {
    let keys = crate::sync::workspace::linked_keys(reports);
    let mut state = TrackerState::default();
    if keys.is_empty() {
        return Ok(state);
    }
    // Shown only on a terminal (the bar is hidden otherwise) and only for big reads.
    if keys.len() > crate::jira::BULK_FETCH_LIMIT {
        engine.progress.set_length(keys.len() as u64);
        engine.progress.set_message("reading tickets");
        engine
            .progress
            .enable_steady_tick(Duration::from_millis(120));
    }
    let fetched = engine.client.fetch_issues_undated(&keys).await;
    engine.progress.disable_steady_tick();
    engine.progress.set_position(keys.len() as u64);
    let mut fetched = fetched?;
    // The keys asked and each answer let go as the set of them is made.
    drop(keys);
    state
        .linked
        .reserve(fetched.found_count() + fetched.missing.len());
    for key in std::mem::take(&mut fetched.missing) {
        state.linked.insert(key.as_str(), None);
    }
    for found in fetched.into_found() {
        match found.into_parts() {
            (None, issue) => state.linked.insert_issue(issue),
            (Some(asked), issue) => state.linked.insert(asked.as_str(), Some(issue)),
        }
    }
    Ok(state)
}

/// Date labels of reports that have items without a ticket: only those need a search.
pub(super) fn labels_of_unlinked(reports: &[LoadedReport]) -> Vec<String> {
    let mut labels: Vec<String> = reports
        .iter()
        .filter(|loaded| loaded.report.iter_items().any(|item| item.key.is_none()))
        .map(date_label)
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

pub(super) fn date_label(loaded: &LoadedReport) -> String {
    loaded
        .labels
        .as_ref()
        .map(|labels| labels.date_label())
        .unwrap_or_default()
}

pub(super) fn plan_context<'a>(engine: &'a Engine<'a>) -> PlanContext<'a> {
    PlanContext {
        project: &engine.jira.project,
        issue_type: &engine.jira.issue_type,
        browse_url: Box::new(|key| engine.browse_url(key)),
    }
}

pub(super) fn make_plan(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
    state: &TrackerState,
) -> Plan {
    // Items are decoded one at a time as the planner reads them: the plan carries what the
    // rest of the run needs of each item (a report keeps its items as compact records).
    let inputs: Vec<ReportInput<'_>> = reports
        .iter()
        .enumerate()
        .filter_map(|(index, loaded)| {
            Some(ReportInput {
                report: index,
                items: plan::Items::Report(&loaded.report),
                labels: loaded.labels.as_ref()?,
                managed_rows: managed_rows(loaded),
                mark: crate::sync::marks::mark_label(&crate::sync::marks::report_id(
                    loaded.report.path(),
                )),
                known: loaded.report.known_statuses(),
                rows_stay: loaded.rows_stay(),
            })
        })
        .collect();
    plan::plan(&inputs, state, &plan_context(engine))
}

/// Rows whose key is written as pm-sync writes it (a link to `…/browse/KEY` where pm-sync puts
/// keys), not typed by hand or written elsewhere by a person.
pub(super) fn managed_rows(loaded: &LoadedReport) -> plan::RowSet {
    loaded
        .report
        .iter_items()
        .filter(|item| item.key_managed)
        .map(|item| item.row)
        .collect()
}

/// The rows of `plan` that create a ticket, to look up (a scan of the plan per row was rows²).
pub(super) fn creates_at(plan: &Plan) -> HashSet<ItemAt> {
    plan.creates().map(|(row, _)| row.at()).collect()
}

/// Create rows that match a journal entry younger than the lag window: their issue may exist
/// already. Entries that match no such row (key written, window passed) go to `settle_later`.
pub(super) fn held_by_journal(
    plan: &Plan,
    reports: &[LoadedReport],
    journals: &mut [Journal],
    lag_window: Duration,
    dry_run: bool,
    settle_later: &mut Vec<(usize, String, String)>,
) -> HashSet<ItemAt> {
    let now = Utc::now();
    let mut held = HashSet::new();
    for (index, journal) in journals.iter_mut().enumerate() {
        let entries = journal.pending();
        if entries.is_empty() {
            continue;
        }
        // Each young entry takes the first create row left with its summary, in plan order:
        // the entries by summary, in journal order, looked up from each create row in turn
        // (a lookup per row, not entries × rows after a big run's crash; no copy of every
        // row's summary). The parent's entry is settled by the parent step alone.
        let mut young: HashMap<&str, std::collections::VecDeque<usize>> = HashMap::new();
        for (n, entry) in entries.iter().enumerate() {
            if !entry.parent && (now - entry.sent_at).to_std().unwrap_or_default() < lag_window {
                young.entry(&*entry.summary).or_default().push_back(n);
            }
        }
        let mut matched = vec![false; entries.len()];
        if let Some(loaded) = reports.get(index).filter(|_| !young.is_empty()) {
            for (row, _) in plan.creates().filter(|(row, _)| row.report() == index) {
                let summary = row.summary_in(&loaded.report);
                if let Some(n) = young
                    .get_mut(&*summary)
                    .and_then(std::collections::VecDeque::pop_front)
                {
                    matched[n] = true;
                    held.insert(row.at());
                }
            }
        }
        if dry_run {
            continue;
        }
        settle_later.extend(
            entries
                .iter()
                .zip(&matched)
                .filter(|(entry, matched)| !entry.parent && !**matched)
                .map(|(e, _)| (index, e.date_label.to_string(), e.summary.to_string())),
        );
    }
    held
}

/// Searches again, pausing between searches, until every row in `waiting` is adopted or the
/// wait is over (on Data Center, whose search is consistent, after one look). Returns the last
/// plan.
pub(super) async fn wait_for_search(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
    state: &mut TrackerState,
    waiting: &HashSet<ItemAt>,
    fresh: bool,
) -> Result<Plan, Error> {
    let labels: Vec<String> = {
        let mut labels: Vec<String> = waiting
            .iter()
            .map(|at| date_label(&reports[at.report]))
            .collect();
        labels.sort();
        labels.dedup();
        labels
    };
    // Data Center search is consistent: one search says all there is to say.
    let wait = if search_is_consistent(engine).await? {
        Duration::ZERO
    } else {
        engine.timing.wait
    };
    let deadline = Instant::now() + wait;
    // `fresh`: the state's search results are current, so look at them before searching again.
    let mut current = fresh;
    loop {
        if current {
            let plan = make_plan(engine, reports, state);
            let creates = creates_at(&plan);
            let still_waiting = waiting.iter().any(|at| creates.contains(at));
            let now = Instant::now();
            if !still_waiting || now >= deadline {
                return Ok(plan);
            }
            tokio::time::sleep(engine.timing.poll.min(deadline - now)).await;
        }
        for label in &labels {
            let found = engine
                .client
                .search_by_label(&engine.jira.project, label, &[])
                .await?;
            state.add_found(label.clone(), found);
        }
        current = true;
    }
}

/// Whether search shows an issue as soon as it is created: true on Data Center, false on
/// Cloud, whose search is eventually consistent.
pub(super) async fn search_is_consistent(engine: &Engine<'_>) -> Result<bool, Error> {
    Ok(engine.client.deployment().await? == Deployment::Datacenter)
}

/// Validates project and issue type before the first create, with a message a user can act on;
/// returns the issue type (its id addresses the create screen) and all of the project's.
pub(super) async fn check_project(
    engine: &Engine<'_>,
) -> Result<(IssueType, Vec<IssueType>), Error> {
    let project = match engine.client.project(&engine.jira.project).await {
        Ok(project) => project,
        // A wrong key is the config's fault, not Jira's: exit 2, nothing created or written.
        Err(JiraError::NotFound { .. }) => {
            return Err(Error::config(
                format!(
                    "Jira project {} does not exist, or this user cannot see it",
                    engine.jira.project
                ),
                "set [jira] project (or JIRA_PROJECT) to the key shown in Jira, and check the                  user has the Browse projects permission",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    let wanted = &engine.jira.issue_type;
    if let Some(found) = project.issue_type(wanted) {
        return Ok((found.clone(), project.issue_types.clone()));
    }
    let known: Vec<&str> = project
        .issue_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    Err(Error::config(
        format!(
            "issue type {wanted:?} does not exist in Jira project {}",
            engine.jira.project
        ),
        format!("set [jira] issue_type to one of: {}", known.join(", ")),
    ))
}

/// The outcome of every planned row before anything is sent.
pub(super) fn initial_rows(reports: &[LoadedReport], plan: &Plan) -> Rows {
    let mut rows = Rows::sized_for(plan.rows.iter().map(plan::RowPlan::at));
    for row in &plan.rows {
        rows.insert(row.at(), initial_row(reports, row));
    }
    rows
}

/// The outcome of one planned row before anything is sent.
fn initial_row(reports: &[LoadedReport], row: &plan::RowPlan) -> RowOutcome {
    // A linked row whose report shows its key as Jira has it shows it from there when
    // printed (the key stays: a run only writes keys Jira gave), not from a copy per row.
    let stays = reports
        .get(row.report())
        .is_some_and(LoadedReport::rows_stay);
    // The row's item read once: its line, and the key it shows.
    let item = reports
        .get(row.report())
        .and_then(|loaded| loaded.report.item(row.row()));
    let line = item.as_ref().map_or(0, |item| item.line);
    let key_in_report = |key: &str| {
        stays
            && item
                .as_ref()
                .is_some_and(|item| item.key.as_deref() == Some(key))
    };
    let (action, issue, error) = match &row.ticket {
        Ticket::Linked(issue) => (RowAction::Linked, Some(issue), None),
        Ticket::Adopt(issue) => (RowAction::Adopted, Some(issue), None),
        Ticket::Create(_) => (RowAction::Created, None, None),
        Ticket::Missing(_) => (RowAction::Missing, None, Some(missing_message())),
    };
    let (key, key_in_report) = match &row.ticket {
        Ticket::Missing(key) => (Some(key.clone()), false),
        Ticket::Linked(issue) if key_in_report(issue.key.as_str()) => (None, true),
        _ => (issue.map(|i| ThinText::from(i.key.as_str())), false),
    };
    let mut outcome = RowOutcome::new(row_number(row.row()), row_number(line), action);
    // Every planned row is an item of its report: its summary is read from there when
    // shown, not held by each row until then.
    if let plan::Summary::Text(text) = &row.summary
        && !stays
    {
        outcome.set_summary((**text).into());
    }
    outcome.shows_url = issue.is_some();
    outcome.set_key(key);
    outcome.key_in_report = key_in_report;
    outcome.status = issue.map(|i| i.status.name.clone());
    if let Some(update) = &row.update {
        if !update.add_labels.is_empty() {
            outcome.updated.push("labels");
        }
        if update.summary.is_some() {
            outcome.updated.push("summary");
        }
    }
    outcome.set_error(error);
    outcome
}

/// A dry run's end: each planned row's outcome and preview edits, made a row at a time as
/// the plan is let go, then `note` (the warnings and field updates found while preparing)
/// and the diffs.
pub(super) fn finish_dry_run(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    plan: &mut Plan,
    held: &HashSet<ItemAt>,
    note: impl FnOnce(&mut Rows),
) -> RunOutcome {
    // Keys to come are shown as `OPS-?1`, `OPS-?2`, ...: not a key (no digits right after the
    // dash), so nobody mistakes one for a ticket. The report engine only writes real keys, so
    // the diff is made with stand-in keys that are swapped for the placeholders as it is
    // written.
    let mut stand_ins = crate::sync::preview::StandIns::default();
    // Each row's edits planned as it comes, never parsed again (one preview per report, not
    // one rewrite per row: that was quadratic in rows). A row whose edits cannot be planned
    // (a bug of ours: they are of rows just parsed) is left out of the preview; the others
    // still show. Held rows are marked afterwards. The plan ends here: its rows are let go
    // once planned, each row's outcome made as it goes (the plan's rows and every outcome
    // were held at once: ~80 bytes a row).
    //
    // A preview keeps the edits that change bytes (a few bytes a row), not the new text: the
    // diff plans them again as it is written. Rows are planned in order, and every
    // `WRITE_EVERY` rows the splices planned before the next row are let go.
    const WRITE_EVERY: usize = 2048;
    let mut plans: Vec<(crate::report::EditPlan, usize)> = reports
        .iter()
        .map(|_| (crate::report::EditPlan::preview(), 0))
        .collect();
    let mut rows_in_order = std::mem::take(&mut plan.rows);
    if !rows_in_order.is_sorted_by_key(|row| (row.report(), row.row())) {
        rows_in_order.sort_by_key(|row| (row.report(), row.row()));
    }
    let mut rows = Rows::new();
    for mut row_plan in crate::freeing::take_freeing(rows_in_order) {
        let at = row_plan.at();
        let mut outcome = initial_row(reports, &row_plan);
        crate::sync::moves::preview(reports, &row_plan, held, &mut outcome);
        rows.insert(at, outcome);
        let (Some(loaded), Some((edit_plan, planned))) =
            (reports.get_mut(at.report), plans.get_mut(at.report))
        else {
            continue;
        };
        *planned += 1;
        if *planned % WRITE_EVERY == 0 {
            loaded.write_preview_before(edit_plan, row_plan.row());
        }
        let mut edits = row_plan.edits.take();
        if let Ticket::Create(new) = &row_plan.ticket
            && !held.contains(&at)
            && let Some(stand_in) = stand_ins.next(&new.project)
        {
            edits.push(Edit::Link {
                row: row_plan.row(),
                key: stand_in.to_string(),
                url: engine.browse_url(&stand_in),
            });
            // The real run also writes the new ticket's status, which Jira names only once
            // the ticket exists: the diff shows where it goes.
            edits.push(Edit::Status {
                row: row_plan.row(),
                status: crate::sync::preview::STAND_IN_STATUS.to_owned(),
            });
        }
        if edits.is_empty() {
            continue;
        }
        match loaded.plan_edits(edit_plan, &edits) {
            Ok(changed) => {
                if let Some(outcome) = rows.get_mut(&at).filter(|_| changed) {
                    outcome.report_changed = true;
                }
            }
            // Said, not hidden: the preview lacks this row's change.
            Err(error) => tracing::warn!("the preview leaves out row {}: {error}", at.row),
        }
    }
    // Each report's bytes as the run would write them, for the diff alone: not parsed again.
    let previews: Vec<Option<crate::report::Change>> = reports
        .iter()
        .zip(plans)
        .map(|(loaded, (edit_plan, _))| loaded.preview_plan(edit_plan))
        .collect();
    note(&mut rows);
    for at in held {
        if let Some(row) = rows.get_mut(at) {
            row.action = RowAction::Pending;
            row.set_error(Some(pending_message()));
        }
    }
    let mut outcome = collect(engine, "sync", true, reports, rows);
    let stand_ins = std::sync::Arc::new(stand_ins);
    for (report, preview) in outcome.reports.iter_mut().zip(previews) {
        if let Some(diff) = report.diff.as_mut() {
            if preview.is_some() {
                *diff = Diff::new(preview);
            }
            diff.swap_stand_ins(stand_ins.clone());
        }
    }
    outcome
}

/// Sends the planned edits (labels, summaries) concurrently; the client caps requests in flight.
pub(super) async fn apply_updates(engine: &Engine<'_>, plan: &Plan, rows: &mut Rows) {
    let mut tasks = tokio::task::JoinSet::new();
    let mut task_rows = HashMap::new();
    for row in &plan.rows {
        let Some(update) = row.update.clone() else {
            continue;
        };
        let client = engine.client.clone();
        let key = update.key.clone();
        let handle = tasks.spawn(async move {
            client
                .edit_issue(&update.key, update.summary.as_deref(), &update.add_labels)
                .await
        });
        task_rows.insert(handle.id(), (row.at(), key));
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, failure) = match joined {
            Ok((_, Ok(()))) => continue,
            Ok((id, Err(error))) => (id, error.to_string()),
            Err(join_error) => (
                join_error.id(),
                format!("the request task failed: {join_error}"),
            ),
        };
        if let Some((key, row)) = task_rows
            .get(&id)
            .and_then(|(at, key)| Some((key.as_str(), rows.get_mut(at)?)))
        {
            let message = format!("updating {key}: {failure}");
            row.updated.clear();
            // Items land in other teams' projects, whose tickets pm-sync may not edit: the
            // link and the status still hold, so that is a warning, not a failed row.
            if foreign_key(key, &engine.jira.project) {
                // Beside what the row was already warned of (an owner nobody can assign...).
                row.add_warning(message);
            } else {
                row.action = RowAction::Failed;
                row.set_error(Some(message.into()));
            }
        }
    }
}

/// Whether `key` belongs to another project than the configured one.
fn foreign_key(key: &str, project: &str) -> bool {
    key.rsplit_once('-')
        .is_some_and(|(key_project, _)| key_project != project)
}

/// Applies the edits of many rows in one splice (one copy of the file, however many rows) and
/// marks the rows whose cells changed.
pub(super) fn apply_rows(
    loaded: &mut LoadedReport,
    index: usize,
    edits: &[Edit],
    rows: &mut Rows,
) -> Result<(), Error> {
    if edits.is_empty() {
        return Ok(());
    }
    for row in loaded.apply_rows(edits)? {
        if let Some(outcome) = rows.get_mut(&ItemAt::new(index, row)) {
            outcome.report_changed = true;
        }
    }
    Ok(())
}

/// Keys created but not yet written into their reports: written and saved together by
/// [`write_created_keys`].
#[derive(Default)]
pub(super) struct UnsavedKeys {
    /// Link edits by report index, of reports on pages.
    links: HashMap<usize, Vec<Edit>>,
    /// Files with keys not saved yet, by report index (their keys are in the run's created
    /// keys).
    files: HashSet<usize>,
    /// Creates whose journal entries settle once the keys are durable: (report, place in its
    /// journal).
    settled: Vec<(usize, usize)>,
    /// How many creates were answered since the last write.
    pub(super) answered: usize,
}

/// One bulk create: journal first, then create; the keys go to `unsaved`, written and saved
/// by [`write_created_keys`], so a crash at any point leaves either a key in the report or a
/// journal entry to reconcile.
#[allow(clippy::too_many_arguments)]
pub(super) async fn create_chunk(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
    journals: &mut [Journal],
    chunk: &[(&plan::RowPlan, &NewTicket)],
    rows: &mut Rows,
    created_keys: &mut crate::sync::created::CreatedKeys,
    ambiguous: &mut HashSet<ItemAt>,
    unsaved: &mut UnsavedKeys,
) -> Result<(), Error> {
    let now = Utc::now();
    // Each row's summary, read once (from its report, for a row to create in a file): shared
    // by its journal entry until settled, copied into the request while it is out.
    let summaries: Vec<std::sync::Arc<str>> = chunk
        .iter()
        .map(|(row, _)| row.summary_in(&reports[row.report()].report).into())
        .collect();
    // Each row's place in its report's journal, by which its entry is settled.
    let mut places: Vec<usize> = vec![0; chunk.len()];
    for (index, journal) in journals.iter_mut().enumerate() {
        let label: std::sync::Arc<str> = date_label(&reports[index]).into();
        let entries: Vec<PendingCreate> = chunk
            .iter()
            .zip(&summaries)
            .filter(|((row, _), _)| row.report() == index)
            .map(|((row, _), summary)| PendingCreate {
                date_label: label.clone(),
                summary: summary.clone(),
                sent_at: now,
                then_move: crate::sync::moves::words_to_move(&reports[index], row.row())
                    .map(String::into_boxed_str),
                parent: false,
            })
            .collect();
        if entries.is_empty() {
            continue;
        }
        let mut recorded = journal
            .record(entries)
            .map_err(|source| Error::io(reports[index].report.path(), source))?;
        for (place, _) in places
            .iter_mut()
            .zip(chunk)
            .filter(|(_, (row, _))| row.report() == index)
        {
            *place = recorded.next().unwrap_or_default();
        }
    }
    let issues: Vec<NewIssue> = chunk
        .iter()
        .zip(summaries)
        .map(|(&(row, new), summary)| {
            let description = crate::sync::fields::description(engine, reports, row.at(), &summary);
            new.issue(summary.to_string(), Some(description))
        })
        .collect();
    let outcomes = engine.client.create_issues(&issues).await;
    drop(issues);
    unsaved.answered += chunk.len();
    for ((&(row_plan, _), outcome), place) in chunk.iter().zip(outcomes).zip(places) {
        let at = row_plan.at();
        let (index, row) = (&at.report, &at.row);
        let Some(row_outcome) = rows.get_mut(&at) else {
            continue;
        };
        match outcome {
            CreateOutcome::Created { key, .. } => {
                if reports[*index].rows_stay() {
                    unsaved.files.insert(*index);
                } else {
                    unsaved.links.entry(*index).or_default().push(Edit::Link {
                        row: *row,
                        key: key.to_string(),
                        url: engine.browse_url(&key),
                    });
                }
                // Written into the report with the next save of keys (a run that cannot
                // write them ends with an error): shown from there, not held per row.
                if reports[*index].rows_stay() {
                    row_outcome.key_in_report = true;
                } else {
                    row_outcome.set_key(Some(key.as_str().into()));
                }
                row_outcome.shows_url = true;
                created_keys.push(at, key);
                unsaved.settled.push((at.report, place));
            }
            CreateOutcome::Rejected { message } => {
                row_outcome.action = RowAction::Failed;
                row_outcome.set_error(Some(format!("Jira refused to create it: {message}").into()));
                unsaved.settled.push((at.report, place));
            }
            CreateOutcome::Ambiguous { message } => {
                tracing::warn!("create of row {row} may or may not have happened: {message}");
                row_outcome.action = RowAction::Pending;
                row_outcome.set_error(Some(pending_message()));
                ambiguous.insert(at);
            }
        }
    }
    Ok(())
}

/// Writes the keys of `unsaved` into their reports and saves them at once (one save per
/// report, however many groups answered since the last write), then queues their journal
/// entries to settle once the saves are durable.
///
/// A file is saved with every key this run created in it, written as the save goes from the
/// report's bytes as read (see [`LoadedReport::save_edited`]): mid-run (`last` false) the
/// report stays as read, its file ahead of it, so a run of 100,000 creates neither splices
/// nor parses its report again while it still holds its plan; the last save (`last`) reads
/// the file back. A page's keys are applied and saved as usual.
pub(super) fn write_created_keys(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    unsaved: &mut UnsavedKeys,
    created_keys: &mut crate::sync::created::CreatedKeys,
    rows: &mut Rows,
    settle_created: &mut Vec<(usize, usize)>,
    last: bool,
) -> Result<(), Error> {
    let UnsavedKeys {
        links,
        files,
        settled,
        ..
    } = std::mem::take(unsaved);
    // The keys are saved now (a crash may still lose them, but never a journal entry: those
    // are settled only after the reports' folders are synced, by `settle_saved` in a big run,
    // else at the end of the run).
    for (index, edits) in links {
        apply_rows(&mut reports[index], index, &edits, rows)?;
        reports[index].save_deferred()?;
    }
    created_keys.sort();
    for (index, loaded) in reports.iter_mut().enumerate() {
        // The last save also reads back a file that an earlier one left ahead of its report.
        if !(files.contains(&index) || (last && loaded.report.is_behind())) {
            continue;
        }
        let mut calls = created_keys.of_report(index).map(|(row, key)| {
            vec![Edit::Link {
                row,
                url: engine.browse_url(&key),
                key: key.to_string(),
            }]
        });
        let mut changed_row = |row: usize| {
            if let Some(outcome) = rows.get_mut(&ItemAt::new(index, row)) {
                outcome.report_changed = true;
            }
        };
        if let Some(saved) = loaded.save_edited(&mut calls, last, &mut changed_row) {
            saved?;
        }
    }
    settle_created.extend(settled);
    Ok(())
}

/// Makes every save of this run durable (one folder sync per folder), then settles the
/// journal entries whose keys those saves hold (one write per journal): `settle_later`'s
/// (report, date label, summary), and the entries of `created`, (report, place in its journal)
/// of this run's creates (by place: a run of 100,000 creates keeps no second copy of their
/// summaries, and settles them with no map of them).
pub(super) async fn settle_durably(
    reports: &mut [LoadedReport],
    journals: &mut [Journal],
    settle_later: Vec<(usize, String, String)>,
    created: Vec<(usize, usize)>,
) -> Result<(), Error> {
    crate::sync::workspace::make_durable(reports).await?;
    for (index, journal) in journals.iter_mut().enumerate() {
        let done = settle_later
            .iter()
            .filter(|(at, _, _)| *at == index)
            .map(|(_, label, summary)| (label.as_str(), summary.as_str()));
        let places = created
            .iter()
            .filter(|(report, _)| *report == index)
            .map(|&(_, place)| place);
        journal
            .settle(done, places)
            .map_err(|source| Error::io(reports[index].report.path(), source))?;
    }
    Ok(())
}

/// Settles, mid-run, the journal entries of the creates whose keys were just saved, once those
/// saves are durable (the same order as at the end of a run): a big run's journal, in the file
/// and in memory, holds the creates of its last stretch only, not every create of the run (a
/// crash late in a run of 100,000 creates leaves the last stretch to find again, and the run
/// lets go of each summary as its key is saved). Entries that owe a status move stay until the
/// run has tried it (see `crate::sync::moves`), their places in `settle_created` kept right.
pub(super) async fn settle_saved(
    reports: &mut [LoadedReport],
    journals: &mut [Journal],
    settle_created: &mut Vec<(usize, usize)>,
) -> Result<(), Error> {
    let owes_move = |&(report, place): &(usize, usize)| {
        journals[report]
            .pending()
            .get(place)
            .is_some_and(|entry| entry.then_move.is_some())
    };
    let (mut kept, mut now): (Vec<_>, Vec<_>) = settle_created.drain(..).partition(owes_move);
    if now.is_empty() {
        *settle_created = kept;
        return Ok(());
    }
    crate::sync::workspace::make_durable(reports).await?;
    now.sort_unstable();
    for (index, journal) in journals.iter_mut().enumerate() {
        let places = now
            .iter()
            .filter(|(report, _)| *report == index)
            .map(|&(_, place)| place);
        journal
            .settle(std::iter::empty(), places)
            .map_err(|source| Error::io(reports[index].report.path(), source))?;
    }
    // A kept entry moves down by the entries settled before it in its journal.
    for (report, place) in &mut kept {
        let below = now.partition_point(|settled| *settled < (*report, *place));
        let before_report = now.partition_point(|settled| settled.0 < *report);
        *place -= below - before_report;
    }
    *settle_created = kept;
    Ok(())
}

/// One search per date label, all in flight at once (the client caps requests in flight).
pub(super) async fn search_labels(
    engine: &Engine<'_>,
    labels: &[String],
    state: &TrackerState,
) -> Result<Vec<(String, Vec<std::sync::Arc<Issue>>)>, JiraError> {
    // One `labels in (…)` search for many reports' labels (see `JiraClient::search_by_labels`);
    // a ticket already read as linked is held once.
    engine
        .client
        .search_by_labels(&engine.jira.project, labels, &mut |mut issue| {
            issue.tracking = Default::default();
            state.shared(issue)
        })
        .await
}

/// Closes every duplicate of the plan: the label `pm-sync-duplicate`, then a transition to a
/// done status. A failure is a warning naming the ticket (the reports are right already), and
/// is returned: asked for, a close that did not happen makes the run end with exit 3.
pub(super) async fn close_duplicates(
    engine: &Engine<'_>,
    plan: &Plan,
    transition: Option<&str>,
) -> Vec<String> {
    let mut failed = Vec::new();
    for duplicate in &plan.duplicates {
        let key = &duplicate.issue.key;
        let closed = async {
            engine
                .client
                .edit_issue(key, None, &["pm-sync-duplicate".to_owned()])
                .await?;
            let offered = engine.client.transitions(key).await?;
            let Some(chosen) = choose_transition(&offered, transition) else {
                let mut names: Vec<&str> = offered.iter().map(|t| t.name.as_str()).collect();
                if names.is_empty() {
                    names.push("none");
                }
                return Ok(Some(format!(
                    "no transition {} is offered (offered: {}); set [jira] duplicate_transition",
                    transition.map_or_else(|| "to a done status".to_owned(), |t| format!("{t:?}")),
                    names.join(", ")
                )));
            };
            engine.client.transition_issue(key, &chosen.id).await?;
            Ok::<_, JiraError>(None)
        }
        .await;
        let why = match closed {
            Ok(None) => {
                tracing::warn!("closed {key}, a duplicate of {}", duplicate.kept);
                continue;
            }
            Ok(Some(why)) => why,
            Err(error) => error.to_string(),
        };
        tracing::warn!("could not close duplicate {key}: {why}");
        failed.push(format!("could not close duplicate {key}: {why}"));
    }
    failed
}

/// The configured transition (by name, without case), else the first of the usual names for
/// closing a duplicate, else any transition to a done status.
fn choose_transition<'t>(
    offered: &'t [crate::jira::issues::Transition],
    wanted: Option<&str>,
) -> Option<&'t crate::jira::issues::Transition> {
    if let Some(wanted) = wanted {
        return offered.iter().find(|t| t.name.eq_ignore_ascii_case(wanted));
    }
    ["Duplicate", "Won't Do", "Closed", "Done"]
        .iter()
        .find_map(|name| offered.iter().find(|t| t.name.eq_ignore_ascii_case(name)))
        .or_else(|| {
            offered
                .iter()
                .find(|t| t.to.as_ref().is_some_and(|to| to.is_done()))
        })
}

/// Reads the status of every created (or just moved) issue in batches and writes it into the
/// reports, except where the row keeps a person's words: `keep_words` (a move that failed), or
/// words that already say what the status says.
pub(super) async fn write_created_statuses(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    created: impl Iterator<Item = (ItemAt, IssueKey)>,
    keep_words: &HashSet<ItemAt>,
    rows: &mut Rows,
) -> Result<(), Error> {
    // About a thousand tickets at a time (whole rounds of requests in flight), each batch cut
    // to the status edits it makes before the next is read: a run of 100,000 creates never
    // holds 100,000 issues.
    let keys_at_a_time = crate::sync::refresh::keys_per_batch(engine.jira.concurrency);
    // The statuses to write, by report, written when the report is saved, in order of row.
    let mut to_write: HashMap<usize, StatusWrites> = HashMap::new();
    let mut created = created.peekable();
    let mut batch: Vec<(ItemAt, IssueKey)> = Vec::new();
    while created.peek().is_some() {
        batch.clear();
        batch.extend(created.by_ref().take(keys_at_a_time));
        let keys: Vec<IssueKey> = batch.iter().map(|(_, key)| key.clone()).collect();
        let fetched = match engine.client.fetch_issues_undated(&keys).await {
            Ok(fetched) => fetched,
            Err(error) => {
                // The keys are saved; the statuses arrive with the next sync or refresh.
                tracing::warn!("could not read the status of the created tickets: {error}");
                break;
            }
        };
        drop(keys);
        // Only the statuses are kept: the rest of each ticket is not needed here.
        let statuses: HashMap<IssueKey, crate::jira::model::Status> = fetched
            .into_found()
            .map(|found| {
                let (asked_as, issue) = found.into_parts();
                let issue = std::sync::Arc::unwrap_or_clone(issue);
                (asked_as.unwrap_or(issue.key), issue.status)
            })
            .collect();
        for (at, key) in &batch {
            let Some(status) = statuses.get(key) else {
                continue;
            };
            let loaded = &mut reports[at.report];
            let agree = loaded.report.item(at.row).is_some_and(|item| {
                crate::sync::intent::words_agree(&item, status, loaded.report.known_statuses())
            });
            if !agree && !keep_words.contains(at) {
                to_write
                    .entry(at.report)
                    .or_default()
                    .push(at.row, &status.name);
            }
            if let Some(outcome) = rows.get_mut(at) {
                outcome.status = Some(status.name.clone());
            }
        }
    }
    for (index, statuses) in to_write {
        apply_and_save(&mut reports[index], index, &mut statuses.into_edits(), rows)?;
    }
    Ok(())
}

/// The statuses to write into one report: each a row and the place of its name among the few
/// names a run's tickets have (8 bytes a row, where a row and a shared name were 16 and a run
/// of 100,000 creates held them beside its report), grown by eighths.
#[derive(Default)]
struct StatusWrites {
    names: Vec<crate::thin::SharedText>,
    rows: Vec<(u32, u32)>,
}

impl StatusWrites {
    /// Writes `name` into row `row`.
    fn push(&mut self, row: usize, name: &crate::thin::SharedText) {
        // A site has a few dozen statuses at most, and most rows share the last one's.
        let place = match self.names.iter().rposition(|known| **known == **name) {
            Some(place) => place,
            None => {
                self.names.push(name.clone());
                self.names.len() - 1
            }
        };
        let (row, place) = (crate::sync::outcome::row_number(row), place as u32);
        crate::freeing::push_gently(&mut self.rows, (row, place));
    }

    /// One status edit per row, in order of row, each let go once made: the list is not held
    /// while the report is read back.
    fn into_edits(mut self) -> impl Iterator<Item = Vec<Edit>> {
        // Most often in order already (created keys are sorted by row, moves come after).
        // Sorted in place when not: a stable sort's scratch list was this phase's peak, and a
        // row comes once (a created row or a moved one, never both).
        if !self.rows.is_sorted_by_key(|(row, _)| *row) {
            self.rows.sort_unstable_by_key(|(row, _)| *row);
        }
        let names = self.names;
        crate::freeing::take_freeing(self.rows).map(move |(row, place)| {
            vec![Edit::Status {
                row: row as usize,
                status: names[place as usize].to_string(),
            }]
        })
    }
}

/// Makes the edits of `calls` (each one row's, rows in order) in report `index` and saves it,
/// marking the rows whose bytes change: a file is written as its edits are planned and read
/// back (a big report is never spliced in memory beside its edits), a page's edits are applied
/// and saved as usual.
pub(super) fn apply_and_save(
    loaded: &mut LoadedReport,
    index: usize,
    calls: &mut dyn Iterator<Item = Vec<Edit>>,
    rows: &mut Rows,
) -> Result<(), Error> {
    let mut changed_row = |row: usize| {
        if let Some(outcome) = rows.get_mut(&ItemAt::new(index, row)) {
            outcome.report_changed = true;
        }
    };
    if let Some(saved) = loaded.save_edited(calls, true, &mut changed_row) {
        if !saved? {
            // These edits change nothing; what this run changed before still saves.
            loaded.save_deferred()?;
        }
        return Ok(());
    }
    let mut plan = crate::report::EditPlan::default();
    let mut changed = Vec::new();
    for call in calls {
        if loaded.plan_edits(&mut plan, &call)? {
            changed.extend(call.first().map(Edit::row));
        }
    }
    loaded.apply_plan(plan)?;
    loaded.save_deferred()?;
    changed.into_iter().for_each(changed_row);
    Ok(())
}

/// Saves (or diffs, in a dry run) and gathers rows in plan order.
pub(super) fn collect(
    engine: &Engine<'_>,
    command: &'static str,
    dry_run: bool,
    reports: &mut [LoadedReport],
    mut rows: Rows,
) -> RunOutcome {
    let mut outcome = RunOutcome {
        command,
        dry_run,
        reports: Vec::new(),
        unfinished: Vec::new(),
    };
    for (index, loaded) in reports.iter_mut().enumerate() {
        // In row order, as the plan has them; handed over, not copied.
        let items = rows.take_report(index);
        let written = !dry_run && loaded.written_this_run();
        outcome.reports.push(ReportOutcome {
            path: loaded.report.path().to_path_buf(),
            written,
            labels: loaded.labels.as_ref().map(|labels| labels.labels()),
            default_severity: loaded
                .labels
                .as_ref()
                .filter(|_| loaded.severity_defaulted)
                .map(|labels| labels.severity.clone()),
            diff: dry_run.then(|| Diff::new(loaded.change())),
            items,
            item_texts: Some(loaded.report.item_texts()),
            browse: Some(engine.browse.clone()),
        });
    }
    outcome
}

pub(super) fn finish_report(
    engine: &Engine<'_>,
    loaded: &mut LoadedReport,
    dry_run: bool,
    written: bool,
    items: Vec<RowOutcome>,
) -> ReportOutcome {
    ReportOutcome {
        path: loaded.report.path().to_path_buf(),
        written,
        labels: None,
        default_severity: None,
        diff: dry_run.then(|| Diff::new(loaded.change())),
        items,
        item_texts: Some(loaded.report.item_texts()),
        browse: Some(engine.browse.clone()),
    }
}

pub(super) fn missing_message() -> ThinText {
    "Jira does not know this key (deleted, or not visible to this user); \
     fix or remove it in the report — pm-sync will not file the item again"
        .into()
}

pub(super) fn pending_message() -> ThinText {
    "a create for this item was sent but its outcome is unknown, and Jira search does not show \
     the ticket yet; nothing was created again — run pm-sync sync again in a few minutes"
        .into()
}

impl From<JiraError> for Error {
    fn from(error: JiraError) -> Self {
        Error::Jira(error)
    }
}
