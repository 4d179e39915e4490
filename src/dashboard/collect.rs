//! Builds the [`Dashboard`] from the loaded reports and what Jira said: verdicts as `check`
//! gives them, plus ages, due dates, overdue flags and the follow-through numbers. Pure: no
//! I/O besides what is already loaded.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;

use super::model::{
    AgeBucket, Dashboard, Distribution, Item, Items, PostMortem, SCHEMA, SeverityStats, TimePoint,
    Totals, Within,
};
use crate::gate::{Lookup, Source, check_item};
use crate::report::model::ActionItem;
use crate::settings::StatusRules;
use crate::sync::workspace::LoadedReport;

/// The "closed within N days" windows shown.
pub const WINDOWS: [u32; 3] = [30, 60, 90];

/// Most points of the open-items-over-time series (the step grows with the span).
const MAX_POINTS: i64 = 60;

/// What the dashboard is computed for, besides the reports.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The day ages and overdue are computed for.
    pub as_of: NaiveDate,
    /// Only post-mortems whose incident is on or after this day.
    pub since: Option<NaiveDate>,
    /// Days after the incident an item without a due date becomes overdue.
    pub target_days: u32,
    /// `[status]` rules.
    pub rules: &'a StatusRules,
    /// `[labels] severity`, for reports that name none.
    pub default_severity: &'a str,
    /// `[report] url` template (`{path}`), for links to the reports.
    pub report_url: Option<&'a str>,
    /// The folder the site is written to (links to reports are relative to it); `None` when
    /// no site is written.
    pub out_dir: Option<&'a Path>,
}

/// What the numbers over many post-mortems need of one post-mortem's items, gathered in the
/// one pass that counts them (the items themselves are made again when shown).
#[derive(Debug, Default)]
struct Facts {
    /// For each of [`WINDOWS`]: items closed within that many days of the incident.
    closed_within: [usize; WINDOWS.len()],
    /// Days from the incident to the resolution, of the items closed with both dates.
    days_to_close: Vec<i64>,
    /// Each item's open interval (from its ticket's creation or the incident, until its
    /// resolution), for the open-items-over-time series.
    intervals: Vec<(NaiveDate, Option<NaiveDate>)>,
    /// Items not closed, by [`AGE_BOUNDS`] bucket.
    ages: [usize; AGE_BOUNDS.len()],
}

/// Computes the dashboard. `lookup` is `None` offline.
pub fn collect<'a>(
    reports: &'a [LoadedReport],
    lookup: Option<&'a Lookup>,
    options: &Options<'a>,
) -> Dashboard<'a> {
    let mut left_out_undated = 0;
    let mut post_mortems: Vec<(PostMortem<'a>, Facts)> = Vec::new();
    for loaded in reports {
        let incident_date = incident_date(loaded);
        if let Some(since) = options.since {
            match incident_date {
                None => {
                    left_out_undated += 1;
                    continue;
                }
                Some(date) if date < since => continue,
                Some(_) => {}
            }
        }
        post_mortems.push(post_mortem(loaded, incident_date, lookup, options));
    }
    // Newest incident first; undated last; then by path so the order is stable.
    post_mortems.sort_by(|(a, _), (b, _)| {
        b.incident_date
            .is_some()
            .cmp(&a.incident_date.is_some())
            .then(b.incident_date.cmp(&a.incident_date))
            .then(a.path.cmp(&b.path))
    });

    let mut totals = Totals {
        post_mortems: post_mortems.len(),
        ..Totals::default()
    };
    for (pm, _) in &post_mortems {
        let t = &pm.totals;
        totals.items += t.items;
        totals.resolved += t.resolved;
        totals.waived += t.waived;
        totals.open += t.open;
        totals.no_ticket += t.no_ticket;
        totals.missing += t.missing;
        totals.overdue += t.overdue;
        totals.post_mortems_with_open_items += usize::from(t.not_closed() > 0);
    }
    let live = lookup.is_some();
    let by_severity = severity_stats(&post_mortems, options.as_of, live);
    let open_over_time = if live {
        open_over_time(&post_mortems, options)
    } else {
        Vec::new()
    };
    let open_age = open_age(&post_mortems);
    Dashboard {
        schema: SCHEMA,
        as_of: options.as_of,
        since: options.since,
        source: if live { Source::Jira } else { Source::Report },
        target_days: options.target_days,
        totals,
        by_severity,
        open_over_time,
        open_age,
        left_out_undated,
        post_mortems: post_mortems.into_iter().map(|(pm, _)| pm).collect(),
    }
}

