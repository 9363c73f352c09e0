//! The JSON answers of `ramjet check --format json`, `ramjet eval` and the service
//! (interfaces.md): one shape, written by every one of them.
//!
//! They are `#[derive(Serialize)]` structs, so members come out in the documented order without
//! serde_json's `preserve_order` feature.

use ramjet_engine::Outcome;
use serde::Serialize;

/// `{"decision", "step", "determining": [{"policy", "statement", "sid", "kind", "index",
/// "level"}]}` (`level` for control policies only), and `"revision"` (the bundle snapshot's)
/// from `eval --bundle`.
#[derive(Serialize)]
pub struct OutcomeJson<'a> {
    decision: &'static str,
    step: &'static str,
    determining: Vec<DeterminingJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The bundle snapshot's revision (`eval --bundle`, the service).
    pub revision: Option<u64>,
}

/// One determining statement of an answer.
#[derive(Serialize)]
pub struct DeterminingJson<'a> {
    policy: &'a str,
    statement: usize,
    sid: Option<&'a str>,
    kind: &'static str,
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<usize>,
}

impl std::fmt::Display for OutcomeJson<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_json(self))
    }
}

/// Compact JSON text of one of the commands' outputs.
pub fn to_json<T: Serialize>(value: &T) -> String {
    // Strings, numbers, booleans, options and lists: serialisation cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// The outcome as JSON (without a revision).
pub fn outcome_json(outcome: &Outcome) -> OutcomeJson<'_> {
    OutcomeJson {
        decision: outcome.decision.as_str(),
        step: outcome.step.as_str(),
        determining: determining_json(outcome),
        revision: None,
    }
}

/// `{"error": "..."}`: a request that cannot be read or decided.
#[derive(Serialize)]
pub struct ErrorJson<'a> {
    /// What is wrong, with the JSON path of the fault where there is one.
    pub error: &'a str,
}

/// The determining statements of `outcome`, as answers list them.
pub fn determining_json(outcome: &Outcome) -> Vec<DeterminingJson<'_>> {
    outcome
        .determining
        .iter()
        .map(|s| DeterminingJson {
            policy: &s.policy,
            statement: s.statement,
            sid: s.sid.as_deref(),
            kind: s.place.kind().as_str(),
            index: s.place.index(),
            level: s.place.level(),
        })
        .collect()
}
