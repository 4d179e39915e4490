//! `pm-sync doctor`: checks, one step at a time, everything `sync` needs — config file, Jira
//! settings, token, reachability, deployment, credentials, project, issue type and the create
//! screen — and says how to fix the first thing that is wrong. Creates nothing.

use std::fmt::Write;
use std::io::Write as _;
use std::path::Path;

use serde::Serialize;

use super::runtime::{block_on, connect_with, print_stdout};
use crate::cli::{DoctorArgs, Format};
use crate::error::{Error, exit};
use crate::jira::model::{CreateFields, Deployment, FIELDS_WE_FILL, Project};
use crate::jira::{JiraClient, JiraError, TransportKind};
use crate::settings::{
    CompanyJira, ConfigError, EXAMPLE_URL_HOST, JiraSettings, Settings, describe_searched,
};

/// Fields Jira fills by itself on create, besides those pm-sync sends ([`FIELDS_WE_FILL`]).
const FIELDS_JIRA_FILLS: &[&str] = &["reporter"];

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// It passed.
    Ok,
    /// It failed; the step says how to fix it.
    Failed,
    /// It could not run because an earlier step failed.
    Skipped,
}

/// Who has to fix a failed step; decides the exit code (2 for config, 3 for Jira).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blame {
    /// The config file, the environment or the command line (exit 2).
    Config,
    /// Jira or the network between (exit 3).
    Jira,
}

/// One line of the doctor's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Stable id for scripts: `config_file`, `jira_settings`, `token`, `reachable`,
    /// `deployment`, `credentials`, `project`, `issue_type`, `create_screen`.
    pub check: &'static str,
    /// How it ended.
    pub state: State,
    /// What was found (or what went wrong). Never contains the token.
    pub message: String,
    /// How to fix it, for failed steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Who has to fix it, for failed steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blame: Option<Blame>,
}

impl Step {
    fn ok(check: &'static str, message: impl Into<String>) -> Self {
        Self {
            check,
            state: State::Ok,
            message: message.into(),
            fix: None,
            blame: None,
        }
    }

    fn failed(
        check: &'static str,
        blame: Blame,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        let fix = fix.into();
        Self {
            check,
            state: State::Failed,
            message: message.into(),
            fix: (!fix.is_empty()).then_some(fix),
            blame: Some(blame),
        }
    }

    fn skipped(check: &'static str, message: impl Into<String>) -> Self {
        Self {
            check,
            state: State::Skipped,
            message: message.into(),
            fix: None,
            blame: None,
        }
    }
}

/// The steps in order, printed as they finish in text mode.
struct Doctor {
    format: Format,
    steps: Vec<Step>,
}

impl Doctor {
    fn new(format: Format) -> Self {
        Self {
            format,
            steps: Vec::new(),
        }
    }

    /// Records `step` and, for text, prints it at once: a slow or unreachable Jira should not
    /// leave the terminal blank.
    fn push(&mut self, step: Step) -> bool {
        let passed = step.state == State::Ok;
        if self.format == Format::Text {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(crate::redact::text(&render_step(&step)).as_bytes());
            let _ = stdout.flush();
        }
        self.steps.push(step);
        passed
    }

    /// Marks every later check as skipped, saying why.
    fn skip_rest(&mut self, checks: &[&'static str], because: &str) {
        for check in checks {
            self.push(Step::skipped(
                check,
                format!("{}: skipped ({because})", title(check)),
            ));
        }
    }

    /// Prints the closing line (text) or the whole document (JSON); returns the exit code.
    fn finish(self) -> u8 {
        let code = exit_code(&self.steps);
        let text = match self.format {
            Format::Text => closing_line(&self.steps),
            Format::Json => render_json(&self.steps),
        };
        print_stdout(&text);
        code
    }
}

/// The exit code for `steps`: 0 when all passed, 2 when a failure is the config's, else 3.
pub fn exit_code(steps: &[Step]) -> u8 {
    let failed = || steps.iter().filter(|s| s.state == State::Failed);
    if failed().next().is_none() {
        exit::OK
    } else if failed().any(|s| s.blame == Some(Blame::Config)) {
        exit::BAD_INPUT
    } else {
        exit::JIRA
    }
}

/// `✓ message`, `✗ message` with an indented `fix:` line, or `- message` for skipped steps.
pub fn render_step(step: &Step) -> String {
    let mark = match step.state {
        State::Ok => "✓",
        State::Failed => "✗",
        State::Skipped => "-",
    };
    let mut out = format!("{mark} {}\n", step.message);
    if let Some(fix) = &step.fix {
        let _ = writeln!(out, "  fix: {fix}");
    }
    out
}

fn closing_line(steps: &[Step]) -> String {
    let failed = steps.iter().filter(|s| s.state == State::Failed).count();
    if failed == 0 {
        format!(
            "all {} checks passed; pm-sync is ready (nothing was created)\n",
            steps.len()
        )
    } else {
        format!(
            "{failed} of {} checks failed (nothing was created)\n",
            steps.len()
        )
    }
}

/// The JSON document: `{"passed": bool, "checks": [Step…]}`.
fn render_json(steps: &[Step]) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        passed: bool,
        checks: &'a [Step],
    }
    crate::output::to_json(&Document {
        passed: exit_code(steps) == exit::OK,
        checks: steps,
    })
}

