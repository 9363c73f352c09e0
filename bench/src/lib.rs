//! Deterministic RAM-shaped workloads for ramjet's benchmarks, built from the corpus: EAS policies
//! drawn from the action catalog (exact actions, wildcards, conditions on IP, tags, time and
//! transport, Deny statements), attached to one principal as ten policies, plus filler statements
//! for other services that a request can never match; and requests that hit and miss.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken workload

use ramjet_compiler::{parse_policy, parse_request, PolicyKind};
use ramjet_engine::model::{Account, Bundle, User};
use ramjet_engine::{Context, Principal, Request};
use serde_json::{json, Value};

#[cfg(feature = "peers")]
pub mod peers;

/// The account every workload lives in.
pub const ACCOUNT: &str = "1234567890123456";
/// The user every workload checks.
pub const USER: &str = "bench-user";

/// A bundle and requests against it.
pub struct Workload {
    /// The bundle: one user with `policies` policies of `statements` statements, plus filler.
    pub bundle: Bundle,
    /// Requests, about half of them allowed.
    pub requests: Vec<Request>,
    /// Statements in the user's own policies (excluding filler).
    pub principal_statements: usize,
    /// The user's policies as the JSON documents they were parsed from, in attachment order
    /// (filler included), for engines that read policies themselves (the peers).
    pub documents: Vec<(String, Value)>,
}

/// The 97 EAS actions of the catalog (`corpus/catalog/eas-actions.json`).
pub use ramjet_audit::report::catalog_actions;

const WILDCARDS: [&str; 8] = [
    "eas:Describe*",
    "eas:List*",
    "eas:*Service",
    "eas:Create*",
    "eas:*ServiceInstances",
    "eas:Get*",
    "oss:Get*",
    "eas:Update?ervice",
];

fn service_arn(rng: &mut fastrand::Rng) -> String {
    match rng.u8(0..4) {
        0 => format!("acs:eas:*:{ACCOUNT}:service/svc-{}*", rng.u8(0..10)),
        1 => format!(
            "acs:eas:cn-hangzhou:{ACCOUNT}:service/svc-{}",
            rng.u8(0..50)
        ),
        2 => format!("acs:eas:*:{ACCOUNT}:*"),
        _ => "*".to_string(),
    }
}

fn condition(rng: &mut fastrand::Rng) -> Value {
    match rng.u8(0..4) {
        0 => json!({"IpAddress": {"acs:SourceIp": ["192.0.2.0/24", "10.0.0.0/8"]}}),
        1 => json!({"StringEquals": {"acs:ResourceTag/team": ["llm", "vision"]}}),
        2 => {
            json!({"DateLessThan": {"acs:CurrentTime": "2027-01-01T00:00:00Z"}, "Bool": {"acs:SecureTransport": "true"}})
        }
        _ => {
            json!({"StringLike": {"acs:UserAgent": "*pai-sdk*"}, "NumericLessThanEquals": {"eas:Replicas": "8"}})
        }
    }
}

/// One statement of a principal's policy: 40% exact actions, 25% wildcards, 25% conditioned,
/// 10% Deny.
fn statement(rng: &mut fastrand::Rng, actions: &[String]) -> Value {
    let pick = |rng: &mut fastrand::Rng| actions[rng.usize(0..actions.len())].clone();
    let exact: Vec<String> = (0..rng.usize(2..5)).map(|_| pick(rng)).collect();
    // One statement in seven is a NotAction one (14 of 100, as in the outside benchmark of
    // issue 14; the corpus's published policies have none): half "everything but RAM, STS and
    // deletes" on some services, half a read-only guard on production outside the office.
    if rng.u8(0..50) < 7 {
        return if rng.bool() {
            json!({"Effect": "Allow", "NotAction": ["ram:*", "sts:*", "eas:Delete*"], "Resource": service_arn(rng)})
        } else {
            json!({"Effect": "Deny", "NotAction": ["eas:Describe*", "eas:List*", "eas:Get*"],
                   "Resource": format!("acs:eas:*:{ACCOUNT}:service/prod-*"),
                   "Condition": {"NotIpAddress": {"acs:SourceIp": "192.0.2.0/24"}}})
        };
    }
    match rng.u8(0..20) {
        0..=7 => json!({"Effect": "Allow", "Action": exact, "Resource": service_arn(rng)}),
        8..=12 => {
            json!({"Effect": "Allow", "Action": [WILDCARDS[rng.usize(0..WILDCARDS.len())]], "Resource": service_arn(rng)})
        }
        13..=17 => {
            json!({"Effect": "Allow", "Action": exact, "Resource": service_arn(rng), "Condition": condition(rng)})
        }
        _ => {
            json!({"Effect": "Deny", "Action": ["eas:Delete*", "eas:Stop*"], "Resource": format!("acs:eas:*:{ACCOUNT}:service/prod-*"),
                     "Condition": {"NotIpAddress": {"acs:SourceIp": "192.0.2.0/24"}}})
        }
    }
}

