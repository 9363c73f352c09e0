//! The reference interpreter: RAM evaluation (spec §6) computed directly on the policy model, one
//! rule at a time, in the order the spec gives them. It is written for clarity, not speed: it is
//! the oracle that every faster engine must agree with.

use ramjet_compiler::wildcard::glob_matches;
use ramjet_engine::model::{
    role_of_arn, Bundle, ConditionTest, ConditionValues, Effect, Member, NamedPolicy, PatternList,
    PolicyPlace, PolicySet, PrincipalSpec, SetQuantifier, Statement, TestKind, ValueFamily,
};
use ramjet_engine::value::{parse_bool, parse_instant, parse_request_address, ExactDecimal};
use ramjet_engine::{Decision, Outcome, Principal, PrincipalKind, Request, StatementRef, Step};
use std::cmp::Ordering;

/// Decides `request` against `policies` (spec §6.2), with the step that ended evaluation and the
/// determining statements (§6.3).
///
/// ```
/// use ramjet_compiler::parse_scenario;
/// use ramjet_engine::Decision;
/// use ramjet_reference as reference;
/// let scenario = parse_scenario(br#"{
///   "policies": {"identity": [{"Version": "1", "Statement": [
///     {"Effect": "Allow", "Action": "eas:*", "Resource": "*"},
///     {"Effect": "Deny", "Action": "eas:Delete*", "Resource": "*"}]}]},
///   "request": {"action": "eas:DeleteService", "resource": "acs:eas:cn-hangzhou:1:service/a"}
/// }"#).unwrap();
/// let outcome = reference::evaluate(&scenario.policies, &scenario.request);
/// assert_eq!(outcome.decision, Decision::ExplicitDeny);
/// assert_eq!(outcome.determining[0].statement, 1);
/// ```
pub fn evaluate(policies: &PolicySet, request: &Request) -> Outcome {
    let principal = request.principal();

    // Step 1: control policies. Every level must allow.
    if !policies.control.is_empty() && control_policies_apply_to(principal) {
        let levels: Vec<Evaluation> = policies
            .control
            .iter()
            .enumerate()
            .map(|(level, policies)| {
                let placed = policies
                    .iter()
                    .enumerate()
                    .map(move |(index, p)| (PolicyPlace::Control { level, index }, p));
                evaluate_policies(placed, request)
            })
            .collect();
        if levels.iter().any(|l| l.decision == Decision::ExplicitDeny) {
            let denies = levels.into_iter().flat_map(|l| l.denies).collect();
            return end(Decision::ExplicitDeny, Step::Control, denies);
        }
        if levels.iter().any(|l| l.decision != Decision::Allow) {
            return end(Decision::ImplicitDeny, Step::Control, Vec::new());
        }
    }

    // Step 2: the session policy of an assumed-role session must allow.
    if let (Some(session), Some(PrincipalKind::AssumedRole { .. })) =
        (&policies.session, principal.map(|p| &p.kind))
    {
        let session = evaluate_policies(std::iter::once((PolicyPlace::Session, session)), request);
        match session.decision {
            Decision::Allow => {}
            Decision::ExplicitDeny => {
                return end(Decision::ExplicitDeny, Step::Session, session.denies)
            }
            Decision::ImplicitDeny => {
                return end(Decision::ImplicitDeny, Step::Session, Vec::new())
            }
        }
    }

    // Step 3: identity (decision A) and resource-based (decision B) policies, side by side.
    let identity = identity_decision(policies, request);
    let resource = policies
        .resource
        .as_ref()
        .map(|policy| evaluate_policies(std::iter::once((PolicyPlace::Resource, policy)), request));

    // Step 4: combine.
    let explicit_denies: Vec<StatementRef> = std::iter::once(&identity)
        .chain(resource.as_ref())
        .filter(|e| e.decision == Decision::ExplicitDeny)
        .flat_map(|e| e.denies.iter().cloned())
        .collect();
    if !explicit_denies.is_empty() {
        return end(Decision::ExplicitDeny, Step::Final, explicit_denies);
    }
    let a_allows = identity.decision == Decision::Allow;
    let b_allows = resource
        .as_ref()
        .is_some_and(|b| b.decision == Decision::Allow);
    let allows_of = |both: &[&Evaluation]| -> Vec<StatementRef> {
        both.iter()
            .filter(|e| e.decision == Decision::Allow)
            .flat_map(|e| e.allows.iter().cloned())
            .collect()
    };
    let both: Vec<&Evaluation> = std::iter::once(&identity)
        .chain(resource.as_ref())
        .collect();

    let allowed = if is_role_assumption(request) {
        match principal.map(|p| &p.kind) {
            // The trust policy alone decides for services and federated identities.
            Some(PrincipalKind::Service { .. } | PrincipalKind::Federated { .. }) => b_allows,
            _ => a_allows && b_allows,
        }
    } else if request.is_cross_account() {
        a_allows && b_allows
    } else {
        a_allows || b_allows
    };
    if allowed {
        let deciding: Vec<&Evaluation> = if is_role_assumption(request)
            && matches!(
                principal.map(|p| &p.kind),
                Some(PrincipalKind::Service { .. } | PrincipalKind::Federated { .. })
            ) {
            resource.iter().collect()
        } else {
            both
        };
        end(Decision::Allow, Step::Final, allows_of(&deciding))
    } else {
        end(Decision::ImplicitDeny, Step::Final, Vec::new())
    }
}

