//! The CI gate's rules: what "resolved" means, one verdict per action item, and the exit code.
//! Pure: the `check` command (`commands::check`) loads the reports and reads Jira.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

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

/// One action item's result, made when it is read ([`ReportCheck::items`]).
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

/// One report's result. Its verdicts are made as they are read ([`ReportCheck::items`]) rather
/// than held: a report of 100,000 items is judged again for each pass an output makes over
/// it (a few), which costs far less than holding 100,000 results.
#[derive(Debug, Clone)]
pub struct ReportCheck<'a> {
    /// The report, as found from the command line (relative when given relative).
    pub path: PathBuf,
    /// How many items of each verdict.
    counts: Totals,
    /// Where the results come from.
    items: Items<'a>,
}

/// A report's results: held (tests, and anything built by hand), or judged on each reading.
#[derive(Debug, Clone)]
enum Items<'a> {
    Held(Vec<ItemCheck>),
    Judged {
        loaded: &'a LoadedReport,
        rules: &'a StatusRules,
        lookup: Option<&'a Lookup>,
        /// The report's own ticket (`[jira] check_parent`), listed first.
        parent: Option<ItemCheck>,
    },
}

impl<'a> ReportCheck<'a> {
    /// A report's results as given.
    pub fn new(path: PathBuf, items: Vec<ItemCheck>) -> Self {
        let mut counts = Totals::default();
        for item in &items {
            counts.count(item.verdict);
        }
        Self {
            path,
            counts,
            items: Items::Held(items),
        }
    }

    /// The results of `loaded`'s items, judged now (to count them) and again whenever they
    /// are read.
    pub fn judged(
        loaded: &'a LoadedReport,
        rules: &'a StatusRules,
        lookup: Option<&'a Lookup>,
    ) -> Self {
        let mut counts = Totals::default();
        for item in loaded.report.iter_items() {
            counts.count(check_item(&item, rules, lookup).verdict);
        }
        Self {
            path: loaded.report.path().to_path_buf(),
            counts,
            items: Items::Judged {
                loaded,
                rules,
                lookup,
                parent: None,
            },
        }
    }

    /// Lists `check` before the report's items.
    pub fn prepend(&mut self, check: ItemCheck) {
        self.counts.count(check.verdict);
        match &mut self.items {
            Items::Held(items) => items.insert(0, check),
            Items::Judged { parent, .. } => *parent = Some(check),
        }
    }

    /// Its results, in table order (the report's own ticket first, when checked).
    pub fn items(&self) -> Box<dyn Iterator<Item = ItemCheck> + '_> {
        match &self.items {
            Items::Held(items) => Box::new(items.iter().cloned()),
            Items::Judged {
                loaded,
                rules,
                lookup,
                parent,
            } => Box::new(
                parent.iter().cloned().chain(
                    loaded
                        .report
                        .iter_items()
                        .map(move |item| check_item(&item, rules, *lookup)),
                ),
            ),
        }
    }

    /// How many results.
    pub fn len(&self) -> usize {
        self.counts.items
    }

    /// Whether it has no action item.
    pub fn is_empty(&self) -> bool {
        self.counts.items == 0
    }

    /// Whether every item of this report passes (and, with `require_items`, it has some).
    pub fn passed(&self, require_items: bool) -> bool {
        let c = &self.counts;
        !(require_items && self.is_empty()) && c.unresolved + c.no_ticket + c.missing == 0
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

impl Totals {
    /// Adds one item of `verdict` (not a report).
    fn count(&mut self, verdict: Verdict) {
        self.items += 1;
        match verdict {
            Verdict::Resolved => self.resolved += 1,
            Verdict::Waived => self.waived += 1,
            Verdict::Unresolved => self.unresolved += 1,
            Verdict::NoTicket => self.no_ticket += 1,
            Verdict::Missing => self.missing += 1,
        }
    }
}

/// The result of a whole `check`: the data every output format renders.
#[derive(Debug, Clone)]
pub struct CheckOutcome<'a> {
    /// Where statuses came from.
    pub source: Source,
    /// `--require-items`: a report without action items fails.
    pub require_items: bool,
    /// The names `[status] resolved` lists; empty means the status category decides (or, offline,
    /// the common done names of [`OFFLINE_DONE_NAMES`]).
    pub resolved_names: Vec<String>,
    /// The reports, in the order they were found.
    pub reports: Vec<ReportCheck<'a>>,
}

