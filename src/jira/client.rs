//! The Jira client and its one `send()`: auth, concurrency cap, retries with `Retry-After`,
//! error decoding and logging. Every request pm-sync makes goes through here.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::sync::{OnceCell, Semaphore};
use url::Url;

use super::error::{ApiErrors, JiraError, TransportKind};
use super::model::{Deployment, IssueKey};

/// How the client authenticates.
///
/// `Debug` prints which kind it is and the email, never the token.
#[derive(Clone)]
pub enum Auth {
    /// Jira Cloud: `Authorization: Basic base64(email:api_token)`.
    Basic {
        /// Atlassian account email.
        email: String,
        /// API token.
        token: SecretString,
    },
    /// Jira Data Center: `Authorization: Bearer <personal access token>`.
    Bearer {
        /// Personal access token.
        token: SecretString,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { email, .. } => f
                .debug_struct("Basic")
                .field("email", email)
                .field("token", &"[REDACTED]")
                .finish(),
            Self::Bearer { .. } => f
                .debug_struct("Bearer")
                .field("token", &"[REDACTED]")
                .finish(),
        }
    }
}

impl Auth {
    /// Adds the `Authorization` header; reqwest marks it sensitive so no logger prints it.
    fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Self::Basic { email, token } => req.basic_auth(email, Some(token.expose_secret())),
            Self::Bearer { token } => req.bearer_auth(token.expose_secret()),
        }
    }

    /// Which credentials to check after a 401, for this kind of auth.
    fn hint(&self) -> String {
        match self {
            Self::Basic { .. } => "Check the email and API token (Jira Cloud uses Basic auth with the \
                 Atlassian account email and an API token; tokens expire). A scoped API token only works \
                 through the gateway URL https://api.atlassian.com/ex/jira/{cloudId}, not the site URL."
                .to_owned(),
            Self::Bearer { .. } => "Check the personal access token (Jira Data Center takes it as a \
                 Bearer token; it may have expired or been revoked)."
                .to_owned(),
        }
    }
}

/// Everything the client needs; `Debug` never shows the token.
#[derive(Clone)]
pub struct JiraConfig {
    /// Site URL, e.g. `https://example.atlassian.net` (a path prefix is kept).
    pub base_url: Url,
    /// Cloud, Data Center, or ask `serverInfo`.
    pub deployment: Deployment,
    /// Credentials.
    pub auth: Auth,
    /// Maximum requests in flight for the whole run.
    pub concurrency: usize,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (connect to end of body).
    pub request_timeout: Duration,
    /// Maximum retries of a retryable failure (attempts = retries + 1).
    pub max_retries: u32,
    /// Floor for every wait: `Retry-After` and backoff never go below it (1 s in production).
    pub min_retry_delay: Duration,
    /// Ceiling for backoff; a `Retry-After` above it ends the retries with an error.
    pub max_retry_delay: Duration,
    /// Extra PEM roots, merged with the OS trust store.
    pub ca_file: Option<PathBuf>,
    /// Largest response body read; a bigger answer is an error, not gigabytes of memory.
    pub max_response_bytes: usize,
    /// Whether a retry is logged as a warning (doctor keeps its checklist clean and logs
    /// retries at debug level instead).
    pub warn_on_retry: bool,
}

/// The default cap on a response body: Jira's largest answers (a bulk read of 100 issues
/// with few fields) are a few hundred KiB.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

impl JiraConfig {
    /// Production defaults for `base_url` and `auth`: Auto deployment, 4 in flight, 10 s connect,
    /// 60 s request, 5 retries, 1 s..60 s waits, no extra CA.
    pub fn new(base_url: Url, auth: Auth) -> Self {
        Self {
            base_url,
            deployment: Deployment::Auto,
            auth,
            concurrency: 4,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_retries: 5,
            min_retry_delay: Duration::from_secs(1),
            max_retry_delay: Duration::from_secs(60),
            ca_file: None,
            max_response_bytes: MAX_RESPONSE_BYTES,
            warn_on_retry: true,
        }
    }
}

