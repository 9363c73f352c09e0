//! Statements that share a `Resource` list or a condition test share one compiled test, whose
//! result a request remembers (the memo in `Scratch`), and candidates are visited Deny first, then
//! Allows cheapest first. These tests pin what must not change with that: a remembered result
//! belongs to one request only, a repeated guardrail Deny is reported once per statement, and the
//! determining statements come in document order whatever order they were evaluated in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_compiler::{parse_policy, parse_request, PolicyKind};
use ramjet_engine::model::{NamedPolicy, PolicySet};
use ramjet_engine::CompiledPolicySet;
use ramjet_engine::Decision;
use ramjet_engine::Scratch;
use ramjet_reference as reference;
use serde_json::{json, Value};

fn named(name: &str, document: Value) -> NamedPolicy {
    NamedPolicy {
        name: name.into(),
        resource_group: None,
        policy: parse_policy(document.to_string().as_bytes(), PolicyKind::Identity)
            .unwrap()
            .policy,
    }
}

/// Three policies that each carry the same guardrail Deny (same actions, resource and
/// condition), with Allows that share the resource list of the Deny and a condition key.
fn guarded_set() -> PolicySet {
    let guardrail = json!({"Effect": "Deny", "Action": ["eas:Delete*", "eas:Stop*"],
        "Resource": "acs:eas:*:1234:service/prod-*",
        "Condition": {"NotIpAddress": {"acs:SourceIp": "192.0.2.0/24"}}});
    let mut set = PolicySet::default();
    set.identity.push(named(
        "Ops",
        json!({"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "eas:*", "Resource": "acs:eas:*:1234:service/prod-*",
             "Condition": {"IpAddress": {"acs:SourceIp": ["192.0.2.0/24", "10.0.0.0/8"]}}},
            guardrail,
        ]}),
    ));
    set.identity.push(named(
        "Dev",
        json!({"Version": "1", "Statement": [
            guardrail,
            {"Effect": "Allow", "Action": ["eas:DeleteService", "eas:DescribeService"],
             "Resource": "acs:eas:*:1234:service/prod-*"},
        ]}),
    ));
    set.identity.push(named(
        "Audit",
        json!({"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "eas:Describe*", "Resource": "*"},
            guardrail,
        ]}),
    ));
    set
}

fn request(action: &str, service: &str, ip: &str) -> ramjet_engine::Request {
    let text = json!({"action": action,
        "resource": format!("acs:eas:cn-hangzhou:1234:service/{service}"),
        "principal": {"type": "RamUser", "account": "1234", "name": "u"},
        "context": {"acs:SourceIp": ip}});
    parse_request(text.to_string().as_bytes()).unwrap()
}

/// The determining statements as `Policy#index`, in the order reported.
fn names(outcome: &ramjet_engine::Outcome) -> Vec<String> {
    outcome
        .determining
        .iter()
        .map(|d| format!("{}#{}", d.policy, d.statement))
        .collect()
}

#[test]
fn a_remembered_result_belongs_to_one_request() {
    let set = guarded_set();
    let compiled = CompiledPolicySet::compile(&set).unwrap();
    let mut scratch = Scratch::default();
    // The same scratch, alternating requests whose shared tests go the other way each time.
    let requests = [
        request("eas:DeleteService", "prod-1", "192.0.2.5"),
        request("eas:DeleteService", "prod-1", "203.0.113.9"),
        request("eas:DeleteService", "dev-1", "203.0.113.9"),
        request("eas:DeleteService", "prod-1", "192.0.2.5"),
        request("eas:DescribeService", "prod-2", "203.0.113.9"),
        request("eas:StopService", "prod-2", "10.1.2.3"),
        request("eas:StopService", "prod-2", "192.0.2.200"),
    ];
    let mut decisions = Vec::new();
    for _round in 0..3 {
        for r in &requests {
            let mut want = reference::evaluate(&set, r);
            let verdict = compiled.decide(r, &mut scratch);
            assert_eq!((verdict.decision, verdict.step), (want.decision, want.step));
            let mut got = compiled.outcome(r, &mut scratch);
            want.determining.sort();
            got.determining.sort();
            assert_eq!(got, want, "{r:?}");
            decisions.push(verdict.decision);
        }
    }
    assert_eq!(
        &decisions[..requests.len()],
        [
            Decision::Allow,
            Decision::ExplicitDeny,
            Decision::ImplicitDeny,
            Decision::Allow,
            Decision::Allow,
            Decision::ExplicitDeny,
            Decision::Allow,
        ]
    );
}

#[test]
fn a_repeated_deny_is_reported_once_per_statement_in_document_order() {
    let set = guarded_set();
    let compiled = CompiledPolicySet::compile(&set).unwrap();
    let outcome = compiled.outcome(
        &request("eas:DeleteService", "prod-1", "203.0.113.9"),
        &mut Scratch::default(),
    );
    assert_eq!(outcome.decision, Decision::ExplicitDeny);
    let determining = names(&outcome);
    assert_eq!(determining, ["Ops#1", "Dev#0", "Audit#1"]);

    // Allows too: evaluated cheapest first (the `*` resource before the conditioned one), and
    // reported in document order.
    let outcome = compiled.outcome(
        &request("eas:DescribeService", "prod-3", "192.0.2.9"),
        &mut Scratch::default(),
    );
    assert_eq!(outcome.decision, Decision::Allow);
    let determining = names(&outcome);
    assert_eq!(determining, ["Ops#0", "Dev#1", "Audit#0"]);
}

#[test]
fn condition_keys_share_a_test_in_any_ascii_case() {
    // `acs:SourceIp` and `ACS:sourceip` are one key (spec §4.6), so the two Denies share one
    // test; each still decides as the reference does.
    let mut set = PolicySet::default();
    set.identity.push(named(
        "P",
        json!({"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "eas:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "eas:DeleteService", "Resource": "*",
             "Condition": {"NotIpAddress": {"acs:SourceIp": "192.0.2.0/24"}}},
            {"Effect": "Deny", "Action": "eas:StopService", "Resource": "*",
             "Condition": {"NotIpAddress": {"ACS:sourceip": "192.0.2.0/24"}}},
        ]}),
    ));
    let compiled = CompiledPolicySet::compile(&set).unwrap();
    let mut scratch = Scratch::default();
    for (action, ip, expected) in [
        ("eas:DeleteService", "192.0.2.1", Decision::Allow),
        ("eas:StopService", "203.0.113.1", Decision::ExplicitDeny),
        ("eas:StopService", "192.0.2.1", Decision::Allow),
        ("eas:DeleteService", "203.0.113.1", Decision::ExplicitDeny),
    ] {
        let r = request(action, "s", ip);
        assert_eq!(reference::evaluate(&set, &r).decision, expected);
        assert_eq!(
            compiled.decide(&r, &mut scratch).decision,
            expected,
            "{action} {ip}"
        );
    }
}
