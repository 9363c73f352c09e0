//! Principals for `no-public-access`: who counts as *outside* the account that owns a resource,
//! which `Principal` elements such a principal can meet, and concrete outside principals that
//! give each element the truth value a search wants, checked with the compiled engine.
//!
//! Outside principals: the anonymous caller; a root account, RAM user or role session of
//! another account; a federated identity whose identity provider belongs to another account.
//! Cloud services (`ecs.aliyuncs.com`) are not counted: a service acts for the accounts that
//! configured it, as AWS IAM Access Analyzer also treats them. When the owner is not known,
//! every account counts as another account; an answer that would then depend on which account
//! owns the resource is UNKNOWN, never a guess.

use crate::probe::on_everything;
use ramjet_compiler::model::{PolicySet, PrincipalSpec};
use ramjet_compiler::{parse_request, Effect, Statement};
use ramjet_engine::{CompiledPolicySet, Decision, Request, Scratch};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Whether a `Principal` element can name an outside principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Never: the statement cannot apply to an outside principal.
    Never,
    /// Every outside principal: no variable is needed.
    Always,
    /// Some, perhaps: a variable of the search.
    Some,
}

/// A concrete principal tried as a witness, with which elements name it.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// The request's `principal` object.
    pub(crate) json: Value,
    /// Its account (or its identity provider's), if it has one.
    pub(crate) account: Option<String>,
    /// `named[i]`: element `i` names it (decided by the engine).
    named: Vec<bool>,
}

/// The distinct `Principal` elements of a resource policy, and the outside candidates.
pub(crate) struct Principals {
    owner: Option<String>,
    specs: Vec<PrincipalSpec>,
    candidates: Vec<Candidate>,
    /// Accounts the policy names: with no owner given, one of them may be the owner.
    mentioned: Vec<String>,
    /// The UIDs of OSS principal lists.
    uids: Vec<String>,
}

/// Accounts tried when the policy names none in particular (never an account it mentions).
const FRESH_ACCOUNTS: [&str; 3] = ["1000000000000001", "1000000000000002", "1000000000000003"];

impl Principals {
    /// The elements of `statements`, for a resource owned by `owner` (`None`: not known).
    pub(crate) fn new(statements: &[&Statement], owner: Option<&str>) -> Option<Principals> {
        let mut specs: Vec<PrincipalSpec> = Vec::new();
        for spec in statements.iter().filter_map(|s| s.principal.as_ref()) {
            if !specs.contains(spec) {
                specs.push(spec.clone());
            }
        }
        let mut mentioned: Vec<String> = Vec::new();
        for account in specs.iter().flat_map(spec_accounts) {
            if !mentioned.contains(&account) {
                mentioned.push(account);
            }
        }
        let uids = specs
            .iter()
            .flat_map(|spec| match spec {
                PrincipalSpec::AccountList(entries) => entries.clone(),
                _ => Vec::new(),
            })
            .filter(|e| e != "*")
            .collect();
        let mut principals = Principals {
            owner: owner.map(str::to_string),
            specs,
            candidates: Vec::new(),
            mentioned,
            uids,
        };
        principals.candidates = principals.candidate_list()?;
        Some(principals)
    }

    /// The element of `spec` (its position).
    pub(crate) fn id(&self, spec: &PrincipalSpec) -> Option<usize> {
        self.specs.iter().position(|s| s == spec)
    }

    /// Whether element `id` can name an outside principal (an over-approximation: `Some` may
    /// turn out to name none, and then no witness is built; `Never` is exact).
    pub(crate) fn reach(&self, id: usize) -> Reach {
        let Some(spec) = self.specs.get(id) else {
            return Reach::Some;
        };
        let owner = self.owner.as_deref();
        let other = |account: &str| owner.is_none_or(|o| o != account);
        match spec {
            PrincipalSpec::Everyone => Reach::Always,
            PrincipalSpec::AccountList(entries) if entries.iter().any(|e| e == "*") => {
                Reach::Always
            }
            // A UID is an account or a user's or role's id; only another account's is outside.
            PrincipalSpec::AccountList(entries) => {
                if entries.iter().any(|e| other(e)) {
                    Reach::Some
                } else {
                    Reach::Never
                }
            }
            PrincipalSpec::Named { ram, federated, .. } => {
                let ram_reaches = ram.iter().any(|entry| match arn_account(entry) {
                    Some(account) if !account.contains(['*', '?']) => other(account),
                    _ => true,
                });
                let federated_reaches = federated
                    .iter()
                    .any(|entry| arn_account(entry).is_none_or(other));
                if ram_reaches || federated_reaches {
                    Reach::Some
                } else {
                    Reach::Never
                }
            }
        }
    }

