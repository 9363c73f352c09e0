//! Reads a `Condition` element (spec §4): operator names with their modifiers, keys, and values
//! parsed for the operator's family at load time. A value that does not read is an error with the
//! path of that value.

use crate::diagnostic::{Diagnostics, JsonPath};
use crate::json::{Json, Members};
use crate::limits::{MAX_LIST_ENTRIES, MAX_STRING_CHARS};
use crate::model::{
    ConditionTest, ConditionValues, Operator, SetQuantifier, TestKind, ValueFamily,
};
use crate::policy::{describe, entry_path};
use ramjet_engine::value::{parse_bool, parse_instant, parse_network, ExactDecimal};

/// Reads a whole `Condition` object into its tests (all AND-ed).
pub(crate) fn read_condition(
    json: &Json,
    path: &JsonPath,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<ConditionTest>> {
    let members = Members::of(json, path, "a Condition", diagnostics)?;
    if members.is_empty() {
        diagnostics.warning(path, "an empty Condition has no effect");
    }
    let mut tests = Vec::new();
    let mut ok = true;
    for (name, block) in members.iter() {
        let op_path = path.key(name);
        let Some(operator) = read_operator(name, &op_path, diagnostics) else {
            ok = false;
            continue;
        };
        let Some(keys) = Members::of(
            block,
            &op_path,
            "an operator block of keys and values",
            diagnostics,
        ) else {
            ok = false;
            continue;
        };
        if keys.is_empty() {
            diagnostics.error(&op_path, format!("operator {name} has no keys"));
            ok = false;
        }
        for (key, values) in keys.iter() {
            let key_path = op_path.key(key);
            match read_test(operator, key, values, &key_path, diagnostics) {
                Some(test) => tests.push(test),
                None => ok = false,
            }
        }
    }
    ok.then_some(tests)
}

/// Spec §4.3: `[ForAnyValue:|ForAllValues:]<Base>[IfExists]`, names case-sensitive.
fn read_operator(name: &str, path: &JsonPath, diagnostics: &mut Diagnostics) -> Option<Operator> {
    let (quantifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
        (Some(SetQuantifier::ForAnyValue), rest)
    } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
        (Some(SetQuantifier::ForAllValues), rest)
    } else {
        (None, name)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (rest, false),
    };
    let Some(test) = TestKind::ALL
        .iter()
        .find(|(n, _)| *n == base)
        .map(|(_, kind)| *kind)
    else {
        let hint = TestKind::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(base))
            .map(|(n, _)| format!(" (operator names are case-sensitive: did you mean {n}?)"))
            .or_else(|| {
                TestKind::ALL
                    .iter()
                    .map(|(n, _)| (strsim::levenshtein(n, base), n))
                    .filter(|(distance, _)| *distance <= 2)
                    .min()
                    .map(|(_, n)| format!(" (did you mean {n}?)"))
            })
            .unwrap_or_default();
        diagnostics.error(path, format!("unknown condition operator {name:?}{hint}"));
        return None;
    };
    if test == TestKind::Null {
        if quantifier.is_some() || if_exists {
            diagnostics.error(path, format!("{name}: the Null operator takes no modifier"));
            return None;
        }
        diagnostics.warning(
            path,
            "Null is not documented for RAM (it is read with AWS semantics); RAM may not accept it",
        );
    }
    Some(Operator {
        test,
        quantifier,
        if_exists,
    })
}

fn read_test(
    operator: Operator,
    key: &str,
    values: &Json,
    path: &JsonPath,
    diagnostics: &mut Diagnostics,
) -> Option<ConditionTest> {
    if key.is_empty() {
        diagnostics.error(path, "a condition key cannot be empty");
        return None;
    }
    if key.chars().count() > MAX_STRING_CHARS {
        diagnostics.error(
            path,
            format!("a condition key over {MAX_STRING_CHARS} characters"),
        );
        return None;
    }
    if key.trim() != key {
        diagnostics.warning(
            path,
            format!("condition key {key:?} has leading or trailing white space and can never match a request key"),
        );
    }
    let texts = read_value_texts(values, path, diagnostics)?;
    let family = operator.test.family();
    let mut ok = true;
    let mut parse_each = |parse: &dyn Fn(&str) -> Result<(), String>| {
        for (i, text) in texts.iter().enumerate() {
            if let Err(reason) = parse(text) {
                diagnostics.error(&entry_path(values, path, i), format!("{text:?} {reason}"));
                ok = false;
            }
        }
    };
    let values = match family {
        ValueFamily::String => ConditionValues::Strings(texts.clone()),
        ValueFamily::Numeric => {
            parse_each(&|t| {
                t.parse::<ExactDecimal>()
                    .map(drop)
                    .map_err(|e| e.to_string())
            });
            ConditionValues::Numbers(texts.iter().filter_map(|t| t.parse().ok()).collect())
        }
        ValueFamily::Date => {
            parse_each(&|t| parse_instant(t).map(drop).map_err(|e| e.to_string()));
            ConditionValues::Instants(texts.iter().filter_map(|t| parse_instant(t).ok()).collect())
        }
        ValueFamily::Bool | ValueFamily::Null => {
            parse_each(&|t| {
                parse_bool(t)
                    .map(drop)
                    .ok_or_else(|| "is not true or false".to_string())
            });
            ConditionValues::Bools(texts.iter().filter_map(|t| parse_bool(t)).collect())
        }
        ValueFamily::Ip => {
            parse_each(&|t| parse_network(t).map(drop).map_err(|e| e.to_string()));
            ConditionValues::Networks(texts.iter().filter_map(|t| parse_network(t).ok()).collect())
        }
    };
    ok.then(|| ConditionTest {
        operator,
        key: key.to_string(),
        values,
    })
}

/// Spec §4.1: a value is a string, or a number or boolean read as its JSON text (with a warning);
/// or a non-empty array of those.
fn read_value_texts(
    values: &Json,
    path: &JsonPath,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<String>> {
    let items: Vec<&Json> = match values {
        Json::Array(items) if items.is_empty() => {
            diagnostics.error(path, "a condition key needs at least one value");
            return None;
        }
        Json::Array(items) if items.len() > MAX_LIST_ENTRIES => {
            diagnostics.error(
                path,
                format!(
                    "{} values is over the limit of {MAX_LIST_ENTRIES}",
                    items.len()
                ),
            );
            return None;
        }
        Json::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut texts = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let item_path = entry_path(values, path, i);
        match item {
            Json::String(s) if s.chars().count() > MAX_STRING_CHARS => {
                diagnostics.error(
                    &item_path,
                    format!("a value over {MAX_STRING_CHARS} characters"),
                );
                ok = false;
            }
            Json::String(s) => texts.push(s.clone()),
            Json::Number(n) => {
                diagnostics.warning(
                    &item_path,
                    format!("the number {n} is read as the string \"{n}\"; write it as a string"),
                );
                texts.push(n.clone());
            }
            Json::Bool(b) => {
                diagnostics.warning(
                    &item_path,
                    format!("the boolean {b} is read as the string \"{b}\"; write it as a string"),
                );
                texts.push(b.to_string());
            }
            other => {
                diagnostics.error(
                    &item_path,
                    format!(
                        "a condition value is a string, number or boolean, found {}",
                        describe(other)
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some(texts)
}
