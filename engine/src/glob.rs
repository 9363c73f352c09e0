//! Compiled glob matchers for actions, ARNs and `StringLike` values: `*` matches any run of
//! characters (none included), `?` exactly one Unicode scalar value. The strategy is chosen once,
//! when a pattern is compiled, from its shape (as `globset` does):
//!
//! | shape | strategy | cost |
//! | --- | --- | --- |
//! | `*` | always | O(1) |
//! | no wildcard | equality | O(n) |
//! | `abc*` / `*abc` | prefix / suffix test | O(pattern) |
//! | only `*` wildcards | the literal pieces between stars, each found leftmost with `memmem` | O(n + pattern) |
//! | any `?` | a `regex-automata` meta regex (lazy DFA, PikeVM fallback) | O(n × pattern) worst case |
//!
//! Leftmost-first search of the pieces is exact for star-only globs: a piece found further left
//! leaves at least as much text for the pieces after it. No strategy backtracks, so
//! `*a*a*a*a*a*b` against a long run of `a`s costs one pass. Matching is case-sensitive; callers
//! that compare without ASCII case (actions) lower both sides first.

use memchr::arch::all::memchr::One;
use memchr::memmem;
use regex_automata::meta::Regex;
use regex_automata::util::syntax;

/// The largest NFA, in bytes, that a `?` pattern may compile to.
pub(crate) const MAX_AUTOMATON_BYTES: usize = 1 << 20;

/// A compiled glob.
#[derive(Debug, Clone)]
pub enum Glob {
    /// `*`.
    Any,
    /// No wildcard.
    Exact(Box<str>),
    /// `prefix*`.
    Prefix(Box<str>),
    /// `*suffix`.
    Suffix(Box<str>),
    /// Only `*` wildcards, two or more pieces to place.
    Pieces(Pieces),
    /// A short ASCII pattern with a `?`, matched piece by piece: on the bytes of ASCII text
    /// (no allocation), on the characters of other text. At most `SHORT_WILD_PATTERN` (64) bytes,
    /// so linear in the text.
    Wild(Box<str>),
    /// A longer `?` pattern.
    Automaton(Box<Regex>),
    /// A `?` pattern too large for the automaton's size limit, matched piece by piece: at worst
    /// O(pattern × text) and allocating per match. Only hostile patterns get here.
    Simulated(Box<[char]>),
}

/// A star-only glob `first*p1*p2*…*last` as its literal pieces.
#[derive(Debug, Clone)]
pub struct Pieces {
    first: Box<str>,
    middle: Box<[memmem::Finder<'static>]>,
    last: Box<str>,
}

impl Glob {
    /// Compiles `pattern`. Every pattern compiles: one too large for the automaton is matched
    /// piece by piece instead ([`Glob::Simulated`]).
    pub fn new(pattern: &str) -> Glob {
        if pattern.contains('?') {
            if pattern.len() <= SHORT_WILD_PATTERN && pattern.is_ascii() {
                return Glob::Wild(pattern.into());
            }
            return match automaton(pattern) {
                Some(re) => Glob::Automaton(Box::new(re)),
                None => Glob::Simulated(pattern.chars().collect()),
            };
        }
        let stars = pattern.matches('*').count();
        if stars == 0 {
            return Glob::Exact(pattern.into());
        }
        if pattern.bytes().all(|b| b == b'*') {
            return Glob::Any;
        }
        let pieces: Vec<&str> = pattern.split('*').collect();
        let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
            return Glob::Any;
        };
        let middle: Vec<&str> = pieces
            .get(1..pieces.len().saturating_sub(1))
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|p| !p.is_empty())
            .collect();
        if middle.is_empty() && last.is_empty() {
            return Glob::Prefix((*first).into());
        }
        if middle.is_empty() && first.is_empty() {
            return Glob::Suffix((*last).into());
        }
        Glob::Pieces(Pieces {
            first: (*first).into(),
            middle: middle
                .iter()
                .map(|p| memmem::Finder::new(p.as_bytes()).into_owned())
                .collect(),
            last: (*last).into(),
        })
    }

    /// Whether `text` matches, over the whole string.
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(exact) => same_bytes(exact.as_bytes(), text.as_bytes()),
            Glob::Prefix(prefix) => has_prefix(text.as_bytes(), prefix.as_bytes()),
            Glob::Suffix(suffix) => has_suffix(text.as_bytes(), suffix.as_bytes()),
            Glob::Pieces(pieces) => pieces.is_match(text.as_bytes()),
            Glob::Wild(pattern) if text.is_ascii() => {
                match_pieces(pattern.as_bytes(), text.as_bytes(), b'*', b'?')
            }
            Glob::Wild(pattern) => {
                let pattern: Vec<char> = pattern.chars().collect();
                simulate(&pattern, text)
            }
            Glob::Automaton(re) => re.is_match(text),
            Glob::Simulated(pattern) => simulate(pattern, text),
        }
    }
}

