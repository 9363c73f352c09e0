//! The compile side: from the typed model (a bundle, or one scenario's policy set) to the
//! indexed structures the runtime decides with. Nothing here runs per request, and nothing on
//! the decision path imports it.
//!
//! - [`interner`]: what a compiled policy set shares — condition keys, globs, resource lists
//!   and condition tests (each shared test with a memo slot);
//! - [`condition`], [`principal`]: one condition test, one `Principal` element;
//! - [`action_index`]: the action index of a unit;
//! - [`unit`]: statements given ids, and a unit's index ([`CompiledPolicySet::compile`]);
//! - [`snapshot`]: a whole bundle ([`Snapshot::compile`]).
//!
//! [`CompiledPolicySet::compile`]: crate::CompiledPolicySet::compile
//! [`Snapshot::compile`]: crate::Snapshot::compile

pub(crate) mod action_index;
mod condition;
#[cfg(feature = "internals")]
pub(crate) use condition::compile_condition;
mod interner;
mod principal;
mod snapshot;
mod unit;

pub(crate) use interner::Interner;

use thiserror::Error;

/// Why a bundle or a policy set cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
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
    /// More of something than a compiled snapshot can number (ids are 32-bit).
    #[error("too many {what} to compile: the limit is {}", u32::MAX)]
    TooLarge {
        /// What there is too much of (`statements in one evaluation unit`).
        what: &'static str,
    },
}
