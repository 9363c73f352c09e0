//! Spec §6 on compiled units: the same steps as the reference interpreter, over
//! [`PolicyIndex`]es, with per-thread [`Scratch`] so that a typical request allocates nothing.
//!
//! A broken invariant met on the way (a statement id its index does not hold, a condition key
//! past the request's slots) never skips a statement: it marks the evaluation faulty, and the
//! decision is [`Step::InternalError`] with [`Decision::ImplicitDeny`] — it fails closed.

use crate::action_index::Candidates;
use crate::candidate_cache::CandidateCache;
use crate::index::{Fault, PolicyIndex, RequestFacts};
use crate::keys::KeyTable;
use crate::model::Effect;
use crate::principal_match::write_arns;
use crate::request::{PrincipalKind, Request};
use crate::statement_id::StatementId;
use crate::{Decision, Outcome, Step};
use std::cell::Cell;

/// Which unit of spec §6.2 a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Unit {
    /// Control policies (one group per level).
    Control,
    /// The session policy.
    Session,
    /// Identity policies (group 0 account scope, then resource groups).
    Identity,
    /// The resource-based policy.
    Resource,
}

/// The compiled units that bear on one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Units<'a> {
    /// The condition keys every unit's conditions were interned in.
    pub(crate) keys: &'a KeyTable,
    /// Control policy levels.
    pub(crate) control: Option<&'a PolicyIndex>,
    /// The session policy of an assumed-role session.
    pub(crate) session: Option<&'a PolicyIndex>,
    /// The principal's identity policies.
    pub(crate) identity: Option<&'a PolicyIndex>,
    /// The resource-based policy.
    pub(crate) resource: Option<&'a PolicyIndex>,
}

impl<'a> Units<'a> {
    fn get(&self, unit: Unit) -> Option<&'a PolicyIndex> {
        match unit {
            Unit::Control => self.control,
            Unit::Session => self.session,
            Unit::Identity => self.identity,
            Unit::Resource => self.resource,
        }
    }

    /// Decides `request` with the determining statements as references ([`Mode::Explain`]).
    pub(crate) fn outcome(&self, request: &Request, scratch: &mut Scratch) -> Outcome {
        let verdict = decide(self, request, scratch, Mode::Explain);
        let determining: Option<Vec<_>> = scratch
            .determining
            .iter()
            .map(|&(unit, id)| self.get(unit)?.origin(id).map(|o| o.to_ref()))
            .collect();
        match determining {
            Some(determining) => Outcome {
                decision: verdict.decision,
                step: verdict.step,
                determining,
            },
            // A recorded statement its unit cannot name: fail closed, as `decide` does.
            None => Outcome {
                decision: Decision::ImplicitDeny,
                step: Step::InternalError,
                determining: Vec::new(),
            },
        }
    }
}

/// A decision and the step that ended evaluation: the fast answer. Ask for an [`Outcome`]
/// ([`StoreReader::outcome`](crate::StoreReader::outcome), [`Snapshot::outcome`](crate::Snapshot::outcome))
/// to learn the determining statements too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The decision.
    pub decision: Decision,
    /// The step that ended evaluation.
    pub step: Step,
}

#[derive(Debug, Clone, Copy)]
struct Applied {
    unit: Unit,
    group: u32,
    statement: StatementId,
    effect: Effect,
}

/// In a unit's group state: a Deny of the group applied.
const DENIED: u8 = 1;
/// In a unit's group state: an Allow of the group applied.
const ALLOWED: u8 = 2;

/// What one request's evaluation learns once and every unit reuses, marked with the request's
/// `stamp` so that nothing needs clearing between requests.
#[derive(Debug, Default)]
struct RequestState {
    arns: Vec<String>,
    arn_count: usize,
    arns_ready: bool,
    /// Per interned key: `stamp << 32 | (1 + context index)`, or `stamp << 32` when absent;
    /// resolved on first use.
    slots: Vec<Cell<u64>>,
    /// Per shared test (see [`KeyTable::memo_slots`]): `stamp << 1 | result` once evaluated.
    memo: Vec<Cell<u64>>,
    stamp: u32,
    /// An invariant was found broken while deciding this request (see the module docs).
    fault: Fault,
}

