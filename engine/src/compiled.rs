//! A [`PolicySet`] compiled into evaluation units: what `ramjet check` and the conformance suite
//! run on, and the building block of a bundle's snapshot.
//!
//! ```
//! use ramjet_engine::compiled::CompiledPolicySet;
//! use ramjet_engine::evaluate::Scratch;
//! use ramjet_engine::policy::{Effect, NamedPolicy, PatternList, Policy, PolicySet, Statement};
//! use ramjet_engine::{Decision, Request};
//!
//! let allow_eas = Statement {
//!     sid: None,
//!     effect: Effect::Allow,
//!     actions: PatternList { negated: false, patterns: vec!["eas:*".into()] },
//!     resources: Some(PatternList { negated: false, patterns: vec!["*".into()] }),
//!     principal: None,
//!     conditions: vec![],
//! };
//! let mut set = PolicySet::default();
//! set.identity.push(NamedPolicy {
//!     name: "P1".into(),
//!     resource_group: None,
//!     policy: Policy { statements: vec![allow_eas] },
//! });
//! let compiled = CompiledPolicySet::compile(&set).unwrap();
//! let request = Request::new("eas:ListServices", "*").unwrap();
//! let outcome = compiled.outcome(&request, &mut Scratch::default());
//! assert_eq!(outcome.decision, Decision::Allow);
//! assert_eq!(outcome.determining[0].policy, "P1");
//! ```

use crate::evaluate::{decide, Mode, Scratch, Units, Verdict};
use crate::glob::GlobError;
use crate::index::{GroupedPolicy, PolicyIndex};
use crate::keys::{Interner, KeyTable};
use crate::policy::{NamedPolicy, PolicySet};
use crate::request::Request;
use crate::Outcome;
use std::sync::Arc;

/// Every unit of a [`PolicySet`], compiled, with the condition keys they share.
#[derive(Debug)]
pub struct CompiledPolicySet {
    keys: KeyTable,
    control: Option<PolicyIndex>,
    session: Option<PolicyIndex>,
    identity: Option<PolicyIndex>,
    resource: Option<PolicyIndex>,
}

/// Compiles identity policies into one unit: group 0 for account scope, then one group per
/// resource group, in order of first appearance.
pub fn compile_identity(
    policies: &[NamedPolicy],
    interner: &mut Interner,
) -> Result<PolicyIndex, GlobError> {
    let mut group_names: Vec<Option<Arc<str>>> = vec![None];
    let mut group_of: hashbrown::HashMap<&str, usize> = hashbrown::HashMap::new();
    let mut grouped = Vec::with_capacity(policies.len());
    for policy in policies {
        let group = match &policy.resource_group {
            None => 0,
            Some(rg) => *group_of.entry(rg.as_str()).or_insert_with(|| {
                group_names.push(Some(rg.as_str().into()));
                group_names.len() - 1
            }),
        };
        grouped.push(GroupedPolicy {
            group: u32::try_from(group).unwrap_or(u32::MAX),
            policy,
        });
    }
    PolicyIndex::build(&grouped, group_names, interner)
}

/// Compiles control-policy levels into one unit, one group per level.
pub fn compile_control(
    levels: &[Vec<NamedPolicy>],
    interner: &mut Interner,
) -> Result<PolicyIndex, GlobError> {
    let grouped: Vec<GroupedPolicy<'_>> = levels
        .iter()
        .enumerate()
        .flat_map(|(level, policies)| {
            policies.iter().map(move |policy| GroupedPolicy {
                group: u32::try_from(level).unwrap_or(u32::MAX),
                policy,
            })
        })
        .collect();
    PolicyIndex::build(&grouped, vec![None; levels.len()], interner)
}

/// Compiles one policy as a one-group unit (a session or resource policy).
pub fn compile_single(
    policy: &NamedPolicy,
    interner: &mut Interner,
) -> Result<PolicyIndex, GlobError> {
    PolicyIndex::build(&[GroupedPolicy { group: 0, policy }], vec![None], interner)
}

impl CompiledPolicySet {
    /// Compiles every unit of `set`.
    pub fn compile(set: &PolicySet) -> Result<Self, GlobError> {
        let mut interner = Interner::default();
        let control = if set.control.is_empty() {
            None
        } else {
            Some(compile_control(&set.control, &mut interner)?)
        };
        let session = set
            .session
            .as_ref()
            .map(|p| compile_single(p, &mut interner))
            .transpose()?;
        let identity = if set.identity.is_empty() {
            None
        } else {
            Some(compile_identity(&set.identity, &mut interner)?)
        };
        let resource = set
            .resource
            .as_ref()
            .map(|p| compile_single(p, &mut interner))
            .transpose()?;
        Ok(CompiledPolicySet {
            keys: interner.keys,
            control,
            session,
            identity,
            resource,
        })
    }

    /// The units, for [`decide`].
    pub fn units(&self) -> Units<'_> {
        Units {
            keys: &self.keys,
            control: self.control.as_ref(),
            session: self.session.as_ref(),
            identity: self.identity.as_ref(),
            resource: self.resource.as_ref(),
        }
    }

    /// Decides `request` (the decision only: the fast path).
    pub fn decide(&self, request: &Request, scratch: &mut Scratch) -> Verdict {
        decide(&self.units(), request, scratch, Mode::Verdict)
    }

    /// Decides `request`, with the determining statements as references.
    pub fn outcome(&self, request: &Request, scratch: &mut Scratch) -> Outcome {
        let verdict = decide(&self.units(), request, scratch, Mode::Explain);
        Outcome {
            decision: verdict.decision,
            step: verdict.step,
            determining: self.units().determining(scratch),
        }
    }
}