    /// Outside candidates under which every element in `wanted` has the wanted truth value,
    /// the anonymous caller and accounts the policy does not name first.
    pub(crate) fn realizing<'a>(
        &'a self,
        wanted: &'a BTreeMap<usize, bool>,
    ) -> impl Iterator<Item = &'a Candidate> + 'a {
        self.candidates.iter().filter(move |c| {
            wanted
                .iter()
                .all(|(&id, &value)| c.named.get(id).copied() == Some(value))
        })
    }

    /// Why `candidate` may not be outside after all, if it may not: with no owner given, it
    /// belongs to an account the policy names (which may own the resource); or it is named by an
    /// OSS UID, which may be a user or role of the owner's account rather than another account.
    pub(crate) fn ambiguity(&self, candidate: &Candidate) -> Option<String> {
        let account = candidate.account.as_deref().unwrap_or_default();
        if let Some(id) = candidate.json.get("id").and_then(Value::as_str) {
            return Some(format!(
                "the policy names UID {id}: outside access if it is a user or role of another account"
            ));
        }
        if self.uids.iter().any(|u| u == account) {
            return Some(format!(
                "the policy names UID {account}: outside access if it is another account, not if it is a user or role of the owner's"
            ));
        }
        if self.owner.is_none() && self.mentioned.iter().any(|m| m == account) {
            return Some(format!(
                "principals of account {account} can be allowed: outside access unless {account} owns the resource (say the owner with --account)"
            ));
        }
        None
    }

    fn candidate_list(&self) -> Option<Vec<Candidate>> {
        let fresh: Vec<&str> = FRESH_ACCOUNTS
            .iter()
            .copied()
            .filter(|a| self.owner.as_deref() != Some(*a) && !self.mentioned.iter().any(|m| m == a))
            .collect();
        let fresh_account = fresh.first().copied().unwrap_or("1000000000000009");
        let mut principals: Vec<Value> = vec![json!({"type": "Anonymous"})];
        for account in &fresh {
            principals.extend(account_principals(account, "witness", None));
            principals.push(json!({"type": "Federated",
                "provider": format!("acs:ram::{account}:saml-provider/witness")}));
        }
        for spec in &self.specs {
            match spec {
                PrincipalSpec::Everyone => {}
                PrincipalSpec::AccountList(entries) => {
                    for uid in entries.iter().filter(|e| *e != "*") {
                        principals.extend(account_principals(uid, "witness", None));
                        principals.extend(account_principals(fresh_account, "witness", Some(uid)));
                    }
                }
                PrincipalSpec::Named { ram, federated, .. } => {
                    for entry in ram {
                        for arn in instances(entry, fresh_account) {
                            principals.extend(principal_of_arn(&arn, fresh_account));
                        }
                    }
                    for entry in federated {
                        principals.push(json!({"type": "Federated", "provider": entry}));
                    }
                }
            }
        }
        let checks = self
            .specs
            .iter()
            .map(|spec| CompiledPolicySet::compile(&deny_naming(spec)).ok())
            .collect::<Option<Vec<_>>>()?;
        let mut scratch = Scratch::default();
        let mut out: Vec<Candidate> = Vec::new();
        for principal in principals {
            if out.iter().any(|c| c.json == principal) {
                continue;
            }
            let request =
                json!({"action": "ramjet:Probe", "resource": "*", "principal": principal});
            let Ok(parsed) = parse_request(request.to_string().as_bytes()) else {
                continue; // not a principal a request can carry
            };
            let account = parsed.principal().and_then(|p| match p.account() {
                Some(a) => Some(a.to_string()),
                None => principal
                    .get("provider")
                    .and_then(Value::as_str)
                    .and_then(arn_account)
                    .map(str::to_string),
            });
            let outside = match (&account, &self.owner) {
                (Some(a), Some(owner)) => a != owner,
                _ => true,
            };
            if !outside {
                continue;
            }
            let named = checks
                .iter()
                .map(|check| names(check, &parsed, &mut scratch))
                .collect();
            out.push(Candidate {
                json: principal,
                account,
                named,
            });
        }
        // Anonymous and accounts the policy does not name first, so that a witness does not
        // depend on who owns the resource when that can be helped.
        out.sort_by_key(|c| self.ambiguity(c).is_some());
        Some(out)
    }
}

