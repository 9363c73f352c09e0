//! The hot path allocates nothing: once a thread's `Scratch` has grown to fit, checking a
//! typical request against a store (action index, ARN globs, IP, date, string, bool and numeric
//! conditions, principals, control levels, resource groups) makes no heap allocation.

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

#[test]
fn checking_a_typical_request_allocates_nothing() {
    let bundle =
        load_bundle(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle")).unwrap();
    let store = PolicyStore::new(&bundle).unwrap();
    let requests: Vec<_> = REQUESTS
        .iter()
        .map(|r| parse_request(r.as_bytes()).unwrap())
        .collect();
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
