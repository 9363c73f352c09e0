//! Every conformance scenario in `corpus/conformance/` through the reference interpreter and
//! the compiled engine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_compiler::{parse_scenario, Scenario};
use ramjet_engine::batch;
use ramjet_engine::model::{Bundle, Role, User};
use ramjet_engine::CompiledPolicySet;
use ramjet_engine::PolicyStore;
use ramjet_engine::Scratch;
use ramjet_engine::{Outcome, Principal, PrincipalKind, Request};
use ramjet_reference as reference;
use ramjet_reference::conformance::Expected;
use ramjet_reference::conformance::{load_cases, Case};
use std::path::Path;

fn cases() -> Vec<Case> {
    load_cases(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/conformance")).unwrap()
}

fn run_all(engine: &dyn Fn(&Scenario) -> Outcome) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/conformance");
    let cases: Vec<Case> = load_cases(&dir).unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let answer = parse_scenario(&case.scenario)
            .map(|s| engine(&s))
            .map_err(|diagnostics| {
                diagnostics
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        if let Err(why) = case.check(answer.as_ref().map_err(String::as_str)) {
            failures.push(format!("{} ({}): {why}", case.name, case.spec));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn compiled_engine_passes_every_conformance_case() {
    let mut scratch = Scratch::default();
    let scratch = std::cell::RefCell::new(&mut scratch);
    run_all(&|scenario| {
        let compiled = CompiledPolicySet::compile(&scenario.policies).unwrap();
        let outcome = compiled.outcome(&scenario.request, &mut scratch.borrow_mut());
        let verdict = compiled.decide(&scenario.request, &mut scratch.borrow_mut());
        assert_eq!(
            (verdict.decision, verdict.step),
            (outcome.decision, outcome.step)
        );
        outcome
    });
}

#[test]
fn reference_interpreter_passes_every_conformance_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/conformance");
    let cases = load_cases(&dir).unwrap();
    assert!(cases.len() >= 200, "only {} conformance cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let answer = parse_scenario(&case.scenario)
            .map(|s| reference::evaluate(&s.policies, &s.request))
            .map_err(|diagnostics| {
                diagnostics
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        if let Err(why) = case.check(answer.as_ref().map_err(String::as_str)) {
            failures.push(format!(
                "{} ({}, {}): {why}",
                case.name,
                case.file.file_name().unwrap().to_string_lossy(),
                case.spec
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The batch path: every decision case at once, in parallel chunks with per-worker scratch
/// shared across unrelated policy sets; answers come back in order.
#[test]
fn batch_path_passes_every_conformance_case() {
    let cases: Vec<(Case, CompiledPolicySet, Scenario)> = cases()
        .into_iter()
        .filter(|c| matches!(c.expect, Expected::Decision { .. }))
        .map(|c| {
            let scenario = parse_scenario(&c.scenario).unwrap();
            let compiled = CompiledPolicySet::compile(&scenario.policies).unwrap();
            (c, compiled, scenario)
        })
        .collect();
    // Repeat the suite so that it spans several chunks.
    let items: Vec<&(Case, CompiledPolicySet, Scenario)> =
        cases.iter().cycle().take(cases.len() * 8).collect();
    let outcomes: Vec<_> = batch::par_map_chunks(&items, batch::CHUNK, |chunk, scratch| {
        chunk
            .iter()
            .map(|(_, compiled, scenario)| compiled.outcome(&scenario.request, scratch))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(outcomes.len(), items.len());
    let failures: Vec<String> = items
        .iter()
        .zip(&outcomes)
        .filter_map(|((case, _, _), outcome)| {
            case.check(Ok(outcome))
                .err()
                .map(|why| format!("{}: {why}", case.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A scenario as a bundle, where a bundle can say the same thing: identity policies attached to
/// the request's user or role, a trust policy on the role being assumed, control levels on the
/// principal's (else the resource's) account. `None` when it cannot (a session policy, identity
/// policies for a principal a bundle gives none, a resource policy that is not a trust policy).
/// A quick check (no principal) without a resource policy becomes the same request by a RAM user
/// of the resource's account, which the same policies decide the same way.
fn as_bundle(scenario: &Scenario) -> Option<(Bundle, Request)> {
    let set = &scenario.policies;
    let mut request = scenario.request.clone();
    if set.session.is_some() {
        return None;
    }
    if request.principal().is_none() && set.resource.is_none() {
        let account = request
            .resource_account()
            .filter(|a| !a.is_empty() && *a != "*")
            .unwrap_or("100000000000000")
            .to_string();
        request = request.with_principal(Principal::ram_user(&account, "conformance-user"));
    }
    let request = &request;
    let mut bundle = Bundle::default();
    for policy in set.iter().map(|(_, p)| p) {
        let earlier = bundle
            .policies
            .insert(policy.name.clone(), policy.policy.clone());
        if earlier.is_some() {
            // A bundle names each policy once (a file per name).
            return None;
        }
    }
    let principal = request.principal();
    let account_scope: Vec<String> = set
        .identity
        .iter()
        .filter(|p| p.resource_group.is_none())
        .map(|p| p.name.clone())
        .collect();
    let group_scope: Vec<(String, String)> = set
        .identity
        .iter()
        .filter_map(|p| Some((p.resource_group.clone()?, p.name.clone())))
        .collect();
    match principal.map(|p| &p.kind) {
        Some(PrincipalKind::RamUser { account, name, .. }) => {
            let a = bundle.accounts.entry(account.clone()).or_default();
            a.users.insert(
                name.clone(),
                User {
                    policies: account_scope,
                    groups: vec![],
                },
            );
            for (rg, policy) in group_scope {
                a.resource_group_policies
                    .entry(rg)
                    .or_default()
                    .users
                    .entry(name.clone())
                    .or_default()
                    .push(policy);
            }
        }
        Some(PrincipalKind::AssumedRole { account, role, .. }) => {
            let a = bundle.accounts.entry(account.clone()).or_default();
            a.roles.insert(
                role.clone(),
                Role {
                    policies: account_scope,
                    trust: None,
                },
            );
            for (rg, policy) in group_scope {
                a.resource_group_policies
                    .entry(rg)
                    .or_default()
                    .roles
                    .entry(role.clone())
                    .or_default()
                    .push(policy);
            }
        }
        _ if !set.identity.is_empty() => return None,
        _ => {}
    }
    if let Some(resource) = &set.resource {
        let is_assume = request
            .action()
            .to_ascii_lowercase()
            .starts_with("sts:assumerole");
        let (account, role) = request
            .resource()
            .strip_prefix("acs:ram::")?
            .split_once(':')
            .and_then(|(a, rel)| Some((a, rel.strip_prefix("role/")?)))?;
        if !is_assume || role.is_empty() || role.contains('/') {
            return None;
        }
        let a = bundle.accounts.entry(account.to_string()).or_default();
        a.roles.entry(role.to_string()).or_default().trust = Some(resource.name.clone());
    }
    if !set.control.is_empty() {
        let account = principal
            .and_then(|p| p.account())
            .or_else(|| request.resource_account())?;
        bundle
            .accounts
            .entry(account.to_string())
            .or_default()
            .control = set
            .control
            .iter()
            .map(|level| level.iter().map(|p| p.name.clone()).collect())
            .collect();
    }
    Some((bundle, request.clone()))
}

/// The store: every decision case a bundle can express, loaded into a `PolicyStore` (swapped in
/// one after another) and decided through its snapshot's principal resolution.
#[test]
fn store_passes_every_conformance_case_a_bundle_can_express() {
    let store = PolicyStore::new(&Bundle::default()).unwrap();
    let mut scratch = Scratch::default();
    let (mut checked, mut failures) = (0, Vec::new());
    for case in cases() {
        if !matches!(case.expect, Expected::Decision { .. }) {
            continue;
        }
        let scenario = parse_scenario(&case.scenario).unwrap();
        let Some((bundle, request)) = as_bundle(&scenario) else {
            continue;
        };
        let revision = store.swap(&bundle).unwrap();
        let snapshot = store.snapshot();
        assert_eq!(snapshot.revision(), revision);
        let mut outcome = snapshot.outcome(&request, &mut scratch);
        // A bundle's principal lists its account-scope policies before its resource-group ones,
        // so an identity policy's index may differ from the scenario's: with every name unique,
        // check the kind and take the scenario's place.
        for d in &mut outcome.determining {
            let place = scenario.policies.placed().find(|(_, p)| p.name == d.policy);
            match place {
                Some((place, _)) if place.kind() == d.place.kind() => d.place = place,
                _ => failures.push(format!("{}: {d:?} is not in the scenario", case.name)),
            }
        }
        if let Err(why) = case.check(Ok(&outcome)) {
            failures.push(format!("{}: {why}", case.name));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{checked} cases decided through the store");
    assert!(
        checked >= 240,
        "only {checked} cases expressible as bundles"
    );
}
