//! Realistic, deterministic synthetic ActionTrail events for a bundle (`ramjet gen-events`): the
//! bundle's users and role sessions calling EAS catalog actions and the actions their policies
//! name, from office and other networks, over HTTPS or not, with a recorded `errorCode` of
//! `NoPermission` where the bundle denies the call (and, for 1% of events, the opposite: drift
//! for the audit to find). A few events are `system` calls, use an unknown service, or come in
//! PascalCase, as real logs do.

use crate::mapping::Mapping;
use crate::record::{classify, Classified, RawRecord};
use crate::report::catalog_actions;
use ramjet_compiler::json::Json;
use ramjet_engine::model::Bundle;
use ramjet_engine::Scratch;
use ramjet_engine::Snapshot;
use std::io::Write;

// Events are built as `Json` trees (members in the order written, whatever serde_json's
// features), so that they read like ActionTrail's own records.

fn string(text: impl Into<String>) -> Json {
    Json::String(text.into())
}

fn object<const N: usize>(members: [(&str, Json); N]) -> Json {
    Json::Object(
        members
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect(),
    )
}

/// Adds a member at the end of an object.
fn push(object: &mut Json, name: &str, value: Json) {
    if let Json::Object(members) = object {
        members.push((name.to_string(), value));
    }
}

/// ActionTrail's service name for a RAM code (the first `services.tsv` row that maps to it).
fn service_name(code: &str) -> String {
    let mut name = code.to_string();
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    name
}

struct Actor {
    account: String,
    kind: &'static str,
    user_name: String,
    principal_id: String,
    actions: Vec<String>,
}

fn actors(bundle: &Bundle, catalog: &[String]) -> Vec<Actor> {
    let mut out = Vec::new();
    for (account, details) in &bundle.accounts {
        let named = |policies: &[String]| -> Vec<String> {
            let mut actions: Vec<String> = policies
                .iter()
                .filter_map(|p| bundle.policies.get(p))
                .flat_map(|p| &p.statements)
                .filter(|s| !s.actions.negated)
                .flat_map(|s| s.actions.patterns.iter())
                .filter(|a| !a.contains(['*', '?']) && a.contains(':'))
                .cloned()
                .collect();
            actions.extend(catalog.iter().cloned());
            actions
        };
        for (i, (name, user)) in details.users.iter().enumerate() {
            let mut policies = user.policies.clone();
            for g in &user.groups {
                if let Some(group) = details.groups.get(g) {
                    policies.extend(group.policies.iter().cloned());
                }
            }
            out.push(Actor {
                account: account.clone(),
                kind: "ram-user",
                user_name: name.clone(),
                principal_id: format!("2{:017}", i + 1),
                actions: named(&policies),
            });
        }
        for (role, details) in &details.roles {
            out.push(Actor {
                account: account.clone(),
                kind: "assumed-role",
                user_name: format!("{role}:session-1"),
                principal_id: String::new(),
                actions: named(&details.policies),
            });
        }
    }
    out
}

/// Writes `count` events as JSON Lines.
pub fn generate(
    bundle: &Bundle,
    count: u64,
    seed: u64,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut generator = Generator::new(bundle, seed);
    for n in 0..count {
        if let Some(event) = generator.event(n) {
            writeln!(out, "{}", event.to_compact_string())?;
        }
    }
    Ok(())
}

/// The regions events are made in.
const REGIONS: [&str; 3] = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];

/// The EAS services calls on a service name.
const EAS_SERVICES: [&str; 5] = [
    "svc-llm",
    "dev-chat",
    "dev-ranker",
    "prod-chat",
    "prod-vision",
];

/// Makes events one at a time from one random sequence: the same seed, the same events.
struct Generator {
    rng: fastrand::Rng,
    actors: Vec<Actor>,
    mapping: Mapping,
    /// The bundle compiled, to decide the recorded outcomes (none if it does not compile).
    snapshot: Option<Snapshot>,
    scratch: Scratch,
}

impl Generator {
    /// A generator for `bundle`'s principals, seeded with `seed`.
    fn new(bundle: &Bundle, seed: u64) -> Self {
        let rng = fastrand::Rng::with_seed(seed);
        let catalog = catalog_actions();
        Generator {
            rng,
            actors: actors(bundle, &catalog),
            mapping: Mapping::default(),
            snapshot: Snapshot::compile(bundle, 1).ok(),
            scratch: Scratch::default(),
        }
    }

    /// Event number `n`: a `system` call (3%, or always when the bundle has no principal) or an
    /// API call by one of the actors with its recorded outcome, sometimes in PascalCase. `None`
    /// when the actor drawn has no action to call.
    fn event(&mut self, n: u64) -> Option<Json> {
        let event_id = self.event_id(n);
        let time = self.event_time();
        let region = pick(&mut self.rng, &REGIONS).copied().unwrap_or_default();
        if self.rng.u8(0..100) < 3 || self.actors.is_empty() {
            return Some(system_event(&event_id, &time, region));
        }
        let actor = pick(&mut self.rng, &self.actors)?;
        let mut event = api_call(&mut self.rng, actor, &event_id, &time, region)?;
        self.record_outcome(&mut event);
        if self.rng.u8(0..20) == 0 {
            event = pascal_case(event);
        }
        Some(event)
    }