impl RequestState {
    /// Starts a new request against units compiled with `keys`.
    fn begin(&mut self, keys: &KeyTable) {
        self.arns_ready = false;
        self.fault.clear();
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.slots.iter().chain(&self.memo).for_each(|s| s.set(0));
            self.stamp = 1;
        }
        if self.slots.len() < keys.len() {
            self.slots.resize_with(keys.len(), Cell::default);
        }
        if self.memo.len() < keys.memo_slots() {
            self.memo.resize_with(keys.memo_slots(), Cell::default);
        }
    }

    /// The facts `index`'s statements are tested against; the principal's ARNs are written on
    /// first need.
    fn facts<'a>(&'a mut self, request: &'a Request, index: &PolicyIndex) -> RequestFacts<'a> {
        if index.needs_principal_arns && !self.arns_ready {
            self.arn_count = write_arns(request.principal(), &mut self.arns);
            self.arns_ready = true;
        }
        let arns = match self.arns.get(..self.arn_count) {
            Some(arns) => arns,
            None => {
                // `write_arns` counts the buffers it wrote: fewer ARNs than counted would let a
                // Deny naming the principal miss it.
                self.fault.raise();
                &[]
            }
        };
        RequestFacts {
            request,
            arns,
            slots: &self.slots,
            memo: &self.memo,
            stamp: self.stamp,
            fault: &self.fault,
        }
    }
}

/// Per-thread working memory for deciding; reuse one per thread (or per batch chunk) so that
/// evaluation does not allocate once its buffers have grown to fit. A [`StoreReader`] holds its
/// own.
///
/// It also keeps, per compiled unit and action, the candidate list of an action that only
/// wildcard or `NotAction` patterns match, worked out on the thread's first request for that
/// action (which allocates it) and used by every later one: at most 4,096 lists and 4 MiB of
/// statement ids, emptied when full.
///
/// [`StoreReader`]: crate::StoreReader
#[derive(Debug, Default)]
pub struct Scratch {
    request: RequestState,
    seen: Vec<u32>,
    stamp: u32,
    applied: Vec<Applied>,
    /// Allow candidates put off until every Deny is known ([`Mode::Verdict`]).
    deferred: Vec<StatementId>,
    group_state: Vec<u8>,
    determining: Vec<(Unit, StatementId)>,
    mode: Option<Mode>,
    /// Candidate lists of actions the indexes answer only in parts (see `candidate_cache`).
    lists: CandidateCache,
    /// Where such a list is gathered before it is kept.
    gathered: Vec<StatementId>,
}

/// How much of the evaluation to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Only the decision: stop looking at Allow statements once one decides. The determining
    /// statements are not recorded.
    Verdict,
    /// The decision and every determining statement (spec §6.3).
    Explain,
}

impl Scratch {
    fn prepare(&mut self, keys: &KeyTable, mode: Mode) {
        self.mode = Some(mode);
        self.request.begin(keys);
        self.applied.clear();
        self.determining.clear();
    }

    /// Evaluates the candidate statements of `index` and records those that apply: every one in
    /// [`Mode::Explain`]; in [`Mode::Verdict`] every Deny, then Allows only until each group has
    /// one (which decides the same, spec §6.1).
    // Hot path: guarded by the `check` benchmarks in bench/.
    fn collect(&mut self, unit: Unit, index: &PolicyIndex, request: &Request, mode: Mode) {
        let action = request.lowered_action();
        let one_pass = mode == Mode::Verdict && request.lowered_alias().is_none();
        if one_pass && !index.not_action_statements.is_empty() {
            // NotAction statements too: one list of every candidate, if the action is literal.
            if let Some(ids) = index.complete_with_not_action.get(action) {
                return self.collect_complete(unit, index, ids, request);
            }
        }
        let candidates = index.actions.candidates(action);
        match candidates {
            Candidates::Complete(ids) if one_pass && index.not_action_statements.is_empty() => {
                self.collect_complete(unit, index, ids, request)
            }
            _ if one_pass => self.collect_remembered(unit, index, candidates, request),
            _ => self.collect_each(unit, index, candidates, request, mode),
        }
    }

