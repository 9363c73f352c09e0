//! The action index's builder: collects every `Action` / `NotAction` pattern of a unit's
//! statements and builds the [`ActionIndex`] (see `crate::action_index` for its shape and cost).

use crate::action_index::{
    ActionIndex, CompleteCandidates, PrefixPatterns, ServiceActions, StatementIds, FEW_PREFIXES,
};
use crate::glob::Glob;
use crate::statement_id::StatementId;
use hashbrown::HashMap;

#[derive(Debug, Default)]
struct ServiceBuilder {
    any: Vec<StatementId>,
    prefixes: HashMap<Box<str>, Vec<StatementId>>,
    general: GeneralPatterns,
}

/// Wildcard patterns that need a compiled glob, each once, in the order first seen, with the
/// statements that name it.
#[derive(Debug, Default)]
struct GeneralPatterns {
    position: HashMap<Box<str>, usize>,
    list: Vec<(Box<str>, Vec<StatementId>)>,
}

impl GeneralPatterns {
    fn push(&mut self, pattern: &str, statement: StatementId) {
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
pub(crate) struct ActionIndexBuilder {
    exact: HashMap<Box<str>, Vec<StatementId>>,
    services: HashMap<Box<str>, ServiceBuilder>,
    everywhere: Vec<StatementId>,
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
    pub(crate) fn add(&mut self, pattern: &str, statement: StatementId) {
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
    #[cfg(any(test, feature = "internals"))]
    pub(crate) fn build(self) -> ActionIndex {
        self.build_ordered(&|id| u64::from(id.as_u32()))
    }

    /// Compiles the collected patterns. Every action named literally by some pattern gets its
    /// complete candidate list (its exact statements and every wildcard that matches it, without
    /// repeats), so a request for such an action costs one hash lookup, unless that would take
    /// more than [`COMPLETION_BUDGET`] glob matches. Every list is sorted by `order` (a key per
    /// statement, distinct for distinct statements), which is the order requests visit them in.
    pub(crate) fn build_ordered(self, order: &dyn Fn(StatementId) -> u64) -> ActionIndex {
        let ordered = |mut ids: Vec<StatementId>| -> StatementIds {
            ids.sort_unstable_by_key(|&id| order(id));
            ids.dedup();
            ids.into()
        };
        let compile = |patterns: GeneralPatterns| -> Box<[(Glob, StatementIds)]> {
            patterns
                .list
                .into_iter()
                .map(|(p, ids)| (Glob::new(&p), ordered(ids)))
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
                    general: compile(bucket.general),
                },
            );
        }
        let mut index = ActionIndex {
            exact: HashMap::new(),
            exact_complete: completion_cost <= COMPLETION_BUDGET,
            services,
            everywhere: ordered(self.everywhere),
            global: compile(self.global),
        };
        let mut exact = HashMap::with_capacity(self.exact.len());
        for (action, mut ids) in self.exact {
            if index.exact_complete {
                index.for_each_wildcard_match(&action, |more| ids.extend_from_slice(more));
            }
            exact.insert(action, ordered(ids));
        }
        index.exact = exact;
        index
    }
}

/// The complete candidate lists of a unit with `NotAction` statements (see
/// [`CompleteCandidates`]): for every action named literally by an `Action` or a `NotAction`
/// pattern, the `Action` statements `actions` finds for it plus the `NotAction` statements
/// (`not_action_statements`, indexed by their patterns in `not_action`) that it does not
/// exclude, sorted by `order` without repeats. Empty when the unit has no `NotAction`
/// statement, or when the lists would take more than [`COMPLETION_BUDGET`] steps to build:
/// requests then take the general path.
///
/// The lists serve [`Mode::Verdict`](crate::evaluate) only, which needs one applicable statement
/// per group and effect: of statements with the same `verdict_key` (effect, group and the shared
/// tests they make, see `compile::unit`), only the first in visit order is kept — if it does not
/// apply, neither do the others.
pub(crate) fn complete_with_not_action<'k>(
    actions: &ActionIndex,
    not_action: &ActionIndex,
    not_action_statements: &[StatementId],
    order: &dyn Fn(StatementId) -> u64,
    verdict_key: &dyn Fn(StatementId) -> Option<&'k [u32]>,
) -> CompleteCandidates {
    if not_action_statements.is_empty() {
        return CompleteCandidates::default();
    }
    let literal: Vec<&Box<str>> = {
        let mut keys: Vec<&Box<str>> = actions
            .exact
            .keys()
            .chain(not_action.exact.keys())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    };
    // Per action: its NotAction statements, and the wildcard patterns of both indexes.
    let per_action = not_action_statements
        .len()
        .saturating_add(actions.global.len())
        .saturating_add(not_action.global.len())
        .saturating_add(1);
    if literal.len().saturating_mul(per_action) > COMPLETION_BUDGET {
        return CompleteCandidates::default();
    }
    let mut map = HashMap::with_capacity(literal.len());
    let mut excluded: Vec<StatementId> = Vec::new();
    for action in literal {
        let mut ids: Vec<StatementId> = Vec::new();
        actions.for_each_match(action, |found| ids.extend_from_slice(found));
        excluded.clear();
        not_action.for_each_match(action, |found| excluded.extend_from_slice(found));
        excluded.sort_unstable();
        ids.extend(
            not_action_statements
                .iter()
                .filter(|id| excluded.binary_search(id).is_err()),
        );
        ids.sort_unstable_by_key(|&id| order(id));
        ids.dedup();
        let mut seen = hashbrown::HashSet::new();
        ids.retain(|&id| verdict_key(id).is_none_or(|key| seen.insert(key)));
        map.insert(action.clone(), ids.into());
    }
    CompleteCandidates(map)
}

