//! Issue operations: who am I, project and create screen, bulk create, edit, remote links,
//! and reading many issues by key.

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::adf;
use super::client::{Call, JiraClient};
use super::error::{ApiErrors, JiraError};
use super::model::{
    CreateFields, CreateOutcome, Deployment, FetchedIssues, FieldMeta, Issue, IssueKey, IssueType,
    NewIssue, Project, SharedParts, Status, StatusCategory, Tracking, User,
};

/// Jira Cloud's documented cap for `POST /issue/bulk` ("Creates upto 50 issues"); used for
/// Data Center too, whose cap is undocumented.
pub const BULK_CREATE_LIMIT: usize = 50;

/// Cloud's cap for `POST /issue/bulkfetch`.
pub const BULK_FETCH_LIMIT: usize = 100;

/// The fields every read asks for (`created`, `resolutiondate`, `duedate` and `assignee` also
/// feed the dashboard, in the same request).
pub(crate) const READ_FIELDS: [&str; 9] = [
    "summary",
    "labels",
    "status",
    "resolution",
    "assignee",
    "duedate",
    "priority",
    "created",
    "resolutiondate",
];

/// An issue as Jira sends it (`IssueBean`), reduced to what pm-sync reads.
#[derive(Debug, Deserialize)]
pub(crate) struct WireIssue {
    pub id: String,
    pub key: Option<String>,
    #[serde(default)]
    pub fields: Option<WireFields>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireFields {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub status: Option<WireStatus>,
    #[serde(default)]
    pub resolution: Option<WireNamed>,
    #[serde(default)]
    pub assignee: Option<super::model::Assignee>,
    #[serde(default)]
    pub duedate: Option<String>,
    #[serde(default)]
    pub priority: Option<WireNamed>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub resolutiondate: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireStatus {
    pub name: String,
    #[serde(default)]
    pub status_category: Option<WireCategory>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireCategory {
    pub key: StatusCategory,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireNamed {
    pub name: String,
}

impl WireIssue {
    /// Converts to [`Issue`]; `None` if Jira left out the key or the fields we asked for.
    pub fn into_issue(self) -> Option<Issue> {
        self.into_issue_sharing(&mut SharedParts::default())
    }

    /// As [`WireIssue::into_issue`], its labels shared with the issue read before it when they
    /// are the same (see [`SharedParts`]).
    pub fn into_issue_sharing(self, shared_parts: &mut SharedParts) -> Option<Issue> {
        let key = IssueKey::parse(self.key.as_deref()?)?;
        let fields = self.fields?;
        let status = fields.status?;
        Some(Issue {
            id: super::model::IssueId::parse(&self.id)?,
            key,
            summary: fields.summary.unwrap_or_default().into(),
            labels: shared_parts.share(fields.labels.into()),
            status: Status {
                name: shared_parts.status(status.name),
                category: status
                    .status_category
                    .map_or(StatusCategory::Undefined, |c| c.key),
            },
            resolution: fields.resolution.map(|r| r.name.into()),
            tracking: super::model::TrackingBox::new(Tracking {
                created: fields.created.as_deref().and_then(Tracking::parse_datetime),
                resolved: fields
                    .resolutiondate
                    .as_deref()
                    .and_then(Tracking::parse_datetime),
                due: fields
                    .duedate
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            }),
            planning: shared_parts.planning(super::model::Planning {
                assignee: fields.assignee.map(std::sync::Arc::new),
                due: fields.duedate,
                priority: fields.priority.map(|p| p.name),
            }),
        })
    }
}

pub(crate) fn incomplete(call: &Call, id: &str) -> JiraError {
    JiraError::Protocol {
        request: call.label(),
        message: format!("issue {id} came back without key, summary or status"),
    }
}

/// One page of a createmeta listing: Cloud says `issueTypes`/`fields`, Data Center `values`.
#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    bound(deserialize = "T: serde::de::DeserializeOwned")
)]
struct MetaPage<T> {
    #[serde(default, alias = "issueTypes", alias = "fields", alias = "values")]
    items: Vec<T>,
    #[serde(default)]
    total: Option<usize>,
    #[serde(default)]
    is_last: Option<bool>,
    /// Where the page starts, as Jira says (checked against the place asked).
    #[serde(default)]
    start_at: Option<usize>,
}

/// The most pages a createmeta listing may take (200 items each): a project's issue types or
/// an issue type's fields are a few hundred at most, so more is a server that never ends.
const MAX_META_PAGES: usize = 100;

impl JiraClient {
    /// `GET /myself`: proves the credentials work. An anonymous answer (Seraph's
    /// `AUTHENTICATED_FAILED`, `X-AUSERNAME: anonymous`) is an [`JiraError::Unauthorized`].
    pub async fn myself(&self) -> Result<User, JiraError> {
        let api = self.api().await?;
        let call = Call::new(Method::GET, format!("{api}/myself"));
        self.send(&call).await?.decode(&call)
    }

    /// `GET /project/{key}` with its issue types; an unknown project is
    /// [`JiraError::NotFound`] naming it.
    pub async fn project(&self, key: &str) -> Result<Project, JiraError> {
        let api = self.api().await?;
        let call = Call::new(Method::GET, format!("{api}/project/{}", enc(key)))
            .permission("Browse projects")
            .subject(format!("project `{key}`"));
        self.send(&call).await?.decode(&call)
    }

    /// The create screen for `issue_type` in `project` (createmeta, paged): which fields
    /// exist and which are required. An unknown issue type is [`JiraError::NotFound`] listing
    /// the project's types.
    pub async fn create_fields(
        &self,
        project: &str,
        issue_type: &str,
    ) -> Result<CreateFields, JiraError> {
        let api = self.api().await?;
        let base = format!("{api}/issue/createmeta/{}/issuetypes", enc(project));
        let types: Vec<IssueType> = self
            .meta_pages(&base, format!("project `{project}`"))
            .await?;
        let Some(found) = types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(issue_type))
            .cloned()
        else {
            let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
            return Err(JiraError::NotFound {
                request: format!("GET {base}"),
                what: format!("issue type `{issue_type}` in project `{project}`"),
                detail: format!(": this project offers {}", names.join(", ")),
            });
        };
        self.create_fields_of(project, found).await
    }

    /// The create screen of an issue type whose id is known already (from [`Self::project`]'s
    /// issue types): one createmeta read instead of two, since the screen is addressed by the
    /// type's id and the project read names every type with its id.
    pub async fn create_fields_of(
        &self,
        project: &str,
        issue_type: IssueType,
    ) -> Result<CreateFields, JiraError> {
        let api = self.api().await?;
        let path = format!(
            "{api}/issue/createmeta/{}/issuetypes/{}",
            enc(project),
            enc(&issue_type.id)
        );
        let fields: Vec<FieldMeta> = self
            .meta_pages(
                &path,
                format!("issue type `{}` in project `{project}`", issue_type.name),
            )
            .await?;
        Ok(CreateFields { issue_type, fields })
    }

    async fn meta_pages<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        subject: String,
    ) -> Result<Vec<T>, JiraError> {
        let mut all = Vec::new();
        for _ in 0..MAX_META_PAGES {
            let asked = all.len();
            let call = Call::new(Method::GET, path)
                .query("startAt", asked.to_string())
                .query("maxResults", "200")
                .permission("Create issues")
                .subject(subject.clone());
            let page: MetaPage<T> = self.send(&call).await?.decode(&call)?;
            // A server that answers the first page whatever is asked would be read forever.
            if let Some(answered) = page.start_at.filter(|answered| *answered != asked) {
                return Err(JiraError::Protocol {
                    request: call.label(),
                    message: format!(
                        "asked for the page at startAt={asked}, Jira answered the one at \
                         startAt={answered}: its pages do not move on"
                    ),
                });
            }
            let got = page.items.len();
            all.extend(page.items);
            let done =
                got == 0 || page.is_last == Some(true) || page.total.is_none_or(|t| all.len() >= t);
            if done {
                return Ok(all);
            }
        }
        Err(JiraError::Protocol {
            request: format!("GET {path}"),
            message: format!(
                "the listing did not end after {MAX_META_PAGES} pages ({} items)",
                all.len()
            ),
        })
    }

