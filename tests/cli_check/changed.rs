//! `check --changed [BASE]`: a pull request is gated on the reports it changed, found with real
//! git in a temporary repository.

use std::path::Path;
use std::process::Command;

use super::fixture;
use crate::support::cli::PmSync;

/// Runs git in `dir` as a person would, with a fixed identity.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=SRE", "-c", "user.email=sre@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository whose `main` holds two reports (one with open items) and a README, checked out
/// on a pull request branch `fix`.
fn repository() -> PmSync {
    let pm = PmSync::new();
    pm.write("postmortems/open.md", fixture("mixed.md"));
    pm.write("postmortems/done.md", fixture("resolved-html.md"));
    pm.write(
        "postmortems/README.md",
        "# Post-mortems\n\nOne file per incident.\n",
    );
    git(pm.dir(), &["init", "-q"]);
    git(pm.dir(), &["add", "."]);
    git(pm.dir(), &["commit", "-q", "-m", "reports"]);
    git(pm.dir(), &["checkout", "-q", "-b", "fix"]);
    pm
}

fn checked_paths(stdout: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(stdout).expect("JSON on stdout");
    json["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| r["path"].as_str().expect("path").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pull_request_that_changes_no_report_passes_while_the_folder_has_open_items() {
    let pm = repository();
    pm.write(
        "postmortems/README.md",
        "# Post-mortems\n\nOne file per incident (typo fixed).\n",
    );
    git(pm.dir(), &["commit", "-q", "-am", "typo"]);

    let whole = pm.run(&["check", "--offline", "postmortems/"]).await;
    assert_eq!(whole.code, 1, "the folder has open items: {whole}");

    let out = pm
        .run(&[
            "check",
            "--offline",
            "--changed=main",
            "--require-items",
            "--format",
            "json",
            "postmortems/",
        ])
        .await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(checked_paths(&out.stdout), Vec::<String>::new());
    assert!(
        out.stderr
            .contains("check --changed: 0 reports changed since main (merge base "),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn committed_modified_and_new_reports_are_checked_and_nothing_else() {
    let pm = repository();
    // Committed on the branch: the resolved report gets a note.
    let done = pm.read("postmortems/done.md");
    pm.write("postmortems/done.md", format!("{done}\nReviewed again.\n"));
    git(pm.dir(), &["commit", "-q", "-am", "note"]);
    // Not committed yet: a new report with open items, in a sub-folder.
    pm.write("postmortems/2026/new.md", fixture("mixed.md"));

    let out = pm
        .run(&[
            "check",
            "--offline",
            "--changed",
            "--format",
            "json",
            "postmortems/",
        ])
        .await;
    assert_eq!(out.code, 1, "the new report has open items: {out}");
    assert_eq!(
        checked_paths(&out.stdout),
        ["postmortems/2026/new.md", "postmortems/done.md"],
        "{out}"
    );
    assert!(out.stderr.contains("2 reports changed since main"), "{out}");

    // Once the new report is gone again, only the resolved one is left: it passes.
    std::fs::remove_file(pm.dir().join("postmortems/2026/new.md")).unwrap();
    let out = pm
        .run(&["check", "--offline", "--changed", "postmortems/"])
        .await;
    assert_eq!(out.code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unchanged_broken_report_does_not_fail_someone_elses_pull_request() {
    let pm = repository();
    pm.write("postmortems/broken.md", fixture("no-item-column.md"));
    git(pm.dir(), &["checkout", "-q", "main"]);
    git(pm.dir(), &["add", "."]);
    git(pm.dir(), &["commit", "-q", "-m", "a broken report on main"]);
    git(pm.dir(), &["checkout", "-q", "-b", "other"]);
    let whole = pm.run(&["check", "--offline", "postmortems/"]).await;
    assert_eq!(whole.code, 2, "{whole}");

    let done = pm.read("postmortems/done.md");
    pm.write("postmortems/done.md", format!("{done}\nReviewed.\n"));
    let out = pm
        .run(&["check", "--offline", "--changed=main", "postmortems/"])
        .await;
    assert_eq!(out.code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_a_repository_or_with_an_unknown_base_it_says_how_to_fix_it() {
    let pm = PmSync::new();
    pm.write("postmortems/open.md", fixture("mixed.md"));
    let out = pm
        .run(&["check", "--offline", "--changed", "postmortems/"])
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("check --changed: git rev-parse"),
        "{out}"
    );
    assert!(out.stderr.contains("leave out --changed"), "{out}");

    let pm = repository();
    let out = pm
        .run(&[
            "check",
            "--offline",
            "--changed=origin/nope",
            "postmortems/",
        ])
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("no merge base of `origin/nope` and HEAD"),
        "{out}"
    );
    assert!(out.stderr.contains("fetch-depth: 0"), "{out}");

    // Never handed to git as an option.
    let out = pm
        .run(&[
            "check",
            "--offline",
            "--changed=--output=/tmp/x",
            "postmortems/",
        ])
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("is not a revision"), "{out}");
}
