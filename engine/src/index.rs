//! A compiled policy index: the statements of a set of policies with dense ids, their action
//! index, and per-statement matchers for resources, principals and conditions. One index holds
//! one evaluation unit of spec §6.2 — a principal's identity policies (account scope and each
//! resource group as separate groups), a session policy, a resource policy, or the control-policy
//! levels (one group per level) — so a single pass over the request's candidates answers every
//! group of the unit.

use crate::action_index::{ActionIndex, ActionIndexBuilder};
use crate::condition::CompiledCondition;
use crate::glob::{Glob, GlobError};
use crate::keys::Interner;
use crate::policy::{Effect, NamedPolicy, PatternList};
use crate::principal_match::PrincipalMatcher;
use crate::request::Request;
use crate::StatementRef;
use hashbrown::HashSet;
use std::cell::Cell;
use std::sync::Arc;

/// Where a compiled statement came from, for determining-statement reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementOrigin {
    /// The policy's name.
    pub policy: Arc<str>,
    /// Index in the policy's `Statement` array.
    pub statement: u32,
    /// The `Sid`.
    pub sid: Option<Arc<str>>,
}

impl StatementOrigin {
    /// As a [`StatementRef`].
    pub fn to_ref(&self) -> StatementRef {
        StatementRef {
            policy: self.policy.to_string(),
            statement: self.statement as usize,
            sid: self.sid.as_deref().map(str::to_string),
        }
    }
}

/// A test that statements share (see [`Interner`]): `memo` is its slot in a request's memo, so it
/// is evaluated at most once per request.
#[derive(Debug)]
pub(crate) struct Shared<T> {
    pub(crate) memo: u32,
    pub(crate) test: T,
}

/// `Resource` / `NotResource` of one statement.
#[derive(Debug)]
pub(crate) struct ResourceMatcher {
    negated: bool,
    any: bool,
    exact: ExactSet,
    globs: Box<[Arc<Glob>]>,
}

/// Exact patterns: a short list compared in turn, or a hash set when there are many.
#[derive(Debug)]
enum ExactSet {
    Few(Box<[Box<str>]>),
    Many(HashSet<Box<str>>),
}

const EXACT_SET_THRESHOLD: usize = 8;

impl ResourceMatcher {
    pub(crate) fn compile(list: &PatternList, interner: &mut Interner) -> Result<Self, GlobError> {
        let mut any = false;
        let mut exact = Vec::new();
        let mut globs = Vec::new();
        for pattern in &list.patterns {
            if !pattern.contains(['*', '?']) {
                exact.push(pattern.as_str().into());
                continue;
            }
            let glob = interner.glob(pattern)?;
            match &*glob {
                Glob::Any => any = true,
                _ => globs.push(glob),
            }
        }
        let exact = if exact.len() > EXACT_SET_THRESHOLD {
            ExactSet::Many(exact.into_iter().collect())
        } else {
            ExactSet::Few(exact.into())
        };
        Ok(ResourceMatcher {
            negated: list.negated,
            any,
            exact,
            globs: globs.into(),
        })
    }

    /// A rough relative cost of [`ResourceMatcher::holds`].
    fn cost(&self) -> u64 {
        1 + 4 * self.globs.len() as u64
    }

    /// True for `"*"` (among others): holds for every request.
    fn always(&self) -> bool {
        self.any && !self.negated
    }

    fn holds(&self, resource: &str) -> bool {
        let matched = self.any
            || match &self.exact {
                // ARNs share long prefixes: compare the last byte first.
                ExactSet::Few(list) => list.iter().any(|e| {
                    e.len() == resource.len()
                        && e.as_bytes().last() == resource.as_bytes().last()
                        && **e == *resource
                }),
                ExactSet::Many(set) => set.contains(resource),
            }
            || self.globs.iter().any(|g| g.is_match(resource));
        matched != self.negated
    }
}

/// One compiled statement.
#[derive(Debug)]
pub(crate) struct CompiledStatement {
    pub(crate) effect: Effect,
    pub(crate) group: u32,
    /// `None` when every resource matches (no `Resource`, or a list holding `*`).
    resources: Option<Arc<Shared<ResourceMatcher>>>,
    principal: Option<PrincipalMatcher>,
    conditions: Box<[Arc<Shared<CompiledCondition>>]>,
}

/// What a statement needs to know about the request, prepared once per request.
pub(crate) struct RequestFacts<'a> {
    pub(crate) request: &'a Request,
    pub(crate) arns: &'a [String],
    /// Per interned key: where the request's context has it, resolved on first use (see
    /// `Scratch`).
    pub(crate) slots: &'a [Cell<u64>],
    /// Per shared test: `stamp << 1 | result` once evaluated for this request.
    pub(crate) memo: &'a [Cell<u64>],
    pub(crate) stamp: u32,
}

impl RequestFacts<'_> {
    /// The result of the shared test in memo slot `slot` for this request: `test`'s, evaluated
    /// on first use.
    #[inline]
    fn remembered(&self, slot: u32, test: impl FnOnce() -> bool) -> bool {
        let Some(cell) = self.memo.get(slot as usize) else {
            return test();
        };
        let cached = cell.get();
        if (cached >> 1) as u32 == self.stamp {
            return cached & 1 == 1;
        }
        let result = test();
        cell.set(u64::from(self.stamp) << 1 | u64::from(result));
        result
    }

    /// The request's values for the condition's key; the key is looked up in the context once
    /// per request, by a case-insensitive scan of its (few) keys.
    fn values_of(&self, condition: &CompiledCondition) -> Option<&[String]> {
        let slot = self.slots.get(condition.key().0 as usize)?;
        let cached = slot.get();
        let position = if (cached >> 32) as u32 == self.stamp {
            cached as u32
        } else {
            let found = self
                .request
                .context()
                .position_of_lowered(condition.key_text())
                .map_or(0, |i| i as u32 + 1);
            slot.set(u64::from(self.stamp) << 32 | u64::from(found));
            found
        };
        let index = position.checked_sub(1)?;
        self.request
            .context()
            .values_at(index as usize)
            .filter(|values| !values.is_empty())
    }
}

