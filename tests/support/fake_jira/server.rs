//! The fake's state and its wiremock responders: routing, auth, validation, paging, faults.
//!
//! Behaviours modelled, with the documents they rest on (tags as in `shared/jira-api.md`):
//! - Auth: Cloud Basic email:API-token [S3], DC Bearer PAT [S6]; 401 body
//!   `{"errorMessages":["Client must be authenticated to access this resource."],"errors":{}}`
//!   (3rd-party fixtures); anonymous fallback with `X-Seraph-LoginReason: AUTHENTICATED_FAILED`
//!   ([S7], jenkins jira-plugin), `/myself` 401 when anonymous.
//! - `serverInfo.deploymentType` "Cloud" / "Server" [S1].
//! - `project/{key}` with `issueTypes` [S1]; createmeta `…/issuetypes` and `…/issuetypes/{id}`:
//!   Cloud pages `issueTypes` / `fields` with startAt/maxResults/total [S1], DC pages `values`
//!   with `isLast` (Jira DC 8.4+ REST, jira.js server typings [S19]).
//! - Create and bulk create [S1]: `issueUpdates` ≤ 50, `CreatedIssues` with
//!   `errors[].failedElementNumber` + `elementErrors`, 201 on partial success, 400 when all fail.
//!   Validation: summary required / < 255 chars / one line; labels without spaces, ≤ 255 chars
//!   (§8.1 messages); v3 description must be ADF (string → "Operation value must be an Atlassian
//!   Document", malformed or empty text node → `INVALID_INPUT`, [S21] and §4); v2 description must
//!   be a string [S2]; fields not on the screen → "Field 'x' cannot be set. It is not on the
//!   appropriate screen, or unknown." (§6); required fields → "{field} is required.".
//! - Edit `PUT /issue/{key}` → 204; `fields` replaces, `update.labels[].add/remove/set` (§6).
//! - Cloud `search/jql` [S1][S14]: bounded JQL only, `fields` default id only, `nextPageToken` +
//!   `isLast`, no `total`, `startAt` ignored, `reconcileIssues` ≤ 50, eventual consistency [S15]
//!   (search lag). Legacy `/rest/api/{2,3}/search` on Cloud → 410 with Atlassian's message [S14].
//! - DC `search` [S18][S19]: startAt/maxResults/total, `maxResults` capped (1000), unknown JSON
//!   properties rejected (§7.5), `validateQuery=false` turns missing values into warnings, strict
//!   validation 400s "An issue with key 'X' does not exist for field 'key'." (§8.3).
//! - Cloud `issue/bulkfetch` [S1]: ≤ 100, missing omitted, moved and case-insensitive keys
//!   resolved, results by ascending id, `issueErrors`.
//! - `GET /issue/{key}` resolves moved (historical) keys (§8.3).
//! - Remote links: upsert by `globalId` 200/201, `object.url`/`title` required [S1][S24].
//! - Statuses and categories `new` / `indeterminate` / `done` with resolutions (§9); `GET /status`
//!   lists them as `StatusDetails` [S1]; transitions over REST in `transitions.rs`.
//! - Company create screens (opt-in): typed fields with `allowedValues` and required flags,
//!   checked on create, parent / Epic Link, `update.issuelinks` (sources in `fields.rs`); user
//!   search `user/assignable/search` with Cloud's hidden e-mails (sources in `users.rs`).
//!
//! Not modelled: permissions other than anonymous, workflows other than "any status to any", custom
//! field types, comments, properties, rate-limit headers other than injected ones, JQL beyond
//! `project`/`labels`/`key` with `=`/`in` and `ORDER BY`, `expand`, `properties`,
//! `/search/approximate-count`, pagination tokens expiring, 409/413/422.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

use super::fields::{self as company, FakeField};
use super::jql::{self, Field};
use super::users::{self, FakeUser};

#[path = "transitions.rs"]
mod transitions;
use super::{
    Endpoint, FAKE_EMAIL, FAKE_TOKEN, FakeIssue, FakeRemoteLink, Fault, Flavor, RequestLog, base64,
};

struct ProjectState {
    id: u64,
    key: String,
    issue_types: Vec<(String, String)>,
    next_number: u64,
}

struct IssueState {
    id: u64,
    key: String,
    number: u64,
    project: String,
    issue_type: String,
    summary: String,
    labels: Vec<String>,
    status: String,
    resolution: Option<String>,
    description: Option<String>,
    /// Searches this issue stays invisible for (Cloud eventual consistency).
    lag: usize,
    links: Vec<FakeRemoteLink>,
    /// `created`, `resolutiondate` (Jira's `2020-04-14T19:38:22.561+0000`), `duedate`
    /// (`2020-05-01`) and the assignee's display name.
    dates: IssueDates,
}

/// The people-and-dates fields of an issue, as Jira renders them.
#[derive(Clone, Default)]
struct IssueDates {
    created: String,
    resolutiondate: Option<String>,
    duedate: Option<String>,
    assignee: Option<String>,
}

/// Now, in Jira's date-time format (`2020-04-14T19:38:22.561+0000`).
fn jira_now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

/// Everything the fake remembers.
pub(super) struct State {
    pub flavor: Flavor,
    base_url: String,
    next_issue_id: u64,
    next_project_id: u64,
    next_link_id: u64,
    next_token: u64,
    projects: BTreeMap<String, ProjectState>,
    issues: BTreeMap<u64, IssueState>,
    /// Current and historical keys (upper-cased) → issue id.
    keys: HashMap<String, u64>,
    /// Cloud paging tokens → (result snapshot, offset).
    tokens: HashMap<String, (Vec<u64>, usize)>,
    pub log: RequestLog,
    /// When the answer to each request still delayed goes out, for `log.unanswered`.
    answers_due: Vec<(Endpoint, std::time::Instant)>,
    pub faults: VecDeque<Fault>,
    pub latency: Duration,
    pub search_lag: usize,
    pub required: Vec<String>,
    pub hidden: Vec<String>,
    pub anonymous_fallback: bool,
    pub max_results_cap: Option<usize>,
    pub strict_keys: bool,
    pub rejected_summaries: Vec<String>,
    /// Company create-screen fields (schema, allowed values), empty for the plain screen.
    pub company: Vec<FakeField>,
    pub users: Vec<FakeUser>,
    /// Issue id → extra fields set on create, and links added on create.
    extra_fields: HashMap<u64, IssueExtras>,
}

/// Fields set beyond summary, labels and description, and links `(type, key)` added on create.
type IssueExtras = (Map<String, Value>, Vec<(String, String)>);

/// A reply before it becomes a `ResponseTemplate`.
struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(String, String)>,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body: Some(body),
        headers: Vec::new(),
    }
}

fn no_content() -> Reply {
    Reply {
        status: 204,
        body: None,
        headers: Vec::new(),
    }
}

/// Jira's `ErrorCollection`.
fn error_body(messages: &[String], errors: &BTreeMap<String, String>) -> Value {
    json!({"errorMessages": messages, "errors": errors})
}

fn error(status: u16, message: &str) -> Reply {
    reply(status, error_body(&[message.to_owned()], &BTreeMap::new()))
}

fn status_info(
    name: &str,
) -> Option<(&'static str, u64, &'static str, &'static str, &'static str)> {
    // (status id, category id, category key, category name, colour)
    match name {
        "To Do" => Some(("10000", 2, "new", "To Do", "blue-gray")),
        "In Progress" => Some(("3", 4, "indeterminate", "In Progress", "yellow")),
        "Done" => Some(("10001", 3, "done", "Done", "green")),
        "Won't Do" => Some(("10002", 3, "done", "Done", "green")),
        _ => None,
    }
}

fn issue_type_id(name: &str) -> String {
    match name {
        "Task" => "10001".into(),
        "Bug" => "10002".into(),
        "Story" => "10003".into(),
        "Epic" => "10004".into(),
        "Sub-task" => "10005".into(),
        other => {
            // Stable, distinct ids for other names.
            let n: u64 = other.bytes().map(u64::from).sum();
            format!("{}", 10100 + n)
        }
    }
}

/// Data Center's Epic Name field (type `gh-epic-label`).
const EPIC_NAME: &str = "customfield_10101";

/// Whether issues of this type are sub-tasks ("Sub-task", "Subtask", "Sub-Task"...).
fn is_subtask(issue_type: &str) -> bool {
    let lower = issue_type.to_ascii_lowercase();
    lower == "sub-task" || lower == "subtask"
}

fn key_shape_ok(key: &str) -> bool {
    let Some((p, n)) = key.rsplit_once('-') else {
        return false;
    };
    let mut chars = p.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
}

/// Which fields an issue is rendered with.
#[derive(Clone)]
enum FieldsSpec {
    IdOnly,
    All,
    List(Vec<String>),
}

impl FieldsSpec {
    fn from_value(v: Option<&Value>, default: FieldsSpec) -> FieldsSpec {
        let list: Vec<String> = match v {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(s)) => s.split(',').map(|x| x.trim().to_owned()).collect(),
            _ => return default,
        };
        let list: Vec<String> = list.into_iter().filter(|x| !x.is_empty()).collect();
        if list.is_empty() {
            return default;
        }
        if list.iter().any(|f| f == "*all" || f == "*navigable") {
            return FieldsSpec::All;
        }
        if list.iter().all(|f| f == "id") {
            return FieldsSpec::IdOnly;
        }
        FieldsSpec::List(list)
    }
    fn wants(&self, f: &str) -> bool {
        match self {
            FieldsSpec::IdOnly => false,
            FieldsSpec::All => true,
            FieldsSpec::List(l) => l.iter().any(|x| x == f),
        }
    }
}

