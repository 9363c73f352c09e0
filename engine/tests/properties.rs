//! Properties of the reference interpreter and the parser that hold for every input: the
//! generator in `support/` draws random policy sets and requests (every operator and modifier,
//! wildcards, NotAction/NotResource, principals, all evaluation steps).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

mod support;

use proptest::prelude::*;
use ramjet_compiler::wildcard::glob_matches;
use ramjet_compiler::{parse_policy, parse_request, parse_scenario, PolicyKind};
use ramjet_engine::{Decision, PrincipalKind};
use ramjet_reference as reference;
use serde_json::{json, Value};

fn decide(scenario: &Value) -> ramjet_engine::Outcome {
    let parsed = parse_scenario(scenario.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("generated scenario rejected: {e:?}\n{scenario}"));
    reference::evaluate(&parsed.policies, &parsed.request)
}

/// Applies `edit` to every policy document of the scenario.
fn each_document(scenario: &mut Value, edit: &dyn Fn(&mut Value)) {
    fn edit_one(document: &mut Value, edit: &dyn Fn(&mut Value)) {
        match document.get_mut("document") {
            Some(inner) => edit(inner),
            None => edit(document),
        }
    }
    let Some(policies) = scenario["policies"].as_object_mut() else {
        return;
    };
    for (kind, value) in policies.iter_mut() {
        match kind.as_str() {
            "identity" => value
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .for_each(|d| edit_one(d, edit)),
            "control" => {
                for level in value.as_array_mut().unwrap() {
                    level
                        .as_array_mut()
                        .unwrap()
                        .iter_mut()
                        .for_each(|d| edit_one(d, edit));
                }
            }
            _ => edit_one(value, edit),
        }
    }
}

