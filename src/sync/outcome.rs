//! What a sync or refresh did, row by row: the data every output format renders.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

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

/// One action item's result. A run of 100,000 rows holds 100,000 of these until it prints
/// them, so a row is 32 bytes: a status is shared by the rows showing it, the ticket's URL is
/// the site's browse prefix (one per report, [`ReportOutcome::browse`]) followed by the key,
/// and what few rows have (a summary or key of their own, an error, a warning) is behind one
/// pointer, null for the others.
#[derive(Debug, Clone)]
pub struct RowOutcome {
    /// Body row number within the table (1-based, template rows counted).
    pub row: u32,
    /// Line of the row in the file (1-based).
    pub line: u32,
    pub action: RowAction,
    /// Whether the row's ticket is the key its report's item links when the run ends (a key
    /// this run wrote, or one the report already showed as Jira has it): read from there
    /// when shown, not held by every row until then. See [`ReportOutcome::key`].
    pub key_in_report: bool,
    /// Whether the row links its ticket, shown with its URL (the report's
    /// [`ReportOutcome::browse`] and the key).
    pub shows_url: bool,
    /// Whether the report's cells for this row changed (status refreshed, key written).
    pub report_changed: bool,
    /// What was changed on an existing ticket: `"labels"`, `"summary"`, ...
    pub updated: Updated,
    /// The ticket's status as written into the report.
    pub status: Option<SharedText>,
    /// What few rows have: see [`RowOutcome::own_summary`], [`RowOutcome::own_key`],
    /// [`RowOutcome::error`], [`RowOutcome::warning`].
    notes: Option<Box<RowNotes>>,
}

/// The parts of a row's outcome most rows of a big run lack.
#[derive(Debug, Clone, Default)]
struct RowNotes {
    summary: Option<SharedText>,
    key: Option<ThinText>,
    error: Option<ThinText>,
    warning: Option<SharedText>,
}

impl RowOutcome {
    /// A row's outcome with nothing to show but where it is and what happened: its summary
    /// and key are its item's (see [`RowOutcome::own_summary`] and
    /// [`RowOutcome::key_in_report`]) until set.
    pub fn new(row: u32, line: u32, action: RowAction) -> Self {
        RowOutcome {
            row,
            line,
            action,
            key_in_report: false,
            shows_url: false,
            report_changed: false,
            updated: Updated::default(),
            status: None,
            notes: None,
        }
    }

    fn notes_mut(&mut self) -> &mut RowNotes {
        self.notes.get_or_insert_default()
    }

    /// The row's own summary; `None`: the summary of the item in the row's place, as its
    /// report holds it when the run ends ([`ReportOutcome::summary`]): a sync of 100,000
    /// rows, whose every row is an item of a report it holds anyway, keeps no copy of every
    /// summary until it prints them.
    pub fn own_summary(&self) -> Option<&str> {
        self.notes.as_ref()?.summary.as_deref()
    }

    /// Shows `summary` rather than the item's.
    pub fn set_summary(&mut self, summary: SharedText) {
        self.notes_mut().summary = Some(summary);
    }

    /// The row's own ticket key, when it has one to show other than its item's (see
    /// [`RowOutcome::key_in_report`]).
    pub fn own_key(&self) -> Option<&str> {
        self.notes.as_ref()?.key.as_deref()
    }

    /// Shows `key` as the row's ticket (`None`: none of its own).
    pub fn set_key(&mut self, key: Option<ThinText>) {
        if key.is_some() || self.notes.is_some() {
            self.notes_mut().key = key;
        }
    }

    /// Why the row failed or is pending.
    pub fn error(&self) -> Option<&str> {
        self.notes.as_ref()?.error.as_deref()
    }

    /// Sets why the row failed or is pending (`None`: it did not).
    pub fn set_error(&mut self, error: Option<ThinText>) {
        if error.is_some() || self.notes.is_some() {
            self.notes_mut().error = error;
        }
    }

    /// Something the user should know about a row that did not fail: why its new ticket is
    /// unassigned, that Jira refused to label a ticket of another team's project. Only in
    /// JSON when present.
    pub fn warning(&self) -> Option<&SharedText> {
        self.notes.as_ref()?.warning.as_ref()
    }

    /// Takes the row's warning out, leaving none.
    pub fn take_warning(&mut self) -> Option<SharedText> {
        self.notes.as_mut()?.warning.take()
    }

    /// Adds `warning` after what the row was already warned of (an owner nobody can
    /// assign...), joined by `; `.
    pub fn add_warning(&mut self, warning: String) {
        let joined = match self.take_warning() {
            Some(earlier) => format!("{earlier}; {warning}"),
            None => warning,
        };
        self.set_warning(Some(joined.into()));
    }