/// Front matter date, else a `YYYY-MM-DD` at the start of the file name (`2019-03-26.md`,
/// `2024-05-07-checkout-latency.md`), as many teams name their post-mortems.
fn incident_date(loaded: &LoadedReport) -> Option<NaiveDate> {
    loaded.report.front_matter().incident_date.or_else(|| {
        let name = loaded.report.path().file_name()?.to_str()?;
        NaiveDate::parse_from_str(name.get(..10)?, "%Y-%m-%d").ok()
    })
}

/// One post-mortem, its items counted in one pass (they are made again when shown).
fn post_mortem<'a>(
    loaded: &'a LoadedReport,
    incident_date: Option<NaiveDate>,
    lookup: Option<&'a Lookup>,
    options: &Options<'a>,
) -> (PostMortem<'a>, Facts) {
    let path = display_path(loaded.report.path());
    let items = Items::from_report(loaded, incident_date, lookup, options.clone());
    let mut totals = Totals {
        post_mortems: 1,
        ..Totals::default()
    };
    let mut facts = Facts::default();
    let mut oldest_open_days = None;
    for item in items.iter() {
        totals.count(item.state);
        totals.overdue += usize::from(item.overdue);
        oldest_open_days = oldest_open_days.max(item.age_days);
        if let Some(days) = item.days_to_close {
            facts.days_to_close.push(days);
            for (closed, window) in facts.closed_within.iter_mut().zip(WINDOWS) {
                *closed += usize::from(days <= i64::from(window));
            }
        }
        if let Some(start) = item.created.or(incident_date) {
            if !item.closed() {
                facts.intervals.push((start, None));
            } else if let Some(resolved) = item.resolved {
                facts.intervals.push((start, Some(resolved)));
            }
        }
        if let Some(age) = item.age_days
            && let Some(bucket) = AGE_BOUNDS
                .iter()
                .position(|&(min, max, _)| age >= min && max.is_none_or(|max| age < max))
        {
            facts.ages[bucket] += 1;
        }
    }
    totals.post_mortems_with_open_items = usize::from(totals.not_closed() > 0);
    let link = match (options.report_url, options.out_dir) {
        (Some(template), _) => template.replace("{path}", &path),
        (None, Some(out)) => relative_link(out, loaded.report.path()),
        (None, None) => path.clone(),
    };
    let pm = PostMortem {
        title: title(loaded),
        link,
        incident_date,
        severity: loaded
            .report
            .front_matter()
            .severity
            .clone()
            .unwrap_or_else(|| options.default_severity.to_owned()),
        oldest_open_days,
        totals,
        items,
        path,
    };
    (pm, facts)
}

/// Front matter title, else the first `# ` heading, else the file name.
fn title(loaded: &LoadedReport) -> String {
    if loaded.report.front_matter().title.is_some() {
        return loaded.title.clone();
    }
    let text = String::from_utf8_lossy(loaded.report.bytes());
    let heading = text
        .lines()
        .map(str::trim_end)
        .find_map(|line| line.strip_prefix("# "))
        .map(|h| h.trim().trim_end_matches('#').trim())
        .filter(|h| !h.is_empty());
    heading.map_or_else(|| loaded.title.clone(), str::to_owned)
}

