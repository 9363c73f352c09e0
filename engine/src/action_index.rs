//! The action index: from a request action to the statements whose `Action` (or `NotAction`)
//! patterns match it, without looking at statements of other services.
//!
//! Patterns are ASCII-lowercased when built and the request action is lowered once, when the
//! request is made, so every comparison is plain byte equality (spec §2.2). A pattern lands, by
//! shape, in:
//! - `exact`: the whole lowered action, one hash lookup, giving every candidate (the wildcards
//!   that match it were resolved when the index was built);
//! - per service (the literal part before `:`): `svc:*` lists; `svc:Prefix*`, compared in turn
//!   when a service has few, else in a map probed once per distinct prefix length; other name
//!   globs (`svc:*Service*`, `svc:?etObject`) compiled;
//! - `everywhere`: `*`;
//! - `global`: patterns with a wildcard in the service part (`*:Get*`), compiled.
//!
//! Every list of statements is kept in the order its owner asks for (`compile::action_index`
//! builds it): a policy index puts Denies first, then Allows from the cheapest to test.
//!
//! Cost per request: one hash lookup for an action some pattern names literally; otherwise the
//! service's prefixes and one glob per general pattern of that service or of `global`.
//! Statements of other services cost nothing.

use crate::glob::{same_bytes, Glob};
use crate::statement_id::StatementId;
use hashbrown::HashMap;

/// A lowered action or prefix looked up in the index's maps: hashes as the `str` keys do, and
/// compares inline (the keys are short; a call to `memcmp` costs more than the comparison).
#[derive(Hash)]
struct Lookup<'a>(&'a str);

impl hashbrown::Equivalent<Box<str>> for Lookup<'_> {
    fn equivalent(&self, key: &Box<str>) -> bool {
        same_bytes(self.0.as_bytes(), key.as_bytes())
    }
}

/// Statement ids, dense within one policy index.
pub(crate) type StatementIds = Box<[StatementId]>;

#[derive(Debug)]
pub(crate) struct ServiceActions {
    pub(crate) any: StatementIds,
    pub(crate) prefixes: PrefixPatterns,
    pub(crate) general: Box<[(Glob, StatementIds)]>,
}

/// A service's `Prefix*` action patterns (the prefix is the lowered name before the `*`).
#[derive(Debug)]
pub(crate) enum PrefixPatterns {
    /// A few, compared in turn: cheaper than hashing the name's prefix once per length.
    Few(Box<[(Box<str>, StatementIds)]>),
    /// Many: a map probed once per distinct prefix length.
    Many {
        map: HashMap<Box<str>, StatementIds>,
        lengths: Box<[usize]>,
    },
}

/// Up to this many prefixes of a service are compared in turn.
pub(crate) const FEW_PREFIXES: usize = 8;

impl PrefixPatterns {
    /// Calls `visit` with the statements of every prefix of `name`.
    fn for_each_match(&self, name: &str, visit: &mut impl FnMut(&[StatementId])) {
        match self {
            PrefixPatterns::Few(list) => {
                for (prefix, ids) in list.iter() {
                    if name
                        .as_bytes()
                        .get(..prefix.len())
                        .is_some_and(|head| same_bytes(head, prefix.as_bytes()))
                    {
                        visit(ids);
                    }
                }
            }
            PrefixPatterns::Many { map, lengths } => {
                for &length in lengths.iter() {
                    // None: longer than the name, or not on a character boundary.
                    if let Some(ids) = name.get(..length).and_then(|p| map.get(&Lookup(p))) {
                        visit(ids);
                    }
                }
            }
        }
    }
}

/// Maps a lowered request action to candidate statements.
#[derive(Debug, Default)]
pub(crate) struct ActionIndex {
    pub(crate) exact: HashMap<Box<str>, StatementIds>,
    /// Whether `exact` lists include every wildcard statement matching their action (the
    /// builder stops completing them past a budget of glob matches).
    pub(crate) exact_complete: bool,
    pub(crate) services: HashMap<Box<str>, ServiceActions>,
    pub(crate) everywhere: StatementIds,
    pub(crate) global: Box<[(Glob, StatementIds)]>,
}

/// Complete candidate lists of a unit with `NotAction` statements, by lowered literal action:
/// the `Action` statements whose patterns match it and the `NotAction` statements none of whose
/// patterns do, each once, in visit order (built by `compile::action_index`).
#[derive(Debug, Default)]
pub(crate) struct CompleteCandidates(pub(crate) HashMap<Box<str>, StatementIds>);

impl CompleteCandidates {
    /// Every candidate of `action` (ASCII-lowercased by the caller), if it is named literally.
    // Hot path: guarded by the `check` benchmarks in bench/ (the `not_action` kind).
    #[inline]
    pub(crate) fn get(&self, action: &str) -> Option<&[StatementId]> {
        self.0.get(&Lookup(action)).map(|ids| &**ids)
    }

    /// True when there are no lists (the unit has no `NotAction` statement, or completing them
    /// was over budget).
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What [`ActionIndex::candidates`] found for an action.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Candidates<'a> {
    /// Every statement with a pattern matching the action, each once, in visit order (Deny
    /// first: see `PolicyIndex::build`).
    Complete(&'a [StatementId]),
    /// The statements naming the action literally, if any; the wildcard patterns must be
    /// consulted too ([`ActionIndex::for_each_wildcard_match`]).
    Partial(Option<&'a [StatementId]>),
}

impl ActionIndex {
    /// The candidates of `action` (ASCII-lowercased by the caller) that one hash lookup finds.
    // Hot path: guarded by the `check` benchmarks in bench/.
    #[inline]
    pub(crate) fn candidates(&self, action: &str) -> Candidates<'_> {
        match self.exact.get(&Lookup(action)) {
            // Named literally somewhere: the list is complete.
            Some(ids) if self.exact_complete => Candidates::Complete(ids),
            found => Candidates::Partial(found.map(|ids| &**ids)),
        }
    }

    /// Calls `visit` with every group of statements that has a pattern matching `action`
    /// (ASCII-lowercased by the caller). A statement may be visited more than once.
    pub(crate) fn for_each_match(&self, action: &str, visit: impl FnMut(&[StatementId])) {
        self.for_each_candidate(self.candidates(action), action, visit);
    }

    /// [`ActionIndex::for_each_match`] from what [`ActionIndex::candidates`] already found for
    /// `action`.
    pub(crate) fn for_each_candidate(
        &self,
        candidates: Candidates<'_>,
        action: &str,
        mut visit: impl FnMut(&[StatementId]),
    ) {
        match candidates {
            Candidates::Complete(ids) => visit(ids),
            Candidates::Partial(literal) => {
                if let Some(ids) = literal {
                    visit(ids);
                }
                self.for_each_wildcard_match(action, visit);
            }
        }
    }

    /// Calls `visit` with the statements of every wildcard pattern matching `action`.
    pub(crate) fn for_each_wildcard_match(
        &self,
        action: &str,
        mut visit: impl FnMut(&[StatementId]),
    ) {
        if !self.everywhere.is_empty() {
            visit(&self.everywhere);
        }
        if let Some((service, name)) = action.split_once(':') {
            if let Some(bucket) = self.services.get(&Lookup(service)) {
                if !bucket.any.is_empty() {
                    visit(&bucket.any);
                }
                bucket.prefixes.for_each_match(name, &mut visit);
                for (glob, ids) in bucket.general.iter() {
                    if glob.is_match(name) {
                        visit(ids);
                    }
                }
            }
        }
        for (glob, ids) in self.global.iter() {
            if glob.is_match(action) {
                visit(ids);
            }
        }
    }
}
