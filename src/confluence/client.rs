//! The requests pm-sync sends to Confluence and what their answers mean: Cloud REST v2 for
//! pages (v1 content is being removed there), v1 for CQL search; Data Center v1 throughout.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::error::ConfluenceError;
use super::reference::PageRef;
use crate::jira::client::{Call, JiraClient, JiraConfig};
use crate::jira::error::ApiErrors;

/// Which Confluence the client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Confluence Cloud: `https://SITE.atlassian.net/wiki`, Basic auth (the Jira account).
    Cloud,
    /// Confluence Data Center: `https://HOST[/CONTEXT]`, a Confluence personal access token.
    DataCenter,
}

/// A page as read: what a write needs to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page id.
    pub id: u64,
    /// Its title (a write must echo it).
    pub title: String,
    /// The version read; a write sends this + 1.
    pub version: u64,
    /// The body in storage format, exactly as Confluence sent it.
    pub body: String,
    /// Whether this user may edit it, when the answer said (`None`: not said; the `PUT`
    /// decides).
    pub can_edit: Option<bool>,
    /// The page's address for people.
    pub web_url: String,
}

/// A page a CQL search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHit {
    /// The page id.
    pub id: u64,
    /// Its title.
    pub title: String,
}

/// A Confluence site.
#[derive(Debug, Clone)]
pub struct ConfluenceClient {
    http: JiraClient,
    flavour: Flavour,
    base: Url,
}

/// The version message of every pm-sync write (shown in the page history).
pub const VERSION_MESSAGE: &str = "pm-sync: Jira keys and statuses of the action items";

/// Search results per request (Confluence caps it; 50 is safe on both flavours).
const SEARCH_LIMIT: usize = 50;

impl ConfluenceClient {
    /// A client for the wiki at `config.base_url` (Cloud: the site + `/wiki`; Data Center: the
    /// host and context path), with the Jira client's transport and limits.
    pub fn new(config: JiraConfig, flavour: Flavour) -> Result<Self, ConfluenceError> {
        let base = config.base_url.clone();
        Ok(Self {
            http: JiraClient::new(config)?,
            flavour,
            base,
        })
    }

    /// Which Confluence this is.
    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The wiki's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// How messages name page `id`: `confluence:ID`.
    pub fn name_of(id: u64) -> String {
        format!("confluence:{id}")
    }

    /// Resolves a reference to a page id (a title lookup for `/display/SPACE/Title`).
    pub async fn resolve(&self, page: &PageRef) -> Result<u64, ConfluenceError> {
        match page {
            PageRef::Id(id) => Ok(*id),
            PageRef::Title { space, title } => {
                let call = Call::new(Method::GET, "/rest/api/content")
                    .query("spaceKey", space.as_str())
                    .query("title", title.as_str())
                    .query("type", "page");
                let reply = self.http.send(&call).await?;
                #[derive(Deserialize)]
                struct Found {
                    results: Vec<Hit>,
                }
                #[derive(Deserialize)]
                struct Hit {
                    id: String,
                }
                let found: Found = reply.decode(&call)?;
                found
                    .results
                    .first()
                    .and_then(|hit| hit.id.parse().ok())
                    .ok_or_else(|| ConfluenceError::NotFound {
                        page: format!("\"{title}\" in space {space}"),
                    })
            }
        }
    }

    /// Reads page `id` in storage format with its version and, where the API gives it in the
    /// same request, whether this user may edit it.
    pub async fn page(&self, id: u64) -> Result<Page, ConfluenceError> {
        let name = Self::name_of(id);
        let call = match self.flavour {
            Flavour::Cloud => Call::new(Method::GET, format!("/api/v2/pages/{id}"))
                .query("body-format", "storage")
                .query("include-operations", "true"),
            Flavour::DataCenter => Call::new(Method::GET, format!("/rest/api/content/{id}"))
                .query("expand", "body.storage,version,operations"),
        }
        .pass_through(&[403, 404]);
        let reply = self.http.send(&call).await?;
        match reply.status {
            // v2 answers 404 for a page the user may not see; v1 and DC answer 403 or 404.
            403 | 404 => return Err(ConfluenceError::NotFound { page: name }),
            _ => {}
        }
        let raw: RawPage = reply.decode(&call)?;
        let status = raw.status.clone().unwrap_or_else(|| "current".into());
        if status != "current" {
            return Err(ConfluenceError::NotCurrent { page: name, status });
        }
        // A body in another representation (`view`: rendered HTML) under `storage` would be
        // written back as the page's source, replacing its macros, mentions and layout.
        let body = raw
            .body
            .and_then(|b| b.storage)
            .filter(|s| {
                s.representation
                    .as_deref()
                    .is_none_or(|r| r.eq_ignore_ascii_case("storage"))
            })
            .map(|s| s.value)
            .ok_or_else(|| ConfluenceError::Protocol {
                request: call.label(),
                message: "the answer holds no storage-format body".into(),
            })?;
        let version = raw
            .version
            .map(|v| v.number)
            .ok_or_else(|| ConfluenceError::Protocol {
                request: call.label(),
                message: "the answer holds no version".into(),
            })?;
        let can_edit = raw.operations.map(|ops| {
            ops.list()
                .iter()
                .any(|op| op.operation == "update" && op.target_type.as_deref() != Some("space"))
        });
        let web_url = raw
            .links
            .and_then(|links| links.webui)
            .map(|webui| format!("{}{webui}", self.base.as_str().trim_end_matches('/')))
            .unwrap_or_else(|| self.page_url(id));
        Ok(Page {
            id,
            title: raw.title,
            version,
            body,
            can_edit,
            web_url,
        })
    }

