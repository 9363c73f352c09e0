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
//! Every list of statements is kept in the order its owner asks for ([`ActionIndexBuilder::
//! build_ordered`]): a policy index puts Denies first, then Allows from the cheapest to test.
//!
//! Cost per request: one hash lookup for an action some pattern names literally; otherwise the
//! service's prefixes and one glob per general pattern of that service or of `global`.
//! Statements of other services cost nothing.

use crate::glob::{same_bytes, Glob, GlobError};
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
pub type StatementIds = Box<[u32]>;

#[derive(Debug, Default)]
struct ServiceBuilder {
    any: Vec<u32>,
    prefixes: HashMap<Box<str>, Vec<u32>>,
    general: GeneralPatterns,
}

/// Wildcard patterns that need a compiled glob, each once, in the order first seen, with the
/// statements that name it.
#[derive(Debug, Default)]
struct GeneralPatterns {
    position: HashMap<Box<str>, usize>,
    list: Vec<(Box<str>, Vec<u32>)>,
}

impl GeneralPatterns {
    fn push(&mut self, pattern: &str, statement: u32) {
        match self.position.get(pattern) {
            Some(&at) => {
                if let Some((_, ids)) = self.list.get_mut(at) {
                    ids.push(statement);
                }
            }
            None => {
                self.position.insert(pattern.into(), self.list.len());
                self.list.push((pattern.into(), vec![statement]));
            }
        }
    }

    fn len(&self) -> usize {
        self.list.len()
    }
}

/// Collects patterns, then [`ActionIndexBuilder::build`]s the index.
#[derive(Debug, Default)]
pub struct ActionIndexBuilder {
    exact: HashMap<Box<str>, Vec<u32>>,
    services: HashMap<Box<str>, ServiceBuilder>,
    everywhere: Vec<u32>,
    global: GeneralPatterns,
}

fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// How many (literal action, wildcard pattern) pairs [`ActionIndexBuilder::build`] matches to
/// complete each literal action's candidate list. Real policies need far fewer (thousands of
/// literal actions × hundreds of wildcards); past it, literal actions keep only their own
/// statements and requests also consult the wildcard patterns, so compiling stays linear in the
/// number of patterns whatever a policy holds.
const COMPLETION_BUDGET: usize = 4_000_000;

impl ActionIndexBuilder {
    /// Adds one `Action` / `NotAction` pattern of `statement`.
    pub fn add(&mut self, pattern: &str, statement: u32) {
        let pattern = pattern.to_ascii_lowercase();
        if pattern.bytes().all(|b| b == b'*') {
            self.everywhere.push(statement);
            return;
        }
        let Some((service, name)) = pattern.split_once(':') else {
            // Not a valid policy action (validated away); matched literally as a whole.
            self.global.push(&pattern, statement);
            return;
        };
        if has_wildcard(service) {
            self.global.push(&pattern, statement);
            return;
        }
        if !has_wildcard(name) {
            self.exact
                .entry(pattern.as_str().into())
                .or_default()
                .push(statement);
            return;
        }
        let bucket = self.services.entry(service.into()).or_default();
        let prefix = name.trim_end_matches('*');
        if prefix.is_empty() {
            bucket.any.push(statement);
        } else if !has_wildcard(prefix) {
            bucket
                .prefixes
                .entry(prefix.into())
                .or_default()
                .push(statement);
        } else {
            bucket.general.push(name, statement);
        }
    }

    /// Compiles the collected patterns, each list of statements in id order (see
    /// [`ActionIndexBuilder::build_ordered`]).
    pub fn build(self) -> Result<ActionIndex, GlobError> {
        self.build_ordered(&|id| u64::from(id))
    }

