//! `differential`: a policy set and a request, decided by the compiled engine and by the reference
//! interpreter, must agree on the decision, the step and the determining statements (and the
//! decision-only fast path on the decision and step).
//!
//! Input starting with `{` is a scenario file (seeded with the conformance scenarios); any other
//! input drives the structured generator (`ramjet_fuzz::gen::scenario`), which builds scenario JSON
//! from the fuzzer's bytes, biased toward requests that the policies match.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use ramjet_compiler::parse_scenario;
use ramjet_fuzz::{check, gen};

fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&b'{') {
        if let Ok(scenario) = parse_scenario(data) {
            check::engines_agree(&scenario.policies, &scenario.request, &|| {
                String::from_utf8_lossy(data).into_owned()
            });
        }
        return;
    }
    let mut u = Unstructured::new(data);
    let Ok(scenario) = gen::scenario(&mut u) else {
        return;
    };
    let text = scenario.to_string();
    // A generated document is now and then invalid on purpose (a value of the wrong type): the
    // error paths are parse_policy's to fuzz; here it is skipped.
    if let Ok(parsed) = parse_scenario(text.as_bytes()) {
        check::engines_agree(&parsed.policies, &parsed.request, &|| text.clone());
    }
});
