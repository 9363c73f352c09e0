//! The request model (spec §5.2, interfaces.md `REQUEST`): the action, the resource ARN, who asks
//! and the context keys. Constructors check what every engine relies on (a well-formed action,
//! case-insensitively unique context keys), so an invalid request cannot reach evaluation.

use std::borrow::Cow;
use thiserror::Error;

/// Why a request is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    /// The action is not `service:Name` (spec §2.4).
    #[error("{0:?} is not an action of the form service:Name ({1})")]
    Action(String, &'static str),
    /// Two context keys differ only in ASCII case (spec §4.6).
    #[error("context key {0:?} is given twice (keys compare ASCII case-insensitively)")]
    DuplicateContextKey(String),
    /// A context key is the empty string.
    #[error("context key is empty")]
    EmptyContextKey,
    /// The resource is the empty string.
    #[error("the resource is empty; use \"*\" for actions without resource-level authorization")]
    EmptyResource,
    /// A string of the request is longer than [`MAX_REQUEST_STRING_CHARS`].
    #[error("the {0} has {1} characters, over the limit of {MAX_REQUEST_STRING_CHARS}")]
    TooLong(&'static str, usize),
}

/// The longest action, resource or context value a request may carry, in characters: the same
/// cap as a policy's strings. Real ones are far shorter (an OSS object ARN is under 1,100), and
/// the cap bounds what matching a hostile pattern against them can cost.
pub const MAX_REQUEST_STRING_CHARS: usize = 8_192;

/// Fails when `text` is over [`MAX_REQUEST_STRING_CHARS`] characters.
fn check_length(what: &'static str, text: &str) -> Result<(), RequestError> {
    // Bytes bound characters from above: count only strings that might be over.
    if text.len() > MAX_REQUEST_STRING_CHARS {
        let chars = text.chars().count();
        if chars > MAX_REQUEST_STRING_CHARS {
            return Err(RequestError::TooLong(what, chars));
        }
    }
    Ok(())
}

/// Checks a request action: exactly one `:`, a non-empty service and name, no `*`, `?`, white
/// space or control characters (spec §2.4).
pub fn check_action(action: &str) -> Result<(), RequestError> {
    let fail = |why| Err(RequestError::Action(action.to_string(), why));
    let Some((service, name)) = action.split_once(':') else {
        return fail("it has no `:`");
    };
    if name.contains(':') {
        return fail("it has more than one `:`");
    }
    if service.is_empty() {
        return fail("the service is empty");
    }
    if name.is_empty() {
        return fail("the action name is empty");
    }
    if action.contains(['*', '?']) {
        return fail("a request action cannot contain wildcards");
    }
    if action.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("it contains white space or a control character");
    }
    Ok(())
}

/// Who makes a request (spec §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// An Alibaba Cloud account itself.
    RootAccount {
        /// The account id.
        account: String,
    },
    /// A RAM user.
    RamUser {
        /// The account the user belongs to.
        account: String,
        /// The user name.
        name: String,
        /// The user's numeric UID, if known (OSS principal lists match it).
        id: Option<String>,
    },
    /// A session of an assumed RAM role.
    AssumedRole {
        /// The account the role belongs to.
        account: String,
        /// The role name.
        role: String,
        /// The session name.
        session: String,
        /// The role's numeric id, if known.
        id: Option<String>,
    },
    /// A cloud service (`ecs.aliyuncs.com`).
    Service {
        /// The service name.
        service: String,
        /// The account the service acts for, if any.
        account: Option<String>,
    },
    /// A federated identity from an identity provider.
    Federated {
        /// The IdP ARN (`acs:ram::<uid>:saml-provider/<name>`).
        provider: String,
    },
    /// An anonymous caller. Identity policies never apply to it.
    Anonymous,
}

/// A request principal: its kind and whether it belongs to the Resource Directory management
/// account (control policies do not apply then, spec §6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// What the principal is.
    pub kind: PrincipalKind,
    /// True for principals of the management account.
    pub management_account: bool,
}

impl Principal {
    /// A principal of the given kind, not of the management account.
    pub fn new(kind: PrincipalKind) -> Self {
        Principal {
            kind,
            management_account: false,
        }
    }

