//! `check_batch` throughput from Rust, the baseline of the Python package's target (issue 17:
//! `check_batch` on 1M requests from Python at 0.8x or more of this, same machine, same rows).
//! The rows are `python/bench_batch.py`'s: the request lines of `corpus/examples/requests.jsonl`
//! and of a fixed mix over the corpus bundle's principals, repeated to ROWS, as a `request` column
//! of whole lines and as member columns.
//!
//! ```text
//! cargo run --release -p ramjet-columnar --example throughput -- 1000000
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .map_or(1_000_000, |n| n.parse().unwrap());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bundle = ramjet_compiler::load_bundle(&root.join("corpus/bundle")).unwrap();
    let snapshot = ramjet_engine::Snapshot::compile(&bundle, 1).unwrap();
    let mix = std::fs::read_to_string(root.join("columnar/examples/mix.jsonl")).unwrap();
    let lines: Vec<&str> = mix.lines().collect();
    let column: StringArray = (0..rows).map(|i| Some(lines[i % lines.len()])).collect();
    let batch =
        RecordBatch::try_from_iter(vec![("request", Arc::new(column) as ArrayRef)]).unwrap();
    for round in 0..3 {
        let start = Instant::now();
        let answers = ramjet_columnar::check_batch(&snapshot, &batch).unwrap();
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(answers.num_rows(), rows);
        println!(
            "round {round}: {rows} rows (request lines) in {seconds:.3} s: {:.0} rows/s",
            rows as f64 / seconds
        );
    }
}
