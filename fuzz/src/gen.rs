//! Structured generators: the fuzzer's bytes, read through [`Unstructured`], choose scenarios
//! (policy sets and a request) as JSON, from the vocabulary in [`crate::vocab`] and edits of it.
//! This mirrors `compiler/tests/support/mod.rs` (the proptest generator) with a wider vocabulary,
//! free strings, and every operator, modifier and principal form.
//!
//! Every choice reads bytes; when the input runs out, `Unstructured` answers with the smallest
//! choice, so any input gives a (small) scenario.

use crate::vocab::*;
use arbitrary::{Result, Unstructured};
use ramjet_engine::model::{TestKind, ValueFamily};
use ramjet_engine::check_action;
use serde_json::{json, Map, Value};

/// One of `list`.
pub fn pick<'a>(u: &mut Unstructured<'_>, list: &[&'a str]) -> Result<&'a str> {
    u.choose(list).copied()
}

/// A number in `0..=max`.
pub fn upto(u: &mut Unstructured<'_>, max: usize) -> Result<usize> {
    u.int_in_range(0..=max)
}

/// True with probability about `numerator / 8`; false once the input is used up (when
/// `Unstructured` answers every choice with its smallest value), so short inputs make small
/// scenarios.
pub fn chance(u: &mut Unstructured<'_>, numerator: u8) -> Result<bool> {
    Ok(u.int_in_range(0..=7u8)? >= 8u8.saturating_sub(numerator))
}

/// Flips the case of one character (ASCII, or the first character of its Unicode mapping).
fn flip_case(c: char) -> char {
    if c.is_ascii_alphabetic() {
        if c.is_ascii_uppercase() {
            c.to_ascii_lowercase()
        } else {
            c.to_ascii_uppercase()
        }
    } else if c.is_uppercase() {
        c.to_lowercase().next().unwrap_or(c)
    } else {
        c.to_uppercase().next().unwrap_or(c)
    }
}

/// `base` with up to `max_edits` edits: a run replaced by `*`, a character replaced by `?`, a case
/// flip, an inserted character from [`ALPHABET`], a deletion, a truncation, a doubled character.
/// Patterns made this way from request words mostly still match them; the edits that do not make
/// the near misses.
pub fn edit(u: &mut Unstructured<'_>, base: &str, max_edits: usize) -> Result<String> {
    let mut chars: Vec<char> = base.chars().collect();
    for _ in 0..upto(u, max_edits)? {
        let at = upto(u, chars.len().saturating_sub(1))?;
        match u.int_in_range(0..=8u8)? {
            0 | 1 => {
                let run = upto(u, chars.len().saturating_sub(at).min(12))?;
                let end = (at + run).min(chars.len());
                chars.splice(at.min(chars.len())..end, ['*']);
            }
            2 => match chars.get_mut(at) {
                Some(c) => *c = '?',
                None => chars.push('?'),
            },
            3 => {
                if let Some(c) = chars.get_mut(at) {
                    *c = flip_case(*c);
                }
            }
            4 => {
                let c = *u.choose(ALPHABET)?;
                chars.insert(at.min(chars.len()), c);
            }
            5 => {
                if at < chars.len() {
                    chars.remove(at);
                }
            }
            6 => chars.truncate(at),
            7 => {
                if let Some(&c) = chars.get(at) {
                    chars.insert(at, c);
                }
            }
            _ => chars.insert(at.min(chars.len()), '*'),
        }
    }
    Ok(chars.into_iter().collect())
}

/// A short string of [`ALPHABET`] characters.
pub fn free_string(u: &mut Unstructured<'_>, max_len: usize) -> Result<String> {
    let len = upto(u, max_len)?;
    (0..len).map(|_| u.choose(ALPHABET).copied()).collect()
}

/// Mostly a word of `vocab`, sometimes edited, rarely a free string.
pub fn word(u: &mut Unstructured<'_>, vocab: &[&str]) -> Result<String> {
    Ok(match u.int_in_range(0..=15u8)? {
        0..=9 => pick(u, vocab)?.to_string(),
        10..=14 => {
            let base = pick(u, vocab)?;
            edit(u, base, 3)?
        }
        _ => free_string(u, 10)?,
    })
}

/// What the request of a scenario asks, so that policies can be made to (nearly) match it.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// The request action.
    pub action: String,
    /// The request resource.
    pub resource: String,
    /// Context keys with their values.
    pub context: Vec<(String, Vec<String>)>,
}