    /// Sets the row's warning (`None`: none).
    pub fn set_warning(&mut self, warning: Option<SharedText>) {
        if warning.is_some() || self.notes.is_some() {
            self.notes_mut().warning = warning;
        }
    }
}

/// A row or line number as an outcome keeps it (a report of over 4 billion lines cannot be
/// read: reports are refused past 4 GiB).
pub fn row_number(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub use crate::thin::{SharedText, Thin, ThinText};

/// What a run changed on an existing ticket, as a set of the words naming it (a byte per row,
/// not a list): listed in the order a run makes the changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Updated(u8);

impl Updated {
    /// Every word, in the order a run changes them: labels and summary, the planning fields,
    /// then a move to another status.
    const WORDS: [&'static str; 6] = [
        "labels", "summary", "due date", "priority", "assignee", "status",
    ];

    fn bit(word: &str) -> u8 {
        let place = Self::WORDS.iter().position(|known| *known == word);
        debug_assert!(place.is_some(), "an update word not listed: {word}");
        place.map_or(0, |n| 1 << n)
    }

    /// Adds `word`: `labels`, `summary`, `due date`, `priority`, `assignee` or `status`.
    pub fn push(&mut self, word: &str) {
        self.0 |= Self::bit(word);
    }

    /// Adds every word of `words`.
    pub fn extend<'w>(&mut self, words: impl IntoIterator<Item = &'w str>) {
        for word in words {
            self.push(word);
        }
    }

    /// Keeps the words `keep` says yes to.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        for word in Self::WORDS {
            if !keep(word) {
                self.0 &= !Self::bit(word);
            }
        }
    }

    /// Whether nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Forgets every change.
    pub fn clear(&mut self) {
        self.0 = 0;
    }

    /// The words, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        Self::WORDS
            .into_iter()
            .enumerate()
            .filter(|(n, _)| self.0 & (1 << n) != 0)
            .map(|(_, word)| word)
    }

    /// The words joined by `separator`.
    pub fn join(&self, separator: &str) -> String {
        self.iter().collect::<Vec<_>>().join(separator)
    }
}

impl Serialize for Updated {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl RowOutcome {
    /// The row's ticket, with `report` the report it is a row of (as the run left it, or as it
    /// is mid-run, once its key is written): its own key, else its item's.
    pub fn key_in<'a>(&'a self, report: &crate::report::Report) -> Option<Cow<'a, str>> {
        match self.own_key() {
            Some(key) => Some(Cow::Borrowed(key)),
            None if self.key_in_report => report
                .item(self.row as usize)
                .and_then(|item| item.key)
                .map(Cow::Owned),
            None => None,
        }
    }
}

/// A row as JSON: the row with its summary, read from its report's items when it has none of
/// its own.
struct RowJson<'a> {
    row: &'a RowOutcome,
    summary: Cow<'a, str>,
    key: Option<Cow<'a, str>>,
    url: Option<String>,
}

impl Serialize for RowJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let RowJson {
            row: this,
            summary,
            key,
            url,
        } = self;
        let fields = if this.warning().is_some() { 11 } else { 10 };
        let mut row = serializer.serialize_struct("RowOutcome", fields)?;
        row.serialize_field("row", &this.row)?;
        row.serialize_field("line", &this.line)?;
        row.serialize_field("summary", &**summary)?;
        row.serialize_field("action", &this.action)?;
        row.serialize_field("key", key)?;
        row.serialize_field("url", url)?;
        row.serialize_field("status", &this.status.as_deref())?;
        row.serialize_field("updated", &this.updated)?;
        row.serialize_field("report_changed", &this.report_changed)?;
        row.serialize_field("error", &this.error())?;
        if let Some(warning) = this.warning() {
            row.serialize_field("warning", warning)?;
        }
        row.end()
    }
}

/// Texts many rows show (status names), one copy each.
#[derive(Debug, Default)]
pub struct SharedTexts {
    texts: std::collections::HashSet<SharedText>,
}

impl SharedTexts {
    /// `text`, shared with every earlier row that showed it.
    pub fn get(&mut self, text: &str) -> SharedText {
        if let Some(shared) = self.texts.get(text) {
            return shared.clone();
        }
        let shared = SharedText::from(text);
        self.texts.insert(shared.clone());
        shared
    }
}

