//! The dashboard page: one self-contained HTML file (inline CSS, inline SVG, a little inline
//! JavaScript for sorting and filtering), rendered with maud, which escapes every value. A
//! Content-Security-Policy forbids loading anything from anywhere, so the page works from
//! `file://` and from any static host, and a stray external reference fails loudly.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::collect::WINDOWS;
use super::model::{Dashboard, Item, PostMortem, SeverityStats, Totals};
use super::svg;
use crate::gate::{Source, Verdict};

/// The stylesheet: light and dark palettes (Okabe–Ito hues, darkened or lightened to keep 3:1
/// against the background), system fonts only.
const CSS: &str = include_str!("page.css");

/// Sorting and filtering; the page is complete without it.
const SCRIPT: &str = include_str!("page.js");

/// Most post-mortems drawn in the "items per post-mortem" chart (those with the most open
/// items); the table lists all.
const MOST_OPEN_SHOWN: usize = 15;

/// The states in display order: CSS class suffix, words, verdict.
const STATES: [(&str, &str, Verdict); 5] = [
    ("resolved", "resolved", Verdict::Resolved),
    ("waived", "waived", Verdict::Waived),
    ("open", "open", Verdict::Unresolved),
    ("no-ticket", "without a ticket", Verdict::NoTicket),
    ("missing", "missing in Jira", Verdict::Missing),
];

/// Where the open items' rows go in the page's skeleton (a comment: no text escaped by maud
/// can look like it).
const OPEN_ROWS: &str = "<!--pm-sync:open-rows-->";
/// Where the post-mortems' rows go.
const PM_ROWS: &str = "<!--pm-sync:post-mortem-rows-->";

/// Renders the whole page; `json_file` is the name of the JSON file beside it.
pub fn render(dashboard: &Dashboard, json_file: &str) -> String {
    let mut out = Vec::new();
    // Writing to a `Vec` cannot fail.
    let _ = write(&mut out, dashboard, json_file);
    String::from_utf8(out).unwrap_or_default()
}

/// [`render`], written to `out` as it is made: the page is a small skeleton (rendered whole)
/// with the two long tables' rows written one at a time into it, so a page of 100,000 items is
/// never one string.
pub fn write(
    out: &mut impl std::io::Write,
    dashboard: &Dashboard,
    json_file: &str,
) -> std::io::Result<()> {
    let open = open_rows(dashboard);
    let skeleton = page(dashboard, json_file, open.len()).into_string();
    // A table without rows has no marker (its section says it is empty instead).
    let (head, rest) = skeleton.split_once(OPEN_ROWS).unwrap_or(("", &skeleton));
    let (middle, tail) = rest.split_once(PM_ROWS).unwrap_or((rest, ""));
    out.write_all(head.as_bytes())?;
    for row in &open {
        let pm = &dashboard.post_mortems[row.pm as usize];
        if let Some(item) = pm.items.get(row.index as usize) {
            out.write_all(open_row(pm, &item).into_string().as_bytes())?;
        }
    }
    drop(open);
    out.write_all(middle.as_bytes())?;
    for pm in &dashboard.post_mortems {
        out.write_all(pm_row(pm).into_string().as_bytes())?;
    }
    out.write_all(tail.as_bytes())
}

/// The page with [`OPEN_ROWS`] and [`PM_ROWS`] where the tables' rows go; `open` items are
/// not closed.
fn page(dashboard: &Dashboard, json_file: &str, open: usize) -> Markup {
    let title = format!("Post-mortem follow-ups as of {}", dashboard.as_of);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy"
                    content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
                meta name="color-scheme" content="light dark";
                meta name="generator" content=(format!("pm-sync {}", crate::VERSION));
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                a class="skip" href="#open-items" { "Skip to the open items" }
                header {
                    h1 { "Post-mortem follow-ups" }
                    p class="meta" { (meta_line(dashboard)) }
                }
                main {
                    (overview(dashboard))
                    (follow_through(dashboard))
                    (charts(dashboard))
                    (open_items(open))
                    (post_mortems(dashboard))
                }
                footer {
                    p {
                        "The same data as JSON: " a href=(json_file) { (json_file) } ". "
                        "Made by pm-sync " (crate::VERSION) " from " (dashboard.totals.post_mortems)
                        " post-mortem reports."
                    }
                    (definitions(dashboard))
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    page
}

fn meta_line(d: &Dashboard) -> String {
    let period = match d.since {
        Some(since) => format!("post-mortems since {since}"),
        None => "all post-mortems".to_owned(),
    };
    let source = match d.source {
        Source::Jira => "statuses live from Jira",
        Source::Report => "statuses as written in the reports (offline)",
    };
    let mut line = format!(
        "As of {} · {period} · {source} · target: closed within {} days of the incident",
        d.as_of, d.target_days
    );
    if d.left_out_undated > 0 {
        line.push_str(&format!(
            " · {} without an incident date left out",
            d.left_out_undated
        ));
    }
    line
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_owned(), |s| format!("{:.0}%", s * 100.0))
}