/// A policy action entry: `"*"` or exactly one `:` (spec §2.4). Anything else is a document
/// error, which this generator avoids (parse_policy fuzzes the error paths).
pub fn valid_action_pattern(p: &str) -> bool {
    p == "*" || (!p.is_empty() && p.matches(':').count() == 1)
}

/// A word of `primary` (edited as [`word`] does) or, less often, of `extra`, or the `hint` (the
/// request's own word) with wildcards edited in; `valid` filters out entries that would make
/// the document invalid (falling back to a plain word of `extra`).
fn pattern(
    u: &mut Unstructured<'_>,
    primary: &[&str],
    extra: &[&str],
    hint: &str,
    valid: fn(&str) -> bool,
) -> Result<String> {
    let p = match u.int_in_range(0..=7u8)? {
        0 | 1 => pick(u, extra)?.to_string(),
        2..=4 if !hint.is_empty() => edit(u, hint, 2)?,
        _ => word(u, primary)?,
    };
    Ok(if valid(&p) {
        p
    } else {
        pick(u, extra)?.to_string()
    })
}

fn non_empty(p: &str) -> bool {
    !p.is_empty()
}

/// A non-empty word of `vocab` (edited or not), else the first word.
fn non_empty_word(u: &mut Unstructured<'_>, vocab: &[&str]) -> Result<String> {
    let w = word(u, vocab)?;
    Ok(if w.is_empty() {
        vocab.first().copied().unwrap_or("x").to_string()
    } else {
        w
    })
}

/// A request action that passes `check_action` (an edit that breaks it falls back to the word).
pub fn request_action(u: &mut Unstructured<'_>) -> Result<String> {
    let base = pick(u, ACTIONS)?;
    let candidate = if chance(u, 3)? {
        edit(u, base, 2)?
    } else {
        base.to_string()
    };
    Ok(if check_action(&candidate).is_ok() {
        candidate
    } else {
        base.to_string()
    })
}

/// A request resource (never empty).
pub fn request_resource(u: &mut Unstructured<'_>) -> Result<String> {
    let r = word(u, RESOURCES)?;
    Ok(if r.is_empty() { "*".to_string() } else { r })
}

/// A non-empty list of 1..=`max` items.
fn list<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut item: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = 1 + upto(u, max.saturating_sub(1))?;
    (0..n).map(|_| item(u)).collect()
}

/// A string or, as often, an array of strings (spec §1.3: the same thing).
fn string_or_array(items: Vec<String>, as_array: bool) -> Value {
    if items.len() == 1 && !as_array {
        json!(items[0])
    } else {
        json!(items)
    }
}

/// A condition value as JSON: a string, or (with a warning) the number or boolean it spells.
fn condition_value(u: &mut Unstructured<'_>, text: String) -> Result<Value> {
    if chance(u, 1)? {
        if let Ok(v @ (Value::Number(_) | Value::Bool(_))) = serde_json::from_str::<Value>(&text) {
            return Ok(v);
        }
    }
    Ok(Value::String(text))
}

/// Policy values for an operator of `family` (now and then one of another family, or one that
/// does not read: the document is then rejected, which exercises the error paths).
fn policy_value(
    u: &mut Unstructured<'_>,
    family: ValueFamily,
    request_values: &[String],
) -> Result<String> {
    if u.int_in_range(0..=63u8)? == 0 {
        return word(u, &[STRINGS, NUMBERS, DATES, NETWORKS, BOOLS].concat());
    }
    Ok(match family {
        ValueFamily::String if !request_values.is_empty() && chance(u, 4)? => {
            let base = u.choose(request_values)?.clone();
            edit(u, &base, 2)?
        }
        ValueFamily::String => word(u, STRINGS)?,
        ValueFamily::Numeric => pick(u, NUMBERS)?.to_string(),
        ValueFamily::Date => pick(u, DATES)?.to_string(),
        ValueFamily::Bool | ValueFamily::Null => pick(u, BOOLS)?.to_string(),
        ValueFamily::Ip => pick(u, NETWORKS)?.to_string(),
    })
}

