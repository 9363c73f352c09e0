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
    check_against_limit, kind_workload, refill_against_check, workload, PatternKind,
};

const BLOCK: usize = 20_000;

fn row(label: &str, target: &str, [low, median, high]: [f64; 3]) {
    println!("| {label} | **{median:.2}×** | {low:.2}–{high:.2}× | {target} |");
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
        row(&label, "≤ 3×", check_against_limit(&w, rounds, BLOCK));
    }
    let peers = workload(10, 10, 0, 1024, 7);
    row(
        "peers workload (with NotAction), check / limit",
        "≤ 3×",
        check_against_limit(&peers, rounds, BLOCK),
    );
    row(
        "peers workload, refill + check / check",
        "≤ 2×",
        refill_against_check(&peers, rounds, BLOCK),
    );
}