    /// A random UUID-shaped event id that ends in `n`, so that ids are unique.
    fn event_id(&mut self, n: u64) -> String {
        let rng = &mut self.rng;
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rng.u32(..),
            rng.u16(..),
            rng.u16(..0xfff),
            rng.u16(..0xfff),
            n
        )
    }

    /// A random time in November 2026.
    fn event_time(&mut self) -> String {
        let rng = &mut self.rng;
        format!(
            "2026-11-{:02}T{:02}:{:02}:{:02}Z",
            rng.u8(1..24),
            rng.u8(0..24),
            rng.u8(0..60),
            rng.u8(0..60)
        )
    }

    /// Records the outcome of the call in `event` as ActionTrail would: an `errorCode` of
    /// `NoPermission` where the bundle denies it, but for 1% drift, where it is the opposite.
    fn record_outcome(&mut self, event: &mut Json) {
        let text = event.to_compact_string();
        let denied =
            serde_json::from_str::<RawRecord>(&text)
                .ok()
                .and_then(|record| match classify(&record, &self.mapping) {
                    Classified::Request(request, _) => self.snapshot.as_ref().map(|s| {
                        !s.check(&request, &mut self.scratch)
                            .verdict
                            .decision
                            .is_allow()
                    }),
                    _ => None,
                });
        let drift = self.rng.u8(0..100) == 0;
        if denied.is_some_and(|d| d != drift) {
            push(event, "errorCode", string("NoPermission"));
            push(
                event,
                "errorMessage",
                string("You are not authorized to do this action."),
            );
        }
    }
}

/// A call a cloud service made on its own (`userIdentity.type` `system`).
fn system_event(event_id: &str, time: &str, region: &str) -> Json {
    object([
        ("eventId", string(event_id)),
        ("eventName", string("DeleteDisk")),
        ("serviceName", string("Ecs")),
        ("eventType", string("ApiCall")),
        ("eventTime", string(time)),
        ("acsRegion", string(region)),
        ("sourceIpAddress", string("ecs.aliyuncs.com")),
        ("userAgent", string("ecs.aliyuncs.com")),
        (
            "userIdentity",
            object([
                ("type", string("system")),
                ("userName", string("ecs.aliyuncs.com")),
            ]),
        ),
    ])
}

/// An API call by `actor` of one of its actions (1% under an unknown service name), from the
/// office network (80%) or another, with the EAS service it names; no outcome yet. `None` when
/// the action drawn is not `code:Name`.
fn api_call(
    rng: &mut fastrand::Rng,
    actor: &Actor,
    event_id: &str,
    time: &str,
    region: &str,
) -> Option<Json> {
    let (code, name) = pick(rng, &actor.actions).and_then(|a| a.split_once(':'))?;
    let service = if rng.u8(0..100) == 0 {
        "RealtimeCompute".to_string()
    } else {
        service_name(code)
    };
    let office = rng.u8(0..10) < 8;
    let ip = if office {
        format!("192.0.2.{}", rng.u8(1..255))
    } else {
        format!("203.0.113.{}", rng.u8(1..255))
    };
    // Drawn in the order the members come.
    let scheme = if rng.u8(0..10) < 9 { "https" } else { "http" };
    let access_key_id = format!("LTAI{:016x}", rng.u64(..));
    let mfa = if rng.bool() { "true" } else { "false" };
    let mut event = object([
        ("eventId", string(event_id)),
        ("eventVersion", string("1")),
        ("eventType", string("ApiCall")),
        ("eventName", string(name)),
        ("serviceName", string(service)),
        ("eventTime", string(time)),
        ("acsRegion", string(region)),
        ("sourceIpAddress", string(ip)),
        ("userAgent", string("pai-sdk-python/1.2.0")),
        ("requestId", string(event_id)),
        ("additionalEventData", object([("Scheme", string(scheme))])),
        ("recipientAccountId", string(actor.account.clone())),
        (
            "userIdentity",
            object([
                ("type", string(actor.kind)),
                ("accountId", string(actor.account.clone())),
                ("userName", string(actor.user_name.clone())),
                ("principalId", string(actor.principal_id.clone())),
                ("accessKeyId", string(access_key_id)),
                (
                    "sessionContext",
                    object([("attributes", object([("mfaAuthenticated", string(mfa))]))]),
                ),
            ]),
        ),
    ]);
    if code == "eas" && name.contains("Service") {
        if let Some(service) = pick(rng, &EAS_SERVICES) {
            push(
                &mut event,
                "referencedResources",
                object([("ACS::EAS::Service", Json::Array(vec![string(*service)]))]),
            );
        }
    }
    Some(event)
}

/// Every member name with its first letter upper-cased, as some ActionTrail deliveries write them.
fn pascal_case(value: Json) -> Json {
    match value {
        Json::Object(members) => Json::Object(
            members
                .into_iter()
                .map(|(k, v)| {
                    let mut key = k;
                    if let Some(first) = key.get_mut(..1) {
                        first.make_ascii_uppercase();
                    }
                    (key, pascal_case(v))
                })
                .collect(),
        ),
        other => other,
    }
}

/// One of `items`, drawn from `rng`; `None` (and no draw) when there is none.
fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        return None;
    }
    items.get(rng.usize(0..items.len()))
}
