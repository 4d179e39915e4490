//! pm-sync side by side with the bulk python-jira peer (`/work/shared/bench/peer_bulk.py`, run
//! from its own folder, never copied): the same pipe-table reports, the same fake Jira with 20 ms
//! of latency, runs interleaved, medians reported — on the real disk and with a simulated 5 ms
//! fsync (installed in-process through `pm_sync::report::disk::set_durability`).
//!
//! Requests and sequential request periods are counted by a loopback proxy in front of the fake
//! (a period is one round trip on the longest chain of requests each sent after an answer:
//! see [`chain_periods`]);
//! pm-sync's flushes through the `Durability` seam. The peer never calls fsync (its `save()` is
//! a plain `open(..., "w").write`), so the slow disk does not slow it.
//!
//! The peer needs `python3 -m venv target/peer/.venv && target/peer/.venv/bin/pip install jira`
//! (or `PM_SYNC_PEER_PYTHON`); `PM_SYNC_PEER_DIR` overrides where peer_bulk.py is. Without them
//! this part is skipped with a note. `PM_SYNC_BENCH_ROUNDS` sets the rounds (default 3);
//! `PM_SYNC_BENCH_ONLY=refresh` runs only the scenarios whose name holds that text (resync
//! needs `sync, 200` too); `PM_SYNC_BENCH_TRACE=1` prints each pm-sync run's requests (start and
//! answer, ms from the first start).

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

/// One request through the proxy: when its first bytes came from the client, and when the
/// first bytes of its answer went back.
#[derive(Clone, Copy)]
struct Exchange {
    start: Instant,
    answer: Option<Instant>,
}

