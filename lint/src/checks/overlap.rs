//! Statements of one document compared pairwise: an Allow that an unconditional Deny always
//! overrides (RJ301), a statement another includes (RJ401), statements that can be merged
//! (RJ402). Inclusion is proven (glob inclusion is sound), never guessed: a finding here is true
//! for every request, and a differential test checks that against the reference interpreter.

use super::{Context, Stmt};
use crate::glob;
use ramjet_compiler::model::{PatternList, PrincipalSpec};
use ramjet_compiler::{Effect, Statement};

pub(super) fn check(context: &mut Context, statements: &[Stmt]) {
    let mut reported = vec![false; statements.len()];
    for (i, stmt) in statements.iter().enumerate() {
        let allow = stmt.statement.effect == Effect::Allow;
        if let Some(deny) = statements.iter().find(|d| {
            allow
                && d.statement.effect == Effect::Deny
                && d.statement.conditions.is_empty()
                && covers(d.statement, stmt.statement)
        }) {
            let message = format!(
                "{} denies every request this Allow applies to, unconditionally, and an explicit Deny wins: the Allow grants nothing",
                deny.name()
            );
            context.report("RJ301", stmt, &stmt.path, message);
            continue;
        }
        let wider = statements.iter().enumerate().find(|(j, other)| {
            *j != i
                && other.statement.effect == stmt.statement.effect
                && conditions_within(other.statement, stmt.statement)
                && covers(other.statement, stmt.statement)
                // Of two equal statements, the later one is the redundant one.
                && !(*j > i && covers(stmt.statement, other.statement)
                    && conditions_within(stmt.statement, other.statement))
        });
        if let Some((_, other)) = wider {
            let message = format!(
                "{} applies to every request this statement applies to, with the same effect: this statement changes no decision; remove it",
                other.name()
            );
            context.report("RJ401", stmt, &stmt.path, message);
            if let Some(flag) = reported.get_mut(i) {
                *flag = true;
            }
        }
    }
    for (i, stmt) in statements.iter().enumerate() {
        if reported.get(i) == Some(&true) {
            continue;
        }
        let partner = statements.iter().enumerate().take(i).find(|(j, earlier)| {
            reported.get(*j) != Some(&true)
                && mergeable(earlier.statement, stmt.statement).is_some()
        });
        if let Some((_, earlier)) = partner {
            let what = mergeable(earlier.statement, stmt.statement).unwrap_or("actions");
            let message = format!(
                "same effect, principals, conditions and {} as {}: one statement with the union of their {what} decides the same",
                if what == "actions" { "resources" } else { "actions" },
                earlier.name()
            );
            context.report("RJ402", stmt, &stmt.path, message);
        }
    }
}

/// Whether `outer` applies to every request `inner` applies to, conditions aside.
fn covers(outer: &Statement, inner: &Statement) -> bool {
    list_covers(Some(&outer.actions), Some(&inner.actions), true)
        && list_covers(outer.resources.as_ref(), inner.resources.as_ref(), false)
        && principal_covers(outer.principal.as_ref(), inner.principal.as_ref())
}

/// Whether every condition test of `outer` is one of `inner`'s (so `outer` is no narrower).
fn conditions_within(outer: &Statement, inner: &Statement) -> bool {
    outer
        .conditions
        .iter()
        .all(|test| inner.conditions.contains(test))
}

fn same_conditions(a: &Statement, b: &Statement) -> bool {
    conditions_within(a, b) && conditions_within(b, a)
}

/// Which element two statements can merge over: `"actions"` when all else is equal, or
/// `"resources"`.
fn mergeable(a: &Statement, b: &Statement) -> Option<&'static str> {
    if a.effect != b.effect || a.principal != b.principal || !same_conditions(a, b) {
        return None;
    }
    let positive = |l: &PatternList| !l.negated;
    let resources_equal = a.resources == b.resources;
    if resources_equal && positive(&a.actions) && positive(&b.actions) {
        return Some("actions");
    }
    let both_positive_resources =
        a.resources.as_ref().is_some_and(positive) && b.resources.as_ref().is_some_and(positive);
    (a.actions == b.actions && both_positive_resources).then_some("resources")
}

/// Whether every string `inner` matches, `outer` matches; `None` is "every string". Sound.
fn list_covers(
    outer: Option<&PatternList>,
    inner: Option<&PatternList>,
    ascii_case_insensitive: bool,
) -> bool {
    let everything = PatternList {
        negated: false,
        patterns: vec!["*".to_string()],
    };
    let outer = outer.unwrap_or(&everything);
    let inner = inner.unwrap_or(&everything);
    let ci = ascii_case_insensitive;
    let included_in_some =
        |pattern: &str, list: &[String]| list.iter().any(|o| glob::includes(o, pattern, ci));
    match (outer.negated, inner.negated) {
        (false, false) => inner
            .patterns
            .iter()
            .all(|p| included_in_some(p, &outer.patterns)),
        // Everything but a list is inside outer only if outer has everything.
        (false, true) => included_in_some("*", &outer.patterns),
        // Outer excludes Y: inner's patterns must all miss every excluded pattern.
        (true, false) => inner.patterns.iter().all(|p| {
            outer
                .patterns
                .iter()
                .all(|excluded| !glob::intersects(p, excluded, ci))
        }),
        // Not Y covers not X when everything Y matches, X matches.
        (true, true) => outer
            .patterns
            .iter()
            .all(|y| included_in_some(y, &inner.patterns)),
    }
}

fn principal_covers(outer: Option<&PrincipalSpec>, inner: Option<&PrincipalSpec>) -> bool {
    match (outer, inner) {
        (None, None) => true,
        (Some(PrincipalSpec::Everyone), Some(_)) => true,
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}
