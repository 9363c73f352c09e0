//! Random policy sets and requests for property tests, biased toward requests that match: the
//! request vocabulary (actions, ARNs, principals, context values) is the same one the policies'
//! patterns and conditions are drawn from, so most generated checks exercise real matching rather
//! than falling through to ImplicitDeny.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure
#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

pub const ACCOUNTS: [&str; 2] = ["1111", "2222"];

fn action_name() -> impl Strategy<Value = String> {
    select(vec![
        "eas:CreateService",
        "eas:DeleteService",
        "eas:ListServices",
        "oss:GetObject",
        "oss:PutObject",
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithOIDC",
        "sts:GetCallerIdentity",
    ])
    .prop_map(str::to_string)
}

fn request_action() -> impl Strategy<Value = String> {
    (action_name(), any::<bool>()).prop_map(|(a, upper)| if upper { a.to_uppercase() } else { a })
}

fn action_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => action_name(),
        1 => action_name().prop_map(|a| a.to_lowercase()),
        1 => Just("*".to_string()),
        1 => select(vec!["eas:*", "oss:*", "sts:*", "eas:Create*", "eas:*Service*", "oss:?etObject", "sts:AssumeRole*", "*:*"]).prop_map(str::to_string),
    ]
}

fn request_resource() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (select(ACCOUNTS.to_vec()), select(vec!["service/demo", "service/prod", "service/a:b"]))
            .prop_map(|(acct, rel)| format!("acs:eas:cn-hangzhou:{acct}:{rel}")),
        3 => (select(ACCOUNTS.to_vec()), select(vec!["bucket/a.txt", "bucket/dir/b.txt", "other/c"]))
            .prop_map(|(acct, rel)| format!("acs:oss:cn-hangzhou:{acct}:{rel}")),
        2 => select(ACCOUNTS.to_vec()).prop_map(|acct| format!("acs:ram::{acct}:role/runner")),
        1 => Just("*".to_string()),
    ]
}

fn resource_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => request_resource(),
        1 => Just("*".to_string()),
        2 => select(vec![
            "acs:eas:*:1111:service/*",
            "acs:eas:*:*:*",
            "acs:oss:*:*:bucket/*",
            "acs:oss:*:2222:bucket/?.txt",
            "acs:ram::*:role/*",
            "acs:*:cn-hangzhou:*:*",
            "*demo",
            "acs:eas:cn-hangzhou:1111:Service/demo",
        ]).prop_map(str::to_string),
    ]
}

/// (key, values a request may carry, operators that read them, policy values)
fn condition() -> impl Strategy<Value = (String, Value)> {
    let ip = (
        select(vec!["IpAddress", "NotIpAddress"]),
        select(vec![
            "10.0.0.0/8",
            "192.0.2.1",
            "2001:db8::/32",
            "0.0.0.0/0",
        ]),
    )
        .prop_map(|(op, v)| (op.to_string(), "acs:SourceIp".to_string(), json!([v])));
    let string = (
        select(vec![
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ]),
        select(vec!["team", "acs:ResourceTag/Env", "acs:TagKeys"]),
        proptest::collection::vec(
            select(vec!["dev", "DEV", "prod", "d*", "?rod", "ops"]),
            1..3,
        ),
    )
        .prop_map(|(op, k, vs)| (op.to_string(), k.to_string(), json!(vs)));
    let numeric = (
        select(vec![
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ]),
        select(vec!["5", "10.0", "1e1", "-3"]),
    )
        .prop_map(|(op, v)| (op.to_string(), "count".to_string(), json!([v])));
    let date = (
        select(vec![
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        ]),
        select(vec![
            "2024-01-01T00:00:00Z",
            "2024-01-01",
            "2024-06-01T08:00:00+08:00",
            "1704067200",
        ]),
    )
        .prop_map(|(op, v)| (op.to_string(), "acs:CurrentTime".to_string(), json!([v])));
    let boolean = select(vec!["true", "false", "TRUE"]).prop_map(|v| {
        (
            "Bool".to_string(),
            "acs:SecureTransport".to_string(),
            json!([v]),
        )
    });
    let null = (
        select(vec!["team", "acs:SourceIp", "count"]),
        select(vec!["true", "false"]),
    )
        .prop_map(|(k, v)| ("Null".to_string(), k.to_string(), json!(v)));
    let modifier = select(vec!["", "", "", "IfExists"]);
    let quantifier = select(vec!["", "", "", "ForAnyValue:", "ForAllValues:"]);
    (
        prop_oneof![ip, string, numeric, date, boolean],
        modifier,
        quantifier,
        null,
        0..8u8,
    )
        .prop_map(
            |((op, key, values), modifier, quantifier, (nop, nkey, nvalue), pick)| {
                if pick == 0 {
                    (nop, json!({ nkey: nvalue }))
                } else {
                    (
                        format!("{quantifier}{op}{modifier}"),
                        json!({ key: values }),
                    )
                }
            },
        )
        .prop_map(|(op, block)| (op, block))
}

