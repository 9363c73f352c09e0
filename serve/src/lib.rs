//! `ramjet serve`: the decision service that gateways call (interfaces.md, `ramjet serve`).
//!
//! Envoy-based gateways (Higress, Alibaba Cloud's API gateways, plain Envoy) cannot link a Rust
//! crate; they ask an external authorization service per call. This crate is that service:
//!
//! - `POST /v1/check` and `POST /v1/check/batch`: the request JSON of `ramjet eval`, answered
//!   with the `check` JSON and the bundle `revision` ([`api`]);
//! - `GET /metrics` (Prometheus), `/health`, `/ready` ([`metrics`]);
//! - every other path: Envoy's HTTP ext_authz mode, where a call no route maps to a RAM request
//!   is denied (403);
//! - hot reloads of the bundle directory (and on `SIGHUP`), compiled off the request path and
//!   swapped atomically, a bad bundle refused with the reason while the last good one decides
//!   (the `reload` module);
//! - `SIGTERM` / `SIGINT`: stop accepting, finish the calls in flight, exit 0.
//!
//! Failure is closed: anything that goes wrong reading or deciding a call answers an error or a
//! deny, never an allow.

pub mod answer;
pub mod api;
mod http;
pub mod metrics;
mod reload;

use metrics::Metrics;
use ramjet_compiler::{load_bundle, BundleError};
use ramjet_engine::{CompileError, PolicyStore};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use http::MAX_BODY_BYTES;

/// What `ramjet serve` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// The bundle directory (interfaces.md, Bundle), watched for changes.
    pub bundle: PathBuf,
    /// Where the HTTP listener binds; port 0 picks a free one (printed at start-up).
    pub http: SocketAddr,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The bundle does not load.
    #[error("{0}")]
    Bundle(#[from] BundleError),
    /// The bundle does not compile.
    #[error("{dir}: {error}")]
    Compile {
        /// The bundle directory.
        dir: String,
        /// Why.
        error: CompileError,
    },
    /// A listener cannot bind.
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// The bundle directory cannot be watched.
    #[error("cannot watch {dir}: {error}")]
    Watch {
        /// The bundle directory.
        dir: String,
        /// Why.
        error: notify::Error,
    },
    /// The async runtime or the server failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Runs the service until `SIGTERM` or `SIGINT`, then finishes the calls in flight and returns.
/// Prints `listening http=ADDR grpc=off` on stdout once it accepts calls.
pub fn run(config: Config) -> Result<(), ServeError> {
    let bundle = load_bundle(&config.bundle)?;
    let store = PolicyStore::new(&bundle).map_err(|error| ServeError::Compile {
        dir: config.bundle.display().to_string(),
        error,
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config, Arc::new(store)))
}

async fn serve(config: Config, store: Arc<PolicyStore>) -> Result<(), ServeError> {
    let metrics = Arc::new(Metrics::default());
    metrics.set_revision(store.snapshot().revision());
    let _watcher =
        reload::watch(&config.bundle, store.clone(), metrics.clone()).map_err(|error| {
            ServeError::Watch {
                dir: config.bundle.display().to_string(),
                error,
            }
        })?;
    let listener = tokio::net::TcpListener::bind(config.http)
        .await
        .map_err(|error| ServeError::Bind {
            addr: config.http,
            error,
        })?;
    let bound = listener.local_addr()?;
    let app = http::router(http::Shared { store, metrics });
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening http={bound} grpc=off")?;
        out.flush()?;
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Resolves on `SIGTERM` or `SIGINT`.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        }
        // Without signal handlers the service runs until it is killed.
        _ => std::future::pending::<()>().await,
    }
}
