//! The post-mortem's own ticket (`[jira] parent = "create"`, or front matter
//! `jira_parent: create`): created once, before the items, which are all created as its
//! children; its key is written into the report's front matter.
//!
//! Exactly once, whatever fails: the parent carries the report's labels and mark like its
//! items, and is told apart from them by its summary (the report's title). Before it is
//! created a journal entry is written; a rerun that finds the entry (a killed run, a lost
//! response) looks for the ticket by the search the items use before it would create it again,
//! and holds the items (they could not be its children) while Cloud search may still lag. Once
//! its key is in the front matter, that key is the parent: nothing is searched or created.
//!
//! How items become children is read from the project (as `doctor` does): under an Epic, the
//! create screen's Parent field (Cloud) or Epic Link field (Data Center); under any other
//! type, as the project's sub-task type with `parent`.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::jira::fields as screen_fields;
use crate::jira::model::{CreateFields, CreateOutcome, Issue, IssueKey, IssueType, NewIssue};
use crate::settings::{CompanyJira, PARENT_CREATE};
use crate::sync::apply::Engine;
use crate::sync::journal::{Journal, PendingCreate};
use crate::sync::outcome::RowAction;
use crate::sync::plan::{ItemAt, NewTicket, Plan, TrackerState};
use crate::sync::workspace::LoadedReport;

/// Jira refuses longer summaries.
const SUMMARY_LIMIT: usize = 255;

/// How the items of a report become children of its ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildRoute {
    /// A field of the items' create screen: Cloud `parent`, or Data Center's Epic Link.
    Field,
    /// The items are created as this sub-task type, with `parent`.
    SubTask(String),
}

/// The parent's issue type and how its children are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentKind {
    /// The parent's issue type name.
    pub issue_type: String,
    pub route: ChildRoute,
}

/// Whether the report wants pm-sync to create its ticket: its front matter says
/// `jira_parent: create`, or it names no parent and `[jira] parent = "create"`.
pub fn wants_created(company: &CompanyJira, loaded: &LoadedReport) -> bool {
    // A Confluence page has no front matter to keep the key in: not supported there yet.
    if matches!(loaded.home, crate::home::Home::Page(_)) {
        return false;
    }
    match loaded.report.front_matter().jira_parent.as_deref() {
        Some(written) => written.trim().eq_ignore_ascii_case(PARENT_CREATE),
        None => company.parent.as_deref() == Some(PARENT_CREATE),
    }
}

/// The key of the ticket pm-sync created for the report earlier: the front matter's key, under
/// `[jira] parent = "create"`. (A key that replaced `jira_parent: create` in the front matter
/// is read as any parent key is.)
pub fn created_key(company: &CompanyJira, loaded: &LoadedReport) -> Option<IssueKey> {
    if company.parent.as_deref() != Some(PARENT_CREATE) {
        return None;
    }
    IssueKey::parse(loaded.report.front_matter().jira_parent.as_deref()?)
}

/// Whether this module makes the report's items children ([`wants_created`] or
/// [`created_key`]), rather than the parent key route of [`crate::sync::fields`].
pub fn owns(company: &CompanyJira, loaded: &LoadedReport) -> bool {
    wants_created(company, loaded) || created_key(company, loaded).is_some()
}

/// The parent's summary: the report's title, after "Post-mortem: " unless the title already
/// says so; cut to Jira's limit.
pub fn summary(loaded: &LoadedReport) -> String {
    let title = title(loaded);
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = title.to_lowercase();
    let says_so = [
        "post-mortem",
        "postmortem",
        "post mortem",
        "incident",
        "pir",
    ]
    .iter()
    .any(|word| lower.starts_with(word));
    let summary = if says_so {
        title
    } else {
        format!("Post-mortem: {title}")
    };
    summary.chars().take(SUMMARY_LIMIT).collect()
}