impl fmt::Debug for JiraConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JiraConfig")
            .field("base_url", &self.base_url.as_str())
            .field("deployment", &self.deployment)
            .field("auth", &self.auth)
            .field("concurrency", &self.concurrency)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_retries", &self.max_retries)
            .field("min_retry_delay", &self.min_retry_delay)
            .field("max_retry_delay", &self.max_retry_delay)
            .field("ca_file", &self.ca_file)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("warn_on_retry", &self.warn_on_retry)
            .finish()
    }
}

/// A cheap-to-clone handle on one Jira site; all clones share the concurrency cap.
#[derive(Clone)]
pub struct JiraClient {
    pub(crate) inner: Arc<Inner>,
}

impl JiraClient {
    /// How many requests may be in flight at once.
    pub(crate) fn concurrency(&self) -> usize {
        self.inner.concurrency
    }
}

impl fmt::Debug for JiraClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JiraClient")
            .field("base_url", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    http: reqwest::Client,
    base: Url,
    auth: Auth,
    configured: Deployment,
    resolved: OnceCell<Deployment>,
    permits: Semaphore,
    /// How many requests may be in flight at once (the permits' number).
    concurrency: usize,
    max_retries: u32,
    min_retry_delay: Duration,
    max_retry_delay: Duration,
    max_response_bytes: usize,
    warn_on_retry: bool,
    /// Whether the host sent any HTTP response in this run: a refused connection to a host
    /// that answered before is a restart worth waiting for; to one that never did, it is not.
    answered: AtomicBool,
}

/// Whether a request may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// GET, PUT, searches, upserts: retry any retryable failure.
    Idempotent,
    /// Creates: retry only what certainly happened before Jira processed the request.
    Create,
}

/// One request as the operations describe it.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: Method,
    /// Path below the base URL, starting with `/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// The JSON body, serialized once: a bulk create of 50 issues waits for Jira as ~50 KB of
    /// text, not as trees of maps ten times that size, and a retry sends the same bytes.
    pub body: Option<Vec<u8>>,
    pub idempotency: Idempotency,
    /// Permission named in a 403, e.g. "Create issues".
    pub permission: Option<&'static str>,
    /// What a 404 means, e.g. "issue `OPS-12`".
    pub subject: Option<String>,
    /// Extra statuses whose body the caller decodes itself (bulk create's 400).
    pub pass_through: &'static [u16],
}

impl Call {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotency: Idempotency::Idempotent,
            permission: None,
            subject: None,
            pass_through: &[],
        }
    }
    pub fn json(mut self, body: serde_json::Value) -> Self {
        // A `Value` always serializes (its map keys are strings).
        self.body = serde_json::to_vec(&body).ok();
        self
    }
    pub fn query(mut self, k: &str, v: impl Into<String>) -> Self {
        self.query.push((k.to_owned(), v.into()));
        self
    }
    pub fn create(mut self) -> Self {
        self.idempotency = Idempotency::Create;
        self
    }
    pub fn permission(mut self, p: &'static str) -> Self {
        self.permission = Some(p);
        self
    }
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subject = Some(s.into());
        self
    }
    pub fn pass_through(mut self, statuses: &'static [u16]) -> Self {
        self.pass_through = statuses;
        self
    }
    /// `POST /rest/api/3/issue/bulk`: what errors and logs call this request.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A successful (or passed-through) response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    /// Decodes the body; a mismatch names the JSON path.
    pub fn decode<T: DeserializeOwned>(&self, call: &Call) -> Result<T, JiraError> {
        decode(&self.body, call)
    }
}

