//! What other columns of the Action Items table mean, by header text: owner, due date,
//! priority. Pure: header text in, role out.

use super::model::{ActionItem, Cell};

/// A column pm-sync maps to a Jira field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// `Owner`, `Owners`, `Assignee`, `Who`, `DRI` → the ticket's assignee.
    Owner,
    /// `Due`, `Due Date`, `Deadline`, `ETA` → the ticket's due date.
    Due,
    /// `Priority`, `Pri` → the ticket's priority.
    Priority,
}

/// The role of a column from its header text (case, surrounding punctuation and emphasis
/// ignored), in any of the vocabulary's languages (`Responsable`, `担当者`, `Fälligkeit`), if it
/// has one.
pub fn role_of(header: &str) -> Option<Role> {
    match super::vocabulary::column(header)? {
        super::vocabulary::Column::Owner => Some(Role::Owner),
        super::vocabulary::Column::Due => Some(Role::Due),
        super::vocabulary::Column::Priority => Some(Role::Priority),
        _ => None,
    }
}

/// The item's cell for `role` (the first such column), when it has text.
pub fn cell(item: &ActionItem, role: Role) -> Option<&Cell> {
    item.extra
        .iter()
        .find(|(header, _)| role_of(header) == Some(role))
        .map(|(_, cell)| cell)
        .filter(|cell| !cell.text.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_as_real_templates_write_them() {
        assert_eq!(role_of("**Owner**"), Some(Role::Owner));
        assert_eq!(role_of("DRI"), Some(Role::Owner));
        assert_eq!(role_of("Due Date"), Some(Role::Due));
        assert_eq!(role_of("ETA"), Some(Role::Due));
        assert_eq!(role_of("Pri."), Some(Role::Priority));
        assert_eq!(role_of("Owner's notes"), None);
        assert_eq!(role_of("Status"), None);
    }
}
