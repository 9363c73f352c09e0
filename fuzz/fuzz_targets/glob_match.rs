//! `glob_match`: the wildcard matchers against an oracle built with the `regex` crate (`*` →
//! `.*`, `?` → `.`, everything else escaped, `(?s)`, anchored). For one pattern (a vocabulary
//! word with wildcards edited in, or a run of tokens: ARN pieces, regex metacharacters, non-ASCII
//! letters with irregular case mappings) and 1–3 texts made from it (so most of them match, and
//! the rest are near misses):
//! - the reference glob (`ramjet_compiler::wildcard::glob_matches`) equals the oracle,
//!   case-sensitive and ASCII case-insensitive (the oracle then runs on ASCII-lowered text);
//! - the compiled glob (`ramjet_engine::internals::Glob`: exact, prefix, suffix, pieces,
//!   automaton or simulation) equals the oracle;
//! - compiled `StringLike` / `StringNotLike` conditions equal the oracle.
//!
//! And, for a list of up to 11 patterns (the texts themselves, in other cases, with wildcards
//! edited in, other words), against the reference glob:
//! - `Resource` / `NotResource` of a compiled statement (exact lists, hash sets, globs);
//! - the action index (exact names completed with the wildcards that match them, service
//!   prefixes, name globs, global patterns), which must return exactly the matching patterns.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ramjet_compiler::wildcard::glob_matches;
use ramjet_engine::internals::{ActionPatterns, ConditionMatcher, Glob};
use ramjet_engine::model::{
    ConditionTest, ConditionValues, Effect, NamedPolicy, Operator, PatternList, Policy, PolicySet,
    Statement, TestKind,
};
use ramjet_engine::{check_action, CompiledPolicySet, Decision, Request, Scratch};
use ramjet_fuzz::gen::{chance, edit, pick, upto, word};
use ramjet_fuzz::vocab::{
    ACTIONS, ACTION_PATTERNS, ALPHABET, RESOURCES, RESOURCE_PATTERNS, STRINGS,
};

/// The oracle: a regex that matches exactly the texts `pattern` matches, over the whole string.
fn oracle(pattern: &str) -> regex::Regex {
    let mut re = String::from("(?s)^(?:");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push_str(")$");
    match regex::RegexBuilder::new(&re).size_limit(1 << 26).build() {
        Ok(re) => re,
        Err(e) => panic!("oracle regex for {pattern:?} does not build: {e}"),
    }
}

/// A pattern: a vocabulary word with wildcards edited in, or a sequence of tokens.
fn pattern(u: &mut Unstructured<'_>) -> Result<String> {
    if chance(u, 3)? {
        let vocab: &[&str] = u.choose(&[
            ACTIONS,
            ACTION_PATTERNS,
            RESOURCES,
            RESOURCE_PATTERNS,
            STRINGS,
        ])?;
        let base = pick(u, vocab)?;
        return edit(u, base, 4);
    }
    let mut p = String::new();
    for _ in 0..upto(u, 16)? {
        match u.int_in_range(0..=9u8)? {
            0..=3 => p.push(*u.choose(ALPHABET)?),
            4 | 5 => p.push('*'),
            6 => p.push('?'),
            7 => p.push_str(u.choose(&["**", "?*", "*?", "a*a", "ab"])?),
            _ => {
                let w = pick(u, RESOURCES)?;
                let start = upto(u, w.len())?;
                let len = upto(u, 8)?;
                p.extend(w.chars().skip(start).take(len));
            }
        }
    }
    Ok(p)
}

/// A text the pattern (probably) matches: literals copied, `?` one character, `*` a few
/// characters (often copies of the pattern's own literals, which makes placement ambiguous),
/// then now and then an edit.
fn instance(u: &mut Unstructured<'_>, pattern: &str) -> Result<String> {
    let literals: Vec<char> = pattern.chars().filter(|&c| c != '*' && c != '?').collect();
    let mut text = String::new();
    for c in pattern.chars() {
        match c {
            '*' => {
                for _ in 0..upto(u, 3)? {
                    let c = match literals.is_empty() || chance(u, 4)? {
                        true => *u.choose(ALPHABET)?,
                        false => *u.choose(&literals)?,
                    };
                    text.push(c);
                }
            }
            '?' => text.push(*u.choose(ALPHABET)?),
            c => text.push(c),
        }
    }
    if chance(u, 2)? {
        text = edit(u, &text, 2)?;
    }
    Ok(text)
}

/// The oracle and every matcher on one pattern, compiled once for all texts.
struct Compiled {
    pattern: String,
    oracle: regex::Regex,
    oracle_ci: regex::Regex,
    glob: Glob,
    like: ConditionMatcher,
    not_like: ConditionMatcher,
}

fn compile(pattern: &str) -> Compiled {
    let condition = |test| {
        let condition = ConditionTest {
            operator: Operator {
                test,
                quantifier: None,
                if_exists: false,
            },
            key: "k".into(),
            values: ConditionValues::Strings(vec![pattern.to_string()]),
        };
        ConditionMatcher::new(&condition)
            .unwrap_or_else(|e| panic!("{pattern:?} does not compile: {e}"))
    };
    Compiled {
        pattern: pattern.to_string(),
        oracle: oracle(pattern),
        oracle_ci: oracle(&pattern.to_ascii_lowercase()),
        glob: Glob::new(pattern),
        like: condition(TestKind::StringLike),
        not_like: condition(TestKind::StringNotLike),
    }
}

