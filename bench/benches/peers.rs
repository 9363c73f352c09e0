//! ramjet against its peers, in one run, on one workload (bench/README.md, "Peers"): a RAM user
//! with 10 policies of 10 statements and 1,024 requests that hit and miss. Engines:
//! - `ramjet`: the compiled engine through a per-thread `StoreReader` (how a gateway calls it);
//! - `ramjet_store`: the same through `PolicyStore::check` (one atomic load per call);
//! - `ramjet_built`: the `Request` built from its parts (strings, principal, context) and then
//!   checked, to show what building a request costs beside the check;
//! - `ramjet_refilled`: the same parts copied into one reused `Request` (`Request::refill`), as
//!   a gateway thread does, then checked: no allocation;
//! - `reference`: ramjet's reference interpreter, a straightforward reading of the statements;
//! - `limit`: the unavoidable work (hash the action, one pass over the ARN bytes);
//! - `cedar`: cedar-policy with every statement translated (`src/peers/cedar.rs`);
//! - `regorus`: a Rego policy implementing RAM over the documents as data (`src/peers/rego.rs`).
//!
//! Before anything is timed, every peer must decide every request as ramjet does; a disagreement
//! is a translation bug and stops the run. After criterion's report, a table of medians and
//! ratios is printed from criterion's estimates, then ramjet's ratio to the limit measured in
//! alternating rounds (noise from other tenants of a shared machine falls on both alike).
//!
//! `cargo bench -p ramjet-bench --features peers --bench peers`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use criterion::{Criterion, Throughput};
use ramjet_bench::peers::cedar::CedarPeer;
use ramjet_bench::peers::rego::RegoPeer;
use ramjet_bench::peers::{disagreements, Peer};
use ramjet_bench::{
    check_against_limit, limit_baseline, refill_against_check, workload, GatewayCall, Workload,
};
use ramjet_engine::PolicyStore;
use ramjet_engine::Request;
use ramjet_engine::Scratch;
use ramjet_reference as reference;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

const GROUP: &str = "peers";

/// Builds a peer and checks it against ramjet on every request of `w`; exits on any failure.
fn checked<P: Peer>(built: Result<P, String>, w: &Workload) -> P {
    let mut peer = match built {
        Ok(peer) => peer,
        Err(error) => {
            eprintln!("error: a peer could not translate the workload: {error}");
            std::process::exit(2);
        }
    };
    let found = disagreements(&mut peer, w);
    if !found.is_empty() {
        eprintln!(
            "error: {} disagrees with ramjet on {} of {} requests (a translation bug); the first:",
            peer.name(),
            found.len(),
            w.requests.len()
        );
        for line in found.iter().take(10) {
            eprintln!("  {line}");
        }
        std::process::exit(1);
    }
    println!(
        "{}: agrees with ramjet on all {} requests",
        peer.name(),
        w.requests.len()
    );
    peer
}

fn bench_peer<P: Peer>(c: &mut Criterion, mut peer: P, w: &Workload) {
    let inputs: Vec<P::Input> = w.requests.iter().map(|r| peer.prepare(r)).collect();
    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    let mut i = 0;
    group.bench_function(peer.name(), |b| {
        b.iter(|| {
            i = (i + 1) % inputs.len();
            black_box(peer.decide(&inputs[i]))
        })
    });
    group.finish();
}

