//! Company Jira projects: the extra create fields of every ticket to create — `[jira.fields]`,
//! the front matter's `jira:` overrides, the row's Owner / Due / Priority cells, the parent and
//! the link — resolved against the create screen and validated before the first write.
//!
//! Order of precedence, lowest first: `[jira.fields]`, front matter `jira:`, the row's cells.
//! A value Jira would refuse is a config error (exit 2) naming the field, the value, the
//! allowed values and where it was written, before a single ticket is created. An owner who
//! cannot be assigned is not an error: the ticket is created unassigned and the row says why
//! (unless `[jira] unassignable = "fail"`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::jira::JiraError;
use crate::jira::fields::{self as screen_fields, ValueProblem};
use crate::jira::model::{CreateFields, Deployment, FIELDS_WE_FILL, FieldMeta, IssueType, NewLink};
use crate::jira::users::UserMatch;
use crate::report::roles::{self, Role};
use crate::sync::engine::Engine;
use crate::sync::outcome::SharedText;
use crate::sync::plan::{ItemAt, NewTicket, Plan, Ticket};
use crate::sync::workspace::LoadedReport;

/// Warnings for rows, keyed by (report index, row): e.g. why a ticket is unassigned. A text
/// many rows share (every row of one owner, of one bad due date) is held once.
#[derive(Debug, Default)]
pub struct RowWarnings {
    by_row: HashMap<ItemAt, SharedText>,
    texts: HashSet<SharedText>,
}

impl RowWarnings {
    /// No warnings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `warning` to the row's warnings (a row may have several: an owner nobody can be
    /// assigned, a due date that is no date, a priority the project does not have).
    pub fn add(&mut self, at: ItemAt, warning: String) {
        let text = match self.by_row.get(&at) {
            Some(earlier) => format!("{earlier}; {warning}"),
            None => warning,
        };
        let shared = match self.texts.get(text.as_str()) {
            Some(shared) => shared.clone(),
            None => {
                let shared = SharedText::from(text);
                self.texts.insert(shared.clone());
                shared
            }
        };
        self.by_row.insert(at, shared);
    }

    /// Each row's warnings, as one text.
    pub fn into_rows(self) -> impl Iterator<Item = (ItemAt, SharedText)> {
        self.by_row.into_iter()
    }
}

/// Adds `warning` to the row's warnings: see [`RowWarnings::add`].
pub fn add_warning(warnings: &mut RowWarnings, at: ItemAt, warning: String) {
    warnings.add(at, warning);
}

/// Why a Due cell sets no due date, or the date it sets.
pub(crate) fn due_date(text: &str) -> Result<String, String> {
    match crate::report::written_date(text) {
        crate::report::WrittenDate::Date(date) => Ok(date.format("%Y-%m-%d").to_string()),
        crate::report::WrittenDate::Ambiguous(month_first, day_first) => Err(format!(
            "due date {text:?} could be {} or {}",
            month_first.format("%B %-d, %Y"),
            day_first.format("%B %-d, %Y")
        )),
        crate::report::WrittenDate::None => Err(format!("due date {text:?} is not a date")),
    }
}

/// Per report: whether its Priority cells count from `P0` (some cell reads `P0`).
fn zero_based_priorities(reports: &[LoadedReport]) -> Vec<bool> {
    reports
        .iter()
        .map(|loaded| {
            loaded.report.iter_items().any(|item| {
                roles::cell(&item, Role::Priority)
                    .is_some_and(|cell| crate::sync::priority::reads_p0(&cell.text))
            })
        })
        .collect()
}

/// The JSON for the scheme priority a Priority cell means, or why there is none.
fn priority_value(field: &FieldMeta, text: &str, zero_based: bool) -> Result<Value, String> {
    let found = crate::sync::priority::resolve(text, &field.allowed_values, zero_based)
        .ok_or_else(|| {
            let names = screen_fields::allowed_labels(&field.allowed_values);
            format!(
                "priority {text:?} is none of the project's priorities ({}), nor P0-P5 or a \
                 common priority word",
                names.join(", ")
            )
        })?;
    Ok(match &found.id {
        Some(id) => json!({ "id": id }),
        None => json!({ "name": found.label() }),
    })
}

/// A value with the place it was written, for messages.
struct Source<'a> {
    name: &'a str,
    values: Vec<String>,
    origin: String,
}

/// What sync knows of the create screen before planning: the issue type the project check
/// found (its id addresses the screen), and the screen itself when it was read early.
#[derive(Default)]
pub struct Screen {
    issue_type: Option<IssueType>,
    read: Option<Result<CreateFields, JiraError>>,
    /// The project's issue types (from the project check): a created parent's type and the
    /// sub-task type are chosen among them.
    pub types: Vec<IssueType>,
    /// For `[jira] parent = "create"`: the parent's type and how items become its children,
    /// found by [`prepare`].
    pub parent_kind: Option<crate::sync::parent::ParentKind>,
    /// Per report, the fields `[jira.fields]` and the front matter give every ticket, resolved
    /// by [`prepare`]: the report's own ticket gets them too.
    pub report_fields: HashMap<usize, Map<String, Value>>,
}