fn overview(d: &Dashboard) -> Markup {
    let t = &d.totals;
    let all = d.by_severity.first();
    let within30 = all.and_then(|s| s.closed_within.first());
    html! {
        section class="overview" aria-labelledby="overview-h" {
            h2 id="overview-h" { "Overview" }
            div class="kpis" {
                div class=(if t.overdue > 0 { "kpi alert" } else { "kpi" }) {
                    span class="num" { (t.not_closed()) }
                    span class="label" { "items not closed" }
                    span class="sub" {
                        @if t.overdue > 0 { strong { (t.overdue) " overdue" } } @else { "none overdue" }
                    }
                }
                div class="kpi" {
                    span class="num" { (percent(within30.and_then(|w| w.share))) }
                    span class="label" { "closed within 30 days" }
                    span class="sub" {
                        @match within30 {
                            Some(w) if w.share.is_some() => { (w.closed) " of " (w.eligible) " items of incidents ≥ 30 days old" }
                            _ if d.source == Source::Report => { "needs Jira's resolution dates (run without --offline)" }
                            _ => { "no incident is 30 days old yet" }
                        }
                    }
                }
                div class="kpi" {
                    span class="num" { (t.no_ticket) }
                    span class="label" { "without a ticket" }
                    span class="sub" { @if t.no_ticket > 0 { "run pm-sync sync" } @else { "every item is tracked" } }
                }
                div class="kpi" {
                    span class="num" { (t.post_mortems_with_open_items) " / " (t.post_mortems) }
                    span class="label" { "post-mortems with open items" }
                    span class="sub" { (t.items) " action items in all" }
                }
            }
            (state_bar(t))
        }
    }
}

/// One bar of all items by state, with a legend that carries the numbers.
fn state_bar(t: &Totals) -> Markup {
    let count = |v: Verdict| match v {
        Verdict::Resolved => t.resolved,
        Verdict::Waived => t.waived,
        Verdict::Unresolved => t.open,
        Verdict::NoTicket => t.no_ticket,
        Verdict::Missing => t.missing,
    };
    let total = t.items.max(1) as f64;
    html! {
        div class="statebar" role="img" aria-label=(format!(
            "{} action items: {} resolved, {} waived, {} open, {} without a ticket, {} missing in Jira",
            t.items, t.resolved, t.waived, t.open, t.no_ticket, t.missing)) {
            @for (class, _, verdict) in STATES {
                @if count(verdict) > 0 {
                    span class=(format!("seg b-{class}")) style=(format!("width:{:.2}%", count(verdict) as f64 / total * 100.0)) {}
                }
            }
        }
        ul class="legend" {
            @for (class, words, verdict) in STATES {
                li { span class=(format!("swatch b-{class}")) {} strong { (count(verdict)) } " " (words) }
            }
        }
    }
}

fn follow_through(d: &Dashboard) -> Markup {
    html! {
        section aria-labelledby="follow-h" {
            h2 id="follow-h" { "Follow-through by severity" }
            p class="note" {
                "Share of action items resolved or waived within N days of their incident, counted over the items whose incident is at least N days old."
            }
            div class="scroll" {
                table class="follow" {
                    thead { tr {
                        th scope="col" { "Severity" }
                        th scope="col" class="n" { "Post-mortems" }
                        th scope="col" class="n" { "Items" }
                        th scope="col" class="n" { "Not closed" }
                        @for days in WINDOWS { th scope="col" { "Closed ≤ " (days) " days" } }
                        th scope="col" class="n" { "Median days to close" }
                        th scope="col" class="n" { "90% closed within" }
                    } }
                    tbody {
                        @for s in &d.by_severity { (severity_row(s)) }
                    }
                }
            }
        }
    }
}

