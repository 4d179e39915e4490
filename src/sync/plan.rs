//! The pure half of sync: from what the reports say and what Jira says, decide what to do.
//! No I/O here, so every decision is unit-tested without HTTP.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::jira::model::{Issue, IssueId, IssueKey, NewIssue};
use crate::report::labels::IncidentLabels;
use crate::report::model::{ActionItem, Edit, KnownStatuses};

/// One report as the planner sees it.
#[derive(Debug)]
pub struct ReportInput<'a> {
    /// Index of the report in the run, echoed in the plan.
    pub report: usize,
    pub items: Items<'a>,
    pub labels: &'a IncidentLabels,
    /// Rows whose key is written as pm-sync writes it (a link to `/browse/KEY`). Only their
    /// tickets get the item text as summary: a key typed by hand links an existing ticket
    /// without renaming it.
    pub managed_rows: RowSet,
    /// The label marking tickets created for this report (see [`crate::sync::marks`]): new
    /// tickets get it, and adoption only takes tickets with it or with no mark at all.
    pub mark: String,
    /// Status names Jira knows: a status written as one of them is pm-sync's to keep current.
    pub known: &'a KnownStatuses,
    /// Whether `items` is a report whose items stay in their rows for the whole run (a file):
    /// its rows to create read their summaries from it when needed (see [`Summary::OfItem`]).
    pub rows_stay: bool,
}

/// A report's items as the planner reads them: decoded one at a time from the report's
/// compact records (a plan of 100,000 rows never holds 100,000 decoded items), or given.
#[derive(Debug, Clone, Copy)]
pub enum Items<'a> {
    /// The items of a report, decoded as they are read.
    Report(&'a crate::report::Report),
    /// Items already decoded (tests, callers that have them).
    Decoded(&'a [ActionItem]),
}

impl<'a> Items<'a> {
    /// How many.
    pub fn len(&self) -> usize {
        match self {
            Items::Report(report) => report.item_count(),
            Items::Decoded(items) => items.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each item in order, decoded as it is reached.
    pub fn iter(&self) -> Box<dyn Iterator<Item = std::borrow::Cow<'a, ActionItem>> + 'a> {
        match *self {
            Items::Report(report) => Box::new(report.iter_items().map(std::borrow::Cow::Owned)),
            Items::Decoded(items) => Box::new(items.iter().map(std::borrow::Cow::Borrowed)),
        }
    }
}

/// What Jira said, read in batches before planning.
#[derive(Debug, Default)]
pub struct TrackerState {
    /// Linked keys as written in reports → the issue they resolve to (see [`LinkedIssues`]).
    pub linked: LinkedIssues,
    /// Incident date label → every issue in the project carrying it (adoption candidates).
    /// An issue also in `linked` is that one, shared (see [`TrackerState::add_found`]): a
    /// resync of 100,000 linked rows finds every one of their tickets again.
    pub by_label: HashMap<String, Vec<std::sync::Arc<Issue>>>,
}

/// Linked keys as written in reports → the issue each resolves to (`None`: Jira does not know
/// the key). A key written as Jira has it, as nearly every one is, is read from its issue, not
/// held again: a slot is a tag and a pointer (a map of 100,000 linked tickets held a boxed key
/// beside each, ~40 bytes a ticket).
#[derive(Debug, Clone, Default)]
pub struct LinkedIssues(HashSet<Linked>);

/// One linked key and what it resolves to.
#[derive(Debug, Clone)]
enum Linked {
    /// Written as its issue's key.
    AsIssue(std::sync::Arc<Issue>),
    /// Written otherwise (a moved issue's old key, another case), or not known to Jira.
    Written(Box<(Box<str>, Option<std::sync::Arc<Issue>>)>),
}

impl Linked {
    /// The key as written in the report.
    fn key(&self) -> &str {
        match self {
            Linked::AsIssue(issue) => issue.key.as_str(),
            Linked::Written(written) => &written.0,
        }
    }

    fn issue(&self) -> Option<&std::sync::Arc<Issue>> {
        match self {
            Linked::AsIssue(issue) => Some(issue),
            Linked::Written(written) => written.1.as_ref(),
        }
    }
}

// Hashed and compared as its key, so that it is found by a `&str`.
impl std::hash::Hash for Linked {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialEq for Linked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Linked {}

impl std::borrow::Borrow<str> for Linked {
    fn borrow(&self) -> &str {
        self.key()
    }
}

impl LinkedIssues {
    /// Room for `more` keys: a set of 100,000 grown by doubling held its old table beside
    /// the new one as it grew.
    pub fn reserve(&mut self, more: usize) {
        self.0.reserve(more);
    }

    /// Records that `written` resolves to `issue` (`None`: Jira does not know it), replacing
    /// what it resolved to before.
    pub fn insert(&mut self, written: &str, issue: Option<std::sync::Arc<Issue>>) {
        let entry = match issue {
            Some(issue) if issue.key.as_str() == written => Linked::AsIssue(issue),
            other => Linked::Written(Box::new((written.into(), other))),
        };
        self.0.replace(entry);
    }

    /// Records `issue`, linked under its own key.
    pub fn insert_issue(&mut self, issue: std::sync::Arc<Issue>) {
        self.0.replace(Linked::AsIssue(issue));
    }

    /// What `written` resolves to: `None` when it was not read, `Some(None)` when Jira does
    /// not know it.
    pub fn get(&self, written: &str) -> Option<Option<&std::sync::Arc<Issue>>> {
        self.0.get(written).map(Linked::issue)
    }

    /// `written` as the map holds it, when it was read.
    pub fn key_of(&self, written: &str) -> Option<&str> {
        self.0.get(written).map(Linked::key)
    }

    /// Every issue a linked key resolves to.
    pub fn issues(&self) -> impl Iterator<Item = &std::sync::Arc<Issue>> {
        self.0.iter().filter_map(Linked::issue)
    }

    /// How many keys were read.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key was read.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TrackerState {
    /// Records what a search of `label` found (replacing an earlier search's), each issue
    /// already read as a linked one shared with it rather than held twice.
    pub fn add_found(&mut self, label: String, found: Vec<Issue>) {
        // Collected into a list of its own size: collecting `found` in place would keep its
        // buffer (an issue's size per pointer, 50 times what the pointers need).
        let mut shared = Vec::with_capacity(found.len());
        shared.extend(found.into_iter().map(|issue| self.shared(issue)));
        self.by_label.insert(label, shared);
    }

    /// `issue` as the tracker state holds it: the linked issue read before, when it is the
    /// same, else its own.
    pub fn shared(&self, issue: Issue) -> std::sync::Arc<Issue> {
        match self.linked.get(issue.key.as_str()) {
            Some(Some(linked)) if **linked == issue => linked.clone(),
            _ => std::sync::Arc::new(issue),
        }
    }
}

/// Project-wide facts the planner needs.
pub struct PlanContext<'a> {
    pub project: &'a str,
    pub issue_type: &'a str,
    /// `{url}/browse/{KEY}` for a key.
    pub browse_url: Box<dyn Fn(&IssueKey) -> String + 'a>,
}

/// The ticket a row ends up with, and how. Behind a pointer: an issue is ~370 bytes and a plan
/// holds one ticket per row (a 100,000-row plan was 50 MB of row plans before any text); a
/// linked issue is the tracker state's own, shared, not a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ticket {
    /// The row already links this issue (hand-typed or from an earlier run): shared with the
    /// tracker state it was read into, not copied per plan.
    Linked(std::sync::Arc<Issue>),
    /// An existing issue with the same summary and the incident label; the row will link it.
    Adopt(std::sync::Arc<Issue>),
    /// Nothing exists yet: create this, with the row's summary. Shared: the rows of a report
    /// that create alike (the same project, type, labels and fields) hold one, not a copy
    /// each; a row with fields of its own (an Owner cell, say) holds its own (see
    /// [`Plan::change_creates`]).
    Create(std::sync::Arc<NewTicket>),
    /// The row links a key Jira does not know (deleted, or not visible). Never re-filed.
    /// Behind one pointer, like the other tickets: a ticket is a pointer and a tag.
    Missing(crate::sync::outcome::ThinText),
}

/// What a create row files, less what is the row's own (its summary, and the description
/// written as it is sent): see [`NewTicket::issue`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewTicket {
    pub project: std::sync::Arc<str>,
    pub issue_type: std::sync::Arc<str>,
    /// Shared by the tickets of one report; `Arc::make_mut` gives one ticket its own.
    pub labels: std::sync::Arc<Vec<String>>,
    /// Further create-screen fields, in the JSON shape their schema asks for.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Issue links to add on create.
    pub links: Vec<crate::jira::model::NewLink>,
}

impl NewTicket {
    /// The issue to send for a row: this, with the row's summary and description.
    pub fn issue(&self, summary: String, description: Option<String>) -> NewIssue {
        NewIssue {
            project: self.project.clone(),
            issue_type: self.issue_type.clone(),
            summary,
            description,
            labels: self.labels.clone(),
            fields: self.fields.clone(),
            links: self.links.clone(),
        }
    }
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

/// Where an action item is in a run: which report (its index among the run's reports) and
/// which body row of its table or list (1-based, template rows counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemAt {
    /// The report's index among the run's reports.
    pub report: usize,
    /// The item's body row.
    pub row: usize,
}

impl ItemAt {
    /// The item in body row `row` of report `report`.
    pub fn new(report: usize, row: usize) -> ItemAt {
        ItemAt { report, row }
    }
}

/// A set of a report's body rows, a bit each (a hash set of 100,000 rows was 1.2 MB, this is
/// 12 KB).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowSet {
    bits: Vec<u64>,
}

