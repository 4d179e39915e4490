//! `--help` and `pm-sync man`: every command shows examples that the CLI accepts, and the man
//! page is listed and cites no page that is not installed.

use clap::{CommandFactory, Parser};
use pm_sync::cli::Cli;

use crate::support::cli::PmSync;

/// The visible commands, as `--help` lists them.
fn commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .map(|sub| sub.get_name().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_help_shows_examples_the_cli_accepts() {
    let pm = PmSync::new();
    for command in commands() {
        let out = pm.run(&[&command, "--help"]).await;
        assert_eq!(out.code, 0, "{out}");
        let (_, examples) = out
            .stdout
            .split_once("Example")
            .unwrap_or_else(|| panic!("`pm-sync {command} --help` has no examples:\n{out}"));
        let lines: Vec<&str> = examples
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("pm-sync "))
            .collect();
        assert!(!lines.is_empty(), "{command}: {examples}");
        for line in lines {
            // The command ends where its comment (two spaces), a redirection or `&&` starts.
            let argv = line
                .split("  ")
                .next()
                .and_then(|l| l.split(" > ").next())
                .and_then(|l| l.split(" && ").next())
                .unwrap()
                .split_whitespace();
            if let Err(error) = Cli::try_parse_from(argv) {
                panic!("`{line}` in `pm-sync {command} --help` does not parse:\n{error}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_man_page_is_listed_has_a_section_per_command_and_cites_no_missing_page() {
    let pm = PmSync::new();
    let help = pm.run(&["--help"]).await;
    assert!(
        help.stdout
            .lines()
            .any(|line| line.trim_start().starts_with("man ")),
        "{help}"
    );
    let man = pm.run(&["man"]).await;
    assert_eq!(man.code, 0, "{man}");
    for command in commands() {
        if command == "help" {
            continue;
        }
        let heading = format!(".SS \"pm\\-sync {}\"", command.replace('-', "\\-"));
        assert!(man.stdout.contains(&heading), "no section {heading}");
    }
    // Only its own title names a section number: no `pm-sync-sync(1)` that was never installed.
    let cited: Vec<&str> = man
        .stdout
        .lines()
        .filter(|line| line.contains("(1)"))
        .collect();
    assert!(cited.is_empty(), "{cited:?}");
    assert!(man.stdout.contains("ENVIRONMENT, EXIT STATUS AND EXAMPLES"));
    assert!(man.stdout.contains("JIRA_API_TOKEN"));
}
