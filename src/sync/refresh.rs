//! `pm-sync refresh`: every linked ticket's status read and written back, a batch of items at a
//! time, so a report of 100,000 rows never holds 100,000 tickets, outcomes of full width or
//! edits: only the splices that change bytes are kept until the report's one rewrite.

use std::collections::HashSet;
use std::time::Duration;

use crate::error::Error;
use crate::jira::model::{FetchedIssues, Issue, IssueKey};
use crate::report::model::{ActionItem, KnownStatuses};
use crate::sync::apply::{Engine, finish_report, learn_status, missing_message};
use crate::sync::outcome::{RowAction, RowOutcome, RunOutcome, SharedText, SharedTexts, ThinText};
use crate::sync::plan;
use crate::sync::workspace::LoadedReport;
use crate::sync::write_back::{CellRecords, Decisions};

/// Linked items read per batch, at least: their keys go out as parallel requests of 100 (no
/// more requests than reading them all at once), and Jira's answers (~1 KB a ticket) are let
/// go before the next batch. A batch is a whole number of rounds of the requests the client
/// sends at once (`[jira] concurrency` × 100 keys), so no round leaves a slot idle but the
/// last: as many round trips as reading every key at once.
const KEYS_AT_A_TIME: usize = 1_000;

/// The keys of one batch: [`KEYS_AT_A_TIME`] rounded up to whole rounds of `concurrency`
/// requests of 100 keys.
pub(super) fn keys_per_batch(concurrency: usize) -> usize {
    let round = concurrency.max(1) * crate::jira::BULK_FETCH_LIMIT;
    KEYS_AT_A_TIME.div_ceil(round) * round
}

/// `pm-sync refresh`: statuses only, read in batches; never creates or edits a ticket.
pub async fn refresh(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    dry_run: bool,
) -> Result<RunOutcome, Error> {
    let keys: usize = reports
        .iter()
        .flat_map(|loaded| loaded.report.iter_items())
        .filter(|item| item.key.is_some())
        .count();
    // Shown only on a terminal (the bar is hidden otherwise) and only for big reads.
    if keys > crate::jira::BULK_FETCH_LIMIT {
        engine.progress.set_length(keys as u64);
        engine.progress.set_message("reading tickets");
        engine
            .progress
            .enable_steady_tick(Duration::from_millis(120));
    }
    let mut statuses = Statuses::default();
    let mut cell_records: Vec<CellRecords> = if engine.company.write_back.any() {
        reports
            .iter()
            .map(|loaded| CellRecords::load(loaded.report.path()))
            .collect()
    } else {
        Vec::new()
    };
    let read = read_and_plan(engine, reports, &mut statuses, &mut cell_records).await;
    engine.progress.disable_steady_tick();
    // Each report's outcomes, in the order of its items.
    let outcomes = read?;
    let mut outcome = RunOutcome {
        command: "refresh",
        dry_run,
        reports: Vec::new(),
        unfinished: Vec::new(),
    };
    // Every changed report at once: flushes overlapped, one folder sync per folder.
    let mut saved = if dry_run {
        Vec::new()
    } else {
        crate::sync::workspace::save_all(reports)
    }
    .into_iter();
    if !dry_run {
        crate::sync::write_back::save(
            reports,
            &mut cell_records,
            &HashSet::new(),
            &Default::default(),
        );
    }
    // Pages get their one PUT each (files were made durable by the save).
    let mut first_error: Option<Error> = None;
    if !dry_run && let Err(error) = crate::sync::workspace::make_durable(reports).await {
        first_error = Some(error);
    }
    for (loaded, items) in reports.iter_mut().zip(outcomes) {
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
            .push(finish_report(engine, loaded, dry_run, written, items));
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(outcome),
    }
}

/// Reads the reports' tickets a batch of items at a time (a batch may span reports: one
/// request per 100 keys, as if all were read at once) and plans their rows' edits, then
/// rewrites each report once and gives each report's row outcomes, in the order of its items.
async fn read_and_plan(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    statuses: &mut Statuses,
    cell_records: &mut [CellRecords],
) -> Result<Vec<Vec<RowOutcome>>, Error> {
    let context = crate::sync::apply::plan_context(engine);
    let mut plans: Vec<crate::report::EditPlan> =
        reports.iter().map(|_| Default::default()).collect();
    let mut decided: Vec<Vec<Decided>> = reports
        .iter()
        .map(|loaded| Vec::with_capacity(loaded.report.item_count()))
        .collect();
    let mut next = (0, 0);
    loop {
        let batch = next_batch(reports, &mut next, keys_per_batch(engine.jira.concurrency));
        if batch.is_empty() {
            break;
        }
        let items = || batch.iter().flat_map(|(_, items)| items);
        let keys: Vec<IssueKey> = items()
            .filter_map(|item| item.key.as_deref().and_then(IssueKey::parse))
            .collect();
        let fetched = if keys.is_empty() {
            FetchedIssues::default()
        } else {
            engine.client.fetch_issues_undated(&keys).await?
        };
        engine.progress.inc(keys.len() as u64);
        drop(keys);
        statuses
            .learn(engine, fetched.found().map(|(_, issue)| &**issue), items())
            .await?;
        let found = Found::index(&fetched);
        for (index, items) in &batch {
            let loaded = &mut reports[*index];
            loaded.report.set_known_statuses(statuses.known.clone());
            let records = cell_records
                .get_mut(*index)
                .filter(|_| matches!(loaded.home, crate::home::Home::File(_)));
            plan_items(
                engine,
                &context,
                loaded,
                items,
                &found,
                records,
                &mut plans[*index],
                &mut decided[*index],
                &mut statuses.shared,
            )?;
        }
    }
    let mut outcomes = Vec::with_capacity(reports.len());
    for ((loaded, plan), decided) in reports.iter_mut().zip(plans).zip(decided) {
        loaded.apply_plan(plan)?;
        // Every report knows every status read, as a sync's reports do.
        loaded.report.set_known_statuses(statuses.known.clone());
        outcomes.push(row_outcomes(loaded, decided, &mut statuses.shared));
    }
    Ok(outcomes)
}

