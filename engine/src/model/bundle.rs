//! A bundle (docs/interfaces.md): the policies of one or more accounts and what they are attached
//! to — users and their groups, roles and their trust policies, resource-group attachments,
//! control levels. `ramjet-compiler` reads one from a directory; [`Snapshot::compile`]
//! compiles it.
//!
//! [`Account::identity_attachments`] is the one answer to "which identity policies does this
//! user or role have": the snapshot builder, the reference interpreter's reading of a bundle and
//! the audit's report all ask it.
//!
//! [`Snapshot::compile`]: crate::Snapshot::compile

use super::Policy;
use std::collections::BTreeMap;

/// Every account of a bundle and every policy they name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bundle {
    /// Policies by name (a file stem).
    pub policies: BTreeMap<String, Policy>,
    /// Accounts by id.
    pub accounts: BTreeMap<String, Account>,
}

/// One account's principals, attachments and control levels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    /// RAM users by name.
    pub users: BTreeMap<String, User>,
    /// User groups by name.
    pub groups: BTreeMap<String, Group>,
    /// RAM roles by name.
    pub roles: BTreeMap<String, Role>,
    /// Resource-group-scope attachments by resource group id.
    pub resource_group_policies: BTreeMap<String, ResourceGroupAttachments>,
    /// Control policy levels, from the account up to the root folder.
    pub control: Vec<Vec<String>>,
    /// The Resource Directory management account: control policies do not apply to it.
    pub management_account: bool,
}

/// A RAM user: its own policies and its groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    /// Account-scope policies attached to the user.
    pub policies: Vec<String>,
    /// The groups the user belongs to.
    pub groups: Vec<String>,
}

/// A user group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// Account-scope policies attached to the group.
    pub policies: Vec<String>,
}

/// A RAM role: its policies and its trust policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    /// Account-scope policies attached to the role.
    pub policies: Vec<String>,
    /// The trust policy (a resource-based policy) deciding who may assume the role.
    pub trust: Option<String>,
}

/// Policies attached at the scope of one resource group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceGroupAttachments {
    /// Per user.
    pub users: BTreeMap<String, Vec<String>>,
    /// Per group.
    pub groups: BTreeMap<String, Vec<String>>,
    /// Per role.
    pub roles: BTreeMap<String, Vec<String>>,
}

/// A user or a role of one account, as a bundle names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    /// A RAM user.
    User(&'a str),
    /// A RAM role (its sessions carry the role's policies).
    Role(&'a str),
}

/// One identity-policy attachment: a policy's name, and the resource group it is attached in
/// (`None`: account scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Attachment<'a> {
    /// The resource group of a resource-group-scope attachment.
    pub resource_group: Option<&'a str>,
    /// The policy's name.
    pub policy: &'a str,
}

impl Account {
    /// The identity policies attached to `member` (spec §6.2, docs/interfaces.md "Bundle"): a
    /// user's own and its groups', at account scope and in each resource group; a role's own, at
    /// account scope and in each resource group. Sorted and without repeats; empty for a member
    /// the account does not have. A group the account does not have contributes nothing (see
    /// [`Account::unknown_group`]).
    ///
    /// ```
    /// use ramjet_engine::model::{Account, Attachment, Group, Member, User};
    /// let mut account = Account::default();
    /// account.groups.insert("dev".into(), Group { policies: vec!["P2".into()] });
    /// account.users.insert("alice".into(), User { policies: vec!["P1".into()], groups: vec!["dev".into()] });
    /// let names: Vec<&str> = account
    ///     .identity_attachments(Member::User("alice"))
    ///     .iter()
    ///     .map(|a| a.policy)
    ///     .collect();
    /// assert_eq!(names, ["P1", "P2"]);
    /// ```
    pub fn identity_attachments(&self, member: Member<'_>) -> Vec<Attachment<'_>> {
        fn account_scope(policies: &[String]) -> impl Iterator<Item = Attachment<'_>> {
            policies.iter().map(|policy| Attachment {
                resource_group: None,
                policy,
            })
        }
        let mut attachments = Vec::new();
        match member {
            Member::User(name) => {
                let Some((name, user)) = self.users.get_key_value(name) else {
                    return attachments;
                };
                attachments.extend(account_scope(&user.policies));
                for group in user.groups.iter().filter_map(|g| self.groups.get(g)) {
                    attachments.extend(account_scope(&group.policies));
                }
                for (rg, attached) in &self.resource_group_policies {
                    let own = attached.users.get(name).into_iter().flatten();
                    let groups = user
                        .groups
                        .iter()
                        .filter_map(|g| attached.groups.get(g))
                        .flatten();
                    attachments.extend(own.chain(groups).map(|policy| Attachment {
                        resource_group: Some(rg),
                        policy,
                    }));
                }
            }
            Member::Role(name) => {
                let Some((name, role)) = self.roles.get_key_value(name) else {
                    return attachments;
                };
                attachments.extend(account_scope(&role.policies));
                for (rg, attached) in &self.resource_group_policies {
                    let own = attached.roles.get(name).into_iter().flatten();
                    attachments.extend(own.map(|policy| Attachment {
                        resource_group: Some(rg),
                        policy,
                    }));
                }
            }
        }
        attachments.sort_unstable();
        attachments.dedup();
        attachments
    }

    /// The first `(user, group)` where a user belongs to a group the account does not have.
    pub fn unknown_group(&self) -> Option<(&str, &str)> {
        self.users.iter().find_map(|(name, user)| {
            user.groups
                .iter()
                .find(|g| !self.groups.contains_key(*g))
                .map(|g| (name.as_str(), g.as_str()))
        })
    }
}

/// `acs:ram::<account>:role/<name>` as `(account, name)`; `None` for any other resource,
/// `role/<name>/<session>` (a session, not a role) included.
pub fn role_of_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("acs:ram::")?;
    let (account, relative) = rest.split_once(':')?;
    let name = relative.strip_prefix("role/")?;
    (!name.is_empty() && !name.contains('/')).then_some((account, name))
}
