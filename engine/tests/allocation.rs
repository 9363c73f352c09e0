//! The hot path allocates nothing: once a thread's `Scratch` has grown to fit, checking a
//! typical request against a store (action index, ARN globs, IP, date, string, bool and numeric
//! conditions, principals, control levels, resource groups) makes no heap allocation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use allocation_counter::measure;
use ramjet_compiler::{load_bundle, parse_request};
use ramjet_engine::PolicyStore;
use ramjet_engine::Scratch;
use std::path::Path;

const REQUESTS: &[&str] = &[
    r#"{"action": "eas:CreateService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/dev-a", "principal": {"type": "RamUser", "account": "1234567890123456", "name": "alice"}, "context": {"acs:SourceIp": "192.0.2.7", "acs:RequestedRegion": "cn-hangzhou"}}"#,
    r#"{"action": "eas:DeleteService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/prod-a", "principal": {"type": "RamUser", "account": "1234567890123456", "name": "alice"}, "context": {"acs:SourceIp": "203.0.113.1", "acs:RequestedRegion": "cn-hangzhou"}}"#,
    r#"{"action": "eas:StopService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/a", "principal": {"type": "RamUser", "account": "1234567890123456", "name": "bob"}, "context": {"acs:CurrentTime": "2026-11-24T10:00:00Z", "acs:SecureTransport": "true", "acs:RequestedRegion": "cn-shanghai"}}"#,
    r#"{"action": "eas:DescribeService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/x", "resource_group": "rg-pai-project", "principal": {"type": "RamUser", "account": "1234567890123456", "name": "dave"}, "context": {"acs:RequestedRegion": "cn-hangzhou"}}"#,
    r#"{"action": "vpc:DescribeVpcs", "resource": "*", "principal": {"type": "AssumedRole", "account": "1234567890123456", "name": "pai-runner", "session": "job-1"}, "context": {"acs:RequestedRegion": "cn-beijing"}}"#,
    r#"{"action": "sts:AssumeRole", "resource": "acs:ram::1234567890123456:role/pai-runner", "principal": {"type": "Service", "service": "dataworks.aliyuncs.com"}}"#,
    r#"{"action": "oss:GetObject", "resource": "acs:oss:*:1234567890123456:pai-models/llm/weights.bin", "principal": {"type": "AssumedRole", "account": "1234567890123456", "name": "AliyunPAILangStudioDefaultRole", "session": "s"}, "context": {"oss:BucketTag/Product": "LangStudio", "acs:RequestedRegion": "cn-hangzhou"}}"#,
    r#"{"action": "bss:DescribePrice", "resource": "*", "principal": {"type": "RamUser", "account": "9876543210987654", "name": "erin"}, "context": {"bssapi:ProductCode": ["learn", "other"], "count": 5}}"#,
];

/// The corpus bundle's store and the typical requests above.
fn corpus_store_and_requests() -> (PolicyStore, Vec<ramjet_engine::Request>) {
    let bundle =
        load_bundle(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle")).unwrap();
    let store = PolicyStore::new(&bundle).unwrap();
    let requests = REQUESTS
        .iter()
        .map(|r| parse_request(r.as_bytes()).unwrap())
        .collect();
    (store, requests)
}

#[test]
fn checking_a_typical_request_allocates_nothing() {
    let (store, requests) = corpus_store_and_requests();
    let mut scratch = Scratch::default();
    // Let the scratch buffers grow to fit.
    let warm: Vec<_> = requests
        .iter()
        .map(|r| store.check(r, &mut scratch).verdict)
        .collect();
    let info = measure(|| {
        for _ in 0..100 {
            for (request, expected) in requests.iter().zip(&warm) {
                assert_eq!(store.check(request, &mut scratch).verdict, *expected);
            }
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    // The counter does count.
    assert_eq!(
        measure(|| drop(std::hint::black_box(vec![1u8]))).count_total,
        1
    );
    // And the answers are not trivial.
    use ramjet_engine::Decision::*;
    let decisions: Vec<_> = warm.iter().map(|v| v.decision).collect();
    assert_eq!(
        decisions,
        vec![
            Allow,
            ExplicitDeny,
            Allow,
            Allow,
            Allow,
            Allow,
            Allow,
            Allow
        ]
    );
}

/// A call as a gateway has it: borrowed strings.
struct CallParts<'a> {
    action: &'a str,
    resource: &'a str,
    /// (account, name, session) — a role session when `session` is given.
    principal: (&'a str, &'a str, Option<&'a str>),
    group: Option<&'a str>,
    context: Vec<(&'a str, Vec<&'a str>)>,
}

fn call_parts(request: &ramjet_engine::Request) -> Option<CallParts<'_>> {
    use ramjet_engine::PrincipalKind::*;
    let principal = match &request.principal()?.kind {
        RamUser { account, name, .. } => (account.as_str(), name.as_str(), None),
        AssumedRole {
            account,
            role,
            session,
            ..
        } => (account.as_str(), role.as_str(), Some(session.as_str())),
        _ => return None,
    };
    Some(CallParts {
        action: request.action(),
        resource: request.resource(),
        principal,
        group: request.resource_group(),
        context: request
            .context()
            .iter()
            .map(|(k, vs)| (k, vs.iter().map(String::as_str).collect()))
            .collect(),
    })
}

fn refill(
    request: &mut ramjet_engine::Request,
    call: &CallParts<'_>,
) -> Result<(), ramjet_engine::RequestError> {
    request.refill(call.action, call.resource)?;
    match call.principal {
        (account, name, None) => request.set_ram_user(account, name, None),
        (account, role, Some(session)) => request.set_assumed_role(account, role, session, None),
    }
    if let Some(group) = call.group {
        request.set_resource_group(group);
    }
    for (key, values) in &call.context {
        request.context_mut().insert_values(key, values)?;
    }
    Ok(())
}

#[test]
fn refilling_a_request_and_checking_it_allocates_nothing() {
    let (store, requests) = corpus_store_and_requests();
    // The calls whose principals a setter copies (users and role sessions): 7 of the 8.
    let calls: Vec<_> = requests.iter().filter_map(call_parts).collect();
    assert_eq!(calls.len(), 7);
    let mut reader = store.reader();
    let expected: Vec<_> = requests
        .iter()
        .filter(|r| call_parts(r).is_some())
        .map(|r| reader.check(r).verdict)
        .collect();
    let mut request = ramjet_engine::Request::new("eas:Warm", "*").unwrap();
    // One round lets the request's buffers grow to fit the longest call.
    for call in &calls {
        refill(&mut request, call).unwrap();
        reader.check(&request);
    }
    let info = measure(|| {
        for _ in 0..100 {
            for (call, expected) in calls.iter().zip(&expected) {
                refill(&mut request, call).unwrap();
                assert_eq!(reader.check(&request).verdict, *expected);
            }
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    // The owned way allocates for the same calls: the test above measures something.
    let owned = measure(|| {
        for call in &calls {
            let mut fresh = ramjet_engine::Request::new(call.action, call.resource).unwrap();
            fresh.set_ram_user(call.principal.0, call.principal.1, None);
            std::hint::black_box(&fresh);
        }
    });
    assert!(owned.count_total >= 3 * calls.len() as u64, "{owned:?}");
}
