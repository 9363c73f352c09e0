//! The JSON API's answers, as plain functions of the snapshot and the body, so that the HTTP
//! layer only moves bytes and the fuzz target can call them directly.
//!
//! Every answer is decided against one snapshot, whose revision it carries: a reload during a
//! batch cannot mix revisions in one response.

use crate::answer::{outcome_json, to_json, ErrorJson};
use crate::metrics::Metrics;
use crate::routes::{Mapped, Unmapped};
use ramjet_compiler::{one_line, parse_request, parse_request_batch};
use ramjet_engine::{Decision, Request, Scratch, Snapshot, Verdict};
use std::cell::RefCell;
use std::time::Instant;

/// The most requests one batch may hold; a larger one is refused whole (status 413).
pub const MAX_BATCH_ITEMS: usize = 10_000;

/// An HTTP status and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// 200, 400 or 413.
    pub status: u16,
    /// Compact JSON text.
    pub body: String,
}

thread_local! {
    /// Each server thread's working memory for deciding (see [`Scratch`]).
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Decides `request` with this thread's scratch, for the JSON API's `source` (`check`, `batch`).
fn decide(snapshot: &Snapshot, request: &Request, metrics: &Metrics, source: &str) -> String {
    let started = Instant::now();
    let outcome = SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => snapshot.outcome(request, &mut scratch),
        // Not re-entered today; a fresh scratch is correct, only slower.
        Err(_) => snapshot.outcome(request, &mut Scratch::default()),
    });
    metrics.record_decision(outcome.decision, outcome.step, started.elapsed());
    metrics.log_decision(source, request, &outcome, snapshot.revision());
    let mut json = outcome_json(&outcome);
    json.revision = Some(snapshot.revision());
    json.to_string()
}

fn error_body(message: &str) -> String {
    to_json(&ErrorJson { error: message })
}

/// `POST /v1/check`: 200 with the decision whatever it is, 400 when the body is not a request.
pub fn check(snapshot: &Snapshot, body: &[u8], metrics: &Metrics) -> Reply {
    match parse_request(body) {
        Ok(request) => Reply {
            status: 200,
            body: decide(snapshot, &request, metrics, "check"),
        },
        Err(diagnostics) => {
            metrics.record_unreadable();
            Reply {
                status: 400,
                body: error_body(&one_line(&diagnostics)),
            }
        }
    }
}

/// `POST /v1/check/batch`: 200 and one answer per item in order (an item that cannot be read is
/// answered by `{"error": ...}` in its place); 400 when the body is not an array, 413 past
/// [`MAX_BATCH_ITEMS`].
pub fn check_batch(snapshot: &Snapshot, body: &[u8], metrics: &Metrics) -> Reply {
    let items = match parse_request_batch(body) {
        Ok(items) => items,
        Err(diagnostics) => {
            metrics.record_unreadable();
            return Reply {
                status: 400,
                body: error_body(&one_line(&diagnostics)),
            };
        }
    };
    if items.len() > MAX_BATCH_ITEMS {
        return Reply {
            status: 413,
            body: error_body(&format!(
                "a batch holds at most {MAX_BATCH_ITEMS} requests, this one {}",
                items.len()
            )),
        };
    }
    let answers: Vec<String> = items
        .iter()
        .map(|item| match item {
            Ok(request) => decide(snapshot, request, metrics, "batch"),
            Err(diagnostics) => {
                metrics.record_unreadable();
                error_body(&one_line(diagnostics))
            }
        })
        .collect();
    Reply {
        status: 200,
        body: format!("[{}]", answers.join(",")),
    }
}

/// The ext_authz modes (`source`: `http_authz`, `grpc_authz`): the call as the route file
/// mapped it, decided; 200 when allowed, else 403 with the decision and the reason. A call that
/// could not be mapped is denied (fail closed).
pub fn authorize(
    snapshot: &Snapshot,
    mapped: Result<Mapped, Unmapped>,
    metrics: &Metrics,
    source: &str,
) -> Reply {
    let (request, route) = match mapped {
        Ok(Mapped { request, route }) => (request, route),
        Err(unmapped) => {
            match unmapped {
                Unmapped::NoRoute(_) => metrics.record_unrouted(),
                Unmapped::BadCall(_) => metrics.record_unreadable(),
            }
            return denied(unmapped.reason());
        }
    };
    let started = Instant::now();
    let verdict = SCRATCH.with(|cell| {
        let mut fresh = Scratch::default();
        let mut borrowed = cell.try_borrow_mut();
        let scratch = match borrowed.as_deref_mut() {
            Ok(scratch) => scratch,
            Err(_) => &mut fresh,
        };
        if metrics.logs_decisions() {
            // The log names the determining statements: the full outcome.
            let outcome = snapshot.outcome(&request, scratch);
            metrics.log_decision(source, &request, &outcome, snapshot.revision());
            Verdict {
                decision: outcome.decision,
                step: outcome.step,
            }
        } else {
            snapshot.check(&request, scratch).verdict
        }
    });
    metrics.record_decision(verdict.decision, verdict.step, started.elapsed());
    metrics.record_route_decision(route, verdict.decision);
    let body = to_json(&Authorized {
        decision: verdict.decision.as_str(),
        step: verdict.step.as_str(),
        action: request.action(),
        resource: request.resource(),
        revision: snapshot.revision(),
    });
    // The thread's next call refills it.
    crate::routes::recycle(request);
    Reply {
        status: if verdict.decision == Decision::Allow {
            200
        } else {
            403
        },
        body,
    }
}

fn denied(reason: &str) -> Reply {
    Reply {
        status: 403,
        body: to_json(&Denied {
            decision: Decision::ImplicitDeny.as_str(),
            reason,
        }),
    }
}

#[derive(serde::Serialize)]
struct Denied<'a> {
    decision: &'static str,
    reason: &'a str,
}

#[derive(serde::Serialize)]
struct Authorized<'a> {
    decision: &'static str,
    step: &'static str,
    action: &'a str,
    resource: &'a str,
    revision: u64,
}