/// Steps after the Jira settings, in order, for skipping.
const NETWORK_CHECKS: [&str; 6] = [
    "reachable",
    "deployment",
    "credentials",
    "project",
    "issue_type",
    "create_screen",
];

/// `pm-sync doctor`: every check in order; stops at the first failure that makes the later
/// checks meaningless, and marks those as skipped. Returns 0 when everything passed, 2 for a
/// config problem, 3 for a Jira problem.
pub fn run(settings: &Settings, args: &DoctorArgs) -> Result<u8, Error> {
    let mut doctor = Doctor::new(args.format);
    doctor.push(config_file_step(
        settings.config_file.as_deref(),
        &settings.searched,
    ));

    let jira = match settings.jira() {
        Ok(jira) => jira,
        Err(error) => {
            let step = jira_settings_failure(&error);
            if step.check == "token" {
                // The token is checked last: every other Jira setting is valid.
                doctor.push(Step::ok(
                    "jira_settings",
                    "Jira settings: URL, project and limits are valid",
                ));
                doctor.push(step);
            } else {
                doctor.push(step);
                doctor.skip_rest(&["token"], "needs valid Jira settings");
            }
            doctor.skip_rest(&NETWORK_CHECKS, "needs valid Jira settings");
            return Ok(doctor.finish());
        }
    };
    if jira
        .url
        .host_str()
        .is_some_and(|host| host.eq_ignore_ascii_case(EXAMPLE_URL_HOST))
    {
        doctor.push(Step::failed(
            "jira_settings",
            Blame::Config,
            format!(
                "Jira settings: the URL {} is still the example's (from config.example.toml)",
                jira.url
            ),
            "set [jira] url (or JIRA_URL) to your Jira site, e.g. https://acme.atlassian.net",
        ));
        doctor.push(token_step(jira));
        doctor.skip_rest(&NETWORK_CHECKS, "needs the real Jira URL");
        return Ok(doctor.finish());
    }
    doctor.push(Step::ok(
        "jira_settings",
        format!(
            "Jira settings: {}, project {}, issue type \"{}\"",
            jira.url, jira.project, jira.issue_type
        ),
    ));
    doctor.push(token_step(jira));

    block_on(network_steps(&mut doctor, jira, &settings.company));
    if settings.confluence_configured() || args.page.is_some() {
        block_on(confluence_steps(
            &mut doctor,
            settings,
            args.page.as_deref(),
        ));
    }
    Ok(doctor.finish())
}

