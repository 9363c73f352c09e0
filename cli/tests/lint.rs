//! `ramjet lint` as a process: exit statuses, `--fail-on`, `--disable`, `--baseline`,
//! `--explain`, directories and bundles, and an unreadable input among readable ones.
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
        .join("lint")
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
        .arg("lint")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn status(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn findings(output: &Output) -> Vec<Value> {
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["findings"].as_array().unwrap().clone()
}

const CLEAN: &str = r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "eas:ListServices", "Resource": "acs:eas:*:1234567890123456:service/*"}]}"#;
const TYPO: &str = r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "eas:ListServicess", "Resource": "acs:eas:*:1234567890123456:service/*"}]}"#;
const ADMIN: &str = r#"{"Version": "1", "Statement": [
  {"Sid": "Break glass", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

#[test]
fn exit_status_follows_fail_on() {
    let dir = scratch("exit");
    let clean = write(&dir, "clean.json", CLEAN);
    let typo = write(&dir, "typo.json", TYPO);
    let admin = write(&dir, "admin.json", ADMIN);
    let clean_run = ramjet(&[&clean]);
    assert_eq!(
        status(&clean_run),
        0,
        "{}",
        String::from_utf8_lossy(&clean_run.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&clean_run.stdout),
        "1 file linted: 0 errors, 0 security warnings, 0 warnings, 0 suggestions\n"
    );
    let typo_run = ramjet(&[&typo]);
    assert_eq!(status(&typo_run), 1);
    let out = String::from_utf8_lossy(&typo_run.stdout);
    assert!(
        out.starts_with(&format!("{typo}:2:33: error[RJ101 unknown-action]: ")),
        "{out}"
    );
    assert!(out.contains("did you mean eas:ListServices?"), "{out}");
    // A security warning fails only from --fail-on security_warning down.
    assert_eq!(status(&ramjet(&[&admin])), 0);
    assert_eq!(
        status(&ramjet(&["--fail-on", "security_warning", &admin])),
        1
    );
    assert_eq!(status(&ramjet(&["--fail-on", "suggestion", &clean])), 0);
}

#[test]
fn an_unreadable_input_exits_2_and_the_rest_is_still_linted() {
    let dir = scratch("unreadable");
    let typo = write(&dir, "typo.json", TYPO);
    let missing = dir.join("missing.json").display().to_string();
    let run = ramjet(&["--format", "json", &missing, &typo]);
    assert_eq!(status(&run), 2);
    assert!(String::from_utf8_lossy(&run.stderr).contains("missing.json: cannot read"));
    let found = findings(&run);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["rule"], "RJ101");
}

#[test]
fn rules_turn_off_per_run_and_per_sid() {
    let dir = scratch("disable");
    let admin = write(&dir, "admin.json", ADMIN);
    let all = findings(&ramjet(&["--format", "json", &admin]));
    assert_eq!(all.len(), 1);
    assert!(findings(&ramjet(&["--format", "json", "--disable", "RJ202", &admin])).is_empty());
    assert!(findings(&ramjet(&[
        "--format",
        "json",
        "--disable",
        "allow-all@Break glass",
        &admin
    ]))
    .is_empty());
    assert_eq!(
        findings(&ramjet(&[
            "--format",
            "json",
            "--disable",
            "RJ202@Other",
            &admin
        ]))
        .len(),
        1
    );
    let unknown = ramjet(&["--disable", "RJ999", &admin]);
    assert_eq!(status(&unknown), 2);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no rule \"RJ999\""));
}

#[test]
fn a_baseline_suppresses_known_findings_only() {
    let dir = scratch("baseline");
    let typo = write(&dir, "typo.json", TYPO);
    let first = ramjet(&["--format", "json", &typo]);
    let baseline = write(
        &dir,
        "baseline.json",
        &String::from_utf8_lossy(&first.stdout),
    );
    let again = ramjet(&["--baseline", &baseline, &typo]);
    assert_eq!(status(&again), 0);
    assert!(String::from_utf8_lossy(&again.stdout).ends_with("0 suggestions (1 suppressed)\n"));
    // A new finding in the same file is not in the baseline.
    write(
        &dir,
        "typo.json",
        &TYPO.replace("\"Resource\"", "\"Action\": \"x\", \"Resource\""),
    );
    let changed = ramjet(&["--baseline", &baseline, "--format", "json", &typo]);
    assert_eq!(status(&changed), 1);
    let bad = write(&dir, "bad-baseline.json", "[1, 2]");
    assert_eq!(status(&ramjet(&["--baseline", &bad, &typo])), 2);
}

