//! The typed policy model: what a RAM policy document means once read and checked
//! (`ramjet-compiler` reads documents into it). Every value is already parsed (IP networks,
//! instants, exact decimals, booleans), so evaluation never meets a malformed value. Patterns keep
//! their text; how they are matched is up to each engine.

mod bundle;

pub use bundle::{
    role_of_arn, Account, Attachment, Bundle, Group, Member, ResourceGroupAttachments, Role, User,
};

use crate::value::{ExactDecimal, Instant, IpNet};

/// Which kind of policy a document is (spec §1.4): it decides which members are legal and which
/// size limit `validate` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user, group or role.
    Identity,
    /// The `Policy` parameter of AssumeRole.
    Session,
    /// A resource's own policy; a role's trust policy is one.
    Resource,
    /// A Resource Directory control policy.
    Control,
}

impl PolicyKind {
    /// The kind's name as `validate --kind` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Session => "session",
            PolicyKind::Resource => "resource",
            PolicyKind::Control => "control",
        }
    }
}

/// A policy document: its statements.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement denies.
    Deny,
}

/// One statement: it applies to a request when its action, resource, principal and condition all
/// hold (spec §6.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The `Sid` label.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// `Action` or `NotAction`.
    pub actions: PatternList,
    /// `Resource` or `NotResource`; `None` (resource-based policies only) means every resource.
    pub resources: Option<PatternList>,
    /// `Principal` (resource-based policies only).
    pub principal: Option<PrincipalSpec>,
    /// The condition tests, all of which must hold (spec §4.2).
    pub conditions: Vec<ConditionTest>,
}

/// `Action` / `Resource` (a match on any pattern) or `NotAction` / `NotResource` (a match on
/// none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PatternList {
    /// True for `NotAction` / `NotResource`.
    pub negated: bool,
    /// The glob patterns (`*` any run, `?` one character).
    pub patterns: Vec<String>,
}

/// The `Principal` element (spec §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSpec {
    /// `"*"`: everyone, anonymous included.
    Everyone,
    /// `{"RAM": [...], "Service": [...], "Federated": [...]}`.
    Named {
        /// RAM entries: `acs:ram::<A>:root` or globs over principal ARNs.
        ram: Vec<String>,
        /// Service names, or `<uid>@<service>`.
        service: Vec<String>,
        /// IdP ARNs.
        federated: Vec<String>,
    },
    /// An OSS bucket-policy list of `"*"` and UIDs (`[]` reads as `["*"]`).
    AccountList(Vec<String>),
}

/// The base test of a condition operator (spec §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum TestKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
    NotIpAddress,
    Null,
}

impl TestKind {
    /// Every operator, with its name.
    pub const ALL: [(&'static str, TestKind); 22] = [
        ("StringEquals", TestKind::StringEquals),
        ("StringNotEquals", TestKind::StringNotEquals),
        ("StringEqualsIgnoreCase", TestKind::StringEqualsIgnoreCase),
        (
            "StringNotEqualsIgnoreCase",
            TestKind::StringNotEqualsIgnoreCase,
        ),
        ("StringLike", TestKind::StringLike),
        ("StringNotLike", TestKind::StringNotLike),
        ("NumericEquals", TestKind::NumericEquals),
        ("NumericNotEquals", TestKind::NumericNotEquals),
        ("NumericLessThan", TestKind::NumericLessThan),
        ("NumericLessThanEquals", TestKind::NumericLessThanEquals),
        ("NumericGreaterThan", TestKind::NumericGreaterThan),
        (
            "NumericGreaterThanEquals",
            TestKind::NumericGreaterThanEquals,
        ),
        ("DateEquals", TestKind::DateEquals),
        ("DateNotEquals", TestKind::DateNotEquals),
        ("DateLessThan", TestKind::DateLessThan),
        ("DateLessThanEquals", TestKind::DateLessThanEquals),
        ("DateGreaterThan", TestKind::DateGreaterThan),
        ("DateGreaterThanEquals", TestKind::DateGreaterThanEquals),
        ("Bool", TestKind::Bool),
        ("IpAddress", TestKind::IpAddress),
        ("NotIpAddress", TestKind::NotIpAddress),
        ("Null", TestKind::Null),
    ];

    /// The operator's name.
    pub fn name(self) -> &'static str {
        TestKind::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("?", |(name, _)| name)
    }

    /// True for the negated operators (`StringNotEquals`, `NotIpAddress`, …): they hold when no
    /// request value satisfies the positive counterpart (spec §4.4).
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            TestKind::StringNotEquals
                | TestKind::StringNotEqualsIgnoreCase
                | TestKind::StringNotLike
                | TestKind::NumericNotEquals
                | TestKind::DateNotEquals
                | TestKind::NotIpAddress
        )
    }

    /// The value family the operator reads.
    pub fn family(self) -> ValueFamily {
        use TestKind::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => ValueFamily::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => ValueFamily::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => ValueFamily::Date,
            Bool => ValueFamily::Bool,
            IpAddress | NotIpAddress => ValueFamily::Ip,
            Null => ValueFamily::Null,
        }
    }
}

/// What kind of value an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueFamily {
    /// Text.
    String,
    /// Exact decimals.
    Numeric,
    /// Instants.
    Date,
    /// `true` / `false`.
    Bool,
    /// Addresses and networks.
    Ip,
    /// Presence of the key.
    Null,
}

/// `ForAnyValue:` / `ForAllValues:` (spec §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQuantifier {
    /// Some single request value satisfies the test; absent key → false.
    ForAnyValue,
    /// Every request value satisfies the test; absent key → true.
    ForAllValues,
}