/// Filler: statements for services no request names (`svc0042:Action*`), which the action index
/// must never look at.
fn filler_statement(i: usize) -> Value {
    json!({"Effect": "Allow", "Action": [format!("svc{i:05}:Action*"), format!("svc{i:05}:Get{i}")], "Resource": format!("acs:svc{i:05}:*:{ACCOUNT}:thing/*")})
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "1", "Statement": statements})
}

fn parse_document(document: &Value) -> ramjet_engine::model::Policy {
    match parse_policy(document.to_string().as_bytes(), PolicyKind::Identity) {
        Ok(parsed) => parsed.policy,
        Err(errors) => panic!("workload policy is invalid: {errors:?}"),
    }
}

/// A request for `action` on an EAS service, with context that satisfies the workload's
/// conditions about half of the time.
pub fn request(rng: &mut fastrand::Rng, action: &str) -> Request {
    let service = if rng.bool() {
        format!("svc-{}{}", rng.u8(0..10), rng.u8(0..10))
    } else {
        format!("prod-{}", rng.u8(0..10))
    };
    let mut context = Context::default();
    let ip = if rng.bool() {
        "192.0.2.44"
    } else {
        "203.0.113.9"
    };
    let entries: [(&str, String); 6] = [
        ("acs:SourceIp", ip.to_string()),
        (
            "acs:ResourceTag/team",
            if rng.bool() { "llm" } else { "search" }.to_string(),
        ),
        ("acs:CurrentTime", "2026-11-24T10:00:00Z".to_string()),
        ("acs:SecureTransport", rng.bool().to_string()),
        ("acs:UserAgent", "pai-sdk-python/1.2 (linux)".to_string()),
        ("eas:Replicas", rng.u8(1..12).to_string()),
    ];
    for (key, value) in entries {
        let _ = context.insert(key, vec![value]);
    }
    let resource = format!("acs:eas:cn-hangzhou:{ACCOUNT}:service/{service}");
    match Request::new(action, &resource) {
        Ok(request) => request
            .with_principal(Principal::ram_user(ACCOUNT, USER))
            .with_context(context),
        Err(error) => panic!("workload request is invalid: {error}"),
    }
}

/// A user with `policies` policies of `statements_per_policy` statements each, plus `filler`
/// statements that cannot match, and `requests` requests.
pub fn workload(
    policies: usize,
    statements_per_policy: usize,
    filler: usize,
    requests: usize,
    seed: u64,
) -> Workload {
    let mut rng = fastrand::Rng::with_seed(seed);
    let actions = catalog_actions();
    let mut documents = Vec::new();
    for p in 0..policies {
        let statements = (0..statements_per_policy)
            .map(|_| statement(&mut rng, &actions))
            .collect();
        documents.push((format!("Eas{p:02}"), document(statements)));
    }
    if filler > 0 {
        documents.push((
            "Filler".into(),
            document((0..filler).map(filler_statement).collect()),
        ));
    }
    let requests = (0..requests)
        .map(|_| {
            let action = actions[rng.usize(0..actions.len())].clone();
            request(&mut rng, &action)
        })
        .collect();
    assemble(documents, requests, policies * statements_per_policy)
}

/// One user with `documents` as its policies, and `requests`.
fn assemble(
    documents: Vec<(String, Value)>,
    requests: Vec<Request>,
    principal_statements: usize,
) -> Workload {
    let mut bundle = Bundle::default();
    for (name, document) in &documents {
        bundle
            .policies
            .insert(name.clone(), parse_document(document));
    }
    let mut account = Account::default();
    account.users.insert(
        USER.into(),
        User {
            policies: documents.iter().map(|(name, _)| name.clone()).collect(),
            groups: vec![],
        },
    );
    bundle.accounts.insert(ACCOUNT.into(), account);
    Workload {
        bundle,
        requests,
        principal_statements,
        documents,
    }
}

/// The shape of every statement of a [`kind_workload`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// 8–16 literal actions on one literal service ARN.
    Exact,
    /// Action prefixes (`eas:Describe*`) on ARN prefixes (`acs:eas:*:<uid>:service/svc-1*`).
    Prefix,
    /// General wildcards: `eas:*Service*`, `eas:?etService`, `acs:eas:*:<uid>:service/*-1?`.
    Wildcard,
    /// `NotAction` lists (everything but some deletes and stops): Allows on `*`, Denies on one
    /// service.
    NotAction,
    /// Literal actions on `*` under one or two conditions (IP, tags, time, transport, user
    /// agent, numbers).
    Conditions,
}

