//! The policy store: an immutable compiled [`Snapshot`] of a [`Bundle`] behind `arc-swap`.
//! [`PolicyStore::swap`] compiles the whole new bundle first and installs it in one atomic
//! pointer swap; on any error the old snapshot stays. Readers never block and never see a
//! half-built snapshot, and every decision names the revision it was made with. A thread that
//! checks many requests holds a [`StoreReader`] ([`PolicyStore::reader`]): it keeps the current
//! snapshot and its scratch space and sees a swap at its next check; the writer, not a reader,
//! frees the snapshot a swap replaced.
//!
//! ```
//! use ramjet_engine::bundle::{Account, Bundle, User};
//! use ramjet_engine::evaluate::Scratch;
//! use ramjet_engine::policy::{Effect, PatternList, Policy, Statement};
//! use ramjet_engine::store::PolicyStore;
//! use ramjet_engine::{Decision, Principal, Request};
//!
//! let mut bundle = Bundle::default();
//! bundle.policies.insert("ListEas".into(), Policy { statements: vec![Statement {
//!     sid: None, effect: Effect::Allow,
//!     actions: PatternList { negated: false, patterns: vec!["eas:List*".into()] },
//!     resources: Some(PatternList { negated: false, patterns: vec!["*".into()] }),
//!     principal: None, conditions: vec![],
//! }]});
//! let mut account = Account::default();
//! account.users.insert("alice".into(), User { policies: vec!["ListEas".into()], groups: vec![] });
//! bundle.accounts.insert("1234567890123456".into(), account);
//!
//! let store = PolicyStore::new(&bundle).unwrap();
//! let request = Request::new("eas:ListServices", "*").unwrap()
//!     .with_principal(Principal::ram_user("1234567890123456", "alice"));
//! let checked = store.check(&request, &mut Scratch::default());
//! assert_eq!(checked.verdict.decision, Decision::Allow);
//! assert_eq!(checked.revision, 1);
//!
//! let mut reader = store.reader();
//! assert_eq!(reader.check(&request).verdict.decision, Decision::Allow);
//! ```

use crate::bundle::{Account, Bundle};
use crate::compiled::{compile_control, compile_identity, compile_single};
use crate::evaluate::{decide, Mode, Scratch, Units, Verdict};
use crate::glob::{same_bytes, GlobError};
use crate::index::PolicyIndex;
use crate::keys::{Interner, KeyTable};
use crate::policy::NamedPolicy;
use crate::request::{PrincipalKind, Request};
use crate::Outcome;
use arc_swap::ArcSwap;
use hashbrown::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use thiserror::Error;

/// Why a bundle cannot be compiled.
#[derive(Debug, Clone, Error)]
pub enum CompileError {
    /// An attachment names a policy the bundle does not have.
    #[error("account {account}: {owner} names policy {policy:?}, which the bundle does not have")]
    UnknownPolicy {
        /// The account.
        account: String,
        /// Who names it (`user alice`, `role runner (trust)`, `control level 1`).
        owner: String,
        /// The missing policy.
        policy: String,
    },
    /// A user belongs to a group the account does not have.
    #[error("account {account}: user {user} belongs to group {group:?}, which the account does not have")]
    UnknownGroup {
        /// The account.
        account: String,
        /// The user.
        user: String,
        /// The missing group.
        group: String,
    },
    /// A pattern could not be compiled.
    #[error("policy {policy}: {source}")]
    Pattern {
        /// The policy.
        policy: String,
        /// The pattern's error.
        source: GlobError,
    },
}

/// One account, compiled.
#[derive(Debug)]
struct CompiledAccount {
    control: Option<Arc<PolicyIndex>>,
    management_account: bool,
    users: HashMap<String, Arc<PolicyIndex>>,
    roles: HashMap<String, CompiledRole>,
}

#[derive(Debug)]
struct CompiledRole {
    identity: Arc<PolicyIndex>,
    trust: Option<Arc<PolicyIndex>>,
}

/// A RAM user or role of a bundle, as a hash key: `(kind, account, name)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct PrincipalKey {
    is_role: bool,
    account: Box<str>,
    name: Box<str>,
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
struct ResolvedPrincipal {
    identity: Arc<PolicyIndex>,
    control: Option<Arc<PolicyIndex>>,
}

