//! No silent outcome: a run that changes nothing says so, and the machine formats print one
//! well-formed result even when the run stops on an error (exit 2 or 3).

use super::*;

/// A session whose Jira URL is a loopback port nothing listens on: every request is refused.
fn unreachable_jira() -> PmSync {
    PmSync::new()
        .env("JIRA_URL", "http://127.0.0.1:9")
        .env("JIRA_PROJECT", "OPS")
        .env("JIRA_EMAIL", "sre@example.com")
        .env("JIRA_DEPLOYMENT", "cloud")
        .env("JIRA_API_TOKEN", "not-a-real-token")
}

/// [`HTML_REPORT`] with its first item linked to OPS-1, so that every command asks Jira.
fn linked_report() -> String {
    let linked = HTML_REPORT.replacen(
        "<td>Add an alert",
        "<td><a href=\"https://jira.example.com/browse/OPS-1\">OPS-1</a> Add an alert",
        1,
    );
    assert_ne!(linked, HTML_REPORT, "the fixture has the item");
    linked
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_that_changes_nothing_says_so_in_text_and_json() {
    let (_fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    let first = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(first.code, 0, "{first}");
    assert!(!first.stdout.contains("nothing changed"), "{first}");

    let again = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(again.code, 0, "{again}");
    assert!(
        again
            .stdout
            .ends_with("sync: nothing changed in Jira or in the reports; 0 created, 0 adopted, 0 updated in Jira, 0 rows changed in reports across 1 report\n"),
        "{again}"
    );
    let dry = pm.run(&["sync", "--dry-run", "pm.md"]).await;
    assert!(
        dry.stdout
            .contains("sync: nothing would change in Jira or in the reports; "),
        "{dry}"
    );

    let json = pm.run(&["sync", "--format", "json", "pm.md"]).await;
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["changed"], false, "{json}");
    pm.write("other.md", HTML_REPORT.replace("2020-04-14", "2020-05-01"));
    let json = pm.run(&["sync", "--format", "json", "other.md"]).await;
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["changed"], true, "{json}");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_json_and_github_print_a_result_when_jira_cannot_be_reached() {
    let pm = unreachable_jira();
    pm.write("postmortems/pm.md", linked_report());

    let out = pm.run(&["check", "--format", "json", "postmortems/"]).await;
    assert_eq!(out.code, 3, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("well-formed JSON");
    assert_eq!(doc["passed"], false);
    assert_eq!(doc["error"]["exit_code"], 3);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unreachable"),
        "{out}"
    );
    assert_eq!(doc["reports"], serde_json::json!([]));
    assert!(!out.stdout.contains("not-a-real-token"));

    let out = pm
        .run(&["check", "--format", "github", "postmortems/"])
        .await;
    assert_eq!(out.code, 3, "{out}");
    let mut lines = out.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("::error title=pm-sync check could not run (exit 3)::"),
        "{out}"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("pm-sync check failed: no verdict (exit 3): "),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_prints_a_result_on_a_config_error_and_on_a_failed_sync() {
    let pm = PmSync::new();
    pm.write("pm.md", HTML_REPORT);
    let out = pm.run(&["check", "--format", "json", "pm.md"]).await;
    assert_eq!(out.code, 2, "no Jira settings: {out}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("well-formed JSON");
    assert_eq!(doc["error"]["exit_code"], 2);

    let pm = unreachable_jira();
    pm.write("pm.md", linked_report());
    for command in ["sync", "refresh"] {
        let out = pm.run(&[command, "--format", "json", "pm.md"]).await;
        assert_eq!(out.code, 3, "{out}");
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("well-formed JSON");
        assert_eq!(doc["command"], command);
        assert_eq!(doc["error"]["exit_code"], 3);
        assert_eq!(doc["changed"], false);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dry_run_diff_shows_every_cell_the_real_run_writes() {
    let (_fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    let dry = pm.run(&["sync", "--dry-run", "pm.md"]).await;
    assert_eq!(dry.code, 0, "{dry}");
    let added: Vec<&str> = dry
        .stdout
        .lines()
        .filter(|line| line.starts_with('+') && !line.starts_with("+++"))
        .collect();

    let real = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(real.code, 0, "{real}");
    let written = pm.read("pm.md");
    let changed: Vec<&str> = written
        .lines()
        .filter(|line| !HTML_REPORT.lines().any(|old| old == *line))
        .collect();
    // Each line the real run changed is in the dry run's diff, with `OPS-?n` for the key and
    // `(status)` for the status Jira gives the new ticket.
    assert_eq!(added.len(), changed.len(), "{dry}\n{written}");
    for (dry_line, real_line) in added.iter().zip(&changed) {
        let mut expected = real_line.to_string();
        for n in 1..=4 {
            expected = expected.replace(&format!("OPS-{n}"), &format!("OPS-?{n}"));
        }
        expected = expected.replace("To Do", "(status)");
        assert_eq!(&dry_line[1..], expected, "{dry}");
    }
    assert!(added.iter().any(|line| line.contains("(status)")), "{dry}");
}

/// `line` with every key (`OPS-12`, or a dry run's `OPS-?12`) as `OPS-#` and the status a new
/// ticket gets (`To Do`, or a dry run's `(status)`) as `(status)`.
fn keys_and_new_statuses_hidden(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("OPS-") {
        out.push_str(&rest[..at]);
        out.push_str("OPS-#");
        rest = rest[at + 4..].trim_start_matches(|c: char| c == '?' || c.is_ascii_digit());
    }
    out.push_str(rest);
    out.replace("To Do", "(status)")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_big_dry_runs_diff_is_the_change_the_real_run_makes_in_every_kind() {
    // A preview of thousands of rows is written as its rows are planned, a stretch at a
    // time (its values let go as they are written): every changed line of the real run is in
    // its diff, in order, whatever the container and however many lines an item spans.
    let (_fake, pm) = setup(Flavor::Cloud).await;
    let head = "---\ndate: 2020-04-14\ntitle: Big\n---\n# Big\n\n## Action Items\n\n";
    let rows = 4_500;
    let mut pipe = format!("{head}| Action Item | Owner | Status |\n|---|---|---|\n");
    let mut list = head.to_owned();
    let mut html = format!("{head}<table>\n<tr><th>Action Item</th><th>Status</th></tr>\n");
    for n in 0..rows {
        pipe.push_str(&format!("| Fix `thing` {n} & more | @someone | |\n"));
        list.push_str(&format!("- [ ] Fix thing {n}\n"));
        if n % 3 == 0 {
            list.push_str("  - owner: @someone\n  - more words on\n    two lines\n");
        }
        html.push_str(&format!(
            "<tr>\n<td>Fix thing {n} &amp; more</td>\n<td></td>\n</tr>\n"
        ));
    }
    html.push_str("</table>\n");
    for (name, report) in [("pipe.md", pipe), ("list.md", list), ("html.md", html)] {
        let report = format!("{report}\n## Timeline\n\nNothing else.\n");
        pm.write(name, &report);
        let dry = pm.run(&["sync", "--dry-run", name]).await;
        assert_eq!(dry.code, 0, "{name}: {}", dry.stderr);
        let added: Vec<String> = dry
            .stdout
            .lines()
            .filter(|line| line.starts_with('+') && !line.starts_with("+++"))
            .map(|line| keys_and_new_statuses_hidden(&line[1..]))
            .collect();
        let removed = dry
            .stdout
            .lines()
            .filter(|line| line.starts_with('-') && !line.starts_with("---"))
            .count();

        let real = pm.run(&["sync", name]).await;
        assert_eq!(real.code, 0, "{name}: {}", real.stderr);
        let written = pm.read(name);
        let old: std::collections::HashSet<&str> = report.lines().collect();
        let changed: Vec<String> = written
            .lines()
            .filter(|line| !old.contains(line))
            .map(keys_and_new_statuses_hidden)
            .collect();
        assert!(changed.len() >= rows, "{name}: every item changed");
        assert_eq!(added.len(), changed.len(), "{name}");
        assert_eq!(
            removed,
            changed.len(),
            "{name}: each changed line replaces one"
        );
        if let Some(n) = (0..added.len()).find(|&n| added[n] != changed[n]) {
            panic!(
                "{name}: line {n} differs: {:?} vs {:?}",
                added[n], changed[n]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_row_shows_its_items_summary_and_key_in_text_and_json_whatever_the_run() {
    // Rows read their summaries and keys from the report when printed: a dry run, the sync
    // that creates, and the resync that changes nothing each show every item's own words (an
    // `&` written `&amp;` in the HTML table shown as `&`) and, once it has one, its ticket as
    // the report links it.
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    let runs: [&[&str]; 3] = [&["sync", "--dry-run"], &["sync"], &["sync"]];
    for (n, args) in runs.into_iter().enumerate() {
        let json = pm
            .run(&[args, &["--format", "json", "pm.md"]].concat())
            .await;
        assert_eq!(json.code, 0, "{json}");
        let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
        let rows = doc["reports"][0]["items"].as_array().expect("items");
        let shown: Vec<&str> = rows
            .iter()
            .map(|row| row["summary"].as_str().expect("a summary"))
            .collect();
        assert_eq!(shown, HTML_SUMMARIES, "run {n}: {json}");
        let keys: Vec<Option<&str>> = rows.iter().map(|row| row["key"].as_str()).collect();
        let text = pm.run(&[args, &["pm.md"]].concat()).await;
        for summary in HTML_SUMMARIES {
            assert!(text.stdout.contains(summary), "run {n}: {text}");
        }
        if n == 0 {
            assert!(
                keys.iter().all(Option::is_none),
                "a dry run has no keys yet"
            );
            continue;
        }
        // Each row's key is the one its item links, and its ticket's summary is the item's.
        let report = pm.read("pm.md");
        for (row, (key, summary)) in rows.iter().zip(keys.iter().zip(HTML_SUMMARIES)) {
            let key = key.unwrap_or_else(|| panic!("run {n}: a row without a key: {json}"));
            assert!(report.contains(&format!(">{key}</a>")), "run {n}: {key}");
            assert!(
                row["url"]
                    .as_str()
                    .is_some_and(|url| url.ends_with(&format!("/browse/{key}"))),
                "run {n}: {row}"
            );
            let ticket = fake.issue(key).expect("the ticket exists");
            assert_eq!(ticket.summary, summary, "run {n}");
            assert!(text.stdout.contains(key), "run {n}: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persons_trailing_emphasis_after_an_item_keeps_its_summary_and_file_stable() {
    // `· *urgent*` ends the item: read as a status marker, a word pm-sync does not know. Its
    // status goes after it, the summary stays the item's words, and the next sync changes
    // nothing (the status went before it, and the next read took it into the summary, one
    // more marker and a renamed ticket every run).
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write(
        "pm.md",
        "---\nincident_date: 2026-03-04\n---\n## Action Items\n\n- Review docs · *urgent*\n",
    );
    let first = pm.run(&["sync", "--format", "json", "pm.md"]).await;
    assert_eq!(first.code, 0, "{first}");
    let doc: serde_json::Value = serde_json::from_str(&first.stdout).expect("JSON");
    assert_eq!(
        doc["reports"][0]["items"][0]["summary"], "Review docs",
        "{first}"
    );
    let written = pm.read("pm.md");
    assert!(
        written.contains("Review docs · *urgent* · *To Do*"),
        "{written}"
    );
    for _ in 0..2 {
        let again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(again.code, 0, "{again}");
        assert!(again.stdout.contains("nothing changed"), "{again}");
        assert_eq!(pm.read("pm.md"), written);
    }
    let tickets = fake.issues();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].summary, "Review docs");
}
