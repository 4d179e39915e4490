//! Typed errors of the Jira client: what failed (method + path, never credentials) and why.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Jira's `ErrorCollection` body: `{"errorMessages":[…],"errors":{field: message}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiErrors {
    /// Messages not tied to a field (JQL errors, "Field 'x' is required", …).
    pub error_messages: Vec<String>,
    /// Messages keyed by field id (`summary`, `labels`, `customfield_10010`).
    pub errors: BTreeMap<String, String>,
    /// The body's first characters when it was not an `ErrorCollection` (HTML proxies, plain text).
    pub raw: Option<String>,
}

impl ApiErrors {
    /// Reads an error body; never fails (a non-JSON body lands in `raw`, shortened).
    pub fn from_body(body: &[u8]) -> Self {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            #[serde(default)]
            error_messages: Vec<String>,
            #[serde(default)]
            errors: BTreeMap<String, serde_json::Value>,
        }
        match serde_json::from_slice::<Wire>(body) {
            Ok(wire) => Self {
                error_messages: wire.error_messages,
                errors: wire
                    .errors
                    .into_iter()
                    .map(|(k, v)| {
                        let text = match v {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        };
                        (k, text)
                    })
                    .collect(),
                raw: None,
            },
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                // Masked before it is shortened: a secret cut in two by the shortening would
                // no longer be recognised by the filter at the exit, and its head would show.
                let text = crate::redact::text(text.trim());
                let text = text.trim();
                Self {
                    raw: (!text.is_empty()).then(|| text.chars().take(300).collect()),
                    ..Self::default()
                }
            }
        }
    }

    /// True when Jira said nothing useful.
    pub fn is_empty(&self) -> bool {
        self.error_messages.is_empty() && self.errors.is_empty() && self.raw.is_none()
    }
}

/// The most of Jira's error text a message shows.
const LONGEST_SHOWN: usize = 2000;

impl fmt::Display for ApiErrors {
    /// One line: messages, then `field: message` pairs, separated by `; `.
    /// Cut to `LONGEST_SHOWN` characters: an answer of megabytes would otherwise be printed
    /// once per row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.error_messages.clone();
        parts.extend(self.errors.iter().map(|(k, v)| format!("{k}: {v}")));
        if let Some(raw) = &self.raw {
            parts.push(raw.clone());
        }
        let text = parts.join("; ");
        if text.len() <= LONGEST_SHOWN {
            return f.write_str(&text);
        }
        // Masked before it is cut: a secret cut in two would no longer be recognised.
        let text = crate::redact::text(&text);
        let total = text.chars().count();
        if total <= LONGEST_SHOWN {
            return f.write_str(&text);
        }
        let shown: String = text.chars().take(LONGEST_SHOWN).collect();
        write!(f, "{shown}… ({} more characters)", total - LONGEST_SHOWN)
    }
}

/// How a request failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Could not connect (refused, reset during connect): the request never reached Jira.
    Connect,
    /// The TLS handshake failed (an untrusted certificate): never reached Jira, and waiting
    /// will not help.
    Tls,
    /// Unknown host, or a refused connection to a host that has not answered in this run:
    /// never reached Jira, and waiting will not help.
    Unreachable,
    /// The request timed out; Jira may or may not have processed it.
    Timeout,
    /// The connection broke after the request was sent (reset, closed, truncated body).
    Broken,
}

