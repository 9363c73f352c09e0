//! The compiled engine agrees with the reference interpreter — decision, step and determining
//! statements — on random policy sets and requests (every operator and modifier, wildcards,
//! NotAction/NotResource, principals, all evaluation steps), 10,000 cases per run.

mod support;

use proptest::prelude::*;
use ramjet_compiler::{parse_scenario, reference};
use ramjet_engine::compiled::CompiledPolicySet;
use ramjet_engine::evaluate::Scratch;
use std::cell::RefCell;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn compiled_engine_agrees_with_reference(scenario in support::scenario()) {
        let parsed = parse_scenario(scenario.to_string().as_bytes()).unwrap();
        let expected = reference::evaluate(&parsed.policies, &parsed.request);
        let compiled = CompiledPolicySet::compile(&parsed.policies).unwrap();
        let mut got = SCRATCH.with(|s| compiled.outcome(&parsed.request, &mut s.borrow_mut()));
        let mut want = expected;
        got.determining.sort();
        want.determining.sort();
        prop_assert_eq!(got, want, "scenario: {}", scenario);
    }
}
