//! A stateful fake Confluence on wiremock, faithful to `../shared/confluence-api.md` rather
//! than to pm-sync's client: Cloud (REST v2 pages and v1 CQL search under `/wiki`, on the Jira
//! site with the Jira account's Basic credentials) or Data Center (v1 content API on its own
//! host under `/confluence`, its own personal access token as Bearer; a wrong token is served
//! as anonymous, not refused).
//!
//! It keeps pages (title, space, labels, parent, status, every version's body, message and
//! minor-edit flag), validates storage as well-formed XHTML (400 otherwise, HTML entities
//! allowed), answers 409 to a write whose version is not the current + 1, 403 to a write
//! without edit permission (and says so in the read's operations), 404 for pages it does not
//! have or the user may not see, searches CQL (`type`, `label`, `space`, `ancestor`, `parent`,
//! `id`, joined by `and`) with cursor pages, logs every request, and injects faults: statuses,
//! and a person's edit saved between pm-sync's read and its write.
#![allow(dead_code)]

mod cql;
mod xhtml;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, base64};

/// The personal access token the Data Center fake accepts.
pub const FAKE_PAT: &str = "fake-confluence-pat";

/// Which Confluence the fake pretends to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Cloud: `/wiki/api/v2/pages/{id}`, `/wiki/rest/api/content/search`; Basic auth.
    Cloud,
    /// Data Center: `/confluence/rest/api/content/{id}`, `/confluence/rest/api/content/search`.
    DataCenter,
}

/// What the fake has been asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    GetPage,
    PutPage,
    Search,
    TitleLookup,
    CurrentUser,
    Unknown,
}

/// One version of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub number: u64,
    pub body: String,
    pub message: String,
    pub minor_edit: bool,
    /// Who saved it: `pm-sync` for writes through the API, `person` for test edits.
    pub by: String,
}

/// A page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePage {
    pub id: u64,
    pub title: String,
    pub space: String,
    pub labels: Vec<String>,
    pub parent: Option<u64>,
    /// `page` or `blogpost`.
    pub kind: String,
    /// `current`, `draft`, `archived`.
    pub status: String,
    /// Every version, oldest first.
    pub history: Vec<Version>,
    /// Whether the API user may edit it.
    pub editable: bool,
    /// Whether the API user may see it.
    pub visible: bool,
}

impl FakePage {
    /// The current version.
    pub fn current(&self) -> &Version {
        self.history.last().expect("a page has a version")
    }
}

/// An injected fault.
#[derive(Debug, Clone)]
enum Fault {
    Status {
        endpoint: Endpoint,
        status: u16,
        times: usize,
    },
    /// Before the next `PUT` to `page` is handled, a person saves `body` as a new version.
    EditBeforePut {
        page: u64,
        edit: fn(&str) -> String,
        times: usize,
    },
}

#[derive(Debug)]
struct State {
    flavour: Flavour,
    /// `/wiki` or `/confluence`.
    context: String,
    base: String,
    pages: BTreeMap<u64, FakePage>,
    next_id: u64,
    faults: Vec<Fault>,
    counts: BTreeMap<Endpoint, usize>,
    entries: Vec<String>,
    /// A broken search: every page links a next one (a fresh cursor) and repeats the first.
    endless_search: bool,
    /// A broken read: the body asked for in storage format comes in `view` (rendered HTML).
    body_as_view: bool,
    /// A broken save: a valid PUT is answered 200 with the current version, and not saved.
    drop_saves: bool,
}

/// The fake. Cloud lives on the fake Jira's server; Data Center on its own.
pub struct FakeConfluence {
    _own: Option<MockServer>,
    state: Arc<Mutex<State>>,
}

impl FakeConfluence {
    /// Confluence Cloud at `{jira}/wiki`, the Jira account's Basic credentials.
    pub async fn cloud(jira: &FakeJira) -> FakeConfluence {
        let state = State::new(Flavour::Cloud, "/wiki", &jira.url());
        let state = Arc::new(Mutex::new(state));
        mount(jira.server(), &state).await;
        FakeConfluence { _own: None, state }
    }