/// One report's result.
#[derive(Debug, Clone)]
pub struct ReportOutcome {
    pub path: PathBuf,
    /// Whether the file was rewritten (false when nothing changed, and in dry runs).
    pub written: bool,
    /// The labels its tickets carry (`sync` only), e.g. `["sev1_20200414", "sev1"]`.
    pub labels: Option<Vec<String>>,
    /// The severity the labels use when the report names none (`[labels] severity`, `sev1`
    /// unless set): said at default verbosity, never a silent fallback.
    pub default_severity: Option<String>,
    /// Unified diff of the report (dry runs only; empty when nothing would change).
    pub diff: Option<Diff>,
    pub items: Vec<RowOutcome>,
    /// The report's items as the run left them, whose summaries rows without their own
    /// show.
    pub item_texts: Option<crate::report::ItemTexts>,
    /// `{url}/browse/` of the Jira site: a row's ticket URL is this and its key (see
    /// [`RowOutcome::shows_url`]).
    pub browse: Option<Arc<String>>,
}

impl ReportOutcome {
    /// The summary `row` (one of [`ReportOutcome::items`]) shows: its own, or its item's.
    pub fn summary<'a>(&'a self, row: &'a RowOutcome) -> Cow<'a, str> {
        match row.own_summary() {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(
                self.item_texts
                    .as_ref()
                    .and_then(|texts| texts.summary(row.row as usize))
                    .unwrap_or_default(),
            ),
        }
    }

    /// The ticket `row` shows: its own key, or its item's (see [`RowOutcome::key_in_report`]).
    pub fn key<'a>(&'a self, row: &'a RowOutcome) -> Option<Cow<'a, str>> {
        match row.own_key() {
            Some(key) => Some(Cow::Borrowed(key)),
            None if row.key_in_report => self
                .item_texts
                .as_ref()?
                .key(row.row as usize)
                .map(Cow::Owned),
            None => None,
        }
    }

    /// The URL of the ticket `row` shows, when it links one.
    pub fn url(&self, row: &RowOutcome) -> Option<String> {
        let browse = self.browse.as_deref().filter(|_| row.shows_url)?;
        Some(format!("{browse}{}", self.key(row)?))
    }
}

impl Serialize for ReportOutcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let optional = [
            self.labels.is_some(),
            self.default_severity.is_some(),
            self.diff.is_some(),
        ];
        let fields = 3 + optional.iter().filter(|present| **present).count();
        let mut report = serializer.serialize_struct("ReportOutcome", fields)?;
        report.serialize_field("path", &self.path)?;
        report.serialize_field("written", &self.written)?;
        if let Some(labels) = &self.labels {
            report.serialize_field("labels", labels)?;
        }
        if let Some(severity) = &self.default_severity {
            report.serialize_field("default_severity", severity)?;
        }
        if let Some(diff) = &self.diff {
            report.serialize_field("diff", diff)?;
        }
        // Each row's summary read as the row is written, not all first.
        let rows = RowsJson(self);
        report.serialize_field("items", &rows)?;
        report.end()
    }
}

/// A report's rows as a JSON list, each with its summary.
struct RowsJson<'a>(&'a ReportOutcome);

impl Serialize for RowsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.items.iter().map(|row| {
            let key = self.0.key(row);
            let url = self.0.url(row);
            RowJson {
                row,
                summary: self.0.summary(row),
                key,
                url,
            }
        }))
    }
}

/// A dry run's diff of one report, written as it is shown (text or JSON), never held as one
/// string: the report's change, with the stand-in keys of tickets to come shown as their
/// placeholders and the stand-in status as `(status)`.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    change: Option<crate::report::Change>,
    stand_ins: Option<Arc<crate::sync::preview::StandIns>>,
}

impl Diff {
    /// The diff of `change` (`None`: nothing changes).
    pub fn new(change: Option<crate::report::Change>) -> Diff {
        Diff {
            change,
            stand_ins: None,
        }
    }

    /// Shows the stand-in keys of `stand_ins` as their placeholders.
    pub(crate) fn swap_stand_ins(&mut self, stand_ins: Arc<crate::sync::preview::StandIns>) {
        self.stand_ins = Some(stand_ins);
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.change.is_none()
    }
}

impl std::fmt::Display for Diff {
    /// The diff, ending with a line end; nothing when empty.
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(change) = &self.change else {
            return Ok(());
        };
        match &self.stand_ins {
            None => change.write_to(out),
            Some(stand_ins) => {
                let mut swapping = crate::sync::preview::SwapLines::new(out, stand_ins);
                change.write_to(&mut swapping)?;
                swapping.finish()
            }
        }
    }
}

impl Serialize for Diff {
    /// As a JSON string, escaped as it is written.
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.collect_str(self)
    }
}

/// The result of a whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    /// `sync` or `refresh`.
    pub command: &'static str,
    pub dry_run: bool,
    pub reports: Vec<ReportOutcome>,
    /// What the run was asked to do beyond its rows and could not (a duplicate
    /// `--close-duplicates` could not close), each said why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unfinished: Vec<String>,
}

