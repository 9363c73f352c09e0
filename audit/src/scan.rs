//! The common record read in one pass, without serde: a JSON object whose members the audit
//! reads are plain strings (no escapes), `null`s or the expected objects, every other member
//! skipped — validated, not built. It gives the [`RawRecord`] serde_json would give, or `None`
//! for anything it does not handle (an escape in a member it reads, a number where a string is
//! expected, a duplicate member, a wrapper such as `Detail` or `Events`, malformed JSON …), and
//! the caller then reads the record with serde_json, which gives the value or the exact error.
//! So the fast path decides nothing on its own: `tests` and the `record_scan` fuzz target check
//! that whatever it reads, serde_json reads alike.
//!
//! Why: reading with serde's derive took ~15,000 instructions per record, most of them in
//! handing over each field's raw text (which keeps numbers exact) and in skipping members
//! through serde's visitor machinery (bench/README.md, "`ramjet audit`").

use crate::record::{
    RawAdditional, RawAttributes, RawIdentity, RawRecord, RawRequestParameters, RawSession,
    ReferencedResources, Text,
};
use std::borrow::Cow;

/// Nesting deeper than this is left to serde_json (whose limit is 128).
const MAX_DEPTH: usize = 64;

/// Reads `json` as one record, or `None` when serde_json must (see the module docs).
pub(crate) fn read_record(json: &str) -> Option<RawRecord<'_>> {
    let mut scan = Scanner { text: json, at: 0 };
    scan.space();
    let record = scan.record()?;
    scan.space();
    (scan.at == json.len()).then_some(record)
}

/// A position in the text.
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