impl Screen {
    /// Keeps `issue_type`, and reads its create screen now when `wanted` (a failed read is
    /// kept, and reported only if a create needs the screen).
    pub async fn read(engine: &Engine<'_>, issue_type: IssueType, wanted: bool) -> Screen {
        let read = if wanted {
            Some(
                engine
                    .client
                    .create_fields_of(&engine.jira.project, issue_type.clone())
                    .await,
            )
        } else {
            None
        };
        Screen {
            issue_type: Some(issue_type),
            read,
            ..Screen::default()
        }
    }

    /// The create screen, when it has been read.
    pub fn fields(&self) -> Option<&CreateFields> {
        match &self.read {
            Some(Ok(fields)) => Some(fields),
            _ => None,
        }
    }

    /// The screen read early, else read now (and kept for later steps): one request when the
    /// issue type's id is known, else two (the project's issue types, then the type's fields).
    /// A failed read is returned once and tried again on the next call.
    async fn get(&mut self, engine: &Engine<'_>) -> Result<&CreateFields, JiraError> {
        let jira = engine.jira;
        if !matches!(self.read, Some(Ok(_))) {
            let read = match (self.read.take(), &self.issue_type) {
                (Some(Err(error)), _) => Err(error),
                (_, Some(known)) => {
                    engine
                        .client
                        .create_fields_of(&jira.project, known.clone())
                        .await
                }
                (_, None) => {
                    engine
                        .client
                        .create_fields(&jira.project, &jira.issue_type)
                        .await
                }
            };
            self.read = Some(Ok(read?));
        }
        match &self.read {
            Some(Ok(fields)) => Ok(fields),
            _ => unreachable!("the screen was just read"),
        }
    }
}

/// Whether [`prepare`] may read the create screen: some item without a ticket has an Owner,
/// Due or Priority cell, its report's front matter sets fields or a parent, or the config sets
/// company fields. A superset of what `prepare` decides from the plan (an item adopted instead
/// of created needs nothing), so that the read can go out before planning.
pub fn may_need_screen(engine: &Engine<'_>, reports: &[LoadedReport]) -> bool {
    reports
        .iter()
        .filter(|loaded| loaded.labels.is_some())
        .any(|loaded| {
            let fm = loaded.report.front_matter();
            let fills =
                engine.company.is_set() || !fm.jira_fields.is_empty() || fm.jira_parent.is_some();
            loaded
                .report
                .iter_items()
                .filter(|item| item.key.is_none())
                .any(|item| {
                    fills
                        || [Role::Owner, Role::Due, Role::Priority]
                            .into_iter()
                            .any(|role| roles::cell(&item, role).is_some())
                })
        })
}

