//! One module per subcommand: each loads what it needs, runs, prints the result and returns the
//! exit code. Output goes to stdout; logs, progress and errors to stderr. The helpers every
//! command shares (runtime, Jira connection, stdout) live in [`runtime`], below the commands.

mod check;
mod dashboard;
pub mod doctor;
mod init;
mod items;
mod pages;
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
    if let Command::Man = cli.command {
        let command = <Cli as clap::CommandFactory>::command();
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|error| Error::io(std::path::Path::new("<stdout>"), error))?;
        runtime::print_stdout(&String::from_utf8_lossy(&page));
        return Ok(exit::OK);
    }
    if let Command::Init(args) = &cli.command {
        return init::run(args, cli.config.as_deref());
    }
    // The config is looked for beside the first report too (and up to its repository root).
    let near: &[std::path::PathBuf] = match &cli.command {
        Command::Sync(args) => &args.reports,
        Command::Refresh(args) => &args.paths,
        Command::Check(args) => &args.paths,
        Command::Items(args) => std::slice::from_ref(&args.report),
        _ => &[],
    };
    let settings = match Settings::load_near(cli.config.as_deref(), near, &process_env) {
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
        Command::Check(args) => check::run(&settings, &args, cli.quiet),
        Command::Doctor(args) => doctor::run(&settings, &args),
        Command::Dashboard(args) => dashboard::run(&settings, &args),
        Command::Completions { .. } | Command::Man | Command::Init(_) => Ok(exit::OK),
    }
}
