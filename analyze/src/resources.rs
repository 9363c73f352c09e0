//! The search per question for a resource: "a resource that these statements' `Resource`
//! elements match and those do not", as cases (patterns a resource must match, patterns it must
//! not), each answered by a breadth-first search of the patterns' product automaton and
//! remembered, since many classes and combinations ask the same.

use crate::classes::{find, Domain};
use crate::scopes::Live;
use crate::search::Stmt;
use ramjet_compiler::wildcard::glob_includes;
use std::collections::HashMap;

/// Patterns a resource must match (all), and must not match (none).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Case {
    positives: Vec<usize>,
    negatives: Vec<usize>,
}

/// Cases tried per combination at most.
pub(crate) const MAX_CASES: usize = 4_096;

/// Every way to make one of `statements` apply (its resource element, that is), each added to
/// every case.
pub(crate) fn some_applies(cases: Vec<Case>, statements: &[&Stmt]) -> Vec<Case> {
    let mut out = Vec::new();
    for case in &cases {
        for statement in statements {
            match &statement.resources {
                None => out.push(case.clone()),
                Some(list) if list.negated => {
                    let mut c = case.clone();
                    c.negatives.extend(&list.ids);
                    out.push(c);
                }
                Some(list) => {
                    for &p in &list.ids {
                        let mut c = case.clone();
                        c.positives.push(p);
                        out.push(c);
                    }
                }
            }
            if out.len() > MAX_CASES {
                return out;
            }
        }
    }
    out
}

/// Every way to make none of `statements` apply, added to every case.
pub(crate) fn none_applies(mut cases: Vec<Case>, statements: &[&Stmt]) -> Vec<Case> {
    for statement in statements {
        cases = match &statement.resources {
            None => return Vec::new(), // applies to every resource
            Some(list) if !list.negated => {
                for case in &mut cases {
                    case.negatives.extend(&list.ids);
                }
                cases
            }
            Some(list) => {
                // NotResource: it does not apply when one of its patterns matches.
                let mut out = Vec::new();
                for case in &cases {
                    for &p in &list.ids {
                        let mut c = case.clone();
                        c.positives.push(p);
                        out.push(c);
                    }
                }
                out
            }
        };
        if cases.len() > MAX_CASES {
            return cases;
        }
    }
    cases
}

/// Resource questions answered so far: many classes and combinations ask the same.
pub(crate) struct ResourceSearch {
    patterns: Vec<String>,
    answers: HashMap<Case, Option<String>>,
    /// `includes[(n, p)]`: pattern `n` matches every string pattern `p` matches (proven).
    includes: HashMap<(usize, usize), bool>,
}

impl ResourceSearch {
    /// A search over `patterns` (the resource patterns, by position).
    pub(crate) fn new(patterns: Vec<String>) -> ResourceSearch {
        ResourceSearch {
            patterns,
            answers: HashMap::new(),
            includes: HashMap::new(),
        }
    }

    /// Sorted and without repeats; `None` when a negative pattern includes a positive one (no
    /// resource can match the one and not the other).
    fn normalized(&mut self, mut case: Case) -> Option<Case> {
        for list in [&mut case.positives, &mut case.negatives] {
            list.sort_unstable();
            list.dedup();
        }
        for &n in &case.negatives {
            for &p in &case.positives {
                let patterns = &self.patterns;
                let included = *self.includes.entry((n, p)).or_insert_with(|| {
                    match (patterns.get(n), patterns.get(p)) {
                        (Some(n), Some(p)) => glob_includes(n, p, false),
                        _ => false,
                    }
                });
                if included {
                    return None;
                }
            }
        }
        Some(case)
    }

    /// A resource under which the new set allows and the old does not, searched case by case.
    pub(crate) fn answer(&mut self, live: &Live) -> Result<Option<String>, String> {
        let new_allows = live.new.allow_cases(vec![Case::default()]);
        let cases = live.old.fail_cases(new_allows);
        if cases.len() > MAX_CASES {
            return Err(format!(
                "more than {MAX_CASES} ways for a resource to tell the policies apart"
            ));
        }
        for case in cases {
            let Some(case) = self.normalized(case) else {
                continue;
            };
            if let Some(known) = self.answers.get(&case) {
                if known.is_some() {
                    return Ok(known.clone());
                }
                continue;
            }
            let text = |ids: &[usize]| -> Vec<String> {
                ids.iter()
                    .filter_map(|&i| self.patterns.get(i).cloned())
                    .collect()
            };
            let found = find(
                &text(&case.positives),
                &text(&case.negatives),
                Domain::Resource,
            )
            .map_err(|_| "too many resource states to explore".to_string())?;
            self.answers.insert(case, found.clone());
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }
}
