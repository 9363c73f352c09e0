//! The strict JSON (RFC 8259) reader behind [`super::parse`]: bytes to a [`Json`] tree in one
//! pass, without serde_json, so that the exact text of numbers is kept whatever features an
//! embedder turns on in its own serde_json.
//!
//! What it accepts is RFC 8259 exactly: no comments, trailing commas, `NaN`/`Infinity`, leading
//! zeros, bare control characters in strings or lone surrogates in `\u` escapes; strings must be
//! UTF-8. Numbers keep their text as written (`1.50`, `-0`, `1e400`), objects keep their members
//! in document order with duplicates, and arrays and objects nest at most 127 deep
//! ([`MAX_DEPTH`], serde_json's recursion limit). A syntax error names the line and column (both
//! 1-based, the column counted in bytes, as serde_json counts them) and uses serde_json's wording,
//! so messages read as they did when serde_json parsed these files.

use super::Json;
use std::fmt;

/// Arrays and objects may nest this many levels minus one: the 128th opening bracket is an
/// error, as in serde_json.
pub const MAX_DEPTH: usize = 128;

/// What is wrong with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The document ends inside an array.
    EofWhileParsingList,
    /// The document ends inside an object.
    EofWhileParsingObject,
    /// The document ends inside a string.
    EofWhileParsingString,
    /// The document ends where a value should be (also an empty document).
    EofWhileParsingValue,
    /// An object member's name is not followed by `:`.
    ExpectedColon,
    /// An array element is followed by something other than `,` or `]`.
    ExpectedListCommaOrEnd,
    /// An object member is followed by something other than `,` or `}`.
    ExpectedObjectCommaOrEnd,
    /// A misspelt `null`, `true` or `false`.
    ExpectedSomeIdent,
    /// Something that starts no JSON value (`'`, `/`, `N`, a no-break space...).
    ExpectedSomeValue,
    /// A backslash escape JSON does not have, or a `\u` escape without four hex digits.
    InvalidEscape,
    /// A malformed number (`01`, `1.`, `1e`, `-x`).
    InvalidNumber,
    /// A string that is not valid UTF-8.
    InvalidUnicodeCodePoint,
    /// A byte below U+0020 inside a string (a raw tab or newline).
    ControlCharacterWhileParsingString,
    /// An object member whose name is not a string.
    KeyMustBeAString,
    /// A `\u` escape of a surrogate that is not half of a pair.
    LoneLeadingSurrogateInHexEscape,
    /// A comma before `]` or `}`.
    TrailingComma,
    /// More after the document's value.
    TrailingCharacters,
    /// A leading surrogate `\u` escape not followed by another `\u` escape.
    UnexpectedEndOfHexEscape,
    /// Arrays and objects nested [`MAX_DEPTH`] deep.
    RecursionLimitExceeded,
}

impl ErrorKind {
    /// True when the document ends early (truncated, or a bracket or quote left open).
    pub fn is_eof(self) -> bool {
        matches!(
            self,
            ErrorKind::EofWhileParsingList
                | ErrorKind::EofWhileParsingObject
                | ErrorKind::EofWhileParsingString
                | ErrorKind::EofWhileParsingValue
        )
    }

    /// The message, in serde_json's words.
    pub fn message(self) -> &'static str {
        match self {
            ErrorKind::EofWhileParsingList => "EOF while parsing a list",
            ErrorKind::EofWhileParsingObject => "EOF while parsing an object",
            ErrorKind::EofWhileParsingString => "EOF while parsing a string",
            ErrorKind::EofWhileParsingValue => "EOF while parsing a value",
            ErrorKind::ExpectedColon => "expected `:`",
            ErrorKind::ExpectedListCommaOrEnd => "expected `,` or `]`",
            ErrorKind::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            ErrorKind::ExpectedSomeIdent => "expected ident",
            ErrorKind::ExpectedSomeValue => "expected value",
            ErrorKind::InvalidEscape => "invalid escape",
            ErrorKind::InvalidNumber => "invalid number",
            ErrorKind::InvalidUnicodeCodePoint => "invalid unicode code point",
            ErrorKind::ControlCharacterWhileParsingString => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            ErrorKind::KeyMustBeAString => "key must be a string",
            ErrorKind::LoneLeadingSurrogateInHexEscape => "lone leading surrogate in hex escape",
            ErrorKind::TrailingComma => "trailing comma",
            ErrorKind::TrailingCharacters => "trailing characters",
            ErrorKind::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            ErrorKind::RecursionLimitExceeded => {
                "recursion limit exceeded: the document nests arrays and objects too deeply (128 levels or more)"
            }
        }
    }
}

