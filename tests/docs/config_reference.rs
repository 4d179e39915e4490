//! The configuration reference cannot drift from the code: every key the config parser accepts
//! is documented in `config.example.toml` (which the book's configuration page includes whole),
//! and the example itself is a config pm-sync accepts.

use crate::support::cli::PmSync;

const EXAMPLE: &str = include_str!("../../config.example.toml");

/// The keys pm-sync accepts in `section` (`""`: the top level), as its own error lists them for
/// an unknown key.
async fn accepted_keys(section: &str) -> Vec<String> {
    let pm = PmSync::new();
    pm.write(
        "pm.md",
        "# Post-mortem\n\n## Action Items\n\n- Add an alert\n",
    );
    let config = if section.is_empty() {
        "no_such_key = 1\n".to_owned()
    } else {
        format!("[{section}]\nno_such_key = 1\n")
    };
    pm.write("pm-sync.toml", config);
    let out = pm.run(&["items", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    let (_, expected) = out
        .stderr
        .split_once("expected one of ")
        .or_else(|| out.stderr.split_once("expected "))
        .unwrap_or_else(|| panic!("no key list for [{section}]: {out}"));
    expected
        .lines()
        .next()
        .unwrap()
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Whether the example sets or shows `key` in `[section]` (commented out counts: it is shown).
fn documented(section: &str, key: &str) -> bool {
    let mut current = String::new();
    for line in EXAMPLE.lines() {
        let line = line.trim_start_matches('#').trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.to_owned();
            continue;
        }
        let written = line
            .split_once('=')
            .map(|(k, _)| k.trim() == key)
            .unwrap_or(false);
        if (written && (current == section || current.starts_with(&format!("{section}."))))
            || (section.is_empty() && current == key)
            || current == format!("{section}.{key}")
        {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn every_config_key_is_documented_in_the_example() {
    let mut missing = Vec::new();
    for section in ["", "jira", "report", "labels", "status", "confluence"] {
        let keys = accepted_keys(section).await;
        assert!(!keys.is_empty(), "[{section}]");
        for key in keys {
            if !documented(section, &key) {
                missing.push(format!("[{section}] {key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys pm-sync accepts that config.example.toml does not show: {missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_is_a_config_pm_sync_accepts() {
    let pm = PmSync::new();
    pm.write(
        "pm.md",
        "# Post-mortem\n\n## Action Items\n\n- Add an alert\n",
    );
    pm.write("pm-sync.toml", EXAMPLE);
    let out = pm.run(&["items", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn the_book_includes_the_example_whole() {
    let page = include_str!("../../docs/src/configuration.md");
    assert!(page.contains("{{#include ../../config.example.toml}}"));
}
