//! The effectful half of sync and refresh: batched reads, edits, creates in journaled batches,
//! write-back after every batch, saves.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::error::Error;
use crate::jira::model::{
    CreateOutcome, Deployment, Issue, IssueKey, IssueType, NewIssue, StatusCategory,
};
use crate::jira::{BULK_CREATE_LIMIT, JiraError};
use crate::report::model::{Edit, KnownStatuses};
use crate::sync::journal::{Journal, PendingCreate};
use crate::sync::outcome::{ReportOutcome, RowAction, RowOutcome, RunOutcome};
use crate::sync::plan::{self, ItemAt, Plan, PlanContext, ReportInput, Ticket, TrackerState};
use crate::sync::workspace::LoadedReport;

pub use crate::sync::engine::{Engine, ReconcileTiming};

/// Row results being collected, keyed by (report index, row).
type Rows = HashMap<ItemAt, RowOutcome>;

/// What sync does with duplicate tickets (extra tickets for one item, filed by copies of the
/// report synced at the same moment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duplicates {
    /// Converge the rows on the lowest key and name the extra tickets (a warning each).
    Report,
    /// Also search every report's date label for them, and close each extra ticket with this
    /// transition (`None`: the first of "Duplicate", "Won't Do", "Closed", "Done" offered, else
    /// any transition to a done status), labelling it `pm-sync-duplicate`.
    Close(Option<String>),
}

/// `pm-sync sync`: see the contract. Jira errors while reading fail the run before anything
/// changes; a failed create or edit fails its rows and the run goes on.
pub async fn sync(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    dry_run: bool,
) -> Result<RunOutcome, Error> {
    sync_with(engine, reports, dry_run, Duplicates::Report).await
}

/// [`sync`], choosing what happens to duplicate tickets. A run in named phases, in this order:
/// `read` (Jira's side, before anything changes), `SyncRun::plan`, `SyncRun::recheck_held`
/// and `SyncRun::prepare` (the plan, earlier runs' journals, the create fields: bad input
/// fails here, exit 2, before the first write), then, unless a dry run, `SyncRun::parents`
/// (the post-mortems' own tickets), `SyncRun::update` (existing tickets and rows),
/// `SyncRun::create` (journaled bulk creates, keys saved after each group),
/// `SyncRun::find_lost` (creates whose response was lost), `SyncRun::write_back` (moves and
/// the created tickets' statuses) and `SyncRun::settle` (saves made durable, journal
/// settled, cells recorded, links, duplicates).
pub async fn sync_with(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    dry_run: bool,
    duplicates: Duplicates,
) -> Result<RunOutcome, Error> {
    let (state, screen) = read(engine, reports, &duplicates).await?;
    let mut run = SyncRun::plan(engine, reports, state, screen, dry_run, duplicates)?;
    run.recheck_held().await?;
    run.prepare().await?;
    if dry_run {
        return Ok(run.finish_dry_run());
    }
    // From here on Jira may change: any later failure (a report that cannot be saved, say)
    // is exit 3, and what was created is in the reports or the journal.
    let applied: Result<RunOutcome, Error> = async {
        run.parents().await?;
        run.update().await?;
        run.create().await?;
        run.find_lost().await?;
        run.write_back().await?;
        run.settle().await?;
        Ok(run.finish())
    }
    .await;
    applied.map_err(Error::after_changes)
}

/// Phase 1, read: the linked tickets, every report's date label searched beside the project
/// check and the create screen, and the status names. Nothing changes yet, so a Jira error
/// here fails the run before any write.
async fn read(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    duplicates: &Duplicates,
) -> Result<(TrackerState, crate::sync::fields::Screen), Error> {
    let mut state = read_linked(engine, reports).await?;
    // Every report's date label is searched on every run, in one request for many reports:
    // copies synced at the same moment (two clones, two CI jobs) filed two tickets per item,
    // and only this search shows the extra ones, so the next sync of any copy converges them
    // and says so; and another report's tickets matching this one's items are named.
    let labels_needed = crate::sync::copies::date_labels(reports.iter().map(date_label));
    // The create screen, read right after the project check (which names the issue type's id,
    // so the screen is one read, not two) while the label search may still run, when an item
    // without a ticket has cells or config that fill create fields.
    let mut screen = crate::sync::fields::Screen::default();
    let may_write =
        !labels_of_unlinked(reports).is_empty() || matches!(duplicates, Duplicates::Close(_));
    if !may_write && !labels_needed.is_empty() {
        // Everything is linked: nothing will be created, so no project check; the search only.
        state
            .by_label
            .extend(search_labels(engine, &labels_needed).await?);
    } else if !labels_needed.is_empty() {
        // Items without a ticket may need creating: validate project and issue type, with a
        // message a user can act on (a search would only say "HTTP 400"). The label searches
        // go out beside that check, in the same round trip; its verdict comes first.
        let wants_screen = crate::sync::fields::may_need_screen(engine, reports);
        let checked = async {
            let (issue_type, types) = check_project(engine).await?;
            let mut screen =
                crate::sync::fields::Screen::read(engine, issue_type, wants_screen).await;
            screen.types = types;
            Ok::<_, Error>(screen)
        };
        let (checked, found) = tokio::join!(checked, search_labels(engine, &labels_needed));
        screen = checked?;
        state.by_label.extend(found?);
    }
    learn_statuses(engine, reports, &state).await?;
    Ok((state, screen))
}

