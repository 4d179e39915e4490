//! A stateful fake Jira (Cloud or Data Center) on wiremock, faithful to Atlassian's docs
//! rather than to pm-sync's client.
//!
//! It keeps projects, issues (keys numbered per project), statuses, remote links and a request
//! log; validates like Jira; pages like Jira; and injects faults (statuses with `Retry-After`,
//! latency, dropped connections, creates whose response is lost). Self-contained: depends only
//! on wiremock, tokio, serde_json, chrono and std, so examples and benches can `#[path]`-include
//! it.
//!
//! ```ignore
//! let jira = FakeJira::start(Flavor::Cloud).await;
//! let key = jira.seed_issue("OPS", "Add an alert", &["sev1"]);
//! jira.transition(&key, "Done");
//! jira.inject(Fault::Status { endpoint: Some(Endpoint::BulkCreate), status: 429,
//!                             retry_after: Some("1".into()), times: 1 });
//! ```
//!
//! What is modelled, and the source each behaviour rests on, is listed in `server.rs`.
#![allow(dead_code)]

pub mod fields;
mod jql;
mod server;
pub mod users;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use wiremock::MockServer;

use server::State;

/// The email the fake accepts on Cloud (Basic auth).
pub const FAKE_EMAIL: &str = "sre-bot@example.com";
/// The API token (Cloud, Basic) or personal access token (Data Center, Bearer) the fake accepts.
pub const FAKE_TOKEN: &str = "fake-token";

/// Which Jira the fake pretends to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Jira Cloud: REST v2 and v3, Basic email + API token, enhanced search, bulkfetch.
    Cloud,
    /// Jira Data Center: REST v2 only, Bearer PAT, startAt search.
    DataCenter,
}

/// The endpoints the fake knows, for the request log and for aiming faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// `GET /rest/api/{2,3}/serverInfo`
    ServerInfo,
    /// `GET /rest/api/{2,3}/myself`
    Myself,
    /// `GET /rest/api/{2,3}/project/{key}`
    Project,
    /// `GET /rest/api/{2,3}/user/assignable/search`
    AssignableUsers,
    /// `GET /rest/api/{2,3}/issue/createmeta/{project}/issuetypes`
    CreateMetaIssueTypes,
    /// `GET /rest/api/{2,3}/issue/createmeta/{project}/issuetypes/{id}`
    CreateMetaFields,
    /// `POST /rest/api/{2,3}/issue`
    CreateIssue,
    /// `POST /rest/api/{2,3}/issue/bulk`
    BulkCreate,
    /// `GET /rest/api/{2,3}/issue/{key}`
    GetIssue,
    /// `PUT /rest/api/{2,3}/issue/{key}`
    EditIssue,
    /// `POST /rest/api/{2,3}/issue/bulkfetch` (Cloud)
    BulkFetch,
    /// `GET|POST /rest/api/{2,3}/search/jql` (Cloud)
    SearchJql,
    /// `GET|POST /rest/api/2/search` (Data Center; 410 on Cloud)
    Search,
    /// `GET /rest/api/{2,3}/issue/{key}/remotelink`
    GetRemoteLinks,
    /// `POST /rest/api/{2,3}/issue/{key}/remotelink`
    UpsertRemoteLink,
    /// `GET /rest/api/{2,3}/status`
    Statuses,
    /// `GET /rest/api/{2,3}/issue/{key}/transitions`
    GetTransitions,
    /// `POST /rest/api/{2,3}/issue/{key}/transitions`
    DoTransition,
    /// Anything else (answered 404).
    Unknown,
}

impl Endpoint {
    /// True for endpoints that change state.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Self::CreateIssue
                | Self::BulkCreate
                | Self::EditIssue
                | Self::UpsertRemoteLink
                | Self::DoTransition
        )
    }
}

/// What the fake has been asked so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestLog {
    /// Requests per endpoint (every request received, faulted ones included).
    pub counts: BTreeMap<Endpoint, usize>,
    /// All requests.
    pub total: usize,
    /// Requests to endpoints that change state (creates, edits, remote-link upserts).
    pub writes: usize,
    /// `METHOD /path` of each request, in arrival order (no query, no headers).
    pub entries: Vec<String>,
    /// For each entry: the endpoints of earlier requests still waiting for their answer (their
    /// latency not over) when it arrived — what a client sent without waiting for.
    pub unanswered: Vec<Vec<Endpoint>>,
}

