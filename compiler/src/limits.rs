//! Hard safety caps: what the engine accepts at most, whatever RAM's own limits (those are
//! `validate` findings, spec §1.5). They bound memory and time on hostile input; each is an error
//! with the path of the offending element when exceeded.

pub use crate::json::MAX_DOCUMENT_BYTES;

/// Statements in one policy document.
pub const MAX_STATEMENTS: usize = 100_000;
/// Entries in one `Action`, `Resource`, `Principal` or condition value list.
pub const MAX_LIST_ENTRIES: usize = 100_000;
/// Characters in one pattern, principal entry, condition key or condition value.
pub const MAX_STRING_CHARS: usize = 8_192;

/// RAM's limit on a custom policy document (spec §1.5), in characters of its compact form.
pub const RAM_CUSTOM_POLICY_CHARS: usize = 6_144;
/// RAM's limit on a session policy (spec §1.5), in characters of its compact form.
pub const RAM_SESSION_POLICY_CHARS: usize = 2_048;