impl<'a> CheckOutcome<'a> {
    /// Every item of every report (judged as it is read).
    pub fn items(&self) -> impl Iterator<Item = (&ReportCheck<'a>, ItemCheck)> {
        self.reports
            .iter()
            .flat_map(|report| report.items().map(move |item| (report, item)))
    }

    /// Counts by verdict.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals {
            reports: self.reports.len(),
            reports_without_items: self.reports.iter().filter(|r| r.is_empty()).count(),
            ..Totals::default()
        };
        for report in &self.reports {
            let c = &report.counts;
            totals.items += c.items;
            totals.resolved += c.resolved;
            totals.waived += c.waived;
            totals.unresolved += c.unresolved;
            totals.no_ticket += c.no_ticket;
            totals.missing += c.missing;
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
        for report in self.reports.iter().filter(|r| r.is_empty()) {
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

/// The issue keys the reports link, sorted and each once, held as one string: a report of
/// 100,000 tickets takes ~1.7 MB here rather than ~4 MB as a list of keys. Jira is asked for
/// them a batch at a time ([`KeyList::batches`]).
#[derive(Debug, Default)]
pub struct KeyList {
    /// The keys' letters, one after another.
    text: String,
    /// Where each key is in `text` (start, end), in key order.
    spans: Vec<(u32, u32)>,
}

impl KeyList {
    /// The keys of every action item of `reports`, plus `more`, read one decoded item at a
    /// time; texts that are not keys are left out.
    pub fn of_reports(reports: &[LoadedReport], more: &[IssueKey]) -> Self {
        let items: usize = reports.iter().map(|l| l.report.item_count()).sum();
        let mut list = Self::default();
        list.spans.reserve_exact(items + more.len());
        for loaded in reports {
            for item in loaded.report.iter_items() {
                if let Some(key) = item.key.as_deref()
                    && IssueKey::parse(key).is_some()
                {
                    list.push(key);
                }
            }
        }
        for key in more {
            list.push(key.as_str());
        }
        list.text.shrink_to_fit();
        let text = &list.text;
        let key = |&(start, end): &(u32, u32)| &text[start as usize..end as usize];
        list.spans.sort_unstable_by(|a, b| key(a).cmp(key(b)));
        list.spans.dedup_by(|a, b| key(a) == key(b));
        list.spans.shrink_to_fit();
        list
    }

    fn push(&mut self, key: &str) {
        let start = u32::try_from(self.text.len()).expect("keys under 4 GiB");
        self.text.push_str(key);
        let end = u32::try_from(self.text.len()).expect("keys under 4 GiB");
        self.spans.push((start, end));
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The letters of all keys together (for sizing what holds them).
    pub fn bytes(&self) -> usize {
        self.spans
            .iter()
            .map(|(start, end)| (end - start) as usize)
            .sum()
    }

    /// The keys, `size` at a time, in order.
    pub fn batches(&self, size: usize) -> impl Iterator<Item = Vec<IssueKey>> + '_ {
        self.spans.chunks(size.max(1)).map(|chunk| {
            chunk
                .iter()
                .filter_map(|&(start, end)| {
                    IssueKey::parse(&self.text[start as usize..end as usize])
                })
                .collect()
        })
    }
}

/// What Jira said about the keys of a check or a dashboard, kept compact: a report of 100,000
/// tickets holds one ~36-byte record per ticket plus its key's letters. Statuses, assignees
/// and browse-URL prefixes are interned (a few distinct values shared by many tickets), dates
/// are days, a browse URL is made when asked for, and a summary is kept only for the keys
/// asked for with [`Lookup::keep_summaries`] (the reports' own tickets).
#[derive(Debug, Default)]
pub struct Lookup {
    /// One per ticket, sorted by the key asked for.
    tickets: Vec<Ticket>,
    /// The keys' letters, one after another: each ticket's asked key, then, when it moved,
    /// its current key.
    keys: String,
    /// Interned texts: status names, assignees, browse-URL prefixes.
    texts: Interner,
    /// Keys whose summary is kept.
    summary_wanted: std::collections::HashSet<String>,
    /// Summaries of those keys (by the key asked for).
    summaries: HashMap<String, String>,
}

/// One ticket: where its keys are in [`Lookup::keys`] and what a check or the dashboard reads.
#[derive(Debug, Clone, Copy)]
struct Ticket {
    /// Start of the asked key in `keys`; the current key follows it when it moved.
    at: u32,
    /// Length of the asked key.
    asked_len: u16,
    /// Length of the current key; 0 when it is the asked key.
    moved_len: u16,
    /// Interned: the status's name.
    status: u32,
    /// Interned: the browse URL without the key (`{url}/browse/`), or, should it not end
    /// with the key, the whole URL ([`Ticket::whole_url`]).
    browse: u32,
    /// [`Ticket::browse`] is the whole URL.
    whole_url: bool,
    /// Interned assignee; [`NONE`] without one.
    assignee: u32,
    /// The status's category.
    category: StatusCategory,
    /// Created and resolved (the day in Jira's offset), due.
    created: Option<NaiveDate>,
    resolved: Option<NaiveDate>,
    due: Option<NaiveDate>,
}

/// No interned text.
const NONE: u32 = u32::MAX;

/// Distinct texts, each held once and named by its index.
#[derive(Debug, Default)]
struct Interner {
    texts: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

impl Interner {
    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&n) = self.index.get(text) {
            return n;
        }
        let n = u32::try_from(self.texts.len()).expect("fewer than 4 billion distinct texts");
        let shared: Arc<str> = text.into();
        self.texts.push(shared.clone());
        self.index.insert(shared, n);
        n
    }

    fn get(&self, n: u32) -> Option<&Arc<str>> {
        self.texts.get(n as usize)
    }
}

/// One ticket as [`Lookup::get`] gives it.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    lookup: &'a Lookup,
    ticket: &'a Ticket,
}