impl RowSet {
    /// Adds `row`.
    pub fn insert(&mut self, row: usize) {
        let word = row / 64;
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (row % 64);
    }

    /// Whether `row` is in the set.
    pub fn contains(&self, row: usize) -> bool {
        self.bits
            .get(row / 64)
            .is_some_and(|word| word & (1 << (row % 64)) != 0)
    }
}

impl FromIterator<usize> for RowSet {
    fn from_iter<I: IntoIterator<Item = usize>>(rows: I) -> Self {
        let mut set = RowSet::default();
        for row in rows {
            set.insert(row);
        }
        set
    }
}

/// What to do for one action item (48 bytes: a plan of 100,000 rows holds one each; its line
/// is its item's, read when its outcome is made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPlan {
    /// Where the item is, narrowed (see [`RowPlan::report`], [`RowPlan::row`]).
    report: u32,
    row: u32,
    /// The item's summary (see [`RowPlan::summary_in`]).
    pub summary: Summary,
    pub ticket: Ticket,
    /// An edit to the Jira issue, when it lacks a label or its summary is stale (boxed: few
    /// rows have one).
    pub update: Option<Box<IssueUpdate>>,
    /// Report edits known now (link and status for existing issues). A created issue's edits
    /// come after its create succeeds.
    pub edits: RowEdits,
}

/// A row's report edits: one thin pointer, null when there are none (a plan of 100,000 rows
/// of which few change their cells holds 8 bytes a row, not a list's 24). Read as a slice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
// The box is the point: a thin pointer to a list most rows never have.
#[allow(clippy::box_collection)]
pub struct RowEdits(Option<Box<Vec<Edit>>>);

impl RowEdits {
    /// Takes the edits out, leaving none.
    pub fn take(&mut self) -> Vec<Edit> {
        self.0.take().map(|edits| *edits).unwrap_or_default()
    }

