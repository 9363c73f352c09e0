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
#[inline]
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
    if is_plain_action(action) {
        return Ok(());
    }
    check_action_fully(action)
}

/// [`check_action`] without the fast path: the rules as spec §2.4 states them.
#[cold]
#[inline(never)]
fn check_action_fully(action: &str) -> Result<(), RequestError> {
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

/// [`ACTION_BYTES`] classes.
const REFUSED: u8 = 2;
const COLON: u8 = 1;

/// What each byte is to [`is_plain_action`]: printable ASCII but `*` and `?` is 0, `:` is
/// [`COLON`], anything else [`REFUSED`].
static ACTION_BYTES: [u8; 256] = {
    let mut table = [REFUSED; 256];
    let mut byte = 0;
    while byte < 256 {
        // PANIC SAFETY: evaluated at compile time; an index out of range would not compile.
        #[allow(clippy::indexing_slicing)]
        {
            table[byte] = action_byte_class(byte as u8);
        }
        byte += 1;
    }
    table
};

/// The [`ACTION_BYTES`] class of `byte`.
const fn action_byte_class(byte: u8) -> u8 {
    match byte {
        b':' => COLON,
        b'*' | b'?' => REFUSED,
        0x21..=0x7e => 0,
        _ => REFUSED,
    }
}

/// The common case of [`check_action`], in one pass over the bytes: printable ASCII, one `:`
/// with something on either side, no wildcard. `false` sends the action to the full check,
/// which accepts what this does not handle (non-ASCII names) and says why it refuses the rest.
fn is_plain_action(action: &str) -> bool {
    let bytes = action.as_bytes();
    // Branch-free per byte: a table says what each byte is.
    let (mut refused, mut colons) = (0u8, 0usize);
    for &byte in bytes {
        let class = ACTION_BYTES
            .get(usize::from(byte))
            .copied()
            .unwrap_or(REFUSED);
        refused |= class;
        colons += usize::from(class & COLON);
    }
    let refused = refused & REFUSED;
    refused == 0 && colons == 1 && bytes.first() != Some(&b':') && bytes.last() != Some(&b':')
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
///
/// A context can be emptied with [`Context::clear`] and refilled with [`Context::insert_value`]
/// / [`Context::insert_values`]: those copy into the buffers of the entries cleared, so a context
/// refilled with keys and values no longer than before allocates nothing (up to 16 keys; past
/// that, the key index allocates).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The entries in insertion order; those from `live` on are buffers kept by
    /// [`Context::clear`] for reuse, not part of the context.
    entries: Vec<ContextEntry>,
    live: usize,
    /// ASCII-lowercased key → entry, once there are more entries than a scan handles well.
    index: Option<hashbrown::HashMap<String, usize>>,
}

impl PartialEq for Context {
    fn eq(&self, other: &Self) -> bool {
        self.live_entries() == other.live_entries()
    }
}

impl Eq for Context {}

/// Entries up to which a context is searched by a scan; past it, through `index`.
const CONTEXT_SCAN: usize = 16;

#[derive(Debug, Clone)]
struct ContextEntry {
    key: Cow<'static, str>,
    /// The values are the first `count`; the rest are buffers kept for reuse.
    values: Vec<String>,
    count: usize,
}

impl PartialEq for ContextEntry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.values() == other.values()
    }
}

impl Eq for ContextEntry {}

impl ContextEntry {
    fn new(key: Cow<'static, str>, values: Vec<String>) -> Self {
        ContextEntry {
            key,
            count: values.len(),
            values,
        }
    }

    fn values(&self) -> &[String] {
        self.values.get(..self.count).unwrap_or(&[])
    }

    /// Makes the entry hold `key` and `values`, in its own buffers where it has them.
    fn refill(&mut self, key: &str, values: &[&str]) {
        self.refill_key(key);
        for (i, value) in values.iter().enumerate() {
            match self.values.get_mut(i) {
                Some(buffer) => copy_into(buffer, value),
                None => self.values.push((*value).to_string()),
            }
        }
        self.count = values.len();
    }

