//! `pm-sync check`, the CI gate: reads reports and Jira, prints one verdict per action item;
//! never writes a file and never changes Jira.

use crate::cli::CheckArgs;
use crate::error::Error;
use crate::gate::{KeyList, Lookup, check_reports};
use crate::settings::Settings;
use crate::sync::workspace::Unread;

use super::runtime::{block_on, connect, fetch_lookup, stdout_writer};

/// `pm-sync check`: loads the reports, reads every linked ticket's status from Jira in batches
/// (or, with `--offline`, takes the reports' status cells), prints the verdicts in the chosen
/// format and returns 0 when every item is resolved or waived, else 1.
pub(super) fn run(settings: &Settings, args: &CheckArgs, quiet: bool) -> Result<u8, Error> {
    // --changed: only the reports git says changed since the base are read (and asked about).
    let changed = match args.changed.as_deref() {
        Some(base) => Some(super::changed::since(Some(base).filter(|b| !b.is_empty()))?),
        None => None,
    };
    // Never locked and never saved: check only reads.
    let reports = super::pages::load_all(
        settings,
        &super::pages::Selection {
            unread: Unread::FailPostMortems,
            ..super::pages::Selection::new(&args.paths, args.cql.as_deref())
        },
        &settings.report,
        false,
        None,
        |path| changed.as_ref().is_none_or(|c| c.contains(path)),
    )?;
    if let Some(changed) = &changed
        && !quiet
    {
        let short = &changed.merge_base[..changed.merge_base.len().min(12)];
        crate::redact::eprint(&format!(
            "check --changed: {} report{} changed since {} (merge base {short})",
            reports.len(),
            if reports.len() == 1 { "" } else { "s" },
            changed.base,
        ));
    }
    // With --changed, a pull request that changes no report has nothing to check: that passes.
    let require_items = args.require_items && !(changed.is_some() && reports.is_empty());
    let lookup = if args.offline {
        // No config or Jira needed: the verdict comes from the report's own cells.
        None
    } else {
        // Validate the Jira settings even when no key needs a request, so a CI job that is
        // misconfigured fails now rather than on the first report that gets a ticket.
        let jira = settings.jira()?;
        let parents = if settings.company.check_parent {
            crate::gate::parent_keys(&reports)
        } else {
            Vec::new()
        };
        let keys = KeyList::of_reports(&reports, &parents);
        Some(if keys.is_empty() {
            Lookup::default()
        } else {
            let client = connect(jira)?;
            block_on(fetch_lookup(&client, &keys, &parents))?
        })
    };
    let mut outcome = check_reports(&reports, &settings.status, lookup.as_ref(), require_items);
    if let Some(lookup) = &lookup
        && settings.company.check_parent
    {
        crate::gate::check_parents(&mut outcome, &reports, &settings.status, lookup);
    }
    // Written as it is made; a closed pipe ends the writing quietly.
    let mut out = stdout_writer();
    let _ = crate::output::check::write_quiet(&mut out, &outcome, args.format, quiet);
    let _ = std::io::Write::flush(&mut out);
    drop(out);
    Ok(outcome.exit_code())
}
