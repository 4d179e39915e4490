//! Shared test support: the stateful fake Jira and CLI helpers.
#![allow(dead_code)]

pub mod fake_jira;
pub mod cli;