/// A compiled bundle: immutable, shared by every reader of one revision.
#[derive(Debug)]
pub struct Snapshot {
    revision: u64,
    keys: KeyTable,
    accounts: HashMap<String, CompiledAccount>,
    principals: HashMap<PrincipalKey, ResolvedPrincipal>,
    statements: usize,
}

/// A decision made on a snapshot, naming its revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// The decision and step.
    pub verdict: Verdict,
    /// The revision of the snapshot that made it.
    pub revision: u64,
}

/// Compiles a bundle's units, sharing identical identity units between principals.
struct SnapshotBuilder<'b> {
    bundle: &'b Bundle,
    interner: Interner,
    identity_units: std::collections::HashMap<Vec<(Option<String>, String)>, Arc<PolicyIndex>>,
    single_units: std::collections::HashMap<String, Arc<PolicyIndex>>,
    referenced: std::collections::HashSet<String>,
    statements: usize,
}

impl<'b> SnapshotBuilder<'b> {
    fn named(
        &mut self,
        account: &str,
        owner: &str,
        name: &str,
        resource_group: Option<&str>,
    ) -> Result<NamedPolicy, CompileError> {
        if !self.referenced.contains(name) {
            self.referenced.insert(name.to_string());
        }
        let policy = self
            .bundle
            .policies
            .get(name)
            .ok_or_else(|| CompileError::UnknownPolicy {
                account: account.to_string(),
                owner: owner.to_string(),
                policy: name.to_string(),
            })?;
        Ok(NamedPolicy {
            name: name.to_string(),
            resource_group: resource_group.map(str::to_string),
            policy: policy.clone(),
        })
    }