fn check_glob(c: &Compiled, text: &str) {
    let pattern = c.pattern.as_str();
    let expected = c.oracle.is_match(text);
    assert_eq!(
        glob_matches(pattern, text, false),
        expected,
        "reference glob: {pattern:?} on {text:?}"
    );
    assert_eq!(
        c.glob.is_match(text),
        expected,
        "compiled glob {:?}: {pattern:?} on {text:?}",
        c.glob
    );
    let expected_ci = c.oracle_ci.is_match(&text.to_ascii_lowercase());
    assert_eq!(
        glob_matches(pattern, text, true),
        expected_ci,
        "reference glob, ASCII case-insensitive: {pattern:?} on {text:?}"
    );
    // StringLike / StringNotLike on a one-value request list.
    let values = [text.to_string()];
    assert_eq!(
        c.like.holds(Some(&values)),
        expected,
        "StringLike {pattern:?} on {text:?}"
    );
    assert_eq!(
        c.not_like.holds(Some(&values)),
        !expected,
        "StringNotLike {pattern:?} on {text:?}"
    );
}

/// A statement `Allow * on <patterns>` (or `NotResource`), compiled.
fn resource_policy(patterns: &[String], negated: bool) -> (PolicySet, CompiledPolicySet) {
    let statement = Statement {
        sid: None,
        effect: Effect::Allow,
        actions: PatternList {
            negated: false,
            patterns: vec!["*".into()],
        },
        resources: Some(PatternList {
            negated,
            patterns: patterns.to_vec(),
        }),
        principal: None,
        conditions: vec![],
    };
    let mut set = PolicySet::default();
    set.identity.push(NamedPolicy {
        name: "p".into(),
        resource_group: None,
        policy: Policy {
            statements: vec![statement],
        },
    });
    let compiled = CompiledPolicySet::compile(&set).expect("compiles");
    (set, compiled)
}

/// Expected: some pattern matches (reference glob, checked against the oracle on the main
/// pattern), XOR `NotResource`.
fn check_resources(
    patterns: &[String],
    negated: bool,
    compiled: &CompiledPolicySet,
    scratch: &mut Scratch,
    resource: &str,
) {
    let Ok(request) = Request::new("a:b", resource) else {
        return;
    };
    let expected = patterns.iter().any(|p| glob_matches(p, resource, false)) != negated;
    let decision = compiled.decide(&request, scratch).decision;
    assert_eq!(
        decision == Decision::Allow,
        expected,
        "{}Resource {patterns:?} on {resource:?}",
        if negated { "Not" } else { "" }
    );
}

/// The valid action patterns of `patterns` (spec §2.4), indexed.
fn action_index(patterns: &[String]) -> (Vec<&String>, ActionPatterns) {
    let valid = |p: &&String| *p == "*" || (!p.is_empty() && p.matches(':').count() == 1);
    let patterns: Vec<&String> = patterns.iter().filter(valid).collect();
    let texts: Vec<&str> = patterns.iter().map(|p| p.as_str()).collect();
    let index = ActionPatterns::new(&texts).expect("action index builds");
    (patterns, index)
}

/// Expected: the patterns that match ASCII case-insensitively (reference glob).
fn check_actions(patterns: &[&String], index: &ActionPatterns, action: &str) {
    if check_action(action).is_err() {
        return;
    }
    let found = index.matches(&action.to_ascii_lowercase());
    let expected: Vec<u32> = (0..patterns.len() as u32)
        .filter(|&i| glob_matches(patterns[i as usize], action, true))
        .collect();
    assert_eq!(found, expected, "action index {patterns:?} on {action:?}");
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let main = pattern(u)?;
    let mut texts = vec![instance(u, &main)?];
    for _ in 0..upto(u, 2)? {
        texts.push(if chance(u, 6)? {
            instance(u, &main)?
        } else {
            word(u, &[RESOURCES, ACTIONS, STRINGS].concat())?
        });
    }
    // More patterns for the lists: the texts themselves (exact entries), in other cases, with
    // wildcards edited in, and other words.
    let mut patterns = vec![main.clone()];
    for _ in 0..upto(u, 10)? {
        let base = u.choose(&texts)?.clone();
        patterns.push(match u.int_in_range(0..=4u8)? {
            0 => base,
            1 => base.to_ascii_uppercase(),
            2 => edit(u, &base, 2)?,
            3 => pattern(u)?,
            _ => pick(u, &[RESOURCE_PATTERNS, ACTION_PATTERNS].concat())?.to_string(),
        });
    }
    let negated = chance(u, 2)?;
    let compiled = compile(&main);
    let (_, resources) = resource_policy(&patterns, negated);
    let (actions, index) = action_index(&patterns);
    let mut scratch = Scratch::default();
    for text in &texts {
        check_glob(&compiled, text);
        check_resources(&patterns, negated, &resources, &mut scratch, text);
        check_actions(&actions, &index, text);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
