//! A small Confluence client (Cloud and Data Center): read a page's storage format, write it
//! back with version + 1, find pages by CQL. No report knowledge in here.
//!
//! The HTTP machinery (auth, concurrency cap, retries with `Retry-After`, size caps, TLS and
//! `ca_file`) is the Jira client's: a Confluence client is a [`crate::jira::JiraClient`] pointed at the wiki's
//! base URL with the wiki's credentials, and this module only says which requests to send and
//! what their answers mean.

mod client;
mod error;
pub mod reference;

pub use client::{ConfluenceClient, Flavour, Page, PageHit};
pub use error::ConfluenceError;
pub use reference::PageRef;
