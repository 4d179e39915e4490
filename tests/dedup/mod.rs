//! No duplicates, by construction: locks by file identity, read-only reports, marks that say
//! which report a ticket was created for, keys of other projects, and copies of one report
//! synced at once.

mod cli;
mod copies;
mod locking;
mod transitions;
