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

/// Every `run:` of a GitHub workflow.
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

/// The steps of a workflow that use the pm-sync Action (`OWNER/pm-sync@REF`).
fn action_steps(workflow: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut steps = Vec::new();
    for job in workflow["jobs"].as_object().expect("jobs").values() {
        for step in job["steps"].as_array().expect("steps") {
            if let Some(uses) = step["uses"].as_str()
                && uses.starts_with("OWNER/pm-sync@")
            {
                steps.push(step.clone());
            }
        }
    }
    steps
}

/// The values an `args` input can take: itself, or, for an expression, the empty string and
/// each `format('…{0}…', …)` in it with `main` for `{0}` (e.g. `--changed=origin/main`).
fn args_choices(args: &str) -> Vec<String> {
    if !args.contains("${{") {
        return vec![args.to_owned()];
    }
    let mut choices = vec![String::new()];
    let mut rest = args;
    while let Some(start) = rest.find("format('") {
        let template = &rest[start + "format('".len()..];
        let end = template.find('\'').expect("a closed format string");
        choices.push(template[..end].replace("{0}", "main"));
        rest = &template[end..];
    }
    choices
}

/// The command line `scripts/action/run.sh` builds from an Action step's inputs (an input
/// given as an expression, like `offline` or `args`, is tried every way).
fn action_commands(step: &serde_json::Value) -> Vec<Vec<String>> {
    let with = &step["with"];
    let input = |name: &str| with[name].as_str().unwrap_or("").to_owned();
    let command = with["command"].as_str().unwrap_or("check").to_owned();
    let format = match (input("format").as_str(), command.as_str()) {
        ("", "check") => "json".to_owned(),
        ("", _) => "text".to_owned(),
        (format, _) => format.to_owned(),
    };
    let offline = input("offline");
    let choices: &[bool] = match offline.as_str() {
        "" | "false" => &[false],
        "true" => &[true],
        _ => &[false, true],
    };
    let args = args_choices(&input("args"));
    choices
        .iter()
        .flat_map(|&offline| args.iter().map(move |args| (offline, args)))
        .map(|(offline, args)| {
            let mut argv = vec!["pm-sync".to_owned()];
            if !input("config").is_empty() {
                argv.extend(["-c".to_owned(), input("config")]);
            }
            argv.push(command.clone());
            if offline {
                argv.push("--offline".to_owned());
            }
            argv.extend(["--format".to_owned(), format.clone()]);
            argv.extend(args.split_whitespace().map(str::to_owned));
            argv.push("--".to_owned());
            let paths = input("paths");
            let paths = if paths.is_empty() {
                "postmortems/".to_owned()
            } else {
                paths
            };
            argv.extend(paths.split_whitespace().map(str::to_owned));
            argv
        })
        .collect()
}

