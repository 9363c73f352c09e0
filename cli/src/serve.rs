//! `ramjet serve`: the decision service (the `ramjet-serve` crate).

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Serve decisions over HTTP to gateways and other callers (docs/interfaces.md).
#[derive(Args)]
#[command(
    long_about = "Serve decisions over HTTP to gateways and other callers.\n\n\
    POST /v1/check takes one request (the JSON of an `eval` line) and answers the `check` JSON \
    with the bundle's revision; POST /v1/check/batch takes an array of them. GET /metrics \
    (Prometheus), /health and /ready are for operations. Every other path is Envoy's HTTP \
    ext_authz mode: a call that no route maps to a RAM request is denied (403).\n\n\
    The bundle directory is watched: a change (or SIGHUP) is compiled off the request path and \
    swapped in atomically; a bundle that does not load is refused, with the reason on stderr, \
    and the last good one keeps deciding. Prints `listening http=ADDR grpc=off` once it accepts \
    calls; SIGTERM finishes the calls in flight and exits 0."
)]
pub struct ServeArgs {
    /// The bundle directory (bundle.json and policies/)
    #[arg(long, value_name = "DIR")]
    bundle: PathBuf,
    /// Address of the HTTP listener (port 0: any free port, printed at start-up)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8181")]
    http: SocketAddr,
    /// Envoy ext_authz over gRPC: not available yet (refused)
    #[arg(long, value_name = "ADDR")]
    grpc: Option<SocketAddr>,
    /// Route file mapping forwarded calls (ext_authz) to RAM requests (without one, every
    /// forwarded call is denied); corpus/routes/eas.json covers the EAS OpenAPI
    #[arg(long, value_name = "FILE")]
    routes: Option<PathBuf>,
    /// Decision log (JSON Lines): not available yet (refused)
    #[arg(long, value_name = "FILE")]
    decision_log: Option<PathBuf>,
}

pub fn run(args: &ServeArgs) -> u8 {
    let unavailable = [
        ("--grpc", args.grpc.is_some()),
        ("--decision-log", args.decision_log.is_some()),
    ];
    if let Some((flag, _)) = unavailable.iter().find(|(_, given)| *given) {
        // Refused rather than ignored: a gateway configured for them must not start half-way.
        eprintln!("ramjet serve: {flag} is not available yet in this version");
        return crate::EXIT_ERROR;
    }
    let config = ramjet_serve::Config {
        bundle: args.bundle.clone(),
        http: args.http,
        routes: args.routes.clone(),
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
