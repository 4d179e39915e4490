//! End-to-end refusals and previews: read-only reports, keys of other projects, another
//! report's tickets, and the dry run's placeholders for keys to come.

use crate::cli_sync::{FLAVORS, generated_report, setup};
use crate::support::fake_jira::{Endpoint, Fault, Flavor};

/// One generated report with `count` items dated 2020-04-14.
fn report(count: usize) -> String {
    generated_report(count, "2020-04-14")
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_report_exits_2_before_any_jira_write() {
    use std::os::unix::fs::PermissionsExt;
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let path = pm.write("pm.md", report(2));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        assert!(out.stderr.contains("read-only"), "{flavor:?}: {out}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}");
        assert!(fake.issues().is_empty(), "{flavor:?}");
        assert_eq!(pm.read("pm.md"), report(2), "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_leaves_no_lock_file_beside_the_report() {
    let (_fake, pm) = setup(Flavor::Cloud).await;
    pm.write("reports/pm.md", report(1));

    let out = pm.run(&["sync", "reports/pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    let names: Vec<String> = std::fs::read_dir(pm.dir().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["pm.md"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_key_of_another_project_is_refused_not_written() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", report(1));
        fake.inject(Fault::Response {
            endpoint: Some(Endpoint::BulkCreate),
            status: 201,
            headers: Vec::new(),
            body: r#"{"issues":[{"id":"99999","key":"EVIL-1","self":"http://127.0.0.1/x"}],"errors":[]}"#
                .into(),
            times: 1,
        });

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 3, "{flavor:?}: {out}");
        assert!(!pm.read("pm.md").contains("EVIL-1"), "{flavor:?}");
        assert!(
            out.stdout.contains("not of project OPS"),
            "{flavor:?}: {out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_searched_key_of_another_project_is_never_adopted() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("pm.md", report(1));
        let issue = r#"{"id":"99999","key":"EVIL-1","fields":{"summary":"Generated item 0",
            "labels":["sev1_20200414","sev1"],"resolution":null,
            "status":{"id":"1","name":"To Do","statusCategory":{"id":2,"key":"new","name":"To Do"}}}}"#;
        let (endpoint, body) = match flavor {
            Flavor::Cloud => (
                Endpoint::SearchJql,
                format!(r#"{{"issues":[{issue}],"isLast":true}}"#),
            ),
            Flavor::DataCenter => (
                Endpoint::Search,
                format!(r#"{{"startAt":0,"maxResults":50,"total":1,"issues":[{issue}]}}"#),
            ),
        };
        fake.inject(Fault::Response {
            endpoint: Some(endpoint),
            status: 200,
            headers: Vec::new(),
            body,
            times: 1,
        });

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let text = pm.read("pm.md");
        assert!(!text.contains("EVIL-1"), "{flavor:?}: {text}");
        assert!(text.contains("OPS-1"), "{flavor:?}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_report_of_the_same_day_does_not_adopt_the_first_reports_ticket() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        pm.write("first.md", report(1));
        pm.write("second.md", report(1));
        assert_eq!(pm.run(&["sync", "first.md"]).await.code, 0);

        let out = pm.run(&["sync", "second.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.issues().len(), 2, "{flavor:?}: {out}");
        assert!(pm.read("first.md").contains("OPS-1"), "{flavor:?}");
        assert!(pm.read("second.md").contains("OPS-2"), "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_nobody_marked_is_still_adopted() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let key = fake.seed_issue("OPS", "Generated item 0", &["sev1_20200414"]);
        pm.write("pm.md", report(1));

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_eq!(fake.issues().len(), 1, "{flavor:?}: {out}");
        assert!(pm.read("pm.md").contains(&key), "{flavor:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_shows_placeholders_for_the_keys_to_come() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", report(2));

    let out = pm.run(&["sync", "--dry-run", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert!(fake.issues().is_empty());
    assert_eq!(pm.read("pm.md"), report(2));
    let added: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert!(
        added
            .iter()
            .any(|l| l.contains(">OPS-?1</a> Generated item 0")),
        "{out}"
    );
    assert!(
        added
            .iter()
            .any(|l| l.contains(">OPS-?2</a> Generated item 1")),
        "{out}"
    );
    // A placeholder is not a key: nothing that parses as one is shown for items to create.
    assert!(!out.stdout.contains("OPS-1"), "{out}");
}

/// Whether this process runs as root (whom permission bits do not stop).
#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_folder_that_takes_no_new_file_exits_2_before_any_jira_write() {
    use std::os::unix::fs::PermissionsExt;
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        // Root writes through permission bits: run pm-sync as `nobody`, for whom they hold.
        let pm = if is_root() { pm.run_as_user(65534) } else { pm };
        let path = pm.write("locked/pm.md", report(2));
        // The report itself is writable by anyone: only the folder refuses new files.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let folder = pm.dir().join("locked");
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();

        let out = pm.run(&["sync", "locked/pm.md"]).await;

        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(out.code, 2, "{flavor:?}: {out}");
        assert!(
            out.stderr.contains("does not take new files"),
            "{flavor:?}: {out}"
        );
        assert!(out.stderr.contains("--dry-run"), "the fix: {out}");
        assert_eq!(fake.requests().writes, 0, "{flavor:?}");
        assert!(fake.issues().is_empty(), "{flavor:?}");
        assert_eq!(pm.read("locked/pm.md"), report(2), "{flavor:?}");
        // A preview needs no write access.
        let out = pm.run(&["sync", "locked/pm.md", "--dry-run"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_with_two_hard_links_exits_2_before_any_jira_write() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", report(2));
    std::fs::create_dir(pm.dir().join("copy")).unwrap();
    std::fs::hard_link(pm.dir().join("pm.md"), pm.dir().join("copy/pm.md")).unwrap();

    for args in [&["sync", "pm.md"][..], &["refresh", "copy/pm.md"]] {
        let out = pm.run(args).await;
        assert_eq!(out.code, 2, "{args:?}: {out}");
        assert!(out.stderr.contains("2 hard links"), "{out}");
        assert!(out.stderr.contains("symbolic links"), "the fix: {out}");
    }
    assert_eq!(fake.requests().total, 0);
    // One name left: it syncs, and the keys are in the file that has the name.
    std::fs::remove_file(pm.dir().join("copy/pm.md")).unwrap();
    let out = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 2);
}

/// Runs `chattr FLAGS path`; false where the system or the filesystem cannot (not root, no
/// `chattr`, a filesystem without inode flags).
#[cfg(unix)]
fn chattr(flags: &str, path: &std::path::Path) -> bool {
    std::process::Command::new("chattr")
        .arg(flags)
        .arg(path)
        .output()
        .is_ok_and(|out| out.status.success())
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn an_append_only_report_exits_2_before_any_jira_write() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    let path = pm.write("pm.md", report(2));
    // Open for append it would be (that was the old check); a rename over it never is.
    if !chattr("+a", &path) {
        eprintln!("skipped: chattr +a is not available here");
        return;
    }
    let sync = pm.run(&["sync", "pm.md"]).await;
    let refresh = pm.run(&["refresh", "pm.md"]).await;
    chattr("-a", &path);
    for out in [sync, refresh] {
        assert_eq!(out.code, 2, "{out}");
        assert!(out.stderr.contains("chattr -a"), "the fix: {out}");
    }
    assert_eq!(fake.requests().writes, 0);
    assert!(fake.issues().is_empty());
    assert_eq!(pm.read("pm.md"), report(2));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn another_users_report_in_a_sticky_folder_exits_2_before_any_jira_write() {
    use std::os::unix::fs::PermissionsExt;
    if !is_root() {
        eprintln!("skipped: needs root, to give the report another owner than pm-sync's user");
        return;
    }
    let (fake, pm) = setup(Flavor::Cloud).await;
    let pm = pm.run_as_user(65534);
    // Like /tmp: everyone may create files, and the report is writable by anyone, but only
    // its owner (root here) may rename over it.
    let path = pm.write("shared/pm.md", report(2));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let folder = pm.dir().join("shared");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o1777)).unwrap();

    let out = pm.run(&["sync", "shared/pm.md"]).await;

    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("sticky"), "{out}");
    assert_eq!(fake.requests().writes, 0);
    assert!(fake.issues().is_empty());
    assert_eq!(pm.read("shared/pm.md"), report(2));
    let out = pm.run(&["sync", "shared/pm.md", "--dry-run"]).await;
    assert_eq!(out.code, 0, "a preview needs no write access: {out}");
}
