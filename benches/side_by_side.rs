//! pm-sync side by side with the bulk python-jira peer (`/work/shared/bench/peer_bulk.py`, run
//! from its own folder, never copied): the same pipe-table reports, the same fake Jira with 20 ms
//! of latency, runs interleaved, medians reported — on the real disk and with a simulated 5 ms
//! fsync (installed in-process through `pm_sync::report::disk::set_durability`).
//!
//! Requests and sequential request periods are counted by a loopback proxy in front of the fake
//! (a period is one round trip on the longest chain of requests that waited on each other);
//! pm-sync's flushes through the `Durability` seam. The peer never calls fsync (its `save()` is
//! a plain `open(..., "w").write`), so the slow disk does not slow it.
//!
//! The peer needs `python3 -m venv target/peer/.venv && target/peer/.venv/bin/pip install jira`
//! (or `PM_SYNC_PEER_PYTHON`); `PM_SYNC_PEER_DIR` overrides where peer_bulk.py is. Without them
//! this part is skipped with a note. `PM_SYNC_BENCH_ROUNDS` sets the rounds (default 3).

use std::fmt::Write as _;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pm_sync::report::disk::{self, Durability, RealDisk};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Flavor};
use crate::{LATENCY, TOKEN_VARIABLE};

/// The simulated slow disk: every flush takes at least this long.
const SLOW_FSYNC: Duration = Duration::from_millis(5);
const CONCURRENCY: usize = 4;

/// Real flushes, counted, each stretched to at least `slow_us` microseconds.
#[derive(Default)]
struct BenchDisk {
    flushes: AtomicUsize,
    slow_us: AtomicU64,
}

impl BenchDisk {
    fn flush(&self, sync: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
        let started = Instant::now();
        self.flushes.fetch_add(1, Ordering::Relaxed);
        sync()?;
        let floor = Duration::from_micros(self.slow_us.load(Ordering::Relaxed));
        if let Some(rest) = floor.checked_sub(started.elapsed()) {
            std::thread::sleep(rest);
        }
        Ok(())
    }
}

impl Durability for BenchDisk {
    fn sync_file(&self, file: &File, path: &Path) -> io::Result<()> {
        self.flush(|| RealDisk.sync_file(file, path))
    }

    fn sync_folder(&self, folder: &Path) -> io::Result<()> {
        self.flush(|| RealDisk.sync_folder(folder))
    }
}

/// A loopback TCP proxy in front of the fake that notes when each request starts (the first
/// bytes from the client after a response, on every connection).
struct Proxy {
    url: String,
    starts: Arc<Mutex<Vec<Instant>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let starts = Arc::new(Mutex::new(Vec::new()));
        let noted = Arc::clone(&starts);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let noted = Arc::clone(&noted);
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (mut client_read, client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
                    let client_write_up = Arc::clone(&client_write);
                    let answered = Arc::new(AtomicBool::new(true));
                    let answered_up = Arc::clone(&answered);
                    let up = async move {
                        let mut buffer = vec![0u8; 64 * 1024];
                        loop {
                            let n = match client_read.read(&mut buffer).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            if answered_up.swap(false, Ordering::AcqRel) {
                                noted.lock().expect("starts").push(Instant::now());
                                // python-jira reads the field list before its first search; the
                                // fake does not serve it, so the proxy answers (an empty list,
                                // after the same latency).
                                if buffer[..n].starts_with(b"GET /rest/api/2/field ") {
                                    tokio::time::sleep(LATENCY).await;
                                    let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n[]";
                                    answered_up.store(true, Ordering::Release);
                                    if client_write_up.lock().await.write_all(reply).await.is_err()
                                    {
                                        break;
                                    }
                                    continue;
                                }
                            }
                            if server_write.write_all(&buffer[..n]).await.is_err() {
                                break;
                            }
                        }
                        let _ = server_write.shutdown().await;
                    };
                    let down = async move {
                        let mut buffer = vec![0u8; 64 * 1024];
                        loop {
                            let n = match server_read.read(&mut buffer).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            answered.store(true, Ordering::Release);
                            if client_write
                                .lock()
                                .await
                                .write_all(&buffer[..n])
                                .await
                                .is_err()
                            {
                                break;
                            }
                        }
                        let _ = client_write.lock().await.shutdown().await;
                    };
                    tokio::join!(up, down);
                });
            }
        });
        Proxy { url, starts }
    }

    fn reset(&self) {
        self.starts.lock().expect("starts").clear();
    }

    /// Requests seen, and the sequential request periods: the longest chain of requests each
    /// sent after the previous one's answer (each answer takes the fake's latency).
    fn counts(&self) -> (usize, usize) {
        let mut starts = self.starts.lock().expect("starts").clone();
        starts.sort();
        let mut periods = 0;
        let mut last: Option<Instant> = None;
        for start in &starts {
            if last.is_none_or(|last| *start >= last + LATENCY * 3 / 4) {
                periods += 1;
                last = Some(*start);
            }
        }
        (starts.len(), periods)
    }
}

