//! Reports named on the command line as pages (`confluence:ID`, page URLs) or selected by
//! `--cql`, loaded beside the files: what every command that reads reports shares.

use std::path::PathBuf;
use std::time::Duration;

use crate::confluence::{ConfluenceClient, reference};
use crate::error::Error;
use crate::jira::{Auth, JiraConfig, JiraError};
use crate::report::ReportOptions;
use crate::settings::{Settings, process_env};
use crate::sync::workspace::{LabelSources, LoadedReport, load_pages, load_reports};

use super::runtime::block_on;

/// Loads every report the command names: files and folders as always, pages by reference,
/// and the pages a CQL query selects. Bad input anywhere fails before anything is written.
pub(super) fn load_all(
    settings: &Settings,
    paths: &[PathBuf],
    cql: Option<&str>,
    options: &ReportOptions,
    for_writing: bool,
    labels: Option<LabelSources<'_>>,
) -> Result<Vec<LoadedReport>, Error> {
    let (files, pages): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .iter()
        .cloned()
        .partition(|p| !reference::looks_like_page(&p.to_string_lossy()));
    let mut reports = if files.is_empty() {
        Vec::new()
    } else {
        load_reports(&files, options, for_writing, labels)?
    };
    if pages.is_empty() && cql.is_none() {
        return Ok(reports);
    }
    let mut refs = Vec::with_capacity(pages.len());
    for page in &pages {
        let text = page.to_string_lossy();
        let (page_ref, url) = reference::parse(&text)
            .map_err(|message| Error::config(message, "name a Confluence page"))?;
        refs.push((page_ref, url));
    }
    let client = connect_confluence(settings)?;
    for (_, url) in &refs {
        if let Some(url) = url
            && url.host_str() != client.base().host_str()
        {
            return Err(Error::config(
                format!(
                    "{url} is not on the configured Confluence ({})",
                    client.base()
                ),
                "set [confluence] url to the wiki that holds the page",
            ));
        }
    }
    let state_dir = crate::home::page::state_dir(&process_env);
    let loaded = block_on(async {
        let mut ids = Vec::new();
        for (page_ref, _) in &refs {
            ids.push((client.resolve(page_ref).await?, true));
        }
        if let Some(cql) = cql {
            let hits = client.search(cql).await?;
            tracing::info!("--cql selected {} page(s)", hits.len());
            ids.extend(hits.into_iter().map(|hit| (hit.id, false)));
        }
        load_pages(&client, &ids, options, for_writing, labels, &state_dir).await
    })?;
    reports.extend(loaded);
    Ok(reports)
}

/// The Confluence client from validated settings, with the Jira client's limits.
pub(super) fn connect_confluence(settings: &Settings) -> Result<ConfluenceClient, Error> {
    let confluence = settings.confluence()?;
    let auth = match &confluence.email {
        Some(email) => Auth::Basic {
            email: email.clone(),
            token: confluence.token.clone(),
        },
        None => Auth::Bearer {
            token: confluence.token.clone(),
        },
    };
    let mut config = JiraConfig::new(confluence.url.clone(), auth);
    config.ca_file = confluence.ca_file.clone();
    if let Some(ms) = test_retry_delay() {
        config.min_retry_delay = ms;
    }
    if let Ok(jira) = settings.jira() {
        config.request_timeout = jira.request_timeout;
        config.connect_timeout = jira.connect_timeout;
        config.max_retries = jira.max_retries;
        config.concurrency = jira.concurrency;
    }
    ConfluenceClient::new(config, confluence.flavour).map_err(|error| match error {
        crate::confluence::ConfluenceError::Http(JiraError::Config(message)) => {
            Error::config(message, "fix [confluence] url or [confluence] ca_file")
        }
        other => other.into(),
    })
}

/// Test builds shorten retry waits (`PM_SYNC_TEST_MIN_RETRY_DELAY_MS`), as for Jira.
#[cfg(debug_assertions)]
fn test_retry_delay() -> Option<Duration> {
    process_env("PM_SYNC_TEST_MIN_RETRY_DELAY_MS")?
        .parse()
        .ok()
        .map(Duration::from_millis)
}

#[cfg(not(debug_assertions))]
fn test_retry_delay() -> Option<Duration> {
    None
}
