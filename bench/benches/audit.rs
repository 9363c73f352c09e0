//! The audit's evaluation alone: ActionTrail events generated for the corpus bundle, mapped to
//! requests beforehand, then decided by `batch::check_all` on 1 and 2 threads. (End-to-end audit
//! throughput, reading and mapping included, is `bench/audit.sh`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ramjet_audit::generate::generate;
use ramjet_audit::mapping::Mapping;
use ramjet_audit::record::{classify_value, Classified};
use ramjet_compiler::load_bundle;
use ramjet_engine::batch;
use ramjet_engine::PolicyStore;
use ramjet_engine::Request;
use std::hint::black_box;
use std::path::Path;

fn evaluation(c: &mut Criterion) {
    let bundle = load_bundle(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle"))
        .expect("bundle");
    let mut events = Vec::new();
    generate(&bundle, 100_000, 7, &mut events).expect("events");
    let mapping = Mapping::default();
    let mut requests: Vec<Request> = Vec::new();
    for line in String::from_utf8(events).expect("utf-8").lines() {
        let mut out = Vec::new();
        classify_value(line, &mapping, &mut out);
        for item in out {
            if let Ok(Classified::Request(request, _)) = item {
                requests.push(*request);
            }
        }
    }
    let requests: Vec<Request> = requests.iter().cycle().take(1_000_000).cloned().collect();
    let store = PolicyStore::new(&bundle).expect("compiles");
    let mut group = c.benchmark_group("audit_evaluation");
    group.sample_size(10);
    group.throughput(Throughput::Elements(requests.len() as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        group.bench_function(format!("1M_events_{threads}_threads"), |b| {
            b.iter(|| pool.install(|| black_box(batch::check_all(&store, &requests).len())))
        });
    }
    group.finish();
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
