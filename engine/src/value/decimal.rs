//! Exact decimal numbers for the numeric operators (spec §4.3): `9007199254740993` and
//! `9007199254740992` differ, `1.0` equals `1`, `1e2` equals `100`. No binary floating point is
//! involved: a number is kept as its significant digits and a decimal exponent, and compared as
//! such.
//!
//! Range: a number's text is at most [`MAX_DECIMAL_CHARS`] characters and its exponent at most
//! [`MAX_DECIMAL_EXPONENT`] in magnitude; within that every value is exact.

use std::cmp::Ordering;
use thiserror::Error;

/// The longest number text accepted.
pub const MAX_DECIMAL_CHARS: usize = 256;
/// The largest exponent magnitude accepted (`1e999999999`).
pub const MAX_DECIMAL_EXPONENT: i64 = 999_999_999;

/// Why a text is not a number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecimalError {
    /// Not of the form `[+-]?(digits[.digits?] | .digits)([eE][+-]?digits)?`.
    #[error("is not a decimal number")]
    Syntax,
    /// Longer than [`MAX_DECIMAL_CHARS`] or with an exponent beyond [`MAX_DECIMAL_EXPONENT`].
    #[error("is beyond the exact range (at most {MAX_DECIMAL_CHARS} characters, exponent within ±{MAX_DECIMAL_EXPONENT})")]
    Range,
}

/// A decimal number held exactly: value = ±0.d₁d₂…dₙ × 10^exponent with d₁ ≠ 0 and dₙ ≠ 0, or
/// zero (no digits).
///
/// ```
/// use ramjet_engine::value::ExactDecimal;
/// let a: ExactDecimal = "9007199254740993".parse().unwrap();
/// let b: ExactDecimal = "9007199254740992".parse().unwrap();
/// assert!(a > b);
/// assert_eq!("1e2".parse::<ExactDecimal>().unwrap(), "100.0".parse().unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExactDecimal {
    negative: bool,
    digits: Box<[u8]>,
    exponent: i64,
}

/// A number read without copying its digits: what a request value is parsed into on the hot
/// path, compared directly with a policy's [`ExactDecimal`].
#[derive(Debug, Clone, Copy)]
pub struct DecimalView<'a> {
    negative: bool,
    integer: &'a str,
    fraction: &'a str,
    /// Significant digits: positions `start..end` of `integer` followed by `fraction`.
    start: usize,
    end: usize,
    /// value = ±0.(significant digits) × 10^exponent
    exponent: i64,
}

impl<'a> DecimalView<'a> {
    /// Reads `[+-]?(digits[.digits?] | .digits)([eE][+-]?digits)?` (spec §4.3).
    pub fn parse(text: &'a str) -> Result<Self, DecimalError> {
        if text.len() > MAX_DECIMAL_CHARS {
            return Err(DecimalError::Range);
        }
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exponent_text) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, Some(exponent)),
            None => (unsigned, None),
        };
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (integer.is_empty() && fraction.is_empty())
            || !all_digits(integer)
            || !all_digits(fraction)
        {
            return Err(DecimalError::Syntax);
        }
        let exponent = match exponent_text {
            None => 0,
            Some(e) => parse_exponent(e)?,
        };
        let digits = || integer.bytes().chain(fraction.bytes());
        let total = integer.len() + fraction.len();
        let start = digits().take_while(|&d| d == b'0').count();
        let trailing = if start == total {
            0
        } else {
            fraction
                .bytes()
                .rev()
                .chain(integer.bytes().rev())
                .take_while(|&d| d == b'0')
                .count()
        };
        Ok(DecimalView {
            negative,
            integer,
            fraction,
            start,
            end: total - trailing,
            exponent: exponent + integer.len() as i64 - start as i64,
        })
    }

    fn significant(&self) -> impl Iterator<Item = u8> + 'a {
        self.integer
            .bytes()
            .chain(self.fraction.bytes())
            .skip(self.start)
            .take(self.end.saturating_sub(self.start))
            .map(|b| b - b'0')
    }

    fn is_zero(&self) -> bool {
        self.start >= self.end
    }

    fn sign(&self) -> i8 {
        if self.is_zero() {
            0
        } else if self.negative {
            -1
        } else {
            1
        }
    }

    /// Compares this number with `other` exactly.
    pub fn cmp_decimal(&self, other: &ExactDecimal) -> Ordering {
        match self.sign().cmp(&other.sign()) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        let magnitude = if self.is_zero() {
            Ordering::Equal
        } else {
            self.exponent
                .cmp(&other.exponent)
                .then_with(|| self.significant().cmp(other.digits.iter().copied()))
        };
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl std::str::FromStr for ExactDecimal {
    type Err = DecimalError;

    fn from_str(text: &str) -> Result<Self, DecimalError> {
        let view = DecimalView::parse(text)?;
        if view.is_zero() {
            return Ok(ExactDecimal {
                negative: false,
                digits: Box::new([]),
                exponent: 0,
            });
        }
        Ok(ExactDecimal {
            negative: view.negative,
            digits: view.significant().collect(),
            exponent: view.exponent,
        })
    }
}

fn parse_exponent(text: &str) -> Result<i64, DecimalError> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecimalError::Syntax);
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 9 {
        return Err(DecimalError::Range);
    }
    let magnitude = significant
        .bytes()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    if magnitude > MAX_DECIMAL_EXPONENT {
        return Err(DecimalError::Range);
    }
    Ok(sign * magnitude)
}

