//! Renders a decision for people: an explanation that names the statements that decided it and
//! what they say. The JSON form (interfaces.md) is `ramjet_serve::answer`'s, shared with the
//! service.

use ramjet_compiler::model::{PatternList, Statement};
use ramjet_compiler::PolicySet;
use ramjet_engine::{Decision, Outcome, PrincipalKind, Request, Step};
use std::fmt::Write;

pub use ramjet_serve::answer::{outcome_json, to_json};

/// A few lines saying what was decided and why.
pub fn outcome_text(outcome: &Outcome, policies: &PolicySet, request: &Request) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} on {}{}",
        outcome.decision,
        request.action(),
        request.resource(),
        principal_phrase(request)
    );
    let verb = match outcome.decision {
        Decision::Allow => "allowed by",
        _ => "denied by",
    };
    for reference in &outcome.determining {
        let sid = reference
            .sid
            .as_ref()
            .map(|s| format!(" (Sid {s:?})"))
            .unwrap_or_default();
        let summary = policies
            .at(reference.place)
            .and_then(|p| p.policy.statements.get(reference.statement))
            .map(summarize)
            .unwrap_or_default();
        let level = reference
            .place
            .level()
            .map(|l| format!(" (level {l})"))
            .unwrap_or_default();
        let kind = reference.place.kind().as_str();
        let policy = if reference.policy == kind {
            // A session or resource policy named by its position.
            format!("the {kind} policy")
        } else {
            format!("{kind} policy {}", reference.policy)
        };
        let _ = writeln!(
            out,
            "  {verb} {policy}{level} Statement[{}]{sid}: {summary}",
            reference.statement
        );
    }
    let reason = match (outcome.decision, outcome.step) {
        (Decision::ImplicitDeny, Step::Control) => {
            Some("a control policy level does not allow this request")
        }
        (Decision::ImplicitDeny, Step::Session) => {
            Some("the session policy does not allow this request")
        }
        (Decision::ImplicitDeny, Step::Final) if request.is_cross_account() => Some(
            "cross-account request: both an identity policy and the resource policy must allow it",
        ),
        (Decision::ImplicitDeny, Step::Final) => {
            Some("no applicable statement allows this request")
        }
        (Decision::ExplicitDeny, Step::Control) => Some("a control policy denies it"),
        (Decision::ExplicitDeny, Step::Session) => Some("the session policy denies it"),
        _ => None,
    };
    if let Some(reason) = reason {
        let _ = writeln!(out, "  {reason}");
    }
    let _ = writeln!(out, "  decided at step: {}", outcome.step);
    out
}

fn principal_phrase(request: &Request) -> String {
    let Some(principal) = request.principal() else {
        return String::new();
    };
    let who = match &principal.kind {
        PrincipalKind::RootAccount { account } => format!("root account {account}"),
        PrincipalKind::RamUser { account, name, .. } => format!("RAM user {name} of {account}"),
        PrincipalKind::AssumedRole {
            account,
            role,
            session,
            ..
        } => format!("role {role} (session {session}) of {account}"),
        PrincipalKind::Service { service, .. } => format!("service {service}"),
        PrincipalKind::Federated { provider } => format!("federated identity from {provider}"),
        PrincipalKind::Anonymous => "an anonymous caller".to_string(),
    };
    format!(" by {who}")
}

fn summarize(statement: &Statement) -> String {
    let list = |name: &str, list: &PatternList| {
        let prefix = if list.negated { "Not" } else { "" };
        format!("{prefix}{name} {}", list.patterns.join(", "))
    };
    let mut text = format!(
        "{:?} {}",
        statement.effect,
        list("Action", &statement.actions)
    );
    if let Some(resources) = &statement.resources {
        let _ = write!(text, " on {}", list("Resource", resources));
    }
    if !statement.conditions.is_empty() {
        let _ = write!(
            text,
            " when {}",
            statement
                .conditions
                .iter()
                .map(|c| format!("{} {}", c.operator.name(), c.key))
                .collect::<Vec<_>>()
                .join(" and ")
        );
    }
    text
}
