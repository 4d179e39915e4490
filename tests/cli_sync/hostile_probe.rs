//! Hostile probes of "hardening, round three": secrets planted where a filter that only knew
//! the raw token would miss them, paths that would block or fill the memory, reports that
//! cannot be saved, copies of one report, and files that change under a run.

use std::path::Path;
use std::time::Duration;

use super::*;
use crate::support::cli::Output;
use crate::support::fake_jira::{Endpoint, FAKE_EMAIL, FAKE_TOKEN, Fault, base64};

/// A minimal valid report with one unlinked item.
const REPORT: &str = "---\nincident_date: 2026-03-04\nseverity: sev2\n---\n# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| Add an alert | |\n";

/// A long token, as an Atlassian API token is (so that a cut head of it is a real leak).
const LONG_TOKEN: &str = "ATATT3xFfGF0PrObE1234567890abcdefghijklmnopqrstuvwxyzABCDEFGH=ZZ99";

/// Every form of the credentials for `token` (and, on Cloud, `FAKE_EMAIL`).
fn forms(token: &str) -> Vec<String> {
    let pair = format!("{FAKE_EMAIL}:{token}");
    vec![token.to_owned(), base64(&pair), pair]
}

/// Fails when `out` shows any form of the credentials of `token`, or its first 12 bytes.
fn assert_masked(out: &Output, token: &str, what: &str) {
    let shown = out.to_string();
    for form in forms(token) {
        assert!(!shown.contains(&form), "{what}: {form:?} printed:\n{out}");
    }
    assert!(
        !shown.contains(&token[..12.min(token.len())]),
        "{what}: the token's head printed:\n{out}"
    );
}

/// Fails when a file below `dir` holds the token, but for the `planted` ones.
fn assert_no_file_holds(dir: &Path, token: &str, planted: &[&str]) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_symlink() || planted.contains(&name.as_ref()) {
            continue;
        }
        if path.is_dir() {
            assert_no_file_holds(&path, token, planted);
        } else if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                memchr_find(&bytes, token.as_bytes()).is_none(),
                "{} holds the token",
                path.display()
            );
        }
    }
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Runs `args`, failing (never hanging) when pm-sync takes more than 20 s: a path it blocked
/// on. `unblock` is opened for writing, non-blocking, to free a child stuck on a FIFO.
async fn within(pm: &PmSync, args: &[&str], unblock: &[&Path]) -> Output {
    match tokio::time::timeout(Duration::from_secs(20), pm.run(args)).await {
        Ok(out) => out,
        Err(_) => {
            for fifo in unblock {
                use std::os::unix::fs::OpenOptionsExt;
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(fifo);
            }
            panic!("pm-sync blocked: {args:?}");
        }
    }
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Whether this process is root (permission bits do not stop it).
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

// ---------------------------------------------------------------- secrets

/// A token pasted unquoted into the config makes it invalid TOML: the parse error quotes the
/// line, before the `token_env` that names the token's variable is known.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_on_a_broken_config_line_is_masked_when_token_env_names_another_variable() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud)
        .without_env("JIRA_API_TOKEN")
        .env("OPS_JIRA_PAT", LONG_TOKEN);
    pm.write("pm.md", REPORT);
    pm.write(
        "pm-sync.toml",
        format!("[jira]\ntoken_env = \"OPS_JIRA_PAT\"\ntoken = {LONG_TOKEN}\n"),
    );
    for args in [&["sync", "pm.md"][..], &["doctor"], &["check", "pm.md"]] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        assert!(out.to_string().contains("pm-sync.toml"), "{args:?}\n{out}");
        assert_masked(&out, LONG_TOKEN, &format!("{args:?}"));
    }
    assert_eq!(jira.requests().total, 0);
}