impl<'a> Found<'a> {
    /// The key the report links.
    pub fn asked(&self) -> &'a str {
        let at = self.ticket.at as usize;
        &self.lookup.keys[at..at + usize::from(self.ticket.asked_len)]
    }

    /// Its current key (after a move, the new one).
    pub fn key(&self) -> &'a str {
        if self.ticket.moved_len == 0 {
            return self.asked();
        }
        let at = self.ticket.at as usize + usize::from(self.ticket.asked_len);
        &self.lookup.keys[at..at + usize::from(self.ticket.moved_len)]
    }

    /// Its browse URL (`{url}/browse/{key}`).
    pub fn url(&self) -> String {
        let prefix = self.lookup.texts.get(self.ticket.browse).map_or("", |p| p);
        if self.ticket.whole_url {
            return prefix.to_owned();
        }
        format!("{prefix}{}", self.key())
    }

    /// Its status's name.
    pub fn status_name(&self) -> &'a str {
        self.lookup.texts.get(self.ticket.status).map_or("", |s| s)
    }

    /// Its status's category.
    pub fn status_category(&self) -> StatusCategory {
        self.ticket.category
    }

    /// Its summary, when kept ([`Lookup::keep_summaries`]).
    pub fn summary(&self) -> Option<&'a str> {
        self.lookup.summaries.get(self.asked()).map(String::as_str)
    }

    /// Its assignee's display name.
    pub fn assignee(&self) -> Option<&'a str> {
        self.lookup.texts.get(self.ticket.assignee).map(|a| &**a)
    }

    /// The day it was created, in Jira's offset.
    pub fn created(&self) -> Option<NaiveDate> {
        self.ticket.created
    }

    /// The day it got its resolution, in Jira's offset.
    pub fn resolved(&self) -> Option<NaiveDate> {
        self.ticket.resolved
    }

    /// Its due date.
    pub fn due(&self) -> Option<NaiveDate> {
        self.ticket.due
    }
}

impl Lookup {
    /// Indexes a `fetch_issues` answer; keys in `missing` are simply absent.
    pub fn from_fetched(fetched: FetchedIssues, browse_url: impl Fn(&IssueKey) -> String) -> Self {
        let mut lookup = Self::default();
        lookup.add_fetched(fetched, browse_url);
        lookup
    }

