//! `diff` of two bundles: for each user and role, does the new bundle let it do anything the old
//! one did not? Principals whose policies did not change are not analysed (nothing can differ);
//! the others are grouped by what they hold (their account, their kind and the names of the
//! policies attached to them in each bundle), and each group is analysed once, in parallel, with
//! a witness for its first member. A witness for a member differs from the group's only by the
//! principal's name, which no identity-policy decision depends on.
//!
//! Analysed as `no-new-access` on what the bundle gives the principal (spec 6.2 without a
//! resource policy): its identity policies at account scope and at each resource group, and its
//! account's control levels (none for the management account). Trust policies decide who may
//! assume a role, not what the role may do: they are not compared here (`no-public-access`
//! analyses one).

use crate::search::{search, Question};
use crate::Verdict;
use ramjet_compiler::model::{Attachment, Bundle, Member, NamedPolicy, PolicySet};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// A user or a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A RAM user.
    User,
    /// A RAM role (its sessions).
    Role,
}

impl Kind {
    /// `user` or `role`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Role => "role",
        }
    }
}

/// The answer for one principal whose policies changed.
#[derive(Debug, Clone)]
pub struct Change {
    /// Its account.
    pub account: String,
    /// User or role.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// PASS (nothing new), FAIL with a witness made by this principal, or UNKNOWN.
    pub verdict: Verdict,
}

/// What [`diff`] found.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Users and roles in either bundle.
    pub principals: usize,
    /// One entry per principal whose policies changed, by account, kind and name.
    pub changes: Vec<Change>,
}

/// What a principal holds in one bundle: its attachments (policy names, resource groups) and
/// whether it exists there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Holding {
    exists: bool,
    attachments: Vec<(Option<String>, String)>,
}

/// The group key: principals with equal keys get the same answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    account: String,
    kind: Kind,
    old: Holding,
    new: Holding,
}

/// For each user and role of either bundle, whether the new bundle lets it do anything the old
/// one did not.
pub fn diff(old: &Bundle, new: &Bundle) -> Diff {
    let mut members: BTreeSet<(String, Kind, String)> = BTreeSet::new();
    for bundle in [old, new] {
        for (id, account) in &bundle.accounts {
            for name in account.users.keys() {
                members.insert((id.clone(), Kind::User, name.clone()));
            }
            for name in account.roles.keys() {
                members.insert((id.clone(), Kind::Role, name.clone()));
            }
        }
    }
    let mut same_control: BTreeMap<&str, bool> = BTreeMap::new();
    for (account, _, _) in &members {
        same_control
            .entry(account)
            .or_insert_with(|| control(old, account) == control(new, account));
    }
    let mut groups: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for (account, kind, name) in &members {
        let key = Key {
            account: account.clone(),
            kind: *kind,
            old: holding(old, account, *kind, name),
            new: holding(new, account, *kind, name),
        };
        let same = same_control.get(account.as_str()).copied().unwrap_or(false);
        if unchanged(old, new, &key, same) {
            continue;
        }
        groups.entry(key).or_default().push(name.clone());
    }
    let answers: Vec<(&Key, &Vec<String>, Verdict)> = groups
        .par_iter()
        .map(|(key, names)| {
            let first = names.first().map(String::as_str).unwrap_or_default();
            (key, names, analyse(old, new, key, first))
        })
        .collect();
    let mut changes = Vec::new();
    for (key, names, verdict) in answers {
        for name in names {
            changes.push(Change {
                account: key.account.clone(),
                kind: key.kind,
                name: name.clone(),
                verdict: renamed(&verdict, name),
            });
        }
    }
    changes.sort_by(|a, b| (&a.account, a.kind, &a.name).cmp(&(&b.account, b.kind, &b.name)));
    Diff {
        principals: members.len(),
        changes,
    }
}

fn holding(bundle: &Bundle, account: &str, kind: Kind, name: &str) -> Holding {
    let Some(found) = bundle.accounts.get(account) else {
        return Holding {
            exists: false,
            attachments: Vec::new(),
        };
    };
    let (exists, member) = match kind {
        Kind::User => (found.users.contains_key(name), Member::User(name)),
        Kind::Role => (found.roles.contains_key(name), Member::Role(name)),
    };
    Holding {
        exists,
        attachments: found
            .identity_attachments(member)
            .into_iter()
            .map(
                |Attachment {
                     resource_group,
                     policy,
                 }| { (resource_group.map(str::to_string), policy.to_string()) },
            )
            .collect(),
    }
}

/// The control levels that bound the account's principals (none for the management account).
fn control(bundle: &Bundle, account: &str) -> Vec<Vec<NamedPolicy>> {
    let Some(found) = bundle.accounts.get(account) else {
        return Vec::new();
    };
    if found.management_account {
        return Vec::new();
    }
    found
        .control
        .iter()
        .map(|level| {
            level
                .iter()
                .filter_map(|n| named(bundle, n, None))
                .collect()
        })
        .collect()
}

fn named(bundle: &Bundle, name: &str, resource_group: Option<&str>) -> Option<NamedPolicy> {
    bundle.policies.get(name).map(|policy| NamedPolicy {
        name: name.to_string(),
        resource_group: resource_group.map(str::to_string),
        policy: policy.clone(),
    })
}

/// The identity policies a holding names, as the bundle has them.
fn identity(bundle: &Bundle, holding: &Holding) -> Vec<NamedPolicy> {
    holding
        .attachments
        .iter()
        .filter_map(|(rg, name)| named(bundle, name, rg.as_deref()))
        .collect()
}

/// Same attachments, same documents, same control (`same_control`, found once per account):
/// nothing can differ.
fn unchanged(old: &Bundle, new: &Bundle, key: &Key, same_control: bool) -> bool {
    !key.new.exists
        || (key.old.exists
            && same_control
            && key.old.attachments == key.new.attachments
            && key
                .new
                .attachments
                .iter()
                .all(|(_, name)| old.policies.get(name) == new.policies.get(name)))
}

fn analyse(old: &Bundle, new: &Bundle, key: &Key, name: &str) -> Verdict {
    let set = |bundle: &Bundle, holding: &Holding| PolicySet {
        identity: identity(bundle, holding),
        control: control(bundle, &key.account),
        ..PolicySet::default()
    };
    let (before, after) = (set(old, &key.old), set(new, &key.new));
    let principal = principal_json(&key.account, key.kind, name);
    search(Question {
        principal: Some(&principal),
        ..Question::new(&before, &after)
    })
}

fn principal_json(account: &str, kind: Kind, name: &str) -> serde_json::Value {
    match kind {
        Kind::User => serde_json::json!({"type": "RamUser", "account": account, "name": name}),
        Kind::Role => serde_json::json!({
            "type": "AssumedRole", "account": account, "name": name, "session": "witness"
        }),
    }
}

/// `verdict` with its witness's principal named `name`.
fn renamed(verdict: &Verdict, name: &str) -> Verdict {
    let mut verdict = verdict.clone();
    if let Verdict::Fail(witness) = &mut verdict {
        if let Some(principal) = witness
            .request
            .get_mut("principal")
            .and_then(|p| p.as_object_mut())
        {
            principal.insert("name".to_string(), serde_json::json!(name));
        }
    }
    verdict
}
