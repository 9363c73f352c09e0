//! The HTTP listener: the JSON API, the operations pages, and the ext_authz HTTP mode for every
//! other path.

use crate::api::{self, Reply};
use crate::metrics::Metrics;
use crate::routes::{Call, RouteTable, Unmapped};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ramjet_engine::PolicyStore;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// The largest request body read (a batch of [`api::MAX_BATCH_ITEMS`] requests fits); a larger
/// one is refused with 413 before it is read whole.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct Shared {
    /// The bundle's compiled snapshots.
    pub store: Arc<PolicyStore>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The route file, if one was given.
    pub routes: Option<Arc<RouteTable>>,
}

/// The service's routes.
pub fn router(shared: Shared) -> Router {
    Router::new()
        .route("/v1/check", post(check))
        .route("/v1/check/batch", post(check_batch))
        .route("/metrics", get(metrics))
        .route("/health", get(health))
        .route("/ready", get(health))
        .fallback(ext_authz)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

fn json(reply: Reply, revision: u64) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::HeaderName::from_static("x-ramjet-revision"),
                revision.to_string(),
            ),
        ],
        reply.body,
    )
        .into_response()
}

async fn check(State(shared): State<Shared>, body: Bytes) -> Response {
    let started = Instant::now();
    let snapshot = shared.store.snapshot();
    let response = json(
        api::check(&snapshot, &body, &shared.metrics),
        snapshot.revision(),
    );
    shared.metrics.record_call("check", started.elapsed());
    response
}

async fn check_batch(State(shared): State<Shared>, body: Bytes) -> Response {
    let started = Instant::now();
    let snapshot = shared.store.snapshot();
    let metrics = shared.metrics.clone();
    let revision = snapshot.revision();
    // A batch may take milliseconds: off the reactor's threads.
    let reply = tokio::task::spawn_blocking(move || api::check_batch(&snapshot, &body, &metrics))
        .await
        .unwrap_or_else(|error| Reply {
            status: 500,
            body: crate::answer::to_json(&crate::answer::ErrorJson {
                error: &format!("internal error deciding the batch: {error}"),
            }),
        });
    let response = json(reply, revision);
    shared.metrics.record_call("batch", started.elapsed());
    response
}

async fn metrics(State(shared): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.render(),
    )
        .into_response()
}

async fn health() -> &'static str {
    "ok\n"
}

/// Envoy's HTTP ext_authz mode (and Higress's `ext-auth`): the original method, path and headers
/// arrive as the call's own, or, behind a `forward_auth` proxy, in `x-forwarded-method`,
/// `x-forwarded-uri` and `x-forwarded-host`.
async fn ext_authz(
    State(shared): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    // The whole call, not `HeaderMap` and `Uri` extractors: those copy the headers.
    call: axum::extract::Request,
) -> Response {
    let started = Instant::now();
    let (parts, _body) = call.into_parts();
    let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
    let snapshot = shared.store.snapshot();
    let revision = snapshot.revision();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let forwarded_uri = header("x-forwarded-uri");
    let (path, query) = match forwarded_uri {
        Some(full) => match full.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (full, None),
        },
        None => (uri.path(), uri.query()),
    };
    let method = header("x-forwarded-method").unwrap_or(method.as_str());
    let call = Call {
        method,
        path,
        query,
        header: &header,
        peer: Some(peer.ip()),
        metadata: None,
    };
    let mapped = match &shared.routes {
        // forward_auth carries the original path apart; Envoy's HTTP mode prefixes it.
        Some(routes) if forwarded_uri.is_none() => match routes.forwarded_path(path) {
            Some(path) => routes.map(&Call { path, ..call }),
            None => Err(Unmapped::NoRoute(format!(
                "{method} {path} is not under the route file's authz_prefix"
            ))),
        },
        Some(routes) => routes.map(&call),
        None => Err(Unmapped::no_route(method, path)),
    };
    let response = json(
        api::authorize(&snapshot, mapped, &shared.metrics, "http_authz"),
        revision,
    );
    shared.metrics.record_call("http_authz", started.elapsed());
    response
}
