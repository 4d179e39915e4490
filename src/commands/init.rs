//! `pm-sync init`: writes a commented `pm-sync.toml` for Jira Cloud or Data Center (never over
//! an existing file), then runs `doctor` on it so the next step is named at once.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{DoctorArgs, Format, InitArgs, InitDeployment};
use crate::error::{Error, exit};
use crate::settings::{ConfigError, Settings, process_env};

/// The URL written when none is given; doctor recognises it and asks for the real one.
const PLACEHOLDER_URL: &str = "https://example.atlassian.net";

/// `pm-sync init`: returns doctor's exit code (or 0 with `--no-doctor`).
pub(super) fn run(args: &InitArgs, config: Option<&Path>) -> Result<u8, Error> {
    let path = args
        .output
        .clone()
        .or_else(|| config.map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("pm-sync.toml"));
    // A user name or password in the URL would be written into a file meant for git (and
    // every later run refuses it anyway): refused before anything is written, never echoed.
    if let Some(url) = &args.url
        && let Ok(parsed) = url::Url::parse(url.trim())
        && (!parsed.username().is_empty() || parsed.password().is_some())
    {
        return Err(Error::config(
            format!(
                "--url {:?} carries a user name or password; nothing was written",
                crate::settings::redact_userinfo(url.trim())
            ),
            "give the site's URL alone; the token goes in JIRA_API_TOKEN (or the variable named \
             by token_env), the Cloud account's email in --email",
        ));
    }
    let text = template(args);
    // `--output -`: the config on stdout, as tools do (nothing written, so nothing to check).
    if path.as_os_str() == "-" {
        super::runtime::print_stdout(&text);
        return Ok(exit::OK);
    }
    // A folder that is missing or not writable is this machine's, not Jira's: exit 2, and how.
    let cannot_write = |error: std::io::Error| {
        Error::config(
            format!(
                "{}: cannot write: {error}; nothing was written",
                path.display()
            ),
            "give a file in a folder that exists and you may write (--output), or run init \
             from such a folder",
        )
    };
    // create_new: never replace a config someone already wrote, not even in a race.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::config(
                format!(
                    "{} already exists; pm-sync init never overwrites a config",
                    path.display()
                ),
                "edit it, run `pm-sync doctor` to check it, or give another file with --output",
            ));
        }
        Err(error) => return Err(cannot_write(error)),
    };
    if let Err(error) = file
        .write_all(crate::redact::text(&text).as_bytes())
        .and_then(|()| file.sync_all())
    {
        // Not left half-written for the next run to trip on.
        let _ = std::fs::remove_file(&path);
        return Err(cannot_write(error));
    }
    crate::redact::eprint(&format!("wrote {}", path.display()));
    if args.no_doctor {
        return Ok(exit::OK);
    }
    let settings = match Settings::load(Some(&path), &process_env) {
        Ok(settings) => settings,
        Err(error @ ConfigError::Parse { .. }) => return Err(error.into()),
        Err(error) => {
            return Ok(super::doctor::config_failed(
                &error,
                &DoctorArgs {
                    format: Format::Text,
                    page: None,
                },
            ));
        }
    };
    super::doctor::run(
        &settings,
        &DoctorArgs {
            format: Format::Text,
            page: None,
        },
    )
}

/// A TOML basic string (JSON's escapes are TOML's).
fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The commented config for the chosen deployment.
fn template(args: &InitArgs) -> String {
    let url = quoted(args.url.as_deref().unwrap_or(PLACEHOLDER_URL));
    let project = quoted(args.project.as_deref().unwrap_or("OPS"));
    let (deployment, auth) = match args.deployment {
        InitDeployment::Cloud => {
            let email = match &args.email {
                Some(email) => format!("email = {}", quoted(email)),
                None => "# email = \"you@example.com\"   # required on Cloud".to_owned(),
            };
            (
                "cloud",
                format!(
                    "# Jira Cloud signs in with the Atlassian account's email and an API token\n\
                     # (https://id.atlassian.com/manage-profile/security/api-tokens), exported as\n\
                     # JIRA_API_TOKEN (or the variable named by token_env). Never put the token here.\n\
                     {email}\n"
                ),
            )
        }
        InitDeployment::Datacenter => (
            "datacenter",
            "# Jira Data Center / Server takes a personal access token (Profile -> Personal Access\n\
             # Tokens) as a bearer token, exported in the variable named here. Never put the token\n\
             # itself in this file. No email on Data Center.\n\
             token_env = \"JIRA_API_TOKEN\"\n\
             \n\
             # A PEM bundle of your company's CA, if the server's certificate is not in the OS\n\
             # trust store (relative paths are relative to this file).\n\
             # ca_file = \"corp-root.pem\"\n"
                .to_owned(),
        ),
    };
    format!(
        "# pm-sync configuration, written by `pm-sync init`. Every key is documented in\n\
         # config.example.toml; unknown keys are an error. Check it with `pm-sync doctor`.\n\
         \n\
         [jira]\n\
         # The site's base URL (https://; http:// only on localhost).\n\
         url = {url}\n\
         deployment = \"{deployment}\"\n\
         # The key of the project that receives the tickets.\n\
         project = {project}\n\
         # issue_type = \"Task\"\n\
         \n\
         {auth}\
         \n\
         [report]\n\
         # The heading above the action items table.\n\
         # section = \"Action Items\"\n\
         # Where people read the reports; tickets then link back to them.\n\
         # url = \"https://github.com/acme/sre/blob/main/{{path}}\"\n\
         \n\
         [labels]\n\
         # Severity when neither --severity nor the report's front matter gives one.\n\
         # severity = \"sev1\"\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(deployment: InitDeployment) -> InitArgs {
        InitArgs {
            deployment,
            url: Some("https://acme.atlassian.net".into()),
            project: Some("OPS".into()),
            email: Some("a\"b@acme.com".into()),
            output: None,
            no_doctor: true,
        }
    }

    #[test]
    fn both_templates_parse_as_configs() {
        for deployment in [InitDeployment::Cloud, InitDeployment::Datacenter] {
            let text = template(&args(deployment));
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("pm-sync.toml");
            std::fs::write(&path, &text).unwrap();
            let env = |name: &str| (name == "JIRA_API_TOKEN").then(|| "t".to_owned());
            let settings = Settings::load(Some(&path), &env).expect(&text);
            let jira = settings.jira().expect(&text);
            assert_eq!(jira.project, "OPS");
            assert_eq!(
                jira.email.is_some(),
                deployment == InitDeployment::Cloud,
                "{text}"
            );
        }
    }
}