    /// A RAM user of `account`.
    pub fn ram_user(account: &str, name: &str) -> Self {
        Principal::new(PrincipalKind::RamUser {
            account: account.to_string(),
            name: name.to_string(),
            id: None,
        })
    }

    /// The account the principal belongs to, if it has one.
    pub fn account(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::RootAccount { account }
            | PrincipalKind::RamUser { account, .. }
            | PrincipalKind::AssumedRole { account, .. } => Some(account),
            PrincipalKind::Service { account, .. } => account.as_deref(),
            PrincipalKind::Federated { .. } | PrincipalKind::Anonymous => None,
        }
    }

    /// The principal's numeric id, if given.
    pub fn id(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::RamUser { id, .. } | PrincipalKind::AssumedRole { id, .. } => {
                id.as_deref()
            }
            _ => None,
        }
    }

    /// The principal's ARNs (spec §5.2): a root account's `acs:ram::<a>:root`, a user's
    /// `acs:ram::<a>:user/<n>`, and for a role session both `acs:ram::<a>:role/<n>/<s>` and
    /// `acs:ram::<a>:role/<n>`. Other kinds have none.
    pub fn arns(&self) -> Vec<String> {
        match &self.kind {
            PrincipalKind::RootAccount { account } => vec![format!("acs:ram::{account}:root")],
            PrincipalKind::RamUser { account, name, .. } => {
                vec![format!("acs:ram::{account}:user/{name}")]
            }
            PrincipalKind::AssumedRole {
                account,
                role,
                session,
                ..
            } => vec![
                format!("acs:ram::{account}:role/{role}/{session}"),
                format!("acs:ram::{account}:role/{role}"),
            ],
            _ => Vec::new(),
        }
    }
}

/// Request context: condition keys with their values. Keys compare ASCII case-insensitively
/// (spec §4.6); a key given with no values counts as absent (spec §4.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    entries: Vec<ContextEntry>,
    /// ASCII-lowercased key → entry, once there are more entries than a scan handles well.
    index: Option<hashbrown::HashMap<String, usize>>,
}

/// Entries up to which a context is searched by a scan; past it, through `index`.
const CONTEXT_SCAN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
struct ContextEntry {
    key: Cow<'static, str>,
    values: Vec<String>,
}

impl Context {
    /// Adds a key with its values. A key that differs from one already present only in ASCII case
    /// is an error.
    pub fn insert(&mut self, key: &str, values: Vec<String>) -> Result<(), RequestError> {
        self.insert_key(Cow::Owned(key.to_string()), values)
    }

    /// [`Context::insert`] for a key known at compile time (`acs:SourceIp`): no copy of the key.
    pub fn insert_static(
        &mut self,
        key: &'static str,
        values: Vec<String>,
    ) -> Result<(), RequestError> {
        self.insert_key(Cow::Borrowed(key), values)
    }

    fn insert_key(
        &mut self,
        key: Cow<'static, str>,
        values: Vec<String>,
    ) -> Result<(), RequestError> {
        if key.is_empty() {
            return Err(RequestError::EmptyContextKey);
        }
        check_length("context key", &key)?;
        for value in &values {
            check_length("context value", value)?;
        }
        if self.position(&key).is_some() {
            return Err(RequestError::DuplicateContextKey(key.into_owned()));
        }
        if self.entries.len() == CONTEXT_SCAN {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.key.to_ascii_lowercase(), i))
                    .collect(),
            );
        }
        if let Some(index) = &mut self.index {
            index.insert(key.to_ascii_lowercase(), self.entries.len());
        }
        self.entries.push(ContextEntry { key, values });
        Ok(())
    }

    /// Where `key` (any ASCII case) is, in insertion order.
    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&key.to_ascii_lowercase()).copied(),
            None => self
                .entries
                .iter()
                .position(|e| e.key.len() == key.len() && e.key.eq_ignore_ascii_case(key)),
        }
    }

    /// [`Context::position`] of a key already ASCII-lowercased (a compiled condition's): only
    /// the context's side is folded, and a key of the same length is rejected on its last byte
    /// before the rest is compared (keys share prefixes such as `acs:`).
    pub(crate) fn position_of_lowered(&self, lowered: &str) -> Option<usize> {
        let wanted = lowered.as_bytes();
        match &self.index {
            Some(index) => index.get(lowered).copied(),
            None => self.entries.iter().position(|e| {
                let key = e.key.as_bytes();
                key.len() == wanted.len()
                    && key.last().map(u8::to_ascii_lowercase) == wanted.last().copied()
                    && key
                        .iter()
                        .zip(wanted)
                        .all(|(k, w)| k.to_ascii_lowercase() == *w)
            }),
        }
    }

    /// The values of `key` (ASCII case-insensitive), or `None` when the key is absent or has no
    /// values.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.position(key)
            .and_then(|i| self.entries.get(i))
            .map(|e| e.values.as_slice())
            .filter(|values| !values.is_empty())
    }

    /// The values of the entry at `index` (insertion order).
    pub(crate) fn values_at(&self, index: usize) -> Option<&[String]> {
        self.entries.get(index).map(|e| e.values.as_slice())
    }

    /// Every key with its values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|e| (&*e.key, e.values.as_slice()))
    }
}

