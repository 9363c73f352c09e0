//! Shared code of ramjet's fuzz targets (`fuzz_targets/*.rs`): structured generators of policies,
//! requests and scenarios ([`gen`], drawing on [`vocab`]), and the agreement checks ([`check`]).
//! See `README.md` for the targets and how to run them.

pub mod check;
pub mod gen;
pub mod vocab;

use ramjet_compiler::{parse_policy, PolicyKind};
use ramjet_engine::model::{NamedPolicy, PolicySet};

/// Every policy kind, in the order the targets try them.
pub const KINDS: [PolicyKind; 4] = [
    PolicyKind::Identity,
    PolicyKind::Session,
    PolicyKind::Resource,
    PolicyKind::Control,
];

/// A policy set holding `policy` in the place its kind goes.
pub fn set_of(kind: PolicyKind, policy: ramjet_engine::model::Policy) -> PolicySet {
    let named = |name: &str| NamedPolicy {
        name: name.to_string(),
        resource_group: None,
        policy,
    };
    let mut set = PolicySet::default();
    match kind {
        PolicyKind::Identity => set.identity.push(named("identity[0]")),
        PolicyKind::Session => set.session = Some(named("session")),
        PolicyKind::Resource => set.resource = Some(named("resource")),
        PolicyKind::Control => set.control.push(vec![named("control[0][0]")]),
    }
    set
}

/// Parses `text` as a policy of `kind`, panicking on errors: for fixed policies in the targets.
pub fn fixed_policy(text: &str, kind: PolicyKind) -> ramjet_engine::model::Policy {
    match parse_policy(text.as_bytes(), kind) {
        Ok(parsed) => parsed.policy,
        Err(errors) => panic!("fixed policy does not parse: {errors:?}"),
    }
}

use ramjet_engine::model::{ConditionValues, Policy, PrincipalSpec, Statement};
use ramjet_engine::{Context, Principal, PrincipalKind, Request};

/// The longest text [`requests_for`] makes: the reference glob is O(pattern × text), and
/// requests derived from 8,192-character patterns would make each check slow without finding
/// more.
pub const MAX_CONCRETE_CHARS: usize = 256;

/// A text that a glob pattern matches (each `*` read as nothing, each `?` as `x`), cut to
/// `max_chars`.
pub fn concrete(pattern: &str, max_chars: usize) -> String {
    pattern
        .chars()
        .filter(|&c| c != '*')
        .map(|c| if c == '?' { 'x' } else { c })
        .take(max_chars)
        .collect()
}

/// The request principal a statement's `Principal` names first (a RAM user otherwise).
fn principal_for(statement: &Statement, max_chars: usize) -> Principal {
    let concrete = |p: &str| concrete(p, max_chars);
    let user = || Principal::ram_user("1111", "alice");
    let Some(spec) = &statement.principal else {
        return user();
    };
    match spec {
        PrincipalSpec::Everyone => user(),
        PrincipalSpec::AccountList(entries) => match entries.iter().find(|e| *e != "*") {
            Some(account) => Principal::ram_user(account, "alice"),
            None => user(),
        },
        PrincipalSpec::Named {
            ram,
            service,
            federated,
        } => {
            if let Some(entry) = ram.first() {
                let arn = concrete(entry);
                let fields: Vec<&str> = arn.splitn(5, ':').collect();
                let account = fields
                    .get(3)
                    .copied()
                    .filter(|a| !a.is_empty())
                    .unwrap_or("1111");
                let relative = fields.get(4).copied().unwrap_or("root");
                let kind = match relative.split_once('/') {
                    Some(("role", rest)) => {
                        let (role, session) = rest.split_once('/').unwrap_or((rest, "s1"));
                        PrincipalKind::AssumedRole {
                            account: account.to_string(),
                            role: role.to_string(),
                            session: session.to_string(),
                            id: None,
                        }
                    }
                    Some((_, name)) => PrincipalKind::RamUser {
                        account: account.to_string(),
                        name: name.to_string(),
                        id: None,
                    },
                    None => PrincipalKind::RootAccount {
                        account: account.to_string(),
                    },
                };
                Principal::new(kind)
            } else if let Some(entry) = service.first() {
                let (account, name) = match entry.split_once('@') {
                    Some((uid, name)) => (Some(uid.to_string()), name),
                    None => (None, entry.as_str()),
                };
                Principal::new(PrincipalKind::Service {
                    service: name.to_string(),
                    account,
                })
            } else if let Some(provider) = federated.first() {
                Principal::new(PrincipalKind::Federated {
                    provider: provider.clone(),
                })
            } else {
                user()
            }
        }
    }
}

/// Requests that a policy's statements are likely to apply to: the first action and resource
/// pattern of `count` statements (spread over the policy) made concrete (at most `max_chars`
/// characters), the principal the statement names, and a context with the usual keys plus each
/// string condition's first value.
pub fn requests_for(policy: &Policy, count: usize, max_chars: usize) -> Vec<Request> {
    let concrete = |p: &str| concrete(p, max_chars);
    let statements = &policy.statements;
    let step = (statements.len() / count.max(1)).max(1);
    statements
        .iter()
        .step_by(step)
        .take(count)
        .filter_map(|statement| {
            let action = statement
                .actions
                .patterns
                .first()
                .map(|p| concrete(p))
                .filter(|a| ramjet_engine::check_action(a).is_ok())
                .unwrap_or_else(|| "eas:CreateService".to_string());
            let resource = statement
                .resources
                .as_ref()
                .and_then(|r| r.patterns.first())
                .map(|p| concrete(p))
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "*".to_string());
            let mut context = Context::default();
            for (key, value) in [
                ("acs:SourceIp", "10.1.2.3"),
                ("acs:CurrentTime", "2024-01-01T00:00:00Z"),
                ("acs:SecureTransport", "true"),
                ("count", "5"),
            ] {
                let _ = context.insert(key, vec![value.to_string()]);
            }
            for test in &statement.conditions {
                if let ConditionValues::Strings(values) = &test.values {
                    if let Some(first) = values.first() {
                        let _ = context.insert(&test.key, vec![concrete(first)]);
                    }
                }
            }
            let request = Request::new(&action, &resource).ok()?;
            Some(
                request
                    .with_principal(principal_for(statement, max_chars))
                    .with_context(context),
            )
        })
        .collect()
}
