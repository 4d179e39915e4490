//! Every command at growing sizes: `items`, `sync --dry-run`, `sync`, `resync` (a `sync` of the
//! report the first one linked: the scheduled run that changes nothing), `refresh`, `check` and
//! `dashboard` on reports of 1k, 10k and 100k rows of each container kind (HTML table, pipe
//! table, task list), each run as its own process against the fake Jira (no latency). Prints the
//! time per row and the peak heap over the file size, and flags a command whose time per row
//! grows more than 2× from the smallest to the largest size (a quadratic step somewhere) or
//! whose peak heap passes 4× the file at the largest size.
//!
//! Run: `cargo bench --bench scale`. `PM_SYNC_SCALE_SIZES=1000,10000` picks the sizes (default
//! 1000,10000,100000), `PM_SYNC_SCALE_KINDS=html,pipe,list` the kinds,
//! `PM_SYNC_SCALE_SHAPE=long` the rows teams write (a ~150-byte sentence and an owner Jira
//! knows, who becomes the assignee) instead of the shortest (`| Action item number 12345 | |`),
//! `PM_SYNC_SCALE_SHAPE=medium` a ~60-byte sentence without an owner, and
//! `PM_SYNC_SCALE_STOP=sync` stops each size after that command (`items` and `sync
//! --dry-run` need no tickets). What holds a peak: `PM_SYNC_SCALE_WRAP="heaptrack -o /tmp/h/{name}"`
//! with `PM_SYNC_SCALE_ABORT_AT=<bytes>` (a little under the peak; `PM_SYNC_SCALE_ABORT_IN=resync`
//! for one command's child alone): the child aborts there, and
//! what heaptrack calls leaked is what was live (`heaptrack_print -f … -F out.folded
//! --flamegraph-cost-type leaked`).
//!
//! Memory: each command runs in a child process (this bench binary again, calling
//! `pm_sync::run_to_code`, so the fake Jira's own memory is not counted) whose global allocator
//! counts live heap bytes. `heap` is the child's peak, everything included (runtime, TLS, the
//! report, Jira's answers); `heap/file` is that over the report's size. (The resident set is not
//! shown: a child's `ru_maxrss` includes the parent's pages it had before `exec`.) Exits non-zero when time per row grows > 2× (a shared
//! machine's noise can do that at small sizes; the 100k figures are the ones that tell) or when
//! heap/file passes 4× at the largest size.

#[path = "../tests/support/fake_jira/mod.rs"]
mod fake_jira;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use fake_jira::users::FakeUser;
use fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Flavor};

const TOKEN_VARIABLE: &str = "PM_SYNC_BENCH_TOKEN";
/// Set in a child: run pm-sync with the arguments and write the peak heap to this file.
const CHILD_VARIABLE: &str = "PM_SYNC_SCALE_HEAP_FILE";
/// The goal: peak heap at most this many times the report's size.
const HEAP_GOAL: f64 = 4.0;

#[path = "support/heap.rs"]
mod heap;

use heap::PEAK;

/// Counts the heap (only a child's figures are read).
#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;
const COMMANDS: [&str; 7] = [
    "items",
    "sync --dry-run",
    "sync",
    "resync",
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

    /// A report of this kind with `rows` unlinked action items, shaped as `shape` says.
    fn report(self, rows: usize, shape: Shape) -> String {
        let mut text = String::from(
            "---\ndate: 2020-04-14\ntitle: Scale\nseverity: sev2\n---\n# Scale\n\n## Action Items\n\n",
        );
        let long = shape == Shape::Long;
        match self {
            Kind::Html => {
                text.push_str(if long {
                    "<table>\n<thead>\n<tr>\n<th>Action Item</th>\n<th>Owner</th>\n\
                     <th>Status</th>\n</tr>\n</thead>\n<tbody>\n"
                } else {
                    "<table>\n<thead>\n<tr>\n<th>Action Item</th>\n<th>Status</th>\n</tr>\n\
                     </thead>\n<tbody>\n"
                });
                for n in 0..rows {
                    if long {
                        let _ = write!(
                            text,
                            "<tr>\n<td>{}</td>\n<td>@owner{:03}</td>\n<td></td>\n</tr>\n",
                            long_item(n, "&amp; <code>max_connections</code>"),
                            n % 200
                        );
                    } else {
                        let _ = write!(
                            text,
                            "<tr>\n<td>{}</td>\n<td></td>\n</tr>\n",
                            plain_item(n, shape)
                        );
                    }
                }
                text.push_str("</tbody>\n</table>\n");
            }
            Kind::Pipe => {
                text.push_str(if long {
                    "| Action Item | Owner | Status |\n|---|---|---|\n"
                } else {
                    "| Action Item | Status |\n|---|---|\n"
                });
                for n in 0..rows {
                    if long {
                        let item = long_item(n, "& `max_connections`");
                        let _ = writeln!(text, "| {item} | @owner{:03} |  |", n % 200);
                    } else {
                        let _ = writeln!(text, "| {} | |", plain_item(n, shape));
                    }
                }
            }
            Kind::List => {
                for n in 0..rows {
                    if long {
                        let item = long_item(n, "& `max_connections`");
                        let _ = writeln!(text, "- [ ] {item}\n  - owner: @owner{:03}", n % 200);
                    } else {
                        let _ = writeln!(text, "- [ ] {}", plain_item(n, shape));
                    }
                }
            }
        }
        text.push_str("\n## Timeline\n\nNothing else.\n");
        text
    }
}

