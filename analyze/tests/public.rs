//! `no_public_access` against brute force: random resource-based policies (trust and bucket
//! policies) over a shared vocabulary of principals, actions, resources and conditions, and every
//! request of a bounded universe made by an outside principal (anonymous, roots, users, role
//! sessions and federated identities of other accounts) decided by the reference interpreter
//! with the principal's own account allowing everything. A PASS must have no such request
//! allowed; a FAIL's witness must be made by an outside principal and be allowed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use ramjet_analyze::{no_public_access, Verdict};
use ramjet_compiler::model::{NamedPolicy, PatternList, Policy, PolicyPlace, PolicySet, Statement};
use ramjet_compiler::{parse_policy, parse_request, Effect, PolicyKind};
use ramjet_engine::{Decision, Request};

const OWNER: &str = "1111111111111111";
const OTHER: &str = "2222222222222222";

const PRINCIPALS: &[&str] = &[
    r#""*""#,
    r#"{"RAM": ["acs:ram::1111111111111111:root"]}"#,
    r#"{"RAM": ["acs:ram::2222222222222222:root"]}"#,
    r#"{"RAM": ["acs:ram::*:root"]}"#,
    r#"{"RAM": ["acs:ram::2222222222222222:user/bob"]}"#,
    r#"{"RAM": ["acs:ram::*:role/deploy*"]}"#,
    r#"{"RAM": ["acs:ram::1111111111111111:role/*"]}"#,
    r#"{"Service": ["ecs.aliyuncs.com"]}"#,
    r#"{"Federated": ["acs:ram::2222222222222222:saml-provider/idp"]}"#,
    r#"{"Federated": ["acs:ram::1111111111111111:saml-provider/idp"]}"#,
];
const ACTIONS: &[&str] = &["sts:AssumeRole", "oss:GetObject", "oss:*", "*"];
const RESOURCES: &[&str] = &[
    "",
    r#", "Resource": "*""#,
    r#", "Resource": "acs:oss:*:*:b/*""#,
    r#", "Resource": "acs:oss:*:*:b/private/*""#,
];
const CONDITIONS: &[&str] = &[
    "",
    r#", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}"#,
    r#", "Condition": {"Bool": {"acs:SecureTransport": "true"}}"#,
];

fn statement() -> impl Strategy<Value = String> {
    (
        prop_oneof![3 => Just("Allow"), 1 => Just("Deny")],
        proptest::sample::select(PRINCIPALS),
        proptest::sample::subsequence(ACTIONS, 1..3),
        proptest::sample::select(RESOURCES),
        proptest::sample::select(CONDITIONS),
    )
        .prop_map(|(effect, principal, actions, resource, condition)| {
            format!(
                r#"{{"Effect": "{effect}", "Principal": {principal}, "Action": {}{resource}{condition}}}"#,
                serde_json::to_string(&actions).unwrap()
            )
        })
}

fn resource_set(statements: &[String]) -> PolicySet {
    let doc = format!(
        r#"{{"Version": "1", "Statement": [{}]}}"#,
        statements.join(", ")
    );
    let policy = parse_policy(doc.as_bytes(), PolicyKind::Resource)
        .unwrap()
        .policy;
    PolicySet {
        resource: Some(NamedPolicy {
            name: "r".to_string(),
            resource_group: None,
            policy,
        }),
        ..PolicySet::default()
    }
}

/// The resource policy with an identity policy allowing everything: what an outside principal's
/// own account may grant.
fn as_outsiders_see_it(set: &PolicySet) -> PolicySet {
    let everything = || PatternList {
        negated: false,
        patterns: vec!["*".to_string()],
    };
    let mut out = set.clone();
    out.identity.push(NamedPolicy {
        name: "own".to_string(),
        resource_group: None,
        policy: Policy {
            statements: vec![Statement {
                sid: None,
                effect: Effect::Allow,
                actions: everything(),
                resources: Some(everything()),
                principal: None,
                conditions: Vec::new(),
            }],
        },
    });
    out
}

