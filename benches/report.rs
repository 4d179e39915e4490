//! Report engine benchmark: a report with action items (HTML table, pipe table, task list) is
//! loaded, edited and saved, as a writing run does it (no copy kept for a diff). Two scenarios:
//! a refresh (a linked report, every status rewritten) and the first sync's write-back (every
//! item gets a key and a status).
//!
//! - CPU: a ~1 MiB report with 5,000 items, 15 runs; the median CPU time of each phase (this
//!   thread's, so other work on the machine does not count) per MiB of report, and wall times.
//!   Goals (#11): ≤ 10 ms of CPU per MiB to read (`load`), ≤ 25 ms per MiB to rewrite every
//!   status cell (`apply` in the refresh: the edits spliced in and the report read again).
//! - Memory: one run on a report with 100,000 items (~20 MiB); the peak heap as a multiple of the
//!   file size. Goal: ≤ 4×.
//!
//! Run with `cargo bench --bench report` (`PM_SYNC_BENCH_DIR=/dev/shm` to save to a tmpfs).
//!
//! What the heap figures count: live bytes above what was live before `Report::load`, so the
//! generated report string and the temp dir are left out. The report's bytes and items, and the
//! caller's edit list (built once, from `report.items()`, with its keys and URLs) are counted
//! whenever they are live. "Peak" is the highest point of the whole load → edits → apply → save
//! sequence, including the moment the caller holds the items and its edit list; the per-call
//! figures are the highest point inside each engine call (`load`, `apply`, `save`), everything
//! live at that moment included.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pm_sync::report::{ContainerKind, Edit, KnownStatuses, Report, ReportOptions};

#[path = "support/heap.rs"]
mod heap;

use heap::{ALLOCS, LIVE, PEAK};

#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

/// Items of the report whose CPU time is measured (~1 MiB).
const TIMED_ITEMS: usize = 5_000;
/// Items of the report whose peak memory is measured (~20 MiB).
const MEMORY_ITEMS: usize = 100_000;
const RUNS: usize = 15;

/// CPU time this thread has used so far.
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to fill in.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// A wall clock and this thread's CPU clock, read together.
#[derive(Clone, Copy)]
struct Clocks {
    wall: Instant,
    cpu: Duration,
}

impl Clocks {
    fn now() -> Self {
        Clocks {
            wall: Instant::now(),
            cpu: thread_cpu(),
        }
    }

    /// (wall, CPU) since `earlier`.
    fn since(self, earlier: Clocks) -> (Duration, Duration) {
        (self.wall - earlier.wall, self.cpu - earlier.cpu)
    }
}

/// A realistic row's item text, with an entity or a code span now and then; long enough that
/// 5,000 rows make about 1 MiB in either table kind (HTML rows carry more markup).
fn item_text(i: usize, kind: ContainerKind) -> String {
    let special = match (i % 4, kind) {
        (0, ContainerKind::Html) => " &amp; <code>max_connections</code>",
        (0, ContainerKind::Pipe | ContainerKind::List) => " & `max_connections`",
        _ => " and its runbook",
    };
    let tail = match kind {
        ContainerKind::Html => "",
        ContainerKind::Pipe | ContainerKind::List => " so the on-call engineer sees it early",
    };
    format!(
        "Item {i:05}: add an alert on replication lag above 30 s for every primary database in cluster {}{special}, then page the DBA rotation{tail}",
        i % 97
    )
}