/// ADF checks: root doc v1 with content; every node typed; no empty text nodes.
fn adf_valid(v: &Value) -> bool {
    fn node_ok(n: &Value) -> bool {
        let Some(t) = n.get("type").and_then(Value::as_str) else {
            return false;
        };
        if t == "text"
            && n.get("text")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            return false;
        }
        match n.get("content") {
            None => true,
            Some(Value::Array(children)) => children.iter().all(node_ok),
            Some(_) => false,
        }
    }
    v.get("type").and_then(Value::as_str) == Some("doc")
        && v.get("version").and_then(Value::as_u64) == Some(1)
        && v.get("content").is_some_and(Value::is_array)
        && node_ok(v)
}

fn adf_text(v: &Value) -> String {
    fn walk(n: &Value, lines: &mut Vec<String>, line: &mut String) {
        if let Some(t) = n.get("text").and_then(Value::as_str) {
            line.push_str(t);
        }
        if let Some(children) = n.get("content").and_then(Value::as_array) {
            for c in children {
                walk(c, lines, line);
            }
        }
        if n.get("type").and_then(Value::as_str) == Some("paragraph") {
            lines.push(std::mem::take(line));
        }
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    walk(v, &mut lines, &mut line);
    if !line.is_empty() {
        lines.push(line);
    }
    lines.join("\n")
}

fn text_to_adf(text: &str) -> Value {
    let content: Vec<Value> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| json!({"type": "paragraph", "content": [{"type": "text", "text": l}]}))
        .collect();
    json!({"type": "doc", "version": 1, "content": content})
}

/// A validated new issue.
struct NewOk {
    project: String,
    issue_type: String,
    summary: String,
    labels: Vec<String>,
    description: Option<String>,
    extra: Map<String, Value>,
    links: Vec<(String, String)>,
}

type Errors = (Vec<String>, BTreeMap<String, String>);

fn check_summary(s: &Value, errors: &mut BTreeMap<String, String>) -> Option<String> {
    match s.as_str() {
        None => {
            errors.insert("summary".into(), "Operation value must be a string".into());
            None
        }
        Some(t) if t.trim().is_empty() => {
            errors.insert(
                "summary".into(),
                "You must specify a summary of the issue.".into(),
            );
            None
        }
        Some(t) if t.chars().count() > 255 => {
            errors.insert(
                "summary".into(),
                "Summary must be less than 255 characters.".into(),
            );
            None
        }
        Some(t) if t.contains('\n') || t.contains('\r') => {
            errors.insert(
                "summary".into(),
                "The summary is invalid because it contains newline characters.".into(),
            );
            None
        }
        Some(t) => Some(t.to_owned()),
    }
}

fn check_label(l: &str, errors: &mut BTreeMap<String, String>) -> bool {
    if l.chars().any(char::is_whitespace) {
        errors.insert(
            "labels".into(),
            format!("The label '{l}' contains spaces which is invalid."),
        );
        false
    } else if l.chars().count() > 255 {
        errors.insert(
            "labels".into(),
            format!(
                "The label '{l}' exceeds the maximum length for a single label of 255 characters."
            ),
        );
        false
    } else if l.is_empty() {
        errors.insert("labels".into(), "Labels cannot be empty.".into());
        false
    } else {
        true
    }
}

fn check_labels(v: &Value, errors: &mut BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    match v.as_array() {
        Some(items) => {
            for item in items {
                match item.as_str() {
                    Some(l) if check_label(l, errors) => out.push(l.to_owned()),
                    Some(_) => {}
                    None => {
                        errors.insert("labels".into(), "Operation value must be a string".into());
                    }
                }
            }
        }
        None => {
            errors.insert("labels".into(), "Operation value must be an array".into());
        }
    }
    out
}

/// Applies `update.labels` operations to `labels`.
fn apply_label_ops(ops: &Value, labels: &mut Vec<String>, errors: &mut BTreeMap<String, String>) {
    let Some(ops) = ops.as_array() else {
        errors.insert("labels".into(), "Operation value must be an array".into());
        return;
    };
    for op in ops {
        let Some(obj) = op.as_object() else {
            errors.insert("labels".into(), "Operation must be an object".into());
            continue;
        };
        for (verb, value) in obj {
            match verb.as_str() {
                "add" => match value.as_str() {
                    Some(l) if check_label(l, errors) => {
                        if !labels.iter().any(|x| x == l) {
                            labels.push(l.to_owned());
                        }
                    }
                    Some(_) => {}
                    None => {
                        errors.insert("labels".into(), "Operation value must be a string".into());
                    }
                },
                "remove" => {
                    if let Some(l) = value.as_str() {
                        labels.retain(|x| x != l);
                    }
                }
                "set" => *labels = check_labels(value, errors),
                other => {
                    errors.insert(
                        "labels".into(),
                        format!("Unsupported operation '{other}' for field 'labels'."),
                    );
                }
            }
        }
    }
}

impl State {
    pub fn new(flavor: Flavor, base_url: String) -> Self {
        Self {
            flavor,
            base_url,
            next_issue_id: 10000,
            next_project_id: 10000,
            next_link_id: 10000,
            next_token: 1,
            projects: BTreeMap::new(),
            issues: BTreeMap::new(),
            keys: HashMap::new(),
            tokens: HashMap::new(),
            log: RequestLog::default(),
            answers_due: Vec::new(),
            faults: VecDeque::new(),
            latency: Duration::ZERO,
            search_lag: 0,
            required: Vec::new(),
            hidden: Vec::new(),
            anonymous_fallback: false,
            max_results_cap: None,
            strict_keys: false,
            rejected_summaries: Vec::new(),
            company: Vec::new(),
            users: Vec::new(),
            extra_fields: HashMap::new(),
        }
    }

    pub fn add_project(&mut self, key: &str, issue_types: &[&str]) {
        let key = key.to_ascii_uppercase();
        if self.projects.contains_key(&key) {
            return;
        }
        let id = self.next_project_id;
        self.next_project_id += 1;
        self.projects.insert(
            key.clone(),
            ProjectState {
                id,
                key,
                issue_types: issue_types
                    .iter()
                    .map(|n| (issue_type_id(n), (*n).to_owned()))
                    .collect(),
                next_number: 1,
            },
        );
    }

    /// Adds an issue type to a project (no-op if it has it).
    pub fn add_issue_type(&mut self, project: &str, name: &str) {
        if let Some(p) = self.projects.get_mut(&project.to_ascii_uppercase())
            && !p.issue_types.iter().any(|(_, n)| n == name)
        {
            p.issue_types.push((issue_type_id(name), name.to_owned()));
        }
    }

    fn project(&self, key_or_id: &str) -> Option<&ProjectState> {
        self.projects
            .get(&key_or_id.to_ascii_uppercase())
            .or_else(|| {
                self.projects
                    .values()
                    .find(|p| p.id.to_string() == key_or_id)
            })
    }

    /// The issue type of the issue with this key or id.
    fn type_of(&self, key_or_id: &str) -> Option<String> {
        self.resolve(key_or_id)
            .and_then(|id| self.issues.get(&id))
            .map(|i| i.issue_type.clone())
    }

    fn resolve(&self, key_or_id: &str) -> Option<u64> {
        if let Ok(id) = key_or_id.parse::<u64>() {
            return self.issues.contains_key(&id).then_some(id);
        }
        self.keys.get(&key_or_id.to_ascii_uppercase()).copied()
    }

    /// Creates an issue (no validation); `None` if the project is unknown.
    pub fn create(
        &mut self,
        project: &str,
        issue_type: &str,
        summary: &str,
        labels: Vec<String>,
        description: Option<String>,
        lag: usize,
    ) -> Option<String> {
        let p = self.projects.get_mut(&project.to_ascii_uppercase())?;
        let number = p.next_number;
        p.next_number += 1;
        let key = format!("{}-{number}", p.key);
        let project = p.key.clone();
        let id = self.next_issue_id;
        self.next_issue_id += 1;
        self.issues.insert(
            id,
            IssueState {
                id,
                key: key.clone(),
                number,
                project,
                issue_type: issue_type.to_owned(),
                summary: summary.to_owned(),
                labels,
                status: "To Do".into(),
                resolution: None,
                description,
                lag,
                links: Vec::new(),
                dates: IssueDates {
                    created: jira_now(),
                    ..IssueDates::default()
                },
            },
        );
        self.keys.insert(key.clone(), id);
        Some(key)
    }

    pub fn transition(&mut self, key: &str, status: &str) {
        assert!(
            status_info(status).is_some(),
            "transition: unknown status `{status}` (To Do, In Progress, Done, Won't Do)"
        );
        let id = self
            .resolve(key)
            .unwrap_or_else(|| panic!("transition: no issue `{key}`"));
        if let Some(issue) = self.issues.get_mut(&id) {
            issue.status = status.to_owned();
            issue.resolution = match status {
                "Done" => Some("Done".into()),
                "Won't Do" => Some("Won't Do".into()),
                _ => None,
            };
            // Jira stamps the resolution date when a resolution is set and clears it on reopen.
            issue.dates.resolutiondate =
                match (&issue.resolution, issue.dates.resolutiondate.take()) {
                    (None, _) => None,
                    (Some(_), Some(kept)) => Some(kept),
                    (Some(_), None) => Some(jira_now()),
                };
        }
    }