fn severity_row(s: &SeverityStats) -> Markup {
    html! {
        tr class=(if s.severity == "all" { "total" } else { "" }) {
            th scope="row" { @if s.severity == "all" { "All" } @else { (s.severity) } }
            td class="n" { (s.post_mortems) }
            td class="n" { (s.items) }
            td class="n" { (s.not_closed) }
            @for w in &s.closed_within {
                td {
                    @match w.share {
                        Some(share) => {
                            span class="meter" aria-hidden="true" { span style=(format!("width:{:.1}%", share * 100.0)) {} }
                            " " strong { (percent(Some(share))) } " "
                            span class="muted" { (w.closed) "/" (w.eligible) }
                        }
                        None => { span class="muted" { "—" } }
                    }
                }
            }
            td class="n" { (days(s.days_to_close.median)) }
            td class="n" { (days(s.days_to_close.p90)) }
        }
    }
}

fn days(value: Option<i64>) -> String {
    value.map_or_else(|| "—".to_owned(), |d| format!("{d} d"))
}

fn charts(d: &Dashboard) -> Markup {
    html! {
        section aria-labelledby="charts-h" {
            h2 id="charts-h" { "Trends" }
            div class="charts" {
                (open_over_time_chart(d))
                (age_chart(d))
                (per_post_mortem_chart(d))
                (time_to_resolve_chart(d))
            }
        }
    }
}

/// A chart with its caption and, for people who cannot see it, the same numbers as a table.
fn figure(heading: &str, chart: Markup, table: Markup) -> Markup {
    html! {
        figure class="card" {
            figcaption { (heading) }
            (chart)
            details {
                summary { "Data table" }
                (table)
            }
        }
    }
}

fn empty_figure(heading: &str, why: &str) -> Markup {
    html! {
        figure class="card" {
            figcaption { (heading) }
            p class="empty" { (why) }
        }
    }
}

fn open_over_time_chart(d: &Dashboard) -> Markup {
    let heading = "Open items over time";
    if d.source == Source::Report {
        return empty_figure(
            heading,
            "Needs the tickets' created and resolution dates from Jira: run without --offline.",
        );
    }
    if d.open_over_time.is_empty() {
        return empty_figure(heading, "No dated items yet.");
    }
    let labels: Vec<String> = d
        .open_over_time
        .iter()
        .map(|p| p.date.to_string())
        .collect();
    let values: Vec<usize> = d.open_over_time.iter().map(|p| p.open).collect();
    let first = d.open_over_time.first().map(|p| p.open).unwrap_or(0);
    let last = values.last().copied().unwrap_or(0);
    let peak = values.iter().copied().max().unwrap_or(0);
    let desc = format!(
        "From {} to {}, open items went from {first} to {last} (peak {peak}).",
        labels[0],
        labels[labels.len() - 1]
    );
    let chart = svg::line_chart("chart-over-time", heading, &desc, &labels, &values);
    let table = html! {
        table { thead { tr { th scope="col" { "Date" } th scope="col" class="n" { "Open items" } } }
            tbody { @for p in &d.open_over_time { tr { td { (p.date) } td class="n" { (p.open) } } } } }
    };
    figure(heading, chart, table)
}

fn age_chart(d: &Dashboard) -> Markup {
    let heading = "Age of items not closed";
    let bars: Vec<(String, usize)> = d
        .open_age
        .iter()
        .map(|b| (b.label.clone(), b.count))
        .collect();
    let total: usize = bars.iter().map(|b| b.1).sum();
    if total == 0 {
        return empty_figure(heading, "Nothing is open.");
    }
    let desc = bars
        .iter()
        .map(|(label, count)| format!("{label}: {count}"))
        .collect::<Vec<_>>()
        .join("; ");
    let chart = svg::column_chart("chart-age", heading, &desc, "s-open", &bars);
    let table = html! {
        table { thead { tr { th scope="col" { "Age" } th scope="col" class="n" { "Items" } } }
            tbody { @for (label, count) in &bars { tr { td { (label) } td class="n" { (count) } } } } }
    };
    figure(heading, chart, table)
}

