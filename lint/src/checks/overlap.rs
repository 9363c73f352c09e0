//! Statements of one document compared pairwise: an Allow that an unconditional Deny always
//! overrides (RJ301), a statement another includes (RJ401), statements that can be merged
//! (RJ402). Inclusion is proven (glob inclusion is sound), never guessed: a finding here is true
//! for every request, and a differential test checks that against the reference interpreter.

use super::{Context, Stmt};
use crate::glob;
use ramjet_compiler::model::{PatternList, PrincipalSpec};
use ramjet_compiler::{Effect, Statement};

/// Documents with more statements than this skip the pairwise rules (quadratic in statements).
const MAX_PAIRWISE_STATEMENTS: usize = 1_000;

pub(super) fn check(context: &mut Context, statements: &[Stmt]) {
    if statements.len() > MAX_PAIRWISE_STATEMENTS {
        context.out.incomplete = true;
        return;
    }
    let mut reported = vec![false; statements.len()];
    'statements: for (i, stmt) in statements.iter().enumerate() {
        if stmt.statement.effect == Effect::Allow {
            for deny in statements {
                if deny.statement.effect == Effect::Deny
                    && deny.statement.conditions.is_empty()
                    && proven(context, deny.statement, stmt.statement)
                {
                    let message = format!(
                        "{} denies every request this Allow applies to, unconditionally, and an explicit Deny wins: the Allow grants nothing",
                        deny.name()
                    );
                    context.report("RJ301", stmt, &stmt.path, message);
                    continue 'statements;
                }
            }
        }
        for (j, other) in statements.iter().enumerate() {
            let candidate = j != i
                && other.statement.effect == stmt.statement.effect
                && conditions_within(other.statement, stmt.statement);
            if !candidate || !proven(context, other.statement, stmt.statement) {
                continue;
            }
            // Of two equal statements, the later one is the redundant one.
            let equal = conditions_within(stmt.statement, other.statement)
                && proven(context, stmt.statement, other.statement);
            if j > i && equal {
                continue;
            }
            let message = format!(
                "{} applies to every request this statement applies to, with the same effect: this statement changes no decision; remove it",
                other.name()
            );
            context.report("RJ401", stmt, &stmt.path, message);
            if let Some(flag) = reported.get_mut(i) {
                *flag = true;
            }
            break;
        }
    }
    for (i, stmt) in statements.iter().enumerate() {
        if reported.get(i) == Some(&true) {
            continue;
        }
        let partner = statements
            .iter()
            .enumerate()
            .take(i)
            .find_map(|(j, earlier)| {
                let free = reported.get(j) != Some(&true);
                free.then(|| {
                    mergeable(earlier.statement, stmt.statement).map(|what| (earlier, what))
                })
                .flatten()
            });
        if let Some((earlier, what)) = partner {
            let message = format!(
                "same effect, principals, conditions and {} as {}: one statement with the union of their {what} decides the same",
                if what == "actions" { "resources" } else { "actions" },
                earlier.name()
            );
            context.report("RJ402", stmt, &stmt.path, message);
        }
    }
}

/// [`covers`] within the work budget: false (not proven) once it is spent.
fn proven(context: &mut Context, outer: &Statement, inner: &Statement) -> bool {
    context.spend(size(outer).saturating_mul(size(inner))) && covers(outer, inner)
}

/// Characters in a statement's action and resource patterns (the cost of comparing it).
fn size(statement: &Statement) -> usize {
    let list = |l: &PatternList| l.patterns.iter().map(|p| p.len() + 1).sum::<usize>();
    1 + list(&statement.actions) + statement.resources.as_ref().map_or(0, list)
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