    /// Keeps the edits `keep` says yes to.
    pub fn retain(&mut self, keep: impl FnMut(&Edit) -> bool) {
        let mut edits = self.take();
        edits.retain(keep);
        *self = edits.into();
    }

    /// Adds `more` after the edits.
    pub fn extend(&mut self, more: impl IntoIterator<Item = Edit>) {
        let mut edits = self.take();
        edits.extend(more);
        *self = edits.into();
    }
}

impl From<Vec<Edit>> for RowEdits {
    fn from(edits: Vec<Edit>) -> Self {
        RowEdits((!edits.is_empty()).then(|| Box::new(edits)))
    }
}

impl std::ops::Deref for RowEdits {
    type Target = [Edit];

    fn deref(&self) -> &[Edit] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

/// A row's summary as the plan holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Summary {
    /// This text: the item's, held (a page's rows may move before it is written, and a row
    /// whose ticket says otherwise keeps the item's words beside the ticket's).
    Text(crate::thin::SharedText),
    /// The item's, read from its report when needed: a row of a report whose items stay in
    /// their rows, to create or whose ticket says the same (a sync of 100,000 items holds no
    /// copy of every summary while it plans, sends and links them).
    OfItem,
}

/// `place` (a report's index in the run, an item's row) as a plan row keeps it: a row is at
/// most its report's bytes, and reports over 4 GiB are refused.
fn narrow(place: usize) -> u32 {
    u32::try_from(place).expect("reports over 4 GiB are refused")
}

impl RowPlan {
    /// The item's summary, `report` being the report this row is of.
    pub fn summary_in<'a>(&'a self, report: &crate::report::Report) -> Cow<'a, str> {
        match &self.summary {
            Summary::Text(text) => Cow::Borrowed(text),
            Summary::OfItem => Cow::Owned(
                report
                    .item(self.row())
                    .map(|item| item.summary().to_owned())
                    .unwrap_or_default(),
            ),
        }
    }

    /// Where the item is.
    pub fn at(&self) -> ItemAt {
        ItemAt::new(self.report(), self.row())
    }

    /// The report the item is in (its index in the run).
    pub fn report(&self) -> usize {
        self.report as usize
    }

    /// The item's row in its report.
    pub fn row(&self) -> usize {
        self.row as usize
    }
}

/// A ticket made for an item that another ticket of the same report already stands for (two
/// copies of one report synced at the same moment each filed one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The report (index in the run) whose rows now link `kept`.
    pub report: usize,
    /// The extra ticket: open, marked for this report, no row links it.
    pub issue: Issue,
    /// The ticket every copy keeps for the item: the lowest key.
    pub kept: IssueKey,
}

/// The whole run's plan, rows in report order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    pub rows: Vec<RowPlan>,
    /// Extra tickets found for items that already have one (see [`Duplicate`]).
    pub duplicates: Vec<Duplicate>,
}

impl Plan {
    /// The plan of the item at `at`.
    pub fn row(&self, at: &ItemAt) -> Option<&RowPlan> {
        match self.rows.binary_search_by_key(at, RowPlan::at) {
            Ok(n) => Some(&self.rows[n]),
            // Rows are in report order; should that ever not hold, look them through.
            Err(_) => self.rows.iter().find(|row| row.at() == *at),
        }
    }

    /// Applies `change` to the issue every create row of report `report` will file, once per
    /// distinct issue: rows that shared one still share the changed one.
    pub fn change_creates(&mut self, report: usize, mut change: impl FnMut(&mut NewTicket)) {
        use std::sync::Arc;
        // By the address of the issue a row held: every old issue still held by a row is
        // alive, so no two of them share an address.
        let mut changed: HashMap<*const NewTicket, Arc<NewTicket>> = HashMap::new();
        for row in self.rows.iter_mut().filter(|row| row.report() == report) {
            let Ticket::Create(new) = &mut row.ticket else {
                continue;
            };
            // Looked up first: the last row holding a shared issue holds it alone by then.
            if let Some(done) = changed.get(&Arc::as_ptr(new)) {
                *new = done.clone();
                continue;
            }
            if let Some(own) = Arc::get_mut(new) {
                change(own);
                continue;
            }
            let shared = changed.entry(Arc::as_ptr(new)).or_insert_with(|| {
                let mut copy = NewTicket::clone(new);
                change(&mut copy);
                Arc::new(copy)
            });
            *new = shared.clone();
        }
    }

    /// Rows that need a new issue, with what they file.
    pub fn creates(&self) -> impl Iterator<Item = (&RowPlan, &NewTicket)> {
        self.rows.iter().filter_map(|row| match &row.ticket {
            Ticket::Create(new) => Some((row, &**new)),
            _ => None,
        })
    }

    /// Issues that need an edit in Jira.
    pub fn updates(&self) -> impl Iterator<Item = &IssueUpdate> {
        self.rows.iter().filter_map(|row| row.update.as_deref())
    }

    /// Whether applying the plan would change anything in Jira.
    pub fn changes_jira(&self) -> bool {
        self.creates().next().is_some() || self.updates().next().is_some()
    }
}

