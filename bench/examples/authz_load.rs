//! A load generator for Envoy ext_authz gRPC servers (`ramjet serve --grpc`, and
//! `examples/null_authz.rs` for the floor), bounded in count and time, on loopback.
//!
//! ```text
//! authz_load ADDR closed CONCURRENCY SECONDS   # as fast as CONCURRENCY callers can go
//! authz_load ADDR open RATE SECONDS            # RATE calls per second on a fixed schedule
//! authz_load ADDR open RATE SECONDS timeline   # and a line per second (to see a reload)
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
    /// Per second of the run (by when a call was due or sent): latencies and errors.
    seconds: Vec<(Histogram<u64>, u64)>,
}

impl Tally {
    fn record(&mut self, second: usize, micros: u64, ok: bool) {
        self.latency.record(micros.max(1)).unwrap();
        self.errors += u64::from(!ok);
        if let Some((histogram, errors)) = self.seconds.get_mut(second) {
            histogram.record(micros.max(1)).unwrap();
            *errors += u64::from(!ok);
        }
    }
}

async fn one(client: &mut AuthorizationClient<Channel>, request: CheckRequest) -> bool {
    client.check(request).await.is_ok()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "authz_load ADDR closed CONCURRENCY SECONDS | authz_load ADDR open RATE SECONDS";
    let (addr, mode, amount, seconds, timeline) = match args.as_slice() {
        [addr, mode, amount, seconds] => (addr, mode, amount, seconds, false),
        [addr, mode, amount, seconds, flag] if flag == "timeline" => {
            (addr, mode, amount, seconds, true)
        }
        _ => panic!("usage: {usage} [timeline]"),
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
        seconds: (0..seconds + 1)
            .map(|_| (Histogram::new_with_bounds(1, 60_000_000, 3).unwrap(), 0))
            .collect(),
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
                        let second = (sent - started).as_secs() as usize;
                        tally.lock().unwrap().record(second, micros, ok);
                        i += 1;
                    }
                }));
            }
        }
        "open" => {
            // Tokio's timer has a 1 ms granularity: a `sleep_until` would send a call up to
            // 1 ms after it was due and count that against the server. A pacing thread sleeps
            // with the OS's (tens of microseconds) precision and hands each call over when due.
            let total = amount * seconds;
            let interval = Duration::from_secs_f64(1.0 / amount as f64);
            let (due_tx, mut due_rx) = tokio::sync::mpsc::unbounded_channel();
            std::thread::spawn(move || {
                for n in 0..total {
                    let due = started + interval.mul_f64(n as f64);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    if due_tx.send((n, due)).is_err() {
                        return;
                    }
                }
            });
            while let Some((n, due)) = due_rx.recv().await {
                let mut client = AuthorizationClient::new(channels[n as usize % 4].clone());
                let (tally, requests) = (tally.clone(), requests.clone());
                tasks.push(tokio::spawn(async move {
                    let ok = one(&mut client, requests[n as usize % requests.len()].clone()).await;
                    let micros = due.elapsed().as_micros() as u64;
                    let second = (due - started).as_secs() as usize;
                    tally.lock().unwrap().record(second, micros, ok);
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
    if timeline {
        for (second, (h, errors)) in t
            .seconds
            .iter()
            .enumerate()
            .filter(|(_, (h, _))| !h.is_empty())
        {
            println!(
                "second {second}: calls {} errors {errors} p50 {} us p99 {} us p99.9 {} us max {} us",
                h.len(),
                h.value_at_quantile(0.50),
                h.value_at_quantile(0.99),
                h.value_at_quantile(0.999),
                h.max()
            );
        }
    }
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
