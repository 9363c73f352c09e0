//! Reads a policy document (spec §1–§5) into the typed model, checking every rule and collecting
//! every error with its JSON path. Nothing the reader does not understand is ignored: an unknown
//! member or operator is an error, because an engine that skips what it does not understand fails
//! open.

use crate::condition::read_condition;
use crate::diagnostic::{Diagnostic, Diagnostics, JsonPath};
use crate::json::{self, Json, Members};
use crate::limits::{
    MAX_LIST_ENTRIES, MAX_STATEMENTS, MAX_STRING_CHARS, RAM_CUSTOM_POLICY_CHARS,
    RAM_SESSION_POLICY_CHARS,
};
use crate::model::{Effect, PatternList, Policy, PolicyKind, PrincipalSpec, Statement};

/// A policy read without errors, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct ParsedPolicy {
    /// The policy.
    pub policy: Policy,
    /// Warnings (accepted, but worth a look).
    pub warnings: Vec<Diagnostic>,
}

/// Reads a policy file of the given kind. Paths in diagnostics start at the document root
/// (`Statement[0].Effect`).
///
/// ```
/// use ramjet_compiler::{parse_policy, PolicyKind};
/// let doc = br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "eas:*", "Resource": "*"}]}"#;
/// let parsed = parse_policy(doc, PolicyKind::Identity).unwrap();
/// assert_eq!(parsed.policy.statements.len(), 1);
///
/// let bad = br#"{"Version": "1", "Statement": [{"Effect": "Permit", "Action": "eas:*", "Resource": "*"}]}"#;
/// let errors = parse_policy(bad, PolicyKind::Identity).unwrap_err();
/// assert!(errors[0].to_string().starts_with("Statement[0].Effect: "));
/// ```
pub fn parse_policy(bytes: &[u8], kind: PolicyKind) -> Result<ParsedPolicy, Vec<Diagnostic>> {
    let mut diagnostics = Diagnostics::default();
    let policy = json::parse(bytes, &mut diagnostics)
        .and_then(|json| read_policy_document(&json, &JsonPath::root(), kind, &mut diagnostics));
    match policy {
        Some(policy) if !diagnostics.has_errors() => Ok(ParsedPolicy {
            policy,
            warnings: diagnostics.into_vec(),
        }),
        _ => Err(diagnostics.into_vec()),
    }
}

/// Reads a policy document found at `path` of a larger file (a scenario, a bundle): duplicate
/// members, structure, values and the RAM size limit.
pub fn read_policy_document(
    json: &Json,
    path: &JsonPath,
    kind: PolicyKind,
    diagnostics: &mut Diagnostics,
) -> Option<Policy> {
    json::report_duplicate_members(json, path, diagnostics);
    report_size(json, path, kind, diagnostics);
    read_policy(json, path, kind, diagnostics)
}

fn report_size(json: &Json, path: &JsonPath, kind: PolicyKind, diagnostics: &mut Diagnostics) {
    let limit = match kind {
        PolicyKind::Session => RAM_SESSION_POLICY_CHARS,
        _ => RAM_CUSTOM_POLICY_CHARS,
    };
    let size = json.to_compact_string().chars().count();
    if size > limit {
        diagnostics.warning(
            path,
            format!(
                "the document is {size} characters without white space; RAM accepts at most {limit} for a custom {} policy (system policies may be longer)",
                kind.as_str()
            ),
        );
    }
}