    /// [`Scratch::collect`] in [`Mode::Verdict`] for an action without a compiled complete list:
    /// the one-pass loop over the list this thread worked out for it before, or works out now
    /// and keeps (`candidate_cache`). Lists too long to keep take [`Scratch::collect_each`].
    fn collect_remembered(
        &mut self,
        unit: Unit,
        index: &PolicyIndex,
        candidates: Candidates<'_>,
        request: &Request,
    ) {
        let action = request.lowered_action();
        let Scratch {
            request: state,
            seen,
            stamp,
            applied,
            group_state,
            lists,
            gathered,
            ..
        } = self;
        let fault = &state.fault;
        let kept = lists.get_or_gather(index, action, || {
            let stamp = next_seen_stamp(stamp, seen, index.len());
            gather_candidates(index, candidates, action, seen, stamp, gathered, fault)
        });
        match kept {
            Some(ids) => complete_pass(unit, index, ids, request, state, applied, group_state),
            None => self.collect_each(unit, index, candidates, request, Mode::Verdict),
        }
    }

    /// [`Scratch::collect`] in [`Mode::Verdict`] from one complete candidate list, Denies first
    /// and Allows cheapest first: no candidate is seen twice, and a single-group unit stops at
    /// the first statement that decides it.
    // Hot path: guarded by the `check` benchmarks in bench/.
    fn collect_complete(
        &mut self,
        unit: Unit,
        index: &PolicyIndex,
        ids: &[StatementId],
        request: &Request,
    ) {
        let Scratch {
            request: state,
            applied,
            group_state,
            ..
        } = self;
        complete_pass(unit, index, ids, request, state, applied, group_state);
    }

    /// [`Scratch::collect`] in general: candidates from several lists (marked as seen so each is
    /// evaluated once), `NotAction` statements, and [`Mode::Explain`].
    fn collect_each(
        &mut self,
        unit: Unit,
        index: &PolicyIndex,
        candidates: Candidates<'_>,
        request: &Request,
        mode: Mode,
    ) {
        let stamp = next_seen_stamp(&mut self.stamp, &mut self.seen, index.len());
        let Scratch {
            request: state,
            seen,
            applied,
            deferred,
            group_state,
            ..
        } = self;
        deferred.clear();
        let first_applied = applied.len();
        let facts = state.facts(request, index);
        let action = request.lowered_action();
        let mut pass = EachPass {
            unit,
            mode,
            index,
            facts: &facts,
            seen,
            stamp,
            applied,
            deferred,
        };
        index.actions.for_each_candidate(candidates, action, |ids| {
            for &id in ids {
                pass.consider(id);
            }
        });
        // Spec §6.1a: a statement whose Action matches `sts:AssumeRole` applies to the rest of
        // the family too (seen marks keep a statement matching both from counting twice).
        let alias = request.lowered_alias();
        if let Some(alias) = alias {
            let candidates = index.actions.candidates(alias);
            index.actions.for_each_candidate(candidates, alias, |ids| {
                for &id in ids {
                    pass.consider(id);
                }
            });
        }
        if !index.not_action_statements.is_empty() {
            // A NotAction statement is a candidate unless one of its patterns matches the
            // action (or its alias): mark those as seen, then consider the rest.
            let mut exclude = |ids: &[StatementId]| {
                for &id in ids {
                    match pass.seen.get_mut(id.index()) {
                        Some(mark) => *mark = stamp,
                        None => facts.fault.raise(),
                    }
                }
            };
            index.not_action.for_each_match(action, &mut exclude);
            if let Some(alias) = alias {
                index.not_action.for_each_match(alias, &mut exclude);
            }
            for &id in index.not_action_statements.iter() {
                pass.consider(id);
            }
        }
        if mode == Mode::Verdict && !deferred.is_empty() {
            decide_deferred_allows(
                unit,
                index,
                first_applied,
                deferred,
                applied,
                group_state,
                &facts,
            );
        }
    }

