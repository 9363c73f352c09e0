//! A loop of checks to put under a profiler: `perf record`, or `valgrind --tool=callgrind`, whose
//! instruction counts do not depend on what else the machine is doing.
//!
//! ```text
//! cargo build --release -p ramjet-bench --example profile_check
//! target/release/examples/profile_check [CHECKS, default 20,000,000]
//! ```
//!
//! Checks the `check` bench's workload (one user, 100 statements, 1,024 requests) through a
//! `StoreReader` and prints the mean time per check. For instructions per check, run it under
//! callgrind with N and with 0 checks and divide the difference by N.

use ramjet_bench::workload;
use ramjet_engine::store::PolicyStore;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let checks: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000_000);
    let w = workload(10, 10, 0, 1024, 7);
    let store = PolicyStore::new(&w.bundle).expect("the workload compiles");
    let mut reader = store.reader();
    let start = Instant::now();
    for i in 0..checks {
        black_box(reader.check(&w.requests[i % w.requests.len()]));
    }
    if checks > 0 {
        let nanos = start.elapsed().as_nanos() as f64 / checks as f64;
        println!("{nanos:.1} ns per check ({checks} checks)");
    }
}