impl RequestLog {
    /// Requests received for `endpoint`.
    pub fn count(&self, endpoint: Endpoint) -> usize {
        self.counts.get(&endpoint).copied().unwrap_or(0)
    }
}

/// A fault, queued with [`FakeJira::inject`]; each request takes the first queued fault whose
/// endpoint matches (`None` matches any), which uses up one of its `times`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer `status` without processing the request (nothing changes), with an optional
    /// `Retry-After` header and Jira's error body.
    Status {
        /// Which endpoint; `None` = any.
        endpoint: Option<Endpoint>,
        /// HTTP status, e.g. 429 or 503.
        status: u16,
        /// `Retry-After` value (seconds or HTTP date), if any.
        retry_after: Option<String>,
        /// How many requests it hits.
        times: usize,
    },
    /// Answer `status` with these headers and body, without processing the request.
    Response {
        /// Which endpoint; `None` = any.
        endpoint: Option<Endpoint>,
        /// HTTP status.
        status: u16,
        /// Extra headers, e.g. `X-RateLimit-Reset`.
        headers: Vec<(String, String)>,
        /// Raw body: sent as JSON when it parses as JSON, else as a JSON string, or as it is
        /// under a `Content-Type` header that is not JSON (a proxy's HTML page).
        body: String,
        /// How many requests it hits.
        times: usize,
    },
    /// Process the request normally but delay the response.
    Latency {
        /// Which endpoint; `None` = any.
        endpoint: Option<Endpoint>,
        /// Extra delay.
        delay: Duration,
        /// How many requests it hits.
        times: usize,
    },
    /// Close the connection without answering and without processing.
    DropConnection {
        /// Which endpoint; `None` = any.
        endpoint: Option<Endpoint>,
        /// How many requests it hits.
        times: usize,
    },
    /// A create (`POST /issue` or `/issue/bulk`) IS processed — issues are created — then the
    /// connection drops before the response.
    LoseCreateResponse {
        /// How many requests it hits.
        times: usize,
    },
    /// A create IS processed, then answered with `status` instead of its result (a gateway or
    /// an overloaded node answering 503, `Retry-After` and all, after the backend committed).
    StatusAfterCreate {
        /// HTTP status, e.g. 503.
        status: u16,
        /// `Retry-After` value, if any.
        retry_after: Option<String>,
        /// How many requests it hits.
        times: usize,
    },
}

/// A snapshot of one issue in the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeIssue {
    /// Current key, e.g. `OPS-3`.
    pub key: String,
    /// Numeric id as a string.
    pub id: String,
    /// Project key.
    pub project: String,
    /// Issue type name.
    pub issue_type: String,
    /// Summary.
    pub summary: String,
    /// Labels, in the order added.
    pub labels: Vec<String>,
    /// Status name: "To Do", "In Progress", "Done" or "Won't Do".
    pub status: String,
    /// Resolution name, when resolved.
    pub resolution: Option<String>,
    /// Description as plain text (ADF flattened).
    pub description: Option<String>,
    /// `created`, as Jira renders it (`2020-04-14T19:38:22.561+0000`).
    pub created: String,
    /// `resolutiondate`: set when the issue gets a resolution, cleared on reopen.
    pub resolutiondate: Option<String>,
    /// `duedate` (`2020-05-01`).
    pub duedate: Option<String>,
    /// The assignee's display name.
    pub assignee: Option<String>,
}

/// A remote link stored on an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeRemoteLink {
    /// Link id.
    pub id: u64,
    /// `globalId`, if given.
    pub global_id: Option<String>,
    /// `object.url`.
    pub url: String,
    /// `object.title`.
    pub title: String,
}

