//! The dashboard's data: what the page, the JSON file and the Markdown summary show. Serialised
//! as-is to `dashboard.json`, whose schema docs/src/dashboard.md documents; fields are only ever added.

use chrono::NaiveDate;
use serde::Serialize;

use super::collect::Options;
use crate::gate::{Lookup, Source, Verdict};
use crate::sync::workspace::LoadedReport;

/// The `schema` value of `dashboard.json`; bumped only for a change that is not an addition.
pub const SCHEMA: &str = "pm-sync-dashboard/1";

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard<'a> {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The day ages and overdue are computed for (`--as-of`, default today in UTC).
    pub as_of: NaiveDate,
    /// `--since`: only post-mortems whose incident is on or after this day; `None` = all.
    pub since: Option<NaiveDate>,
    /// Where statuses came from: `jira` (live) or `report` (`--offline`).
    pub source: Source,
    /// `--target-days`: an open item without a due date is overdue this many days after its
    /// incident.
    pub target_days: u32,
    /// Counts over every post-mortem shown.
    pub totals: Totals,
    /// Closed within 30/60/90 days of the incident and time to resolve, for all severities
    /// first, then per severity (`sev1`, `sev2`, …).
    pub by_severity: Vec<SeverityStats>,
    /// Open items (not resolved or waived) at each point in time, from the tickets' created and
    /// resolution dates; empty offline.
    pub open_over_time: Vec<TimePoint>,
    /// Open items by age.
    pub open_age: Vec<AgeBucket>,
    /// Post-mortems left out: no incident date while `--since` is given.
    pub left_out_undated: usize,
    /// The post-mortems, newest incident first (undated last).
    pub post_mortems: Vec<PostMortem<'a>>,
}

/// Counts by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Post-mortems shown.
    pub post_mortems: usize,
    /// …of which have at least one item that is not closed.
    pub post_mortems_with_open_items: usize,
    /// Action items.
    pub items: usize,
    /// Ticket resolved.
    pub resolved: usize,
    /// Ticket in a `[status] waived` status.
    pub waived: usize,
    /// Ticket open.
    pub open: usize,
    /// No ticket yet.
    pub no_ticket: usize,
    /// Linked key Jira does not know.
    pub missing: usize,
    /// Items not closed and past their due date (or the target).
    pub overdue: usize,
}

impl Totals {
    /// Adds one item in `state`.
    pub fn count(&mut self, state: Verdict) {
        self.items += 1;
        match state {
            Verdict::Resolved => self.resolved += 1,
            Verdict::Waived => self.waived += 1,
            Verdict::Unresolved => self.open += 1,
            Verdict::NoTicket => self.no_ticket += 1,
            Verdict::Missing => self.missing += 1,
        }
    }

    /// Items not resolved or waived: open, without a ticket, or missing.
    pub fn not_closed(&self) -> usize {
        self.open + self.no_ticket + self.missing
    }
}

/// Follow-through of one severity (or of all, `severity == "all"`).
#[derive(Debug, Clone, Serialize)]
pub struct SeverityStats {
    /// `all`, or a severity such as `sev1`.
    pub severity: String,
    /// Post-mortems of this severity.
    pub post_mortems: usize,
    /// Items of this severity.
    pub items: usize,
    /// Items not closed.
    pub not_closed: usize,
    /// Closed within 30, 60 and 90 days of the incident.
    pub closed_within: Vec<Within>,
    /// Days from the incident to the resolution date, over items closed with a known date.
    pub days_to_close: Distribution,
}

/// "Closed within N days of the incident", counted over the items whose incident is at least
/// N days before `as_of` (younger ones have not had their N days yet).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Within {
    /// N.
    pub days: u32,
    /// Items whose incident is at least N days old.
    pub eligible: usize,
    /// …of which were resolved or waived within N days of the incident.
    pub closed: usize,
    /// `closed / eligible`, `None` when nothing is eligible or (offline) dates are unknown.
    pub share: Option<f64>,
}

/// A few numbers about a set of durations in days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Distribution {
    /// How many values.
    pub count: usize,
    /// Median (nearest rank); `None` without values.
    pub median: Option<i64>,
    /// 90th percentile (nearest rank); `None` without values.
    pub p90: Option<i64>,
    /// Largest value; `None` without values.
    pub max: Option<i64>,
}

impl Distribution {
    /// Summarises `values` (any order).
    pub fn of(mut values: Vec<i64>) -> Self {
        values.sort_unstable();
        let rank = |p: usize| -> Option<i64> {
            if values.is_empty() {
                return None;
            }
            // Nearest rank: the smallest value with at least p% of values at or below it.
            let index = (p * values.len()).div_ceil(100).max(1) - 1;
            values.get(index).copied()
        };
        Self {
            count: values.len(),
            median: rank(50),
            p90: rank(90),
            max: values.last().copied(),
        }
    }
}

/// Open items on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimePoint {
    /// The day.
    pub date: NaiveDate,
    /// Items created on or before it and not resolved by it.
    pub open: usize,
}

