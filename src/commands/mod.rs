//! One module per subcommand: each loads what it needs, runs, prints the result and returns the
//! exit code. Output goes to stdout; logs, progress and errors to stderr. The helpers every
//! command shares (runtime, Jira connection, stdout) live in [`runtime`], below the commands.

mod check;
mod dashboard;
pub mod doctor;
mod items;
mod refresh;
pub mod runtime;
mod sync;

use crate::cli::{Cli, Command};
use crate::error::{Error, exit};
use crate::settings::{Settings, process_env};

/// Runs the parsed command line; `Ok` carries the exit code.
pub fn dispatch(cli: Cli) -> Result<u8, Error> {
    if let Command::Completions { shell } = cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(shell, &mut command, "pm-sync", &mut std::io::stdout());
        return Ok(exit::OK);
    }
    let settings = match Settings::load(cli.config.as_deref(), &process_env) {
        Ok(settings) => settings,
        // The doctor reports a config file it cannot load as its first failed step.
        Err(error) => match &cli.command {
            Command::Doctor(args) => return Ok(doctor::config_failed(&error, args)),
            _ => return Err(error.into()),
        },
    };
    match cli.command {
        Command::Items(args) => items::run(&settings, &args),
        Command::Sync(args) => sync::run(&settings, &args, cli.quiet),
        Command::Refresh(args) => refresh::run(&settings, &args, cli.quiet),
        Command::Check(args) => check::run(&settings, &args),
        Command::Doctor(args) => doctor::run(&settings, &args),
        Command::Dashboard(args) => dashboard::run(&settings, &args),
        Command::Completions { .. } => Ok(exit::OK),
    }
}