fn end(decision: Decision, step: Step, determining: Vec<StatementRef>) -> Outcome {
    Outcome {
        decision,
        step,
        determining,
    }
}

/// Step 1 is skipped for root accounts, principals of the management account and services.
fn control_policies_apply_to(principal: Option<&Principal>) -> bool {
    match principal {
        None => true,
        Some(p) if p.management_account => false,
        Some(p) => !matches!(
            p.kind,
            PrincipalKind::RootAccount { .. } | PrincipalKind::Service { .. }
        ),
    }
}

/// Role assumption: the action matches `sts:AssumeRole*`, ASCII case-insensitive.
fn is_role_assumption(request: &Request) -> bool {
    glob_matches("sts:AssumeRole*", request.action(), true)
}

/// Decision A (spec §6.2 step 3).
fn identity_decision(policies: &PolicySet, request: &Request) -> Evaluation {
    match request.principal().map(|p| &p.kind) {
        // Identity policies never apply to the root account: A = Allow, also across accounts,
        // where step 4 still asks the resource policy (B) to allow.
        Some(PrincipalKind::RootAccount { .. }) => Evaluation {
            decision: Decision::Allow,
            ..Evaluation::default()
        },
        // Nor to anonymous callers.
        Some(PrincipalKind::Anonymous) => Evaluation::default(),
        _ => {
            let identity = policies
                .identity
                .iter()
                .enumerate()
                .map(|(index, p)| (PolicyPlace::Identity { index }, p));
            let account_scope = identity.clone().filter(|(_, p)| p.resource_group.is_none());
            let account = evaluate_policies(account_scope, request);
            if account.decision != Decision::ImplicitDeny {
                return account;
            }
            let Some(group) = request.resource_group() else {
                return account;
            };
            let group_scope = identity.filter(|(_, p)| p.resource_group.as_deref() == Some(group));
            evaluate_policies(group_scope, request)
        }
    }
}

/// The basic evaluation of a set of policies (spec §6.1), keeping the statements that applied.
#[derive(Debug)]
struct Evaluation {
    decision: Decision,
    allows: Vec<StatementRef>,
    denies: Vec<StatementRef>,
}

impl Default for Evaluation {
    fn default() -> Self {
        Evaluation {
            decision: Decision::ImplicitDeny,
            allows: Vec::new(),
            denies: Vec::new(),
        }
    }
}

fn evaluate_policies<'a>(
    policies: impl Iterator<Item = (PolicyPlace, &'a NamedPolicy)>,
    request: &Request,
) -> Evaluation {
    let mut evaluation = Evaluation::default();
    for (place, named) in policies {
        for (index, statement) in named.policy.statements.iter().enumerate() {
            if !statement_applies(statement, request) {
                continue;
            }
            let reference = StatementRef {
                place,
                policy: named.name.clone(),
                statement: index,
                sid: statement.sid.clone(),
            };
            match statement.effect {
                Effect::Allow => evaluation.allows.push(reference),
                Effect::Deny => evaluation.denies.push(reference),
            }
        }
    }
    evaluation.decision = if !evaluation.denies.is_empty() {
        Decision::ExplicitDeny
    } else if !evaluation.allows.is_empty() {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    };
    evaluation
}

/// A statement applies when its action, resource, principal and condition all hold.
fn statement_applies(statement: &Statement, request: &Request) -> bool {
    action_holds(&statement.actions, request)
        && statement
            .resources
            .as_ref()
            .is_none_or(|resources| pattern_list_holds(resources, request.resource(), false))
        && statement
            .principal
            .as_ref()
            .is_none_or(|spec| principal_matches(spec, request, statement.conditions.is_empty()))
        && statement
            .conditions
            .iter()
            .all(|test| condition_holds(test, request))
}

