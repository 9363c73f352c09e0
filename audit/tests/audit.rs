//! The audit on every input shape and every kind of bad input: each event is accounted for
//! (`events == evaluated + system + unmapped + malformed`), and the audit decides as the
//! reference interpreter does on the same requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use flate2::write::GzEncoder;
use flate2::Compression;
use ramjet_audit::generate::generate;
use ramjet_audit::input::Position;
use ramjet_audit::mapping::Mapping;
use ramjet_audit::record::{classify_value, Classified};
use ramjet_audit::report::report;
use ramjet_audit::run::{audit, Stats};
use ramjet_compiler::json::{read, Json};
use ramjet_compiler::load_bundle;
use ramjet_engine::model::Bundle;
use ramjet_engine::Snapshot;
use ramjet_reference as reference;
use std::io::Write;
use std::path::{Path, PathBuf};

fn bundle() -> Bundle {
    load_bundle(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle")).unwrap()
}

fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("audit");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn scratch_file_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("audit")
        .join(name)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn run(files: &[PathBuf]) -> Stats {
    let bundle = bundle();
    let snapshot = Snapshot::compile(&bundle, 1).unwrap();
    let (stats, failures) = audit(files, &snapshot, &Mapping::default(), None, &mut |_| {});
    assert!(failures.is_empty(), "{failures:?}");
    assert!(stats.balances(), "{stats:?}");
    stats
}

const ALICE: &str = r#"{"eventId": "e1", "eventName": "CreateService", "serviceName": "Eas", "acsRegion": "cn-hangzhou", "eventTime": "2026-11-24T10:00:00Z", "sourceIpAddress": "192.0.2.7", "referencedResources": {"ACS::EAS::Service": ["dev-a"]}, "userIdentity": {"type": "ram-user", "accountId": "1234567890123456", "userName": "alice"}}"#;
const SYSTEM: &str = r#"{"eventName": "DeleteDisk", "serviceName": "Ecs", "userIdentity": {"type": "system", "userName": "ecs.aliyuncs.com"}}"#;
const UNKNOWN: &str = r#"{"eventName": "AppendVSwitchId", "serviceName": "RealtimeCompute", "userIdentity": {"type": "root-account", "accountId": "1234567890123456"}}"#;

fn jsonl(lines: &[&str]) -> Vec<u8> {
    lines
        .iter()
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes()
}

#[test]
fn json_lines_plain_and_gzipped() {
    let text = jsonl(&[ALICE, SYSTEM, UNKNOWN, ALICE]);
    for file in [
        scratch_file("plain.jsonl", &text),
        scratch_file("plain.jsonl.gz", &gzip(&text)),
    ] {
        let stats = run(&[file]);
        assert_eq!(
            (
                stats.events,
                stats.evaluated,
                stats.system,
                stats.unmapped,
                stats.malformed
            ),
            (4, 2, 1, 1, 0)
        );
        assert_eq!(stats.allowed, 2);
    }
}

#[test]
fn arrays_lookup_events_pretty_records_and_wrappers() {
    let array = format!("[\n  {ALICE},\n  {SYSTEM},\n  {UNKNOWN}\n]\n");
    let lookup =
        format!("{{\"RequestId\": \"x\", \"Events\": [{ALICE}, {ALICE}], \"NextToken\": \"\"}}");
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(ALICE).unwrap())
            .unwrap();
    let two_pretty = format!("{pretty}\n{pretty}\n");
    let quoted = serde_json::to_string(ALICE).unwrap();
    let wrapped = jsonl(&[
        &format!("{{\"Detail\": {quoted}}}"),
        &format!("{{\"__topic__\": \"actiontrail_x\", \"event\": {quoted}}}"),
        &format!("{{\"detail\": {ALICE}}}"),
    ]);
    let cases: Vec<(&str, Vec<u8>, u64, u64)> = vec![
        ("array.json", array.clone().into_bytes(), 3, 1),
        ("array.json.gz", gzip(array.as_bytes()), 3, 1),
        ("lookup.json", lookup.into_bytes(), 2, 2),
        ("pretty.json", two_pretty.into_bytes(), 2, 2),
        ("wrapped.jsonl", wrapped, 3, 3),
    ];
    for (name, bytes, events, evaluated) in cases {
        let stats = run(&[scratch_file(name, &bytes)]);
        assert_eq!(
            (stats.events, stats.evaluated, stats.malformed),
            (events, evaluated, 0),
            "{name}"
        );
    }
}

