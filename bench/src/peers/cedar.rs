//! The cedar-policy peer: every RAM statement of the workload's user becomes one Cedar policy,
//! `permit` for Allow and `forbid` for Deny, scoped to the user (`principal == User::"<name>"`, the
//! attachment). Cedar evaluates every policy on every request; a `forbid` that fires makes the
//! deny explicit (it is in the response's reasons).
//!
//! Encoding:
//! - **Actions** (ASCII case-insensitive in RAM): action entities are lowered
//!   (`Action::"eas:createservice"`), and the request's action is lowered when the request is
//!   prepared. Literal actions become `action in [Action::"…", …]`; `*` patterns become
//!   `context.action like "eas:describe*"` on the lowered action (also in the context); a `?`
//!   pattern (Cedar's `like` has no one-character wildcard) is expanded into the catalog actions
//!   it matches (`crate::catalog_actions`), so it is faithful only for catalog actions; `"*"` is
//!   `true`.
//! - **Resources**: the ARN is `context.resource` (Cedar cannot `like` an entity id): `"*"` is
//!   `true`, a literal is `==`, a `*` pattern is `like` (case-sensitive, `*` crosses `:` and `/`,
//!   as in RAM). A `?` in a resource pattern is refused.
//! - **Conditions** (all AND-ed, values OR-ed, as RAM): each request context key is lowered (RAM
//!   keys compare ASCII case-insensitively) and its value is put in the context as a string and,
//!   where it reads as one, as a typed companion: `"<key>#ip"` (an `ipaddr`, read as ramjet reads
//!   request addresses, IPv4-mapped IPv6 as IPv4), `"<key>#time"` (a `Long` of epoch
//!   nanoseconds), `"<key>#bool"`, `"<key>#number"` (a `decimal`). A positive operator is
//!   `context has "<key>#type" && (test || …)`, a negated one its negation, so an absent or
//!   unreadable value fails a positive test and passes a negated one (spec §4.4). Supported:
//!   `StringEquals`/`StringNotEquals` (`==`), `StringLike`/`StringNotLike` (`like`, `*` only),
//!   `IpAddress`/`NotIpAddress` (`isInRange`), the `Date*` operators (`<`, `<=`, `==`, …),
//!   `Bool`, and the `Numeric*` operators (`decimal` methods).
//! - **NotAction**: the scope is every action and `when` holds the negation of the `Action` test
//!   the patterns would make (`!(context.action like "ram:*" || …)`).
//!
//! Fidelity limits, beyond the workload (which uses none of them): `NotResource`,
//! `Principal`, `IfExists`, `ForAnyValue:`/`ForAllValues:`, `Null`, `IgnoreCase` operators, `?` in
//! resources or `StringLike` values are refused by [`CedarPeer::new`]; multi-valued request keys
//! are refused when a request is prepared (Cedar has no "some element satisfies" over a set of
//! `ipaddr`s or strings in a `like`); numbers are Cedar decimals (at most 4 fractional digits,
//! about ±9.2·10¹⁴, where RAM compares exact decimals of any size); instants are `Long`
//! nanoseconds (years 1678–2262, where RAM allows 0000–9999). Only identity policies of one user
//! are translated: no control, session, resource-based or trust policies, and no cross-account
//! rule.

use super::Peer;
use crate::Workload;
use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, EntityUid, PolicySet, Request,
    RestrictedExpression,
};
use ramjet_engine::value::{
    parse_bool, parse_instant, parse_network, parse_request_address, ExactDecimal,
};
use ramjet_engine::Decision;
use serde_json::Value;
use std::str::FromStr;

/// The workload's user's policies as a Cedar policy set.
pub struct CedarPeer {
    policies: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
    principal: EntityUid,
}

/// The Cedar policies `workload`'s documents become (what [`CedarPeer::new`] parses), for
/// reading; an unsupported construct is an error naming it.
pub fn translate(workload: &Workload) -> Result<String, String> {
    let catalog = crate::catalog_actions();
    let mut source = String::new();
    for (name, document) in &workload.documents {
        let statements = match document.get("Statement") {
            Some(Value::Array(statements)) => statements.clone(),
            Some(one @ Value::Object(_)) => vec![one.clone()],
            _ => return Err(format!("{name}: no Statement list")),
        };
        for (i, statement) in statements.iter().enumerate() {
            let policy = translate_statement(statement, crate::USER, &catalog)
                .map_err(|e| format!("{name} Statement[{i}]: {e}"))?;
            source.push_str(&format!("@id(\"{name}/{i}\")\n{policy}\n"));
        }
    }
    Ok(source)
}