/// `Action` / `Resource`: some pattern matches; `NotAction` / `NotResource`: none does. Actions
/// compare ASCII case-insensitively (§2.2), resources case-sensitively (§3.3).
/// An `Action` / `NotAction` element (spec §2, §6.1a): a role-assumption request's action is
/// matched as itself and as `sts:AssumeRole`; `Action` holds when a pattern matches either name,
/// `NotAction` when none matches either.
fn action_holds(list: &PatternList, request: &Request) -> bool {
    let names: &[&str] = if is_role_assumption(request) {
        &[request.action(), "sts:AssumeRole"]
    } else {
        &[request.action()]
    };
    let any = list
        .patterns
        .iter()
        .any(|pattern| names.iter().any(|name| glob_matches(pattern, name, true)));
    any != list.negated
}

fn pattern_list_holds(list: &PatternList, text: &str, is_action: bool) -> bool {
    let any = list
        .patterns
        .iter()
        .any(|pattern| glob_matches(pattern, text, is_action));
    any != list.negated
}

/// Spec §5.3.
fn principal_matches(spec: &PrincipalSpec, request: &Request, unconditional: bool) -> bool {
    let principal = request.principal();
    match spec {
        PrincipalSpec::Everyone => true,
        PrincipalSpec::AccountList(entries) => {
            let everyone = entries.iter().any(|e| e == "*");
            let Some(principal) = principal else {
                return everyone;
            };
            let is_bucket_owner = matches!(
                &principal.kind,
                PrincipalKind::RootAccount { account } if Some(account.as_str()) == request.resource_account()
            );
            if everyone && unconditional && is_bucket_owner {
                return false;
            }
            entries.iter().any(|entry| {
                entry == "*"
                    || principal.account() == Some(entry.as_str())
                    || principal.id() == Some(entry.as_str())
            })
        }
        PrincipalSpec::Named {
            ram,
            service,
            federated,
        } => {
            let Some(principal) = principal else {
                return false;
            };
            ram.iter().any(|entry| ram_entry_matches(entry, principal))
                || service.iter().any(|entry| service_entry_matches(entry, principal))
                || federated.iter().any(|entry| {
                    matches!(&principal.kind, PrincipalKind::Federated { provider } if provider == entry)
                })
        }
    }
}

/// `acs:ram::<A>:root` covers every root, user and role session of the accounts `<A>` matches;
/// any other entry is a glob over the principal's ARNs.
fn ram_entry_matches(entry: &str, principal: &Principal) -> bool {
    let root_of = entry
        .strip_prefix("acs:ram::")
        .and_then(|rest| rest.strip_suffix(":root"))
        .filter(|account| !account.contains(':'));
    match root_of {
        Some(account_pattern) => match &principal.kind {
            PrincipalKind::RootAccount { account }
            | PrincipalKind::RamUser { account, .. }
            | PrincipalKind::AssumedRole { account, .. } => {
                glob_matches(account_pattern, account, false)
            }
            _ => false,
        },
        None => principal
            .arns()
            .iter()
            .any(|arn| glob_matches(entry, arn, false)),
    }
}

/// A service name (ASCII case-insensitive), or `<uid>@<service>` for a service acting for that
/// account.
fn service_entry_matches(entry: &str, principal: &Principal) -> bool {
    let PrincipalKind::Service { service, account } = &principal.kind else {
        return false;
    };
    match entry.split_once('@') {
        Some((uid, name)) => name.eq_ignore_ascii_case(service) && account.as_deref() == Some(uid),
        None => entry.eq_ignore_ascii_case(service),
    }
}

/// Spec §4.4 and §4.5: one key under one operator.
fn condition_holds(test: &ConditionTest, request: &Request) -> bool {
    let operator = test.operator;
    let values = request.context().get(&test.key);
    if operator.test == TestKind::Null {
        let ConditionValues::Bools(expected) = &test.values else {
            return false;
        };
        let absent = values.is_none();
        return expected.contains(&absent);
    }
    let Some(values) = values else {
        // Absent key (or an empty list).
        if operator.if_exists {
            return true;
        }
        return match operator.quantifier {
            Some(SetQuantifier::ForAnyValue) => false,
            Some(SetQuantifier::ForAllValues) => true,
            None => operator.test.is_negated(),
        };
    };
    match operator.quantifier {
        None => base_test_holds(test, values),
        Some(SetQuantifier::ForAnyValue) => values
            .iter()
            .any(|v| base_test_holds(test, std::slice::from_ref(v))),
        Some(SetQuantifier::ForAllValues) => values
            .iter()
            .all(|v| base_test_holds(test, std::slice::from_ref(v))),
    }
}

