//! The [`Interner`]: what compiling a policy set shares across its units. Condition keys get
//! dense ids ([`KeyTable`]); globs are compiled once per pattern text; resource lists and
//! condition tests are compiled once per content, each with a memo slot, so a request evaluates
//! a shared test at most once however many statements make it (a guardrail Deny repeated in
//! every policy, one `Resource` list on many statements).

use super::condition::compile_condition;
use super::CompileError;
use crate::condition::CompiledCondition;
use crate::glob::Glob;
use crate::index::{ExactSet, ResourceMatcher, Shared, EXACT_SET_THRESHOLD};
use crate::keys::{KeyId, KeyTable};
use crate::model::{ConditionTest, PatternList};
use hashbrown::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    /// The condition keys, and how many memo slots the shared tests use.
    pub(crate) keys: KeyTable,
    globs: HashMap<Box<str>, Arc<Glob>>,
    resources: HashMap<PatternList, Arc<Shared<ResourceMatcher>>>,
    /// By the test with its key ASCII-lowercased.
    conditions: HashMap<ConditionTest, Arc<Shared<CompiledCondition>>>,
}

impl Interner {
    /// The compiled glob for `pattern`, compiling it on first use.
    pub(crate) fn glob(&mut self, pattern: &str) -> Arc<Glob> {
        if let Some(glob) = self.globs.get(pattern) {
            return glob.clone();
        }
        let glob = Arc::new(Glob::new(pattern));
        self.globs.insert(pattern.into(), glob.clone());
        glob
    }

    /// The id of condition key `key`.
    pub(crate) fn intern_key(&mut self, key: &str) -> Result<KeyId, CompileError> {
        self.keys.intern(key).ok_or(CompileError::TooLarge {
            what: "distinct condition keys",
        })
    }

    /// The shared matcher for a `Resource` / `NotResource` list, compiling it on first use.
    pub(crate) fn resources(
        &mut self,
        list: &PatternList,
    ) -> Result<Arc<Shared<ResourceMatcher>>, CompileError> {
        self.shared(
            list,
            |i| &mut i.resources,
            |i| Ok(compile_resources(list, i)),
        )
    }

    /// The shared compiled form of a condition test (keys compare without ASCII case),
    /// compiling it on first use.
    pub(crate) fn condition(
        &mut self,
        test: &ConditionTest,
    ) -> Result<Arc<Shared<CompiledCondition>>, CompileError> {
        let folded = ConditionTest {
            key: test.key.to_ascii_lowercase(),
            ..test.clone()
        };
        self.shared(
            &folded,
            |i| &mut i.conditions,
            |i| compile_condition(test, i),
        )
    }

    /// The shared test for `key` in the table `table` picks: found, or compiled with a new memo
    /// slot and kept.
    fn shared<K: Hash + Eq + Clone, T>(
        &mut self,
        key: &K,
        table: fn(&mut Interner) -> &mut HashMap<K, Arc<Shared<T>>>,
        compile: impl FnOnce(&mut Interner) -> Result<T, CompileError>,
    ) -> Result<Arc<Shared<T>>, CompileError> {
        if let Some(shared) = table(self).get(key) {
            return Ok(shared.clone());
        }
        let test = compile(self)?;
        let shared = Arc::new(Shared {
            memo: self.next_memo_slot()?,
            test,
        });
        table(self).insert(key.clone(), shared.clone());
        Ok(shared)
    }

    fn next_memo_slot(&mut self) -> Result<u32, CompileError> {
        let slot = u32::try_from(self.keys.memo_slots).map_err(|_| CompileError::TooLarge {
            what: "distinct resource lists and condition tests",
        })?;
        self.keys.memo_slots += 1;
        Ok(slot)
    }
}

/// Compiles a `Resource` / `NotResource` list: `*` noted, exact entries in a list or set, the
/// other globs shared through `interner`.
fn compile_resources(list: &PatternList, interner: &mut Interner) -> ResourceMatcher {
    let mut any = false;
    let mut exact = Vec::new();
    let mut globs = Vec::new();
    for pattern in &list.patterns {
        if !pattern.contains(['*', '?']) {
            exact.push(pattern.as_str().into());
            continue;
        }
        let glob = interner.glob(pattern);
        match &*glob {
            Glob::Any => any = true,
            _ => globs.push(glob),
        }
    }
    let exact = if exact.len() > EXACT_SET_THRESHOLD {
        ExactSet::Many(exact.into_iter().collect())
    } else {
        ExactSet::Few(exact.into())
    };
    ResourceMatcher {
        negated: list.negated,
        any,
        exact,
        globs: globs.into(),
    }
}