/// What refresh decided for one row, kept until its report is rewritten: the row's own texts
/// (summary, key and status as written) are then read back from the rewritten report, so a
/// refresh of 100,000 rows holds 32 bytes a row while it reads and rewrites, not an outcome.
struct Decided {
    row: u32,
    action: RowAction,
    /// Whether its edits change the report's bytes.
    changed: bool,
    /// Jira's status, for a linked row.
    status: Option<SharedText>,
    /// What few rows have (boxed: most rows have neither).
    rare: Option<Box<Rare>>,
}

/// What few rows refresh decides: a moved ticket's key, a warning.
#[derive(Default)]
struct Rare {
    /// Jira's key, for a linked row whose ticket's key is not the one written (it moved).
    moved_to: Option<Box<str>>,
    warning: Option<Box<str>>,
}

/// The outcome of every row of `loaded` (rewritten) from what was `decided` for it.
fn row_outcomes(
    loaded: &LoadedReport,
    mut decided: Vec<Decided>,
    shared: &mut SharedTexts,
) -> Vec<RowOutcome> {
    /// Decisions let go, and room for outcomes made, this many at a time: the two lists are
    /// never both whole (a big block grows and shrinks in place).
    const RELEASE_EVERY: usize = 8_192;
    let mut outcomes = Vec::new();
    // Edits never add or remove an item: the rewritten report has the same rows, in order.
    let mut items = loaded.report.iter_items().peekable();
    // A file's rows show their summaries and keys from the report when printed.
    let stays = loaded.rows_stay();
    // Taken from the end, so the list can shrink as it is used.
    decided.reverse();
    while let Some(decided_row) = decided.pop() {
        if outcomes.len() == outcomes.capacity() {
            decided.shrink_to_fit();
            outcomes.reserve_exact(RELEASE_EVERY.min(decided.len() + 1));
        }
        let decided = decided_row;
        let row = decided.row as usize;
        while items.next_if(|item| item.row < row).is_some() {}
        let item = items.next_if(|item| item.row == row);
        let linked = decided.status.is_some();
        let Rare { moved_to, warning } = decided.rare.map(|rare| *rare).unwrap_or_default();
        let mut outcome = RowOutcome::new(
            crate::sync::outcome::row_number(row),
            item.as_ref()
                .map_or(0, |item| crate::sync::outcome::row_number(item.line)),
            decided.action,
        );
        // Read from the rewritten report when shown, not copied for every row.
        if !(stays && item.is_some()) {
            outcome.set_summary(item.as_ref().map_or("", |item| item.summary()).into());
        }
        outcome.key_in_report =
            stays && moved_to.is_none() && item.as_ref().is_some_and(|item| item.key.is_some());
        outcome.set_key(moved_to.map(ThinText::from).or_else(|| {
            (!stays)
                .then(|| item.as_ref()?.key.as_deref().map(ThinText::from))
                .flatten()
        }));
        outcome.shows_url = linked;
        outcome.status = decided.status.or_else(|| {
            let text = item.as_ref()?.status_text();
            (!text.is_empty()).then(|| shared.get(text))
        });
        outcome.report_changed = decided.changed;
        outcome.set_error((decided.action == RowAction::Missing).then(missing_message));
        outcome.set_warning(warning.map(SharedText::from));
        outcomes.push(outcome);
    }
    outcomes
}

/// The next items to read, by report, from `next` (report index, item index) on: up to
/// `limit` linked items, and at most four times as many in all.
fn next_batch(
    reports: &[LoadedReport],
    next: &mut (usize, usize),
    limit: usize,
) -> Vec<(usize, Vec<ActionItem>)> {
    let mut batch = Vec::new();
    let (mut keys, mut taken) = (0, 0);
    while let Some(loaded) = reports.get(next.0) {
        let mut items = Vec::new();
        for item in loaded.report.iter_items_from(next.1) {
            if keys == limit || taken == 4 * limit {
                break;
            }
            keys += usize::from(item.key.is_some());
            taken += 1;
            items.push(item);
        }
        next.1 += items.len();
        if !items.is_empty() {
            batch.push((next.0, items));
        }
        if next.1 < loaded.report.item_count() {
            break;
        }
        *next = (next.0 + 1, 0);
    }
    batch
}