fn per_post_mortem_chart(d: &Dashboard) -> Markup {
    let mut ranked: Vec<&PostMortem> = d
        .post_mortems
        .iter()
        .filter(|p| p.totals.items > 0)
        .collect();
    let heading = if ranked.len() > MOST_OPEN_SHOWN {
        format!(
            "Items per post-mortem: the {MOST_OPEN_SHOWN} with most open (of {})",
            ranked.len()
        )
    } else {
        "Items per post-mortem".to_owned()
    };
    if ranked.is_empty() {
        return empty_figure(&heading, "No post-mortem has action items.");
    }
    ranked.sort_by(|a, b| {
        b.totals
            .not_closed()
            .cmp(&a.totals.not_closed())
            .then(b.oldest_open_days.cmp(&a.oldest_open_days))
    });
    ranked.truncate(MOST_OPEN_SHOWN);
    let rows: Vec<(String, Vec<svg::Segment<'_>>)> = ranked
        .iter()
        .map(|pm| {
            let t = &pm.totals;
            (
                pm.title.clone(),
                vec![
                    ("s-resolved", "resolved", t.resolved),
                    ("s-waived", "waived", t.waived),
                    ("s-open", "open", t.open),
                    ("s-no-ticket", "without a ticket", t.no_ticket),
                    ("s-missing", "missing in Jira", t.missing),
                ],
            )
        })
        .collect();
    let desc = ranked
        .iter()
        .map(|pm| {
            format!(
                "{}: {} of {} not closed",
                pm.title,
                pm.totals.not_closed(),
                pm.totals.items
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let chart = svg::stacked_rows("chart-per-pm", &heading, &desc, &rows);
    let table = html! {
        table {
            thead { tr {
                th scope="col" { "Post-mortem" }
                @for (_, words, _) in STATES { th scope="col" class="n" { (words) } }
            } }
            tbody { @for pm in &ranked { tr {
                td { (pm.title) }
                td class="n" { (pm.totals.resolved) } td class="n" { (pm.totals.waived) }
                td class="n" { (pm.totals.open) } td class="n" { (pm.totals.no_ticket) }
                td class="n" { (pm.totals.missing) }
            } } }
        }
    };
    figure(&heading, chart, table)
}

fn time_to_resolve_chart(d: &Dashboard) -> Markup {
    let heading = "Days from incident to resolution, by severity";
    let rows: Vec<(String, i64, i64, usize)> = d
        .by_severity
        .iter()
        .filter_map(|s| {
            let dist = &s.days_to_close;
            Some((
                if s.severity == "all" {
                    "All".to_owned()
                } else {
                    s.severity.clone()
                },
                dist.median?,
                dist.p90?,
                dist.count,
            ))
        })
        .collect();
    if rows.is_empty() {
        let why = if d.source == Source::Report {
            "Needs Jira's resolution dates: run without --offline."
        } else {
            "No item has been resolved yet."
        };
        return empty_figure(heading, why);
    }
    let desc = rows
        .iter()
        .map(|(s, median, p90, n)| {
            format!("{s}: median {median} days, 90% within {p90} days ({n} items)")
        })
        .collect::<Vec<_>>()
        .join("; ");
    let chart = svg::median_p90_rows("chart-resolve", heading, &desc, &rows);
    let table = html! {
        table {
            thead { tr { th scope="col" { "Severity" } th scope="col" class="n" { "Median (days)" }
                th scope="col" class="n" { "90th percentile (days)" } th scope="col" class="n" { "Items" } } }
            tbody { @for (s, median, p90, n) in &rows { tr {
                td { (s) } td class="n" { (median) } td class="n" { (p90) } td class="n" { (n) } } } }
        }
    };
    let chart = html! {
        (chart)
        div class="legend-inline" aria-hidden="true" {
            span class="swatch b-median" {} " median " span class="swatch b-p90" {} " 90th percentile"
        }
    };
    figure(heading, chart, table)
}

/// One row of the open items' table: where its item is, and what it is sorted by.
struct OpenRow {
    /// Days since its ticket (or incident); `i64::MIN` when unknown (sorted as `None`).
    age: i64,
    /// Its post-mortem's place in [`Dashboard::post_mortems`].
    pm: u32,
    /// Its place among the post-mortem's items.
    index: u32,
    /// Its line in the report.
    line: u32,
    overdue: bool,
}

/// Every item that is not closed, overdue ones first, then the oldest (then by report and line).
fn open_rows(d: &Dashboard) -> Vec<OpenRow> {
    let mut rows: Vec<OpenRow> = Vec::new();
    for (pm, post_mortem) in d.post_mortems.iter().enumerate() {
        for (index, item) in post_mortem.items.iter().enumerate() {
            if item.closed() {
                continue;
            }
            let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            rows.push(OpenRow {
                age: item.age_days.unwrap_or(i64::MIN),
                pm: narrow(pm),
                index: narrow(index),
                line: narrow(item.line),
                overdue: item.overdue,
            });
        }
    }
    let path = |row: &OpenRow| &d.post_mortems[row.pm as usize].path;
    rows.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.age.cmp(&a.age))
            .then_with(|| path(a).cmp(path(b)))
            .then(a.line.cmp(&b.line))
    });
    rows
}

/// The open items' section; its rows go where [`OPEN_ROWS`] is.
fn open_items(total: usize) -> Markup {
    html! {
        section id="open-items" aria-labelledby="open-h" {
            h2 id="open-h" { "Open items " span class="count" { "(" (total) ")" } }
            @if total == 0 {
                p class="empty" { "Every action item is resolved or waived." }
            } @else {
                div class="controls" data-js hidden {
                    label { "Filter " input type="search" data-filter="open-table" placeholder="key, text, person, post-mortem…"; }
                    label { "Show "
                        select data-state-filter="open-table" {
                            option value="" { "all not closed" }
                            option value="overdue" { "overdue only" }
                            option value="unresolved" { "open tickets" }
                            option value="no_ticket" { "without a ticket" }
                            option value="missing" { "missing in Jira" }
                        }
                    }
                    output data-count="open-table" aria-live="polite" { (total) " of " (total) }
                }
                div class="scroll" {
                    table id="open-table" class="sortable items" {
                        thead { tr {
                            (sort_head("Ticket", false))
                            (sort_head("Item", false))
                            (sort_head("Post-mortem", false))
                            (sort_head("Sev", false))
                            (sort_head("Status", false))
                            (sort_head("Assignee", false))
                            (sort_head("Due", false))
                            (sort_head("Age (days)", true))
                        } }
                        tbody { (PreEscaped(OPEN_ROWS)) }
                    }
                }
            }
        }
    }
}

fn sort_head(text: &str, numeric: bool) -> Markup {
    html! {
        th scope="col" class=(if numeric { "n" } else { "" }) data-num[numeric] {
            button type="button" { (text) }
        }
    }
}

fn open_row(pm: &PostMortem, item: &Item) -> Markup {
    let state = item.state.as_str();
    html! {
        tr data-state=(state) data-overdue[item.overdue] class=(if item.overdue { "overdue" } else { "" }) {
            td class="key" {
                @match (&item.key, &item.url) {
                    (Some(key), Some(url)) => { a href=(url) { (key) } }
                    (Some(key), None) => { (key) }
                    (None, _) => { span class="muted" { "no ticket" } }
                }
            }
            td { (item.summary) }
            td { a href=(pm.link) { (pm.title) } }
            td { (pm.severity) }
            td {
                span class=(format!("pill p-{}", state.replace('_', "-"))) {
                    @match item.state {
                        Verdict::NoTicket => "no ticket",
                        Verdict::Missing => "missing",
                        _ => (item.status.as_deref().unwrap_or("open")),
                    }
                }
            }
            td { (item.assignee.as_deref().unwrap_or("—")) }
            td class="date" data-v=(item.due.map(|d| d.to_string()).unwrap_or_default()) {
                @match item.due { Some(due) => (due), None => span class="muted" { "—" } }
            }
            td class="n" data-v=(item.age_days.map(|a| a.to_string()).unwrap_or_default()) {
                (item.age_days.map_or_else(|| "—".to_owned(), |a| a.to_string()))
                @if item.overdue { " " span class="badge" { "overdue" } }
            }
        }
    }
}

fn post_mortems(d: &Dashboard) -> Markup {
    let total = d.post_mortems.len();
    html! {
        section id="post-mortems" aria-labelledby="pm-h" {
            h2 id="pm-h" { "Post-mortems " span class="count" { "(" (total) ")" } }
            @if total == 0 {
                p class="empty" { "No post-mortem report with an action items table was found." }
            } @else {
                div class="controls" data-js hidden {
                    label { "Filter " input type="search" data-filter="pm-table" placeholder="title, severity, path…"; }
                    label { input type="checkbox" data-open-only="pm-table"; " only with open items" }
                    output data-count="pm-table" aria-live="polite" { (total) " of " (total) }
                }
                div class="scroll" {
                    table id="pm-table" class="sortable" {
                        thead { tr {
                            (sort_head("Post-mortem", false))
                            (sort_head("Incident", false))
                            (sort_head("Sev", false))
                            (sort_head("Items", true))
                            (sort_head("Resolved", true))
                            (sort_head("Waived", true))
                            (sort_head("Open", true))
                            (sort_head("No ticket", true))
                            (sort_head("Missing", true))
                            (sort_head("Oldest open (days)", true))
                            th scope="col" { "Progress" }
                        } }
                        tbody { (PreEscaped(PM_ROWS)) }
                    }
                }
            }
        }
    }
}

fn pm_row(pm: &PostMortem) -> Markup {
    let t = &pm.totals;
    let closed = t.resolved + t.waived;
    let share = if t.items == 0 {
        1.0
    } else {
        closed as f64 / t.items as f64
    };
    html! {
        tr data-open=(t.not_closed()) data-overdue[t.overdue > 0] {
            td { a href=(pm.link) { (pm.title) } br; span class="path" { (pm.path) } }
            td class="date" data-v=(pm.incident_date.map(|d| d.to_string()).unwrap_or_default()) {
                @match pm.incident_date { Some(date) => (date), None => span class="muted" { "—" } }
            }
            td { (pm.severity) }
            td class="n" { (t.items) }
            td class="n" { (t.resolved) }
            td class="n" { (t.waived) }
            td class="n" { @if t.open > 0 { strong { (t.open) } } @else { "0" } }
            td class="n" { (t.no_ticket) }
            td class="n" { (t.missing) }
            td class="n" data-v=(pm.oldest_open_days.map(|a| a.to_string()).unwrap_or_default()) {
                (pm.oldest_open_days.map_or_else(|| "—".to_owned(), |a| a.to_string()))
                @if t.overdue > 0 { " " span class="badge" { (t.overdue) " overdue" } }
            }
            td data-v=(format!("{share:.4}")) {
                span class="meter" role="img" aria-label=(format!("{closed} of {} closed", t.items)) {
                    span style=(format!("width:{:.1}%", share * 100.0)) {}
                }
                " " span class="muted" { (closed) "/" (t.items) }
            }
        }
    }
}

fn definitions(d: &Dashboard) -> Markup {
    html! {
        details class="definitions" {
            summary { "How these numbers are made" }
            ul {
                li { strong { "Closed" } ": the ticket is resolved (status category Done, or a status listed in [status] resolved) or waived ([status] waived). Everything else is not closed: open tickets, items without a ticket, and keys Jira does not know." }
                li { strong { "Age" } ": days since the ticket was created, or, without a ticket or offline, since the incident." }
                li { strong { "Overdue" } ": not closed and past its due date (Jira's, or the report's Due column), or, without a due date, more than " (d.target_days) " days after the incident (--target-days)." }
                li { strong { "Closed within N days" } ": resolved or waived with a resolution date at most N days after the incident, over the items whose incident is at least N days old." }
                li { strong { "Incident date" } ": front matter incident_date or date, else a YYYY-MM-DD at the start of the file name. Severity: front matter, else [labels] severity." }
            }
        }
    }
}
