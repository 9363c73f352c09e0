//! Per-call latency of one check (criterion reports means of batches; a gateway cares about the
//! tail): times each of 1,000,000 checks and prints the median, p90, p99 and p99.9, for the
//! compiled engine (through `PolicyStore::check`, through a `StoreReader`, and through a
//! `StoreReader` while another thread swaps snapshots as fast as it can compile them) and, over
//! fewer calls, the reference interpreter.
//!
//! `cargo bench -p ramjet-bench --bench latency` (add `-- --compiled-only` to skip the reference)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use ramjet_bench::workload;
use ramjet_engine::PolicyStore;
use ramjet_engine::Scratch;
use ramjet_reference as reference;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

fn percentiles(mut nanos: Vec<u64>) -> String {
    nanos.sort_unstable();
    let at = |p: f64| nanos[((nanos.len() as f64 - 1.0) * p) as usize];
    format!(
        "median {} ns, p90 {} ns, p99 {} ns, p99.9 {} ns ({} calls)",
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999),
        nanos.len()
    )
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let w = workload(10, 10, 0, 1024, 7);
    let store = PolicyStore::new(&w.bundle).expect("compiles");
    let mut scratch = Scratch::default();
    // Timer overhead, to subtract by eye.
    let mut overhead = Vec::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let start = Instant::now();
        overhead.push(black_box(start.elapsed().as_nanos() as u64));
    }
    println!("timer alone:      {}", percentiles(overhead));
    let mut compiled = Vec::with_capacity(1_000_000);
    for i in 0..1_000_000 {
        let request = &w.requests[i % w.requests.len()];
        let start = Instant::now();
        black_box(store.check(request, &mut scratch));
        compiled.push(start.elapsed().as_nanos() as u64);
    }
    println!("compiled check:   {}", percentiles(compiled));
    let mut reader = store.reader();
    let mut through_reader = Vec::with_capacity(1_000_000);
    for i in 0..1_000_000 {
        let request = &w.requests[i % w.requests.len()];
        let start = Instant::now();
        black_box(reader.check(request));
        through_reader.push(start.elapsed().as_nanos() as u64);
    }
    println!("StoreReader check: {}", percentiles(through_reader));

    // The same reader while another thread swaps in a new compiled snapshot as fast as it can
    // (the 100-statement bundle and a second one, alternately).
    let other = workload(10, 10, 0, 1, 8).bundle;
    let done = AtomicBool::new(false);
    let (swapping, swaps) = std::thread::scope(|scope| {
        let swapper = scope.spawn(|| {
            let mut swaps = 0u64;
            while !done.load(Ordering::Relaxed) {
                let bundle = if swaps.is_multiple_of(2) {
                    &other
                } else {
                    &w.bundle
                };
                store.swap(bundle).expect("compiles");
                swaps += 1;
            }
            swaps
        });
        let mut swapping = Vec::with_capacity(1_000_000);
        for i in 0..1_000_000 {
            let request = &w.requests[i % w.requests.len()];
            let start = Instant::now();
            black_box(reader.check(request));
            swapping.push(start.elapsed().as_nanos() as u64);
        }
        done.store(true, Ordering::Relaxed);
        (swapping, swapper.join().unwrap_or(0))
    });
    println!(
        "StoreReader check while swapping: {} ({swaps} swaps)",
        percentiles(swapping)
    );
    if std::env::args().any(|a| a == "--compiled-only") {
        return;
    }
    let sets: Vec<_> = w
        .requests
        .iter()
        .map(|r| reference::bundle_policies(&w.bundle, r))
        .collect();
    let mut interpreted = Vec::with_capacity(100_000);
    for i in 0..100_000 {
        let request = &w.requests[i % w.requests.len()];
        let start = Instant::now();
        black_box(reference::evaluate(&sets[i % sets.len()], request));
        interpreted.push(start.elapsed().as_nanos() as u64);
    }
    println!("reference check:  {}", percentiles(interpreted));
}
