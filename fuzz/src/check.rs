//! The properties the targets assert. A failed property panics with the input as JSON text, ready
//! to paste into `compiler/tests/fuzz_regressions.rs`.

use ramjet_reference as reference;
use ramjet_engine::CompiledPolicySet;
use ramjet_engine::Scratch;
use ramjet_engine::model::PolicySet;
use ramjet_engine::Request;
use std::cell::RefCell;

thread_local! {
    /// One scratch for every check, as a gateway thread keeps one: state left by earlier
    /// requests (on other policy sets) must not change a decision.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The compiled engine decides `request` exactly as the reference interpreter: decision, step and
/// determining statements (sorted); the decision-only fast path gives the same decision and step;
/// and deciding again with the same scratch gives the same outcome. `what` describes the input
/// for the panic message.
pub fn engines_agree(policies: &PolicySet, request: &Request, what: &dyn Fn() -> String) {
    let compiled = match CompiledPolicySet::compile(policies) {
        Ok(compiled) => compiled,
        Err(error) => panic!(
            "validated policies do not compile: {error}\ninput: {}",
            what()
        ),
    };
    engines_agree_compiled(&compiled, policies, request, what);
}

/// [`engines_agree`] with the policies already compiled.
pub fn engines_agree_compiled(
    compiled: &CompiledPolicySet,
    policies: &PolicySet,
    request: &Request,
    what: &dyn Fn() -> String,
) {
    let mut want = reference::evaluate(policies, request);
    want.determining.sort();
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        let mut got = compiled.outcome(request, &mut scratch);
        got.determining.sort();
        if got != want {
            panic!(
                "DISAGREEMENT (outcome)\nreference: {want:?}\ncompiled:  {got:?}\ninput: {}",
                what()
            );
        }
        let verdict = compiled.decide(request, &mut scratch);
        if (verdict.decision, verdict.step) != (want.decision, want.step) {
            panic!(
                "DISAGREEMENT (decide fast path)\nreference: {want:?}\ndecide:    {verdict:?}\ninput: {}",
                what()
            );
        }
        let mut again = compiled.outcome(request, &mut scratch);
        again.determining.sort();
        if again != want {
            panic!(
                "DISAGREEMENT (outcome after decide, same scratch)\nreference: {want:?}\ncompiled:  {again:?}\ninput: {}",
                what()
            );
        }
    });
}
