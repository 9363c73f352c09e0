//! Loading bundles: the corpus bundle loads and decides as its policies say; broken bundles are
//! rejected with the file and JSON path; a store keeps its snapshot when a swap fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_compiler::{load_bundle, parse_request, reload, BundleError};
use ramjet_engine::Decision;
use ramjet_engine::PolicyStore;
use ramjet_engine::Scratch;
use std::path::{Path, PathBuf};

fn corpus_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle")
}

fn decide(store: &PolicyStore, request: &str) -> (Decision, Vec<String>) {
    let request = parse_request(request.as_bytes()).unwrap();
    let snapshot = store.snapshot();
    let mut scratch = Scratch::default();
    let outcome = snapshot.outcome(&request, &mut scratch);
    let determining = outcome
        .determining
        .iter()
        .map(|d| format!("{}#{}", d.policy, d.statement))
        .collect();
    (outcome.decision, determining)
}

#[test]
fn corpus_bundle_loads_and_decides() {
    let bundle = load_bundle(&corpus_bundle()).unwrap_or_else(|e| panic!("{e}"));
    let store = PolicyStore::new(&bundle).unwrap();
    let alice =
        r#""principal": {"type": "RamUser", "account": "1234567890123456", "name": "alice"}"#;
    let office =
        r#""context": {"acs:SourceIp": "192.0.2.7", "acs:RequestedRegion": "cn-hangzhou"}"#;
    // Dev service from the office: allowed by the group policy.
    let (d, by) = decide(
        &store,
        &format!(
            r#"{{"action": "eas:CreateService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/dev-a", {alice}, {office}}}"#
        ),
    );
    assert_eq!(
        (d, by),
        (Decision::Allow, vec!["PaiDeveloper#0".to_string()])
    );
    // From home: the group's Deny.
    let (d, by) = decide(
        &store,
        &format!(
            r#"{{"action": "eas:CreateService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/dev-a", {alice}, "context": {{"acs:SourceIp": "203.0.113.9", "acs:RequestedRegion": "cn-hangzhou"}}}}"#
        ),
    );
    assert_eq!(
        (d, by),
        (Decision::ExplicitDeny, vec!["PaiDeveloper#3".to_string()])
    );
    // Outside China: the control level's Deny.
    let (d, _) = decide(
        &store,
        &format!(
            r#"{{"action": "eas:ListServices", "resource": "*", {alice}, "context": {{"acs:SourceIp": "192.0.2.7", "acs:RequestedRegion": "us-west-1"}}}}"#
        ),
    );
    assert_eq!(d, Decision::ExplicitDeny);
    // dave: only through the resource group.
    let dave = r#""principal": {"type": "RamUser", "account": "1234567890123456", "name": "dave"}"#;
    let (d, _) = decide(
        &store,
        &format!(
            r#"{{"action": "eas:DescribeService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/x", {dave}, {office}}}"#
        ),
    );
    assert_eq!(d, Decision::ImplicitDeny);
    let (d, by) = decide(
        &store,
        &format!(
            r#"{{"action": "eas:DescribeService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/x", "resource_group": "rg-pai-project", {dave}, {office}}}"#
        ),
    );
    assert_eq!(
        (d, by),
        (Decision::Allow, vec!["ProjectReadOnly#0".to_string()])
    );
    // DataWorks assumes pai-runner through its trust policy.
    let (d, by) = decide(
        &store,
        r#"{"action": "sts:AssumeRole", "resource": "acs:ram::1234567890123456:role/pai-runner", "principal": {"type": "Service", "service": "dataworks.aliyuncs.com"}}"#,
    );
    assert_eq!(
        (d, by),
        (Decision::Allow, vec!["PaiRunnerTrust#1".to_string()])
    );
    // A role session uses the role's policies.
    let (d, _) = decide(
        &store,
        &format!(
            r#"{{"action": "vpc:DescribeVpcs", "resource": "*", "principal": {{"type": "AssumedRole", "account": "1234567890123456", "name": "pai-runner", "session": "job-1"}}, {office}}}"#
        ),
    );
    assert_eq!(d, Decision::Allow);
    // A control policy denies RAM changes even to carol.
    let (d, _) = decide(
        &store,
        r#"{"action": "ram:DeleteUser", "resource": "acs:ram::1234567890123456:user/dave", "principal": {"type": "RamUser", "account": "1234567890123456", "name": "carol"}, "context": {"acs:RequestedRegion": "cn-hangzhou"}}"#,
    );
    assert_eq!(d, Decision::ExplicitDeny);
    // The management account's user is not subject to control policies.
    let (d, _) = decide(
        &store,
        r#"{"action": "eas:ListServices", "resource": "*", "principal": {"type": "RamUser", "account": "9876543210987654", "name": "erin"}}"#,
    );
    assert_eq!(d, Decision::Allow);
    // Unknown principals get nothing.
    let (d, _) = decide(
        &store,
        r#"{"action": "eas:ListServices", "resource": "*", "principal": {"type": "RamUser", "account": "1234567890123456", "name": "mallory"}, "context": {"acs:RequestedRegion": "cn-hangzhou"}}"#,
    );
    assert_eq!(d, Decision::ImplicitDeny);
}

