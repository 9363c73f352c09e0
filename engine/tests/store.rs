//! The store under concurrent swaps: reader threads check requests while a writer swaps bundles;
//! every decision must be the one the bundle of the revision it reports gives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_compiler::{parse_policy, parse_request, PolicyKind};
use ramjet_engine::model::{Account, Bundle, Group, User};
use ramjet_engine::PolicyStore;
use ramjet_engine::Scratch;
use ramjet_engine::{batch, Request};
use ramjet_reference as reference;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

fn policy(text: &str) -> ramjet_engine::model::Policy {
    parse_policy(text.as_bytes(), PolicyKind::Identity)
        .unwrap()
        .policy
}

/// Bundle `k`: alice may call actions whose name has the digit `k % 3`, from 10.0.0.0/8, and is
/// denied deletes in generation `k % 2 == 1`.
fn bundle(k: usize) -> Bundle {
    let digit = k % 3;
    let mut b = Bundle::default();
    b.policies.insert(
        "Gen".into(),
        policy(&format!(
            r#"{{"Version": "1", "Statement": [
                {{"Effect": "Allow", "Action": ["eas:*{digit}*", "oss:Get*"], "Resource": "*", "Condition": {{"IpAddress": {{"acs:SourceIp": "10.0.0.0/8"}}}}}},
                {{"Effect": "{}", "Action": "eas:Delete*", "Resource": "acs:eas:*:*:service/*"}}]}}"#,
            if k % 2 == 1 { "Deny" } else { "Allow" }
        )),
    );
    let mut account = Account::default();
    account.groups.insert(
        "g".into(),
        Group {
            policies: vec!["Gen".into()],
        },
    );
    account.users.insert(
        "alice".into(),
        User {
            policies: vec![],
            groups: vec!["g".into()],
        },
    );
    b.accounts.insert("111".into(), account);
    b
}

fn requests() -> Vec<Request> {
    let mut out = Vec::new();
    for action in [
        "eas:Create0",
        "eas:Create1",
        "eas:Create2",
        "eas:Delete1",
        "eas:Delete0Service",
        "oss:GetObject",
    ] {
        for ip in ["10.1.2.3", "192.0.2.1"] {
            out.push(
                parse_request(
                    format!(r#"{{"action": "{action}", "resource": "acs:eas:cn:111:service/s", "principal": {{"type": "RamUser", "account": "111", "name": "alice"}}, "context": {{"acs:SourceIp": "{ip}"}}}}"#)
                        .as_bytes(),
                )
                .unwrap(),
            );
        }
    }
    out
}

#[test]
fn a_reader_sees_each_swap_at_its_next_check() {
    let store = PolicyStore::new(&bundle(0)).unwrap();
    let mut reader = store.reader();
    for k in 1..=5 {
        let revision = store.swap(&bundle(k)).unwrap();
        for (index, request) in requests().iter().enumerate() {
            let checked = reader.check(request);
            assert_eq!(checked.revision, revision);
            let expected =
                reference::evaluate(&reference::bundle_policies(&bundle(k), request), request);
            assert_eq!(
                checked.verdict.decision, expected.decision,
                "request {index}"
            );
            let outcome = reader.outcome(request);
            assert_eq!(
                (outcome.decision, outcome.step),
                (expected.decision, expected.step)
            );
            let key = |r: &ramjet_engine::StatementRef| (r.policy.clone(), r.statement);
            let mut got: Vec<_> = outcome.determining.iter().map(key).collect();
            let mut want: Vec<_> = expected.determining.iter().map(key).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "request {index}");
        }
    }
}

#[test]
fn readers_see_whole_snapshots_while_bundles_swap() {
    let store = PolicyStore::new(&bundle(0)).unwrap();
    let bundles: Mutex<HashMap<u64, usize>> = Mutex::new(HashMap::from([(1, 0)]));
    let requests = requests();
    let done = AtomicBool::new(false);
    let observations: Vec<Vec<(u64, usize, ramjet_engine::Decision)>> =
        std::thread::scope(|scope| {
            let readers: Vec<_> = (0..3)
                .map(|t| {
                    let (store, requests, done) = (&store, &requests, &done);
                    scope.spawn(move || {
                        // Reader 0 keeps a `StoreReader`; the others load per check.
                        let mut reader = store.reader();
                        let mut scratch = Scratch::default();
                        let mut seen = Vec::new();
                        let mut i = t;
                        while !done.load(Ordering::Relaxed) || seen.len() < 1000 {
                            let index = i % requests.len();
                            let checked = if t == 0 {
                                reader.check(&requests[index])
                            } else {
                                store.check(&requests[index], &mut scratch)
                            };
                            seen.push((checked.revision, index, checked.verdict.decision));
                            i += 1;
                        }
                        seen
                    })
                })
                .collect();
            for k in 1..=60 {
                let revision = store.swap(&bundle(k)).unwrap();
                bundles.lock().unwrap().insert(revision, k);
                std::thread::yield_now();
            }
            done.store(true, Ordering::Relaxed);
            readers.into_iter().map(|r| r.join().unwrap()).collect()
        });
    let bundles = bundles.into_inner().unwrap();
    let mut revisions_seen = std::collections::HashSet::new();
    for (revision, index, decision) in observations.into_iter().flatten() {
        let k = bundles[&revision];
        let request = &requests[index];
        let expected =
            reference::evaluate(&reference::bundle_policies(&bundle(k), request), request);
        assert_eq!(
            decision, expected.decision,
            "revision {revision} (bundle {k}), request {index}"
        );
        revisions_seen.insert(revision);
    }
    assert!(
        revisions_seen.len() > 1,
        "readers saw only {revisions_seen:?}"
    );
}

#[test]
fn batches_keep_order_and_use_one_revision_per_chunk() {
    let store = PolicyStore::new(&bundle(1)).unwrap();
    let base = requests();
    let requests: Vec<Request> = base
        .iter()
        .cycle()
        .take(batch::CHUNK * 5 + 17)
        .cloned()
        .collect();
    let checked = batch::check_all(&store, &requests);
    assert_eq!(checked.len(), requests.len());
    let b = bundle(1);
    for (request, checked) in requests.iter().zip(&checked) {
        let expected = reference::evaluate(&reference::bundle_policies(&b, request), request);
        assert_eq!(checked.verdict.decision, expected.decision);
        assert_eq!(checked.revision, 1);
    }
}

#[test]
fn the_writer_not_a_reader_frees_a_replaced_snapshot() {
    let store = PolicyStore::new(&bundle(0)).unwrap();
    let first = store.snapshot();
    store.swap(&bundle(1)).unwrap();
    // Held by this test and kept by the store until the next swap, so that a reader's next
    // check does not pay for freeing it.
    assert_eq!(std::sync::Arc::strong_count(&first), 2);
    store.swap(&bundle(2)).unwrap();
    assert_eq!(std::sync::Arc::strong_count(&first), 1);
    assert_eq!(store.snapshot().revision(), 3);
}
