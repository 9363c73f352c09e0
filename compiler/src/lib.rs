//! # ramjet-compiler
//!
//! The RAM policy language: strict parsing and validation of policy documents, requests and
//! scenarios into a typed model (every error with its JSON path), and the reference interpreter
//! that evaluates the model exactly as `docs/semantics.md` §6 reads.
//!
//! ```
//! use ramjet_compiler::{parse_scenario, reference};
//! let scenario = parse_scenario(br#"{
//!   "policies": {"identity": [{"Version": "1", "Statement": [
//!     {"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"}]}]},
//!   "request": {"action": "eas:ListServices", "resource": "*"}
//! }"#).unwrap();
//! let outcome = reference::evaluate(&scenario.policies, &scenario.request);
//! assert!(outcome.decision.is_allow());
//! ```
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod bundle;
mod condition;
pub mod conformance;
pub mod diagnostic;
pub mod json;
pub mod limits;
mod policy;
pub mod reference;
mod request;
mod scenario;
pub mod wildcard;

pub use bundle::{load_bundle, reload, BundleError, FileDiagnostic};
pub use diagnostic::{Diagnostic, JsonPath, Severity};
pub use policy::{guess_kind, parse_policy, read_policy_document, ParsedPolicy};
/// The typed policy model (defined in `ramjet-engine`, which compiles it).
pub use ramjet_engine::policy as model;
pub use ramjet_engine::policy::{Effect, NamedPolicy, Policy, PolicyKind, PolicySet, Statement};
pub use request::parse_request;
pub use scenario::{parse_scenario, Scenario};