fn conditions() -> impl Strategy<Value = Option<Value>> {
    proptest::option::weighted(
        0.4,
        proptest::collection::vec(condition(), 1..3).prop_map(|tests| {
            let mut object = serde_json::Map::new();
            for (op, block) in tests {
                // Several keys under one operator: merge (keys AND-ed).
                let entry = object.entry(op).or_insert_with(|| json!({}));
                if let (Some(target), Value::Object(add)) = (entry.as_object_mut(), block) {
                    for (k, v) in add {
                        target.entry(k).or_insert(v);
                    }
                }
            }
            Value::Object(object)
        }),
    )
}

fn principal_spec() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_str("*"),
        select(vec![
            "acs:ram::1111:root",
            "acs:ram::*:root",
            "acs:ram::1111:user/alice",
            "acs:ram::2222:role/runner",
            "acs:ram::2222:role/runner/s1",
            "acs:ram::*:user/*",
        ])
        .prop_map(|e| json!({"RAM": [e]})),
        select(vec![
            "pai.aliyuncs.com",
            "ECS.aliyuncs.com",
            "1111@log.aliyuncs.com"
        ])
        .prop_map(|e| json!({"Service": e})),
        Just(json!({"Federated": "acs:ram::1111:saml-provider/idp"})),
        proptest::collection::vec(select(vec!["*", "1111", "2222", "9001"]), 0..3)
            .prop_map(|v| json!(v)),
    ]
}

fn json_str(s: &'static str) -> impl Strategy<Value = Value> {
    Just(Value::String(s.to_string()))
}

fn statement(resource_based: bool) -> impl Strategy<Value = Value> {
    (
        select(vec!["Allow", "Allow", "Deny"]),
        any::<bool>(),
        proptest::collection::vec(action_pattern(), 1..3),
        prop_oneof![8 => Just(0u8), 1 => Just(1), 1 => Just(2)],
        proptest::collection::vec(resource_pattern(), 1..3),
        conditions(),
        principal_spec(),
        proptest::option::of(select(vec!["S1", "S2"])),
    )
        .prop_map(
            move |(
                effect,
                not_action,
                actions,
                resource_form,
                resources,
                condition,
                principal,
                sid,
            )| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(effect));
                s.insert(
                    if not_action && actions.len() == 1 {
                        "NotAction"
                    } else {
                        "Action"
                    }
                    .into(),
                    json!(actions),
                );
                match resource_form {
                    0 => {
                        s.insert("Resource".into(), json!(resources));
                    }
                    1 => {
                        s.insert("NotResource".into(), json!(resources));
                    }
                    _ if resource_based => {}
                    _ => {
                        s.insert("Resource".into(), json!(resources));
                    }
                }
                if let Some(c) = condition {
                    s.insert("Condition".into(), c);
                }
                if resource_based {
                    s.insert("Principal".into(), principal);
                }
                if let Some(sid) = sid {
                    s.insert("Sid".into(), json!(sid));
                }
                Value::Object(s)
            },
        )
}

pub fn policy(resource_based: bool) -> impl Strategy<Value = Value> {
    proptest::collection::vec(statement(resource_based), 1..5)
        .prop_map(|statements| json!({"Version": "1", "Statement": statements}))
}

/// Names that policies of every kind share now and then: names need not be unique (spec §6.3).
fn shared_name() -> impl Strategy<Value = Option<&'static str>> {
    proptest::option::weighted(0.3, select(vec!["Shared", "Guard", "resource"]))
}

/// `document`, wrapped with `name` when there is one.
fn named(document: Value, name: Option<&str>) -> Value {
    match name {
        Some(name) => json!({"name": name, "document": document}),
        None => document,
    }
}

