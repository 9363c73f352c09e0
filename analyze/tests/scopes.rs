//! `no_new_access` on whole policy sets against brute force: random sets with control levels, a
//! session policy and identity policies at account scope and at resource groups, and every
//! request of a bounded universe (RAM users and role sessions, of the management account or not,
//! in each resource group or none) decided by the reference interpreter. A PASS must have no
//! counterexample; a FAIL's witness must be allowed by the new set and not by the old; both
//! resource strategies agree.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use ramjet_analyze::{no_new_access, no_new_access_with, Resources, Verdict};
use ramjet_compiler::model::{NamedPolicy, PolicySet};
use ramjet_compiler::{parse_policy, parse_request, PolicyKind};
use ramjet_engine::{Decision, Request};

const STATEMENTS: &[&str] = &[
    r#"{"Effect": "Allow", "Action": "eas:*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "eas:Describe*", "Resource": "acs:eas:*:*:service/*"}"#,
    r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*", "Condition": {"Bool": {"acs:MFAPresent": "true"}}}"#,
    r#"{"Effect": "Deny", "Action": "eas:Delete*", "Resource": "*"}"#,
    r#"{"Effect": "Deny", "Action": "*", "Resource": "acs:eas:*:*:service/b"}"#,
    r#"{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}"#,
    r#"{"Effect": "Allow", "NotAction": "oss:*", "Resource": "*"}"#,
];

fn document() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0..STATEMENTS.len(), 1..3)
}

/// A set: an account-scope policy, maybe one at `rg-1`, maybe a session policy, zero to two
/// control levels (a level may be empty: it allows nothing).
#[derive(Debug, Clone)]
struct Shape {
    account: Vec<usize>,
    group: Option<Vec<usize>>,
    session: Option<Vec<usize>>,
    control: Vec<Vec<Vec<usize>>>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        document(),
        proptest::option::of(document()),
        proptest::option::of(document()),
        proptest::collection::vec(proptest::collection::vec(document(), 0..2), 0..3),
    )
        .prop_map(|(account, group, session, control)| Shape {
            account,
            group,
            session,
            control,
        })
}

