//! Renderers: turn a run's outcome into text for people or stable JSON for scripts.

pub mod check;
pub mod failure;
mod run_text;

use std::io::IsTerminal;

use anstream::{AutoStream, ColorChoice};

use crate::cli::Format;
use crate::sync::outcome::RunOutcome;

/// Writes a sync or refresh outcome in `format` to `out` as it is rendered. With `quiet`,
/// text output keeps only the problems and the totals.
pub fn write_run(
    out: &mut impl std::io::Write,
    outcome: &RunOutcome,
    format: Format,
    quiet: bool,
) -> std::io::Result<()> {
    match format {
        Format::Text => {
            let mut text = FmtToIo { out, error: None };
            match run_text::write(&mut text, outcome, use_color(), quiet) {
                Ok(()) => Ok(()),
                Err(std::fmt::Error) => Err(text
                    .error
                    .unwrap_or_else(|| std::io::Error::other("formatting failed"))),
            }
        }
        Format::Json => write_json(
            out,
            &RunDocument {
                outcome,
                changed: changes_anything(outcome),
            },
        ),
    }
}

/// A `fmt::Write` over an `io::Write`, keeping the I/O error a `fmt::Error` cannot carry.
struct FmtToIo<'w, W: std::io::Write> {
    out: &'w mut W,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> std::fmt::Write for FmtToIo<'_, W> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.out.write_all(text.as_bytes()).map_err(|error| {
            self.error = Some(error);
            std::fmt::Error
        })
    }
}

/// The JSON of `sync` and `refresh`: the outcome, plus whether the run changed (or, dry, would
/// change) anything, so a script need not add up the rows to tell.
#[derive(serde::Serialize)]
struct RunDocument<'a> {
    #[serde(flatten)]
    outcome: &'a RunOutcome,
    /// A ticket was (or would be) created, adopted or updated, or a report written.
    changed: bool,
}

/// Whether the run created, adopted or updated a ticket or changed a report (dry: would).
pub(crate) fn changes_anything(outcome: &RunOutcome) -> bool {
    use crate::sync::outcome::RowAction;
    outcome.reports.iter().any(|report| report.written)
        || outcome.rows().any(|row| {
            matches!(row.action, RowAction::Created | RowAction::Adopted)
                || !row.updated.is_empty()
                || row.report_changed
        })
}

/// [`to_json`], written to `out` as it is made.
pub fn write_json(
    out: &mut impl std::io::Write,
    value: &impl serde::Serialize,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// Pretty JSON with a trailing newline.
pub fn to_json(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|error| {
        // Our own types always serialise; say so loudly if that ever breaks.
        format!("{{\"error\": \"pm-sync could not serialise its output: {error}\"}}")
    });
    text.push('\n');
    text
}

/// Whether stdout gets colour: `--color always|never` when given, else anstream's rules —
/// never with a non-empty `NO_COLOR`, always with a non-empty `CLICOLOR_FORCE`, else only on
/// a terminal whose `TERM` is not `dumb`.
pub fn use_color() -> bool {
    AutoStream::choice(&std::io::stdout()) != ColorChoice::Never
}

/// The same decision for stderr (errors and logs).
pub fn use_color_stderr() -> bool {
    AutoStream::choice(&std::io::stderr()) != ColorChoice::Never
}

/// Applies `--color` for the whole process; `auto` leaves the decision to the environment.
pub fn set_color(choice: crate::cli::ColorWhen) {
    let choice = match choice {
        crate::cli::ColorWhen::Auto => ColorChoice::Auto,
        crate::cli::ColorWhen::Always => ColorChoice::Always,
        crate::cli::ColorWhen::Never => ColorChoice::Never,
    };
    choice.write_global();
}

/// Wraps `text` in an ANSI colour (`"32"` green, `"31"` red, ...) when `on`.
pub fn paint(text: &str, code: &str, on: bool) -> String {
    use anstyle::{AnsiColor, Style};
    let fg = |color: AnsiColor| Style::new().fg_color(Some(color.into()));
    let style = match code {
        "2" => Style::new().dimmed(),
        "31" => fg(AnsiColor::Red),
        "32" => fg(AnsiColor::Green),
        "33" => fg(AnsiColor::Yellow),
        "34" => fg(AnsiColor::Blue),
        "35" => fg(AnsiColor::Magenta),
        "36" => fg(AnsiColor::Cyan),
        _ => Style::new(),
    };
    if on {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// A progress bar on stderr, shown only on a terminal and without `-q`; it stays invisible
/// until its length is set (so runs with nothing to create show nothing).
pub fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// `text` on one line, as a value in line-oriented output: a line end or tab becomes a space
/// and any other control character (an escape that would recolour the terminal) `?`. A file
/// name, a status or a summary from Jira cannot then forge a line of a CI log (`PASSED …`)
/// or split a report's line in two.
pub(crate) fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match c {
            '\r' | '\n' | '\t' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect::<String>()
        .into()
}

/// Text for a table cell: no pipes, no line breaks, no HTML, no accidental emphasis or links.
pub(crate) fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '[' | ']' | '`' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
