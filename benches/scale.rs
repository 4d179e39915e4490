//! Every command at growing sizes: `items`, `sync --dry-run`, `sync`, `refresh`, `check` and
//! `dashboard` on reports of 1k, 10k and 100k rows of each container kind (HTML table, pipe
//! table, task list), each run as its own process against the fake Jira (no latency). Prints the
//! time per row and the peak memory over the file size, and flags a command whose time per row
//! grows more than 2× from the smallest to the largest size (a quadratic step somewhere).
//!
//! Run: `cargo bench --bench scale`. `PM_SYNC_SCALE_SIZES=1000,10000` picks the sizes (default
//! 1000,10000,100000), `PM_SYNC_SCALE_KINDS=html,pipe,list` the kinds, and
//! `PM_SYNC_SCALE_STOP=sync` stops each size after that command (`items` and `sync --dry-run`
//! need no tickets). Memory is the process's peak resident set (`ru_maxrss`): shown whole, and
//! as what it grew from the smallest size over what the file grew (`mem/file`: the memory a
//! byte of report costs, heap and copies alike, without the fixed cost of the runtime and TLS).
//! Exits non-zero when time per row grows > 2× (a shared machine's noise can do that at small
//! sizes; the 100k figures are the ones that tell).

#[path = "../tests/support/fake_jira/mod.rs"]
mod fake_jira;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Flavor};

const TOKEN_VARIABLE: &str = "PM_SYNC_BENCH_TOKEN";
const COMMANDS: [&str; 6] = [
    "items",
    "sync --dry-run",
    "sync",
    "refresh",
    "check",
    "dashboard",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    Pipe,
    List,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Html => "html",
            Kind::Pipe => "pipe",
            Kind::List => "list",
        }
    }

    /// A report of this kind with `rows` unlinked action items.
    fn report(self, rows: usize) -> String {
        let mut text = String::from(
            "---\ndate: 2020-04-14\ntitle: Scale\nseverity: sev2\n---\n# Scale\n\n## Action Items\n\n",
        );
        match self {
            Kind::Html => {
                text.push_str(
                    "<table>\n<thead>\n<tr>\n<th>Action Item</th>\n<th>Status</th>\n</tr>\n\
                     </thead>\n<tbody>\n",
                );
                for n in 0..rows {
                    let _ = write!(
                        text,
                        "<tr>\n<td>Action item number {n}</td>\n<td></td>\n</tr>\n"
                    );
                }
                text.push_str("</tbody>\n</table>\n");
            }
            Kind::Pipe => {
                text.push_str("| Action Item | Status |\n|---|---|\n");
                for n in 0..rows {
                    let _ = writeln!(text, "| Action item number {n} | |");
                }
            }
            Kind::List => {
                for n in 0..rows {
                    let _ = writeln!(text, "- [ ] Action item number {n}");
                }
            }
        }
        text.push_str("\n## Timeline\n\nNothing else.\n");
        text
    }
}

/// One command's run at one size.
struct Run {
    wall: Duration,
    peak_rss: u64,
}

