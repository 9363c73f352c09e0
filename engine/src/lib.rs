//! # ramjet-engine
//!
//! The decision side of ramjet: the request model a caller fills in, the decision it gets back,
//! and the typed values (exact decimals, instants, IP networks) that both policy conditions and
//! request context are read into.
//!
//! This crate knows nothing about JSON or policy syntax: `ramjet-compiler` parses documents and
//! builds these types. A gateway embedding ramjet builds a [`Request`] in code:
//!
//! ```
//! use ramjet_engine::{Context, Principal, Request};
//!
//! let mut context = Context::default();
//! context.insert("acs:SourceIp", vec!["192.0.2.10".to_string()]).unwrap();
//! let request = Request::new(
//!     "eas:CreateService",
//!     "acs:eas:cn-hangzhou:1234567890123456:service/demo",
//! )
//! .unwrap()
//! .with_principal(Principal::ram_user("1234567890123456", "alice"))
//! .with_context(context);
//! assert_eq!(request.action(), "eas:CreateService");
//! assert_eq!(request.resource_account(), Some("1234567890123456"));
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

pub mod action_index;
pub mod batch;
pub mod bundle;
pub mod compiled;
pub mod condition;
pub mod decision;
pub mod evaluate;
pub mod glob;
pub mod index;
pub mod keys;
pub mod policy;
pub mod principal_match;
pub mod request;
pub mod store;
pub mod value;

pub use decision::{Decision, Outcome, StatementRef, Step};
pub use request::{Context, Principal, PrincipalKind, Request, RequestError};
