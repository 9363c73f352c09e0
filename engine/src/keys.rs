//! Condition keys, interned. Every key a compiled policy tests gets a dense [`KeyId`]; a request's
//! context is resolved against the table once per request, so condition tests find their values
//! by index. Keys compare ASCII case-insensitively (spec §4.6) without lowering the request's
//! keys: the table hashes and compares with ASCII case folded.
//!
//! The table is filled when a policy set is compiled (`compile::Interner`), which also counts
//! the memo slots of the tests statements share.

use hashbrown::{Equivalent, HashMap};
use std::hash::{Hash, Hasher};

/// A dense index of an interned condition key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct KeyId(pub(crate) u32);

/// A key stored ASCII-lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FoldedKey(Box<str>);

/// A key as a request spells it, looked up without case.
struct FoldedQuery<'a>(&'a str);

fn hash_folded<H: Hasher>(key: &str, state: &mut H) {
    for b in key.bytes() {
        state.write_u8(b.to_ascii_lowercase());
    }
    state.write_u8(0xff);
}

impl Hash for FoldedKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_folded(&self.0, state);
    }
}

impl Hash for FoldedQuery<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_folded(self.0, state);
    }
}

impl Equivalent<FoldedKey> for FoldedQuery<'_> {
    fn equivalent(&self, key: &FoldedKey) -> bool {
        self.0.eq_ignore_ascii_case(&key.0)
    }
}

/// The interned condition keys of a compiled policy set, and how many memo slots its shared
/// tests use.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyTable {
    ids: HashMap<FoldedKey, KeyId>,
    pub(crate) memo_slots: usize,
}

impl KeyTable {
    /// The id of `key`, adding it if new; `None` when the table is full (`u32::MAX` keys).
    pub(crate) fn intern(&mut self, key: &str) -> Option<KeyId> {
        if let Some(id) = self.lookup(key) {
            return Some(id);
        }
        let id = KeyId(u32::try_from(self.ids.len()).ok()?);
        self.ids
            .insert(FoldedKey(key.to_ascii_lowercase().into()), id);
        Some(id)
    }

    /// The id of `key` in any ASCII case, if some policy tests it.
    pub(crate) fn lookup(&self, key: &str) -> Option<KeyId> {
        self.ids.get(&FoldedQuery(key)).copied()
    }

    /// How many keys are interned.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// How many shared tests (resource lists and condition tests) the policy set's statements
    /// make: a request's evaluation remembers each one's result.
    pub(crate) fn memo_slots(&self) -> usize {
        self.memo_slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_intern_once_in_any_case() {
        let mut table = KeyTable::default();
        let a = table.intern("acs:SourceIp").unwrap();
        assert_eq!(table.intern("ACS:sourceip"), Some(a));
        assert_eq!(table.lookup("acs:SOURCEIP"), Some(a));
        assert_eq!(table.lookup("acs:SourceVpc"), None);
        let tag = table.intern("ecs:tag/部门").unwrap();
        assert_eq!(table.lookup("ECS:TAG/部门"), Some(tag));
        assert_eq!(table.len(), 2);
    }
}
