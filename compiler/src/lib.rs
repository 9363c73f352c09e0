//! # ramjet-compiler
//!
//! ramjet's front end: policy documents, requests, scenarios and bundle directories read as
//! strict JSON and validated into the typed model of `ramjet-engine` (every error and warning
//! with its JSON path). The engine compiles that model into its index and decides; this crate
//! never decides anything, except that [`load_bundle`]'s reload helper swaps a checked bundle
//! into a [`PolicyStore`](ramjet_engine::PolicyStore).
//!
//! ```
//! use ramjet_compiler::parse_scenario;
//! use ramjet_engine::{CompiledPolicySet, Decision, Scratch};
//! let scenario = parse_scenario(br#"{
//!   "policies": {"identity": [{"Version": "1", "Statement": [
//!     {"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"}]}]},
//!   "request": {"action": "eas:ListServices", "resource": "*"}
//! }"#).unwrap();
//! let compiled = CompiledPolicySet::compile(&scenario.policies).unwrap();
//! let verdict = compiled.decide(&scenario.request, &mut Scratch::default());
//! assert_eq!(verdict.decision, Decision::Allow);
//! ```

pub mod bundle;
mod condition;
pub mod diagnostic;
pub mod json;
pub mod limits;
mod policy;
mod request;
mod scenario;
pub mod wildcard;

pub use bundle::{load_bundle, reload, BundleError, FileDiagnostic};
pub use diagnostic::{one_line, Diagnostic, JsonPath, Severity};
pub use policy::{guess_kind, guess_kind_of, parse_policy, read_policy_document, ParsedPolicy};
/// The typed policy model (defined in `ramjet-engine`, which compiles it).
pub use ramjet_engine::model;
pub use ramjet_engine::model::{Effect, NamedPolicy, Policy, PolicyKind, PolicySet, Statement};
pub use request::{parse_request, parse_request_batch, principal_from_json, BatchItem};
pub use scenario::{parse_scenario, Scenario};