    pub fn delete(&mut self, key: &str) {
        if let Some(id) = self.resolve(key) {
            self.issues.remove(&id);
            self.keys.retain(|_, v| *v != id);
        }
    }

    pub fn move_issue(&mut self, key: &str, to_project: &str) -> String {
        let id = self
            .resolve(key)
            .unwrap_or_else(|| panic!("move_issue: no issue `{key}`"));
        let p = self
            .projects
            .get_mut(&to_project.to_ascii_uppercase())
            .unwrap_or_else(|| panic!("move_issue: no project `{to_project}`"));
        let number = p.next_number;
        p.next_number += 1;
        let new_key = format!("{}-{number}", p.key);
        let project = p.key.clone();
        let types: Vec<String> = p.issue_types.iter().map(|(_, n)| n.clone()).collect();
        if let Some(issue) = self.issues.get_mut(&id) {
            issue.key = new_key.clone();
            issue.number = number;
            issue.project = project;
            if !types.contains(&issue.issue_type) {
                issue.issue_type = types.first().cloned().unwrap_or_else(|| "Task".into());
            }
        }
        self.keys.insert(new_key.clone(), id);
        new_key
    }

    /// Sets an issue's people-and-dates fields; `None` leaves a field as it is (use "" to clear
    /// the optional ones). Dates in Jira's formats.
    pub fn set_dates(
        &mut self,
        key: &str,
        created: Option<&str>,
        resolutiondate: Option<&str>,
        duedate: Option<&str>,
        assignee: Option<&str>,
    ) {
        let id = self
            .resolve(key)
            .unwrap_or_else(|| panic!("set_dates: no issue `{key}`"));
        let optional = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        if let Some(issue) = self.issues.get_mut(&id) {
            if let Some(c) = created {
                issue.dates.created = c.to_owned();
            }
            if let Some(r) = resolutiondate {
                issue.dates.resolutiondate = optional(r);
            }
            if let Some(d) = duedate {
                issue.dates.duedate = optional(d);
            }
            if let Some(a) = assignee {
                issue.dates.assignee = optional(a);
            }
        }
        // A company screen keeps these as set on create or edit: change them there too (a
        // person re-assigning or re-dating the ticket in Jira).
        if !self.company.is_empty() {
            let extra = &mut self.extra_fields.entry(id).or_default().0;
            if let Some(d) = duedate {
                match optional(d) {
                    Some(d) => extra.insert("duedate".into(), json!(d)),
                    None => extra.remove("duedate"),
                };
            }
            if let Some(a) = assignee {
                let user = self.users.iter().find(|u| u.display_name == a);
                match user {
                    Some(u) => {
                        let value = match self.flavor {
                            Flavor::Cloud => json!({"accountId": u.account_id}),
                            Flavor::DataCenter => json!({"name": u.name}),
                        };
                        extra.insert("assignee".into(), value);
                    }
                    None => {
                        extra.remove("assignee");
                    }
                }
            }
        }
    }

    fn fake_issue(i: &IssueState) -> FakeIssue {
        FakeIssue {
            key: i.key.clone(),
            id: i.id.to_string(),
            project: i.project.clone(),
            issue_type: i.issue_type.clone(),
            summary: i.summary.clone(),
            labels: i.labels.clone(),
            status: i.status.clone(),
            resolution: i.resolution.clone(),
            description: i.description.clone(),
            created: i.dates.created.clone(),
            resolutiondate: i.dates.resolutiondate.clone(),
            duedate: i.dates.duedate.clone(),
            assignee: i.dates.assignee.clone(),
        }
    }

    pub fn issue_fields(&self, key: &str) -> (Map<String, Value>, Vec<(String, String)>) {
        self.resolve(key)
            .and_then(|id| self.extra_fields.get(&id).cloned())
            .unwrap_or_default()
    }

    pub fn snapshot(&self) -> Vec<FakeIssue> {
        self.issues.values().map(Self::fake_issue).collect()
    }

    pub fn snapshot_one(&self, key: &str) -> Option<FakeIssue> {
        self.resolve(key)
            .and_then(|id| self.issues.get(&id))
            .map(Self::fake_issue)
    }

    pub fn remote_links(&self, key: &str) -> Vec<FakeRemoteLink> {
        self.resolve(key)
            .and_then(|id| self.issues.get(&id))
            .map(|i| i.links.clone())
            .unwrap_or_default()
    }

    // ----- faults -----

    fn fault_index(&self, endpoint: Endpoint) -> Option<usize> {
        self.faults.iter().position(|f| match f {
            Fault::Status { endpoint: e, .. }
            | Fault::Response { endpoint: e, .. }
            | Fault::Latency { endpoint: e, .. }
            | Fault::DropConnection { endpoint: e, .. } => e.is_none_or(|e| e == endpoint),
            Fault::LoseCreateResponse { .. } | Fault::StatusAfterCreate { .. } => {
                matches!(endpoint, Endpoint::CreateIssue | Endpoint::BulkCreate)
            }
        })
    }

    fn peek_drop(&self, endpoint: Endpoint) -> bool {
        self.fault_index(endpoint).is_some_and(|i| {
            matches!(
                self.faults[i],
                Fault::DropConnection { .. } | Fault::LoseCreateResponse { .. }
            )
        })
    }

    fn take_fault(&mut self, endpoint: Endpoint) -> Option<Fault> {
        let i = self.fault_index(endpoint)?;
        let fault = self.faults[i].clone();
        let left = match &mut self.faults[i] {
            Fault::Status { times, .. }
            | Fault::Response { times, .. }
            | Fault::Latency { times, .. }
            | Fault::DropConnection { times, .. }
            | Fault::LoseCreateResponse { times }
            | Fault::StatusAfterCreate { times, .. } => {
                *times = times.saturating_sub(1);
                *times
            }
        };
        if left == 0 {
            self.faults.remove(i);
        }
        Some(fault)
    }

    // ----- routing -----

    fn classify(&self, method: &str, path: &str) -> (Endpoint, u8) {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        if segs.len() < 4 || segs[0] != "rest" || segs[1] != "api" {
            return (Endpoint::Unknown, 2);
        }
        let version = match segs[2] {
            "2" | "latest" => 2,
            "3" if self.flavor == Flavor::Cloud => 3,
            _ => return (Endpoint::Unknown, 2),
        };
        let rest = &segs[3..];
        let ep = match (method, rest) {
            ("GET", ["serverInfo"]) => Endpoint::ServerInfo,
            ("GET", ["myself"]) => Endpoint::Myself,
            ("GET", ["status"]) => Endpoint::Statuses,
            ("GET", ["project", _]) => Endpoint::Project,
            ("GET", ["user", "assignable", "search"]) => Endpoint::AssignableUsers,
            ("GET", ["issue", "createmeta", _, "issuetypes"]) => Endpoint::CreateMetaIssueTypes,
            ("GET", ["issue", "createmeta", _, "issuetypes", _]) => Endpoint::CreateMetaFields,
            ("POST", ["issue"]) => Endpoint::CreateIssue,
            ("POST", ["issue", "bulk"]) => Endpoint::BulkCreate,
            ("POST", ["issue", "bulkfetch"]) if self.flavor == Flavor::Cloud => Endpoint::BulkFetch,
            ("GET", ["issue", _]) => Endpoint::GetIssue,
            ("PUT", ["issue", _]) => Endpoint::EditIssue,
            ("GET", ["issue", _, "remotelink"]) => Endpoint::GetRemoteLinks,
            ("POST", ["issue", _, "remotelink"]) => Endpoint::UpsertRemoteLink,
            ("GET", ["issue", _, "transitions"]) => Endpoint::GetTransitions,
            ("POST", ["issue", _, "transitions"]) => Endpoint::DoTransition,
            ("GET" | "POST", ["search", "jql"]) if self.flavor == Flavor::Cloud => {
                Endpoint::SearchJql
            }
            ("GET" | "POST", ["search"]) => Endpoint::Search,
            _ => Endpoint::Unknown,
        };
        (ep, version)
    }

    fn record(&mut self, method: &str, path: &str, endpoint: Endpoint) {
        *self.log.counts.entry(endpoint).or_insert(0) += 1;
        self.log.total += 1;
        if endpoint.is_write() {
            self.log.writes += 1;
        }
        self.log.entries.push(format!("{method} {path}"));
        let now = std::time::Instant::now();
        self.answers_due.retain(|(_, due)| *due > now);
        self.log
            .unanswered
            .push(self.answers_due.iter().map(|(e, _)| *e).collect());
    }

    /// None = authenticated; Some(true) = anonymous fallback; Some(false) = reject.
    fn auth(&self, request: &Request) -> Option<bool> {
        let got = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let expected = match self.flavor {
            Flavor::Cloud => format!("Basic {}", base64(&format!("{FAKE_EMAIL}:{FAKE_TOKEN}"))),
            Flavor::DataCenter => format!("Bearer {FAKE_TOKEN}"),
        };
        if got == expected {
            None
        } else {
            Some(self.anonymous_fallback)
        }
    }

