//! Saving: untouched reports are not rewritten, permissions survive, a concurrent change on disk
//! or a second pm-sync stops the write.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use pm_sync::report::{
    Edit, KnownStatuses, Report, ReportError, ReportOptions, lock, lock_with_timeout,
};

const REPORT: &str =
    "## Action Items\n\n| Action Item | Status |\n|---|---|\n| Add an alert |  |\n";

fn write_report(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("pm.md");
    fs::write(&path, REPORT).expect("write");
    path
}

fn set_status(report: &mut Report, status: &str) -> bool {
    report
        .apply(&[Edit::Status {
            row: 1,
            status: status.to_owned(),
        }])
        .expect("applies")
}

#[test]
fn an_unchanged_report_is_not_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_report(&dir);
    let old = filetime_of(&path);
    std::thread::sleep(Duration::from_millis(20));
    let mut report = Report::load(&path, &ReportOptions::default()).expect("loads");
    assert!(!set_status(&mut report, ""));
    assert!(!report.save().expect("saves"));
    assert_eq!(filetime_of(&path), old);
    assert_eq!(fs::read_to_string(&path).expect("read"), REPORT);
}

#[test]
fn an_edit_reverted_before_saving_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_report(&dir);
    let mut report = Report::load(&path, &ReportOptions::default()).expect("loads");
    super::knowing(&mut report, &["Open"]);
    assert!(set_status(&mut report, "Open"));
    assert!(report.is_modified());
    assert!(set_status(&mut report, ""));
    assert!(!report.is_modified());
    assert!(!report.save().expect("saves"));
}

#[cfg(unix)]
#[test]
fn a_changed_report_is_replaced_and_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_report(&dir);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    let mut report = Report::load(&path, &ReportOptions::default()).expect("loads");
    set_status(&mut report, "Open");
    assert!(report.save().expect("saves"));
    assert!(!report.is_modified());
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        REPORT.replace("alert |  |", "alert | Open |")
    );
    let mode = fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // A second save has nothing to do.
    assert!(!report.save().expect("saves"));
}

#[cfg(unix)]
#[test]
fn saving_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_report(&dir);
    let link = dir.path().join("link.md");
    std::os::unix::fs::symlink(&path, &link).expect("symlink");
    let mut report = Report::load(&link, &ReportOptions::default()).expect("loads");
    set_status(&mut report, "Open");
    report.save().expect("saves");
    assert!(
        fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&path)
            .expect("read")
            .contains("| Open |")
    );
}

#[test]
fn a_report_changed_on_disk_since_it_was_read_is_not_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_report(&dir);
    let mut report = Report::load(&path, &ReportOptions::default()).expect("loads");
    set_status(&mut report, "Open");
    let theirs = REPORT.replace("Add an alert", "Add two alerts");
    fs::write(&path, &theirs).expect("someone else writes");
    let error = report.save().expect_err("changed on disk");
    assert!(matches!(error, ReportError::ChangedOnDisk { .. }));
    assert!(
        error.to_string().ends_with(
            "pm.md: the file changed on disk since pm-sync read it; nothing was written"
        )
    );
    assert_eq!(fs::read_to_string(&path).expect("read"), theirs);
}

/// A writing run keeps one copy of a report's bytes: what was read is remembered by length and
/// hash, which still stops a save over someone else's change and still gives the diff.
#[test]
fn without_the_original_kept_a_change_on_disk_still_stops_the_save_and_the_diff_reads_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_report(&dir);
    let options = ReportOptions {
        keep_original: false,
        ..ReportOptions::default()
    };
    let mut report = Report::load(&path, &options).expect("loads");
    let mut known = KnownStatuses::default();
    known.insert("Open", false);
    known.insert("Done", true);
    report.set_known_statuses(known);
    assert!(set_status(&mut report, "Open"));
    assert!(report.is_modified());
    assert!(
        report.diff().contains("+| Add an alert | Open |"),
        "{}",
        report.diff()
    );
    // Back to what the file holds: nothing to save.
    assert!(set_status(&mut report, ""));
    assert!(!report.is_modified());
    assert!(set_status(&mut report, "Open"));

    let theirs = REPORT.replace("an alert", "a pager");
    fs::write(&path, &theirs).expect("someone else writes");
    assert!(
        report
            .diff()
            .ends_with("pm.md: no diff: the file changed on disk since pm-sync read it\n")
    );
    let error = report.save().expect_err("changed on disk");
    assert!(matches!(error, ReportError::ChangedOnDisk { .. }));
    assert_eq!(fs::read_to_string(&path).expect("read"), theirs);

    fs::write(&path, REPORT).expect("put back");
    assert!(report.save().expect("saves"));
    assert!(
        fs::read_to_string(&path)
            .expect("read")
            .contains("| Add an alert | Open |")
    );
    assert!(set_status(&mut report, "Done"));
    assert!(report.save().expect("saves again"));
}

