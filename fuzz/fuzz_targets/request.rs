//! `request`: any bytes, read as a request file. Never panics; a rejected request has at least
//! one error. An accepted request is well formed (its action passes `check_action`, its resource
//! is not empty, its context keys are unique without ASCII case), reads back unchanged when
//! written out again as JSON, and both engines decide it alike against fixed policy sets that test
//! every condition family on the usual keys, principals of every form, and every step.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramjet_compiler::{parse_request, parse_scenario, Severity};
use ramjet_engine::CompiledPolicySet;
use ramjet_engine::model::PolicySet;
use ramjet_engine::{PrincipalKind, Request};
use ramjet_fuzz::check;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Policies with every condition family on the keys a request is likely to carry.
const FIXED: &str = r#"{
  "policies": {
    "identity": [
      {"Version": "1", "Statement": [
        {"Sid": "Ip", "Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "2001:db8::/32", "::ffff:0:0/96"]}}},
        {"Sid": "Count", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"NumericGreaterThan": {"count": "10"}, "NumericNotEquals": {"count": ["7", "1e999999999"]}}},
        {"Sid": "Time", "Effect": "Allow", "Action": ["eas:*", "*:Get*"], "Resource": "*",
         "Condition": {"DateLessThan": {"acs:CurrentTime": "2025-01-01T00:00:00Z"},
                       "ForAllValues:StringLike": {"team": ["d*", "?rod", "部*"]}}},
        {"Sid": "Tls", "Effect": "Deny", "NotAction": "eas:*", "NotResource": "acs:eas:*",
         "Condition": {"Bool": {"acs:SecureTransport": "false"}}},
        {"Sid": "Tags", "Effect": "Allow", "Action": "*", "Resource": "acs:*:*:*:*",
         "Condition": {"ForAnyValue:StringEqualsIgnoreCase": {"acs:TagKeys": ["Env", "ß", "Σ"]},
                       "Null": {"acs:ResourceTag/Env": "false"}}},
        {"Sid": "Exists", "Effect": "Allow", "Action": "?*:*", "Resource": "*",
         "Condition": {"StringEqualsIfExists": {"acs:SourceVpc": "vpc-1"},
                       "DateGreaterThanEqualsIfExists": {"acs:CurrentTime": "1704067200"},
                       "NumericLessThanEquals": {"count": "1e1"}}}
      ]},
      {"resource_group": "rg-1", "document": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"StringNotLike": {"acs:UserAgent": "*curl*"}, "NotIpAddress": {"acs:SourceIp": "192.0.2.0/24"}}}
      ]}}
    ],
    "session": {"Version": "1", "Statement": [
      {"Effect": "Allow", "Action": "*", "Resource": "*"},
      {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"acs:MFAPresent": "false"}}}
    ]},
    "resource": {"Version": "1", "Statement": [
      {"Effect": "Allow", "Action": "sts:AssumeRole*",
       "Principal": {"RAM": ["acs:ram::1111:root", "acs:ram::*:user/a*", "acs:ram::2222:role/runner/?1"],
                     "Service": ["pai.aliyuncs.com", "1111@log.aliyuncs.com"],
                     "Federated": "acs:ram::1111:saml-provider/idp"}},
      {"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": ["*", "2222"]},
      {"Effect": "Deny", "Action": "oss:*", "Resource": "*", "Principal": "*",
       "Condition": {"StringNotEquals": {"acs:PrincipalAccount": ["1111", "2222"]}}}
    ]},
    "control": [
      [{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
      [{"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEqualsIgnoreCase": {"acs:ResourceTag/Env": ["prod", "dev"]}}}
      ]}]
    ]
  },
  "request": {"action": "eas:CreateService", "resource": "*"}
}"#;