/// Fills the extra fields of every planned create, or fails (exit 2) before anything is sent
/// that changes Jira. Uses the create screen only when there is something to fill (`screen`
/// holds it when it was read before planning; see [`Screen`]).
pub async fn prepare(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
    plan: &mut Plan,
    screen: &mut Screen,
) -> Result<RowWarnings, Error> {
    let company = engine.company;
    // Where each create is, looked through again where needed (a list of them was 16 bytes a
    // row beside the plan).
    let planned = &*plan;
    let creating = || planned.creates().map(|(row, _)| row.at());
    if creating().next().is_none() {
        return Ok(RowWarnings::new());
    }
    // Each create's item decoded on its own (no map of every item of every report).
    let uses_columns = creating().any(|at| {
        reports[at.report].report.item(at.row).is_some_and(|item| {
            [Role::Owner, Role::Due, Role::Priority]
                .into_iter()
                .any(|role| roles::cell(&item, role).is_some())
        })
    });
    let uses_front_matter = creating().any(|ItemAt { report: index, .. }| {
        let fm = reports[index].report.front_matter();
        !fm.jira_fields.is_empty() || fm.jira_parent.is_some()
    });
    if !company.is_set() && !uses_columns && !uses_front_matter {
        return Ok(RowWarnings::new());
    }

    let jira = engine.jira;
    let holder = screen;
    let holder_types = holder.types.clone();
    let mut parent_kind = None;
    let mut report_fields: HashMap<usize, Map<String, Value>> = HashMap::new();
    let screen = holder.get(engine).await.map_err(|error| match error {
        JiraError::NotFound { what, detail, .. } => Error::config(
            format!("{what} not found{detail}"),
            "set [jira] project and issue_type to ones that exist (pm-sync doctor lists them)",
        ),
        other => Error::Jira(other),
    })?;
    let cloud = engine.client.deployment().await? == Deployment::Cloud;
    let where_ = format!(
        "the create screen of {} in Jira project {}",
        jira.issue_type, jira.project
    );

    // Fields per report: config, then front matter on top.
    let mut per_report: HashMap<usize, Map<String, Value>> = HashMap::new();
    let mut links: Vec<NewLink> = Vec::new();
    if let Some(link) = &company.link {
        links.push(NewLink {
            link_type: link.link_type.clone(),
            to: link.to.clone(),
        });
    }
    let mut lookups: BTreeMap<String, Option<Value>> = BTreeMap::new();
    let mut warnings = RowWarnings::new();
    for index in creating().map(|at| at.report) {
        if per_report.contains_key(&index) {
            continue;
        }
        let loaded = &reports[index];
        let path = loaded.report.path().display().to_string();
        let fm = loaded.report.front_matter();
        let mut sources: Vec<Source<'_>> = company
            .fields
            .iter()
            .map(|f| Source {
                name: &f.name,
                values: f.values.clone(),
                origin: f.origin.clone(),
            })
            .collect();
        sources.extend(fm.jira_fields.iter().map(|f| Source {
            name: &f.name,
            values: f.values.clone(),
            origin: format!("{path} line {} (front matter jira:)", f.line),
        }));
        let mut map = Map::new();
        for source in sources {
            let field = lookup(screen, source.name, &source.origin, &where_)?;
            let value = if field.schema.kind == "user"
                || field.schema.items.as_deref() == Some("user")
            {
                let mut ids = Vec::new();
                for person in &source.values {
                    match resolve_owner(engine, &mut lookups, company.person(person), cloud).await?
                    {
                        Ok(value) => ids.push(value),
                        Err(why) => {
                            return Err(Error::config(
                                format!("{} = {person:?} ({}): {why}", field.name, source.origin),
                                "name a person who can be assigned issues in the project (e-mail, username or display name)",
                            ));
                        }
                    }
                }
                if screen_fields::is_multi(field) {
                    Value::Array(ids)
                } else {
                    ids.into_iter().next().unwrap_or(Value::Null)
                }
            } else {
                convert(field, &source.values, cloud, &source.origin)?
            };
            map.insert(field.field_id.clone(), value);
        }
        let parent = fm
            .jira_parent
            .as_ref()
            .map(|p| (p.clone(), format!("{path} (front matter jira_parent)")))
            .or_else(|| {
                company
                    .parent
                    .clone()
                    .map(|p| (p, "[jira] parent".to_owned()))
            });
        let wants_created = crate::sync::parent::owns(company, loaded);
        if wants_created {
            // Fields every ticket needs go to the report's own ticket too.
            report_fields.insert(index, map.clone());
        }
        if let Some((key, origin)) = parent.filter(|_| !wants_created) {
            if key.eq_ignore_ascii_case("create") {
                // `owns` says no only for homes that cannot hold the parent's key: pages.
                return Err(Error::config(
                    format!(
                        "parent = \"create\" ({origin}) is not supported for {path}: a Confluence page has no front matter to keep the incident ticket's key in"
                    ),
                    "create the incident ticket by hand and set its key as [jira] parent, or sync this report from a file",
                ));
            }
            if crate::jira::model::IssueKey::parse(&key).is_none() {
                return Err(Error::config(
                    format!("parent {key:?} ({origin}) is not an issue key"),
                    "write the key of the parent issue or epic, e.g. OPS-100",
                ));
            }
            let (id, value) = parent_field(screen, &key).ok_or_else(|| {
                Error::config(
                    format!(
                        "parent {key} ({origin}) cannot be set: {where_} has neither a Parent nor an Epic Link field"
                    ),
                    "add Parent (or Epic Link) to the create screen, or link instead: [jira] link = { type = \"Relates\", to = \"OPS-100\" }",
                )
            })?;
            map.insert(id, value);
        }
        if wants_created && parent_kind.is_none() {
            let kind = crate::sync::parent::discover(company, &holder_types, screen)
                .map_err(|why| {
                    Error::config(
                        format!("{path} wants its own ticket (parent = \"create\"), but {why}"),
                        "set [jira] parent_type to a type the project has (Epic where items can be its children, else one with a sub-task type), or give a parent's key instead",
                    )
                })?;
            parent_kind = Some(kind);
        }
        per_report.insert(index, map);
    }

    // Row cells: owners looked up once each, then each row's own fields (due date, priority,
    // assignee) made and checked. Rows asking for the same fields share one copy of them and
    // one ticket: a report of 100,000 rows among 200 owners holds 200 field maps, not
    // 100,000 (a map is a tree node of ~600 bytes, even with one entry).
    let due_field = screen_fields::find(screen, "duedate");
    let priority_field = screen_fields::find(screen, "priority");
    let assignee_field = screen_fields::find(screen, "assignee");
    let mut unused: Vec<&str> = Vec::new();
    let zero_based = zero_based_priorities(reports);

    // One lookup per distinct person, concurrently (the client caps requests in flight).
    let mut wanted: BTreeMap<String, String> = BTreeMap::new();
    if assignee_field.is_some() {
        for at in creating() {
            let Some(item) = reports[at.report].report.item(at.row) else {
                continue;
            };
            if let Some(cell) = roles::cell(&item, Role::Owner) {
                let person = company.person(cell.text.trim());
                let key = person.to_ascii_lowercase();
                if !lookups.contains_key(&key) {
                    wanted.entry(key).or_insert_with(|| person.to_owned());
                }
            }
        }
    }
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    for person in wanted.into_values() {
        let client = engine.client.clone();
        let project = jira.project.clone();
        tasks.spawn(async move {
            let found = client.find_assignable(&project, &person).await;
            (person, found)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (person, found) = joined.map_err(|e| {
            Error::Jira(JiraError::Protocol {
                request: "user search".into(),
                message: format!("a lookup task failed: {e}"),
            })
        })?;
        let value = match found? {
            UserMatch::Found { id, .. } => Some(user_json(&id, cloud)),
            other => {
                failures.insert(person.to_ascii_lowercase(), why_unassignable(&other));
                None
            }
        };
        lookups.insert(person.to_ascii_lowercase(), value);
    }

    // Each create row's own fields, in the plan's order of creates: an index into `distinct`
    // (rows asking for the same fields share one), `None` when the row has none.
    let mut distinct: Vec<Map<String, Value>> = Vec::new();
    let mut distinct_by_text: HashMap<String, u32> = HashMap::new();
    let mut own_fields: Vec<Option<u32>> = Vec::with_capacity(creating().count());
    let mut unassigned: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for at in creating() {
        let Some(item) = reports[at.report].report.item(at.row) else {
            own_fields.push(None);
            continue;
        };
        let item = &item;
        let origin = format!(
            "{} line {}",
            reports[at.report].report.path().display(),
            item.line
        );
        let mut map = Map::new();
        // Free text in a Due or Priority cell never stops the run: the ticket is created
        // without that field, and the row says why.
        if let Some(cell) = roles::cell(item, Role::Due) {
            match (due_field, due_date(&cell.text)) {
                (Some(field), Ok(text)) => {
                    map.insert(
                        field.field_id.clone(),
                        convert(field, &[text], cloud, &origin)?,
                    );
                }
                (Some(_), Err(why)) => add_warning(
                    &mut warnings,
                    at,
                    format!(
                        "{why}: created without a due date (write it as YYYY-MM-DD, e.g. 2024-07-01)"
                    ),
                ),
                (None, _) => unused.push("Due Date"),
            }
        }
        if let Some(cell) = roles::cell(item, Role::Priority) {
            match priority_field {
                // A screen that lists no priorities: sent as written, Jira checks it.
                Some(field) if field.allowed_values.is_empty() => {
                    let value = convert(
                        field,
                        std::slice::from_ref(&cell.text),
                        cloud,
                        &format!("{origin}, Priority column"),
                    )?;
                    map.insert(field.field_id.clone(), value);
                }
                Some(field) => match priority_value(field, cell.text.trim(), zero_based[at.report])
                {
                    Ok(value) => {
                        map.insert(field.field_id.clone(), value);
                    }
                    Err(why) => add_warning(
                        &mut warnings,
                        at,
                        format!("{why}: created without a priority"),
                    ),
                },
                None => unused.push("Priority"),
            }
        }
        if let Some(cell) = roles::cell(item, Role::Owner) {
            if assignee_field.is_none() {
                unused.push("Assignee");
            } else {
                let owner = cell.text.trim();
                let person = company.person(owner).to_ascii_lowercase();
                match lookups.get(&person).cloned().flatten() {
                    Some(value) => {
                        map.insert("assignee".into(), value);
                    }
                    None => {
                        let why = failures
                            .get(&person)
                            .map_or("no assignable user matches", String::as_str);
                        let warning = format!("created unassigned: owner {owner:?} {why}");
                        if company.unassignable_fails {
                            unassigned.insert(warning.clone());
                        }
                        add_warning(&mut warnings, at, warning);
                    }
                }
            }
        }
        own_fields.push(if map.is_empty() {
            None
        } else {
            let text = Value::Object(map.clone()).to_string();
            let next = u32::try_from(distinct.len()).unwrap_or(u32::MAX);
            let id = *distinct_by_text.entry(text).or_insert(next);
            if id == next {
                distinct.push(map);
            }
            Some(id)
        });
    }
    drop(distinct_by_text);
    unused.sort_unstable();
    unused.dedup();
    for field in unused {
        tracing::warn!("the report's {field} column is not used: {where_} has no {field} field");
    }
    if !unassigned.is_empty() {
        return Err(Error::config(
            format!(
                "owners cannot be assigned in Jira project {} (nothing was created): {}",
                jira.project,
                unassigned
                    .iter()
                    .map(|w| w.trim_start_matches("created unassigned: "))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            "fix the Owner cells, map names or teams to people in [owners], or set [jira] unassignable = \"warn\"",
        ));
    }

    // Every required field needs a value for every ticket; then the plan gets them. Rows that
    // start from one ticket and ask for the same fields share one ticket (checked once). The
    // ticket they start from is kept beside it, so its address names it for the whole loop.
    type Started = (std::sync::Arc<NewTicket>, std::sync::Arc<NewTicket>);
    let mut shared: HashMap<(usize, Option<u32>), Started> = HashMap::new();
    let mut own_fields = own_fields.into_iter();
    for row in &mut plan.rows {
        let at = row.at();
        let Ticket::Create(ticket) = &mut row.ticket else {
            continue;
        };
        let own = own_fields.next().flatten();
        let key = (std::sync::Arc::as_ptr(ticket) as usize, own);
        if let Some((_, done)) = shared.get(&key) {
            *ticket = done.clone();
            continue;
        }
        let started = ticket.clone();
        let new = std::sync::Arc::make_mut(ticket);
        let mut fields = per_report.get(&at.report).cloned().unwrap_or_default();
        if let Some(own) = own.and_then(|id| distinct.get(id as usize)) {
            fields.extend(own.clone());
        }
        if let Some(labels) = fields.remove("labels") {
            for label in labels
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !new.labels.iter().any(|l| l == label) {
                    std::sync::Arc::make_mut(&mut new.labels).push(label.to_owned());
                }
            }
        }
        for field in &screen.fields {
            if field.required
                && !field.has_default_value
                && !FIELDS_WE_FILL.contains(&field.field_id.as_str())
                && !fields.contains_key(&field.field_id)
            {
                let allowed = screen_fields::allowed_labels(&field.allowed_values);
                let line = reports[at.report]
                    .report
                    .item(at.row)
                    .map_or(0, |item| item.line);
                return Err(Error::config(
                    format!(
                        "{} ({}) is required by {where_}, but the item at {} line {line} has no value for it{}",
                        field.name,
                        field.field_id,
                        reports[row.report()].report.path().display(),
                        if allowed.is_empty() {
                            String::new()
                        } else {
                            format!("; allowed values: {}", allowed.join(", "))
                        }
                    ),
                    format!(
                        "set it for every ticket in [jira.fields] (e.g. \"{}\" = ...), or per report in the front matter's jira:",
                        field.name
                    ),
                ));
            }
        }
        new.fields = fields;
        new.links = links.clone();
        shared.insert(key, (started, ticket.clone()));
    }
    holder.parent_kind = parent_kind;
    holder.report_fields = report_fields;
    Ok(warnings)
}

/// The create-screen field `name` names, or a config error listing the screen's fields.
fn lookup<'a>(
    screen: &'a CreateFields,
    name: &str,
    origin: &str,
    where_: &str,
) -> Result<&'a FieldMeta, Error> {
    let field = screen_fields::find(screen, name).ok_or_else(|| {
        let names: Vec<&str> = screen.fields.iter().map(|f| f.name.as_str()).collect();
        Error::config(
            format!("field {name:?} ({origin}) is not on {where_}"),
            format!(
                "use the name or id of a field on the screen: {}",
                names.join(", ")
            ),
        )
    })?;
    if ["project", "issuetype", "summary", "description"].contains(&field.field_id.as_str()) {
        return Err(Error::config(
            format!("field {name:?} ({origin}) is one pm-sync fills itself"),
            "remove it: pm-sync sets project, issue type, summary and description",
        ));
    }
    Ok(field)
}

