//! `analyze`: differential target of `ramjet analyze`. Two identity policies made around a
//! random request (`src/gen.rs`, so they nearly match it) are compared with
//! `ramjet_analyze::no_new_access`, and the second alone with `access_not_granted` for the
//! request's action. A PASS must have no counterexample among the generated request and
//! requests made from both policies' statements, decided by the reference interpreter; a FAIL's
//! witness must be allowed by the new policy and not by the old, by the reference interpreter.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use ramjet_analyze::{access_not_granted, no_new_access, Verdict};
use ramjet_compiler::{parse_policy, parse_request, PolicyKind, PolicySet};
use ramjet_engine::{Decision, Request};
use ramjet_fuzz::{gen, requests_for, set_of, MAX_CONCRETE_CHARS};

fn allowed(set: &PolicySet, request: &Request) -> bool {
    ramjet_reference::evaluate(set, request).decision == Decision::Allow
}

fn check(verdict: &Verdict, old: &PolicySet, new: &PolicySet, requests: &[Request], what: &dyn Fn() -> String) {
    match verdict {
        Verdict::Pass => {
            for request in requests {
                assert!(
                    !allowed(new, request) || allowed(old, request),
                    "PASS with a counterexample {request:?}: {}",
                    what()
                );
            }
        }
        Verdict::Fail(witness) => {
            let request = match parse_request(witness.request.to_string().as_bytes()) {
                Ok(request) => request,
                Err(e) => panic!("witness {} does not read: {e:?}: {}", witness.request, what()),
            };
            assert!(allowed(new, &request), "witness {} not allowed by new: {}", witness.request, what());
            assert!(!allowed(old, &request), "witness {} allowed by old: {}", witness.request, what());
        }
        Verdict::Unknown(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok((request, hints)) = gen::request(&mut u) else {
        return;
    };
    let (Ok(old), Ok(new)) = (gen::policy(&mut u, false, &hints), gen::policy(&mut u, false, &hints)) else {
        return;
    };
    let read = |doc: &serde_json::Value| {
        parse_policy(doc.to_string().as_bytes(), PolicyKind::Identity)
            .ok()
            .map(|p| p.policy)
    };
    let (Some(old_policy), Some(new_policy)) = (read(&old), read(&new)) else {
        return;
    };
    let mut requests: Vec<Request> = parse_request(request.to_string().as_bytes()).into_iter().collect();
    requests.extend(requests_for(&old_policy, 6, MAX_CONCRETE_CHARS));
    requests.extend(requests_for(&new_policy, 6, MAX_CONCRETE_CHARS));
    let old_set = set_of(PolicyKind::Identity, old_policy);
    let new_set = set_of(PolicyKind::Identity, new_policy);
    let what = || format!("old {old}, new {new}");
    check(&no_new_access(&old_set, &new_set), &old_set, &new_set, &requests, &what);

    let action = hints.action.clone();
    let asked: Vec<Request> = requests.iter().filter(|r| r.action() == action).cloned().collect();
    let verdict = access_not_granted(&new_set, &[action.clone()], None);
    if let Verdict::Fail(witness) = &verdict {
        assert_eq!(witness.request["action"], action.as_str(), "{}", what());
    }
    check(&verdict, &PolicySet::default(), &new_set, &asked, &what);
});