/// A syntax error and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong.
    pub kind: ErrorKind,
    /// The line, from 1.
    pub line: usize,
    /// The column in bytes: that of the offending byte, counted from 1 (0 for an empty
    /// document or at the start of an empty last line), as serde_json counts.
    pub column: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.kind.message(),
            self.line,
            self.column
        )
    }
}

impl std::error::Error for SyntaxError {}

/// Reads a whole document. A byte order mark is not JSON: the caller deals with it.
pub fn read(bytes: &[u8]) -> Result<Json, SyntaxError> {
    read_with(bytes, None)
}

/// Reads a whole document as [`read`] does, and the byte offset at which each value starts, in
/// document order (a value before its elements or members' values): what a tool that reports
/// line and column for a JSON path (`ramjet lint`) needs.
pub fn read_with_offsets(bytes: &[u8]) -> Result<(Json, Vec<usize>), SyntaxError> {
    let mut offsets = Vec::new();
    read_with(bytes, Some(&mut offsets)).map(|json| (json, offsets))
}

fn read_with(bytes: &[u8], offsets: Option<&mut Vec<usize>>) -> Result<Json, SyntaxError> {
    let mut reader = Reader {
        bytes,
        index: 0,
        depth: 0,
        offsets,
    };
    let result = reader
        .value()
        .and_then(|value| match reader.skip_whitespace() {
            Some(_) => Err(reader.peek_error(ErrorKind::TrailingCharacters)),
            None => Ok(value),
        });
    result.map_err(|Failure { kind, at }| {
        let before = bytes.get(..at).unwrap_or(bytes);
        let start_of_line = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |newline| newline + 1);
        let line = 1 + before
            .get(..start_of_line)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        SyntaxError {
            kind,
            line,
            column: at - start_of_line,
        }
    })
}

/// An error at a byte offset, turned into a line and column once, at the end. The offset is
/// serde_json's: one past the offending byte.
struct Failure {
    kind: ErrorKind,
    at: usize,
}