/// A full operator: base test and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    /// The base test.
    pub test: TestKind,
    /// A set prefix, if any.
    pub quantifier: Option<SetQuantifier>,
    /// The `IfExists` suffix: an absent key makes the test true.
    pub if_exists: bool,
}

impl Operator {
    /// The operator as a document spells it: `ForAllValues:StringLikeIfExists`.
    pub fn name(&self) -> String {
        let prefix = match self.quantifier {
            Some(SetQuantifier::ForAnyValue) => "ForAnyValue:",
            Some(SetQuantifier::ForAllValues) => "ForAllValues:",
            None => "",
        };
        let suffix = if self.if_exists { "IfExists" } else { "" };
        format!("{prefix}{}{suffix}", self.test.name())
    }
}

/// Policy values of one condition test, parsed for the operator's family.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConditionValues {
    /// String operators: the text (globs for `Like`).
    Strings(Vec<String>),
    /// Numeric operators.
    Numbers(Vec<ExactDecimal>),
    /// Date operators.
    Instants(Vec<Instant>),
    /// `Bool` and `Null`.
    Bools(Vec<bool>),
    /// `IpAddress` / `NotIpAddress`.
    Networks(Vec<IpNet>),
}

/// One key under one operator: `"StringEquals": {"acs:SourceVpc": ["vpc-1", "vpc-2"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionTest {
    /// The operator with its modifiers.
    pub operator: Operator,
    /// The context key, as written (compared ASCII case-insensitively).
    pub key: String,
    /// The values, OR-ed.
    pub values: ConditionValues,
}

/// A named policy, with the resource group it is attached at (identity policies only).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// The name that determining statements report.
    pub name: String,
    /// For an identity policy attached at resource-group scope, the group.
    pub resource_group: Option<String>,
    /// The document.
    pub policy: Policy,
}

/// Every policy that bears on a request, by kind (spec §6.2).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    /// Identity policies, account scope (`resource_group: None`) or resource-group scope.
    pub identity: Vec<NamedPolicy>,
    /// The session policy of an assumed-role session.
    pub session: Option<NamedPolicy>,
    /// The resource-based policy (a role's trust policy included).
    pub resource: Option<NamedPolicy>,
    /// Control policy levels, from the member account up to the root folder.
    pub control: Vec<Vec<NamedPolicy>>,
}

/// Where a policy sits in a [`PolicySet`] (spec §6.3). Names need not be unique — RAM keeps
/// control, system and custom policies in separate namespaces — so a determining statement names
/// its policy's place as well as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyPlace {
    /// Policy `index` of control level `level` (level 0 is the member account's).
    Control {
        /// The level, from the member account up.
        level: usize,
        /// The position in the level.
        index: usize,
    },
    /// The session policy.
    Session,
    /// Identity policy `index` (its position in [`PolicySet::identity`]).
    Identity {
        /// The position in the identity list.
        index: usize,
    },
    /// The resource-based policy.
    Resource,
}

impl PolicyPlace {
    /// The kind of policy found here.
    pub fn kind(self) -> PolicyKind {
        match self {
            PolicyPlace::Control { .. } => PolicyKind::Control,
            PolicyPlace::Session => PolicyKind::Session,
            PolicyPlace::Identity { .. } => PolicyKind::Identity,
            PolicyPlace::Resource => PolicyKind::Resource,
        }
    }

    /// The position in the identity list or in the control level; 0 for the session and the
    /// resource policy, which are alone of their kind.
    pub fn index(self) -> usize {
        match self {
            PolicyPlace::Control { index, .. } | PolicyPlace::Identity { index } => index,
            PolicyPlace::Session | PolicyPlace::Resource => 0,
        }
    }

    /// The control level, for a control policy.
    pub fn level(self) -> Option<usize> {
        match self {
            PolicyPlace::Control { level, .. } => Some(level),
            _ => None,
        }
    }
}

impl PolicySet {
    /// Every policy with its place, in evaluation order.
    pub fn placed(&self) -> impl Iterator<Item = (PolicyPlace, &NamedPolicy)> {
        let control = self
            .control
            .iter()
            .enumerate()
            .flat_map(|(level, policies)| {
                policies
                    .iter()
                    .enumerate()
                    .map(move |(index, p)| (PolicyPlace::Control { level, index }, p))
            });
        let identity = self
            .identity
            .iter()
            .enumerate()
            .map(|(index, p)| (PolicyPlace::Identity { index }, p));
        control
            .chain(self.session.iter().map(|p| (PolicyPlace::Session, p)))
            .chain(identity)
            .chain(self.resource.iter().map(|p| (PolicyPlace::Resource, p)))
    }

    /// The policy at `place`, if the set has one there.
    pub fn at(&self, place: PolicyPlace) -> Option<&NamedPolicy> {
        match place {
            PolicyPlace::Control { level, index } => self.control.get(level)?.get(index),
            PolicyPlace::Session => self.session.as_ref(),
            PolicyPlace::Identity { index } => self.identity.get(index),
            PolicyPlace::Resource => self.resource.as_ref(),
        }
    }

    /// Every policy with its kind, in evaluation order.
    pub fn iter(&self) -> impl Iterator<Item = (PolicyKind, &NamedPolicy)> {
        self.control
            .iter()
            .flatten()
            .map(|p| (PolicyKind::Control, p))
            .chain(self.session.iter().map(|p| (PolicyKind::Session, p)))
            .chain(self.identity.iter().map(|p| (PolicyKind::Identity, p)))
            .chain(self.resource.iter().map(|p| (PolicyKind::Resource, p)))
    }
}
