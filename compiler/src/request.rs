//! Reads a request (interfaces.md `REQUEST`, spec §5.2) strictly: unknown members, `null` in place
//! of an optional member, wrong types and missing required fields are errors with their path.

use crate::diagnostic::{Diagnostic, Diagnostics, JsonPath};
use crate::json::{self, Json, Members};
use crate::policy::describe;
use ramjet_engine::MAX_REQUEST_STRING_CHARS;
use ramjet_engine::{Context, Principal, PrincipalKind, Request, RequestError};

/// Reads a request file.
///
/// ```
/// let request = ramjet_compiler::parse_request(br#"{"action": "eas:ListServices", "resource": "*"}"#).unwrap();
/// assert_eq!(request.action(), "eas:ListServices");
/// assert!(ramjet_compiler::parse_request(br#"{"action": "eas:*", "resource": "*"}"#).is_err());
/// ```
pub fn parse_request(bytes: &[u8]) -> Result<Request, Vec<Diagnostic>> {
    let mut diagnostics = Diagnostics::default();
    let request = json::parse(bytes, &mut diagnostics).and_then(|json| {
        json::report_duplicate_members(&json, &JsonPath::root(), &mut diagnostics);
        read_request(&json, &JsonPath::root(), &mut diagnostics)
    });
    match request {
        Some(request) if !diagnostics.has_errors() => Ok(request),
        _ => Err(diagnostics.into_vec()),
    }
}

/// Reads a principal object (interfaces.md `PRINCIPAL`) from JSON already read: what a gateway's
/// header or the claims it verified say. Errors have paths from the object's root (`name`).
///
/// ```
/// use ramjet_compiler::json::read;
/// let json = read(br#"{"type": "RamUser", "account": "1234", "name": "alice"}"#).unwrap();
/// assert!(ramjet_compiler::principal_from_json(&json).is_ok());
/// let json = read(br#"{"type": "RamUser", "account": "1234"}"#).unwrap();
/// assert!(ramjet_compiler::principal_from_json(&json).is_err());
/// ```
pub fn principal_from_json(json: &Json) -> Result<Principal, Vec<Diagnostic>> {
    let mut diagnostics = Diagnostics::default();
    json::report_duplicate_members(json, &JsonPath::root(), &mut diagnostics);
    match read_principal(json, &JsonPath::root(), &mut diagnostics) {
        Some(principal) if !diagnostics.has_errors() => Ok(principal),
        _ => Err(diagnostics.into_vec()),
    }
}

/// One item of a batch: a request, or why it cannot be read (paths from the batch's root,
/// `[3].action`).
pub type BatchItem = Result<Request, Vec<Diagnostic>>;

/// Reads a JSON array of requests (`POST /v1/check/batch`). The whole batch is an error only when
/// it is not JSON or not an array; an item that cannot be read is an error in its place.
///
/// ```
/// let items = ramjet_compiler::parse_request_batch(
///     br#"[{"action": "eas:ListServices", "resource": "*"}, {"action": "eas:*"}]"#,
/// ).unwrap();
/// assert!(items[0].is_ok());
/// assert!(items[1].is_err());
/// ```
pub fn parse_request_batch(bytes: &[u8]) -> Result<Vec<BatchItem>, Vec<Diagnostic>> {
    let mut diagnostics = Diagnostics::default();
    let Some(json) = json::parse(bytes, &mut diagnostics) else {
        return Err(diagnostics.into_vec());
    };
    let Json::Array(items) = &json else {
        diagnostics.error(
            &JsonPath::root(),
            format!(
                "a batch must be an array of requests, found {}",
                describe(&json)
            ),
        );
        return Err(diagnostics.into_vec());
    };
    Ok(items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut diagnostics = Diagnostics::default();
            let path = JsonPath::root().index(i);
            json::report_duplicate_members(item, &path, &mut diagnostics);
            match read_request(item, &path, &mut diagnostics) {
                Some(request) if !diagnostics.has_errors() => Ok(request),
                _ => Err(diagnostics.into_vec()),
            }
        })
        .collect())
}

fn required_string<'a>(
    members: &Members<'a>,
    name: &str,
    diagnostics: &mut Diagnostics,
) -> Option<&'a str> {
    match members.get(name) {
        None => {
            diagnostics.error(members.path(), format!("member {name:?} is required"));
            None
        }
        Some(value) => string_member(value, &members.path_of(name), diagnostics),
    }
}

fn optional_string<'a>(
    members: &Members<'a>,
    name: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Option<&'a str>> {
    match members.get(name) {
        None => Some(None),
        Some(value) => string_member(value, &members.path_of(name), diagnostics).map(Some),
    }
}

fn string_member<'a>(
    value: &'a Json,
    path: &JsonPath,
    diagnostics: &mut Diagnostics,
) -> Option<&'a str> {
    match value {
        Json::String(s) if s.chars().count() > MAX_REQUEST_STRING_CHARS => {
            diagnostics.error(
                path,
                format!(
                    "a string of {} characters is over the limit of {MAX_REQUEST_STRING_CHARS}",
                    s.chars().count()
                ),
            );
            None
        }
        Json::String(s) => Some(s),
        Json::Null => {
            diagnostics.error(path, "null is not allowed; leave the member out instead");
            None
        }
        other => {
            diagnostics.error(path, format!("expected a string, found {}", other.kind()));
            None
        }
    }
}