struct Reader<'a> {
    bytes: &'a [u8],
    /// The next byte to read.
    index: usize,
    /// Arrays and objects open around the current position.
    depth: usize,
    /// Where each value starts, when asked for.
    offsets: Option<&'a mut Vec<usize>>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.index).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.index += 1;
        Some(byte)
    }

    /// An error about the byte just read.
    fn error(&self, kind: ErrorKind) -> Failure {
        Failure {
            kind,
            at: self.index,
        }
    }

    /// An error about the byte about to be read.
    fn peek_error(&self, kind: ErrorKind) -> Failure {
        Failure {
            kind,
            at: (self.index + 1).min(self.bytes.len()),
        }
    }

    /// Skips JSON white space; the next byte, if any.
    fn skip_whitespace(&mut self) -> Option<u8> {
        while let Some(byte) = self.peek() {
            if !matches!(byte, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(byte);
            }
            self.index += 1;
        }
        None
    }

    fn value(&mut self) -> Result<Json, Failure> {
        let Some(byte) = self.skip_whitespace() else {
            return Err(self.peek_error(ErrorKind::EofWhileParsingValue));
        };
        if let Some(offsets) = self.offsets.as_deref_mut() {
            offsets.push(self.index);
        }
        match byte {
            b'n' => self.literal(b"null", Json::Null),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'-' | b'0'..=b'9' => self.number().map(Json::Number),
            b'"' => {
                self.index += 1;
                self.string().map(Json::String)
            }
            b'[' | b'{' => {
                if self.depth + 1 >= MAX_DEPTH {
                    return Err(self.peek_error(ErrorKind::RecursionLimitExceeded));
                }
                self.depth += 1;
                self.index += 1;
                let value = if byte == b'[' {
                    self.array()
                } else {
                    self.object()
                };
                self.depth -= 1;
                value
            }
            _ => Err(self.peek_error(ErrorKind::ExpectedSomeValue)),
        }
    }

    /// `null`, `true` or `false`, whose first byte has been peeked.
    fn literal(&mut self, word: &[u8], value: Json) -> Result<Json, Failure> {
        for &expected in word {
            match self.next() {
                None => return Err(self.error(ErrorKind::EofWhileParsingValue)),
                Some(byte) if byte != expected => {
                    return Err(self.error(ErrorKind::ExpectedSomeIdent))
                }
                Some(_) => {}
            }
        }
        Ok(value)
    }

    fn skip_digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.index += 1;
        }
    }

    /// A number, whose first byte (`-` or a digit) has been peeked, as its text.
    fn number(&mut self) -> Result<String, Failure> {
        let start = self.index;
        if self.peek() == Some(b'-') {
            self.index += 1;
        }
        match self.next() {
            None => return Err(self.error(ErrorKind::EofWhileParsingValue)),
            Some(b'0') => {
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(self.peek_error(ErrorKind::InvalidNumber));
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            Some(_) => return Err(self.error(ErrorKind::InvalidNumber)),
        }
        if self.peek() == Some(b'.') {
            self.index += 1;
            match self.peek() {
                Some(b'0'..=b'9') => self.skip_digits(),
                Some(_) => return Err(self.peek_error(ErrorKind::InvalidNumber)),
                None => return Err(self.peek_error(ErrorKind::EofWhileParsingValue)),
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.index += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.index += 1;
            }
            match self.next() {
                None => return Err(self.error(ErrorKind::EofWhileParsingValue)),
                Some(b'0'..=b'9') => self.skip_digits(),
                Some(_) => return Err(self.error(ErrorKind::InvalidNumber)),
            }
        }
        // Every byte of a number is ASCII: nothing is replaced.
        let text = self.bytes.get(start..self.index).unwrap_or_default();
        Ok(String::from_utf8_lossy(text).into_owned())
    }

    /// A string's contents, its opening quote read. Invalid UTF-8 is reported at the closing
    /// quote (an escape or control character error after it comes first), as serde_json does.
    fn string(&mut self) -> Result<String, Failure> {
        let mut out = String::new();
        let mut invalid_utf8: Option<usize> = None;
        loop {
            let rest = self.bytes.get(self.index..).unwrap_or_default();
            let Some(run) = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            else {
                self.index = self.bytes.len();
                return Err(self.error(ErrorKind::EofWhileParsingString));
            };
            // The run between escapes: escapes and quotes are ASCII, so no character of valid
            // UTF-8 straddles two runs.
            match std::str::from_utf8(rest.get(..run).unwrap_or_default()) {
                Ok(text) => out.push_str(text),
                Err(error) => {
                    invalid_utf8.get_or_insert(self.index + error.valid_up_to());
                }
            }
            self.index += run;
            match self.next() {
                Some(b'"') => {
                    return match invalid_utf8 {
                        Some(at) => Err(Failure {
                            kind: ErrorKind::InvalidUnicodeCodePoint,
                            at: at + 1,
                        }),
                        None => Ok(out),
                    };
                }
                Some(b'\\') => self.escape(&mut out)?,
                _ => return Err(self.error(ErrorKind::ControlCharacterWhileParsingString)),
            }
        }
    }

    /// One escape, its backslash read.
    fn escape(&mut self, out: &mut String) -> Result<(), Failure> {
        let decoded = match self.next() {
            None => return Err(self.error(ErrorKind::EofWhileParsingString)),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => self.unicode_escape()?,
            Some(_) => return Err(self.error(ErrorKind::InvalidEscape)),
        };
        out.push(decoded);
        Ok(())
    }

    /// A `\u` escape, `\u` read: one code point, or a surrogate pair as two escapes.
    fn unicode_escape(&mut self) -> Result<char, Failure> {
        let first = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&first) {
            // A trailing surrogate first (serde_json's wording).
            return Err(self.error(ErrorKind::LoneLeadingSurrogateInHexEscape));
        }
        if !(0xD800..=0xDBFF).contains(&first) {
            return char::from_u32(u32::from(first))
                .ok_or_else(|| self.error(ErrorKind::InvalidUnicodeCodePoint));
        }
        for expected in [b'\\', b'u'] {
            match self.next() {
                None => return Err(self.error(ErrorKind::EofWhileParsingString)),
                Some(byte) if byte != expected => {
                    return Err(self.error(ErrorKind::UnexpectedEndOfHexEscape))
                }
                Some(_) => {}
            }
        }
        let second = self.hex4()?;
        if !(0xDC00..=0xDFFF).contains(&second) {
            return Err(self.error(ErrorKind::LoneLeadingSurrogateInHexEscape));
        }
        let code = 0x1_0000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
        char::from_u32(code).ok_or_else(|| self.error(ErrorKind::InvalidUnicodeCodePoint))
    }

    /// The four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Result<u16, Failure> {
        let Some(digits) = self.bytes.get(self.index..self.index + 4) else {
            self.index = self.bytes.len();
            return Err(self.error(ErrorKind::EofWhileParsingString));
        };
        self.index += 4;
        let mut value: u16 = 0;
        for &digit in digits {
            let nibble = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return Err(self.error(ErrorKind::InvalidEscape)),
            };
            value = (value << 4) | u16::from(nibble);
        }
        Ok(value)
    }

    /// An array's elements, `[` read.
    fn array(&mut self) -> Result<Json, Failure> {
        let mut items = Vec::new();
        match self.skip_whitespace() {
            None => return Err(self.peek_error(ErrorKind::EofWhileParsingList)),
            Some(b']') => {
                self.index += 1;
                return Ok(Json::Array(items));
            }
            Some(_) => {}
        }
        loop {
            items.push(self.value()?);
            match self.skip_whitespace() {
                None => return Err(self.peek_error(ErrorKind::EofWhileParsingList)),
                Some(b']') => {
                    self.index += 1;
                    return Ok(Json::Array(items));
                }
                Some(b',') => {
                    self.index += 1;
                    match self.skip_whitespace() {
                        None => return Err(self.peek_error(ErrorKind::EofWhileParsingValue)),
                        Some(b']') => return Err(self.peek_error(ErrorKind::TrailingComma)),
                        Some(_) => {}
                    }
                }
                Some(_) => return Err(self.peek_error(ErrorKind::ExpectedListCommaOrEnd)),
            }
        }
    }

    /// An object's members in document order, duplicates kept, `{` read.
    fn object(&mut self) -> Result<Json, Failure> {
        let mut members = Vec::new();
        match self.skip_whitespace() {
            None => return Err(self.peek_error(ErrorKind::EofWhileParsingObject)),
            Some(b'}') => {
                self.index += 1;
                return Ok(Json::Object(members));
            }
            Some(b'"') => {}
            Some(_) => return Err(self.peek_error(ErrorKind::KeyMustBeAString)),
        }
        loop {
            // At the name's opening quote.
            self.index += 1;
            let name = self.string()?;
            match self.skip_whitespace() {
                Some(b':') => self.index += 1,
                Some(_) => return Err(self.peek_error(ErrorKind::ExpectedColon)),
                None => return Err(self.peek_error(ErrorKind::EofWhileParsingObject)),
            }
            let value = self.value()?;
            members.push((name, value));
            match self.skip_whitespace() {
                None => return Err(self.peek_error(ErrorKind::EofWhileParsingObject)),
                Some(b'}') => {
                    self.index += 1;
                    return Ok(Json::Object(members));
                }
                Some(b',') => {
                    self.index += 1;
                    match self.skip_whitespace() {
                        Some(b'"') => {}
                        Some(b'}') => return Err(self.peek_error(ErrorKind::TrailingComma)),
                        Some(_) => return Err(self.peek_error(ErrorKind::KeyMustBeAString)),
                        None => return Err(self.peek_error(ErrorKind::EofWhileParsingValue)),
                    }
                }
                Some(_) => return Err(self.peek_error(ErrorKind::ExpectedObjectCommaOrEnd)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> String {
        match read(text.as_bytes()) {
            Ok(Json::Number(n)) => n,
            other => panic!("{text}: {other:?}"),
        }
    }

    /// The error, after checking that serde_json reports the same message at the same place.
    fn error(text: &[u8]) -> (ErrorKind, usize, usize) {
        let ours = read(text).expect_err(&String::from_utf8_lossy(text));
        let theirs = serde_json::from_slice::<serde_json::Value>(text).expect_err("serde_json");
        let message = theirs.to_string();
        let message = message.get(..message.rfind(" at line ").unwrap()).unwrap();
        assert!(
            ours.kind.message().starts_with(message),
            "{:?}: {ours} / {theirs}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(
            (ours.line, ours.column),
            (theirs.line(), theirs.column()),
            "{:?}: {ours} / {theirs}",
            String::from_utf8_lossy(text)
        );
        (ours.kind, ours.line, ours.column)
    }

    #[test]
    fn numbers_are_kept_exactly_as_written() {
        for text in [
            "1.50",
            "-0",
            "9007199254740993",
            "1e400",
            "123456789012345678901234567890",
            "-1.5E-10",
            "0",
            "0.0e0",
            "2E+3",
            "-123456789012345678901234567890.000000000000000000001",
        ] {
            assert_eq!(number(text), text);
            assert_eq!(number(&format!(" \n{text}\t\r\n")), text);
        }
    }

    #[test]
    fn members_keep_their_order_and_duplicates() {
        let json = read(br#"{"b": 1, "a": [true, false, null], "b": {"": "x"}}"#).unwrap();
        assert_eq!(
            json,
            Json::Object(vec![
                ("b".into(), Json::Number("1".into())),
                (
                    "a".into(),
                    Json::Array(vec![Json::Bool(true), Json::Bool(false), Json::Null])
                ),
                (
                    "b".into(),
                    Json::Object(vec![(String::new(), Json::String("x".into()))])
                ),
            ])
        );
        assert_eq!(read(b"{}").unwrap(), Json::Object(vec![]));
        assert_eq!(read(b"[ ]").unwrap(), Json::Array(vec![]));
    }

    #[test]
    fn strings_decode_escapes_and_surrogate_pairs() {
        let string = |text: &str| match read(text.as_bytes()) {
            Ok(Json::String(s)) => s,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(string(r#""a\"\\\/\b\f\n\r\tz""#), "a\"\\/\u{8}\u{c}\n\r\tz");
        assert_eq!(string(r#""\u00e9\u00A0\u4e2d""#), "é\u{a0}中");
        assert_eq!(string(r#""\ud83d\ude00!""#), "😀!");
        assert_eq!(string(r#""\uD83D\uDE00""#), "😀");
        assert_eq!(string("\"中文 😀 \u{7f}\""), "中文 😀 \u{7f}");
        assert_eq!(string(r#""\u0000""#), "\0");
    }

    #[test]
    fn every_syntax_error_has_serde_json_wording_and_position() {
        use ErrorKind::*;
        let cases: &[(&[u8], ErrorKind, usize, usize)] = &[
            (b"", EofWhileParsingValue, 1, 0),
            (b"   ", EofWhileParsingValue, 1, 3),
            (b"[", EofWhileParsingList, 1, 1),
            (b"[1", EofWhileParsingList, 1, 2),
            (b"[1,", EofWhileParsingValue, 1, 3),
            (b"{", EofWhileParsingObject, 1, 1),
            (br#"{"a""#, EofWhileParsingObject, 1, 4),
            (br#"{"a":"#, EofWhileParsingValue, 1, 5),
            (br#"{"a":1"#, EofWhileParsingObject, 1, 6),
            (br#"{"a":1,"#, EofWhileParsingValue, 1, 7),
            (br#""abc"#, EofWhileParsingString, 1, 4),
            (br#""ab\"#, EofWhileParsingString, 1, 4),
            (br#""\u12"#, EofWhileParsingString, 1, 5),
            (br#""\ud800"#, EofWhileParsingString, 1, 7),
            (b"-", EofWhileParsingValue, 1, 1),
            (b"1.", EofWhileParsingValue, 1, 2),
            (b"1e", EofWhileParsingValue, 1, 2),
            (b"1e+", EofWhileParsingValue, 1, 3),
            (b"nul", EofWhileParsingValue, 1, 3),
            (br#"{"a" 1}"#, ExpectedColon, 1, 6),
            (b"[1 2]", ExpectedListCommaOrEnd, 1, 4),
            (br#"{"a":1 "b":2}"#, ExpectedObjectCommaOrEnd, 1, 8),
            (b"{\"a\": 1 // note\n}", ExpectedObjectCommaOrEnd, 1, 9),
            (b"nulx", ExpectedSomeIdent, 1, 4),
            (b"flase", ExpectedSomeIdent, 1, 2),
            (b"[tru e]", ExpectedSomeIdent, 1, 5),
            (b"[,1]", ExpectedSomeValue, 1, 2),
            (b"'a'", ExpectedSomeValue, 1, 1),
            (b"NaN", ExpectedSomeValue, 1, 1),
            (b"Infinity", ExpectedSomeValue, 1, 1),
            (b"+1", ExpectedSomeValue, 1, 1),
            (b".5", ExpectedSomeValue, 1, 1),
            (b"[\xC2\xA0]", ExpectedSomeValue, 1, 2),
            (br#"{"a": }"#, ExpectedSomeValue, 1, 7),
            (br#""\x""#, InvalidEscape, 1, 3),
            (br#""\u12G4""#, InvalidEscape, 1, 7),
            (br#""\u12"}"#, InvalidEscape, 1, 7),
            (b"01", InvalidNumber, 1, 2),
            (b"-01", InvalidNumber, 1, 3),
            (b"[1.]", InvalidNumber, 1, 4),
            (b"[1.e5]", InvalidNumber, 1, 4),
            (b"[1e]", InvalidNumber, 1, 4),
            (b"[1e+x]", InvalidNumber, 1, 5),
            (b"-Infinity", InvalidNumber, 1, 2),
            (b"[-]", InvalidNumber, 1, 3),
            (b"\"a\xffb\"", InvalidUnicodeCodePoint, 1, 3),
            (b"\"\xe4\xb8\"", InvalidUnicodeCodePoint, 1, 2),
            (b"\"a\tb\"", ControlCharacterWhileParsingString, 1, 3),
            (b"[\"a\nb\"]", ControlCharacterWhileParsingString, 2, 0),
            (b"{1:2}", KeyMustBeAString, 1, 2),
            (br#"{"a":1,2}"#, KeyMustBeAString, 1, 8),
            (b"{'a': 1}", KeyMustBeAString, 1, 2),
            (br#""\udc00""#, LoneLeadingSurrogateInHexEscape, 1, 7),
            (br#""\ud800\u0041""#, LoneLeadingSurrogateInHexEscape, 1, 13),
            (br#""\ud800\ud800""#, LoneLeadingSurrogateInHexEscape, 1, 13),
            (br#""\ud800""#, UnexpectedEndOfHexEscape, 1, 8),
            (br#""\ud800x""#, UnexpectedEndOfHexEscape, 1, 8),
            (br#""\ud800\n""#, UnexpectedEndOfHexEscape, 1, 9),
            (b"[1,]", TrailingComma, 1, 4),
            (br#"{"a":1,}"#, TrailingComma, 1, 8),
            (b"{\n  \"a\": [1, 2],\n}", TrailingComma, 3, 1),
            (b"1 2", TrailingCharacters, 1, 3),
            (b"{}}", TrailingCharacters, 1, 3),
            (b"{}\n\n  x", TrailingCharacters, 3, 3),
            (b"\"a\"\"b\"", TrailingCharacters, 1, 4),
        ];
        for &(text, kind, line, column) in cases {
            assert_eq!(
                error(text),
                (kind, line, column),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn nesting_stops_at_serde_json_limit() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(read(nested(MAX_DEPTH - 1).as_bytes()).is_ok());
        let objects = format!(
            "{}1{}",
            r#"{"a":"#.repeat(MAX_DEPTH - 1),
            "}".repeat(MAX_DEPTH - 1)
        );
        assert!(read(objects.as_bytes()).is_ok());
        assert_eq!(
            error(nested(MAX_DEPTH).as_bytes()),
            (ErrorKind::RecursionLimitExceeded, 1, MAX_DEPTH)
        );
        let deep = nested(1_000_000);
        let started = std::time::Instant::now();
        assert_eq!(
            read(deep.as_bytes()).unwrap_err().kind,
            ErrorKind::RecursionLimitExceeded
        );
        assert!(started.elapsed().as_secs() < 1);
        assert!(ErrorKind::RecursionLimitExceeded
            .message()
            .contains("nests arrays and objects too deeply"));
    }

    #[test]
    fn display_names_the_place() {
        let error = read(b"[1,]").unwrap_err();
        assert_eq!(error.to_string(), "trailing comma at line 1 column 4");
        assert!(ErrorKind::EofWhileParsingString.is_eof());
        assert!(!ErrorKind::TrailingComma.is_eof());
    }

    /// 16 MB documents (the file cap) of long strings, of many small values and of escapes are
    /// read in linear time (a generous bound: debug builds are slow).
    #[test]
    fn large_documents_are_read_in_linear_time() {
        let strings = format!("[\"{}\"]", "a".repeat(16 << 20));
        let values = format!(
            "[{}1]",
            "{\"k\": [1.5, true, null, \"v\"]},".repeat(500_000)
        );
        let escapes = format!("[\"{}\"]", "\\u00e9\\n".repeat(1_000_000));
        for text in [strings, values, escapes] {
            let started = std::time::Instant::now();
            assert!(read(text.as_bytes()).is_ok());
            eprintln!("{} bytes read in {:?}", text.len(), started.elapsed());
            assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        }
    }
}