impl RunOutcome {
    /// Whether any row failed, is pending, or links a missing key, or something asked of the
    /// run was left undone (exit code 3).
    pub fn has_problems(&self) -> bool {
        !self.unfinished.is_empty() || self.rows().any(|row| row.action.is_problem())
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

/// Row outcomes being collected, by where each item is: one list per report, sorted by row
/// (plans and refreshes make them in that order), so a row costs its outcome only and a
/// report's list is handed to its [`ReportOutcome`] as it is, never copied.
#[derive(Debug, Default)]
pub struct Rows {
    /// Per report index: its rows' outcomes, sorted by row.
    per_report: Vec<Vec<RowOutcome>>,
}

impl Rows {
    /// No rows.
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, at: &crate::sync::plan::ItemAt) -> Option<(usize, Result<usize, usize>)> {
        let list = self.per_report.get(at.report)?;
        Some((
            at.report,
            list.binary_search_by_key(&at.row, |outcome| outcome.row as usize),
        ))
    }

    /// No rows, with room for one at each of `places` (each report's list sized once).
    pub fn sized_for(places: impl Iterator<Item = crate::sync::plan::ItemAt>) -> Self {
        let mut counts: Vec<usize> = Vec::new();
        for at in places {
            if counts.len() <= at.report {
                counts.resize(at.report + 1, 0);
            }
            counts[at.report] += 1;
        }
        Self {
            per_report: counts.into_iter().map(Vec::with_capacity).collect(),
        }
    }

    /// Takes out the outcomes of report `report`'s rows, in order of row.
    pub fn take_report(&mut self, report: usize) -> Vec<RowOutcome> {
        self.per_report
            .get_mut(report)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Sets the outcome of the row at `at` (replacing one there; its `row` is `at`'s).
    pub fn insert(&mut self, at: crate::sync::plan::ItemAt, mut outcome: RowOutcome) {
        outcome.row = row_number(at.row);
        if self.per_report.len() <= at.report {
            self.per_report.resize_with(at.report + 1, Vec::new);
        }
        let list = &mut self.per_report[at.report];
        // In order (the common case): a push, growing a list not sized first by an eighth
        // (a dry run makes its rows' outcomes as it lets its plan go).
        if list.last().is_none_or(|last| (last.row as usize) < at.row) {
            crate::freeing::push_gently(list, outcome);
            return;
        }
        match list.binary_search_by_key(&at.row, |outcome| outcome.row as usize) {
            Ok(n) => list[n] = outcome,
            Err(n) => list.insert(n, outcome),
        }
    }

    /// The outcome of the row at `at`.
    pub fn get(&self, at: &crate::sync::plan::ItemAt) -> Option<&RowOutcome> {
        let (report, found) = self.find(at)?;
        Some(&self.per_report[report][found.ok()?])
    }

    /// The outcome of the row at `at`, to change.
    pub fn get_mut(&mut self, at: &crate::sync::plan::ItemAt) -> Option<&mut RowOutcome> {
        let (report, found) = self.find(at)?;
        Some(&mut self.per_report[report][found.ok()?])
    }

    /// Every row's place and outcome, in order of place.
    pub fn iter(&self) -> impl Iterator<Item = (crate::sync::plan::ItemAt, &RowOutcome)> {
        self.per_report
            .iter()
            .enumerate()
            .flat_map(|(report, list)| {
                list.iter().map(move |outcome| {
                    (
                        crate::sync::plan::ItemAt::new(report, outcome.row as usize),
                        outcome,
                    )
                })
            })
    }
}

impl FromIterator<(crate::sync::plan::ItemAt, RowOutcome)> for Rows {
    /// Rows from outcomes in any order; of two for one place, the later counts.
    fn from_iter<I: IntoIterator<Item = (crate::sync::plan::ItemAt, RowOutcome)>>(iter: I) -> Self {
        let mut rows = Rows::new();
        for (at, outcome) in iter {
            rows.insert(at, outcome);
        }
        for list in &mut rows.per_report {
            list.shrink_to_fit();
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_outcome_stays_small() {
        // A run of 100,000 rows holds one each until it prints them.
        assert!(std::mem::size_of::<RowOutcome>() <= 32);
        assert_eq!(std::mem::size_of::<Option<ThinText>>(), 8);
    }

    #[test]
    fn updates_are_listed_in_the_order_a_run_makes_them_whatever_the_order_given() {
        let mut updated = Updated::default();
        assert!(updated.is_empty());
        updated.push("status");
        updated.extend(["assignee", "due date"]);
        updated.push("labels");
        updated.push("labels");
        assert_eq!(
            updated.join(" and "),
            "labels and due date and assignee and status"
        );
        updated.retain(|word| word != "assignee");
        assert_eq!(
            serde_json::to_string(&updated).unwrap(),
            r#"["labels","due date","status"]"#
        );
        updated.clear();
        assert!(updated.is_empty());
    }
}