fn identity_policy() -> impl Strategy<Value = Value> {
    (
        policy(false),
        proptest::option::weighted(0.25, select(vec!["rg-1", "rg-2"])),
        shared_name(),
    )
        .prop_map(|(p, rg, name)| match rg {
            Some(rg) => {
                let mut wrapped = json!({"document": p, "resource_group": rg});
                if let Some(name) = name {
                    wrapped["name"] = json!(name);
                }
                wrapped
            }
            None => named(p, name),
        })
}

fn named_policy(resource_based: bool) -> impl Strategy<Value = Value> {
    (policy(resource_based), shared_name()).prop_map(|(p, name)| named(p, name))
}

fn principal() -> impl Strategy<Value = Option<Value>> {
    proptest::option::weighted(
        0.9,
        (0..7u8, select(ACCOUNTS.to_vec()), any::<bool>()).prop_map(|(kind, account, management)| {
            let mut p = match kind {
                0 => json!({"type": "RootAccount", "account": account}),
                1 | 2 => json!({"type": "RamUser", "account": account, "name": "alice", "id": "9001"}),
                3 => json!({"type": "AssumedRole", "account": account, "name": "runner", "session": "s1"}),
                4 => json!({"type": "Service", "service": "pai.aliyuncs.com"}),
                5 => json!({"type": "Federated", "provider": "acs:ram::1111:saml-provider/idp"}),
                _ => json!({"type": "Anonymous"}),
            };
            if management {
                p["management_account"] = json!(true);
            }
            p
        }),
    )
}

fn context() -> impl Strategy<Value = Value> {
    let entry = prop_oneof![
        select(vec![
            "10.1.2.3",
            "192.0.2.1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "Internal"
        ])
        .prop_map(|v| ("acs:SourceIp", json!(v))),
        proptest::collection::vec(select(vec!["dev", "prod", "DEV", "ops", "rod"]), 0..3)
            .prop_map(|v| ("team", json!(v))),
        select(vec!["dev", "prod"]).prop_map(|v| ("acs:resourcetag/env", json!(v))),
        proptest::collection::vec(select(vec!["team", "env", "dev"]), 0..3)
            .prop_map(|v| ("acs:TagKeys", json!(v))),
        select(vec!["5", "10", "-3", "abc", "1E1", "4.99"]).prop_map(|v| ("count", json!(v))),
        select(vec![
            "2024-01-01T00:00:00Z",
            "2023-12-31T23:59:59Z",
            "2024-06-01T00:00:00Z",
            "garbage"
        ])
        .prop_map(|v| ("acs:CurrentTime", json!(v))),
        select(vec!["true", "false", "maybe"]).prop_map(|v| ("acs:SecureTransport", json!(v))),
    ];
    proptest::collection::vec(entry, 0..5).prop_map(|entries| {
        let mut object = serde_json::Map::new();
        for (k, v) in entries {
            object.entry(k.to_string()).or_insert(v);
        }
        Value::Object(object)
    })
}

pub fn request() -> impl Strategy<Value = Value> {
    (
        request_action(),
        request_resource(),
        principal(),
        proptest::option::of(select(vec!["rg-1", "rg-2"])),
        context(),
    )
        .prop_map(|(action, resource, principal, rg, context)| {
            let mut r = json!({"action": action, "resource": resource, "context": context});
            if let Some(p) = principal {
                r["principal"] = p;
            }
            if let Some(rg) = rg {
                r["resource_group"] = json!(rg);
            }
            r
        })
}

/// A whole scenario: identity policies (some at resource-group scope), and sometimes a session
/// policy, a resource policy and control levels; policies of every kind sometimes share a name.
pub fn scenario() -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec(identity_policy(), 0..4),
        proptest::option::weighted(0.3, named_policy(false)),
        proptest::option::weighted(0.5, named_policy(true)),
        proptest::option::weighted(
            0.25,
            proptest::collection::vec(proptest::collection::vec(named_policy(false), 0..3), 1..3),
        )
        .prop_map(Option::unwrap_or_default),
        request(),
    )
        .prop_map(|(identity, session, resource, control, request)| {
            let mut policies = json!({"identity": identity});
            if let Some(s) = session {
                policies["session"] = s;
            }
            if let Some(r) = resource {
                policies["resource"] = r;
            }
            if !control.is_empty() {
                policies["control"] = json!(control);
            }
            json!({"policies": policies, "request": request})
        })
}