/// A `Condition` object: 1..=3 operator blocks of 1..=2 keys of 1..=3 values.
pub fn condition(u: &mut Unstructured<'_>, hints: &Hints) -> Result<Value> {
    let mut object = Map::new();
    for _ in 0..1 + upto(u, 2)? {
        let (base, kind) = *u.choose(&TestKind::ALL)?;
        let name = if kind == TestKind::Null {
            base.to_string()
        } else {
            let quantifier = *u.choose(&["", "", "", "ForAnyValue:", "ForAllValues:"])?;
            let suffix = *u.choose(&["", "", "", "IfExists"])?;
            format!("{quantifier}{base}{suffix}")
        };
        let mut keys = Map::new();
        for _ in 0..1 + upto(u, 1)? {
            // Often a key the request carries (in another case, now and then), with its values.
            let (key, request_values) = if !hints.context.is_empty() && chance(u, 5)? {
                let (key, values) = u.choose(&hints.context)?.clone();
                let key = if chance(u, 2)? {
                    key.to_ascii_uppercase()
                } else {
                    key
                };
                (key, values)
            } else {
                (non_empty_word(u, KEYS)?, Vec::new())
            };
            let values = list(u, 3, |u| {
                let text = policy_value(u, kind.family(), &request_values)?;
                condition_value(u, text)
            })?;
            let value = if values.len() == 1 && chance(u, 4)? {
                values.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Array(values)
            };
            keys.entry(key).or_insert(value);
        }
        // A repeated operator name would be a duplicate-member error: merge the keys instead.
        match object.get_mut(&name) {
            Some(Value::Object(existing)) => {
                for (k, v) in keys {
                    existing.entry(k).or_insert(v);
                }
            }
            _ => {
                object.insert(name, Value::Object(keys));
            }
        }
    }
    Ok(Value::Object(object))
}

/// A `Principal` element of a resource-based policy.
pub fn principal_spec(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => json!("*"),
        1..=3 => {
            let mut object = Map::new();
            if chance(u, 5)? {
                let entries = list(u, 3, |u| {
                    if chance(u, 3)? {
                        // A principal ARN with wildcards edited in.
                        let account = pick(u, ACCOUNTS)?;
                        let name = pick(u, NAMES)?;
                        let arn = match upto(u, 2)? {
                            0 => format!("acs:ram::{account}:user/{name}"),
                            1 => format!("acs:ram::{account}:role/{name}"),
                            _ => format!("acs:ram::{account}:root"),
                        };
                        let entry = edit(u, &arn, 2)?;
                        Ok(if entry.is_empty() { arn } else { entry })
                    } else {
                        non_empty_word(u, RAM_ENTRIES)
                    }
                })?;
                let as_array = u.arbitrary()?;
                object.insert("RAM".into(), string_or_array(entries, as_array));
            }
            if chance(u, 3)? {
                let entries = list(u, 2, |u| non_empty_word(u, SERVICE_ENTRIES))?;
                let as_array = u.arbitrary()?;
                object.insert("Service".into(), string_or_array(entries, as_array));
            }
            if chance(u, 2)? || object.is_empty() {
                let entries = list(u, 2, |u| non_empty_word(u, PROVIDERS))?;
                let as_array = u.arbitrary()?;
                object.insert("Federated".into(), string_or_array(entries, as_array));
            }
            Value::Object(object)
        }
        4 => {
            let n = upto(u, 3)?;
            let entries: Vec<String> = (0..n)
                .map(|_| non_empty_word(u, ACCOUNT_LIST_ENTRIES))
                .collect::<Result<_>>()?;
            json!(entries)
        }
        5 => json!({"RAM": "*"}),
        6 => json!({"Service": pick(u, SERVICE_ENTRIES)?}),
        _ => json!({"RAM": pick(u, RAM_ENTRIES)?}),
    })
}