impl CedarPeer {
    /// Translates every statement of `workload.documents`; an unsupported construct is an error
    /// naming it.
    pub fn new(workload: &Workload) -> Result<CedarPeer, String> {
        let policies = PolicySet::from_str(&translate(workload)?)
            .map_err(|e| format!("the Cedar translation does not parse: {e}"))?;
        Ok(CedarPeer {
            policies,
            entities: Entities::empty(),
            authorizer: Authorizer::new(),
            principal: uid("User", crate::USER)?,
        })
    }
}

impl Peer for CedarPeer {
    type Input = Request;

    fn name(&self) -> &'static str {
        "cedar-policy"
    }

    fn prepare(&self, request: &ramjet_engine::Request) -> Request {
        let action = request.action().to_ascii_lowercase();
        let mut pairs = vec![
            (
                "action".to_string(),
                RestrictedExpression::new_string(action.clone()),
            ),
            (
                "resource".to_string(),
                RestrictedExpression::new_string(request.resource().to_string()),
            ),
        ];
        for (key, values) in request.context().iter() {
            let key = key.to_ascii_lowercase();
            let value = match values {
                [] => continue,
                [value] => value,
                _ => panic!(
                    "the Cedar translation does not support multi-valued context keys ({key})"
                ),
            };
            pairs.extend(typed_values(&key, value));
            pairs.push((key, RestrictedExpression::new_string(value.clone())));
        }
        let context = Context::from_pairs(pairs)
            .unwrap_or_else(|e| panic!("the request context does not translate: {e}"));
        let (action, resource) = match (uid("Action", &action), uid("Resource", request.resource()))
        {
            (Ok(action), Ok(resource)) => (action, resource),
            _ => panic!("the request does not translate"),
        };
        Request::new(self.principal.clone(), action, resource, context, None)
            .unwrap_or_else(|e| panic!("the request does not translate: {e}"))
    }

    fn decide(&mut self, input: &Request) -> Decision {
        let response = self
            .authorizer
            .is_authorized(input, &self.policies, &self.entities);
        match response.decision() {
            CedarDecision::Allow => Decision::Allow,
            // The reasons of a Deny are the forbid policies that fired.
            CedarDecision::Deny if response.diagnostics().reason().next().is_some() => {
                Decision::ExplicitDeny
            }
            CedarDecision::Deny => Decision::ImplicitDeny,
        }
    }
}

/// `Type::"id"` with the id escaped.
fn uid(kind: &str, id: &str) -> Result<EntityUid, String> {
    EntityUid::from_str(&format!("{kind}::{}", literal(id)))
        .map_err(|e| format!("{kind} {id:?}: {e}"))
}

/// A Cedar string literal.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Cedar `like` pattern for a RAM glob with `*` only (a literal `*` cannot occur in RAM).
fn like(glob: &str) -> Result<String, String> {
    if glob.contains('?') {
        return Err(format!(
            "{glob:?}: Cedar's `like` has no one-character wildcard"
        ));
    }
    Ok(literal(glob))
}

/// The typed companions of a request value that reads as one.
fn typed_values(key: &str, value: &str) -> Vec<(String, RestrictedExpression)> {
    let mut typed = Vec::new();
    if let Ok(address) = parse_request_address(value) {
        typed.push((
            format!("{key}#ip"),
            RestrictedExpression::new_ip(address.to_string()),
        ));
    }
    if let Ok(instant) = parse_instant(value) {
        if let Ok(nanos) = i64::try_from(instant.unix_nanos()) {
            typed.push((format!("{key}#time"), RestrictedExpression::new_long(nanos)));
        }
    }
    if let Some(flag) = parse_bool(value) {
        typed.push((format!("{key}#bool"), RestrictedExpression::new_bool(flag)));
    }
    if value.parse::<ExactDecimal>().is_ok() {
        match cedar_decimal(value) {
            Some(decimal) => typed.push((
                format!("{key}#number"),
                RestrictedExpression::new_decimal(decimal),
            )),
            None => panic!(
                "the Cedar translation cannot represent the number {value:?} (Cedar decimals \
                 have at most 4 fractional digits)"
            ),
        }
    }
    typed
}

/// `text` (a RAM number) as a Cedar `decimal` literal, when Cedar can hold it exactly.
fn cedar_decimal(text: &str) -> Option<String> {
    let text = text.strip_prefix('+').unwrap_or(text);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = fraction.trim_end_matches('0');
    let fraction = if fraction.is_empty() { "0" } else { fraction };
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (plain(whole) && plain(fraction) && fraction.len() <= 4 && whole.len() <= 14)
        .then(|| format!("{sign}{whole}.{fraction}"))
}