    /// Compiles the collected patterns. Every action named literally by some pattern gets its
    /// complete candidate list (its exact statements and every wildcard that matches it, without
    /// repeats), so a request for such an action costs one hash lookup, unless that would take
    /// more than [`COMPLETION_BUDGET`] glob matches. Every list is sorted by `order` (a key per
    /// statement, distinct for distinct statements), which is the order requests visit them in.
    pub fn build_ordered(self, order: &dyn Fn(u32) -> u64) -> Result<ActionIndex, GlobError> {
        let ordered = |mut ids: Vec<u32>| -> StatementIds {
            ids.sort_unstable_by_key(|&id| order(id));
            ids.dedup();
            ids.into()
        };
        let compile =
            |patterns: GeneralPatterns| -> Result<Box<[(Glob, StatementIds)]>, GlobError> {
                patterns
                    .list
                    .into_iter()
                    .map(|(p, ids)| Ok((Glob::new(&p)?, ordered(ids))))
                    .collect()
            };
        // The glob matches completing every literal action would take: each is matched against
        // the global patterns and its own service's general ones.
        let completion_cost = self.exact.keys().fold(0usize, |cost, action| {
            let service_general = action
                .split_once(':')
                .and_then(|(service, _)| self.services.get(service))
                .map_or(0, |bucket| bucket.general.len());
            cost.saturating_add(self.global.len() + service_general)
        });
        let mut services = HashMap::with_capacity(self.services.len());
        for (service, bucket) in self.services {
            let prefixes: Vec<(Box<str>, StatementIds)> = bucket
                .prefixes
                .into_iter()
                .map(|(p, ids)| (p, ordered(ids)))
                .collect();
            services.insert(
                service,
                ServiceActions {
                    any: ordered(bucket.any),
                    prefixes: PrefixPatterns::new(prefixes),
                    general: compile(bucket.general)?,
                },
            );
        }
        let mut index = ActionIndex {
            exact: HashMap::new(),
            exact_complete: completion_cost <= COMPLETION_BUDGET,
            services,
            everywhere: ordered(self.everywhere),
            global: compile(self.global)?,
        };
        let mut exact = HashMap::with_capacity(self.exact.len());
        for (action, mut ids) in self.exact {
            if index.exact_complete {
                index.for_each_wildcard_match(&action, |more| ids.extend_from_slice(more));
            }
            exact.insert(action, ordered(ids));
        }
        index.exact = exact;
        Ok(index)
    }
}

#[derive(Debug)]
struct ServiceActions {
    any: StatementIds,
    prefixes: PrefixPatterns,
    general: Box<[(Glob, StatementIds)]>,
}

/// A service's `Prefix*` action patterns (the prefix is the lowered name before the `*`).
#[derive(Debug)]
enum PrefixPatterns {
    /// A few, compared in turn: cheaper than hashing the name's prefix once per length.
    Few(Box<[(Box<str>, StatementIds)]>),
    /// Many: a map probed once per distinct prefix length.
    Many {
        map: HashMap<Box<str>, StatementIds>,
        lengths: Box<[usize]>,
    },
}

/// Up to this many prefixes of a service are compared in turn.
const FEW_PREFIXES: usize = 8;

impl PrefixPatterns {
    fn new(prefixes: Vec<(Box<str>, StatementIds)>) -> Self {
        if prefixes.len() <= FEW_PREFIXES {
            return PrefixPatterns::Few(prefixes.into());
        }
        let mut lengths: Vec<usize> = prefixes.iter().map(|(p, _)| p.len()).collect();
        lengths.sort_unstable();
        lengths.dedup();
        PrefixPatterns::Many {
            map: prefixes.into_iter().collect(),
            lengths: lengths.into(),
        }
    }

