//! `ramjet serve` as a process on a loopback port, called with a real HTTP client: its answers
//! equal `ramjet eval`'s on the same requests, batches equal single calls, unrouted calls are
//! denied, a reload during a stream of calls drops none and every answer is the one its revision
//! gives, a broken bundle keeps the last good one, the metrics page parses, SIGTERM exits 0.
//! Every loop is bounded in count and time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The requests of the examples file plus a missing principal, a malformed call and a wrong
/// type.
fn requests() -> Vec<String> {
    let mut lines: Vec<String> = std::fs::read_to_string(corpus().join("examples/requests.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.push(r#"{"action": "eas:CreateService", "resource": "acs:eas:cn-hangzhou:1234567890123456:service/x"}"#.into());
    lines.push(r#"{"action": "eas:CreateService", "resource": "#.into());
    lines.push(
        r#"{"action": "eas:CreateService", "resource": "*", "principal": {"type": "Robot"}}"#
            .into(),
    );
    lines.push(ALICE_LISTS.into());
    lines
}

#[test]
fn answers_equal_ramjet_eval_and_batches_equal_single_calls() {
    let bundle = corpus().join("bundle");
    let requests = requests();
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-requests.jsonl");
    std::fs::write(&file, requests.join("\n") + "\n").unwrap();
    let eval = Command::new(env!("CARGO_BIN_EXE_ramjet"))
        .args(["eval", "--bundle"])
        .arg(&bundle)
        .arg("--requests")
        .arg(&file)
        .output()
        .unwrap();
    let expected: Vec<Value> = String::from_utf8(eval.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(expected.len(), requests.len());

    let service = Service::start(&bundle);
    let mut singles = Vec::new();
    for (request, want) in requests.iter().zip(&expected) {
        let reply = service.post("/v1/check", request);
        assert_eq!(reply.revision, Some(1));
        let got: Value = serde_json::from_str(&reply.body).unwrap();
        match want.get("error") {
            // eval: {"line": N, "error": E}; the service: 400 {"error": E}.
            Some(error) => {
                assert_eq!(reply.status, 400, "{request}: {}", reply.body);
                assert_eq!(&got["error"], error, "{request}");
            }
            None => {
                assert_eq!(reply.status, 200, "{request}: {}", reply.body);
                assert_eq!(&got, want, "{request}");
            }
        }
        singles.push(got);
    }
    // Every request but the one that is not JSON (it would break the array).
    let (items, singles): (Vec<&String>, Vec<&Value>) = requests
        .iter()
        .zip(&singles)
        .filter(|(request, _)| serde_json::from_str::<Value>(request).is_ok())
        .unzip();
    assert_eq!(items.len(), requests.len() - 1);
    let batch = service.post(
        "/v1/check/batch",
        &format!(
            "[{}]",
            items
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
    );
    assert_eq!(batch.status, 200, "{}", batch.body);
    let answers: Vec<Value> = serde_json::from_str(&batch.body).unwrap();
    assert_eq!(answers.len(), items.len());
    for (i, (answer, single)) in answers.iter().zip(singles).enumerate() {
        match single.get("error") {
            // A batch item's path starts with its index.
            Some(_) => assert!(
                answer["error"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("[{i}]")),
                "{answer}"
            ),
            None => assert_eq!(answer, single),
        }
    }
    // A body that is not an array of requests, and an empty batch.
    let not_array = service.post("/v1/check/batch", ALICE_LISTS);
    assert_eq!(not_array.status, 400, "{}", not_array.body);
    assert_eq!(service.post("/v1/check/batch", "[]").body, "[]");
}

#[test]
fn unrouted_calls_are_denied_and_operations_pages_answer() {
    let service = Service::start(&corpus().join("bundle"));
    for path in ["/eas/api/v2/services", "/", "/v1/check/other"] {
        let reply = service.get(path);
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["decision"], "ImplicitDeny");
        assert!(body["reason"].as_str().unwrap().contains(path), "{body}");
    }
    assert_eq!(service.get("/health").status, 200);
    assert_eq!(service.get("/ready").status, 200);
    service.post("/v1/check", ALICE_LISTS);
    service.post("/v1/check", "{");
    let metrics = service.get("/metrics");
    assert_eq!(metrics.status, 200);
    let samples = parse_metrics(&metrics.body);
    let value = |name: &str| {
        samples
            .iter()
            .filter(|(n, _)| n.starts_with(name))
            .map(|(_, v)| v)
            .sum::<f64>()
    };
    assert_eq!(value("ramjet_decisions_total{decision=\"Allow\""), 1.0);
    assert_eq!(value("ramjet_unreadable_requests_total"), 1.0);
    assert_eq!(value("ramjet_unrouted_calls_total"), 3.0);
    assert_eq!(value("ramjet_bundle_revision"), 1.0);
    assert_eq!(value("ramjet_decide_seconds_count"), 1.0);
    // Every answered call is timed whole, by source: two checks, three forwarded calls.
    assert_eq!(value("ramjet_call_seconds_count{source=\"check\""), 2.0);
    assert_eq!(
        value("ramjet_call_seconds_count{source=\"http_authz\""),
        3.0
    );
    assert_eq!(
        value("ramjet_call_seconds_bucket{le=\"+Inf\",source=\"check\""),
        2.0
    );
}

#[test]
fn a_reload_during_calls_drops_none_and_a_broken_bundle_keeps_the_last_good_one() {
    let bundle = bundle_copy("reload");
    let service = Service::start(&bundle);
    let first = service.post("/v1/check", ALICE_LISTS);
    assert_eq!(first.revision, Some(1));
    assert!(first.body.contains("\"Allow\""), "{}", first.body);

    // Calls run on another thread while the policy alice lists with turns into a Deny.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let caller = {
        let stop = stop.clone();
        let (agent, url) = (service.agent.clone(), format!("{}/v1/check", service.base));
        std::thread::spawn(move || {
            let mut answers = Vec::new();
            let started = Instant::now();
            while !stop.load(std::sync::atomic::Ordering::Relaxed)
                && answers.len() < 20_000
                && started.elapsed() < Duration::from_secs(30)
            {
                let response = agent.post(&url).send(ALICE_LISTS).unwrap();
                answers.push(Service::read(response));
            }
            answers
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    std::fs::write(
        bundle.join("policies/EasListServices.json"),
        r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "eas:ListServices", "Resource": "*"}]}"#,
    )
    .unwrap();
    let after = wait_for_revision(&service, 2);
    assert_eq!(after.revision, Some(2), "no reload: {}", after.body);
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answers = caller.join().unwrap();
    assert!(answers.len() > 10, "{} calls", answers.len());
    let mut seen = [0usize; 3];
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        let revision = body["revision"].as_u64().unwrap();
        assert_eq!(answer.revision, Some(revision));
        // Each revision decides the same way every time.
        let want = match revision {
            1 => "Allow",
            2 => "ExplicitDeny",
            other => panic!("revision {other}"),
        };
        assert_eq!(body["decision"], want, "{body}");
        seen[revision as usize] += 1;
    }
    assert!(seen[1] > 0 && seen[2] > 0, "{seen:?}");

    // A broken policy file: refused, revision 2 keeps deciding.
    std::fs::write(
        bundle.join("policies/EasListServices.json"),
        "{\"Version\": ",
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let refused = loop {
        let samples = parse_metrics(&service.get("/metrics").body);
        let refused = samples
            .iter()
            .any(|(name, value)| name.contains("result=\"refused\"") && *value >= 1.0);
        if refused || Instant::now() > deadline {
            break refused;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(refused, "the broken bundle was not reported");
    let kept = service.post("/v1/check", ALICE_LISTS);
    assert_eq!(kept.revision, Some(2));
    assert!(kept.body.contains("\"ExplicitDeny\""), "{}", kept.body);
}

#[test]
fn the_admin_endpoint_reloads_now_and_says_whether_the_bundle_decides() {
    let bundle = bundle_copy("admin");
    let service = Service::start_with(&bundle, &["--admin", "127.0.0.1:0"]);
    assert!(service
        .admin
        .as_ref()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    // The admin listener serves reloads only; the main listener has no reload.
    let main = service.post("/v1/reload", "");
    assert_eq!(main.status, 403, "{}", main.body);

    let (status, body) = admin_reload(&service);
    assert_eq!((status, &body["result"]), (200, &Value::from("swapped")));
    assert_eq!(body["revision"], 2);
    assert_eq!(service.post("/v1/check", ALICE_LISTS).revision, Some(2));

    // A broken file: refused with the reason, revision 2 keeps deciding.
    std::fs::write(
        bundle.join("policies/EasListServices.json"),
        "{\"Version\": ",
    )
    .unwrap();
    let (status, body) = admin_reload(&service);
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["result"], "refused");
    assert_eq!(body["revision"], 2);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("EasListServices.json"),
        "{body}"
    );
    let kept = service.post("/v1/check", ALICE_LISTS);
    assert_eq!(kept.revision, Some(2));
    assert!(kept.body.contains("\"Allow\""), "{}", kept.body);

    // Fixed into a Deny: the answer names the revision that now decides, and it denies.
    std::fs::write(
        bundle.join("policies/EasListServices.json"),
        r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "eas:ListServices", "Resource": "*"}]}"#,
    )
    .unwrap();
    let (status, body) = admin_reload(&service);
    assert_eq!(
        (status, &body["result"]),
        (200, &Value::from("swapped")),
        "{body}"
    );
    let swapped = body["revision"].as_u64().unwrap();
    assert!(swapped >= 3, "{body}");
    let after = service.post("/v1/check", ALICE_LISTS);
    assert!(after.revision.unwrap() >= swapped);
    assert!(after.body.contains("\"ExplicitDeny\""), "{}", after.body);
}

#[test]
fn an_admin_address_off_loopback_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_ramjet"))
        .args([
            "serve",
            "--http",
            "127.0.0.1:0",
            "--admin",
            "0.0.0.0:0",
            "--bundle",
        ])
        .arg(corpus().join("bundle"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--admin 0.0.0.0:0") && stderr.contains("loopback"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn sigterm_exits_zero() {
    let mut service = Service::start(&corpus().join("bundle"));
    assert_eq!(service.post("/v1/check", ALICE_LISTS).status, 200);
    let status = Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // The service gives calls in flight 10 s; it must be gone well within 30.
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(status) = service.child.try_wait().unwrap() {
            break status.code();
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(code, Some(0));
}

#[test]
fn a_bundle_that_does_not_load_stops_the_start_with_the_reason() {
    let bundle = bundle_copy("broken-at-start");
    std::fs::write(bundle.join("policies/PaiDeveloper.json"), "[").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ramjet"))
        .args(["serve", "--http", "127.0.0.1:0", "--bundle"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PaiDeveloper.json"), "{stderr}");
    assert!(output.stdout.is_empty());
}

const ROUTES: &str = r#"{
  "source": "a test route file for the corpus bundle",
  "account": "1234567890123456",
  "trusted_proxies": 1,
  "context_headers": {"acs:RequestedRegion": "x-region", "acs:UserAgent": "user-agent"},
  "routes": [
    {"method": "GET", "path": "/api/v2/services", "action": "eas:ListServices", "resource": "*"},
    {"method": "GET", "path": "/api/v2/services/{ClusterId}/{ServiceName}",
     "action": "eas:DescribeService", "resource": "acs:eas:{ClusterId}:{account}:service/{ServiceName}"},
    {"method": "DELETE", "path": "/api/v2/services/{ClusterId}/{ServiceName}",
     "action": "eas:DeleteService", "resource": "acs:eas:{ClusterId}:{account}:service/{ServiceName}"}
  ]
}"#;

const ALICE: &str = r#"{"type": "RamUser", "account": "1234567890123456", "name": "alice"}"#;

/// The decision `ramjet eval` gives the request a forwarded call should map to.
fn eval_decision(action: &str, resource: &str, ip: &str) -> String {
    let request = format!(
        r#"{{"action": "{action}", "resource": "{resource}", "principal": {ALICE}, "context": {{"acs:SourceIp": "{ip}", "acs:RequestedRegion": "cn-hangzhou", "acs:SecureTransport": "false"}}}}"#
    );
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-eval-{action}.jsonl"));
    std::fs::write(&file, request + "\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ramjet"))
        .args(["eval", "--bundle"])
        .arg(corpus().join("bundle"))
        .arg("--requests")
        .arg(&file)
        .output()
        .unwrap();
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    line["decision"].as_str().unwrap().to_string()
}

#[test]
fn the_decision_log_has_a_line_per_decided_call() {
    let routes = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-log-routes.json");
    std::fs::write(&routes, ROUTES).unwrap();
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-decisions.jsonl");
    let _ = std::fs::remove_file(&log);
    let mut service = Service::start_with(
        &corpus().join("bundle"),
        &[
            "--routes",
            routes.to_str().unwrap(),
            "--decision-log",
            log.to_str().unwrap(),
        ],
    );
    let office = [
        ("x-ramjet-principal", ALICE),
        ("x-forwarded-for", "192.0.2.7"),
        ("x-region", "cn-hangzhou"),
    ];
    let mut expected = Vec::new();
    let single = service.post("/v1/check", ALICE_LISTS);
    expected.push((
        "check",
        serde_json::from_str::<Value>(&single.body).unwrap()["decision"].clone(),
    ));
    let batch = service.post(
        "/v1/check/batch",
        &format!("[{ALICE_LISTS}, {{\"action\": 1}}, {ALICE_LISTS}]"),
    );
    for answer in serde_json::from_str::<Vec<Value>>(&batch.body).unwrap() {
        if answer.get("decision").is_some() {
            expected.push(("batch", answer["decision"].clone()));
        }
    }
    let authz = service.call("DELETE", "/api/v2/services/cn-hangzhou/prod-llm", &office);
    expected.push((
        "http_authz",
        serde_json::from_str::<Value>(&authz.body).unwrap()["decision"].clone(),
    ));
    // Not decided, so not logged: an unreadable request and an unrouted call.
    service.post("/v1/check", "{");
    service.call("GET", "/nowhere", &office);

    // SIGTERM: the writer finishes the queue before the process exits.
    Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while service.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    let mut ids: Vec<u64> = lines.iter().map(|l| l["id"].as_u64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=expected.len() as u64).collect::<Vec<_>>());
    // Calls were made one after another: the log is in their order.
    for (line, (source, decision)) in lines.iter().zip(&expected) {
        assert_eq!(line["source"], *source, "{line}");
        assert_eq!(&line["decision"], decision, "{line}");
        assert_eq!(line["revision"], 1);
        assert_eq!(line["principal"], "acs:ram::1234567890123456:user/alice");
        assert!(line["time"].as_str().unwrap().ends_with('Z'), "{line}");
        assert!(line["determining"].is_array());
    }
    let delete = lines.last().unwrap();
    assert_eq!(delete["action"], "eas:DeleteService");
    assert_eq!(delete["decision"], "ExplicitDeny");
    assert_eq!(delete["determining"][0]["policy"], "PaiDeveloper");
}

#[test]
fn forwarded_calls_are_mapped_by_the_route_file_and_decided_as_eval_decides() {
    let routes = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-routes.json");
    std::fs::write(&routes, ROUTES).unwrap();
    let service = Service::start_with(
        &corpus().join("bundle"),
        &["--routes", routes.to_str().unwrap()],
    );
    let office = [
        ("x-ramjet-principal", ALICE),
        ("x-forwarded-for", "192.0.2.7"),
        ("x-region", "cn-hangzhou"),
    ];
    let cases = [
        ("GET", "/api/v2/services", "eas:ListServices", "*"),
        (
            "GET",
            "/api/v2/services/cn-hangzhou/dev-llm",
            "eas:DescribeService",
            "acs:eas:cn-hangzhou:1234567890123456:service/dev-llm",
        ),
        (
            "DELETE",
            "/api/v2/services/cn-hangzhou/prod-llm",
            "eas:DeleteService",
            "acs:eas:cn-hangzhou:1234567890123456:service/prod-llm",
        ),
    ];
    let mut statuses = Vec::new();
    // (route label, decision) of every decided call, from `ramjet eval`'s decisions.
    let mut by_route: Vec<(String, String)> = Vec::new();
    let labels = [
        "GET /api/v2/services",
        "GET /api/v2/services/{ClusterId}/{ServiceName}",
        "DELETE /api/v2/services/{ClusterId}/{ServiceName}",
    ];
    for ((method, path, action, resource), label) in cases.into_iter().zip(labels) {
        let reply = service.call(method, path, &office);
        let want = eval_decision(action, resource, "192.0.2.7");
        by_route.push((label.to_string(), want.clone()));
        let want_status = if want == "Allow" { 200 } else { 403 };
        assert_eq!(reply.status, want_status, "{method} {path}: {}", reply.body);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["decision"], want.as_str(), "{body}");
        assert_eq!(body["action"], action);
        assert_eq!(body["resource"], resource);
        assert_eq!(reply.revision, Some(1));
        statuses.push(reply.status);
    }
    // The bundle allows listing and denies deleting production services.
    assert!(
        statuses.contains(&200) && statuses.contains(&403),
        "{statuses:?}"
    );

    // The same call from outside the office network: the address is the one a hop from the
    // right of x-forwarded-for (one trusted proxy), not the peer's.
    let outside = service.call(
        "GET",
        "/api/v2/services",
        &[
            ("x-ramjet-principal", ALICE),
            ("x-forwarded-for", "192.0.2.7, 203.0.113.9"),
            ("x-region", "cn-hangzhou"),
        ],
    );
    let want = eval_decision("eas:ListServices", "*", "203.0.113.9");
    let body: Value = serde_json::from_str(&outside.body).unwrap();
    assert_eq!(body["decision"], want.as_str(), "{body}");
    by_route.push((labels[0].to_string(), want));

    // forward_auth: the original call in x-forwarded-method and x-forwarded-uri.
    let forwarded = service.call(
        "POST",
        "/auth",
        &[
            ("x-forwarded-method", "GET"),
            ("x-forwarded-uri", "/api/v2/services?PageSize=10"),
            ("x-ramjet-principal", ALICE),
            ("x-forwarded-for", "192.0.2.7"),
            ("x-region", "cn-hangzhou"),
        ],
    );
    assert_eq!(forwarded.status, statuses[0], "{}", forwarded.body);
    by_route.push(by_route[0].clone());

    // Denied before any policy: no principal, a malformed one, an unknown route, a placeholder
    // holding '/'.
    for (method, path, headers, reason) in [
        ("GET", "/api/v2/services", vec![], "no principal"),
        (
            "GET",
            "/api/v2/services",
            vec![("x-ramjet-principal", "{\"type\": \"RamUser\"")],
            "not a JSON principal",
        ),
        (
            "GET",
            "/api/v2/services",
            vec![("x-ramjet-principal", r#"{"type": "Robot"}"#)],
            "principal",
        ),
        (
            "GET",
            "/api/v2/other",
            vec![("x-ramjet-principal", ALICE)],
            "no route",
        ),
        (
            "GET",
            "/api/v2/services/cn-hangzhou/a%2Fb",
            vec![("x-ramjet-principal", ALICE)],
            "holds '/'",
        ),
    ] {
        let reply = service.call(method, path, &headers);
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["decision"], "ImplicitDeny");
        assert!(
            body["reason"].as_str().unwrap().contains(reason),
            "{reason}: {body}"
        );
    }

    // Decisions by route: every decided call counted under its route and decision; the calls
    // denied before any policy are not decisions (they are unrouted or unreadable).
    let samples = parse_metrics(&service.get("/metrics").body);
    for label in labels {
        for decision in ["Allow", "ExplicitDeny", "ImplicitDeny"] {
            let want = by_route
                .iter()
                .filter(|(l, d)| l == label && d == decision)
                .count() as f64;
            let name = format!(
                "ramjet_route_decisions_total{{route=\"{label}\",decision=\"{decision}\"}}"
            );
            let got = samples.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
            assert_eq!(got, Some(want), "{name}");
        }
    }
}

#[test]
fn a_route_file_with_an_unknown_action_or_placeholder_stops_the_start_with_file_and_line() {
    for (text, line, reason) in [
        (
            ROUTES.replace("eas:DeleteService", "eas:DeleteEverything"),
            10,
            "eas:DeleteEverything",
        ),
        (
            ROUTES.replace(
                "service/{ServiceName}\"},\n    {\"method\": \"DELETE\"",
                "service/{Name}\"},\n    {\"method\": \"DELETE\"",
            ),
            8,
            "{Name}",
        ),
        (
            ROUTES.replace("\"routes\": [", "\"routes\": [,"),
            6,
            "line 6",
        ),
    ] {
        let routes = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-bad-routes.json");
        std::fs::write(&routes, &text).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_ramjet"))
            .args(["serve", "--http", "127.0.0.1:0", "--bundle"])
            .arg(corpus().join("bundle"))
            .arg("--routes")
            .arg(&routes)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("serve-bad-routes.json: line {line}")),
            "{stderr}"
        );
        assert!(stderr.contains(reason), "{stderr}");
    }
}