#[test]
fn the_diff_shows_the_change_against_what_was_read() {
    let mut report = super::parse_ok(REPORT);
    set_status(&mut report, "Open");
    insta::assert_snapshot!(report.diff());
}

#[test]
fn a_second_lock_waits_then_fails_and_succeeds_once_the_first_is_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_report(&dir);
    let first = lock(&path).expect("first lock");
    assert!(
        first.path().ends_with("pm.md"),
        "the report itself is locked"
    );
    let started = std::time::Instant::now();
    let error = lock_with_timeout(&path, Duration::from_millis(200)).expect_err("held elsewhere");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(matches!(error, ReportError::Locked { .. }));
    assert!(
        error
            .to_string()
            .contains("another pm-sync is working on this report"),
        "{error}"
    );
    drop(first);
    let second = lock_with_timeout(&path, Duration::from_millis(200)).expect("free again");
    drop(second);
    // Nothing is left beside the report: the report itself is what is locked.
    assert!(!dir.path().join(".pm.md.pm-sync.lock").exists());
}

#[test]
fn a_waiting_lock_is_granted_when_the_holder_lets_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_report(&dir);
    let first = lock(&path).expect("first lock");
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        drop(first);
    });
    lock_with_timeout(&path, Duration::from_secs(5)).expect("granted after the release");
    releaser.join().expect("thread");
}

