//! `columnar`: `ramjet_columnar::check_batch` on record batches built from generated requests
//! (`src/gen.rs`): member columns in a layout the input picks (utf8, large_utf8, utf8_view, or a
//! column of the wrong type), a principal struct, context as JSON text, or whole request lines;
//! members nulled at random. It must never panic; a batch it refuses must have a column of the
//! wrong type or no request column; otherwise every row is answered, in order: a row that reads
//! as a request with the reference interpreter's decision on the bundle, any other with `ramjet
//! eval`'s message.
#![no_main]

use arbitrary::Unstructured;
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray, StructArray,
};
use arrow::datatypes::{DataType, Field, Fields};
use libfuzzer_sys::fuzz_target;
use ramjet_compiler::model::{Account, Bundle, User};
use ramjet_compiler::{one_line, parse_request, PolicyKind};
use ramjet_engine::Snapshot;
use ramjet_fuzz::{fixed_policy, gen};
use serde_json::Value;
use std::sync::{Arc, OnceLock};

const POLICY: &str = r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": ["eas:*", "oss:Get*"], "Resource": "*"},
  {"Effect": "Deny", "Action": "eas:Delete*", "Resource": "*", "Condition": {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}"#;

fn bundle() -> &'static (Bundle, Snapshot) {
    static BUNDLE: OnceLock<(Bundle, Snapshot)> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let mut bundle = Bundle::default();
        bundle.policies.insert("P".into(), fixed_policy(POLICY, PolicyKind::Identity));
        let mut account = Account::default();
        for name in ["alice", "bob"] {
            account.users.insert(name.into(), User { policies: vec!["P".into()], groups: Vec::new() });
        }
        bundle.accounts.insert("1111".into(), account);
        let snapshot = match Snapshot::compile(&bundle, 3) {
            Ok(s) => s,
            Err(e) => panic!("fixed bundle: {e}"),
        };
        (bundle, snapshot)
    })
}

const PRINCIPAL_FIELDS: [&str; 7] = ["type", "account", "name", "session", "service", "provider", "id"];

/// A string column in layout `layout` (3: the wrong type).
fn strings(values: Vec<Option<String>>, layout: u8) -> ArrayRef {
    match layout {
        0 => Arc::new(StringArray::from(values)),
        1 => Arc::new(LargeStringArray::from(values)),
        2 => Arc::new(StringViewArray::from(values)),
        _ => Arc::new(Int64Array::from(values.iter().map(|v| v.as_ref().map(|s| s.len() as i64)).collect::<Vec<_>>())),
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(rows) = u.int_in_range(0..=6usize) else { return };
    let mut requests: Vec<Value> = Vec::new();
    for _ in 0..rows {
        let Ok((mut request, _)) = gen::request(&mut u) else { return };
        for member in ["action", "resource", "principal", "context", "resource_group"] {
            if u.ratio(1, 8u8).unwrap_or(false) {
                if let Some(object) = request.as_object_mut() {
                    object.remove(member);
                }
            }
        }
        requests.push(request);
    }
    let Ok(lines) = u.ratio(1, 4u8) else { return };
    let Ok(layouts) = u.arbitrary::<[u8; 5]>() else { return };
    let layout = |i: usize| layouts[i] % 7 % 4; // mostly valid layouts, sometimes the wrong type
    let column = |i: usize, member: &str| {
        strings(requests.iter().map(|r| text(r.get(member))).collect(), layout(i))
    };
    let batch = if lines {
        RecordBatch::try_from_iter(vec![(
            "request",
            strings(requests.iter().map(|r| Some(r.to_string())).collect(), layout(0)),
        )])
    } else {
        let mut fields: Vec<(Arc<Field>, ArrayRef)> = PRINCIPAL_FIELDS
            .iter()
            .map(|f| {
                let values: StringArray = requests
                    .iter()
                    .map(|r| text(r.get("principal").and_then(|p| p.get(*f))))
                    .collect();
                (Arc::new(Field::new(*f, DataType::Utf8, true)), Arc::new(values) as ArrayRef)
            })
            .collect();
        let flags: BooleanArray = requests
            .iter()
            .map(|r| r.get("principal").and_then(|p| p.get("management_account")).and_then(Value::as_bool))
            .collect();
        fields.push((Arc::new(Field::new("management_account", DataType::Boolean, true)), Arc::new(flags)));
        let present: Vec<bool> = requests.iter().map(|r| r.get("principal").is_some_and(Value::is_object)).collect();
        let (names, arrays): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
        let principal = StructArray::new(Fields::from(names), arrays, Some(present.into()));
        RecordBatch::try_from_iter(vec![
            ("action", column(0, "action")),
            ("resource", column(1, "resource")),
            ("principal", Arc::new(principal) as ArrayRef),
            ("context", column(3, "context")),
            ("resource_group", column(4, "resource_group")),
        ])
    };
    let Ok(batch) = batch else { return };
    let (bundle, snapshot) = bundle();
    let answers = match ramjet_columnar::check_batch(snapshot, &batch) {
        Ok(answers) => answers,
        Err(e) => {
            let wrong = (0..5).any(|i| layout(i) == 3);
            assert!(wrong, "refused a batch with every column well typed: {e}");
            return;
        }
    };
    assert_eq!(answers.num_rows(), requests.len());
    let rows = ramjet_columnar::rows::Rows::of(&batch).expect("accepted batch has readable rows");
    let decision = answers.column(0).as_string::<i32>();
    let error = answers.column(4).as_string::<i32>();
    for row in 0..requests.len() {
        let line = rows.line(row);
        match line.as_deref().map(|l| parse_request(l.as_bytes())) {
            Ok(Ok(request)) => {
                let set = ramjet_reference::bundle_policies(bundle, &request);
                let expected = ramjet_reference::evaluate(&set, &request);
                assert!(error.is_null(row), "row {row}: {}", error.value(row));
                assert_eq!(decision.value(row), expected.decision.as_str(), "row {row}: {line:?}");
            }
            Ok(Err(diagnostics)) => assert_eq!(error.value(row), one_line(&diagnostics)),
            Err(message) => assert_eq!(error.value(row), message),
        }
    }
});
