//! Criterion benchmarks of the compiled engine (targets in bench/README.md):
//! - `check/*`: one check for a principal with 10 policies of 10 statements: compiled (through
//!   `PolicyStore::check` and through a per-thread `StoreReader`), the reference interpreter, and
//!   the limit baseline (hash the action, one pass over the ARN);
//! - `store_size/*`: the same check as the principal's policies grow with statements that cannot
//!   match, 100 to 100,000;
//! - `pattern_kind/*`: one check on 100 statements all of one kind (exact, prefix, general
//!   wildcard, NotAction, conditions);
//! - `batch/*`: 1M requests on 1 and 2 threads;
//! - `compile/*`: compiling 10,000 and 100,000 statements;
//! - `parse_compile/*`: reading the policy documents (JSON text) and compiling, 100 to 10,000
//!   statements.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ramjet_bench::{kind_workload, limit_baseline, workload, PatternKind, ACCOUNT};
use ramjet_compiler::{parse_policy, PolicyKind};
use ramjet_engine::Scratch;
use ramjet_engine::{batch, Request};
use ramjet_engine::{PolicyStore, Snapshot};
use ramjet_reference as reference;
use std::hint::black_box;

fn check(c: &mut Criterion) {
    let w = workload(10, 10, 0, 1024, 7);
    let store = PolicyStore::new(&w.bundle).expect("compiles");
    let policy_sets: Vec<_> = w
        .requests
        .iter()
        .map(|r| reference::bundle_policies(&w.bundle, r))
        .collect();
    let table = ramjet_bench::limit_table();
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(1));
    let mut scratch = Scratch::default();
    let mut i = 0;
    group.bench_function("compiled", |b| {
        b.iter(|| {
            i = (i + 1) % w.requests.len();
            black_box(store.check(&w.requests[i], &mut scratch))
        })
    });
    let mut reader = store.reader();
    group.bench_function("compiled_reader", |b| {
        b.iter(|| {
            i = (i + 1) % w.requests.len();
            black_box(reader.check(&w.requests[i]))
        })
    });
    group.bench_function("reference", |b| {
        b.iter(|| {
            i = (i + 1) % w.requests.len();
            black_box(reference::evaluate(&policy_sets[i], &w.requests[i]))
        })
    });
    group.bench_function("limit", |b| {
        b.iter(|| {
            i = (i + 1) % w.requests.len();
            black_box(limit_baseline(&w.requests[i], &table))
        })
    });
    group.finish();
}

fn store_size(c: &mut Criterion) {
    let mut group = c.benchmark_group("store_size");
    for filler in [0usize, 900, 9_900, 99_900] {
        let w = workload(10, 10, filler, 1024, 7);
        let store = PolicyStore::new(&w.bundle).expect("compiles");
        let mut scratch = Scratch::default();
        let mut i = 0;
        let total = w.principal_statements + filler;
        group.bench_function(format!("{total}_statements"), |b| {
            b.iter(|| {
                i = (i + 1) % w.requests.len();
                black_box(store.check(&w.requests[i], &mut scratch))
            })
        });
    }
    group.finish();
}

fn pattern_kinds(c: &mut Criterion) {
    let mut group = c.benchmark_group("pattern_kind");
    for kind in PatternKind::ALL {
        let w = kind_workload(kind, 100, 1024, 11);
        let store = PolicyStore::new(&w.bundle).expect("compiles");
        let mut reader = store.reader();
        let mut i = 0;
        group.bench_function(kind.name(), |b| {
            b.iter(|| {
                i = (i + 1) % w.requests.len();
                black_box(reader.check(&w.requests[i]))
            })
        });
    }
    group.finish();
}

/// Reading the JSON documents and compiling them: what a gateway pays when policies change.
fn parse_and_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_compile");
    group.sample_size(10);
    for statements in [100usize, 1_000, 10_000] {
        let w = workload(10, statements / 10, 0, 1, 7);
        let texts: Vec<(String, String)> = w
            .documents
            .iter()
            .map(|(name, document)| (name.clone(), document.to_string()))
            .collect();
        group.throughput(Throughput::Elements(statements as u64));
        group.bench_function(format!("{statements}_statements"), |b| {
            b.iter(|| {
                let mut bundle = w.bundle.clone();
                for (name, text) in &texts {
                    let parsed = parse_policy(text.as_bytes(), PolicyKind::Identity)
                        .expect("workload policies are valid");
                    bundle.policies.insert(name.clone(), parsed.policy);
                }
                black_box(
                    Snapshot::compile(&bundle, 1)
                        .expect("compiles")
                        .statement_count(),
                )
            })
        });
    }
    group.finish();
}

fn batches(c: &mut Criterion) {
    let w = workload(10, 10, 0, 1024, 7);
    let store = PolicyStore::new(&w.bundle).expect("compiles");
    let requests: Vec<Request> = w.requests.iter().cycle().take(1_000_000).cloned().collect();
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(requests.len() as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_function(format!("1M_requests_{threads}_threads"), |b| {
            b.iter(|| pool.install(|| black_box(batch::check_all(&store, &requests).len())))
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for statements in [10_000usize, 100_000] {
        let w = workload(10, 10, statements - 100, 1, 7);
        group.throughput(Throughput::Elements(statements as u64));
        group.bench_function(format!("{statements}_statements"), |b| {
            b.iter_batched(
                || w.bundle.clone(),
                |bundle| {
                    black_box(
                        Snapshot::compile(&bundle, 1)
                            .expect("compiles")
                            .statement_count(),
                    )
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
    let _ = ACCOUNT;
}

criterion_group!(
    benches,
    check,
    store_size,
    pattern_kinds,
    batches,
    compile,
    parse_and_compile
);
criterion_main!(benches);
