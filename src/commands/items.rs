//! `pm-sync items`: how pm-sync reads reports, without Jira.

use crate::cli::{Format, ItemsArgs};
use crate::error::{Error, exit};
use crate::output;
use crate::report::labels::resolve_labels;
use crate::settings::Settings;

use std::io::Write;

use super::runtime::{print_stdout, stdout_writer};

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
    let single_file = args.paths.len() == 1 && !args.paths[0].is_dir();
    if loaded.is_empty() && args.format == Format::Text {
        print_stdout(&format!(
            "no report with an action items section found in {}\n",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Ok(exit::OK);
    }
    // Written as it is made (a report of 100,000 rows is never one string); a closed pipe
    // (`pm-sync items x.md | head`) ends the writing quietly.
    let mut out = stdout_writer();
    let _ = match args.format {
        Format::Text => write_texts(&mut out, settings, args, &loaded),
        Format::Json => write_json(&mut out, settings, args, &loaded, single_file),
    };
    let _ = out.flush();
    Ok(exit::OK)
}

/// The labels `report` implies.
fn labels(
    settings: &Settings,
    report: &crate::report::Report,
) -> Result<crate::report::IncidentLabels, crate::report::ReportError> {
    resolve_labels(
        report.front_matter(),
        None,
        None,
        &settings.default_severity,
        report.path(),
    )
}

/// Each report's listing (and explanation), a blank line between two reports.
fn write_texts(
    out: &mut impl Write,
    settings: &Settings,
    args: &ItemsArgs,
    loaded: &[crate::sync::workspace::LoadedReport],
) -> std::io::Result<()> {
    for (i, loaded) in loaded.iter().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        let report = &loaded.report;
        let labels = labels(settings, report);
        crate::report::render::write_items_text(out, report, labels.as_ref())?;
        if args.explain {
            out.write_all(b"\n")?;
            out.write_all(report.explanation().text().as_bytes())?;
        }
    }
    Ok(())
}

/// One report named as a file: its object; otherwise an array of them.
fn write_json(
    out: &mut impl Write,
    settings: &Settings,
    args: &ItemsArgs,
    loaded: &[crate::sync::workspace::LoadedReport],
    single_file: bool,
) -> std::io::Result<()> {
    let labels: Vec<_> = loaded
        .iter()
        .map(|loaded| labels(settings, &loaded.report))
        .collect();
    let mut views: Vec<_> = loaded
        .iter()
        .zip(&labels)
        .map(|(loaded, labels)| {
            let report = &loaded.report;
            let mut view = crate::report::render::items_view(report, labels.as_ref());
            if args.explain {
                view.explanation = Some(report.explanation());
            }
            view
        })
        .collect();
    if single_file && views.len() == 1 {
        output::write_json(out, &views.remove(0))
    } else {
        output::write_json(out, &views)
    }
}
