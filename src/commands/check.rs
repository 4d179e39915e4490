//! `pm-sync check`, the CI gate: reads reports and Jira, prints one verdict per action item;
//! never writes a file and never changes Jira.

use crate::cli::CheckArgs;
use crate::error::Error;
use crate::gate::{Lookup, check_reports};
use crate::settings::Settings;
use crate::sync::workspace::linked_keys;

use super::runtime::{block_on, connect, fetch_lookup, print_stdout};

/// `pm-sync check`: loads the reports, reads every linked ticket's status from Jira in batches
/// (or, with `--offline`, takes the reports' status cells), prints the verdicts in the chosen
/// format and returns 0 when every item is resolved or waived, else 1.
pub(super) fn run(settings: &Settings, args: &CheckArgs, quiet: bool) -> Result<u8, Error> {
    // Never locked and never saved: check only reads.
    let reports = super::pages::load_all(
        settings,
        &args.paths,
        args.cql.as_deref(),
        &settings.report,
        false,
        None,
    )?;
    let outcome = if args.offline {
        // No config or Jira needed: the verdict comes from the report's own cells.
        check_reports(&reports, &settings.status, None, args.require_items)
    } else {
        // Validate the Jira settings even when no key needs a request, so a CI job that is
        // misconfigured fails now rather than on the first report that gets a ticket.
        let jira = settings.jira()?;
        let keys = linked_keys(&reports);
        let lookup = if keys.is_empty() {
            Lookup::default()
        } else {
            let client = connect(jira)?;
            block_on(fetch_lookup(&client, &keys))?
        };
        check_reports(
            &reports,
            &settings.status,
            Some(&lookup),
            args.require_items,
        )
    };
    print_stdout(&crate::output::check::render_quiet(
        &outcome,
        args.format,
        quiet,
    ));
    Ok(outcome.exit_code())
}