    /// [`ContextEntry::refill`] with one value.
    #[inline]
    fn refill_one(&mut self, key: &str, value: &str) {
        self.refill_key(key);
        match self.values.first_mut() {
            Some(buffer) => copy_into(buffer, value),
            None => self.values.push(value.to_string()),
        }
        self.count = 1;
    }

    #[inline]
    fn refill_key(&mut self, key: &str) {
        match &mut self.key {
            Cow::Owned(buffer) => copy_into(buffer, key),
            borrowed => *borrowed = Cow::Owned(key.to_string()),
        }
    }
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

    /// Adds a key with one value, copying both into buffers the context kept from before
    /// [`Context::clear`] when it has them: the way to refill a context without allocating.
    #[inline]
    pub fn insert_value(&mut self, key: &str, value: &str) -> Result<(), RequestError> {
        // The common case decided without building an error: a short new key in a small
        // context (byte lengths bound character counts from above).
        let fits = key.len() <= MAX_REQUEST_STRING_CHARS && value.len() <= MAX_REQUEST_STRING_CHARS;
        if fits && self.index.is_none() && !key.is_empty() && !self.scan_has(key) {
            self.push_value(key, value);
            return Ok(());
        }
        self.check_new_key(key)?;
        check_length("context value", value)?;
        self.push_value(key, value);
        Ok(())
    }

    /// True when a key equal to `key` but for ASCII case is among the entries (a scan).
    #[inline]
    fn scan_has(&self, key: &str) -> bool {
        self.live_entries()
            .iter()
            .any(|e| e.key.len() == key.len() && e.key.eq_ignore_ascii_case(key))
    }

    /// Adds `key` with one value, checked.
    fn push_value(&mut self, key: &str, value: &str) {
        match self.entries.get_mut(self.live) {
            Some(spare) => spare.refill_one(key, value),
            None => self.entries.push(ContextEntry::new(
                Cow::Owned(key.to_string()),
                vec![value.to_string()],
            )),
        }
        self.index_new_entry(key);
        self.live += 1;
    }

    /// [`Context::insert_value`] for a key with any number of values.
    pub fn insert_values(&mut self, key: &str, values: &[&str]) -> Result<(), RequestError> {
        self.check_new_key(key)?;
        for value in values {
            check_length("context value", value)?;
        }
        match self.entries.get_mut(self.live) {
            Some(spare) => spare.refill(key, values),
            None => self.entries.push(ContextEntry::new(
                Cow::Owned(key.to_string()),
                values.iter().map(|v| (*v).to_string()).collect(),
            )),
        }
        self.index_new_entry(key);
        self.live += 1;
        Ok(())
    }