    /// The basic evaluation (spec §6.1) of a unit, or of one group of it, from what `collect`
    /// recorded.
    fn decision_of(&self, unit: Unit, group: Option<u32>) -> Decision {
        let mut allowed = false;
        let applied = self
            .applied
            .iter()
            .filter(|a| a.unit == unit && group.is_none_or(|g| a.group == g));
        for a in applied {
            match a.effect {
                Effect::Deny => return Decision::ExplicitDeny,
                Effect::Allow => allowed = true,
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }

    /// Step 1 over what `collect` recorded, in one pass: whether a level denied, and whether
    /// some level of `levels` has no applicable Allow.
    fn control_levels(&mut self, levels: usize) -> (bool, bool) {
        let Scratch {
            applied,
            group_state,
            ..
        } = self;
        group_state.clear();
        group_state.resize(levels, 0);
        let (mut denied, mut allowed_levels) = (false, 0);
        for a in applied.iter().filter(|a| a.unit == Unit::Control) {
            match a.effect {
                Effect::Deny => denied = true,
                Effect::Allow => {
                    if let Some(state) = group_state.get_mut(a.group as usize) {
                        if *state == 0 {
                            *state = 1;
                            allowed_levels += 1;
                        }
                    }
                }
            }
        }
        (denied, allowed_levels < levels)
    }

    /// Records the statements of `effect` that applied in `unit` (and `group`, if given); in
    /// [`Mode::Verdict`] the list would be incomplete, so the caller does not ask.
    fn record(&mut self, unit: Unit, group: Option<u32>, effect: Effect) {
        if self.mode != Some(Mode::Explain) {
            return;
        }
        let Scratch {
            applied,
            determining,
            ..
        } = self;
        let first = determining.len();
        determining.extend(
            applied
                .iter()
                .filter(|a| {
                    a.unit == unit && group.is_none_or(|g| a.group == g) && a.effect == effect
                })
                .map(|a| (a.unit, a.statement)),
        );
        // In document order, whatever order the candidates were evaluated in.
        if let Some(added) = determining.get_mut(first..) {
            added.sort_unstable_by_key(|&(_, id)| id);
        }
    }
}

/// A new stamp for `seen` (a statement is marked seen by holding it), with room for `len`
/// statements.
fn next_seen_stamp(stamp: &mut u32, seen: &mut Vec<u32>, len: usize) -> u32 {
    *stamp = stamp.wrapping_add(1);
    if *stamp == 0 {
        seen.iter_mut().for_each(|s| *s = 0);
        *stamp = 1;
    }
    if seen.len() < len {
        seen.resize(len, 0);
    }
    *stamp
}

/// The one-pass loop of [`Scratch::collect_complete`] over `ids`, a complete candidate list in
/// visit order.
// Hot path: guarded by the `check` benchmarks in bench/.
fn complete_pass(
    unit: Unit,
    index: &PolicyIndex,
    ids: &[StatementId],
    request: &Request,
    state: &mut RequestState,
    applied: &mut Vec<Applied>,
    group_state: &mut Vec<u8>,
) {
    let facts = state.facts(request, index);

    let single_group = index.group_count() <= 1;
    group_state.clear();
    group_state.resize(index.group_count().max(1), 0);
    for &id in ids {
        let Some((statement, state)) = index
            .statement(id)
            .and_then(|s| Some((s, group_state.get_mut(s.group as usize)?)))
        else {
            // Ids and groups come from the index builder: see the module docs.
            facts.fault.raise();
            return;
        };
        // An Allow matters only in a group with neither a Deny nor an Allow yet; every Deny
        // comes before the first Allow.
        if statement.effect == Effect::Allow && *state != 0 {
            continue;
        }
        if statement.applies(&facts) {
            *state = match statement.effect {
                Effect::Deny => DENIED,
                Effect::Allow => ALLOWED,
            };
            applied.push(Applied {
                unit,
                group: statement.group,
                statement: id,
                effect: statement.effect,
            });
            if single_group {
                return;
            }
        }
    }
}

/// The candidates of `action` in `index` (the action index's lists, found in parts, and the
/// `NotAction` statements none of whose patterns match), each once, in visit order; `None`
/// when a broken invariant is met (the fault is raised, and nothing is kept).
fn gather_candidates(
    index: &PolicyIndex,
    candidates: Candidates<'_>,
    action: &str,
    seen: &mut [u32],
    stamp: u32,
    gathered: &mut Vec<StatementId>,
    fault: &Fault,
) -> Option<Box<[StatementId]>> {
    gathered.clear();
    let mut broken = false;
    // Marks `id` seen; `true` the first time.
    let mut first_sight = |id: StatementId, broken: &mut bool| match seen.get_mut(id.index()) {
        Some(mark) if *mark == stamp => false,
        Some(mark) => {
            *mark = stamp;
            true
        }
        None => {
            *broken = true;
            false
        }
    };
    index.actions.for_each_candidate(candidates, action, |ids| {
        for &id in ids {
            if first_sight(id, &mut broken) {
                gathered.push(id);
            }
        }
    });
    if !index.not_action_statements.is_empty() {
        // Excluded: marked seen before the NotAction statements are considered.
        index.not_action.for_each_match(action, |ids| {
            for &id in ids {
                first_sight(id, &mut broken);
            }
        });
        for &id in index.not_action_statements.iter() {
            if first_sight(id, &mut broken) {
                gathered.push(id);
            }
        }
    }
    let mut ranked = Vec::with_capacity(gathered.len());
    for &id in gathered.iter() {
        match index.statement(id) {
            Some(statement) => ranked.push((statement.visit_rank(id), id)),
            None => broken = true,
        }
    }
    if broken {
        // Ids come from the index builder: see the module docs.
        fault.raise();
        return None;
    }
    ranked.sort_unstable();
    Some(ranked.into_iter().map(|(_, id)| id).collect())
}

/// One unit's candidates in [`Scratch::collect_each`]: each statement is considered once per
/// request (`seen` holds the request's `stamp` for those already considered).
struct EachPass<'p> {
    unit: Unit,
    mode: Mode,
    index: &'p PolicyIndex,
    facts: &'p RequestFacts<'p>,
    seen: &'p mut Vec<u32>,
    stamp: u32,
    applied: &'p mut Vec<Applied>,
    deferred: &'p mut Vec<StatementId>,
}

impl EachPass<'_> {
    /// Evaluates statement `id` unless it was seen: a Deny (or, in [`Mode::Explain`], any
    /// statement) is recorded if it applies; in [`Mode::Verdict`] an Allow is put off.
    // Hot path: guarded by the `check` benchmarks in bench/ (the `not_action` kind).
    #[inline(always)]
    fn consider(&mut self, id: StatementId) {
        let Some(mark) = self.seen.get_mut(id.index()) else {
            // Ids come from the index builder: see the module docs.
            self.facts.fault.raise();
            return;
        };
        if *mark == self.stamp {
            return;
        }
        *mark = self.stamp;
        let Some(statement) = self.index.statement(id) else {
            self.facts.fault.raise();
            return;
        };
        if self.mode == Mode::Verdict && statement.effect == Effect::Allow {
            // Its group is checked when the deferred Allows are decided.
            self.deferred.push(id);
            return;
        }
        if statement.applies(self.facts) {
            if statement.group as usize >= self.index.group_count().max(1) {
                // So do groups; a statement of no group would be left out of every decision.
                self.facts.fault.raise();
                return;
            }
            self.applied.push(Applied {
                unit: self.unit,
                group: statement.group,
                statement: id,
                effect: statement.effect,
            });
        }
    }
}

