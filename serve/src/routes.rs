//! Route files: how an HTTP call a gateway forwards becomes a RAM request, as data.
//!
//! ```json
//! {
//!   "source": "where the routes come from",
//!   "account": "1234567890123456",
//!   "region": "cn-hangzhou",
//!   "principal_header": "x-ramjet-principal",
//!   "trusted_proxies": 1,
//!   "context_headers": {"acs:UserAgent": "user-agent", "acs:Referer": "referer"},
//!   "routes": [
//!     {"method": "GET", "path": "/api/v2/services/{ClusterId}/{ServiceName}",
//!      "action": "eas:DescribeService",
//!      "resource": "acs:eas:{ClusterId}:{account}:service/{ServiceName}"},
//!     {"method": "GET", "path": "/", "query": {"Action": "DescribeInstances"},
//!      "action": "ecs:DescribeInstances", "resource": "*"}
//!   ]
//! }
//! ```
//!
//! Only `routes` is required. A call takes the first route whose method, path and `query`
//! values all match; a `{Name}` in a path matches one non-empty segment, and the resource
//! template is filled from the path's placeholders, `{account}` (the file's `account`, else the
//! principal's) and `{region}` (the file's `region`). A call no route matches is denied.
//!
//! The principal comes from the header `principal_header` (default `x-ramjet-principal`) that
//! the gateway's authentication step sets: the principal object of a request (interfaces.md),
//! as JSON. Over gRPC it may come instead from the claims Envoy's `jwt_authn` filter verified
//! (its `payload_in_metadata`, forwarded by ext_authz's `metadata_context_namespaces`):
//!
//! ```json
//! "principal_claims": {"metadata": "envoy.filters.http.jwt_authn", "payload": "jwt_payload",
//!                      "type": "RamUser", "account": "acs_account", "name": "sub"}
//! ```
//!
//! builds `{"type": "RamUser", "account": <claim acs_account>, "name": <claim sub>}`; any of the
//! principal's members (`name`, `session`, `account`, `service`, `provider`, `id`) may be given
//! as a claim name. When the claims are configured and present they are used; otherwise the
//! header is. The context: `acs:SourceIp` from the peer address, or from `x-forwarded-for` when
//! `trusted_proxies` (default 0) proxies stand in front (the address that many hops from the
//! right); `acs:SecureTransport` from `x-forwarded-proto` (else the listener's, plain HTTP);
//! `acs:CurrentTime`, now; and each of `context_headers` (default: `acs:UserAgent` from
//! `user-agent`, `acs:Referer` from `referer`).
//!
//! Envoy's HTTP ext_authz mode sends the original path to ramjet's HTTP listener, where
//! `/health`, `/ready`, `/metrics` and `/v1/...` are ramjet's own pages: a gateway's `GET /health`
//! would be answered 200, i.e. allowed. Set Envoy's `path_prefix` (say `/ext_authz`) and the
//! file's `"authz_prefix": "/ext_authz"`: the prefix is taken off before routing, and a call
//! without it is denied. (`forward_auth` and gRPC carry the original path apart: no prefix.)
//!
//! A file that does not parse, or whose routes name an unknown action or a placeholder their
//! path does not have, is refused with the file, the line of the route and the reason.

use crate::principal_cache;
use percent_encoding::percent_decode_str;
use ramjet_compiler::diagnostic::Diagnostics;
use ramjet_compiler::json::{self, Json};
use ramjet_compiler::one_line;
use ramjet_compiler::{principal_from_json, JsonPath};
use ramjet_engine::{check_action, Context, Principal, PrincipalKind, Request, RequestError};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt::Write;
use std::net::IpAddr;
use std::path::Path;

/// The EAS actions the catalog knows (`corpus/catalog/eas-actions.json`): a route naming an
/// `eas:` action outside it is refused.
fn catalog_actions() -> HashSet<String> {
    let text = include_str!("../../corpus/catalog/eas-actions.json");
    let mut actions = HashSet::new();
    if let Ok(Json::Object(members)) = json::read(text.as_bytes()) {
        if let Some((_, Json::Array(list))) = members.iter().find(|(n, _)| n == "actions") {
            for action in list {
                if let Json::Object(fields) = action {
                    if let Some((_, Json::String(name))) =
                        fields.iter().find(|(n, _)| n == "action")
                    {
                        actions.insert(name.to_ascii_lowercase());
                    }
                }
            }
        }
    }
    actions
}

