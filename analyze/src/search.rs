//! The decision procedure (the model is in the crate documentation): classes of actions and
//! resources, condition variables per class pair, and a witness checked by the engine.

use crate::classes::{classes, find, Class, Domain, MAX_STATES};
use crate::conditions::{context_for, Atoms, TestChecker};
use crate::principals::{Principals, Reach};
use crate::{Verdict, Witness};
use ramjet_compiler::model::{NamedPolicy, PatternList, Policy, PolicyPlace, PolicySet};
use ramjet_compiler::wildcard::{glob_includes, glob_matches};
use ramjet_compiler::{parse_request, Effect, Statement};
use ramjet_engine::{CompiledPolicySet, Decision, Scratch};
use std::collections::{BTreeMap, HashMap};

/// Product states the resource classes may take before the search per question is used
/// instead (classes of many patterns with leading `*` multiply: a string can hold several
/// ARNs' worth of text, so every subset of such patterns is a class).
const RESOURCE_CLASS_STATES: usize = 1_024;

/// Resource patterns past which the classes are not tried at all.
const RESOURCE_CLASS_PATTERNS: usize = 16;

/// Condition variables tried exhaustively per class pair.
const MAX_VARIABLES: usize = 16;

/// The account a witness's principal belongs to when the resource names none.
const WITNESS_ACCOUNT: &str = "1234567890123456";

/// The account of a trust policy's role in a witness when its owner is not known (no outside
/// principal a witness names belongs to it).
const UNKNOWN_OWNER: &str = "1000000000000000";

/// PASS when every request `new` allows, `old` allows too; otherwise FAIL with a witness, or
/// UNKNOWN.
pub fn no_new_access(old: &PolicySet, new: &PolicySet) -> Verdict {
    search(Question::new(old, new))
}

/// PASS when no principal outside the account that owns the resource (the anonymous caller, a
/// principal of another account, a federated identity of another account's identity provider)
/// can be allowed by the resource-based policy of `set` (an OSS bucket policy, a role's trust
/// policy), for any action, resource and context; otherwise FAIL with such a request, or
/// UNKNOWN. `owner`: the account that owns the resource; without it, the account every
/// `Resource` pattern names, if they all name one; else every account counts as another, and an
/// answer that depends on which account owns the resource is UNKNOWN.
///
/// The other account's own policies are taken to allow whatever its principal asks (they are
/// that account's to write): the witness is checked with the engine under the resource policy
/// and an identity policy that allows everything.
pub fn no_public_access(set: &PolicySet, owner: Option<&str>) -> Verdict {
    let Some(resource) = &set.resource else {
        return Verdict::Unknown("no resource-based policy to analyse".to_string());
    };
    let only = PolicySet {
        resource: Some(resource.clone()),
        ..PolicySet::default()
    };
    let inferred = owner_named_by(&resource.policy);
    let owner = owner.or(inferred.as_deref());
    search(Question {
        public: Some(owner),
        ..Question::new(&PolicySet::default(), &only)
    })
}

/// PASS when `a` and `b` allow exactly the same requests; otherwise FAIL with a witness that
/// one allows and the other does not (the witness's statements are those of the set that
/// allows it), or UNKNOWN.
pub fn equivalent(a: &PolicySet, b: &PolicySet) -> Verdict {
    match no_new_access(a, b) {
        Verdict::Pass => no_new_access(b, a),
        other => other,
    }
}

/// How resources are explored: every realizable class when there are few (`Auto`), or always by
/// a search per question (`Search`). Both are exact; the choice is speed. Tests run both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resources {
    /// Classes when they number few, else the search.
    Auto,
    /// Always the search.
    Search,
}

/// [`no_new_access`] with the resource exploration chosen.
pub fn no_new_access_with(old: &PolicySet, new: &PolicySet, resources: Resources) -> Verdict {
    search(Question {
        strategy: resources,
        ..Question::new(old, new)
    })
}