/// [`Mode::Verdict`]'s second pass over one unit: every Deny is known (the unit's applied
/// statements from `first_applied` on), and a deferred Allow matters only in a group with
/// neither a Deny nor an Allow yet. Records each Allow that applies.
// Hot path: guarded by the `check` benchmarks in bench/.
fn decide_deferred_allows(
    unit: Unit,
    index: &PolicyIndex,
    first_applied: usize,
    deferred: &[StatementId],
    applied: &mut Vec<Applied>,
    group_state: &mut Vec<u8>,
    facts: &RequestFacts<'_>,
) {
    group_state.clear();
    group_state.resize(index.group_count().max(1), 0);
    for a in applied.get(first_applied..).unwrap_or_default() {
        match group_state.get_mut(a.group as usize) {
            Some(state) => *state |= DENIED,
            None => facts.fault.raise(),
        }
    }
    for &id in deferred {
        let Some((statement, state)) = index
            .statement(id)
            .and_then(|s| Some((s, group_state.get_mut(s.group as usize)?)))
        else {
            // Ids and groups come from the index builder: see the module docs.
            facts.fault.raise();
            return;
        };
        if *state == 0 && statement.applies(facts) {
            *state = ALLOWED;
            applied.push(Applied {
                unit,
                group: statement.group,
                statement: id,
                effect: Effect::Allow,
            });
        }
    }
}

