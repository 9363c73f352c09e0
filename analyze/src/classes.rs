//! Every way a string can sit among a list of glob patterns: which patterns it matches, for each
//! combination that some string realizes, with the shortest such string as a witness. Found by
//! exploring the product of the patterns' automata (each a set of positions in its pattern)
//! breadth first, over the patterns' literal characters and one fresh character that stands for
//! every other. Exact: a combination is listed if and only if some string realizes it.

use std::collections::{HashMap, HashSet, VecDeque};

/// One realizable combination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// `matches[i]`: the strings of this class match pattern `i`.
    pub matches: Vec<bool>,
    /// A shortest string of the class.
    pub witness: String,
}

/// What kind of string is explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Request actions: ASCII case-insensitive, `service:Name` (exactly one `:`, both sides
    /// non-empty), no `*`, `?`, white space or control characters (spec 2.2, 2.4).
    Action,
    /// Request resources: case-sensitive, non-empty.
    Resource,
}

/// Why the exploration stopped short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge(pub usize);

/// Product states explored at most.
pub const MAX_STATES: usize = 200_000;

/// The realizable classes of `patterns` over `domain`, exploring at most `max_states` product
/// states (at most [`MAX_STATES`]).
pub fn classes(
    patterns: &[String],
    domain: Domain,
    max_states: usize,
) -> Result<Vec<Class>, TooLarge> {
    let max_states = max_states.min(MAX_STATES);
    let patterns = compile(patterns, domain);
    let alphabet = alphabet(&patterns, domain);
    let start = State::start(&patterns);
    let mut seen: HashSet<State> = HashSet::new();
    let mut queue = VecDeque::from([(start, String::new())]);
    let mut found: HashMap<Vec<bool>, String> = HashMap::new();
    let mut order: Vec<Vec<bool>> = Vec::new();
    while let Some((state, text)) = queue.pop_front() {
        if !seen.insert(state.clone()) {
            continue;
        }
        if seen.len() > max_states {
            return Err(TooLarge(max_states));
        }
        if state.shape.valid(domain) {
            let mut matches = vec![false; patterns.len()];
            for (k, positions) in &state.live {
                if let (Some(bit), Some(p)) = (matches.get_mut(*k), patterns.get(*k)) {
                    *bit = positions.contains(&p.len());
                }
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = found.entry(matches) {
                order.push(slot.key().clone());
                slot.insert(text.clone());
            }
        }
        for &c in &alphabet {
            let Some(next) = state.step(&patterns, c) else {
                continue;
            };
            if !seen.contains(&next) {
                let mut longer = text.clone();
                longer.push(c);
                queue.push_back((next, longer));
            }
        }
    }
    Ok(order
        .into_iter()
        .map(|matches| {
            let witness = found.remove(&matches).unwrap_or_default();
            Class { matches, witness }
        })
        .collect())
}

/// The patterns as characters, folded to lowercase for actions (ASCII case-insensitive).
fn compile(patterns: &[String], domain: Domain) -> Vec<Vec<char>> {
    let fold = |c: char| match domain {
        Domain::Action => c.to_ascii_lowercase(),
        Domain::Resource => c,
    };
    patterns
        .iter()
        .map(|p| p.chars().map(fold).collect())
        .collect()
}

/// The literal characters of the patterns that a string of the domain may hold, `:` for actions,
/// and a fresh character standing for all others.
fn alphabet(patterns: &[Vec<char>], domain: Domain) -> Vec<char> {
    // A request resource may hold any character (control characters included: the request
    // reader takes them, and a policy may name them); an action may not hold white space or
    // control characters (spec 2.4).
    let allowed = |c: char| match domain {
        Domain::Action => !c.is_whitespace() && !c.is_control(),
        Domain::Resource => true,
    };
    let mut chars: Vec<char> = patterns
        .iter()
        .flatten()
        .copied()
        .filter(|&c| c != '*' && c != '?' && allowed(c))
        .collect();
    if domain == Domain::Action {
        chars.push(':');
    }
    chars.sort_unstable();
    chars.dedup();
    let fresh = "xqzjkw0123456789"
        .chars()
        .find(|c| !chars.contains(c))
        .unwrap_or('~');
    chars.push(fresh);
    chars
}

/// A product state: the patterns still alive (by position in the pattern list, ascending) with
/// their live positions, and what the validity of the text so far needs. A pattern that can no
/// longer match is left out: after a few characters most are, which keeps states small.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct State {
    live: Vec<(usize, Vec<usize>)>,
    shape: Shape,
}

