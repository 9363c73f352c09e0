//! `ramjet serve --grpc`: any bytes decoded as Envoy's `CheckRequest` (protobuf) and answered by
//! the authorization service against the corpus bundle and a fixed route file: never a panic;
//! a call that maps to a RAM request is answered 200 exactly when the reference interpreter allows
//! that request (and the body names the request and the reference's decision); a call that does
//! not map is denied (403) with the mapping's reason.
#![no_main]

use envoy_types::ext_authz::v3::pb::CheckRequest;
use libfuzzer_sys::fuzz_target;
use prost::Message;
use ramjet_compiler::load_bundle;
use ramjet_engine::model::Bundle;
use ramjet_engine::{Decision, PolicyStore};
use ramjet_reference as reference;
use ramjet_serve::grpc::AuthorizationService;
use ramjet_serve::metrics::Metrics;
use ramjet_serve::routes::RouteTable;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

const ROUTES: &str = r#"{
  "account": "1234567890123456",
  "trusted_proxies": 1,
  "principal_claims": {"metadata": "envoy.filters.http.jwt_authn", "payload": "jwt_payload",
                       "type": "RamUser", "account": "acs_account", "name": "sub"},
  "routes": [
    {"method": "GET", "path": "/api/v2/services", "action": "eas:ListServices", "resource": "*"},
    {"method": "GET", "path": "/api/v2/services/{ClusterId}/{ServiceName}",
     "action": "eas:DescribeService", "resource": "acs:eas:{ClusterId}:{account}:service/{ServiceName}"},
    {"method": "DELETE", "path": "/api/v2/services/{ClusterId}/{ServiceName}",
     "action": "eas:DeleteService", "resource": "acs:eas:{ClusterId}:{account}:service/{ServiceName}"}
  ]
}"#;

struct Fixture {
    bundle: Bundle,
    service: AuthorizationService,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle");
        let bundle = load_bundle(&dir).expect("the corpus bundle loads");
        let store = PolicyStore::new(&bundle).expect("the corpus bundle compiles");
        let routes = RouteTable::parse(ROUTES.as_bytes(), "fuzz.json").expect("the routes read");
        Fixture {
            bundle,
            service: AuthorizationService {
                store: Arc::new(store),
                metrics: Arc::new(Metrics::default()),
                routes: Some(Arc::new(routes)),
            },
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(request) = CheckRequest::decode(data) else {
        return;
    };
    let fixture = fixture();
    let (reply, revision) = fixture.service.reply(&request);
    assert_eq!(revision, 1);
    let body: Value = serde_json::from_str(&reply.body).expect("a JSON body");
    // The same call mapped again, and decided by the reference interpreter.
    match (reply.status, fixture.service.map(&request)) {
        (status @ (200 | 403), Ok(mapped)) => {
            let mapped = mapped.request;
            let policies = reference::bundle_policies(&fixture.bundle, &mapped);
            let expected = reference::evaluate(&policies, &mapped).decision;
            assert_eq!(body["decision"], expected.as_str(), "{body}");
            assert_eq!(status == 200, expected == Decision::Allow, "{body}");
            assert_eq!(body["action"], mapped.action());
            assert_eq!(body["resource"], mapped.resource());
        }
        (403, Err(unmapped)) => {
            assert_eq!(body["decision"], "ImplicitDeny");
            assert_eq!(body["reason"], unmapped.reason());
        }
        (status, mapped) => panic!("status {status} for {mapped:?}: {body}"),
    }
});