/// Decides, for every item of every report, which ticket it gets and what to change.
///
/// Adoption: an unlinked item takes an issue of the configured project carrying its date label
/// whose summary equals the item's summary, that no other row links or adopts, and that was
/// created for this report or carries no pm-sync mark. Two items with the same text take two
/// distinct issues (or create the missing ones), never one.
pub fn plan(reports: &[ReportInput<'_>], state: &TrackerState, context: &PlanContext<'_>) -> Plan {
    let mut taken = taken_ids(reports, state);
    // One plan row per item, sized once: a plan of 100,000 rows grown by doubling held up to
    // twice its rows.
    let mut rows = Vec::with_capacity(reports.iter().map(|input| input.items.len()).sum());
    for input in reports {
        // Adoption candidates by summary, read once per report (a lookup per item, not a scan
        // of every labelled issue per item: that was items × issues).
        let candidates = if input.items.iter().any(|item| item.key.is_none()) {
            adoption_candidates(input, state, context)
        } else {
            HashMap::new()
        };
        // What every ticket this report creates shares.
        let shared = std::sync::Arc::new(NewTicket {
            project: context.project.into(),
            issue_type: context.issue_type.into(),
            labels: std::sync::Arc::new(
                input
                    .labels
                    .labels()
                    .iter()
                    .cloned()
                    .chain([input.mark.clone()])
                    .collect(),
            ),
            ..NewTicket::default()
        });
        for item in input.items.iter() {
            let item = &*item;
            let ticket = choose_ticket(item, &candidates, state, &shared, &mut taken);
            let update = match &ticket {
                Ticket::Linked(issue) => {
                    let managed = input.managed_rows.contains(item.row);
                    let update = issue_update(issue, item, input.labels, managed);
                    if managed
                        && crate::sync::marks::moved_from_elsewhere(&issue.labels, &input.mark)
                    {
                        // The report moved (its mark follows its path): the ticket takes the
                        // new mark, and its link to the report is moved too (see `links`).
                        with_label(update, issue, &input.mark)
                    } else {
                        update
                    }
                }
                Ticket::Adopt(issue) => issue_update(issue, item, input.labels, false),
                Ticket::Create(_) | Ticket::Missing(_) => None,
            };
            let mut edits = match &ticket {
                Ticket::Linked(issue) | Ticket::Adopt(issue) => {
                    item_edits(item, issue, input.known, context)
                }
                Ticket::Create(_) | Ticket::Missing(_) => Vec::new(),
            };
            // A row that already shows its key and status holds no edits: a sync of a linked
            // report of 100,000 rows would otherwise hold two edits a row (~200 bytes) to
            // change nothing.
            if let Items::Report(report) = &input.items
                && !edits.is_empty()
                && !report.edits_change(&edits)
            {
                edits = Vec::new();
            }
            // A file's rows read their summaries from it when needed, unless the ticket has
            // another (its row's summary is then the item's, held until the ticket is edited):
            // a sync of 100,000 rows holds no second copy of every summary beside its report
            // and tickets.
            let stays = input.rows_stay && matches!(input.items, Items::Report(_));
            let summary = match &ticket {
                Ticket::Create(_) if stays => Summary::OfItem,
                Ticket::Linked(issue) | Ticket::Adopt(issue)
                    if stays && *issue.summary == *item.summary() =>
                {
                    Summary::OfItem
                }
                _ => Summary::Text(item.summary().into()),
            };
            rows.push(RowPlan {
                report: narrow(input.report),
                row: narrow(item.row),
                summary,
                ticket,
                update: update.map(Box::new),
                edits: edits.into(),
            });
        }
    }
    // The set of taken ids goes before converging, which holds its own.
    drop(taken);
    let mut duplicates = Vec::new();
    for input in reports {
        converge(input, state, context, &mut rows, &mut duplicates);
    }
    Plan { rows, duplicates }
}

/// Converges the copies of one report on one ticket per item, the same way in every copy:
/// among the tickets carrying the report's date label and mark with an item's summary, the
/// rows of that item take the lowest keys; the others are duplicates.
///
/// Only tickets marked for this report take part, on both sides: a key typed by hand, or a
/// ticket made by a person, is never relinked or called a duplicate.
fn converge(
    input: &ReportInput<'_>,
    state: &TrackerState,
    context: &PlanContext<'_>,
    rows: &mut [RowPlan],
    duplicates: &mut Vec<Duplicate>,
) {
    let date_label = input.labels.date_label();
    let marked = || {
        state
            .by_label
            .get(&date_label)
            .into_iter()
            .flatten()
            .map(|issue| &**issue)
            .filter(|issue| {
                of_project(issue, context.project) && issue.labels.contains(&input.mark)
            })
    };
    // Only a summary two marked tickets share can change anything: with one, the rows that
    // link it keep it and it has no duplicate. Counted by hash (a collision only makes a
    // summary looked at closely, never merged with another), so a report of 100,000 distinct
    // items holds 4 bytes a ticket here, in a list sized once, not maps of every summary and
    // row (nor a list of the tickets: they are looked through again for the shared ones).
    let short_hash = |issue: &Issue| summary_hash(&issue.summary) as u32;
    let mut hashes: Vec<u32> = Vec::with_capacity(marked().count());
    hashes.extend(marked().map(short_hash));
    hashes.sort_unstable();
    let mut shared: Vec<u32> = hashes
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
        .collect();
    drop(hashes);
    if shared.is_empty() {
        return;
    }
    shared.dedup();
    let marked: Vec<&Issue> = marked()
        .filter(|issue| shared.binary_search(&short_hash(issue)).is_ok())
        .collect();
    drop(shared);
    // Looked up per row and per summary, never scanned per row (rows × tickets).
    let marked_ids: HashSet<IssueId> = marked.iter().map(|issue| issue.id).collect();
    let mut marked_by_summary: HashMap<String, Vec<&Issue>> = HashMap::new();
    for issue in &marked {
        marked_by_summary
            .entry(comparable(&issue.summary))
            .or_default()
            .push(issue);
    }
    let mut listed: HashSet<IssueId> = duplicates.iter().map(|d| d.issue.id).collect();
    // Item summary → indices of this report's rows whose ticket is one of the marked ones.
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        if row.report() != input.report {
            continue;
        }
        let (Ticket::Linked(issue) | Ticket::Adopt(issue)) = &row.ticket else {
            continue;
        };
        let summary = match (&row.summary, &input.items) {
            (Summary::Text(summary), _) => Cow::Borrowed(&**summary),
            (Summary::OfItem, Items::Report(report)) => row.summary_in(report),
            (Summary::OfItem, _) => continue,
        };
        let wanted = comparable(&summary);
        if comparable(&issue.summary) == wanted && marked_ids.contains(&issue.id) {
            groups.entry(wanted).or_default().push(index);
        }
    }
    let mut summaries: Vec<&String> = groups.keys().collect();
    summaries.sort();
    for summary in summaries {
        let members = &groups[summary];
        let mut candidates: Vec<&Issue> =
            marked_by_summary.get(summary).cloned().unwrap_or_default();
        candidates.sort_by_key(|issue| key_order(&issue.key));
        let (winners, extra) = candidates.split_at(members.len().min(candidates.len()));
        // Rows already on a winner keep it; the others take the remaining winners in order.
        let current: Vec<Option<IssueId>> = members
            .iter()
            .map(|&index| match &rows[index].ticket {
                Ticket::Linked(issue) | Ticket::Adopt(issue) => Some(issue.id),
                _ => None,
            })
            .collect();
        let mut free: Vec<&Issue> = winners
            .iter()
            .copied()
            .filter(|w| !current.contains(&Some(w.id)))
            .collect();
        free.reverse();
        for (&index, id) in members.iter().zip(&current) {
            if winners.iter().any(|w| Some(w.id) == *id) {
                continue;
            }
            let Some(winner) = free.pop() else { break };
            let row = &mut rows[index];
            let item_row = row.row();
            // An adopted row stays adopted (callers settle lost creates by adoption).
            row.ticket = match row.ticket {
                Ticket::Adopt(_) => Ticket::Adopt(std::sync::Arc::new((*winner).clone())),
                _ => Ticket::Linked(std::sync::Arc::new((*winner).clone())),
            };
            row.edits = row_edits(item_row, &winner.key, &winner.status.name, context).into();
            let add_labels: Vec<String> = input
                .labels
                .labels()
                .iter()
                .filter(|label| !winner.labels.contains(label))
                .cloned()
                .collect();
            row.update = (!add_labels.is_empty()).then(|| {
                Box::new(IssueUpdate {
                    key: winner.key.clone(),
                    summary: None,
                    add_labels,
                })
            });
        }
        let kept = winners[0].key.clone();
        for issue in extra {
            let open = issue.status.category != crate::jira::model::StatusCategory::Done;
            if open && listed.insert(issue.id) {
                duplicates.push(Duplicate {
                    report: input.report,
                    issue: (*issue).clone(),
                    kept: kept.clone(),
                });
            }
        }
    }
}