#[test]
fn published_samples_are_read() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/actiontrail/published");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(files.len(), 4);
    let stats = run(&files);
    // CreateGroup (ram-user), RunInstances (ram-user), AppendVSwitchId (unknown service), DeleteDisk (system).
    assert_eq!(
        (
            stats.events,
            stats.evaluated,
            stats.system,
            stats.unmapped,
            stats.malformed
        ),
        (4, 2, 1, 1, 0)
    );
}

#[test]
fn corrupt_lines_empty_files_and_truncated_gzip_are_counted() {
    let corrupt = jsonl(&[
        ALICE,
        "{\"eventName\": \"Trunc",
        "not json at all",
        ALICE,
        "",
        "   ",
        "[1, 2",
        "\u{7f}\u{1}",
    ]);
    let stats = run(&[scratch_file("corrupt.jsonl", &corrupt)]);
    assert_eq!(
        (
            stats.events,
            stats.evaluated,
            stats.malformed,
            stats.blank_lines
        ),
        (6, 2, 4, 2)
    );
    assert!(
        stats
            .malformed_samples
            .iter()
            .any(|s| s.at.position == Position::Line(2)),
        "{:?}",
        stats.malformed_samples
    );

    let stats = run(&[
        scratch_file("empty.jsonl", b""),
        scratch_file("blank.json", b"\n\n  \n"),
    ]);
    assert_eq!(stats.events, 0);

    let many = jsonl(&vec![ALICE; 2000]);
    let zipped = gzip(&many);
    let truncated = &zipped[..zipped.len() * 2 / 3];
    let stats = run(&[scratch_file("truncated.jsonl.gz", truncated)]);
    assert!(stats.evaluated > 500 && stats.evaluated < 2000, "{stats:?}");
    assert_eq!(stats.malformed, 1, "{:?}", stats.malformed_samples);

    let broken_array = format!("[{ALICE}, {ALICE}, {{\"eventName\": ");
    let stats = run(&[scratch_file("broken-array.json", broken_array.as_bytes())]);
    assert_eq!((stats.events, stats.evaluated, stats.malformed), (3, 2, 1));
}

#[test]
fn a_ten_megabyte_line_is_one_event() {
    let big = ALICE.replacen(
        "{",
        &format!(
            "{{\"requestParameters\": {{\"Blob\": \"{}\"}}, ",
            "x".repeat(10 << 20)
        ),
        1,
    );
    let stats = run(&[scratch_file("big.jsonl", &jsonl(&[&big, ALICE]))]);
    assert_eq!((stats.events, stats.evaluated), (2, 2));
}

