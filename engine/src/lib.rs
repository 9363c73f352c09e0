//! # ramjet-engine
//!
//! Decides Alibaba Cloud RAM requests against compiled policies. The typed policy model
//! ([`model`]) is compiled into indexed evaluation units, and a request is decided against them
//! exactly as RAM does (`docs/semantics.md`), in about a hundred nanoseconds and without
//! allocating.
//!
//! This crate holds the model, the compiler from model to index, and the runtime; it knows
//! nothing about JSON. `ramjet-compiler` is the front end that reads policy documents, requests
//! and bundle directories into the model, with diagnostics.
//!
//! What an embedder uses:
//! - [`PolicyStore`]: a compiled [`Snapshot`] of a [`Bundle`](model::Bundle) behind an atomic
//!   pointer, swapped whole; [`StoreReader`] is one thread's handle on it;
//! - [`CompiledPolicySet`]: one scenario's policies, compiled (what `ramjet check` decides with);
//! - [`Request`], [`Principal`], [`Context`]: what is asked;
//! - [`Checked`] / [`Verdict`] (the decision), [`Outcome`] (with the determining statements as
//!   [`StatementRef`]s), [`Decision`], [`Step`];
//! - [`Scratch`]: per-thread working memory; [`batch`]: many requests in parallel;
//! - [`CompileError`], [`RequestError`].
//!
//! ```
//! use ramjet_engine::model::{Account, Bundle, Effect, PatternList, Policy, Statement, User};
//! use ramjet_engine::{Context, Decision, PolicyStore, Principal, Request};
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
//! let store = PolicyStore::new(&bundle).unwrap();
//!
//! let mut context = Context::default();
//! context.insert("acs:SourceIp", vec!["192.0.2.10".to_string()]).unwrap();
//! let request = Request::new("eas:ListServices", "*")
//!     .unwrap()
//!     .with_principal(Principal::ram_user("1234567890123456", "alice"))
//!     .with_context(context);
//! let mut reader = store.reader();
//! assert_eq!(reader.check(&request).verdict.decision, Decision::Allow);
//! ```
//!
//! A broken invariant of a compiled snapshot (a bug, never the input) fails closed: the answer is
//! [`Decision::ImplicitDeny`] at [`Step::InternalError`], not a skipped statement.

pub mod batch;
pub mod model;
pub mod value;

mod action_index;
mod candidate_cache;
mod compile;
mod compiled;
mod condition;
mod decision;
mod evaluate;
mod glob;
mod index;
mod keys;
mod principal_match;
mod request;
mod snapshot;
mod statement_id;
mod store;

#[cfg(test)]
mod fault_tests;

pub use compile::CompileError;
pub use compiled::CompiledPolicySet;
pub use decision::{Decision, Outcome, StatementRef, Step};
pub use evaluate::{Scratch, Verdict};
pub use request::{
    check_action, Context, Principal, PrincipalKind, Request, RequestError,
    MAX_REQUEST_STRING_CHARS,
};
pub use snapshot::{Checked, Snapshot};
pub use store::{PolicyStore, StoreReader};

#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    //! **Not part of the public API** (the `internals` feature, off by default). The matchers
    //! inside the engine, for ramjet's own fuzz targets, which check them against independent
    //! oracles. Anything here may change without notice.

    use crate::action_index::ActionIndex;
    use crate::compile::action_index::ActionIndexBuilder;
    use crate::compile::{CompileError, Interner};
    use crate::condition::CompiledCondition;
    use crate::model::ConditionTest;
    use crate::statement_id::StatementId;

    pub use crate::glob::Glob;

    /// One condition test, compiled.
    #[derive(Debug)]
    pub struct ConditionMatcher(CompiledCondition);

    impl ConditionMatcher {
        /// Compiles `test`.
        pub fn new(test: &ConditionTest) -> Result<Self, CompileError> {
            crate::compile::compile_condition(test, &mut Interner::default()).map(Self)
        }

        /// Whether the test holds for the request's values of its key (`None`: absent).
        pub fn holds(&self, values: Option<&[String]>) -> bool {
            self.0.holds(values)
        }
    }

    /// An action index over a list of patterns (statement `i` has pattern `i`).
    #[derive(Debug)]
    pub struct ActionPatterns(ActionIndex);

    impl ActionPatterns {
        /// Indexes `patterns`; `None` for more than `u32::MAX` of them.
        pub fn new(patterns: &[&str]) -> Option<Self> {
            let mut builder = ActionIndexBuilder::default();
            for (i, pattern) in patterns.iter().enumerate() {
                builder.add(pattern, StatementId::new(i)?);
            }
            Some(Self(builder.build()))
        }

        /// The positions of the patterns matching `lowered_action` (ASCII-lowercased), sorted,
        /// each once.
        pub fn matches(&self, lowered_action: &str) -> Vec<u32> {
            let mut found = Vec::new();
            self.0.for_each_match(lowered_action, |ids| {
                found.extend(ids.iter().map(|id| id.as_u32()))
            });
            found.sort_unstable();
            found.dedup();
            found
        }
    }
}
