//! `ramjet serve`: the decision service (the `ramjet-serve` crate).

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Serve decisions over HTTP to gateways and other callers (docs/interfaces.md).
#[derive(Args)]
#[command(long_about = "Serve decisions to gateways and other callers.\n\n\
    POST /v1/check takes one request (the JSON of an `eval` line) and answers the `check` JSON \
    with the bundle's revision; POST /v1/check/batch takes an array of them. GET /metrics \
    (Prometheus), /health and /ready are for operations. Every other path is Envoy's HTTP \
    ext_authz mode: the forwarded call is mapped to a RAM request by the --routes file and \
    decided, 200 allowing, 403 denying; a call no route maps is denied. With --grpc, Envoy's \
    ext_authz gRPC service answers the same way: OK, or PERMISSION_DENIED, never a gRPC error.\n\n\
    The bundle directory is watched: a change (or SIGHUP) is compiled off the request path and \
    swapped in atomically (so is a POST /v1/reload to the --admin listener); a bundle that does not load is refused, with the reason on stderr, \
    and the last good one keeps deciding. Prints `listening http=ADDR grpc=ADDR` (grpc=off \
    without --grpc; ` admin=ADDR` added with --admin) once it accepts calls; SIGTERM finishes the calls in flight and exits 0.")]
pub struct ServeArgs {
    /// The bundle directory (bundle.json and policies/)
    #[arg(long, value_name = "DIR")]
    bundle: PathBuf,
    /// Address of the HTTP listener (port 0: any free port, printed at start-up)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8181")]
    http: SocketAddr,
    /// Address of the Envoy ext_authz gRPC listener (envoy.service.auth.v3.Authorization/Check);
    /// off unless given
    #[arg(long, value_name = "ADDR")]
    grpc: Option<SocketAddr>,
    /// Route file mapping forwarded calls (ext_authz) to RAM requests (without one, every
    /// forwarded call is denied); corpus/routes/eas.json covers the EAS OpenAPI
    #[arg(long, value_name = "FILE")]
    routes: Option<PathBuf>,
    /// Append a JSON line per decided call to FILE (id, time, revision, source, action, resource,
    /// principal, decision, step, determining); lines the disk cannot keep up with are dropped
    /// and counted (ramjet_decision_log_dropped_total), never slowing a decision
    #[arg(long, value_name = "FILE")]
    decision_log: Option<PathBuf>,
    /// Address of the admin listener, loopback only (it has no authentication): POST
    /// /v1/reload reloads the bundle now and answers 200 {"result": "swapped", "revision": N} or
    /// 422 {"result": "refused", "revision": N, "error": ...} (with --bundle-url also 200
    /// "unchanged" and 502 "failed"); off unless given
    #[arg(long, value_name = "ADDR")]
    admin: Option<SocketAddr>,
    /// Poll URL for bundles: a tar archive (gzipped or not) of the bundle directory
    /// (bundle.json, policies/NAME.json), fetched with If-None-Match; --bundle decides until the
    /// first fetched bundle swaps in and is not watched
    #[arg(long, value_name = "URL")]
    bundle_url: Option<String>,
    /// Seconds between polls of --bundle-url, each wait jittered by up to a fifth either way
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    bundle_poll: u64,
    /// Ed25519 public key (PEM, `openssl pkey -pubout`): a fetched archive is refused unless
    /// URL.sig holds its signature (raw 64 bytes or base64; `openssl pkeyutl -sign -rawin`)
    #[arg(long, value_name = "FILE")]
    bundle_public_key: Option<PathBuf>,
}

pub fn run(args: &ServeArgs) -> u8 {
    let config = ramjet_serve::Config {
        bundle: args.bundle.clone(),
        http: args.http,
        grpc: args.grpc,
        routes: args.routes.clone(),
        decision_log: args.decision_log.clone(),
        admin: args.admin,
        bundle_url: args.bundle_url.clone(),
        bundle_poll: std::time::Duration::from_secs(args.bundle_poll),
        bundle_public_key: args.bundle_public_key.clone(),
    };
    match ramjet_serve::run(config) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!(
                "ramjet serve: {}",
                error.to_string().replace('\n', "\nramjet serve: ")
            );
            crate::EXIT_ERROR
        }
    }
}
