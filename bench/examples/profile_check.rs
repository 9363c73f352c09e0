//! A loop of checks to put under a profiler: `perf record`, or `valgrind --tool=callgrind`, whose
//! instruction counts do not depend on what else the machine is doing.
//!
//! ```text
//! cargo build --release -p ramjet-bench --example profile_check
//! target/release/examples/profile_check [CHECKS, default 20,000,000] [ramjet|limit|refill] [KIND]
//! ```
//!
//! Checks the `check` bench's workload (one user, 100 statements, 1,024 requests) through a
//! `StoreReader` (or, with `limit`, runs the limit baseline on the same requests; with `refill`,
//! refills one `Request` from each request's parts, as a gateway does, before checking it) and
//! prints the mean time per check. With a KIND (`exact`, `prefix`, `wildcard`, `not_action`, `conditions`),
//! the `pattern_kind` bench's workload of that kind instead. For instructions per check, run it under callgrind with N and with 0
//! checks and divide the difference by N, or collect only inside the check:
//! `valgrind --tool=callgrind --toggle-collect='*StoreReader*check*' … 200000`
//! (`--toggle-collect='*limit_baseline*'` for the limit, `'*GatewayCall*refill*'` for refilling).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use ramjet_bench::{
    kind_workload, limit_baseline, limit_table, workload, GatewayCall, PatternKind,
};
use ramjet_engine::{PolicyStore, Request};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let checks: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000_000);
    let mode = args.next();
    let limit = mode.as_deref() == Some("limit");
    let refill = mode.as_deref() == Some("refill");
    let w = match args.next() {
        None => workload(10, 10, 0, 1024, 7),
        Some(name) => match PatternKind::ALL.into_iter().find(|k| k.name() == name) {
            Some(kind) => kind_workload(kind, 100, 1024, 11),
            None => {
                eprintln!("unknown pattern kind {name:?}");
                std::process::exit(2);
            }
        },
    };
    let store = PolicyStore::new(&w.bundle).expect("the workload compiles");
    let mut reader = store.reader();
    let table = limit_table();
    let calls: Vec<_> = w.requests.iter().map(GatewayCall::of).collect();
    let mut refilled = Request::new("eas:Warm", "*").expect("a valid request");
    let start = Instant::now();
    for i in 0..checks {
        let request = &w.requests[i % w.requests.len()];
        if refill {
            if calls[i % calls.len()].refill(&mut refilled) {
                black_box(reader.check(&refilled));
            }
        } else if limit {
            black_box(limit_baseline(request, &table));
        } else {
            black_box(reader.check(request));
        }
    }
    if checks > 0 {
        let nanos = start.elapsed().as_nanos() as f64 / checks as f64;
        println!("{nanos:.1} ns per check ({checks} checks)");
    }
}