/// PASS when no request for one of `actions` (on one of `resources`, when given) is allowed by
/// `set`; otherwise FAIL with a witness that is allowed, or UNKNOWN.
pub fn access_not_granted(
    set: &PolicySet,
    actions: &[String],
    resources: Option<&[String]>,
) -> Verdict {
    let none = PolicySet::default();
    search(Question {
        actions: Some(actions),
        resources,
        ..Question::new(&none, set)
    })
}

/// One question for the search.
#[derive(Clone, Copy)]
pub(crate) struct Question<'a> {
    /// The policies before (identity policies at account scope).
    pub(crate) old: &'a PolicySet,
    /// The policies after.
    pub(crate) new: &'a PolicySet,
    /// Only these actions (none: every action).
    pub(crate) actions: Option<&'a [String]>,
    /// Only these resources (none: every resource).
    pub(crate) resources: Option<&'a [String]>,
    pub(crate) strategy: Resources,
    /// `Some(owner)` for no-public-access: `new` holds the resource policy alone.
    pub(crate) public: Option<Option<&'a str>>,
    /// The principal of every witness (none: a RAM user of the resource's account).
    pub(crate) principal: Option<&'a serde_json::Value>,
    /// Control policy levels that bound both sides alike: not analysed (they cannot tell the
    /// sides apart), but applied when a witness is checked.
    pub(crate) control: &'a [Vec<NamedPolicy>],
}

impl<'a> Question<'a> {
    pub(crate) fn new(old: &'a PolicySet, new: &'a PolicySet) -> Self {
        Question {
            old,
            new,
            actions: None,
            resources: None,
            strategy: Resources::Auto,
            public: None,
            principal: None,
            control: &[],
        }
    }
}

/// Which set a statement is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Old,
    New,
}

/// A variable of the search: a condition test holds, or a `Principal` element names the
/// request's principal.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Var {
    Test(usize),
    Principal(usize),
}

struct Stmt<'a> {
    side: Side,
    statement: &'a Statement,
    atoms: Vec<Var>,
    /// The statement's action patterns, as positions in the list of all action patterns.
    actions: Element,
    /// Its resource patterns likewise; `None`: every resource.
    resources: Option<Element>,
}

/// `Action`/`Resource` (any of the patterns) or `NotAction`/`NotResource` (none), by pattern
/// position.
#[derive(Clone)]
struct Element {
    negated: bool,
    ids: Vec<usize>,
}

impl Element {
    fn of(list: &PatternList, all: &[String]) -> Element {
        Element {
            negated: list.negated,
            ids: list
                .patterns
                .iter()
                .filter_map(|p| all.iter().position(|q| q == p))
                .collect(),
        }
    }

    fn holds(&self, class: &Class) -> bool {
        let any = self
            .ids
            .iter()
            .any(|&i| class.matches.get(i).copied().unwrap_or(false));
        any != self.negated
    }
}

fn unsupported(set: &PolicySet, public: bool) -> Option<String> {
    if set.session.is_some() || (set.resource.is_some() && !public) || !set.control.is_empty() {
        return Some(
            "only identity policies are analysed so far (session, resource-based and control policies are not)"
                .to_string(),
        );
    }
    set.identity
        .iter()
        .find(|p| p.resource_group.is_some())
        .map(|p| {
            format!(
                "policy {} is attached at a resource group; only account scope is analysed so far",
                p.name
            )
        })
}

/// Each distinct pattern once, in first-seen order.
fn patterns<'a>(lists: impl Iterator<Item = &'a PatternList>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for list in lists {
        for p in &list.patterns {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
    }
    out
}

/// `*` (what a request for an action without resource-level authorization names, spec 3.5)
/// as the witness of the class it belongs to, in place of a shortest string.
fn with_star_witnesses(mut found: Vec<Class>, patterns: &[String]) -> Vec<Class> {
    let star: Vec<bool> = patterns
        .iter()
        .map(|p| glob_matches(p, "*", false))
        .collect();
    if let Some(class) = found.iter_mut().find(|c| c.matches == star) {
        class.witness = "*".to_string();
    }
    found
}

