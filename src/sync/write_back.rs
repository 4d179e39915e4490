//! `[report] write_back = ["status", "assignee", "due"]`: Jira's assignee (display name) and
//! due date written into the Owner and Due cells that pm-sync owns, by `sync` and `refresh`.
//!
//! pm-sync owns a cell that is empty or still holds what pm-sync wrote there. A person's
//! different value is kept, and the disagreement is a row warning, as with statuses.
//!
//! Two-way rule: the report wins when its cell changed since the last run (`sync` sends it to
//! Jira), Jira wins otherwise (its value is written into the cell, when pm-sync owns it). To
//! know which changed, pm-sync keeps a sidecar beside the report, `.NAME.pm-sync-cells.json`:
//! per ticket and field, the cell's text at the end of the last run and whether pm-sync wrote
//! it. Without the sidecar (first run, a fresh clone) a filled cell counts as changed — the
//! report wins, as before write-back — and an empty one is filled from Jira.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::jira::model::Issue;
use crate::report::disk::{self, FolderSync};
use crate::report::model::{ActionItem, Cell, Edit};
use crate::report::roles::{self, Role};
use crate::settings::CompanyJira;

/// What a cell held at the end of the last run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    text: String,
    /// pm-sync wrote it (Jira's value), so pm-sync may overwrite it.
    #[serde(default)]
    ours: bool,
}

/// The sidecar of one report: ticket key → field (`assignee`, `due`) → what its cell held.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CellRecords {
    /// Explains the file to whoever finds it in a working tree.
    #[serde(default)]
    about: String,
    #[serde(default)]
    tickets: BTreeMap<String, BTreeMap<String, Seen>>,
    /// Records to keep once the run's writes are known to have worked.
    #[serde(skip)]
    pending: Vec<(usize, String, &'static str, Seen)>,
    #[serde(skip)]
    changed: bool,
}

const ABOUT: &str = "pm-sync: what the Owner and Due cells of the report beside this file held \
at the end of the last sync or refresh, and whether pm-sync wrote them ([report] write_back). \
Safe to delete: filled cells then count as the report's.";

impl CellRecords {
    /// The sidecar's path: `.NAME.pm-sync-cells.json` beside the real file.
    pub fn path_for(report: &Path) -> PathBuf {
        let real = std::fs::canonicalize(report).unwrap_or_else(|_| report.to_path_buf());
        let name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        real.with_file_name(format!(".{name}.pm-sync-cells.json"))
    }

