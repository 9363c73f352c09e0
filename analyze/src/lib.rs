//! # ramjet-analyze
//!
//! What a set of RAM policies *grants*, decided for every request rather than tried on some:
//! "does the new policy set allow anything the old one does not?" ([`no_new_access`]), "can any
//! of these actions be allowed?" ([`access_not_granted`]), "do these two sets allow the same
//! requests?" ([`equivalent`]), "can this resource policy let in anyone from outside the owner's
//! account?" ([`no_public_access`]), and for two bundles, "what can each user and role do now
//! that it could not before?" ([`diff`]). The answer is PASS (proven for every request), FAIL
//! with a witness request that the compiled engine itself allows under the new policies and not
//! under the old, or UNKNOWN with the reason (never a wrong PASS).
//!
//! ## The model
//!
//! Quantified over: every action string of the form `service:Name`, every resource string,
//! every context (any keys, any values), and for [`no_public_access`] every principal outside
//! the owner's account. A request is classified by
//! - its action: which action patterns of the policies it matches. The realizable combinations
//!   come from the product of the patterns' automata ([`classes`]), with a shortest action of
//!   each; the role-assumption family `sts:AssumeRole*` is a pattern of its own, and also
//!   matches what `sts:AssumeRole` matches (spec 6.1a);
//! - its resource: likewise, over the resource patterns (or, when those are many, a search per
//!   question for a resource that matches some patterns and not others);
//! - its context: each distinct condition test is a boolean variable. Variables are treated as
//!   independent, which over-approximates the contexts (more combinations than requests can
//!   make): a PASS is still a proof; a FAIL needs a context that gives the combination, built
//!   from candidate values and checked test by test with the engine ([`conditions`]);
//! - for [`no_public_access`], its principal: each distinct `Principal` element is a variable
//!   too (one that can name no outside principal is false; `"*"` is true), and a witness needs a
//!   concrete outside principal that gives the wanted values, checked with the engine.
//!
//! Each side's decision follows spec 6.2 (the private module `scopes`): every control level
//! must allow, a role session's session policy must allow, and the identity policies at account
//! scope decide, or when they neither allow nor deny, those attached at the request's resource
//! group. Every request *shape* the sets can tell apart is tried: a RAM user or a role session,
//! of the management account (which control policies do not bind) or not, in each resource
//! group the attachments name or in none.
//!
//! For each shape, action class and resource class, the statements that can apply are known;
//! every combination of their variables is tried (at most 2^16, beyond that UNKNOWN). A
//! combination under which the new policies allow and the old do not is a candidate; its witness
//! request is built (a principal of the resource's account, so the request is not
//! cross-account; for [`diff`] the principal itself) and decided by the compiled engine under
//! both sets before it is reported. Role assumption (`sts:AssumeRole*`) needs a trust policy
//! (spec 6.2 step 4), which these sets do not hold, so those classes are allowed by neither and
//! skipped.
//!
//! Supported: identity, session and control policies, at account scope and at resource groups
//! ([`no_new_access`], [`access_not_granted`], [`equivalent`], [`diff`]), and one
//! resource-based policy ([`no_public_access`]). A resource-based policy given to the others
//! answers UNKNOWN.

pub mod classes;
pub mod conditions;
mod diff;
mod principals;
mod probe;
mod prover;
mod resources;
mod scopes;
mod search;

pub use diff::{diff, Change, Diff, Kind};
pub use search::{
    access_not_granted, equivalent, no_new_access, no_new_access_with, no_public_access, Resources,
};

use ramjet_engine::StatementRef;

/// The answer of an analysis.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Proven for every request.
    Pass,
    /// A request that shows the property does not hold.
    Fail(Witness),
    /// Neither proven nor refuted; the reason says what the procedure could not decide.
    Unknown(String),
}

/// A request the engine allows under the analysed (new) policies and not under the old ones.
#[derive(Debug, Clone)]
pub struct Witness {
    /// The request, as a scenario's `request` object.
    pub request: serde_json::Value,
    /// The statements of the new policies that allow it (the engine's determining statements).
    pub statements: Vec<StatementRef>,
}