/// One statement. `resource_based`: a `Principal`, and `Resource` may be left out.
pub fn statement(u: &mut Unstructured<'_>, resource_based: bool, hints: &Hints) -> Result<Value> {
    let mut s = Map::new();
    if chance(u, 2)? {
        s.insert("Sid".into(), json!(pick(u, &["S1", "S2", "", "部"])?));
    }
    let effect = match u.int_in_range(0..=15u8)? {
        0..=8 => "Allow",
        9..=13 => "Deny",
        14 => "allow ",
        _ => "DENY",
    };
    s.insert("Effect".into(), json!(effect));
    let actions = list(u, 3, |u| {
        pattern(
            u,
            ACTIONS,
            ACTION_PATTERNS,
            &hints.action,
            valid_action_pattern,
        )
    })?;
    let not_action = chance(u, 1)?;
    let as_array = u.arbitrary()?;
    s.insert(
        if not_action { "NotAction" } else { "Action" }.into(),
        string_or_array(actions, as_array),
    );
    let resource_form = u.int_in_range(0..=9u8)?;
    if !(resource_based && resource_form == 9) {
        let resources = list(u, 3, |u| {
            pattern(u, RESOURCES, RESOURCE_PATTERNS, &hints.resource, non_empty)
        })?;
        let as_array = u.arbitrary()?;
        s.insert(
            if resource_form == 8 {
                "NotResource"
            } else {
                "Resource"
            }
            .into(),
            string_or_array(resources, as_array),
        );
    }
    if chance(u, 3)? {
        s.insert("Condition".into(), condition(u, hints)?);
    }
    if resource_based {
        s.insert("Principal".into(), principal_spec(u)?);
    }
    Ok(Value::Object(s))
}

/// A policy document of 1..=4 statements (sometimes a lone statement object, sometimes the
/// version as the number 1: both accepted with a warning).
pub fn policy(u: &mut Unstructured<'_>, resource_based: bool, hints: &Hints) -> Result<Value> {
    let statements = list(u, 4, |u| statement(u, resource_based, hints))?;
    let version = if u.int_in_range(0..=15u8)? == 0 {
        json!(1)
    } else {
        json!("1")
    };
    let statement = if statements.len() == 1 && u.int_in_range(0..=15u8)? == 0 {
        statements.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(statements)
    };
    Ok(json!({"Version": version, "Statement": statement}))
}

/// A request principal, or none (a quick check of the policies).
pub fn principal(u: &mut Unstructured<'_>) -> Result<Option<Value>> {
    if u.int_in_range(0..=9u8)? == 0 {
        return Ok(None);
    }
    let account = pick(u, ACCOUNTS)?;
    let mut p = match u.int_in_range(0..=8u8)? {
        0 => json!({"type": "RootAccount", "account": account}),
        1 | 2 => json!({"type": "RamUser", "account": account, "name": pick(u, NAMES)?}),
        3 | 4 => json!({
            "type": "AssumedRole",
            "account": account,
            "name": pick(u, NAMES)?,
            "session": pick(u, NAMES)?,
        }),
        5 => json!({"type": "Service", "service": word(u, SERVICES)?}),
        6 => json!({"type": "Federated", "provider": word(u, PROVIDERS)?}),
        7 => json!({"type": "Anonymous"}),
        _ => json!({"type": "Service", "service": pick(u, SERVICES)?, "account": account}),
    };
    let typ = p["type"].as_str().unwrap_or_default().to_string();
    if (typ == "RamUser" || typ == "AssumedRole") && chance(u, 3)? {
        p["id"] = json!(pick(u, &["9001", "1111", "20214760404935xxxx"])?);
    }
    if chance(u, 1)? {
        p["management_account"] = json!(u.arbitrary::<bool>()?);
    }
    Ok(Some(p))
}

/// One context entry's values: a list of 0..=3 values (empty counts as absent) or a scalar, read
/// from every family's vocabulary so that type mismatches happen.
fn context_values(u: &mut Unstructured<'_>) -> Result<Value> {
    let vocab: &[&str] = match u.int_in_range(0..=9u8)? {
        0 | 1 => STRINGS,
        2 => NUMBERS,
        3 => BAD_NUMBERS,
        4 => DATES,
        5 => BAD_DATES,
        6 => ADDRESSES,
        7 => BOOLS,
        8 => BAD_BOOLS,
        _ => KEYS,
    };
    if chance(u, 5)? {
        let text = word(u, vocab)?;
        return condition_value(u, text);
    }
    let n = upto(u, 3)?;
    let values: Vec<Value> = (0..n)
        .map(|_| {
            let text = word(u, vocab)?;
            condition_value(u, text)
        })
        .collect::<Result<_>>()?;
    Ok(Value::Array(values))
}