impl CompiledStatement {
    /// A rough relative cost of [`CompiledStatement::applies`], for ordering candidates.
    fn test_cost(&self) -> u64 {
        let resources = self.resources.as_ref().map_or(0, |r| r.test.cost());
        let principal = if self.principal.is_some() { 4 } else { 0 };
        resources + principal + 3 * self.conditions.len() as u64
    }

    /// Whether the statement applies, its action already known to match (spec §6.1).
    // Hot path: guarded by the `check` benchmarks in bench/.
    pub(crate) fn applies(&self, facts: &RequestFacts<'_>) -> bool {
        self.resources
            .as_ref()
            .is_none_or(|r| facts.remembered(r.memo, || r.test.holds(facts.request.resource())))
            && self.principal.as_ref().is_none_or(|p| {
                p.matches(
                    facts.request.principal(),
                    facts.arns,
                    self.conditions.is_empty(),
                    facts.request.resource_account(),
                )
            })
            && self
                .conditions
                .iter()
                .all(|c| facts.remembered(c.memo, || c.test.holds(facts.values_of(&c.test))))
    }
}

/// A compiled evaluation unit: see the module docs.
#[derive(Debug)]
pub struct PolicyIndex {
    pub(crate) statements: Box<[CompiledStatement]>,
    origins: Box<[StatementOrigin]>,
    pub(crate) actions: ActionIndex,
    /// `NotAction` statements: candidates unless one of their patterns matches.
    pub(crate) not_action: ActionIndex,
    pub(crate) not_action_statements: Box<[u32]>,
    group_names: Box<[Option<Arc<str>>]>,
    /// Some statement matches principals by ARN: the request's ARNs must be written.
    pub(crate) needs_principal_arns: bool,
}

/// A policy and the group of its unit it belongs to.
pub struct GroupedPolicy<'a> {
    /// The group (identity: 0 for account scope; control: the level).
    pub group: u32,
    /// The policy.
    pub policy: &'a NamedPolicy,
}

impl PolicyIndex {
    /// Compiles `policies` into one unit with `group_names.len()` groups, interning condition
    /// keys in `keys`.
    pub fn build(
        policies: &[GroupedPolicy<'_>],
        group_names: Vec<Option<Arc<str>>>,
        interner: &mut Interner,
    ) -> Result<PolicyIndex, GlobError> {
        let mut statements = Vec::new();
        let mut origins = Vec::new();
        let mut actions = ActionIndexBuilder::default();
        let mut not_action = ActionIndexBuilder::default();
        let mut not_action_statements = Vec::new();
        let needs_principal_arns = policies
            .iter()
            .flat_map(|g| &g.policy.policy.statements)
            .any(|s| matches!(&s.principal, Some(crate::policy::PrincipalSpec::Named { ram, .. }) if !ram.is_empty()));
        for grouped in policies {
            let name: Arc<str> = grouped.policy.name.as_str().into();
            for (index, statement) in grouped.policy.policy.statements.iter().enumerate() {
                let id = statements.len() as u32;
                let target = if statement.actions.negated {
                    not_action_statements.push(id);
                    &mut not_action
                } else {
                    &mut actions
                };
                for pattern in &statement.actions.patterns {
                    target.add(pattern, id);
                }
                statements.push(CompiledStatement {
                    effect: statement.effect,
                    group: grouped.group,
                    resources: statement
                        .resources
                        .as_ref()
                        .map(|r| interner.resources(r))
                        .transpose()?
                        .filter(|r| !r.test.always()),
                    principal: statement
                        .principal
                        .as_ref()
                        .map(PrincipalMatcher::compile)
                        .transpose()?,
                    conditions: statement
                        .conditions
                        .iter()
                        .map(|c| interner.condition(c))
                        .collect::<Result<_, _>>()?,
                });
                origins.push(StatementOrigin {
                    policy: name.clone(),
                    statement: index as u32,
                    sid: statement.sid.as_deref().map(Arc::from),
                });
            }
        }
        // Requests visit candidates Deny first (every Deny must be known), then Allows from the
        // cheapest to test: in `Mode::Verdict` the first Allow that applies ends a group's search.
        let visit_order = |id: u32| -> u64 {
            statements
                .get(id as usize)
                .map_or(u64::MAX, |s: &CompiledStatement| {
                    let allow = u64::from(s.effect == Effect::Allow);
                    allow << 48 | s.test_cost().min(0xffff) << 32 | u64::from(id)
                })
        };
        let actions = actions.build_ordered(&visit_order)?;
        let not_action = not_action.build_ordered(&visit_order)?;
        Ok(PolicyIndex {
            statements: statements.into(),
            origins: origins.into(),
            actions,
            not_action,
            not_action_statements: not_action_statements.into(),
            group_names: group_names.into(),
            needs_principal_arns,
        })
    }

    /// How many statements the unit holds.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// True when the unit holds no statement.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// How many groups the unit has.
    pub fn group_count(&self) -> usize {
        self.group_names.len()
    }

    /// The group named `name` (an identity unit's resource group).
    pub fn group_named(&self, name: &str) -> Option<u32> {
        self.group_names
            .iter()
            .position(|g| g.as_deref() == Some(name))
            .and_then(|i| u32::try_from(i).ok())
    }

    /// Where statement `id` came from.
    pub fn origin(&self, id: u32) -> Option<&StatementOrigin> {
        self.origins.get(id as usize)
    }
}
