//! The secret filter: the token, `email:token` and the Basic credentials' base64 planted in
//! every input a user or a hostile file can give, and never found in anything pm-sync prints
//! or writes.

use crate::support::cli::{Output, PmSync};
use crate::support::fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Fault, Flavor, base64};

const REPORT: &str = "---\nincident_date: 2026-03-04\nseverity: sev2\n---\n# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| Add an alert | |\n";

/// Every form the credentials take.
fn forms() -> Vec<String> {
    let pair = format!("{FAKE_EMAIL}:{FAKE_TOKEN}");
    vec![FAKE_TOKEN.to_owned(), base64(&pair), pair]
}

/// Fails when `out` shows any form of the credentials.
fn assert_masked(out: &Output) {
    for form in forms() {
        assert!(!out.to_string().contains(&form), "{form:?} printed:\n{out}");
    }
}

/// Fails when any file below `dir` (but the test's own `planted` inputs) holds any form of
/// the credentials.
fn assert_no_file_holds_it(dir: &std::path::Path, planted: &[&str]) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            assert_no_file_holds_it(&path, planted);
            continue;
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_symlink() || planted.contains(&name.as_ref()) {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        for form in forms() {
            assert!(!text.contains(&form), "{} holds {form:?}", path.display());
        }
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_report_that_is_a_link_to_the_environment_is_refused_without_printing_the_token() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    // What /proc/self/environ holds, as a plain file, made to look like a report.
    pm.write(
        "environ.txt",
        format!(
            "## Action Items\n\n| Action Item | Status |\n|---|---|\n| HOME=/root\0JIRA_API_TOKEN={FAKE_TOKEN}\0X=1 | |\n"
        ),
    );
    std::os::unix::fs::symlink(pm.dir().join("environ.txt"), pm.dir().join("pm.md")).unwrap();
    for args in [
        &["items", "pm.md"][..],
        &["items", "pm.md", "--format", "json"],
        &["sync", "pm.md"],
        &["sync", "pm.md", "--dry-run"],
        &["check", "pm.md"],
        &["dashboard", "pm.md", "--offline"],
    ] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        assert!(
            out.stderr.contains("holds the Jira API token"),
            "{args:?}\n{out}"
        );
        assert_masked(&out);
    }
    assert_eq!(jira.requests().total, 0, "nothing may be sent");

    // The real thing, where the system has it: the process's own environment.
    if std::path::Path::new("/proc/self/environ").exists() {
        std::fs::remove_file(pm.dir().join("pm.md")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", pm.dir().join("pm.md")).unwrap();
        for args in [&["items", "pm.md"][..], &["sync", "pm.md"]] {
            let out = pm.run(args).await;
            assert_eq!(out.code, 2, "{args:?}\n{out}");
            assert_masked(&out);
        }
    } else {
        eprintln!("skipped the /proc/self/environ half: this system has no /proc");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_in_the_report_text_is_refused_and_never_sent() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    let report = REPORT.replace("Add an alert", &format!("Rotate {FAKE_TOKEN} now"));
    pm.write("pm.md", &report);

    let out = pm.run(&["sync", "pm.md", "--format", "json"]).await;

    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("pm.md:11"), "names the line: {out}");
    assert_masked(&out);
    assert!(jira.issues().is_empty(), "no ticket carries the token");
    assert_eq!(pm.read("pm.md"), report, "the file is left as it was");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jira_error_echoing_the_credentials_is_masked_in_text_json_and_logs() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", REPORT);
    let echoed = forms().join(" | ");
    for args in [
        &["sync", "pm.md", "-vvv"][..],
        &["sync", "pm.md", "--format", "json"],
        &["doctor"],
        &["doctor", "--format", "json"],
    ] {
        jira.inject(Fault::Response {
            endpoint: None,
            status: 400,
            headers: Vec::new(),
            body: format!(
                "{{\"errorMessages\":[\"bad Authorization: Basic {echoed}\"],\"errors\":{{}}}}"
            ),
            times: 100,
        });
        let out = pm.run(args).await;
        assert_ne!(out.code, 0, "{args:?}\n{out}");
        assert!(out.to_string().contains("***"), "{args:?}\n{out}");
        assert_masked(&out);
    }
    assert_no_file_holds_it(pm.dir(), &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_in_a_url_or_a_config_value_is_masked() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", REPORT);
    // Pasted into the URL's path, and as the issue type: both are echoed by messages.
    let url = format!("{}/{FAKE_TOKEN}", jira.url());
    let config = format!("[jira]\nissue_type = \"{FAKE_TOKEN}\"\n");
    for args in [
        &["doctor"][..],
        &["doctor", "--format", "json"],
        &["sync", "pm.md"],
        &["sync", "pm.md", "--format", "json"],
    ] {
        // The URL is refused whole: it would write the token into every link.
        let _ = std::fs::remove_file(pm.dir().join("pm-sync.toml"));
        let out = pm.run_env(&[("JIRA_URL", Some(&url))], args).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        assert!(
            out.to_string().contains("the Jira URL holds the API token"),
            "{args:?}\n{out}"
        );
        assert_masked(&out);
        // The config file holding it is refused by line, before any message quotes it.
        pm.write("pm-sync.toml", &config);
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        assert!(
            out.to_string().contains("line 2 holds the API token"),
            "{args:?}\n{out}"
        );
        assert_masked(&out);
    }
    assert_no_file_holds_it(pm.dir(), &["pm-sync.toml"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_pasted_into_token_env_that_looks_like_a_name_is_never_echoed() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", REPORT);
    // Letters and digits only, as some Data Center PATs and shortened Cloud tokens are.
    let pasted = "NjQ2OTcxMzQ5NDk2OkpvaG5Eb2VQYXQ";
    pm.write(
        "pm-sync.toml",
        format!("[jira]\ntoken_env = \"{pasted}\"\n"),
    );
    for args in [
        &["sync", "pm.md"][..],
        &["doctor"],
        &["doctor", "--format", "json"],
    ] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        assert!(!out.to_string().contains(pasted), "{args:?}\n{out}");
        assert!(
            out.to_string()
                .contains("the variable named by `token_env`"),
            "{args:?}\n{out}"
        );
    }
    // Set, so that the run goes on to Jira: still never named.
    let out = pm.run_env(&[(pasted, Some(FAKE_TOKEN))], &["doctor"]).await;
    assert!(!out.to_string().contains(pasted), "{out}");
    assert_masked(&out);
    // A conventional name is shown: it tells the user which variable to set.
    pm.write("pm-sync.toml", "[jira]\ntoken_env = \"OPS_JIRA_TOKEN\"\n");
    let out = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("OPS_JIRA_TOKEN"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_masks_a_ticket_summary_holding_the_token() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let key = jira.seed_issue("OPS", &format!("Rotate {FAKE_TOKEN}"), &["sev2"]);
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write(
        "pm.md",
        REPORT.replace("| Add an alert |", &format!("| {key} Add an alert |")),
    );
    for args in [
        &["dashboard", "pm.md", "--out", "site"][..],
        &["dashboard", "pm.md", "--format", "json"],
        &["check", "pm.md", "--format", "json"],
        &["refresh", "pm.md"],
    ] {
        let out = pm.run(args).await;
        assert_masked(&out);
    }
    assert!(pm.dir().join("site/index.html").exists());
    assert_no_file_holds_it(pm.dir(), &[]);
}

/// A token with the characters real tokens carry (`=`, `+`, `/`, `-`, `_`) and some that
/// JSON and HTML escape, so that every escaped form differs from the raw one.
const ODD_TOKEN: &str = "ATATT3xFf/G+F0=T0k3n&<>\"xYz_0123-end";

#[tokio::test(flavor = "multi_thread")]
async fn a_jira_error_echoing_the_token_escaped_or_cut_short_shows_no_part_of_it() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud).env("JIRA_API_TOKEN", ODD_TOKEN);
    pm.write("pm.md", REPORT);
    pm.write(
        "keyed.md",
        REPORT.replace("| Add an alert |", "| OPS-1 Add an alert |"),
    );
    let json_escaped = ODD_TOKEN.replace('"', "\\\"");
    let percent = "ATATT3xFf%2FG%2BF0%3DT0k3n%26%3C%3E%22xYz_0123-end";
    let html = "ATATT3xFf/G+F0=T0k3n&amp;&lt;&gt;&quot;xYz_0123-end";
    let bodies = [
        // Jira's JSON, decoded then written again into pm-sync's JSON output.
        format!("{{\"errorMessages\":[\"bad token {json_escaped}\"],\"errors\":{{}}}}"),
        // A proxy's text and HTML pages, echoing the header URL- or HTML-escaped.
        format!("denied: token={percent}"),
        format!("<html><body>bad {html}</body></html>"),
        // Jira's raw text is shortened to 300 characters: the token's head must not survive.
        format!("{} {ODD_TOKEN}", "x".repeat(290)),
    ];
    for body in &bodies {
        for args in [
            &["sync", "pm.md", "--format", "json"][..],
            &["check", "keyed.md", "--format", "json"],
            &["doctor"],
        ] {
            jira.inject(Fault::Response {
                endpoint: None,
                status: 401,
                headers: Vec::new(),
                body: body.clone(),
                times: 100,
            });
            let out = pm.run(args).await;
            assert_eq!(out.code, 3, "{args:?}\n{out}");
            let shown = out.to_string();
            assert!(shown.contains("***"), "{args:?}\n{out}");
            for leak in ["ATATT3", &json_escaped, percent, html] {
                assert!(!shown.contains(leak), "{leak:?} shown: {args:?}\n{out}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_pasted_into_confluences_token_env_is_never_echoed() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    let pasted = "NjQ2OTcxMzQ5NDk2OkpvaG5Eb2VQYXQ";
    pm.write(
        "pm-sync.toml",
        format!("[confluence]\ndeployment = \"cloud\"\ntoken_env = \"{pasted}\"\n"),
    );
    for args in [
        &["items", "confluence:123"][..],
        &["sync", "confluence:123"],
        &["check", "confluence:123", "--format", "json"],
    ] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        assert!(!out.to_string().contains(pasted), "{args:?}\n{out}");
        assert!(out.to_string().contains("token_env"), "{args:?}\n{out}");
    }
    assert_eq!(jira.requests().total, 0, "nothing may be sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn init_refuses_a_url_carrying_a_password_and_writes_nothing() {
    let pm = PmSync::new();
    let out = pm
        .run(&[
            "init",
            "--url",
            "https://bot:Pa55w0rdOfTheBot@jira.example.com",
            "--project",
            "OPS",
            "--no-doctor",
        ])
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("user name or password"), "{out}");
    assert!(!out.to_string().contains("Pa55w0rd"), "{out}");
    assert!(!pm.dir().join("pm-sync.toml").exists(), "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_in_a_variable_of_another_name_is_masked_in_the_configs_own_errors() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud)
        .without_env("JIRA_API_TOKEN")
        .without_env("JIRA_PROJECT")
        .env("OPS_JIRA_PAT", FAKE_TOKEN);
    pm.write("pm.md", REPORT);
    // Values checked before the token's variable was known: a project key, and a value the
    // TOML parser quotes in its type error.
    for bad in [
        format!("project = \"{FAKE_TOKEN} x\"\n"),
        format!("project = \"OPS\"\nconcurrency = \"{FAKE_TOKEN}\"\n"),
    ] {
        pm.write(
            "pm-sync.toml",
            format!("[jira]\ntoken_env = \"OPS_JIRA_PAT\"\n{bad}"),
        );
        for args in [&["sync", "pm.md"][..], &["doctor"], &["check", "pm.md"]] {
            let out = pm.run(args).await;
            assert_eq!(out.code, 2, "{args:?}\n{out}");
            // Refused for holding the token before anything quotes the value.
            assert!(
                out.to_string().contains("holds the API token"),
                "{args:?}\n{out}"
            );
            assert_masked(&out);
        }
    }
    assert_eq!(jira.requests().total, 0);
}

/// The token where pm-sync would copy it into a ticket or a link — a config value, a report's
/// name, a variable pm-sync writes into descriptions — is refused, not sent: pm-sync's own
/// output would show `***` while everyone who reads the ticket saw the token.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_in_a_config_value_or_a_reports_name_never_reaches_a_ticket() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", REPORT);
    for config in [
        format!("[jira]\ndescription = \"Rotate {FAKE_TOKEN} for {{item}}\"\n"),
        format!("[jira.fields]\nlabels = [\"{FAKE_TOKEN}\"]\n"),
        format!("# set up by ops\n[report]\nurl = \"https://git.example/{FAKE_TOKEN}/{{path}}\"\n"),
    ] {
        pm.write("pm-sync.toml", &config);
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 2, "{config}\n{out}");
        assert!(out.stderr.contains("holds the API token"), "{out}");
        assert!(out.stderr.contains("pm-sync.toml"), "{out}");
        assert_masked(&out);
    }
    let line = {
        pm.write(
            "pm-sync.toml",
            format!("[report]\n\nurl = \"https://git.example/{FAKE_TOKEN}/{{path}}\"\n"),
        );
        pm.run(&["sync", "pm.md"]).await
    };
    assert!(line.stderr.contains("line 3 holds the API token"), "{line}");
    std::fs::remove_file(pm.dir().join("pm-sync.toml")).unwrap();

    // A report in a folder named after the token.
    let folder = format!("x{FAKE_TOKEN}");
    pm.write(&format!("{folder}/r.md"), REPORT);
    let out = pm.run(&["sync", &format!("{folder}/r.md")]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("name holds the Jira API token"),
        "{out}"
    );
    assert_masked(&out);

    // A value from the environment, checked at the wire: the create is not sent.
    let pm = pm.env(
        "PM_SYNC_REPORT_URL",
        &format!("https://git.example/{FAKE_TOKEN}/{{path}}"),
    );
    let out = pm.run(&["sync", "pm.md"]).await;
    assert_ne!(out.code, 0, "{out}");
    assert!(out.to_string().contains("not sent"), "{out}");
    assert_masked(&out);

    assert!(jira.issues().is_empty(), "{:?}", jira.issues());
    assert_eq!(jira.requests().writes, 0);
}

/// A token pasted with a line break (or a space, an escape) inside is refused by name at once,
/// exit 2: it used to be retried for a minute as a network error, then blamed on the firewall.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_broken_by_a_line_end_inside_is_refused_at_once_by_name() {
    for flavor in [Flavor::DataCenter, Flavor::Cloud] {
        let jira = FakeJira::start(flavor).await;
        for broken in [
            "fake-tok\nen-value",
            "fake-tok en-value",
            "fake-tok\u{1b}[31men",
        ] {
            let pm = PmSync::against(&jira, flavor).env("JIRA_API_TOKEN", broken);
            pm.write("pm.md", REPORT);
            for args in [&["doctor"][..], &["sync", "pm.md"]] {
                let out = pm.run(args).await;
                assert_eq!(out.code, 2, "{flavor:?} {args:?}\n{out}");
                let said = out.to_string();
                assert!(
                    said.contains("JIRA_API_TOKEN")
                        && said.contains("holds a space, line break or control character"),
                    "{flavor:?} {args:?}\n{out}"
                );
                assert!(!said.contains("fake-tok"), "{out}");
            }
        }
        assert_eq!(jira.requests().total, 0, "{flavor:?}");
    }
}
