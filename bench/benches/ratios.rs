//! Issue 14's targets as paired ratios (bench/README.md, "Ratios to the limit"): each workload's
//! check against the limit baseline on the same requests, and a gateway's refill + check against
//! the check alone, in alternating rounds so that noise from other tenants of a shared machine
//! falls on both sides alike. Prints one Markdown row per workload with the interquartile range
//! of the per-round ratios.
//!
//! `cargo bench -p ramjet-bench --bench ratios [-- ROUNDS]` (default 301 rounds of 20,000 calls
//! per side; about a minute).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use ramjet_bench::{
    kind_workload, limit_baseline, limit_table, paired_ratio, workload, GatewayCall, PatternKind,
    Workload,
};
use ramjet_engine::{PolicyStore, Request};
use std::hint::black_box;

const BLOCK: usize = 20_000;

fn row(label: &str, target: &str, [low, median, high]: [f64; 3]) {
    println!("| {label} | **{median:.2}×** | {low:.2}–{high:.2}× | {target} |");
}

/// The workload's check through a `StoreReader`, against the limit on the same requests.
fn against_limit(w: &Workload, rounds: usize) -> [f64; 3] {
    let store = PolicyStore::new(&w.bundle).expect("the workload compiles");
    let mut reader = store.reader();
    let table = limit_table();
    let n = w.requests.len();
    paired_ratio(
        rounds,
        BLOCK,
        |i| {
            black_box(reader.check(&w.requests[i % n]));
        },
        |i| {
            black_box(limit_baseline(&w.requests[i % n], &table));
        },
    )
}

/// Refilling one `Request` from each request's parts and checking it, against the check alone.
fn refill_against_check(w: &Workload, rounds: usize) -> [f64; 3] {
    let store = PolicyStore::new(&w.bundle).expect("the workload compiles");
    let (mut refill_reader, mut check_reader) = (store.reader(), store.reader());
    let calls: Vec<_> = w.requests.iter().map(GatewayCall::of).collect();
    let mut refilled = Request::new("eas:Warm", "*").expect("a valid request");
    let n = w.requests.len();
    paired_ratio(
        rounds,
        BLOCK,
        |i| {
            if calls[i % n].refill(&mut refilled) {
                black_box(refill_reader.check(&refilled));
            }
        },
        |i| {
            black_box(check_reader.check(&w.requests[i % n]));
        },
    )
}

fn main() {
    let rounds = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(301);
    println!("paired, {rounds} alternating rounds of {BLOCK} calls per side:");
    println!();
    println!("| workload | median ratio | interquartile range | target |");
    println!("| --- | ---: | ---: | --- |");
    for kind in PatternKind::ALL {
        let w = kind_workload(kind, 100, 1024, 11);
        let label = format!("pattern kind `{}`, check / limit", kind.name());
        row(&label, "≤ 3×", against_limit(&w, rounds));
    }
    let peers = workload(10, 10, 0, 1024, 7);
    row(
        "peers workload (with NotAction), check / limit",
        "≤ 3×",
        against_limit(&peers, rounds),
    );
    row(
        "peers workload, refill + check / check",
        "≤ 2×",
        refill_against_check(&peers, rounds),
    );
}
