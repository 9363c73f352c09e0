//! `parse_policy`: any bytes, read as a policy document of every kind. Never panics; a rejected
//! document has at least one error and at most 100 diagnostics plus a count; an accepted one has
//! only warnings, compiles, and the compiled engine agrees with the reference interpreter on
//! requests made from its own statements. Identity and control policies (same members, same size
//! limit) are accepted alike.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramjet_compiler::diagnostic::MAX_DIAGNOSTICS;
use ramjet_compiler::{guess_kind, parse_policy, Severity};
use ramjet_engine::CompiledPolicySet;
use ramjet_fuzz::{check, requests_for, set_of, KINDS, MAX_CONCRETE_CHARS};

fuzz_target!(|data: &[u8]| {
    let _ = guess_kind(data);
    let mut accepted = Vec::with_capacity(KINDS.len());
    for kind in KINDS {
        match parse_policy(data, kind) {
            Err(diagnostics) => {
                assert!(
                    diagnostics.iter().any(|d| d.severity == Severity::Error),
                    "{kind:?}: rejected without an error: {diagnostics:?}"
                );
                assert!(diagnostics.len() <= MAX_DIAGNOSTICS + 1);
                diagnostics.iter().for_each(|d| drop(d.to_string()));
                accepted.push(None);
            }
            Ok(parsed) => {
                assert!(
                    parsed
                        .warnings
                        .iter()
                        .all(|d| d.severity == Severity::Warning),
                    "{kind:?}: accepted with an error: {:?}",
                    parsed.warnings
                );
                assert!(parsed.warnings.len() <= MAX_DIAGNOSTICS + 1);
                let set = set_of(kind, parsed.policy.clone());
                let compiled = match CompiledPolicySet::compile(&set) {
                    Ok(compiled) => compiled,
                    Err(e) => panic!("{kind:?}: a valid policy does not compile: {e}"),
                };
                for request in requests_for(&parsed.policy, 3, MAX_CONCRETE_CHARS) {
                    check::engines_agree_compiled(&compiled, &set, &request, &|| {
                        format!(
                            "{kind:?} policy {:?}, request {request:?}",
                            String::from_utf8_lossy(data)
                        )
                    });
                }
                accepted.push(Some(parsed.policy));
            }
        }
    }
    assert_eq!(
        accepted[0], accepted[3],
        "identity and control policies are read differently"
    );
});