impl Pieces {
    // Hot path: guarded by the `check` benchmarks in bench/.
    fn is_match(&self, text: &[u8]) -> bool {
        let (first, last) = (self.first.as_bytes(), self.last.as_bytes());
        if text.len() < first.len() + last.len()
            || !has_prefix(text, first)
            || !has_suffix(text, last)
        {
            return false;
        }
        // The middle pieces must fit, in order, between the first and the last.
        let mut rest = text
            .get(first.len()..text.len() - last.len())
            .unwrap_or_default();
        for finder in self.middle.iter() {
            match find_piece(finder, rest) {
                Some(at) => rest = rest.get(at + finder.needle().len()..).unwrap_or_default(),
                None => return false,
            }
        }
        true
    }
}

/// Below this many bytes a piece is found by trying each position (a first-byte test, then a
/// comparison): cheaper than the vectorised searcher's setup on ARN-sized text, and still bounded
/// (at most this many positions per piece).
const SHORT_TEXT: usize = 128;

/// The leftmost position of `finder`'s needle in `text`: in short text, the needle's first byte
/// is found a word at a time (`memchr`'s portable searcher: no dispatch or vector setup), then
/// the rest compared.
#[inline]
fn find_piece(finder: &memmem::Finder<'_>, text: &[u8]) -> Option<usize> {
    if text.len() > SHORT_TEXT {
        return finder.find(text);
    }
    let needle = finder.needle();
    let (&first, tail) = needle.split_first()?;
    let last_start = text.len().checked_sub(needle.len())?;
    let starts = One::new(first);
    let mut from = 0;
    while let Some(offset) = text.get(from..=last_start).and_then(|w| starts.find(w)) {
        let at = from + offset;
        if text
            .get(at + 1..at + needle.len())
            .is_some_and(|here| same_bytes(here, tail))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `a == b`, inlined eight bytes at a time: the strings compared here are short, and a call to
/// the C library's `memcmp` costs more than the comparison.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a_words, mut b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut a_words).zip(&mut b_words) {
        let x: Option<[u8; 8]> = x.try_into().ok();
        let y: Option<[u8; 8]> = y.try_into().ok();
        if x != y {
            return false;
        }
    }
    a_words
        .remainder()
        .iter()
        .zip(b_words.remainder())
        .all(|(x, y)| x == y)
}

/// `text.starts_with(prefix)`, rejecting on the last byte of the prefix before comparing the
/// rest (ARNs and patterns share long prefixes such as `acs:eas:`), and with no call for an empty
/// prefix.
#[inline]
fn has_prefix(text: &[u8], prefix: &[u8]) -> bool {
    match prefix.last() {
        None => true,
        Some(last) => {
            text.get(prefix.len() - 1) == Some(last)
                && text
                    .get(..prefix.len())
                    .is_some_and(|head| same_bytes(head, prefix))
        }
    }
}

/// `text.ends_with(suffix)`, rejecting on the suffix's first byte first.
#[inline]
fn has_suffix(text: &[u8], suffix: &[u8]) -> bool {
    match suffix.first() {
        None => true,
        Some(first) => {
            text.len() >= suffix.len()
                && text.get(text.len() - suffix.len()) == Some(first)
                && text
                    .get(text.len() - suffix.len()..)
                    .is_some_and(|tail| same_bytes(tail, suffix))
        }
    }
}

