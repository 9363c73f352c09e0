//! The compiled engine agrees with the reference interpreter — decision, step and determining
//! statements — on random policy sets and requests (every operator and modifier, wildcards,
//! NotAction/NotResource, principals, all evaluation steps), 10,000 cases per run. One scratch
//! serves every case, as a thread's does: the candidate lists it keeps per compiled unit must
//! never answer for another.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

mod support;

use proptest::prelude::*;
use ramjet_compiler::parse_scenario;
use ramjet_engine::CompiledPolicySet;
use ramjet_engine::Scratch;
use ramjet_reference as reference;
use std::cell::RefCell;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn compiled_engine_agrees_with_reference(scenario in support::scenario()) {
        let parsed = parse_scenario(scenario.to_string().as_bytes()).unwrap();
        let expected = reference::evaluate(&parsed.policies, &parsed.request);
        let compiled = CompiledPolicySet::compile(&parsed.policies).unwrap();
        let mut got = SCRATCH.with(|s| compiled.outcome(&parsed.request, &mut s.borrow_mut()));
        // The fast path (decision only, early exit on Allow) decides the same — the first time
        // from candidates it gathers and keeps, the second from the kept list.
        for _ in 0..2 {
            let verdict = SCRATCH.with(|s| compiled.decide(&parsed.request, &mut s.borrow_mut()));
            prop_assert_eq!((verdict.decision, verdict.step), (expected.decision, expected.step));
        }
        let mut want = expected;
        got.determining.sort();
        want.determining.sort();
        prop_assert_eq!(got, want, "scenario: {}", scenario);
    }
}

mod bundles {
    use super::support;
    use proptest::prelude::*;
    use proptest::sample::{select, subsequence};
    use ramjet_compiler::{parse_policy, parse_request, PolicyKind};
    use ramjet_engine::model::{Account, Bundle, Group, ResourceGroupAttachments, Role, User};
    use ramjet_engine::Scratch;
    use ramjet_engine::Snapshot;
    use ramjet_reference as reference;
    use serde_json::Value;

    const IDENTITY: [&str; 5] = ["I0", "I1", "I2", "I3", "I4"];

    fn names() -> impl Strategy<Value = Vec<String>> {
        subsequence(IDENTITY.to_vec(), 0..3).prop_map(|v| v.into_iter().map(String::from).collect())
    }

    fn account() -> impl Strategy<Value = Account> {
        (
            names(),
            names(),
            any::<bool>(),
            names(),
            any::<bool>(),
            names(),
            prop::option::of(select(vec!["rg-1", "rg-2"])),
            proptest::collection::vec(names(), 0..3),
            prop::bool::weighted(0.2),
        )
            .prop_map(
                |(user, group, in_group, role, trusted, rg, rg_name, control, management)| {
                    let mut a = Account::default();
                    a.groups.insert("g".into(), Group { policies: group });
                    a.users.insert(
                        "alice".into(),
                        User {
                            policies: user,
                            groups: if in_group { vec!["g".into()] } else { vec![] },
                        },
                    );
                    a.roles.insert(
                        "runner".into(),
                        Role {
                            policies: role,
                            trust: trusted.then(|| "Trust".to_string()),
                        },
                    );
                    if let Some(rg_name) = rg_name {
                        let mut attachments = ResourceGroupAttachments::default();
                        attachments.users.insert("alice".into(), rg.clone());
                        attachments.roles.insert("runner".into(), rg.clone());
                        attachments.groups.insert("g".into(), rg);
                        a.resource_group_policies
                            .insert(rg_name.into(), attachments);
                    }
                    a.control = control
                        .into_iter()
                        .map(|level| level.into_iter().collect())
                        .collect();
                    a.management_account = management;
                    a
                },
            )
    }

    fn bundle() -> impl Strategy<Value = Bundle> {
        (
            proptest::collection::vec(support::policy(false), 5),
            support::policy(true),
            account(),
            account(),
        )
            .prop_map(|(identity, trust, a, b)| {
                let mut bundle = Bundle::default();
                let read =
                    |v: &Value, kind| parse_policy(v.to_string().as_bytes(), kind).unwrap().policy;
                for (name, doc) in IDENTITY.iter().zip(&identity) {
                    bundle
                        .policies
                        .insert(name.to_string(), read(doc, PolicyKind::Identity));
                }
                bundle
                    .policies
                    .insert("Trust".into(), read(&trust, PolicyKind::Resource));
                bundle.accounts.insert(support::ACCOUNTS[0].into(), a);
                bundle.accounts.insert(support::ACCOUNTS[1].into(), b);
                bundle
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        /// A compiled snapshot resolves principals, trust policies and control levels from the
        /// bundle exactly as the reference reading of interfaces.md does, and decides the same.
        #[test]
        fn snapshot_agrees_with_reference_bundle_reading(
            bundle in bundle(),
            requests in proptest::collection::vec(support::request(), 1..8),
        ) {
            let snapshot = Snapshot::compile(&bundle, 1).unwrap();
            let mut scratch = Scratch::default();
            for request in requests {
                let request = parse_request(request.to_string().as_bytes()).unwrap();
                let mut want = reference::evaluate(&reference::bundle_policies(&bundle, &request), &request);
                let mut got = snapshot.outcome(&request, &mut scratch);
                let verdict = snapshot.check(&request, &mut scratch).verdict;
                prop_assert_eq!((verdict.decision, verdict.step), (want.decision, want.step));
                want.determining.sort();
                got.determining.sort();
                prop_assert_eq!(got, want);
            }
        }
    }
}
