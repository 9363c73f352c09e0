//! The action index: from a request action to the statements whose `Action` (or `NotAction`)
//! patterns match it, without looking at statements of other services.
//!
//! Patterns are ASCII-lowercased when built and the request action is lowered once per request,
//! so every comparison is plain byte equality (spec §2.2). A pattern lands, by shape, in:
//! - `exact`: the whole lowered action, one hash lookup, giving every candidate (the wildcards
//!   that match it were resolved when the index was built);
//! - per service (the literal part before `:`): `svc:*` lists; `svc:Prefix*` in a map probed once
//!   per distinct prefix length; other name globs (`svc:*Service*`, `svc:?etObject`) compiled;
//! - `everywhere`: `*`;
//! - `global`: patterns with a wildcard in the service part (`*:Get*`), compiled.
//!
//! Cost per request: one hash lookup for an action some pattern names literally; otherwise one
//! per distinct prefix length of the service's prefix patterns and one glob per general pattern of
//! that service or of `global`. Statements of other services cost nothing.

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

    /// Compiles the collected patterns. Every action named literally by some pattern gets its
    /// complete candidate list (its exact statements and every wildcard that matches it, sorted
    /// and without repeats), so a request for such an action costs one hash lookup, unless that
    /// would take more than [`COMPLETION_BUDGET`] glob matches.
    pub fn build(self) -> Result<ActionIndex, GlobError> {
        let compile =
            |patterns: GeneralPatterns| -> Result<Box<[(Glob, StatementIds)]>, GlobError> {
                patterns
                    .list
                    .into_iter()
                    .map(|(p, ids)| Ok((Glob::new(&p)?, ids.into())))
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
            let mut prefix_lengths: Vec<usize> = bucket.prefixes.keys().map(|p| p.len()).collect();
            prefix_lengths.sort_unstable();
            prefix_lengths.dedup();
            services.insert(
                service,
                ServiceActions {
                    any: bucket.any.into(),
                    prefixes: bucket
                        .prefixes
                        .into_iter()
                        .map(|(p, ids)| (p, ids.into()))
                        .collect(),
                    prefix_lengths: prefix_lengths.into(),
                    general: compile(bucket.general)?,
                },
            );
        }
        let mut index = ActionIndex {
            exact: HashMap::new(),
            exact_complete: completion_cost <= COMPLETION_BUDGET,
            services,
            everywhere: self.everywhere.into(),
            global: compile(self.global)?,
        };
        let mut exact = HashMap::with_capacity(self.exact.len());
        for (action, mut ids) in self.exact {
            if index.exact_complete {
                index.for_each_wildcard_match(&action, |more| ids.extend_from_slice(more));
            }
            ids.sort_unstable();
            ids.dedup();
            exact.insert(action, ids.into());
        }
        index.exact = exact;
        Ok(index)
    }
}

#[derive(Debug)]
struct ServiceActions {
    any: StatementIds,
    prefixes: HashMap<Box<str>, StatementIds>,
    prefix_lengths: Box<[usize]>,
    general: Box<[(Glob, StatementIds)]>,
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

impl ActionIndex {
    /// Calls `visit` with every group of statements that has a pattern matching `action`
    /// (ASCII-lowercased by the caller). A statement may be visited more than once.
    // Hot path: guarded by the `check` benchmarks in bench/.
    pub fn for_each_match(&self, action: &str, mut visit: impl FnMut(&[u32])) {
        match self.exact.get(&Lookup(action)) {
            // Named literally somewhere: the list is complete.
            Some(ids) if self.exact_complete => visit(ids),
            Some(ids) => {
                visit(ids);
                self.for_each_wildcard_match(action, visit);
            }
            None => self.for_each_wildcard_match(action, visit),
        }
    }

    /// The wildcard patterns only.
    fn for_each_wildcard_match(&self, action: &str, mut visit: impl FnMut(&[u32])) {
        if !self.everywhere.is_empty() {
            visit(&self.everywhere);
        }
        if let Some((service, name)) = action.split_once(':') {
            if let Some(bucket) = self.services.get(&Lookup(service)) {
                if !bucket.any.is_empty() {
                    visit(&bucket.any);
                }
                for &length in bucket.prefix_lengths.iter() {
                    let Some(prefix) = name.get(..length) else {
                        // Longer than the name, or not on a character boundary.
                        continue;
                    };
                    if let Some(ids) = bucket.prefixes.get(&Lookup(prefix)) {
                        visit(ids);
                    }
                }
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
    fn prefixes_do_not_split_characters() {
        assert_eq!(matches(&["x:é*"], "x:éa"), vec![0]);
        assert_eq!(matches(&["x:a*"], "x:é"), Vec::<u32>::new());
    }
}
