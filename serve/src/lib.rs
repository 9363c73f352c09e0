//! `ramjet serve`: the decision service that gateways call (interfaces.md, `ramjet serve`).
//!
//! Envoy-based gateways (Higress, Alibaba Cloud's API gateways, plain Envoy) cannot link a Rust
//! crate; they ask an external authorization service per call. This crate is that service:
//!
//! - `POST /v1/check` and `POST /v1/check/batch`: the request JSON of `ramjet eval`, answered
//!   with the `check` JSON and the bundle `revision` ([`api`]);
//! - `GET /metrics` (Prometheus), `/health`, `/ready` ([`metrics`]);
//! - with `--grpc`, Envoy's gRPC ext_authz (`envoy.service.auth.v3.Authorization/Check`), mapped
//!   and decided the same way, a deny being `PERMISSION_DENIED`;
//! - every other path: Envoy's HTTP ext_authz mode: the forwarded call is mapped to a RAM
//!   request by the route file ([`routes`]) and decided, 200 allowing and 403 denying; a call no
//!   route maps is denied;
//! - hot reloads of the bundle directory (and on `SIGHUP`, and on `POST /v1/reload` to the
//!   loopback `--admin` listener, which answers with the outcome), compiled off the request path
//!   and swapped atomically, a bad bundle refused with the reason while the last good one
//!   decides (the `reload` and `admin` modules);
//! - `SIGTERM` / `SIGINT`: stop accepting, finish the calls in flight, exit 0.
//!
//! Failure is closed: anything that goes wrong reading or deciding a call answers an error or a
//! deny, never an allow.

