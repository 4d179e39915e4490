//! `pm-sync man`: one man page, built from the same clap definition as `--help`. Each command
//! gets its own section in that page (usage, what it does, its options) rather than a
//! reference to a `pm-sync-sync(1)` page that is never installed.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;

/// The whole page, in roff.
pub(super) fn page() -> std::io::Result<Vec<u8>> {
    let mut command = Cli::command();
    command.build();
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
    {
        writeln!(
            out,
            ".SS \"{}\"",
            roff(&format!("pm-sync {}", sub.get_name()))
        )?;
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(ToString::to_string)
            .unwrap_or_default();
        writeln!(out, "{}", roff_paragraphs(&about))?;
        let usage = sub.clone().render_usage().to_string();
        writeln!(out, ".PP\n.nf\n{}\n.fi", roff(usage.trim()))?;
        for arg in sub.get_arguments().filter(|arg| !arg.is_hide_set()) {
            // The global options are in OPTIONS above.
            if arg.is_global_set() || matches!(arg.get_id().as_str(), "help" | "version") {
                continue;
            }
            let name = match (arg.get_short(), arg.get_long()) {
                (Some(short), Some(long)) => format!("-{short}, --{long}"),
                (None, Some(long)) => format!("--{long}"),
                (Some(short), None) => format!("-{short}"),
                (None, None) => arg
                    .get_value_names()
                    .and_then(|names| names.first())
                    .map(|name| format!("<{name}>"))
                    .unwrap_or_else(|| arg.get_id().to_string()),
            };
            let value = arg
                .get_value_names()
                .and_then(|names| names.first())
                .filter(|_| arg.get_action().takes_values() && arg.get_long().is_some())
                .map(|name| format!(" <{name}>"))
                .unwrap_or_default();
            let name = format!("{name}{value}");
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(ToString::to_string)
                .unwrap_or_default();
            writeln!(
                out,
                ".TP\n\\fB{}\\fR\n{}",
                roff(&name),
                roff_paragraphs(&help)
            )?;
        }
        if let Some(after) = sub.get_after_help() {
            writeln!(out, ".PP\n.nf\n{}\n.fi", roff(after.to_string().trim_end()))?;
        }
    }
    if let Some(after) = command.get_after_long_help().or(command.get_after_help()) {
        writeln!(out, ".SH \"ENVIRONMENT, EXIT STATUS AND EXAMPLES\"")?;
        writeln!(out, ".nf\n{}\n.fi", roff(after.to_string().trim_end()))?;
    }
    writeln!(out, ".SH \"SEE ALSO\"")?;
    writeln!(
        out,
        "The book (docs/ in the source repository): installation, configuration, report rules, \
         CI recipes, troubleshooting."
    )?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// Text for roff: backslashes and hyphens escaped, and no line starting with a control
/// character (`.` or `'`).
fn roff(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.replace('\\', "\\e").replace('-', "\\-");
            if line.starts_with('.') || line.starts_with('\'') {
                format!("\\&{line}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// [`roff`] text whose blank lines start new paragraphs.
fn roff_paragraphs(text: &str) -> String {
    roff(text.trim()).replace("\n\n", "\n.PP\n")
}
