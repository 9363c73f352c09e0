//! `diff` of bundles against brute force: random small bundles (users in groups, a role, a
//! control level) and a changed copy (a policy rewritten, an attachment added or removed, a user
//! added), and every request of a bounded universe decided for each principal under both bundles
//! by the reference interpreter (`bundle_policies`, an independent path from the engine that
//! checked the witnesses). A principal left out of the diff, or answered PASS, must have no
//! request that the new bundle allows and the old does not; a FAIL's witness must be made by
//! that principal and be allowed by the new bundle and not the old.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use ramjet_analyze::{diff, Kind, Verdict};
use ramjet_compiler::model::{Account, Bundle, Group, Role, User};
use ramjet_compiler::{parse_policy, parse_request, PolicyKind};
use ramjet_engine::{Decision, Request};

const ACCOUNT: &str = "1234567890123456";

const STATEMENTS: &[&str] = &[
    r#"{"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "eas:*", "Resource": "acs:eas:*:*:service/a"}"#,
    r#"{"Effect": "Allow", "Action": "eas:Delete*", "Resource": "acs:eas:*:*:service/*"}"#,
    r#"{"Effect": "Deny", "Action": "eas:DeleteService", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*", "Condition": {"Bool": {"acs:MFAPresent": "true"}}}"#,
    r#"{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}"#,
    r#"{"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}"#,
];
const CONTROL: &str = r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "oss:*", "Resource": "*"}, {"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

fn policy(statements: &[&str]) -> ramjet_compiler::Policy {
    let doc = format!(
        r#"{{"Version": "1", "Statement": [{}]}}"#,
        statements.join(", ")
    );
    parse_policy(doc.as_bytes(), PolicyKind::Identity)
        .unwrap()
        .policy
}

/// Four policies P0..P3, users u0..u3 (own policies and groups g0, g1), a role r0, and a
/// control level when `control`.
#[derive(Debug, Clone)]
struct Shape {
    policies: Vec<Vec<usize>>,
    user_policies: Vec<Vec<usize>>,
    user_groups: Vec<Vec<usize>>,
    group_policies: Vec<Vec<usize>>,
    role_policies: Vec<usize>,
    control: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    let statements = || proptest::collection::vec(0..STATEMENTS.len(), 1..3);
    let picks = |n: usize| proptest::collection::vec(0..n, 0..3);
    (
        proptest::collection::vec(statements(), 4),
        proptest::collection::vec(picks(4), 4),
        proptest::collection::vec(picks(2), 4),
        proptest::collection::vec(picks(4), 2),
        picks(4),
        any::<bool>(),
    )
        .prop_map(
            |(policies, user_policies, user_groups, group_policies, role_policies, control)| {
                Shape {
                    policies,
                    user_policies,
                    user_groups,
                    group_policies,
                    role_policies,
                    control,
                }
            },
        )
}

/// A change: rewrite policy `which` to `statements`, attach policy `attach` to user `to`,
/// detach user `from`'s policies, and add a user.
#[derive(Debug, Clone)]
struct Edit {
    which: usize,
    statements: Vec<usize>,
    attach: usize,
    to: usize,
    from: usize,
    add_user: bool,
}

fn edit() -> impl Strategy<Value = Edit> {
    (
        0..4usize,
        proptest::collection::vec(0..STATEMENTS.len(), 1..3),
        0..4usize,
        0..4usize,
        0..4usize,
        any::<bool>(),
    )
        .prop_map(|(which, statements, attach, to, from, add_user)| Edit {
            which,
            statements,
            attach,
            to,
            from,
            add_user,
        })
}

fn bundle(shape: &Shape) -> Bundle {
    let name = |i: &usize| format!("P{i}");
    let mut account = Account::default();
    for (g, policies) in shape.group_policies.iter().enumerate() {
        account.groups.insert(
            format!("g{g}"),
            Group {
                policies: policies.iter().map(name).collect(),
            },
        );
    }
    for (u, policies) in shape.user_policies.iter().enumerate() {
        account.users.insert(
            format!("u{u}"),
            User {
                policies: policies.iter().map(name).collect(),
                groups: shape.user_groups[u]
                    .iter()
                    .map(|g| format!("g{g}"))
                    .collect(),
            },
        );
    }
    account.roles.insert(
        "r0".to_string(),
        Role {
            policies: shape.role_policies.iter().map(name).collect(),
            trust: None,
        },
    );
    let mut out = Bundle::default();
    for (i, statements) in shape.policies.iter().enumerate() {
        let texts: Vec<&str> = statements.iter().map(|&s| STATEMENTS[s]).collect();
        out.policies.insert(format!("P{i}"), policy(&texts));
    }
    if shape.control {
        out.policies.insert(
            "C".to_string(),
            parse_policy(CONTROL.as_bytes(), PolicyKind::Control)
                .unwrap()
                .policy,
        );
        account.control = vec![vec!["C".to_string()]];
    }
    out.accounts.insert(ACCOUNT.to_string(), account);
    out
}

fn edited(shape: &Shape, edit: &Edit) -> Shape {
    let mut out = shape.clone();
    out.policies[edit.which] = edit.statements.clone();
    out.user_policies[edit.to].push(edit.attach);
    out.user_policies[edit.from].clear();
    if edit.add_user {
        out.user_policies.push(vec![edit.attach]);
        out.user_groups.push(vec![0]);
    }
    out
}

fn universe(principal: &str) -> Vec<Request> {
    let actions = [
        "eas:DescribeService",
        "eas:DeleteService",
        "eas:CreateService",
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
        r#"{"acs:SourceIp": "192.168.0.1"}"#,
    ];
    let mut out = Vec::new();
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
    out
}

fn allowed(bundle: &Bundle, request: &Request) -> bool {
    let set = ramjet_reference::bundle_policies(bundle, request);
    ramjet_reference::evaluate(&set, request).decision == Decision::Allow
}

fn principal_json(kind: Kind, name: &str) -> String {
    match kind {
        Kind::User => format!(r#"{{"type": "RamUser", "account": "{ACCOUNT}", "name": "{name}"}}"#),
        Kind::Role => format!(
            r#"{{"type": "AssumedRole", "account": "{ACCOUNT}", "name": "{name}", "session": "s"}}"#
        ),
    }
}

fn check(old: &Bundle, new: &Bundle) -> Result<(usize, usize), TestCaseError> {
    let found = diff(old, new);
    let (mut pass, mut fail) = (0, 0);
    let members: Vec<(Kind, String)> = new.accounts[ACCOUNT]
        .users
        .keys()
        .map(|u| (Kind::User, u.clone()))
        .chain(std::iter::once((Kind::Role, "r0".to_string())))
        .collect();
    for (kind, name) in members {
        let change = found
            .changes
            .iter()
            .find(|c| c.kind == kind && c.name == name);
        match change.map(|c| &c.verdict) {
            None | Some(Verdict::Pass) => {
                if change.is_some() {
                    pass += 1;
                }
                for request in universe(&principal_json(kind, &name)) {
                    prop_assert!(
                        !allowed(new, &request) || allowed(old, &request),
                        "{} {name}: nothing new claimed, but {request:?}",
                        kind.name()
                    );
                }
            }
            Some(Verdict::Fail(witness)) => {
                fail += 1;
                prop_assert_eq!(&witness.request["principal"]["name"], name.as_str());
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
            Some(Verdict::Unknown(_)) => {}
        }
    }
    Ok((pass, fail))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn diff_is_sound(shape in shape(), edit in edit()) {
        let old = bundle(&shape);
        let new = bundle(&edited(&shape, &edit));
        check(&old, &new)?;
    }
}

/// The generator reaches PASS and FAIL answers: the property is not vacuous.
#[test]
fn random_edits_reach_pass_and_fail() {
    let mut runner = TestRunner::deterministic();
    let (mut pass, mut fail) = (0, 0);
    for _ in 0..100 {
        let shape = shape().new_tree(&mut runner).unwrap().current();
        let edit = edit().new_tree(&mut runner).unwrap().current();
        let (p, f) = check(&bundle(&shape), &bundle(&edited(&shape, &edit))).unwrap();
        pass += p;
        fail += f;
    }
    assert!(pass >= 20 && fail >= 20, "pass {pass}, fail {fail}");
}

#[test]
fn identical_bundles_have_no_changes_and_every_principal_is_counted() {
    let shape = shape()
        .new_tree(&mut TestRunner::deterministic())
        .unwrap()
        .current();
    let found = diff(&bundle(&shape), &bundle(&shape));
    assert!(found.changes.is_empty());
    assert_eq!(found.principals, 5);
}
