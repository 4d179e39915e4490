//! Config file + environment + flags → validated [`Settings`]. Everything below `lib::run`
//! takes `&Settings`, never raw flags or environment variables.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::jira::client::is_loopback;
use crate::jira::model::Deployment;
use crate::report::ReportOptions;

/// The config file's name in a report's folder, its parents up to the repository root, and the
/// working directory.
const CONFIG_FILE_NAME: &str = "pm-sync.toml";

/// The URL `config.example.toml` ships with; doctor says so when it is still configured.
pub const EXAMPLE_URL_HOST: &str = "example.atlassian.net";

/// Reports larger than this are refused before they are read (`[report] max_size`).
pub const DEFAULT_MAX_REPORT_SIZE: u64 = 64 * 1024 * 1024;

/// A problem with the configuration (exit code 2). The message names the file or variable and
/// the fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `-c` does not exist or cannot be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key, or a value of the wrong type.
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A key is missing or has a bad value.
    #[error("{message}\n  hint: {hint}")]
    Invalid { message: String, hint: String },
}

impl ConfigError {
    fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Invalid {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// The config file as written. Every key is optional; unknown keys are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    jira: JiraSection,
    #[serde(default)]
    report: ReportSection,
    #[serde(default)]
    labels: LabelsSection,
    #[serde(default)]
    status: StatusSection,
    /// `[owners]`: names or teams as written in reports → the person to assign.
    #[serde(default)]
    owners: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    confluence: ConfluenceSection,
}

/// `[confluence]`: where post-mortems that are wiki pages live.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfluenceSection {
    url: Option<String>,
    deployment: Option<String>,
    email: Option<String>,
    token_env: Option<String>,
    ca_file: Option<PathBuf>,
}

/// Validated Confluence settings; only runs that name a page or a CQL query ask for them.
#[derive(Debug)]
pub struct ConfluenceSettings {
    /// The wiki's base URL: Cloud `https://SITE.atlassian.net/wiki`, Data Center
    /// `https://HOST[/CONTEXT]`.
    pub url: Url,
    /// Cloud or Data Center.
    pub flavour: crate::confluence::Flavour,
    /// Cloud basic-auth user; `None` on Data Center (a personal access token).
    pub email: Option<String>,
    /// Name of the environment variable the token was read from.
    pub token_env: String,
    /// The API token (Cloud) or personal access token (Data Center). `Debug` redacts it.
    pub token: SecretString,
    /// Extra PEM roots.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JiraSection {
    url: Option<String>,
    deployment: Option<Deployment>,
    project: Option<String>,
    issue_type: Option<String>,
    email: Option<String>,
    token_env: Option<String>,
    concurrency: Option<usize>,
    timeout_secs: Option<u64>,
    connect_timeout_secs: Option<u64>,
    max_retries: Option<u32>,
    ca_file: Option<PathBuf>,
    duplicate_transition: Option<String>,
    /// `[jira.fields]`: create-screen fields by name or id, with the line each is written on.
    fields: Option<std::collections::BTreeMap<String, toml::Spanned<toml::Value>>>,
    parent: Option<String>,
    parent_type: Option<String>,
    check_parent: Option<bool>,
    link: Option<LinkSection>,
    unassignable: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkSection {
    #[serde(rename = "type")]
    link_type: String,
    to: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportSection {
    section: Option<OneOrMany>,
    /// Globs of Markdown files a folder run leaves out (`drafts/**`, `README.md`).
    exclude: Option<Vec<String>>,
    url: Option<String>,
    ticket_projects: Option<Vec<String>>,
    max_size: Option<u64>,
    write_back: Option<Vec<String>>,
}

/// `section = "Action Items"` or `section = ["Action Items", "Next Steps"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a heading name or a list of heading names")]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelsSection {
    severity: Option<String>,
    /// `[labels.severity_map]`: severities written otherwise than sevN (`high = "sev2"`).
    severity_map: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusSection {
    resolved: Option<Vec<String>>,
    waived: Option<Vec<String>>,
}

/// What "resolved" means for `check` (see the contract's "Tickets and statuses").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusRules {
    /// Status names that count as resolved; empty means "status category is done".
    pub resolved: Vec<String>,
    /// Status names that count as resolved but are reported apart, as dropped.
    pub waived: Vec<String>,
}

/// The placeholders `[jira] description` may use.
pub const DESCRIPTION_PLACEHOLDERS: [&str; 9] = [
    "item",
    "title",
    "path",
    "report",
    "report_url",
    "incident_date",
    "severity",
    "owner",
    "row",
];

/// One `[jira.fields]` entry: a create-screen field by name or id, and its value(s) as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredField {
    /// Field name or id as written, e.g. `Components` or `customfield_10010`.
    pub name: String,
    /// The value, or the values of a list.
    pub values: Vec<String>,
    /// Where it is written, e.g. `pm-sync.toml line 9`.
    pub origin: String,
}

/// `[jira] link`: every created ticket is linked to `to` with this link type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSetting {
    /// Link type name, e.g. `Relates`.
    pub link_type: String,
    /// The issue key linked to.
    pub to: String,
}

/// `[jira] parent = "create"` (or front matter `jira_parent: create`): pm-sync creates the
/// post-mortem's own ticket and makes every item its child.
pub const PARENT_CREATE: &str = "create";

