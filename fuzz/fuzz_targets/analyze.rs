//! `analyze`: differential target of `ramjet analyze`. Two identity policies made around a
//! random request (`src/gen.rs`, so they nearly match it) are compared with
//! `ramjet_analyze::no_new_access`, and the second alone with `access_not_granted` for the
//! request's action. A PASS must have no counterexample among the generated request and
//! requests made from both policies' statements, decided by the reference interpreter; a FAIL's
//! witness must be allowed by the new policy and not by the old, by the reference interpreter.
//!
//! The two policies are also held by a user and a role of a bundle each, and `diff` of the two
//! bundles is checked per principal the same way (the reference interpreter reading the
//! bundles).
//!
//! Then both sets again with a control level, a session policy and a resource-group attachment
//! on either side (picked by the input), checked the same way on the requests also made as role
//! sessions, as the management account's principals and in the resource group.
//!
//! Then a resource-based policy made around the same request goes to `no_public_access` for an
//! owner from the vocabulary: a PASS must let no outside principal (anonymous, another account's,
//! or federated through another account's provider) of the generated requests in (allowed with
//! the resource policy and the principal's own account allowing everything, and not without the
//! resource policy); a FAIL's witness must be made by an outside principal and be allowed, with
//! the resource policy among the allowing statements.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use ramjet_analyze::{access_not_granted, diff, no_new_access, no_public_access, Kind, Verdict};
use ramjet_compiler::model::{Account, Bundle, NamedPolicy, PolicyPlace, Role, User};
use ramjet_compiler::{parse_policy, parse_request, PolicyKind, PolicySet};
use ramjet_engine::{Decision, Principal, PrincipalKind, Request};
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
    let (old_bundle, new_bundle) = (bundle_of(&old_policy), bundle_of(&new_policy));
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
    check_diff(&old_bundle, &new_bundle, &requests, &what);

    // Whole sets: a control level, a session policy and a resource-group attachment on either
    // side, and the requests again as role sessions, as the management account's principals
    // and in the resource group.
    let (Ok(control_doc), Ok(session_doc), Ok(places)) =
        (gen::policy(&mut u, false, &hints), gen::policy(&mut u, false, &hints), u.int_in_range(1..=63u8))
    else {
        return;
    };
    let parsed = |doc: &serde_json::Value, kind| parse_policy(doc.to_string().as_bytes(), kind).ok().map(|p| p.policy);
    let (Some(control), Some(session)) =
        (parsed(&control_doc, PolicyKind::Control), parsed(&session_doc, PolicyKind::Session))
    else {
        return;
    };
    let named = |name: &str, policy: &ramjet_compiler::Policy, group: Option<&str>| NamedPolicy {
        name: name.to_string(),
        resource_group: group.map(str::to_string),
        policy: policy.clone(),
    };
    let (mut old_scoped, mut new_scoped) = (old_set.clone(), new_set.clone());
    for (bit, scoped) in [(0, &mut old_scoped), (1, &mut new_scoped)] {
        if places >> bit & 1 == 1 {
            scoped.control = vec![vec![named("control", &control, None)]];
        }
        if places >> (bit + 2) & 1 == 1 {
            scoped.session = Some(named("session", &session, None));
        }
        if places >> (bit + 4) & 1 == 1 {
            scoped.identity.push(named("grouped", &session, Some("rg-1")));
        }
    }
    let mut scoped_requests = requests.clone();
    for r in &requests {
        let role = PrincipalKind::AssumedRole {
            account: "1111".to_string(),
            role: "r".to_string(),
            session: "s".to_string(),
            id: None,
        };
        scoped_requests.push(r.clone().with_principal(Principal::new(role)));
        let mut manager = Principal::ram_user("1111", "m");
        manager.management_account = true;
        scoped_requests.push(r.clone().with_principal(manager));
        scoped_requests.push(r.clone().with_resource_group("rg-1"));
    }
    let what = || format!("old {old}, new {new}, control {control_doc}, session {session_doc}, places {places}");
    check(&no_new_access(&old_scoped, &new_scoped), &old_scoped, &new_scoped, &scoped_requests, &what);

    let Ok(owner) = gen::pick(&mut u, &["1111", "2222", "9001"]) else {
        return;
    };
    let Ok(resource_doc) = gen::policy(&mut u, true, &hints) else {
        return;
    };
    let Ok(parsed) = parse_policy(resource_doc.to_string().as_bytes(), PolicyKind::Resource) else {
        return;
    };
    let mut requests: Vec<Request> = parse_request(request.to_string().as_bytes()).into_iter().collect();
    requests.extend(requests_for(&parsed.policy, 8, MAX_CONCRETE_CHARS));
    let set = set_of(PolicyKind::Resource, parsed.policy);
    let what = || format!("owner {owner}, resource policy {resource_doc}");
    check_public(&no_public_access(&set, Some(owner)), &set, owner, &requests, &what);
});