    /// The address of page `id` for people when the answer gave none.
    pub fn page_url(&self, id: u64) -> String {
        format!(
            "{}/pages/viewpage.action?pageId={id}",
            self.base.as_str().trim_end_matches('/')
        )
    }

    /// Writes `body` as the new version of `page` (its version + 1, its title, a version
    /// message naming pm-sync, a minor edit so watchers are not mailed). A `409` (someone saved
    /// in between) is [`ConfluenceError::KeptChanging`] with one attempt: the caller reads
    /// again and re-applies. Returns the new version number.
    pub async fn update(&self, page: &Page, body: &str) -> Result<u64, ConfluenceError> {
        let name = Self::name_of(page.id);
        let next = page.version + 1;
        let version = json!({"number": next, "message": VERSION_MESSAGE, "minorEdit": true});
        let call = match self.flavour {
            Flavour::Cloud => {
                Call::new(Method::PUT, format!("/api/v2/pages/{}", page.id)).json(json!({
                    "id": page.id.to_string(),
                    "status": "current",
                    "title": page.title,
                    "body": {"representation": "storage", "value": body},
                    "version": version,
                }))
            }
            Flavour::DataCenter => Call::new(Method::PUT, format!("/rest/api/content/{}", page.id))
                .json(json!({
                    "id": page.id.to_string(),
                    "type": "page",
                    "status": "current",
                    "title": page.title,
                    "body": {"storage": {"representation": "storage", "value": body}},
                    "version": version,
                })),
        }
        .pass_through(&[400, 403, 404, 409]);
        let reply = self.http.send(&call).await?;
        match reply.status {
            409 => Err(ConfluenceError::KeptChanging {
                page: name,
                attempts: 1,
            }),
            403 => Err(ConfluenceError::NoEditPermission { page: name }),
            404 => Err(ConfluenceError::NotFound { page: name }),
            400 => Err(ConfluenceError::Refused {
                request: call.label(),
                status: 400,
                detail: detail(&reply.body),
            }),
            _ => {
                #[derive(Deserialize)]
                struct Saved {
                    version: Option<RawVersion>,
                }
                let saved: Saved = reply.decode(&call)?;
                match saved.version.map(|v| v.number) {
                    // An answer naming an older version than the one sent did not save it.
                    Some(number) if number < next => Err(ConfluenceError::Protocol {
                        request: call.label(),
                        message: format!(
                            "the save answered version {number}, not the {next} it was given: \
                             the page may not be saved; run pm-sync again (it finds any \
                             ticket it created by search)"
                        ),
                    }),
                    number => Ok(number.unwrap_or(next)),
                }
            }
        }
    }

    /// The pages a CQL query selects (pages only: `type = page` is added), every result page
    /// followed through `_links.next`.
    pub async fn search(&self, cql: &str) -> Result<Vec<PageHit>, ConfluenceError> {
        let query = format!("type = page AND ({cql})");
        let mut hits = Vec::new();
        let mut call = Call::new(Method::GET, "/rest/api/content/search")
            .query("cql", query.as_str())
            .query("limit", SEARCH_LIMIT.to_string())
            .pass_through(&[400]);
        // A next link is no proof of progress: one seen before, or pages that bring no page
        // not seen before (empty, or the one before again), end the search with an error
        // rather than page forever.
        let mut seen_links: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut seen_ids: std::collections::HashSet<u64> = std::collections::HashSet::new();
        let mut stale_pages = 0;
        loop {
            let reply = self.http.send(&call).await?;
            if reply.status == 400 {
                return Err(ConfluenceError::Refused {
                    request: format!("search `{cql}`"),
                    status: 400,
                    detail: detail(&reply.body),
                });
            }
            #[derive(Deserialize)]
            struct Results {
                results: Vec<RawHit>,
                #[serde(rename = "_links", default)]
                links: Option<SearchLinks>,
            }
            #[derive(Deserialize)]
            struct RawHit {
                id: String,
                #[serde(default)]
                title: String,
                #[serde(rename = "type", default)]
                kind: Option<String>,
            }
            #[derive(Deserialize)]
            struct SearchLinks {
                next: Option<String>,
                base: Option<String>,
                context: Option<String>,
            }
            let page: Results = reply.decode(&call)?;
            let mut new_here = false;
            for hit in page.results {
                let Ok(id) = hit.id.parse::<u64>() else {
                    continue;
                };
                let fresh = seen_ids.insert(id);
                new_here |= fresh;
                if !fresh || hit.kind.as_deref().is_some_and(|k| k != "page") {
                    continue;
                }
                hits.push(PageHit {
                    id,
                    title: hit.title,
                });
            }
            let Some(links) = page.links else { break };
            let Some(next) = links.next else { break };
            stale_pages = if new_here { 0 } else { stale_pages + 1 };
            if !seen_links.insert(next.clone()) || stale_pages == 3 {
                return Err(ConfluenceError::Protocol {
                    request: format!("search `{cql}`"),
                    message: "its result pages do not move on (a next link seen before, or \
                              pages with nothing new): stopped rather than page forever"
                        .to_owned(),
                });
            }
            call = Call::new(Method::GET, self.relative(&next, links.base, links.context))
                .pass_through(&[400]);
        }
        Ok(hits)
    }

