//! Every rule, both ways: a document that makes it fire (at the expected JSON path) and a close
//! neighbour that does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ramjet_compiler::PolicyKind;
use ramjet_lint::{lint_document, Catalog, RULES};

/// `CODE@path` of every finding.
fn fired(doc: &str, kind: Option<PolicyKind>) -> Vec<String> {
    lint_document(doc.as_bytes(), kind, Catalog::bundled())
        .findings
        .iter()
        .map(|f| format!("{}@{}", f.rule.code, f.path))
        .collect()
}

fn identity(statements: &str) -> String {
    format!(r#"{{"Version": "1", "Statement": [{statements}]}}"#)
}

/// Asserts that `code` fires at `path` on `firing` and not at all on `quiet`.
fn both_ways(code: &str, path: &str, firing: &str, quiet: &str, kind: Option<PolicyKind>) {
    let on = fired(firing, kind);
    assert!(
        on.contains(&format!("{code}@{path}")),
        "{code} should fire at {path}: {on:?}\n{firing}"
    );
    let off = fired(quiet, kind);
    assert!(
        !off.iter().any(|f| f.starts_with(&format!("{code}@"))),
        "{code} should not fire: {off:?}\n{quiet}"
    );
}

const CONTROL: Option<PolicyKind> = Some(PolicyKind::Control);
const RESOURCE: Option<PolicyKind> = Some(PolicyKind::Resource);

#[test]
fn rj100_what_ram_rejects() {
    both_ways(
        "RJ100",
        "Statement[0].Effect",
        &identity(r#"{"Effect": "Permit", "Action": "eas:ListServices", "Resource": "*"}"#),
        &identity(r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"}"#),
        None,
    );
    // A syntax error is placed at its line and column.
    let report = lint_document(b"{\n  \"Version\": \"1\",,\n}", None, Catalog::bundled());
    let finding = &report.findings[0];
    assert_eq!(finding.rule.code, "RJ100");
    assert_eq!((finding.position.line, finding.position.column), (2, 18));
    // An empty file is an error at the first line and column, not column 0.
    let empty = lint_document(b"", None, Catalog::bundled());
    assert_eq!(empty.findings[0].position, ramjet_lint::Position::START);
}

#[test]
fn rj101_unknown_action_with_did_you_mean() {
    both_ways(
        "RJ101",
        "Statement[0].Action[1]",
        &identity(
            r#"{"Effect": "Allow", "Action": ["eas:ListServices", "eas:DescribeServcie"], "Resource": "*"}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": ["EAS:listservices", "oss:NoSuchActionInAnIncompleteCatalog", "kms:Uncatalogued"], "Resource": "*"}"#,
        ),
        None,
    );
    let doc = identity(r#"{"Effect": "Deny", "Action": "eas:DescribeServcie", "Resource": "*"}"#);
    let report = lint_document(doc.as_bytes(), None, Catalog::bundled());
    assert!(report.findings[0]
        .message
        .contains("the Deny protects nothing by it; did you mean eas:DescribeService?"));
}

#[test]
fn rj102_pattern_matches_nothing() {
    both_ways(
        "RJ102",
        "Statement[0].Action",
        &identity(r#"{"Effect": "Allow", "Action": "eas:Crate*", "Resource": "*"}"#),
        &identity(r#"{"Effect": "Allow", "Action": "eas:Create*", "Resource": "*"}"#),
        None,
    );
}

#[test]
fn rj103_resource_fits_no_action() {
    // An EAS service action on an OSS bucket.
    both_ways(
        "RJ103",
        "Statement[0].Resource[1]",
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:DescribeService", "Resource": ["acs:eas:*:*:service/a", "acs:oss:*:*:bucket"]}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:DescribeService", "Resource": ["acs:eas:*:*:service/a", "*"]}"#,
        ),
        None,
    );
    // An action authorized only on `*` (spec 3.5) with an ARN that does not match `*`.
    both_ways(
        "RJ103",
        "Statement[0].Resource",
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:UpdateGroup", "Resource": "acs:eas:*:*:*"}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": ["eas:UpdateGroup", "oss:GetObject"], "Resource": "acs:eas:*:*:*"}"#,
        ),
        None,
    );
}

#[test]
fn rj201_deny_fail_open() {
    both_ways(
        "RJ201",
        "Statement[0].Action[1]",
        &identity(
            r#"{"Effect": "Deny", "Action": ["eas:DeleteService", "eas:UpdateGroup"], "Resource": "acs:eas:*:*:service/prod-*"}"#,
        ),
        &identity(
            r#"{"Effect": "Deny", "Action": ["eas:DeleteService", "eas:UpdateGroup"], "Resource": ["acs:eas:*:*:service/prod-*", "*"]}"#,
        ),
        None,
    );
}

#[test]
fn rj202_allow_all() {
    both_ways(
        "RJ202",
        "Statement[0].Action",
        &identity(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#),
        &identity(r#"{"Effect": "Allow", "Action": "*", "Resource": "acs:eas:*:*:*"}"#),
        None,
    );
    // A control or session policy's Allow grants nothing: FullAliyunAccess is not a finding there.
    let full = identity(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#);
    assert!(fired(&full, CONTROL).is_empty());
    assert!(fired(&full, Some(PolicyKind::Session)).is_empty());
}

#[test]
fn rj203_allow_not_action_or_not_resource() {
    both_ways(
        "RJ203",
        "Statement[0].NotAction",
        &identity(r#"{"Effect": "Allow", "NotAction": ["ram:*", "sts:*"], "Resource": "*"}"#),
        &identity(r#"{"Effect": "Deny", "NotAction": ["ram:*", "sts:*"], "Resource": "*"}"#),
        None,
    );
    both_ways(
        "RJ203",
        "Statement[0].NotResource",
        &identity(
            r#"{"Effect": "Allow", "Action": "oss:GetObject", "NotResource": "acs:oss:*:*:secret/*"}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:public/*"}"#,
        ),
        None,
    );
}

#[test]
fn rj204_privilege_escalation() {
    both_ways(
        "RJ204",
        "Statement[0].Action[1]",
        &identity(
            r#"{"Effect": "Allow", "Action": ["ram:ListUsers", "ram:Attach*"], "Resource": "*"}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": ["ram:ListUsers", "ram:Get*"], "Resource": "*"}"#,
        ),
        None,
    );
    both_ways(
        "RJ204",
        "Statement[0].Action",
        &identity(r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}"#),
        &identity(
            r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "acs:ram::1234:role/reader"}"#,
        ),
        None,
    );
    // In a trust policy AssumeRole is of the role itself.
    let trust = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["pai.aliyuncs.com"]}}]}"#;
    assert!(
        fired(trust, RESOURCE).is_empty(),
        "{:?}",
        fired(trust, RESOURCE)
    );
}

#[test]
fn rj205_trust_anyone() {
    let trust = |principal: &str, condition: &str| {
        format!(
            r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {principal}{condition}}}]}}"#
        )
    };
    both_ways(
        "RJ205",
        "Statement[0].Principal",
        &trust(r#"{"RAM": ["acs:ram::*:root"]}"#, ""),
        &trust(r#"{"RAM": ["acs:ram::1234567890123456:root"]}"#, ""),
        RESOURCE,
    );
    both_ways(
        "RJ205",
        "Statement[0].Principal",
        &trust(r#""*""#, ""),
        &trust(
            r#""*""#,
            r#", "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}"#,
        ),
        RESOURCE,
    );
}

#[test]
fn rj206_public_bucket_policy() {
    let bucket = |principal: &str| {
        format!(
            r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": ["oss:GetObject"], "Principal": {principal}, "Resource": ["acs:oss:*:1234:bucket/*"]}}]}}"#
        )
    };
    both_ways(
        "RJ206",
        "Statement[0].Principal",
        &bucket(r#"["*"]"#),
        &bucket(r#"["1234567890123456"]"#),
        RESOURCE,
    );
}

#[test]
fn rj300_validator_warning() {
    both_ways(
        "RJ300",
        "Statement",
        r#"{"Version": "1", "Statement": {"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"}}"#,
        &identity(r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"}"#),
        None,
    );
}

#[test]
fn rj301_shadowed_allow() {
    let deny = r#"{"Effect": "Deny", "Action": "eas:*", "Resource": "acs:eas:*:*:service/*"}"#;
    both_ways(
        "RJ301",
        "Statement[0]",
        &identity(&format!(
            r#"{{"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "acs:eas:*:*:service/prod-*"}}, {deny}"#
        )),
        &identity(&format!(
            r#"{{"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "acs:eas:*:*:*"}}, {deny}"#
        )),
        None,
    );
    // A conditional Deny does not always apply.
    let conditional = identity(
        r#"{"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "*"},
           {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"acs:MFAPresent": "false"}}}"#,
    );
    assert!(!fired(&conditional, None)
        .iter()
        .any(|f| f.starts_with("RJ301")));
}

#[test]
fn rj302_operator_type_mismatch() {
    both_ways(
        "RJ302",
        "Statement[0].Condition.IpAddress.acs:UserAgent",
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*", "Condition": {"IpAddress": {"acs:UserAgent": "10.0.0.0/8"}}}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}"#,
        ),
        None,
    );
    // A catalogued service key: ecs:AssociatePublicIpAddress is a Boolean.
    both_ways(
        "RJ302",
        "Statement[0].Condition.NumericEquals.ecs:AssociatePublicIpAddress",
        &identity(
            r#"{"Effect": "Deny", "Action": "ecs:RunInstances", "Resource": "*", "Condition": {"NumericEquals": {"ecs:AssociatePublicIpAddress": "1"}}}"#,
        ),
        &identity(
            r#"{"Effect": "Deny", "Action": "ecs:RunInstances", "Resource": "*", "Condition": {"Bool": {"ecs:AssociatePublicIpAddress": "true"}}}"#,
        ),
        None,
    );
}

#[test]
fn rj303_unknown_global_key() {
    both_ways(
        "RJ303",
        "Statement[0].Condition.IpAddress.acs:SourceIP4",
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIP4": "10.0.0.0/8"}}}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*", "Condition": {"IpAddress": {"ACS:SOURCEIP": "10.0.0.0/8"}, "StringEquals": {"acs:ResourceTag/team": "a", "oss:Prefix": "x"}}}"#,
        ),
        None,
    );
    let doc = identity(
        r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIP4": "10.0.0.0/8"}}}"#,
    );
    let report = lint_document(doc.as_bytes(), None, Catalog::bundled());
    let finding = report.findings.iter().find(|f| f.rule.code == "RJ303");
    let message = &finding.unwrap().message;
    assert!(
        message.contains("always false; did you mean acs:SourceIp?"),
        "{message}"
    );
}

#[test]
fn rj304_ifexists_on_a_key_always_present() {
    both_ways(
        "RJ304",
        "Statement[0].Condition.DateLessThanIfExists.acs:CurrentTime",
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*", "Condition": {"DateLessThanIfExists": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}}}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*", "Condition": {"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}, "StringEqualsIfExists": {"acs:SourceVpc": "vpc-1"}}}"#,
        ),
        None,
    );
}

#[test]
fn rj401_subsumed_statement() {
    both_ways(
        "RJ401",
        "Statement[1]",
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:Describe*", "Resource": "*"},
               {"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "acs:eas:*:*:service/a", "Condition": {"Bool": {"acs:MFAPresent": "true"}}}"#,
        ),
        // The wider statement has a condition the narrower lacks: not proven.
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:Describe*", "Resource": "*", "Condition": {"Bool": {"acs:MFAPresent": "true"}}},
               {"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "acs:eas:*:*:service/a"}"#,
        ),
        None,
    );
    // Of two equal statements, only the later one is reported.
    let twice = r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"}"#;
    assert_eq!(
        fired(&identity(&format!("{twice}, {twice}")), None)
            .iter()
            .filter(|f| f.starts_with("RJ401"))
            .collect::<Vec<_>>(),
        ["RJ401@Statement[1]"]
    );
}

#[test]
fn rj402_mergeable_statements() {
    both_ways(
        "RJ402",
        "Statement[1]",
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"},
               {"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*"}"#,
        ),
        &identity(
            r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"},
               {"Effect": "Allow", "Action": "oss:ListBuckets", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "true"}}}"#,
        ),
        None,
    );
}

#[test]
fn rj403_star_for_resource_level_actions() {
    both_ways(
        "RJ403",
        "Statement[0].Resource",
        &identity(r#"{"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "*"}"#),
        &identity(
            r#"{"Effect": "Allow", "Action": ["eas:DescribeService", "eas:UpdateGroup"], "Resource": "*"}"#,
        ),
        None,
    );
}

#[test]
fn every_rule_has_a_test_here() {
    let source = include_str!("rules.rs");
    for rule in RULES {
        let name = format!("fn {}_", rule.code.to_ascii_lowercase());
        assert!(source.contains(&name), "no test for {}", rule.code);
    }
}

/// A document at the engine's caps is checked as far as the work budget goes, and says so.
#[test]
fn hostile_documents_stop_at_the_budget_and_say_so() {
    let long = format!("acs:eas:*:*:service/{}*", "a?".repeat(3_000));
    let statement = format!(
        r#"{{"Effect": "Allow", "Action": ["eas:Describe*", "eas:*x*y*z*"], "Resource": ["{long}"]}}"#
    );
    let doc = identity(&vec![statement.as_str(); 1_100].join(", "));
    let report = lint_document(doc.as_bytes(), None, Catalog::bundled());
    assert!(!report.complete);
    assert!(report.findings.iter().any(|f| f.rule.code == "RJ102"));
    let small = identity(r#"{"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"}"#);
    assert!(lint_document(small.as_bytes(), None, Catalog::bundled()).complete);
}