fn bench_ramjet(c: &mut Criterion, w: &Workload) {
    let store = PolicyStore::new(&w.bundle).expect("the workload compiles");
    let sets: Vec<_> = w
        .requests
        .iter()
        .map(|r| reference::bundle_policies(&w.bundle, r))
        .collect();
    let table = ramjet_bench::limit_table();
    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    let mut i = 0;
    let mut reader = store.reader();
    group.bench_function("ramjet", |b| {
        b.iter(|| {
            i = (i + 1) % w.requests.len();
            black_box(reader.check(&w.requests[i]))
        })
    });
    // What a gateway pays per request in all: building the `Request` from its parts (the
    // strings copied, the action lowered, the ARN's account found) and checking it.
    let parts: Vec<_> = w
        .requests
        .iter()
        .map(|r| {
            (
                r.action().to_string(),
                r.resource().to_string(),
                r.principal().cloned(),
                r.context().clone(),
            )
        })
        .collect();
    group.bench_function("ramjet_built", |b| {
        b.iter(|| {
            i = (i + 1) % parts.len();
            let (action, resource, principal, context) = &parts[i];
            let Ok(mut request) = Request::new(action, resource) else {
                return None;
            };
            if let Some(principal) = principal {
                request = request.with_principal(principal.clone());
            }
            Some(black_box(
                reader.check(&request.with_context(context.clone())),
            ))
        })
    });
    let calls: Vec<_> = w.requests.iter().map(GatewayCall::of).collect();
    let mut refilled = Request::new("eas:Warm", "*").expect("a valid request");
    group.bench_function("ramjet_refilled", |b| {
        b.iter(|| {
            i = (i + 1) % calls.len();
            calls[i]
                .refill(&mut refilled)
                .then(|| black_box(reader.check(&refilled)))
        })
    });
    let mut scratch = Scratch::default();
    group.bench_function("ramjet_store", |b| {
        b.iter(|| {
            i = (i + 1) % w.requests.len();
            black_box(store.check(&w.requests[i], &mut scratch))
        })
    });
    group.bench_function("reference", |b| {
        b.iter(|| {
            i = (i + 1) % w.requests.len();
            black_box(reference::evaluate(&sets[i], &w.requests[i]))
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

/// Where criterion keeps its estimates: `$CRITERION_HOME`, `$CARGO_TARGET_DIR/criterion`, or the
/// `target/criterion` of the nearest directory up from here that has one.
fn criterion_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(home.into());
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    let here = std::env::current_dir().ok()?;
    here.ancestors()
        .map(|dir| dir.join("target").join("criterion"))
        .find(|dir| dir.is_dir())
}

/// The median time (ns) criterion estimated for `function` in the last run.
fn median_nanos(home: &std::path::Path, function: &str) -> Option<f64> {
    let path = home
        .join(GROUP)
        .join(function)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn human(nanos: f64) -> String {
    if nanos >= 1_000_000.0 {
        format!("{:.2} ms", nanos / 1_000_000.0)
    } else if nanos >= 1_000.0 {
        format!("{:.1} µs", nanos / 1_000.0)
    } else {
        format!("{nanos:.1} ns")
    }
}

fn print_table() {
    let Some(home) = criterion_home() else {
        eprintln!("(no criterion directory found: no ratio table)");
        return;
    };
    let Some(ramjet) = median_nanos(&home, "ramjet") else {
        eprintln!("(no estimate for ramjet: no ratio table)");
        return;
    };
    println!();
    println!("| engine | median per check | its median / ramjet's |");
    println!("| --- | ---: | ---: |");
    println!("| ramjet (`StoreReader::check`) | {} | 1 |", human(ramjet));
    let rows = [
        ("ramjet_store", "ramjet (`PolicyStore::check`)"),
        (
            "ramjet_built",
            "ramjet, the `Request` built from its parts in the timed loop",
        ),
        (
            "ramjet_refilled",
            "ramjet, one `Request` refilled from the parts in the timed loop",
        ),
        ("reference", "reference interpreter"),
        ("cedar-policy", "cedar-policy"),
        ("regorus", "regorus"),
    ];
    for (function, label) in rows {
        if let Some(nanos) = median_nanos(&home, function) {
            println!("| {label} | {} | {:.2}× |", human(nanos), nanos / ramjet);
        }
    }
    if let Some(limit) = median_nanos(&home, "limit") {
        println!(
            "| limit baseline | {} | {:.2}× (ramjet takes {:.2}× the limit) |",
            human(limit),
            limit / ramjet,
            ramjet / limit
        );
    }
}

/// ramjet against the limit baseline, paired (see [`paired_ratio`]).
fn print_paired(w: &Workload) {
    let (rounds, block) = (1_001, 20_000);
    let [low, median, high] = check_against_limit(w, rounds, block);
    println!();
    println!(
        "paired, {rounds} alternating rounds of {block} checks: ramjet takes {median:.2}× the limit \
         (interquartile range {low:.2}–{high:.2}×)"
    );
    // What a gateway pays in all against the check alone.
    let [low, median, high] = refill_against_check(w, rounds, block);
    println!(
        "paired, {rounds} alternating rounds of {block} calls: refilling the request from its \
         parts and checking it takes {median:.2}× the check alone (interquartile range \
         {low:.2}–{high:.2}×)"
    );
}

fn main() {
    let w = workload(10, 10, 0, 1024, 7);
    let cedar = checked(CedarPeer::new(&w), &w);
    let rego = checked(RegoPeer::new(&w), &w);
    let mut c = Criterion::default().configure_from_args();
    bench_ramjet(&mut c, &w);
    bench_peer(&mut c, cedar, &w);
    bench_peer(&mut c, rego, &w);
    c.final_summary();
    print_table();
    print_paired(&w);
}