/// The report's title: the front matter's `title`, else the first `# ` heading (outside code
/// fences), else the file name without its extension.
fn title(loaded: &LoadedReport) -> String {
    let fm = loaded.report.front_matter();
    if let Some(title) = &fm.title {
        return title.clone();
    }
    let text = String::from_utf8_lossy(loaded.report.bytes());
    let start = fm
        .places
        .yaml
        .as_ref()
        .and_then(|yaml| text[yaml.end..].find('\n').map(|at| yaml.end + at + 1))
        .unwrap_or(0);
    let mut fenced = false;
    for line in text.get(start..).unwrap_or_default().lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if !fenced && let Some(heading) = trimmed.strip_prefix("# ") {
            let heading = heading.trim().trim_end_matches('#').trim();
            if !heading.is_empty() {
                return heading.to_owned();
            }
        }
    }
    loaded.report.path().file_stem().map_or_else(
        || loaded.title.clone(),
        |stem| stem.to_string_lossy().into_owned(),
    )
}

/// Chooses the parent's type and the child route from the project's issue types and the items'
/// create screen, or says why there is none (a config error, before any write).
pub fn discover(
    company: &CompanyJira,
    types: &[IssueType],
    screen: &CreateFields,
) -> Result<ParentKind, String> {
    let standard = |name: &str| {
        types
            .iter()
            .find(|t| !t.subtask && t.name.eq_ignore_ascii_case(name))
    };
    let names: Vec<&str> = types
        .iter()
        .filter(|t| !t.subtask)
        .map(|t| t.name.as_str())
        .collect();
    let parent = match &company.parent_type {
        Some(wanted) => standard(wanted).ok_or_else(|| {
            format!(
                "[jira] parent_type = {wanted:?} is not an issue type of the project (it has: {})",
                names.join(", ")
            )
        })?,
        None => standard("Epic")
            .or_else(|| standard("Task"))
            .or_else(|| types.iter().find(|t| !t.subtask))
            .ok_or_else(|| "the project has no issue type a parent could be".to_owned())?,
    };
    let epic = parent.name.eq_ignore_ascii_case("Epic");
    if epic && (screen.has("parent") || screen_fields::epic_link(screen).is_some()) {
        return Ok(ParentKind {
            issue_type: parent.name.clone(),
            route: ChildRoute::Field,
        });
    }
    if let Some(subtask) = types.iter().find(|t| t.subtask) {
        return Ok(ParentKind {
            issue_type: parent.name.clone(),
            route: ChildRoute::SubTask(subtask.name.clone()),
        });
    }
    Err(format!(
        "items cannot be made children of a {}: {}",
        parent.name,
        if epic {
            "the create screen has neither Parent nor Epic Link, and the project has no sub-task type"
        } else {
            "the project has no sub-task type"
        }
    ))
}

/// Makes `new` a child of `key` the way `kind` says.
fn make_child(new: &mut NewTicket, kind: &ParentKind, screen: &CreateFields, key: &IssueKey) {
    match &kind.route {
        ChildRoute::Field => {
            if screen.has("parent") {
                new.fields
                    .insert("parent".into(), json!({ "key": key.as_str() }));
            } else if let Some(field) = screen_fields::epic_link(screen) {
                new.fields
                    .insert(field.field_id.clone(), json!(key.as_str()));
            }
        }
        ChildRoute::SubTask(subtask) => {
            new.issue_type = subtask.as_str().into();
            new.fields
                .insert("parent".into(), json!({ "key": key.as_str() }));
        }
    }
}