/// The edits that make `item` show `issue`: [`row_edits`], without the status edit when the
/// person's own words already say what Jira's status says ("Erledigt" for Done): those are left
/// as written, with no marker beside them.
pub fn item_edits(
    item: &ActionItem,
    issue: &Issue,
    known: &KnownStatuses,
    context: &PlanContext<'_>,
) -> Vec<Edit> {
    let mut edits = row_edits(item.row, &issue.key, &issue.status.name, context);
    if crate::sync::intent::words_agree(item, &issue.status, known) {
        edits.retain(|edit| !matches!(edit, Edit::Status { .. }));
    }
    edits
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

/// The issues `input`'s unlinked items may adopt (its date label, the configured project, its
/// mark or none), by comparable summary, lowest key first.
fn adoption_candidates<'s>(
    input: &ReportInput<'_>,
    state: &'s TrackerState,
    context: &PlanContext<'_>,
) -> HashMap<String, Vec<&'s Issue>> {
    let mut candidates: HashMap<String, Vec<&Issue>> = HashMap::new();
    for issue in state
        .by_label
        .get(&input.labels.date_label())
        .into_iter()
        .flatten()
        .filter(|issue| of_project(issue, context.project) && adoptable(issue, &input.mark))
    {
        candidates
            .entry(comparable(&issue.summary))
            .or_default()
            .push(issue);
    }
    for list in candidates.values_mut() {
        list.sort_by_key(|issue| key_order(&issue.key));
    }
    candidates
}

