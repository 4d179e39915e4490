//! Raw command-line arguments (clap derive). Doc comments here are the `--help` text.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keep a post-mortem's Action Items table and its Jira tickets in sync.
///
/// Every action item becomes one Jira ticket labelled `sevN_YYYYMMDD` and `sevN`; each ticket's
/// key and status are written back into the report, changing no other byte.
#[derive(Debug, Parser)]
#[command(
    name = "pm-sync",
    version = crate::VERSION,
    propagate_version = true,
    after_help = AFTER_HELP,
    after_long_help = AFTER_HELP
)]
pub struct Cli {
    /// Config file (default: $PM_SYNC_CONFIG, then pm-sync.toml beside the report and up to the
    /// repository root, then ./pm-sync.toml, then $XDG_CONFIG_HOME/pm-sync/config.toml, on
    /// Windows %APPDATA%\pm-sync\config.toml).
    #[arg(short, long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// When to use colour: auto (a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces
    /// it), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

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
    #[command(after_help = "Examples:
  pm-sync sync --dry-run postmortems/2026-03-04.md   the plan and the diff; nothing sent or written
  pm-sync sync postmortems/2026-03-04.md
  pm-sync sync --severity sev2 --incident-date 2026-03-04 pm.md
  pm-sync sync --format json postmortems/2026-03-04.md")]
    Sync(SyncArgs),
    /// Fetch statuses and write them back; never creates or edits tickets.
    #[command(after_help = "Examples:
  pm-sync refresh postmortems/
  pm-sync refresh --dry-run postmortems/              the diff; nothing written")]
    Refresh(RefreshArgs),
    /// Exit 0 only if every item has a ticket in a resolved state; writes nothing.
    #[command(after_help = "Examples:
  pm-sync check postmortems/                          every report
  pm-sync check --changed postmortems/                the reports changed since the default branch
  pm-sync check --changed=origin/main --format github postmortems/
  pm-sync check --offline postmortems/                from the reports' Status cells, no Jira")]
    Check(CheckArgs),
    /// Print the parsed action items; no network, no config needed.
    #[command(after_help = "Examples:
  pm-sync items postmortems/2026-03-04.md
  pm-sync items postmortems/                          every report in the folder
  pm-sync items --format json postmortems/2026-03-04.md")]
    Items(ItemsArgs),
    /// Check config, credentials, project and issue type against Jira.
    #[command(after_help = "Examples:
  pm-sync doctor
  pm-sync -c ci/pm-sync.toml doctor --format json")]
    Doctor(DoctorArgs),
    /// Write a commented pm-sync.toml for Jira Cloud or Data Center, then run doctor.
    #[command(after_help = "Examples:
  pm-sync init --url https://acme.atlassian.net --project OPS --email you@acme.com
  pm-sync init --deployment datacenter --url https://jira.corp.example --project OPS")]
    Init(InitArgs),
    /// Write a static dashboard (HTML, SVG charts, JSON) of every post-mortem's action items.
    #[command(after_help = "Examples:
  pm-sync dashboard postmortems/ --out site
  pm-sync dashboard --offline --format markdown postmortems/")]
    Dashboard(DashboardArgs),
    /// Print a shell completion script.
    #[command(after_help = "Example:
  pm-sync completions bash > ~/.local/share/bash-completion/completions/pm-sync")]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(after_help = "Example:
  pm-sync man > ~/.local/share/man/man1/pm-sync.1 && man pm-sync")]
    Man,
}

/// What `--help` shows after the options: environment, exit codes and examples.
const AFTER_HELP: &str = "\
Environment:
  JIRA_API_TOKEN      the API token (Cloud) or personal access token (Data Center); the
                      variable's name can be changed with [jira] token_env
  JIRA_URL, JIRA_PROJECT, JIRA_EMAIL, JIRA_DEPLOYMENT
                      override [jira] url, project, email and deployment
  PM_SYNC_CONFIG      the config file to read (like -c)
  PM_SYNC_REPORT_URL  overrides [report] url
  NO_COLOR            (non-empty) no colour; CLICOLOR_FORCE (non-empty) forces it
  RUST_LOG            log filter, e.g. pm_sync=debug