    /// The identity unit of a principal: `(resource group, policy)` attachments.
    fn identity(
        &mut self,
        account: &str,
        owner: &str,
        mut attachments: Vec<(Option<String>, String)>,
    ) -> Result<Arc<PolicyIndex>, CompileError> {
        attachments.sort();
        attachments.dedup();
        if let Some(unit) = self.identity_units.get(&attachments) {
            return Ok(unit.clone());
        }
        let policies = attachments
            .iter()
            .map(|(rg, name)| self.named(account, owner, name, rg.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        let unit = compile_identity(&policies, &mut self.interner)
            .map_err(|source| pattern_error(&policies, source))?;
        self.statements += unit.len();
        let unit = Arc::new(unit);
        self.identity_units.insert(attachments, unit.clone());
        Ok(unit)
    }

    fn single(
        &mut self,
        account: &str,
        owner: &str,
        name: &str,
    ) -> Result<Arc<PolicyIndex>, CompileError> {
        if let Some(unit) = self.single_units.get(name) {
            return Ok(unit.clone());
        }
        let policy = self.named(account, owner, name, None)?;
        let unit = compile_single(&policy, &mut self.interner).map_err(|source| {
            CompileError::Pattern {
                policy: name.to_string(),
                source,
            }
        })?;
        self.statements += unit.len();
        let unit = Arc::new(unit);
        self.single_units.insert(name.to_string(), unit.clone());
        Ok(unit)
    }

    fn account(&mut self, id: &str, account: &Account) -> Result<CompiledAccount, CompileError> {
        let rg_attachments =
            |pick: &dyn Fn(&crate::bundle::ResourceGroupAttachments) -> Option<&Vec<String>>| {
                account
                    .resource_group_policies
                    .iter()
                    .flat_map(|(rg, attached)| {
                        pick(attached)
                            .into_iter()
                            .flatten()
                            .map(move |p| (Some(rg.clone()), p.clone()))
                    })
                    .collect::<Vec<_>>()
            };
        let mut users = HashMap::new();
        for (name, user) in &account.users {
            let owner = format!("user {name}");
            let mut attachments: Vec<(Option<String>, String)> =
                user.policies.iter().map(|p| (None, p.clone())).collect();
            for group in &user.groups {
                let Some(g) = account.groups.get(group) else {
                    return Err(CompileError::UnknownGroup {
                        account: id.to_string(),
                        user: name.clone(),
                        group: group.clone(),
                    });
                };
                attachments.extend(g.policies.iter().map(|p| (None, p.clone())));
                attachments.extend(rg_attachments(&|a| a.groups.get(group)));
            }
            attachments.extend(rg_attachments(&|a| a.users.get(name)));
            users.insert(name.clone(), self.identity(id, &owner, attachments)?);
        }
        let mut roles = HashMap::new();
        for (name, role) in &account.roles {
            let owner = format!("role {name}");
            let mut attachments: Vec<(Option<String>, String)> =
                role.policies.iter().map(|p| (None, p.clone())).collect();
            attachments.extend(rg_attachments(&|a| a.roles.get(name)));
            let identity = self.identity(id, &owner, attachments)?;
            let trust = role
                .trust
                .as_deref()
                .map(|t| self.single(id, &format!("role {name} (trust)"), t))
                .transpose()?;
            roles.insert(name.clone(), CompiledRole { identity, trust });
        }
        let control = if account.control.is_empty() {
            None
        } else {
            let levels = account
                .control
                .iter()
                .enumerate()
                .map(|(level, names)| {
                    names
                        .iter()
                        .map(|n| self.named(id, &format!("control level {level}"), n, None))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            let unit = compile_control(&levels, &mut self.interner)
                .map_err(|source| pattern_error(&levels.concat(), source))?;
            self.statements += unit.len();
            Some(Arc::new(unit))
        };
        Ok(CompiledAccount {
            control,
            management_account: account.management_account,
            users,
            roles,
        })
    }
}

fn pattern_error(policies: &[NamedPolicy], source: GlobError) -> CompileError {
    let policy = policies
        .iter()
        .find(|p| {
            p.policy
                .statements
                .iter()
                .any(|s| mentions(s, &source.pattern))
        })
        .map_or_else(|| "(unknown)".to_string(), |p| p.name.clone());
    CompileError::Pattern { policy, source }
}

fn mentions(statement: &crate::policy::Statement, pattern: &str) -> bool {
    statement.actions.patterns.iter().any(|p| p.eq_ignore_ascii_case(pattern))
        || statement.resources.as_ref().is_some_and(|r| r.patterns.iter().any(|p| p == pattern))
        || statement.conditions.iter().any(|c| matches!(&c.values, crate::policy::ConditionValues::Strings(v) if v.iter().any(|s| s == pattern)))
}

impl Snapshot {
    /// Compiles every account of `bundle`. Policies no attachment names are compiled too (so a
    /// bad pattern anywhere is an error now, not at the swap that first uses it).
    pub fn compile(bundle: &Bundle, revision: u64) -> Result<Snapshot, CompileError> {
        let mut builder = SnapshotBuilder {
            bundle,
            interner: Interner::default(),
            identity_units: Default::default(),
            single_units: Default::default(),
            referenced: Default::default(),
            statements: 0,
        };
        let mut accounts = HashMap::with_capacity(bundle.accounts.len());
        for (id, account) in &bundle.accounts {
            accounts.insert(id.clone(), builder.account(id, account)?);
        }
        for (name, policy) in &bundle.policies {
            if builder.referenced.contains(name) {
                continue;
            }
            let named = NamedPolicy {
                name: name.clone(),
                resource_group: None,
                policy: policy.clone(),
            };
            compile_single(&named, &mut Interner::default()).map_err(|source| {
                CompileError::Pattern {
                    policy: name.clone(),
                    source,
                }
            })?;
        }
        let mut principals = HashMap::new();
        for (id, account) in &accounts {
            let control = account
                .control
                .clone()
                .filter(|_| !account.management_account);
            let key = |is_role, name: &String| PrincipalKey {
                is_role,
                account: id.as_str().into(),
                name: name.as_str().into(),
            };
            for (name, identity) in &account.users {
                principals.insert(
                    key(false, name),
                    ResolvedPrincipal {
                        identity: identity.clone(),
                        control: control.clone(),
                    },
                );
            }
            for (name, role) in &account.roles {
                principals.insert(
                    key(true, name),
                    ResolvedPrincipal {
                        identity: role.identity.clone(),
                        control: control.clone(),
                    },
                );
            }
        }
        Ok(Snapshot {
            revision,
            keys: builder.interner.keys,
            accounts,
            principals,
            statements: builder.statements,
        })
    }

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
    pub fn units_for<'s>(&'s self, request: &Request) -> Units<'s> {
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
        let units = self.units_for(request);
        let verdict = decide(&units, request, scratch, Mode::Explain);
        Outcome {
            decision: verdict.decision,
            step: verdict.step,
            determining: units.determining(scratch),
        }
    }
}

/// `acs:ram::<account>:role/<name>` → (account, name).
fn role_of_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("acs:ram::")?;
    let (account, relative) = rest.split_once(':')?;
    let name = relative.strip_prefix("role/")?;
    (!name.is_empty() && !name.contains('/')).then_some((account, name))
}

/// Compiled snapshots behind an atomic pointer: many readers, occasional swaps.
#[derive(Debug)]
pub struct PolicyStore {
    current: ArcSwap<Snapshot>,
    /// Serialises writers so revisions are installed in order.
    writer: Mutex<Writer>,
}

/// The writers' side of a [`PolicyStore`].
#[derive(Debug)]
struct Writer {
    revision: u64,
    /// The snapshot the last swap replaced. Readers let go of it at their next check; keeping it
    /// until the next swap means the writer, not a reader in the middle of a request, usually
    /// pays for freeing it (a compiled snapshot is many allocations).
    retired: Option<Arc<Snapshot>>,
}

impl PolicyStore {
    /// A store holding `bundle` as revision 1.
    pub fn new(bundle: &Bundle) -> Result<Self, CompileError> {
        let snapshot = Snapshot::compile(bundle, 1)?;
        Ok(PolicyStore {
            current: ArcSwap::from_pointee(snapshot),
            writer: Mutex::new(Writer {
                revision: 1,
                retired: None,
            }),
        })
    }