/// The parent ticket's summary comes from Jira and is cut to the column's width in `check`'s
/// table: cut before masking, the token's head would be shown.
#[tokio::test(flavor = "multi_thread")]
async fn a_parent_tickets_summary_holding_the_token_is_never_shown_cut_short() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let parent = jira.seed_issue("OPS", &format!("Rotate {LONG_TOKEN} today"), &["sev2"]);
    let item = jira.seed_issue("OPS", "Add an alert", &["sev2"]);
    // Jira takes FAKE_TOKEN; LONG_TOKEN is the (registered) Confluence token.
    let pm = PmSync::against(&jira, Flavor::Cloud).env("CONF_PAT", LONG_TOKEN);
    pm.write(
        "pm-sync.toml",
        "[jira]\ncheck_parent = true\n[confluence]\ntoken_env = \"CONF_PAT\"\n",
    );
    pm.write(
        "pm.md",
        REPORT
            .replace(
                "severity: sev2\n",
                &format!("severity: sev2\njira_parent: {parent}\n"),
            )
            .replace("| Add an alert |", &format!("| {item} Add an alert |")),
    );
    for format in ["text", "json", "github", "junit", "markdown"] {
        let out = pm.run(&["check", "pm.md", "--format", format]).await;
        assert_eq!(out.code, 1, "{format}\n{out}");
        assert_masked(&out, LONG_TOKEN, format);
    }
    let out = pm.run(&["dashboard", "pm.md", "--out", "site"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_masked(&out, LONG_TOKEN, "dashboard");
    assert_no_file_holds(pm.dir(), LONG_TOKEN, &[]);
}

/// Jira (or a proxy) echoing the credentials in headers, a redirect's `Location` and the body,
/// read at every verbosity, `RUST_LOG=trace` included (every crate's logs).
#[tokio::test(flavor = "multi_thread")]
async fn credentials_echoed_in_headers_and_redirects_are_masked_at_every_verbosity() {
    let basic = base64(&format!("{FAKE_EMAIL}:{LONG_TOKEN}"));
    for status in [302, 401, 503] {
        for (env, args) in [
            (None, &["-vvv", "sync", "pm.md"][..]),
            (Some("trace"), &["sync", "pm.md", "--format", "json"]),
            (Some("trace"), &["doctor"]),
        ] {
            let jira = FakeJira::start(Flavor::Cloud).await;
            let pm = PmSync::against(&jira, Flavor::Cloud).env("JIRA_API_TOKEN", LONG_TOKEN);
            pm.write("pm.md", REPORT);
            jira.inject(Fault::Response {
                endpoint: None,
                status,
                headers: vec![
                    (
                        "Location".into(),
                        format!(
                            "{}/login?token={LONG_TOKEN}&auth=Basic%20{basic}",
                            jira.url()
                        ),
                    ),
                    (
                        "WWW-Authenticate".into(),
                        format!("Basic realm=\"{basic}\""),
                    ),
                    ("X-Echo-Token".into(), LONG_TOKEN.into()),
                    ("Retry-After".into(), "0".into()),
                ],
                body: format!("Authorization: Basic {basic} token {LONG_TOKEN}"),
                times: 1000,
            });
            let out = pm.run_env(&[("RUST_LOG", env)], args).await;
            assert_ne!(out.code, 0, "{status} {args:?}\n{out}");
            assert_masked(&out, LONG_TOKEN, &format!("{status} {args:?}"));
            assert_no_file_holds(pm.dir(), LONG_TOKEN, &[]);
        }
    }
}

/// Jira echoing the token in its error body the way Python's `urllib.parse.quote()` encodes
/// it: `/` left raw, `+` and `=` percent-encoded. A filter that knew only the raw token or the
/// fully encoded one would print it; the whole span is masked.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_echoed_quote_encoded_in_a_jira_error_body_is_masked() {
    const TOKEN: &str = "ATATT3xFf/G+F0=PrObE1234567890abcdef/ghijklmnop+qrstuvwxyz=ZZ99";
    let quoted = TOKEN.replace('+', "%2B").replace('=', "%3D");
    let jira = FakeJira::start(Flavor::DataCenter).await;
    let pm = PmSync::against(&jira, Flavor::DataCenter).env("JIRA_API_TOKEN", TOKEN);
    pm.write("pm.md", REPORT);
    jira.inject(Fault::Response {
        endpoint: None,
        status: 400,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: format!(r#"{{"errorMessages":["Bad credentials: {quoted} (rotate it)"]}}"#),
        times: 1000,
    });
    for args in [
        &["sync", "pm.md"][..],
        &["sync", "pm.md", "--format", "json"],
    ] {
        let out = pm.run(args).await;
        assert_ne!(out.code, 0, "{args:?}\n{out}");
        let shown = out.to_string();
        assert!(
            shown.contains("Bad credentials: *** (rotate it)"),
            "{args:?}\n{out}"
        );
        assert!(!shown.contains(&quoted[..12]), "{args:?}\n{out}");
        assert_masked(&out, TOKEN, &format!("{args:?}"));
    }
    assert_no_file_holds(pm.dir(), &quoted, &[]);
}

/// A token shorter than the masking minimum is no real token and would be printed as it is:
/// pm-sync says so at start-up, without showing it.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_too_short_to_be_masked_is_warned_about() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    let pm = PmSync::against(&jira, Flavor::DataCenter).env("JIRA_API_TOKEN", "tok3n");
    pm.write("pm.md", REPORT);
    let out = pm.run(&["check", "pm.md"]).await;
    assert!(out.stderr.contains("too short to be masked"), "{out}");
    assert!(out.stderr.contains("JIRA_API_TOKEN"), "{out}");
    assert!(!out.stderr.contains("tok3n"), "{out}");
    let out = pm
        .run_env(&[("JIRA_API_TOKEN", Some(FAKE_TOKEN))], &["check", "pm.md"])
        .await;
    assert!(!out.stderr.contains("too short"), "{out}");
}