/// A request, with the hints it gives to the policy generators.
pub fn request(u: &mut Unstructured<'_>) -> Result<(Value, Hints)> {
    let mut r = Map::new();
    let mut hints = Hints {
        action: request_action(u)?,
        resource: request_resource(u)?,
        context: Vec::new(),
    };
    r.insert("action".into(), json!(hints.action));
    r.insert("resource".into(), json!(hints.resource));
    if let Some(p) = principal(u)? {
        r.insert("principal".into(), p);
    }
    if chance(u, 3)? {
        r.insert("resource_group".into(), json!(pick(u, RESOURCE_GROUPS)?));
    }
    let mut context = Map::new();
    let mut folded: Vec<String> = Vec::new();
    for _ in 0..upto(u, 5)? {
        let key = word(u, KEYS)?;
        // Keys that differ only in ASCII case are a request error: keep the first.
        if key.is_empty() || folded.contains(&key.to_ascii_lowercase()) {
            continue;
        }
        folded.push(key.to_ascii_lowercase());
        let values = context_values(u)?;
        let texts = match &values {
            Value::Array(items) => items.iter().map(scalar_text).collect(),
            single => vec![scalar_text(single)],
        };
        hints.context.push((key.clone(), texts));
        context.insert(key, values);
    }
    if !context.is_empty() || chance(u, 1)? {
        r.insert("context".into(), Value::Object(context));
    }
    Ok((Value::Object(r), hints))
}

/// A context value as the request reader keeps it: strings as they are, numbers and booleans as
/// their JSON text.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Policy names that identity, control, session and resource policies share now and then.
const SHARED_NAMES: &[&str] = &["Shared", "session", "resource", "identity[0]"];

/// A whole scenario: 0..=3 identity policies (some at resource-group scope, some named),
/// sometimes a session policy, a resource policy and control levels (levels may be empty: a
/// level with no policies allows nothing), and a request.
pub fn scenario(u: &mut Unstructured<'_>) -> Result<Value> {
    let (request, hints) = request(u)?;
    let mut policies = Map::new();
    let mut identity = Vec::new();
    for i in 0..upto(u, 3)? {
        let document = policy(u, false, &hints)?;
        identity.push(match u.int_in_range(0..=7u8)? {
            0 | 1 => json!({"document": document, "resource_group": pick(u, RESOURCE_GROUPS)?}),
            2 => json!({"name": format!("P{i}"), "document": document}),
            // Names may repeat (spec §6.3): across identity policies and with control policies.
            3 => json!({"name": pick(u, SHARED_NAMES)?, "document": document}),
            _ => document,
        });
    }
    policies.insert("identity".into(), Value::Array(identity));
    if chance(u, 2)? {
        let document = policy(u, false, &hints)?;
        policies.insert("session".into(), named_sometimes(u, document)?);
    }
    if chance(u, 4)? {
        let document = policy(u, true, &hints)?;
        policies.insert("resource".into(), named_sometimes(u, document)?);
    }
    if chance(u, 2)? {
        let levels: Vec<Value> = (0..1 + upto(u, 2)?)
            .map(|_| {
                // Now and then an empty level, which allows nothing.
                let n = if u.int_in_range(0..=7u8)? == 0 {
                    0
                } else {
                    1 + upto(u, 1)?
                };
                let level: Vec<Value> = (0..n)
                    .map(|_| {
                        let mut document = policy(u, false, &hints)?;
                        // Control policies usually start from allowing everything.
                        if chance(u, 4)? {
                            if let Some(Value::Array(statements)) = document.get_mut("Statement") {
                                statements.insert(
                                    0,
                                    json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
                                );
                            }
                        }
                        Ok(if chance(u, 3)? {
                            json!({"name": pick(u, SHARED_NAMES)?, "document": document})
                        } else {
                            document
                        })
                    })
                    .collect::<Result<_>>()?;
                Ok(Value::Array(level))
            })
            .collect::<Result<_>>()?;
        policies.insert("control".into(), Value::Array(levels));
    }
    Ok(json!({"policies": policies, "request": request}))
}

/// `document`, or now and then wrapped with one of the shared names.
fn named_sometimes(u: &mut Unstructured<'_>, document: Value) -> Result<Value> {
    Ok(if chance(u, 2)? {
        json!({"name": pick(u, SHARED_NAMES)?, "document": document})
    } else {
        document
    })
}
