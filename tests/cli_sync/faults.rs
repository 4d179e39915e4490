//! Sync under failure: lost responses, search lag, a killed process, rate limits, outages and
//! partial bulk failure. The rule in every case: never a duplicate ticket, nothing lost.

use std::collections::HashSet;
use std::time::Duration;

use super::*;
use crate::support::fake_jira::{Endpoint, Fault};

/// Keys linked in an HTML report, in row order.
fn linked_keys(text: &str) -> Vec<String> {
    text.split("\">")
        .filter_map(|part| part.split_once("</a>").map(|(key, _)| key.to_owned()))
        .filter(|key| key.starts_with("OPS-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_create_response_is_reconciled_by_search_not_created_again() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.inject(Fault::LoseCreateResponse { times: 1 });
    fake.set_search_lag(2);
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4, "a lost response led to a duplicate");
    assert_eq!(
        linked_keys(&pm.read("pm.md")).len(),
        4,
        "{}",
        pm.read("pm.md")
    );
    assert_eq!(
        fake.requests().count(Endpoint::BulkCreate),
        1,
        "the create was resent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_503_with_retry_after_answered_after_the_create_ran_never_files_it_twice() {
    for flavor in FLAVORS {
        for retry_after in [Some("1".to_owned()), None] {
            let (fake, pm) = setup(flavor).await;
            fake.inject(Fault::StatusAfterCreate {
                status: 503,
                retry_after: retry_after.clone(),
                times: 1,
            });
            pm.write("pm.md", HTML_REPORT);

            let out = pm.run(&["sync", "pm.md"]).await;

            let case = format!("{flavor:?}, Retry-After {retry_after:?}");
            assert_eq!(out.code, 0, "{case}: {out}");
            assert_eq!(fake.issues().len(), 4, "{case}: the create was sent again");
            assert_eq!(fake.requests().count(Endpoint::BulkCreate), 1, "{case}");
            assert_eq!(linked_keys(&pm.read("pm.md")).len(), 4, "{case}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn when_search_lags_longer_than_the_run_the_next_run_adopts_instead_of_recreating() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.inject(Fault::LoseCreateResponse { times: 1 });
    // Invisible to the next 40 searches: more than the first run makes in its 200 ms wait
    // (one every 20 ms), fewer than the second run makes in its 2 s.
    fake.set_search_lag(40);
    pm.write("pm.md", HTML_REPORT);

    let out = pm
        .run_env(
            &[("PM_SYNC_TEST_RECONCILE_WAIT_MS", Some("200"))],
            &["sync", "pm.md"],
        )
        .await;
    assert_eq!(
        out.code, 3,
        "the outcome is unknown, so the run says so: {out}"
    );
    assert!(out.stdout.contains("pending"), "{out}");
    assert_eq!(fake.issues().len(), 4);
    assert_eq!(pm.read("pm.md"), HTML_REPORT, "no key is known yet");

    // Search still lags on the next run: the journal makes it wait, find them, create nothing.
    let out = pm.run(&["sync", "pm.md"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4, "the next run filed duplicates");
    assert_eq!(linked_keys(&pm.read("pm.md")).len(), 4);
    assert!(!pm.dir().join(".pm.md.pm-sync-journal.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_mid_create_and_run_again_ends_with_one_ticket_per_item() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let items = 120;
        pm.write("pm.md", generated_report(items, "2021-03-04"));
        // One bulk create in flight at a time, so the kill falls between journaled groups: a
        // group's batches go out together, and on Cloud a journaled batch the kill cut off
        // before it was sent is held (pending) rather than re-created.
        pm.write("pm-sync.toml", "[jira]\nconcurrency = 1\n");
        fake.set_latency(Duration::from_millis(150));
        fake.set_search_lag(2);

        // Kill it while Jira has created the first batch but before the answer arrives.
        sync_killed_once_jira_holds(&fake, &pm, 1, Duration::from_secs(20)).await;
        assert!(
            !fake.issues().is_empty(),
            "{flavor:?}: nothing was created before the kill"
        );

        fake.set_latency(Duration::ZERO);
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_one_ticket_per_item(&fake, &pm, items, flavor);
    }
}

/// Runs `sync pm.md` and kills it as soon as Jira holds `tickets` tickets (or `within` has
/// passed): a run dying mid-create.
async fn sync_killed_once_jira_holds(
    fake: &FakeJira,
    pm: &PmSync,
    tickets: usize,
    within: Duration,
) {
    let mut child = pm.spawn(&["sync", "pm.md"]);
    let deadline = std::time::Instant::now() + within;
    while fake.issues().len() < tickets && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().expect("kill pm-sync");
    let _ = child.wait();
}

/// Fails unless Jira holds exactly one ticket per item of `pm.md` (`items` of them, distinct
/// summaries) and the report links each by a key of its own, its journal gone.
fn assert_one_ticket_per_item(fake: &FakeJira, pm: &PmSync, items: usize, flavor: Flavor) {
    let issues = fake.issues();
    assert_eq!(issues.len(), items, "{flavor:?}: duplicates or gaps");
    let summaries: HashSet<&str> = issues.iter().map(|i| i.summary.as_str()).collect();
    assert_eq!(
        summaries.len(),
        items,
        "{flavor:?}: an item got two tickets"
    );
    let keys = linked_keys(&pm.read("pm.md"));
    assert_eq!(keys.len(), items, "{flavor:?}");
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len(),
        items,
        "{flavor:?}"
    );
    assert!(!pm.dir().join(".pm.md.pm-sync-journal.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_big_run_killed_after_settling_part_of_its_journal_is_finished_without_a_duplicate() {
    // 1,600 items at concurrency 1: keys saved after every fourth group of 50, and each save's
    // journal entries settled once it is durable. Killed late in the run, with several saves
    // settled, the next run creates what is left and nothing twice.
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        let items = 1600;
        pm.write("pm.md", generated_report(items, "2021-03-06"));
        pm.write("pm-sync.toml", "[jira]\nconcurrency = 1\n");
        fake.set_latency(Duration::from_millis(20));
        fake.set_search_lag(2);

        sync_killed_once_jira_holds(&fake, &pm, 1100, Duration::from_secs(60)).await;
        let before = fake.issues().len();
        assert!(
            (1100..items).contains(&before),
            "{flavor:?}: killed after {before} creates"
        );
        let saved = linked_keys(&pm.read("pm.md")).len();
        assert!(
            saved >= 800,
            "{flavor:?}: {saved} keys saved before the kill"
        );

        fake.set_latency(Duration::ZERO);
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        assert_one_ticket_per_item(&fake, &pm, items, flavor);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_waited_out_and_the_run_succeeds() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    fake.inject(Fault::Status {
        endpoint: Some(Endpoint::BulkCreate),
        status: 429,
        retry_after: Some("0".into()),
        times: 3,
    });
    fake.inject(Fault::Status {
        endpoint: Some(Endpoint::SearchJql),
        status: 503,
        retry_after: Some("0".into()),
        times: 2,
    });
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4);
    assert_eq!(
        fake.requests().count(Endpoint::BulkCreate),
        4,
        "3 refused + 1 accepted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outage_beyond_the_retry_cap_exits_3_naming_the_request_and_changes_nothing() {
    let (fake, pm) = setup(Flavor::DataCenter).await;
    fake.inject(Fault::Status {
        endpoint: None,
        status: 503,
        retry_after: None,
        times: 1_000,
    });
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stderr.contains("503"), "{out}");
    assert!(
        out.stderr.contains("error: GET /rest/api/2/project/OPS"),
        "names the request: {out}"
    );
    assert!(fake.issues().is_empty());
    assert_eq!(pm.read("pm.md"), HTML_REPORT);
}

#[tokio::test(flavor = "multi_thread")]
async fn partial_bulk_failure_exits_3_and_saves_every_success() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        fake.reject_summaries_containing("failover runbook");
        pm.write("pm.md", HTML_REPORT);

        let out = pm.run(&["sync", "pm.md"]).await;

        assert_eq!(out.code, 3, "{flavor:?}: {out}");
        assert!(out.stdout.contains("failed"), "{out}");
        assert!(
            out.stdout.contains("create validator"),
            "shows Jira's reason: {out}"
        );
        assert_eq!(fake.issues().len(), 3);
        let text = pm.read("pm.md");
        assert_eq!(linked_keys(&text).len(), 3, "{flavor:?}: {text}");

        // Once the validator is fixed, a rerun files only the missing one.
        let fake_issues_before = fake.issues().len();
        let pm_again = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(pm_again.code, 3, "still refused: {pm_again}");
        assert_eq!(fake.issues().len(), fake_issues_before);
    }
}

/// A journal as a run leaves it when killed after recording a batch but before sending it.
fn journal_of_unsent_batch(summaries: &[&str]) -> String {
    let pending: Vec<serde_json::Value> = summaries
        .iter()
        .map(|s| {
            serde_json::json!({
                "date_label": "sev1_20200414",
                "summary": s,
                "sent_at": chrono::Utc::now().to_rfc3339(),
            })
        })
        .collect();
    serde_json::json!({ "pending": pending }).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_recorded_but_never_sent_is_created_at_once_on_data_center() {
    let (fake, pm) = setup(Flavor::DataCenter).await;
    pm.write("pm.md", HTML_REPORT);
    pm.write(
        ".pm.md.pm-sync-journal.json",
        journal_of_unsent_batch(&HTML_SUMMARIES),
    );

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4);
    assert_eq!(linked_keys(&pm.read("pm.md")).len(), 4);
    assert!(!pm.dir().join(".pm.md.pm-sync-journal.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn on_cloud_a_recent_unanswered_batch_is_held_not_recreated() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    pm.write(
        ".pm.md.pm-sync-journal.json",
        journal_of_unsent_batch(&HTML_SUMMARIES[..1]),
    );

    let out = pm
        .run_env(
            &[("PM_SYNC_TEST_RECONCILE_WAIT_MS", Some("100"))],
            &["sync", "pm.md"],
        )
        .await;

    // Search cannot prove the first item absent yet (Cloud search lags), so it waits for a
    // later run; the other three are created.
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(fake.issues().len(), 3);
    assert!(out.stdout.contains("pending"), "{out}");
    assert!(pm.dir().join(".pm.md.pm-sync-journal.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_leaves_the_journal_alone() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    let journal = journal_of_unsent_batch(&["an item no longer in the report"]);
    pm.write(".pm.md.pm-sync-journal.json", &journal);

    let out = pm.run(&["sync", "--dry-run", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(pm.read(".pm.md.pm-sync-journal.json"), journal);
    assert_eq!(fake.requests().writes, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_label_update_fails_its_row_and_the_rest_is_saved() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    let existing = fake.seed_issue("OPS", HTML_SUMMARIES[0], &["sev1_20200414"]);
    fake.inject(Fault::Status {
        endpoint: Some(Endpoint::EditIssue),
        status: 403,
        retry_after: None,
        times: 1,
    });
    pm.write("pm.md", HTML_REPORT);

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 3, "{out}");
    assert!(out.stdout.contains("failed"), "{out}");
    assert!(
        out.stdout.contains(&format!("updating {existing}")),
        "{out}"
    );
    assert_eq!(fake.issues().len(), 4, "the other items are still filed");
    assert_eq!(
        linked_keys(&pm.read("pm.md")).len(),
        4,
        "and every key is saved"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_response_among_creates_in_flight_together_never_duplicates() {
    for flavor in FLAVORS {
        let (fake, pm) = setup(flavor).await;
        // 120 items: three bulk creates, all in flight at once (concurrency 4); the first to
        // arrive is processed but its answer lost, and search hides it for longer than the run.
        let items = 120;
        pm.write("pm.md", generated_report(items, "2021-03-04"));
        fake.set_latency(Duration::from_millis(30));
        fake.inject(Fault::LoseCreateResponse { times: 1 });
        fake.set_search_lag(if flavor == Flavor::Cloud { 40 } else { 0 });

        let out = pm
            .run_env(
                &[("PM_SYNC_TEST_RECONCILE_WAIT_MS", Some("200"))],
                &["sync", "pm.md"],
            )
            .await;
        assert_eq!(
            fake.requests().count(Endpoint::BulkCreate),
            3,
            "{flavor:?}: a create was resent: {out}"
        );
        assert_eq!(fake.issues().len(), items, "{flavor:?}");
        let linked = linked_keys(&pm.read("pm.md")).len();
        if flavor == Flavor::Cloud {
            // The answered creates have their keys; the lost one's items wait for search.
            assert_eq!(out.code, 3, "{out}");
            assert!(out.stdout.contains("pending"), "{out}");
            assert!((70..items).contains(&linked), "{linked} keys: {out}");
            assert!(pm.dir().join(".pm.md.pm-sync-journal.json").exists());
        } else {
            // Data Center search is consistent: the lost creates are found at once.
            assert_eq!(out.code, 0, "{out}");
            assert_eq!(linked, items);
        }

        // The next run finds the rest by search and creates nothing.
        fake.set_latency(Duration::ZERO);
        let out = pm.run(&["sync", "pm.md"]).await;
        assert_eq!(out.code, 0, "{flavor:?}: {out}");
        let issues = fake.issues();
        assert_eq!(issues.len(), items, "{flavor:?}: duplicates");
        let summaries: HashSet<&str> = issues.iter().map(|i| i.summary.as_str()).collect();
        assert_eq!(
            summaries.len(),
            items,
            "{flavor:?}: an item got two tickets"
        );
        let keys = linked_keys(&pm.read("pm.md"));
        assert_eq!(
            keys.iter().collect::<HashSet<_>>().len(),
            items,
            "{flavor:?}"
        );
        assert!(!pm.dir().join(".pm.md.pm-sync-journal.json").exists());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_temporary_journal_file_left_by_a_crash_is_removed_by_the_next_run() {
    let (fake, pm) = setup(Flavor::Cloud).await;
    pm.write("pm.md", HTML_REPORT);
    // What a crash between writing and renaming the journal leaves behind.
    let left = pm.write("..pm.md.pm-sync-journal.json.x7Kq2Z", "{\"pending\": [");

    let out = pm.run(&["sync", "pm.md"]).await;

    assert_eq!(out.code, 0, "{out}");
    assert_eq!(fake.issues().len(), 4);
    assert!(!left.exists(), "the leftover is still there");
    let names: Vec<String> = std::fs::read_dir(pm.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pm.md") && n != "pm.md" && !n.ends_with(".lock"))
        .collect();
    assert!(names.is_empty(), "files left beside the report: {names:?}");
}

mod fsyncs {
    //! Flushes counted through the report disk layer's `Durability` seam, with pm-sync run
    //! in-process (the seam is a library hook, never read from the environment).

    use std::collections::HashMap;
    use std::ffi::OsString;
    use std::fs::File;
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, Mutex, OnceLock};

    use pm_sync::report::disk::{self, Durability, RealDisk};

    use crate::support::fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Flavor};

    const TOKEN_VARIABLE: &str = "PM_SYNC_FSYNC_TEST_TOKEN";

    /// Real flushes, counted per folder (file flushes under the file's folder), and the most
    /// entries a journal flushed there held.
    #[derive(Default)]
    struct Counting {
        counts: Mutex<HashMap<PathBuf, (usize, usize)>>,
        most_pending: Mutex<HashMap<PathBuf, usize>>,
    }

    impl Durability for Counting {
        fn sync_file(&self, file: &File, path: &Path) -> std::io::Result<()> {
            let folder = disk::folder_of(path);
            self.counts
                .lock()
                .unwrap()
                .entry(folder.clone())
                .or_default()
                .0 += 1;
            let flushed = RealDisk.sync_file(file, path);
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.ends_with(".pm-sync-journal.json") {
                let journal = pm_sync::sync::journal::Journal::load_at(path.to_owned())?;
                let mut most = self.most_pending.lock().unwrap();
                let most = most.entry(folder).or_default();
                *most = (*most).max(journal.pending().len());
            }
            flushed
        }

        fn sync_folder(&self, folder: &Path) -> std::io::Result<()> {
            self.counts
                .lock()
                .unwrap()
                .entry(folder.to_owned())
                .or_default()
                .1 += 1;
            RealDisk.sync_folder(folder)
        }
    }

    /// The counter, installed once for this test process.
    fn counter() -> Arc<Counting> {
        static COUNTER: OnceLock<Arc<Counting>> = OnceLock::new();
        COUNTER
            .get_or_init(|| {
                // SAFETY: std serialises its own environment access; nothing in this process
                // reads this variable through libc.
                unsafe { std::env::set_var(TOKEN_VARIABLE, FAKE_TOKEN) };
                let counting = Arc::new(Counting::default());
                disk::set_durability(counting.clone());
                counting
            })
            .clone()
    }

    /// (file flushes, folder syncs) in `folder` so far, and the counts reset.
    fn take(folder: &Path) -> (usize, usize) {
        let folder = std::fs::canonicalize(folder).unwrap();
        counter()
            .counts
            .lock()
            .unwrap()
            .remove(&folder)
            .unwrap_or_default()
    }

    async fn run(dir: &Path, fake: &FakeJira, concurrency: usize, args: &[&str]) -> u8 {
        let config = dir.join("pm-sync.toml");
        std::fs::write(
            &config,
            format!(
                "[jira]\nurl = \"{}\"\ndeployment = \"cloud\"\nproject = \"OPS\"\n\
                 email = \"{FAKE_EMAIL}\"\ntoken_env = \"{TOKEN_VARIABLE}\"\n\
                 concurrency = {concurrency}\n",
                fake.url()
            ),
        )
        .unwrap();
        let mut argv: Vec<OsString> = vec!["pm-sync".into(), "-q".into(), "-c".into()];
        argv.push(config.into());
        argv.extend(args.iter().map(OsString::from));
        tokio::task::spawn_blocking(move || pm_sync::run_to_code(argv))
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_sync_flushes_twice_per_create_group_plus_four_at_most() {
        counter();
        let fake = FakeJira::start(Flavor::Cloud).await;
        let dir = tempfile::tempdir().unwrap();
        let folder = std::fs::canonicalize(dir.path()).unwrap();
        let report = folder.join("pm.md");
        // 250 items at concurrency 2: groups of 100 (two bulk creates of 50), three groups.
        std::fs::write(&report, super::generated_report(250, "2021-03-04")).unwrap();
        take(&folder);

        let code = run(&folder, &fake, 2, &["sync", report.to_str().unwrap()]).await;

        assert_eq!(code, 0);
        assert_eq!(fake.issues().len(), 250);
        assert_eq!(
            super::linked_keys(&std::fs::read_to_string(&report).unwrap()).len(),
            250
        );
        let (files, folders) = take(&folder);
        assert!(
            files >= 3 && folders >= 1,
            "every group's keys were flushed"
        );
        assert!(
            files + folders <= 2 * 3 + 4,
            "{files} file flushes + {folders} folder syncs for 3 create groups"
        );
        assert!(!folder.join(".pm.md.pm-sync-journal.json").exists());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_big_sync_settles_its_journal_as_it_saves_keys_within_the_flush_budget() {
        // 1,600 items at concurrency 1: 32 groups of one bulk create, keys saved after every
        // fourth. Each save's creates leave the journal once the save is durable, so a crash
        // late in the run leaves the last stretch to find again, not the whole run.
        counter();
        let fake = FakeJira::start(Flavor::Cloud).await;
        let dir = tempfile::tempdir().unwrap();
        let folder = std::fs::canonicalize(dir.path()).unwrap();
        let report = folder.join("pm.md");
        std::fs::write(&report, super::generated_report(1600, "2021-03-05")).unwrap();
        take(&folder);

        let code = run(&folder, &fake, 1, &["sync", report.to_str().unwrap()]).await;

        assert_eq!(code, 0);
        assert_eq!(fake.issues().len(), 1600);
        let text = std::fs::read_to_string(&report).unwrap();
        assert_eq!(super::linked_keys(&text).len(), 1600);
        let (files, folders) = take(&folder);
        assert!(
            files + folders <= 2 * 32 + 4,
            "{files} file flushes + {folders} folder syncs for 32 create groups"
        );
        let most = counter()
            .most_pending
            .lock()
            .unwrap()
            .remove(&folder)
            .unwrap_or_default();
        assert!(
            (50..=400).contains(&most),
            "the journal held at most {most} of 1,600 creates"
        );
        assert!(!folder.join(".pm.md.pm-sync-journal.json").exists());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_refresh_of_many_reports_syncs_their_folder_once() {
        counter();
        let fake = FakeJira::start(Flavor::Cloud).await;
        let dir = tempfile::tempdir().unwrap();
        let folder = std::fs::canonicalize(dir.path()).unwrap();
        let reports = folder.join("reports");
        std::fs::create_dir(&reports).unwrap();
        for n in 0..10 {
            let text = super::generated_report(5, &format!("2021-03-{:02}", n + 1));
            std::fs::write(reports.join(format!("pm-{n}.md")), text).unwrap();
        }
        let mut args = vec!["sync".to_owned()];
        args.extend((0..10).map(|n| reports.join(format!("pm-{n}.md")).display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(run(&folder, &fake, 4, &args).await, 0);
        for issue in fake.issues() {
            fake.transition(&issue.key, "Done");
        }
        take(&reports);

        let code = run(&folder, &fake, 4, &["refresh", reports.to_str().unwrap()]).await;

        assert_eq!(code, 0);
        let (files, folders) = take(&reports);
        assert_eq!(
            (files, folders),
            (10, 1),
            "one flush per report, one folder sync"
        );
        for n in 0..10 {
            let text = std::fs::read_to_string(reports.join(format!("pm-{n}.md"))).unwrap();
            assert_eq!(text.matches("<td>Done</td>").count(), 5, "{text}");
        }
    }
}
