//! Strict JSON (RFC 8259) read into a tree that keeps what `serde_json::Value` loses: member
//! order, duplicate member names (a silently dropped duplicate `Condition` operator would widen an
//! Allow) and the exact text of numbers. Syntax errors name the line and column and, where it can
//! tell, the likely cause: a no-break space copied from a web page, a trailing comma, a full-width
//! comma, a comment.
//!
//! The reading itself is [`reader`]'s (its own tokenizer, not serde_json's, so that nothing
//! depends on serde_json's `arbitrary_precision` feature).
//!
//! Hard caps: [`MAX_DOCUMENT_BYTES`] per file and serde_json's nesting limit of 128 ([`MAX_DEPTH`]).

pub mod reader;

use crate::diagnostic::{Diagnostics, JsonPath};
pub use reader::{read, read_with_offsets, ErrorKind, SyntaxError, MAX_DEPTH};
use std::collections::HashSet;

/// The largest file read, in bytes (scenarios, requests and policy documents alike).
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// A JSON value with object members in document order, duplicates kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, exactly as written.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in document order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A word for the value's type, for messages ("expected a string, found an array").
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// Compact JSON text of the value.
    pub fn to_compact_string(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    fn write_compact(&self, out: &mut String) {
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => out.push_str(&quote(s)),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (name, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&quote(name));
                    out.push(':');
                    value.write_compact(out);
                }
                out.push('}');
            }
        }
    }
}

/// Reads a whole file as strict JSON. On failure records one error naming the line, column and
/// likely cause, and returns `None`.
pub fn parse(bytes: &[u8], diagnostics: &mut Diagnostics) -> Option<Json> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        diagnostics.error(
            &JsonPath::root(),
            format!(
                "document is {} bytes, over the limit of {MAX_DOCUMENT_BYTES} bytes",
                bytes.len()
            ),
        );
        return None;
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        diagnostics.error_at(
            "line 1, column 1".to_string(),
            "the file starts with a UTF-8 byte order mark, which JSON does not allow".to_string(),
        );
        return None;
    }
    match read(bytes) {
        Ok(json) => Some(json),
        Err(error) => {
            let mut message = error.kind.message().to_string();
            if let Some(cause) = likely_cause(bytes, &error) {
                message.push_str(" — ");
                message.push_str(cause);
            }
            diagnostics.error_at(
                format!("line {}, column {}", error.line, error.column),
                message,
            );
            None
        }
    }
}

/// Guesses why a document copied from a web page or written by hand is not JSON.
fn likely_cause(bytes: &[u8], error: &SyntaxError) -> Option<&'static str> {
    if error.kind.is_eof() {
        return Some("the document ends early (truncated, or a bracket or quote is not closed)");
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Some("the file is not valid UTF-8");
    };
    let line = text.lines().nth(error.line.saturating_sub(1)).unwrap_or("");
    if line.contains('\u{00A0}') {
        Some("U+00A0 no-break space — copied from a web page? Replace it with an ordinary space")
    } else if line.contains('，') {
        Some("U+FF0C full-width comma — replace it with an ASCII comma")
    } else if line.contains(['“', '”', '‘', '’']) {
        Some("typographic quotes — JSON strings use ASCII double quotes")
    } else if line.contains("//") || line.contains("/*") || line.trim_start().starts_with('#') {
        Some("JSON has no comments; remove them")
    } else if error.kind == ErrorKind::TrailingComma {
        Some("remove the comma after the last element")
    } else {
        None
    }
}

/// Reports every object, anywhere in the tree, that has two members of the same name.
pub fn report_duplicate_members(json: &Json, path: &JsonPath, diagnostics: &mut Diagnostics) {
    match json {
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                report_duplicate_members(item, &path.index(i), diagnostics);
            }
        }
        Json::Object(members) => {
            // A set of the names seen so far: linear in the number of members.
            let mut seen: HashSet<&str> = HashSet::with_capacity(members.len());
            for (name, value) in members {
                if !seen.insert(name.as_str()) {
                    diagnostics.error(
                        &path.key(name),
                        format!("member {name:?} is given more than once; JSON readers would silently keep only one"),
                    );
                }
                report_duplicate_members(value, &path.key(name), diagnostics);
            }
        }
        _ => {}
    }
}