    /// Creates `issues` with one `POST /issue/bulk` per [`BULK_CREATE_LIMIT`] items (chunks in
    /// parallel up to the concurrency cap) and returns one outcome per item, in request order.
    ///
    /// Never retried blindly: a timeout, lost response or 5xx after sending makes every item
    /// of that chunk [`CreateOutcome::Ambiguous`] (a 503 too, `Retry-After` or not: a gateway
    /// may answer it after the create committed); a 429 (the rate limiter turned it away:
    /// nothing was created) is retried.
    pub async fn create_issues(&self, issues: &[NewIssue]) -> Vec<CreateOutcome> {
        if issues.is_empty() {
            return Vec::new();
        }
        let deployment = match self.deployment().await {
            Ok(d) => d,
            Err(e) => {
                return issues
                    .iter()
                    .map(|_| CreateOutcome::Rejected {
                        message: format!("not sent: {e}"),
                    })
                    .collect();
            }
        };
        let mut set = JoinSet::new();
        for (n, chunk) in issues.chunks(BULK_CREATE_LIMIT).enumerate() {
            let client = self.clone();
            let chunk = chunk.to_vec();
            set.spawn(async move { (n, client.create_chunk(deployment, &chunk).await) });
        }
        let mut chunks: Vec<(usize, Vec<CreateOutcome>)> = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(done) => chunks.push(done),
                Err(e) => {
                    // A panicked task: we cannot know what it sent. Should not happen.
                    tracing::error!(error = %e, "create task failed");
                }
            }
        }
        chunks.sort_by_key(|(n, _)| *n);
        let mut out: Vec<CreateOutcome> = chunks.into_iter().flat_map(|(_, o)| o).collect();
        while out.len() < issues.len() {
            out.push(CreateOutcome::Ambiguous {
                message: "the create task failed unexpectedly".into(),
            });
        }
        unclaim_repeated_keys(&mut out);
        out
    }

    async fn create_chunk(&self, deployment: Deployment, chunk: &[NewIssue]) -> Vec<CreateOutcome> {
        let api = if deployment == Deployment::Cloud {
            "/rest/api/3"
        } else {
            "/rest/api/2"
        };
        let updates: Vec<Value> = chunk
            .iter()
            .map(|i| issue_body(i, deployment == Deployment::Cloud))
            .collect();
        let call = Call::new(Method::POST, format!("{api}/issue/bulk"))
            .json(json!({ "issueUpdates": updates }))
            .create()
            .permission("Create issues")
            .pass_through(&[400]);
        let reply = match self.send(&call).await {
            Ok(r) => r,
            Err(e) => {
                let ambiguous = e.is_ambiguous();
                let message = e.to_string();
                return chunk
                    .iter()
                    .map(|_| {
                        if ambiguous {
                            CreateOutcome::Ambiguous {
                                message: message.clone(),
                            }
                        } else {
                            CreateOutcome::Rejected {
                                message: message.clone(),
                            }
                        }
                    })
                    .collect();
            }
        };
        match reply.decode::<CreatedIssues>(&call) {
            Ok(created) if reply.status != 400 || !created.errors.is_empty() => {
                map_created(chunk, created, &call)
            }
            decoded => {
                // A 400 that is not a CreatedIssues body (bad structure): nothing was created.
                let api_errors = ApiErrors::from_body(&reply.body);
                let message = match decoded {
                    Err(e) if reply.status != 400 => {
                        // 2xx we cannot read: something may have been created.
                        let msg = e.to_string();
                        return chunk
                            .iter()
                            .map(|_| CreateOutcome::Ambiguous {
                                message: msg.clone(),
                            })
                            .collect();
                    }
                    _ => format!("{}: HTTP 400: {api_errors}", call.label()),
                };
                chunk
                    .iter()
                    .map(|_| CreateOutcome::Rejected {
                        message: message.clone(),
                    })
                    .collect()
            }
        }
    }

    /// Edits one issue: `fields.summary` when given, and `update.labels[].add` for each label so
    /// labels already on the issue stay. No request when there is nothing to change.
    pub async fn edit_issue(
        &self,
        key: &IssueKey,
        summary: Option<&str>,
        add_labels: &[String],
    ) -> Result<(), JiraError> {
        if summary.is_none() && add_labels.is_empty() {
            return Ok(());
        }
        let api = self.api().await?;
        let mut body = serde_json::Map::new();
        if let Some(s) = summary {
            body.insert("fields".into(), json!({ "summary": s }));
        }
        if !add_labels.is_empty() {
            let adds: Vec<Value> = add_labels.iter().map(|l| json!({ "add": l })).collect();
            body.insert("update".into(), json!({ "labels": adds }));
        }
        let call = Call::new(Method::PUT, format!("{api}/issue/{}", key.as_str()))
            .json(Value::Object(body))
            .permission("Edit issues")
            .subject(format!("issue `{key}`"));
        self.send(&call).await.map(|_| ())
    }

    /// `GET /issue/{key}/transitions`: the transitions this user may make from the issue's
    /// current status (ids differ per workflow, so they are looked up, never hard-coded).
    pub async fn transitions(&self, key: &IssueKey) -> Result<Vec<Transition>, JiraError> {
        #[derive(Deserialize)]
        struct Transitions {
            #[serde(default)]
            transitions: Vec<Transition>,
        }
        let api = self.api().await?;
        let call = Call::new(
            Method::GET,
            format!("{api}/issue/{}/transitions", key.as_str()),
        )
        .permission("Transition issues")
        .subject(format!("issue `{key}`"));
        let page: Transitions = self.send(&call).await?.decode(&call)?;
        Ok(page.transitions)
    }

    /// `POST /issue/{key}/transitions` with the transition's id (Jira answers 204).
    pub async fn transition_issue(&self, key: &IssueKey, id: &str) -> Result<(), JiraError> {
        let api = self.api().await?;
        let call = Call::new(
            Method::POST,
            format!("{api}/issue/{}/transitions", key.as_str()),
        )
        .json(json!({ "transition": { "id": id } }))
        .permission("Transition issues")
        .subject(format!("issue `{key}`"));
        self.send(&call).await.map(|_| ())
    }

    /// Sets `fields` (already in their JSON shapes, e.g. `assignee`, `duedate`, `priority`) on
    /// one issue. No request when there is nothing to set.
    pub async fn set_fields(
        &self,
        key: &IssueKey,
        fields: &serde_json::Map<String, Value>,
    ) -> Result<(), JiraError> {
        if fields.is_empty() {
            return Ok(());
        }
        let api = self.api().await?;
        let call = Call::new(Method::PUT, format!("{api}/issue/{}", key.as_str()))
            .json(json!({ "fields": fields }))
            .permission("Edit issues")
            .subject(format!("issue `{key}`"));
        self.send(&call).await.map(|_| ())
    }

    /// `GET /issue/{key}/remotelink`: the issue's remote links (`globalId` and URL).
    pub async fn remote_links(&self, key: &IssueKey) -> Result<Vec<RemoteLink>, JiraError> {
        let api = self.api().await?;
        let call = Call::new(
            Method::GET,
            format!("{api}/issue/{}/remotelink", key.as_str()),
        )
        .subject(format!("issue `{key}`"));
        self.send(&call).await?.decode(&call)
    }

    /// Creates or updates (by `global_id`) a remote link from the issue to `url`.
    pub async fn upsert_remote_link(
        &self,
        key: &IssueKey,
        global_id: &str,
        url: &str,
        title: &str,
    ) -> Result<(), JiraError> {
        let api = self.api().await?;
        let body = json!({
            "globalId": global_id,
            "application": {"type": "pm-sync", "name": "pm-sync"},
            "relationship": "post-mortem",
            "object": {"url": url, "title": title},
        });
        // Upsert by globalId is idempotent, so it may be retried like a read.
        let call = Call::new(
            Method::POST,
            format!("{api}/issue/{}/remotelink", key.as_str()),
        )
        .json(body)
        .permission("Link issues")
        .subject(format!("issue `{key}`"));
        self.send(&call).await.map(|_| ())
    }

    /// Reads many issues by key. Cloud: `POST /rest/api/3/issue/bulkfetch`, ≤100 per request.
    /// Data Center: `/rest/api/2/search` with `key in (…)` and `validateQuery=false`. Batches run
    /// in parallel up to the concurrency cap. Deleted or invisible keys land in `missing`;
    /// a moved issue is found under the asked key, carrying its new key.
    pub async fn fetch_issues(&self, keys: &[IssueKey]) -> Result<FetchedIssues, JiraError> {
        self.fetch_issues_with(keys, true).await
    }

    /// [`JiraClient::fetch_issues`], each issue's dates let go as it arrives (a sync reads
    /// none of them: 100,000 linked tickets held ~30 bytes of dates each until all were read).
    pub async fn fetch_issues_undated(
        &self,
        keys: &[IssueKey],
    ) -> Result<FetchedIssues, JiraError> {
        self.fetch_issues_with(keys, false).await
    }

    async fn fetch_issues_with(
        &self,
        keys: &[IssueKey],
        keep_dates: bool,
    ) -> Result<FetchedIssues, JiraError> {
        // Each key asked once, compared without case, and found again by its place among the
        // asked ones: the asked keys' places, in the order asked (`unique`) and by key
        // (`by_key`), 8 bytes a key (a map of borrowed keys was ~40, four copies of every key
        // ~250 before that). A report is under 4 GiB, so a place fits a `u32`.
        let place_of = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let key_at = |place: u32| keys[place as usize].as_str();
        let mut by_key: Vec<u32> = (0..keys.len()).map(place_of).collect();
        // The first of keys equal without case is the one asked: sorted by key, then place.
        by_key.sort_unstable_by(|&a, &b| compare_folded(key_at(a), key_at(b)).then(a.cmp(&b)));
        by_key.dedup_by(|later, earlier| compare_folded(key_at(*later), key_at(*earlier)).is_eq());
        let mut unique: Vec<u32> = by_key.clone();
        unique.sort_unstable();
        // `by_key` now holds places among `unique`, in the order of their keys.
        for place in &mut by_key {
            *place = place_of(unique.binary_search(place).unwrap_or_default());
        }
        let find = |key: &str| -> Option<usize> {
            let found =
                by_key.binary_search_by(|&n| compare_folded(key_at(unique[n as usize]), key));
            found.ok().map(|at| by_key[at] as usize)
        };
        if unique.is_empty() {
            return Ok(FetchedIssues::default());
        }
        let deployment = self.deployment().await?;
        // As many reads in flight as requests may be; the next sent as one is answered, so a
        // read's keys are copied only while it is out.
        let mut chunks = unique.chunks(BULK_FETCH_LIMIT);
        let mut set = JoinSet::new();
        let spawn_next = |set: &mut JoinSet<_>, chunks: &mut std::slice::Chunks<'_, u32>| {
            let Some(chunk) = chunks.next() else {
                return;
            };
            let client = self.clone();
            let chunk: Vec<IssueKey> = chunk
                .iter()
                .map(|&place| keys[place as usize].clone())
                .collect();
            set.spawn(async move {
                if deployment == Deployment::Cloud {
                    client.bulkfetch(&chunk).await
                } else {
                    client.search_keys(&chunk).await
                }
            });
        };
        for _ in 0..self.concurrency() {
            spawn_next(&mut set, &mut chunks);
        }
        // Each answer goes straight to the slot of the key asked for it: no second copy of
        // the issues (a map of them beside the list was ~1 KB a ticket at its peak). Should
        // Jira answer a key twice, its last answer counts.
        let mut answered: Vec<Option<Arc<Issue>>> = vec![None; unique.len()];
        let mut people = SharedParts::default();
        while let Some(joined) = set.join_next().await {
            let issues = joined.map_err(|e| JiraError::Protocol {
                request: "fetch_issues".into(),
                message: format!("a fetch task failed: {e}"),
            })??;
            spawn_next(&mut set, &mut chunks);
            for mut issue in issues {
                people.share_assignee(&mut issue);
                if !keep_dates {
                    issue.tracking = Default::default();
                }
                if let Some(n) = find(issue.key.as_str()) {
                    answered[n] = Some(Arc::new(issue));
                }
            }
        }
        drop(by_key);
        // In the order asked; the key asked copied only when it is not the issue's own.
        let mut out = FetchedIssues::default();
        let mut unmatched: Vec<IssueKey> = Vec::new();
        for (place, slot) in unique.into_iter().zip(answered) {
            let asked = &keys[place as usize];
            match slot {
                Some(issue) if issue.key == *asked => out.push_own(issue),
                Some(issue) => out.push_found(asked.clone(), issue),
                None => unmatched.push(asked.clone()),
            }
        }
        // Keys not answered under their own name are deleted, invisible or moved; the
        // single-issue GET resolves moved keys (and 404s the rest).
        let mut set = JoinSet::new();
        for k in unmatched {
            let client = self.clone();
            set.spawn(async move {
                let r = client.get_issue(&k).await;
                (k, r)
            });
        }
        while let Some(joined) = set.join_next().await {
            let (k, r) = joined.map_err(|e| JiraError::Protocol {
                request: "fetch_issues".into(),
                message: format!("a fetch task failed: {e}"),
            })?;
            match r? {
                Some(mut issue) => {
                    if !keep_dates {
                        issue.tracking = Default::default();
                    }
                    out.push_found(k, Arc::new(issue));
                }
                None => out.missing.push(k),
            }
        }
        out.missing.sort();
        Ok(out)
    }

    /// `GET /issue/{key}`; `Ok(None)` on 404 (deleted or not visible). Jira resolves moved
    /// keys here and answers with the current key.
    pub async fn get_issue(&self, key: &IssueKey) -> Result<Option<Issue>, JiraError> {
        let api = self.api().await?;
        let call = Call::new(Method::GET, format!("{api}/issue/{}", key.as_str()))
            .query("fields", READ_FIELDS.join(","))
            .permission("Browse projects")
            .subject(format!("issue `{key}`"));
        match self.send(&call).await {
            Ok(reply) => {
                let wire: WireIssue = reply.decode(&call)?;
                let id = wire.id.clone();
                wire.into_issue()
                    .map(Some)
                    .ok_or_else(|| incomplete(&call, &id))
            }
            Err(JiraError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn bulkfetch(&self, keys: &[IssueKey]) -> Result<Vec<Issue>, JiraError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct BulkFetch {
            #[serde(default)]
            issues: Vec<WireIssue>,
            #[serde(default)]
            issue_errors: Vec<Value>,
        }
        let call = Call::new(Method::POST, "/rest/api/3/issue/bulkfetch")
            .json(json!({
                "issueIdsOrKeys": keys.iter().map(IssueKey::as_str).collect::<Vec<_>>(),
                "fields": READ_FIELDS,
            }))
            .permission("Browse projects");
        let page: BulkFetch = self.send(&call).await?.decode(&call)?;
        if !page.issue_errors.is_empty() {
            // Listed errors are retriable ones (not-found keys are silently omitted).
            return Err(JiraError::Protocol {
                request: call.label(),
                message: format!("Jira reported issue errors: {:?}", page.issue_errors),
            });
        }
        let mut shared_parts = SharedParts::default();
        page.issues
            .into_iter()
            .map(|w| {
                let id = w.id.clone();
                w.into_issue_sharing(&mut shared_parts)
                    .ok_or_else(|| incomplete(&call, &id))
            })
            .collect()
    }
}

/// Percent-encodes a path segment (project keys and ids are plain, but be safe).
pub(crate) fn enc(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// The `IssueUpdateDetails` for one new issue: ADF description on v3, string on v2.
fn issue_body(issue: &NewIssue, adf_description: bool) -> Value {
    let mut fields = serde_json::Map::new();
    fields.insert("project".into(), json!({ "key": &*issue.project }));
    fields.insert("issuetype".into(), json!({ "name": &*issue.issue_type }));
    fields.insert("summary".into(), json!(issue.summary));
    if !issue.labels.is_empty() {
        fields.insert("labels".into(), json!(*issue.labels));
    }
    if let Some(d) = issue
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        let value = if adf_description {
            adf::from_plain_text(d)
        } else {
            json!(d)
        };
        fields.insert("description".into(), value);
    }
    for (id, value) in &issue.fields {
        // pm-sync's own fields win: they are what makes the ticket findable again.
        fields.entry(id.clone()).or_insert_with(|| value.clone());
    }
    let mut body = json!({ "fields": fields });
    if !issue.links.is_empty() {
        // `update.issuelinks[].add` with the existing issue as `outwardIssue`: "this issue
        // <outward description> OPS-100" (Create issue, "update" operations; Issue links).
        let adds: Vec<Value> = issue
            .links
            .iter()
            .map(|l| json!({ "add": { "type": { "name": l.link_type }, "outwardIssue": { "key": l.to } } }))
            .collect();
        body["update"] = json!({ "issuelinks": adds });
    }
    body
}

/// One remote link of an issue, as `GET /issue/{key}/remotelink` lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteLink {
    /// The id it is upserted by, when it has one.
    #[serde(default)]
    pub global_id: Option<String>,
    /// What it points at.
    #[serde(default)]
    pub object: Option<RemoteObject>,
}