/// A loopback TCP proxy in front of the fake that notes when each request starts (the first
/// bytes from the client after a response, on every connection) and when it is answered.
struct Proxy {
    url: String,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let noted = Arc::clone(&exchanges);
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
                    // The exchange this connection is on (HTTP/1.1: one request at a time).
                    let current = Arc::new(AtomicUsize::new(usize::MAX));
                    let current_up = Arc::clone(&current);
                    let noted_down = Arc::clone(&noted);
                    let up = async move {
                        let mut buffer = vec![0u8; 64 * 1024];
                        loop {
                            let n = match client_read.read(&mut buffer).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            if answered_up.swap(false, Ordering::AcqRel) {
                                let at = {
                                    let mut noted = noted.lock().expect("exchanges");
                                    noted.push(Exchange {
                                        start: Instant::now(),
                                        answer: None,
                                    });
                                    noted.len() - 1
                                };
                                current_up.store(at, Ordering::Release);
                                // python-jira reads the field list before its first search; the
                                // fake does not serve it, so the proxy answers (an empty list,
                                // after the same latency).
                                if buffer[..n].starts_with(b"GET /rest/api/2/field ") {
                                    tokio::time::sleep(LATENCY).await;
                                    noted.lock().expect("exchanges")[at].answer =
                                        Some(Instant::now());
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
                            if !answered.swap(true, Ordering::AcqRel) {
                                let at = current.load(Ordering::Acquire);
                                if let Some(exchange) =
                                    noted_down.lock().expect("exchanges").get_mut(at)
                                {
                                    exchange.answer = Some(Instant::now());
                                }
                            }
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
        Proxy { url, exchanges }
    }

    fn reset(&self) {
        self.exchanges.lock().expect("exchanges").clear();
    }

    /// Prints the requests of the last run: start and answer, ms from the first start.
    fn trace(&self, name: &str) {
        let mut exchanges = self.exchanges.lock().expect("exchanges").clone();
        exchanges.sort_by_key(|e| e.start);
        let Some(first) = exchanges.first().map(|e| e.start) else {
            return;
        };
        let ms = |at: Instant| at.duration_since(first).as_secs_f64() * 1000.0;
        let line: Vec<String> = exchanges
            .iter()
            .map(|e| match e.answer {
                Some(answer) => format!("{:.1}-{:.1}", ms(e.start), ms(answer)),
                None => format!("{:.1}-?", ms(e.start)),
            })
            .collect();
        println!("trace {name}: {}", line.join(" "));
    }

    /// Requests seen, and the sequential request periods (see [`chain_periods`]).
    fn counts(&self) -> (usize, usize) {
        let exchanges = self.exchanges.lock().expect("exchanges").clone();
        (exchanges.len(), chain_periods(&exchanges))
    }
}

/// The sequential request periods of a run: the length of the longest chain of requests each
/// sent after the answer to the one before it (a request sent after any answer counts as
/// waiting on it, so the figure never flatters: it is at least the true round trips).
///
/// Not clusters of start times: `concurrency` reads in flight whose answers drift apart (one
/// answer a few ms late, and that slot stays late) are still `concurrency` chains, one round
/// trip per read each, but their starts spread over the whole latency, and counting a new
/// period whenever a start comes ¾ of a latency after the last period's start counts up to
/// 1.5× the round trips: 4 chains of 25 reads, 5 ms apart, are 25 round trips and 34 such
/// clusters (`check_chain_periods`).
fn chain_periods(exchanges: &[Exchange]) -> usize {
    let mut sorted = exchanges.to_vec();
    sorted.sort_by_key(|e| e.start);
    let mut depth = vec![0usize; sorted.len()];
    for at in 0..sorted.len() {
        let start = sorted[at].start;
        let waited_on = (0..at)
            .filter(|&before| sorted[before].answer.is_some_and(|answer| answer <= start))
            .map(|before| depth[before])
            .max()
            .unwrap_or(0);
        depth[at] = waited_on + 1;
    }
    depth.into_iter().max().unwrap_or(0)
}

/// [`chain_periods`] on made-up timelines: chains in step, chains out of step, one chain.
fn check_chain_periods() {
    let zero = Instant::now();
    let ms = |n: u64| zero + Duration::from_millis(n);
    // 4 chains of 25 requests, 22 ms per round trip, started 5 ms apart.
    let drifting: Vec<Exchange> = (0..4u64)
        .flat_map(|chain| {
            (0..25u64).map(move |n| Exchange {
                start: ms(chain * 5 + n * 22),
                answer: Some(ms(chain * 5 + n * 22 + 20)),
            })
        })
        .collect();
    assert_eq!(chain_periods(&drifting), 25, "4 drifting chains of 25");
    // 10 requests one after another.
    let sequential: Vec<Exchange> = (0..10u64)
        .map(|n| Exchange {
            start: ms(n * 21),
            answer: Some(ms(n * 21 + 20)),
        })
        .collect();
    assert_eq!(chain_periods(&sequential), 10, "a chain of 10");
    // 8 requests at once.
    let parallel: Vec<Exchange> = (0..8)
        .map(|_| Exchange {
            start: ms(0),
            answer: Some(ms(20)),
        })
        .collect();
    assert_eq!(chain_periods(&parallel), 1, "8 at once");
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

    /// pm-sync's budgets: (requests, sequential periods, flushes), from the issues, plus
    /// [`CREATE_SCREEN`] for a sync (the reports have an Owner column).
    fn budget(self) -> (usize, usize, usize) {
        let c = CONCURRENCY;
        match self {
            Scenario::Sync(n) => {
                let groups = n.div_ceil(50 * c);
                (
                    2 + n.div_ceil(50) + n.div_ceil(100) + CREATE_SCREEN,
                    1 + groups + n.div_ceil(100 * c) + CREATE_SCREEN,
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

/// What the sync budgets of the issue leave out and the reports here need: they have an Owner
/// column (the owner becomes the assignee; the peer ignores owners), so sync reads the create
/// screen to learn whether and how the assignee can be set — one request, and one round trip,
/// since the screen is addressed by the issue type's id
/// (`createmeta/{project}/issuetypes/{id}`), which only the project check (first round trip)
/// gives: the by-name createmeta is gone from Data Center 9 and deprecated on Cloud.
const CREATE_SCREEN: usize = 1;

const SCENARIOS: [Scenario; 7] = [
    Scenario::Sync(10),
    Scenario::Sync(50),
    Scenario::Sync(200),
    Scenario::Resync,
    Scenario::Sync(1000),
    Scenario::Refresh(10),
    Scenario::Refresh(100),
];

/// Whether `PM_SYNC_BENCH_ONLY` (unset: every scenario) selects `scenario`.
fn selected(scenario: Scenario) -> bool {
    std::env::var("PM_SYNC_BENCH_ONLY").map_or(true, |only| scenario.name().contains(&only))
}

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
    check_chain_periods();
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
    // Per scenario and tool: whether its last refresh saw "Done". Each tool refreshes its own
    // copy of the reports (the same tickets), so each flips to the opposite of what its copy
    // holds and every run rewrites every status cell, in any round and disk setting.
    let mut saw_done = vec![[false; 2]; SCENARIOS.len()];
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
                if !selected(*scenario) {
                    continue;
                }
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
                        let done = &mut saw_done[at][usize::from(pm_sync_first)];
                        *done = !*done;
                        let status = if *done { "Done" } else { "In Progress" };
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
                    if pm_sync_first && std::env::var_os("PM_SYNC_BENCH_TRACE").is_some() {
                        proxy.trace(&scenario.name());
                    }
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
            if ours[at].is_empty() {
                continue;
            }
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
    println!(
        "sync budgets include the create-screen read ({CREATE_SCREEN} request, {CREATE_SCREEN} \
         round trip): the reports have an Owner column"
    );
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
