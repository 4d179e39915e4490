//! `pm-sync refresh`: read every linked ticket's status and write it back; never writes to Jira.

use crate::cli::RefreshArgs;
use crate::error::Error;
use crate::report::ReportOptions;
use crate::settings::Settings;

use super::runtime::run_engine;

/// `pm-sync refresh`.
pub(super) fn run(settings: &Settings, args: &RefreshArgs, quiet: bool) -> Result<u8, Error> {
    settings.jira()?;
    // Only a dry run shows a diff; a writing run keeps one copy of each report's bytes.
    let options = ReportOptions {
        keep_original: args.dry_run,
        ..settings.report.clone()
    };
    let mut reports = super::pages::load_all(
        settings,
        &super::pages::Selection::new(&args.paths, args.cql.as_deref()),
        &options,
        !args.dry_run,
        None,
        |_| true,
    )?;
    let keys = crate::sync::workspace::linked_keys(&reports).len();
    tracing::info!(
        "refresh: {} report{} found, {keys} linked ticket{} to read from {}",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        if keys == 1 { "" } else { "s" },
        settings.jira()?.url
    );
    for loaded in &reports {
        tracing::info!(
            "{}: {} action items",
            loaded.report.path().display(),
            loaded.report.item_count()
        );
    }
    run_engine(
        settings,
        &mut reports,
        quiet,
        args.format,
        |engine, reports| Box::pin(crate::sync::refresh::refresh(engine, reports, args.dry_run)),
    )
}
