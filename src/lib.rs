//! pm-sync keeps a post-mortem report's Action Items table and its Jira tickets in sync.
//!
//! - [`report`] reads the Action Items table and splices keys and statuses back, byte for byte.
//! - [`jira`] is a small async client for Jira Cloud and Data Center.
//! - [`confluence`] is a small client for Confluence pages (Cloud and Data Center).
//! - [`home`] is where a report lives (a file or a Confluence page), behind one interface.
//! - [`sync`] is the only place the two meet: plan (pure), then apply (effects).
//! - [`commands`] runs each subcommand on validated [`settings::Settings`].
//!
//! The library API serves the binary and carries no semantic-version guarantees.

pub mod cli;
pub mod commands;
pub mod confluence;
pub mod dashboard;
pub mod error;
pub mod freeing;
pub mod gate;
pub mod home;
pub mod jira;
pub mod key;
pub mod output;
pub mod redact;
pub mod report;
pub mod settings;
pub mod sync;
pub mod thin;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

/// `pm-sync <version>`, with the git revision when built from a checkout (see `build.rs`).
pub const VERSION: &str = env!("PM_SYNC_VERSION");

/// Runs the command line `args` and returns the process exit code (see the README's table and docs/src/exit-codes.md).
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    ExitCode::from(run_to_code(args))
}

/// [`run`], with the exit code as a number (for in-process callers such as the quickstart).
/// Holds no global state besides the log subscriber, the masking panic hook and the secrets to
/// mask (which only grow), so it can run twice in one process.
pub fn run_to_code(args: impl IntoIterator<Item = OsString>) -> u8 {
    // The token is masked in everything printed from the first byte on: its default variable
    // now, the configured one once the settings are read (`settings::validate_jira`).
    if let Some(token) = std::env::var_os("JIRA_API_TOKEN") {
        redact::register(&token.to_string_lossy());
    }
    install_masked_panic_hook();
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // clap echoes what was typed: through the filter like everything else.
            let color = if error.use_stderr() {
                output::use_color_stderr()
            } else {
                output::use_color()
            };
            let shown = if color {
                error.render().ansi().to_string()
            } else {
                error.render().to_string()
            };
            if error.use_stderr() {
                redact::eprint(shown.trim_end());
            } else {
                commands::runtime::print_stdout(&shown);
            }
            return if error.use_stderr() {
                error::exit::BAD_INPUT
            } else {
                error::exit::OK
            };
        }
    };
    output::set_color(cli.color);
    init_logging(cli.verbose, cli.quiet);
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            redact::eprint(&error.render(output::use_color_stderr()));
            error.exit_code()
        }
    }
}

/// Logs go to stderr: warnings by default, `-v` info, `-vv` debug, `-vvv` trace, `-q` errors
/// only; `RUST_LOG` wins when set.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("pm_sync={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(redact::stderr_writer)
        .with_ansi(output::use_color_stderr())
        .with_target(false)
        .without_time()
        .try_init();
}

/// Panic messages pass the secret filter too (a panic may quote any value it was handed).
fn install_masked_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            redact::eprint(&format!("pm-sync panicked{at}: {payload}"));
        }));
    });
}
