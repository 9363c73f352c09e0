//! One ActionTrail record (spec §7) read leniently — camelCase or PascalCase fields, numbers where
//! strings are expected, wrappers (`Detail` or SLS's `event` holding the record as a JSON string,
//! LookupEvents' `{"Events": [...]}`) — and mapped to a request, or classified as a `system`
//! event or an unmappable one with the reason.

use crate::mapping::{fill_into, Mapping};
use ramjet_engine::value::{parse_instant, parse_request_address};
use ramjet_engine::MAX_REQUEST_STRING_CHARS;
use ramjet_engine::{Context, Principal, PrincipalKind, Request, RequestError};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A string field that may come as a string, number, boolean or null. A number is kept as its
/// exact text (`1.50`, `9007199254740993`), whatever serde_json's features.
#[derive(Debug, Default, Clone)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

/// serde_json's name for a raw value (`RawValue`, feature `raw_value`): asked for a newtype
/// struct of this name, serde_json hands over the value's JSON text instead of parsing it.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";
/// serde_json's key for a number kept as text under `arbitrary_precision`, which an embedder may
/// turn on: `{"$serde_json::private::Number": "…"}`.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // From serde_json, the value's raw text: a number's digits as written. Other
        // deserializers see a newtype struct and forward to `deserialize_any`.
        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, TextVisitor)
    }
}

/// A string that borrows from the input when it can.
struct Borrowed<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Borrowed<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Borrowed<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Borrowed(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Borrowed(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Borrowed(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

/// A value's JSON text (already checked by serde_json) as the field's text.
fn text_of_raw<'a, E: de::Error>(raw: Cow<'a, str>) -> Result<Text<'a>, E> {
    let owned = |s: &str| Ok(Text(Some(Cow::Owned(s.to_string()))));
    match raw.as_bytes().first() {
        Some(b'"') if !raw.contains('\\') => match raw {
            Cow::Borrowed(s) => Ok(Text(s.get(1..s.len().saturating_sub(1)).map(Cow::Borrowed))),
            Cow::Owned(s) => owned(s.get(1..s.len().saturating_sub(1)).unwrap_or_default()),
        },
        Some(b'"') => serde_json::from_str::<String>(&raw)
            .map(|s| Text(Some(Cow::Owned(s))))
            .map_err(E::custom),
        Some(b'n') => Ok(Text(None)),
        Some(b'{') => Err(E::custom("expected a string, found an object")),
        Some(b'[') => Err(E::invalid_type(de::Unexpected::Seq, &TextVisitor)),
        // A number or a boolean: its text.
        _ => match raw {
            Cow::Borrowed(s) => Ok(Text(Some(Cow::Borrowed(s)))),
            Cow::Owned(s) => Ok(Text(Some(Cow::Owned(s)))),
        },
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v))))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Text(None))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Text(None))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        match map.next_key::<Borrowed<'de>>()? {
            // serde_json's raw text of the value (any features).
            Some(Borrowed(key)) if key == RAW_VALUE_TOKEN => {
                text_of_raw(map.next_value::<Borrowed<'de>>()?.0)
            }
            // A number under `arbitrary_precision`, from a deserializer that does not hand over
            // raw text (a `serde_json::Value`, say).
            Some(Borrowed(key)) if key == NUMBER_TOKEN => {
                Ok(Text(Some(map.next_value::<Borrowed<'de>>()?.0)))
            }
            _ => Err(de::Error::custom("expected a string, found an object")),
        }
    }
}

impl Text<'_> {
    /// The text, unless absent or empty.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawAttributes<'a> {
    #[serde(
        borrow,
        default,
        alias = "MfaAuthenticated",
        rename = "mfaAuthenticated"
    )]
    pub(crate) mfa_authenticated: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawSession<'a> {
    #[serde(borrow, default, alias = "Attributes")]
    pub(crate) attributes: Option<RawAttributes<'a>>,
    #[serde(
        borrow,
        default,
        alias = "SessionAttributes",
        rename = "sessionAttributes"
    )]
    pub(crate) session_attributes: Option<RawAttributes<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawIdentity<'a> {
    #[serde(borrow, default, rename = "type", alias = "Type")]
    pub(crate) kind: Text<'a>,
    #[serde(borrow, default, rename = "principalId", alias = "PrincipalId")]
    pub(crate) principal_id: Text<'a>,
    #[serde(borrow, default, rename = "accountId", alias = "AccountId")]
    pub(crate) account_id: Text<'a>,
    #[serde(borrow, default, rename = "userName", alias = "UserName")]
    pub(crate) user_name: Text<'a>,
    #[serde(borrow, default, rename = "accessKeyId", alias = "AccessKeyId")]
    pub(crate) access_key_id: Text<'a>,
    #[serde(borrow, default, rename = "sessionContext", alias = "SessionContext")]
    pub(crate) session_context: Option<RawSession<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawAdditional<'a> {
    #[serde(borrow, default, alias = "scheme")]
    #[serde(rename = "Scheme")]
    pub(crate) scheme: Text<'a>,
    #[serde(borrow, default, rename = "isMFAChecked", alias = "IsMFAChecked")]
    pub(crate) is_mfa_checked: Text<'a>,
}

