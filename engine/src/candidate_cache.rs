//! Candidate lists remembered per thread, for actions the compiled index cannot answer with one
//! list: an action matched only by wildcard patterns (`eas:Describe*`, `eas:*Service`), or one
//! that a unit's `NotAction` statements must be consulted for. Finding such an action's
//! candidates walks the service's prefixes, globs and the `NotAction` exclusions, and marks each
//! candidate seen; the result depends only on the compiled unit and the action, so it is worked
//! out once, sorted in visit order (Denies first, then Allows cheapest first) and kept here.
//! The next request for the action takes the one-pass loop over that list, as an action named
//! literally does.
//!
//! Kept in the thread's [`Scratch`](crate::Scratch): nothing is shared, so no lock and no
//! atomic is touched on a check. Keyed by the unit's [`PolicyIndex::id`], unique in the process
//! (never an address, which a later snapshot could reuse). Bounded: lists longer than
//! [`MAX_LIST`] are not kept, and the cache is emptied when it would hold more than
//! [`MAX_LISTS`] lists or [`MAX_KEPT_IDS`] statement ids in all (4 MiB), so lists kept for
//! snapshots swapped out since are let go in time.

use crate::index::PolicyIndex;
use crate::statement_id::StatementId;
use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// The most lists one thread keeps.
pub(crate) const MAX_LISTS: usize = 4096;
/// The longest list kept, in statements.
pub(crate) const MAX_LIST: usize = 16_384;
/// The most statement ids kept in all.
pub(crate) const MAX_KEPT_IDS: usize = 1 << 20;

/// One kept list: the unit, the lowered action, the candidates.
#[derive(Debug)]
struct Kept {
    index: u64,
    action: Box<str>,
    ids: Box<[StatementId]>,
}

/// One thread's remembered lists (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct CandidateCache {
    lists: HashTable<Kept>,
    hasher: DefaultHashBuilder,
    /// The ids in `lists`, in all.
    kept_ids: usize,
}

impl CandidateCache {
    fn hash(&self, index: u64, action: &str) -> u64 {
        self.hasher.hash_one((index, action))
    }

    /// The list kept for `action` (lowered) in `index`; on a miss, `gather`'s list, kept —
    /// unless `gather` gives none (a list over [`MAX_LIST`], or a broken invariant met while
    /// gathering), and then `None`.
    #[inline]
    pub(crate) fn get_or_gather(
        &mut self,
        index: &PolicyIndex,
        action: &str,
        gather: impl FnOnce() -> Option<Box<[StatementId]>>,
    ) -> Option<&[StatementId]> {
        let hash = self.hash(index.id, action);
        let is_it = |kept: &Kept| kept.index == index.id && *kept.action == *action;
        if self.lists.len() >= MAX_LISTS && self.lists.find(hash, is_it).is_none() {
            self.lists.clear();
            self.kept_ids = 0;
        }
        let hasher = &self.hasher;
        match self.lists.entry(hash, is_it, |kept| {
            hasher.hash_one((kept.index, &*kept.action))
        }) {
            Entry::Occupied(kept) => Some(&*kept.into_mut().ids),
            Entry::Vacant(slot) => {
                let ids = gather().filter(|ids| ids.len() <= MAX_LIST)?;
                let kept = Kept {
                    index: index.id,
                    action: action.into(),
                    ids,
                };
                if self.kept_ids + kept.ids.len() > MAX_KEPT_IDS {
                    // Rare: start again rather than find room.
                    self.kept_ids = kept.ids.len();
                    let table = slot.into_table();
                    table.clear();
                    let kept = table.insert_unique(hash, kept, |kept| {
                        hasher.hash_one((kept.index, &*kept.action))
                    });
                    return Some(&*kept.into_mut().ids);
                }
                self.kept_ids += kept.ids.len();
                Some(&*slot.insert(kept).into_mut().ids)
            }
        }
    }

    /// How many lists are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lists.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Effect, NamedPolicy, PatternList, Policy, PolicySet, Statement};
    use crate::CompiledPolicySet;

    fn unit() -> CompiledPolicySet {
        let mut set = PolicySet::default();
        set.identity.push(NamedPolicy {
            name: "P".into(),
            resource_group: None,
            policy: Policy {
                statements: vec![Statement {
                    sid: None,
                    effect: Effect::Allow,
                    actions: PatternList {
                        negated: false,
                        patterns: vec!["eas:*".into()],
                    },
                    resources: None,
                    principal: None,
                    conditions: vec![],
                }],
            },
        });
        CompiledPolicySet::compile(&set).unwrap()
    }

    fn ids(len: usize, first: usize) -> Box<[StatementId]> {
        (0..len)
            .map(|i| StatementId::new(first + i).unwrap())
            .collect()
    }

    #[test]
    fn lists_are_kept_by_unit_and_action_and_bounded() {
        let (a, b) = (unit(), unit());
        let (a, b) = (a.identity.as_ref().unwrap(), b.identity.as_ref().unwrap());
        assert_ne!(a.id, b.id);
        let mut cache = CandidateCache::default();
        assert_eq!(
            cache.get_or_gather(a, "eas:x", || Some(ids(1, 1))),
            Some(&*ids(1, 1))
        );
        // Kept: the gatherer is not asked again, for that unit and action only.
        assert_eq!(
            cache.get_or_gather(a, "eas:x", || panic!("kept")),
            Some(&*ids(1, 1))
        );
        assert_eq!(
            cache.get_or_gather(b, "eas:x", || Some(ids(1, 2))),
            Some(&*ids(1, 2))
        );
        assert_eq!(
            cache.get_or_gather(a, "eas:y", || Some(ids(1, 3))),
            Some(&*ids(1, 3))
        );
        assert_eq!(cache.len(), 3);
        // Too long, or not gathered: not kept, and asked again next time.
        assert_eq!(
            cache.get_or_gather(a, "eas:long", || Some(ids(MAX_LIST + 1, 0))),
            None
        );
        assert_eq!(cache.get_or_gather(a, "eas:none", || None), None);
        assert_eq!(
            cache.get_or_gather(a, "eas:none", || Some(ids(1, 4))),
            Some(&*ids(1, 4))
        );
        assert_eq!(cache.len(), 4);
        // Past the id budget the cache starts again, and keeps what it was given.
        for i in 0..MAX_KEPT_IDS / MAX_LIST + 1 {
            let action = format!("eas:big{i}");
            let got = cache.get_or_gather(a, &action, || Some(ids(MAX_LIST, 0)));
            assert_eq!(got.map(<[_]>::len), Some(MAX_LIST));
            assert!(cache.kept_ids <= MAX_KEPT_IDS);
        }
        // (It started again once, at the 64th list: the lists kept before are gone.)
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache.get_or_gather(a, "eas:x", || Some(ids(1, 5))),
            Some(&*ids(1, 5))
        );
        // Past the list budget too.
        for i in 0..MAX_LISTS + 1 {
            let action = format!("eas:small{i}");
            cache.get_or_gather(a, &action, || Some(ids(1, 0)));
            assert!(cache.len() <= MAX_LISTS);
        }
        assert_eq!(
            cache.get_or_gather(a, "eas:small0", || Some(ids(1, 6))),
            Some(&*ids(1, 6))
        );
    }
}
