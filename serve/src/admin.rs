//! The admin listener (`--admin`, loopback only: it has no authentication). `POST /v1/reload`
//! reloads the bundle now and answers when the reload is done, so a deployment script knows
//! whether its bundle decides:
//!
//! - 200 `{"result": "swapped", "revision": N}`: the bundle decides from revision `N` on;
//! - 200 `{"result": "unchanged", "revision": N}`: the `--bundle-url` bundle has not changed;
//! - 422 `{"result": "refused", "revision": N, "error": "..."}`: it was refused and revision `N`
//!   (the last good bundle) keeps deciding;
//! - 502 `{"result": "failed", "revision": N, "error": "..."}`: the `--bundle-url` bundle could
//!   not be fetched, and revision `N` keeps deciding.

use crate::reload::{Reloaded, Reloader};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize)]
struct ReloadJson<'a> {
    result: &'static str,
    revision: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// The admin listener's routes.
pub fn router(reloader: Arc<Reloader>) -> Router {
    Router::new()
        .route("/v1/reload", post(reload))
        .with_state(reloader)
}

async fn reload(State(reloader): State<Arc<Reloader>>) -> Response {
    let reloaded = reloader.reload().await;
    let (status, result, revision, error) = match &reloaded {
        Reloaded::Swapped(revision) => (StatusCode::OK, "swapped", *revision, None),
        Reloaded::Unchanged(revision) => (StatusCode::OK, "unchanged", *revision, None),
        Reloaded::Failed { kept, reason } => (
            StatusCode::BAD_GATEWAY,
            "failed",
            *kept,
            Some(reason.as_str()),
        ),
        Reloaded::Refused { kept, reason } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
            *kept,
            Some(reason.as_str()),
        ),
    };
    let body = ReloadJson {
        result,
        revision,
        error,
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        crate::answer::to_json(&body),
    )
        .into_response()
}