/// A successful run at trace level: the Basic header is never logged in any form.
#[tokio::test(flavor = "multi_thread")]
async fn a_trace_level_run_logs_no_credentials() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", REPORT);
    let out = pm
        .run_env(&[("RUST_LOG", Some("trace"))], &["sync", "pm.md"])
        .await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.lines().count() > 20, "trace logs: {out}");
    assert_masked(&out, FAKE_TOKEN, "trace");
    let out = pm
        .run_env(&[("RUST_LOG", Some("trace"))], &["-vvv", "doctor"])
        .await;
    assert_masked(&out, FAKE_TOKEN, "doctor trace");
}

/// The token cannot hide in a report by being written so that only the parsed text holds it:
/// Markdown escapes, emphasis, inline HTML, entities, comments, code spans and links are all
/// removed by parsing, and what is left would be sent to Jira as a ticket's summary.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_only_the_parsed_item_text_holds_never_reaches_a_ticket() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    // Jira takes FAKE_TOKEN; LONG_TOKEN is the (registered) Confluence token.
    let pm = PmSync::against(&jira, Flavor::DataCenter).env("CONF_PAT", LONG_TOKEN);
    pm.write("pm-sync.toml", "[confluence]\ntoken_env = \"CONF_PAT\"\n");
    let (head, tail) = LONG_TOKEN.split_at(20);
    let pipe = |cell: &str| {
        format!(
            "---\nincident_date: 2026-03-04\nseverity: sev2\n---\n# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| {cell} | |\n"
        )
    };
    let html = |cell: &str| {
        format!(
            "---\nincident_date: 2026-03-04\nseverity: sev2\n---\n# PM\n\n## Action Items\n\n<table><tr><th>Action Item</th><th>Status</th></tr>\n<tr><td>{cell}</td><td></td></tr></table>\n"
        )
    };
    let reports = [
        pipe(&format!("Rotate {head}**{tail}** now")),
        pipe(&format!("Rotate {head}<b></b>{tail} now")),
        pipe(&format!("Rotate `{head}`{tail} now")),
        pipe(&format!("Rotate [{head}](x){tail} now")),
        pipe(&format!("Rotate {head}<!-- x -->{tail} now")),
        pipe(&format!(
            "Rotate {}=ZZ99 now",
            &LONG_TOKEN[..LONG_TOKEN.len() - 5]
        ))
        .replace("=ZZ99", "\\=ZZ99"),
        html(&format!("Rotate {head}<i></i>{tail} now")),
        html(&format!(
            "Rotate {head}&#{};{} now",
            u32::from(tail.as_bytes()[0]),
            &tail[1..]
        )),
    ];
    for report in &reports {
        pm.write("pm.md", report);
        assert!(!report.contains(LONG_TOKEN), "{report}");
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 2, "{report}\n{out}");
        assert!(
            out.stderr.contains("pm.md:11") || out.stderr.contains("pm.md:10"),
            "names the line: {out}"
        );
        assert_masked(&out, LONG_TOKEN, report);
        assert_eq!(pm.read("pm.md"), *report, "the file is left as it was");
    }
    assert!(
        jira.issues()
            .iter()
            .all(|i| !i.summary.contains(LONG_TOKEN)),
        "a ticket holds the token: {:?}",
        jira.issues()
    );
    assert_eq!(jira.requests().writes, 0);
}

/// A report named after the token: every message names the file, masked.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_whose_name_holds_the_token_is_named_masked() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud).env("JIRA_API_TOKEN", LONG_TOKEN);
    let name = format!("{LONG_TOKEN}.md");
    pm.write(&name, REPORT);
    for args in [
        &["sync", &name][..],
        &["sync", &name, "--format", "json"],
        &["check", &name, "--format", "junit"],
        &["refresh", &name],
    ] {
        let out = pm.run(args).await;
        assert_masked(&out, LONG_TOKEN, "named");
    }
}

// ---------------------------------------------------------------- paths that would block

