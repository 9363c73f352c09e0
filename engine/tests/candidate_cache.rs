//! The candidate lists a thread keeps (for actions matched only by wildcards, or with
//! `NotAction` statements) answer for their own compiled unit only: one scratch deciding for
//! many compiled sets, in turns, gets each set's own answers — the reference interpreter's.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_compiler::parse_scenario;
use ramjet_engine::{CompiledPolicySet, Decision, Scratch};
use ramjet_reference as reference;

/// A scenario whose one identity policy is `statements`, for `action` on `resource`.
fn scenario(statements: &str, action: &str, resource: &str) -> String {
    format!(
        r#"{{"policies": {{"identity": [{{"name": "p", "document": {{"Version": "1", "Statement": {statements}}}}}]}},
            "request": {{"action": "{action}", "resource": "{resource}"}}}}"#
    )
}

#[test]
fn kept_lists_never_answer_for_another_compiled_set() {
    let allow_describe =
        r#"[{"Effect": "Allow", "Action": "eas:Describe*", "Resource": "acs:eas:*:1:service/a*"}]"#;
    let deny_describe = r#"[{"Effect": "Allow", "Action": "eas:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "eas:Describe*", "Resource": "acs:eas:*:1:service/a*"}]"#;
    let not_action = r#"[{"Effect": "Allow", "NotAction": ["eas:Delete*", "ram:*"], "Resource": "*"},
        {"Effect": "Deny", "NotAction": "eas:Describe*", "Resource": "acs:eas:*:1:service/b*"}]"#;
    let sets = [allow_describe, deny_describe, not_action];
    let actions = [
        "eas:DescribeService",
        "eas:DeleteService",
        "eas:CreateService",
    ];
    let resources = ["acs:eas:cn:1:service/a1", "acs:eas:cn:1:service/b1"];
    let mut cases = Vec::new();
    for statements in sets {
        for action in actions {
            for resource in resources {
                let parsed =
                    parse_scenario(scenario(statements, action, resource).as_bytes()).unwrap();
                let expected = reference::evaluate(&parsed.policies, &parsed.request);
                let compiled = CompiledPolicySet::compile(&parsed.policies).unwrap();
                cases.push((compiled, parsed.request, expected.decision));
            }
        }
    }
    // The answers differ between the sets for the same action: a list kept for one set and
    // used for another would show.
    let decisions: std::collections::HashSet<_> = cases.iter().map(|c| c.2).collect();
    assert_eq!(decisions.len(), 3, "{decisions:?}");
    let mut scratch = Scratch::default();
    for round in 0..3 {
        for (compiled, request, expected) in cases.iter().rev().chain(&cases) {
            let got = compiled.decide(request, &mut scratch).decision;
            assert_eq!(got, *expected, "round {round}: {request:?}");
        }
    }
    assert!(cases.iter().any(|c| c.2 == Decision::Allow));
}

#[test]
fn a_full_cache_starts_again_and_still_answers() {
    // More actions than a thread keeps lists for (4,096): the cache empties and refills.
    let statements = r#"[{"Effect": "Allow", "Action": "eas:Get*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "eas:Get1*", "Resource": "*"}]"#;
    let parsed = parse_scenario(scenario(statements, "eas:Get0", "*").as_bytes()).unwrap();
    let compiled = CompiledPolicySet::compile(&parsed.policies).unwrap();
    let mut scratch = Scratch::default();
    for round in 0..2 {
        for i in 0..5_000 {
            let action = format!("eas:Get{i}");
            let request = ramjet_engine::Request::new(&action, "*").unwrap();
            let want = if action.starts_with("eas:Get1") {
                Decision::Allow
            } else {
                Decision::ExplicitDeny
            };
            assert_eq!(
                compiled.decide(&request, &mut scratch).decision,
                want,
                "{round} {action}"
            );
        }
    }
}