fn main() {
    let sizes: Vec<usize> = std::env::var("PM_SYNC_SCALE_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    let kinds: Vec<Kind> = std::env::var("PM_SYNC_SCALE_KINDS")
        .ok()
        .map(|v| {
            v.split(',')
                .filter_map(|s| match s.trim() {
                    "html" => Some(Kind::Html),
                    "pipe" => Some(Kind::Pipe),
                    "list" => Some(Kind::List),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_else(|| vec![Kind::Html, Kind::Pipe, Kind::List]);
    let stop = std::env::var("PM_SYNC_SCALE_STOP").ok();
    let commands: Vec<&str> = match stop
        .as_deref()
        .and_then(|stop| COMMANDS.iter().position(|c| *c == stop))
    {
        Some(last) => COMMANDS[..=last].to_vec(),
        None => COMMANDS.to_vec(),
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let mut grew = false;
    println!("time per row and peak resident memory per file size");
    for kind in kinds {
        println!("\n{} — sizes {sizes:?}", kind.name());
        println!(
            "{:<16} {:>8} {:>10} {:>10} {:>12} {:>10} {:>9}",
            "command", "rows", "file", "wall", "µs/row", "peak", "mem/file"
        );
        let mut per_row: Vec<Vec<f64>> = vec![Vec::new(); commands.len()];
        let mut smallest: Vec<Option<(u64, u64)>> = vec![None; commands.len()];
        for &rows in &sizes {
            let runs = runtime.block_on(at_size(kind, rows, &commands));
            for (index, (command, run, file)) in runs.iter().enumerate() {
                let micros = run.wall.as_secs_f64() * 1e6 / rows as f64;
                per_row[index].push(micros);
                let (rss0, file0) = *smallest[index].get_or_insert((run.peak_rss, *file));
                let grown = if *file > file0 {
                    format!(
                        "{:.1}x",
                        run.peak_rss.saturating_sub(rss0) as f64 / (*file - file0) as f64
                    )
                } else {
                    "-".to_owned()
                };
                println!(
                    "{:<16} {:>8} {:>8}KB {:>8}ms {:>12.2} {:>8}MiB {:>9}",
                    command,
                    rows,
                    file / 1024,
                    run.wall.as_millis(),
                    micros,
                    run.peak_rss / (1024 * 1024),
                    grown
                );
            }
        }
        if sizes.len() > 1 {
            for (command, times) in commands.iter().zip(&per_row) {
                let (first, last) = (times[0], times[times.len() - 1]);
                let growth = last / first;
                let flag = growth > 2.0;
                grew |= flag;
                println!(
                    "{:<16} time per row {:.2} → {:.2} µs ({growth:.2}×){}",
                    command,
                    first,
                    last,
                    if flag { "  GROWS > 2×" } else { "" }
                );
            }
        }
    }
    if grew {
        std::process::exit(1);
    }
}

/// Every command on a fresh report of `rows` items of `kind`, in order (sync creates the
/// tickets the later commands read). Returns (command, run, file size).
async fn at_size<'c>(kind: Kind, rows: usize, commands: &[&'c str]) -> Vec<(&'c str, Run, u64)> {
    let fake = FakeJira::start(Flavor::Cloud).await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let config = write_config(dir.path(), &fake);
    let report = dir.path().join("pm.md");
    std::fs::write(&report, kind.report(rows)).expect("write report");
    let site = dir.path().join("site");
    let mut out = Vec::new();
    for &command in commands {
        if command == "refresh" {
            // Work happened: every tenth ticket is done, so refresh rewrites statuses.
            for issue in fake.issues().iter().step_by(10) {
                fake.transition(&issue.key, "Done");
            }
        }
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push(path(&report));
        if command == "dashboard" {
            args.extend(["--out", path(&site)]);
        }
        let size = std::fs::metadata(&report).expect("report").len();
        let run = run(&config, &args).await;
        out.push((command, run, size));
        if command == "sync" {
            assert_eq!(fake.issues().len(), rows, "{kind:?}: one ticket per row");
        }
    }
    out
}

fn write_config(dir: &Path, fake: &FakeJira) -> PathBuf {
    let config = dir.join("pm-sync.toml");
    std::fs::write(
        &config,
        format!(
            "[jira]\nurl = \"{}\"\ndeployment = \"cloud\"\nproject = \"OPS\"\nemail = \"{FAKE_EMAIL}\"\n\
             token_env = \"{TOKEN_VARIABLE}\"\n[report]\nmax_size = 1000000000\n",
            fake.url()
        ),
    )
    .expect("write config");
    config
}

/// Runs the pm-sync binary with `args`, returning its wall time and peak resident set.
async fn run(config: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pm-sync"));
    command
        .arg("-q")
        .arg("-c")
        .arg(config)
        .args(args)
        .env(TOKEN_VARIABLE, FAKE_TOKEN)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let shown = format!("{args:?}");
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let child = command.spawn().expect("pm-sync starts");
        let (code, peak_rss) = wait_with_peak(child);
        let wall = started.elapsed();
        // `check` says 1 while items are unresolved: that is its answer, not a failure.
        assert!(code == 0 || code == 1, "pm-sync {shown} exited {code}");
        Run { wall, peak_rss }
    })
    .await
    .expect("join")
}

/// Waits for `child`; its exit code and peak resident set in bytes (0 where unknown).
#[cfg(unix)]
fn wait_with_peak(mut child: std::process::Child) -> (i32, u64) {
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(stderr, &mut text);
        }
        text
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet waited for; the pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let errors = reader.join().unwrap_or_default();
    assert_eq!(waited, pid, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    if code > 1 {
        eprintln!("{errors}");
    }
    // Linux reports kilobytes.
    (code, (usage.ru_maxrss as u64) * 1024)
}

#[cfg(not(unix))]
fn wait_with_peak(child: std::process::Child) -> (i32, u64) {
    let out = child.wait_with_output().expect("wait");
    (out.status.code().unwrap_or(-1), 0)
}

fn path(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}
