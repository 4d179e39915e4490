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
    /// Write a static dashboard (HTML, SVG charts, JSON) of every post-mortem's action items.
    Dashboard(DashboardArgs),
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

/// `dashboard` arguments.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Reports or directories (every `*.md` below with an Action Items table).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Folder to write index.html and dashboard.json to (created if missing). Without it only
    /// the summary is printed.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Take statuses from the reports' own cells, without Jira and without any config.
    #[arg(long)]
    pub offline: bool,

    /// Compute ages and overdue items as of this day (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,

    /// Only post-mortems whose incident is on or after this day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<NaiveDate>,

    /// An open item without a due date is overdue this many days after its incident.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub target_days: u32,

    /// Where the site is published; the Markdown summary links to it.
    #[arg(long, value_name = "URL")]
    pub site_url: Option<String>,

    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = DashboardFormat::Text)]
    pub format: DashboardFormat,
}

/// Output format of `dashboard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DashboardFormat {
    /// A few lines for people.
    Text,
    /// The dashboard.json document.
    Json,
    /// A summary for a pull request or a chat message.
    Markdown,
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
