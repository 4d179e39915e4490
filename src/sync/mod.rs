//! The sync engine, the only place the report and the tracker meet: plan (pure), then apply.

pub mod apply;
pub mod copies;
pub mod created;
pub mod engine;
pub mod fields;
pub mod intent;
pub mod journal;
pub mod links;
pub mod marks;
pub mod moves;
pub mod outcome;
pub mod parent;
pub mod plan;
pub mod preview;
pub mod priority;
pub mod refresh;
pub mod run;
pub mod workspace;
pub mod write_back;