/// Everything that can go wrong talking to Jira.
///
/// `request` fields read like `POST /rest/api/3/issue/bulk`: method and path, no host, no
/// query, never credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JiraError {
    /// The client configuration is unusable (URL scheme, CA file, …).
    #[error("Jira configuration: {0}")]
    Config(String),

    /// Jira answered with a redirect pm-sync does not follow: to another address (scheme,
    /// host or port), or one of too many in a row.
    #[error(
        "{request}: Jira answered with a redirect to {to}, which pm-sync does not follow (to \
         another address the credentials would not go with it; or a loop); set [jira] url to \
         the address Jira answers at"
    )]
    Redirected {
        /// Method and path.
        request: String,
        /// Where it pointed (the `Location` header).
        to: String,
    },

    /// A request about to be sent holds a secret (the token in a config value, a report's
    /// name or text): never sent, since whoever reads the ticket would see it.
    #[error(
        "{request}: not sent: it would carry the API token to Jira (in a config value, a \
         report's name or its text); remove the token from there, and revoke it if it was \
         ever committed"
    )]
    SecretInRequest {
        /// Method and path.
        request: String,
    },

    /// 401, or Jira silently treated the request as anonymous.
    #[error("{request}: Jira rejected the credentials ({reason}). {hint}")]
    Unauthorized {
        /// Method and path.
        request: String,
        /// What Jira said or which header gave it away.
        reason: String,
        /// Which credentials to check.
        hint: String,
    },

    /// 403: authenticated, but not allowed (or CAPTCHA on Data Center).
    #[error("{request}: permission denied (HTTP 403){needs}{detail}")]
    Forbidden {
        /// Method and path.
        request: String,
        /// ", needs the 'Create issues' project permission" or empty.
        needs: String,
        /// ": Jira's messages" or empty.
        detail: String,
    },

    /// 404: the project or issue does not exist, or this user cannot see it.
    #[error("{request}: {what} not found, or not visible to this user (HTTP 404){detail}")]
    NotFound {
        /// Method and path.
        request: String,
        /// "project `OPS`", "issue `OPS-12`".
        what: String,
        /// ": Jira's messages" or empty.
        detail: String,
    },

    /// Any other non-success status, with Jira's `errorMessages`/`errors`.
    #[error("{request}: HTTP {status}{}", if api.is_empty() { String::new() } else { format!(": {api}") })]
    Api {
        /// Method and path.
        request: String,
        /// HTTP status code.
        status: u16,
        /// Jira's error body.
        api: ApiErrors,
        /// `Retry-After` (or `X-RateLimit-Reset`) as a delay, when Jira sent one.
        retry_after: Option<Duration>,
        /// Jira's rate limiter answered: the response carries its headers (`RateLimit-Reason`,
        /// `X-RateLimit-Limit`, …), so the request was turned away before it ran.
        rate_limited: bool,
    },

    /// No HTTP response (connect error, timeout, broken connection).
    #[error("{request}: {kind:?}: {message}")]
    Transport {
        /// Method and path.
        request: String,
        /// What kind of failure.
        kind: TransportKind,
        /// The transport's description (no URL, no headers).
        message: String,
    },

    /// The response was not the JSON we expected; `path` names the JSON path.
    #[error("{request}: unexpected response from Jira at `{path}`: {message}")]
    Decode {
        /// Method and path.
        request: String,
        /// JSON path of the mismatch, e.g. `issues[3].fields.status.name`.
        path: String,
        /// serde's message.
        message: String,
    },

    /// Retries used up; `last` is the final failure.
    #[error("{request}: gave up after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        /// Method and path.
        request: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last failure.
        last: Box<JiraError>,
    },

    /// Jira asked us to wait longer than pm-sync waits for one retry.
    #[error(
        "{request}: Jira asked to retry after {} s, longer than pm-sync waits for a retry ({} s), so it gave up; run it again later; last error: {last}",
        wait.as_secs(), max.as_secs()
    )]
    RetryAfterTooLong {
        /// Method and path.
        request: String,
        /// What Jira asked for.
        wait: Duration,
        /// Our cap.
        max: Duration,
        /// The response that asked.
        last: Box<JiraError>,
    },

    /// Jira answered something the client cannot use (e.g. a paging token that repeats).
    #[error("{request}: {message}")]
    Protocol {
        /// Method and path.
        request: String,
        /// What was wrong.
        message: String,
    },
}

impl JiraError {
    /// HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::Api { status, .. } => Some(*status),
            Self::RetriesExhausted { last, .. } | Self::RetryAfterTooLong { last, .. } => {
                last.status()
            }
            _ => None,
        }
    }

    /// True for failures worth retrying for an idempotent request: 429, 5xx, transport
    /// failures other than certificate errors and unreachable hosts.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, .. } => *status == 429 || (500..=599).contains(status),
            Self::Transport { kind, .. } => {
                !matches!(kind, TransportKind::Tls | TransportKind::Unreachable)
            }
            _ => false,
        }
    }

    /// True when a non-idempotent request (a create) may have been processed although it
    /// failed: timeouts, broken connections, and every 5xx but a 503 from Jira's rate limiter.
    /// A 503 is one even with `Retry-After`: a gateway or an overloaded node may answer it
    /// after the backend committed the create, and that header says nothing about it.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Self::Transport { kind, .. } => {
                matches!(kind, TransportKind::Timeout | TransportKind::Broken)
            }
            Self::Api {
                status,
                rate_limited,
                ..
            } => (500..=599).contains(status) && !(*status == 503 && *rate_limited),
            Self::RetriesExhausted { last, .. } | Self::RetryAfterTooLong { last, .. } => {
                last.is_ambiguous()
            }
            _ => false,
        }
    }

    /// True when the failure certainly happened before Jira processed the request, so a
    /// non-idempotent request may be sent again: a connection never made, a 429, and a 503
    /// carrying the rate limiter's headers (Jira's rate limiter turns a request away before it
    /// runs: Cloud's burst limits, Data Center's token bucket).
    pub fn is_safe_to_resend(&self) -> bool {
        match self {
            Self::Transport { kind, .. } => *kind == TransportKind::Connect,
            Self::Api {
                status,
                rate_limited,
                ..
            } => *status == 429 || (*status == 503 && *rate_limited),
            _ => false,
        }
    }

    /// Jira's error body, when the failure carried one.
    pub fn api_errors(&self) -> Option<&ApiErrors> {
        match self {
            Self::Api { api, .. } => Some(api),
            Self::RetriesExhausted { last, .. } | Self::RetryAfterTooLong { last, .. } => {
                last.api_errors()
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_error_message_is_cut_saying_how_much_was_left_out() {
        let body = serde_json::json!({ "errorMessages": ["x".repeat(5_000_000)] }).to_string();
        let shown = ApiErrors::from_body(body.as_bytes()).to_string();
        assert!(shown.len() < LONGEST_SHOWN + 100, "{} bytes", shown.len());
        assert!(
            shown.ends_with("… (4998000 more characters)"),
            "{}",
            &shown[1990..]
        );
        let short = ApiErrors::from_body(br#"{"errorMessages":["Summary is required."]}"#);
        assert_eq!(short.to_string(), "Summary is required.");
    }
}
