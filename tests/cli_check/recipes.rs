//! The CI recipes in `examples/ci/` parse, and every `pm-sync …` command line they run is one
//! the CLI accepts: a renamed flag breaks this test, not a user's pipeline.

use std::path::{Path, PathBuf};

use clap::Parser;
use pm_sync::cli::{Cli, Command};

fn recipe(name: &str) -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, text)
}

fn yaml(name: &str) -> serde_json::Value {
    let (path, text) = recipe(name);
    serde_saphyr::from_str::<serde_json::Value>(&text)
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

/// Shell words of `script`, with quotes removed and `\`-newline joined; operators
/// (`;`, `&&`, `||`, `|`, newline) come out as their own words, redirections are dropped
/// together with their target.
fn shell_words(script: &str) -> Vec<String> {
    let script = script.replace("\\\n", " ");
    let mut words = Vec::new();
    let mut word = Word::default();
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                word.started = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.text.push(q);
                }
            }
            '"' => {
                word.started = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.text.extend(chars.next()),
                        q => word.text.push(q),
                    }
                }
            }
            '#' if !word.started => {
                // A comment runs to the end of the line.
                for q in chars.by_ref() {
                    if q == '\n' {
                        words.push("\n".to_owned());
                        break;
                    }
                }
            }
            ' ' | '\t' => word.flush(&mut words),
            '\n' | ';' | '|' | '&' => {
                word.flush(&mut words);
                if (c == '|' || c == '&') && chars.peek() == Some(&c) {
                    chars.next();
                }
                words.push(c.to_string());
            }
            '>' | '<' => {
                // `2>&1`, `>>file`, `> file`: drop the redirection and its target.
                if word.started && word.text.chars().all(|d| d.is_ascii_digit()) {
                    word = Word::default();
                } else {
                    word.flush(&mut words);
                }
                while chars.peek() == Some(&'>') {
                    chars.next();
                }
                if chars.peek() == Some(&'&') {
                    chars.next();
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                } else {
                    word.drop_next = true;
                }
            }
            c => {
                word.started = true;
                word.text.push(c);
            }
        }
    }
    word.flush(&mut words);
    words
}

/// The word being read by [`shell_words`].
#[derive(Default)]
struct Word {
    text: String,
    /// Quotes make an empty word a word.
    started: bool,
    /// The next word is a redirection target, not an argument.
    drop_next: bool,
}

impl Word {
    fn flush(&mut self, words: &mut Vec<String>) {
        if !self.started {
            return;
        }
        if self.drop_next {
            self.drop_next = false;
        } else {
            words.push(std::mem::take(&mut self.text));
        }
        self.text.clear();
        self.started = false;
    }
}

/// Every `pm-sync …` command in `script`, as argument vectors starting with `pm-sync`.
fn pm_sync_commands(script: &str) -> Vec<Vec<String>> {
    let words = shell_words(script);
    let mut commands = Vec::new();
    for command in words.split(|w| matches!(w.as_str(), "\n" | ";" | "|" | "&")) {
        let mut rest = command
            .iter()
            .skip_while(|w| {
                matches!(
                    w.as_str(),
                    "if" | "then" | "else" | "!" | "exec" | "do" | "time"
                ) || (w.contains('=') && !w.starts_with('-'))
            })
            .peekable();
        let Some(first) = rest.peek() else { continue };
        if *first == "pm-sync" || first.ends_with("/pm-sync") {
            commands.push(rest.cloned().collect());
        }
    }
    commands
}

/// Parses each command with the real CLI and returns the subcommand names.
fn parse_all(source: &str, commands: &[Vec<String>]) -> Vec<&'static str> {
    assert!(!commands.is_empty(), "{source} runs no pm-sync command");
    commands
        .iter()
        .map(|argv| {
            let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| {
                panic!(
                    "{source}: `{}` is not a valid pm-sync command:\n{e}",
                    argv.join(" ")
                )
            });
            match cli.command {
                Command::Check(_) => "check",
                Command::Refresh(_) => "refresh",
                Command::Sync(_) => "sync",
                Command::Items(_) => "items",
                Command::Doctor(_) => "doctor",
                Command::Dashboard(_) => "dashboard",
                Command::Completions { .. } => "completions",
                Command::Init(_) => "init",
                Command::Man => "man",
            }
        })
        .collect()
}

/// Every `run:` of a GitHub workflow, with its step's `env`.
fn github_runs(workflow: &serde_json::Value) -> Vec<String> {
    let mut runs = Vec::new();
    for job in workflow["jobs"].as_object().expect("jobs").values() {
        for step in job["steps"].as_array().expect("steps") {
            if let Some(run) = step["run"].as_str() {
                runs.push(run.to_owned());
            }
        }
    }
    runs
}

