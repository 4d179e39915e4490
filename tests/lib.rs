//! The one integration-test binary: each module is one area of behaviour.

mod cli_sync;
mod jira_client;
mod report_engine;
mod support;

// `pm-sync check` (the CI gate), `pm-sync doctor`, and the CI recipes in examples/ci/.
mod cli_check;
