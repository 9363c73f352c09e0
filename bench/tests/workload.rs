//! The benchmark workloads are what bench/README.md says: deterministic, a mix of allowed,
//! explicitly denied and implicitly denied requests, decided the same by the compiled engine and
//! the reference interpreter.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_bench::{many_users, workload};
use ramjet_engine::Decision;
use ramjet_engine::Scratch;
use ramjet_engine::Snapshot;
use ramjet_reference as reference;

#[test]
fn workload_mixes_decisions_and_engines_agree() {
    let w = workload(10, 10, 0, 1024, 7);
    assert_eq!(w.principal_statements, 100);
    let snapshot = Snapshot::compile(&w.bundle, 1).unwrap();
    let mut scratch = Scratch::default();
    let mut counts = [0usize; 3];
    for request in &w.requests {
        let compiled = snapshot.outcome(request, &mut scratch);
        let expected =
            reference::evaluate(&reference::bundle_policies(&w.bundle, request), request);
        assert_eq!(compiled.decision, expected.decision);
        counts[match compiled.decision {
            Decision::Allow => 0,
            Decision::ExplicitDeny => 1,
            Decision::ImplicitDeny => 2,
        }] += 1;
    }
    eprintln!("allow / explicit deny / implicit deny: {counts:?}");
    let allowed = counts[0] as f64 / w.requests.len() as f64;
    assert!((0.3..0.9).contains(&allowed), "{counts:?}");
    assert!(counts[1] > 20, "{counts:?}");
    // About one statement in seven is a NotAction one (bench/README.md, Workloads).
    let not_action = w
        .documents
        .iter()
        .flat_map(|(_, document)| document["Statement"].as_array().unwrap())
        .filter(|statement| statement.get("NotAction").is_some())
        .count();
    eprintln!("NotAction statements: {not_action} of 100");
    assert!((7..=25).contains(&not_action), "{not_action}");
    // Deterministic.
    let again = workload(10, 10, 0, 1024, 7);
    assert_eq!(again.requests, w.requests);
}

#[test]
fn large_bundles_compile() {
    let bundle = many_users(20, 10, 10, 1);
    assert_eq!(
        Snapshot::compile(&bundle, 1).unwrap().statement_count(),
        2_000
    );
}

#[test]
fn pattern_kind_workloads_mix_decisions_and_engines_agree() {
    use ramjet_bench::{kind_workload, PatternKind};
    for kind in PatternKind::ALL {
        let w = kind_workload(kind, 100, 512, 11);
        assert_eq!(w.principal_statements, 100);
        let snapshot = Snapshot::compile(&w.bundle, 1).unwrap();
        let mut scratch = Scratch::default();
        let mut counts = [0usize; 3];
        for request in &w.requests {
            let compiled = snapshot.outcome(request, &mut scratch);
            let expected =
                reference::evaluate(&reference::bundle_policies(&w.bundle, request), request);
            assert_eq!(compiled.decision, expected.decision, "{kind:?}");
            counts[match compiled.decision {
                Decision::Allow => 0,
                Decision::ExplicitDeny => 1,
                Decision::ImplicitDeny => 2,
            }] += 1;
        }
        eprintln!("{kind:?}: allow / explicit deny / implicit deny: {counts:?}");
        assert!(counts[0] > 25, "{kind:?}: {counts:?}");
        assert!(counts[1] + counts[2] > 25, "{kind:?}: {counts:?}");
    }
}
