//! Checks against the action catalogs: unknown actions (RJ101), patterns that match nothing
//! (RJ102), resources no action of the statement is authorized on (RJ103), Denies that fail
//! open on actions authorized only on `*` (RJ201), and `*` granted for actions that support
//! resource-level ARNs (RJ403).

use super::{list, literal_service, Context, Stmt};
use crate::catalog::{Action, Service};
use crate::glob;
use ramjet_compiler::Effect;

pub(super) fn check(context: &mut Context, statements: &[Stmt]) {
    for stmt in statements {
        unknown_actions(context, stmt);
        resources_fit(context, stmt);
        deny_fail_open(context, stmt);
        star_for_resource_level(context, stmt);
    }
}

/// The complete catalog of a pattern's service, noting services without a catalog.
fn service_of<'c>(context: &mut Context<'c>, pattern: &str) -> Option<&'c Service> {
    let code = literal_service(pattern)?;
    let service = context.catalog.service(&code);
    if service.is_none() {
        context.out.uncatalogued.insert(code);
    }
    service
}

fn unknown_actions(context: &mut Context, stmt: &Stmt) {
    let actions = &stmt.statement.actions;
    let consequence = match (actions.negated, stmt.statement.effect) {
        (true, _) => "NotAction excludes nothing by it",
        (false, Effect::Allow) => "the Allow grants nothing by it",
        (false, Effect::Deny) => "the Deny protects nothing by it",
    };
    for (index, pattern) in actions.patterns.iter().enumerate() {
        let Some(service) = service_of(context, pattern) else {
            continue;
        };
        if !service.complete {
            continue;
        }
        if !context.spend(pattern.len() * service.name_chars) {
            return;
        }
        let path = stmt.action_entry(index);
        if glob::is_literal(pattern) {
            if service.action(pattern).is_none() {
                let hint = service
                    .closest(pattern)
                    .map(|name| format!("; did you mean {name}?"))
                    .unwrap_or_default();
                let message = format!(
                    "{pattern} is not an action of {} (its catalog lists all {} actions): the entry matches no request, so {consequence}{hint}",
                    service.code,
                    service.actions.len()
                );
                context.report("RJ101", stmt, &path, message);
            }
        } else if service.matching(pattern).is_empty() {
            let message = format!(
                "{pattern} matches none of the {} actions of {}: the entry matches no request, so {consequence}",
                service.actions.len(),
                service.code
            );
            context.report("RJ102", stmt, &path, message);
        }
    }
}

/// Every catalogued action the statement's `Action` list can match, when that set is known in
/// full (every pattern names a service with a complete catalog) and every one says where it is
/// authorized.
fn known_actions<'c>(context: &mut Context<'c>, stmt: &Stmt) -> Option<Vec<&'c Action>> {
    let actions = &stmt.statement.actions;
    if actions.negated {
        return None;
    }
    let mut found: Vec<&Action> = Vec::new();
    for pattern in &actions.patterns {
        let service = service_of(context, pattern)?;
        if !service.complete || !context.spend(pattern.len() * service.name_chars) {
            return None;
        }
        for action in service.matching(pattern) {
            if action.resources.is_unknown() {
                return None;
            }
            if !found.iter().any(|a| a.name == action.name) {
                found.push(action);
            }
        }
    }
    (!found.is_empty()).then_some(found)
}

fn resources_fit(context: &mut Context, stmt: &Stmt) {
    let Some(resources) = stmt.statement.resources.as_ref().filter(|r| !r.negated) else {
        return;
    };
    let Some(actions) = known_actions(context, stmt) else {
        return;
    };
    let template_chars: usize = actions
        .iter()
        .flat_map(|a| &a.resources.arns)
        .map(|arn| arn.len() + 1)
        .sum();
    for (index, pattern) in resources.patterns.iter().enumerate() {
        if !context.spend((pattern.len() + 1) * (template_chars + 1)) {
            return;
        }
        if actions.iter().any(|a| a.resources.fits(pattern)) {
            continue;
        }
        let names: Vec<&str> = actions.iter().map(|a| a.name.as_str()).collect();
        let why = if actions.iter().all(|a| a.resources.star_only()) {
            format!(
                "{} {} authorized only on `*` (\"All Resource\": requested on the resource `*`, which this entry does not match); write \"*\"",
                list(&names, 3),
                if names.len() == 1 { "is" } else { "are" }
            )
        } else {
            let mut templates: Vec<&str> = Vec::new();
            for arn in actions.iter().flat_map(|a| a.resources.arns.iter()) {
                if !templates.contains(&arn.as_str()) {
                    templates.push(arn);
                }
            }
            format!(
                "the statement's actions ({}) are authorized on {}{}",
                list(&names, 3),
                list(&templates, 3),
                if actions.iter().any(|a| a.resources.star) {
                    " or `*`"
                } else {
                    ""
                }
            )
        };
        let message =
            format!("{pattern} fits no action of the statement, so the entry never applies: {why}");
        context.report("RJ103", stmt, &stmt.resource_entry(index), message);
    }
}

fn deny_fail_open(context: &mut Context, stmt: &Stmt) {
    let statement = stmt.statement;
    if statement.effect != Effect::Deny || statement.actions.negated {
        return;
    }
    let Some(resources) = statement.resources.as_ref().filter(|r| !r.negated) else {
        return;
    };
    if resources
        .patterns
        .iter()
        .any(|p| glob::matches(p, "*", false))
    {
        return;
    }
    for (index, pattern) in statement.actions.patterns.iter().enumerate() {
        let Some(service) = service_of(context, pattern) else {
            continue;
        };
        if !context.spend(pattern.len() * service.name_chars) {
            return;
        }
        let open: Vec<&str> = service
            .matching(pattern)
            .into_iter()
            .filter(|a| a.resources.star_only())
            .map(|a| a.name.as_str())
            .collect();
        if open.is_empty() {
            continue;
        }
        let message = format!(
            "this Deny never applies to {}: {} authorized only on `*` (no resource-level permission), and none of the statement's resources matches `*`, so these calls are not denied; add \"*\" to the resources or deny them in a statement with \"Resource\": \"*\"",
            list(&open, 4),
            if open.len() == 1 { "it is" } else { "they are" }
        );
        context.report("RJ201", stmt, &stmt.action_entry(index), message);
    }
}

fn star_for_resource_level(context: &mut Context, stmt: &Stmt) {
    let statement = stmt.statement;
    let grants = statement.effect == Effect::Allow && super::grants(context.kind);
    if !grants || statement.actions.negated {
        return;
    }
    let Some(resources) = statement.resources.as_ref().filter(|r| !r.negated) else {
        return;
    };
    let Some(star) = resources.patterns.iter().position(|p| p == "*") else {
        return;
    };
    let mut templates: Vec<&str> = Vec::new();
    for pattern in &statement.actions.patterns {
        if !glob::is_literal(pattern) || !context.spend(pattern.len() * 300 * 30) {
            return;
        }
        let Some(action) = service_of(context, pattern).and_then(|s| s.action(pattern)) else {
            return;
        };
        if action.resources.star || action.resources.arns.is_empty() {
            return;
        }
        for arn in &action.resources.arns {
            if !templates.contains(&arn.as_str()) {
                templates.push(arn);
            }
        }
    }
    let message = format!(
        "every action here supports resource-level authorization, yet \"*\" grants it on every resource the principal can reach; name the resources ({})",
        list(&templates, 3)
    );
    context.report("RJ403", stmt, &stmt.resource_entry(star), message);
}