/// One action item as the dashboard shows it.
pub(super) fn item(
    action: &ActionItem,
    incident: Option<NaiveDate>,
    lookup: Option<&Lookup>,
    options: &Options,
) -> Item {
    let check = check_item(action, options.rules, lookup);
    let found = action.key.as_ref().and_then(|key| lookup?.get(key));
    let created = found.and_then(|f| f.created());
    let resolved = found.and_then(|f| f.resolved());
    let assignee = found
        .and_then(|f| f.assignee())
        .map(str::to_owned)
        .or_else(|| extra(action, &["owner", "owners", "assignee", "assigned to"]));
    let due = found.and_then(|f| f.due()).or_else(|| {
        extra(action, &["due", "due date", "deadline", "due by"]).and_then(|text| {
            NaiveDate::parse_from_str(text.get(..10).unwrap_or(&text), "%Y-%m-%d").ok()
        })
    });
    let closed = check.verdict.passes();
    let age_days = (!closed)
        .then(|| created.or(incident))
        .flatten()
        .map(|start| (options.as_of - start).num_days().max(0));
    let days_to_close = match (closed, incident, resolved) {
        (true, Some(incident), Some(resolved)) => Some((resolved - incident).num_days().max(0)),
        _ => None,
    };
    let overdue = !closed
        && match (due, incident) {
            (Some(due), _) => due < options.as_of,
            (None, Some(incident)) => {
                (options.as_of - incident).num_days() > i64::from(options.target_days)
            }
            (None, None) => false,
        };
    Item {
        line: check.line,
        summary: check.summary.into(),
        key: check.key.map(String::from),
        url: check.url.as_deref().map(str::to_owned),
        status: check.status.map(String::from),
        state: check.verdict,
        assignee,
        due,
        created,
        resolved,
        age_days,
        days_to_close,
        overdue,
    }
}

/// The text of the report's column named one of `names` (compared without case), if not
/// empty.
fn extra(action: &ActionItem, names: &[&str]) -> Option<String> {
    action
        .extra
        .iter()
        .find(|(header, _)| {
            let header = header.trim().to_lowercase();
            names.contains(&header.as_str())
        })
        .map(|(_, cell)| cell.text.trim().to_owned())
        .filter(|text| !text.is_empty() && text != "-" && text != "—")
}

