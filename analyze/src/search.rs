//! The decision procedure (the model is in the crate documentation): classes of actions and
//! resources, condition variables per class pair, and a witness checked by the engine.

use crate::classes::{classes, Class, Domain};
use crate::conditions::{context_for, Atoms, TestChecker};
use crate::{Verdict, Witness};
use ramjet_compiler::model::{PatternList, PolicySet};
use ramjet_compiler::wildcard::glob_matches;
use ramjet_compiler::{parse_request, Effect, Statement};
use ramjet_engine::{CompiledPolicySet, Decision, Scratch};
use std::collections::BTreeMap;

/// Condition variables tried exhaustively per class pair.
const MAX_VARIABLES: usize = 16;

/// The account a witness's principal belongs to when the resource names none.
const WITNESS_ACCOUNT: &str = "1234567890123456";

/// PASS when every request `new` allows, `old` allows too; otherwise FAIL with a witness, or
/// UNKNOWN.
pub fn no_new_access(old: &PolicySet, new: &PolicySet) -> Verdict {
    search(old, new, None, None)
}

/// PASS when no request for one of `actions` (on one of `resources`, when given) is allowed by
/// `set`; otherwise FAIL with a witness that is allowed, or UNKNOWN.
pub fn access_not_granted(
    set: &PolicySet,
    actions: &[String],
    resources: Option<&[String]>,
) -> Verdict {
    search(&PolicySet::default(), set, Some(actions), resources)
}

/// Which set a statement is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Old,
    New,
}

struct Stmt<'a> {
    side: Side,
    statement: &'a Statement,
    atoms: Vec<usize>,
}

fn unsupported(set: &PolicySet) -> Option<String> {
    if set.session.is_some() || set.resource.is_some() || !set.control.is_empty() {
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

fn holds(list: Option<&PatternList>, all: &[String], class: &Class) -> bool {
    let Some(list) = list else {
        return true;
    };
    let any = list.patterns.iter().any(|p| {
        all.iter()
            .position(|q| q == p)
            .and_then(|i| class.matches.get(i))
            .copied()
            .unwrap_or(false)
    });
    any != list.negated
}

fn search(
    old: &PolicySet,
    new: &PolicySet,
    actions: Option<&[String]>,
    resources: Option<&[String]>,
) -> Verdict {
    if let Some(reason) = unsupported(old).or_else(|| unsupported(new)) {
        return Verdict::Unknown(reason);
    }
    let (old_compiled, new_compiled) = match (
        CompiledPolicySet::compile(old),
        CompiledPolicySet::compile(new),
    ) {
        (Ok(o), Ok(n)) => (o, n),
        _ => return Verdict::Unknown("a policy set does not compile".to_string()),
    };
    let mut atoms = Atoms::default();
    let mut statements = Vec::new();
    for (side, set) in [(Side::Old, old), (Side::New, new)] {
        for policy in &set.identity {
            for statement in &policy.policy.statements {
                let ids = statement.conditions.iter().map(|t| atoms.id(t)).collect();
                statements.push(Stmt {
                    side,
                    statement,
                    atoms: ids,
                });
            }
        }
    }
    let Some(checker) = TestChecker::new(&atoms) else {
        return Verdict::Unknown("a condition test does not compile".to_string());
    };
    // Action patterns, and the role-assumption family last.
    let mut action_patterns = patterns(statements.iter().map(|s| &s.statement.actions));
    let assume_role = action_patterns.len();
    action_patterns.push("sts:assumerole*".to_string());
    let action_classes = match actions {
        Some(literals) => literal_classes(literals, &action_patterns, true),
        None => match classes(&action_patterns, Domain::Action) {
            Ok(found) => found,
            Err(_) => return Verdict::Unknown("too many action classes to explore".to_string()),
        },
    };
    let resource_patterns = patterns(
        statements
            .iter()
            .filter_map(|s| s.statement.resources.as_ref()),
    );
    let resource_classes = match resources {
        Some(literals) => literal_classes(literals, &resource_patterns, false),
        None => match classes(&resource_patterns, Domain::Resource) {
            Ok(found) => found,
            Err(_) => return Verdict::Unknown("too many resource classes to explore".to_string()),
        },
    };
    let mut undecided: Option<String> = None;
    let mut scratch = Scratch::default();
    for action in &action_classes {
        if action.matches.get(assume_role) == Some(&true) {
            continue; // needs a trust policy: allowed by neither set
        }
        for resource in &resource_classes {
            let relevant: Vec<&Stmt> = statements
                .iter()
                .filter(|s| {
                    holds(Some(&s.statement.actions), &action_patterns, action)
                        && holds(s.statement.resources.as_ref(), &resource_patterns, resource)
                })
                .collect();
            let new_allows = relevant
                .iter()
                .any(|s| s.side == Side::New && s.statement.effect == Effect::Allow);
            if !new_allows {
                continue;
            }
            let mut variables: Vec<usize> = relevant.iter().flat_map(|s| s.atoms.clone()).collect();
            variables.sort_unstable();
            variables.dedup();
            if variables.len() > MAX_VARIABLES {
                undecided.get_or_insert(format!(
                    "{} condition tests bear on {} on {}; at most {MAX_VARIABLES} are tried",
                    variables.len(),
                    action.witness,
                    resource.witness
                ));
                continue;
            }
            for bits in 0u32..(1u32 << variables.len()) {
                let value = |id: usize| {
                    variables
                        .iter()
                        .position(|&v| v == id)
                        .is_some_and(|k| bits >> k & 1 == 1)
                };
                let applies = |s: &&&Stmt| s.atoms.iter().all(|&id| value(id));
                let allowed = |side: Side| {
                    let on = |effect: Effect| {
                        relevant
                            .iter()
                            .filter(|s| s.side == side && s.statement.effect == effect)
                            .any(|s| applies(&s))
                    };
                    !on(Effect::Deny) && on(Effect::Allow)
                };
                if !allowed(Side::New) || allowed(Side::Old) {
                    continue;
                }
                let wanted: BTreeMap<usize, bool> =
                    variables.iter().map(|&id| (id, value(id))).collect();
                let witness = context_for(&atoms, &checker, &wanted).and_then(|context| {
                    let request = request_json(&action.witness, &resource.witness, &context);
                    let parsed = parse_request(request.to_string().as_bytes()).ok()?;
                    let under_new = new_compiled.outcome(&parsed, &mut scratch);
                    let under_old = old_compiled.decide(&parsed, &mut scratch);
                    (under_new.decision == Decision::Allow && under_old.decision != Decision::Allow)
                        .then_some(Witness {
                            request,
                            statements: under_new.determining,
                        })
                });
                match witness {
                    Some(witness) => return Verdict::Fail(witness),
                    None => {
                        undecided.get_or_insert(format!(
                            "the new policies may allow {} on {} under some context, but no request that shows it could be built",
                            action.witness, resource.witness
                        ));
                    }
                }
            }
        }
    }
    match undecided {
        Some(reason) => Verdict::Unknown(reason),
        None => Verdict::Pass,
    }
}

/// The witness as a scenario's request object: a RAM user of the resource's account (so the
/// request is not cross-account, spec 6.2 step 4).
fn request_json(
    action: &str,
    resource: &str,
    context: &BTreeMap<String, Vec<String>>,
) -> serde_json::Value {
    let account = resource
        .split(':')
        .nth(3)
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(WITNESS_ACCOUNT);
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
        "principal": {"type": "RamUser", "account": account, "name": "witness"},
        "context": context,
    })
}