#[test]
fn explain_prints_a_rule_or_lists_them() {
    let one = ramjet(&["--explain", "RJ201"]);
    assert_eq!(status(&one), 0);
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(
        text.starts_with("RJ201 deny-fail-open (security_warning)\n"),
        "{text}"
    );
    assert!(text.contains("fail open"));
    let list = ramjet(&["--explain"]);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout).lines().count(),
        ramjet_lint_rules()
    );
    assert_eq!(status(&ramjet(&["--explain", "nope"])), 2);
}

fn ramjet_lint_rules() -> usize {
    ramjet_lint::RULES.len()
}

#[test]
fn a_bundle_directory_uses_its_manifest_kinds() {
    // FullAliyunAccess is a control policy in the bundle: its Allow * grants nothing there.
    let run = ramjet(&["--format", "json", "../corpus/bundle"]);
    assert_eq!(status(&run), 0);
    let found = findings(&run);
    assert!(!found.iter().any(|f| f["file"]
        .as_str()
        .unwrap()
        .ends_with("FullAliyunAccess.json")));
    assert!(found.iter().any(
        |f| f["rule"] == "RJ201" && f["file"] == "../corpus/bundle/policies/PaiDeveloper.json"
    ));
    // The same file alone, read as an identity policy, is administrator access.
    let alone = findings(&ramjet(&[
        "--format",
        "json",
        "../corpus/bundle/policies/FullAliyunAccess.json",
    ]));
    assert_eq!(alone[0]["rule"], "RJ202");
}

#[test]
fn sarif_output_is_a_sarif_log() {
    let dir = scratch("sarif");
    let typo = write(&dir, "typo.json", TYPO);
    let run = ramjet(&["--format", "sarif", &typo]);
    assert_eq!(status(&run), 1);
    let log: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "RJ101");
}

/// `corpus/policies/LINT.md` holds the counts `ramjet lint corpus/policies` gives: no Error on
/// any published policy, and the table by rule.
#[test]
fn corpus_summary_is_current() {
    let run = ramjet(&["--format", "json", "../corpus/policies"]);
    let found = findings(&run);
    assert!(
        !found.iter().any(|f| f["severity"] == "error"),
        "{found:#?}"
    );
    let mut counts = std::collections::BTreeMap::new();
    for f in &found {
        *counts
            .entry(f["rule"].as_str().unwrap().to_string())
            .or_insert(0usize) += 1;
    }
    let summary = std::fs::read_to_string("../corpus/policies/LINT.md").unwrap();
    let mut table = std::collections::BTreeMap::new();
    for line in summary.lines().filter(|l| l.starts_with("| RJ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        table.insert(cells[1].to_string(), cells[4].parse::<usize>().unwrap());
    }
    assert_eq!(counts, table, "update corpus/policies/LINT.md");
    let text = ramjet(&["../corpus/policies"]);
    let last = String::from_utf8_lossy(&text.stdout)
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(summary.contains(&last), "LINT.md does not quote: {last}");
}

/// A Terraform plan: the documents inside `alicloud_ram_policy` and `alicloud_ram_role`
/// (in a child module too) are linted, each as its resource type says.
#[test]
fn terraform_plans_are_linted_inside() {
    let run = ramjet(&["--format", "json", "../corpus/examples/terraform-plan.json"]);
    assert_eq!(status(&run), 1);
    let found = findings(&run);
    let summary: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("RJ101", "planned_values.root_module.resources[0].values.policy_document:Statement[0].Action[1]"),
            ("RJ205", "planned_values.root_module.child_modules[0].resources[0].values.assume_role_policy_document:Statement[0].Principal"),
        ]
    );
    assert!(found[1]["message"]
        .as_str()
        .unwrap()
        .starts_with("module.runner.alicloud_ram_role.runner: lets any account assume the role"));
    assert_eq!(
        (found[0]["line"].as_u64(), found[0]["column"].as_u64()),
        (Some(16), Some(32))
    );
}