impl ExactDecimal {
    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn sign(&self) -> i8 {
        if self.is_zero() {
            0
        } else if self.negative {
            -1
        } else {
            1
        }
    }

    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => self
                .exponent
                .cmp(&other.exponent)
                .then_with(|| self.digits.cmp(&other.digits)),
        }
    }
}

/// The value in a scientific form that reads back as the same value (`0.123e3` for 123): what
/// a tool that builds requests from policy values (`ramjet analyze`) writes.
impl std::fmt::Display for ExactDecimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str("0.")?;
        for digit in self.digits.iter() {
            write!(f, "{digit}")?;
        }
        write!(f, "e{}", self.exponent)
    }
}

impl Ord for ExactDecimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |d: &Self| {
            if d.is_zero() {
                0
            } else if d.negative {
                -1
            } else {
                1
            }
        };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal if sign(self) < 0 => other.cmp_magnitude(self),
            Ordering::Equal => self.cmp_magnitude(other),
            unequal => unequal,
        }
    }
}

impl PartialOrd for ExactDecimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn display_reads_back_as_the_same_value() {
        for text in [
            "0",
            "123",
            "-0.0045",
            "1e300",
            "9007199254740993",
            "-12.5e-7",
        ] {
            let value: ExactDecimal = text.parse().unwrap();
            assert_eq!(
                value.to_string().parse::<ExactDecimal>().unwrap(),
                value,
                "{text}"
            );
        }
        assert_eq!(
            "123".parse::<ExactDecimal>().unwrap().to_string(),
            "0.123e3"
        );
    }

    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> ExactDecimal {
        s.parse().unwrap()
    }

    #[test]
    fn equal_values_in_different_forms_are_equal() {
        for (a, b) in [
            ("1", "1.0"),
            ("1e2", "100"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-0", "0"),
            ("+7", "7"),
            ("0.00", "0e5"),
            ("12.5E-1", "1.25"),
            ("007", "7"),
        ] {
            assert_eq!(d(a), d(b), "{a} vs {b}");
        }
    }

    #[test]
    fn order_is_exact_beyond_f64() {
        assert!(d("9007199254740993") > d("9007199254740992"));
        assert!(d("-2") < d("-1.5"));
        assert!(d("-1") < d("0"));
        assert!(d("0.1") > d("0.099999999999999999999999"));
        assert!(d("1e10") > d("9999999999"));
    }

    #[test]
    fn malformed_numbers_are_rejected() {
        for bad in [
            "", ".", "-", "1.2.3", "0x10", "1e", "e5", "1 ", " 1", "1e+", "inf", "NaN", "1_0",
        ] {
            assert_eq!(
                bad.parse::<ExactDecimal>(),
                Err(DecimalError::Syntax),
                "{bad:?}"
            );
        }
        assert_eq!(
            "1e1000000000".parse::<ExactDecimal>(),
            Err(DecimalError::Range)
        );
        assert_eq!(
            "9".repeat(300).parse::<ExactDecimal>(),
            Err(DecimalError::Range)
        );
        assert!("1e-999999999".parse::<ExactDecimal>().is_ok());
    }

    proptest! {
        #[test]
        fn views_compare_like_owned_decimals(a in "[+-]?[0-9]{0,4}(\\.[0-9]{0,4})?([eE][+-]?[0-9]{1,2})?", b in "[+-]?[0-9]{1,4}(\\.[0-9]{0,3})?") {
            if let (Ok(view), Ok(owned_a), Ok(owned_b)) = (DecimalView::parse(&a), a.parse::<ExactDecimal>(), b.parse::<ExactDecimal>()) {
                prop_assert_eq!(view.cmp_decimal(&owned_b), owned_a.cmp(&owned_b));
            }
        }

        #[test]
        fn agrees_with_integer_order(a in any::<i64>(), b in any::<i64>()) {
            prop_assert_eq!(d(&a.to_string()).cmp(&d(&b.to_string())), a.cmp(&b));
        }

        #[test]
        fn scaling_by_exponent_preserves_value(m in any::<i32>(), e in 0u32..20) {
            let scaled = format!("{m}{}", "0".repeat(e as usize));
            prop_assert_eq!(d(&format!("{m}e{e}")), d(&scaled));
        }
    }
}