/// One measured run.
#[derive(Clone, Copy)]
struct Run {
    requests: usize,
    periods: usize,
    flushes: usize,
    wall: Duration,
}

/// The scenarios, in the order each round runs them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Sync(usize),
    Resync,
    Refresh(usize),
}

impl Scenario {
    fn name(self) -> String {
        match self {
            Scenario::Sync(n) => format!("sync, {n} new items"),
            Scenario::Resync => "resync (200 items, nothing new)".to_owned(),
            Scenario::Refresh(reports) => format!("refresh, {reports} reports x 100"),
        }
    }

    /// pm-sync's budgets: (requests, sequential periods, flushes), from the issues.
    fn budget(self) -> (usize, usize, usize) {
        let c = CONCURRENCY;
        match self {
            Scenario::Sync(n) => {
                let groups = n.div_ceil(50 * c);
                (
                    2 + n.div_ceil(50) + n.div_ceil(100),
                    1 + groups + n.div_ceil(100 * c),
                    2 * groups + 4,
                )
            }
            // One bulk read of the 200 keys (two requests in one period), one label search.
            Scenario::Resync => (3, 2, 0),
            // One read per 100 keys, reads in parallel; one flush per report and one folder.
            Scenario::Refresh(reports) => (reports + 2, 1 + reports.div_ceil(c), reports + 1),
        }
    }
}

const SCENARIOS: [Scenario; 7] = [
    Scenario::Sync(10),
    Scenario::Sync(50),
    Scenario::Sync(200),
    Scenario::Resync,
    Scenario::Sync(1000),
    Scenario::Refresh(10),
    Scenario::Refresh(100),
];

struct Peer {
    python: PathBuf,
    script: PathBuf,
}

fn find_peer() -> Option<Peer> {
    let dir = std::env::var_os("PM_SYNC_PEER_DIR")
        .map_or_else(|| PathBuf::from("/work/shared/bench"), PathBuf::from);
    let python = std::env::var_os("PM_SYNC_PEER_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/peer/.venv/bin/python"),
        PathBuf::from,
    );
    let script = dir.join("peer_bulk.py");
    (python.exists() && script.exists()).then_some(Peer { python, script })
}

