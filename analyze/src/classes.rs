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

/// The realizable classes of `patterns` over `domain`, at most [`MAX_STATES`] product states.
pub fn classes(patterns: &[String], domain: Domain) -> Result<Vec<Class>, TooLarge> {
    let fold = |c: char| match domain {
        Domain::Action => c.to_ascii_lowercase(),
        Domain::Resource => c,
    };
    let patterns: Vec<Vec<char>> = patterns
        .iter()
        .map(|p| p.chars().map(fold).collect())
        .collect();
    let alphabet = alphabet(&patterns, domain);
    let start = State {
        positions: patterns.iter().map(|p| closure(p, vec![0])).collect(),
        shape: Shape::default(),
    };
    let mut seen: HashSet<State> = HashSet::new();
    let mut queue = VecDeque::from([(start, String::new())]);
    let mut found: HashMap<Vec<bool>, String> = HashMap::new();
    let mut order: Vec<Vec<bool>> = Vec::new();
    while let Some((state, text)) = queue.pop_front() {
        if !seen.insert(state.clone()) {
            continue;
        }
        if seen.len() > MAX_STATES {
            return Err(TooLarge(MAX_STATES));
        }
        if state.shape.valid(domain) {
            let matches: Vec<bool> = state
                .positions
                .iter()
                .zip(&patterns)
                .map(|(positions, p)| positions.contains(&p.len()))
                .collect();
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

/// The literal characters of the patterns that a string of the domain may hold, `:` for actions,
/// and a fresh character standing for all others.
fn alphabet(patterns: &[Vec<char>], domain: Domain) -> Vec<char> {
    let allowed = |c: char| match domain {
        Domain::Action => !c.is_whitespace() && !c.is_control() && c != '*' && c != '?',
        Domain::Resource => !c.is_control(),
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

/// A product state: each pattern's live positions, and what the validity of the text so far
/// needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct State {
    positions: Vec<Vec<usize>>,
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
    fn step(&self, patterns: &[Vec<char>], c: char) -> Option<State> {
        let positions = self
            .positions
            .iter()
            .zip(patterns)
            .map(|(live, p)| {
                let mut next = Vec::new();
                for &i in live {
                    match p.get(i) {
                        Some('*') => next.push(i),
                        Some(&q) if q == '?' || q == c => next.push(i + 1),
                        _ => {}
                    }
                }
                closure(p, next)
            })
            .collect();
        Some(State {
            positions,
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
        let found = classes(&patterns, Domain::Action).unwrap();
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
        let found = classes(&patterns, Domain::Resource).unwrap();
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|c| !c.witness.is_empty()));
    }
}