/// A batch's answers by the key asked (as written, matched case aside, as Jira does).
struct Found<'f> {
    sorted: Vec<(&'f str, &'f Issue)>,
}

impl<'f> Found<'f> {
    fn index(fetched: &'f FetchedIssues) -> Found<'f> {
        let mut sorted: Vec<(&str, &Issue)> = fetched
            .found()
            .map(|(asked, issue)| (asked.as_str(), &**issue))
            .collect();
        sorted.sort_unstable_by(|a, b| cmp_keys(a.0, b.0));
        Found { sorted }
    }

    /// The ticket `item` links, if Jira knows its key.
    fn of(&self, item: &ActionItem) -> Option<&'f Issue> {
        let key = IssueKey::parse(item.key.as_deref()?)?;
        let at = self
            .sorted
            .binary_search_by(|(asked, _)| cmp_keys(asked, key.as_str()))
            .ok()?;
        Some(self.sorted[at].1)
    }
}

/// What is decided for each item, and its link and status edits planned into `edits` (with
/// the Owner and Due cells when `[report] write_back` asks for them).
#[allow(clippy::too_many_arguments)]
fn plan_items(
    engine: &Engine<'_>,
    context: &plan::PlanContext<'_>,
    loaded: &mut LoadedReport,
    items: &[ActionItem],
    found: &Found<'_>,
    mut records: Option<&mut CellRecords>,
    edits: &mut crate::report::EditPlan,
    decisions: &mut Vec<Decided>,
    shared: &mut SharedTexts,
) -> Result<(), Error> {
    for item in items {
        let mut outcome = Decided {
            row: u32::try_from(item.row).unwrap_or(u32::MAX),
            action: RowAction::Linked,
            changed: false,
            status: None,
            rare: None,
        };
        match (&item.key, found.of(item)) {
            (None, _) => outcome.action = RowAction::Unlinked,
            (Some(_), Some(issue)) => {
                let mut row_edits =
                    plan::item_edits(item, issue, loaded.report.known_statuses(), context);
                if let Some(records) = records.as_deref_mut() {
                    let mut decided = Decisions::default();
                    crate::sync::write_back::decide(
                        engine.company,
                        item,
                        issue,
                        records,
                        false,
                        &mut decided,
                    );
                    row_edits.extend(decided.edits.into_iter().map(|(_, edit)| edit));
                    let warning = decided
                        .warnings
                        .into_iter()
                        .map(|(_, w)| w)
                        .reduce(|a, b| format!("{a}; {b}"))
                        .map(String::into_boxed_str);
                    if warning.is_some() {
                        outcome.rare.get_or_insert_default().warning = warning;
                    }
                }
                outcome.changed = loaded.plan_edits(edits, &row_edits)?;
                outcome.status = Some(shared.get(&issue.status.name));
                if item.key.as_deref() != Some(issue.key.as_str()) {
                    outcome.rare.get_or_insert_default().moved_to = Some(issue.key.as_str().into());
                }
            }
            // Jira does not know the key (or it is no key at all).
            (Some(_), None) => outcome.action = RowAction::Missing,
        }
        decisions.push(outcome);
    }
    Ok(())
}

/// Keys compared as Jira does: case aside.
fn cmp_keys(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|b| b.to_ascii_uppercase())
        .cmp(b.bytes().map(|b| b.to_ascii_uppercase()))
}

/// The status names Jira knows, learned as tickets are read: a status a person wrote (a note,
/// a link, `N/A`) is never taken for one pm-sync may overwrite. The tickets' own statuses
/// usually explain every status text; the site's list is read (one request) the first time
/// one does not, and then explains every status there is, so a row is judged as it would be
/// with every ticket read first.
#[derive(Default)]
struct Statuses {
    known: KnownStatuses,
    site_read: bool,
    /// Status texts shared by the rows showing them.
    shared: SharedTexts,
}

impl Statuses {
    async fn learn<'i>(
        &mut self,
        engine: &Engine<'_>,
        issues: impl Iterator<Item = &'i Issue>,
        mut items: impl Iterator<Item = &'i ActionItem>,
    ) -> Result<(), Error> {
        for issue in issues {
            learn_status(&mut self.known, &issue.status);
        }
        let unexplained = items
            .any(|item| !item.status_text().is_empty() && !self.known.knows(item.status_text()));
        if unexplained && !self.site_read {
            self.site_read = true;
            for status in engine.client.statuses().await? {
                learn_status(&mut self.known, &status);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_whole_rounds_of_the_requests_in_flight() {
        assert_eq!(keys_per_batch(1), 1_000);
        assert_eq!(keys_per_batch(4), 1_200);
        assert_eq!(keys_per_batch(32), 3_200);
    }

    #[test]
    fn what_refresh_keeps_per_row_while_it_rewrites_is_32_bytes() {
        assert!(std::mem::size_of::<Decided>() <= 32);
    }
}