/// The base operator over request values R: positive — some r and some v match; negated — no r
/// and v match the positive counterpart.
fn base_test_holds(test: &ConditionTest, request_values: &[String]) -> bool {
    let any_pair_matches = request_values
        .iter()
        .any(|r| value_matches(test.operator.test, r, &test.values));
    if test.operator.test.is_negated() {
        !any_pair_matches
    } else {
        any_pair_matches
    }
}

/// Whether request value `r` satisfies the positive form of `test` for some policy value. A
/// request value that does not read as the operator's type satisfies nothing.
fn value_matches(test: TestKind, r: &str, policy_values: &ConditionValues) -> bool {
    use TestKind::*;
    match (test.family(), policy_values) {
        (ValueFamily::String, ConditionValues::Strings(vs)) => vs.iter().any(|v| match test {
            StringEquals | StringNotEquals => r == v,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                // Unicode lowercase mapping of each character (no context rules such as a
                // word-final sigma), so `Σ` and `σ` compare equal wherever they stand.
                r.chars()
                    .flat_map(char::to_lowercase)
                    .eq(v.chars().flat_map(char::to_lowercase))
            }
            _ => glob_matches(v, r, false),
        }),
        (ValueFamily::Numeric, ConditionValues::Numbers(vs)) => {
            let Ok(r) = r.parse::<ExactDecimal>() else {
                return false;
            };
            vs.iter().any(|v| ordering_satisfies(test, r.cmp(v)))
        }
        (ValueFamily::Date, ConditionValues::Instants(vs)) => {
            let Ok(r) = parse_instant(r) else {
                return false;
            };
            vs.iter().any(|v| ordering_satisfies(test, r.cmp(v)))
        }
        (ValueFamily::Bool, ConditionValues::Bools(vs)) => {
            parse_bool(r).is_some_and(|r| vs.contains(&r))
        }
        (ValueFamily::Ip, ConditionValues::Networks(vs)) => {
            let Ok(address) = parse_request_address(r) else {
                return false;
            };
            vs.iter().any(|net| net.contains(&address))
        }
        _ => false,
    }
}

/// Numeric and date operators compare the request value with the policy value: `LessThan` holds
/// when request < policy. A negated operator's positive counterpart is equality.
fn ordering_satisfies(test: TestKind, request_vs_policy: Ordering) -> bool {
    use TestKind::*;
    match test {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => {
            request_vs_policy == Ordering::Equal
        }
        NumericLessThan | DateLessThan => request_vs_policy == Ordering::Less,
        NumericLessThanEquals | DateLessThanEquals => request_vs_policy != Ordering::Greater,
        NumericGreaterThan | DateGreaterThan => request_vs_policy == Ordering::Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => request_vs_policy != Ordering::Less,
        _ => false,
    }
}

/// The policies a bundle brings to bear on `request` (docs/interfaces.md, bundle): the identity
/// policies the bundle attaches to the principal ([`Account::identity_attachments`](ramjet_engine::model::Account::identity_attachments), the one
/// answer the snapshot builder and the audit use too); the trust policy of the role for `sts:AssumeRole*` on a role of the bundle; and the
/// control levels of the principal's account (else the resource's), unless it is the management
/// account.
pub fn bundle_policies(bundle: &Bundle, request: &Request) -> PolicySet {
    let mut set = PolicySet::default();
    let named = |name: &str, resource_group: Option<&str>| {
        bundle.policies.get(name).map(|policy| NamedPolicy {
            name: name.to_string(),
            resource_group: resource_group.map(str::to_string),
            policy: policy.clone(),
        })
    };
    let principal = request.principal();
    let principal_account = principal.and_then(|p| p.account());
    let home = principal_account.and_then(|a| bundle.accounts.get(a));

    let member = match principal.map(|p| &p.kind) {
        Some(PrincipalKind::RamUser { name, .. }) => Some(Member::User(name)),
        Some(PrincipalKind::AssumedRole { role, .. }) => Some(Member::Role(role)),
        _ => None,
    };
    if let (Some(member), Some(account)) = (member, home) {
        set.identity = account
            .identity_attachments(member)
            .into_iter()
            .filter_map(|a| named(a.policy, a.resource_group))
            .collect();
    }

    if glob_matches("sts:AssumeRole*", request.action(), true) {
        let trust = role_of_arn(request.resource())
            .and_then(|(account, role)| bundle.accounts.get(account)?.roles.get(role))
            .and_then(|r| r.trust.as_deref());
        set.resource = trust.and_then(|t| named(t, None));
    }

    let control_account = principal_account
        .or_else(|| request.resource_account())
        .and_then(|a| bundle.accounts.get(a));
    if let Some(account) = control_account.filter(|a| !a.management_account) {
        set.control = account
            .control
            .iter()
            .map(|level| level.iter().filter_map(|n| named(n, None)).collect())
            .collect();
    }
    set
}