/// A bundle where user `u` and role `r` of account 1111 hold `policy`.
fn bundle_of(policy: &ramjet_compiler::Policy) -> Bundle {
    let mut bundle = Bundle::default();
    bundle.policies.insert("P".to_string(), policy.clone());
    let mut account = Account::default();
    account.users.insert("u".to_string(), User { policies: vec!["P".to_string()], groups: Vec::new() });
    account.roles.insert("r".to_string(), Role { policies: vec!["P".to_string()], trust: None });
    bundle.accounts.insert("1111".to_string(), account);
    bundle
}

fn bundle_allows(bundle: &Bundle, request: &Request) -> bool {
    let set = ramjet_reference::bundle_policies(bundle, request);
    allowed(&set, request)
}

/// `diff` of the two bundles: each principal's PASS has no counterexample among the requests
/// made by it; each FAIL's witness is made by it, allowed by the new bundle and not the old.
fn check_diff(old: &Bundle, new: &Bundle, requests: &[Request], what: &dyn Fn() -> String) {
    for change in diff(old, new).changes {
        let principal = match change.kind {
            Kind::User => Principal::ram_user("1111", &change.name),
            Kind::Role => Principal::new(PrincipalKind::AssumedRole {
                account: "1111".to_string(),
                role: change.name.clone(),
                session: "s".to_string(),
                id: None,
            }),
        };
        match &change.verdict {
            Verdict::Pass => {
                for request in requests {
                    let request = request.clone().with_principal(principal.clone());
                    assert!(
                        !bundle_allows(new, &request) || bundle_allows(old, &request),
                        "diff PASS for {}, but {request:?}: {}",
                        change.name,
                        what()
                    );
                }
            }
            Verdict::Fail(witness) => {
                assert_eq!(witness.request["principal"]["name"], change.name.as_str(), "{}", what());
                let request = match parse_request(witness.request.to_string().as_bytes()) {
                    Ok(request) => request,
                    Err(e) => panic!("diff witness {} does not read: {e:?}: {}", witness.request, what()),
                };
                assert!(bundle_allows(new, &request), "diff witness {} not allowed by new: {}", witness.request, what());
                assert!(!bundle_allows(old, &request), "diff witness {} allowed by old: {}", witness.request, what());
            }
            Verdict::Unknown(_) => {}
        }
    }
}

/// Outside the owner's account: anonymous; a root, user or role session of another account
/// (whose id is not the owner's either); federated through another account's provider.
fn outside(request: &Request, owner: &str) -> bool {
    let Some(principal) = request.principal() else {
        return false; // a quick check of the policies, not a caller
    };
    match &principal.kind {
        PrincipalKind::Anonymous => true,
        PrincipalKind::RootAccount { .. } | PrincipalKind::RamUser { .. } | PrincipalKind::AssumedRole { .. } => {
            principal.account() != Some(owner) && principal.id() != Some(owner)
        }
        PrincipalKind::Federated { provider } => {
            provider.strip_prefix("acs:ram::").and_then(|r| r.split(':').next()) != Some(owner)
        }
        PrincipalKind::Service { .. } => false,
    }
}

/// The resource policy with an identity policy that allows everything.
fn with_own_account(set: &PolicySet) -> PolicySet {
    let mut out = set.clone();
    out.identity.push(NamedPolicy {
        name: "own".to_string(),
        resource_group: None,
        policy: ramjet_fuzz::fixed_policy(
            r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
            PolicyKind::Identity,
        ),
    });
    out
}

fn check_public(verdict: &Verdict, set: &PolicySet, owner: &str, requests: &[Request], what: &dyn Fn() -> String) {
    let seen = with_own_account(set);
    let without = PolicySet { resource: None, ..seen.clone() };
    match verdict {
        Verdict::Pass => {
            for request in requests.iter().filter(|r| outside(r, owner)) {
                assert!(
                    !allowed(&seen, request) || allowed(&without, request),
                    "no-public-access PASS, but {request:?} is let in: {}",
                    what()
                );
            }
        }
        Verdict::Fail(witness) => {
            let request = match parse_request(witness.request.to_string().as_bytes()) {
                Ok(request) => request,
                Err(e) => panic!("witness {} does not read: {e:?}: {}", witness.request, what()),
            };
            assert!(outside(&request, owner), "witness {} not outside: {}", witness.request, what());
            let outcome = ramjet_reference::evaluate(&seen, &request);
            assert_eq!(outcome.decision, Decision::Allow, "witness {}: {}", witness.request, what());
            assert!(
                outcome.determining.iter().any(|s| s.place == PolicyPlace::Resource),
                "witness {} not let in by the resource policy: {}",
                witness.request,
                what()
            );
        }
        Verdict::Unknown(_) => {}
    }
}