impl PrefixPatterns {
    /// Few prefixes as a list, many as a map by length.
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action_index::Candidates;

    fn id(n: usize) -> StatementId {
        StatementId::new(n).unwrap()
    }

    fn numbers(ids: &[StatementId]) -> Vec<u32> {
        ids.iter().map(|id| id.as_u32()).collect()
    }

    #[test]
    fn past_the_completion_budget_literal_actions_still_find_their_wildcards() {
        let mut patterns: Vec<String> = (0..2_100).map(|i| format!("s:a{i}")).collect();
        patterns.extend((0..2_000).map(|i| format!("*:a{i}*")));
        patterns.extend(["s:a1?".to_string(), "s:*".to_string(), "S:A12".to_string()]);
        let mut builder = ActionIndexBuilder::default();
        for (i, p) in patterns.iter().enumerate() {
            builder.add(p, id(i));
        }
        let index = builder.build();
        assert!(!index.exact_complete, "the test must exceed the budget");
        for action in ["s:a12", "s:a1999", "s:a2050", "t:a7x", "s:zz"] {
            let mut found = Vec::new();
            index.for_each_match(action, |ids| found.extend(numbers(ids)));
            found.sort_unstable();
            found.dedup();
            let expected: Vec<u32> = patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| Glob::new(&p.to_ascii_lowercase()).is_match(action))
                .map(|(i, _)| i as u32)
                .collect();
            assert_eq!(found, expected, "{action}");
        }
    }

    /// Statements (each a list of patterns, `NotAction` ones marked) and actions: the complete
    /// lists hold exactly the statements a glob oracle says are candidates, for every literal
    /// action, in visit order.
    #[test]
    fn not_action_statements_join_the_complete_lists_unless_they_exclude_the_action() {
        let statements: [(bool, &[&str]); 6] = [
            (false, &["eas:CreateService", "eas:Describe*"]),
            (true, &["ram:*", "sts:*"]),
            (true, &["eas:CreateService"]),
            (false, &["*:List*"]),
            (true, &["eas:*Service", "oss:GetObject"]),
            (true, &["*"]),
        ];
        let (mut actions, mut not_action, mut negated) = (
            ActionIndexBuilder::default(),
            ActionIndexBuilder::default(),
            Vec::new(),
        );
        for (i, (is_not, patterns)) in statements.iter().enumerate() {
            let target = if *is_not {
                negated.push(id(i));
                &mut not_action
            } else {
                &mut actions
            };
            for p in patterns.iter() {
                target.add(p, id(i));
            }
        }
        // Visit order: odd ids first, to see the lists follow `order`, not ids.
        let order = |id: StatementId| {
            u64::from(id.as_u32().is_multiple_of(2)) << 32 | u64::from(id.as_u32())
        };
        let complete = complete_with_not_action(
            &actions.build_ordered(&order),
            &not_action.build_ordered(&order),
            &negated,
            &order,
            &|_| None,
        );
        assert!(!complete.is_empty());
        let literal = ["eas:createservice", "oss:getobject"];
        for action in literal {
            let mut expected: Vec<StatementId> = statements
                .iter()
                .enumerate()
                .filter(|(_, (is_not, patterns))| {
                    let named = patterns
                        .iter()
                        .any(|p| Glob::new(&p.to_ascii_lowercase()).is_match(action));
                    named != *is_not
                })
                .map(|(i, _)| id(i))
                .collect();
            expected.sort_unstable_by_key(|&id| order(id));
            assert_eq!(complete.get(action), Some(&expected[..]), "{action}");
        }
        // Only literal actions have lists: the others take the general path.
        assert_eq!(complete.get("eas:describeservice"), None);
        let none = complete_with_not_action(
            &ActionIndex::default(),
            &ActionIndex::default(),
            &[],
            &order,
            &|_| None,
        );
        assert!(none.is_empty());
    }

    fn matches(patterns: &[&str], action: &str) -> Vec<u32> {
        let mut builder = ActionIndexBuilder::default();
        for (i, p) in patterns.iter().enumerate() {
            builder.add(p, id(i));
        }
        let index = builder.build();
        let mut found = Vec::new();
        index.for_each_match(&action.to_ascii_lowercase(), |ids| {
            found.extend(numbers(ids))
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
        let order = |id: StatementId| {
            let id = id.as_u32();
            if id == 3 {
                0
            } else {
                1 << 32 | u64::from(id)
            }
        };
        let mut builder = ActionIndexBuilder::default();
        for (n, pattern) in [
            "eas:CreateService",
            "eas:Create*",
            "eas:*",
            "eas:CreateService",
        ]
        .iter()
        .enumerate()
        {
            builder.add(pattern, id(n));
        }
        builder.add("eas:Create*", id(0));
        let index = builder.build_ordered(&order);
        match index.candidates("eas:createservice") {
            Candidates::Complete(ids) => assert_eq!(numbers(ids), [3, 0, 1, 2]),
            other => panic!("{other:?}"),
        }
        let mut lists = Vec::new();
        index.for_each_match("eas:createx", |ids| lists.push(numbers(ids)));
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