/// The `requestParameters` the audit reads: the role a role-assumption call names.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawRequestParameters<'a> {
    #[serde(borrow, default, rename = "RoleArn", alias = "roleArn")]
    pub(crate) role_arn: Text<'a>,
}

/// The fields of a record that the audit reads; everything else is skipped unparsed.
#[derive(Debug, Default, Deserialize)]
pub struct RawRecord<'a> {
    #[serde(borrow, default, rename = "eventId", alias = "EventId")]
    pub(crate) event_id: Text<'a>,
    #[serde(borrow, default, rename = "eventName", alias = "EventName")]
    pub(crate) event_name: Text<'a>,
    #[serde(borrow, default, rename = "serviceName", alias = "ServiceName")]
    pub(crate) service_name: Text<'a>,
    #[serde(borrow, default, rename = "eventTime", alias = "EventTime")]
    pub(crate) event_time: Text<'a>,
    #[serde(borrow, default, rename = "acsRegion", alias = "AcsRegion")]
    pub(crate) acs_region: Text<'a>,
    #[serde(borrow, default, rename = "sourceIpAddress", alias = "SourceIpAddress")]
    pub(crate) source_ip_address: Text<'a>,
    #[serde(borrow, default, rename = "userAgent", alias = "UserAgent")]
    pub(crate) user_agent: Text<'a>,
    #[serde(borrow, default, rename = "vpcId", alias = "VpcId")]
    pub(crate) vpc_id: Text<'a>,
    #[serde(borrow, default, rename = "errorCode", alias = "ErrorCode")]
    pub(crate) error_code: Text<'a>,
    #[serde(
        borrow,
        default,
        rename = "recipientAccountId",
        alias = "RecipientAccountId"
    )]
    pub(crate) recipient_account_id: Text<'a>,
    #[serde(borrow, default, rename = "resourceName", alias = "ResourceName")]
    pub(crate) resource_name: Text<'a>,
    #[serde(borrow, default, rename = "resourceType", alias = "ResourceType")]
    pub(crate) resource_type: Text<'a>,
    #[serde(borrow, default, rename = "userIdentity", alias = "UserIdentity")]
    pub(crate) user_identity: Option<RawIdentity<'a>>,
    #[serde(
        borrow,
        default,
        rename = "additionalEventData",
        alias = "AdditionalEventData"
    )]
    pub(crate) additional_event_data: Option<RawAdditional<'a>>,
    #[serde(default, rename = "referencedResources", alias = "ReferencedResources")]
    pub(crate) referenced_resources: Option<ReferencedResources>,
    #[serde(
        borrow,
        default,
        rename = "requestParameters",
        alias = "RequestParameters"
    )]
    pub(crate) request_parameters: Option<RawRequestParameters<'a>>,
    /// EventBridge / wrappers: the record itself, as an object or a JSON string.
    #[serde(borrow, default, rename = "Detail", alias = "detail")]
    pub(crate) detail: Option<&'a RawValue>,
    /// SLS delivery: the record as a JSON string.
    #[serde(borrow, default)]
    pub(crate) event: Option<&'a RawValue>,
    /// LookupEvents response: many records.
    #[serde(borrow, default, rename = "Events", alias = "events")]
    pub(crate) events: Option<Vec<&'a RawValue>>,
}

