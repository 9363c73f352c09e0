//! Typed condition values (spec §4.3): each operator family reads policy values at load time and
//! request values at evaluation time through the same parser, so both sides agree on what a value
//! means. A policy value that does not parse is a compile error; a request value that does not
//! parse satisfies no test (spec §4.4).

mod boolean;
mod decimal;
mod instant;
mod ip;

pub use boolean::parse_bool;
pub(crate) use decimal::DecimalView;
pub use decimal::{DecimalError, ExactDecimal, MAX_DECIMAL_CHARS, MAX_DECIMAL_EXPONENT};
pub use instant::{parse_instant, Instant, InstantError};
pub use ip::{parse_network, parse_request_address, IpError};
pub use ipnet::IpNet;
