//! Shared test support: the stateful fake Jira and CLI helpers.
#![allow(dead_code)]

pub mod cli;
pub mod fake_confluence;
pub mod fake_jira;
