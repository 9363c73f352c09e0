//! Compiled condition tests (spec §4): the key interned, the policy values parsed and prepared
//! for the operator (lowercased for `IgnoreCase`, globs compiled for `Like`), and evaluation
//! against the request's values without allocating.

use crate::glob::Glob;
use crate::keys::KeyId;
use crate::model::{SetQuantifier, TestKind, ValueFamily};
use crate::value::{
    parse_bool, parse_instant, parse_request_address, DecimalView, ExactDecimal, Instant, IpNet,
};
use std::cmp::Ordering;
use std::sync::Arc;

/// One key under one operator, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCondition {
    pub(crate) key: KeyId,
    /// The key, ASCII-lowercased.
    pub(crate) key_text: Box<str>,
    pub(crate) test: TestKind,
    pub(crate) quantifier: Option<SetQuantifier>,
    pub(crate) if_exists: bool,
    pub(crate) values: Values,
}

/// A condition's policy values, prepared for its operator.
#[derive(Debug, Clone)]
pub(crate) enum Values {
    Exact(Box<[Box<str>]>),
    /// Lowercased, character by character.
    Lowered(Box<[Box<str>]>),
    Globs(Box<[Arc<Glob>]>),
    Numbers(Box<[ExactDecimal]>),
    Instants(Box<[Instant]>),
    Bools(Box<[bool]>),
    Networks(Box<[IpNet]>),
}

/// Unicode lowercase, one character at a time (no context-dependent rules), as the reference
/// interpreter compares `IgnoreCase` values.
pub(crate) fn lowercase_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase)
}

impl CompiledCondition {
    /// The interned key.
    pub(crate) fn key(&self) -> KeyId {
        self.key
    }

    /// The key, ASCII-lowercased.
    pub(crate) fn key_text(&self) -> &str {
        &self.key_text
    }

    /// Whether the test holds, given the request's values for the key (`None`: absent or empty).
    /// Spec §4.4, §4.5.
    pub(crate) fn holds(&self, request_values: Option<&[String]>) -> bool {
        if self.test == TestKind::Null {
            let absent = request_values.is_none();
            return matches!(&self.values, Values::Bools(v) if v.contains(&absent));
        }
        let Some(values) = request_values else {
            if self.if_exists {
                return true;
            }
            return match self.quantifier {
                Some(SetQuantifier::ForAnyValue) => false,
                Some(SetQuantifier::ForAllValues) => true,
                None => self.test.is_negated(),
            };
        };
        match self.quantifier {
            None => self.base_holds(values),
            Some(SetQuantifier::ForAnyValue) => values
                .iter()
                .any(|v| self.base_holds(std::slice::from_ref(v))),
            Some(SetQuantifier::ForAllValues) => values
                .iter()
                .all(|v| self.base_holds(std::slice::from_ref(v))),
        }
    }

    fn base_holds(&self, request_values: &[String]) -> bool {
        let any = request_values.iter().any(|r| self.matches_value(r));
        any != self.test.is_negated()
    }

    /// The positive form of the test for one request value against any policy value.
    fn matches_value(&self, r: &str) -> bool {
        match (&self.values, self.test.family()) {
            (Values::Exact(vs), _) => vs.iter().any(|v| &**v == r),
            (Values::Lowered(vs), _) => vs.iter().any(|v| lowercase_chars(r).eq(v.chars())),
            (Values::Globs(vs), _) => vs.iter().any(|g| g.is_match(r)),
            (Values::Numbers(vs), ValueFamily::Numeric) => {
                let Ok(r) = DecimalView::parse(r) else {
                    return false;
                };
                vs.iter()
                    .any(|v| ordering_satisfies(self.test, r.cmp_decimal(v)))
            }
            (Values::Instants(vs), ValueFamily::Date) => {
                let Ok(r) = parse_instant(r) else {
                    return false;
                };
                vs.iter().any(|v| ordering_satisfies(self.test, r.cmp(v)))
            }
            (Values::Bools(vs), _) => parse_bool(r).is_some_and(|r| vs.contains(&r)),
            (Values::Networks(vs), _) => {
                let Ok(address) = parse_request_address(r) else {
                    return false;
                };
                vs.iter().any(|net| net.contains(&address))
            }
            _ => false,
        }
    }
}

/// `LessThan` holds when request < policy; a negated operator's positive counterpart is equality.
fn ordering_satisfies(test: TestKind, request_vs_policy: Ordering) -> bool {
    use TestKind::*;
    match test {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => {
            request_vs_policy == Ordering::Equal
        }
        NumericLessThan | DateLessThan => request_vs_policy == Ordering::Less,
        NumericLessThanEquals | DateLessThanEquals => request_vs_policy != Ordering::Greater,
        NumericGreaterThan | DateGreaterThan => request_vs_policy == Ordering::Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => request_vs_policy != Ordering::Less,
        _ => false,
    }
}