/// Reads a request found at `path` (the root of a request file, or `request` in a scenario).
pub(crate) fn read_request(
    json: &Json,
    path: &JsonPath,
    diagnostics: &mut Diagnostics,
) -> Option<Request> {
    let members = Members::of(json, path, "a request", diagnostics)?;
    members.reject_unknown(
        &[
            "action",
            "resource",
            "principal",
            "resource_group",
            "context",
        ],
        diagnostics,
    );
    let action = required_string(&members, "action", diagnostics);
    let resource = required_string(&members, "resource", diagnostics);
    let resource_group = optional_string(&members, "resource_group", diagnostics);
    let principal = match members.get("principal") {
        None => Some(None),
        Some(p) => read_principal(p, &members.path_of("principal"), diagnostics).map(Some),
    };
    let context = match members.get("context") {
        None => Some(Context::default()),
        Some(c) => read_context(c, &members.path_of("context"), diagnostics),
    };
    let (action, resource) = (action?, resource?);
    let mut request = match Request::new(action, resource) {
        Ok(request) => request,
        Err(error @ (RequestError::EmptyResource | RequestError::TooLong("resource", _))) => {
            diagnostics.error(&members.path_of("resource"), error.to_string());
            return None;
        }
        Err(error) => {
            diagnostics.error(&members.path_of("action"), error.to_string());
            return None;
        }
    };
    if let Some(principal) = principal? {
        request = request.with_principal(principal);
    }
    if let Some(group) = resource_group? {
        request = request.with_resource_group(group);
    }
    Some(request.with_context(context?))
}

const PRINCIPAL_TYPES: [&str; 6] = [
    "RootAccount",
    "RamUser",
    "AssumedRole",
    "Service",
    "Federated",
    "Anonymous",
];

fn read_principal(
    json: &Json,
    path: &JsonPath,
    diagnostics: &mut Diagnostics,
) -> Option<Principal> {
    let members = Members::of(json, path, "a principal", diagnostics)?;
    let kind = required_string(&members, "type", diagnostics)?;
    // Fields each type requires, then those it may carry.
    let (required, optional): (&[&str], &[&str]) = match kind {
        "RootAccount" => (&["account"], &[]),
        "RamUser" => (&["account", "name"], &["id"]),
        "AssumedRole" => (&["account", "name", "session"], &["id"]),
        "Service" => (&["service"], &["account"]),
        "Federated" => (&["provider"], &[]),
        "Anonymous" => (&[], &[]),
        other => {
            diagnostics.error(
                &members.path_of("type"),
                format!(
                    "unknown principal type {other:?}; one of {}",
                    PRINCIPAL_TYPES.join(", ")
                ),
            );
            return None;
        }
    };
    let mut known = vec!["type", "management_account"];
    known.extend_from_slice(required);
    known.extend_from_slice(optional);
    members.reject_unknown(&known, diagnostics);
    let mut ok = true;
    let mut field = |name: &str, d: &mut Diagnostics| -> Option<String> {
        let value = if required.contains(&name) {
            required_string(&members, name, d)
        } else {
            optional_string(&members, name, d).flatten()
        };
        match value {
            Some("") => {
                d.error(&members.path_of(name), format!("{name} cannot be empty"));
                ok = false;
                None
            }
            Some(v) => Some(v.to_string()),
            None => {
                ok &= !required.contains(&name) && members.get(name).is_none();
                None
            }
        }
    };
    let kind = match kind {
        "RootAccount" => PrincipalKind::RootAccount {
            account: field("account", diagnostics).unwrap_or_default(),
        },
        "RamUser" => PrincipalKind::RamUser {
            account: field("account", diagnostics).unwrap_or_default(),
            name: field("name", diagnostics).unwrap_or_default(),
            id: field("id", diagnostics),
        },
        "AssumedRole" => PrincipalKind::AssumedRole {
            account: field("account", diagnostics).unwrap_or_default(),
            role: field("name", diagnostics).unwrap_or_default(),
            session: field("session", diagnostics).unwrap_or_default(),
            id: field("id", diagnostics),
        },
        "Service" => PrincipalKind::Service {
            service: field("service", diagnostics).unwrap_or_default(),
            account: field("account", diagnostics),
        },
        "Federated" => PrincipalKind::Federated {
            provider: field("provider", diagnostics).unwrap_or_default(),
        },
        _ => PrincipalKind::Anonymous,
    };
    let management_account = match members.get("management_account") {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            diagnostics.error(
                &members.path_of("management_account"),
                format!("expected true or false, found {}", describe(other)),
            );
            ok = false;
            false
        }
    };
    ok.then_some(Principal {
        kind,
        management_account,
    })
}

/// Context values: a string, a number (read as written), a boolean, or an array of those.
fn read_context(json: &Json, path: &JsonPath, diagnostics: &mut Diagnostics) -> Option<Context> {
    let members = Members::of(json, path, "a context of condition keys", diagnostics)?;
    let mut context = Context::default();
    let mut ok = true;
    for (key, value) in members.iter() {
        let key_path = path.key(key);
        let scalar = |item: &Json| match item {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.clone()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let values = match value {
            Json::Array(items) => {
                let read: Vec<Option<String>> = items.iter().map(scalar).collect();
                for (i, item) in items.iter().enumerate() {
                    if scalar(item).is_none() {
                        diagnostics.error(
                            &key_path.index(i),
                            format!(
                                "a context value is a string, number or boolean, found {}",
                                item.kind()
                            ),
                        );
                    }
                }
                read.into_iter().collect::<Option<Vec<String>>>()
            }
            single => {
                let read = scalar(single).map(|v| vec![v]);
                if read.is_none() {
                    diagnostics.error(
                        &key_path,
                        format!("a context value is a string, number, boolean or an array of those, found {}", single.kind()),
                    );
                }
                read
            }
        };
        let Some(values) = values else {
            ok = false;
            continue;
        };
        if let Err(error) = context.insert(key, values) {
            diagnostics.error(&key_path, error.to_string());
            ok = false;
        }
    }
    ok.then_some(context)
}
