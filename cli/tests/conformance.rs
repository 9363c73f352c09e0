//! Every conformance scenario through the `ramjet` binary: decision, step, determining
//! statements and exit status.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_engine::model::PolicyPlace;
use ramjet_engine::{Decision, Outcome, StatementRef, Step};
use ramjet_reference::conformance::{load_cases, Expected};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn outcome_from_json(stdout: &str) -> Result<Outcome, String> {
    let v: Value = serde_json::from_str(stdout).map_err(|e| format!("{e}: {stdout}"))?;
    let decision = match v["decision"].as_str() {
        Some("Allow") => Decision::Allow,
        Some("ExplicitDeny") => Decision::ExplicitDeny,
        Some("ImplicitDeny") => Decision::ImplicitDeny,
        _ => return Err(format!("no decision in {stdout}")),
    };
    let step = match v["step"].as_str() {
        Some("control") => Step::Control,
        Some("session") => Step::Session,
        Some("final") => Step::Final,
        _ => return Err(format!("no step in {stdout}")),
    };
    let determining = v["determining"]
        .as_array()
        .ok_or("no determining")?
        .iter()
        .map(|d| StatementRef {
            place: place_from_json(d),
            policy: d["policy"].as_str().unwrap_or_default().to_string(),
            statement: d["statement"].as_u64().unwrap_or(u64::MAX) as usize,
            sid: d["sid"].as_str().map(str::to_string),
        })
        .collect();
    Ok(Outcome {
        decision,
        step,
        determining,
    })
}

/// An entry's `kind`, `index` and `level` as a place (interfaces.md, `ramjet check`); an entry
/// without them gets an impossible place, so that it cannot compare equal.
fn place_from_json(entry: &Value) -> PolicyPlace {
    let number = |name: &str| entry[name].as_u64().map(|n| n as usize);
    let index = number("index").unwrap_or(usize::MAX);
    match (entry["kind"].as_str(), number("level")) {
        (Some("identity"), None) => PolicyPlace::Identity { index },
        (Some("control"), Some(level)) => PolicyPlace::Control { level, index },
        (Some("session"), None) if index == 0 => PolicyPlace::Session,
        (Some("resource"), None) if index == 0 => PolicyPlace::Resource,
        _ => PolicyPlace::Control {
            level: usize::MAX,
            index: usize::MAX,
        },
    }
}

#[test]
fn ramjet_check_passes_every_conformance_case() {
    run_all("compiled");
}

#[test]
fn ramjet_check_with_the_reference_engine_passes_every_conformance_case() {
    run_all("reference");
}

fn run_all(engine: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/conformance");
    let cases = load_cases(&dir).unwrap();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("conformance-{engine}"));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let file = scratch.join(format!("{}.json", case.name));
        std::fs::write(&file, &case.scenario).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_ramjet"))
            .args([
                "check",
                "--engine",
                engine,
                "--format",
                "json",
                "--scenario",
            ])
            .arg(&file)
            .output()
            .unwrap();
        let status = output.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let verdict = if status != case.expected_exit_status() {
            Err(format!(
                "exit status {status}, expected {}; stderr: {stderr}",
                case.expected_exit_status()
            ))
        } else if status == 2 {
            case.check(Err(&stderr))
        } else {
            outcome_from_json(&stdout).and_then(|outcome| case.check(Ok(&outcome)))
        };
        if matches!(case.expect, Expected::Error(_)) && !stdout.is_empty() {
            failures.push(format!(
                "{}: printed on stdout for an error: {stdout}",
                case.name
            ));
        }
        if let Err(why) = verdict {
            failures.push(format!("{}: {why}", case.name));
        }
        if status == 2 && !stderr.contains(&file.display().to_string()) {
            failures.push(format!(
                "{}: error does not name the file: {stderr}",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
