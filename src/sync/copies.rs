//! Copies of a report that notice each other: the labels every sync searches, and the warning
//! for items that match tickets pm-sync created for *another* report (a copy of this one in
//! the same folder or elsewhere in the repository), which this report will never adopt.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::jira::model::{Issue, IssueId, IssueKey};
use crate::sync::marks::{is_mark, mark_label, report_id};
use crate::sync::plan::{Plan, Ticket, TrackerState, comparable};
use crate::sync::workspace::LoadedReport;

/// How many keys a warning lists before "and N more".
const KEYS_SHOWN: usize = 10;

/// The date labels to search: each once, sorted, none empty.
pub fn date_labels(labels: impl Iterator<Item = String>) -> Vec<String> {
    let mut labels: Vec<String> = labels.filter(|label| !label.is_empty()).collect();
    labels.sort();
    labels.dedup();
    labels
}

/// Tickets created for another report whose summaries match items of this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignMatch {
    /// The report (index in the run) whose items match.
    pub report: usize,
    /// The other report's mark (see [`crate::sync::marks`]).
    pub mark: String,
    /// Its matching tickets, lowest key first.
    pub keys: Vec<IssueKey>,
}

/// Tickets marked for another report by comparable summary, each with that report's mark.
type BySummary<'s> = HashMap<String, Vec<(&'s str, &'s Issue)>>;

/// For each report (index in the run, with its `marks` and `date_labels` by index), the tickets
/// of its date label that carry another report's mark and the summary of one of its items,
/// other than the ticket the item itself ends up with. Linear in rows and tickets; what it
/// holds grows with the other reports' tickets, not with the rows (a sync of 100,000 items
/// and no copy holds nothing per row).
pub fn foreign_matches(
    reports: &[LoadedReport],
    marks: &[String],
    date_labels: &[String],
    plan: &Plan,
    state: &TrackerState,
) -> Vec<ForeignMatch> {
    // Report → summary → the tickets of its date label marked for another report (usually
    // none at all, and then the rows are not looked at).
    let mut foreign: HashMap<usize, BySummary<'_>> = HashMap::new();
    for (report, (mark, label)) in marks.iter().zip(date_labels).enumerate() {
        for issue in state.by_label.get(label).into_iter().flatten() {
            let Some(other) = issue.labels.iter().find(|l| is_mark(l) && *l != mark) else {
                continue;
            };
            if issue.labels.contains(mark) {
                continue;
            }
            foreign
                .entry(report)
                .or_default()
                .entry(comparable(&issue.summary))
                .or_default()
                .push((other.as_str(), issue));
        }
    }
    if foreign.is_empty() {
        return Vec::new();
    }
    // Report → summary of one of its items → the tickets its rows end up with (ids).
    let mut owned: HashMap<(usize, &str), HashSet<Option<IssueId>>> = HashMap::new();
    for row in &plan.rows {
        let Some(summaries) = foreign.get(&row.report()) else {
            continue;
        };
        let Some(loaded) = reports.get(row.report()) else {
            continue;
        };
        let Some((summary, _)) =
            summaries.get_key_value(&comparable(&row.summary_in(&loaded.report)))
        else {
            continue;
        };
        let own = match &row.ticket {
            Ticket::Linked(issue) | Ticket::Adopt(issue) => Some(issue.id),
            _ => None,
        };
        owned
            .entry((row.report(), summary.as_str()))
            .or_default()
            .insert(own);
    }
    let mut out = Vec::new();
    let mut reports: Vec<_> = foreign.iter().collect();
    reports.sort_by_key(|(report, _)| **report);
    for (&report, summaries) in reports {
        let mut by_mark: BTreeMap<&str, Vec<&Issue>> = BTreeMap::new();
        for (summary, issues) in summaries {
            let Some(own) = owned.get(&(report, summary.as_str())) else {
                continue;
            };
            for &(other, issue) in issues {
                if !own.contains(&Some(issue.id)) {
                    by_mark.entry(other).or_default().push(issue);
                }
            }
        }
        for (other, mut issues) in by_mark {
            issues.sort_by_key(|issue| key_number(&issue.key));
            out.push(ForeignMatch {
                report,
                mark: other.to_owned(),
                keys: issues.iter().map(|issue| issue.key.clone()).collect(),
            });
        }
    }
    out
}