fn read_policy(
    json: &Json,
    path: &JsonPath,
    kind: PolicyKind,
    diagnostics: &mut Diagnostics,
) -> Option<Policy> {
    let members = Members::of(json, path, "a policy document", diagnostics)?;
    members.reject_unknown(&["Version", "Statement"], diagnostics);
    read_version(&members, diagnostics);
    let statement_path = members.path_of("Statement");
    let statements: Vec<&Json> = match members.get("Statement") {
        None => {
            diagnostics.error(path, "member \"Statement\" is required");
            return None;
        }
        Some(Json::Array(items)) if items.is_empty() => {
            diagnostics.error(&statement_path, "a policy needs at least one statement");
            return None;
        }
        Some(Json::Array(items)) if items.len() > MAX_STATEMENTS => {
            diagnostics.error(
                &statement_path,
                format!(
                    "{} statements is over the limit of {MAX_STATEMENTS}",
                    items.len()
                ),
            );
            return None;
        }
        Some(Json::Array(items)) => items.iter().collect(),
        Some(object @ Json::Object(_)) => {
            diagnostics.warning(
                &statement_path,
                "a single statement object is read as a one-element array; write [ {...} ]",
            );
            let policy = read_statement(object, &statement_path, kind, diagnostics)?;
            return Some(Policy {
                statements: vec![policy],
            });
        }
        Some(other) => {
            diagnostics.error(
                &statement_path,
                format!("expected an array of statements, found {}", other.kind()),
            );
            return None;
        }
    };
    let read: Vec<Option<Statement>> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| read_statement(s, &statement_path.index(i), kind, diagnostics))
        .collect();
    let statements: Option<Vec<Statement>> = read.into_iter().collect();
    statements.map(|statements| Policy { statements })
}

fn read_version(members: &Members, diagnostics: &mut Diagnostics) {
    let path = members.path_of("Version");
    match members.get("Version") {
        None => diagnostics.error(members.path(), "member \"Version\" is required (\"1\")"),
        Some(Json::String(v)) if v == "1" => {}
        Some(Json::Number(v)) if v == "1" => diagnostics.warning(
            &path,
            "Version is the number 1; RAM documents it as the string \"1\"",
        ),
        Some(Json::String(v)) if looks_like_aws_version(v) => diagnostics.error(
            &path,
            format!("{v:?} is an AWS IAM policy version; RAM policies use \"Version\": \"1\""),
        ),
        Some(other) => diagnostics.error(
            &path,
            format!("Version must be \"1\", found {}", describe(other)),
        ),
    }
}

fn looks_like_aws_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// A short rendering of a JSON value for messages.
pub(crate) fn describe(json: &Json) -> String {
    match json {
        Json::String(s) => format!("{s:?}"),
        Json::Number(n) => n.clone(),
        other => other.kind().to_string(),
    }
}

const STATEMENT_MEMBERS: [&str; 8] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "Condition",
];

fn read_statement(
    json: &Json,
    path: &JsonPath,
    kind: PolicyKind,
    diagnostics: &mut Diagnostics,
) -> Option<Statement> {
    let members = Members::of(json, path, "a statement", diagnostics)?;
    members.reject_unknown(&STATEMENT_MEMBERS, diagnostics);

    let sid = match members.get("Sid") {
        None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(other) => {
            diagnostics.error(
                &members.path_of("Sid"),
                format!("Sid must be a string, found {}", other.kind()),
            );
            None
        }
    };
    let effect = read_effect(&members, diagnostics);
    let actions = read_clause(&members, "Action", "NotAction", true, diagnostics);
    let resources = if kind == PolicyKind::Resource
        && members.get("Resource").is_none()
        && members.get("NotResource").is_none()
    {
        Some(None)
    } else {
        read_clause(&members, "Resource", "NotResource", false, diagnostics).map(Some)
    };
    let principal = match (members.get("Principal"), kind) {
        (Some(p), PolicyKind::Resource) => {
            read_principal(p, &members.path_of("Principal"), diagnostics).map(Some)
        }
        (None, PolicyKind::Resource) => {
            diagnostics.error(
                path,
                "member \"Principal\" is required in a resource-based policy",
            );
            None
        }
        (Some(_), other) => {
            diagnostics.error(
                &members.path_of("Principal"),
                format!(
                    "Principal is only allowed in resource-based policies, not in a {} policy",
                    other.as_str()
                ),
            );
            None
        }
        (None, _) => Some(None),
    };
    let conditions = match members.get("Condition") {
        None => Some(Vec::new()),
        Some(c) => read_condition(c, &members.path_of("Condition"), diagnostics),
    };
    Some(Statement {
        sid,
        effect: effect?,
        actions: actions?,
        resources: resources?,
        principal: principal?,
        conditions: conditions?,
    })
}