fn outside_principals() -> Vec<String> {
    let mut out = vec![r#"{"type": "Anonymous"}"#.to_string()];
    for account in [OTHER, "3333333333333333"] {
        out.push(format!(
            r#"{{"type": "RootAccount", "account": "{account}"}}"#
        ));
        for name in ["bob", "alice"] {
            out.push(format!(
                r#"{{"type": "RamUser", "account": "{account}", "name": "{name}"}}"#
            ));
        }
        for role in ["deploy-ci", "ops"] {
            out.push(format!(
                r#"{{"type": "AssumedRole", "account": "{account}", "name": "{role}", "session": "s"}}"#
            ));
        }
        out.push(format!(
            r#"{{"type": "Federated", "provider": "acs:ram::{account}:saml-provider/idp"}}"#
        ));
    }
    out
}

fn universe() -> Vec<Request> {
    let actions = [
        "sts:AssumeRole",
        "oss:GetObject",
        "oss:PutObject",
        "ecs:RunInstances",
    ];
    let resources = [
        "acs:ram::1111111111111111:role/r",
        "acs:oss:cn-hangzhou:1111111111111111:b/o",
        "acs:oss:cn-hangzhou:1111111111111111:b/private/o",
        "*",
    ];
    let contexts = [
        "{}",
        r#"{"acs:SourceIp": "10.1.1.1", "acs:SecureTransport": "true"}"#,
        r#"{"acs:SourceIp": "192.168.0.1", "acs:SecureTransport": "false"}"#,
        r#"{"acs:SourceIp": "10.1.1.1"}"#,
    ];
    let mut out = Vec::new();
    for principal in outside_principals() {
        for a in actions {
            for r in resources {
                for c in contexts {
                    let text = format!(
                        r#"{{"action": "{a}", "resource": "{r}", "principal": {principal}, "context": {c}}}"#
                    );
                    out.push(parse_request(text.as_bytes()).unwrap());
                }
            }
        }
    }
    out
}

fn allowed(set: &PolicySet, request: &Request) -> bool {
    ramjet_reference::evaluate(set, request).decision == Decision::Allow
}

fn is_outside(principal: &serde_json::Value) -> bool {
    match principal["type"].as_str() {
        Some("Anonymous") => true,
        Some("Federated") => !principal["provider"]
            .as_str()
            .unwrap()
            .starts_with(&format!("acs:ram::{OWNER}:")),
        Some("RootAccount" | "RamUser" | "AssumedRole") => principal["account"] != OWNER,
        _ => false,
    }
}

/// The resource policy lets the request in: allowed with it, and not without it (when the
/// resource policy does not allow, removing it never makes a decision stricter, spec 6.2).
fn granted_by_resource_policy(set: &PolicySet, request: &Request) -> bool {
    let seen = as_outsiders_see_it(set);
    let without = PolicySet {
        resource: None,
        ..seen.clone()
    };
    allowed(&seen, request) && !allowed(&without, request)
}

fn check(verdict: &Verdict, set: &PolicySet) -> Result<(), TestCaseError> {
    let seen = as_outsiders_see_it(set);
    match verdict {
        Verdict::Pass => {
            for request in universe() {
                prop_assert!(
                    !granted_by_resource_policy(set, &request),
                    "PASS with an outside principal let in: {request:?}"
                );
            }
        }
        Verdict::Fail(witness) => {
            prop_assert!(
                is_outside(&witness.request["principal"]),
                "witness not outside: {}",
                witness.request
            );
            let request = parse_request(witness.request.to_string().as_bytes()).unwrap();
            let outcome = ramjet_reference::evaluate(&seen, &request);
            prop_assert_eq!(outcome.decision, Decision::Allow, "{}", witness.request);
            // The resource policy is among the allowing statements (B = Allow).
            prop_assert!(
                outcome
                    .determining
                    .iter()
                    .any(|s| s.place == PolicyPlace::Resource),
                "witness not allowed by the resource policy: {}",
                witness.request
            );
            prop_assert!(!witness.statements.is_empty());
        }
        Verdict::Unknown(_) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn no_public_access_is_sound(statements in proptest::collection::vec(statement(), 1..4)) {
        let set = resource_set(&statements);
        check(&no_public_access(&set, Some(OWNER)), &set)?;
    }
}

fn verdict_of(statements: &[&str], owner: Option<&str>) -> Verdict {
    let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
    no_public_access(&resource_set(&statements), owner)
}

fn witness_principal(verdict: &Verdict) -> serde_json::Value {
    match verdict {
        Verdict::Fail(w) => w.request["principal"].clone(),
        other => panic!("expected FAIL, got {other:?}"),
    }
}

#[test]
fn trust_policies() {
    let own_root = r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::1111111111111111:root"]}}"#;
    let service = r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["pai.aliyuncs.com"]}}"#;
    // The owner's own account and a cloud service: nothing outside.
    assert!(matches!(
        verdict_of(&[own_root, service], Some(OWNER)),
        Verdict::Pass
    ));
    // The same policy for a role owned by another account lets 1111…'s principals in.
    assert_eq!(
        witness_principal(&verdict_of(&[own_root], Some(OTHER)))["account"],
        OWNER
    );
    // Without the owner, the answer depends on it: UNKNOWN, naming the account.
    match verdict_of(&[own_root], None) {
        Verdict::Unknown(reason) => assert!(reason.contains(OWNER), "{reason}"),
        other => panic!("{other:?}"),
    }
    // Any account's root: a root of an account the policy does not name, even without an owner.
    let anyone = r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::*:root"]}}"#;
    let w = witness_principal(&verdict_of(&[anyone], None));
    assert_eq!(w["type"], "RootAccount");
    // A Deny of every other account closes it again.
    let deny_others = r#"{"Effect": "Deny", "Action": "sts:*", "Principal": "*", "Condition": {"StringNotEquals": {"acs:PrincipalAccount": "1111111111111111"}}}"#;
    // (the condition is a context key: a request can carry any value, so it stays open)
    assert!(matches!(
        verdict_of(&[anyone, deny_others], Some(OWNER)),
        Verdict::Fail(_)
    ));
    // SAML through another account's identity provider.
    let saml = r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Federated": ["acs:ram::2222222222222222:saml-provider/idp"]}, "Condition": {"StringEquals": {"saml:recipient": "https://signin.aliyun.com/saml-role/sso"}}}"#;
    let w = witness_principal(&verdict_of(&[saml], Some(OWNER)));
    assert_eq!(w["type"], "Federated");
    let own_saml = saml.replace(OTHER, OWNER);
    assert!(matches!(
        verdict_of(&[&own_saml], Some(OWNER)),
        Verdict::Pass
    ));
}