/// Takes every report's parent ticket out of the search results before planning, so that no
/// item adopts it and no item's duplicates count it: the ticket named by the front matter, and
/// for reports that want one created, any ticket with their mark and the parent's summary.
/// Returns the latter (the lowest key per report).
pub fn take_found(
    company: &CompanyJira,
    reports: &[LoadedReport],
    state: &mut TrackerState,
) -> HashMap<usize, Issue> {
    let mut found: HashMap<usize, Issue> = HashMap::new();
    for (index, loaded) in reports.iter().enumerate() {
        let Some(labels) = &loaded.labels else {
            continue;
        };
        let named = loaded.report.front_matter().jira_parent.clone();
        let wanted = wants_created(company, loaded).then(|| summary(loaded));
        let mark = mark_of(loaded);
        let Some(issues) = state.by_label.get_mut(&labels.date_label()) else {
            continue;
        };
        issues.retain(|issue| {
            if named
                .as_deref()
                .is_some_and(|key| key.eq_ignore_ascii_case(issue.key.as_str()))
            {
                return false;
            }
            let is_parent = wanted.as_deref().is_some_and(|summary| {
                issue.labels.contains(&mark) && same_summary(&issue.summary, summary)
            });
            if is_parent {
                let lower = found
                    .get(&index)
                    .is_none_or(|seen| key_number(&issue.key) < key_number(&seen.key));
                if lower {
                    found.insert(index, Issue::clone(issue));
                }
            }
            !is_parent
        });
    }
    found
}

fn mark_of(loaded: &LoadedReport) -> String {
    crate::sync::marks::mark_label(&crate::sync::marks::report_id(loaded.report.path()))
}