/// Confluence: its settings, its credentials (refused when it answers as anonymous), and with
/// `--page`, reading that page and the permission to edit it.
async fn confluence_steps(doctor: &mut Doctor, settings: &Settings, page: Option<&str>) {
    let client = match super::pages::connect_confluence(settings) {
        Ok(client) => client,
        Err(error) => {
            let text = error.to_string();
            let (message, fix) = text.split_once("\n  hint: ").unwrap_or((&text, ""));
            doctor.push(Step::failed(
                "confluence_settings",
                Blame::Config,
                format!("Confluence settings: {message}"),
                fix,
            ));
            doctor.skip_rest(
                &[
                    "confluence_credentials",
                    "confluence_page",
                    "confluence_edit",
                ],
                "needs valid Confluence settings",
            );
            return;
        }
    };
    doctor.push(Step::ok(
        "confluence_settings",
        format!(
            "Confluence settings: {} ({:?})",
            client.base(),
            client.flavour()
        ),
    ));
    let user = client.current_user().await;
    match user {
        Ok(name) => doctor.push(Step::ok(
            "confluence_credentials",
            format!("Confluence credentials: logged in as {name}"),
        )),
        Err(error) => {
            doctor.push(Step::failed(
                "confluence_credentials",
                Blame::Jira,
                format!("Confluence credentials: {error}"),
                "check [confluence] email and the token in the variable named by \
                 [confluence] token_env (Data Center: a Confluence personal access token)",
            ));
            doctor.skip_rest(
                &["confluence_page", "confluence_edit"],
                "needs working Confluence credentials",
            );
            return;
        }
    };
    let Some(page) = page else {
        doctor.skip_rest(
            &["confluence_page", "confluence_edit"],
            "give a page with --page confluence:ID to check it",
        );
        return;
    };
    let read = async {
        let (reference, _) = crate::confluence::reference::parse(page).map_err(|message| {
            crate::confluence::ConfluenceError::Protocol {
                request: page.to_owned(),
                message,
            }
        })?;
        let id = client.resolve(&reference).await?;
        client.page(id).await
    }
    .await;
    match read {
        Ok(found) => {
            doctor.push(Step::ok(
                "confluence_page",
                format!(
                    "Confluence page: \"{}\" read (version {})",
                    found.title, found.version
                ),
            ));
            if found.can_edit == Some(false) {
                doctor.push(Step::failed(
                    "confluence_edit",
                    Blame::Jira,
                    format!(
                        "Confluence edit permission: this user may not edit \"{}\"",
                        found.title
                    ),
                    "ask a space admin for edit permission on the page or its space",
                ));
            } else {
                doctor.push(Step::ok(
                    "confluence_edit",
                    format!(
                        "Confluence edit permission: \"{}\" may be edited",
                        found.title
                    ),
                ));
            }
        }
        Err(error) => {
            doctor.push(Step::failed(
                "confluence_page",
                Blame::Jira,
                format!("Confluence page: {error}"),
                "check the page id and that the account may view it",
            ));
            doctor.skip_rest(&["confluence_edit"], "needs the page");
        }
    }
}

/// For `pm-sync doctor` when the config file itself cannot be loaded (the caller could not
/// build [`Settings`]): prints the failed first step and returns exit code 2.
pub fn config_failed(error: &ConfigError, args: &DoctorArgs) -> u8 {
    let mut doctor = Doctor::new(args.format);
    let fix = match error {
        ConfigError::Read { .. } => "check the path given with -c, or create the file",
        ConfigError::Parse { .. } => {
            "fix the line named above; config.example.toml in the repository documents every key"
        }
        ConfigError::Invalid { hint, .. } => hint.as_str(),
    };
    let message = match error {
        ConfigError::Invalid { message, .. } => format!("config: {message}"),
        other => format!("config file: {other}"),
    };
    doctor.push(Step::failed("config_file", Blame::Config, message, fix));
    doctor.skip_rest(
        &[
            ["jira_settings", "token"].as_slice(),
            NETWORK_CHECKS.as_slice(),
        ]
        .concat(),
        "needs a valid config file",
    );
    doctor.finish()
}

fn config_file_step(path: Option<&Path>, searched: &[std::path::PathBuf]) -> Step {
    match path {
        Some(path) => Step::ok(
            "config_file",
            format!("config file: {} (valid)", path.display()),
        ),
        None => Step::ok(
            "config_file",
            format!(
                "config file: none found (looked for {}); using environment variables and defaults",
                describe_searched(searched)
            ),
        ),
    }
}

/// Turns the settings' error into the step it belongs to. [`Settings::jira`] checks the URL,
/// then the project, then the token variable, so its message says which one failed.
fn jira_settings_failure(error: &ConfigError) -> Step {
    let (message, hint) = match error {
        ConfigError::Invalid { message, hint } => (message.clone(), hint.clone()),
        other => (other.to_string(), String::new()),
    };
    let check = if message.contains("environment variable") || message.contains("token_env") {
        // (Both forms of `redact::token_variable` contain one of these.)
        "token"
    } else {
        "jira_settings"
    };
    Step::failed(
        check,
        Blame::Config,
        format!("{}: {message}", title(check)),
        hint,
    )
}