/// Where decision A came from.
#[derive(Clone, Copy)]
enum IdentitySource {
    /// A root account: Allow or ImplicitDeny with no statement.
    Implied,
    /// A group of the identity unit.
    Group(u32),
}

fn verdict(decision: Decision, step: Step) -> Verdict {
    Verdict { decision, step }
}

/// Decides `request` with the compiled `units` (spec §6.2). In [`Mode::Explain`] the
/// determining statements are left in `scratch`. A fault met on the way (see the module docs)
/// makes the verdict [`Step::InternalError`], whatever the steps found.
// Hot path: guarded by the `check` benchmarks in bench/.
pub(crate) fn decide(
    units: &Units<'_>,
    request: &Request,
    scratch: &mut Scratch,
    mode: Mode,
) -> Verdict {
    scratch.prepare(units.keys, mode);
    let verdict = decide_steps(units, request, scratch, mode);
    if scratch.request.fault.raised() {
        scratch.determining.clear();
        return self::verdict(Decision::ImplicitDeny, Step::InternalError);
    }
    verdict
}

/// Steps 1 to 4 of spec §6.2.
// Hot path: guarded by the `check` benchmarks in bench/.
fn decide_steps(
    units: &Units<'_>,
    request: &Request,
    scratch: &mut Scratch,
    mode: Mode,
) -> Verdict {
    // Step 1: control policies; every level must allow.
    if let Some(control) = units.control {
        if let Some(ended) = control_step(control, request, scratch, mode) {
            return ended;
        }
    }
    // Step 2: the session policy of an assumed-role session must allow.
    if let (Some(session), Some(PrincipalKind::AssumedRole { .. })) =
        (units.session, request.principal().map(|p| &p.kind))
    {
        scratch.collect(Unit::Session, session, request, mode);
        match scratch.decision_of(Unit::Session, None) {
            Decision::Allow => {}
            Decision::ExplicitDeny => {
                scratch.record(Unit::Session, None, Effect::Deny);
                return verdict(Decision::ExplicitDeny, Step::Session);
            }
            Decision::ImplicitDeny => return verdict(Decision::ImplicitDeny, Step::Session),
        }
    }
    // Step 3: decision A (identity) and decision B (resource-based).
    let identity = identity_decision(units.identity, request, scratch, mode);
    let resource = units.resource.map(|index| {
        scratch.collect(Unit::Resource, index, request, mode);
        scratch.decision_of(Unit::Resource, None)
    });
    combine(identity, resource, request, scratch)
}