/// Marks members as read, so that a second one for the same field (under either name) sends the
/// record to serde_json, which refuses it.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, field: u32) -> Option<()> {
        let bit = 1 << field;
        if self.0 & bit != 0 {
            return None;
        }
        self.0 |= bit;
        Some(())
    }
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Skips JSON white space.
    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string without escapes or control characters (the scanner is at its `"`), borrowed.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let bytes = self.text.as_bytes().get(self.at..)?;
        let end = string_stop(bytes)?;
        if bytes.get(end) != Some(&b'"') {
            return None;
        }
        let start = self.at;
        self.at += end + 1;
        self.text.get(start..start + end)
    }

    /// Skips a string, escapes included, as serde_json would accept it.
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            let bytes = self.text.as_bytes().get(self.at..)?;
            let stop = string_stop(bytes)?;
            self.at += stop + 1;
            match bytes.get(stop)? {
                b'"' => return Some(()),
                b'\\' => {}
                // A control character: serde_json's to refuse.
                _ => return None,
            }
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                b'u' => {
                    let hex = self.text.get(self.at + 1..self.at + 5)?;
                    let unit = u16::from_str_radix(hex, 16).ok()?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit())
                        || (0xd800..=0xdfff).contains(&unit)
                    {
                        // Surrogates (paired or not) are serde_json's to judge.
                        return None;
                    }
                    self.at += 5;
                }
                _ => return None,
            }
        }
    }

    /// Skips a number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn skip_number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.at + word.len();
        (self.text.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// Skips any value, checking it as serde_json would.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.members(depth + 1, |scan, _| scan.skip_value(depth + 1)),
            b'[' => self.elements(depth + 1, |scan| scan.skip_value(depth + 1)),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.skip_number(),
        }
    }

    /// An object's members (the scanner is at its `{`): `member` reads each value, given its
    /// key (a plain string: a key with an escape is serde_json's to read).
    fn members(
        &mut self,
        depth: usize,
        mut member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.space();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let key = self.plain_string()?;
            self.space();
            self.eat(b':')?;
            self.space();
            member(self, key)?;
            self.space();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.space();
                }
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array's elements (the scanner is at its `[`).
    fn elements(
        &mut self,
        depth: usize,
        mut element: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.space();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            element(self)?;
            self.space();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.space();
                }
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A field read as [`Text`]: a plain string, or `null`.
    fn text(&mut self) -> Option<Text<'a>> {
        match self.peek()? {
            b'"' => Some(Text(Some(Cow::Borrowed(self.plain_string()?)))),
            b'n' => self.literal("null").map(|()| Text(None)),
            _ => None,
        }
    }

    /// A field read as `Option<T>` of an object: the object, or `None` for `null`.
    fn object<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.peek()? {
            b'{' => read(self).map(Some),
            b'n' => self.literal("null").map(|()| None),
            _ => None,
        }
    }

    fn record(&mut self) -> Option<RawRecord<'a>> {
        let mut record = RawRecord::default();
        let mut seen = Seen::default();
        self.members(1, |scan, key| {
            let r = &mut record;
            match top_member(key) {
                Top::Text(n) => {
                    seen.first(n)?;
                    let field = match n {
                        0 => &mut r.event_id,
                        1 => &mut r.event_name,
                        2 => &mut r.service_name,
                        3 => &mut r.event_time,
                        4 => &mut r.acs_region,
                        5 => &mut r.source_ip_address,
                        6 => &mut r.user_agent,
                        7 => &mut r.vpc_id,
                        8 => &mut r.error_code,
                        9 => &mut r.recipient_account_id,
                        10 => &mut r.resource_name,
                        _ => &mut r.resource_type,
                    };
                    put(field, scan)
                }
                Top::Identity => {
                    seen.first(12)?;
                    r.user_identity = scan.object(Self::identity)?;
                    Some(())
                }
                Top::Additional => {
                    seen.first(13)?;
                    r.additional_event_data = scan.object(Self::additional)?;
                    Some(())
                }
                Top::Referenced => {
                    seen.first(14)?;
                    r.referenced_resources = scan.object(Self::referenced)?;
                    Some(())
                }
                Top::Parameters => {
                    seen.first(15)?;
                    r.request_parameters = scan.object(Self::parameters)?;
                    Some(())
                }
                // Wrappers: serde_json's (they hold records to read again).
                Top::Wrapper => None,
                Top::Other => scan.skip_value(1),
            }
        })?;
        Some(record)
    }

    fn identity(&mut self) -> Option<RawIdentity<'a>> {
        let mut identity = RawIdentity::default();
        let mut seen = Seen::default();
        self.members(2, |scan, key| {
            let i = &mut identity;
            match key {
                "type" | "Type" => seen.first(0).and_then(|()| put(&mut i.kind, scan)),
                "principalId" | "PrincipalId" => {
                    seen.first(1).and_then(|()| put(&mut i.principal_id, scan))
                }
                "accountId" | "AccountId" => {
                    seen.first(2).and_then(|()| put(&mut i.account_id, scan))
                }
                "userName" | "UserName" => seen.first(3).and_then(|()| put(&mut i.user_name, scan)),
                "accessKeyId" | "AccessKeyId" => {
                    seen.first(4).and_then(|()| put(&mut i.access_key_id, scan))
                }
                "sessionContext" | "SessionContext" => {
                    seen.first(5)?;
                    i.session_context = scan.object(Self::session)?;
                    Some(())
                }
                _ => scan.skip_value(2),
            }
        })?;
        Some(identity)
    }

    fn session(&mut self) -> Option<RawSession<'a>> {
        let mut session = RawSession::default();
        let mut seen = Seen::default();
        self.members(3, |scan, key| match key {
            "attributes" | "Attributes" => {
                seen.first(0)?;
                session.attributes = scan.object(Self::attributes)?;
                Some(())
            }
            "sessionAttributes" | "SessionAttributes" => {
                seen.first(1)?;
                session.session_attributes = scan.object(Self::attributes)?;
                Some(())
            }
            _ => scan.skip_value(3),
        })?;
        Some(session)
    }

    fn attributes(&mut self) -> Option<RawAttributes<'a>> {
        let mut attributes = RawAttributes::default();
        let mut seen = Seen::default();
        self.members(4, |scan, key| match key {
            "mfaAuthenticated" | "MfaAuthenticated" => seen
                .first(0)
                .and_then(|()| put(&mut attributes.mfa_authenticated, scan)),
            _ => scan.skip_value(4),
        })?;
        Some(attributes)
    }

    fn additional(&mut self) -> Option<RawAdditional<'a>> {
        let mut additional = RawAdditional::default();
        let mut seen = Seen::default();
        self.members(2, |scan, key| match key {
            "Scheme" | "scheme" => seen
                .first(0)
                .and_then(|()| put(&mut additional.scheme, scan)),
            "isMFAChecked" | "IsMFAChecked" => seen
                .first(1)
                .and_then(|()| put(&mut additional.is_mfa_checked, scan)),
            _ => scan.skip_value(2),
        })?;
        Some(additional)
    }

    fn parameters(&mut self) -> Option<RawRequestParameters<'a>> {
        let mut parameters = RawRequestParameters::default();
        let mut seen = Seen::default();
        self.members(2, |scan, key| match key {
            "RoleArn" | "roleArn" => seen
                .first(0)
                .and_then(|()| put(&mut parameters.role_arn, scan)),
            _ => scan.skip_value(2),
        })?;
        Some(parameters)
    }

    /// `referencedResources`: resource type → the first non-empty id of a list of strings (or
    /// `null`s), the first `;`/`,`-separated piece of a string, nothing for `null` or an object.
    fn referenced(&mut self) -> Option<ReferencedResources> {
        let mut entries = Vec::new();
        self.members(2, |scan, kind| {
            let first = match scan.peek()? {
                b'[' => {
                    let mut first: Option<&str> = None;
                    scan.elements(3, |scan| {
                        // `text` borrows every string it reads.
                        if let Text(Some(Cow::Borrowed(id))) = scan.text()? {
                            if first.is_none() && !id.is_empty() {
                                first = Some(id);
                            }
                        }
                        Some(())
                    })?;
                    first.map(str::to_string)
                }
                b'"' => first_piece(scan.plain_string()?),
                b'n' => scan.literal("null").map(|()| None)?,
                b'{' => scan.skip_value(2).map(|()| None)?,
                _ => return None,
            };
            entries.push((kind.to_string(), first));
            Some(())
        })?;
        Some(ReferencedResources(entries))
    }
}