/// Names the variable and the kind of auth; never the token itself.
fn token_step(jira: &JiraSettings) -> Step {
    let auth = match &jira.email {
        Some(email) => format!("basic auth as {email}, for Jira Cloud"),
        None => "bearer token, for a Data Center personal access token".to_owned(),
    };
    Step::ok(
        "token",
        format!(
            "token: {} is set ({auth})",
            crate::redact::shown_variable(&jira.token_env)
        ),
    )
}

/// Reachability and deployment, credentials, project, issue type and create screen.
async fn network_steps(doctor: &mut Doctor, jira: &JiraSettings, company: &CompanyJira) {
    // The doctor answers fast: one retry, not the five a sync run allows, so an unreachable
    // host fails in seconds rather than a minute of backoff.
    let probe_settings = JiraSettings {
        deployment: Deployment::Auto,
        max_retries: jira.max_retries.min(1),
        ..clone_settings(jira)
    };
    // Always ask serverInfo, even when the deployment is configured: it proves the URL
    // answers, and catches "cloud" configured for a Data Center server.
    let probe = match client_for(&probe_settings) {
        Ok(client) => client,
        Err(step) => {
            doctor.push(step);
            doctor.skip_rest(&NETWORK_CHECKS[1..], "needs a working client");
            return;
        }
    };
    let detected = match probe.deployment().await {
        Ok(detected) => detected,
        Err(error) => {
            let unauthorized = matches!(error, JiraError::Unauthorized { .. });
            if unauthorized {
                // Jira answered, but refused even serverInfo with these credentials.
                doctor.push(Step::ok(
                    "reachable",
                    format!("Jira reachable: {} answers", jira.url),
                ));
                doctor.push(Step::skipped(
                    "deployment",
                    "deployment: skipped (serverInfo needs valid credentials here)",
                ));
                doctor.push(jira_failure("credentials", &error, jira));
                doctor.skip_rest(&NETWORK_CHECKS[3..], "needs accepted credentials");
            } else {
                doctor.push(jira_failure("reachable", &error, jira));
                doctor.skip_rest(&NETWORK_CHECKS[1..], "needs a reachable Jira");
            }
            return;
        }
    };
    doctor.push(Step::ok(
        "reachable",
        format!("Jira reachable: {} answers", jira.url),
    ));
    if !doctor.push(deployment_step(jira.deployment, detected, jira)) {
        doctor.skip_rest(&NETWORK_CHECKS[2..], "needs the right deployment");
        return;
    }

    let client = match client_for(&JiraSettings {
        deployment: detected,
        ..probe_settings
    }) {
        Ok(client) => client,
        Err(step) => {
            doctor.push(step);
            doctor.skip_rest(&NETWORK_CHECKS[2..], "needs a working client");
            return;
        }
    };
    let user = match client.myself().await {
        Ok(user) => user,
        Err(error) => {
            doctor.push(jira_failure("credentials", &error, jira));
            doctor.skip_rest(&NETWORK_CHECKS[3..], "needs accepted credentials");
            return;
        }
    };
    let who = match (&user.email_address, &user.name) {
        (Some(email), _) => format!("{} <{email}>", user.display_name),
        (None, Some(name)) => format!("{} ({name})", user.display_name),
        (None, None) => user.display_name.clone(),
    };
    doctor.push(Step::ok(
        "credentials",
        format!("credentials accepted: signed in as {who}"),
    ));

    let project = match client.project(&jira.project).await {
        Ok(project) => project,
        Err(error) => {
            doctor.push(project_failure(&error, jira, &who));
            doctor.skip_rest(&NETWORK_CHECKS[4..], "needs the project");
            return;
        }
    };
    doctor.push(Step::ok(
        "project",
        format!("project {} exists: \"{}\"", project.key, project.name),
    ));
    let issue_type = project.issue_type(&jira.issue_type).cloned();
    let (true, Some(issue_type)) = (
        doctor.push(issue_type_step(&project, &jira.issue_type)),
        issue_type,
    ) else {
        doctor.skip_rest(&NETWORK_CHECKS[5..], "needs the issue type");
        return;
    };
    // The project read named the type's id: the screen is one createmeta read.
    let step = match client.create_fields_of(&project.key, issue_type).await {
        Ok(fields) => {
            let cloud = client.deployment().await.ok() == Some(Deployment::Cloud);
            if company.is_set() {
                company_screen_step(&fields, &project.key, &jira.issue_type, company, cloud)
            } else {
                create_screen_step(&fields, &project.key, &jira.issue_type)
            }
        }
        Err(error) => jira_failure("create_screen", &error, jira),
    };
    doctor.push(step);
}