#[tokio::test(flavor = "multi_thread")]
async fn a_config_file_that_is_a_fifo_is_refused_at_once() {
    let pm = PmSync::new().env("JIRA_API_TOKEN", FAKE_TOKEN);
    pm.write("pm.md", REPORT);
    let fifo = pm.dir().join("fifo.toml");
    mkfifo(&fifo);
    let out = within(&pm, &["-c", "fifo.toml", "items", "pm.md"], &[&fifo]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("fifo.toml"), "{out}");
    assert!(out.stderr.contains("not a regular file"), "{out}");
    let config = fifo.to_string_lossy().into_owned();
    let env = [("PM_SYNC_CONFIG", Some(config.as_str()))];
    let run = pm.run_env(&env, &["check", "--offline", "pm.md"]);
    let out = match tokio::time::timeout(Duration::from_secs(20), run).await {
        Ok(out) => out,
        Err(_) => {
            let _ = within(&pm, &["--version"], &[&fifo]).await;
            panic!("PM_SYNC_CONFIG naming a FIFO blocked");
        }
    };
    assert_eq!(out.code, 2, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_file_that_is_dev_zero_or_huge_is_refused_without_filling_the_memory() {
    let pm = PmSync::new();
    pm.write("pm.md", REPORT);
    let out = within(&pm, &["-c", "/dev/zero", "items", "pm.md"], &[]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("/dev/zero"), "{out}");
    pm.write("big.toml", format!("# {}\n", "x".repeat(20 << 20)));
    let out = within(&pm, &["-c", "big.toml", "items", "pm.md"], &[]).await;
    assert_eq!(out.code, 2, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ca_file_that_is_a_fifo_or_dev_zero_is_refused_at_once() {
    let pm = PmSync::new()
        .env("JIRA_URL", "https://127.0.0.1:9")
        .env("JIRA_PROJECT", "OPS")
        .env("JIRA_API_TOKEN", FAKE_TOKEN)
        .env("JIRA_DEPLOYMENT", "datacenter");
    pm.write(
        "pm.md",
        REPORT.replace("| Add an alert |", "| OPS-1 Add an alert |"),
    );
    let fifo = pm.dir().join("ca.pem");
    mkfifo(&fifo);
    for ca in ["ca.pem", "/dev/zero"] {
        pm.write("pm-sync.toml", format!("[jira]\nca_file = \"{ca}\"\n"));
        for args in [&["check", "pm.md"][..], &["sync", "pm.md"], &["doctor"]] {
            let out = within(&pm, args, &[&fifo]).await;
            assert_ne!(out.code, 0, "{ca} {args:?}\n{out}");
            assert!(out.to_string().contains(ca), "{ca} {args:?}\n{out}");
        }
    }
}

/// Folder runs read `.gitignore` and `.ignore` files: a FIFO in their place must not block.
#[tokio::test(flavor = "multi_thread")]
async fn an_ignore_file_that_is_a_fifo_never_blocks_a_folder_run() {
    let pm = PmSync::new();
    pm.write("pms/pm.md", REPORT);
    pm.write("pms/sub/other.md", REPORT);
    let mut fifos = Vec::new();
    for name in ["pms/.gitignore", "pms/sub/.ignore"] {
        let fifo = pm.dir().join(name);
        mkfifo(&fifo);
        fifos.push(fifo);
    }
    let unblock: Vec<&Path> = fifos.iter().map(|p| p.as_path()).collect();
    for args in [
        &["check", "--offline", "pms"][..],
        &["items", "pms"],
        &["dashboard", "--offline", "pms"],
    ] {
        let out = within(&pm, args, &unblock).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        assert!(out.stderr.contains("not a regular file"), "{args:?}\n{out}");
    }
}

/// A FIFO, a socket or a link to one named like a report inside a folder given to a command:
/// never opened (it would block) and never skipped in silence (`check` would pass without
/// reading it): exit 2 naming it, before any Jira write.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_or_socket_named_like_a_report_in_a_folder_is_an_error_naming_it() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pms/pm.md", REPORT);
    let fifo = pm.dir().join("pms/sub/fifo.md");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    mkfifo(&fifo);
    let _socket = std::os::unix::net::UnixListener::bind(pm.dir().join("pms/sock.markdown"))
        .expect("bind a socket");
    std::os::unix::fs::symlink("sub/fifo.md", pm.dir().join("pms/link.md")).unwrap();
    for args in [
        &["check", "--offline", "pms"][..],
        &["check", "pms"],
        &["items", "pms"],
        &["dashboard", "--offline", "pms"],
        &["sync", "pms"],
        &["refresh", "pms"],
    ] {
        let out = within(&pm, args, &[&fifo]).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        for name in ["fifo.md", "sock.markdown", "link.md"] {
            assert!(out.stderr.contains(name), "{args:?} names {name}\n{out}");
        }
        assert!(out.stderr.contains("not a regular file"), "{args:?}\n{out}");
    }
    assert_eq!(jira.requests().writes, 0);
    // A folder named like a report is walked, not refused.
    std::fs::remove_file(&fifo).unwrap();
    std::fs::remove_file(pm.dir().join("pms/sock.markdown")).unwrap();
    std::fs::remove_file(pm.dir().join("pms/link.md")).unwrap();
    pm.write("pms/notes.md/inner.md", REPORT);
    let out = within(&pm, &["items", "pms"], &[]).await;
    assert_eq!(out.code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sockets_devices_loops_and_proc_files_are_refused_at_once() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    let _socket =
        std::os::unix::net::UnixListener::bind(pm.dir().join("sock.md")).expect("bind a socket");
    std::os::unix::fs::symlink("loop-b.md", pm.dir().join("loop-a.md")).unwrap();
    std::os::unix::fs::symlink("loop-a.md", pm.dir().join("loop-b.md")).unwrap();
    std::os::unix::fs::symlink("/proc/self/cmdline", pm.dir().join("cmdline.md")).unwrap();
    for path in [
        "sock.md",
        "loop-a.md",
        "/dev/stdin",
        "/dev/tty",
        "cmdline.md",
        "/dev/urandom",
    ] {
        for command in ["sync", "refresh", "items", "check"] {
            let out = within(&pm, &[command, path], &[]).await;
            assert_eq!(out.code, 2, "{command} {path}\n{out}");
        }
    }
    assert_eq!(jira.requests().writes, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_and_init_outputs_that_are_fifos_never_block() {
    let pm = PmSync::new();
    pm.write("pm.md", REPORT);
    std::fs::create_dir(pm.dir().join("site")).unwrap();
    let page = pm.dir().join("site/index.html");
    mkfifo(&page);
    let out = within(
        &pm,
        &["dashboard", "--offline", "pm.md", "--out", "site"],
        &[&page],
    )
    .await;
    assert!(out.code == 0 || out.code == 2, "{out}");
    let out_fifo = pm.dir().join("out-fifo");
    mkfifo(&out_fifo);
    let out = within(
        &pm,
        &["dashboard", "--offline", "pm.md", "--out", "out-fifo"],
        &[&out_fifo],
    )
    .await;
    assert_eq!(out.code, 2, "{out}");
    let conf = pm.dir().join("conf.toml");
    mkfifo(&conf);
    let out = within(
        &pm,
        &[
            "init",
            "--url",
            "https://jira.example.com",
            "--project",
            "OPS",
            "--no-doctor",
            "--output",
            "conf.toml",
        ],
        &[&conf],
    )
    .await;
    assert_eq!(out.code, 2, "{out}");
}

// ---------------------------------------------------------------- reports that cannot be saved

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_report_or_folder_is_refused_before_any_jira_write() {
    use std::os::unix::fs::PermissionsExt;
    let jira = FakeJira::start(Flavor::Cloud).await;
    let mut pm = PmSync::against(&jira, Flavor::Cloud);
    if is_root() {
        // Permission bits do not stop root: run as nobody.
        pm = pm.run_as_user(65534);
    }
    pm.write("ro/pm.md", REPORT);
    pm.write("rw/pm.md", REPORT);
    let mode = |path: &str, mode: u32| {
        std::fs::set_permissions(pm.dir().join(path), std::fs::Permissions::from_mode(mode))
            .unwrap();
    };
    mode("ro", 0o555);
    mode("ro/pm.md", 0o666);
    mode("rw", 0o777);
    mode("rw/pm.md", 0o444);
    for (path, says) in [
        ("ro/pm.md", "does not take new files"),
        ("rw/pm.md", "read-only"),
    ] {
        for command in ["sync", "refresh"] {
            let out = pm.run(&[command, path]).await;
            assert_eq!(out.code, 2, "{command} {path}\n{out}");
            assert!(out.stderr.contains(says), "{command} {path}\n{out}");
            assert!(out.stderr.contains("--dry-run"), "names a fix: {out}");
            assert_eq!(pm.read(path), REPORT);
        }
    }
    assert_eq!(jira.requests().writes, 0);
    assert!(jira.issues().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_with_two_hard_links_is_refused_before_any_jira_write() {
    let (jira, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", REPORT);
    std::fs::create_dir(pm.dir().join("elsewhere")).unwrap();
    std::fs::hard_link(pm.dir().join("pm.md"), pm.dir().join("elsewhere/copy.md")).unwrap();
    for args in [
        &["sync", "pm.md"][..],
        &["refresh", "pm.md"],
        &["sync", "elsewhere"],
    ] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}\n{out}");
        assert!(out.stderr.contains("2 hard links"), "{args:?}\n{out}");
    }
    assert_eq!(jira.requests().writes, 0);
    let out = pm.run(&["sync", "--dry-run", "pm.md"]).await;
    assert_eq!(out.code, 0, "a preview writes nothing: {out}");
}

/// The report's symlink is pointed at another report while Jira is slow: the other report
/// must be left as it is, and what was created must not be lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_link_retargeted_during_a_run_never_overwrites_the_other_file() {
    for endpoint in [Endpoint::BulkCreate, Endpoint::CreateIssue] {
        let (jira, pm) = setup(Flavor::Cloud).await;
        pm.write("a.md", REPORT);
        let other = REPORT.replace("Add an alert", "Something else entirely");
        pm.write("b.md", &other);
        std::os::unix::fs::symlink("a.md", pm.dir().join("pm.md")).unwrap();
        jira.inject(Fault::Latency {
            endpoint: Some(endpoint),
            delay: Duration::from_secs(2),
            times: 1,
        });
        let run = pm.run(&["sync", "pm.md"]);
        let swap = async {
            tokio::time::sleep(Duration::from_millis(1000)).await;
            let link = pm.dir().join("pm.md");
            std::fs::remove_file(&link).unwrap();
            std::os::unix::fs::symlink("b.md", &link).unwrap();
        };
        let (out, ()) = tokio::join!(run, swap);
        assert_eq!(
            pm.read("b.md"),
            other,
            "{endpoint:?}: the other report was rewritten: {out}"
        );
        let created = jira.issues();
        assert!(created.len() <= 1, "{created:?}");
        if out.code == 0 {
            assert!(pm.read("a.md").contains("OPS-1"), "{endpoint:?}: {out}");
        } else {
            // The key is kept somewhere: a rerun on a.md adopts, never files a second ticket.
            let again = pm.run(&["sync", "a.md"]).await;
            assert_eq!(again.code, 0, "{again}");
            assert_eq!(jira.issues().len(), created.len().max(1), "{again}");
        }
    }
}

/// An editor saves the report (a new file renamed over it) while Jira is slow: the edit is
/// never lost, and the keys reach the file by the next run at the latest.
#[tokio::test(flavor = "multi_thread")]
async fn an_edit_saved_during_a_run_is_never_lost() {
    let (jira, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", REPORT);
    jira.inject(Fault::Latency {
        endpoint: Some(Endpoint::BulkCreate),
        delay: Duration::from_secs(2),
        times: 1,
    });
    let edited = format!("{REPORT}\nA paragraph the author added during the run.\n");
    let run = pm.run(&["sync", "pm.md"]);
    let edit = async {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        pm.write(".pm.md.swp", &edited);
        std::fs::rename(pm.dir().join(".pm.md.swp"), pm.dir().join("pm.md")).unwrap();
    };
    let (out, ()) = tokio::join!(run, edit);
    assert!(
        pm.read("pm.md").contains("A paragraph the author added"),
        "{out}"
    );
    let again = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(again.code, 0, "{again}");
    assert_eq!(jira.issues().len(), 1, "{out}\n{again}");
    assert!(pm.read("pm.md").contains("OPS-1"), "{again}");
    assert!(pm.read("pm.md").contains("A paragraph the author added"));
}

// ---------------------------------------------------------------- copies

/// Two checkouts of one repository (the same report at the same path) synced at the same
/// moment: the next sync of either converges it on the lowest key and says so.
#[tokio::test(flavor = "multi_thread")]
async fn two_clones_synced_at_once_converge_on_the_lowest_keys() {
    let (jira, pm) = setup(Flavor::Cloud).await;
    for clone in ["one", "two"] {
        std::fs::create_dir_all(pm.dir().join(clone).join(".git")).unwrap();
        pm.write(&format!("{clone}/pms/pm.md"), REPORT);
    }
    jira.set_latency(Duration::from_millis(300));
    let (one, two) = tokio::join!(
        pm.run(&["sync", "one/pms/pm.md"]),
        pm.run(&["sync", "two/pms/pm.md"])
    );
    jira.set_latency(Duration::ZERO);
    assert_eq!(one.code, 0, "{one}");
    assert_eq!(two.code, 0, "{two}");
    assert_eq!(
        jira.issues().len(),
        2,
        "filed at the same moment: {one}\n{two}"
    );
    let mut said = String::new();
    for clone in ["two", "one"] {
        let out = pm.run(&["sync", &format!("{clone}/pms/pm.md")]).await;
        assert_eq!(out.code, 0, "{out}");
        said.push_str(&out.to_string());
        let text = pm.read(&format!("{clone}/pms/pm.md"));
        assert!(text.contains("[OPS-1]"), "{clone}: {text}\n{said}");
        assert!(!text.contains("OPS-2"), "{clone}: {text}\n{said}");
    }
    assert!(said.contains("OPS-2 duplicates OPS-1"), "says so: {said}");
}

/// A copy beside the report, made before the first sync: each names the other.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_made_before_the_first_sync_is_warned_about_by_name() {
    let (jira, pm) = setup(Flavor::Cloud).await;
    pm.write("a.md", REPORT);
    pm.write("b.md", REPORT);
    assert_eq!(pm.run(&["sync", "a.md"]).await.code, 0);
    let out = pm.run(&["sync", "b.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.to_string().contains("a.md"),
        "names the other report: {out}"
    );
    assert_eq!(jira.issues().len(), 2, "b.md has its own ticket: {out}");
}

// ---------------------------------------------------------------- odd bytes

#[tokio::test(flavor = "multi_thread")]
async fn bom_crlf_nul_and_invalid_utf8_reports_lose_nothing() {
    let (jira, pm) = setup(Flavor::Cloud).await;
    let crlf = format!("\u{feff}{}", REPORT.replace('\n', "\r\n"));
    pm.write("crlf.md", &crlf);
    let out = pm.run(&["sync", "crlf.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    let after = pm.read("crlf.md");
    assert!(after.starts_with('\u{feff}'), "{after:?}");
    assert_eq!(
        after.matches("\r\n").count(),
        crlf.matches("\r\n").count(),
        "{after:?}"
    );
    assert!(!after.replace("\r\n", "").contains('\n'), "{after:?}");

    let mut bad = REPORT.as_bytes().to_vec();
    bad.extend_from_slice(b"| Bad \xff\xfe bytes \x00 here | |\n");
    pm.write("bad.md", &bad);
    let writes = jira.requests().writes;
    let out = pm.run(&["sync", "bad.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("bad.md:12"), "names the line: {out}");
    assert_eq!(std::fs::read(pm.dir().join("bad.md")).unwrap(), bad);
    assert_eq!(jira.requests().writes, writes);

    pm.write("pm-sync.toml", "\u{feff}[report]\nmax_size = 100000\n");
    let out = pm.run(&["items", "crlf.md"]).await;
    assert!(
        out.code == 0 || out.stderr.contains("pm-sync.toml"),
        "{out}"
    );
}

/// UTF-16 without a byte order mark, and lines ended by a carriage return alone, read as a
/// report with no heading or no front matter: each is refused saying what the file is and how
/// to save it, the file untouched and Jira not asked.
#[tokio::test(flavor = "multi_thread")]
async fn utf16_without_a_bom_and_cr_only_line_ends_are_named_not_misread() {
    let (jira, pm) = setup(Flavor::Cloud).await;
    let utf16: Vec<u8> = REPORT
        .encode_utf16()
        .flat_map(|unit| unit.to_le_bytes())
        .collect();
    let cr_only = REPORT.replace('\n', "\r");
    pm.write("utf16.md", &utf16);
    pm.write("cr.md", &cr_only);
    for (name, said) in [
        ("utf16.md", "the report is UTF-16 text, not UTF-8"),
        ("cr.md", "end with a carriage return alone"),
    ] {
        for args in [&["items", name][..], &["sync", name], &["check", name]] {
            let out = pm.run(args).await;
            assert_eq!(out.code, 2, "{args:?}\n{out}");
            assert!(out.stderr.contains(said), "{args:?}\n{out}");
        }
    }
    assert_eq!(std::fs::read(pm.dir().join("utf16.md")).unwrap(), utf16);
    assert_eq!(pm.read("cr.md"), cr_only);
    assert_eq!(jira.requests().writes, 0);
}

/// Jira echoing the token inside a JSON document quoted in its error message (a request body
/// logged into the message): the token's `/`, `"` and `+` escaped twice over by the time
/// pm-sync writes the message into its own JSON (`\\\/`, `\\u002B`), or once more as
/// entities. Each spelling, a mix of escapes of escapes, is masked whole.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_escaped_twice_over_in_a_jira_error_body_is_masked() {
    const TOKEN: &str = "ATATT3xFf/G+F0=PrObE1234567890abcdef/ghijklmnop+qrstuvwxyz=ZZ99";
    // The message as Jira means it: a JSON body, its `/` escaped (`\/`), its `+` as `\u002B`.
    let inner = TOKEN.replace('/', "\\/").replace('+', "\\u002B");
    // The same message percent-encoded, then HTML-escaped (`%` stays, `&` of a query as `&amp;`).
    let percent_twice = TOKEN.replace('+', "%252B").replace('=', "%253D");
    let entity_twice = TOKEN.replace('+', "&amp;#43;").replace('/', "&amp;#x2F;");
    for (what, spelled) in [
        ("escaped JSON in JSON", inner.clone()),
        ("percent-encoded twice", percent_twice),
        ("entities escaped as HTML", entity_twice),
    ] {
        let jira = FakeJira::start(Flavor::DataCenter).await;
        let pm = PmSync::against(&jira, Flavor::DataCenter).env("JIRA_API_TOKEN", TOKEN);
        pm.write("pm.md", REPORT);
        let message = serde_json::to_string(&format!(
            "Bad credentials in {{\"token\":\"{spelled}\"}} (rotate it)"
        ))
        .unwrap();
        jira.inject(Fault::Response {
            endpoint: None,
            status: 400,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: format!(r#"{{"errorMessages":[{message}]}}"#),
            times: 1000,
        });
        for args in [
            &["sync", "pm.md"][..],
            &["sync", "pm.md", "--format", "json"],
        ] {
            let out = pm.run(args).await;
            assert_ne!(out.code, 0, "{what} {args:?}\n{out}");
            let shown = out.to_string();
            assert!(
                shown.contains("Bad credentials in"),
                "{what} {args:?}\n{out}"
            );
            assert!(shown.contains("(rotate it)"), "{what} {args:?}\n{out}");
            for head in [&TOKEN[..9], "PrObE1234567890"] {
                assert!(
                    !shown.contains(head),
                    "{what} {args:?}: {head} shown\n{out}"
                );
            }
            assert_masked(&out, TOKEN, &format!("{what} {args:?}"));
        }
    }
}

/// A token (and, on Cloud, an e-mail) kept with a line end (as CI secret stores and `echo`
/// into a file keep it), or with spaces pasted around it, authenticates: no token or address
/// holds whitespace, so they are sent trimmed (sent as they were, every request would be
/// refused as unauthenticated), on both flavours.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_with_a_line_end_or_spaces_around_it_authenticates() {
    for flavor in FLAVORS {
        for padded in [format!("{FAKE_TOKEN}\n"), format!("  {FAKE_TOKEN}\r\n")] {
            let jira = FakeJira::start(flavor).await;
            let mut pm = PmSync::against(&jira, flavor).env("JIRA_API_TOKEN", &padded);
            if flavor == Flavor::Cloud {
                pm = pm.env("JIRA_EMAIL", &format!("{FAKE_EMAIL}\n"));
            }
            pm.write("pm.md", REPORT);
            let out = pm.run(&["sync", "pm.md"]).await;
            assert_eq!(out.code, 0, "{flavor:?} {padded:?}\n{out}");
            assert_eq!(jira.issues().len(), 1, "{flavor:?}");
            assert_masked(&out, FAKE_TOKEN, &format!("{flavor:?}"));
        }
    }
}

/// A proxy or WAF echoing the credentials mangled: wrapped at a width, cut short, split in
/// halves, or in another case (on Cloud, the Basic base64 too). Each is masked in text, JSON
/// and at every verbosity: no twelve characters in a row of the token's start or second half
/// are printed, however the output breaks its lines.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_echoed_wrapped_cut_split_or_recased_is_masked() {
    for flavor in [Flavor::Cloud, Flavor::DataCenter] {
        let jira = FakeJira::start(flavor).await;
        let pm = PmSync::against(&jira, flavor).env("JIRA_API_TOKEN", LONG_TOKEN);
        pm.write("pm.md", REPORT);
        let wrapped: Vec<String> = LONG_TOKEN
            .as_bytes()
            .chunks(8)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect();
        let half = LONG_TOKEN.len() / 2;
        let basic = base64(&format!("{FAKE_EMAIL}:{LONG_TOKEN}"));
        let mut echoes = vec![
            format!("{}\n{}", &LONG_TOKEN[..20], &LONG_TOKEN[20..]),
            wrapped.join("\r\n"),
            LONG_TOKEN[..20].to_owned(),
            format!("{} ... {}", &LONG_TOKEN[..half], &LONG_TOKEN[half..]),
            LONG_TOKEN.to_lowercase(),
            LONG_TOKEN.to_uppercase(),
        ];
        // Basic credentials are Cloud's.
        let mut pieces = vec![&LONG_TOKEN[..12], &LONG_TOKEN[half..half + 12]];
        if flavor == Flavor::Cloud {
            echoes.push(basic.to_lowercase());
            pieces.push(&basic[basic.len() - 12..]);
        }
        for echo in echoes {
            jira.inject(Fault::Response {
                endpoint: None,
                status: 401,
                headers: Vec::new(),
                body: serde_json::json!({ "errorMessages": [format!("bad auth {echo}")] })
                    .to_string(),
                times: 1000,
            });
            for args in [
                &["doctor"][..],
                &["check", "pm.md", "--format", "json"],
                &["sync", "pm.md", "-vv"],
            ] {
                let out = pm.run(args).await;
                assert_ne!(out.code, 0, "{flavor:?} {args:?}\n{out}");
                // As a reader would see it: line ends (and JSON's escaped ones) joined up.
                let shown = out
                    .to_string()
                    .replace("\\r", "")
                    .replace("\\n", "")
                    .replace(['\r', '\n'], "")
                    .to_lowercase();
                for piece in &pieces {
                    assert!(
                        !shown.contains(&piece.to_lowercase()),
                        "{flavor:?} {args:?} echo {echo:?}: {piece:?} printed:\n{out}"
                    );
                }
            }
            jira.clear_faults();
        }
    }
}
