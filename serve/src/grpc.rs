//! Envoy's external authorization over gRPC (`envoy.service.auth.v3.Authorization/Check`): the
//! call Envoy describes is mapped by the route file and decided. An allowed call answers `OK`
//! with `x-ramjet-revision` added to the upstream request; anything else — a deny, a call no
//! route maps, a malformed `CheckRequest` — answers `PERMISSION_DENIED` (7) with a 403 body
//! saying why. The service never answers with a gRPC error: Envoy's `failure_mode_allow` would
//! let an errored check through.

use crate::api::{self, Reply};
use crate::metrics::Metrics;
use crate::routes::{Call, Mapped, RouteTable, Unmapped};
use envoy_types::ext_authz::v3::pb::{Authorization, CheckRequest, CheckResponse, HttpStatusCode};
use envoy_types::ext_authz::v3::{
    CheckRequestExt, CheckResponseExt, DeniedHttpResponseBuilder, OkHttpResponseBuilder,
};
use ramjet_engine::PolicyStore;
use std::net::IpAddr;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// The gRPC authorization service.
pub struct AuthorizationService {
    /// The bundle's compiled snapshots.
    pub store: Arc<PolicyStore>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The route file, if one was given.
    pub routes: Option<Arc<RouteTable>>,
}

impl AuthorizationService {
    /// The RAM request a `CheckRequest` describes, or why it is denied without asking the
    /// policies.
    pub fn map(&self, request: &CheckRequest) -> Result<Mapped, Unmapped> {
        let Some(http) = request
            .attributes
            .as_ref()
            .and_then(|a| a.request.as_ref())
            .and_then(|r| r.http.as_ref())
        else {
            return Err(Unmapped::BadCall(
                "the CheckRequest has no attributes.request.http".into(),
            ));
        };
        let (path, query) = match http.path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (http.path.as_str(), None),
        };
        let Some(routes) = &self.routes else {
            return Err(Unmapped::no_route(&http.method, path));
        };
        let headers = &http.headers;
        let header = |name: &str| headers.get(name).map(String::as_str);
        let peer = request
            .get_client_address()
            .and_then(|a| a.parse::<IpAddr>().ok());
        let metadata = request
            .attributes
            .as_ref()
            .and_then(|a| a.metadata_context.as_ref())
            .map(|m| {
                serde_json::Value::Object(
                    m.filter_metadata
                        .iter()
                        .map(|(namespace, fields)| (namespace.clone(), struct_json(fields)))
                        .collect(),
                )
            });
        let call = Call {
            method: &http.method,
            path,
            query,
            header: &header,
            peer,
            metadata: metadata.as_ref(),
        };
        routes.map(&call)
    }

    /// The reply for one `CheckRequest`, as the HTTP mode would give it, and the revision that
    /// decided it.
    pub fn reply(&self, request: &CheckRequest) -> (Reply, u64) {
        let snapshot = self.store.snapshot();
        let reply = api::authorize(&snapshot, self.map(request), &self.metrics, "grpc_authz");
        (reply, snapshot.revision())
    }
}

#[tonic::async_trait]
impl Authorization for AuthorizationService {
    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let started = std::time::Instant::now();
        let (reply, revision) = self.reply(request.get_ref());
        let mut response = CheckResponse::new();
        if reply.status == 200 {
            let mut ok = OkHttpResponseBuilder::new();
            ok.add_header("x-ramjet-revision", revision.to_string(), None, true);
            response
                .set_status(Status::ok("allowed"))
                .set_http_response(ok);
        } else {
            let mut denied = DeniedHttpResponseBuilder::new();
            denied
                .set_http_status(HttpStatusCode::Forbidden)
                .add_header("content-type", "application/json", None, true)
                .add_header("x-ramjet-revision", revision.to_string(), None, true)
                .set_body(reply.body.clone());
            response
                .set_status(Status::permission_denied(reply.body))
                .set_http_response(denied);
        }
        self.metrics.record_call("grpc_authz", started.elapsed());
        Ok(Response::new(response))
    }
}

/// A protobuf `Struct` (Envoy's dynamic metadata) as JSON.
fn struct_json(value: &envoy_types::pb::google::protobuf::Struct) -> serde_json::Value {
    serde_json::Value::Object(
        value
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), value_json(v)))
            .collect(),
    )
}

fn value_json(value: &envoy_types::pb::google::protobuf::Value) -> serde_json::Value {
    use envoy_types::pb::google::protobuf::value::Kind;
    match &value.kind {
        None | Some(Kind::NullValue(_)) => serde_json::Value::Null,
        Some(Kind::NumberValue(n)) => serde_json::Number::from_f64(*n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Some(Kind::StringValue(s)) => serde_json::Value::String(s.clone()),
        Some(Kind::BoolValue(b)) => serde_json::Value::Bool(*b),
        Some(Kind::StructValue(s)) => struct_json(s),
        Some(Kind::ListValue(list)) => {
            serde_json::Value::Array(list.values.iter().map(value_json).collect())
        }
    }
}