/// What a sync run carries from one phase to the next.
struct SyncRun<'r, 'e> {
    engine: &'r Engine<'e>,
    reports: &'r mut [LoadedReport],
    dry_run: bool,
    duplicates: Duplicates,
    state: TrackerState,
    screen: crate::sync::fields::Screen,
    plan: Plan,
    journals: Vec<Journal>,
    /// Journal entries to settle once this run's keys are durably in the reports: settling
    /// earlier could forget a create whose key a power loss then takes back.
    settle_later: Vec<(usize, String, String)>,
    /// Create rows an earlier run may have created already: never created in this run.
    held: HashSet<ItemAt>,
    /// Held rows found (or, on Data Center, known never created), settled once saved.
    settled_held: Vec<(usize, String)>,
    /// The post-mortems' own tickets found by the label search, by report.
    parents: HashMap<usize, Issue>,
    /// Create rows whose report's own ticket could not be made: not created in this run.
    blocked: HashSet<ItemAt>,
    /// Tickets an earlier run created but died before moving to the row's status.
    owed_moves: Vec<crate::sync::moves::Move>,
    /// Lost creates found by search whose rows ask for a status move.
    found_moves: Vec<crate::sync::moves::Move>,
    field_updates: Vec<crate::sync::fields::FieldUpdate>,
    /// `[report] write_back`: what pm-sync last saw of each cell it writes back.
    cell_records: Vec<crate::sync::write_back::CellRecords>,
    rows: Rows,
    created_keys: Vec<(ItemAt, IssueKey)>,
    /// Rows whose create's response was lost.
    ambiguous: HashSet<ItemAt>,
}