fn same_summary(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

fn key_number(key: &IssueKey) -> u64 {
    key.as_str()
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// For `--dry-run`: says which reports would get their own ticket (the diff shows the items
/// only; the key a create would give is not known).
pub fn tell_dry_run(
    company: &CompanyJira,
    reports: &[LoadedReport],
    plan: &Plan,
    found: &HashMap<usize, Issue>,
) {
    for (index, loaded) in reports.iter().enumerate() {
        if !wants_created(company, loaded) {
            continue;
        }
        let path = loaded.report.path().display();
        if let Some(issue) = found.get(&index) {
            tracing::warn!(
                "{path}: would write jira_parent: {} (the post-mortem's ticket, found) into the front matter",
                issue.key
            );
        } else if plan.creates().any(|(row, _)| row.report() == index) {
            tracing::warn!(
                "{path}: would create the post-mortem's own ticket \"{}\" first, write its key into the front matter (jira_parent) and create the items as its children",
                summary(loaded)
            );
        }
    }
}

/// What the parent step needs from the rest of the run.
pub struct Step<'r> {
    pub journals: &'r mut [Journal],
    pub plan: &'r mut Plan,
    /// Rows whose create waits (a lost create): the items of a report whose parent may exist
    /// but is not found yet join them.
    pub held: &'r mut HashSet<ItemAt>,
    pub rows: &'r mut crate::sync::outcome::Rows,
    /// Journal entries to settle once the keys are durably saved.
    pub settle_later: &'r mut Vec<(usize, String, String)>,
}

/// Gets every report that wants one its ticket — the one written in the front matter, else the
/// one found, else one created now — writes its key into the front matter, and makes the
/// report's creates its children. Rows that cannot be its children are returned (their create
/// is not sent): they failed, or wait with the held ones.
pub async fn ensure(
    engine: &Engine<'_>,
    reports: &mut [LoadedReport],
    step: Step<'_>,
    prepared: &crate::sync::fields::Screen,
    mut found: HashMap<usize, Issue>,
) -> Result<HashSet<ItemAt>, Error> {
    let mut blocked = HashSet::new();
    // A run killed after saving the parent's key left its journal entry: the key settles it.
    for (index, loaded) in reports.iter().enumerate() {
        let keyed = loaded
            .report
            .front_matter()
            .jira_parent
            .as_deref()
            .and_then(IssueKey::parse)
            .is_some();
        if keyed {
            for entry in step.journals[index].pending().iter().filter(|e| e.parent) {
                step.settle_later.push((
                    index,
                    entry.date_label.to_string(),
                    entry.summary.to_string(),
                ));
            }
        }
    }
    let (Some(kind), Some(screen)) = (prepared.parent_kind.as_ref(), prepared.fields()) else {
        return Ok(blocked);
    };
    for (index, loaded) in reports.iter_mut().enumerate() {
        if let Some(key) = created_key(engine.company, &*loaded) {
            step.plan
                .change_creates(index, |new| make_child(new, kind, screen, &key));
            continue;
        }
        if !wants_created(engine.company, &*loaded) {
            continue;
        }
        let creating: Vec<ItemAt> = step
            .plan
            .creates()
            .filter(|(row, _)| row.report() == index && !step.held.contains(&row.at()))
            .map(|(row, _)| row.at())
            .collect();
        let found_here = found.remove(&index);
        if creating.is_empty() && found_here.is_none() {
            continue;
        }
        let summary = summary(&*loaded);
        let date_label = loaded
            .labels
            .as_ref()
            .map(|l| l.date_label())
            .unwrap_or_default();
        let pending = step.journals[index]
            .pending()
            .iter()
            .find(|e| e.parent && *e.summary == *summary)
            .cloned();
        let key: Result<Option<IssueKey>, String> = match found_here {
            Some(issue) => Ok(Some(issue.key)),
            None => {
                let young = pending.as_ref().is_some_and(|entry| {
                    (Utc::now() - entry.sent_at).to_std().unwrap_or_default()
                        < engine.timing.lag_window
                });
                let mut result = Ok(None);
                if young {
                    // An earlier run sent the create: find it before creating another.
                    result = search(engine, &*loaded, &summary).await?;
                }
                // Not found by a consistent search (Data Center), or a journal entry older
                // than any search lag: that create never happened.
                let never = !young
                    || (matches!(result, Ok(None))
                        && engine.client.deployment().await?
                            == crate::jira::model::Deployment::Datacenter);
                if never {
                    if pending.is_some() {
                        step.settle_later
                            .push((index, date_label.clone(), summary.clone()));
                    }
                    let fields = prepared
                        .report_fields
                        .get(&index)
                        .cloned()
                        .unwrap_or_default();
                    result = create(
                        engine,
                        &*loaded,
                        step.journals,
                        (index, &summary, kind, fields),
                        &prepared.types,
                    )
                    .await?;
                }
                result
            }
        };
        let key = match key {
            Ok(Some(key)) => key,
            Ok(None) => {
                // Perhaps created, not found yet: the items wait with the held rows.
                for at in creating {
                    step.held.insert(at);
                }
                continue;
            }
            Err(refused) => {
                step.settle_later.push((index, date_label, summary));
                for at in creating {
                    blocked.insert(at);
                    if let Some(row) = step.rows.get_mut(&at) {
                        row.action = RowAction::Failed;
                        row.set_error(Some(
                            format!(
                                "not created: Jira refused the post-mortem's own ticket \
                                 ({refused}), and the items are created only as its children"
                            )
                            .into(),
                        ));
                    }
                }
                continue;
            }
        };
        step.settle_later.push((index, date_label, summary));
        loaded.report.set_jira_parent(key.as_str())?;
        // Saved now: a run killed from here on leaves the key for the next run.
        loaded.save_deferred()?;
        step.plan
            .change_creates(index, |new| make_child(new, kind, screen, &key));
    }
    Ok(blocked)
}

/// Journals and sends the parent's create. `Ok(Ok(Some))`: its key; `Ok(Ok(None))`: the
/// response was lost and search does not show it yet; `Ok(Err)`: Jira refused it.
async fn create(
    engine: &Engine<'_>,
    loaded: &LoadedReport,
    journals: &mut [Journal],
    (index, summary, kind, fields): (usize, &str, &ParentKind, Map<String, Value>),
    types: &[IssueType],
) -> Result<Result<Option<IssueKey>, String>, Error> {
    let Some(labels) = &loaded.labels else {
        return Ok(Ok(None));
    };
    let fields = epic_fields(engine, summary, kind, types, fields).await?;
    journals[index]
        .record([PendingCreate {
            date_label: labels.date_label().into(),
            summary: summary.into(),
            sent_at: Utc::now(),
            then_move: None,
            parent: true,
        }])
        .map_err(|source| Error::io(loaded.report.path(), source))?;
    let new = NewIssue {
        project: engine.jira.project.as_str().into(),
        issue_type: kind.issue_type.as_str().into(),
        summary: summary.to_owned(),
        description: Some(description(engine, loaded)),
        labels: std::sync::Arc::new(
            labels
                .labels()
                .iter()
                .cloned()
                .chain([mark_of(loaded)])
                .collect(),
        ),
        fields,
        links: Vec::new(),
    };
    let outcome = engine
        .client
        .create_issues(std::slice::from_ref(&new))
        .await;
    match outcome.into_iter().next() {
        Some(CreateOutcome::Created { key, .. }) => Ok(Ok(Some(key))),
        Some(CreateOutcome::Rejected { message }) => Ok(Err(message)),
        Some(CreateOutcome::Ambiguous { message }) => {
            tracing::warn!(
                "the create of the post-mortem's ticket may or may not have happened: {message}"
            );
            search(engine, loaded, summary).await
        }
        None => Ok(Ok(None)),
    }
}

/// On Data Center, a new Epic needs an Epic Name, a field of the Epic's own create screen: that
/// screen is read (one request, only in the run that creates the parent), the Epic Name set to
/// the summary, and the report's fields kept where that screen has them. Elsewhere the fields
/// go as they are.
async fn epic_fields(
    engine: &Engine<'_>,
    summary: &str,
    kind: &ParentKind,
    types: &[IssueType],
    mut fields: Map<String, Value>,
) -> Result<Map<String, Value>, Error> {
    let datacenter =
        engine.client.deployment().await? == crate::jira::model::Deployment::Datacenter;
    let epic = types
        .iter()
        .find(|t| t.name == kind.issue_type && t.name.eq_ignore_ascii_case("Epic"));
    let (true, Some(epic)) = (datacenter, epic) else {
        return Ok(fields);
    };
    match engine
        .client
        .create_fields_of(&engine.jira.project, epic.clone())
        .await
    {
        Ok(screen) => {
            fields.retain(|id, _| screen.has(id));
            if let Some(name) = screen_fields::epic_name(&screen) {
                fields.insert(name.field_id.clone(), json!(summary));
            }
        }
        // Sent as it is: Jira's answer names what is missing.
        Err(error) => tracing::warn!("could not read the Epic's create screen: {error}"),
    }
    Ok(fields)
}

/// Searches the report's date label for its parent until found or the wait is over (on Data
/// Center, whose search is consistent, one look; not found there means never created, and
/// it is created now).
async fn search(
    engine: &Engine<'_>,
    loaded: &LoadedReport,
    summary: &str,
) -> Result<Result<Option<IssueKey>, String>, Error> {
    let Some(labels) = &loaded.labels else {
        return Ok(Ok(None));
    };
    let consistent =
        engine.client.deployment().await? == crate::jira::model::Deployment::Datacenter;
    let deadline = Instant::now()
        + if consistent {
            std::time::Duration::ZERO
        } else {
            engine.timing.wait
        };
    let mark = mark_of(loaded);
    loop {
        let issues = engine
            .client
            .search_by_label(&engine.jira.project, &labels.date_label(), &[])
            .await?;
        let found = issues
            .into_iter()
            .filter(|issue| issue.labels.contains(&mark) && same_summary(&issue.summary, summary))
            .min_by_key(|issue| key_number(&issue.key));
        if let Some(issue) = found {
            return Ok(Ok(Some(issue.key)));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(Ok(None));
        }
        tokio::time::sleep(engine.timing.poll.min(deadline - now)).await;
    }
}

/// Where the post-mortem is read, and what the ticket is for.
fn description(engine: &Engine<'_>, loaded: &LoadedReport) -> String {
    let path = loaded.shown_path();
    let place = engine
        .report_url
        .map_or(path.clone(), |template| template.replace("{path}", &path));
    let (date, severity) = loaded.labels.as_ref().map_or_else(
        || (String::new(), String::new()),
        |l| (l.date.format("%Y-%m-%d").to_string(), l.severity.clone()),
    );
    format!(
        "The post-mortem \"{}\" ({place}), incident of {date}, {severity}.\nIts action items are \
         the children of this ticket.\nCreated by pm-sync.",
        loaded.title
    )
}