fn strings(value: &Value) -> Result<Vec<String>, String> {
    let text = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("unsupported value {other}")),
    };
    match value {
        Value::Array(items) => items.iter().map(text).collect(),
        one => Ok(vec![text(one)?]),
    }
}

fn translate_statement(
    statement: &Value,
    user: &str,
    catalog: &[String],
) -> Result<String, String> {
    let object = statement
        .as_object()
        .ok_or_else(|| "a statement is not an object".to_string())?;
    for key in object.keys() {
        if ![
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "Condition",
        ]
        .contains(&key.as_str())
        {
            return Err(format!("{key} is not supported by the Cedar translation"));
        }
    }
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => "permit",
        Some("Deny") => "forbid",
        other => return Err(format!("unsupported Effect {other:?}")),
    };
    let (actions, negated) = match (object.get("Action"), object.get("NotAction")) {
        (Some(actions), None) => (strings(actions)?, false),
        (None, Some(actions)) => (strings(actions)?, true),
        _ => return Err("one of Action and NotAction".to_string()),
    };
    let resources = object
        .get("Resource")
        .ok_or_else(|| "no Resource".to_string())
        .and_then(strings)?;
    let (scope, mut when) = if negated {
        // NotAction: any action, unless one of the patterns matches it.
        (
            "action".to_string(),
            vec![format!("!{}", action_test(&actions, catalog)?)],
        )
    } else {
        translate_actions(&actions, catalog)?
    };
    when.push(translate_resources(&resources)?);
    if let Some(condition) = object.get("Condition") {
        when.extend(translate_condition(condition)?);
    }
    let principal = literal(user);
    Ok(format!(
        "{effect}(principal == User::{principal}, {scope}, resource)\nwhen {{ {} }};",
        when.join(" && ")
    ))
}