fn generate(kind: ContainerKind, items: usize) -> String {
    let mut out = String::with_capacity(1 << 20);
    out.push_str("---\ndate: 2020-04-14 19:38:22.561000\ntitle: Benchmark\n---\n## Overview\n\nText.\n\n## Action Items\n\n");
    match kind {
        ContainerKind::Html => {
            out.push_str("<table>\n<thead>\n<tr class=\"header\">\n<th><strong>Action Item</strong></th>\n<th><strong>Owner</strong></th>\n<th><strong>Status</strong></th>\n</tr>\n</thead>\n<tbody>\n");
            for i in 0..items {
                let class = if i % 2 == 0 { "odd" } else { "even" };
                let _ = write!(
                    out,
                    "<tr class=\"{class}\">\n<td>{}</td>\n<td>@owner{:03}</td>\n<td></td>\n</tr>\n",
                    item_text(i, kind),
                    i % 200
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        ContainerKind::Pipe => {
            out.push_str("| Action Item | Owner | Status |\n|:--|:--|:--|\n");
            for i in 0..items {
                let _ = writeln!(out, "| {} | @owner{:03} |  |", item_text(i, kind), i % 200);
            }
        }
        ContainerKind::List => {
            for i in 0..items {
                let _ = writeln!(
                    out,
                    "- [ ] {}\n  - owner: @owner{:03}",
                    item_text(i, kind),
                    i % 200
                );
            }
        }
    }
    out.push_str("\n## Messaging\n\nDone.\n");
    out
}

/// What a run does to the report.
#[derive(Clone, Copy, Debug)]
enum Scenario {
    /// The first sync: every item of an unlinked report gets a key and a status.
    WriteBack,
    /// A refresh: every item of a linked report whose statuses say `To Do` gets `In Progress`.
    Refresh,
}

/// The options of a writing run: no second copy of the bytes kept for a diff.
fn options() -> ReportOptions {
    ReportOptions {
        keep_original: false,
        ..ReportOptions::default()
    }
}

/// The statuses Jira knows, so that a refresh may overwrite `To Do`.
fn known() -> KnownStatuses {
    let mut known = KnownStatuses::default();
    known.insert("To Do", false);
    known.insert("In Progress", false);
    known.insert("Done", true);
    known
}

/// The report a scenario starts from.
fn report_for(scenario: Scenario, kind: ContainerKind, items: usize) -> Vec<u8> {
    let unlinked = generate(kind, items).into_bytes();
    match scenario {
        Scenario::WriteBack => unlinked,
        Scenario::Refresh => {
            let path = Path::new("linked.md");
            let mut report = Report::parse(path, unlinked, &options()).expect("parses");
            let edits = edits(&report, Scenario::WriteBack, "To Do");
            assert!(report.apply(&edits).expect("applies"));
            report.bytes().to_vec()
        }
    }
}

/// The edits a scenario makes.
fn edits(report: &Report, scenario: Scenario, status: &str) -> Vec<Edit> {
    let mut edits = Vec::with_capacity(report.items().len() * 2);
    for item in report.items() {
        if let Scenario::WriteBack = scenario {
            let key = format!("OPS-{}", item.row + 1000);
            edits.push(Edit::Link {
                row: item.row,
                url: format!("https://example.atlassian.net/browse/{key}"),
                key,
            });
        }
        edits.push(Edit::Status {
            row: item.row,
            status: status.to_owned(),
        });
    }
    edits
}

/// The phases of one run.
const PHASES: [&str; 4] = ["load", "build edits", "apply", "save"];

/// (wall, CPU) of each phase of one run.
type RunTimes = [(Duration, Duration); 4];

/// Wall and CPU time of each phase of one full run: load, plan the edits, apply, save.
fn run_once(path: &Path, original: &[u8], scenario: Scenario) -> RunTimes {
    std::fs::write(path, original).expect("write the report");
    let started = Clocks::now();
    let mut report = Report::load(path, &options()).expect("parses");
    report.set_known_statuses(known());
    let loaded = Clocks::now();
    let edits = edits(&report, scenario, "In Progress");
    let planned = Clocks::now();
    assert!(report.apply(&edits).expect("applies"));
    let applied = Clocks::now();
    assert!(report.save().expect("saves"));
    let saved = Clocks::now();
    [
        loaded.since(started),
        planned.since(loaded),
        applied.since(planned),
        saved.since(applied),
    ]
}

/// A temporary folder: `PM_SYNC_BENCH_DIR` picks where, e.g. a tmpfs to leave out the disk's
/// fsync latency.
fn temp_dir() -> tempfile::TempDir {
    match std::env::var_os("PM_SYNC_BENCH_DIR") {
        Some(base) => tempfile::tempdir_in(base),
        None => tempfile::tempdir(),
    }
    .expect("temp dir")
}

/// Peak heap of one run on a report of `items` items, counted from what is live before it.
fn memory(scenario: Scenario, kind: ContainerKind, items: usize) {
    let dir = temp_dir();
    let path = dir.path().join("report.md");
    let original = report_for(scenario, kind, items);
    let size = original.len();
    std::fs::write(&path, &original).expect("write the report");
    drop(original);
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    {
        let allocs_before = ALLOCS.load(Ordering::Relaxed);
        let mut report = Report::load(&path, &options()).expect("parses");
        let load_allocs = ALLOCS.load(Ordering::Relaxed) - allocs_before;
        report.set_known_statuses(known());
        assert_eq!(report.items().len(), items);
        let loaded = LIVE.load(Ordering::Relaxed) - baseline;
        let load_peak = PEAK.load(Ordering::Relaxed) - baseline;
        let edits = edits(&report, scenario, "In Progress");
        let with_edits = LIVE.load(Ordering::Relaxed) - baseline;
        let before_apply = PEAK.load(Ordering::Relaxed);
        PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
        let allocs_before = ALLOCS.load(Ordering::Relaxed);
        assert!(report.apply(&edits).expect("applies"));
        let apply_allocs = ALLOCS.load(Ordering::Relaxed) - allocs_before;
        let apply_peak = PEAK.load(Ordering::Relaxed) - baseline;
        let before_save = PEAK.load(Ordering::Relaxed).max(before_apply);
        PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
        report.save().expect("saves");
        let save_peak = PEAK.load(Ordering::Relaxed) - baseline;
        PEAK.fetch_max(before_save, Ordering::Relaxed);
        assert!(report.items().iter().all(|i| i.key.is_some()));
        assert!(
            report
                .items()
                .iter()
                .all(|i| i.status_text() == "In Progress")
        );
        let x = |bytes: usize| bytes as f64 / size as f64;
        let peak = PEAK.load(Ordering::Relaxed) - baseline;
        println!(
            "{scenario:?}, {kind:?}, {items} items, {:.1} MiB: peak heap {:.2}× the file (goal ≤ 4×)",
            size as f64 / f64::from(1u32 << 20),
            x(peak),
        );
        println!(
            "  × file size: peak in load {:.2} (loaded report {:.2}), with the caller's edits {:.2}, peak in apply {:.2}, peak in save {:.2}",
            x(load_peak),
            x(loaded),
            x(with_edits),
            x(apply_peak),
            x(save_peak),
        );
        println!(
            "  allocations per item: load {:.1}, apply {:.1}",
            load_allocs as f64 / items as f64,
            apply_allocs as f64 / items as f64,
        );
    }
}

/// Median wall and CPU time of each phase over [`RUNS`] runs on a report of `items` items.
fn timing(scenario: Scenario, kind: ContainerKind, items: usize) {
    let dir = temp_dir();
    let path = dir.path().join("report.md");
    let original = report_for(scenario, kind, items);
    let mib = original.len() as f64 / f64::from(1u32 << 20);
    let runs: Vec<RunTimes> = (0..RUNS)
        .map(|_| run_once(&path, &original, scenario))
        .collect();
    let median = |pick: &dyn Fn(&RunTimes) -> Duration| {
        let mut times: Vec<Duration> = runs.iter().map(pick).collect();
        times.sort();
        times[RUNS / 2]
    };
    let least = |pick: &dyn Fn(&RunTimes) -> Duration| runs.iter().map(pick).min();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let cpu_per_mib = |phase: usize| ms(median(&|r| r[phase].1)) / mib;
    // The least of the runs too: on a shared (virtual) machine the median moves with the
    // neighbours, the least much less.
    let least_per_mib = |phase: usize| least(&|r| r[phase].1).map_or(0.0, |d| ms(d) / mib);
    println!(
        "{scenario:?}, {kind:?}, {items} items, {mib:.2} MiB: CPU per MiB (median, least): read {:.1}, {:.1} ms (goal ≤ 10), rewrite {:.1}, {:.1} ms (goal ≤ 25); wall of a whole run {:.1} ms",
        cpu_per_mib(0),
        least_per_mib(0),
        cpu_per_mib(2),
        least_per_mib(2),
        ms(median(&|r| r.iter().map(|phase| phase.0).sum())),
    );
    let phases: Vec<String> = PHASES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "{name} {:.2} / {:.2}",
                ms(median(&|r| r[i].1)),
                ms(median(&|r| r[i].0))
            )
        })
        .collect();
    println!("  median ms, CPU / wall: {}", phases.join(", "));
}