/// What a company Jira project needs beyond summary, description and labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyJira {
    /// `[jira.fields]`, in file order.
    pub fields: Vec<ConfiguredField>,
    /// `[jira] parent`: the issue every created ticket becomes a child of, or
    /// [`PARENT_CREATE`]: one ticket per report, created for the post-mortem itself.
    pub parent: Option<String>,
    /// `[jira] parent_type`: the issue type of a created parent (default: Epic where the
    /// project has it, else Task).
    pub parent_type: Option<String>,
    /// `[jira] check_parent = true`: `check` counts a created parent ticket with the items.
    pub check_parent: bool,
    /// `[jira] link`: the issue every created ticket links to.
    pub link: Option<LinkSetting>,
    /// `[owners]`: report owner (name, team, handle; compared without case) → person to assign.
    pub owners: Vec<(String, String)>,
    /// `[jira] unassignable = "fail"`: an owner who cannot be assigned fails the row
    /// (default `"warn"`: created unassigned, with a warning).
    pub unassignable_fails: bool,
    /// `[jira] description`: the description template of created tickets.
    pub description: Option<String>,
    /// `[report] write_back`: which of Jira's fields pm-sync writes into the report.
    pub write_back: WriteBack,
}

/// `[report] write_back = ["status", "assignee", "due"]` (default `["status"]`): what
/// `sync` and `refresh` write from Jira into the report. Statuses are always written;
/// assignee (display name) and due date go into the Owner and Due cells pm-sync owns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteBack {
    /// Jira's assignee into the Owner cell.
    pub assignee: bool,
    /// Jira's due date into the Due cell.
    pub due: bool,
}

impl WriteBack {
    /// Whether anything beyond statuses is written back.
    pub fn any(self) -> bool {
        self.assignee || self.due
    }
}

impl CompanyJira {
    /// Whether anything here asks for more than pm-sync's own fields.
    pub fn is_set(&self) -> bool {
        !self.fields.is_empty() || self.parent.is_some() || self.link.is_some()
    }

    /// The person `owner` maps to in `[owners]`, else `owner` itself.
    pub fn person<'a>(&'a self, owner: &'a str) -> &'a str {
        self.owners
            .iter()
            .find(|(name, _)| name.trim().eq_ignore_ascii_case(owner.trim()))
            .map_or(owner, |(_, person)| person.as_str())
    }
}

/// Validated settings for the whole run.
#[derive(Debug)]
pub struct Settings {
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Where pm-sync looked for a config file, in order (for "none found" messages).
    pub searched: Vec<PathBuf>,
    /// How to find the Action Items table.
    pub report: ReportOptions,
    /// Where people read a report, e.g. `https://github.com/acme/sre/blob/main/{path}`: when
    /// set, each ticket sync creates or adopts gets a remote link back to its report.
    pub report_url: Option<String>,
    /// Severity used when neither `--severity` nor the report names one.
    pub default_severity: String,
    /// Which statuses count as resolved or waived.
    pub status: StatusRules,
    /// `[jira] duplicate_transition`: the transition `sync --close-duplicates` closes duplicate
    /// tickets with (`None`: the usual names, see [`crate::sync::run::Duplicates`]).
    pub duplicate_transition: Option<String>,
    /// Fields, parent, link and owners for company Jira projects.
    pub company: CompanyJira,
    jira: Result<JiraSettings, String>,
    raw_jira: JiraSection,
    confluence: Result<ConfluenceSettings, String>,
    /// Whether `[confluence]` or a `CONFLUENCE_*` variable says Confluence is in use.
    confluence_configured: bool,
}

/// Validated Jira settings; only commands that talk to Jira ask for them.
#[derive(Debug)]
pub struct JiraSettings {
    /// Base URL, `https://` (or `http://` on a loopback host).
    pub url: Url,
    pub deployment: Deployment,
    pub project: String,
    pub issue_type: String,
    /// Cloud basic-auth user; `None` means bearer token (Data Center PAT).
    pub email: Option<String>,
    /// Name of the environment variable the token was read from.
    pub token_env: String,
    /// The API token or PAT. `Debug` prints `[REDACTED]`.
    pub token: SecretString,
    pub concurrency: usize,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    pub ca_file: Option<PathBuf>,
}

