//! Condition keys, interned. Every key a compiled policy tests gets a dense [`KeyId`]; a request's
//! context is resolved against the table once per request, so condition tests find their values
//! by index. Keys compare ASCII case-insensitively (spec §4.6) without lowering the request's
//! keys: the table hashes and compares with ASCII case folded.
//!
//! The [`Interner`] also shares what statements have in common across a whole compiled policy
//! set: globs by pattern text, and resource lists and condition tests by their content. A shared
//! test has a dense memo slot, so a request evaluates it at most once however many statements
//! make it (a guardrail Deny repeated in every policy, one `Resource` list on many statements).

use crate::condition::CompiledCondition;
use crate::glob::{Glob, GlobError};
use crate::index::{ResourceMatcher, Shared};
use crate::policy::{ConditionTest, PatternList};
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

/// The interned condition keys of a compiled policy set, and how many memo slots its shared
/// tests use.
#[derive(Debug, Clone, Default)]
pub struct KeyTable {
    ids: HashMap<FoldedKey, KeyId>,
    memo_slots: usize,
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

    /// How many shared tests (resource lists and condition tests) the policy set's statements
    /// make: a request's evaluation remembers each one's result.
    pub fn memo_slots(&self) -> usize {
        self.memo_slots
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
    resources: HashMap<PatternList, Arc<Shared<ResourceMatcher>>>,
    /// By the test with its key ASCII-lowercased.
    conditions: HashMap<ConditionTest, Arc<Shared<CompiledCondition>>>,
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

    /// The shared matcher for a `Resource` / `NotResource` list, compiling it on first use.
    pub(crate) fn resources(
        &mut self,
        list: &PatternList,
    ) -> Result<Arc<Shared<ResourceMatcher>>, GlobError> {
        self.shared(
            list,
            |i| &mut i.resources,
            |i| ResourceMatcher::compile(list, i),
        )
    }

    /// The shared compiled form of a condition test (keys compare without ASCII case),
    /// compiling it on first use.
    pub(crate) fn condition(
        &mut self,
        test: &ConditionTest,
    ) -> Result<Arc<Shared<CompiledCondition>>, GlobError> {
        let folded = ConditionTest {
            key: test.key.to_ascii_lowercase(),
            ..test.clone()
        };
        self.shared(
            &folded,
            |i| &mut i.conditions,
            |i| CompiledCondition::compile(test, i),
        )
    }

    /// The shared test for `key` in the table `table` picks: found, or compiled with a new memo
    /// slot and kept.
    fn shared<K: Hash + Eq + Clone, T>(
        &mut self,
        key: &K,
        table: fn(&mut Interner) -> &mut HashMap<K, Arc<Shared<T>>>,
        compile: impl FnOnce(&mut Interner) -> Result<T, GlobError>,
    ) -> Result<Arc<Shared<T>>, GlobError> {
        if let Some(shared) = table(self).get(key) {
            return Ok(shared.clone());
        }
        let test = compile(self)?;
        let shared = Arc::new(Shared {
            memo: self.next_memo_slot(),
            test,
        });
        table(self).insert(key.clone(), shared.clone());
        Ok(shared)
    }

    fn next_memo_slot(&mut self) -> u32 {
        let slot = self.keys.memo_slots;
        self.keys.memo_slots += 1;
        u32::try_from(slot).unwrap_or(u32::MAX)
    }
}
