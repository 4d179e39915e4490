//! `pm-sync sync`: create missing tickets, update changed ones, write keys and statuses back.

use crate::cli::SyncArgs;
use crate::error::Error;
use crate::report::ReportOptions;
use crate::settings::Settings;
use crate::sync::run::Duplicates;
use crate::sync::workspace::LabelSources;

use super::runtime::run_engine;

/// `pm-sync sync`.
pub(super) fn run(settings: &Settings, args: &SyncArgs, quiet: bool) -> Result<u8, Error> {
    let severity = match &args.severity {
        Some(raw) => Some(crate::report::normalise_severity(raw).ok_or_else(|| {
            Error::config(
                format!("--severity {raw:?} is not a severity"),
                "write it as sevN, e.g. --severity sev2",
            )
        })?),
        None => None,
    };
    // Jira settings first: a config problem is reported before any report is locked.
    settings.jira()?;
    let sources = LabelSources {
        incident_date: args.incident_date,
        severity: severity.as_deref(),
        default_severity: &settings.default_severity,
    };
    let duplicates = if args.close_duplicates {
        Duplicates::Close(settings.duplicate_transition.clone())
    } else {
        Duplicates::Report
    };
    let dry_run = args.dry_run;
    // Only a dry run shows a diff; a writing run keeps one copy of each report's bytes.
    let options = ReportOptions {
        keep_original: dry_run,
        ..settings.report.clone()
    };
    let mut reports = super::pages::load_all(
        settings,
        &super::pages::Selection::new(&args.reports, None),
        &options,
        !args.dry_run,
        Some(sources),
        |_| true,
    )?;
    run_engine(
        settings,
        &mut reports,
        quiet,
        args.format,
        move |engine, reports| {
            Box::pin(crate::sync::run::sync_with(
                engine, reports, dry_run, duplicates,
            ))
        },
    )
}