/// Facts about an event kept for reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFacts {
    /// `eventId`.
    pub event_id: Option<String>,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// True when `errorCode` says the call was refused for lack of permission.
    pub recorded_denied: bool,
}

/// What one record turned into.
#[derive(Debug, Clone)]
pub enum Classified {
    /// A request to evaluate.
    Request(Box<Request>, EventFacts),
    /// A `system` event: counted, not evaluated.
    System(EventFacts),
    /// A record that cannot be mapped, with the reason.
    Unmapped(String, EventFacts),
}

/// Why a piece of input is not a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// Parses one JSON value (a record, a wrapper, or a LookupEvents response) and classifies every
/// record in it, in order.
pub fn classify_value(json: &str, mapping: &Mapping, out: &mut Vec<Result<Classified, Malformed>>) {
    read_records(json, &mut |record| {
        out.push(record.map(|record| classify(record, mapping)));
    });
}

/// Reads every record of one JSON value (a record, a wrapper, or a LookupEvents response), in
/// order, and hands each to `sink` (or why a piece is not a record).
pub(crate) fn read_records(json: &str, sink: &mut dyn FnMut(Result<&RawRecord<'_>, Malformed>)) {
    read_nested(json, sink, 0);
}

fn read_nested(json: &str, sink: &mut dyn FnMut(Result<&RawRecord<'_>, Malformed>), depth: u8) {
    if depth > 3 {
        sink(Err(Malformed("records nested more than 3 deep".into())));
        return;
    }
    let trimmed = json.trim_start();
    if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<&RawValue>>(json) {
            Ok(items) => items
                .iter()
                .for_each(|item| read_nested(item.get(), sink, depth + 1)),
            Err(e) => sink(Err(Malformed(e.to_string()))),
        }
        return;
    }
    if trimmed.starts_with('"') {
        // A record serialised as a JSON string (`Detail`, SLS `event`).
        match serde_json::from_str::<String>(json) {
            Ok(inner) => read_nested(&inner, sink, depth + 1),
            Err(e) => sink(Err(Malformed(e.to_string()))),
        }
        return;
    }
    // The common record in one pass; anything else (and every error) from serde_json.
    let record: RawRecord = match crate::scan::read_record(json) {
        Some(record) => record,
        None => match serde_json::from_str(json) {
            Ok(record) => record,
            Err(e) => {
                sink(Err(Malformed(e.to_string())));
                return;
            }
        },
    };
    if record.event_name.get().is_none() {
        if let Some(events) = &record.events {
            events
                .iter()
                .for_each(|item| read_nested(item.get(), sink, depth + 1));
            return;
        }
        if let Some(inner) = record.detail.or(record.event) {
            read_nested(inner.get(), sink, depth + 1);
            return;
        }
    }
    sink(Ok(&record));
}

/// `2020-12-01T11:54:59.366+0000` → `2020-12-01T11:54:59.366+00:00`.
fn normalise_time(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let n = bytes.len();
    if n > 5
        && matches!(bytes.get(n - 5), Some(b'+' | b'-'))
        && bytes
            .get(n - 4..)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    {
        if let (Some(head), Some(tail)) = (text.get(..n - 2), text.get(n - 2..)) {
            return Cow::Owned(format!("{head}:{tail}"));
        }
    }
    Cow::Borrowed(text)
}

/// What an event's record says about the call's recorded outcome, borrowed from the record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub(crate) event_id: Option<&'a str>,
    pub(crate) error_code: Option<&'a str>,
    pub(crate) recorded_denied: bool,
}