/// The fake Jira server. Dropping it stops the server.
pub struct FakeJira {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

/// `base64(text)` (standard alphabet, padded): what Basic auth sends for `email:token`.
pub fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl FakeJira {
    /// Starts a fake with project `OPS` (issue types Task and Bug). Cloud expects Basic
    /// [`FAKE_EMAIL`]:[`FAKE_TOKEN`]; Data Center expects Bearer [`FAKE_TOKEN`].
    pub async fn start(flavor: Flavor) -> FakeJira {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::new(flavor, server.uri())));
        state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .add_project("OPS", &["Task", "Bug"]);
        server::mount(&server, &state).await;
        FakeJira { server, state }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// The server itself, for a fake Confluence Cloud that lives on the same site (`/wiki`).
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// Which flavour this fake is.
    pub fn flavor(&self) -> Flavor {
        self.state().flavor
    }

    /// Adds a project with these issue types (no-op if it exists).
    pub fn add_project(&self, key: &str, issue_types: &[&str]) {
        self.state().add_project(key, issue_types);
    }

    /// Creates an existing ticket (status "To Do", visible to search at once); returns its key.
    /// Panics if the project does not exist.
    pub fn seed_issue(&self, project: &str, summary: &str, labels: &[&str]) -> String {
        let labels: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
        self.state()
            .create(project, "Task", summary, labels, None, 0)
            .unwrap_or_else(|| panic!("seed_issue: no project `{project}`"))
    }

    /// Adds an issue type to a project, e.g. `Epic` or `Sub-task` (no-op if it has it).
    pub fn add_issue_type(&self, project: &str, name: &str) {
        self.state().add_issue_type(project, name);
    }

    /// [`FakeJira::seed_issue`] of another issue type, e.g. an `Epic` (the project must have it).
    pub fn seed_issue_of_type(
        &self,
        project: &str,
        issue_type: &str,
        summary: &str,
        labels: &[&str],
    ) -> String {
        let labels: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
        self.state()
            .create(project, issue_type, summary, labels, None, 0)
            .unwrap_or_else(|| panic!("seed_issue_of_type: no project `{project}`"))
    }

    /// Moves an issue to `status`: "To Do" (new), "In Progress" (indeterminate), "Done"
    /// (done, resolution Done) or "Won't Do" (done, resolution Won't Do). Panics otherwise.
    pub fn transition(&self, key: &str, status: &str) {
        self.state().transition(key, status);
    }

    /// Sets `created` and `resolutiondate` (Jira's `2020-04-14T19:38:22.561+0000`); an issue
    /// gets "now" for both when created and resolved. `None` clears the resolution date.
    pub fn set_dates(&self, key: &str, created: &str, resolutiondate: Option<&str>) {
        self.state().set_dates(
            key,
            Some(created),
            Some(resolutiondate.unwrap_or("")),
            None,
            None,
        );
    }

    /// Assigns an issue to a user with this display name (`None`: unassigned).
    pub fn assign(&self, key: &str, display_name: Option<&str>) {
        self.state()
            .set_dates(key, None, None, None, Some(display_name.unwrap_or("")));
    }

    /// Sets the due date (`2020-05-01`; `None` clears it).
    pub fn set_due_date(&self, key: &str, due: Option<&str>) {
        self.state()
            .set_dates(key, None, None, Some(due.unwrap_or("")), None);
    }

    /// Deletes an issue: its keys stop resolving.
    pub fn delete_issue(&self, key: &str) {
        self.state().delete(key);
    }

    /// Moves an issue to another project; returns the new key. The old key keeps resolving to
    /// it (as Jira keeps historical keys).
    pub fn move_issue(&self, key: &str, to_project: &str) -> String {
        self.state().move_issue(key, to_project)
    }

    /// Snapshot of all issues, by id.
    pub fn issues(&self) -> Vec<FakeIssue> {
        self.state().snapshot()
    }

    /// Snapshot of one issue, by current or old key.
    pub fn issue(&self, key: &str) -> Option<FakeIssue> {
        self.state().snapshot_one(key)
    }

    /// Remote links stored on an issue.
    pub fn remote_links(&self, key: &str) -> Vec<FakeRemoteLink> {
        self.state().remote_links(key)
    }

    /// Requests received since start (or the last reset).
    pub fn requests(&self) -> RequestLog {
        self.state().log.clone()
    }

