//! `--engine`: the compiled engine (default) or the reference interpreter, for debugging a
//! decision against the spec's plain reading.

use clap::ValueEnum;
use ramjet_compiler::PolicySet;
use ramjet_engine::CompiledPolicySet;
use ramjet_engine::Scratch;
use ramjet_engine::{Outcome, Request};
use ramjet_reference as reference;

/// Which engine decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum EngineChoice {
    /// The compiled decision engine
    #[default]
    Compiled,
    /// The reference interpreter (slow, reads like the spec)
    Reference,
}

/// A policy set ready to decide with the chosen engine.
pub enum Decider {
    Compiled(Box<CompiledPolicySet>),
    Reference(PolicySet),
}

impl Decider {
    /// Compiles `set` when the compiled engine is chosen.
    pub fn new(set: PolicySet, engine: EngineChoice) -> Result<(Self, PolicySet), String> {
        match engine {
            EngineChoice::Compiled => {
                let compiled = CompiledPolicySet::compile(&set).map_err(|e| e.to_string())?;
                Ok((Decider::Compiled(Box::new(compiled)), set))
            }
            EngineChoice::Reference => Ok((Decider::Reference(set.clone()), set)),
        }
    }

    /// Decides one request.
    pub fn outcome(&self, request: &Request, scratch: &mut Scratch) -> Outcome {
        match self {
            Decider::Compiled(compiled) => compiled.outcome(request, scratch),
            Decider::Reference(set) => reference::evaluate(set, request),
        }
    }
}