impl<'a> Facts<'a> {
    /// The facts of `record`.
    pub(crate) fn of(record: &'a RawRecord<'_>, mapping: &Mapping) -> Facts<'a> {
        let error_code = record.error_code.get();
        Facts {
            event_id: record.event_id.get(),
            error_code,
            recorded_denied: error_code.is_some_and(|c| mapping.is_permission_error(c)),
        }
    }

    /// The facts, owned.
    pub(crate) fn to_owned(self) -> EventFacts {
        EventFacts {
            event_id: self.event_id.map(str::to_string),
            error_code: self.error_code.map(str::to_string),
            recorded_denied: self.recorded_denied,
        }
    }
}

/// Maps one record (spec §7).
pub fn classify(record: &RawRecord<'_>, mapping: &Mapping) -> Classified {
    let facts = Facts::of(record, mapping).to_owned();
    match Mapper::default().map(record, mapping) {
        Mapped::Request(request) => Classified::Request(Box::new(request.clone()), facts),
        Mapped::System => Classified::System(facts),
        Mapped::Unmapped(reason) => Classified::Unmapped(reason, facts),
    }
}

/// What [`Mapper::map`] made of a record.
pub(crate) enum Mapped<'m> {
    /// The request, in the mapper's buffers.
    Request(&'m Request),
    /// A `system` event.
    System,
    /// Why the record does not map.
    Unmapped(String),
}

/// Maps records to requests in buffers it keeps: one per worker thread, so that mapping a
/// record allocates nothing once they have grown to fit (the request is refilled, `
/// Request::refill`).
#[derive(Debug, Default)]
pub(crate) struct Mapper {
    request: Option<Request>,
    action: String,
    resource: String,
}

/// Who a record says made the call.
enum Caller<'a> {
    Root(&'a str),
    User {
        account: &'a str,
        name: &'a str,
        id: Option<&'a str>,
    },
    Role {
        account: &'a str,
        role: &'a str,
        session: &'a str,
    },
}