#[test]
fn bucket_policies() {
    // Everyone may read: the anonymous caller is the witness.
    let public_read = r#"{"Effect": "Allow", "Action": "oss:GetObject", "Principal": ["*"], "Resource": "acs:oss:*:1111111111111111:b/*"}"#;
    let w = witness_principal(&verdict_of(&[public_read], None));
    assert_eq!(w["type"], "Anonymous");
    // Denied to every principal outside a network, and allowed only there: still public (the
    // address is the caller's to choose).
    let private = r#"{"Effect": "Allow", "Action": "oss:*", "Principal": ["1111111111111111"], "Resource": "acs:oss:*:1111111111111111:b/*"}"#;
    assert!(matches!(verdict_of(&[private], None), Verdict::Pass));
    // A UID that is not the owner: another account, or a user of the owner's; UNKNOWN.
    let uid = r#"{"Effect": "Allow", "Action": "oss:*", "Principal": ["2222222222222222"], "Resource": "acs:oss:*:1111111111111111:b/*"}"#;
    match verdict_of(&[uid], None) {
        Verdict::Unknown(reason) => assert!(reason.contains("UID 2222222222222222"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // Allowed to everyone but denied to everyone on the same objects: PASS.
    let deny_all = r#"{"Effect": "Deny", "Action": "*", "Principal": "*", "Resource": "*"}"#;
    assert!(matches!(
        verdict_of(&[public_read, deny_all], None),
        Verdict::Pass
    ));
}

/// The generator reaches every verdict: the property is not vacuous.
#[test]
fn random_policies_reach_pass_and_fail() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut pass, mut fail) = (0, 0);
    for _ in 0..200 {
        let statements = proptest::collection::vec(statement(), 1..4)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        match no_public_access(&resource_set(&statements), Some(OWNER)) {
            Verdict::Pass => pass += 1,
            Verdict::Fail(_) => fail += 1,
            Verdict::Unknown(_) => {}
        }
    }
    let unknown = 200 - pass - fail;
    assert!(
        pass >= 10 && fail >= 10 && unknown <= 20,
        "pass {pass}, fail {fail}, unknown {unknown}"
    );
}