/// The target of a remote link.
#[derive(Debug, Clone, Deserialize)]
pub struct RemoteObject {
    /// The URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// One transition offered by `GET /issue/{key}/transitions`.
#[derive(Debug, Clone, Deserialize)]
pub struct Transition {
    /// Its id, sent back to make it.
    pub id: String,
    /// Its name as the workflow shows it, e.g. `Close Issue`.
    pub name: String,
    /// The status it leads to.
    #[serde(default)]
    pub to: Option<TransitionTarget>,
}

/// The status a transition leads to.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransitionTarget {
    /// Status name, e.g. `Won't Do`.
    pub name: String,
    #[serde(default)]
    status_category: Option<WireCategory>,
}

impl TransitionTarget {
    /// Whether the status is in the done category.
    pub fn is_done(&self) -> bool {
        self.category() == StatusCategory::Done
    }

    /// The status's category (`Undefined` when Jira does not say).
    pub fn category(&self) -> StatusCategory {
        self.status_category
            .as_ref()
            .map_or(StatusCategory::Undefined, |c| c.key)
    }
}

/// `CreatedIssues`: successes without index, failures with `failedElementNumber`.
#[derive(Debug, Deserialize)]
struct CreatedIssues {
    #[serde(default)]
    issues: Vec<CreatedIssue>,
    #[serde(default)]
    errors: Vec<BulkError>,
}