impl PatternKind {
    /// Every kind, in table order.
    pub const ALL: [PatternKind; 5] = [
        PatternKind::Exact,
        PatternKind::Prefix,
        PatternKind::Wildcard,
        PatternKind::NotAction,
        PatternKind::Conditions,
    ];

    /// The kind's name in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            PatternKind::Exact => "exact",
            PatternKind::Prefix => "prefix",
            PatternKind::Wildcard => "wildcard",
            PatternKind::NotAction => "not_action",
            PatternKind::Conditions => "conditions",
        }
    }

    fn statement(self, rng: &mut fastrand::Rng, actions: &[String]) -> Value {
        let pick = |rng: &mut fastrand::Rng| actions[rng.usize(0..actions.len())].clone();
        let exact: Vec<String> = (0..rng.usize(2..5)).map(|_| pick(rng)).collect();
        let effect = if rng.u8(0..10) == 0 { "Deny" } else { "Allow" };
        match self {
            PatternKind::Exact => {
                let many: Vec<String> = (0..rng.usize(8..17)).map(|_| pick(rng)).collect();
                json!({"Effect": effect, "Action": many,
                    "Resource": format!("acs:eas:cn-hangzhou:{ACCOUNT}:service/prod-{}", rng.u8(0..10))})
            }
            PatternKind::Prefix => {
                let verbs = [
                    "Describe", "List", "Create", "Update", "Get", "Delete", "Start", "Stop",
                ];
                json!({"Effect": effect, "Action": format!("eas:{}*", verbs[rng.usize(0..verbs.len())]),
                    "Resource": format!("acs:eas:*:{ACCOUNT}:service/svc-{}*", rng.u8(0..10))})
            }
            PatternKind::Wildcard => {
                let patterns = [
                    "eas:*Service*",
                    "eas:?etService",
                    "eas:*Group",
                    "eas:Describe*Task*",
                    "eas:*Instance?",
                ];
                json!({"Effect": effect, "Action": patterns[rng.usize(0..patterns.len())],
                    "Resource": format!("acs:eas:*:{ACCOUNT}:service/*-{}?", rng.u8(0..10))})
            }
            PatternKind::NotAction => {
                // An Allow of everything but a few actions; a Deny of everything but a few, on
                // one service.
                let resource = if effect == "Deny" {
                    format!("acs:eas:*:{ACCOUNT}:service/prod-{}", rng.u8(0..10))
                } else {
                    "*".to_string()
                };
                json!({"Effect": effect, "NotAction": [
                    format!("eas:Delete{}*", ["S", "G", "R", "T"][rng.usize(0..4)]), "eas:Stop*", pick(rng)],
                    "Resource": resource})
            }
            PatternKind::Conditions => json!({"Effect": effect, "Action": exact, "Resource": "*",
                "Condition": condition(rng)}),
        }
    }
}

/// A user with 10 policies of `statements / 10` statements all of one [`PatternKind`], and
/// `requests` requests (as [`workload`]'s).
pub fn kind_workload(kind: PatternKind, statements: usize, requests: usize, seed: u64) -> Workload {
    let mut rng = fastrand::Rng::with_seed(seed);
    let actions = catalog_actions();
    let per_policy = statements.div_ceil(10);
    let documents = (0..10)
        .map(|p| {
            let statements = (0..per_policy)
                .map(|_| kind.statement(&mut rng, &actions))
                .collect();
            (format!("{}{p:02}", kind.name()), document(statements))
        })
        .collect();
    let requests = (0..requests)
        .map(|_| {
            let action = actions[rng.usize(0..actions.len())].clone();
            request(&mut rng, &action)
        })
        .collect();
    assemble(documents, requests, per_policy * 10)
}

/// The table [`limit_baseline`] looks actions up in: the catalog's actions, as the standard
/// library's `HashSet` (SipHash).
pub fn limit_table() -> std::collections::HashSet<&'static str> {
    catalog_actions()
        .into_iter()
        .map(|a| &*Box::leak(a.into_boxed_str()))
        .collect()
}

/// The unavoidable work of any engine for a request: hash the action once and pass over the ARN
/// bytes once. The floor the engine is measured against.
pub fn limit_baseline(request: &Request, table: &std::collections::HashSet<&'static str>) -> bool {
    let hit = table.contains(request.action());
    let colons = request.resource().bytes().filter(|&b| b == b':').count();
    hit ^ (colons == 4)
}