/// `?` patterns up to this many bytes (and ASCII) are matched piece by piece rather than by an
/// automaton: for ARN-sized text that is several times faster, and with the pattern this short
/// it stays linear in the text.
pub(crate) const SHORT_WILD_PATTERN: usize = 64;

/// Matches a `?` pattern without an automaton, on the text's characters (see [`match_pieces`]).
fn simulate(pattern: &[char], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    match_pieces(pattern, &text, '*', '?')
}

/// Matches `pattern` (with `star` for any run and `any` for one symbol) against the whole
/// `text`. The pattern is `star`-separated pieces of fixed length, so the first piece must match
/// at the start, the last at the end, and each middle piece at its leftmost place after the one
/// before (leftmost leaves the most room for the rest). At most O(pattern × text) comparisons,
/// and usually about one pass over the text.
fn match_pieces<T: Copy + PartialEq>(pattern: &[T], text: &[T], star: T, any: T) -> bool {
    let fits = |piece: &[T], at: &[T]| {
        piece.len() <= at.len() && piece.iter().zip(at).all(|(&p, &t)| p == any || p == t)
    };
    let mut pieces = pattern.split(|&c| c == star);
    let first = pieces.next().unwrap_or_default();
    let Some(last) = pieces.next_back() else {
        // No star: the one piece is the whole text.
        return first.len() == text.len() && fits(first, text);
    };
    if text.len() < first.len() + last.len()
        || !fits(first, text)
        || !fits(
            last,
            text.get(text.len() - last.len()..).unwrap_or_default(),
        )
    {
        return false;
    }
    let mut rest = text
        .get(first.len()..text.len() - last.len())
        .unwrap_or_default();
    for piece in pieces.filter(|p| !p.is_empty()) {
        let Some(at) = (0..=rest.len().saturating_sub(piece.len()))
            .find(|&at| rest.get(at..).is_some_and(|here| fits(piece, here)))
        else {
            return false;
        };
        rest = rest.get(at + piece.len()..).unwrap_or_default();
    }
    true
}

