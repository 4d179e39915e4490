//! The Jira client against the stateful fake Jira, Cloud and Data Center.