/// Reads environment variables; a seam so tests need not touch the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// `value` without the whitespace around it (an e-mail from a CI secret store keeps a line
/// end, which would break Basic auth); `None` when blank.
fn trimmed(value: Option<String>) -> Option<String> {
    value
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The token in the variable `name`, without the whitespace around it (a CI secret store or
/// `echo` into a file keeps a line end, which no token holds: sent as it is, every request
/// would be refused as unauthenticated); `None` when unset or blank.
fn token_from(env: EnvLookup<'_>, name: &str) -> Option<String> {
    env(name)
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}

/// The process environment, ignoring empty values.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Settings {
    /// Loads the config file (`explicit`, else the lookup order in the contract), applies
    /// environment overrides, and validates what every command needs. Jira settings are
    /// validated lazily by [`Settings::jira`], so `items` and `check --offline` work without them.
    pub fn load(explicit: Option<&Path>, env: EnvLookup<'_>) -> Result<Self, ConfigError> {
        Self::load_near(explicit, &[], env)
    }

    /// [`Settings::load`], also looking for `pm-sync.toml` beside the first of `reports` and
    /// in its parent folders up to the repository root (the folder holding `.git`), the
    /// `.editorconfig` habit.
    pub fn load_near(
        explicit: Option<&Path>,
        reports: &[PathBuf],
        env: EnvLookup<'_>,
    ) -> Result<Self, ConfigError> {
        let (found, searched) = find_config_file(explicit, reports, env);
        let (config_file, file, text) = match found {
            Some(path) => {
                let text = read_config_text(&path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                let tokens = register_configured_secrets(&text, env);
                refuse_tokens_in(&path, &text, &tokens)?;
                let file: ConfigFile =
                    toml::from_str(&text).map_err(|error| ConfigError::Parse {
                        path: path.clone(),
                        message: describe_toml_error(&error, &text),
                    })?;
                (Some(path), file, text)
            }
            None => (None, ConfigFile::default(), String::new()),
        };
        let company = company_settings(&file, config_file.as_deref(), &text)?;

        let ticket_projects = Self::ticket_projects(&file, env)?;
        // Not set: the built-in vocabulary (an empty list).
        let configured = file.report.section.is_some();
        let section = match file.report.section {
            None => ReportOptions::default().section,
            Some(OneOrMany::One(name)) => vec![name],
            Some(OneOrMany::Many(names)) => names,
        };
        if configured && (section.is_empty() || section.iter().any(|name| name.trim().is_empty())) {
            return Err(ConfigError::invalid(
                "[report] section is empty or names an empty heading",
                "set it to the heading of the action items, e.g. \"Action Items\", or a list of them",
            ));
        }
        let exclude = file.report.exclude.clone().unwrap_or_default();
        if let Some(bad) = exclude.iter().find(|glob| glob.trim().is_empty()) {
            return Err(ConfigError::invalid(
                format!("[report] exclude holds an empty glob ({bad:?})"),
                "list globs of files to leave out, e.g. exclude = [\"templates/**\", \"README.md\"]",
            ));
        }
        let severity_map = severity_map(file.labels.severity_map.unwrap_or_default())?;
        let default_severity = file.labels.severity.unwrap_or_else(|| "sev1".to_owned());
        let default_severity =
            crate::report::normalise_severity(&default_severity).ok_or_else(|| {
                ConfigError::invalid(
                    format!("[labels] severity = {default_severity:?} is not a severity"),
                    "write it as sevN, e.g. \"sev1\"",
                )
            })?;
        let report_url = env("PM_SYNC_REPORT_URL").or(file.report.url);
        if let Some(template) = &report_url
            && (!template.contains("{path}")
                || Url::parse(&template.replace("{path}", "x")).is_err())
        {
            return Err(ConfigError::invalid(
                format!("[report] url = {template:?} is not a URL template with {{path}}"),
                "write it like \"https://github.com/acme/sre/blob/main/{path}\"",
            ));
        }
        let status = StatusRules {
            resolved: file.status.resolved.unwrap_or_default(),
            waived: file.status.waived.unwrap_or_default(),
        };
        let max_size = file.report.max_size.unwrap_or(DEFAULT_MAX_REPORT_SIZE);
        if max_size == 0 {
            return Err(ConfigError::invalid(
                "[report] max_size = 0 would refuse every report",
                "give a size in bytes, e.g. 67108864 (64 MiB, the default)",
            ));
        }
        // A relative ca_file is relative to the config file that names it, not to wherever
        // pm-sync happens to run.
        let base = config_file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        let mut jira_section = file.jira;
        if let (Some(ca), Some(base)) = (&jira_section.ca_file, &base)
            && ca.is_relative()
        {
            jira_section.ca_file = Some(base.join(ca));
        }
        let mut confluence_section = file.confluence.clone();
        if let (Some(ca), Some(base)) = (&confluence_section.ca_file, &base)
            && ca.is_relative()
        {
            confluence_section.ca_file = Some(base.join(ca));
        }
        let mut jira = validate_jira(&jira_section, env);
        let confluence = validate_confluence(&confluence_section, &jira_section, env);
        let confluence_configured = confluence_section.url.is_some()
            || confluence_section.deployment.is_some()
            || confluence_section.email.is_some()
            || confluence_section.token_env.is_some()
            || env("CONFLUENCE_URL").is_some()
            || env("CONFLUENCE_DEPLOYMENT").is_some();
        if let Err(message) = &mut jira
            && config_file.is_none()
            && message.starts_with("no Jira")
        {
            message.push_str(&format!(
                " (no config file found; looked for {})",
                describe_searched(&searched)
            ));
        }
        Ok(Self {
            config_file,
            searched,
            report: ReportOptions {
                section,
                ticket_projects,
                max_size,
                severity_map,
                keep_original: true,
                exclude,
                ..ReportOptions::default()
            },
            report_url,
            default_severity,
            status,
            duplicate_transition: jira_section.duplicate_transition.clone(),
            company,
            jira,
            raw_jira: jira_section,
            confluence,
            confluence_configured,
        })
    }

    /// Whether the config or the environment sets up Confluence (`doctor` checks it then).
    pub fn confluence_configured(&self) -> bool {
        self.confluence_configured
    }

    /// The Confluence settings, or a config error saying what is missing and how to give it.
    pub fn confluence(&self) -> Result<&ConfluenceSettings, ConfigError> {
        self.confluence.as_ref().map_err(|message| {
            let (message, hint) = message.split_once('\n').unwrap_or((message, ""));
            ConfigError::invalid(message, hint)
        })
    }

    /// Projects whose keys link an item wherever a report writes them: the configured project
    /// (from `JIRA_PROJECT` or `[jira] project`) and `[report] ticket_projects`.
    fn ticket_projects(file: &ConfigFile, env: EnvLookup<'_>) -> Result<Vec<String>, ConfigError> {
        let mut projects: Vec<String> = env("JIRA_PROJECT")
            .or_else(|| file.jira.project.clone())
            .into_iter()
            .collect();
        for project in file.report.ticket_projects.iter().flatten() {
            let valid = project.len() >= 2
                && project.starts_with(|c: char| c.is_ascii_uppercase())
                && project
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                return Err(ConfigError::invalid(
                    format!("[report] ticket_projects: {project:?} is not a Jira project key"),
                    "list project keys as Jira shows them, e.g. ticket_projects = [\"AUTH\", \"ING\"]",
                ));
            }
            if !projects.contains(project) {
                projects.push(project.clone());
            }
        }
        Ok(projects)
    }

    /// The Jira settings, or a config error saying what is missing and how to give it.
    pub fn jira(&self) -> Result<&JiraSettings, ConfigError> {
        self.jira.as_ref().map_err(|message| {
            let (message, hint) = message.split_once('\n').unwrap_or((message, ""));
            ConfigError::invalid(message, hint)
        })
    }

    /// The Jira URL as configured, even when other Jira settings are incomplete (for `doctor`).
    pub fn jira_url_raw(&self) -> Option<&str> {
        self.raw_jira.url.as_deref()
    }
}

/// `[labels.severity_map]` validated: every value is a severity, keys are compared without case.
fn severity_map(
    map: std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, ConfigError> {
    map.into_iter()
        .map(|(from, to)| {
            let key = from
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            let severity = crate::report::normalise_severity(&to).ok_or_else(|| {
                ConfigError::invalid(
                    format!("[labels.severity_map] {from:?} = {to:?} is not a severity"),
                    "map each written severity to sevN, e.g. high = \"sev2\"",
                )
            })?;
            if key.is_empty() {
                return Err(ConfigError::invalid(
                    "[labels.severity_map] has an empty key",
                    "write the severity as reports write it, e.g. high = \"sev2\"",
                ));
            }
            Ok((key, severity))
        })
        .collect()
}

/// `[jira.fields]`, `parent`, `link`, `unassignable` and `[owners]`, checked for shape here;
/// whether Jira accepts them is checked against the create screen before the first write.
fn company_settings(
    file: &ConfigFile,
    path: Option<&Path>,
    text: &str,
) -> Result<CompanyJira, ConfigError> {
    let name = path.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let mut fields = Vec::new();
    for (field, value) in file.jira.fields.iter().flatten() {
        let origin = format!("{name} line {}", line_of(value.span().start));
        let scalar = |v: &toml::Value| match v {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Integer(n) => Some(n.to_string()),
            toml::Value::Float(n) => Some(n.to_string()),
            toml::Value::Datetime(d) => Some(d.to_string()),
            _ => None,
        };
        let values = match value.get_ref() {
            toml::Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
            other => scalar(other).map(|v| vec![v]),
        };
        let Some(values) = values.filter(|v| v.iter().any(|s| !s.trim().is_empty())) else {
            return Err(ConfigError::invalid(
                format!("[jira.fields] {field} ({origin}) is empty or not text"),
                "write the value as Jira shows it, e.g. Components = [\"Auth\"] or Priority = \"High\"",
            ));
        };
        fields.push(ConfiguredField {
            name: field.clone(),
            values,
            origin,
        });
    }
    let key_like = |key: &str| crate::jira::model::IssueKey::parse(key.trim()).is_some();
    let parent = file.jira.parent.clone().map(|p| {
        let p = p.trim();
        if p.eq_ignore_ascii_case(PARENT_CREATE) {
            PARENT_CREATE.to_owned()
        } else {
            p.to_owned()
        }
    });
    if let Some(parent) = &parent
        && parent != PARENT_CREATE
        && !key_like(parent)
    {
        return Err(ConfigError::invalid(
            format!("[jira] parent = {parent:?} in {name} is neither an issue key nor \"create\""),
            "write the key of the parent issue or epic, e.g. parent = \"OPS-100\", or parent = \"create\" for one ticket per post-mortem",
        ));
    }
    let parent_type = file
        .jira
        .parent_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let link = match &file.jira.link {
        None => None,
        Some(link) if key_like(&link.to) && !link.link_type.trim().is_empty() => {
            Some(LinkSetting {
                link_type: link.link_type.trim().to_owned(),
                to: link.to.trim().to_owned(),
            })
        }
        Some(link) => {
            return Err(ConfigError::invalid(
                format!(
                    "[jira] link = {{ type = {:?}, to = {:?} }} in {name} needs a link type and an issue key",
                    link.link_type, link.to
                ),
                "write it like link = { type = \"Relates\", to = \"OPS-100\" }",
            ));
        }
    };
    let unassignable_fails = match file.jira.unassignable.as_deref() {
        None | Some("warn") => false,
        Some("fail") => true,
        Some(other) => {
            return Err(ConfigError::invalid(
                format!("[jira] unassignable = {other:?} in {name} is not a choice"),
                "use \"warn\" (create unassigned, with a warning) or \"fail\"",
            ));
        }
    };
    let description = file.jira.description.clone();
    if let Some(template) = &description {
        let mut rest = template.as_str();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let name = &rest[start + 1..start + len];
            if !DESCRIPTION_PLACEHOLDERS.contains(&name) {
                return Err(ConfigError::invalid(
                    format!(
                        "[jira] description in {name_of} uses {{{name}}}, which pm-sync does not know",
                        name_of = name_of_file(path)
                    ),
                    format!(
                        "use {}",
                        DESCRIPTION_PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            rest = &rest[start + len..];
        }
    }
    let mut write_back = WriteBack::default();
    for word in file.report.write_back.iter().flatten() {
        match word.trim().to_ascii_lowercase().as_str() {
            "status" => {}
            "assignee" | "owner" => write_back.assignee = true,
            "due" | "duedate" | "due_date" => write_back.due = true,
            other => {
                return Err(ConfigError::invalid(
                    format!(
                        "[report] write_back in {name} names {other:?}, which pm-sync does not write back"
                    ),
                    "use any of \"status\", \"assignee\", \"due\", e.g. write_back = [\"status\", \"assignee\", \"due\"]",
                ));
            }
        }
    }
    Ok(CompanyJira {
        write_back,
        description,
        fields,
        parent,
        parent_type,
        check_parent: file.jira.check_parent.unwrap_or(false),
        link,
        owners: file
            .owners
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        unassignable_fails,
    })
}

fn name_of_file(path: Option<&Path>) -> String {
    path.map_or_else(|| "config".to_owned(), |p| p.display().to_string())
}

/// `-c FILE`, else the file named by `PM_SYNC_CONFIG`, else `pm-sync.toml` beside the first
/// report and in its parents up to the repository root, else the same from the working
/// directory, else `$XDG_CONFIG_HOME/pm-sync/config.toml` (on Windows
/// `%APPDATA%\pm-sync\config.toml`; else `~/.config/pm-sync/config.toml`).
/// Also returns every place looked at, for "none found" messages.
fn find_config_file(
    explicit: Option<&Path>,
    reports: &[PathBuf],
    env: EnvLookup<'_>,
) -> (Option<PathBuf>, Vec<PathBuf>) {
    if let Some(path) = explicit {
        return (Some(path.to_path_buf()), Vec::new());
    }
    if let Some(path) = env("PM_SYNC_CONFIG") {
        return (Some(PathBuf::from(path)), Vec::new());
    }
    let mut searched: Vec<PathBuf> = Vec::new();
    let mut starts: Vec<PathBuf> = Vec::new();
    if let Some(first) = reports.first() {
        let folder = if first.is_dir() {
            first.clone()
        } else {
            first.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        starts.push(folder);
    }
    starts.push(PathBuf::new());
    for start in starts {
        for folder in folders_up_to_repository_root(&start) {
            let candidate = if folder.as_os_str().is_empty() {
                PathBuf::from(CONFIG_FILE_NAME)
            } else {
                folder.join(CONFIG_FILE_NAME)
            };
            if searched.contains(&candidate) {
                continue;
            }
            // Anything there by that name is the config (a FIFO or a folder is then refused
            // as one, by name), never passed over for a config found further up.
            if candidate.symlink_metadata().is_ok() {
                return (Some(candidate), searched);
            }
            searched.push(candidate);
        }
    }
    // The user's config folder: XDG's where it is set, else Windows' roaming application data
    // (%APPDATA%, set only on Windows), else ~/.config.
    let config_home = env("XDG_CONFIG_HOME")
        .or_else(|| env("APPDATA"))
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".config")));
    if let Some(config_home) = config_home {
        let user = config_home.join("pm-sync").join("config.toml");
        if user.symlink_metadata().is_ok() {
            return (Some(user), searched);
        }
        searched.push(user);
    }
    (None, searched)
}

/// `start`, then its parents up to the first folder holding `.git` (included). Without a
/// repository, only `start`: a stray file in `/tmp` or `/` must not configure a run.
fn folders_up_to_repository_root(start: &Path) -> Vec<PathBuf> {
    let absolute = if start.as_os_str().is_empty() {
        std::env::current_dir().ok()
    } else {
        std::path::absolute(start).ok()
    };
    let mut chain = vec![start.to_path_buf()];
    let Some(absolute) = absolute else {
        return chain;
    };
    for (depth, folder) in absolute.ancestors().enumerate() {
        if depth > 0 {
            chain.push(folder.to_path_buf());
        }
        if folder.join(".git").exists() {
            return chain;
        }
    }
    vec![start.to_path_buf()]
}

/// `./pm-sync.toml, /repo/pm-sync.toml and ~/.config/pm-sync/config.toml`.
pub fn describe_searched(searched: &[PathBuf]) -> String {
    let names: Vec<String> = searched.iter().map(|p| p.display().to_string()).collect();
    match names.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// toml's message with the line and column, which it already underlines.
fn describe_toml_error(error: &toml::de::Error, text: &str) -> String {
    let message = format!("{}{}", error.message(), did_you_mean(error.message()));
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

/// For serde's "unknown field `urll`, expected one of `url`, …": `; did you mean `url`?` when
/// one expected key is a likely typo of the unknown one (at most a third of it differs).
fn did_you_mean(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return String::new();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return String::new();
    };
    let unknown = unknown.to_ascii_lowercase();
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| {
            (
                edit_distance(&unknown, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance > 0 && *distance <= unknown.chars().count().div_ceil(3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default()
}

/// Levenshtein distance (insertions, deletions, substitutions), by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The most a config file may hold: far above any real one, far below what would strain the
/// memory.
const MAX_CONFIG_SIZE: u64 = 4 << 20;

/// The text of the config file at `path`, read as reports are read: a FIFO, socket, device or
/// folder is refused at once (`-c /dev/stdin`, a FIFO named `pm-sync.toml`, `/dev/zero` behind
/// `PM_SYNC_CONFIG` would otherwise block the run or fill the memory), and so is a file over
/// [`MAX_CONFIG_SIZE`].
fn read_config_text(path: &Path) -> std::io::Result<String> {
    let bytes =
        crate::report::disk::read_regular_at_most(path, MAX_CONFIG_SIZE).map_err(|error| {
            if error.kind() == std::io::ErrorKind::InvalidInput {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a regular file (a folder, FIFO, socket or device); a config file is a \
                     TOML file",
                )
            } else {
                error
            }
        })?;
    String::from_utf8(bytes)
        .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error))
}

/// Registers the tokens the config names (the variables named by `[jira]` and `[confluence]`
/// `token_env`) with the secret filter as soon as the file is read, before anything in it is
/// checked: a message about a bad value (a project key, a URL, a type the parser quotes) may
/// hold the token, and must be masked even when the token lives in a variable of another name
/// than `JIRA_API_TOKEN`. Read from the raw table, so a file with a badly typed value still
/// gives its `token_env`.
/// Returns the tokens found.
fn register_configured_secrets(text: &str, env: EnvLookup<'_>) -> Vec<String> {
    let mut tokens = Vec::new();
    let Ok(table) = text.parse::<toml::Table>() else {
        return tokens;
    };
    let string = |section: &str, key: &str| {
        table
            .get(section)
            .and_then(|s| s.get(key))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let jira_email = trimmed(env("JIRA_EMAIL").or_else(|| string("jira", "email")));
    let jira_token_env = string("jira", "token_env");
    let confluence_email = trimmed(string("confluence", "email")).or_else(|| jira_email.clone());
    for (name, email) in [
        (
            jira_token_env
                .clone()
                .or_else(|| Some("JIRA_API_TOKEN".to_owned())),
            jira_email,
        ),
        (
            string("confluence", "token_env")
                .or(jira_token_env)
                .or_else(|| Some("CONFLUENCE_PAT".to_owned())),
            confluence_email,
        ),
    ] {
        let Some(name) = name else { continue };
        if !crate::redact::is_conventional_variable_name(&name) {
            crate::redact::register(&name);
        }
        if is_variable_name(&name)
            && let Some(token) = token_from(env, &name)
        {
            crate::redact::register_credentials(email.as_deref(), &token);
            tokens.push(token);
        }
    }
    tokens
}

/// Refuses a config file that holds one of `tokens` anywhere (a description, a field value, a
/// URL): pm-sync would send it to Jira, where everyone who reads the ticket sees it, while its
/// own output shows `***`. The line is named, never the value.
fn refuse_tokens_in(path: &Path, text: &str, tokens: &[String]) -> Result<(), ConfigError> {
    let Some(at) = tokens
        .iter()
        .filter_map(|token| crate::redact::find_secret(text.as_bytes(), token))
        .min()
    else {
        return Ok(());
    };
    let line = text[..at].matches('\n').count() + 1;
    Err(ConfigError::Parse {
        path: path.to_owned(),
        message: format!(
            "line {line} holds the API token (pm-sync would send it to Jira in a ticket or a \
             link); remove it: the token belongs only in the variable named by token_env, and \
             a token that was ever committed should be revoked"
        ),
    })
}

/// Refuses a token with a space, line end or control character inside (its ends are trimmed):
/// no Jira or Confluence token has one, so it is a paste that wrapped or picked up a prompt.
/// A bearer header cannot even carry it (the request would fail as a network error, retried for
/// a minute), and Basic auth would send it to be refused as bad credentials. `variable` is how
/// messages name the variable.
fn refuse_broken_token(token: &str, variable: &str) -> Result<(), String> {
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{variable} holds a space, line break or control character inside the token (a \
             paste that wrapped?)\nexport it on one line, exactly as Atlassian shows it"
        ));
    }
    Ok(())
}

/// Warns when the token is too short to be masked (`redact::MIN_SECRET_LEN`): no Jira token
/// or PAT is, so it is likely a placeholder or a cut copy, and pm-sync would print it as it is
/// wherever it is echoed (masking so short a string would garble ordinary text).
fn warn_if_too_short_to_mask(token: &str, token_env: &str) {
    if crate::redact::too_short_to_mask(token) {
        tracing::warn!(
            "{} holds a value too short to be a Jira API token or personal access token, and \
             too short to be masked: pm-sync would print it as it is; export the whole token",
            crate::redact::token_variable(token_env)
        );
    }
}

fn validate_jira(file: &JiraSection, env: EnvLookup<'_>) -> Result<JiraSettings, String> {
    let url_text = env("JIRA_URL").or_else(|| file.url.clone()).ok_or(
        "no Jira URL configured\nset [jira] url in the config file or the JIRA_URL variable",
    )?;
    let url = parse_jira_url(&url_text)?;
    let project = env("JIRA_PROJECT")
        .or_else(|| file.project.clone())
        .ok_or("no Jira project configured\nset [jira] project (e.g. \"OPS\") or JIRA_PROJECT")?;
    if project.trim().is_empty() || project.contains(char::is_whitespace) {
        return Err(format!(
            "[jira] project = {project:?} is not a project key\nuse the key shown in Jira, e.g. \"OPS\""
        ));
    }
    let deployment = match env("JIRA_DEPLOYMENT") {
        Some(value) => parse_deployment(&value)?,
        None => file.deployment.unwrap_or(Deployment::Auto),
    };
    let email = trimmed(env("JIRA_EMAIL").or_else(|| file.email.clone()));
    let token_env = file
        .token_env
        .clone()
        .unwrap_or_else(|| "JIRA_API_TOKEN".to_owned());
    // A name that is not a conventional variable name may be a token pasted here: masked in
    // every output from now on, and never echoed (see `redact::token_variable`).
    if !crate::redact::is_conventional_variable_name(&token_env) {
        crate::redact::register(&token_env);
    }
    if let Some(token) = token_from(env, &token_env) {
        crate::redact::register_credentials(email.as_deref(), &token);
    }
    if !is_variable_name(&token_env) {
        // Most likely the token itself was pasted here: never print it.
        return Err(
            "[jira] token_env is not an environment variable name (letters, digits \
             and _, not starting with a digit); it must name the variable that holds the \
             token, never hold the token itself\nset token_env = \"JIRA_API_TOKEN\" and \
             export the token in that variable; if you pasted a token into the file, revoke \
             it and create a new one"
                .to_owned(),
        );
    }
    let concurrency = file.concurrency.unwrap_or(4);
    if !(1..=32).contains(&concurrency) {
        return Err(format!(
            "[jira] concurrency = {concurrency} is out of range\nuse a number from 1 to 32"
        ));
    }
    // Each retry waits up to a minute: 10 retries is already ten minutes of one request.
    if let Some(retries) = file.max_retries.filter(|retries| *retries > MAX_RETRIES) {
        return Err(format!(
            "[jira] max_retries = {retries} is out of range
use a number from 0 to {MAX_RETRIES}"
        ));
    }
    for (key, value) in [
        ("timeout_secs", file.timeout_secs),
        ("connect_timeout_secs", file.connect_timeout_secs),
    ] {
        if value == Some(0) {
            return Err(format!(
                "[jira] {key} = 0 would time out every request\nuse a number of seconds above 0"
            ));
        }
    }
    // Last, so that every other setting is known good when only the token is missing.
    let token = token_from(env, &token_env).ok_or_else(|| {
        format!(
            "{} is not set\n\
             export it with your Jira API token (Cloud) or personal access token (Data Center)",
            crate::redact::token_variable(&token_env)
        )
    })?;
    warn_if_too_short_to_mask(&token, &token_env);
    refuse_broken_token(&token, &crate::redact::token_variable(&token_env))?;
    // A URL holding the token would write it into every link in the reports (and the saves,
    // masked, would then never match what was written).
    if crate::redact::find_secret(url.as_str().as_bytes(), &token).is_some() {
        return Err("the Jira URL holds the API token
give the site's address alone in [jira] url              (or JIRA_URL); the token belongs only in the variable named by token_env"
            .to_owned());
    }
    Ok(JiraSettings {
        url,
        deployment,
        project,
        issue_type: file.issue_type.clone().unwrap_or_else(|| "Task".to_owned()),
        email,
        token_env,
        token: SecretString::from(token),
        concurrency,
        request_timeout: Duration::from_secs(file.timeout_secs.unwrap_or(30)),
        connect_timeout: Duration::from_secs(file.connect_timeout_secs.unwrap_or(10)),
        max_retries: file.max_retries.unwrap_or(5),
        ca_file: file.ca_file.clone(),
    })
}

/// The most `[jira] max_retries` may be (each retry waits up to a minute).
const MAX_RETRIES: u32 = 10;

/// `[confluence]` with its defaults: on Cloud the Jira site + `/wiki` and Jira's account and
/// token; on Data Center its own URL (required) and personal access token (`CONFLUENCE_PAT`).
/// `CONFLUENCE_URL` and `CONFLUENCE_DEPLOYMENT` override the file.
fn validate_confluence(
    file: &ConfluenceSection,
    jira: &JiraSection,
    env: EnvLookup<'_>,
) -> Result<ConfluenceSettings, String> {
    use crate::confluence::Flavour;
    let jira_url = env("JIRA_URL").or_else(|| jira.url.clone());
    let url_text = env("CONFLUENCE_URL").or_else(|| file.url.clone());
    let deployment = env("CONFLUENCE_DEPLOYMENT").or_else(|| file.deployment.clone());
    let flavour = match deployment
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("cloud") => Flavour::Cloud,
        Some("datacenter" | "data center" | "server") => Flavour::DataCenter,
        Some(other) => {
            return Err(format!(
                "[confluence] deployment = {other:?} is not a deployment\n\
                 use \"cloud\" or \"datacenter\""
            ));
        }
        None => {
            let host_of = |text: &Option<String>| {
                text.as_deref()
                    .and_then(|t| Url::parse(t).ok())
                    .and_then(|u| u.host_str().map(str::to_owned))
            };
            let cloud_host = |host: Option<String>| {
                host.is_some_and(|h| h.ends_with(".atlassian.net") || h.ends_with(".jira.com"))
            };
            if cloud_host(host_of(&url_text))
                || (url_text.is_none() && cloud_host(host_of(&jira_url)))
                || (url_text.is_none() && jira.deployment == Some(Deployment::Cloud))
            {
                Flavour::Cloud
            } else if url_text.is_some() {
                Flavour::DataCenter
            } else {
                return Err("no Confluence URL configured\n\
                            set [confluence] url (Data Center), or [confluence] deployment = \
                            \"cloud\" to use the Jira site's wiki"
                    .to_owned());
            }
        }
    };
    let url_text = match (url_text, flavour) {
        (Some(url), _) => url,
        (None, Flavour::Cloud) => match &jira_url {
            Some(jira) => format!("{}/wiki", jira.trim_end_matches('/')),
            None => {
                return Err("no Confluence URL configured\n\
                            set [confluence] url, or [jira] url (on Cloud the wiki is the Jira \
                            site + /wiki)"
                    .to_owned());
            }
        },
        (None, Flavour::DataCenter) => {
            return Err("no Confluence URL configured\n\
                        Data Center needs [confluence] url, e.g. \
                        \"https://wiki.example.com/confluence\""
                .to_owned());
        }
    };
    let url = parse_jira_url(&url_text).map_err(|e| e.replacen("Jira URL", "Confluence URL", 1))?;
    let email = match flavour {
        Flavour::Cloud => trimmed(
            file.email
                .clone()
                .or_else(|| env("JIRA_EMAIL"))
                .or_else(|| jira.email.clone()),
        ),
        Flavour::DataCenter => None,
    };
    if flavour == Flavour::Cloud && email.is_none() {
        return Err("Confluence Cloud needs the Atlassian account's email\n\
                    set [confluence] email or [jira] email"
            .to_owned());
    }
    let token_env = file.token_env.clone().unwrap_or_else(|| match flavour {
        Flavour::Cloud => jira
            .token_env
            .clone()
            .unwrap_or_else(|| "JIRA_API_TOKEN".to_owned()),
        Flavour::DataCenter => "CONFLUENCE_PAT".to_owned(),
    });
    // As for Jira's: a name that is not conventional may be a token pasted here, so it is
    // masked from now on and never echoed.
    if !crate::redact::is_conventional_variable_name(&token_env) {
        crate::redact::register(&token_env);
    }
    if !is_variable_name(&token_env) {
        return Err(
            "[confluence] token_env is not an environment variable name; it must name \
                    the variable that holds the token, never hold the token itself\n\
                    set token_env = \"CONFLUENCE_PAT\" and export the token in that variable"
                .to_owned(),
        );
    }
    let token = token_from(env, &token_env).ok_or_else(|| {
        format!(
            "{} is not set\n\
             export it with your Atlassian API token (Cloud) or Confluence personal access \
             token (Data Center)",
            crate::redact::confluence_token_variable(&token_env)
        )
    })?;
    // Masked in everything printed from now on, like Jira's token.
    crate::redact::register_credentials(email.as_deref(), &token);
    refuse_broken_token(
        &token,
        &crate::redact::confluence_token_variable(&token_env),
    )?;
    Ok(ConfluenceSettings {
        url,
        flavour,
        email,
        token_env,
        token: SecretString::from(token),
        ca_file: file.ca_file.clone().or_else(|| jira.ca_file.clone()),
    })
}

fn parse_deployment(value: &str) -> Result<Deployment, String> {
    match value.to_ascii_lowercase().as_str() {
        "auto" => Ok(Deployment::Auto),
        "cloud" => Ok(Deployment::Cloud),
        "datacenter" | "server" => Ok(Deployment::Datacenter),
        other => Err(format!(
            "JIRA_DEPLOYMENT = {other:?} is not a deployment\nuse \"cloud\", \"datacenter\" or \"auto\""
        )),
    }
}

/// `https://`, or `http://` on a loopback host only: the token must never cross a network in
/// clear text. A user name or password in the URL is refused without being echoed: it would
/// end up in every link written into a report, and so in git.
fn parse_jira_url(text: &str) -> Result<Url, String> {
    let shown = redact_userinfo(text.trim());
    let url = Url::parse(text.trim()).map_err(|error| {
        format!("Jira URL {shown:?} is not a URL ({error})\nwrite it like \"https://example.atlassian.net\"")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "Jira URL {shown:?} carries a user name or password\nremove them from the URL: \
             set [jira] email (Cloud) and put the token in the variable named by token_env"
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "Jira URL {shown:?} uses http:// on a non-loopback host\nuse https:// (http:// is accepted only for localhost, 127.0.0.0/8 and [::1])"
            ));
        }
        other => {
            return Err(format!(
                "Jira URL {shown:?} has scheme {other:?}\nuse https://"
            ));
        }
    }
    Ok(url)
}

