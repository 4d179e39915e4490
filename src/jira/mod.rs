//! A small async Jira client for Cloud (REST v3) and Data Center (REST v2).
//! No report knowledge in here.
pub mod model;
