//! `pm-sync sync` as a run of named phases (read, plan, recheck held, prepare, then parents,
//! update, create, find lost, write back, settle), in the order crash safety needs.

use std::collections::{HashMap, HashSet};

use crate::error::Error;
use crate::jira::BULK_CREATE_LIMIT;
use crate::jira::model::Issue;
use crate::sync::apply::{
    Engine, Rows, UnsavedKeys, apply_and_save, apply_rows, apply_updates, check_project,
    close_duplicates, collect, create_chunk, creates_at, date_label, finish_dry_run,
    held_by_journal, initial_rows, labels_of_unlinked, learn_statuses, make_plan, managed_rows,
    pending_message, read_linked, search_is_consistent, search_labels, settle_durably,
    settle_saved, wait_for_search, write_created_keys, write_created_statuses,
};
use crate::sync::journal::Journal;
use crate::sync::outcome::{RowAction, RunOutcome};
use crate::sync::plan::{self, ItemAt, Plan, Ticket, TrackerState};
use crate::sync::workspace::LoadedReport;

/// How many times, at most, a big run writes and saves the keys it created (besides the end):
/// a save rewrites the whole report, so a fixed number of them keeps a run linear in rows.
const SAVES_PER_RUN: usize = 8;

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
        for (label, found) in search_labels(engine, &labels_needed, &state).await? {
            state.by_label.insert(label, found);
        }
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
        let (checked, found) = tokio::join!(checked, search_labels(engine, &labels_needed, &state));
        screen = checked?;
        for (label, found) in found? {
            state.by_label.insert(label, found);
        }
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
    /// Warnings for rows found while preparing, until the rows' outcomes are made.
    row_warnings: Vec<(ItemAt, crate::sync::outcome::SharedText)>,
    /// `[report] write_back`: what pm-sync last saw of each cell it writes back.
    cell_records: Vec<crate::sync::write_back::CellRecords>,
    rows: Rows,
    created_keys: crate::sync::created::CreatedKeys,
    /// Creates of this run whose keys are saved, as (report, place in its journal): their
    /// journal entries settle at the end.
    settle_created: Vec<(usize, usize)>,
    /// Rows whose create's response was lost.
    ambiguous: HashSet<ItemAt>,
    /// What was asked beyond the rows and left undone (duplicates not closed).
    unfinished: Vec<String>,
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
                // Before any Jira write, and the fix is beside the report: exit 2, like a bad
                // report (a journal that is not one, or not a regular file).
                journal.map_err(|source: std::io::Error| {
                    Error::config(
                        format!(
                            "{}: cannot use its pm-sync journal {}: {source}",
                            loaded.report.path().display(),
                            loaded.home.journal_path().display()
                        ),
                        "nothing was sent to Jira; if no pm-sync run is active, check Jira for \
                         tickets of the report's items, then delete the journal",
                    )
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let mut settle_later = Vec::new();
        let parents = crate::sync::parent::take_found(engine.company, reports, &mut state);
        let plan = make_plan(engine, reports, &state);
        // Creates an earlier run sent without recording the key: found before creating again.
        let held = held_by_journal(
            &plan,
            reports,
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
            row_warnings: Vec::new(),
            cell_records: Vec::new(),
            rows: Rows::new(),
            created_keys: Default::default(),
            settle_created: Vec::new(),
            unfinished: Vec::new(),
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
        let (plan, reports) = (&self.plan, &*self.reports);
        let summary =
            |row: &plan::RowPlan| row.summary_in(&reports[row.report()].report).into_owned();
        let creates = creates_at(plan);
        for row in &plan.rows {
            let at = row.at();
            if held.contains(&at) && !creates.contains(&at) {
                self.settled_held.push((row.report(), summary(row)));
            }
        }
        if search_is_consistent(engine).await? {
            // Their journal entries are replaced by this run's creates.
            for row in &plan.rows {
                if held.contains(&row.at()) && creates.contains(&row.at()) {
                    self.settled_held.push((row.report(), summary(row)));
                }
            }
            held.clear();
        } else {
            held.retain(|at| creates.contains(at));
        }
        Ok(())
    }

    /// Phase 4, prepare: moves owed by the journal, the extra create fields (config, front
    /// matter, Owner/Due/Priority cells: exit 2 here, before the first write, when Jira would
    /// refuse a value), the cells written back from Jira, the field updates, and the rows'
    /// first outcomes with their warnings (a dry run makes them as it ends). Last before
    /// writing, since it reads the final plan.
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
        self.warn_duplicates();
        crate::sync::copies::warn_foreign(reports, &self.plan, &self.state);
        // Jira's side as read is needed again only to find lost creates: a run that creates
        // nothing, or only previews, lets its maps of tickets go before its rows' outcomes are
        // made (the plan's rows keep the tickets they link; a scheduled sync of 100,000 linked
        // rows held both).
        if self.dry_run || self.plan.creates().next().is_none() {
            self.state = TrackerState::default();
        }
        self.row_warnings = warnings.into_rows().collect();
        // A dry run makes each row's outcome as it lets the plan go (`finish_dry_run`).
        if !self.dry_run {
            self.rows = initial_rows(reports, &self.plan);
            note_on_rows(
                &mut self.rows,
                std::mem::take(&mut self.row_warnings),
                &self.field_updates,
            );
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
    fn finish_dry_run(mut self) -> RunOutcome {
        crate::sync::parent::tell_dry_run(
            self.engine.company,
            self.reports,
            &self.plan,
            &self.parents,
        );
        let warnings = std::mem::take(&mut self.row_warnings);
        let field_updates = &self.field_updates;
        finish_dry_run(
            self.engine,
            self.reports,
            &mut self.plan,
            &self.held,
            |rows| note_on_rows(rows, warnings, field_updates),
        )
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
        // Each row's edits planned as they are (no copy of every row's edits), each report
        // rewritten once.
        for (index, loaded) in self.reports.iter_mut().enumerate() {
            let mut edited: Vec<&plan::RowPlan> = (self.plan.rows.iter())
                .filter(|r| r.report() == index && !r.edits.is_empty())
                .collect();
            if edited.is_empty() {
                // Whatever this run changed in it before is saved here, as ever.
                loaded.save_deferred()?;
                continue;
            }
            if !edited.is_sorted_by_key(|r| r.row()) {
                edited.sort_by_key(|r| r.row());
            }
            let mut calls = edited.into_iter().map(|r| r.edits.to_vec());
            apply_and_save(loaded, index, &mut calls, &mut self.rows)?;
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
        let (held, blocked) = (&self.held, &self.blocked);
        let to_create = |row: &plan::RowPlan| {
            matches!(row.ticket, Ticket::Create(_))
                && !held.contains(&row.at())
                && !blocked.contains(&row.at())
        };
        let total = self.plan.rows.iter().filter(|row| to_create(row)).count();
        // A bar only for runs big enough to wait on (more than one bulk create).
        let show_progress = total > BULK_CREATE_LIMIT;
        if show_progress {
            engine.progress.set_length(total as u64);
            engine.progress.set_position(0);
            engine.progress.set_message("creating tickets");
        }
        // A group is as many bulk creates as may be in flight at once: journaled together and
        // sent together. Their keys are written and saved after each group, or, in a big run,
        // after as many groups as make an eighth of it: each write splices and parses the
        // whole report and each save rewrites it, so a save per group was groups × report
        // size (quadratic in rows). Keys not yet saved are in the journal, which is what
        // makes a crash safe either way (the next run finds their tickets by search).
        let group = BULK_CREATE_LIMIT * engine.jira.concurrency.max(1);
        let save_every = group.max(total.div_ceil(SAVES_PER_RUN));
        // A run of many groups also settles each save's journal entries as it goes (see
        // `settle_saved`; a folder sync, a journal flush, and maybe one more folder sync to
        // delete the emptied journal and make it again): at least four groups per save keep
        // the run within two flushes per group, plus four. Pages are settled at the end only
        // (each settle of a page would publish a version of it).
        let groups = total.div_ceil(group);
        let settle_as_saved = groups >= 4 * SAVES_PER_RUN
            && self
                .reports
                .iter()
                .all(|loaded| matches!(loaded.home, crate::home::Home::File(_)));
        // A run that settles as it saves holds a save's creates to settle, not the run's.
        if !settle_as_saved {
            self.settle_created.reserve(total);
        }
        let mut unsaved = UnsavedKeys::default();
        // The plan's rows are taken a group at a time and let go once sent: a run of 100,000
        // creates does not hold its plan while it saves keys and writes statuses back. Only
        // the rows whose report links move are read again (phase 10).
        let mut plan_rows = crate::freeing::take_freeing(std::mem::take(&mut self.plan.rows));
        let mut kept = Vec::new();
        let mut chunk: Vec<plan::RowPlan> = Vec::with_capacity(group.min(total));
        loop {
            chunk.clear();
            for row in plan_rows.by_ref() {
                if crate::sync::links::moves_link(&row) {
                    kept.push(row);
                } else if to_create(&row) {
                    chunk.push(row);
                    if chunk.len() == group {
                        break;
                    }
                }
            }
            if chunk.is_empty() {
                break;
            }
            let sending: Vec<(&plan::RowPlan, &plan::NewTicket)> = chunk
                .iter()
                .filter_map(|row| match &row.ticket {
                    Ticket::Create(new) => Some((row, &**new)),
                    _ => None,
                })
                .collect();
            let sent = create_chunk(
                engine,
                self.reports,
                &mut self.journals,
                &sending,
                &mut self.rows,
                &mut self.created_keys,
                &mut self.ambiguous,
                &mut unsaved,
            )
            .await;
            if sent.is_err() || unsaved.answered >= save_every {
                // A run that stops here reads its files back, as at the end.
                write_created_keys(
                    engine,
                    self.reports,
                    &mut unsaved,
                    &mut self.created_keys,
                    &mut self.rows,
                    &mut self.settle_created,
                    sent.is_err(),
                )?;
                if settle_as_saved && sent.is_ok() {
                    settle_saved(self.reports, &mut self.journals, &mut self.settle_created)
                        .await?;
                }
            }
            sent?;
            if show_progress {
                engine.progress.inc(chunk.len() as u64);
            }
        }
        drop(chunk);
        self.plan.rows = kept;
        write_created_keys(
            engine,
            self.reports,
            &mut unsaved,
            &mut self.created_keys,
            &mut self.rows,
            &mut self.settle_created,
            true,
        )?;
        // The last stretch too, now rather than at the end: its journal entries (a summary
        // each) are not held while the statuses are read and written.
        if settle_as_saved {
            settle_saved(self.reports, &mut self.journals, &mut self.settle_created).await?;
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
        apply_rows(loaded, at.report, &edits, &mut self.rows)?;
        if let Some(row) = self.rows.get_mut(&at) {
            row.action = RowAction::Created;
            row.set_key(Some(issue.key.as_str().into()));
            row.shows_url = true;
            row.status = Some(issue.status.name.clone());
            row.set_error(None);
        }
        self.settle_later.push((
            at.report,
            date_label(loaded),
            row_plan.summary_in(&loaded.report).into_owned(),
        ));
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
        let (moved_only, keep_words) = crate::sync::moves::after_creates(
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
            self.created_keys.iter().chain(moved_only),
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
        let settle_created = std::mem::take(&mut self.settle_created);
        settle_durably(
            self.reports,
            &mut self.journals,
            settle_later,
            settle_created,
        )
        .await?;
        let failed: HashSet<ItemAt> = self
            .rows
            .iter()
            .filter(|(_, row)| row.action == RowAction::Failed)
            .map(|(at, _)| at)
            .collect();
        crate::sync::write_back::save(
            self.reports,
            &mut self.cell_records,
            &failed,
            &self.created_keys,
        );
        crate::sync::links::link_back(self.engine, self.reports, &self.plan, &self.rows).await;
        if let Duplicates::Close(transition) = &self.duplicates {
            self.unfinished =
                close_duplicates(self.engine, &self.plan, transition.as_deref()).await;
        }
        for at in &self.held {
            if let Some(row) = self.rows.get_mut(at) {
                row.action = RowAction::Pending;
                row.set_error(Some(pending_message()));
            }
        }
        Ok(())
    }

    /// The run's outcome: every report's rows in plan order.
    fn finish(self) -> RunOutcome {
        let mut outcome = collect(self.engine, "sync", false, self.reports, self.rows);
        outcome.unfinished = self.unfinished;
        outcome
    }
}

/// Puts on the rows' outcomes what preparing found: each row's warnings, and what the field
/// updates change on its ticket.
fn note_on_rows(
    rows: &mut Rows,
    warnings: Vec<(ItemAt, crate::sync::outcome::SharedText)>,
    field_updates: &[crate::sync::fields::FieldUpdate],
) {
    for (at, warning) in warnings {
        if let Some(row) = rows.get_mut(&at) {
            row.set_warning(Some(warning));
        }
    }
    for update in field_updates {
        if let Some(row) = rows.get_mut(&update.at) {
            row.updated.extend(update.what.iter().copied());
        }
    }
}