    /// Room for `tickets` more tickets whose keys take `key_bytes` (so a lookup of 100,000
    /// tickets is not grown by doubling, up to twice its size).
    pub fn reserve(&mut self, tickets: usize, key_bytes: usize) {
        self.tickets.reserve_exact(tickets);
        self.keys.reserve_exact(key_bytes);
    }

    /// Keeps the summaries of these keys' tickets (the rest are dropped as they are indexed).
    pub fn keep_summaries(&mut self, keys: &[IssueKey]) {
        self.summary_wanted
            .extend(keys.iter().map(|key| key.as_str().to_owned()));
    }

    /// How many tickets it knows.
    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    /// Whether it knows no ticket.
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }

    /// The ticket the report links as `asked`, if Jira knows it.
    pub fn get(&self, asked: &str) -> Option<Found<'_>> {
        let at = self
            .tickets
            .binary_search_by(|ticket| self.asked_of(ticket).cmp(asked))
            .ok()?;
        Some(Found {
            lookup: self,
            ticket: &self.tickets[at],
        })
    }

    fn asked_of(&self, ticket: &Ticket) -> &str {
        let at = ticket.at as usize;
        &self.keys[at..at + usize::from(ticket.asked_len)]
    }

    /// Adds what Jira answered for more keys (keeping only what a check or the dashboard
    /// reads of each). Should a key be answered twice, its last answer counts.
    pub fn add_fetched(
        &mut self,
        fetched: FetchedIssues,
        browse_url: impl Fn(&IssueKey) -> String,
    ) {
        let mut sorted = true;
        for found in fetched.into_found() {
            let (asked_as, issue) = found.into_parts();
            // The only holder: moved out, not copied.
            let Issue {
                key,
                summary,
                status,
                tracking,
                planning,
                ..
            } = std::sync::Arc::unwrap_or_clone(issue);
            let asked = asked_as.as_ref().unwrap_or(&key);
            let url = browse_url(&key);
            // The URL ends with the key (`{url}/browse/{key}`): only its prefix is kept.
            let (browse, whole_url) = match url.strip_suffix(key.as_str()) {
                Some(prefix) => (self.texts.intern(prefix), false),
                None => (self.texts.intern(&url), true),
            };
            let at = u32::try_from(self.keys.len()).expect("keys under 4 GiB");
            let length = |key: &IssueKey| u16::try_from(key.as_str().len()).unwrap_or(u16::MAX);
            self.keys.push_str(asked.as_str());
            let moved_len = if key == *asked {
                0
            } else {
                self.keys.push_str(key.as_str());
                length(&key)
            };
            let ticket = Ticket {
                at,
                asked_len: length(asked),
                moved_len,
                status: self.texts.intern(&status.name),
                browse,
                whole_url,
                assignee: planning
                    .assignee
                    .as_deref()
                    .map_or(NONE, |person| self.texts.intern(person.shown_name())),
                category: status.category,
                created: tracking.created.map(|d| d.date_naive()),
                resolved: tracking.resolved.map(|d| d.date_naive()),
                due: tracking.due,
            };
            if self.summary_wanted.contains(asked.as_str()) {
                self.summaries
                    .insert(asked.as_str().to_owned(), summary.to_string());
            }
            if let Some(last) = self.tickets.last() {
                sorted &= self.asked_of(last) < asked.as_str();
            }
            self.tickets.push(ticket);
        }
        if !sorted {
            // Keys asked out of order (callers ask in order, so this is rare): sort, keeping
            // the order of arrival among equal keys, then keep each key's last answer.
            let keys = &self.keys;
            let asked = |ticket: &Ticket| {
                let at = ticket.at as usize;
                &keys[at..at + usize::from(ticket.asked_len)]
            };
            self.tickets.sort_by(|a, b| asked(a).cmp(asked(b)));
            let mut kept: Vec<Ticket> = Vec::with_capacity(self.tickets.len());
            for ticket in self.tickets.drain(..) {
                match kept.last_mut() {
                    Some(last) if asked(last) == asked(&ticket) => *last = ticket,
                    _ => kept.push(ticket),
                }
            }
            self.tickets = kept;
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
        Some(lookup) => match lookup.get(key) {
            None => check.verdict = Verdict::Missing,
            Some(found) => judge_found(&mut check, key, found, rules),
        },
    }
    check
}