#[test]
fn audit_decides_as_the_reference_interpreter() {
    let bundle = bundle();
    let mut events = Vec::new();
    generate(&bundle, 3_000, 11, &mut events).unwrap();
    let file = scratch_file("generated.jsonl", &events);
    let snapshot = Snapshot::compile(&bundle, 1).unwrap();
    let mut decisions = Vec::new();
    let (stats, _) = audit(
        &[file],
        &snapshot,
        &Mapping::default(),
        Some(&mut decisions),
        &mut |_| {},
    );
    assert!(stats.balances());
    assert_eq!(stats.events, 3_000);
    let lines: Vec<serde_json::Value> = String::from_utf8(decisions)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3_000);
    let mapping = Mapping::default();
    let mut compared = 0;
    for (text, line) in String::from_utf8(events).unwrap().lines().zip(&lines) {
        let mut classified = Vec::new();
        classify_value(text, &mapping, &mut classified);
        match classified.pop().unwrap().unwrap() {
            Classified::Request(request, _) => {
                let expected =
                    reference::evaluate(&reference::bundle_policies(&bundle, &request), &request);
                assert_eq!(line["decision"], expected.decision.as_str(), "{text}");
                assert_eq!(line["action"], request.action());
                compared += 1;
            }
            Classified::System(_) => assert_eq!(line["skipped"], "system"),
            Classified::Unmapped(..) => assert_eq!(line["skipped"], "unmapped"),
        }
    }
    assert!(compared > 2_500, "{compared}");
    // Without a decisions file (only the first denied events are explained), the counts are the
    // same: the decision never depends on how much is recorded.
    let (quiet, _) = audit(
        &[scratch_file(
            "generated.jsonl",
            &std::fs::read(scratch_file_path("generated.jsonl")).unwrap(),
        )],
        &snapshot,
        &Mapping::default(),
        None,
        &mut |_| {},
    );
    assert_eq!(
        (quiet.allowed, quiet.explicit_deny, quiet.implicit_deny),
        (stats.allowed, stats.explicit_deny, stats.implicit_deny)
    );
    let reference_allowed = lines.iter().filter(|l| l["decision"] == "Allow").count() as u64;
    assert_eq!(quiet.allowed, reference_allowed);
    // The generator's recorded outcomes agree with the bundle but for its 1% drift.
    let t = stats.ground_truth;
    let disagreements = t.recorded_denied_ramjet_allowed + t.recorded_allowed_ramjet_denied;
    assert!(disagreements > 0 && disagreements < 100, "{t:?}");
    assert!(
        stats.allowed > 300 && stats.explicit_deny + stats.implicit_deny > 300,
        "{stats:?}"
    );
}

#[test]
fn request_strings_over_the_cap_make_the_record_unmapped_with_the_reason() {
    let agent = "x".repeat(10_000);
    let long_agent = ALICE.replace(
        "\"sourceIpAddress\"",
        &format!("\"userAgent\": \"{agent}\", \"sourceIpAddress\""),
    );
    let long_user = ALICE.replace("\"alice\"", &format!("\"{agent}\""));
    let stats = run(&[scratch_file(
        "long-strings.jsonl",
        &jsonl(&[ALICE, &long_agent, &long_user]),
    )]);
    assert_eq!((stats.events, stats.evaluated, stats.unmapped), (3, 1, 2));
    let reasons: Vec<&String> = stats.unmapped_reasons.keys().collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("context value has 10000 characters")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("userName over 8192")),
        "{reasons:?}"
    );
}

#[test]
fn values_holding_no_record_are_counted_apart_from_events() {
    let stats = run(&[scratch_file(
        "empty-values.jsonl",
        &jsonl(&[ALICE, "[]", r#"{"Events": []}"#, "", ALICE]),
    )]);
    assert_eq!(
        (
            stats.events,
            stats.evaluated,
            stats.empty_values,
            stats.blank_lines
        ),
        (2, 2, 2, 1)
    );
}

/// The member names of a JSON object, in the order written.
fn names(text: &str) -> Vec<String> {
    match read(text.as_bytes()) {
        Ok(Json::Object(members)) => members.into_iter().map(|(name, _)| name).collect(),
        other => panic!("{other:?}: {text}"),
    }
}

fn member<'a>(json: &'a Json, name: &str) -> &'a Json {
    match json {
        Json::Object(members) => &members.iter().find(|(n, _)| n == name).unwrap().1,
        other => panic!("{other:?}"),
    }
}