    /// Compiles `bundle` and, if it compiles, installs it as the next revision, which it
    /// returns. On error the current snapshot stays in place.
    pub fn swap(&self, bundle: &Bundle) -> Result<u64, CompileError> {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let snapshot = Snapshot::compile(bundle, writer.revision + 1)?;
        writer.revision += 1;
        let replaced = self.current.swap(Arc::new(snapshot));
        // Frees the snapshot retired by the swap before, unless a reader still holds it.
        writer.retired = Some(replaced);
        Ok(writer.revision)
    }

    /// The current snapshot; hold it for a batch so every decision in it uses one revision.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Decides `request` on the current snapshot without taking a reference count.
    // Hot path: guarded by the `check` benchmarks in bench/.
    pub fn check(&self, request: &Request, scratch: &mut Scratch) -> Checked {
        self.current.load().check(request, scratch)
    }

    /// A reader for one thread: it keeps the current snapshot and its own [`Scratch`], so a
    /// check costs one atomic pointer comparison to see whether the store was swapped.
    ///
    /// ```
    /// use ramjet_engine::bundle::Bundle;
    /// use ramjet_engine::store::PolicyStore;
    /// use ramjet_engine::{Decision, Request};
    ///
    /// let store = PolicyStore::new(&Bundle::default()).unwrap();
    /// let mut reader = store.reader();
    /// let request = Request::new("eas:ListServices", "*").unwrap();
    /// assert_eq!(reader.check(&request).verdict.decision, Decision::ImplicitDeny);
    /// ```
    pub fn reader(&self) -> StoreReader<'_> {
        StoreReader {
            cache: arc_swap::Cache::new(&self.current),
            scratch: Scratch::default(),
        }
    }
}

/// One thread's handle on a [`PolicyStore`] (see [`PolicyStore::reader`]). A swap is seen by
/// the next check; a snapshot stays alive while a reader still holds it, until that reader's next
/// check.
pub struct StoreReader<'s> {
    cache: arc_swap::Cache<&'s ArcSwap<Snapshot>, Arc<Snapshot>>,
    scratch: Scratch,
}

impl StoreReader<'_> {
    /// Decides `request` on the store's current snapshot.
    // Hot path: guarded by the `check` benchmarks in bench/.
    pub fn check(&mut self, request: &Request) -> Checked {
        let StoreReader { cache, scratch } = self;
        cache.load().check(request, scratch)
    }

    /// Decides `request` with its determining statements, on the current snapshot.
    pub fn outcome(&mut self, request: &Request) -> Outcome {
        let StoreReader { cache, scratch } = self;
        cache.load().outcome(request, scratch)
    }
}

impl fmt::Debug for StoreReader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreReader").finish_non_exhaustive()
    }
}