/// Why a route file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: line {line}: {reason}")]
pub struct RouteFileError {
    /// The file.
    pub file: String,
    /// The line the fault is on (or the route starts on).
    pub line: usize,
    /// What is wrong, with its JSON path.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Placeholder(String),
}

#[derive(Debug, Clone)]
struct Route {
    /// How metrics name the route: `METHOD /path/{Template}`, with `?name=value` for its query
    /// values (`GET /?Action=DescribeInstances`).
    label: String,
    method: String,
    segments: Vec<Piece>,
    query: Vec<(String, String)>,
    action: String,
    resource: Vec<Piece>,
}

/// A loaded route file.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<Route>,
    account: Option<String>,
    region: Option<String>,
    principal_header: String,
    principal_claims: Option<PrincipalClaims>,
    trusted_proxies: usize,
    context_headers: Vec<(String, String)>,
    authz_prefix: Option<String>,
}

/// Where a principal's members come from in verified JWT claims.
#[derive(Debug, Clone)]
struct PrincipalClaims {
    /// The metadata namespace (`envoy.filters.http.jwt_authn`).
    metadata: String,
    /// The key of the claims object in it (`payload_in_metadata`).
    payload: String,
    /// The principal's type, fixed.
    kind: String,
    /// Principal member → claim name.
    members: Vec<(String, String)>,
}

/// One forwarded call, as the gateway describes it.
pub struct Call<'a> {
    /// The original method.
    pub method: &'a str,
    /// The original path, without the query.
    pub path: &'a str,
    /// The original query string, if any.
    pub query: Option<&'a str>,
    /// The original headers (names in lower case).
    pub header: &'a dyn Fn(&str) -> Option<&'a str>,
    /// The address the call came from.
    pub peer: Option<IpAddr>,
    /// Envoy's dynamic metadata (`metadata_context.filter_metadata`) as JSON, when the call
    /// came over gRPC.
    pub metadata: Option<&'a serde_json::Value>,
}

/// A call a route maps: the RAM request, and which route made it.
#[derive(Debug)]
pub struct Mapped {
    /// The request to decide.
    pub request: Request,
    /// The route's index in the file, for [`RouteTable::labels`].
    pub route: usize,
}

/// Why a call is denied before any policy is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmapped {
    /// No route matches the call.
    NoRoute(String),
    /// The call matches a route but cannot become a request (principal missing or malformed, a
    /// placeholder holding `/`, a request the reader refuses).
    BadCall(String),
}

impl Unmapped {
    /// No route maps `method path`.
    pub fn no_route(method: &str, path: &str) -> Unmapped {
        Unmapped::NoRoute(format!("no route maps {method} {path} to a RAM action"))
    }

    /// The reason, for the response and the log.
    pub fn reason(&self) -> &str {
        match self {
            Unmapped::NoRoute(reason) | Unmapped::BadCall(reason) => reason,
        }
    }
}

impl RouteTable {
    /// Reads a route file.
    pub fn load(path: &Path) -> Result<Self, RouteFileError> {
        let file = path.display().to_string();
        let text = std::fs::read(path).map_err(|error| RouteFileError {
            file: file.clone(),
            line: 0,
            reason: format!("cannot read: {error}"),
        })?;
        Self::parse(&text, &file)
    }

