//! The reference glob matcher: `*` matches any run of characters (none included) and crosses `:`
//! and `/`; `?` matches exactly one character (one Unicode scalar value) (spec §2.1, §3.2). It is
//! written to be obviously right, as a simulation of the pattern's states over the text; the
//! compiled engine's automata are checked against it. Cost: O(pattern × text).

/// Whether `text` matches `pattern` over the whole string. With `ascii_case_insensitive`,
/// ASCII letters compare without case (actions, spec §2.2).
///
/// ```
/// use ramjet_compiler::wildcard::glob_matches;
/// assert!(glob_matches("acs:oss:*:*:mybucket/*", "acs:oss:cn-hangzhou:1:mybucket/a/b.txt", false));
/// assert!(glob_matches("eas:Create*", "EAS:createservice", true));
/// assert!(!glob_matches("a?c", "ac", false));
/// ```
#[allow(clippy::indexing_slicing)] // every index is below pattern.len() + 1, the length of both state vectors
pub fn glob_matches(pattern: &str, text: &str, ascii_case_insensitive: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let same = |p: char, t: char| {
        p == '?' || p == t || (ascii_case_insensitive && p.eq_ignore_ascii_case(&t))
    };
    // live[i]: the first i pattern characters can match the text read so far.
    let mut live = vec![false; pattern.len() + 1];
    live[0] = true;
    close_over_stars(&pattern, &mut live);
    for t in text.chars() {
        let mut next = vec![false; pattern.len() + 1];
        for (i, &p) in pattern.iter().enumerate() {
            if !live[i] {
                continue;
            }
            if p == '*' {
                next[i] = true; // the star absorbs t
            } else if same(p, t) {
                next[i + 1] = true;
            }
        }
        close_over_stars(&pattern, &mut next);
        if !next.contains(&true) {
            return false;
        }
        live = next;
    }
    live[pattern.len()]
}

/// Whether every string `inner` matches is matched by `outer`, proven by matching `outer`
/// against `inner`'s own text where `outer`'s `*` may absorb any of `inner`'s characters
/// (wildcards included), `outer`'s `?` one character or `?` of `inner`, and a literal only the
/// same literal. Sound, not complete: `true` is a proof (used by `ramjet lint`'s overlap rules
/// and `ramjet analyze`'s pruning); `false` means "not proven". Cost O(|outer| × |inner|).
///
/// ```
/// use ramjet_compiler::wildcard::glob_includes;
/// assert!(glob_includes("eas:*", "eas:Create*", false));
/// assert!(!glob_includes("eas:Create*", "eas:*", false));
/// ```
#[allow(clippy::indexing_slicing)] // every index is below pattern.len() + 1, the length of both state vectors
pub fn glob_includes(outer: &str, inner: &str, ascii_case_insensitive: bool) -> bool {
    let outer: Vec<char> = outer.chars().collect();
    let same = |p: char, t: char| p == t || (ascii_case_insensitive && p.eq_ignore_ascii_case(&t));
    let mut live = vec![false; outer.len() + 1];
    live[0] = true;
    close_over_stars(&outer, &mut live);
    for t in inner.chars() {
        let mut next = vec![false; outer.len() + 1];
        for (i, &p) in outer.iter().enumerate() {
            if !live[i] {
                continue;
            }
            match p {
                '*' => next[i] = true,
                '?' if t != '*' => next[i + 1] = true,
                _ if t != '*' && t != '?' && same(p, t) => next[i + 1] = true,
                _ => {}
            }
        }
        close_over_stars(&outer, &mut next);
        if !next.contains(&true) {
            return false;
        }
        live = next;
    }
    live[outer.len()]
}

/// A star may also match nothing: a live state before a star makes the state after it live.
#[allow(clippy::indexing_slicing)] // i + 1 <= pattern.len() < live.len()
fn close_over_stars(pattern: &[char], live: &mut [bool]) {
    for (i, &p) in pattern.iter().enumerate() {
        if p == '*' && live[i] {
            live[i + 1] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn star_matches_any_run_including_separators() {
        assert!(glob_matches("*", "", false));
        assert!(glob_matches("*", "*", false));
        assert!(glob_matches("a*", "a:b/c", false));
        assert!(glob_matches("*a*a*b", "xaayab", false));
        assert!(!glob_matches("*a*a*a*a*a*b", &"a".repeat(5_000), false));
    }

    #[test]
    fn question_mark_is_exactly_one_scalar() {
        assert!(glob_matches("a?c", "abc", false));
        assert!(glob_matches("a?c", "a部c", false));
        assert!(!glob_matches("a?c", "ac", false));
        assert!(!glob_matches("a?c", "abbc", false));
    }

    #[test]
    fn case_folding_is_ascii_only_and_optional() {
        assert!(!glob_matches("ABC", "abc", false));
        assert!(glob_matches("ABC", "abc", true));
        assert!(!glob_matches("É", "é", true));
    }
}