fn named(name: &str, kind: PolicyKind, statements: &[usize], group: Option<&str>) -> NamedPolicy {
    let texts: Vec<&str> = statements.iter().map(|&i| STATEMENTS[i]).collect();
    let doc = format!(r#"{{"Version": "1", "Statement": [{}]}}"#, texts.join(", "));
    NamedPolicy {
        name: name.to_string(),
        resource_group: group.map(str::to_string),
        policy: parse_policy(doc.as_bytes(), kind).unwrap().policy,
    }
}

fn set(shape: &Shape) -> PolicySet {
    let mut identity = vec![named("account", PolicyKind::Identity, &shape.account, None)];
    if let Some(group) = &shape.group {
        identity.push(named("group", PolicyKind::Identity, group, Some("rg-1")));
    }
    PolicySet {
        identity,
        session: shape
            .session
            .as_ref()
            .map(|s| named("session", PolicyKind::Session, s, None)),
        resource: None,
        control: shape
            .control
            .iter()
            .map(|level| {
                level
                    .iter()
                    .map(|p| named("control", PolicyKind::Control, p, None))
                    .collect()
            })
            .collect(),
    }
}

fn universe() -> Vec<Request> {
    let principals = [
        r#"{"type": "RamUser", "account": "1234567890123456", "name": "u"}"#,
        r#"{"type": "RamUser", "account": "1234567890123456", "name": "u", "management_account": true}"#,
        r#"{"type": "AssumedRole", "account": "1234567890123456", "name": "r", "session": "s"}"#,
        r#"{"type": "AssumedRole", "account": "1234567890123456", "name": "r", "session": "s", "management_account": true}"#,
    ];
    let groups = [
        "",
        r#", "resource_group": "rg-1""#,
        r#", "resource_group": "rg-2""#,
    ];
    let actions = [
        "eas:DescribeService",
        "eas:DeleteService",
        "oss:GetObject",
        "ram:ListUsers",
    ];
    let resources = [
        "*",
        "acs:eas:cn-hangzhou:1234567890123456:service/a",
        "acs:eas:cn-hangzhou:1234567890123456:service/b",
    ];
    let contexts = [
        "{}",
        r#"{"acs:MFAPresent": "true"}"#,
        r#"{"acs:MFAPresent": "true", "acs:SourceIp": "10.1.1.1"}"#,
    ];
    let mut out = Vec::new();
    for p in principals {
        for g in groups {
            for a in actions {
                for r in resources {
                    for c in contexts {
                        let text = format!(
                            r#"{{"action": "{a}", "resource": "{r}", "principal": {p}, "context": {c}{g}}}"#
                        );
                        out.push(parse_request(text.as_bytes()).unwrap());
                    }
                }
            }
        }
    }
    out
}

fn allowed(set: &PolicySet, request: &Request) -> bool {
    ramjet_reference::evaluate(set, request).decision == Decision::Allow
}

fn check(verdict: &Verdict, old: &PolicySet, new: &PolicySet) -> Result<(), TestCaseError> {
    match verdict {
        Verdict::Pass => {
            for request in universe() {
                prop_assert!(
                    !allowed(new, &request) || allowed(old, &request),
                    "PASS with a counterexample: {request:?}"
                );
            }
        }
        Verdict::Fail(witness) => {
            let request = parse_request(witness.request.to_string().as_bytes()).unwrap();
            prop_assert!(
                allowed(new, &request),
                "not allowed by new: {}",
                witness.request
            );
            prop_assert!(
                !allowed(old, &request),
                "allowed by old: {}",
                witness.request
            );
        }
        Verdict::Unknown(_) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn whole_sets_are_decided_soundly(old in shape(), new in shape()) {
        let (old, new) = (set(&old), set(&new));
        let verdict = no_new_access(&old, &new);
        check(&verdict, &old, &new)?;
        let searched = no_new_access_with(&old, &new, Resources::Search);
        check(&searched, &old, &new)?;
        prop_assert_eq!(
            std::mem::discriminant(&verdict),
            std::mem::discriminant(&searched),
            "{:?} vs {:?}", verdict, searched
        );
    }
}

/// The generator reaches PASS and FAIL, and witnesses of every shape (role sessions, the
/// management account, resource groups).
#[test]
fn random_sets_reach_every_verdict_and_shape() {
    let mut runner = TestRunner::deterministic();
    let (mut pass, mut fail, mut unknown) = (0, 0, 0);
    let (mut sessions, mut management, mut groups) = (0, 0, 0);
    for _ in 0..300 {
        let old = set(&shape().new_tree(&mut runner).unwrap().current());
        let new = set(&shape().new_tree(&mut runner).unwrap().current());
        match no_new_access(&old, &new) {
            Verdict::Pass => pass += 1,
            Verdict::Fail(w) => {
                fail += 1;
                sessions += usize::from(w.request["principal"]["type"] == "AssumedRole");
                management += usize::from(w.request["principal"]["management_account"] == true);
                groups += usize::from(w.request.get("resource_group").is_some());
            }
            Verdict::Unknown(_) => unknown += 1,
        }
    }
    assert!(
        pass >= 20 && fail >= 20 && unknown <= 10,
        "pass {pass}, fail {fail}, unknown {unknown}"
    );
    assert!(
        sessions > 0 && management > 0 && groups > 0,
        "sessions {sessions}, management {management}, groups {groups}"
    );
}

/// A control policy that stops an action: identity policies that newly allow it grant nothing
/// to the member account's users, but do to the management account's, which control policies
/// do not bind.
#[test]
fn control_policies_bound_members_and_not_the_management_account() {
    let allow_all = vec![2];
    let deny_deletes = vec![0, 4];
    let old = set(&Shape {
        account: vec![1],
        group: None,
        session: None,
        control: vec![vec![deny_deletes.clone()]],
    });
    let new = set(&Shape {
        account: allow_all,
        group: None,
        session: None,
        control: vec![vec![deny_deletes]],
    });
    let Verdict::Fail(witness) = no_new_access(&old, &new) else {
        panic!("expected FAIL");
    };
    let request = parse_request(witness.request.to_string().as_bytes()).unwrap();
    assert!(allowed(&new, &request) && !allowed(&old, &request));
}
