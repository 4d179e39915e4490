//! What can go wrong with a page, in words that name the page and the fix.

use crate::jira::JiraError;

/// A failure talking to Confluence about one page (or one search).
#[derive(Debug, thiserror::Error)]
pub enum ConfluenceError {
    /// The request failed below Confluence's meaning: transport, auth, 5xx after retries.
    #[error("Confluence: {0}")]
    Http(#[source] JiraError),
    /// The user may read the page but not edit it.
    #[error(
        "Confluence page {page}: this user may not edit it — ask a space admin for edit \
         permission on the page (or its space), or run `pm-sync refresh --dry-run` to read only"
    )]
    NoEditPermission { page: String },
    /// The page does not exist, or this user may not see it (Confluence answers the same).
    #[error(
        "Confluence page {page}: not found, or not visible to this user (restricted pages look \
         deleted); check the page id and the account's view permission"
    )]
    NotFound { page: String },
    /// The page is not a current page (a draft, archived or in the trash).
    #[error("Confluence page {page} is {status}, not current: pm-sync only edits published pages")]
    NotCurrent { page: String, status: String },
    /// Someone saved the page between our read and our write, again and again.
    #[error(
        "Confluence page {page}: saved by someone else {attempts} times while pm-sync wrote to \
         it; nothing of theirs was overwritten — run pm-sync again"
    )]
    KeptChanging { page: String, attempts: u32 },
    /// Confluence answered as an anonymous user (a Data Center PAT it did not accept).
    #[error(
        "Confluence answered as an anonymous user: the token was not accepted. Check \
         [confluence] token_env (Data Center takes a Confluence personal access token, not \
         Jira's)"
    )]
    Anonymous,
    /// Confluence refused the request with a status pm-sync does not handle specially.
    #[error("Confluence {request}: HTTP {status}{detail}")]
    Refused {
        request: String,
        status: u16,
        detail: String,
    },
    /// An answer pm-sync could not read.
    #[error("Confluence {request}: unexpected answer: {message}")]
    Protocol { request: String, message: String },
}

impl ConfluenceError {
    /// Whether the error is the user's to fix before anything runs (exit 2), rather than
    /// Confluence failing (exit 3).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::NoEditPermission { .. } | Self::NotFound { .. } | Self::NotCurrent { .. }
        )
    }
}

impl From<JiraError> for ConfluenceError {
    /// The shared transport's errors, in Confluence's words where they would name Jira: an
    /// answer that could not be read is Confluence's.
    fn from(error: JiraError) -> Self {
        match error {
            JiraError::Decode {
                request,
                path,
                message,
            } => ConfluenceError::Protocol {
                request,
                message: format!("at `{path}`: {message}"),
            },
            JiraError::Protocol { request, message } => {
                ConfluenceError::Protocol { request, message }
            }
            other => ConfluenceError::Http(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_that_cannot_be_read_is_confluences_not_jiras() {
        let error = ConfluenceError::from(JiraError::Decode {
            request: "GET /api/v2/pages/7".into(),
            path: "body".into(),
            message: "invalid type: null".into(),
        });
        let shown = error.to_string();
        assert_eq!(
            shown,
            "Confluence GET /api/v2/pages/7: unexpected answer: at `body`: invalid type: null"
        );
        assert!(!shown.contains("Jira"));
    }
}