Exit codes:
  0  done (check: every item resolved)
  1  check: an item is unresolved, has no ticket, or links a missing key
  2  bad usage, config or report; nothing was created or written
  3  Jira refused or could not be reached, or some items failed

Examples:
  pm-sync init --deployment cloud     write ./pm-sync.toml, then check it with doctor
  pm-sync sync postmortems/2026-03-04.md
  pm-sync refresh postmortems/
  pm-sync check --format github postmortems/
  pm-sync check --offline postmortems/";

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `init` arguments.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Which Jira: cloud (email + API token) or datacenter (personal access token).
    #[arg(long, value_enum, default_value_t = InitDeployment::Cloud)]
    pub deployment: InitDeployment,

    /// The Jira base URL, e.g. `https://acme.atlassian.net`.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The project's key, e.g. OPS.
    #[arg(long, value_name = "KEY")]
    pub project: Option<String>,

    /// Cloud: the Atlassian account email the API token belongs to.
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,

    /// Where to write (default: ./pm-sync.toml, or -c FILE); `-` prints it to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write the file only; do not run doctor afterwards.
    #[arg(long)]
    pub no_doctor: bool,
}

/// The deployments `init` writes a config for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitDeployment {
    /// Jira Cloud.
    Cloud,
    /// Jira Data Center / Server.
    Datacenter,
}

/// `sync` arguments.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Post-mortem reports (Markdown files) or directories of them, or Confluence pages
    /// (`confluence:ID` or a page URL).
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
    /// Reports or directories (every `*.md` below with an Action Items table), or
    /// Confluence pages (`confluence:ID` or a page URL).
    #[arg(required_unless_present = "cql", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Also every Confluence page this CQL query selects, e.g.
    /// `label = "postmortem" and space = "OPS"` (pages only).
    #[arg(long, value_name = "QUERY")]
    pub cql: Option<String>,

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
    /// Reports or directories (every `*.md` below with an Action Items table), or
    /// Confluence pages (`confluence:ID` or a page URL).
    #[arg(required_unless_present = "cql", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Also every Confluence page this CQL query selects, e.g.
    /// `label = "postmortem" and space = "OPS"` (pages only).
    #[arg(long, value_name = "QUERY")]
    pub cql: Option<String>,

    /// Decide from the report's own status cells, without asking Jira.
    #[arg(long)]
    pub offline: bool,

    /// Fail a report that has no action items (by default it passes with a warning).
    #[arg(long)]
    pub require_items: bool,

    /// Check only the reports changed since BASE, as git sees them: committed since the merge
    /// base of BASE and HEAD, or modified, or new. Without a value, BASE is the default branch
    /// (origin/HEAD, else origin/main, origin/master, main or master). Name one with `=`:
    /// `--changed=origin/main`.
    #[arg(
        long,
        value_name = "BASE",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub changed: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// `items` arguments.
#[derive(Debug, Args)]
pub struct ItemsArgs {
    /// Post-mortem reports, directories (every `*.md` below with an Action Items section), or
    /// Confluence pages (`confluence:ID` or a page URL; read only).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Also say why: the section chosen and why, the container, each column's role, and every
    /// line of the section skipped with the reason.
    #[arg(long)]
    pub explain: bool,
}

/// `doctor` arguments.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// A Confluence page to check reading and edit permission on (`confluence:ID` or a page
    /// URL); Confluence's credentials are checked whenever `[confluence]` is set.
    #[arg(long, value_name = "PAGE")]
    pub page: Option<String>,
}

/// `dashboard` arguments.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Reports or directories (every `*.md` below with an Action Items table), or
    /// Confluence pages (`confluence:ID` or a page URL).
    #[arg(required_unless_present = "cql", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Also every Confluence page this CQL query selects, e.g.
    /// `label = "postmortem" and space = "OPS"` (pages only).
    #[arg(long, value_name = "QUERY")]
    pub cql: Option<String>,

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
    /// Stable JSON, documented in the book (docs/src/guide.md).
    Json,
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// A table for people.
    Text,
    /// Stable JSON, documented in the book (docs/src/check.md).
    Json,
    /// GitHub Actions workflow annotations (`::error file=…,line=…::`).
    Github,
    /// JUnit XML, one testcase per item.
    Junit,
    /// A Markdown summary for `$GITHUB_STEP_SUMMARY` or a merge-request note.
    Markdown,
}
