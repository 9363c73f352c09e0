//! The decision procedure (the model is in the crate documentation): classes of actions and
//! resources, condition variables per class pair, and a witness checked by the engine.

use crate::classes::{classes, Class, Domain, MAX_STATES};
use crate::conditions::{Atoms, TestChecker};
use crate::principals::{Principals, Reach};
use crate::probe::on_everything;
use crate::prover::Prover;
use crate::resources::ResourceSearch;
use crate::scopes::{Scope, Shape};
use crate::Verdict;
use ramjet_compiler::model::{NamedPolicy, PatternList, Policy, PolicySet};
use ramjet_compiler::wildcard::glob_matches;
use ramjet_compiler::{Effect, Statement};
use ramjet_engine::{CompiledPolicySet, Scratch};

/// Product states the resource classes may take before the search per question is used
/// instead (classes of many patterns with leading `*` multiply: a string can hold several
/// ARNs' worth of text, so every subset of such patterns is a class).
const RESOURCE_CLASS_STATES: usize = 1_024;

/// Resource patterns past which the classes are not tried at all.
const RESOURCE_CLASS_PATTERNS: usize = 16;

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
    /// The principal of every witness (none: a RAM user or role session of the resource's
    /// account, as the shape needs).
    pub(crate) principal: Option<&'a serde_json::Value>,
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
        }
    }
}

/// Which set a statement is in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Old,
    New,
}

/// A variable of the search: a condition test holds, or a `Principal` element names the
/// request's principal.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Var {
    Test(usize),
    Principal(usize),
}

/// A statement of one side, with what the search knows of it.
pub(crate) struct Stmt<'a> {
    pub(crate) side: Side,
    pub(crate) scope: Scope,
    pub(crate) statement: &'a Statement,
    pub(crate) atoms: Vec<Var>,
    /// The statement's action patterns, as positions in the list of all action patterns.
    actions: Element,
    /// Its resource patterns likewise; `None`: every resource.
    pub(crate) resources: Option<Element>,
}

/// `Action`/`Resource` (any of the patterns) or `NotAction`/`NotResource` (none), by pattern
/// position.
#[derive(Clone)]
pub(crate) struct Element {
    pub(crate) negated: bool,
    pub(crate) ids: Vec<usize>,
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
    (set.resource.is_some() && !public).then(|| {
        "resource-based policies are analysed by no-public-access only (no-new-access compares identity, session and control policies)"
            .to_string()
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
    } = question;
    if let Some(reason) = unsupported(old, false).or_else(|| unsupported(new, public.is_some())) {
        return Verdict::Unknown(reason);
    }
    // For no-public-access the witness is checked as its own account would see it: an identity
    // policy that allows everything beside the resource policy.
    let checked_new = match public {
        Some(_) => with_own_account_policy(new),
        None => new.clone(),
    };
    let (old_compiled, new_compiled) = match (
        CompiledPolicySet::compile(old),
        CompiledPolicySet::compile(&checked_new),
    ) {
        (Ok(o), Ok(n)) => (o, n),
        _ => return Verdict::Unknown("a policy set does not compile".to_string()),
    };
    let mut groups: Vec<String> = Vec::new();
    let sides = [
        (Side::Old, analysed(old, &mut groups)),
        (Side::New, analysed(new, &mut groups)),
    ];
    let principals = match public {
        Some(owner) => match Principals::new(
            &sides[1].1.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
            owner,
        ) {
            Some(p) => Some(p),
            None => return Verdict::Unknown("a Principal element does not compile".to_string()),
        },
        None => None,
    };
    let mut atoms = Atoms::default();
    let mut statements = Vec::new();
    for (side, scoped) in &sides {
        for &(scope, statement) in scoped {
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
                side: *side,
                scope,
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
    let mut resource_search = ResourceSearch::new(resource_patterns.clone());
    let mut prover = Prover {
        atoms: &atoms,
        checker: &checker,
        sets: [old, new],
        old: &old_compiled,
        new: &new_compiled,
        groups: &groups,
        principals: principals.as_ref(),
        principal,
        scratch: Scratch::default(),
        undecided: None,
        ambiguous: None,
    };
    let shapes = match (public, principal) {
        (Some(_), _) => vec![Shape {
            role_session: false,
            management: false,
            group: None,
        }],
        (None, Some(given)) => {
            let role_session = given.get("type").and_then(|t| t.as_str()) == Some("AssumedRole");
            std::iter::once(None)
                .chain((0..groups.len()).map(Some))
                .map(|group| Shape {
                    role_session,
                    management: false,
                    group,
                })
                .collect()
        }
        (None, None) => Shape::all([old, new], groups.len()),
    };
    for shape in shapes {
        for action in &action_classes {
            if action.matches.get(assume_role) == Some(&true) && public.is_none() {
                continue; // needs a trust policy: allowed by neither set
            }
            let by_action: Vec<&Stmt> = statements
                .iter()
                .filter(|s| shape.keeps(s.scope) && s.actions.holds(action))
                .collect();
            let found = match &resource_classes {
                Some(resource_classes) => resource_classes.iter().find_map(|resource| {
                    let relevant: Vec<&Stmt> = by_action
                        .iter()
                        .copied()
                        .filter(|s| s.resources.as_ref().is_none_or(|r| r.holds(resource)))
                        .collect();
                    // A counterexample when the new set allows and the old does not.
                    prover.try_class(&action.witness, shape, &relevant, |live| {
                        Ok((live.new.allows() && !live.old.allows())
                            .then(|| resource.witness.clone()))
                    })
                }),
                None => prover.try_class(&action.witness, shape, &by_action, |live| {
                    resource_search.answer(live)
                }),
            };
            if let Some(witness) = found {
                return Verdict::Fail(witness);
            }
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

/// The statements analysed, with where they sit: control levels, the session policy, identity
/// policies (at account scope, or at a resource group, whose name is added to `groups`), and the
/// resource policy (which only no-public-access analyses, as the account scope).
fn analysed<'a>(set: &'a PolicySet, groups: &mut Vec<String>) -> Vec<(Scope, &'a Statement)> {
    let mut out = Vec::new();
    let mut add = |scope: Scope, policy: &'a NamedPolicy| {
        out.extend(policy.policy.statements.iter().map(|s| (scope, s)));
    };
    for (level, policies) in set.control.iter().enumerate() {
        for policy in policies {
            add(Scope::Control(level), policy);
        }
    }
    if let Some(session) = &set.session {
        add(Scope::Session, session);
    }
    for policy in &set.identity {
        let scope = match &policy.resource_group {
            None => Scope::Account,
            Some(group) => {
                let at = groups.iter().position(|g| g == group).unwrap_or_else(|| {
                    groups.push(group.clone());
                    groups.len() - 1
                });
                Scope::Group(at)
            }
        };
        add(scope, policy);
    }
    if let Some(resource) = &set.resource {
        add(Scope::Account, resource);
    }
    out
}

/// `set` with an identity policy that allows everything (what an outside principal's own
/// account may grant it).
fn with_own_account_policy(set: &PolicySet) -> PolicySet {
    let mut out = set.clone();
    out.identity.push(on_everything(
        OWN_ACCOUNT_POLICY,
        Effect::Allow,
        None,
        Vec::new(),
    ));
    out
}
