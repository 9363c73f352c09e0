//! Condition checks: an operator of the wrong type for its key (RJ302), an `acs:` key that is
//! not a global key (RJ303), `IfExists` on a key every request has (RJ304).

use super::{Context, Stmt};
use crate::catalog::KeyType;
use ramjet_compiler::model::{ConditionTest, SetQuantifier, ValueFamily};

/// RAM's global keys (spec 4.7, and keys Alibaba's product pages and published policies use),
/// as the documentation spells them (keys compare ASCII case-insensitively), with their type
/// where it is documented.
const GLOBAL_KEYS: &[(&str, Option<KeyType>)] = &[
    ("acs:CurrentTime", Some(KeyType::Date)),
    ("acs:SecureTransport", Some(KeyType::Bool)),
    ("acs:SourceIp", Some(KeyType::Ip)),
    ("acs:MFAPresent", Some(KeyType::Bool)),
    ("acs:SourceVpc", Some(KeyType::String)),
    ("acs:AccessId", Some(KeyType::String)),
    ("acs:UserAgent", Some(KeyType::String)),
    ("acs:TagKeys", Some(KeyType::String)),
    ("acs:PrincipalARN", Some(KeyType::String)),
    ("acs:PrincipalAccount", Some(KeyType::String)),
    ("acs:PrincipalType", Some(KeyType::String)),
    ("acs:PrincipalRDId", Some(KeyType::String)),
    ("acs:PrincipalRDPath", Some(KeyType::String)),
    ("acs:Service", Some(KeyType::String)),
    ("acs:RequestedRegion", Some(KeyType::String)),
    ("acs:ResourceGroupId", Some(KeyType::String)),
    ("acs:SourceVpcId", Some(KeyType::String)),
    ("acs:SourceVpcIp", None),
];

/// Global keys with a tag part.
const GLOBAL_PREFIXES: &[&str] = &["acs:RequestTag/", "acs:ResourceTag/"];

/// Keys every request has: `IfExists` on them never takes effect.
const ALWAYS_PRESENT: &[&str] = &["acs:CurrentTime", "acs:SecureTransport"];

pub(super) fn check(context: &mut Context, statements: &[Stmt]) {
    for stmt in statements {
        for test in &stmt.statement.conditions {
            let path = stmt
                .member(&["Condition"])
                .key(&test.operator.name())
                .key(&test.key);
            let key = test.key.to_ascii_lowercase();
            type_mismatch(context, stmt, test, &key, &path);
            unknown_global(context, stmt, test, &key, &path);
            if test.operator.if_exists
                && ALWAYS_PRESENT.iter().any(|k| k.eq_ignore_ascii_case(&key))
            {
                let message = format!(
                    "{} is in every request, so IfExists never takes effect: the test decides as plain {} does; drop the suffix",
                    test.key,
                    test.operator.test.name()
                );
                context.report("RJ304", stmt, &path, message);
            }
        }
    }
}

fn key_type(context: &Context, key: &str) -> Option<KeyType> {
    if let Some((_, known)) = GLOBAL_KEYS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
    {
        return *known;
    }
    if has_global_prefix(key) {
        return Some(KeyType::String);
    }
    let (service, _) = key.split_once(':')?;
    context.catalog.service(service)?.keys.get(key).copied()
}

fn type_mismatch(
    context: &mut Context,
    stmt: &Stmt,
    test: &ConditionTest,
    key: &str,
    path: &ramjet_compiler::JsonPath,
) {
    let family = test.operator.test.family();
    let expected = match family {
        ValueFamily::Numeric => KeyType::Numeric,
        ValueFamily::Date => KeyType::Date,
        ValueFamily::Bool => KeyType::Bool,
        ValueFamily::Ip => KeyType::Ip,
        ValueFamily::String | ValueFamily::Null => return,
    };
    let Some(actual) = key_type(context, key) else {
        return;
    };
    if actual == expected {
        return;
    }
    let outcome = if test.operator.test.is_negated() {
        "true for every request that has the key"
    } else {
        "false for every request that has the key"
    };
    let message = format!(
        "{} reads {} values, but {} is a {} key: its values never read as {}, so the test is {outcome}; use an operator for {} values",
        test.operator.test.name(),
        type_word(expected),
        test.key,
        type_word(actual),
        type_word(expected),
        type_word(actual)
    );
    context.report("RJ302", stmt, path, message);
}

fn type_word(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::String => "string",
        KeyType::Bool => "boolean",
        KeyType::Numeric => "numeric",
        KeyType::Date => "date",
        KeyType::Ip => "IP address",
    }
}

fn unknown_global(
    context: &mut Context,
    stmt: &Stmt,
    test: &ConditionTest,
    key: &str,
    path: &ramjet_compiler::JsonPath,
) {
    if !key.starts_with("acs:")
        || GLOBAL_KEYS
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(key))
        || has_global_prefix(key)
    {
        return;
    }
    let closest = GLOBAL_KEYS
        .iter()
        .map(|(name, _)| *name)
        .chain(GLOBAL_PREFIXES.iter().copied())
        .filter_map(|name| {
            // A tag prefix is compared with as much of the key.
            let head = if name.ends_with('/') {
                key.get(..name.len())?
            } else {
                key
            };
            Some((strsim::levenshtein(head, &name.to_ascii_lowercase()), name))
        })
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| format!("; did you mean {name}?"))
        .unwrap_or_default();
    let outcome = if absent_key_holds(test) {
        "always true"
    } else {
        "always false"
    };
    let message = format!(
        "{} is not a RAM global key, so no request has it: this test is {outcome}{closest}",
        test.key
    );
    context.report("RJ303", stmt, path, message);
}

/// What a test answers for a request without its key (spec 4.3-4.5).
fn absent_key_holds(test: &ConditionTest) -> bool {
    use ramjet_compiler::model::{ConditionValues, TestKind};
    if test.operator.if_exists {
        return true;
    }
    match (test.operator.test, test.operator.quantifier) {
        (TestKind::Null, _) => {
            matches!(&test.values, ConditionValues::Bools(v) if v.contains(&true))
        }
        (_, Some(SetQuantifier::ForAllValues)) => true,
        (_, Some(SetQuantifier::ForAnyValue)) => false,
        (kind, None) => kind.is_negated(),
    }
}

/// Whether a (lowercase) key is a tag key of a global prefix (`acs:ResourceTag/<tag>`).
fn has_global_prefix(key: &str) -> bool {
    GLOBAL_PREFIXES.iter().any(|p| {
        key.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}