/// The Jira token appears only as the `token` input of pm-sync Action steps: never in a job's
/// or the workflow's `env`, so checkout, cache and git steps never see it.
fn token_only_in_action_steps(name: &str, text: &str, workflow: &serde_json::Value) {
    let secret = "${{ secrets.JIRA_API_TOKEN }}";
    let steps = action_steps(workflow);
    let given = steps
        .iter()
        .filter(|s| s["with"]["token"] == secret)
        .count();
    assert!(given > 0, "{name}: no pm-sync step gets the token");
    assert_eq!(
        text.matches("secrets.JIRA_API_TOKEN").count(),
        given,
        "{name}: the token is used outside the pm-sync steps"
    );
    assert!(workflow["env"].get("JIRA_API_TOKEN").is_none(), "{name}");
    for job in workflow["jobs"].as_object().unwrap().values() {
        assert!(job["env"].get("JIRA_API_TOKEN").is_none(), "{name}");
    }
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
fn github_gate_asks_jira_once_through_the_action_on_pull_requests_touching_postmortems() {
    let workflow = yaml("postmortem-gate.yml");
    let (_, text) = recipe("postmortem-gate.yml");
    assert_eq!(
        workflow["on"]["pull_request"]["paths"],
        serde_json::json!(["postmortems/**"])
    );
    let steps = action_steps(&workflow);
    assert_eq!(steps.len(), 1, "one check, one query to Jira: {steps:?}");
    let commands = action_commands(&steps[0]);
    assert_eq!(
        parse_all("postmortem-gate.yml", &commands),
        ["check"; 4],
        "live, and offline for forks; every report, and the changed ones"
    );
    assert_eq!(
        commands[0].join(" "),
        "pm-sync check --format json -- postmortems/"
    );
    assert_eq!(
        commands[1].join(" "),
        "pm-sync check --format json --changed=origin/main -- postmortems/"
    );
    assert_eq!(
        steps[0]["with"]["offline"],
        "${{ github.event.pull_request.head.repo.fork }}"
    );
    assert!(
        github_runs(&workflow).is_empty(),
        "no build or install step"
    );
    token_only_in_action_steps("postmortem-gate.yml", &text, &workflow);
    assert_eq!(workflow["permissions"]["contents"], "read");
}

#[test]
fn github_refresh_runs_on_a_schedule_and_publishes_changes_as_a_bot() {
    let workflow = yaml("postmortem-refresh.yml");
    let (_, text) = recipe("postmortem-refresh.yml");
    assert!(
        workflow["on"]["schedule"][0]["cron"].is_string(),
        "{workflow}"
    );
    let steps = action_steps(&workflow);
    assert_eq!(steps.len(), 2, "{steps:?}");
    let commands: Vec<Vec<String>> = steps.iter().flat_map(action_commands).collect();
    // The dashboard job publishes to Pages beside the refresh; jobs are read in name order.
    assert_eq!(
        parse_all("postmortem-refresh.yml", &commands),
        ["dashboard", "refresh"]
    );
    // No pm-sync command runs outside the Action steps.
    let runs = github_runs(&workflow);
    assert!(
        runs.iter().all(|r| pm_sync_commands(r).is_empty()),
        "{runs:?}"
    );
    let job_steps = workflow["jobs"]["refresh"]["steps"].as_array().unwrap();
    let pr = job_steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("peter-evans/create-pull-request@"))
        })
        .expect("create-pull-request step");
    assert!(
        pr["with"]["committer"]
            .as_str()
            .is_some_and(|c| c.contains('@'))
    );
    let commit = runs
        .iter()
        .find(|r| r.contains("git commit"))
        .expect("commit step");
    assert!(commit.contains("git config user.name"), "{commit}");
    assert!(commit.contains("git config user.email"), "{commit}");
    assert!(
        commit.contains("git pull --rebase"),
        "a push that cannot fast-forward is replayed: {commit}"
    );
    token_only_in_action_steps("postmortem-refresh.yml", &text, &workflow);
}

#[test]
fn gitlab_ci_uses_the_image_asks_jira_once_and_takes_the_token_from_ci_variables() {
    let ci = yaml(".gitlab-ci.yml");
    let (_, text) = recipe(".gitlab-ci.yml");
    assert!(!text.contains("cargo "), "nothing is compiled");
    assert_eq!(ci[".pm-sync"]["image"]["name"], "$PM_SYNC_IMAGE");
    assert_eq!(
        ci[".pm-sync"]["image"]["entrypoint"],
        serde_json::json!([""])
    );
    let image = ci["variables"]["PM_SYNC_IMAGE"].as_str().unwrap();
    assert!(
        image.starts_with("ghcr.io/") && image.ends_with("-alpine"),
        "{image}: GitLab jobs need the image with a shell"
    );
    let mut subcommands = Vec::new();
    for job in ["postmortem-gate", "postmortem-refresh"] {
        assert_eq!(ci[job]["extends"], ".pm-sync", "{job}");
        let mut commands = Vec::new();
        for key in ["before_script", "script", "after_script"] {
            for line in ci[job][key].as_array().into_iter().flatten() {
                commands.extend(pm_sync_commands(
                    line.as_str().expect("script lines are strings"),
                ));
            }
        }
        subcommands.extend(parse_all(job, &commands));
    }
    assert_eq!(subcommands, ["check", "refresh"], "the gate asks Jira once");
    let gate: Vec<&str> = ci["postmortem-gate"]["script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert!(
        gate.iter().any(|l| l.contains(
            "pm-sync check --changed=\"$CI_MERGE_REQUEST_DIFF_BASE_SHA\" --format junit \
                 postmortems/ > pm-sync-check.xml"
        )),
        "{gate:?}"
    );
    assert_eq!(
        ci["postmortem-gate"]["artifacts"]["reports"]["junit"],
        "pm-sync-check.xml"
    );
    assert!(
        ci["variables"].get("JIRA_API_TOKEN").is_none(),
        "the token belongs in CI/CD variables"
    );
    assert!(
        text.contains("NOT Protected"),
        "the variable setup is documented"
    );
    let refresh = ci["postmortem-refresh"]["script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for needed in [
        "user.name",
        "user.email",
        "safe.directory",
        "git rebase FETCH_HEAD",
    ] {
        assert!(
            refresh.contains(needed),
            "{needed} missing from the refresh job"
        );
    }
}