fn severity_stats(
    post_mortems: &[(PostMortem<'_>, Facts)],
    as_of: NaiveDate,
    live: bool,
) -> Vec<SeverityStats> {
    let mut groups: BTreeMap<String, Vec<&(PostMortem<'_>, Facts)>> = BTreeMap::new();
    for pm in post_mortems {
        groups.entry(pm.0.severity.clone()).or_default().push(pm);
    }
    let all: Vec<&(PostMortem<'_>, Facts)> = post_mortems.iter().collect();
    std::iter::once(("all".to_owned(), all))
        .chain(groups)
        .map(|(severity, pms)| stats(severity, &pms, as_of, live))
        .collect()
}

fn stats(
    severity: String,
    pms: &[&(PostMortem<'_>, Facts)],
    as_of: NaiveDate,
    live: bool,
) -> SeverityStats {
    let closed_within = WINDOWS
        .iter()
        .enumerate()
        .map(|(w, &days)| {
            let mut eligible = 0;
            let mut closed = 0;
            for (pm, facts) in pms {
                let Some(incident) = pm.incident_date else {
                    continue;
                };
                if (as_of - incident).num_days() < i64::from(days) {
                    continue;
                }
                eligible += pm.totals.items;
                closed += facts.closed_within[w];
            }
            Within {
                days,
                eligible,
                closed,
                // Offline there are no resolution dates: no share rather than a false 0 %.
                share: (live && eligible > 0).then(|| closed as f64 / eligible as f64),
            }
        })
        .collect();
    SeverityStats {
        severity,
        post_mortems: pms.len(),
        items: pms.iter().map(|(pm, _)| pm.totals.items).sum(),
        not_closed: pms.iter().map(|(pm, _)| pm.totals.not_closed()).sum(),
        closed_within,
        days_to_close: Distribution::of(
            pms.iter()
                .flat_map(|(_, facts)| facts.days_to_close.iter().copied())
                .collect(),
        ),
    }
}

/// Open items at evenly spaced days from the first ticket (or `--since`) to `as_of`. An item is
/// open from its ticket's creation (without a ticket: from the incident) until its resolution
/// date; closed items whose resolution date Jira does not know are left out.
fn open_over_time(post_mortems: &[(PostMortem<'_>, Facts)], options: &Options) -> Vec<TimePoint> {
    let intervals = || post_mortems.iter().flat_map(|(_, facts)| &facts.intervals);
    let Some(first) = intervals().map(|(start, _)| *start).min() else {
        return Vec::new();
    };
    let first = options.since.map_or(first, |since| since.max(first));
    if first > options.as_of {
        return Vec::new();
    }
    let span = (options.as_of - first).num_days();
    let step = (span / MAX_POINTS + 1).max(1);
    let mut points = Vec::new();
    let mut offset = span;
    // Count back from as_of so the last point is always today.
    loop {
        let date = options.as_of - chrono::Duration::days(offset);
        let open = intervals()
            .filter(|(start, end)| *start <= date && end.is_none_or(|end| end > date))
            .count();
        points.push(TimePoint { date, open });
        if offset == 0 {
            break;
        }
        offset = (offset - step).max(0);
    }
    points
}

/// The age buckets of open items: lower bound (inclusive), upper bound (exclusive), words.
const AGE_BOUNDS: [(i64, Option<i64>, &str); 6] = [
    (0, Some(7), "under a week"),
    (7, Some(30), "7–29 days"),
    (30, Some(60), "30–59 days"),
    (60, Some(90), "60–89 days"),
    (90, Some(180), "90–179 days"),
    (180, None, "180 days or more"),
];

/// The age buckets of open items.
fn open_age(post_mortems: &[(PostMortem<'_>, Facts)]) -> Vec<AgeBucket> {
    AGE_BOUNDS
        .iter()
        .enumerate()
        .map(|(n, &(min, max, label))| AgeBucket {
            label: label.to_owned(),
            min_days: min,
            max_days: max,
            count: post_mortems.iter().map(|(_, facts)| facts.ages[n]).sum(),
        })
        .collect()
}

/// The path as found, with forward slashes and no leading `./`.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.trim_start_matches("./").to_owned()
}

/// A relative URL from the site's folder to a report, so the link works from `file://` and
/// when the report sits beside the published site.
fn relative_link(out_dir: &Path, report: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let from = normalise(&absolute(out_dir));
    let to = normalise(&absolute(report));
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = from
        .components()
        .skip(common)
        .map(|_| "..".to_owned())
        .collect();
    parts.extend(
        to.components()
            .skip(common)
            .map(|c| percent_encode(&c.as_os_str().to_string_lossy())),
    );
    parts.join("/")
}

/// Removes `.` and resolves `..` lexically.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Percent-encodes what may not stand in a URL path segment.
fn percent_encode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let d = Distribution::of(vec![10, 1, 5, 3, 8, 2, 7, 4, 6, 9]);
        assert_eq!(
            (d.count, d.median, d.p90, d.max),
            (10, Some(5), Some(9), Some(10))
        );
        let one = Distribution::of(vec![4]);
        assert_eq!((one.median, one.p90), (Some(4), Some(4)));
        assert_eq!(Distribution::of(Vec::new()).median, None);
    }

    #[test]
    fn links_to_reports_are_relative_to_the_site_and_encoded() {
        assert_eq!(
            relative_link(Path::new("/r/site"), Path::new("/r/pm/2026 q1.md")),
            "../pm/2026%20q1.md"
        );
        assert_eq!(
            relative_link(Path::new("/r/a/b/"), Path::new("/r/a/b/c/x.md")),
            "c/x.md"
        );
        assert_eq!(
            relative_link(Path::new("/r/./a/../s"), Path::new("/r/x.md")),
            "../x.md"
        );
    }
}