fn filetime_of(path: &std::path::Path) -> std::time::SystemTime {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

/// A long list, its rows linked and given statuses by a save that writes them as it plans them
/// (`FileHome::save_edited`): mid-run saves leave the report as read and its file ahead (never
/// saved over, nor edited), the last one reads the file back, and each file is byte for byte
/// what applying the same edits in memory saves.
#[test]
fn a_save_written_as_its_edits_are_planned_is_the_save_of_those_edits_applied() {
    use pm_sync::report::FileHome;
    use pm_sync::report::disk::FolderSync;

    // Over 64 KiB, so the file is written in several pieces.
    let rows = 8_000;
    let mut text = String::from("# PM\n\n## Action Items\n\n| Action Item | Status |\n|---|---|\n");
    for n in 1..=rows {
        text.push_str(&format!("| Item {n} | |\n"));
    }
    text.push_str("\n## Timeline\n\nnothing\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pm.md");
    let expected_path = dir.path().join("expected.md");
    let edits_of = |row: usize| {
        vec![
            Edit::Link {
                row,
                key: format!("OPS-{row}"),
                url: format!("https://jira.example/browse/OPS-{row}"),
            },
            Edit::Status {
                row,
                status: "To Do".to_owned(),
            },
        ]
    };
    let load = |path: &std::path::Path| {
        let mut report = Report::load(path, &ReportOptions::default()).expect("loads");
        super::knowing(&mut report, &["To Do"]);
        report
    };
    fs::write(&path, &text).expect("write");
    fs::write(&expected_path, &text).expect("write");
    let mut home = FileHome::new(&path);
    let mut report = load(&path);
    // Three saves, each of every row edited so far, as a run saves the keys it created.
    for upto in [1_000, 5_000, rows] {
        let last = upto == rows;
        let mut changed = Vec::new();
        let mut calls = (1..=upto).map(edits_of);
        let saved = home
            .save_edited(&mut report, &mut calls, last, FolderSync::Now, &mut |row| {
                changed.push(row)
            })
            .expect("saves");
        assert!(saved);
        assert_eq!(changed, (1..=upto).collect::<Vec<_>>());
        let all: Vec<Edit> = (1..=upto).flat_map(edits_of).collect();
        let mut expected = load(&expected_path);
        expected.apply(&all).expect("applies");
        expected.save().expect("saves");
        assert_eq!(
            fs::read_to_string(&path).expect("read"),
            fs::read_to_string(&expected_path).expect("read"),
            "after {upto} rows"
        );
        fs::write(&expected_path, &text).expect("write");
        if last {
            // Read back: the report is what its file holds, and saves as usual again.
            assert!(!report.is_behind());
            assert_eq!(report.bytes(), fs::read(&path).expect("read").as_slice());
            assert_eq!(report.items()[rows - 1].key.as_deref(), Some("OPS-8000"));
            assert!(!report.save().expect("nothing to save"));
        } else {
            // Ahead of the report: its bytes are as read, and saving them is refused rather
            // than losing the keys the file holds.
            assert!(report.is_behind());
            assert_eq!(report.bytes(), text.as_bytes());
            assert!(matches!(report.save(), Err(ReportError::Write { .. })));
        }
    }

    // A call that cannot be planned (not a key) saves nothing: the file stays as it was.
    let before = fs::read(&path).expect("read");
    let mut bad = [vec![Edit::Link {
        row: 5,
        key: "not a key".to_owned(),
        url: "https://x".to_owned(),
    }]]
    .into_iter();
    let mut report = load(&path);
    let error = home.save_edited(&mut report, &mut bad, true, FolderSync::Now, &mut |_| {});
    assert!(
        matches!(error, Err(ReportError::InvalidKey { .. })),
        "{error:?}"
    );
    assert_eq!(fs::read(&path).expect("read"), before);
    assert!(!report.is_behind());
    // Rows out of order would leave the earlier row's edits out: refused, nothing saved.
    let status = |row: usize| {
        vec![Edit::Status {
            row,
            status: "Done".to_owned(),
        }]
    };
    let mut backwards = [status(7_000), status(3)].into_iter();
    let error = home.save_edited(
        &mut report,
        &mut backwards,
        true,
        FolderSync::Now,
        &mut |_| {},
    );
    assert!(matches!(error, Err(ReportError::Write { .. })), "{error:?}");
    assert_eq!(fs::read(&path).expect("read"), before);
    let leftovers = fs::read_dir(dir.path())
        .expect("a folder")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        })
        .count();
    assert_eq!(leftovers, 0, "a temporary file was left behind");
}

/// Edits whose result pm-sync could not read again (ticking the boxes of a Dutch report's
/// sub-heading items takes them out of its action items) are refused before the file is
/// replaced, as when they are applied in memory: the file stays as it was and still loads,
/// and the report stays usable.
#[test]
fn a_save_written_as_planned_is_parsed_before_it_replaces_the_file() {
    use pm_sync::report::FileHome;
    use pm_sync::report::disk::FolderSync;

    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus/nl-vraag-kop-hoe-voorkomen.md");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pm.md");
    fs::copy(&fixture, &path).expect("copy");
    let before = fs::read(&path).expect("read");
    let options = ReportOptions::default();
    let mut report = Report::load(&path, &options).expect("loads");
    super::knowing(&mut report, &["Done"]);
    let rows: Vec<usize> = report.items().iter().map(|item| item.row).collect();
    let done = |row: usize| Edit::Status {
        row,
        status: "Done".to_owned(),
    };
    // In memory, refused.
    let mut copy = Report::load(&path, &options).expect("loads");
    copy.set_known_statuses(report.known_statuses().clone());
    let all: Vec<Edit> = rows.iter().map(|&row| done(row)).collect();
    assert!(copy.apply(&all).is_err());
    // Written as planned: refused too, and nothing replaced.
    let mut calls = rows.iter().map(|&row| vec![done(row)]);
    let saved = FileHome::new(&path).save_edited(
        &mut report,
        &mut calls,
        true,
        FolderSync::Now,
        &mut |_| {},
    );
    assert!(saved.is_err(), "{saved:?}");
    assert_eq!(fs::read(&path).expect("read"), before);
    assert!(Report::load(&path, &options).is_ok());
    assert!(!report.is_behind());
    assert_eq!(report.bytes(), before.as_slice());
    assert_eq!(report.items().len(), rows.len());
}

