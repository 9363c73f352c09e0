//! A bundle (interfaces.md): the policies of one or more accounts and what they are attached to —
//! users and their groups, roles and their trust policies, resource-group attachments, control
//! levels. `ramjet-compiler` reads one from a directory; [`Snapshot::compile`](crate::store::Snapshot::compile)
//! compiles it.

use crate::policy::Policy;
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