/// Fills `check` with what Jira says of the ticket the report links as `asked`.
fn judge_found(check: &mut ItemCheck, asked: &str, found: Found<'_>, rules: &StatusRules) {
    let current = found.key();
    if current != asked {
        check.moved_from = Some(asked.into());
    }
    check.url = Some(found.url().into());
    check.key = Some(current.into());
    check.status = Some(found.status_name().into());
    check.verdict = judge_status(rules, found.status_name(), Some(found.status_category()));
}

/// Judges every item of every report (as the outcome is read).
pub fn check_reports<'a>(
    reports: &'a [LoadedReport],
    rules: &'a StatusRules,
    lookup: Option<&'a Lookup>,
    require_items: bool,
) -> CheckOutcome<'a> {
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
            .map(|loaded| ReportCheck::judged(loaded, rules, lookup))
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
/// Its summary is read from `lookup`, which keeps it when told ([`Lookup::keep_summaries`]
/// with [`parent_keys`]).
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
        if let Some(found) = lookup.get(key) {
            judge_found(&mut check, key, found, rules);
            check.summary = found.summary().unwrap_or_default().into();
        }
        report.prepend(check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        Issue::sample(key, "s", status, category)
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
        let fetched = FetchedIssues::new(
            vec![
                (
                    IssueKey::parse("OPS-1").unwrap(),
                    issue("OPS-1", "Done", StatusCategory::Done).into(),
                ),
                (
                    IssueKey::parse("OPS-2").unwrap(),
                    issue("OPS-2", "In Progress", StatusCategory::Indeterminate).into(),
                ),
                (
                    IssueKey::parse("OPS-3").unwrap(),
                    issue("OPS-3", "Won't Do", StatusCategory::Done).into(),
                ),
                // Moved: asked for OLD-7, Jira answered with NEW-9.
                (
                    IssueKey::parse("OLD-7").unwrap(),
                    issue("NEW-9", "Closed", StatusCategory::Done).into(),
                ),
            ],
            vec![IssueKey::parse("OPS-4").unwrap()],
        );
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

    fn outcome(reports: Vec<Vec<Verdict>>, require_items: bool) -> CheckOutcome<'static> {
        CheckOutcome {
            source: Source::Jira,
            require_items,
            resolved_names: Vec::new(),
            reports: reports
                .into_iter()
                .enumerate()
                .map(|(n, verdicts)| {
                    ReportCheck::new(
                        PathBuf::from(format!("pm{n}.md")),
                        verdicts
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
                    )
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

    fn tracked(key: &str, status: &str, category: StatusCategory, assignee: Option<&str>) -> Issue {
        let mut issue = issue(key, status, category);
        issue.summary = format!("summary of {key}").into();
        issue.planning = crate::jira::model::PlanningBox::new(crate::jira::model::Planning {
            assignee: assignee.map(|name| {
                std::sync::Arc::new(crate::jira::model::User {
                    display_name: name.to_owned(),
                    ..Default::default()
                })
            }),
            ..Default::default()
        });
        issue.tracking = crate::jira::model::TrackingBox::new(crate::jira::model::Tracking {
            created: crate::jira::model::Tracking::parse_datetime("2020-04-14T23:30:00.000-0500"),
            due: NaiveDate::from_ymd_opt(2020, 5, 1),
            ..Default::default()
        });
        issue
    }

    #[test]
    fn a_compact_lookup_keeps_each_tickets_own_status_assignee_and_dates() {
        use StatusCategory::*;
        let key = |k: &str| IssueKey::parse(k).unwrap();
        let fetched = |found: Vec<(&str, Issue)>| {
            FetchedIssues::new(
                found.into_iter().map(|(k, i)| (key(k), i.into())),
                Vec::new(),
            )
        };
        let mut lookup = Lookup::default();
        lookup.keep_summaries(&[key("OPS-2")]);
        // Two batches, the second out of order and answering OPS-2 again (its last answer
        // counts); statuses and people shared by several tickets.
        lookup.add_fetched(
            fetched(vec![
                ("OPS-1", tracked("OPS-1", "To Do", New, Some("Ann"))),
                ("OPS-2", tracked("OPS-2", "Done", Done, Some("Bob"))),
                ("OPS-3", tracked("OPS-3", "To Do", New, None)),
            ]),
            |k| format!("https://j/browse/{k}"),
        );
        lookup.add_fetched(
            fetched(vec![
                (
                    "OPS-9",
                    tracked("OPS-9", "In Progress", Indeterminate, Some("Ann")),
                ),
                ("OPS-2", tracked("OPS-2", "Reopened", New, Some("Cy"))),
                ("OLD-7", tracked("NEW-12", "Done", Done, Some("Bob"))),
            ]),
            |k| format!("https://j/browse/{k}"),
        );
        assert_eq!(lookup.len(), 5);
        let seen = |asked: &str| {
            let found = lookup.get(asked).unwrap();
            (
                found.key(),
                found.status_name(),
                found.status_category(),
                found.assignee(),
                found.url(),
            )
        };
        assert_eq!(
            seen("OPS-1"),
            (
                "OPS-1",
                "To Do",
                New,
                Some("Ann"),
                "https://j/browse/OPS-1".into()
            )
        );
        assert_eq!(
            seen("OPS-2"),
            (
                "OPS-2",
                "Reopened",
                New,
                Some("Cy"),
                "https://j/browse/OPS-2".into()
            )
        );
        assert_eq!(
            seen("OPS-3"),
            ("OPS-3", "To Do", New, None, "https://j/browse/OPS-3".into())
        );
        assert_eq!(
            seen("OPS-9"),
            (
                "OPS-9",
                "In Progress",
                Indeterminate,
                Some("Ann"),
                "https://j/browse/OPS-9".into()
            )
        );
        // Moved: found under the key asked, carrying its new key and URL.
        assert_eq!(
            seen("OLD-7"),
            (
                "NEW-12",
                "Done",
                Done,
                Some("Bob"),
                "https://j/browse/NEW-12".into()
            )
        );
        assert!(lookup.get("NEW-12").is_none());
        assert!(lookup.get("OPS-4").is_none());
        // Dates are the day in Jira's offset; summaries only where asked for.
        let one = lookup.get("OPS-1").unwrap();
        assert_eq!(one.created(), NaiveDate::from_ymd_opt(2020, 4, 14));
        assert_eq!(one.due(), NaiveDate::from_ymd_opt(2020, 5, 1));
        assert_eq!(one.resolved(), None);
        assert_eq!(one.summary(), None);
        assert_eq!(
            lookup.get("OPS-2").unwrap().summary(),
            Some("summary of OPS-2")
        );
    }

    #[test]
    fn a_browse_url_without_the_key_at_its_end_is_kept_whole() {
        let fetched = FetchedIssues::new(
            vec![(
                IssueKey::parse("OPS-1").unwrap(),
                issue("OPS-1", "Done", StatusCategory::Done).into(),
            )],
            Vec::new(),
        );
        let lookup = Lookup::from_fetched(fetched, |k| format!("https://j/browse/{k}?x=1"));
        assert_eq!(
            lookup.get("OPS-1").unwrap().url(),
            "https://j/browse/OPS-1?x=1"
        );
    }

    #[test]
    fn a_key_list_is_sorted_distinct_and_asked_for_in_batches() {
        let keys: Vec<IssueKey> = ["OPS-10", "OPS-2", "ABC-1", "OPS-2", "OPS-1"]
            .iter()
            .map(|k| IssueKey::parse(k).unwrap())
            .collect();
        let list = KeyList::of_reports(&[], &keys);
        assert_eq!(list.len(), 4);
        assert_eq!(list.bytes(), "ABC-1OPS-1OPS-10OPS-2".len());
        let batches: Vec<Vec<String>> = list
            .batches(3)
            .map(|batch| batch.iter().map(|k| k.as_str().to_owned()).collect())
            .collect();
        assert_eq!(batches, [vec!["ABC-1", "OPS-1", "OPS-10"], vec!["OPS-2"]]);
    }
}
