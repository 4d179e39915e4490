//! Request counts and wall time of sync and refresh against the fake Jira with 20 ms of
//! latency per request — the budgets of the sync-engine issue, and the naive baseline — then
//! pm-sync side by side with the bulk python-jira peer (see `side_by_side.rs`).
//!
//! Run: `cargo bench --bench sync`. Prints tables; exits non-zero when a budget is exceeded.

#[path = "../tests/support/fake_jira/mod.rs"]
mod fake_jira;
mod side_by_side;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Flavor};

pub(crate) const LATENCY: Duration = Duration::from_millis(20);
pub(crate) const TOKEN_VARIABLE: &str = "PM_SYNC_BENCH_TOKEN";

struct Measure {
    name: &'static str,
    requests: usize,
    writes: usize,
    wall: Duration,
    budget: usize,
    naive: usize,
}

fn main() {
    // SAFETY: set before any thread exists.
    unsafe { std::env::set_var(TOKEN_VARIABLE, FAKE_TOKEN) };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let mut failed = false;
    for flavor in [Flavor::Cloud, Flavor::DataCenter] {
        let measures = runtime.block_on(scenarios(flavor));
        println!(
            "\n{flavor:?} — {} ms latency per request",
            LATENCY.as_millis()
        );
        println!(
            "{:<34} {:>8} {:>7} {:>9} {:>7} {:>9} {:>7} {:>12}",
            "scenario", "requests", "writes", "wall", "budget", "naive", "ratio", "naive wall≈"
        );
        for m in &measures {
            let ok = m.requests <= m.budget;
            failed |= !ok;
            // The naive tool sends its requests one after another: each costs the latency.
            let naive_wall = LATENCY * m.naive as u32;
            println!(
                "{:<34} {:>8} {:>7} {:>7}ms {:>7} {:>9} {:>6.0}x {:>10}ms{}",
                m.name,
                m.requests,
                m.writes,
                m.wall.as_millis(),
                m.budget,
                m.naive,
                m.naive as f64 / m.requests.max(1) as f64,
                naive_wall.as_millis(),
                if ok { "" } else { "  OVER BUDGET" }
            );
        }
    }
    failed |= runtime.block_on(side_by_side::run());
    if failed {
        std::process::exit(1);
    }
}

async fn scenarios(flavor: Flavor) -> Vec<Measure> {
    let fake = FakeJira::start(flavor).await;
    fake.set_latency(LATENCY);
    let dir = tempfile::tempdir().expect("temporary folder");
    let config = write_config(dir.path(), &fake, flavor);
    let mut measures = Vec::new();

    let one = dir.path().join("one.md");
    std::fs::write(&one, report(200, "2020-04-14")).expect("write report");
    fake.reset_request_log();
    let wall = run(&config, &["sync", path(&one)]).await;
    let log = fake.requests();
    assert_eq!(fake.issues().len(), 200, "one ticket per item");
    // Naive: per item one search for a duplicate, one create, one read of its status.
    measures.push(Measure {
        name: "sync, 200 new items",
        requests: log.total,
        writes: log.writes,
        wall,
        budget: 8,
        naive: 600,
    });

    fake.reset_request_log();
    let wall = run(&config, &["sync", path(&one)]).await;
    let log = fake.requests();
    assert_eq!(log.writes, 0, "a second sync changes nothing in Jira");
    measures.push(Measure {
        name: "second sync of it (no-op)",
        requests: log.total,
        writes: log.writes,
        wall,
        // The 200 linked tickets read back (2 bulk reads of 100) and, since issue 18, the
        // date-label search every sync makes so that copies of a report notice each other: one
        // page per 100 tickets it finds (2 here), in place of the project check it makes
        // unnecessary. Was 3 (2 reads + the project check).
        budget: 4,
        naive: 200,
    });

    let many = dir.path().join("many");
    std::fs::create_dir_all(&many).expect("mkdir");
    let mut files: Vec<PathBuf> = Vec::new();
    for n in 0..10 {
        let file = many.join(format!("pm-{n}.md"));
        std::fs::write(&file, report(100, &format!("2021-01-{:02}", n + 1))).expect("write");
        files.push(file);
    }
    let mut args = vec!["sync"];
    args.extend(files.iter().map(|f| path(f)));
    run(&config, &args).await;
    // Work happened: every tenth ticket is done, so refresh rewrites every report.
    for issue in fake.issues().iter().step_by(10) {
        fake.transition(&issue.key, "Done");
    }
    fake.reset_request_log();
    let wall = run(&config, &["refresh", path(&many)]).await;
    let log = fake.requests();
    assert_eq!(log.writes, 0, "refresh never changes Jira");
    measures.push(Measure {
        name: "refresh, 10 reports x 100 items",
        requests: log.total,
        writes: log.writes,
        wall,
        budget: 12,
        naive: 1000,
    });
    measures
}

fn write_config(dir: &Path, fake: &FakeJira, flavor: Flavor) -> PathBuf {
    let (deployment, email) = match flavor {
        Flavor::Cloud => ("cloud", format!("email = \"{FAKE_EMAIL}\"\n")),
        Flavor::DataCenter => ("datacenter", String::new()),
    };
    let config = dir.join("pm-sync.toml");
    std::fs::write(
        &config,
        format!(
            "[jira]\nurl = \"{}\"\ndeployment = \"{deployment}\"\nproject = \"OPS\"\n{email}\
             token_env = \"{TOKEN_VARIABLE}\"\n",
            fake.url()
        ),
    )
    .expect("write config");
    config
}

/// A report in the seed's HTML form with `items` action items.
fn report(items: usize, date: &str) -> String {
    let mut text = format!(
        "---\ndate: {date} 19:38:22.561000\ntitle: Bench\n---\n## Action Items\n\n<table>\n<thead>\n\
         <tr class=\"header\">\n<th><strong>Action Item</strong></th>\n<th><strong>Status</strong></th>\n\
         </tr>\n</thead>\n<tbody>\n"
    );
    for n in 0..items {
        let _ = write!(
            text,
            "<tr class=\"odd\">\n<td>Action item number {n} of the {date} incident</td>\n<td></td>\n</tr>\n"
        );
    }
    text.push_str("</tbody>\n</table>\n");
    text
}

pub(crate) async fn run(config: &Path, args: &[&str]) -> Duration {
    let mut argv: Vec<OsString> = vec!["pm-sync".into(), "-q".into(), "-c".into(), config.into()];
    argv.extend(args.iter().map(OsString::from));
    let started = Instant::now();
    let code = tokio::task::spawn_blocking(move || {
        std::thread::spawn(move || pm_sync::run_to_code(argv))
            .join()
            .expect("pm-sync thread")
    })
    .await
    .expect("join");
    assert_eq!(code, 0, "pm-sync {args:?} failed");
    started.elapsed()
}

pub(crate) fn path(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}
