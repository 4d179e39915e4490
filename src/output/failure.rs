//! What `--format json` and `--format github` print when a run stops on an error (exit 2 or 3):
//! still one well-formed result on stdout, so a script or a CI annotation never reads nothing.
//! The message is the same one stderr shows (it never holds a secret).

use serde::Serialize;

use super::check::github::{escape_data, escape_property};
use super::to_json;

/// A machine-readable format that must print something even when the run fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureFormat {
    /// `check --format json`: the check document, failed, with no reports.
    CheckJson,
    /// `check --format github`: one `::error` annotation and the total line.
    CheckGithub,
    /// `sync` / `refresh --format json`: the run document, with no reports.
    RunJson {
        command: &'static str,
        dry_run: bool,
    },
}

#[derive(Serialize)]
struct ErrorDoc<'a> {
    exit_code: u8,
    message: &'a str,
}

#[derive(Serialize)]
struct CheckDoc<'a> {
    passed: bool,
    error: ErrorDoc<'a>,
    reports: [(); 0],
    warnings: [(); 0],
}

#[derive(Serialize)]
struct RunDoc<'a> {
    command: &'static str,
    dry_run: bool,
    error: ErrorDoc<'a>,
    reports: [(); 0],
    changed: bool,
}

/// The result to print on stdout for a run that failed with `exit_code` and `message`.
pub fn render(format: FailureFormat, exit_code: u8, message: &str) -> String {
    let error = ErrorDoc { exit_code, message };
    match format {
        FailureFormat::CheckJson => to_json(&CheckDoc {
            passed: false,
            error,
            reports: [],
            warnings: [],
        }),
        FailureFormat::RunJson { command, dry_run } => to_json(&RunDoc {
            command,
            dry_run,
            error,
            reports: [],
            changed: false,
        }),
        FailureFormat::CheckGithub => format!(
            "::error title={}::{}\npm-sync check failed: no verdict (exit {exit_code}): {}\n",
            escape_property(&format!("pm-sync check could not run (exit {exit_code})")),
            escape_data(message),
            message.lines().next().unwrap_or_default(),
        ),
    }
}