/// Reads an object's members against a closed list of names: unknown members and wrong types
/// become errors, and each known member can be taken once.
pub struct Members<'a> {
    members: &'a [(String, Json)],
    path: JsonPath,
}

impl<'a> Members<'a> {
    /// The members of `json` if it is an object; otherwise records an error saying what was
    /// expected.
    pub fn of(
        json: &'a Json,
        path: &JsonPath,
        what: &str,
        diagnostics: &mut Diagnostics,
    ) -> Option<Self> {
        match json {
            Json::Object(members) => Some(Members {
                members,
                path: path.clone(),
            }),
            other => {
                diagnostics.error(
                    path,
                    format!("expected {what} (an object), found {}", other.kind()),
                );
                None
            }
        }
    }

    /// The value of member `name`, if present (the first, when duplicated: duplicates are
    /// reported on their own).
    pub fn get(&self, name: &str) -> Option<&'a Json> {
        self.members.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The path of member `name`.
    pub fn path_of(&self, name: &str) -> JsonPath {
        self.path.key(name)
    }

    /// The object's own path.
    pub fn path(&self) -> &JsonPath {
        &self.path
    }

    /// Every member, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a Json)> {
        self.members.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// True when the object has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Records an error for every member not in `known`, with `hint` saying what is allowed.
    pub fn reject_unknown(&self, known: &[&str], diagnostics: &mut Diagnostics) {
        for (name, _) in self.members {
            if !known.contains(&name.as_str()) {
                let suggestion = known
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(name))
                    .map(|k| format!(" (member names are case-sensitive: did you mean {k:?}?)"))
                    .unwrap_or_default();
                diagnostics.error(
                    &self.path.key(name),
                    format!(
                        "unknown member {name:?}{suggestion}; allowed here: {}",
                        known.join(", ")
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Json {
        let mut d = Diagnostics::default();
        let json = parse(text.as_bytes(), &mut d);
        assert!(!d.has_errors(), "{:?}", d.into_vec());
        json.unwrap()
    }

    fn parse_err(text: &str) -> String {
        let mut d = Diagnostics::default();
        assert!(parse(text.as_bytes(), &mut d).is_none());
        d.into_vec().iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn numbers_keep_their_digits() {
        assert_eq!(
            parse_ok("[9007199254740993, 1.50, -0]"),
            Json::Array(vec![
                Json::Number("9007199254740993".into()),
                Json::Number("1.50".into()),
                Json::Number("-0".into()),
            ])
        );
        assert_eq!(
            parse_ok("[1e400, 2E-3, 1.0e+5]"),
            Json::Array(vec![
                Json::Number("1e400".into()),
                Json::Number("2E-3".into()),
                Json::Number("1.0e+5".into()),
            ])
        );
    }

    #[test]
    fn duplicate_members_are_kept_and_reported() {
        let json = parse_ok(r#"{"a": {"x": 1, "x": 2}}"#);
        let mut d = Diagnostics::default();
        report_duplicate_members(&json, &JsonPath::root(), &mut d);
        let found = d.into_vec();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location, "a.x");
    }

    #[test]
    fn syntax_errors_name_position_and_cause() {
        assert!(parse_err("{\"a\": [1,]}").contains("line 1, column"));
        assert!(parse_err("{\"a\": [1,]}").contains("trailing comma"));
        assert!(parse_err("{\n\u{a0}\"a\": 1}").contains("U+00A0"));
        assert!(parse_err("{\"a\": 1， \"b\": 2}").contains("full-width"));
        assert!(parse_err("{\"a\": 1 // note\n}").contains("comments"));
        assert!(parse_err("{\"a\": [1").contains("ends early"));
        assert!(parse_err("\u{feff}{}").contains("byte order mark"));
        let mut d = Diagnostics::default();
        assert!(parse(b"{\"a\": \"\xff\"}", &mut d).is_none());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_err(&deep).contains("recursion limit"));
    }

    #[test]
    fn compact_form_round_trips() {
        let text = r#"{"a":[1,true,null,"x\"y"],"b":{}}"#;
        assert_eq!(parse_ok(text).to_compact_string(), text);
    }
}