    /// Reads a route file's text; `file` names it in errors.
    pub fn parse(text: &[u8], file: &str) -> Result<Self, RouteFileError> {
        let refuse = |line: usize, reason: String| RouteFileError {
            file: file.to_string(),
            line,
            reason,
        };
        let document = json::read(text).map_err(|e| refuse(e.line, e.to_string()))?;
        let Json::Object(members) = &document else {
            return Err(refuse(1, "a route file is a JSON object".into()));
        };
        let route_lines = element_lines(text, "routes");
        // A repeated member would be read one way here and another way by other JSON readers.
        let mut duplicates = Diagnostics::default();
        json::report_duplicate_members(&document, &JsonPath::root(), &mut duplicates);
        if let Some(first) = duplicates.into_vec().into_iter().next() {
            let line = first
                .location
                .strip_prefix("routes[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| route_lines.get(i).copied())
                .unwrap_or(1);
            return Err(refuse(line, first.to_string()));
        }
        let mut table = RouteTable {
            routes: Vec::new(),
            account: None,
            region: None,
            principal_header: "x-ramjet-principal".into(),
            principal_claims: None,
            trusted_proxies: 0,
            context_headers: vec![
                ("acs:UserAgent".into(), "user-agent".into()),
                ("acs:Referer".into(), "referer".into()),
            ],
            authz_prefix: None,
        };
        let actions = catalog_actions();
        let mut routes = None;
        for (name, value) in members {
            let at = |reason: String| refuse(1, format!("{name}: {reason}"));
            match (name.as_str(), value) {
                ("source", Json::String(_)) => {}
                ("account", Json::String(s)) if !s.is_empty() => table.account = Some(s.clone()),
                ("region", Json::String(s)) if !s.is_empty() => table.region = Some(s.clone()),
                ("principal_header", Json::String(s)) if !s.is_empty() => {
                    table.principal_header = s.to_ascii_lowercase()
                }
                ("trusted_proxies", Json::Number(n)) => {
                    table.trusted_proxies = n
                        .parse()
                        .map_err(|_| at(format!("{n} is not a count of proxies")))?
                }
                ("context_headers", Json::Object(pairs)) => {
                    table.context_headers = pairs
                        .iter()
                        .map(|(key, header)| match header {
                            Json::String(h) if !h.is_empty() => {
                                Ok((key.clone(), h.to_ascii_lowercase()))
                            }
                            _ => Err(at(format!("{key}: a header name (string)"))),
                        })
                        .collect::<Result<_, _>>()?;
                }
                ("routes", Json::Array(list)) => routes = Some(list),
                ("authz_prefix", Json::String(p)) => {
                    if p.len() < 2 || !p.starts_with('/') || p.ends_with('/') {
                        return Err(at(format!(
                            "{p:?}: a path prefix starts with '/' and does not end with one (\"/ext_authz\")"
                        )));
                    }
                    table.authz_prefix = Some(p.clone())
                }
                ("principal_claims", Json::Object(_)) => {
                    table.principal_claims = Some(read_claims(value).map_err(at)?)
                }
                (
                    "source" | "account" | "region" | "principal_header" | "trusted_proxies"
                    | "context_headers" | "routes" | "principal_claims" | "authz_prefix",
                    other,
                ) => return Err(at(format!("unexpected {}", other.kind()))),
                (other, _) => {
                    return Err(refuse(
                        1,
                        format!("unknown member {other:?}; allowed: source, account, region, principal_header, principal_claims, trusted_proxies, context_headers, authz_prefix, routes"),
                    ))
                }
            }
        }
        let routes = routes.ok_or_else(|| refuse(1, "member \"routes\" is required".into()))?;
        for (i, route) in routes.iter().enumerate() {
            let line = route_lines.get(i).copied().unwrap_or(1);
            let route = read_route(route, &actions)
                .map_err(|reason| refuse(line, format!("routes[{i}]: {reason}")))?;
            table.routes.push(route);
        }
        Ok(table)
    }

    /// The original path of a call Envoy's HTTP ext_authz mode forwarded, with the file's
    /// `authz_prefix` (Envoy's `path_prefix`) taken off; `None` when the file has a prefix and
    /// the path is not under it (such a call did not come through the gateway: denied).
    pub fn forwarded_path<'p>(&self, path: &'p str) -> Option<&'p str> {
        let Some(prefix) = &self.authz_prefix else {
            return Some(path);
        };
        match path.strip_prefix(prefix.as_str())? {
            "" => Some("/"),
            rest if rest.starts_with('/') => Some(rest),
            _ => None,
        }
    }

    /// How many routes the file holds.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True when the file holds no route.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The RAM request of `call`, or why there is none. The request is this thread's kept one
    /// refilled ([`recycle`] gives it back), so mapping a call copies its strings into buffers
    /// rather than allocating them.
    pub fn map(&self, call: &Call<'_>) -> Result<Mapped, Unmapped> {
        let query: Vec<(String, String)> = call
            .query
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let segments: Vec<&str> = call.path.split('/').collect();
        let mut found = None;
        for (index, route) in self.routes.iter().enumerate() {
            if let Some(captures) = route.matches(call.method, &segments, &query) {
                found = Some((index, route, captures));
                break;
            }
        }
        let Some((index, route, captures)) = found else {
            return Err(Unmapped::no_route(call.method, call.path));
        };
        let captures = captures.map_err(Unmapped::BadCall)?;
        let mut request = KEPT.with(Cell::take);
        // Every way out below gives the kept request back.
        let filled = match self.principal_from_claims(call) {
            Some(Ok(principal)) => self.fill(call, route, &captures, &principal, &mut request),
            Some(Err(reason)) => Err(Unmapped::BadCall(reason)),
            None => self
                .with_header_principal(call, &route.action, |principal| {
                    self.fill(call, route, &captures, principal, &mut request)
                })
                .and_then(|filled| filled),
        };
        match (filled, request) {
            (Ok(()), Some(request)) => Ok(Mapped {
                request,
                route: index,
            }),
            (Err(unmapped), request) => {
                if let Some(request) = request {
                    recycle(request);
                }
                Err(unmapped)
            }
            // `fill` leaves a request when it succeeds.
            (Ok(()), None) => Err(Unmapped::BadCall("the call's request was not made".into())),
        }
    }

    /// Makes `request` (this thread's kept one, or a new one) the request of `call` by `route`
    /// for `principal`. Built from its parts, not written as JSON and read again: the route
    /// file's actions are checked at load, the principal was read strictly, the context is
    /// strings.
    fn fill(
        &self,
        call: &Call<'_>,
        route: &Route,
        captures: &[(String, String)],
        principal: &Principal,
        request: &mut Option<Request>,
    ) -> Result<(), Unmapped> {
        let account = self.account.as_deref().or_else(|| principal.account());
        let resource = route.fill(captures, account, self.region.as_deref())?;
        let refused =
            |error: RequestError| Unmapped::BadCall(format!("the call's request: {error}"));
        let request = match request {
            Some(kept) => {
                kept.refill(&route.action, &resource).map_err(refused)?;
                kept
            }
            None => request.insert(Request::new(&route.action, &resource).map_err(refused)?),
        };
        set_principal(request, principal);
        self.fill_context(call, request.context_mut())
            .map_err(|error| Unmapped::BadCall(format!("the call's context: {error}")))
    }

    /// Each route's label (`METHOD /path/{Template}`, `?name=value` for its query values), in
    /// the file's order: what `ramjet_route_decisions_total` names them by.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|route| route.label.as_str())
    }

    /// The principal the verified claims give, when claims are configured and the call
    /// carries them.
    fn principal_from_claims(&self, call: &Call<'_>) -> Option<Result<Principal, String>> {
        let claims = self.principal_claims.as_ref()?;
        let payload = call
            .metadata?
            .get(&claims.metadata)?
            .get(&claims.payload)?
            .as_object()?;
        let mut object = vec![("type".to_string(), Json::String(claims.kind.clone()))];
        for (member, claim) in &claims.members {
            match payload.get(claim) {
                Some(serde_json::Value::String(value)) => {
                    object.push((member.clone(), Json::String(value.clone())))
                }
                Some(_) => return Some(Err(format!("claim {claim:?} is not a string"))),
                None => return Some(Err(format!("the verified claims have no {claim:?}"))),
            }
        }
        Some(
            principal_from_json(&Json::Object(object))
                .map_err(|d| format!("the principal the claims give: {}", one_line(&d))),
        )
    }

    /// `use_it` on the principal object of the header `principal_header` (read once per
    /// thread and kept: `principal_cache`).
    fn with_header_principal<T>(
        &self,
        call: &Call<'_>,
        action: &str,
        use_it: impl FnOnce(&Principal) -> T,
    ) -> Result<T, Unmapped> {
        let text = (call.header)(&self.principal_header).ok_or_else(|| {
            Unmapped::BadCall(format!(
                "{action}: no principal (header {:?} is missing)",
                self.principal_header
            ))
        })?;
        let mut use_it = Some(use_it);
        if let Some(Some(used)) = principal_cache::with(text, |p| use_it.take().map(|f| f(p))) {
            return Ok(used);
        }
        let principal = match json::read(text.as_bytes()) {
            Ok(value @ Json::Object(_)) => match principal_from_json(&value) {
                Ok(principal) => principal,
                Err(d) => {
                    return Err(Unmapped::BadCall(format!(
                        "header {:?}: {}",
                        self.principal_header,
                        one_line(&d)
                    )))
                }
            },
            _ => {
                return Err(Unmapped::BadCall(format!(
                    "header {:?} is not a JSON principal object",
                    self.principal_header
                )))
            }
        };
        principal_cache::put(text, &principal);
        match use_it.take() {
            Some(use_it) => Ok(use_it(&principal)),
            None => Err(Unmapped::BadCall("the principal was not used".into())),
        }
    }

    /// Adds the context of a call to `context` (empty: a refilled request's). Values are
    /// written into this thread's buffers, not allocated.
    fn fill_context(&self, call: &Call<'_>, context: &mut Context) -> Result<(), RequestError> {
        TEXT.with(|cell| {
            let mut fresh = String::new();
            let mut kept = cell.try_borrow_mut();
            let text = match kept.as_deref_mut() {
                Ok(text) => text,
                // Not re-entered today; a fresh buffer is correct, only slower.
                Err(_) => &mut fresh,
            };
            text.clear();
            if let Some(ip) = self.source_ip(call) {
                // Writing to a `String` cannot fail.
                let _ = write!(text, "{ip}");
                context.insert_value("acs:SourceIp", text)?;
            }
            let secure = (call.header)("x-forwarded-proto")
                .map(|p| p.trim().eq_ignore_ascii_case("https"))
                .unwrap_or(false);
            context.insert_value("acs:SecureTransport", if secure { "true" } else { "false" })?;
            text.clear();
            let _ = write!(text, "{}", jiff::Timestamp::now());
            context.insert_value("acs:CurrentTime", text)?;
            for (key, header) in &self.context_headers {
                if let Some(value) = (call.header)(header) {
                    if context.get(key).is_none() {
                        context.insert_value(key, value)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// `acs:SourceIp`: the peer, or the address `trusted_proxies` hops from the right of
    /// `x-forwarded-for`. Absent when that address is not there or not an address.
    fn source_ip(&self, call: &Call<'_>) -> Option<IpAddr> {
        if self.trusted_proxies == 0 {
            return call.peer;
        }
        let forwarded = (call.header)("x-forwarded-for")?;
        let hops = forwarded.split(',').map(str::trim);
        let index = hops.clone().count().checked_sub(self.trusted_proxies)?;
        hops.clone().nth(index)?.parse::<IpAddr>().ok()
    }
}

thread_local! {
    /// Each server thread's request, refilled for every call it maps ([`recycle`]).
    static KEPT: Cell<Option<Request>> = const { Cell::new(None) };
    /// Each server thread's buffer for the context values it formats.
    static TEXT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Gives a mapped call's request back to this thread, to be refilled by the next call.
pub fn recycle(request: Request) {
    KEPT.with(|kept| kept.set(Some(request)));
}

/// Sets `principal` on `request`, copying into its kept buffers for a RAM user or a role session.
fn set_principal(request: &mut Request, principal: &Principal) {
    match &principal.kind {
        PrincipalKind::RamUser { account, name, id } if !principal.management_account => {
            request.set_ram_user(account, name, id.as_deref())
        }
        PrincipalKind::AssumedRole {
            account,
            role,
            session,
            id,
        } if !principal.management_account => {
            request.set_assumed_role(account, role, session, id.as_deref())
        }
        _ => request.set_principal(principal.clone()),
    }
}

impl Route {
    /// `None` when the route does not match; else the placeholders' values, or why one is
    /// refused.
    fn matches(
        &self,
        method: &str,
        segments: &[&str],
        query: &[(String, String)],
    ) -> Option<Result<Vec<(String, String)>, String>> {
        if !self.method.eq_ignore_ascii_case(method) || segments.len() != self.segments.len() {
            return None;
        }
        let mut captures = Vec::new();
        for (piece, segment) in self.segments.iter().zip(segments) {
            match piece {
                Piece::Text(text) if text == segment => {}
                Piece::Text(_) => return None,
                Piece::Placeholder(_) if segment.is_empty() => return None,
                Piece::Placeholder(name) => captures.push((name.clone(), *segment)),
            }
        }
        let query_holds = self
            .query
            .iter()
            .all(|(name, value)| query.iter().any(|(n, v)| n == name && v == value));
        if !query_holds {
            return None;
        }
        let decoded = captures
            .into_iter()
            .map(|(name, raw)| {
                let value = percent_decode_str(raw)
                    .decode_utf8()
                    .map_err(|_| format!("path segment {raw:?} is not UTF-8"))?;
                if value.contains('/') || value.chars().any(char::is_control) {
                    // Would change the resource's structure: refused, not passed on.
                    return Err(format!(
                        "{{{name}}} {value:?} holds '/' or a control character"
                    ));
                }
                Ok((name, value.into_owned()))
            })
            .collect();
        Some(decoded)
    }

    /// The resource ARN with its placeholders filled.
    fn fill(
        &self,
        captures: &[(String, String)],
        account: Option<&str>,
        region: Option<&str>,
    ) -> Result<String, Unmapped> {
        let mut arn = String::new();
        for piece in &self.resource {
            match piece {
                Piece::Text(text) => arn.push_str(text),
                Piece::Placeholder(name) => {
                    let value = match name.as_str() {
                        "account" => account,
                        "region" => region,
                        _ => captures
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| v.as_str()),
                    };
                    let value = value.ok_or_else(|| {
                        Unmapped::BadCall(format!(
                            "{}: no value for {{{name}}} in its resource",
                            self.action
                        ))
                    })?;
                    arn.push_str(value);
                }
            }
        }
        Ok(arn)
    }
}

/// Splits a template into text and `{Name}` placeholders.
fn template(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let (before, after) = rest.split_at(open);
        let close = after
            .find('}')
            .ok_or_else(|| format!("{text:?}: a '{{' without '}}'"))?;
        let name = after.get(1..close).unwrap_or("");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("{text:?}: placeholder {{{name}}} is not a name"));
        }
        if !before.is_empty() {
            pieces.push(Piece::Text(before.to_string()));
        }
        pieces.push(Piece::Placeholder(name.to_string()));
        rest = after.get(close + 1..).unwrap_or("");
    }
    if rest.contains('}') {
        return Err(format!("{text:?}: a '}}' without '{{'"));
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

fn read_claims(value: &Json) -> Result<PrincipalClaims, String> {
    let Json::Object(members) = value else {
        return Err("an object".into());
    };
    let mut claims = PrincipalClaims {
        metadata: String::new(),
        payload: String::new(),
        kind: String::new(),
        members: Vec::new(),
    };
    for (name, value) in members {
        let Json::String(text) = value else {
            return Err(format!("{name}: a string"));
        };
        match name.as_str() {
            "metadata" => claims.metadata = text.clone(),
            "payload" => claims.payload = text.clone(),
            "type" => claims.kind = text.clone(),
            "account" | "name" | "session" | "service" | "provider" | "id" => {
                claims.members.push((name.clone(), text.clone()))
            }
            other => {
                return Err(format!(
                    "unknown member {other:?}; allowed: metadata, payload, type, account, name, session, service, provider, id"
                ))
            }
        }
    }
    for (name, value) in [
        ("metadata", &claims.metadata),
        ("payload", &claims.payload),
        ("type", &claims.kind),
    ] {
        if value.is_empty() {
            return Err(format!("member {name:?} is required"));
        }
    }
    Ok(claims)
}

fn read_route(route: &Json, actions: &HashSet<String>) -> Result<Route, String> {
    let Json::Object(members) = route else {
        return Err(format!("a route is an object, found {}", route.kind()));
    };
    let string = |name: &str| -> Result<&str, String> {
        match members.iter().find(|(n, _)| n == name) {
            Some((_, Json::String(s))) if !s.is_empty() => Ok(s),
            Some(_) => Err(format!("{name}: a non-empty string")),
            None => Err(format!("member {name:?} is required")),
        }
    };
    for (name, _) in members {
        if !["method", "path", "query", "action", "resource", "note"].contains(&name.as_str()) {
            return Err(format!(
                "unknown member {name:?}; allowed: method, path, query, action, resource, note"
            ));
        }
    }
    let method = string("method")?.to_ascii_uppercase();
    let path = string("path")?;
    if !path.starts_with('/') {
        return Err(format!("path {path:?} does not start with '/'"));
    }
    let mut segments = Vec::new();
    for segment in path.split('/') {
        let pieces = template(segment)?;
        match pieces.as_slice() {
            [] => segments.push(Piece::Text(String::new())),
            [Piece::Text(t)] => segments.push(Piece::Text(t.clone())),
            [Piece::Placeholder(p)] => segments.push(Piece::Placeholder(p.clone())),
            _ => {
                return Err(format!(
                    "path {path:?}: a placeholder must be a whole segment"
                ))
            }
        }
    }
    let query = match members.iter().find(|(n, _)| n == "query") {
        None => Vec::new(),
        Some((_, Json::Object(pairs))) => pairs
            .iter()
            .map(|(k, v)| match v {
                Json::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(format!("query.{k}: a string")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("query: an object of parameter values".into()),
    };
    let action = string("action")?;
    check_action(action).map_err(|e| format!("action: {e}"))?;
    let is_eas = action
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("eas:"));
    if is_eas && !actions.contains(&action.to_ascii_lowercase()) {
        return Err(format!(
            "action {action:?} is not an EAS action (corpus/catalog/eas-actions.json)"
        ));
    }
    let resource_text = string("resource")?;
    let resource = template(resource_text)?;
    for piece in &resource {
        if let Piece::Placeholder(name) = piece {
            let known = name == "account"
                || name == "region"
                || segments.contains(&Piece::Placeholder(name.clone()));
            if !known {
                return Err(format!(
                    "resource {resource_text:?}: {{{name}}} is neither a placeholder of the path nor {{account}} or {{region}}"
                ));
            }
        }
    }
    let mut label = format!("{method} {path}");
    for (i, (name, value)) in query.iter().enumerate() {
        label.push(if i == 0 { '?' } else { '&' });
        label.push_str(&format!("{name}={value}"));
    }
    Ok(Route {
        label,
        method,
        segments,
        query,
        action: action.to_string(),
        resource,
    })
}

/// The line on which each element of the top-level array `key` starts, for error messages (the
/// JSON tree keeps no positions). The text is known to be valid JSON.
fn element_lines(text: &[u8], key: &str) -> Vec<usize> {
    let needle = format!("\"{key}\"");
    let mut lines = Vec::new();
    let (mut line, mut depth, mut in_string, mut escaped) = (1usize, 0usize, false, false);
    let mut array_depth = None;
    let mut expecting_element = false;
    let mut i = 0;
    while let Some(&byte) = text.get(i) {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            if byte == b'\n' {
                line += 1;
            }
            i += 1;
            continue;
        }
        match byte {
            b'\n' => line += 1,
            b'"' => {
                if depth == 1
                    && array_depth.is_none()
                    && text.get(i..i + needle.len()) == Some(needle.as_bytes())
                {
                    array_depth = Some(usize::MAX); // the key's array comes next
                }
                if expecting_element {
                    lines.push(line);
                    expecting_element = false;
                }
                in_string = true;
            }
            b'[' | b'{' => {
                if array_depth == Some(usize::MAX) && byte == b'[' {
                    array_depth = Some(depth + 1);
                    expecting_element = true;
                } else if expecting_element {
                    lines.push(line);
                    expecting_element = false;
                }
                depth += 1;
            }
            b']' | b'}' => {
                if array_depth == Some(depth) {
                    array_depth = Some(0);
                    expecting_element = false;
                }
                depth = depth.saturating_sub(1);
            }
            b',' if array_depth == Some(depth) => expecting_element = true,
            b' ' | b'\t' | b'\r' | b':' => {}
            _ => {
                if expecting_element {
                    lines.push(line);
                    expecting_element = false;
                }
            }
        }
        i += 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::RouteTable;

    fn with_prefix(prefix: &str) -> Result<RouteTable, super::RouteFileError> {
        let text = format!(
            r#"{{"authz_prefix": {prefix:?},
  "routes": [{{"method": "GET", "path": "/api/v2/services", "action": "eas:ListServices", "resource": "*"}}]}}"#
        );
        RouteTable::parse(text.as_bytes(), "prefix.json")
    }

    #[test]
    fn an_authz_prefix_is_taken_off_whole_segments_only() {
        let table = with_prefix("/ext_authz").unwrap();
        assert_eq!(table.forwarded_path("/ext_authz/api/v2"), Some("/api/v2"));
        assert_eq!(table.forwarded_path("/ext_authz"), Some("/"));
        assert_eq!(table.forwarded_path("/ext_authzX/api"), None);
        assert_eq!(table.forwarded_path("/api/v2"), None);
        let none = RouteTable::parse(br#"{"routes": []}"#, "none.json").unwrap();
        assert_eq!(none.forwarded_path("/health"), Some("/health"));
    }

    #[test]
    fn a_prefix_that_is_not_a_path_is_refused() {
        for bad in ["", "/", "ext_authz", "/ext_authz/"] {
            let error = with_prefix(bad).unwrap_err();
            assert!(error.reason.starts_with("authz_prefix: "), "{error}");
        }
    }
}
