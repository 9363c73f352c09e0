//! Every conformance scenario in `corpus/conformance/` through the reference interpreter and
//! the compiled engine.

use ramjet_compiler::conformance::{load_cases, Case};
use ramjet_compiler::{parse_scenario, reference, Scenario};
use ramjet_engine::compiled::CompiledPolicySet;
use ramjet_engine::evaluate::Scratch;
use ramjet_engine::Outcome;
use std::path::Path;

fn run_all(engine: &dyn Fn(&Scenario) -> Outcome) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/conformance");
    let cases: Vec<Case> = load_cases(&dir).unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let answer = parse_scenario(&case.scenario)
            .map(|s| engine(&s))
            .map_err(|diagnostics| {
                diagnostics
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        if let Err(why) = case.check(answer.as_ref().map_err(String::as_str)) {
            failures.push(format!("{} ({}): {why}", case.name, case.spec));
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

#[test]
fn compiled_engine_passes_every_conformance_case() {
    let mut scratch = Scratch::default();
    let scratch = std::cell::RefCell::new(&mut scratch);
    run_all(&|scenario| {
        let compiled = CompiledPolicySet::compile(&scenario.policies).unwrap();
        compiled.outcome(&scenario.request, &mut scratch.borrow_mut())
    });
}

#[test]
fn reference_interpreter_passes_every_conformance_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/conformance");
    let cases = load_cases(&dir).unwrap();
    assert!(cases.len() >= 200, "only {} conformance cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let answer = parse_scenario(&case.scenario)
            .map(|s| reference::evaluate(&s.policies, &s.request))
            .map_err(|diagnostics| {
                diagnostics
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        if let Err(why) = case.check(answer.as_ref().map_err(String::as_str)) {
            failures.push(format!(
                "{} ({}, {}): {why}",
                case.name,
                case.file.file_name().unwrap().to_string_lossy(),
                case.spec
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
