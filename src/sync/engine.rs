//! What the effectful steps of sync and refresh share: the Jira client, settings, timing and
//! progress. Its own module so that every step (apply, fields) imports it, and none imports
//! another step for it.

use std::time::Duration;

use crate::jira::JiraClient;
use crate::jira::model::IssueKey;
use crate::settings::JiraSettings;

/// How long to look for issues whose create may have happened (a lost response, a killed run)
/// before deciding. Cloud search lags behind writes by seconds, sometimes minutes.
#[derive(Debug, Clone, Copy)]
pub struct ReconcileTiming {
    /// Longest a run waits for search to show such an issue.
    pub wait: Duration,
    /// Pause between searches while waiting.
    pub poll: Duration,
    /// A journaled create older than this that search still does not show never happened.
    pub lag_window: Duration,
}

impl Default for ReconcileTiming {
    fn default() -> Self {
        Self {
            wait: Duration::from_secs(30),
            poll: Duration::from_secs(2),
            // Cloud documents its search lag as seconds to minutes, longer after bulk
            // operations: a day is far beyond it, and a held row is only delayed, never lost.
            lag_window: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// Everything the effectful steps share.
pub struct Engine<'a> {
    pub client: &'a JiraClient,
    pub jira: &'a JiraSettings,
    pub timing: ReconcileTiming,
    /// Progress on stderr (hidden when not a terminal, with `-q`, or for small runs).
    pub progress: indicatif::ProgressBar,
    /// `[report] url`: where people read a report (`{path}` is replaced), for remote links.
    pub report_url: Option<&'a str>,
    /// `[jira.fields]`, parent, link and owners for the tickets sync creates.
    pub company: &'a crate::settings::CompanyJira,
    /// `{url}/browse/`: a ticket's URL is it and the key (shared by every row's outcome).
    pub browse: std::sync::Arc<String>,
}

impl Engine<'_> {
    /// The browse URL of `key`, as text.
    pub(crate) fn browse_url(&self, key: &IssueKey) -> String {
        self.client.browse_url(key).to_string()
    }
}
