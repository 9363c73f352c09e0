//! The service's Prometheus metrics (`GET /metrics`): decisions by result, the time to decide,
//! unreadable and unrouted calls, reloads, and the current bundle revision.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use ramjet_engine::{Decision, Step};
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: &'static str,
    step: &'static str,
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
    decide_seconds: Histogram,
    unreadable: Counter,
    unrouted: Counter,
    reloads: Family<ReloadLabels, Counter>,
    revision: Gauge,
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
        // 250 ns to about 8 ms.
        let decide_seconds = Histogram::new(exponential_buckets(250e-9, 2.0, 16));
        registry.register(
            "decide_seconds",
            "Time to decide one request (reading and answering not included)",
            decide_seconds.clone(),
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
        Metrics {
            registry,
            decisions,
            decide_seconds,
            unreadable,
            unrouted,
            reloads,
            revision,
        }
    }
}

impl Metrics {
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