pub(crate) fn decode<T: DeserializeOwned>(body: &[u8], call: &Call) -> Result<T, JiraError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        // A page, not JSON: most often a single sign-on proxy's login page answered with 200.
        let html = body.trim_ascii_start().starts_with(b"<");
        JiraError::Decode {
            request: call.label(),
            path: e.path().to_string(),
            message: if html {
                "Jira answered with an HTML page, not JSON: most likely the login page of a \
                 single sign-on proxy in front of Jira, or a URL that is not Jira's; check that \
                 [jira] url opens Jira itself and that the proxy lets API tokens through"
                    .to_owned()
            } else {
                e.inner().to_string()
            },
        }
    })
}

/// `localhost`, `127.0.0.0/8` or `[::1]`: the one place that decides where `http://` is
/// allowed (settings and the client both ask here).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl JiraClient {
    /// Builds the client. `http://` is accepted only for loopback hosts (`localhost`,
    /// `127.0.0.0/8`, `[::1]`); `ca_file` roots are merged with the OS trust store.
    pub fn new(config: JiraConfig) -> Result<Self, JiraError> {
        let base = config.base_url.clone();
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            "http" => {
                return Err(JiraError::Config(format!(
                    "`{}` uses http://; Jira URLs must be https:// (http:// is only accepted for \
                     localhost and 127.0.0.1)",
                    base.as_str()
                )));
            }
            other => {
                return Err(JiraError::Config(format!(
                    "`{}` has scheme `{other}`; expected https://",
                    base.as_str()
                )));
            }
        }
        if base.host().is_none() {
            return Err(JiraError::Config(format!(
                "`{}` has no host",
                base.as_str()
            )));
        }
        // reqwest is built without a crypto provider (Cargo.toml: ring, not aws-lc-rs); this
        // makes ring the process default. An Err only says one was installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("pm-sync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(same_origin_redirects());
        // A bad ca_file is reported even where it is not used, so the config stays honest.
        let extra_roots = match &config.ca_file {
            Some(path) => Some(read_ca_file(path)?),
            None => None,
        };
        if base.scheme() == "http" {
            // Loopback only (checked above): a proxy would carry the token in clear text
            // across a network, and there is no TLS, so no trust store to load either.
            builder = builder.no_proxy().tls_certs_only(Vec::new());
        } else if let Some(certs) = extra_roots {
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| JiraError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                auth: config.auth,
                configured: config.deployment,
                resolved: OnceCell::new(),
                permits: Semaphore::new(config.concurrency.max(1)),
                concurrency: config.concurrency.max(1),
                max_retries: config.max_retries,
                min_retry_delay: config.min_retry_delay,
                max_retry_delay: config.max_retry_delay.max(config.min_retry_delay),
                max_response_bytes: config.max_response_bytes,
                warn_on_retry: config.warn_on_retry,
                answered: AtomicBool::new(false),
            }),
        })
    }

    /// `{url}/browse/`: [`JiraClient::browse_url`] of a key is it followed by the key.
    pub fn browse_prefix(&self) -> String {
        self.browse_url_of("").into()
    }

    /// `{base}/browse/KEY`: the page a human opens.
    pub fn browse_url(&self, key: &IssueKey) -> Url {
        self.browse_url_of(key.as_str())
    }

    fn browse_url_of(&self, key: &str) -> Url {
        let mut url = self.inner.base.clone();
        let path = format!("{}/browse/{key}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(None);
        url.set_fragment(None);
        // Links are written into reports (and so into git): scheme, host, port and path only.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url
    }

    /// The deployment: the configured one, or (for `Auto`) what `/rest/api/2/serverInfo`
    /// says, asked once and cached.
    pub async fn deployment(&self) -> Result<Deployment, JiraError> {
        if self.inner.configured != Deployment::Auto {
            return Ok(self.inner.configured);
        }
        self.inner
            .resolved
            .get_or_try_init(|| async {
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct ServerInfo {
                    #[serde(default)]
                    deployment_type: Option<String>,
                }
                let call = Call::new(Method::GET, "/rest/api/2/serverInfo");
                let info: ServerInfo = self.send(&call).await?.decode(&call)?;
                // Data Center says `DataCenter`, Server `Server`, old servers nothing; anything
                // else is not guessed (a wrong guess fails every later request obscurely).
                match info.deployment_type.as_deref() {
                    Some(t) if t.eq_ignore_ascii_case("cloud") => Ok(Deployment::Cloud),
                    None => Ok(Deployment::Datacenter),
                    Some(t)
                        if t.eq_ignore_ascii_case("server")
                            || t.eq_ignore_ascii_case("datacenter")
                            || t.eq_ignore_ascii_case("data center") =>
                    {
                        Ok(Deployment::Datacenter)
                    }
                    Some(other) => Err(JiraError::Protocol {
                        request: call.label(),
                        message: format!(
                            "serverInfo says deploymentType {:?}, neither Cloud nor Server / \
                             Data Center; set [jira] deployment = \"cloud\" or \"datacenter\"",
                            crate::redact::terminal_text(other)
                        ),
                    }),
                }
            })
            .await
            .copied()
    }

    /// `/rest/api/3` on Cloud, `/rest/api/2` on Data Center.
    pub(crate) async fn api(&self) -> Result<&'static str, JiraError> {
        Ok(match self.deployment().await? {
            Deployment::Cloud => "/rest/api/3",
            _ => "/rest/api/2",
        })
    }

    /// Sends `call` with retries; returns 2xx (and `pass_through`) responses, maps the rest to
    /// a typed error.
    pub(crate) async fn send(&self, call: &Call) -> Result<Reply, JiraError> {
        // The last gate before the wire: whatever path a token took into a request (a config
        // value, a template, a report's name), it is not sent.
        let holds_secret = |bytes: &[u8]| crate::redact::find(bytes).is_some();
        if call.body.as_deref().is_some_and(holds_secret)
            || holds_secret(call.path.as_bytes())
            || call
                .query
                .iter()
                .any(|(_, value)| holds_secret(value.as_bytes()))
        {
            return Err(JiraError::SecretInRequest {
                request: call.label(),
            });
        }
        let inner = &self.inner;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(inner.min_retry_delay)
            .with_max_delay(inner.max_retry_delay)
            .with_max_times(inner.max_retries as usize)
            .with_jitter();
        let mut attempts: u32 = 0;
        let mut too_long: Option<Duration> = None;
        let result = (|| {
            attempts += 1;
            self.attempt(call, attempts)
        })
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|e: &JiraError| match call.idempotency {
            Idempotency::Idempotent => e.is_retryable(),
            Idempotency::Create => e.is_safe_to_resend(),
        })
        .adjust(|e: &JiraError, next: Option<Duration>| {
            // `next` is None once max_times is used up: keep that, so the cap holds.
            let next = next?;
            let asked = match e {
                JiraError::Api { retry_after, .. } => *retry_after,
                _ => None,
            };
            match asked {
                Some(wait) if wait > inner.max_retry_delay => {
                    too_long = Some(wait);
                    None
                }
                Some(wait) => Some(wait.max(inner.min_retry_delay)),
                None => Some(next.max(inner.min_retry_delay)),
            }
        })
        .notify(|e: &JiraError, wait: Duration| {
            let wait_ms = wait.as_millis() as u64;
            if inner.warn_on_retry {
                tracing::warn!(request = %call.label(), status = e.status(), wait_ms, "retrying after a retryable failure");
            } else {
                tracing::debug!(request = %call.label(), status = e.status(), wait_ms, "retrying after a retryable failure");
            }
        })
        .await;
        match result {
            Ok(reply) => Ok(reply),
            Err(last) => {
                if let Some(wait) = too_long {
                    return Err(JiraError::RetryAfterTooLong {
                        request: call.label(),
                        wait,
                        max: inner.max_retry_delay,
                        last: Box::new(last),
                    });
                }
                let retried = match call.idempotency {
                    Idempotency::Idempotent => last.is_retryable(),
                    Idempotency::Create => last.is_safe_to_resend(),
                };
                if retried && attempts > 1 {
                    Err(JiraError::RetriesExhausted {
                        request: call.label(),
                        attempts,
                        last: Box::new(last),
                    })
                } else {
                    Err(last)
                }
            }
        }
    }

    fn url(&self, call: &Call) -> Result<Url, JiraError> {
        let base = self.inner.base.as_str().trim_end_matches('/');
        let mut url = Url::parse(&format!("{base}{}", call.path))
            .map_err(|e| JiraError::Config(format!("bad request path {}: {e}", call.path)))?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        Ok(url)
    }

    async fn attempt(&self, call: &Call, attempt: u32) -> Result<Reply, JiraError> {
        let inner = &self.inner;
        let url = self.url(call)?;
        let _permit = inner
            .permits
            .acquire()
            .await
            .map_err(|_| JiraError::Config("the client was shut down".into()))?;
        let mut req = inner
            .auth
            .apply(inner.http.request(call.method.clone(), url))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = &call.body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let started = Instant::now();
        tracing::trace!(request = %call.label(), attempt, "sending");
        let response = req.send().await;
        let mut response = match response {
            Ok(r) => r,
            Err(e) => {
                let answered = inner.answered.load(Ordering::Relaxed);
                let err = transport_error(call, &e, answered);
                tracing::debug!(
                    request = %call.label(),
                    attempt,
                    duration_ms = started.elapsed().as_millis() as u64,
                    error = %err,
                    "no response"
                );
                return Err(err);
            }
        };
        inner.answered.store(true, Ordering::Relaxed);
        let status = response.status();
        let headers = response.headers().clone();
        let limit = inner.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large(call, limit));
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(too_large(call, limit));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(transport_error(call, &e, true)),
            }
        }
        tracing::debug!(
            request = %call.label(),
            attempt,
            status = status.as_u16(),
            duration_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "response"
        );
        if let Some(reason) = anonymous_marker(&headers) {
            return Err(JiraError::Unauthorized {
                request: call.label(),
                reason,
                hint: inner.auth.hint(),
            });
        }
        if status.is_success() || call.pass_through.contains(&status.as_u16()) {
            return Ok(Reply {
                status: status.as_u16(),
                body,
            });
        }
        Err(self.status_error(call, status, &headers, &body))
    }

    fn status_error(
        &self,
        call: &Call,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> JiraError {
        let api = ApiErrors::from_body(body);
        let detail = if api.is_empty() {
            String::new()
        } else {
            format!(": {api}")
        };
        match status.as_u16() {
            300..=399 => JiraError::Redirected {
                request: call.label(),
                to: headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(|location| crate::redact::terminal_text(location).into_owned())
                    .unwrap_or_else(|| "nowhere (no Location header)".to_owned()),
            },
            401 => JiraError::Unauthorized {
                request: call.label(),
                reason: if api.is_empty() {
                    "HTTP 401".to_owned()
                } else {
                    format!("HTTP 401: {api}")
                },
                hint: self.inner.auth.hint(),
            },
            403 => {
                let mut needs = call
                    .permission
                    .map(|p| format!(", needs the '{p}' permission"))
                    .unwrap_or_default();
                if let Some(reason) = headers
                    .get("x-authentication-denied-reason")
                    .and_then(|v| v.to_str().ok())
                {
                    needs = format!(
                        ", login denied ({reason}): log in once in a browser to clear the CAPTCHA, \
                         or use a personal access token"
                    );
                }
                JiraError::Forbidden {
                    request: call.label(),
                    needs,
                    detail,
                }
            }
            404 if call.subject.is_some() => JiraError::NotFound {
                request: call.label(),
                what: call.subject.clone().unwrap_or_default(),
                detail,
            },
            code => JiraError::Api {
                request: call.label(),
                status: code,
                api,
                retry_after: retry_after(headers),
                rate_limited: from_rate_limiter(headers),
            },
        }
    }
}

