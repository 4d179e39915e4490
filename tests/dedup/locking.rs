//! The report lock: one lock per file (every name of it), nothing left beside the report, the
//! holder named, and read-only reports refused before anything is sent.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pm_sync::report::{Report, ReportError, ReportLock, ReportOptions, lock, lock_with_timeout};

const REPORT: &str = "---\nincident_date: 2020-04-14\n---\n## Action Items\n\n\
| Action Item | Status |\n|---|---|\n| Add an alert | |\n";

fn report_in(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, REPORT).expect("write report");
    path
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_report_with_two_hard_links_is_refused_for_writing() {
    // Saving renames a new file over the report: the other name would keep the old bytes
    // without the keys, and a sync of it would file every ticket again.
    let dir = tempfile::tempdir().expect("tempdir");
    let first = report_in(dir.path(), "pm.md");
    fs::create_dir(dir.path().join("other")).expect("mkdir");
    let second = dir.path().join("other/linked.md");
    fs::hard_link(&first, &second).expect("hard link");
    for name in [&first, &second] {
        let error = lock(name).expect_err("two names of one file");
        assert!(matches!(error, ReportError::Write { .. }), "{error}");
        assert!(error.to_string().contains("2 hard links"), "{error}");
        assert!(error.to_string().contains("ln -sf"), "{error}");
    }
    fs::remove_file(&second).expect("unlink");
    lock(&first).expect("one name again");
}

#[cfg(unix)]
#[test]
fn a_symlink_and_its_target_share_one_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = report_in(dir.path(), "pm.md");
    let link = dir.path().join("alias.md");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let _held = lock(&link).expect("lock through the link");
    let error = lock_with_timeout(&target, Duration::from_millis(200)).expect_err("same file");
    assert!(matches!(error, ReportError::Locked { .. }), "{error}");
}

#[test]
fn the_lock_leaves_nothing_beside_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = report_in(dir.path(), "pm.md");
    let held = lock(&path).expect("lock");
    assert_eq!(
        names_in(dir.path()),
        ["pm.md"],
        "nothing is created to lock"
    );
    drop(held);
    assert_eq!(names_in(dir.path()), ["pm.md"]);
}

#[test]
fn the_lock_still_excludes_others_after_the_report_is_replaced_by_a_save() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = report_in(dir.path(), "pm.md");
    let mut held = lock(&path).expect("lock");
    let mut report = Report::load(&path, &ReportOptions::default()).expect("load");
    let row = report.items()[0].row;
    report
        .apply(&[pm_sync::report::Edit::Status {
            row,
            status: "Open".into(),
        }])
        .expect("edit");
    assert!(held.saving(|| report.save()).expect("saved"));
    // The save renamed a new file over the report: that new file is locked as well.
    let error = lock_with_timeout(&path, Duration::from_millis(200)).expect_err("still held");
    assert!(matches!(error, ReportError::Locked { .. }), "{error}");
    assert_eq!(names_in(dir.path()), ["pm.md"]);
    drop(held);
    lock_with_timeout(&path, Duration::from_millis(200)).expect("free once released");
}

#[cfg(target_os = "linux")]
#[test]
fn the_holder_of_a_lock_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = report_in(dir.path(), "pm.md");
    assert_eq!(ReportLock::holder_of(&path), None, "free: nobody holds it");
    let _held = lock(&path).expect("lock");
    let holder = ReportLock::holder_of(&path).expect("the kernel names the holder");
    assert!(
        holder.starts_with(&format!("process {} of user ", std::process::id())),
        "{holder}"
    );
}

#[cfg(unix)]
#[test]
fn a_read_only_report_is_refused_by_the_lock() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = report_in(dir.path(), "pm.md");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).expect("chmod");
    let error = lock(&path).expect_err("read-only");
    assert!(error.to_string().contains("read-only"), "{error}");
    assert_eq!(error.exit_code(), 2);
}