/// `Deny * on * if the principal is named by spec`: ExplicitDeny exactly when it names the
/// request's principal (a Deny in a resource policy decides whatever the identity side says).
fn deny_naming(spec: &PrincipalSpec) -> PolicySet {
    PolicySet {
        resource: Some(on_everything(
            "principal",
            Effect::Deny,
            Some(spec.clone()),
            Vec::new(),
        )),
        ..PolicySet::default()
    }
}

fn names(check: &CompiledPolicySet, request: &Request, scratch: &mut Scratch) -> bool {
    check.decide(request, scratch).decision == Decision::ExplicitDeny
}

/// The accounts an element's entries name literally: the account field of RAM and federated
/// ARNs (without wildcards), the UIDs of an OSS list, and the `<uid>` of `<uid>@<service>`.
fn spec_accounts(spec: &PrincipalSpec) -> Vec<String> {
    let literal = |a: &&str| !a.is_empty() && !a.contains(['*', '?']);
    match spec {
        PrincipalSpec::Everyone => Vec::new(),
        PrincipalSpec::AccountList(entries) => entries
            .iter()
            .filter(|e| !e.is_empty() && *e != "*")
            .cloned()
            .collect(),
        PrincipalSpec::Named {
            ram,
            service,
            federated,
        } => ram
            .iter()
            .filter_map(|entry| arn_account(entry))
            .filter(|a| literal(a))
            // Federated and service entries are exact strings, wildcards included.
            .chain(federated.iter().filter_map(|entry| arn_account(entry)))
            .chain(
                service
                    .iter()
                    .filter_map(|e| e.split_once('@').map(|(uid, _)| uid)),
            )
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

/// The account field of `acs:ram::<account>:…`.
fn arn_account(arn: &str) -> Option<&str> {
    arn.strip_prefix("acs:ram::")?.split(':').next()
}

/// A root account, a user and a role session of `account`; the user and the role carry `id`
/// when given (OSS lists name users and roles by their numeric id).
fn account_principals(account: &str, name: &str, id: Option<&str>) -> Vec<Value> {
    match id {
        Some(id) => vec![
            json!({"type": "RamUser", "account": account, "name": name, "id": id}),
            json!({"type": "AssumedRole", "account": account, "name": name, "session": name, "id": id}),
        ],
        None => vec![
            json!({"type": "RootAccount", "account": account}),
            json!({"type": "RamUser", "account": account, "name": name}),
            json!({"type": "AssumedRole", "account": account, "name": name, "session": name}),
        ],
    }
}

/// Strings a RAM entry's glob matches: `*` as nothing, as `1`, and as a fresh account (for the
/// account field), `?` as `1`.
fn instances(entry: &str, fresh_account: &str) -> Vec<String> {
    ["", "1", fresh_account]
        .iter()
        .map(|star| entry.replace('*', star).replace('?', "1"))
        .collect()
}

/// The principal an ARN names (`…:root`, `…:user/<n>`, `…:role/<n>[/<s>]`); `acs:ram::<A>:root`
/// entries also name every user and role session of `A`.
fn principal_of_arn(arn: &str, fresh_account: &str) -> Vec<Value> {
    let Some(rest) = arn.strip_prefix("acs:ram::") else {
        return Vec::new();
    };
    let Some((account, path)) = rest.split_once(':') else {
        return Vec::new();
    };
    let account = if account.is_empty() {
        fresh_account
    } else {
        account
    };
    let or_witness = |s: &str| {
        if s.is_empty() {
            "witness".to_string()
        } else {
            s.to_string()
        }
    };
    if path == "root" {
        return account_principals(account, "witness", None);
    }
    if let Some(name) = path.strip_prefix("user/") {
        return vec![json!({"type": "RamUser", "account": account, "name": or_witness(name)})];
    }
    if let Some(role) = path.strip_prefix("role/") {
        let (name, session) = role.split_once('/').unwrap_or((role, ""));
        return vec![json!({"type": "AssumedRole", "account": account,
            "name": or_witness(name), "session": or_witness(session)})];
    }
    Vec::new()
}
