//! `pm-sync items`: how pm-sync reads reports, without Jira.

use crate::cli::{Format, ItemsArgs};
use crate::error::{Error, exit};
use crate::output;
use crate::report::labels::resolve_labels;
use crate::settings::Settings;

use super::runtime::print_stdout;

/// `pm-sync items`: the parsed action items and the labels each report implies. No network.
/// Folders are walked as `check` walks them (Markdown files without the section are skipped).
/// JSON: one report named as a file prints its object; otherwise an array of them.
pub(super) fn run(settings: &Settings, args: &ItemsArgs) -> Result<u8, Error> {
    // Read only: never locked, never written.
    let loaded = super::pages::load_all(
        settings,
        &super::pages::Selection::new(&args.paths, None),
        &settings.report,
        false,
        None,
        |_| true,
    )?;
    let mut texts = Vec::new();
    let mut views = Vec::new();
    for loaded in &loaded {
        let report = &loaded.report;
        let labels = resolve_labels(
            report.front_matter(),
            None,
            None,
            &settings.default_severity,
            report.path(),
        );
        match args.format {
            Format::Text => {
                let mut text = crate::report::render::items_text(report, labels.as_ref());
                if args.explain {
                    text.push('\n');
                    text.push_str(&report.explanation().text());
                }
                texts.push(text);
            }
            Format::Json => {
                let mut view = crate::report::render::items_view(report, labels.as_ref());
                if args.explain {
                    view.explanation = Some(report.explanation());
                }
                views.push(view);
            }
        }
    }
    let single_file = args.paths.len() == 1 && !args.paths[0].is_dir();
    let text = match args.format {
        Format::Text if loaded.is_empty() => format!(
            "no report with an action items section found in {}\n",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Format::Text => texts.join("\n"),
        Format::Json if single_file && views.len() == 1 => output::to_json(&views[0]),
        Format::Json => output::to_json(&views),
    };
    print_stdout(&text);
    Ok(exit::OK)
}