/// The action scope and the action test for `when`.
fn translate_actions(
    patterns: &[String],
    catalog: &[String],
) -> Result<(String, Vec<String>), String> {
    if patterns.iter().any(|p| p.bytes().all(|b| b == b'*')) {
        return Ok(("action".into(), vec![]));
    }
    let mut literal_actions = Vec::new();
    let mut likes = Vec::new();
    for pattern in patterns {
        let lowered = pattern.to_ascii_lowercase();
        if lowered.contains('?') {
            // Expanded against the catalog: Cedar's `like` has no one-character wildcard.
            literal_actions.extend(
                catalog
                    .iter()
                    .map(|a| a.to_ascii_lowercase())
                    .filter(|a| ramjet_compiler::wildcard::glob_matches(&lowered, a, false)),
            );
        } else if lowered.contains('*') {
            likes.push(format!("context.action like {}", like(&lowered)?));
        } else {
            literal_actions.push(lowered);
        }
    }
    let entities = |actions: &[String]| -> String {
        actions
            .iter()
            .map(|a| format!("Action::{}", literal(a)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if likes.is_empty() {
        if literal_actions.is_empty() {
            // A `?` pattern that matches no catalog action.
            return Ok(("action".into(), vec!["false".into()]));
        }
        return Ok((
            format!("action in [{}]", entities(&literal_actions)),
            vec![],
        ));
    }
    let mut alternatives = likes;
    if !literal_actions.is_empty() {
        alternatives.push(format!("action in [{}]", entities(&literal_actions)));
    }
    Ok((
        "action".into(),
        vec![format!("({})", alternatives.join(" || "))],
    ))
}

/// `translate_actions` as one boolean expression: whether one of `patterns` matches the action.
fn action_test(patterns: &[String], catalog: &[String]) -> Result<String, String> {
    let (scope, when) = translate_actions(patterns, catalog)?;
    let mut tests: Vec<String> = when;
    if scope != "action" {
        tests.push(scope);
    }
    Ok(match tests.len() {
        // `*`: every action.
        0 => "true".to_string(),
        _ => format!("({})", tests.join(" && ")),
    })
}

fn translate_resources(patterns: &[String]) -> Result<String, String> {
    if patterns.iter().any(|p| p == "*") {
        return Ok("true".into());
    }
    let tests: Result<Vec<String>, String> = patterns
        .iter()
        .map(|p| {
            if p.contains('*') || p.contains('?') {
                Ok(format!("context.resource like {}", like(p)?))
            } else {
                Ok(format!("context.resource == {}", literal(p)))
            }
        })
        .collect();
    Ok(format!("({})", tests?.join(" || ")))
}

fn translate_condition(condition: &Value) -> Result<Vec<String>, String> {
    let operators = condition
        .as_object()
        .ok_or_else(|| "Condition is not an object".to_string())?;
    let mut tests = Vec::new();
    for (operator, keys) in operators {
        let keys = keys
            .as_object()
            .ok_or_else(|| format!("{operator} is not an object"))?;
        for (key, values) in keys {
            let key = key.to_ascii_lowercase();
            let values = strings(values)?;
            tests.push(translate_test(operator, &key, &values)?);
        }
    }
    Ok(tests)
}

/// The base test of an operator: the Cedar expression for (attribute access, policy value).
type BaseTest = dyn Fn(&str, &str) -> Result<String, String>;

/// One operator on one key: `context has "<key>#type" && (m(v1) || m(v2) …)`, negated for a
/// negated operator.
fn translate_test(operator: &str, key: &str, values: &[String]) -> Result<String, String> {
    let (positive, negated) = match operator.strip_prefix("Not") {
        Some(_) => (operator.replacen("Not", "", 1), true),
        None => match operator.find("Not") {
            Some(at) => (format!("{}{}", &operator[..at], &operator[at + 3..]), true),
            None => (operator.to_string(), false),
        },
    };
    let (attribute, test): (String, Box<BaseTest>) = match positive.as_str() {
        "StringEquals" => (
            key.into(),
            Box::new(|a, v| Ok(format!("{a} == {}", literal(v)))),
        ),
        "StringLike" => (
            key.into(),
            Box::new(|a, v| Ok(format!("{a} like {}", like(v)?))),
        ),
        "IpAddress" => (
            format!("{key}#ip"),
            Box::new(|a, v| Ok(format!("{a}.isInRange(ip({}))", literal(&cidr(v)?)))),
        ),
        "Bool" => {
            if negated {
                return Err(format!("{operator} is not an operator"));
            }
            (
                format!("{key}#bool"),
                Box::new(|a, v| {
                    let flag = parse_bool(v).ok_or_else(|| format!("{v:?} is not a boolean"))?;
                    Ok(format!("{a} == {flag}"))
                }),
            )
        }
        date if date.starts_with("Date") => {
            let compare = comparison(&date["Date".len()..])?;
            (
                format!("{key}#time"),
                Box::new(move |a, v| {
                    let nanos = parse_instant(v)
                        .ok()
                        .and_then(|i| i64::try_from(i.unix_nanos()).ok())
                        .ok_or_else(|| format!("{v:?} is not a date Cedar's Long can hold"))?;
                    Ok(format!("{a} {compare} {nanos}"))
                }),
            )
        }
        number if number.starts_with("Numeric") => {
            let method = match &number["Numeric".len()..] {
                "Equals" => "==",
                "LessThan" => "lessThan",
                "LessThanEquals" => "lessThanOrEqual",
                "GreaterThan" => "greaterThan",
                "GreaterThanEquals" => "greaterThanOrEqual",
                other => return Err(format!("Numeric{other} is not supported")),
            };
            (
                format!("{key}#number"),
                Box::new(move |a, v| {
                    let decimal = cedar_decimal(v)
                        .ok_or_else(|| format!("{v:?} is not a number Cedar can hold"))?;
                    Ok(if method == "==" {
                        format!("{a} == decimal({})", literal(&decimal))
                    } else {
                        format!("{a}.{method}(decimal({}))", literal(&decimal))
                    })
                }),
            )
        }
        _ => {
            return Err(format!(
                "{operator} is not supported by the Cedar translation"
            ))
        }
    };
    let access = format!("context[{}]", literal(&attribute));
    let alternatives: Result<Vec<String>, String> =
        values.iter().map(|v| test(&access, v)).collect();
    let holds = format!(
        "(context has {} && ({}))",
        literal(&attribute),
        alternatives?.join(" || ")
    );
    Ok(if negated { format!("!{holds}") } else { holds })
}

/// The Cedar comparison of a `Date…` operator's suffix.
fn comparison(suffix: &str) -> Result<&'static str, String> {
    Ok(match suffix {
        "Equals" => "==",
        "LessThan" => "<",
        "LessThanEquals" => "<=",
        "GreaterThan" => ">",
        "GreaterThanEquals" => ">=",
        other => return Err(format!("Date{other} is not supported")),
    })
}

/// A policy address or CIDR block as Cedar's `ip()` reads it (a bare address is a /32 or /128).
fn cidr(value: &str) -> Result<String, String> {
    parse_network(value)
        .map(|net| net.trunc().to_string())
        .map_err(|e| format!("{value:?}: {e}"))
}