/// How the generated rows look (`PM_SYNC_SCALE_SHAPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `short` (the default): the least a row can be, `| Action item number 12345 | |`, so
    /// every byte pm-sync keeps per row shows against the file.
    Short,
    /// `medium`: a short sentence (~60 bytes) and nothing else, between the two: where a
    /// per-row cost stops showing against the file.
    Medium,
    /// `long`: rows as post-mortems write them (the report bench's): a sentence of ~150
    /// bytes, an owner (`@owner012`, resolved to an assignee as a real run does) and an
    /// empty status.
    Long,
}

/// The text of a row without an owner: `short`'s or `medium`'s.
fn plain_item(n: usize, shape: Shape) -> String {
    match shape {
        Shape::Medium => format!(
            "Item {n:05}: alert on replication lag in cluster {}",
            n % 97
        ),
        _ => format!("Action item number {n}"),
    }
}

/// An action item as teams write them, `special` written in the container's own markup.
fn long_item(n: usize, special: &str) -> String {
    let special = if n.is_multiple_of(4) {
        special
    } else {
        "and its runbook"
    };
    format!(
        "Item {n:05}: add an alert on replication lag above 30 s for every primary database in \
         cluster {} {special}, then page the DBA rotation",
        n % 97
    )
}

/// One command's run at one size.
struct Run {
    wall: Duration,
    peak_heap: u64,
}

fn main() {
    if let Some(heap_file) = std::env::var_os(CHILD_VARIABLE) {
        // A child: pm-sync itself, as the binary's `main` runs it, then its peak heap.
        if let Some(at) = std::env::var("PM_SYNC_SCALE_ABORT_AT")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            heap::ABORT_AT.store(at, Ordering::Relaxed);
        }
        let code = pm_sync::run_to_code(std::env::args_os());
        let peak = PEAK.load(Ordering::Relaxed);
        std::fs::write(heap_file, peak.to_string()).expect("write the peak heap");
        std::process::exit(i32::from(code));
    }
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
    let shape = match std::env::var("PM_SYNC_SCALE_SHAPE").as_deref() {
        Ok("long") => Shape::Long,
        Ok("medium") => Shape::Medium,
        _ => Shape::Short,
    };
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
    let mut heavy = false;
    println!("time per row and peak heap per file size");
    for kind in kinds {
        println!("\n{} ({shape:?} rows) — sizes {sizes:?}", kind.name());
        println!(
            "{:<16} {:>8} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "command", "rows", "file", "wall", "µs/row", "heap", "heap/file"
        );
        let mut per_row: Vec<Vec<f64>> = vec![Vec::new(); commands.len()];
        let mut last_ratio: Vec<f64> = vec![0.0; commands.len()];
        for &rows in &sizes {
            let runs = runtime.block_on(at_size(kind, rows, shape, &commands));
            for (index, (command, run, file)) in runs.iter().enumerate() {
                let micros = run.wall.as_secs_f64() * 1e6 / rows as f64;
                per_row[index].push(micros);
                let ratio = run.peak_heap as f64 / *file as f64;
                last_ratio[index] = ratio;
                println!(
                    "{:<16} {:>8} {:>8}KB {:>8}ms {:>10.2} {:>8}KB {:>9.1}x",
                    command,
                    rows,
                    file / 1024,
                    run.wall.as_millis(),
                    micros,
                    run.peak_heap / 1024,
                    ratio,
                );
            }
        }
        for (index, command) in commands.iter().enumerate() {
            let times = &per_row[index];
            let (first, last) = (times[0], times[times.len() - 1]);
            let growth = last / first;
            let grows = sizes.len() > 1 && growth > 2.0;
            let over = last_ratio[index] > HEAP_GOAL;
            grew |= grows;
            heavy |= over;
            println!(
                "{:<16} time per row {:.2} → {:.2} µs ({growth:.2}×){}; heap {:.1}× the file{}",
                command,
                first,
                last,
                if grows { "  GROWS > 2×" } else { "" },
                last_ratio[index],
                if over { "  OVER 4×" } else { "" },
            );
        }
    }
    if grew || heavy {
        std::process::exit(1);
    }
}