    /// Clears the request log.
    pub fn reset_request_log(&self) {
        self.state().log = RequestLog::default();
    }

    /// Delays every response by `d`.
    pub fn set_latency(&self, d: Duration) {
        self.state().latency = d;
    }

    /// Queues a fault.
    pub fn inject(&self, fault: Fault) {
        self.state().faults.push_back(fault);
    }

    /// Drops every fault still queued.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// Issues created from now on stay invisible to Cloud's `search/jql` for the next `n`
    /// searches (eventual consistency), unless their ids are passed in `reconcileIssues`.
    /// A search is counted on its first page; Data Center search is not affected.
    pub fn set_search_lag(&self, n: usize) {
        self.state().search_lag = n;
    }

    /// Makes `field` (e.g. `customfield_10010` or `components`) required on the create screen:
    /// createmeta reports it, creates without it get 400.
    pub fn require_required_field(&self, field: &str) {
        self.state().required.push(field.to_owned());
    }

    /// Removes `field` (e.g. `labels`) from the create screen: createmeta omits it and creates
    /// setting it get Jira's "cannot be set" 400.
    pub fn hide_create_field(&self, field: &str) {
        self.state().hidden.push(field.to_owned());
    }

    /// With `on`, bad credentials are served as the anonymous user (200 where anonymous may
    /// read, with `X-Seraph-LoginReason: AUTHENTICATED_FAILED` and `X-AUSERNAME: anonymous`)
    /// instead of 401; `/myself` still answers 401.
    pub fn set_anonymous_fallback(&self, on: bool) {
        self.state().anonymous_fallback = on;
    }

    /// Caps `maxResults` of searches (default: Cloud 100 with fields / 5000 ids only, Data
    /// Center 1000), to exercise paging with few issues.
    pub fn set_max_results_cap(&self, cap: usize) {
        self.state().max_results_cap = Some(cap.max(1));
    }

    /// Makes the create validator refuse any issue whose summary contains `text` (as a
    /// workflow validator or a ScriptRunner rule would): that element of a bulk create fails
    /// with a `summary` error while the others are created.
    pub fn reject_summaries_containing(&self, text: &str) {
        self.state().rejected_summaries.push(text.to_owned());
    }

    /// Switches to a company create screen ([`fields::company_screen`]: required Component/s
    /// and Team, priorities, assignee, due date, links, parent or Epic Link) and adds the
    /// people of [`users::default_users`].
    pub fn use_company_screen(&self) {
        let mut state = self.state();
        let flavor = state.flavor;
        state.company = fields::company_screen(flavor);
        state.users = users::default_users();
    }

    /// Adds Assignee and Due Date to the default create screen (as a Jira Software project
    /// has them) and `people` to those who can be assigned issues in the project.
    pub fn add_assignable_people(&self, people: Vec<users::FakeUser>) {
        let mut state = self.state();
        let flavor = state.flavor;
        let planning = fields::company_screen(flavor)
            .into_iter()
            .filter(|field| field.id == "assignee" || field.id == "duedate");
        state.company.extend(planning);
        state.users.extend(people);
    }

    /// Gives the project a priority scheme of `names`, highest first (after
    /// [`FakeJira::use_company_screen`]): the create screen's Priority field lists them, in
    /// that order, as Jira's createmeta does for the project's scheme, and creates are checked
    /// against them.
    pub fn set_priorities(&self, names: &[&str]) {
        let mut state = self.state();
        if let Some(field) = state.company.iter_mut().find(|f| f.id == "priority") {
            field.allowed = fields::priority_scheme(names);
        }
    }

    /// The fields a create set beyond summary, labels and description (as sent, by id), and
    /// the links it added as `(type, key)`.
    pub fn issue_fields(
        &self,
        key: &str,
    ) -> (
        serde_json::Map<String, serde_json::Value>,
        Vec<(String, String)>,
    ) {
        self.state().issue_fields(key)
    }

    /// With `on`, Data Center search answers 400 for unknown keys even with
    /// `validateQuery=false` (as some older servers did).
    pub fn set_strict_key_validation(&self, on: bool) {
        self.state().strict_keys = on;
    }
}