/// `values` in the shape of `field`, or a config error naming field, value, allowed values and
/// where it came from.
fn convert(
    field: &FieldMeta,
    values: &[String],
    cloud: bool,
    origin: &str,
) -> Result<Value, Error> {
    screen_fields::to_json(field, values, cloud).map_err(|ValueProblem { message, allowed }| {
        Error::config(
            format!(
                "{} = {} ({origin}): {message}",
                field.name,
                values.join(", ")
            ),
            if allowed.is_empty() {
                format!("write a value {} accepts", field.name)
            } else {
                format!("allowed values of {}: {}", field.name, allowed.join(", "))
            },
        )
    })
}

/// The parent of every created ticket: Cloud's (and sub-tasks') `parent`, else the Data Center
/// Epic Link field found on the screen by its type.
fn parent_field(screen: &CreateFields, key: &str) -> Option<(String, Value)> {
    if screen.has("parent") {
        return Some(("parent".into(), json!({ "key": key })));
    }
    screen_fields::epic_link(screen).map(|field| (field.field_id.clone(), json!(key)))
}

fn user_json(id: &str, cloud: bool) -> Value {
    if cloud {
        json!({ "accountId": id })
    } else {
        json!({ "name": id })
    }
}

fn why_unassignable(found: &UserMatch) -> String {
    match found {
        UserMatch::Found { .. } => String::new(),
        UserMatch::NotFound => "matches no user who can be assigned issues in the project (unknown, inactive, or without the Assignable User permission)".into(),
        UserMatch::Ambiguous(names) => format!("is ambiguous: {}", names.join(", ")),
    }
}