impl Mapper {
    /// Maps `record` (spec §7).
    pub(crate) fn map(&mut self, record: &RawRecord<'_>, mapping: &Mapping) -> Mapped<'_> {
        let identity = record.user_identity.as_ref();
        let kind = identity.and_then(|i| i.kind.get()).unwrap_or("");
        if kind.eq_ignore_ascii_case("system") {
            return Mapped::System;
        }
        let Some(event_name) = record.event_name.get() else {
            return Mapped::Unmapped("no eventName".into());
        };
        let Some(service) = record.service_name.get() else {
            return Mapped::Unmapped("no serviceName".into());
        };
        let Some(code) = mapping.ram_code(service) else {
            return Mapped::Unmapped(format!(
                "unknown service {service:?} (not in corpus/actiontrail/services.tsv)"
            ));
        };
        let role_assumption = is_role_assumption(code, event_name);
        if role_assumption && is_federated_assumption(event_name) {
            return Mapped::Unmapped(format!(
                "{code}:{event_name}: the SAML assertion or OIDC token its trust policy tests \
                 (saml:* / oidc:* keys) is not in ActionTrail records"
            ));
        }
        let Some(identity) = identity else {
            return Mapped::Unmapped("no userIdentity".into());
        };
        let caller = match caller(identity, kind) {
            Ok(caller) => caller,
            Err(reason) => return Mapped::Unmapped(reason),
        };
        let account = match caller {
            Caller::Root(account) | Caller::User { account, .. } | Caller::Role { account, .. } => {
                account
            }
        };
        self.action.clear();
        self.action.push_str(code);
        self.action.push(':');
        self.action.push_str(event_name);
        let owner = record.recipient_account_id.get().unwrap_or(account);
        let region = record.acs_region.get().unwrap_or("");
        // Assuming a role is a request on the role (spec §6.2 step 4): its ARN is the call's
        // `RoleArn` parameter.
        let role_arn = record
            .request_parameters
            .as_ref()
            .and_then(|p| p.role_arn.get())
            .filter(|_| role_assumption);
        let resource = match role_arn {
            Some(arn) => arn,
            None if resource_arn(&mut self.resource, record, mapping, code, region, owner) => {
                &self.resource
            }
            None => "*",
        };
        let made = match &mut self.request {
            Some(request) => request.refill(&self.action, resource),
            None => Request::new(&self.action, resource).map(|r| self.request = Some(r)),
        };
        if let Err(e) = made {
            return Mapped::Unmapped(e.to_string());
        }
        let Some(request) = self.request.as_mut() else {
            // Made just above.
            return Mapped::Unmapped("the request could not be made".into());
        };
        if let Err(e) = fill_context(request.context_mut(), record, identity) {
            return Mapped::Unmapped(e.to_string());
        }
        match caller {
            Caller::Root(account) => {
                request.set_principal(Principal::new(PrincipalKind::RootAccount {
                    account: account.to_string(),
                }))
            }
            Caller::User { account, name, id } => request.set_ram_user(account, name, id),
            Caller::Role {
                account,
                role,
                session,
            } => request.set_assumed_role(account, role, session, None),
        }
        Mapped::Request(request)
    }
}

/// The caller a `userIdentity` of type `kind` names, or why it names none.
fn caller<'a>(identity: &'a RawIdentity<'_>, kind: &str) -> Result<Caller<'a>, String> {
    let Some(account) = identity.account_id.get() else {
        return Err(format!("{kind} userIdentity without accountId"));
    };
    let user = identity.user_name.get();
    let too_long = |s: &str| s.len() > MAX_REQUEST_STRING_CHARS;
    if too_long(account) || user.is_some_and(too_long) {
        return Err(format!(
            "userIdentity accountId or userName over {MAX_REQUEST_STRING_CHARS} bytes"
        ));
    }
    if kind.eq_ignore_ascii_case("root-account") {
        Ok(Caller::Root(account))
    } else if kind.eq_ignore_ascii_case("ram-user") {
        match user {
            Some(name) => Ok(Caller::User {
                account,
                name,
                id: identity.principal_id.get(),
            }),
            None => Err("ram-user userIdentity without userName".into()),
        }
    } else if kind.eq_ignore_ascii_case("assumed-role") {
        match user.and_then(|u| u.split_once(':')) {
            Some((role, session)) if !role.is_empty() && !session.is_empty() => Ok(Caller::Role {
                account,
                role,
                session,
            }),
            _ => Err("assumed-role userName is not <role>:<session>".into()),
        }
    } else {
        Err(format!(
            "userIdentity type {:?} is not root-account, ram-user, assumed-role or system",
            kind.to_ascii_lowercase()
        ))
    }
}

/// `sts:AssumeRole*` in any ASCII case (spec §6.2 step 4).
fn is_role_assumption(code: &str, event_name: &str) -> bool {
    code.eq_ignore_ascii_case("sts")
        && event_name
            .get(..10)
            .is_some_and(|p| p.eq_ignore_ascii_case("AssumeRole"))
}

/// `AssumeRoleWithSAML` / `AssumeRoleWithOIDC`: a federated identity assuming a role with a SAML
/// assertion or an OIDC token, whose claims its trust policy's conditions test (spec §6.1a).
fn is_federated_assumption(event_name: &str) -> bool {
    ["AssumeRoleWithSAML", "AssumeRoleWithOIDC"]
        .iter()
        .any(|name| event_name.eq_ignore_ascii_case(name))
}

/// `referencedResources`: resource-type code → ids (a list, or one string), in document order.
#[derive(Debug, Default)]
pub(crate) struct ReferencedResources(pub(crate) Vec<(String, Option<String>)>);

impl<'de> Deserialize<'de> for ReferencedResources {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Ids;
        impl<'de> de::DeserializeSeed<'de> for Ids {
            type Value = Option<String>;
            fn deserialize<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Self::Value, D::Error> {
                deserializer.deserialize_any(self)
            }
        }
        impl<'de> Visitor<'de> for Ids {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of resource ids")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut first = None;
                while let Some(id) = seq.next_element::<Text<'de>>()? {
                    if first.is_none() {
                        first = id.get().map(str::to_string);
                    }
                }
                Ok(first)
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(v.split([';', ','])
                    .next()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(None)
            }
        }
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = ReferencedResources;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("resource types with their ids")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(kind) = map.next_key::<Cow<'de, str>>()? {
                    let first = map.next_value_seed(Ids)?;
                    entries.push((kind.into_owned(), first));
                }
                Ok(ReferencedResources(entries))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ReferencedResources(Vec::new()))
            }
        }
        deserializer.deserialize_any(Entries)
    }
}

