//! pm-sync keeps a post-mortem report's Action Items table and its Jira tickets in sync.
//!
//! - [`report`] reads the Action Items table and splices keys and statuses back, byte for byte.
//! - [`jira`] is a small async client for Jira Cloud and Data Center.
//! - [`sync`] is the only place the two meet: plan (pure), then apply (effects).
//!
//! The library API is internal to the binary and carries no semantic-version guarantees.

pub mod jira;
pub mod report;

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs the command line `args` and returns the process exit code (see the README's table).
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let _ = args.into_iter().count();
    ExitCode::SUCCESS
}