/// For tests and the `record_scan` fuzz target: `Ok(true)` when the one-pass reader reads
/// `json` and serde_json reads it alike, `Ok(false)` when the one-pass reader leaves it to
/// serde_json, `Err` with both readings when they differ.
#[cfg(any(test, feature = "internals"))]
pub fn one_pass_agrees_with_serde(json: &str) -> Result<bool, String> {
    let Some(fast) = read_record(json) else {
        return Ok(false);
    };
    let fast = format!("{fast:?}");
    match serde_json::from_str::<RawRecord>(json) {
        Ok(slow) if format!("{slow:?}") == fast => Ok(true),
        Ok(slow) => Err(format!("one pass: {fast}\nserde_json: {slow:?}")),
        Err(e) => Err(format!("one pass: {fast}\nserde_json: error {e}")),
    }
}

/// Where a run of plain string content ends in `bytes`: the first `"`, `\` or control character
/// (below U+0020), found eight bytes at a time. For each test, the lowest byte the word trick
/// flags is exact (a borrow only reaches bytes above it), so the lowest flag of the three is.
fn string_stop(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let flags = |word: u64| {
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | word.wrapping_sub(ONES * 0x20) & !word)
            & HIGHS
    };
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let found = flags(word);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// What a record's member is, by its name (either spelling serde's derive accepts).
enum Top {
    /// A [`Text`] field: its number in [`Scanner::record`].
    Text(u32),
    Identity,
    Additional,
    Referenced,
    Parameters,
    /// `Detail`, `event`, `Events`: a wrapper of records.
    Wrapper,
    /// A member the audit does not read.
    Other,
}