/// The warning for `found` in the report at `path`; `run` holds the other reports of this run
/// (path and mark) to name the other report by, before its folder's Markdown files are tried.
pub fn warning(path: &Path, found: &ForeignMatch, run: &[(PathBuf, String)]) -> String {
    let other = run
        .iter()
        .find(|(_, mark)| *mark == found.mark)
        .map(|(p, _)| p.clone())
        .or_else(|| sibling_with_mark(path, &found.mark))
        .or_else(|| elsewhere_in_repository(path, &found.mark));
    let named = match &other {
        Some(other) => format!("{}", other.display()),
        None => format!(
            "another report (its tickets carry the label {})",
            found.mark
        ),
    };
    let mut keys: Vec<String> = found
        .keys
        .iter()
        .take(KEYS_SHOWN)
        .map(ToString::to_string)
        .collect();
    if found.keys.len() > KEYS_SHOWN {
        keys.push(format!("and {} more", found.keys.len() - KEYS_SHOWN));
    }
    format!(
        "{}: items match tickets pm-sync created for {named}: {}; this report never takes \
         another report's tickets, so it has (or files) its own. If it is a copy of {named}, \
         keep one file per post-mortem (delete the copy); to have this report use those tickets \
         instead, write each key at the start of its item (`| {} … |`) and sync again",
        path.display(),
        keys.join(", "),
        found.keys[0],
    )
}

/// Warns (one line per report and other report) about items matching tickets created for
/// another report.
pub fn warn_foreign(reports: &[LoadedReport], plan: &Plan, state: &TrackerState) {
    let run: Vec<(PathBuf, String)> = reports
        .iter()
        .map(|loaded| {
            let path = loaded.report.path().to_path_buf();
            let mark = mark_label(&report_id(&path));
            (path, mark)
        })
        .collect();
    let marks: Vec<String> = run.iter().map(|(_, mark)| mark.clone()).collect();
    let labels: Vec<String> = reports
        .iter()
        .map(|loaded| {
            loaded
                .labels
                .as_ref()
                .map(|labels| labels.date_label())
                .unwrap_or_default()
        })
        .collect();
    for found in foreign_matches(reports, &marks, &labels, plan, state) {
        let path = reports[found.report].report.path();
        tracing::warn!("{}", warning(path, &found, &run));
    }
    for (report, other, keys) in shared_links(&marks, plan, &run) {
        tracing::warn!(
            "{}",
            shared_warning(reports[report].report.path(), &other, &keys)
        );
    }
}

/// Linked tickets that pm-sync created for another report which still exists (in this run,
/// in the report's folder or elsewhere in its repository): two reports linking one ticket —
/// a copy made after a sync, or an old report taken as the template of a new one — each
/// rewrite its summary and labels, undoing the other. A report that was moved leaves no file
/// at its old path, so a move is not warned about. One entry per report and other report,
/// with the keys; each other report is looked for once.
fn shared_links(
    marks: &[String],
    plan: &Plan,
    run: &[(PathBuf, String)],
) -> Vec<(usize, PathBuf, Vec<IssueKey>)> {
    let mut shared: BTreeMap<(usize, String), Vec<IssueKey>> = BTreeMap::new();
    for row in &plan.rows {
        let (Ticket::Linked(issue), Some(mark)) = (&row.ticket, marks.get(row.report())) else {
            continue;
        };
        for other in issue.labels.iter().filter(|l| is_mark(l) && *l != mark) {
            let keys = shared.entry((row.report(), other.clone())).or_default();
            if !keys.contains(&issue.key) {
                keys.push(issue.key.clone());
            }
        }
    }
    let mut found: HashMap<(PathBuf, String), Option<PathBuf>> = HashMap::new();
    let mut repository = RepositoryMarks::default();
    let mut out = Vec::new();
    for ((report, other_mark), mut keys) in shared {
        let (path, _) = &run[report];
        let other = found
            .entry((crate::report::disk::folder_of(path), other_mark.clone()))
            .or_insert_with(|| {
                run.iter()
                    .find(|(p, m)| *m == other_mark && p != path)
                    .map(|(p, _)| p.clone())
                    .or_else(|| sibling_with_mark(path, &other_mark))
                    .or_else(|| repository.find(path, &other_mark))
            })
            .clone();
        if let Some(other) = other {
            keys.sort_by_key(key_number);
            out.push((report, other, keys));
        }
    }
    out
}