/// One person for a user field of `[jira.fields]` or front matter (cached with the owners).
async fn resolve_owner(
    engine: &Engine<'_>,
    cache: &mut BTreeMap<String, Option<Value>>,
    person: &str,
    cloud: bool,
) -> Result<Result<Value, String>, Error> {
    let key = person.to_ascii_lowercase();
    if let Some(found) = cache.get(&key) {
        return Ok(found.clone().ok_or_else(|| "cannot be assigned".to_owned()));
    }
    let found = engine
        .client
        .find_assignable(&engine.jira.project, person)
        .await?;
    let value = match &found {
        UserMatch::Found { id, .. } => Some(user_json(id, cloud)),
        _ => None,
    };
    cache.insert(key, value.clone());
    Ok(value.ok_or_else(|| why_unassignable(&found)))
}

/// For `doctor`: how `[jira.fields]`, the parent, the link and the report columns map onto the
/// create screen (one line each), and what is wrong or still missing.
pub fn describe(
    screen: &CreateFields,
    company: &crate::settings::CompanyJira,
    cloud: bool,
) -> (Vec<String>, Vec<String>) {
    let mut mapping = Vec::new();
    let mut problems = Vec::new();
    let mut given: Vec<String> = Vec::new();
    for configured in &company.fields {
        match screen_fields::find(screen, &configured.name) {
            None => problems.push(format!(
                "[jira.fields] {} ({}) is not on the create screen",
                configured.name, configured.origin
            )),
            Some(field) => {
                given.push(field.field_id.clone());
                let user =
                    field.schema.kind == "user" || field.schema.items.as_deref() == Some("user");
                match (
                    user,
                    screen_fields::to_json(field, &configured.values, cloud),
                ) {
                    (true, _) => mapping.push(format!(
                        "{} ({}) ← {} (looked up when syncing)",
                        field.name,
                        field.field_id,
                        configured.values.join(", ")
                    )),
                    (false, Ok(value)) => mapping.push(format!(
                        "{} ({}) ← {} = {value}",
                        field.name,
                        field.field_id,
                        configured.values.join(", ")
                    )),
                    (false, Err(problem)) => problems.push(format!(
                        "[jira.fields] {} = {} ({}): {}{}",
                        field.name,
                        configured.values.join(", "),
                        configured.origin,
                        problem.message,
                        if problem.allowed.is_empty() {
                            String::new()
                        } else {
                            format!(" (allowed: {})", problem.allowed.join(", "))
                        }
                    )),
                }
            }
        }
    }
    if company.parent.as_deref() == Some(crate::settings::PARENT_CREATE) {
        // The project's types decide the rest when syncing (see crate::sync::parent).
        match parent_field(screen, "X-1") {
            Some((id, _)) => {
                given.push(id.clone());
                mapping.push(format!(
                    "parent = \"create\": one ticket per report ({}), items its children through {id}",
                    company.parent_type.as_deref().unwrap_or("Epic where the project has it, else Task")
                ));
            }
            None => mapping.push(
                "parent = \"create\": one ticket per report, items as its sub-tasks (the create screen has neither Parent nor Epic Link)".to_owned(),
            ),
        }
    } else if let Some(parent) = &company.parent {
        match parent_field(screen, parent) {
            Some((id, _)) => {
                given.push(id.clone());
                mapping.push(format!("parent {parent} → {id}"));
            }
            None => problems.push(format!(
                "[jira] parent = {parent:?}: the create screen has neither Parent nor Epic Link; use [jira] link instead"
            )),
        }
    }
    if let Some(link) = &company.link {
        if screen.has("issuelinks") {
            mapping.push(format!("link: {} {}", link.link_type, link.to));
        } else {
            problems.push("[jira] link: the create screen has no Linked Issues field".to_owned());
        }
    }
    for (column, id) in [
        ("Owner", "assignee"),
        ("Due", "duedate"),
        ("Priority", "priority"),
    ] {
        if let Some(field) = screen_fields::find(screen, id) {
            mapping.push(format!(
                "{column} column → {} ({})",
                field.name, field.field_id
            ));
        }
    }
    let missing: Vec<String> = screen
        .fields
        .iter()
        .filter(|f| f.required && !f.has_default_value)
        .filter(|f| !FIELDS_WE_FILL.contains(&f.field_id.as_str()) && f.field_id != "reporter")
        .filter(|f| !given.contains(&f.field_id))
        .map(|f| {
            let allowed = screen_fields::allowed_labels(&f.allowed_values);
            if allowed.is_empty() {
                format!("\"{}\" ({})", f.name, f.field_id)
            } else {
                format!(
                    "\"{}\" ({}; one of {})",
                    f.name,
                    f.field_id,
                    allowed.join(", ")
                )
            }
        })
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "required without a value in [jira.fields]: {}",
            missing.join(", ")
        ));
    }
    (mapping, problems)
}