/// The ids of the issues no row may adopt: those already linked by some row, as read at the
/// start or written during this run (created or adopted). Made only
/// when some item is unlinked: a resync of 100,000 linked rows adopts nothing, and the set
/// and the linked keys it is made from were ~80 bytes a row at its peak.
fn taken_ids(reports: &[ReportInput<'_>], state: &TrackerState) -> HashSet<IssueId> {
    let adopting = reports
        .iter()
        .any(|input| input.items.iter().any(|item| item.key.is_none()));
    if !adopting {
        return HashSet::new();
    }
    // Keys read into the tracker state are borrowed from it; only keys it lacks are copied.
    let mut linked_now: HashSet<std::borrow::Cow<'_, str>> = HashSet::new();
    for item in reports.iter().flat_map(|input| input.items.iter()) {
        if let Some(key) = item.key.as_deref() {
            linked_now.insert(match state.linked.key_of(key) {
                Some(read) => std::borrow::Cow::Borrowed(read),
                None => std::borrow::Cow::Owned(key.to_owned()),
            });
        }
    }
    state
        .by_label
        .values()
        .flatten()
        .filter(|issue| linked_now.contains(issue.key.as_str()))
        .chain(state.linked.issues())
        .map(|issue| issue.id)
        .collect()
}

/// The ticket of `item`: the one it links, one to adopt, or a new one (`shared`; its summary
/// is the row's).
fn choose_ticket(
    item: &ActionItem,
    candidates: &HashMap<String, Vec<&Issue>>,
    state: &TrackerState,
    shared: &std::sync::Arc<NewTicket>,
    taken: &mut HashSet<IssueId>,
) -> Ticket {
    if let Some(key) = &item.key {
        return match state.linked.get(key.as_str()) {
            Some(Some(issue)) => Ticket::Linked(issue.clone()),
            _ => Ticket::Missing(key.as_str().into()),
        };
    }
    let matching = candidates
        .get(&comparable(item.summary()))
        .and_then(|list| list.iter().find(|issue| !taken.contains(&issue.id)));
    if let Some(&issue) = matching {
        taken.insert(issue.id);
        return Ticket::Adopt(std::sync::Arc::new((*issue).clone()));
    }
    // The summary is the row's and the description is written as the ticket is sent
    // (`sync::fields::description`): a plan of 100,000 creates holds one issue per report.
    Ticket::Create(shared.clone())
}

/// Whether `issue` is of the configured project: a search answer naming another project's key
/// is never adopted (a lenient or hostile server, or a moved issue).
fn of_project(issue: &Issue, project: &str) -> bool {
    issue.key.project().eq_ignore_ascii_case(project)
}

/// Whether `issue` may be adopted by the report marked `mark`: it carries that mark, or none.
fn adoptable(issue: &Issue, mark: &str) -> bool {
    !issue
        .labels
        .iter()
        .any(|label| crate::sync::marks::is_mark(label) && label != mark)
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
        && !item.summary().is_empty()
        && comparable(&issue.summary) != comparable(item.summary()))
    .then(|| item.summary().to_owned());
    (summary.is_some() || !add_labels.is_empty()).then(|| IssueUpdate {
        key: issue.key.clone(),
        summary,
        add_labels,
    })
}

/// `update` with `label` added (an update made for it when there is none).
fn with_label(update: Option<IssueUpdate>, issue: &Issue, label: &str) -> Option<IssueUpdate> {
    let mut update = update.unwrap_or_else(|| IssueUpdate {
        key: issue.key.clone(),
        summary: None,
        add_labels: Vec::new(),
    });
    update.add_labels.push(label.to_owned());
    Some(update)
}

