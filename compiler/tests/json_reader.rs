//! The strict JSON reader (`ramjet_compiler::json::read`) against serde_json: on documents
//! serde_json renders they agree on the structure; on every byte string, mutated documents
//! included, both accept or both reject with the same message at the same line and column; no
//! input makes the reader panic. Also: numbers are read exactly although serde_json is built
//! without `arbitrary_precision`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use proptest::prelude::*;
use ramjet_compiler::json::{read, ErrorKind, Json};
use ramjet_compiler::{parse_policy, parse_request, PolicyKind};
use serde_json::Value;

/// Same structure: strings, booleans, nulls, arrays, object member names (serde_json keeps the
/// last of duplicate members) and numbers by value.
fn agree(ours: &Json, theirs: &Value) -> bool {
    match (ours, theirs) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::String(a), Value::String(b)) => a == b,
        (Json::Number(text), Value::Number(n)) => {
            let integer = !text.contains(['.', 'e', 'E']) && text != "-0";
            let exact = match (n.as_u64(), n.as_i64()) {
                (Some(u), _) if integer => *text == u.to_string(),
                (_, Some(i)) if integer => *text == i.to_string(),
                _ => true,
            };
            // serde_json's float parsing (without `float_roundtrip`) may be one unit off.
            let close = match (
                text.parse::<f64>().ok().filter(|f| f.is_finite()),
                n.as_f64(),
            ) {
                (Some(a), Some(b)) => {
                    (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs()) + f64::MIN_POSITIVE
                }
                (a, b) => a == b,
            };
            exact && close
        }
        (Json::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| agree(x, y))
        }
        (Json::Object(members), Value::Object(map)) => {
            let names: std::collections::BTreeSet<&str> =
                members.iter().map(|(n, _)| n.as_str()).collect();
            names.len() == map.len()
                && map.iter().all(|(name, value)| {
                    members
                        .iter()
                        .rev()
                        .find(|(n, _)| n == name)
                        .is_some_and(|(_, v)| agree(v, value))
                })
        }
        _ => false,
    }
}

/// Both accept with the same structure, or both reject with the same message and position.
fn same_answer(text: &[u8]) -> Result<(), TestCaseError> {
    let ours = read(text);
    let theirs = serde_json::from_slice::<Value>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => prop_assert!(agree(a, b), "{a:?} / {b:?}"),
        // Without `arbitrary_precision`, serde_json rejects numbers beyond f64 (`1e400`), which
        // the reader keeps as text: not a disagreement about syntax.
        (_, Err(e)) if e.to_string().starts_with("number out of range") => {}
        (Err(a), Err(b)) => {
            let message = b.to_string();
            let message = message.get(..message.rfind(" at line ").unwrap()).unwrap();
            prop_assert!(a.kind.message().starts_with(message), "{a} / {b}");
            prop_assert_eq!(a.line, b.line(), "{} / {}", a, b);
            // serde_json's column for invalid UTF-8 in a string with escapes is approximate.
            if a.kind != ErrorKind::InvalidUnicodeCodePoint {
                prop_assert_eq!(a.column, b.column(), "{} / {}", a, b);
            }
        }
        _ => prop_assert!(false, "{ours:?} / {theirs:?}"),
    }
    Ok(())
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z]{0,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-c]{0,2}|.{0,4}", inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Every character `\u`-escaped (non-BMP ones as surrogate pairs), through serde_json's own
/// rendering of everything else.
fn escaped(value: &Value) -> String {
    match value {
        Value::String(s) => {
            let mut out = String::from("\"");
            for unit in s.encode_utf16() {
                out.push_str(&format!("\\u{unit:04x}"));
            }
            out.push('"');
            out
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(escaped).collect::<Vec<_>>().join(",")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}:{}", escaped(&Value::String(k.clone())), escaped(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

/// Numbers as JSON allows them to be written, many beyond f64.
fn number_text() -> impl Strategy<Value = String> {
    "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,4})?"
}

/// A tree of the reader's own type: duplicate members, exact number texts.
fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        number_text().prop_map(Json::Number),
        any::<String>().prop_map(Json::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec(("[ab]{0,1}|.{0,3}", inner), 0..6).prop_map(Json::Object),
        ]
    })
}

/// Bytes that matter to a JSON reader, and some that do not belong.
const ALPHABET: &[u8] = b"{}[],:\"\\ 0123456789.eE+-ntfrulsaxu/\n\t\r\x00\x1f\xa0\xc2\xff\xe4\xd8";

