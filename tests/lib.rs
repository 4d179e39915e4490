//! The one integration-test binary: each module is one area of behaviour.

mod cli_check;
mod cli_confluence;
mod cli_dashboard;
mod cli_sync;
mod dedup;
mod docs;
mod jira_client;
mod report_engine;
mod support;