    /// Confluence Data Center at `http://127.0.0.1:PORT/confluence`, Bearer [`FAKE_PAT`].
    pub async fn data_center() -> FakeConfluence {
        let server = MockServer::start().await;
        let state = State::new(Flavour::DataCenter, "/confluence", &server.uri());
        let state = Arc::new(Mutex::new(state));
        mount(&server, &state).await;
        FakeConfluence {
            _own: Some(server),
            state,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The wiki's base URL (what `[confluence] url` is set to).
    pub fn url(&self) -> String {
        let s = self.state();
        format!("{}{}", s.base, s.context)
    }

    /// Adds a page in `space` with `body` as version 1; returns its id.
    pub fn add_page(&self, space: &str, title: &str, body: &str, labels: &[&str]) -> u64 {
        self.add_page_under(space, title, body, labels, None)
    }

    /// [`FakeConfluence::add_page`] as a child of `parent`.
    pub fn add_page_under(
        &self,
        space: &str,
        title: &str,
        body: &str,
        labels: &[&str],
        parent: Option<u64>,
    ) -> u64 {
        let mut s = self.state();
        let id = s.next_id;
        s.next_id += 1;
        s.pages.insert(
            id,
            FakePage {
                id,
                title: title.to_owned(),
                space: space.to_owned(),
                labels: labels.iter().map(|l| (*l).to_owned()).collect(),
                parent,
                kind: "page".into(),
                status: "current".into(),
                history: vec![Version {
                    number: 1,
                    body: body.to_owned(),
                    message: String::new(),
                    minor_edit: false,
                    by: "person".into(),
                }],
                editable: true,
                visible: true,
            },
        );
        id
    }

    /// Makes `page` a blog post (search with `type = page` must not find it).
    pub fn make_blog_post(&self, page: u64) {
        self.state().pages.get_mut(&page).expect("page").kind = "blogpost".into();
    }

    /// Takes away (or gives back) the API user's edit permission on `page`.
    pub fn set_editable(&self, page: u64, editable: bool) {
        self.state().pages.get_mut(&page).expect("page").editable = editable;
    }

    /// A person saves `body` as the page's next version.
    pub fn person_edits(&self, page: u64, body: &str) {
        let mut s = self.state();
        let page = s.pages.get_mut(&page).expect("page");
        let number = page.current().number + 1;
        page.history.push(Version {
            number,
            body: body.to_owned(),
            message: String::new(),
            minor_edit: false,
            by: "person".into(),
        });
    }

    /// Before the next `PUT` to `page`, a person saves `edit(current body)`.
    pub fn edit_before_next_put(&self, page: u64, edit: fn(&str) -> String) {
        self.state().faults.push(Fault::EditBeforePut {
            page,
            edit,
            times: 1,
        });
    }

    /// The next `times` requests to `endpoint` get `status` (nothing processed).
    pub fn inject_status(&self, endpoint: Endpoint, status: u16, times: usize) {
        self.state().faults.push(Fault::Status {
            endpoint,
            status,
            times,
        });
    }

    /// From now on, a search never ends: each page links a next one under a fresh cursor and
    /// repeats the first page's results (a server whose cursors do not move).
    pub fn break_search_paging(&self) {
        self.state().endless_search = true;
    }

    /// From now on, a page read answers its rendered HTML labelled `view` where the storage
    /// format was asked for (a proxy or plugin that rewrites the answer).
    pub fn answer_bodies_as_view(&self) {
        self.state().body_as_view = true;
    }

    /// From now on, a valid save is answered 200 naming the page's current version, and
    /// nothing is saved (a cache or gateway answering for Confluence).
    pub fn drop_saves(&self) {
        self.state().drop_saves = true;
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// A snapshot of `page`.
    pub fn page(&self, page: u64) -> FakePage {
        self.state().pages.get(&page).expect("page").clone()
    }

    /// The current body of `page`.
    pub fn body(&self, page: u64) -> String {
        self.page(page).current().body.clone()
    }

    /// Requests received for `endpoint`.
    pub fn count(&self, endpoint: Endpoint) -> usize {
        self.state().counts.get(&endpoint).copied().unwrap_or(0)
    }

    /// `METHOD /path` of every request, in order.
    pub fn entries(&self) -> Vec<String> {
        self.state().entries.clone()
    }

    /// Forgets the requests received so far.
    pub fn reset_log(&self) {
        let mut s = self.state();
        s.counts.clear();
        s.entries.clear();
    }
}

impl State {
    fn new(flavour: Flavour, context: &str, base: &str) -> State {
        State {
            flavour,
            context: context.to_owned(),
            base: base.to_owned(),
            pages: BTreeMap::new(),
            next_id: 3_226_730_000,
            endless_search: false,
            body_as_view: false,
            drop_saves: false,
            faults: Vec::new(),
            counts: BTreeMap::new(),
            entries: Vec::new(),
        }
    }

    /// Whether the request carries the credentials this flavour accepts.
    fn authenticated(&self, request: &Request) -> bool {
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        match self.flavour {
            Flavour::Cloud => {
                header == format!("Basic {}", base64(&format!("{FAKE_EMAIL}:{FAKE_TOKEN}")))
            }
            Flavour::DataCenter => header == format!("Bearer {FAKE_PAT}"),
        }
    }

    fn classify(&self, method: &str, path: &str) -> (Endpoint, Option<u64>) {
        let Some(rest) = path.strip_prefix(&self.context) else {
            return (Endpoint::Unknown, None);
        };
        let id_after = |prefix: &str| {
            rest.strip_prefix(prefix)
                .and_then(|id| id.parse::<u64>().ok())
        };
        let page = match self.flavour {
            Flavour::Cloud => id_after("/api/v2/pages/"),
            Flavour::DataCenter => id_after("/rest/api/content/"),
        };
        match (method, page, rest) {
            ("GET", Some(id), _) => (Endpoint::GetPage, Some(id)),
            ("PUT", Some(id), _) => (Endpoint::PutPage, Some(id)),
            ("GET", None, "/rest/api/content/search" | "/rest/api/search") => {
                (Endpoint::Search, None)
            }
            ("GET", None, "/rest/api/content") => (Endpoint::TitleLookup, None),
            ("GET", None, "/rest/api/user/current") => (Endpoint::CurrentUser, None),
            _ => (Endpoint::Unknown, None),
        }
    }

    fn handle(&mut self, request: &Request) -> ResponseTemplate {
        let method = request.method.as_str().to_owned();
        let path = request.url.path().to_owned();
        let (endpoint, page) = self.classify(&method, &path);
        *self.counts.entry(endpoint).or_default() += 1;
        self.entries.push(format!("{method} {path}"));
        if let Some(status) = self.take_status_fault(endpoint) {
            return self.error(status, "injected fault");
        }
        let authenticated = self.authenticated(request);
        if !authenticated && self.flavour == Flavour::Cloud {
            return ResponseTemplate::new(401)
                .insert_header("content-type", "text/plain")
                .set_body_string("Basic authentication with passwords is deprecated.");
        }
        let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        match endpoint {
            Endpoint::CurrentUser => {
                if authenticated {
                    json_response(
                        200,
                        json!({"type": "known", "displayName": "SRE Bot", "accountId": "5b12"}),
                    )
                } else {
                    json_response(
                        200,
                        json!({"type": "anonymous", "displayName": "Anonymous"}),
                    )
                }
            }
            // An anonymous user sees no page (the DC wrong-PAT trap).
            _ if !authenticated => self.error(404, "No content found"),
            Endpoint::GetPage => self.get_page(page.unwrap_or(0), &query),
            Endpoint::PutPage => self.put_page(page.unwrap_or(0), &request.body),
            Endpoint::Search => self.search(&query),
            Endpoint::TitleLookup => self.title_lookup(&query),
            Endpoint::Unknown => self.error(404, "no such endpoint"),
        }
    }

    fn take_status_fault(&mut self, endpoint: Endpoint) -> Option<u16> {
        let index = self.faults.iter().position(|f| {
            matches!(f, Fault::Status { endpoint: e, times, .. } if *e == endpoint && *times > 0)
        })?;
        let Fault::Status { status, times, .. } = &mut self.faults[index] else {
            return None;
        };
        *times -= 1;
        let status = *status;
        if *times == 0 {
            self.faults.remove(index);
        }
        Some(status)
    }

    /// Confluence's error body: v2 `errors[]` on Cloud page endpoints, v1 elsewhere.
    fn error(&self, status: u16, message: &str) -> ResponseTemplate {
        let body = match self.flavour {
            Flavour::Cloud => json!({"errors": [{"status": status, "code": code(status),
                                                 "title": message, "detail": null}]}),
            Flavour::DataCenter => {
                json!({"statusCode": status, "data": {"authorized": status != 403,
                "valid": true, "errors": [], "successful": false},
                "message": format!("com.atlassian.confluence.api.service.exceptions.{}: {message}",
                                   exception(status))})
            }
        };
        json_response(status, body)
    }

    fn webui(&self, page: &FakePage) -> String {
        match self.flavour {
            Flavour::Cloud => format!(
                "/spaces/{}/pages/{}/{}",
                page.space,
                page.id,
                page.title.replace(' ', "+")
            ),
            Flavour::DataCenter => format!("/pages/viewpage.action?pageId={}", page.id),
        }
    }

    fn get_page(&self, id: u64, query: &BTreeMap<String, String>) -> ResponseTemplate {
        let Some(page) = self.pages.get(&id).filter(|p| p.visible) else {
            return self.error(404, "Page not found");
        };
        let version = page.current();
        let base = format!("{}{}", self.base, self.context);
        let mut operations = vec![json!({"operation": "read", "targetType": "page"})];
        if page.editable {
            operations.push(json!({"operation": "update", "targetType": "page"}));
        }
        match self.flavour {
            Flavour::Cloud => {
                let mut out = json!({
                    "id": page.id.to_string(), "status": page.status, "title": page.title,
                    "spaceId": "98307", "parentType": "page",
                    "version": {"number": version.number, "message": version.message,
                                "minorEdit": version.minor_edit, "authorId": "5b12",
                                "createdAt": "2026-03-15T09:12:44.120Z"},
                    "_links": {"webui": self.webui(page), "base": base,
                               "tinyui": "/x/AQBUw"}
                });
                if query.get("body-format").map(String::as_str) == Some("storage") {
                    let representation = if self.body_as_view { "view" } else { "storage" };
                    out["body"] = json!({"storage": {"representation": representation,
                                                      "value": version.body}});
                }
                if query.get("include-operations").map(String::as_str) == Some("true") {
                    out["operations"] = json!({"results": operations, "meta": {"hasMore": false}});
                }
                json_response(200, out)
            }
            Flavour::DataCenter => {
                let expand = query.get("expand").cloned().unwrap_or_default();
                let expand: Vec<&str> = expand.split(',').collect();
                let mut out = json!({
                    "id": page.id.to_string(), "type": page.kind, "status": page.status,
                    "title": page.title, "space": {"key": page.space},
                    "version": {"number": version.number, "message": version.message,
                                "minorEdit": version.minor_edit},
                    "_links": {"webui": self.webui(page), "base": base,
                               "context": self.context, "tinyui": "/x/AQBUw"}
                });
                if expand.contains(&"body.storage") {
                    let representation = if self.body_as_view { "view" } else { "storage" };
                    out["body"] = json!({"storage": {"value": version.body,
                                                      "representation": representation}});
                }
                if expand.contains(&"operations") {
                    out["operations"] = json!(operations);
                }
                json_response(200, out)
            }
        }
    }

    fn put_page(&mut self, id: u64, raw: &[u8]) -> ResponseTemplate {
        // A person's save between pm-sync's read and its write.
        let due = self.faults.iter().position(
            |f| matches!(f, Fault::EditBeforePut { page, times, .. } if *page == id && *times > 0),
        );
        if let Some(index) = due
            && let Fault::EditBeforePut { edit, .. } = self.faults.remove(index)
            && let Some(page) = self.pages.get_mut(&id)
        {
            let number = page.current().number + 1;
            let body = edit(&page.current().body);
            page.history.push(Version {
                number,
                body,
                message: String::new(),
                minor_edit: false,
                by: "person".into(),
            });
        }
        let Some(page) = self.pages.get(&id).filter(|p| p.visible) else {
            return self.error(404, "Page not found");
        };
        let Ok(body) = serde_json::from_slice::<Value>(raw) else {
            return self.error(400, "The request body is not JSON");
        };
        if !page.editable {
            return self.error(403, "User not permitted to edit this page");
        }
        let storage = match self.flavour {
            Flavour::Cloud => {
                let representation = body["body"]["representation"].as_str();
                if representation != Some("storage") {
                    return self.error(400, "body.representation must be storage");
                }
                body["body"]["value"].as_str()
            }
            Flavour::DataCenter => {
                if body["type"].as_str() != Some("page") {
                    return self.error(400, "type is required");
                }
                body["body"]["storage"]["value"].as_str()
            }
        };
        let Some(storage) = storage else {
            return self.error(400, "A body is required");
        };
        let (Some(title), Some(number)) =
            (body["title"].as_str(), body["version"]["number"].as_u64())
        else {
            return self.error(400, "title and version.number are required");
        };
        if body["id"].as_str() != Some(id.to_string().as_str())
            || body["status"].as_str() != Some("current")
        {
            return self.error(400, "id and status must be given");
        }
        if title.trim().is_empty() {
            return self.error(400, "A page title is required");
        }
        let current = page.current().number;
        if number != current + 1 {
            return self.error(
                409,
                &format!("Version must be incremented on update. Current version is: {current}"),
            );
        }
        if let Err(problem) = xhtml::check(storage) {
            return self.error(400, &format!("Error parsing xhtml: {problem}"));
        }
        let message = body["version"]["message"].as_str().unwrap_or("").to_owned();
        let minor_edit = body["version"]["minorEdit"].as_bool().unwrap_or(false);
        if self.drop_saves {
            return json_response(
                200,
                json!({"id": id.to_string(), "status": "current", "title": title,
                       "version": {"number": current, "message": "", "minorEdit": false}}),
            );
        }
        let page = self.pages.get_mut(&id).expect("checked above");
        page.title = title.to_owned();
        page.history.push(Version {
            number,
            body: storage.to_owned(),
            message: message.clone(),
            minor_edit,
            by: "pm-sync".into(),
        });
        json_response(
            200,
            json!({"id": id.to_string(), "status": "current", "title": title,
                   "version": {"number": number, "message": message,
                               "minorEdit": minor_edit}}),
        )
    }

    fn search(&self, query: &BTreeMap<String, String>) -> ResponseTemplate {
        let Some(text) = query.get("cql") else {
            return self.error(400, "cql is required");
        };
        let Ok(filter) = cql::parse(text) else {
            return self.error(400, &format!("Could not parse cql : {text}"));
        };
        let limit: usize = query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(25)
            .min(50);
        let start: usize = query
            .get("cursor")
            .or_else(|| query.get("start"))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let found: Vec<&FakePage> = self
            .pages
            .values()
            .filter(|p| p.visible && p.status == "current")
            .filter(|p| filter.matches(p, &self.pages))
            .collect();
        let shown_from = if self.endless_search { 0 } else { start };
        let results: Vec<Value> = found
            .iter()
            .skip(shown_from)
            .take(limit)
            .map(|p| {
                json!({"id": p.id.to_string(), "type": p.kind, "status": p.status,
                            "title": p.title})
            })
            .collect();
        let mut links = json!({"base": format!("{}{}", self.base, self.context),
                               "context": self.context});
        if start + limit < found.len() || self.endless_search {
            let mut next = url::form_urlencoded::Serializer::new(String::new());
            next.append_pair("cql", text);
            next.append_pair("limit", &limit.to_string());
            // Cloud pages with an opaque cursor, Data Center with start.
            match self.flavour {
                Flavour::Cloud => next.append_pair("cursor", &(start + limit).to_string()),
                Flavour::DataCenter => next.append_pair("start", &(start + limit).to_string()),
            };
            links["next"] = json!(format!("/rest/api/content/search?{}", next.finish()));
        }
        json_response(
            200,
            json!({"results": results, "start": start, "limit": limit,
                   "size": results.len(), "_links": links}),
        )
    }

    fn title_lookup(&self, query: &BTreeMap<String, String>) -> ResponseTemplate {
        let space = query.get("spaceKey").cloned().unwrap_or_default();
        let title = query.get("title").cloned().unwrap_or_default();
        let results: Vec<Value> = self
            .pages
            .values()
            .filter(|p| p.visible && p.space == space && p.title == title)
            .map(|p| json!({"id": p.id.to_string(), "type": p.kind, "title": p.title}))
            .collect();
        json_response(200, json!({"results": results, "size": results.len()}))
    }
}

fn code(status: u16) -> &'static str {
    match status {
        400 => "INVALID_REQUEST_PARAMETER",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "CONFLICT",
        _ => "ERROR",
    }
}

fn exception(status: u16) -> &'static str {
    match status {
        400 => "BadRequestException",
        403 => "PermissionException",
        404 => "NotFoundException",
        409 => "ConflictException",
        _ => "ServiceException",
    }
}

fn json_response(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// Matches requests under the wiki's context path.
struct UnderContext(String);

impl wiremock::Match for UnderContext {
    fn matches(&self, request: &Request) -> bool {
        request.url.path().starts_with(&format!("{}/", self.0))
    }
}

async fn mount(server: &MockServer, state: &Arc<Mutex<State>>) {
    let context = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .context
        .clone();
    let state = Arc::clone(state);
    Mock::given(UnderContext(context))
        .respond_with(move |request: &Request| {
            state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .handle(request)
        })
        // Before the fake Jira's catch-all.
        .with_priority(1)
        .named("fake Confluence")
        .mount(server)
        .await;
}
