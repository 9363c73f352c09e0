//! The `ramjet` command's interface: both forms of `check`, `validate`, exit statuses, and
//! errors that name the file and the JSON path, for malformed input at every level.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

fn ramjet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ramjet"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const ALLOW_EAS: &str = r#"{"Version": "1", "Statement": [
  {"Sid": "UseEas", "Effect": "Allow", "Action": "eas:*", "Resource": "acs:eas:*:1234567890123456:service/*"},
  {"Effect": "Deny", "Action": "eas:DeleteService", "Resource": "*"}]}"#;

const REQUEST: &str = r#"{"action": "eas:CreateService",
  "resource": "acs:eas:cn-hangzhou:1234567890123456:service/demo",
  "principal": {"type": "RamUser", "account": "1234567890123456", "name": "alice"}}"#;

#[test]
fn check_with_policy_files_names_policies_by_file_stem() {
    let dir = scratch("stem");
    let policy = write(&dir, "PaiDevelopers.json", ALLOW_EAS);
    let request = write(&dir, "request.json", REQUEST);
    let out = ramjet(&[
        "check",
        "--policy",
        policy.to_str().unwrap(),
        "--request",
        request.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"decision": "Allow", "step": "final",
            "determining": [{"policy": "PaiDevelopers", "statement": 0, "sid": "UseEas",
                "kind": "identity", "index": 0}]})
    );
}

