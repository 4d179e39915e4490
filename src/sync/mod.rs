//! The sync engine, the only place the report and the tracker meet: plan (pure), then apply.

pub mod apply;
pub mod engine;
pub mod fields;
pub mod journal;
pub mod marks;
pub mod outcome;
pub mod plan;
pub mod workspace;
