//! Memory of the compiled structure: heap bytes a compiled snapshot keeps, per 10,000 statements,
//! counted by a counting global allocator (`--features memory`). Two shapes: many users with
//! their own catalog-driven policies (a large real bundle), and one user whose policies are
//! padded with single-statement filler services (the store-size benchmark's worst case: every
//! statement its own service, so nothing is shared).
//!
//! First the same 10,000 statements (one user, 100 policies of 100) for each engine: ramjet,
//! and with `--features memory,peers` cedar-policy and regorus too.
//!
//! `cargo bench -p ramjet-bench --features memory --bench memory` (or `--features memory,peers`)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use ramjet_bench::{many_users, workload};
use ramjet_engine::model::Bundle;
use ramjet_engine::Snapshot;

fn report(label: &str, bundle: &Bundle) {
    let mut kept = None;
    let info = allocation_counter::measure(|| {
        kept = Some(Snapshot::compile(bundle, 1).expect("compiles"));
    });
    let statements = kept.as_ref().map_or(0, Snapshot::statement_count);
    let bytes = info.bytes_current as f64;
    println!(
        "{label}: {statements} statements, {:.1} MiB kept ({:.0} bytes per statement, {:.2} MiB per 10,000 statements); peak during compile {:.1} MiB",
        bytes / 1048576.0,
        bytes / statements as f64,
        bytes / statements as f64 * 10_000.0 / 1048576.0,
        info.bytes_max as f64 / 1048576.0,
    );
}

/// Heap bytes `build` keeps for the 10,000-statement workload of one user, per engine.
fn report_engine<T>(label: &str, build: impl FnOnce() -> T) {
    let mut kept = None;
    let info = allocation_counter::measure(|| {
        kept = Some(build());
    });
    println!(
        "{label}: {:.2} MiB kept for 10,000 statements; peak while building {:.1} MiB",
        info.bytes_current as f64 / 1048576.0,
        info.bytes_max as f64 / 1048576.0,
    );
    drop(kept);
}

fn main() {
    // One user with 100 policies of 100 statements: the same documents for every engine.
    let w = workload(100, 100, 0, 1, 7);
    report_engine("ramjet (compiled snapshot)", || {
        Snapshot::compile(&w.bundle, 1).expect("compiles")
    });
    #[cfg(feature = "peers")]
    {
        use ramjet_bench::peers::{cedar::CedarPeer, rego::RegoPeer};
        report_engine("cedar-policy (policy set)", || {
            CedarPeer::new(&w).expect("translates")
        });
        report_engine("regorus (compiled policy and data)", || {
            RegoPeer::new(&w).expect("translates")
        });
    }
    report(
        "100 users x 10 policies x 10 statements",
        &many_users(100, 10, 10, 7),
    );
    report(
        "1,000 users x 10 policies x 10 statements",
        &many_users(1_000, 10, 10, 7),
    );
    report(
        "1 user, 100 statements + 9,900 filler",
        &workload(10, 10, 9_900, 1, 7).bundle,
    );
    report(
        "1 user, 100 statements + 99,900 filler",
        &workload(10, 10, 99_900, 1, 7).bundle,
    );
}