/// Runs the side-by-side comparison; returns whether a budget was exceeded.
pub async fn run() -> bool {
    let Some(peer) = find_peer() else {
        println!(
            "\nside by side: skipped (no peer; see benches/side_by_side.rs for how to set it up)"
        );
        return false;
    };
    let rounds: usize = std::env::var("PM_SYNC_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let bench_disk = Arc::new(BenchDisk::default());
    disk::set_durability(bench_disk.clone());

    let fake = FakeJira::start(Flavor::Cloud).await;
    let proxy = Proxy::start(fake.url().trim_start_matches("http://").to_owned()).await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let config = dir.path().join("pm-sync.toml");
    std::fs::write(
        &config,
        format!(
            "[jira]\nurl = \"{}\"\ndeployment = \"cloud\"\nproject = \"OPS\"\n\
             email = \"{FAKE_EMAIL}\"\ntoken_env = \"{TOKEN_VARIABLE}\"\nconcurrency = {CONCURRENCY}\n",
            proxy.url
        ),
    )
    .expect("write config");

    // Refresh folders, synced once without latency; each tool refreshes its own copy.
    let mut refresh_keys = Vec::new();
    let mut folders = Vec::new();
    for reports in [10, 100] {
        let before: std::collections::HashSet<String> =
            fake.issues().into_iter().map(|i| i.key).collect();
        let mine = dir.path().join(format!("refresh-{reports}-pm"));
        let theirs = dir.path().join(format!("refresh-{reports}-peer"));
        std::fs::create_dir_all(&mine).expect("mkdir");
        std::fs::create_dir_all(&theirs).expect("mkdir");
        for n in 0..reports {
            let date = format!(
                "{}-{:02}-{:02}",
                2010 + reports / 10,
                n / 28 + 1,
                n % 28 + 1
            );
            std::fs::write(mine.join(format!("pm-{n:03}.md")), pipe_report(100, &date))
                .expect("write");
        }
        crate::run(&config, &["sync", crate::path(&mine)]).await;
        for n in 0..reports {
            let name = format!("pm-{n:03}.md");
            std::fs::copy(mine.join(&name), theirs.join(&name)).expect("copy");
        }
        refresh_keys.extend(
            fake.issues()
                .into_iter()
                .map(|i| i.key)
                .filter(|k| !before.contains(k)),
        );
        folders.push((reports, mine, theirs));
    }

    fake.set_latency(LATENCY);
    let mut label = 0usize;
    let mut status_flip = false;
    let mut failed = false;
    let mut table = String::new();
    for (disk_name, slow) in [("real disk", Duration::ZERO), ("fsync 5 ms", SLOW_FSYNC)] {
        bench_disk
            .slow_us
            .store(slow.as_micros() as u64, Ordering::Relaxed);
        let mut ours: Vec<Vec<Run>> = vec![Vec::new(); SCENARIOS.len()];
        let mut peer_failed: Vec<Option<String>> = vec![None; SCENARIOS.len()];
        let mut theirs: Vec<Vec<Run>> = vec![Vec::new(); SCENARIOS.len()];
        for round in 0..rounds {
            let mut resync_reports: Option<(PathBuf, PathBuf)> = None;
            for (at, scenario) in SCENARIOS.iter().enumerate() {
                // Fresh reports for each tool (their own incident dates, so neither adopts the
                // other's tickets); refresh sees every status changed.
                let (mine, peers) = match *scenario {
                    Scenario::Sync(n) => {
                        let mut both = Vec::new();
                        for who in ["pm", "peer"] {
                            label += 1;
                            let date = format!(
                                "{}-{:02}-{:02}",
                                2030 + label / 300,
                                label % 300 / 28 + 1,
                                label % 28 + 1
                            );
                            let file = dir.path().join(format!("sync-{n}-{who}-{label}.md"));
                            std::fs::write(&file, pipe_report(n, &date)).expect("write");
                            both.push(file);
                        }
                        let peers = both.pop().expect("peer report");
                        let mine = both.pop().expect("our report");
                        if n == 200 {
                            resync_reports = Some((mine.clone(), peers.clone()));
                        }
                        (vec![mine], vec![peers])
                    }
                    Scenario::Resync => {
                        let (mine, peers) = resync_reports.clone().expect("sync 200 ran first");
                        (vec![mine], vec![peers])
                    }
                    Scenario::Refresh(reports) => {
                        let (_, mine, peers) = folders
                            .iter()
                            .find(|(r, _, _)| *r == reports)
                            .expect("folder");
                        (vec![mine.clone()], vec![peers.clone()])
                    }
                };
                let order = if round % 2 == 0 {
                    [true, false]
                } else {
                    [false, true]
                };
                for pm_sync_first in order {
                    if matches!(scenario, Scenario::Refresh(_)) {
                        status_flip = !status_flip;
                        let status = if status_flip { "Done" } else { "In Progress" };
                        for key in &refresh_keys {
                            fake.transition(key, status);
                        }
                    }
                    let command = match scenario {
                        Scenario::Refresh(_) => "refresh",
                        _ => "sync",
                    };
                    proxy.reset();
                    fake.reset_request_log();
                    let flushes_before = bench_disk.flushes.load(Ordering::Relaxed);
                    let wall = if pm_sync_first {
                        let mut args = vec![command];
                        args.extend(mine.iter().map(|p| crate::path(p)));
                        crate::run(&config, &args).await
                    } else {
                        match run_peer(&peer, &proxy.url, command, &peers).await {
                            Ok(wall) => wall,
                            Err(error) => {
                                peer_failed[at] = Some(error);
                                Duration::ZERO
                            }
                        }
                    };
                    let (requests, periods) = proxy.counts();
                    let run = Run {
                        requests,
                        periods,
                        flushes: bench_disk.flushes.load(Ordering::Relaxed) - flushes_before,
                        wall,
                    };
                    if pm_sync_first {
                        ours[at].push(run);
                    } else {
                        theirs[at].push(run);
                    }
                }
            }
        }
        let _ = writeln!(
            table,
            "\n{disk_name} — pm-sync vs peer_bulk.py, fake Jira (Cloud) with {} ms latency, \
             concurrency {CONCURRENCY}, medians of {rounds} interleaved rounds",
            LATENCY.as_millis()
        );
        let _ = writeln!(
            table,
            "| scenario | pm-sync requests | periods | fsyncs | wall | peer requests | periods | fsyncs | wall | speed-up |"
        );
        let _ = writeln!(
            table,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for (at, scenario) in SCENARIOS.iter().enumerate() {
            let us = median(&ours[at]);
            let them = median(&theirs[at]);
            let (requests, periods, flushes) = scenario.budget();
            let mut over = Vec::new();
            if us.requests > requests {
                over.push(format!("requests > {requests}"));
            }
            if us.periods > periods {
                over.push(format!("periods > {periods}"));
            }
            if us.flushes > flushes {
                over.push(format!("fsyncs > {flushes}"));
            }
            failed |= !over.is_empty();
            if let Some(error) = &peer_failed[at] {
                let _ = writeln!(
                    table,
                    "| {} | {} | {} | {} | {:.2} s | peer failed: {error} | | | | |",
                    scenario.name(),
                    us.requests,
                    us.periods,
                    us.flushes,
                    us.wall.as_secs_f64(),
                );
                failed |= !over.is_empty();
                continue;
            }
            let speedup = them.wall.as_secs_f64() / us.wall.as_secs_f64().max(1e-9);
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {:.2} s | {} | {} | 0 | {:.2} s | {speedup:.1}×{}{} |",
                scenario.name(),
                us.requests,
                us.periods,
                us.flushes,
                us.wall.as_secs_f64(),
                them.requests,
                them.periods,
                them.wall.as_secs_f64(),
                if speedup < 2.0 { " (below 2×)" } else { "" },
                if over.is_empty() {
                    String::new()
                } else {
                    format!(" OVER BUDGET: {}", over.join(", "))
                },
            );
        }
    }
    println!("{table}");
    failed
}

/// Per field medians (upper median for an even count).
fn median(runs: &[Run]) -> Run {
    fn mid<T: Ord + Copy>(mut values: Vec<T>) -> T {
        values.sort();
        values[values.len() / 2]
    }
    Run {
        requests: mid(runs.iter().map(|r| r.requests).collect()),
        periods: mid(runs.iter().map(|r| r.periods).collect()),
        flushes: mid(runs.iter().map(|r| r.flushes).collect()),
        wall: mid(runs.iter().map(|r| r.wall).collect()),
    }
}

/// Runs the peer; `Err` with its last error line when it fails (against this fake, python-jira
/// cannot read back searched issues' fields, so its resync and refresh fail: reported as such).
async fn run_peer(
    peer: &Peer,
    url: &str,
    command: &str,
    paths: &[PathBuf],
) -> Result<Duration, String> {
    let mut process = std::process::Command::new(&peer.python);
    process
        .arg(&peer.script)
        .arg(command)
        .args(paths)
        .env("JIRA_URL", url)
        .env("JIRA_PROJECT", "OPS")
        .env("JIRA_EMAIL", FAKE_EMAIL)
        .env("JIRA_API_TOKEN", FAKE_TOKEN)
        .stdout(std::process::Stdio::null());
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || process.output())
        .await
        .expect("join")
        .expect("the peer runs");
    let wall = started.elapsed();
    if output.status.success() {
        return Ok(wall);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(stderr.lines().last().unwrap_or("no message").to_owned())
}

/// A pipe-table report (the shape both tools read) with `items` action items.
fn pipe_report(items: usize, date: &str) -> String {
    let mut text = format!(
        "---\ndate: {date} 19:38:22.561000\ntitle: Bench\n---\n\n## Action Items\n\n\
         | Action Item | Owner | Ticket | Status |\n| --- | --- | --- | --- |\n"
    );
    for n in 0..items {
        let _ = writeln!(
            text,
            "| Action item number {n} of the {date} incident | sre | | |"
        );
    }
    text
}