mod admin;
pub mod answer;
pub mod api;
pub mod decision_log;
pub mod fetch;
pub mod grpc;
mod http;
pub mod metrics;
mod principal_cache;
mod reload;
pub mod routes;

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
    /// Where the gRPC ext_authz listener binds, if anywhere.
    pub grpc: Option<SocketAddr>,
    /// The route file for the ext_authz modes; without one every forwarded call is denied.
    pub routes: Option<PathBuf>,
    /// The decision log (JSON Lines, appended to), if any.
    pub decision_log: Option<PathBuf>,
    /// Where the admin listener (`POST /v1/reload`) binds, if anywhere; a loopback address.
    pub admin: Option<SocketAddr>,
    /// A URL to poll for bundles (a tar archive of the bundle directory); `bundle` then decides
    /// until the first fetched one and is not watched.
    pub bundle_url: Option<String>,
    /// How often to poll `bundle_url` (each wait jittered by up to a fifth either way).
    pub bundle_poll: std::time::Duration,
    /// An Ed25519 public key (PEM) that fetched bundles' signatures must verify with.
    pub bundle_public_key: Option<PathBuf>,
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
    /// The admin listener was asked to bind where others can reach it.
    #[error("--admin {0}: the admin endpoint has no authentication and binds to a loopback address only (127.0.0.1, ::1)")]
    AdminNotLoopback(SocketAddr),
    /// The bundle URL or its public key is refused.
    #[error("{0}")]
    BundleUrl(String),
    /// The route file is refused.
    #[error("{0}")]
    Routes(#[from] routes::RouteFileError),
    /// The decision log cannot be opened.
    #[error("cannot open the decision log {path}: {error}")]
    DecisionLog {
        /// The file.
        path: String,
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
/// Prints `listening http=ADDR grpc=ADDR` (`grpc=off` without a gRPC listener) on stdout once it
/// accepts calls.
pub fn run(config: Config) -> Result<(), ServeError> {
    if let Some(admin) = config.admin.filter(|addr| !addr.ip().is_loopback()) {
        return Err(ServeError::AdminNotLoopback(admin));
    }
    if config.bundle_public_key.is_some() && config.bundle_url.is_none() {
        return Err(ServeError::BundleUrl(
            "--bundle-public-key verifies fetched bundles: give --bundle-url too".into(),
        ));
    }
    let fetcher = match &config.bundle_url {
        Some(url) => Some(
            fetch::Fetcher::new(url, config.bundle_public_key.as_deref())
                .map_err(ServeError::BundleUrl)?,
        ),
        None => None,
    };
    let routes = match &config.routes {
        Some(path) => Some(routes::RouteTable::load(path)?),
        None => None,
    };
    let bundle = load_bundle(&config.bundle)?;
    let store = PolicyStore::new(&bundle).map_err(|error| ServeError::Compile {
        dir: config.bundle.display().to_string(),
        error,
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(
        config,
        fetcher,
        Arc::new(store),
        routes.map(Arc::new),
    ))
}

async fn serve(
    config: Config,
    fetcher: Option<fetch::Fetcher>,
    store: Arc<PolicyStore>,
    routes: Option<Arc<routes::RouteTable>>,
) -> Result<(), ServeError> {
    let (metrics, log_writer) = match &config.decision_log {
        Some(path) => {
            let (log, writer) =
                decision_log::DecisionLog::open(path).map_err(|error| ServeError::DecisionLog {
                    path: path.display().to_string(),
                    error,
                })?;
            (Metrics::with_decision_log(log), Some(writer))
        }
        None => (Metrics::default(), None),
    };
    let mut metrics = metrics;
    if let Some(routes) = &routes {
        metrics.count_routes(routes.labels());
    }
    let metrics = Arc::new(metrics);
    let served = listen(&config, fetcher, store, routes, metrics.clone()).await;
    // The listeners are closed: the log's writer finishes the queued lines.
    metrics.close_decision_log();
    let dropped = metrics.log_lines_dropped();
    if let Some(writer) = log_writer {
        match writer.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("ramjet serve: the decision log failed: {error}"),
            Err(_) => eprintln!("ramjet serve: the decision log's writer stopped"),
        }
        if dropped > 0 {
            eprintln!("ramjet serve: {dropped} decision-log lines dropped (the log fell behind)");
        }
    }
    served
}

async fn listen(
    config: &Config,
    fetcher: Option<fetch::Fetcher>,
    store: Arc<PolicyStore>,
    routes: Option<Arc<routes::RouteTable>>,
    metrics: Arc<Metrics>,
) -> Result<(), ServeError> {
    metrics.set_revision(store.snapshot().revision());
    let polled = fetcher.is_some();
    let source = match fetcher {
        Some(fetcher) => reload::Source::Url(Box::new(fetcher)),
        None => reload::Source::Directory(config.bundle.clone()),
    };
    let reloader = Arc::new(reload::Reloader::new(
        source,
        store.clone(),
        metrics.clone(),
    ));
    // A fetched bundle replaces the directory's: the directory is not watched then.
    let _watcher = if polled {
        reload::reload_on_sighup(reloader.clone());
        None
    } else {
        Some(
            reload::watch(&config.bundle, reloader.clone()).map_err(|error| ServeError::Watch {
                dir: config.bundle.display().to_string(),
                error,
            })?,
        )
    };
    let listener = bind(config.http).await?;
    let bound = listener.local_addr()?;
    let admin_listener = match config.admin {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let admin_bound = match &admin_listener {
        Some(listener) => format!(" admin={}", listener.local_addr()?),
        None => String::new(),
    };
    let grpc_listener = match config.grpc {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let grpc_bound = match &grpc_listener {
        Some(listener) => listener.local_addr()?.to_string(),
        None => "off".to_string(),
    };
    let app = http::router(http::Shared {
        store: store.clone(),
        metrics: metrics.clone(),
        routes: routes.clone(),
    });
    // One stop signal for both listeners.
    let (stopping, stop_seen) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    let stopped = |mut seen: tokio::sync::watch::Receiver<bool>| async move {
        let _ = seen.wait_for(|stopping| *stopping).await;
    };
    let grpc_server = grpc_listener.map(|listener| {
        let service = grpc::AuthorizationService {
            store,
            metrics,
            routes,
        };
        tonic::transport::Server::builder()
            .add_service(envoy_types::ext_authz::v3::pb::AuthorizationServer::new(
                service,
            ))
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
                stopped(stop_seen.clone()),
            )
    });
    if polled {
        reload::poll(reloader.clone(), config.bundle_poll);
    }
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening http={bound} grpc={grpc_bound}{admin_bound}")?;
        out.flush()?;
    }
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let http_server = axum::serve(listener, app).with_graceful_shutdown(stopped(stop_seen.clone()));
    let admin_stop = stop_seen.clone();
    let admin_server = async move {
        match admin_listener {
            Some(listener) => {
                axum::serve(listener, admin::router(reloader))
                    .with_graceful_shutdown(stopped(admin_stop))
                    .await
            }
            None => {
                std::future::pending::<()>().await;
                Ok(())
            }
        }
    };
    let grpc_server = async move {
        match grpc_server {
            Some(server) => server
                .await
                .map_err(|e| std::io::Error::other(e.to_string())),
            None => {
                std::future::pending::<()>().await;
                Ok(())
            }
        }
    };
    tokio::select! {
        served = http_server => served?,
        served = grpc_server => served?,
        served = admin_server => served?,
        // Calls in flight get a bounded time to finish; a client that holds its connection
        // open does not keep the service up for ever.
        _ = async {
            stopped(stop_seen).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => eprintln!(
            "ramjet serve: calls still open {} s after the signal; exiting",
            SHUTDOWN_GRACE.as_secs()
        ),
    }
    Ok(())
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| ServeError::Bind { addr, error })
}

/// How long calls in flight may take to finish after `SIGTERM`.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

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