#[test]
fn the_shipped_eas_route_file_loads_and_maps_the_eas_api() {
    let mut routes: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("routes/eas.json")).unwrap())
            .unwrap();
    let count = routes["routes"].as_array().unwrap().len();
    assert_eq!(count, 97);
    // A deployment's copy: its account, and the office address behind one proxy.
    routes["account"] = "1234567890123456".into();
    routes["region"] = "cn-hangzhou".into();
    routes["trusted_proxies"] = 1.into();
    routes["context_headers"] = serde_json::json!({"acs:RequestedRegion": "x-region"});
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-eas-routes.json");
    std::fs::write(&file, routes.to_string()).unwrap();
    let service = Service::start_with(
        &corpus().join("bundle"),
        &["--routes", file.to_str().unwrap()],
    );
    let office = [
        ("x-ramjet-principal", ALICE),
        ("x-forwarded-for", "192.0.2.7"),
        ("x-region", "cn-hangzhou"),
    ];
    for (method, path, action, resource) in [
        (
            "GET",
            "/api/v2/services",
            "eas:ListServices",
            "acs:eas:cn-hangzhou:1234567890123456:service/*",
        ),
        (
            "GET",
            "/api/v2/services/cn-hangzhou/dev-llm",
            "eas:DescribeService",
            "acs:eas:cn-hangzhou:1234567890123456:service/dev-llm",
        ),
        (
            "DELETE",
            "/api/v2/services/cn-hangzhou/prod-llm",
            "eas:DeleteService",
            "acs:eas:cn-hangzhou:1234567890123456:service/prod-llm",
        ),
    ] {
        let reply = service.call(method, path, &office);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["action"], action, "{method} {path}: {body}");
        assert_eq!(body["resource"], resource, "{body}");
        assert_eq!(
            body["decision"],
            eval_decision(action, resource, "192.0.2.7").as_str()
        );
    }
}

