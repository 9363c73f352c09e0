//! # ramjet-reference
//!
//! The oracle every faster path is checked against: the reference interpreter ([`evaluate`],
//! [`bundle_policies`]) computes RAM's decision directly on the typed policy model, one rule at a
//! time in the order `docs/semantics.md` gives them, for clarity rather than speed; and the
//! [`conformance`] suite's loader, whose cases every engine must answer alike.
//!
//! Production code (the engine, the audit, the decision service) does not depend on this crate;
//! tests, benchmarks, fuzz targets and `ramjet check --engine reference` do.
//!
//! ```
//! use ramjet_compiler::parse_scenario;
//! let scenario = parse_scenario(br#"{
//!   "policies": {"identity": [{"Version": "1", "Statement": [
//!     {"Effect": "Allow", "Action": "eas:ListServices", "Resource": "*"}]}]},
//!   "request": {"action": "eas:ListServices", "resource": "*"}
//! }"#).unwrap();
//! let outcome = ramjet_reference::evaluate(&scenario.policies, &scenario.request);
//! assert!(outcome.decision.is_allow());
//! ```

pub mod conformance;
mod interpreter;

pub use interpreter::{bundle_policies, evaluate};
