//! Every conformance scenario in `corpus/conformance/` through the reference interpreter.

use ramjet_compiler::conformance::load_cases;
use ramjet_compiler::{parse_scenario, reference};
use std::path::Path;

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
