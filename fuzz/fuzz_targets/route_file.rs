//! `ramjet serve`'s route files and the forwarded calls they map. With an even first byte, the
//! rest is read as a route file: never a panic; a refused file names a line; an accepted one maps
//! a call made from its first route (placeholders filled, its query given, a principal header) to
//! a request for that route's action. With an odd first byte, the rest is split at 0xFF bytes
//! into method, path, query and header values of a call against a fixed route file: never a
//! panic, and a mapped request is for an action of the file, with a resource whose filled-in
//! parts hold no '/'.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramjet_serve::routes::{Call, RouteTable};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};

const ALICE: &str = r#"{"type": "RamUser", "account": "1234567890123456", "name": "alice"}"#;

const FIXED: &str = r#"{
  "account": "1234567890123456",
  "trusted_proxies": 1,
  "routes": [
    {"method": "GET", "path": "/api/v2/services", "action": "eas:ListServices", "resource": "*"},
    {"method": "GET", "path": "/api/v2/services/{ClusterId}/{ServiceName}",
     "action": "eas:DescribeService", "resource": "acs:eas:{ClusterId}:{account}:service/{ServiceName}"},
    {"method": "GET", "path": "/", "query": {"Action": "DescribeInstances"},
     "action": "ecs:DescribeInstances", "resource": "*"}
  ]
}"#;

fn call_of<'a>(
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    header: &'a dyn Fn(&str) -> Option<&'a str>,
) -> Call<'a> {
    Call {
        method,
        path,
        query,
        header,
        peer: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        metadata: None,
    }
}

fn route_file(bytes: &[u8]) {
    let table = match RouteTable::parse(bytes, "fuzz.json") {
        Ok(table) => table,
        Err(error) => {
            assert!(!error.reason.is_empty());
            return;
        }
    };
    // The accepted file's first route, read again as plain JSON to build a call it matches.
    let Ok(Value::Object(document)) = serde_json::from_slice::<Value>(bytes) else {
        return; // numbers or names serde_json reads differently: nothing to compare
    };
    let Some(Value::Object(first)) = document.get("routes").and_then(|r| r.get(0)) else {
        assert!(table.is_empty());
        return;
    };
    let method = first["method"].as_str().unwrap_or_default().to_string();
    let mut path = String::new();
    for (i, segment) in first["path"]
        .as_str()
        .unwrap_or_default()
        .split('/')
        .enumerate()
    {
        if i > 0 {
            path.push('/');
        }
        path.push_str(if segment.starts_with('{') {
            "x"
        } else {
            segment
        });
    }
    let query: Vec<String> = first
        .get("query")
        .and_then(Value::as_object)
        .map(|q| {
            q.iter()
                .map(|(k, v)| {
                    let pair: String = form_urlencoded::Serializer::new(String::new())
                        .append_pair(k, v.as_str().unwrap_or_default())
                        .finish();
                    pair
                })
                .collect()
        })
        .unwrap_or_default();
    let query = query.join("&");
    let header = |name: &str| (name == "x-ramjet-principal").then_some(ALICE);
    let call = call_of(&method, &path, Some(&query), &header);
    match table.map(&call) {
        Ok(mapped) => {
            assert!(mapped
                .request
                .action()
                .eq_ignore_ascii_case(first["action"].as_str().unwrap_or_default()));
            // Made from the first route, mapped by it: counted under its label.
            assert_eq!(mapped.route, 0);
            let label = table.labels().next().expect("a first route");
            assert!(
                label.starts_with(&format!("{} /", method.to_ascii_uppercase())),
                "{label}"
            );
        }
        // A principal header the file renamed, an ARN the request reader refuses, a `{region}`
        // the file does not give: denied, which is fine.
        Err(unmapped) => assert!(!unmapped.reason().is_empty()),
    }
}

fn forwarded_call(bytes: &[u8]) {
    let table = RouteTable::parse(FIXED.as_bytes(), "fixed.json").expect("the fixed file reads");
    let text = String::from_utf8_lossy(bytes);
    let mut parts = text.split('\u{FFFD}');
    let method = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    let query = parts.next();
    let principal = parts.next().unwrap_or(ALICE).to_string();
    let forwarded = parts.next().map(str::to_string);
    let header = |name: &str| match name {
        "x-ramjet-principal" => Some(principal.as_str()),
        "x-forwarded-for" => forwarded.as_deref(),
        _ => None,
    };
    let call = call_of(method, path, query, &header);
    if let Ok(mapped) = table.map(&call) {
        let request = &mapped.request;
        let action = request.action();
        let actions = [
            "eas:ListServices",
            "eas:DescribeService",
            "ecs:DescribeInstances",
        ];
        assert!(actions.contains(&action), "{action}");
        // The route index names the route that made the request, and its label.
        assert_eq!(actions.get(mapped.route), Some(&action));
        let labels: Vec<&str> = table.labels().collect();
        assert_eq!(
            labels,
            [
                "GET /api/v2/services",
                "GET /api/v2/services/{ClusterId}/{ServiceName}",
                "GET /?Action=DescribeInstances"
            ]
        );
        if action == "eas:DescribeService" {
            let rest = request
                .resource()
                .strip_prefix("acs:eas:")
                .expect("the template's prefix");
            let (region, tail) = rest
                .split_once(":1234567890123456:service/")
                .expect("{account}");
            assert!(
                !region.contains('/') && !tail.contains('/'),
                "{}",
                request.resource()
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector % 2 == 0 {
        route_file(rest);
    } else {
        forwarded_call(rest);
    }
});
