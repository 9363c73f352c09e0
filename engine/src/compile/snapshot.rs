//! A [`Bundle`] compiled into a [`Snapshot`]: each user's and role's identity unit (principals
//! with the same attachments share one), each role's trust policy, each account's control
//! levels, and the principal table a request is resolved with.

use super::unit::{compile_control, compile_identity, compile_single};
use super::{CompileError, Interner};
use crate::index::PolicyIndex;
use crate::model::{Account, Attachment, Bundle, Member, NamedPolicy, PolicyPlace};
use crate::snapshot::{CompiledAccount, CompiledRole, PrincipalKey, ResolvedPrincipal, Snapshot};
use hashbrown::HashMap;
use std::collections::HashSet;
use std::sync::Arc;

/// An identity unit's attachments, owned: the key that lets principals share a unit.
type AttachmentKey = Vec<(Option<String>, String)>;

/// Compiles a bundle's units, sharing identical identity units between principals.
struct SnapshotBuilder<'b> {
    bundle: &'b Bundle,
    interner: Interner,
    identity_units: HashMap<AttachmentKey, Arc<PolicyIndex>>,
    single_units: HashMap<String, Arc<PolicyIndex>>,
    referenced: HashSet<&'b str>,
    statements: usize,
}

impl<'b> SnapshotBuilder<'b> {
    /// The bundle's policy `name`, as `owner` (`user alice`) of `account` names it.
    fn named(
        &mut self,
        account: &str,
        owner: &str,
        name: &str,
        resource_group: Option<&str>,
    ) -> Result<NamedPolicy, CompileError> {
        let Some((name, policy)) = self.bundle.policies.get_key_value(name) else {
            return Err(CompileError::UnknownPolicy {
                account: account.to_string(),
                owner: owner.to_string(),
                policy: name.to_string(),
            });
        };
        self.referenced.insert(name);
        Ok(NamedPolicy {
            name: name.clone(),
            resource_group: resource_group.map(str::to_string),
            policy: policy.clone(),
        })
    }

    /// The identity unit of a user or role of `account` (`id`).
    fn identity(
        &mut self,
        id: &str,
        account: &Account,
        member: Member<'_>,
    ) -> Result<Arc<PolicyIndex>, CompileError> {
        let attachments = account.identity_attachments(member);
        let key: AttachmentKey = attachments
            .iter()
            .map(|a| (a.resource_group.map(str::to_string), a.policy.to_string()))
            .collect();
        if let Some(unit) = self.identity_units.get(&key) {
            return Ok(unit.clone());
        }
        let owner = match member {
            Member::User(name) => format!("user {name}"),
            Member::Role(name) => format!("role {name}"),
        };
        let policies = attachments
            .iter()
            .map(
                |&Attachment {
                     resource_group,
                     policy,
                 }| { self.named(id, &owner, policy, resource_group) },
            )
            .collect::<Result<Vec<_>, _>>()?;
        let unit = Arc::new(compile_identity(&policies, &mut self.interner)?);
        self.statements += unit.len();
        self.identity_units.insert(key, unit.clone());
        Ok(unit)
    }

    /// A one-policy unit (a trust policy), shared by every role that names it.
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
        let unit = Arc::new(compile_single(
            &policy,
            PolicyPlace::Resource,
            &mut self.interner,
        )?);
        self.statements += unit.len();
        self.single_units.insert(name.to_string(), unit.clone());
        Ok(unit)
    }

    /// The account's control levels as one unit, if it has any.
    fn control(
        &mut self,
        id: &str,
        account: &Account,
    ) -> Result<Option<Arc<PolicyIndex>>, CompileError> {
        if account.control.is_empty() {
            return Ok(None);
        }
        let mut levels = Vec::with_capacity(account.control.len());
        for (level, names) in account.control.iter().enumerate() {
            let owner = format!("control level {level}");
            levels.push(
                names
                    .iter()
                    .map(|name| self.named(id, &owner, name, None))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        let unit = compile_control(&levels, &mut self.interner)?;
        self.statements += unit.len();
        Ok(Some(Arc::new(unit)))
    }

    fn account(&mut self, id: &str, account: &Account) -> Result<CompiledAccount, CompileError> {
        if let Some((user, group)) = account.unknown_group() {
            return Err(CompileError::UnknownGroup {
                account: id.to_string(),
                user: user.to_string(),
                group: group.to_string(),
            });
        }
        let mut users = HashMap::with_capacity(account.users.len());
        for name in account.users.keys() {
            users.insert(
                name.clone(),
                self.identity(id, account, Member::User(name))?,
            );
        }
        let mut roles = HashMap::with_capacity(account.roles.len());
        for (name, role) in &account.roles {
            let identity = self.identity(id, account, Member::Role(name))?;
            let trust = role
                .trust
                .as_deref()
                .map(|t| self.single(id, &format!("role {name} (trust)"), t))
                .transpose()?;
            roles.insert(name.clone(), CompiledRole { identity, trust });
        }
        Ok(CompiledAccount {
            control: self.control(id, account)?,
            management_account: account.management_account,
            users,
            roles,
        })
    }

    /// Compiles the policies no attachment names, so that a policy the bundle holds but does
    /// not use yet cannot break a later swap.
    fn unreferenced(&mut self) -> Result<(), CompileError> {
        for (name, policy) in &self.bundle.policies {
            if self.referenced.contains(name.as_str()) {
                continue;
            }
            let named = NamedPolicy {
                name: name.clone(),
                resource_group: None,
                policy: policy.clone(),
            };
            compile_single(&named, PolicyPlace::Resource, &mut Interner::default())?;
        }
        Ok(())
    }
}

/// Every user and role of every account, resolved to its identity unit and its account's
/// control levels (none in the management account): one lookup per request.
fn principal_table(
    accounts: &HashMap<String, CompiledAccount>,
) -> HashMap<PrincipalKey, ResolvedPrincipal> {
    let mut principals = HashMap::new();
    for (id, account) in accounts {
        let control = account
            .control
            .clone()
            .filter(|_| !account.management_account);
        let key = |is_role, name: &String| PrincipalKey {
            is_role,
            account: id.as_str().into(),
            name: name.as_str().into(),
        };
        let users = account.users.iter().map(|(n, unit)| (key(false, n), unit));
        let roles = account
            .roles
            .iter()
            .map(|(n, role)| (key(true, n), &role.identity));
        for (key, identity) in users.chain(roles) {
            principals.insert(
                key,
                ResolvedPrincipal {
                    identity: identity.clone(),
                    control: control.clone(),
                },
            );
        }
    }
    principals
}

impl Snapshot {
    /// Compiles every account of `bundle` as revision `revision`. Policies no attachment names
    /// are compiled too, so a policy the bundle holds is checked now, not at the swap that first
    /// uses it.
    pub fn compile(bundle: &Bundle, revision: u64) -> Result<Snapshot, CompileError> {
        let mut builder = SnapshotBuilder {
            bundle,
            interner: Interner::default(),
            identity_units: HashMap::new(),
            single_units: HashMap::new(),
            referenced: HashSet::new(),
            statements: 0,
        };
        let mut accounts = HashMap::with_capacity(bundle.accounts.len());
        for (id, account) in &bundle.accounts {
            accounts.insert(id.clone(), builder.account(id, account)?);
        }
        builder.unreferenced()?;
        Ok(Snapshot {
            revision,
            principals: principal_table(&accounts),
            keys: builder.interner.keys,
            accounts,
            statements: builder.statements,
        })
    }
}
