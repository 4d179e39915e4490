//! The run's error type: every failure maps to one exit code of the contract and one message
//! in one style — what failed, where, and the fix.

use std::path::{Path, PathBuf};

use crate::jira::JiraError;
use crate::report::ReportError;
use crate::settings::ConfigError;

/// Exit codes of the contract.
pub mod exit {
    /// Done; for `check`, every item resolved.
    pub const OK: u8 = 0;
    /// `check` only: an item is unresolved or has no ticket.
    pub const UNRESOLVED: u8 = 1;
    /// Bad usage, config or report; nothing was created or written.
    pub const BAD_INPUT: u8 = 2;
    /// Jira refused or could not be reached, or some items failed.
    pub const JIRA: u8 = 3;
}

/// Anything that ends a run early.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Jira(JiraError),
    /// A Confluence page could not be read, edited or found.
    #[error(transparent)]
    Confluence(#[from] crate::confluence::ConfluenceError),
    /// A failure after Jira may have changed (exit 3): what succeeded is in the reports, and
    /// creates whose keys could not be written are in the journal for the next run.
    #[error(
        "{source}\n  note: Jira may already have changed in this run; keys of created tickets are \
         in the report or its journal — fix the cause and run pm-sync sync again"
    )]
    AfterChanges { source: Box<Error> },
    /// A sidecar file (journal) could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A configuration problem found while talking to Jira (unknown issue type, ...).
    pub fn config(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Config(ConfigError::Invalid {
            message: message.into(),
            hint: hint.into(),
        })
    }

    /// Marks an error that happened after Jira may have changed: always exit 3.
    pub fn after_changes(self) -> Self {
        match self {
            already @ (Self::Jira(_) | Self::AfterChanges { .. }) => already,
            other => Self::AfterChanges {
                source: Box::new(other),
            },
        }
    }

    /// The exit code of the contract for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Report(_) => exit::BAD_INPUT,
            Self::Confluence(error) if error.is_bad_input() => exit::BAD_INPUT,
            Self::Confluence(_) => exit::JIRA,
            Self::Jira(_) | Self::Io { .. } | Self::AfterChanges { .. } => exit::JIRA,
        }
    }

    /// The message for stderr: report errors draw the offending line with miette (without
    /// miette's internal code line); several bad reports are each drawn, then counted.
    pub fn render(&self, color: bool) -> String {
        match self {
            Self::Report(ReportError::Several { errors }) => {
                let mut out: Vec<String> = errors.iter().map(|e| render_report(e, color)).collect();
                out.push(
                    format!("error: {}", ReportError::Several { errors: Vec::new() })
                        .replace("0 reports", &format!("{} reports", errors.len())),
                );
                out.join("\n")
            }
            Self::Report(error) => render_report(error, color),
            other => format!("error: {other}"),
        }
    }
}

/// One report error drawn by miette, with the offending line underlined.
fn render_report(error: &ReportError, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    // No hyperlink escapes: the terminal filter (`redact::for_terminal`) passes colours only.
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    if handler
        .render_report(&mut out, &WithoutCode(error))
        .is_err()
    {
        out = format!("error: {error}");
    }
    out
}

/// A report error as users see it: everything but miette's `code`, which would otherwise open
/// the message with an internal name like `pm_sync::report::no_section`.
struct WithoutCode<'a>(&'a ReportError);

impl std::fmt::Debug for WithoutCode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0, f)
    }
}

impl std::fmt::Display for WithoutCode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.0, f)
    }
}

impl std::error::Error for WithoutCode<'_> {}

impl miette::Diagnostic for WithoutCode<'_> {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }
}
