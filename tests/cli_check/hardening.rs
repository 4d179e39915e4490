//! Hardening: secrets that must never reach a file, a screen or a proxy; hostile files given as
//! reports; and the frictions a new user hit (config lookup, init, help, colours, doctor).

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::cli::PmSync;
use crate::support::fake_jira::{FakeJira, Flavor};

use super::{fixture, seeded};

/// A minimal valid report with one unlinked item.
const REPORT: &str = "---\nincident_date: 2026-03-04\nseverity: sev2\n---\n# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| Add an alert | |\n";

// ---------------------------------------------------------------- secrets

#[tokio::test(flavor = "multi_thread")]
async fn credentials_in_the_url_are_refused_without_being_echoed() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", REPORT);
    let url = jira.url().replace("http://", "http://bob:hunter2-secret@");

    let out = pm
        .run_env(&[("JIRA_URL", Some(&url))], &["sync", "pm.md"])
        .await;

    assert_eq!(out.code, 2, "{out}");
    assert!(!out.to_string().contains("hunter2-secret"), "{out}");
    assert!(!out.to_string().contains("bob"), "{out}");
    assert!(out.stderr.contains("user name or password"), "{out}");
    assert_eq!(jira.requests().total, 0, "nothing may be sent");
    assert_eq!(pm.read("pm.md"), REPORT);

    // The same from the config file.
    pm.write(
        "pm-sync.toml",
        format!("[jira]\nurl = \"{url}\"\nproject = \"OPS\"\n"),
    );
    let out = pm.run_env(&[("JIRA_URL", None)], &["doctor"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(!out.to_string().contains("hunter2-secret"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_pasted_into_token_env_is_refused_without_being_printed() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", REPORT);
    pm.write(
        "pm-sync.toml",
        "[jira]\ntoken_env = \"ATATT3xFfGF0-pasted+token=AB12\"\n",
    );

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 2, "{out}");
    assert!(!out.to_string().contains("pasted+token"), "{out}");
    assert!(out.stderr.contains("token_env"), "{out}");
    assert!(
        out.stderr.contains("not an environment variable name"),
        "{out}"
    );
}

/// A fake proxy on loopback that counts the connections it receives.
fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            // Answer like a broken proxy so a client that uses it fails visibly.
            if let Ok(mut stream) = stream {
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf);
                let _ = std::io::Write::write_all(
                    &mut stream,
                    b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n",
                );
            }
        }
    });
    (format!("http://{address}"), hits)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loopback_http_url_never_goes_through_a_proxy() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let keys = seeded(&jira, &["Done"]);
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write(
        "pm.md",
        format!("# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| {} Add an alert | |\n", keys[0]),
    );
    let (proxy, hits) = counting_proxy();

    let out = pm
        .run_env(
            &[
                ("HTTP_PROXY", Some(&proxy)),
                ("http_proxy", Some(&proxy)),
                ("ALL_PROXY", Some(&proxy)),
            ],
            &["check", "pm.md"],
        )
        .await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the proxy saw the request");
}

// ---------------------------------------------------------------- hostile files

#[cfg(unix)]
/// A report can hold escape sequences (a title change, a screen clear, BEL); what pm-sync shows
/// of it must not reach the terminal as control characters, while the file keeps every byte.
#[tokio::test(flavor = "multi_thread")]
async fn escape_sequences_in_a_report_never_reach_the_terminal() {
    let pm = PmSync::new();
    let report = "---\nincident_date: 2026-03-04\nseverity: sev2\n---\n# PM\n\n## Action Items\n\n\
                  | Action Item | Status |\n|---|---|\n\
                  | Add an alert \x1b]0;pwned\x07 now \x1b[2J | |\n\
                  | Fix \u{9b}31m the \x08\x08 pager | Done |\n";
    pm.write("pm.md", report);

    for args in [
        &["items", "pm.md"][..],
        &["items", "--explain", "pm.md"][..],
        &["check", "--offline", "pm.md"][..],
        &["check", "--offline", "--format", "github", "pm.md"][..],
    ] {
        let out = pm.run(args).await;
        assert!(out.code <= 1, "{args:?}: {out}");
        let shown = out.to_string();
        for control in ['\x1b', '\x07', '\x08', '\u{9b}'] {
            assert!(
                !shown.contains(control),
                "{args:?} shows {control:?}: {shown:?}"
            );
        }
        assert!(shown.contains("Add an alert"), "{args:?}: {out}");
    }
    assert_eq!(pm.read("pm.md"), report, "the report keeps its bytes");
}