/// Every Markdown and HTML fixture, as written and with CRLF lines and a byte order mark, under
/// six edit scenarios (keys, statuses known or not, emptied cells, a status with a pipe): a
/// save written as its edits are planned — half the rows mid-run, left ahead of the report,
/// then every row, read back — is byte for byte the save of the same edits applied in memory,
/// names the same changed rows, and leaves the report what its file holds. Where the edits
/// cannot be applied in memory, the written save is refused too and the file stays as it was.
#[test]
fn a_save_written_as_planned_is_the_applied_save_in_every_fixture_and_line_ending() {
    use pm_sync::report::disk::FolderSync;
    use pm_sync::report::{EditPlan, FileHome};

    use super::progressive::{edits_of, know_statuses as know, reports_under};

    let mut paths = Vec::new();
    reports_under(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut paths,
    );
    // Files only: a page's storage is saved as a page.
    paths.retain(|path| path.extension().and_then(|e| e.to_str()) != Some("xhtml"));
    let dir = tempfile::tempdir().expect("tempdir");
    let options = ReportOptions::default();
    let (mut checked, mut refused) = (0, 0);
    for path in paths {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
        let bom = format!("\u{feff}{text}");
        let extension = path.extension().expect("an extension");
        let written = dir.path().join("written").with_extension(extension);
        let applied = dir.path().join("applied").with_extension(extension);
        for (variant, text) in [("as written", &text), ("CRLF", &crlf), ("BOM", &bom)] {
            for scenario in 0..6 {
                let at = format!("{} ({variant}), scenario {scenario}", path.display());
                fs::write(&written, text).expect("write");
                fs::write(&applied, text).expect("write");
                let Ok(mut report) = Report::load(&written, &options) else {
                    continue;
                };
                let mut expected = Report::load(&applied, &options).expect("loads");
                know(&mut report, scenario);
                know(&mut expected, scenario);
                let rows = edits_of(&report, scenario);
                if rows.is_empty() {
                    continue;
                }
                let mut plan = EditPlan::default();
                let mut expected_rows = Vec::new();
                for call in &rows {
                    if expected.plan_edits(&mut plan, call).expect("plans") {
                        expected_rows.push(call[0].row());
                    }
                }
                let mut home = FileHome::new(&written);
                if expected.apply_plan(plan).is_err() {
                    // Not readable once edited: refused both ways, the file kept.
                    let mut calls = rows.iter().cloned();
                    let saved = home.save_edited(
                        &mut report,
                        &mut calls,
                        true,
                        FolderSync::Now,
                        &mut |_| {},
                    );
                    assert!(saved.is_err(), "{at}");
                    assert_eq!(fs::read_to_string(&written).expect("read"), *text, "{at}");
                    refused += 1;
                    continue;
                }
                expected.save().expect("saves");
                let half = rows.len() / 2;
                let mut calls = rows[..half].iter().cloned();
                home.save_edited(&mut report, &mut calls, false, FolderSync::Now, &mut |_| {})
                    .expect("saves half");
                let mut changed = Vec::new();
                let mut calls = rows.iter().cloned();
                home.save_edited(&mut report, &mut calls, true, FolderSync::Now, &mut |row| {
                    changed.push(row)
                })
                .expect("saves all");
                let want = fs::read(&applied).expect("read");
                assert_eq!(fs::read(&written).expect("read"), want, "{at}");
                assert_eq!(changed, expected_rows, "{at}");
                assert_eq!(report.bytes(), want.as_slice(), "{at}");
                assert!(!report.is_behind(), "{at}");
                checked += 1;
            }
        }
    }
    assert!(checked > 1_000, "{checked} checked");
    assert!(refused > 0, "no fixture's edits were refused");
}