/// Redirects are followed within the site only (scheme, host and port alike), five at most:
/// one to another address would go there without the credentials (and with a search's body),
/// so its 401 would blame a good token; an `http` URL for an `https` site is a config fix.
/// A redirect not followed comes back as it is ([`JiraError::Redirected`], naming where to).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    const MOST: usize = 5;
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first();
        let same_origin = first.is_some_and(|first| {
            first.scheme() == attempt.url().scheme()
                && first.host_str() == attempt.url().host_str()
                && first.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if same_origin && attempt.previous().len() <= MOST {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Whether Jira's rate limiter answered: Cloud names the limit it hit (`RateLimit-Reason`,
/// `X-RateLimit-Reason`: `jira-burst-based`, …) on the answer that refuses. Bucket headers
/// (`X-RateLimit-Limit`) are not enough: Data Center sends them on every answer to a limited
/// user, a failure after the request ran included; and a gateway's 503 carries none.
fn from_rate_limiter(headers: &HeaderMap) -> bool {
    ["ratelimit-reason", "x-ratelimit-reason"]
        .iter()
        .any(|name| headers.contains_key(*name))
}

/// Anonymous-fallback tell-tales: Seraph's login reason, or `X-AUSERNAME: anonymous`.
fn anonymous_marker(headers: &HeaderMap) -> Option<String> {
    let reason = headers
        .get("x-seraph-loginreason")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if reason
        .split(',')
        .any(|r| matches!(r.trim(), "AUTHENTICATED_FAILED" | "AUTHENTICATION_DENIED"))
    {
        return Some(format!(
            "Jira answered as an anonymous user, X-Seraph-LoginReason: {reason}"
        ));
    }
    let user = headers
        .get("x-ausername")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    user.eq_ignore_ascii_case("anonymous")
        .then(|| "Jira answered as an anonymous user, X-AUSERNAME: anonymous".to_owned())
}

/// `Retry-After` (delta-seconds or HTTP-date), else `X-RateLimit-Reset` (ISO-8601).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let now = chrono::Utc::now();
    if let Some(v) = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(when) = chrono::DateTime::parse_from_rfc2822(v) {
            return Some(
                (when.with_timezone(&chrono::Utc) - now)
                    .to_std()
                    .unwrap_or_default(),
            );
        }
    }
    let reset = headers
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok())?;
    let reset = reset.trim();
    let when = chrono::DateTime::parse_from_rfc3339(reset)
        .map(|d| d.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(reset, "%Y-%m-%dT%H:%MZ")
                .ok()
                .map(|n| n.and_utc())
        })?;
    Some((when - now).to_std().unwrap_or_default())
}

