//! `check_batch` against the reference interpreter: batches of requests over the corpus bundle
//! (every principal kind it has, several services, resources in and out of the account,
//! resource groups, contexts that satisfy and miss its conditions), in every column layout
//! (member columns in each string type, or whole request lines), each row's answer compared
//! with the reference reading of the bundle. And the batch's edges: nulls, wrong types, unknown
//! principal fields, malformed context, oversized strings, empty batches.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray, StructArray,
};
use arrow::datatypes::{DataType, Field, Fields, UInt64Type};
use ramjet_columnar::{answers_schema, check_batch, check_batches};
use ramjet_compiler::{load_bundle, one_line, parse_request};
use ramjet_engine::model::Bundle;
use ramjet_engine::Snapshot;
use std::path::Path;
use std::sync::Arc;

const ACCOUNT: &str = "1234567890123456";

fn bundle() -> Bundle {
    load_bundle(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle")).unwrap()
}

/// One request's parts; `None` is a null.
#[derive(Clone)]
struct Row {
    action: Option<String>,
    resource: Option<String>,
    principal: Option<Vec<(&'static str, String)>>,
    management: Option<bool>,
    context: Option<String>,
    group: Option<String>,
}

impl Row {
    fn line(&self) -> String {
        let mut object = serde_json::Map::new();
        if let Some(a) = &self.action {
            object.insert("action".into(), a.clone().into());
        }
        if let Some(r) = &self.resource {
            object.insert("resource".into(), r.clone().into());
        }
        if let Some(fields) = &self.principal {
            let mut p = serde_json::Map::new();
            for (k, v) in fields {
                p.insert((*k).into(), v.clone().into());
            }
            if let Some(m) = self.management {
                p.insert("management_account".into(), m.into());
            }
            object.insert("principal".into(), p.into());
        }
        if let Some(c) = &self.context {
            object.insert("context".into(), serde_json::from_str(c).unwrap());
        }
        if let Some(g) = &self.group {
            object.insert("resource_group".into(), g.clone().into());
        }
        serde_json::Value::Object(object).to_string()
    }
}

fn rows() -> Vec<Row> {
    let principals: Vec<Vec<(&'static str, String)>> = vec![
        vec![
            ("type", "RamUser".into()),
            ("account", ACCOUNT.into()),
            ("name", "alice".into()),
        ],
        vec![
            ("type", "RamUser".into()),
            ("account", ACCOUNT.into()),
            ("name", "bob".into()),
        ],
        vec![
            ("type", "RamUser".into()),
            ("account", ACCOUNT.into()),
            ("name", "dave".into()),
        ],
        vec![
            ("type", "RamUser".into()),
            ("account", "9876543210987654".into()),
            ("name", "erin".into()),
        ],
        vec![
            ("type", "AssumedRole".into()),
            ("account", ACCOUNT.into()),
            ("name", "pai-runner".into()),
            ("session", "s".into()),
        ],
        vec![("type", "RootAccount".into()), ("account", ACCOUNT.into())],
        vec![
            ("type", "Service".into()),
            ("service", "dataworks.aliyuncs.com".into()),
        ],
        vec![("type", "Anonymous".into())],
    ];
    let actions = [
        "eas:DescribeService",
        "eas:DeleteService",
        "eas:CreateService",
        "oss:GetObject",
        "sts:AssumeRole",
    ];
    let resources = [
        format!("acs:eas:cn-hangzhou:{ACCOUNT}:service/dev-llm"),
        format!("acs:eas:cn-hangzhou:{ACCOUNT}:service/prod-llm"),
        format!("acs:ram::{ACCOUNT}:role/pai-runner"),
        "*".to_string(),
    ];
    let contexts = [
        None,
        Some(r#"{"acs:SourceIp": "192.0.2.7", "acs:RequestedRegion": "cn-hangzhou"}"#.to_string()),
        Some(r#"{"acs:SourceIp": "203.0.113.9", "acs:MFAPresent": "true"}"#.to_string()),
    ];
    let mut out = Vec::new();
    let mut i = 0usize;
    for p in &principals {
        for a in actions {
            for r in &resources {
                out.push(Row {
                    action: Some(a.to_string()),
                    resource: Some(r.clone()),
                    principal: (i % 11 != 10).then(|| p.clone()),
                    management: i.is_multiple_of(5).then_some(i.is_multiple_of(10)),
                    context: contexts[i % 3].clone(),
                    group: i.is_multiple_of(7).then(|| "rg-pai-project".to_string()),
                });
                i += 1;
            }
        }
    }
    out
}

/// The principal struct column of `rows` (fields as given, `management_account` a boolean).
fn principal_column(rows: &[Row]) -> ArrayRef {
    let names = ["type", "account", "name", "session", "service"];
    let mut fields: Vec<(Arc<Field>, ArrayRef)> = names
        .iter()
        .map(|name| {
            let values: StringArray = rows
                .iter()
                .map(|r| {
                    r.principal
                        .as_ref()
                        .and_then(|p| p.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
                })
                .collect();
            (
                Arc::new(Field::new(*name, DataType::Utf8, true)),
                Arc::new(values) as ArrayRef,
            )
        })
        .collect();
    let flags: BooleanArray = rows.iter().map(|r| r.management).collect();
    fields.push((
        Arc::new(Field::new("management_account", DataType::Boolean, true)),
        Arc::new(flags),
    ));
    let nulls: Vec<bool> = rows.iter().map(|r| r.principal.is_some()).collect();
    let (fields, arrays): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    Arc::new(StructArray::new(
        Fields::from(fields),
        arrays,
        Some(nulls.into()),
    ))
}

/// A string column in one of Arrow's three string layouts.
fn strings(values: Vec<Option<String>>, layout: usize) -> ArrayRef {
    match layout % 3 {
        0 => Arc::new(StringArray::from(values)),
        1 => Arc::new(LargeStringArray::from(values)),
        _ => Arc::new(StringViewArray::from(values)),
    }
}

fn member_batch(rows: &[Row], layout: usize) -> RecordBatch {
    let column = |f: &dyn Fn(&Row) -> Option<String>| strings(rows.iter().map(f).collect(), layout);
    RecordBatch::try_from_iter(vec![
        ("action", column(&|r| r.action.clone())),
        ("resource", column(&|r| r.resource.clone())),
        ("principal", principal_column(rows)),
        ("context", column(&|r| r.context.clone())),
        ("resource_group", column(&|r| r.group.clone())),
    ])
    .unwrap()
}

fn line_batch(rows: &[Row]) -> RecordBatch {
    let lines: StringArray = rows.iter().map(|r| Some(r.line())).collect();
    RecordBatch::try_from_iter(vec![("request", Arc::new(lines) as ArrayRef)]).unwrap()
}

/// Each answer row against the reference interpreter's reading of the bundle.
fn assert_reference_answers(bundle: &Bundle, rows: &[Row], answers: &RecordBatch) {
    assert_eq!(answers.schema().as_ref(), &answers_schema());
    assert_eq!(answers.num_rows(), rows.len());
    let decision = answers.column(0).as_string::<i32>();
    let step = answers.column(1).as_string::<i32>();
    let determining = answers.column(2).as_list::<i32>();
    let revision = answers.column(3).as_primitive::<UInt64Type>();
    let error = answers.column(4).as_string::<i32>();
    let mut seen = std::collections::HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(revision.value(i), 7);
        match parse_request(row.line().as_bytes()) {
            Ok(request) => {
                let set = ramjet_reference::bundle_policies(bundle, &request);
                let expected = ramjet_reference::evaluate(&set, &request);
                assert!(error.is_null(i), "row {i}: {}", error.value(i));
                assert_eq!(
                    decision.value(i),
                    expected.decision.as_str(),
                    "row {i}: {}",
                    row.line()
                );
                assert_eq!(step.value(i), expected.step.as_str(), "row {i}");
                let entries = determining.value(i);
                let entries = entries.as_struct();
                let policies = entries.column(0).as_string::<i32>();
                let statements = entries.column(1).as_primitive::<UInt64Type>();
                let mut got: Vec<(String, u64)> = (0..entries.len())
                    .map(|k| (policies.value(k).to_string(), statements.value(k)))
                    .collect();
                let mut want: Vec<(String, u64)> = expected
                    .determining
                    .iter()
                    .map(|s| (s.policy.clone(), s.statement as u64))
                    .collect();
                got.sort();
                want.sort();
                assert_eq!(got, want, "row {i}: {}", row.line());
                seen.insert(expected.decision);
            }
            Err(diagnostics) => {
                assert!(decision.is_null(i) && step.is_null(i));
                assert_eq!(error.value(i), one_line(&diagnostics), "row {i}");
            }
        }
    }
    assert_eq!(seen.len(), 3, "every decision reached");
}

#[test]
fn every_layout_answers_as_the_reference_interpreter() {
    let bundle = bundle();
    let snapshot = Snapshot::compile(&bundle, 7).unwrap();
    let rows = rows();
    assert!(rows.len() > 150);
    for layout in 0..3 {
        let answers = check_batch(&snapshot, &member_batch(&rows, layout)).unwrap();
        assert_reference_answers(&bundle, &rows, &answers);
    }
    let answers = check_batch(&snapshot, &line_batch(&rows)).unwrap();
    assert_reference_answers(&bundle, &rows, &answers);
    // A table's chunks come back as one batch, in order.
    let (head, tail) = rows.split_at(37);
    let answers = check_batches(
        &snapshot,
        &[
            member_batch(head, 0),
            line_batch(tail),
            member_batch(&[], 1),
        ],
    )
    .unwrap();
    assert_reference_answers(&bundle, &rows, &answers);
}

#[test]
fn rows_that_cannot_be_read_get_evals_message_and_the_others_are_decided() {
    let bundle = bundle();
    let snapshot = Snapshot::compile(&bundle, 7).unwrap();
    let mut rows = rows();
    rows[0].action = None;
    rows[1].resource = None;
    rows[2].action = Some("eas:Describe*".into());
    rows[3].context = Some(r#"{"acs:SourceIp": ["a", {"b": 1}]}"#.into());
    rows[4].principal = Some(vec![("type", "Robot".into())]);
    rows[5].resource = Some("x".repeat(3_000_000));
    let answers = check_batch(&snapshot, &member_batch(&rows, 0)).unwrap();
    let error = answers.column(4).as_string::<i32>();
    for i in 0..6 {
        assert!(error.is_valid(i), "row {i} should be an error");
    }
    assert!(error.value(0).contains("action"), "{}", error.value(0));
    assert!(error.value(5).contains("resource"), "{}", error.value(5));
    assert_reference_answers(&bundle, &rows, &answers);
    // A context that is not JSON names the column.
    let mut bad = rows[10..12].to_vec();
    bad[0].context = None;
    let batch = member_batch(&bad, 0);
    let mut columns = batch.columns().to_vec();
    columns[3] = Arc::new(StringArray::from(vec![Some("{not json"), None]));
    let batch = RecordBatch::try_new(batch.schema(), columns).unwrap();
    let answers = check_batch(&snapshot, &batch).unwrap();
    let error = answers.column(4).as_string::<i32>();
    assert!(
        error.value(0).starts_with("context: not JSON"),
        "{}",
        error.value(0)
    );
    assert!(error.is_null(1));
}

#[test]
fn batches_with_wrong_columns_are_refused_with_the_column() {
    let bundle = bundle();
    let snapshot = Snapshot::compile(&bundle, 1).unwrap();
    let numbers: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
    let words: ArrayRef = Arc::new(StringArray::from(vec!["a:b", "c:d"]));
    let refused = |batch: RecordBatch| check_batch(&snapshot, &batch).unwrap_err().to_string();
    let e = refused(
        RecordBatch::try_from_iter(vec![
            ("action", numbers.clone()),
            ("resource", words.clone()),
        ])
        .unwrap(),
    );
    assert!(e.starts_with("column action: expected strings"), "{e}");
    let e = refused(RecordBatch::try_from_iter(vec![("request", numbers.clone())]).unwrap());
    assert!(e.starts_with("column request:"), "{e}");
    let e = refused(RecordBatch::try_from_iter(vec![("other", words.clone())]).unwrap());
    assert!(
        e.contains("no column action, resource or request") && e.contains("other"),
        "{e}"
    );
    let e = refused(
        RecordBatch::try_from_iter(vec![
            ("action", words.clone()),
            ("principal", words.clone()),
        ])
        .unwrap(),
    );
    assert!(e.starts_with("column principal: expected a struct"), "{e}");
    let odd = StructArray::from(vec![(
        Arc::new(Field::new("nickname", DataType::Utf8, true)),
        words.clone(),
    )]);
    let e = refused(
        RecordBatch::try_from_iter(vec![
            ("action", words.clone()),
            ("principal", Arc::new(odd) as ArrayRef),
        ])
        .unwrap(),
    );
    assert!(e.contains("unknown field \"nickname\""), "{e}");
    let flags = StructArray::from(vec![(
        Arc::new(Field::new("management_account", DataType::Utf8, true)),
        words.clone(),
    )]);
    let e = refused(
        RecordBatch::try_from_iter(vec![
            ("action", words.clone()),
            ("principal", Arc::new(flags) as ArrayRef),
        ])
        .unwrap(),
    );
    assert!(e.contains("management_account: expected booleans"), "{e}");
    // An empty batch is answered by an empty one.
    let empty = check_batch(&snapshot, &member_batch(&[], 0)).unwrap();
    assert_eq!(empty.num_rows(), 0);
    assert_eq!(empty.schema().as_ref(), &answers_schema());
}