/// The member `key` names, dispatched on its length first: most members of a record are ones
/// the audit does not read, and each is told apart with a comparison or two.
fn top_member(key: &str) -> Top {
    match key.len() {
        5 => match key {
            "vpcId" | "VpcId" => Top::Text(7),
            "event" => Top::Wrapper,
            _ => Top::Other,
        },
        6 => match key {
            "Detail" | "detail" | "Events" | "events" => Top::Wrapper,
            _ => Top::Other,
        },
        7 => match key {
            "eventId" | "EventId" => Top::Text(0),
            _ => Top::Other,
        },
        9 => match key {
            "eventName" | "EventName" => Top::Text(1),
            "eventTime" | "EventTime" => Top::Text(3),
            "acsRegion" | "AcsRegion" => Top::Text(4),
            "userAgent" | "UserAgent" => Top::Text(6),
            "errorCode" | "ErrorCode" => Top::Text(8),
            _ => Top::Other,
        },
        11 => match key {
            "serviceName" | "ServiceName" => Top::Text(2),
            _ => Top::Other,
        },
        12 => match key {
            "resourceName" | "ResourceName" => Top::Text(10),
            "resourceType" | "ResourceType" => Top::Text(11),
            "userIdentity" | "UserIdentity" => Top::Identity,
            _ => Top::Other,
        },
        15 => match key {
            "sourceIpAddress" | "SourceIpAddress" => Top::Text(5),
            _ => Top::Other,
        },
        17 => match key {
            "requestParameters" | "RequestParameters" => Top::Parameters,
            _ => Top::Other,
        },
        18 => match key {
            "recipientAccountId" | "RecipientAccountId" => Top::Text(9),
            _ => Top::Other,
        },
        19 => match key {
            "additionalEventData" | "AdditionalEventData" => Top::Additional,
            "referencedResources" | "ReferencedResources" => Top::Referenced,
            _ => Top::Other,
        },
        _ => Top::Other,
    }
}

/// Reads a [`Text`] field's value into `field`.
fn put<'a>(field: &mut Text<'a>, scan: &mut Scanner<'a>) -> Option<()> {
    *field = scan.text()?;
    Some(())
}