/// Summaries compare with whitespace collapsed: Jira trims them, people re-wrap table cells.
pub(crate) fn comparable(summary: &str) -> String {
    summary.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A hash of `summary` as [`comparable`] makes it (its words), without making it.
fn summary_hash(summary: &str) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::hash::DefaultHasher::new();
    for word in summary.split_whitespace() {
        hasher.write(word.as_bytes());
        // Never a byte of UTF-8: words run together stay apart.
        hasher.write_u8(0xff);
    }
    hasher.finish()
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

    #[test]
    fn summaries_hash_alike_exactly_when_their_words_agree() {
        assert_eq!(
            summary_hash(" Add  alert\ton lag "),
            summary_hash("Add alert on lag")
        );
        assert_ne!(summary_hash("Add alert"), summary_hash("Addalert"));
        assert_ne!(summary_hash("Add alert"), summary_hash("Add alerts"));
    }

    #[test]
    fn rows_taken_freeing_come_first_to_last() {
        let list: Vec<usize> = (0..1000).collect();
        let mut taken = crate::freeing::take_freeing(list);
        let first: Vec<usize> = taken.by_ref().take(900).collect();
        assert_eq!(first, (0..900).collect::<Vec<_>>());
        assert_eq!(taken.collect::<Vec<_>>(), (900..1000).collect::<Vec<_>>());
    }

    fn boxed(issue: Issue) -> Option<std::sync::Arc<Issue>> {
        Some(std::sync::Arc::new(issue))
    }
    use crate::jira::model::StatusCategory;

    const MARK: &str = "pmsync_00000000000a";

    fn labels() -> IncidentLabels {
        IncidentLabels {
            severity: "sev1".into(),
            date: NaiveDate::from_ymd_opt(2020, 4, 14).unwrap(),
        }
    }

    fn item(row: usize, summary: &str, key: Option<&str>) -> ActionItem {
        ActionItem::detached(row, summary, key, "")
    }

    fn issue(id: &str, key: &str, summary: &str, labels: &[&str]) -> Issue {
        Issue {
            id: IssueId::parse(id).unwrap(),
            labels: std::sync::Arc::new(labels.iter().map(|l| (*l).to_owned()).collect()),
            ..Issue::sample(key, summary, "To Do", StatusCategory::New)
        }
    }

    fn run(items: &[ActionItem], state: &TrackerState) -> Plan {
        let labels = labels();
        let input = ReportInput {
            report: 0,
            items: Items::Decoded(items),
            labels: &labels,
            managed_rows: items
                .iter()
                .map(|i| i.row)
                .filter(|row| *row != 99)
                .collect(),
            mark: MARK.into(),
            known: &KnownStatuses::default(),
            rows_stay: true,
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
        assert_eq!(*new.labels, ["sev1_20200414", "sev1", MARK]);
        // Decoded items (not a report's) are held as text even where rows stay.
        assert_eq!(plan.rows[0].summary, Summary::Text("Add alert".into()));
        assert!(plan.rows[0].edits.is_empty());
    }

    #[test]
    fn a_report_whose_rows_stay_lends_its_create_rows_their_summaries() {
        // A file's rows hold no copy of their summaries: each is read from the report when
        // needed, markup read away as the report reads it; a row whose ticket's summary is
        // another keeps the item's words.
        let text = "---\ndate: 2020-04-14\n---\n## Action Items\n\n\
                    | Action item | Ticket |\n| --- | --- |\n\
                    | Cap `max_connections` at 200 &amp; alert | |\n\
                    | Add alert | [OPS-7](https://jira.test/browse/OPS-7) |\n\
                    | Page the DBA | [OPS-8](https://jira.test/browse/OPS-8) |\n";
        let report = crate::report::Report::parse(
            std::path::Path::new("pm.md"),
            text.as_bytes().to_vec(),
            &Default::default(),
        )
        .expect("parses");
        let mut state = TrackerState::default();
        state.linked.insert(
            "OPS-7",
            Some(std::sync::Arc::new(issue(
                "7",
                "OPS-7",
                "Add alert",
                &["sev1"],
            ))),
        );
        state.linked.insert(
            "OPS-8",
            Some(std::sync::Arc::new(issue(
                "8",
                "OPS-8",
                "Page DBA",
                &["sev1"],
            ))),
        );
        let labels = labels();
        let known = KnownStatuses::default();
        let plan_with = |rows_stay: bool| {
            let input = ReportInput {
                report: 0,
                items: Items::Report(&report),
                labels: &labels,
                managed_rows: RowSet::default(),
                mark: MARK.into(),
                known: &known,
                rows_stay,
            };
            let context = PlanContext {
                project: "OPS",
                issue_type: "Task",
                browse_url: Box::new(|key| format!("https://jira.test/browse/{key}")),
            };
            plan(&[input], &state, &context)
        };
        let stays = plan_with(true);
        assert!(matches!(stays.rows[0].ticket, Ticket::Create(_)));
        assert_eq!(stays.rows[0].summary, Summary::OfItem);
        assert_eq!(
            stays.rows[0].summary_in(&report),
            "Cap max_connections at 200 & alert"
        );
        assert!(matches!(stays.rows[1].ticket, Ticket::Linked(_)));
        assert_eq!(stays.rows[1].summary, Summary::OfItem);
        assert_eq!(stays.rows[1].summary_in(&report), "Add alert");
        assert_eq!(stays.rows[2].summary, Summary::Text("Page the DBA".into()));
        // A page, whose rows may move before it is written, keeps the text.
        let moves = plan_with(false);
        assert_eq!(
            moves.rows[0].summary,
            Summary::Text("Cap max_connections at 200 & alert".into())
        );
    }

    #[test]
    fn creates_share_one_ticket_until_a_row_has_its_own_and_a_change_keeps_that() {
        use std::sync::Arc;
        let mut plan = run(
            &[item(1, "A", None), item(2, "B", None), item(3, "C", None)],
            &TrackerState::default(),
        );
        let ticket = |plan: &Plan, n: usize| match &plan.rows[n].ticket {
            Ticket::Create(new) => new.clone(),
            other => panic!("row {n} is not a create: {other:?}"),
        };
        assert!(Arc::ptr_eq(&ticket(&plan, 0), &ticket(&plan, 2)));
        // Row 2 gets a field of its own (an Owner cell, say).
        if let Ticket::Create(new) = &mut plan.rows[1].ticket {
            Arc::make_mut(new)
                .fields
                .insert("assignee".into(), "x".into());
        }
        plan.change_creates(0, |new| {
            new.fields.insert("parent".into(), "OPS-1".into());
        });
        for n in 0..3 {
            assert_eq!(ticket(&plan, n).fields["parent"], "OPS-1", "row {n}");
        }
        assert_eq!(ticket(&plan, 1).fields["assignee"], "x");
        assert!(!ticket(&plan, 0).fields.contains_key("assignee"));
        assert!(Arc::ptr_eq(&ticket(&plan, 0), &ticket(&plan, 2)));
        // Another report's rows are left alone.
        plan.change_creates(1, |new| new.fields.clear());
        assert_eq!(ticket(&plan, 0).fields["parent"], "OPS-1");
    }

    #[test]
    fn a_linked_ticket_found_again_by_search_is_held_once() {
        use std::sync::Arc;
        let mut state = TrackerState::default();
        let linked = issue("1", "OPS-4", "Same", &["sev1_20200414"]);
        let shared = Arc::new(linked.clone());
        state.linked.insert("OPS-4", Some(shared.clone()));
        let mut changed = linked.clone();
        changed.summary = "Changed since".into();
        state.add_found("sev1_20200414".into(), vec![linked]);
        assert!(Arc::ptr_eq(&state.by_label["sev1_20200414"][0], &shared));
        // What the search says wins when it differs from the earlier read.
        state.add_found("sev1_20200414".into(), vec![changed]);
        let found = &state.by_label["sev1_20200414"][0];
        assert!(!Arc::ptr_eq(found, &shared));
        assert_eq!(&*found.summary, "Changed since");
    }

    #[test]
    fn an_existing_ticket_with_the_same_summary_is_adopted_not_duplicated() {
        let mut state = TrackerState::default();
        state.add_found(
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
        state.add_found(
            "sev1_20200414".into(),
            vec![issue("1", "OPS-4", "Same", &["sev1_20200414", "sev1"])],
        );
        let plan = run(&[item(1, "Same", None), item(2, "Same", None)], &state);
        assert!(matches!(plan.rows[0].ticket, Ticket::Adopt(_)));
        assert!(matches!(plan.rows[1].ticket, Ticket::Create(_)));
    }

    #[test]
    fn a_row_set_holds_the_rows_put_in_it_and_no_other() {
        let set: RowSet = [0, 63, 64, 100_000].into_iter().collect();
        for row in [0, 63, 64, 100_000] {
            assert!(set.contains(row), "{row}");
        }
        for row in [1, 62, 65, 99_999, 100_001, usize::MAX] {
            assert!(!set.contains(row), "{row}");
        }
        assert!(!RowSet::default().contains(0));
    }

    #[test]
    fn linked_keys_resolve_as_written_moved_or_unknown() {
        let mut linked = LinkedIssues::default();
        let same = std::sync::Arc::new(issue("1", "OPS-1", "One", &[]));
        let moved = std::sync::Arc::new(issue("2", "NEW-7", "Two", &[]));
        linked.insert("OPS-1", Some(same.clone()));
        linked.insert("OPS-2", Some(moved.clone()));
        linked.insert("OPS-3", None);
        assert_eq!(linked.len(), 3);
        assert!(
            linked
                .get("OPS-1")
                .flatten()
                .is_some_and(|i| i.key.as_str() == "OPS-1")
        );
        // A moved ticket is found under the key the report wrote, not its new one.
        assert!(
            linked
                .get("OPS-2")
                .flatten()
                .is_some_and(|i| i.key.as_str() == "NEW-7")
        );
        assert!(linked.get("NEW-7").is_none());
        assert_eq!(linked.get("OPS-3"), Some(None));
        assert_eq!(linked.get("OPS-4"), None);
        assert_eq!(linked.key_of("OPS-2"), Some("OPS-2"));
        let mut keys: Vec<&str> = linked.issues().map(|i| i.key.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["NEW-7", "OPS-1"]);
        // Read again, a key resolves to what it resolves to now.
        linked.insert(
            "OPS-3",
            Some(std::sync::Arc::new(issue("3", "OPS-3", "Three", &[]))),
        );
        assert!(linked.get("OPS-3").flatten().is_some());
        assert_eq!(linked.len(), 3);
        // A slot is a tag and a pointer: no key held beside a ticket that has it.
        assert_eq!(std::mem::size_of::<Linked>(), 16);
    }

    #[test]
    fn a_ticket_linked_by_another_row_is_not_adopted_again() {
        let mut state = TrackerState::default();
        let linked = issue("1", "OPS-4", "Same", &["sev1_20200414", "sev1"]);
        state
            .linked
            .insert("OPS-4", Some(std::sync::Arc::new(linked.clone())));
        state.add_found("sev1_20200414".into(), vec![linked]);
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
        state
            .linked
            .insert("OPS-4", boxed(issue("1", "OPS-4", "Old text", &["team-x"])));
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
            "OPS-4",
            boxed(issue(
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
        state.linked.insert("OPS-9", None);
        state.add_found(
            "sev1_20200414".into(),
            vec![issue("1", "OPS-4", "Text", &["sev1_20200414"])],
        );
        let plan = run(&[item(1, "Text", Some("OPS-9"))], &state);
        assert_eq!(plan.rows[0].ticket, Ticket::Missing("OPS-9".into()));
        assert!(std::mem::size_of::<Ticket>() <= 16);
        // A plan holds one row per item until its run ends.
        assert!(std::mem::size_of::<RowPlan>() <= 48);
        assert_eq!(std::mem::size_of::<RowEdits>(), 8);
        assert!(!plan.changes_jira());
    }

    #[test]
    fn a_key_typed_by_hand_links_its_ticket_without_renaming_it() {
        let mut state = TrackerState::default();
        state.linked.insert(
            "OPS-4",
            boxed(issue(
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
        state.add_found(
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
    fn another_reports_ticket_is_not_adopted_but_an_unmarked_one_is() {
        let mut state = TrackerState::default();
        state.add_found(
            "sev1_20200414".into(),
            vec![
                issue(
                    "1",
                    "OPS-1",
                    "Same",
                    &["sev1_20200414", "pmsync_00000000000b"],
                ),
                issue("2", "OPS-2", "Same", &["sev1_20200414"]),
                issue("3", "OPS-3", "Other", &["sev1_20200414", MARK]),
            ],
        );
        let plan = run(&[item(1, "Same", None), item(2, "Other", None)], &state);
        assert!(matches!(&plan.rows[0].ticket, Ticket::Adopt(i) if i.key.as_str() == "OPS-2"));
        assert!(matches!(&plan.rows[1].ticket, Ticket::Adopt(i) if i.key.as_str() == "OPS-3"));
    }

    #[test]
    fn copies_converge_on_the_lowest_key_and_the_others_are_duplicates() {
        let mut state = TrackerState::default();
        let first = issue("1", "OPS-1", "Same", &["sev1_20200414", "sev1", MARK]);
        let copy = issue("4", "OPS-4", "Same", &["sev1_20200414", "sev1", MARK]);
        let hand = issue("7", "OPS-7", "Same", &["sev1_20200414", "sev1"]);
        state
            .linked
            .insert("OPS-4", Some(std::sync::Arc::new(copy.clone())));
        state.add_found("sev1_20200414".into(), vec![first, copy, hand]);
        // This copy links OPS-4; another copy filed OPS-1 for the same item at the same time.
        let plan = run(&[item(1, "Same", Some("OPS-4"))], &state);
        assert!(matches!(&plan.rows[0].ticket, Ticket::Linked(i) if i.key.as_str() == "OPS-1"));
        assert!(matches!(&plan.rows[0].edits[0], Edit::Link { key, .. } if key == "OPS-1"));
        let duplicates: Vec<&str> = plan
            .duplicates
            .iter()
            .map(|d| d.issue.key.as_str())
            .collect();
        // The unmarked OPS-7 is somebody's own ticket: never called a duplicate.
        assert_eq!(duplicates, ["OPS-4"]);
        assert_eq!(plan.duplicates[0].kept.as_str(), "OPS-1");
    }

    #[test]
    fn a_searched_issue_of_another_project_is_not_adopted() {
        let mut state = TrackerState::default();
        state.add_found(
            "sev1_20200414".into(),
            vec![issue("1", "EVIL-1", "Same", &["sev1_20200414"])],
        );
        let plan = run(&[item(1, "Same", None)], &state);
        assert!(matches!(plan.rows[0].ticket, Ticket::Create(_)));
    }

    #[test]
    fn a_hand_typed_key_alone_does_not_blank_the_summary() {
        let mut state = TrackerState::default();
        state.linked.insert(
            "OPS-4",
            boxed(issue(
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