    /// The records of `report` (none when there is no sidecar or it cannot be read: filled
    /// cells then count as the report's, which never loses a person's words).
    pub fn load(report: &Path) -> CellRecords {
        // A FIFO or device in the sidecar's place is not read (it would block): no records.
        crate::report::disk::read_regular(&Self::path_for(report))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Keeps the pending records, except those of `failed` rows (their change is tried again
    /// next run), and writes the sidecar atomically when anything changed.
    pub fn save(&mut self, report: &Path, failed: &HashSet<usize>) -> io::Result<()> {
        for (row, key, field, seen) in std::mem::take(&mut self.pending) {
            if failed.contains(&row) {
                continue;
            }
            let fields = self.tickets.entry(key).or_default();
            if fields.get(field) != Some(&seen) {
                fields.insert(field.to_owned(), seen);
                self.changed = true;
            }
        }
        if !self.changed {
            return Ok(());
        }
        ABOUT.clone_into(&mut self.about);
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        disk::replace(&Self::path_for(report), &bytes, FolderSync::Deferred)?;
        self.changed = false;
        Ok(())
    }

    fn seen(&self, key: &str, field: &str) -> Option<&Seen> {
        self.tickets.get(key).and_then(|fields| fields.get(field))
    }
}

/// What write-back decided for one report.
#[derive(Debug, Default)]
pub struct Decisions {
    /// Jira's values into cells pm-sync owns: (row, edit).
    pub edits: Vec<(usize, Edit)>,
    /// Cells whose value Jira keeps (unchanged since the last run): `sync` sends nothing.
    pub keep_jira: HashSet<(usize, Role)>,
    /// Disagreements left as they are: (row, warning).
    pub warnings: Vec<(usize, String)>,
}

/// Decides the Owner and Due cells of `item`, linked to `issue`. `sync`: a changed cell is
/// sent to Jira by the caller and recorded; `refresh` (`sync == false`) sends nothing, so a
/// changed cell is not recorded and the next sync still sees the change.
pub fn decide(
    company: &CompanyJira,
    item: &ActionItem,
    issue: &Issue,
    records: &mut CellRecords,
    sync: bool,
    out: &mut Decisions,
) {
    let wanted = company.write_back;
    let key = issue.key.to_string();
    for (role, field, on) in [
        (Role::Owner, "assignee", wanted.assignee),
        (Role::Due, "due", wanted.due),
    ] {
        if !on {
            continue;
        }
        let Some((header, cell)) = column(item, role) else {
            continue;
        };
        let written = cell.text.trim();
        let jira = jira_value(issue, role);
        let seen = records.seen(&key, field).cloned();
        let unchanged = seen.as_ref().is_some_and(|s| s.text == written);
        let agree = agrees(company, role, written, issue);
        let mut record = |text: &str, ours: bool| {
            records.pending.push((
                item.row,
                key.clone(),
                field,
                Seen {
                    text: text.to_owned(),
                    ours,
                },
            ));
        };
        let owned = written.is_empty() || (unchanged && seen.as_ref().is_some_and(|s| s.ours));
        if agree {
            // Nothing to change on either side: Jira keeps its value, the cell its words.
            out.keep_jira.insert((item.row, role));
            record(written, unchanged && seen.as_ref().is_some_and(|s| s.ours));
        } else if owned {
            // Empty, or pm-sync's own value from an earlier run: Jira's value goes in.
            out.keep_jira.insert((item.row, role));
            let value = jira.clone().unwrap_or_default();
            out.edits.push((
                item.row,
                Edit::Cell {
                    row: item.row,
                    column: header.to_owned(),
                    value: value.clone(),
                },
            ));
            record(&value, !value.is_empty());
        } else if unchanged {
            // A person's value, not changed since the last run: Jira changed. Both stay.
            out.keep_jira.insert((item.row, role));
            out.warnings.push((
                item.row,
                format!(
                    "the {} cell says {written:?} but Jira's {} is {}: the report's words are \
                     kept (empty the cell to show Jira's, or write it anew to change Jira)",
                    header,
                    if role == Role::Owner {
                        "assignee"
                    } else {
                        "due date"
                    },
                    jira.map_or_else(|| "empty".to_owned(), |v| format!("{v:?}")),
                ),
            ));
            record(written, false);
        } else if sync {
            // Changed since the last run (or never seen): the report wins, sync sends it.
            record(written, false);
        }
    }
}

/// The item's column with `role` (the first), empty or not, with its header as written.
fn column(item: &ActionItem, role: Role) -> Option<(&str, &Cell)> {
    item.extra
        .iter()
        .find(|(header, _)| roles::role_of(header) == Some(role))
        .map(|(header, cell)| (&**header, cell))
}

/// Jira's value for the cell: the assignee's display name (a Data Center user without one:
/// the username), or the due date (`YYYY-MM-DD`).
fn jira_value(issue: &Issue, role: Role) -> Option<String> {
    match role {
        Role::Owner => issue
            .planning
            .assignee
            .as_ref()
            .map(|a| a.shown_name().to_owned()),
        Role::Due => issue.planning.due.clone(),
        Role::Priority => issue.planning.priority.clone(),
    }
}

/// Whether the cell's words already say what Jira has (an owner by e-mail, name or display
/// name; a due date in any form the report reader takes).
fn agrees(company: &CompanyJira, role: Role, written: &str, issue: &Issue) -> bool {
    match role {
        Role::Owner => match &issue.planning.assignee {
            None => written.is_empty(),
            Some(assignee) => {
                !written.is_empty()
                    && (crate::sync::fields::names_assignee(company.person(written), assignee)
                        || crate::sync::fields::names_assignee(written, assignee))
            }
        },
        Role::Due => match &issue.planning.due {
            None => written.is_empty(),
            Some(due) => crate::sync::fields::due_date(written).is_ok_and(|d| d == *due),
        },
        Role::Priority => true,
    }
}

/// For `sync`: decides the Owner and Due cells of every row linked to (or adopting) a ticket,
/// adds the cell edits to the rows' edits and the disagreements to `warnings`. Returns each
/// report's records (saved by [`save`]) and the cells whose value Jira keeps (no update).
pub fn plan_sync(
    company: &CompanyJira,
    reports: &[crate::sync::workspace::LoadedReport],
    plan: &mut crate::sync::plan::Plan,
    warnings: &mut crate::sync::fields::RowWarnings,
) -> (Vec<CellRecords>, HashSet<(crate::sync::plan::ItemAt, Role)>) {
    let mut keep = HashSet::new();
    if !company.write_back.any() {
        return (Vec::new(), keep);
    }
    let mut records: Vec<CellRecords> = reports
        .iter()
        .map(|loaded| CellRecords::load(loaded.report.path()))
        .collect();
    for row in &mut plan.rows {
        let (crate::sync::plan::Ticket::Linked(issue) | crate::sync::plan::Ticket::Adopt(issue)) =
            &row.ticket
        else {
            continue;
        };
        // Files only: a Confluence page has no place beside it for the records yet.
        if matches!(reports[row.report()].home, crate::home::Home::Page(_)) {
            continue;
        }
        let Some(item) = reports[row.report()].report.item(row.row()) else {
            continue;
        };
        let item = &item;
        let mut decided = Decisions::default();
        decide(
            company,
            item,
            issue,
            &mut records[row.report()],
            true,
            &mut decided,
        );
        row.edits
            .extend(decided.edits.into_iter().map(|(_, edit)| edit));
        for (at_row, role) in decided.keep_jira {
            keep.insert((crate::sync::plan::ItemAt::new(row.report(), at_row), role));
        }
        for (at_row, warning) in decided.warnings {
            crate::sync::fields::add_warning(
                warnings,
                crate::sync::plan::ItemAt::new(row.report(), at_row),
                warning,
            );
        }
    }
    (records, keep)
}

/// Saves every report's records once its writes are done (rows that failed keep their old
/// records). A sidecar that cannot be written is a warning: the report and Jira are right.
pub fn save(
    reports: &[crate::sync::workspace::LoadedReport],
    records: &mut [CellRecords],
    failed: &HashSet<crate::sync::plan::ItemAt>,
    created: &crate::sync::created::CreatedKeys,
) {
    // A created ticket took its owner and due date from the cells: they are the report's
    // words, seen now, so a later change in Jira is not taken for a change in the report.
    for (at, key) in created.iter() {
        let (index, row) = (&at.report, &at.row);
        let (Some(records), Some(item)) =
            (records.get_mut(*index), reports[*index].report.item(*row))
        else {
            continue;
        };
        for (role, field) in [(Role::Owner, "assignee"), (Role::Due, "due")] {
            if let Some((_, cell)) = column(&item, role) {
                records.pending.push((
                    *row,
                    key.to_string(),
                    field,
                    Seen {
                        text: cell.text.trim().to_owned(),
                        ours: false,
                    },
                ));
            }
        }
    }
    for (index, records) in records.iter_mut().enumerate() {
        let rows: HashSet<usize> = failed
            .iter()
            .filter(|at| at.report == index)
            .map(|at| at.row)
            .collect();
        if matches!(reports[index].home, crate::home::Home::Page(_)) {
            continue;
        }
        let path = reports[index].report.path();
        if let Err(error) = records.save(path, &rows) {
            tracing::warn!(
                "could not write {}: {error}",
                CellRecords::path_for(path).display()
            );
        }
    }
}