impl<'r, 'e> SyncRun<'r, 'e> {
    /// Phase 2, plan: the journals of earlier runs (leftovers removed unless a dry run), the
    /// reports' own tickets taken out of the search results (they are no item's), the pure
    /// plan, and the create rows an earlier run's journal holds back.
    fn plan(
        engine: &'r Engine<'e>,
        reports: &'r mut [LoadedReport],
        mut state: TrackerState,
        screen: crate::sync::fields::Screen,
        dry_run: bool,
        duplicates: Duplicates,
    ) -> Result<Self, Error> {
        let mut journals = reports
            .iter()
            .map(|loaded| {
                let journal = Journal::load_at(loaded.home.journal_path())?;
                if !dry_run {
                    journal.remove_leftovers()?;
                }
                Ok(journal)
            })
            .zip(reports.iter())
            .map(|(journal, loaded)| {
                journal.map_err(|source| Error::io(loaded.report.path(), source))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let mut settle_later = Vec::new();
        let parents = crate::sync::parent::take_found(engine.company, reports, &mut state);
        let plan = make_plan(engine, reports, &state);
        // Creates an earlier run sent without recording the key: found before creating again.
        let held = held_by_journal(
            &plan,
            &mut journals,
            engine.timing.lag_window,
            dry_run,
            &mut settle_later,
        );
        Ok(SyncRun {
            engine,
            reports,
            dry_run,
            duplicates,
            state,
            screen,
            plan,
            journals,
            settle_later,
            held,
            settled_held: Vec::new(),
            parents,
            blocked: HashSet::new(),
            owed_moves: Vec::new(),
            found_moves: Vec::new(),
            field_updates: Vec::new(),
            cell_records: Vec::new(),
            rows: Rows::new(),
            created_keys: Vec::new(),
            ambiguous: HashSet::new(),
        })
    }

    /// Phase 3, recheck held creates (not in a dry run): search again until the held rows'
    /// tickets show, and plan again with what was found; on Data Center, whose search is
    /// consistent, what was not found was never created and is created now.
    async fn recheck_held(&mut self) -> Result<(), Error> {
        if self.held.is_empty() || self.dry_run {
            return Ok(());
        }
        let (engine, held) = (self.engine, &mut self.held);
        self.plan = wait_for_search(engine, self.reports, &mut self.state, held, true).await?;
        let plan = &self.plan;
        for row in &plan.rows {
            let at = row.at();
            if held.contains(&at) && !is_create(plan, at) {
                self.settled_held.push((row.report, row.summary.clone()));
            }
        }
        if search_is_consistent(engine).await? {
            // Their journal entries are replaced by this run's creates.
            for row in &plan.rows {
                if held.contains(&row.at()) && is_create(plan, row.at()) {
                    self.settled_held.push((row.report, row.summary.clone()));
                }
            }
            held.clear();
        } else {
            held.retain(|at| is_create(plan, *at));
        }
        Ok(())
    }

    /// Phase 4, prepare: moves owed by the journal, the extra create fields (config, front
    /// matter, Owner/Due/Priority cells: exit 2 here, before the first write, when Jira would
    /// refuse a value), the cells written back from Jira, the field updates, and the rows'
    /// first outcomes with their warnings. Last before writing, since it reads the final plan.
    async fn prepare(&mut self) -> Result<(), Error> {
        let (engine, reports) = (self.engine, &*self.reports);
        self.owed_moves =
            crate::sync::moves::owed_by_journal(&mut self.plan, &self.journals, reports);
        let mut warnings =
            crate::sync::fields::prepare(engine, reports, &mut self.plan, &mut self.screen).await?;
        let (cell_records, jira_keeps) = crate::sync::write_back::plan_sync(
            engine.company,
            reports,
            &mut self.plan,
            &mut warnings,
        );
        self.cell_records = cell_records;
        let managed = |index: usize| managed_rows(&reports[index]);
        self.field_updates = crate::sync::fields::updates(
            engine,
            reports,
            &self.plan,
            &managed,
            &mut self.screen,
            &mut warnings,
            &jira_keeps,
        )
        .await?;
        self.rows = initial_rows(engine, &self.plan);
        self.warn_duplicates();
        crate::sync::copies::warn_foreign(reports, &self.plan, &self.state);
        for (at, warning) in warnings {
            if let Some(row) = self.rows.get_mut(&at) {
                row.warning = Some(warning);
            }
        }
        for update in &self.field_updates {
            if let Some(row) = self.rows.get_mut(&update.at) {
                row.updated.extend(update.what.iter().copied());
            }
        }
        Ok(())
    }

    /// One warning per duplicate ticket the plan found, naming the key the report keeps.
    fn warn_duplicates(&self) {
        for duplicate in &self.plan.duplicates {
            tracing::warn!(
                "{}: {} duplicates {} (\"{}\"): both were created for this report, by two runs \
                 at the same moment; the report keeps {}{}",
                self.reports[duplicate.report].report.path().display(),
                duplicate.issue.key,
                duplicate.kept,
                duplicate.issue.summary,
                duplicate.kept,
                if matches!(self.duplicates, Duplicates::Close(_)) {
                    ""
                } else {
                    " — close it with `pm-sync sync --close-duplicates`"
                }
            );
        }
    }

    /// A dry run ends after planning: what would happen, as rows and diffs; nothing written.
    fn finish_dry_run(self) -> RunOutcome {
        crate::sync::parent::tell_dry_run(
            self.engine.company,
            self.reports,
            &self.plan,
            &self.parents,
        );
        finish_dry_run(self.engine, self.reports, &self.plan, self.rows, &self.held)
    }

    /// Phase 5, parents: the post-mortems' own tickets first, since the items are created as
    /// their children; the items of a report whose ticket could not be made are blocked.
    async fn parents(&mut self) -> Result<(), Error> {
        let step = crate::sync::parent::Step {
            journals: &mut self.journals,
            plan: &mut self.plan,
            held: &mut self.held,
            rows: &mut self.rows,
            settle_later: &mut self.settle_later,
        };
        let parents = std::mem::take(&mut self.parents);
        self.blocked =
            crate::sync::parent::ensure(self.engine, self.reports, step, &self.screen, parents)
                .await?;
        Ok(())
    }

    /// Phase 6, update: existing tickets' summaries, labels and fields, then the rows the plan
    /// edits (keys and statuses of tickets that exist), saved. Before the creates, so the held
    /// rows found by search are in the reports before their journal entries are settled.
    async fn update(&mut self) -> Result<(), Error> {
        let engine = self.engine;
        apply_updates(engine, &self.plan, &mut self.rows).await;
        let field_updates = std::mem::take(&mut self.field_updates);
        crate::sync::fields::send_updates(engine, field_updates, &mut self.rows).await;
        for (index, loaded) in self.reports.iter_mut().enumerate() {
            let edits: Vec<Edit> = self
                .plan
                .rows
                .iter()
                .filter(|r| r.report == index)
                .flat_map(|r| r.edits.iter().cloned())
                .collect();
            apply_rows(loaded, index, edits, &mut self.rows)?;
            loaded.save_deferred()?;
        }
        // Found (their keys are in the reports now) or, on Data Center, known never created.
        for (index, summary) in std::mem::take(&mut self.settled_held) {
            self.settle_later
                .push((index, date_label(&self.reports[index]), summary));
        }
        Ok(())
    }

    /// Phase 7, create: the missing tickets (neither held nor blocked) in groups of bulk
    /// creates, each group journaled before it is sent and its keys saved before the next.
    async fn create(&mut self) -> Result<(), Error> {
        let engine = self.engine;
        let creates: Vec<(ItemAt, NewIssue)> = self
            .plan
            .creates()
            .filter(|(row, _)| !self.held.contains(&row.at()) && !self.blocked.contains(&row.at()))
            .map(|(row, new)| (row.at(), new.clone()))
            .collect();
        // A bar only for runs big enough to wait on (more than one bulk create).
        let show_progress = creates.len() > BULK_CREATE_LIMIT;
        if show_progress {
            engine.progress.set_length(creates.len() as u64);
            engine.progress.set_position(0);
            engine.progress.set_message("creating tickets");
        }
        // A group is as many bulk creates as may be in flight at once: journaled together,
        // sent together, their keys written and saved together.
        let group = BULK_CREATE_LIMIT * engine.jira.concurrency.max(1);
        for chunk in creates.chunks(group) {
            create_chunk(
                engine,
                self.reports,
                &mut self.journals,
                chunk,
                &mut self.rows,
                &mut self.created_keys,
                &mut self.ambiguous,
                &mut self.settle_later,
            )
            .await?;
            if show_progress {
                engine.progress.inc(chunk.len() as u64);
            }
        }
        Ok(())
    }

    /// Phase 8, find lost creates: the response of a create was lost, so Jira may have made
    /// the issues. Find them by search (which lags), and never create them again in this run.
    async fn find_lost(&mut self) -> Result<(), Error> {
        if self.ambiguous.is_empty() {
            return Ok(());
        }
        let engine = self.engine;
        let found_plan = match wait_for_search(
            engine,
            self.reports,
            &mut self.state,
            &self.ambiguous,
            false,
        )
        .await
        {
            Ok(plan) => plan,
            // The rows stay `pending` (exit 3) and the journal keeps them: the next run
            // settles them. Everything else of this run is still reported and saved.
            Err(error) => {
                tracing::warn!("could not search for the tickets of lost creates: {error}");
                Plan::default()
            }
        };
        let mut found_in: HashSet<usize> = HashSet::new();
        for row_plan in &found_plan.rows {
            let at = row_plan.at();
            if !self.ambiguous.contains(&at) {
                continue;
            }
            if let Ticket::Adopt(issue) = &row_plan.ticket {
                self.adopt_lost(row_plan, issue)?;
                found_in.insert(at.report);
            }
        }
        for index in found_in {
            self.reports[index].save_deferred()?;
        }
        Ok(())
    }

    /// Writes a lost create's ticket, found by search, into its row (its status held back
    /// while a move is owed) and queues its journal entry to settle.
    fn adopt_lost(&mut self, row_plan: &plan::RowPlan, issue: &Issue) -> Result<(), Error> {
        let at = row_plan.at();
        let edits = crate::sync::moves::hold_status(
            &self.reports[at.report],
            at,
            &issue.key,
            &row_plan.edits,
            &mut self.found_moves,
        );
        let loaded = &mut self.reports[at.report];
        apply_rows(loaded, at.report, edits, &mut self.rows)?;
        if let Some(row) = self.rows.get_mut(&at) {
            row.action = RowAction::Created;
            row.key = Some(issue.key.to_string());
            row.url = Some(self.engine.browse_url(&issue.key));
            row.status = Some(issue.status.name.clone());
            row.error = None;
        }
        self.settle_later
            .push((at.report, date_label(loaded), row_plan.summary.clone()));
        Ok(())
    }

    /// Phase 9, write back: rows a person marked Done / In progress / Won't do before they had
    /// a ticket are moved now, then the statuses of the created (and moved) tickets written.
    async fn write_back(&mut self) -> Result<(), Error> {
        let engine = self.engine;
        let moves = [
            std::mem::take(&mut self.found_moves),
            std::mem::take(&mut self.owed_moves),
        ]
        .concat();
        let (statuses_to_write, keep_words) = crate::sync::moves::after_creates(
            engine,
            self.reports,
            &self.created_keys,
            moves,
            &mut self.rows,
        )
        .await;
        write_created_statuses(
            engine,
            self.reports,
            &statuses_to_write,
            &keep_words,
            &mut self.rows,
        )
        .await
    }

    /// Phase 10, settle: every save made durable, and only then the journal entries those
    /// saves hold settled; the cells written back recorded (not for failed rows), remote
    /// links, duplicates closed, and the rows still held marked pending.
    async fn settle(&mut self) -> Result<(), Error> {
        let settle_later = std::mem::take(&mut self.settle_later);
        settle_durably(self.reports, &mut self.journals, settle_later).await?;
        let failed: HashSet<ItemAt> = self
            .rows
            .iter()
            .filter(|(_, row)| row.action == RowAction::Failed)
            .map(|(at, _)| *at)
            .collect();
        crate::sync::write_back::save(
            self.reports,
            &mut self.cell_records,
            &failed,
            &self.created_keys,
        );
        crate::sync::links::link_back(self.engine, self.reports, &self.plan, &self.rows).await;
        if let Duplicates::Close(transition) = &self.duplicates {
            close_duplicates(self.engine, &self.plan, transition.as_deref()).await;
        }
        for at in &self.held {
            if let Some(row) = self.rows.get_mut(at) {
                row.action = RowAction::Pending;
                row.error = Some(pending_message());
            }
        }
        Ok(())
    }

    /// The run's outcome: every report's rows in plan order.
    fn finish(self) -> RunOutcome {
        collect("sync", false, self.reports, self.rows, &self.plan)
    }
}

/// `pm-sync refresh`: statuses only, read in batches; never creates or edits a ticket.
pub async fn refresh(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    dry_run: bool,
) -> Result<RunOutcome, Error> {
    let state = read_linked(engine, reports).await?;
    learn_statuses(engine, reports, &state).await?;
    let mut rows = Rows::new();
    let mut order = Vec::new();
    let mut cell_records: Vec<crate::sync::write_back::CellRecords> =
        if engine.company.write_back.any() {
            reports
                .iter()
                .map(|loaded| crate::sync::write_back::CellRecords::load(loaded.report.path()))
                .collect()
        } else {
            Vec::new()
        };
    for (index, loaded) in reports.iter_mut().enumerate() {
        let items = loaded.report.items().to_vec();
        let context = plan_context(engine);
        let mut edits = Vec::new();
        for item in items {
            order.push(ItemAt::new(index, item.row));
            let mut outcome = RowOutcome {
                row: item.row,
                line: item.line,
                summary: item.summary().to_owned(),
                action: RowAction::Linked,
                key: item.key.clone(),
                url: None,
                status: (!item.status_text().is_empty()).then(|| item.status_text().to_owned()),
                updated: Vec::new(),
                report_changed: false,
                error: None,
                warning: None,
            };
            match item.key.as_ref().map(|key| state.linked.get(key)) {
                None => {
                    outcome.action = RowAction::Unlinked;
                }
                Some(Some(Some(issue))) => {
                    edits.extend(plan::item_edits(
                        &item,
                        issue,
                        loaded.report.known_statuses(),
                        &context,
                    ));
                    if let Some(records) = cell_records
                        .get_mut(index)
                        .filter(|_| matches!(loaded.home, crate::home::Home::File(_)))
                    {
                        let mut decided = crate::sync::write_back::Decisions::default();
                        crate::sync::write_back::decide(
                            engine.company,
                            &item,
                            issue,
                            records,
                            false,
                            &mut decided,
                        );
                        edits.extend(decided.edits.into_iter().map(|(_, edit)| edit));
                        outcome.warning = decided
                            .warnings
                            .into_iter()
                            .map(|(_, w)| w)
                            .reduce(|a, b| format!("{a}; {b}"));
                    }
                    outcome.key = Some(issue.key.to_string());
                    outcome.url = Some(engine.browse_url(&issue.key));
                    outcome.status = Some(issue.status.name.clone());
                }
                Some(_) => {
                    outcome.action = RowAction::Missing;
                    outcome.error = Some(missing_message());
                }
            }
            rows.insert(ItemAt::new(index, item.row), outcome);
        }
        apply_rows(loaded, index, edits, &mut rows)?;
    }
    let mut outcome = RunOutcome {
        command: "refresh",
        dry_run,
        reports: Vec::new(),
    };
    // Every changed report at once: flushes overlapped, one folder sync per folder.
    let mut saved = if dry_run {
        Vec::new()
    } else {
        crate::sync::workspace::save_all(reports)
    }
    .into_iter();
    if !dry_run {
        crate::sync::write_back::save(reports, &mut cell_records, &HashSet::new(), &[]);
    }
    // Pages get their one PUT each (files were made durable by the save).
    let mut first_error: Option<Error> = None;
    if !dry_run && let Err(error) = crate::sync::workspace::make_durable(reports).await {
        first_error = Some(error);
    }
    for (index, loaded) in reports.iter_mut().enumerate() {
        let items = order
            .iter()
            .filter(|at| at.report == index)
            .filter_map(|at| rows.remove(at))
            .collect();
        let written = match saved.next() {
            Some(Err(error)) => {
                first_error.get_or_insert(error.into());
                false
            }
            Some(Ok(written)) => written || loaded.written_this_run(),
            None => false,
        };
        outcome
            .reports
            .push(finish_report(loaded, dry_run, written, items));
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(outcome),
    }
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
async fn learn_statuses(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    state: &TrackerState,
) -> Result<(), Error> {
    let mut known = KnownStatuses::default();
    let issues = state.linked.values().flatten();
    for issue in issues.chain(state.by_label.values().flatten()) {
        known.insert(
            &issue.status.name,
            issue.status.category == StatusCategory::Done,
        );
        known.set_colour(&issue.status.name, lozenge_colour(issue.status.category));
    }
    let unexplained = reports
        .iter()
        .flat_map(|loaded| loaded.report.items())
        .any(|item| !item.status_text().is_empty() && !known.knows(item.status_text()));
    if unexplained {
        for status in engine.client.statuses().await? {
            known.insert(&status.name, status.category == StatusCategory::Done);
            known.set_colour(&status.name, lozenge_colour(status.category));
        }
    }
    for loaded in reports.iter_mut() {
        loaded.report.set_known_statuses(known.clone());
    }
    Ok(())
}

/// Reads every linked key of every report in batches.
async fn read_linked(engine: &Engine<'_>, reports: &[LoadedReport]) -> Result<TrackerState, Error> {
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
    let fetched = engine.client.fetch_issues(&keys).await;
    engine.progress.disable_steady_tick();
    engine.progress.set_position(keys.len() as u64);
    let fetched = fetched?;
    for (asked, issue) in fetched.found {
        state.linked.insert(asked.to_string(), Some(issue));
    }
    for key in fetched.missing {
        state.linked.insert(key.to_string(), None);
    }
    Ok(state)
}

/// Date labels of reports that have items without a ticket: only those need a search.
fn labels_of_unlinked(reports: &[LoadedReport]) -> Vec<String> {
    let mut labels: Vec<String> = reports
        .iter()
        .filter(|loaded| loaded.report.items().iter().any(|item| item.key.is_none()))
        .map(date_label)
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

fn date_label(loaded: &LoadedReport) -> String {
    loaded
        .labels
        .as_ref()
        .map(|labels| labels.date_label())
        .unwrap_or_default()
}

fn plan_context<'a>(engine: &'a Engine<'a>) -> PlanContext<'a> {
    PlanContext {
        project: &engine.jira.project,
        issue_type: &engine.jira.issue_type,
        browse_url: Box::new(|key| engine.browse_url(key)),
    }
}

fn make_plan(engine: &Engine<'_>, reports: &[LoadedReport], state: &TrackerState) -> Plan {
    let inputs: Vec<ReportInput<'_>> = reports
        .iter()
        .enumerate()
        .filter_map(|(index, loaded)| {
            Some(ReportInput {
                report: index,
                title: &loaded.title,
                items: loaded.report.items(),
                labels: loaded.labels.as_ref()?,
                managed_rows: managed_rows(loaded),
                mark: crate::sync::marks::mark_label(&crate::sync::marks::report_id(
                    loaded.report.path(),
                )),
                known: loaded.report.known_statuses(),
            })
        })
        .collect();
    plan::plan(&inputs, state, &plan_context(engine))
}

/// Rows whose key is written as pm-sync writes it (a link to `…/browse/KEY` where pm-sync puts
/// keys), not typed by hand or written elsewhere by a person.
fn managed_rows(loaded: &LoadedReport) -> HashSet<usize> {
    loaded
        .report
        .items()
        .iter()
        .filter(|item| item.key_managed)
        .map(|item| item.row)
        .collect()
}

fn is_create(plan: &Plan, at: ItemAt) -> bool {
    plan.rows
        .iter()
        .any(|row| row.at() == at && matches!(row.ticket, Ticket::Create(_)))
}

/// Create rows that match a journal entry younger than the lag window: their issue may exist
/// already. Entries that match no such row (key written, window passed) go to `settle_later`.
fn held_by_journal(
    plan: &Plan,
    journals: &mut [Journal],
    lag_window: Duration,
    dry_run: bool,
    settle_later: &mut Vec<(usize, String, String)>,
) -> HashSet<ItemAt> {
    let now = Utc::now();
    let mut held = HashSet::new();
    for (index, journal) in journals.iter_mut().enumerate() {
        let mut unmatched: Vec<PendingCreate> = Vec::new();
        let mut used: HashSet<usize> = HashSet::new();
        // The parent's entry is settled by the parent step alone.
        for entry in journal.pending().iter().filter(|entry| !entry.parent) {
            let young = (now - entry.sent_at).to_std().unwrap_or_default() < lag_window;
            let matching = plan.rows.iter().find(|row| {
                row.report == index
                    && !used.contains(&row.row)
                    && matches!(row.ticket, Ticket::Create(_))
                    && row.summary == entry.summary
            });
            match matching {
                Some(row) if young => {
                    used.insert(row.row);
                    held.insert(ItemAt::new(index, row.row));
                }
                _ => unmatched.push(entry.clone()),
            }
        }
        if dry_run {
            continue;
        }
        settle_later.extend(
            unmatched
                .into_iter()
                .map(|e| (index, e.date_label, e.summary)),
        );
    }
    held
}

/// Searches again, pausing between searches, until every row in `waiting` is adopted or the
/// wait is over (on Data Center, whose search is consistent, after one look). Returns the last
/// plan.
async fn wait_for_search(
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
            let still_waiting = waiting.iter().any(|at| is_create(&plan, *at));
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
            state.by_label.insert(label.clone(), found);
        }
        current = true;
    }
}

/// Whether search shows an issue as soon as it is created: true on Data Center, false on
/// Cloud, whose search is eventually consistent.
async fn search_is_consistent(engine: &Engine<'_>) -> Result<bool, Error> {
    Ok(engine.client.deployment().await? == Deployment::Datacenter)
}

/// Validates project and issue type before the first create, with a message a user can act on;
/// returns the issue type (its id addresses the create screen) and all of the project's.
async fn check_project(engine: &Engine<'_>) -> Result<(IssueType, Vec<IssueType>), Error> {
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
fn initial_rows(engine: &Engine<'_>, plan: &Plan) -> Rows {
    plan.rows
        .iter()
        .map(|row| {
            let (action, issue, error) = match &row.ticket {
                Ticket::Linked(issue) => (RowAction::Linked, Some(issue), None),
                Ticket::Adopt(issue) => (RowAction::Adopted, Some(issue), None),
                Ticket::Create(_) => (RowAction::Created, None, None),
                Ticket::Missing(_) => (RowAction::Missing, None, Some(missing_message())),
            };
            let key = match &row.ticket {
                Ticket::Missing(key) => Some(key.clone()),
                _ => issue.map(|i| i.key.to_string()),
            };
            let outcome = RowOutcome {
                row: row.row,
                line: row.line,
                summary: row.summary.clone(),
                action,
                url: issue.map(|i| engine.browse_url(&i.key)),
                key,
                status: issue.map(|i| i.status.name.clone()),
                updated: row
                    .update
                    .as_ref()
                    .map(|u| {
                        let mut what = Vec::new();
                        if !u.add_labels.is_empty() {
                            what.push("labels");
                        }
                        if u.summary.is_some() {
                            what.push("summary");
                        }
                        what
                    })
                    .unwrap_or_default(),
                report_changed: false,
                error,
                warning: None,
            };
            (row.at(), outcome)
        })
        .collect()
}

fn finish_dry_run(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    plan: &Plan,
    mut rows: Rows,
    held: &HashSet<ItemAt>,
) -> RunOutcome {
    // Keys to come are shown as `OPS-?1`, `OPS-?2`, ...: not a key (no digits right after the
    // dash), so nobody mistakes one for a ticket. The report engine only writes real keys, so
    // the diff is made with stand-in keys that are swapped for the placeholders afterwards.
    let mut placeholders: Vec<(String, String)> = Vec::new();
    crate::sync::moves::preview(reports, plan, held, &mut rows);
    // Each report's edits applied at once: one parse per report, not one per row (that was
    // quadratic in rows). Held rows are marked afterwards.
    let mut edits_of: Vec<Vec<(usize, Vec<Edit>)>> = reports.iter().map(|_| Vec::new()).collect();
    for row_plan in &plan.rows {
        let at = row_plan.at();
        let mut edits = row_plan.edits.clone();
        if let Ticket::Create(new) = &row_plan.ticket
            && !held.contains(&at)
        {
            let n = placeholders.len() + 1;
            if let Some(stand_in) = IssueKey::parse(&format!("{}-{}", new.project, STAND_IN + n)) {
                edits.push(Edit::Link {
                    row: row_plan.row,
                    key: stand_in.to_string(),
                    url: engine.browse_url(&stand_in),
                });
                // The real run also writes the new ticket's status, which Jira names only once
                // the ticket exists: the diff shows where it goes.
                edits.push(Edit::Status {
                    row: row_plan.row,
                    status: STAND_IN_STATUS.to_owned(),
                });
                placeholders.push((stand_in.to_string(), format!("{}-?{n}", new.project)));
            }
        }
        if let Some(of_report) = edits_of.get_mut(at.report) {
            of_report.push((at.row, edits));
        }
    }
    for (index, of_report) in edits_of.into_iter().enumerate() {
        crate::sync::preview::apply_all(&mut reports[index], index, of_report, &mut |l, i, e| {
            apply_rows(l, i, e, &mut rows)
        });
    }
    for at in held {
        if let Some(row) = rows.get_mut(at) {
            row.action = RowAction::Pending;
            row.error = Some(pending_message());
        }
    }
    let mut outcome = collect("sync", true, reports, rows, plan);
    for report in &mut outcome.reports {
        if let Some(diff) = report.diff.as_mut() {
            *diff = crate::sync::preview::swap_stand_ins(diff, &placeholders);
            *diff = diff.replace(STAND_IN_STATUS, NEW_STATUS);
        }
    }
    outcome
}

/// The status a dry run writes for a ticket still to be created (a word no report holds),
/// shown in the diff as [`NEW_STATUS`].
const STAND_IN_STATUS: &str = "PmSyncNewTicketStatus";

/// What a dry run's diff shows where the new ticket's status will be written.
const NEW_STATUS: &str = "(status)";

/// Numbers of the stand-in keys of a dry run: all of one length (so none is a prefix of
/// another), far beyond any real issue number.
const STAND_IN: usize = 900_000_000_000_000;

/// Sends the planned edits (labels, summaries) concurrently; the client caps requests in flight.
async fn apply_updates(engine: &Engine<'_>, plan: &Plan, rows: &mut Rows) {
    let mut tasks = tokio::task::JoinSet::new();
    let mut task_rows = HashMap::new();
    for row in &plan.rows {
        let Some(update) = row.update.clone() else {
            continue;
        };
        let client = engine.client.clone();
        let handle = tasks.spawn(async move {
            client
                .edit_issue(&update.key, update.summary.as_deref(), &update.add_labels)
                .await
        });
        task_rows.insert(handle.id(), row.at());
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
        if let Some(row) = task_rows.get(&id).and_then(|at| rows.get_mut(at)) {
            let key = row.key.as_deref().unwrap_or("?");
            let message = format!("updating {key}: {failure}");
            row.updated.clear();
            // Items land in other teams' projects, whose tickets pm-sync may not edit: the
            // link and the status still hold, so that is a warning, not a failed row.
            if foreign_key(key, &engine.jira.project) {
                row.warning = Some(message);
            } else {
                row.action = RowAction::Failed;
                row.error = Some(message);
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
fn apply_rows(
    loaded: &mut LoadedReport,
    index: usize,
    edits: Vec<Edit>,
    rows: &mut Rows,
) -> Result<(), Error> {
    if edits.is_empty() {
        return Ok(());
    }
    let touched: HashSet<usize> = edits
        .iter()
        .map(|edit| match edit {
            Edit::Link { row, .. } | Edit::Status { row, .. } | Edit::Cell { row, .. } => *row,
        })
        .collect();
    let before = row_cells(loaded, &touched);
    if !loaded.apply(&edits)? {
        return Ok(());
    }
    for (row, cells) in row_cells(loaded, &touched) {
        if before.get(&row) != Some(&cells)
            && let Some(outcome) = rows.get_mut(&ItemAt::new(index, row))
        {
            outcome.report_changed = true;
        }
    }
    Ok(())
}

/// The bytes of the item, ticket and status cells of `touched` rows.
fn row_cells(loaded: &LoadedReport, touched: &HashSet<usize>) -> HashMap<usize, Vec<u8>> {
    let bytes = loaded.report.bytes();
    loaded
        .report
        .items()
        .iter()
        .filter(|item| touched.contains(&item.row))
        .map(|item| {
            let mut cells = Vec::new();
            let status = item.status.current.as_ref().map(|cell| &cell.span);
            for span in [
                Some(&item.item.span),
                item.ticket.as_ref(),
                item.status_cell.as_ref(),
                status,
            ]
            .into_iter()
            .flatten()
            {
                cells.extend_from_slice(bytes.get(span.clone()).unwrap_or_default());
                cells.push(0);
            }
            // Owner and Due cells written back from Jira count as changes too.
            for (_, cell) in &item.extra {
                cells.extend_from_slice(bytes.get(cell.span.clone()).unwrap_or_default());
                cells.push(0);
            }
            cells.push(u8::from(item.checkbox.is_some_and(|c| c.checked)));
            (item.row, cells)
        })
        .collect()
}

/// One bulk create: journal first, then create, then write keys and save at once, so a crash
/// at any point leaves either a key in the report or a journal entry to reconcile.
#[allow(clippy::too_many_arguments)]
async fn create_chunk(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    journals: &mut [Journal],
    chunk: &[(ItemAt, NewIssue)],
    rows: &mut Rows,
    created_keys: &mut Vec<(ItemAt, IssueKey)>,
    ambiguous: &mut HashSet<ItemAt>,
    settle_later: &mut Vec<(usize, String, String)>,
) -> Result<(), Error> {
    let now = Utc::now();
    for (index, journal) in journals.iter_mut().enumerate() {
        let entries: Vec<PendingCreate> = chunk
            .iter()
            .filter(|(at, _)| at.report == index)
            .map(|(at, new)| PendingCreate {
                date_label: date_label(&reports[index]),
                summary: new.summary.clone(),
                sent_at: now,
                then_move: crate::sync::moves::words_to_move(&reports[index], at.row),
                parent: false,
            })
            .collect();
        if !entries.is_empty() {
            journal
                .record(entries)
                .map_err(|source| Error::io(reports[index].report.path(), source))?;
        }
    }
    let issues: Vec<NewIssue> = chunk.iter().map(|(_, new)| new.clone()).collect();
    let outcomes = engine.client.create_issues(&issues).await;
    let mut settled: Vec<(usize, String)> = Vec::new();
    let mut links: HashMap<usize, Vec<Edit>> = HashMap::new();
    for (&(at, ref new), outcome) in chunk.iter().zip(outcomes) {
        let (index, row) = (&at.report, &at.row);
        let Some(row_outcome) = rows.get_mut(&at) else {
            continue;
        };
        match outcome {
            CreateOutcome::Created { key, .. } => {
                links.entry(*index).or_default().push(Edit::Link {
                    row: *row,
                    key: key.to_string(),
                    url: engine.browse_url(&key),
                });
                row_outcome.key = Some(key.to_string());
                row_outcome.url = Some(engine.browse_url(&key));
                created_keys.push((at, key));
                settled.push((*index, new.summary.clone()));
            }
            CreateOutcome::Rejected { message } => {
                row_outcome.action = RowAction::Failed;
                row_outcome.error = Some(format!("Jira refused to create it: {message}"));
                settled.push((*index, new.summary.clone()));
            }
            CreateOutcome::Ambiguous { message } => {
                tracing::warn!("create of row {row} may or may not have happened: {message}");
                row_outcome.action = RowAction::Pending;
                row_outcome.error = Some(pending_message());
                ambiguous.insert(at);
            }
        }
    }
    // The keys are saved now (a crash may still lose them, but never a journal entry: those
    // are settled only after the reports' folders are synced, at the end of the run).
    for (index, edits) in links {
        apply_rows(&mut reports[index], index, edits, rows)?;
        reports[index].save_deferred()?;
    }
    for (index, summary) in settled {
        settle_later.push((index, date_label(&reports[index]), summary));
    }
    Ok(())
}

/// Makes every save of this run durable (one folder sync per folder), then settles the
/// journal entries whose keys those saves hold (one write per journal).
async fn settle_durably(
    reports: &mut [LoadedReport],
    journals: &mut [Journal],
    settle_later: Vec<(usize, String, String)>,
) -> Result<(), Error> {
    crate::sync::workspace::make_durable(reports).await?;
    for (index, journal) in journals.iter_mut().enumerate() {
        let done: Vec<(&str, &str)> = settle_later
            .iter()
            .filter(|(at, _, _)| *at == index)
            .map(|(_, label, summary)| (label.as_str(), summary.as_str()))
            .collect();
        journal
            .settle(done)
            .map_err(|source| Error::io(reports[index].report.path(), source))?;
    }
    Ok(())
}

/// One search per date label, all in flight at once (the client caps requests in flight).
async fn search_labels(
    engine: &Engine<'_>,
    labels: &[String],
) -> Result<Vec<(String, Vec<Issue>)>, JiraError> {
    // One `labels in (…)` search for many reports' labels (see `JiraClient::search_by_labels`).
    engine
        .client
        .search_by_labels(&engine.jira.project, labels)
        .await
}

/// Closes every duplicate of the plan: the label `pm-sync-duplicate`, then a transition to a
/// done status. A failure is a warning naming the ticket: the reports are right already.
async fn close_duplicates(engine: &Engine<'_>, plan: &Plan, transition: Option<&str>) {
    for duplicate in &plan.duplicates {
        let key = &duplicate.issue.key;
        let closed = async {
            engine
                .client
                .edit_issue(key, None, &["pm-sync-duplicate".to_owned()])
                .await?;
            let offered = engine.client.transitions(key).await?;
            let Some(chosen) = choose_transition(&offered, transition) else {
                let names: Vec<&str> = offered.iter().map(|t| t.name.as_str()).collect();
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
        match closed {
            Ok(None) => tracing::warn!("closed {key}, a duplicate of {}", duplicate.kept),
            Ok(Some(why)) => tracing::warn!("could not close duplicate {key}: {why}"),
            Err(error) => tracing::warn!("could not close duplicate {key}: {error}"),
        }
    }
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
async fn write_created_statuses(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    created: &[(ItemAt, IssueKey)],
    keep_words: &HashSet<ItemAt>,
    rows: &mut Rows,
) -> Result<(), Error> {
    if created.is_empty() {
        return Ok(());
    }
    let keys: Vec<IssueKey> = created.iter().map(|(_, key)| key.clone()).collect();
    let fetched = match engine.client.fetch_issues(&keys).await {
        Ok(fetched) => fetched,
        Err(error) => {
            // The keys are saved; the statuses arrive with the next sync or refresh.
            tracing::warn!("could not read the status of the created tickets: {error}");
            return Ok(());
        }
    };
    let statuses: HashMap<IssueKey, Issue> = fetched.found.into_iter().collect();
    let mut by_report: HashMap<usize, Vec<Edit>> = HashMap::new();
    for (ItemAt { report: index, row }, key) in created {
        let Some(issue) = statuses.get(key) else {
            continue;
        };
        let report = &reports[*index].report;
        let agree = report.item(*row).is_some_and(|item| {
            crate::sync::intent::words_agree(item, &issue.status, report.known_statuses())
        });
        if !agree && !keep_words.contains(&ItemAt::new(*index, *row)) {
            by_report.entry(*index).or_default().push(Edit::Status {
                row: *row,
                status: issue.status.name.clone(),
            });
        }
        if let Some(outcome) = rows.get_mut(&ItemAt::new(*index, *row)) {
            outcome.status = Some(issue.status.name.clone());
        }
    }
    for (index, edits) in by_report {
        apply_rows(&mut reports[index], index, edits, rows)?;
        reports[index].save_deferred()?;
    }
    Ok(())
}

/// Saves (or diffs, in a dry run) and gathers rows in plan order.
fn collect(
    command: &'static str,
    dry_run: bool,
    reports: &mut [LoadedReport],
    mut rows: Rows,
    plan: &Plan,
) -> RunOutcome {
    let mut outcome = RunOutcome {
        command,
        dry_run,
        reports: Vec::new(),
    };
    for (index, loaded) in reports.iter_mut().enumerate() {
        let items = plan
            .rows
            .iter()
            .filter(|row| row.report == index)
            .filter_map(|row| rows.remove(&ItemAt::new(index, row.row)))
            .collect();
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
            diff: dry_run.then(|| loaded.diff()),
            items,
        });
    }
    outcome
}

fn finish_report(
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
        diff: dry_run.then(|| loaded.diff()),
        items,
    }
}

fn missing_message() -> String {
    "Jira does not know this key (deleted, or not visible to this user); \
     fix or remove it in the report — pm-sync will not file the item again"
        .to_owned()
}

fn pending_message() -> String {
    "a create for this item was sent but its outcome is unknown, and Jira search does not show \
     the ticket yet; nothing was created again — run pm-sync sync again in a few minutes"
        .to_owned()
}

impl From<JiraError> for Error {
    fn from(error: JiraError) -> Self {
        Error::Jira(error)
    }
}
