//! Memory of the compiled structure: heap bytes a compiled snapshot keeps, per 10,000 statements,
//! counted by a counting global allocator (`--features memory`).
//!
//! `cargo bench -p ramjet-bench --features memory --bench memory`

use ramjet_bench::workload;
use ramjet_engine::store::Snapshot;

fn main() {
    for statements in [10_000usize, 100_000] {
        let w = workload(10, 10, statements - 100, 1, 7);
        let mut kept = None;
        let info = allocation_counter::measure(|| {
            kept = Some(Snapshot::compile(&w.bundle, 1).expect("compiles"));
        });
        let bytes = info.bytes_current;
        println!(
            "{statements} statements: {} bytes kept by the snapshot ({:.1} MiB), {:.0} bytes per statement, {:.2} MiB per 10,000 statements; peak during compile {:.1} MiB",
            bytes,
            bytes as f64 / 1048576.0,
            bytes as f64 / statements as f64,
            bytes as f64 / statements as f64 * 10_000.0 / 1048576.0,
            info.bytes_max as f64 / 1048576.0,
        );
        drop(kept);
    }
}
