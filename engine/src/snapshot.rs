//! A [`Snapshot`]: one bundle compiled — every account's principals resolved to their
//! identity unit and control levels, every role's trust policy — immutable and shared by every
//! reader of one revision. [`Snapshot::compile`] builds one (`compile::snapshot`); the
//! [`PolicyStore`](crate::PolicyStore) swaps them.

use crate::evaluate::{decide, Mode, Scratch, Units, Verdict};
use crate::glob::same_bytes;
use crate::index::PolicyIndex;
use crate::keys::KeyTable;
use crate::model::role_of_arn;
use crate::request::{PrincipalKind, Request};
use crate::Outcome;
use hashbrown::HashMap;
use std::sync::Arc;

/// One account, compiled.
#[derive(Debug)]
pub(crate) struct CompiledAccount {
    pub(crate) control: Option<Arc<PolicyIndex>>,
    pub(crate) management_account: bool,
    pub(crate) users: HashMap<String, Arc<PolicyIndex>>,
    pub(crate) roles: HashMap<String, CompiledRole>,
}

#[derive(Debug)]
pub(crate) struct CompiledRole {
    pub(crate) identity: Arc<PolicyIndex>,
    pub(crate) trust: Option<Arc<PolicyIndex>>,
}

/// A RAM user or role of a bundle, as a hash key: `(kind, account, name)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct PrincipalKey {
    pub(crate) is_role: bool,
    pub(crate) account: Box<str>,
    pub(crate) name: Box<str>,
}

/// The same key borrowed from a request, for lookups without allocating.
#[derive(Hash)]
struct PrincipalQuery<'a> {
    is_role: bool,
    account: &'a str,
    name: &'a str,
}

impl hashbrown::Equivalent<PrincipalKey> for PrincipalQuery<'_> {
    fn equivalent(&self, key: &PrincipalKey) -> bool {
        self.is_role == key.is_role
            && same_bytes(self.account.as_bytes(), key.account.as_bytes())
            && same_bytes(self.name.as_bytes(), key.name.as_bytes())
    }
}

/// What a known user or role resolves to: its identity unit and its account's control levels
/// (none for the management account), found with one lookup per request.
#[derive(Debug)]
pub(crate) struct ResolvedPrincipal {
    pub(crate) identity: Arc<PolicyIndex>,
    pub(crate) control: Option<Arc<PolicyIndex>>,
}

/// A compiled bundle: immutable, shared by every reader of one revision.
#[derive(Debug)]
pub struct Snapshot {
    pub(crate) revision: u64,
    pub(crate) keys: KeyTable,
    pub(crate) accounts: HashMap<String, CompiledAccount>,
    pub(crate) principals: HashMap<PrincipalKey, ResolvedPrincipal>,
    pub(crate) statements: usize,
}

/// A decision made on a snapshot, naming its revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// The decision and step.
    pub verdict: Verdict,
    /// The revision of the snapshot that made it.
    pub revision: u64,
}

impl Snapshot {
    /// The revision this snapshot was installed as.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Compiled statements, counting each shared unit once.
    pub fn statement_count(&self) -> usize {
        self.statements
    }

    /// The units that bear on `request` (interfaces.md, bundle): the principal's identity
    /// policies, the role's trust policy for `sts:AssumeRole*` on a role of the bundle, and the
    /// control levels of the principal's account (else the resource's), unless it is the
    /// management account.
    pub(crate) fn units_for<'s>(&'s self, request: &Request) -> Units<'s> {
        let principal = request.principal();
        let known = match principal.map(|p| &p.kind) {
            Some(PrincipalKind::RamUser { account, name, .. }) => {
                self.principals.get(&PrincipalQuery {
                    is_role: false,
                    account,
                    name,
                })
            }
            Some(PrincipalKind::AssumedRole { account, role, .. }) => {
                self.principals.get(&PrincipalQuery {
                    is_role: true,
                    account,
                    name: role,
                })
            }
            _ => None,
        };
        let control = match known {
            Some(resolved) => resolved.control.as_deref(),
            None => {
                // Control levels: the principal's account, or the resource's for a principal
                // without one.
                let account = match principal.and_then(|p| p.account()) {
                    Some(account) => Some(account),
                    None => request.resource_account(),
                };
                account
                    .and_then(|a| self.accounts.get(a))
                    .filter(|a| !a.management_account)
                    .and_then(|a| a.control.as_deref())
            }
        };
        let resource = if request.is_role_assumption() {
            role_of_arn(request.resource())
                .and_then(|(acct, role)| self.accounts.get(acct)?.roles.get(role)?.trust.as_ref())
        } else {
            None
        };
        Units {
            keys: &self.keys,
            control,
            session: None,
            identity: known.map(|k| &*k.identity),
            resource: resource.map(|u| &**u),
        }
    }

    /// Decides `request` (the decision only: the fast path).
    // Hot path: guarded by the `check` benchmarks in bench/.
    pub fn check(&self, request: &Request, scratch: &mut Scratch) -> Checked {
        Checked {
            verdict: decide(&self.units_for(request), request, scratch, Mode::Verdict),
            revision: self.revision,
        }
    }

    /// Decides `request`, with the determining statements as references.
    pub fn outcome(&self, request: &Request, scratch: &mut Scratch) -> Outcome {
        self.units_for(request).outcome(request, scratch)
    }
}
