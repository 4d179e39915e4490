//! One function per subcommand: load what it needs, run it, print the result, return the exit
//! code. Output goes to stdout; logs, progress and errors to stderr.

use std::io::Write;
use std::time::Duration;

use crate::cli::{Cli, Command, Format, ItemsArgs, RefreshArgs, SyncArgs};
use crate::error::{Error, exit};
use crate::jira::{Auth, JiraClient, JiraConfig, JiraError};
use crate::output;
use crate::report::Report;
use crate::report::labels::resolve_labels;
use crate::settings::{JiraSettings, Settings, process_env};
use crate::sync::apply::{Engine, ReconcileTiming};
use crate::sync::outcome::RunOutcome;
use crate::sync::workspace::{LabelSources, LoadedReport, load_reports};

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
            Command::Doctor(args) => return Ok(crate::doctor::config_failed(&error, args)),
            _ => return Err(error.into()),
        },
    };
    match cli.command {
        Command::Items(args) => items(&settings, &args),
        Command::Sync(args) => sync(&settings, &args, cli.quiet),
        Command::Refresh(args) => refresh(&settings, &args, cli.quiet),
        Command::Check(args) => crate::gate::run(&settings, &args),
        Command::Doctor(args) => crate::doctor::run(&settings, &args),
        Command::Completions { .. } => Ok(exit::OK),
    }
}

/// `pm-sync items`: the parsed action items and the labels the report implies. No network.
fn items(settings: &Settings, args: &ItemsArgs) -> Result<u8, Error> {
    let report = Report::load(&args.report, &settings.report)?;
    let labels = resolve_labels(
        report.front_matter(),
        None,
        None,
        &settings.default_severity,
        &args.report,
    );
    let text = match args.format {
        Format::Text => crate::report::render::items_text(&report, labels.as_ref()),
        Format::Json => {
            output::to_json(&crate::report::render::items_view(&report, labels.as_ref()))
        }
    };
    print_stdout(&text);
    Ok(exit::OK)
}

/// `pm-sync sync`.
fn sync(settings: &Settings, args: &SyncArgs, quiet: bool) -> Result<u8, Error> {
    let severity = match &args.severity {
        Some(raw) => Some(crate::report::normalise_severity(raw).ok_or_else(|| {
            Error::config(
                format!("--severity {raw:?} is not a severity"),
                "write it as sevN, e.g. --severity sev2",
            )
        })?),
        None => None,
    };
    // Jira settings first: a config problem is reported before any report is locked.
    settings.jira()?;
    let sources = LabelSources {
        incident_date: args.incident_date,
        severity: severity.as_deref(),
        default_severity: &settings.default_severity,
    };
    let mut reports = load_reports(
        &args.reports,
        &settings.report,
        !args.dry_run,
        Some(sources),
    )?;
    run_engine(
        settings,
        &mut reports,
        quiet,
        args.format,
        |engine, reports| Box::pin(crate::sync::apply::sync(engine, reports, args.dry_run)),
    )
}

/// `pm-sync refresh`.
fn refresh(settings: &Settings, args: &RefreshArgs, quiet: bool) -> Result<u8, Error> {
    settings.jira()?;
    let mut reports = load_reports(&args.paths, &settings.report, !args.dry_run, None)?;
    run_engine(
        settings,
        &mut reports,
        quiet,
        args.format,
        |engine, reports| Box::pin(crate::sync::apply::refresh(engine, reports, args.dry_run)),
    )
}

/// The future of a sync or refresh run.
type RunFuture<'a> = std::pin::Pin<Box<dyn Future<Output = Result<RunOutcome, Error>> + 'a>>;

/// Connects, runs `work` (sync or refresh) on the loaded reports, prints the outcome, and maps
/// it to an exit code: 3 when any row failed, is pending or links a missing key.
fn run_engine(
    settings: &Settings,
    reports: &mut [LoadedReport],
    quiet: bool,
    format: Format,
    work: impl for<'a> FnOnce(&'a Engine<'a>, &'a mut [LoadedReport]) -> RunFuture<'a>,
) -> Result<u8, Error> {
    let jira = settings.jira()?;
    let client = connect(jira)?;
    let engine = Engine {
        client: &client,
        jira,
        timing: reconcile_timing(),
        progress: output::progress_bar(quiet),
        report_url: settings.report_url.as_deref(),
    };
    let outcome = block_on(work(&engine, reports));
    // Cleared before anything is printed, on success and on error alike.
    engine.progress.finish_and_clear();
    let outcome = outcome?;
    print_stdout(&output::render_run(&outcome, format, quiet));
    Ok(if outcome.has_problems() {
        exit::JIRA
    } else {
        exit::OK
    })
}

/// Builds the Jira client from validated settings.
pub fn connect(jira: &JiraSettings) -> Result<JiraClient, Error> {
    let auth = match &jira.email {
        Some(email) => Auth::Basic {
            email: email.clone(),
            token: jira.token.clone(),
        },
        None => Auth::Bearer {
            token: jira.token.clone(),
        },
    };
    let config = JiraConfig {
        base_url: jira.url.clone(),
        deployment: jira.deployment,
        auth,
        concurrency: jira.concurrency,
        connect_timeout: jira.connect_timeout,
        request_timeout: jira.request_timeout,
        max_retries: jira.max_retries,
        min_retry_delay: test_duration("PM_SYNC_TEST_MIN_RETRY_DELAY_MS")
            .unwrap_or(Duration::from_secs(1)),
        max_retry_delay: Duration::from_secs(60),
        ca_file: jira.ca_file.clone(),
    };
    JiraClient::new(config).map_err(|error| match error {
        // An unreadable ca_file or a URL without a host: the config's fault, exit 2.
        JiraError::Config(message) => Error::config(message, "fix [jira] url or [jira] ca_file"),
        other => Error::Jira(other),
    })
}

/// Runs a future on a single-threaded runtime: the work is I/O-bound and the client caps
/// concurrency itself.
pub fn block_on<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime always builds")
        .block_on(future)
}

/// Reconcile timing; the test seams shorten the waits so end-to-end tests run fast.
fn reconcile_timing() -> ReconcileTiming {
    let default = ReconcileTiming::default();
    ReconcileTiming {
        wait: test_duration("PM_SYNC_TEST_RECONCILE_WAIT_MS").unwrap_or(default.wait),
        poll: test_duration("PM_SYNC_TEST_RECONCILE_POLL_MS").unwrap_or(default.poll),
        lag_window: default.lag_window,
    }
}

/// A duration in milliseconds from a test-only environment variable.
fn test_duration(name: &str) -> Option<Duration> {
    process_env(name)?.parse().ok().map(Duration::from_millis)
}

/// Writes to stdout, ignoring a closed pipe (`pm-sync items x.md | head`).
pub fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