/// Classes of the given literal strings (actions or resources named on the command line).
fn literal_classes(texts: &[String], patterns: &[String], case_insensitive: bool) -> Vec<Class> {
    texts
        .iter()
        .map(|text| Class {
            matches: patterns
                .iter()
                .map(|p| glob_matches(p, text, case_insensitive))
                .collect(),
            witness: text.clone(),
        })
        .collect()
}

/// The name of the identity policy that stands for an outside principal's own account in a
/// `no-public-access` witness check.
const OWN_ACCOUNT_POLICY: &str = "its-own-account-allows-everything";

pub(crate) fn search(question: Question) -> Verdict {
    let Question {
        old,
        new,
        actions,
        resources,
        strategy,
        public,
        principal,
        control,
    } = question;
    if let Some(reason) = unsupported(old, false).or_else(|| unsupported(new, public.is_some())) {
        return Verdict::Unknown(reason);
    }
    // For no-public-access the witness is checked as its own account would see it: an identity
    // policy that allows everything beside the resource policy. Shared control levels bound
    // both sides when a witness is checked.
    let mut checked_new = match public {
        Some(_) => with_own_account_policy(new),
        None => new.clone(),
    };
    let mut checked_old = old.clone();
    checked_new.control = control.to_vec();
    checked_old.control = control.to_vec();
    let (old_compiled, new_compiled) = match (
        CompiledPolicySet::compile(&checked_old),
        CompiledPolicySet::compile(&checked_new),
    ) {
        (Ok(o), Ok(n)) => (o, n),
        _ => return Verdict::Unknown("a policy set does not compile".to_string()),
    };
    let principals = match public {
        Some(owner) => match Principals::new(&analysed(new), owner) {
            Some(p) => Some(p),
            None => return Verdict::Unknown("a Principal element does not compile".to_string()),
        },
        None => None,
    };
    let mut atoms = Atoms::default();
    let mut statements = Vec::new();
    for (side, set) in [(Side::Old, old), (Side::New, new)] {
        for statement in analysed(set) {
            let mut ids: Vec<Var> = statement
                .conditions
                .iter()
                .map(|t| Var::Test(atoms.id(t)))
                .collect();
            if let (Some(principals), Some(spec)) = (&principals, &statement.principal) {
                let Some(id) = principals.id(spec) else {
                    continue;
                };
                match principals.reach(id) {
                    Reach::Never => continue, // names no outside principal
                    Reach::Always => {}
                    Reach::Some => ids.push(Var::Principal(id)),
                }
            }
            statements.push(Stmt {
                side,
                statement,
                atoms: ids,
                actions: Element {
                    negated: false,
                    ids: Vec::new(),
                },
                resources: None,
            });
        }
    }
    let Some(checker) = TestChecker::new(&atoms) else {
        return Verdict::Unknown("a condition test does not compile".to_string());
    };
    // Action patterns, and the role-assumption family last.
    let mut action_patterns = patterns(statements.iter().map(|s| &s.statement.actions));
    let assume_role = action_patterns.len();
    action_patterns.push("sts:assumerole*".to_string());
    let mut action_classes = match actions {
        Some(literals) => literal_classes(literals, &action_patterns, true),
        None => match classes(&action_patterns, Domain::Action, MAX_STATES) {
            Ok(found) => found,
            Err(_) => return Verdict::Unknown("too many action classes to explore".to_string()),
        },
    };
    // A witness action as the policies spell it, when one names it without wildcards (actions
    // asked about keep the asker's spelling).
    for class in action_classes.iter_mut().filter(|_| actions.is_none()) {
        if let Some(spelt) = action_patterns
            .iter()
            .find(|p| !p.contains(['*', '?']) && p.eq_ignore_ascii_case(&class.witness))
        {
            class.witness = spelt.clone();
        }
    }
    // Spec 6.1a: an action of the role-assumption family also matches what `sts:AssumeRole`
    // matches.
    let alias = literal_classes(&["sts:AssumeRole".to_string()], &action_patterns, true);
    if let Some(alias) = alias.first() {
        for class in &mut action_classes {
            if class.matches.get(assume_role) == Some(&true) {
                for (m, a) in class.matches.iter_mut().zip(&alias.matches) {
                    *m |= *a;
                }
            }
        }
    }
    let resource_patterns = patterns(
        statements
            .iter()
            .filter_map(|s| s.statement.resources.as_ref()),
    );
    for stmt in &mut statements {
        stmt.actions = Element::of(&stmt.statement.actions, &action_patterns);
        stmt.resources = stmt
            .statement
            .resources
            .as_ref()
            .map(|list| Element::of(list, &resource_patterns));
    }
    // Resources: every realizable class when there are few; otherwise a search per question
    // ("a resource that these statements' resources match and those do not").
    let resource_classes = match resources {
        Some(literals) => Some(literal_classes(literals, &resource_patterns, false)),
        // A trust policy names no resource: the role's own ARN stands for every resource.
        None if public.is_some() && resource_patterns.is_empty() => {
            let account = public.flatten().unwrap_or(UNKNOWN_OWNER);
            Some(literal_classes(
                &[format!("acs:ram::{account}:role/witness")],
                &resource_patterns,
                false,
            ))
        }
        None if strategy == Resources::Search => None,
        None if resource_patterns.len() > RESOURCE_CLASS_PATTERNS => None,
        None => classes(&resource_patterns, Domain::Resource, RESOURCE_CLASS_STATES)
            .ok()
            .map(|found| with_star_witnesses(found, &resource_patterns)),
    };
    let mut resource_search = ResourceSearch {
        patterns: resource_patterns.clone(),
        answers: HashMap::new(),
        includes: HashMap::new(),
    };
    let mut prover = Prover {
        atoms: &atoms,
        checker: &checker,
        old: &old_compiled,
        new: &new_compiled,
        principals: principals.as_ref(),
        principal,
        scratch: Scratch::default(),
        undecided: None,
        ambiguous: None,
    };
    for action in &action_classes {
        if action.matches.get(assume_role) == Some(&true) && public.is_none() {
            continue; // needs a trust policy: allowed by neither set
        }
        let by_action: Vec<&Stmt> = statements
            .iter()
            .filter(|s| s.actions.holds(action))
            .collect();
        let found = match &resource_classes {
            Some(resource_classes) => resource_classes.iter().find_map(|resource| {
                let relevant: Vec<&Stmt> = by_action
                    .iter()
                    .copied()
                    .filter(|s| s.resources.as_ref().is_none_or(|r| r.holds(resource)))
                    .collect();
                // A counterexample when the new set allows and the old does not.
                prover.try_class(&action.witness, &relevant, |live| {
                    let new_allows = live.new_deny.is_empty();
                    let old_allows = !live.old_allow.is_empty() && live.old_deny.is_empty();
                    Ok((new_allows && !old_allows).then(|| resource.witness.clone()))
                })
            }),
            None => prover.try_class(&action.witness, &by_action, |live| {
                resource_search.answer(live)
            }),
        };
        if let Some(witness) = found {
            return Verdict::Fail(witness);
        }
    }
    match prover.ambiguous.or(prover.undecided) {
        Some(reason) => Verdict::Unknown(reason),
        None => Verdict::Pass,
    }
}