/// The decisions file and the report keep their members in the documented order (they are
/// structs, not `serde_json::Value`s, whose members serde_json sorts without `preserve_order`).
#[test]
fn decision_lines_and_report_keep_their_member_order() {
    let denied = ALICE.replace("alice", "nobody");
    let file = scratch_file(
        "order.jsonl",
        &jsonl(&[ALICE, SYSTEM, UNKNOWN, "{\"eventName\": ", &denied]),
    );
    let snapshot = Snapshot::compile(&bundle(), 1).unwrap();
    let mut decisions = Vec::new();
    let (stats, _) = audit(
        &[file],
        &snapshot,
        &Mapping::default(),
        Some(&mut decisions),
        &mut |_| {},
    );
    let decided = [
        "file",
        "line",
        "event_id",
        "principal",
        "action",
        "resource",
        "decision",
        "step",
        "determining",
        "recorded_error",
    ];
    let lines: Vec<Vec<String>> = String::from_utf8(decisions)
        .unwrap()
        .lines()
        .map(names)
        .collect();
    assert_eq!(
        lines,
        vec![
            decided.to_vec(),
            vec!["file", "line", "skipped"],
            vec!["file", "line", "skipped", "reason"],
            vec!["file", "line", "skipped", "reason"],
            decided.to_vec(),
        ]
    );
    let unused = std::collections::BTreeMap::new();
    let text = serde_json::to_string(&report(&stats, &unused)).unwrap();
    assert_eq!(
        names(&text),
        [
            "events",
            "evaluated",
            "allowed",
            "explicit_deny",
            "implicit_deny",
            "skipped",
            "blank_lines",
            "empty_values",
            "files",
            "principals",
            "actions",
            "denied_samples",
            "unmapped_reasons",
            "unmapped_samples",
            "malformed_samples",
            "ground_truth",
            "unused_permissions",
        ]
    );
    let json = read(text.as_bytes()).unwrap();
    let first = |name: &str| match member(&json, name) {
        Json::Array(items) => items[0].to_compact_string(),
        other => panic!("{name}: {other:?}"),
    };
    let mut sample = decided.to_vec();
    sample.push("reason");
    assert_eq!(names(&first("denied_samples")), sample);
    assert_eq!(
        names(&first("unmapped_samples")),
        ["file", "line", "event_id", "reason"]
    );
    assert_eq!(
        names(&first("malformed_samples")),
        ["file", "line", "error"]
    );
    assert_eq!(names(&first("files")), ["file", "shape", "events"]);
    let principals = member(&json, "principals").to_compact_string();
    let Json::Object(principals) = read(principals.as_bytes()).unwrap() else {
        panic!("principals")
    };
    assert_eq!(
        names(&principals[0].1.to_compact_string()),
        ["events", "allowed", "explicit_deny", "implicit_deny"]
    );
    assert_eq!(
        names(&member(&json, "skipped").to_compact_string()),
        ["system", "unmapped", "malformed"]
    );
    assert_eq!(
        names(&member(&json, "ground_truth").to_compact_string()),
        [
            "recorded_denied",
            "recorded_denied_ramjet_denied",
            "recorded_denied_ramjet_allowed",
            "recorded_allowed_ramjet_denied",
            "recorded_allowed_ramjet_allowed",
        ]
    );
}

#[test]
fn role_assumption_events_are_decided_by_the_trust_policy_of_the_role_they_name() {
    let assume = |account: &str| {
        format!(
            r#"{{"eventName": "AssumeRole", "serviceName": "Sts", "eventTime": "2026-11-24T10:00:00Z",
            "requestParameters": {{"RoleArn": "acs:ram::1234567890123456:role/pai-runner", "RoleSessionName": "s1"}},
            "userIdentity": {{"type": "root-account", "accountId": "{account}"}}}}"#
        )
        .replace('\n', " ")
    };
    // The bundle's root account is trusted by `PaiRunnerTrust`; another account's root is not.
    let own = assume("1234567890123456");
    let other = assume("9876543210987654");
    let file = scratch_file("assume.jsonl", &jsonl(&[&own, &other]));
    let snapshot = Snapshot::compile(&bundle(), 1).unwrap();
    let mut decisions = Vec::new();
    let (stats, _) = audit(
        &[file],
        &snapshot,
        &Mapping::default(),
        Some(&mut decisions),
        &mut |_| {},
    );
    assert_eq!((stats.allowed, stats.implicit_deny), (1, 1), "{stats:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(decisions)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines[0]["resource"],
        "acs:ram::1234567890123456:role/pai-runner"
    );
    assert_eq!(lines[0]["decision"], "Allow");
    assert_eq!(lines[1]["decision"], "ImplicitDeny");
    // The same answers from the reference interpreter.
    let mapping = Mapping::default();
    for (text, line) in [own, other].iter().zip(&lines) {
        let mut classified = Vec::new();
        classify_value(text, &mapping, &mut classified);
        let Classified::Request(request, _) = classified.pop().unwrap().unwrap() else {
            panic!("{text}");
        };
        let expected =
            reference::evaluate(&reference::bundle_policies(&bundle(), &request), &request);
        assert_eq!(line["decision"], expected.decision.as_str());
    }
}
