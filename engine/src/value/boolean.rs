//! Boolean condition values: `true` / `false`, ASCII case-insensitive (spec §4.3).

/// Reads `true` or `false` in any ASCII case.
///
/// ```
/// assert_eq!(ramjet_engine::value::parse_bool("TRUE"), Some(true));
/// assert_eq!(ramjet_engine::value::parse_bool("yes"), None);
/// ```
pub fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}