/// A file name is anyone's to choose in a repository: one with a line end and a colour
/// sequence neither forges a line of a CI log nor recolours the terminal.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_named_to_forge_a_log_line_stays_on_its_own_line() {
    let (_jira, pm) = crate::cli_sync::setup(crate::support::fake_jira::Flavor::Cloud).await;
    let name = "pm\n\u{1b}[32mPASSED: every item resolved\u{1b}[0m.md";
    pm.write(
        name,
        "---\nincident_date: 2026-03-04\n---\n# PM\n\n## Action Items\n\n\
         | Action Item | Status |\n|---|---|\n| Add an alert | |\n",
    );
    for args in [
        &["sync", name][..],
        &["check", "--offline", name],
        &["check", name],
    ] {
        let out = pm.run(args).await;
        let shown = out.to_string();
        assert!(!shown.contains('\x1b'), "{args:?}: {shown:?}");
        assert!(
            !shown
                .lines()
                .any(|line| line.trim_start().starts_with("PASSED")),
            "{args:?}: {out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_given_as_a_report_is_refused_not_read() {
    let pm = PmSync::new();
    let fifo = pm.dir().join("pm.md");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());

    let run = pm.run(&["items", "pm.md"]);
    let out = match tokio::time::timeout(Duration::from_secs(20), run).await {
        Ok(out) => out,
        Err(_) => {
            // Unblock the reader so the child ends, then fail.
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
            panic!("pm-sync blocked reading a FIFO");
        }
    };
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("not a regular file"), "{out}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn dev_zero_and_directories_are_not_reports() {
    let pm = PmSync::new();
    std::fs::create_dir(pm.dir().join("folder.md")).unwrap();
    let out = pm.run(&["items", "/dev/zero"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("not a regular file"), "{out}");
    // A folder (whatever its name) is walked for reports, as `check` walks it.
    let out = pm.run(&["items", "folder.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains("no report with an action items section found in folder.md"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_over_the_size_cap_is_refused_before_it_is_read() {
    let pm = PmSync::new();
    pm.write("pm-sync.toml", "[report]\nmax_size = 200\n");
    let big = format!("{REPORT}\n{}\n", "padding ".repeat(40));
    pm.write("pm.md", &big);

    let out = pm.run(&["items", "pm.md"]).await;

    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("max_size"), "{out}");
    assert!(!out.stderr.contains("padding"), "{out}");
    // Under the cap it reads.
    pm.write("pm.md", REPORT);
    let out = pm.run(&["items", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn error_snippets_cut_a_long_line_to_a_sane_width() {
    let pm = PmSync::new();
    let long = format!(
        "# PM\n\n## Action Items\n\n| Action Item | Owner | Status |\n|---|---|---|\n| {} |\n",
        "x".repeat(20_000)
    );
    pm.write("pm.md", &long);

    let out = pm.run(&["items", "pm.md"]).await;

    assert_eq!(out.code, 2, "{out}");
    let widest = out.stderr.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(
        widest < 400,
        "a line of {widest} characters in:\n{}",
        &out.stderr[..2000.min(out.stderr.len())]
    );
    assert!(
        out.stderr.contains("pm.md:7"),
        "{}",
        &out.stderr[..2000.min(out.stderr.len())]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn report_errors_do_not_start_with_an_internal_code() {
    let pm = PmSync::new();
    pm.write("pm.md", "# PM\n\nno table here\n");
    let out = pm.run(&["items", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(!out.stderr.contains("pm_sync::"), "{out}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn folder_scans_do_not_follow_symlinks_out_of_the_tree() {
    let pm = PmSync::new();
    let mixed = fixture("mixed.md");
    pm.write("outside/secret.md", &mixed);
    pm.write("outside/deep/other.md", &mixed);
    pm.write("pms/inside.md", fixture("resolved-html.md"));
    std::os::unix::fs::symlink(
        pm.dir().join("outside/secret.md"),
        pm.dir().join("pms/link.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(pm.dir().join("outside/deep"), pm.dir().join("pms/deep")).unwrap();

    let out = pm
        .run(&["check", "--offline", "--format", "json", "pms"])
        .await;

    assert!(!out.stdout.contains("link.md"), "{out}");
    assert!(!out.stdout.contains("other.md"), "{out}");
    assert!(out.stdout.contains("inside.md"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn folder_scans_respect_gitignore_and_any_case_of_markdown_extensions() {
    let pm = PmSync::new();
    let mixed = fixture("mixed.md");
    std::fs::create_dir_all(pm.dir().join("repo/.git")).unwrap();
    pm.write("repo/.gitignore", "drafts/\n");
    pm.write("repo/pms/UPPER.MD", &mixed);
    pm.write("repo/pms/long.markdown", &mixed);
    pm.write("repo/pms/drafts/ignored.md", &mixed);

    let out = pm
        .run(&["check", "--offline", "--format", "json", "repo"])
        .await;

    assert!(out.stdout.contains("UPPER.MD"), "{out}");
    assert!(out.stdout.contains("long.markdown"), "{out}");
    assert!(!out.stdout.contains("ignored.md"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_run_reports_every_bad_report() {
    let pm = PmSync::new();
    pm.write("pms/a.md", "---\nincident_date: 2026-13-40\n---\n# A\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| x | |\n");
    pm.write(
        "pms/b.md",
        "# B\n\n## Action Items\n\n<table><tr><th>Action Item</th><th>Status</th></tr>\n",
    );
    pm.write("pms/c.md", REPORT);

    let out = pm
        .run(&["check", "--offline", "pms/a.md", "pms/b.md", "pms/c.md"])
        .await;

    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("a.md"), "{out}");
    assert!(out.stderr.contains("b.md"), "{out}");
    assert!(out.stderr.contains("2 reports"), "{out}");
}

// ---------------------------------------------------------------- the network

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_to_a_host_that_never_answered_is_not_retried() {
    let pm = PmSync::new()
        .env("JIRA_URL", &format!("http://127.0.0.1:{}", closed_port()))
        .env("JIRA_PROJECT", "OPS")
        .env("JIRA_API_TOKEN", "t")
        .env("JIRA_DEPLOYMENT", "datacenter");
    pm.write(
        "pm.md",
        "# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| OPS-1 Add an alert | |\n",
    );

    let out = pm.run(&["-vv", "check", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    let attempts = out.stderr.matches("no response").count();
    assert_eq!(attempts, 1, "{out}");
    assert!(!out.stderr.contains("gave up after"), "{out}");
}

/// A fake Jira that answers every request with an endless body.
fn endless_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if std::io::Write::write_all(&mut stream, head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b' '; 1 << 20];
                let frame = [
                    format!("{:x}\r\n", chunk.len()).into_bytes(),
                    chunk,
                    b"\r\n".to_vec(),
                ]
                .concat();
                // Stop after 200 MiB even if the client keeps reading.
                for _ in 0..200 {
                    if std::io::Write::write_all(&mut stream, &frame).is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_answer_is_cut_at_the_cap_with_a_clear_error() {
    let pm = PmSync::new()
        .env("JIRA_URL", &endless_server())
        .env("JIRA_PROJECT", "OPS")
        .env("JIRA_API_TOKEN", "t")
        .env("JIRA_DEPLOYMENT", "datacenter");
    pm.write(
        "pm.md",
        "# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| OPS-1 Add an alert | |\n",
    );

    let out = pm.run(&["check", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("larger than 32 MiB"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relative_ca_file_is_relative_to_the_config_file() {
    let pm = PmSync::new().env("JIRA_API_TOKEN", "t");
    pm.write(
        "conf/pm-sync.toml",
        "[jira]\nurl = \"https://127.0.0.1:9\"\nproject = \"OPS\"\nca_file = \"company-ca.pem\"\n",
    );
    pm.write("conf/company-ca.pem", "this is not PEM\n");

    let out = pm.run(&["doctor", "-c", "conf/pm-sync.toml"]).await;

    assert!(
        out.stdout.contains("conf/company-ca.pem") && out.stdout.contains("no certificate"),
        "{out}"
    );
}

// ---------------------------------------------------------------- frictions

#[tokio::test(flavor = "multi_thread")]
async fn the_config_is_found_beside_the_report_and_up_to_the_repository_root() {
    let pm = PmSync::new();
    std::fs::create_dir_all(pm.dir().join("repo/.git")).unwrap();
    pm.write("repo/pm-sync.toml", "[report]\nsection = \"Follow-ups\"\n");
    pm.write(
        "repo/postmortems/2026/pm.md",
        "# PM\n\n## Follow-ups\n\n| Action Item | Status |\n|---|---|\n| Add an alert | |\n",
    );

    let out = pm.run(&["items", "repo/postmortems/2026/pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("Add an alert"), "{out}");

    // PM_SYNC_CONFIG names a file, wherever it is.
    pm.write("elsewhere.toml", "[report]\nsection = \"Follow-ups\"\n");
    pm.write(
        "other/pm.md",
        "# PM\n\n## Follow-ups\n\n| Action Item | Status |\n|---|---|\n| Page the DBA | |\n",
    );
    let config = pm.dir().join("elsewhere.toml");
    let out = pm
        .run_env(
            &[("PM_SYNC_CONFIG", Some(config.to_str().unwrap()))],
            &["items", "other/pm.md"],
        )
        .await;
    assert_eq!(out.code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_config_found_says_where_it_looked() {
    let pm = PmSync::new();
    pm.write("pms/pm.md", REPORT);
    let out = pm.run(&["sync", "pms/pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("looked for"), "{out}");
    assert!(out.stderr.contains("pms/pm-sync.toml"), "{out}");
    assert!(out.stderr.contains("pm-sync/config.toml"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn init_into_a_missing_folder_is_exit_2_with_the_fix_and_dash_means_stdout() {
    let pm = PmSync::new();
    let base = [
        "init",
        "--no-doctor",
        "--url",
        "https://acme.atlassian.net",
        "--project",
        "OPS",
    ];
    let out = pm
        .run(&[&base[..], &["--output", "nodir/pm-sync.toml"]].concat())
        .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("nodir/pm-sync.toml: cannot write") && out.stderr.contains("--output"),
        "{out}"
    );
    let out = pm.run(&[&base[..], &["--output", "-"]].concat()).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("[jira]") && out.stdout.contains("OPS"),
        "{out}"
    );
    assert!(!pm.dir().join("-").exists(), "a file named - was written");
}

#[tokio::test(flavor = "multi_thread")]
async fn init_writes_a_commented_config_refuses_to_overwrite_and_runs_doctor() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::new().env("JIRA_API_TOKEN", crate::support::fake_jira::FAKE_TOKEN);

    let out = pm
        .run(&[
            "init",
            "--deployment",
            "cloud",
            "--url",
            &jira.url(),
            "--project",
            "OPS",
            "--email",
            crate::support::fake_jira::FAKE_EMAIL,
        ])
        .await;

    assert_eq!(out.code, 0, "{out}");
    let written = pm.read("pm-sync.toml");
    assert!(written.contains("# "), "{written}");
    assert!(written.contains("deployment = \"cloud\""), "{written}");
    assert!(out.stdout.contains("all 9 checks passed"), "{out}");

    let again = pm.run(&["init", "--deployment", "datacenter"]).await;
    assert_eq!(again.code, 2, "{again}");
    assert!(again.stderr.contains("already exists"), "{again}");
    assert_eq!(pm.read("pm-sync.toml"), written, "never overwritten");
}

#[tokio::test(flavor = "multi_thread")]
async fn help_lists_environment_exit_codes_and_examples_and_a_man_page_exists() {
    let pm = PmSync::new();
    let out = pm.run(&["--help"]).await;
    assert_eq!(out.code, 0, "{out}");
    for needle in [
        "JIRA_API_TOKEN",
        "PM_SYNC_CONFIG",
        "NO_COLOR",
        "Exit codes",
        "Examples",
    ] {
        assert!(out.stdout.contains(needle), "{needle} missing:\n{out}");
    }
    let man = pm.run(&["man"]).await;
    assert_eq!(man.code, 0, "{man}");
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH"),
        "{man}"
    );
    assert!(
        man.stdout.contains("JIRA_API_TOKEN"),
        "man page lacks the environment"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_says_when_the_url_is_still_the_examples() {
    let pm = PmSync::new().env("JIRA_API_TOKEN", "t");
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
            .unwrap();
    pm.write("pm-sync.toml", &example);

    let out = pm.run(&["doctor"]).await;

    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("is still the placeholder"), "{out}");
    // No Cloud-only email is set by copying the example.
    assert!(!out.stdout.contains("basic auth as"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_check_prints_only_problems_and_totals() {
    let pm = PmSync::new();
    pm.write("pm.md", fixture("mixed.md"));
    let out = pm.run(&["-q", "check", "--offline", "pm.md"]).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(
        !out.stdout.contains("Alert on queue depth"),
        "a resolved row:\n{out}"
    );
    assert!(out.stdout.contains("Cap the retry storm"), "{out}");
    assert!(out.stdout.contains("FAILED: 4 items"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_refresh_says_what_it_reads() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let keys = seeded(&jira, &["Done"]);
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write(
        "pm.md",
        format!("# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| {} Add an alert | |\n", keys[0]),
    );
    let out = pm.run(&["-v", "refresh", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("1 report"), "{out}");
    assert!(out.stderr.contains("1 linked ticket"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn colour_follows_color_clicolor_force_and_no_color() {
    let pm = PmSync::new();
    pm.write("pm.md", fixture("mixed.md"));
    let args = ["check", "--offline", "pm.md"];
    let esc = |out: &crate::support::cli::Output| out.stdout.contains('\u{1b}');

    // The session sets NO_COLOR=1: no colour, even when forced by CLICOLOR_FORCE.
    assert!(!esc(&pm
        .run_env(&[("CLICOLOR_FORCE", Some("1"))], &args)
        .await));
    // An empty NO_COLOR does not count.
    let out = pm
        .run_env(
            &[("NO_COLOR", Some("")), ("CLICOLOR_FORCE", Some("1"))],
            &args,
        )
        .await;
    assert!(esc(&out), "{out}");
    // --color wins over the environment.
    let forced = ["--color", "always", "check", "--offline", "pm.md"];
    assert!(esc(&pm.run(&forced).await));
    let never = ["--color", "never", "check", "--offline", "pm.md"];
    assert!(!esc(&pm
        .run_env(&[("NO_COLOR", None), ("CLICOLOR_FORCE", Some("1"))], &never)
        .await));
    // Not a terminal and nothing forced: plain.
    assert!(!esc(&pm.run_env(&[("NO_COLOR", None)], &args).await));
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_always_shows_all_nine_steps_by_name() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud).without_env("JIRA_API_TOKEN");

    let out = pm.run(&["doctor"]).await;
    assert_eq!(out.code, 2, "{out}");
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|line| !line.starts_with("  fix:"))
        .collect();
    assert_eq!(lines.len(), 10, "{out}");
    for (line, name) in lines.iter().zip([
        "config file",
        "Jira settings",
        "token",
        "Jira reachable",
        "deployment",
        "credentials",
        "project",
        "issue type",
        "create screen",
    ]) {
        let text: String = line.chars().skip(2).collect();
        assert!(text.starts_with(name), "{name}: {line}\n{out}");
    }

    let out = pm.run(&["doctor", "--format", "json"]).await;
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let checks: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "config_file",
            "jira_settings",
            "token",
            "reachable",
            "deployment",
            "credentials",
            "project",
            "issue_type",
            "create_screen"
        ],
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_warnings_do_not_break_doctors_checklist() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    jira.inject(crate::support::fake_jira::Fault::Status {
        endpoint: None,
        status: 503,
        retry_after: None,
        times: 1,
    });
    let pm = PmSync::against(&jira, Flavor::Cloud);

    let out = pm.run(&["doctor"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert!(!out.stderr.contains("retrying"), "{out}");
}

/// Runs `args` with a FIFO named `name` in the working directory; fails (never hangs) when
/// pm-sync blocks on it.
#[cfg(unix)]
async fn run_on_a_fifo(pm: &PmSync, name: &str, args: &[&str]) -> crate::support::cli::Output {
    let fifo = pm.dir().join(name);
    if !fifo.exists() {
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
    }
    match tokio::time::timeout(Duration::from_secs(20), pm.run(args)).await {
        Ok(out) => out,
        Err(_) => {
            // Unblock the child (a reader for a writer, a writer for a reader), then fail.
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .custom_flags_nonblock()
                .open(&fifo);
            let _ = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags_nonblock()
                .open(&fifo);
            panic!("pm-sync blocked on a FIFO: {args:?}");
        }
    }
}

/// Non-blocking opens for the test's own unblocking of a FIFO.
#[cfg(unix)]
trait NonBlocking {
    fn custom_flags_nonblock(&mut self) -> &mut Self;
}

#[cfg(unix)]
impl NonBlocking for std::fs::OpenOptions {
    fn custom_flags_nonblock(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.custom_flags(libc::O_NONBLOCK)
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_or_a_device_is_refused_at_once_by_every_command() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    for args in [
        &["sync", "pm.md"][..],
        &["sync", "pm.md", "--dry-run"],
        &["refresh", "pm.md"],
        &["check", "pm.md"],
        &["dashboard", "pm.md", "--offline"],
        &["items", "pm.md"],
    ] {
        let out = run_on_a_fifo(&pm, "pm.md", args).await;
        assert_eq!(out.code, 2, "{args:?}: {out}");
        assert!(out.stderr.contains("not a regular file"), "{args:?}: {out}");
    }
    for args in [&["sync", "/dev/null"][..], &["refresh", "/dev/null"]] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}: {out}");
        assert!(out.stderr.contains("not a regular file"), "{args:?}: {out}");
    }
    assert_eq!(jira.requests().writes, 0);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_in_place_of_a_reports_journal_or_cell_records_is_never_waited_on() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write("pm.md", REPORT);
    // The journal decides what was already sent: one that cannot be read stops the run, at
    // once and before any Jira write.
    let out = run_on_a_fifo(&pm, ".pm.md.pm-sync-journal.json", &["sync", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("not a regular file"), "{out}");
    assert_eq!(jira.requests().writes, 0);
    std::fs::remove_file(pm.dir().join(".pm.md.pm-sync-journal.json")).unwrap();
    // The cell records only refine write-back: unreadable, they are not used.
    pm.write(
        "pm-sync.toml",
        "[report]\nwrite_back = [\"status\", \"assignee\", \"due\"]\n",
    );
    for args in [&["sync", "pm.md"][..], &["refresh", "pm.md"]] {
        let out = run_on_a_fifo(&pm, ".pm.md.pm-sync-cells.json", args).await;
        assert_eq!(out.code, 0, "{args:?}: {out}");
    }
    assert_eq!(jira.issues().len(), 1);
}

/// A FIFO, or a folder, named `pm-sync.toml` beside the report is the config pm-sync finds
/// there: refused by name (exit 2), never waited on nor passed over for a config further up
/// or the environment's settings.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_or_a_folder_in_place_of_the_config_file_is_refused_by_name() {
    let jira = FakeJira::start(Flavor::Cloud).await;
    let pm = PmSync::against(&jira, Flavor::Cloud);
    pm.write(
        "pm.md",
        "---\nincident_date: 2026-03-04\n---\n## Action Items\n\n| Action Item | Status |\n|---|---|\n| Add an alert | |\n",
    );
    for args in [&["sync", "pm.md"][..], &["check", "pm.md"]] {
        let out = run_on_a_fifo(&pm, "pm-sync.toml", args).await;
        assert_eq!(out.code, 2, "{args:?}: {out}");
        assert!(out.stderr.contains("pm-sync.toml"), "{args:?}: {out}");
        assert!(out.stderr.contains("not a regular file"), "{args:?}: {out}");
    }
    std::fs::remove_file(pm.dir().join("pm-sync.toml")).unwrap();
    std::fs::create_dir(pm.dir().join("pm-sync.toml")).unwrap();
    let out = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("not a regular file"), "{out}");
    assert_eq!(jira.requests().writes, 0);
}
