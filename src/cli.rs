//! Raw command-line arguments (clap derive). Doc comments here are the `--help` text.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keep a post-mortem's Action Items table and its Jira tickets in sync.
///
/// Every action item becomes one Jira ticket labelled `sevN_YYYYMMDD` and `sevN`; each ticket's
/// key and status are written back into the report, changing no other byte.
#[derive(Debug, Parser)]
#[command(name = "pm-sync", version = crate::VERSION, propagate_version = true)]
pub struct Cli {
    /// Config file (default: ./pm-sync.toml, then $XDG_CONFIG_HOME/pm-sync/config.toml).
    #[arg(short, long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// More log output on stderr (-v: info, -vv: debug, -vvv: trace). RUST_LOG also works.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr and no progress bar; text results list only problems and totals.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create missing tickets, update changed ones, write keys and statuses back.
    Sync(SyncArgs),
    /// Fetch statuses and write them back; never creates or edits tickets.
    Refresh(RefreshArgs),
    /// Exit 0 only if every item has a ticket in a resolved state; writes nothing.
    Check(CheckArgs),
    /// Print the parsed action items; no network, no config needed.
    Items(ItemsArgs),
    /// Check config, credentials, project and issue type against Jira.
    Doctor(DoctorArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// `sync` arguments.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Post-mortem reports (Markdown files) or directories of them.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,

    /// Print the plan and a unified diff of each report; create, edit and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Incident date for the labels; wins over the report's front matter.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub incident_date: Option<NaiveDate>,

    /// Severity for the labels (e.g. sev2); wins over the report's front matter.
    #[arg(long, value_name = "sevN")]
    pub severity: Option<String>,

    /// Close duplicate tickets (extra tickets two copies of a report filed for one item at the
    /// same moment) with `[jira] duplicate_transition`, after converging on the lowest key.
    #[arg(long)]
    pub close_duplicates: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `refresh` arguments.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Reports or directories (every `*.md` below with an Action Items table).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Print what would change and a unified diff of each report; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `check` arguments.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Reports or directories (every `*.md` below with an Action Items table).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Decide from the report's own status cells, without asking Jira.
    #[arg(long)]
    pub offline: bool,

    /// Fail a report that has no action items (by default it passes with a warning).
    #[arg(long)]
    pub require_items: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// `items` arguments.
#[derive(Debug, Args)]
pub struct ItemsArgs {
    /// A post-mortem report.
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `doctor` arguments.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output format of most commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// Stable JSON, documented in the README.
    Json,
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// A table for people.
    Text,
    /// Stable JSON, documented in the README.
    Json,
    /// GitHub Actions workflow annotations (`::error file=…,line=…::`).
    Github,
    /// JUnit XML, one testcase per item.
    Junit,
    /// A Markdown summary for `$GITHUB_STEP_SUMMARY` or a merge-request note.
    Markdown,
}
