//! The floor for `ramjet serve --grpc`: an Envoy ext_authz gRPC server on the same stack (tonic,
//! envoy-types, tokio) that allows every call without reading it.
//!
//! ```text
//! cargo run --release -p ramjet-bench --example null_authz -- 127.0.0.1:0
//! ```
//!
//! Prints `listening grpc=ADDR`, then serves until killed.
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
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    let bound = listener.local_addr().unwrap();
    println!("listening grpc={bound}");
    std::io::stdout().flush().unwrap();
    tonic::transport::Server::builder()
        .add_service(AuthorizationServer::new(AllowAll))
        .serve_with_incoming(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
        )
        .await
        .unwrap();
}