    /// Removes every key, keeping the entries' buffers for the next inserts.
    pub fn clear(&mut self) {
        self.live = 0;
        self.index = None;
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when the context has no keys.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn insert_key(
        &mut self,
        key: Cow<'static, str>,
        values: Vec<String>,
    ) -> Result<(), RequestError> {
        self.check_new_key(&key)?;
        for value in &values {
            check_length("context value", value)?;
        }
        self.index_new_entry(&key);
        let entry = ContextEntry::new(key, values);
        match self.entries.get_mut(self.live) {
            Some(spare) => *spare = entry,
            None => self.entries.push(entry),
        }
        self.live += 1;
        Ok(())
    }

    /// Fails when `key` is empty, too long or already present (in any ASCII case).
    #[inline]
    fn check_new_key(&self, key: &str) -> Result<(), RequestError> {
        if key.is_empty() {
            return Err(RequestError::EmptyContextKey);
        }
        check_length("context key", key)?;
        if self.position(key).is_some() {
            return Err(RequestError::DuplicateContextKey(key.to_string()));
        }
        Ok(())
    }

    /// Keeps the key index up to date for an entry about to be added at `live`: made when the
    /// context grows past [`CONTEXT_SCAN`] keys.
    #[inline]
    fn index_new_entry(&mut self, key: &str) {
        if self.live >= CONTEXT_SCAN {
            self.index_entry(key);
        }
    }

    #[cold]
    fn index_entry(&mut self, key: &str) {
        if self.live == CONTEXT_SCAN {
            self.index = Some(
                self.live_entries()
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.key.to_ascii_lowercase(), i))
                    .collect(),
            );
        }
        if let Some(index) = &mut self.index {
            index.insert(key.to_ascii_lowercase(), self.live);
        }
    }

    /// The entries that are part of the context (not the buffers kept by `clear`).
    fn live_entries(&self) -> &[ContextEntry] {
        self.entries.get(..self.live).unwrap_or(&[])
    }

    /// Where `key` (any ASCII case) is, in insertion order.
    #[inline]
    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => indexed_position(index, key),
            None => self
                .live_entries()
                .iter()
                .position(|e| e.key.len() == key.len() && e.key.eq_ignore_ascii_case(key)),
            // (`scan_has` is the same scan, for inserts.)
        }
    }

    /// [`Context::position`] of a key already ASCII-lowercased (a compiled condition's): only
    /// the context's side is folded, and a key of the same length is rejected on its last byte
    /// before the rest is compared (keys share prefixes such as `acs:`).
    pub(crate) fn position_of_lowered(&self, lowered: &str) -> Option<usize> {
        let wanted = lowered.as_bytes();
        match &self.index {
            Some(index) => index.get(lowered).copied(),
            None => self.live_entries().iter().position(|e| {
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
            .map(ContextEntry::values)
            .filter(|values| !values.is_empty())
    }

    /// The values of the entry at `index` (insertion order).
    pub(crate) fn values_at(&self, index: usize) -> Option<&[String]> {
        self.live_entries().get(index).map(ContextEntry::values)
    }

    /// Every key with its values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.live_entries().iter().map(|e| (&*e.key, e.values()))
    }
}

/// [`Context::position`] in a context with an index.
#[inline(never)]
fn indexed_position(index: &hashbrown::HashMap<String, usize>, key: &str) -> Option<usize> {
    index.get(&key.to_ascii_lowercase()).copied()
}

/// Makes `buffer` hold `text`, reusing its allocation when it is large enough.
#[inline]
fn copy_into(buffer: &mut String, text: &str) {
    buffer.clear();
    buffer.push_str(text);
}

/// [`copy_into`] for an optional string.
fn copy_option_into(buffer: &mut Option<String>, text: Option<&str>) {
    match (buffer.as_mut(), text) {
        (Some(buffer), Some(text)) => copy_into(buffer, text),
        (_, text) => *buffer = text.map(str::to_string),
    }
}

/// The byte range of an ARN's fourth `:`-separated field (the account), when the ARN has at least
/// five fields.
fn account_field(arn: &str) -> Option<(usize, usize)> {
    // A plain loop: ARNs are short, and the fourth colon is near the start.
    let mut seen = 0;
    let mut start = 0;
    for (i, &byte) in arn.as_bytes().iter().enumerate() {
        if byte == b':' {
            seen += 1;
            if seen == 3 {
                start = i + 1;
            } else if seen == 4 {
                return Some((start, i));
            }
        }
    }
    None
}

/// `sts:AssumeRole`, lowered: the action every way of assuming a role is also matched as (spec
/// §6.1a), and the prefix of the role-assumption family (§6.2 step 4).
const ASSUME_ROLE: &str = "sts:assumerole";

/// One authorization request (interfaces.md `REQUEST`).
///
/// Facts every check needs and that depend only on the request are worked out once, when it is
/// built: the ASCII-lowercased action the indexes are keyed by, the resource ARN's account
/// field, and whether the request crosses accounts.
///
/// Two ways to build one:
/// - **owned**, for simple use: [`Request::new`] and the `with_` methods. Each request allocates
///   its strings (about 20 allocations with a principal and six context keys).
/// - **refilled**, for a gateway or any loop deciding many calls: keep one request per thread
///   and, per call, [`Request::refill`] it with the call's action and resource, then
///   [`Request::set_ram_user`] / [`Request::set_assumed_role`] and
///   [`Request::context_mut`]`().`[`insert_value`](Context::insert_value). Those copy into the
///   buffers the request kept from its earlier calls, so once they have grown to fit, building a
///   request allocates nothing (bench/README.md, "Building a request", has the numbers).
#[derive(Debug, Clone)]
pub struct Request {
    action: String,
    /// `action`, ASCII-lowercased (actions compare case-insensitively, spec §2.2).
    lowered_action: String,
    resource: String,
    /// Where the resource ARN's account field lies in `resource` (found once, when the request is
    /// made: every check asks for it).
    resource_account: Option<(usize, usize)>,
    /// Who asks, when `principal_given`; otherwise a buffer [`Request::refill`] kept.
    principal: Option<Principal>,
    principal_given: bool,
    /// [`Request::is_cross_account`], kept up to date by the builder methods.
    cross_account: bool,
    /// A role assumption other than `sts:AssumeRole` itself, whose action elements are also
    /// matched against `sts:AssumeRole` (spec §6.1a).
    assume_role_alias: bool,
    resource_group: Option<String>,
    context: Context,
    /// Buffers [`Request::refill`] took out of use, kept for the next setters (not part of the
    /// request's value).
    spare: Spare,
}

/// See [`Request::spare`].
#[derive(Debug, Clone, Default)]
struct Spare {
    /// A RAM-user principal, for [`Request::set_ram_user`] (when `principal` is another kind).
    user: Option<Principal>,
    /// A role-session principal, for [`Request::set_assumed_role`] (likewise).
    role: Option<Principal>,
    resource_group: Option<String>,
}

impl Spare {
    /// Keeps `principal`'s buffers when a setter can reuse them.
    fn keep(&mut self, principal: Principal) {
        match principal.kind {
            PrincipalKind::RamUser { .. } => self.user = Some(principal),
            PrincipalKind::AssumedRole { .. } => self.role = Some(principal),
            _ => {}
        }
    }
}

impl PartialEq for Request {
    fn eq(&self, other: &Self) -> bool {
        // The other fields are worked out from these.
        self.action == other.action
            && self.resource == other.resource
            && self.principal() == other.principal()
            && self.resource_group == other.resource_group
            && self.context == other.context
    }
}

impl Eq for Request {}

/// Checks a request's action and resource (see [`Request::new`]).
fn check_action_and_resource(action: &str, resource: &str) -> Result<(), RequestError> {
    check_length("action", action)?;
    check_action(action)?;
    if resource.is_empty() {
        return Err(RequestError::EmptyResource);
    }
    check_length("resource", resource)
}

/// True for the `sts:AssumeRole*` family except `sts:AssumeRole` itself (spec §6.1a).
fn is_assume_role_alias(lowered_action: &str) -> bool {
    lowered_action.starts_with(ASSUME_ROLE) && lowered_action != ASSUME_ROLE
}

impl Request {
    /// A request for `action` on `resource` (`"*"` for actions without resource-level
    /// authorization), with no principal, resource group or context yet. Fails when the action is
    /// not `service:Name` (spec §2.4), the resource is empty, or either is over
    /// [`MAX_REQUEST_STRING_CHARS`].
    pub fn new(action: &str, resource: &str) -> Result<Self, RequestError> {
        check_action_and_resource(action, resource)?;
        let lowered_action = action.to_ascii_lowercase();
        Ok(Request {
            action: action.to_string(),
            assume_role_alias: is_assume_role_alias(&lowered_action),
            lowered_action,
            resource: resource.to_string(),
            resource_account: account_field(resource),
            principal: None,
            principal_given: false,
            cross_account: false,
            resource_group: None,
            context: Context::default(),
            spare: Spare::default(),
        })
    }

    /// Makes this request a new one for `action` on `resource`, as [`Request::new`] would,
    /// with no principal, resource group or context keys — but in the buffers of the request it
    /// was, which the setters below fill again. Fails as [`Request::new`] does, and then leaves
    /// the request as it was.
    pub fn refill(&mut self, action: &str, resource: &str) -> Result<(), RequestError> {
        check_action_and_resource(action, resource)?;
        copy_into(&mut self.action, action);
        copy_into(&mut self.lowered_action, action);
        self.lowered_action.make_ascii_lowercase();
        self.assume_role_alias = is_assume_role_alias(&self.lowered_action);
        copy_into(&mut self.resource, resource);
        self.resource_account = account_field(resource);
        self.principal_given = false;
        self.cross_account = false;
        if let Some(group) = self.resource_group.take() {
            self.spare.resource_group = Some(group);
        }
        self.context.clear();
        Ok(())
    }

    /// Sets who makes the request (the principal is moved in; see [`Request::set_ram_user`] for
    /// a setter that copies into kept buffers).
    pub fn set_principal(&mut self, principal: Principal) {
        if let Some(earlier) = self.principal.replace(principal) {
            self.spare.keep(earlier);
        }
        self.principal_given = true;
        self.cross_account = self.accounts_differ();
    }

    /// Sets a RAM user of `account` as the principal (not of the management account), copying
    /// into the buffers of the request's earlier RAM-user principal when it had one.
    pub fn set_ram_user(&mut self, account: &str, name: &str, id: Option<&str>) {
        if !matches!(&self.principal, Some(p) if matches!(p.kind, PrincipalKind::RamUser { .. })) {
            self.bring_principal(
                |spare| &mut spare.user,
                || PrincipalKind::RamUser {
                    account: String::new(),
                    name: String::new(),
                    id: None,
                },
            );
        }
        if let Some(Principal {
            kind:
                PrincipalKind::RamUser {
                    account: a,
                    name: n,
                    id: i,
                },
            management_account,
        }) = &mut self.principal
        {
            copy_into(a, account);
            copy_into(n, name);
            copy_option_into(i, id);
            *management_account = false;
        }
        self.principal_given = true;
        self.cross_account = self.accounts_differ();
    }

    /// Sets a session of RAM role `role` of `account` as the principal (not of the management
    /// account), reusing buffers as [`Request::set_ram_user`] does.
    pub fn set_assumed_role(&mut self, account: &str, role: &str, session: &str, id: Option<&str>) {
        if !matches!(&self.principal, Some(p) if matches!(p.kind, PrincipalKind::AssumedRole { .. }))
        {
            self.bring_principal(
                |spare| &mut spare.role,
                || PrincipalKind::AssumedRole {
                    account: String::new(),
                    role: String::new(),
                    session: String::new(),
                    id: None,
                },
            );
        }
        if let Some(Principal {
            kind:
                PrincipalKind::AssumedRole {
                    account: a,
                    role: r,
                    session: s,
                    id: i,
                },
            management_account,
        }) = &mut self.principal
        {
            copy_into(a, account);
            copy_into(r, role);
            copy_into(s, session);
            copy_option_into(i, id);
            *management_account = false;
        }
        self.principal_given = true;
        self.cross_account = self.accounts_differ();
    }

    /// Puts a principal of the kind a setter fills in place: the one kept of that kind (`kept`
    /// picks it), else a new one of `empty` strings (which allocate nothing). The principal it
    /// replaces is kept for its own kind's setter.
    #[cold]
    fn bring_principal(
        &mut self,
        kept: fn(&mut Spare) -> &mut Option<Principal>,
        empty: fn() -> PrincipalKind,
    ) {
        let wanted = kept(&mut self.spare)
            .take()
            .unwrap_or_else(|| Principal::new(empty()));
        if let Some(earlier) = self.principal.replace(wanted) {
            self.spare.keep(earlier);
        }
    }

    /// Sets the resource group of the resource, reusing the kept buffer.
    pub fn set_resource_group(&mut self, group: &str) {
        let mut buffer = self
            .resource_group
            .take()
            .or_else(|| self.spare.resource_group.take())
            .unwrap_or_default();
        copy_into(&mut buffer, group);
        self.resource_group = Some(buffer);
    }

    /// The context keys, to add to (after [`Request::refill`], the context is empty and keeps
    /// its buffers: see [`Context::insert_value`]).
    pub fn context_mut(&mut self) -> &mut Context {
        &mut self.context
    }

    /// Sets who makes the request.
    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.set_principal(principal);
        self
    }

    /// Sets the resource group of the resource (selects resource-group-scope policies).
    pub fn with_resource_group(mut self, group: &str) -> Self {
        self.set_resource_group(group);
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
        self.principal.as_ref().filter(|_| self.principal_given)
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
        let principal = self.principal().and_then(Principal::account).filter(known);
        matches!((resource, principal), (Some(r), Some(p)) if r != p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_must_have_exactly_one_colon_and_no_wildcards() {
        assert!(check_action("eas:CreateService").is_ok());
        assert!(check_action("eas:Créer").is_ok());
        assert!(is_plain_action("eas:CreateService"));
        assert!(!is_plain_action("eas:Créer"));
        for bad in [
            "eas",
            "eas:a:b",
            ":Create",
            "eas:",
            "eas:*",
            "ea?:X",
            "eas:Create Service",
            "eas:\u{7}",
            "eas:a\u{a0}b",
            "eas:a b",
            "eas:a*",
            "e?s:a",
            "::",
            ":",
            "",
        ] {
            assert!(check_action(bad).is_err(), "{bad} accepted");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_action_check_agrees_with_the_rules(action in "[a-z:*?\t \u{a0}é~!]{0,8}") {
            if is_plain_action(&action) {
                proptest::prop_assert!(check_action_fully(&action).is_ok());
            } else if action.is_ascii() {
                proptest::prop_assert!(check_action_fully(&action).is_err());
            }
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

#[cfg(test)]
mod refill_tests {
    //! A refilled request is the request [`Request::new`] and the `with_` methods build from the
    //! same parts, whatever it held before — the facts worked out once included.

    use super::*;
    use proptest::prelude::*;

    /// The parts of one call.
    #[derive(Debug, Clone)]
    struct Parts {
        action: String,
        resource: String,
        /// 0: none, 1: RAM user, 2: role session, 3: a service (moved in).
        principal: (u8, String, String, Option<String>),
        group: Option<String>,
        context: Vec<(String, Vec<String>)>,
    }

    fn parts() -> impl Strategy<Value = Parts> {
        let action = prop::sample::select(vec![
            "eas:CreateService",
            "EAS:createservice",
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "bad action",
        ]);
        let resource = prop::sample::select(vec![
            "*",
            "acs:eas:cn-hangzhou:111:service/a",
            "acs:eas:cn-hangzhou:222:service/a-much-longer-name",
            "acs:ram::*:role/r",
            "",
        ]);
        let account = prop::sample::select(vec!["111", "222", "", "*"]);
        let name = "[a-z]{0,12}";
        let key = prop::sample::select(vec![
            "acs:SourceIp",
            "ACS:SOURCEIP",
            "acs:CurrentTime",
            "eas:Replicas",
            "",
        ]);
        let values = prop::collection::vec("[0-9.a-z]{0,9}", 0..3);
        (
            action,
            resource,
            (0u8..4, account, name, prop::option::of("[0-9]{1,6}")),
            prop::option::of("rg-[a-z]{1,5}"),
            prop::collection::vec((key, values), 0..6),
        )
            .prop_map(
                |(action, resource, (kind, account, name, id), group, context)| Parts {
                    action: action.into(),
                    resource: resource.into(),
                    principal: (kind, account.into(), name, id),
                    group,
                    context: context
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                },
            )
    }

    fn principal_of(parts: &Parts) -> Option<Principal> {
        let (kind, account, name, id) = parts.principal.clone();
        let kind = match kind {
            1 => PrincipalKind::RamUser { account, name, id },
            2 => PrincipalKind::AssumedRole {
                account,
                role: name.clone(),
                session: name,
                id,
            },
            3 => PrincipalKind::Service {
                service: name,
                account: Some(account),
            },
            _ => return None,
        };
        Some(Principal::new(kind))
    }

    /// Built the owned way: `None` when the parts are not a request.
    fn owned(parts: &Parts) -> Option<Request> {
        let mut request = Request::new(&parts.action, &parts.resource).ok()?;
        if let Some(principal) = principal_of(parts) {
            request = request.with_principal(principal);
        }
        if let Some(group) = &parts.group {
            request = request.with_resource_group(group);
        }
        let mut context = Context::default();
        for (key, values) in &parts.context {
            context.insert(key, values.clone()).ok()?;
        }
        Some(request.with_context(context))
    }

    /// Refills `request` with the parts; `None` when they are not a request.
    fn refill(request: &mut Request, parts: &Parts) -> Option<()> {
        request.refill(&parts.action, &parts.resource).ok()?;
        let (kind, account, name, id) = &parts.principal;
        match kind {
            1 => request.set_ram_user(account, name, id.as_deref()),
            2 => request.set_assumed_role(account, name, name, id.as_deref()),
            3 => request.set_principal(principal_of(parts)?),
            _ => {}
        }
        if let Some(group) = &parts.group {
            request.set_resource_group(group);
        }
        for (key, values) in &parts.context {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            request.context_mut().insert_values(key, &values).ok()?;
        }
        Some(())
    }

    fn same_facts(a: &Request, b: &Request) {
        assert_eq!(a, b);
        assert_eq!(a.lowered_action(), b.lowered_action());
        assert_eq!(a.lowered_alias(), b.lowered_alias());
        assert_eq!(a.resource_account(), b.resource_account());
        assert_eq!(a.is_cross_account(), b.is_cross_account());
        assert_eq!(a.principal(), b.principal());
        assert_eq!(a.context().len(), b.context().len());
        for (key, values) in b.context().iter() {
            assert_eq!(a.context().get(key), Some(values).filter(|v| !v.is_empty()));
            assert_eq!(
                a.context().position_of_lowered(&key.to_ascii_lowercase()),
                b.context().position_of_lowered(&key.to_ascii_lowercase())
            );
        }
    }

    proptest! {
        #[test]
        fn a_refilled_request_is_the_request_built_from_its_parts(
            calls in prop::collection::vec(parts(), 1..12)
        ) {
            let mut request = Request::new("eas:Start", "*").unwrap();
            for call in &calls {
                let before = request.clone();
                match (owned(call), refill(&mut request, call)) {
                    (Some(expected), Some(())) => same_facts(&request, &expected),
                    (None, None) => {
                        // A refusal by `refill` itself leaves the request as it was.
                        if Request::new(&call.action, &call.resource).is_err() {
                            same_facts(&request, &before);
                        }
                        // Either way the buffer stays usable for the next call.
                        request.refill("eas:Start", "*").unwrap();
                    }
                    (owned, refilled) => panic!("owned {owned:?}, refilled {refilled:?}"),
                }
            }
        }
    }

    #[test]
    fn a_context_past_the_scan_limit_is_indexed_and_cleared() {
        let mut context = Context::default();
        for round in 0..3 {
            context.clear();
            assert!(context.is_empty());
            for i in 0..40 {
                context
                    .insert_value(&format!("k:{i}"), &format!("{round}-{i}"))
                    .unwrap();
            }
            assert!(context.insert_value("K:39", "again").is_err());
            assert_eq!(context.len(), 40);
            assert_eq!(context.get("K:7"), Some(&[format!("{round}-7")][..]));
            assert_eq!(context.position_of_lowered("k:39"), Some(39));
        }
        context.clear();
        context.insert_value("k:1", "only").unwrap();
        assert_eq!(context.get("k:7"), None);
        assert_eq!(context.iter().count(), 1);
    }
}