/// A gRPC `CheckRequest` as Envoy sends it: the peer, the method, the path with its query and
/// the headers.
fn check_request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> envoy_types::ext_authz::v3::pb::CheckRequest {
    use envoy_types::pb::envoy::config::core::v3::{address, socket_address, SocketAddress};
    use envoy_types::pb::envoy::service::auth::v3::attribute_context::{
        HttpRequest, Peer, Request,
    };
    use envoy_types::pb::envoy::service::auth::v3::AttributeContext;
    let source = Peer {
        address: Some(envoy_types::pb::envoy::config::core::v3::Address {
            address: Some(address::Address::SocketAddress(SocketAddress {
                address: "127.0.0.1".into(),
                port_specifier: Some(socket_address::PortSpecifier::PortValue(40000)),
                ..Default::default()
            })),
        }),
        ..Default::default()
    };
    let http = HttpRequest {
        method: method.into(),
        path: path.into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    envoy_types::ext_authz::v3::pb::CheckRequest {
        attributes: Some(AttributeContext {
            source: Some(source),
            request: Some(Request {
                http: Some(http),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

#[test]
fn grpc_ext_authz_decides_as_the_http_mode_and_denies_what_it_cannot_map() {
    use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
    use envoy_types::pb::envoy::service::auth::v3::check_response::HttpResponse;
    let routes = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-grpc-routes.json");
    std::fs::write(&routes, ROUTES).unwrap();
    let service = Service::start_with(
        &corpus().join("bundle"),
        &[
            "--routes",
            routes.to_str().unwrap(),
            "--grpc",
            "127.0.0.1:0",
        ],
    );
    let grpc = service.grpc.clone().expect("a gRPC listener");
    let office = [
        ("x-ramjet-principal", ALICE),
        ("x-forwarded-for", "192.0.2.7"),
        ("x-region", "cn-hangzhou"),
    ];
    let calls = [
        ("GET", "/api/v2/services?PageSize=10", office.to_vec()),
        (
            "DELETE",
            "/api/v2/services/cn-hangzhou/prod-llm",
            office.to_vec(),
        ),
        ("GET", "/api/v2/services", vec![]),
        ("GET", "/unknown", office.to_vec()),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = AuthorizationClient::connect(format!("http://{grpc}"))
            .await
            .unwrap();
        for (method, path, headers) in &calls {
            // The HTTP mode's answer to the same call is the oracle.
            let http = service.call(method, path, headers);
            let response = client
                .check(check_request(method, path, headers))
                .await
                .expect("never a gRPC error")
                .into_inner();
            let code = response.status.as_ref().map(|s| s.code).unwrap_or(-1);
            match http.status {
                200 => {
                    assert_eq!(code, 0, "{method} {path}");
                    let Some(HttpResponse::OkResponse(ok)) = &response.http_response else {
                        panic!("{response:?}");
                    };
                    assert!(ok.headers.iter().any(|h| h
                        .header
                        .as_ref()
                        .is_some_and(|h| h.key == "x-ramjet-revision" && h.value == "1")));
                }
                _ => {
                    assert_eq!(code, 7, "{method} {path}: {response:?}");
                    let Some(HttpResponse::DeniedResponse(denied)) = &response.http_response else {
                        panic!("{response:?}");
                    };
                    assert_eq!(denied.status.as_ref().map(|s| s.code), Some(403));
                    assert_eq!(denied.body, http.body, "{method} {path}");
                }
            }
        }
        // A CheckRequest without attributes: denied, not an error.
        let empty = client
            .check(envoy_types::ext_authz::v3::pb::CheckRequest::default())
            .await
            .expect("never a gRPC error")
            .into_inner();
        assert_eq!(empty.status.map(|s| s.code), Some(7));
    });
    // The decisions of the two modes on the first two calls: one allowed, one denied.
    assert_eq!(service.call("GET", "/api/v2/services", &office).status, 200);
    assert_eq!(
        service
            .call("DELETE", "/api/v2/services/cn-hangzhou/prod-llm", &office)
            .status,
        403
    );
    // Five gRPC calls answered (the four and the empty one), each timed whole.
    let samples = parse_metrics(&service.get("/metrics").body);
    let grpc_calls: f64 = samples
        .iter()
        .filter(|(n, _)| n == "ramjet_call_seconds_count{source=\"grpc_authz\"}")
        .map(|(_, v)| v)
        .sum();
    assert_eq!(grpc_calls, 5.0);
}

/// A protobuf `Struct` of string fields.
fn string_struct(fields: &[(&str, &str)]) -> envoy_types::pb::google::protobuf::Struct {
    use envoy_types::pb::google::protobuf::{value::Kind, Struct, Value as ProtoValue};
    Struct {
        fields: fields
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    ProtoValue {
                        kind: Some(Kind::StringValue(v.to_string())),
                    },
                )
            })
            .collect(),
    }
}

#[test]
fn grpc_takes_the_principal_from_verified_jwt_claims() {
    use envoy_types::pb::envoy::config::core::v3::Metadata;
    use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
    use envoy_types::pb::google::protobuf::{value::Kind, Struct, Value as ProtoValue};
    let mut routes: Value = serde_json::from_str(ROUTES).unwrap();
    routes["principal_claims"] = serde_json::json!({
        "metadata": "envoy.filters.http.jwt_authn", "payload": "jwt_payload",
        "type": "RamUser", "account": "acs_account", "name": "sub"});
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-jwt-routes.json");
    std::fs::write(&file, routes.to_string()).unwrap();
    let service = Service::start_with(
        &corpus().join("bundle"),
        &["--routes", file.to_str().unwrap(), "--grpc", "127.0.0.1:0"],
    );
    let grpc = service.grpc.clone().unwrap();
    let with_claims = |claims: &[(&str, &str)]| {
        let mut request = check_request(
            "GET",
            "/api/v2/services",
            &[
                ("x-forwarded-for", "192.0.2.7"),
                ("x-region", "cn-hangzhou"),
            ],
        );
        let payload = ProtoValue {
            kind: Some(Kind::StructValue(string_struct(claims))),
        };
        let namespace = Struct {
            fields: [("jwt_payload".to_string(), payload)].into_iter().collect(),
        };
        if let Some(attributes) = request.attributes.as_mut() {
            attributes.metadata_context = Some(Metadata {
                filter_metadata: [("envoy.filters.http.jwt_authn".to_string(), namespace)]
                    .into_iter()
                    .collect(),
                ..Default::default()
            });
        }
        request
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = AuthorizationClient::connect(format!("http://{grpc}"))
            .await
            .unwrap();
        let alice = client
            .check(with_claims(&[
                ("sub", "alice"),
                ("acs_account", "1234567890123456"),
            ]))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(alice.status.map(|s| s.code), Some(0));
        // dave has no policy that lists services.
        let dave = client
            .check(with_claims(&[
                ("sub", "dave"),
                ("acs_account", "1234567890123456"),
            ]))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(dave.status.map(|s| s.code), Some(7));
        let missing = client
            .check(with_claims(&[("sub", "alice")]))
            .await
            .unwrap()
            .into_inner();
        let status = missing.status.unwrap();
        assert_eq!(status.code, 7);
        assert!(status.message.contains("acs_account"), "{}", status.message);
    });
    assert_eq!(
        eval_decision("eas:ListServices", "*", "192.0.2.7"),
        "Allow",
        "the oracle for alice's call"
    );
}

#[test]
fn an_authz_prefix_keeps_forwarded_calls_off_the_operations_pages() {
    let routes = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-prefix-routes.json");
    std::fs::write(
        &routes,
        ROUTES.replacen('{', r#"{"authz_prefix": "/ext_authz","#, 1),
    )
    .unwrap();
    let service = Service::start_with(
        &corpus().join("bundle"),
        &["--routes", routes.to_str().unwrap()],
    );
    let office = [
        ("x-ramjet-principal", ALICE),
        ("x-forwarded-for", "192.0.2.7"),
        ("x-region", "cn-hangzhou"),
    ];
    // Envoy's path_prefix in front of the original path: mapped as the path without it.
    let listed = service.call("GET", "/ext_authz/api/v2/services", &office);
    assert_eq!(listed.status, 200, "{}", listed.body);
    // A gateway's /health reaches ramjet as /ext_authz/health: no route, denied.
    let health = service.call("GET", "/ext_authz/health", &office);
    assert_eq!(health.status, 403, "{}", health.body);
    // A forwarded-looking call without the prefix did not come through the gateway: denied.
    let bare = service.call("GET", "/api/v2/services", &office);
    assert_eq!(bare.status, 403, "{}", bare.body);
    assert!(bare.body.contains("authz_prefix"), "{}", bare.body);
    let lookalike = service.call("GET", "/ext_authzapi/v2/services", &office);
    assert_eq!(lookalike.status, 403, "{}", lookalike.body);
    // ramjet's own pages still answer on their paths.
    assert_eq!(service.get("/health").status, 200);
}
