//! `ramjet serve`'s JSON API bodies (`POST /v1/check`, `POST /v1/check/batch`) answered by the
//! functions the HTTP layer calls, against the corpus bundle: never a panic; `check` answers 200
//! with a decision exactly when the body reads as a request (and then the decision is the
//! reference interpreter's), else 400 with an error; `check_batch` answers 400 unless the body is
//! an array, else one answer per item in order, each a decision (the reference's) or an error
//! naming its item's index.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramjet_compiler::{load_bundle, parse_request, parse_request_batch};
use ramjet_engine::model::Bundle;
use ramjet_engine::Snapshot;
use ramjet_reference as reference;
use ramjet_serve::api;
use ramjet_serve::metrics::Metrics;
use serde_json::Value;
use std::sync::OnceLock;

struct Service {
    bundle: Bundle,
    snapshot: Snapshot,
    metrics: Metrics,
}

fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle");
        let bundle = load_bundle(&dir).expect("the corpus bundle loads");
        let snapshot = Snapshot::compile(&bundle, 7).expect("the corpus bundle compiles");
        Service {
            bundle,
            snapshot,
            metrics: Metrics::default(),
        }
    })
}

/// The reference's decision for `request`, as the answer's `decision` string.
fn reference_decision(service: &Service, request: &ramjet_engine::Request) -> &'static str {
    let policies = reference::bundle_policies(&service.bundle, request);
    reference::evaluate(&policies, request).decision.as_str()
}

fn assert_decided(answer: &Value, expected: &str) {
    assert_eq!(answer["decision"], expected, "{answer}");
    assert_eq!(answer["revision"], 7, "{answer}");
    assert!(answer["determining"].is_array(), "{answer}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let service = service();
    if selector % 2 == 0 {
        let reply = api::check(&service.snapshot, body, &service.metrics);
        let answer: Value = serde_json::from_str(&reply.body).expect("the answer is JSON");
        match parse_request(body) {
            Ok(request) => {
                assert_eq!(reply.status, 200);
                assert_decided(&answer, reference_decision(service, &request));
            }
            Err(_) => {
                assert_eq!(reply.status, 400);
                assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
            }
        }
        return;
    }
    let reply = api::check_batch(&service.snapshot, body, &service.metrics);
    let answer: Value = serde_json::from_str(&reply.body).expect("the answer is JSON");
    match parse_request_batch(body) {
        Err(_) => {
            assert_eq!(reply.status, 400);
            assert!(answer["error"].is_string());
        }
        Ok(items) if items.len() > api::MAX_BATCH_ITEMS => assert_eq!(reply.status, 413),
        Ok(items) => {
            assert_eq!(reply.status, 200);
            let answers = answer.as_array().expect("an array of answers");
            assert_eq!(answers.len(), items.len());
            for (i, (item, answer)) in items.iter().zip(answers).enumerate() {
                match item {
                    Ok(request) => assert_decided(answer, reference_decision(service, request)),
                    Err(_) => {
                        let error = answer["error"].as_str().expect("an error");
                        assert!(error.starts_with(&format!("[{i}]")), "{error}");
                    }
                }
            }
        }
    }
});
