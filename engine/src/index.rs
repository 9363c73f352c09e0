//! A compiled policy index: the statements of a set of policies with dense ids, their action
//! index, and per-statement matchers for resources, principals and conditions. One index holds
//! one evaluation unit of spec §6.2 — a principal's identity policies (account scope and each
//! resource group as separate groups), a session policy, a resource policy, or the control-policy
//! levels (one group per level) — so a single pass over the request's candidates answers every
//! group of the unit.

//!
//! `compile::unit` builds an index; nothing here changes one.

use crate::action_index::{ActionIndex, CompleteCandidates};
use crate::condition::CompiledCondition;
use crate::glob::Glob;
use crate::model::{Effect, PolicyPlace};
use crate::principal_match::PrincipalMatcher;
use crate::request::Request;
use crate::statement_id::StatementId;
use crate::StatementRef;
use hashbrown::HashSet;
use std::cell::Cell;
use std::sync::Arc;

/// Where a compiled statement came from, for determining-statement reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatementOrigin {
    /// Where the policy sits in its set.
    pub(crate) place: PolicyPlace,
    /// The policy's name.
    pub(crate) policy: Arc<str>,
    /// Index in the policy's `Statement` array.
    pub(crate) statement: u32,
    /// The `Sid`.
    pub(crate) sid: Option<Arc<str>>,
}

impl StatementOrigin {
    /// As a [`StatementRef`].
    pub(crate) fn to_ref(&self) -> StatementRef {
        StatementRef {
            place: self.place,
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
    pub(crate) negated: bool,
    pub(crate) any: bool,
    pub(crate) exact: ExactSet,
    pub(crate) globs: Box<[Arc<Glob>]>,
}

/// Exact patterns: a short list compared in turn, or a hash set when there are many.
#[derive(Debug)]
pub(crate) enum ExactSet {
    Few(Box<[Box<str>]>),
    Many(HashSet<Box<str>>),
}

/// More exact patterns than this go in a hash set.
pub(crate) const EXACT_SET_THRESHOLD: usize = 8;

impl ResourceMatcher {
    /// A rough relative cost of [`ResourceMatcher::holds`].
    pub(crate) fn cost(&self) -> u64 {
        1 + 4 * self.globs.len() as u64
    }

    /// True for `"*"` (among others): holds for every request.
    pub(crate) fn always(&self) -> bool {
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
    pub(crate) resources: Option<Arc<Shared<ResourceMatcher>>>,
    pub(crate) principal: Option<PrincipalMatcher>,
    pub(crate) conditions: Box<[Arc<Shared<CompiledCondition>>]>,
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
    /// Raised when an invariant is found broken (a key the request's slots do not cover): the
    /// decision becomes an internal error, which denies.
    pub(crate) fault: &'a Fault,
}

/// Whether the decision of the current request met a broken invariant (see `evaluate`). Raising
/// it is out of line and marked cold: it never happens in a sound snapshot, and the decision
/// path stays as small as it was without the checks.
#[derive(Debug, Default)]
pub(crate) struct Fault(Cell<bool>);

impl Fault {
    /// Marks the current request's evaluation as faulty.
    #[cold]
    #[inline(never)]
    pub(crate) fn raise(&self) {
        self.0.set(true);
    }

    /// Whether it was raised since the last [`Fault::clear`].
    #[inline]
    pub(crate) fn raised(&self) -> bool {
        self.0.get()
    }

    /// Starts a new request.
    #[inline]
    pub(crate) fn clear(&self) {
        self.0.set(false);
    }
}

impl RequestFacts<'_> {
    /// The result of the shared test in memo slot `slot` for this request: `test`'s, evaluated
    /// on first use.
    #[inline]
    fn remembered(&self, slot: u32, test: impl FnOnce() -> bool) -> bool {
        let Some(cell) = self.memo.get(slot as usize) else {
            // Not remembered, still exact: the test is evaluated.
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
        let Some(slot) = self.slots.get(condition.key().0 as usize) else {
            // The slots cover every key of the snapshot's table (`RequestState::begin`); a key
            // past them would read as absent, which can make a Deny's condition fail.
            self.fault.raise();
            return None;
        };
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
    /// Where statement `id` (this one) comes in a candidate list: Denies first (every Deny must
    /// be known), then Allows from the cheapest to test (in `Mode::Verdict` the first Allow that
    /// applies ends its group's search), then by id.
    pub(crate) fn visit_rank(&self, id: StatementId) -> u64 {
        let allow = u64::from(self.effect == Effect::Allow);
        allow << 48 | self.test_cost().min(0xffff) << 32 | u64::from(id.as_u32())
    }

    /// A rough relative cost of [`CompiledStatement::applies`], for ordering candidates.
    pub(crate) fn test_cost(&self) -> u64 {
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
pub(crate) struct PolicyIndex {
    /// Unique among the indexes built in this process ([`next_index_id`]): what per-thread
    /// caches key a unit by.
    pub(crate) id: u64,
    /// By [`StatementId`]; read through [`PolicyIndex::statement`].
    pub(crate) statements: Box<[CompiledStatement]>,
    /// By [`StatementId`], beside `statements`.
    pub(crate) origins: Box<[StatementOrigin]>,
    pub(crate) actions: ActionIndex,
    /// `NotAction` statements: candidates unless one of their patterns matches.
    pub(crate) not_action: ActionIndex,
    pub(crate) not_action_statements: Box<[StatementId]>,
    /// When the unit has `NotAction` statements: for every action some pattern (of `Action` or
    /// `NotAction`) names literally, every candidate — the `Action` statements matching it and
    /// the `NotAction` statements none of whose patterns match it — each once, in visit order.
    /// Empty when the unit has none, or when completing them would cost more than the action
    /// index's completion budget (requests then take the general path).
    pub(crate) complete_with_not_action: CompleteCandidates,
    pub(crate) group_names: Box<[Option<Arc<str>>]>,
    /// Some statement matches principals by ARN: the request's ARNs must be written.
    pub(crate) needs_principal_arns: bool,
}

/// A new [`PolicyIndex::id`].
pub(crate) fn next_index_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl PolicyIndex {
    /// The statement `id` names. `None` only if an id reached this index from another one (a
    /// broken invariant: the caller fails closed).
    #[inline]
    pub(crate) fn statement(&self, id: StatementId) -> Option<&CompiledStatement> {
        self.statements.get(id.index())
    }

    /// How many statements the unit holds.
    pub(crate) fn len(&self) -> usize {
        self.statements.len()
    }

    /// How many groups the unit has.
    pub(crate) fn group_count(&self) -> usize {
        self.group_names.len()
    }

    /// The group named `name` (an identity unit's resource group).
    pub(crate) fn group_named(&self, name: &str) -> Option<u32> {
        self.group_names
            .iter()
            .position(|g| g.as_deref() == Some(name))
            .and_then(|i| u32::try_from(i).ok())
    }

    /// Where statement `id` came from.
    pub(crate) fn origin(&self, id: StatementId) -> Option<&StatementOrigin> {
        self.origins.get(id.index())
    }
}
