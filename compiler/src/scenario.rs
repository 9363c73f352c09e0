//! Reads a scenario (interfaces.md): the policies of every kind that bear on one request, and the
//! request. Policies are named by their wrapper's `name` or by position (`identity[0]`,
//! `session`, `resource`, `control[1][0]`).

use crate::diagnostic::{Diagnostic, Diagnostics, JsonPath};
use crate::json::{self, Json, Members};
use crate::policy::read_policy_document;
use crate::request::read_request;
use ramjet_engine::model::{NamedPolicy, PolicyKind, PolicySet};
use ramjet_engine::Request;

/// A request with the policies that decide it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The policies.
    pub policies: PolicySet,
    /// The request.
    pub request: Request,
}

/// Reads a scenario file; diagnostics carry paths from the file's root
/// (`policies.identity[0].Statement[1].Effect`).
///
/// ```
/// let scenario = ramjet_compiler::parse_scenario(br#"{
///   "policies": {"identity": [{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "eas:*", "Resource": "*"}]}]},
///   "request": {"action": "eas:ListServices", "resource": "*"}
/// }"#).unwrap();
/// assert_eq!(scenario.policies.identity[0].name, "identity[0]");
/// ```
pub fn parse_scenario(bytes: &[u8]) -> Result<Scenario, Vec<Diagnostic>> {
    let mut diagnostics = Diagnostics::default();
    let scenario = json::parse(bytes, &mut diagnostics)
        .and_then(|json| read_scenario(&json, &mut diagnostics));
    match scenario {
        Some(scenario) if !diagnostics.has_errors() => Ok(scenario),
        _ => Err(diagnostics.into_vec()),
    }
}

fn read_scenario(json: &Json, diagnostics: &mut Diagnostics) -> Option<Scenario> {
    let root = JsonPath::root();
    // Duplicates inside policy documents are reported by the policy reader; here the rest.
    let members = Members::of(json, &root, "a scenario", diagnostics)?;
    report_duplicates_outside_documents(json, diagnostics);
    members.reject_unknown(&["policies", "request"], diagnostics);
    let policies = match members.get("policies") {
        None => Some(PolicySet::default()),
        Some(p) => read_policy_set(p, &members.path_of("policies"), diagnostics),
    };
    let request = match members.get("request") {
        None => {
            diagnostics.error(&root, "member \"request\" is required");
            None
        }
        Some(r) => read_request(r, &members.path_of("request"), diagnostics),
    };
    let policies = policies?;
    Some(Scenario {
        policies,
        request: request?,
    })
}

fn report_duplicates_outside_documents(json: &Json, diagnostics: &mut Diagnostics) {
    let Json::Object(members) = json else { return };
    let root = JsonPath::root();
    for (i, (name, value)) in members.iter().enumerate() {
        if members.iter().take(i).any(|(n, _)| n == name) {
            diagnostics.error(
                &root.key(name),
                format!("member {name:?} is given more than once"),
            );
        }
        if name == "request" {
            json::report_duplicate_members(value, &root.key(name), diagnostics);
        }
    }
    let Some((_, Json::Object(kinds))) = members.iter().find(|(n, _)| n == "policies") else {
        return;
    };
    let policies = root.key("policies");
    for (i, (name, _)) in kinds.iter().enumerate() {
        if kinds.iter().take(i).any(|(n, _)| n == name) {
            diagnostics.error(
                &policies.key(name),
                format!("member {name:?} is given more than once"),
            );
        }
    }
}

fn read_policy_set(
    json: &Json,
    path: &JsonPath,
    diagnostics: &mut Diagnostics,
) -> Option<PolicySet> {
    let members = Members::of(json, path, "the policies by kind", diagnostics)?;
    members.reject_unknown(&["identity", "session", "resource", "control"], diagnostics);
    let mut ok = true;
    let mut set = PolicySet::default();
    if let Some(list) = members.get("identity") {
        let p = members.path_of("identity");
        match array(list, &p, "identity policies", diagnostics) {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    match read_named(
                        item,
                        &p.index(i),
                        format!("identity[{i}]"),
                        PolicyKind::Identity,
                        diagnostics,
                    ) {
                        Some(policy) => set.identity.push(policy),
                        None => ok = false,
                    }
                }
            }
            None => ok = false,
        }
    }
    for (member, kind) in [
        ("session", PolicyKind::Session),
        ("resource", PolicyKind::Resource),
    ] {
        if let Some(item) = members.get(member) {
            let policy = read_named(
                item,
                &members.path_of(member),
                member.to_string(),
                kind,
                diagnostics,
            );
            ok &= policy.is_some();
            match kind {
                PolicyKind::Session => set.session = policy,
                _ => set.resource = policy,
            }
        }
    }
    if let Some(levels) = members.get("control") {
        let p = members.path_of("control");
        match array(levels, &p, "control policy levels", diagnostics) {
            Some(levels) => {
                for (l, level) in levels.iter().enumerate() {
                    let lp = p.index(l);
                    let Some(items) = array(level, &lp, "a level's control policies", diagnostics)
                    else {
                        ok = false;
                        continue;
                    };
                    let mut read = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        match read_named(
                            item,
                            &lp.index(i),
                            format!("control[{l}][{i}]"),
                            PolicyKind::Control,
                            diagnostics,
                        ) {
                            Some(policy) => read.push(policy),
                            None => ok = false,
                        }
                    }
                    set.control.push(read);
                }
            }
            None => ok = false,
        }
    }
    ok.then_some(set)
}

fn array<'a>(
    json: &'a Json,
    path: &JsonPath,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<&'a [Json]> {
    match json {
        Json::Array(items) => Some(items),
        other => {
            diagnostics.error(
                path,
                format!("expected an array of {what}, found {}", other.kind()),
            );
            None
        }
    }
}

/// A policy document, or a wrapper `{"name", "document", "resource_group"}`.
fn read_named(
    json: &Json,
    path: &JsonPath,
    default_name: String,
    kind: PolicyKind,
    diagnostics: &mut Diagnostics,
) -> Option<NamedPolicy> {
    let is_wrapper = matches!(json, Json::Object(m) if m.iter().any(|(n, _)| n == "document"));
    if !is_wrapper {
        let policy = read_policy_document(json, path, kind, diagnostics)?;
        return Some(NamedPolicy {
            name: default_name,
            resource_group: None,
            policy,
        });
    }
    let members = Members::of(json, path, "a policy wrapper", diagnostics)?;
    json::report_duplicate_members(
        &Json::Object(
            members
                .iter()
                .filter(|(n, _)| *n != "document")
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect(),
        ),
        path,
        diagnostics,
    );
    let allowed: &[&str] = if kind == PolicyKind::Identity {
        &["name", "document", "resource_group"]
    } else {
        &["name", "document"]
    };
    members.reject_unknown(allowed, diagnostics);
    let text = |member: &str, d: &mut Diagnostics| -> Option<Option<String>> {
        match members.get(member) {
            None => Some(None),
            Some(Json::String(s)) if !s.is_empty() => Some(Some(s.clone())),
            Some(other) => {
                d.error(
                    &members.path_of(member),
                    format!(
                        "{member} must be a non-empty string, found {}",
                        crate::policy::describe(other)
                    ),
                );
                None
            }
        }
    };
    let name = text("name", diagnostics);
    let resource_group = text("resource_group", diagnostics);
    let document = members
        .get("document")
        .and_then(|d| read_policy_document(d, &members.path_of("document"), kind, diagnostics));
    Some(NamedPolicy {
        name: name?.unwrap_or(default_name),
        resource_group: resource_group?,
        policy: document?,
    })
}