fn client_for(jira: &JiraSettings) -> Result<JiraClient, Step> {
    // Retries are logged at debug level: a warning on stderr would land between the lines of
    // the checklist on a terminal.
    connect_with(jira, false).map_err(|error| {
        Step::failed(
            "reachable",
            Blame::Config,
            format!("cannot set up the Jira client: {error}"),
            "check [jira] ca_file (a PEM bundle of your company's CA certificates)",
        )
    })
}

/// A copy of `jira`; the token is cloned in memory only.
fn clone_settings(jira: &JiraSettings) -> JiraSettings {
    JiraSettings {
        url: jira.url.clone(),
        deployment: jira.deployment,
        project: jira.project.clone(),
        issue_type: jira.issue_type.clone(),
        email: jira.email.clone(),
        token_env: jira.token_env.clone(),
        token: jira.token.clone(),
        concurrency: jira.concurrency,
        request_timeout: jira.request_timeout,
        connect_timeout: jira.connect_timeout,
        max_retries: jira.max_retries,
        ca_file: jira.ca_file.clone(),
    }
}

fn deployment_name(deployment: Deployment) -> &'static str {
    match deployment {
        Deployment::Cloud => "Jira Cloud",
        Deployment::Datacenter => "Jira Data Center / Server",
        Deployment::Auto => "auto",
    }
}

/// The deployment Jira reports, against the configured one and the kind of auth.
fn deployment_step(configured: Deployment, detected: Deployment, jira: &JiraSettings) -> Step {
    let how = if configured == Deployment::Auto {
        "detected"
    } else {
        "configured, and serverInfo agrees"
    };
    if configured != Deployment::Auto && configured != detected {
        return Step::failed(
            "deployment",
            Blame::Config,
            format!(
                "deployment: configured as {} but the server says it is {}",
                deployment_name(configured),
                deployment_name(detected)
            ),
            "set [jira] deployment = \"auto\" (or JIRA_DEPLOYMENT=auto), or fix the URL",
        );
    }
    if detected == Deployment::Cloud && jira.email.is_none() {
        return Step::failed(
            "deployment",
            Blame::Config,
            "deployment: Jira Cloud, but no email is configured, so the token would be sent \
             as a bearer token, which Cloud refuses",
            "set [jira] email (or JIRA_EMAIL) to the Atlassian account email the API token \
             belongs to",
        );
    }
    Step::ok(
        "deployment",
        format!("deployment: {} ({how})", deployment_name(detected)),
    )
}

fn issue_type_step(project: &Project, wanted: &str) -> Step {
    let names: Vec<&str> = project
        .issue_types
        .iter()
        .filter(|t| !t.subtask)
        .map(|t| t.name.as_str())
        .collect();
    match project.issue_type(wanted) {
        Some(found) if found.subtask => Step::failed(
            "issue_type",
            Blame::Config,
            format!(
                "issue type \"{}\" in project {} is a sub-task type; pm-sync files top-level issues",
                found.name, project.key
            ),
            format!("set [jira] issue_type to one of: {}", names.join(", ")),
        ),
        Some(found) => Step::ok(
            "issue_type",
            format!(
                "issue type \"{}\" exists in project {}",
                found.name, project.key
            ),
        ),
        None => Step::failed(
            "issue_type",
            Blame::Config,
            format!(
                "issue type \"{wanted}\" does not exist in project {}",
                project.key
            ),
            format!("set [jira] issue_type to one of: {}", names.join(", ")),
        ),
    }
}

/// With `[jira.fields]`, a parent or a link: the resolved mapping, and what is wrong or still
/// missing (values come from the config, so a problem is the config's to fix).
fn company_screen_step(
    fields: &CreateFields,
    project: &str,
    issue_type: &str,
    company: &CompanyJira,
    cloud: bool,
) -> Step {
    let (mapping, mut problems) = crate::sync::fields::describe(fields, company, cloud);
    if !fields.has("labels") {
        problems.insert(0, "the create screen has no Labels field".to_owned());
    }
    let mapping = mapping
        .iter()
        .map(|line| format!("\n    {line}"))
        .collect::<String>();
    if problems.is_empty() {
        return Step::ok(
            "create_screen",
            format!(
                "create screen of {issue_type} in {project}: every required field has a value; mapping:{mapping}"
            ),
        );
    }
    Step::failed(
        "create_screen",
        Blame::Config,
        format!(
            "create screen of {issue_type} in {project}: {}; mapping so far:{mapping}",
            problems.join("; ")
        ),
        "set the missing or refused fields in [jira.fields] (names and allowed values as listed), \
         or per report in the front matter's jira:",
    )
}