    /// `next` (relative to the context, e.g. `/rest/api/content/search?…&cursor=…`) as a
    /// path below the client's base.
    fn relative(&self, next: &str, base: Option<String>, context: Option<String>) -> String {
        if let Ok(absolute) = Url::parse(next) {
            let base = self.base.as_str().trim_end_matches('/');
            return absolute
                .as_str()
                .strip_prefix(base)
                .unwrap_or(absolute.path())
                .to_owned();
        }
        // Relative to `_links.base`, which is the client's base; a context path our base
        // already ends with is not repeated.
        let _ = base;
        match context {
            Some(context) if !context.is_empty() && next.starts_with(&context) => {
                let ours = self.base.path().trim_end_matches('/');
                if ours.ends_with(context.trim_end_matches('/')) {
                    next[context.len()..].to_owned()
                } else {
                    next.to_owned()
                }
            }
            _ => next.to_owned(),
        }
    }

    /// Checks the credentials: the current user, refused when Confluence answers as anonymous
    /// (a Data Center PAT it did not accept is served as anonymous, not refused).
    pub async fn current_user(&self) -> Result<String, ConfluenceError> {
        let call = Call::new(Method::GET, "/rest/api/user/current");
        let reply = self.http.send(&call).await?;
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct User {
            #[serde(rename = "type", default)]
            kind: Option<String>,
            #[serde(default)]
            display_name: Option<String>,
        }
        let user: User = reply.decode(&call)?;
        if user.kind.as_deref() == Some("anonymous") {
            return Err(ConfluenceError::Anonymous);
        }
        Ok(user.display_name.unwrap_or_default())
    }
}

/// Confluence's error message, from either body shape (v2 `errors[]`, v1 `message`).
fn detail(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct V1 {
        message: Option<String>,
    }
    #[derive(Deserialize)]
    struct V2 {
        errors: Vec<V2Error>,
    }
    #[derive(Deserialize)]
    struct V2Error {
        title: Option<String>,
    }
    if let Ok(V2 { errors }) = serde_json::from_slice::<V2>(body) {
        let titles: Vec<String> = errors.into_iter().filter_map(|e| e.title).collect();
        if !titles.is_empty() {
            return format!(": {}", titles.join("; "));
        }
    }
    if let Ok(V1 {
        message: Some(message),
    }) = serde_json::from_slice::<V1>(body)
    {
        return format!(": {message}");
    }
    let api = ApiErrors::from_body(body);
    if api.is_empty() {
        String::new()
    } else {
        format!(": {api}")
    }
}

/// A page as either API answers it (v2 puts the body under `body.storage` when asked for
/// storage, as v1 does).
#[derive(Deserialize)]
struct RawPage {
    title: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    version: Option<RawVersion>,
    #[serde(default)]
    body: Option<RawBody>,
    #[serde(default)]
    operations: Option<RawOperations>,
    #[serde(rename = "_links", default)]
    links: Option<RawLinks>,
}

#[derive(Deserialize)]
struct RawVersion {
    number: u64,
}

#[derive(Deserialize)]
struct RawBody {
    storage: Option<RawStorage>,
}

#[derive(Deserialize)]
struct RawStorage {
    value: String,
    /// `storage` (absent in some answers, taken as asked).
    #[serde(default)]
    representation: Option<String>,
}

#[derive(Deserialize)]
struct RawLinks {
    webui: Option<String>,
}

/// v1/DC `operations: [...]`, v2 `operations: {results: [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawOperations {
    List(Vec<RawOperation>),
    Results { results: Vec<RawOperation> },
}

impl RawOperations {
    fn list(&self) -> &[RawOperation] {
        match self {
            Self::List(list) | Self::Results { results: list } => list,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOperation {
    operation: String,
    #[serde(default)]
    target_type: Option<String>,
}