/// The account every `Resource` pattern of `policy` names (their fourth field, all the same
/// account number), if they do: the resource is that account's.
fn owner_named_by(policy: &Policy) -> Option<String> {
    let mut owner: Option<&str> = None;
    for statement in &policy.statements {
        let Some(list) = &statement.resources else {
            continue;
        };
        if list.negated {
            return None;
        }
        for pattern in &list.patterns {
            let account = pattern.split(':').nth(3)?;
            if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if owner.is_some_and(|o| o != account) {
                return None;
            }
            owner = Some(account);
        }
    }
    owner.map(str::to_string)
}

/// The statements analysed: identity policies' and the resource policy's.
fn analysed(set: &PolicySet) -> Vec<&Statement> {
    set.identity
        .iter()
        .chain(&set.resource)
        .flat_map(|p| &p.policy.statements)
        .collect()
}

/// `set` with an identity policy that allows everything (what an outside principal's own
/// account may grant it).
fn with_own_account_policy(set: &PolicySet) -> PolicySet {
    let everything = || PatternList {
        negated: false,
        patterns: vec!["*".to_string()],
    };
    let mut out = set.clone();
    out.identity.push(NamedPolicy {
        name: OWN_ACCOUNT_POLICY.to_string(),
        resource_group: None,
        policy: Policy {
            statements: vec![Statement {
                sid: None,
                effect: Effect::Allow,
                actions: everything(),
                resources: Some(everything()),
                principal: None,
                conditions: Vec::new(),
            }],
        },
    });
    out
}