/// Reads a request from JSON, for benches that keep their workloads as text.
pub fn request_from_json(text: &str) -> Option<Request> {
    parse_request(text.as_bytes()).ok()
}

/// `users` users of one account, each with its own `policies` policies of `statements_per_policy`
/// catalog-driven statements (no sharing): the shape of a large real bundle.
pub fn many_users(
    users: usize,
    policies: usize,
    statements_per_policy: usize,
    seed: u64,
) -> Bundle {
    let mut bundle = Bundle::default();
    let mut account = Account::default();
    for (user, documents) in many_user_documents(users, policies, statements_per_policy, seed) {
        let mut names = Vec::new();
        for (name, document) in documents {
            bundle
                .policies
                .insert(name.clone(), parse_document(&document));
            names.push(name);
        }
        account.users.insert(
            user,
            User {
                policies: names,
                groups: vec![],
            },
        );
    }
    bundle.accounts.insert(ACCOUNT.into(), account);
    bundle
}

/// The users of [`many_users`] with their policy documents as JSON, named
/// `user00000` / `User00000Policy00`: for writing a large bundle directory.
pub fn many_user_documents(
    users: usize,
    policies: usize,
    statements_per_policy: usize,
    seed: u64,
) -> Vec<(String, Vec<(String, Value)>)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let actions = catalog_actions();
    (0..users)
        .map(|u| {
            let documents = (0..policies)
                .map(|p| {
                    let statements = (0..statements_per_policy)
                        .map(|_| statement(&mut rng, &actions))
                        .collect();
                    (format!("User{u:05}Policy{p:02}"), document(statements))
                })
                .collect();
            (format!("user{u:05}"), documents)
        })
        .collect()
}