#[test]
fn check_text_output_explains_the_decision() {
    let dir = scratch("text");
    let policy = write(&dir, "P1.json", ALLOW_EAS);
    let request = write(
        &dir,
        "delete.json",
        &REQUEST.replace("CreateService", "DeleteService"),
    );
    let out = ramjet(&[
        "check",
        "--policy",
        policy.to_str().unwrap(),
        "--request",
        request.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ExplicitDeny: eas:DeleteService on acs:eas:cn-hangzhou:1234567890123456:service/demo by RAM user alice"), "{stdout}");
    assert!(
        stdout.contains("denied by identity policy P1 Statement[1]: Deny Action eas:DeleteService on Resource *"),
        "{stdout}"
    );
    assert!(stdout.contains("decided at step: final"), "{stdout}");
}

#[test]
fn check_with_trust_policy_decides_role_assumption() {
    let dir = scratch("trust");
    let trust = write(
        &dir,
        "trust.json",
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": ["pai.aliyuncs.com"]}}]}"#,
    );
    let request = write(
        &dir,
        "assume.json",
        r#"{"action": "sts:AssumeRole", "resource": "acs:ram::1234567890123456:role/pai-runner",
            "principal": {"type": "Service", "service": "pai.aliyuncs.com"}}"#,
    );
    let out = ramjet(&[
        "check",
        "--resource-policy",
        trust.to_str().unwrap(),
        "--request",
        request.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(r#""policy":"resource""#));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["check"][..],
        &["check", "--policy", "p.json"][..],
        &["check", "--scenario", "s.json", "--request", "r.json"][..],
        &["check", "--scenario", "s.json", "--format", "yaml"][..],
        &["validate"][..],
        &["validate", "--kind", "trust", "p.json"][..],
        &["frobnicate"][..],
    ] {
        let out = ramjet(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn help_has_examples() {
    for command in ["check", "validate"] {
        let out = ramjet(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("Examples:"), "{command}");
    }
}

#[test]
fn unreadable_files_exit_2_naming_the_file() {
    let out = ramjet(&["check", "--scenario", "/nonexistent/scenario.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/scenario.json: cannot read"));
    let out = ramjet(&["validate", "/nonexistent/policy.json"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Malformed policies at every level: the file form of `check` exits 2 and `validate` exits 1,
/// both naming the path; nothing panics.
#[test]
fn malformed_policies_are_rejected_with_their_path() {
    let dir = scratch("malformed");
    let request = write(&dir, "request.json", REQUEST);
    let cases: &[(&str, &str)] = &[
        (r#"{"Version": "1", "Statement": [{"Effect": "Allow""#, "line 1, column"),
        (r#"{"Version": "1", "Statement": {"Effect": "Allow", "Action": 7, "Resource": "*"}}"#, "Statement.Action"),
        (r#"{"Version": "1", "Statement": []}"#, "Statement: a policy needs at least one statement"),
        (r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}"#, "Statement[0].Action"),
        (r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Effect": "Deny", "Action": "a:b", "Resource": "*"}]}"#, "Statement[0].Effect"),
        (r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {"StringEqual": {"k": "v"}}}]}"#, "Statement[0].Condition.StringEqual: unknown condition operator"),
        (r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "300.1.1.1"]}}}]}"#, "Statement[0].Condition.IpAddress.acs:SourceIp[1]: \"300.1.1.1\" is not an IPv4 or IPv6 address or CIDR block"),
        (r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*"}]}"#, "Version: \"2012-10-17\" is an AWS IAM policy version"),
        (r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Principal": "*"}]}"#, "Statement[0].Principal: Principal is only allowed in resource-based policies"),
        ("{\"Version\": \"1\",\n\u{a0}\u{a0}\"Statement\": []}", "U+00A0"),
        ("[1, 2", "line 1"),
        ("\"a policy\"", "(root): expected a policy document (an object), found a string"),
        ("", "line 1, column 0"),
    ];
    for (i, (policy, expected)) in cases.iter().enumerate() {
        let file = write(&dir, &format!("p{i}.json"), policy);
        let out = ramjet(&[
            "check",
            "--policy",
            file.to_str().unwrap(),
            "--request",
            request.to_str().unwrap(),
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{policy}: {stderr}");
        assert!(
            stderr.contains(&format!("{}: ", file.display())),
            "{stderr}"
        );
        assert!(
            stderr.contains(expected),
            "{policy}: expected {expected:?} in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        let out = ramjet(&["validate", "--kind", "identity", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{policy}");
        assert!(
            text(&out.stdout).contains(expected),
            "{}",
            text(&out.stdout)
        );
    }
}

#[test]
fn malformed_requests_are_rejected_with_their_path() {
    let dir = scratch("requests");
    let policy = write(&dir, "P.json", ALLOW_EAS);
    let cases: &[(&str, &str)] = &[
        (
            r#"{"action": "eas:*", "resource": "*"}"#,
            "action: \"eas:*\" is not an action",
        ),
        (
            r#"{"resource": "*"}"#,
            "(root): member \"action\" is required",
        ),
        (
            r#"{"action": "eas:X", "resource": "*", "contxt": {}}"#,
            "contxt: unknown member",
        ),
        (
            r#"{"action": "eas:X", "resource": "*", "principal": null}"#,
            "principal: expected a principal",
        ),
        (
            r#"{"action": "eas:X", "resource": "*", "principal": {"type": "RamUser", "account": "1"}}"#,
            "principal: member \"name\" is required",
        ),
        (
            r#"{"action": "eas:X", "resource": "*", "context": {"a:b": {"c": 1}}}"#,
            "context.a:b: a context value",
        ),
        (
            r#"{"action": "eas:X", "resource": "*", "context": {"acs:SourceIp": "1.1.1.1", "ACS:SOURCEIP": "2.2.2.2"}}"#,
            "context.ACS:SOURCEIP: context key",
        ),
        (
            r#"{"action": "eas:X", "action": "eas:Y", "resource": "*"}"#,
            "action: member \"action\" is given more than once",
        ),
    ];
    for (i, (request, expected)) in cases.iter().enumerate() {
        let file = write(&dir, &format!("r{i}.json"), request);
        let out = ramjet(&[
            "check",
            "--policy",
            policy.to_str().unwrap(),
            "--request",
            file.to_str().unwrap(),
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{request}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{request}: expected {expected:?} in {stderr}"
        );
    }
}

#[test]
fn validate_reports_warnings_without_failing_and_infers_resource_kind() {
    let dir = scratch("validate");
    let numeric_version = write(
        &dir,
        "ros.json",
        r#"{"Version": 1, "Statement": [{"Effect": "allow ", "Action": "ecs:*", "Resource": "*"}]}"#,
    );
    let trust = write(
        &dir,
        "trust.json",
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": "acs:ram::1:root"}}]}"#,
    );
    let out = ramjet(&[
        "validate",
        "--format",
        "json",
        numeric_version.to_str().unwrap(),
        trust.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], 0);
    assert_eq!(report["warnings"], 2);
    assert_eq!(report["files"][0]["diagnostics"][0]["path"], "Version");
    assert_eq!(
        report["files"][0]["diagnostics"][1]["path"],
        "Statement[0].Effect"
    );
    assert_eq!(report["files"][1]["kind"], "resource");
    assert_eq!(report["files"][1]["valid"], true);
    // Members in the documented order (interfaces.md), not sorted.
    let printed = text(&out.stdout);
    assert!(
        printed.starts_with(r#"{"files":[{"file":"#)
            && printed.contains(r#","kind":"identity","valid":true,"diagnostics":[{"severity":"warning","path":"Version","message":"#)
            && printed.trim_end().ends_with(r#"],"errors":0,"warnings":2}"#),
        "{printed}"
    );
    // As an identity policy the trust policy is wrong.
    let out = ramjet(&["validate", "--kind", "identity", trust.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout)
        .contains("Statement[0]: member \"Resource\" or \"NotResource\" is required"));
}

#[test]
fn validate_reports_ram_size_limits() {
    let dir = scratch("size");
    let actions: Vec<String> = (0..400).map(|i| format!("\"ecs:Action{i}\"")).collect();
    let policy = format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": [{}], "Resource": "*"}}]}}"#,
        actions.join(",")
    );
    let file = write(&dir, "big.json", &policy);
    let out = ramjet(&["validate", "--kind", "session", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("RAM accepts at most 2048"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn eval_answers_every_line_in_order_and_counts_unreadable_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bundle = root.join("corpus/bundle");
    let requests = root.join("corpus/examples/requests.jsonl");
    let run = |engine: &str| {
        ramjet(&[
            "eval",
            "--bundle",
            bundle.to_str().unwrap(),
            "--requests",
            requests.to_str().unwrap(),
            "--engine",
            engine,
        ])
    };
    let compiled = run("compiled");
    assert_eq!(
        compiled.status.code(),
        Some(1),
        "{}",
        text(&compiled.stderr)
    );
    let lines: Vec<serde_json::Value> = text(&compiled.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["decision"], "Allow");
    assert_eq!(lines[0]["revision"], 1);
    assert_eq!(lines[1]["decision"], "ExplicitDeny");
    assert_eq!(lines[4]["line"], 5);
    assert!(lines[4]["error"].as_str().unwrap().starts_with("action: "));
    // The reference interpreter reads the bundle the same way.
    let reference = run("reference");
    let strip = |v: &serde_json::Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("revision");
        }
        v
    };
    let reference_lines: Vec<serde_json::Value> = text(&reference.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.iter().map(strip).collect::<Vec<_>>(), reference_lines);
}

#[test]
fn eval_with_policy_files_and_every_line_readable_exits_0() {
    let dir = scratch("eval");
    let policy = write(&dir, "P.json", ALLOW_EAS);
    let many: String = (0..40_000)
        .map(|i| format!("{{\"action\": \"eas:Op{i}\", \"resource\": \"acs:eas:cn:1234567890123456:service/s{i}\"}}\n"))
        .collect();
    let requests = write(&dir, "requests.jsonl", &many);
    let out = ramjet(&[
        "eval",
        "--policy",
        policy.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 40_000);
    assert!(stdout.lines().all(|l| l.contains("\"Allow\"")));
    // Empty lines and invalid UTF-8 are unreadable lines, counted and answered in place.
    let odd = write(
        &dir,
        "odd.jsonl",
        "{\"action\": \"eas:A\", \"resource\": \"*\"}\n\n\u{7f}\n",
    );
    let out = ramjet(&[
        "eval",
        "--policy",
        policy.to_str().unwrap(),
        "--requests",
        odd.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[1].contains("\"line\":2"), "{lines:?}");
    assert!(lines[2].contains("\"line\":3"), "{lines:?}");
}

#[test]
fn eval_usage_and_bundle_errors_exit_2() {
    let out = ramjet(&["eval", "--requests", "r.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let out = ramjet(&["eval", "--bundle", "/nonexistent", "--requests", "r.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent/bundle.json: (file): cannot read"),
        "{}",
        text(&out.stderr)
    );
    let dir = scratch("eval-bad-bundle");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    write(
        &dir,
        "bundle.json",
        r#"{"accounts": {"1": {"users": {"a": {"policies": ["Nope"]}}}}}"#,
    );
    let requests = write(&dir, "r.jsonl", "{}\n");
    let out = ramjet(&[
        "eval",
        "--bundle",
        dir.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("bundle.json: accounts.1.users.a.policies[0]: policy \"Nope\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_engines_agree() {
    let dir = scratch("engines");
    let policy = write(&dir, "P1.json", ALLOW_EAS);
    let request = write(&dir, "request.json", REQUEST);
    let run = |engine: &str| {
        ramjet(&[
            "check",
            "--policy",
            policy.to_str().unwrap(),
            "--request",
            request.to_str().unwrap(),
            "--format",
            "json",
            "--engine",
            engine,
        ])
        .stdout
    };
    assert_eq!(run("compiled"), run("reference"));
}

#[test]
fn audit_writes_report_and_decisions_and_accounts_for_every_event() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = scratch("audit");
    let events = root.join("corpus/actiontrail/sample-events.jsonl");
    let alice = r#"{"eventName": "ListServices", "serviceName": "Eas", "userIdentity": {"type": "ram-user", "accountId": "1234567890123456", "name": "x", "userName": "alice"}}"#;
    let corrupt = write(
        &dir,
        "corrupt.jsonl",
        &format!("{{\"eventName\": \"x\"\n{alice}\nnot json\n"),
    );
    let report = dir.join("report.json");
    let decisions = dir.join("decisions.jsonl");
    let out = ramjet(&[
        "audit",
        "--bundle",
        root.join("corpus/bundle").to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--decisions",
        decisions.to_str().unwrap(),
        events.to_str().unwrap(),
        corrupt.to_str().unwrap(),
    ]);
    // Malformed lines: reported, and the exit status says some input was unreadable.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("1007 events in "), "{stdout}");
    assert!(stdout.contains("2 malformed"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    let skipped = &report["skipped"];
    assert_eq!(n(&report["events"]), 1007);
    assert_eq!(
        n(&report["events"]),
        n(&report["evaluated"])
            + n(&skipped["system"])
            + n(&skipped["unmapped"])
            + n(&skipped["malformed"])
    );
    assert_eq!(
        n(&report["evaluated"]),
        n(&report["allowed"]) + n(&report["explicit_deny"]) + n(&report["implicit_deny"])
    );
    for key in [
        "principals",
        "actions",
        "denied_samples",
        "ground_truth",
        "unused_permissions",
        "unmapped_reasons",
    ] {
        assert!(!report[key].is_null(), "{key} missing");
    }
    assert_eq!(report["malformed_samples"][0]["line"], 1);
    assert_eq!(report["malformed_samples"][1]["line"], 3);
    let lines = std::fs::read_to_string(&decisions).unwrap();
    assert_eq!(lines.lines().count(), 1007);
}

#[test]
fn audit_and_gen_events_errors_exit_2() {
    let out = ramjet(&["audit", "--bundle", "/nonexistent", "x.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = ramjet(&[
        "audit",
        "--bundle",
        root.join("corpus/bundle").to_str().unwrap(),
        "/nonexistent/events.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/events.jsonl: cannot read"));
    let out = ramjet(&[
        "audit",
        "--bundle",
        root.join("corpus/bundle").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = ramjet(&["gen-events", "--bundle", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn gen_events_is_deterministic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bundle = root.join("corpus/bundle");
    let run = |seed: &str| {
        ramjet(&[
            "gen-events",
            "--bundle",
            bundle.to_str().unwrap(),
            "--count",
            "50",
            "--seed",
            seed,
        ])
        .stdout
    };
    assert_eq!(run("3"), run("3"));
    assert_ne!(run("3"), run("4"));
    assert_eq!(text(&run("3")).lines().count(), 50);
}

#[test]
fn check_tells_policies_of_one_name_apart() {
    // A control policy and an identity policy may share a name (spec §6.3): the scenario is
    // decided, and both outputs say which one decided.
    let dir = scratch("names");
    let scenario = write(
        &dir,
        "names.json",
        r#"{"policies": {
          "control": [[{"name": "Guard", "document": {"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "eas:Delete*", "Resource": "*"}]}}]],
          "identity": [{"name": "Guard", "document": {"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "eas:*", "Resource": "*"}]}}]},
          "request": {"action": "eas:DeleteService", "resource": "*",
            "principal": {"type": "RamUser", "account": "1234567890123456", "name": "alice"}}}"#,
    );
    let file = scenario.to_str().unwrap();
    let out = ramjet(&["check", "--scenario", file]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("denied by control policy Guard (level 0) Statement[1]: Deny"),
        "{stdout}"
    );
    let out = ramjet(&["check", "--scenario", file, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["determining"],
        serde_json::json!([{"policy": "Guard", "statement": 1, "sid": null,
            "kind": "control", "index": 0, "level": 0}])
    );
}
