//! Writes two bundle directories, OUT/old and OUT/new, for timing `ramjet analyze diff`:
//! PRINCIPALS users and roles over a pool of 200 policies, ten of which the new bundle changes
//! ([`diff_bundles`]).
//!
//! ```text
//! cargo run --release -p ramjet-bench --example diff_bundles -- OUT 1000
//! time target/release/ramjet analyze diff --old OUT/old --new OUT/new
//! ```
//!
//! [`diff_bundles`]: ramjet_bench::diff_bundles
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken setup

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, principals] = args.as_slice() else {
        panic!("usage: diff_bundles OUT_DIR PRINCIPALS");
    };
    let principals: usize = principals.parse().expect("PRINCIPALS is a number");
    let [old, new] = ramjet_bench::diff_bundles(principals, 200, 10, 16);
    for (side, (manifest, documents)) in [("old", old), ("new", new)] {
        ramjet_bench::write_bundle(&Path::new(out).join(side), &manifest, &documents);
    }
    println!("{out}/old and {out}/new: {principals} principals, 10 policies changed");
}
