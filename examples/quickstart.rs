//! The quickstart: pm-sync end to end against an in-process fake Jira. No account, no network.
//!
//! `cargo run --example quickstart` copies a filled post-mortem to a temporary folder, runs
//! `pm-sync sync`, moves two tickets along in the fake Jira, runs `pm-sync refresh`, and shows
//! the report's diff, the tickets with their labels and statuses, and what `check` says.

#[path = "../tests/support/fake_jira/mod.rs"]
mod fake_jira;

use std::ffi::OsString;
use std::path::Path;

use fake_jira::{FAKE_TOKEN, FakeJira, Flavor};

const REPORT: &str = include_str!("postmortem.md");
const TOKEN_VARIABLE: &str = "PM_SYNC_QUICKSTART_TOKEN";

fn main() -> std::process::ExitCode {
    // Set before any thread exists: the token pm-sync reads from the variable named by
    // `token_env`, exactly as in production.
    // SAFETY: no other thread runs yet, so nothing reads the environment concurrently.
    unsafe { std::env::set_var(TOKEN_VARIABLE, FAKE_TOKEN) };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(quickstart())
}

async fn quickstart() -> std::process::ExitCode {
    let fake = FakeJira::start(Flavor::DataCenter).await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let report = dir.path().join("postmortem.md");
    std::fs::write(&report, REPORT).expect("write the example report");
    let config = dir.path().join("pm-sync.toml");
    std::fs::write(
        &config,
        format!(
            "[jira]\nurl = \"{}\"\ndeployment = \"datacenter\"\nproject = \"OPS\"\n\
             token_env = \"{TOKEN_VARIABLE}\"\n\n[status]\nwaived = [\"Won't Do\"]\n",
            fake.url()
        ),
    )
    .expect("write the config");

    banner("A post-mortem with four action items and no tickets yet");
    println!("  report: {}", report.display());
    println!("  fake Jira (Data Center flavour): {}\n", fake.url());

    banner("1. pm-sync sync postmortem.md   (right after the post-mortem meeting)");
    pm_sync(&config, &["sync", path(&report)]).await;
    show_diff(
        REPORT,
        &std::fs::read_to_string(&report).expect("read report"),
    );

    banner("2. Work happens in Jira: two tickets move along");
    let issues = fake.issues();
    let first = issues[0].key.clone();
    let second = issues[1].key.clone();
    fake.transition(&first, "Done");
    fake.transition(&second, "In Progress");
    println!("  {first} → Done, {second} → In Progress\n");

    banner("3. pm-sync refresh .   (on a schedule, keeps statuses current)");
    let before = std::fs::read_to_string(&report).expect("read report");
    pm_sync(&config, &["refresh", path(dir.path())]).await;
    show_diff(
        &before,
        &std::fs::read_to_string(&report).expect("read report"),
    );

    banner("The tickets in Jira");
    for issue in fake.issues() {
        println!(
            "  {:<7} {:<12} [{}]  {}",
            issue.key,
            issue.status,
            issue.labels.join(", "),
            issue.summary
        );
    }
    println!();

    banner("4. pm-sync check .   (the CI gate: exit 0 only when every item is resolved)");
    let code = pm_sync(&config, &["check", path(dir.path())]).await;
    println!("  exit code {code}: the gate fails until every action item is done.\n");
    println!("Try it on your own report: `pm-sync items your-postmortem.md` needs no Jira at all.");
    std::process::ExitCode::SUCCESS
}

/// Runs pm-sync in-process, off the async runtime so the fake Jira keeps answering.
async fn pm_sync(config: &Path, args: &[&str]) -> u8 {
    let mut argv: Vec<OsString> = vec!["pm-sync".into(), "-c".into(), config.into()];
    argv.extend(args.iter().map(OsString::from));
    let code = tokio::task::spawn_blocking(move || {
        std::thread::spawn(move || pm_sync::run_to_code(argv))
            .join()
            .expect("pm-sync thread")
    })
    .await
    .expect("join");
    println!();
    code
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn banner(title: &str) {
    println!("━━ {title}");
}

fn show_diff(old: &str, new: &str) {
    let diff = similar::TextDiff::from_lines(old, new);
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(1)
            .header("postmortem.md (before)", "postmortem.md (after)")
    );
    println!();
}
