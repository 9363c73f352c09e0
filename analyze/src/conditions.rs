//! Condition tests as atoms: each distinct test (operator, key, values) of the analysed policies
//! is one boolean variable. Treating the variables as independent over-approximates the
//! contexts a request can carry (two tests of one key may not be able to differ as a search
//! wishes), which keeps a PASS sound; a FAIL needs a real context, built here key by key from
//! candidate values and checked test by test with the compiled engine.

use crate::probe::on_everything;
use ramjet_compiler::model::{ConditionTest, ConditionValues, PolicySet};
use ramjet_compiler::Effect;
use ramjet_engine::{CompiledPolicySet, Decision, Request, Scratch};
use std::collections::BTreeMap;

/// The distinct condition tests of some policies.
#[derive(Debug, Default)]
pub struct Atoms {
    tests: Vec<ConditionTest>,
}

impl Atoms {
    /// The variable of `test`, added if new. Keys compare ASCII case-insensitively.
    pub fn id(&mut self, test: &ConditionTest) -> usize {
        let same = |t: &ConditionTest| {
            t.operator == test.operator
                && t.values == test.values
                && t.key.eq_ignore_ascii_case(&test.key)
        };
        if let Some(i) = self.tests.iter().position(same) {
            return i;
        }
        self.tests.push(test.clone());
        self.tests.len() - 1
    }

    /// The test of variable `id`.
    pub fn test(&self, id: usize) -> Option<&ConditionTest> {
        self.tests.get(id)
    }
}

/// Values worth trying for a key: each policy value, values just beside it (numbers and dates one
/// unit either side, an address inside and outside each network, glob patterns instantiated),
/// and a fresh one.
fn candidates(tests: &[&ConditionTest]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for test in tests {
        match &test.values {
            ConditionValues::Strings(values) => {
                for v in values {
                    push(v.clone());
                    push(v.replace('*', "").replace('?', "x"));
                    push(v.replace('*', "xy").replace('?', "x"));
                    push(v.to_uppercase());
                    push(format!("{v}x"));
                }
            }
            ConditionValues::Numbers(values) => {
                for v in values {
                    // `0.DIGITSeN` (Display): the value, one a little larger in magnitude, one a
                    // little smaller, and both signs.
                    let text = v.to_string();
                    push(text.clone());
                    if let Some((mantissa, exponent)) = text.split_once('e') {
                        push(format!("{mantissa}1e{exponent}"));
                        let unsigned = mantissa.trim_start_matches('-');
                        let sign = if mantissa.starts_with('-') { "" } else { "-" };
                        push(format!("{sign}{unsigned}e{exponent}"));
                        if let Some(last) = mantissa.chars().last().and_then(|c| c.to_digit(10)) {
                            if last > 0 {
                                let head = mantissa.get(..mantissa.len() - 1).unwrap_or_default();
                                push(format!("{head}{}9e{exponent}", last - 1));
                            }
                        }
                    }
                }
                push("0".to_string());
                push("1e300".to_string());
                push("-1e300".to_string());
            }
            ConditionValues::Instants(values) => {
                for v in values {
                    let seconds = v.unix_nanos().div_euclid(1_000_000_000);
                    push(seconds.to_string());
                    push((seconds - 1).to_string());
                    push((seconds + 1).to_string());
                }
                push("1970-01-01T00:00:00Z".to_string());
                push("9999-12-31T23:59:59Z".to_string());
            }
            ConditionValues::Bools(_) => {
                push("true".to_string());
                push("false".to_string());
            }
            ConditionValues::Networks(values) => {
                for v in values {
                    let text = v.to_string();
                    push(text.split('/').next().unwrap_or_default().to_string());
                }
                push("0.0.0.1".to_string());
                push("255.255.255.254".to_string());
                push("::1".to_string());
            }
        }
    }
    push("ramjet-fresh".to_string());
    out
}

/// Checks condition tests one at a time with the compiled engine: a one-statement policy
/// `Allow * on * if <test>`.
pub struct TestChecker {
    compiled: Vec<CompiledPolicySet>,
}

impl TestChecker {
    /// Compiles every atom; `None` when one does not compile (then nothing is claimed).
    pub fn new(atoms: &Atoms) -> Option<TestChecker> {
        let compiled = atoms
            .tests
            .iter()
            .map(|test| {
                let set = PolicySet {
                    identity: vec![on_everything(
                        "test",
                        Effect::Allow,
                        None,
                        vec![test.clone()],
                    )],
                    ..PolicySet::default()
                };
                CompiledPolicySet::compile(&set).ok()
            })
            .collect::<Option<Vec<_>>>()?;
        Some(TestChecker { compiled })
    }

    fn holds(&self, id: usize, request: &Request, scratch: &mut Scratch) -> bool {
        self.compiled
            .get(id)
            .is_some_and(|c| c.decide(request, scratch).decision == Decision::Allow)
    }
}

/// A context (key → values) under which every atom in `wanted` has the wanted truth value, if
/// one of the candidates gives it.
pub fn context_for(
    atoms: &Atoms,
    checker: &TestChecker,
    wanted: &BTreeMap<usize, bool>,
) -> Option<BTreeMap<String, Vec<String>>> {
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &id in wanted.keys() {
        let test = atoms.test(id)?;
        by_key
            .entry(test.key.to_ascii_lowercase())
            .or_default()
            .push(id);
    }
    let mut context = BTreeMap::new();
    let mut scratch = Scratch::default();
    for (key, ids) in by_key {
        let tests: Vec<&ConditionTest> = ids.iter().filter_map(|&id| atoms.test(id)).collect();
        let written = tests.first().map(|t| t.key.clone()).unwrap_or(key);
        let values = candidates(&tests);
        let mut options: Vec<Option<Vec<String>>> = vec![None];
        options.extend(values.iter().map(|v| Some(vec![v.clone()])));
        for (i, a) in values.iter().enumerate() {
            for b in values.iter().skip(i + 1) {
                options.push(Some(vec![a.clone(), b.clone()]));
            }
        }
        let fits = |option: &Option<Vec<String>>, scratch: &mut Scratch| {
            let mut request = match Request::new("x:y", "*") {
                Ok(r) => r,
                Err(_) => return false,
            };
            if let Some(values) = option {
                if request
                    .context_mut()
                    .insert(&written, values.clone())
                    .is_err()
                {
                    return false;
                }
            }
            ids.iter()
                .all(|&id| wanted.get(&id).copied() == Some(checker.holds(id, &request, scratch)))
        };
        let chosen = options.into_iter().find(|o| fits(o, &mut scratch))?;
        if let Some(values) = chosen {
            context.insert(written, values);
        }
    }
    Some(context)
}
