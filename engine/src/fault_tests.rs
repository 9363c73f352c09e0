//! Broken invariants on the decision path fail closed: a snapshot corrupted by hand (as a bug in
//! the compiler could leave it) answers a deny at `Step::InternalError`, never a decision that
//! skipped the corrupted statement.

use crate::keys::KeyTable;
use crate::model::{
    ConditionTest, ConditionValues, Effect, NamedPolicy, Operator, PatternList, Policy, PolicySet,
    Statement, TestKind,
};
use crate::{CompiledPolicySet, Context, Decision, Request, Scratch, Step};

fn statement(effect: Effect, action: &str, conditions: Vec<ConditionTest>) -> Statement {
    Statement {
        sid: None,
        effect,
        actions: PatternList {
            negated: false,
            patterns: vec![action.into()],
        },
        resources: Some(PatternList {
            negated: false,
            patterns: vec!["*".into()],
        }),
        principal: None,
        conditions,
    }
}

/// `Allow eas:*`, then `Deny eas:Delete*` from the blocked address 198.51.100.1.
fn compiled() -> CompiledPolicySet {
    let from_blocked = ConditionTest {
        operator: Operator {
            test: TestKind::StringEquals,
            quantifier: None,
            if_exists: false,
        },
        key: "acs:SourceIp".into(),
        values: ConditionValues::Strings(vec!["198.51.100.1".into()]),
    };
    let mut set = PolicySet::default();
    set.identity.push(NamedPolicy {
        name: "P".into(),
        resource_group: None,
        policy: Policy {
            statements: vec![
                statement(Effect::Allow, "eas:*", vec![]),
                statement(Effect::Deny, "eas:Delete*", vec![from_blocked]),
            ],
        },
    });
    CompiledPolicySet::compile(&set).unwrap()
}

fn delete_from(ip: &str) -> Request {
    let mut context = Context::default();
    context.insert("acs:SourceIp", vec![ip.into()]).unwrap();
    Request::new("eas:DeleteService", "*")
        .unwrap()
        .with_context(context)
}

fn assert_fails_closed(set: &CompiledPolicySet, request: &Request) {
    let mut scratch = Scratch::default();
    let verdict = set.decide(request, &mut scratch);
    assert_eq!(
        (verdict.decision, verdict.step),
        (Decision::ImplicitDeny, Step::InternalError)
    );
    let outcome = set.outcome(request, &mut scratch);
    assert_eq!(
        (outcome.decision, outcome.step),
        (Decision::ImplicitDeny, Step::InternalError)
    );
    assert!(outcome.determining.is_empty());
    // The scratch is not poisoned: a sound set decides normally with it afterwards.
    assert_eq!(
        compiled().decide(request, &mut scratch).decision,
        Decision::ExplicitDeny
    );
}

#[test]
fn the_sound_set_denies_and_allows() {
    let set = compiled();
    let mut scratch = Scratch::default();
    let denied = set.decide(&delete_from("198.51.100.1"), &mut scratch);
    assert_eq!(
        (denied.decision, denied.step),
        (Decision::ExplicitDeny, Step::Final)
    );
    let allowed = set.decide(&delete_from("192.0.2.10"), &mut scratch);
    assert_eq!(allowed.decision, Decision::Allow);
}

#[test]
fn a_statement_id_its_index_does_not_hold_is_an_internal_error() {
    let mut set = compiled();
    let identity = set.identity.as_mut().unwrap();
    // The Deny (statement 1) is gone; the action index still names it.
    identity.statements = identity
        .statements
        .iter()
        .take(1)
        .map(clone_statement)
        .collect();
    assert_fails_closed(&set, &delete_from("198.51.100.1"));
}

#[test]
fn a_group_past_the_unit_is_an_internal_error() {
    let mut set = compiled();
    let identity = set.identity.as_mut().unwrap();
    let mut statements: Vec<_> = identity.statements.iter().map(clone_statement).collect();
    statements[1].group = 7;
    identity.statements = statements.into();
    assert_fails_closed(&set, &delete_from("198.51.100.1"));
}

#[test]
fn a_condition_key_the_table_does_not_cover_is_an_internal_error() {
    let mut set = compiled();
    // Without its key table, the Deny's condition would read the key as absent: the Deny would
    // not apply (StringEquals on an absent key fails), and the Allow would let it through.
    set.keys = KeyTable::default();
    assert_fails_closed(&set, &delete_from("198.51.100.1"));
}

fn clone_statement(s: &crate::index::CompiledStatement) -> crate::index::CompiledStatement {
    crate::index::CompiledStatement {
        effect: s.effect,
        group: s.group,
        resources: s.resources.clone(),
        principal: s.principal.clone(),
        conditions: s.conditions.clone(),
    }
}
