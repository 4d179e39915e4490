//! The scheduled recipes publish the dashboard: GitHub Pages and GitLab Pages get the folder
//! that `pm-sync dashboard --out` writes, with the token from the CI secret store.

use clap::Parser;
use pm_sync::cli::{Cli, Command};

fn yaml(name: &str) -> serde_json::Value {
    let path = format!("{}/examples/ci/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"))
}

/// The `--out` folder of the one `pm-sync dashboard` command in `script`.
fn dashboard_out(script: &str) -> String {
    let words: Vec<&str> = script
        .split(">>")
        .next()
        .unwrap()
        .split_whitespace()
        .map(|w| w.trim_matches('"'))
        .collect();
    let start = words
        .iter()
        .position(|w| *w == "pm-sync")
        .expect("a pm-sync command");
    let cli = Cli::try_parse_from(&words[start..]).expect("a valid pm-sync command");
    match cli.command {
        Command::Dashboard(args) => args.out.expect("--out").display().to_string(),
        other => panic!("not a dashboard command: {other:?}"),
    }
}

#[test]
fn github_refresh_recipe_publishes_the_dashboard_to_pages() {
    let workflow = yaml("postmortem-refresh.yml");
    let job = &workflow["jobs"]["dashboard"];
    assert_eq!(job["permissions"]["pages"], "write");
    assert_eq!(job["permissions"]["id-token"], "write");
    // The token reaches only the Action's step, never the job's environment.
    assert!(job["env"]["JIRA_API_TOKEN"].is_null(), "{job}");
    let steps = job["steps"].as_array().unwrap();
    let action = steps
        .iter()
        .find(|s| s["with"]["command"] == "dashboard")
        .expect("a dashboard step using the Action");
    assert_eq!(action["with"]["token"], "${{ secrets.JIRA_API_TOKEN }}");
    let args = action["with"]["args"].as_str().expect("args");
    let paths = action["with"]["paths"].as_str().expect("paths");
    let out = dashboard_out(&format!("pm-sync dashboard {args} {paths}"));
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-pages-artifact@"))
        })
        .expect("an upload-pages-artifact step");
    assert_eq!(upload["with"]["path"], out.as_str());
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/deploy-pages@"))
    }));
}

#[test]
fn gitlab_recipe_publishes_the_dashboard_to_pages() {
    let ci = yaml(".gitlab-ci.yml");
    let job = &ci["pages"];
    assert_eq!(job["extends"], ".pm-sync");
    let script = job["script"][0].as_str().unwrap();
    // GitLab Pages serves the `public` artifact of the job named `pages`.
    assert_eq!(dashboard_out(script), "public");
    assert_eq!(job["artifacts"]["paths"][0], "public");
    assert!(ci["variables"].get("JIRA_API_TOKEN").is_none());
}