/// A rendered document with a few bytes inserted, replaced or removed.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let edit = (
        any::<prop::sample::Index>(),
        0u8..3,
        prop::sample::select(ALPHABET),
    );
    (value(), any::<bool>(), prop::collection::vec(edit, 1..4)).prop_map(
        |(value, pretty, edits)| {
            let mut bytes = if pretty {
                serde_json::to_vec_pretty(&value).unwrap()
            } else {
                serde_json::to_vec(&value).unwrap()
            };
            for (at, kind, byte) in edits {
                let i = at.index(bytes.len() + 1);
                match kind {
                    0 => bytes.insert(i, byte),
                    1 if i < bytes.len() => bytes[i] = byte,
                    _ if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => bytes.push(byte),
                }
            }
            bytes
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn rendered_documents_read_alike(value in value(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            serde_json::to_string(&value).unwrap()
        };
        let ours = read(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        prop_assert!(agree(&ours, &value), "{ours:?} / {text}");
        let escaped = escaped(&value);
        let ours = read(escaped.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}: {escaped}")))?;
        prop_assert!(agree(&ours, &value), "{ours:?} / {escaped}");
    }

    #[test]
    fn compact_form_reads_back_exactly(tree in json()) {
        let text = tree.to_compact_string();
        prop_assert_eq!(read(text.as_bytes()), Ok(tree));
        same_answer(text.as_bytes())?;
    }

    #[test]
    fn mutated_documents_get_serde_json_answer(bytes in mutated()) {
        same_answer(&bytes)?;
    }

    #[test]
    fn any_bytes_parse_or_fail_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        same_answer(&bytes)?;
    }

    #[test]
    fn json_alphabet_soup_gets_serde_json_answer(
        bytes in prop::collection::vec(prop::sample::select(ALPHABET), 0..24)
    ) {
        same_answer(&bytes)?;
    }
}

/// Nothing in ramjet turns on serde_json's `arbitrary_precision` (it would change the JSON of
/// every program that embeds ramjet); policies and requests still read numbers digit for digit.
#[test]
fn numbers_are_exact_without_serde_json_arbitrary_precision() {
    assert!(
        serde_json::from_str::<Value>("1e400").is_err()
            && serde_json::to_string(&serde_json::from_str::<Value>("1.50").unwrap()).unwrap()
                == "1.5",
        "serde_json is built with `arbitrary_precision`: some crate of the build enables it"
    );
    assert_eq!(
        serde_json::json!({"b": 1, "a": 2}).to_string(),
        r#"{"a":2,"b":1}"#,
        "serde_json is built with `preserve_order`: some crate of the build enables it"
    );

    // A value beyond f64's exact integers (2^53 + 1), one past u64 and one beyond f64's range.
    let policy = |value: &str| {
        format!(
            r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {{"NumericEquals": {{"eas:Replicas": {value}}}}}}}]}}"#
        )
    };
    let decide = |value: &str, context: &str| {
        let parsed = parse_policy(policy(value).as_bytes(), PolicyKind::Identity)
            .unwrap_or_else(|e| panic!("{value}: {e:?}"));
        let request = parse_request(
            format!(r#"{{"action": "eas:X", "resource": "*", "context": {{"eas:Replicas": {context}}}}}"#)
                .as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{context}: {e:?}"));
        let set = ramjet_compiler::PolicySet {
            identity: vec![ramjet_compiler::NamedPolicy {
                name: "p".into(),
                resource_group: None,
                policy: parsed.policy,
            }],
            ..Default::default()
        };
        ramjet_engine::CompiledPolicySet::compile(&set)
            .unwrap()
            .decide(&request, &mut ramjet_engine::Scratch::default())
            .decision
    };
    use ramjet_engine::Decision::{Allow, ImplicitDeny};
    assert_eq!(decide("9007199254740993", "9007199254740993"), Allow);
    assert_eq!(decide("9007199254740993", "9007199254740992"), ImplicitDeny);
    assert_eq!(
        decide("18446744073709551616", "18446744073709551616"),
        Allow
    );
    assert_eq!(decide("1.50", "1.5"), Allow);
    assert_eq!(decide("1e400", "1E+400"), Allow);
    assert_eq!(decide("1e400", "1e399"), ImplicitDeny);
    assert_eq!(
        decide(
            "123456789012345678901234567890.1",
            "123456789012345678901234567890.10"
        ),
        Allow
    );

    // The reader keeps the text itself.
    let Ok(Json::Array(items)) =
        read(b"[1.50, -0, 9007199254740993, 1e400, 123456789012345678901234567890]")
    else {
        panic!("not an array");
    };
    let texts: Vec<&str> = items
        .iter()
        .map(|j| match j {
            Json::Number(n) => n.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        texts,
        [
            "1.50",
            "-0",
            "9007199254740993",
            "1e400",
            "123456789012345678901234567890"
        ]
    );
}
