//! The overlap rules checked against the reference interpreter. A shadowed Allow (RJ301) or a
//! subsumed statement (RJ401) claims that removing the statement changes no decision; on random
//! documents over a small vocabulary, every such claim is tried on every request of a bounded
//! universe (every action, resource and context the vocabulary can tell apart, plus fresh ones).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use ramjet_compiler::model::{NamedPolicy, PolicySet};
use ramjet_compiler::{parse_policy, parse_request, PolicyKind};
use ramjet_engine::Request;
use ramjet_lint::{lint_document, Catalog};

const ACTIONS: &[&str] = &[
    "eas:DescribeService",
    "eas:ListServices",
    "eas:Describe*",
    "eas:*",
    "*",
    "oss:GetObject",
    "EAS:describeservice",
];
const RESOURCES: &[&str] = &[
    "*",
    "acs:eas:*:*:service/a",
    "acs:eas:*:*:service/*",
    "acs:eas:*:*:*",
    "acs:oss:*:*:b/*",
];
const CONDITIONS: &[&str] = &[
    "",
    r#", "Condition": {"Bool": {"acs:MFAPresent": "true"}}"#,
    r#", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}"#,
];

fn statement() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::sample::subsequence(ACTIONS, 1..3),
        proptest::sample::subsequence(RESOURCES, 1..3),
        proptest::sample::select(CONDITIONS),
    )
        .prop_map(|(allow, not_action, not_resource, actions, resources, condition)| {
            let effect = if allow { "Allow" } else { "Deny" };
            let action_member = if not_action { "NotAction" } else { "Action" };
            let resource_member = if not_resource { "NotResource" } else { "Resource" };
            format!(
                r#"{{"Effect": "{effect}", "{action_member}": {}, "{resource_member}": {}{condition}}}"#,
                serde_json::to_string(&actions).unwrap(),
                serde_json::to_string(&resources).unwrap()
            )
        })
}

fn document(statements: &[String]) -> String {
    format!(
        r#"{{"Version": "1", "Statement": [{}]}}"#,
        statements.join(", ")
    )
}

fn universe() -> Vec<Request> {
    let actions = [
        "eas:DescribeService",
        "eas:ListServices",
        "eas:DeleteService",
        "oss:GetObject",
        "ram:ListUsers",
    ];
    let resources = [
        "*",
        "acs:eas:cn-hangzhou:1:service/a",
        "acs:eas:cn-hangzhou:1:service/b",
        "acs:eas:cn-hangzhou:1:group/x",
        "acs:oss:cn-hangzhou:1:b/o",
        "acs:oss:cn-hangzhou:1:c/o",
    ];
    let contexts = [
        "{}",
        r#"{"acs:MFAPresent": "true"}"#,
        r#"{"acs:MFAPresent": "false", "acs:SourceIp": "10.1.1.1"}"#,
        r#"{"acs:MFAPresent": "true", "acs:SourceIp": "10.1.1.1"}"#,
        r#"{"acs:SourceIp": "192.168.0.1"}"#,
    ];
    let mut requests = Vec::new();
    for action in actions {
        for resource in resources {
            for context in contexts {
                let text = format!(
                    r#"{{"action": "{action}", "resource": "{resource}", "context": {context}}}"#
                );
                requests.push(parse_request(text.as_bytes()).unwrap());
            }
        }
    }
    requests
}

fn decisions(doc: &str, requests: &[Request]) -> Vec<ramjet_engine::Decision> {
    let policy = parse_policy(doc.as_bytes(), PolicyKind::Identity)
        .unwrap()
        .policy;
    let set = PolicySet {
        identity: vec![NamedPolicy {
            name: "p".to_string(),
            resource_group: None,
            policy,
        }],
        ..PolicySet::default()
    };
    requests
        .iter()
        .map(|r| ramjet_reference::evaluate(&set, r).decision)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn removing_a_shadowed_or_subsumed_statement_changes_no_decision(
        statements in proptest::collection::vec(statement(), 2..5)
    ) {
        let doc = document(&statements);
        let report = lint_document(doc.as_bytes(), Some(PolicyKind::Identity), Catalog::bundled());
        let claims: Vec<usize> = report
            .findings
            .iter()
            .filter(|f| f.rule.code == "RJ301" || f.rule.code == "RJ401")
            .map(|f| {
                let index = f.path.trim_start_matches("Statement[").trim_end_matches(']');
                index.parse().unwrap()
            })
            .collect();
        if claims.is_empty() {
            return Ok(());
        }
        let requests = universe();
        let before = decisions(&doc, &requests);
        for index in claims {
            let mut rest = statements.clone();
            rest.remove(index);
            let after = decisions(&document(&rest), &requests);
            for (k, request) in requests.iter().enumerate() {
                prop_assert_eq!(
                    before[k], after[k],
                    "removing Statement[{}] of {} changes the decision on {:?}", index, doc, request
                );
            }
        }
    }
}

/// The generator does produce claims: the property is not vacuous.
#[test]
fn the_vocabulary_produces_overlap_findings() {
    let doc = document(&[
        r#"{"Effect": "Allow", "Action": ["eas:DescribeService"], "Resource": ["acs:eas:*:*:service/a"]}"#.to_string(),
        r#"{"Effect": "Deny", "Action": ["eas:*"], "Resource": ["*"]}"#.to_string(),
        r#"{"Effect": "Deny", "Action": ["eas:Describe*"], "Resource": ["acs:eas:*:*:*"]}"#.to_string(),
    ]);
    let report = lint_document(doc.as_bytes(), None, Catalog::bundled());
    let codes: Vec<&str> = report.findings.iter().map(|f| f.rule.code).collect();
    assert!(
        codes.contains(&"RJ301") && codes.contains(&"RJ401"),
        "{codes:?}"
    );
}