/// Colons seen (0, 1, 2 = more) and whether the parts around the first are non-empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
struct Shape {
    colons: u8,
    before: bool,
    after: bool,
    length: bool,
}

impl Shape {
    fn valid(self, domain: Domain) -> bool {
        match domain {
            Domain::Action => self.colons == 1 && self.before && self.after,
            Domain::Resource => self.length,
        }
    }

    fn read(self, c: char) -> Shape {
        let mut next = self;
        next.length = true;
        if c == ':' {
            next.colons = (self.colons + 1).min(2);
        } else if self.colons == 0 {
            next.before = true;
        } else {
            next.after = true;
        }
        next
    }
}

impl State {
    fn start(patterns: &[Vec<char>]) -> State {
        State {
            live: patterns
                .iter()
                .enumerate()
                .map(|(k, p)| (k, closure(p, vec![0])))
                .collect(),
            shape: Shape::default(),
        }
    }

    /// The live positions of pattern `k` (empty once it can no longer match).
    fn positions(&self, k: usize) -> &[usize] {
        match self.live.binary_search_by_key(&k, |(i, _)| *i) {
            Ok(at) => self.live.get(at).map_or(&[], |(_, p)| p.as_slice()),
            Err(_) => &[],
        }
    }

    fn step(&self, patterns: &[Vec<char>], c: char) -> Option<State> {
        let live = self
            .live
            .iter()
            .filter_map(|(k, live)| {
                let p = patterns.get(*k)?;
                let mut next = Vec::new();
                for &i in live {
                    match p.get(i) {
                        Some('*') => next.push(i),
                        Some(&q) if q == '?' || q == c => next.push(i + 1),
                        _ => {}
                    }
                }
                (!next.is_empty()).then(|| (*k, closure(p, next)))
            })
            .collect();
        Some(State {
            live,
            shape: self.shape.read(c),
        })
    }
}

/// Positions after stars that may match nothing, sorted and each once.
fn closure(pattern: &[char], mut positions: Vec<usize>) -> Vec<usize> {
    let mut k = 0;
    while let Some(&i) = positions.get(k) {
        if pattern.get(i) == Some(&'*') && !positions.contains(&(i + 1)) {
            positions.push(i + 1);
        }
        k += 1;
    }
    positions.sort_unstable();
    positions.dedup();
    positions
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ramjet_compiler::wildcard::glob_matches;

    fn strings(patterns: &[&str]) -> Vec<String> {
        patterns.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn action_classes_are_exact_and_witnesses_belong_to_them() {
        let patterns = strings(&["eas:*", "eas:Describe*", "*Service", "oss:GetObject"]);
        let found = classes(&patterns, Domain::Action, MAX_STATES).unwrap();
        for class in &found {
            for (pattern, &bit) in patterns.iter().zip(&class.matches) {
                assert_eq!(
                    glob_matches(pattern, &class.witness, true),
                    bit,
                    "{class:?}"
                );
            }
            assert_eq!(class.witness.matches(':').count(), 1);
        }
        let has = |bits: [bool; 4]| found.iter().any(|c| c.matches == bits);
        assert!(has([true, true, true, false])); // eas:DescribeService
        assert!(has([true, true, false, false]));
        assert!(has([false, false, true, false])); // x:Service
        assert!(has([false, false, false, true]));
        assert!(has([false, false, false, false]));
        assert!(!has([false, true, false, false])); // Describe* without eas:*: impossible
        assert!(!has([true, false, false, true]));
    }

    #[test]
    fn resource_classes_include_the_star_resource() {
        let patterns = strings(&["*", "acs:eas:*:*:service/*"]);
        let found = classes(&patterns, Domain::Resource, MAX_STATES).unwrap();
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|c| !c.witness.is_empty()));
    }
}