fn main() {
    // `PM_SYNC_BENCH_KINDS=html,pipe` measures only those (e.g. under a profiler).
    let only = std::env::var("PM_SYNC_BENCH_KINDS").unwrap_or_default();
    let kinds: Vec<ContainerKind> = [
        ContainerKind::Html,
        ContainerKind::Pipe,
        ContainerKind::List,
    ]
    .into_iter()
    .filter(|kind| only.is_empty() || only.contains(&format!("{kind:?}").to_lowercase()))
    .collect();
    for scenario in [Scenario::Refresh, Scenario::WriteBack] {
        for &kind in &kinds {
            timing(scenario, kind, TIMED_ITEMS);
        }
    }
    for scenario in [Scenario::Refresh, Scenario::WriteBack] {
        for &kind in &kinds {
            memory(scenario, kind, MEMORY_ITEMS);
        }
    }
    if !hostile_texts_read_in_linear_time() {
        std::process::exit(1);
    }
}

/// Item texts built to make a reference scan quadratic (a pasted log, a JSON blob): runs of
/// unclosed `[`, `[a](`, images, comments, quoted tags and autolinks, read at two sizes. The
/// time per byte must stay flat (within 2× from the smaller to the 4× larger text); returns
/// whether it did. Before the scan found its closers once per text, 160 KB of `[a](` took 3 s
/// and 4 MB half an hour.
fn hostile_texts_read_in_linear_time() -> bool {
    const SMALL: usize = 20_000;
    println!(
        "\nhostile item texts: read time per byte at {SMALL} and {} repeats",
        4 * SMALL
    );
    let mut flat = true;
    for pattern in ["[a](", "[", "![", "<!--", "<a '", "<https://", "[x]("] {
        let per_byte = |repeats: usize| {
            let text = format!(
                "---\nincident_date: 2026-03-04\n---\n# PM\n\n## Action Items\n\n- a {}\n",
                pattern.repeat(repeats)
            );
            let bytes = text.len();
            let started = Instant::now();
            let report = Report::parse(Path::new("hostile.md"), text.into_bytes(), &options());
            let elapsed = started.elapsed();
            drop(report);
            elapsed.as_secs_f64() / bytes as f64
        };
        let (small, large) = (per_byte(SMALL), per_byte(4 * SMALL));
        let growth = large / small;
        let verdict = if growth > 2.0 {
            "  GROWS: quadratic?"
        } else {
            ""
        };
        flat &= growth <= 2.0;
        println!(
            "{pattern:>10}  {:>8.1} ns/byte → {:>8.1} ns/byte ({growth:.2}×){verdict}",
            small * 1e9,
            large * 1e9
        );
    }
    flat
}