/// `?` patterns: `*` → `.*`, `?` → `.` (one scalar value, new lines included), the rest literal,
/// anchored at both ends. `None` when the automaton would be over [`MAX_AUTOMATON_BYTES`].
fn automaton(pattern: &str) -> Option<Regex> {
    let mut re = String::with_capacity(pattern.len() * 2 + 2);
    re.push('^');
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => {
                let mut buf = [0u8; 4];
                re.push_str(&regex_syntax::escape(c.encode_utf8(&mut buf)));
            }
        }
    }
    re.push('$');
    Regex::builder()
        .syntax(syntax::Config::new().dot_matches_new_line(true))
        .configure(Regex::config().nfa_size_limit(Some(MAX_AUTOMATON_BYTES)))
        .build(&re)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Glob::new(pattern).is_match(text)
    }

    #[test]
    fn an_arn_glob_matches_its_objects_only() {
        let g = Glob::new("acs:oss:*:*:mybucket/*");
        assert!(g.is_match("acs:oss:cn-hangzhou:1:mybucket/a/b.txt"));
        assert!(!g.is_match("acs:oss:cn-hangzhou:1:other/a"));
    }

    #[test]
    fn strategies_are_chosen_by_shape() {
        assert!(matches!(Glob::new("*"), Glob::Any));
        assert!(matches!(Glob::new("***"), Glob::Any));
        assert!(matches!(Glob::new("abc"), Glob::Exact(_)));
        assert!(matches!(Glob::new("ab*"), Glob::Prefix(_)));
        assert!(matches!(Glob::new("*ab"), Glob::Suffix(_)));
        assert!(matches!(Glob::new("a*b"), Glob::Pieces(_)));
        assert!(matches!(Glob::new("a?b"), Glob::Wild(_)));
        let long = format!("a?{}", "b".repeat(SHORT_WILD_PATTERN));
        assert!(matches!(Glob::new(&long), Glob::Automaton(_)));
        assert!(matches!(Glob::new("部?"), Glob::Automaton(_)));
    }

    #[test]
    fn pieces_are_found_the_same_in_short_and_long_text() {
        // Text up to SHORT_TEXT bytes is searched position by position, longer text by memmem:
        // the same pattern must match the same way on either side of the boundary.
        for pad in [
            0,
            1,
            60,
            SHORT_TEXT - 20,
            SHORT_TEXT - 19,
            SHORT_TEXT,
            SHORT_TEXT + 5,
        ] {
            let fill = "x".repeat(pad);
            let text = format!("acs:eas:{fill}:123:service/abc");
            assert!(m("acs:eas:*:123:*", &text), "{pad}");
            assert!(m("acs:*:123:service/a*c", &text), "{pad}");
            assert!(!m("acs:eas:*:124:*", &text), "{pad}");
            assert!(
                !m("acs:*c*:123:s*", &format!("acs:eas:{fill}:123:s")),
                "{pad}"
            );
            assert!(m("*x:1*3*", &text) == (pad > 0), "{pad}");
        }
        assert!(same_bytes(b"0123456789abcdef0", b"0123456789abcdef0"));
        assert!(!same_bytes(b"0123456789abcdef0", b"0123456789abcdeF0"));
        assert!(!same_bytes(b"0123456789abcdef0", b"0123456789abcdef1"));
        assert!(!same_bytes(b"01234567", b"0123456"));
    }

    #[test]
    fn star_only_globs_match_leftmost_pieces() {
        assert!(m("a*b", "ab"));
        assert!(m("a*b", "a:/b"));
        assert!(!m("ab*ba", "aba"));
        assert!(m("*a*b*", "xxaxxbxx"));
        assert!(!m("*b*a*", "ab"));
        assert!(m("a**b", "ab"));
        assert!(m("acs:eas:*:1234:*", "acs:eas:cn:1234:service/x"));
        assert!(!m("*a*a*a*a*a*b", &"a".repeat(100_000)));
    }

    #[test]
    fn patterns_too_large_for_the_automaton_fall_back_to_simulation() {
        let pattern = format!("a{}b", "?*".repeat(1_000));
        let glob = Glob::new(&pattern);
        assert!(matches!(glob, Glob::Simulated(_)));
        let long = format!("a{}b", "x".repeat(1_000));
        assert!(glob.is_match(&long));
        assert!(!glob.is_match(&format!("a{}b", "x".repeat(999))));
        assert!(!glob.is_match(&format!("a{}c", "x".repeat(1_500))));
    }

    #[test]
    fn piece_matching_agrees_with_the_automaton() {
        // Every pattern of up to 5 symbols over {a, é, ?, *} against every text of up to 5
        // letters over {a, é}.
        fn words(alphabet: &[char], up_to: usize) -> Vec<String> {
            let mut all = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..up_to {
                last = last
                    .iter()
                    .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                    .collect();
                all.extend(last.iter().cloned());
            }
            all
        }
        // Texts over {a, é}: ASCII ones go through the byte matcher, the others through the
        // character matcher.
        let texts = words(&['a', 'é'], 5);
        for pattern in words(&['a', 'é', '?', '*'], 5) {
            let re = automaton(&pattern).unwrap();
            let chars: Vec<char> = pattern.chars().collect();
            let ascii = pattern.replace('é', "b");
            let (wild, ascii_re) = (
                Glob::Wild(ascii.as_str().into()),
                automaton(&ascii).unwrap(),
            );
            for text in &texts {
                assert_eq!(
                    simulate(&chars, text),
                    re.is_match(text),
                    "{pattern:?} against {text:?}"
                );
                let ascii_text = text.replace('é', "b");
                for t in [text.as_str(), ascii_text.as_str()] {
                    assert_eq!(
                        wild.is_match(t),
                        ascii_re.is_match(t),
                        "{ascii:?} against {t:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn question_marks_match_one_scalar_and_escape_the_rest() {
        assert!(m("a?c", "a部c"));
        assert!(!m("a?c", "ac"));
        assert!(m("a.?[x]", "a.b[x]"));
        assert!(!m("a.?[x]", "aab[x]"));
        assert!(m("?", "\n"));
        assert!(m("(?", "(z"));
    }
}