/// A change of assignee, due date or priority for an existing ticket.
#[derive(Debug, Clone)]
pub struct FieldUpdate {
    /// (report index, row).
    pub at: ItemAt,
    pub key: crate::jira::model::IssueKey,
    /// Field id → value, e.g. `duedate` → `"2026-04-01"`.
    pub fields: Map<String, Value>,
    /// What changed, for the row's `updated` list.
    pub what: Vec<&'static str>,
}

/// Whether `owner` (after `[owners]`) names `assignee` as Jira shows them, without a lookup.
pub(crate) fn names_assignee(owner: &str, assignee: &crate::jira::model::Assignee) -> bool {
    let owner = owner.trim();
    let term = owner.strip_prefix('@').unwrap_or(owner);
    let same = |a: Option<&str>| a.is_some_and(|a| !a.is_empty() && a.eq_ignore_ascii_case(term));
    let email = assignee.email_address.as_deref();
    same(Some(&assignee.display_name))
        || same(email)
        || same(assignee.name.as_deref())
        || same(assignee.account_id.as_deref())
        || (owner.starts_with('@') && same(email.and_then(|e| e.split('@').next())))
}

/// Owner, Due and Priority cells that differ from the tickets rows already have (linked by
/// pm-sync, or adopted). An empty cell never clears what Jira has; an owner Jira already shows
/// is not looked up; others are looked up once each. Problems become row warnings.
pub async fn updates(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
    plan: &Plan,
    managed: &dyn Fn(usize) -> crate::sync::plan::RowSet,
    screen: &mut Screen,
    warnings: &mut RowWarnings,
    keep_jira: &std::collections::HashSet<(ItemAt, Role)>,
) -> Result<Vec<FieldUpdate>, Error> {
    let company = engine.company;
    let zero_based = zero_based_priorities(reports);
    let mut out = Vec::new();
    // (index in `out`, index in the plan, owner) of each owner to look up.
    let mut to_look_up: Vec<(usize, usize, String)> = Vec::new();
    let managed: HashMap<usize, crate::sync::plan::RowSet> =
        (0..reports.len()).map(|i| (i, managed(i))).collect();
    for (n, row) in plan.rows.iter().enumerate() {
        let issue = match &row.ticket {
            Ticket::Linked(issue) if managed[&row.report()].contains(row.row()) => issue,
            Ticket::Adopt(issue) => issue,
            _ => continue,
        };
        let Some(item) = reports[row.report()].report.item(row.row()) else {
            continue;
        };
        let item = &item;
        let mut update = FieldUpdate {
            at: row.at(),
            key: issue.key.clone(),
            fields: Map::new(),
            what: Vec::new(),
        };
        let jira_keeps = |role: Role| keep_jira.contains(&(row.at(), role));
        if let Some(cell) = roles::cell(item, Role::Due).filter(|_| !jira_keeps(Role::Due)) {
            match due_date(&cell.text) {
                Ok(text) => {
                    if issue.planning.due.as_deref() != Some(text.as_str()) {
                        update.fields.insert("duedate".into(), json!(text));
                        update.what.push("due date");
                    }
                }
                Err(why) => add_warning(
                    warnings,
                    update.at,
                    format!("{why}; the ticket's is left as is"),
                ),
            }
        }
        if let Some(cell) = roles::cell(item, Role::Priority) {
            let wanted = cell.text.trim();
            let current = issue.planning.priority.as_deref();
            if !current.is_some_and(|p| p.eq_ignore_ascii_case(wanted)) {
                // Anything but the ticket's own priority name is read against the scheme
                // (the create screen's list, read once, only now that it is needed).
                let scheme = screen.get(engine).await.ok().and_then(|screen| {
                    screen_fields::find(screen, "priority")
                        .filter(|field| !field.allowed_values.is_empty())
                        .cloned()
                });
                match scheme {
                    None => {
                        update
                            .fields
                            .insert("priority".into(), json!({ "name": wanted }));
                        update.what.push("priority");
                    }
                    Some(field) => {
                        let zero_based = zero_based[row.report()];
                        let found = crate::sync::priority::resolve(
                            wanted,
                            &field.allowed_values,
                            zero_based,
                        );
                        match found {
                            Some(found) if current.is_some_and(|p| p == found.label()) => {}
                            Some(_) => {
                                let value = priority_value(&field, wanted, zero_based)
                                    .unwrap_or(Value::Null);
                                update.fields.insert("priority".into(), value);
                                update.what.push("priority");
                            }
                            None => add_warning(
                                warnings,
                                update.at,
                                format!(
                                    "{}; the ticket's is left as is",
                                    priority_value(&field, wanted, zero_based)
                                        .err()
                                        .unwrap_or_default()
                                ),
                            ),
                        }
                    }
                }
            }
        }
        if let Some(cell) = roles::cell(item, Role::Owner).filter(|_| !jira_keeps(Role::Owner)) {
            let person = company.person(cell.text.trim());
            let shown = issue
                .planning
                .assignee
                .as_ref()
                .is_some_and(|a| names_assignee(person, a) || names_assignee(&cell.text, a));
            if !shown {
                // Where its update will be, and its plan row.
                to_look_up.push((out.len(), n, person.to_owned()));
            }
        }
        // Only rows with something to change or look up are kept: a sync of 100,000 linked
        // rows that agree with Jira holds no update.
        if !update.fields.is_empty() || to_look_up.last().is_some_and(|(at, ..)| *at == out.len()) {
            out.push(update);
        }
    }

    if to_look_up.is_empty() {
        keep_settable(engine, screen, &mut out, warnings).await;
        out.retain(|u| !u.fields.is_empty());
        return Ok(out);
    }
    // One lookup per distinct person.
    let cloud = engine.client.deployment().await? == Deployment::Cloud;
    let mut cache: BTreeMap<String, Option<Value>> = BTreeMap::new();
    let mut reasons: HashMap<String, String> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    // Each person as first written, by their name in lower case.
    let mut distinct: BTreeMap<String, &str> = BTreeMap::new();
    for (_, _, person) in &to_look_up {
        distinct
            .entry(person.to_ascii_lowercase())
            .or_insert(person.as_str());
    }
    for (person, original) in distinct {
        let original = original.to_owned();
        let client = engine.client.clone();
        let project = engine.jira.project.clone();
        tasks.spawn(async move {
            let found = client.find_assignable(&project, &original).await;
            (person, found)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok((person, found)) = joined else {
            continue;
        };
        match found? {
            UserMatch::Found { id, .. } => {
                cache.insert(person, Some(user_json(&id, cloud)));
            }
            other => {
                reasons.insert(person.clone(), why_unassignable(&other));
                cache.insert(person, None);
            }
        }
    }
    for (index, n, person) in to_look_up {
        let row = &plan.rows[n];
        let at = row.at();
        // By place: a search of every update per owner was owners × rows.
        let Some(update) = out.get_mut(index) else {
            continue;
        };
        let issue_id = match &row.ticket {
            Ticket::Linked(issue) | Ticket::Adopt(issue) => issue.planning.assignee.as_ref(),
            _ => None,
        };
        match cache.get(&person.to_ascii_lowercase()).cloned().flatten() {
            Some(value) => {
                let current = issue_id.map(|a| {
                    user_json(
                        a.account_id
                            .as_deref()
                            .or(a.name.as_deref())
                            .unwrap_or_default(),
                        cloud,
                    )
                });
                if current.as_ref() != Some(&value) {
                    update.fields.insert("assignee".into(), value);
                    update.what.push("assignee");
                }
            }
            None => {
                let why = reasons
                    .get(&person.to_ascii_lowercase())
                    .cloned()
                    .unwrap_or_default();
                add_warning(
                    warnings,
                    at,
                    format!("owner {person:?} {why}; the ticket's assignee is left as is"),
                );
            }
        }
    }
    keep_settable(engine, screen, &mut out, warnings).await;
    out.retain(|u| !u.fields.is_empty());
    Ok(out)
}

/// Drops, with a row warning, every field of `updates` the project's screen does not have:
/// Jira would refuse the whole edit, and the rest of the row's update with it. Checked before
/// the first write, like creates; the screen is read only when there is an update to check.
async fn keep_settable(
    engine: &Engine<'_>,
    screen: &mut Screen,
    updates: &mut [FieldUpdate],
    warnings: &mut RowWarnings,
) {
    if updates.iter().all(|u| u.fields.is_empty()) {
        return;
    }
    let Ok(fields) = screen.get(engine).await else {
        // Unknown screen: Jira decides, and a refusal fails the row.
        return;
    };
    let where_ = format!(
        "the screen of {} in Jira project {}",
        engine.jira.issue_type, engine.jira.project
    );
    for update in updates {
        let missing: Vec<String> = update
            .fields
            .keys()
            .filter(|id| screen_fields::find(fields, id).is_none())
            .cloned()
            .collect();
        for id in missing {
            update.fields.remove(&id);
            let what = match id.as_str() {
                "duedate" => "due date",
                "assignee" => "assignee",
                "priority" => "priority",
                _ => "field",
            };
            update.what.retain(|w| *w != what);
            add_warning(
                warnings,
                update.at,
                format!("{where_} has no {id} field: the ticket's {what} is left as is"),
            );
        }
    }
}

/// Sends the updates concurrently; a refused one fails its row (exit 3), the others go on.
pub async fn send_updates(
    engine: &Engine<'_>,
    updates: Vec<FieldUpdate>,
    rows: &mut crate::sync::outcome::Rows,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for update in updates {
        let client = engine.client.clone();
        tasks.spawn(async move {
            let result = client.set_fields(&update.key, &update.fields).await;
            (update, result)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok((update, result)) = joined else {
            continue;
        };
        if let (Err(error), Some(row)) = (result, rows.get_mut(&update.at)) {
            row.action = crate::sync::outcome::RowAction::Failed;
            row.set_error(Some(format!("updating {}: {error}", update.key).into()));
            row.updated.retain(|w| !update.what.contains(&w));
        }
    }
}

/// The description when `[jira] description` is not set: where the item came from.
const DEFAULT_DESCRIPTION: &str = "Action item from the post-mortem \"{title}\" ({report}, incident of \
{incident_date}, {severity}).\nCreated by pm-sync.";

/// The description of the ticket created for the item at `at` (its summary `summary`): the
/// `[jira] description` template (else the default) filled in. Written as the ticket is sent,
/// not planned: a plan of 100,000 creates holds none of them.
pub(crate) fn description(
    engine: &Engine<'_>,
    reports: &[LoadedReport],
    at: ItemAt,
    summary: &str,
) -> String {
    let template = engine
        .company
        .description
        .as_deref()
        .unwrap_or(DEFAULT_DESCRIPTION);
    let loaded = &reports[at.report];
    let path = loaded.shown_path();
    let url = engine
        .report_url
        .map(|template| template.replace("{path}", &path));
    let item = loaded.report.item(at.row);
    let owner = item
        .as_ref()
        .and_then(|item| roles::cell(item, Role::Owner))
        .map(|cell| cell.text.trim().to_owned())
        .unwrap_or_default();
    let (date, severity) = loaded.labels.as_ref().map_or_else(
        || (String::new(), String::new()),
        |l| (l.date.format("%Y-%m-%d").to_string(), l.severity.clone()),
    );
    let values: [(&str, String); 9] = [
        ("item", summary.to_owned()),
        ("title", loaded.title.clone()),
        ("path", path.clone()),
        ("report", url.clone().unwrap_or_else(|| path.clone())),
        ("report_url", url.unwrap_or_default()),
        ("incident_date", date),
        ("severity", severity),
        ("owner", owner),
        ("row", at.row.to_string()),
    ];
    render(template, &values)
}

/// One pass over `template`: `{name}` becomes its value (values are never re-expanded), other
/// text stays as written.
fn render(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let known = after.find('}').and_then(|end| {
            let name = &after[1..end];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (v, end))
        });
        match known {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_filled_once_and_unknown_braces_stay() {
        let values = [
            ("item", "Use {owner}".to_owned()),
            ("owner", "Ann".to_owned()),
        ];
        assert_eq!(
            render("{item} ({owner}) {x} {", &values),
            "Use {owner} (Ann) {x} {"
        );
    }
}
