//! The mark pm-sync puts on every ticket it creates, saying which report it was created for,
//! so that adoption never takes another report's ticket.
//!
//! The mark is a label, `pmsync_` and 12 hex digits of a stable hash (FNV-1a, 64 bits) of the
//! report's id. A label because it is the one marker both Jira flavours return with the search
//! pm-sync already makes (no extra request, no extra field) and that JQL can find; entity
//! properties are invisible to JQL and Data Center's search may not return them.
//!
//! The report's id is its path relative to the repository root (the nearest folder upward that
//! has a `.git`), with `/` separators; outside a repository, its file name. So the copies of one
//! report in two clones (or two CI jobs) share a mark and converge on one set of tickets, while
//! two reports of the same day at different paths never adopt each other's tickets.

use std::path::{Component, Path};

/// The prefix of every mark label.
const PREFIX: &str = "pmsync_";
/// Hex digits after the prefix.
const DIGITS: usize = 12;

/// The id of the report at `path`: its path below the repository root, else its file name.
pub fn report_id(path: &Path) -> String {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut folder = real.parent();
    while let Some(dir) = folder {
        if dir.join(".git").exists()
            && let Ok(relative) = real.strip_prefix(dir)
        {
            return slash_path(relative);
        }
        folder = dir.parent();
    }
    real.file_name()
        .map_or_else(|| slash_path(&real), |n| n.to_string_lossy().into_owned())
}

fn slash_path(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The label that marks tickets created for the report with id `report_id`.
pub fn mark_label(report_id: &str) -> String {
    format!(
        "{PREFIX}{:012x}",
        fnv1a(report_id.as_bytes()) >> (64 - DIGITS * 4)
    )
}

/// FNV-1a, 64 bits: fixed constants, so what is derived from it (marks, long link ids) stays the
/// same across versions and platforms.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Whether a ticket with `labels` was created for a report at another path and not yet marked
/// for the one marked `mark`: the report moved (or was copied) since.
pub fn moved_from_elsewhere(labels: &[String], mark: &str) -> bool {
    labels.iter().any(|label| is_mark(label)) && !labels.iter().any(|label| label == mark)
}

/// Whether `label` is a pm-sync mark (of any report).
pub fn is_mark(label: &str) -> bool {
    label
        .strip_prefix(PREFIX)
        .is_some_and(|hex| hex.len() == DIGITS && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_stable_and_recognised() {
        let mark = mark_label("postmortems/2020-04-14.md");
        assert_eq!(mark, mark_label("postmortems/2020-04-14.md"));
        assert_ne!(mark, mark_label("postmortems/2020-04-15.md"));
        assert!(is_mark(&mark), "{mark}");
        assert_eq!(mark.len(), PREFIX.len() + DIGITS);
        assert!(!is_mark("sev1_20200414"));
        assert!(!is_mark("pmsync_xyz"));
    }

    #[test]
    fn the_id_is_the_path_below_the_repository_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("postmortems")).unwrap();
        let report = dir.path().join("postmortems/pm.md");
        std::fs::write(&report, "x").unwrap();
        assert_eq!(report_id(&report), "postmortems/pm.md");
    }
}