fn read_effect(members: &Members, diagnostics: &mut Diagnostics) -> Option<Effect> {
    let path = members.path_of("Effect");
    let Some(value) = members.get("Effect") else {
        diagnostics.error(
            members.path(),
            "member \"Effect\" is required (\"Allow\" or \"Deny\")",
        );
        return None;
    };
    let Json::String(text) = value else {
        diagnostics.error(
            &path,
            format!(
                "Effect must be \"Allow\" or \"Deny\", found {}",
                value.kind()
            ),
        );
        return None;
    };
    let effect = match text.trim() {
        t if t.eq_ignore_ascii_case("Allow") => Effect::Allow,
        t if t.eq_ignore_ascii_case("Deny") => Effect::Deny,
        _ => {
            diagnostics.error(&path, format!("{text:?} is not \"Allow\" or \"Deny\""));
            return None;
        }
    };
    if text != "Allow" && text != "Deny" {
        diagnostics.warning(
            &path,
            format!("{text:?} is read as {effect:?}; write it exactly as \"Allow\" or \"Deny\""),
        );
    }
    Some(effect)
}

/// Reads `Action`/`NotAction` or `Resource`/`NotResource`: exactly one of the pair.
fn read_clause(
    members: &Members,
    positive: &str,
    negative: &str,
    is_action: bool,
    diagnostics: &mut Diagnostics,
) -> Option<PatternList> {
    let (name, value, negated) = match (members.get(positive), members.get(negative)) {
        (Some(_), Some(_)) => {
            diagnostics.error(
                &members.path_of(negative),
                format!("a statement has either {positive} or {negative}, not both"),
            );
            return None;
        }
        (Some(v), None) => (positive, v, false),
        (None, Some(v)) => (negative, v, true),
        (None, None) => {
            diagnostics.error(
                members.path(),
                format!("member \"{positive}\" or \"{negative}\" is required"),
            );
            return None;
        }
    };
    let path = members.path_of(name);
    let entries = read_string_list(value, &path, name, diagnostics)?;
    let mut ok = true;
    for (i, entry) in entries.iter().enumerate() {
        let entry_path = entry_path(value, &path, i);
        let problem = if is_action {
            action_pattern_problem(entry)
        } else if entry.is_empty() {
            Some("an empty resource entry matches nothing")
        } else {
            None
        };
        if let Some(problem) = problem {
            diagnostics.error(&entry_path, format!("{entry:?}: {problem}"));
            ok = false;
        }
    }
    ok.then_some(PatternList {
        negated,
        patterns: entries,
    })
}

/// The path of entry `i` of a string-or-array value: the value's own path for a lone string.
pub(crate) fn entry_path(value: &Json, path: &JsonPath, i: usize) -> JsonPath {
    match value {
        Json::Array(_) => path.index(i),
        _ => path.clone(),
    }
}

/// Spec §2.4: a policy action entry is `"*"` or has exactly one `:`.
fn action_pattern_problem(entry: &str) -> Option<&'static str> {
    if entry.is_empty() {
        Some("an action entry cannot be empty")
    } else if entry == "*" {
        None
    } else {
        match entry.matches(':').count() {
            0 => Some("an action is \"*\" or service:Name, with one `:`"),
            1 => None,
            _ => Some("an action has exactly one `:` (service:Name)"),
        }
    }
}

/// A string or a non-empty array of strings (spec §1.3).
pub(crate) fn read_string_list(
    value: &Json,
    path: &JsonPath,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<String>> {
    let check_length = |s: &str, p: &JsonPath, d: &mut Diagnostics| {
        let ok = s.chars().count() <= MAX_STRING_CHARS;
        if !ok {
            d.error(
                p,
                format!(
                    "an entry of {} characters is over the limit of {MAX_STRING_CHARS}",
                    s.chars().count()
                ),
            );
        }
        ok
    };
    match value {
        Json::String(s) => check_length(s, path, diagnostics).then(|| vec![s.clone()]),
        Json::Array(items) if items.is_empty() => {
            diagnostics.error(path, format!("{what} cannot be an empty array"));
            None
        }
        Json::Array(items) if items.len() > MAX_LIST_ENTRIES => {
            diagnostics.error(
                path,
                format!(
                    "{} entries is over the limit of {MAX_LIST_ENTRIES}",
                    items.len()
                ),
            );
            None
        }
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match item {
                    Json::String(s) if check_length(s, &path.index(i), diagnostics) => {
                        out.push(s.clone())
                    }
                    Json::String(_) => ok = false,
                    other => {
                        diagnostics.error(
                            &path.index(i),
                            format!("expected a string, found {}", other.kind()),
                        );
                        ok = false;
                    }
                }
            }
            ok.then_some(out)
        }
        other => {
            diagnostics.error(
                path,
                format!(
                    "{what} must be a string or an array of strings, found {}",
                    other.kind()
                ),
            );
            None
        }
    }
}

