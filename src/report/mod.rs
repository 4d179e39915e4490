//! The post-mortem document: find the Action Items table, read its rows, splice edits back.
//! No HTTP in here, ever.
pub mod model;