/// Open items whose age falls in `[min_days, max_days)`.
#[derive(Debug, Clone, Serialize)]
pub struct AgeBucket {
    /// For people, e.g. `30–59 days`.
    pub label: String,
    /// Lower bound, inclusive.
    pub min_days: i64,
    /// Upper bound, exclusive; `None` = no bound.
    pub max_days: Option<i64>,
    /// Items.
    pub count: usize,
}

/// One post-mortem report.
#[derive(Debug, Clone, Serialize)]
pub struct PostMortem<'a> {
    /// The report, relative as found (forward slashes).
    pub path: String,
    /// Front matter `title`, else the first heading, else the file name.
    pub title: String,
    /// Where the report can be read: `[report] url` with `{path}` filled in, else the path
    /// relative to the dashboard's folder.
    pub link: String,
    /// The incident date (front matter, else a `YYYY-MM-DD` at the start of the file name).
    pub incident_date: Option<NaiveDate>,
    /// Front matter severity, else `[labels] severity`.
    pub severity: String,
    /// Counts of its items.
    pub totals: Totals,
    /// Age in days of its oldest item that is not closed.
    pub oldest_open_days: Option<i64>,
    /// Its action items, in table order.
    pub items: Items<'a>,
}

/// A post-mortem's action items. Made from the report each time they are read rather than
/// held: a dashboard of 100,000 items reads them a few times (the numbers, the page, the
/// JSON), which costs far less than holding 100,000 of them.
#[derive(Clone)]
pub struct Items<'a>(ItemsFrom<'a>);

#[derive(Clone)]
enum ItemsFrom<'a> {
    /// Given as they are.
    Held(Vec<Item>),
    /// Made from the report's items and what Jira said, as [`super::collect`] makes them.
    Report {
        loaded: &'a LoadedReport,
        incident: Option<NaiveDate>,
        lookup: Option<&'a Lookup>,
        options: Options<'a>,
    },
}

impl<'a> Items<'a> {
    /// These items.
    pub fn held(items: Vec<Item>) -> Self {
        Self(ItemsFrom::Held(items))
    }

    /// `loaded`'s items, made when read.
    pub(super) fn from_report(
        loaded: &'a LoadedReport,
        incident: Option<NaiveDate>,
        lookup: Option<&'a Lookup>,
        options: Options<'a>,
    ) -> Self {
        Self(ItemsFrom::Report {
            loaded,
            incident,
            lookup,
            options,
        })
    }

    /// How many.
    pub fn len(&self) -> usize {
        match &self.0 {
            ItemsFrom::Held(items) => items.len(),
            ItemsFrom::Report { loaded, .. } => loaded.report.item_count(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each item, in table order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Item> + '_> {
        match &self.0 {
            ItemsFrom::Held(items) => Box::new(items.iter().cloned()),
            ItemsFrom::Report {
                loaded,
                incident,
                lookup,
                options,
            } => Box::new(
                loaded
                    .report
                    .iter_items()
                    .map(move |action| super::collect::item(&action, *incident, *lookup, options)),
            ),
        }
    }

    /// Item `index` (0-based, table order).
    pub fn get(&self, index: usize) -> Option<Item> {
        match &self.0 {
            ItemsFrom::Held(items) => items.get(index).cloned(),
            ItemsFrom::Report {
                loaded,
                incident,
                lookup,
                options,
            } => {
                let action = loaded.report.iter_items_from(index).next()?;
                Some(super::collect::item(&action, *incident, *lookup, options))
            }
        }
    }
}

impl std::fmt::Debug for Items<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items").field("len", &self.len()).finish()
    }
}

impl Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for item in self.iter() {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

/// One action item.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Line of the row in the report (1-based).
    pub line: usize,
    /// The summary as sent to Jira.
    pub summary: String,
    /// The ticket's current key; `None` without a ticket.
    pub key: Option<String>,
    /// The ticket's page; `None` offline or without a ticket.
    pub url: Option<String>,
    /// Jira's status (or, offline, the report's status cell).
    pub status: Option<String>,
    /// `resolved`, `waived`, `unresolved`, `no_ticket` or `missing` (as in `check`).
    pub state: Verdict,
    /// Jira's assignee, else the report's `Owner`/`Assignee` column.
    pub assignee: Option<String>,
    /// Jira's due date, else the report's `Due`/`Due Date` column (`YYYY-MM-DD`).
    pub due: Option<NaiveDate>,
    /// When the ticket was created (live only).
    pub created: Option<NaiveDate>,
    /// When the ticket was resolved (live only).
    pub resolved: Option<NaiveDate>,
    /// Days since the ticket was created, else since the incident; for items not closed.
    pub age_days: Option<i64>,
    /// Days from the incident to the resolution, for closed items with both dates.
    pub days_to_close: Option<i64>,
    /// Not closed and past its due date (or, without one, `target_days` after the incident).
    pub overdue: bool,
}

impl Item {
    /// Resolved or waived.
    pub fn closed(&self) -> bool {
        self.state.passes()
    }
}