/// Spec §5.1.
fn read_principal(
    json: &Json,
    path: &JsonPath,
    diagnostics: &mut Diagnostics,
) -> Option<PrincipalSpec> {
    match json {
        Json::String(s) if s == "*" => Some(PrincipalSpec::Everyone),
        Json::String(s) => {
            diagnostics.error(
                path,
                format!("{s:?}: a Principal is \"*\", an object with RAM, Service or Federated, or a list of account ids"),
            );
            None
        }
        Json::Array(items) if items.is_empty() => {
            Some(PrincipalSpec::AccountList(vec!["*".to_string()]))
        }
        Json::Array(_) => {
            let entries = read_string_list(json, path, "Principal", diagnostics)?;
            let mut ok = true;
            for (i, entry) in entries.iter().enumerate() {
                if entry.is_empty() {
                    diagnostics.error(&path.index(i), "an empty principal entry matches nothing");
                    ok = false;
                }
            }
            ok.then_some(PrincipalSpec::AccountList(entries))
        }
        Json::Object(_) => {
            let members = Members::of(json, path, "a Principal", diagnostics)?;
            members.reject_unknown(&["RAM", "Service", "Federated"], diagnostics);
            if members.is_empty() {
                diagnostics.error(
                    path,
                    "a Principal object needs at least one of RAM, Service, Federated",
                );
                return None;
            }
            let read = |name: &str, d: &mut Diagnostics| -> Option<Vec<String>> {
                let Some(value) = members.get(name) else {
                    return Some(Vec::new());
                };
                let p = members.path_of(name);
                let entries = read_string_list(value, &p, name, d)?;
                let mut ok = true;
                for (i, entry) in entries.iter().enumerate() {
                    let ep = entry_path(value, &p, i);
                    if entry.is_empty() {
                        d.error(&ep, "an empty principal entry matches nothing");
                        ok = false;
                    } else if name == "RAM" && !entry.contains(':') && entry != "*" {
                        d.warning(&ep, format!("{entry:?} is matched as a glob over principal ARNs and matches none; for an account write \"acs:ram::{entry}:root\""));
                    }
                }
                ok.then_some(entries)
            };
            let ram = read("RAM", diagnostics);
            let service = read("Service", diagnostics);
            let federated = read("Federated", diagnostics);
            Some(PrincipalSpec::Named {
                ram: ram?,
                service: service?,
                federated: federated?,
            })
        }
        other => {
            diagnostics.error(
                path,
                format!(
                    "a Principal is \"*\", an object or an array, found {}",
                    other.kind()
                ),
            );
            None
        }
    }
}

/// Guesses a document's kind for `validate` without `--kind`: resource-based when a statement
/// has a `Principal`, identity otherwise.
pub fn guess_kind(bytes: &[u8]) -> PolicyKind {
    let mut ignored = Diagnostics::default();
    json::parse(bytes, &mut ignored).map_or(PolicyKind::Identity, |json| guess_kind_of(&json))
}

/// [`guess_kind`] of a document already read.
pub fn guess_kind_of(document: &Json) -> PolicyKind {
    let Json::Object(members) = document else {
        return PolicyKind::Identity;
    };
    let has_principal =
        |s: &Json| matches!(s, Json::Object(m) if m.iter().any(|(n, _)| n == "Principal"));
    let resource = members.iter().any(|(name, value)| {
        name == "Statement"
            && match value {
                Json::Array(items) => items.iter().any(has_principal),
                single => has_principal(single),
            }
    });
    if resource {
        PolicyKind::Resource
    } else {
        PolicyKind::Identity
    }
}
