//! One-statement policies on every action and resource, which the analysis compiles to ask the
//! engine one thing at a time: does a condition test hold, does a `Principal` element name a
//! principal, what does an account that allows its principal everything decide.

use ramjet_compiler::model::{ConditionTest, NamedPolicy, PatternList, Policy, PrincipalSpec};
use ramjet_compiler::{Effect, Statement};

/// `<effect> * on *`, with `principal` and `conditions`, as a policy named `name`.
pub(crate) fn on_everything(
    name: &str,
    effect: Effect,
    principal: Option<PrincipalSpec>,
    conditions: Vec<ConditionTest>,
) -> NamedPolicy {
    let everything = || PatternList {
        negated: false,
        patterns: vec!["*".to_string()],
    };
    NamedPolicy {
        name: name.to_string(),
        resource_group: None,
        policy: Policy {
            statements: vec![Statement {
                sid: None,
                effect,
                actions: everything(),
                resources: Some(everything()),
                principal,
                conditions,
            }],
        },
    }
}