/// The statements of both sets that can apply under one combination of condition variables
/// (actions already decided), by side and effect.
struct Live<'a> {
    new_allow: Vec<&'a Stmt<'a>>,
    new_deny: Vec<&'a Stmt<'a>>,
    old_allow: Vec<&'a Stmt<'a>>,
    old_deny: Vec<&'a Stmt<'a>>,
}

/// Tries condition combinations for one class and builds checked witnesses.
struct Prover<'a> {
    atoms: &'a Atoms,
    checker: &'a TestChecker,
    old: &'a CompiledPolicySet,
    new: &'a CompiledPolicySet,
    /// For no-public-access: the outside principals a witness may name.
    principals: Option<&'a Principals>,
    /// The principal of every witness, when the question names one.
    principal: Option<&'a serde_json::Value>,
    scratch: Scratch,
    undecided: Option<String>,
    /// For no-public-access: an allowed principal that may belong to the owner after all.
    ambiguous: Option<String>,
}

impl Prover<'_> {
    /// Every combination of the condition variables of `relevant` (statements whose action, and
    /// resource when classes are known, hold) under which the new set can allow and the old
    /// cannot; `resource` gives a resource for the combination's live statements (`None`: no
    /// resource makes it a counterexample). The first checked witness.
    fn try_class<'s>(
        &mut self,
        action: &str,
        relevant: &[&'s Stmt<'s>],
        mut resource: impl FnMut(&Live<'s>) -> Result<Option<String>, String>,
    ) -> Option<Witness> {
        if !relevant
            .iter()
            .any(|s| s.side == Side::New && s.statement.effect == Effect::Allow)
        {
            return None;
        }
        let mut variables: Vec<Var> = relevant.iter().flat_map(|s| s.atoms.clone()).collect();
        variables.sort_unstable();
        variables.dedup();
        if variables.len() > MAX_VARIABLES {
            self.undecided.get_or_insert(format!(
                "{} condition tests bear on {action}; at most {MAX_VARIABLES} are tried",
                variables.len()
            ));
            return None;
        }
        for bits in 0u32..(1u32 << variables.len()) {
            let value = |id: Var| {
                variables
                    .iter()
                    .position(|&v| v == id)
                    .is_some_and(|k| bits >> k & 1 == 1)
            };
            let pick = |side: Side, effect: Effect| -> Vec<&Stmt> {
                relevant
                    .iter()
                    .copied()
                    .filter(|s| s.side == side && s.statement.effect == effect)
                    .filter(|s| s.atoms.iter().all(|&id| value(id)))
                    .collect()
            };
            let live = Live {
                new_allow: pick(Side::New, Effect::Allow),
                new_deny: pick(Side::New, Effect::Deny),
                old_allow: pick(Side::Old, Effect::Allow),
                old_deny: pick(Side::Old, Effect::Deny),
            };
            if live.new_allow.is_empty() {
                continue;
            }
            let resource = match resource(&live) {
                Ok(Some(resource)) => resource,
                Ok(None) => continue,
                Err(reason) => {
                    self.undecided.get_or_insert(format!("{action}: {reason}"));
                    continue;
                }
            };
            let wanted: BTreeMap<Var, bool> = variables.iter().map(|&id| (id, value(id))).collect();
            if let Some(witness) = self.witness(action, &resource, &wanted) {
                return Some(witness);
            }
            self.undecided.get_or_insert(format!(
                "the new policies may allow {action} on {resource} under some context, but no request that shows it could be built"
            ));
        }
        None
    }

    fn witness(
        &mut self,
        action: &str,
        resource: &str,
        wanted: &BTreeMap<Var, bool>,
    ) -> Option<Witness> {
        let mut tests = BTreeMap::new();
        let mut named = BTreeMap::new();
        for (&var, &value) in wanted {
            match var {
                Var::Test(id) => tests.insert(id, value),
                Var::Principal(id) => named.insert(id, value),
            };
        }
        let context = context_for(self.atoms, self.checker, &tests)?;
        let mut request = request_json(action, resource, &context, self.principal);
        let Some(principals) = self.principals else {
            let parsed = parse_request(request.to_string().as_bytes()).ok()?;
            let under_new = self.new.outcome(&parsed, &mut self.scratch);
            let under_old = self.old.decide(&parsed, &mut self.scratch);
            return (under_new.decision == Decision::Allow
                && under_old.decision != Decision::Allow)
                .then_some(Witness {
                    request,
                    statements: under_new.determining,
                });
        };
        // no-public-access: the first outside principal the resource policy lets in.
        for candidate in principals.realizing(&named) {
            if let Some(members) = request.as_object_mut() {
                members.insert("principal".to_string(), candidate.json.clone());
            }
            let Ok(parsed) = parse_request(request.to_string().as_bytes()) else {
                continue;
            };
            let under_new = self.new.outcome(&parsed, &mut self.scratch);
            if under_new.decision != Decision::Allow {
                continue;
            }
            let witness = Witness {
                request: request.clone(),
                statements: under_new
                    .determining
                    .into_iter()
                    .filter(|s| s.place == PolicyPlace::Resource)
                    .collect(),
            };
            if witness.statements.is_empty() {
                continue; // allowed by its own account alone, not by the resource policy
            }
            match principals.ambiguity(candidate) {
                None => return Some(witness),
                Some(reason) => {
                    self.ambiguous
                        .get_or_insert_with(|| format!("{reason}; e.g. {}", witness.request));
                }
            }
        }
        None
    }
}