    /// Processes one request (faults of the Status/Response/Latency kind applied here).
    fn handle(&mut self, request: &Request, faults: bool) -> (Reply, Duration) {
        let method = request.method.as_str().to_owned();
        let path = request.url.path().to_owned();
        let (endpoint, version) = self.classify(&method, &path);
        self.record(&method, &path, endpoint);
        let mut delay = self.latency;
        let fault = if faults {
            self.take_fault(endpoint)
        } else {
            None
        };
        match fault {
            Some(Fault::Status {
                status,
                retry_after,
                ..
            }) => {
                let message = match status {
                    429 => "Rate limit exceeded.",
                    503 => "Service Unavailable",
                    _ => "Internal server error",
                };
                let mut r = error(status, message);
                if let Some(ra) = retry_after {
                    r.headers.push(("Retry-After".into(), ra));
                }
                return (r, delay);
            }
            Some(Fault::Response {
                status,
                headers,
                body,
                ..
            }) => {
                let r = Reply {
                    status,
                    body: Some(serde_json::from_str(&body).unwrap_or(Value::String(body))),
                    headers,
                };
                return (r, delay);
            }
            Some(Fault::Latency { delay: d, .. }) => delay += d,
            Some(Fault::StatusAfterCreate {
                status,
                retry_after,
                ..
            }) => {
                // Created for real, then answered as if it were not.
                let _ = self.dispatch(endpoint, version, request, false);
                let mut r = error(status, "Service Unavailable");
                if let Some(ra) = retry_after {
                    r.headers.push(("Retry-After".into(), ra));
                }
                return (r, delay);
            }
            _ => {}
        }
        let anonymous = match self.auth(request) {
            None => false,
            Some(true) => true,
            Some(false) => {
                let mut r = error(401, "Client must be authenticated to access this resource.");
                r.headers.push((
                    "WWW-Authenticate".into(),
                    "Basic realm=\"protected-area\"".into(),
                ));
                return (r, delay);
            }
        };
        let mut r = self.dispatch(endpoint, version, request, anonymous);
        if anonymous {
            r.headers
                .push(("X-Seraph-LoginReason".into(), "AUTHENTICATED_FAILED".into()));
            r.headers.push(("X-AUSERNAME".into(), "anonymous".into()));
        } else {
            r.headers.push(("X-AUSERNAME".into(), "sre-bot".into()));
        }
        (r, delay)
    }

    fn dispatch(
        &mut self,
        endpoint: Endpoint,
        version: u8,
        request: &Request,
        anonymous: bool,
    ) -> Reply {
        let path = request.url.path().to_owned();
        let segs: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .skip(3)
            .map(|s| s.to_owned())
            .collect();
        // A parameter given several times (`fields=summary&fields=status`, as Jira documents for
        // list parameters) reads as its comma-separated values.
        let mut query: HashMap<String, String> = HashMap::new();
        for (k, v) in request.url.query_pairs() {
            query
                .entry(k.into_owned())
                .and_modify(|seen| {
                    seen.push(',');
                    seen.push_str(&v);
                })
                .or_insert_with(|| v.into_owned());
        }
        let body: Option<Value> = if request.body.is_empty() {
            None
        } else {
            match serde_json::from_slice(&request.body) {
                Ok(v) => Some(v),
                Err(e) => return error(400, &format!("Unexpected character in request body: {e}")),
            }
        };
        let v3 = version == 3;
        let seg = |i: usize| segs.get(i).cloned().unwrap_or_default();
        if anonymous {
            match endpoint {
                Endpoint::ServerInfo => {}
                Endpoint::Myself => {
                    return error(401, "Client must be authenticated to access this resource.");
                }
                Endpoint::SearchJql => return reply(200, json!({"issues": [], "isLast": true})),
                Endpoint::Search => {
                    return reply(
                        200,
                        json!({"startAt": 0, "maxResults": 50, "total": 0, "issues": []}),
                    );
                }
                Endpoint::BulkFetch => return reply(200, json!({"issues": [], "issueErrors": []})),
                e if e.is_write() => {
                    return error(401, "Client must be authenticated to access this resource.");
                }
                Endpoint::Project => {
                    return error(
                        404,
                        &format!("No project could be found with key '{}'.", seg(1)),
                    );
                }
                _ => {
                    return error(
                        404,
                        "Issue does not exist or you do not have permission to see it.",
                    );
                }
            }
        }
        match endpoint {
            Endpoint::ServerInfo => self.server_info(),
            Endpoint::Myself => self.myself(),
            Endpoint::Project => self.project_json(&seg(1)),
            Endpoint::AssignableUsers => {
                let term = query
                    .get(if self.flavor == Flavor::Cloud {
                        "query"
                    } else {
                        "username"
                    })
                    .cloned()
                    .unwrap_or_default();
                reply(
                    200,
                    users::assignable_search(&self.users, self.flavor, &term, &self.base_url),
                )
            }
            Endpoint::CreateMetaIssueTypes => self.meta_types(&seg(2), &query),
            Endpoint::CreateMetaFields => self.meta_fields(&seg(2), &seg(4), &query),
            Endpoint::CreateIssue => self.create_one(body.as_ref(), v3),
            Endpoint::BulkCreate => self.create_bulk(body.as_ref(), v3),
            Endpoint::GetIssue => self.get_issue(&seg(1), &query, v3),
            Endpoint::EditIssue => self.edit(&seg(1), body.as_ref(), v3),
            Endpoint::BulkFetch => self.bulkfetch(body.as_ref(), v3),
            Endpoint::SearchJql => self.search_jql(request, body.as_ref(), &query, v3),
            Endpoint::Search => self.search_dc(request, body.as_ref(), &query),
            Endpoint::GetRemoteLinks => self.get_links(&seg(1)),
            Endpoint::UpsertRemoteLink => self.upsert_link(&seg(1), body.as_ref()),
            Endpoint::Statuses => self.statuses(),
            Endpoint::GetTransitions => self.get_transitions(&seg(1)),
            Endpoint::DoTransition => self.do_transition(&seg(1), body.as_ref()),
            Endpoint::Unknown => error(404, "null for uri: the fake does not know this resource"),
        }
    }

    // ----- endpoints -----

    fn server_info(&self) -> Reply {
        match self.flavor {
            Flavor::Cloud => reply(
                200,
                json!({"baseUrl": self.base_url, "version": "1001.0.0-SNAPSHOT",
                       "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud",
                       "buildNumber": 100_280, "serverTitle": "Jira"}),
            ),
            Flavor::DataCenter => reply(
                200,
                json!({"baseUrl": self.base_url, "version": "9.12.15",
                       "versionNumbers": [9, 12, 15], "deploymentType": "Server",
                       "buildNumber": 9_120_015, "serverTitle": "Jira"}),
            ),
        }
    }

    fn myself(&self) -> Reply {
        match self.flavor {
            Flavor::Cloud => reply(
                200,
                json!({"self": format!("{}/rest/api/3/user?accountId=5b10ac8d82e05b22cc7d4ef5", self.base_url),
                       "accountId": "5b10ac8d82e05b22cc7d4ef5", "accountType": "atlassian",
                       "emailAddress": FAKE_EMAIL, "displayName": "SRE Bot", "active": true}),
            ),
            Flavor::DataCenter => reply(
                200,
                json!({"self": format!("{}/rest/api/2/user?username=sre-bot", self.base_url),
                       "name": "sre-bot", "key": "JIRAUSER10000", "emailAddress": FAKE_EMAIL,
                       "displayName": "SRE Bot", "active": true}),
            ),
        }
    }

    /// `GET /status`: every status of the site as `StatusDetails` (a JSON array) [S1].
    fn statuses(&self) -> Reply {
        let all = ["To Do", "In Progress", "Done", "Won't Do"].map(|name| {
            let (sid, cid, ckey, cname, colour) = status_info(name).expect("a known status");
            json!({"self": format!("{}/rest/api/2/status/{sid}", self.base_url),
                   "description": "", "iconUrl": format!("{}/images/icons/statuses/generic.png", self.base_url),
                   "name": name, "id": sid,
                   "statusCategory": {"self": format!("{}/rest/api/2/statuscategory/{cid}", self.base_url),
                                      "id": cid, "key": ckey, "colorName": colour, "name": cname}})
        });
        reply(200, Value::Array(all.to_vec()))
    }

    fn type_json(&self, id: &str, name: &str) -> Value {
        json!({"self": format!("{}/rest/api/2/issuetype/{id}", self.base_url),
               "id": id, "name": name, "description": "", "subtask": is_subtask(name)})
    }

    fn project_json(&self, key: &str) -> Reply {
        let Some(p) = self.project(key) else {
            return error(404, &format!("No project could be found with key '{key}'."));
        };
        let types: Vec<Value> = p
            .issue_types
            .iter()
            .map(|(id, n)| self.type_json(id, n))
            .collect();
        reply(
            200,
            json!({"self": format!("{}/rest/api/2/project/{}", self.base_url, p.id),
                   "id": p.id.to_string(), "key": p.key, "name": format!("{} project", p.key),
                   "projectTypeKey": "software", "issueTypes": types}),
        )
    }