/// `text` with anything between `://` and an `@` before the host replaced by `***`.
pub(crate) fn redact_userinfo(text: &str) -> String {
    let Some(scheme_end) = text.find("://").map(|i| i + 3) else {
        return text.to_owned();
    };
    let rest = &text[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &text[..scheme_end], &rest[at..]),
        None => text.to_owned(),
    }
}

/// An environment variable name as shells write them: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_user_config_is_under_appdata_on_windows_and_xdg_wins() {
        let dir = tempfile::tempdir().unwrap();
        let appdata = dir.path().join("Roaming");
        std::fs::create_dir_all(appdata.join("pm-sync")).unwrap();
        let file = appdata.join("pm-sync").join("config.toml");
        std::fs::write(&file, "").unwrap();
        let windows = |name: &str| match name {
            "APPDATA" => Some(appdata.display().to_string()),
            _ => None,
        };
        assert_eq!(find_config_file(None, &[], &windows).0, Some(file.clone()));
        // XDG_CONFIG_HOME, when set, is the user's choice on any system.
        let xdg = dir.path().join("xdg");
        let both = |name: &str| match name {
            "APPDATA" => Some(appdata.display().to_string()),
            "XDG_CONFIG_HOME" => Some(xdg.display().to_string()),
            _ => None,
        };
        let (found, searched) = find_config_file(None, &[], &both);
        assert_eq!(found, None);
        assert!(searched.contains(&xdg.join("pm-sync").join("config.toml")));
    }

    #[test]
    fn a_mistyped_key_suggests_the_closest_known_one() {
        let message = "unknown field `urll`, expected one of `url`, `deployment`, `project`";
        assert_eq!(did_you_mean(message), "; did you mean `url`?");
        let message = "unknown field `tokenenv`, expected one of `token_env`, `email`";
        assert_eq!(did_you_mean(message), "; did you mean `token_env`?");
        // Nothing close: no guess.
        let message = "unknown field `colour`, expected one of `url`, `project`";
        assert_eq!(did_you_mean(message), "");
        assert_eq!(did_you_mean("invalid type: string"), "");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn http_is_refused_unless_loopback() {
        assert!(parse_jira_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_jira_url("http://localhost").is_ok());
        assert!(parse_jira_url("http://[::1]:9").is_ok());
        assert!(parse_jira_url("https://example.atlassian.net").is_ok());
        let error = parse_jira_url("http://jira.example.com").unwrap_err();
        assert!(error.contains("non-loopback"), "{error}");
    }

    #[test]
    fn userinfo_is_refused_and_never_echoed() {
        for text in [
            "https://bob:hunter2@jira.example.com",
            "https://hunter2@jira.example.com/jira",
            "http://bob:hunter2@127.0.0.1:9/",
            "https://bob:hunter2@bad host",
        ] {
            let error = parse_jira_url(text).unwrap_err();
            assert!(!error.contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn token_env_must_be_a_variable_name() {
        assert!(is_variable_name("JIRA_API_TOKEN") && is_variable_name("_x1"));
        for bad in ["", "1ABC", "ATATT3x-F=", "a b", "tok+en"] {
            assert!(!is_variable_name(bad), "{bad}");
        }
        let file = JiraSection {
            url: Some("https://x.atlassian.net".into()),
            project: Some("OPS".into()),
            token_env: Some("ATATT3x-secret=".into()),
            ..JiraSection::default()
        };
        let error = validate_jira(&file, &env_of(&[])).unwrap_err();
        assert!(!error.contains("secret"), "{error}");
    }

    #[test]
    fn env_overrides_file_and_token_comes_from_named_variable() {
        let file = JiraSection {
            url: Some("https://file.example.net".into()),
            project: Some("FILE".into()),
            token_env: Some("MY_TOKEN".into()),
            ..JiraSection::default()
        };
        let env = env_of(&[("JIRA_PROJECT", "ENV"), ("MY_TOKEN", "s3cret")]);
        let jira = validate_jira(&file, &env).unwrap();
        assert_eq!(jira.project, "ENV");
        assert_eq!(jira.url.as_str(), "https://file.example.net/");
        assert!(!format!("{jira:?}").contains("s3cret"));
    }

    #[test]
    fn missing_token_names_the_variable() {
        let file = JiraSection {
            url: Some("https://x.atlassian.net".into()),
            project: Some("OPS".into()),
            ..JiraSection::default()
        };
        let error = validate_jira(&file, &env_of(&[])).unwrap_err();
        assert!(error.contains("JIRA_API_TOKEN"), "{error}");
    }

    #[test]
    fn unknown_key_is_named() {
        let error = toml::from_str::<ConfigFile>("[jira]\nurll = \"x\"\n").unwrap_err();
        let message = describe_toml_error(&error, "[jira]\nurll = \"x\"\n");
        assert!(
            message.contains("urll") && message.starts_with("line 2"),
            "{message}"
        );
    }
}