/// Patterns a resource must match (all), and must not match (none).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
struct Case {
    positives: Vec<usize>,
    negatives: Vec<usize>,
}

/// Cases tried per combination at most.
const MAX_CASES: usize = 4_096;

/// Every way to make one of `statements` apply (its resource element, that is), each added to
/// every case.
fn some_applies(cases: Vec<Case>, statements: &[&Stmt]) -> Vec<Case> {
    let mut out = Vec::new();
    for case in &cases {
        for statement in statements {
            match &statement.resources {
                None => out.push(case.clone()),
                Some(list) if list.negated => {
                    let mut c = case.clone();
                    c.negatives.extend(&list.ids);
                    out.push(c);
                }
                Some(list) => {
                    for &p in &list.ids {
                        let mut c = case.clone();
                        c.positives.push(p);
                        out.push(c);
                    }
                }
            }
            if out.len() > MAX_CASES {
                return out;
            }
        }
    }
    out
}

/// Every way to make none of `statements` apply, added to every case.
fn none_applies(mut cases: Vec<Case>, statements: &[&Stmt]) -> Vec<Case> {
    for statement in statements {
        cases = match &statement.resources {
            None => return Vec::new(), // applies to every resource
            Some(list) if !list.negated => {
                for case in &mut cases {
                    case.negatives.extend(&list.ids);
                }
                cases
            }
            Some(list) => {
                // NotResource: it does not apply when one of its patterns matches.
                let mut out = Vec::new();
                for case in &cases {
                    for &p in &list.ids {
                        let mut c = case.clone();
                        c.positives.push(p);
                        out.push(c);
                    }
                }
                out
            }
        };
        if cases.len() > MAX_CASES {
            return cases;
        }
    }
    cases
}