#[derive(Debug, Deserialize)]
struct CreatedIssue {
    id: String,
    key: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BulkError {
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    failed_element_number: Option<usize>,
    #[serde(default)]
    element_errors: Option<Value>,
}

/// Maps a `CreatedIssues` back onto request order: failed elements by index, successes to the
/// remaining indices in order. Anything that does not add up is Ambiguous, never guessed. A key
/// of another project than the one asked for is refused: it is not the ticket this item needs,
/// and writing it would link the report to something pm-sync never asked for.
/// An answer that gives one key to several items says nothing true of any of them: each is
/// made ambiguous (found again by search, by its summary and mark), never written into several
/// rows, which would then fight over one ticket's summary on every sync.
fn unclaim_repeated_keys(outcomes: &mut [CreateOutcome]) {
    let mut keys: Vec<&str> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            CreateOutcome::Created { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    keys.sort_unstable();
    let repeated: std::collections::HashSet<String> = keys
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0].to_owned())
        .collect();
    if repeated.is_empty() {
        return;
    }
    for outcome in outcomes {
        if let CreateOutcome::Created { key, .. } = outcome
            && repeated.contains(key.as_str())
        {
            *outcome = CreateOutcome::Ambiguous {
                message: format!(
                    "Jira answered the create with key {key} for more than one item: which \
                     item it belongs to is unknown, so pm-sync looks for each ticket by search"
                ),
            };
        }
    }
}