fn glob_to_regex(pattern: &str, ascii_case_insensitive: bool) -> regex::Regex {
    let mut re = String::from("(?s)^");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c if ascii_case_insensitive && c.is_ascii_alphabetic() => re.push_str(&format!(
                "[{}{}]",
                c.to_ascii_lowercase(),
                c.to_ascii_uppercase()
            )),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Statement order never changes the result (spec §6.1).
    #[test]
    fn statement_order_does_not_matter(scenario in support::scenario()) {
        let before = decide(&scenario);
        let mut reversed = scenario.clone();
        each_document(&mut reversed, &|doc| {
            doc["Statement"].as_array_mut().unwrap().reverse();
        });
        let after = decide(&reversed);
        prop_assert_eq!(before.decision, after.decision);
        prop_assert_eq!(before.step, after.step);
        prop_assert_eq!(before.determining.len(), after.determining.len());
    }

    /// Duplicated statements never change the decision (spec §6.1).
    #[test]
    fn duplicate_statements_do_not_matter(scenario in support::scenario()) {
        let before = decide(&scenario);
        let mut doubled = scenario.clone();
        each_document(&mut doubled, &|doc| {
            let statements = doc["Statement"].as_array_mut().unwrap();
            let copy = statements.clone();
            statements.extend(copy);
        });
        let after = decide(&doubled);
        prop_assert_eq!(before.decision, after.decision);
        prop_assert_eq!(before.step, after.step);
        prop_assert_eq!(before.determining.len() * 2, after.determining.len());
    }

    /// An unconditional account-scope identity Deny of everything denies every principal that
    /// identity policies apply to.
    #[test]
    fn identity_deny_all_always_denies(scenario in support::scenario()) {
        let mut denied = scenario.clone();
        denied["policies"]["identity"].as_array_mut().unwrap().push(
            json!({"name": "DenyAll", "document": {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}}),
        );
        let outcome = decide(&denied);
        let kind = scenario["request"]["principal"]["type"].as_str();
        if kind != Some("RootAccount") && kind != Some("Anonymous") {
            prop_assert_ne!(outcome.decision, Decision::Allow);
        }
    }

    /// Determining statements are exactly as §6.3 says: Deny statements for ExplicitDeny, none
    /// for ImplicitDeny, and each one names a statement of the scenario with the right effect.
    #[test]
    fn determining_statements_match_the_decision(scenario in support::scenario()) {
        let parsed = parse_scenario(scenario.to_string().as_bytes()).unwrap();
        let outcome = reference::evaluate(&parsed.policies, &parsed.request);
        if outcome.decision == Decision::ImplicitDeny {
            prop_assert!(outcome.determining.is_empty());
        }
        if outcome.decision == Decision::ExplicitDeny {
            prop_assert!(!outcome.determining.is_empty());
        }
        let is_root = matches!(parsed.request.principal().map(|p| &p.kind), Some(PrincipalKind::RootAccount { .. }));
        if outcome.decision == Decision::Allow && !is_root {
            prop_assert!(!outcome.determining.is_empty());
        }
        for reference in &outcome.determining {
            let policy = parsed.policies.at(reference.place).unwrap();
            let statement = &policy.policy.statements[reference.statement];
            let want = if outcome.decision == Decision::Allow {
                ramjet_compiler::Effect::Allow
            } else {
                ramjet_compiler::Effect::Deny
            };
            prop_assert_eq!(statement.effect, want);
            prop_assert_eq!(&statement.sid, &reference.sid);
        }
    }

    /// The glob matcher agrees with a regular-expression oracle.
    #[test]
    fn glob_matches_agrees_with_regex(
        pattern in "[ab:/*?é]{0,12}",
        text in "[ab:/é]{0,16}",
        fold in any::<bool>(),
    ) {
        let oracle = glob_to_regex(&pattern, fold);
        prop_assert_eq!(glob_matches(&pattern, &text, fold), oracle.is_match(&text));
    }

    /// Matching text built from the pattern itself: biased toward matches.
    #[test]
    fn glob_matches_its_own_instances(pattern in "[ab:/*?]{0,10}", fill in "[ab:/]{0,3}") {
        let instance: String = pattern.chars().map(|c| match c {
            '*' => fill.clone(),
            '?' => "x".to_string(),
            c => c.to_string(),
        }).collect();
        prop_assert!(glob_matches(&pattern, &instance, false));
    }

    /// No input makes the readers panic: arbitrary bytes, and generated scenarios cut short or
    /// with a byte changed.
    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_policy(&bytes, PolicyKind::Identity);
        let _ = parse_request(&bytes);
        let _ = parse_scenario(&bytes);
    }

    #[test]
    fn readers_never_panic_on_damaged_scenarios(
        scenario in support::scenario(),
        cut in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let text = scenario.to_string().into_bytes();
        let _ = parse_scenario(&text[..cut.index(text.len() + 1)]);
        let mut changed = text.clone();
        if !changed.is_empty() {
            changed[at.index(text.len())] = byte;
        }
        if let Ok(parsed) = parse_scenario(&changed) {
            let _ = reference::evaluate(&parsed.policies, &parsed.request);
        }
    }
}

/// The generator reaches every decision at every step, so the properties above are not vacuous.
#[test]
fn generator_reaches_every_decision_and_step() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::HashMap;
    let mut runner = TestRunner::deterministic();
    let strategy = support::scenario();
    let mut seen: HashMap<(Decision, ramjet_engine::Step), usize> = HashMap::new();
    for _ in 0..3_000 {
        let scenario = strategy.new_tree(&mut runner).unwrap().current();
        let outcome = decide(&scenario);
        *seen.entry((outcome.decision, outcome.step)).or_default() += 1;
    }
    eprintln!("{seen:?}");
    use ramjet_engine::Step::*;
    for key in [
        (Decision::Allow, Final),
        (Decision::ExplicitDeny, Final),
        (Decision::ImplicitDeny, Final),
        (Decision::ExplicitDeny, Control),
        (Decision::ImplicitDeny, Control),
        (Decision::ExplicitDeny, Session),
        (Decision::ImplicitDeny, Session),
    ] {
        assert!(
            seen.get(&key).copied().unwrap_or(0) >= 10,
            "{key:?} reached {:?} times: {seen:?}",
            seen.get(&key)
        );
    }
    assert!(seen[&(Decision::Allow, Final)] >= 300, "{seen:?}");
}