/// The warning for tickets `keys` that the report at `path` links and that pm-sync also keeps
/// for `other`, which still exists.
fn shared_warning(path: &Path, other: &Path, keys: &[IssueKey]) -> String {
    let mut shown: Vec<String> = keys
        .iter()
        .take(KEYS_SHOWN)
        .map(ToString::to_string)
        .collect();
    if keys.len() > KEYS_SHOWN {
        shown.push(format!("and {} more", keys.len() - KEYS_SHOWN));
    }
    format!(
        "{} and {} both link {}: each sync of one rewrites these tickets (summary, labels) to \
         its own text. Keep one file per post-mortem: if one is a copy of the other, delete the \
         copy; if one is a new report made from the other, remove these keys from the new one \
         so it files its own tickets",
        path.display(),
        other.display(),
        shown.join(", "),
    )
}

/// A Markdown file in `path`'s folder (not `path` itself) whose mark is `mark`.
fn sibling_with_mark(path: &Path, mark: &str) -> Option<PathBuf> {
    let folder = crate::report::disk::folder_of(path);
    let me = std::fs::canonicalize(path).ok();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&folder)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
        })
        .collect();
    names.sort();
    names.into_iter().find(|candidate| {
        std::fs::canonicalize(candidate).ok() != me && mark_label(&report_id(candidate)) == mark
    })
}

/// A Markdown file anywhere in `path`'s repository (walked as a folder run walks it) whose
/// mark is `mark`: a copy in another folder. Only looked for when a warning needs the name, so
/// a run that finds no other report's tickets never walks the repository.
fn elsewhere_in_repository(path: &Path, mark: &str) -> Option<PathBuf> {
    RepositoryMarks::default().find(path, mark)
}

/// The marks of every Markdown file of a repository, each repository walked once.
#[derive(Default)]
struct RepositoryMarks {
    by_root: HashMap<PathBuf, HashMap<String, Vec<PathBuf>>>,
}

impl RepositoryMarks {
    /// A file of `path`'s repository, other than `path`, whose mark is `mark`; shown relative
    /// to the working directory when it lies below it.
    fn find(&mut self, path: &Path, mark: &str) -> Option<PathBuf> {
        let me = std::fs::canonicalize(path).ok()?;
        let root = me
            .ancestors()
            .skip(1)
            .find(|dir| dir.join(".git").exists())?;
        let marks = self.by_root.entry(root.to_path_buf()).or_insert_with(|| {
            let mut marks: HashMap<String, Vec<PathBuf>> = HashMap::new();
            for file in crate::sync::workspace::markdown_files(root, &[]).0 {
                marks
                    .entry(mark_label(&report_id(&file)))
                    .or_default()
                    .push(file);
            }
            marks
        });
        let found = marks
            .get(mark)?
            .iter()
            .find(|candidate| std::fs::canonicalize(candidate).ok().as_ref() != Some(&me))?;
        let shown = std::env::current_dir()
            .ok()
            .and_then(|cwd| found.strip_prefix(cwd).ok().map(Path::to_path_buf));
        Some(shown.unwrap_or_else(|| found.clone()))
    }
}

/// Orders `OPS-9` before `OPS-10`.
fn key_number(key: &IssueKey) -> (String, u64) {
    let number = key
        .as_str()
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(u64::MAX);
    (key.project().to_owned(), number)
}