fn fixed_sets() -> &'static [(PolicySet, CompiledPolicySet)] {
    static SETS: OnceLock<Vec<(PolicySet, CompiledPolicySet)>> = OnceLock::new();
    SETS.get_or_init(|| {
        let full = match parse_scenario(FIXED.as_bytes()) {
            Ok(s) => s.policies,
            Err(e) => panic!("fixed scenario: {e:?}"),
        };
        // The whole set, and the identity policies alone (no control or session step).
        let identity_only = PolicySet {
            identity: full.identity.clone(),
            ..PolicySet::default()
        };
        [full, identity_only]
            .into_iter()
            .map(|set| {
                let compiled = CompiledPolicySet::compile(&set).expect("fixed set compiles");
                (set, compiled)
            })
            .collect()
    })
}

/// The request as a request file.
fn to_json(request: &Request) -> Value {
    let mut r = Map::new();
    r.insert("action".into(), json!(request.action()));
    r.insert("resource".into(), json!(request.resource()));
    if let Some(p) = request.principal() {
        let mut o = Map::new();
        let mut put = |k: &str, v: &str| {
            o.insert(k.into(), json!(v));
        };
        match &p.kind {
            PrincipalKind::RootAccount { account } => {
                put("type", "RootAccount");
                put("account", account);
            }
            PrincipalKind::RamUser { account, name, id } => {
                put("type", "RamUser");
                put("account", account);
                put("name", name);
                if let Some(id) = id {
                    put("id", id);
                }
            }
            PrincipalKind::AssumedRole {
                account,
                role,
                session,
                id,
            } => {
                put("type", "AssumedRole");
                put("account", account);
                put("name", role);
                put("session", session);
                if let Some(id) = id {
                    put("id", id);
                }
            }
            PrincipalKind::Service { service, account } => {
                put("type", "Service");
                put("service", service);
                if let Some(account) = account {
                    put("account", account);
                }
            }
            PrincipalKind::Federated { provider } => {
                put("type", "Federated");
                put("provider", provider);
            }
            PrincipalKind::Anonymous => put("type", "Anonymous"),
        }
        o.insert("management_account".into(), json!(p.management_account));
        r.insert("principal".into(), Value::Object(o));
    }
    if let Some(rg) = request.resource_group() {
        r.insert("resource_group".into(), json!(rg));
    }
    Value::Object(r)
}

/// The request as a request file's JSON text: [`to_json`] plus the context, written by hand so
/// that its keys keep their order (a `serde_json` map sorts them unless its `preserve_order`
/// feature is on, and ramjet turns it on nowhere).
fn to_text(request: &Request) -> String {
    let mut text = to_json(request).to_string();
    text.pop(); // the closing brace
    let context: Vec<String> = request
        .context()
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), json!(v)))
        .collect();
    if text.len() > 1 {
        text.push(',');
    }
    text.push_str(&format!("\"context\":{{{}}}}}", context.join(",")));
    text
}

fuzz_target!(|data: &[u8]| {
    let request = match parse_request(data) {
        Ok(request) => request,
        Err(diagnostics) => {
            assert!(
                diagnostics.iter().any(|d| d.severity == Severity::Error),
                "rejected without an error: {diagnostics:?}"
            );
            return;
        }
    };
    assert!(ramjet_engine::check_action(request.action()).is_ok());
    assert!(!request.resource().is_empty());
    let keys: Vec<String> = request
        .context()
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    for (i, key) in keys.iter().enumerate() {
        assert!(!key.is_empty(), "empty context key");
        assert!(!keys[..i].contains(key), "context key {key:?} twice");
    }
    let written = to_text(&request);
    match parse_request(written.as_bytes()) {
        Ok(again) => assert_eq!(
            again, request,
            "request changed when written out: {written}"
        ),
        Err(e) => panic!("a request written out does not read back: {written}: {e:?}"),
    }
    for (set, compiled) in fixed_sets() {
        check::engines_agree_compiled(compiled, set, &request, &|| {
            format!("request {}", String::from_utf8_lossy(data))
        });
    }
});
