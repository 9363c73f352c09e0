//! What the service reports: its Prometheus metrics (`GET /metrics`: decisions by result, and
//! ext_authz decisions by route; the time to decide; the time to answer a call by source;
//! unreadable and unrouted calls; reloads; the current bundle revision; decision-log lines
//! dropped) and, when one is open, the decision log.

use crate::decision_log::DecisionLog;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use ramjet_engine::{Decision, Outcome, Request, Step};
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: &'static str,
    step: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    source: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    result: &'static str,
}

/// The metrics and their registry; shared by every handler.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    decisions: Family<DecisionLabels, Counter>,
    route_decisions: Family<RouteLabels, Counter>,
    /// Per route of the route file (by index): its Allow, ExplicitDeny and ImplicitDeny
    /// counters, made once so that counting a call allocates nothing.
    route_counters: Vec<[Counter; 3]>,
    decide_seconds: Histogram,
    call_seconds: Family<CallLabels, Histogram>,
    unreadable: Counter,
    unrouted: Counter,
    reloads: Family<ReloadLabels, Counter>,
    revision: Gauge,
    fetch_failures: Counter,
    log_dropped: Counter,
    log: Option<DecisionLog>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("ramjet");
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "Requests decided, by decision and the step that ended evaluation",
            decisions.clone(),
        );
        let route_decisions = Family::<RouteLabels, Counter>::default();
        registry.register(
            "route_decisions",
            "ext_authz calls decided, by the route that mapped them (METHOD /path/{Template}) and decision",
            route_decisions.clone(),
        );
        // 250 ns to about 8 ms.
        let decide_seconds = Histogram::new(exponential_buckets(250e-9, 2.0, 16));
        registry.register(
            "decide_seconds",
            "Time to decide one request (reading and answering not included)",
            decide_seconds.clone(),
        );
        // 1 µs to about 1 s.
        let call_seconds = Family::<CallLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(1e-6, 2.0, 21))) as fn() -> Histogram,
        );
        registry.register(
            "call_seconds",
            "Time to answer one call in the service, by source (check, batch, http_authz, grpc_authz): parsing, mapping, deciding and building the answer (receiving and sending not included)",
            call_seconds.clone(),
        );
        let unreadable = Counter::default();
        registry.register(
            "unreadable_requests",
            "Requests (or batch items) that could not be read, answered with an error",
            unreadable.clone(),
        );
        let unrouted = Counter::default();
        registry.register(
            "unrouted_calls",
            "ext_authz calls no route maps to a RAM request, denied",
            unrouted.clone(),
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "reloads",
            "Bundle reloads, by result (ok: swapped in; refused: the last good bundle kept)",
            reloads.clone(),
        );
        let revision = Gauge::default();
        registry.register(
            "bundle_revision",
            "Revision of the bundle snapshot that decides",
            revision.clone(),
        );
        let fetch_failures = Counter::default();
        registry.register(
            "bundle_fetch_failures",
            "Fetches of the --bundle-url bundle that failed (network, HTTP status); the last good bundle kept",
            fetch_failures.clone(),
        );
        let log_dropped = Counter::default();
        registry.register(
            "decision_log_dropped",
            "Decision-log lines dropped because the log's queue was full",
            log_dropped.clone(),
        );
        Metrics {
            registry,
            decisions,
            route_decisions,
            route_counters: Vec::new(),
            decide_seconds,
            call_seconds,
            unreadable,
            unrouted,
            reloads,
            revision,
            fetch_failures,
            log_dropped,
            log: None,
        }
    }
}

impl Metrics {
    /// Metrics that also write every decision to `log`.
    pub fn with_decision_log(log: DecisionLog) -> Metrics {
        Metrics {
            log: Some(log),
            ..Metrics::default()
        }
    }

    /// Counts ext_authz decisions by route: `labels` are the route file's
    /// ([`crate::routes::RouteTable::labels`]), in its order.
    pub fn count_routes<'a>(&mut self, labels: impl Iterator<Item = &'a str>) {
        self.route_counters = labels
            .map(|route| {
                [
                    Decision::Allow,
                    Decision::ExplicitDeny,
                    Decision::ImplicitDeny,
                ]
                .map(|decision| {
                    self.route_decisions
                        .get_or_create(&RouteLabels {
                            route: route.to_string(),
                            decision: decision.as_str(),
                        })
                        .clone()
                })
            })
            .collect();
    }

    /// One ext_authz call that route `route` (its index in the route file) mapped, decided.
    pub fn record_route_decision(&self, route: usize, decision: Decision) {
        let index = match decision {
            Decision::Allow => 0,
            Decision::ExplicitDeny => 1,
            Decision::ImplicitDeny => 2,
        };
        if let Some(counter) = self
            .route_counters
            .get(route)
            .and_then(|counters| counters.get(index))
        {
            counter.inc();
        }
    }

    /// True when decisions are logged (the callers then ask for the determining statements).
    pub fn logs_decisions(&self) -> bool {
        self.log.is_some()
    }

    /// Logs one decided call, if there is a log; a dropped line is counted.
    pub fn log_decision(&self, source: &str, request: &Request, outcome: &Outcome, revision: u64) {
        if let Some(log) = &self.log {
            if !log.record(source, request, outcome, revision) {
                self.log_dropped.inc();
            }
        }
    }

    /// Decision-log lines dropped so far.
    pub fn log_lines_dropped(&self) -> u64 {
        self.log.as_ref().map_or(0, DecisionLog::dropped)
    }

    /// Closes the decision log, if any: its writer finishes the queued lines and stops.
    pub fn close_decision_log(&self) {
        if let Some(log) = &self.log {
            log.close();
        }
    }

    /// One request decided in `elapsed`.
    pub fn record_decision(&self, decision: Decision, step: Step, elapsed: Duration) {
        self.decisions
            .get_or_create(&DecisionLabels {
                decision: decision.as_str(),
                step: step.as_str(),
            })
            .inc();
        self.decide_seconds.observe(elapsed.as_secs_f64());
    }

    /// One call answered in `elapsed`, from when its handler started to when its answer was
    /// built. `source`: `check`, `batch`, `http_authz` or `grpc_authz`.
    pub fn record_call(&self, source: &'static str, elapsed: Duration) {
        self.call_seconds
            .get_or_create(&CallLabels { source })
            .observe(elapsed.as_secs_f64());
    }

    /// One request or batch item that could not be read.
    pub fn record_unreadable(&self) {
        self.unreadable.inc();
    }

    /// One ext_authz call without a route.
    pub fn record_unrouted(&self) {
        self.unrouted.inc();
    }

    /// A reload: `Ok(revision)` swapped in, `Err(())` refused.
    pub fn record_reload(&self, result: Result<u64, ()>) {
        let label = match result {
            Ok(revision) => {
                self.set_revision(revision);
                "ok"
            }
            Err(()) => "refused",
        };
        self.reloads
            .get_or_create(&ReloadLabels { result: label })
            .inc();
    }

    /// A fetch of the bundle URL that failed.
    pub fn record_fetch_failure(&self) {
        self.fetch_failures.inc();
    }

    /// The revision now deciding.
    pub fn set_revision(&self, revision: u64) {
        self.revision
            .set(i64::try_from(revision).unwrap_or(i64::MAX));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
