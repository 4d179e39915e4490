//! Renderers: turn a run's outcome into text for people or stable JSON for scripts.

pub mod check;
mod run_text;

use std::io::IsTerminal;

use crate::cli::Format;
use crate::sync::outcome::RunOutcome;

/// Renders a sync or refresh outcome in `format`. With `quiet`, text output keeps only the
/// problems and the totals.
pub fn render_run(outcome: &RunOutcome, format: Format, quiet: bool) -> String {
    match format {
        Format::Text => run_text::render(outcome, use_color(), quiet),
        Format::Json => to_json(outcome),
    }
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

/// Colour only on a terminal, and never with `NO_COLOR`.
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Wraps `text` in an ANSI colour when `on`.
pub fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
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