/// The byte range of an ARN's fourth `:`-separated field (the account), when the ARN has at least
/// five fields.
fn account_field(arn: &str) -> Option<(usize, usize)> {
    let mut colons = memchr::memchr_iter(b':', arn.as_bytes());
    let start = colons.nth(2)? + 1;
    let end = colons.next()?;
    Some((start, end))
}

/// `sts:AssumeRole`, lowered: the action every way of assuming a role is also matched as (spec
/// §6.1a), and the prefix of the role-assumption family (§6.2 step 4).
const ASSUME_ROLE: &str = "sts:assumerole";

/// One authorization request (interfaces.md `REQUEST`).
///
/// Facts every check needs and that depend only on the request are worked out once, when it is
/// built (a request is immutable): the ASCII-lowercased action the indexes are keyed by, the
/// resource ARN's account field, and whether the request crosses accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    action: String,
    /// `action`, ASCII-lowercased (actions compare case-insensitively, spec §2.2).
    lowered_action: Box<str>,
    resource: String,
    /// Where the resource ARN's account field lies in `resource` (found once, when the request is
    /// made: every check asks for it).
    resource_account: Option<(usize, usize)>,
    principal: Option<Principal>,
    /// [`Request::is_cross_account`], kept up to date by the builder methods.
    cross_account: bool,
    /// A role assumption other than `sts:AssumeRole` itself, whose action elements are also
    /// matched against `sts:AssumeRole` (spec §6.1a).
    assume_role_alias: bool,
    resource_group: Option<String>,
    context: Context,
}

impl Request {
    /// A request for `action` on `resource` (`"*"` for actions without resource-level
    /// authorization), with no principal, resource group or context yet. Fails when the action is
    /// not `service:Name` (spec §2.4), the resource is empty, or either is over
    /// [`MAX_REQUEST_STRING_CHARS`].
    pub fn new(action: &str, resource: &str) -> Result<Self, RequestError> {
        check_length("action", action)?;
        check_action(action)?;
        if resource.is_empty() {
            return Err(RequestError::EmptyResource);
        }
        check_length("resource", resource)?;
        let lowered_action: Box<str> = action.to_ascii_lowercase().into();
        Ok(Request {
            action: action.to_string(),
            assume_role_alias: lowered_action.starts_with(ASSUME_ROLE)
                && &*lowered_action != ASSUME_ROLE,
            lowered_action,
            resource: resource.to_string(),
            resource_account: account_field(resource),
            principal: None,
            cross_account: false,
            resource_group: None,
            context: Context::default(),
        })
    }