    /// Calls `visit` with the statements of every prefix of `name`.
    fn for_each_match(&self, name: &str, visit: &mut impl FnMut(&[u32])) {
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
pub struct ActionIndex {
    exact: HashMap<Box<str>, StatementIds>,
    /// Whether `exact` lists include every wildcard statement matching their action (see
    /// [`COMPLETION_BUDGET`]).
    exact_complete: bool,
    services: HashMap<Box<str>, ServiceActions>,
    everywhere: StatementIds,
    global: Box<[(Glob, StatementIds)]>,
}

/// What [`ActionIndex::candidates`] found for an action.
#[derive(Debug, Clone, Copy)]
pub enum Candidates<'a> {
    /// Every statement with a pattern matching the action, each once, in visit order (Deny
    /// first: see `PolicyIndex::build`).
    Complete(&'a [u32]),
    /// The statements naming the action literally, if any; the wildcard patterns must be
    /// consulted too ([`ActionIndex::for_each_wildcard_match`]).
    Partial(Option<&'a [u32]>),
}

impl ActionIndex {
    /// The candidates of `action` (ASCII-lowercased by the caller) that one hash lookup finds.
    // Hot path: guarded by the `check` benchmarks in bench/.
    #[inline]
    pub fn candidates(&self, action: &str) -> Candidates<'_> {
        match self.exact.get(&Lookup(action)) {
            // Named literally somewhere: the list is complete.
            Some(ids) if self.exact_complete => Candidates::Complete(ids),
            found => Candidates::Partial(found.map(|ids| &**ids)),
        }
    }

    /// Calls `visit` with every group of statements that has a pattern matching `action`
    /// (ASCII-lowercased by the caller). A statement may be visited more than once.
    pub fn for_each_match(&self, action: &str, visit: impl FnMut(&[u32])) {
        self.for_each_candidate(self.candidates(action), action, visit);
    }

    /// [`ActionIndex::for_each_match`] from what [`ActionIndex::candidates`] already found for
    /// `action`.
    pub fn for_each_candidate(
        &self,
        candidates: Candidates<'_>,
        action: &str,
        mut visit: impl FnMut(&[u32]),
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
    pub fn for_each_wildcard_match(&self, action: &str, mut visit: impl FnMut(&[u32])) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_completion_budget_literal_actions_still_find_their_wildcards() {
        let mut patterns: Vec<String> = (0..2_100).map(|i| format!("s:a{i}")).collect();
        patterns.extend((0..2_000).map(|i| format!("*:a{i}*")));
        patterns.extend(["s:a1?".to_string(), "s:*".to_string(), "S:A12".to_string()]);
        let mut builder = ActionIndexBuilder::default();
        for (i, p) in patterns.iter().enumerate() {
            builder.add(p, i as u32);
        }
        let index = builder.build().unwrap();
        assert!(!index.exact_complete, "the test must exceed the budget");
        for action in ["s:a12", "s:a1999", "s:a2050", "t:a7x", "s:zz"] {
            let mut found = Vec::new();
            index.for_each_match(action, |ids| found.extend_from_slice(ids));
            found.sort_unstable();
            found.dedup();
            let expected: Vec<u32> = patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| Glob::new(&p.to_ascii_lowercase()).unwrap().is_match(action))
                .map(|(i, _)| i as u32)
                .collect();
            assert_eq!(found, expected, "{action}");
        }
    }

    fn matches(patterns: &[&str], action: &str) -> Vec<u32> {
        let mut builder = ActionIndexBuilder::default();
        for (i, p) in patterns.iter().enumerate() {
            builder.add(p, i as u32);
        }
        let index = builder.build().unwrap();
        let mut found = Vec::new();
        index.for_each_match(&action.to_ascii_lowercase(), |ids| {
            found.extend_from_slice(ids)
        });
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn every_shape_is_found() {
        let patterns = [
            "eas:CreateService",
            "eas:*",
            "eas:Create*",
            "eas:*Service",
            "oss:GetObject",
            "*",
            "*:Create*",
            "eas:C?eateService",
            "eas:Delete*",
        ];
        assert_eq!(
            matches(&patterns, "EAS:createservice"),
            vec![0, 1, 2, 3, 5, 6, 7]
        );
        assert_eq!(matches(&patterns, "oss:GetObject"), vec![4, 5]);
        assert_eq!(matches(&patterns, "ecs:RunInstances"), vec![5]);
        assert_eq!(matches(&patterns, "eas:Create"), vec![1, 2, 5, 6]);
    }

    #[test]
    fn lists_come_in_the_order_asked_for() {
        // Statement 3 first, then the rest by id: every list, complete or not.
        let order = |id: u32| if id == 3 { 0 } else { 1 << 32 | u64::from(id) };
        let mut builder = ActionIndexBuilder::default();
        for (id, pattern) in [
            "eas:CreateService",
            "eas:Create*",
            "eas:*",
            "eas:CreateService",
        ]
        .iter()
        .enumerate()
        {
            builder.add(pattern, id as u32);
        }
        builder.add("eas:Create*", 0);
        let index = builder.build_ordered(&order).unwrap();
        match index.candidates("eas:createservice") {
            Candidates::Complete(ids) => assert_eq!(ids, [3, 0, 1, 2]),
            other => panic!("{other:?}"),
        }
        let mut lists = Vec::new();
        index.for_each_match("eas:createx", |ids| lists.push(ids.to_vec()));
        assert_eq!(lists, [vec![2], vec![0, 1]]);
    }

    #[test]
    fn many_prefixes_are_found_by_length() {
        let mut patterns: Vec<String> = (0..20).map(|i| format!("s:p{i}*")).collect();
        patterns.push("s:*".into());
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        assert_eq!(matches(&refs, "s:p12x"), vec![1, 12, 20]);
        assert_eq!(matches(&refs, "s:q"), vec![20]);
    }

    #[test]
    fn prefixes_do_not_split_characters() {
        assert_eq!(matches(&["x:é*"], "x:éa"), vec![0]);
        assert_eq!(matches(&["x:a*"], "x:é"), Vec::<u32>::new());
    }
}
