//! `pm-sync dashboard`: reads the reports and, in one batched pass, their tickets (status,
//! created, resolved, due date, assignee); writes a static site and prints a summary. Never
//! writes a report and never changes Jira.

use crate::cli::{DashboardArgs, DashboardFormat};
use crate::dashboard::collect::{Options, collect};
use crate::dashboard::model::Dashboard;
use crate::dashboard::{markdown, write_site};
use crate::error::{Error, exit};
use crate::gate::{KeyList, Lookup};
use crate::output::check::plural;
use crate::settings::Settings;

use super::runtime::{block_on, connect, fetch_lookup, print_stdout, stdout_writer};

/// Loads the reports, reads every linked ticket from Jira in batches of 100 (or, with
/// `--offline`, takes the reports' status cells), writes `index.html` and `dashboard.json`
/// into `--out`, and prints the summary in the chosen format.
pub(super) fn run(settings: &Settings, args: &DashboardArgs) -> Result<u8, Error> {
    let reports = super::pages::load_all(
        settings,
        &super::pages::Selection::new(&args.paths, args.cql.as_deref()),
        &settings.report,
        false,
        None,
        |_| true,
    )?;
    let lookup = if args.offline {
        None
    } else {
        let jira = settings.jira()?;
        let keys = KeyList::of_reports(&reports, &[]);
        Some(if keys.is_empty() {
            Lookup::default()
        } else {
            let client = connect(jira)?;
            block_on(fetch_lookup(&client, &keys, &[]))?
        })
    };
    let options = Options {
        as_of: args
            .as_of
            .unwrap_or_else(|| chrono::Utc::now().date_naive()),
        since: args.since,
        target_days: args.target_days,
        rules: &settings.status,
        default_severity: &settings.default_severity,
        report_url: settings.report_url.as_deref(),
        out_dir: args.out.as_deref(),
    };
    let dashboard = collect(&reports, lookup.as_ref(), &options);
    let written = match &args.out {
        Some(dir) => write_site(dir, &dashboard).map_err(|error| {
            Error::config(
                error.to_string(),
                "choose a folder pm-sync can write with --out",
            )
        })?,
        None => Vec::new(),
    };
    let text = match args.format {
        DashboardFormat::Json => {
            // Written as it is made (every item is in it); a closed pipe ends it quietly.
            let mut out = stdout_writer();
            let _ = crate::output::write_json(&mut out, &dashboard);
            let _ = std::io::Write::flush(&mut out);
            return Ok(exit::OK);
        }
        DashboardFormat::Markdown => markdown::render(&dashboard, args.site_url.as_deref()),
        DashboardFormat::Text => summary(&dashboard, &written),
    };
    print_stdout(&text);
    Ok(exit::OK)
}

/// A few lines for people: the totals, what is overdue, and the files written.
fn summary(d: &Dashboard, written: &[std::path::PathBuf]) -> String {
    let t = &d.totals;
    let mut out = format!(
        "dashboard: {} in {}: {} resolved, {} waived, {} open, {} without a ticket, {} missing; {} overdue\n",
        plural(t.items, "action item"),
        plural(t.post_mortems, "post-mortem"),
        t.resolved,
        t.waived,
        t.open,
        t.no_ticket,
        t.missing,
        t.overdue,
    );
    if let Some(within) = d.by_severity.first().and_then(|s| s.closed_within.first())
        && let Some(share) = within.share
    {
        out.push_str(&format!(
            "closed within {} days of the incident: {:.0}% ({} of {})\n",
            within.days,
            share * 100.0,
            within.closed,
            within.eligible
        ));
    }
    if d.left_out_undated > 0 {
        out.push_str(&format!(
            "note: {} without an incident date left out by --since\n",
            plural(d.left_out_undated, "post-mortem")
        ));
    }
    for path in written {
        out.push_str(&format!("wrote {}\n", path.display()));
    }
    out
}
