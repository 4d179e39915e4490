//! `pm-sync items`: how pm-sync reads a report, without Jira.

use crate::cli::{Format, ItemsArgs};
use crate::error::{Error, exit};
use crate::output;
use crate::report::Report;
use crate::report::labels::resolve_labels;
use crate::settings::Settings;

use super::runtime::print_stdout;

/// `pm-sync items`: the parsed action items and the labels the report implies. No network.
pub(super) fn run(settings: &Settings, args: &ItemsArgs) -> Result<u8, Error> {
    let page = crate::confluence::reference::looks_like_page(&args.report.to_string_lossy());
    let report = if page {
        // Read only: never locked, never written.
        let mut loaded = super::pages::load_all(
            settings,
            std::slice::from_ref(&args.report),
            None,
            &settings.report,
            false,
            None,
        )?;
        match loaded.pop() {
            Some(loaded) => loaded.report,
            None => return Ok(exit::OK),
        }
    } else {
        Report::load(&args.report, &settings.report)?
    };
    let labels = resolve_labels(
        report.front_matter(),
        None,
        None,
        &settings.default_severity,
        &args.report,
    );
    let text = match args.format {
        Format::Text => crate::report::render::items_text(&report, labels.as_ref()),
        Format::Json => {
            output::to_json(&crate::report::render::items_view(&report, labels.as_ref()))
        }
    };
    print_stdout(&text);
    Ok(exit::OK)
}