/// Two bundles of one organisation for `ramjet analyze diff` (issue 16's target: 1,000
/// principals, ten policies changed): a pool of `policies` catalog-driven policies of ten
/// statements, 40 groups holding two each, `principals` users and roles (one in twenty a role)
/// holding one or two groups or policies, and an allow-all control level. The new bundle changes
/// `changed` policies: the even ones lose their last statements (a narrowing), the odd ones have
/// a statement's resource widened to `*` (new access). Returns `(old, new)` as JSON documents by
/// name plus each bundle's `bundle.json`.
pub fn diff_bundles(
    principals: usize,
    policies: usize,
    changed: usize,
    seed: u64,
) -> [(Value, Vec<(String, Value)>); 2] {
    let mut rng = fastrand::Rng::with_seed(seed);
    let actions = catalog_actions();
    let mut documents: Vec<(String, Value)> = (0..policies)
        .map(|p| {
            let statements = (0..10).map(|_| statement(&mut rng, &actions)).collect();
            (format!("Team{p:03}Policy"), document(statements))
        })
        .collect();
    documents.push((
        "AllowAll".to_string(),
        json!({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    ));
    let name = |rng: &mut fastrand::Rng| format!("Team{:03}Policy", rng.usize(0..policies));
    let groups: serde_json::Map<String, Value> = (0..40)
        .map(|g| {
            let held = vec![name(&mut rng), name(&mut rng)];
            (format!("group{g:02}"), json!({"policies": held}))
        })
        .collect();
    let mut users = serde_json::Map::new();
    let mut roles = serde_json::Map::new();
    for i in 0..principals {
        let own: Vec<String> = (0..rng.usize(0..2)).map(|_| name(&mut rng)).collect();
        if i % 20 == 19 {
            roles.insert(format!("role{i:05}"), json!({"policies": [name(&mut rng)]}));
        } else {
            let member: Vec<String> = (0..rng.usize(1..3))
                .map(|_| format!("group{:02}", rng.usize(0..40)))
                .collect();
            users.insert(
                format!("user{i:05}"),
                json!({"policies": own, "groups": member}),
            );
        }
    }
    let manifest = json!({"accounts": {ACCOUNT: {
        "users": users, "groups": groups, "roles": roles,
        "control": [["AllowAll"]], "management_account": false
    }}});
    let mut after = documents.clone();
    for (k, (_, doc)) in after.iter_mut().take(changed).enumerate() {
        let statements = doc["Statement"].as_array_mut().unwrap();
        if k % 2 == 0 {
            statements.truncate(7);
        } else {
            let allow = statements
                .iter_mut()
                .find(|s| s["Effect"] == "Allow" && s.get("Action").is_some())
                .unwrap();
            allow["Resource"] = json!("*");
            allow["Action"] = json!(["eas:*"]);
        }
    }
    [(manifest.clone(), documents), (manifest, after)]
}

/// Writes a bundle directory: `bundle.json` and `policies/<name>.json`.
pub fn write_bundle(dir: &std::path::Path, manifest: &Value, documents: &[(String, Value)]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("bundle.json"), manifest.to_string()).unwrap();
    for (name, document) in documents {
        std::fs::write(
            dir.join("policies").join(format!("{name}.json")),
            document.to_string(),
        )
        .unwrap();
    }
}

/// A call as a gateway receives it: the strings a `Request` is made of (a RAM user, the action,
/// the resource, the source IP and five more context keys), none of them a ramjet type yet.
#[derive(Debug, Clone)]
pub struct GatewayCall {
    /// The user's account.
    pub account: String,
    /// The user's name.
    pub user: String,
    /// `service:Name`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// Context keys with one value each, `acs:SourceIp` among them.
    pub context: Vec<(String, String)>,
}

impl GatewayCall {
    /// The parts of a workload request (whose principal is a RAM user and whose context keys
    /// have one value each).
    pub fn of(request: &Request) -> GatewayCall {
        let Some(ramjet_engine::PrincipalKind::RamUser { account, name, .. }) =
            request.principal().map(|p| &p.kind)
        else {
            panic!("workload requests are made by a RAM user");
        };
        GatewayCall {
            account: account.clone(),
            user: name.clone(),
            action: request.action().to_string(),
            resource: request.resource().to_string(),
            context: request
                .context()
                .iter()
                .map(|(key, values)| (key.to_string(), values.concat()))
                .collect(),
        }
    }

    /// Makes `request` this call, in its kept buffers (`Request::refill`). `false` when the call
    /// is not a request.
    pub fn refill(&self, request: &mut Request) -> bool {
        if request.refill(&self.action, &self.resource).is_err() {
            return false;
        }
        request.set_ram_user(&self.account, &self.user, None);
        let context = request.context_mut();
        self.context
            .iter()
            .all(|(key, value)| context.insert_value(key, value).is_ok())
    }
}

/// The ratio of two timings taken in alternating rounds: `first` and `second` each run `block`
/// times per round, in turns (which goes first alternates), so that noise from other tenants of
/// a shared machine falls on both alike. Returns the quartiles of the per-round ratios.
pub fn paired_ratio(
    rounds: usize,
    block: usize,
    mut first: impl FnMut(usize),
    mut second: impl FnMut(usize),
) -> [f64; 3] {
    let time = |run: &mut dyn FnMut(usize), round: usize| {
        let start = std::time::Instant::now();
        for i in 0..block {
            run(round * block + i);
        }
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            let (a, b) = if round % 2 == 0 {
                let a = time(&mut first, round);
                (a, time(&mut second, round))
            } else {
                let b = time(&mut second, round);
                (time(&mut first, round), b)
            };
            a / b
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: usize| {
        ratios
            .get(ratios.len() * q / 4)
            .copied()
            .unwrap_or(f64::NAN)
    };
    [at(1), at(2), at(3)]
}

/// A workload's check through a `StoreReader` against the limit baseline on the same requests,
/// paired ([`paired_ratio`]): the quartiles of check time / limit time.
pub fn check_against_limit(w: &Workload, rounds: usize, block: usize) -> [f64; 3] {
    let store = ramjet_engine::PolicyStore::new(&w.bundle).expect("the workload compiles");
    let mut reader = store.reader();
    let table = limit_table();
    let n = w.requests.len();
    paired_ratio(
        rounds,
        block,
        |i| {
            std::hint::black_box(reader.check(&w.requests[i % n]));
        },
        |i| {
            std::hint::black_box(limit_baseline(&w.requests[i % n], &table));
        },
    )
}

/// Refilling one `Request` from each request's parts ([`GatewayCall`]) and checking it, against
/// the check alone, paired: the quartiles of (refill + check) time / check time.
pub fn refill_against_check(w: &Workload, rounds: usize, block: usize) -> [f64; 3] {
    let store = ramjet_engine::PolicyStore::new(&w.bundle).expect("the workload compiles");
    let (mut refill_reader, mut check_reader) = (store.reader(), store.reader());
    let calls: Vec<_> = w.requests.iter().map(GatewayCall::of).collect();
    let mut refilled = Request::new("eas:Warm", "*").expect("a valid request");
    let n = w.requests.len();
    paired_ratio(
        rounds,
        block,
        |i| {
            if calls[i % n].refill(&mut refilled) {
                std::hint::black_box(refill_reader.check(&refilled));
            }
        },
        |i| {
            std::hint::black_box(check_reader.check(&w.requests[i % n]));
        },
    )
}
