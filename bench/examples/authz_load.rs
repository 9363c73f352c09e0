//! A load generator for Envoy ext_authz gRPC servers (`ramjet serve --grpc`, and
//! `examples/null_authz.rs` for the floor), bounded in count and time, on loopback.
//!
//! ```text
//! authz_load ADDR closed CONCURRENCY SECONDS   # as fast as CONCURRENCY callers can go
//! authz_load ADDR open RATE SECONDS            # RATE calls per second on a fixed schedule
//! ```
//!
//! The calls cycle through four `CheckRequest`s that `corpus/bundle` with a route file for the
//! EAS services API decides four ways (list: allowed; delete production: denied by a statement;
//! describe with no principal: denied before the policies; an unknown path). In the open loop a
//! call's latency counts from when it was due, not from when it was sent, so a stalled server
//! shows (no coordinated omission). Prints one line: calls, errors, calls per second, and the
//! latency percentiles in microseconds (HdrHistogram).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken setup

use envoy_types::ext_authz::v3::pb::CheckRequest;
use envoy_types::pb::envoy::service::auth::v3::attribute_context::{HttpRequest, Request};
use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
use envoy_types::pb::envoy::service::auth::v3::AttributeContext;
use hdrhistogram::Histogram;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonic::transport::Channel;

const ALICE: &str = r#"{"type": "RamUser", "account": "1234567890123456", "name": "alice"}"#;

fn call(method: &str, path: &str, principal: bool) -> CheckRequest {
    let mut headers = std::collections::HashMap::new();
    headers.insert("x-forwarded-for".to_string(), "192.0.2.7".to_string());
    headers.insert("x-region".to_string(), "cn-hangzhou".to_string());
    if principal {
        headers.insert("x-ramjet-principal".to_string(), ALICE.to_string());
    }
    CheckRequest {
        attributes: Some(AttributeContext {
            request: Some(Request {
                http: Some(HttpRequest {
                    method: method.into(),
                    path: path.into(),
                    headers,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

fn calls() -> Vec<CheckRequest> {
    vec![
        call("GET", "/api/v2/services", true),
        call("DELETE", "/api/v2/services/cn-hangzhou/prod-llm", true),
        call("GET", "/api/v2/services/cn-hangzhou/dev-llm", false),
        call("GET", "/api/v2/unknown", true),
    ]
}

struct Tally {
    latency: Histogram<u64>,
    errors: u64,
}

async fn one(client: &mut AuthorizationClient<Channel>, request: CheckRequest) -> bool {
    client.check(request).await.is_ok()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "authz_load ADDR closed CONCURRENCY SECONDS | authz_load ADDR open RATE SECONDS";
    let [addr, mode, amount, seconds] = args.as_slice() else {
        panic!("usage: {usage}");
    };
    let amount: u64 = amount.parse().expect(usage);
    let seconds: u64 = seconds.parse().expect(usage);
    let duration = Duration::from_secs(seconds);
    // A few HTTP/2 connections, as an Envoy fleet would open.
    let mut channels = Vec::new();
    for _ in 0..4 {
        channels.push(
            Channel::from_shared(format!("http://{addr}"))
                .unwrap()
                .connect()
                .await
                .unwrap(),
        );
    }
    let tally = Arc::new(Mutex::new(Tally {
        latency: Histogram::new_with_bounds(1, 60_000_000, 3).unwrap(),
        errors: 0,
    }));
    let requests = Arc::new(calls());
    let started = Instant::now();
    let mut tasks = Vec::new();
    match mode.as_str() {
        "closed" => {
            for worker in 0..amount {
                let mut client = AuthorizationClient::new(channels[worker as usize % 4].clone());
                let (tally, requests) = (tally.clone(), requests.clone());
                tasks.push(tokio::spawn(async move {
                    let mut i = worker as usize;
                    while started.elapsed() < duration {
                        let sent = Instant::now();
                        let ok = one(&mut client, requests[i % requests.len()].clone()).await;
                        let micros = sent.elapsed().as_micros() as u64;
                        let mut t = tally.lock().unwrap();
                        t.latency.record(micros.max(1)).unwrap();
                        t.errors += u64::from(!ok);
                        i += 1;
                    }
                }));
            }
        }
        "open" => {
            let total = amount * seconds;
            let interval = Duration::from_secs_f64(1.0 / amount as f64);
            for n in 0..total {
                let due = started + interval.mul_f64(n as f64);
                tokio::time::sleep_until(due.into()).await;
                let mut client = AuthorizationClient::new(channels[n as usize % 4].clone());
                let (tally, requests) = (tally.clone(), requests.clone());
                tasks.push(tokio::spawn(async move {
                    let ok = one(&mut client, requests[n as usize % requests.len()].clone()).await;
                    let micros = due.elapsed().as_micros() as u64;
                    let mut t = tally.lock().unwrap();
                    t.latency.record(micros.max(1)).unwrap();
                    t.errors += u64::from(!ok);
                }));
            }
        }
        _ => panic!("usage: {usage}"),
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let t = tally.lock().unwrap();
    let h = &t.latency;
    println!(
        "{mode} {amount}: calls {} errors {} rate {:.0}/s p50 {} us p90 {} us p99 {} us p99.9 {} us max {} us",
        h.len(),
        t.errors,
        h.len() as f64 / elapsed,
        h.value_at_quantile(0.50),
        h.value_at_quantile(0.90),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max()
    );
}