/// Step 1: `Some` when the control levels end evaluation (a Deny, or a level with no Allow).
fn control_step(
    control: &PolicyIndex,
    request: &Request,
    scratch: &mut Scratch,
    mode: Mode,
) -> Option<Verdict> {
    let applies = match request.principal() {
        None => true,
        Some(p) => {
            !p.management_account
                && !matches!(
                    p.kind,
                    PrincipalKind::RootAccount { .. } | PrincipalKind::Service { .. }
                )
        }
    };
    if !applies || control.group_count() == 0 {
        return None;
    }
    scratch.collect(Unit::Control, control, request, mode);
    let (denied, not_allowed) = scratch.control_levels(control.group_count());
    if denied {
        scratch.record(Unit::Control, None, Effect::Deny);
        return Some(verdict(Decision::ExplicitDeny, Step::Control));
    }
    not_allowed.then(|| verdict(Decision::ImplicitDeny, Step::Control))
}

/// Step 3's decision A, and where it came from.
fn identity_decision(
    identity: Option<&PolicyIndex>,
    request: &Request,
    scratch: &mut Scratch,
    mode: Mode,
) -> (Decision, IdentitySource) {
    match request.principal().map(|p| &p.kind) {
        // §6.2 step 3: a root account's identity side allows, also across accounts (where
        // step 4 still needs the resource side to allow).
        Some(PrincipalKind::RootAccount { .. }) => (Decision::Allow, IdentitySource::Implied),
        Some(PrincipalKind::Anonymous) => (Decision::ImplicitDeny, IdentitySource::Implied),
        _ => match identity {
            None => (Decision::ImplicitDeny, IdentitySource::Implied),
            Some(index) => {
                scratch.collect(Unit::Identity, index, request, mode);
                let account = scratch.decision_of(Unit::Identity, Some(0));
                let group = match (account, request.resource_group()) {
                    (Decision::ImplicitDeny, Some(rg)) => index.group_named(rg),
                    _ => None,
                };
                match group {
                    Some(g) => (
                        scratch.decision_of(Unit::Identity, Some(g)),
                        IdentitySource::Group(g),
                    ),
                    None => (account, IdentitySource::Group(0)),
                }
            }
        },
    }
}

/// Step 4: decision A and decision B combined, the determining statements recorded.
fn combine(
    (identity, identity_source): (Decision, IdentitySource),
    resource: Option<Decision>,
    request: &Request,
    scratch: &mut Scratch,
) -> Verdict {
    let record_identity = |scratch: &mut Scratch, effect| {
        if let IdentitySource::Group(g) = identity_source {
            scratch.record(Unit::Identity, Some(g), effect);
        }
    };
    if identity == Decision::ExplicitDeny || resource == Some(Decision::ExplicitDeny) {
        if identity == Decision::ExplicitDeny {
            record_identity(scratch, Effect::Deny);
        }
        if resource == Some(Decision::ExplicitDeny) {
            scratch.record(Unit::Resource, None, Effect::Deny);
        }
        return verdict(Decision::ExplicitDeny, Step::Final);
    }
    let a_allows = identity == Decision::Allow;
    let b_allows = resource == Some(Decision::Allow);
    let trust_alone = matches!(
        request.principal().map(|p| &p.kind),
        Some(PrincipalKind::Service { .. } | PrincipalKind::Federated { .. })
    );
    let role_assumption = request.is_role_assumption();
    let allowed = if role_assumption && trust_alone {
        b_allows
    } else if role_assumption || request.is_cross_account() {
        a_allows && b_allows
    } else {
        a_allows || b_allows
    };
    if !allowed {
        return verdict(Decision::ImplicitDeny, Step::Final);
    }
    if a_allows && !(role_assumption && trust_alone) {
        record_identity(scratch, Effect::Allow);
    }
    if b_allows {
        scratch.record(Unit::Resource, None, Effect::Allow);
    }
    verdict(Decision::Allow, Step::Final)
}
