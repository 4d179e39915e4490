//! Report engine benchmark: a ~1 MiB report with 5,000 action items (HTML and pipe tables) is
//! loaded, every row gets a key and a status, and the result is saved. Prints the median wall
//! time and the peak heap during that work as a multiple of the file size.
//!
//! Run with `cargo bench --bench report` (`PM_SYNC_BENCH_DIR=/dev/shm` to save to a tmpfs).
//! Aim: under 20 ms and under 4× the file size.
//!
//! What the heap figures count: live bytes above what was live before `Report::load`, so the
//! generated report string and the temp dir are left out. The report's bytes and items, and the
//! caller's edit list (built once, from `report.items()`, with its keys and URLs) are counted
//! whenever they are live. "Peak" is the highest point of the whole load → edits → apply → save
//! sequence, including the moment the caller holds the items and its edit list; the per-call
//! figures are the highest point inside each engine call (`load`, `apply`, `save`), everything
//! live at that moment included.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pm_sync::report::{ContainerKind, Edit, Report, ReportOptions};

/// Counts live heap bytes and remembers the peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let grown = new_size - layout.size();
            let live = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ITEMS: usize = 5_000;
const RUNS: usize = 15;

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

fn generate(kind: ContainerKind) -> String {
    let mut out = String::with_capacity(1 << 20);
    out.push_str("---\ndate: 2020-04-14 19:38:22.561000\ntitle: Benchmark\n---\n## Overview\n\nText.\n\n## Action Items\n\n");
    match kind {
        ContainerKind::Html => {
            out.push_str("<table>\n<thead>\n<tr class=\"header\">\n<th><strong>Action Item</strong></th>\n<th><strong>Owner</strong></th>\n<th><strong>Status</strong></th>\n</tr>\n</thead>\n<tbody>\n");
            for i in 0..ITEMS {
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
            for i in 0..ITEMS {
                let _ = writeln!(out, "| {} | @owner{:03} |  |", item_text(i, kind), i % 200);
            }
        }
        ContainerKind::List => {
            for i in 0..ITEMS {
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

fn edits(report: &Report) -> Vec<Edit> {
    let mut edits = Vec::with_capacity(report.items().len() * 2);
    for item in report.items() {
        let key = format!("OPS-{}", item.row + 1000);
        edits.push(Edit::Link {
            row: item.row,
            url: format!("https://example.atlassian.net/browse/{key}"),
            key,
        });
        edits.push(Edit::Status {
            row: item.row,
            status: "In Progress".to_owned(),
        });
    }
    edits
}

/// Wall time of one full run and of its phases: load, plan the edits, apply, save.
fn run_once(path: &Path, original: &[u8]) -> [Duration; 5] {
    std::fs::write(path, original).expect("write the report");
    let started = Instant::now();
    let mut report = Report::load(path, &ReportOptions::default()).expect("parses");
    let loaded = Instant::now();
    let edits = edits(&report);
    let planned = Instant::now();
    assert!(report.apply(&edits).expect("applies"));
    let applied = Instant::now();
    assert!(report.save().expect("saves"));
    let saved = Instant::now();
    [
        saved - started,
        loaded - started,
        planned - loaded,
        applied - planned,
        saved - applied,
    ]
}

fn bench(kind: ContainerKind) {
    // `PM_SYNC_BENCH_DIR` picks where the report is saved, e.g. a tmpfs to leave out the
    // disk's fsync latency.
    let dir = match std::env::var_os("PM_SYNC_BENCH_DIR") {
        Some(base) => tempfile::tempdir_in(base),
        None => tempfile::tempdir(),
    }
    .expect("temp dir");
    let path = dir.path().join("report.md");
    let original = generate(kind).into_bytes();
    let size = original.len();

    // Peak heap of one run, counted from what is live before it starts.
    std::fs::write(&path, &original).expect("write the report");
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    {
        let mut report = Report::load(&path, &ReportOptions::default()).expect("parses");
        assert_eq!(report.items().len(), ITEMS);
        let loaded = LIVE.load(Ordering::Relaxed) - baseline;
        let load_peak = PEAK.load(Ordering::Relaxed) - baseline;
        let edits = edits(&report);
        let with_edits = LIVE.load(Ordering::Relaxed) - baseline;
        let before_apply = PEAK.load(Ordering::Relaxed);
        PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
        report.apply(&edits).expect("applies");
        let apply_peak = PEAK.load(Ordering::Relaxed) - baseline;
        let before_save = PEAK.load(Ordering::Relaxed).max(before_apply);
        PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
        report.save().expect("saves");
        let save_peak = PEAK.load(Ordering::Relaxed) - baseline;
        PEAK.fetch_max(before_save, Ordering::Relaxed);
        assert!(report.items().iter().all(|i| i.key.is_some()));
        let x = |bytes: usize| bytes as f64 / size as f64;
        println!(
            "  heap (× file size): peak in load {:.2} (loaded report {:.2}), with the caller's items and edits {:.2}, peak in apply {:.2}, peak in save {:.2}",
            x(load_peak),
            x(loaded),
            x(with_edits),
            x(apply_peak),
            x(save_peak),
        );
    }
    let peak = PEAK.load(Ordering::Relaxed) - baseline;

    let runs: Vec<[Duration; 5]> = (0..RUNS).map(|_| run_once(&path, &original)).collect();
    let median_of = |phase: usize| {
        let mut times: Vec<Duration> = runs.iter().map(|r| r[phase]).collect();
        times.sort();
        times[RUNS / 2]
    };
    let mut times: Vec<Duration> = runs.iter().map(|r| r[0]).collect();
    times.sort();
    let median = times[RUNS / 2];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{kind:?}: {size} bytes, {ITEMS} items: median {:.2} ms (min {:.2}, max {:.2}) over {RUNS} runs; peak heap {:.2} MiB = {:.2}× file size",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
        peak as f64 / f64::from(1u32 << 20),
        peak as f64 / size as f64,
    );
    println!(
        "  phases (median ms): load {:.2}, build edits {:.2}, apply {:.2}, save {:.2}",
        ms(median_of(1)),
        ms(median_of(2)),
        ms(median_of(3)),
        ms(median_of(4)),
    );
}

fn main() {
    bench(ContainerKind::Html);
    bench(ContainerKind::Pipe);
    bench(ContainerKind::List);
}