/// The create screen must take labels and must not require a field pm-sync leaves empty.
pub fn create_screen_step(fields: &CreateFields, project: &str, issue_type: &str) -> Step {
    let mut problems = Vec::new();
    if !fields.has("labels") {
        problems.push(
            "the create screen has no Labels field, so tickets cannot carry the incident labels"
                .to_owned(),
        );
    }
    let required: Vec<String> = fields
        .required_unfilled()
        .into_iter()
        .filter(|f| !FIELDS_JIRA_FILLS.contains(&f.field_id.as_str()))
        .map(|f| format!("\"{}\" ({})", f.name, f.field_id))
        .collect();
    if !required.is_empty() {
        problems.push(format!(
            "required field{} pm-sync does not fill: {}",
            if required.len() == 1 { "" } else { "s" },
            required.join(", ")
        ));
    }
    if problems.is_empty() {
        return Step::ok(
            "create_screen",
            format!(
                "create screen of {issue_type} in {project}: takes labels; every required field \
                 is one pm-sync fills ({})",
                FIELDS_WE_FILL.join(", ")
            ),
        );
    }
    Step::failed(
        "create_screen",
        Blame::Jira,
        format!(
            "create screen of {issue_type} in {project}: {}",
            problems.join("; ")
        ),
        "ask a Jira admin to add Labels to the create screen and to make those fields optional \
         (or give them a default) for this issue type, or choose another [jira] issue_type",
    )
}

fn project_failure(error: &JiraError, jira: &JiraSettings, who: &str) -> Step {
    match error {
        JiraError::NotFound { .. } => Step::failed(
            "project",
            Blame::Config,
            format!(
                "project {} not found, or not visible to {who}",
                jira.project
            ),
            "set [jira] project (or JIRA_PROJECT) to the project's key as shown in Jira (e.g. \
             OPS, not its name), and check that this account may browse it",
        ),
        other => jira_failure("project", other, jira),
    }
}

/// A failed step for a Jira error: the error's own text (which names the request, never the
/// token) and the fix that fits its kind.
fn jira_failure(check: &'static str, error: &JiraError, jira: &JiraSettings) -> Step {
    let (blame, fix) = fix_for(error, jira);
    Step::failed(check, blame, format!("{}: {error}", title(check)), fix)
}

/// The words a check's lines start with.
fn title(check: &str) -> &str {
    match check {
        "config_file" => "config file",
        "jira_settings" => "Jira settings",
        "reachable" => "Jira reachable",
        "issue_type" => "issue type",
        "create_screen" => "create screen",
        "confluence_credentials" => "Confluence credentials",
        "confluence_page" => "Confluence page",
        "confluence_edit" => "Confluence edit permission",
        other => other,
    }
}

