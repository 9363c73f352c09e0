//! The floor for `ramjet serve`: an Envoy ext_authz gRPC server on the same stack (tonic,
//! envoy-types, tokio) that allows every call without reading it.
//!
//! ```text
//! cargo run --release -p ramjet-bench --example null_authz -- 127.0.0.1:0 [HTTP-ADDR]
//! ```
//!
//! With an HTTP address it also answers every HTTP call 200 (the floor for the HTTP ext_authz
//! mode). Prints `listening http=ADDR` (when given) and `listening grpc=ADDR`, then serves until
//! killed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken setup

use envoy_types::ext_authz::v3::pb::{
    Authorization, AuthorizationServer, CheckRequest, CheckResponse,
};
use envoy_types::ext_authz::v3::CheckResponseExt;
use std::io::Write;
use tonic::{Request, Response, Status};

struct AllowAll;

#[tonic::async_trait]
impl Authorization for AllowAll {
    async fn check(
        &self,
        _request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        Ok(Response::new(CheckResponse::with_status(Status::ok(
            "allowed",
        ))))
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let grpc_addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let http_addr = args.next();
    let listener = tokio::net::TcpListener::bind(&grpc_addr).await.unwrap();
    let bound = listener.local_addr().unwrap();
    // The HTTP ext_authz floor: every method and path answered 200 with an empty body, as
    // ramjet's HTTP mode answers an allowed call.
    let http = match http_addr {
        Some(addr) => {
            let http_listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
            println!("listening http={}", http_listener.local_addr().unwrap());
            let app = axum::Router::new().fallback(|| async { axum::http::StatusCode::OK });
            Some(tokio::spawn(async move {
                axum::serve(http_listener, app).await.unwrap()
            }))
        }
        None => None,
    };
    println!("listening grpc={bound}");
    std::io::stdout().flush().unwrap();
    tonic::transport::Server::builder()
        .add_service(AuthorizationServer::new(AllowAll))
        .serve_with_incoming(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
        )
        .await
        .unwrap();
    drop(http);
}
