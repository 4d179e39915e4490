//! A global allocator that counts live heap bytes, their peak and the allocations made: the
//! benchmarks' measure of memory (shared by `report.rs` and `scale.rs`). Each bench installs it
//! with `#[global_allocator] static ALLOCATOR: heap::Counting = heap::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts live heap bytes and remembers the peak.
pub struct Counting;

pub static LIVE: AtomicUsize = AtomicUsize::new(0);
pub static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Allocations made (reallocations that grow counted too).
pub static ALLOCS: AtomicUsize = AtomicUsize::new(0);
/// Live bytes past which the process prints where it is and aborts: under a heap profiler,
/// what it then reports as leaked is what was live at that moment (a peak's contents, not each
/// site's own maximum), less the allocation that crossed the line (the backtrace names it).
pub static ABORT_AT: AtomicUsize = AtomicUsize::new(usize::MAX);

fn counted(live: usize) {
    PEAK.fetch_max(live, Ordering::Relaxed);
    if live > ABORT_AT.load(Ordering::Relaxed) {
        // Once: what the backtrace allocates must not come back here.
        ABORT_AT.store(usize::MAX, Ordering::Relaxed);
        eprintln!(
            "live heap {live} bytes at:\n{}",
            std::backtrace::Backtrace::force_capture()
        );
        std::process::abort();
    }
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        counted(LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size());
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
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            let grown = new_size - layout.size();
            counted(LIVE.fetch_add(grown, Ordering::Relaxed) + grown);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