fn fix_for(error: &JiraError, jira: &JiraSettings) -> (Blame, String) {
    match error {
        JiraError::RetriesExhausted { last, .. } | JiraError::RetryAfterTooLong { last, .. } => {
            fix_for(last, jira)
        }
        JiraError::Unauthorized { .. } => (
            Blame::Jira,
            match &jira.email {
                Some(_) => format!(
                    "put a current API token (id.atlassian.com → Security → API tokens) in {} \
                     and the account's email in [jira] email / JIRA_EMAIL",
                    crate::redact::shown_variable(&jira.token_env)
                ),
                None => format!(
                    "put a current personal access token (Profile → Personal Access Tokens) in {}",
                    crate::redact::shown_variable(&jira.token_env)
                ),
            },
        ),
        JiraError::Forbidden { .. } => (
            Blame::Jira,
            "ask a Jira admin for the permission named above; on Data Center a CAPTCHA is \
             cleared by logging in once in a browser"
                .to_owned(),
        ),
        JiraError::Transport { kind, message, .. } => {
            let lower = message.to_lowercase();
            let fix = if lower.contains("certificate")
                || lower.contains("unknownissuer")
                || lower.contains("unknown issuer")
            {
                "the server's TLS certificate is not trusted here: if your company uses its own \
                 CA, set [jira] ca_file = \"/path/to/company-ca.pem\""
                    .to_owned()
            } else if *kind == TransportKind::Timeout {
                "Jira did not answer in time: check the URL, a proxy (HTTPS_PROXY), or raise \
                 [jira] timeout_secs"
                    .to_owned()
            } else {
                format!(
                    "check the URL ({}), DNS, a proxy (HTTPS_PROXY) and the firewall",
                    jira.url
                )
            };
            (Blame::Jira, fix)
        }
        JiraError::NotFound { .. } => (
            Blame::Jira,
            "check the URL: it should be the Jira base URL (with its context path on Data \
             Center, e.g. https://host/jira)"
                .to_owned(),
        ),
        JiraError::Config(_) => (
            Blame::Config,
            "check [jira] ca_file (a PEM bundle of CA certificates)".to_owned(),
        ),
        _ => (
            Blame::Jira,
            "see Jira's message above; run with -vv to see each request".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jira::model::{FieldMeta, IssueType};

    fn field(id: &str, name: &str, required: bool, default: bool) -> FieldMeta {
        FieldMeta {
            field_id: id.into(),
            name: name.into(),
            required,
            has_default_value: default,
            schema: Default::default(),
            allowed_values: Vec::new(),
        }
    }

    fn screen(fields: Vec<FieldMeta>) -> CreateFields {
        CreateFields {
            issue_type: IssueType {
                id: "1".into(),
                name: "Task".into(),
                subtask: false,
            },
            fields,
        }
    }

    #[test]
    fn create_screen_needs_labels_and_no_unfilled_required_field() {
        let base = || {
            vec![
                field("summary", "Summary", true, false),
                field("issuetype", "Issue Type", true, false),
                field("project", "Project", true, false),
                field("reporter", "Reporter", true, false),
                field("labels", "Labels", false, false),
            ]
        };
        let ok = create_screen_step(&screen(base()), "OPS", "Task");
        assert_eq!(ok.state, State::Ok, "{ok:?}");

        let mut fields = base();
        fields.push(field("components", "Components", true, false));
        fields.push(field("priority", "Priority", true, true));
        let step = create_screen_step(&screen(fields), "OPS", "Task");
        assert_eq!(step.state, State::Failed);
        assert!(
            step.message.contains("\"Components\" (components)"),
            "{step:?}"
        );
        assert!(!step.message.contains("Priority"), "{step:?}");

        let no_labels: Vec<FieldMeta> = base()
            .into_iter()
            .filter(|f| f.field_id != "labels")
            .collect();
        let step = create_screen_step(&screen(no_labels), "OPS", "Task");
        assert!(step.message.contains("no Labels field"), "{step:?}");
        assert_eq!(step.blame, Some(Blame::Jira));
    }

    #[test]
    fn exit_code_blames_config_before_jira() {
        let ok = Step::ok("a", "fine");
        let jira = Step::failed("b", Blame::Jira, "down", "wait");
        let config = Step::failed("c", Blame::Config, "typo", "fix it");
        assert_eq!(exit_code(std::slice::from_ref(&ok)), 0);
        assert_eq!(exit_code(&[ok.clone(), jira.clone()]), 3);
        assert_eq!(exit_code(&[jira, config, ok]), 2);
    }

    #[test]
    fn steps_render_with_marks_and_fix() {
        let step = Step::failed("token", Blame::Config, "token: not set", "export it");
        assert_eq!(render_step(&step), "✗ token: not set\n  fix: export it\n");
        assert_eq!(render_step(&Step::ok("a", "fine")), "✓ fine\n");
        assert_eq!(
            render_step(&Step::skipped("a", "skipped (x)")),
            "- skipped (x)\n"
        );
    }

    #[test]
    fn settings_errors_land_on_their_step() {
        let token = ConfigError::Invalid {
            message:
                "the environment variable JIRA_API_TOKEN (named by [jira] token_env) is not set"
                    .into(),
            hint: "export it".into(),
        };
        assert_eq!(jira_settings_failure(&token).check, "token");
        let url = ConfigError::Invalid {
            message: "Jira URL \"http://jira.example.com\" uses http:// on a non-loopback host"
                .into(),
            hint: "use https://".into(),
        };
        let step = jira_settings_failure(&url);
        assert_eq!(
            (step.check, step.blame),
            ("jira_settings", Some(Blame::Config))
        );
        assert_eq!(step.fix.as_deref(), Some("use https://"));
    }
}