/// Every command on a fresh report of `rows` items of `kind`, in order (sync creates the
/// tickets the later commands read). Returns (command, run, file size).
async fn at_size<'c>(
    kind: Kind,
    rows: usize,
    shape: Shape,
    commands: &[&'c str],
) -> Vec<(&'c str, Run, u64)> {
    let fake = FakeJira::start(Flavor::Cloud).await;
    if shape == Shape::Long {
        // The rows' owners are people Jira knows, as in a team's own project.
        fake.add_assignable_people(
            (0..200)
                .map(|n| {
                    let name = format!("owner{n:03}");
                    FakeUser::new(
                        &name,
                        &format!("Owner {n:03}"),
                        &format!("{name}@example.com"),
                    )
                })
                .collect(),
        );
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let config = write_config(dir.path(), &fake);
    let report = dir.path().join("pm.md");
    std::fs::write(&report, kind.report(rows, shape)).expect("write report");
    let site = dir.path().join("site");
    let mut out = Vec::new();
    for &command in commands {
        if command == "refresh" {
            // Work happened: every tenth ticket is done, so refresh rewrites statuses.
            for issue in fake.issues().iter().step_by(10) {
                fake.transition(&issue.key, "Done");
            }
        }
        // `resync`: `sync` again, of the report the first `sync` linked.
        let mut args: Vec<&str> = match command {
            "resync" => vec!["sync"],
            _ => command.split(' ').collect(),
        };
        args.push(path(&report));
        if command == "dashboard" {
            args.extend(["--out", path(&site)]);
        }
        let size = std::fs::metadata(&report).expect("report").len();
        let run = run(&config, command, &args, rows).await;
        out.push((command, run, size));
        if command == "sync" || command == "resync" {
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

/// Runs pm-sync with `args` in a child process (this binary, see [`CHILD_VARIABLE`]), returning
/// its wall time, peak heap and peak resident set.
async fn run(config: &Path, label: &str, args: &[&str], rows: usize) -> Run {
    let heap_file = config.with_file_name("peak-heap");
    let exe = std::env::current_exe().expect("the bench binary");
    // `PM_SYNC_SCALE_WRAP="heaptrack -o /tmp/h/{name}"` (or `perf record -o …`): each child runs
    // under that command, `{name}` being the command's label and size (`sync___dry_run-10000`,
    // `resync-10000`), to find what holds the heap or the time; the figures then include the
    // tool's slowdown.
    let mut command = match std::env::var("PM_SYNC_SCALE_WRAP") {
        Ok(wrap) if !wrap.trim().is_empty() => {
            let name = format!("{}-{rows}", label.replace(['-', ' '], "_"));
            let mut parts = wrap
                .split_whitespace()
                .map(|part| part.replace("{name}", &name));
            let mut command = Command::new(parts.next().expect("a command"));
            command.args(parts).arg(exe);
            command
        }
        _ => Command::new(exe),
    };
    // `PM_SYNC_SCALE_ABORT_IN=resync`: only that command's child aborts at the size given.
    if std::env::var("PM_SYNC_SCALE_ABORT_IN").is_ok_and(|only| only != label) {
        command.env_remove("PM_SYNC_SCALE_ABORT_AT");
    }
    command
        .arg("-q")
        .arg("-c")
        .arg(config)
        .args(args)
        .env(TOKEN_VARIABLE, FAKE_TOKEN)
        .env("NO_COLOR", "1")
        .env(CHILD_VARIABLE, &heap_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let shown = format!("{args:?}");
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let child = command.spawn().expect("pm-sync starts");
        let code = wait_for(child);
        let wall = started.elapsed();
        // `check` says 1 while items are unresolved: that is its answer, not a failure.
        assert!(code == 0 || code == 1, "pm-sync {shown} exited {code}");
        let peak_heap = std::fs::read_to_string(&heap_file)
            .expect("the child wrote its peak heap")
            .parse()
            .expect("a number");
        Run { wall, peak_heap }
    })
    .await
    .expect("join")
}

/// Waits for `child`; its exit code (-1 when killed by a signal). Its stderr is shown when it
/// failed.
fn wait_for(child: std::process::Child) -> i32 {
    let out = child.wait_with_output().expect("wait");
    let code = out.status.code().unwrap_or(-1);
    if !(0..=1).contains(&code) {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
    code
}

fn path(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}
