//! The regorus peer: a Rego policy (`ram.rego`) that implements RAM statement matching, over the
//! workload's statements as data. regorus (an OPA interpreter in Rust) evaluates the whole
//! policy on every request: every statement's actions, resources and conditions, as a policy
//! engine without a RAM-shaped index does.
//!
//! Encoding:
//! - **Data** (`data.ram.statements`): every statement of the user's documents, laid out once as
//!   `{"effect", "actions": [pattern], "not_action", "resources": [pattern], "conditions": [test]}`
//!   (`not_action`: the patterns are a `NotAction` list, and the statement applies to the
//!   actions none of them matches). A pattern
//!   is `{"any": true}` for `"*"`, `{"literal": text}`, or `{"re": "^…$"}` for a glob (`*` →
//!   `.*`, `?` → `.`, everything else escaped, `(?s)` so `.` matches new lines); action patterns
//!   are ASCII-lowered (the policy lowers the request's action with `lower`). A condition test is
//!   `{"test", "key" (lowered), "values", "negated"}`, one per operator and key.
//! - **Input**: `{"action", "resource", "context": {lowered key: [values]}}`; keys are lowered
//!   when the request is prepared (RAM keys compare ASCII case-insensitively).
//! - **Policy**: `decision` is `"ExplicitDeny"` if some Deny statement applies, else `"Allow"` if
//!   some Allow does, else `"ImplicitDeny"`. A positive operator holds when some request value
//!   and some policy value pass the base test (absent key: false); a negated one when none do
//!   (absent key: true), spec §4.4. Base tests: `==` (StringEquals), `regex.match`
//!   (StringLike), `net.cidr_contains` (IpAddress; policy addresses become /32 or /128),
//!   `lower(r) == v` (Bool), `time.parse_rfc3339_ns` against nanoseconds (Date*), `to_number`
//!   against numbers (Numeric*).
//!
//! Fidelity limits, beyond the workload (which uses none of them): `NotResource`,
//! `Principal`, `IfExists`, `ForAnyValue:`/`ForAllValues:`, `Null` and `IgnoreCase` operators are
//! refused by [`RegoPeer::new`]; request dates are read as RFC 3339 only (RAM also reads
//! `YYYY-MM-DD` and epoch seconds); request IP addresses as OPA reads them (RAM reads an
//! IPv4-mapped IPv6 address as IPv4 and refuses leading zeros); numbers are OPA numbers, and only
//! integer policy values are accepted (RAM compares exact decimals); a request value that a
//! builtin cannot read makes the test fail, as in RAM for positive operators and for negated ones
//! through `not`. Only identity policies of one user are translated (no control, session,
//! resource-based or trust policies, no cross-account rule).

use super::Peer;
use crate::Workload;
use ramjet_engine::value::{parse_instant, parse_network};
use ramjet_engine::Decision;
use regorus::{CompiledPolicy, Engine, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The Rego policy (`src/peers/ram.rego`).
pub const RAM_REGO: &str = include_str!("ram.rego");

/// The workload's statements as data, under a compiled Rego policy.
pub struct RegoPeer {
    policy: CompiledPolicy,
}

impl RegoPeer {
    /// Lays out every statement of `workload.documents` as data and compiles the policy; an
    /// unsupported construct is an error naming it.
    pub fn new(workload: &Workload) -> Result<RegoPeer, String> {
        let mut statements = Vec::new();
        for (name, document) in &workload.documents {
            let list = match document.get("Statement") {
                Some(Json::Array(list)) => list.clone(),
                Some(one @ Json::Object(_)) => vec![one.clone()],
                _ => return Err(format!("{name}: no Statement list")),
            };
            for (i, statement) in list.iter().enumerate() {
                statements.push(
                    statement_data(statement).map_err(|e| format!("{name} Statement[{i}]: {e}"))?,
                );
            }
        }
        let data = object([("ram", object([("statements", Value::from(statements))]))]);
        let mut engine = Engine::new();
        engine
            .add_policy("ram.rego".into(), RAM_REGO.into())
            .map_err(|e| format!("ram.rego: {e}"))?;
        engine.add_data(data).map_err(|e| e.to_string())?;
        let policy = engine
            .compile_with_entrypoint(&"data.ram.decision".into())
            .map_err(|e| format!("ram.rego does not compile: {e}"))?;
        Ok(RegoPeer { policy })
    }
}

impl Peer for RegoPeer {
    type Input = Value;

    fn name(&self) -> &'static str {
        "regorus"
    }

    fn prepare(&self, request: &ramjet_engine::Request) -> Value {
        let context: BTreeMap<Value, Value> = request
            .context()
            .iter()
            .map(|(key, values)| {
                let values: Vec<Value> = values.iter().map(|v| Value::from(v.as_str())).collect();
                (Value::from(key.to_ascii_lowercase()), Value::from(values))
            })
            .collect();
        object([
            ("action", Value::from(request.action())),
            ("resource", Value::from(request.resource())),
            ("context", Value::from(context)),
        ])
    }

    fn decide(&mut self, input: &Value) -> Decision {
        match self.policy.eval_with_input(input.clone()) {
            Ok(value) => match value.as_string().map(|s| &**s) {
                Ok("Allow") => Decision::Allow,
                Ok("ExplicitDeny") => Decision::ExplicitDeny,
                _ => Decision::ImplicitDeny,
            },
            // Fail closed, as ramjet does on an internal error.
            Err(_) => Decision::ImplicitDeny,
        }
    }
}

fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::from(
        members
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<BTreeMap<Value, Value>>(),
    )
}

fn strings(value: &Json) -> Result<Vec<String>, String> {
    let text = |v: &Json| match v {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        other => Err(format!("unsupported value {other}")),
    };
    match value {
        Json::Array(items) => items.iter().map(text).collect(),
        one => Ok(vec![text(one)?]),
    }
}

/// `^…$` for a RAM glob: `*` any run, `?` one character, the rest literal.
fn glob_regex(glob: &str) -> String {
    let mut re = String::from("(?s)^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => {
                let mut buf = [0u8; 4];
                re.push_str(&regex_syntax_escape(c.encode_utf8(&mut buf)));
            }
        }
    }
    re.push('$');
    re
}

/// Escapes regex metacharacters (as `regex::escape` does).
fn regex_syntax_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn pattern(text: &str) -> Value {
    if text == "*" {
        object([("any", Value::from(true))])
    } else if text.contains(['*', '?']) {
        object([("re", Value::from(glob_regex(text)))])
    } else {
        object([("literal", Value::from(text))])
    }
}

fn statement_data(statement: &Json) -> Result<Value, String> {
    let members = statement
        .as_object()
        .ok_or_else(|| "a statement is not an object".to_string())?;
    for key in members.keys() {
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
            return Err(format!("{key} is not supported by the Rego translation"));
        }
    }
    let effect = match members.get("Effect").and_then(Json::as_str) {
        Some(effect @ ("Allow" | "Deny")) => effect,
        other => return Err(format!("unsupported Effect {other:?}")),
    };
    let (actions, not_action) = match (members.get("Action"), members.get("NotAction")) {
        (Some(actions), None) => (actions, false),
        (None, Some(actions)) => (actions, true),
        _ => return Err("one of Action and NotAction".to_string()),
    };
    let actions: Vec<Value> = strings(actions)?
        .iter()
        .map(|a| pattern(&a.to_ascii_lowercase()))
        .collect();
    let resources: Vec<Value> = strings(members.get("Resource").ok_or("no Resource")?)?
        .iter()
        .map(|r| pattern(r))
        .collect();
    let mut conditions = Vec::new();
    if let Some(condition) = members.get("Condition") {
        let operators = condition
            .as_object()
            .ok_or_else(|| "Condition is not an object".to_string())?;
        for (operator, keys) in operators {
            let keys = keys
                .as_object()
                .ok_or_else(|| format!("{operator} is not an object"))?;
            for (key, values) in keys {
                conditions.push(condition_data(operator, key, &strings(values)?)?);
            }
        }
    }
    Ok(object([
        ("effect", Value::from(effect)),
        ("actions", Value::from(actions)),
        ("not_action", Value::from(not_action)),
        ("resources", Value::from(resources)),
        ("conditions", Value::from(conditions)),
    ]))
}

fn condition_data(operator: &str, key: &str, values: &[String]) -> Result<Value, String> {
    let (test, negated) = match operator {
        "StringEquals" => ("string_equals", false),
        "StringNotEquals" => ("string_equals", true),
        "StringLike" => ("string_like", false),
        "StringNotLike" => ("string_like", true),
        "IpAddress" => ("ip", false),
        "NotIpAddress" => ("ip", true),
        "Bool" => ("bool", false),
        "DateEquals" => ("date_equals", false),
        "DateNotEquals" => ("date_equals", true),
        "DateLessThan" => ("date_less_than", false),
        "DateLessThanEquals" => ("date_less_than_equals", false),
        "DateGreaterThan" => ("date_greater_than", false),
        "DateGreaterThanEquals" => ("date_greater_than_equals", false),
        "NumericEquals" => ("numeric_equals", false),
        "NumericNotEquals" => ("numeric_equals", true),
        "NumericLessThan" => ("numeric_less_than", false),
        "NumericLessThanEquals" => ("numeric_less_than_equals", false),
        "NumericGreaterThan" => ("numeric_greater_than", false),
        "NumericGreaterThanEquals" => ("numeric_greater_than_equals", false),
        other => return Err(format!("{other} is not supported by the Rego translation")),
    };
    let value = |v: &String| -> Result<Value, String> {
        Ok(match test {
            "string_like" => Value::from(glob_regex(v)),
            "ip" => Value::from(
                parse_network(v)
                    .map_err(|e| format!("{v:?}: {e}"))?
                    .trunc()
                    .to_string(),
            ),
            "bool" => Value::from(v.to_ascii_lowercase()),
            date if date.starts_with("date") => {
                let nanos = parse_instant(v)
                    .ok()
                    .and_then(|i| i64::try_from(i.unix_nanos()).ok())
                    .ok_or_else(|| format!("{v:?} is not a date the Rego translation holds"))?;
                Value::from(nanos)
            }
            number if number.starts_with("numeric") => Value::from(
                v.parse::<i64>()
                    .map_err(|_| format!("{v:?}: only integer policy numbers are translated"))?,
            ),
            _ => Value::from(v.as_str()),
        })
    };
    let values: Result<Vec<Value>, String> = values.iter().map(value).collect();
    Ok(object([
        ("test", Value::from(test)),
        ("key", Value::from(key.to_ascii_lowercase())),
        ("values", Value::from(values?)),
        ("negated", Value::from(negated)),
    ]))
}