fn scratch_bundle(name: &str, manifest: &str, policies: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bundles")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("bundle.json"), manifest).unwrap();
    for (file, text) in policies {
        std::fs::write(dir.join("policies").join(format!("{file}.json")), text).unwrap();
    }
    dir
}

const ALLOW_ALL: &str =
    r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

#[test]
fn broken_bundles_name_the_file_and_path() {
    // (bundle.json, policy files, expected error text)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            r#"{"accounts": {"1": {"users": {"a": {"policies": ["Missing"]}}}}}"#,
            &[("P", ALLOW_ALL)],
            r#"bundle.json: accounts.1.users.a.policies[0]: policy "Missing" is not in"#,
        ),
        (
            r#"{"accounts": {"1": {"users": {"a": {"groups": ["nope"]}}}}}"#,
            &[],
            r#"bundle.json: accounts.1.users.a.groups[0]: group "nope" is not in this account's groups"#,
        ),
        (
            r#"{"accounts": {"1": {"users": {"a": {"polices": []}}}}}"#,
            &[],
            "bundle.json: accounts.1.users.a.polices: unknown member",
        ),
        (
            r#"{"accounts": {"1": {"roles": {"r": {"policies": ["T"], "trust": "T"}}}}}"#,
            &[("T", ALLOW_ALL)],
            "is used as a resource policy here and as a identity policy",
        ),
        (
            r#"{"accounts": {"1": {"users": {"a": {"policies": ["P"]}}}}}"#,
            &[(
                "P",
                r#"{"Version": "1", "Statement": [{"Effect": "Alow", "Action": "*", "Resource": "*"}]}"#,
            )],
            "P.json: Statement[0].Effect",
        ),
        (
            r#"{"accounts": {"1": {}}, "accounts": {}}"#,
            &[],
            "bundle.json: accounts: member \"accounts\" is given more than once",
        ),
        (
            r#"{"accounts": {"1": {}}}"#,
            &[("Unused", "{")],
            "Unused.json: line 1",
        ),
    ];
    for (i, (manifest, policies, expected)) in cases.iter().enumerate() {
        let dir = scratch_bundle(&format!("broken{i}"), manifest, policies);
        match load_bundle(&dir) {
            Err(BundleError::Invalid(errors)) => {
                let text = errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n");
                assert!(
                    text.contains(expected),
                    "case {i}: expected {expected:?} in\n{text}"
                );
            }
            other => panic!("case {i}: {other:?}"),
        }
    }
}

#[test]
fn failed_swap_keeps_the_old_snapshot() {
    let good = scratch_bundle(
        "good",
        r#"{"accounts": {"1": {"users": {"a": {"policies": ["P"]}}}}}"#,
        &[("P", ALLOW_ALL)],
    );
    let store = PolicyStore::new(&load_bundle(&good).unwrap()).unwrap();
    let request = r#"{"action": "eas:ListServices", "resource": "*", "principal": {"type": "RamUser", "account": "1", "name": "a"}}"#;
    assert_eq!(decide(&store, request).0, Decision::Allow);
    let bad = scratch_bundle(
        "bad",
        r#"{"accounts": {"1": {"users": {"a": {"policies": ["P"]}}}}}"#,
        &[("P", r#"{"Version": "1", "Statement": []}"#)],
    );
    assert!(reload(&store, &bad).is_err());
    assert_eq!(store.snapshot().revision(), 1);
    assert_eq!(decide(&store, request).0, Decision::Allow);
    let deny = scratch_bundle(
        "deny",
        r#"{"accounts": {"1": {"users": {"a": {"policies": []}}}}}"#,
        &[],
    );
    assert_eq!(reload(&store, &deny).unwrap(), 2);
    assert_eq!(decide(&store, request).0, Decision::ImplicitDeny);
}