/// The first `;`/`,`-separated piece of a string of ids, trimmed, if not empty.
fn first_piece(ids: &str) -> Option<String> {
    ids.split([';', ','])
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    //! Whatever the one-pass reader reads, serde_json reads alike; and it does read the common
    //! records (else it would be dead weight).

    use super::*;
    use proptest::prelude::*;

    fn agrees(json: &str) -> Result<bool, TestCaseError> {
        one_pass_agrees_with_serde(json).map_err(|e| TestCaseError::fail(format!("{json}\n{e}")))
    }

    const SAMPLE: &str = include_str!("../../corpus/actiontrail/sample-events.jsonl");

    #[test]
    fn the_sample_records_read_alike_and_nearly_all_in_one_pass() {
        let (mut fast, mut all) = (0, 0);
        for line in SAMPLE.lines().filter(|l| !l.trim().is_empty()) {
            all += 1;
            if agrees(line).unwrap() {
                fast += 1;
            }
        }
        assert!(all > 1000, "{all}");
        assert!(fast * 10 >= all * 9, "{fast} of {all} in one pass");
    }

    #[test]
    fn what_it_leaves_to_serde_json() {
        let base = r#"{"eventName": "X", "userIdentity": {"type": "ram-user"}}"#;
        assert!(read_record(base).is_some());
        for left in [
            r#"{"eventName": "X\u0041"}"#,
            r#"{"eventName": 12}"#,
            r#"{"eventName": "X", "EventName": "Y"}"#,
            r#"{"event\u004eame": "X"}"#,
            r#"{"Detail": {"eventName": "X"}}"#,
            r#"{"eventName": "X"} x"#,
            r#"{"eventName": "X",}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": "\ud800"}"#,
            r#"{"a": "tab	inside"}"#,
            r#"{"a": [1, 2,]}"#,
            r#"{"a": tru}"#,
            r#"{"userIdentity": "alice"}"#,
            r#"{"referencedResources": {"k": 1}}"#,
            r#"["eventName"]"#,
        ] {
            assert!(read_record(left).is_none(), "{left}");
        }
        // Read in one pass: skipped members of every shape, nulls, empty objects.
        for read in [
            r#" {"eventName": null, "x": {"y": [1, -2.5e+3, true, false, null, "a\"b\u00e9"]}} "#,
            r#"{"userIdentity": null, "additionalEventData": {}, "referencedResources": {"K": ["", "id-1"], "L": "a; b", "M": null, "N": {"x": 1}}}"#,
            r#"{"userIdentity": {"sessionContext": {"attributes": null, "sessionAttributes": {"MfaAuthenticated": "true"}}}}"#,
        ] {
            assert!(agrees(read).unwrap(), "{read}");
        }
    }

    /// JSON text for a value of any shape, some of it what the reader leaves to serde_json.
    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            6 => "[a-z0-9 :/._-]{0,12}".prop_map(|s| format!("\"{s}\"")),
            1 => Just("null".to_string()),
            2 => prop::sample::select(vec![
                r#""a\"b""#, r#""\u00e9""#, r#""\ud83d\ude00""#, r#""\ud800""#, r#""\x""#,
                "\"\u{1}\"", "null", "true", "false", "tru", "0", "-0", "01", "1.5", "1.",
                "-1e+9", "2E-3", "1e", ".5", "-", "\"é\"",
            ])
            .prop_map(str::to_string),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((key(), inner), 0..4).prop_map(|m| {
                    let members: Vec<String> = m
                        .into_iter()
                        .map(|(k, v)| format!("\"{k}\": {v}"))
                        .collect();
                    format!("{{{}}}", members.join(", "))
                }),
            ]
        })
    }

    /// A member name: the fields the audit reads (both spellings), wrappers, others.
    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "eventId",
                "EventName",
                "eventName",
                "serviceName",
                "eventTime",
                "acsRegion",
                "sourceIpAddress",
                "userAgent",
                "VpcId",
                "errorCode",
                "recipientAccountId",
                "resourceName",
                "resourceType",
                "userIdentity",
                "UserIdentity",
                "type",
                "accountId",
                "userName",
                "principalId",
                "accessKeyId",
                "sessionContext",
                "attributes",
                "sessionAttributes",
                "mfaAuthenticated",
                "additionalEventData",
                "Scheme",
                "scheme",
                "isMFAChecked",
                "referencedResources",
                "requestParameters",
                "RoleArn",
                "roleArn",
                "Detail",
                "detail",
                "event",
                "Events",
                "events",
                "event\\u004eame",
            ])
            .prop_map(str::to_string),
            "[a-zA-Z]{1,8}",
        ]
    }

    /// A record-shaped object whose members are any of the above.
    fn record_text() -> impl Strategy<Value = String> {
        (
            prop::collection::vec((key(), value()), 0..6),
            prop::sample::select(vec!["", " ", "\n", "\t "]),
            prop::sample::select(vec!["", "", "", "", " ", "x", ",", "}"]),
        )
            .prop_map(|(members, space, tail)| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, v)| format!("{space}\"{k}\"{space}:{space}{v}"))
                    .collect();
                format!("{space}{{{}}}{space}{tail}", members.join(","))
            })
    }

    #[test]
    fn the_generated_records_test_the_one_pass_reader() {
        // Of the generated texts, enough are read in one pass (and enough are not) for the
        // property below to test both sides.
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = record_text();
        let read: usize = (0..2000)
            .filter(|_| {
                let text = strategy.new_tree(&mut runner).unwrap().current();
                read_record(&text).is_some()
            })
            .count();
        assert!(
            (400..1800).contains(&read),
            "{read} of 2000 read in one pass"
        );
    }

    proptest! {
        #[test]
        fn string_stops_are_found_a_word_at_a_time_exactly(
            bytes in prop::collection::vec(prop_oneof![
                4 => 0x20u8..=0xff, 1 => Just(b'"'), 1 => Just(b'\\'), 1 => 0u8..0x20], 0..40)
        ) {
            let naive = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(string_stop(&bytes), naive);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        #[test]
        fn whatever_it_reads_serde_json_reads_alike(text in record_text()) {
            agrees(&text)?;
        }

        #[test]
        fn edited_sample_records_read_alike(
            line in 0usize..1000,
            edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(
                vec!["", "\"", "\\", ",", ":", "{", "}", "[", "]", " ", "0", "-", "e", "n", "\u{1}", "é"])), 1..4),
        ) {
            let mut text = SAMPLE.lines().nth(line).unwrap_or("{}").to_string();
            for (at, insert) in edits {
                let mut at = at.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                // Replace one character (or none at the end) with the edit.
                let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                text.replace_range(at..end, insert);
            }
            agrees(&text)?;
        }
    }
}