/// Writes the resource ARN the record names into `arn`; `false` when it names none.
fn resource_arn(
    arn: &mut String,
    record: &RawRecord<'_>,
    mapping: &Mapping,
    code: &str,
    region: &str,
    owner: &str,
) -> bool {
    if let Some(referenced) = &record.referenced_resources {
        for (kind, id) in &referenced.0 {
            let (Some(template), Some(id)) = (mapping.arn_template(kind, code), id) else {
                continue;
            };
            fill_into(arn, template, region, owner, id);
            return true;
        }
    }
    let (Some(kind), Some(names)) = (record.resource_type.get(), record.resource_name.get()) else {
        return false;
    };
    let Some(id) = names.split([';', ',']).next().map(str::trim) else {
        return false;
    };
    let Some(template) = mapping.arn_template(kind, code) else {
        return false;
    };
    if id.is_empty() {
        return false;
    }
    fill_into(arn, template, region, owner, id);
    true
}

/// Adds the context keys the record carries to `context`. A value the engine refuses (over
/// `MAX_REQUEST_STRING_CHARS`) is an error: leaving the key out would change what conditions see.
fn fill_context(
    context: &mut Context,
    record: &RawRecord<'_>,
    identity: &RawIdentity<'_>,
) -> Result<(), RequestError> {
    let mut put = |key: &str, value: Option<&str>| match value {
        Some(value) => context.insert_value(key, value),
        None => Ok(()),
    };
    let time = record.event_time.get().map(normalise_time);
    put(
        "acs:CurrentTime",
        time.as_deref().filter(|t| parse_instant(t).is_ok()),
    )?;
    put(
        "acs:SourceIp",
        record
            .source_ip_address
            .get()
            .filter(|ip| parse_request_address(ip).is_ok()),
    )?;
    let scheme = record
        .additional_event_data
        .as_ref()
        .and_then(|a| a.scheme.get());
    put(
        "acs:SecureTransport",
        scheme.map(|s| {
            if s.eq_ignore_ascii_case("https") {
                "true"
            } else {
                "false"
            }
        }),
    )?;
    let session = identity.session_context.as_ref();
    let mfa = session
        .and_then(|s| s.attributes.as_ref().or(s.session_attributes.as_ref()))
        .and_then(|a| a.mfa_authenticated.get())
        .or_else(|| {
            record
                .additional_event_data
                .as_ref()
                .and_then(|a| a.is_mfa_checked.get())
        });
    put("acs:MFAPresent", mfa)?;
    put("acs:SourceVpc", record.vpc_id.get())?;
    put("acs:AccessId", identity.access_key_id.get())?;
    put("acs:UserAgent", record.user_agent.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(json: &str) -> Result<Classified, Malformed> {
        let mut out = Vec::new();
        classify_value(json, &Mapping::default(), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        out.remove(0)
    }

    fn request(json: &str) -> Request {
        match one(json) {
            Ok(Classified::Request(r, _)) => *r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn camel_and_pascal_case_records_map_alike() {
        let camel = request(
            r#"{"eventName": "RunInstances", "serviceName": "Ecs", "acsRegion": "cn-hangzhou", "eventTime": "2025-07-07T01:39:09Z",
            "sourceIpAddress": "140.205.11.238", "referencedResources": {"ACS::ECS::Instance": ["i-1"]},
            "userIdentity": {"type": "ram-user", "accountId": "166", "userName": "shami", "principalId": "2015",
                             "sessionContext": {"attributes": {"mfaAuthenticated": "true"}}}}"#,
        );
        assert_eq!(camel.action(), "ecs:RunInstances");
        assert_eq!(camel.resource(), "acs:ecs:cn-hangzhou:166:instance/i-1");
        assert_eq!(
            camel.context().get("acs:MFAPresent"),
            Some(&["true".to_string()][..])
        );
        assert_eq!(
            camel.context().get("acs:SourceIp"),
            Some(&["140.205.11.238".to_string()][..])
        );
        let pascal = request(
            r#"{"EventName": "RunInstances", "ServiceName": "Ecs", "AcsRegion": "cn-hangzhou", "EventTime": "2020-12-01T11:54:59.366+0000",
            "SourceIpAddress": "100.xx.xx.76", "UserIdentity": {"Type": "root-account", "AccountId": "1187", "UserName": "root"}}"#,
        );
        assert_eq!(pascal.action(), "ecs:RunInstances");
        assert_eq!(pascal.resource(), "*");
        assert!(pascal.context().get("acs:CurrentTime").is_some());
        assert!(pascal.context().get("acs:SourceIp").is_none());
    }

    #[test]
    fn role_assumption_is_a_request_on_the_role_it_names() {
        let assume = request(
            r#"{"eventName": "AssumeRole", "serviceName": "Sts", "acsRegion": "cn-hangzhou",
            "requestParameters": {"RoleArn": "acs:ram::1234567890123456:role/pai-runner", "RoleSessionName": "s1",
                                  "Policy": {"Statement": [{"Effect": "Allow", "Action": "*"}]}},
            "userIdentity": {"type": "ram-user", "accountId": "1234567890123456", "userName": "alice"}}"#,
        );
        assert_eq!(assume.action(), "sts:AssumeRole");
        assert_eq!(
            assume.resource(),
            "acs:ram::1234567890123456:role/pai-runner"
        );
        // Other calls' `RoleArn` parameters (ram:PassRole-like ones) do not name the resource.
        let other = request(
            r#"{"eventName": "CreateService", "serviceName": "Eas", "requestParameters": {"RoleArn": "acs:ram::1:role/x"},
            "userIdentity": {"type": "ram-user", "accountId": "1", "userName": "a"}}"#,
        );
        assert_eq!(other.resource(), "*");
    }

    #[test]
    fn saml_and_oidc_assumption_are_unmapped_for_want_of_their_claims() {
        for event in ["AssumeRoleWithSAML", "AssumeRoleWithOIDC"] {
            let record = format!(
                r#"{{"eventName": "{event}", "serviceName": "Sts",
                "requestParameters": {{"RoleArn": "acs:ram::1:role/sso"}},
                "userIdentity": {{"type": "assumed-role", "accountId": "1", "userName": "sso:alice"}}}}"#
            );
            match one(&record) {
                Ok(Classified::Unmapped(reason, _)) => {
                    assert!(reason.contains("not in ActionTrail records"), "{reason}")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn wrappers_are_unwrapped() {
        let inner = r#"{"eventName": "CreateGroup", "serviceName": "Ram", "userIdentity": {"type": "ram-user", "accountId": "1", "userName": "a"}}"#;
        let quoted = serde_json::to_string(inner).unwrap();
        for wrapped in [
            format!(r#"{{"Detail": {quoted}}}"#),
            format!(r#"{{"detail": {inner}}}"#),
            format!(r#"{{"__topic__": "actiontrail", "event": {quoted}}}"#),
        ] {
            assert_eq!(request(&wrapped).action(), "ram:CreateGroup", "{wrapped}");
        }
        let mut out = Vec::new();
        classify_value(
            &format!(r#"{{"Events": [{inner}, {inner}], "NextToken": "x"}}"#),
            &Mapping::default(),
            &mut out,
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn system_unmapped_and_malformed_are_told_apart() {
        assert!(matches!(
            one(
                r#"{"eventName": "DeleteDisk", "serviceName": "Ecs", "userIdentity": {"type": "system", "userName": "ecs.aliyuncs.com"}}"#
            ),
            Ok(Classified::System(_))
        ));
        match one(
            r#"{"eventName": "AppendVSwitchId", "serviceName": "RealtimeCompute", "userIdentity": {"type": "root-account", "accountId": "1"}}"#,
        ) {
            Ok(Classified::Unmapped(reason, _)) => assert!(reason.contains("RealtimeCompute")),
            other => panic!("{other:?}"),
        }
        assert!(one("{\"eventName\": ").is_err());
        assert!(one(r#"{"eventName": {"x": 1}}"#).is_err());
    }

    #[test]
    fn permission_errors_are_ground_truth() {
        match one(
            r#"{"eventName": "CreateService", "serviceName": "PAI-EAS", "errorCode": "NoPermission", "userIdentity": {"type": "ram-user", "accountId": "1", "userName": "a"}}"#,
        ) {
            Ok(Classified::Request(r, facts)) => {
                assert_eq!(r.action(), "eas:CreateService");
                assert!(facts.recorded_denied);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn text_fields_keep_numbers_exactly() {
        let text =
            |json: &str| serde_json::from_str::<Text>(json).map(|t| t.0.map(Cow::into_owned));
        for number in [
            "1.50",
            "-0",
            "9007199254740993",
            "1e400",
            "2E-3",
            "123456789012345678901234567890",
        ] {
            assert_eq!(text(number).unwrap().as_deref(), Some(number));
        }
        assert_eq!(text(r#""a\"b\u00e9""#).unwrap().as_deref(), Some("a\"bé"));
        assert_eq!(text(r#""""#).unwrap().as_deref(), Some(""));
        assert_eq!(text("true").unwrap().as_deref(), Some("true"));
        assert_eq!(text("null").unwrap(), None);
        assert!(text(r#"{"a": 1}"#)
            .unwrap_err()
            .to_string()
            .contains("expected a string, found an object"));
        assert!(text("[1]").is_err());
        assert!(text(r#""\ud800""#).is_err());
        // Strings without escapes are borrowed from the record.
        assert!(matches!(
            serde_json::from_str::<Text>(r#" "plain" "#).unwrap().0,
            Some(Cow::Borrowed("plain"))
        ));
        // Deserializers without raw text: a `serde_json::Value`, and the map serde_json makes of
        // a number under `arbitrary_precision` (which an embedder may turn on).
        let value = serde_json::json!({"n": 7, "s": "x"});
        assert_eq!(Text::deserialize(&value["n"]).unwrap().get(), Some("7"));
        assert_eq!(Text::deserialize(&value["s"]).unwrap().get(), Some("x"));
        let private = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(
            [(NUMBER_TOKEN, "1.50")].into_iter(),
        );
        assert_eq!(Text::deserialize(private).unwrap().get(), Some("1.50"));
        // In a record.
        match one(
            r#"{"eventId": 12345678901234567890.10, "eventName": "CreateGroup", "serviceName": "Ram", "userIdentity": {"type": "ram-user", "accountId": 1234567890123456789, "userName": "a"}}"#,
        ) {
            Ok(Classified::Request(r, facts)) => {
                assert_eq!(facts.event_id.as_deref(), Some("12345678901234567890.10"));
                assert_eq!(r.resource(), "*", "{:?}", r.principal().map(|p| &p.kind));
                assert!(format!("{:?}", r.principal()).contains("1234567890123456789"));
            }
            other => panic!("{other:?}"),
        }
    }
}
