//! `ramjet analyze` as a process: verdicts and exit statuses, and every FAIL's witness checked
//! again by `ramjet check` (Allow under the new policies, not under the old).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("analyze")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, file: &str, text: &str) -> String {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn ramjet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ramjet"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `ramjet check` of a FAIL's witness (written in `dir`): Allow (exit 0) under the policy
/// `allows`, not (exit 1) under `denies`.
fn assert_witness(dir: &Path, verdict: &Value, allows: &str, denies: &str) {
    let witness = write(dir, "witness.json", &verdict["witness"].to_string());
    let check = |policy: &str| ramjet(&["check", "--policy", policy, "--request", &witness]);
    let allowed = check(allows);
    assert_eq!(
        allowed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&allowed.stdout)
    );
    assert_eq!(check(denies).status.code(), Some(1));
}

const NARROW: &str = r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "eas:DescribeService", "Resource": "acs:eas:*:*:service/team-*"}]}"#;
const WIDE: &str = r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": ["eas:Describe*", "eas:List*"], "Resource": "acs:eas:*:*:service/*"}]}"#;

#[test]
fn no_new_access_passes_for_a_narrowing_and_fails_with_a_checked_witness_for_a_widening() {
    let dir = scratch("narrow-wide");
    let narrow = write(&dir, "narrow.json", NARROW);
    let wide = write(&dir, "wide.json", WIDE);
    let pass = ramjet(&[
        "analyze",
        "no-new-access",
        "--old",
        &wide,
        "--new",
        &narrow,
        "--format",
        "json",
    ]);
    assert_eq!(pass.status.code(), Some(0));
    assert_eq!(json(&pass)["result"], "PASS");
    let fail = ramjet(&[
        "analyze",
        "no-new-access",
        "--old",
        &narrow,
        "--new",
        &wide,
        "--format",
        "json",
    ]);
    assert_eq!(fail.status.code(), Some(1));
    let verdict = json(&fail);
    assert_eq!(verdict["result"], "FAIL");
    assert_eq!(verdict["statements"][0]["policy"], "wide");
    assert_witness(&dir, &verdict, &wide, &narrow);
}

#[test]
fn a_deny_with_a_condition_is_seen_through() {
    // The bundle's developer policy denies everything outside the office networks, so it grants
    // nothing that the seed's list-only policy does not... except nothing: the seed allows
    // ListServices from anywhere, which the developer policy does not.
    let seed = "corpus/policies/seeds/pai-eas-list-services.json";
    let developer = "corpus/bundle/policies/PaiDeveloper.json";
    let run = ramjet(&[
        "analyze",
        "no-new-access",
        "--old",
        developer,
        "--new",
        seed,
        "--format",
        "json",
    ]);
    assert_eq!(run.status.code(), Some(1));
    let verdict = json(&run);
    assert_witness(&scratch("seed"), &verdict, seed, developer);
    // Production services cannot be deleted under the developer policy.
    let run = ramjet(&[
        "analyze",
        "access-not-granted",
        developer,
        "--action",
        "eas:DeleteService",
        "eas:StopService",
        "--resource",
        "acs:eas:cn-hangzhou:1234567890123456:service/prod-a",
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert!(String::from_utf8_lossy(&run.stdout).starts_with("PASS: proven for every request"));
    // Development ones can, from the office network.
    let run = ramjet(&[
        "analyze",
        "access-not-granted",
        developer,
        "--action",
        "eas:DeleteService",
        "--format",
        "json",
    ]);
    assert_eq!(run.status.code(), Some(1));
    let verdict = json(&run);
    assert_eq!(verdict["witness"]["action"], "eas:DeleteService");
    let ip = verdict["witness"]["context"]["acs:SourceIp"]
        .as_str()
        .unwrap();
    assert!(
        ip.starts_with("192.0.2.") || ip.starts_with("198.51.100.") || ip.starts_with("2001:db8"),
        "{ip}"
    );
}

#[test]
fn what_is_not_analysed_is_unknown_and_bad_input_is_an_error() {
    // A scenario with a resource-based policy: no-new-access does not compare those.
    let dir = scratch("unknown");
    let scenario = write(
        &dir,
        "scenario.json",
        r#"{
      "policies": {"resource": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject",
        "Principal": "*", "Resource": "acs:oss:*:1234567890123456:b/*"}]}},
      "request": {"action": "oss:GetObject", "resource": "acs:oss:*:1234567890123456:b/o"}}"#,
    );
    let scenario = scenario.as_str();
    let run = ramjet(&[
        "analyze",
        "no-new-access",
        "--old",
        scenario,
        "--new",
        scenario,
        "--format",
        "json",
    ]);
    assert_eq!(run.status.code(), Some(2));
    let verdict = json(&run);
    assert_eq!(verdict["result"], "UNKNOWN");
    assert!(verdict["reason"]
        .as_str()
        .unwrap()
        .contains("no-public-access only"));
    let bad = ramjet(&[
        "analyze",
        "access-not-granted",
        "corpus/bundle/policies/PaiDeveloper.json",
        "--action",
        "eas:*",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("without wildcards"));
    let missing = ramjet(&[
        "analyze",
        "no-new-access",
        "--old",
        "nope.json",
        "--new",
        "nope.json",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let bundle = ramjet(&[
        "analyze",
        "no-new-access",
        "--old",
        "corpus/bundle",
        "--new",
        "corpus/bundle",
    ]);
    assert_eq!(bundle.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bundle.stderr).contains("ramjet analyze diff"));
}

#[test]
fn equivalent_sets_pass_and_different_ones_fail_either_way() {
    let dir = scratch("equivalent");
    let narrow = write(&dir, "narrow.json", NARROW);
    // The same grant written another way: another case, and a statement the other includes.
    let same = write(
        &dir,
        "same.json",
        r#"{"Version": "1", "Statement": [
      {"Effect": "Allow", "Action": "eas:describeservice", "Resource": "acs:eas:*:*:service/team-a*"},
      {"Effect": "Allow", "Action": "EAS:DescribeService", "Resource": "acs:eas:*:*:service/team-*"}]}"#,
    );
    let wide = write(&dir, "wide.json", WIDE);
    let pass = ramjet(&["analyze", "equivalent", &narrow, &same]);
    assert_eq!(
        pass.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&pass.stdout)
    );
    for (a, b) in [(&narrow, &wide), (&wide, &narrow)] {
        let fail = ramjet(&["analyze", "equivalent", a, b, "--format", "json"]);
        assert_eq!(fail.status.code(), Some(1));
        let verdict = json(&fail);
        assert_eq!(verdict["statements"][0]["policy"], "wide");
        assert_witness(&dir, &verdict, &wide, &narrow);
    }
}

/// The seeds' least-privilege policies against the policies they narrow: the LangStudio
/// bucket-tag sample grants nothing the LangStudio default role does not, and the PAI
/// list-services sample nothing AliyunPAIFullAccess does not; the other way round, both fail.
#[test]
fn seed_narrowings_pass_and_their_widenings_fail() {
    let pairs = [
        (
            "corpus/policies/seeds/langstudio-default-role.json",
            "corpus/policies/seeds/langstudio-oss-bucket-tag.json",
        ),
        (
            "corpus/policies/published/001-AliyunPAIFullAccess.json",
            "corpus/policies/seeds/pai-eas-list-services.json",
        ),
    ];
    for (wide, narrow) in pairs {
        let pass = ramjet(&["analyze", "no-new-access", "--old", wide, "--new", narrow]);
        assert_eq!(pass.status.code(), Some(0), "{narrow} within {wide}");
        let fail = ramjet(&[
            "analyze",
            "no-new-access",
            "--old",
            narrow,
            "--new",
            wide,
            "--format",
            "json",
        ]);
        assert_eq!(fail.status.code(), Some(1), "{wide} beyond {narrow}");
        assert_witness(&scratch("seeds"), &json(&fail), wide, narrow);
    }
}

/// `ramjet check --resource-policy POLICY` of a FAIL's witness (with, for a user or role of
/// another account, `own` as its own account's identity policy): Allow, by the resource policy.
fn assert_public_witness(dir: &Path, verdict: &Value, policy: &str) {
    let witness = write(dir, "witness.json", &verdict["witness"].to_string());
    let own = write(
        dir,
        "own.json",
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    );
    let check = ramjet(&[
        "check",
        "--policy",
        &own,
        "--resource-policy",
        policy,
        "--request",
        &witness,
        "--format",
        "json",
    ]);
    assert_eq!(check.status.code(), Some(0), "{}", verdict["witness"]);
    let answer = json(&check);
    assert!(
        answer["determining"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "resource"),
        "{answer}"
    );
}

#[test]
fn no_public_access_of_trust_and_bucket_policies() {
    let dir = scratch("public");
    let trust = "corpus/bundle/policies/PaiRunnerTrust.json";
    let run = |args: &[&str]| {
        let mut all = vec!["analyze", "no-public-access"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        ramjet(&all)
    };
    // The role trusts its own account's root and a cloud service: nothing outside.
    let pass = run(&[trust, "--account", "1234567890123456"]);
    assert_eq!(pass.status.code(), Some(0));
    assert_eq!(json(&pass)["result"], "PASS");
    // Owned by another account, the same trust lets 1234567890123456 in.
    let fail = run(&[trust, "--account", "2000000000000000"]);
    assert_eq!(fail.status.code(), Some(1));
    let verdict = json(&fail);
    assert_eq!(
        verdict["witness"]["principal"]["account"],
        "1234567890123456"
    );
    assert_eq!(verdict["statements"][0]["policy"], "PaiRunnerTrust");
    assert_public_witness(&dir, &verdict, trust);
    // Without the owner the answer depends on it.
    let unknown = run(&[trust]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(json(&unknown)["reason"]
        .as_str()
        .unwrap()
        .contains("--account"));
    // A published bucket policy grants anonymous reads from an address range.
    let bucket = "corpus/policies/published/084-oss-bucket-policy-manage-bucket-policies.json";
    let fail = run(&[bucket]);
    assert_eq!(fail.status.code(), Some(1));
    let verdict = json(&fail);
    assert_eq!(verdict["witness"]["principal"]["type"], "Anonymous");
    assert_public_witness(&dir, &verdict, bucket);
    // Text output names the witness and the statement.
    let text = ramjet(&["analyze", "no-public-access", bucket]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("FAIL: "), "{text}");
    assert!(text.contains("witness: {") && text.contains("allowed by: policy 084-"));
    // A scenario's resource policy is analysed; a scenario without one is an error.
    let scenario = write(
        &dir,
        "scenario.json",
        &format!(
            r#"{{"policies": {{"resource": {}}}, "request": {{"action": "sts:AssumeRole", "resource": "*"}}}}"#,
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(trust))
                .unwrap()
        ),
    );
    assert_eq!(
        json(&run(&[&scenario, "--account", "1234567890123456"]))["result"],
        "PASS"
    );
    let bare = write(
        &dir,
        "bare.json",
        r#"{"policies": {}, "request": {"action": "a:b", "resource": "*"}}"#,
    );
    let error = run(&[&bare]);
    assert_eq!(error.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&error.stderr).contains("no resource policy"));
    // A resource policy without a Principal is refused with the path.
    let no_principal = write(
        &dir,
        "no-principal.json",
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    );
    let error = run(&[&no_principal]);
    assert_eq!(error.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&error.stderr).contains("Statement[0]"));
}

/// A copy of the corpus bundle in `dir`, with `edit` applied to its manifest and policies.
fn edited_bundle(dir: &Path, edit: impl FnOnce(&mut Value, &Path)) -> String {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    for entry in std::fs::read_dir(corpus.join("policies")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("policies").join(entry.file_name())).unwrap();
    }
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(corpus.join("bundle.json")).unwrap()).unwrap();
    edit(&mut manifest, &dir.join("policies"));
    std::fs::write(dir.join("bundle.json"), manifest.to_string()).unwrap();
    dir.display().to_string()
}

/// `ramjet eval --engine reference --bundle DIR` of one request: its decision.
fn bundle_decision(dir: &Path, bundle: &str, request: &Value) -> String {
    let requests = write(dir, "requests.jsonl", &format!("{request}\n"));
    let out = ramjet(&[
        "eval",
        "--engine",
        "reference",
        "--bundle",
        bundle,
        "--requests",
        &requests,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    line["decision"].as_str().unwrap().to_string()
}

#[test]
fn diff_of_bundles_names_each_principal_with_new_access_and_a_witness_it_makes() {
    let dir = scratch("diff");
    let old = "corpus/bundle";
    let new = edited_bundle(&dir.join("new"), |manifest, policies| {
        // A widened policy (held by alice and by bob's group), a new user, and a control
        // policy changed for nobody (the second account is the management account).
        let path = policies.join("EasListServices.json");
        let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        doc["Statement"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
            "Effect": "Allow", "Action": "eas:DeleteService",
            "Resource": "acs:eas:*:1234567890123456:service/prod-*"}));
        std::fs::write(&path, doc.to_string()).unwrap();
        manifest["accounts"]["1234567890123456"]["users"]["frank"] =
            serde_json::json!({"policies": ["EasListServices"], "groups": []});
    });
    let out = ramjet(&[
        "analyze", "diff", "--old", old, "--new", &new, "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let found = json(&out);
    assert_eq!(found["result"], "FAIL");
    assert_eq!(found["principals"], 8);
    let changes = found["changes"].as_array().unwrap();
    let names: Vec<&str> = changes
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob", "frank"]);
    for change in changes {
        match change["result"].as_str().unwrap() {
            "FAIL" => {
                let witness = &change["witness"];
                assert_eq!(witness["principal"]["name"], change["name"]);
                // The independent path: the reference interpreter's bundle evaluation.
                assert_eq!(bundle_decision(&dir, &new, witness), "Allow", "{witness}");
                assert_ne!(bundle_decision(&dir, old, witness), "Allow", "{witness}");
                assert!(change["reason"].as_str().unwrap().starts_with("can now "));
            }
            // alice's developer policy already lets her delete any service.
            "PASS" => assert_eq!(change["name"], "alice"),
            other => panic!("{other}: {change}"),
        }
    }
    // Text: one line per principal with new access, then the summary.
    let text = ramjet(&["analyze", "diff", "--old", old, "--new", &new]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("FAIL user bob (account 1234567890123456): can now eas:DeleteService on ")
    );
    assert!(
        text.ends_with("FAIL: 8 principals, 3 with changed policies: 1 PASS, 2 FAIL, 0 UNKNOWN\n")
    );
    // A bundle against itself: nothing changed, PASS.
    let same = ramjet(&["analyze", "diff", "--old", old, "--new", old]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "PASS: 7 principals, 0 with changed policies: 0 PASS, 0 FAIL, 0 UNKNOWN\n"
    );
    // A principal with resource-group policies: analysed with them (a witness outside the
    // group, where the new account-scope policy alone decides).
    let rg = edited_bundle(&dir.join("rg"), |manifest, _| {
        manifest["accounts"]["1234567890123456"]["users"]["dave"]["policies"] =
            serde_json::json!(["EasListServices"]);
    });
    let out = ramjet(&[
        "analyze", "diff", "--old", old, "--new", &rg, "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let change = &json(&out)["changes"][0];
    assert_eq!(change["name"], "dave");
    assert_eq!(change["result"], "FAIL");
    assert_eq!(bundle_decision(&dir, &rg, &change["witness"]), "Allow");
    assert_ne!(bundle_decision(&dir, old, &change["witness"]), "Allow");
    // A broken bundle is an error naming the file.
    let broken = dir.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("bundle.json"), "{").unwrap();
    let out = ramjet(&[
        "analyze",
        "diff",
        "--old",
        old,
        "--new",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bundle.json"));
}

#[test]
fn scenario_sets_with_control_and_session_policies_are_analysed() {
    let dir = scratch("scoped");
    let scenario = |identity: &str| {
        format!(
            r#"{{"policies": {{
          "identity": [{identity}],
          "session": {{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "eas:*", "Resource": "*"}}]}},
          "control": [[{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*"}},
                        {{"Effect": "Deny", "Action": "eas:Delete*", "Resource": "*"}}]}}]]}},
          "request": {{"action": "eas:DescribeService", "resource": "*"}}}}"#
        )
    };
    let describe = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "eas:Describe*", "Resource": "*"}]}"#;
    let deletes = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["eas:Describe*", "eas:Delete*"], "Resource": "*"}]}"#;
    let everything =
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let old = write(&dir, "old.json", &scenario(describe));
    // Deletes newly allowed by identity, still denied by the control policy, except for the
    // management account's principals, which control policies do not bind.
    let new = write(&dir, "new.json", &scenario(deletes));
    let out = ramjet(&[
        "analyze",
        "no-new-access",
        "--old",
        &old,
        "--new",
        &new,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let witness = &json(&out)["witness"];
    assert_eq!(
        witness["principal"]["management_account"], true,
        "{witness}"
    );
    // Everything newly allowed by identity: a role session is still bounded by its session
    // policy, a RAM user is not; the witness shows the new access either way.
    let wide = write(&dir, "wide.json", &scenario(everything));
    let out = ramjet(&[
        "analyze",
        "no-new-access",
        "--old",
        &new,
        "--new",
        &wide,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let verdict = json(&out);
    let request = write(&dir, "witness.json", &verdict["witness"].to_string());
    for (set, expected) in [(&wide, Some(0)), (&new, Some(1))] {
        let scenario: Value = serde_json::from_str(&std::fs::read_to_string(set).unwrap()).unwrap();
        let mut scenario = scenario;
        scenario["request"] =
            serde_json::from_str(&std::fs::read_to_string(&request).unwrap()).unwrap();
        let file = write(&dir, "check.json", &scenario.to_string());
        let check = ramjet(&["check", "--scenario", &file]);
        assert_eq!(check.status.code(), expected, "{}", verdict["witness"]);
    }
}
