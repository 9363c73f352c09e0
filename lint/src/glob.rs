//! Questions about glob patterns (`*` any run, `?` one character; spec 2.1, 3.2) that the rules
//! ask of two patterns at once: can some string match both (exact), and does every string one
//! matches match the other (sound: "yes" is always right, "no" may be a pattern pair it cannot
//! prove).

/// Whether `text` matches `pattern` (the reference matcher). A pattern with more characters
/// other than `*` than the text has cannot match, and runs of `*` match as one: with both, the
/// cost is linear in the pattern plus quadratic in the (short) text, however long the pattern.
pub fn matches(pattern: &str, text: &str, ascii_case_insensitive: bool) -> bool {
    let needed = pattern.chars().filter(|&c| c != '*').count();
    if needed > text.chars().count() {
        return false;
    }
    if text.is_ascii() {
        // A character outside ASCII in the pattern is a literal no ASCII character matches
        // (case folding is ASCII only).
        return pattern.is_ascii()
            && ascii_matches(pattern.as_bytes(), text.as_bytes(), ascii_case_insensitive);
    }
    ramjet_compiler::wildcard::glob_matches(&collapse_stars(pattern), text, ascii_case_insensitive)
}

/// The glob match of ASCII text without allocating: the classic two-pointer walk that, on a
/// mismatch, lets the last `*` absorb one more character. Time O(|pattern| × |text|) at worst;
/// a property test holds it equal to the reference matcher.
fn ascii_matches(pattern: &[u8], text: &[u8], ascii_case_insensitive: bool) -> bool {
    let same = |p: u8, t: u8| p == t || (ascii_case_insensitive && p.eq_ignore_ascii_case(&t));
    let (mut p, mut t) = (0, 0);
    // The position after the last `*` seen, and the text position it was tried at.
    let mut backtrack: Option<(usize, usize)> = None;
    while let Some(&c) = text.get(t) {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                backtrack = Some((p, t));
            }
            Some(&q) if q == b'?' || same(q, c) => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((after_star, tried)) => {
                    p = after_star;
                    t = tried + 1;
                    backtrack = Some((after_star, tried + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// The pattern with every run of `*` made one `*` (the same language).
fn collapse_stars(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains("**") {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if !(c == '*' && out.ends_with('*')) {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The most product states [`intersects`] and [`includes`] explore; past it they give the answer
/// that claims nothing (`intersects`: maybe; `includes`: not proven).
pub const MAX_PRODUCT_STATES: usize = 1 << 22;

fn same(a: char, b: char, ascii_case_insensitive: bool) -> bool {
    a == b || (ascii_case_insensitive && a.eq_ignore_ascii_case(&b))
}

/// Whether some string matches both patterns: reachability of the accepting state in the
/// product of their automata, over states (position in `a`, position in `b`). Exact; time
/// O(|a| × |b|). Past [`MAX_PRODUCT_STATES`] it answers `true` (maybe), which no rule reads as
/// a finding.
pub fn intersects(a: &str, b: &str, ascii_case_insensitive: bool) -> bool {
    let a: Vec<char> = collapse_stars(a).chars().collect();
    let b: Vec<char> = collapse_stars(b).chars().collect();
    if (a.len() + 1).saturating_mul(b.len() + 1) > MAX_PRODUCT_STATES {
        return true;
    }
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        let Some(slot) = seen.get_mut(i * width + j) else {
            continue;
        };
        if std::mem::replace(slot, true) {
            continue;
        }
        let (pa, pb) = (a.get(i).copied(), b.get(j).copied());
        if pa.is_none() && pb.is_none() {
            return true;
        }
        // A star may match nothing.
        if pa == Some('*') {
            stack.push((i + 1, j));
        }
        if pb == Some('*') {
            stack.push((i, j + 1));
        }
        // Or both read one character.
        match (pa, pb) {
            (Some('*'), Some('*')) | (None, _) | (_, None) => {}
            (Some('*'), Some(_)) => stack.push((i, j + 1)),
            (Some(_), Some('*')) => stack.push((i + 1, j)),
            (Some(x), Some(y)) => {
                if x == '?' || y == '?' || same(x, y, ascii_case_insensitive) {
                    stack.push((i + 1, j + 1));
                }
            }
        }
    }
    false
}

/// Whether every string `inner` matches is matched by `outer`, proven by matching `outer`
/// against `inner`'s own text where `outer`'s `*` may absorb any of `inner`'s characters
/// (wildcards included), `outer`'s `?` one character or `?` of `inner`, and a literal only the
/// same literal. Sound, not complete: `true` is a proof; `false` means "not proven" (as it does
/// past [`MAX_PRODUCT_STATES`]).
pub fn includes(outer: &str, inner: &str, ascii_case_insensitive: bool) -> bool {
    let outer: Vec<char> = collapse_stars(outer).chars().collect();
    let inner_len = inner.chars().count();
    let outer_needs = outer.iter().filter(|&&c| c != '*').count();
    if outer_needs > inner_len
        || (outer.len() + 1).saturating_mul(inner_len + 1) > MAX_PRODUCT_STATES
    {
        return false;
    }
    let outer: String = outer.into_iter().collect();
    ramjet_compiler::wildcard::glob_includes(&outer, inner, ascii_case_insensitive)
}

/// True when the pattern has no `*` or `?`: it matches exactly one string.
pub fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn intersection_examples() {
        assert!(intersects(
            "acs:eas:*:*:service/*",
            "acs:eas:cn-*:1:*",
            false
        ));
        assert!(!intersects("acs:eas:*:*:service/*", "acs:oss:*", false));
        assert!(intersects("*", "", false));
        assert!(!intersects("a?", "a", false));
        assert!(intersects("EAS:Create*", "eas:*Service", true));
        assert!(!intersects("EAS:Create*", "eas:*Service", false));
        assert!(!intersects("*a", "*b", false));
    }

    #[test]
    fn inclusion_examples() {
        assert!(includes("*", "anything*?", false));
        assert!(includes("eas:*", "eas:Create*", false));
        assert!(includes("eas:*Service", "eas:Create*Service", false));
        assert!(includes("a?c", "a?c", false));
        assert!(!includes("a?c", "a*c", false));
        assert!(!includes("eas:Create*", "eas:*", false));
        assert!(includes("EAS:*", "eas:createservice", true));
    }

    #[test]
    fn long_patterns_answer_quickly_and_claim_nothing() {
        let stars = "*".repeat(8_000);
        assert!(matches(&format!("a{stars}b"), "ab", false));
        assert!(!matches(&"a".repeat(8_000), "aaa", false));
        let long = format!("{}*", "a?".repeat(4_000));
        assert!(intersects(&long, &long.replace('?', "b"), false)); // past the cap: maybe
        assert!(!includes(&long, &long, false)); // past the cap: not proven
        assert!(includes(&format!("x{stars}"), "xyz", false));
    }

    fn pattern() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof!["a", "b", "\\*", "\\?"], 0..6)
            .prop_map(|parts| parts.concat())
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof!["a", "b"], 0..7).prop_map(|parts| parts.concat())
    }

    proptest! {
        /// Over the alphabet {a, b}, every string of length < 10 is tried: a common match exists
        /// iff `intersects` says so (a shortest common match of two patterns of at most five
        /// characters has at most ten).
        #[test]
        fn intersects_agrees_with_enumeration(a in pattern(), b in pattern()) {
            let mut found = false;
            for len in 0..10u32 {
                for bits in 0..(1u32 << len) {
                    let s: String = (0..len).map(|k| if bits >> k & 1 == 1 { 'b' } else { 'a' }).collect();
                    found |= matches(&a, &s, false) && matches(&b, &s, false);
                }
            }
            prop_assert_eq!(intersects(&a, &b, false), found);
        }

        /// The allocation-free ASCII matcher is the reference matcher.
        #[test]
        fn ascii_matcher_is_the_reference(p in pattern(), s in text(), ci in any::<bool>()) {
            let upper = s.to_ascii_uppercase();
            for text in [s.as_str(), upper.as_str()] {
                prop_assert_eq!(
                    ascii_matches(p.as_bytes(), text.as_bytes(), ci),
                    ramjet_compiler::wildcard::glob_matches(&p, text, ci)
                );
            }
        }

        /// A proven inclusion has no counterexample.
        #[test]
        fn includes_is_sound(outer in pattern(), inner in pattern(), s in text()) {
            if includes(&outer, &inner, false) && matches(&inner, &s, false) {
                prop_assert!(matches(&outer, &s, false));
            }
        }
    }
}
