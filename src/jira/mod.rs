//! A small async Jira client for Cloud (REST v3) and Data Center (REST v2).
//! No report knowledge in here.
//!
//! - [`client`]: [`JiraClient`], [`JiraConfig`], [`Auth`] and the one `send()` (auth,
//!   concurrency cap, retries honouring `Retry-After`, error decoding, logging).
//! - [`issues`]: myself, project, createmeta, bulk create, edit, remote links, bulk read.
//! - [`search`]: Cloud enhanced search and Data Center search, JQL quoting.
//! - [`statuses`]: the site's status names and categories.
//! - [`adf`]: Atlassian Document Format for v3 descriptions.
//! - [`error`]: [`JiraError`], typed and free of credentials.
//! - [`model`]: keys, statuses, issues, projects.
//! - [`fields`]: create-screen fields by name, values in the JSON shape of their schema.
//! - [`users`]: owner → assignable user (one search per person).

pub mod adf;
pub mod client;
pub mod error;
pub mod fields;
pub mod issues;
pub mod model;
pub mod search;
pub mod statuses;
pub mod users;

pub use client::{Auth, JiraClient, JiraConfig};
pub use error::{ApiErrors, JiraError, TransportKind};
pub use issues::{BULK_CREATE_LIMIT, BULK_FETCH_LIMIT};
pub use model::{
    CreateFields, CreateOutcome, Deployment, FetchedIssues, FieldMeta, Issue, IssueKey, IssueType,
    NewIssue, Project, Status, StatusCategory, User,
};
pub use search::{RECONCILE_LIMIT, jql_quote};