    /// Sets who makes the request.
    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self.cross_account = self.accounts_differ();
        self
    }

    /// Sets the resource group of the resource (selects resource-group-scope policies).
    pub fn with_resource_group(mut self, group: &str) -> Self {
        self.resource_group = Some(group.to_string());
        self
    }

    /// Sets the context keys.
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// The action, `service:Name`.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The action, ASCII-lowercased: the form policy indexes compare (spec §2.2).
    pub(crate) fn lowered_action(&self) -> &str {
        &self.lowered_action
    }

    /// True for `sts:AssumeRole*` in any ASCII case: assuming a role, whose trust policy decides
    /// alongside (spec §6.2 step 4).
    pub fn is_role_assumption(&self) -> bool {
        self.lowered_action.starts_with(ASSUME_ROLE)
    }

    /// Spec §6.1a: for `sts:AssumeRoleWithSAML`, `sts:AssumeRoleWithOIDC` and the rest of the
    /// `sts:AssumeRole*` family except `sts:AssumeRole` itself, the second name its `Action` and
    /// `NotAction` elements are matched against: `sts:assumerole` (lowered). `None` otherwise.
    #[inline]
    pub(crate) fn lowered_alias(&self) -> Option<&'static str> {
        self.assume_role_alias.then_some(ASSUME_ROLE)
    }

    /// The resource ARN, or `"*"`.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// Who makes the request; `None` for a quick check of the given policies.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// The resource group named by the request.
    pub fn resource_group(&self) -> Option<&str> {
        self.resource_group.as_deref()
    }

    /// The context keys.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The account of the resource ARN: its fourth `:`-separated field, when the ARN has at least
    /// five fields (spec §6.2 step 4).
    pub fn resource_account(&self) -> Option<&str> {
        let (start, end) = self.resource_account?;
        self.resource.get(start..end)
    }

    /// True when the resource belongs to another account than the principal (spec §6.2 step 4):
    /// both accounts known, neither empty nor `*`, and different.
    pub fn is_cross_account(&self) -> bool {
        self.cross_account
    }

    fn accounts_differ(&self) -> bool {
        let known = |a: &&str| !a.is_empty() && *a != "*";
        let resource = self.resource_account().filter(known);
        let principal = self
            .principal
            .as_ref()
            .and_then(Principal::account)
            .filter(known);
        matches!((resource, principal), (Some(r), Some(p)) if r != p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_must_have_exactly_one_colon_and_no_wildcards() {
        assert!(check_action("eas:CreateService").is_ok());
        for bad in [
            "eas",
            "eas:a:b",
            ":Create",
            "eas:",
            "eas:*",
            "ea?:X",
            "eas:Create Service",
            "eas:\u{7}",
        ] {
            assert!(check_action(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn context_keys_are_case_insensitive_and_unique() {
        let mut context = Context::default();
        context
            .insert("acs:SourceIp", vec!["1.2.3.4".into()])
            .unwrap();
        assert_eq!(
            context.get("ACS:sourceip"),
            Some(&["1.2.3.4".to_string()][..])
        );
        assert!(context.insert("acs:sourceIP", vec![]).is_err());
        assert_eq!(context.position_of_lowered("acs:sourceip"), Some(0));
        assert_eq!(context.position_of_lowered("acs:sourceiq"), None);
        context.insert("acs:TagKeys", vec![]).unwrap();
        assert_eq!(context.get("acs:TagKeys"), None);
    }

    #[test]
    fn cross_account_needs_two_known_accounts_that_differ() {
        let user = Principal::ram_user("111", "alice");
        let request = |resource: &str| {
            Request::new("eas:X", resource)
                .unwrap()
                .with_principal(user.clone())
        };
        assert!(request("acs:eas:cn:222:service/a").is_cross_account());
        assert!(!request("acs:eas:cn:111:service/a").is_cross_account());
        assert!(!request("acs:eas:cn::service/a").is_cross_account());
        assert!(!request("acs:eas:cn:*:service/a").is_cross_account());
        assert!(!request("*").is_cross_account());
        assert!(!request("acs:eas:cn:222").is_cross_account());
        assert!(!Request::new("eas:X", "acs:eas:cn:222:service/a")
            .unwrap()
            .is_cross_account());
    }

    #[test]
    fn role_sessions_have_two_arns() {
        let p = Principal::new(PrincipalKind::AssumedRole {
            account: "1".into(),
            role: "r".into(),
            session: "s".into(),
            id: None,
        });
        assert_eq!(p.arns(), vec!["acs:ram::1:role/r/s", "acs:ram::1:role/r"]);
    }
}