    fn meta_page(
        &self,
        items: Vec<Value>,
        cloud_key: &str,
        query: &HashMap<String, String>,
    ) -> Reply {
        let start: usize = query
            .get("startAt")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let max: usize = query
            .get("maxResults")
            .and_then(|s| s.parse().ok())
            .unwrap_or(50)
            .clamp(1, 200);
        let total = items.len();
        let page: Vec<Value> = items.into_iter().skip(start).take(max).collect();
        let is_last = start + page.len() >= total;
        match self.flavor {
            Flavor::Cloud => reply(
                200,
                json!({cloud_key: page, "startAt": start, "maxResults": max, "total": total}),
            ),
            Flavor::DataCenter => reply(
                200,
                json!({"values": page, "startAt": start, "maxResults": max, "total": total,
                       "isLast": is_last}),
            ),
        }
    }

    fn meta_types(&self, project: &str, query: &HashMap<String, String>) -> Reply {
        let Some(p) = self.project(project) else {
            return error(
                404,
                &format!("No project could be found with key '{project}'."),
            );
        };
        let types: Vec<Value> = p
            .issue_types
            .iter()
            .map(|(id, n)| self.type_json(id, n))
            .collect();
        self.meta_page(types, "issueTypes", query)
    }

    /// Field ids on the create screen.
    fn screen_fields(&self) -> Vec<(String, String, bool, bool)> {
        // (id, name, required, hasDefaultValue)
        let mut fields: Vec<(String, String, bool, bool)> = vec![
            ("project".into(), "Project".into(), true, false),
            ("issuetype".into(), "Issue Type".into(), true, false),
            ("summary".into(), "Summary".into(), true, false),
            ("description".into(), "Description".into(), false, false),
            ("labels".into(), "Labels".into(), false, false),
            ("reporter".into(), "Reporter".into(), true, true),
            ("priority".into(), "Priority".into(), false, true),
        ];
        for r in &self.required {
            match fields.iter_mut().find(|f| &f.0 == r) {
                Some(f) => f.2 = true,
                None => fields.push((r.clone(), r.clone(), true, false)),
            }
        }
        for c in &self.company {
            match fields.iter_mut().find(|f| f.0 == c.id) {
                Some(f) => f.2 = c.required,
                None => fields.push((c.id.clone(), c.name.clone(), c.required, false)),
            }
        }
        fields.retain(|f| !self.hidden.contains(&f.0));
        fields
    }

    fn meta_fields(&self, project: &str, type_id: &str, query: &HashMap<String, String>) -> Reply {
        let Some(p) = self.project(project) else {
            return error(
                404,
                &format!("No project could be found with key '{project}'."),
            );
        };
        if !p.issue_types.iter().any(|(id, _)| id == type_id) {
            return error(
                404,
                &format!(
                    "Issue type with id '{type_id}' does not exist in project '{}'.",
                    p.key
                ),
            );
        }
        let epic = p
            .issue_types
            .iter()
            .any(|(id, name)| id == type_id && name == "Epic");
        let mut items: Vec<Value> = Vec::new();
        if epic && self.needs_epic_name() {
            items.push(json!({"fieldId": EPIC_NAME, "key": EPIC_NAME, "name": "Epic Name",
                              "required": true, "hasDefaultValue": false, "operations": ["set"],
                              "schema": {"type": "string", "custom": "com.pyxis.greenhopper.jira:gh-epic-label", "customId": 10101}}));
        }
        items.extend(self
            .screen_fields()
            .into_iter()
            .map(|(id, name, required, has_default)| {
                if let Some(c) = self.company.iter().find(|c| c.id == id) {
                    return c.meta_json();
                }
                if id == "priority" {
                    // Jira lists the priorities of the project's scheme, highest first.
                    return json!({"fieldId": id, "key": id, "name": name, "required": required,
                                  "hasDefaultValue": has_default, "operations": ["set"],
                                  "schema": {"type": "priority", "system": id},
                                  "allowedValues": company::priorities()});
                }
                json!({"fieldId": id, "key": id, "name": name, "required": required,
                       "hasDefaultValue": has_default, "operations": ["set"],
                       "schema": {"type": if id == "labels" { "array" } else { "string" }, "system": id}})
            }));
        self.meta_page(items, "fields", query)
    }

    /// Data Center (Jira Software) asks every new Epic for an Epic Name; modelled with the
    /// company screen, which has the Epic Link field that goes with it.
    fn needs_epic_name(&self) -> bool {
        self.flavor == Flavor::DataCenter && !self.company.is_empty()
    }