/// The most a `ca_file` may hold: an operating system's whole bundle is well under 1 MiB.
const MAX_CA_FILE_SIZE: u64 = 16 << 20;

/// The certificates of a PEM bundle; an unreadable, invalid or empty file is a config error.
fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, JiraError> {
    // Read as reports are: a FIFO or a device is refused at once, and a bundle is bounded.
    let pem = crate::report::disk::read_regular_at_most(path, MAX_CA_FILE_SIZE)
        .map_err(|e| JiraError::Config(format!("cannot read ca_file `{}`: {e}", path.display())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        JiraError::Config(format!(
            "ca_file `{}` is not a PEM bundle: {e}",
            path.display()
        ))
    })?;
    if certs.is_empty() {
        return Err(JiraError::Config(format!(
            "ca_file `{}` holds no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// An answer over the size cap: a protocol error, never retried (it would only come again).
fn too_large(call: &Call, limit: usize) -> JiraError {
    JiraError::Protocol {
        request: call.label(),
        message: format!(
            "the response is larger than {} MiB, far more than any answer pm-sync asks for; \
             check that the URL points at the site itself and not at a proxy or file server",
            limit / (1024 * 1024)
        ),
    }
}

/// Maps a reqwest error to a transport error. `answered` says whether the host answered
/// anything in this run: a refused connection then means a restart (worth retrying), else a
/// wrong host or port (not worth 40 s of retries).
fn transport_error(call: &Call, e: &reqwest::Error, answered: bool) -> JiraError {
    // Walk the source chain for the useful part; reqwest's own Display repeats the URL.
    let mut message = String::new();
    let mut chain = String::new();
    let mut refused = false;
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        message = s.to_string();
        chain.push_str(&message.to_lowercase());
        chain.push('\n');
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        source = s.source();
    }
    let kind = if e.is_connect() {
        classify_connect_failure(&chain, refused, answered)
    } else if e.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Broken
    };
    if message.is_empty() {
        message = format!("{kind:?}");
    }
    if let Some(hint) = transport_hint(kind) {
        message.push_str(hint);
    }
    JiraError::Transport {
        request: call.label(),
        kind,
        message,
    }
}

/// What to do about a failure that retries cannot fix; `sync`, `check` and `doctor` all show
/// it, since it is part of the error's message.
fn transport_hint(kind: TransportKind) -> Option<&'static str> {
    match kind {
        TransportKind::Tls => Some(
            " (the server's TLS certificate is not trusted here: if your company uses its own \
             CA, set [jira] ca_file = \"/path/to/company-ca.pem\", a PEM bundle; not retried)",
        ),
        TransportKind::Unreachable => {
            Some(" (not retried: check the URL's host and port, DNS and the firewall)")
        }
        _ => None,
    }
}

/// Which connect failures can never succeed by waiting: certificate and handshake errors,
/// unknown hosts, and refused connections to a host that never answered in this run.
fn classify_connect_failure(chain: &str, refused: bool, answered: bool) -> TransportKind {
    if chain.contains("certificate") || chain.contains("unknownissuer") || chain.contains("tls") {
        TransportKind::Tls
    } else if chain.contains("dns error")
        || chain.contains("failed to lookup address")
        || chain.contains("name or service not known")
        || (refused && !answered)
    {
        TransportKind::Unreachable
    } else {
        TransportKind::Connect
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let mut h = HeaderMap::new();
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        let mut h = HeaderMap::new();
        let later = (chrono::Utc::now() + chrono::Duration::minutes(3))
            .format("%Y-%m-%dT%H:%MZ")
            .to_string();
        h.insert("x-ratelimit-reset", HeaderValue::from_str(&later).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(60) && d <= Duration::from_secs(180),
            "{d:?}"
        );
    }

    #[test]
    fn connect_failures_that_cannot_succeed_are_not_retried() {
        let tls = "invalid peer certificate: unknownissuer\n";
        assert_eq!(
            classify_connect_failure(tls, false, false),
            TransportKind::Tls
        );
        let dns = "dns error\nfailed to lookup address information: name or service not known\n";
        assert_eq!(
            classify_connect_failure(dns, false, true),
            TransportKind::Unreachable
        );
        let refused = "tcp connect error\nconnection refused (os error 111)\n";
        assert_eq!(
            classify_connect_failure(refused, true, false),
            TransportKind::Unreachable
        );
        // The host answered earlier in this run: a restart, worth waiting for.
        assert_eq!(
            classify_connect_failure(refused, true, true),
            TransportKind::Connect
        );
    }

    #[test]
    fn browse_links_carry_no_userinfo_query_or_fragment() {
        let config = JiraConfig::new(
            Url::parse("https://bob:pw@jira.example.com:8443/jira?x=1#f").unwrap(),
            Auth::Bearer {
                token: SecretString::from("t"),
            },
        );
        let client = JiraClient::new(config).unwrap();
        let key = IssueKey::parse("OPS-1").unwrap();
        assert_eq!(
            client.browse_url(&key).as_str(),
            "https://jira.example.com:8443/jira/browse/OPS-1"
        );
    }

    #[test]
    fn loopback_detection() {
        for ok in [
            "http://localhost:1",
            "http://127.0.0.9/",
            "http://[::1]:8080",
        ] {
            assert!(is_loopback(&Url::parse(ok).unwrap()), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
        ] {
            assert!(!is_loopback(&Url::parse(bad).unwrap()), "{bad}");
        }
    }
}