/// A string of `domain` that matches every pattern of `positives` and none of `negatives`, if
/// one exists: breadth-first search of the product automaton (the shortest such string),
/// pruning a state once some negative pattern is bound to match (it has reached a position
/// after which only `*` remains) or some positive pattern can no longer match. Exact within
/// [`MAX_STATES`].
pub fn find(
    positives: &[String],
    negatives: &[String],
    domain: Domain,
) -> Result<Option<String>, TooLarge> {
    let (positives, negatives) = (compile(positives, domain), compile(negatives, domain));
    let all: Vec<Vec<char>> = positives.iter().chain(&negatives).cloned().collect();
    let split = positives.len();
    let alphabet = alphabet(&all, domain);
    let start = State::start(&all);
    // Only `*` from this position on: the pattern matches whatever follows.
    let bound = |p: &Vec<char>, i: usize| {
        p.get(i..)
            .is_some_and(|rest| !rest.is_empty() && rest.iter().all(|&c| c == '*'))
    };
    let dead = |state: &State| {
        (0..split).any(|k| state.positions(k).is_empty())
            || state
                .live
                .iter()
                .filter(|(k, _)| *k >= split)
                .any(|(k, live)| {
                    all.get(*k)
                        .is_some_and(|p| live.iter().any(|&i| bound(p, i)))
                })
    };
    let mut seen: HashSet<State> = HashSet::new();
    let mut queue = VecDeque::from([(start, String::new())]);
    while let Some((state, text)) = queue.pop_front() {
        if dead(&state) || !seen.insert(state.clone()) {
            continue;
        }
        if seen.len() > MAX_STATES {
            return Err(TooLarge(MAX_STATES));
        }
        let accepts = |k: usize| {
            all.get(k)
                .is_some_and(|p| state.positions(k).contains(&p.len()))
        };
        if state.shape.valid(domain) && (0..split).all(accepts) && !(split..all.len()).any(accepts)
        {
            return Ok(Some(text));
        }
        for &c in &alphabet {
            if let Some(next) = state.step(&all, c) {
                if !seen.contains(&next) {
                    let mut longer = text.clone();
                    longer.push(c);
                    queue.push_back((next, longer));
                }
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod find_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use ramjet_compiler::wildcard::glob_matches;

    fn strings(patterns: &[&str]) -> Vec<String> {
        patterns.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn finds_strings_inside_and_outside() {
        let team = |n: u32| format!("acs:eas:*:1234567890123456:service/team-{n}-*");
        let negatives: Vec<String> = (0..25).filter(|&n| n != 4).map(team).collect();
        let found = find(&[team(4)], &negatives, Domain::Resource)
            .unwrap()
            .unwrap();
        assert!(glob_matches(&team(4), &found, false));
        assert!(negatives.iter().all(|n| !glob_matches(n, &found, false)));
        // Inside a pattern that another includes: nothing.
        let none = find(
            &strings(&["acs:eas:*:*:service/a*"]),
            &strings(&["acs:eas:*"]),
            Domain::Resource,
        );
        assert_eq!(none, Ok(None));
    }

    proptest! {
        /// Against the class enumeration: a string exists exactly when some class has the bits.
        #[test]
        fn find_agrees_with_classes(
            patterns in proptest::collection::vec("[ab*?:]{0,5}", 1..5),
            split in 0usize..5,
        ) {
            let split = split.min(patterns.len());
            let (positives, negatives) = patterns.split_at(split);
            let expected = classes(&patterns, Domain::Resource, MAX_STATES).unwrap().into_iter().any(|c| {
                c.matches[..split].iter().all(|&b| b) && !c.matches[split..].iter().any(|&b| b)
            });
            let found = find(positives, negatives, Domain::Resource).unwrap();
            prop_assert_eq!(found.is_some(), expected);
            if let Some(text) = found {
                prop_assert!(positives.iter().all(|p| glob_matches(p, &text, false)));
                prop_assert!(negatives.iter().all(|p| !glob_matches(p, &text, false)));
            }
        }
    }
}