    fn validate_new(&self, el: &Value, v3: bool) -> Result<NewOk, Errors> {
        let mut messages = Vec::new();
        let mut errors = BTreeMap::new();
        let empty = Map::new();
        let Some(obj) = el.as_object() else {
            return Err((vec!["Issue must be a JSON object".into()], errors));
        };
        let fields = obj
            .get("fields")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let update = obj
            .get("update")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let screen: Vec<String> = self.screen_fields().into_iter().map(|f| f.0).collect();
        for name in fields.keys().chain(update.keys()) {
            if fields.contains_key(name) && update.contains_key(name) {
                errors.insert(
                    name.clone(),
                    format!("Field '{name}' cannot be set in both 'fields' and 'update'."),
                );
            } else if name == EPIC_NAME && self.needs_epic_name() {
                // Checked below, with the issue type: only epics have it.
            } else if name == "parent" {
                // Checked below, with the issue type: sub-tasks take a parent on any screen.
            } else if !screen.contains(name) {
                errors.insert(
                    name.clone(),
                    format!("Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."),
                );
            }
        }
        let project = fields.get("project").and_then(|p| {
            p.get("key").or_else(|| p.get("id")).and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_u64().map(|n| n.to_string()))
            })
        });
        let project = project.as_deref().and_then(|k| self.project(k));
        if project.is_none() {
            errors.insert("project".into(), "Specify a valid project ID or key".into());
        }
        let issue_type = project.and_then(|p| {
            let it = fields.get("issuetype")?;
            p.issue_types
                .iter()
                .find(|(id, name)| {
                    it.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                        || it.get("id").and_then(Value::as_str) == Some(id.as_str())
                })
                .map(|(_, name)| name.clone())
        });
        if project.is_some() && issue_type.is_none() {
            errors.insert("issuetype".into(), "Specify a valid issue type".into());
        }
        let summary = match fields.get("summary") {
            Some(s) => {
                let text = s.as_str().unwrap_or_default();
                if self
                    .rejected_summaries
                    .iter()
                    .any(|r| text.contains(r.as_str()))
                {
                    errors.insert(
                        "summary".into(),
                        "The create validator of this project refused this summary.".into(),
                    );
                }
                check_summary(s, &mut errors)
            }
            None => {
                errors.insert(
                    "summary".into(),
                    "You must specify a summary of the issue.".into(),
                );
                None
            }
        };
        let mut labels = match fields.get("labels") {
            Some(v) => check_labels(v, &mut errors),
            None => Vec::new(),
        };
        if let Some(ops) = update.get("labels") {
            apply_label_ops(ops, &mut labels, &mut errors);
        }
        let description = match fields.get("description") {
            None | Some(Value::Null) => None,
            Some(d) if v3 => match d {
                Value::Object(_) if adf_valid(d) => Some(adf_text(d)),
                Value::Object(_) => {
                    messages.push("INVALID_INPUT".into());
                    None
                }
                _ => {
                    errors.insert(
                        "description".into(),
                        "Operation value must be an Atlassian Document (see the Atlassian Document Format)".into(),
                    );
                    None
                }
            },
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.insert(
                    "description".into(),
                    "Operation value must be a string".into(),
                );
                None
            }
        };
        for r in &self.required {
            let given = fields.get(r).is_some_and(|v| !v.is_null()) || update.contains_key(r);
            if !given && !errors.contains_key(r) {
                errors.insert(r.clone(), format!("{r} is required."));
            }
        }
        let mut extra = Map::new();
        let exists = |key: &str| self.resolve(key).is_some();
        let is_epic = |key: &str| self.type_of(key).as_deref() == Some("Epic");
        let cx = company::Context {
            flavor: self.flavor,
            users: &self.users,
            exists: &exists,
            is_epic: &is_epic,
        };
        if self.needs_epic_name() {
            let epic = issue_type.as_deref() == Some("Epic");
            match fields.get(EPIC_NAME).and_then(Value::as_str) {
                Some(n) if epic && !n.trim().is_empty() => {}
                _ if epic => {
                    errors.insert(EPIC_NAME.into(), "Epic Name is required.".into());
                }
                Some(_) => {
                    errors.insert(
                        EPIC_NAME.into(),
                        format!("Field '{EPIC_NAME}' cannot be set. It is not on the appropriate screen, or unknown."),
                    );
                }
                None => {}
            }
        }
        let subtask = issue_type.as_deref().is_some_and(is_subtask);
        match fields.get("parent").filter(|v| !v.is_null()) {
            Some(v) => {
                let key = v["key"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| v["id"].as_str().map(str::to_owned));
                let parent_type = key.as_deref().and_then(|k| self.type_of(k));
                if !subtask && !screen.iter().any(|f| f == "parent") {
                    errors.insert(
                        "parent".into(),
                        "Field 'parent' cannot be set. It is not on the appropriate screen, or unknown.".into(),
                    );
                } else if let Some(parent_type) = parent_type {
                    // Jira's hierarchy: sub-tasks under standard issues, standard issues
                    // under epics.
                    let fits = if subtask {
                        !is_subtask(&parent_type) && parent_type != "Epic"
                    } else {
                        parent_type == "Epic"
                    };
                    if fits {
                        extra.insert("parent".into(), json!({"key": key}));
                    } else {
                        errors.insert(
                            "parent".into(),
                            "Given parent issue does not belong to appropriate hierarchy.".into(),
                        );
                    }
                } else {
                    errors.insert(
                        "parent".into(),
                        format!(
                            "Issue {v} does not exist or you do not have permission to see it."
                        ),
                    );
                }
            }
            None if subtask => {
                errors.insert(
                    "parent".into(),
                    "Issue type is a sub-task but parent issue key or id not specified.".into(),
                );
            }
            None => {}
        }
        for c in self.company.iter().filter(|c| c.id != "parent") {
            match fields.get(&c.id) {
                Some(v) if !v.is_null() => match company::check(c, v, &cx) {
                    Ok(()) => {
                        extra.insert(c.id.clone(), v.clone());
                    }
                    Err(message) => {
                        errors.insert(c.id.clone(), message);
                    }
                },
                _ if c.required && !update.contains_key(&c.id) => {
                    errors.insert(c.id.clone(), format!("{} is required.", c.name));
                }
                _ => {}
            }
        }
        let links = match update.get("issuelinks") {
            Some(ops) => company::check_links(ops, &exists).unwrap_or_else(|message| {
                errors.insert("issuelinks".into(), message);
                Vec::new()
            }),
            None => Vec::new(),
        };
        if !messages.is_empty() || !errors.is_empty() {
            return Err((messages, errors));
        }
        match (project, issue_type, summary) {
            (Some(p), Some(t), Some(s)) => Ok(NewOk {
                project: p.key.clone(),
                issue_type: t,
                summary: s,
                labels,
                description,
                extra,
                links,
            }),
            _ => Err((vec!["Invalid issue".into()], errors)),
        }
    }

    fn insert_new(&mut self, new: NewOk) -> Value {
        let lag = self.search_lag;
        let key = self
            .create(
                &new.project,
                &new.issue_type,
                &new.summary,
                new.labels,
                new.description,
                lag,
            )
            .unwrap_or_default();
        let id = self.keys.get(&key).copied().unwrap_or_default();
        if !new.extra.is_empty() || !new.links.is_empty() {
            self.extra_fields.insert(id, (new.extra, new.links));
        }
        json!({"id": id.to_string(), "key": key,
               "self": format!("{}/rest/api/2/issue/{id}", self.base_url)})
    }

    fn create_one(&mut self, body: Option<&Value>, v3: bool) -> Reply {
        let Some(body) = body else {
            return error(400, "No content to map to Object due to end of input");
        };
        match self.validate_new(body, v3) {
            Ok(new) => reply(201, self.insert_new(new)),
            Err((m, e)) => reply(400, error_body(&m, &e)),
        }
    }

    fn create_bulk(&mut self, body: Option<&Value>, v3: bool) -> Reply {
        let Some(updates) = body
            .and_then(|b| b.get("issueUpdates"))
            .and_then(Value::as_array)
        else {
            return error(
                400,
                "Request must contain 'issueUpdates': an array of issues to create.",
            );
        };
        if updates.len() > 50 {
            return error(
                400,
                "The number of issues to create exceeds the limit of 50.",
            );
        }
        let mut issues = Vec::new();
        let mut errors = Vec::new();
        for (i, el) in updates.iter().enumerate() {
            match self.validate_new(el, v3) {
                Ok(new) => issues.push(self.insert_new(new)),
                Err((m, e)) => errors.push(json!({"status": 400, "failedElementNumber": i,
                                                  "elementErrors": error_body(&m, &e)})),
            }
        }
        let status = if issues.is_empty() && !updates.is_empty() {
            400
        } else {
            201
        };
        reply(status, json!({"issues": issues, "errors": errors}))
    }

    fn issue_json(&self, i: &IssueState, spec: &FieldsSpec, v3: bool) -> Value {
        if matches!(spec, FieldsSpec::IdOnly) {
            return json!({"id": i.id.to_string()});
        }
        let mut f = Map::new();
        if spec.wants("summary") {
            f.insert("summary".into(), json!(i.summary));
        }
        if spec.wants("labels") {
            f.insert("labels".into(), json!(i.labels));
        }
        if spec.wants("status") {
            let (sid, cid, ckey, cname, colour) = status_info(&i.status).unwrap_or((
                "1",
                1,
                "undefined",
                "No Category",
                "medium-gray",
            ));
            f.insert(
                "status".into(),
                json!({"self": format!("{}/rest/api/2/status/{sid}", self.base_url),
                       "id": sid, "name": i.status,
                       "statusCategory": {"id": cid, "key": ckey, "name": cname, "colorName": colour}}),
            );
        }
        if spec.wants("resolution") {
            let r = match i.resolution.as_deref() {
                Some("Done") => json!({"id": "10000", "name": "Done"}),
                Some(other) => json!({"id": "10001", "name": other}),
                None => Value::Null,
            };
            f.insert("resolution".into(), r);
        }
        if spec.wants("created") {
            f.insert("created".into(), json!(i.dates.created));
        }
        if spec.wants("resolutiondate") {
            f.insert("resolutiondate".into(), json!(i.dates.resolutiondate));
        }
        let extra = self.extra_fields.get(&i.id).map(|(f, _)| f);
        if !self.company.is_empty() {
            let value = |id: &str| extra.and_then(|f| f.get(id)).cloned();
            if spec.wants("assignee") {
                let who = value("assignee").and_then(|v| {
                    let id = v["accountId"].as_str().or(v["name"].as_str())?.to_owned();
                    self.users.iter().find(|u| u.id(self.flavor) == id)
                });
                f.insert(
                    "assignee".into(),
                    who.map_or(Value::Null, |u| u.json(self.flavor, &self.base_url)),
                );
            }
            if spec.wants("duedate") {
                f.insert("duedate".into(), value("duedate").unwrap_or(Value::Null));
            }
            if spec.wants("priority") {
                let scheme = self
                    .company
                    .iter()
                    .find(|c| c.id == "priority")
                    .map_or_else(company::priorities, |c| c.allowed.clone());
                let p = value("priority").and_then(|v| {
                    scheme.into_iter().find(|p| {
                        (v.get("id").is_some() && p["id"] == v["id"])
                            || v["name"].as_str().is_some_and(|n| p["name"] == n)
                    })
                });
                f.insert("priority".into(), p.unwrap_or(Value::Null));
            }
        } else {
            if spec.wants("priority")
                && let Some(v) = extra.and_then(|f| f.get("priority"))
            {
                let p = company::priorities().into_iter().find(|p| {
                    (v.get("id").is_some() && p["id"] == v["id"])
                        || v["name"].as_str().is_some_and(|n| p["name"] == n)
                });
                f.insert("priority".into(), p.unwrap_or(Value::Null));
            }
            if spec.wants("duedate") {
                f.insert("duedate".into(), json!(i.dates.duedate));
            }
            if spec.wants("assignee") {
                f.insert(
                    "assignee".into(),
                    self.user_json(i.dates.assignee.as_deref()),
                );
            }
        }
        if spec.wants("description") {
            let d = match &i.description {
                None => Value::Null,
                Some(t) if v3 => text_to_adf(t),
                Some(t) => json!(t),
            };
            f.insert("description".into(), d);
        }
        if spec.wants("project") {
            let pid = self.project(&i.project).map_or(0, |p| p.id);
            f.insert(
                "project".into(),
                json!({"id": pid.to_string(), "key": i.project}),
            );
        }
        if spec.wants("issuetype") {
            f.insert(
                "issuetype".into(),
                json!({"id": issue_type_id(&i.issue_type), "name": i.issue_type}),
            );
        }
        json!({"expand": "renderedFields,names,schema,operations,editmeta,changelog",
               "id": i.id.to_string(), "key": i.key,
               "self": format!("{}/rest/api/{}/issue/{}", self.base_url, if v3 { 3 } else { 2 }, i.id),
               "fields": f})
    }

    /// A user as an issue field (`null` when unassigned): Cloud identifies users by
    /// `accountId` only (GDPR), Data Center by `name` and `key`; both send `displayName`.
    fn user_json(&self, display_name: Option<&str>) -> Value {
        let Some(display) = display_name else {
            return Value::Null;
        };
        let login: String = display
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match self.flavor {
            Flavor::Cloud => json!({
                "self": format!("{}/rest/api/3/user?accountId=5b10ac8d82e05b22cc7d{login}", self.base_url),
                "accountId": format!("5b10ac8d82e05b22cc7d{login}"),
                "displayName": display, "active": true, "timeZone": "Etc/UTC",
                "accountType": "atlassian"}),
            Flavor::DataCenter => json!({
                "self": format!("{}/rest/api/2/user?username={login}", self.base_url),
                "name": login, "key": format!("JIRAUSER{}", 10000 + login.len()),
                "displayName": display, "active": true, "timeZone": "Etc/UTC"}),
        }
    }

    fn get_issue(&self, key: &str, query: &HashMap<String, String>, v3: bool) -> Reply {
        let Some(i) = self.resolve(key).and_then(|id| self.issues.get(&id)) else {
            return error(
                404,
                "Issue does not exist or you do not have permission to see it.",
            );
        };
        let spec = FieldsSpec::from_value(
            query.get("fields").map(|s| json!(s)).as_ref(),
            FieldsSpec::All,
        );
        reply(200, self.issue_json(i, &spec, v3))
    }

    fn edit(&mut self, key: &str, body: Option<&Value>, v3: bool) -> Reply {
        let Some(id) = self.resolve(key) else {
            return error(
                404,
                "Issue does not exist or you do not have permission to see it.",
            );
        };
        let empty = Map::new();
        let body = body.and_then(Value::as_object).unwrap_or(&empty);
        let fields = body
            .get("fields")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let update = body
            .get("update")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut errors = BTreeMap::new();
        let mut messages: Vec<String> = Vec::new();
        let Some(issue) = self.issues.get(&id) else {
            return error(
                404,
                "Issue does not exist or you do not have permission to see it.",
            );
        };
        let mut summary = issue.summary.clone();
        let mut labels = issue.labels.clone();
        let mut description = issue.description.clone();
        let mut staged = Map::new();
        for (name, value) in fields {
            if let Some(c) = self.company.iter().find(|c| &c.id == name) {
                let exists = |key: &str| self.resolve(key).is_some();
                let is_epic = |key: &str| self.type_of(key).as_deref() == Some("Epic");
                let cx = company::Context {
                    flavor: self.flavor,
                    users: &self.users,
                    exists: &exists,
                    is_epic: &is_epic,
                };
                match company::check(c, value, &cx) {
                    Ok(()) => {
                        staged.insert(name.clone(), value.clone());
                    }
                    Err(message) => {
                        errors.insert(name.clone(), message);
                    }
                }
                continue;
            }
            if update.contains_key(name) {
                errors.insert(
                    name.clone(),
                    format!("Field '{name}' cannot be set in both 'fields' and 'update'."),
                );
                continue;
            }
            match name.as_str() {
                "summary" => {
                    if let Some(s) = check_summary(value, &mut errors) {
                        summary = s;
                    }
                }
                "labels" => labels = check_labels(value, &mut errors),
                // A system field of the (edit) screen: Priority, with the default scheme.
                "priority" if self.screen_fields().iter().any(|f| f.0 == "priority") => {
                    let scheme = company::priorities();
                    let known = scheme.iter().any(|p| {
                        (value.get("id").is_some() && p["id"] == value["id"])
                            || value["name"].as_str().is_some_and(|n| p["name"] == n)
                    });
                    if known {
                        staged.insert(name.clone(), value.clone());
                    } else {
                        errors.insert(name.clone(), format!("Specify a valid priority: {value}"));
                    }
                }
                "description" => match value {
                    Value::Null => description = None,
                    Value::Object(_) if v3 && adf_valid(value) => {
                        description = Some(adf_text(value))
                    }
                    Value::Object(_) if v3 => messages.push("INVALID_INPUT".into()),
                    Value::String(s) if !v3 => description = Some(s.clone()),
                    _ if v3 => {
                        errors.insert(
                            "description".into(),
                            "Operation value must be an Atlassian Document (see the Atlassian Document Format)".into(),
                        );
                    }
                    _ => {
                        errors.insert(
                            "description".into(),
                            "Operation value must be a string".into(),
                        );
                    }
                },
                other => {
                    errors.insert(
                        other.to_owned(),
                        format!("Field '{other}' cannot be set. It is not on the appropriate screen, or unknown."),
                    );
                }
            }
        }
        for (name, ops) in update {
            match name.as_str() {
                "labels" => apply_label_ops(ops, &mut labels, &mut errors),
                "summary" => {
                    let set = ops
                        .as_array()
                        .and_then(|a| a.iter().find_map(|o| o.get("set")));
                    if let Some(s) = set.and_then(|s| check_summary(s, &mut errors)) {
                        summary = s;
                    }
                }
                other => {
                    errors.insert(
                        other.to_owned(),
                        format!("Field '{other}' cannot be set. It is not on the appropriate screen, or unknown."),
                    );
                }
            }
        }
        if !errors.is_empty() || !messages.is_empty() {
            return reply(400, error_body(&messages, &errors));
        }
        if let Some(issue) = self.issues.get_mut(&id) {
            issue.summary = summary;
            issue.labels = labels;
            issue.description = description;
        }
        if !staged.is_empty() {
            self.extra_fields.entry(id).or_default().0.extend(staged);
        }
        no_content()
    }

    fn bulkfetch(&self, body: Option<&Value>, v3: bool) -> Reply {
        let Some(ids) = body
            .and_then(|b| b.get("issueIdsOrKeys"))
            .and_then(Value::as_array)
        else {
            return error(400, "issueIdsOrKeys must not be empty.");
        };
        if ids.is_empty() {
            return error(400, "issueIdsOrKeys must not be empty.");
        }
        if ids.len() > 100 {
            return error(
                400,
                "The number of issues requested exceeds the limit of 100.",
            );
        }
        let spec = FieldsSpec::from_value(body.and_then(|b| b.get("fields")), FieldsSpec::All);
        let mut found: Vec<u64> = ids
            .iter()
            .filter_map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_u64().map(|n| n.to_string()))
            })
            .filter_map(|k| self.resolve(&k))
            .collect();
        found.sort_unstable();
        found.dedup();
        let issues: Vec<Value> = found
            .iter()
            .filter_map(|id| self.issues.get(id))
            .map(|i| self.issue_json(i, &spec, v3))
            .collect();
        reply(
            200,
            json!({"expand": "schema,names", "issues": issues, "issueErrors": []}),
        )
    }

    /// Runs a parsed query. `validate`: unknown values are errors (else warnings).
    fn evaluate(&self, q: &jql::Query, validate: bool) -> Result<(Vec<u64>, Vec<String>), String> {
        let mut warnings = Vec::new();
        let mut projects: Vec<Option<Vec<String>>> = Vec::new();
        for c in &q.clauses {
            match c.field {
                Field::Project => {
                    let mut ok = Vec::new();
                    for v in &c.values {
                        match self.project(v) {
                            Some(p) => ok.push(p.key.clone()),
                            None if validate => {
                                return Err(format!(
                                    "The value '{v}' does not exist for the field 'project'."
                                ));
                            }
                            None => warnings.push(format!(
                                "The value '{v}' does not exist for the field 'project'."
                            )),
                        }
                    }
                    projects.push(Some(ok));
                }
                Field::Key => {
                    for v in &c.values {
                        if !key_shape_ok(v) {
                            return Err(format!("The issue key '{v}' for field 'key' is invalid."));
                        }
                        if self.resolve(v).is_none() {
                            let msg =
                                format!("An issue with key '{v}' does not exist for field 'key'.");
                            if validate || self.strict_keys {
                                return Err(msg);
                            }
                            warnings.push(msg);
                        }
                    }
                    projects.push(None);
                }
                Field::Labels => projects.push(None),
            }
        }
        let mut ids: Vec<u64> = self
            .issues
            .values()
            .filter(|i| {
                q.clauses.iter().zip(&projects).all(|(c, p)| match c.field {
                    Field::Project => p.as_ref().is_some_and(|ps| ps.contains(&i.project)),
                    Field::Labels => c.values.iter().any(|v| i.labels.contains(v)),
                    Field::Key => c.values.iter().any(|v| self.resolve(v) == Some(i.id)),
                })
            })
            .map(|i| i.id)
            .collect();
        let issues = &self.issues;
        ids.sort_by(|a, b| {
            let (ia, ib) = (&issues[a], &issues[b]);
            for o in &q.order {
                let ord = match o.field.as_str() {
                    "key" | "issuekey" => {
                        (ia.project.as_str(), ia.number).cmp(&(ib.project.as_str(), ib.number))
                    }
                    "summary" => ia.summary.cmp(&ib.summary),
                    _ => ia.id.cmp(&ib.id),
                };
                let ord = if o.descending { ord.reverse() } else { ord };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            ia.id.cmp(&ib.id)
        });
        Ok((ids, warnings))
    }

    fn search_jql(
        &mut self,
        request: &Request,
        body: Option<&Value>,
        query: &HashMap<String, String>,
        v3: bool,
    ) -> Reply {
        let post = request.method.as_str() == "POST";
        let param = |name: &str| -> Option<Value> {
            if post {
                body.and_then(|b| b.get(name)).cloned()
            } else {
                query.get(name).map(|s| json!(s))
            }
        };
        let spec = FieldsSpec::from_value(param("fields").as_ref(), FieldsSpec::IdOnly);
        let requested: usize = match param("maxResults") {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(50) as usize,
            Some(Value::String(s)) => s.parse().unwrap_or(50),
            _ => 50,
        };
        let cap = self
            .max_results_cap
            .unwrap_or(if matches!(spec, FieldsSpec::IdOnly) {
                5000
            } else {
                100
            });
        let max = requested.clamp(1, cap);
        let (snapshot, offset) = match param("nextPageToken") {
            Some(Value::String(t)) if !t.is_empty() => match self.tokens.get(&t) {
                Some(s) => s.clone(),
                None => return error(400, "The provided next page token is invalid or expired."),
            },
            _ => {
                let reconcile: Vec<u64> = match param("reconcileIssues") {
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_u64).collect(),
                    Some(Value::String(s)) => {
                        s.split(',').filter_map(|x| x.trim().parse().ok()).collect()
                    }
                    _ => Vec::new(),
                };
                if reconcile.len() > 50 {
                    return error(400, "reconcileIssues accepts at most 50 issue ids.");
                }
                let Some(jql_text) = param("jql").and_then(|v| v.as_str().map(str::to_owned))
                else {
                    return error(
                        400,
                        "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
                    );
                };
                let q = match jql::parse(&jql_text) {
                    Ok(q) => q,
                    Err(m) => return error(400, &m),
                };
                if q.clauses.is_empty() {
                    return error(
                        400,
                        "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
                    );
                }
                let ids = match self.evaluate(&q, true) {
                    Ok((ids, _)) => ids,
                    Err(m) => return error(400, &m),
                };
                let visible: Vec<u64> = ids
                    .into_iter()
                    .filter(|id| self.issues[id].lag == 0 || reconcile.contains(id))
                    .collect();
                for i in self.issues.values_mut() {
                    i.lag = i.lag.saturating_sub(1);
                }
                (visible, 0)
            }
        };
        let end = (offset + max).min(snapshot.len());
        let issues: Vec<Value> = snapshot[offset.min(end)..end]
            .iter()
            .filter_map(|id| self.issues.get(id))
            .map(|i| self.issue_json(i, &spec, v3))
            .collect();
        if end < snapshot.len() {
            let token = format!("page-{}-{}", self.next_token, end);
            self.next_token += 1;
            self.tokens.insert(token.clone(), (snapshot, end));
            reply(
                200,
                json!({"issues": issues, "isLast": false, "nextPageToken": token}),
            )
        } else {
            reply(200, json!({"issues": issues, "isLast": true}))
        }
    }

    fn search_dc(
        &mut self,
        request: &Request,
        body: Option<&Value>,
        query: &HashMap<String, String>,
    ) -> Reply {
        if self.flavor == Flavor::Cloud {
            return error(
                410,
                "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046",
            );
        }
        let post = request.method.as_str() == "POST";
        if post && let Some(obj) = body.and_then(Value::as_object) {
            const KNOWN: &[&str] = &[
                "jql",
                "startAt",
                "maxResults",
                "fields",
                "expand",
                "validateQuery",
                "properties",
            ];
            if let Some(bad) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
                return error(
                    400,
                    &format!(
                        "Unrecognized field \"{bad}\" (Class com.atlassian.jira.rest.v2.search.SearchRequestBean), not marked as ignorable"
                    ),
                );
            }
        }
        let param = |name: &str| -> Option<Value> {
            if post {
                body.and_then(|b| b.get(name)).cloned()
            } else {
                query.get(name).map(|s| json!(s))
            }
        };
        let num = |v: Option<Value>, d: usize| -> usize {
            match v {
                Some(Value::Number(n)) => n.as_u64().map_or(d, |n| n as usize),
                Some(Value::String(s)) => s.parse().unwrap_or(d),
                _ => d,
            }
        };
        let start = num(param("startAt"), 0);
        let max = num(param("maxResults"), 50).min(self.max_results_cap.unwrap_or(1000));
        let validate = match param("validateQuery") {
            Some(Value::Bool(b)) => b,
            Some(Value::String(s)) => !matches!(s.as_str(), "false" | "none" | "warn"),
            _ => true,
        };
        let spec = FieldsSpec::from_value(param("fields").as_ref(), FieldsSpec::All);
        let jql_text = param("jql")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let q = match jql::parse(&jql_text) {
            Ok(q) => q,
            Err(m) => return error(400, &m),
        };
        let (ids, warnings) = match self.evaluate(&q, validate) {
            Ok(r) => r,
            Err(m) => return error(400, &m),
        };
        let issues: Vec<Value> = ids
            .iter()
            .skip(start)
            .take(max)
            .filter_map(|id| self.issues.get(id))
            .map(|i| self.issue_json(i, &spec, false))
            .collect();
        let mut out = json!({"expand": "schema,names", "startAt": start, "maxResults": max,
                             "total": ids.len(), "issues": issues});
        if !warnings.is_empty() {
            out["warningMessages"] = json!(warnings);
        }
        reply(200, out)
    }

    fn get_links(&self, key: &str) -> Reply {
        let Some(i) = self.resolve(key).and_then(|id| self.issues.get(&id)) else {
            return error(
                404,
                "Issue does not exist or you do not have permission to see it.",
            );
        };
        let links: Vec<Value> = i
            .links
            .iter()
            .map(|l| json!({"id": l.id, "self": format!("{}/rest/api/2/issue/{}/remotelink/{}", self.base_url, i.id, l.id),
                            "globalId": l.global_id, "object": {"url": l.url, "title": l.title}}))
            .collect();
        reply(200, json!(links))
    }

    fn upsert_link(&mut self, key: &str, body: Option<&Value>) -> Reply {
        let Some(id) = self.resolve(key) else {
            return error(
                404,
                "Issue does not exist or you do not have permission to see it.",
            );
        };
        let object = body.and_then(|b| b.get("object"));
        let url = object.and_then(|o| o.get("url")).and_then(Value::as_str);
        let title = object.and_then(|o| o.get("title")).and_then(Value::as_str);
        let (Some(url), Some(title)) = (url, title) else {
            let mut e = BTreeMap::new();
            e.insert(
                "object".into(),
                "The remote link object must have a url and a title.".into(),
            );
            return reply(400, error_body(&[], &e));
        };
        let global_id = body
            .and_then(|b| b.get("globalId"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if global_id.as_ref().is_some_and(|g| g.chars().count() > 255) {
            return error(400, "globalId must be at most 255 characters.");
        }
        let base = self.base_url.clone();
        let next = self.next_link_id;
        let Some(issue) = self.issues.get_mut(&id) else {
            return error(
                404,
                "Issue does not exist or you do not have permission to see it.",
            );
        };
        if let Some(existing) = issue
            .links
            .iter_mut()
            .find(|l| global_id.is_some() && l.global_id == global_id)
        {
            existing.url = url.to_owned();
            existing.title = title.to_owned();
            let lid = existing.id;
            return reply(
                200,
                json!({"id": lid, "self": format!("{base}/rest/api/2/issue/{id}/remotelink/{lid}")}),
            );
        }
        issue.links.push(FakeRemoteLink {
            id: next,
            global_id,
            url: url.to_owned(),
            title: title.to_owned(),
        });
        self.next_link_id += 1;
        reply(
            201,
            json!({"id": next, "self": format!("{base}/rest/api/2/issue/{id}/remotelink/{next}")}),
        )
    }
}

fn template(r: Reply, delay: Duration) -> ResponseTemplate {
    let mut t = ResponseTemplate::new(r.status);
    // A text body under a content type that is not JSON (a proxy's HTML page) goes as it is.
    let raw_type = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone())
        .filter(|v| !v.contains("json"));
    match (r.body, raw_type) {
        (Some(Value::String(text)), Some(mime)) => t = t.set_body_raw(text.into_bytes(), &mime),
        (Some(body), _) => t = t.set_body_json(body),
        (None, _) => {}
    }
    for (k, v) in r.headers {
        t = t.insert_header(k.as_str(), v.as_str());
    }
    if !delay.is_zero() {
        t = t.set_delay(delay);
    }
    t
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Matches requests for which a connection-dropping fault is queued.
struct DropFault(Arc<Mutex<State>>);

impl Match for DropFault {
    fn matches(&self, request: &Request) -> bool {
        let state = lock(&self.0);
        let (endpoint, _) = state.classify(request.method.as_str(), request.url.path());
        state.peek_drop(endpoint)
    }
}

/// Mounts the two responders: dropped connections first, then the stateful one.
pub(super) async fn mount(server: &MockServer, state: &Arc<Mutex<State>>) {
    let for_drop = Arc::clone(state);
    Mock::given(DropFault(Arc::clone(state)))
        .respond_with_err(move |request: &Request| {
            let mut s = lock(&for_drop);
            let (endpoint, _) = s.classify(request.method.as_str(), request.url.path());
            match s.take_fault(endpoint) {
                Some(Fault::LoseCreateResponse { .. }) => {
                    // Process for real (creates happen), then lose the answer. `handle` logs it.
                    let _ = s.handle(request, false);
                }
                _ => {
                    let (method, path) = (
                        request.method.as_str().to_owned(),
                        request.url.path().to_owned(),
                    );
                    s.record(&method, &path, endpoint);
                }
            }
            std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "fake Jira dropped the connection",
            )
        })
        .with_priority(1)
        .named("fake Jira: injected connection drops")
        .mount(server)
        .await;
    let for_respond = Arc::clone(state);
    Mock::given(wiremock::matchers::any())
        .respond_with(move |request: &Request| {
            let mut s = lock(&for_respond);
            let (endpoint, _) = s.classify(request.method.as_str(), request.url.path());
            let (r, delay) = s.handle(request, true);
            s.answers_due
                .push((endpoint, std::time::Instant::now() + delay));
            template(r, delay)
        })
        .with_priority(2)
        .named("fake Jira")
        .mount(server)
        .await;
}
