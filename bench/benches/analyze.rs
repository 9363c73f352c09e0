//! `ramjet analyze no-new-access` on a pair of 100-statement identity policies with conditions
//! (issue 16's target: PASS or FAIL with witness in 50 ms or less): a narrowing (the new policy
//! drops ten statements: PASS) and a widening (one statement's resource widened: FAIL). And
//! `diff` of two 1,000-principal bundles that differ in ten policies (target: 10 s or less on 2
//! cores), loaded from directories written by [`ramjet_bench::diff_bundles`].
//!
//! `cargo bench -p ramjet-bench --bench analyze`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use criterion::{criterion_group, criterion_main, Criterion};
use ramjet_analyze::{diff, no_new_access, Verdict};
use ramjet_compiler::model::{NamedPolicy, PolicySet};
use ramjet_compiler::{parse_policy, PolicyKind};
use std::hint::black_box;

const VERBS: &[&str] = &[
    "Describe", "List", "Create", "Update", "Delete", "Start", "Stop",
];
const NOUNS: &[&str] = &[
    "Service",
    "Group",
    "ResourceInstance",
    "Gateway",
    "BenchmarkTask",
];
const CONDITIONS: &[&str] = &[
    "",
    r#", "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}"#,
    r#", "Condition": {"Bool": {"acs:MFAPresent": "true"}}"#,
    r#", "Condition": {"StringEquals": {"acs:RequestedRegion": "cn-hangzhou"}}"#,
];

/// 100 statements: Allows of verb-noun actions on team services, with conditions, and Denies.
fn statements(rng: &mut fastrand::Rng) -> Vec<String> {
    (0..100)
        .map(|i| {
            let effect = if i % 10 == 9 { "Deny" } else { "Allow" };
            let verb = VERBS[rng.usize(..VERBS.len())];
            let noun = NOUNS[rng.usize(..NOUNS.len())];
            let action = if rng.bool() {
                format!("eas:{verb}{noun}")
            } else {
                format!("eas:{verb}*")
            };
            let condition = CONDITIONS[rng.usize(..CONDITIONS.len())];
            format!(
                r#"{{"Effect": "{effect}", "Action": ["{action}"], "Resource": "acs:eas:*:1234567890123456:service/team-{}-*"{condition}}}"#,
                i % 25
            )
        })
        .collect()
}

fn set(statements: &[String]) -> PolicySet {
    let doc = format!(
        r#"{{"Version": "1", "Statement": [{}]}}"#,
        statements.join(", ")
    );
    let policy = parse_policy(doc.as_bytes(), PolicyKind::Identity)
        .unwrap()
        .policy;
    PolicySet {
        identity: vec![NamedPolicy {
            name: "p".to_string(),
            resource_group: None,
            policy,
        }],
        ..PolicySet::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = fastrand::Rng::with_seed(16);
    let old = statements(&mut rng);
    let narrowed: Vec<String> = old
        .iter()
        .enumerate()
        .filter(|(i, s)| i % 10 != 3 || s.contains("Deny"))
        .map(|(_, s)| s.clone())
        .collect();
    let mut widened = old.clone();
    widened[4] = widened[4].replace("service/team-4-*", "service/*");
    let (old, narrowed, widened) = (set(&old), set(&narrowed), set(&widened));
    let verdict = no_new_access(&old, &narrowed);
    assert!(matches!(verdict, Verdict::Pass), "{verdict:?}");
    let verdict = no_new_access(&old, &widened);
    assert!(matches!(verdict, Verdict::Fail(_)), "{verdict:?}");
    let mut group = c.benchmark_group("analyze");
    group.sample_size(20);
    group.bench_function("no_new_access 100 statements: PASS", |b| {
        b.iter(|| no_new_access(black_box(&old), black_box(&narrowed)))
    });
    group.bench_function("no_new_access 100 statements: FAIL with witness", |b| {
        b.iter(|| no_new_access(black_box(&old), black_box(&widened)))
    });
    group.finish();
}

fn bench_diff(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("ramjet-bench-diff-{}", std::process::id()));
    let [old, new] = ramjet_bench::diff_bundles(1_000, 200, 10, 16);
    let mut loaded = Vec::new();
    for (side, (manifest, documents)) in [("old", old), ("new", new)] {
        ramjet_bench::write_bundle(&dir.join(side), &manifest, &documents);
        loaded.push(ramjet_compiler::load_bundle(&dir.join(side)).unwrap());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let found = diff(&loaded[0], &loaded[1]);
    let fail = found
        .changes
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail(_)))
        .count();
    let unknown = found
        .changes
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Unknown(_)))
        .count();
    eprintln!(
        "diff: {} principals, {} changed, {fail} FAIL, {unknown} UNKNOWN",
        found.principals,
        found.changes.len()
    );
    assert!(fail > 0 && found.changes.len() > fail);
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.bench_function("diff 1,000 principals, 10 policies changed", |b| {
        b.iter(|| diff(black_box(&loaded[0]), black_box(&loaded[1])))
    });
    group.finish();
}

criterion_group!(benches, bench, bench_diff);
criterion_main!(benches);
