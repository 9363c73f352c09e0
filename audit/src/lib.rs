//! # ramjet-audit
//!
//! Replays ActionTrail events against a bundle (spec §7): reads every shape records come in
//! (JSON Lines, JSON arrays, LookupEvents responses, wrapped records, gzip), maps each record to
//! a request with the data tables of `corpus/actiontrail/`, decides them in parallel chunks on a
//! compiled snapshot, and accounts for every input line.

pub mod generate;
pub mod input;
pub mod mapping;
pub mod record;
pub mod report;
pub mod run;
mod scan;

/// ramjet-audit's readers as fuzz targets reach them (feature `internals`): not part of the
/// public API.
#[cfg(feature = "internals")]
pub mod internals {
    pub use crate::scan::one_pass_agrees_with_serde;
}