#[test]
fn plain_server_recipes_run_refresh_with_pm_sync_on_path() {
    let (_, script) = recipe("pm-sync-refresh.sh");
    assert_eq!(
        parse_all("pm-sync-refresh.sh", &pm_sync_commands(&script)),
        ["refresh"]
    );
    assert!(script.contains("user.name="), "the git identity is set");

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
    assert!(service.contains("install -m 0755 pm-sync /usr/local/bin/pm-sync"));
    assert!(service.contains("Environment=PATH=/usr/local/bin:"));

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
    assert_eq!(entries.len(), 2, "{entries:?}");
    // Cron's default PATH (/usr/bin:/bin) lacks where pm-sync is installed.
    let path = entries[0].strip_prefix("PATH=").expect("PATH is set first");
    assert!(path.split(':').any(|d| d == "/usr/local/bin"), "{path}");
    let fields: Vec<&str> = entries[1].split_whitespace().collect();
    assert!(fields.len() > 5, "{entries:?}");
    assert!(
        fields[5..].join(" ").contains("pm-sync-refresh.sh"),
        "{entries:?}"
    );
}

/// A file at the repository root.
fn root_yaml(name: &str) -> (String, serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_saphyr::from_str::<serde_json::Value>(&text)
        .unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"));
    (text, value)
}

#[test]
fn the_action_gives_the_token_to_the_pm_sync_step_only() {
    let (text, action) = root_yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["command", "paths", "format", "config", "version", "token"] {
        assert!(
            action["inputs"].get(input).is_some(),
            "input {input} missing"
        );
    }
    assert_eq!(text.matches("inputs.token }}").count(), 1, "{text}");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let with_token: Vec<&serde_json::Value> = steps
        .iter()
        .filter(|s| s["env"].get("PM_SYNC_TOKEN").is_some())
        .collect();
    assert_eq!(with_token.len(), 1);
    assert_eq!(with_token[0]["id"], "run");
    // Every script a step runs exists.
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            let script = run
                .split_whitespace()
                .find_map(|w| w.strip_prefix("\"$ACTION_PATH/"))
                .map(|w| w.trim_end_matches('"'))
                .expect("runs a script of the action");
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR")).join(script).is_file(),
                "{script}"
            );
        }
    }
}

#[test]
fn pre_commit_hooks_run_commands_the_cli_accepts_without_network() {
    let (_, hooks) = root_yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["pm-sync-items", "pm-sync-check-offline"]);
    let mut subcommands = Vec::new();
    for hook in hooks {
        let entry = hook["entry"].as_str().unwrap();
        // pre-commit appends the changed files.
        let entry = format!("{entry} postmortems/2026-01-02.md");
        let mut commands = pm_sync_commands(&entry);
        if let Some(inner) = entry.strip_prefix("bash -c '") {
            let inner = &inner[..inner.find('\'').unwrap()];
            commands = pm_sync_commands(&inner.replace("\"$report\"", "a.md"));
        }
        subcommands.extend(parse_all(hook["id"].as_str().unwrap(), &commands));
        assert!(
            hook["files"].as_str().unwrap().starts_with("^postmortems/"),
            "{hook}"
        );
    }
    assert_eq!(subcommands, ["items", "check"]);
    assert!(
        hooks[1]["entry"].as_str().unwrap().contains("--offline"),
        "no network"
    );
}
