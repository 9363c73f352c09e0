//! Condition keys, interned. Every key a compiled policy tests gets a dense [`KeyId`]; a request's
//! context is resolved against the table once per request, so condition tests find their values
//! by index. Keys compare ASCII case-insensitively (spec §4.6) without lowering the request's
//! keys: the table hashes and compares with ASCII case folded.

use crate::glob::{Glob, GlobError};
use hashbrown::{Equivalent, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A dense index of an interned condition key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub u32);

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

/// The interned condition keys of a compiled policy set.
#[derive(Debug, Clone, Default)]
pub struct KeyTable {
    ids: HashMap<FoldedKey, KeyId>,
}

impl KeyTable {
    /// The id of `key`, adding it if new.
    pub fn intern(&mut self, key: &str) -> KeyId {
        if let Some(id) = self.lookup(key) {
            return id;
        }
        let id = KeyId(self.ids.len() as u32);
        self.ids
            .insert(FoldedKey(key.to_ascii_lowercase().into()), id);
        id
    }

    /// The id of `key` in any ASCII case, if some policy tests it.
    pub fn lookup(&self, key: &str) -> Option<KeyId> {
        self.ids.get(&FoldedQuery(key)).copied()
    }

    /// How many keys are interned.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no key is interned.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_intern_once_in_any_case() {
        let mut table = KeyTable::default();
        let a = table.intern("acs:SourceIp");
        assert_eq!(table.intern("ACS:sourceip"), a);
        assert_eq!(table.lookup("acs:SOURCEIP"), Some(a));
        assert_eq!(table.lookup("acs:SourceVpc"), None);
        let tag = table.intern("ecs:tag/部门");
        assert_eq!(table.lookup("ECS:TAG/部门"), Some(tag));
        assert_eq!(table.len(), 2);
    }
}

/// What compiling a policy set shares across its units: the condition keys, and every compiled
/// glob by its pattern text (a pattern used by a thousand principals' policies is compiled, and
/// kept in memory, once).
#[derive(Debug, Default)]
pub struct Interner {
    /// The condition keys.
    pub keys: KeyTable,
    globs: HashMap<Box<str>, Arc<Glob>>,
}

impl Interner {
    /// The compiled glob for `pattern`, compiling it on first use.
    pub fn glob(&mut self, pattern: &str) -> Result<Arc<Glob>, GlobError> {
        if let Some(glob) = self.globs.get(pattern) {
            return Ok(glob.clone());
        }
        let glob = Arc::new(Glob::new(pattern)?);
        self.globs.insert(pattern.into(), glob.clone());
        Ok(glob)
    }
}