fn map_created(chunk: &[NewIssue], created: CreatedIssues, call: &Call) -> Vec<CreateOutcome> {
    let n = chunk.len();
    let mut out: Vec<Option<CreateOutcome>> = (0..n).map(|_| None).collect();
    let mut unindexed = Vec::new();
    for err in created.errors {
        let body = err
            .element_errors
            .as_ref()
            .map(|v| ApiErrors::from_body(v.to_string().as_bytes()))
            .unwrap_or_default();
        let status = err
            .status
            .map(|s| format!("HTTP {s}: "))
            .unwrap_or_default();
        let message = format!("{status}{body}");
        match err.failed_element_number {
            Some(i) if i < n && out[i].is_none() => {
                out[i] = Some(CreateOutcome::Rejected { message })
            }
            _ => unindexed.push(message),
        }
    }
    let free: Vec<usize> = (0..n).filter(|i| out[*i].is_none()).collect();
    if unindexed.is_empty() && free.len() == created.issues.len() {
        for (i, c) in free.into_iter().zip(created.issues) {
            out[i] = Some(match IssueKey::parse(&c.key) {
                Some(key) if !key.project().eq_ignore_ascii_case(&chunk[i].project) => {
                    CreateOutcome::Rejected {
                        message: format!(
                            "{}: Jira answered with key {key}, which is not of project {}; \
                             refused, not written (check that [jira] url names the right Jira)",
                            call.label(),
                            chunk[i].project
                        ),
                    }
                }
                Some(key) => CreateOutcome::Created { id: c.id, key },
                None => CreateOutcome::Ambiguous {
                    message: format!("{}: Jira returned an odd key `{}`", call.label(), c.key),
                },
            });
        }
    } else if created.issues.is_empty() && free.len() == unindexed.len() {
        for (i, message) in free.into_iter().zip(unindexed) {
            out[i] = Some(CreateOutcome::Rejected { message });
        }
    }
    out.into_iter()
        .map(|o| {
            o.unwrap_or_else(|| CreateOutcome::Ambiguous {
                message: format!(
                    "{}: Jira's answer could not be matched to this item; reconcile before \
                     creating again",
                    call.label()
                ),
            })
        })
        .collect()
}

/// `key` as keys are compared (without case): borrowed when it is written in capitals, as
/// nearly every key is.
/// `a` against `b` without case, as Jira compares keys.
fn compare_folded(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|byte| byte.to_ascii_uppercase())
        .cmp(b.bytes().map(|byte| byte.to_ascii_uppercase()))
}
