//! What every command shares: the async runtime, the Jira connection built from settings, the
//! sync/refresh driver and writing to stdout. Commands import from here; nothing here imports a
//! command.

use std::io::Write;
use std::time::Duration;

use crate::cli::Format;
use crate::error::{Error, exit};
use crate::jira::{Auth, JiraClient, JiraConfig, JiraError};
use crate::output;
#[cfg(debug_assertions)]
use crate::settings::process_env;
use crate::settings::{JiraSettings, Settings};
use crate::sync::apply::{Engine, ReconcileTiming};
use crate::sync::outcome::RunOutcome;
use crate::sync::workspace::LoadedReport;

/// The future of a sync or refresh run.
type RunFuture<'a> = std::pin::Pin<Box<dyn Future<Output = Result<RunOutcome, Error>> + 'a>>;

/// Connects, runs `work` (sync or refresh) on the loaded reports, prints the outcome, and maps
/// it to an exit code: 3 when any row failed, is pending or links a missing key.
pub(super) fn run_engine(
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
        company: &settings.company,
        browse: client.browse_prefix().into(),
    };
    let outcome = block_on(work(&engine, reports));
    // Cleared before anything is printed, on success and on error alike.
    engine.progress.finish_and_clear();
    let outcome = outcome?;
    // Written as it is rendered (a closed pipe is the reader's choice, not an error).
    let mut stdout = stdout_writer();
    let _ = output::write_run(&mut stdout, &outcome, format, quiet).and_then(|()| stdout.flush());
    drop(stdout);
    Ok(if outcome.has_problems() {
        exit::JIRA
    } else {
        exit::OK
    })
}

/// Builds the Jira client from validated settings.
pub fn connect(jira: &JiraSettings) -> Result<JiraClient, Error> {
    connect_with(jira, true)
}

/// [`connect`]; `warn_on_retry = false` logs retries at debug level only (doctor's checklist
/// stays readable on a terminal).
pub fn connect_with(jira: &JiraSettings, warn_on_retry: bool) -> Result<JiraClient, Error> {
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
        max_response_bytes: crate::jira::client::MAX_RESPONSE_BYTES,
        warn_on_retry,
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

/// A duration in milliseconds from a test-only environment variable (`PM_SYNC_TEST_*`).
/// Only debug builds (what `cargo test` runs) read them: a release binary never shortens its
/// retry waits or reconcile polls because of a stray variable.
#[cfg(debug_assertions)]
fn test_duration(name: &str) -> Option<Duration> {
    process_env(name)?.parse().ok().map(Duration::from_millis)
}

/// Release builds have no test seams.
#[cfg(not(debug_assertions))]
fn test_duration(_name: &str) -> Option<Duration> {
    None
}

/// Writes to stdout, ignoring a closed pipe (`pm-sync items x.md | head`): the one place
/// stdout is written, through the secret filter ([`crate::redact`]), safe for a terminal.
pub fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(crate::redact::terminal_text(text).as_bytes());
    let _ = stdout.flush();
}

/// Stdout through the secret filter, buffered, for output written as it is made (a listing
/// of 100,000 items is never one string). Write errors (a closed pipe) are the caller's to
/// ignore.
pub fn stdout_writer() -> crate::redact::Writer<std::io::BufWriter<std::io::StdoutLock<'static>>> {
    crate::redact::Writer::new(std::io::BufWriter::new(std::io::stdout().lock()))
}

/// Reads every key in batches (one request per 100 keys), for `check` and `dashboard`, keeping
/// the summaries of the tickets in `summaries_of` (the reports' own tickets; an action item's
/// summary is the report's). When Jira says some keys do not exist, the credentials are
/// verified first: some Jira sites answer a failed login as an anonymous user, who sees no
/// issue at all, and "every ticket is missing" would then be a lie.
pub(super) async fn fetch_lookup(
    client: &JiraClient,
    keys: &crate::gate::KeyList,
    summaries_of: &[crate::jira::model::IssueKey],
) -> Result<crate::gate::Lookup, JiraError> {
    // A few thousand keys at a time: Jira's answers are whole issues (~1 KB each with their
    // fields); each batch is cut down to what a check reads before the next is fetched, so a
    // report of 100,000 tickets never holds 100,000 issues. Each batch still goes out as
    // parallel requests of 100 keys: no request more than fetching all at once.
    const KEYS_AT_A_TIME: usize = 2_000;
    let mut lookup = crate::gate::Lookup::default();
    lookup.reserve(keys.len(), keys.bytes());
    lookup.keep_summaries(summaries_of);
    let mut verified = false;
    for batch in keys.batches(KEYS_AT_A_TIME) {
        let fetched = client.fetch_issues(&batch).await?;
        if !fetched.missing.is_empty() && !verified {
            client.myself().await?;
            verified = true;
        }
        lookup.add_fetched(fetched, |key| client.browse_url(key).to_string());
    }
    Ok(lookup)
}
