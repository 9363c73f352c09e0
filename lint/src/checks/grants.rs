//! Grants that give away more than they seem to: everything (RJ202), everything but a list
//! (RJ203), the means to grant oneself more (RJ204), a role anyone may assume (RJ205), a bucket
//! open to anyone (RJ206).

use super::{list, Context, Stmt};
use crate::glob;
use ramjet_compiler::model::{PatternList, PrincipalSpec};
use ramjet_compiler::Effect;

/// RAM actions whose holder can raise its own permissions.
const ESCALATION: &[&str] = &[
    "ram:CreatePolicy",
    "ram:CreatePolicyVersion",
    "ram:SetDefaultPolicyVersion",
    "ram:AttachPolicyToUser",
    "ram:AttachPolicyToGroup",
    "ram:AttachPolicyToRole",
    "ram:CreateAccessKey",
    "ram:CreateLoginProfile",
    "ram:UpdateLoginProfile",
    "ram:CreateRole",
    "ram:UpdateRole",
    "ram:AddUserToGroup",
    "ram:PassRole",
];

pub(super) fn check(context: &mut Context, statements: &[Stmt]) {
    // Control and session policies grant nothing (spec 6: they only bound what identity and
    // resource policies grant), so their Allows are not grants.
    if !super::grants(context.kind) {
        return;
    }
    for stmt in statements
        .iter()
        .filter(|s| s.statement.effect == Effect::Allow)
    {
        allow_all(context, stmt);
        allow_not(context, stmt);
        escalation(context, stmt);
        open_principal(context, stmt);
    }
}

/// Whether an action list can match `action`.
fn may_match(actions: &PatternList, action: &str) -> bool {
    let any = actions
        .patterns
        .iter()
        .any(|p| glob::matches(p, action, true));
    any != actions.negated
}

/// Whether a resource list (absent: every resource) contains a pattern that matches everything.
fn every_resource(resources: Option<&PatternList>) -> bool {
    resources.is_none_or(|r| !r.negated && r.patterns.iter().any(|p| glob::includes(p, "*", false)))
}

fn allow_all(context: &mut Context, stmt: &Stmt) {
    let statement = stmt.statement;
    let Some(index) = (!statement.actions.negated)
        .then(|| {
            statement
                .actions
                .patterns
                .iter()
                .position(|p| glob::includes(p, "*", true))
        })
        .flatten()
    else {
        return;
    };
    if !every_resource(statement.resources.as_ref()) {
        return;
    }
    let limit = if statement.conditions.is_empty() {
        String::new()
    } else {
        " (only the statement's conditions limit it)".to_string()
    };
    let message = format!(
        "allows every action of every service on every resource{limit}: administrator access, including RAM itself"
    );
    context.report("RJ202", stmt, &stmt.action_entry(index), message);
}

fn allow_not(context: &mut Context, stmt: &Stmt) {
    let statement = stmt.statement;
    if statement.actions.negated {
        let message = format!(
            "NotAction allows every action except {} - including every action of services added later",
            list(&statement.actions.patterns, 3)
        );
        context.report("RJ203", stmt, &stmt.member(&["NotAction"]), message);
    }
    if let Some(resources) = statement.resources.as_ref().filter(|r| r.negated) {
        let message = format!(
            "NotResource allows the statement's actions on every resource except {}",
            list(&resources.patterns, 3)
        );
        context.report("RJ203", stmt, &stmt.member(&["NotResource"]), message);
    }
}

fn escalation(context: &mut Context, stmt: &Stmt) {
    let statement = stmt.statement;
    if statement.actions.negated {
        return;
    }
    for (index, pattern) in statement.actions.patterns.iter().enumerate() {
        if glob::includes(pattern, "*", true) {
            continue; // allow-all says it
        }
        let mut granted: Vec<&str> = ESCALATION
            .iter()
            .copied()
            .filter(|action| glob::matches(pattern, action, true))
            .collect();
        let any_role = statement.resources.as_ref().is_none_or(|r| {
            !r.negated
                && r.patterns
                    .iter()
                    .any(|p| glob::includes(p, "acs:ram::*:role/*", false))
        });
        // In a trust policy (a statement with a Principal) AssumeRole is of this role only.
        let identity = statement.principal.is_none();
        if identity && any_role && glob::matches(pattern, "sts:AssumeRole", true) {
            granted.push("sts:AssumeRole on every role");
        }
        if granted.is_empty() {
            continue;
        }
        let scope = if statement.conditions.is_empty() {
            "narrow it with resources and conditions"
        } else {
            "its conditions limit when, and its resources which roles and policies"
        };
        let message = format!(
            "grants {}: whoever holds it can give itself more permissions (up to administrator); grant it to administrators only ({scope})",
            list(&granted, 4)
        );
        context.report("RJ204", stmt, &stmt.action_entry(index), message);
    }
}

/// Whether the principal element admits anyone, or any account.
fn anyone(principal: &PrincipalSpec) -> Option<&'static str> {
    match principal {
        PrincipalSpec::Everyone => Some("anyone (`*`)"),
        PrincipalSpec::AccountList(accounts)
            if accounts.is_empty() || accounts.iter().any(|a| a == "*") =>
        {
            Some("anyone (`*`)")
        }
        PrincipalSpec::Named { ram, .. } => ram
            .iter()
            .any(|entry| entry == "*" || glob::includes(entry, "acs:ram::*:root", true))
            .then_some("any account"),
        _ => None,
    }
}

fn open_principal(context: &mut Context, stmt: &Stmt) {
    let statement = stmt.statement;
    let Some(who) = statement.principal.as_ref().and_then(anyone) else {
        return;
    };
    if !statement.conditions.is_empty() {
        return;
    }
    let path = stmt.member(&["Principal"]);
    if may_match(&statement.actions, "sts:AssumeRole") {
        let message = format!(
            "lets {who} assume the role, with no condition: principals of every Alibaba Cloud account can take its permissions; name the trusted account or service, or add a condition"
        );
        context.report("RJ205", stmt, &path, message);
    }
    let oss = statement.actions.negated
        || statement
            .actions
            .patterns
            .iter()
            .any(|p| glob::intersects(p, "oss:*", true));
    if oss && context.kind == ramjet_compiler::PolicyKind::Resource {
        let message = format!(
            "allows OSS actions to {who}, with no condition: anonymous users and every account can make these calls on the bucket; name the accounts, or add a condition (acs:SourceVpc, acs:SourceIp)"
        );
        context.report("RJ206", stmt, &path, message);
    }
}
