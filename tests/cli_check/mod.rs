//! `pm-sync check` and `pm-sync doctor` as a CI job runs them: the binary against the fake Jira
//! in a clean environment, plus the CI recipes in `examples/ci/`.

mod doctor;
mod formats;
mod gate;
mod hardening;
mod recipes;
mod secrets;

use crate::support::cli::PmSync;
use crate::support::fake_jira::{FakeJira, Flavor};

/// A fixture report from `tests/fixtures/check/`.
fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/check/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fake Jira with issues OPS-1..OPS-n, in these statuses (`"To Do"` leaves one as created).
fn seeded(jira: &FakeJira, statuses: &[&str]) -> Vec<String> {
    statuses
        .iter()
        .enumerate()
        .map(|(n, status)| {
            let key = jira.seed_issue("OPS", &format!("Item {}", n + 1), &["sev2"]);
            assert_eq!(
                key,
                format!("OPS-{}", n + 1),
                "the fake numbers keys from 1"
            );
            if *status != "To Do" {
                jira.transition(&key, status);
            }
            key
        })
        .collect()
}

/// A session against `jira` with `files` (name, contents) written into its directory.
fn session(jira: &FakeJira, flavor: Flavor, files: &[(&str, String)]) -> PmSync {
    let session = PmSync::against(jira, flavor);
    for (name, contents) in files {
        session.write(name, contents);
    }
    session
}