#[test]
fn the_splitter_finds_commands_as_a_shell_would() {
    let found = pm_sync_commands(
        "set -e # pm-sync check ignored\nstatus=0; pm-sync refresh postmortems/ || status=$?\n\
         X=1 pm-sync check --format markdown \"post mortems/\" >> \"$GITHUB_STEP_SUMMARY\" 2>&1\n\
         cargo install pm-sync && /usr/local/bin/pm-sync -q check \\\n  --offline a.md",
    );
    assert_eq!(
        found,
        [
            vec!["pm-sync", "refresh", "postmortems/"],
            vec!["pm-sync", "check", "--format", "markdown", "post mortems/"],
            vec!["/usr/local/bin/pm-sync", "-q", "check", "--offline", "a.md"],
        ]
    );
}

#[test]
fn github_gate_runs_check_on_pull_requests_touching_postmortems() {
    let workflow = yaml("postmortem-gate.yml");
    assert_eq!(
        workflow["on"]["pull_request"]["paths"],
        serde_json::json!(["postmortems/**"])
    );
    let runs = github_runs(&workflow);
    let commands: Vec<Vec<String>> = runs.iter().flat_map(|r| pm_sync_commands(r)).collect();
    assert_eq!(
        parse_all("postmortem-gate.yml", &commands),
        ["check", "check"]
    );
    let lines: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
    assert!(
        lines.contains(&"pm-sync check --format github postmortems/".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"pm-sync check --format markdown postmortems/".to_owned()),
        "{lines:?}"
    );
    assert!(
        runs.iter()
            .any(|r| r.contains(">> \"$GITHUB_STEP_SUMMARY\"")),
        "{runs:?}"
    );
    let env = &workflow["jobs"]["check"]["env"];
    assert_eq!(env["JIRA_API_TOKEN"], "${{ secrets.JIRA_API_TOKEN }}");
    assert_eq!(workflow["permissions"]["contents"], "read");
}

#[test]
fn github_refresh_runs_on_a_schedule_and_publishes_changes() {
    let workflow = yaml("postmortem-refresh.yml");
    assert!(
        workflow["on"]["schedule"][0]["cron"].is_string(),
        "{workflow}"
    );
    let runs = github_runs(&workflow);
    let commands: Vec<Vec<String>> = runs.iter().flat_map(|r| pm_sync_commands(r)).collect();
    assert_eq!(
        parse_all("postmortem-refresh.yml", &commands),
        ["dashboard", "refresh"]
    );
    let uses: Vec<&str> = workflow["jobs"]["refresh"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    assert!(
        uses.iter()
            .any(|u| u.starts_with("peter-evans/create-pull-request@")),
        "{uses:?}"
    );
    assert_eq!(
        workflow["jobs"]["refresh"]["env"]["JIRA_API_TOKEN"],
        "${{ secrets.JIRA_API_TOKEN }}"
    );
}

#[test]
fn gitlab_ci_has_both_jobs_and_takes_the_token_from_ci_variables() {
    let ci = yaml(".gitlab-ci.yml");
    let mut subcommands = Vec::new();
    for job in ["postmortem-gate", "postmortem-refresh"] {
        let mut commands = Vec::new();
        for key in ["before_script", "script", "after_script"] {
            for line in ci[job][key].as_array().into_iter().flatten() {
                commands.extend(pm_sync_commands(
                    line.as_str().expect("script lines are strings"),
                ));
            }
        }
        for line in ci[".pm-sync"]["before_script"]
            .as_array()
            .into_iter()
            .flatten()
        {
            commands.extend(pm_sync_commands(line.as_str().unwrap()));
        }
        subcommands.extend(parse_all(job, &commands));
    }
    assert_eq!(subcommands, ["check", "check", "refresh"]);
    assert!(
        ci["variables"].get("JIRA_API_TOKEN").is_none(),
        "the token belongs in CI/CD variables"
    );
    assert_eq!(
        ci["postmortem-gate"]["artifacts"]["reports"]["junit"],
        "pm-sync-check.xml"
    );
}

#[test]
fn plain_server_recipes_run_refresh() {
    let (_, script) = recipe("pm-sync-refresh.sh");
    assert_eq!(
        parse_all("pm-sync-refresh.sh", &pm_sync_commands(&script)),
        ["refresh"]
    );

    let (_, service) = recipe("systemd/pm-sync-refresh.service");
    for section in ["[Unit]", "[Service]"] {
        assert!(service.contains(section), "{section} missing");
    }
    let exec = service
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    assert!(
        exec.starts_with("/usr/local/lib/pm-sync/pm-sync-refresh.sh "),
        "{exec}"
    );
    assert!(service.contains("EnvironmentFile=/etc/pm-sync/env"));

    let (_, timer) = recipe("systemd/pm-sync-refresh.timer");
    for needed in [
        "[Timer]",
        "OnCalendar=",
        "Unit=pm-sync-refresh.service",
        "[Install]",
    ] {
        assert!(timer.contains(needed), "{needed} missing from the timer");
    }

    let (_, crontab) = recipe("crontab");
    let entries: Vec<&str> = crontab
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let fields: Vec<&str> = entries[0].split_whitespace().collect();
    assert!(fields.len() > 5, "{entries:?}");
    assert!(
        fields[5..].join(" ").contains("pm-sync-refresh.sh"),
        "{entries:?}"
    );
}