/// Resource questions answered so far: many classes and combinations ask the same.
struct ResourceSearch {
    patterns: Vec<String>,
    answers: HashMap<Case, Option<String>>,
    /// `includes[(n, p)]`: pattern `n` matches every string pattern `p` matches (proven).
    includes: HashMap<(usize, usize), bool>,
}

impl ResourceSearch {
    /// Sorted and without repeats; `None` when a negative pattern includes a positive one (no
    /// resource can match the one and not the other).
    fn normalized(&mut self, mut case: Case) -> Option<Case> {
        for list in [&mut case.positives, &mut case.negatives] {
            list.sort_unstable();
            list.dedup();
        }
        for &n in &case.negatives {
            for &p in &case.positives {
                let patterns = &self.patterns;
                let included = *self.includes.entry((n, p)).or_insert_with(|| {
                    match (patterns.get(n), patterns.get(p)) {
                        (Some(n), Some(p)) => glob_includes(n, p, false),
                        _ => false,
                    }
                });
                if included {
                    return None;
                }
            }
        }
        Some(case)
    }

    /// A resource under which the new set allows (an Allow applies, no Deny) and the old does
    /// not (no Allow applies, or a Deny does), searched case by case.
    fn answer(&mut self, live: &Live) -> Result<Option<String>, String> {
        let new_allows = none_applies(
            some_applies(vec![Case::default()], &live.new_allow),
            &live.new_deny,
        );
        let old_silent = none_applies(new_allows.clone(), &live.old_allow);
        let old_denies = some_applies(new_allows, &live.old_deny);
        if old_silent.len() + old_denies.len() > MAX_CASES {
            return Err(format!(
                "more than {MAX_CASES} ways for a resource to tell the policies apart"
            ));
        }
        for case in old_silent.into_iter().chain(old_denies) {
            let Some(case) = self.normalized(case) else {
                continue;
            };
            if let Some(known) = self.answers.get(&case) {
                if known.is_some() {
                    return Ok(known.clone());
                }
                continue;
            }
            let text = |ids: &[usize]| -> Vec<String> {
                ids.iter()
                    .filter_map(|&i| self.patterns.get(i).cloned())
                    .collect()
            };
            let found = find(
                &text(&case.positives),
                &text(&case.negatives),
                Domain::Resource,
            )
            .map_err(|_| "too many resource states to explore".to_string())?;
            self.answers.insert(case, found.clone());
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }
}

/// The witness as a scenario's request object: a RAM user of the resource's account (so the
/// request is not cross-account, spec 6.2 step 4).
fn request_json(
    action: &str,
    resource: &str,
    context: &BTreeMap<String, Vec<String>>,
    principal: Option<&serde_json::Value>,
) -> serde_json::Value {
    let account = resource
        .split(':')
        .nth(3)
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(WITNESS_ACCOUNT);
    let principal = principal.cloned().unwrap_or_else(
        || serde_json::json!({"type": "RamUser", "account": account, "name": "witness"}),
    );
    let context: serde_json::Map<String, serde_json::Value> = context
        .iter()
        .map(|(k, v)| {
            let value = match v.as_slice() {
                [one] => serde_json::json!(one),
                many => serde_json::json!(many),
            };
            (k.clone(), value)
        })
        .collect();
    serde_json::json!({
        "action": action,
        "resource": resource,
        "principal": principal,
        "context": context,
    })
}
